#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_noresponse.sh - the no-response finding of `sipwhy diagnose` (rule_codes) on a
# capture of an INVITE that nobody answers, recorded with tcpdump on lo.
#
#   127.0.0.80 sipp caller, scenarios/diag/uac_noresponse.xml (-nd): INVITE with timer A
#              at T1 = 100 ms (retrans="100"): 6 copies over 3.1 s, then it gives up
#   127.0.0.81 sipp, uas_silent.xml: takes the INVITE, never answers
# Real timers (T1 500 ms, timer B 32 s) would make the test last 32 s; the pattern is the
# same with a smaller T1, and the rule needs no more than "retransmitted, never answered".
# Expected findings, exactly: no-response (error): the first and the last INVITE copy.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 6 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_noresponse 60

P=$(live_port) || live_fail "no free port"
live_log "caller 127.0.0.80:$P, silent host 127.0.0.81:$P"
live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_uas silent 127.0.0.81 "$P" "$DSC/uas_silent.xml" -m 1
# the call fails by its timeout: sipp exits 1
diag_uac caller 127.0.0.80 "$P" "$DSC/uac_noresponse.xml" "127.0.0.81:$P" -s bob -m 1 -nd
diag_ok caller 1 $?
live_wait silent
rc=$?
[ $rc -le 1 ] || live_fail "silent sipp failed (exit $rc): $(tail -n 15 "$W/silent.out")"
live_tcpdump_stop cap

diag_analyse
ours=$W/cap.ours.tsv
live_expect "INVITE copies" 6 "$(live_rows "$ours" '$8 == "INVITE"')"
live_expect "responses" 0 "$(live_rows "$ours" '$9 != ""')"
live_expect "other requests" 0 "$(live_rows "$ours" '$8 != "" && $8 != "INVITE"')"
diag_row first '$8 == "INVITE"'
diag_last last '$8 == "INVITE"'
diag_want no-response error "$first" "$last"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
