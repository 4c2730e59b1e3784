#!/usr/bin/env python3
"""tcp_writer.py - a SIP-over-TCP client that controls TCP segmentation exactly.

Used by tests/e2e/live_tcp.sh and live_tcp_loss.sh against sipp's built-in UAS
(`sipp -sn uas -t t1`). Every write goes out with TCP_NODELAY and the plan pauses between
writes, so one write() is one TCP segment: the plan decides which SIP messages are
coalesced in a segment and where a message is split (request line, middle of a header,
middle of the body) and where CRLF keep-alives go. The capture (tcpdump) and tshark then
see real Linux TCP segments; nothing here forges packets.

usage: tcp_writer.py PLAN --bind IP --connect IP:PORT [--sport N] [--hook NAME=CMD ...]
       [--log FILE]
  PLAN      coalesce (live_tcp.sh: 4 calls + OPTIONS, 2 connections) or
            loss (live_tcp_loss.sh: 1 call, one INVITE segment lost on the way)
  --sport   client port (default: any)
  --hook    shell command run at named points of the plan (loss: drop_on, drop_off)
  --log     where to write a timestamped line per write / response (default stderr)

Exit status: 0 the plan ran and every expected response arrived, 1 otherwise (a
missing response times out after 5 s).
Bodies end with a line "a=x-sipwhy-end:<call>" so tests can check that a reassembled
message kept its whole body (`sipwhy show`).
"""
import argparse
import re
import select
import socket
import subprocess
import sys
import time

LOG = sys.stderr


def log(*a):
    print('%.6f' % time.time(), *a, file=LOG, flush=True)


def sdp(ip, call, size=0):
    """An SDP body; with size > 0 it is padded with a= lines to about that many bytes."""
    lines = ['v=0', 'o=writer 1 1 IN IP4 %s' % ip, 's=sipwhy-live', 'c=IN IP4 %s' % ip,
             't=0 0', 'm=audio 40000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000',
             'a=rtpmap:8 PCMA/8000']
    n = 0
    while size and len('\r\n'.join(lines)) < size - 40:
        lines.append('a=x-pad%03d:%s' % (n, 'p' * 60))
        n += 1
    lines.append('a=x-sipwhy-end:%s' % call)
    return ('\r\n'.join(lines) + '\r\n').encode()


class Peer:
    def __init__(self, me, my_port, them, their_port):
        self.me, self.my_port, self.them, self.their_port = me, my_port, them, their_port

    def request(self, method, call, cseq, body=b'', to_tag=None, branch=None, compact=False):
        """Returns the bytes of one SIP request of call `call` (Call-ID derives from it);
        with compact=True in compact header forms (v: f: t: i: m: c: l:, RFC 3261 7.3.3)."""
        uri = 'sip:service@%s:%d;transport=tcp' % (self.them, self.their_port)
        cseq_method = 'INVITE' if method == 'ACK' else method
        h = ['%s %s SIP/2.0' % (method, uri),
             'Via: SIP/2.0/TCP %s:%d;branch=z9hG4bK-%s-%s-%d' % (
                 self.me, self.my_port, branch or method.lower(), call, cseq),
             'Max-Forwards: 70',
             'From: "writer" <sip:writer@%s:%d>;tag=w-%s' % (self.me, self.my_port, call),
             'To: <sip:service@%s:%d>%s' % (self.them, self.their_port,
                                            (';tag=' + to_tag) if to_tag else ''),
             'Call-ID: %s@sipwhy-live' % call,
             'CSeq: %d %s' % (cseq, cseq_method),
             'Contact: <sip:writer@%s:%d;transport=tcp>' % (self.me, self.my_port),
             'User-Agent: sipwhy-live-tcp-writer']
        if body:
            h.append('Content-Type: application/sdp')
        h.append('Content-Length: %d' % len(body))
        if compact:
            short = {'Via': 'v', 'From': 'f', 'To': 't', 'Call-ID': 'i', 'Contact': 'm',
                     'Content-Type': 'c', 'Content-Length': 'l'}
            h = [h[0]] + ['%s:%s' % (short.get(x.split(':', 1)[0], x.split(':', 1)[0]),
                                     x.split(':', 1)[1]) for x in h[1:]]
        return ('\r\n'.join(h) + '\r\n\r\n').encode() + body


class Conn:
    """A TCP connection with TCP_NODELAY and a parser for what the server sends back."""

    def __init__(self, bind, sport, host, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.bind((bind, sport))
        self.s.settimeout(5)
        self.s.connect((host, port))
        self.s.settimeout(None)
        self.port = self.s.getsockname()[1]
        self.buf = b''
        self.got = []          # (status, call_id, cseq_method, to_tag)

    def close(self, wait=True):
        """Half-closes; with wait, reads until the server closes too (2 s at most)."""
        self.s.shutdown(socket.SHUT_WR)
        if not wait:
            self.s.close()
            return
        self.s.settimeout(2)
        try:
            while self.s.recv(65536):
                pass
        except OSError:
            pass
        self.s.close()

    def write(self, data, what):
        self.s.sendall(data)
        log('write %4d bytes: %s' % (len(data), what))

    def _parse(self):
        while True:
            self.buf = self.buf.lstrip(b'\r\n')
            end = self.buf.find(b'\r\n\r\n')
            if end < 0:
                return
            head = self.buf[:end].decode('latin-1')
            m = re.search(r'(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)', head)
            blen = int(m.group(1)) if m else 0
            if len(self.buf) < end + 4 + blen:
                return
            self.buf = self.buf[end + 4 + blen:]
            first = head.split('\r\n', 1)[0]
            st = re.match(r'SIP/2\.0 (\d{3})', first)
            cid = re.search(r'(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)', head)
            cseq = re.search(r'(?im)^cseq[ \t]*:[ \t]*\d+[ \t]+(\S+)', head)
            tag = re.search(r'(?im)^(?:to|t)[ \t]*:.*;[ \t]*tag=([^;\s>]+)', head)
            rec = (st.group(1) if st else first.split(' ')[0],
                   cid.group(1) if cid else '', cseq.group(1) if cseq else '',
                   tag.group(1) if tag else '')
            self.got.append(rec)
            log('read: %s %s %s' % rec[:3])

    def expect(self, status, call, method, timeout=5.0):
        """Waits for response `status` to `method` of `call`; returns its To tag."""
        cid = '%s@sipwhy-live' % call
        deadline = time.time() + timeout
        while True:
            for r in self.got:
                if r[0] == status and r[1] == cid and r[2] == method:
                    self.got.remove(r)
                    return r[3]
            left = deadline - time.time()
            if left <= 0:
                raise SystemExit('tcp_writer: timeout waiting for %s to %s of %s (got %r)'
                                 % (status, method, call, self.got))
            r, _, _ = select.select([self.s], [], [], left)
            if r:
                data = self.s.recv(65536)
                if not data:
                    raise SystemExit('tcp_writer: server closed the connection while waiting '
                                     'for %s to %s of %s' % (status, method, call))
                self.buf += data
                self._parse()


def pause(sec=0.06):
    # Long enough for the previous segment to leave and be ACKed (no autocorking).
    time.sleep(sec)


def cuts(data, *marks):
    """Splits data at the given cut points; a mark is a byte string (cut in its middle)
    or an int offset (negative counts from the end)."""
    points = []
    for m in marks:
        if isinstance(m, int):
            points.append(m if m >= 0 else len(data) + m)
        else:
            i = data.find(m)
            if i < 0:
                raise SystemExit('tcp_writer: bug: %r not in message' % m)
            points.append(i + len(m) // 2)
    points = sorted(points)
    out, prev = [], 0
    for p in points:
        out.append(data[prev:p])
        prev = p
    out.append(data[prev:])
    return out


def plan_coalesce(c, p, hooks):
    """Four calls and an OPTIONS on two connections; see live_tcp.sh for the table."""
    ka = b'\r\n\r\n'
    inv = {k: p.request('INVITE', k, 1, sdp(p.me, k), compact=(k == 'tcp2'))
           for k in ('tcp1', 'tcp2', 'tcp3')}
    # A second connection from another port: call tcp0, interleaved with tcp1.
    c2 = Conn(p.me, 0, p.them, p.their_port)
    p2 = Peer(p.me, c2.port, p.them, p.their_port)
    log('connected %s:%d -> %s:%d (second connection)' % (p.me, c2.port, p.them, p.their_port))
    inv['tcp0'] = p2.request('INVITE', 'tcp0', 1, sdp(p.me, 'tcp0'))
    # 1: a lone keep-alive first.
    c.write(ka, 'keep-alive CRLFCRLF')
    pause()
    # 2: INVITE tcp1 in 4 segments: inside the request line, inside the Call-ID header,
    #    inside the body. The last segment ends the message. Between them, INVITE tcp0
    #    in 3 segments on the second connection (cut inside Via and inside the body).
    parts = cuts(inv['tcp1'], b'INVITE sip:service', b'Call-ID: tcp1@sipwhy', b'a=rtpmap:0 PCMU')
    parts0 = cuts(inv['tcp0'], b'Via: SIP/2.0/TCP', b'a=rtpmap:8 PCMA')
    for i, part in enumerate(parts):
        c.write(part, 'INVITE tcp1 part %d/%d' % (i + 1, len(parts)))
        pause()
        if i < len(parts0):
            c2.write(parts0[i], 'INVITE tcp0 part %d/%d (second connection)' % (i + 1, len(parts0)))
            pause()
    tag1 = c.expect('200', 'tcp1', 'INVITE')
    tag0 = c2.expect('200', 'tcp0', 'INVITE')
    c2.write(p2.request('ACK', 'tcp0', 1, to_tag=tag0) + p2.request('BYE', 'tcp0', 2, to_tag=tag0),
             'ACK tcp0 + BYE tcp0 (coalesced, second connection)')
    c2.expect('200', 'tcp0', 'BYE')
    pause()
    c2.close(wait=False)
    # 3: ACK + BYE of tcp1 coalesced in one segment.
    c.write(p.request('ACK', 'tcp1', 1, to_tag=tag1) + p.request('BYE', 'tcp1', 2, to_tag=tag1),
            'ACK tcp1 + BYE tcp1 (coalesced)')
    c.expect('200', 'tcp1', 'BYE')
    pause()
    # 4: INVITE tcp2 whole, in compact form (its body ends where "l:" says) + the head of
    #    INVITE tcp3 (cut inside the From header), then the rest of tcp3 split once more
    #    inside its body.
    h3 = cuts(inv['tcp3'], b'From: "writer"', b'a=rtpmap:8 PCMA')
    c.write(inv['tcp2'] + h3[0], 'INVITE tcp2 + INVITE tcp3 part 1/3 (coalesced, split)')
    pause()
    c.write(h3[1], 'INVITE tcp3 part 2/3')
    pause()
    c.write(h3[2] + ka, 'INVITE tcp3 part 3/3 + keep-alive')
    tag2 = c.expect('200', 'tcp2', 'INVITE')
    tag3 = c.expect('200', 'tcp3', 'INVITE')
    pause()
    # 5: three messages in one segment, then keep-alive + OPTIONS (answered by sipp -aa).
    c.write(p.request('ACK', 'tcp2', 1, to_tag=tag2) + p.request('ACK', 'tcp3', 1, to_tag=tag3)
            + p.request('BYE', 'tcp2', 2, to_tag=tag2), 'ACK tcp2 + ACK tcp3 + BYE tcp2 (coalesced)')
    c.expect('200', 'tcp2', 'BYE')
    pause()
    # In-dialog OPTIONS: sipp -aa answers it within call tcp3 (an out-of-dialog one would
    # be a fourth call, beyond sipp's -m 3).
    c.write(ka + p.request('OPTIONS', 'tcp3', 2, to_tag=tag3),
            'keep-alive + OPTIONS tcp3 (coalesced)')
    c.expect('200', 'tcp3', 'OPTIONS')
    pause()
    # 6: BYE tcp3 split right after its request line, 3 bytes then the rest.
    bye3 = p.request('BYE', 'tcp3', 3, to_tag=tag3)
    c.write(bye3[:3], 'BYE tcp3 part 1/2 (3 bytes)')
    pause()
    c.write(bye3[3:], 'BYE tcp3 part 2/2')
    c.expect('200', 'tcp3', 'BYE')
    pause()
    c.write(ka, 'keep-alive CRLFCRLF')
    pause()


def plan_loss(c, p, hooks):
    """One call whose INVITE loses its middle segment on the way (see live_tcp_loss.sh).

    While hook drop_on is in force (live_tcp_loss.sh points the client's neighbour entry
    for the server at a MAC address nobody has), segment 2 leaves the client, is recorded
    by the client's tcpdump and discarded by the server's stack; drop_off restores the
    entry; segment 3 arrives, the server SACKs it, Linux TCP retransmits segment 2. The
    sender's capture holds segment 2 twice, the receiver's holds segment 3 before 2.
    """
    body = sdp(p.me, 'loss1', 1800)
    inv = p.request('INVITE', 'loss1', 1, body)
    # Segment lengths 200 / 1350 / the rest (< 1000) tell the segments apart in the
    # captures; segment 2 starts in the headers and ends inside the body.
    s1, s2, s3 = inv[:200], inv[200:1550], inv[1550:]
    assert len(inv) - len(body) < 1550 and 0 < len(s3) < 1000, (len(inv), len(s3))
    c.write(s1, 'INVITE loss1 part 1/3 (%d bytes)' % len(s1))
    pause(0.1)
    run(hooks, 'drop_on')
    c.write(s2, 'INVITE loss1 part 2/3 (%d bytes, lost on the way)' % len(s2))
    pause(0.05)
    run(hooks, 'drop_off')
    c.write(s3, 'INVITE loss1 part 3/3 (%d bytes, arrives before part 2)' % len(s3))
    tag = c.expect('200', 'loss1', 'INVITE', timeout=8)
    pause()
    c.write(p.request('ACK', 'loss1', 1, to_tag=tag), 'ACK loss1')
    pause()
    c.write(p.request('BYE', 'loss1', 2, to_tag=tag), 'BYE loss1')
    c.expect('200', 'loss1', 'BYE')
    pause()


def run(hooks, name):
    cmd = hooks.get(name)
    if cmd:
        log('hook %s: %s' % (name, cmd))
        subprocess.run(cmd, shell=True, check=True)


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument('plan', choices=['coalesce', 'loss'])
    ap.add_argument('--bind', required=True)
    ap.add_argument('--sport', type=int, default=0)
    ap.add_argument('--connect', required=True)
    ap.add_argument('--hook', action='append', default=[])
    ap.add_argument('--log')
    a = ap.parse_args()
    if a.log:
        LOG = open(a.log, 'w')
    host, port = a.connect.rsplit(':', 1)
    hooks = dict(h.split('=', 1) for h in a.hook)
    c = Conn(a.bind, a.sport, host, int(port))
    log('connected %s:%d -> %s:%s' % (a.bind, c.port, host, port))
    p = Peer(a.bind, c.port, host, int(port))
    {'coalesce': plan_coalesce, 'loss': plan_loss}[a.plan](c, p, hooks)
    c.close()
    log('done')
    return 0


if __name__ == '__main__':
    sys.exit(main())
