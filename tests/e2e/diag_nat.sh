#!/bin/sh
# shellcheck disable=SC2016,SC2154,SC2034  # awk conditions in single quotes; variables set by eval; NS is read by lib_diag.sh
# diag_nat.sh - the NAT rule of `sipwhy diagnose` (rule_nat) on a capture between two
# network namespaces joined by a veth pair, with public (not private, not loopback)
# addresses from the benchmark range 198.18.0.0/15; recorded with tcpdump on the
# registrar's end of the veth.
#
#   namespace "phone"  198.18.0.1  sipp, scenarios/diag/reg_nat.xml: REGISTER with
#                      Contact: <sip:alice@192.168.1.20:25060> (a LAN address), 401,
#                      REGISTER with credentials, 200
#   namespace "reg"    198.18.0.2  kamailio registrar (scenarios/diag/kamailio.cfg)
# Expected findings, exactly: nat-private-address (warning) for 198.18.0.1, evidence
# both REGISTERs (the rule looks at a source's first messages; one finding per source),
# its cause naming Contact and 192.168.1.20. The registrar's answers (REGISTER responses
# list bindings, not the registrar's address) must not be blamed.
# Exit: 0 pass, 77 skip (not root, no network namespaces, tool missing), 1 fail.
# Takes about 4 s.
. "$(dirname "$0")/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60}
live_init diag_nat
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need sipp kamailio tcpdump python3 ip ss timeout od awk
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
live_need_netns
[ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found (make, or set SIPWHY)"
cd "$W" || exit 1
. "$LIVE_SCEN/diag/lib_diag.sh"
DSC=$LIVE_SCEN/diag
diag_capture cap

nsp=$(live_netns phone) || live_fail "cannot create a network namespace"
live_netns_adopt "$nsp"
nsr=$(live_netns reg) || live_fail "cannot create a network namespace"
live_netns_adopt "$nsr"
live_veth "$nsp" vphone 02:00:00:00:00:01 "$nsr" vreg 02:00:00:00:00:02 1500 ||
    live_fail "cannot create the veth pair"
ip -n "$nsp" addr add 198.18.0.1/24 dev vphone || live_fail "cannot address vphone"
ip -n "$nsr" addr add 198.18.0.2/24 dev vreg || live_fail "cannot address vreg"
PHONE=198.18.0.1
REG=198.18.0.2
P=$(live_port) || live_fail "no free port"
live_log "phone $PHONE:$P (namespace $nsp), registrar $REG:$P (namespace $nsr)"
sed "s|@NEXT@|sip:198.18.0.3:$P|" "$DSC/kamailio.cfg" >"$W/kamailio.cfg"

live_tcpdump_start cap "$nsr" vreg "udp and port $P"
NS=$nsr
diag_kamailio kam "$W/kamailio.cfg" "$REG" "$P"
NS=$nsp
diag_uac phone "$PHONE" "$P" "$DSC/reg_nat.xml" "$REG:$P" -m 1
diag_ok phone 0 $?
live_tcpdump_stop cap
kill "$LIVE_PID_kam" 2>/dev/null

diag_analyse
diag_row reg1 '$8 == "REGISTER" && $3 == a' a=$PHONE
diag_last reg2 '$8 == "REGISTER" && $3 == a' a=$PHONE
diag_row ok '$9 == 200 && $5 == a' a=$PHONE
live_expect "REGISTERs" 2 "$(live_rows "$W/cap.ours.tsv" '$8 == "REGISTER"')"
diag_want nat-private-address warning "$reg1" "$reg2"
live_expect "nat-private-address: cause names Contact and 192.168.1.20" yes "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [f["cause"] + " / " + f["title"] for f in d["findings"] if f["id"] == "nat-private-address"]
print("yes" if c and "Contact" in c[0] and "192.168.1.20" in c[0] and "198.18.0.1" in c[0]
      else "no: %r" % c)' "$DIAG_JSON")"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
