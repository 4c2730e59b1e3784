/*
 * Unit tests for the SIP parser (sw_sip_parse), framing, the quick test and
 * every on-demand header helper. Table-driven: each table row is one input
 * and the values it must produce. The RFC 4475 corpus and the guard-page
 * truncation tests are in test_rfc4475.c; SDP in test_sdp.c.
 */
#include "sip_testutil.h"

/* The headers every well-formed test request carries. */
#define REQ_HDRS                                                                                   \
    "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1\r\n"                                          \
    "From: <sip:a@example.com>;tag=1\r\n"                                                          \
    "To: <sip:b@example.com>\r\n"                                                                  \
    "Call-ID: c1@example.com\r\n"
#define OPT "OPTIONS sip:b@example.com SIP/2.0\r\n"
#define OK200 "SIP/2.0 200 OK\r\n"
#define CSEQ_OPT "CSeq: 1 OPTIONS\r\n"
#define CL0 "Content-Length: 0\r\n"
#define GOOD_OPT OPT REQ_HDRS CSEQ_OPT CL0 "\r\n"

enum { FULL = -100 }; /* expected return: the whole input */

struct parse_case {
    const char *name;
    const char *in;
    int64_t ret;         /* FULL, SW_SIP_NOT_SIP or a byte count */
    int is_request;      /* -1: do not check */
    int status;          /* checked for responses */
    const char *fault;   /* substring of `malformed`, NULL = well-formed */
    uint32_t flags_set;  /* these flags must be set */
    uint32_t flags_clr;  /* these must be clear */
};

static const struct parse_case parse_cases[] = {
    {"good request", GOOD_OPT, FULL, 1, 0, NULL, 0,
     SW_SIPF_MALFORMED | SW_SIPF_BARE_LF | SW_SIPF_TRUNCATED | SW_SIPF_TRAILING | SW_SIPF_NO_CLEN},
    {"good response", OK200 REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200, NULL, 0, SW_SIPF_MALFORMED},
    {"empty reason", "SIP/2.0 100 \r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 100, NULL, 0,
     SW_SIPF_MALFORMED},
    {"no SP after code", "SIP/2.0 100\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 100,
     "missing SP after status code", SW_SIPF_MALFORMED, 0},
    {"code too small", "SIP/2.0 099 Low\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 99,
     "status code out of range", SW_SIPF_MALFORMED, 0},
    {"code too big", "SIP/2.0 700 High\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 700,
     "status code out of range", 0, 0},
    {"4-digit code", "SIP/2.0 1000 X\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 1000,
     "status code out of range", 0, 0},
    {"code not digits", "SIP/2.0 abc X\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, -1,
     "malformed status code", 0, 0},
    {"code glued to reason", "SIP/2.0 200OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "malformed status code", 0, 0},
    {"missing code", "SIP/2.0\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, -1,
     "missing status code", 0, 0},
    {"two SP in status line", "SIP/2.0  200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "several SP in Status-Line", 0, 0},
    {"response version 3.0", "SIP/3.0 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "unknown SIP version SIP/3.0", 0, 0},
    {"request version 2.1", "OPTIONS sip:b@example.com SIP/2.1\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "unknown SIP version SIP/2.1", 0, 0},
    {"two-digit version", "SIP/10.0 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "unknown SIP version", 0, 0},
    {"version without minor", "SIP/2. 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "malformed SIP version", 0, 0},
    {"version 2.00", "SIP/2.00 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "unknown SIP version", 0, 0},
    {"garbled version", "SIP/2.0a 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0, 200,
     "malformed SIP version", 0, 0},
    {"lowercase version accepted", "sip/2.0 200 OK\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 0,
     200, NULL, 0, 0},
    {"no Request-URI", "OPTIONS SIP/2.0\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "missing Request-URI", 0, 0},
    {"URI without scheme", "OPTIONS b@example.com SIP/2.0\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL,
     1, 0, "Request-URI has no scheme", 0, 0},
    {"tab in request line", "OPTIONS sip:b@example.com\tx SIP/2.0\r\n" REQ_HDRS CSEQ_OPT CL0
                            "\r\n",
     FULL, 1, 0, "whitespace inside Request-URI", 0, 0},
    {"HTTP response", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", SW_SIP_NOT_SIP, -1, 0, NULL,
     0, 0},
    {"HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"binary", "\x80\x00\x12\x34\x00\x00\x00\x01", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"keep-alive", "\r\n\r\n", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"method only", "INVITE\r\n", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"leading space", " OPTIONS sip:a@b SIP/2.0\r\n", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"method then tab", "OPTIONS\tsip:a@b SIP/2.0\r\n", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"empty", "", SW_SIP_NOT_SIP, -1, 0, NULL, 0, 0},
    {"bare LF everywhere",
     "OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: "
     "<sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: c1\nCSeq: 1 OPTIONS\n"
     "Content-Length: 2\n\nab",
     FULL, 1, 0, NULL, SW_SIPF_BARE_LF, SW_SIPF_MALFORMED},
    {"mixed CRLF and LF", OPT REQ_HDRS "CSeq: 1 OPTIONS\n" CL0 "\r\n", FULL, 1, 0, NULL,
     SW_SIPF_BARE_LF, SW_SIPF_MALFORMED},
    {"folded header", OPT REQ_HDRS "Subject: one\r\n two\r\n\tthree\r\n" CSEQ_OPT CL0 "\r\n", FULL,
     1, 0, NULL, 0, SW_SIPF_MALFORMED},
    {"no blank line", OPT REQ_HDRS CSEQ_OPT CL0, FULL, 1, 0, "message ends inside the headers",
     SW_SIPF_TRUNCATED, 0},
    {"cut between CR and LF of blank line", OPT REQ_HDRS CSEQ_OPT CL0 "\r", FULL, 1, 0,
     "message ends inside the headers", SW_SIPF_TRUNCATED, 0},
    {"start line only", "OPTIONS sip:b@example.com SIP/2.0", FULL, 1, 0,
     "message ends inside the start line", SW_SIPF_TRUNCATED, 0},
    {"Content-Length too big", OPT REQ_HDRS CSEQ_OPT "Content-Length: 10\r\n\r\nabc", FULL, 1, 0,
     "Content-Length larger than the message", SW_SIPF_TRUNCATED | SW_SIPF_MALFORMED, 0},
    {"trailing bytes", OPT REQ_HDRS CSEQ_OPT "Content-Length: 3\r\n\r\nabcJUNK",
     (int64_t)sizeof(OPT REQ_HDRS CSEQ_OPT "Content-Length: 3\r\n\r\nabc") - 1, 1, 0, NULL,
     SW_SIPF_TRAILING, SW_SIPF_MALFORMED},
    {"no Content-Length", OPT REQ_HDRS CSEQ_OPT "\r\nbody", FULL, 1, 0, NULL, SW_SIPF_NO_CLEN,
     SW_SIPF_MALFORMED},
    {"compact l", OPT REQ_HDRS CSEQ_OPT "l: 2\r\n\r\nabc",
     (int64_t)sizeof(OPT REQ_HDRS CSEQ_OPT "l: 2\r\n\r\nabc") - 2, 1, 0, NULL, SW_SIPF_TRAILING,
     SW_SIPF_NO_CLEN},
    {"Content-Length not a number", OPT REQ_HDRS CSEQ_OPT "Content-Length: 1x\r\n\r\n", FULL, 1, 0,
     "Content-Length is not a number", 0, SW_SIPF_NO_CLEN},
    {"Content-Length overflow",
     OPT REQ_HDRS CSEQ_OPT "Content-Length: 99999999999999999999\r\n\r\n",
     FULL, 1, 0, "Content-Length out of range", 0, 0},
    {"negative Content-Length", OPT REQ_HDRS CSEQ_OPT "Content-Length: -1\r\n\r\n", FULL, 1, 0,
     "negative Content-Length", 0, 0},
    {"two Content-Length", OPT REQ_HDRS CSEQ_OPT CL0 CL0 "\r\n", FULL, 1, 0,
     "several Content-Length headers", 0, 0},
    {"header without colon", OPT REQ_HDRS "Bogus line\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "header line without ':'", 0, 0},
    {"bad header name", OPT REQ_HDRS "Bo gus: x\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "invalid character in header name", 0, 0},
    {"bad first char of name", OPT REQ_HDRS "@Foo: x\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "invalid character in header name", 0, 0},
    {"continuation after start line", OPT " folded\r\n" REQ_HDRS CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "continuation line after the start line", 0, 0},
    {"Max-Forwards 256", OPT REQ_HDRS CSEQ_OPT "Max-Forwards: 256\r\n" CL0 "\r\n", FULL, 1, 0,
     "Max-Forwards out of range", 0, 0},
    {"Max-Forwards 0068", OPT REQ_HDRS CSEQ_OPT "Max-Forwards: 0068\r\n" CL0 "\r\n", FULL, 1, 0,
     NULL, 0, 0},
    {"Max-Forwards text", OPT REQ_HDRS CSEQ_OPT "Max-Forwards: x\r\n" CL0 "\r\n", FULL, 1, 0,
     "Max-Forwards is not a number", 0, 0},
    {"empty Call-ID", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: "
                          "<sip:b@c>\r\nCall-ID: \r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "empty Call-ID", 0, 0},
    {"space in Call-ID", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: "
                             "<sip:b@c>\r\nCall-ID: a b\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "invalid character in Call-ID", 0, 0},
    {"CSeq without method", OPT REQ_HDRS "CSeq: 1\r\n" CL0 "\r\n", FULL, 1, 0, "CSeq has no method",
     0, 0},
    {"CSeq without number", OPT REQ_HDRS "CSeq: OPTIONS\r\n" CL0 "\r\n", FULL, 1, 0,
     "CSeq has no sequence number", 0, 0},
    {"CSeq junk", OPT REQ_HDRS "CSeq: 1 OPTIONS x\r\n" CL0 "\r\n", FULL, 1, 0, "malformed CSeq", 0,
     0},
    {"CSeq 2^31", OPT REQ_HDRS "CSeq: 2147483648 OPTIONS\r\n" CL0 "\r\n", FULL, 1, 0,
     "CSeq number out of range", 0, 0},
    {"CSeq method mismatch", OPT REQ_HDRS "CSeq: 1 INVITE\r\n" CL0 "\r\n", FULL, 1, 0,
     "CSeq method does not match request method", 0, 0},
    {"CSeq method case differs", OPT REQ_HDRS "CSeq: 1 options\r\n" CL0 "\r\n", FULL, 1, 0,
     "CSeq method does not match request method", 0, 0},
    {"response CSeq any method", OK200 REQ_HDRS "CSeq: 1 INVITE\r\n" CL0 "\r\n", FULL, 0, 200,
     NULL, 0, 0},
    {"missing Via", OPT "From: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0
                        "\r\n",
     FULL, 1, 0, "missing Via", 0, 0},
    {"missing everything", OPT "\r\n", FULL, 1, 0, "missing To, From, Call-ID, CSeq",
     SW_SIPF_NO_CLEN, 0},
    {"missing CSeq only", OPT REQ_HDRS CL0 "\r\n", FULL, 1, 0, "missing CSeq", 0, 0},
    {"two From", OPT REQ_HDRS "From: <sip:x@y>\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "several From headers", 0, 0},
    {"two To", OPT REQ_HDRS "t: <sip:x@y>\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "several To headers", 0, 0},
    {"two Call-ID", OPT REQ_HDRS "i: other\r\n" CSEQ_OPT CL0 "\r\n", FULL, 1, 0,
     "several Call-ID headers", 0, 0},
    {"two Max-Forwards", OPT REQ_HDRS CSEQ_OPT "Max-Forwards: 1\r\nMax-Forwards: 2\r\n" CL0 "\r\n",
     FULL, 1, 0, "several Max-Forwards headers", 0, 0},
    {"two Content-Type", OPT REQ_HDRS CSEQ_OPT "c: text/plain\r\nc: text/plain\r\n" CL0 "\r\n",
     FULL, 1, 0, "several Content-Type headers", 0, 0},
    {"good Date", OPT REQ_HDRS CSEQ_OPT "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n" CL0 "\r\n", FULL,
     1, 0, NULL, 0, 0},
    {"Date not GMT", OPT REQ_HDRS CSEQ_OPT "Date: Sat, 13 Nov 2010 23:29:00 PST\r\n" CL0 "\r\n",
     FULL, 1, 0, "time zone in Date is not GMT", 0, 0},
    {"Date garbled", OPT REQ_HDRS CSEQ_OPT "Date: yesterday\r\n" CL0 "\r\n", FULL, 1, 0,
     "malformed Date", 0, 0},
    {"Warning ok", OPT REQ_HDRS CSEQ_OPT "Warning: 399 h \"x\"\r\n" CL0 "\r\n", FULL, 1, 0, NULL,
     0, 0},
    {"Warning code", OPT REQ_HDRS CSEQ_OPT "Warning: 39 h \"x\"\r\n" CL0 "\r\n", FULL, 1, 0,
     "Warning code is not 3 digits", 0, 0},
    {"Expires max", OPT REQ_HDRS CSEQ_OPT "Expires: 4294967295\r\n" CL0 "\r\n", FULL, 1, 0, NULL,
     0, 0},
    {"Expires 2^32", OPT REQ_HDRS CSEQ_OPT "Expires: 4294967296\r\n" CL0 "\r\n", FULL, 1, 0,
     "Expires out of range", 0, 0},
    {"Retry-After huge", OK200 REQ_HDRS CSEQ_OPT "Retry-After: 99999999999 (later)\r\n" CL0 "\r\n",
     FULL, 0, 200, "Retry-After out of range", 0, 0},
    {"Contact star", OPT REQ_HDRS CSEQ_OPT "Contact: *\r\n" CL0 "\r\n", FULL, 1, 0, NULL, 0, 0},
    {"Contact list", OPT REQ_HDRS CSEQ_OPT "m: <sip:a@b>;q=0.5, \"X\" <sip:c@d>;expires=60\r\n" CL0
                                          "\r\n",
     FULL, 1, 0, NULL, 0, 0},
    {"Contact expires 2^32", OPT REQ_HDRS CSEQ_OPT "m: <sip:a@b>;expires=4294967296\r\n" CL0
                                                  "\r\n",
     FULL, 1, 0, "expires parameter out of range in Contact", 0, 0},
    {"Contact missing >", OPT REQ_HDRS CSEQ_OPT "Contact: <sip:a@b\r\n" CL0 "\r\n", FULL, 1, 0,
     "missing '>' in Contact", 0, 0},
    {"Contact text after >", OPT REQ_HDRS CSEQ_OPT "Contact: <sip:a@b> x\r\n" CL0 "\r\n", FULL, 1,
     0, "unexpected text after '>' in Contact", 0, 0},
    {"Contact no scheme", OPT REQ_HDRS CSEQ_OPT "Contact: <a@b>\r\n" CL0 "\r\n", FULL, 1, 0,
     "URI without scheme in Contact", 0, 0},
    {"Contact empty item", OPT REQ_HDRS CSEQ_OPT "Contact: <sip:a@b>,,<sip:c@d>\r\n" CL0 "\r\n",
     FULL, 1, 0, "empty Contact", 0, 0},
    {"Route bad param", OPT REQ_HDRS CSEQ_OPT "Route: <sip:p;lr>;x=a b\r\n" CL0 "\r\n", FULL, 1, 0,
     "malformed parameter in Route", 0, 0},
    {"Record-Route ok", OK200 REQ_HDRS CSEQ_OPT "Record-Route: <sip:p1;lr>, <sip:p2;lr>\r\n" CL0
                                                "\r\n",
     FULL, 0, 200, NULL, 0, 0},
    {"quoted display without <", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: \"A\" "
                                     "sip:a@b\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0
                                     "\r\n",
     FULL, 1, 0, "display name not followed by <URI> in From", 0, 0},
    {"empty From", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom:\r\nTo: <sip:b@c>\r\nCall-ID: "
                       "x\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "empty From", 0, 0},
    {"addr-spec with space", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: sip:a@b c;tag=1\r\n"
                                 "To: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "whitespace inside URI in From", 0, 0},
    {"Via port", OPT "Via: SIP/2.0/UDP h:70000;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: "
                     "<sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "port out of range in Via", 0, 0},
    {"Via no host", OPT "Via: SIP/2.0/UDP\r\nFrom: <sip:a@b>;tag=1\r\nTo: "
                        "<sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "missing or malformed host in Via", 0, 0},
    {"Via protocol", OPT "Via: SIP/2.0 h\r\nFrom: <sip:a@b>;tag=1\r\nTo: "
                         "<sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0 "\r\n",
     FULL, 1, 0, "malformed sent-protocol in Via", 0, 0},
    {"Via second value empty", OPT "Via: SIP/2.0/UDP h;branch=z9hG4bK1,\r\nFrom: "
                                   "<sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT
                                       CL0 "\r\n",
     FULL, 1, 0, "empty value in Via", 0, 0},
    {"Via IPv6 and rport", OPT "Via: SIP/2.0/TCP [2001:db8::1]:5060;rport;branch=z9hG4bK1\r\nFrom: "
                               "<sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0
                               "\r\n",
     FULL, 1, 0, NULL, 0, 0},
    {"Via rport junk", OPT "Via: SIP/2.0/TCP h;rport=x;branch=z9hG4bK1\r\nFrom: "
                           "<sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0
                           "\r\n",
     FULL, 1, 0, "rport out of range in Via", 0, 0},
    {"Via text after host", OPT "Via: SIP/2.0/TCP h x;branch=z9hG4bK1\r\nFrom: "
                                "<sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n" CSEQ_OPT CL0
                                "\r\n",
     FULL, 1, 0, "unexpected text after sent-by in Via", 0, 0},
    {"unknown header values not checked", OPT REQ_HDRS CSEQ_OPT "X-Weird: ;;,,<<\"\r\n" CL0 "\r\n",
     FULL, 1, 0, NULL, 0, 0},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        sw_sip_msg m;
        sw_sip_header h[32];
        int64_t r = sw_sip_parse(&m, b, n, h, 32);
        int64_t want = c->ret == FULL ? (int64_t)n : c->ret;
        if (r != want)
            fail_msg("case '%s': returned %lld, want %lld", c->name, (long long)r, (long long)want);
        if (r < 0)
            continue;
        if (c->is_request >= 0 && m.is_request != (c->is_request == 1))
            fail_msg("case '%s': is_request %d", c->name, m.is_request);
        if (!m.is_request && m.status != c->status)
            fail_msg("case '%s': status %d, want %d", c->name, m.status, c->status);
        if (c->fault) {
            if (!m.malformed || !strstr(m.malformed, c->fault))
                fail_msg("case '%s': malformed \"%s\", want \"%s\"", c->name,
                         m.malformed ? m.malformed : "(null)", c->fault);
            if (!(m.flags & SW_SIPF_MALFORMED))
                fail_msg("case '%s': MALFORMED flag not set", c->name);
            if (m.malformed_off > n)
                fail_msg("case '%s': malformed_off %u past the end", c->name, m.malformed_off);
        } else if (m.malformed) {
            fail_msg("case '%s': unexpected fault \"%s\" at %u", c->name, m.malformed,
                     m.malformed_off);
        }
        if ((m.flags & c->flags_set) != c->flags_set)
            fail_msg("case '%s': flags %#x lack %#x", c->name, m.flags, c->flags_set);
        if (m.flags & c->flags_clr)
            fail_msg("case '%s': flags %#x have %#x", c->name, m.flags, m.flags & c->flags_clr);
        assert_int_equal(m.len, (size_t)r);
        assert_true(slice_in(m.body, b, n));
        exercise(&m, b, n);
    }
}

/* Field values of the first pass on a realistic INVITE. */
static void test_parse_invite_fields(void **state)
{
    (void)state;
    size_t n = sizeof MSG_INVITE - 1;
    const char *b = guard_copy(MSG_INVITE, n);
    sw_sip_msg m;
    sw_sip_header h[32];
    assert_int_equal(sw_sip_parse(&m, b, n, h, 32), (int64_t)n);
    assert_null(m.malformed);
    assert_int_equal(m.flags, 0);
    assert_true(m.is_request);
    assert_str(m.method, "INVITE");
    assert_str(m.ruri, "sip:bob@biloxi.example.com");
    assert_str(m.version, "SIP/2.0");
    assert_int_equal(m.nhdrs, 12);
    assert_int_equal(m.hdr_cap, 32);
    assert_ptr_equal(m.buf, b);
    assert_str(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
    assert_int_equal(m.cseq, 314159);
    assert_str(m.cseq_method, "INVITE");
    assert_int_equal(m.content_length, 241);
    assert_int_equal(m.body.len, 241);
    assert_memory_equal(m.body.p, "v=0\r\n", 5);
    assert_non_null(m.first[SW_HDR_VIA]);
    assert_str(m.first[SW_HDR_VIA]->name, "Via");
    assert_str(m.first[SW_HDR_VIA]->value,
               "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport");
    assert_int_equal(m.first[SW_HDR_VIA]->off, 43);
    assert_str(m.first[SW_HDR_TO]->value, "Bob <sip:bob@biloxi.example.com>");
    assert_str(m.first[SW_HDR_USER_AGENT]->value, "ExamplePhone/1.0");
    assert_int_equal(m.first[SW_HDR_ALLOW]->type, SW_HDR_ALLOW);
    assert_null(m.first[SW_HDR_RECORD_ROUTE]);
    assert_null(m.first[SW_HDR_OTHER]);
    for (size_t i = 0; i < m.nhdrs; i++)
        assert_int_not_equal(h[i].type, SW_HDR_OTHER);
}

static void test_parse_fold_and_lf(void **state)
{
    (void)state;
    static const char in[] = "OPTIONS sip:b@example.com SIP/2.0\n"
                             "Via: SIP/2.0/UDP h;branch=z9hG4bK1\n"
                             "From: <sip:a@example.com>;tag=1\n"
                             "To:\n <sip:b@example.com>\n"
                             "Call-ID: c1\n"
                             "Subject: one\r\n two\n\tthree  \n"
                             "CSeq: 1\n  OPTIONS\n"
                             "Content-Length: 0\n\n";
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_sip_msg m;
    sw_sip_header h[16];
    assert_int_equal(sw_sip_parse(&m, b, n, h, 16), (int64_t)n);
    assert_null(m.malformed);
    assert_true(m.flags & SW_SIPF_BARE_LF);
    assert_str(m.first[SW_HDR_TO]->value, "<sip:b@example.com>");
    assert_str(m.first[SW_HDR_SUBJECT]->value, "one\r\n two\n\tthree");
    assert_int_equal(m.cseq, 1);
    assert_str(m.cseq_method, "OPTIONS");
    assert_int_equal(m.nhdrs, 7);
}

static void test_parse_too_many_headers(void **state)
{
    (void)state;
    static const char in[] = GOOD_OPT;
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_sip_msg m;
    sw_sip_header h[3];
    assert_int_equal(sw_sip_parse(&m, b, n, h, 3), (int64_t)n);
    assert_int_equal(m.nhdrs, 3);
    assert_true(m.flags & SW_SIPF_TOO_MANY_HDRS);
    assert_true(m.flags & SW_SIPF_MALFORMED);
    assert_string_equal(m.malformed, "too many headers");
    /* Derived values still come from the headers that were not indexed. */
    assert_str(m.call_id, "c1@example.com");
    assert_int_equal(m.cseq, 1);
    assert_int_equal(m.content_length, 0);
    assert_null(m.first[SW_HDR_CSEQ]);
    assert_non_null(m.first[SW_HDR_TO]);
    /* cap 0 / NULL array: nothing indexed, nothing written. */
    assert_int_equal(sw_sip_parse(&m, b, n, NULL, 5), (int64_t)n);
    assert_int_equal(m.nhdrs, 0);
    assert_true(m.flags & SW_SIPF_TOO_MANY_HDRS);
}

/* NUL bytes are data (RFC 4475 intmeth has one in a quoted string). */
static void test_parse_nul_bytes(void **state)
{
    (void)state;
    static const char in[] =
        OPT REQ_HDRS CSEQ_OPT "X-Nul: a\0b\r\nSubject: \"\\\0\"\r\n" CL0 "\r\n";
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_sip_msg m;
    sw_sip_header h[16];
    assert_int_equal(sw_sip_parse(&m, b, n, h, 16), (int64_t)n);
    assert_null(m.malformed);
    const sw_sip_header *x = sw_sip_hdr_find(&m, SW_STR_LIT("x-nul"));
    assert_non_null(x);
    assert_int_equal(x->value.len, 3);
    assert_memory_equal(x->value.p, "a\0b", 3);
    assert_int_equal(m.first[SW_HDR_SUBJECT]->value.len, 4);
}

static void test_parse_resets_and_bad_args(void **state)
{
    (void)state;
    sw_sip_msg m;
    sw_sip_header h[4];
    memset(&m, 0x5a, sizeof m);
    assert_int_equal(sw_sip_parse(&m, NULL, 10, h, 4), SW_SIP_NOT_SIP);
    assert_null(m.malformed);
    assert_int_equal(m.nhdrs, 0);
    assert_int_equal(m.content_length, -1);
    assert_int_equal(m.flags, 0);
    assert_int_equal(sw_sip_parse(&m, "x", 0, h, 4), SW_SIP_NOT_SIP);
}

static void test_parse_offsets(void **state)
{
    (void)state;
    static const char in[] = OPT REQ_HDRS "CSeq: 1 INVITE\r\n" CL0 "\r\n";
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_sip_msg m;
    sw_sip_header h[16];
    sw_sip_parse(&m, b, n, h, 16);
    assert_string_equal(m.malformed, "CSeq method does not match request method");
    assert_memory_equal(b + m.malformed_off, "INVITE\r\n", 8);
    for (size_t i = 0; i < m.nhdrs; i++)
        assert_memory_equal(b + h[i].off, h[i].name.p, h[i].name.len);
}

/* ---- header names ------------------------------------------------------- */

static const struct {
    const char *name;
    sw_hdr_type t;
} lookup_cases[] = {
    {"Via", SW_HDR_VIA}, {"v", SW_HDR_VIA}, {"V", SW_HDR_VIA}, {"vIA", SW_HDR_VIA},
    {"From", SW_HDR_FROM}, {"f", SW_HDR_FROM}, {"To", SW_HDR_TO}, {"t", SW_HDR_TO},
    {"Call-ID", SW_HDR_CALL_ID}, {"i", SW_HDR_CALL_ID}, {"I", SW_HDR_CALL_ID},
    {"call-id", SW_HDR_CALL_ID}, {"CSeq", SW_HDR_CSEQ}, {"cseq", SW_HDR_CSEQ},
    {"Contact", SW_HDR_CONTACT}, {"m", SW_HDR_CONTACT}, {"Content-Type", SW_HDR_CONTENT_TYPE},
    {"c", SW_HDR_CONTENT_TYPE}, {"Content-Length", SW_HDR_CONTENT_LENGTH},
    {"l", SW_HDR_CONTENT_LENGTH}, {"L", SW_HDR_CONTENT_LENGTH},
    {"Content-Encoding", SW_HDR_CONTENT_ENCODING}, {"e", SW_HDR_CONTENT_ENCODING},
    {"k", SW_HDR_SUPPORTED}, {"s", SW_HDR_SUBJECT}, {"o", SW_HDR_EVENT}, {"r", SW_HDR_REFER_TO},
    {"b", SW_HDR_REFERRED_BY}, {"u", SW_HDR_ALLOW_EVENTS}, {"x", SW_HDR_SESSION_EXPIRES},
    {"y", SW_HDR_IDENTITY}, {"d", SW_HDR_REQUEST_DISPOSITION}, {"a", SW_HDR_ACCEPT_CONTACT},
    {"j", SW_HDR_REJECT_CONTACT}, {"MAX-FORWARDS", SW_HDR_MAX_FORWARDS},
    {"www-authenticate", SW_HDR_WWW_AUTHENTICATE},
    {"P-Asserted-Identity", SW_HDR_P_ASSERTED_IDENTITY},
    {"x-cid", SW_HDR_X_CID}, {"X-Call-ID", SW_HDR_X_CALL_ID}, {"RAck", SW_HDR_RACK},
    {"Min-SE", SW_HDR_MIN_SE}, {"MIME-Version", SW_HDR_MIME_VERSION},
    /* not known */
    {"", SW_HDR_OTHER}, {"g", SW_HDR_OTHER}, {"z", SW_HDR_OTHER}, {"Vias", SW_HDR_OTHER},
    {"C%6Fntact", SW_HDR_OTHER}, {"X-Call-I", SW_HDR_OTHER}, {"Contact ", SW_HDR_OTHER},
    {"Frob", SW_HDR_OTHER}, {"Tos", SW_HDR_OTHER}, {"NewFangledHeader", SW_HDR_OTHER},
    {"Content-Lengths", SW_HDR_OTHER}, {"1", SW_HDR_OTHER},
};

static void test_hdr_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(lookup_cases); i++) {
        sw_hdr_type t = sw_sip_hdr_lookup(sw_str_cstr(lookup_cases[i].name));
        if (t != lookup_cases[i].t)
            fail_msg("lookup(\"%s\") = %d, want %d", lookup_cases[i].name, t, lookup_cases[i].t);
    }
    assert_int_equal(sw_sip_hdr_lookup(SW_STR_NULL), SW_HDR_OTHER);
    /* Every canonical name maps back to its type, in any case. */
    for (int t = 1; t < SW_HDR__COUNT; t++) {
        const char *name = sw_sip_hdr_name((sw_hdr_type)t);
        assert_true(strlen(name) > 1);
        assert_int_equal(sw_sip_hdr_lookup(sw_str_cstr(name)), t);
        char up[64], low[64];
        size_t l = strlen(name);
        for (size_t k = 0; k <= l; k++) {
            up[k] = (char)((name[k] >= 'a' && name[k] <= 'z') ? name[k] - 32 : name[k]);
            low[k] = (char)((name[k] >= 'A' && name[k] <= 'Z') ? name[k] + 32 : name[k]);
        }
        assert_int_equal(sw_sip_hdr_lookup(sw_str_cstr(up)), t);
        assert_int_equal(sw_sip_hdr_lookup(sw_str_cstr(low)), t);
    }
    /* Case folding is exact for every byte value: only 'a'/'A' completes "Vi?". */
    for (int c = 0; c < 256; c++) {
        char name[3] = {'v', 'I', (char)c};
        sw_hdr_type want = (c == 'a' || c == 'A') ? SW_HDR_VIA : SW_HDR_OTHER;
        assert_int_equal(sw_sip_hdr_lookup(sw_str_make(name, 3)), want);
        char one[1] = {(char)c};
        sw_hdr_type t1 = sw_sip_hdr_lookup(sw_str_make(one, 1));
        if (c == 'v' || c == 'V')
            assert_int_equal(t1, SW_HDR_VIA);
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            assert_int_equal(t1, SW_HDR_OTHER);
    }
    /* '-' is not confused with CR or other bytes differing in bit 0x20. */
    assert_int_equal(sw_sip_hdr_lookup(SW_STR_LIT("Call\rID")), SW_HDR_OTHER);
    assert_int_equal(sw_sip_hdr_lookup(SW_STR_LIT("Call\x0dID")), SW_HDR_OTHER);
    assert_string_equal(sw_sip_hdr_name(SW_HDR_OTHER), "");
    assert_string_equal(sw_sip_hdr_name(SW_HDR__COUNT), "");
    assert_string_equal(sw_sip_hdr_name(SW_HDR_CALL_ID), "Call-ID");
}

static void test_hdr_next_find(void **state)
{
    (void)state;
    static const char in[] = OPT "Via: SIP/2.0/UDP a;branch=z9hG4bK1\r\n"
                                 "X-Foo: 1\r\n"
                                 "v: SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
                                 "From: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\n"
                                 "x-foo: 2\r\n"
                                 "VIA: SIP/2.0/UDP c;branch=z9hG4bK3\r\n" CSEQ_OPT CL0 "\r\n";
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_sip_msg m;
    sw_sip_header h[16];
    sw_sip_parse(&m, b, n, h, 16);
    assert_null(m.malformed);
    const sw_sip_header *v = sw_sip_hdr_next(&m, SW_HDR_VIA, NULL);
    const char *want[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        assert_non_null(v);
        sw_sip_via via;
        assert_int_equal(sw_sip_via_parse(v->value, &via), 0);
        assert_str(via.host, want[i]);
        v = sw_sip_hdr_next(&m, SW_HDR_VIA, v);
    }
    assert_null(v);
    const sw_sip_header *x = sw_sip_hdr_find(&m, SW_STR_LIT("X-FOO"));
    assert_non_null(x);
    assert_str(x->value, "1");
    x = sw_sip_hdr_next(&m, SW_HDR_OTHER, x);
    assert_str(x->value, "2");
    assert_null(sw_sip_hdr_next(&m, SW_HDR_OTHER, x));
    assert_ptr_equal(sw_sip_hdr_find(&m, SW_STR_LIT("i")), m.first[SW_HDR_CALL_ID]);
    assert_ptr_equal(sw_sip_hdr_find(&m, SW_STR_LIT("v")), m.first[SW_HDR_VIA]);
    assert_null(sw_sip_hdr_find(&m, SW_STR_LIT("X-Bar")));
    assert_null(sw_sip_hdr_find(&m, SW_STR_LIT("Route")));
    /* A pointer from another array is not followed. */
    sw_sip_header other;
    assert_null(sw_sip_hdr_next(&m, SW_HDR_VIA, &other));
    assert_null(sw_sip_hdr_next(&m, SW_HDR__COUNT, NULL));
    assert_null(sw_sip_hdr_next(NULL, SW_HDR_VIA, NULL));
}

/* ---- looks_like --------------------------------------------------------- */

static const struct {
    const char *in;
    size_t len; /* 0: strlen */
    bool want;
} looks_cases[] = {
    {"SIP/2.0 200 OK\r\n", 0, true},
    {"SIP/2.0 100 \r\n", 0, true},
    {"SIP/2.0 4294967301 big\r\n", 0, true},
    {"SIP/7.0 200 OK\r\n", 0, true},
    {"INVITE sip:bob@example.com SIP/2.0\r\n", 0, true},
    {"OPTIONS sip:x SIP/2.0\n", 0, true},
    {"OPTIONS sip:remote-target@example.com SIP/2.0  \r\n", 0, true},
    {"!interesting-Method0123456789_*+`.%indeed'~ sip:x@y SIP/2.0\r\n", 0, true},
    {"OPTIONS sip:x SIP/7.0\r\n", 0, true},
    {"INVITE sip:bob@example.com SIP/2.0", 0, false}, /* no line end */
    {"HTTP/1.1 200 OK\r\n\r\n", 0, false},
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, false},
    {"GET /SIP/2.0 HTTP/1.1\r\n", 0, false},
    {"SIP/2.0 20 OK\r\n", 0, false},
    {"SIP/2.0200 OK\r\n", 0, false},
    {"sip/2.0 200 OK\r\n", 0, false},
    {"INVITE  SIP/2.0\r\n", 0, true}, /* empty URI: SIP, malformed */
    {"INVITE SIP/2.0\r\n", 0, false},
    {"\x80\x08\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef\x00", 13, false},
    {"\r\n\r\nINVITE sip:x SIP/2.0\r\n", 0, false},
    {"SIP/2.0 200", 0, false}, /* shorter than 12 */
    {"", 0, false},
};

static void test_looks_like(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(looks_cases); i++) {
        size_t n = looks_cases[i].len ? looks_cases[i].len : strlen(looks_cases[i].in);
        const char *b = guard_copy(looks_cases[i].in, n);
        if (sw_sip_looks_like(b, n) != looks_cases[i].want)
            fail_msg("looks_like(\"%s\") != %d", looks_cases[i].in, looks_cases[i].want);
    }
    assert_false(sw_sip_looks_like(NULL, 100));
    /* Random bytes: essentially never SIP. */
    unsigned char rnd[512];
    uint32_t x = 12345;
    int hits = 0;
    for (int k = 0; k < 2000; k++) {
        for (size_t i = 0; i < sizeof rnd; i++) {
            x = x * 1103515245u + 12345u;
            rnd[i] = (unsigned char)(x >> 16);
        }
        hits += sw_sip_looks_like((const char *)rnd, sizeof rnd);
    }
    assert_int_equal(hits, 0);
}

/* ---- framing ------------------------------------------------------------ */

static const struct frame_case {
    const char *name;
    const char *in;
    size_t max;
    int ret;       /* > 0: msglen must equal it too */
    bool keepalive;
    bool too_big;
} frame_cases[] = {
    {"keep-alive ping", "\r\n\r\n", 4096, 4, true, false},
    {"keep-alive pong then msg", "\r\nOPTIONS", 4096, 2, true, false},
    {"complete, CL 0", GOOD_OPT, 4096, (int)sizeof(GOOD_OPT) - 1, false, false},
    {"complete with body", OPT REQ_HDRS CSEQ_OPT "l: 3\r\n\r\nabcNEXT", 4096,
     (int)sizeof(OPT REQ_HDRS CSEQ_OPT "l: 3\r\n\r\nabc") - 1, false, false},
    {"body incomplete", OPT REQ_HDRS CSEQ_OPT "Content-Length: 10\r\n\r\nabc", 4096,
     SW_SIP_INCOMPLETE, false, false},
    {"head incomplete", OPT REQ_HDRS CSEQ_OPT, 4096, SW_SIP_INCOMPLETE, false, false},
    {"start line incomplete", "INVITE sip:bob@exa", 4096, SW_SIP_INCOMPLETE, false, false},
    {"status prefix", "SI", 4096, SW_SIP_INCOMPLETE, false, false},
    {"no Content-Length counts 0", OPT REQ_HDRS CSEQ_OPT "\r\nrest", 4096,
     (int)sizeof(OPT REQ_HDRS CSEQ_OPT "\r\n") - 1, false, false},
    {"bad Content-Length counts 0", OPT REQ_HDRS CSEQ_OPT "Content-Length: -5\r\n\r\nxx", 4096,
     (int)sizeof(OPT REQ_HDRS CSEQ_OPT "Content-Length: -5\r\n\r\n") - 1, false, false},
    {"bare LF", "OPTIONS sip:x SIP/2.0\nl: 2\n\nab", 4096,
     (int)sizeof("OPTIONS sip:x SIP/2.0\nl: 2\n\nab") - 1, false, false},
    {"folded Content-Length", "SIP/2.0 200 OK\r\nContent-Length:\r\n  2\r\n\r\nZZ", 4096,
     (int)sizeof("SIP/2.0 200 OK\r\nContent-Length:\r\n  2\r\n\r\nZZ") - 1, false, false},
    {"folded head incomplete", "SIP/2.0 200 OK\r\nContent-Length:\r\n  2", 4096,
     SW_SIP_INCOMPLETE, false, false},
    {"content-length lowercase, spaces", "SIP/2.0 200 OK\r\ncontent-length  :  1\r\n\r\nZ", 4096,
     (int)sizeof("SIP/2.0 200 OK\r\ncontent-length  :  1\r\n\r\nZ") - 1, false, false},
    {"HTTP", "HTTP/1.1 200 OK\r\n\r\n", 4096, SW_SIP_NOT_SIP, false, false},
    {"binary", "\x16\x03\x01\x02\x00\x01", 4096, SW_SIP_NOT_SIP, false, false},
    {"too big body", OPT REQ_HDRS CSEQ_OPT "Content-Length: 100000\r\n\r\n", 4096, SW_SIP_NOT_SIP,
     false, true},
    {"too big head", OPT REQ_HDRS CSEQ_OPT, 40, SW_SIP_NOT_SIP, false, true},
    {"too big first line", "INVITE sip:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 20,
     SW_SIP_NOT_SIP, false, true},
    {"exactly max", GOOD_OPT, sizeof(GOOD_OPT) - 1, (int)sizeof(GOOD_OPT) - 1, false, false},
    {"one over max", GOOD_OPT, sizeof(GOOD_OPT) - 2, SW_SIP_NOT_SIP, false, true},
    {"max 0 = unbounded", GOOD_OPT, 0, (int)sizeof(GOOD_OPT) - 1, false, false},
    {"empty", "", 4096, SW_SIP_INCOMPLETE, false, false},
};

static void test_frame_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(frame_cases); i++) {
        const struct frame_case *c = &frame_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        size_t ml = 77;
        bool ka = true, big = true;
        int r = sw_sip_frame(b, n, c->max, &ml, &ka, &big);
        if (r != c->ret)
            fail_msg("frame '%s': %d, want %d", c->name, r, c->ret);
        if (ka != c->keepalive || big != c->too_big)
            fail_msg("frame '%s': keepalive %d too_big %d", c->name, ka, big);
        if (strcmp(c->name, "body incomplete") == 0) /* the total it will need */
            assert_int_equal(ml, n + 7);
        else
            assert_int_equal(ml, r > 0 ? (size_t)r : 0);
    }
    size_t ml;
    assert_int_equal(sw_sip_frame("\r\n", 2, 100, &ml, NULL, NULL), 2);
}

/* A stream of several messages and keep-alives, framed then parsed, fed in
 * every split position: framing must agree with the parser on each length. */
static void test_frame_stream(void **state)
{
    (void)state;
    char stream[4096];
    size_t n = 0;
    const char *parts[] = {MSG_INVITE, "\r\n\r\n", MSG_200, MSG_401, "\r\n", MSG_BYE_LF, GOOD_OPT};
    for (size_t i = 0; i < SW_ARRAY_LEN(parts); i++) {
        size_t l = strlen(parts[i]);
        assert_true(n + l <= sizeof stream);
        memcpy(stream + n, parts[i], l);
        n += l;
    }
    for (size_t avail = 1; avail <= n; avail += (avail < 64 ? 1 : 37)) {
        size_t off = 0;
        int msgs = 0, kas = 0;
        while (off < n) {
            size_t have = SW_MIN(avail, n - off);
            const char *b = guard_copy(stream + off, have);
            size_t ml;
            bool ka, big;
            int r = sw_sip_frame(b, have, 65536, &ml, &ka, &big);
            if (r == SW_SIP_INCOMPLETE) {
                assert_true(have < n - off); /* only when bytes are missing */
                avail += 1;                  /* a bigger window next time */
                continue;
            }
            assert_true(r > 0);
            assert_false(big);
            if (ka) {
                kas++;
            } else {
                sw_sip_msg m;
                sw_sip_header h[32];
                assert_int_equal(sw_sip_parse(&m, b, ml, h, 32), (int64_t)ml);
                assert_null(m.malformed);
                assert_false(m.flags & (SW_SIPF_TRUNCATED | SW_SIPF_TRAILING));
                msgs++;
            }
            off += ml;
        }
        assert_int_equal(msgs, 5);
        assert_int_equal(kas, 2);
    }
}

/* ---- parameters and lists ----------------------------------------------- */

static const struct {
    const char *params, *name;
    bool found;
    const char *val;
} param_cases[] = {
    {"a=b;c;d=\"x y\"", "d", true, "x y"},
    {"a=b;c;d=\"x y\"", "c", true, ""},
    {"a=b;c;d=\"x y\"", "a", true, "b"},
    {"A=b", "a", true, "b"},
    {"tag=abc", "TAG", true, "abc"},
    {" ; lr ; transport = tcp ", "transport", true, "tcp"},
    {" ; lr ; transport = tcp ", "lr", true, ""},
    {"tag=1;tag=2", "tag", true, "1"},
    {"foo=bar", "fo", false, NULL},
    {"fo=bar", "foo", false, NULL},
    {"", "x", false, NULL},
    {";;;", "a", false, NULL},
    {"x=\"unterminated", "x", true, "unterminated"},
    {"x=\"a\\\"b\";y=2", "y", true, "2"},
    {"x=\"a;b\";y=2", "y", true, "2"},
    {"maddr=a/b;x", "maddr", true, "a/b"},
    {"received=[2001:db8::1];branch=z9", "received", true, "[2001:db8::1]"},
    {"newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", "q", true, "0.33"},
    {"newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", "newparam", true, "newvalue"},
    {"newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", "secondparam", true, ""},
    {"bad param x;ok=1", "ok", true, "1"},
    {"boundary=7a9cbec02ceef655", "boundary", true, "7a9cbec02ceef655"},
};

static void test_param_get(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(param_cases); i++) {
        size_t n = strlen(param_cases[i].params);
        const char *b = guard_copy(param_cases[i].params, n);
        sw_str v = SW_STR_LIT("unset");
        bool f = sw_sip_param_get(sw_str_make(b, n), param_cases[i].name, &v);
        if (f != param_cases[i].found)
            fail_msg("param_get(\"%s\", %s) = %d", param_cases[i].params, param_cases[i].name, f);
        if (f)
            assert_str(v, param_cases[i].val);
    }
    assert_false(sw_sip_param_get(SW_STR_NULL, "a", NULL));
    assert_true(sw_sip_param_get(SW_STR_LIT("a=1"), "a", NULL));
}

static const struct {
    const char *in;
    const char *items; /* joined with '|' */
} list_cases[] = {
    {"a, b,c", "a|b|c"},
    {"\"x, y\" <sip:a@b>, <sip:c,d@e>;p=1", "\"x, y\" <sip:a@b>|<sip:c,d@e>;p=1"},
    {",,a,, ,b,", "a|b"},
    {"", ""},
    {"   ", ""},
    {"application/sdp, application/pkcs7-mime,\r\n        multipart/mixed, multipart/signed,\r\n"
     "        message/sip, message/sipfrag",
     "application/sdp|application/pkcs7-mime|multipart/mixed|multipart/signed|message/sip|"
     "message/sipfrag"},
    {"\"unterminated, x", "\"unterminated, x"},
    {"\"a\\\",b\" <sip:x>, c", "\"a\\\",b\" <sip:x>|c"},
    {"SIP/2.0/UDP a;branch=1 , SIP/2.0/TCP b", "SIP/2.0/UDP a;branch=1|SIP/2.0/TCP b"},
};

static void test_list_next(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(list_cases); i++) {
        size_t n = strlen(list_cases[i].in);
        const char *b = guard_copy(list_cases[i].in, n);
        sw_str cur = sw_str_make(b, n), item;
        char got[512] = "";
        size_t gl = 0;
        int guard = 0;
        while (sw_sip_list_next(&cur, &item)) {
            assert_true(++guard < 100);
            assert_true(item.len > 0);
            gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%.*s", gl ? "|" : "",
                                   (int)item.len, item.p);
        }
        if (strcmp(got, list_cases[i].items) != 0)
            fail_msg("list(\"%s\") = \"%s\", want \"%s\"", list_cases[i].in, got,
                     list_cases[i].items);
        assert_int_equal(cur.len, 0);
        assert_false(sw_sip_list_next(&cur, &item));
    }
    sw_str nul = SW_STR_NULL, item;
    assert_false(sw_sip_list_next(&nul, &item));
}

/* ---- URI ---------------------------------------------------------------- */

static const struct uri_case {
    const char *in;
    int rc;
    const char *scheme, *user, *password, *host;
    uint16_t port;
    const char *params, *headers;
} uri_cases[] = {
    {"sip:alice@atlanta.com", 0, "sip", "alice", "", "atlanta.com", 0, "", ""},
    {"sips:alice:secret@atlanta.com:5061;transport=tcp?subject=x&a=b", 0, "sips", "alice",
     "secret", "atlanta.com", 5061, "transport=tcp", "subject=x&a=b"},
    {"sip:[2001:db8::1]:5060;lr", 0, "sip", "", "", "2001:db8::1", 5060, "lr", ""},
    {"sip:alice@[2001:db8::1]", 0, "sip", "alice", "", "2001:db8::1", 0, "", ""},
    {"sip:user;par=u%40example.net@example.com", 0, "sip", "user;par=u%40example.net", "",
     "example.com", 0, "", ""},
    {"sip:%75se%72@example.com", 0, "sip", "%75se%72", "", "example.com", 0, "", ""},
    {"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
     "(doesn't-it)@example.com",
     0, "sip", "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
     "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "example.com", 0, "", ""},
    {"sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", 0, "sip", "cal%6Cer", "",
     "host5.example.net", 0, "%6C%72;n%61me=v%61lue%25%34%31", ""},
    {"SIP:Bob@Biloxi.COM", 0, "SIP", "Bob", "", "Biloxi.COM", 0, "", ""},
    {"sip:example.com", 0, "sip", "", "", "example.com", 0, "", ""},
    {"sip:user@example.com?Route=%3Csip:example.com%3E", 0, "sip", "user", "", "example.com", 0,
     "", "Route=%3Csip:example.com%3E"},
    {"tel:+1-201-555-0123;phone-context=example.com", 0, "tel", "+1-201-555-0123", "", "", 0,
     "phone-context=example.com", ""},
    {"http://www.example.com/path?q", 0, "http", "", "", "www.example.com", 0, "/path?q", ""},
    {"soap.beep://192.0.2.103:3002", 0, "soap.beep", "", "", "192.0.2.103", 3002, "", ""},
    {"isbn:2983792873", 0, "isbn", "2983792873", "", "", 0, "", ""},
    {"nobodyKnowsThisScheme:totallyopaquecontent", 0, "nobodyKnowsThisScheme",
     "totallyopaquecontent", "", "", 0, "", ""},
    {"<sip:a@b>", 0, "sip", "a", "", "b", 0, "", ""},
    {"  sip:a@b  ", 0, "sip", "a", "", "b", 0, "", ""},
    {"sip:host:99999", SW_EFORMAT, "sip", "", "", "host", 0, "", ""},
    {"sip:host:", SW_EFORMAT, "sip", "", "", "host", 0, "", ""},
    {"sip:", SW_EFORMAT, "sip", "", "", "", 0, "", ""},
    {"sip:@host", SW_EFORMAT, "sip", "", "", "host", 0, "", ""},
    {"nocolon", SW_EFORMAT, "", "", "", "", 0, "", ""},
    {"1sip:a@b", SW_EFORMAT, "", "", "", "", 0, "", ""},
    {"sip:[::1", SW_EFORMAT, "sip", "", "", "", 0, "", ""},
    {"sip:a@b c", SW_EFORMAT, "sip", "", "", "", 0, "", ""},
    {"sip:a@b/c", SW_EFORMAT, "sip", "a", "", "b", 0, "", ""},
    {"tel:", SW_EFORMAT, "tel", "", "", "", 0, "", ""},
    {"", SW_EFORMAT, "", "", "", "", 0, "", ""},
};

static void test_uri_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(uri_cases); i++) {
        const struct uri_case *c = &uri_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        sw_sip_uri u;
        int rc = sw_sip_uri_parse(sw_str_make(b, n), &u);
        if (rc != c->rc)
            fail_msg("uri \"%s\": rc %d want %d", c->in, rc, c->rc);
        assert_str(u.scheme, c->scheme);
        assert_str(u.user, c->user);
        assert_str(u.password, c->password);
        assert_str(u.host, c->host);
        assert_int_equal(u.port, c->port);
        assert_str(u.params, c->params);
        assert_str(u.headers, c->headers);
    }
    sw_sip_uri u;
    assert_int_equal(sw_sip_uri_parse(SW_STR_NULL, &u), SW_EFORMAT);
}

/* ---- name-addr ---------------------------------------------------------- */

static const struct na_case {
    const char *in;
    int rc;
    const char *display, *uri, *params, *tag;
} na_cases[] = {
    {"\"Alice\" <sip:alice@a.com>;tag=1928301774", 0, "Alice", "sip:alice@a.com",
     "tag=1928301774", "1928301774"},
    {"Bob <sip:bob@b.com>", 0, "Bob", "sip:bob@b.com", "", ""},
    {"caller<sip:caller@example.com>;tag=323", 0, "caller", "sip:caller@example.com", "tag=323",
     "323"},
    {"token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=_token~1'+`*%!-.", 0,
     "token1~` token2'+_ token3*%!.-", "sip:mundane@example.com", "tag=_token~1'+`*%!-.",
     "_token~1'+`*%!-."},
    {"sip:caller@example.net;tag=93942939o2", 0, "", "sip:caller@example.net", "tag=93942939o2",
     "93942939o2"},
    {"sip:+19725552222@gw1.example.net;unknownparam", 0, "", "sip:+19725552222@gw1.example.net",
     "unknownparam", ""},
    {"<sip:+19725552222@gw1.example.net;unknownparam>", 0, "",
     "sip:+19725552222@gw1.example.net;unknownparam", "", ""},
    {"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", 0, "",
     "sip:vivekg@chair-dnrc.example.com", "tag    = 1918181833n", "1918181833n"},
    {"\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8", 0,
     "J Rosenberg \\\\\\\"", "sip:jdrosen@example.com", "tag = 98asjd8", "98asjd8"},
    {"\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  "
     "secondparam ; q = 0.33",
     0, "Quoted string \\\"\\\"", "sip:jdrosen@example.com",
     "newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", ""},
    {"<sip:a@b>;tag=\"quoted\"", 0, "", "sip:a@b", "tag=\"quoted\"", "quoted"},
    {"<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", 0, "",
     "sip:user@example.com?Route=%3Csip:sip.example.com%3E", "", ""},
    {"isbn:2983792873", 0, "", "isbn:2983792873", "", ""},
    {"*", 0, "", "*", "", ""},
    {"\"\" <sip:a@b>", 0, "", "sip:a@b", "", ""},
    {"\"Mr. J. User <sip:j.user@example.com>", SW_EFORMAT, "Mr. J. User <sip:j.user@example.com>",
     "sip:j.user@example.com", "", ""},
    {"Bell, Alexander <sip:a.g.bell@example.com>;tag=43", SW_EFORMAT, "Bell, Alexander",
     "sip:a.g.bell@example.com", "tag=43", "43"},
    {"\"Watson, Thomas\" < sip:t.watson@example.org >", SW_EFORMAT, "Watson, Thomas",
     "sip:t.watson@example.org", "", ""},
    {"<sip:a@b", SW_EFORMAT, "", "sip:a@b", "", ""},
    {"<sip:a@b> junk", SW_EFORMAT, "", "sip:a@b", "", ""},
    {"sip:user@example.com?Route=%3Csip:sip.example.com%3E", SW_EFORMAT, "",
     "sip:user@example.com?Route=%3Csip:sip.example.com%3E", "", ""},
    {"user@host", SW_EFORMAT, "", "user@host", "", ""},
    {"\"Joe\" <sip:joe@example.org>;;;;", SW_EFORMAT, "Joe", "sip:joe@example.org", ";;;", ""},
    {"<sip:a@b>;tag=", SW_EFORMAT, "", "sip:a@b", "tag=", ""},
    {"\"A\" sip:a@b", SW_EFORMAT, "A", "", "", ""},
    {"", SW_EFORMAT, "", "", "", ""},
};

static void test_nameaddr_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(na_cases); i++) {
        const struct na_case *c = &na_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        sw_sip_nameaddr na;
        int rc = sw_sip_nameaddr_parse(sw_str_make(b, n), &na);
        if (rc != c->rc)
            fail_msg("nameaddr \"%s\": rc %d want %d", c->in, rc, c->rc);
        assert_str(na.display, c->display);
        assert_str(na.uri, c->uri);
        assert_str(na.params, c->params);
        assert_str(na.tag, c->tag);
    }
    sw_sip_nameaddr na;
    assert_int_equal(sw_sip_nameaddr_parse(SW_STR_NULL, &na), SW_EFORMAT);
}

/* ---- Via ---------------------------------------------------------------- */

static const struct via_case {
    const char *in;
    int rc;
    const char *protocol, *transport, *host;
    uint16_t port;
    const char *branch, *received;
    bool has_rport;
    uint16_t rport;
    const char *params;
} via_cases[] = {
    {"SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", 0, "SIP/2.0", "UDP",
     "pc33.atlanta.com", 0, "z9hG4bK776asdhds", "", false, 0, "branch=z9hG4bK776asdhds"},
    {"SIP/2.0/TCP [2001:db8::10]:5060;branch=z9;received=2001:db8::10;rport=5061", 0, "SIP/2.0",
     "TCP", "2001:db8::10", 5060, "z9", "2001:db8::10", true, 5061,
     "branch=z9;received=2001:db8::10;rport=5061"},
    {"SIP/2.0/UDP 1.2.3.4:5060;rport;branch=z9", 0, "SIP/2.0", "UDP", "1.2.3.4", 5060, "z9", "",
     true, 0, "rport;branch=z9"},
    {"SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", 0, "SIP  /   2.0", "UDP",
     "192.0.2.2", 0, "390skdjuw", "", false, 0, "branch=390skdjuw"},
    {"SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  / "
     "   2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239",
     0, "SIP  / 2.0", "TCP", "spindle.example.com", 0, "z9hG4bK9ikj8", "", false, 0,
     "branch  =   z9hG4bK9ikj8"},
    {"SIP/2.0/UDP h;branch=a, SIP/2.0/TCP g;branch=b", 0, "SIP/2.0", "UDP", "h", 0, "a", "",
     false, 0, "branch=a"},
    {"SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7", 0, "SIP/2.0", "WSS",
     "df7jal23ls0d.invalid", 0, "z9hG4bKnashds7", "", false, 0, "branch=z9hG4bKnashds7"},
    {"SIP/2.0/UDP host : 5070 ;branch=x", 0, "SIP/2.0", "UDP", "host", 5070, "x", "", false, 0,
     "branch=x"},
    {"SIP/2.0/UDP iftgw.example.com", 0, "SIP/2.0", "UDP", "iftgw.example.com", 0, "", "", false,
     0, ""},
    {"SIP/2.0/UDP 192.0.2.15;;", SW_EFORMAT, "SIP/2.0", "UDP", "192.0.2.15", 0, "", "", false, 0,
     ";"},
    {"SIP/2.0 h", SW_EFORMAT, "SIP/2.0", "", "", 0, "", "", false, 0, ""},
    {"SIP/2.0/UDP", SW_EFORMAT, "SIP/2.0", "UDP", "", 0, "", "", false, 0, ""},
    {"SIP/2.0/UDP h:99999", SW_EFORMAT, "SIP/2.0", "UDP", "h", 0, "", "", false, 0, ""},
    {"SIP/2.0/UDP h;rport=x", SW_EFORMAT, "SIP/2.0", "UDP", "h", 0, "", "", true, 0, "rport=x"},
    {"SIP/2.0/UDP h junk", SW_EFORMAT, "SIP/2.0", "UDP", "h", 0, "", "", false, 0, ""},
    {"SIP/2.0/UDP [::1", SW_EFORMAT, "SIP/2.0", "UDP", "", 0, "", "", false, 0, ""},
    {"", SW_EFORMAT, "", "", "", 0, "", "", false, 0, ""},
};

static void test_via_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(via_cases); i++) {
        const struct via_case *c = &via_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        sw_sip_via v;
        int rc = sw_sip_via_parse(sw_str_make(b, n), &v);
        if (rc != c->rc)
            fail_msg("via \"%s\": rc %d want %d", c->in, rc, c->rc);
        assert_str(v.protocol, c->protocol);
        assert_str(v.transport, c->transport);
        assert_str(v.host, c->host);
        assert_int_equal(v.port, c->port);
        assert_str(v.branch, c->branch);
        assert_str(v.received, c->received);
        assert_int_equal(v.has_rport, c->has_rport);
        assert_int_equal(v.rport, c->rport);
        assert_str(v.params, c->params);
    }
}

/* Several Via values in one header, iterated with list_next. */
static void test_via_multi(void **state)
{
    (void)state;
    static const char in[] =
        "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  / "
        "   2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239";
    size_t n = sizeof in - 1;
    const char *b = guard_copy(in, n);
    sw_str cur = sw_str_make(b, n), item;
    const char *hosts[] = {"spindle.example.com", "192.168.255.111"};
    const char *branches[] = {"z9hG4bK9ikj8", "z9hG4bK30239"};
    const char *tr[] = {"TCP", "UDP"};
    int k = 0;
    while (sw_sip_list_next(&cur, &item)) {
        assert_true(k < 2);
        sw_sip_via v;
        assert_int_equal(sw_sip_via_parse(item, &v), 0);
        assert_str(v.host, hosts[k]);
        assert_str(v.branch, branches[k]);
        assert_str(v.transport, tr[k]);
        k++;
    }
    assert_int_equal(k, 2);
}

/* ---- CSeq --------------------------------------------------------------- */

static const struct {
    const char *in;
    int rc;
    uint32_t num;
    const char *method;
} cseq_cases[] = {
    {"314159 INVITE", 0, 314159, "INVITE"},
    {"0009\r\n  INVITE", 0, 9, "INVITE"},
    {"  7   BYE  ", 0, 7, "BYE"},
    {"0 ACK", 0, 0, "ACK"},
    {"4294967295 ACK", 0, 4294967295u, "ACK"},
    {"2147483648 ACK", 0, 2147483648u, "ACK"},
    {"4294967296 ACK", SW_EFORMAT, 0, "ACK"},
    {"36893488147419103232 REGISTER", SW_EFORMAT, 0, "REGISTER"},
    {"1", SW_EFORMAT, 1, ""},
    {"INVITE", SW_EFORMAT, 0, ""},
    {"1 INVITE x", SW_EFORMAT, 1, "INVITE"},
    {"1INVITE", SW_EFORMAT, 1, "INVITE"},
    {"", SW_EFORMAT, 0, ""},
    {"139122385 !interesting-Method0123456789_*+`.%indeed'~", 0, 139122385,
     "!interesting-Method0123456789_*+`.%indeed'~"},
};

static void test_cseq_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(cseq_cases); i++) {
        size_t n = strlen(cseq_cases[i].in);
        const char *b = guard_copy(cseq_cases[i].in, n);
        uint32_t num = 99;
        sw_str meth;
        int rc = sw_sip_cseq_parse(sw_str_make(b, n), &num, &meth);
        if (rc != cseq_cases[i].rc)
            fail_msg("cseq \"%s\": rc %d", cseq_cases[i].in, rc);
        assert_int_equal(num, cseq_cases[i].num);
        assert_str(meth, cseq_cases[i].method);
    }
    assert_int_equal(sw_sip_cseq_parse(SW_STR_NULL, NULL, NULL), SW_EFORMAT);
}

/* ---- auth --------------------------------------------------------------- */

static const struct auth_case {
    const char *in;
    int rc;
    const char *scheme, *realm, *nonce, *username, *uri, *response, *algorithm, *qop, *opaque,
        *cnonce, *nc;
    bool stale;
} auth_cases[] = {
    {"Digest realm=\"atlanta.example.com\", qop=\"auth,auth-int\",\r\n nonce="
     "\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\", stale=FALSE, algorithm=MD5",
     0, "Digest", "atlanta.example.com", "ea9c8e88df84f1cec4341ae6cbe5a359", "", "", "", "MD5",
     "auth,auth-int", "", "", "", false},
    {"Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b\", uri=\"sip:bob@biloxi.com\", "
     "qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae4\", opaque=\"5ccc069c\"",
     0, "Digest", "biloxi.com", "dcd98b", "bob", "sip:bob@biloxi.com", "6629fae4", "", "auth",
     "5ccc069c", "0a4f113b", "00000001", false},
    {"Digest realm=\"r\", nonce=\"n\", stale=true", 0, "Digest", "r", "n", "", "", "", "", "", "",
     "", "", true},
    {"Digest realm=\"r\", nonce=\"n\", stale=TRUE", 0, "Digest", "r", "n", "", "", "", "", "", "",
     "", "", true},
    {"Digest stale=\"True\"", 0, "Digest", "", "", "", "", "", "", "", "", "", "", true},
    {"Digest stale=false", 0, "Digest", "", "", "", "", "", "", "", "", "", "", false},
    {"DIGEST REALM = \"a\\\"b\" , NONCE=x", 0, "DIGEST", "a\\\"b", "x", "", "", "", "", "", "",
     "", "", false},
    {"NoOneKnowsThisScheme opaque-data=here", 0, "NoOneKnowsThisScheme", "", "", "", "", "", "",
     "", "", "", "", false},
    {"Digest", 0, "Digest", "", "", "", "", "", "", "", "", "", "", false},
    {"Digest realm=\"unterminated", SW_EFORMAT, "Digest", "", "", "", "", "", "", "", "", "", "",
     false},
    {"Digest realm", SW_EFORMAT, "Digest", "", "", "", "", "", "", "", "", "", "", false},
    {"Digest realm=a nonce=b", SW_EFORMAT, "Digest", "a", "", "", "", "", "", "", "", "", "",
     false},
    {"Digest,realm=x", SW_EFORMAT, "Digest", "", "", "", "", "", "", "", "", "", "", false},
    {"", SW_EFORMAT, "", "", "", "", "", "", "", "", "", "", "", false},
};

static void test_auth_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(auth_cases); i++) {
        const struct auth_case *c = &auth_cases[i];
        size_t n = strlen(c->in);
        const char *b = guard_copy(c->in, n);
        sw_sip_auth a;
        int rc = sw_sip_auth_parse(sw_str_make(b, n), &a);
        if (rc != c->rc)
            fail_msg("auth \"%s\": rc %d want %d", c->in, rc, c->rc);
        assert_str(a.scheme, c->scheme);
        assert_str(a.realm, c->realm);
        assert_str(a.nonce, c->nonce);
        assert_str(a.username, c->username);
        assert_str(a.uri, c->uri);
        assert_str(a.response, c->response);
        assert_str(a.algorithm, c->algorithm);
        assert_str(a.qop, c->qop);
        assert_str(a.opaque, c->opaque);
        assert_str(a.cnonce, c->cnonce);
        assert_str(a.nc, c->nc);
        assert_int_equal(a.stale, c->stale);
    }
}

/* The 401 over IPv6 end to end: first pass, then the helpers on its headers. */
static void test_401_helpers(void **state)
{
    (void)state;
    size_t n = sizeof MSG_401 - 1;
    const char *b = guard_copy(MSG_401, n);
    sw_sip_msg m;
    sw_sip_header h[16];
    assert_int_equal(sw_sip_parse(&m, b, n, h, 16), (int64_t)n);
    assert_null(m.malformed);
    assert_int_equal(m.status, 401);
    assert_str(m.reason, "Unauthorized");
    sw_sip_via v;
    assert_int_equal(sw_sip_via_parse(m.first[SW_HDR_VIA]->value, &v), 0);
    assert_str(v.host, "2001:db8::10");
    assert_int_equal(v.port, 5060);
    assert_str(v.received, "2001:db8::10");
    sw_sip_auth a;
    assert_int_equal(sw_sip_auth_parse(m.first[SW_HDR_WWW_AUTHENTICATE]->value, &a), 0);
    assert_str(a.nonce, "ea9c8e88df84f1cec4341ae6cbe5a359");
    assert_false(a.stale);
    sw_sip_nameaddr na;
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_str(na.tag, "1410948204");
    sw_sip_uri u;
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.scheme, "sips");
    assert_str(u.host, "biloxi.example.com");
}

/* Seen in a public fuzzed capture: a start line whose LF was overwritten
 * ends at its lone CR; the message is kept (as Wireshark keeps it) and
 * flagged malformed rather than dropped. */
static void test_lone_cr_start_line(void **state)
{
    (void)state;
    static const char msg[] = "CANCEL sip:a@b SIP/2.0\r7Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                              "Call-ID: c1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
    assert_true(sw_sip_looks_like(msg, sizeof msg - 1));
    sw_sip_header h[16];
    sw_sip_msg m;
    assert_true(sw_sip_parse(&m, msg, sizeof msg - 1, h, 16) > 0);
    assert_true(m.is_request);
    assert_true(sw_str_eq_cstr(m.method, "CANCEL"));
    assert_true(sw_str_eq_cstr(m.ruri, "sip:a@b"));
    assert_true(sw_str_eq_cstr(m.call_id, "c1"));
    assert_non_null(m.malformed);
    assert_string_equal(m.malformed, "start line ends with a bare CR");
    assert_int_equal(m.malformed_off, 22);
}

/* A CSeq method with a bad byte is the whole word (flagged), not the part
 * before the byte; a word that does not start like a method is no method. */
static void test_cseq_bad_byte(void **state)
{
    (void)state;
    uint32_t n;
    sw_str meth;
    assert_int_equal(sw_sip_cseq_parse(SW_STR_LIT("1 INV\xe8TE"), &n, &meth), SW_EFORMAT);
    assert_int_equal(n, 1);
    assert_true(sw_str_eq_cstr(meth, "INV\xe8TE"));
    assert_int_equal(sw_sip_cseq_parse(SW_STR_LIT("2 /EGIS\xaa\xaa"), &n, &meth), SW_EFORMAT);
    assert_int_equal(n, 2);
    assert_int_equal(meth.len, 0);
    assert_int_equal(sw_sip_cseq_parse(SW_STR_LIT("7 INVITE"), &n, &meth), SW_OK);
    assert_true(sw_str_eq_cstr(meth, "INVITE"));
}

/* Found by fuzz_sip: a stray CR inside a request line (not after a whole
 * start line) must not end the line, so that what sw_sip_frame() accepts,
 * sw_sip_parse() parses too. */
static void test_fuzz_stray_cr_in_request_line(void **state)
{
    (void)state;
    static const char msg[] = "OPTIONS sip:t.watson@exa\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\x0d"
        "\xef"
        "b\x1e"
        "\x0c"
        "V\x00"
        "\x00"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "\xff"
        "mple\xca"
        "\x90"
        "\x8d"
        "\x98"
        " SIP/7.0\x0d"
        "\x0a"
        "Via:     SIP/7.0/UDP c.example.com;branch=zhG94bKkdjuw\x0d"
        "\x0a"
        "Max-Forwards:     70\x0d"
        "\x0a"
        "From:    A. Bell <sip:a.g\x0d"
        "\x0a"
        "CSeq:    1 OPTIONS\x0d"
        "\x0a"
        "l: 0\x0d"
        "\x0a"
        "\x0d"
        "\x0a";
    size_t n = sizeof msg - 1, ml = 0;
    bool ka = false, big = false;
    int fr = sw_sip_frame(msg, n, 0, &ml, &ka, &big);
    sw_sip_header h[32];
    sw_sip_msg m;
    int64_t pr = sw_sip_parse(&m, msg, n, h, 32);
    if (fr > 0)
        assert_true(pr > 0);
    assert_int_equal(n, 265);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_invite_fields),
        cmocka_unit_test(test_parse_fold_and_lf),
        cmocka_unit_test(test_parse_too_many_headers),
        cmocka_unit_test(test_parse_nul_bytes),
        cmocka_unit_test(test_parse_resets_and_bad_args),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_hdr_lookup),
        cmocka_unit_test(test_hdr_next_find),
        cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_frame_table),
        cmocka_unit_test(test_frame_stream),
        cmocka_unit_test(test_param_get),
        cmocka_unit_test(test_list_next),
        cmocka_unit_test(test_uri_parse),
        cmocka_unit_test(test_nameaddr_parse),
        cmocka_unit_test(test_via_parse),
        cmocka_unit_test(test_via_multi),
        cmocka_unit_test(test_cseq_parse),
        cmocka_unit_test(test_auth_parse),
        cmocka_unit_test(test_401_helpers),
        cmocka_unit_test(test_lone_cr_start_line),
        cmocka_unit_test(test_cseq_bad_byte),
        cmocka_unit_test(test_fuzz_stray_cr_in_request_line),
    };
    return cmocka_run_group_tests_name("sip", tests, NULL, NULL);
}
