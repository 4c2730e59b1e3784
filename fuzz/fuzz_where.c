/*
 * libFuzzer target for the where-expression compiler (src/query): the input
 * is an expression. It is compiled; a failure must come with a sane error
 * (offset inside the input, a column, a one-line message) that formats
 * without trouble; a success is dumped, and evaluated against a few fixed
 * messages (a request with SDP over IPv4, a response over IPv6, an empty
 * context), which runs every field getter, operator and regular expression
 * the input manages to produce.
 *
 * Beyond memory errors (ASan) and UB (UBSan) it traps on broken contracts:
 * an error offset or token past the input, a column that does not fit the
 * offset, an empty message or one with a line break, a failing dump.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_where.c \
 *            src/query/lex.c src/query/parse.c src/query/fields.c src/query/eval.c \
 *            src/base/base.c src/sip/sip.c src/sip/sdp.c src/trace/trace.c \
 *            src/correlate/correlate.c src/decode/decode.c src/capture/capture.c \
 *            -lpcre2-8 -lpcap -lz -o /tmp/fuzz_where
 * Run:   /tmp/fuzz_where -max_total_time=180 /tmp/fuzz_where_corpus
 * Seeds: the man page's examples (sipwhy(1), WHERE EXPRESSIONS) and the
 * expressions of tests/query/test_query.c; a dictionary of the field names
 * and keywords (sw_query_field_names(), and, or, not, like, ilike,
 * contains, in) helps it reach deep paths quickly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "query/query.h"

static const char req_text[] = "INVITE sip:+15551234@10.0.0.2 SIP/2.0\r\n"
                               "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
                               "v: SIP/2.0/TCP 10.9.9.9;branch=z9hG4bK2\r\n"
                               "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
                               "To: <tel:+15551234>\r\n"
                               "Call-ID: c1@x\r\nCSeq: 1 INVITE\r\nUser-Agent: UA/1\r\n"
                               "X-Num: 42\r\nContent-Type: application/sdp\r\n"
                               "Content-Length: 94\r\n\r\n"
                               "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                               "m=audio 4000 RTP/AVP 0 8 101\r\n";
static const char resp_text[] = "SIP/2.0 486 Busy Here\r\n"
                                "Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1\r\n"
                                "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\n"
                                "Call-ID: c2\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static void eval_all(sw_query *q)
{
    static sw_sip_header h1[32], h2[32];
    static sw_sip_msg req, resp;
    static sw_endpoint e4a, e4b, e6a, e6b;
    static bool init;
    if (!init) {
        init = true;
        check(sw_sip_parse(&req, req_text, sizeof req_text - 1, h1, 32) > 0);
        check(sw_sip_parse(&resp, resp_text, sizeof resp_text - 1, h2, 32) > 0);
        e4a.addr.family = e4b.addr.family = 4;
        e4a.addr.a[0] = e4b.addr.a[0] = 10;
        e4a.addr.a[3] = 1;
        e4b.addr.a[3] = 2;
        e4a.port = e4b.port = 5060;
        e6a.addr.family = e6b.addr.family = 6;
        e6a.addr.a[0] = e6b.addr.a[0] = 0x20;
        e6a.addr.a[15] = 1;
        e6b.addr.a[15] = 2;
        e6b.port = 5062;
    }
    sw_msg m = {0};
    m.ts_ns = 1700000000LL * 1000000000LL + 123456789;
    m.transport = 1;
    m.frame = 3;
    sw_query_ctx ctx;
    sw_query_ctx_init(&ctx);
    ctx.number = 1;
    ctx.msg = &m;
    ctx.sip = &req;
    ctx.src = &e4a;
    ctx.dst = &e4b;
    sw_query_match_msg(q, &ctx);
    ctx.number = 2;
    ctx.sip = &resp;
    ctx.src = &e6a;
    ctx.dst = &e6b;
    m.sflags = 1;
    sw_query_match_msg(q, &ctx);
    sw_query_ctx_init(&ctx);
    sw_query_match_msg(q, &ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan sees a read one byte past the end */
    char *e = malloc(size ? size : 1);
    if (!e)
        return 0;
    memcpy(e, data, size);
    sw_query_error err;
    sw_query *q = sw_query_compile(e, size, &err);
    if (!q) {
        check(err.msg[0] != '\0');
        check(!strchr(err.msg, '\n') && !strchr(err.hint, '\n'));
        if (strcmp(err.msg, "out of memory")) {
            check(err.off <= size || size > SW_QUERY_MAX_LEN);
            check(size > SW_QUERY_MAX_LEN || err.off + err.len <= size);
            check(err.col >= 1 && err.col <= err.off + 1);
        }
        sw_buf b;
        sw_buf_init(&b);
        check(sw_query_error_format(&err, e, size, &b) == 0);
        sw_buf_fini(&b);
        free(e);
        return 0;
    }
    sw_buf d;
    sw_buf_init(&d);
    check(sw_query_dump(q, &d) == 0 && d.len > 0);
    sw_buf_fini(&d);
    eval_all(q);
    sw_query_free(q);
    free(e);
    return 0;
}
