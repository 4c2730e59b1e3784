#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes on purpose
# live_cmd.sh - `sipwhy live`: capture on lo while sipp makes calls, and compare what it
# printed with a tcpdump recording of the same traffic.
#
# In a private network namespace (else the host's lo): a sipp UAS (127.0.0.31) answers 5
# calls from a sipp UAC (127.0.0.30), one call every 200 ms; at the same time
#   tcpdump               records lo                                  -> cap.pcap
#   sipwhy live --show messages -f json (the default filter)          -> msgs.out
#   sipwhy live --show calls -f json -w live.pcap --user nobody, a BPF filter -> calls.out
# Both sipwhy runs are stopped with SIGINT (as Ctrl-C). Checks:
#   - msgs.out has one JSON object per SIP message, the same number and the same
#     (method, status, Call-ID) sequence as `sipwhy history` of tcpdump's capture;
#   - calls.out has the 5 calls, each completed with 200, printed as they ended;
#   - live.pcap (-w) holds the same SIP messages as tcpdump's capture;
#   - the summary on stderr counts them, and a bad interface or filter exits 2.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 6 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init live_cmd
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp tcpdump python3 ip ss timeout
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture (uid $(id -u))"
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found"
cd "$W" || exit 1
live_lo_ns lc
UAC=127.0.0.30
UAS=127.0.0.31
P=$(live_port) || live_fail "no free port"
CSC=$LIVE_SCEN/calls

live_tcpdump_start cap "$ns" lo "udp and (host $UAC or host $UAS) and port $P"
live_bg msgs "$ns" 40 "$SIPWHY" live -i lo --show messages -f json
live_bg calls "$ns" 40 "$SIPWHY" live -i lo --show calls -f json -w "$W/live.pcap" --user nobody \
    udp and host $UAS and port "$P"
sleep 1 # both have opened the interface once they print their first line or wait
eval "cp=\$LIVE_PID_calls"
# the pid is timeout's: its child is sipwhy
sw_pid=$(pgrep -P "$cp" | head -n 1)
live_expect "live --user nobody runs as nobody after opening the interface" 65534 \
    "$(awk '/^Uid:/ { print $2 }' "/proc/$sw_pid/status" 2>/dev/null)"
# traffic the default filter leaves in the kernel: UDP that starts like neither SIP
# nor RTP (DNS-, NTP-, syslog-like first bytes)
live_in "$ns" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for b in (b"\x12\x34\x01\x00dns", b"\x1b ntp", b"<13>syslog", b"lowercase"):
    s.sendto(b, ("127.0.0.31", 9))'
live_bg uas "$ns" 30 sipp -sf "$CSC/uas_answer.xml" -i "$UAS" -p "$P" -m 5 -nostdin
live_wait_listen "$ns" udp "$UAS" "$P" || live_fail "sipp UAS did not start: $(cat "$W/uas.err")"
live_run uac "$ns" 30 sipp -sf "$CSC/uac_call.xml" -i "$UAC" -p "$P" -m 5 -r 5 -s bob -nostdin \
    "$UAS:$P" || live_fail "sipp UAC failed: $(tail -n 5 "$W/uac.out")"
live_wait uas || live_fail "sipp UAS failed: $(tail -n 5 "$W/uas.out")"
live_tcpdump_stop cap
for n in msgs calls; do
    eval "p=\$LIVE_PID_$n"
    kill -INT "$p" 2>/dev/null
    live_wait "$n"
    rc=$?
    [ $rc -eq 0 ] || live_fail "sipwhy live ($n) exited $rc after SIGINT: $(cat "$W/$n.err")"
done
live_log "msgs: $(cat "$W/msgs.err")"
live_log "calls: $(cat "$W/calls.err")"

"$SIPWHY" history -f json "$W/cap.pcap" >"$W/ref.json" 2>"$W/ref.err" ||
    live_fail "sipwhy history of tcpdump's capture failed: $(cat "$W/ref.err")"
seq() { # FILE: method/status/Call-ID of each message, one per line
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    print(o["method"] or "", o["status"] or "", o["call_id"])' "$1"
}
seq "$W/ref.json" >"$W/ref.seq"
# the messages run sees everything on lo; keep the test's own messages
seq "$W/msgs.out" | grep -F -f "$W/ref.seq" >"$W/msgs.seq"
live_expect "SIP messages in tcpdump's capture" 30 "$(wc -l <"$W/ref.seq" | tr -d ' ')"
live_expect "live --show messages: the same messages in the same order" yes \
    "$(cmp -s "$W/ref.seq" "$W/msgs.seq" && echo yes || echo "no: $(diff "$W/ref.seq" "$W/msgs.seq" | head -3)")"
live_expect "live --show calls: 5 calls, completed with 200" 5 \
    "$(python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["state"] == "completed" and json.loads(l)["final_code"] == 200))' "$W/calls.out")"
"$SIPWHY" history -f json "$W/live.pcap" >"$W/w.json" 2>"$W/w.err" ||
    live_fail "sipwhy history of live -w's capture failed: $(cat "$W/w.err")"
seq "$W/w.json" >"$W/w.seq"
live_expect "live -w: the same SIP messages as tcpdump's capture" yes \
    "$(cmp -s "$W/ref.seq" "$W/w.seq" && echo yes || echo "no: $(wc -l <"$W/w.seq") messages")"
live_expect "the default filter (msgs run): only the 30 SIP packets reached sipwhy" yes \
    "$(grep -q '^live: lo: 30 packets, 30 SIP messages, 5 calls (default filter)' "$W/msgs.err" && echo yes || echo "no: $(cat "$W/msgs.err")")"
live_expect "live summary on stderr" yes \
    "$(grep -q '^live: lo: .* 30 SIP messages, 5 calls' "$W/calls.err" && echo yes || echo no)"
# errors: no interface, a bad interface, a bad filter, a call-level where
"$SIPWHY" live >/dev/null 2>"$W/e1"
live_expect "live without -i exits 2" 2 "$?"
live_in "$ns" "$SIPWHY" live -i no-such-if0 >/dev/null 2>"$W/e2"
live_expect "live -i no-such-if0 exits 2" 2 "$?"
live_in "$ns" "$SIPWHY" live -i lo udp and and >/dev/null 2>"$W/e3"
live_expect "live with a bad BPF filter exits 2" 2 "$?"
live_expect "the filter error names the filter" yes "$(grep -q "filter 'udp and and'" "$W/e3" && echo yes || echo no)"
"$SIPWHY" live -i lo --show messages --where 'call.state = completed' >/dev/null 2>"$W/e4"
live_expect "live --where with a call field exits 2" 2 "$?"
live_in "$ns" "$SIPWHY" live -i lo --user no-such-user-x >/dev/null 2>"$W/e5"
live_expect "live --user with an unknown user exits 2" 2 "$?"
# -w rotation: -G 1 starts a new file every second, -C 0.0005 one before 500 bytes, SIGHUP
# at once; nothing is lost
mkdir -p "$W/rot" "$W/hup" "$W/size"
send() { # COUNT: UDP packets to 127.0.0.1:9 every 100 ms, in the namespace
    live_in "$ns" python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"rotate", ("127.0.0.1", 9)); time.sleep(0.1)' "$1"
}
live_bg rot "$ns" 20 "$SIPWHY" live -i lo -w "$W/rot/r-%H%M%S.pcap" -G 1 udp port 9
live_bg hup "$ns" 20 "$SIPWHY" live -i lo -w "$W/hup/h-%H%M%S.pcap" udp port 9
live_bg size "$ns" 20 "$SIPWHY" live -i lo -w "$W/size/s.pcap" -C 0.0005 udp port 9
sleep 1
send 12
eval "hp=\$LIVE_PID_hup"
kill -HUP "$(pgrep -P "$hp" | head -n 1)"
sleep 1.2
send 12
sleep 0.3
for n in rot hup size; do
    eval "p=\$LIVE_PID_$n"
    kill -INT "$p"
    live_wait "$n" || live_fail "sipwhy live ($n) failed: $(cat "$W/$n.err")"
done
count() { # DIR: files, packets
    nf=0
    np=0
    for f in "$1"/*; do
        nf=$((nf + 1))
        np=$((np + $("$SIPWHY" history --stats "$f" 2>&1 >/dev/null | sed -n 's/.*packets=\([0-9]*\).*/\1/p')))
    done
    echo "$nf $np"
}
set -- $(count "$W/rot")
live_expect "live -G 1: several files" yes "$([ "$1" -ge 2 ] && echo yes || echo "no: $1")"
live_expect "live -G 1: every packet in one of them" 24 "$2"
set -- $(count "$W/hup")
live_expect "live -w, SIGHUP: a second file" yes "$([ "$1" -ge 2 ] && echo yes || echo "no: $1")"
live_expect "live -w, SIGHUP: every packet in one of them" 24 "$2"
set -- $(count "$W/size")
live_expect "live -C 0.0005: several files (s.pcap, s.pcap.1, ...)" yes \
    "$([ "$1" -ge 3 ] && [ -e "$W/size/s.pcap.1" ] && echo yes || echo "no: $(ls "$W/size")")"
live_expect "live -C 0.0005: every packet in one of them" 24 "$2"
live_expect "live -C 0.0005: no file over 500 bytes" "" \
    "$(find "$W/size" -type f -size +500c)"
live_expect_done "sipwhy live"
live_log "PASS ($(live_elapsed) s)"
exit 0
