/*
 * sdp: the parts of an SDP body (RFC 4566/8866) a SIP troubleshooter needs:
 * origin, session name, connection addresses, media lines with their
 * formats, rtpmap/fmtp, direction and a=rtcp; and finding the SDP inside a
 * SIP body, including the application/sdp part of a multipart body (RFC 2046,
 * RFC 4475 mpart01).
 *
 * Same rules as the SIP parser (see sip.c): results are slices into the
 * body, the caller supplies the media array, nothing is allocated, every
 * read is bounded by the body's end, and a fault is recorded (first one,
 * static text) while parsing goes on.
 */
#include "sip.h"

static inline sw_str mk(const char *p, const char *e)
{
    sw_str s = {p, (size_t)(e - p)};
    return s;
}

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
static inline bool is_sp(char c) { return c == ' ' || c == '\t'; }
static inline bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Next space-separated field of [*pp, e); empty at the end. */
static sw_str next_word(const char **pp, const char *e)
{
    const char *p = *pp;
    while (p < e && is_sp(*p))
        p++;
    const char *s = p;
    while (p < e && !is_sp(*p))
        p++;
    *pp = p;
    return mk(s, p);
}

/* Unsigned decimal at the start of [p, e) up to max; returns the end of the
 * digits, or NULL when there are none or the value exceeds max. */
static const char *num(const char *p, const char *e, uint32_t max, uint32_t *out)
{
    uint32_t v = 0;
    const char *s = p;
    while (p < e && is_digit(*p)) {
        uint32_t d = (uint32_t)(*p - '0');
        if (v > (max - d) / 10)
            return NULL;
        v = v * 10 + d;
        p++;
    }
    if (p == s)
        return NULL;
    *out = v;
    return p;
}

/* The whole field is a decimal up to max. */
static bool num_all(sw_str w, uint32_t max, uint32_t *out)
{
    const char *q = num(w.p, w.p + w.len, max, out);
    return q && q == w.p + w.len;
}

static void sdp_fault(sw_sdp *sdp, const char *why)
{
    if (!sdp->malformed)
        sdp->malformed = why;
}

static bool word_is(sw_str w, const char *lit, size_t n)
{
    return w.len == n && memcmp(w.p, lit, n) == 0;
}
#define WORD_IS(w, lit) word_is((w), lit, sizeof(lit) - 1)

/* rtpmap/fmtp entry for pt in m, created when missing (a=fmtp may come
 * before a=rtpmap, and static payload types have fmtp without rtpmap). */
static sw_sdp_rtpmap *rtpmap_for(sw_sdp *sdp, sw_sdp_media *m, uint32_t pt)
{
    for (uint8_t i = 0; i < m->nrtpmap; i++)
        if (m->rtpmap[i].pt == pt)
            return &m->rtpmap[i];
    if (m->nrtpmap >= SW_SDP_MAX_RTPMAP) {
        sdp_fault(sdp, "more than 32 payload types described in one media section (rest ignored)");
        return NULL;
    }
    sw_sdp_rtpmap *r = &m->rtpmap[m->nrtpmap++];
    memset(r, 0, sizeof *r);
    r->pt = (uint8_t)pt;
    return r;
}

static void parse_rtpmap(sw_sdp *sdp, sw_sdp_media *m, const char *p, const char *e)
{
    uint32_t pt;
    const char *q = num(p, e, 127, &pt);
    if (!q || q >= e || !is_sp(*q)) {
        sdp_fault(sdp, "malformed a=rtpmap");
        return;
    }
    sw_str enc = next_word(&q, e);
    const char *slash = memchr(enc.p, '/', enc.len);
    uint32_t clock = 0, ch = 0;
    bool ok = slash != NULL;
    if (slash) {
        const char *c = num(slash + 1, enc.p + enc.len, UINT32_MAX, &clock);
        ok = c != NULL;
        if (c && c < enc.p + enc.len) {
            ok = *c == '/' && num_all(mk(c + 1, enc.p + enc.len), 255, &ch);
        }
    }
    if (!ok)
        sdp_fault(sdp, "malformed a=rtpmap");
    sw_sdp_rtpmap *r = rtpmap_for(sdp, m, pt);
    if (!r)
        return;
    r->encoding = mk(enc.p, slash ? slash : enc.p + enc.len);
    r->clock = clock;
    r->channels = (uint8_t)ch;
}

static void parse_fmtp(sw_sdp *sdp, sw_sdp_media *m, const char *p, const char *e)
{
    uint32_t pt;
    const char *q = num(p, e, 127, &pt);
    if (!q || (q < e && !is_sp(*q))) {
        sdp_fault(sdp, "malformed a=fmtp");
        return;
    }
    while (q < e && is_sp(*q))
        q++;
    sw_sdp_rtpmap *r = rtpmap_for(sdp, m, pt);
    if (r && !r->fmtp.p)
        r->fmtp = mk(q, e);
}

static void parse_media(sw_sdp *sdp, sw_sdp_media *m, const char *p, const char *e)
{
    m->type = next_word(&p, e);
    sw_str port = next_word(&p, e);
    m->proto = next_word(&p, e);
    while (p < e && is_sp(*p))
        p++;
    m->fmts = mk(p, e);
    uint32_t v;
    const char *q = num(port.p, port.p + port.len, 65535, &v);
    if (!q) {
        sdp_fault(sdp, "malformed port in m= line");
    } else {
        m->port = (uint16_t)v;
        if (q < port.p + port.len) {
            if (*q == '/' && num_all(mk(q + 1, port.p + port.len), 65535, &v))
                m->nports = (uint16_t)v;
            else
                sdp_fault(sdp, "malformed port in m= line");
        }
    }
    if (m->type.len == 0 || m->proto.len == 0)
        sdp_fault(sdp, "malformed m= line");
    /* Numeric formats (RTP payload types) are stored; others (t38, *,
     * webrtc-datachannel) stay readable in fmts. */
    while (p < e) {
        sw_str w = next_word(&p, e);
        if (w.len == 0)
            break;
        if (!num_all(w, 65535, &v))
            continue;
        if (m->nfmt >= SW_SDP_MAX_FMT) {
            sdp_fault(sdp, "more than 32 formats in an m= line (rest not stored)");
            break;
        }
        m->fmt[m->nfmt++] = (uint16_t)v;
    }
}

static sw_sdp_dir dir_of(const char *p, const char *e)
{
    sw_str a = mk(p, e);
    if (WORD_IS(a, "sendrecv"))
        return SW_SDP_SENDRECV;
    if (WORD_IS(a, "sendonly"))
        return SW_SDP_SENDONLY;
    if (WORD_IS(a, "recvonly"))
        return SW_SDP_RECVONLY;
    if (WORD_IS(a, "inactive"))
        return SW_SDP_INACTIVE;
    return SW_SDP_DIR_NONE;
}

int sw_sdp_parse(sw_str body, sw_sdp *sdp, sw_sdp_media *media, size_t cap)
{
    memset(sdp, 0, sizeof *sdp);
    sdp->media = media;
    sdp->media_cap = media ? cap : 0;
    if (!body.p || body.len < 2 || body.p[0] != 'v' || body.p[1] != '=') {
        sdp->malformed = "not SDP: does not start with v=";
        return SW_EFORMAT;
    }
    const char *p = body.p, *end = body.p + body.len;
    bool in_media = false;
    sw_sdp_media *cur = NULL; /* NULL at session level and for media past cap */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end, *next = nl ? nl + 1 : end;
        if (e > p && e[-1] == '\r')
            e--;
        while (e > p && is_sp(e[-1])) /* "a=sendrecv " is still sendrecv */
            e--;
        if (e == p) { /* blank line, usually a trailing CRLF */
            p = next;
            continue;
        }
        if (e - p < 2 || p[1] != '=') {
            sdp_fault(sdp, "SDP line is not type=value");
            p = next;
            continue;
        }
        const char *v = p + 2;
        switch (p[0]) {
        case 'o':
            if (!in_media) {
                const char *q = v;
                sdp->origin_user = next_word(&q, e);
                sdp->origin_sess_id = next_word(&q, e);
                sdp->origin_sess_ver = next_word(&q, e);
                sw_str nettype = next_word(&q, e), addrtype = next_word(&q, e);
                sdp->origin_addr = next_word(&q, e);
                if (!nettype.len || !addrtype.len || !sdp->origin_addr.len)
                    sdp_fault(sdp, "malformed o= line");
            }
            break;
        case 's':
            if (!in_media)
                sdp->session_name = mk(v, e);
            break;
        case 'c': {
            const char *q = v;
            sw_str nettype = next_word(&q, e), family = next_word(&q, e), addr = next_word(&q, e);
            /* drop "/ttl[/count]" of multicast addresses */
            const char *slash = addr.len ? memchr(addr.p, '/', addr.len) : NULL;
            if (slash)
                addr = mk(addr.p, slash);
            if (!nettype.len || !family.len || !addr.len)
                sdp_fault(sdp, "malformed c= line");
            if (!in_media) {
                sdp->conn_addr = addr;
                sdp->conn_family = family;
            } else if (cur) {
                cur->conn_addr = addr;
            }
            break;
        }
        case 'm': {
            in_media = true;
            size_t idx = sdp->nmedia++;
            cur = idx < sdp->media_cap ? &media[idx] : NULL;
            if (cur) {
                memset(cur, 0, sizeof *cur);
                parse_media(sdp, cur, v, e);
            } else {
                sw_sdp_media scratch; /* still checked, just not stored */
                memset(&scratch, 0, sizeof scratch);
                parse_media(sdp, &scratch, v, e);
            }
            break;
        }
        case 'a': {
            sw_sdp_dir d = dir_of(v, e);
            if (d != SW_SDP_DIR_NONE) {
                if (!in_media)
                    sdp->dir = d;
                else if (cur)
                    cur->dir = d;
                break;
            }
            if (!cur)
                break; /* the other attributes we read are media-level */
            size_t n = (size_t)(e - v);
            if (n > 7 && memcmp(v, "rtpmap:", 7) == 0) {
                parse_rtpmap(sdp, cur, v + 7, e);
            } else if (n > 5 && memcmp(v, "fmtp:", 5) == 0) {
                parse_fmtp(sdp, cur, v + 5, e);
            } else if (n > 5 && memcmp(v, "rtcp:", 5) == 0) {
                const char *q = v + 5;
                sw_str port = next_word(&q, e);
                uint32_t pv;
                if (num_all(port, 65535, &pv))
                    cur->rtcp_port = (uint16_t)pv;
                else
                    sdp_fault(sdp, "malformed a=rtcp");
                sw_str nettype = next_word(&q, e), family = next_word(&q, e);
                cur->rtcp_addr = next_word(&q, e);
                if (nettype.len && (!family.len || !cur->rtcp_addr.len))
                    sdp_fault(sdp, "malformed a=rtcp");
            }
            break;
        }
        default:
            break;
        }
        p = next;
    }
    return SW_OK;
}

/* ---- finding the SDP in a SIP body -------------------------------------- */

static bool ieq_lit(sw_str s, const char *lit, size_t n)
{
    return s.len == n && sw_str_ieq(s, sw_str_make(lit, n));
}

/* Media type of a Content-Type value (before ';'), and its parameters. */
static sw_str media_type(sw_str v, sw_str *params)
{
    const char *p = v.p, *e = v.p + v.len;
    const char *semi = v.len ? memchr(p, ';', v.len) : NULL;
    const char *te = semi ? semi : e;
    while (te > p && is_lws(te[-1]))
        te--;
    while (p < te && is_lws(*p))
        p++;
    *params = semi ? mk(semi + 1, e) : mk(e, e);
    return mk(p, te);
}

/* "--boundary" at the start of a line at or after p (p is a line start). */
static const char *find_delim(const char *p, const char *e, sw_str b)
{
    while (p < e) {
        if ((size_t)(e - p) >= b.len + 2 && p[0] == '-' && p[1] == '-' &&
            memcmp(p + 2, b.p, b.len) == 0) {
            const char *q = p + 2 + b.len;
            if (q == e || *q == '-' || is_lws(*q))
                return p;
        }
        p = memchr(p, '\n', (size_t)(e - p));
        if (!p)
            return NULL;
        p++;
    }
    return NULL;
}

#define MULTIPART_MAX_DEPTH 4

/* Part with Content-Type application/sdp in a multipart body; recursion is
 * bounded so nested multiparts cannot exhaust the stack. */
static bool multipart_sdp(sw_str body, sw_str boundary, int depth, sw_str *out)
{
    if (boundary.len == 0 || depth > MULTIPART_MAX_DEPTH)
        return false;
    const char *e = body.p + body.len;
    const char *d = find_delim(body.p, e, boundary);
    while (d) {
        const char *q = d + 2 + boundary.len;
        if (e - q >= 2 && q[0] == '-' && q[1] == '-')
            return false; /* close delimiter */
        const char *nl = memchr(q, '\n', (size_t)(e - q));
        if (!nl)
            return false;
        const char *part = nl + 1;
        const char *nd = find_delim(part, e, boundary);
        const char *pe = nd ? nd : e;
        /* The line break before a delimiter belongs to the delimiter. */
        if (nd && pe > part && pe[-1] == '\n')
            pe--;
        if (nd && pe > part && pe[-1] == '\r')
            pe--;

        /* Part headers up to the blank line; only Content-Type matters. */
        sw_str ctype = SW_STR_NULL;
        const char *p = part, *pbody = NULL;
        while (p < pe) {
            const char *lnl = memchr(p, '\n', (size_t)(pe - p));
            const char *le = lnl ? lnl : pe;
            const char *lend = (le > p && le[-1] == '\r') ? le - 1 : le;
            if (lend == p) {
                pbody = lnl ? lnl + 1 : pe;
                break;
            }
            const char *colon = memchr(p, ':', (size_t)(lend - p));
            if (colon) {
                sw_str name = mk(p, colon);
                while (name.len && is_sp(name.p[name.len - 1]))
                    name.len--;
                if (ieq_lit(name, "content-type", 12))
                    ctype = mk(colon + 1, lend);
            }
            if (!lnl)
                break;
            p = lnl + 1;
        }
        if (pbody && ctype.p) {
            sw_str params, t = media_type(ctype, &params), pb = mk(pbody, pe);
            if (ieq_lit(t, "application/sdp", 15) && pb.len) {
                *out = pb;
                return true;
            }
            sw_str inner;
            if (t.len > 10 && sw_str_iprefix(t, "multipart/") &&
                sw_sip_param_get(params, "boundary", &inner) &&
                multipart_sdp(pb, inner, depth + 1, out))
                return true;
        }
        d = nd;
    }
    return false;
}

bool sw_sip_find_sdp(const sw_sip_msg *m, sw_str *sdp)
{
    if (!m || !m->first[SW_HDR_CONTENT_TYPE] || !m->body.p || m->body.len == 0)
        return false;
    sw_str params, t = media_type(m->first[SW_HDR_CONTENT_TYPE]->value, &params);
    if (ieq_lit(t, "application/sdp", 15)) {
        *sdp = m->body;
        return true;
    }
    sw_str boundary;
    if (t.len > 10 && sw_str_iprefix(t, "multipart/") &&
        sw_sip_param_get(params, "boundary", &boundary))
        return multipart_sdp(m->body, boundary, 0, sdp);
    return false;
}
