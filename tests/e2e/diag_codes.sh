#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_codes.sh - the response-code, codec, missing-ACK and message-size rules of `sipwhy
# diagnose` (rule_codes, rule_codec, rule_missing_ack) on a capture of calls made here
# by sipp and two chained kamailio proxies, recorded with tcpdump on lo.
#
# Peers (UDP, random ports P and P2, in a private network namespace when we may make one):
#   127.0.0.90:P  sipp caller (scenarios/diag/uac_fail.xml, uac_big_invite.xml), one run
#                 per call; each called party refuses with uas_fail_<code>.xml
#                 (INVITE, 100, final, ACK):
#     .91  400 Bad Request              -> malformed-message (error): INVITE, 400
#     .92  404 Not Found                -> call-rejected (warning): INVITE, 404
#     .93  408 Request Timeout          -> request-timeout (error): INVITE, 408
#     .94  422 Session Interval Too Small, Min-SE -> session-timer (warning): INVITE, 422
#     .95  482 Loop Detected            -> loop-detected (error): INVITE, 482
#     .96  488 Not Acceptable Here      -> codec-mismatch (error): INVITE, 488
#     .97  503 Service Unavailable, Retry-After: 60 -> server-overload (error): INVITE, 503
#   127.0.0.91:P2 and 127.0.0.92:P2  kamailio A and B (scenarios/diag/kamailio.cfg; A
#                 relays to B): INVITE with Max-Forwards: 1 to A, A relays it with 0,
#                 B answers 483, A relays the 483, ACKs on both hops
#                 -> too-many-hops (error): both INVITEs and both 483s
#   127.0.0.90:P2 -> 127.0.0.98  uac_noack_bye.xml / uas_noack_bye.xml: INVITE 180 200,
#                 no ACK, 200 resent at 0.5 and 1.5 s, BYE from the callee at 2.2 s, 200
#                 (runs in the background while the other calls go on)
#                 -> missing-ack (error): first 200, last 200, BYE
#   127.0.0.99  calls/uas_answer.xml: an answered call whose INVITE is ~1.7 KB over UDP
#                 -> udp-message-too-large (warning): that INVITE
#   127.0.0.90:P3 -> 127.0.0.100  uac_session_timer.xml / uas_session_timer.xml: INVITE
#                 with Session-Expires: 6, 200 with Session-Expires: 6;refresher=uac, ACK,
#                 no refresh, BYE from the callee 4 s later, 200 (in the background)
#                 -> session-timer (error): the 200, the BYE
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 7 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_codes 60
live_need kamailio

UAC=127.0.0.90
P=$(live_port) || live_fail "no free port"
P2=$(live_port) || live_fail "no free port"
[ "$P" != "$P2" ] || P2=$((P + 1))
P3=$((P2 + 1))
[ "$P3" != "$P" ] || P3=$((P2 + 2))
live_log "caller $UAC:$P, called parties 127.0.0.91-99:$P, kamailio A/B 127.0.0.91/92:$P2"
sed "s|@NEXT@|sip:127.0.0.92:$P2|" "$DSC/kamailio.cfg" >"$W/kam_a.cfg"
sed "s|@NEXT@|sip:127.0.0.93:$P|" "$DSC/kamailio.cfg" >"$W/kam_b.cfg"

live_tcpdump_start cap "$NS" lo "udp and (port $P or port $P2) and net 127.0.0.0/8"
diag_kamailio kam_a "$W/kam_a.cfg" 127.0.0.91 "$P2"
diag_kamailio kam_b "$W/kam_b.cfg" 127.0.0.92 "$P2"
CODES="400 404 408 422 482 488 503"
a=91
for c in $CODES; do
    diag_uas "uas_$c" "127.0.0.$a" "$P" "$DSC/uas_fail_$c.xml" -m 1
    a=$((a + 1))
done
diag_uas uas_noack 127.0.0.98 "$P" "$DSC/uas_noack_bye.xml" -m 1 -s bob
diag_uas uas_big 127.0.0.99 "$P" "$CSC/uas_answer.xml" -m 1
diag_uas uas_st 127.0.0.100 "$P" "$DSC/uas_session_timer.xml" -m 1 -s bob

live_bg noack "$NS" 20 sipp -sf "$DSC/uac_noack_bye.xml" -s bob -i "$UAC" -p "$P2" -m 1 -nostdin \
    "127.0.0.98:$P"
live_bg st "$NS" 20 sipp -sf "$DSC/uac_session_timer.xml" -s bob -i "$UAC" -p "$P3" -m 1 -nostdin \
    "127.0.0.100:$P"
a=91
for c in $CODES; do
    diag_uac "call_$c" "$UAC" "$P" "$DSC/uac_fail.xml" "127.0.0.$a:$P" -s "u$c" -m 1 -key maxfwd 70
    diag_ok "call_$c" 0 $?
    a=$((a + 1))
done
diag_uac hops "$UAC" "$P" "$DSC/uac_fail.xml" "127.0.0.91:$P2" -s far -m 1 -key maxfwd 1
diag_ok hops 0 $?
diag_uac big "$UAC" "$P" "$DSC/uac_big_invite.xml" "127.0.0.99:$P" -s bob -m 1
diag_ok big 0 $?
live_wait noack
diag_ok noack 0 $?
live_wait st
diag_ok st 0 $?
for u in $CODES noack big st; do
    live_wait "uas_$u"
    rc=$?
    # uas_noack gives up waiting for the ACK (ontimeout): sipp may count a failed call
    [ $rc -le 1 ] || live_fail "sipp UAS '$u' failed (exit $rc): $(tail -n 15 "$W/uas_$u.out")"
done
live_tcpdump_stop cap
kill "$LIVE_PID_kam_a" "$LIVE_PID_kam_b" 2>/dev/null

diag_analyse
# history columns: 3 src 4 sport 5 dst 6 dport 8 method 9 status 12 cseq_method 13 retrans
want_call() { # ID SEVERITY CODE ADDRESS
    diag_row inv '$8 == "INVITE" && $5 == a' a="$4"
    diag_row fin '$9 == c && $3 == a' c="$3" a="$4"
    diag_want "$1" "$2" "$inv" "$fin"
}
want_call malformed-message error 400 127.0.0.91
want_call call-rejected warning 404 127.0.0.92
want_call request-timeout error 408 127.0.0.93
want_call session-timer warning 422 127.0.0.94
want_call loop-detected error 482 127.0.0.95
want_call codec-mismatch error 488 127.0.0.96
want_call server-overload error 503 127.0.0.97

# too-many-hops: hop 1 caller -> A, hop 2 A -> B
diag_row inv1 '$8 == "INVITE" && $3 == u && $5 == "127.0.0.91" && $6 == p' u=$UAC p="$P2"
diag_row inv2 '$8 == "INVITE" && $3 == "127.0.0.91" && $5 == "127.0.0.92"'
diag_row r483b '$9 == 483 && $3 == "127.0.0.92"'
diag_row r483a '$9 == 483 && $3 == "127.0.0.91" && $5 == u' u=$UAC
live_expect "too-many-hops: hop 2 INVITE after hop 1" yes "$([ "$inv1" -lt "$inv2" ] && echo yes || echo no)"
diag_want too-many-hops error "$inv1" "$r483a" "$inv2" "$r483b"

# missing-ack: the callee's 200 copies, its BYE
diag_row ok1 '$9 == 200 && $12 == "INVITE" && $3 == "127.0.0.98"'
diag_last okn '$9 == 200 && $12 == "INVITE" && $3 == "127.0.0.98"'
diag_row bye '$8 == "BYE" && $3 == "127.0.0.98"'
live_expect "missing-ack: copies of the 200" 3 \
    "$(live_rows "$W/cap.ours.tsv" '$9 == 200 && $12 == "INVITE" && $3 == "127.0.0.98"')"
live_expect "missing-ack: ACKs to the callee" 0 "$(live_rows "$W/cap.ours.tsv" '$8 == "ACK" && $5 == "127.0.0.98"')"
diag_want missing-ack error "$ok1" "$okn" "$bye"

# udp-message-too-large: the big INVITE (not its size: sipwhy's history has no length)
diag_row big_inv '$8 == "INVITE" && $5 == "127.0.0.99" && $13 == 0'
diag_want udp-message-too-large warning "$big_inv"
# session-timer (expiry): the callee's 200 that set the interval, its BYE
diag_row st_ok '$9 == 200 && $12 == "INVITE" && $3 == "127.0.0.100"'
diag_row st_bye '$8 == "BYE" && $3 == "127.0.0.100"'
diag_want session-timer error "$st_ok" "$st_bye"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
