#!/bin/sh
# shellcheck disable=SC2016  # awk and python programs in single quotes
# live_split.sh - `sipwhy live --split-dir`: one pcap per call, SIP and RTP, checked
# against a tcpdump recording of the same traffic.
#
# In a private network namespace: three sipp calls with RTP (the tones of audio.sh:
# PCMU, PCMA, and G.729 payload), 127.0.0.90 -> .91/.92/.93, while
#   tcpdump                                   records lo        -> cap.pcap
#   sipwhy live -i lo --split-dir split/      (stopped by SIGINT once the calls are done)
# Checks:
#   - three files, named YYYYmmdd-HHMMSS-callN-CALLID.pcap, one per Call-ID of the test;
#   - each holds exactly its call's SIP messages, in order (method, status, CSeq, from
#     and to address:port), as `sipwhy history` reads them from tcpdump's capture;
#   - each holds its call's RTP: the same streams (SSRC, addresses, ports) with the same
#     packet counts as `sipwhy rtp` finds in tcpdump's capture, and the same payload bytes;
#   - tshark reads every file, and finds no bad IP/UDP checksum;
#   - the summary on stderr counts the files and packets; a --split-dir that is a file
#     is refused with exit status 2.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 15 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup live_split 92
live_need sox tshark
. "$LIVE_SCEN/audio/lib_audio.sh"
audio_scenarios

UAC=127.0.0.90
P=$(live_port) || live_fail "no free port"
live_log "caller $UAC:$P, called parties 127.0.0.91-93:$P"
mkdir -p "$W/split"
live_tcpdump_start cap "$NS" lo "udp and net 127.0.0.0/8"
live_bg live "$NS" 60 "$SIPWHY" live -i lo --show calls --split-dir "$W/split" udp
sleep 1 # the interface is open by then (live_cmd.sh does the same)
audio_calls "$P"
sleep 0.5
live_tcpdump_stop cap
eval "p=\$LIVE_PID_live"
kill -INT "$p" 2>/dev/null
live_wait live
rc=$?
[ $rc -eq 0 ] || live_fail "sipwhy live exited $rc after SIGINT: $(cat "$W/live.err")"
live_log "live: $(cat "$W/live.err")"

"$SIPWHY" history -f json "$W/cap.pcap" >"$W/ref.json" 2>"$W/ref.err" ||
    live_fail "sipwhy history of tcpdump's capture failed: $(cat "$W/ref.err")"
"$SIPWHY" rtp -f json "$W/cap.pcap" >"$W/ref.rtp.json" 2>"$W/ref.rtp.err"
ids=$(python3 -c 'import json,sys
seen = []
for l in open(sys.argv[1]):
    c = json.loads(l)["call_id"]
    if c not in seen:
        seen.append(c)
print(" ".join(seen))' "$W/ref.json")
live_expect "tcpdump's capture has the three calls" 3 "$(echo "$ids" | wc -w | tr -d ' ')"
live_expect "three files in the split directory" 3 "$(find "$W/split" -name '*.pcap' | wc -l | tr -d ' ')"
live_expect "no partial file left" 0 "$(find "$W/split" -name '*.part' | wc -l | tr -d ' ')"
live_expect "the summary counts the files" 1 "$(grep -c 'split-dir .*: 3 call files' "$W/live.err")"

n=0
for id in $ids; do
    n=$((n + 1))
    safe=$(printf '%s' "$id" | tr -c 'A-Za-z0-9._@-' '_')
    f=$(find "$W/split" -name "*-call*-$safe.pcap" | head -n 1)
    if [ -z "$f" ]; then
        live_expect "a file for Call-ID $id" yes "no: $(ls "$W/split")"
        continue
    fi
    base=$(basename "$f")
    live_expect "call $n: file name is YYYYmmdd-HHMMSS-callN-CALLID.pcap" yes \
        "$(echo "$base" | grep -Eq '^[0-9]{8}-[0-9]{6}-call[0-9]+-' && echo yes || echo "no: $base")"
    "$SIPWHY" history -f json "$f" >"$W/f$n.json" 2>"$W/f$n.err" ||
        live_fail "sipwhy history $base failed: $(cat "$W/f$n.err")"
    # SIP: the same messages of this call, in order, between the same addresses
    live_expect "call $n: its SIP messages, as tcpdump saw them" same "$(python3 -c '
import json, sys
def rows(path, cid):
    out = []
    for l in open(path):
        o = json.loads(l)
        if o["call_id"] == cid:
            out.append((o["method"], o["status"], o["cseq_seq"], o["cseq_method"],
                        o["src_ip"], o["src_port"], o["dst_ip"], o["dst_port"], o["transport"]))
    return out
a, b = rows(sys.argv[1], sys.argv[3]), rows(sys.argv[2], sys.argv[3])
other = [json.loads(l)["call_id"] for l in open(sys.argv[2])]
print("same" if a == b and a and set(other) == {sys.argv[3]} else "differ: %d vs %d messages, %r" % (len(a), len(b), set(other)))
' "$W/ref.json" "$W/f$n.json" "$id")"
    # RTP: the same streams with the same packet counts
    "$SIPWHY" rtp -f json "$f" >"$W/f$n.rtp.json" 2>"$W/f$n.rtp.err"
    live_expect "call $n: its RTP streams and packets, as tcpdump saw them" same "$(python3 -c '
import json, sys
def streams(path, cid):
    out = set()
    for l in open(path):
        o = json.loads(l)
        if o.get("call_id") == cid:
            out.add((o["ssrc"], o["src_ip"], o["src_port"], o["dst_ip"], o["dst_port"], o["packets"]))
    return out
a, b = streams(sys.argv[1], sys.argv[3]), streams(sys.argv[2], sys.argv[3])
print("same" if a == b and len(a) == 2 else "differ: %r vs %r" % (sorted(a), sorted(b)))
' "$W/ref.rtp.json" "$W/f$n.rtp.json" "$id")"
    # tshark: the file reads, checksums are right, the RTP payload bytes are tcpdump's
    tshark -n -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y 'ip.checksum.status == 0 || udp.checksum.status == 0' -T fields -e frame.number \
        >"$W/f$n.bad" 2>"$W/f$n.tshark.err"
    live_expect "call $n: tshark reads the file, no bad checksum" "0 0" \
        "$? $(wc -l <"$W/f$n.bad" | tr -d ' ')"
    ports=$(python3 -c 'import json,sys
ps = set()
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("call_id") == sys.argv[2]:
        ps.add(o["dst_port"])
print(" or ".join("udp.dstport == %d" % p for p in sorted(ps)))' "$W/ref.rtp.json" "$id")
    for x in cap "f$n"; do
        src=$W/$x.pcap
        [ "$x" = cap ] || src=$f
        tshark -n -r "$src" -Y "$ports" -T fields -e udp.srcport -e udp.dstport -e udp.payload \
            2>/dev/null | md5sum >"$W/$x.payload.md5"
    done
    live_expect "call $n: RTP payload bytes identical to tcpdump's" yes \
        "$(cmp -s "$W/cap.payload.md5" "$W/f$n.payload.md5" && echo yes || echo no)"
done
live_expect_done "the per-call files"

: >"$W/notadir"
"$SIPWHY" live -i lo --split-dir "$W/notadir" >/dev/null 2>"$W/notadir.err"
live_expect "--split-dir naming a file: exit status 2" 2 "$?"
live_expect "--split-dir naming a file: says so" 1 "$(grep -c 'not a directory' "$W/notadir.err")"
live_expect_done "bad --split-dir"
live_log "PASS ($(live_elapsed) s)"
exit 0
