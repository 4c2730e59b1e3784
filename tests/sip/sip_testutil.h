/*
 * Shared helpers for the sip tests (header-only, included by each test_*.c):
 *   - guard pages: copy an input so its last byte sits right before a
 *     PROT_NONE page, so a one-byte over-read crashes the test;
 *   - the RFC 4475 corpus: located through $SW_SHARED (default "../shared"
 *     relative to the repo root, where the tests run), loaded whole;
 *   - a few realistic messages (INVITE with SDP, 200 OK, 401 over IPv6,
 *     compact-form BYE with bare LF line ends);
 *   - exercise(): every on-demand helper on every header of a parsed
 *     message, for the truncated-prefix and fuzz-regression tests.
 */
#ifndef SW_SIP_TESTUTIL_H
#define SW_SIP_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#endif

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/sip/sip.h"

/* ---- guard pages --------------------------------------------------------- */

#define GUARD_MAX (256u * 1024u)

static char *guard_base;
static size_t guard_span;

/* Returns a copy of src[0..n) whose byte n would be the first byte of a
 * PROT_NONE page. The previous copy is overwritten. */
static inline const char *guard_copy(const void *src, size_t n)
{
    if (!guard_base) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        guard_span = (GUARD_MAX + page - 1) / page * page;
        void *p = mmap(NULL, guard_span + page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(p != MAP_FAILED);
        assert_int_equal(mprotect((char *)p + guard_span, page, PROT_NONE), 0);
        guard_base = p;
    }
    assert_true(n <= guard_span);
    char *dst = guard_base + guard_span - n;
    if (n)
        memcpy(dst, src, n);
    return dst;
}

/* ---- corpus ---------------------------------------------------------------- */

static inline void corpus_dir(char *out, size_t cap)
{
    const char *shared = getenv("SW_SHARED");
    if (!shared || !*shared)
        shared = "../shared";
    if ((size_t)snprintf(out, cap, "%s/corpus/rfc4475", shared) >= cap)
        fail_msg("SW_SHARED path too long: %s", shared);
}

/* Loads a whole corpus file; fails the test loudly when it is missing. */
static inline char *corpus_load(const char *name, size_t *len)
{
    char dir[1024], path[1200];
    corpus_dir(dir, sizeof dir);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        fail_msg("path too long: %s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sip tests: cannot open %s: %s (set SW_SHARED to the shared folder)\n",
                path, strerror(errno));
        fail_msg("RFC 4475 corpus missing: %s", path);
    }
    char *buf = malloc(GUARD_MAX);
    assert_non_null(buf);
    *len = fread(buf, 1, GUARD_MAX, f);
    fclose(f);
    return buf;
}

/* Names of every *.dat file in the corpus (sorted); returns the count. */
static inline int corpus_list(char names[][64], int cap)
{
    char dir[1024];
    corpus_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "sip tests: cannot open %s: %s (set SW_SHARED)\n", dir, strerror(errno));
        fail_msg("RFC 4475 corpus missing: %s", dir);
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 4 && l < 64 && strcmp(de->d_name + l - 4, ".dat") == 0 && n < cap)
            memcpy(names[n++], de->d_name, l + 1);
    }
    closedir(d);
    for (int i = 1; i < n; i++) /* insertion sort: small list, stable order */
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], 64);
            memcpy(names[j], names[j - 1], 64);
            memcpy(names[j - 1], t, 64);
        }
    return n;
}

/* ---- realistic messages -------------------------------------------------- */

static const char MSG_INVITE[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n"
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY\r\n"
    "Supported: replaces, timer\r\n"
    "User-Agent: ExamplePhone/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 241\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=sendrecv\r\n";

static const char MSG_200[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport=5060;"
    "received=192.0.2.101\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.201:5060>\r\n"
    "Record-Route: <sip:proxy.biloxi.example.com;lr>\r\n"
    "Server: ExampleServer/2.1\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 240\r\n"
    "\r\n"
    "v=0\r\n"
    "o=bob 2808844564 2808844564 IN IP4 biloxi.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.201\r\n"
    "t=0 0\r\n"
    "m=audio 3456 RTP/AVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=rtcp:3457 IN IP4 192.0.2.201\r\n"
    "a=sendrecv\r\n";

static const char MSG_401[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/TCP [2001:db8::10]:5060;branch=z9hG4bKnashds7;received=2001:db8::10\r\n"
    "From: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
    "To: Bob <sips:bob@biloxi.example.com>;tag=1410948204\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"atlanta.example.com\", qop=\"auth,auth-int\",\r\n"
    " nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", stale=FALSE, algorithm=MD5\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char MSG_BYE_LF[] =
    "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\n"
    "v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\n"
    "Max-Forwards: 70\n"
    "f: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
    "t: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
    "i: a84b4c76e66710@pc33.atlanta.example.com\n"
    "CSeq: 231 BYE\n"
    "l: 0\n"
    "\n";

/* ---- assertions on slices ------------------------------------------------ */

#define assert_str(s, lit)                                                                         \
    do {                                                                                           \
        sw_str s_ = (s);                                                                           \
        const char *l_ = (lit);                                                                    \
        if (!(s_.len == strlen(l_) && (s_.len == 0 || memcmp(s_.p, l_, s_.len) == 0)))             \
            fail_msg("%s:%d: got \"%.*s\", want \"%s\"", __FILE__, __LINE__, (int)s_.len,          \
                     s_.p ? s_.p : "", l_);                                                        \
    } while (0)

#define assert_contains(text, needle)                                                              \
    do {                                                                                           \
        const char *t_ = (text);                                                                   \
        if (!t_ || !strstr(t_, (needle)))                                                          \
            fail_msg("%s:%d: \"%s\" does not contain \"%s\"", __FILE__, __LINE__,                 \
                     t_ ? t_ : "(null)", (needle));                                                \
    } while (0)

/* A slice lies inside [b, b+n) (or is empty). */
static inline int slice_in(sw_str s, const char *b, size_t n)
{
    if (s.len == 0)
        return 1;
    return s.p >= b && s.p + s.len <= b + n;
}

/* ---- exercise every helper ---------------------------------------------- */

/* Runs every on-demand helper over every header and the body. Returns a
 * checksum so the compiler cannot drop the calls. Every returned slice must
 * lie inside the message (checked). */
static inline size_t exercise(const sw_sip_msg *m, const char *b, size_t n)
{
    size_t sum = 0;
    sw_sip_uri u;
    sw_sip_nameaddr na;
    sw_sip_via v;
    sw_sip_auth a;
    uint32_t num;
    sw_str meth, val, item;
    if (m->ruri.len) {
        sum += (size_t)sw_sip_uri_parse(m->ruri, &u) + u.host.len + u.user.len + u.port;
        assert_true(slice_in(u.host, b, n) && slice_in(u.user, b, n) && slice_in(u.params, b, n));
    }
    for (size_t i = 0; i < m->nhdrs; i++) {
        const sw_sip_header *h = &m->hdrs[i];
        assert_true(slice_in(h->name, b, n) && slice_in(h->value, b, n));
        sw_str cur = h->value;
        int items = 0;
        while (sw_sip_list_next(&cur, &item) && items++ < 10000) {
            assert_true(slice_in(item, b, n));
            sum += item.len;
            if (sw_sip_nameaddr_parse(item, &na) == 0 || na.uri.len) {
                assert_true(slice_in(na.uri, b, n) && slice_in(na.display, b, n) &&
                            slice_in(na.params, b, n) && slice_in(na.tag, b, n));
                sum += (size_t)sw_sip_uri_parse(na.uri, &u) + u.host.len;
                assert_true(slice_in(u.host, b, n) && slice_in(u.headers, b, n));
                sum += sw_sip_param_get(na.params, "tag", &val) ? val.len : 0;
                sum += sw_sip_param_get(u.params, "transport", &val) ? val.len : 0;
            }
            sum += (size_t)sw_sip_via_parse(item, &v) + v.branch.len + v.host.len + v.port;
            assert_true(slice_in(v.branch, b, n) && slice_in(v.received, b, n) &&
                        slice_in(v.params, b, n) && slice_in(v.protocol, b, n));
            sum += sw_sip_param_get(item, "branch", &val) ? val.len : 0;
        }
        sum += (size_t)sw_sip_nameaddr_parse(h->value, &na) + na.tag.len;
        sum += (size_t)sw_sip_via_parse(h->value, &v) + v.rport;
        sum += (size_t)sw_sip_cseq_parse(h->value, &num, &meth) + num + meth.len;
        sum += (size_t)sw_sip_auth_parse(h->value, &a) + a.realm.len + a.nonce.len + a.stale;
        assert_true(slice_in(a.realm, b, n) && slice_in(a.nonce, b, n) && slice_in(a.qop, b, n));
        sum += (size_t)sw_sip_uri_parse(h->value, &u) + u.port;
        sum += sw_sip_param_get(h->value, "expires", &val) ? val.len : 0;
        sum += sw_sip_hdr_lookup(h->name);
        sum += sw_sip_hdr_find(m, h->name) != NULL;
        sum += sw_sip_hdr_next(m, (sw_hdr_type)h->type, h) != NULL;
    }
    sw_str sdp;
    if (sw_sip_find_sdp(m, &sdp)) {
        assert_true(slice_in(sdp, b, n));
        sw_sdp s;
        sw_sdp_media media[4];
        sum += (size_t)sw_sdp_parse(sdp, &s, media, 4) + s.nmedia;
        for (size_t i = 0; i < s.nmedia && i < 4; i++) {
            assert_true(slice_in(media[i].fmts, b, n) && slice_in(media[i].conn_addr, b, n));
            for (int k = 0; k < media[i].nrtpmap; k++)
                assert_true(slice_in(media[i].rtpmap[k].encoding, b, n) &&
                            slice_in(media[i].rtpmap[k].fmtp, b, n));
        }
    }
    if (m->body.len) {
        sw_sdp s;
        sw_sdp_media media[2];
        sum += (size_t)sw_sdp_parse(m->body, &s, media, 2);
    }
    return sum;
}

#endif
