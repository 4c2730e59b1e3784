/*
 * sip: the one-pass SIP message parser, TCP framing, and the on-demand
 * helpers for header values (parameters, comma lists, URIs, name-addr, Via,
 * CSeq, auth). The contracts are in sip.h; SDP lives in sdp.c.
 *
 * Why it looks the way it does:
 *   - Every result is a slice into the caller's bytes; nothing is copied,
 *     nothing is allocated, the input is never written. A capture of millions
 *     of messages is parsed without touching the heap.
 *   - Lines are found with memchr (vectorised in libc), header names are typed
 *     by a switch on first letter and length, so the common 600-byte INVITE
 *     costs a few hundred nanoseconds.
 *   - All reads go through a (pointer, end) pair and every loop tests
 *     `p < e` before `*p`: a message cut anywhere (snap length, TCP segment,
 *     fuzzer) is read up to its last byte and no further. The tests put each
 *     input right before a PROT_NONE page to prove it.
 *   - A message that breaks the grammar is data, not an error: the first
 *     fault is recorded as static English text plus a byte offset, and
 *     parsing goes on so the rest is still shown.
 *
 * The grammar checks done in the first pass are the ones a troubleshooter
 * needs to trust the key fields (start line, Content-Length, CSeq, Call-ID,
 * From/To/Contact/Route shape, Via shape, scalar ranges; RFC 3261 section 25
 * and the RFC 4475 torture tests); anything deeper is left to the helpers.
 */
#include "sip.h"

#include <limits.h>

/* ---- character classes ------------------------------------------------ */

enum {
    C_TOKEN = 0x01,  /* RFC 3261 token */
    C_WS = 0x02,     /* SP HTAB CR LF: LWS once folds are allowed for */
    C_DIGIT = 0x04,
    C_WORD = 0x08,   /* Call-ID word */
    C_ALPHA = 0x10,
    C_SCHEME = 0x20, /* URI scheme after the first letter */
    C_HOST = 0x40,   /* hostname / IPv4 characters (plus '_', seen in the wild) */
    C_PVAL = 0x80,   /* unquoted generic-param value: token, host, IPv6 refs */
};

/* Generated from the class definitions above (one lookup per byte beats a
 * chain of comparisons in the hot loops). Bytes >= 0x80 are in no class. */
static const uint8_t cls[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x89, 0x08, 0x00, 0x80, 0x89, 0x80, 0x89, 0x08, 0x08, 0x89, 0xa9, 0x00, 0xe9, 0xe9, 0x88,
    0xed, 0xed, 0xed, 0xed, 0xed, 0xed, 0xed, 0xed, 0xed, 0xed, 0x88, 0x00, 0x08, 0x00, 0x08, 0x08,
    0x00, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9,
    0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0x88, 0x08, 0x88, 0x00, 0xc9,
    0x89, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9,
    0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0xf9, 0x08, 0x00, 0x08, 0x89, 0x00,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline bool is_c(char c, unsigned k) { return (cls[(unsigned char)c] & k) != 0; }
static inline bool is_tok(char c) { return is_c(c, C_TOKEN); }
static inline bool is_lws(char c) { return is_c(c, C_WS); }
static inline bool is_digit(char c) { return is_c(c, C_DIGIT); }
static inline bool is_sp(char c) { return c == ' ' || c == '\t'; }
static inline char lc(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

/* ASCII lowercase by table: one load, no branch, in the name comparisons
 * that run for every header. */
#define LC4(c) (char)(c), (char)((c) + 1), (char)((c) + 2), (char)((c) + 3)
#define LC16(c) LC4(c), LC4((c) + 4), LC4((c) + 8), LC4((c) + 12)
static const char lower_tab[256] = {
    LC16(0x00), LC16(0x10), LC16(0x20), LC16(0x30),
    (char)0x40, LC4(0x61), LC4(0x65), LC4(0x69), LC4(0x6d), LC4(0x71), LC4(0x75), (char)0x79,
    (char)0x7a, (char)0x5b, (char)0x5c, (char)0x5d, (char)0x5e, (char)0x5f,
    LC16(0x60), LC16(0x70), LC16(0x80), LC16(0x90), LC16(0xa0), LC16(0xb0),
    LC16(0xc0), LC16(0xd0), LC16(0xe0), LC16(0xf0),
};
#undef LC16
#undef LC4
_Static_assert(sizeof lower_tab == 256, "lower_tab covers every byte");

static inline sw_str mk(const char *p, const char *e)
{
    sw_str s = {p, (size_t)(e - p)};
    return s;
}

/* Header values may hold folds (CRLF + SP/HTAB), so "whitespace" in value
 * helpers is SP, HTAB, CR and LF. */
static inline const char *skip_lws(const char *p, const char *e)
{
    while (p < e && is_lws(*p))
        p++;
    return p;
}

static inline const char *rtrim(const char *p, const char *e)
{
    while (e > p && is_lws(e[-1]))
        e--;
    return e;
}

static inline const char *tok_end(const char *p, const char *e)
{
    while (p < e && is_tok(*p))
        p++;
    return p;
}

/* s[0..n) equals lit (lowercase, n bytes) ignoring ASCII case. Eight bytes
 * a step: a literal's letters have bit 0x40 set and its other characters
 * ('-', digits) do not, so (lit & 0x40..) >> 1 puts 0x20 exactly where a
 * letter is; OR-ing that into s folds s's letters there, and elsewhere s
 * must equal lit byte for byte. Exact, not a heuristic. */
static inline bool lceq(const char *s, const char *lit, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t a, b;
        memcpy(&a, s + i, 8);
        memcpy(&b, lit + i, 8);
        if ((a | ((b & 0x4040404040404040ull) >> 1)) != b)
            return false;
    }
    for (; i < n; i++)
        if (lower_tab[(unsigned char)s[i]] != lit[i])
            return false;
    return true;
}

static inline bool str_lceq(sw_str s, const char *lit, size_t n)
{
    return s.len == n && lceq(s.p, lit, n);
}
#define STR_IS(s, lit) str_lceq((s), lit, sizeof(lit) - 1)

/* From just after an opening quote: the closing quote, honouring
 * backslash escapes, or NULL when the string is not terminated in [p, e). */
static const char *quoted_end(const char *p, const char *e)
{
    while (p < e) {
        if (*p == '"')
            return p;
        if (*p == '\\') {
            if (e - p < 2)
                return NULL;
            p += 2;
            continue;
        }
        p++;
    }
    return NULL;
}

/* Decimal digits at p: value (saturated at UINT64_MAX) and count. */
static const char *scan_u64(const char *p, const char *e, uint64_t *v, size_t *ndig)
{
    uint64_t x = 0;
    const char *s = p;
    while (p < e && is_digit(*p)) {
        unsigned d = (unsigned)(*p - '0');
        x = (x > (UINT64_MAX - d) / 10) ? UINT64_MAX : x * 10 + d;
        p++;
    }
    *v = x;
    *ndig = (size_t)(p - s);
    return p;
}

/* ---- header names ----------------------------------------------------- */

static const char *const hdr_names[SW_HDR__COUNT] = {
    [SW_HDR_OTHER] = "",
    [SW_HDR_VIA] = "Via",
    [SW_HDR_FROM] = "From",
    [SW_HDR_TO] = "To",
    [SW_HDR_CALL_ID] = "Call-ID",
    [SW_HDR_CSEQ] = "CSeq",
    [SW_HDR_CONTACT] = "Contact",
    [SW_HDR_MAX_FORWARDS] = "Max-Forwards",
    [SW_HDR_CONTENT_TYPE] = "Content-Type",
    [SW_HDR_CONTENT_LENGTH] = "Content-Length",
    [SW_HDR_CONTENT_ENCODING] = "Content-Encoding",
    [SW_HDR_ROUTE] = "Route",
    [SW_HDR_RECORD_ROUTE] = "Record-Route",
    [SW_HDR_USER_AGENT] = "User-Agent",
    [SW_HDR_SERVER] = "Server",
    [SW_HDR_REASON] = "Reason",
    [SW_HDR_WARNING] = "Warning",
    [SW_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [SW_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [SW_HDR_AUTHORIZATION] = "Authorization",
    [SW_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [SW_HDR_EXPIRES] = "Expires",
    [SW_HDR_MIN_EXPIRES] = "Min-Expires",
    [SW_HDR_EVENT] = "Event",
    [SW_HDR_ALLOW_EVENTS] = "Allow-Events",
    [SW_HDR_SUBSCRIPTION_STATE] = "Subscription-State",
    [SW_HDR_REFER_TO] = "Refer-To",
    [SW_HDR_REFERRED_BY] = "Referred-By",
    [SW_HDR_REPLACES] = "Replaces",
    [SW_HDR_SESSION_ID] = "Session-ID",
    [SW_HDR_X_CALL_ID] = "X-Call-ID",
    [SW_HDR_X_CID] = "X-CID",
    [SW_HDR_P_ASSERTED_IDENTITY] = "P-Asserted-Identity",
    [SW_HDR_P_PREFERRED_IDENTITY] = "P-Preferred-Identity",
    [SW_HDR_REMOTE_PARTY_ID] = "Remote-Party-ID",
    [SW_HDR_DIVERSION] = "Diversion",
    [SW_HDR_HISTORY_INFO] = "History-Info",
    [SW_HDR_SUPPORTED] = "Supported",
    [SW_HDR_REQUIRE] = "Require",
    [SW_HDR_PROXY_REQUIRE] = "Proxy-Require",
    [SW_HDR_UNSUPPORTED] = "Unsupported",
    [SW_HDR_ALLOW] = "Allow",
    [SW_HDR_ACCEPT] = "Accept",
    [SW_HDR_SUBJECT] = "Subject",
    [SW_HDR_RETRY_AFTER] = "Retry-After",
    [SW_HDR_SESSION_EXPIRES] = "Session-Expires",
    [SW_HDR_MIN_SE] = "Min-SE",
    [SW_HDR_RSEQ] = "RSeq",
    [SW_HDR_RACK] = "RAck",
    [SW_HDR_DATE] = "Date",
    [SW_HDR_PATH] = "Path",
    [SW_HDR_SERVICE_ROUTE] = "Service-Route",
    [SW_HDR_CONTENT_DISPOSITION] = "Content-Disposition",
    [SW_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
    [SW_HDR_ACCEPT_CONTACT] = "Accept-Contact",
    [SW_HDR_REJECT_CONTACT] = "Reject-Contact",
    [SW_HDR_IDENTITY] = "Identity",
    [SW_HDR_PRIVACY] = "Privacy",
    [SW_HDR_MIME_VERSION] = "MIME-Version",
};

const char *sw_sip_hdr_name(sw_hdr_type t)
{
    return ((unsigned)t < SW_HDR__COUNT && hdr_names[t]) ? hdr_names[t] : "";
}

/* Compact forms (RFC 3261 7.3.3 and the IANA registry), by lowercase letter. */
static sw_hdr_type compact_type(char c)
{
    switch (lc(c)) {
    case 'a': return SW_HDR_ACCEPT_CONTACT;
    case 'b': return SW_HDR_REFERRED_BY;
    case 'c': return SW_HDR_CONTENT_TYPE;
    case 'd': return SW_HDR_REQUEST_DISPOSITION;
    case 'e': return SW_HDR_CONTENT_ENCODING;
    case 'f': return SW_HDR_FROM;
    case 'i': return SW_HDR_CALL_ID;
    case 'j': return SW_HDR_REJECT_CONTACT;
    case 'k': return SW_HDR_SUPPORTED;
    case 'l': return SW_HDR_CONTENT_LENGTH;
    case 'm': return SW_HDR_CONTACT;
    case 'o': return SW_HDR_EVENT;
    case 'r': return SW_HDR_REFER_TO;
    case 's': return SW_HDR_SUBJECT;
    case 't': return SW_HDR_TO;
    case 'u': return SW_HDR_ALLOW_EVENTS;
    case 'v': return SW_HDR_VIA;
    case 'x': return SW_HDR_SESSION_EXPIRES;
    case 'y': return SW_HDR_IDENTITY;
    default: return SW_HDR_OTHER;
    }
}

/* The switch on the first letter leaves at most a handful of candidates;
 * comparing the length first rejects almost all of them without touching
 * the bytes. No hashing, no strlen: the literal lengths are constants. */
#define NAME(lit, t)                                                                               \
    if (n == sizeof(lit) - 1 && lceq(s + 1, (lit) + 1, n - 1))                                    \
    return t

static sw_hdr_type lookup(const char *s, size_t n)
{
    if (n == 0)
        return SW_HDR_OTHER;
    if (n == 1)
        return compact_type(s[0]);
    switch (lc(s[0])) {
    case 'a':
        NAME("allow", SW_HDR_ALLOW);
        NAME("accept", SW_HDR_ACCEPT);
        NAME("allow-events", SW_HDR_ALLOW_EVENTS);
        NAME("authorization", SW_HDR_AUTHORIZATION);
        NAME("accept-contact", SW_HDR_ACCEPT_CONTACT);
        break;
    case 'c':
        NAME("cseq", SW_HDR_CSEQ);
        NAME("call-id", SW_HDR_CALL_ID);
        NAME("contact", SW_HDR_CONTACT);
        NAME("content-type", SW_HDR_CONTENT_TYPE);
        NAME("content-length", SW_HDR_CONTENT_LENGTH);
        NAME("content-encoding", SW_HDR_CONTENT_ENCODING);
        NAME("content-disposition", SW_HDR_CONTENT_DISPOSITION);
        break;
    case 'd':
        NAME("date", SW_HDR_DATE);
        NAME("diversion", SW_HDR_DIVERSION);
        break;
    case 'e':
        NAME("event", SW_HDR_EVENT);
        NAME("expires", SW_HDR_EXPIRES);
        break;
    case 'f':
        NAME("from", SW_HDR_FROM);
        break;
    case 'h':
        NAME("history-info", SW_HDR_HISTORY_INFO);
        break;
    case 'i':
        NAME("identity", SW_HDR_IDENTITY);
        break;
    case 'm':
        NAME("min-se", SW_HDR_MIN_SE);
        NAME("min-expires", SW_HDR_MIN_EXPIRES);
        NAME("max-forwards", SW_HDR_MAX_FORWARDS);
        NAME("mime-version", SW_HDR_MIME_VERSION);
        break;
    case 'p':
        NAME("path", SW_HDR_PATH);
        NAME("privacy", SW_HDR_PRIVACY);
        NAME("proxy-require", SW_HDR_PROXY_REQUIRE);
        NAME("proxy-authenticate", SW_HDR_PROXY_AUTHENTICATE);
        NAME("proxy-authorization", SW_HDR_PROXY_AUTHORIZATION);
        NAME("p-asserted-identity", SW_HDR_P_ASSERTED_IDENTITY);
        NAME("p-preferred-identity", SW_HDR_P_PREFERRED_IDENTITY);
        break;
    case 'r':
        NAME("rseq", SW_HDR_RSEQ);
        NAME("rack", SW_HDR_RACK);
        NAME("route", SW_HDR_ROUTE);
        NAME("reason", SW_HDR_REASON);
        NAME("require", SW_HDR_REQUIRE);
        NAME("refer-to", SW_HDR_REFER_TO);
        NAME("replaces", SW_HDR_REPLACES);
        NAME("referred-by", SW_HDR_REFERRED_BY);
        NAME("retry-after", SW_HDR_RETRY_AFTER);
        NAME("record-route", SW_HDR_RECORD_ROUTE);
        NAME("reject-contact", SW_HDR_REJECT_CONTACT);
        NAME("remote-party-id", SW_HDR_REMOTE_PARTY_ID);
        NAME("request-disposition", SW_HDR_REQUEST_DISPOSITION);
        break;
    case 's':
        NAME("server", SW_HDR_SERVER);
        NAME("subject", SW_HDR_SUBJECT);
        NAME("supported", SW_HDR_SUPPORTED);
        NAME("session-id", SW_HDR_SESSION_ID);
        NAME("service-route", SW_HDR_SERVICE_ROUTE);
        NAME("session-expires", SW_HDR_SESSION_EXPIRES);
        NAME("subscription-state", SW_HDR_SUBSCRIPTION_STATE);
        break;
    case 't':
        NAME("to", SW_HDR_TO);
        break;
    case 'u':
        NAME("user-agent", SW_HDR_USER_AGENT);
        NAME("unsupported", SW_HDR_UNSUPPORTED);
        break;
    case 'v':
        NAME("via", SW_HDR_VIA);
        break;
    case 'w':
        NAME("warning", SW_HDR_WARNING);
        NAME("www-authenticate", SW_HDR_WWW_AUTHENTICATE);
        break;
    case 'x':
        NAME("x-cid", SW_HDR_X_CID);
        NAME("x-call-id", SW_HDR_X_CALL_ID);
        break;
    default:
        break;
    }
    return SW_HDR_OTHER;
}
#undef NAME

sw_hdr_type sw_sip_hdr_lookup(sw_str name)
{
    if (!name.p)
        return SW_HDR_OTHER;
    return lookup(name.p, name.len);
}

/* ---- parameters --------------------------------------------------------- */

enum { P_END = 0, P_OK = 1, P_EMPTY = -1, P_BAD = -2 };

/* Next ';' at or after p that is not inside a quoted string, or e. */
static const char *next_semi(const char *p, const char *e)
{
    while (p < e && *p != ';') {
        if (*p == '"') {
            const char *q = quoted_end(p + 1, e);
            if (!q)
                return e;
            p = q + 1;
            continue;
        }
        p++;
    }
    return p;
}

/*
 * One generic-param "; name [= value]" starting at *pp (the ';' may be
 * missing when semi_optional: public slices start after it). Always moves
 * *pp past the parameter, even a bad one, so callers can keep going.
 * Returns P_OK, P_END, or P_EMPTY / P_BAD with *at on the fault; name and
 * value are set as far as they could be read (value without its quotes).
 */
static int param_next(const char **pp, const char *e, bool semi_optional, sw_str *name,
                      sw_str *val, const char **at)
{
    const char *p = skip_lws(*pp, e);
    *name = *val = mk(p, p);
    *at = p;
    if (p >= e)
        return P_END;
    if (*p == ';') {
        p = skip_lws(p + 1, e);
    } else if (!semi_optional) {
        *pp = next_semi(p, e);
        return P_BAD;
    }
    *at = p;
    const char *q = tok_end(p, e);
    *name = mk(p, q);
    if (q == p) {
        *pp = next_semi(p, e);
        return (p >= e || *p == ';') ? P_EMPTY : P_BAD;
    }
    q = skip_lws(q, e);
    *val = mk(q, q);
    int rc = P_OK;
    if (q < e && *q == '=') {
        q = skip_lws(q + 1, e);
        if (q < e && *q == '"') {
            const char *c = quoted_end(q + 1, e);
            if (!c) {
                *val = mk(q + 1, e);
                *at = q;
                *pp = e;
                return P_BAD;
            }
            *val = mk(q + 1, c);
            q = c + 1;
        } else {
            /* Common case first, in one pass: value characters up to the
             * next ';' or the end. */
            const char *fe = q;
            while (fe < e && is_c(*fe, C_PVAL))
                fe++;
            if (fe > q && (fe == e || *fe == ';')) {
                *val = mk(q, fe);
                *pp = fe;
                return P_OK;
            }
            /* Unquoted: the value runs to the next ';' so a lenient caller
             * gets all of it; the characters are checked separately. */
            const char *s = q;
            q = next_semi(q, e);
            const char *ve = rtrim(s, q);
            *val = mk(s, ve);
            for (const char *r = s; r < ve; r++) {
                if (!is_c(*r, C_PVAL)) {
                    *at = r;
                    rc = P_BAD;
                    break;
                }
            }
            if (s == ve) {
                *at = s;
                rc = P_BAD;
            }
        }
    }
    q = skip_lws(q, e);
    if (q < e && *q != ';') {
        if (rc == P_OK)
            *at = q;
        *pp = next_semi(q, e);
        return P_BAD;
    }
    *pp = q;
    return rc;
}

bool sw_sip_param_get(sw_str params, const char *name, sw_str *val)
{
    if (!params.p || !name)
        return false;
    size_t nlen = strlen(name);
    const char *p = params.p, *e = params.p + params.len, *at;
    sw_str n, v;
    bool first = true;
    for (;;) {
        int rc = param_next(&p, e, first, &n, &v, &at);
        first = false;
        if (rc == P_END)
            return false;
        if (n.len == nlen && sw_str_ieq(n, sw_str_make(name, nlen))) {
            if (val)
                *val = v;
            return true;
        }
    }
}

/* ---- comma lists -------------------------------------------------------- */

/* End of the list item starting at p: the next ',' outside quotes and <>. */
static const char *item_end(const char *p, const char *e)
{
    /* Most values hold no ',' at all: one vectorised memchr settles it. */
    if (p >= e || !memchr(p, ',', (size_t)(e - p)))
        return e;
    bool angle = false;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            const char *q = quoted_end(p + 1, e);
            if (!q)
                return e;
            p = q + 1;
            continue;
        }
        if (c == '<')
            angle = true;
        else if (c == '>')
            angle = false;
        else if (c == ',' && !angle)
            return p;
        p++;
    }
    return p;
}

bool sw_sip_list_next(sw_str *cursor, sw_str *item)
{
    if (!cursor->p) {
        *item = SW_STR_NULL;
        return false;
    }
    const char *p = cursor->p, *e = cursor->p + cursor->len;
    for (;;) {
        p = skip_lws(p, e);
        if (p >= e) {
            *cursor = mk(e, e);
            *item = mk(e, e);
            return false;
        }
        const char *q = item_end(p, e);
        const char *ie = rtrim(p, q);
        const char *next = q < e ? q + 1 : e;
        if (ie > p) {
            *item = mk(p, ie);
            *cursor = mk(next, e);
            return true;
        }
        p = next; /* empty item (",,"): skip it */
    }
}

/* ---- URI ---------------------------------------------------------------- */

/* "[userinfo@]host[:port]" of sip/sips URIs and of "//" authorities. */
static int uri_authority(const char *p, const char *e, sw_sip_uri *u, bool sip)
{
    int rc = SW_OK;
    /* The user part of a SIP URI may hold ';', '?', '/' (RFC 3261
     * user-unreserved, RFC 4475 semiuri) but never '@', so the first '@' is
     * the end of userinfo. */
    const char *at = memchr(p, '@', (size_t)(e - p));
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        u->user = mk(p, colon ? colon : at);
        if (colon)
            u->password = mk(colon + 1, at);
        if (u->user.len == 0)
            rc = SW_EFORMAT;
        p = at + 1;
    }
    if (p < e && *p == '[') {
        const char *rb = memchr(p, ']', (size_t)(e - p));
        if (!rb)
            return SW_EFORMAT;
        u->host = mk(p + 1, rb);
        p = rb + 1;
    } else {
        const char *s = p;
        while (p < e && is_c(*p, C_HOST))
            p++;
        u->host = mk(s, p);
    }
    if (u->host.len == 0)
        rc = SW_EFORMAT;
    if (p < e && *p == ':') {
        uint64_t v;
        size_t nd;
        p = scan_u64(p + 1, e, &v, &nd);
        if (nd == 0 || v > 65535)
            rc = SW_EFORMAT;
        else
            u->port = (uint16_t)v;
    }
    if (!sip)
        return (p == e) ? rc : SW_EFORMAT;
    if (p < e && *p == ';') {
        const char *q = memchr(p, '?', (size_t)(e - p));
        u->params = mk(p + 1, q ? q : e);
        p = q ? q : e;
    }
    if (p < e && *p == '?') {
        u->headers = mk(p + 1, e);
        p = e;
    }
    return (p == e) ? rc : SW_EFORMAT;
}

int sw_sip_uri_parse(sw_str s, sw_sip_uri *u)
{
    memset(u, 0, sizeof *u);
    if (!s.p)
        return SW_EFORMAT;
    const char *p = skip_lws(s.p, s.p + s.len), *e = rtrim(p, s.p + s.len);
    if (e - p >= 2 && *p == '<' && e[-1] == '>') {
        p = skip_lws(p + 1, e - 1);
        e = rtrim(p, e - 1);
    }
    const char *q = p;
    if (q >= e || !is_c(*q, C_ALPHA))
        return SW_EFORMAT;
    while (q < e && is_c(*q, C_SCHEME))
        q++;
    if (q >= e || *q != ':')
        return SW_EFORMAT;
    u->scheme = mk(p, q);
    p = q + 1;
    for (const char *r = p; r < e; r++)
        if (is_lws(*r))
            return SW_EFORMAT;
    if (STR_IS(u->scheme, "sip") || STR_IS(u->scheme, "sips"))
        return uri_authority(p, e, u, true);
    if (STR_IS(u->scheme, "tel")) {
        /* tel: the number goes in `user` (it names the party), then params. */
        const char *semi = memchr(p, ';', (size_t)(e - p));
        u->user = mk(p, semi ? semi : e);
        if (semi)
            u->params = mk(semi + 1, e);
        return u->user.len ? SW_OK : SW_EFORMAT;
    }
    if (e - p >= 2 && p[0] == '/' && p[1] == '/') {
        p += 2;
        const char *a = p;
        while (a < e && *a != '/' && *a != '?' && *a != '#')
            a++;
        int rc = uri_authority(p, a, u, false);
        if (a < e)
            u->params = mk(a, e); /* path/query kept whole for display */
        return rc;
    }
    /* Opaque URI (isbn:, urn:, name:, ...): the whole rest names the party. */
    u->user = mk(p, e);
    return u->user.len ? SW_OK : SW_EFORMAT;
}

/* ---- name-addr ---------------------------------------------------------- */

enum na_fault {
    NA_OK,
    NA_EMPTY,
    NA_UNTERM_QUOTE,
    NA_NO_LT,
    NA_DISPLAY_CHAR,
    NA_NO_GT,
    NA_WS_IN_BRACKETS,
    NA_AFTER_GT,
    NA_UNENCLOSED,
    NA_WS_IN_URI,
    NA_NO_SCHEME,
    NA_EMPTY_PARAM,
    NA_BAD_PARAM,
    NA__COUNT
};

/* Fault texts per header, built by the preprocessor so each is one static
 * string naming both the fault and the header. */
#define NA_ROW(H)                                                                                  \
    {                                                                                              \
        NULL, "empty " H, "unterminated quoted string in " H,                                      \
            "display name not followed by <URI> in " H,                                            \
            "non-token character in unquoted display name in " H, "missing '>' in " H,             \
            "whitespace inside <> in " H, "unexpected text after '>' in " H,                       \
            "URI with headers ('?') not enclosed in <> in " H, "whitespace inside URI in " H,   \
            "URI without scheme in " H,                                                            \
            "empty parameter in " H, "malformed parameter in " H                                   \
    }

_Static_assert(NA__COUNT == 13, "NA_ROW must list one text per na_fault, in order");

enum { NAK_FROM, NAK_TO, NAK_CONTACT, NAK_ROUTE, NAK_RECORD_ROUTE, NAK__COUNT };
static const char *const na_reason[NAK__COUNT][NA__COUNT] = {
    NA_ROW("From"), NA_ROW("To"), NA_ROW("Contact"), NA_ROW("Route"), NA_ROW("Record-Route"),
};

static bool has_scheme(const char *p, const char *e)
{
    if (p >= e || !is_c(*p, C_ALPHA))
        return false;
    while (p < e && is_c(*p, C_SCHEME))
        p++;
    return p < e && *p == ':';
}

/* Scans one name-addr / addr-spec value [p, e). Fills na as far as it can
 * read and returns the first fault (NA_OK when none) with *at on it. */
static int na_scan(const char *p, const char *e, sw_sip_nameaddr *na, const char **at)
{
    memset(na, 0, sizeof *na);
    p = skip_lws(p, e);
    e = rtrim(p, e);
    *at = p;
    if (p >= e)
        return NA_EMPTY;
    int fault = NA_OK;
#define NA_FAULT(code, where)                                                                      \
    do {                                                                                           \
        if (fault == NA_OK) {                                                                      \
            fault = (code);                                                                        \
            *at = (where);                                                                         \
        }                                                                                          \
    } while (0)

    const char *lt = NULL;
    if (*p == '"') {
        const char *q = quoted_end(p + 1, e);
        if (!q) {
            /* Show what can be read: the display runs to the end, but a
             * <URI> inside it is most likely the intended address. */
            na->display = mk(p + 1, e);
            const char *l = memchr(p, '<', (size_t)(e - p));
            const char *g = l ? memchr(l, '>', (size_t)(e - l)) : NULL;
            if (g)
                na->uri = mk(l + 1, g);
            *at = p;
            return NA_UNTERM_QUOTE;
        }
        na->display = mk(p + 1, q);
        q = skip_lws(q + 1, e);
        if (q >= e || *q != '<') {
            *at = q;
            return NA_NO_LT;
        }
        lt = q;
    } else {
        /* name-addr when a '<' comes before any ';' (display names cannot
         * hold ';'); otherwise an addr-spec whose ';' params belong to the
         * header, not the URI (RFC 3261 20.10). */
        for (const char *q = p; q < e && *q != ';'; q++) {
            if (*q == '<') {
                lt = q;
                break;
            }
        }
        if (lt) {
            const char *de = rtrim(p, lt);
            na->display = mk(p, de);
            for (const char *q = p; q < de; q++) {
                if (!is_tok(*q) && !is_lws(*q)) {
                    NA_FAULT(NA_DISPLAY_CHAR, q);
                    break;
                }
            }
        }
    }

    const char *rest;
    if (lt) {
        const char *gt = memchr(lt + 1, '>', (size_t)(e - lt - 1));
        const char *ue = gt ? gt : e;
        const char *us = skip_lws(lt + 1, ue), *uend = rtrim(us, ue);
        na->uri = mk(us, uend);
        if (!gt) {
            NA_FAULT(NA_NO_GT, e);
            return fault;
        }
        if (us != lt + 1 || uend != gt)
            NA_FAULT(NA_WS_IN_BRACKETS, us != lt + 1 ? lt + 1 : uend);
        rest = skip_lws(gt + 1, e);
        if (rest < e && *rest != ';') {
            NA_FAULT(NA_AFTER_GT, rest);
            rest = next_semi(rest, e);
        }
    } else {
        rest = next_semi(p, e);
        const char *uend = rtrim(p, rest);
        na->uri = mk(p, uend);
        for (const char *q = p; q < uend; q++) {
            if (*q == '?' || is_lws(*q)) {
                NA_FAULT(*q == '?' ? NA_UNENCLOSED : NA_WS_IN_URI, q);
                break;
            }
        }
    }
    bool star = na->uri.len == 1 && na->uri.p[0] == '*'; /* Contact: * */
    if (!star && !has_scheme(na->uri.p, na->uri.p + na->uri.len))
        NA_FAULT(NA_NO_SCHEME, na->uri.p);

    if (rest < e) { /* *rest == ';' */
        na->params = mk(skip_lws(rest + 1, e), e);
        const char *pp = rest, *pat;
        sw_str n, v;
        for (;;) {
            int rc = param_next(&pp, e, false, &n, &v, &pat);
            if (rc == P_END)
                break;
            if (rc < 0)
                NA_FAULT(rc == P_EMPTY ? NA_EMPTY_PARAM : NA_BAD_PARAM, pat);
            if (n.len == 3 && lceq(n.p, "tag", 3) && !na->tag.p)
                na->tag = v;
        }
    }
    if (!na->tag.p)
        na->tag = mk(e, e);
#undef NA_FAULT
    return fault;
}

int sw_sip_nameaddr_parse(sw_str s, sw_sip_nameaddr *na)
{
    if (!s.p) {
        memset(na, 0, sizeof *na);
        return SW_EFORMAT;
    }
    const char *at;
    return na_scan(s.p, s.p + s.len, na, &at) == NA_OK ? SW_OK : SW_EFORMAT;
}

/* ---- Via ---------------------------------------------------------------- */

enum via_fault {
    VIA_OK,
    VIA_EMPTY,
    VIA_PROTO,
    VIA_HOST,
    VIA_PORT,
    VIA_JUNK,
    VIA_EMPTY_PARAM,
    VIA_BAD_PARAM,
    VIA_RPORT,
    VIA__COUNT
};

static const char *const via_reason[VIA__COUNT] = {
    NULL,
    "empty value in Via",
    "malformed sent-protocol in Via",
    "missing or malformed host in Via",
    "port out of range in Via",
    "unexpected text after sent-by in Via",
    "empty parameter in Via",
    "malformed parameter in Via",
    "rport out of range in Via",
};

/* Scans one via-parm "SIP / 2.0 / UDP host[:port] *(; param)" from [p, e);
 * stops at a ',' that starts the next value. *endp gets where it stopped. */
static int via_scan(const char *p, const char *e, sw_sip_via *v, const char **at,
                    const char **endp)
{
    memset(v, 0, sizeof *v);
    int fault = VIA_OK;
#define VIA_FAULT(code, where)                                                                     \
    do {                                                                                           \
        if (fault == VIA_OK) {                                                                     \
            fault = (code);                                                                        \
            *at = (where);                                                                         \
        }                                                                                          \
    } while (0)
    p = skip_lws(p, e);
    e = item_end(p, e);
    *endp = e;
    e = rtrim(p, e);
    *at = p;
    if (p >= e)
        return VIA_EMPTY;

    /* sent-protocol: each '/' may have LWS around it (RFC 3261 SLASH). */
    const char *q = tok_end(p, e);
    if (q == p) {
        *at = p;
        return VIA_PROTO;
    }
    q = skip_lws(q, e);
    if (q >= e || *q != '/') {
        *at = q;
        return VIA_PROTO;
    }
    q = skip_lws(q + 1, e);
    const char *ver = q;
    q = tok_end(q, e);
    if (q == ver) {
        *at = q;
        return VIA_PROTO;
    }
    v->protocol = mk(p, q);
    q = skip_lws(q, e);
    if (q >= e || *q != '/') {
        *at = q;
        return VIA_PROTO;
    }
    q = skip_lws(q + 1, e);
    const char *tr = q;
    q = tok_end(q, e);
    v->transport = mk(tr, q);
    if (q == tr) {
        *at = q;
        return VIA_PROTO;
    }
    const char *h = skip_lws(q, e);
    if (h == q || h >= e) {
        *at = h;
        return VIA_HOST;
    }

    /* sent-by */
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(e - h));
        if (!rb) {
            *at = h;
            return VIA_HOST;
        }
        v->host = mk(h + 1, rb);
        q = rb + 1;
    } else {
        q = h;
        while (q < e && is_c(*q, C_HOST))
            q++;
        v->host = mk(h, q);
    }
    if (v->host.len == 0)
        VIA_FAULT(VIA_HOST, h);
    q = skip_lws(q, e);
    if (q < e && *q == ':') {
        uint64_t port;
        size_t nd;
        const char *ps = skip_lws(q + 1, e);
        q = scan_u64(ps, e, &port, &nd);
        if (nd == 0 || port > 65535)
            VIA_FAULT(VIA_PORT, ps);
        else
            v->port = (uint16_t)port;
        q = skip_lws(q, e);
    }
    if (q < e && *q != ';') {
        VIA_FAULT(VIA_JUNK, q);
        q = next_semi(q, e);
    }
    if (q < e) {
        v->params = mk(skip_lws(q + 1, e), e);
        const char *pp = q, *pat;
        sw_str n, val;
        for (;;) {
            int rc = param_next(&pp, e, false, &n, &val, &pat);
            if (rc == P_END)
                break;
            if (rc < 0)
                VIA_FAULT(rc == P_EMPTY ? VIA_EMPTY_PARAM : VIA_BAD_PARAM, pat);
            switch (n.len) {
            case 5:
                if (lceq(n.p, "rport", 5) && !v->has_rport) {
                    v->has_rport = true;
                    if (val.len) {
                        uint64_t rp;
                        size_t nd;
                        const char *ve = scan_u64(val.p, val.p + val.len, &rp, &nd);
                        if (ve != val.p + val.len || rp > 65535)
                            VIA_FAULT(VIA_RPORT, val.p);
                        else
                            v->rport = (uint16_t)rp;
                    }
                }
                break;
            case 6:
                if (lceq(n.p, "branch", 6) && !v->branch.p)
                    v->branch = val;
                break;
            case 8:
                if (lceq(n.p, "received", 8) && !v->received.p)
                    v->received = val;
                break;
            default:
                break;
            }
        }
    }
#undef VIA_FAULT
    return fault;
}

int sw_sip_via_parse(sw_str s, sw_sip_via *v)
{
    if (!s.p) {
        memset(v, 0, sizeof *v);
        return SW_EFORMAT;
    }
    const char *at, *end;
    return via_scan(s.p, s.p + s.len, v, &at, &end) == VIA_OK ? SW_OK : SW_EFORMAT;
}

/* ---- CSeq --------------------------------------------------------------- */

/* "1*DIGIT LWS Method". num gets the number when it fits 32 bits (else 0).
 * Returns a fault text or NULL with *at on it; *range31 is set when the only
 * fault is a number in 2**31..2**32-1, which RFC 3261 8.1.1.5 forbids but
 * which still fits the field (the first pass flags it, cseq_parse accepts). */
static const char *cseq_scan(const char *p, const char *e, uint32_t *num, sw_str *method,
                             const char **at, bool *range31)
{
    *num = 0;
    *range31 = false;
    p = skip_lws(p, e);
    e = rtrim(p, e);
    *method = mk(e, e);
    *at = p;
    uint64_t v;
    size_t nd;
    const char *q = scan_u64(p, e, &v, &nd);
    if (nd == 0)
        return "CSeq has no sequence number";
    const char *ms = skip_lws(q, e);
    const char *me = tok_end(ms, e);
    /* A method with a byte that is not a token character is still reported
     * as the whole word (and flagged below), not cut at the bad byte. */
    const char *we = me;
    while (we > ms && we < e && !is_lws(*we))
        we++; /* only a word that starts like a method extends past a bad byte */
    *method = mk(ms, we);
    if (v > UINT32_MAX)
        return "CSeq number out of range";
    *num = (uint32_t)v;
    if (ms == me) {
        *at = ms;
        return "CSeq has no method";
    }
    if (ms == q || me != e) {
        *at = ms == q ? q : me;
        return "malformed CSeq";
    }
    if (v >= (1ull << 31)) {
        *range31 = true;
        return "CSeq number out of range";
    }
    return NULL;
}

int sw_sip_cseq_parse(sw_str s, uint32_t *num, sw_str *method)
{
    uint32_t n = 0;
    sw_str mth = SW_STR_NULL;
    const char *at, *fault = "CSeq has no sequence number";
    bool range31 = false;
    if (s.p)
        fault = cseq_scan(s.p, s.p + s.len, &n, &mth, &at, &range31);
    if (num)
        *num = n;
    if (method)
        *method = mth;
    return (fault && !range31) ? SW_EFORMAT : SW_OK;
}

/* ---- auth --------------------------------------------------------------- */

int sw_sip_auth_parse(sw_str s, sw_sip_auth *a)
{
    memset(a, 0, sizeof *a);
    if (!s.p)
        return SW_EFORMAT;
    const char *p = skip_lws(s.p, s.p + s.len), *e = rtrim(p, s.p + s.len);
    const char *q = tok_end(p, e);
    a->scheme = mk(p, q);
    if (q == p)
        return SW_EFORMAT;
    if (q < e && !is_lws(*q))
        return SW_EFORMAT;
    p = q;
    for (;;) {
        p = skip_lws(p, e);
        if (p >= e)
            return SW_OK;
        const char *ns = p;
        p = tok_end(p, e);
        sw_str name = mk(ns, p);
        if (name.len == 0)
            return SW_EFORMAT;
        p = skip_lws(p, e);
        if (p >= e || *p != '=')
            return SW_EFORMAT;
        p = skip_lws(p + 1, e);
        sw_str val;
        if (p < e && *p == '"') {
            const char *c = quoted_end(p + 1, e);
            if (!c)
                return SW_EFORMAT;
            val = mk(p + 1, c);
            p = c + 1;
        } else {
            const char *vs = p;
            while (p < e && *p != ',' && !is_lws(*p))
                p++;
            val = mk(vs, p);
        }
        sw_str *dst = NULL;
        switch (name.len) {
        case 2:
            if (lceq(name.p, "nc", 2))
                dst = &a->nc;
            break;
        case 3:
            if (lceq(name.p, "uri", 3))
                dst = &a->uri;
            else if (lceq(name.p, "qop", 3))
                dst = &a->qop;
            break;
        case 5:
            if (lceq(name.p, "realm", 5))
                dst = &a->realm;
            else if (lceq(name.p, "nonce", 5))
                dst = &a->nonce;
            else if (lceq(name.p, "stale", 5))
                a->stale = str_lceq(val, "true", 4);
            break;
        case 6:
            if (lceq(name.p, "opaque", 6))
                dst = &a->opaque;
            else if (lceq(name.p, "cnonce", 6))
                dst = &a->cnonce;
            break;
        case 8:
            if (lceq(name.p, "username", 8))
                dst = &a->username;
            else if (lceq(name.p, "response", 8))
                dst = &a->response;
            break;
        case 9:
            if (lceq(name.p, "algorithm", 9))
                dst = &a->algorithm;
            break;
        default:
            break;
        }
        if (dst && !dst->p)
            *dst = val;
        p = skip_lws(p, e);
        if (p < e) {
            if (*p != ',')
                return SW_EFORMAT;
            p++;
        }
    }
}

/* ---- header access ------------------------------------------------------ */

const sw_sip_header *sw_sip_hdr_next(const sw_sip_msg *m, sw_hdr_type t, const sw_sip_header *prev)
{
    if (!m || !m->hdrs || (unsigned)t >= SW_HDR__COUNT)
        return NULL;
    size_t i = 0;
    if (prev) {
        /* Only pointers into this message's array are followed. */
        if (prev < m->hdrs || prev >= m->hdrs + m->nhdrs)
            return NULL;
        i = (size_t)(prev - m->hdrs) + 1;
    } else if (t != SW_HDR_OTHER) {
        return m->first[t];
    }
    for (; i < m->nhdrs; i++)
        if (m->hdrs[i].type == (uint32_t)t)
            return &m->hdrs[i];
    return NULL;
}

const sw_sip_header *sw_sip_hdr_find(const sw_sip_msg *m, sw_str name)
{
    if (!m || !m->hdrs || !name.p)
        return NULL;
    sw_hdr_type t = lookup(name.p, name.len);
    if (t != SW_HDR_OTHER)
        return m->first[t];
    for (size_t i = 0; i < m->nhdrs; i++)
        if (m->hdrs[i].type == SW_HDR_OTHER && sw_str_ieq(m->hdrs[i].name, name))
            return &m->hdrs[i];
    return NULL;
}

/* ---- the message parser ------------------------------------------------- */

/* "unknown SIP version SIP/x.y" for every single-digit x.y, so the reason can
 * name the version and still be a static string. */
#define UV(a, b) "unknown SIP version SIP/" #a "." #b
#define UVROW(a) UV(a, 0), UV(a, 1), UV(a, 2), UV(a, 3), UV(a, 4), UV(a, 5), UV(a, 6), UV(a, 7), \
                 UV(a, 8), UV(a, 9)
static const char *const unknown_version[100] = {
    UVROW(0), UVROW(1), UVROW(2), UVROW(3), UVROW(4),
    UVROW(5), UVROW(6), UVROW(7), UVROW(8), UVROW(9),
};
#undef UVROW
#undef UV

/* Required headers missing, indexed by bit: 1 To, 2 From, 4 Call-ID, 8 CSeq. */
static const char *const missing_reason[16] = {
    NULL,
    "missing To",
    "missing From",
    "missing To, From",
    "missing Call-ID",
    "missing To, Call-ID",
    "missing From, Call-ID",
    "missing To, From, Call-ID",
    "missing CSeq",
    "missing To, CSeq",
    "missing From, CSeq",
    "missing To, From, CSeq",
    "missing Call-ID, CSeq",
    "missing To, Call-ID, CSeq",
    "missing From, Call-ID, CSeq",
    "missing To, From, Call-ID, CSeq",
};

static inline void fault(sw_sip_msg *m, const char *why, const char *at)
{
    if (m->malformed)
        return;
    m->malformed = why;
    m->malformed_off = (uint32_t)(at - m->buf);
    m->flags |= SW_SIPF_MALFORMED;
}

static const char *version_fault(const char *v, size_t n)
{
    if (n == 7 && lceq(v, "sip/2.0", 7))
        return NULL;
    if (n == 7 && lceq(v, "sip/", 4) && is_digit(v[4]) && v[5] == '.' && is_digit(v[6]))
        return unknown_version[(v[4] - '0') * 10 + (v[6] - '0')];
    /* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT: well-formed but unknown */
    uint64_t x;
    size_t d1, d2;
    const char *e = v + n;
    const char *q = n > 4 && lceq(v, "sip/", 4) ? scan_u64(v + 4, e, &x, &d1) : NULL;
    if (q && d1 && q < e && *q == '.' && scan_u64(q + 1, e, &x, &d2) == e && d2)
        return "unknown SIP version";
    return "malformed SIP version";
}

/* Start-line kinds. */
enum { SL_NONE, SL_REQUEST, SL_RESPONSE };

/* Decides from the first line [b, e) (CR already stripped) whether the bytes
 * start like SIP: a status line "SIP/..." or a request line
 * "token SP ... SIP/..." (the last word). Shared by parse and frame so the
 * two agree on what is SIP. *method_end gets the request method's end. */
static int start_kind(const char *b, const char *e, const char **method_end)
{
    if (e - b >= 4 && lceq(b, "sip/", 4))
        return SL_RESPONSE;
    const char *q = tok_end(b, e);
    if (q == b || q >= e || *q != ' ')
        return SL_NONE;
    *method_end = q;
    const char *t = e;
    while (t > q && is_sp(t[-1]))
        t--;
    const char *v = t;
    while (v > q && !is_sp(v[-1]))
        v--;
    if (t - v < 4 || !lceq(v, "sip/", 4))
        return SL_NONE;
    return SL_REQUEST;
}

static void parse_request_line(sw_sip_msg *m, const char *b, const char *e, const char *q)
{
    m->is_request = true;
    m->status = 0;
    m->method = mk(b, q);
    const char *t = e;
    while (t > q && is_sp(t[-1]))
        t--;
    const char *v = t;
    while (v > q && !is_sp(v[-1]))
        v--;
    m->version = mk(v, t);

    /* The Request-URI is everything between the method's SP and the
     * version's SP; extra whitespace is a fault but the URI is still shown. */
    const char *us = q + 1, *ue = v > us ? v - 1 : us;
    if (ue <= us) {
        fault(m, "missing Request-URI", us);
        m->ruri = mk(us, us);
    } else {
        if (is_sp(*us) || is_sp(ue[-1]))
            fault(m, "several SP between Request-Line elements", is_sp(*us) ? us : ue - 1);
        while (us < ue && is_sp(*us))
            us++;
        while (ue > us && is_sp(ue[-1]))
            ue--;
        m->ruri = mk(us, ue);
        for (const char *r = us; r < ue; r++) {
            if (is_sp(*r)) {
                fault(m, "whitespace inside Request-URI", r);
                break;
            }
        }
        if (us < ue && *us == '<') {
            fault(m, "Request-URI enclosed in <>", us);
        } else if (!has_scheme(us, ue)) {
            fault(m, "Request-URI has no scheme", us);
        } else if (lc(*us) == 's') {
            /* sip/sips: a headers part ("?...") is not allowed in a
             * Request-URI (RFC 3261 19.1.1 table); '?' before the '@' is
             * part of the user (RFC 4475 intmeth), after it starts headers. */
            const char *colon = memchr(us, ':', (size_t)(ue - us));
            sw_str scheme = mk(us, colon);
            if (STR_IS(scheme, "sip") || STR_IS(scheme, "sips")) {
                const char *h = colon + 1;
                const char *at = memchr(h, '@', (size_t)(ue - h));
                if (at)
                    h = at + 1;
                const char *qm = memchr(h, '?', (size_t)(ue - h));
                if (qm)
                    fault(m, "headers ('?') not allowed in Request-URI", qm);
            }
        }
    }
    const char *vf = version_fault(v, (size_t)(t - v));
    if (vf)
        fault(m, vf, v);
    if (t < e)
        fault(m, "SP at end of Request-Line", t);
}

static void parse_status_line(sw_sip_msg *m, const char *b, const char *e)
{
    m->is_request = false;
    m->status = -1;
    const char *sp = b;
    while (sp < e && !is_sp(*sp))
        sp++;
    m->version = mk(b, sp);
    const char *vf = version_fault(b, (size_t)(sp - b));
    if (vf)
        fault(m, vf, b);
    m->reason = mk(e, e);
    if (sp >= e) {
        fault(m, "missing status code", sp);
        return;
    }
    const char *p = sp + 1;
    if (p < e && is_sp(*p)) {
        fault(m, "several SP in Status-Line", p);
        while (p < e && is_sp(*p))
            p++;
    }
    uint64_t code;
    size_t nd;
    const char *q = scan_u64(p, e, &code, &nd);
    if (nd == 0) {
        fault(m, "malformed status code", p);
    } else {
        m->status = code <= INT_MAX ? (int)code : -1;
        if (nd != 3 || code < 100 || code > 699)
            fault(m, "status code out of range", p);
    }
    if (q >= e) {
        if (nd)
            fault(m, "missing SP after status code", q);
        return;
    }
    if (*q == ' ') {
        m->reason = mk(q + 1, e);
    } else {
        fault(m, "malformed status code", q);
        m->reason = mk(q, e);
    }
}

/* RFC 1123 date as SIP requires: "Fri, 01 Jan 2010 16:00:00 GMT". */
static const char *date_fault(sw_str v, const char **at)
{
    static const char shape[] = "Aaa, 00 Aaa 0000 00:00:00 ";
    *at = v.p;
    if (v.len != 29)
        return "malformed Date";
    for (size_t i = 0; i < 26; i++) {
        char c = v.p[i], s = shape[i];
        bool ok = (s == 'A' || s == 'a') ? is_c(c, C_ALPHA) : s == '0' ? is_digit(c) : c == s;
        if (!ok) {
            *at = v.p + i;
            return "malformed Date";
        }
    }
    if (memcmp(v.p + 26, "GMT", 3) != 0) {
        *at = v.p + 26;
        return "time zone in Date is not GMT";
    }
    return NULL;
}

/* delta-seconds may not exceed 2**32-1 (RFC 3261 20.19, 20.33; RFC 4475
 * scalar02/scalarlg). Only the leading digits are judged: Retry-After may
 * carry a comment and params, old agents send dates in Expires. */
static bool delta_overflows(sw_str v)
{
    uint64_t x;
    size_t nd;
    scan_u64(v.p, v.p + v.len, &x, &nd);
    return nd && x > UINT32_MAX;
}

static void check_call_id(sw_sip_msg *m, sw_str v)
{
    if (v.len == 0) {
        fault(m, "empty Call-ID", v.p);
        return;
    }
    /* callid = word [ "@" word ] */
    bool at_seen = false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (is_c(c, C_WORD))
            continue;
        if (c == '@' && !at_seen && i > 0 && i + 1 < v.len) {
            at_seen = true;
            continue;
        }
        fault(m, "invalid character in Call-ID", v.p + i);
        return;
    }
}

static void check_nameaddr_list(sw_sip_msg *m, sw_str v, int kind, bool list)
{
    const char *p = v.p, *e = v.p + v.len, *at;
    sw_sip_nameaddr na;
    if (!list) {
        int f = na_scan(p, e, &na, &at);
        if (f != NA_OK)
            fault(m, na_reason[kind][f], at);
        return;
    }
    if (kind == NAK_CONTACT && v.len == 1 && v.p[0] == '*')
        return;
    for (;;) {
        const char *ie = item_end(p, e);
        int f = na_scan(p, ie, &na, &at);
        if (f != NA_OK) {
            fault(m, na_reason[kind][f], at);
            return;
        }
        if (kind == NAK_CONTACT) {
            sw_str ex;
            if (sw_sip_param_get(na.params, "expires", &ex) && delta_overflows(ex)) {
                fault(m, "expires parameter out of range in Contact", ex.p);
                return;
            }
        }
        if (ie >= e)
            return;
        p = ie + 1;
    }
}

static void check_via(sw_sip_msg *m, sw_str v)
{
    const char *p = v.p, *e = v.p + v.len, *at, *end;
    sw_sip_via via;
    for (;;) {
        int f = via_scan(p, e, &via, &at, &end);
        if (f != VIA_OK) {
            fault(m, via_reason[f], at);
            return;
        }
        if (end >= e)
            return;
        p = end + 1;
    }
}

/* Bit for "this type was already seen", for single-valued headers. */
#define SEEN(t) (1ull << (t))
_Static_assert(SW_HDR__COUNT <= 64, "the seen mask has one bit per header type");

/*
 * Everything the first pass derives from one header, and its grammar check.
 * `check` is false once a fault is recorded: only the first one is kept, so
 * later checks would be wasted work (derived values are still filled).
 */
static void on_header(sw_sip_msg *m, unsigned type, sw_str v, const char *line, uint64_t *seen)
{
    bool dup = (*seen & SEEN(type)) != 0;
    *seen |= SEEN(type);
    bool check = m->malformed == NULL;
    const char *at;
    switch (type) {
    case SW_HDR_CALL_ID:
        if (!dup) {
            m->call_id = v;
            if (check)
                check_call_id(m, v);
        } else {
            fault(m, "several Call-ID headers", line);
        }
        break;
    case SW_HDR_CSEQ:
        if (!dup) {
            bool r31;
            const char *f = cseq_scan(v.p, v.p + v.len, &m->cseq, &m->cseq_method, &at, &r31);
            if (f)
                fault(m, f, at);
            else if (m->is_request && !sw_str_eq(m->cseq_method, m->method))
                fault(m, "CSeq method does not match request method", m->cseq_method.p);
        } else {
            fault(m, "several CSeq headers", line);
        }
        break;
    case SW_HDR_CONTENT_LENGTH:
        if (!dup) {
            uint64_t x;
            size_t nd;
            const char *q = scan_u64(v.p, v.p + v.len, &x, &nd);
            if (nd && q == v.p + v.len && x <= INT64_MAX)
                m->content_length = (int64_t)x;
            else if (nd && q == v.p + v.len)
                fault(m, "Content-Length out of range", v.p);
            else if (v.len > 1 && v.p[0] == '-' && is_digit(v.p[1]))
                fault(m, "negative Content-Length", v.p);
            else
                fault(m, "Content-Length is not a number", v.p);
        } else {
            fault(m, "several Content-Length headers", line);
        }
        break;
    case SW_HDR_FROM:
    case SW_HDR_TO:
        if (dup) {
            fault(m, type == SW_HDR_FROM ? "several From headers" : "several To headers", line);
        } else {
            /* The scan both checks the grammar and finds the tag. */
            sw_sip_nameaddr na;
            int f = na_scan(v.p, v.p + v.len, &na, &at);
            if (f == NA_OK)
                *(type == SW_HDR_FROM ? &m->from_tag : &m->to_tag) = na.tag;
            else if (check)
                fault(m, na_reason[type == SW_HDR_FROM ? NAK_FROM : NAK_TO][f], at);
        }
        break;
    case SW_HDR_VIA:
        if (!dup) {
            /* The first value of the first Via is the transaction's key. */
            const char *end;
            int f = via_scan(v.p, v.p + v.len, &m->top_via, &at, &end);
            m->has_top_via = f == VIA_OK;
            if (f != VIA_OK) {
                if (check)
                    fault(m, via_reason[f], at);
            } else if (check && end < v.p + v.len) {
                check_via(m, mk(end + 1, v.p + v.len));
            }
        } else if (check) {
            check_via(m, v);
        }
        break;
    case SW_HDR_CONTACT:
        if (check)
            check_nameaddr_list(m, v, NAK_CONTACT, true);
        break;
    case SW_HDR_ROUTE:
        if (check)
            check_nameaddr_list(m, v, NAK_ROUTE, true);
        break;
    case SW_HDR_RECORD_ROUTE:
        if (check)
            check_nameaddr_list(m, v, NAK_RECORD_ROUTE, true);
        break;
    case SW_HDR_MAX_FORWARDS:
        if (dup) {
            fault(m, "several Max-Forwards headers", line);
        } else if (check) {
            uint64_t x;
            size_t nd;
            const char *q = scan_u64(v.p, v.p + v.len, &x, &nd);
            if (nd == 0 || q != v.p + v.len)
                fault(m, "Max-Forwards is not a number", v.p);
            else if (x > 255)
                fault(m, "Max-Forwards out of range", v.p);
        }
        break;
    case SW_HDR_CONTENT_TYPE:
        if (dup)
            fault(m, "several Content-Type headers", line);
        break;
    case SW_HDR_EXPIRES:
        if (check && delta_overflows(v))
            fault(m, "Expires out of range", v.p);
        break;
    case SW_HDR_RETRY_AFTER:
        if (check && delta_overflows(v))
            fault(m, "Retry-After out of range", v.p);
        break;
    case SW_HDR_DATE:
        if (check) {
            const char *f = date_fault(v, &at);
            if (f)
                fault(m, f, at);
        }
        break;
    case SW_HDR_WARNING:
        if (check) {
            uint64_t x;
            size_t nd;
            const char *q = scan_u64(v.p, v.p + v.len, &x, &nd);
            if (nd != 3 || q >= v.p + v.len || *q != ' ')
                fault(m, "Warning code is not 3 digits", v.p);
        }
        break;
    default:
        break;
    }
}

int64_t sw_sip_parse(sw_sip_msg *m, const char *buf, size_t len, sw_sip_header *hdrs, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->buf = buf;
    m->hdrs = hdrs;
    m->hdr_cap = hdrs ? cap : 0;
    m->status = -1;
    m->content_length = -1;
    if (!buf || len == 0)
        return SW_SIP_NOT_SIP;
    if (len > UINT32_MAX) /* offsets are 32-bit; no SIP message is that big */
        len = UINT32_MAX;
    const char *end = buf + len;

    /* Start line. A lone CR (its LF lost or overwritten) also ends it, as
     * Wireshark reads it: the message is kept and flagged, not dropped. */
    const char *nl = memchr(buf, '\n', len);
    const char *le = nl ? nl : end;
    const char *cr = memchr(buf, '\r', (size_t)(le - buf));
    const char *method_end = NULL;
    int kind = SL_NONE;
    /* ...but only when what precedes the CR is a whole start line; a stray
     * CR inside a line does not end it. */
    bool lone_cr = cr && cr + 1 < end && cr[1] != '\n' &&
                   (kind = start_kind(buf, cr, &method_end)) != SL_NONE;
    if (lone_cr) {
        le = cr;
        nl = cr; /* the next line starts after the CR */
    } else {
        if (le > buf && le[-1] == '\r')
            le--;
        kind = start_kind(buf, le, &method_end);
    }
    if (kind == SL_NONE)
        return SW_SIP_NOT_SIP;
    if (kind == SL_REQUEST)
        parse_request_line(m, buf, le, method_end);
    else
        parse_status_line(m, buf, le);
    if (lone_cr)
        fault(m, "start line ends with a bare CR", cr);
    else if (nl && (nl == buf || nl[-1] != '\r'))
        m->flags |= SW_SIPF_BARE_LF;
    if (!nl) {
        fault(m, "message ends inside the start line", end);
        m->flags |= SW_SIPF_TRUNCATED;
        m->len = len;
        m->body = mk(end, end);
        return (int64_t)len;
    }

    /* Headers: one memchr per physical line; a line starting with SP/HTAB
     * continues the previous header (fold), so a header is extended until
     * the next line starts with something else. */
    uint64_t seen = 0;
    const char *cl_at = NULL;
    const char *p = nl + 1;
    const char *body = NULL;
    if (p < end && is_sp(*p))
        fault(m, "continuation line after the start line", p);
    while (p < end) {
        if (*p == '\n' || (*p == '\r' && end - p >= 2 && p[1] == '\n')) {
            if (*p == '\n')
                m->flags |= SW_SIPF_BARE_LF;
            body = p + (*p == '\n' ? 1 : 2);
            break;
        }
        if (*p == '\r' && end - p == 1)
            break; /* cut between the CR and LF of the blank line */
        const char *line = p;
        nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (nl && nl[-1] != '\r')
            m->flags |= SW_SIPF_BARE_LF;
        while (next < end && is_sp(*next)) {
            nl = memchr(next, '\n', (size_t)(end - next));
            if (nl && nl[-1] != '\r')
                m->flags |= SW_SIPF_BARE_LF;
            eol = nl ? nl : end;
            next = nl ? nl + 1 : end;
        }

        if (is_sp(*line)) {
            /* Only possible right after the start line (folds are absorbed
             * above); it belongs to no header, so it is not indexed. */
            p = next;
            continue;
        }

        /* name: token, then optional SP/HTAB, then ':' (RFC 3261 HCOLON) */
        const char *ne = tok_end(p, eol);
        const char *colon = ne;
        while (colon < eol && is_sp(*colon))
            colon++;
        if (ne == p || colon >= eol || *colon != ':') {
            colon = memchr(p, ':', (size_t)(eol - p));
            if (!colon) {
                fault(m, "header line without ':'", line);
                p = next;
                continue;
            }
            fault(m, "invalid character in header name", ne);
            ne = colon;
            while (ne > p && is_lws(ne[-1]))
                ne--;
        }
        const char *vs = skip_lws(colon + 1, eol), *ve = rtrim(vs, eol);
        sw_str value = mk(vs, ve);
        unsigned type = (unsigned)lookup(p, (size_t)(ne - p));

        if (m->nhdrs < m->hdr_cap) {
            sw_sip_header *h = &hdrs[m->nhdrs++];
            h->name = mk(p, ne);
            h->value = value;
            h->type = type;
            h->off = (uint32_t)(line - buf);
            if (type != SW_HDR_OTHER && !m->first[type])
                m->first[type] = h;
        } else {
            m->flags |= SW_SIPF_TOO_MANY_HDRS;
            fault(m, "too many headers", line);
        }
        if (type != SW_HDR_OTHER) {
            if (type == SW_HDR_CONTENT_LENGTH && !cl_at)
                cl_at = vs;
            on_header(m, type, value, line, &seen);
        }
        p = next;
    }

    if (!body) {
        /* No blank line: the capture or datagram stopped inside the head. */
        fault(m, "message ends inside the headers", end);
        m->flags |= SW_SIPF_TRUNCATED;
        if (m->content_length < 0 && !(seen & SEEN(SW_HDR_CONTENT_LENGTH)))
            m->flags |= SW_SIPF_NO_CLEN;
        m->body = mk(end, end);
        m->len = len;
        return (int64_t)len;
    }

    unsigned missing = (!(seen & SEEN(SW_HDR_TO)) ? 1u : 0u) |
                       (!(seen & SEEN(SW_HDR_FROM)) ? 2u : 0u) |
                       (!(seen & SEEN(SW_HDR_CALL_ID)) ? 4u : 0u) |
                       (!(seen & SEEN(SW_HDR_CSEQ)) ? 8u : 0u);
    if (missing)
        fault(m, missing_reason[missing], body);
    else if (!(seen & SEEN(SW_HDR_VIA)))
        fault(m, "missing Via", body);

    size_t avail = (size_t)(end - body);
    size_t blen = avail;
    if (!(seen & SEEN(SW_HDR_CONTENT_LENGTH))) {
        /* Without Content-Length a datagram's body runs to its end (RFC 3261
         * 18.3); sw_sip_frame counts it as 0, so a framed stream message
         * passed here ends at the blank line anyway. */
        m->flags |= SW_SIPF_NO_CLEN;
    } else if (m->content_length >= 0) {
        if ((uint64_t)m->content_length > avail) {
            m->flags |= SW_SIPF_TRUNCATED;
            fault(m, "Content-Length larger than the message", cl_at);
        } else {
            blen = (size_t)m->content_length;
            if (blen < avail)
                m->flags |= SW_SIPF_TRAILING;
        }
    }
    m->body = mk(body, body + blen);
    m->len = (size_t)(body - buf) + blen;
    return (int64_t)m->len;
}

/* ---- quick test and stream framing ------------------------------------ */

bool sw_sip_looks_like(const char *buf, size_t len)
{
    if (!buf || len < 12)
        return false;
    /* Status line: "SIP/2.0 200" (any single-digit version, so a bad version
     * still reaches the parser and is reported). */
    if (memcmp(buf, "SIP/", 4) == 0)
        return is_digit(buf[4]) && buf[5] == '.' && is_digit(buf[6]) && buf[7] == ' ' &&
               is_digit(buf[8]) && is_digit(buf[9]) && is_digit(buf[10]);
    /* Request line: token SP ... SP "SIP/d.d" [SP*] (CR)LF. Binary payloads
     * (RTP starts with 0x80) fail on the first byte; text protocols fail on
     * the version at the end of the first line. */
    const char *e = buf + len;
    const char *q = tok_end(buf, e);
    if (q == buf || q >= e || *q != ' ')
        return false;
    /* The first line ends at LF (CRLF) or, as sw_sip_parse() accepts, at a
     * lone CR that follows a whole request line. */
    const char *nl = memchr(q, '\n', (size_t)(e - q));
    const char *cr = memchr(q, '\r', (size_t)((nl ? nl : e) - q));
    if (cr && !(cr + 1 < e && cr[1] != '\n'))
        cr = NULL; /* the CR of a CRLF */
    for (int pass = 0; pass < 2; pass++) {
        const char *t = pass == 0 ? cr : nl;
        if (!t)
            continue;
        if (pass == 1 && t > q && t[-1] == '\r')
            t--;
        while (t > q && is_sp(t[-1]))
            t--;
        if (t - q >= 9 && memcmp(t - 8, " SIP/", 5) == 0 && is_digit(t[-3]) && t[-2] == '.' &&
            is_digit(t[-1]))
            return true;
    }
    return false;
}

/* Could [b, e) (no LF yet) still grow into a SIP start line? */
static bool start_prefix_ok(const char *b, const char *e)
{
    static const char sip[] = "sip/";
    size_t n = (size_t)(e - b);
    if (lceq(b, sip, n < 4 ? n : 4))
        return true;
    const char *q = tok_end(b, e);
    return q > b && (q == e || *q == ' ');
}

/* Details beyond sip.h: max_msg 0 means no bound; is_keepalive and too_big
 * may be NULL; the return value is the length clipped to INT_MAX while
 * *msglen is exact. Each call rescans the head, so a caller feeding a large
 * message a few bytes at a time pays O(n) per call, bounded by max_msg. */
int sw_sip_frame(const char *buf, size_t len, size_t max_msg, size_t *msglen, bool *is_keepalive,
                 bool *too_big)
{
    bool ka_dummy, big_dummy;
    if (!is_keepalive)
        is_keepalive = &ka_dummy;
    if (!too_big)
        too_big = &big_dummy;
    *msglen = 0;
    *is_keepalive = false;
    *too_big = false;
    if (max_msg == 0)
        max_msg = SIZE_MAX;
    if (!buf || len == 0)
        return SW_SIP_INCOMPLETE;

    /* RFC 5626 keep-alives ("\r\n\r\n" ping, "\r\n" pong) and the CRLFs RFC
     * 3261 7.5 says to ignore before a start line. */
    if (*buf == '\r' || *buf == '\n') {
        size_t n = 0;
        while (n < len && (buf[n] == '\r' || buf[n] == '\n'))
            n++;
        *is_keepalive = true;
        *msglen = n;
        return n > INT_MAX ? INT_MAX : (int)n;
    }

    size_t lim = len < max_msg ? len : max_msg;
    const char *e = buf + lim;
    const char *nl = memchr(buf, '\n', lim);
    if (!nl) {
        if (!start_prefix_ok(buf, e))
            return SW_SIP_NOT_SIP;
        if (len >= max_msg) {
            *too_big = true;
            return SW_SIP_NOT_SIP;
        }
        return SW_SIP_INCOMPLETE;
    }
    const char *le = (nl > buf && nl[-1] == '\r') ? nl - 1 : nl;
    const char *method_end;
    if (start_kind(buf, le, &method_end) == SL_NONE)
        return SW_SIP_NOT_SIP;

    /* Find the blank line, picking up the first Content-Length (or "l") on
     * the way. A folded or unreadable Content-Length counts as 0: framing
     * must make progress, and the parser will report the fault. */
    int64_t clen = -1;
    const char *p = nl + 1;
    const char *body = NULL;
    while (p < e) {
        if (*p == '\n' || (*p == '\r' && e - p >= 2 && p[1] == '\n')) {
            body = p + (*p == '\n' ? 1 : 2);
            break;
        }
        nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl)
            break;
        if (clen < 0 && (lc(*p) == 'c' || lc(*p) == 'l')) {
            const char *ne = tok_end(p, nl);
            if (lookup(p, (size_t)(ne - p)) == SW_HDR_CONTENT_LENGTH) {
                const char *q = ne;
                while (q < nl && is_sp(*q))
                    q++;
                if (q < nl && *q == ':') {
                    /* The value may sit on a continuation line. */
                    const char *vend = nl;
                    q = skip_lws(q + 1, vend);
                    while (q == vend && e - vend > 1 && is_sp(vend[1])) {
                        const char *n2 = memchr(vend + 1, '\n', (size_t)(e - vend - 1));
                        if (!n2)
                            break;
                        q = skip_lws(vend + 1, n2);
                        vend = n2;
                    }
                    uint64_t x;
                    size_t nd;
                    q = scan_u64(q, vend, &x, &nd);
                    clen = (nd && x <= INT64_MAX) ? (int64_t)x : 0;
                    nl = vend;
                }
            }
        }
        p = nl + 1;
    }
    if (!body) {
        if (len >= max_msg) {
            *too_big = true;
            return SW_SIP_NOT_SIP;
        }
        return SW_SIP_INCOMPLETE;
    }
    size_t head = (size_t)(body - buf);
    uint64_t total = (uint64_t)head + (uint64_t)(clen > 0 ? clen : 0);
    if (total > max_msg) {
        *too_big = true;
        return SW_SIP_NOT_SIP;
    }
    if (total > len) {
        *msglen = (size_t)total; /* what it takes: the caller may wait for it */
        return SW_SIP_INCOMPLETE;
    }
    *msglen = (size_t)total;
    return total > INT_MAX ? INT_MAX : (int)total;
}
