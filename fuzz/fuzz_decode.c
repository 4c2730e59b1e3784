/*
 * libFuzzer target for the decoder (link, IP, tunnels, IP and TCP
 * reassembly). Three input shapes:
 *
 *   1. A capture file (pcap/pcapng/gzip magic): read with sw_capture and
 *      every packet decoded in order. This is how the seed corpus (real
 *      captures) reaches the reassemblers with realistic streams.
 *   2. Otherwise bytes 0..3 pick the link type (big endian, reduced modulo
 *      a table of the decoded ones and a few others), byte 4 the mode:
 *      even: the rest is one packet;
 *      odd:  the rest is a sequence of packets, each [len_hi len_lo flags]
 *            then len bytes; flags bit 0 marks a snaplen cut (origlen is
 *            larger), bits 1..7 advance the clock by that many seconds (so
 *            reassembly timeouts fire).
 *
 * The decoder runs with small bounds (max message, flows, buffered bytes,
 * datagrams, out-of-order segments) so the limits are reached. TCP uses a
 * framer of our own rather than sw_sip_frame(): a message starts with an
 * upper-case letter and ends with "\n\n"; a CR/LF run is a keep-alive.
 *
 * Every packet is copied to a heap block of exactly caplen bytes, and every
 * payload is read byte by byte in the callback, so an over-read is an ASan
 * report. Traps on broken contracts: a stable payload outside its packet,
 * nframes 0, first_frame after frame, an unknown transport.
 *
 * Build and run with `make fuzz` (mk/fuzz.mk).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "decode/decode.h"

static volatile uint8_t sink;
static const uint8_t *g_lo, *g_hi;

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static int on_payload(void *ud, const sw_payload *pl)
{
    (void)ud;
    uint8_t x = 0;
    for (uint32_t i = 0; i < pl->len; i++)
        x ^= pl->data[i];
    sink = x;
    check(pl->nframes >= 1 && pl->first_frame <= pl->frame);
    check(pl->transport == SW_TP_UDP || pl->transport == SW_TP_TCP);
    if (pl->stable)
        check(pl->data >= g_lo && pl->data + pl->len <= g_hi);
    return 0;
}

static int framer(const char *buf, size_t len, size_t max_msg, size_t *msglen, bool *keepalive,
                  bool *too_big)
{
    *keepalive = false;
    *too_big = false;
    if (len == 0)
        return -2;
    if (buf[0] == '\r' || buf[0] == '\n') {
        size_t i = 0;
        while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
            i++;
        *msglen = i;
        *keepalive = true;
        return (int)i;
    }
    if (buf[0] < 'A' || buf[0] > 'Z')
        return -1;
    for (size_t i = 1; i + 1 < len; i++)
        if (buf[i] == '\n' && buf[i + 1] == '\n') {
            if (i + 2 > max_msg) {
                *too_big = true;
                return -1;
            }
            *msglen = i + 2;
            return (int)(i + 2);
        }
    if (len > max_msg) {
        *too_big = true;
        return -1;
    }
    return -2;
}

static sw_decoder *make_decoder(void)
{
    sw_decode_opts o;
    memset(&o, 0, sizeof o);
    o.framer = framer;
    o.max_msg = 4096;
    o.frag_max_bytes = 256 * 1024;
    o.frag_max_datagrams = 8;
    o.frag_timeout_ns = 30ll * 1000000000;
    o.tcp_max_flows = 16;
    o.tcp_max_bytes = 64 * 1024;
    o.tcp_max_ooo = 8;
    sw_decoder *d = sw_decoder_new(&o, on_payload, NULL);
    if (!d)
        abort();
    return d;
}

static void feed(sw_decoder *d, uint32_t lt, const uint8_t *p, size_t caplen, size_t origlen,
                 int64_t ts, uint64_t frame)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    if (!copy)
        abort();
    if (caplen)
        memcpy(copy, p, caplen);
    sw_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.ts_ns = ts;
    pk.data = copy;
    pk.caplen = (uint32_t)caplen;
    pk.origlen = (uint32_t)origlen;
    pk.linktype = lt;
    pk.frame = frame;
    pk.stable = true;
    g_lo = copy;
    g_hi = copy + caplen;
    sw_decoder_packet(d, &pk);
    g_lo = g_hi = NULL;
    free(copy);
}

static bool is_capture(const uint8_t *p, size_t n)
{
    if (n < 4)
        return false;
    uint32_t m = sw_le32(p);
    return m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1 ||
           m == 0x0a0d0d0a || (p[0] == 0x1f && p[1] == 0x8b);
}

static void from_capture(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_decode", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    sw_capture *c;
    if (sw_capture_open(&c, path, err, sizeof err) == 0) {
        sw_decoder *d = make_decoder();
        sw_packet p;
        for (int k = 0; k < 20000 && sw_capture_next(c, &p) == 1; k++)
            feed(d, p.linktype, p.data, p.caplen, p.origlen, p.ts_ns, p.frame);
        sw_decoder_flush(d);
        sw_decoder_free(d);
        sw_capture_close(c);
    }
    close(fd);
}

static const uint32_t link_types[] = {
    SW_LINK_ETHERNET, SW_LINK_RAW,       SW_LINK_NULL,       SW_LINK_LOOP,
    SW_LINK_PPP,      SW_LINK_PPP_HDLC,  SW_LINK_PPP_ETHER,  SW_LINK_LINUX_SLL,
    SW_LINK_LINUX_SLL2, SW_LINK_C_HDLC,  SW_LINK_IPV4,       SW_LINK_IPV6,
    SW_LINK_RAW_OLD,  SW_LINK_RAW_OLD2,  147 /* unsupported */,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (is_capture(data, size)) {
        from_capture(data, size);
        return 0;
    }
    if (size < 5)
        return 0;
    uint32_t lt = link_types[sw_be32(data) % (sizeof link_types / sizeof link_types[0])];
    bool seq = data[4] & 1;
    data += 5;
    size -= 5;
    sw_decoder *d = make_decoder();
    if (!seq) {
        feed(d, lt, data, size, size, 1000000000, 1);
    } else {
        int64_t ts = 1000000000;
        uint64_t frame = 0;
        while (size >= 3) {
            size_t len = ((size_t)data[0] << 8) | data[1];
            uint8_t fl = data[2];
            data += 3;
            size -= 3;
            if (len > size)
                len = size;
            ts += (int64_t)(fl >> 1) * 1000000000;
            feed(d, lt, data, len, (fl & 1) ? len + 100 : len, ts, ++frame);
            data += len;
            size -= len;
        }
    }
    sw_decoder_flush(d);
    sw_decoder_free(d);
    return 0;
}
