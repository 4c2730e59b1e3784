#!/bin/sh
# ansi.sh - terminal escape sequences in SIP never reach the user's terminal raw.
#
# A peer (tests/e2e/scenarios/ansi_peer.py) sends, over UDP on lo, an INVITE whose
# User-Agent, From display name, Subject, SDP session name, an extension header's name
# and the Call-ID carry escape sequences (CSI colour and clear-screen, an OSC window
# title ended by BEL, a bare ESC), and a 486 whose reason phrase carries one; then an
# OPTIONS with a C1 CSI (0x9B) in its User-Agent. While it does, `sipwhy live` runs with
# --show messages and --show calls, text and JSON, and tcpdump records the traffic.
# Then every command in every output format reads the recording. Checks: no output
# (stdout or stderr) holds an ESC byte or a C1 control, except `--color always`, whose
# own colour codes are allowed but none of the peer's sequences; and the sequences are
# not lost either: the JSON of `show` escapes them (\u001b).
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 5 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init ansi
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need tcpdump python3 ip ss timeout od
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture (uid $(id -u))"
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found"
cd "$W" || exit 1
live_lo_ns an
P=$(live_port) || live_fail "no free port"

live_tcpdump_start cap "$ns" lo "udp and port $P"
live_bg lmsgs "$ns" 30 "$SIPWHY" live -i lo --show messages udp and port "$P"
live_bg lcalls "$ns" 30 "$SIPWHY" live -i lo --show calls udp and port "$P"
live_bg ljson "$ns" 30 "$SIPWHY" live -i lo --show messages -f json udp and port "$P"
sleep 1
live_run peer "$ns" 20 python3 "$LIVE_SCEN/ansi_peer.py" 127.0.0.40 127.0.0.41 "$P" ||
    live_fail "the peer failed: $(cat "$W/peer.err")"
sleep 0.5
live_tcpdump_stop cap
for n in lmsgs lcalls ljson; do
    eval "p=\$LIVE_PID_$n"
    kill -INT "$p" 2>/dev/null
    live_wait "$n"
done
live_expect "the recording holds the peer's 3 messages" 3 \
    "$("$SIPWHY" history -f tsv "$W/cap.pcap" | awk 'NR > 1' | wc -l | tr -d ' ')"

# raw FILE: "clean" when FILE holds no ESC (0x1b) and no C1 control (0x80-0x9f that is
# not part of a UTF-8 sequence: sipwhy prints non-UTF-8 bytes escaped, never raw)
raw() {
    python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
bad = [i for i, c in enumerate(b) if c == 0x1b or c == 0x07]
try:
    t = b.decode("utf-8")
    bad += [i for i, ch in enumerate(t) if 0x80 <= ord(ch) <= 0x9f]
except UnicodeDecodeError as e:
    bad.append(e.start)
print("clean" if not bad else "raw control at byte %d: %r" % (bad[0], b[max(0, bad[0] - 20):bad[0] + 20]))
PY
}
check() { # check NAME ARGS...: runs sipwhy ARGS, both outputs must be clean
    name=$1
    shift
    "$SIPWHY" "$@" > "$W/$name.out" 2> "$W/$name.err"
    rc=$?
    [ $rc -le 1 ] || live_expect "sipwhy $* runs" "exit 0 or 1" "exit $rc: $(head -c 300 "$W/$name.err")"
    live_expect "sipwhy $*: stdout" clean "$(raw "$W/$name.out")"
    live_expect "sipwhy $*: stderr" clean "$(raw "$W/$name.err")"
}
C=$W/cap.pcap
for f in text tsv json; do
    check "history-$f" history -f "$f" "$C"
    check "calls-$f" calls --all -f "$f" "$C"
    check "rtp-$f" rtp -f "$f" "$C"
done
for f in text json; do
    check "diagnose-$f" diagnose -f "$f" "$C"
    check "stats-$f" stats -f "$f" "$C"
    check "flow-$f" flow -f "$f" "$C" 1
    for n in 1 2 3; do
        check "show-$f-$n" show -f "$f" "$C" "$n"
    done
done
check flow-ascii flow --ascii "$C" 1
check history-where history "$C" where sip.hdr.User-Agent contains RED
check diagnose-ru diagnose --lang ru "$C"
for n in lmsgs lcalls ljson; do
    live_expect "sipwhy live ($n): stdout" clean "$(raw "$W/$n.out")"
    live_expect "sipwhy live ($n): stderr" clean "$(raw "$W/$n.err")"
done
live_expect "sipwhy live (messages) printed the 3 messages" 3 "$(grep -c 'INVITE\|486\|OPTIONS' "$W/lmsgs.out")"
# --color always: sipwhy's own SGR codes only, none of the peer's sequences
"$SIPWHY" history --color always "$C" > "$W/color.out" 2>&1
live_expect "history --color always: none of the peer's sequences" none "$(
    python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
bad = [s for s in (b"\x1b[2J", b"\x1b]0;", b"\x1b[5m", b"\x1b[31mRED", b"\x07", b"\x9b") if s in b]
print("none" if not bad else repr(bad))' "$W/color.out")"
# not lost: show's JSON keeps the bytes, escaped
live_expect "show -f json keeps the User-Agent's ESC as \\u001b" yes \
    "$(grep -q 'u001b\[31mRED' "$W/show-json-1.out" && echo yes || echo no)"
live_expect_done "escape sequences"
live_log "PASS ($(live_elapsed) s)"
exit 0
