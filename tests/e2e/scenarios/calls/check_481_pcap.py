#!/usr/bin/env python3
"""check_481_pcap.py - checks with tshark that a capture holds the "481 on transfer"
story of examples/481-on-transfer.pcap (made by examples/make-481-on-transfer.sh).

usage: check_481_pcap.py CAPTURE

The story, as tshark must see it (A = gateway bringing in the external caller, B =
receptionist ext 100, transferor, C = ext 2001, transfer target):
  leg 1 (Call-ID 1), in this order:
    INVITE A->B, 180, 200, ACK, REFER B->A (Refer-To C's user), 202, BYE B->A, 200,
    NOTIFY A->B (Event: refer, body message/sipfrag "SIP/2.0 200 OK"), 481 B->A
  leg 2 (Call-ID 2), in this order:
    INVITE A->C with Referred-By (and Request-URI user = the Refer-To user), 180, 200,
    ACK, BYE, 200
  and across the legs: leg 2's INVITE after the 202; the NOTIFY after leg 2's ACK (it
  reports the 200 OK) and after leg 1's BYE (the dialog is gone: hence the 481).
  Nothing else: no other SIP message, fewer than 30 in all, no retransmission.
Prints what it checked; exit 0 if the capture tells the story, 1 if not, 2 on errors.
"""
import subprocess
import sys

FIELDS = ["frame.number", "ip.src", "ip.dst", "sip.Method", "sip.Status-Code", "sip.Call-ID",
          "sip.CSeq.method", "sip.Referred-by", "sip.Refer-To", "sip.Event",
          "sip.Subscription-State", "sip.Content-Type", "sip.r-uri.user", "sipfrag.line"]


def tshark(cap):
    cmd = ["tshark", "-n", "-r", cap, "-Y", "sip", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        print("tshark failed: %s" % p.stderr.decode(errors="replace")[:300])
        sys.exit(2)
    rows = []
    for line in p.stdout.decode().splitlines():
        v = line.split("\t")
        v += [""] * (len(FIELDS) - len(v))
        rows.append(dict(zip(FIELDS, v)))
    return rows


def label(r):
    return r["sip.Method"] or r["sip.Status-Code"]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    rows = tshark(sys.argv[1])
    bad = []

    def expect(what, ok, detail=""):
        print("%s: %s%s" % ("ok" if ok else "NOT OK", what, (" (%s)" % detail) if detail and not ok else ""))
        if not ok:
            bad.append(what)

    expect("fewer than 30 SIP messages", 0 < len(rows) < 30, "%d" % len(rows))
    if not rows:
        return 1
    first = rows[0]
    a, b = first["ip.src"], first["ip.dst"]
    cid1 = first["sip.Call-ID"]
    cids = []
    for r in rows:
        if r["sip.Call-ID"] not in cids:
            cids.append(r["sip.Call-ID"])
    expect("two Call-IDs", len(cids) == 2, " ".join(cids))
    if len(cids) != 2:
        return 1
    cid2 = cids[1]
    leg1 = [r for r in rows if r["sip.Call-ID"] == cid1]
    leg2 = [r for r in rows if r["sip.Call-ID"] == cid2]
    c = leg2[0]["ip.dst"]
    seq1 = [(label(r), r["ip.src"], r["ip.dst"]) for r in leg1]
    want1 = [("INVITE", a, b), ("180", b, a), ("200", b, a), ("ACK", a, b),
             ("REFER", b, a), ("202", a, b), ("BYE", b, a), ("200", a, b),
             ("NOTIFY", a, b), ("481", b, a)]
    expect("leg 1: INVITE 180 200 ACK (A->B), REFER/202, BYE/200 (B->A), NOTIFY (A->B) -> 481",
           seq1 == want1, "got %s" % [s[0] for s in seq1])
    seq2 = [(label(r), r["ip.src"], r["ip.dst"]) for r in leg2]
    want2 = [("INVITE", a, c), ("180", c, a), ("200", c, a), ("ACK", a, c), ("BYE", a, c),
             ("200", c, a)]
    expect("leg 2: INVITE 180 200 ACK BYE 200 between A and the target",
           seq2 == want2, "got %s" % [s[0] for s in seq2])
    if seq1 != want1 or seq2 != want2:
        return 1
    refer, ok202, bye1, notify, r481 = leg1[4], leg1[5], leg1[6], leg1[8], leg1[9]
    inv2, ack2 = leg2[0], leg2[3]
    expect("481 answers the NOTIFY (CSeq method NOTIFY)", r481["sip.CSeq.method"] == "NOTIFY")
    expect("NOTIFY: Event refer", notify["sip.Event"].startswith("refer"), notify["sip.Event"])
    expect("NOTIFY: body message/sipfrag \"SIP/2.0 200 OK\"",
           notify["sip.Content-Type"].startswith("message/sipfrag")
           and notify["sipfrag.line"].strip() == "SIP/2.0 200 OK",
           "%s / %s" % (notify["sip.Content-Type"], notify["sipfrag.line"]))
    expect("REFER has a Referred-By and a Refer-To", refer["sip.Referred-by"] != "" and refer["sip.Refer-To"] != "")
    expect("leg 2 INVITE carries Referred-By", inv2["sip.Referred-by"] != "")
    user = refer["sip.Refer-To"]
    user = user.split("sip:", 1)[-1].split("@", 1)[0]
    expect("leg 2 INVITE goes to the Refer-To user", inv2["sip.r-uri.user"] == user,
           "%s vs %s" % (inv2["sip.r-uri.user"], user))
    n = lambda r: int(r["frame.number"])
    expect("leg 2 INVITE after the 202", n(inv2) > n(ok202))
    expect("NOTIFY after leg 1's BYE and leg 2's ACK", n(notify) > n(bye1) and n(notify) > n(ack2))
    keys = [(r["sip.Call-ID"], label(r), r["sip.CSeq.method"], r["ip.src"]) for r in rows]
    expect("no retransmission", len(set(keys)) == len(keys))
    return 1 if bad else 0


sys.exit(main())
