#!/bin/sh
# live_tui.sh - `sipwhy live -i lo --tui` in tmux while sipp makes calls: the call list
# fills as the calls happen, a flow opens, q stops the capture with the usual summary.
#
# In a private network namespace (else the host's lo): sipwhy live --tui runs in a tmux
# pane at 80x24; a sipp UAS (127.0.0.41) answers 2 calls from a sipp UAC (127.0.0.40),
# then, with the interface still open, a third call. Checks:
#   - the list shows the 2 completed calls while the capture runs, then the third;
#   - Enter opens the flow of a call with its INVITE ... 200 OK to the BYE;
#   - q closes the interface and stops the capture: exit 0, the summary counts 18 SIP
#     messages and 3 calls; Ctrl-C in a second run also stops it cleanly;
#   - with --max-memory 1 --settle 1, two bursts of 300 calls 3 s apart: the first
#     burst is let go (a new generation) while the interface shows it: the flow of call
#     1, open then, goes back to the list saying why; the list keeps the numbers calls
#     had (the last is 600) and shows fewer than 600; the summary counts the generation;
#   - --tui without a terminal exits 2.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 20 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init live_tui
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp tmux python3 ip ss timeout
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture (uid $(id -u))"
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found"
cd "$W" || exit 1
live_lo_ns lt
UAC=127.0.0.40
UAS=127.0.0.41
P=$(live_port) || live_fail "no free port"
CSC=$LIVE_SCEN/calls
S=swlt$$
# the lib's EXIT trap cleans up; the tmux session goes first (keeping the exit status)
trap 'rc_=$?; tmux kill-session -t "$S" 2>/dev/null; (exit $rc_); live__cleanup' EXIT
NSX=""
[ -n "$ns" ] && NSX="ip netns exec $ns"

# pane NAME PATTERN: waits (5 s at most) for a line of the pane matching PATTERN
pane() {
    i=0
    while [ $i -lt 50 ]; do
        tmux capture-pane -t "$S" -p >"$W/pane" 2>/dev/null
        if grep -Eq -- "$2" "$W/pane"; then
            live_expect "$1" yes yes
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    live_expect "$1" yes "no; the screen: $(tr '\n' '|' <"$W/pane")"
}
start_tui() { # [sipwhy live options...]
    tmux kill-session -t "$S" 2>/dev/null
    tmux new-session -d -s "$S" -x 80 -y 24 \
        "env LANG=C.UTF-8 $NSX $SIPWHY live -i lo --tui $* udp and port $P 2>$W/tui.err; echo EXIT=\$?; sleep 30"
    pane "the interface starts: an empty call list" "0 of 0 calls"
}
calls() { # N: N calls, one every 200 ms
    live_bg uas "$ns" 30 sipp -sf "$CSC/uas_answer.xml" -i "$UAS" -p "$P" -m "$1" -nostdin
    live_wait_listen "$ns" udp "$UAS" "$P" || live_fail "sipp UAS did not start: $(cat "$W/uas.err")"
    live_run uac "$ns" 30 sipp -sf "$CSC/uac_call.xml" -i "$UAC" -p "$P" -m "$1" -r 5 -s bob \
        -nostdin "$UAS:$P" || live_fail "sipp UAC failed: $(tail -n 5 "$W/uac.out")"
    live_wait uas || live_fail "sipp UAS failed: $(tail -n 5 "$W/uas.out")"
}

start_tui
calls 2
pane "the two calls appear while the capture runs" "2 of 2 calls"
pane "... completed" "^ +2 .* bob +completed"
tmux send-keys -t "$S" Home Enter
pane "Enter opens a call's flow" "call 1 flow"
pane "... with its INVITE" "INVITE \(SDP\)"
pane "... to the 200 OK of the BYE" "200 OK"
tmux send-keys -t "$S" q
calls 1
pane "a third call comes in afterwards" "3 of 3 calls"
tmux send-keys -t "$S" q
pane "q stops the capture: exit 0" "^EXIT=0$"
live_expect "the summary counts the messages and calls" yes \
    "$(grep -q '^live: lo: .* 18 SIP messages, 3 calls' "$W/tui.err" && echo yes || echo "no: $(cat "$W/tui.err")")"

start_tui
tmux send-keys -t "$S" C-c
pane "Ctrl-C stops it too: exit 0" "^EXIT=0$"

# a new generation under the interface's feet
start_tui --max-memory 1 --settle 1
live_bg uas "$ns" 40 sipp -sn uas -i "$UAS" -p "$P" -m 600 -nostdin
live_wait_listen "$ns" udp "$UAS" "$P" || live_fail "sipp UAS did not start: $(cat "$W/uas.err")"
burst() {
    live_run uac "$ns" 30 sipp -sn uac -i "$UAC" -p "$P" -m 300 -r 150 -d 0 -nostdin "$UAS:$P" ||
        live_fail "sipp UAC failed: $(tail -n 5 "$W/uac.out")"
}
burst
pane "the first burst: 300 calls" "300 of 300 calls"
tmux send-keys -t "$S" Home Enter
pane "the flow of call 1 is open" "call 1 flow"
sleep 3
burst
pane "the flow of a call let go closes, saying why" "evicted to keep within --max-memory"
# End again until the last calls have come in (the interface reads as they arrive)
i=0
while [ $i -lt 25 ] && ! tmux capture-pane -t "$S" -p | grep -Eq '^ +600 '; do
    tmux send-keys -t "$S" End
    sleep 0.2
    i=$((i + 1))
done
pane "the list keeps the numbers: call 600 is the last" "^ +600 "
tmux capture-pane -t "$S" -p >"$W/pane"
n=$(sed -n 's/.* \([0-9][0-9]*\) of \([0-9][0-9]*\) calls.*/\2/p' "$W/pane" | head -n 1)
live_expect "... and fewer than the 600 calls seen" yes \
    "$([ -n "$n" ] && [ "$n" -lt 600 ] && echo yes || echo "no: '$n'; $(tr '\n' '|' <"$W/pane")")"
tmux send-keys -t "$S" q
pane "q stops the capture: exit 0" "^EXIT=0$"
live_wait uas
live_expect "the summary counts 600 calls and a generation" yes \
    "$(grep -q ' 600 calls' "$W/tui.err" && grep -q 'generations' "$W/tui.err" && echo yes || echo "no: $(cat "$W/tui.err")")"

live_in "$ns" "$SIPWHY" live -i lo --tui </dev/null >/dev/null 2>"$W/e1"
live_expect "--tui without a terminal exits 2" 2 "$?"
live_expect_done "live --tui"
live_log "PASS ($(live_elapsed) s)"
exit 0
