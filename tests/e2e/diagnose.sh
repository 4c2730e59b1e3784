#!/bin/sh
# diagnose.sh - end-to-end checks of `sipwhy [diagnose]`:
#   - the 481-on-transfer example (the seed's question): exactly one finding,
#     its id, severity and evidence numbers, the linked conversation;
#   - known problems in public captures: the finding id and evidence numbers;
#   - clean public captures: no error or warning finding at all;
#   - exit status (1 only when an error is found), JSON validity, Russian text.
# Exit: 0 pass, 1 fail, 77 skipped (corpus missing).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
SW_SHARED=${SW_SHARED:-$root/../shared}
C=$SW_SHARED/corpus/public
[ -d "$C" ] || { echo "diagnose: skipped: $C not found"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass+1)); echo "ok   $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1"; }

# ids_evidence FILE -> lines "severity id ev1,ev2,..." from the JSON report
summary() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["findings"]:
    print(f["severity"], f["id"], ",".join(str(e["number"]) for e in f["evidence"]))
' "$1"
}

# 1. The 481-on-transfer example.
"$SIPWHY" -f json "$root/examples/481-on-transfer.pcap" > "$tmp/x.json"; rc=$?
[ $rc -eq 0 ] && ok "481 example: exit 0 (no error)" || bad "481 example: exit $rc"
got=$(summary "$tmp/x.json")
[ "$got" = "info 481-notify-after-subscription-ended 5,7,13,14" ] \
    && ok "481 example: the one finding, with REFER, BYE, NOTIFY and 481 as evidence" \
    || bad "481 example: got: $got"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
conv = d["summary"]["conversations"]
assert len(conv) == 1 and [c["index"] for c in conv[0]["calls"]] == [1, 2], conv
assert conv[0]["calls"][1]["link"] == "refer", conv
assert d["summary"]["calls_by_state"]["completed"] == 2
' "$tmp/x.json" && ok "481 example: both legs in one conversation, linked by REFER" \
    || bad "481 example: conversation summary"
"$SIPWHY" "$root/examples/481-on-transfer.pcap" --lang ru > "$tmp/ru.txt"
grep -q "NOTIFY получил 481" "$tmp/ru.txt" && grep -q "разговор 1" "$tmp/ru.txt" \
    && ok "481 example: Russian text" || bad "481 example: Russian text"
"$SIPWHY" -f json --lang ru "$root/examples/481-on-transfer.pcap" | python3 -m json.tool >/dev/null \
    && ok "481 example: Russian JSON is valid" || bad "481 example: Russian JSON"

# 2. Known problems in public captures: "file|expected summary line|exit".
while IFS='|' read -r file want code; do
    [ -n "$file" ] || continue
    "$SIPWHY" -f json "$C/$file" > "$tmp/y.json"; rc=$?
    got=$(summary "$tmp/y.json")
    if printf '%s\n' "$got" | grep -qx "$want" && [ "$rc" = "$code" ]; then
        ok "$file: $want (exit $rc)"
    else
        bad "$file: want '$want' exit $code; got exit $rc:"; printf '%s\n' "$got" | sed 's/^/       /'
    fi
done <<'LIST'
goffinet_sip_captures__sip-register-wrong_password-401-403-401-403.pcapng|error auth-wrong-credentials 3,4|1
goffinet_sip_captures__sip-488-Not-Acceptable-Here-codec-null.pcapng|error codec-mismatch 10,12|1
goffinet_sip_captures__Forensic_challenge_4.pcap|warning scanner-activity 1|0
ntop_nDPI__webex.pcap|error no-response 1,11,12,22|1
LIST

# 3. Clean captures: plain calls, normal registrations with one challenge.
for f in "$root/examples/two-calls-udp.pcap" \
    "$C/goffinet_sip_captures__SIP-Call-with-Proxy-Server.pcap" \
    "$C/goffinet_sip_captures__uac-uas-scenario-sipp.pcapng" \
    "$C/goffinet_sip_captures__sip-register.pcapng" \
    "$C/goffinet_sip_captures__sip-register-ok-unregister.pcapng" \
    "$C/goffinet_sip_captures__sip-2phones-B2BUA-Asterisk.pcapng" \
    "$C/goffinet_sip_captures__SIP-Call-Flow-Over-TCP.pcap" \
    "$C/realjimmy_sample-captures__sip-rtp-g711.pcap" \
    "$C/arkime_arkime__gtp-iphone.pcap" \
    "$C/OISF_suricata-verify__sip-tcp.pcap" \
    "$C/irontec_sngrep__ipip.pcap" \
    "$C/ntop_nDPI__gre.pcapng"; do
    "$SIPWHY" -f json "$f" > "$tmp/z.json"; rc=$?
    n=$(summary "$tmp/z.json" | grep -cE '^(error|warning) ')
    [ "$rc" = 0 ] && [ "$n" = 0 ] && ok "clean: ${f##*/}" \
        || { bad "clean: ${f##*/}: exit $rc, $n errors/warnings"; summary "$tmp/z.json" | sed 's/^/       /'; }
done

# 3b. A capture whose signalling is clean but whose media is not: in
# Asterisk_ZFONE_XLITE.pcap the stream 192.168.10.41:64508 -> 192.168.10.40:49848 loses
# 369 of 574 packets (64.3 %, as tshark -z rtp,streams says too): poor-quality, warning,
# and nothing else.
f="$C/realjimmy_sample-captures__Asterisk_ZFONE_XLITE.pcap"
if [ -f "$f" ]; then
    "$SIPWHY" -f json "$f" >"$tmp/z.json"
    got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join("%s/%s" % (x["id"], x["severity"]) for x in d["findings"] if x["severity"] != "info"))' "$tmp/z.json")
    case $got in
    "poor-quality/warning") grep -q '64.3 %' "$tmp/z.json" && ok "media: ${f##*/}: poor-quality, 64.3 % lost" \
        || bad "media: ${f##*/}: poor-quality without the 64.3 % loss" ;;
    *) bad "media: ${f##*/}: expected poor-quality/warning only, got '$got'" ;;
    esac
fi

# 4. Options and errors.
"$SIPWHY" --call 1 -f json "$root/examples/481-on-transfer.pcap" | python3 -c '
import json, sys; d = json.load(sys.stdin); assert len(d["findings"]) == 1' \
    && ok "--call 1 keeps call 1's finding" || bad "--call 1"
"$SIPWHY" --call 2 -f json "$root/examples/481-on-transfer.pcap" | python3 -c '
import json, sys; d = json.load(sys.stdin); assert len(d["findings"]) == 0' \
    && ok "--call 2 has none" || bad "--call 2"
"$SIPWHY" --call nosuch "$root/examples/481-on-transfer.pcap" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < "$tmp/e")" -eq 1 ] && grep -q "^sipwhy: error: " "$tmp/e" \
    && ok "--call unknown: exit 2, one error line" || bad "--call unknown: exit $rc"
"$SIPWHY" diagnose --format tsv "$root/examples/481-on-transfer.pcap" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "diagnose --format tsv refused" || bad "--format tsv: exit $rc"

echo "diagnose: $pass passed, $fail failed"
[ $fail -eq 0 ]
