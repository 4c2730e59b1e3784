/*
 * capture tests: pcap and pcapng files built byte by byte in memory and
 * written to temporary files, so every timestamp, length and offset is known.
 *
 *   formats     pcap (micro/nano, both byte orders), pcapng (several
 *               interfaces and link types, if_tsresol 10^-n and 2^-n,
 *               if_tsoffset, EPB/SPB/OPB, unknown blocks, several sections
 *               of different byte order), gzip, standard input
 *   damage      every kind of damage must give the packets before it, then a
 *               negative code and an error naming the byte offset; every
 *               truncated prefix of a good file is read the same way
 *   capset      merge by time, ties by input order, a damaged input does not
 *               stop the others
 *   oracle      every capture of the public corpus read by us and by
 *               libpcap must give the same packets
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/capture.h"

/* ---- a byte writer with a chosen byte order ---------------------------- */

typedef struct bw {
    uint8_t *p;
    size_t len, cap;
    bool big;
} bw;

static void bw_put(bw *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 256;
        w->p = realloc(w->p, w->cap);
        assert_non_null(w->p);
    }
    if (n)
        memcpy(w->p + w->len, p, n);
    w->len += n;
}
static void bw_u8(bw *w, uint8_t v) { bw_put(w, &v, 1); }
static void bw_u16(bw *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(w->big ? v >> 8 : v), (uint8_t)(w->big ? v : v >> 8)};
    bw_put(w, b, 2);
}
static void bw_u32(bw *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (w->big ? 24 - 8 * i : 8 * i));
    bw_put(w, b, 4);
}
static void bw_u64(bw *w, uint64_t v)
{
    if (w->big) {
        bw_u32(w, (uint32_t)(v >> 32));
        bw_u32(w, (uint32_t)v);
    } else {
        bw_u32(w, (uint32_t)v);
        bw_u32(w, (uint32_t)(v >> 32));
    }
}
static void bw_pad4(bw *w)
{
    while (w->len & 3)
        bw_u8(w, 0);
}
static void bw_free(bw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

/* Deterministic packet contents: byte i of packet k. */
static uint8_t pkt_byte(unsigned k, size_t i) { return (uint8_t)(k * 31 + i * 7 + (i >> 8)); }
static void pkt_fill(uint8_t *b, unsigned k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = pkt_byte(k, i);
}

/* ---- pcap -------------------------------------------------------------- */

static void pcap_hdr(bw *w, bool big, bool nsec, uint32_t linktype, uint32_t snaplen)
{
    w->big = big;
    bw_u32(w, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    bw_u16(w, 2);
    bw_u16(w, 4);
    bw_u32(w, 0);
    bw_u32(w, 0);
    bw_u32(w, snaplen);
    bw_u32(w, linktype);
}

static void pcap_rec(bw *w, uint32_t sec, uint32_t frac, uint32_t incl, uint32_t orig,
                     unsigned k)
{
    bw_u32(w, sec);
    bw_u32(w, frac);
    bw_u32(w, incl);
    bw_u32(w, orig);
    uint8_t *b = malloc(incl ? incl : 1);
    assert_non_null(b);
    pkt_fill(b, k, incl);
    bw_put(w, b, incl);
    free(b);
}

/* ---- pcapng ------------------------------------------------------------ */

/* One block: type, length, body (already padded), length. */
static void ng_block(bw *w, uint32_t type, const bw *body)
{
    uint32_t len = (uint32_t)(12 + body->len);
    bw_u32(w, type);
    bw_u32(w, len);
    bw_put(w, body->p, body->len);
    bw_u32(w, len);
}

static void ng_shb(bw *w, bool big)
{
    w->big = big;
    bw b = {.big = big};
    bw_u32(&b, 0x1a2b3c4d);
    bw_u16(&b, 1);
    bw_u16(&b, 0);
    bw_u64(&b, UINT64_MAX); /* section length unknown */
    /* shb_userappl option */
    bw_u16(&b, 4);
    bw_u16(&b, 7);
    bw_put(&b, "sipwhy!", 7);
    bw_pad4(&b);
    bw_u16(&b, 0);
    bw_u16(&b, 0);
    ng_block(w, 0x0a0d0d0a, &b);
    bw_free(&b);
}

/* tsresol < 0: no option; tsoffset 0: no option. */
static void ng_idb(bw *w, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    bw b = {.big = w->big};
    bw_u16(&b, linktype);
    bw_u16(&b, 0);
    bw_u32(&b, snaplen);
    /* if_name first, so the options after it are found by walking */
    bw_u16(&b, 2);
    bw_u16(&b, 5);
    bw_put(&b, "eth0x", 5);
    bw_pad4(&b);
    if (tsresol >= 0) {
        bw_u16(&b, 9);
        bw_u16(&b, 1);
        bw_u8(&b, (uint8_t)tsresol);
        bw_pad4(&b);
    }
    if (tsoffset) {
        bw_u16(&b, 14);
        bw_u16(&b, 8);
        bw_u64(&b, (uint64_t)tsoffset);
    }
    bw_u16(&b, 0);
    bw_u16(&b, 0);
    ng_block(w, 1, &b);
    bw_free(&b);
}

static void ng_epb(bw *w, uint32_t ifid, uint64_t ts, uint32_t cap, uint32_t orig, unsigned k,
                   bool with_option)
{
    bw b = {.big = w->big};
    bw_u32(&b, ifid);
    bw_u32(&b, (uint32_t)(ts >> 32));
    bw_u32(&b, (uint32_t)ts);
    bw_u32(&b, cap);
    bw_u32(&b, orig);
    uint8_t *d = malloc(cap ? cap : 1);
    pkt_fill(d, k, cap);
    bw_put(&b, d, cap);
    free(d);
    bw_pad4(&b);
    if (with_option) {
        bw_u16(&b, 1); /* opt_comment */
        bw_u16(&b, 3);
        bw_put(&b, "hey", 3);
        bw_pad4(&b);
        bw_u16(&b, 0);
        bw_u16(&b, 0);
    }
    ng_block(w, 6, &b);
    bw_free(&b);
}

static void ng_opb(bw *w, uint16_t ifid, uint64_t ts, uint32_t cap, uint32_t orig, unsigned k)
{
    bw b = {.big = w->big};
    bw_u16(&b, ifid);
    bw_u16(&b, 0); /* drops */
    bw_u32(&b, (uint32_t)(ts >> 32));
    bw_u32(&b, (uint32_t)ts);
    bw_u32(&b, cap);
    bw_u32(&b, orig);
    uint8_t *d = malloc(cap ? cap : 1);
    pkt_fill(d, k, cap);
    bw_put(&b, d, cap);
    free(d);
    bw_pad4(&b);
    ng_block(w, 2, &b);
    bw_free(&b);
}

static void ng_spb(bw *w, uint32_t orig, uint32_t stored, unsigned k)
{
    bw b = {.big = w->big};
    bw_u32(&b, orig);
    uint8_t *d = malloc(stored ? stored : 1);
    pkt_fill(d, k, stored);
    bw_put(&b, d, stored);
    free(d);
    bw_pad4(&b);
    ng_block(w, 3, &b);
    bw_free(&b);
}

static void ng_other(bw *w, uint32_t type, size_t bodylen)
{
    bw b = {.big = w->big};
    for (size_t i = 0; i < bodylen; i++)
        bw_u8(&b, (uint8_t)(0xA0 + i));
    bw_pad4(&b);
    ng_block(w, type, &b);
    bw_free(&b);
}

/* ---- files ------------------------------------------------------------- */

#define MAX_TMP 4096
static char *g_tmp[MAX_TMP];
static size_t g_ntmp;

static char *tmp_path(const char *suffix)
{
    char *path;
    assert_true(asprintf(&path, "/tmp/sw_capture_test_XXXXXX%s", suffix) > 0);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    if (g_ntmp < MAX_TMP)
        g_tmp[g_ntmp++] = path;
    return path;
}

static const char *save(const void *p, size_t n)
{
    char *path = tmp_path("");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

static const char *save_gz(const void *p, size_t n)
{
    char *path = tmp_path(".gz");
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    if (n)
        assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
    return path;
}

static int cleanup(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_ntmp; i++) {
        unlink(g_tmp[i]);
        free(g_tmp[i]);
    }
    g_ntmp = 0;
    return 0;
}

/* ---- reading everything ------------------------------------------------ */

typedef struct rpkt {
    int64_t ts_ns;
    uint32_t caplen, origlen, linktype, input;
    uint64_t frame;
    bool stable;
    uint8_t *data;
} rpkt;

typedef struct rd {
    int open_rc;
    char open_err[256];
    int rc; /* last sw_capture_next result */
    char err[256];
    char format[16];
    uint64_t offset;
    rpkt *p;
    size_t n;
} rd;

static void rd_add(rd *r, const sw_packet *p)
{
    r->p = realloc(r->p, (r->n + 1) * sizeof *r->p);
    assert_non_null(r->p);
    rpkt *q = &r->p[r->n++];
    q->ts_ns = p->ts_ns;
    q->caplen = p->caplen;
    q->origlen = p->origlen;
    q->linktype = p->linktype;
    q->input = p->input;
    q->frame = p->frame;
    q->stable = p->stable;
    q->data = malloc(p->caplen ? p->caplen : 1);
    assert_non_null(q->data);
    if (p->caplen)
        memcpy(q->data, p->data, p->caplen);
}

static rd read_all(const char *path)
{
    rd r;
    memset(&r, 0, sizeof r);
    sw_capture *c;
    r.open_rc = sw_capture_open(&c, path, r.open_err, sizeof r.open_err);
    if (r.open_rc) {
        assert_true(r.open_rc < 0);
        assert_null(c);
        assert_true(r.open_err[0] != 0);
        return r;
    }
    snprintf(r.format, sizeof r.format, "%s", sw_capture_format(c));
    sw_packet p;
    while ((r.rc = sw_capture_next(c, &p)) == 1) {
        assert_int_equal(p.frame, r.n + 1);
        rd_add(&r, &p);
    }
    snprintf(r.err, sizeof r.err, "%s", sw_capture_error(c));
    r.offset = sw_capture_offset(c);
    /* reading again after the end or the damage gives the same answer */
    int again = sw_capture_next(c, &p);
    assert_int_equal(again, r.rc);
    sw_capture_close(c);
    return r;
}

static void rd_free(rd *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->p[i].data);
    free(r->p);
    memset(r, 0, sizeof *r);
}

/* Checks packet i: timestamp, lengths, link type and contents made by pkt_fill(k). */
static void check_pkt(const rd *r, size_t i, int64_t ts, uint32_t caplen, uint32_t origlen,
                      uint32_t linktype, unsigned k)
{
    assert_true(i < r->n);
    const rpkt *q = &r->p[i];
    if (q->ts_ns != ts)
        fail_msg("packet %zu: ts %lld, want %lld", i, (long long)q->ts_ns, (long long)ts);
    assert_int_equal(q->caplen, caplen);
    assert_int_equal(q->origlen, origlen);
    assert_int_equal(q->linktype, linktype);
    for (uint32_t j = 0; j < caplen; j++)
        if (q->data[j] != pkt_byte(k, j))
            fail_msg("packet %zu: byte %u differs", i, j);
}

static void assert_same_packets(const rd *a, const rd *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_true(a->p[i].ts_ns == b->p[i].ts_ns);
        assert_int_equal(a->p[i].caplen, b->p[i].caplen);
        assert_int_equal(a->p[i].origlen, b->p[i].origlen);
        assert_int_equal(a->p[i].linktype, b->p[i].linktype);
        assert_int_equal(a->p[i].frame, b->p[i].frame);
        assert_memory_equal(a->p[i].data, b->p[i].data, a->p[i].caplen);
    }
}

/* The error text names the byte offset (and says what broke). */
static void assert_err_at(const rd *r, const char *what, uint64_t at)
{
    char want[64];
    snprintf(want, sizeof want, "at byte %llu", (unsigned long long)at);
    if (!strstr(r->err, want) || (what && !strstr(r->err, what)))
        fail_msg("error [%s] should name [%s] and [%s]", r->err, what ? what : "", want);
}

/* ---- pcap tests -------------------------------------------------------- */

static void test_pcap_variants(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++)
        for (int nsec = 0; nsec < 2; nsec++) {
            bw w = {0};
            pcap_hdr(&w, big, nsec, SW_LINK_ETHERNET, 65535);
            pcap_rec(&w, 1700000000, nsec ? 123456789 : 123456, 60, 60, 1);
            pcap_rec(&w, 1700000001, 0, 1514, 1514, 2);
            pcap_rec(&w, 0, nsec ? 999999999 : 999999, 100, 4000, 3); /* snaplen cut */
            pcap_rec(&w, 4000000000u, 1, 0, 0, 4);                     /* empty, past 2038 */
            const char *path = save(w.p, w.len);
            rd r = read_all(path);
            assert_int_equal(r.open_rc, 0);
            assert_int_equal(r.rc, 0);
            assert_string_equal(r.err, "");
            assert_string_equal(r.format, "pcap");
            assert_int_equal(r.n, 4);
            int64_t m = nsec ? 1 : 1000;
            check_pkt(&r, 0, 1700000000ll * 1000000000 + (nsec ? 123456789 : 123456000), 60, 60,
                      1, 1);
            check_pkt(&r, 1, 1700000001ll * 1000000000, 1514, 1514, 1, 2);
            check_pkt(&r, 2, (nsec ? 999999999 : 999999) * m, 100, 4000, 1, 3);
            check_pkt(&r, 3, 4000000000ll * 1000000000 + m, 0, 0, 1, 4);
            for (size_t i = 0; i < r.n; i++)
                assert_true(r.p[i].stable);
            assert_int_equal(r.offset, w.len);
            rd_free(&r);
            bw_free(&w);
        }
}

static void test_pcap_linktypes(void **state)
{
    (void)state;
    static const uint32_t lts[] = {0, 1, 101, 113, 228, 229, 276, 147};
    for (size_t i = 0; i < SW_ARRAY_LEN(lts); i++) {
        bw w = {0};
        pcap_hdr(&w, i & 1, false, lts[i], 262144);
        pcap_rec(&w, 10, 20, 30, 30, 7);
        rd r = read_all(save(w.p, w.len));
        assert_int_equal(r.n, 1);
        check_pkt(&r, 0, 10000020000ll, 30, 30, lts[i], 7);
        rd_free(&r);
        bw_free(&w);
    }
    /* FCS length bits in the upper nibble are not part of the link type */
    bw w = {0};
    pcap_hdr(&w, false, false, 0x10000000u | SW_LINK_ETHERNET, 262144);
    pcap_rec(&w, 10, 20, 30, 30, 7);
    rd r = read_all(save(w.p, w.len));
    assert_int_equal(r.n, 1);
    assert_int_equal(r.p[0].linktype, SW_LINK_ETHERNET);
    rd_free(&r);
    bw_free(&w);
}

/* A 1.5 MiB packet and enough others to cross the stream buffer many times:
 * gzip must give the same packets as the plain file. */
static void build_big_pcap(bw *w)
{
    pcap_hdr(w, false, true, SW_LINK_RAW, 0x2000000);
    for (unsigned k = 0; k < 300; k++)
        pcap_rec(w, 100 + k, k, 3000 + k * 13, 3000 + k * 13, k);
    pcap_rec(w, 500, 0, 1536 * 1024, 1536 * 1024, 999);
    pcap_rec(w, 501, 0, 7, 7, 1000);
}

static void test_gzip(void **state)
{
    (void)state;
    bw w = {0};
    build_big_pcap(&w);
    rd plain = read_all(save(w.p, w.len));
    rd gz = read_all(save_gz(w.p, w.len));
    assert_int_equal(plain.rc, 0);
    assert_int_equal(gz.rc, 0);
    assert_int_equal(plain.n, 302);
    assert_string_equal(plain.format, "pcap");
    assert_string_equal(gz.format, "pcap.gz");
    assert_same_packets(&plain, &gz);
    check_pkt(&gz, 300, 500000000000ll, 1536 * 1024, 1536 * 1024, SW_LINK_RAW, 999);
    for (size_t i = 0; i < gz.n; i++)
        assert_false(gz.p[i].stable);
    assert_int_equal(gz.offset, w.len);
    rd_free(&plain);
    rd_free(&gz);
    bw_free(&w);

    /* pcapng through gzip */
    bw n = {0};
    ng_shb(&n, true);
    ng_idb(&n, SW_LINK_ETHERNET, 0, 9, 0);
    for (unsigned k = 0; k < 50; k++)
        ng_epb(&n, 0, 1000000000ull * k + k, 100 + k, 100 + k, k, k & 1);
    plain = read_all(save(n.p, n.len));
    gz = read_all(save_gz(n.p, n.len));
    assert_string_equal(gz.format, "pcapng.gz");
    assert_int_equal(plain.n, 50);
    assert_int_equal(gz.rc, 0);
    assert_same_packets(&plain, &gz);
    rd_free(&plain);
    rd_free(&gz);
    bw_free(&n);
}

/* ---- pcapng ------------------------------------------------------------ */

static void test_pcapng_full(void **state)
{
    (void)state;
    bw w = {0};
    /* section 1, little endian: two interfaces of different link types */
    ng_shb(&w, false);
    ng_idb(&w, SW_LINK_ETHERNET, 65535, -1, 0);     /* default 10^-6 */
    ng_idb(&w, SW_LINK_RAW, 0, 9, 1000);            /* 10^-9, +1000 s */
    ng_epb(&w, 0, 1700000000123456ull, 60, 60, 1, false);
    ng_epb(&w, 1, 5000000001ull, 40, 1500, 2, true); /* 5.000000001 s + 1000 s */
    ng_other(&w, 4, 17);                              /* name resolution block */
    ng_other(&w, 0x00000BAD, 32);                     /* custom / unknown */
    ng_other(&w, 5, 0);                               /* interface statistics */
    ng_spb(&w, 70, 70, 3);                            /* simple packet: interface 0 */
    ng_spb(&w, 9000, 64, 4);                          /* stored less than original */
    ng_opb(&w, 1, 7000000000ull, 33, 33, 5);          /* obsolete packet block */
    /* section 2, big endian: ids start again; 2^-10 resolution */
    ng_shb(&w, true);
    ng_idb(&w, SW_LINK_LINUX_SLL, 262144, 0x80 | 10, -3);
    ng_epb(&w, 0, 1024ull * 1700000000 + 512, 80, 80, 6, true);
    ng_idb(&w, SW_LINK_IPV6, 262144, 3, 0); /* 10^-3 */
    ng_epb(&w, 1, 1234567, 20, 20, 7, false);
    /* section 3, little endian again */
    ng_shb(&w, false);
    ng_idb(&w, SW_LINK_IPV4, 262144, 6, 0);
    ng_epb(&w, 0, 42, 0, 0, 8, false);
    const char *path = save(w.p, w.len);
    rd r = read_all(path);
    assert_int_equal(r.open_rc, 0);
    if (r.rc != 0)
        fail_msg("rc %d: %s", r.rc, r.err);
    assert_string_equal(r.format, "pcapng");
    assert_int_equal(r.n, 8);
    check_pkt(&r, 0, 1700000000123456000ll, 60, 60, SW_LINK_ETHERNET, 1);
    check_pkt(&r, 1, 1005000000001ll, 40, 1500, SW_LINK_RAW, 2);
    check_pkt(&r, 2, 0, 70, 70, SW_LINK_ETHERNET, 3);
    check_pkt(&r, 3, 0, 64, 9000, SW_LINK_ETHERNET, 4);
    check_pkt(&r, 4, 1007000000000ll, 33, 33, SW_LINK_RAW, 5);
    check_pkt(&r, 5, (1700000000ll - 3) * 1000000000 + 500000000, 80, 80, SW_LINK_LINUX_SLL, 6);
    check_pkt(&r, 6, 1234567000000ll, 20, 20, SW_LINK_IPV6, 7);
    check_pkt(&r, 7, 42000, 0, 0, SW_LINK_IPV4, 8);
    assert_int_equal(r.offset, w.len);
    rd_free(&r);

    /* gzip gives the same */
    rd g = read_all(save_gz(w.p, w.len));
    rd r2 = read_all(path);
    assert_int_equal(g.rc, 0);
    assert_same_packets(&r2, &g);
    rd_free(&g);
    rd_free(&r2);
    bw_free(&w);
}

static void test_pcapng_spb_stored_padding(void **state)
{
    (void)state;
    /* SPB: the stored bytes are the block minus 16, cut to the original length
     * (the padding is not packet data). */
    bw w = {0};
    ng_shb(&w, false);
    ng_idb(&w, SW_LINK_ETHERNET, 0, -1, 0);
    ng_spb(&w, 61, 61, 9); /* 61 bytes + 3 padding */
    rd r = read_all(save(w.p, w.len));
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 1);
    check_pkt(&r, 0, 0, 61, 61, SW_LINK_ETHERNET, 9);
    rd_free(&r);
    bw_free(&w);
}

static void test_pcapng_tsresol(void **state)
{
    (void)state;
    struct {
        int res;
        uint64_t ts;
        int64_t want;
    } cs[] = {
        {0, 1700000000ull, 1700000000000000000ll},
        {1, 17, 1700000000ll},
        {3, 1500, 1500000000ll},
        {6, 1, 1000},
        {9, 123456789012345678ull, 123456789012345678ll},
        {10, 123456789012345678ull, 12345678901234567ll},
        {12, 5000000000000ull, 5000000000ll},
        {0x80 | 0, 3, 3000000000ll},
        {0x80 | 1, 3, 1500000000ll},
        {0x80 | 20, 1ull << 20, 1000000000ll},
        {0x80 | 30, (5ull << 30) + (1ull << 29), 5500000000ll},
        {0x80 | 32, 1700000000ull << 32, 1700000000000000000ll},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(cs); i++) {
        bw w = {0};
        ng_shb(&w, i & 1);
        ng_idb(&w, SW_LINK_ETHERNET, 0, cs[i].res, 0);
        ng_epb(&w, 0, cs[i].ts, 10, 10, 1, false);
        rd r = read_all(save(w.p, w.len));
        assert_int_equal(r.rc, 0);
        assert_int_equal(r.n, 1);
        if (r.p[0].ts_ns != cs[i].want)
            fail_msg("tsresol 0x%x: ts %lld, want %lld", cs[i].res, (long long)r.p[0].ts_ns,
                     (long long)cs[i].want);
        rd_free(&r);
        bw_free(&w);
    }
}

/* Timestamps that do not fit in 64-bit nanoseconds must not be undefined
 * behaviour (UBSan) and must still give a packet. */
static void test_pcapng_ts_extremes(void **state)
{
    (void)state;
    int res[] = {0, 3, 6, 9, 12, 0x80 | 0, 0x80 | 10, 0x80 | 63, 0x80 | 64, 0x80 | 127, 127};
    uint64_t ts[] = {0, 1, UINT64_MAX, 1ull << 63, (1ull << 63) - 1, 1ull << 40};
    int64_t offs[] = {0, -1, INT64_MAX, INT64_MIN, 1ll << 40};
    for (size_t i = 0; i < SW_ARRAY_LEN(res); i++)
        for (size_t j = 0; j < SW_ARRAY_LEN(ts); j++)
            for (size_t k = 0; k < SW_ARRAY_LEN(offs); k++) {
                bw w = {0};
                ng_shb(&w, false);
                ng_idb(&w, SW_LINK_ETHERNET, 0, res[i], offs[k]);
                ng_epb(&w, 0, ts[j], 4, 4, 1, false);
                rd r = read_all(save(w.p, w.len));
                assert_int_equal(r.rc, 0);
                assert_int_equal(r.n, 1);
                rd_free(&r);
                bw_free(&w);
                cleanup(NULL);
            }
}

/* ---- standard input ---------------------------------------------------- */

static rd read_stdin_from_fd(int fd)
{
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 0), 0);
    rd r = read_all("-");
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    return r;
}

static void test_stdin(void **state)
{
    (void)state;
    bw w = {0};
    pcap_hdr(&w, true, false, SW_LINK_ETHERNET, 65535);
    for (unsigned k = 0; k < 20; k++)
        pcap_rec(&w, 1000 + k, k, 200 + k, 200 + k, k);
    rd ref = read_all(save(w.p, w.len));
    assert_int_equal(ref.n, 20);

    /* a regular file on fd 0 */
    int fd = open(save(w.p, w.len), O_RDONLY);
    assert_true(fd >= 0);
    rd r = read_stdin_from_fd(fd);
    close(fd);
    assert_int_equal(r.rc, 0);
    assert_same_packets(&ref, &r);
    rd_free(&r);

    /* gzip on fd 0 */
    fd = open(save_gz(w.p, w.len), O_RDONLY);
    r = read_stdin_from_fd(fd);
    close(fd);
    assert_int_equal(r.rc, 0);
    assert_same_packets(&ref, &r);
    rd_free(&r);

    /* a pipe (the whole file fits in the pipe buffer) */
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    assert_true(w.len < 60000);
    assert_int_equal(write(pfd[1], w.p, w.len), (ssize_t)w.len);
    close(pfd[1]);
    r = read_stdin_from_fd(pfd[0]);
    close(pfd[0]);
    assert_int_equal(r.rc, 0);
    assert_same_packets(&ref, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_false(r.p[i].stable);
    rd_free(&r);

    /* an empty pipe and an empty file on stdin are errors, not captures */
    assert_int_equal(pipe(pfd), 0);
    close(pfd[1]);
    r = read_stdin_from_fd(pfd[0]);
    close(pfd[0]);
    assert_true(r.open_rc < 0);
    rd_free(&r);
    fd = open(save("", 0), O_RDONLY);
    r = read_stdin_from_fd(fd);
    close(fd);
    assert_true(r.open_rc < 0);
    rd_free(&r);

    rd_free(&ref);
    bw_free(&w);
}

/* ---- damage ------------------------------------------------------------ */

static void test_open_errors(void **state)
{
    (void)state;
    rd r = read_all("/nonexistent/dir/x.pcap");
    assert_int_equal(r.open_rc, SW_EIO);
    rd_free(&r);

    r = read_all(save("", 0));
    assert_int_equal(r.open_rc, SW_EFORMAT);
    assert_non_null(strstr(r.open_err, "empty"));
    rd_free(&r);

    r = read_all(save_gz("", 0));
    assert_true(r.open_rc < 0);
    rd_free(&r);

    r = read_all(save("ab", 2));
    assert_int_equal(r.open_rc, SW_EFORMAT);
    rd_free(&r);

    const char *text = "INVITE sip:bob@example.com SIP/2.0\r\nVia: x\r\n\r\n";
    r = read_all(save(text, strlen(text)));
    assert_int_equal(r.open_rc, SW_EFORMAT);
    assert_non_null(strstr(r.open_err, "not a pcap or pcapng"));
    rd_free(&r);
    r = read_all(save_gz(text, strlen(text)));
    assert_int_equal(r.open_rc, SW_EFORMAT);
    rd_free(&r);

    /* pcap version 3 */
    bw w = {0};
    pcap_hdr(&w, false, false, 1, 100);
    w.p[4] = 3;
    r = read_all(save(w.p, w.len));
    assert_int_equal(r.open_rc, SW_EFORMAT);
    rd_free(&r);
    /* truncated pcap file header: every length from the magic to 23 bytes */
    for (size_t n = 4; n < 24; n++) {
        r = read_all(save(w.p, n));
        assert_int_equal(r.open_rc, SW_ETRUNC);
        assert_non_null(strstr(r.open_err, "24"));
        rd_free(&r);
        r = read_all(save_gz(w.p, n));
        assert_int_equal(r.open_rc, SW_ETRUNC);
        rd_free(&r);
    }
    bw_free(&w);
}

/* Two good packets, then damage made by `damage`; returns the offset at
 * which the damage starts. */
static size_t pcap_two_good(bw *w)
{
    pcap_hdr(w, false, false, SW_LINK_ETHERNET, 65535);
    pcap_rec(w, 1, 1, 50, 50, 1);
    pcap_rec(w, 2, 2, 60, 60, 2);
    return w->len;
}

static void expect_damage(const bw *w, int code, const char *what, uint64_t at, size_t good)
{
    for (int gz = 0; gz < 2; gz++) {
        rd r = read_all(gz ? save_gz(w->p, w->len) : save(w->p, w->len));
        assert_int_equal(r.open_rc, 0);
        if (r.rc != code)
            fail_msg("%s: rc %d (%s), want %d", gz ? "gz" : "plain", r.rc, r.err, code);
        assert_int_equal(r.n, good);
        assert_err_at(&r, what, at);
        char after[64];
        snprintf(after, sizeof after, "after packet %zu", good);
        assert_non_null(strstr(r.err, after));
        rd_free(&r);
    }
}

static void test_pcap_damage(void **state)
{
    (void)state;
    /* truncated record header */
    bw w = {0};
    size_t at = pcap_two_good(&w);
    bw_u32(&w, 3);
    bw_u32(&w, 3);
    bw_u8(&w, 70);
    expect_damage(&w, SW_ETRUNC, "truncated record header", at, 2);
    bw_free(&w);

    /* truncated packet data */
    at = pcap_two_good(&w);
    pcap_rec(&w, 3, 3, 70, 70, 3);
    w.len -= 10;
    expect_damage(&w, SW_ETRUNC, "truncated packet data", at, 2);
    bw_free(&w);

    /* a record length that lies (huge) */
    at = pcap_two_good(&w);
    bw_u32(&w, 3);
    bw_u32(&w, 3);
    bw_u32(&w, 0xFFFFFFF0u);
    bw_u32(&w, 0xFFFFFFF0u);
    bw_put(&w, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 30);
    expect_damage(&w, SW_EFORMAT, "record length", at, 2);
    bw_free(&w);

    /* just over the hard cap, with all its bytes present, is still refused */
    at = pcap_two_good(&w);
    pcap_rec(&w, 3, 3, SW_CAPTURE_MAX_RECORD + 1, SW_CAPTURE_MAX_RECORD + 1, 3);
    expect_damage(&w, SW_EFORMAT, "record length", at, 2);
    bw_free(&w);
    /* exactly the cap is a packet */
    pcap_two_good(&w);
    pcap_rec(&w, 3, 3, SW_CAPTURE_MAX_RECORD, SW_CAPTURE_MAX_RECORD, 3);
    rd r = read_all(save(w.p, w.len));
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.n, 3);
    rd_free(&r);
    bw_free(&w);

    /* a gzip stream cut short: the packets before the cut, then an error */
    pcap_two_good(&w);
    for (unsigned k = 3; k < 200; k++)
        pcap_rec(&w, k, k, 500, 500, k);
    const char *gz = save_gz(w.p, w.len);
    struct stat st;
    assert_int_equal(stat(gz, &st), 0);
    assert_int_equal(truncate(gz, st.st_size / 2), 0);
    r = read_all(gz);
    assert_int_equal(r.open_rc, 0);
    assert_true(r.rc < 0);
    assert_true(r.n > 2 && r.n < 199);
    assert_non_null(strstr(r.err, "at byte "));
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(r.p[i].caplen, i < 2 ? 50 + 10 * i : 500);
    rd_free(&r);
    bw_free(&w);
}

static size_t ng_two_good(bw *w, bool big)
{
    ng_shb(w, big);
    ng_idb(w, SW_LINK_ETHERNET, 0, -1, 0);
    ng_epb(w, 0, 1, 50, 50, 1, false);
    ng_epb(w, 0, 2, 60, 60, 2, true);
    return w->len;
}

static void test_pcapng_damage(void **state)
{
    (void)state;
    for (int big = 0; big < 2; big++) {
        bw w = {0};
        /* truncated block header */
        size_t at = ng_two_good(&w, big);
        bw_u32(&w, 6);
        bw_u32(&w, 100);
        expect_damage(&w, SW_ETRUNC, "truncated block header", at, 2);
        bw_free(&w);

        /* truncated block (packet data cut) */
        at = ng_two_good(&w, big);
        ng_epb(&w, 0, 3, 100, 100, 3, false);
        w.len -= 20;
        expect_damage(&w, SW_ETRUNC, "truncated block", at, 2);
        bw_free(&w);

        /* block length not a multiple of 4, and below the minimum */
        uint32_t bad[] = {101, 8, 0, 13};
        for (size_t i = 0; i < SW_ARRAY_LEN(bad); i++) {
            at = ng_two_good(&w, big);
            bw_u32(&w, 6);
            bw_u32(&w, bad[i]);
            for (int j = 0; j < 40; j++)
                bw_u32(&w, 0);
            expect_damage(&w, SW_EFORMAT, "block length", at, 2);
            bw_free(&w);
        }

        /* huge block length */
        at = ng_two_good(&w, big);
        bw_u32(&w, 6);
        bw_u32(&w, 0xFFFFFFF0u);
        for (int j = 0; j < 40; j++)
            bw_u32(&w, 0);
        expect_damage(&w, SW_EFORMAT, "block length", at, 2);
        bw_free(&w);

        /* trailer does not match the length */
        at = ng_two_good(&w, big);
        ng_epb(&w, 0, 3, 100, 100, 3, false);
        w.p[w.len - 1] ^= 0x04;
        w.p[w.len - 4] ^= 0x04;
        expect_damage(&w, SW_EFORMAT, "trailer", at, 2);
        bw_free(&w);

        /* packet for an undeclared interface */
        at = ng_two_good(&w, big);
        ng_epb(&w, 1, 3, 10, 10, 3, false);
        expect_damage(&w, SW_EFORMAT, "undeclared interface", at, 2);
        bw_free(&w);
        at = ng_two_good(&w, big);
        ng_opb(&w, 7, 3, 10, 10, 3);
        expect_damage(&w, SW_EFORMAT, "undeclared interface", at, 2);
        bw_free(&w);

        /* interface ids are per section: id 0 of section 1 is gone in section 2 */
        ng_two_good(&w, big);
        ng_shb(&w, !big);
        at = w.len;
        ng_epb(&w, 0, 3, 10, 10, 3, false);
        expect_damage(&w, SW_EFORMAT, "undeclared interface", at, 2);
        bw_free(&w);

        /* captured length larger than the block */
        at = ng_two_good(&w, big);
        ng_epb(&w, 0, 3, 16, 16, 3, false);
        bw tmp = {.big = big};
        /* patch the caplen field (offset 20 in the block) */
        tmp.len = 0;
        bw_u32(&tmp, 4000);
        memcpy(w.p + at + 20, tmp.p, 4);
        bw_free(&tmp);
        expect_damage(&w, SW_EFORMAT, "larger than its block", at, 2);
        bw_free(&w);

        /* a packet before any interface */
        ng_shb(&w, big);
        at = w.len;
        ng_spb(&w, 10, 10, 1);
        expect_damage(&w, SW_EFORMAT, "simple packet", at, 0);
        bw_free(&w);

        /* a second section header with a bad byte-order magic */
        at = ng_two_good(&w, big);
        ng_shb(&w, big);
        w.p[at + 8] = 0x55;
        expect_damage(&w, SW_EFORMAT, "byte-order magic", at, 2);
        bw_free(&w);
    }
}

/* Every prefix of a good file reads as: the packets wholly inside it, then
 * 0 when the cut falls between records, else a negative code naming the
 * offset of the record that was cut. */
static void prefixes(const bw *w, const size_t *ends, size_t n, size_t hdr, bool gz)
{
    for (size_t len = 0; len <= w->len; len++) {
        rd r = read_all(gz ? save_gz(w->p, len) : save(w->p, len));
        size_t whole = 0;
        while (whole < n && ends[whole] <= len)
            whole++;
        size_t start = whole ? ends[whole - 1] : hdr;
        if (len < hdr) {
            /* pcapng: the header block is read as a record; pcap: open fails */
            if (r.open_rc == 0) {
                assert_int_equal(r.n, 0);
                assert_true(len == 0 ? r.rc <= 0 : r.rc < 0);
            }
        } else {
            assert_int_equal(r.open_rc, 0);
            assert_int_equal(r.n, whole);
            if (len == start) {
                assert_int_equal(r.rc, 0);
            } else {
                assert_true(r.rc < 0);
                assert_err_at(&r, NULL, start);
            }
        }
        rd_free(&r);
        cleanup(NULL);
    }
}

static void test_truncated_prefixes(void **state)
{
    (void)state;
    bw w = {0};
    pcap_hdr(&w, true, true, SW_LINK_ETHERNET, 65535);
    size_t ends[4];
    for (unsigned k = 0; k < 4; k++) {
        pcap_rec(&w, k, k, 10 + k, 10 + k, k);
        ends[k] = w.len;
    }
    prefixes(&w, ends, 4, 24, false);
    prefixes(&w, ends, 4, 24, true);
    bw_free(&w);

    /* pcapng: block boundaries; blocks without packets still end "records" */
    ng_shb(&w, false);
    size_t hdr = w.len;
    ng_idb(&w, SW_LINK_ETHERNET, 0, 9, 0);
    size_t idb_end = w.len;
    ng_epb(&w, 0, 1, 13, 13, 1, true);
    size_t e1 = w.len;
    ng_other(&w, 0xBAD, 5);
    size_t other_end = w.len;
    ng_epb(&w, 0, 2, 3, 3, 2, false);
    size_t e2 = w.len;
    for (size_t len = 0; len <= w.len; len++) {
        rd r = read_all(save(w.p, len));
        if (len < 4) {
            assert_true(r.open_rc < 0);
            rd_free(&r);
            cleanup(NULL);
            continue;
        }
        assert_int_equal(r.open_rc, 0);
        size_t whole = (len >= e1) + (len >= e2);
        assert_int_equal(r.n, whole);
        bool boundary = len == hdr || len == idb_end || len == e1 || len == other_end || len == e2;
        if (boundary) {
            assert_int_equal(r.rc, 0);
        } else {
            assert_true(r.rc < 0);
            size_t start = len < hdr ? 0 : len < idb_end ? hdr : len < e1 ? idb_end
                                                                 : len < other_end ? e1 : other_end;
            assert_err_at(&r, NULL, start);
        }
        rd_free(&r);
        cleanup(NULL);
    }
    bw_free(&w);
}

/* ---- capset ------------------------------------------------------------ */

typedef struct spkt {
    int64_t ts;
    uint32_t input;
    uint64_t frame;
    uint32_t caplen;
    uint8_t first;
} spkt;

static size_t read_set(const char *const *paths, size_t n, spkt *out, size_t max,
                       sw_capset **keep)
{
    sw_capset *s;
    char err[256];
    assert_int_equal(sw_capset_open(&s, paths, n, err, sizeof err), 0);
    assert_int_equal(sw_capset_count(s), n);
    sw_packet p;
    size_t k = 0;
    while (sw_capset_next(s, &p) == 1) {
        assert_true(k < max);
        out[k].ts = p.ts_ns;
        out[k].input = p.input;
        out[k].frame = p.frame;
        out[k].caplen = p.caplen;
        out[k].first = p.caplen ? p.data[0] : 0;
        /* the bytes are the ones the writer put there */
        for (uint32_t j = 0; j < p.caplen; j++)
            assert_int_equal(p.data[j], pkt_byte((unsigned)(p.input * 100 + p.frame), j));
        k++;
    }
    assert_int_equal(sw_capset_next(s, &p), 0);
    *keep = s;
    return k;
}

/* Input i's packet f (1-based) carries pkt_fill(i * 100 + f). */
static const char *set_file(unsigned input, const uint32_t *secs, size_t n, bool gz, bool cut)
{
    bw w = {0};
    pcap_hdr(&w, input & 1, false, SW_LINK_ETHERNET, 65535);
    for (size_t i = 0; i < n; i++)
        pcap_rec(&w, secs[i], 0, 40 + (uint32_t)i, 40 + (uint32_t)i,
                 input * 100 + (unsigned)i + 1);
    if (cut)
        w.len -= 5;
    const char *p = gz ? save_gz(w.p, w.len) : save(w.p, w.len);
    bw_free(&w);
    return p;
}

static void test_capset_merge(void **state)
{
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        uint32_t a[] = {1, 3, 5, 5};
        uint32_t b[] = {2, 3, 4, 5};
        uint32_t c[] = {0, 6};
        const char *paths[3] = {set_file(0, a, 4, gz, false), set_file(1, b, 4, gz, false),
                                set_file(2, c, 2, !gz, false)};
        spkt got[16];
        sw_capset *s;
        size_t n = read_set(paths, 3, got, 16, &s);
        struct {
            uint32_t sec, input, frame;
        } want[] = {{0, 2, 1}, {1, 0, 1}, {2, 1, 1}, {3, 0, 2}, {3, 1, 2},
                    {4, 1, 3}, {5, 0, 3}, {5, 0, 4}, {5, 1, 4}, {6, 2, 2}};
        assert_int_equal(n, SW_ARRAY_LEN(want));
        for (size_t i = 0; i < n; i++) {
            assert_true(got[i].ts == (int64_t)want[i].sec * 1000000000);
            assert_int_equal(got[i].input, want[i].input);
            assert_int_equal(got[i].frame, want[i].frame);
        }
        assert_int_equal(sw_capset_failed(s), 0);
        assert_int_equal(sw_capset_packets(s, 0), 4);
        assert_int_equal(sw_capset_packets(s, 1), 4);
        assert_int_equal(sw_capset_packets(s, 2), 2);
        assert_string_equal(sw_capture_path(sw_capset_get(s, 1)), paths[1]);
        sw_capset_close(s);
    }
}

static void test_capset_damaged_input(void **state)
{
    (void)state;
    uint32_t a[] = {1, 2, 3, 4, 5, 6};
    uint32_t b[] = {1, 2, 3, 4};
    /* input 1 is cut inside its fourth record: three packets, then an error */
    const char *paths[2] = {set_file(0, a, 6, false, false), set_file(1, b, 4, true, true)};
    spkt got[16];
    sw_capset *s;
    size_t n = read_set(paths, 2, got, 16, &s);
    assert_int_equal(n, 9);
    assert_int_equal(sw_capset_failed(s), 1);
    assert_false(sw_capset_input_failed(s, 0));
    assert_true(sw_capset_input_failed(s, 1));
    assert_int_equal(sw_capset_packets(s, 0), 6);
    assert_int_equal(sw_capset_packets(s, 1), 3);
    const char *e = sw_capture_error(sw_capset_get(s, 1));
    assert_non_null(strstr(e, "truncated packet data at byte "));
    assert_string_equal(sw_capture_error(sw_capset_get(s, 0)), "");
    /* ties: input 0 before input 1 */
    assert_int_equal(got[0].input, 0);
    assert_int_equal(got[1].input, 1);
    assert_int_equal(got[8].input, 0);
    sw_capset_close(s);

    /* an input that cannot be opened: the error names it, nothing stays open */
    const char *bad[2] = {paths[0], "/nonexistent/none.pcap"};
    char err[256];
    s = (sw_capset *)1;
    assert_int_equal(sw_capset_open(&s, bad, 2, err, sizeof err), SW_EIO);
    assert_null(s);
    assert_non_null(strstr(err, "/nonexistent/none.pcap: "));

    /* no inputs */
    assert_int_equal(sw_capset_open(&s, NULL, 0, err, sizeof err), 0);
    sw_packet p;
    assert_int_equal(sw_capset_next(s, &p), 0);
    sw_capset_close(s);
}

/* ---- the libpcap oracle ------------------------------------------------ */

static const char *shared_dir(void)
{
    const char *s = getenv("SW_SHARED");
    return s && *s ? s : "../shared";
}

/* LINKTYPE_ (file) to DLT_ (what pcap_datalink reports) where they differ. */
static int lt_to_dlt(uint32_t lt)
{
    switch (lt) {
    case 101: return DLT_RAW;
    default: return (int)lt;
    }
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* libpcap cannot read gzip: decompress into a temporary file for it. */
static const char *gunzip_tmp(const char *path)
{
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    char *out = tmp_path("");
    FILE *f = fopen(out, "wb");
    char buf[65536];
    int r;
    while ((r = gzread(g, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)r, f);
    assert_true(r == 0);
    gzclose(g);
    fclose(f);
    return out;
}

static int oracle_one(const char *path, const char *name)
{
    rd ours = read_all(path);
    const char *lpath = has_suffix(path, ".gz") ? gunzip_tmp(path) : path;
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(lpath, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (ours.open_rc) {
        /* A file neither reader knows (NetMon, ...) is not ours to read. */
        int bad = pc != NULL;
        if (pc)
            print_error("oracle: %s: libpcap reads it, we do not: %s\n", name, ours.open_err);
        else
            print_message("oracle: %s: neither reader opens it (ours: %s; libpcap: %s)\n", name,
                          ours.open_err, perr);
        if (pc)
            pcap_close(pc);
        rd_free(&ours);
        return bad;
    }
    if (!pc) {
        /* libpcap refuses some valid files (pcapng with interfaces of
         * different link types); ours must read them without error. */
        print_message("oracle: %s: libpcap cannot open it (%s); we read %zu packets, %s\n", name,
                      perr, ours.n, ours.rc ? ours.err : "no error");
        rd_free(&ours);
        return ours.rc != 0;
    }
    int failures = 0;
    int dlt = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    size_t i = 0;
    int r;
    while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
        if (i >= ours.n) {
            i++;
            continue;
        }
        const rpkt *q = &ours.p[i];
        int64_t lts = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
        if (q->ts_ns != lts || q->caplen != h->caplen || q->origlen != h->len ||
            lt_to_dlt(q->linktype) != dlt || memcmp(q->data, data, h->caplen) != 0) {
            if (failures++ < 3)
                print_error("oracle: %s: packet %zu differs: ts %lld/%lld caplen %u/%u "
                            "len %u/%u link %u/%d\n",
                            name, i + 1, (long long)q->ts_ns, (long long)lts, q->caplen,
                            h->caplen, q->origlen, h->len, q->linktype, dlt);
        }
        i++;
    }
    bool lerr = r == PCAP_ERROR;
    if (lerr && ours.rc == 0 && strstr(pcap_geterr(pc), "different from the type")) {
        /* libpcap 1.10 stops at the first interface whose link type differs
         * from the first one's; the packets up to there were compared. */
        print_message("oracle: %s: libpcap stops after %zu packets (%s); we read %zu packets "
                      "without error\n",
                      name, i, pcap_geterr(pc), ours.n);
        pcap_close(pc);
        rd_free(&ours);
        return failures ? 1 : 0;
    }
    if (i != ours.n) {
        print_error("oracle: %s: libpcap %zu packets, we %zu\n", name, i, ours.n);
        failures++;
    }
    /* Both must see the same damage: an error from one and a clean end from
     * the other is a difference. */
    if (lerr != (ours.rc < 0)) {
        print_error("oracle: %s: libpcap %s, we %s\n", name,
                    lerr ? pcap_geterr(pc) : "ended cleanly", ours.rc ? ours.err : "ended cleanly");
        failures++;
    } else if (lerr) {
        print_message("oracle: %s: damaged after %zu packets; libpcap: %s; we: %s\n", name, i,
                      pcap_geterr(pc), ours.err);
    }
    pcap_close(pc);
    rd_free(&ours);
    return failures ? 1 : 0;
}

/* Our own files through the oracle: timestamp resolutions and offsets
 * (libpcap converts them itself), both byte orders, and a pcapng whose
 * interfaces have different link types, which libpcap refuses. */
static void test_oracle_synthetic(void **state)
{
    (void)state;
    static const int res[] = {-1, 0, 3, 6, 9, 0x80 | 10, 0x80 | 20, 0x80 | 30};
    for (size_t i = 0; i < SW_ARRAY_LEN(res); i++) {
        bw w = {0};
        ng_shb(&w, i & 1);
        ng_idb(&w, SW_LINK_ETHERNET, 0, res[i], i & 2 ? 3600 : 0);
        ng_idb(&w, SW_LINK_ETHERNET, 0, 6, 0);
        uint64_t unit = 1000000; /* ticks per second */
        if (res[i] >= 0) {
            unit = 1;
            for (int j = 0; j < (res[i] & 0x7F); j++)
                unit *= (res[i] & 0x80) ? 2 : 10;
        }
        for (unsigned k = 0; k < 5; k++) {
            uint64_t ticks = 1700000000ull * (k & 1 ? 1000000 : unit) + k * 777;
            ng_epb(&w, k & 1, ticks, 60 + k, 100 + k, k, k & 1);
        }
        ng_opb(&w, 1, 1700000000ull * 1000000, 20, 20, 9);
        assert_int_equal(oracle_one(save(w.p, w.len), "synthetic tsresol"), 0);
        bw_free(&w);
    }
    bw w = {0};
    pcap_hdr(&w, true, true, SW_LINK_RAW, 65535);
    pcap_rec(&w, 1700000000, 999999999, 40, 40, 1);
    assert_int_equal(oracle_one(save(w.p, w.len), "synthetic pcap raw"), 0);
    bw_free(&w);

    ng_shb(&w, false);
    ng_idb(&w, SW_LINK_ETHERNET, 0, -1, 0);
    ng_idb(&w, SW_LINK_RAW, 0, 9, 0);
    ng_epb(&w, 0, 1, 60, 60, 1, false);
    ng_epb(&w, 1, 2, 40, 40, 2, false);
    assert_int_equal(oracle_one(save(w.p, w.len), "synthetic two link types"), 0);
    bw_free(&w);
}

static void test_oracle_libpcap(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/corpus/public", shared_dir());
    DIR *d = opendir(dir);
    if (!d) {
        print_message("oracle: no corpus at %s (SW_SHARED); skipped\n", dir);
        skip();
    }
    struct dirent *e;
    int files = 0, bad = 0;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] == '.' || has_suffix(n, ".tsv") || has_suffix(n, ".md") ||
            strcmp(n, "SHA256SUMS") == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        files++;
        bad += oracle_one(path, n);
        cleanup(NULL);
    }
    closedir(d);
    print_message("oracle: %d captures compared with libpcap, %d differ\n", files, bad);
    assert_true(files > 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pcap_variants, cleanup),
        cmocka_unit_test_teardown(test_pcap_linktypes, cleanup),
        cmocka_unit_test_teardown(test_gzip, cleanup),
        cmocka_unit_test_teardown(test_pcapng_full, cleanup),
        cmocka_unit_test_teardown(test_pcapng_spb_stored_padding, cleanup),
        cmocka_unit_test_teardown(test_pcapng_tsresol, cleanup),
        cmocka_unit_test_teardown(test_pcapng_ts_extremes, cleanup),
        cmocka_unit_test_teardown(test_stdin, cleanup),
        cmocka_unit_test_teardown(test_open_errors, cleanup),
        cmocka_unit_test_teardown(test_pcap_damage, cleanup),
        cmocka_unit_test_teardown(test_pcapng_damage, cleanup),
        cmocka_unit_test_teardown(test_truncated_prefixes, cleanup),
        cmocka_unit_test_teardown(test_capset_merge, cleanup),
        cmocka_unit_test_teardown(test_capset_damaged_input, cleanup),
        cmocka_unit_test_teardown(test_oracle_synthetic, cleanup),
        cmocka_unit_test_teardown(test_oracle_libpcap, cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
