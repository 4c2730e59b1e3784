/*
 * query/fields: the names the language knows, their types, the hints for
 * names it does not know, and the parsers of typed literals (numbers and
 * response classes, times, durations, addresses with CIDR, booleans).
 *
 * Literals are parsed once, at compile time, into the representation the
 * evaluator compares directly: a number is an inclusive range (so the class
 * 4xx and the code 486 are the same kind of thing), a time is the half-open
 * interval its precision covers (so `timestamp = 1700000000` means "during
 * that second", as Asterisk compares whole seconds), an address is a prefix.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>

#include "query_int.h"

/* Documentation order: the Asterisk fields first, then ours. */
static const qfield_def fields[] = {
    {"number", QF_NUMBER, QTY_NUM, 0},
    {"timestamp", QF_TIMESTAMP, QTY_TIME, 0},
    {"addr", QF_ADDR, QTY_ADDR, QFF_MULTI},
    {"sip.msg.request.method", QF_METHOD, QTY_STR, QFF_SIP},
    {"sip.msg.call-id", QF_CALL_ID, QTY_STR, QFF_SIP},
    {"frame", QF_FRAME, QTY_NUM, 0},
    {"src", QF_SRC, QTY_ADDR, 0},
    {"dst", QF_DST, QTY_ADDR, 0},
    {"port", QF_PORT, QTY_NUM, QFF_MULTI},
    {"src.port", QF_SRC_PORT, QTY_NUM, 0},
    {"dst.port", QF_DST_PORT, QTY_NUM, 0},
    {"transport", QF_TRANSPORT, QTY_STR, QFF_CI | QFF_TRANSPORT},
    {"sip.msg.response.code", QF_CODE, QTY_NUM, QFF_SIP},
    {"sip.msg.response.reason", QF_REASON, QTY_STR, QFF_SIP},
    {"sip.msg.cseq", QF_CSEQ, QTY_NUM, QFF_SIP},
    {"sip.msg.cseq.method", QF_CSEQ_METHOD, QTY_STR, QFF_SIP},
    {"sip.msg.from.user", QF_FROM_USER, QTY_STR, QFF_SIP},
    {"sip.msg.from.uri", QF_FROM_URI, QTY_STR, QFF_SIP},
    {"sip.msg.from.tag", QF_FROM_TAG, QTY_STR, QFF_SIP},
    {"sip.msg.to.user", QF_TO_USER, QTY_STR, QFF_SIP},
    {"sip.msg.to.uri", QF_TO_URI, QTY_STR, QFF_SIP},
    {"sip.msg.to.tag", QF_TO_TAG, QTY_STR, QFF_SIP},
    {"sip.msg.ruri", QF_RURI, QTY_STR, QFF_SIP},
    {"sip.msg.ruri.user", QF_RURI_USER, QTY_STR, QFF_SIP},
    {"sip.msg.user-agent", QF_USER_AGENT, QTY_STR, QFF_SIP},
    {"sip.msg.body", QF_BODY, QTY_STR, QFF_SIP},
    {"sip.hdr.<name>", QF_HDR, QTY_STR, QFF_SIP | QFF_MULTI},
    {"sdp.codec", QF_SDP_CODEC, QTY_STR, QFF_SIP | QFF_SDP | QFF_CI | QFF_MULTI},
    {"sdp.addr", QF_SDP_ADDR, QTY_ADDR, QFF_SIP | QFF_SDP | QFF_MULTI},
    {"sdp.media", QF_SDP_MEDIA, QTY_STR, QFF_SIP | QFF_SDP | QFF_CI | QFF_MULTI},
    {"retransmission", QF_RETRANS, QTY_BOOL, QFF_CORR},
    {"malformed", QF_MALFORMED, QTY_BOOL, 0},
    {"truncated", QF_TRUNCATED, QTY_BOOL, 0},
    {"call.state", QF_CALL_STATE, QTY_STR, QFF_CALL | QFF_CI | QFF_STATE},
    {"call.duration", QF_CALL_DURATION, QTY_DUR, QFF_CALL},
    {"call.pdd", QF_CALL_PDD, QTY_DUR, QFF_CALL},
    {"call.code", QF_CALL_CODE, QTY_NUM, QFF_CALL},
    {"call.legs", QF_CALL_LEGS, QTY_NUM, QFF_CALL},
    {"call.reason", QF_CALL_REASON, QTY_STR, QFF_CALL},
};

static const qfield_def *by_id[QF__COUNT];

static void index_fields(void)
{
    if (by_id[QF_NUMBER])
        return;
    for (size_t i = 0; i < SW_ARRAY_LEN(fields); i++)
        by_id[fields[i].id] = &fields[i];
}

const qfield_def *sw_qfield_get(qfield id)
{
    index_fields();
    return (unsigned)id < QF__COUNT ? by_id[id] : NULL;
}

const char *const *sw_query_field_names(size_t *n)
{
    static const char *names[SW_ARRAY_LEN(fields)];
    for (size_t i = 0; i < SW_ARRAY_LEN(fields); i++)
        names[i] = fields[i].name;
    *n = SW_ARRAY_LEN(fields);
    return names;
}

const qfield_def *sw_qfield_find(const char *name, size_t len)
{
    sw_str s = sw_str_make(name, len);
    if (len > 8 && sw_str_iprefix(s, "sip.hdr."))
        return sw_qfield_get(QF_HDR);
    for (size_t i = 0; i < SW_ARRAY_LEN(fields); i++)
        if (fields[i].id != QF_HDR && sw_str_ieq_cstr(s, fields[i].name))
            return &fields[i];
    return NULL;
}

const char *sw_qtype_name(qtype t)
{
    static const char *n[] = {"number", "string", "address", "time", "duration", "flag"};
    return (unsigned)t < SW_ARRAY_LEN(n) ? n[t] : "?";
}

/* ---- hints ------------------------------------------------------------- */

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

unsigned sw_qedit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Names longer than this are not close to any field name anyway. */
    enum { MAXN = 64 };
    if (alen > MAXN || blen > MAXN)
        return 255;
    unsigned row[MAXN + 1];
    for (size_t j = 0; j <= blen; j++)
        row[j] = (unsigned)j;
    for (size_t i = 1; i <= alen; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= blen; j++) {
            unsigned up = row[j];
            unsigned cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            unsigned v = diag + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
        }
    }
    return row[blen] > 255 ? 255 : row[blen];
}

/* Names from tshark, Asterisk habits and plain words, mapped to ours. */
static const struct {
    const char *other, *ours;
} aliases[] = {
    {"sip.method", "sip.msg.request.method"},
    {"method", "sip.msg.request.method"},
    {"sip.msg.method", "sip.msg.request.method"},
    {"sip.status-code", "sip.msg.response.code"},
    {"status", "sip.msg.response.code"},
    {"code", "sip.msg.response.code"},
    {"sip.msg.response", "sip.msg.response.code"},
    {"sip.msg.status", "sip.msg.response.code"},
    {"sip.status-line", "sip.msg.response.reason"},
    {"reason", "sip.msg.response.reason"},
    {"sip.call-id", "sip.msg.call-id"},
    {"callid", "sip.msg.call-id"},
    {"call-id", "sip.msg.call-id"},
    {"call.id", "sip.msg.call-id"},
    {"ip.addr", "addr"},
    {"ipv6.addr", "addr"},
    {"host", "addr"},
    {"ip.src", "src"},
    {"ipv6.src", "src"},
    {"ip.dst", "dst"},
    {"ipv6.dst", "dst"},
    {"udp.port", "port"},
    {"tcp.port", "port"},
    {"udp.srcport", "src.port"},
    {"tcp.srcport", "src.port"},
    {"udp.dstport", "dst.port"},
    {"tcp.dstport", "dst.port"},
    {"sip.user-agent", "sip.msg.user-agent"},
    {"user-agent", "sip.msg.user-agent"},
    {"sip.r-uri", "sip.msg.ruri"},
    {"ruri", "sip.msg.ruri"},
    {"sip.from.user", "sip.msg.from.user"},
    {"sip.to.user", "sip.msg.to.user"},
    {"sip.from.addr", "sip.msg.from.uri"},
    {"sip.to.addr", "sip.msg.to.uri"},
    {"sip.cseq.seq", "sip.msg.cseq"},
    {"sip.cseq.method", "sip.msg.cseq.method"},
    {"sip.msg_body", "sip.msg.body"},
    {"body", "sip.msg.body"},
    {"sdp.mime.type", "sdp.codec"},
    {"codec", "sdp.codec"},
    {"sdp.connection_info.address", "sdp.addr"},
    {"sdp.media.media", "sdp.media"},
    {"frame.time_epoch", "timestamp"},
    {"frame.time", "timestamp"},
    {"time", "timestamp"},
    {"frame.number", "frame"},
    {"sip.resend", "retransmission"},
    {"retransmitted", "retransmission"},
    {"retrans", "retransmission"},
    {"_ws.malformed", "malformed"},
    {"state", "call.state"},
    {"duration", "call.duration"},
    {"pdd", "call.pdd"},
    {"legs", "call.legs"},
};

typedef struct cand {
    const char *name;
    unsigned d;
} cand;

static void add_cand(cand *c, size_t *n, size_t cap, const char *name, unsigned d)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(c[i].name, name)) {
            if (d < c[i].d)
                c[i].d = d;
            return;
        }
    if (*n < cap)
        c[(*n)++] = (cand){name, d};
}

/* True when known ends with "." + name (case-insensitive): "call-id" is the
 * last part of "sip.msg.call-id". */
static bool is_suffix(const char *known, const char *name, size_t len)
{
    size_t kl = strlen(known);
    if (len == 0 || len >= kl || known[kl - len - 1] != '.')
        return false;
    return sw_str_ieq(sw_str_make(known + kl - len, len), sw_str_make(name, len));
}

void sw_qfield_suggest(const char *name, size_t len, char *hint, size_t cap)
{
    cand c[64];
    size_t n = 0;
    char hdr[96];
    hint[0] = '\0';
    sw_str s = sw_str_make(name, len);
    for (size_t i = 0; i < SW_ARRAY_LEN(aliases); i++)
        if (sw_str_ieq_cstr(s, aliases[i].other))
            add_cand(c, &n, SW_ARRAY_LEN(c), aliases[i].ours, 0);
    /* sip.Contact (tshark) or a bare header name: the header field (not for
     * one-letter names, which would all be compact forms) */
    sw_str tail = s;
    if (sw_str_iprefix(s, "sip."))
        tail = sw_str_make(name + 4, len - 4);
    if (tail.len > 1 && tail.len < 64 && sw_sip_hdr_lookup(tail) != SW_HDR_OTHER) {
        snprintf(hdr, sizeof hdr, "sip.hdr.%s", sw_sip_hdr_name(sw_sip_hdr_lookup(tail)));
        add_cand(c, &n, SW_ARRAY_LEN(c), hdr, 1);
    }
    /* sip.hdr. with nothing after it */
    if (sw_str_ieq_cstr(s, "sip.hdr.") || sw_str_ieq_cstr(s, "sip.hdr"))
        add_cand(c, &n, SW_ARRAY_LEN(c), "sip.hdr.<name> (e.g. sip.hdr.Contact)", 0);
    unsigned limit = len < 6 ? 1 : len < 12 ? 2 : 3;
    for (size_t i = 0; i < SW_ARRAY_LEN(fields); i++) {
        const char *f = fields[i].name;
        if (fields[i].id == QF_HDR)
            continue;
        unsigned d = sw_qedit_distance(name, len, f, strlen(f));
        if (d <= limit)
            add_cand(c, &n, SW_ARRAY_LEN(c), f, d);
        else if (is_suffix(f, name, len))
            add_cand(c, &n, SW_ARRAY_LEN(c), f, limit + 1);
    }
    if (n == 0)
        return;
    /* closest first; stable for equal distances (table order) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && c[j].d < c[j - 1].d; j--) {
            cand t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    if (n > 3)
        n = 3;
    if (n == 1)
        snprintf(hint, cap, "did you mean %s?", c[0].name);
    else if (n == 2)
        snprintf(hint, cap, "did you mean %s or %s?", c[0].name, c[1].name);
    else
        snprintf(hint, cap, "did you mean %s, %s or %s?", c[0].name, c[1].name, c[2].name);
}

/* ---- literals ------------------------------------------------------------ */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Reads up to max digits at s[*i]; false when there are none. */
static bool digits(sw_str s, size_t *i, size_t max, int64_t *out, size_t *count)
{
    size_t k = 0;
    int64_t v = 0;
    while (*i < s.len && is_digit(s.p[*i]) && k < max) {
        v = v * 10 + (s.p[*i] - '0');
        (*i)++;
        k++;
    }
    if (count)
        *count = k;
    *out = v;
    return k > 0;
}

static int64_t pow10i(unsigned e)
{
    int64_t v = 1;
    while (e--)
        v *= 10;
    return v;
}

int sw_qlit_num(sw_str s, qlit *l, const char **why)
{
    size_t i = 0, nd;
    int64_t v;
    *why = "not a whole number (expected e.g. 404, 5060, or a class like 4xx)";
    if (!digits(s, &i, 18, &v, &nd))
        return -1;
    size_t nx = 0;
    while (i < s.len && (s.p[i] == 'x' || s.p[i] == 'X') && nx < 9) {
        i++;
        nx++;
    }
    if (i != s.len)
        return -1;
    int64_t m = pow10i((unsigned)nx);
    if (nd + nx > 18)
        return -1;
    l->u.num.lo = v * m;
    l->u.num.hi = v * m + m - 1;
    return 0;
}

int sw_qlit_bool(sw_str s, qlit *l, const char **why)
{
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < SW_ARRAY_LEN(yes); i++) {
        if (sw_str_ieq_cstr(s, yes[i])) {
            l->u.b = true;
            return 0;
        }
        if (sw_str_ieq_cstr(s, no[i])) {
            l->u.b = false;
            return 0;
        }
    }
    *why = "not a flag value (expected true or false)";
    return -1;
}

int sw_qlit_dur(sw_str s, qlit *l, const char **why)
{
    size_t i = 0, nd = 0, nf = 0;
    int64_t ip = 0, fp = 0;
    *why = "not a duration (expected seconds like 30 or 2.5, or 500ms, 2m, 1h)";
    bool have = digits(s, &i, 10, &ip, &nd);
    if (i < s.len && is_digit(s.p[i]))
        return -1; /* more than 10 digits */
    if (i < s.len && s.p[i] == '.') {
        i++;
        have = digits(s, &i, 9, &fp, &nf) || have;
        while (i < s.len && is_digit(s.p[i]))
            i++; /* precision past a nanosecond is dropped */
    }
    if (!have)
        return -1;
    sw_str unit = sw_str_make(s.p + i, s.len - i);
    int64_t mul;
    if (unit.len == 0 || sw_str_ieq_cstr(unit, "s"))
        mul = 1000000000;
    else if (sw_str_ieq_cstr(unit, "ms"))
        mul = 1000000;
    else if (sw_str_ieq_cstr(unit, "m") || sw_str_ieq_cstr(unit, "min"))
        mul = 60000000000;
    else if (sw_str_ieq_cstr(unit, "h"))
        mul = 3600000000000;
    else
        return -1;
    if (ip > INT64_MAX / mul - 1) {
        *why = "duration too large";
        return -1;
    }
    /* the fraction in ns: fp / 10^nf units, exact while 10^nf divides the
     * unit (always for s, m and h; digits past a nanosecond are dropped for ms) */
    while (nf && mul % pow10i((unsigned)nf) != 0) {
        fp /= 10;
        nf--;
    }
    l->u.dur = ip * mul + fp * (mul / pow10i((unsigned)nf));
    return 0;
}

int64_t sw_qdays_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* H. Hinnant's days_from_civil */
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Exactly n digits at s[*i]. */
static bool ndigits(sw_str s, size_t *i, size_t n, int64_t *out)
{
    size_t k;
    size_t start = *i;
    if (!digits(s, i, n, out, &k) || k != n) {
        *i = start;
        return false;
    }
    return true;
}

/* HH:MM[:SS[.frac]] at s[*i]: ns since midnight and the precision in ns. */
static int clock_time(sw_str s, size_t *i, int64_t *ns, int64_t *prec, const char **why)
{
    int64_t h, mi, sec = 0, frac = 0;
    size_t nf = 0;
    *why = "not a time (expected e.g. 1700000000, 2024-05-01T10:00:00Z or 10:00:00)";
    size_t hd;
    if (!digits(s, i, 2, &h, &hd) || *i >= s.len || s.p[*i] != ':')
        return -1;
    (*i)++;
    if (!ndigits(s, i, 2, &mi))
        return -1;
    *prec = 60000000000;
    if (*i < s.len && s.p[*i] == ':') {
        (*i)++;
        if (!ndigits(s, i, 2, &sec))
            return -1;
        *prec = 1000000000;
        if (*i < s.len && (s.p[*i] == '.' || s.p[*i] == ',')) {
            (*i)++;
            if (!digits(s, i, 9, &frac, &nf))
                return -1;
            while (*i < s.len && is_digit(s.p[*i]))
                (*i)++;
            *prec = pow10i(9 - (unsigned)nf);
        }
    }
    if (h > 23 || mi > 59 || sec > 60) {
        *why = "time out of range (hours 0-23, minutes 0-59, seconds 0-60)";
        return -1;
    }
    *ns = ((h * 60 + mi) * 60 + sec) * 1000000000 + frac * pow10i(9 - (unsigned)nf);
    return 0;
}

int sw_qlit_time(sw_str s, qlit *l, const char **why)
{
    size_t i = 0;
    int64_t v;
    *why = "not a time (expected e.g. 1700000000, 2024-05-01T10:00:00Z or 10:00:00)";
    l->u.time.tod = false;
    if (s.len == 0)
        return -1;
    /* epoch seconds, optionally with a fraction */
    size_t k = 0;
    while (k < s.len && is_digit(s.p[k]))
        k++;
    if (k > 0 && (k == s.len || s.p[k] == '.')) {
        size_t nd, nf = 0;
        int64_t frac = 0;
        if (!digits(s, &i, 12, &v, &nd) || i != k)
            return -1;
        /* nanoseconds in 64 bits end in 2262 */
        if (v > 9000000000) {
            *why = "time out of range (epoch seconds up to 9000000000)";
            return -1;
        }
        if (i < s.len) {
            i++;
            if (!digits(s, &i, 9, &frac, &nf))
                return -1;
            while (i < s.len && is_digit(s.p[i]))
                i++;
            if (i != s.len)
                return -1;
        }
        int64_t prec = pow10i(9 - (unsigned)nf);
        l->u.time.lo = v * 1000000000 + frac * prec;
        l->u.time.hi = l->u.time.lo + prec;
        return 0;
    }
    /* time of day */
    if (k == 1 || (k == 2 && s.p[2] == ':')) {
        int64_t ns, prec;
        if (clock_time(s, &i, &ns, &prec, why) || i != s.len)
            return -1;
        l->u.time.tod = true;
        l->u.time.lo = ns;
        l->u.time.hi = ns + prec;
        return 0;
    }
    /* ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|+HH[:MM]|-HH[:MM]] */
    int64_t y, mo, d;
    if (!ndigits(s, &i, 4, &y) || i >= s.len || s.p[i] != '-')
        return -1;
    i++;
    if (!ndigits(s, &i, 2, &mo) || i >= s.len || s.p[i] != '-')
        return -1;
    i++;
    if (!ndigits(s, &i, 2, &d))
        return -1;
    if (y < 1900 || y > 2200) {
        *why = "year out of range (1900-2200)";
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo)) {
        *why = "date out of range";
        return -1;
    }
    int64_t day = sw_qdays_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t ns = 0, prec = 86400 * (int64_t)1000000000;
    if (i < s.len && (s.p[i] == 'T' || s.p[i] == 't' || s.p[i] == ' ')) {
        i++;
        if (clock_time(s, &i, &ns, &prec, why))
            return -1;
    }
    int64_t off = 0;
    if (i < s.len && (s.p[i] == 'Z' || s.p[i] == 'z')) {
        i++;
    } else if (i < s.len && (s.p[i] == '+' || s.p[i] == '-')) {
        int sign = s.p[i] == '-' ? -1 : 1;
        int64_t oh, om = 0;
        i++;
        if (!ndigits(s, &i, 2, &oh))
            return -1;
        if (i < s.len && s.p[i] == ':')
            i++;
        if (i < s.len && !ndigits(s, &i, 2, &om))
            return -1;
        if (oh > 23 || om > 59) {
            *why = "time zone offset out of range";
            return -1;
        }
        off = sign * (oh * 3600 + om * 60) * 1000000000;
    }
    if (i != s.len)
        return -1;
    l->u.time.lo = day * 86400 * 1000000000 + ns - off;
    l->u.time.hi = l->u.time.lo + prec;
    return 0;
}

/* Parses an IPv4 or IPv6 address from s (no brackets, no zone). */
static bool parse_ip(sw_str s, sw_addr *a)
{
    char buf[64];
    if (s.len == 0 || s.len >= sizeof buf)
        return false;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    memset(a, 0, sizeof *a);
    if (memchr(buf, ':', s.len)) {
        if (inet_pton(AF_INET6, buf, a->a) != 1)
            return false;
        a->family = 6;
    } else {
        /* inet_pton accepts only dotted quads: no "10.1" shorthands */
        if (inet_pton(AF_INET, buf, a->a) != 1)
            return false;
        a->family = 4;
    }
    return true;
}

static bool parse_u(sw_str s, uint64_t max, uint64_t *v)
{
    return s.len > 0 && s.len <= 10 && sw_str_to_u64(s, max, v);
}

int sw_qlit_addr(sw_str s, qlit *l, const char **why)
{
    *why = "not an IP address (expected e.g. 10.0.0.5, 10.0.0.5:5060, 10.0.0.0/8, 2001:db8::1 "
           "or [2001:db8::1]:5060)";
    sw_str ip = s, rest = SW_STR_NULL;
    char sep = 0;
    l->u.addr.has_port = false;
    l->u.addr.port = 0;
    if (s.len && s.p[0] == '[') {
        const char *close = sw_str_chr(s, ']');
        if (!close)
            return -1;
        ip = sw_str_make(s.p + 1, (size_t)(close - s.p - 1));
        size_t after = (size_t)(close - s.p) + 1;
        if (after < s.len) {
            sep = s.p[after];
            if (sep != ':' && sep != '/')
                return -1;
            rest = sw_str_make(s.p + after + 1, s.len - after - 1);
        }
        if (!sw_str_chr(ip, ':'))
            return -1; /* brackets are for IPv6 */
    } else if (sw_str_chr(s, '/')) {
        const char *sl = sw_str_chr(s, '/');
        ip = sw_str_make(s.p, (size_t)(sl - s.p));
        sep = '/';
        rest = sw_str_make(sl + 1, s.len - (size_t)(sl - s.p) - 1);
    } else {
        const char *c1 = sw_str_chr(s, ':');
        if (c1 && !sw_str_chr(sw_str_make(c1 + 1, s.len - (size_t)(c1 - s.p) - 1), ':')) {
            ip = sw_str_make(s.p, (size_t)(c1 - s.p));
            sep = ':';
            rest = sw_str_make(c1 + 1, s.len - (size_t)(c1 - s.p) - 1);
        }
    }
    if (!parse_ip(ip, &l->u.addr.ip))
        return -1;
    unsigned bits = l->u.addr.ip.family == 4 ? 32 : 128;
    l->u.addr.prefix = (uint8_t)bits;
    uint64_t v;
    if (sep == ':') {
        if (!parse_u(rest, 65535, &v)) {
            *why = "not a port number (0-65535)";
            return -1;
        }
        l->u.addr.has_port = true;
        l->u.addr.port = (uint16_t)v;
    } else if (sep == '/') {
        if (!parse_u(rest, bits, &v)) {
            *why = l->u.addr.ip.family == 4 ? "not a prefix length (0-32)"
                                            : "not a prefix length (0-128)";
            return -1;
        }
        l->u.addr.prefix = (uint8_t)v;
        /* clear host bits, as 10.0.0.5/8 means 10.0.0.0/8 */
        for (unsigned b = (unsigned)v; b < bits; b++)
            l->u.addr.ip.a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
    }
    return 0;
}
