/*
 * trace tests: numbering, endpoints, zero-copy vs copied bytes, streaming
 * sinks, and several inputs merged by time. Captures are written by the test
 * (Ethernet/IPv4/UDP and TCP frames built by hand) so every expectation is
 * known exactly.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <unistd.h>
#include <zlib.h>

#include "trace/trace.h"

#include "common/pcapw.h"

static const char *msg(const char *start, const char *callid, int cseq, const char *method)
{
    static char buf[4][1024];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, 1024,
             "%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%d\r\n"
             "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nCall-ID: %s\r\n"
             "CSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
             start, cseq, callid, cseq, method);
    return b;
}

/* A capture with: 3 UDP messages, one non-SIP datagram, a TCP message split
 * over two segments, and two TCP messages in one segment. */
static pw build_capture(void)
{
    pw w = {0};
    pw_header(&w);
    const char *inv = msg("INVITE sip:b@y SIP/2.0", "call-1", 1, "INVITE");
    const char *ok = msg("SIP/2.0 200 OK", "call-1", 1, "INVITE");
    const char *ack = msg("ACK sip:b@y SIP/2.0", "call-1", 1, "ACK");
    pw_frame(&w, 100, 1, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 5060, 5060, false, 0, inv,
             strlen(inv));
    pw_frame(&w, 100, 2, IP(10, 0, 0, 2), IP(10, 0, 0, 1), 5060, 5060, false, 0, ok,
             strlen(ok));
    pw_frame(&w, 100, 3, IP(10, 0, 0, 9), IP(10, 0, 0, 1), 7000, 7002, false, 0,
             "\x80\x00junk-rtp", 10);
    pw_frame(&w, 100, 4, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 5060, 5060, false, 0, ack,
             strlen(ack));
    const char *reg = msg("REGISTER sip:y SIP/2.0", "call-2", 5, "REGISTER");
    size_t rl = strlen(reg), half = rl / 2;
    pw_frame(&w, 101, 0, IP(10, 0, 0, 3), IP(10, 0, 0, 2), 40000, 5060, true, 1000, reg, half);
    pw_frame(&w, 101, 1, IP(10, 0, 0, 3), IP(10, 0, 0, 2), 40000, 5060, true,
             1000 + (uint32_t)half, reg + half, rl - half);
    char two[2048];
    const char *o1 = msg("OPTIONS sip:y SIP/2.0", "call-3", 1, "OPTIONS");
    size_t l1 = strlen(o1);
    memcpy(two, o1, l1);
    const char *o2 = msg("OPTIONS sip:y SIP/2.0", "call-4", 1, "OPTIONS");
    memcpy(two + l1, o2, strlen(o2));
    pw_frame(&w, 101, 5, IP(10, 0, 0, 3), IP(10, 0, 0, 2), 40000, 5060, true,
             1000 + (uint32_t)rl, two, l1 + strlen(o2));
    return w;
}

typedef struct seen {
    int n;
    uint64_t numbers[16];
    char callid[16][32];
    bool stable_ptr[16];
} seen;

static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    seen *s = ud;
    assert_true(s->n < 16);
    s->numbers[s->n] = number;
    snprintf(s->callid[s->n], 32, "%.*s", SW_STR_FMT(sip->call_id));
    assert_ptr_equal(sip->buf, m->data);
    s->n++;
    return 0;
}

static void run_capture(bool gz)
{
    pw w = build_capture();
    char *path = pw_save(&w, gz);
    sw_capset *cs;
    char err[256];
    const char *paths[] = {path};
    assert_int_equal(sw_capset_open(&cs, paths, 1, err, sizeof err), 0);
    sw_trace *t = sw_trace_new(NULL);
    assert_non_null(t);
    seen s = {0};
    assert_int_equal(sw_trace_read(t, cs, sink, &s), 0);
    assert_int_equal(sw_trace_count(t), 6);
    assert_int_equal(s.n, 6);
    const char *want[] = {"call-1", "call-1", "call-1", "call-2", "call-3", "call-4"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(s.numbers[i], (uint64_t)i + 1);
        assert_string_equal(s.callid[i], want[i]);
    }
    const sw_trace_stats *st = sw_trace_stats_get(t);
    assert_int_equal(st->messages, 6);
    assert_int_equal(st->non_sip, 1);
    assert_int_equal(st->packets, 7);
    /* Records outlive the read: re-parse every kept message. */
    for (uint64_t n = 1; n <= 6; n++) {
        const sw_msg *m = sw_trace_get(t, n);
        assert_non_null(m);
        sw_sip_header h[32];
        sw_sip_msg sip;
        assert_true(sw_trace_parse(t, m, &sip, h, 32) > 0);
        char cid[32];
        snprintf(cid, sizeof cid, "%.*s", SW_STR_FMT(sip.call_id));
        assert_string_equal(cid, want[n - 1]);
    }
    assert_null(sw_trace_get(t, 0));
    assert_null(sw_trace_get(t, 7));
    /* The split REGISTER came from two frames; the two OPTIONS from one. */
    const sw_msg *reg = sw_trace_get(t, 4);
    assert_int_equal(reg->nframes, 2);
    assert_int_equal(sw_msg_first_frame(reg), 5);
    assert_int_equal(reg->frame, 6);
    assert_true(reg->pflags & SW_PAYF_TCPSEGS);
    assert_int_equal(reg->transport, SW_TP_TCP);
    assert_int_equal(sw_trace_get(t, 5)->frame, 7);
    assert_int_equal(sw_trace_get(t, 6)->frame, 7);
    /* Endpoints are interned: 10.0.0.1:5060 is one id in messages 1 and 2. */
    assert_int_equal(sw_trace_get(t, 1)->src, sw_trace_get(t, 2)->dst);
    const sw_endpoint *e = sw_trace_endpoint(t, sw_trace_get(t, 4)->src);
    assert_string_equal(e->text, "10.0.0.3");
    assert_int_equal(e->port, 40000);
    if (!gz) {
        /* Zero-copy: single-segment messages point into the mapping, so no
         * arena bytes were needed except for the reassembled REGISTER. */
        assert_true(st->mapped_bytes > 0);
        assert_true(sw_trace_stats_get(t)->arena_bytes > 0);
    } else {
        assert_int_equal(st->mapped_bytes, 0);
    }
    sw_trace_free(t);
    sw_capset_close(cs);
    unlink(path);
    free(path);
    free(w.buf);
}

static void test_trace_mapped(void **state)
{
    (void)state;
    run_capture(false);
}

static void test_trace_gzip(void **state)
{
    (void)state;
    run_capture(true);
}

static int stop_at_two(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    (void)ud;
    (void)m;
    (void)sip;
    return number == 2 ? 42 : 0;
}

static void test_trace_stop_and_nokeep(void **state)
{
    (void)state;
    pw w = build_capture();
    char *path = pw_save(&w, false);
    const char *paths[] = {path};
    char err[256];
    sw_capset *cs;
    assert_int_equal(sw_capset_open(&cs, paths, 1, err, sizeof err), 0);
    sw_trace *t = sw_trace_new(NULL);
    assert_int_equal(sw_trace_read(t, cs, stop_at_two, NULL), 42);
    assert_int_equal(sw_trace_count(t), 2);
    sw_trace_free(t);
    sw_capset_close(cs);

    assert_int_equal(sw_capset_open(&cs, paths, 1, err, sizeof err), 0);
    sw_trace_opts o;
    memset(&o, 0, sizeof o);
    o.keep = false;
    t = sw_trace_new(&o);
    seen s = {0};
    assert_int_equal(sw_trace_read(t, cs, sink, &s), 0);
    assert_int_equal(s.n, 6);
    assert_int_equal(sw_trace_count(t), 6);
    assert_null(sw_trace_get(t, 1)); /* nothing kept */
    sw_trace_free(t);
    sw_capset_close(cs);
    unlink(path);
    free(path);
    free(w.buf);
}

/* Two inputs whose packets interleave in time are numbered in time order. */
static void test_trace_merge(void **state)
{
    (void)state;
    pw a = {0}, b = {0};
    pw_header(&a);
    pw_header(&b);
    const char *names[] = {"m1", "m2", "m3", "m4"};
    for (int i = 0; i < 4; i++) {
        const char *m = msg("OPTIONS sip:y SIP/2.0", names[i], i + 1, "OPTIONS");
        pw_frame(i % 2 ? &b : &a, 200, (uint32_t)i * 10, IP(10, 0, 0, 1), IP(10, 0, 0, 2),
                 5060, 5060, false, 0, m, strlen(m));
    }
    char *pa = pw_save(&a, false), *pb = pw_save(&b, true);
    const char *paths[] = {pb, pa};
    char err[256];
    sw_capset *cs;
    assert_int_equal(sw_capset_open(&cs, paths, 2, err, sizeof err), 0);
    sw_trace *t = sw_trace_new(NULL);
    seen s = {0};
    assert_int_equal(sw_trace_read(t, cs, sink, &s), 0);
    assert_int_equal(s.n, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(s.callid[i], names[i]);
    assert_int_equal(sw_trace_get(t, 1)->input, 1);
    assert_int_equal(sw_trace_get(t, 2)->input, 0);
    sw_trace_free(t);
    sw_capset_close(cs);
    unlink(pa);
    unlink(pb);
    free(pa);
    free(pb);
    free(a.buf);
    free(b.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_mapped),
        cmocka_unit_test(test_trace_gzip),
        cmocka_unit_test(test_trace_stop_and_nokeep),
        cmocka_unit_test(test_trace_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
