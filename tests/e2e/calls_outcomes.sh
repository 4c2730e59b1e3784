#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk programs in single quotes; variables set by eval
# calls_outcomes.sh - the call model on six calls with different outcomes, made by sipp
# and recorded with tcpdump on lo: `sipwhy calls` must give each call the state and final
# code the software produced, and `sipwhy history` must mark exactly the retransmissions.
#
# Peers (UDP, one loopback address each, one random port P in 20000-39999; in a private
# network namespace when we may create one, else on the host's lo):
#   127.0.0.31  sipp UAC (scenarios/calls/uac_*.xml), one sipp run per call
#   127.0.0.32  "answer"  uas_answer.xml  INVITE 180 200 ACK BYE 200        -> completed 200
#   127.0.0.33  "busy"    uas_busy.xml    INVITE 180 486 ACK                -> busy 486
#   127.0.0.34  "ringing" uas_cancel.xml  INVITE 180 CANCEL 200 487 ACK     -> cancelled 487
#   127.0.0.35  "nobody"  uas_notfound.xml  INVITE 180 404 ACK                -> rejected 404
#   127.0.0.36  "late"    uas_late.xml    INVITE INVITE(timer A, 0.5 s) 180 200 ACK BYE 200
#                                         (answers 0.7 s after the 1st copy) -> completed 200
#   127.0.0.37  "noack"   uas_noack.xml   INVITE 180 200 200 200 (timer G: the caller never
#                                         sends ACK; sipp resends at 0.5 and 1.5 s) -> answered
# Checks:
#   - the capture (tshark): 6 Call-IDs, per-call message counts, 1 INVITE and 2 200 OK
#     copies that are byte-for-byte retransmissions;
#   - `sipwhy history --format tsv` matches tshark's message list (tsvdiff.py), and its
#     retrans column is 1 on exactly the 2nd INVITE of "late" and the 2nd and 3rd 200 of
#     "noack";
#   - `sipwhy calls --format json`: exactly 6 calls, per call: kind INVITE, state,
#     final_code, ongoing, messages (= tshark's count for its Call-ID), legs 1, no link;
#     pdd of "late" >= 0.6 s (its 180 comes 0.7 s after the INVITE), of "answer" < 0.5 s;
#   - `sipwhy calls --all` lists the same 6 calls (there is nothing but INVITEs);
#   - when `sipwhy flow --help` works: the ladder (flow --format json) of each call has
#     as many arrows as the call has messages.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 10 s.
. "$(dirname "$0")/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60} # whole-test bound (lib_live.sh's watchdog); it takes far less
live_init calls_outcomes
# SIPWHY may be a path relative to where we started: make it absolute (we work in $W)
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp tcpdump tshark python3 ip ss timeout od
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
cd "$W" || exit 1
SC=$LIVE_SCEN/calls
CALLS_TSV=$SC/calls_tsv.py

live_lo_ns out

UAC=127.0.0.31
P=$(live_port) || live_fail "no free port"
live_log "uac $UAC:$P, called parties 127.0.0.32-37 port $P"

live_tcpdump_start cap "$ns" lo "udp and port $P and net 127.0.0.0/8"

# The called parties, each waiting for one call.
live_bg uas_answer "$ns" 40 sipp -sf "$SC/uas_answer.xml" -i 127.0.0.32 -p "$P" -m 1 -nostdin
live_bg uas_busy "$ns" 40 sipp -sf "$SC/uas_busy.xml" -i 127.0.0.33 -p "$P" -m 1 -nostdin
live_bg uas_ringing "$ns" 40 sipp -sf "$SC/uas_cancel.xml" -i 127.0.0.34 -p "$P" -m 1 -nostdin
live_bg uas_nobody "$ns" 40 sipp -sf "$SC/uas_notfound.xml" -i 127.0.0.35 -p "$P" -m 1 -nostdin
live_bg uas_late "$ns" 40 sipp -sf "$SC/uas_late.xml" -i 127.0.0.36 -p "$P" -m 1 -nostdin
live_bg uas_noack "$ns" 40 sipp -sf "$SC/uas_noack.xml" -i 127.0.0.37 -p "$P" -m 1 -nostdin
# (the lib's functions use i, n, p as globals: other names for loop variables here)
for a in 32 33 34 35 36 37; do
    live_wait_listen "$ns" udp "127.0.0.$a" "$P" || live_fail "sipp UAS 127.0.0.$a did not start"
done

# The calls, one after the other (the caller's port is free again when sipp exits).
call() { # NAME SCENARIO UAS-ADDRESS
    live_run "uac_$1" "$ns" 20 sipp -sf "$SC/$2" -s "$1" -i "$UAC" -p "$P" -m 1 -nostdin \
        "$3:$P" || live_fail "call '$1' failed (sipp exit $?): $(tail -n 20 "$W/uac_$1.out")"
}
call answer uac_call.xml 127.0.0.32
call busy uac_reject.xml 127.0.0.33
call ringing uac_cancel.xml 127.0.0.34
call nobody uac_reject.xml 127.0.0.35
call late uac_call.xml 127.0.0.36
call noack uac_noack.xml 127.0.0.37
for u in answer busy ringing nobody late; do
    live_wait "uas_$u" || live_fail "sipp UAS '$u' failed (exit $?): $(tail -n 20 "$W/uas_$u.out")"
done
# uas_noack gives up waiting for the ACK (timeout + ontimeout): sipp still counts a
# successful call; anything but 0 or 1 (failed call) means it did not run.
live_wait uas_noack
rc=$?
[ $rc -le 1 ] || live_fail "sipp UAS 'noack' failed (exit $rc): $(tail -n 20 "$W/uas_noack.out")"
live_tcpdump_stop cap

# --- the capture as tshark sees it ---
live_ground_truth cap
gt=$W/cap.gtm.tsv
# Call-ID of each call, from tshark (sipp: "<n>-<pid>@<ip>"; the INVITE's To user).
cid() {
    live_tshark -n -r "$W/cap.pcap" -Y "sip.Method == \"INVITE\" && sip.to.user == \"$1\"" \
        -T fields -e sip.Call-ID | head -n 1
}
for u in answer busy ringing nobody late noack; do
    c=$(cid "$u")
    [ -n "$c" ] || live_fail "the capture has no INVITE to '$u'"
    eval "CID_$u=\$c"
done
# messages per Call-ID according to tshark (every row: retransmissions count too)
gtn() {
    live_rows "$gt" '$10 == c' c="$1"
}
# shellcheck disable=SC2154  # CID_* set by eval above
{
    live_expect "tshark: Call-IDs" 6 "$(awk -F '\t' 'NR > 1 { print $10 }' "$gt" | sort -u | wc -l | tr -d ' ')"
    live_expect "tshark: answer: messages" 6 "$(gtn "$CID_answer")"
    live_expect "tshark: busy: messages" 4 "$(gtn "$CID_busy")"
    live_expect "tshark: busy: 486" 1 "$(live_rows "$gt" '$10 == c && $9 == 486' c="$CID_busy")"
    live_expect "tshark: ringing: messages" 6 "$(gtn "$CID_ringing")"
    live_expect "tshark: ringing: CANCEL" 1 "$(live_rows "$gt" '$10 == c && $8 == "CANCEL"' c="$CID_ringing")"
    live_expect "tshark: ringing: 487" 1 "$(live_rows "$gt" '$10 == c && $9 == 487' c="$CID_ringing")"
    live_expect "tshark: nobody: messages" 4 "$(gtn "$CID_nobody")"
    live_expect "tshark: nobody: 404" 1 "$(live_rows "$gt" '$10 == c && $9 == 404' c="$CID_nobody")"
    live_expect "tshark: late: messages" 7 "$(gtn "$CID_late")"
    live_expect "tshark: late: INVITE copies" 2 "$(live_rows "$gt" '$10 == c && $8 == "INVITE"' c="$CID_late")"
    live_expect "tshark: late: distinct INVITEs" 1 "$(live_count "$gt" '$10 == c && $8 == "INVITE"' c="$CID_late")"
    live_expect "tshark: noack: messages" 5 "$(gtn "$CID_noack")"
    live_expect "tshark: noack: 200 copies" 3 "$(live_rows "$gt" '$10 == c && $9 == 200' c="$CID_noack")"
    live_expect "tshark: noack: distinct 200s" 1 "$(live_count "$gt" '$10 == c && $9 == 200' c="$CID_noack")"
    live_expect "tshark: noack: ACK" 0 "$(live_rows "$gt" '$10 == c && $8 == "ACK"' c="$CID_noack")"
    live_expect "tshark: copies (rows equal to an earlier one)" 3 \
        "$(($(live_rows "$gt" 1) - $(live_count "$gt" 1)))"
}
live_expect_done "the capture"

# --- sipwhy history: message list and retransmission marks ---
live_sipwhy cap
live_diff cap
ours=$W/cap.ours.tsv
[ "$(head -n 1 "$ours" | awk -F '\t' '{ print $13 }')" = retrans ] ||
    live_fail "history --format tsv: column 13 is not retrans: $(head -n 1 "$ours")"
live_expect "history: rows marked retrans" 3 "$(live_rows "$ours" '$13 == 1')"
live_expect "history: late: 2nd INVITE marked, 1st not" "0 1" \
    "$(awk -F '\t' -v c="$CID_late" 'NR > 1 && $10 == c && $8 == "INVITE" { printf "%s%s", s, $13; s = " " }' "$ours")"
live_expect "history: noack: 1st 200 not marked, copies marked" "0 1 1" \
    "$(awk -F '\t' -v c="$CID_noack" 'NR > 1 && $10 == c && $9 == 200 { printf "%s%s", s, $13; s = " " }' "$ours")"
live_expect_done "sipwhy history"

# --- sipwhy calls ---
live__sipwhy_run "$W/calls.json" "$W/calls.err" calls --format json "$W/cap.pcap"
python3 "$CALLS_TSV" "$W/calls.json" index call_id kind state final_code ongoing messages \
    legs linked_to link pdd >"$W/calls.tsv" 2>"$W/calls_tsv.err" ||
    live_fail "calls --format json: $(cat "$W/calls_tsv.err")"
live_log "sipwhy calls:"
sed 's/^/    /' "$W/calls.tsv"
ct=$W/calls.tsv
live_expect "calls: number of calls" 6 "$(live_rows "$ct" 1)"
# field FIELD CALL-ID: the field's value for that Call-ID ("absent" if no such call)
field() {
    awk -F '\t' -v f="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $2 == c { print $col[f]; found = 1; exit } END { if (!found) print "absent" }' "$ct"
}
check_call() { # NAME STATE FINAL_CODE ONGOING
    eval "c=\$CID_$1"
    live_expect "calls: $1: kind" INVITE "$(field kind "$c")"
    live_expect "calls: $1: state" "$2" "$(field state "$c")"
    live_expect "calls: $1: final_code" "$3" "$(field final_code "$c")"
    live_expect "calls: $1: ongoing" "$4" "$(field ongoing "$c")"
    live_expect "calls: $1: messages (tshark's count)" "$(gtn "$c")" "$(field messages "$c")"
    live_expect "calls: $1: legs" 1 "$(field legs "$c")"
    live_expect "calls: $1: link" - "$(field link "$c")"
}
check_call answer completed 200 false
check_call busy busy 486 false
check_call ringing cancelled 487 false
check_call nobody rejected 404 false
check_call late completed 200 false
# 200 sent, never acknowledged, no BYE before the capture ends: the dialog is still up.
check_call noack answered 200 true
live_expect "calls: late: pdd >= 0.6 s (180 sent 0.7 s after the 1st INVITE)" yes \
    "$(field pdd "$CID_late" | awk '{ print ($1 >= 0.6) ? "yes" : "no (" $1 ")" }')"
live_expect "calls: answer: pdd < 0.5 s" yes \
    "$(field pdd "$CID_answer" | awk '{ print ($1 != "-" && $1 < 0.5) ? "yes" : "no (" $1 ")" }')"
live_expect "calls: indexes in start order" "$CID_answer $CID_busy $CID_ringing $CID_nobody $CID_late $CID_noack" \
    "$(awk -F '\t' 'NR > 1 { printf "%s%s", s, $2; s = " " }' "$ct")"
live_expect_done "sipwhy calls"

live__sipwhy_run "$W/calls-all.json" "$W/calls-all.err" calls --all --format json "$W/cap.pcap"
python3 "$CALLS_TSV" "$W/calls-all.json" index call_id kind state final_code >"$W/calls-all.tsv" \
    2>"$W/calls_tsv.err" || live_fail "calls --all --format json: $(cat "$W/calls_tsv.err")"
live_expect "calls --all: same calls as without --all" same \
    "$(cut -f 1-5 "$ct" | cmp -s - "$W/calls-all.tsv" && echo same || echo different)"
live_expect_done "sipwhy calls --all"

# --- the ladder, when sipwhy has the flow command ---
if "$SIPWHY" flow --help >/dev/null 2>&1; then
    timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/cap.pcap" "$W/calls.json" "$ours" "$gt" |
        sed "s/^/$LIVE_NAME: /" | tee "$W/flow.check"
    grep -q 'NOT OK' "$W/flow.check" && live_fail "sipwhy flow disagrees with the message list (above)"
    [ "$(grep -c '^.*: ok: flow' "$W/flow.check")" -eq 6 ] || live_fail "check_flow.py did not check 6 ladders"
else
    live_log "sipwhy has no flow command (yet): ladders not checked"
fi
live_log "PASS ($(live_elapsed) s)"
exit 0
