/*
 * Unit tests for sw_sdp_parse and sw_sip_find_sdp: table-style cases for
 * each SDP line the parser reads, the limits (media array, formats, rtpmap
 * entries), multipart bodies, and every truncated prefix of each SDP body
 * behind a guard page.
 */
#include "sip_testutil.h"

static int parse_sdp(const char *text, sw_sdp *s, sw_sdp_media *media, size_t cap)
{
    size_t n = strlen(text);
    const char *b = guard_copy(text, n);
    return sw_sdp_parse(sw_str_make(b, n), s, media, cap);
}

static void test_sdp_offer(void **state)
{
    (void)state;
    sw_sip_msg m;
    sw_sip_header h[32];
    size_t n = sizeof MSG_INVITE - 1;
    const char *b = guard_copy(MSG_INVITE, n);
    assert_int_equal(sw_sip_parse(&m, b, n, h, 32), (int64_t)n);
    sw_str body;
    assert_true(sw_sip_find_sdp(&m, &body));
    assert_ptr_equal(body.p, m.body.p);
    sw_sdp s;
    sw_sdp_media media[4];
    assert_int_equal(sw_sdp_parse(body, &s, media, 4), 0);
    assert_null(s.malformed);
    assert_str(s.origin_user, "alice");
    assert_str(s.origin_sess_id, "2890844526");
    assert_str(s.origin_sess_ver, "2890844526");
    assert_str(s.origin_addr, "pc33.atlanta.example.com");
    assert_str(s.session_name, "-");
    assert_str(s.conn_addr, "192.0.2.101");
    assert_str(s.conn_family, "IP4");
    assert_int_equal(s.dir, SW_SDP_DIR_NONE);
    assert_int_equal(s.nmedia, 1);
    assert_int_equal(s.media_cap, 4);
    assert_ptr_equal(s.media, media);
    sw_sdp_media *a = &media[0];
    assert_str(a->type, "audio");
    assert_int_equal(a->port, 49172);
    assert_int_equal(a->nports, 0);
    assert_str(a->proto, "RTP/AVP");
    assert_str(a->fmts, "0 8 101");
    assert_int_equal(a->nfmt, 3);
    assert_int_equal(a->fmt[0], 0);
    assert_int_equal(a->fmt[1], 8);
    assert_int_equal(a->fmt[2], 101);
    assert_int_equal(a->nrtpmap, 3);
    assert_int_equal(a->rtpmap[0].pt, 0);
    assert_str(a->rtpmap[0].encoding, "PCMU");
    assert_int_equal(a->rtpmap[0].clock, 8000);
    assert_int_equal(a->rtpmap[0].channels, 0);
    assert_str(a->rtpmap[0].fmtp, "");
    assert_str(a->rtpmap[2].encoding, "telephone-event");
    assert_str(a->rtpmap[2].fmtp, "0-16");
    assert_int_equal(a->dir, SW_SDP_SENDRECV);
    assert_str(a->conn_addr, "");
    assert_int_equal(a->rtcp_port, 0);
}

static void test_sdp_answer_rtcp(void **state)
{
    (void)state;
    sw_sip_msg m;
    sw_sip_header h[32];
    size_t n = sizeof MSG_200 - 1;
    const char *b = guard_copy(MSG_200, n);
    assert_int_equal(sw_sip_parse(&m, b, n, h, 32), (int64_t)n);
    sw_str body;
    assert_true(sw_sip_find_sdp(&m, &body));
    sw_sdp s;
    sw_sdp_media media[2];
    assert_int_equal(sw_sdp_parse(body, &s, media, 2), 0);
    assert_int_equal(media[0].port, 3456);
    assert_int_equal(media[0].rtcp_port, 3457);
    assert_str(media[0].rtcp_addr, "192.0.2.201");
    assert_str(media[0].rtpmap[1].fmtp, "0-15");
}

static void test_sdp_features(void **state)
{
    (void)state;
    static const char text[] = "v=0\n"
                               "o=- 1 2 IN IP6 2001:db8::1\n"
                               "s=Talk\n"
                               "c=IN IP6 2001:db8::2\n"
                               "a=recvonly\n"
                               "t=0 0\n"
                               "m=audio 49170/2 RTP/AVP 96 18 0\n"
                               "c=IN IP4 224.2.1.1/127/3\n"
                               "a=fmtp:96 useinbandfec=1\n"
                               "a=rtpmap:96 opus/48000/2\n"
                               "a=fmtp:18 annexb=no\n"
                               "a=rtcp:49172\n"
                               "a=inactive \n"
                               "m=image 6000 udptl t38\n"
                               "a=sendonly\n"
                               "m=video 0 RTP/SAVPF 100\n";
    sw_sdp s;
    sw_sdp_media media[3];
    assert_int_equal(parse_sdp(text, &s, media, 3), 0);
    assert_null(s.malformed);
    assert_str(s.origin_user, "-");
    assert_str(s.origin_addr, "2001:db8::1");
    assert_str(s.session_name, "Talk");
    assert_str(s.conn_family, "IP6");
    assert_str(s.conn_addr, "2001:db8::2");
    assert_int_equal(s.dir, SW_SDP_RECVONLY);
    assert_int_equal(s.nmedia, 3);

    sw_sdp_media *a = &media[0];
    assert_int_equal(a->port, 49170);
    assert_int_equal(a->nports, 2);
    assert_str(a->conn_addr, "224.2.1.1");
    assert_int_equal(a->nfmt, 3);
    assert_int_equal(a->nrtpmap, 2);
    /* fmtp before rtpmap lands on the same entry */
    assert_int_equal(a->rtpmap[0].pt, 96);
    assert_str(a->rtpmap[0].encoding, "opus");
    assert_int_equal(a->rtpmap[0].clock, 48000);
    assert_int_equal(a->rtpmap[0].channels, 2);
    assert_str(a->rtpmap[0].fmtp, "useinbandfec=1");
    /* static payload type with fmtp only */
    assert_int_equal(a->rtpmap[1].pt, 18);
    assert_str(a->rtpmap[1].encoding, "");
    assert_str(a->rtpmap[1].fmtp, "annexb=no");
    assert_int_equal(a->rtcp_port, 49172);
    assert_str(a->rtcp_addr, "");
    assert_int_equal(a->dir, SW_SDP_INACTIVE);

    sw_sdp_media *img = &media[1];
    assert_str(img->type, "image");
    assert_str(img->proto, "udptl");
    assert_str(img->fmts, "t38");
    assert_int_equal(img->nfmt, 0);
    assert_int_equal(img->dir, SW_SDP_SENDONLY);

    assert_int_equal(media[2].port, 0);
    assert_str(media[2].proto, "RTP/SAVPF");
    assert_int_equal(media[2].dir, SW_SDP_DIR_NONE);
}

static void test_sdp_media_cap(void **state)
{
    (void)state;
    static const char text[] = "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                               "m=video 2 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n"
                               "m=text 3 RTP/AVP 98\r\n";
    sw_sdp s;
    sw_sdp_media media[1];
    memset(media, 0, sizeof media);
    assert_int_equal(parse_sdp(text, &s, media, 1), 0);
    assert_int_equal(s.nmedia, 3); /* counted past the cap */
    assert_int_equal(media[0].port, 1);
    assert_int_equal(media[0].nrtpmap, 1);
    assert_str(media[0].rtpmap[0].encoding, "PCMU");
    /* NULL storage: still counted, nothing written */
    assert_int_equal(parse_sdp(text, &s, NULL, 5), 0);
    assert_int_equal(s.nmedia, 3);
    assert_int_equal(s.media_cap, 0);
}

static const struct {
    const char *text;
    int rc;
    const char *fault; /* NULL: none */
} sdp_faults[] = {
    {"v=0\r\ns=-\r\n", 0, NULL},
    {"", SW_EFORMAT, "not SDP"},
    {"x=0\r\n", SW_EFORMAT, "not SDP"},
    {"<audio>\r\n", SW_EFORMAT, "not SDP"},
    {"v=0\r\nm=audio abc RTP/AVP 0\r\n", 0, "malformed port in m= line"},
    {"v=0\r\nm=audio 65536 RTP/AVP 0\r\n", 0, "malformed port in m= line"},
    {"v=0\r\nm=audio 5/x RTP/AVP 0\r\n", 0, "malformed port in m= line"},
    {"v=0\r\nm=audio 5\r\n", 0, "malformed m= line"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=rtpmap:128 X/8000\r\n", 0, "malformed a=rtpmap"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", 0, "malformed a=rtpmap"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=rtpmap:0 X/8000/999\r\n", 0, "malformed a=rtpmap"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=fmtp:x y\r\n", 0, "malformed a=fmtp"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=rtcp:x\r\n", 0, "malformed a=rtcp"},
    {"v=0\r\nm=audio 5 RTP/AVP 0\r\na=rtcp:9 IN\r\n", 0, "malformed a=rtcp"},
    {"v=0\r\nc=IN IP4\r\n", 0, "malformed c= line"},
    {"v=0\r\no=a b c\r\n", 0, "malformed o= line"},
    {"v=0\r\nm =video 3227 RTP/AVP 31\r\n", 0, "SDP line is not type=value"},
    {"v=0\r\nm=audio 5 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 "
     "25 26 27 28 29 30 31 32\r\n",
     0, "more than 32 formats"},
};

static void test_sdp_faults(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(sdp_faults); i++) {
        sw_sdp s;
        sw_sdp_media media[2];
        int rc = parse_sdp(sdp_faults[i].text, &s, media, 2);
        if (rc != sdp_faults[i].rc)
            fail_msg("sdp case %zu: rc %d", i, rc);
        if (sdp_faults[i].fault)
            assert_contains(s.malformed, sdp_faults[i].fault);
        else
            assert_null(s.malformed);
    }
    sw_sdp s;
    assert_int_equal(sw_sdp_parse(SW_STR_NULL, &s, NULL, 0), SW_EFORMAT);
}

static void test_sdp_rtpmap_limit(void **state)
{
    (void)state;
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "v=0\r\nm=audio 5 RTP/AVP 96\r\n");
    for (int pt = 90; pt < 127; pt++)
        n += (size_t)snprintf(text + n, sizeof text - n, "a=rtpmap:%d X%d/8000\r\n", pt, pt);
    sw_sdp s;
    sw_sdp_media media[1];
    assert_int_equal(parse_sdp(text, &s, media, 1), 0);
    assert_int_equal(media[0].nrtpmap, SW_SDP_MAX_RTPMAP);
    assert_contains(s.malformed, "more than 32 payload types");
    assert_int_equal(media[0].rtpmap[31].pt, 121);
}

/* ---- finding SDP in a SIP body ------------------------------------------ */

/* Builds a MESSAGE with the given Content-Type line and body into out. */
static size_t build(char *out, size_t cap, const char *ctype, const char *body)
{
    int n = snprintf(out, cap,
                     "MESSAGE sip:a@example.com SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                     "From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n"
                     "Call-ID: mp@h\r\nCSeq: 1 MESSAGE\r\n%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     ctype, strlen(body), body);
    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

#define SDP_PART "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n" \
                 "m=audio 7000 RTP/AVP 0\r\n"

static const struct {
    const char *name, *ctype, *body;
    bool found;
    const char *sdp; /* expected slice */
} find_cases[] = {
    {"plain", "Content-Type: application/sdp\r\n", SDP_PART, true, SDP_PART},
    {"case and params", "c: Application/SDP ; charset=utf-8\r\n", SDP_PART, true, SDP_PART},
    {"not sdp", "Content-Type: text/plain\r\n", SDP_PART, false, NULL},
    {"no content type", "", SDP_PART, false, NULL},
    {"empty body", "Content-Type: application/sdp\r\n", "", false, NULL},
    {"multipart quoted boundary", "Content-Type: multipart/mixed; boundary=\"b-1\"\r\n",
     "preamble\r\n--b-1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b-1\r\n"
     "Content-Type: application/sdp\r\nContent-Disposition: session\r\n\r\n" SDP_PART
     "\r\n--b-1--\r\n",
     true, SDP_PART},
    {"multipart LF only", "Content-Type: multipart/mixed;boundary=zz\r\n",
     "--zz\ncontent-type: application/sdp\n\nv=0\ns=-\n\n--zz--\n", true, "v=0\ns=-\n"},
    {"nested multipart", "Content-Type: multipart/mixed;boundary=outer\r\n",
     "--outer\r\nContent-Type: multipart/alternative;boundary=inner\r\n\r\n"
     "--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner\r\n"
     "Content-Type: application/sdp\r\n\r\n" SDP_PART "\r\n--inner--\r\n\r\n--outer--\r\n",
     true, SDP_PART},
    {"boundary prefix of longer", "Content-Type: multipart/mixed;boundary=ab\r\n",
     "--abc\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--ab\r\nContent-Type: "
     "application/sdp\r\n\r\nv=1\r\n--ab--\r\n",
     true, "v=1"},
    {"multipart without boundary", "Content-Type: multipart/mixed\r\n",
     "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--\r\n", false, NULL},
    {"boundary not in body", "Content-Type: multipart/mixed;boundary=nope\r\n",
     "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--\r\n", false, NULL},
    {"part without blank line", "Content-Type: multipart/mixed;boundary=x\r\n",
     "--x\r\nContent-Type: application/sdp\r\n--x--\r\n", false, NULL},
    {"unterminated multipart", "Content-Type: multipart/related;boundary=x\r\n",
     "--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", true, "v=0\r\n"},
};

static void test_find_sdp(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(find_cases); i++) {
        char msg[4096];
        size_t n = build(msg, sizeof msg, find_cases[i].ctype, find_cases[i].body);
        const char *b = guard_copy(msg, n);
        sw_sip_msg m;
        sw_sip_header h[16];
        assert_int_equal(sw_sip_parse(&m, b, n, h, 16), (int64_t)n);
        if (m.malformed)
            fail_msg("find '%s': message flagged %s", find_cases[i].name, m.malformed);
        sw_str sdp = SW_STR_NULL;
        bool f = sw_sip_find_sdp(&m, &sdp);
        if (f != find_cases[i].found)
            fail_msg("find '%s': %d", find_cases[i].name, f);
        if (f) {
            assert_str(sdp, find_cases[i].sdp);
            assert_true(slice_in(sdp, b, n));
        }
    }
    assert_false(sw_sip_find_sdp(NULL, NULL));
}

/* Deeply nested multipart stops at the depth bound instead of recursing on. */
static void test_find_sdp_depth(void **state)
{
    (void)state;
    char body[8192] = "", msg[12000];
    size_t n = 0;
    for (int d = 0; d < 20; d++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "--b%d\r\nContent-Type: multipart/mixed;boundary=b%d\r\n\r\n", d,
                              d + 1);
    n += (size_t)snprintf(body + n, sizeof body - n,
                          "--b20\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n");
    size_t len = build(msg, sizeof msg, "Content-Type: multipart/mixed;boundary=b0\r\n", body);
    const char *b = guard_copy(msg, len);
    sw_sip_msg m;
    sw_sip_header h[16];
    sw_sip_parse(&m, b, len, h, 16);
    sw_str sdp;
    assert_false(sw_sip_find_sdp(&m, &sdp));
}

/* Every prefix of every SDP body, guard-paged. */
static void test_sdp_prefixes(void **state)
{
    (void)state;
    const char *texts[] = {
        MSG_INVITE + (sizeof MSG_INVITE - 1 - 241), MSG_200 + (sizeof MSG_200 - 1 - 240),
        "v=0\r\nm=audio 49170/2 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 x=1\r\n"
        "a=rtcp:53020 IN IP4 126.16.64.4\r\nc=IN IP4 224.2.1.1/127/3\r\na=sendonly\r\n",
    };
    assert_memory_equal(texts[0], "v=0\r\n", 5);
    assert_memory_equal(texts[1], "v=0\r\n", 5);
    for (size_t t = 0; t < SW_ARRAY_LEN(texts); t++) {
        size_t len = strlen(texts[t]);
        for (size_t n = 0; n <= len; n++) {
            const char *b = guard_copy(texts[t], n);
            sw_sdp s;
            sw_sdp_media media[2];
            int rc = sw_sdp_parse(sw_str_make(b, n), &s, media, 2);
            assert_int_equal(rc, n >= 2 ? 0 : SW_EFORMAT);
            for (size_t k = 0; k < s.nmedia && k < 2; k++) {
                assert_true(slice_in(media[k].fmts, b, n));
                assert_true(slice_in(media[k].rtcp_addr, b, n));
                for (int r = 0; r < media[k].nrtpmap; r++)
                    assert_true(slice_in(media[k].rtpmap[r].fmtp, b, n));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdp_offer),
        cmocka_unit_test(test_sdp_answer_rtcp),
        cmocka_unit_test(test_sdp_features),
        cmocka_unit_test(test_sdp_media_cap),
        cmocka_unit_test(test_sdp_faults),
        cmocka_unit_test(test_sdp_rtpmap_limit),
        cmocka_unit_test(test_find_sdp),
        cmocka_unit_test(test_find_sdp_depth),
        cmocka_unit_test(test_sdp_prefixes),
    };
    return cmocka_run_group_tests_name("sdp", tests, NULL, NULL);
}
