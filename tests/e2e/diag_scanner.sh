#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_scanner.sh - the scanner rule of `sipwhy diagnose` (rule_scanner) on a capture of
# a scan played by sipp, recorded with tcpdump on lo.
#
# Peers (UDP, one random port P, in a private network namespace when we may make one):
#   127.0.0.96  the scanner: scenarios/diag/uac_scanner.xml, 12 calls (-m 12), INVITEs to
#               101..1012 with User-Agent: friendly-scanner
#   127.0.0.97  the victim: uas_fail_404.xml, 404 to each, ACK
# Expected findings, exactly:
#   - scanner-activity (warning): the first INVITE and the last 404; its cause counts
#     12 requests to 12 different users, 12 refused, and names the User-Agent;
#   - call-rejected (warning) for each of the 12 calls: INVITE, 404 (rule_codes reports
#     every refused call; that is right for a scan too).
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 4 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_scanner 60

P=$(live_port) || live_fail "no free port"
live_log "scanner 127.0.0.96:$P, victim 127.0.0.97:$P"
live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_uas victim 127.0.0.97 "$P" "$DSC/uas_fail_404.xml" -m 12
diag_uac scan 127.0.0.96 "$P" "$DSC/uac_scanner.xml" "127.0.0.97:$P" -m 12 -r 40 -l 1
diag_ok scan 0 $?
live_wait victim || live_fail "sipp victim failed (exit $?): $(tail -n 15 "$W/victim.out")"
live_tcpdump_stop cap

diag_analyse
ours=$W/cap.ours.tsv
live_expect "INVITEs (distinct)" 12 "$(live_count "$ours" '$8 == "INVITE"')"
live_expect "404s (distinct)" 12 "$(live_count "$ours" '$9 == 404')"
live_expect "Call-IDs" 12 "$(awk -F '\t' 'NR > 1 { print $10 }' "$ours" | sort -u | wc -l | tr -d ' ')"
diag_row first_inv '$8 == "INVITE"'
diag_last last_404 '$9 == 404'
diag_want scanner-activity warning "$first_inv" "$last_404"
# shellcheck disable=SC2013  # Call-IDs hold no blanks
for cid in $(awk -F '\t' 'NR > 1 && $8 == "INVITE" && $13 == 0 { print $10 }' "$ours"); do
    diag_row inv '$8 == "INVITE" && $10 == c' c="$cid"
    diag_row fin '$9 == 404 && $10 == c' c="$cid"
    diag_want call-rejected warning "$inv" "$fin"
done
live_expect "scanner-activity: cause" yes "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = [f["cause"] for f in d["findings"] if f["id"] == "scanner-activity"]
print("yes" if c and "12 requests to 12 different users, 12 of them refused" in c[0]
      and "friendly-scanner" in c[0] else "no: %r" % c)' "$DIAG_JSON")"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
