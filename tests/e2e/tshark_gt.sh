#!/bin/sh
# tshark_gt.sh CAPTURE - print tshark's ground truth for CAPTURE as TSV.
#
# Output format and tshark command are those of shared/corpus/public/SOURCES.md, so the
# output for a corpus capture is byte-identical to its committed CAPTURE.tshark.tsv:
# a header line, then one row per frame tshark marks as SIP (-Y sip), in frame order:
#   frame.number frame.time_epoch src srcport dst dstport transport
#   sip.Method sip.Status-Code sip.Call-ID sip.CSeq.seq sip.CSeq.method
# Addresses and ports come from the innermost IP / transport header (custom columns with
# occurrence -1), transport is the layer just below sip in frame.protocols (udp, tcp,
# sctp, or tls / ws / wss above them). SIP fields are the first occurrence in the frame.
#
# Not meant for the corpus test itself (that one reads the committed .tsv files and never
# runs tshark); used to build ground truth for captures made by other tests.
# Exit status: 0 ok (also for a damaged capture tshark read part of; its warning is
# passed through on stderr), 2 usage error or tshark read nothing and failed.
#
# Without an argument (as scripts/run-e2e.sh runs every tests/e2e/*.sh) it tests itself:
# its output must be byte-identical to the committed ground truth of a few corpus
# captures chosen for their tricky columns (GTP-U tunnel with inner IPv6 over TCP and UDP,
# SIP quoted in ICMP, IPv6 fragments, a capture cut short). Exit 77 (skip) without tshark
# or the corpus.
set -u
if [ $# -eq 0 ]; then
    root=$(cd "$(dirname "$0")/../.." && pwd)
    corpus=${SW_SHARED:-$root/../shared}/corpus/public
    command -v tshark >/dev/null 2>&1 || { echo "tshark_gt: skipped: tshark not installed"; exit 77; }
    [ -d "$corpus" ] || { echo "tshark_gt: skipped: $corpus not found"; exit 77; }
    bad=0
    for f in arkime_arkime__gtp-iphone.pcap goffinet_sip_captures__private-test-sip.pcapng \
             irontec_sngrep__ipv6frag.pcap slytechs-repos_jnetpcap-legacy__tc_TC_IDPRE_EXT0140.pcap; do
        if sh "$0" "$corpus/$f" 2>/dev/null | cmp -s - "$corpus/$f.tshark.tsv"; then
            echo "ok   tshark_gt.sh $f reproduces $f.tshark.tsv"
        else
            echo "FAIL tshark_gt.sh $f differs from $f.tshark.tsv (tshark version: $(tshark -v 2>/dev/null | head -n 1))"
            bad=1
        fi
    done
    exit $bad
fi
if [ $# -ne 1 ]; then
    echo "usage: tshark_gt.sh CAPTURE" >&2
    exit 2
fi
cap=$1
[ -r "$cap" ] || { echo "tshark_gt.sh: error: $cap: cannot read" >&2; exit 2; }
command -v tshark >/dev/null 2>&1 || { echo "tshark_gt.sh: error: tshark not found" >&2; exit 2; }

# Innermost-header columns: name and custom-column definition ("%Cus:FIELD:-1:U" is the
# last occurrence of FIELD, unresolved). Order matters: the reshaping below relies on it.
inner="ip.src ipv6.src ip.dst ipv6.dst udp.srcport udp.dstport tcp.srcport tcp.dstport sctp.srcport sctp.dstport"
colfmt=""
colargs=""
for c in $inner; do
    colfmt="$colfmt${colfmt:+,}\"$c\",\"%Cus:$c:-1:U\""
    colargs="$colargs -e _ws.col.$c"
done

tmp=$(mktemp) || exit 2
err=$(mktemp) || { rm -f "$tmp"; exit 2; }
trap 'rm -f "$tmp" "$err"' EXIT INT TERM
# shellcheck disable=SC2086  # colargs is a list of words on purpose
tshark -n -r "$cap" -Y sip -T fields -E header=n -E separator=/t -E occurrence=f \
    -o "gui.column.format:$colfmt" \
    -e frame.number -e frame.time_epoch -e frame.protocols \
    -e sip.Method -e sip.Status-Code -e sip.Call-ID -e sip.CSeq.seq -e sip.CSeq.method \
    $colargs >"$tmp" 2>"$err"
rc=$?
# tshark's warning about running as root is noise for callers; pass on anything else.
grep -v '^Running as user "root"' "$err" >&2
# A damaged capture (e.g. "cut short in the middle of a packet") makes tshark exit
# non-zero after printing every frame before the damage: those rows are still the
# ground truth (one corpus capture is such a file). Fail only when nothing was read.
[ $rc -eq 0 ] || [ -s "$tmp" ] || exit 2

# shellcheck disable=SC2086  # inner is a list of column names on purpose
python3 - "$tmp" $inner <<'EOF'
import sys

raw_path, inner = sys.argv[1], sys.argv[2:]
out = sys.stdout
out.write('frame.number\tframe.time_epoch\tsrc\tsrcport\tdst\tdstport\ttransport\t'
          'sip.Method\tsip.Status-Code\tsip.Call-ID\tsip.CSeq.seq\tsip.CSeq.method\n')
with open(raw_path, 'rb') as f:
    text = f.read().decode('utf-8', 'replace')
for line in text.split('\n'):
    if line == '':
        continue
    cells = line.split('\t')
    number, epoch, protocols = cells[0], cells[1], cells[2]
    sip_cells = cells[3:8]                     # Method, Status, Call-ID, CSeq seq, method
    col = dict(zip(inner, cells[8:]))
    layers = protocols.split(':')
    # Everything below the last "sip" layer (a frame without one keeps all layers).
    below = layers[:len(layers) - layers[::-1].index('sip') - 1] if 'sip' in layers else layers
    net = ''
    for layer in reversed(below):
        if layer in ('ip', 'ipv6'):
            net = layer
            break
    trans = ''
    for layer in reversed(below):
        if layer in ('udp', 'tcp', 'sctp'):
            trans = layer
            break
    fam = 'ipv6' if net == 'ipv6' else 'ip'
    src, dst = col.get(fam + '.src', ''), col.get(fam + '.dst', '')
    sport = col.get(trans + '.srcport', '') if trans else ''
    dport = col.get(trans + '.dstport', '') if trans else ''
    # Security / framing layers between the transport and sip name the SIP transport.
    above = below[below.index(trans) + 1:] if trans in below else []
    kind = trans
    if 'websocket' in above:
        kind = 'wss' if 'tls' in above else 'ws'
    elif 'tls' in above:
        kind = 'tls'
    out.write('\t'.join([number, epoch, src, sport, dst, dport, kind] + sip_cells) + '\n')
EOF
