/*
 * media tests: RTP header parsing on every prefix, and stream figures
 * (sequence wrap, loss, duplicates, jitter) on crafted packet sequences.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media/media.h"

static size_t rtp(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, bool marker)
{
    b[0] = 0x80;
    b[1] = (uint8_t)(pt | (marker ? 0x80 : 0));
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    memset(b + 12, 0xD5, 160);
    return 172;
}

static void test_parse(void **state)
{
    (void)state;
    uint8_t b[64] = {0x80 | 0x20 | 0x10 | 2, 0x80 | 8, 0, 7, 0, 0, 1, 0, 0xAA, 0xBB, 0xCC, 0xDD};
    /* 2 CSRCs, an extension of 1 word, 4 payload bytes, 3 bytes of padding */
    size_t n = 12 + 8 + 4 + 4 + 4 + 3;
    b[12 + 8 + 2] = 0;
    b[12 + 8 + 3] = 1;
    b[n - 1] = 3;
    sw_rtp_hdr h;
    assert_int_equal(sw_rtp_parse(b, n, &h), 0);
    assert_int_equal(h.pt, 8);
    assert_true(h.marker);
    assert_int_equal(h.seq, 7);
    assert_int_equal(h.ts, 256);
    assert_int_equal(h.ssrc, 0xAABBCCDD);
    assert_int_equal(h.hdr_len, 28);
    assert_int_equal(h.payload_len, 4);
    /* every shorter prefix either parses within bounds or is refused */
    for (size_t k = 0; k < n; k++) {
        uint8_t *g = malloc(k ? k : 1);
        memcpy(g, b, k);
        if (sw_rtp_parse(g, k, &h) == 0)
            assert_true((size_t)h.hdr_len + h.payload_len <= k);
        free(g);
    }
    /* padding longer than the packet, version 1, RTCP */
    b[n - 1] = 200;
    assert_int_equal(sw_rtp_parse(b, n, &h), -1);
    b[0] = 0x40;
    assert_int_equal(sw_rtp_parse(b, n, &h), -1);
    const uint8_t sr[8] = {0x80, 200, 0, 6, 1, 2, 3, 4};
    assert_true(sw_rtcp_looks_like(sr, 8));
    assert_false(sw_rtcp_looks_like(b, n));
    assert_int_equal(sw_rtp_static_clock(9), 8000);
    assert_string_equal(sw_rtp_static_name(0), "PCMU");
    assert_null(sw_rtp_static_name(96));
}

/* A media object that knows 10.0.0.2:4000 from an SDP (message 1). */
static sw_media *announced(void)
{
    static const char body[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\n"
                               "a=rtpmap:101 telephone-event/8000\r\n";
    sw_sdp sdp;
    static sw_sdp_media md[4];
    assert_int_equal(sw_sdp_parse(sw_str_cstr(body), &sdp, md, 4), 0);
    sw_media *m = sw_media_new(NULL);
    assert_non_null(m);
    assert_int_equal(sw_media_announce(m, &sdp, 1), 0);
    return m;
}

/* A UDP payload 10.0.0.1:sport -> 10.0.0.<dst>:dport. */
static sw_payload udp_to(uint8_t dst, uint16_t sport, uint16_t dport, const uint8_t *b, size_t n)
{
    sw_payload pl;
    memset(&pl, 0, sizeof pl);
    pl.src.family = pl.dst.family = 4;
    memcpy(pl.src.a, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(pl.dst.a, (uint8_t[]){10, 0, 0, dst}, 4);
    pl.sport = sport;
    pl.dport = dport;
    pl.transport = SW_TP_UDP;
    pl.data = b;
    pl.len = (uint32_t)n;
    return pl;
}

static void send_pkt(sw_media *m, const uint8_t *b, size_t n, int64_t t_ns)
{
    sw_payload pl = udp_to(2, 5000, 4000, b, n);
    pl.ts_ns = t_ns;
    assert_true(sw_media_udp(m, &pl));
}

static void test_stream(void **state)
{
    (void)state;
    sw_media *m = announced();
    uint8_t b[200];
    /* 100 packets 20 ms apart from seq 65500 (wraps), 3 missing, 1 duplicate */
    int64_t t = 1000000000;
    for (int i = 0; i < 100; i++) {
        uint16_t seq = (uint16_t)(65500 + i);
        if (i == 40 || i == 41 || i == 70)
            continue;
        size_t n = rtp(b, 0, seq, (uint32_t)(160 * i), 0x1234, i == 0);
        send_pkt(m, b, n, t + (int64_t)i * 20000000);
        if (i == 50)
            send_pkt(m, b, n, t + (int64_t)i * 20000000 + 1000000);
    }
    assert_int_equal(sw_media_nstreams(m), 1);
    const sw_rtp_stream *s = sw_media_stream(m, 0);
    assert_int_equal(s->packets, 98);
    assert_int_equal(s->expected, 100);
    assert_int_equal(s->lost, 2); /* 3 lost, 1 duplicated */
    assert_int_equal(s->out_of_order, 1);
    assert_int_equal(s->clock, 8000);
    assert_string_equal(s->codec, "PCMU");
    assert_int_equal(s->sdp_msg, 1);
    assert_true(s->delta_max_ms > 59.9 && s->delta_max_ms < 60.1); /* two lost in a row */
    assert_true(s->jitter_max_ms < 1.0);
    /* RTCP on the next port is recognised and not a stream */
    const uint8_t sr[8] = {0x80, 201, 0, 1, 0, 0, 0x12, 0x34};
    sw_payload pl;
    memset(&pl, 0, sizeof pl);
    pl.src.family = pl.dst.family = 4;
    memcpy(pl.dst.a, (uint8_t[]){10, 0, 0, 2}, 4);
    pl.dport = 4001;
    pl.transport = SW_TP_UDP;
    pl.data = sr;
    pl.len = 8;
    assert_true(sw_media_udp(m, &pl));
    assert_int_equal(sw_media_stats_get(m)->rtcp_packets, 1);
    /* a port nobody announced is not media */
    pl.dport = 4002;
    assert_false(sw_media_udp(m, &pl));
    sw_media_free(m);
}

/* A new generation renumbers SIP messages: streams follow their SDP's new
 * number; those of messages let go are dropped, and their endpoints are
 * no longer media; the kept stream goes on counting. */
static void test_remap(void **state)
{
    (void)state;
    sw_media *m = announced(); /* 10.0.0.2:4000 by message 1 */
    static const char body[] = "v=0\r\no=- 1 1 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\n"
                               "t=0 0\r\nm=audio 6000 RTP/AVP 8\r\n";
    sw_sdp sdp;
    sw_sdp_media md[4];
    assert_int_equal(sw_sdp_parse(sw_str_cstr(body), &sdp, md, 4), 0);
    assert_int_equal(sw_media_announce(m, &sdp, 5), 0); /* 10.0.0.3:6000 by message 5 */
    uint8_t b[200];
    size_t n = rtp(b, 0, 1, 0, 0x1111, false);
    send_pkt(m, b, n, 1000000000);
    uint8_t c[200];
    sw_payload pl = udp_to(3, 5002, 6000, c, rtp(c, 8, 1, 0, 0x2222, false));
    assert_true(sw_media_udp(m, &pl));
    assert_int_equal(sw_media_nstreams(m), 2);
    size_t before = sw_media_mem(m);
    assert_true(before > 0);
    /* message 1 goes, message 5 becomes 2 */
    const uint64_t map[] = {0, 0, 0, 0, 2};
    size_t smap[2];
    assert_int_equal(sw_media_remap(m, map, 5, smap), 0);
    assert_int_equal(smap[0], SIZE_MAX);
    assert_int_equal(smap[1], 0);
    assert_int_equal(sw_media_nstreams(m), 1);
    const sw_rtp_stream *s = sw_media_stream(m, 0);
    assert_int_equal(s->sdp_msg, 2);
    assert_int_equal(s->ssrc, 0x2222);
    assert_string_equal(s->codec, "PCMA");
    /* the kept stream counts on; the dropped endpoint is not media any more */
    pl.len = (uint32_t)rtp(c, 8, 2, 160, 0x2222, false);
    pl.ts_ns = 20000000;
    assert_true(sw_media_udp(m, &pl));
    assert_int_equal(sw_media_nstreams(m), 1);
    assert_int_equal(sw_media_stream(m, 0)->packets, 2);
    assert_false(sw_media_announced(m, &(sw_addr){.family = 4, .a = {10, 0, 0, 2}}, 4000));
    assert_true(sw_media_announced(m, &(sw_addr){.family = 4, .a = {10, 0, 0, 3}}, 6000));
    sw_media_free(m);
}

/* Jitter grows with irregular arrival, and DTMF events (no clock) do not count. */
static void test_jitter(void **state)
{
    (void)state;
    sw_media *m = announced();
    uint8_t b[200];
    int64_t t = 0;
    for (int i = 0; i < 50; i++) {
        size_t n = rtp(b, 0, (uint16_t)i, (uint32_t)(160 * i), 7, false);
        /* every other packet 10 ms late */
        send_pkt(m, b, n, t + (int64_t)i * 20000000 + (i % 2 ? 10000000 : 0));
    }
    const sw_rtp_stream *s = sw_media_stream(m, 0);
    /* |D| = 10 ms on every packet: J converges towards 10 ms */
    assert_true(s->jitter_ms > 9.0 && s->jitter_ms <= 10.0);
    assert_true(s->jitter_max_ms >= s->jitter_mean_ms);
    for (int i = 0; i < 5; i++) {
        size_t n = rtp(b, 101, (uint16_t)i, 1000, 8, i == 0);
        send_pkt(m, b, n, t + (int64_t)i * 50000000);
    }
    const sw_rtp_stream *e = sw_media_stream(m, 1);
    assert_string_equal(e->codec, "telephone-event");
    assert_true(e->jitter_max_ms == 0.0);
    sw_media_free(m);
}

/* Found by fuzz_rtp: an a=rtpmap line without an encoding name gave a
 * NULL slice that was copied (memcpy from NULL, undefined even for 0 bytes). */
static void test_fuzz_rtpmap_without_name(void **state)
{
    (void)state;
    static const char body[] = "v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 4000 RTP/AVP 0\r\n"
                               "a=rtpmap:0\r\n";
    sw_sdp sdp;
    sw_sdp_media md[2];
    sw_sdp_parse(sw_str_cstr(body), &sdp, md, 2);
    sw_media *m = sw_media_new(NULL);
    assert_non_null(m);
    assert_int_equal(sw_media_announce(m, &sdp, 1), 0);
    uint8_t b[200];
    send_pkt(m, b, rtp(b, 0, 1, 160, 9, false), 0);
    assert_int_equal(sw_media_nstreams(m), 1);
    sw_media_free(m);
}

/* E-model figures: G.711 without loss is "toll quality"; loss and a codec's
 * own impairment lower it; the table's values are the ones documented. */
static void test_quality(void **state)
{
    (void)state;
    sw_rtp_stream s;
    memset(&s, 0, sizeof s);
    strcpy(s.codec, "PCMU");
    s.expected = 1000;
    s.packets = 1000;
    sw_rtp_quality q = sw_rtp_quality_of(&s);
    assert_true(q.codec_known);
    assert_true(q.r > 90 && q.r < 93.2 && q.mos > 4.3 && q.mos < 4.5);
    assert_true(q.delay_ms == 85.0); /* 20 + 40 + 25 */
    s.lost = 100;                    /* 10 % */
    q = sw_rtp_quality_of(&s);
    assert_true(q.loss_pct > 9.9 && q.loss_pct < 10.1);
    assert_true(q.mos > 3.0 && q.mos < 3.6);
    s.lost = 0;
    strcpy(s.codec, "G729");
    q = sw_rtp_quality_of(&s);
    assert_true(q.mos > 3.9 && q.mos < 4.2);
    strcpy(s.codec, "X-unknown");
    assert_false(sw_rtp_quality_of(&s).codec_known);
    s.jitter_mean_ms = 150; /* a 300 ms jitter buffer: delay impairment */
    q = sw_rtp_quality_of(&s);
    assert_true(q.delay_ms == 345.0 && q.mos < 4.0);
}

/* RFC 4733: one digit per event (new timestamp), however many packets carry
 * it; tones that are not keys are not digits. */
static void test_dtmf(void **state)
{
    (void)state;
    sw_media *m = announced();
    uint8_t b[200];
    const struct {
        uint8_t ev;
        uint32_t ts;
    } seq[] = {{1, 1000}, {1, 1000}, {1, 1000}, {11, 2000}, {11, 2000}, {36, 3000}, {10, 4000}};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        size_t n = rtp(b, 101, (uint16_t)i, seq[i].ts, 9, false);
        b[12] = seq[i].ev;
        b[13] = 0x0A;
        b[14] = 0;
        b[15] = 160;
        send_pkt(m, b, n, (int64_t)i * 50000000);
    }
    const sw_rtp_stream *s = sw_media_stream(m, 0);
    assert_string_equal(s->dtmf, "1#*");
    assert_int_equal(s->dtmf_n, 3);
    sw_media_free(m);
}

/* RTCP: a receiver report about the stream's SSRC updates its RTCP figures;
 * a block about an unknown SSRC is counted and ignored; a lying length stops. */
static void test_rtcp(void **state)
{
    (void)state;
    sw_media *m = announced();
    uint8_t b[200];
    for (int i = 0; i < 10; i++)
        send_pkt(m, b, rtp(b, 0, (uint16_t)i, (uint32_t)(160 * i), 0x1234, false),
                 (int64_t)i * 20000000);
    /* RR from 10.0.0.2 (RTCP port 4001 is announced): 2 blocks */
    uint8_t rr[8 + 48] = {0x82, 201, 0, 13, 0, 0, 0, 9};
    const uint8_t blk1[24] = {0, 0, 0x12, 0x34, 64, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 80};
    const uint8_t blk2[24] = {0xde, 0xad, 0xbe, 0xef, 255};
    memcpy(rr + 8, blk1, 24);
    memcpy(rr + 32, blk2, 24);
    sw_payload pl;
    memset(&pl, 0, sizeof pl);
    pl.src.family = pl.dst.family = 4;
    memcpy(pl.src.a, (uint8_t[]){10, 0, 0, 2}, 4);
    memcpy(pl.dst.a, (uint8_t[]){10, 0, 0, 1}, 4);
    pl.sport = 4001;
    pl.dport = 5001;
    pl.transport = SW_TP_UDP;
    pl.data = rr;
    pl.len = sizeof rr;
    pl.ts_ns = 1000000000;
    assert_true(sw_media_udp(m, &pl));
    const sw_rtp_stream *s = sw_media_stream(m, 0);
    assert_int_equal(sw_media_stats_get(m)->rtcp_packets, 1);
    assert_int_equal(sw_media_stats_get(m)->rtcp_blocks, 2);
    assert_int_equal(s->rtcp_blocks, 1);
    assert_int_equal(s->rtcp_fraction_max, 64);
    assert_int_equal(s->rtcp_cum_lost, 5);
    assert_true(s->rtcp_jitter_max_ms > 9.9 && s->rtcp_jitter_max_ms < 10.1); /* 80 / 8 kHz */
    assert_true(s->rtcp_rtt_max_ms < 0); /* LSR 0: no round trip */
    /* a length that runs past the packet: nothing more is read */
    rr[3] = 200;
    assert_true(sw_media_udp(m, &pl));
    assert_int_equal(s->rtcp_blocks, 1);
    sw_media_free(m);
}

/* ---- audio ---------------------------------------------------------------- */

static void test_g711(void **state)
{
    (void)state;
    /* Ends and middles of both laws (G.711 tables 1a, 2a scaled to 16 bits). */
    assert_int_equal(sw_g711_ulaw(0xFF), 0);
    assert_int_equal(sw_g711_ulaw(0x7F), 0);
    assert_int_equal(sw_g711_ulaw(0x80), 32124);
    assert_int_equal(sw_g711_ulaw(0x00), -32124);
    assert_int_equal(sw_g711_ulaw(0xFE), 8);
    assert_int_equal(sw_g711_ulaw(0xF0), 120);
    assert_int_equal(sw_g711_ulaw(0xEF), 132);
    assert_int_equal(sw_g711_alaw(0xD5), 8);
    assert_int_equal(sw_g711_alaw(0x55), -8);
    assert_int_equal(sw_g711_alaw(0xAA), 32256);
    assert_int_equal(sw_g711_alaw(0x2A), -32256);
    assert_int_equal(sw_g711_alaw(0xC5), 264);
    /* Monotonic over the positive codes of each law. */
    for (int c = 0x80; c < 0xFF; c++)
        assert_true(sw_g711_ulaw((uint8_t)c) > sw_g711_ulaw((uint8_t)(c + 1)));
    int prev = -1;
    for (int k = 0; k < 128; k++) {
        int v = sw_g711_alaw((uint8_t)((k | 0x80) ^ 0x55));
        assert_true(v > prev);
        prev = v;
    }
    assert_int_equal(sw_audio_codec(0, ""), 0);
    assert_int_equal(sw_audio_codec(8, NULL), 8);
    assert_int_equal(sw_audio_codec(96, "pcmu"), 0);
    assert_int_equal(sw_audio_codec(18, "G729"), -1);
    assert_int_equal(sw_audio_codec(9, ""), -1);
}

static void add(sw_audio_track *t, uint8_t pt, uint32_t ts, int64_t at_ms, uint8_t fill, size_t n)
{
    uint8_t p[400];
    memset(p, fill, sizeof p);
    sw_rtp_hdr h;
    memset(&h, 0, sizeof h);
    h.pt = pt;
    h.ts = ts;
    h.payload_len = (uint16_t)n;
    assert_int_equal(sw_audio_track_add(t, &h, p, 1000000000ll + at_ms * 1000000), 0);
}

static void test_audio_track(void **state)
{
    (void)state;
    sw_audio_track t;
    memset(&t, 0, sizeof t);
    t.codec = 0;
    t.pt = 0;
    /* 20 ms packets; the third is lost; a DTMF event (pt 101) is skipped. */
    add(&t, 0, 4000000000u, 0, 0x80, 160);
    add(&t, 0, 4000000160u, 20, 0x80, 160);
    add(&t, 101, 4000000320u, 40, 0x00, 4);
    add(&t, 0, 4000000480u, 60, 0x00, 160); /* timestamp wraps below */
    add(&t, 0, 4000000640u, 80, 0x00, 160);
    add(&t, 0, (uint32_t)(4000000800ull), 100, 0x80, 160);
    assert_int_equal(t.packets, 5);
    assert_int_equal(t.skipped, 1);
    assert_int_equal(t.n, 960);
    assert_int_equal(t.s[0], 32124);
    assert_int_equal(t.s[319], 32124);
    assert_int_equal(t.s[320], 0);   /* the lost packet: silence */
    assert_int_equal(t.s[479], 0);
    assert_int_equal(t.s[480], -32124);
    assert_int_equal(t.s[800], 32124);
    assert_int_equal(t.reanchored, 0);
    /* The 32-bit timestamp wraps: still contiguous. */
    uint32_t w = 0xFFFFFF00u;
    sw_audio_track u;
    memset(&u, 0, sizeof u);
    u.codec = 8;
    u.pt = 8;
    add(&u, 8, w, 0, 0xD5, 160);
    add(&u, 8, w + 160, 20, 0xD5, 160);
    assert_int_equal(u.n, 320);
    assert_int_equal(u.reanchored, 0);
    assert_int_equal(u.s[319], 8);
    /* A sender that restarts its timestamps continues at arrival time. */
    add(&u, 8, 0x80000000u, 1000, 0xD5, 160);
    assert_int_equal(u.reanchored, 1);
    assert_int_equal(u.n, 8000 + 160);
    assert_int_equal(u.s[8000], 8);
    assert_int_equal(u.s[4000], 0);
    /* A bound on samples: what passes it is counted. */
    sw_audio_track v;
    memset(&v, 0, sizeof v);
    v.codec = 0;
    v.pt = 0;
    v.max_samples = 200;
    add(&v, 0, 0, 0, 0x80, 160);
    add(&v, 0, 160, 20, 0x80, 160);
    add(&v, 0, 320, 40, 0x80, 160);
    assert_int_equal(v.n, 200);
    assert_int_equal(v.dropped, 120 + 160);
    /* A stream in a codec not decoded: nothing stored. */
    sw_audio_track g;
    memset(&g, 0, sizeof g);
    g.codec = -1;
    g.pt = 18;
    add(&g, 18, 0, 0, 0x11, 20);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.packets, 0);
    sw_audio_track_free(&t);
    sw_audio_track_free(&u);
    sw_audio_track_free(&v);
    sw_audio_track_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_remap),
        cmocka_unit_test(test_jitter),
        cmocka_unit_test(test_fuzz_rtpmap_without_name),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_dtmf),
        cmocka_unit_test(test_rtcp),
        cmocka_unit_test(test_g711),
        cmocka_unit_test(test_audio_track),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
