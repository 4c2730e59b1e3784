/*
 * libFuzzer target for SDP: sw_sdp_parse on the raw input with several
 * media capacities (0, 1, 8), then the input as the body of a SIP message
 * whose Content-Type is multipart/mixed (so sw_sip_find_sdp's MIME walk is
 * fuzzed) and as an application/sdp body.
 *
 * Traps on broken contracts: slices outside the input, counts past limits.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *            fuzz/fuzz_sdp.c src/sip/sip.c src/sip/sdp.c src/base/base.c -o /tmp/fuzz_sdp
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sip/sip.h"

static const char *lo, *hi;

static void in_range(sw_str s)
{
    if (s.len && (s.p < lo || s.p + s.len > hi))
        __builtin_trap();
}

static void check_sdp(const sw_sdp *s, const sw_sdp_media *media, size_t cap)
{
    in_range(s->origin_user);
    in_range(s->origin_sess_id);
    in_range(s->origin_sess_ver);
    in_range(s->origin_addr);
    in_range(s->session_name);
    in_range(s->conn_addr);
    in_range(s->conn_family);
    for (size_t i = 0; i < s->nmedia && i < cap; i++) {
        const sw_sdp_media *md = &media[i];
        if (md->nfmt > SW_SDP_MAX_FMT || md->nrtpmap > SW_SDP_MAX_RTPMAP)
            __builtin_trap();
        in_range(md->type);
        in_range(md->proto);
        in_range(md->fmts);
        in_range(md->conn_addr);
        in_range(md->rtcp_addr);
        for (int k = 0; k < md->nrtpmap; k++) {
            if (md->rtpmap[k].pt > 127)
                __builtin_trap();
            in_range(md->rtpmap[k].encoding);
            in_range(md->rtpmap[k].fmtp);
        }
    }
}

static void as_body(const uint8_t *data, size_t size, const char *ctype)
{
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: f\r\nCSeq: 1 INVITE\r\n"
                      "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                      ctype, size);
    if (hl < 0 || (size_t)hl >= sizeof head)
        return;
    char *msg = malloc((size_t)hl + size + 1);
    if (!msg)
        return;
    memcpy(msg, head, (size_t)hl);
    if (size)
        memcpy(msg + hl, data, size);
    size_t n = (size_t)hl + size;
    lo = msg;
    hi = msg + n;
    sw_sip_msg m;
    sw_sip_header h[16];
    if (sw_sip_parse(&m, msg, n, h, 16) != (int64_t)n || m.body.len != size)
        __builtin_trap();
    sw_str sdp;
    if (sw_sip_find_sdp(&m, &sdp)) {
        in_range(sdp);
        if (sdp.p < m.body.p || sdp.p + sdp.len > m.body.p + m.body.len)
            __builtin_trap();
        sw_sdp s;
        sw_sdp_media media[4];
        sw_sdp_parse(sdp, &s, media, 4);
        check_sdp(&s, media, 4);
    }
    free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    lo = buf;
    hi = buf + size;
    static const size_t caps[] = {0, 1, 8};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        sw_sdp s;
        sw_sdp_media media[8];
        sw_sdp_parse(sw_str_make(buf, size), &s, caps[c] ? media : NULL, caps[c]);
        check_sdp(&s, media, caps[c]);
    }
    free(buf);
    as_body(data, size, "application/sdp");
    as_body(data, size, "multipart/mixed;boundary=b");
    as_body(data, size, "multipart/alternative; boundary=\"7a9cbec02ceef655\"");
    return 0;
}
