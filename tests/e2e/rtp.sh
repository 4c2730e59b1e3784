#!/bin/sh
# rtp.sh - `sipwhy rtp` against tshark (-z rtp,streams) on every public capture with RTP:
# the same streams (source, destination, SSRC), equal packets and lost, mean and max
# jitter and max delta within 0.1 ms or 2 % (tests/e2e/rtp_tshark.py; the explained
# differences are listed there). Also the formats and errors of the command.
# Environment: SIPWHY, SW_SHARED. Exit: 0 pass, 1 fail, 77 skip (no tshark or corpus).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
SW_SHARED=${SW_SHARED:-$root/../shared}
corpus=$SW_SHARED/corpus/public
command -v python3 >/dev/null 2>&1 || { echo "rtp: skipped: python3 not found"; exit 77; }
fail=0
# formats: one TSV row and one JSON object per stream, the same streams
f=$corpus/realjimmy_sample-captures__sip-rtp-g726.pcap
if [ -f "$f" ]; then
    t=$("$SIPWHY" rtp -f tsv "$f" | tail -n +2 | wc -l)
    j=$("$SIPWHY" rtp -f json "$f" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)))')
    x=$("$SIPWHY" rtp "$f" | grep -c ' -> ')
    if [ "$t" = 8 ] && [ "$j" = 8 ] && [ "$x" = 8 ]; then echo "ok   formats: 8 streams in text, tsv and json"
    else echo "FAIL formats: text $x, tsv $t, json $j streams (want 8)"; fail=1; fi
    n=$("$SIPWHY" rtp -f tsv "$f" where sip.msg.call-id = nosuch | tail -n +2 | wc -l)
    [ "$n" = 0 ] && echo "ok   where: no call selected, no stream" || { echo "FAIL where: $n streams"; fail=1; }
fi
"$SIPWHY" rtp -f xml "$f" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && echo "ok   bad format refused" || { echo "FAIL bad format: exit $rc"; fail=1; }
"$SIPWHY" rtp >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && echo "ok   no input refused" || { echo "FAIL no input: exit $rc"; fail=1; }
if ! command -v tshark >/dev/null 2>&1 || [ ! -d "$corpus" ]; then
    echo "rtp: tshark comparison skipped (no tshark or no corpus)"
    exit $fail
fi
caps=$(ls "$corpus"/*.pcap "$corpus"/*.pcapng "$corpus"/*.pcap.gz 2>/dev/null)
# shellcheck disable=SC2086
python3 "$root/tests/e2e/rtp_tshark.py" "$SIPWHY" $caps | grep -v '^skip' || fail=1
echo "rtp: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
