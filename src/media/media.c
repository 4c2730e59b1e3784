#define _GNU_SOURCE
/*
 * media: RTP streams announced by SDP (see media.h).
 */
#include "media.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/base.h"

/* ---- RTP / RTCP headers ------------------------------------------------ */

int sw_rtp_parse(const uint8_t *p, size_t n, sw_rtp_hdr *h)
{
    if (n < 12 || (p[0] >> 6) != 2)
        return -1;
    size_t cc = p[0] & 0x0F, off = 12 + 4 * cc;
    if (off > n)
        return -1;
    if (p[0] & 0x10) { /* header extension: 16-bit profile, 16-bit length in words */
        if (off + 4 > n)
            return -1;
        size_t words = sw_be16(p + off + 2);
        off += 4 + 4 * words;
        if (off > n)
            return -1;
    }
    size_t pad = 0;
    if (p[0] & 0x20) {
        pad = p[n - 1];
        if (pad == 0 || off + pad > n)
            return -1;
    }
    h->marker = (p[1] & 0x80) != 0;
    h->pt = p[1] & 0x7F;
    h->seq = sw_be16(p + 2);
    h->ts = sw_be32(p + 4);
    h->ssrc = sw_be32(p + 8);
    h->hdr_len = (uint16_t)off;
    h->payload_len = (uint16_t)(n - off - pad);
    return 0;
}

bool sw_rtcp_looks_like(const uint8_t *p, size_t n)
{
    /* RTCP packet types 192-223 (RFC 5761 section 4): FIR/NACK (192, 193),
     * SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205, PSFB 206, XR 207. */
    return n >= 8 && (p[0] >> 6) == 2 && p[1] >= 192 && p[1] <= 223;
}

/* RFC 3551 table 4 and 5 (audio and video static payload types). */
static const struct {
    uint8_t pt;
    const char *name;
    uint32_t clock;
} static_pts[] = {
    {0, "PCMU", 8000},  {3, "GSM", 8000},    {4, "G723", 8000},  {5, "DVI4", 8000},
    {6, "DVI4", 16000}, {7, "LPC", 8000},    {8, "PCMA", 8000},  {9, "G722", 8000},
    {10, "L16", 44100}, {11, "L16", 44100},  {12, "QCELP", 8000}, {13, "CN", 8000},
    {14, "MPA", 90000}, {15, "G728", 8000},  {16, "DVI4", 11025}, {17, "DVI4", 22050},
    {18, "G729", 8000}, {25, "CelB", 90000}, {26, "JPEG", 90000}, {28, "nv", 90000},
    {31, "H261", 90000}, {32, "MPV", 90000}, {33, "MP2T", 90000}, {34, "H263", 90000},
};

uint32_t sw_rtp_static_clock(uint8_t pt)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(static_pts); i++)
        if (static_pts[i].pt == pt)
            return static_pts[i].clock;
    return 0;
}

const char *sw_rtp_static_name(uint8_t pt)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(static_pts); i++)
        if (static_pts[i].pt == pt)
            return static_pts[i].name;
    return NULL;
}

/* ---- tables ------------------------------------------------------------ */

#define MAX_MAPS 8 /* rtpmaps kept per announced endpoint */

typedef struct ep_key { /* zero-initialised before filling: hashed as bytes */
    sw_addr addr;
    uint16_t port;
    uint8_t pad;
} ep_key;

typedef struct ann { /* an announced media endpoint */
    ep_key k;
    uint64_t msg;
    bool not_rtp; /* the latest SDP gave it a transport other than RTP (T.38 udptl, ...) */
    uint8_t nmaps;
    struct {
        uint8_t pt;
        uint32_t clock;
        char name[16];
    } maps[MAX_MAPS];
} ann;

typedef struct st_key {
    sw_addr src, dst;
    uint16_t sport, dport;
    uint32_t ssrc;
} st_key;

/* An address as a table key: the bytes an IPv4 address does not use are zero. */
static sw_addr key_addr(const sw_addr *a)
{
    sw_addr k;
    memset(&k, 0, sizeof k);
    k.family = a->family;
    memcpy(k.a, a->a, a->family == 4 ? 4 : 16);
    return k;
}

/* Open addressing over ids (id + 1; 0 empty), keyed hash. */
typedef struct table {
    uint32_t *s;
    size_t n, used;
} table;

#define FLOW_CACHE 1024 /* streams by an unkeyed mix of ports and SSRC */

struct sw_media {
    sw_media_opts o;
    uint32_t flow_cache[FLOW_CACHE]; /* stream id + 1, 0 = empty */
    ann *anns;
    size_t nanns, anns_cap;
    table ann_ix;
    sw_rtp_stream *streams;
    st_key *skeys;
    size_t nstreams, streams_cap;
    table st_ix;
    table ssrc_ix;  /* SSRC -> first stream with it (RTCP reports name SSRCs) */
    sw_media_stats st;
};

static int table_init(table *t)
{
    t->n = 1024;
    t->used = 0;
    t->s = calloc(t->n, sizeof *t->s);
    return t->s ? 0 : SW_ENOMEM;
}

typedef bool (*key_eq)(const sw_media *m, uint32_t id, const void *key);

static uint32_t table_find(const sw_media *m, const table *t, uint64_t h, key_eq eq,
                           const void *key)
{
    size_t mask = t->n - 1;
    for (size_t i = h & mask; t->s[i]; i = (i + 1) & mask)
        if (eq(m, t->s[i] - 1, key))
            return t->s[i] - 1;
    return UINT32_MAX;
}

/* hash_of(m, id) recomputes an entry's hash when the table grows. */
static int table_put(sw_media *m, table *t, uint64_t h, uint32_t id,
                     uint64_t (*hash_of)(const sw_media *, uint32_t))
{
    if ((t->used + 1) * 2 > t->n) {
        size_t nn = t->n * 2;
        uint32_t *ns = calloc(nn, sizeof *ns);
        if (!ns)
            return SW_ENOMEM;
        for (size_t i = 0; i < t->n; i++) {
            if (!t->s[i])
                continue;
            size_t j = hash_of(m, t->s[i] - 1) & (nn - 1);
            while (ns[j])
                j = (j + 1) & (nn - 1);
            ns[j] = t->s[i];
        }
        free(t->s);
        t->s = ns;
        t->n = nn;
    }
    size_t mask = t->n - 1, i = h & mask;
    while (t->s[i])
        i = (i + 1) & mask;
    t->s[i] = id + 1;
    t->used++;
    return 0;
}

static bool ann_eq(const sw_media *m, uint32_t id, const void *key)
{
    return memcmp(&m->anns[id].k, key, sizeof(ep_key)) == 0;
}
static uint64_t ann_hash(const sw_media *m, uint32_t id)
{
    return sw_hash(&m->anns[id].k, sizeof(ep_key));
}
static bool st_eq(const sw_media *m, uint32_t id, const void *key)
{
    return memcmp(&m->skeys[id], key, sizeof(st_key)) == 0;
}
static uint64_t st_hash(const sw_media *m, uint32_t id)
{
    return sw_hash(&m->skeys[id], sizeof(st_key));
}
static bool ssrc_eq(const sw_media *m, uint32_t id, const void *key)
{
    return m->streams[id].ssrc == *(const uint32_t *)key;
}
static uint64_t ssrc_hash(const sw_media *m, uint32_t id)
{
    return sw_hash(&m->streams[id].ssrc, 4);
}

sw_media *sw_media_new(const sw_media_opts *opts)
{
    sw_media *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (opts)
        m->o = *opts;
    if (!m->o.max_streams)
        m->o.max_streams = 1000000;
    if (!m->o.max_endpoints)
        m->o.max_endpoints = 4000000;
    if (table_init(&m->ann_ix) || table_init(&m->st_ix) || table_init(&m->ssrc_ix)) {
        sw_media_free(m);
        return NULL;
    }
    return m;
}

void sw_media_free(sw_media *m)
{
    if (!m)
        return;
    free(m->anns);
    free(m->ann_ix.s);
    free(m->streams);
    free(m->skeys);
    free(m->st_ix.s);
    free(m->ssrc_ix.s);
    free(m);
}

size_t sw_media_nstreams(const sw_media *m) { return m->nstreams; }
const sw_rtp_stream *sw_media_stream(const sw_media *m, size_t i)
{
    return i < m->nstreams ? &m->streams[i] : NULL;
}
const sw_media_stats *sw_media_stats_get(const sw_media *m) { return &m->st; }

size_t sw_media_mem(const sw_media *m)
{
    return sizeof *m + m->anns_cap * sizeof(ann) +
           m->streams_cap * (sizeof(sw_rtp_stream) + sizeof(st_key)) +
           (m->ann_ix.n + m->st_ix.n + m->ssrc_ix.n) * sizeof(uint32_t);
}

static uint64_t msg_remapped(const uint64_t *map, size_t n, uint64_t msg)
{
    return msg >= 1 && msg <= n ? map[msg - 1] : 0;
}

/* A table with room for n entries that never grows (the load stays at most
 * half), so filling it cannot fail. */
static int table_init_for(table *t, size_t n)
{
    size_t sz = 1024;
    while (sz < 2 * (n + 1))
        sz *= 2;
    t->n = sz;
    t->used = 0;
    t->s = calloc(sz, sizeof *t->s);
    return t->s ? 0 : SW_ENOMEM;
}

int sw_media_remap(sw_media *m, const uint64_t *msg_map, size_t nmsgs, size_t *stream_map)
{
    /* Everything that can fail first: the new ids and tables sized for what
     * stays. On a failure nothing has changed. */
    size_t na = 0, ns = 0;
    for (size_t i = 0; i < m->nanns; i++)
        na += msg_remapped(msg_map, nmsgs, m->anns[i].msg) != 0;
    for (size_t i = 0; i < m->nstreams; i++)
        ns += msg_remapped(msg_map, nmsgs, m->streams[i].sdp_msg) != 0;
    table ai, si, ssi;
    memset(&ai, 0, sizeof ai);
    memset(&si, 0, sizeof si);
    memset(&ssi, 0, sizeof ssi);
    uint32_t *amap = malloc((m->nanns ? m->nanns : 1) * sizeof *amap);
    if (!amap || table_init_for(&ai, na) || table_init_for(&si, ns) || table_init_for(&ssi, ns)) {
        free(amap);
        free(ai.s);
        free(si.s);
        free(ssi.s);
        return SW_ENOMEM;
    }
    /* Then the change, which cannot fail: compact in place (an entry only
     * moves down), renumber, index. */
    na = 0;
    for (size_t i = 0; i < m->nanns; i++) {
        uint64_t nn = msg_remapped(msg_map, nmsgs, m->anns[i].msg);
        amap[i] = nn ? (uint32_t)na : UINT32_MAX;
        if (!nn)
            continue;
        m->anns[na] = m->anns[i];
        m->anns[na++].msg = nn;
    }
    m->nanns = na;
    size_t j = 0;
    for (size_t i = 0; i < m->nstreams; i++) {
        uint64_t nn = msg_remapped(msg_map, nmsgs, m->streams[i].sdp_msg);
        if (stream_map)
            stream_map[i] = nn ? j : SIZE_MAX;
        if (!nn)
            continue;
        sw_rtp_stream *st = &m->streams[j];
        *st = m->streams[i];
        m->skeys[j] = m->skeys[i];
        st->sdp_msg = nn;
        st->ann = st->ann != UINT32_MAX ? amap[st->ann] : UINT32_MAX;
        st->ann2 = st->ann2 != UINT32_MAX ? amap[st->ann2] : UINT32_MAX;
        j++;
    }
    m->nstreams = j;
    free(amap);
    free(m->ann_ix.s);
    free(m->st_ix.s);
    free(m->ssrc_ix.s);
    m->ann_ix = ai;
    m->st_ix = si;
    m->ssrc_ix = ssi;
    memset(m->flow_cache, 0, sizeof m->flow_cache);
    for (size_t i = 0; i < m->nanns; i++)
        table_put(m, &m->ann_ix, ann_hash(m, (uint32_t)i), (uint32_t)i, ann_hash);
    for (size_t i = 0; i < m->nstreams; i++) {
        table_put(m, &m->st_ix, st_hash(m, (uint32_t)i), (uint32_t)i, st_hash);
        uint64_t hs = ssrc_hash(m, (uint32_t)i);
        if (table_find(m, &m->ssrc_ix, hs, ssrc_eq, &m->streams[i].ssrc) == UINT32_MAX)
            table_put(m, &m->ssrc_ix, hs, (uint32_t)i, ssrc_hash);
    }
    return 0;
}

/* ---- announcements ------------------------------------------------------ */

static bool addr_from_str(sw_str s, sw_addr *a)
{
    char buf[64];
    if (!s.len || s.len >= sizeof buf)
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

/* Announces (addr, port); an endpoint announced again takes the newer SDP
 * (a re-INVITE, or the same address reused by a later call). */
static int announce(sw_media *m, const sw_addr *a, uint16_t port, uint64_t msg,
                    const sw_sdp_media *md)
{
    ep_key k;
    memset(&k, 0, sizeof k);
    k.addr = key_addr(a);
    k.port = port;
    uint64_t h = sw_hash(&k, sizeof k);
    uint32_t id = table_find(m, &m->ann_ix, h, ann_eq, &k);
    if (id == UINT32_MAX) {
        if (m->nanns >= m->o.max_endpoints) {
            m->st.endpoints_dropped++;
            return 0;
        }
        if (m->nanns == m->anns_cap) {
            size_t nc = m->anns_cap ? m->anns_cap * 2 : 64;
            ann *na = realloc(m->anns, nc * sizeof *na);
            if (!na)
                return SW_ENOMEM;
            m->anns = na;
            m->anns_cap = nc;
        }
        id = (uint32_t)m->nanns++;
        memset(&m->anns[id], 0, sizeof m->anns[id]);
        m->anns[id].k = k;
        if (table_put(m, &m->ann_ix, h, id, ann_hash))
            return SW_ENOMEM;
    }
    ann *e = &m->anns[id];
    e->msg = msg;
    e->nmaps = 0;
    /* RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, ...; RTCP ports (md NULL) are RTP's */
    e->not_rtp = md && !(md->proto.len >= 3 && (memmem(md->proto.p, md->proto.len, "RTP", 3) ||
                                                memmem(md->proto.p, md->proto.len, "rtp", 3)));
    for (size_t i = 0; md && i < md->nrtpmap && e->nmaps < MAX_MAPS; i++) {
        const sw_sdp_rtpmap *r = &md->rtpmap[i];
        e->maps[e->nmaps].pt = r->pt;
        e->maps[e->nmaps].clock = r->clock;
        size_t l = SW_MIN(r->encoding.len, sizeof e->maps[0].name - 1);
        if (l)
            memcpy(e->maps[e->nmaps].name, r->encoding.p, l);
        e->maps[e->nmaps].name[l] = '\0';
        e->nmaps++;
    }
    return 0;
}

int sw_media_announce(sw_media *m, const sw_sdp *sdp, uint64_t msg)
{
    size_t nm = SW_MIN(sdp->nmedia, sdp->media_cap);
    for (size_t i = 0; i < nm; i++) {
        const sw_sdp_media *md = &sdp->media[i];
        if (!md->port)
            continue; /* a rejected or disabled stream */
        sw_addr a;
        if (!addr_from_str(md->conn_addr.len ? md->conn_addr : sdp->conn_addr, &a))
            continue;
        int rc = announce(m, &a, md->port, msg, md);
        if (!rc) {
            /* RTCP: a=rtcp, else the next port (RFC 3550 section 11) */
            sw_addr ra = a;
            if (md->rtcp_port && md->rtcp_addr.len)
                addr_from_str(md->rtcp_addr, &ra);
            uint16_t rp = md->rtcp_port ? md->rtcp_port : (uint16_t)(md->port + 1);
            if (rp)
                rc = announce(m, &ra, rp, msg, NULL);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- streams ----------------------------------------------------------- */

static const ann *lookup(const sw_media *m, const sw_addr *a, uint16_t port)
{
    ep_key k;
    memset(&k, 0, sizeof k);
    k.addr = key_addr(a);
    k.port = port;
    uint32_t id = table_find(m, &m->ann_ix, sw_hash(&k, sizeof k), ann_eq, &k);
    return id == UINT32_MAX ? NULL : &m->anns[id];
}

/* The payload type's name and clock: the SDP of the address the stream was
 * matched with, then the other side's SDP (e2), then the static table. */
static void codec_of2(const ann *e, const ann *e2, uint8_t pt, char *name, size_t len,
                      uint32_t *clock)
{
    for (int k = 0; k < 2; k++) {
        const ann *a = k ? e2 : e;
        for (size_t i = 0; a && i < a->nmaps; i++)
            if (a->maps[i].pt == pt) {
                snprintf(name, len, "%s", a->maps[i].name);
                *clock = a->maps[i].clock;
                return;
            }
    }
    const char *s = sw_rtp_static_name(pt);
    if (s)
        snprintf(name, len, "%s", s);
    else
        snprintf(name, len, "PT%u", pt);
    *clock = sw_rtp_static_clock(pt);
}

bool sw_media_announced(const sw_media *m, const sw_addr *a, uint16_t port)
{
    return lookup(m, a, port) != NULL;
}

static bool ann_eq_addr(const ann *e, const sw_addr *a, uint16_t port)
{
    sw_addr k = key_addr(a);
    return e->k.port == port && !memcmp(&e->k.addr, &k, sizeof k);
}

static sw_rtp_stream *stream_get(sw_media *m, const sw_payload *pl, uint32_t ssrc, const ann *e)
{
    st_key k;
    memset(&k, 0, sizeof k);
    k.src = key_addr(&pl->src);
    k.dst = key_addr(&pl->dst);
    k.sport = pl->sport;
    k.dport = pl->dport;
    k.ssrc = ssrc;
    uint64_t h = sw_hash(&k, sizeof k);
    uint32_t id = table_find(m, &m->st_ix, h, st_eq, &k);
    if (id != UINT32_MAX)
        return &m->streams[id];
    if (m->nstreams >= m->o.max_streams) {
        m->st.streams_dropped++;
        return NULL;
    }
    if (m->nstreams == m->streams_cap) {
        size_t nc = m->streams_cap ? m->streams_cap * 2 : 64;
        sw_rtp_stream *ns = realloc(m->streams, nc * sizeof *ns);
        if (!ns)
            return NULL;
        m->streams = ns;
        st_key *nk = realloc(m->skeys, nc * sizeof *nk);
        if (!nk)
            return NULL;
        m->skeys = nk;
        m->streams_cap = nc;
    }
    id = (uint32_t)m->nstreams;
    m->skeys[id] = k;
    if (table_put(m, &m->st_ix, h, id, st_hash))
        return NULL;
    m->nstreams++;
    sw_rtp_stream *s = &m->streams[id];
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    s->rtcp_rtt_max_ms = -1;
    uint64_t hs = sw_hash(&ssrc, 4);
    if (table_find(m, &m->ssrc_ix, hs, ssrc_eq, &ssrc) == UINT32_MAX &&
        table_put(m, &m->ssrc_ix, hs, id, ssrc_hash))
        return NULL;
    s->src = pl->src;
    s->dst = pl->dst;
    s->sport = pl->sport;
    s->dport = pl->dport;
    s->ssrc = ssrc;
    s->sdp_msg = e ? e->msg : 0;
    s->ann = e ? (uint32_t)(e - m->anns) : UINT32_MAX;
    s->sdp_for_dst = e && ann_eq_addr(e, &pl->dst, pl->dport);
    const ann *o = e && ann_eq_addr(e, &pl->dst, pl->dport) ? lookup(m, &pl->src, pl->sport)
                                                             : lookup(m, &pl->dst, pl->dport);
    s->ann2 = o && o != e ? (uint32_t)(o - m->anns) : UINT32_MAX;
    s->first_frame = pl->frame;
    s->t_first = pl->ts_ns;
    return s;
}

static bool is_cn(uint8_t pt) { return pt == 13 || pt == 19; } /* comfort noise (and its old number) */

/* RFC 3550 A.1 (sequence numbers) and 6.4.1 (jitter), arrival deltas.
 * Jitter runs over every packet whose payload has a clock rate (not RFC 4733
 * telephone events, whose timestamp stays put); the figures reported (delta
 * min/mean/max, jitter mean/max) take only regular packets: not the first,
 * not one with the marker bit (a talkspurt starts after silence), not
 * comfort noise or the packet after it. These are also the rules of
 * Wireshark's RTP stream analysis, so the figures compare with tshark's. */
/* RFC 4733 telephone events: one digit per event (a new RTP timestamp). */
static void dtmf_event(sw_rtp_stream *s, const sw_rtp_hdr *h, const uint8_t *payload)
{
    if (h->payload_len < 4)
        return;
    if (s->dtmf_n && s->dtmf_ts == h->ts)
        return; /* the same event again (updates, the end packets) */
    static const char digits[] = "0123456789*#ABCD";
    uint8_t ev = payload[0];
    if (ev >= 16)
        return; /* not a key: fax and modem tones (ANS, CNG, ...), line events */
    char c = digits[ev];
    if (s->dtmf_n + 1 < sizeof s->dtmf)
        s->dtmf[s->dtmf_n] = c;
    s->dtmf_n++;
    s->dtmf[SW_MIN(s->dtmf_n, sizeof s->dtmf - 1)] = '\0';
    s->dtmf_ts = h->ts;
}

static void stream_packet(sw_rtp_stream *s, const sw_rtp_hdr *h, const uint8_t *pkt, int64_t now,
                          const ann *e, const ann *e2)
{
    char name[24];
    uint32_t clock;
    codec_of2(e, e2, h->pt, name, sizeof name, &clock);
    if (sw_str_ieq_cstr(sw_str_cstr(name), "telephone-event")) {
        clock = 0;
        dtmf_event(s, h, pkt + h->hdr_len);
    }
    if (s->packets == 0) {
        s->pt = h->pt;
        memcpy(s->codec, name, sizeof s->codec);
        s->clock = clock;
        s->base_seq = s->max_seq = h->seq;
        s->last_ts = h->ts;
        s->last_arrival = now;
        s->packets = 1;
        s->t_last = now;
        s->markers += h->marker;
        s->bytes += h->payload_len;
        s->expected = 1;
        s->prev_pt = h->pt;
        return;
    }
    if (h->pt != s->pt)
        s->pt_changed = true;
    uint16_t udelta = (uint16_t)(h->seq - (uint16_t)s->max_seq);
    if (udelta == 0) {
        s->out_of_order++; /* a duplicate */
    } else if (udelta < 3000) {
        if (h->seq < (uint16_t)s->max_seq)
            s->cycles += 65536;
        s->max_seq = h->seq;
    } else if (udelta > 65536 - 100) {
        s->out_of_order++; /* reordered: older than the highest seen */
    } else {
        s->seq_jumps++; /* a restart: count on from here */
        s->exp_prior = s->expected;
        s->base_seq = h->seq;
        s->max_seq = h->seq;
        s->cycles = 0;
    }
    uint64_t before = s->packets; /* packets before this one */
    s->packets++;
    s->bytes += h->payload_len;
    s->markers += h->marker;
    s->expected = s->exp_prior + (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
    s->lost = (int64_t)s->expected - (int64_t)s->packets;

    double delta = (double)(now - s->last_arrival) / 1e6;
    if (clock) {
        /* D = (R_i - R_j) - (S_i - S_j), in ms; J += (|D| - J) / 16 */
        double ts_ms = (double)(int32_t)(h->ts - s->last_ts) * 1000.0 / clock;
        double d = delta - ts_ms;
        if (d < 0)
            d = -d;
        /* A jump of seconds between timestamp and arrival is a discontinuity (the
         * sender restarted its clock, or switched media), not network jitter. */
        if (d < 2000.0)
            s->jitter_ms = (15.0 * s->jitter_ms + d) / 16.0;
    }
    bool regular = !h->marker && !is_cn(h->pt) && !is_cn(s->prev_pt);
    if (regular) {
        if (!s->nregular || delta < s->delta_min_ms)
            s->delta_min_ms = delta;
        if (delta > s->delta_max_ms)
            s->delta_max_ms = delta;
        s->delta_sum_ms += delta;
        s->nregular++;
        if (clock) {
            if (s->jitter_ms > s->jitter_max_ms)
                s->jitter_max_ms = s->jitter_ms;
            /* running mean weighted by the packets before this one */
            s->jitter_mean_ms = (s->jitter_mean_ms * (double)(before - 1) + s->jitter_ms) /
                                (double)before;
        }
    }
    s->prev_pt = h->pt;
    s->last_ts = h->ts;
    s->last_arrival = now;
    if (now > s->t_last)
        s->t_last = now;
}

/* RTCP compound packet: the report blocks of SR and RR packets update the
 * stream whose SSRC they report on (RFC 3550 section 6.4). */
static void rtcp_packet(sw_media *m, const uint8_t *p, size_t n, int64_t now)
{
    /* arrival time in NTP short format (16.16) for the round-trip time */
    uint64_t ntp_sec = (uint64_t)(now / 1000000000) + 2208988800ull;
    uint64_t frac = (uint64_t)(now % 1000000000) * 65536ull / 1000000000ull;
    uint32_t arrival = (uint32_t)(((ntp_sec & 0xFFFF) << 16) | frac);
    size_t off = 0;
    while (off + 8 <= n) {
        const uint8_t *h = p + off;
        if ((h[0] >> 6) != 2)
            return;
        size_t len = ((size_t)sw_be16(h + 2) + 1) * 4;
        if (len > n - off)
            return;
        unsigned rc = h[0] & 0x1F, pt = h[1];
        size_t blocks = pt == 200 ? 28 : pt == 201 ? 8 : 0; /* after the header and SSRC */
        if (blocks) {
            for (unsigned i = 0; i < rc && blocks + 24 * (i + 1) <= len; i++) {
                const uint8_t *b = h + blocks + 24 * i;
                uint32_t ssrc = sw_be32(b);
                m->st.rtcp_blocks++;
                uint32_t id = table_find(m, &m->ssrc_ix, sw_hash(&ssrc, 4), ssrc_eq, &ssrc);
                if (id == UINT32_MAX)
                    continue;
                sw_rtp_stream *s = &m->streams[id];
                s->rtcp_blocks++;
                if (b[4] > s->rtcp_fraction_max)
                    s->rtcp_fraction_max = b[4];
                int32_t cum = (int32_t)((uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]);
                if (cum & 0x800000)
                    cum -= 0x1000000; /* 24-bit signed */
                s->rtcp_cum_lost = cum;
                if (s->clock) {
                    double j = (double)sw_be32(b + 12) * 1000.0 / s->clock;
                    if (j > s->rtcp_jitter_max_ms)
                        s->rtcp_jitter_max_ms = j;
                }
                uint32_t lsr = sw_be32(b + 16), dlsr = sw_be32(b + 20);
                if (lsr) {
                    int64_t rtt = (int64_t)(uint32_t)(arrival - lsr - dlsr);
                    double ms = (double)rtt * 1000.0 / 65536.0;
                    if (ms >= 0 && ms < 10000 && ms > s->rtcp_rtt_max_ms)
                        s->rtcp_rtt_max_ms = ms;
                }
            }
        }
        off += len;
    }
}

static size_t flow_slot(const sw_payload *pl, uint32_t ssrc)
{
    uint32_t x = ((uint32_t)pl->sport << 16 | pl->dport) ^ ssrc;
    return (size_t)((x * 0x9E3779B1u) >> 22) & (FLOW_CACHE - 1);
}

bool sw_media_udp(sw_media *m, const sw_payload *pl)
{
    if (pl->transport != SW_TP_UDP)
        return false;
    /* Fast path: a packet of a stream seen a moment ago (a cache hit costs
     * compares, no hashing; a crafted collision only causes misses). */
    sw_rtp_hdr h;
    bool is_rtp = !sw_rtcp_looks_like(pl->data, pl->len) && sw_rtp_parse(pl->data, pl->len, &h) == 0;
    size_t slot = 0;
    if (is_rtp) {
        slot = flow_slot(pl, h.ssrc);
        uint32_t id = m->flow_cache[slot];
        if (id) {
            sw_rtp_stream *s = &m->streams[id - 1];
            if (s->ssrc == h.ssrc && s->sport == pl->sport && s->dport == pl->dport &&
                sw_addr_eq(&s->src, &pl->src) && sw_addr_eq(&s->dst, &pl->dst) &&
                s->ann != UINT32_MAX && !m->anns[s->ann].not_rtp) {
                m->st.rtp_packets++;
                stream_packet(s, &h, pl->data, pl->ts_ns, &m->anns[s->ann],
                              s->ann2 != UINT32_MAX ? &m->anns[s->ann2] : NULL);
                if (m->o.on_rtp)
                    m->o.on_rtp(m->o.on_rtp_ud, id - 1, &h, pl);
                return true;
            }
        }
    }
    const ann *e = lookup(m, &pl->dst, pl->dport);
    if (!e)
        e = lookup(m, &pl->src, pl->sport);
    if (!e)
        return false;
    if (e->not_rtp) {
        m->st.not_rtp++; /* media, but not RTP: T.38 over UDPTL after a fax re-INVITE */
        return true;
    }
    if (sw_rtcp_looks_like(pl->data, pl->len)) {
        m->st.rtcp_packets++;
        rtcp_packet(m, pl->data, pl->len, pl->ts_ns);
        return true;
    }
    if (!is_rtp) {
        m->st.not_rtp++;
        return true;
    }
    m->st.rtp_packets++;
    sw_rtp_stream *s = stream_get(m, pl, h.ssrc, e);
    if (s) {
        stream_packet(s, &h, pl->data, pl->ts_ns, e,
                      s->ann2 != UINT32_MAX ? &m->anns[s->ann2] : NULL);
        m->flow_cache[slot] = (uint32_t)(s - m->streams) + 1;
        if (m->o.on_rtp)
            m->o.on_rtp(m->o.on_rtp_ud, (size_t)(s - m->streams), &h, pl);
    }
    return true;
}

/* ---- E-model (ITU-T G.107), as passive monitors use it ------------------
 *
 *   R = R0 - Id - Ie,eff            (Is folded into R0, A = 0)
 *   R0 = 93.2                       (G.107 defaults: 94.77 - 1.41 - rounding)
 *   Id = 0.024 d + 0.11 (d - 177.3) when d > 177.3 ms, d the one-way delay
 *   Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl + Bpl)   (random loss, BurstR = 1)
 *   MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R)  (R clamped to 0..100)
 *
 * A capture at one point does not show the mouth-to-ear delay; it is assumed
 * as 20 ms of packetisation, a jitter buffer of twice the mean jitter (at
 * least 40 ms) and 25 ms of codec and network. Ie and Bpl per codec from
 * ITU-T G.113 appendix I (with packet loss concealment); wideband codecs
 * (G.722, Opus) are rated on the narrowband scale with G.711's values, an
 * approximation that the man page states. */
static const struct {
    const char *name;
    double ie, bpl;
} codec_ie[] = {
    {"PCMU", 0, 25.1}, {"PCMA", 0, 25.1},    {"G722", 0, 25.1},  {"opus", 0, 25.1},
    {"G729", 11, 19.0}, {"G729a", 11, 19.0}, {"G723", 15, 16.1}, {"GSM", 20, 10.0},
    {"iLBC", 11, 32.0}, {"speex", 11, 19.0}, {"G726-32", 7, 25.1}, {"G728", 7, 25.1},
};

sw_rtp_quality sw_rtp_quality_of(const sw_rtp_stream *s)
{
    sw_rtp_quality q;
    memset(&q, 0, sizeof q);
    double ie = 0, bpl = 25.1;
    for (size_t i = 0; i < SW_ARRAY_LEN(codec_ie); i++)
        if (sw_str_ieq_cstr(sw_str_cstr(s->codec), codec_ie[i].name)) {
            ie = codec_ie[i].ie;
            bpl = codec_ie[i].bpl;
            q.codec_known = true;
            break;
        }
    q.loss_pct = s->expected && s->lost > 0 ? 100.0 * (double)s->lost / (double)s->expected : 0;
    double jb = 2 * s->jitter_mean_ms;
    q.delay_ms = 20 + (jb < 40 ? 40 : jb) + 25;
    double d = q.delay_ms;
    double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
    double ie_eff = ie + (95 - ie) * q.loss_pct / (q.loss_pct + bpl);
    double r = 93.2 - id - ie_eff;
    if (r < 0)
        r = 0;
    if (r > 100)
        r = 100;
    q.r = r;
    q.mos = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
    if (q.mos < 1)
        q.mos = 1;
    return q;
}
