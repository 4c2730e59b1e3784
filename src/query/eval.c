/*
 * query/eval: does a message (or a call) satisfy a compiled expression?
 *
 * Why it is cheap: the tree is typed and its literals converted at compile
 * time, so a comparison is an integer or memcmp test; `and`/`or`
 * short-circuit; and every derived structure is computed only when a field
 * asks for it, once per message: the parse (when the caller has none), the
 * endpoints, the From/To name-addr and URI, the Request-URI, the SDP body,
 * the call. The scratch for all of that lives in the query (allocated by
 * sw_query_compile, so evaluation never allocates), and starting a new
 * message only clears a few state bytes.
 *
 * Multi-valued fields are walked with a small cursor (qiter): a comparison
 * holds when any value satisfies it; `!=` when there is a value and none is
 * equal. A field with no value makes every comparison false.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

#include "query_int.h"

#define EV_HDRS 256
#define EV_MEDIA 16

enum { ST_UNKNOWN = 0, ST_HAVE, ST_NONE };

struct qeval {
    /* per-message state: cleared by begin() */
    struct {
        uint8_t sip, ep, na[2], uri[2], ruri, sdp, call;
    } st;
    const sw_query_ctx *ctx;
    const sw_sip_msg *sip;
    const sw_endpoint *src, *dst;
    sw_sip_nameaddr na[2]; /* From, To */
    sw_sip_uri uri[2];
    sw_sip_uri ruri;
    const sw_call *call;
    sw_sdp sdp;
    /* big buffers last */
    sw_sip_msg sipbuf;
    sw_sip_header hdrs[EV_HDRS];
    sw_sdp_media media[EV_MEDIA];
};

void sw_query_ctx_init(sw_query_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->call = SW_NONE;
}

qeval *sw_qeval_new(void) { return malloc(sizeof(qeval)); }

void sw_qeval_free(qeval *ev) { free(ev); }

/* A new message: forget what was derived from the previous one. */
static qeval *begin(sw_query *q, const sw_query_ctx *ctx)
{
    qeval *ev = q->ev;
    memset(&ev->st, 0, sizeof ev->st);
    ev->ctx = ctx;
    return ev;
}

/* ---- lazily derived data ------------------------------------------------- */

static const sw_sip_msg *get_sip(qeval *ev)
{
    if (ev->st.sip == ST_UNKNOWN) {
        const sw_query_ctx *c = ev->ctx;
        ev->st.sip = ST_NONE;
        if (c->sip) {
            ev->sip = c->sip;
            ev->st.sip = ST_HAVE;
        } else if (c->msg && c->trace &&
                   sw_trace_parse(c->trace, c->msg, &ev->sipbuf, ev->hdrs, EV_HDRS) >= 0) {
            ev->sip = &ev->sipbuf;
            ev->st.sip = ST_HAVE;
        }
    }
    return ev->st.sip == ST_HAVE ? ev->sip : NULL;
}

static void get_endpoints(qeval *ev)
{
    if (ev->st.ep)
        return;
    ev->st.ep = ST_HAVE;
    const sw_query_ctx *c = ev->ctx;
    ev->src = c->src;
    ev->dst = c->dst;
    if (c->msg && c->trace) {
        if (!ev->src)
            ev->src = sw_trace_endpoint(c->trace, c->msg->src);
        if (!ev->dst)
            ev->dst = sw_trace_endpoint(c->trace, c->msg->dst);
    }
}

/* A From/To value the parser refuses (a display name with stray
 * backslashes, say) still names its URI between < and >: searching by user
 * should find the message anyway, as tshark does. */
static bool lenient_na(sw_str v, sw_sip_nameaddr *na)
{
    const char *lt = memchr(v.p, '<', v.len);
    const char *gt = lt ? memchr(lt, '>', v.len - (size_t)(lt - v.p)) : NULL;
    if (!gt)
        return false;
    memset(na, 0, sizeof *na);
    na->uri = sw_str_make(lt + 1, (size_t)(gt - lt - 1));
    sw_str rest = sw_str_trim(sw_str_make(gt + 1, v.len - (size_t)(gt + 1 - v.p)));
    if (rest.len && rest.p[0] == ';') {
        na->params = sw_str_make(rest.p + 1, rest.len - 1);
        sw_sip_param_get(na->params, "tag", &na->tag);
    }
    return true;
}

/* From (0) or To (1) name-addr. */
static const sw_sip_nameaddr *get_na(qeval *ev, int which)
{
    if (ev->st.na[which] == ST_UNKNOWN) {
        ev->st.na[which] = ST_NONE;
        const sw_sip_msg *m = get_sip(ev);
        const sw_sip_header *h = m ? m->first[which ? SW_HDR_TO : SW_HDR_FROM] : NULL;
        if (h && (sw_sip_nameaddr_parse(h->value, &ev->na[which]) == 0 ||
                  lenient_na(h->value, &ev->na[which])))
            ev->st.na[which] = ST_HAVE;
    }
    return ev->st.na[which] == ST_HAVE ? &ev->na[which] : NULL;
}

static const sw_sip_uri *get_uri(qeval *ev, int which)
{
    if (ev->st.uri[which] == ST_UNKNOWN) {
        ev->st.uri[which] = ST_NONE;
        const sw_sip_nameaddr *na = get_na(ev, which);
        /* a URI that does not parse fully keeps what was parsed; the user
         * part comes first, so it is still right */
        if (na) {
            memset(&ev->uri[which], 0, sizeof ev->uri[which]);
            sw_sip_uri_parse(na->uri, &ev->uri[which]);
            ev->st.uri[which] = ST_HAVE;
        }
    }
    return ev->st.uri[which] == ST_HAVE ? &ev->uri[which] : NULL;
}

static const sw_sip_uri *get_ruri(qeval *ev)
{
    if (ev->st.ruri == ST_UNKNOWN) {
        ev->st.ruri = ST_NONE;
        const sw_sip_msg *m = get_sip(ev);
        if (m && m->is_request) {
            memset(&ev->ruri, 0, sizeof ev->ruri);
            sw_sip_uri_parse(m->ruri, &ev->ruri);
            ev->st.ruri = ST_HAVE;
        }
    }
    return ev->st.ruri == ST_HAVE ? &ev->ruri : NULL;
}

static const sw_sdp *get_sdp(qeval *ev)
{
    if (ev->st.sdp == ST_UNKNOWN) {
        ev->st.sdp = ST_NONE;
        const sw_sip_msg *m = get_sip(ev);
        sw_str body;
        if (m && sw_sip_find_sdp(m, &body) &&
            sw_sdp_parse(body, &ev->sdp, ev->media, EV_MEDIA) == 0)
            ev->st.sdp = ST_HAVE;
    }
    return ev->st.sdp == ST_HAVE ? &ev->sdp : NULL;
}

static const sw_call *get_call(qeval *ev)
{
    if (ev->st.call == ST_UNKNOWN) {
        const sw_query_ctx *c = ev->ctx;
        ev->st.call = ST_NONE;
        uint32_t i = c->call;
        if (i == SW_NONE && c->corr && c->number)
            i = sw_corr_msg_call(c->corr, c->number);
        if (c->corr && i != SW_NONE && i < sw_corr_ncalls(c->corr)) {
            ev->call = sw_corr_call(c->corr, i);
            ev->st.call = ev->call ? ST_HAVE : ST_NONE;
        }
    }
    return ev->st.call == ST_HAVE ? ev->call : NULL;
}

/* Start of the UTC day of the capture (its first message) for time-of-day
 * literals; without a trace, the day of the message itself. */
static int64_t day0(sw_query *q, qeval *ev)
{
    const sw_query_ctx *c = ev->ctx;
    const int64_t day = 86400 * (int64_t)1000000000;
    if (q->day_known && q->day_trace == c->trace && c->trace)
        return q->day0;
    const sw_msg *first = c->trace ? sw_trace_get(c->trace, 1) : NULL;
    int64_t ts = first ? first->ts_ns : c->msg ? c->msg->ts_ns : 0;
    int64_t d = ts >= 0 ? ts / day * day : -((-ts + day - 1) / day) * day;
    if (first) {
        q->day_trace = c->trace;
        q->day0 = d;
        q->day_known = true;
    }
    return d;
}

/* ---- values ---------------------------------------------------------------- */

typedef struct qval {
    int64_t n;
    sw_str s;
    sw_addr ip;
    uint16_t port;
    bool has_port;
    bool b;
} qval;

typedef struct qiter {
    size_t i, j, f;
    const sw_sip_header *h;
} qiter;

static const char *static_pt_name(unsigned pt)
{
    static const char *n[35] = {
        [0] = "PCMU", [3] = "GSM",  [4] = "G723",  [5] = "DVI4",  [6] = "DVI4",  [7] = "LPC",
        [8] = "PCMA", [9] = "G722", [10] = "L16",  [11] = "L16",  [12] = "QCELP", [13] = "CN",
        [14] = "MPA", [15] = "G728", [16] = "DVI4", [17] = "DVI4", [18] = "G729", [25] = "CelB",
        [26] = "JPEG", [28] = "nv", [31] = "H261", [32] = "MPV",  [33] = "MP2T", [34] = "H263"};
    return pt < SW_ARRAY_LEN(n) ? n[pt] : NULL;
}

static bool ip_from_text(sw_str s, sw_addr *a)
{
    char buf[64];
    if (s.len == 0 || s.len >= sizeof buf)
        return false;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->a) == 1) {
        a->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, buf, a->a) == 1) {
        a->family = 6;
        return true;
    }
    return false;
}

static bool set_str(qval *v, sw_str s)
{
    v->s = s;
    return true;
}

static bool endpoint_val(const sw_endpoint *e, qval *v)
{
    if (!e)
        return false;
    v->ip = e->addr;
    v->port = e->port;
    v->has_port = true;
    return true;
}

/* Next value of the node's field; false when there are no more. */
static bool next_val(qeval *ev, const qnode *nd, qiter *it, qval *v)
{
    const sw_query_ctx *c = ev->ctx;
    const sw_msg *msg = c->msg;
    size_t k = it->i++;
    const sw_sip_msg *m;
    switch ((qfield)nd->field) {
    case QF_NUMBER:
        v->n = (int64_t)(c->trace ? sw_trace_shown(c->trace, c->number) : c->number);
        return k == 0 && c->number > 0;
    case QF_FRAME:
        if (k || !msg)
            return false;
        v->n = (int64_t)msg->frame;
        return true;
    case QF_TIMESTAMP:
        if (k || !msg)
            return false;
        v->n = msg->ts_ns;
        return true;
    case QF_ADDR:
    case QF_SRC:
    case QF_DST:
    case QF_PORT:
    case QF_SRC_PORT:
    case QF_DST_PORT: {
        get_endpoints(ev);
        bool both = nd->field == QF_ADDR || nd->field == QF_PORT;
        bool src = nd->field == QF_SRC || nd->field == QF_SRC_PORT;
        const sw_endpoint *e;
        if (both)
            e = k == 0 ? ev->src : k == 1 ? ev->dst : NULL;
        else
            e = k == 0 ? (src ? ev->src : ev->dst) : NULL;
        if (!endpoint_val(e, v))
            return false;
        v->n = e->port;
        return true;
    }
    case QF_TRANSPORT:
        if (k || !msg)
            return false;
        return set_str(v, sw_str_cstr(sw_transport_name(msg->transport)));
    case QF_METHOD:
        m = get_sip(ev);
        return k == 0 && m && m->is_request && set_str(v, m->method);
    case QF_CODE:
        m = get_sip(ev);
        if (k || !m || m->is_request || m->status < 0)
            return false;
        v->n = m->status;
        return true;
    case QF_REASON:
        m = get_sip(ev);
        return k == 0 && m && !m->is_request && set_str(v, m->reason);
    case QF_CALL_ID:
        m = get_sip(ev);
        return k == 0 && m && m->first[SW_HDR_CALL_ID] && set_str(v, m->call_id);
    case QF_CSEQ:
    case QF_CSEQ_METHOD: {
        m = get_sip(ev);
        uint32_t num;
        sw_str meth;
        if (k || !m || !m->first[SW_HDR_CSEQ] ||
            sw_sip_cseq_parse(m->first[SW_HDR_CSEQ]->value, &num, &meth))
            return false;
        v->n = num;
        v->s = meth;
        return true;
    }
    case QF_FROM_USER:
    case QF_TO_USER: {
        const sw_sip_uri *u = k ? NULL : get_uri(ev, nd->field == QF_TO_USER);
        return u && u->user.len && set_str(v, u->user);
    }
    case QF_FROM_URI:
    case QF_TO_URI: {
        const sw_sip_nameaddr *na = k ? NULL : get_na(ev, nd->field == QF_TO_URI);
        return na && set_str(v, na->uri);
    }
    case QF_FROM_TAG:
    case QF_TO_TAG: {
        const sw_sip_nameaddr *na = k ? NULL : get_na(ev, nd->field == QF_TO_TAG);
        return na && na->tag.len && set_str(v, na->tag);
    }
    case QF_RURI:
        m = get_sip(ev);
        return k == 0 && m && m->is_request && set_str(v, m->ruri);
    case QF_RURI_USER: {
        const sw_sip_uri *u = k ? NULL : get_ruri(ev);
        return u && u->user.len && set_str(v, u->user);
    }
    case QF_USER_AGENT:
        m = get_sip(ev);
        return k == 0 && m && m->first[SW_HDR_USER_AGENT] &&
               set_str(v, m->first[SW_HDR_USER_AGENT]->value);
    case QF_BODY:
        m = get_sip(ev);
        return k == 0 && m && m->body.len && set_str(v, m->body);
    case QF_HDR:
        m = get_sip(ev);
        if (!m)
            return false;
        if (nd->hdr_type != SW_HDR_OTHER) {
            it->h = sw_sip_hdr_next(m, (sw_hdr_type)nd->hdr_type, it->h);
            return it->h && set_str(v, it->h->value);
        }
        while (it->j < m->nhdrs) {
            const sw_sip_header *h = &m->hdrs[it->j++];
            if (h->type == SW_HDR_OTHER && sw_str_ieq(h->name, nd->hdr))
                return set_str(v, h->value);
        }
        return false;
    case QF_SDP_CODEC: {
        const sw_sdp *sdp = get_sdp(ev);
        if (!sdp)
            return false;
        /* it->j: media, it->f: next format of that media; a format without
         * an rtpmap line is named by its static payload type (RFC 3551) */
        size_t nm = SW_MIN(sdp->nmedia, (size_t)EV_MEDIA);
        while (it->j < nm) {
            const sw_sdp_media *md = &sdp->media[it->j];
            while (it->f < md->nfmt) {
                unsigned pt = md->fmt[it->f++];
                for (size_t r = 0; r < md->nrtpmap; r++)
                    if (md->rtpmap[r].pt == pt)
                        return set_str(v, md->rtpmap[r].encoding);
                const char *name = static_pt_name(pt);
                if (name)
                    return set_str(v, sw_str_cstr(name));
            }
            it->j++;
            it->f = 0;
        }
        return false;
    }
    case QF_SDP_MEDIA: {
        const sw_sdp *sdp = get_sdp(ev);
        if (!sdp || k >= SW_MIN(sdp->nmedia, (size_t)EV_MEDIA))
            return false;
        return set_str(v, sdp->media[k].type);
    }
    case QF_SDP_ADDR: {
        const sw_sdp *sdp = get_sdp(ev);
        if (!sdp)
            return false;
        size_t nm = SW_MIN(sdp->nmedia, (size_t)EV_MEDIA);
        if (nm == 0) {
            /* a session c= line without media */
            v->has_port = false;
            return k == 0 && ip_from_text(sdp->conn_addr, &v->ip);
        }
        for (; k < nm; k = it->i++) {
            const sw_sdp_media *md = &sdp->media[k];
            sw_str a = md->conn_addr.len ? md->conn_addr : sdp->conn_addr;
            if (ip_from_text(a, &v->ip)) {
                v->port = md->port;
                v->has_port = true;
                return true;
            }
        }
        return false;
    }
    case QF_RETRANS:
        if (k || !c->corr || !c->number)
            return false;
        v->b = (sw_corr_msg_flags(c->corr, c->number) & SW_MF_RETRANS) != 0;
        return true;
    case QF_MALFORMED:
        if (k)
            return false;
        if (c->sip)
            v->b = (c->sip->flags & SW_SIPF_MALFORMED) != 0;
        else if (msg)
            v->b = (msg->sflags & SW_SIPF_MALFORMED) != 0;
        else
            return false;
        return true;
    case QF_TRUNCATED:
        if (k || (!msg && !c->sip))
            return false;
        v->b = (msg && (msg->pflags & SW_PAYF_TRUNC)) ||
               (c->sip ? (c->sip->flags & SW_SIPF_TRUNCATED) != 0
                       : msg && (msg->sflags & SW_SIPF_TRUNCATED));
        return true;
    case QF_CALL_STATE:
    case QF_CALL_DURATION:
    case QF_CALL_PDD:
    case QF_CALL_CODE:
    case QF_CALL_LEGS:
    case QF_CALL_REASON: {
        const sw_call *call = k ? NULL : get_call(ev);
        if (!call)
            return false;
        switch ((qfield)nd->field) {
        case QF_CALL_STATE:
            return set_str(v, sw_str_cstr(call->kind == SW_CALL_INVITE
                                              ? sw_call_state_name((sw_call_state)call->state)
                                              : sw_call_kind_name((sw_call_kind)call->kind)));
        case QF_CALL_DURATION: {
            /* as `calls` shows it (render/calls.c): answer to end, or to the
             * last message for calls still up; never answered = 0 */
            int64_t answer = sw_corr_call_t_answer(c->corr, call);
            if (!answer) {
                v->n = 0;
                return true;
            }
            int64_t end = sw_corr_call_t_last(c->corr, call);
            if (!end || end < answer)
                return false;
            v->n = end - answer;
            return true;
        }
        case QF_CALL_PDD: {
            int64_t t0 = sw_corr_call_t_start(c->corr, call), tr = sw_corr_call_t_ringing(c->corr, call);
            if (!t0 || !tr || tr < t0)
                return false;
            v->n = tr - t0;
            return true;
        }
        case QF_CALL_CODE:
            v->n = call->final_code;
            return call->final_code != 0;
        case QF_CALL_LEGS: v->n = call->legs; return true;
        case QF_CALL_REASON: return call->final_code != 0 && set_str(v, sw_corr_call_reason(c->corr, call));
        default: return false;
        }
    }
    case QF__COUNT: break;
    }
    return false;
}

/* ---- comparisons -------------------------------------------------------- */

static int cmp_str(sw_str a, sw_str b, bool ci)
{
    size_t n = SW_MIN(a.len, b.len);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (ci) {
            x = (unsigned char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
            y = (unsigned char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a.len == b.len ? 0 : a.len < b.len ? -1 : 1;
}

/* A header value that is a whole number (up to 18 digits). */
static bool whole_number(sw_str s, int64_t *n)
{
    if (s.len == 0 || s.len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (s.p[i] - '0');
    }
    *n = v;
    return true;
}

static bool contains(sw_str hay, sw_str needle)
{
    if (needle.len == 0)
        return true;
    if (needle.len > hay.len)
        return false;
    return memmem(hay.p, hay.len, needle.p, needle.len) != NULL;
}

static bool addr_match(const qlit *l, const qval *v)
{
    if (l->u.addr.ip.family != v->ip.family)
        return false;
    unsigned bits = l->u.addr.prefix;
    const uint8_t *a = l->u.addr.ip.a, *b = v->ip.a;
    if (memcmp(a, b, bits / 8) != 0)
        return false;
    if (bits % 8) {
        uint8_t mask = (uint8_t)(0xFFu << (8 - bits % 8));
        if ((a[bits / 8] & mask) != (b[bits / 8] & mask))
            return false;
    }
    return !l->u.addr.has_port || (v->has_port && l->u.addr.port == v->port);
}

/* The value as text for like/ilike/contains on numbers and addresses. */
static sw_str val_text(const qfield_def *f, const qval *v, char *buf, size_t cap)
{
    if (f->type == QTY_STR)
        return v->s;
    if (f->type == QTY_NUM) {
        int n = snprintf(buf, cap, "%lld", (long long)v->n);
        return sw_str_make(buf, (size_t)n);
    }
    if (f->type == QTY_ADDR) {
        char ip[64];
        sw_addr_str(&v->ip, ip, sizeof ip);
        int n;
        if (!v->has_port)
            n = snprintf(buf, cap, "%s", ip);
        else if (v->ip.family == 6)
            n = snprintf(buf, cap, "[%s]:%u", ip, v->port);
        else
            n = snprintf(buf, cap, "%s:%u", ip, v->port);
        return sw_str_make(buf, (size_t)SW_MIN((size_t)n, cap - 1));
    }
    return SW_STR_NULL;
}

static bool regex_match(sw_query *q, const qnode *nd, sw_str s)
{
    int rc;
    const char *p = s.p ? s.p : "";
    if (nd->re_jit)
        rc = pcre2_jit_match(nd->re, (PCRE2_SPTR)p, s.len, 0, 0, q->md, q->mctx);
    else
        rc = pcre2_match(nd->re, (PCRE2_SPTR)p, s.len, 0, 0, q->md, q->mctx);
    if (rc >= 0)
        return true;
    if (rc != PCRE2_ERROR_NOMATCH)
        q->re_failures++;
    return false;
}

/* Does value v satisfy `op lit`? (op is never NE or IN here.) */
static bool test1(sw_query *q, qeval *ev, const qnode *nd, const qfield_def *f, int op,
                  const qlit *l, const qval *v)
{
    switch ((qtype)f->type) {
    case QTY_NUM:
        switch (op) {
        case QOP_EQ: return v->n >= l->u.num.lo && v->n <= l->u.num.hi;
        case QOP_LT: return v->n < l->u.num.lo;
        case QOP_GT: return v->n > l->u.num.hi;
        case QOP_LE: return v->n <= l->u.num.hi;
        case QOP_GE: return v->n >= l->u.num.lo;
        default: return false;
        }
    case QTY_TIME: {
        int64_t lo = l->u.time.lo, hi = l->u.time.hi;
        if (l->u.time.tod) {
            int64_t d = day0(q, ev);
            lo += d;
            hi += d;
        }
        switch (op) {
        case QOP_EQ: return v->n >= lo && v->n < hi;
        case QOP_LT: return v->n < lo;
        case QOP_GT: return v->n >= hi;
        case QOP_LE: return v->n < hi;
        case QOP_GE: return v->n >= lo;
        default: return false;
        }
    }
    case QTY_DUR:
        switch (op) {
        case QOP_EQ: return v->n == l->u.dur;
        case QOP_LT: return v->n < l->u.dur;
        case QOP_GT: return v->n > l->u.dur;
        case QOP_LE: return v->n <= l->u.dur;
        case QOP_GE: return v->n >= l->u.dur;
        default: return false;
        }
    case QTY_STR: {
        int64_t n;
        int r = l->is_int && whole_number(v->s, &n)
                    ? (n < l->u.num.lo ? -1 : n > l->u.num.lo)
                    : cmp_str(v->s, l->text, (f->flags & QFF_CI) != 0);
        switch (op) {
        case QOP_EQ: return r == 0;
        case QOP_LT: return r < 0;
        case QOP_GT: return r > 0;
        case QOP_LE: return r <= 0;
        case QOP_GE: return r >= 0;
        default: return false;
        }
    }
    case QTY_ADDR: return op == QOP_EQ && addr_match(l, v);
    case QTY_BOOL: return op == QOP_EQ && v->b == l->u.b;
    }
    (void)nd;
    return false;
}

static bool test_val(sw_query *q, qeval *ev, const qnode *nd, const qfield_def *f, int op,
                     const qval *v)
{
    if (op == QOP_LIKE || op == QOP_ILIKE || op == QOP_CONTAINS) {
        char buf[96];
        sw_str s = val_text(f, v, buf, sizeof buf);
        return op == QOP_CONTAINS ? contains(s, nd->lits[0].text) : regex_match(q, nd, s);
    }
    if (op == QOP_IN) {
        for (size_t i = 0; i < nd->nlits; i++)
            if (test1(q, ev, nd, f, QOP_EQ, &nd->lits[i], v))
                return true;
        return false;
    }
    return test1(q, ev, nd, f, op, &nd->lits[0], v);
}

static bool eval_node(sw_query *q, qeval *ev, const qnode *nd)
{
    switch ((qnode_kind)nd->kind) {
    case QN_OR: return eval_node(q, ev, nd->a) || eval_node(q, ev, nd->b);
    case QN_AND: return eval_node(q, ev, nd->a) && eval_node(q, ev, nd->b);
    case QN_NOT: return !eval_node(q, ev, nd->a);
    case QN_EXISTS: {
        qiter it = {0, 0, 0, NULL};
        qval v;
        memset(&v, 0, sizeof v);
        if (!next_val(ev, nd, &it, &v))
            return false;
        return sw_qfield_get((qfield)nd->field)->type == QTY_BOOL ? v.b : true;
    }
    case QN_CMP: {
        const qfield_def *f = sw_qfield_get((qfield)nd->field);
        bool ne = nd->op == QOP_NE;
        int op = ne ? QOP_EQ : nd->op;
        bool any = false;
        qiter it = {0, 0, 0, NULL};
        qval v;
        memset(&v, 0, sizeof v);
        while (next_val(ev, nd, &it, &v)) {
            any = true;
            bool m = test_val(q, ev, nd, f, op, &v);
            if (m)
                return !ne;
        }
        return ne && any;
    }
    }
    return false;
}

/* ---- public ---------------------------------------------------------------- */

bool sw_query_match_msg(sw_query *q, const sw_query_ctx *ctx)
{
    return eval_node(q, begin(q, ctx), q->root);
}

static bool match_call_msgs(sw_query *q, const sw_trace *t, const sw_corr *c, uint32_t call)
{
    sw_query_ctx ctx;
    sw_query_ctx_init(&ctx);
    ctx.trace = t;
    ctx.corr = c;
    ctx.call = call;
    if (!(q->needs & SW_QUERY_NEEDS_MSG))
        return sw_query_match_msg(q, &ctx);
    for (uint64_t n = sw_corr_call_next(c, call, 0); n; n = sw_corr_call_next(c, call, n)) {
        ctx.number = n;
        ctx.msg = sw_trace_get(t, n);
        if (sw_query_match_msg(q, &ctx))
            return true;
    }
    return false;
}

bool sw_query_match_call(sw_query *q, const sw_trace *t, const sw_corr *c, uint32_t call)
{
    if (call >= sw_corr_ncalls(c))
        return false;
    return match_call_msgs(q, t, c, call);
}

size_t sw_query_select_calls(sw_query *q, const sw_trace *t, const sw_corr *c, bool *keep)
{
    size_t ncalls = sw_corr_ncalls(c), kept = 0;
    for (size_t i = 0; i < ncalls; i++)
        keep[i] = false;
    if (!(q->needs & SW_QUERY_NEEDS_MSG)) {
        for (size_t i = 0; i < ncalls; i++)
            kept += keep[i] = match_call_msgs(q, t, c, (uint32_t)i);
        return kept;
    }
    /* one pass in message order; a call already selected is not looked at
     * again */
    sw_query_ctx ctx;
    sw_query_ctx_init(&ctx);
    ctx.trace = t;
    ctx.corr = c;
    size_t n = sw_trace_count(t);
    for (uint64_t i = 1; i <= n; i++) {
        uint32_t call = sw_corr_msg_call(c, i);
        if (call == SW_NONE || call >= ncalls || keep[call])
            continue;
        ctx.number = i;
        ctx.msg = sw_trace_get(t, i);
        ctx.call = call;
        if (sw_query_match_msg(q, &ctx)) {
            keep[call] = true;
            kept++;
        }
    }
    return kept;
}
