#!/usr/bin/env python3
"""tsvdiff.py GT.tsv OURS.tsv [--allow-file EXCEPTIONS --name NAME] [--max N] [-q]

Compares tshark's ground truth (tests/e2e/tshark_gt.sh output, or a corpus
CAPTURE.tshark.tsv) with `sipwhy history --format tsv` output, message by message.

GT columns:   frame.number frame.time_epoch src srcport dst dstport transport
              sip.Method sip.Status-Code sip.Call-ID sip.CSeq.seq sip.CSeq.method
OURS columns: number epoch src_ip src_port dst_ip dst_port transport
              method status call_id cseq_seq cseq_method
Both files start with a header line; columns are found by name, so extra columns on
either side are ignored.

Fields compared, after normalising both sides:
  epoch        as an integer count of microseconds; tshark's 9 decimals are truncated
               (never parsed as a float, so no rounding error)
  src_ip dst_ip as addresses (python ipaddress: '2001:db8::1' == '2001:0db8:0:0::1')
  src_port dst_port cseq_seq  as integers when both sides are integers
  transport    case-insensitive
  method status call_id cseq_method  exactly, as text: sipwhy's escapes (\\t \\n \\r
               \\\\ \\xNN) are undone first, then both sides are decoded as UTF-8 with
               replacement (tshark prints an invalid byte as U+FFFD)

Rows are matched in order: the two sequences are aligned on (epoch, addresses, ports,
call_id) with difflib, so that one missing message is reported as one missing row and
not as a cascade of mismatches.

Exceptions (--allow-file, rows for --name; format in corpus-exceptions.tsv): each names
exactly which tshark frames or which field of which frames may differ; everything else
must match, and an exception that excuses nothing is itself an error (stale exceptions
hide regressions in the other direction).

Exit status: 0 match (with the named exceptions), 1 difference, 2 usage or input error.
"""
import argparse
import difflib
import ipaddress
import re
import sys

GT_COLS = ['frame.number', 'frame.time_epoch', 'src', 'srcport', 'dst', 'dstport',
           'transport', 'sip.Method', 'sip.Status-Code', 'sip.Call-ID', 'sip.CSeq.seq',
           'sip.CSeq.method']
OUR_COLS = ['number', 'epoch', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'transport',
            'method', 'status', 'call_id', 'cseq_seq', 'cseq_method']
FIELDS = OUR_COLS[1:]            # compared fields, by sipwhy's names
KINDS = ('absent', 'extra', 'field', 'unreadable')


class InputError(Exception):
    pass


ESCAPE = re.compile(rb'\\(x[0-9a-fA-F]{2}|[tnr\\])')


def unescape(cell):
    """sipwhy's TSV escapes (\\t \\n \\r \\\\ \\xNN) back to the bytes they stand for."""
    def one(m):
        c = m.group(1)
        if c[:1] == b'x':
            return bytes([int(c[1:], 16)])
        return {b't': b'\t', b'n': b'\n', b'r': b'\r', b'\\': b'\\'}[c]
    return ESCAPE.sub(one, cell)


def read_tsv(path, cols, who, escaped):
    """Returns a list of dicts keyed by our field names (plus 'line', the file line).

    tshark writes field bytes as they are (a control byte raw, an invalid UTF-8 byte as
    U+FFFD); sipwhy escapes control bytes and backslash (escaped=True undoes that).
    Cells are then decoded as UTF-8 with replacement, so both sides compare as text."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise InputError('%s: %s' % (path, e.strerror))
    lines = data.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    if not lines:
        raise InputError('%s: empty (no header line)' % path)
    head = lines[0].rstrip(b'\r').decode('utf-8', 'replace').split('\t')
    missing = [c for c in cols if c not in head]
    if missing:
        raise InputError('%s: %s header lacks column(s): %s' % (path, who, ' '.join(missing)))
    idx = [head.index(c) for c in cols]
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cells = line.rstrip(b'\r').split(b'\t')
        if len(cells) < len(head):
            raise InputError('%s:%d: %d columns, header has %d' % (path, n, len(cells), len(head)))
        if escaped:
            cells = [unescape(c) for c in cells]
        r = dict(zip(OUR_COLS, (cells[i].decode('utf-8', 'replace') for i in idx)))
        r['line'] = n
        rows.append(r)
    return rows


def epoch_us(s):
    """'1700000000.123456789' -> 1700000000123456 (truncated); None when malformed."""
    s = s.strip()
    neg = s.startswith('-')
    if neg:
        s = s[1:]
    whole, _, frac = s.partition('.')
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    v = int(whole) * 1000000 + int((frac + '000000')[:6])
    return -v if neg else v


def norm(field, v):
    v = v.strip() if field != 'call_id' else v
    if field == 'epoch':
        u = epoch_us(v)
        return u if u is not None else v
    if field in ('src_ip', 'dst_ip'):
        try:
            return str(ipaddress.ip_address(v))
        except ValueError:
            return v
    if field in ('src_port', 'dst_port', 'cseq_seq'):
        return int(v) if v.isdigit() else v
    if field == 'transport':
        return v.lower()
    return v


def key(r):
    return tuple(norm(f, r[f]) for f in ('epoch', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'call_id'))


def parse_set(spec):
    """'2,150,152' or '10-12,40' or '*' -> set of ints or '*'."""
    spec = spec.strip()
    if spec == '*':
        return '*'
    out = set()
    for part in spec.split(','):
        part = part.strip()
        if not part:
            continue
        a, sep, b = part.partition('-')
        if not a.isdigit() or (sep and not b.isdigit()):
            raise InputError('bad row list %r' % spec)
        out.update(range(int(a), int(b) + 1) if sep else (int(a),))
    return out


def read_exceptions(path, name):
    """Rows of EXCEPTIONS for file NAME: dicts kind, rows, field, value, reason, line."""
    out = []
    try:
        f = open(path, encoding='utf-8')
    except OSError as e:
        raise InputError('%s: %s' % (path, e.strerror))
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            c = line.split('\t')
            if c[0] == 'file':          # header
                continue
            if len(c) < 6:
                raise InputError('%s:%d: need 6 tab-separated columns '
                                 '(file kind rows field sipwhy_value reason)' % (path, n))
            fname, kind, rows, field, value, reason = c[:6]
            if kind not in KINDS:
                raise InputError('%s:%d: unknown kind %r (one of %s)' % (path, n, kind, ', '.join(KINDS)))
            if kind == 'field' and field not in FIELDS:
                raise InputError('%s:%d: unknown field %r (one of %s)' % (path, n, field, ' '.join(FIELDS)))
            if not reason.strip():
                raise InputError('%s:%d: an exception needs a reason' % (path, n))
            if fname != name:
                continue
            if value not in ('', '*'):      # written with sipwhy's escapes
                value = unescape(value.encode('utf-8')).decode('utf-8', 'replace')
            out.append({'kind': kind, 'rows': parse_set(rows), 'field': field,
                        'value': value, 'reason': reason, 'line': n, 'used': 0,
                        'hit': set()})
    return out


def show(r, gt):
    tag = ('tshark frame %s' % r['number']) if gt else ('sipwhy #%s' % r['number'])
    cells = ' '.join('%s=%s' % (f, r[f]) for f in FIELDS if r[f] != '')
    return '%s: %s' % (tag, cells)


def main():
    ap = argparse.ArgumentParser(usage='tsvdiff.py GT.tsv OURS.tsv [--allow-file F --name N]')
    ap.add_argument('gt')
    ap.add_argument('ours')
    ap.add_argument('--allow-file')
    ap.add_argument('--name', help='capture name to look up in --allow-file')
    ap.add_argument('--max', type=int, default=10, help='differences shown (default 10)')
    ap.add_argument('-q', '--quiet', action='store_true', help='summary line only')
    a = ap.parse_args()
    try:
        gt = read_tsv(a.gt, GT_COLS, 'tshark', False)
        ours = read_tsv(a.ours, OUR_COLS, 'sipwhy', True)
        exc = []
        if a.allow_file:
            exc = read_exceptions(a.allow_file, a.name or '')
    except InputError as e:
        print('tsvdiff: error: %s' % e, file=sys.stderr)
        return 2

    def excused(kind, frame, field=None, value=None, row=None):
        for e in exc:
            if e['kind'] != kind or (e['rows'] != '*' and frame not in e['rows']):
                continue
            if kind == 'extra' and e['field'] == 'epoch' and e['value'] not in ('', '*'):
                # an extra row may be pinned by its time too (sipwhy numbers can shift)
                if row is None or norm('epoch', row['epoch']) != norm('epoch', e['value']):
                    continue
            if kind == 'field':
                if e['field'] != field:
                    continue
                if e['value'] != '*' and e['value'] != value:
                    continue
            e['used'] += 1
            e['hit'].add(frame)
            return e
        return None

    # Align on per-message keys (in order; difflib finds inserted / deleted rows).
    # A block of rows that differ in key fields but has as many rows on both sides is
    # compared row by row (field differences); otherwise its rows are missing / extra.
    pairs, absent, extra = [], [], []
    sm = difflib.SequenceMatcher(None, [key(r) for r in gt], [key(r) for r in ours],
                                 autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == 'equal' or (op == 'replace' and i2 - i1 == j2 - j1):
            pairs += zip(gt[i1:i2], ours[j1:j2])
        else:
            absent += gt[i1:i2]
            extra += ours[j1:j2]

    problems = []           # (sort key, text)
    n_absent = n_extra = n_field = 0
    n_exc = 0
    for r in absent:
        fr = int(r['number']) if r['number'].isdigit() else -1
        if excused('absent', fr):
            n_exc += 1
            continue
        n_absent += 1
        problems.append((r['line'], 'missing in sipwhy: ' + show(r, True)))
    for r in extra:
        num = int(r['number']) if r['number'].isdigit() else -1
        if excused('extra', num, row=r):
            n_exc += 1
            continue
        n_extra += 1
        problems.append((r['line'], 'extra in sipwhy (tshark has no such SIP message): '
                         + show(r, False)))
    for g, o in pairs:
        fr = int(g['number']) if g['number'].isdigit() else -1
        bad = []
        for f in FIELDS:
            if norm(f, g[f]) == norm(f, o[f]):
                continue
            if excused('field', fr, f, o[f]):
                n_exc += 1
                continue
            bad.append(f)
        if bad:
            n_field += 1
            diffs = '; '.join('%s: tshark=%r sipwhy=%r' % (f, g[f], o[f]) for f in bad)
            problems.append((g['line'], 'tshark frame %s / sipwhy #%s: %s'
                             % (g['number'], o['number'], diffs)))
    # Stale: an exception, or one of the rows it lists, that excused nothing.
    stale = []
    for e in exc:
        if e['kind'] == 'unreadable':
            continue
        unused = e['used'] == 0 if e['rows'] == '*' else sorted(e['rows'] - e['hit'])
        if unused:
            stale.append((e, unused))

    ok = not problems and not stale
    summary = ('tsvdiff: %s: tshark %d rows, sipwhy %d rows, %d matched; %d missing, %d extra, '
               '%d rows with field differences, %d excused, %d stale exception(s)'
               % ('match' if ok else 'DIFFER', len(gt), len(ours), len(pairs), n_absent,
                  n_extra, n_field, n_exc, len(stale)))
    print(summary)
    if not a.quiet:
        problems.sort(key=lambda p: p[0])
        for _, text in problems[:a.max]:
            print('  ' + text)
        if len(problems) > a.max:
            print('  ... %d more' % (len(problems) - a.max))
        for e, unused in stale:
            print('  stale exception (%s line %d, %s%s): %s excused nothing; fix or remove it'
                  % (a.allow_file, e['line'], e['kind'], (' ' + e['field']) if e['field'] else '',
                     'it' if unused is True else 'row(s) ' + ','.join(map(str, unused))))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
