#!/bin/sh
# shellcheck disable=SC2016,SC2154  # awk conditions in single quotes; variables set by eval
# diag_media.sh - the media rules of `sipwhy diagnose` (rule_media: one-way-audio,
# no-media) on calls made here by sipp, which sends real RTP with play_pcap_audio (sipp's
# own g711a.pcap, PCMA), recorded with tcpdump on lo (SIP and the RTP).
#
#   call 1  127.0.0.70 -> .71  both sides play audio           -> nothing to report
#   call 2  127.0.0.70 -> .72  only the caller plays audio     -> one-way-audio (error):
#                              the INVITE (offer), the 200 (answer), the BYE
#   call 3  127.0.0.70 -> .73  nobody sends RTP                -> no-media (error): same
#   call 4  127.0.0.70 -> .74  the callee announces 192.168.1.20:7078 (a NAT that did not
#                              fix its SDP) and sends audio from 127.0.0.74; the caller
#                              sends nothing -> one-way-audio (error, naming the private
#                              address): INVITE, 200, BYE; media-address-mismatch
#                              (warning: the announced address is private): the 200
# Each call lasts about 3 s (answer to BYE); the RTP of call 1 and 2 shows that the
# capture records media, which the rules require before they say anything.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 12 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup diag_media 60
AUDIO=/usr/share/sip-tester/g711a.pcap
[ -r "$AUDIO" ] || live_skip "sipp's $AUDIO is missing (package sip-tester)"

UAC=127.0.0.70
P=$(live_port) || live_fail "no free port"
live_log "caller $UAC:$P, called parties 127.0.0.71-73:$P"
live_tcpdump_start cap "$NS" lo "udp and net 127.0.0.0/8"
diag_uas uas_two 127.0.0.71 "$P" "$DSC/uas_media.xml" -m 1 -mp 31000
diag_uas uas_one 127.0.0.72 "$P" "$DSC/uas_mute.xml" -m 1 -mp 32000
diag_uas uas_none 127.0.0.73 "$P" "$DSC/uas_mute.xml" -m 1 -mp 33000
diag_uas uas_nat 127.0.0.74 "$P" "$DSC/uas_nat.xml" -m 1 -mp 34000
diag_uac two "$UAC" "$P" "$DSC/uac_media.xml" "127.0.0.71:$P" -s two -m 1 -mp 21000
diag_ok two 0 $?
diag_uac one "$UAC" "$P" "$DSC/uac_media.xml" "127.0.0.72:$P" -s one -m 1 -mp 22000
diag_ok one 0 $?
diag_uac none "$UAC" "$P" "$DSC/uac_mute.xml" "127.0.0.73:$P" -s none -m 1 -mp 23000
diag_ok none 0 $?
diag_uac nat "$UAC" "$P" "$DSC/uac_mute.xml" "127.0.0.74:$P" -s nat -m 1 -mp 24000
diag_ok nat 0 $?
for u in two one none nat; do
    live_wait "uas_$u" || live_fail "sipp UAS '$u' failed: $(tail -n 15 "$W/uas_$u.out")"
done
sleep 0.5
live_tcpdump_stop cap

diag_analyse
live_expect "RTP packets in the capture (both directions of call 1, one of call 2 and 4)" yes \
    "$("$SIPWHY" rtp -f tsv "$W/cap.pcap" | awk -F '\t' 'NR > 1 { n++; p += $13 } END { print (n == 4 && p > 400) ? "yes" : "no: " n " streams, " p " packets" }')"
live_expect_done "the capture"
# history columns: 3 src 5 dst 8 method 9 status 12 cseq_method
for c in one:72 none:73 nat:74; do
    id=${c%%:*}
    a=127.0.0.${c#*:}
    diag_row inv '$8 == "INVITE" && $5 == a' a="$a"
    diag_row ok '$9 == 200 && $12 == "INVITE" && $3 == a' a="$a"
    diag_row bye '$8 == "BYE" && $5 == a' a="$a"
    case $id in
    one) diag_want one-way-audio error "$inv" "$ok" "$bye" ;;
    none) diag_want no-media error "$inv" "$ok" "$bye" ;;
    nat)
        diag_want one-way-audio error "$inv" "$ok" "$bye"
        diag_want media-address-mismatch warning "$ok"
        ;;
    esac
done
diag_check "sipwhy diagnose"
live_expect "one-way-audio names the private address of the NAT case" yes \
    "$(grep -q 'private address 192.168.1.20:7078' "$DIAG_JSON" && echo yes || echo no)"
live_expect_done "the NAT case"
live_log "PASS ($(live_elapsed) s)"
exit 0
