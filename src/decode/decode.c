/*
 * decode: link, network, tunnel and transport layers; IP and TCP reassembly.
 *
 * Layout of the work for one packet: link() strips the link header and calls
 * l3() with an EtherType; ip4()/ip6() validate lengths, hand fragments to the
 * reassembler, and call l4() with the protocol and the innermost addresses;
 * l4() recurses into tunnels (bounded depth) or ends in udp()/tcp().
 *
 * Why the depth bound: GRE in GRE in IP-in-IP is legal and a crafted packet
 * can nest until the snaplen runs out; MAX_DEPTH keeps the stack and the
 * time per packet constant.
 */
#include "decode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_DEPTH 8
#define FRAG_MAX_DGRAM 65536u
#define TCP_IDLE_NS (600ll * 1000000000ll)

/* ---- addresses --------------------------------------------------------- */

const char *sw_addr_str(const sw_addr *a, char *buf, size_t len)
{
    if (a->family == 4 && len >= 16) {
        /* dotted quad by hand: glibc's inet_ntop costs ~1800 instructions */
        char *o = buf;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->a[i];
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : '\0';
        }
        return buf;
    }
    if (a->family == 4)
        return inet_ntop(AF_INET, a->a, buf, (socklen_t)len) ? buf : "?";
    if (a->family == 6)
        return inet_ntop(AF_INET6, a->a, buf, (socklen_t)len) ? buf : "?";
    snprintf(buf, len, "-");
    return buf;
}

bool sw_addr_eq(const sw_addr *a, const sw_addr *b)
{
    return a->family == b->family && memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
}

const char *sw_transport_name(unsigned tp)
{
    switch (tp) {
    case SW_TP_UDP: return "udp";
    case SW_TP_TCP: return "tcp";
    case SW_TP_SCTP: return "sctp";
    default: return "";
    }
}

void sw_decode_opts_default(sw_decode_opts *o)
{
    if (!o->max_msg)
        o->max_msg = 1u << 20;
    if (!o->frag_max_bytes)
        o->frag_max_bytes = 64u << 20;
    if (!o->frag_max_datagrams)
        o->frag_max_datagrams = 16384;
    if (!o->frag_timeout_ns)
        o->frag_timeout_ns = 30ll * 1000000000ll;
    if (!o->tcp_max_flows)
        o->tcp_max_flows = 1u << 20;
    if (!o->tcp_max_bytes)
        o->tcp_max_bytes = 256u << 20;
    if (!o->tcp_max_ooo)
        o->tcp_max_ooo = 64;
}

/* ---- keys and tables --------------------------------------------------- */

/* Fixed-layout key hashed as bytes: zero-initialise before filling. */
typedef struct key {
    sw_addr src, dst;
    uint32_t id;    /* fragments: IP id; flows: ports */
    uint8_t proto;  /* fragments: protocol (v4) */
    uint8_t pad[3];
} key;

typedef struct node {
    struct node *hnext;             /* hash chain */
    struct node *lprev, *lnext;     /* age list (oldest first) */
    key k;
    uint64_t h;
} node;

typedef struct table {
    node **slots;
    size_t nslots, count;
    node *oldest, *newest;
} table;

static int table_init(table *t, size_t n)
{
    t->slots = calloc(n, sizeof *t->slots);
    t->nslots = n;
    t->count = 0;
    t->oldest = t->newest = NULL;
    return t->slots ? 0 : SW_ENOMEM;
}

static node *table_find(table *t, const key *k, uint64_t h)
{
    for (node *n = t->slots[h & (t->nslots - 1)]; n; n = n->hnext)
        if (n->h == h && memcmp(&n->k, k, sizeof *k) == 0)
            return n;
    return NULL;
}

static void age_unlink(table *t, node *n)
{
    if (n->lprev)
        n->lprev->lnext = n->lnext;
    else
        t->oldest = n->lnext;
    if (n->lnext)
        n->lnext->lprev = n->lprev;
    else
        t->newest = n->lprev;
    n->lprev = n->lnext = NULL;
}

static void age_append(table *t, node *n)
{
    n->lprev = t->newest;
    n->lnext = NULL;
    if (t->newest)
        t->newest->lnext = n;
    else
        t->oldest = n;
    t->newest = n;
}

static void table_grow(table *t)
{
    size_t nn = t->nslots * 2;
    node **ns = calloc(nn, sizeof *ns);
    if (!ns)
        return; /* keep longer chains rather than fail */
    for (size_t i = 0; i < t->nslots; i++) {
        node *n = t->slots[i];
        while (n) {
            node *next = n->hnext;
            n->hnext = ns[n->h & (nn - 1)];
            ns[n->h & (nn - 1)] = n;
            n = next;
        }
    }
    free(t->slots);
    t->slots = ns;
    t->nslots = nn;
}

static void table_insert(table *t, node *n)
{
    if (t->count >= t->nslots)
        table_grow(t);
    size_t i = n->h & (t->nslots - 1);
    n->hnext = t->slots[i];
    t->slots[i] = n;
    t->count++;
    age_append(t, n);
}

static void table_remove(table *t, node *n)
{
    node **pp = &t->slots[n->h & (t->nslots - 1)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = n->hnext;
    t->count--;
    age_unlink(t, n);
}

/* ---- state ------------------------------------------------------------- */

typedef struct frag {
    node n;
    int64_t first_ts;
    uint8_t *data;
    uint32_t cap;
    uint32_t total;    /* payload length once the last fragment arrived; 0 unknown */
    uint32_t nblocks;  /* 8-byte blocks received */
    uint64_t first_frame;
    uint32_t nframes;
    uint8_t proto;
    uint8_t bits[FRAG_MAX_DGRAM / 64]; /* one bit per 8-byte block */
} frag;

typedef struct seg {
    struct seg *next;
    uint32_t seq, len;
    uint64_t frame;
    uint8_t data[];
} seg;

typedef struct flow {
    node n;
    uint16_t sport, dport;
    bool have_seq, synced;
    uint32_t next_seq;
    int64_t last_ts;
    sw_buf buf;
    uint64_t buf_first_frame;
    uint32_t buf_nframes;
    seg *ooo;
    uint32_t nooo;
    size_t ooo_bytes;
    uint32_t input;
    uint64_t last_frame;
    /* What the incomplete message in buf waits for, so that a message that
     * arrives in many segments is framed in linear time (the framer is only
     * run again once the awaited thing can be there): */
    uint8_t wait;      /* WAIT_NONE, WAIT_LINE, WAIT_BLANK, WAIT_LEN */
    size_t wait_at;    /* bytes of buf already searched (LINE, BLANK) or needed (LEN) */
} flow;

enum { WAIT_NONE, WAIT_LINE, WAIT_BLANK, WAIT_LEN };

/* What we know about the packet being decoded. */
typedef struct pctx {
    const sw_packet *pkt;
    bool trunc; /* snaplen cut this packet */
    uint8_t depth;
    uint8_t flags;
} pctx;

struct sw_decoder {
    sw_decode_opts o;
    sw_payload_cb cb;
    void *ud;
    sw_decode_stats st;
    table frags;
    size_t frag_bytes;
    table flows;
    size_t tcp_bytes;
    int stop; /* callback's stop request */
};

sw_decoder *sw_decoder_new(const sw_decode_opts *opts, sw_payload_cb cb, void *ud)
{
    sw_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (opts)
        d->o = *opts;
    sw_decode_opts_default(&d->o);
    d->cb = cb;
    d->ud = ud;
    if (table_init(&d->frags, 256) || table_init(&d->flows, 1024)) {
        sw_decoder_free(d);
        return NULL;
    }
    return d;
}

const sw_decode_stats *sw_decoder_stats(const sw_decoder *d) { return &d->st; }

size_t sw_decoder_mem(const sw_decoder *d) { return d->frag_bytes + d->tcp_bytes; }

void sw_decoder_rebind(sw_decoder *d, sw_payload_cb cb, void *ud)
{
    d->cb = cb;
    d->ud = ud;
}

static void frag_free(sw_decoder *d, frag *f)
{
    table_remove(&d->frags, &f->n);
    d->frag_bytes -= f->cap + sizeof *f;
    free(f->data);
    free(f);
}

static void flow_free(sw_decoder *d, flow *f)
{
    table_remove(&d->flows, &f->n);
    d->tcp_bytes -= f->buf.cap + f->ooo_bytes;
    sw_buf_fini(&f->buf);
    for (seg *s = f->ooo; s;) {
        seg *n = s->next;
        free(s);
        s = n;
    }
    free(f);
}

void sw_decoder_free(sw_decoder *d)
{
    if (!d)
        return;
    if (d->frags.slots)
        while (d->frags.oldest)
            frag_free(d, (frag *)d->frags.oldest);
    if (d->flows.slots)
        while (d->flows.oldest)
            flow_free(d, (flow *)d->flows.oldest);
    free(d->frags.slots);
    free(d->flows.slots);
    free(d);
}

/* ---- emit -------------------------------------------------------------- */

static void emit(sw_decoder *d, const pctx *c, const sw_addr *src, const sw_addr *dst,
                 uint16_t sport, uint16_t dport, uint8_t tp, const uint8_t *data, size_t len,
                 bool stable, uint8_t flags, uint64_t first_frame, uint32_t nframes)
{
    if (d->stop)
        return;
    sw_payload pl;
    pl.ts_ns = c->pkt->ts_ns;
    pl.src = *src;
    pl.dst = *dst;
    pl.sport = sport;
    pl.dport = dport;
    pl.transport = tp;
    pl.flags = flags | c->flags;
    pl.stable = stable;
    pl.data = data;
    pl.len = (uint32_t)len;
    pl.input = c->pkt->input;
    pl.frame = c->pkt->frame;
    pl.first_frame = first_frame ? first_frame : c->pkt->frame;
    pl.nframes = nframes ? nframes : 1;
    d->st.payloads++;
    d->stop = d->cb(d->ud, &pl);
}

/* ---- forward declarations --------------------------------------------- */

static void l3(sw_decoder *d, pctx *c, uint16_t etype, const uint8_t *p, size_t n);
static void ether(sw_decoder *d, pctx *c, const uint8_t *p, size_t n);
static void ip_any(sw_decoder *d, pctx *c, const uint8_t *p, size_t n);
static void l4(sw_decoder *d, pctx *c, uint8_t proto, const sw_addr *src, const sw_addr *dst,
               const uint8_t *p, size_t n, bool stable, uint64_t first_frame, uint32_t nframes);

/* ---- TCP --------------------------------------------------------------- */

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

static void flow_drop_buf(sw_decoder *d, flow *f)
{
    d->tcp_bytes -= f->buf.cap;
    sw_buf_fini(&f->buf);
    f->buf_nframes = 0;
    f->wait = WAIT_NONE;
}

/* After the framer said "incomplete" for buf[0..len) (ml: the bytes it needs
 * when it knows them): remember what to wait for. */
static void flow_wait(flow *f, size_t ml)
{
    if (ml) {
        f->wait = WAIT_LEN;
        f->wait_at = ml;
    } else {
        f->wait = memchr(f->buf.p, '\n', f->buf.len) ? WAIT_BLANK : WAIT_LINE;
        f->wait_at = f->buf.len;
    }
}

/* True when the framer cannot succeed yet: the awaited length, line end or
 * blank line is not in the buffer (only the new bytes are searched). */
static bool flow_still_waiting(const flow *f, size_t max_msg)
{
    const char *b = f->buf.p;
    size_t len = f->buf.len;
    if (f->wait == WAIT_NONE || len >= max_msg)
        return false;
    if (f->wait == WAIT_LEN)
        return len < f->wait_at;
    size_t from = f->wait_at > 2 ? f->wait_at - 2 : 0;
    if (f->wait == WAIT_LINE)
        return !memchr(b + from, '\n', len - from);
    for (const char *p = b + from, *e = b + len; (p = memchr(p, '\n', (size_t)(e - p))) != NULL;
         p++) {
        if ((e - p >= 2 && p[1] == '\n') || (e - p >= 3 && p[1] == '\r' && p[2] == '\n'))
            return false;
        if (p + 1 >= e)
            break;
    }
    return true;
}

/* Hands on whatever partial message the stream holds, flagged truncated. */
static void flow_flush_partial(sw_decoder *d, const pctx *c, flow *f)
{
    if (f->buf.len && f->synced)
        emit(d, c, &f->n.k.src, &f->n.k.dst, f->sport, f->dport, SW_TP_TCP,
             (const uint8_t *)f->buf.p, f->buf.len, false,
             SW_PAYF_TRUNC | (f->buf_nframes > 1 ? SW_PAYF_TCPSEGS : 0), f->buf_first_frame,
             f->buf_nframes);
    flow_drop_buf(d, f);
}

/* Runs the framer over in-order stream bytes. */
static void stream_data(sw_decoder *d, const pctx *c, flow *f, const uint8_t *p, size_t n,
                        bool stable)
{
    const sw_decode_opts *o = &d->o;
    if (f->buf.len == 0) {
        /* Zero-copy path: messages inside this segment are slices of it. */
        while (n && !d->stop) {
            size_t ml = 0;
            bool ka = false, big = false;
            int r = o->framer((const char *)p, n, o->max_msg, &ml, &ka, &big);
            if (r > 0) {
                f->synced = true;
                if (!ka)
                    emit(d, c, &f->n.k.src, &f->n.k.dst, f->sport, f->dport, SW_TP_TCP, p, ml,
                         stable, 0, 0, 1);
                p += ml;
                n -= ml;
            } else if (r == -2) {
                /* The framer says "incomplete" only for a plausible start of
                 * a message, so the stream is in step with SIP from here: if
                 * the rest never comes, the flush reports what there is
                 * (flagged truncated) instead of losing it silently. */
                f->synced = true;
                size_t cap0 = f->buf.cap;
                if (d->tcp_bytes + n > o->tcp_max_bytes || sw_buf_append(&f->buf, p, n)) {
                    d->st.tcp_evicted++;
                    return;
                }
                d->tcp_bytes += f->buf.cap - cap0;
                f->buf_first_frame = c->pkt->frame;
                f->buf_nframes = 1;
                flow_wait(f, ml);
                return;
            } else {
                if (big)
                    d->st.tcp_too_big++;
                else
                    d->st.tcp_not_framed++;
                f->synced = false;
                return;
            }
        }
        return;
    }
    /* Slow path: the stream holds the start of a message. */
    size_t cap0 = f->buf.cap;
    if (d->tcp_bytes + n > o->tcp_max_bytes || sw_buf_append(&f->buf, p, n)) {
        d->st.tcp_evicted++;
        flow_drop_buf(d, f);
        f->synced = false;
        return;
    }
    d->tcp_bytes += f->buf.cap - cap0;
    f->buf_nframes++;
    if (flow_still_waiting(f, o->max_msg)) {
        if (f->wait != WAIT_LEN)
            f->wait_at = f->buf.len;
        return;
    }
    f->wait = WAIT_NONE;
    size_t off = 0, need = 0;
    while (off < f->buf.len && !d->stop) {
        size_t ml = 0;
        bool ka = false, big = false;
        int r = o->framer(f->buf.p + off, f->buf.len - off, o->max_msg, &ml, &ka, &big);
        if (r > 0) {
            if (!ka) {
                bool first = off == 0;
                uint32_t nf = first ? f->buf_nframes : 1;
                emit(d, c, &f->n.k.src, &f->n.k.dst, f->sport, f->dport, SW_TP_TCP,
                     (const uint8_t *)f->buf.p + off, ml, false, nf > 1 ? SW_PAYF_TCPSEGS : 0,
                     first ? f->buf_first_frame : c->pkt->frame, nf);
            }
            off += ml;
            f->synced = true;
        } else if (r == -2) {
            need = ml;
            break;
        } else {
            if (big)
                d->st.tcp_too_big++;
            else
                d->st.tcp_not_framed++;
            f->synced = false;
            off = f->buf.len;
        }
    }
    if (off >= f->buf.len) {
        flow_drop_buf(d, f);
    } else {
        if (off) {
            memmove(f->buf.p, f->buf.p + off, f->buf.len - off);
            f->buf.len -= off;
            f->buf_first_frame = c->pkt->frame;
            f->buf_nframes = 1;
        }
        flow_wait(f, need);
    }
}

/* Delivers in-order bytes at next_seq, then anything held that now fits. */
static void stream_deliver(sw_decoder *d, const pctx *c, flow *f, const uint8_t *p, size_t n,
                           bool stable)
{
    f->next_seq += (uint32_t)n;
    stream_data(d, c, f, p, n, stable);
    while (f->ooo && seq_le(f->ooo->seq, f->next_seq) && !d->stop) {
        seg *s = f->ooo;
        f->ooo = s->next;
        f->nooo--;
        f->ooo_bytes -= s->len + sizeof *s;
        d->tcp_bytes -= s->len + sizeof *s;
        uint32_t skip = f->next_seq - s->seq;
        if (skip < s->len) {
            f->next_seq += s->len - skip;
            stream_data(d, c, f, s->data + skip, s->len - skip, false);
        } else {
            d->st.tcp_retransmitted++;
        }
        free(s);
    }
}

/* A hole that will not be filled: skip to the first held segment. */
static void stream_gap(sw_decoder *d, const pctx *c, flow *f)
{
    d->st.tcp_gaps++;
    flow_flush_partial(d, c, f);
    f->synced = false;
    if (f->ooo) {
        f->next_seq = f->ooo->seq;
        stream_deliver(d, c, f, NULL, 0, false);
    }
}

static void flow_expire(sw_decoder *d, const pctx *c)
{
    while (d->flows.oldest) {
        flow *f = (flow *)d->flows.oldest;
        bool full = d->flows.count >= d->o.tcp_max_flows;
        if (!full && c->pkt->ts_ns - f->last_ts < TCP_IDLE_NS)
            break;
        if (full)
            d->st.tcp_evicted++;
        /* The partial belongs to the evicted flow: report its own last frame,
         * input and time (as sw_decoder_flush does), not the current packet's. */
        sw_packet last = {.ts_ns = f->last_ts, .frame = f->last_frame, .input = f->input};
        pctx fc = {.pkt = &last};
        flow_flush_partial(d, &fc, f);
        flow_free(d, f);
    }
}

static void tcp(sw_decoder *d, pctx *c, const sw_addr *src, const sw_addr *dst, const uint8_t *p,
                size_t n, bool stable, bool trunc)
{
    if (n < 20) {
        d->st.malformed++;
        return;
    }
    size_t hl = (size_t)(p[12] >> 4) * 4;
    if (hl < 20 || hl > n) {
        d->st.malformed++;
        return;
    }
    d->st.tcp_segments++;
    if (!d->o.framer)
        return;
    uint16_t sport = sw_be16(p), dport = sw_be16(p + 2);
    uint32_t seq = sw_be32(p + 4);
    uint8_t fl = p[13];
    bool syn = fl & 0x02, fin = fl & 0x01, rst = fl & 0x04;
    const uint8_t *data = p + hl;
    size_t len = n - hl;

    key k;
    memset(&k, 0, sizeof k);
    k.src = *src;
    k.dst = *dst;
    k.id = ((uint32_t)sport << 16) | dport;
    uint64_t h = sw_hash(&k, sizeof k);
    flow *f = (flow *)table_find(&d->flows, &k, h);
    if (!f) {
        if (len == 0 && !syn)
            return; /* pure ACKs of streams we never saw data on */
        flow_expire(d, c);
        f = calloc(1, sizeof *f);
        if (!f) {
            d->st.tcp_evicted++;
            return;
        }
        f->n.k = k;
        f->n.h = h;
        f->sport = sport;
        f->dport = dport;
        table_insert(&d->flows, &f->n);
    } else {
        age_unlink(&d->flows, &f->n);
        age_append(&d->flows, &f->n);
    }
    f->last_ts = c->pkt->ts_ns;
    f->last_frame = c->pkt->frame;
    f->input = c->pkt->input;
    if (syn) {
        f->next_seq = seq + 1;
        f->have_seq = true;
        seq++;
    } else if (!f->have_seq) {
        f->next_seq = seq;
        f->have_seq = true;
    }
    if (len) {
        if (seq_le(seq + (uint32_t)len, f->next_seq)) {
            d->st.tcp_retransmitted++;
        } else if (seq_le(seq, f->next_seq)) {
            uint32_t skip = f->next_seq - seq;
            if (skip)
                d->st.tcp_retransmitted++;
            stream_deliver(d, c, f, data + skip, len - skip, stable);
            if (trunc) {
                /* snaplen cut the segment: what follows in the stream is
                 * unknown, and next_seq counted only the captured bytes, so
                 * the next segment would look out of order: take its
                 * sequence number as the new start. */
                flow_flush_partial(d, c, f);
                f->synced = false;
                f->have_seq = false;
            }
        } else {
            /* Out of order: hold a copy until the hole is filled. */
            d->st.tcp_out_of_order++;
            if (f->nooo >= d->o.tcp_max_ooo ||
                d->tcp_bytes + len + sizeof(seg) > d->o.tcp_max_bytes) {
                stream_gap(d, c, f);
                if (seq_le(seq, f->next_seq)) {
                    uint32_t skip = f->next_seq - seq;
                    if (skip < len)
                        stream_deliver(d, c, f, data + skip, len - skip, stable);
                    goto done;
                }
            }
            seg *s = malloc(sizeof *s + len);
            if (!s) {
                d->st.tcp_evicted++;
                goto done;
            }
            s->seq = seq;
            s->len = (uint32_t)len;
            s->frame = c->pkt->frame;
            memcpy(s->data, data, len);
            seg **pp = &f->ooo;
            while (*pp && seq_lt((*pp)->seq, seq))
                pp = &(*pp)->next;
            s->next = *pp;
            *pp = s;
            f->nooo++;
            f->ooo_bytes += len + sizeof *s;
            d->tcp_bytes += len + sizeof *s;
        }
    }
done:
    if (fin || rst) {
        if (f->ooo)
            stream_gap(d, c, f);
        flow_flush_partial(d, c, f);
        flow_free(d, f);
    }
}

/* ---- UDP --------------------------------------------------------------- */

static void udp(sw_decoder *d, pctx *c, const sw_addr *src, const sw_addr *dst, const uint8_t *p,
                size_t n, bool stable, uint64_t first_frame, uint32_t nframes, bool trunc)
{
    if (n < 8) {
        d->st.malformed++;
        return;
    }
    uint16_t sport = sw_be16(p), dport = sw_be16(p + 2);
    size_t ulen = sw_be16(p + 4);
    const uint8_t *data = p + 8;
    size_t len = n - 8;
    uint8_t flags = trunc ? SW_PAYF_TRUNC : 0;
    if (ulen >= 8) {
        if (ulen - 8 < len)
            len = ulen - 8; /* Ethernet padding after the datagram */
        else if (ulen - 8 > len)
            flags |= SW_PAYF_TRUNC;
    }
    if (nframes > 1)
        flags |= SW_PAYF_IPFRAG;
    /* GTP-U (3GPP TS 29.281) G-PDU: the user's IP packet, as VoLTE carries SIP. */
    if ((sport == 2152 || dport == 2152) && len >= 8 && (data[0] >> 5) == 1 &&
        (data[0] & 0x10) && data[1] == 0xFF && c->depth < MAX_DEPTH) {
        size_t off = 8;
        if (data[0] & 0x07) {
            if (len < 12)
                return;
            off = 12;
            uint8_t next = data[11];
            while ((data[0] & 0x04) && next && off < len) {
                size_t el = (size_t)data[off] * 4;
                if (el == 0 || off + el > len)
                    return;
                next = data[off + el - 1];
                off += el;
            }
        }
        if (off < len) {
            d->st.tunnels++;
            c->depth++;
            c->flags |= SW_PAYF_TUNNEL;
            ip_any(d, c, data + off, len - off);
            return;
        }
    }
    /* VXLAN (RFC 7348): flags 0x08 with the I bit, then Ethernet. */
    if (dport == 4789 && len >= 8 + 14 && (data[0] & 0x08) && c->depth < MAX_DEPTH) {
        d->st.tunnels++;
        c->depth++;
        c->flags |= SW_PAYF_TUNNEL;
        ether(d, c, data + 8, len - 8);
        return;
    }
    emit(d, c, src, dst, sport, dport, SW_TP_UDP, data, len, stable, flags, first_frame,
         nframes);
}

/* ---- GRE --------------------------------------------------------------- */

static void gre(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 4)
        return;
    uint16_t fl = sw_be16(p), proto = sw_be16(p + 2);
    size_t off = 4;
    unsigned ver = fl & 7;
    if (fl & 0x8000)
        off += 4; /* checksum + reserved */
    if (fl & 0x2000)
        off += 4; /* key */
    if (fl & 0x1000)
        off += 4; /* sequence */
    if (ver == 1 && (fl & 0x0080))
        off += 4; /* enhanced GRE acknowledgment */
    if (off > n)
        return;
    d->st.tunnels++;
    c->flags |= SW_PAYF_TUNNEL;
    p += off;
    n -= off;
    switch (proto) {
    case 0x6558: ether(d, c, p, n); break;            /* transparent Ethernet bridging */
    case 0x88BE:                                        /* ERSPAN type II */
        if (n > 8)
            ether(d, c, p + 8, n - 8);
        break;
    case 0x22EB:                                        /* ERSPAN type III */
        if (n > 12) {
            size_t h = 12 + ((p[11] & 1) ? 8 : 0);
            if (n > h)
                ether(d, c, p + h, n - h);
        }
        break;
    case 0x880B: /* PPP in enhanced GRE (PPTP) */
        if (n >= 2 && p[0] == 0xFF && p[1] == 0x03) {
            p += 2;
            n -= 2;
        }
        if (n >= 2) {
            uint16_t pp = sw_be16(p);
            if (pp == 0x0021)
                l3(d, c, 0x0800, p + 2, n - 2);
            else if (pp == 0x0057)
                l3(d, c, 0x86DD, p + 2, n - 2);
        }
        break;
    default: l3(d, c, proto, p, n); break;
    }
}

/* ---- IP fragments ------------------------------------------------------ */

/* Drops datagrams past the timeout or the byte bound, and with need_slot
 * makes room for one more datagram under frag_max_datagrams. */
static void frag_expire(sw_decoder *d, int64_t now, bool need_slot)
{
    while (d->frags.oldest) {
        frag *f = (frag *)d->frags.oldest;
        bool over = (need_slot && d->frags.count >= d->o.frag_max_datagrams) ||
                    d->frag_bytes > d->o.frag_max_bytes;
        if (!over && now - f->first_ts < d->o.frag_timeout_ns)
            break;
        if (over)
            d->st.ip_frag_evicted++;
        else
            d->st.ip_frag_timeouts++;
        frag_free(d, f);
    }
}

/* Adds one fragment [off, off+n) of the datagram k; when it completes the
 * datagram, decodes the assembled payload. more = more fragments follow. */
static void frag_add(sw_decoder *d, pctx *c, const key *k, uint8_t proto, uint32_t off,
                     bool more, const uint8_t *p, size_t n)
{
    d->st.ip_fragments++;
    if ((more && (n % 8 || n == 0)) || off + n > FRAG_MAX_DGRAM) {
        d->st.malformed++;
        return;
    }
    /* Expire first (this may drop k's own datagram), then look it up; only a
     * new datagram needs a slot, so the bound never evicts datagrams merely
     * because one of them received another fragment. */
    frag_expire(d, c->pkt->ts_ns, false);
    uint64_t h = sw_hash(k, sizeof *k);
    frag *f = (frag *)table_find(&d->frags, k, h);
    if (!f) {
        frag_expire(d, c->pkt->ts_ns, true);
        f = calloc(1, sizeof *f);
        if (!f) {
            d->st.ip_frag_evicted++;
            return;
        }
        f->n.k = *k;
        f->n.h = h;
        f->first_ts = c->pkt->ts_ns;
        f->first_frame = c->pkt->frame;
        f->proto = proto;
        table_insert(&d->frags, &f->n);
        d->frag_bytes += sizeof *f;
    }
    f->nframes++;
    if (!more) {
        if (f->total && f->total != off + n) {
            d->st.ip_frag_overlaps++; /* two different ends: keep the first */
        } else {
            f->total = (uint32_t)(off + n);
        }
    }
    if (off + n > f->cap) {
        uint32_t ncap = (uint32_t)SW_MAX(off + n, (size_t)f->cap * 2);
        if (ncap > FRAG_MAX_DGRAM)
            ncap = FRAG_MAX_DGRAM;
        uint8_t *nd = realloc(f->data, ncap);
        if (!nd) {
            d->st.ip_frag_evicted++;
            frag_free(d, f);
            return;
        }
        d->frag_bytes += ncap - f->cap;
        f->data = nd;
        f->cap = ncap;
    }
    /* First writer wins for every 8-byte block (RFC 5722 would drop the whole
     * datagram on overlap; keeping the first copy shows more to the user). */
    uint32_t b0 = off / 8, b1 = (uint32_t)((off + n + 7) / 8);
    for (uint32_t b = b0; b < b1; b++) {
        uint32_t bs = b * 8, be = SW_MIN(bs + 8, (uint32_t)(off + n));
        if (f->bits[b >> 3] & (1u << (b & 7))) {
            d->st.ip_frag_overlaps++;
            continue;
        }
        f->bits[b >> 3] |= (uint8_t)(1u << (b & 7));
        f->nblocks++;
        memcpy(f->data + bs, p + (bs - off), be - bs);
    }
    if (f->total && f->nblocks >= (f->total + 7) / 8) {
        /* every block up to the end present? (nblocks may count blocks past total) */
        bool done = true;
        for (uint32_t b = 0; b < (f->total + 7) / 8 && done; b++)
            done = f->bits[b >> 3] & (1u << (b & 7));
        if (done) {
            d->st.ip_reassembled++;
            uint64_t ff = f->first_frame;
            uint32_t nf = f->nframes;
            /* Unlink first: decoding may recurse into another fragment table use. */
            table_remove(&d->frags, &f->n);
            d->frag_bytes -= f->cap + sizeof *f;
            l4(d, c, f->proto, &k->src, &k->dst, f->data, f->total, false, ff, nf);
            free(f->data);
            free(f);
        }
    }
}

/* ---- IP ---------------------------------------------------------------- */

static void ip4(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 20 || (p[0] >> 4) != 4) {
        d->st.malformed++;
        return;
    }
    size_t hl = (size_t)(p[0] & 15) * 4, tl = sw_be16(p + 2);
    if (hl < 20 || hl > n || tl < hl) {
        d->st.malformed++;
        return;
    }
    bool trunc = false;
    if (tl < n)
        n = tl; /* link padding */
    else if (tl > n)
        trunc = true;
    /* The IP length is exact: a frame cut only in its link trailer (an FCS
     * counted in origlen, not captured) lost no payload byte. */
    c->trunc = trunc;
    sw_addr src = {4, {0}}, dst = {4, {0}};
    memcpy(src.a, p + 12, 4);
    memcpy(dst.a, p + 16, 4);
    uint16_t fo = sw_be16(p + 6);
    bool more = fo & 0x2000;
    uint32_t off = (uint32_t)(fo & 0x1FFF) * 8;
    if (more || off) {
        if (trunc) {
            d->st.malformed++;
            return;
        }
        key k;
        memset(&k, 0, sizeof k);
        k.src = src;
        k.dst = dst;
        k.id = sw_be16(p + 4);
        k.proto = p[9];
        frag_add(d, c, &k, p[9], off, more, p + hl, n - hl);
        return;
    }
    l4(d, c, p[9], &src, &dst, p + hl, n - hl, c->pkt->stable, 0, 1);
}

static void ip6(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 40 || (p[0] >> 4) != 6) {
        d->st.malformed++;
        return;
    }
    size_t pl = sw_be16(p + 4);
    bool trunc = false;
    if (pl) {
        if (40 + pl < n)
            n = 40 + pl;
        else if (40 + pl > n)
            trunc = true;
        c->trunc = trunc; /* exact, as for IPv4; a jumbogram (0) keeps the frame's */
    }
    sw_addr src = {6, {0}}, dst = {6, {0}};
    memcpy(src.a, p + 8, 16);
    memcpy(dst.a, p + 24, 16);
    uint8_t nh = p[6];
    size_t off = 40;
    for (int i = 0; i < 16; i++) {
        switch (nh) {
        case 0:  /* hop-by-hop */
        case 43: /* routing */
        case 60: /* destination options */
        case 135: /* mobility */
            if (off + 8 > n)
                goto bad;
            nh = p[off];
            off += ((size_t)p[off + 1] + 1) * 8;
            continue;
        case 51: /* AH */
            if (off + 8 > n)
                goto bad;
            nh = p[off];
            off += ((size_t)p[off + 1] + 2) * 4;
            continue;
        case 44: { /* fragment */
            if (off + 8 > n)
                goto bad;
            uint16_t fo = sw_be16(p + off + 2);
            bool more = fo & 1;
            uint32_t foff = (uint32_t)(fo >> 3) * 8;
            uint8_t inner = p[off];
            if (!more && !foff) { /* atomic fragment (RFC 6946) */
                nh = inner;
                off += 8;
                continue;
            }
            if (trunc)
                goto bad;
            key k;
            memset(&k, 0, sizeof k);
            k.src = src;
            k.dst = dst;
            k.id = sw_be32(p + off + 4);
            k.proto = 0xFF; /* v6 ids are per (src, dst); the protocol rides in the first fragment */
            /* The protocol after the fragment header is known from any fragment. */
            frag_add(d, c, &k, inner, foff, more, p + off + 8, n - off - 8);
            return;
        }
        default:
            if (off > n)
                goto bad;
            l4(d, c, nh, &src, &dst, p + off, n - off, c->pkt->stable, 0, 1);
            return;
        }
    }
bad:
    d->st.malformed++;
}

static void ip_any(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    if ((p[0] >> 4) == 4)
        ip4(d, c, p, n);
    else if ((p[0] >> 4) == 6)
        ip6(d, c, p, n);
    else
        d->st.not_ip++;
}

static void l4(sw_decoder *d, pctx *c, uint8_t proto, const sw_addr *src, const sw_addr *dst,
               const uint8_t *p, size_t n, bool stable, uint64_t first_frame, uint32_t nframes)
{
    switch (proto) {
    case 17:
        udp(d, c, src, dst, p, n, stable, first_frame, nframes, c->trunc);
        break;
    case 6:
        tcp(d, c, src, dst, p, n, stable, c->trunc);
        break;
    case 4:
    case 41:
        if (c->depth >= MAX_DEPTH)
            return;
        c->depth++;
        d->st.tunnels++;
        c->flags |= SW_PAYF_TUNNEL;
        if (proto == 4)
            ip4(d, c, p, n);
        else
            ip6(d, c, p, n);
        break;
    case 47:
        if (c->depth >= MAX_DEPTH)
            return;
        c->depth++;
        gre(d, c, p, n);
        break;
    default:
        break; /* ICMP, SCTP, ESP, ...: not decoded (yet) */
    }
}

/* ---- link -------------------------------------------------------------- */

static void mpls(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    for (int i = 0; i < 16; i++) {
        if (n < 4)
            return;
        bool bottom = p[2] & 1;
        p += 4;
        n -= 4;
        if (bottom) {
            if (n < 1)
                return;
            unsigned v = p[0] >> 4;
            if (v == 4 || v == 6)
                ip_any(d, c, p, n);
            else if (v == 0 && n > 4 && c->depth < MAX_DEPTH) {
                /* pseudowire with control word; Ethernet can carry MPLS
                 * again, so this loop counts against the depth bound */
                c->depth++;
                ether(d, c, p + 4, n - 4);
            }
            return;
        }
    }
}

static void ppp_proto(sw_decoder *d, pctx *c, uint16_t proto, const uint8_t *p, size_t n)
{
    if (proto == 0x0021)
        ip4(d, c, p, n);
    else if (proto == 0x0057)
        ip6(d, c, p, n);
    else if (proto == 0x0281)
        mpls(d, c, p, n);
    else
        d->st.not_ip++;
}

static void pppoe(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 8)
        return;
    size_t plen = sw_be16(p + 4);
    if (plen + 6 < n)
        n = plen + 6;
    if (n < 8) { /* a length too short for the PPP protocol field */
        d->st.malformed++;
        return;
    }
    ppp_proto(d, c, sw_be16(p + 6), p + 8, n - 8);
}

static void l3(sw_decoder *d, pctx *c, uint16_t etype, const uint8_t *p, size_t n)
{
    switch (etype) {
    case 0x0800: ip4(d, c, p, n); break;
    case 0x86DD: ip6(d, c, p, n); break;
    case 0x8847:
    case 0x8848: mpls(d, c, p, n); break;
    case 0x8864: pppoe(d, c, p, n); break;
    default: d->st.not_ip++; break;
    }
}

static void ether(sw_decoder *d, pctx *c, const uint8_t *p, size_t n)
{
    if (n < 14)
        return;
    uint16_t et = sw_be16(p + 12);
    size_t off = 14;
    /* 802.1Q, 802.1ad (QinQ) and the old 0x9100 tags, possibly stacked. */
    for (int i = 0; i < 8 && (et == 0x8100 || et == 0x88A8 || et == 0x9100); i++) {
        if (off + 4 > n)
            return;
        et = sw_be16(p + off + 2);
        off += 4;
    }
    if (et <= 1500) {
        /* 802.3 length: LLC/SNAP carries an EtherType. */
        if (off + 8 <= n && p[off] == 0xAA && p[off + 1] == 0xAA && p[off + 2] == 0x03) {
            et = sw_be16(p + off + 6);
            off += 8;
        } else {
            d->st.not_ip++;
            return;
        }
    }
    l3(d, c, et, p + off, n - off);
}

static void link_layer(sw_decoder *d, pctx *c, uint32_t lt, const uint8_t *p, size_t n)
{
    switch (lt) {
    case SW_LINK_ETHERNET:
        ether(d, c, p, n);
        break;
    case SW_LINK_RAW:
    case SW_LINK_RAW_OLD:
    case SW_LINK_RAW_OLD2:
    case SW_LINK_IPV4:
    case SW_LINK_IPV6:
        ip_any(d, c, p, n);
        break;
    case SW_LINK_NULL:
    case SW_LINK_LOOP: {
        if (n < 4)
            return;
        /* NULL is host byte order of the writer; LOOP is network order. */
        uint32_t fam = lt == SW_LINK_LOOP ? sw_be32(p) : sw_le32(p);
        if (fam > 0xFFFF)
            fam = sw_be32(p);
        if (fam == 2)
            ip4(d, c, p + 4, n - 4);
        else if (fam == 24 || fam == 28 || fam == 30 || fam == 10)
            ip6(d, c, p + 4, n - 4);
        else
            d->st.not_ip++;
        break;
    }
    case SW_LINK_LINUX_SLL:
        if (n < 16)
            return;
        l3(d, c, sw_be16(p + 14), p + 16, n - 16);
        break;
    case SW_LINK_LINUX_SLL2:
        if (n < 20)
            return;
        l3(d, c, sw_be16(p), p + 20, n - 20);
        break;
    case SW_LINK_PPP:
    case SW_LINK_PPP_HDLC:
        if (n >= 2 && p[0] == 0xFF && p[1] == 0x03) {
            p += 2;
            n -= 2;
        }
        if (n < 2)
            return;
        if (p[0] & 1) /* protocol field compressed to one byte */
            ppp_proto(d, c, p[0], p + 1, n - 1);
        else
            ppp_proto(d, c, sw_be16(p), p + 2, n - 2);
        break;
    case SW_LINK_PPP_ETHER:
        pppoe(d, c, p, n);
        break;
    case SW_LINK_C_HDLC:
        if (n < 4)
            return;
        l3(d, c, sw_be16(p + 2), p + 4, n - 4);
        break;
    default:
        d->st.unsupported_link++;
        break;
    }
}

int sw_decoder_packet(sw_decoder *d, const sw_packet *p)
{
    pctx c = {.pkt = p, .trunc = p->origlen > p->caplen};
    d->st.packets++;
    if (c.trunc)
        d->st.snap_truncated++;
    link_layer(d, &c, p->linktype, p->data, p->caplen);
    return d->stop;
}

int sw_decoder_flush(sw_decoder *d)
{
    sw_packet fake = {0};
    pctx c = {.pkt = &fake};
    while (d->flows.oldest && !d->stop) {
        flow *f = (flow *)d->flows.oldest;
        fake.ts_ns = f->last_ts;
        fake.frame = f->last_frame;
        fake.input = f->input;
        if (f->ooo)
            stream_gap(d, &c, f);
        flow_flush_partial(d, &c, f);
        flow_free(d, f);
    }
    while (d->frags.oldest) {
        d->st.ip_frag_timeouts++;
        frag_free(d, (frag *)d->frags.oldest);
    }
    return d->stop;
}
