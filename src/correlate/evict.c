/*
 * evict: what a new generation of a live capture keeps, and building it.
 *
 * A usage is settled when nothing more is expected of it: an INVITE call
 * that is over (answered and ended, rejected, cancelled, failed) and has
 * been quiet for 64*T1 (the retransmissions of its last transaction and a
 * late ACK are behind it); any other usage quiet for as long, unless it is a
 * subscription not terminated or a registration whose expiry is ahead. A call not over that has
 * been quiet for hours (a BYE the capture missed) is given up as stale, or it
 * would be kept for ever. What is not settled always stays, whatever the
 * memory: a live call never loses a message. Settled usages stay too, the
 * newest first, while their estimated cost fits the budget, so the terminal
 * interface still shows the last minutes.
 */
#include "correlate.h"

#include <stdlib.h>

#define SETTLE_NS (32ll * 1000000000ll)
#define STALE_NS (4ll * 3600 * 1000000000ll)
/* Estimated memory of one message beyond its bytes: its record, the model's
 * per-message arrays and a share of a transaction with its hash slot. */
#define MSG_COST (sizeof(sw_msg) + 24 + 48)
#define CALL_COST (sizeof(sw_call) + 64)

bool sw_call_over(const sw_call *k)
{
    if (k->kind != SW_CALL_INVITE)
        return false;
    switch ((sw_call_state)k->state) {
    case SW_CS_COMPLETED:
    case SW_CS_CANCELLED:
    case SW_CS_BUSY:
    case SW_CS_REJECTED:
    case SW_CS_FAILED: return true;
    default: return false;
    }
}

typedef struct cand {
    int64_t t_last;
    uint32_t call;
} cand;

static int cand_newest_first(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->t_last != y->t_last)
        return x->t_last < y->t_last ? 1 : -1;
    return x->call < y->call ? 1 : -1;
}

void sw_corr_evict_plan(const sw_trace *t, const sw_corr *c, const sw_evict_opts *o,
                        bool *keep_call, bool *keep_msg, sw_evict_stats *st)
{
    int64_t settle = o->settle_ns > 0 ? o->settle_ns : SETTLE_NS;
    int64_t stale = o->stale_ns > 0 ? o->stale_ns : STALE_NS;
    size_t ncalls = sw_corr_ncalls(c), count = sw_trace_count(t);
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        int64_t quiet = o->now_ns - sw_corr_call_t_last(c, k);
        bool settled;
        if (k->kind == SW_CALL_INVITE && !sw_call_over(k)) {
            settled = quiet >= stale;
            st->calls_stale += settled;
        } else {
            settled = quiet >= settle;
        }
        keep_call[i] = !settled;
    }
    for (size_t i = 0; i < sw_corr_nsubs(c); i++) {
        const sw_sub *s = sw_corr_sub(c, (uint32_t)i);
        if (s->terminated || s->call >= ncalls || keep_call[s->call])
            continue;
        int64_t quiet = o->now_ns - sw_corr_call_t_last(c, sw_corr_call(c, s->call));
        if (s->t_expiry ? o->now_ns < s->t_expiry + settle : quiet < stale)
            keep_call[s->call] = true;
    }
    /* A registration stays while its binding runs (the diagnosis reports one
     * that expires without a refresh): one REGISTER usage per device. */
    for (size_t i = 0; i < sw_corr_nregs(c); i++) {
        const sw_reg *r = sw_corr_reg(c, (uint32_t)i);
        if (r->call < ncalls && r->t_expiry && o->now_ns < r->t_expiry + settle)
            keep_call[r->call] = true;
    }
    /* The legs linked to an unsettled call stay with it. Conversation ids
     * are call indexes (union-find roots): one pass marks the roots. Without
     * memory for the marks, the legs are not kept together (no harm beyond a
     * link lost). */
    bool *root = calloc(ncalls ? ncalls : 1, sizeof *root);
    if (root) {
        for (size_t i = 0; i < ncalls; i++) {
            uint32_t r = sw_corr_call(c, (uint32_t)i)->conversation;
            if (keep_call[i] && r < ncalls)
                root[r] = true;
        }
        for (size_t i = 0; i < ncalls; i++) {
            uint32_t r = sw_corr_call(c, (uint32_t)i)->conversation;
            if (r < ncalls && root[r])
                keep_call[i] = true;
        }
        free(root);
    }
    for (size_t i = 0; i < ncalls; i++)
        st->calls_unsettled += keep_call[i];
    /* The settled calls, newest first, while their cost fits the budget
     * (without memory to sort them, none is kept). */
    uint64_t *cost = calloc(ncalls ? ncalls : 1, sizeof *cost);
    cand *cd = malloc((ncalls ? ncalls : 1) * sizeof *cd);
    if (cost && cd) {
        for (uint64_t n = 1; n <= count; n++) {
            uint32_t call = sw_corr_msg_call(c, n);
            if (call < ncalls && !keep_call[call])
                cost[call] += sw_trace_get(t, n)->len + MSG_COST;
        }
        size_t ncd = 0;
        for (size_t i = 0; i < ncalls; i++) {
            if (keep_call[i])
                continue;
            cd[ncd].t_last = sw_corr_call_t_last(c, sw_corr_call(c, (uint32_t)i));
            cd[ncd++].call = (uint32_t)i;
        }
        qsort(cd, ncd, sizeof *cd, cand_newest_first);
        uint64_t used = 0;
        for (size_t j = 0; j < ncd; j++) {
            uint64_t need = cost[cd[j].call] + CALL_COST;
            if (used + need > o->keep_bytes)
                break;
            used += need;
            keep_call[cd[j].call] = true;
        }
    }
    free(cost);
    free(cd);
    for (uint64_t n = 1; n <= count; n++) {
        uint32_t call = sw_corr_msg_call(c, n);
        bool keep;
        if (call < ncalls)
            keep = keep_call[call];
        else /* a message of no call (the calls bound, a stray): while recent */
            keep = o->now_ns - sw_trace_get(t, n)->ts_ns < settle;
        keep_msg[n - 1] = keep;
        st->msgs_kept += keep;
    }
    st->msgs_evicted = count - st->msgs_kept;
    for (size_t i = 0; i < ncalls; i++)
        st->calls_kept += keep_call[i];
    st->calls_evicted = ncalls - st->calls_kept;
}

static int add_sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    return sw_corr_add(ud, number, m, sip);
}

int sw_corr_next_generation(const sw_trace *t, const sw_corr *c, const bool *keep_msg,
                            sw_trace **ntp, sw_corr **ncp, uint64_t *msg_map, uint32_t *call_map)
{
    sw_trace *nt = sw_trace_successor(t, keep_msg, msg_map);
    if (!nt)
        return SW_ENOMEM;
    sw_corr *nc = sw_corr_new(nt, sw_corr_get_opts(c));
    if (!nc || sw_trace_replay(nt, add_sink, nc)) {
        sw_corr_free(nc);
        sw_trace_free(nt);
        return SW_ENOMEM;
    }
    for (size_t i = 0; i < sw_corr_ncalls(c); i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        uint64_t nn = k->first ? msg_map[k->first - 1] : 0;
        call_map[i] = nn ? sw_corr_msg_call(nc, nn) : SW_NONE;
    }
    if (sw_corr_inherit_shown(nc, c, call_map)) {
        sw_corr_free(nc);
        sw_trace_free(nt);
        return SW_ENOMEM;
    }
    *ntp = nt;
    *ncp = nc;
    return 0;
}
