#!/bin/sh
# shellcheck disable=SC2016  # python programs in single quotes
# live_findings.sh - `sipwhy live --show findings`: the diagnosis as it happens, checked
# against `sipwhy diagnose` of a tcpdump recording of the same traffic.
#
# In a private network namespace (else the host's lo), on one port:
#   call 1  127.0.0.30 -> .35  INVITE 488 ACK                (codec mismatch)
#   ... 3 s later ...
#   call 2  127.0.0.30 -> .32  INVITE 180 200 ACK BYE 200    (no problem)
#   call 3  127.0.0.30 -> .33  INVITE 503 ACK                (service unavailable)
# while tcpdump records lo and `sipwhy live -i lo --show findings -f json` runs.
# Checks:
#   - call 1's findings were printed while the capture was still running (call 2's
#     messages, more than 2 s after call 1 was over, trigger the run), before SIGINT;
#   - at the stop, live has printed the same findings (rule id, call, Call-ID) as
#     `diagnose -f json` finds in tcpdump's capture, each once, every line valid JSON;
#   - the exit status is diagnose's (1 when an error was found, else 0), and the
#     summary on stderr counts the findings; --where with --show findings exits 2.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 8 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init live_findings
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp tcpdump python3 ip ss timeout
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture (uid $(id -u))"
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found"
cd "$W" || exit 1
live_lo_ns lf
UAC=127.0.0.30
P=$(live_port) || live_fail "no free port"
SC=$LIVE_SCEN/calls
DSC=$LIVE_SCEN/diag

live_tcpdump_start cap "$ns" lo "udp and port $P and net 127.0.0.0/8"
live_bg live "$ns" 60 "$SIPWHY" live -i lo --show findings -f json udp and port "$P"
live_bg uas_codec "$ns" 40 sipp -sf "$DSC/uas_fail_488.xml" -i 127.0.0.35 -p "$P" -m 1 -nostdin
live_bg uas_answer "$ns" 40 sipp -sf "$SC/uas_answer.xml" -i 127.0.0.32 -p "$P" -m 1 -nostdin
live_bg uas_down "$ns" 40 sipp -sf "$DSC/uas_fail_503.xml" -i 127.0.0.33 -p "$P" -m 1 -nostdin
for a in 35 32 33; do
    live_wait_listen "$ns" udp "127.0.0.$a" "$P" || live_fail "sipp UAS 127.0.0.$a did not start"
done
sleep 0.5 # sipwhy has opened lo by now
call() { # NAME SCENARIO UAS-ADDRESS
    live_run "uac_$1" "$ns" 20 sipp -sf "$2" -s "$1" -i "$UAC" -p "$P" -m 1 -nostdin \
        -key maxfwd 70 "$3:$P" ||
        live_fail "call '$1' failed (sipp exit $?): $(tail -n 20 "$W/uac_$1.out")"
}
call codec "$DSC/uac_fail.xml" 127.0.0.35
sleep 3
call answer "$SC/uac_call.xml" 127.0.0.32
sleep 0.5
cp "$W/live.out" "$W/before_stop.out"
call down "$DSC/uac_fail.xml" 127.0.0.33
for u in codec answer down; do
    live_wait "uas_$u" || live_fail "sipp UAS '$u' failed (exit $?): $(tail -n 20 "$W/uas_$u.out")"
done
sleep 0.3
live_tcpdump_stop cap
eval "p=\$LIVE_PID_live"
kill -INT "$p" 2>/dev/null
live_wait live
live_rc=$?
live_log "live: $(cat "$W/live.err")"

"$SIPWHY" diagnose -f json "$W/cap.pcap" >"$W/ref.json" 2>"$W/ref.err"
ref_rc=$?
[ $ref_rc -le 1 ] || live_fail "sipwhy diagnose of tcpdump's capture failed: $(cat "$W/ref.err")"
# KEYS: the findings of a file, "id call call_id" per line, sorted
python3 -c 'import json, sys
ref = json.load(open(sys.argv[1]))["findings"]
for k in sorted("%s %s %s" % (f["id"], f["call"], f["call_id"]) for f in ref):
    print(k)' \
    "$W/ref.json" >"$W/ref.keys"
python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for k in sorted("%s %s %s" % (f["id"], f["call"], f["call_id"]) for f in rows):
    print(k)' \
    "$W/live.out" >"$W/live.keys" 2>"$W/live.keys.err" ||
    live_fail "live --show findings -f json: a line is not valid JSON: $(cat "$W/live.keys.err")"
live_log "diagnose: $(tr '\n' ';' <"$W/ref.keys")"
live_expect "diagnose finds something in call 1 (488) and call 3 (503)" "yes yes" \
    "$(grep -q ' 1 ' "$W/ref.keys" && echo yes || echo no) $(grep -q ' 3 ' "$W/ref.keys" && echo yes || echo no)"
live_expect "live --show findings: the same findings as diagnose, each once" yes \
    "$(cmp -s "$W/ref.keys" "$W/live.keys" && echo yes || echo "no: $(diff "$W/ref.keys" "$W/live.keys" | head -5 | tr '\n' ' ')")"
live_expect "call 1's findings were printed before the capture stopped" yes \
    "$(python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("yes" if rows and all(r["call"] == 1 for r in rows) else "no: %r" % [(r["id"], r["call"]) for r in rows])' "$W/before_stop.out")"
live_expect "exit status: diagnose's" "$ref_rc" "$live_rc"
live_expect "the summary counts the findings" 1 \
    "$(grep -c "^live: $(wc -l <"$W/live.keys" | tr -d ' ') findings" "$W/live.err")"
"$SIPWHY" live -i lo --show findings --where 'sip.method = INVITE' >/dev/null 2>"$W/e1"
live_expect "--where with --show findings exits 2" 2 "$?"
live_expect_done "live --show findings"
live_log "PASS ($(live_elapsed) s)"
exit 0
