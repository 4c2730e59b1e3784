/*
 * libFuzzer target for the SIP parser: sw_sip_parse on the input as one
 * datagram (with a roomy and with a one-entry header array), sw_sip_frame and
 * sw_sip_looks_like on the same bytes, then every on-demand helper on every
 * header and item, and the SDP finder and parser on the body.
 *
 * Beyond memory errors (ASan) and UB (UBSan) it traps on broken contracts:
 * a returned length past the input, a slice pointing outside the input, a
 * fault offset past the end, framing longer than the input.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *            fuzz/fuzz_sip.c src/sip/sip.c src/sip/sdp.c src/base/base.c -o /tmp/fuzz_sip
 * Run:   /tmp/fuzz_sip -max_total_time=60 /tmp/fuzz_sip_corpus ../shared/corpus/rfc4475
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/sip.h"

/* The input is copied to a heap block of exactly its size, so ASan sees a
 * read one byte past the end (libFuzzer's own buffer may be larger). */
static const char *lo, *hi;

static void in_input(sw_str s)
{
    if (s.len && (s.p < lo || s.p + s.len > hi))
        __builtin_trap();
}

static size_t helpers_on(sw_str v)
{
    size_t sum = 0;
    sw_sip_uri u;
    sw_sip_nameaddr na;
    sw_sip_via via;
    sw_sip_auth a;
    uint32_t num;
    sw_str meth, val, item, cur = v;
    int guard = 0;
    while (sw_sip_list_next(&cur, &item)) {
        if (++guard > 100000 || item.len == 0)
            __builtin_trap(); /* list_next must progress and skip empties */
        in_input(item);
        sw_sip_nameaddr_parse(item, &na);
        in_input(na.display);
        in_input(na.uri);
        in_input(na.params);
        in_input(na.tag);
        sw_sip_uri_parse(na.uri, &u);
        in_input(u.scheme);
        in_input(u.user);
        in_input(u.password);
        in_input(u.host);
        in_input(u.params);
        in_input(u.headers);
        sum += sw_sip_param_get(na.params, "tag", &val) ? val.len : 0;
        sum += sw_sip_param_get(u.params, "transport", &val) ? val.len : 0;
        sw_sip_via_parse(item, &via);
        in_input(via.protocol);
        in_input(via.transport);
        in_input(via.host);
        in_input(via.params);
        in_input(via.branch);
        in_input(via.received);
        sum += via.port + via.rport + na.tag.len;
    }
    sw_sip_cseq_parse(v, &num, &meth);
    in_input(meth);
    sw_sip_auth_parse(v, &a);
    in_input(a.scheme);
    in_input(a.realm);
    in_input(a.nonce);
    in_input(a.username);
    in_input(a.uri);
    in_input(a.response);
    in_input(a.algorithm);
    in_input(a.qop);
    in_input(a.opaque);
    in_input(a.cnonce);
    in_input(a.nc);
    sw_sip_uri_parse(v, &u);
    in_input(u.host);
    sum += sw_sip_param_get(v, "branch", &val) ? val.len : 0;
    return sum + num + a.stale;
}

static void check_msg(const sw_sip_msg *m, int64_t r, size_t size)
{
    if (r < 0)
        return;
    if ((size_t)r > size || m->len != (size_t)r || m->malformed_off > size ||
        m->nhdrs > m->hdr_cap)
        __builtin_trap();
    if ((m->flags & SW_SIPF_MALFORMED) != (m->malformed != NULL))
        __builtin_trap();
    in_input(m->method);
    in_input(m->ruri);
    in_input(m->version);
    in_input(m->reason);
    in_input(m->call_id);
    in_input(m->cseq_method);
    in_input(m->body);
    if (m->body.p && m->body.p + m->body.len > m->buf + m->len)
        __builtin_trap();
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

    sw_sip_msg m;
    sw_sip_header h[64];
    int64_t r = sw_sip_parse(&m, buf, size, h, 64);
    check_msg(&m, r, size);
    volatile size_t sum = 0;
    if (r >= 0) {
        for (size_t i = 0; i < m.nhdrs; i++) {
            in_input(h[i].name);
            in_input(h[i].value);
            sum += helpers_on(h[i].value);
            if (sw_sip_hdr_lookup(h[i].name) != h[i].type)
                __builtin_trap();
            const sw_sip_header *f = sw_sip_hdr_find(&m, h[i].name);
            if (!f)
                __builtin_trap();
            sum += sw_sip_hdr_next(&m, (sw_hdr_type)h[i].type, &h[i]) != NULL;
        }
        sw_sip_uri u;
        sum += (size_t)sw_sip_uri_parse(m.ruri, &u);
        in_input(u.host);
        sw_str sdp;
        if (sw_sip_find_sdp(&m, &sdp)) {
            in_input(sdp);
            sw_sdp s;
            sw_sdp_media media[4];
            sw_sdp_parse(sdp, &s, media, 4);
            for (size_t i = 0; i < s.nmedia && i < 4; i++) {
                in_input(media[i].fmts);
                in_input(media[i].conn_addr);
                in_input(media[i].rtcp_addr);
                for (int k = 0; k < media[i].nrtpmap; k++) {
                    in_input(media[i].rtpmap[k].encoding);
                    in_input(media[i].rtpmap[k].fmtp);
                }
            }
        }
    }

    sw_sip_header one[1];
    r = sw_sip_parse(&m, buf, size, one, 1);
    check_msg(&m, r, size);

    size_t ml;
    bool ka, big;
    int fr = sw_sip_frame(buf, size, 4096, &ml, &ka, &big);
    if (fr > 0 && (ml > size || ml == 0 || (!ka && ml > 4096)))
        __builtin_trap();
    if (fr > 0 && !ka) {
        /* A framed message parses to exactly its framed length or less
         * (less only when its own Content-Length is unreadable). */
        int64_t pr = sw_sip_parse(&m, buf, ml, h, 64);
        if (pr < 0)
            __builtin_trap();
    }
    sum += (size_t)sw_sip_looks_like(buf, size);
    (void)sum;
    free(buf);
    return 0;
}
