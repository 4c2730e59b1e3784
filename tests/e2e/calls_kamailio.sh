#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk programs in single quotes; variables set by eval
# calls_kamailio.sh - the call model through a real proxy: kamailio as registrar (digest
# auth) and record-routing stateful proxy with proxy authentication; sipp on both sides;
# recorded with tcpdump on lo, both sides of the proxy in one capture.
#
# Peers (UDP, one random port P in 20000-39999 on three loopback addresses; in a private
# network namespace when we may create one, else on the host's lo):
#   127.0.0.41  sipp, "alice" (scenarios/calls/kam_register.xml, uac_call.xml,
#               kam_uac_auth.xml)
#   127.0.0.42  kamailio (scenarios/calls/kamailio.cfg, password "secret" in the cfg)
#   127.0.0.43  sipp UAS (scenarios/calls/kam_uas.xml), answers both calls
# Traffic:
#   1. REGISTER, 401 (www_challenge), REGISTER with credentials, 200          (4 msgs)
#   2. call to bob: INVITE, 100 (tm), INVITE (2nd hop, kamailio's Via branch on top),
#      180, 180, 200, 200, ACK, ACK, BYE, BYE, 200, 200                       (13 msgs)
#   3. call to carol: INVITE, 407 (proxy_challenge), ACK (absorbed by kamailio), then
#      INVITE with Proxy-Authorization (CSeq 2) and the 13 messages of call 2  (16 msgs)
# Checks:
#   - the capture (tshark): those counts per method / status and per Call-ID, no copies;
#   - `sipwhy history --format tsv` matches tshark's message list, and no row is marked
#     as a retransmission (the proxy's 2nd-hop INVITE, ACK, BYE and relayed responses
#     have the same Call-ID and CSeq as the 1st hop's but other Via branches);
#   - `sipwhy calls --format json`: 2 calls (both proxy legs of a Call-ID are one call),
#     completed, final_code 200 (carol's too: a 407 then 200 is a normal call), messages
#     13 and 16, src = alice -> kamailio, legs 1;
#   - `sipwhy calls --all --format json`: 3 entries, the REGISTER one (kind REGISTER,
#     4 messages, state not a failure, final_code null (INVITE calls only) or 200, not
#     the 401: the 401 is a normal challenge);
#   - when `sipwhy flow --help` works: each call's ladder (flow --format json) matches
#     the message list, with the three hosts as columns.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 6 s.
. "$(dirname "$0")/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60} # whole-test bound (lib_live.sh's watchdog); it takes far less
live_init calls_kamailio
# SIPWHY may be a path relative to where we started: make it absolute (we work in $W)
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp kamailio tcpdump tshark python3 ip ss timeout od
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
cd "$W" || exit 1
SC=$LIVE_SCEN/calls
CALLS_TSV=$SC/calls_tsv.py

live_lo_ns kam

UAC=127.0.0.41
KAM=127.0.0.42
UAS=127.0.0.43
P=$(live_port) || live_fail "no free port"
live_log "alice $UAC:$P, kamailio $KAM:$P, uas $UAS:$P"

sed "s|@UAS@|sip:$UAS:$P|" "$SC/kamailio.cfg" >"$W/kamailio.cfg"
mkdir -p "$W/kamrun"

live_tcpdump_start cap "$ns" lo "udp and port $P and net 127.0.0.0/8"

live_bg kam "$ns" 40 kamailio -DD -E -f "$W/kamailio.cfg" -Y "$W/kamrun" -P "$W/kamrun/pid" \
    -l "udp:$KAM:$P" -m 32 -M 8
live_wait_listen "$ns" udp "$KAM" "$P" ||
    live_fail "kamailio did not start: $(tail -n 5 "$W/kam.err")"
live_bg uas "$ns" 40 sipp -sf "$SC/kam_uas.xml" -i "$UAS" -p "$P" -m 2 -nostdin
live_wait_listen "$ns" udp "$UAS" "$P" || live_fail "sipp UAS did not start: $(cat "$W/uas.err")"

live_run reg "$ns" 20 sipp -sf "$SC/kam_register.xml" -i "$UAC" -p "$P" -m 1 -nostdin "$KAM:$P" ||
    live_fail "REGISTER failed (sipp exit $?): $(tail -n 20 "$W/reg.out")"
live_run bob "$ns" 20 sipp -sf "$SC/uac_call.xml" -s bob -i "$UAC" -p "$P" -m 1 -nostdin "$KAM:$P" ||
    live_fail "call to bob failed (sipp exit $?): $(tail -n 20 "$W/bob.out")"
live_run carol "$ns" 20 sipp -sf "$SC/kam_uac_auth.xml" -s carol -i "$UAC" -p "$P" -m 1 -nostdin \
    "$KAM:$P" || live_fail "call to carol failed (sipp exit $?): $(tail -n 20 "$W/carol.out")"
live_wait uas || live_fail "sipp UAS failed (exit $?): $(tail -n 20 "$W/uas.out")"
live_tcpdump_stop cap
# shellcheck disable=SC2154  # set by live_bg
kill "$LIVE_PID_kam" 2>/dev/null

# --- the capture as tshark sees it ---
live_ground_truth cap
gt=$W/cap.gtm.tsv
cid() { # METHOD TO-USER: Call-ID of the first such request
    live_tshark -n -r "$W/cap.pcap" -Y "sip.Method == \"$1\" && sip.to.user == \"$2\"" \
        -T fields -e sip.Call-ID | head -n 1
}
CID_reg=$(cid REGISTER alice)
CID_bob=$(cid INVITE bob)
CID_carol=$(cid INVITE carol)
[ -n "$CID_reg" ] && [ -n "$CID_bob" ] && [ -n "$CID_carol" ] ||
    live_fail "the capture lacks the REGISTER or an INVITE (Call-IDs '$CID_reg' '$CID_bob' '$CID_carol')"
gtn() {
    live_rows "$gt" '$10 == c' c="$1"
}
check_counts() { # FILE WHO
    live_expect "$2: REGISTER" 2 "$(live_rows "$1" '$8 == "REGISTER"')"
    live_expect "$2: 401" 1 "$(live_rows "$1" '$9 == 401')"
    live_expect "$2: 200 to REGISTER" 1 "$(live_rows "$1" '$9 == 200 && $12 == "REGISTER"')"
    live_expect "$2: INVITE (bob 2 hops, carol 1 + 2 hops)" 5 "$(live_rows "$1" '$8 == "INVITE"')"
    live_expect "$2: INVITE from kamailio (2nd hop)" 2 "$(live_rows "$1" '$8 == "INVITE" && $3 == k' k="$KAM")"
    live_expect "$2: 407" 1 "$(live_rows "$1" '$9 == 407')"
    live_expect "$2: 100 (kamailio's tm)" 2 "$(live_rows "$1" '$9 == 100 && $3 == k' k="$KAM")"
    live_expect "$2: 180" 4 "$(live_rows "$1" '$9 == 180')"
    live_expect "$2: 200 to INVITE" 4 "$(live_rows "$1" '$9 == 200 && $12 == "INVITE"')"
    live_expect "$2: ACK (407's + 2 x 2 hops)" 5 "$(live_rows "$1" '$8 == "ACK"')"
    live_expect "$2: BYE" 4 "$(live_rows "$1" '$8 == "BYE"')"
    live_expect "$2: 200 to BYE" 4 "$(live_rows "$1" '$9 == 200 && $12 == "BYE"')"
    live_expect "$2: messages" 33 "$(live_rows "$1" 1)"
    live_expect "$2: copies (rows equal to an earlier one)" 0 "$(($(live_rows "$1" 1) - $(live_count "$1" 1)))"
    live_expect "$2: Call-IDs" 3 "$(awk -F '\t' 'NR > 1 { print $10 }' "$1" | sort -u | wc -l | tr -d ' ')"
    live_expect "$2: REGISTER Call-ID: messages" 4 "$(live_rows "$1" '$10 == c' c="$CID_reg")"
    live_expect "$2: bob's Call-ID: messages" 13 "$(live_rows "$1" '$10 == c' c="$CID_bob")"
    live_expect "$2: carol's Call-ID: messages" 16 "$(live_rows "$1" '$10 == c' c="$CID_carol")"
    live_expect_done "$2"
}
check_counts "$gt" tshark

# --- sipwhy history: same messages, no retransmission marks ---
live_sipwhy cap
live_diff cap
ours=$W/cap.ours.tsv
check_counts "$ours" "sipwhy history"
[ "$(head -n 1 "$ours" | awk -F '\t' '{ print $13 }')" = retrans ] ||
    live_fail "history --format tsv: column 13 is not retrans: $(head -n 1 "$ours")"
live_expect "history: rows marked retrans (the proxy's hops are not copies)" 0 \
    "$(live_rows "$ours" '$13 != 0')"
live_expect_done "sipwhy history"

# --- sipwhy calls ---
live__sipwhy_run "$W/calls.json" "$W/calls.err" calls --format json "$W/cap.pcap"
python3 "$CALLS_TSV" "$W/calls.json" index call_id kind state final_code final_reason ongoing \
    messages src dst legs link >"$W/calls.tsv" 2>"$W/calls_tsv.err" ||
    live_fail "calls --format json: $(cat "$W/calls_tsv.err")"
live__sipwhy_run "$W/calls-all.json" "$W/calls-all.err" calls --all --format json "$W/cap.pcap"
python3 "$CALLS_TSV" "$W/calls-all.json" index call_id kind state final_code final_reason ongoing \
    messages src dst legs link >"$W/calls-all.tsv" 2>"$W/calls_tsv.err" ||
    live_fail "calls --all --format json: $(cat "$W/calls_tsv.err")"
live_log "sipwhy calls --all:"
sed 's/^/    /' "$W/calls-all.tsv"
field() { # FILE FIELD CALL-ID
    awk -F '\t' -v f="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $2 == c { print $col[f]; found = 1; exit } END { if (!found) print "absent" }' "$1"
}
ct=$W/calls.tsv
live_expect "calls: number of calls" 2 "$(live_rows "$ct" 1)"
for c in bob carol; do
    eval "id=\$CID_$c"
    live_expect "calls: $c: kind" INVITE "$(field "$ct" kind "$id")"
    live_expect "calls: $c: state" completed "$(field "$ct" state "$id")"
    live_expect "calls: $c: final_code" 200 "$(field "$ct" final_code "$id")"
    live_expect "calls: $c: final_reason" OK "$(field "$ct" final_reason "$id")"
    live_expect "calls: $c: ongoing" false "$(field "$ct" ongoing "$id")"
    live_expect "calls: $c: messages (both hops)" "$(gtn "$id")" "$(field "$ct" messages "$id")"
    live_expect "calls: $c: src -> dst (first request)" "$UAC:$P -> $KAM:$P" \
        "$(field "$ct" src "$id") -> $(field "$ct" dst "$id")"
    live_expect "calls: $c: legs" 1 "$(field "$ct" legs "$id")"
done
live_expect_done "sipwhy calls"

ca=$W/calls-all.tsv
live_expect "calls --all: entries" 3 "$(live_rows "$ca" 1)"
live_expect "calls --all: REGISTER: kind" REGISTER "$(field "$ca" kind "$CID_reg")"
live_expect "calls --all: REGISTER: messages" 4 "$(field "$ca" messages "$CID_reg")"
# final_code is documented for INVITE calls only (correlate.h: "of the initial INVITE"):
# for the REGISTER entry it may be absent (null) or the 200, never the 401 or a failure.
fc=$(field "$ca" final_code "$CID_reg")
case $fc in
- | 200) live_log "ok: calls --all: REGISTER: final_code $fc (not the 401 challenge)" ;;
*) live_expect "calls --all: REGISTER: final_code null or 200 (401 challenge, then 200)" "- or 200" "$fc" ;;
esac
st=$(field "$ca" state "$CID_reg")
case $st in
failed | rejected | busy | cancelled | absent) live_expect "calls --all: REGISTER: state not a failure" "not a failure" "$st" ;;
*) live_log "ok: calls --all: REGISTER: state $st (not a failure)" ;;
esac
live_expect "calls --all: no entry in a failure state" 0 \
    "$(live_rows "$ca" '$4 == "failed" || $4 == "rejected" || $4 == "busy" || $4 == "cancelled"')"
for c in bob carol; do
    eval "id=\$CID_$c"
    live_expect "calls --all: $c: state, final_code" "completed 200" \
        "$(field "$ca" state "$id") $(field "$ca" final_code "$id")"
done
live_expect_done "sipwhy calls --all"

# --- the ladder, when sipwhy has the flow command ---
if "$SIPWHY" flow --help >/dev/null 2>&1; then
    timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/cap.pcap" "$W/calls.json" "$ours" "$gt" |
        sed "s/^/$LIVE_NAME: /" | tee "$W/flow.check"
    grep -q 'NOT OK' "$W/flow.check" && live_fail "sipwhy flow disagrees with the message list (above)"
    [ "$(grep -c ': ok: flow' "$W/flow.check")" -eq 2 ] || live_fail "check_flow.py did not check 2 ladders"
    for c in bob carol; do
        eval "id=\$CID_$c"
        live__sipwhy_run "$W/flow-$c.json" "$W/flow-$c.err" flow --format json -i "$W/cap.pcap" "$id"
        live_expect "flow $c: host columns (alice, kamailio, uas)" "1 $UAC:$P 2 $KAM:$P 3 $UAS:$P" \
            "$(python3 -c 'import json, sys
cols = {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    cols[m["src_col"]] = m["src"]
    cols[m["dst_col"]] = m["dst"]
print(" ".join("%s %s" % (k, cols[k]) for k in sorted(cols)))' "$W/flow-$c.json")"
    done
    live_expect_done "sipwhy flow"
else
    live_log "sipwhy has no flow command (yet): ladders not checked"
fi
live_log "PASS ($(live_elapsed) s)"
exit 0
