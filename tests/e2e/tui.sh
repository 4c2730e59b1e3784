#!/bin/sh
# tui.sh - `sipwhy tui`: the real binary in tmux (send-keys, capture-pane), its screens
# checked on examples/media-problems.pcap (4 calls; one-way audio in calls 2 and 4, no
# media in call 3) and on a capture made here whose SIP fields carry escape sequences.
#
#   call list at 80x24: title, the 4 calls, the key line at the bottom
#   Enter: call 1's flow (ladder, the message pane); Down, Enter: message 2 in full with
#     its meaning; q, q: back to the list
#   F7/w: a where filter keeps call 4; a bad expression is reported, the list unchanged;
#     / search keeps the call whose To is "one"
#   Space marks calls 2 and 4, F2 saves them: the pcap holds their SIP and RTP (as
#     `sipwhy calls` and `sipwhy rtp` of the original show them); F2 in a flow saves that call
#   d: the findings (one-way-audio ...); Enter on the first opens its call's flow
#   c: the columns chooser: Call-ID hidden, the final response shown, and back
#   h: help; any key: back
#   resize to 100x30 and to 60x20: redrawn, key line on the last row
#   LANG=C: the ladder in ASCII; UTF-8: box drawing
#   escape sequences from the network are shown escaped (\x1b...), never raw
#   q quits with 0; no terminal, no input, a bad --where: exit 2
# Exit: 0 pass, 77 skip (no tmux), 1 fail. Takes about 10 s.
set -u
SIPWHY=${SIPWHY:-build/sipwhy}
case $SIPWHY in /*) ;; *) SIPWHY=$(pwd)/$SIPWHY ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v tmux >/dev/null 2>&1 || { echo "tui: skipped: tmux not found"; exit 77; }
[ -x "$SIPWHY" ] || { echo "tui: FAIL: $SIPWHY not found"; exit 1; }
W=$(mktemp -d /tmp/sipwhy-tui.XXXXXX)
S=swtui$$
fails=0
cleanup() {
    tmux kill-session -t "$S" 2>/dev/null
    if [ "$fails" -eq 0 ]; then rm -rf "$W"; else echo "tui: work directory kept: $W"; fi
}
trap cleanup EXIT
ok() { echo "tui: ok: $1"; }
bad() { echo "tui: NOT OK: $1"; fails=$((fails + 1)); }
# expect WHAT PATTERN: the pane (as text) has a line matching the grep -E PATTERN
expect() {
    i=0
    while [ $i -lt 30 ]; do
        tmux capture-pane -t "$S" -p >"$W/pane" 2>/dev/null
        if grep -Eq -- "$2" "$W/pane"; then ok "$1"; return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    bad "$1: no line matches /$2/; the screen:"
    sed 's/^/    | /' "$W/pane"
    return 1
}
absent() {
    tmux capture-pane -t "$S" -p >"$W/pane"
    if grep -Eq -- "$2" "$W/pane"; then bad "$1: /$2/ is on the screen"; else ok "$1"; fi
}
keys() { tmux send-keys -t "$S" "$@"; sleep 0.2; }
start() { # LANG FILE [OPTIONS...]: a new session at 80x24 running sipwhy tui
    lang=$1
    shift
    tmux kill-session -t "$S" 2>/dev/null
    tmux new-session -d -s "$S" -x 80 -y 24 \
        "env LANG=$lang LC_ALL=$lang $SIPWHY tui $* 2>$W/err; echo EXIT=\$?; sleep 30"
}

EX=$root/examples/media-problems.pcap
start C.UTF-8 "$EX"
expect "call list: title" "sipwhy +4 of 4 calls +sort: start +\[media-problems.pcap\]"
expect "call list: column header" "idx start +from +to +state"
expect "call list: call 4 (alice -> nat, completed)" "^ +4 [0-9:.]+ alice +nat +completed"
tmux capture-pane -t "$S" -p >"$W/pane"
[ "$(sed -n 24p "$W/pane" | grep -c 'Enter flow')" = 1 ] && ok "key line on row 24" || bad "key line on row 24"
# c: the columns chooser; Call-ID off, the final response on
keys c
expect "columns: the chooser" "columns of the call list"
expect "columns: Call-ID shown at first" "^ +\[x\] Call-ID$"
keys End Space
expect "columns: Space hides Call-ID" "^ +\[ \] Call-ID$"
keys Home Down Down Down Down Space
expect "columns: Space shows the final response" "^ +\[x\] final response"
keys Escape
expect "columns: the header has final, not Call-ID" "idx start +from +to +state +final"
absent "columns: no Call-ID in the header" "Call-ID"
expect "columns: call 1's final response in its row" "^ +1 [0-9:.]+ .* completed +200 OK"
keys c End Space Home Down Down Down Down Space Escape
expect "columns: back as they were" "state +msgs duration endpoi"
keys Enter
expect "flow: title" "call 1 flow"
expect "flow: the ladder, box drawing" "1 .*│── INVITE \(SDP\) ─▶│"
expect "flow: the selected message below" "^-- message #1 "
expect "flow: its raw text" "^INVITE sip:two@"
keys Down Enter
expect "message view: message 2" "^message 2$"
expect "message view: its meaning" "meaning +Call answered"
keys q
expect "back to the flow" "call 1 flow"
keys q
expect "back to the list" "4 of 4 calls"

keys w
expect "filter prompt" "filter \(where\):"
keys 'sip.msg.to.user = nat' Enter
expect "filter: 1 of 4, where shown" "1 of 4 calls .*where: sip.msg.to.user = nat"
expect "filter: call 4 kept" "^ +4 .* nat +completed"
absent "filter: call 1 gone" "^ +1 .* two +completed"
keys w C-u 'sip.msg.to.user = = x' Enter
expect "bad filter: reported" "filter: "
expect "bad filter: list unfiltered" "4 of 4 calls"
keys / one Enter
expect "search: 2 of 4 (one, none)" "2 of 4 calls .*search: one"
expect "search: call 2 kept" "^ +2 .* one +completed"
keys / C-u NAT Enter
expect "search: case-insensitive, 1 of 4" "1 of 4 calls .*search: NAT"
expect "search: call 4 kept" "^ +4 .* nat +completed"
keys / C-u Enter
expect "search cleared" "4 of 4 calls"

# save: Space marks calls 2 and 4, F2 writes them (SIP and RTP) into one pcap
keys Home Down Space Down Space
expect "marks: call 2 marked" "^\* +2 .* one "
expect "marks: call 4 marked" "^\* +4 .* nat "
keys F2
expect "save: the prompt offers calls.pcap" "save to: calls.pcap"
keys C-u "$W/two.pcap" Enter
expect "save: reported on the status line" "saved 2 calls to .*two.pcap: 10 SIP messages, 212 RTP"
"$SIPWHY" calls -f json "$W/two.pcap" >"$W/two.calls" 2>"$W/two.err"
[ "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["to_user"] for l in open(sys.argv[1])))' "$W/two.calls")" = "one nat" ] &&
    ok "save: the file holds calls 2 and 4" || bad "save: the file holds calls 2 and 4: $(cat "$W/two.calls" "$W/two.err")"
"$SIPWHY" rtp -f json "$EX" >"$W/orig.rtp"
"$SIPWHY" rtp -f json "$W/two.pcap" >"$W/two.rtp"
[ "$(python3 -c 'import json,sys
def s(p, ids=None):
    return sorted((o["call_id"], o["ssrc"], o["src_ip"], o["src_port"], o["dst_port"], o["packets"])
                  for o in map(json.loads, open(p)) if ids is None or o["call_id"] in ids)
mine = s(sys.argv[2])
print("same" if mine and mine == s(sys.argv[1], {m[0] for m in mine}) else "differ")' "$W/orig.rtp" "$W/two.rtp")" = same ] &&
    ok "save: the RTP streams of the two calls, packet for packet" || bad "save: RTP streams differ"
keys Home Enter F2
expect "save from the flow: this call" "save to: call-1.pcap"
keys C-u "$W/one.pcap" Enter
expect "save from the flow: reported" "saved 1 call to .*one.pcap: 5 SIP messages"
keys q

keys d
expect "findings: title" "findings \(.*errors"
expect "findings: one-way audio in call 2" "one-way-audio +call 2 "
keys Enter
expect "findings: Enter opens the call's flow" "call [0-9] flow"
keys q
keys h
expect "help screen" "^Call list"
keys x
expect "help: any key goes back" "4 of 4 calls"

tmux resize-window -t "$S" -x 100 -y 30 2>/dev/null || tmux resize-pane -t "$S" -x 100 -y 30
sleep 0.3
expect "resize 100x30: redrawn" "4 of 4 calls"
tmux capture-pane -t "$S" -p >"$W/pane"
[ "$(sed -n 30p "$W/pane" | grep -c 'Enter flow')" = 1 ] && ok "resize 100x30: key line on row 30" ||
    bad "resize 100x30: key line on row 30: $(sed -n 30p "$W/pane")"
tmux resize-window -t "$S" -x 60 -y 20 2>/dev/null || tmux resize-pane -t "$S" -x 60 -y 20
sleep 0.3
keys Home Enter
expect "resize 60x20: the flow fits" "call 1 flow"
tmux capture-pane -t "$S" -p >"$W/pane"
[ "$(python3 -c 'import sys; print(sum(len(l.rstrip("\n")) > 60 for l in open(sys.argv[1], encoding="utf-8")))' "$W/pane")" = 0 ] &&
    ok "resize 60x20: no line wider than 60" || bad "resize 60x20: a line wider than 60"
keys q q
expect "q quits, exit 0" "^EXIT=0$"

# ASCII without a UTF-8 locale
start C "$EX"
keys Enter
expect "LANG=C: the ladder in ASCII" "1 .*\|-- INVITE \(SDP\) ->\|"
absent "LANG=C: no box drawing" "│"
keys q q

# escape sequences from the network
python3 - "$W/esc.pcap" <<'EOF'
import struct, sys
def ip_udp(payload, src=b"\x0a\x00\x00\x01", dst=b"\x0a\x00\x00\x02"):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    return ip + udp
msg = (b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
       b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKesc1\r\n"
       b"From: \"\x1b[31mEvil\x1b[0m\" <sip:ev\x1b[2Jil@10.0.0.1>;tag=a1\r\n"
       b"To: <sip:bob@10.0.0.2>\r\n"
       b"Call-ID: esc-\x1b]0;pwned\x07-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    pkt = ip_udp(msg)
    f.write(struct.pack("<IIII", 1700000000, 0, len(pkt), len(pkt)) + pkt)
EOF
start C.UTF-8 "$W/esc.pcap"
expect "escapes: the call is listed" "1 of 1 calls"
expect "escapes: the From user shown escaped" 'ev\\x1b\[2Jil'
keys Enter
expect "escapes: Call-ID escaped in the flow's message pane" 'Call-ID: esc-\\x1b\]0;pwned\\x07-1'
expect "escapes: display name escaped" 'From: "\\x1b\[31mEvil\\x1b\[0m"'
tmux display-message -t "$S" -p '#{pane_title}' >"$W/title"
[ "$(grep -c pwned "$W/title")" = 0 ] && ok "escapes: the OSC sequence did not set the title" ||
    bad "escapes: the pane title was set by the capture"
keys q q

# errors
"$SIPWHY" tui "$EX" </dev/null >/dev/null 2>"$W/e1"
[ $? -eq 2 ] && grep -q 'needs a terminal' "$W/e1" && ok "no terminal: exit 2" || bad "no terminal: exit 2"
"$SIPWHY" tui >/dev/null 2>&1
[ $? -eq 2 ] && ok "no input: exit 2" || bad "no input: exit 2"
start C.UTF-8 --where "'call.nosuch = 1'" "$EX"
expect "bad --where: exit 2" "^EXIT=2$"

if [ "$fails" -eq 0 ]; then
    echo "tui: PASS"
    exit 0
fi
echo "tui: FAIL: $fails check(s)"
exit 1
