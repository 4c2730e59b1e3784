#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_register.sh - the registration rule of `sipwhy diagnose` (rule_registration) on a
# capture of sipp clients and sipp registrars (scenarios/diag/uac_register.xml,
# uas_register_{200,403,423}.xml), recorded with tcpdump on lo.
#
# Peers (UDP, one random port P, in a private network namespace when we may make one):
#   127.0.0.88 -> 127.0.0.89  REGISTER Expires: 1 -> 200 (Contact ...;expires=1); the
#                 capture goes on 1.5 s more
#                 -> registration-expired (warning): the 200
#   127.0.0.84 -> 127.0.0.85  REGISTER -> 403 Forbidden (no credentials involved)
#                 -> registration-rejected (error): REGISTER, 403
#   127.0.0.86 -> 127.0.0.87  REGISTER Expires: 30 -> 423 Interval Too Brief,
#                 Min-Expires: 120
#                 -> registration-interval-too-brief (warning): REGISTER, 423; its cause
#                    names the 120 s
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 5 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_register 60

P=$(live_port) || live_fail "no free port"
live_log "clients 127.0.0.84/86/88, registrars 127.0.0.85/87/89, port $P"

live_tcpdump_start cap "$NS" lo "udp and port $P and net 127.0.0.0/8"
diag_uas uas_ok 127.0.0.89 "$P" "$DSC/uas_register_200.xml" -m 1 -key contact "127.0.0.88:$P"
diag_uas uas_403 127.0.0.85 "$P" "$DSC/uas_register_403.xml" -m 1
diag_uas uas_423 127.0.0.87 "$P" "$DSC/uas_register_423.xml" -m 1

diag_uac short 127.0.0.88 "$P" "$DSC/uac_register.xml" "127.0.0.89:$P" -s carol -m 1 -key expires 1
diag_ok short 0 $?
sleep 1.5 # the binding runs out while the capture goes on
diag_uac rejected 127.0.0.84 "$P" "$DSC/uac_register.xml" "127.0.0.85:$P" -s dave -m 1 -key expires 300
diag_ok rejected 0 $?
diag_uac brief 127.0.0.86 "$P" "$DSC/uac_register.xml" "127.0.0.87:$P" -s erin -m 1 -key expires 30
diag_ok brief 0 $?
for u in ok 403 423; do
    live_wait "uas_$u" || live_fail "sipp registrar '$u' failed (exit $?): $(tail -n 15 "$W/uas_$u.out")"
done
live_tcpdump_stop cap

diag_analyse
# history columns: 3 src 5 dst 8 method 9 status 12 cseq_method
diag_row ok_200 '$9 == 200 && $3 == "127.0.0.89"'
diag_want registration-expired warning "$ok_200"
diag_row rej_reg '$8 == "REGISTER" && $3 == "127.0.0.84"'
diag_row rej_403 '$9 == 403 && $3 == "127.0.0.85"'
diag_want registration-rejected error "$rej_reg" "$rej_403"
diag_row brief_reg '$8 == "REGISTER" && $3 == "127.0.0.86"'
diag_row brief_423 '$9 == 423 && $3 == "127.0.0.87"'
diag_want registration-interval-too-brief warning "$brief_reg" "$brief_423"
live_expect "registration-interval-too-brief: cause names Min-Expires 120" yes \
    "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("yes" if any(f["id"] == "registration-interval-too-brief" and "120" in f["cause"]
                   for f in d["findings"]) else "no")' "$DIAG_JSON")"
diag_check "sipwhy diagnose"
live_log "PASS ($(live_elapsed) s)"
exit 0
