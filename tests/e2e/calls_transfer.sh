#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk programs in single quotes; variables set by eval
# calls_transfer.sh - a blind transfer made by real user agents: baresip 1.0 instances
# driven through stdin, recorded with tcpdump on lo; sipwhy must see the two calls linked
# by the REFER, and not link a third, unrelated call to the transfer target.
#
# Peers (UDP, one random SIP port P in 20000-39999 on three loopback addresses, RTP in
# P+100.. (not recorded); in a private network namespace when we may create one, else
# on the host's lo). Config: scenarios/calls/baresip/config.in + accounts.in, one folder
# per user agent.
#   127.0.0.51  A, the transferee (answermode manual, only calls out)
#   127.0.0.52  B, the transferor (answermode manual: answered with /accept)
#   127.0.0.53  C, the transfer target (answermode auto)
#   127.0.0.54  D, another caller, who calls C directly after the transfer
# What happens (baresip 1.0's own behaviour; the test only types commands):
#   A: /dial B; B: /accept            INVITE 180 200 ACK                  (Call-ID 1)
#   B: /transfer sip:c@C              REFER (Refer-To: C) 202, NOTIFY (sipfrag 100) 200
#   A calls C by itself; C answers    INVITE 180 200 ACK                  (Call-ID 2)
#   A reports, B hangs up             NOTIFY (sipfrag 200, terminated) 200, BYE 200 (ID 1)
#   A: /hangup                        BYE 200                             (Call-ID 2)
#   D: /dial C, C answers, D: /hangup INVITE 180 200 ACK BYE 200          (Call-ID 3)
#      (an unrelated call to the same user C, a few seconds after the REFER: it must not
#      be taken for the call the REFER caused)
# Every step waits for the line baresip prints when the previous one is done (no fixed
# sleeps between commands except 0.5-1 s of "conversation").
# Checks:
#   - the capture (tshark): 24 messages: 3 INVITE, 1 REFER with Refer-To C, 202, 2
#     NOTIFY with a sipfrag body, 3 BYE; 12 messages on Call-ID 1, 6 on 2, 6 on 3;
#   - `sipwhy history --format tsv` matches tshark's list, retransmissions marked only
#     where tshark sees copies;
#   - `sipwhy calls --format json`: exactly 3 calls, all completed with final_code 200;
#     calls 1 and 2 in the same conversation, legs 2 on both, the A -> C call linked_to
#     the A -> B call with link "refer", the first call without a link; D's call alone
#     in its conversation (legs 1, no link); messages = tshark's per Call-ID;
#     `calls --all` lists the same three Call-IDs (REFER and NOTIFY are in-dialog);
#   - when `sipwhy flow --help` works: each call's ladder matches the message list, and
#     `flow --linked` of each call shows its conversation (18, 18 and 6 arrows).
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 7 s.
. "$(dirname "$0")/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60} # whole-test bound (lib_live.sh's watchdog); it takes far less
live_init calls_transfer
# SIPWHY may be a path relative to where we started: make it absolute (we work in $W)
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need baresip tcpdump tshark python3 ip ss timeout od mkfifo
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
[ -r /usr/lib/baresip/modules/stdio.so ] && [ -r /usr/lib/baresip/modules/ausine.so ] ||
    live_skip "baresip modules stdio.so / ausine.so not in /usr/lib/baresip/modules"
cd "$W" || exit 1
SC=$LIVE_SCEN/calls
CALLS_TSV=$SC/calls_tsv.py

live_lo_ns xfer

A=127.0.0.51
B=127.0.0.52
C=127.0.0.53
D=127.0.0.54
P=$(live_port) || live_fail "no free port"
while [ "$P" -gt 39000 ]; do
    P=$(live_port) || live_fail "no free port"
done
live_log "A $A:$P, B $B:$P, C $C:$P, D $D:$P"

# ua NAME IP ANSWERMODE RTP-RANGE: config folder $W/ua_NAME
ua() {
    mkdir -p "$W/ua_$1" || exit 1
    sed -e "s|@IP@|$2|g" -e "s|@PORT@|$P|g" -e "s|@RTP@|$4|g" "$SC/baresip/config.in" \
        >"$W/ua_$1/config"
    sed -e "s|@USER@|$1|g" -e "s|@IP@|$2|g" -e "s|@PORT@|$P|g" -e "s|@ANSWER@|$3|g" \
        "$SC/baresip/accounts.in" >"$W/ua_$1/accounts"
    mkfifo "$W/in_$1" || live_fail "mkfifo failed"
}
ua a "$A" manual "$((P + 100))-$((P + 119))"
ua b "$B" manual "$((P + 120))-$((P + 139))"
ua c "$C" auto "$((P + 140))-$((P + 159))"
ua d "$D" manual "$((P + 160))-$((P + 179))"

live_tcpdump_start cap "$ns" lo "udp and port $P and net 127.0.0.0/8"

# Each baresip reads its commands from a FIFO that this shell keeps open (fd 3-6).
for u in a b c d; do
    eval "ip=\$$(echo "$u" | tr abcd ABCD)"
    live_bg "ua_$u" "$ns" 45 sh -c 'exec baresip -f "$1" -n "$2" <"$3"' sh "$W/ua_$u" "$ip" "$W/in_$u"
done
exec 3>"$W/in_a" 4>"$W/in_b" 5>"$W/in_c" 6>"$W/in_d"

# wait_log NAME TEXT SECONDS [COUNT]: until baresip NAME printed TEXT (COUNT times).
wait_log() {
    t=0
    while [ "$(cat "$W/ua_$1.out" "$W/ua_$1.err" 2>/dev/null | grep -a -c -- "$2")" -lt "${4:-1}" ]; do
        if [ "$t" -ge $(($3 * 10)) ]; then
            live_log "baresip $1's output:"
            tail -n 30 "$W/ua_$1.out" | tr '\033' '~' | sed 's/^/    /'
            live_fail "baresip $1 did not print '$2' within $3 s"
        fi
        sleep 0.1
        t=$((t + 1))
    done
}
cmd() { # FD NAME COMMAND
    live_log "$2: $3"
    echo "$3" >&"$1"
}
for u in a b c d; do
    wait_log "$u" "baresip is ready" 10
done
for u in A B C D; do
    eval "ip=\$$u"
    live_wait_listen "$ns" udp "$ip" "$P" || live_fail "baresip $u does not listen on $ip:$P"
done

cmd 3 A "/dial sip:b@$B:$P"
wait_log b "Incoming call" 10
cmd 4 B "/accept"
wait_log a "Call established" 10
sleep 0.5
cmd 4 B "/transfer sip:c@$C:$P"
wait_log c "Call established" 10
# A got B's BYE. (Not B's "Call ... terminated": baresip prints that line for a call it
# hangs up itself only some of the time; "session closed" is printed on every BYE received.)
wait_log a "session closed" 10
sleep 1
cmd 3 A "/hangup"
wait_log c "session closed" 10
cmd 6 D "/dial sip:c@$C:$P"
wait_log c "Call established" 10 2
sleep 0.5
cmd 6 D "/hangup"
wait_log c "session closed" 10 2
for fd in 3 4 5 6; do
    echo "/quit" >&"$fd"
done
exec 3>&- 4>&- 5>&- 6>&-
for u in a b c d; do
    live_wait "ua_$u" || live_log "baresip $u exited with status $? after /quit"
done
live_tcpdump_stop cap

# --- the capture as tshark sees it ---
live_ground_truth cap
gt=$W/cap.gtm.tsv
cid() { # DISPLAY-FILTER: Call-ID of the first matching SIP message
    live_tshark -n -r "$W/cap.pcap" -Y "$1" -T fields -e sip.Call-ID | head -n 1
}
CID1=$(cid "sip.Method == \"INVITE\" && ip.dst == $B")
CID2=$(cid "sip.Method == \"INVITE\" && ip.src == $A && ip.dst == $C")
CID3=$(cid "sip.Method == \"INVITE\" && ip.src == $D && ip.dst == $C")
[ -n "$CID1" ] && [ -n "$CID2" ] && [ -n "$CID3" ] ||
    live_fail "the capture lacks the INVITE A -> B, A -> C or D -> C"
live_log "Call-ID 1 (A -> B): $CID1; Call-ID 2 (A -> C): $CID2; Call-ID 3 (D -> C): $CID3"
gtn() {
    live_rows "$gt" '$10 == c' c="$1"
}
nf() { # DISPLAY-FILTER: number of frames
    live_tshark -n -r "$W/cap.pcap" -Y "$1" | wc -l | tr -d ' '
}
live_expect "tshark: messages" 24 "$(live_rows "$gt" 1)"
live_expect "tshark: Call-IDs" 3 "$(awk -F '\t' 'NR > 1 { print $10 }' "$gt" | sort -u | wc -l | tr -d ' ')"
live_expect "tshark: Call-ID 1 (A-B dialog): messages" 12 "$(gtn "$CID1")"
live_expect "tshark: Call-ID 2 (A-C dialog): messages" 6 "$(gtn "$CID2")"
live_expect "tshark: Call-ID 3 (D-C dialog): messages" 6 "$(gtn "$CID3")"
live_expect "tshark: INVITE" 3 "$(live_rows "$gt" '$8 == "INVITE"')"
live_expect "tshark: REFER B -> A with Refer-To C on Call-ID 1" 1 \
    "$(nf "sip.Method == \"REFER\" && ip.src == $B && sip.Call-ID == \"$CID1\" && sip.Refer-To contains \"$C\"")"
live_expect "tshark: 202 to REFER" 1 "$(live_rows "$gt" '$9 == 202 && $12 == "REFER"')"
live_expect "tshark: NOTIFY A -> B with message/sipfrag" 2 \
    "$(nf "sip.Method == \"NOTIFY\" && ip.src == $A && sip.Content-Type == \"message/sipfrag\"")"
live_expect "tshark: 200 to NOTIFY" 2 "$(live_rows "$gt" '$9 == 200 && $12 == "NOTIFY"')"
live_expect "tshark: BYE B -> A, A -> C, D -> C" "1 1 1" \
    "$(live_rows "$gt" '$8 == "BYE" && $3 == b' b="$B") $(live_rows "$gt" '$8 == "BYE" && $3 == a && $5 == c' a="$A" c="$C") $(live_rows "$gt" '$8 == "BYE" && $3 == d' d="$D")"
live_expect "tshark: no 4xx-6xx" 0 "$(live_rows "$gt" '$9 >= 400')"
copies=$(($(live_rows "$gt" 1) - $(live_count "$gt" 1)))
live_expect_done "the capture"

# --- sipwhy history ---
live_sipwhy cap
live_diff cap
ours=$W/cap.ours.tsv
live_expect "history: rows marked retrans (tshark: $copies copies)" "$copies" "$(live_rows "$ours" '$13 == 1')"
live_expect_done "sipwhy history"

# --- sipwhy calls ---
live__sipwhy_run "$W/calls.json" "$W/calls.err" calls --format json "$W/cap.pcap"
python3 "$CALLS_TSV" "$W/calls.json" index call_id kind state final_code ongoing messages \
    conversation legs linked_to link >"$W/calls.tsv" 2>"$W/calls_tsv.err" ||
    live_fail "calls --format json: $(cat "$W/calls_tsv.err")"
live_log "sipwhy calls:"
sed 's/^/    /' "$W/calls.tsv"
ct=$W/calls.tsv
field() { # FIELD CALL-ID
    awk -F '\t' -v f="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $2 == c { print $col[f]; found = 1; exit } END { if (!found) print "absent" }' "$ct"
}
live_expect "calls: number of calls" 3 "$(live_rows "$ct" 1)"
for n in 1 2 3; do
    eval "id=\$CID$n"
    live_expect "calls: call $n: kind, state, final_code, ongoing" "INVITE completed 200 false" \
        "$(field kind "$id") $(field state "$id") $(field final_code "$id") $(field ongoing "$id")"
    live_expect "calls: call $n: messages (tshark's count)" "$(gtn "$id")" "$(field messages "$id")"
done
live_expect "calls: legs of calls 1, 2 (the transfer) and 3 (D's own call)" "2 2 1" \
    "$(field legs "$CID1") $(field legs "$CID2") $(field legs "$CID3")"
live_expect "calls: same conversation" "$(field conversation "$CID1")" "$(field conversation "$CID2")"
live_expect "calls: call 2 (A -> C): link" refer "$(field link "$CID2")"
live_expect "calls: call 2 (A -> C): linked_to = index of call 1" "$(field index "$CID1")" \
    "$(field linked_to "$CID2")"
live_expect "calls: call 1 (A -> B): link (the first leg)" - "$(field link "$CID1")"
live_expect "calls: call 3 (D -> C, not caused by the REFER): link, linked_to" "- -" \
    "$(field link "$CID3") $(field linked_to "$CID3")"
live_expect "calls: call 3 (D -> C): its own conversation" yes \
    "$([ "$(field conversation "$CID3")" != "$(field conversation "$CID1")" ] && echo yes || echo no)"
live__sipwhy_run "$W/calls-all.json" "$W/calls-all.err" calls --all --format json "$W/cap.pcap"
live_expect "calls --all: Call-IDs (REFER and NOTIFY are in the A-B dialog)" 3 \
    "$(grep -c . "$W/calls-all.json")"
# (failed expectations about the calls are reported after the ladders are checked)

# --- the ladder, when sipwhy has the flow command ---
if "$SIPWHY" flow --help >/dev/null 2>&1; then
    {
        timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/cap.pcap" "$W/calls.json" "$ours" "$gt"
        timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/cap.pcap" "$W/calls.json" "$ours" "$gt" --linked
    } | sed "s/^/$LIVE_NAME: /" | tee "$W/flow.check"
    grep -q 'NOT OK' "$W/flow.check" && live_fail "sipwhy flow disagrees with the message list (above)"
    [ "$(grep -c ': ok: flow' "$W/flow.check")" -eq 6 ] || live_fail "check_flow.py did not check 6 ladders"
else
    live_log "sipwhy has no flow command (yet): ladders not checked"
fi
live_expect_done "sipwhy calls"
live_log "PASS ($(live_elapsed) s)"
exit 0
