#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes on purpose
# calls_example481.sh - the committed example examples/481-on-transfer.pcap (made by
# examples/make-481-on-transfer.sh with sipp, see there): does it still tell its story,
# and does sipwhy tell it right? Needs no root and records nothing.
#
# Checks:
#   - tshark (when installed): the story, message by message
#     (scenarios/calls/check_481_pcap.py), and `sipwhy history --format tsv` matches
#     tshark's message list (tsvdiff.py);
#   - `sipwhy history`: 16 messages, none marked as a retransmission;
#   - `sipwhy calls --format json`: 2 calls, both completed with final_code 200 (the 481
#     answers a NOTIFY, not the INVITE), 10 and 6 messages, one conversation, legs 2,
#     leg 2 linked_to leg 1 with link "refer";
#   - `sipwhy calls --all`: still 2 entries (REFER and NOTIFY are in leg 1's dialog);
#   - when `sipwhy flow --help` works: both ladders and the --linked one match the
#     message list;
#   - when `sipwhy diagnose --help` works: its JSON names the finding
#     481-notify-after-subscription-ended about call 1 and reports no error.
# Exit: 0 pass, 1 fail. Takes about 2 s.
. "$(dirname "$0")/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60} # whole-test bound (lib_live.sh's watchdog); it takes far less
live_init calls_example481
# SIPWHY may be a path relative to where we started: make it absolute (we work in $W)
case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
live_need python3 timeout
SC=$LIVE_SCEN/calls
CALLS_TSV=$SC/calls_tsv.py
PCAP=$LIVE_ROOT/examples/481-on-transfer.pcap
[ -r "$PCAP" ] || live_fail "$PCAP missing (make it with examples/make-481-on-transfer.sh)"
cp "$PCAP" "$W/x481.pcap" || exit 1

have_tshark=
if command -v tshark >/dev/null 2>&1; then
    have_tshark=1
    timeout 60 python3 "$SC/check_481_pcap.py" "$W/x481.pcap" >"$W/story.out" 2>&1
    rc=$?
    sed "s/^/$LIVE_NAME: tshark: /" "$W/story.out"
    [ $rc -eq 0 ] || live_fail "the example no longer tells its story (above)"
    live_ground_truth x481
else
    live_log "tshark not installed: the capture's content is checked through sipwhy only"
fi

live_sipwhy x481
ours=$W/x481.ours.tsv
gt=$ours
if [ -n "$have_tshark" ]; then
    live_diff x481
    gt=$W/x481.gtm.tsv
fi
live_expect "history: messages" 16 "$(live_rows "$ours" 1)"
live_expect "history: rows marked retrans" 0 "$(live_rows "$ours" '$13 != 0')"
live_expect "history: NOTIFY then 481 on leg 1, after leg 1's BYE" "BYE NOTIFY 481" \
    "$(awk -F '\t' '$10 == "xfer481-leg1@gw" && ($8 == "BYE" || $8 == "NOTIFY" || $9 == 481) { printf "%s%s", s, ($8 != "" ? $8 : $9); s = " " }' "$ours")"
live_expect_done "sipwhy history"

live__sipwhy_run "$W/calls.json" "$W/calls.err" calls --format json "$W/x481.pcap"
python3 "$CALLS_TSV" "$W/calls.json" index call_id kind state final_code ongoing messages \
    conversation legs linked_to link >"$W/calls.tsv" 2>"$W/calls_tsv.err" ||
    live_fail "calls --format json: $(cat "$W/calls_tsv.err")"
live_log "sipwhy calls:"
sed 's/^/    /' "$W/calls.tsv"
live_expect "calls" \
    "1 xfer481-leg1@gw INVITE completed 200 false 10 1 2 - -|2 xfer481-leg2@gw INVITE completed 200 false 6 1 2 1 refer" \
    "$(awk -F '\t' 'NR > 1 { $1 = $1; printf "%s%s", s, $0; s = "|" }' "$W/calls.tsv")"
live__sipwhy_run "$W/calls-all.json" "$W/calls-all.err" calls --all --format json "$W/x481.pcap"
live_expect "calls --all: entries" 2 "$(grep -c . "$W/calls-all.json")"
live_expect_done "sipwhy calls"

if "$SIPWHY" flow --help >/dev/null 2>&1; then
    {
        timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/x481.pcap" "$W/calls.json" "$ours" "$gt"
        timeout 60 python3 "$SC/check_flow.py" "$SIPWHY" "$W/x481.pcap" "$W/calls.json" "$ours" "$gt" --linked 2
    } | sed "s/^/$LIVE_NAME: /" | tee "$W/flow.check"
    grep -q 'NOT OK' "$W/flow.check" && live_fail "sipwhy flow disagrees with the message list (above)"
    [ "$(grep -c ': ok: flow' "$W/flow.check")" -eq 3 ] || live_fail "check_flow.py did not check 3 ladders"
else
    live_log "sipwhy has no flow command (yet): ladders not checked"
fi

if "$SIPWHY" diagnose --help >/dev/null 2>&1; then
    live__sipwhy_run "$W/diag.json" "$W/diag.err" diagnose --format json "$W/x481.pcap"
    live_expect "diagnose: finding 481-notify-after-subscription-ended about call 1, no errors" "yes 0" \
        "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d.get("findings", []) if x.get("id") == "481-notify-after-subscription-ended"]
ok = f and ("call #1" in json.dumps(f[0]) or f[0].get("call") in (1, "1"))
print("yes" if ok else "no", d.get("summary", {}).get("errors"))' "$W/diag.json" 2>&1)"
    live_expect_done "sipwhy diagnose"
else
    live_log "sipwhy has no diagnose command: finding not checked"
fi
live_log "PASS ($(live_elapsed) s)"
exit 0
