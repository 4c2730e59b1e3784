/*
 * pcapw: writes small pcap files for tests (Ethernet/IPv4 with UDP or TCP
 * frames built by hand), so every expectation of a test is known exactly.
 * Header-only: each test binary includes it once.
 */
#ifndef SW_TEST_PCAPW_H
#define SW_TEST_PCAPW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef struct pw {
    unsigned char *buf;
    size_t len, cap;
} pw;

static void pw_put(pw *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 1024;
        w->buf = realloc(w->buf, w->cap);
        assert_non_null(w->buf);
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void pw_u32(pw *w, uint32_t v) { pw_put(w, &v, 4); }

static void pw_header(pw *w)
{
    pw_u32(w, 0xa1b2c3d4);
    uint16_t v[2] = {2, 4};
    pw_put(w, v, 4);
    pw_u32(w, 0);
    pw_u32(w, 0);
    pw_u32(w, 262144);
    pw_u32(w, 1); /* Ethernet */
}

/* One Ethernet/IPv4 frame with a UDP or TCP payload. */
static void pw_frame(pw *w, uint32_t sec, uint32_t usec, uint32_t src, uint32_t dst,
                     uint16_t sport, uint16_t dport, bool tcp, uint32_t seq, const char *payload,
                     size_t plen)
{
    unsigned char f[2048];
    size_t l4 = tcp ? 20 : 8;
    size_t n = 14 + 20 + l4 + plen;
    assert_true(n <= sizeof f);
    memset(f, 0, n);
    f[12] = 0x08;
    unsigned char *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (unsigned char)((20 + l4 + plen) >> 8);
    ip[3] = (unsigned char)(20 + l4 + plen);
    ip[8] = 64;
    ip[9] = tcp ? 6 : 17;
    for (int i = 0; i < 4; i++) {
        ip[12 + i] = (unsigned char)(src >> (24 - 8 * i));
        ip[16 + i] = (unsigned char)(dst >> (24 - 8 * i));
    }
    unsigned char *t = ip + 20;
    t[0] = (unsigned char)(sport >> 8);
    t[1] = (unsigned char)sport;
    t[2] = (unsigned char)(dport >> 8);
    t[3] = (unsigned char)dport;
    if (tcp) {
        for (int i = 0; i < 4; i++)
            t[4 + i] = (unsigned char)(seq >> (24 - 8 * i));
        t[12] = 0x50;
        t[13] = 0x18; /* PSH ACK */
    } else {
        t[4] = (unsigned char)((8 + plen) >> 8);
        t[5] = (unsigned char)(8 + plen);
    }
    memcpy(t + l4, payload, plen);
    pw_u32(w, sec);
    pw_u32(w, usec);
    pw_u32(w, (uint32_t)n);
    pw_u32(w, (uint32_t)n);
    pw_put(w, f, n);
}

static char *pw_save(pw *w, bool gz)
{
    char *path = strdup(gz ? "/tmp/sw_trace_XXXXXX.gz" : "/tmp/sw_trace_XXXXXX");
    int fd = gz ? mkstemps(path, 3) : mkstemp(path);
    assert_true(fd >= 0);
    if (gz) {
        close(fd);
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, w->buf, (unsigned)w->len), (int)w->len);
        gzclose(g);
    } else {
        assert_int_equal(write(fd, w->buf, w->len), (ssize_t)w->len);
        close(fd);
    }
    return path;
}

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

#endif
