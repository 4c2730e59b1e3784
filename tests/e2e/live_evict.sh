#!/bin/sh
# live_evict.sh - `sipwhy live --max-memory`: finished calls let go, live ones never
# lose a message, what is printed and written is what a reading of the whole recording
# gives. Also the engine of `make soak` (the same test for 10 minutes, see below).
#
# In a private network namespace, for EVICT_SECONDS (default 25) at a steady rate:
#   sipp -sn uac 127.0.0.60 -> sipp -sn uas 127.0.0.61   EVICT_RATE calls/s (default 40),
#                                                         each EVICT_HOLD ms long (500)
#   uac_fail.xml 127.0.0.63 -> uas_fail_488.xml .62       a tenth of the rate: 488s, a
#                                                         codec-mismatch finding each
# recorded by tcpdump, and watched by three `sipwhy live -i lo --max-memory EVICT_MEM
# --settle EVICT_SETTLE` runs (defaults 2 MiB, 1 s): --show messages, --show calls with
# --split-dir, --show findings; all JSON Lines, each run recording what it read (-w). The resident memory of the calls run is
# sampled every EVICT_SAMPLE seconds (2).
# Checks (tests/e2e/live_evict_check.py): new generations happened in every run; each
# run read every SIP message tcpdump recorded; the messages are numbered 1..N without
# gap and are the recording's, one by one; every call is printed once, with the number,
# state and message numbers `calls` gives on the recording; one file per call with
# exactly its messages; no finding printed twice, each one the diagnosis of the
# recording makes. Memory: the resident size grows by less than EVICT_RSS_SLACK MiB
# (default 2 x EVICT_MEM + 8) from the first sample after EVICT_SAMPLE*3 s; reported, not
# checked, in a sanitizer build (SW_SAN=1: ASan keeps freed memory in quarantine). With
# EVICT_CONTRAST=1 a fourth run without --max-memory (--show calls) is sampled too, to
# show what the bound saves; it must have grown more.
# make soak: EVICT_SECONDS=600 EVICT_RATE=30 EVICT_HOLD=2000 EVICT_MEM=8 EVICT_SETTLE=32
# EVICT_RSS_SLACK=16 EVICT_CONTRAST=1 (every 20th call file read back).
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes EVICT_SECONDS + ~20 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
SECS=${EVICT_SECONDS:-25}
RATE=${EVICT_RATE:-40}
HOLD=${EVICT_HOLD:-500}
MEM=${EVICT_MEM:-2}
SETTLE=${EVICT_SETTLE:-1}
SAMPLE=${EVICT_SAMPLE:-2}
SLACK=${EVICT_RSS_SLACK:-$((2 * MEM + 8))}
LIVE_TCPDUMP_SECS=$((SECS + 60))
diag_setup live_evict $((SECS + 120))

P=$(live_port) || live_fail "no free port"
live_log "$SECS s at $RATE calls/s ($HOLD ms each), --max-memory $MEM --settle $SETTLE"
mkdir -p "$W/split"
live_tcpdump_start cap "$NS" lo "udp and net 127.0.0.0/8"
LIM=$((SECS + 40))
F="udp and net 127.0.0.0/8"
common="live -i lo --max-memory $MEM --settle $SETTLE -f json"
# shellcheck disable=SC2086  # $common is several words
live_bg msgs "$NS" "$LIM" "$SIPWHY" $common --show messages -w "$W/msgs.pcap" $F
# shellcheck disable=SC2086
live_bg calls "$NS" "$LIM" "$SIPWHY" $common --show calls --split-dir "$W/split" -w "$W/calls.pcap" $F
# shellcheck disable=SC2086
live_bg find "$NS" "$LIM" "$SIPWHY" $common --show findings -w "$W/find.pcap" $F
if [ -n "${EVICT_CONTRAST:-}" ]; then
    # shellcheck disable=SC2086
    live_bg all "$NS" "$LIM" "$SIPWHY" live -i lo --settle "$SETTLE" -f json --show calls \
        -c 999999999 $F
fi
sleep 1 # the interfaces are open by then (live_cmd.sh does the same)
cpid=$(pgrep -n -f -- "--split-dir $W/split") || live_fail "the calls run is not there: $(cat "$W/calls.err")"
apid=""
[ -z "${EVICT_CONTRAST:-}" ] || apid=$(pgrep -n -f -- "-c 999999999") ||
    live_fail "the run without a bound is not there: $(cat "$W/all.err")"

live_bg uas "$NS" $((SECS + 30)) sipp -sn uas -i 127.0.0.61 -p "$P" -nostdin
live_bg nf "$NS" $((SECS + 30)) sipp -sf "$DSC/uas_fail_488.xml" -i 127.0.0.62 -p "$P" -nostdin
for a in 61 62; do
    live_wait_listen "$NS" udp "127.0.0.$a" "$P" || live_fail "sipp UAS 127.0.0.$a did not start"
done
m=$((SECS * RATE))
live_bg uac "$NS" $((SECS + 20)) sipp -sn uac -i 127.0.0.60 -p "$P" -r "$RATE" -m "$m" \
    -d "$HOLD" -nostdin "127.0.0.61:$P"
rrate=$(((RATE + 9) / 10))
live_bg rej "$NS" $((SECS + 20)) sipp -sf "$DSC/uac_fail.xml" -s codec -key maxfwd 70 \
    -i 127.0.0.63 -p "$P" -r "$rrate" -m $((SECS * rrate)) -nostdin "127.0.0.62:$P"
: >"$W/rss"
t=0
while kill -0 "$cpid" 2>/dev/null && { eval "kill -0 \$LIVE_PID_uac" 2>/dev/null || eval "kill -0 \$LIVE_PID_rej" 2>/dev/null; }; do
    sleep "$SAMPLE"
    t=$((t + SAMPLE))
    r=$(ps -o rss= -p "$cpid" 2>/dev/null | tr -d ' ')
    [ -n "$r" ] && echo "$t $r" >>"$W/rss"
    if [ -n "$apid" ]; then
        r=$(ps -o rss= -p "$apid" 2>/dev/null | tr -d ' ')
        [ -n "$r" ] && echo "$t $r" >>"$W/rss.all"
    fi
done
live_wait uac
rc=$?
[ $rc -eq 0 ] || live_fail "sipp uac exited $rc: $(tail -n 15 "$W/uac.out" "$W/uac.err")"
live_wait rej
rc=$?
[ $rc -eq 0 ] || live_fail "sipp uac_fail exited $rc: $(tail -n 15 "$W/rej.out" "$W/rej.err")"
sleep 1
live_tcpdump_stop cap
runs="msgs calls find"
[ -z "$apid" ] || runs="$runs all"
for n in $runs; do
    eval "p=\$LIVE_PID_$n"
    kill -INT "$p" 2>/dev/null
done
if [ -n "$apid" ]; then
    live_wait all || live_fail "sipwhy live without a bound exited $?: $(cat "$W/all.err")"
fi
for n in msgs calls find; do
    live_wait $n
    rc=$?
    # findings exits 1: the 488 calls are errors
    case $n:$rc in msgs:0 | calls:0 | find:1) ;; *) live_fail "sipwhy live --show $n exited $rc: $(cat "$W/$n.err")" ;; esac
    if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$W/$n.err"; then
        live_fail "sipwhy live --show $n: sanitizer report: $(head -c 800 "$W/$n.err")"
    fi
    live_log "$n: $(grep -- '--max-memory' "$W/$n.err")"
done

python3 "$LIVE_ROOT/tests/e2e/live_evict_check.py" "$SIPWHY" "$W" --split-sample "${EVICT_SPLIT_SAMPLE:-1}" \
    >"$W/check.out" 2>&1
rc=$?
sed "s/^/$LIVE_NAME: /" "$W/check.out"
[ $rc -eq 0 ] || live_fail "what live printed and wrote differs from the recording"

# memory: growth after the warm-up, against what the whole recording needs
warm=$(awk -v t=$((SAMPLE * 3)) '$1 >= t { print $2; exit }' "$W/rss")
max=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$W/rss")
[ -n "$warm" ] || live_fail "too few memory samples ($(wc -l <"$W/rss"))"
grow=$(((max - warm) / 1024))
all=$("$SIPWHY" stats -f json "$W/cap.pcap" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["messages"])')
live_log "resident: $((warm / 1024)) MiB after warm-up, at most $((max / 1024)) MiB (+$grow MiB); $(wc -l <"$W/rss") samples; the recording holds $all SIP messages, $(($(stat -c %s "$W/cap.pcap") / 1048576)) MiB"
if [ -n "${SW_SAN:-}" ] && [ "$SW_SAN" != 0 ]; then
    # ASan keeps freed memory in quarantine and has its own allocator: reported only
    live_log "sanitizer build (SW_SAN): the resident size is reported, not checked"
else
    live_expect "resident memory grows by less than $SLACK MiB after the warm-up" yes \
        "$([ "$grow" -lt "$SLACK" ] && echo yes || echo "no: +$grow MiB")"
fi
if [ -n "$apid" ]; then
    awarm=$(awk -v t=$((SAMPLE * 3)) '$1 >= t { print $2; exit }' "$W/rss.all")
    amax=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$W/rss.all")
    agrow=$(((amax - awarm) / 1024))
    live_log "without --max-memory: $((awarm / 1024)) MiB after warm-up, at most $((amax / 1024)) MiB (+$agrow MiB)"
    live_expect "the run without a bound grew more (+$agrow MiB) than the bounded one (+$grow MiB)" yes \
        "$([ "$agrow" -gt "$grow" ] && echo yes || echo no)"
fi
live_expect_done "memory"
live_log "PASS ($(live_elapsed) s)"
exit 0
