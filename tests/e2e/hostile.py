#!/usr/bin/env python3
"""hostile.py - hostile-input tests of sipwhy (issue: hardening).

Each case generates a capture that attacks one bound or one assumption, runs sipwhy on it
and checks that the output is honest (counts, flags, warnings, valid JSON), that nothing
crashed, and, for the cases that scale, that the time is linear: the case is run at full
size and at half size and the CPU time (user + system of the child, the least of a few
runs) of the full one must stay under LINEAR_MAX (2.8) times the half one; linear code
gives about 2, quadratic about 4.

Cases:
  callids     one million distinct Call-IDs (an INVITE each): every one counted as a call;
              the peak memory of stats, calls and diagnose reported and (in a build
              without sanitizers, at full scale) checked against MEM_PER_CALL_MAX bytes
              per call plus the capture's size
  headers     messages with 10,000 headers each over TCP: flagged malformed ("too many
              headers") past the header bound, the known headers still read
  frags       100,000 IPv4 first fragments that never complete: bounded, reported
  noclen      a TCP stream of messages without Content-Length, and a stream whose first
              message never ends: messages read, the endless one reported
  segments    large messages arriving 16 bytes per TCP segment: linear framing
  limits      every --limit bound hit on purpose and reported; bad --limit values refused
  snaplen     messages cut by a 200-byte snaplen: marked truncated, not misparsed
  bytes       NUL, non-UTF-8 and control bytes in every field: every command's JSON
              output stays valid, TSV stays one line per message
  lies        pcap record lengths that lie (past the snaplen, past the file, huge):
              reported, what came before is kept

Usage: hostile.py SIPWHY [CASE...]   Environment: SW_SAN=1 for a sanitizer build
(memory figure reported, not checked), HOSTILE_SCALE (default 1.0) scales every size.
Prints "ok ..." / "FAIL ..." lines and a summary; exit 0, or 1 when a check failed.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

LINEAR_MAX = 2.8
MEM_PER_CALL_MAX = 300   # bytes per call beyond the capture (issue 7's bound)
SCALE = float(os.environ.get("HOSTILE_SCALE", "1.0"))
SAN = os.environ.get("SW_SAN", "") not in ("", "0")

passed = 0
failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok   " + msg)


def bad(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


def check(cond, msg):
    (ok if cond else bad)(msg.replace("\n", " | "))
    return cond


# ---- capture writing -------------------------------------------------------------------

LINKTYPE_RAW = 101


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0, frag=0):
    """frag: the 16-bit flags+offset field."""
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, frag, 64,
                    proto, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack, 5 << 4, flags, 65535,
                       0, 0) + payload


A = (10, 0, 0, 1)
B = (10, 0, 0, 2)


class Pcap:
    """A pcap file of raw IPv4 packets (LINKTYPE_RAW), written in chunks."""

    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, LINKTYPE_RAW))
        self.snaplen = snaplen
        self.t = 1700000000.0
        self.n = 0

    def add(self, pkt, caplen=None, origlen=None, raw_len=None):
        self.t += 0.0001
        sec = int(self.t)
        usec = int((self.t - sec) * 1e6)
        cap = min(len(pkt), self.snaplen) if caplen is None else caplen
        orig = len(pkt) if origlen is None else origlen
        self.f.write(struct.pack("<IIII", sec, usec, cap if raw_len is None else raw_len, orig))
        self.f.write(pkt[:cap])
        self.n += 1

    def close(self):
        self.f.close()


def invite(callid, extra=b"", body=b"", clen=True):
    head = (b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + callid + b"\r\n"
            b"From: <sip:alice@10.0.0.1>;tag=" + callid + b"\r\n"
            b"To: <sip:bob@10.0.0.2>\r\n"
            b"Call-ID: " + callid + b"\r\n"
            b"CSeq: 1 INVITE\r\n" + extra)
    if clen:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


class TcpFlow:
    def __init__(self, pcap, sport=40000, dport=5060):
        self.p = pcap
        self.sport, self.dport = sport, dport
        self.seq = 1000
        self.p.add(ipv4(A, B, 6, tcp(sport, dport, self.seq - 1, 0, 0x02, b"")))

    def send(self, data, mss=1400):
        for i in range(0, len(data), mss):
            seg = data[i:i + mss]
            self.p.add(ipv4(A, B, 6, tcp(self.sport, self.dport, self.seq, 1, 0x18, seg)))
            self.seq += len(seg)

    def fin(self):
        self.p.add(ipv4(A, B, 6, tcp(self.sport, self.dport, self.seq, 1, 0x11, b"")))


# ---- running sipwhy ----------------------------------------------------------------------

def run(args, timeout=600):
    """Runs sipwhy; returns (rc, stdout bytes, stderr text, cpu seconds, maxrss bytes)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen([SIPWHY] + args, stdout=out, stderr=err)
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.005)
        rc = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (rc, out.read(), err.read().decode("utf-8", "replace"),
                ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024)


def timed(args, tries=3):
    """Least CPU time of a few runs (noise only ever adds time)."""
    best = None
    for _ in range(tries):
        r = run(args)
        if best is None or r[3] < best[3]:
            best = r
        if r[3] > 5:  # long runs are steady enough once
            break
    return best


def linear(name, full, half):
    """full, half: run() results of the case at full and half size."""
    ratio = full[3] / max(half[3], 1e-3)
    check(ratio <= LINEAR_MAX,
          "%s: linear time: full %.3f s CPU, half %.3f s, ratio %.2f (limit %.1f)" %
          (name, full[3], half[3], ratio, LINEAR_MAX))


def json_lines(data):
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def stats_json(data):
    return json.loads(data.decode("utf-8"))


def n(x):
    return max(1, int(x * SCALE))


# ---- cases -----------------------------------------------------------------------------

def case_callids(tmp):
    def gen(path, count):
        p = Pcap(path)
        for i in range(count):
            cid = b"%x-h" % i
            p.add(ipv4(A, B, 17, udp(5060, 5060, invite(cid))))
        p.close()

    full_n, half_n = n(1000000), n(500000)
    res = {}
    for label, count in (("full", full_n), ("half", half_n)):
        path = os.path.join(tmp, "callids-%s.pcap" % label)
        gen(path, count)
        size = os.path.getsize(path)
        r = timed(["stats", "--format", "json", path], tries=2)
        res[label] = r
        if not check(r[0] == 0, "callids %s: stats exits 0 (got %d: %s)" % (label, r[0], r[2][:200])):
            return
        s = stats_json(r[1])
        check(s["messages"] == count and s["calls"]["total"] == count,
              "callids %s: %d messages and %d calls counted (want %d)" %
              (label, s["messages"], s["calls"]["total"], count))
        # Memory: the model every command builds (stats), the call list and the
        # diagnosis on top of it. The bound holds at full size, where the
        # program's own few MB are spread thin; smaller scales only report.
        runs = [("stats", r)]
        if label == "full":
            for cmd in (["calls", "--all", "--format", "tsv"], ["diagnose", "--format", "json"]):
                rc = run(cmd + [path])
                if check(rc[0] in (0, 1), "callids full: %s exits 0 or 1 (got %d: %s)" %
                         (cmd[0], rc[0], rc[2][:200])):
                    runs.append((cmd[0], rc))
            rows = [l for l in runs[1][1][1].splitlines()[1:] if l] if len(runs) > 1 else []
            check(len(rows) == count, "callids full: calls lists %d calls (want %d)" %
                  (len(rows), count))
        for name, x in runs:
            per_call = (x[4] - size) / count
            msg = ("callids %s: %s: peak RSS %.1f MB for a %.1f MB capture: %.0f bytes per call "
                   "beyond the capture" % (label, name, x[4] / 1e6, size / 1e6, per_call))
            if SAN or SCALE < 1.0 or label != "full":
                ok(msg + " (reported, not checked: %s)" %
                   ("sanitizer build" if SAN else "half size" if label != "full" else "scaled down"))
            else:
                check(per_call < MEM_PER_CALL_MAX, msg + " (bound %d)" % MEM_PER_CALL_MAX)
        os.unlink(path)
    linear("callids", res["full"], res["half"])


def case_headers(tmp):
    def gen(path, nhdr, nmsg=n(150)):
        p = Pcap(path)
        flow = TcpFlow(p)
        for i in range(nmsg):
            extra = b"".join(b"X-H%d: v%d\r\n" % (j, j) for j in range(nhdr))
            # known headers after the flood: still read
            extra += b"Max-Forwards: 69\r\nSubject: after-%d\r\n" % nhdr
            flow.send(invite(b"hdr-%d-%d" % (nhdr, i), extra=extra))
        flow.fin()
        p.close()
        return nmsg

    res = {}
    for label, nhdr in (("full", 10000), ("half", 5000)):
        path = os.path.join(tmp, "headers-%s.pcap" % label)
        nmsg = gen(path, nhdr)
        r = timed(["history", "--format", "json", path])
        res[label] = r
        if not check(r[0] == 0, "headers %s: history exits 0 (got %d: %s)" % (label, r[0], r[2][:200])):
            return
        rows = json_lines(r[1])
        check(len(rows) == nmsg, "headers %s: %d messages of %d headers read over TCP (want %d)" %
              (label, len(rows), nhdr, nmsg))
        check(all(x["malformed"] and "too many headers" in x["malformed"] for x in rows),
              "headers %s: every message flagged malformed: %s" %
              (label, rows[0]["malformed"] if rows else None))
        check(all(x["method"] == "INVITE" and x["call_id"].startswith("hdr-") and
                  x["cseq_method"] == "INVITE" for x in rows),
              "headers %s: start line, Call-ID and CSeq still read" % label)
        check("header" in r[2], "headers %s: the header bound is reported on stderr: %s" %
              (label, r[2].strip()[:200].replace("\n", " | ")))
        rs = run(["show", "--format", "json", path, "1"])
        check(rs[0] == 0 and json.loads(rs[1])["number"] == 1, "headers %s: show 1 works" % label)
        rd = run(["diagnose", "--format", "json", path])
        ids = [f["id"] for f in stats_json(rd[1])["findings"]] if rd[0] in (0, 1) else None
        check(ids is not None and "malformed-message" in ids,
              "headers %s: diagnose reports malformed-message (exit %d, %s)" % (label, rd[0], ids))
        os.unlink(path)
    linear("headers", res["full"], res["half"])


def case_frags(tmp):
    def gen(path, count):
        p = Pcap(path)
        payload = udp(5060, 5060, invite(b"frag") + b"x" * 1400)[:1480]  # a multiple of 8
        for i in range(count):
            # first fragment (MF set, offset 0) of a datagram that never completes;
            # distinct source and ID so that every one is a new datagram
            src = (10, 1 + (i >> 16) % 200, (i >> 8) & 0xFF, i & 0xFF)
            p.add(ipv4(src, B, 17, payload, ident=i, frag=0x2000))
        # one ordinary message at the end: still read
        p.add(ipv4(A, B, 17, udp(5060, 5060, invite(b"after-frags"))))
        p.close()

    res = {}
    for label, count in (("full", n(100000)), ("half", n(50000))):
        path = os.path.join(tmp, "frags-%s.pcap" % label)
        gen(path, count)
        r = timed(["history", "--format", "tsv", "--stats", path])
        res[label] = r
        if not check(r[0] == 0, "frags %s: history exits 0 (got %d: %s)" % (label, r[0], r[2][:200])):
            return
        lines = r[1].decode().splitlines()[1:]
        check(len(lines) == 1 and "after-frags" in lines[0],
              "frags %s: the message after %d incomplete datagrams is read" % (label, count))
        st = dict(kv.split("=", 1) for kv in
                  next(l for l in r[2].splitlines() if l.startswith("stats:"))[7:].split())
        check(int(st["ip_frag_dropped"]) == count,
              "frags %s: %s of %d datagrams reported dropped" % (label, st["ip_frag_dropped"], count))
        check("IP datagrams" in r[2], "frags %s: a warning says so: %s" %
              (label, [l for l in r[2].splitlines() if "datagrams" in l]))
        os.unlink(path)
    linear("frags", res["full"], res["half"])


def case_noclen(tmp):
    # a) messages without Content-Length on TCP (mandatory there, RFC 3261 20.14): each is
    #    read up to its blank line, flagged
    path = os.path.join(tmp, "noclen.pcap")
    p = Pcap(path)
    flow = TcpFlow(p)
    count = 50
    for i in range(count):
        flow.send(invite(b"noclen-%d" % i, clen=False))
    flow.fin()
    p.close()
    r = run(["history", "--format", "json", path])
    rows = json_lines(r[1]) if r[0] == 0 else []
    check(len(rows) == count and all(x["call_id"] == "noclen-%d" % i for i, x in enumerate(rows)),
          "noclen: %d messages without Content-Length on one TCP stream read (got %d)" %
          (count, len(rows)))
    check(all(x["method"] == "INVITE" and x["len"] < 400 for x in rows),
          "noclen: each framed at its blank line (no body taken from the next)")

    # b) a stream whose first message never ends (no blank line, ever): bounded by the
    #    message size bound, reported, linear in the stream's length
    def gen(path, nbytes):
        p = Pcap(path)
        flow = TcpFlow(p, sport=40001)
        flow.send(b"INVITE sip:bob@10.0.0.2 SIP/2.0\r\nCall-ID: endless\r\n")
        line = b"X-Filler: " + b"a" * 88 + b"\r\n"
        flow.send(line * (nbytes // len(line)))
        flow.fin()
        # and a normal message on another stream after it
        other = TcpFlow(p, sport=40002)
        other.send(invite(b"after-endless"))
        other.fin()
        p.close()

    res = {}
    for label, nbytes in (("full", n(8 << 20)), ("half", n(4 << 20))):
        path = os.path.join(tmp, "endless-%s.pcap" % label)
        gen(path, nbytes)
        r = timed(["history", "--format", "json", path])
        res[label] = r
        rows = json_lines(r[1]) if r[0] == 0 else []
        check(any(x["call_id"] == "after-endless" for x in rows),
              "endless %s: the message on the next stream is read (exit %d)" % (label, r[0]))
        check("1 MiB" in r[2] or "larger than" in r[2],
              "endless %s: the %d MB stream without an end is reported: %s" %
              (label, nbytes >> 20, r[2].strip()[:160]))
        os.unlink(path)
    linear("endless", res["full"], res["half"])


def case_segments(tmp):
    """Messages that arrive a few bytes per TCP segment: framed in linear time."""
    def gen(path, size, nmsg=n(60)):
        p = Pcap(path)
        flow = TcpFlow(p)
        for i in range(nmsg):
            extra = b"".join(b"X-Pad-%d: %s\r\n" % (j, b"p" * 40) for j in range(size // 60))
            flow.send(invite(b"seg-%d" % i, extra=extra, body=b"b" * (size // 2)), mss=16)
        flow.fin()
        p.close()
        return nmsg

    res = {}
    for label, size in (("full", 128000), ("half", 64000)):
        path = os.path.join(tmp, "seg-%s.pcap" % label)
        nmsg = gen(path, size)
        r = timed(["history", "--format", "json", "--limit", "headers=100000", path])
        res[label] = r
        rows = json_lines(r[1]) if r[0] == 0 else []
        check(len(rows) == nmsg and all(x["call_id"] == "seg-%d" % i and not x["malformed"]
                                        for i, x in enumerate(rows)),
              "segments %s: %d messages of %d bytes in 16-byte segments framed (got %d)" %
              (label, nmsg, size * 2, len(rows)))
        os.unlink(path)
    linear("segments", res["full"], res["half"])


def case_snaplen(tmp):
    path = os.path.join(tmp, "snap.pcap")
    p = Pcap(path, snaplen=200)
    body = (b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
            b"m=audio 4000 RTP/AVP 0\r\n")
    count = 20
    for i in range(count):
        p.add(ipv4(A, B, 17, udp(5060, 5060, invite(b"snap-%d" % i, extra=b"Content-Type: application/sdp\r\n",
                                                    body=body))))
    p.add(ipv4(A, B, 17, udp(5060, 5060, b"OPTIONS sip:x SIP/2.0\r\nCall-ID: short\r\n\r\n")))
    p.close()
    r = run(["history", "--format", "json", path])
    rows = json_lines(r[1]) if r[0] == 0 else []
    check(len(rows) == count + 1, "snaplen: %d messages (got %d, exit %d)" % (count + 1, len(rows), r[0]))
    cut = rows[:count]
    check(all(x["truncated"] for x in cut), "snaplen: the cut messages are marked truncated")
    check(all(x["method"] == "INVITE" for x in cut), "snaplen: their start line is still read")
    check(not rows[-1]["truncated"] if rows else False, "snaplen: the short message is not marked")
    rd = run(["diagnose", "--format", "json", path])
    try:
        d = stats_json(rd[1])
        bogus = [f["id"] for f in d["findings"] if f["id"] in ("codec-mismatch", "udp-message-too-large")]
        check(rd[0] in (0, 1) and not bogus,
              "snaplen: diagnose draws no conclusion from the missing bytes (%s)" % bogus)
    except ValueError as e:
        bad("snaplen: diagnose JSON invalid: %s" % e)


NASTY = [b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xe2\x82", b"\x1b[31m", b"\"\\", b"\x7f\x01",
         b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]


def case_bytes(tmp):
    path = os.path.join(tmp, "bytes.pcap")
    p = Pcap(path)
    count = 0
    for i, x in enumerate(NASTY):
        cid = b"c" + x + b"%d" % i
        tag = b"t" + x
        sdp = (b"v=0\r\no=" + x + b" 1 1 IN IP4 10.0.0.1\r\ns=" + x + b"\r\nc=IN IP4 10.0.0.1\r\n"
               b"t=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU" + x + b"/8000\r\n")
        req = (b"INVITE sip:b" + x + b"@10.0.0.2 SIP/2.0\r\n"
               b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + x + b"\r\n"
               b"From: \"" + x + b"\" <sip:a" + x + b"@10.0.0.1>;tag=" + tag + b"\r\n"
               b"To: <sip:b@10.0.0.2>\r\nCall-ID: " + cid + b"\r\nCSeq: 1 INVITE\r\n"
               b"User-Agent: " + x + b"\r\nX-" + x + b": " + x + b"\r\n"
               b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp) + sdp)
        resp = (b"SIP/2.0 488 Bad " + x + b"Thing\r\n"
                b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + x + b"\r\n"
                b"From: <sip:a@10.0.0.1>;tag=" + tag + b"\r\nTo: <sip:b@10.0.0.2>;tag=" + x + b"\r\n"
                b"Call-ID: " + cid + b"\r\nCSeq: 1 INV" + x + b"ITE\r\nWarning: 399 h \"" + x + b"\"\r\n"
                b"Content-Length: 0\r\n\r\n")
        for m in (req, resp):
            p.add(ipv4(A, B, 17, udp(5060, 5060, m)))
            count += 1
        # not SIP (a method or a status code that is not a token or 3 digits): counted
        # as other traffic, never shown, never a crash
        for m in (req.replace(b"INVITE sip:", b"INV" + x + b"ITE sip:", 1),
                  resp.replace(b"SIP/2.0 488", b"SIP/2.0 4" + x + b"8", 1)):
            p.add(ipv4(A, B, 17, udp(5060, 5060, m)))
    # the same on TCP
    flow = TcpFlow(p)
    flow.send(b"OPTIONS sip:\x00@x SIP/2.0\r\nCall-ID: \xff\x00\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    count += 1
    flow.fin()
    p.close()

    for args in (["history", "--format", "json"], ["show", "--format", "json", "--where", "number > 0"],
                 ["calls", "--all", "--format", "json"], ["stats", "--format", "json"],
                 ["diagnose", "--format", "json"], ["diagnose", "--format", "json", "--lang", "ru"]):
        r = run(args + [path])
        name = " ".join(args[:1] + args[3:])
        try:
            text = r[1].decode("utf-8")  # strict: invalid UTF-8 raises
            objs = [json.loads(l) for l in text.splitlines() if l.strip()]
            whole = args[0] in ("stats", "diagnose")
            check(r[0] in (0, 1) and (len(objs) == 1 if whole else len(objs) > 0),
                  "bytes: %s: valid UTF-8 JSON (%d object(s), exit %d)" % (name, len(objs), r[0]))
            if args[0] == "history":
                check(len(objs) == count, "bytes: history: %d messages (want %d)" % (len(objs), count))
        except ValueError as e:
            bad("bytes: %s: invalid output: %s" % (name, e))
    r = run(["history", "--format", "tsv", path])
    lines = r[1].split(b"\n")
    check(r[0] == 0 and len(lines) == count + 2 and lines[-1] == b"" and
          all(l.count(b"\t") == lines[0].count(b"\t") for l in lines[1:-1]),
          "bytes: history tsv: one line per message, same column count")
    r = run(["history", "--color=never", path])
    check(r[0] == 0 and b"\x1b" not in r[1] and b"\x00" not in r[1],
          "bytes: history text: no raw ESC or NUL reaches the terminal")
    r = run(["flow", "--ascii", path, "1"])
    check(r[0] == 0 and b"\x1b" not in r[1] and b"\x00" not in r[1],
          "bytes: flow text: no raw ESC or NUL reaches the terminal (exit %d)" % r[0])


def case_lies(tmp):
    good = [ipv4(A, B, 17, udp(5060, 5060, invite(b"lie-%d" % i))) for i in range(5)]

    def write(name, mutate, snaplen=65535):
        path = os.path.join(tmp, name + ".pcap")
        p = Pcap(path, snaplen=snaplen)
        for g in good:
            p.add(g)
        mutate(p)
        p.close()
        return path

    cases = [
        ("incl_len past the file", lambda p: p.add(good[0], raw_len=len(good[0]) + 5000)),
        ("incl_len of 4 GB", lambda p: p.add(good[0], raw_len=0xFFFFFFF0)),
        ("incl_len over the snaplen", lambda p: p.add(good[0] + b"x" * 3000, raw_len=3000 + len(good[0]))),
        ("orig_len smaller than incl_len", lambda p: p.add(good[0], origlen=10)),
        ("a record header cut in half", lambda p: p.f.write(b"\x01\x02\x03\x04\x05\x06")),
    ]
    for i, (what, mut) in enumerate(cases):
        path = write("lie%d" % i, mut, snaplen=1500 if "snaplen" in what else 65535)
        r = run(["history", "--format", "tsv", path])
        lines = r[1].decode("utf-8", "replace").splitlines()[1:]
        got = [l.split("\t")[9] for l in lines]
        check(r[0] == 0 and got[:5] == ["lie-%d" % k for k in range(5)],
              "lies: %s: the 5 good records are kept (exit %d, %d messages)" % (what, r[0], len(got)))
        check("warning" in r[2] or len(got) == 6,
              "lies: %s: reported (%s)" % (what, r[2].strip().splitlines()[:1]))


def case_limits(tmp):
    """Every --limit bound: hit on purpose with a small value, reported naming the option."""
    path = os.path.join(tmp, "limits.pcap")
    p = Pcap(path)
    for i in range(3):
        p.add(ipv4(A, B, 17, udp(5060, 5060, invite(b"lim-%d" % i,
                                                    extra=b"".join(b"X-%d: v\r\n" % j for j in range(20))))))
    f1 = TcpFlow(p, sport=40010)
    f2 = TcpFlow(p, sport=40011)
    f1.send(invite(b"tcp-big", body=b"x" * 3000))
    f2.send(invite(b"tcp-two"))
    pay = udp(5060, 5060, invite(b"frag") + b"x" * 1400)[:1480]
    for i in range(20):
        p.add(ipv4(A, B, 17, pay, ident=1000 + i, frag=0x2000))
    p.close()
    cases = [("headers=10", "--limit headers"), ("message=2K", "--limit message"),
             ("tcp-streams=1", "--limit tcp-streams"), ("frag-datagrams=5", "--limit frag-datagrams"),
             ("calls=2", "--limit calls")]
    for lim, want in cases:
        r = run(["stats", "--format", "json", "--limit", lim, path])
        check(r[0] == 0 and want in r[2], "limits: --limit %s is reported: %s" %
              (lim, [l for l in r[2].splitlines() if "--limit" in l]))
    r = run(["stats", "--format", "json", "--limit", "calls=2", path])
    check(r[0] == 0 and stats_json(r[1])["calls"]["total"] == 2, "limits: calls=2 holds two calls")
    r = run(["history", "--format", "tsv", "--limit", "calls=1", path])
    check(r[0] == 0 and len(r[1].splitlines()) == 6, "limits: history lists every message whatever the calls bound")
    r = run(["stats", path])
    check(r[0] == 0 and "--limit" not in r[2] and "20 IP datagrams never completed" in r[2],
          "limits: under the default bounds only the incomplete datagrams are reported: %s" % r[2].strip())
    for bad_arg in ("nosuch=1", "headers=0", "headers", "calls=-1", "message=1x", "frag-bytes=99999999G"):
        for cmd in ("history", "calls", "flow", "stats", "diagnose", "show"):
            r = run([cmd, "--limit", bad_arg, path, "1"])
            check(r[0] == 2 and r[2].startswith("sipwhy: error: %s: --limit" % cmd),
                  "limits: %s --limit %s refused (exit %d: %s)" % (cmd, bad_arg, r[0], r[2].strip()[:90]))


CASES = {"limits": case_limits, "callids": case_callids, "headers": case_headers, "frags": case_frags,
         "noclen": case_noclen, "segments": case_segments, "snaplen": case_snaplen, "bytes": case_bytes, "lies": case_lies}

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    SIPWHY = sys.argv[1]
    names = sys.argv[2:] or list(CASES)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            t0 = time.monotonic()
            CASES[name](tmp)
            print("     (%s: %.1f s)" % (name, time.monotonic() - t0))
    print("hostile: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
