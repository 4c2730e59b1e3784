#!/usr/bin/env python3
"""sipwhy benchmark driver: sipwhy against tshark and sngrep on one generated capture.

usage: bench.py [--quick] [--runs N] [--calls N] [--data DIR] [--tools sipwhy,tshark,sngrep]
                [--sipwhy BIN] [--gen PATH] [--strict]
       bench.py --callgrind [--calls N]

What it does (see docs/BENCH.md for how to read the output):
  1. Makes sure the standard capture exists: shared/bench/gen_pcap.py --calls 206000
     (--quick: --calls 20000, 1 run each). The capture and its .json are reused when the
     JSON says it was written with the same --calls and the file still has the size the
     JSON records; otherwise they are written again (~20 s for the full file).
  2. Runs every tool RUNS times, one at a time (never two measurements at once), and
     reports the median wall time, MB/s, SIP messages/s (messages = the JSON's sip_msgs,
     the same for every tool) and the peak RSS (largest ru_maxrss of the runs, from
     wait4(); the tools do not fork workers, so the child's own figure is the peak).
  3. One extra sipwhy run with --stats: checks that sipwhy's TSV has exactly sip_msgs
     rows, and reports index_bytes/message and (peak RSS - mapped_bytes)/message.
  4. Prints the ratios (peer median / sipwhy median) and checks them against targets.
--callgrind: one sipwhy run under valgrind --tool=callgrind on a --calls 2000 capture;
  prints total instructions and instructions per message (repeatable on a busy machine).

Wall time includes process start and, for the capture, the page cache as it is: the
first run of each tool is not discarded, so run on a quiet machine and read the median.
Exit status: 0 when every run succeeded and the message count matched, 1 otherwise
(missing targets are reported but only fail with --strict).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Targets from the project's performance goals.
TARGET_VS_SNGREP = 20.0
TARGET_VS_TSHARK = 30.0
TARGET_INDEX_BYTES_PER_MSG = 200.0


def log(msg):
    print(msg, flush=True)


def ensure_capture(gen, data_dir, calls, rtp_seconds=0):
    """Returns (capture path, parsed JSON), writing them if missing or stale."""
    os.makedirs(data_dir, exist_ok=True)
    cap = os.path.join(data_dir, ('sip_rtp_%d.pcap' if rtp_seconds else 'sip_only_%d.pcap') % calls)
    meta = cap + '.json'
    try:
        with open(meta) as f:
            j = json.load(f)
        if j['args']['calls'] == calls and j['args'].get('rtp_seconds_per_call', 0) == rtp_seconds \
                and os.path.getsize(cap) == j['file_bytes']:
            log('bench: reusing %s (%d bytes)' % (cap, j['file_bytes']))
            return cap, j
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if not os.path.exists(gen):
        sys.exit('bench: generator %s not found (set SW_SHARED or --gen)' % gen)
    log('bench: writing %s with gen_pcap.py --calls %d ...' % (cap, calls))
    for p in (cap, meta):
        if os.path.exists(p):
            os.unlink(p)
    t0 = time.monotonic()
    extra = ['--rtp-seconds-per-call', str(rtp_seconds)] if rtp_seconds else []
    r = subprocess.run([sys.executable, gen, '--calls', str(calls)] + extra + ['--out', cap],
                       stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit('bench: gen_pcap.py failed (exit %d)' % r.returncode)
    log('bench: written in %.1f s' % (time.monotonic() - t0))
    with open(meta) as f:
        return cap, json.load(f)


def measure(argv, stdout=subprocess.DEVNULL, stderr_path=None):
    """Runs argv once; returns (wall s, peak RSS bytes, exit status, stderr text, CPU s)."""
    errf = open(stderr_path, 'w+b') if stderr_path else tempfile.TemporaryFile()
    with errf:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode('utf-8', 'replace')
    return wall, ru.ru_maxrss * 1024, p.returncode, err, ru.ru_utime + ru.ru_stime


def fmt_bytes(n):
    return '%.0f MB' % (n / 1e6) if n >= 1e6 else '%.0f kB' % (n / 1e3)


def fmt_rate(n):
    if n >= 1e6:
        return '%.2f M' % (n / 1e6)
    return '%.0f k' % (n / 1e3)


def callgrind(a, gen):
    """Instruction counts of one sipwhy run under callgrind on a small capture."""
    calls = a.calls or 2000
    cap, j = ensure_capture(gen, a.data, calls)
    msgs = j['sip_msgs']
    outf = os.path.join(a.data, 'callgrind.out.sipwhy')
    argv = ['valgrind', '--tool=callgrind', '--callgrind-out-file=' + outf,
            a.sipwhy, 'history', '--format', 'tsv', cap]
    log('bench: %s' % ' '.join(argv))
    with tempfile.TemporaryFile() as out:
        wall, _, rc, err, _ = measure(argv, stdout=out)
        out.seek(0)
        rows = sum(1 for _ in out) - 1
    if rc != 0:
        log('bench: callgrind run FAILED (exit %d): %s' % (rc, err.strip()[-500:]))
        return 1
    total = None
    with open(outf) as f:
        for line in f:
            if line.startswith('summary:') or line.startswith('totals:'):
                total = int(line.split()[1])
    if total is None:
        log('bench: no totals in %s' % outf)
        return 1
    ok = rows == msgs
    log('bench: %s: %d bytes, %d SIP messages; sipwhy printed %d rows%s'
        % (os.path.basename(cap), os.path.getsize(cap), msgs, rows,
           '' if ok else '  MESSAGE COUNT MISMATCH'))
    log('callgrind: %d instructions in total, %.0f instructions/message, %.1f instructions/byte'
        % (total, total / msgs, total / os.path.getsize(cap)))
    log('callgrind: profile in %s (callgrind_annotate %s | head -40)' % (outf, outf))
    try:
        ann = subprocess.run(['callgrind_annotate', outf], capture_output=True, text=True).stdout
        body = [l for l in ann.split('\n') if l.strip()]
        start = next((i for i, l in enumerate(body) if 'file:function' in l), None)
        if start is not None:
            log('callgrind: top functions (Ir):')
            for l in [l for l in body[start + 1:] if not l.startswith('-')][:15]:
                log('  ' + l.strip())
    except OSError:
        pass
    return 0 if ok else 1


TARGET_RTP_VS_TSHARK = 10.0
TARGET_RTP_VS_LOOP = 0.40


def rtp_bench(a):
    """`sipwhy rtp` against `tshark -q -z rtp,streams` and a bare libpcap read loop on the
    SIP+RTP capture (mostly RTP)."""
    calls = a.calls or (1200 if a.quick else 12000)
    runs = a.runs or (1 if a.quick else 3)
    cap, j = ensure_capture(a.gen, a.data, calls, rtp_seconds=10)
    size = os.path.getsize(cap)
    pkts = j['packets']
    loop = os.path.join(os.path.dirname(a.sipwhy), 'pcap_loop')
    cmds = {
        'sipwhy': [a.sipwhy, 'rtp', '--format', 'tsv', cap],
        'tshark': ['tshark', '-n', '-q', '-r', cap, '-z', 'rtp,streams'],
        'pcap_loop': [loop, cap],
    }
    log('bench rtp: %s: %d bytes, %d packets (%d RTP); %d run(s) per tool'
        % (os.path.basename(cap), size, pkts, j['pkt_rtp'], runs))
    ok = True
    res = {}
    for t in ('sipwhy', 'tshark', 'pcap_loop'):
        walls, cpus, rss = [], [], 0
        for i in range(runs):
            wall, r, rc, err, cpu = measure(cmds[t])
            if rc != 0:
                log('bench: %s run %d FAILED (exit %d): %s' % (t, i + 1, rc, err.strip()[-300:]))
                ok = False
                break
            walls.append(wall)
            cpus.append(cpu)
            rss = max(rss, r)
            log('bench:   %-9s run %d: %.2f s (CPU %.2f s), peak RSS %s'
                % (t, i + 1, wall, cpu, fmt_bytes(r)))
        if walls:
            res[t] = (statistics.median(walls), rss, statistics.median(cpus))
    # sipwhy must count every RTP packet of the capture
    out = subprocess.run(cmds['sipwhy'], capture_output=True, text=True).stdout.splitlines()
    counted = sum(int(l.split('\t')[12]) for l in out[1:] if l)
    if counted != j['pkt_rtp']:
        log('bench: RTP COUNT MISMATCH: sipwhy counted %d RTP packets, the capture has %d'
            % (counted, j['pkt_rtp']))
        ok = False
    else:
        log('bench: sipwhy RTP packet count OK (%d in %d streams)' % (counted, len(out) - 1))
    log('')
    log('%-10s %9s %9s %12s %10s %8s' % ('tool', 'median s', 'MB/s', 'packets/s', 'peak RSS', 'CPU s'))
    for t in ('sipwhy', 'tshark', 'pcap_loop'):
        if t in res:
            w, r, c = res[t]
            log('%-10s %9.2f %9.1f %12s %10s %8.2f'
                % (t, w, size / 1e6 / w, fmt_rate(pkts / w), fmt_bytes(r), c))
    if 'sipwhy' in res and 'tshark' in res:
        ratio = res['tshark'][0] / res['sipwhy'][0]
        miss = ratio < TARGET_RTP_VS_TSHARK
        log('ratio: sipwhy rtp is %.1fx faster than tshark -z rtp,streams (target >= %.0fx)%s; '
            'CPU time ratio %.1fx' % (ratio, TARGET_RTP_VS_TSHARK, '  MISSED' if miss else '',
                                      res['tshark'][2] / max(res['sipwhy'][2], 1e-9)))
        ok = ok and not (miss and a.strict)
    if 'sipwhy' in res and 'pcap_loop' in res:
        frac = res['pcap_loop'][0] / res['sipwhy'][0]
        miss = frac < TARGET_RTP_VS_LOOP
        log('ratio: sipwhy rtp reaches %.0f%% of the packets/s of a bare libpcap loop '
            '(target >= %.0f%%)%s; by CPU time %.0f%%'
            % (100 * frac, 100 * TARGET_RTP_VS_LOOP, '  MISSED' if miss else '',
               100 * res['pcap_loop'][2] / max(res['sipwhy'][2], 1e-9)))
        ok = ok and not (miss and a.strict)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='--calls 20000 file, 1 run each')
    ap.add_argument('--runs', type=int, default=None)
    ap.add_argument('--calls', type=int, default=None)
    ap.add_argument('--data', default=os.path.join(HERE, 'data'))
    ap.add_argument('--tools', default='sipwhy,tshark,sngrep')
    ap.add_argument('--sipwhy', default=os.environ.get('SIPWHY', os.path.join(REPO, 'build', 'sipwhy')))
    ap.add_argument('--gen', default=os.path.join(
        os.environ.get('SW_SHARED', os.path.join(REPO, '..', 'shared')), 'bench', 'gen_pcap.py'))
    ap.add_argument('--strict', action='store_true', help='fail when a target is missed')
    ap.add_argument('--callgrind', action='store_true',
                    help='instruction counts of sipwhy under callgrind (--calls 2000 file)')
    ap.add_argument('--rtp', action='store_true',
                    help='sipwhy rtp vs tshark -z rtp,streams and a bare libpcap loop, on the '
                         'SIP+RTP capture (--calls 12000, 10 s of RTP per call; quick: 1200)')
    a = ap.parse_args()
    if (a.callgrind or 'sipwhy' in a.tools.split(',')) and not os.access(a.sipwhy, os.X_OK):
        sys.exit('bench: sipwhy binary %s not found (make, or --sipwhy)' % a.sipwhy)
    if a.callgrind:
        return callgrind(a, a.gen)
    if a.rtp:
        return rtp_bench(a)
    calls = a.calls or (20000 if a.quick else 206000)
    runs = a.runs or (1 if a.quick else 3)
    tools = [t for t in a.tools.split(',') if t]

    cap, j = ensure_capture(a.gen, a.data, calls)
    size = os.path.getsize(cap)
    msgs = j['sip_msgs']
    scratch = tempfile.mkdtemp(prefix='sipwhy-bench-')
    sngrep_out = os.path.join(scratch, 'sngrep-out.pcap')
    cmds = {
        'sipwhy': [a.sipwhy, 'history', '--format', 'tsv', cap],
        'tshark': ['tshark', '-r', cap, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID',
                   '-e', 'sip.Method', '-e', 'sip.Status-Code'],
        # -l 1000000 as the project's reference command; note -l 1048576 (a power of
        # two) is sngrep's best setting, see shared/bench/README.md.
        'sngrep': ['sngrep', '-N', '-q', '-l', '1000000', '-I', cap, '-O', sngrep_out],
    }
    log('bench: %s: %d bytes, %d packets, %d SIP messages; %d run(s) per tool'
        % (os.path.basename(cap), size, j['packets'], msgs, runs))
    ok = True
    res = {}
    for t in tools:
        if t not in cmds:
            sys.exit('bench: unknown tool %s' % t)
        walls, cpus, rss = [], [], 0
        for i in range(runs):
            wall, r, rc, err, cpu = measure(cmds[t])
            if os.path.exists(sngrep_out):
                os.unlink(sngrep_out)
            if rc != 0:
                log('bench: %s run %d FAILED (exit %d): %s' % (t, i + 1, rc, err.strip()[-300:]))
                ok = False
                break
            walls.append(wall)
            cpus.append(cpu)
            rss = max(rss, r)
            log('bench:   %-6s run %d: %.2f s (CPU %.2f s), peak RSS %s'
                % (t, i + 1, wall, cpu, fmt_bytes(r)))
        if walls:
            res[t] = (statistics.median(walls), rss, statistics.median(cpus))
    os.rmdir(scratch) if not os.listdir(scratch) else None

    stats = None
    if 'sipwhy' in tools and 'sipwhy' in res:
        # Extra run: message count and memory figures. Its time is not used.
        with tempfile.TemporaryFile() as out:
            wall, r, rc, err, _ = measure([a.sipwhy, 'history', '--format', 'tsv', '--stats', cap],
                                       stdout=out)
            out.seek(0)
            rows = sum(1 for _ in out) - 1
        m = re.search(r'^stats:(.*)$', err, re.M)
        if rc != 0:
            log('bench: sipwhy --stats run FAILED (exit %d): %s' % (rc, err.strip()[-300:]))
            ok = False
        if rows != msgs:
            log('bench: MESSAGE COUNT MISMATCH: sipwhy printed %d TSV rows, the capture has '
                '%d SIP messages' % (rows, msgs))
            ok = False
        else:
            log('bench: sipwhy message count OK (%d)' % rows)
        if m:
            stats = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', m.group(1)))
            stats['_rss'] = r
            if stats.get('messages') is not None and stats['messages'] != msgs:
                log('bench: MESSAGE COUNT MISMATCH: --stats says messages=%d, expected %d'
                    % (stats['messages'], msgs))
                ok = False
        else:
            log('bench: no "stats:" line on sipwhy --stats stderr')

    log('')
    log('%-7s %9s %9s %12s %10s %8s' % ('tool', 'median s', 'MB/s', 'msgs/s', 'peak RSS', 'CPU s'))
    for t in tools:
        if t in res:
            w, r, c = res[t]
            log('%-7s %9.2f %9.1f %12s %10s %8.2f'
                % (t, w, size / 1e6 / w, fmt_rate(msgs / w), fmt_bytes(r), c))
    if 'sipwhy' in res:
        sw = res['sipwhy'][0]
        for peer, target in (('sngrep', TARGET_VS_SNGREP), ('tshark', TARGET_VS_TSHARK)):
            if peer in res:
                ratio = res[peer][0] / sw
                miss = ratio < target
                log('ratio: sipwhy is %.1fx faster than %s (target >= %.0fx)%s; CPU time ratio %.1fx'
                    % (ratio, peer, target, '  MISSED' if miss else '', res[peer][2] / max(res['sipwhy'][2], 1e-9)))
                if miss and a.strict:
                    ok = False
    if stats:
        ib = stats.get('index_bytes')
        if ib is not None and msgs:
            per = ib / msgs
            log('memory: index %.1f bytes/message (target < %.0f)%s'
                % (per, TARGET_INDEX_BYTES_PER_MSG, '  MISSED' if per >= TARGET_INDEX_BYTES_PER_MSG else ''))
            if per >= TARGET_INDEX_BYTES_PER_MSG and a.strict:
                ok = False
        if 'arena_bytes' in stats and msgs:
            log('memory: arena %.1f bytes/message' % (stats['arena_bytes'] / msgs))
        if 'mapped_bytes' in stats and msgs:
            log('memory: peak RSS %s, mapped %s, (RSS - mapped) %.1f bytes/message'
                % (fmt_bytes(stats['_rss']), fmt_bytes(stats['mapped_bytes']),
                   (stats['_rss'] - stats['mapped_bytes']) / msgs))
        log('stats: ' + ' '.join('%s=%d' % (k, v) for k, v in stats.items() if k != '_rss'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
