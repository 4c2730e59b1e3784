#!/usr/bin/env python3
"""tshark_msgs.py CAPTURE GT.tsv > GTM.tsv - tshark's ground truth, one row per SIP message.

tests/e2e/tshark_gt.sh prints one row per frame with the fields of the frame's *first*
SIP message (-E occurrence=f), the format of the public corpus. A TCP segment that
carries several SIP messages (coalesced) therefore shows only the first one, while
`sipwhy history` lists each message. This script keeps every row of GT.tsv and, for
frames where tshark dissected more than one SIP message, adds one row per further
message, right after it, with the same frame number, time, addresses, ports and
transport, and the SIP fields of that message. The per-message fields come from tshark
itself: `tshark -T pdml -Y sip` on the same capture, one <proto name="sip"> element per
message, first occurrence of each field inside it.

Same environment as tshark_gt.sh (e.g. WIRESHARK_CONFIG_DIR with preferences), so both
see the same dissection. As a consistency check the first message of every frame in
the PDML must have the fields of GT.tsv's row; otherwise exit 2.
Exit status: 0 ok, 2 usage error, tshark failure or inconsistency.
"""
import subprocess
import sys
import xml.etree.ElementTree as ET

FIELDS = ['sip.Method', 'sip.Status-Code', 'sip.Call-ID', 'sip.CSeq.seq', 'sip.CSeq.method']


def first(proto, name):
    for f in proto.iter('field'):
        if f.get('name') == name:
            return f.get('show', '')
    return ''


def main():
    if len(sys.argv) != 3:
        print('usage: tshark_msgs.py CAPTURE GT.tsv', file=sys.stderr)
        return 2
    cap, gt = sys.argv[1], sys.argv[2]
    p = subprocess.run(['tshark', '-n', '-r', cap, '-Y', 'sip', '-T', 'pdml'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode('utf-8', 'replace'))
        return 2
    msgs = {}                                   # frame number -> [field tuple per message]
    root = ET.fromstring(p.stdout)
    for pkt in root.iter('packet'):
        num = ''
        for proto in pkt.iter('proto'):
            if proto.get('name') == 'geninfo':
                num = first(proto, 'num')
                break
        msgs[num] = [tuple(first(pr, f) for f in FIELDS)
                     for pr in pkt.iter('proto') if pr.get('name') == 'sip']
    with open(gt, 'rb') as f:
        lines = f.read().decode('utf-8', 'replace').split('\n')
    out = sys.stdout
    out.write(lines[0] + '\n')
    for line in lines[1:]:
        if not line:
            continue
        c = line.split('\t')
        m = msgs.get(c[0])
        if m is None:
            print('tshark_msgs.py: frame %s of %s not in the PDML' % (c[0], gt), file=sys.stderr)
            return 2
        if len(m) > 1:
            # With several messages, occurrence=f takes each field from the first message
            # that has it, e.g. a response's (empty) Method comes from a later request.
            want = tuple(next((x[i] for x in m if x[i] != ''), '') for i in range(len(FIELDS)))
            if tuple(c[7:12]) != want:
                print('tshark_msgs.py: frame %s: GT row %r, PDML messages %r'
                      % (c[0], c[7:12], m), file=sys.stderr)
                return 2
            for x in m:
                out.write('\t'.join(c[:7] + list(x)) + '\n')
            continue
        if m and tuple(c[7:12]) != m[0]:
            print('tshark_msgs.py: frame %s: GT row %r, PDML %r' % (c[0], c[7:12], m[0]),
                  file=sys.stderr)
            return 2
        out.write(line + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
