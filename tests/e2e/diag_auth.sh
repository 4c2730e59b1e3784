#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_auth.sh - the authentication rule of `sipwhy diagnose` (rule_auth) on a capture of
# sipp clients registering with kamailio (digest authentication, password "secret",
# scenarios/diag/kamailio.cfg), recorded with tcpdump on lo.
#
# Peers (UDP, one random port P, in a private network namespace when we may make one):
#   127.0.0.77  kamailio registrar (pv_www_authenticate)
#   127.0.0.78  sipp registrar uas_stale_registrar.xml (401, then 401 stale=true)
#   127.0.0.80  wrong   reg_wrong_password.xml  REGISTER 401 REGISTER(password "wrong") 401
#                 -> auth-wrong-credentials (error): the 2nd REGISTER, the 2nd 401
#   127.0.0.81  noanswer reg_no_answer.xml      REGISTER 401, never answered
#                 -> auth-no-credentials (warning): REGISTER, 401
#   127.0.0.82  clean   calls/kam_register.xml  REGISTER 401 REGISTER 200
#                 -> nothing (a challenge answered with success is normal). It registers
#                 the same AOR as "wrong" (alice@127.0.0.77: two phones on one account,
#                 one with an old password), after it: another device's success must not
#                 hide the wrong password of the first (it did in sipwhy when this test
#                 was written: later_success() in diagnose.c takes any later 2xx of the
#                 AOR's registration record for the first Call-ID's own success).
#   127.0.0.83  stale   reg_stale_nonce.xml     to the sipp registrar: REGISTER 401,
#                 300 ms, REGISTER with credentials, 401 stale=true
#                 -> auth-stale-nonce (warning): the 2nd REGISTER, the 2nd 401
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 6 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_auth 60
live_need kamailio

KAM=127.0.0.77
P=$(live_port) || live_fail "no free port"
live_log "kamailio $KAM:$P, clients 127.0.0.80-83 port $P"
sed "s|@NEXT@|sip:127.0.0.79:$P|" "$DSC/kamailio.cfg" >"$W/kamailio.cfg"

live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_kamailio kam "$W/kamailio.cfg" "$KAM" "$P"

diag_uas uas_stale 127.0.0.78 "$P" "$DSC/uas_stale_registrar.xml" -m 1
diag_uac wrong 127.0.0.80 "$P" "$DSC/reg_wrong_password.xml" "$KAM:$P" -m 1
diag_ok wrong 0 $?
diag_uac noanswer 127.0.0.81 "$P" "$DSC/reg_no_answer.xml" "$KAM:$P" -s bob -m 1
diag_ok noanswer 0 $?
diag_uac clean 127.0.0.82 "$P" "$CSC/kam_register.xml" "$KAM:$P" -m 1
diag_ok clean 0 $?
diag_uac stale 127.0.0.83 "$P" "$DSC/reg_stale_nonce.xml" "127.0.0.78:$P" -m 1
diag_ok stale 0 $?
live_wait uas_stale || live_fail "sipp registrar failed (exit $?): $(tail -n 15 "$W/uas_stale.out")"
live_tcpdump_stop cap
kill "$LIVE_PID_kam" 2>/dev/null

diag_analyse
# history columns: 3 src 5 dst 8 method 9 status 12 cseq_method
c=127.0.0.80
diag_last wrong_reg '$8 == "REGISTER" && $3 == c' c=$c
diag_last wrong_401 '$9 == 401 && $5 == c' c=$c
live_expect "wrong: REGISTERs" 2 "$(live_rows "$W/cap.ours.tsv" '$8 == "REGISTER" && $3 == c' c=$c)"
diag_want auth-wrong-credentials error "$wrong_reg" "$wrong_401"

c=127.0.0.81
diag_row noans_reg '$8 == "REGISTER" && $3 == c' c=$c
diag_row noans_401 '$9 == 401 && $5 == c' c=$c
diag_want auth-no-credentials warning "$noans_reg" "$noans_401"

c=127.0.0.82
diag_row clean_200 '$9 == 200 && $5 == c' c=$c

c=127.0.0.83
diag_last stale_reg '$8 == "REGISTER" && $3 == c' c=$c
diag_last stale_401 '$9 == 401 && $5 == c' c=$c
live_expect "stale: REGISTERs" 2 "$(live_rows "$W/cap.ours.tsv" '$8 == "REGISTER" && $3 == c' c=$c)"
diag_want auth-stale-nonce warning "$stale_reg" "$stale_401"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
