#!/usr/bin/env python3
"""ansi_peer.py A B PORT - sends SIP carrying terminal escape sequences over UDP from
A:PORT to B:PORT (ansi.sh): an INVITE (escapes in User-Agent, From display name,
Subject, an extension header's name, the Call-ID and the SDP session name), a 486 from B
whose reason phrase holds one, and an OPTIONS whose User-Agent holds a C1 CSI (0x9b)."""
import socket
import sys
import time

ESC = b"\x1b"


def main():
    a, b, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sa = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sa.bind((a, port))
    sb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sb.bind((b, port))
    cid = b"esc-" + ESC + b"[2J@" + a.encode()
    sdp = (b"v=0\r\no=x 1 1 IN IP4 " + a.encode() + b"\r\ns=" + ESC + b"]0;pwned" + b"\x07\r\n"
           b"c=IN IP4 " + a.encode() + b"\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n")
    inv = (b"INVITE sip:bob@" + b.encode() + b" SIP/2.0\r\n"
           b"Via: SIP/2.0/UDP " + a.encode() + b":%d;branch=z9hG4bKesc1\r\n" % port +
           b"From: \"" + ESC + b"[2J" + ESC + b"[HMallory\" <sip:mallory@" + a.encode() + b">;tag=e1\r\n"
           b"To: <sip:bob@" + b.encode() + b">\r\n"
           b"Call-ID: " + cid + b"\r\n"
           b"CSeq: 1 INVITE\r\n"
           b"Contact: <sip:mallory@" + a.encode() + b":%d>\r\n" % port +
           b"User-Agent: " + ESC + b"[31mRED" + ESC + b"[0m " + ESC + b"[5mblink\r\n"
           b"Subject: " + ESC + b"]0;title" + b"\x07 and a bare " + ESC + b" byte\r\n"
           b"X-" + ESC + b"[1mBold: v\r\n"
           b"Max-Forwards: 70\r\n"
           b"Content-Type: application/sdp\r\n"
           b"Content-Length: %d\r\n\r\n" % len(sdp)) + sdp
    sa.sendto(inv, (b, port))
    time.sleep(0.05)
    busy = (b"SIP/2.0 486 Busy " + ESC + b"[5mHere\r\n"
            b"Via: SIP/2.0/UDP " + a.encode() + b":%d;branch=z9hG4bKesc1\r\n" % port +
            b"From: \"" + ESC + b"[2J" + ESC + b"[HMallory\" <sip:mallory@" + a.encode() + b">;tag=e1\r\n"
            b"To: <sip:bob@" + b.encode() + b">;tag=b1\r\n"
            b"Call-ID: " + cid + b"\r\n"
            b"CSeq: 1 INVITE\r\n"
            b"Content-Length: 0\r\n\r\n")
    sb.sendto(busy, (a, port))
    time.sleep(0.05)
    opt = (b"OPTIONS sip:" + b.encode() + b" SIP/2.0\r\n"
           b"Via: SIP/2.0/UDP " + a.encode() + b":%d;branch=z9hG4bKesc2\r\n" % port +
           b"From: <sip:mallory@" + a.encode() + b">;tag=e2\r\n"
           b"To: <sip:" + b.encode() + b">\r\n"
           b"Call-ID: opt-esc@" + a.encode() + b"\r\n"
           b"CSeq: 1 OPTIONS\r\n"
           b"User-Agent: c1 \x9b31m csi\r\n"
           b"Content-Length: 0\r\n\r\n")
    sa.sendto(opt, (b, port))
    time.sleep(0.1)


if __name__ == "__main__":
    main()
