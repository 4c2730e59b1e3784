#!/usr/bin/env python3
"""rtp_pcap.py RAW PT SSRC OUT.pcap - wraps a raw 8 kHz payload (G.711 bytes from
sox, one byte a sample) into RTP packets of 20 ms (160 bytes) in an Ethernet/IPv4/UDP
pcap, 20 ms apart, as sipp's play_pcap_audio wants its input. Addresses and ports are
placeholders: sipp sends the payloads to the media address the SDP negotiated."""
import struct
import sys


def main():
    raw, pt, ssrc, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0), sys.argv[4]
    data = open(raw, "rb").read()
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        seq, ts, t = 1000, 5000, 0.0
        for i in range(0, len(data) - 159, 160):
            rtp = struct.pack("!BBHII", 0x80, pt & 0x7F, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
            rtp += data[i:i + 160]
            udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
            eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" + ip
            sec, usec = int(t), int(round((t - int(t)) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(eth), len(eth)) + eth)
            seq += 1
            ts += 160
            t += 0.02


if __name__ == "__main__":
    main()
