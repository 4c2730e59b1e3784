/*
 * pcapw: writing packets that sipwhy rebuilt (a per-call file of live
 * capture): IPv4 or IPv6 with UDP or TCP around a payload, in a pcap file of
 * link type RAW (101: the packet starts at the IP header), microsecond
 * timestamps. Written by hand: the format is 24 bytes of file header and 16
 * a record, and libpcap's writer needs a capture handle we do not have here.
 *
 * Checksums are real (IPv4 header, UDP, TCP) so that tools do not flag the
 * packets. A TCP payload over 65,000 bytes is cut into several segments with
 * consecutive sequence numbers; a UDP payload cannot be (one datagram) and
 * is refused past what an IP packet holds.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

struct sw_pcapw {
    FILE *f;
    uint64_t packets;
};

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xFFFFu);
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* One's complement sum of 16-bit words (RFC 1071), not yet folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

int sw_pcapw_open(sw_pcapw **out, const char *path)
{
    *out = NULL;
    sw_pcapw *w = calloc(1, sizeof *w);
    if (!w)
        return SW_ENOMEM;
    w->f = fopen(path, "wb");
    if (!w->f) {
        free(w);
        return SW_EIO;
    }
    uint8_t h[24];
    le32(h, 0xA1B2C3D4u);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4, little-endian */
    le32(h + 8, 0);
    le32(h + 12, 0);
    le32(h + 16, 262144); /* snaplen */
    le32(h + 20, 101);    /* LINKTYPE_RAW */
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        fclose(w->f);
        free(w);
        return SW_EIO;
    }
    *out = w;
    return 0;
}

static int record(sw_pcapw *w, int64_t ts_ns, const uint8_t *hdr, size_t hlen, const uint8_t *pl,
                  size_t plen)
{
    uint8_t r[16];
    int64_t sec = ts_ns / 1000000000, usec = (ts_ns % 1000000000) / 1000;
    if (ts_ns < 0) {
        sec = 0;
        usec = 0;
    }
    le32(r, (uint32_t)sec);
    le32(r + 4, (uint32_t)usec);
    le32(r + 8, (uint32_t)(hlen + plen));
    le32(r + 12, (uint32_t)(hlen + plen));
    if (fwrite(r, 1, 16, w->f) != 16 || fwrite(hdr, 1, hlen, w->f) != hlen ||
        (plen && fwrite(pl, 1, plen, w->f) != plen))
        return SW_EIO;
    w->packets++;
    return 0;
}

/* One packet: IP header + L4 header + payload (plen fits one packet). */
static int packet(sw_pcapw *w, int64_t ts_ns, const sw_addr *src, uint16_t sport,
                  const sw_addr *dst, uint16_t dport, bool tcp, uint32_t seq, const uint8_t *pl,
                  size_t plen)
{
    uint8_t h[40 + 20];
    size_t l4 = tcp ? 20 : 8;
    size_t ip = src->family == 6 ? 40 : 20;
    uint8_t *t = h + ip;
    memset(h, 0, sizeof h);
    /* L4 header, checksum later */
    put16(t, sport);
    put16(t + 2, dport);
    if (tcp) {
        put32(t + 4, seq);
        put32(t + 8, 0);
        t[12] = 5 << 4;   /* data offset: 5 words */
        t[13] = 0x18;     /* PSH, ACK */
        put16(t + 14, 65535);
    } else {
        put16(t + 4, (unsigned)(l4 + plen));
    }
    /* pseudo-header for the L4 checksum */
    uint32_t sum = 0;
    uint8_t ph[40];
    size_t phl;
    if (ip == 40) {
        memcpy(ph, src->a, 16);
        memcpy(ph + 16, dst->a, 16);
        put32(ph + 32, (uint32_t)(l4 + plen));
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = tcp ? 6 : 17;
        phl = 40;
    } else {
        memcpy(ph, src->a, 4);
        memcpy(ph + 4, dst->a, 4);
        ph[8] = 0;
        ph[9] = tcp ? 6 : 17;
        put16(ph + 10, (unsigned)(l4 + plen));
        phl = 12;
    }
    sum = csum_add(sum, ph, phl);
    sum = csum_add(sum, t, l4);
    sum = csum_add(sum, pl, plen); /* last: an odd final byte pairs with a zero */
    uint16_t c = csum_fold(sum);
    if (!tcp && c == 0)
        c = 0xFFFF; /* UDP: 0 means "no checksum" */
    put16(t + (tcp ? 16 : 6), c);
    /* IP header */
    if (ip == 40) {
        h[0] = 0x60;
        put16(h + 4, (unsigned)(l4 + plen));
        h[6] = tcp ? 6 : 17;
        h[7] = 64;
        memcpy(h + 8, src->a, 16);
        memcpy(h + 24, dst->a, 16);
    } else {
        h[0] = 0x45;
        put16(h + 2, (unsigned)(20 + l4 + plen));
        h[6] = 0x40; /* don't fragment */
        h[8] = 64;
        h[9] = tcp ? 6 : 17;
        memcpy(h + 12, src->a, 4);
        memcpy(h + 16, dst->a, 4);
        put16(h + 10, csum_fold(csum_add(0, h, 20)));
    }
    return record(w, ts_ns, h, ip + l4, pl, plen);
}

int sw_pcapw_packet(sw_pcapw *w, int64_t ts_ns, const sw_addr *src, uint16_t sport,
                    const sw_addr *dst, uint16_t dport, bool tcp, uint32_t seq,
                    const uint8_t *payload, size_t len)
{
    if (!w || (src->family != 4 && src->family != 6) || src->family != dst->family)
        return SW_EINVAL;
    size_t room = 65535 - (src->family == 6 ? 0 : 20) - (tcp ? 20 : 8);
    if (!tcp) {
        if (len > room)
            return SW_EINVAL;
        return packet(w, ts_ns, src, sport, dst, dport, false, 0, payload, len);
    }
    size_t off = 0;
    do {
        size_t n = len - off > 65000 ? 65000 : len - off;
        int rc = packet(w, ts_ns, src, sport, dst, dport, true, seq + (uint32_t)off,
                        payload + off, n);
        if (rc)
            return rc;
        off += n;
    } while (off < len);
    return 0;
}

uint64_t sw_pcapw_count(const sw_pcapw *w) { return w ? w->packets : 0; }

int sw_pcapw_close(sw_pcapw *w)
{
    if (!w)
        return 0;
    int rc = fclose(w->f) ? SW_EIO : 0;
    free(w);
    return rc;
}
