#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes on purpose
# live_udp.sh - live capture over UDP: sipp -> kamailio -> sipp, recorded with tcpdump on
# the loopback interface, sipwhy's message list compared with tshark's.
#
# Scenario (all UDP; uac 127.0.0.21, kamailio 127.0.0.22, uas 127.0.0.23, random ports
# in 20000-39999; in a private network namespace when we may create one, else on the
# host's lo):
#   1. REGISTER with digest auth against kamailio: REGISTER, 401, REGISTER, 200
#   2. OPTIONS to kamailio: OPTIONS, 200
#   3. three calls uac -> kamailio (record-route, tm) -> uas:
#      INVITE/100/180/200/ACK/BYE/200 on both hops (14 messages per call)
# Checks: tshark sees the scenario (counts below), sipwhy's rows match tshark's
# (tests/e2e/tsvdiff.py), the same counts on sipwhy's side, and `sipwhy show` of an
# INVITE prints its body up to the last line.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 7 s.
# shellcheck source-path=SCRIPTDIR source=lib_live.sh
. "$(dirname "$0")/lib_live.sh"
live_init udp
live_need sipp kamailio tcpdump tshark python3 ip ss timeout od
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
cd "$W" || exit 1

live_lo_ns udp

UAC=127.0.0.21
KAM=127.0.0.22
UAS=127.0.0.23
P_UAC=$(live_port) || live_fail "no free port"
P_KAM=$P_UAC
while [ "$P_KAM" = "$P_UAC" ]; do
    P_KAM=$(live_port) || live_fail "no free port"
done
P_UAS=$P_UAC
while [ "$P_UAS" = "$P_UAC" ] || [ "$P_UAS" = "$P_KAM" ]; do
    P_UAS=$(live_port) || live_fail "no free port"
done
live_log "uac $UAC:$P_UAC, kamailio $KAM:$P_KAM, uas $UAS:$P_UAS"

sed "s|@UAS@|sip:$UAS:$P_UAS|" "$LIVE_SCEN/kamailio_udp.cfg" >"$W/kamailio.cfg"
mkdir -p "$W/kamrun"

live_tcpdump_start cap "$ns" lo \
    "udp and (host $UAC or host $KAM or host $UAS) and (port $P_UAC or port $P_KAM or port $P_UAS)"

live_bg kam "$ns" 60 kamailio -DD -E -f "$W/kamailio.cfg" -Y "$W/kamrun" -P "$W/kamrun/pid" \
    -l "udp:$KAM:$P_KAM" -m 32 -M 8
live_wait_listen "$ns" udp "$KAM" "$P_KAM" ||
    live_fail "kamailio did not start: $(tail -n 5 "$W/kam.err")"
live_bg uas "$ns" 60 sipp -sf "$LIVE_SCEN/udp_uas.xml" -i "$UAS" -p "$P_UAS" -m 3 -nostdin
live_wait_listen "$ns" udp "$UAS" "$P_UAS" || live_fail "sipp uas did not start: $(cat "$W/uas.err")"

live_run reg "$ns" 20 sipp -sf "$LIVE_SCEN/udp_register.xml" -i "$UAC" -p "$P_UAC" -m 1 \
    -nostdin "$KAM:$P_KAM" || live_fail "REGISTER scenario failed (sipp exit $?): $(tail -n 20 "$W/reg.out")"
live_run opt "$ns" 20 sipp -sf "$LIVE_SCEN/udp_options.xml" -i "$UAC" -p "$P_UAC" -m 1 \
    -nostdin "$KAM:$P_KAM" || live_fail "OPTIONS scenario failed (sipp exit $?): $(tail -n 20 "$W/opt.out")"
live_run uac "$ns" 30 sipp -sf "$LIVE_SCEN/udp_uac_call.xml" -s bob -i "$UAC" -p "$P_UAC" \
    -m 3 -r 10 -l 1 -nostdin "$KAM:$P_KAM" ||
    live_fail "call scenario failed (sipp exit $?): $(tail -n 20 "$W/uac.out")"
live_wait uas || live_fail "sipp uas failed (exit $?): $(tail -n 20 "$W/uas.out")"
live_tcpdump_stop cap
# shellcheck disable=SC2154  # set by live_bg
kill "$LIVE_PID_kam" 2>/dev/null
live_wait kam

# --- tshark: did the scenario happen as designed? ---
live_ground_truth cap
gt=$W/cap.gtm.tsv
check_counts() { # FILE WHO
    live_expect "$2: REGISTER" 2 "$(live_count "$1" '$8 == "REGISTER"')"
    live_expect "$2: 401 to REGISTER" 1 "$(live_count "$1" '$9 == 401 && $12 == "REGISTER"')"
    live_expect "$2: 200 to REGISTER" 1 "$(live_count "$1" '$9 == 200 && $12 == "REGISTER"')"
    live_expect "$2: OPTIONS" 1 "$(live_count "$1" '$8 == "OPTIONS"')"
    live_expect "$2: 200 to OPTIONS" 1 "$(live_count "$1" '$9 == 200 && $12 == "OPTIONS"')"
    for m in INVITE ACK BYE; do
        live_expect "$2: $m (3 calls x 2 hops)" 6 "$(live_count "$1" '$8 == m' m="$m")"
    done
    for s in 100 180 200; do
        live_expect "$2: $s to INVITE" 6 "$(live_count "$1" '$9 == st && $12 == "INVITE"' st="$s")"
    done
    live_expect "$2: 200 to BYE" 6 "$(live_count "$1" '$9 == 200 && $12 == "BYE"')"
    live_expect "$2: distinct messages" 48 "$(live_count "$1" 1)"
    live_expect "$2: transport udp on every row" 0 "$(live_rows "$1" '$7 != "udp"')"
    live_expect "$2: Call-IDs" 5 "$(awk -F '\t' 'NR > 1 { print $10 }' "$1" | sort -u | wc -l | tr -d ' ')"
    live_expect_done "$2"
}
check_counts "$gt" tshark

# --- sipwhy ---
live_sipwhy cap
live_diff cap
ours=$W/cap.ours.tsv
check_counts "$ours" sipwhy
n=$(live_first "$ours" '$8 == "INVITE" && $3 == uac' uac="$UAC")
[ -n "$n" ] || live_fail "no INVITE from $UAC in sipwhy's list"
live_show cap "$n" 'a=x-sipwhy-end:udp-call' "INVITE from $UAC"
live_log "PASS ($(live_elapsed) s)"
exit 0
