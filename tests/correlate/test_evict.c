/*
 * evict tests: what a new generation of a live capture keeps
 * (sw_corr_evict_plan), and that the generation built from it
 * (sw_corr_next_generation, sw_trace_successor) is the same model with the
 * numbers the user saw (sw_trace_shown, sw_corr_call_shown).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <unistd.h>

#include "common/pcapw.h"
#include "common/scenario.h"

#define SEC 1000000000ll

/* Four calls, a message a second (message k at k - 1 s after the first):
 *   call 1  msgs 1-5   INVITE 200 ACK BYE 200   completed
 *   call 2  msgs 6-8   INVITE 200 ACK           answered, still going
 *   call 3  msgs 9-10  OPTIONS 200              a usage that is not a call
 *   call 4  msgs 11-13 INVITE 486 ACK           busy */
static const m four[] = {
    {0, "INVITE sip:b@y SIP/2.0", BR("1"), "f1", NULL, "c1", 1, "INVITE", NULL},
    {1, "SIP/2.0 200 OK", BR("1"), "f1", "t1", "c1", 1, "INVITE", NULL},
    {0, "ACK sip:b@y SIP/2.0", BR("2"), "f1", "t1", "c1", 1, "ACK", NULL},
    {0, "BYE sip:b@y SIP/2.0", BR("3"), "f1", "t1", "c1", 2, "BYE", NULL},
    {1, "SIP/2.0 200 OK", BR("3"), "f1", "t1", "c1", 2, "BYE", NULL},
    {0, "INVITE sip:b@y SIP/2.0", BR("4"), "f2", NULL, "c2", 1, "INVITE", NULL},
    {1, "SIP/2.0 200 OK", BR("4"), "f2", "t2", "c2", 1, "INVITE", NULL},
    {0, "ACK sip:b@y SIP/2.0", BR("5"), "f2", "t2", "c2", 1, "ACK", NULL},
    {0, "OPTIONS sip:b@y SIP/2.0", BR("6"), "f3", NULL, "c3", 1, "OPTIONS", NULL},
    {1, "SIP/2.0 200 OK", BR("6"), "f3", "t3", "c3", 1, "OPTIONS", NULL},
    {0, "INVITE sip:b@y SIP/2.0", BR("7"), "f4", NULL, "c4", 1, "INVITE", NULL},
    {1, "SIP/2.0 486 Busy Here", BR("7"), "f4", "t4", "c4", 1, "INVITE", NULL},
    {0, "ACK sip:b@y SIP/2.0", BR("7"), "f4", "t4", "c4", 1, "ACK", NULL},
};

static int64_t t_of(const model *md, uint64_t n) { return sw_trace_get(md->t, n)->ts_ns; }

static void plan(const model *md, int64_t now, size_t budget, bool *kc, bool *km,
                 sw_evict_stats *st)
{
    sw_evict_opts o;
    memset(&o, 0, sizeof o);
    o.now_ns = now;
    o.keep_bytes = budget;
    sw_corr_evict_plan(md->t, md->c, &o, kc, km, st);
}

static void test_plan(void **state)
{
    (void)state;
    model md = build(four, N(four), 1000);
    assert_int_equal(sw_corr_ncalls(md.c), 4);
    bool kc[4], km[13];
    sw_evict_stats st;
    /* 100 s after the last message, no budget: only the call still going */
    plan(&md, t_of(&md, 13) + 100 * SEC, 0, kc, km, &st);
    assert_false(kc[0]);
    assert_true(kc[1]);
    assert_false(kc[2]);
    assert_false(kc[3]);
    for (int n = 1; n <= 13; n++)
        assert_int_equal(km[n - 1], n >= 6 && n <= 8);
    assert_int_equal(st.calls_kept, 1);
    assert_int_equal(st.calls_evicted, 3);
    assert_int_equal(st.msgs_kept, 3);
    assert_int_equal(st.msgs_evicted, 10);
    assert_int_equal(st.calls_stale, 0);
    /* 10 s after: nothing has been quiet for 64*T1 yet */
    plan(&md, t_of(&md, 13) + 10 * SEC, 0, kc, km, &st);
    assert_int_equal(st.msgs_evicted, 0);
    /* 25 s after: the first call has been quiet 33 s (settled), the OPTIONS
     * 28 s and the busy call 25 s (not yet) */
    plan(&md, t_of(&md, 13) + 25 * SEC, 0, kc, km, &st);
    assert_false(kc[0]);
    assert_true(kc[1] && kc[2] && kc[3]);
    /* five hours on: the call without an end is given up */
    plan(&md, t_of(&md, 13) + 5 * 3600 * SEC, 0, kc, km, &st);
    assert_false(kc[1]);
    assert_int_equal(st.calls_stale, 1);
    assert_int_equal(st.msgs_evicted, 13);
    /* a budget keeps settled calls newest first: with any budget, a call kept
     * means every newer settled call is kept too */
    size_t seen_sets = 0;
    bool last[4] = {0};
    for (size_t budget = 0; budget < 64 * 1024; budget += 256) {
        plan(&md, t_of(&md, 13) + 100 * SEC, budget, kc, km, &st);
        if (kc[0])
            assert_true(kc[2] && kc[3]);
        if (kc[2])
            assert_true(kc[3]);
        if (memcmp(last, kc, sizeof kc)) {
            seen_sets++;
            memcpy(last, kc, sizeof kc);
        }
    }
    assert_true(kc[0] && kc[1] && kc[2] && kc[3]); /* a big budget keeps all */
    assert_true(seen_sets >= 4); /* {2}, {2,4}, {2,3,4}, all: each in turn */
    drop(&md);
}

/* A registration stays while its binding runs (120 s here), then goes. */
static void test_plan_keeps_registration(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("1"), "fa", NULL, "r1", 1, "REGISTER", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "rt", "r1", 1, "REGISTER",
         "Contact: <sip:b@10.0.0.1:5060>;expires=120\r\n"},
    };
    model md = build(s, N(s), 1000);
    assert_int_equal(sw_corr_nregs(md.c), 1);
    bool kc[1], km[2];
    sw_evict_stats st;
    plan(&md, t_of(&md, 2) + 100 * SEC, 0, kc, km, &st);
    assert_true(kc[0]);
    plan(&md, t_of(&md, 2) + 200 * SEC, 0, kc, km, &st);
    assert_false(kc[0]);
    drop(&md);
}

/* A leg linked to a call still going stays with it (the transfer question
 * needs both legs). */
static void test_plan_keeps_linked_legs(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {1, "REFER sip:a@x SIP/2.0", BR("3"), "tb", "fa", "c1", 1, "REFER",
         "Refer-To: <sip:300@pbx>\r\nReferred-By: <sip:b@y>\r\n"},
        {0, "SIP/2.0 202 Accepted", BR("3"), "tb", "fa", "c1", 1, "REFER", NULL},
        {0, "INVITE sip:300@pbx SIP/2.0", BR("5"), "fx", NULL, "c2", 1, "INVITE",
         "Referred-By: <sip:b@y>\r\n"},
        {1, "SIP/2.0 200 OK", BR("5"), "fx", "ty", "c2", 1, "INVITE", NULL},
        {1, "BYE sip:a@x SIP/2.0", BR("8"), "tb", "fa", "c1", 2, "BYE", NULL},
        {0, "SIP/2.0 200 OK", BR("8"), "tb", "fa", "c1", 2, "BYE", NULL},
    };
    model md = build(s, N(s), 1000);
    assert_int_equal(sw_corr_call(md.c, 0)->conversation, sw_corr_call(md.c, 1)->conversation);
    bool kc[2], km[N(s)];
    sw_evict_stats st;
    plan(&md, t_of(&md, N(s)) + 100 * SEC, 0, kc, km, &st);
    assert_true(kc[1]); /* answered, going on */
    assert_true(kc[0]); /* over, but the other leg of a call still going */
    assert_int_equal(st.msgs_evicted, 0);
    drop(&md);
}

/* The next generation: the kept messages renumbered 1..K, shown with the
 * numbers they had; calls the same, shown with theirs; new numbers go on
 * from the last ones shown. */
static void test_next_generation(void **state)
{
    (void)state;
    model md = build(four, N(four), 1000);
    bool kc[4], km[13];
    sw_evict_stats st;
    plan(&md, t_of(&md, 13) + 100 * SEC, 0, kc, km, &st);
    /* keep call 4 as well (as a budget would), to have two calls and a hole */
    for (int n = 11; n <= 13; n++)
        km[n - 1] = true;
    uint64_t msg_map[13];
    uint32_t call_map[4];
    sw_trace *nt = NULL;
    sw_corr *nc = NULL;
    assert_int_equal(sw_corr_next_generation(md.t, md.c, km, &nt, &nc, msg_map, call_map), 0);
    sw_corr_finish(nc, 0);
    assert_int_equal(sw_trace_count(nt), 6);
    const uint64_t want_map[13] = {0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6};
    for (int i = 0; i < 13; i++)
        assert_int_equal(msg_map[i], want_map[i]);
    for (uint64_t n = 1; n <= 6; n++) {
        uint64_t old = n <= 3 ? n + 5 : n + 7;
        assert_int_equal(sw_trace_shown(nt, n), old);
        assert_int_equal(sw_trace_unshown(nt, old), n);
        /* the bytes are copies, the same bytes */
        const sw_msg *a = sw_trace_get(md.t, old), *b = sw_trace_get(nt, n);
        assert_int_equal(a->len, b->len);
        assert_memory_equal(a->data, b->data, a->len);
        assert_true(a->data != b->data);
        assert_int_equal(a->ts_ns, b->ts_ns);
    }
    assert_int_equal(sw_trace_unshown(nt, 1), 0);  /* let go */
    assert_int_equal(sw_trace_unshown(nt, 10), 0); /* let go */
    assert_int_equal(sw_trace_unshown(nt, 14), 0); /* not yet seen */
    assert_int_equal(sw_trace_shown(nt, 7), 14);   /* the next message */
    assert_int_equal(sw_trace_unshown(nt, 0), 0);
    /* the model of the kept messages */
    assert_int_equal(sw_corr_ncalls(nc), 2);
    assert_int_equal(call_map[0], SW_NONE);
    assert_int_equal(call_map[1], 0);
    assert_int_equal(call_map[2], SW_NONE);
    assert_int_equal(call_map[3], 1);
    assert_int_equal(sw_corr_call_shown(nc, 0), 2);
    assert_int_equal(sw_corr_call_shown(nc, 1), 4);
    assert_int_equal(sw_corr_call_shown(nc, 2), 5); /* the next call */
    for (uint32_t i = 0; i < 2; i++) {
        const sw_call *a = sw_corr_call(md.c, i ? 3 : 1), *b = sw_corr_call(nc, i);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->state, b->state);
        assert_int_equal(a->nmsgs, b->nmsgs);
        assert_int_equal(a->final_code, b->final_code);
        assert_true(sw_str_eq(sw_corr_call_id(md.c, a), sw_corr_call_id(nc, b)));
        assert_int_equal(sw_corr_call_t_start(md.c, a), sw_corr_call_t_start(nc, b));
        assert_int_equal(sw_trace_shown(nt, b->first), a->first);
        assert_int_equal(sw_trace_shown(nt, b->last), a->last);
    }
    assert_true(sw_corr_mem(nc) > 0);
    assert_true(sw_trace_mem(nt) > 0);
    /* a generation of a generation keeps the first numbers */
    bool km2[6] = {false, false, false, true, true, true};
    uint64_t map2[6];
    uint32_t cmap2[2];
    sw_trace *nt2 = NULL;
    sw_corr *nc2 = NULL;
    assert_int_equal(sw_corr_next_generation(nt, nc, km2, &nt2, &nc2, map2, cmap2), 0);
    assert_int_equal(sw_trace_count(nt2), 3);
    assert_int_equal(sw_trace_shown(nt2, 1), 11);
    assert_int_equal(sw_trace_shown(nt2, 3), 13);
    assert_int_equal(sw_trace_shown(nt2, 4), 14);
    assert_int_equal(sw_corr_call_shown(nc2, 0), 4);
    assert_int_equal(sw_corr_call_shown(nc2, 1), 5);
    sw_corr_free(nc2);
    sw_trace_free(nt2);
    sw_corr_free(nc);
    sw_trace_free(nt);
    drop(&md);
}

/* Keeping everything rebuilds the same model (the code that built the first). */
static void test_generation_keeps_all(void **state)
{
    (void)state;
    model md = build(four, N(four), 1);
    bool km[13];
    for (int i = 0; i < 13; i++)
        km[i] = true;
    uint64_t msg_map[13];
    uint32_t call_map[4];
    sw_trace *nt = NULL;
    sw_corr *nc = NULL;
    assert_int_equal(sw_corr_next_generation(md.t, md.c, km, &nt, &nc, msg_map, call_map), 0);
    sw_corr_finish(nc, 0);
    assert_int_equal(sw_corr_ncalls(nc), 4);
    assert_int_equal(sw_corr_ntxns(nc), sw_corr_ntxns(md.c));
    assert_int_equal(sw_corr_ndialogs(nc), sw_corr_ndialogs(md.c));
    for (uint64_t n = 1; n <= 13; n++) {
        assert_int_equal(msg_map[n - 1], n);
        assert_int_equal(sw_trace_shown(nt, n), n);
        assert_int_equal(sw_corr_msg_call(nc, n), sw_corr_msg_call(md.c, n));
        assert_int_equal(sw_corr_msg_flags(nc, n), sw_corr_msg_flags(md.c, n));
        assert_int_equal(sw_corr_msg_txn(nc, n), sw_corr_msg_txn(md.c, n));
    }
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(call_map[i], i);
        assert_int_equal(sw_corr_call_shown(nc, i), i + 1);
        assert_memory_equal(sw_corr_call(nc, i), sw_corr_call(md.c, i), sizeof(sw_call));
    }
    sw_corr_free(nc);
    sw_trace_free(nt);
    drop(&md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_keeps_linked_legs),
        cmocka_unit_test(test_plan_keeps_registration),
        cmocka_unit_test(test_next_generation),
        cmocka_unit_test(test_generation_keeps_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
