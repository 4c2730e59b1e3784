#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_malformed.sh - malformed-message from sipwhy's grammar check (rule_codes) on a
# capture made by sipp, recorded with tcpdump on lo. (The 400-response form of the same
# finding is in diag_codes.sh.)
#
#   127.0.0.82 sipp, scenarios/diag/uac_options_badfrom.xml: OPTIONS with
#              From: Alice (Sales) <sip:...> (unquoted display name with "(" ")")
#   127.0.0.83 sipp, uas_options_ok.xml: 200, echoing that From
# Expected findings, exactly: malformed-message (warning) twice, one per sender (the
# finding is per source and problem): the OPTIONS, and the 200 that copies its From.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 3 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_malformed 60

P=$(live_port) || live_fail "no free port"
live_log "client 127.0.0.82:$P, server 127.0.0.83:$P"
live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_uas server 127.0.0.83 "$P" "$DSC/uas_options_ok.xml" -m 1
diag_uac client 127.0.0.82 "$P" "$DSC/uac_options_badfrom.xml" "127.0.0.83:$P" -s bob -m 1
diag_ok client 0 $?
live_wait server || live_fail "sipp server failed (exit $?): $(tail -n 15 "$W/server.out")"
live_tcpdump_stop cap

diag_analyse
diag_row opt '$8 == "OPTIONS"'
diag_row ok '$9 == 200'
diag_want malformed-message warning "$opt"
diag_want malformed-message warning "$ok"
live_expect "malformed-message: cause names the display name" yes "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [f["cause"] for f in d["findings"] if f["id"] == "malformed-message"]
print("yes" if c and all("display name" in x for x in c) else "no: %r" % c)' "$DIAG_JSON")"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
