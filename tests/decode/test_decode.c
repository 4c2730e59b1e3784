/*
 * decode tests: frames built by hand, layer by layer (innermost first, each
 * header pushed in front), so every address, port and byte of a payload is
 * known.
 *
 * Every packet is handed to the decoder from a copy that ends right before a
 * PROT_NONE page: a one-byte over-read is a crash, with or without ASan. The
 * copy is unmapped after each call, so the decoder cannot keep pointers into
 * a packet either. Single-packet cases are also fed as every truncated
 * prefix, both as snaplen cuts (origlen = full length) and as short packets.
 *
 * TCP uses a framer of our own (decode is framer-agnostic): a message starts
 * with an upper-case letter and ends with an empty line ("\n\n"); a run of
 * CR/LF is a keep-alive.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decode/decode.h"

/* ---- guard-page packets ------------------------------------------------ */

typedef struct guard {
    uint8_t *map;
    size_t maplen;
    uint8_t *p; /* the copy; p + n is the first byte of the PROT_NONE page */
} guard;

static guard guard_copy(const uint8_t *src, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    guard g;
    g.maplen = (n + pg - 1) / pg * pg + pg;
    g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.map != MAP_FAILED);
    assert_int_equal(mprotect(g.map + g.maplen - pg, pg, PROT_NONE), 0);
    g.p = g.map + g.maplen - pg - n;
    if (n)
        memcpy(g.p, src, n);
    /* read-only, as capture memory is */
    assert_int_equal(mprotect(g.map, g.maplen - pg, PROT_READ), 0);
    return g;
}

static void guard_free(guard *g) { munmap(g->map, g->maplen); }

/* ---- collecting payloads ----------------------------------------------- */

#define MAX_GOT 512

typedef struct got {
    sw_payload pl;
    uint8_t *bytes; /* copy of pl.data */
    bool in_packet; /* pl.data pointed into the packet being decoded */
} got;

static got g_got[MAX_GOT];
static size_t g_ngot;
static const uint8_t *g_lo, *g_hi; /* the packet being decoded */
static int g_stop_after;            /* stop decoding after this many payloads (0: never) */

static void got_reset(void)
{
    for (size_t i = 0; i < g_ngot; i++)
        free(g_got[i].bytes);
    g_ngot = 0;
}

static int collect(void *ud, const sw_payload *pl)
{
    (void)ud;
    /* every byte of a payload is readable */
    uint8_t *b = malloc(pl->len ? pl->len : 1);
    assert_non_null(b);
    if (pl->len)
        memcpy(b, pl->data, pl->len);
    bool in = g_lo && pl->data >= g_lo && pl->data + pl->len <= g_hi;
    if (pl->stable)
        assert_true(in); /* a stable payload is a slice of the packet */
    assert_true(pl->nframes >= 1);
    assert_true(pl->first_frame <= pl->frame);
    if (g_ngot < MAX_GOT) {
        g_got[g_ngot].pl = *pl;
        g_got[g_ngot].bytes = b;
        g_got[g_ngot].in_packet = in;
        g_ngot++;
    } else {
        free(b);
    }
    return g_stop_after && g_ngot >= (size_t)g_stop_after;
}

static int feed_ex(sw_decoder *d, uint32_t lt, const uint8_t *p, size_t caplen, size_t origlen,
                   int64_t ts, uint64_t frame)
{
    guard g = guard_copy(p, caplen);
    sw_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.ts_ns = ts;
    pk.data = g.p;
    pk.caplen = (uint32_t)caplen;
    pk.origlen = (uint32_t)origlen;
    pk.linktype = lt;
    pk.frame = frame;
    pk.stable = true;
    g_lo = g.p;
    g_hi = g.p + caplen;
    int rc = sw_decoder_packet(d, &pk);
    g_lo = g_hi = NULL;
    guard_free(&g);
    return rc;
}

/* ---- the test framer --------------------------------------------------- */

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

static sw_decoder *dec_new(const sw_decode_opts *o)
{
    sw_decode_opts opts;
    if (o)
        opts = *o;
    else
        memset(&opts, 0, sizeof opts);
    if (!opts.framer)
        opts.framer = framer;
    sw_decoder *d = sw_decoder_new(&opts, collect, NULL);
    assert_non_null(d);
    return d;
}

/* ---- a packet builder that prepends headers ---------------------------- */

#define PB_CAP (1u << 18)

typedef struct pb {
    uint8_t *mem;
    size_t start;
} pb;

static pb pb_new(void)
{
    pb b = {malloc(PB_CAP), PB_CAP};
    assert_non_null(b.mem);
    return b;
}
static void pb_free(pb *b) { free(b->mem); }
static size_t pb_len(const pb *b) { return PB_CAP - b->start; }
static uint8_t *pb_data(const pb *b) { return b->mem + b->start; }
static uint8_t *pb_push(pb *b, size_t n)
{
    assert_true(b->start >= n);
    b->start -= n;
    memset(b->mem + b->start, 0, n);
    return b->mem + b->start;
}
static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}
static void push_data(pb *b, const void *d, size_t n)
{
    uint8_t *p = pb_push(b, n);
    if (n)
        memcpy(p, d, n);
}
static void push_str(pb *b, const char *s) { push_data(b, s, strlen(s)); }

static void push_udp(pb *b, uint16_t sport, uint16_t dport)
{
    size_t n = pb_len(b) + 8;
    uint8_t *p = pb_push(b, 8);
    put16(p, sport);
    put16(p + 2, dport);
    put16(p + 4, (uint16_t)n);
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static void push_tcp(pb *b, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
    uint8_t *p = pb_push(b, 20);
    put16(p, sport);
    put16(p + 2, dport);
    put32(p + 4, seq);
    p[12] = 0x50;
    p[13] = flags;
    put16(p + 14, 65535);
}

#define A4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* IPv4 with options (optlen multiple of 4), id, and the flags/offset word. */
static void push_ip4x(pb *b, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *opts,
                      size_t optlen, uint16_t id, uint16_t frag)
{
    size_t hl = 20 + optlen;
    size_t tl = pb_len(b) + hl;
    uint8_t *p = pb_push(b, hl);
    p[0] = (uint8_t)(0x40 | (hl / 4));
    put16(p + 2, (uint16_t)tl);
    put16(p + 4, id);
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, src);
    put32(p + 16, dst);
    if (optlen)
        memcpy(p + 20, opts, optlen);
}
static void push_ip4(pb *b, uint32_t src, uint32_t dst, uint8_t proto)
{
    push_ip4x(b, src, dst, proto, NULL, 0, 0x1234, 0x4000 /* DF */);
}

static const uint8_t V6A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t V6B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};

static void push_ip6(pb *b, const uint8_t *src, const uint8_t *dst, uint8_t nh)
{
    size_t pl = pb_len(b);
    uint8_t *p = pb_push(b, 40);
    p[0] = 0x60;
    put16(p + 4, (uint16_t)pl);
    p[6] = nh;
    p[7] = 64;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
}

/* An extension header of 8 * (units + 1) bytes (hop-by-hop, routing, dest opts). */
static void push_ip6_ext(pb *b, uint8_t next, uint8_t units)
{
    uint8_t *p = pb_push(b, 8 * ((size_t)units + 1));
    p[0] = next;
    p[1] = units;
    p[2] = 1; /* PadN option: type 1, then length */
    p[3] = (uint8_t)(8 * (units + 1) - 4);
}

static void push_ip6_frag(pb *b, uint8_t next, uint16_t off, bool more, uint32_t id)
{
    uint8_t *p = pb_push(b, 8);
    p[0] = next;
    put16(p + 2, (uint16_t)(off | (more ? 1 : 0)));
    put32(p + 4, id);
}

static void push_eth_tags(pb *b, uint16_t etype, const uint16_t *tpids, size_t ntags)
{
    uint8_t *p = pb_push(b, 2);
    put16(p, etype);
    for (size_t i = ntags; i-- > 0;) {
        p = pb_push(b, 4);
        put16(p, tpids[i]);
        put16(p + 2, (uint16_t)(100 + i)); /* VLAN id */
    }
    p = pb_push(b, 12);
    for (int i = 0; i < 12; i++)
        p[i] = (uint8_t)(0x10 + i);
}
static void push_eth(pb *b, uint16_t etype) { push_eth_tags(b, etype, NULL, 0); }

/* ---- expectations ------------------------------------------------------ */

static sw_addr v4(uint32_t a)
{
    sw_addr x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    put32(x.a, a);
    return x;
}
static sw_addr v6(const uint8_t *a)
{
    sw_addr x;
    memset(&x, 0, sizeof x);
    x.family = 6;
    memcpy(x.a, a, 16);
    return x;
}

static void expect_pl(size_t i, sw_addr src, sw_addr dst, uint16_t sport, uint16_t dport,
                      uint8_t tp, const char *data, uint8_t flags)
{
    if (i >= g_ngot)
        fail_msg("payload %zu missing (have %zu)", i, g_ngot);
    const sw_payload *pl = &g_got[i].pl;
    char a[64], b[64], c[64], e[64];
    if (!sw_addr_eq(&pl->src, &src) || !sw_addr_eq(&pl->dst, &dst))
        fail_msg("payload %zu: %s > %s, want %s > %s", i, sw_addr_str(&pl->src, a, sizeof a),
                 sw_addr_str(&pl->dst, b, sizeof b), sw_addr_str(&src, c, sizeof c),
                 sw_addr_str(&dst, e, sizeof e));
    assert_int_equal(pl->sport, sport);
    assert_int_equal(pl->dport, dport);
    assert_int_equal(pl->transport, tp);
    size_t n = strlen(data);
    if (pl->len != n || memcmp(g_got[i].bytes, data, n) != 0)
        fail_msg("payload %zu: [%.*s] (%u), want [%s]", i, (int)pl->len, (char *)g_got[i].bytes,
                 pl->len, data);
    if (pl->flags != flags)
        fail_msg("payload %zu: flags 0x%x, want 0x%x", i, pl->flags, flags);
}

/* ---- single packets: decode it, and every truncated prefix -------------- */

static void prefixes(uint32_t lt, const uint8_t *p, size_t n)
{
    for (int mode = 0; mode < 2; mode++)
        for (size_t len = 0; len < n; len++) {
            sw_decoder *d = dec_new(NULL);
            feed_ex(d, lt, p, len, mode ? len : n, 1, 1);
            sw_decoder_flush(d);
            for (size_t i = 0; i < g_ngot; i++)
                assert_true(g_got[i].pl.len <= len);
            sw_decoder_free(d);
            got_reset();
        }
}

/* Decodes the single packet in b (and all its prefixes); results in g_got. */
static const sw_decode_stats *decode1(uint32_t lt, const pb *b)
{
    static sw_decode_stats st;
    prefixes(lt, pb_data(b), pb_len(b));
    sw_decoder *d = dec_new(NULL);
    feed_ex(d, lt, pb_data(b), pb_len(b), pb_len(b), 1000000000, 1);
    sw_decoder_flush(d);
    st = *sw_decoder_stats(d);
    sw_decoder_free(d);
    return &st;
}

#define SIPMSG "INVITE sip:b@y SIP/2.0\r\nCall-ID: x\r\n\r\n"
#define IA A4(10, 0, 0, 1)
#define IB A4(10, 0, 0, 2)
#define OA A4(192, 0, 2, 1)
#define OB A4(192, 0, 2, 2)

/* UDP 10.0.0.1:5060 -> 10.0.0.2:5080 carrying SIPMSG, IPv4 header pushed. */
static pb udp4(void)
{
    pb b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip4(&b, IA, IB, 17);
    return b;
}

static void expect_sip4(uint8_t flags)
{
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, SIPMSG, flags);
    assert_true(g_got[0].pl.stable);
    assert_true(g_got[0].in_packet);
}

/* ---- link layers ------------------------------------------------------- */

static void test_link_ethernet(void **state)
{
    (void)state;
    pb b = udp4();
    push_eth(&b, 0x0800);
    const sw_decode_stats *st = decode1(SW_LINK_ETHERNET, &b);
    expect_sip4(0);
    assert_int_equal(st->packets, 1);
    assert_int_equal(st->payloads, 1);
    assert_int_equal(g_got[0].pl.frame, 1);
    assert_int_equal(g_got[0].pl.first_frame, 1);
    assert_int_equal(g_got[0].pl.nframes, 1);
    assert_true(g_got[0].pl.ts_ns == 1000000000);
    got_reset();
    pb_free(&b);

    /* 802.1Q, QinQ (88a8 + 8100), old 9100 */
    static const uint16_t tags[][3] = {{0x8100}, {0x88A8, 0x8100}, {0x9100, 0x8100, 0x8100}};
    for (size_t i = 0; i < 3; i++) {
        b = udp4();
        push_eth_tags(&b, 0x0800, tags[i], i + 1);
        decode1(SW_LINK_ETHERNET, &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }

    /* 802.3 length + LLC/SNAP */
    b = udp4();
    uint8_t *p = pb_push(&b, 8);
    p[0] = 0xAA;
    p[1] = 0xAA;
    p[2] = 0x03;
    put16(p + 6, 0x0800);
    push_eth(&b, (uint16_t)pb_len(&b)); /* 802.3 length field */
    decode1(SW_LINK_ETHERNET, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* 802.3 without SNAP, ARP: not IP */
    b = pb_new();
    push_str(&b, "0123456789012345678901234567");
    push_eth(&b, 0x0806);
    const sw_decode_stats *s2 = decode1(SW_LINK_ETHERNET, &b);
    assert_int_equal(g_ngot, 0);
    assert_int_equal(s2->not_ip, 1);
    pb_free(&b);
    b = pb_new();
    push_str(&b, "\x42\x42\x03 spanning tree .............");
    push_eth(&b, 40);
    s2 = decode1(SW_LINK_ETHERNET, &b);
    assert_int_equal(g_ngot, 0);
    assert_int_equal(s2->not_ip, 1);
    pb_free(&b);
}

static void test_link_others(void **state)
{
    (void)state;
    /* Linux cooked v1 */
    pb b = udp4();
    uint8_t *p = pb_push(&b, 16);
    put16(p + 2, 1);
    put16(p + 4, 6);
    put16(p + 14, 0x0800);
    decode1(SW_LINK_LINUX_SLL, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* Linux cooked v2 */
    b = udp4();
    p = pb_push(&b, 20);
    put16(p, 0x0800);
    put32(p + 4, 3);
    put16(p + 8, 1);
    p[11] = 6;
    decode1(SW_LINK_LINUX_SLL2, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* raw IP, every raw link type */
    static const uint32_t raw[] = {SW_LINK_RAW, SW_LINK_RAW_OLD, SW_LINK_RAW_OLD2, SW_LINK_IPV4};
    for (size_t i = 0; i < SW_ARRAY_LEN(raw); i++) {
        b = udp4();
        decode1(raw[i], &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }
    b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip6(&b, V6A, V6B, 17);
    decode1(SW_LINK_IPV6, &b);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, SIPMSG, 0);
    got_reset();
    pb_free(&b);

    /* NULL (writer's byte order: both) and LOOP (network order); AF_INET6 values */
    struct {
        uint32_t lt;
        uint8_t hdr[4];
        bool six;
    } nl[] = {
        {SW_LINK_NULL, {2, 0, 0, 0}, false},  {SW_LINK_NULL, {0, 0, 0, 2}, false},
        {SW_LINK_LOOP, {0, 0, 0, 2}, false},  {SW_LINK_NULL, {30, 0, 0, 0}, true},
        {SW_LINK_NULL, {0, 0, 0, 24}, true},  {SW_LINK_NULL, {10, 0, 0, 0}, true},
        {SW_LINK_LOOP, {0, 0, 0, 28}, true},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(nl); i++) {
        b = pb_new();
        push_str(&b, SIPMSG);
        push_udp(&b, 5060, 5080);
        if (nl[i].six)
            push_ip6(&b, V6A, V6B, 17);
        else
            push_ip4(&b, IA, IB, 17);
        push_data(&b, nl[i].hdr, 4);
        decode1(nl[i].lt, &b);
        if (g_ngot != 1)
            fail_msg("NULL/LOOP case %zu: %zu payloads", i, g_ngot);
        if (nl[i].six)
            expect_pl(0, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, SIPMSG, 0);
        else
            expect_sip4(0);
        got_reset();
        pb_free(&b);
    }

    /* PPP: with and without address/control, compressed protocol field */
    static const uint8_t ppp[][4] = {{0xFF, 0x03, 0x00, 0x21}, {0x00, 0x21}, {0xFF, 0x03, 0x21}};
    static const size_t ppplen[] = {4, 2, 3};
    for (size_t i = 0; i < 3; i++) {
        b = udp4();
        push_data(&b, ppp[i], ppplen[i]);
        decode1(i == 2 ? SW_LINK_PPP_HDLC : SW_LINK_PPP, &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }

    /* PPPoE session over Ethernet, and as its own link type */
    for (int asl = 0; asl < 2; asl++) {
        b = udp4();
        size_t l = pb_len(&b);
        p = pb_push(&b, 8);
        p[0] = 0x11;
        put16(p + 2, 0x0042);
        put16(p + 4, (uint16_t)(l + 2));
        put16(p + 6, 0x0021);
        if (!asl)
            push_eth(&b, 0x8864);
        decode1(asl ? SW_LINK_PPP_ETHER : SW_LINK_ETHERNET, &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }

    /* Cisco HDLC */
    b = udp4();
    p = pb_push(&b, 4);
    p[0] = 0x0F;
    put16(p + 2, 0x0800);
    decode1(SW_LINK_C_HDLC, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* unknown link type: counted */
    b = udp4();
    const sw_decode_stats *st = decode1(147, &b);
    assert_int_equal(g_ngot, 0);
    assert_int_equal(st->unsupported_link, 1);
    pb_free(&b);
}

/* PPPoE whose length field is smaller than the PPP protocol field: the
 * payload length must not wrap (found by reading pppoe()). */
static void test_pppoe_short_length(void **state)
{
    (void)state;
    for (uint16_t plen = 0; plen < 4; plen++) {
        pb b = udp4();
        uint8_t *p = pb_push(&b, 8);
        p[0] = 0x11;
        put16(p + 4, plen);
        put16(p + 6, 0x0021);
        push_eth(&b, 0x8864);
        decode1(SW_LINK_ETHERNET, &b);
        assert_int_equal(g_ngot, 0);
        got_reset();
        pb_free(&b);
    }
}

/* ---- IP ---------------------------------------------------------------- */

static void test_ip4_options_and_padding(void **state)
{
    (void)state;
    /* IPv4 options (record route + NOPs): the UDP header follows them */
    static const uint8_t opts[12] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    pb b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip4x(&b, IA, IB, 17, opts, sizeof opts, 1, 0);
    push_eth(&b, 0x0800);
    decode1(SW_LINK_ETHERNET, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* Ethernet padding: a 4-byte datagram in a 60-byte frame */
    b = pb_new();
    push_str(&b, "ping");
    push_udp(&b, 5060, 5080);
    push_ip4(&b, IA, IB, 17);
    push_eth(&b, 0x0800);
    size_t real = pb_len(&b);
    uint8_t frame[60];
    memset(frame, 0xEE, sizeof frame);
    memcpy(frame, pb_data(&b), real);
    sw_decoder *d = dec_new(NULL);
    feed_ex(d, SW_LINK_ETHERNET, frame, sizeof frame, sizeof frame, 1, 1);
    sw_decoder_free(d);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, "ping", 0);
    got_reset();
    /* UDP length trimmed although IP total length covers the padding */
    uint8_t *ip = frame + 14;
    put16(ip + 2, 60 - 14);
    d = dec_new(NULL);
    feed_ex(d, SW_LINK_ETHERNET, frame, sizeof frame, sizeof frame, 1, 1);
    sw_decoder_free(d);
    expect_pl(0, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, "ping", 0);
    got_reset();
    pb_free(&b);
}

static void test_ip6_ext_headers(void **state)
{
    (void)state;
    /* hop-by-hop -> routing -> destination options -> UDP */
    pb b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip6_ext(&b, 17, 0);  /* dest opts, 8 bytes */
    push_ip6_ext(&b, 60, 2);  /* routing, 24 bytes */
    push_ip6_ext(&b, 43, 1);  /* hop-by-hop, 16 bytes */
    push_ip6(&b, V6A, V6B, 0);
    push_eth(&b, 0x86DD);
    decode1(SW_LINK_ETHERNET, &b);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, SIPMSG, 0);
    got_reset();
    pb_free(&b);

    /* an atomic fragment (offset 0, no more fragments) is just a header */
    b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip6_frag(&b, 17, 0, false, 77);
    push_ip6(&b, V6A, V6B, 44);
    decode1(SW_LINK_IPV6, &b);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, SIPMSG, 0);
    got_reset();
    pb_free(&b);

    /* an extension header whose length runs past the packet */
    b = pb_new();
    push_str(&b, "xxxxxxxxxxxxxxxxxxxxxxxx");
    push_ip6_ext(&b, 17, 0);
    pb_data(&b)[1] = 200;
    push_ip6(&b, V6A, V6B, 60);
    const sw_decode_stats *st = decode1(SW_LINK_IPV6, &b);
    assert_int_equal(g_ngot, 0);
    assert_int_equal(st->malformed, 1);
    pb_free(&b);
}

/* ---- tunnels ----------------------------------------------------------- */

static void expect_tunnel4(void)
{
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, SIPMSG, SW_PAYF_TUNNEL);
    assert_true(g_got[0].pl.stable);
}

static void test_tunnels(void **state)
{
    (void)state;
    /* IP-in-IP */
    pb b = udp4();
    push_ip4(&b, OA, OB, 4);
    push_eth(&b, 0x0800);
    const sw_decode_stats *st = decode1(SW_LINK_ETHERNET, &b);
    expect_tunnel4();
    assert_int_equal(st->tunnels, 1);
    got_reset();
    pb_free(&b);

    /* IPv6 in IPv4 (6in4) */
    b = pb_new();
    push_str(&b, SIPMSG);
    push_udp(&b, 5060, 5080);
    push_ip6(&b, V6A, V6B, 17);
    push_ip4(&b, OA, OB, 41);
    decode1(SW_LINK_RAW, &b);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, SIPMSG, SW_PAYF_TUNNEL);
    got_reset();
    pb_free(&b);

    /* IPv4 in IPv6 */
    b = udp4();
    push_ip6(&b, V6A, V6B, 4);
    decode1(SW_LINK_RAW, &b);
    expect_tunnel4();
    got_reset();
    pb_free(&b);

    /* GRE: plain, with key and sequence, with checksum */
    static const uint16_t greflags[] = {0x0000, 0x3000, 0xB000, 0x2000};
    for (size_t i = 0; i < SW_ARRAY_LEN(greflags); i++) {
        b = udp4();
        size_t extra = 4 * (size_t)(((greflags[i] & 0x8000) != 0) + ((greflags[i] & 0x2000) != 0) +
                                    ((greflags[i] & 0x1000) != 0));
        uint8_t *p = pb_push(&b, 4 + extra);
        put16(p, greflags[i]);
        put16(p + 2, 0x0800);
        memset(p + 4, 0x5A, extra);
        push_ip4(&b, OA, OB, 47);
        push_eth(&b, 0x0800);
        decode1(SW_LINK_ETHERNET, &b);
        expect_tunnel4();
        got_reset();
        pb_free(&b);
    }

    /* GRE transparent Ethernet bridging */
    b = udp4();
    push_eth(&b, 0x0800);
    uint8_t *p = pb_push(&b, 8);
    put16(p, 0x2000);
    put16(p + 2, 0x6558);
    push_ip4(&b, OA, OB, 47);
    push_eth(&b, 0x0800);
    decode1(SW_LINK_ETHERNET, &b);
    expect_tunnel4();
    got_reset();
    pb_free(&b);

    /* ERSPAN type II: GRE with sequence, 8-byte ERSPAN header, mirrored frame */
    b = udp4();
    push_eth_tags(&b, 0x0800, (const uint16_t[]){0x8100}, 1);
    p = pb_push(&b, 8);
    p[0] = 0x10; /* version 1 = type II */
    p = pb_push(&b, 8);
    put16(p, 0x1000);
    put16(p + 2, 0x88BE);
    put32(p + 4, 99);
    push_ip4(&b, OA, OB, 47);
    push_eth(&b, 0x0800);
    decode1(SW_LINK_ETHERNET, &b);
    expect_tunnel4();
    got_reset();
    pb_free(&b);

    /* MPLS label stacks of 1 and 3 labels, IPv4 and IPv6 inside */
    for (int labels = 1; labels <= 3; labels += 2) {
        b = udp4();
        for (int l = labels; l-- > 0;) {
            p = pb_push(&b, 4);
            put32(p, (uint32_t)(1000 + l) << 12 | (l == labels - 1 ? 0x100 : 0) | 64);
        }
        push_eth(&b, 0x8847);
        decode1(SW_LINK_ETHERNET, &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }
    /* MPLS pseudowire with control word carrying Ethernet */
    b = udp4();
    push_eth(&b, 0x0800);
    pb_push(&b, 4); /* control word */
    p = pb_push(&b, 4);
    put32(p, 16u << 12 | 0x100 | 64);
    push_eth(&b, 0x8847);
    decode1(SW_LINK_ETHERNET, &b);
    expect_sip4(0);
    got_reset();
    pb_free(&b);

    /* GTP-U without and with extension headers (and sequence number) */
    for (int ext = 0; ext < 3; ext++) {
        b = udp4();
        size_t inner = pb_len(&b);
        if (ext) {
            /* extension headers: PDU session container (4 bytes), then a
             * second one of 8 bytes when ext == 2 */
            if (ext == 2) {
                p = pb_push(&b, 8);
                p[0] = 2;
                p[7] = 0; /* no more */
            }
            p = pb_push(&b, 4);
            p[0] = 1;
            p[1] = 0x00;
            p[3] = ext == 2 ? 0x85 : 0;
            p = pb_push(&b, 4); /* seq, N-PDU, next type */
            put16(p, 7);
            p[3] = 0x85;
        }
        size_t gl = pb_len(&b); /* GTP length: what follows the first 8 bytes */
        (void)inner;
        p = pb_push(&b, 8);
        p[0] = ext ? 0x36 : 0x30; /* v1, PT, (E, S) */
        p[1] = 0xFF;
        put16(p + 2, (uint16_t)gl);
        put32(p + 4, 0xABCDEF);
        push_udp(&b, 2152, 2152);
        push_ip4(&b, OA, OB, 17);
        push_eth(&b, 0x0800);
        st = decode1(SW_LINK_ETHERNET, &b);
        if (g_ngot != 1)
            fail_msg("GTP ext %d: %zu payloads", ext, g_ngot);
        expect_tunnel4();
        got_reset();
        pb_free(&b);
    }

    /* VXLAN */
    b = udp4();
    push_eth(&b, 0x0800);
    p = pb_push(&b, 8);
    p[0] = 0x08;
    put32(p + 4, 4242u << 8);
    push_udp(&b, 51234, 4789);
    push_ip4(&b, OA, OB, 17);
    push_eth(&b, 0x0800);
    decode1(SW_LINK_ETHERNET, &b);
    expect_tunnel4();
    got_reset();
    pb_free(&b);

    /* tunnels inside tunnels: GRE in IP-in-IP in VXLAN, innermost wins */
    b = udp4();
    p = pb_push(&b, 4);
    put16(p + 2, 0x0800);
    push_ip4(&b, A4(172, 16, 0, 1), A4(172, 16, 0, 2), 47);
    push_ip4(&b, A4(172, 17, 0, 1), A4(172, 17, 0, 2), 4);
    push_eth(&b, 0x0800);
    p = pb_push(&b, 8);
    p[0] = 0x08;
    push_udp(&b, 1, 4789);
    push_ip4(&b, OA, OB, 17);
    decode1(SW_LINK_RAW, &b);
    expect_tunnel4();
    got_reset();
    pb_free(&b);
}

/* IP-in-IP nested past the depth bound is dropped, not recursed into. */
static void test_tunnel_depth(void **state)
{
    (void)state;
    pb b = udp4();
    for (int i = 0; i < 20; i++)
        push_ip4(&b, OA, OB, 4);
    sw_decoder *d = dec_new(NULL);
    feed_ex(d, SW_LINK_RAW, pb_data(&b), pb_len(&b), pb_len(&b), 1, 1);
    sw_decoder_free(d);
    assert_int_equal(g_ngot, 0);
    pb_free(&b);
    got_reset();
}

/* MPLS pseudowire -> Ethernet -> MPLS -> ... repeated until the packet ends:
 * each level costs 22 bytes, so a large packet would recurse hundreds of
 * thousands of times without a depth bound (stack overflow). */
static void test_mpls_ether_recursion(void **state)
{
    (void)state;
    size_t levels = 700000;
    size_t n = 14 + levels * 22 + 64;
    uint8_t *buf = calloc(1, n);
    assert_non_null(buf);
    size_t o = 12;
    put16(buf + o, 0x8847);
    o += 2;
    for (size_t i = 0; i < levels; i++) {
        put32(buf + o, 16u << 12 | 0x100 | 64); /* bottom of stack */
        o += 4;
        o += 4; /* control word 0 */
        o += 12; /* MACs */
        put16(buf + o, 0x8847);
        o += 2;
    }
    sw_decoder *d = dec_new(NULL);
    feed_ex(d, SW_LINK_ETHERNET, buf, n, n, 1, 1);
    sw_decoder_free(d);
    assert_int_equal(g_ngot, 0);
    free(buf);
}

/* ---- UDP --------------------------------------------------------------- */

static void test_udp_lengths(void **state)
{
    (void)state;
    /* UDP length larger than what is there: TRUNC */
    pb b = udp4();
    uint8_t *udp = pb_data(&b) + 20;
    put16(udp + 4, (uint16_t)(sw_be16(udp + 4) + 100));
    push_eth(&b, 0x0800);
    decode1(SW_LINK_ETHERNET, &b);
    expect_sip4(SW_PAYF_TRUNC);
    got_reset();
    pb_free(&b);

    /* IP total length larger than captured (snaplen): TRUNC */
    b = udp4();
    push_eth(&b, 0x0800);
    size_t n = pb_len(&b);
    sw_decoder *d = dec_new(NULL);
    feed_ex(d, SW_LINK_ETHERNET, pb_data(&b), n - 10, n, 1, 1);
    sw_decoder_free(d);
    assert_int_equal(g_ngot, 1);
    assert_int_equal(g_got[0].pl.len, strlen(SIPMSG) - 10);
    assert_true(g_got[0].pl.flags & SW_PAYF_TRUNC);
    got_reset();
    pb_free(&b);

    /* UDP length below 8 (and 0, as for jumbograms) is ignored */
    for (uint16_t ul = 0; ul < 8; ul += 7) {
        b = udp4();
        put16(pb_data(&b) + 20 + 4, ul);
        decode1(SW_LINK_RAW, &b);
        expect_sip4(0);
        got_reset();
        pb_free(&b);
    }

    /* an empty datagram is a payload of length 0 */
    b = pb_new();
    push_udp(&b, 5060, 5080);
    push_ip4(&b, IA, IB, 17);
    decode1(SW_LINK_RAW, &b);
    assert_int_equal(g_ngot, 1);
    assert_int_equal(g_got[0].pl.len, 0);
    got_reset();
    pb_free(&b);
}

/* ---- malformed headers ------------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    struct {
        const char *what;
        size_t off; /* byte within the IP packet */
        uint8_t val;
    } v4c[] = {
        {"IHL 15", 0, 0x4F},     {"IHL 4", 0, 0x44},          {"IHL 0", 0, 0x40},
        {"total length 0", 2, 0}, {"total length 19", 3, 19}, {"version 5", 0, 0x55},
        {"total length 0xFFFF", 2, 0xFF},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(v4c); i++) {
        pb b = udp4();
        pb_data(&b)[v4c[i].off] = v4c[i].val;
        if (v4c[i].off == 2 && v4c[i].val == 0)
            pb_data(&b)[3] = 0;
        if (v4c[i].off == 3)
            pb_data(&b)[2] = 0;
        if (v4c[i].off == 2 && v4c[i].val == 0xFF)
            pb_data(&b)[3] = 0xFF;
        push_eth(&b, 0x0800);
        const sw_decode_stats *st = decode1(SW_LINK_ETHERNET, &b);
        if (v4c[i].off == 2 && v4c[i].val == 0xFF) {
            /* a total length past the packet: decoded as truncated */
            assert_int_equal(g_ngot, 1);
            assert_true(g_got[0].pl.flags & SW_PAYF_TRUNC);
        } else if (g_ngot != 0 || st->malformed != 1) {
            fail_msg("%s: %zu payloads, malformed %llu", v4c[i].what, g_ngot,
                     (unsigned long long)st->malformed);
        }
        got_reset();
        pb_free(&b);
    }

    /* IPv6 payload length larger and smaller than the packet */
    for (int k = 0; k < 3; k++) {
        pb b = pb_new();
        push_str(&b, SIPMSG);
        push_udp(&b, 5060, 5080);
        push_ip6(&b, V6A, V6B, 17);
        uint16_t pl = sw_be16(pb_data(&b) + 4);
        put16(pb_data(&b) + 4, k == 0 ? 0xFFFF : k == 1 ? 4 : (uint16_t)(pl - 5));
        decode1(SW_LINK_IPV6, &b);
        if (k == 0) {
            assert_int_equal(g_ngot, 1);
            assert_true(g_got[0].pl.flags & SW_PAYF_TRUNC);
        } else if (k == 1) {
            assert_int_equal(g_ngot, 0); /* not even a UDP header */
        } else {
            /* 5 bytes fewer than the UDP length says */
            assert_int_equal(g_ngot, 1);
            assert_int_equal(g_got[0].pl.len, strlen(SIPMSG) - 5);
            assert_true(g_got[0].pl.flags & SW_PAYF_TRUNC);
        }
        got_reset();
        pb_free(&b);
    }

    /* TCP data offset: past the segment, and below 5 */
    static const uint8_t doffs[] = {0xF0, 0x40, 0x00, 0x90};
    for (size_t i = 0; i < SW_ARRAY_LEN(doffs); i++) {
        pb b = pb_new();
        push_str(&b, "M 1\n\n");
        push_tcp(&b, 5060, 5060, 1, F_ACK | F_PSH);
        pb_data(&b)[12] = doffs[i];
        push_ip4(&b, IA, IB, 6);
        const sw_decode_stats *st = decode1(SW_LINK_RAW, &b);
        assert_int_equal(g_ngot, 0);
        assert_int_equal(st->malformed, 1);
        pb_free(&b);
    }

    /* too short for UDP/TCP headers */
    for (int tp = 0; tp < 2; tp++) {
        pb b = pb_new();
        push_str(&b, "1234567");
        push_ip4(&b, IA, IB, tp ? 6 : 17);
        const sw_decode_stats *st = decode1(SW_LINK_RAW, &b);
        assert_int_equal(g_ngot, 0);
        assert_int_equal(st->malformed, 1);
        pb_free(&b);
    }
}

/* Random bytes behind every link type (and behind a valid IPv4 header): no
 * crash, no read past the packet (guard page). */
static void test_random_junk(void **state)
{
    (void)state;
    static const uint32_t lts[] = {SW_LINK_ETHERNET, SW_LINK_RAW,  SW_LINK_NULL,
                                   SW_LINK_LOOP,     SW_LINK_PPP,  SW_LINK_PPP_ETHER,
                                   SW_LINK_LINUX_SLL, SW_LINK_LINUX_SLL2, SW_LINK_C_HDLC};
    srand(1234);
    sw_decoder *d = dec_new(NULL);
    uint8_t buf[200];
    for (int r = 0; r < 20000; r++) {
        size_t n = (size_t)(rand() % 200);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rand();
        if (r & 1 && n > 20) {
            /* a plausible IP header so the layers above are reached */
            buf[0] = (rand() & 1) ? 0x45 : 0x60;
            buf[9] = (uint8_t)(rand() % 3 == 0 ? 47 : rand() % 3 == 1 ? 17 : 6);
            feed_ex(d, SW_LINK_RAW, buf, n, n, r, (uint64_t)r + 1);
        } else {
            feed_ex(d, lts[(size_t)r % SW_ARRAY_LEN(lts)], buf, n, n + (size_t)(r & 2), r,
                    (uint64_t)r + 1);
        }
        got_reset();
    }
    sw_decoder_flush(d);
    sw_decoder_free(d);
    got_reset();
}

/* ---- IP fragments ------------------------------------------------------ */

/* A UDP datagram of `size` payload bytes (byte i = 'a' + i % 26, then a
 * marker k), split into IPv4 fragments of `fsz` payload bytes. */
typedef struct frags {
    uint8_t *pkt[64];
    size_t len[64];
    size_t n;
    char *payload;
} frags;

static char *make_payload(size_t size, int k)
{
    char *s = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        s[i] = (char)('a' + (i + (size_t)k) % 26);
    s[size] = 0;
    if (size)
        s[0] = (char)('A' + k);
    return s;
}

static frags make_frags4(size_t size, size_t fsz, uint16_t id, int k)
{
    frags f;
    memset(&f, 0, sizeof f);
    f.payload = make_payload(size, k);
    pb u = pb_new();
    push_str(&u, f.payload);
    push_udp(&u, 5060, 5080);
    const uint8_t *dg = pb_data(&u);
    size_t dl = pb_len(&u);
    for (size_t off = 0; off < dl; off += fsz) {
        size_t l = SW_MIN(fsz, dl - off);
        pb b = pb_new();
        push_data(&b, dg + off, l);
        bool more = off + l < dl;
        push_ip4x(&b, IA, IB, 17, NULL, 0, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
        push_eth(&b, 0x0800);
        f.len[f.n] = pb_len(&b);
        f.pkt[f.n] = malloc(f.len[f.n]);
        memcpy(f.pkt[f.n], pb_data(&b), f.len[f.n]);
        f.n++;
        pb_free(&b);
    }
    pb_free(&u);
    return f;
}

static frags make_frags6(size_t size, size_t fsz, uint32_t id, int k)
{
    frags f;
    memset(&f, 0, sizeof f);
    f.payload = make_payload(size, k);
    pb u = pb_new();
    push_str(&u, f.payload);
    push_udp(&u, 5060, 5080);
    const uint8_t *dg = pb_data(&u);
    size_t dl = pb_len(&u);
    for (size_t off = 0; off < dl; off += fsz) {
        size_t l = SW_MIN(fsz, dl - off);
        pb b = pb_new();
        push_data(&b, dg + off, l);
        bool more = off + l < dl;
        push_ip6_frag(&b, 17, (uint16_t)off, more, id);
        push_ip6_ext(&b, 44, 0); /* hop-by-hop before the fragment header */
        push_ip6(&b, V6A, V6B, 0);
        push_eth(&b, 0x86DD);
        f.len[f.n] = pb_len(&b);
        f.pkt[f.n] = malloc(f.len[f.n]);
        memcpy(f.pkt[f.n], pb_data(&b), f.len[f.n]);
        f.n++;
        pb_free(&b);
    }
    pb_free(&u);
    return f;
}

static void frags_free(frags *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->pkt[i]);
    free(f->payload);
}

static uint64_t g_frame;
static void ffeed(sw_decoder *d, const frags *f, size_t i, int64_t ts)
{
    feed_ex(d, SW_LINK_ETHERNET, f->pkt[i], f->len[i], f->len[i], ts, ++g_frame);
}

static void expect_dgram(size_t i, const frags *f, bool six)
{
    if (six)
        expect_pl(i, v6(V6A), v6(V6B), 5060, 5080, SW_TP_UDP, f->payload, SW_PAYF_IPFRAG);
    else
        expect_pl(i, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, f->payload, SW_PAYF_IPFRAG);
    assert_false(g_got[i].pl.stable);
    assert_int_equal(g_got[i].pl.nframes, f->n);
}

static void test_frag_orders(void **state)
{
    (void)state;
    for (int six = 0; six < 2; six++) {
        frags f = six ? make_frags6(3000, 1232, 0xABCD0001, 0) : make_frags4(3000, 1480, 77, 0);
        assert_int_equal(f.n, 3);
        /* in order */
        sw_decoder *d = dec_new(NULL);
        g_frame = 0;
        for (size_t i = 0; i < f.n; i++) {
            assert_int_equal(g_ngot, 0);
            ffeed(d, &f, i, 10);
        }
        assert_int_equal(g_ngot, 1);
        expect_dgram(0, &f, six);
        assert_int_equal(g_got[0].pl.first_frame, 1);
        assert_int_equal(g_got[0].pl.frame, 3);
        const sw_decode_stats *st = sw_decoder_stats(d);
        assert_int_equal(st->ip_fragments, 3);
        assert_int_equal(st->ip_reassembled, 1);
        got_reset();
        /* reverse order, same decoder (the first datagram left no state) */
        for (size_t i = f.n; i-- > 0;)
            ffeed(d, &f, i, 11);
        assert_int_equal(g_ngot, 1);
        expect_dgram(0, &f, six);
        assert_int_equal(g_got[0].pl.first_frame, 4);
        assert_int_equal(g_got[0].pl.frame, 6);
        got_reset();
        sw_decoder_flush(d);
        assert_int_equal(sw_decoder_stats(d)->ip_frag_timeouts, 0);
        sw_decoder_free(d);
        frags_free(&f);
    }
}

static void test_frag_interleaved(void **state)
{
    (void)state;
    for (int six = 0; six < 2; six++) {
        frags a = six ? make_frags6(2000, 512, 1, 0) : make_frags4(2000, 512, 1, 0);
        frags b = six ? make_frags6(1500, 512, 2, 1) : make_frags4(1500, 512, 2, 1);
        /* with the datagram bound equal to the number interleaved: no eviction */
        sw_decode_opts o;
        memset(&o, 0, sizeof o);
        o.frag_max_datagrams = 2;
        sw_decoder *d = dec_new(&o);
        g_frame = 0;
        size_t ia = 0, ib = 0;
        while (ia < a.n || ib < b.n) {
            if (ib < b.n)
                ffeed(d, &b, ib++, 5);
            if (ia < a.n)
                ffeed(d, &a, ia++, 5);
        }
        assert_int_equal(g_ngot, 2);
        expect_dgram(0, &b, six);
        expect_dgram(1, &a, six);
        assert_int_equal(sw_decoder_stats(d)->ip_frag_evicted, 0);
        got_reset();
        sw_decoder_free(d);
        frags_free(&a);
        frags_free(&b);
    }
}

static void test_frag_dup_overlap(void **state)
{
    (void)state;
    for (int six = 0; six < 2; six++) {
        frags f = six ? make_frags6(3000, 1024, 9, 0) : make_frags4(3000, 1024, 9, 0);
        sw_decoder *d = dec_new(NULL);
        g_frame = 0;
        /* duplicates of the first and middle fragments */
        ffeed(d, &f, 0, 1);
        ffeed(d, &f, 0, 1);
        ffeed(d, &f, 1, 1);
        ffeed(d, &f, 1, 1);
        assert_int_equal(g_ngot, 0);
        ffeed(d, &f, 2, 1);
        assert_int_equal(g_ngot, 1);
        expect_pl(0, six ? v6(V6A) : v4(IA), six ? v6(V6B) : v4(IB), 5060, 5080, SW_TP_UDP,
                  f.payload, SW_PAYF_IPFRAG);
        assert_true(sw_decoder_stats(d)->ip_frag_overlaps > 0);
        got_reset();
        /* duplicate after completion: a new, incomplete datagram (counted at flush) */
        ffeed(d, &f, 1, 2);
        assert_int_equal(g_ngot, 0);
        sw_decoder_flush(d);
        assert_int_equal(sw_decoder_stats(d)->ip_frag_timeouts, 1);
        sw_decoder_free(d);
        frags_free(&f);
    }

    /* IPv4 overlapping fragment with different bytes: the first copy wins */
    frags f = make_frags4(40, 16, 5, 0); /* UDP 48 bytes: 16 + 16 + 16 */
    assert_int_equal(f.n, 3);
    pb b = pb_new();
    uint8_t junk[24];
    memset(junk, 'Z', sizeof junk);
    push_data(&b, junk, sizeof junk);
    push_ip4x(&b, IA, IB, 17, NULL, 0, 5, 0x2000 | 1); /* bytes 8..31 */
    push_eth(&b, 0x0800);
    sw_decoder *d = dec_new(NULL);
    g_frame = 0;
    ffeed(d, &f, 0, 1);
    ffeed(d, &f, 1, 1);
    feed_ex(d, SW_LINK_ETHERNET, pb_data(&b), pb_len(&b), pb_len(&b), 1, ++g_frame);
    ffeed(d, &f, 2, 1);
    assert_int_equal(g_ngot, 1);
    expect_pl(0, v4(IA), v4(IB), 5060, 5080, SW_TP_UDP, f.payload, SW_PAYF_IPFRAG);
    assert_true(sw_decoder_stats(d)->ip_frag_overlaps >= 2);
    got_reset();
    sw_decoder_free(d);
    pb_free(&b);
    frags_free(&f);
}

static void test_frag_missing_timeout_bounds(void **state)
{
    (void)state;
    /* a missing fragment: nothing emitted; counted at flush */
    frags f = make_frags4(3000, 1024, 1, 0);
    sw_decoder *d = dec_new(NULL);
    g_frame = 0;
    ffeed(d, &f, 0, 1);
    ffeed(d, &f, 2, 1);
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 0);
    assert_int_equal(sw_decoder_stats(d)->ip_frag_timeouts, 1);
    assert_int_equal(sw_decoder_stats(d)->ip_reassembled, 0);
    sw_decoder_free(d);

    /* timeout: the missing fragment arrives after frag_timeout_ns */
    sw_decode_opts o;
    memset(&o, 0, sizeof o);
    o.frag_timeout_ns = 30ll * 1000000000;
    d = dec_new(&o);
    frags g = make_frags4(100, 64, 2, 1);
    ffeed(d, &f, 0, 0);
    ffeed(d, &f, 1, 1000000000);
    ffeed(d, &g, 0, 31ll * 1000000000); /* another datagram, 31 s later */
    assert_int_equal(sw_decoder_stats(d)->ip_frag_timeouts, 1);
    ffeed(d, &f, 2, 31ll * 1000000000);
    assert_int_equal(g_ngot, 0);
    ffeed(d, &g, 1, 31ll * 1000000000);
    assert_int_equal(g_ngot, 1);
    expect_dgram(0, &g, false);
    got_reset();
    /* within the timeout it still completes */
    ffeed(d, &f, 0, 40ll * 1000000000);
    ffeed(d, &f, 1, 60ll * 1000000000);
    assert_int_equal(g_ngot, 1); /* 0 and 1 joined the lonely 2 of 31 s */
    expect_dgram(0, &f, false);
    got_reset();
    sw_decoder_free(d);
    frags_free(&g);

    /* bound on datagrams in reassembly: the oldest is evicted */
    memset(&o, 0, sizeof o);
    o.frag_max_datagrams = 2;
    d = dec_new(&o);
    frags x[3] = {make_frags4(2000, 1024, 10, 0), make_frags4(2000, 1024, 11, 1),
                  make_frags4(2000, 1024, 12, 2)};
    for (int i = 0; i < 3; i++)
        ffeed(d, &x[i], 0, 1);
    assert_int_equal(sw_decoder_stats(d)->ip_frag_evicted, 1);
    /* the two datagrams still held complete */
    ffeed(d, &x[2], 1, 1);
    ffeed(d, &x[1], 1, 1);
    assert_int_equal(g_ngot, 2);
    expect_dgram(0, &x[2], false);
    expect_dgram(1, &x[1], false);
    /* x[0] was evicted: its second fragment starts a new, incomplete entry */
    ffeed(d, &x[0], 1, 1);
    assert_int_equal(g_ngot, 2);
    sw_decoder_flush(d);
    assert_int_equal(sw_decoder_stats(d)->ip_frag_timeouts, 1);
    sw_decoder_free(d);
    got_reset();
    for (int i = 0; i < 3; i++)
        frags_free(&x[i]);

    /* bound on bytes: a tiny budget evicts instead of growing */
    memset(&o, 0, sizeof o);
    o.frag_max_bytes = 1000;
    d = dec_new(&o);
    ffeed(d, &f, 0, 1);
    ffeed(d, &f, 1, 1);
    ffeed(d, &f, 2, 1);
    assert_true(sw_decoder_stats(d)->ip_frag_evicted > 0);
    sw_decoder_flush(d);
    sw_decoder_free(d);
    got_reset();
    frags_free(&f);

    /* fragments of a bad size (not a multiple of 8, or past 64 KiB) */
    pb b = pb_new();
    push_str(&b, "0123456789");
    push_ip4x(&b, IA, IB, 17, NULL, 0, 3, 0x2000);
    const sw_decode_stats *st = decode1(SW_LINK_RAW, &b);
    assert_int_equal(st->malformed, 1);
    pb_free(&b);
    b = pb_new();
    push_str(&b, "0123456789");
    push_ip4x(&b, IA, IB, 17, NULL, 0, 3, 0x1FFF);
    st = decode1(SW_LINK_RAW, &b);
    assert_int_equal(st->malformed, 1);
    pb_free(&b);
}

/* A datagram of 65535 bytes (the largest) in 8-byte fragments, shuffled. */
static void test_frag_max_size(void **state)
{
    (void)state;
    size_t total = 65535 - 20 - 8; /* UDP payload so that IP total = 65535 */
    char *payload = make_payload(total, 3);
    pb u = pb_new();
    push_str(&u, payload);
    push_udp(&u, 5060, 5080);
    const uint8_t *dg = pb_data(&u);
    size_t dl = pb_len(&u);
    size_t nf = (dl + 1999) / 2000;
    size_t *order = malloc(nf * sizeof *order);
    for (size_t i = 0; i < nf; i++)
        order[i] = i;
    srand(99);
    for (size_t i = nf; i-- > 1;) {
        size_t j = (size_t)rand() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    sw_decoder *d = dec_new(NULL);
    for (size_t k = 0; k < nf; k++) {
        size_t off = order[k] * 2000, l = SW_MIN(2000, dl - off);
        pb b = pb_new();
        push_data(&b, dg + off, l);
        push_ip4x(&b, IA, IB, 17, NULL, 0, 1, (uint16_t)((off + l < dl ? 0x2000 : 0) | off / 8));
        feed_ex(d, SW_LINK_RAW, pb_data(&b), pb_len(&b), pb_len(&b), 1, k + 1);
        pb_free(&b);
    }
    assert_int_equal(g_ngot, 1);
    assert_int_equal(g_got[0].pl.len, total);
    assert_memory_equal(g_got[0].bytes, payload, total);
    got_reset();
    /* one byte more than fits is refused */
    pb b = pb_new();
    push_str(&b, "0123456789");
    push_ip4x(&b, IA, IB, 17, NULL, 0, 2, 8191);
    feed_ex(d, SW_LINK_RAW, pb_data(&b), pb_len(&b), pb_len(&b), 1, 99);
    assert_int_equal(sw_decoder_stats(d)->malformed, 1);
    pb_free(&b);
    sw_decoder_free(d);
    free(order);
    free(payload);
    pb_free(&u);
}

/* ---- TCP --------------------------------------------------------------- */

typedef struct conn {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint32_t seq; /* next sequence number to send */
} conn;

static uint64_t g_tframe;

/* Sends data at seq (does not advance c->seq). */
static void tcp_at(sw_decoder *d, const conn *c, uint32_t seq, const char *data, size_t n,
                   uint8_t flags, size_t cut)
{
    pb b = pb_new();
    push_data(&b, data, n);
    push_tcp(&b, c->sport, c->dport, seq, flags);
    push_ip4(&b, c->src, c->dst, 6);
    push_eth(&b, 0x0800);
    size_t len = pb_len(&b);
    g_tframe++;
    feed_ex(d, SW_LINK_ETHERNET, pb_data(&b), len - cut, len, (int64_t)g_tframe * 1000, g_tframe);
    pb_free(&b);
}

static void tcp_send(sw_decoder *d, conn *c, const char *data)
{
    size_t n = strlen(data);
    tcp_at(d, c, c->seq, data, n, F_ACK | F_PSH, 0);
    c->seq += (uint32_t)n;
}

static conn conn_a(void) { return (conn){IA, IB, 40000, 5060, 1000}; }

static void expect_tcp(size_t i, const conn *c, const char *data, uint8_t flags)
{
    expect_pl(i, v4(c->src), v4(c->dst), c->sport, c->dport, SW_TP_TCP, data, flags);
}

static void test_tcp_one_per_segment(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\nbody\n\n");
    tcp_send(d, &c, "MSG 2\n\n");
    assert_int_equal(g_ngot, 2);
    expect_tcp(0, &c, "MSG 1\nbody\n\n", 0);
    expect_tcp(1, &c, "MSG 2\n\n", 0);
    for (size_t i = 0; i < 2; i++) {
        assert_true(g_got[i].pl.stable);
        assert_true(g_got[i].in_packet); /* zero-copy: a slice of the packet */
        assert_int_equal(g_got[i].pl.frame, i + 1);
        assert_int_equal(g_got[i].pl.first_frame, i + 1);
        assert_int_equal(g_got[i].pl.nframes, 1);
    }
    got_reset();
    /* a pure ACK of a stream never seen makes no flow and no payload */
    conn r = {IB, IA, 5060, 40000, 5};
    tcp_at(d, &r, 5, "", 0, F_ACK, 0);
    assert_int_equal(g_ngot, 0);
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 0);
    const sw_decode_stats *st = sw_decoder_stats(d);
    assert_int_equal(st->tcp_segments, 3);
    assert_int_equal(st->tcp_retransmitted, 0);
    sw_decoder_free(d);
}

static void test_tcp_two_in_one(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\nMSG 2\nx\n\n\r\n\r\nMSG 3\n\n");
    assert_int_equal(g_ngot, 3);
    expect_tcp(0, &c, "MSG 1\n\n", 0);
    expect_tcp(1, &c, "MSG 2\nx\n\n", 0);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    for (size_t i = 0; i < 3; i++) {
        assert_true(g_got[i].in_packet);
        assert_int_equal(g_got[i].pl.frame, 1);
    }
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_split(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\n"); /* frame 1 */
    tcp_send(d, &c, "MSG 2\nfirst");
    tcp_send(d, &c, " second ");
    assert_int_equal(g_ngot, 1);
    tcp_send(d, &c, "third\n\nMSG 3\n\nMSG 4 "); /* frame 4 completes 2 and carries 3 */
    assert_int_equal(g_ngot, 3);
    expect_tcp(1, &c, "MSG 2\nfirst second third\n\n", SW_PAYF_TCPSEGS);
    assert_false(g_got[1].pl.stable);
    assert_int_equal(g_got[1].pl.first_frame, 2);
    assert_int_equal(g_got[1].pl.frame, 4);
    assert_int_equal(g_got[1].pl.nframes, 3);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    assert_int_equal(g_got[2].pl.first_frame, 4);
    assert_int_equal(g_got[2].pl.nframes, 1);
    tcp_send(d, &c, "end\n\n"); /* frame 5 completes 4 */
    assert_int_equal(g_ngot, 4);
    expect_tcp(3, &c, "MSG 4 end\n\n", SW_PAYF_TCPSEGS);
    assert_int_equal(g_got[3].pl.first_frame, 4);
    assert_int_equal(g_got[3].pl.frame, 5);
    assert_int_equal(g_got[3].pl.nframes, 2);
    got_reset();
    /* the two directions of a connection are separate streams */
    conn r = {IB, IA, 5060, 40000, 777};
    tcp_send(d, &r, "REPLY 1");
    tcp_send(d, &c, "MSG 5\n\n");
    tcp_send(d, &r, "\n\n");
    assert_int_equal(g_ngot, 2);
    expect_tcp(0, &c, "MSG 5\n\n", 0);
    expect_tcp(1, &r, "REPLY 1\n\n", SW_PAYF_TCPSEGS);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_out_of_order(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    const char *s1 = "MSG 1 part one ", *s2 = "part two ", *s3 = "part three\n\nMSG 2\n\n";
    uint32_t q1 = c.seq, q2 = q1 + (uint32_t)strlen(s1), q3 = q2 + (uint32_t)strlen(s2);
    tcp_at(d, &c, q1, s1, strlen(s1), F_ACK, 0);
    tcp_at(d, &c, q3, s3, strlen(s3), F_ACK, 0); /* arrives before s2 */
    assert_int_equal(g_ngot, 0);
    tcp_at(d, &c, q2, s2, strlen(s2), F_ACK, 0);
    assert_int_equal(g_ngot, 2);
    expect_tcp(0, &c, "MSG 1 part one part two part three\n\n", SW_PAYF_TCPSEGS);
    assert_int_equal(g_got[0].pl.first_frame, 1);
    assert_int_equal(g_got[0].pl.frame, 3);
    assert_int_equal(g_got[0].pl.nframes, 3);
    expect_tcp(1, &c, "MSG 2\n\n", 0);
    assert_int_equal(sw_decoder_stats(d)->tcp_out_of_order, 1);
    got_reset();
    /* whole messages out of order: delivered in stream order */
    c.seq = q3 + (uint32_t)strlen(s3);
    uint32_t a = c.seq, b = a + 7;
    tcp_at(d, &c, b, "MSG B\n\n", 7, F_ACK, 0);
    tcp_at(d, &c, a, "MSG A\n\n", 7, F_ACK, 0);
    assert_int_equal(g_ngot, 2);
    expect_tcp(0, &c, "MSG A\n\n", 0);
    expect_tcp(1, &c, "MSG B\n\n", 0);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_retransmissions(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    uint32_t s0 = c.seq;
    tcp_send(d, &c, "MSG 1\n\n");
    tcp_at(d, &c, s0, "MSG 1\n\n", 7, F_ACK, 0); /* exact retransmission */
    assert_int_equal(g_ngot, 1);
    assert_int_equal(sw_decoder_stats(d)->tcp_retransmitted, 1);
    /* partial overlap: old bytes then new ones */
    uint32_t s1 = c.seq;
    tcp_send(d, &c, "MSG 2 ab");
    tcp_at(d, &c, s1 + 4, "2 abcd\n\nMSG 3\n\n", 15, F_ACK, 0);
    c.seq = s1 + 4 + 15;
    assert_int_equal(g_ngot, 3);
    expect_tcp(1, &c, "MSG 2 abcd\n\n", SW_PAYF_TCPSEGS);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    assert_int_equal(sw_decoder_stats(d)->tcp_retransmitted, 2);
    /* an out-of-order segment retransmitted, and one wholly inside delivered data */
    uint32_t s2 = c.seq;
    tcp_at(d, &c, s2 + 7, "MSG 5\n\n", 7, F_ACK, 0);
    tcp_at(d, &c, s2 + 7, "MSG 5\n\n", 7, F_ACK, 0);
    tcp_at(d, &c, s2, "MSG 4\n\n", 7, F_ACK, 0);
    tcp_at(d, &c, s2 + 2, "G 4\n", 4, F_ACK, 0);
    assert_int_equal(g_ngot, 5);
    expect_tcp(3, &c, "MSG 4\n\n", 0);
    expect_tcp(4, &c, "MSG 5\n\n", 0);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_keepalives(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\n");
    /* TCP keep-alive: one byte below the next sequence number */
    tcp_at(d, &c, c.seq - 1, "\0", 1, F_ACK, 0);
    tcp_at(d, &c, c.seq, "", 0, F_ACK, 0);
    /* CRLF keep-alives of the application */
    tcp_send(d, &c, "\r\n\r\n");
    tcp_send(d, &c, "\r\n");
    tcp_send(d, &c, "MSG 2\n\n");
    tcp_send(d, &c, "\r\n\r\nMSG 3\n\n\r\n");
    assert_int_equal(g_ngot, 3);
    expect_tcp(0, &c, "MSG 1\n\n", 0);
    expect_tcp(1, &c, "MSG 2\n\n", 0);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    assert_int_equal(sw_decoder_stats(d)->tcp_gaps, 0);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_syn_fin(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_at(d, &c, 5000, "", 0, F_SYN, 0);
    c.seq = 5001;
    tcp_send(d, &c, "MSG 1\n\n");
    tcp_send(d, &c, "MSG 2 unfinished");
    assert_int_equal(g_ngot, 1);
    /* FIN: the partial message is handed on, truncated, and the flow ends */
    tcp_at(d, &c, c.seq, "", 0, F_FIN | F_ACK, 0);
    assert_int_equal(g_ngot, 2);
    expect_tcp(1, &c, "MSG 2 unfinished", SW_PAYF_TRUNC);
    /* a new connection on the same ports with a new ISN */
    tcp_at(d, &c, 90000, "", 0, F_SYN, 0);
    c.seq = 90001;
    tcp_send(d, &c, "MSG 3\n\n");
    assert_int_equal(g_ngot, 3);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    /* FIN with data */
    tcp_at(d, &c, c.seq, "MSG 4\n\nMSG 5", 12, F_FIN | F_ACK, 0);
    assert_int_equal(g_ngot, 5);
    expect_tcp(3, &c, "MSG 4\n\n", 0);
    expect_tcp(4, &c, "MSG 5", SW_PAYF_TRUNC);
    /* RST ends a flow too */
    c.seq = 300;
    tcp_send(d, &c, "MSG 6 cut");
    tcp_at(d, &c, c.seq, "", 0, F_RST, 0);
    /* The framer called it an incomplete message (a plausible start), so it
     * is handed on, truncated, rather than lost without a trace. */
    assert_int_equal(g_ngot, 6);
    expect_tcp(5, &c, "MSG 6 cut", SW_PAYF_TRUNC);
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 6);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_gap(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\n");
    tcp_send(d, &c, "MSG 2 begins");
    uint32_t lost = c.seq;
    c.seq += 10; /* a segment of 10 bytes is never captured */
    tcp_at(d, &c, c.seq, "rest\n\n", 6, F_ACK, 0);
    c.seq += 6;
    tcp_send(d, &c, "MSG 3\n\n");
    tcp_send(d, &c, "MSG 4\n\n");
    assert_int_equal(g_ngot, 1);
    (void)lost;
    /* end of capture: the hole is skipped, the partial message before it is
     * handed on truncated, and the stream resyncs on the next message start */
    sw_decoder_flush(d);
    const sw_decode_stats *st = sw_decoder_stats(d);
    assert_int_equal(st->tcp_gaps, 1);
    assert_int_equal(g_ngot, 4);
    expect_tcp(1, &c, "MSG 2 begins", SW_PAYF_TRUNC);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    expect_tcp(3, &c, "MSG 4\n\n", 0);
    assert_true(st->tcp_not_framed >= 1); /* "rest\n\n" */
    got_reset();
    sw_decoder_free(d);

    /* the hole is skipped as soon as too many segments wait behind it */
    sw_decode_opts o;
    memset(&o, 0, sizeof o);
    o.tcp_max_ooo = 2;
    d = dec_new(&o);
    c = conn_a();
    tcp_send(d, &c, "MSG 1\n\n");
    c.seq += 5; /* lost */
    tcp_send(d, &c, "MSG 2\n\n");
    tcp_send(d, &c, "MSG 3\n\n");
    assert_int_equal(g_ngot, 1);
    tcp_send(d, &c, "MSG 4\n\n");
    assert_int_equal(sw_decoder_stats(d)->tcp_gaps, 1);
    assert_int_equal(g_ngot, 4);
    expect_tcp(1, &c, "MSG 2\n\n", 0);
    expect_tcp(2, &c, "MSG 3\n\n", 0);
    expect_tcp(3, &c, "MSG 4\n\n", 0);
    got_reset();
    tcp_send(d, &c, "MSG 5\n\n");
    assert_int_equal(g_ngot, 1);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_snaplen(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 0\n\n");
    /* a segment cut by the snaplen: the whole messages in it are emitted,
     * the cut one is handed on truncated, the rest of the stream resyncs */
    const char *seg = "MSG 1\n\nMSG 2 long body that the snaplen cuts\n\n";
    tcp_at(d, &c, c.seq, seg, strlen(seg), F_ACK, 20);
    c.seq += (uint32_t)strlen(seg);
    assert_int_equal(g_ngot, 3);
    expect_tcp(1, &c, "MSG 1\n\n", 0);
    assert_true(g_got[1].pl.stable);
    char cut[64];
    snprintf(cut, sizeof cut, "%.*s", (int)(strlen(seg) - 20 - 7), seg + 7);
    expect_tcp(2, &c, cut, SW_PAYF_TRUNC);
    tcp_send(d, &c, "MSG 3\n\n");
    assert_int_equal(g_ngot, 4);
    expect_tcp(3, &c, "MSG 3\n\n", 0);
    got_reset();
    sw_decoder_free(d);
}

/* Only the link trailer is missing (origlen counts an FCS that was not
 * captured): the IP length says the segment is whole, so nothing is
 * truncated and the stream goes on. */
static void test_trailer_cut(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\nMSG 2 begins");
    pb b = pb_new();
    push_str(&b, " and ends\n\n");
    push_tcp(&b, c.sport, c.dport, c.seq, F_ACK);
    push_ip4(&b, c.src, c.dst, 6);
    push_eth(&b, 0x0800);
    feed_ex(d, SW_LINK_ETHERNET, pb_data(&b), pb_len(&b), pb_len(&b) + 4, 5, ++g_tframe);
    pb_free(&b);
    assert_int_equal(g_ngot, 2);
    expect_tcp(1, &c, "MSG 2 begins and ends\n\n", SW_PAYF_TCPSEGS);
    got_reset();
    sw_decoder_free(d);
    /* the same for the fragments of a datagram */
    d = dec_new(NULL);
    frags fr = make_frags4(2000, 1024, 4, 0);
    for (size_t i = 0; i < fr.n; i++)
        feed_ex(d, SW_LINK_ETHERNET, fr.pkt[i], fr.len[i], fr.len[i] + 4, 6, ++g_tframe);
    assert_int_equal(g_ngot, 1);
    expect_dgram(0, &fr, false);
    got_reset();
    frags_free(&fr);
    sw_decoder_free(d);
    /* the same for UDP */
    b = udp4();
    push_eth(&b, 0x0800);
    d = dec_new(NULL);
    feed_ex(d, SW_LINK_ETHERNET, pb_data(&b), pb_len(&b), pb_len(&b) + 4, 5, 1);
    expect_sip4(0);
    got_reset();
    sw_decoder_free(d);
    pb_free(&b);
}

static void test_tcp_flush(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1\n\n");
    tcp_send(d, &c, "MSG 2 a");
    tcp_send(d, &c, "nd b");
    conn e = {IB, IA, 5060, 40000, 1};
    tcp_send(d, &e, "OTHER\n\nOTHER part");
    assert_int_equal(g_ngot, 2);
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 4);
    /* flushed in flow age order; both truncated, the first over two segments */
    expect_tcp(2, &c, "MSG 2 and b", SW_PAYF_TRUNC | SW_PAYF_TCPSEGS);
    assert_int_equal(g_got[2].pl.first_frame, 2);
    assert_int_equal(g_got[2].pl.frame, 3);
    assert_int_equal(g_got[2].pl.nframes, 2);
    assert_false(g_got[2].pl.stable);
    expect_tcp(3, &e, "OTHER part", SW_PAYF_TRUNC);
    assert_int_equal(g_got[3].pl.frame, 4);
    /* flush twice: nothing more */
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 4);
    got_reset();
    sw_decoder_free(d);
}

static void test_tcp_bounds(void **state)
{
    (void)state;
    /* max_msg: a message larger than the bound is refused, counted */
    sw_decode_opts o;
    memset(&o, 0, sizeof o);
    o.max_msg = 16;
    sw_decoder *d = dec_new(&o);
    conn c = conn_a();
    g_tframe = 0;
    tcp_send(d, &c, "MSG 1 this is far too long for the bound\n\n");
    tcp_send(d, &c, "MSG 2\n\n");
    tcp_send(d, &c, "MSG 3 split");
    tcp_send(d, &c, " and too long\n\n");
    tcp_send(d, &c, "MSG 4\n\n");
    assert_true(sw_decoder_stats(d)->tcp_too_big >= 2);
    assert_int_equal(g_ngot, 2);
    expect_tcp(0, &c, "MSG 2\n\n", 0);
    expect_tcp(1, &c, "MSG 4\n\n", 0);
    got_reset();
    sw_decoder_free(d);

    /* tcp_max_bytes: buffering stops at the bound, counted, no crash */
    memset(&o, 0, sizeof o);
    o.tcp_max_bytes = 600;
    d = dec_new(&o);
    c = conn_a();
    char big[500];
    memset(big, 'x', sizeof big);
    big[0] = 'M'; /* only the first segment starts a message */
    for (int i = 0; i < 5; i++) {
        tcp_at(d, &c, c.seq, big, sizeof big, F_ACK, 0);
        c.seq += 500;
        big[0] = 'x';
    }
    assert_true(sw_decoder_stats(d)->tcp_evicted > 0);
    assert_int_equal(g_ngot, 0);
    tcp_send(d, &c, "MSG 9\n\n");
    assert_int_equal(g_ngot, 1);
    expect_tcp(0, &c, "MSG 9\n\n", 0);
    got_reset();
    sw_decoder_flush(d);
    got_reset();
    sw_decoder_free(d);

    /* tcp_max_flows: the oldest flow is evicted (its partial handed on) */
    memset(&o, 0, sizeof o);
    o.tcp_max_flows = 2;
    d = dec_new(&o);
    g_tframe = 0;
    conn f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = conn_a();
        f[i].sport = (uint16_t)(41000 + i);
        tcp_send(d, &f[i], "MSG 1\n\n");
        tcp_send(d, &f[i], "MSG 2 partial");
    }
    assert_int_equal(sw_decoder_stats(d)->tcp_evicted, 1);
    assert_int_equal(g_ngot, 4);
    expect_tcp(2, &f[0], "MSG 2 partial", SW_PAYF_TRUNC); /* before f[2]'s first message */
    /* the evicted partial is reported with its own flow's last frame and
     * time, not those of the packet that caused the eviction */
    assert_int_equal(g_got[2].pl.first_frame, 2);
    assert_int_equal(g_got[2].pl.frame, 2);
    assert_true(g_got[2].pl.ts_ns == 2000);
    expect_tcp(3, &f[2], "MSG 1\n\n", 0);
    sw_decoder_flush(d);
    assert_int_equal(g_ngot, 6);
    got_reset();
    sw_decoder_free(d);

    /* no framer: TCP is counted and ignored */
    memset(&o, 0, sizeof o);
    d = sw_decoder_new(&o, collect, NULL);
    c = conn_a();
    tcp_send(d, &c, "MSG 1\n\n");
    assert_int_equal(g_ngot, 0);
    assert_int_equal(sw_decoder_stats(d)->tcp_segments, 1);
    sw_decoder_free(d);
}

/* TCP over IPv4 fragments: the reassembled segment is decoded like any other. */
static void test_tcp_in_fragments(void **state)
{
    (void)state;
    pb s = pb_new();
    push_str(&s, "MSG over fragments 0123456789abcdef\n\n");
    push_tcp(&s, 40000, 5060, 1, F_ACK);
    const uint8_t *seg = pb_data(&s);
    size_t sl = pb_len(&s);
    sw_decoder *d = dec_new(NULL);
    for (size_t off = 0; off < sl; off += 24) {
        size_t l = SW_MIN(24, sl - off);
        pb b = pb_new();
        push_data(&b, seg + off, l);
        push_ip4x(&b, IA, IB, 6, NULL, 0, 8, (uint16_t)((off + l < sl ? 0x2000 : 0) | off / 8));
        feed_ex(d, SW_LINK_RAW, pb_data(&b), pb_len(&b), pb_len(&b), 1, off / 24 + 1);
        pb_free(&b);
    }
    assert_int_equal(g_ngot, 1);
    uint8_t fl = g_got[0].pl.flags;
    g_got[0].pl.flags = 0; /* IPFRAG may or may not be set for TCP: not checked */
    expect_pl(0, v4(IA), v4(IB), 40000, 5060, SW_TP_TCP, "MSG over fragments 0123456789abcdef\n\n",
              0);
    assert_int_equal(fl & ~SW_PAYF_IPFRAG, 0);
    assert_false(g_got[0].pl.stable);
    got_reset();
    sw_decoder_free(d);
    pb_free(&s);
}

/* The callback's stop request ends decoding: no payload after it. */
static void test_stop(void **state)
{
    (void)state;
    sw_decoder *d = dec_new(NULL);
    conn c = conn_a();
    g_tframe = 0;
    g_stop_after = 2;
    int rc = 0;
    tcp_send(d, &c, "MSG 1\n\nMSG 2\n\nMSG 3\n\n");
    rc = sw_decoder_flush(d);
    assert_int_equal(g_ngot, 2);
    assert_true(rc != 0);
    g_stop_after = 0;
    got_reset();
    sw_decoder_free(d);
}

static void test_addr_helpers(void **state)
{
    (void)state;
    char buf[64];
    sw_addr a = v4(A4(192, 168, 1, 20));
    assert_string_equal(sw_addr_str(&a, buf, sizeof buf), "192.168.1.20");
    sw_addr b = v6(V6A);
    assert_string_equal(sw_addr_str(&b, buf, sizeof buf), "2001:db8::1");
    sw_addr z;
    memset(&z, 0, sizeof z);
    assert_string_equal(sw_addr_str(&z, buf, sizeof buf), "-");
    assert_false(sw_addr_eq(&a, &b));
    sw_addr a2 = a;
    a2.a[10] = 7; /* bytes past an IPv4 address do not count */
    assert_true(sw_addr_eq(&a, &a2));
    assert_string_equal(sw_transport_name(SW_TP_UDP), "udp");
    assert_string_equal(sw_transport_name(SW_TP_TCP), "tcp");
    assert_string_equal(sw_transport_name(99), "");
}

/* A failed test leaves its payloads behind: every test starts clean. */
static int reset(void **state)
{
    (void)state;
    got_reset();
    g_stop_after = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_addr_helpers, reset),
        cmocka_unit_test_setup(test_link_ethernet, reset),
        cmocka_unit_test_setup(test_link_others, reset),
        cmocka_unit_test_setup(test_pppoe_short_length, reset),
        cmocka_unit_test_setup(test_ip4_options_and_padding, reset),
        cmocka_unit_test_setup(test_ip6_ext_headers, reset),
        cmocka_unit_test_setup(test_tunnels, reset),
        cmocka_unit_test_setup(test_tunnel_depth, reset),
        cmocka_unit_test_setup(test_mpls_ether_recursion, reset),
        cmocka_unit_test_setup(test_udp_lengths, reset),
        cmocka_unit_test_setup(test_malformed, reset),
        cmocka_unit_test_setup(test_random_junk, reset),
        cmocka_unit_test_setup(test_frag_orders, reset),
        cmocka_unit_test_setup(test_frag_interleaved, reset),
        cmocka_unit_test_setup(test_frag_dup_overlap, reset),
        cmocka_unit_test_setup(test_frag_missing_timeout_bounds, reset),
        cmocka_unit_test_setup(test_frag_max_size, reset),
        cmocka_unit_test_setup(test_tcp_one_per_segment, reset),
        cmocka_unit_test_setup(test_tcp_two_in_one, reset),
        cmocka_unit_test_setup(test_tcp_split, reset),
        cmocka_unit_test_setup(test_tcp_out_of_order, reset),
        cmocka_unit_test_setup(test_tcp_retransmissions, reset),
        cmocka_unit_test_setup(test_tcp_keepalives, reset),
        cmocka_unit_test_setup(test_tcp_syn_fin, reset),
        cmocka_unit_test_setup(test_tcp_gap, reset),
        cmocka_unit_test_setup(test_tcp_snaplen, reset),
        cmocka_unit_test_setup(test_trailer_cut, reset),
        cmocka_unit_test_setup(test_tcp_flush, reset),
        cmocka_unit_test_setup(test_tcp_bounds, reset),
        cmocka_unit_test_setup(test_tcp_in_fragments, reset),
        cmocka_unit_test_setup(test_stop, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
