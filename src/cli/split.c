/*
 * split: `live --split-dir DIR`, one pcap per call, written when the call is
 * over.
 *
 * SIP needs no copy: the trace keeps every message and the call model chains
 * a call's messages. RTP is not kept by the trace, so the packets the media
 * stage attributes to a call (through the SDP that announced the stream) are
 * copied into a buffer of that call, up to SW_SPLIT_CALL_BYTES; past that
 * they are counted, not written, and the summary says so.
 *
 * A call is written SW_SPLIT_GRACE_NS of capture time after it is over (the
 * 200 to a BYE and the last RTP packets arrive a moment later), or when the
 * capture stops, whichever comes first; calls still going at the stop are
 * written then too. The file is rebuilt, not copied: each SIP message as one
 * IP packet (UDP, or TCP for stream transports, whatever the fragments or
 * segments that carried it), each RTP packet as it came (render/pcapw.c).
 * It is written as NAME.part and renamed when complete, so a process
 * watching DIR never sees half a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../correlate/correlate.h"
#include "../media/media.h"
#include "../render/render.h"
#include "../trace/trace.h"
#include "cli.h"

/* One RTP packet in a call's buffer, its payload following (8-aligned). */
typedef struct rtp_rec {
    int64_t ts_ns;
    sw_addr src, dst;
    uint16_t sport, dport;
    uint32_t len;
} rtp_rec;

typedef struct call_buf {
    uint8_t *p;
    size_t len, cap;
    uint8_t state; /* 0 open, 1 over (queued), 2 written */
} call_buf;

struct sw_split {
    char *dir;
    const sw_trace *t;
    const sw_corr *c;
    const sw_media *media;
    call_buf *calls; /* by call index, as far as a call has been seen */
    size_t ncalls;
    uint32_t *queue; /* calls over, oldest first */
    int64_t *queue_ts;
    size_t qhead, qlen, qcap;
    sw_split_stats st;
    int err; /* first write error (errno), reported once */
    const bool *only; /* keep RTP of these calls only (sw_split_only), NULL = all */
    size_t nonly;
};

static size_t rec_size(uint32_t len) { return (sizeof(rtp_rec) + len + 7) & ~(size_t)7; }

void sw_split_only(sw_split *s, const bool *keep, size_t n)
{
    s->only = keep;
    s->nonly = n;
}

sw_split *sw_split_new(const char *dir, const struct sw_trace *t, const struct sw_corr *c,
                       const struct sw_media *media)
{
    sw_split *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir ? dir : "."))) {
        free(s);
        return NULL;
    }
    s->t = t;
    s->c = c;
    s->media = media;
    return s;
}

static call_buf *buf_of(sw_split *s, uint32_t call)
{
    if (call == SW_NONE)
        return NULL;
    call_buf *nb = sw_grow_zeroed(s->calls, &s->ncalls, (size_t)call + 1, sizeof *nb, 256);
    if (!nb)
        return NULL;
    s->calls = nb;
    return &s->calls[call];
}

void sw_split_rtp(sw_split *s, size_t stream, const sw_rtp_hdr *h, const sw_payload *pl)
{
    (void)h;
    const sw_rtp_stream *rs = sw_media_stream(s->media, stream);
    uint32_t call = rs && rs->sdp_msg ? sw_corr_msg_call(s->c, rs->sdp_msg) : SW_NONE;
    const sw_call *k = call != SW_NONE ? sw_corr_call(s->c, call) : NULL;
    if (!k || k->kind != SW_CALL_INVITE || (s->only && (call >= s->nonly || !s->only[call])))
        return; /* media of no call that gets a file */
    call_buf *b = buf_of(s, call);
    if (!b) {
        s->st.rtp_dropped++;
        return;
    }
    if (b->state == 2) {
        s->st.rtp_late++;
        return;
    }
    size_t need = rec_size(pl->len);
    if (b->len + need > SW_SPLIT_CALL_BYTES) {
        s->st.rtp_dropped++;
        return;
    }
    if (b->len + need > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + need)
            nc *= 2;
        if (nc > SW_SPLIT_CALL_BYTES)
            nc = SW_SPLIT_CALL_BYTES;
        uint8_t *np = realloc(b->p, nc);
        if (!np) {
            s->st.rtp_dropped++;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    rtp_rec r;
    memset(&r, 0, sizeof r);
    r.ts_ns = pl->ts_ns;
    r.src = pl->src;
    r.dst = pl->dst;
    r.sport = pl->sport;
    r.dport = pl->dport;
    r.len = pl->len;
    memcpy(b->p + b->len, &r, sizeof r);
    memcpy(b->p + b->len + sizeof r, pl->data, pl->len);
    b->len += need;
    s->st.rtp_buffered++;
    sw_split_tick(s, pl->ts_ns);
}

void sw_split_over(sw_split *s, uint32_t call, int64_t ts_ns)
{
    call_buf *b = buf_of(s, call);
    if (!b || b->state)
        return;
    if (s->qhead + s->qlen == s->qcap) {
        if (s->qhead) {
            memmove(s->queue, s->queue + s->qhead, s->qlen * sizeof *s->queue);
            memmove(s->queue_ts, s->queue_ts + s->qhead, s->qlen * sizeof *s->queue_ts);
            s->qhead = 0;
        }
        if (s->qlen == s->qcap) {
            size_t nc = s->qcap ? s->qcap * 2 : 64;
            uint32_t *nq = realloc(s->queue, nc * sizeof *nq);
            if (nq)
                s->queue = nq;
            int64_t *nt = nq ? realloc(s->queue_ts, nc * sizeof *nt) : NULL;
            if (!nt)
                return; /* written at the stop instead */
            s->queue_ts = nt;
            s->qcap = nc;
        }
    }
    s->queue[s->qhead + s->qlen] = call;
    s->queue_ts[s->qhead + s->qlen] = ts_ns;
    s->qlen++;
    b->state = 1;
}

/* Call-ID as a file name part: letters, digits and . - _ @ kept, anything
 * else becomes _, at most 64 characters. */
static void name_part(sw_str id, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < id.len && n + 1 < cap && n < 64; i++) {
        unsigned char ch = (unsigned char)id.p[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '-' || ch == '_' || ch == '@';
        out[n++] = ok ? (char)ch : '_';
    }
    if (!n && cap > 1)
        out[n++] = '_';
    out[n] = '\0';
}

typedef struct flow_seq {
    uint32_t src, dst, seq;
} flow_seq;

/* What one file is being written with: TCP sequence numbers per direction
 * (rebuilt segments follow each other), and the packets written. */
typedef struct outfile {
    sw_pcapw *w;
    flow_seq flows[16];
    size_t nflows;
    uint64_t sip, rtp;
} outfile;

/* One SIP message as one packet. 0, or SW_EIO when the file cannot be
 * written (a message that cannot be rebuilt is left out). */
static int put_sip(const sw_split *s, outfile *o, const sw_msg *m)
{
    const sw_endpoint *a = sw_trace_endpoint(s->t, m->src);
    const sw_endpoint *z = sw_trace_endpoint(s->t, m->dst);
    bool tcp = m->transport == SW_TP_TCP;
    uint32_t seq = 1;
    if (tcp) {
        size_t i = 0;
        while (i < o->nflows && (o->flows[i].src != m->src || o->flows[i].dst != m->dst))
            i++;
        if (i == o->nflows && o->nflows < 16)
            o->flows[o->nflows++] = (flow_seq){m->src, m->dst, 1};
        if (i < o->nflows) {
            seq = o->flows[i].seq;
            o->flows[i].seq += m->len;
        }
    }
    if (!a || !z)
        return 0;
    int rc = sw_pcapw_packet(o->w, m->ts_ns, &a->addr, a->port, &z->addr, z->port, tcp, seq,
                             (const uint8_t *)m->data, m->len);
    if (rc == SW_EIO)
        return rc;
    o->sip += !rc;
    return 0;
}

/* One buffered RTP packet (its record at rec). 0 or SW_EIO. */
static int put_rtp(outfile *o, const uint8_t *rec)
{
    rtp_rec r;
    memcpy(&r, rec, sizeof r);
    int rc = sw_pcapw_packet(o->w, r.ts_ns, &r.src, r.sport, &r.dst, r.dport, false, 0,
                             rec + sizeof r, r.len);
    if (rc == SW_EIO)
        return rc;
    o->rtp += !rc;
    return 0;
}

static uint32_t rec_len(const uint8_t *rec)
{
    rtp_rec r;
    memcpy(&r, rec, sizeof r);
    return r.len;
}

static int64_t rec_ts(const uint8_t *rec)
{
    rtp_rec r;
    memcpy(&r, rec, sizeof r);
    return r.ts_ns;
}

static int write_call(sw_split *s, uint32_t call)
{
    call_buf *b = buf_of(s, call);
    const sw_call *k = sw_corr_call(s->c, call);
    if (!b || !k)
        return 0;
    char tbuf[32], cid[72];
    time_t sec = (time_t)(sw_corr_call_t_start(s->c, k) / 1000000000);
    struct tm tm;
    if (!localtime_r(&sec, &tm) || !strftime(tbuf, sizeof tbuf, "%Y%m%d-%H%M%S", &tm))
        snprintf(tbuf, sizeof tbuf, "%lld", (long long)sec);
    name_part(sw_corr_call_id(s->c, k), cid, sizeof cid);
    size_t plen = strlen(s->dir) + strlen(tbuf) + strlen(cid) + 48;
    char *path = malloc(plen), *part = malloc(plen + 5);
    sw_pcapw *w = NULL;
    int rc = 0;
    if (!path || !part) {
        rc = SW_ENOMEM;
        goto out;
    }
    snprintf(path, plen, "%s/%s-call%u-%s.pcap", s->dir, tbuf, sw_corr_call_shown(s->c, call), cid);
    snprintf(part, plen + 5, "%s.part", path);
    outfile o;
    memset(&o, 0, sizeof o);
    if ((rc = sw_pcapw_open(&o.w, part)))
        goto out;
    w = o.w;
    /* the call's messages (its chain) and its RTP (already in time order),
     * merged by time */
    uint64_t n = sw_corr_call_next(s->c, call, 0);
    size_t off = 0;
    while (!rc && (n || off < b->len)) {
        const sw_msg *m = n ? sw_trace_get(s->t, n) : NULL;
        if (n && !m) {
            n = 0; /* a message number the trace does not hold: stop */
            continue;
        }
        if (m && (off >= b->len || m->ts_ns <= rec_ts(b->p + off))) {
            rc = put_sip(s, &o, m);
            n = sw_corr_call_next(s->c, call, n);
        } else {
            rc = put_rtp(&o, b->p + off);
            off += rec_size(rec_len(b->p + off));
        }
    }
    s->st.sip_written += o.sip;
    s->st.rtp_written += o.rtp;
    if (rc)
        goto out;
    rc = sw_pcapw_close(w);
    w = NULL;
    if (!rc && rename(part, path))
        rc = SW_EIO;
    if (!rc)
        s->st.files++;
out:
    if (w)
        sw_pcapw_close(w);
    if (rc) {
        if (part)
            remove(part);
        s->st.failed++;
        if (!s->err) {
            s->err = errno ? errno : EIO;
            sw_cli_warn("live: --split-dir: cannot write %s: %s", path ? path : s->dir,
                        strerror(s->err));
        }
    }
    free(path);
    free(part);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->state = 2;
    return rc;
}

void sw_split_tick(sw_split *s, int64_t now_ns)
{
    while (s->qlen && s->queue_ts[s->qhead] + SW_SPLIT_GRACE_NS <= now_ns) {
        uint32_t call = s->queue[s->qhead];
        s->qhead++;
        s->qlen--;
        write_call(s, call);
    }
}

void sw_split_finish(sw_split *s)
{
    while (s->qlen) {
        uint32_t call = s->queue[s->qhead++];
        s->qlen--;
        write_call(s, call);
    }
    /* calls still going when the capture stopped */
    size_t ncalls = sw_corr_ncalls(s->c);
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *k = sw_corr_call(s->c, (uint32_t)i);
        call_buf *b = buf_of(s, (uint32_t)i);
        if (k->kind == SW_CALL_INVITE && b && b->state != 2) {
            s->st.written_at_stop++;
            write_call(s, (uint32_t)i);
        }
    }
}

void sw_split_evict(sw_split *s, const bool *keep_call, size_t n)
{
    for (size_t i = 0; i < n && i < sw_corr_ncalls(s->c); i++) {
        const sw_call *k = sw_corr_call(s->c, (uint32_t)i);
        if (keep_call[i] || k->kind != SW_CALL_INVITE)
            continue;
        call_buf *b = buf_of(s, (uint32_t)i);
        if (b && b->state != 2) {
            s->st.written_evicted += b->state == 0;
            write_call(s, (uint32_t)i);
        }
    }
}

void sw_split_rebase(sw_split *s, const sw_trace *t, const sw_corr *c, const uint32_t *call_map,
                     size_t n)
{
    /* A call's new index is never above its old one (the kept calls keep
     * their order, numbered from 0), so the table is compacted in place;
     * it grows again as calls come (buf_of). */
    for (size_t i = 0; i < s->ncalls; i++) {
        uint32_t j = i < n ? call_map[i] : SW_NONE;
        call_buf b = s->calls[i];
        memset(&s->calls[i], 0, sizeof s->calls[i]);
        if (j == SW_NONE || j > i) { /* j > i cannot happen; never overwrite */
            free(b.p);
            continue;
        }
        s->calls[j] = b;
    }
    size_t q = 0;
    for (size_t i = 0; i < s->qlen; i++) {
        uint32_t old = s->queue[s->qhead + i];
        uint32_t j = old < n ? call_map[old] : SW_NONE;
        if (j == SW_NONE)
            continue;
        s->queue[q] = j;
        s->queue_ts[q++] = s->queue_ts[s->qhead + i];
    }
    s->qhead = 0;
    s->qlen = q;
    s->t = t;
    s->c = c;
}

size_t sw_split_mem(const sw_split *s)
{
    size_t m = sizeof *s + s->ncalls * sizeof *s->calls + s->qcap * (sizeof(uint32_t) + 8);
    for (size_t i = 0; i < s->ncalls; i++)
        m += s->calls[i].cap;
    return m;
}

/* An RTP record of the buffers, for sorting several calls' packets by time. */
typedef struct rtp_ref {
    int64_t ts_ns;
    const uint8_t *rec;
} rtp_ref;

static int cmp_rtp(const void *a, const void *b)
{
    const rtp_ref *x = a, *y = b;
    if (x->ts_ns != y->ts_ns)
        return x->ts_ns < y->ts_ns ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec; /* stable within a call */
}

int sw_split_write_calls(sw_split *s, const bool *keep, size_t nkeep, const char *path,
                         uint64_t *nsip, uint64_t *nrtp)
{
    *nsip = *nrtp = 0;
    size_t ncalls = sw_corr_ncalls(s->c), nref = 0;
    for (size_t i = 0; i < ncalls && i < s->ncalls && i < nkeep; i++)
        if (keep[i])
            for (size_t off = 0; off < s->calls[i].len; off += rec_size(rec_len(s->calls[i].p + off)))
                nref++;
    rtp_ref *refs = malloc((nref ? nref : 1) * sizeof *refs);
    size_t plen = strlen(path) + 6;
    char *part = malloc(plen);
    if (!refs || !part) {
        free(refs);
        free(part);
        return SW_ENOMEM;
    }
    nref = 0;
    for (size_t i = 0; i < ncalls && i < s->ncalls && i < nkeep; i++)
        if (keep[i])
            for (size_t off = 0; off < s->calls[i].len; off += rec_size(rec_len(s->calls[i].p + off))) {
                refs[nref].ts_ns = rec_ts(s->calls[i].p + off);
                refs[nref++].rec = s->calls[i].p + off;
            }
    qsort(refs, nref, sizeof *refs, cmp_rtp);
    snprintf(part, plen, "%s.part", path);
    outfile o;
    memset(&o, 0, sizeof o);
    int rc = sw_pcapw_open(&o.w, part);
    if (rc) {
        free(refs);
        free(part);
        return rc;
    }
    sw_pcapw *w = o.w;
    /* SIP in capture order, RTP by time, merged */
    size_t nmsg = sw_trace_count(s->t), ri = 0;
    uint64_t n = 1;
    while (!rc && (n <= nmsg || ri < nref)) {
        const sw_msg *m = NULL;
        while (n <= nmsg) {
            uint32_t call = sw_corr_msg_call(s->c, n);
            if (call != SW_NONE && call < nkeep && keep[call] && (m = sw_trace_get(s->t, n)))
                break;
            n++;
        }
        if (m && (ri >= nref || m->ts_ns <= refs[ri].ts_ns)) {
            rc = put_sip(s, &o, m);
            n++;
        } else if (ri < nref) {
            rc = put_rtp(&o, refs[ri++].rec);
        }
    }
    *nsip = o.sip;
    *nrtp = o.rtp;
    int crc = sw_pcapw_close(w);
    if (!rc)
        rc = crc;
    if (!rc && rename(part, path))
        rc = SW_EIO;
    if (rc)
        remove(part);
    free(refs);
    free(part);
    return rc;
}

const sw_split_stats *sw_split_get_stats(const sw_split *s) { return &s->st; }

void sw_split_free(sw_split *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncalls; i++)
        free(s->calls[i].p);
    free(s->calls);
    free(s->queue);
    free(s->queue_ts);
    free(s->dir);
    free(s);
}
