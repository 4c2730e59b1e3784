/*
 * correlate: transactions, dialogs, usages, calls and conversations.
 *
 * One small hash index (hash -> entry id, equality by callback) serves every
 * lookup: calls by Call-ID, transactions by their RFC 3261 key, dialogs by
 * Call-ID + tags, registrations by AOR, Session-IDs by UUID. Entries live in
 * growable arrays and are referred to by 32-bit ids, so per-message
 * bookkeeping is a few ids (17 bytes a message) rather than pointers.
 *
 * Conversations are a union-find over calls: a transfer or a correlation
 * header joins two calls' sets; the id of a set is the index of its
 * earliest call, so ids are stable and meaningful ("conversation 3").
 */
#include "correlate.h"

#include <stdlib.h>

/* ---- names ------------------------------------------------------------- */

const char *sw_call_state_name(sw_call_state s)
{
    static const char *n[] = {"setup",     "ringing", "answered", "completed",
                              "cancelled", "busy",    "rejected", "failed"};
    return (unsigned)s < SW_ARRAY_LEN(n) ? n[s] : "?";
}

const char *sw_call_kind_name(sw_call_kind k)
{
    static const char *n[] = {"INVITE", "REGISTER", "SUBSCRIBE", "OPTIONS",
                              "MESSAGE", "NOTIFY", "REFER", "other"};
    return (unsigned)k < SW_ARRAY_LEN(n) ? n[k] : "?";
}

const char *sw_link_how_name(sw_link_how h)
{
    static const char *n[] = {"", "refer", "replaces", "header", "session-id"};
    return (unsigned)h < SW_ARRAY_LEN(n) ? n[h] : "?";
}

/* ---- growable arrays --------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem);

/* A per-call array that only reaches as far as it has been written: the
 * entries of calls past its end read as SW_NONE. */
static uint32_t sparse_get(const uint32_t *a, size_t n, uint32_t i)
{
    return i < n ? a[i] : SW_NONE;
}

/* Makes entry i exist (new entries SW_NONE). */
static int sparse_reach(uint32_t **a, size_t *n, size_t *cap, uint32_t i)
{
    if (i < *n)
        return 0;
    if (grow((void **)a, cap, (size_t)i + 1, sizeof **a))
        return SW_ENOMEM;
    for (size_t j = *n; j <= i; j++)
        (*a)[j] = SW_NONE;
    *n = (size_t)i + 1;
    return 0;
}

/* New capacity is not cleared: every entry is initialised when it is taken,
 * so the pages of the unused tail are never touched (no RSS for them). */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return SW_ENOMEM;
    *p = np;
    *cap = nc;
    return 0;
}

/* ---- hash index -------------------------------------------------------- */

/* 8 bytes a slot: the low 32 bits of the (keyed) hash place and pre-check
 * an entry; a table never has more than 2^32 slots (ids are 32-bit). */
typedef struct hslot {
    uint32_t h;
    uint32_t id; /* SW_NONE = empty */
} hslot;

typedef struct hindex {
    hslot *s;
    size_t n, used;
} hindex;

typedef bool (*heq)(const void *ctx, uint32_t id, const void *key);

static int hi_init(hindex *x)
{
    x->n = 1024;
    x->used = 0;
    x->s = malloc(x->n * sizeof *x->s);
    if (!x->s)
        return SW_ENOMEM;
    for (size_t i = 0; i < x->n; i++)
        x->s[i].id = SW_NONE;
    return 0;
}

static uint32_t hi_find(const hindex *x, uint64_t h, heq eq, const void *ctx, const void *key)
{
    size_t m = x->n - 1;
    for (size_t i = (uint32_t)h & m;; i = (i + 1) & m) {
        if (x->s[i].id == SW_NONE)
            return SW_NONE;
        if (x->s[i].h == (uint32_t)h && eq(ctx, x->s[i].id, key))
            return x->s[i].id;
    }
}

static int hi_put(hindex *x, uint64_t h, uint32_t id)
{
    if ((x->used + 1) * 4 > x->n * 3) {
        size_t nn = x->n * 2;
        hslot *ns = malloc(nn * sizeof *ns);
        if (!ns)
            return SW_ENOMEM;
        for (size_t i = 0; i < nn; i++)
            ns[i].id = SW_NONE;
        for (size_t i = 0; i < x->n; i++) {
            if (x->s[i].id == SW_NONE)
                continue;
            size_t j = x->s[i].h & (nn - 1);
            while (ns[j].id != SW_NONE)
                j = (j + 1) & (nn - 1);
            ns[j] = x->s[i];
        }
        free(x->s);
        x->s = ns;
        x->n = nn;
    }
    size_t m = x->n - 1, i = (uint32_t)h & m;
    while (x->s[i].id != SW_NONE)
        i = (i + 1) & m;
    x->s[i].h = (uint32_t)h;
    x->s[i].id = id;
    x->used++;
    return 0;
}

/* Hash of several slices, separated so ("ab","c") != ("a","bc"). */
static uint64_t hash_parts(const sw_str *parts, size_t n)
{
    char buf[512];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (len + parts[i].len + 1 > sizeof buf) {
            /* Long keys (crafted Call-IDs): combine per-part hashes. */
            uint64_t h = 0x9e3779b97f4a7c15ull;
            for (size_t k = 0; k < n; k++)
                h = (h ^ sw_hash(parts[k].p, parts[k].len)) * 0x100000001b3ull;
            return h;
        }
        if (parts[i].len)
            memcpy(buf + len, parts[i].p, parts[i].len);
        len += parts[i].len;
        buf[len++] = '\xff';
    }
    return sw_hash(buf, len);
}

/* ---- model ------------------------------------------------------------- */

/* What identifies a transaction (slices into message bytes). */
typedef struct txkey {
    sw_str branch, host, method; /* RFC 3261 */
    uint16_t port;
    bool rfc2543;
    sw_str call_id, from_tag; /* RFC 2543 fallback */
    uint32_t cseq;
} txkey;

/* A part of a message: offset and length from the message's first byte. */
typedef struct mref {
    uint16_t off, len;
} mref;

/* The stored form of a transaction's key: 32 bytes instead of 96. The slices
 * are offsets from the first byte of the message that created the
 * transaction (the trace keeps its bytes; the pointer is kept, not the
 * message number, so a lookup costs no visit to the trace's index); method
 * and CSeq are the transaction's own. A key whose parts do not fit 16-bit
 * offsets (a message over 64 KiB) is kept whole in `bigkeys`: base NULL,
 * its index in `big`. */
typedef struct txkey_c {
    const char *base;
    union {
        struct {
            mref branch, host, call_id, from_tag, method;
        } r;         /* base != NULL */
        uint32_t big; /* base == NULL */
    } u;
    uint16_t port;
    uint8_t rfc2543;
} txkey_c;

typedef struct dkey {
    uint32_t call;
    sw_str a, b; /* tags, a <= b */
} dkey;

typedef struct refer_rec {
    uint32_t call;
    sw_str target_user;
    int64_t ts;
    sw_addr transferee; /* who received the REFER: the one who will send the INVITE */
    bool used;          /* one REFER causes one INVITE */
} refer_rec;

struct sw_corr {
    const sw_trace *t;
    sw_corr_opts o;

    sw_call *calls;
    size_t ncalls, calls_cap;
    uint64_t over_limit; /* messages not correlated: calls bound hit */
    hindex call_ix;
    /* A call string that does not fit a 16-bit offset and length into its
     * message (a message over 64 KiB) is kept whole here. */
    sw_str *bigstr;
    size_t nbigstr, bigstr_cap;
    bool oom; /* an allocation failed inside a step that cannot return it */

    /* A transaction and its key side by side (88 bytes): a lookup's key
     * compare and the update that follows touch the same cache lines. */
    struct txrec {
        txkey_c key;
        sw_txn t;
    } *txr;
    size_t ntxns, txr_cap;
    txkey *bigkeys;
    size_t nbigkeys, bigkeys_cap;
    hindex txn_ix;

    sw_dialog *dlgs;
    dkey *dkeys;
    size_t ndlgs, dlgs_cap, dkeys_cap;
    hindex dlg_ix;

    sw_reg *regs;
    size_t nregs, regs_cap;
    hindex reg_ix;

    sw_sub *subs;
    size_t nsubs, subs_cap;

    refer_rec *refers;
    size_t nrefers, refers_cap;

    /* per-call chains, newest first, so per-call searches never scan the
     * whole capture: call -> last dialog / subscription, entry -> previous */
    /* The per-call heads cover calls up to the highest one that has a dialog
     * (a subscription); past it, none: calls without either (a scan, a flood
     * of OPTIONS) cost no memory here. */
    uint32_t *call_last_dlg, *dlg_prev, *call_last_sub, *sub_prev;
    size_t call_last_dlg_cap, dlg_prev_cap, call_last_sub_cap, sub_prev_cap;
    size_t call_last_dlg_n, call_last_sub_n;

    sw_str *sess;     /* Session-ID uuid per entry */
    uint32_t *sess_call;
    size_t nsess, sess_cap, sess_call_cap;
    hindex sess_ix;

    /* per message, index number-1 */
    uint32_t *m_txn, *m_call, *m_dlg, *m_next;
    uint8_t *m_flags;
    uint16_t *m_code;
    size_t m_cap;
    uint64_t m_count; /* highest number added */
    int64_t last_ts;
    /* shown call numbers (sw_corr_call_shown): of calls 0..nshown-1, then index + 1 + shown_base */
    uint32_t *shown;
    size_t nshown;
    uint32_t shown_base;
};

sw_corr *sw_corr_new(const sw_trace *t, const sw_corr_opts *opts)
{
    sw_corr *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->t = t;
    if (opts)
        c->o = *opts;
    if (!c->o.max_calls)
        c->o.max_calls = SW_CORR_MAX_CALLS;
    if (hi_init(&c->call_ix) || hi_init(&c->txn_ix) || hi_init(&c->dlg_ix) ||
        hi_init(&c->reg_ix) || hi_init(&c->sess_ix)) {
        sw_corr_free(c);
        return NULL;
    }
    return c;
}

void sw_corr_free(sw_corr *c)
{
    if (!c)
        return;
    free(c->calls);
    free(c->call_ix.s);
    free(c->bigstr);
    free(c->txr);
    free(c->bigkeys);
    free(c->txn_ix.s);
    free(c->dlgs);
    free(c->dkeys);
    free(c->dlg_ix.s);
    free(c->regs);
    free(c->reg_ix.s);
    free(c->subs);
    free(c->refers);
    free(c->call_last_dlg);
    free(c->dlg_prev);
    free(c->call_last_sub);
    free(c->sub_prev);
    free(c->sess);
    free(c->sess_call);
    free(c->sess_ix.s);
    free(c->m_txn);
    free(c->m_call);
    free(c->m_dlg);
    free(c->m_next);
    free(c->m_flags);
    free(c->m_code);
    free(c->shown);
    free(c);
}

/* ---- union-find ---------------------------------------------------------- */

/* The parent of a call is its `conversation` field: its own id until it is
 * linked; sw_corr_finish() sets every call's to its root. */
static uint32_t uf_root(sw_corr *c, uint32_t i)
{
    while (c->calls[i].conversation != i) {
        uint32_t p = c->calls[i].conversation;
        c->calls[i].conversation = c->calls[p].conversation;
        i = p;
    }
    return i;
}

static void link_calls(sw_corr *c, uint32_t newer, uint32_t older, sw_link_how how)
{
    if (newer == older || newer == SW_NONE || older == SW_NONE)
        return;
    sw_call *n = &c->calls[newer];
    if (n->link_prev == SW_NONE) {
        n->link_prev = older;
        n->link_how = (uint8_t)how;
    }
    uint32_t a = uf_root(c, newer), b = uf_root(c, older);
    if (a == b)
        return;
    /* The earliest call names the conversation. */
    if (a < b)
        c->calls[b].conversation = a;
    else
        c->calls[a].conversation = b;
}

/* ---- calls ------------------------------------------------------------- */

/* One record a Call-ID: a capture of a million of them holds a million. */
_Static_assert(sizeof(sw_call) == 80, "sw_call grew past 80 bytes");

/* A call's string as 4 bytes: offset and length into a message of the call
 * (which one is fixed per field: the Call-ID in `first`, the users in
 * `invite`, the reason in `final_msg`), or, with the field's bit in
 * ref_big, an index into c->bigstr. */
enum { REF_CALL_ID = 1, REF_FROM = 2, REF_TO = 4, REF_REASON = 8 };

static uint32_t ref_put(sw_corr *c, sw_call *k, unsigned bit, const sw_msg *m, sw_str v)
{
    k->ref_big &= (uint8_t)~bit;
    if (!v.len)
        return 0;
    if (v.p >= m->data && v.p < m->data + m->len) {
        size_t off = (size_t)(v.p - m->data);
        if (off <= 0xFFFF && v.len <= 0xFFFF && off + v.len <= m->len)
            return (uint32_t)off | (uint32_t)v.len << 16;
    }
    if (c->nbigstr == UINT32_MAX ||
        grow((void **)&c->bigstr, &c->bigstr_cap, c->nbigstr + 1, sizeof *c->bigstr)) {
        c->oom = true;
        return 0;
    }
    c->bigstr[c->nbigstr] = v;
    k->ref_big |= (uint8_t)bit;
    return (uint32_t)c->nbigstr++;
}

static sw_str ref_get(const sw_corr *c, const sw_call *k, unsigned bit, uint32_t msg, uint32_t ref)
{
    if (k->ref_big & bit)
        return c->bigstr[ref];
    uint32_t len = ref >> 16;
    const sw_msg *m = len ? sw_trace_get(c->t, msg) : NULL;
    if (!m)
        return SW_STR_NULL;
    return sw_str_make(m->data + (ref & 0xFFFF), len);
}

sw_str sw_corr_call_id(const sw_corr *c, const sw_call *k)
{
    return ref_get(c, k, REF_CALL_ID, k->first, k->ref_call_id);
}

sw_str sw_corr_call_from(const sw_corr *c, const sw_call *k)
{
    return ref_get(c, k, REF_FROM, k->invite, k->ref_from);
}

sw_str sw_corr_call_to(const sw_corr *c, const sw_call *k)
{
    return ref_get(c, k, REF_TO, k->invite, k->ref_to);
}

sw_str sw_corr_call_reason(const sw_corr *c, const sw_call *k)
{
    if (!k->final_code)
        return SW_STR_NULL;
    return ref_get(c, k, REF_REASON, k->final_msg, k->ref_reason);
}

static int64_t msg_ts(const sw_corr *c, uint32_t number)
{
    const sw_msg *m = number ? sw_trace_get(c->t, number) : NULL;
    return m ? m->ts_ns : 0;
}

int64_t sw_corr_call_t_start(const sw_corr *c, const sw_call *k)
{
    return msg_ts(c, k->kind == SW_CALL_INVITE && k->invite ? k->invite : k->first);
}

int64_t sw_corr_call_t_ringing(const sw_corr *c, const sw_call *k) { return msg_ts(c, k->ringing_msg); }
int64_t sw_corr_call_t_answer(const sw_corr *c, const sw_call *k) { return msg_ts(c, k->answer_msg); }
int64_t sw_corr_call_t_end(const sw_corr *c, const sw_call *k) { return msg_ts(c, k->end_msg); }

int64_t sw_corr_call_t_last(const sw_corr *c, const sw_call *k)
{
    return msg_ts(c, k->end_msg ? k->end_msg : k->last);
}

uint32_t sw_corr_call_src(const sw_corr *c, const sw_call *k)
{
    const sw_msg *m = sw_trace_get(c->t, k->invite ? k->invite : k->first);
    return m ? m->src : SW_NONE;
}

uint32_t sw_corr_call_dst(const sw_corr *c, const sw_call *k)
{
    const sw_msg *m = sw_trace_get(c->t, k->invite ? k->invite : k->first);
    return m ? m->dst : SW_NONE;
}

static sw_str hdr_user(const sw_sip_header *h, sw_str *uri_out);

/* The users of a request's From and To, kept as the call's. */
static void call_set_users(sw_corr *c, sw_call *k, const sw_msg *m, const sw_sip_msg *s)
{
    k->ref_from = ref_put(c, k, REF_FROM, m, hdr_user(s->first[SW_HDR_FROM], NULL));
    k->ref_to = ref_put(c, k, REF_TO, m, hdr_user(s->first[SW_HDR_TO], NULL));
}

#define SW_CORR_FULL (UINT32_MAX - 1) /* call_get: the calls bound is hit */

static bool call_eq(const void *ctx, uint32_t id, const void *key)
{
    const sw_corr *c = ctx;
    return sw_str_eq(sw_corr_call_id(c, &c->calls[id]), *(const sw_str *)key);
}

static uint32_t call_get(sw_corr *c, sw_str call_id, uint64_t number, const sw_msg *m)
{
    uint64_t h = sw_hash(call_id.p, call_id.len);
    uint32_t id = hi_find(&c->call_ix, h, call_eq, c, &call_id);
    if (id != SW_NONE)
        return id;
    if (c->ncalls >= c->o.max_calls)
        return SW_CORR_FULL;
    if (grow((void **)&c->calls, &c->calls_cap, c->ncalls + 1, sizeof *c->calls))
        return SW_NONE;
    id = (uint32_t)c->ncalls++;
    sw_call *k = &c->calls[id];
    memset(k, 0, sizeof *k);
    k->kind = SW_CALL_OTHER;
    k->first = number;
    k->invite_txn = SW_NONE;
    k->link_prev = SW_NONE;
    k->conversation = id; /* its own until sw_corr_finish() joins linked legs */
    k->legs = 1;
    k->ref_call_id = ref_put(c, k, REF_CALL_ID, m, call_id);
    if (c->oom)
        return SW_NONE;
    if (hi_put(&c->call_ix, h, id))
        return SW_NONE;
    return id;
}

uint32_t sw_corr_find_call(const sw_corr *c, sw_str call_id)
{
    return hi_find(&c->call_ix, sw_hash(call_id.p, call_id.len), call_eq, c, &call_id);
}

/* ---- transactions ------------------------------------------------------ */

/* The whole key of transaction `id`, its slices back in message bytes. */
static void txkey_load(const sw_corr *c, uint32_t id, txkey *k)
{
    const txkey_c *q = &c->txr[id].key;
    if (!q->base) {
        *k = c->bigkeys[q->u.big];
        return;
    }
    const char *b = q->base;
    memset(k, 0, sizeof *k);
    k->port = q->port;
    k->rfc2543 = q->rfc2543;
    k->cseq = c->txr[id].t.cseq;
    k->method = sw_str_make(b + q->u.r.method.off, q->u.r.method.len);
    k->branch = sw_str_make(b + q->u.r.branch.off, q->u.r.branch.len);
    k->host = sw_str_make(b + q->u.r.host.off, q->u.r.host.len);
    k->call_id = sw_str_make(b + q->u.r.call_id.off, q->u.r.call_id.len);
    k->from_tag = sw_str_make(b + q->u.r.from_tag.off, q->u.r.from_tag.len);
}

_Static_assert(sizeof(void *) != 8 || sizeof(struct txrec) == 88, "transaction record grew");

static sw_str txrec_method(const sw_corr *c, const struct txrec *r)
{
    if (!r->key.base)
        return c->bigkeys[r->key.u.big].method;
    return sw_str_make(r->key.base + r->key.u.r.method.off, r->key.u.r.method.len);
}

sw_str sw_corr_txn_method(const sw_corr *c, const sw_txn *x)
{
    const struct txrec *r = (const struct txrec *)(const void *)((const char *)x - offsetof(struct txrec, t));
    return txrec_method(c, r);
}

/* A slice of message `m` as an mref; false when it does not fit. */
static bool mref_of(const sw_msg *m, sw_str s, mref *r)
{
    r->off = r->len = 0;
    if (!s.len)
        return true;
    if (!m || s.p < m->data || s.p + s.len > m->data + m->len)
        return false;
    size_t off = (size_t)(s.p - m->data);
    if (off > UINT16_MAX || s.len > UINT16_MAX)
        return false;
    r->off = (uint16_t)off;
    r->len = (uint16_t)s.len;
    return true;
}

static bool txn_eq(const void *ctx, uint32_t id, const void *key)
{
    const sw_corr *c = ctx;
    const txkey *b = key;
    const txkey_c *q = &c->txr[id].key;
    if (q->rfc2543 != b->rfc2543 || q->port != b->port ||
        !sw_str_eq(txrec_method(c, &c->txr[id]), b->method))
        return false;
    if (q->rfc2543 && c->txr[id].t.cseq != b->cseq)
        return false;
    txkey a;
    txkey_load(c, id, &a);
    if (!a.rfc2543)
        return sw_str_eq(a.branch, b->branch) && sw_str_ieq(a.host, b->host);
    return sw_str_eq(a.call_id, b->call_id) && sw_str_eq(a.from_tag, b->from_tag) &&
           sw_str_eq(a.branch, b->branch) && sw_str_ieq(a.host, b->host);
}

static uint64_t txkey_hash(const txkey *k)
{
    /* Numbers go in as raw bytes: no formatting on the per-message path.
     * Hosts compare case-insensitively, so they are hashed folded. All of
     * sent-by is hashed, not only the branch: requests that repeat one
     * branch from many hosts or ports must not share a probe chain. */
    if (!k->rfc2543 && k->branch.len + k->method.len + k->host.len + 5 <= 256) {
        /* The common key in one pass: branch, method, folded host, port. */
        char buf[256];
        size_t n = 0;
        memcpy(buf, k->branch.p, k->branch.len); /* not empty: it has the cookie */
        n += k->branch.len;
        buf[n++] = '\xff';
        if (k->method.len)
            memcpy(buf + n, k->method.p, k->method.len);
        n += k->method.len;
        buf[n++] = '\xff';
        for (size_t i = 0; i < k->host.len; i++) {
            char ch = k->host.p[i];
            buf[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        }
        buf[n++] = '\xff';
        buf[n++] = (char)(k->port >> 8);
        buf[n++] = (char)k->port;
        return sw_hash(buf, n);
    }
    char port[2] = {(char)(k->port >> 8), (char)k->port};
    char host[256];
    size_t hl = SW_MIN(k->host.len, sizeof host);
    for (size_t i = 0; i < hl; i++)
        host[i] = (k->host.p[i] >= 'A' && k->host.p[i] <= 'Z') ? (char)(k->host.p[i] + 32)
                                                               : k->host.p[i];
    sw_str hs = sw_str_make(host, hl);
    if (!k->rfc2543) {
        sw_str parts[] = {k->branch, k->method, hs, sw_str_make(port, 2)};
        return hash_parts(parts, 4);
    }
    char cs[4] = {(char)(k->cseq >> 24), (char)(k->cseq >> 16), (char)(k->cseq >> 8),
                  (char)k->cseq};
    sw_str parts[] = {k->call_id, k->from_tag, sw_str_make(cs, 4), k->method, k->branch,
                      hs, sw_str_make(port, 2)};
    return hash_parts(parts, 7);
}

static uint32_t txn_new(sw_corr *c, const txkey *k, uint64_t h, uint32_t call,
                        const sw_msg *m)
{
    if (grow((void **)&c->txr, &c->txr_cap, c->ntxns + 1, sizeof *c->txr))
        return SW_NONE;
    txkey_c q;
    memset(&q, 0, sizeof q);
    q.base = m->data;
    q.port = k->port;
    q.rfc2543 = k->rfc2543;
    if (!mref_of(m, k->branch, &q.u.r.branch) || !mref_of(m, k->host, &q.u.r.host) ||
        !mref_of(m, k->call_id, &q.u.r.call_id) || !mref_of(m, k->from_tag, &q.u.r.from_tag) ||
        !mref_of(m, k->method, &q.u.r.method)) {
        if (grow((void **)&c->bigkeys, &c->bigkeys_cap, c->nbigkeys + 1, sizeof *c->bigkeys))
            return SW_NONE;
        c->bigkeys[c->nbigkeys] = *k;
        memset(&q.u, 0, sizeof q.u);
        q.base = NULL;
        q.u.big = (uint32_t)c->nbigkeys++;
    }
    uint32_t id = (uint32_t)c->ntxns++;
    sw_txn *x = &c->txr[id].t;
    memset(x, 0, sizeof *x);
    x->call = call;
    x->dialog = SW_NONE;
    x->cancel = SW_NONE;
    x->cseq = k->cseq;
    c->txr[id].key = q;
    if (k->rfc2543)
        x->flags |= SW_TXF_RFC2543;
    if (call != SW_NONE)
        c->calls[call].ntxns++;
    if (hi_put(&c->txn_ix, h, id))
        return SW_NONE;
    return id;
}

/* ---- dialogs ----------------------------------------------------------- */

static bool dlg_eq(const void *ctx, uint32_t id, const void *key)
{
    const sw_corr *c = ctx;
    const dkey *a = &c->dkeys[id], *b = key;
    return a->call == b->call && sw_str_eq(a->a, b->a) && sw_str_eq(a->b, b->b);
}

static dkey make_dkey(uint32_t call, sw_str t1, sw_str t2)
{
    dkey k;
    k.call = call;
    size_t n = SW_MIN(t1.len, t2.len);
    int cmp = n ? memcmp(t1.p, t2.p, n) : 0;
    if (cmp > 0 || (cmp == 0 && t1.len > t2.len)) {
        k.a = t2;
        k.b = t1;
    } else {
        k.a = t1;
        k.b = t2;
    }
    return k;
}

static uint64_t dkey_hash(const dkey *k)
{
    char cs[4] = {(char)(k->call >> 24), (char)(k->call >> 16), (char)(k->call >> 8),
                  (char)k->call};
    sw_str parts[] = {sw_str_make(cs, 4), k->a, k->b};
    return hash_parts(parts, 3);
}

static uint32_t dlg_find(const sw_corr *c, uint32_t call, sw_str t1, sw_str t2)
{
    dkey k = make_dkey(call, t1, t2);
    return hi_find(&c->dlg_ix, dkey_hash(&k), dlg_eq, c, &k);
}

static uint32_t dlg_new(sw_corr *c, uint32_t call, sw_str from_tag, sw_str to_tag,
                        sw_str method, uint64_t number)
{
    if (grow((void **)&c->dlgs, &c->dlgs_cap, c->ndlgs + 1, sizeof *c->dlgs) ||
        grow((void **)&c->dkeys, &c->dkeys_cap, c->ndlgs + 1, sizeof *c->dkeys) ||
        grow((void **)&c->dlg_prev, &c->dlg_prev_cap, c->ndlgs + 1, 4) ||
        sparse_reach(&c->call_last_dlg, &c->call_last_dlg_n, &c->call_last_dlg_cap, call))
        return SW_NONE;
    uint32_t id = (uint32_t)c->ndlgs++;
    c->dlg_prev[id] = c->call_last_dlg[call]; /* reached above */
    c->call_last_dlg[call] = id;
    sw_dialog *d = &c->dlgs[id];
    memset(d, 0, sizeof *d);
    d->call = call;
    d->from_tag = from_tag;
    d->to_tag = to_tag;
    d->method = method;
    d->created = number;
    c->dkeys[id] = make_dkey(call, from_tag, to_tag);
    c->calls[call].ndialogs++;
    if (hi_put(&c->dlg_ix, dkey_hash(&c->dkeys[id]), id))
        return SW_NONE;
    return id;
}

static void dlg_end(sw_dialog *d, sw_dlg_end why, uint64_t number)
{
    if (d->state == SW_DLG_TERMINATED)
        return;
    d->state = SW_DLG_TERMINATED;
    d->end = (uint8_t)why;
    d->ended = number;
}

/* ---- registrations ------------------------------------------------------- */

static bool reg_eq(const void *ctx, uint32_t id, const void *key)
{
    const sw_corr *c = ctx;
    return sw_str_ieq(c->regs[id].aor, *(const sw_str *)key);
}

static uint32_t reg_get(sw_corr *c, sw_str aor, uint32_t call, const sw_msg *m, uint64_t number)
{
    uint64_t h = sw_hash_ci(aor.p, aor.len);
    uint32_t id = hi_find(&c->reg_ix, h, reg_eq, c, &aor);
    if (id != SW_NONE)
        return id;
    if (grow((void **)&c->regs, &c->regs_cap, c->nregs + 1, sizeof *c->regs))
        return SW_NONE;
    id = (uint32_t)c->nregs++;
    sw_reg *r = &c->regs[id];
    memset(r, 0, sizeof *r);
    r->aor = aor;
    r->call = call;
    r->client = m->src;
    r->registrar = m->dst;
    r->first = number;
    if (hi_put(&c->reg_ix, h, id))
        return SW_NONE;
    return id;
}

/* ---- Session-ID ---------------------------------------------------------- */

static bool sess_eq(const void *ctx, uint32_t id, const void *key)
{
    const sw_corr *c = ctx;
    return sw_str_ieq(c->sess[id], *(const sw_str *)key);
}

/* Links call with every earlier call carrying the same UUID. */
static void sess_link(sw_corr *c, sw_str uuid, uint32_t call)
{
    if (uuid.len < 8)
        return;
    bool null_uuid = true;
    for (size_t i = 0; i < uuid.len; i++)
        if (uuid.p[i] != '0')
            null_uuid = false;
    if (null_uuid)
        return; /* RFC 7989's null UUID says "unknown", it links nothing */
    uint64_t h = sw_hash_ci(uuid.p, uuid.len);
    uint32_t id = hi_find(&c->sess_ix, h, sess_eq, c, &uuid);
    if (id != SW_NONE) {
        link_calls(c, call, c->sess_call[id], SW_LINK_SESSION_ID);
        return;
    }
    if (grow((void **)&c->sess, &c->sess_cap, c->nsess + 1, sizeof *c->sess) ||
        grow((void **)&c->sess_call, &c->sess_call_cap, c->nsess + 1, sizeof *c->sess_call))
        return;
    id = (uint32_t)c->nsess++;
    c->sess[id] = uuid;
    c->sess_call[id] = call;
    hi_put(&c->sess_ix, h, id);
}

/* ---- helpers on messages ------------------------------------------------- */

/* User part of a From/To-style header; *uri_out (optional) gets the URI.
 * Both are empty when the header is missing or does not parse. */
static sw_str hdr_user(const sw_sip_header *h, sw_str *uri_out)
{
    sw_sip_nameaddr na;
    sw_sip_uri u;
    if (uri_out)
        *uri_out = SW_STR_NULL;
    if (!h || sw_sip_nameaddr_parse(h->value, &na) != 0)
        return SW_STR_NULL;
    if (uri_out)
        *uri_out = na.uri;
    if (sw_sip_uri_parse(na.uri, &u) != 0)
        return SW_STR_NULL;
    return u.user;
}

/* URI without parameters and headers: "sip:alice@example.com". */
static sw_str uri_base(sw_str uri)
{
    for (size_t i = 0; i < uri.len; i++)
        if (uri.p[i] == ';' || uri.p[i] == '?' || uri.p[i] == '>')
            return sw_str_make(uri.p, i);
    return uri;
}

/* The parser's first pass keeps the tags and the top Via: no re-parse here. */
static bool top_via(const sw_sip_msg *s, sw_sip_via *v)
{
    if (!s->has_top_via)
        return false;
    *v = s->top_via;
    return true;
}

static bool is_method(sw_str m, const char *name) { return sw_str_eq_cstr(m, name); }

static uint32_t header_u32(const sw_sip_header *h, uint32_t dflt)
{
    uint64_t v;
    if (h && sw_str_to_u64(sw_str_trim(h->value), UINT32_MAX, &v))
        return (uint32_t)v;
    return dflt;
}

/* Expires granted by a REGISTER 2xx: the Contact's expires param, else the
 * Expires header, else 3600 (RFC 3261 10.2.1.1 default). */
static uint32_t reg_expires(const sw_sip_msg *s)
{
    const sw_sip_header *h = s->first[SW_HDR_CONTACT];
    if (h) {
        sw_str cur = h->value, item, v;
        while (sw_sip_list_next(&cur, &item)) {
            sw_sip_nameaddr na;
            uint64_t e;
            if (sw_sip_nameaddr_parse(item, &na) == 0 && sw_sip_param_get(na.params, "expires", &v) &&
                sw_str_to_u64(v, UINT32_MAX, &e))
                return (uint32_t)e;
        }
    }
    return header_u32(s->first[SW_HDR_EXPIRES], h ? 3600 : 0);
}

/* ---- per-message bookkeeping -------------------------------------------- */

static int msg_slots(sw_corr *c, uint64_t number)
{
    if (number <= c->m_cap)
        return 0;
    size_t nc = c->m_cap ? c->m_cap : 1024;
    while (nc < number)
        nc *= 2;
    uint32_t *a = realloc(c->m_txn, nc * 4);
    if (!a)
        return SW_ENOMEM;
    c->m_txn = a;
    /* Call, dialog and next-in-call per message only with the call model:
     * the transaction layer alone (history) saves their 12 bytes a message. */
    if (!c->o.transactions_only) {
        uint32_t *b, *d, *e;
        if (!(b = realloc(c->m_call, nc * 4)))
            return SW_ENOMEM;
        c->m_call = b;
        if (!(d = realloc(c->m_dlg, nc * 4)))
            return SW_ENOMEM;
        c->m_dlg = d;
        if (!(e = realloc(c->m_next, nc * 4)))
            return SW_ENOMEM;
        c->m_next = e;
    }
    uint8_t *f = realloc(c->m_flags, nc);
    if (!f)
        return SW_ENOMEM;
    c->m_flags = f;
    uint16_t *g = realloc(c->m_code, nc * 2);
    if (!g)
        return SW_ENOMEM;
    c->m_code = g;
    c->m_cap = nc;
    return 0;
}

/* ---- the state machine ------------------------------------------------- */

static void call_invite_response(sw_corr *c, sw_call *k, const sw_txn *x, const sw_msg *m,
                                 const sw_sip_msg *s, uint64_t number)
{
    int code = s->status;
    if (code < 200) {
        if (code > 100) {
            if (k->state == SW_CS_SETUP)
                k->state = SW_CS_RINGING;
            if (!k->ringing_msg && (code == 180 || code == 183))
                k->ringing_msg = (uint32_t)number;
        }
        return;
    }
    if (x->final != number)
        return; /* a retransmission of the final, or a second fork's final */
    k->final_code = (int16_t)code;
    k->final_msg = (uint32_t)number;
    k->ref_reason = ref_put(c, k, REF_REASON, m, s->reason);
    if (code < 300) {
        k->state = SW_CS_ANSWERED;
        if (!k->answer_msg)
            k->answer_msg = (uint32_t)number;
        return;
    }
    k->end_msg = (uint32_t)number;
    if (code == 486 || code == 600)
        k->state = SW_CS_BUSY;
    else if (code == 487 || (x->flags & SW_TXF_CANCELLED))
        k->state = SW_CS_CANCELLED;
    else if (code == 408)
        k->state = SW_CS_FAILED;
    else
        k->state = SW_CS_REJECTED;
    (void)c;
}

/* A REFER's Refer-To: remember its target for the INVITE it will cause. */
static void note_refer(sw_corr *c, uint32_t call, const sw_msg *m, const sw_sip_msg *s)
{
    sw_str uri;
    sw_str user = hdr_user(s->first[SW_HDR_REFER_TO], &uri);
    if (grow((void **)&c->refers, &c->refers_cap, c->nrefers + 1, sizeof *c->refers))
        return;
    refer_rec *r = &c->refers[c->nrefers++];
    r->call = call;
    r->target_user = user;
    r->ts = m->ts_ns;
    r->used = false;
    const sw_endpoint *dst = sw_trace_endpoint(c->t, m->dst);
    if (dst)
        r->transferee = dst->addr;
    else
        memset(&r->transferee, 0, sizeof r->transferee);
}

/* Links a new initial INVITE to the calls it continues. */
static void link_invite(sw_corr *c, uint32_t call, const sw_msg *m, const sw_sip_msg *s)
{
    const sw_sip_header *h = s->first[SW_HDR_REPLACES];
    if (h) {
        sw_str v = sw_str_trim(h->value);
        const char *semi = sw_str_chr(v, ';');
        sw_str cid = semi ? sw_str_make(v.p, (size_t)(semi - v.p)) : v;
        uint32_t other = sw_corr_find_call(c, sw_str_trim(cid));
        if (other != SW_NONE) {
            link_calls(c, call, other, SW_LINK_REPLACES);
        }
    }
    /* Blind transfer: the transferee's INVITE to the Refer-To target, carrying
     * Referred-By or going to the same user, within the REFER's 32 s window. */
    sw_sip_uri ru;
    bool have_ru = sw_sip_uri_parse(s->ruri, &ru) == 0;
    bool referred = s->first[SW_HDR_REFERRED_BY] != NULL;
    for (size_t i = c->nrefers; i-- > 0;) {
        refer_rec *r = &c->refers[i];
        if (m->ts_ns - r->ts > 32ll * 1000000000ll)
            break; /* REFERs are in time order: the rest are older still */
        if (r->call == call || r->used)
            continue;
        /* Only the transferee (the REFER's recipient) acts on a REFER: an
         * INVITE to the same user from anyone else is another call. */
        const sw_endpoint *src = sw_trace_endpoint(c->t, m->src);
        if (!src || !sw_addr_eq(&src->addr, &r->transferee))
            continue;
        bool same_user = have_ru && r->target_user.len && sw_str_eq(ru.user, r->target_user);
        if (same_user || (referred && !r->target_user.len)) {
            r->used = true;
            link_calls(c, call, r->call, SW_LINK_REFER);
            break;
        }
    }
    /* Correlation headers set by B2BUAs and SBCs. */
    static const sw_hdr_type corr[] = {SW_HDR_X_CALL_ID, SW_HDR_X_CID};
    for (size_t i = 0; i < SW_ARRAY_LEN(corr); i++) {
        h = s->first[corr[i]];
        if (h) {
            uint32_t other = sw_corr_find_call(c, sw_str_trim(h->value));
            link_calls(c, call, other, SW_LINK_HEADER);
        }
    }
    for (size_t i = 0; i < c->o.nlink_headers; i++) {
        h = sw_sip_hdr_find(s, sw_str_cstr(c->o.link_headers[i]));
        if (h) {
            uint32_t other = sw_corr_find_call(c, sw_str_trim(h->value));
            link_calls(c, call, other, SW_LINK_HEADER);
        }
    }
}

/* Session-ID (RFC 7989): "local-uuid;remote=remote-uuid". */
static void note_session_id(sw_corr *c, uint32_t call, const sw_sip_msg *s)
{
    const sw_sip_header *h = s->first[SW_HDR_SESSION_ID];
    if (!h)
        return;
    sw_str v = sw_str_trim(h->value);
    const char *semi = sw_str_chr(v, ';');
    sw_str local = semi ? sw_str_make(v.p, (size_t)(semi - v.p)) : v;
    sess_link(c, sw_str_trim(local), call);
    if (semi) {
        sw_str params = sw_str_make(semi + 1, v.len - (size_t)(semi - v.p) - 1), remote;
        if (sw_sip_param_get(params, "remote", &remote))
            sess_link(c, sw_str_trim(remote), call);
    }
}

static sw_call_kind kind_of(sw_str method)
{
    static const struct {
        const char *m;
        sw_call_kind k;
    } map[] = {{"INVITE", SW_CALL_INVITE},   {"REGISTER", SW_CALL_REGISTER},
               {"SUBSCRIBE", SW_CALL_SUBSCRIBE}, {"OPTIONS", SW_CALL_OPTIONS},
               {"MESSAGE", SW_CALL_MESSAGE}, {"NOTIFY", SW_CALL_NOTIFY},
               {"REFER", SW_CALL_REFER}};
    for (size_t i = 0; i < SW_ARRAY_LEN(map); i++)
        if (sw_str_eq_cstr(method, map[i].m))
            return map[i].k;
    return SW_CALL_OTHER;
}

static sw_sub *sub_find(sw_corr *c, uint32_t call, sw_str event, sw_str id)
{
    for (uint32_t i = sparse_get(c->call_last_sub, c->call_last_sub_n, call); i != SW_NONE;
         i = c->sub_prev[i]) {
        sw_sub *u = &c->subs[i];
        /* A REFER's implicit subscription has no id of its own until its
         * NOTIFYs name one (Event: refer;id=CSeq). */
        if (sw_str_ieq(u->event, event) && (!id.len || !u->id.len || sw_str_eq(u->id, id)))
            return u;
    }
    return NULL;
}

/* A new subscription of `call`, zeroed; NULL when out of memory. */
static sw_sub *sub_new(sw_corr *c, uint32_t call)
{
    if (grow((void **)&c->subs, &c->subs_cap, c->nsubs + 1, sizeof *c->subs) ||
        grow((void **)&c->sub_prev, &c->sub_prev_cap, c->nsubs + 1, 4) ||
        sparse_reach(&c->call_last_sub, &c->call_last_sub_n, &c->call_last_sub_cap, call))
        return NULL;
    uint32_t id = (uint32_t)c->nsubs++;
    sw_sub *u = &c->subs[id];
    memset(u, 0, sizeof *u);
    u->call = call;
    u->dialog = SW_NONE;
    c->sub_prev[id] = c->call_last_sub[call]; /* reached above */
    c->call_last_sub[call] = id;
    return u;
}

static void split_event(const sw_sip_header *h, sw_str *event, sw_str *id)
{
    *event = SW_STR_NULL;
    *id = SW_STR_NULL;
    if (!h)
        return;
    sw_str v = sw_str_trim(h->value);
    const char *semi = sw_str_chr(v, ';');
    *event = sw_str_trim(semi ? sw_str_make(v.p, (size_t)(semi - v.p)) : v);
    if (semi)
        sw_sip_param_get(sw_str_make(semi + 1, v.len - (size_t)(semi - v.p) - 1), "id", id);
}

static void on_request(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s,
                       uint32_t call, uint32_t tx, bool retrans)
{
    sw_call *k = &c->calls[call];
    sw_txn *x = &c->txr[tx].t;
    sw_str method = s->method;
    sw_str to_tag = s->to_tag;
    sw_str from_tag = s->from_tag;
    bool ack = is_method(method, "ACK"), cancel = is_method(method, "CANCEL");

    /* Dialog membership of requests with a To tag (in-dialog requests). */
    if (to_tag.len && !cancel) {
        uint32_t d = dlg_find(c, call, from_tag, to_tag);
        if (d == SW_NONE) {
            if (!(ack && sw_corr_txn_method(c, x).len && is_method(sw_corr_txn_method(c, x), "INVITE")))
                c->m_flags[number - 1] |= SW_MF_NO_DIALOG;
        } else {
            sw_dialog *dg = &c->dlgs[d];
            c->m_dlg[number - 1] = d;
            x->dialog = d;
            if (!retrans) {
                /* The ACK of the call's own final response and the BYE's
                 * retransmissions are part of the ending, not after it. */
                if (dg->state == SW_DLG_TERMINATED && !ack)
                    c->m_flags[number - 1] |= SW_MF_AFTER_END;
                if (!ack) {
                    dg->nrequests++;
                    /* RFC 3261 12.2.2: CSeq grows per sender within a dialog. */
                    bool from_caller = sw_str_eq(from_tag, dg->from_tag);
                    uint32_t *last = from_caller ? &dg->cseq_caller : &dg->cseq_callee;
                    if (*last && s->cseq <= *last)
                        c->m_flags[number - 1] |= SW_MF_CSEQ_ORDER;
                    else
                        *last = s->cseq;
                }
                if (is_method(method, "BYE")) {
                    dlg_end(dg, SW_DLG_END_BYE, number);
                    if (k->state == SW_CS_ANSWERED) {
                        k->state = SW_CS_COMPLETED;
                        k->end_msg = (uint32_t)number;
                    }
                }
            }
        }
    }
    if (retrans)
        return;
    if (cancel) {
        /* The INVITE it cancels has the same branch and sent-by. */
        txkey ik;
        txkey_load(c, tx, &ik);
        ik.method = sw_str_cstr("INVITE");
        uint32_t inv = hi_find(&c->txn_ix, txkey_hash(&ik), txn_eq, c, &ik);
        if (inv != SW_NONE) {
            c->txr[inv].t.cancel = tx;
            c->txr[inv].t.flags |= SW_TXF_CANCELLED;
        }
        return;
    }
    if (!to_tag.len) {
        /* An initial request: it starts a usage. */
        sw_call_kind kind = kind_of(method);
        if (kind == SW_CALL_INVITE) {
            bool first_invite = k->invite_txn == SW_NONE;
            k->kind = SW_CALL_INVITE;
            k->invite_txn = tx;
            if (first_invite) {
                k->invite = (uint32_t)number;
                call_set_users(c, k, m, s);
                link_invite(c, call, m, s);
            }
            /* A second initial INVITE (after a 401/407 challenge) restarts setup. */
            k->state = SW_CS_SETUP;
            k->final_code = 0;
            k->end_msg = 0;
        } else if (k->kind == SW_CALL_OTHER && !k->invite) {
            /* The first initial request names the kind of a non-INVITE call. */
            k->kind = (uint8_t)kind;
            k->invite = (uint32_t)number;
            call_set_users(c, k, m, s);
        }
        if (kind == SW_CALL_REGISTER) {
            sw_str uri;
            hdr_user(s->first[SW_HDR_TO], &uri);
            uint32_t r = reg_get(c, uri_base(uri), call, m, number);
            if (r != SW_NONE) {
                c->regs[r].attempts++;
                c->regs[r].last = number;
            }
        }
        if (kind == SW_CALL_SUBSCRIBE || kind == SW_CALL_REFER) {
            sw_sub *u = sub_new(c, call);
            if (u) {
                u->created = number;
                if (kind == SW_CALL_REFER) {
                    u->implicit = true;
                    u->event = sw_str_cstr("refer");
                } else {
                    split_event(s->first[SW_HDR_EVENT], &u->event, &u->id);
                }
            }
        }
    }
    if (is_method(method, "REFER")) {
        note_refer(c, call, m, s);
        sw_sub *u = to_tag.len ? sub_new(c, call) : NULL;
        if (u) {
            u->dialog = c->m_dlg[number - 1];
            u->created = number;
            u->implicit = true;
            u->event = sw_str_cstr("refer");
        }
    }
    if (is_method(method, "NOTIFY")) {
        sw_str ev, id;
        split_event(s->first[SW_HDR_EVENT], &ev, &id);
        sw_sub *u = sub_find(c, call, ev, id);
        if (u) {
            u->notifies++;
            const sw_sip_header *ss = s->first[SW_HDR_SUBSCRIPTION_STATE];
            if (ss && sw_str_iprefix(sw_str_trim(ss->value), "terminated") && !u->terminated)
                u->terminated = number;
        }
    }
    if (is_method(method, "INVITE") || is_method(method, "UPDATE"))
        note_session_id(c, call, s);
}

/* Records a response in its transaction; returns true when it is a
 * retransmission of the first final response (same code, same To tag, same
 * two endpoints). */
static bool response_seen(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s,
                          uint32_t tx)
{
    sw_txn *x = &c->txr[tx].t;
    int code = s->status;
    bool retrans = false;
    /* sw_corr_finish() in the middle of a live capture may have called it
     * unanswered; an answer says otherwise. */
    x->flags &= (uint16_t)~SW_TXF_TIMEOUT;
    if (code < 200) {
        if (!x->first_prov)
            x->first_prov = number;
    } else if (!x->final) {
        x->final = number;
        x->final_code = code;
    } else if (x->final_code == code) {
        sw_sip_header hh[64];
        sw_sip_msg first;
        const sw_msg *fm = sw_trace_get(c->t, x->final);
        /* Same code and same To tag as the first final: a retransmission. A
         * different tag is another fork's answer. */
        sw_str tag = s->to_tag;
        if (fm && fm->src == m->src && fm->dst == m->dst &&
            sw_trace_parse(c->t, fm, &first, hh, SW_ARRAY_LEN(hh)) > 0 &&
            sw_str_eq(tag, first.to_tag)) {
            retrans = true;
            x->resp_retrans++;
            c->m_flags[number - 1] |= SW_MF_RETRANS;
        }
    }
    return retrans;
}

static void on_response(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s,
                        uint32_t call, uint32_t tx)
{
    sw_call *k = &c->calls[call];
    sw_txn *x = &c->txr[tx].t;
    int code = s->status;
    if (response_seen(c, number, m, s, tx))
        return;
    sw_str method = sw_corr_txn_method(c, x).len ? sw_corr_txn_method(c, x) : s->cseq_method;
    sw_str to_tag = s->to_tag;
    sw_str from_tag = s->from_tag;
    bool dialog_creating = is_method(method, "INVITE") || is_method(method, "SUBSCRIBE") ||
                           is_method(method, "REFER");
    bool initial = x->dialog == SW_NONE;
    if (dialog_creating && initial && to_tag.len && code > 100 && code < 300) {
        uint32_t d = dlg_find(c, call, from_tag, to_tag);
        if (d == SW_NONE) {
            d = dlg_new(c, call, from_tag, to_tag, method, number);
            if (d != SW_NONE)
                c->dlgs[d].cseq_caller = x->cseq;
        }
        if (d != SW_NONE) {
            sw_dialog *dg = &c->dlgs[d];
            c->m_dlg[number - 1] = d;
            if (code >= 200 && dg->state == SW_DLG_EARLY) {
                dg->state = SW_DLG_CONFIRMED;
                dg->confirmed = number;
            }
            for (uint32_t i = sparse_get(c->call_last_sub, c->call_last_sub_n, call); i != SW_NONE;
                 i = c->sub_prev[i])
                if (c->subs[i].dialog == SW_NONE && c->subs[i].created == x->request)
                    c->subs[i].dialog = d;
        }
    } else if (!initial) {
        c->m_dlg[number - 1] = x->dialog;
    }
    if (is_method(method, "INVITE") && code >= 300 && initial) {
        /* A failed INVITE ends its early dialogs: walk this call's dialogs
         * only (newest first), never the whole capture's. */
        for (uint32_t di = sparse_get(c->call_last_dlg, c->call_last_dlg_n, call); di != SW_NONE;
             di = c->dlg_prev[di]) {
            sw_dialog *dg = &c->dlgs[di];
            if (dg->state == SW_DLG_EARLY)
                dlg_end(dg, code == 487 ? SW_DLG_END_CANCEL : SW_DLG_END_FAILURE, number);
        }
    }
    if (is_method(method, "INVITE") && tx == k->invite_txn)
        call_invite_response(c, k, x, m, s, number);
    else if (k->kind != SW_CALL_INVITE && code >= 200 && x->final == number &&
             sw_str_eq(method, sw_corr_txn_method(c, x)) && kind_of(method) == (sw_call_kind)k->kind) {
        /* A registration, subscription or OPTIONS call: its latest final
         * (401 then 200 leaves 200), so failures show in `calls --all`. */
        k->final_code = (int16_t)code;
        k->final_msg = (uint32_t)number;
        k->ref_reason = ref_put(c, k, REF_REASON, m, s->reason);
    }
    if (is_method(method, "REGISTER") && code >= 200) {
        sw_str uri;
        hdr_user(s->first[SW_HDR_TO], &uri);
        uint32_t r = reg_get(c, uri_base(uri), call, m, number);
        if (r != SW_NONE) {
            sw_reg *g = &c->regs[r];
            g->last_code = code;
            g->last = number;
            if (code == 401 || code == 407) {
                g->challenges++;
            } else if (code < 300) {
                g->ok++;
                g->last_ok = number;
                g->expires = reg_expires(s);
                g->t_expiry = g->expires ? m->ts_ns + (int64_t)g->expires * 1000000000 : 0;
                const sw_sip_header *ct = s->first[SW_HDR_CONTACT];
                if (ct) {
                    sw_sip_nameaddr na;
                    if (sw_sip_nameaddr_parse(ct->value, &na) == 0)
                        g->contact = na.uri;
                }
            } else {
                g->failed++;
            }
        }
    }
    if ((is_method(method, "SUBSCRIBE") || is_method(method, "REFER")) && code >= 200) {
        for (uint32_t i = sparse_get(c->call_last_sub, c->call_last_sub_n, call); i != SW_NONE;
         i = c->sub_prev[i]) {
            sw_sub *u = &c->subs[i];
            if (u->created == x->request) {
                if (code >= 300 && !u->terminated)
                    u->terminated = number;
                else if (code < 300) {
                    uint32_t e = header_u32(s->first[SW_HDR_EXPIRES], 0);
                    if (e)
                        u->t_expiry = m->ts_ns + (int64_t)e * 1000000000;
                }
                break;
            }
        }
    }
}

static int corr_add(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s);

int sw_corr_add(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s)
{
    int rc = corr_add(c, number, m, s);
    return rc ? rc : c->oom ? SW_ENOMEM : 0;
}

static int corr_add(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *s)
{
    if (number == 0 || number > SW_CORR_MAX_MSGS) {
        c->over_limit++;
        return 0;
    }
    if (msg_slots(c, number))
        return SW_ENOMEM;
    size_t i = number - 1;
    c->m_txn[i] = SW_NONE;
    if (!c->o.transactions_only) {
        c->m_dlg[i] = SW_NONE;
        c->m_next[i] = 0;
        c->m_call[i] = SW_NONE;
    }
    c->m_flags[i] = 0;
    if (number > c->m_count)
        c->m_count = number;
    c->m_code[i] = s->is_request || s->status < 0 || s->status > 999 ? 0 : (uint16_t)s->status;
    c->last_ts = m->ts_ns;

    uint32_t call = SW_NONE;
    if (!c->o.transactions_only) {
        call = call_get(c, s->call_id, number, m);
        if (call == SW_CORR_FULL) {
            /* Past the calls bound: the message stays in the trace (history
             * shows it) but takes no part in the model. */
            c->m_call[i] = SW_NONE;
            c->over_limit++;
            return 0;
        }
        if (call == SW_NONE)
            return SW_ENOMEM;
        sw_call *k = &c->calls[call];
        /* k->last: the call's previous message (0 for a new call) */
        if (k->last && k->last - 1 < c->m_cap)
            c->m_next[k->last - 1] = (uint32_t)number;
        k->last = number;
        k->nmsgs++;
        c->m_call[i] = call;
    }

    /* Transaction key. */
    txkey key;
    memset(&key, 0, sizeof key);
    sw_sip_via v;
    bool have_via = top_via(s, &v);
    if (have_via) {
        key.branch = v.branch;
        key.host = v.host;
        key.port = v.port;
    }
    sw_str method = s->is_request ? s->method : s->cseq_method;
    /* ACK of a non-2xx final belongs to the INVITE transaction (same branch);
     * an ACK of a 2xx has a branch of its own and so a transaction of its own. */
    key.method = is_method(method, "ACK") ? sw_str_cstr("INVITE") : method;
    key.rfc2543 = !(key.branch.len >= 7 && memcmp(key.branch.p, "z9hG4bK", 7) == 0);
    key.cseq = s->cseq;
    if (key.rfc2543) {
        key.call_id = s->call_id;
        key.from_tag = s->from_tag;
    }
    uint64_t h = txkey_hash(&key);
    uint32_t tx = hi_find(&c->txn_ix, h, txn_eq, c, &key);
    if (s->is_request) {
        bool retrans = false;
        bool ack = is_method(s->method, "ACK");
        bool ack_of_failure = ack && tx != SW_NONE && c->txr[tx].t.request &&
                              c->txr[tx].t.final_code >= 300;
        if (ack_of_failure) {
            /* RFC 3261 17.1.1.3: the ACK of a non-2xx final is part of the
             * INVITE transaction (same branch). */
            const sw_msg *first_ack = c->txr[tx].t.ack ? sw_trace_get(c->t, c->txr[tx].t.ack) : NULL;
            if (c->txr[tx].t.ack && (!first_ack || (first_ack->src == m->src && first_ack->dst == m->dst)))
                retrans = true;
            else
                c->txr[tx].t.ack = number;
        } else {
            if (ack) {
                /* The ACK of a 2xx is a transaction of its own (17.1.1.3). */
                key.method = sw_str_cstr("ACK");
                h = txkey_hash(&key);
                tx = hi_find(&c->txn_ix, h, txn_eq, c, &key);
            }
            /* The same request again between the same two endpoints is a
             * retransmission; a copy on another hop (a transparent proxy,
             * a capture on two interfaces) is the transaction seen elsewhere. */
            if (tx != SW_NONE && c->txr[tx].t.request && c->txr[tx].t.client == m->src &&
                c->txr[tx].t.server == m->dst)
                retrans = true;
            if (tx == SW_NONE) {
                tx = txn_new(c, &key, h, call, m);
                if (tx == SW_NONE)
                    return SW_ENOMEM;
            }
            sw_txn *x = &c->txr[tx].t;
            if (!x->request) {
                x->request = number;
                x->client = m->src;
                x->server = m->dst;
            } else if (retrans) {
                x->retrans++;
            }
        }
        sw_txn *x = &c->txr[tx].t;
        if (retrans)
            c->m_flags[i] |= SW_MF_RETRANS;
        x->last = number;
        x->nmsgs++;
        c->m_txn[i] = tx;
        if (call != SW_NONE)
            on_request(c, number, m, s, call, tx, retrans);
    } else {
        if (tx == SW_NONE) {
            tx = txn_new(c, &key, h, call, m);
            if (tx == SW_NONE)
                return SW_ENOMEM;
            c->txr[tx].t.flags |= SW_TXF_STRAY;
            c->txr[tx].t.client = m->dst;
            c->txr[tx].t.server = m->src;
        }
        sw_txn *x = &c->txr[tx].t;
        if (!x->request)
            c->m_flags[i] |= SW_MF_STRAY;
        x->last = number;
        x->nmsgs++;
        c->m_txn[i] = tx;
        if (call != SW_NONE)
            on_response(c, number, m, s, call, tx);
        else
            response_seen(c, number, m, s, tx);
    }
    return 0;
}

void sw_corr_finish(sw_corr *c, int64_t now_ns)
{
    if (!now_ns)
        now_ns = c->last_ts;
    /* Transactions that never got an answer. */
    for (size_t i = 0; i < c->ntxns; i++) {
        sw_txn *x = &c->txr[i].t;
        if (x->request && !x->first_prov && !x->final && x->retrans > 0 &&
            !is_method(sw_corr_txn_method(c, x), "ACK"))
            x->flags |= SW_TXF_TIMEOUT;
    }
    for (size_t i = 0; i < c->ncalls; i++) {
        sw_call *k = &c->calls[i];
        if (k->kind == SW_CALL_INVITE) {
            if (k->state == SW_CS_SETUP && k->invite_txn != SW_NONE &&
                (c->txr[k->invite_txn].t.flags & SW_TXF_TIMEOUT)) {
                const sw_txn *x = &c->txr[k->invite_txn].t;
                const sw_msg *last = sw_trace_get(c->t, x->last);
                const sw_msg *first = sw_trace_get(c->t, x->request);
                /* Timer B is 64*T1 = 32 s: past it, the caller gave up. */
                if (last && first && last->ts_ns - first->ts_ns >= 16ll * 1000000000ll) {
                    k->state = SW_CS_FAILED;
                    k->end_msg = x->last;
                }
            }
            k->ongoing = k->state == SW_CS_SETUP || k->state == SW_CS_RINGING ||
                         k->state == SW_CS_ANSWERED;
        }
        uint32_t r = uf_root(c, (uint32_t)i);
        k->conversation = r;
    }
    for (size_t i = 0; i < c->ncalls; i++)
        c->calls[c->calls[i].conversation].legs = 0;
    for (size_t i = 0; i < c->ncalls; i++)
        c->calls[c->calls[i].conversation].legs++;
    for (size_t i = 0; i < c->ncalls; i++)
        c->calls[i].legs = c->calls[c->calls[i].conversation].legs;
    (void)now_ns;
}

/* ---- accessors ----------------------------------------------------------- */

const sw_corr_opts *sw_corr_get_opts(const sw_corr *c) { return &c->o; }

uint32_t sw_corr_call_shown(const sw_corr *c, uint32_t i)
{
    if (i < c->nshown)
        return c->shown[i];
    return i + 1 + c->shown_base;
}

int sw_corr_inherit_shown(sw_corr *c, const sw_corr *old, const uint32_t *call_map)
{
    size_t k = 0;
    for (size_t i = 0; i < old->ncalls; i++)
        if (call_map[i] != SW_NONE && call_map[i] + 1 > k)
            k = call_map[i] + 1;
    uint32_t *sh = calloc(k ? k : 1, sizeof *sh);
    if (!sh)
        return SW_ENOMEM;
    for (size_t i = 0; i < old->ncalls; i++)
        if (call_map[i] != SW_NONE)
            sh[call_map[i]] = sw_corr_call_shown(old, (uint32_t)i);
    free(c->shown);
    c->shown = sh;
    c->nshown = k;
    /* the last number shown; new calls (index k on) continue after it */
    uint32_t last = old->ncalls ? sw_corr_call_shown(old, (uint32_t)old->ncalls - 1)
                                : old->shown_base;
    c->shown_base = last - (uint32_t)k;
    return 0;
}

size_t sw_corr_mem(const sw_corr *c)
{
    return sizeof *c + c->calls_cap * sizeof *c->calls + c->bigstr_cap * sizeof *c->bigstr +
           c->txr_cap * sizeof *c->txr + c->bigkeys_cap * sizeof *c->bigkeys +
           c->dlgs_cap * sizeof *c->dlgs + c->dkeys_cap * sizeof *c->dkeys +
           c->regs_cap * sizeof *c->regs + c->subs_cap * sizeof *c->subs +
           c->refers_cap * sizeof *c->refers +
           (c->call_last_dlg_cap + c->dlg_prev_cap + c->call_last_sub_cap + c->sub_prev_cap) *
               sizeof(uint32_t) +
           c->sess_cap * sizeof *c->sess + c->sess_call_cap * sizeof *c->sess_call +
           (c->call_ix.n + c->txn_ix.n + c->dlg_ix.n + c->reg_ix.n + c->sess_ix.n) *
               sizeof(hslot) +
           c->m_cap * (4 * sizeof(uint32_t) + sizeof(uint8_t) + sizeof(uint16_t)) +
           c->nshown * sizeof(uint32_t);
}

size_t sw_corr_ncalls(const sw_corr *c) { return c->ncalls; }
uint64_t sw_corr_over_limit(const sw_corr *c) { return c->over_limit; }
const sw_call *sw_corr_call(const sw_corr *c, uint32_t i) { return i < c->ncalls ? &c->calls[i] : NULL; }
size_t sw_corr_ntxns(const sw_corr *c) { return c->ntxns; }
const sw_txn *sw_corr_txn(const sw_corr *c, uint32_t i) { return i < c->ntxns ? &c->txr[i].t : NULL; }
size_t sw_corr_ndialogs(const sw_corr *c) { return c->ndlgs; }
const sw_dialog *sw_corr_dialog(const sw_corr *c, uint32_t i) { return i < c->ndlgs ? &c->dlgs[i] : NULL; }
size_t sw_corr_nregs(const sw_corr *c) { return c->nregs; }
const sw_reg *sw_corr_reg(const sw_corr *c, uint32_t i) { return i < c->nregs ? &c->regs[i] : NULL; }
size_t sw_corr_nsubs(const sw_corr *c) { return c->nsubs; }
const sw_sub *sw_corr_sub(const sw_corr *c, uint32_t i) { return i < c->nsubs ? &c->subs[i] : NULL; }

static bool have_msg(const sw_corr *c, uint64_t n) { return n >= 1 && n <= c->m_count; }

uint32_t sw_corr_msg_txn(const sw_corr *c, uint64_t n) { return have_msg(c, n) ? c->m_txn[n - 1] : SW_NONE; }
uint32_t sw_corr_msg_call(const sw_corr *c, uint64_t n) { return have_msg(c, n) && c->m_call ? c->m_call[n - 1] : SW_NONE; }
uint32_t sw_corr_msg_dialog(const sw_corr *c, uint64_t n) { return have_msg(c, n) && c->m_dlg ? c->m_dlg[n - 1] : SW_NONE; }
uint8_t sw_corr_msg_flags(const sw_corr *c, uint64_t n) { return have_msg(c, n) ? c->m_flags[n - 1] : 0; }
uint16_t sw_corr_msg_code(const sw_corr *c, uint64_t n) { return have_msg(c, n) ? c->m_code[n - 1] : 0; }

uint64_t sw_corr_call_next(const sw_corr *c, uint32_t call, uint64_t number)
{
    if (call >= c->ncalls)
        return 0;
    if (number == 0)
        return c->calls[call].first;
    if (!have_msg(c, number) || !c->m_next)
        return 0;
    return c->m_next[number - 1];
}
