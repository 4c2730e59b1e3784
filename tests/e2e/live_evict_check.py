#!/usr/bin/env python3
"""live_evict_check.py - checks what `sipwhy live --max-memory` printed and wrote against
`sipwhy` reading tcpdump's recording of the same traffic (live_evict.sh, tests/soak).

Usage: live_evict_check.py SIPWHY DIR [--split-sample N]

DIR holds cap.pcap (tcpdump) and what three live runs on the same interface made:
  msgs.out    live --show messages -f json -w msgs.pcap
  calls.out   live --show calls -f json --split-dir split -w calls.pcap
  find.out    live --show findings -f json -w find.pcap
  split/      the per-call files
and their stderr as msgs.err, calls.err, find.err. Each run is checked against its own
recording (-w: the packets it read, in the order it read them; two captures of the same
traffic may order packets sent at the same moment differently), and each recording
against tcpdump's.

Checks, each printed as one line "ok: ..." or "FAIL: ...":
  - every live run started at least one new generation (the bound was really hit);
  - each run's recording holds every SIP message tcpdump's holds (a busy machine may make
    tcpdump, not sipwhy, miss one: the extra ones are counted, not failed);
  - messages: numbered 1..N without gap or repeat, N = the recording's message count,
    and message k is the recording's message k (Call-ID, method, status, CSeq);
  - calls: one line per INVITE call of the recording, none twice, each with the number
    `calls` gives it on the recording, the same Call-ID, state and final code, and
    first/last message numbers that are the recording's;
  - call files: one per call, named with its number and Call-ID; every Nth file (all
    with N = 1) holds exactly that call's messages;
  - findings: none printed twice; each is one the diagnosis of the recording makes
    (rule and Call-ID), and every finding of the recording about an INVITE call was
    printed.
Exit 0 when every check holds, 1 otherwise.
"""
import collections
import json
import os
import re
import subprocess
import sys


def jlines(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                out.append(json.loads(line))
    return out


def run_json(sipwhy, *args):
    p = subprocess.run([sipwhy, *args], capture_output=True, text=True, timeout=600)
    if p.returncode not in (0, 1):
        raise SystemExit("FAIL: sipwhy %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr[:400]))
    return p.stdout


def main():
    sipwhy, d = sys.argv[1], sys.argv[2]
    sample = 1
    if len(sys.argv) > 4 and sys.argv[3] == "--split-sample":
        sample = max(1, int(sys.argv[4]))
    cap = os.path.join(d, "cap.pcap")
    bad = []

    def check(ok, what):
        print(("ok: " if ok else "FAIL: ") + what)
        if not ok:
            bad.append(what)

    for run in ("msgs", "calls", "find"):
        err = open(os.path.join(d, run + ".err")).read()
        m = re.search(r"(\d+) generations", err)
        gens = int(m.group(1)) if m else 0
        check(gens > 0, "%s: %d generations started (the bound was hit)" % (run, gens))
        check("dropped by the kernel" in err and not re.search(r"[1-9]\d* dropped by the kernel", err),
              "%s: libpcap dropped nothing" % run)

    key = lambda m: (m["call_id"], m["method"], m["status"], m["cseq_seq"], m["cseq_method"])

    def history(path):
        return [json.loads(l) for l in run_json(sipwhy, "history", "-f", "json", path).splitlines() if l]

    tcpdump = collections.Counter(key(m) for m in history(cap))
    for run in ("msgs", "calls", "find"):
        own = collections.Counter(key(m) for m in history(os.path.join(d, run + ".pcap")))
        missed = tcpdump - own
        check(not missed, "%s: its recording holds every one of the %d SIP messages tcpdump recorded "
              "(it has %d; %d tcpdump missed)%s" % (run, sum(tcpdump.values()), sum(own.values()),
                                                 sum((own - tcpdump).values()),
                                                 ": missing %r" % list(missed)[:3] if missed else ""))

    ref_msgs = history(os.path.join(d, "msgs.pcap"))

    # --- messages ---
    live = jlines(os.path.join(d, "msgs.out"))
    nums = [m["number"] for m in live]
    check(nums == list(range(1, len(nums) + 1)),
          "messages: numbered 1..%d in order, no gap, no repeat" % len(nums))
    check(len(live) == len(ref_msgs), "messages: %d live, %d in the recording" % (len(live), len(ref_msgs)))
    diff = [i + 1 for i, (a, b) in enumerate(zip(live, ref_msgs)) if key(a) != key(b)]
    check(not diff, "messages: each live message k is the recording's message k%s"
          % (" (first difference at %d)" % diff[0] if diff else ""))

    # --- calls ---
    cpcap = os.path.join(d, "calls.pcap")
    ref_calls = [json.loads(l) for l in run_json(sipwhy, "calls", "-f", "json", cpcap).splitlines() if l]
    ref_msgs = history(cpcap)
    live_calls = jlines(os.path.join(d, "calls.out"))
    by_id = collections.Counter(c["call_id"] for c in live_calls)
    twice = [c for c, n in by_id.items() if n > 1]
    check(not twice, "calls: no call printed twice (%d lines)" % len(live_calls))
    ref_inv = {c["call_id"]: c for c in ref_calls if c["kind"] == "INVITE"}
    check(set(by_id) == set(ref_inv), "calls: the %d INVITE calls of the recording, no other (%d live)"
          % (len(ref_inv), len(by_id)))
    wrong = []
    for c in live_calls:
        r = ref_inv.get(c["call_id"])
        if not r:
            continue
        if (c["index"], c["state"], c["final_code"], c["first"]) != (r["index"], r["state"], r["final_code"], r["first"]) \
                or not (c["first"] <= c["last"] <= r["last"]):
            wrong.append((c["call_id"], c["index"], r["index"], c["state"], r["state"], c["first"], r["first"]))
    check(not wrong, "calls: number, state, final code and message numbers as `calls` gives them on the "
          "recording%s" % (": %r" % wrong[:3] if wrong else ""))

    # --- call files ---
    sd = os.path.join(d, "split")
    files = sorted(f for f in os.listdir(sd) if f.endswith(".pcap"))
    check(len(files) == len(ref_inv), "call files: %d files for %d calls" % (len(files), len(ref_inv)))
    check(not [f for f in os.listdir(sd) if f.endswith(".part")], "call files: no partial file left")
    by_num = {}
    for f in files:
        m = re.match(r"^\d{8}-\d{6}-call(\d+)-(.*)\.pcap$", f)
        if m:
            by_num[int(m.group(1))] = (f, m.group(2))
    name_bad = []
    for cid, r in ref_inv.items():
        safe = re.sub(r"[^A-Za-z0-9._@-]", "_", cid)[:64]
        if by_num.get(r["index"], (None, None))[1] != safe:
            name_bad.append((r["index"], cid))
    check(not name_bad, "call files: each named with its call's number and Call-ID%s"
          % (": %r" % name_bad[:3] if name_bad else ""))
    per_call = collections.defaultdict(list)
    for m in ref_msgs:
        per_call[m["call_id"]].append(key(m))
    content_bad = []
    checked = 0
    for i, (cid, r) in enumerate(sorted(ref_inv.items(), key=lambda x: x[1]["index"])):
        if i % sample or r["index"] not in by_num:
            continue
        checked += 1
        got = [key(json.loads(l)) for l in
               run_json(sipwhy, "history", "-f", "json", os.path.join(sd, by_num[r["index"]][0])).splitlines() if l]
        if got != per_call[cid]:
            content_bad.append((r["index"], len(got), len(per_call[cid])))
    check(not content_bad, "call files: %d checked, each holds exactly its call's messages in order%s"
          % (checked, ": %r" % content_bad[:3] if content_bad else ""))

    # --- findings ---
    ref_diag = json.loads(run_json(sipwhy, "diagnose", "-f", "json", os.path.join(d, "find.pcap")))
    fcalls = [json.loads(l) for l in run_json(sipwhy, "calls", "-f", "json", os.path.join(d, "find.pcap")).splitlines() if l]
    ref_inv = {c["call_id"] for c in fcalls if c["kind"] == "INVITE"}
    found = jlines(os.path.join(d, "find.out"))
    fk = collections.Counter((x["id"], x["call_id"]) for x in found)
    dup = [k for k, n in fk.items() if n > 1]
    check(not dup, "findings: none printed twice (%d printed)%s" % (len(found), ": %r" % dup[:3] if dup else ""))
    ref_f = {(x["id"], x["call_id"]) for x in ref_diag["findings"]}
    extra = set(fk) - ref_f
    check(not extra, "findings: each is one the diagnosis of the recording makes%s"
          % (": %r" % sorted(extra)[:3] if extra else ""))
    missing = {k for k in ref_f if k[1] in ref_inv} - set(fk)
    check(not missing, "findings: all %d findings of the recording about INVITE calls were printed%s"
          % (len({k for k in ref_f if k[1] in ref_inv}), ": %r" % sorted(missing)[:3] if missing else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
