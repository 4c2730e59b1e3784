/*
 * render/history: the message list (`history`) and one message (`show`).
 *
 * The TSV writer is the hot path of `sipwhy history` on big captures, so it
 * formats numbers by hand and writes with the unlocked stdio calls; the text
 * and JSON writers favour clarity.
 */
#define _GNU_SOURCE
#include "render.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* ---- small writers ------------------------------------------------------ */

static void put_u64(FILE *f, uint64_t v)
{
    char b[24];
    int i = 24;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fwrite_unlocked(b + i, 1, (size_t)(24 - i), f);
}

static void put_c(FILE *f, const char *s) { fputs_unlocked(s, f); }

void sw_render_epoch(FILE *f, int64_t ts_ns)
{
    int64_t sec = ts_ns / 1000000000, ns = ts_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        sec--;
    }
    if (sec < 0) {
        putc_unlocked('-', f);
        sec = -sec; /* only for damaged timestamps; the fraction stays positive */
    }
    put_u64(f, (uint64_t)sec);
    char b[8];
    int64_t us = ns / 1000;
    b[0] = '.';
    for (int i = 6; i >= 1; i--) {
        b[i] = (char)('0' + us % 10);
        us /= 10;
    }
    fwrite_unlocked(b, 1, 7, f);
}

const char *sw_render_time(int64_t ts_ns, bool with_date, char *buf, size_t len)
{
    int64_t sec = ts_ns / 1000000000, ns = ts_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        sec--;
    }
    time_t tt = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, len, "?");
        return buf;
    }
    char d[32];
    strftime(d, sizeof d, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06ld", d, (long)(ns / 1000));
    return buf;
}

static void put_ep(FILE *f, const sw_endpoint *e)
{
    if (!e) {
        put_c(f, "?");
        return;
    }
    if (e->addr.family == 6) {
        putc_unlocked('[', f);
        put_c(f, e->text);
        putc_unlocked(']', f);
    } else {
        put_c(f, e->text);
    }
    putc_unlocked(':', f);
    put_u64(f, e->port);
}

/* ---- history ----------------------------------------------------------- */

void sw_render_history_begin(FILE *f, const sw_render_opts *o)
{
    if (o->format == SW_FMT_TSV)
        put_c(f, "number\tepoch\tsrc_ip\tsrc_port\tdst_ip\tdst_port\ttransport\tmethod\tstatus\t"
                 "call_id\tcseq_seq\tcseq_method\tretrans\n");
}

/* A line is assembled in a local buffer and written with one call: this is
 * the hot path of `history --format tsv` on big captures, and a stdio call
 * per field cost more than the formatting itself. */
typedef struct linebuf {
    char b[2048];
    size_t n;
    FILE *f;
} linebuf;

static void lb_flush(linebuf *l)
{
    fwrite_unlocked(l->b, 1, l->n, l->f);
    l->n = 0;
}

static void lb_put(linebuf *l, const char *p, size_t n)
{
    if (l->n + n > sizeof l->b) {
        lb_flush(l);
        if (n > sizeof l->b) {
            fwrite_unlocked(p, 1, n, l->f);
            return;
        }
    }
    memcpy(l->b + l->n, p, n);
    l->n += n;
}

static void lb_c(linebuf *l, char c)
{
    if (l->n == sizeof l->b)
        lb_flush(l);
    l->b[l->n++] = c;
}

static void lb_u64(linebuf *l, uint64_t v)
{
    /* Two digits a step: half the divisions of the plain loop. */
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char b[24];
    int i = 24;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        b[--i] = pairs[2 * r + 1];
        b[--i] = pairs[2 * r];
    }
    if (v >= 10) {
        b[--i] = pairs[2 * v + 1];
        b[--i] = pairs[2 * v];
    } else {
        b[--i] = (char)('0' + v);
    }
    lb_put(l, b + i, (size_t)(24 - i));
}

/* TSV field escaping as sw_tsv_field(), into the line buffer. */
static void lb_tsv(linebuf *l, sw_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        /* Eight bytes at a time while none needs escaping (a control byte,
         * DEL or a backslash): the usual case for Call-IDs and methods. */
        while (i + 8 <= s.len) {
            uint64_t v;
            memcpy(&v, p + i, 8);
            const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
            uint64_t lt20 = (v - ones * 0x20) & ~v & high;
            uint64_t x7f = v ^ (ones * 0x7F), x5c = v ^ (ones * 0x5C);
            uint64_t eq = ((x7f - ones) & ~x7f & high) | ((x5c - ones) & ~x5c & high);
            if (lt20 | eq)
                break;
            run += 8;
            i += 8;
        }
        if (i >= s.len)
            break;
        unsigned c = p[i];
        if (c >= 0x20 && c != 0x7F && c != '\\') {
            run++;
            continue;
        }
        if (run) {
            lb_put(l, (const char *)p + i - run, run);
            run = 0;
        }
        char e[5];
        switch (c) {
        case '\t': lb_put(l, "\\t", 2); break;
        case '\n': lb_put(l, "\\n", 2); break;
        case '\r': lb_put(l, "\\r", 2); break;
        case '\\': lb_put(l, "\\\\", 2); break;
        default:
            snprintf(e, sizeof e, "\\x%02x", c);
            lb_put(l, e, 4);
            break;
        }
    }
    if (run)
        lb_put(l, (const char *)p + s.len - run, run);
}

static void lb_epoch(linebuf *l, int64_t ts_ns)
{
    int64_t sec = ts_ns / 1000000000, ns = ts_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        sec--;
    }
    if (sec < 0) {
        lb_c(l, '-');
        sec = -sec;
    }
    lb_u64(l, (uint64_t)sec);
    char b[7];
    int64_t us = ns / 1000;
    b[0] = '.';
    for (int i = 6; i >= 1; i--) {
        b[i] = (char)('0' + us % 10);
        us /= 10;
    }
    lb_put(l, b, 7);
}

static void history_tsv(FILE *f, const sw_trace *t, uint64_t number, const sw_msg *m,
                        const sw_sip_msg *sip, unsigned mflags)
{
    const sw_endpoint *s = sw_trace_endpoint(t, m->src), *d = sw_trace_endpoint(t, m->dst);
    linebuf l;
    l.n = 0;
    l.f = f;
    lb_u64(&l, number);
    lb_c(&l, '\t');
    lb_epoch(&l, m->ts_ns);
    lb_c(&l, '\t');
    lb_put(&l, s->text, s->text_len);
    lb_c(&l, '\t');
    lb_u64(&l, s->port);
    lb_c(&l, '\t');
    lb_put(&l, d->text, d->text_len);
    lb_c(&l, '\t');
    lb_u64(&l, d->port);
    lb_c(&l, '\t');
    const char *tp = sw_transport_name(m->transport);
    lb_put(&l, tp, strlen(tp));
    lb_c(&l, '\t');
    if (sip->is_request)
        lb_tsv(&l, sip->method);
    lb_c(&l, '\t');
    if (!sip->is_request && sip->status >= 0)
        lb_u64(&l, (uint64_t)sip->status);
    lb_c(&l, '\t');
    lb_tsv(&l, sip->call_id);
    lb_c(&l, '\t');
    if (sip->first[SW_HDR_CSEQ] && sip->cseq_method.len)
        lb_u64(&l, sip->cseq);
    lb_c(&l, '\t');
    lb_tsv(&l, sip->cseq_method);
    lb_put(&l, (mflags & SW_MF_RETRANS) ? "\t1\n" : "\t0\n", 3);
    lb_flush(&l);
}

static void json_key(FILE *f, const char *k, bool first)
{
    if (!first)
        putc_unlocked(',', f);
    putc_unlocked('"', f);
    put_c(f, k);
    put_c(f, "\":");
}

static void json_str_or_null(FILE *f, const char *k, sw_str v, bool present)
{
    json_key(f, k, false);
    if (present)
        sw_json_str(f, v);
    else
        put_c(f, "null");
}

static void history_json(FILE *f, const sw_trace *t, uint64_t number, const sw_msg *m,
                         const sw_sip_msg *sip, unsigned mflags)
{
    const sw_endpoint *s = sw_trace_endpoint(t, m->src), *d = sw_trace_endpoint(t, m->dst);
    char tb[48];
    putc_unlocked('{', f);
    json_key(f, "number", true);
    put_u64(f, number);
    json_key(f, "epoch", false);
    sw_render_epoch(f, m->ts_ns);
    json_key(f, "time", false);
    sw_render_time(m->ts_ns, true, tb, sizeof tb);
    tb[10] = 'T';
    putc_unlocked('"', f);
    put_c(f, tb);
    put_c(f, "Z\"");
    json_str_or_null(f, "src_ip", sw_str_cstr(s->text), true);
    json_key(f, "src_port", false);
    put_u64(f, s->port);
    json_str_or_null(f, "dst_ip", sw_str_cstr(d->text), true);
    json_key(f, "dst_port", false);
    put_u64(f, d->port);
    json_str_or_null(f, "transport", sw_str_cstr(sw_transport_name(m->transport)), true);
    json_str_or_null(f, "method", sip->method, sip->is_request);
    json_str_or_null(f, "ruri", sip->ruri, sip->is_request);
    json_key(f, "status", false);
    if (!sip->is_request && sip->status >= 0)
        put_u64(f, (uint64_t)sip->status);
    else
        put_c(f, "null");
    json_str_or_null(f, "reason", sip->reason, !sip->is_request);
    json_str_or_null(f, "call_id", sip->call_id, sip->first[SW_HDR_CALL_ID] != NULL);
    json_key(f, "cseq_seq", false);
    if (sip->first[SW_HDR_CSEQ] && sip->cseq_method.len)
        put_u64(f, sip->cseq);
    else
        put_c(f, "null");
    json_str_or_null(f, "cseq_method", sip->cseq_method, sip->cseq_method.len > 0);
    sw_str ft = sip->from_tag, tt = sip->to_tag;
    json_str_or_null(f, "from_tag", ft, ft.len > 0);
    json_str_or_null(f, "to_tag", tt, tt.len > 0);
    sw_str br = sip->has_top_via ? sip->top_via.branch : SW_STR_NULL;
    json_str_or_null(f, "branch", br, br.len > 0);
    json_str_or_null(f, "malformed", sw_str_cstr(sip->malformed), sip->malformed != NULL);
    json_key(f, "retrans", false);
    put_c(f, (mflags & SW_MF_RETRANS) ? "true" : "false");
    json_key(f, "frame", false);
    put_u64(f, m->frame);
    json_key(f, "input", false);
    put_u64(f, m->input);
    json_key(f, "len", false);
    put_u64(f, m->len);
    json_key(f, "reassembled", false);
    put_c(f, (m->pflags & (SW_PAYF_IPFRAG | SW_PAYF_TCPSEGS)) ? "true" : "false");
    json_key(f, "truncated", false);
    put_c(f, ((m->pflags & SW_PAYF_TRUNC) || (sip->flags & SW_SIPF_TRUNCATED)) ? "true"
                                                                                : "false");
    put_c(f, "}\n");
}

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_REQ "\033[1m"
#define C_1XX "\033[36m"
#define C_2XX "\033[32m"
#define C_3XX "\033[34m"
#define C_4XX "\033[33m"
#define C_ERR "\033[31m"

static const char *status_color(int code)
{
    if (code < 200)
        return C_1XX;
    if (code < 300)
        return C_2XX;
    if (code < 400)
        return C_3XX;
    if (code < 500)
        return C_4XX;
    return C_ERR;
}

static void history_text(FILE *f, const sw_render_opts *o, const sw_trace *t, uint64_t number,
                         const sw_msg *m, const sw_sip_msg *sip, unsigned mflags)
{
    char tb[48];
    fprintf(f, "%5" PRIu64 "  %s  ", number, sw_render_time(m->ts_ns, false, tb, sizeof tb));
    /* endpoints padded so arrows line up for IPv4 traffic */
    char sb[64], db[64];
    const sw_endpoint *s = sw_trace_endpoint(t, m->src), *d = sw_trace_endpoint(t, m->dst);
    snprintf(sb, sizeof sb, s->addr.family == 6 ? "[%s]:%u" : "%s:%u", s->text, s->port);
    snprintf(db, sizeof db, d->addr.family == 6 ? "[%s]:%u" : "%s:%u", d->text, d->port);
    fprintf(f, "%-21s -> %-21s %-3s  ", sb, db, sw_transport_name(m->transport));
    if (sip->is_request) {
        if (o->color)
            put_c(f, C_REQ);
        sw_text_safe(f, sip->method, false);
        if (o->color)
            put_c(f, C_RESET);
        putc_unlocked(' ', f);
        sw_text_safe(f, sip->ruri, false);
    } else {
        if (o->color)
            put_c(f, status_color(sip->status));
        fprintf(f, "%d ", sip->status);
        sw_text_safe(f, sip->reason, false);
        if (o->color)
            put_c(f, C_RESET);
    }
    put_c(f, "  ");
    if (o->color)
        put_c(f, C_DIM);
    sw_text_safe(f, sip->call_id, false);
    if (o->color)
        put_c(f, C_RESET);
    if (!sip->is_request && o->explain) {
        const char *b = sw_kb_brief(sip->status, sip->reason, sip->cseq_method, o->lang);
        if (b && *b) {
            put_c(f, "  (");
            put_c(f, b);
            putc_unlocked(')', f);
        }
    }
    if (mflags & SW_MF_RETRANS)
        put_c(f, "  [retransmission]");
    if (m->pflags & (SW_PAYF_IPFRAG | SW_PAYF_TCPSEGS))
        put_c(f, "  [reassembled]");
    if ((m->pflags & SW_PAYF_TRUNC) || (sip->flags & SW_SIPF_TRUNCATED))
        put_c(f, "  [truncated]");
    if (sip->malformed) {
        put_c(f, o->color ? "  " C_ERR "[malformed: " : "  [malformed: ");
        put_c(f, sip->malformed);
        put_c(f, o->color ? "]" C_RESET : "]");
    }
    putc_unlocked('\n', f);
}

void sw_render_history_line(FILE *f, const sw_render_opts *o, const sw_trace *t,
                            uint64_t number, const sw_msg *m, const sw_sip_msg *sip,
                            unsigned mflags)
{
    number = sw_trace_shown(t, number); /* the number the user knows it by */
    switch (o->format) {
    case SW_FMT_TSV: history_tsv(f, t, number, m, sip, mflags); break;
    case SW_FMT_JSON: history_json(f, t, number, m, sip, mflags); break;
    default: history_text(f, o, t, number, m, sip, mflags); break;
    }
}

/* ---- show -------------------------------------------------------------- */

static void show_field(FILE *f, const char *label, sw_str v)
{
    fprintf(f, "  %-14s ", label);
    sw_text_safe(f, v, false);
    putc_unlocked('\n', f);
}

static void show_nameaddr(FILE *f, const char *label, const sw_sip_header *h)
{
    sw_sip_nameaddr na;
    if (!h)
        return;
    if (sw_sip_nameaddr_parse(h->value, &na) != 0) {
        show_field(f, label, h->value);
        put_c(f, "                 (could not parse)\n");
        return;
    }
    sw_sip_uri u;
    int urc = sw_sip_uri_parse(na.uri, &u);
    fprintf(f, "  %-14s ", label);
    if (na.display.len) {
        putc_unlocked('"', f);
        sw_text_safe(f, na.display, false);
        put_c(f, "\" ");
    }
    putc_unlocked('<', f);
    sw_text_safe(f, na.uri, false);
    putc_unlocked('>', f);
    if (urc == 0) {
        put_c(f, "  user=");
        sw_text_safe(f, u.user, false);
        put_c(f, " host=");
        sw_text_safe(f, u.host, false);
        if (u.port)
            fprintf(f, " port=%u", u.port);
    }
    if (na.tag.len) {
        put_c(f, " tag=");
        sw_text_safe(f, na.tag, false);
    }
    putc_unlocked('\n', f);
}

static void show_decoded(FILE *f, const sw_sip_msg *sip)
{
    put_c(f, "decoded:\n");
    if (sip->is_request) {
        show_field(f, "method", sip->method);
        show_field(f, "request-uri", sip->ruri);
    } else {
        fprintf(f, "  %-14s %d\n", "status", sip->status);
        show_field(f, "reason", sip->reason);
    }
    int nvia = 0;
    for (const sw_sip_header *h = sw_sip_hdr_next(sip, SW_HDR_VIA, NULL); h;
         h = sw_sip_hdr_next(sip, SW_HDR_VIA, h)) {
        sw_str cur = h->value, item;
        while (sw_sip_list_next(&cur, &item)) {
            sw_sip_via v;
            char label[16];
            snprintf(label, sizeof label, "via[%d]", nvia++);
            if (sw_sip_via_parse(item, &v) != 0) {
                show_field(f, label, item);
                continue;
            }
            fprintf(f, "  %-14s ", label);
            sw_text_safe(f, v.transport, false);
            putc_unlocked(' ', f);
            sw_text_safe(f, v.host, false);
            if (v.port)
                fprintf(f, ":%u", v.port);
            if (v.branch.len) {
                put_c(f, " branch=");
                sw_text_safe(f, v.branch, false);
            }
            if (v.received.len) {
                put_c(f, " received=");
                sw_text_safe(f, v.received, false);
            }
            if (v.has_rport) {
                if (v.rport)
                    fprintf(f, " rport=%u", v.rport);
                else
                    put_c(f, " rport");
            }
            putc_unlocked('\n', f);
        }
    }
    show_nameaddr(f, "from", sip->first[SW_HDR_FROM]);
    show_nameaddr(f, "to", sip->first[SW_HDR_TO]);
    if (sip->first[SW_HDR_CALL_ID])
        show_field(f, "call-id", sip->call_id);
    if (sip->first[SW_HDR_CSEQ]) {
        fprintf(f, "  %-14s %u ", "cseq", sip->cseq);
        sw_text_safe(f, sip->cseq_method, false);
        putc_unlocked('\n', f);
    }
    show_nameaddr(f, "contact", sip->first[SW_HDR_CONTACT]);
    static const struct {
        sw_hdr_type t;
        const char *label;
    } plain[] = {
        {SW_HDR_MAX_FORWARDS, "max-forwards"}, {SW_HDR_USER_AGENT, "user-agent"},
        {SW_HDR_SERVER, "server"},             {SW_HDR_EXPIRES, "expires"},
        {SW_HDR_EVENT, "event"},               {SW_HDR_SUBSCRIPTION_STATE, "subscription"},
        {SW_HDR_REASON, "reason-hdr"},         {SW_HDR_WARNING, "warning"},
        {SW_HDR_CONTENT_TYPE, "content-type"}, {SW_HDR_REPLACES, "replaces"},
        {SW_HDR_SESSION_ID, "session-id"},     {SW_HDR_X_CALL_ID, "x-call-id"},
        {SW_HDR_X_CID, "x-cid"},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(plain); i++)
        if (sip->first[plain[i].t])
            show_field(f, plain[i].label, sip->first[plain[i].t]->value);
    show_nameaddr(f, "refer-to", sip->first[SW_HDR_REFER_TO]);
    show_nameaddr(f, "referred-by", sip->first[SW_HDR_REFERRED_BY]);
    show_nameaddr(f, "p-asserted-id", sip->first[SW_HDR_P_ASSERTED_IDENTITY]);
    static const sw_hdr_type auth[] = {SW_HDR_WWW_AUTHENTICATE, SW_HDR_PROXY_AUTHENTICATE,
                                       SW_HDR_AUTHORIZATION, SW_HDR_PROXY_AUTHORIZATION};
    for (size_t i = 0; i < SW_ARRAY_LEN(auth); i++) {
        const sw_sip_header *h = sip->first[auth[i]];
        sw_sip_auth a;
        if (!h || sw_sip_auth_parse(h->value, &a) != 0)
            continue;
        fprintf(f, "  %-14s ", sw_sip_hdr_name(auth[i]));
        sw_text_safe(f, a.scheme, false);
        if (a.realm.len) {
            put_c(f, " realm=");
            sw_text_safe(f, a.realm, false);
        }
        if (a.username.len) {
            put_c(f, " username=");
            sw_text_safe(f, a.username, false);
        }
        if (a.nonce.len) {
            put_c(f, " nonce=");
            sw_text_safe(f, a.nonce, false);
        }
        if (a.algorithm.len) {
            put_c(f, " algorithm=");
            sw_text_safe(f, a.algorithm, false);
        }
        if (a.stale)
            put_c(f, " stale=true");
        putc_unlocked('\n', f);
    }
    sw_str sdp;
    if (sw_sip_find_sdp(sip, &sdp)) {
        sw_sdp s;
        sw_sdp_media media[8];
        sw_sdp_parse(sdp, &s, media, SW_ARRAY_LEN(media));
        put_c(f, "sdp:\n");
        show_field(f, "origin", s.origin_addr);
        if (s.conn_addr.len)
            show_field(f, "connection", s.conn_addr);
        for (size_t i = 0; i < s.nmedia && i < SW_ARRAY_LEN(media); i++) {
            const sw_sdp_media *md = &media[i];
            fprintf(f, "  %-14s ", "media");
            sw_text_safe(f, md->type, false);
            fprintf(f, " port %u ", md->port);
            sw_text_safe(f, md->proto, false);
            if (md->conn_addr.len) {
                put_c(f, " addr ");
                sw_text_safe(f, md->conn_addr, false);
            }
            static const char *dirs[] = {"", "sendrecv", "sendonly", "recvonly", "inactive"};
            sw_sdp_dir dir = md->dir ? md->dir : s.dir;
            if (dir)
                fprintf(f, " %s", dirs[dir]);
            put_c(f, "\n                 codecs:");
            for (size_t k = 0; k < md->nfmt; k++) {
                fprintf(f, " %u", md->fmt[k]);
                for (size_t r = 0; r < md->nrtpmap; r++) {
                    if (md->rtpmap[r].pt == md->fmt[k]) {
                        putc_unlocked('/', f);
                        sw_text_safe(f, md->rtpmap[r].encoding, false);
                        fprintf(f, "/%u", md->rtpmap[r].clock);
                    }
                }
            }
            putc_unlocked('\n', f);
        }
        if (s.malformed)
            fprintf(f, "  %-14s %s\n", "sdp problem", s.malformed);
    }
    fprintf(f, "  %-14s %zu\n", "headers", sip->nhdrs);
}

void sw_render_show(FILE *f, const sw_render_opts *o, const sw_trace *t, size_t ninputs,
                    const char *const *input_names, uint64_t number, const sw_msg *m)
{
    size_t cap = o->max_headers ? o->max_headers : 256;
    sw_sip_header hdrs[256];
    if (cap > SW_ARRAY_LEN(hdrs))
        cap = SW_ARRAY_LEN(hdrs);
    sw_sip_msg sip;
    sw_trace_parse(t, m, &sip, hdrs, cap);
    const sw_endpoint *s = sw_trace_endpoint(t, m->src), *d = sw_trace_endpoint(t, m->dst);
    bool reasm = m->pflags & (SW_PAYF_IPFRAG | SW_PAYF_TCPSEGS);
    const char *how = (m->pflags & SW_PAYF_IPFRAG) ? "IP fragments"
                      : (m->pflags & SW_PAYF_TCPSEGS) ? "TCP segments" : "";
    const char *in = m->input < ninputs ? input_names[m->input] : "?";
    if (o->format == SW_FMT_JSON) {
        putc_unlocked('{', f);
        json_key(f, "number", true);
        put_u64(f, sw_trace_shown(t, number));
        json_key(f, "epoch", false);
        sw_render_epoch(f, m->ts_ns);
        json_str_or_null(f, "input", sw_str_cstr(in), true);
        json_key(f, "frame", false);
        put_u64(f, m->frame);
        json_key(f, "first_frame", false);
        put_u64(f, sw_msg_first_frame(m));
        json_key(f, "frames", false);
        put_u64(f, m->nframes);
        json_str_or_null(f, "reassembled_from", sw_str_cstr(how), reasm);
        json_str_or_null(f, "src_ip", sw_str_cstr(s->text), true);
        json_key(f, "src_port", false);
        put_u64(f, s->port);
        json_str_or_null(f, "dst_ip", sw_str_cstr(d->text), true);
        json_key(f, "dst_port", false);
        put_u64(f, d->port);
        json_str_or_null(f, "transport", sw_str_cstr(sw_transport_name(m->transport)), true);
        json_str_or_null(f, "malformed", sw_str_cstr(sip.malformed), sip.malformed != NULL);
        json_key(f, "headers", false);
        putc_unlocked('[', f);
        for (size_t i = 0; i < sip.nhdrs; i++) {
            if (i)
                putc_unlocked(',', f);
            putc_unlocked('[', f);
            sw_json_str(f, sip.hdrs[i].name);
            putc_unlocked(',', f);
            sw_json_str(f, sip.hdrs[i].value);
            putc_unlocked(']', f);
        }
        putc_unlocked(']', f);
        json_str_or_null(f, "raw", sw_str_make(m->data, m->len), true);
        put_c(f, "}\n");
        return;
    }
    char tb[48];
    /* show stops reading at message N, so the total is not known here */
    fprintf(f, "message %" PRIu64 "\n", sw_trace_shown(t, number));
    fprintf(f, "  %-14s %s UTC (epoch ", "time", sw_render_time(m->ts_ns, true, tb, sizeof tb));
    sw_render_epoch(f, m->ts_ns);
    put_c(f, ")\n");
    fprintf(f, "  %-14s ", "path");
    put_ep(f, s);
    put_c(f, " -> ");
    put_ep(f, d);
    fprintf(f, " (%s, %u bytes)\n", sw_transport_name(m->transport), m->len);
    fprintf(f, "  %-14s ", "frames");
    sw_text_safe(f, sw_str_cstr(in), false);
    if (m->nframes > 1 || m->first_back)
        fprintf(f, " frames %" PRIu64 "-%" PRIu64 " (%u frames, reassembled from %s)\n",
                sw_msg_first_frame(m), m->frame, m->nframes, how[0] ? how : "segments");
    else
        fprintf(f, " frame %" PRIu64 "\n", m->frame);
    if ((m->pflags & SW_PAYF_TRUNC) || (sip.flags & SW_SIPF_TRUNCATED))
        fprintf(f, "  %-14s bytes are missing (snaplen, lost segment or end of capture)\n",
                "truncated");
    if (sip.malformed)
        fprintf(f, "  %-14s %s (at byte %u)\n", "malformed", sip.malformed, sip.malformed_off);
    if (!sip.is_request && o->explain) {
        fprintf(f, "  %-14s %s\n", "meaning",
                sw_kb_brief(sip.status, sip.reason, sip.cseq_method, o->lang));
    }
    put_c(f, "raw:\n");
    sw_text_safe(f, sw_str_make(m->data, m->len), true);
    if (m->len && m->data[m->len - 1] != '\n')
        putc_unlocked('\n', f);
    show_decoded(f, &sip);
}
