#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_481.sh - the 481 family of `sipwhy diagnose` (rule_481) on a capture made here by
# sipp and kamailio, recorded with tcpdump on lo: each 481 case must give its finding,
# with exactly the evidence messages, and nothing else may be reported.
#
# Peers (UDP, one random port P, in a private network namespace when we may make one):
#   127.0.0.71  sipp UAC, one run per case (scenarios/diag/uac_*.xml)
#   127.0.0.72  late    uas_481_late.xml   INVITE 200 ACK BYE 200, INFO -> 481
#                 -> 481-after-dialog-ended (warning): BYE, INFO, 481
#   127.0.0.73  race    uas_cancel_late.xml INVITE 200, CANCEL -> 481, ACK, BYE 200
#                 -> 481-cancel-no-transaction (info, the CANCEL/200 race):
#                    INVITE, 200, CANCEL, 481
#   127.0.0.74  dup     uas_dupbye.xml     INVITE 200 ACK BYE 200, the same BYE -> 481
#                 -> 481-duplicate-request (info): BYE, 200, BYE copy, 481
#   127.0.0.75  unknown uas_481_bye.xml    BYE with tags never seen -> 481
#                 -> 481-unknown-dialog (warning): BYE, 481
#   127.0.0.76  kamailio (scenarios/diag/kamailio.cfg):
#                 REGISTER 401 REGISTER 200 (calls/kam_register.xml), then a SUBSCRIBE
#                 refresh (To tag) from the same address and port -> 481
#                 -> 481-subscription-refresh (warning): SUBSCRIBE, 481 (the REGISTER's
#                    401 is ordinary digest authentication: no finding)
#                 a CANCEL whose INVITE kamailio never saw -> 481 (tm)
#                 -> 481-cancel-no-transaction (warning): CANCEL, 481
# Not covered here: 481-notify-after-subscription-ended (tests/e2e/calls_example481.sh
# and calls_transfer.sh make that capture with baresip/sipp).
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 6 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_481 60
live_need kamailio

UAC=127.0.0.71
KAM=127.0.0.76
P=$(live_port) || live_fail "no free port"
live_log "uac $UAC:$P, called parties 127.0.0.72-75 port $P, kamailio $KAM:$P"
sed "s|@NEXT@|sip:127.0.0.75:$P|" "$DSC/kamailio.cfg" >"$W/kamailio.cfg"

live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_kamailio kam "$W/kamailio.cfg" "$KAM" "$P"
diag_uas uas_late 127.0.0.72 "$P" "$DSC/uas_481_late.xml" -m 1
diag_uas uas_race 127.0.0.73 "$P" "$DSC/uas_cancel_late.xml" -m 1
diag_uas uas_dup 127.0.0.74 "$P" "$DSC/uas_dupbye.xml" -m 1
diag_uas uas_unknown 127.0.0.75 "$P" "$DSC/uas_481_bye.xml" -m 1

diag_uac late "$UAC" "$P" "$DSC/uac_481_late.xml" "127.0.0.72:$P" -s bob -m 1
diag_ok late 0 $?
diag_uac race "$UAC" "$P" "$DSC/uac_cancel_late.xml" "127.0.0.73:$P" -s bob -m 1
diag_ok race 0 $?
diag_uac dup "$UAC" "$P" "$DSC/uac_dupbye.xml" "127.0.0.74:$P" -s bob -m 1
diag_ok dup 0 $?
diag_uac unknown "$UAC" "$P" "$DSC/uac_bye_unknown.xml" "127.0.0.75:$P" -s bob -m 1
diag_ok unknown 0 $?
diag_uac reg "$UAC" "$P" "$CSC/kam_register.xml" "$KAM:$P" -m 1
diag_ok reg 0 $?
diag_uac sub "$UAC" "$P" "$DSC/uac_subscribe_refresh.xml" "$KAM:$P" -s bob -m 1
diag_ok sub 0 $?
diag_uac cancel "$UAC" "$P" "$DSC/uac_cancel_alone.xml" "$KAM:$P" -s bob -m 1
diag_ok cancel 0 $?
for u in late race dup unknown; do
    live_wait "uas_$u" || live_fail "sipp UAS '$u' failed (exit $?): $(tail -n 15 "$W/uas_$u.out")"
done
live_tcpdump_stop cap
kill "$LIVE_PID_kam" 2>/dev/null

diag_analyse
# history columns: 3 src 5 dst 8 method 9 status 12 cseq_method
a=127.0.0.72
diag_row late_bye '$8 == "BYE" && $5 == a' a=$a
diag_row late_info '$8 == "INFO" && $5 == a' a=$a
diag_row late_481 '$9 == 481 && $3 == a' a=$a
diag_want 481-after-dialog-ended warning "$late_bye" "$late_info" "$late_481"

a=127.0.0.73
diag_row race_inv '$8 == "INVITE" && $5 == a' a=$a
diag_row race_200 '$9 == 200 && $12 == "INVITE" && $3 == a' a=$a
diag_row race_cancel '$8 == "CANCEL" && $5 == a' a=$a
diag_row race_481 '$9 == 481 && $3 == a' a=$a
diag_want 481-cancel-no-transaction info "$race_inv" "$race_200" "$race_cancel" "$race_481"

a=127.0.0.74
diag_row dup_bye1 '$8 == "BYE" && $5 == a' a=$a
diag_row dup_200 '$9 == 200 && $12 == "BYE" && $3 == a' a=$a
diag_last dup_bye2 '$8 == "BYE" && $5 == a' a=$a
diag_row dup_481 '$9 == 481 && $3 == a' a=$a
live_expect "dup: two BYEs" yes "$([ "$dup_bye1" -lt "$dup_bye2" ] && echo yes || echo no)"
diag_want 481-duplicate-request info "$dup_bye1" "$dup_200" "$dup_bye2" "$dup_481"

a=127.0.0.75
diag_row unk_bye '$8 == "BYE" && $5 == a' a=$a
diag_row unk_481 '$9 == 481 && $3 == a' a=$a
diag_want 481-unknown-dialog warning "$unk_bye" "$unk_481"

a=$KAM
diag_row sub_req '$8 == "SUBSCRIBE" && $5 == a' a=$a
diag_row sub_481 '$9 == 481 && $12 == "SUBSCRIBE" && $3 == a' a=$a
diag_row can_req '$8 == "CANCEL" && $5 == a' a=$a
diag_row can_481 '$9 == 481 && $12 == "CANCEL" && $3 == a' a=$a
diag_want 481-subscription-refresh warning "$sub_req" "$sub_481"
diag_want 481-cancel-no-transaction warning "$can_req" "$can_481"

# the forum case: the finding says the 481 is not the REGISTER's answer
live_expect "481-subscription-refresh: cause names the registration" yes \
    "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("yes" if any(f["id"] == "481-subscription-refresh" and "not the REGISTER" in f["cause"]
                   for f in d["findings"]) else "no")' "$DIAG_JSON")"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
