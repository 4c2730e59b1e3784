/*
 * trace: the message index and the loop that fills it.
 *
 * Records live in fixed-size blocks (never moved, so pointers handed out stay
 * valid and there is no 1.5x peak of a doubling realloc). Endpoints are
 * interned in an open-addressing table keyed by SipHash of (address, port):
 * a capture from a busy SBC has few endpoints and millions of messages, so
 * storing 4-byte ids instead of 18-byte addresses twice is most of the
 * index's saving, and the text form is made once per endpoint instead of
 * once per printed line.
 */
#include "trace.h"

#include "../media/media.h"

#include <stdlib.h>

#define BLOCK_SHIFT 14
#define BLOCK_RECS (1u << BLOCK_SHIFT)

/* The endpoint cache keeps its key inline, so that a hit touches no other
 * memory (the endpoint table of a big capture does not fit in the caches). */
typedef struct ep_cache_ent {
    uint8_t a[16];
    uint16_t port;
    uint8_t family;
    uint32_t id; /* UINT32_MAX = empty */
} ep_cache_ent;

#define EP_CACHE (1u << 10)
#define TRACE_SDP_MEDIA 8

struct sw_trace {
    sw_trace_opts o;
    sw_arena arena;     /* copies of unstable message bytes */
    sw_msg **blocks;
    size_t nblocks, blocks_cap;
    size_t count;       /* messages numbered so far */
    sw_endpoint *eps;
    size_t neps, eps_cap;
    uint32_t *ep_slots; /* open addressing: ep id + 1, 0 = empty */
    size_t ep_nslots;
    sw_sip_header *hdrs;
    ep_cache_ent *ep_cache; /* EP_CACHE entries by an unkeyed mix of address and port */
    sw_sdp_media sdp_media[TRACE_SDP_MEDIA]; /* SDP parse storage (media announcements) */
    /* Media announcements wait until the first packet that looks like RTP
     * (a capture filtered to SIP never pays for parsing its SDP): */
    uint64_t *sdp_pending; /* numbers of kept messages with a body, in order */
    size_t npending, pending_cap;
    bool media_live;       /* RTP-like traffic seen: announce at once from now on */
    sw_decoder *dec;
    /* shown numbers (sw_trace_shown): of messages 1..nshown, then number + shown_base */
    uint64_t *shown;
    size_t nshown;
    uint64_t shown_base;
    sw_msg_sink sink;
    void *ud;
    int stop;
    int oom;
    bool yield; /* the sink asked sw_trace_read_some to return */
    sw_trace_stats st;
};

sw_trace *sw_trace_new(const sw_trace_opts *opts)
{
    sw_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (opts) {
        t->o = *opts;
    } else {
        t->o.keep = true;
    }
    if (!t->o.max_headers)
        t->o.max_headers = 256;
    sw_decode_opts_default(&t->o.decode);
    t->o.decode.framer = sw_sip_frame;
    sw_arena_init(&t->arena, 1u << 20);
    t->hdrs = malloc(t->o.max_headers * sizeof *t->hdrs);
    t->ep_nslots = 256;
    t->ep_cache = malloc(EP_CACHE * sizeof *t->ep_cache);
    if (t->ep_cache)
        for (size_t i = 0; i < EP_CACHE; i++)
            t->ep_cache[i].id = UINT32_MAX;
    t->ep_slots = calloc(t->ep_nslots, sizeof *t->ep_slots);
    if (!t->hdrs || !t->ep_slots || !t->ep_cache) {
        sw_trace_free(t);
        return NULL;
    }
    return t;
}

void sw_trace_free(sw_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nblocks; i++)
        free(t->blocks[i]);
    free(t->blocks);
    free(t->eps);
    free(t->ep_slots);
    free(t->ep_cache);
    free(t->sdp_pending);
    free(t->shown);
    free(t->hdrs);
    sw_decoder_free(t->dec);
    sw_arena_fini(&t->arena);
    free(t);
}

/* ---- endpoints --------------------------------------------------------- */

static uint64_t ep_hash(const sw_addr *a, uint16_t port)
{
    uint8_t k[19];
    k[0] = a->family;
    memcpy(k + 1, a->a, 16);
    k[17] = (uint8_t)(port >> 8);
    k[18] = (uint8_t)port;
    return sw_hash(k, sizeof k);
}

static int ep_grow(sw_trace *t)
{
    size_t nn = t->ep_nslots * 2;
    uint32_t *ns = calloc(nn, sizeof *ns);
    if (!ns)
        return SW_ENOMEM;
    for (size_t i = 0; i < t->neps; i++) {
        size_t s = ep_hash(&t->eps[i].addr, t->eps[i].port) & (nn - 1);
        while (ns[s])
            s = (s + 1) & (nn - 1);
        ns[s] = (uint32_t)i + 1;
    }
    free(t->ep_slots);
    t->ep_slots = ns;
    t->ep_nslots = nn;
    return 0;
}

static uint32_t ep_lookup(sw_trace *t, const sw_addr *a, uint16_t port);

/* Returns the id of (addr, port), adding it; UINT32_MAX when out of memory. */
/* A direct-mapped cache in front of the keyed table: most messages come
 * from and go to endpoints seen a moment ago, and a cache hit costs a
 * compare instead of a SipHash. The slot index is an unkeyed mix, which is
 * safe here: a crafted collision only causes misses, never a long chain. */
static uint32_t ep_intern(sw_trace *t, const sw_addr *a, uint16_t port)
{
    uint32_t w;
    memcpy(&w, a->a + (a->family == 6 ? 12 : 0), 4);
    uint32_t slot = ((w ^ (w >> 13) ^ ((uint32_t)port * 0x9E3779B1u)) * 0x85EBCA6Bu) >> 22;
    ep_cache_ent *ce = &t->ep_cache[slot];
    if (ce->id != UINT32_MAX && ce->port == port && ce->family == a->family &&
        !memcmp(ce->a, a->a, a->family == 6 ? 16 : 4))
        return ce->id;
    uint32_t id = ep_lookup(t, a, port);
    if (id != UINT32_MAX) {
        memcpy(ce->a, a->a, 16);
        ce->port = port;
        ce->family = a->family;
        ce->id = id;
    }
    return id;
}

static uint32_t ep_lookup(sw_trace *t, const sw_addr *a, uint16_t port)
{
    size_t mask = t->ep_nslots - 1;
    size_t s = ep_hash(a, port) & mask;
    while (t->ep_slots[s]) {
        sw_endpoint *e = &t->eps[t->ep_slots[s] - 1];
        if (e->port == port && sw_addr_eq(&e->addr, a))
            return t->ep_slots[s] - 1;
        s = (s + 1) & mask;
    }
    if (t->neps == t->eps_cap) {
        size_t nc = t->eps_cap ? t->eps_cap * 2 : 64;
        sw_endpoint *ne = realloc(t->eps, nc * sizeof *ne);
        if (!ne)
            return UINT32_MAX;
        t->eps = ne;
        t->eps_cap = nc;
    }
    sw_endpoint *e = &t->eps[t->neps];
    memset(e, 0, sizeof *e);
    e->addr = *a;
    e->port = port;
    sw_addr_str(a, e->text, sizeof e->text);
    e->text_len = (uint8_t)strlen(e->text);
    uint32_t id = (uint32_t)t->neps++;
    t->ep_slots[s] = id + 1;
    if (t->neps * 2 > t->ep_nslots && ep_grow(t))
        return UINT32_MAX;
    return id;
}

/* ---- records ----------------------------------------------------------- */

/* The index holds one record a message: its size is the per-message cost. */
_Static_assert(sizeof(void *) != 8 || sizeof(sw_msg) == 48, "sw_msg grew past 48 bytes");

static sw_msg *rec_alloc(sw_trace *t)
{
    size_t i = t->count; /* 0-based index of the new record */
    size_t b = i >> BLOCK_SHIFT;
    if (b == t->nblocks) {
        if (t->nblocks == t->blocks_cap) {
            size_t nc = t->blocks_cap ? t->blocks_cap * 2 : 16;
            sw_msg **nb = realloc(t->blocks, nc * sizeof *nb);
            if (!nb)
                return NULL;
            t->blocks = nb;
            t->blocks_cap = nc;
        }
        t->blocks[b] = malloc(BLOCK_RECS * sizeof(sw_msg));
        if (!t->blocks[b])
            return NULL;
        t->nblocks++;
    }
    return &t->blocks[b][i & (BLOCK_RECS - 1)];
}

/* Announces the SDP of a parsed message to the media stage. */
static int announce_sdp(sw_trace *t, const sw_sip_msg *sip, uint64_t number)
{
    sw_str body;
    if (!sw_sip_find_sdp(sip, &body))
        return 0;
    sw_sdp sdp;
    if (sw_sdp_parse(body, &sdp, t->sdp_media, TRACE_SDP_MEDIA) != 0)
        return 0;
    return sw_media_announce(t->o.media, &sdp, number);
}

/* Remembers message n, whose SDP is announced when RTP shows up. */
static int pending_push(sw_trace *t, uint64_t n)
{
    if (t->npending == t->pending_cap) {
        size_t nc = t->pending_cap ? t->pending_cap * 2 : 256;
        uint64_t *np = realloc(t->sdp_pending, nc * sizeof *np);
        if (!np)
            return SW_ENOMEM;
        t->sdp_pending = np;
        t->pending_cap = nc;
    }
    t->sdp_pending[t->npending++] = n;
    return 0;
}

/* The first RTP-like packet: announce the SDP of every message so far. */
static int media_catch_up(sw_trace *t)
{
    t->media_live = true;
    for (size_t i = 0; i < t->npending; i++) {
        const sw_msg *m = sw_trace_get(t, t->sdp_pending[i]);
        sw_sip_msg sip;
        if (m && sw_trace_parse(t, m, &sip, t->hdrs, t->o.max_headers) >= 0 &&
            announce_sdp(t, &sip, t->sdp_pending[i]))
            return SW_ENOMEM;
    }
    free(t->sdp_pending);
    t->sdp_pending = NULL;
    t->npending = t->pending_cap = 0;
    return 0;
}

static int on_payload(void *ud, const sw_payload *pl)
{
    sw_trace *t = ud;
    const char *data = (const char *)pl->data;
    if (!sw_sip_looks_like(data, pl->len)) {
        if (t->o.media && !t->media_live && pl->transport == SW_TP_UDP && pl->len >= 8 &&
            (pl->data[0] >> 6) == 2 && media_catch_up(t)) {
            t->oom = 1;
            return 1;
        }
        if (t->o.media && sw_media_udp(t->o.media, pl))
            return 0;
        t->st.non_sip++;
        return 0;
    }
    sw_sip_msg sip;
    int64_t n = sw_sip_parse(&sip, data, pl->len, t->hdrs, t->o.max_headers);
    if (n < 0) {
        t->st.non_sip++;
        return 0;
    }
    sw_msg tmp, *m = &tmp;
    if (t->o.keep) {
        m = rec_alloc(t);
        if (!m) {
            t->oom = 1;
            return 1;
        }
    }
    uint32_t len = (uint32_t)n;
    if (!pl->stable && t->o.keep) {
        /* The decoder's buffer goes away after this call: keep a copy. */
        char *copy = sw_arena_dup(&t->arena, data, len);
        if (!copy) {
            t->oom = 1;
            return 1;
        }
        /* Re-point the parse at the copy so the sink sees stable slices. */
        n = sw_sip_parse(&sip, copy, len, t->hdrs, t->o.max_headers);
        data = copy;
    }
    m->data = data;
    m->len = len;
    m->ts_ns = pl->ts_ns;
    m->frame = pl->frame;
    uint64_t back = pl->first_frame < pl->frame ? pl->frame - pl->first_frame : 0;
    m->first_back = back > UINT32_MAX ? UINT32_MAX : (uint32_t)back;
    m->input = (uint16_t)pl->input;
    m->nframes = (uint16_t)SW_MIN(pl->nframes, 65535u);
    m->transport = pl->transport;
    m->pflags = pl->flags;
    m->sflags = (uint16_t)sip.flags;
    m->src = ep_intern(t, &pl->src, pl->sport);
    m->dst = ep_intern(t, &pl->dst, pl->dport);
    if (m->src == UINT32_MAX || m->dst == UINT32_MAX) {
        t->oom = 1;
        return 1;
    }
    t->count++;
    t->st.messages++;
    if (sip.flags & SW_SIPF_MALFORMED)
        t->st.malformed++;
    if (sip.flags & SW_SIPF_TOO_MANY_HDRS)
        t->st.too_many_headers++;
    if ((sip.flags & SW_SIPF_TRUNCATED) || (pl->flags & SW_PAYF_TRUNC))
        t->st.truncated++;
    if (t->o.media && sip.body.len) {
        if (t->media_live || !t->o.keep) {
            if (announce_sdp(t, &sip, t->count)) {
                t->oom = 1;
                return 1;
            }
        } else if (pending_push(t, t->count)) {
            t->oom = 1;
            return 1;
        }
    }
    if (t->sink) {
        int rc = t->sink(t->ud, t->count, m, &sip);
        if (rc == SW_SINK_YIELD) {
            t->yield = true;
            return 0;
        }
        if (rc)
            t->stop = rc;
        return rc;
    }
    return 0;
}

int sw_trace_read_some(sw_trace *t, sw_capset *cs, sw_msg_sink sink, void *ud, size_t max,
                       size_t *nread)
{
    t->sink = sink;
    t->ud = ud;
    *nread = 0;
    if (!t->dec) {
        t->dec = sw_decoder_new(&t->o.decode, on_payload, t);
        if (!t->dec)
            return SW_ENOMEM;
    }
    sw_packet p;
    int rc = 1;
    size_t n = 0; /* a local: the store through nread would not stay in a register */
    t->yield = false;
    while (!t->stop && !t->oom && n < max && (rc = sw_capset_next(cs, &p)) == 1) {
        t->st.packets++;
        t->st.bytes += p.caplen;
        sw_decoder_packet(t->dec, &p);
        n++;
        if (t->yield)
            break;
    }
    *nread = n;
    if (t->oom)
        return SW_ENOMEM;
    if (t->stop)
        return t->stop;
    if (rc == 1 || rc == SW_EAGAIN)
        return 0; /* more may come */
    sw_decoder_flush(t->dec);
    return 1;
}

void sw_trace_flush(sw_trace *t)
{
    if (t->dec && !t->oom)
        sw_decoder_flush(t->dec);
}

int sw_trace_read(sw_trace *t, sw_capset *cs, sw_msg_sink sink, void *ud)
{
    size_t n;
    int rc;
    do /* 0: more may come, only from a set that does not wait */
        rc = sw_trace_read_some(t, cs, sink, ud, SIZE_MAX, &n);
    while (rc == 0);
    t->st.mapped_bytes = 0;
    for (size_t i = 0; i < sw_capset_count(cs); i++)
        t->st.mapped_bytes += sw_capture_mapped(sw_capset_get(cs, i));
    return rc == 1 ? 0 : rc;
}

size_t sw_trace_count(const sw_trace *t) { return t->count; }

const sw_msg *sw_trace_get(const sw_trace *t, uint64_t number)
{
    if (!t->o.keep || number == 0 || number > t->count)
        return NULL;
    size_t i = (size_t)number - 1;
    return &t->blocks[i >> BLOCK_SHIFT][i & (BLOCK_RECS - 1)];
}

const sw_endpoint *sw_trace_endpoint(const sw_trace *t, uint32_t id)
{
    return id < t->neps ? &t->eps[id] : NULL;
}

int64_t sw_trace_parse(const sw_trace *t, const sw_msg *m, sw_sip_msg *out, sw_sip_header *hdrs,
                       size_t cap)
{
    (void)t;
    return sw_sip_parse(out, m->data, m->len, hdrs, cap);
}

const sw_trace_stats *sw_trace_stats_get(const sw_trace *t)
{
    sw_trace *w = (sw_trace *)t;
    w->st.index_bytes = t->nblocks * BLOCK_RECS * sizeof(sw_msg) +
                        t->blocks_cap * sizeof(sw_msg *) + t->eps_cap * sizeof(sw_endpoint) +
                        t->ep_nslots * sizeof(uint32_t);
    w->st.arena_bytes = t->arena.reserved;
    return &t->st;
}

uint64_t sw_trace_shown(const sw_trace *t, uint64_t number)
{
    if (number && number <= t->nshown)
        return t->shown[number - 1];
    return number + t->shown_base;
}

uint64_t sw_trace_unshown(const sw_trace *t, uint64_t shown)
{
    if (shown > t->shown_base + t->nshown) {
        uint64_t n = shown - t->shown_base;
        return n <= t->count ? n : 0;
    }
    size_t lo = 0, hi = t->nshown; /* shown[] ascends */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->shown[mid] < shown)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->nshown && t->shown[lo] == shown ? lo + 1 : 0;
}

size_t sw_trace_mem(const sw_trace *t)
{
    const sw_trace_stats *st = sw_trace_stats_get(t);
    return st->index_bytes + st->arena_bytes + t->pending_cap * sizeof(uint64_t) +
           t->nshown * sizeof(uint64_t) + t->o.max_headers * sizeof(sw_sip_header) +
           EP_CACHE * sizeof(ep_cache_ent) + (t->dec ? sw_decoder_mem(t->dec) : 0);
}

sw_trace *sw_trace_successor(const sw_trace *old, const bool *keep, uint64_t *map)
{
    sw_trace *t = sw_trace_new(&old->o);
    if (!t)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < old->count; i++)
        k += keep[i];
    t->shown = malloc((k ? k : 1) * sizeof *t->shown);
    if (!t->shown)
        goto oom;
    for (uint64_t n = 1; n <= old->count; n++) {
        map[n - 1] = 0;
        if (!keep[n - 1])
            continue;
        const sw_msg *om = sw_trace_get(old, n);
        sw_msg *m = rec_alloc(t);
        if (!m)
            goto oom;
        *m = *om;
        char *copy = sw_arena_dup(&t->arena, om->data, om->len ? om->len : 1);
        if (!copy)
            goto oom;
        m->data = copy;
        const sw_endpoint *s = &old->eps[om->src], *d = &old->eps[om->dst];
        m->src = ep_intern(t, &s->addr, s->port);
        m->dst = ep_intern(t, &d->addr, d->port);
        if (m->src == UINT32_MAX || m->dst == UINT32_MAX)
            goto oom;
        t->shown[t->count] = sw_trace_shown(old, n);
        map[n - 1] = ++t->count;
    }
    t->nshown = t->count;
    t->shown_base = sw_trace_shown(old, old->count) - t->count;
    /* SDP not yet announced (no RTP seen so far) stays pending */
    t->media_live = old->media_live;
    for (size_t i = 0; i < old->npending; i++) {
        uint64_t nn = map[old->sdp_pending[i] - 1];
        if (nn && pending_push(t, nn))
            goto oom;
    }
    t->st = old->st;
    return t;
oom:
    sw_trace_free(t);
    return NULL;
}

void sw_trace_take_decoder(sw_trace *t, sw_trace *from)
{
    sw_decoder_free(t->dec);
    t->dec = from->dec;
    from->dec = NULL;
    if (t->dec)
        sw_decoder_rebind(t->dec, on_payload, t);
}

int sw_trace_replay(sw_trace *t, sw_msg_sink sink, void *ud)
{
    for (uint64_t n = 1; n <= t->count; n++) {
        const sw_msg *m = sw_trace_get(t, n);
        sw_sip_msg sip;
        if (!m || sw_trace_parse(t, m, &sip, t->hdrs, t->o.max_headers) < 0)
            continue; /* kept messages parsed once: cannot happen */
        int rc = sink(ud, n, m, &sip);
        if (rc)
            return rc;
    }
    return 0;
}

const sw_decode_stats *sw_trace_decode_stats(const sw_trace *t)
{
    static const sw_decode_stats none;
    return t->dec ? sw_decoder_stats(t->dec) : &none;
}
