#!/usr/bin/env python3
"""check_flow.py - checks the ladder (`sipwhy flow --format json`) of calls against the
message list (`sipwhy history --format tsv`, itself checked against tshark by the
calling test) for the calls_*.sh tests.

usage: check_flow.py SIPWHY CAPTURE CALLS.json HISTORY.tsv GT.tsv [--linked] [INDEX...]

For each call of CALLS.json (`sipwhy calls [--all] --format json` output; only the given
INDEXes when some are given):
  - `SIPWHY flow --format json CAPTURE INDEX` must exit 0 and print one JSON object per
    message, each with number, src, dst, method, status, retrans, call;
  - the arrows must be exactly the history rows of the call's Call-ID (the calls of its
    conversation with --linked, run as `flow --linked`), in the same order, with the
    same numbers, src ip:port, dst ip:port, method / status, and retrans flag; their
    count must equal tshark's rows for those Call-IDs (GT.tsv, one row per message) and,
    without --linked, the call's "messages" field;
  - each host has one column of its own (src_col / dst_col), and each arrow's label
    starts with its method or status code;
  - `flow -i ... CALL-ID` (the call named by its Call-ID) must print the same ladder.
Prints one line per call; exit 0 if all agree, 1 otherwise (differences printed).
"""
import json
import subprocess
import sys


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    head = rows[0]
    return [dict(zip(head, r)) for r in rows[1:] if r and r != [""]]


def run_flow(sipwhy, args):
    p = subprocess.run([sipwhy, "flow", "--format", "json"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:300])
    out = []
    for n, line in enumerate(p.stdout.decode().splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            return None, "line %d is not JSON (%s): %s" % (n, e, line[:200])
    return out, None


def arrow(m):
    return (str(m.get("number")), m.get("src"), m.get("dst"),
            m.get("method") or "", "" if m.get("status") is None else str(m.get("status")),
            bool(m.get("retrans")))


def hist_arrow(r):
    return (r["number"], "%s:%s" % (r["src_ip"], r["src_port"]),
            "%s:%s" % (r["dst_ip"], r["dst_port"]), r["method"], r["status"],
            r["retrans"] == "1")


def main():
    args = sys.argv[1:]
    linked = "--linked" in args
    args = [a for a in args if a != "--linked"]
    if len(args) < 5:
        sys.exit(__doc__)
    sipwhy, cap, calls_path, hist_path, gt_path = args[:5]
    only = set(args[5:])
    with open(calls_path, encoding="utf-8") as f:
        calls = [json.loads(line) for line in f if line.strip()]
    hist = read_tsv(hist_path)
    gt = read_tsv(gt_path)
    # tshark_gt.sh's header names the Call-ID column sip.Call-ID
    gt_cid = "sip.Call-ID" if gt and "sip.Call-ID" in gt[0] else list(gt[0].keys())[9]
    bad = 0
    for c in calls:
        idx = str(c["index"])
        if only and idx not in only:
            continue
        if linked:
            cids = {x["call_id"] for x in calls if x["conversation"] == c["conversation"]}
        else:
            cids = {c["call_id"]}
        want = [hist_arrow(r) for r in hist if r["call_id"] in cids]
        ngt = sum(1 for r in gt if r[gt_cid] in cids)
        extra = ["--linked"] if linked else []
        got, err = run_flow(sipwhy, extra + [cap, idx])
        what = "flow%s %s (%s)" % (" --linked" if linked else "", idx, c["call_id"])
        if err:
            print("NOT OK: %s: %s" % (what, err))
            bad += 1
            continue
        problems = []
        if len(got) != ngt:
            problems.append("%d arrows, tshark has %d messages for %s" % (len(got), ngt, sorted(cids)))
        if not linked and len(got) != c["messages"]:
            problems.append("%d arrows, calls says messages=%d" % (len(got), c["messages"]))
        gotn = [arrow(m) for m in got]
        if gotn != want:
            for i in range(max(len(gotn), len(want))):
                g = gotn[i] if i < len(gotn) else None
                w = want[i] if i < len(want) else None
                if g != w:
                    problems.append("arrow %d: flow %s, history %s" % (i + 1, g, w))
                    if len(problems) > 8:
                        break
        # columns: one per host, the same for every arrow
        col = {}
        for m in got:
            for end in ("src", "dst"):
                k = m.get(end + "_col")
                if col.setdefault(m.get(end), k) != k:
                    problems.append("host %s drawn in columns %s and %s" % (m.get(end), col[m.get(end)], k))
        if len(set(col.values())) != len(col):
            problems.append("two hosts share a column: %s" % col)
        # the arrow's label names the method or the status code
        for m in got:
            want_label = m.get("method") or str(m.get("status"))
            if not str(m.get("label", "")).startswith(want_label):
                problems.append("arrow %s: label %r does not start with %r" % (m.get("number"), m.get("label"), want_label))
                break
        if not linked:
            calls_of = {str(m.get("call")) for m in got}
            if calls_of != {idx}:
                problems.append("arrows carry call %s, not %s" % (sorted(calls_of), idx))
        by_id, err = run_flow(sipwhy, extra + ["-i", cap, c["call_id"]])
        if err:
            problems.append("flow -i by Call-ID: %s" % err)
        elif [arrow(m) for m in by_id] != gotn:
            problems.append("flow -i by Call-ID prints another ladder (%d arrows)" % len(by_id))
        if problems:
            bad += 1
            print("NOT OK: %s:" % what)
            for p in problems:
                print("    " + p)
        else:
            print("ok: %s: %d arrows = history rows = tshark messages%s" % (
                what, len(got), "" if linked else " = messages field"))
    return 1 if bad else 0


sys.exit(main())
