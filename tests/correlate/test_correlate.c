/*
 * correlate tests: each matching rule on a minimal message sequence.
 *
 * A scenario is a list of messages between A (10.0.0.1:5060) and B
 * (10.0.0.2:5060); the test writes them into a pcap, reads it through trace
 * and correlate exactly as the commands do, and checks the model.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "correlate/correlate.h"
#include "trace/trace.h"

#include "common/pcapw.h"

#include "common/scenario.h"


/* A message over 64 KiB (TCP) whose Call-ID, From and To lie past the first
 * 64 KiB: the call's strings cannot be kept as 16-bit offsets and go to the
 * side table, and still read back whole. */
static void test_call_strings_past_64k(void **state)
{
    (void)state;
    size_t cap = 100000;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int len = snprintf(buf, cap, "INVITE sip:bob@y SIP/2.0\r\n"
                                 "Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bKbig\r\n");
    while (len < 70000)
        len += snprintf(buf + len, cap - (size_t)len, "X-Pad: %0690d\r\n", len);
    len += snprintf(buf + len, cap - (size_t)len,
                    "From: <sip:alice@x>;tag=fa\r\nTo: <sip:bob@y>\r\nCall-ID: big-call\r\n"
                    "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    pw w = {0};
    pw_header(&w);
    uint32_t seq = 1;
    for (int off = 0; off < len; off += 1400) {
        size_t n = (size_t)SW_MIN(1400, len - off);
        pw_frame(&w, 1000, (uint32_t)off, scen_a, scen_b, 40000, 5060, true, seq, buf + off, n);
        seq += (uint32_t)n;
    }
    const char *resp = "SIP/2.0 486 Busy Here\r\n"
                       "Via: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bKbig\r\n"
                       "From: <sip:alice@x>;tag=fa\r\nTo: <sip:bob@y>;tag=tb\r\n"
                       "Call-ID: big-call\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    pw_frame(&w, 1001, 0, scen_b, scen_a, 5060, 40000, true, 1, resp, strlen(resp));
    free(buf);
    char *path = pw_save(&w, false);
    free(w.buf);
    model md = scen_read(path, NULL);
    assert_int_equal(sw_trace_count(md.t), 2);
    assert_true(sw_trace_get(md.t, 1)->len > 70000);
    assert_int_equal(sw_corr_ncalls(md.c), 1);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_true(k->ref_big != 0); /* the side table was used */
    assert_true(sw_str_eq_cstr(sw_corr_call_id(md.c, k), "big-call"));
    assert_true(sw_str_eq_cstr(sw_corr_call_from(md.c, k), "alice"));
    assert_true(sw_str_eq_cstr(sw_corr_call_to(md.c, k), "bob"));
    assert_int_equal(k->final_code, 486);
    assert_true(sw_str_eq_cstr(sw_corr_call_reason(md.c, k), "Busy Here"));
    assert_int_equal(sw_corr_find_call(md.c, sw_str_cstr("big-call")), 0);
    assert_int_equal(sw_corr_msg_call(md.c, 2), 0);
    drop(&md);
}

static void test_basic_call(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 100 Trying", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ncalls(md.c), 1);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_int_equal(k->state, SW_CS_COMPLETED);
    assert_false(k->ongoing);
    assert_int_equal(k->final_code, 200);
    assert_int_equal(k->nmsgs, 7);
    assert_int_equal(k->ndialogs, 1);
    assert_int_equal(k->ntxns, 3); /* INVITE, ACK of the 2xx, BYE */
    /* times and strings come from the messages they were taken from */
    assert_int_equal(k->ringing_msg, 3);
    assert_int_equal(k->answer_msg, 4);
    assert_int_equal(k->end_msg, 6);
    assert_true(sw_corr_call_t_ringing(md.c, k) > sw_corr_call_t_start(md.c, k));
    assert_true(sw_corr_call_t_answer(md.c, k) > sw_corr_call_t_ringing(md.c, k));
    assert_int_equal(sw_corr_call_t_end(md.c, k), sw_trace_get(md.t, 6)->ts_ns);
    assert_int_equal(sw_corr_call_t_start(md.c, k), sw_trace_get(md.t, 1)->ts_ns);
    assert_true(sw_str_eq_cstr(sw_corr_call_id(md.c, k), "c1"));
    assert_true(sw_str_eq_cstr(sw_corr_call_from(md.c, k), "a"));
    assert_true(sw_str_eq_cstr(sw_corr_call_to(md.c, k), "b"));
    assert_true(sw_str_eq_cstr(sw_corr_call_reason(md.c, k), "OK"));
    assert_int_equal(sw_corr_call_src(md.c, k), sw_trace_get(md.t, 1)->src);
    assert_int_equal(sw_corr_call_dst(md.c, k), sw_trace_get(md.t, 1)->dst);
    assert_int_equal(sw_corr_find_call(md.c, sw_str_cstr("c1")), 0);
    const sw_dialog *d = sw_corr_dialog(md.c, 0);
    assert_int_equal(d->state, SW_DLG_TERMINATED);
    assert_int_equal(d->end, SW_DLG_END_BYE);
    assert_int_equal(d->created, 3);
    assert_int_equal(d->confirmed, 4);
    assert_int_equal(d->ended, 6);
    for (uint64_t i = 1; i <= 7; i++)
        assert_int_equal(sw_corr_msg_flags(md.c, i), 0);
    assert_int_equal(sw_corr_msg_txn(md.c, 5), sw_corr_msg_txn(md.c, 5));
    assert_int_not_equal(sw_corr_msg_txn(md.c, 5), sw_corr_msg_txn(md.c, 1));
    assert_int_equal(sw_corr_msg_txn(md.c, 4), sw_corr_msg_txn(md.c, 1));
    /* message chain of the call */
    uint64_t n = 0, cnt = 0;
    while ((n = sw_corr_call_next(md.c, 0, n)) != 0)
        cnt++;
    assert_int_equal(cnt, 7);
    /* Out of range numbers answer "nothing", not stale memory. */
    assert_int_equal(sw_corr_msg_txn(md.c, 8), SW_NONE);
    assert_int_equal(sw_corr_msg_call(md.c, 0), SW_NONE);
    assert_int_equal(sw_corr_msg_code(md.c, 4), 200);
    assert_int_equal(sw_corr_msg_code(md.c, 1), 0);
    drop(&md);
}

static void test_retransmissions(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
    };
    model md = build(s, N(s), 500);
    assert_int_equal(sw_corr_msg_flags(md.c, 1), 0);
    assert_true(sw_corr_msg_flags(md.c, 2) & SW_MF_RETRANS);
    assert_int_equal(sw_corr_msg_flags(md.c, 3), 0);
    assert_true(sw_corr_msg_flags(md.c, 4) & SW_MF_RETRANS);
    assert_int_equal(sw_corr_msg_flags(md.c, 5), 0);
    assert_true(sw_corr_msg_flags(md.c, 6) & SW_MF_RETRANS);
    const sw_txn *x = sw_corr_txn(md.c, sw_corr_msg_txn(md.c, 1));
    assert_int_equal(x->retrans, 1);
    assert_int_equal(x->resp_retrans, 1);
    assert_int_equal(x->final, 3);
    assert_int_equal(sw_corr_call(md.c, 0)->state, SW_CS_ANSWERED);
    assert_true(sw_corr_call(md.c, 0)->ongoing);
    drop(&md);
}

/* ACK of a non-2xx final is part of the INVITE transaction; of a 2xx, not. */
static void test_ack_non2xx(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 486 Busy Here", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ntxns(md.c), 1);
    const sw_txn *x = sw_corr_txn(md.c, 0);
    assert_int_equal(x->ack, 3);
    assert_int_equal(x->final_code, 486);
    assert_int_equal(sw_corr_msg_flags(md.c, 3), 0);
    assert_true(sw_corr_msg_flags(md.c, 4) & SW_MF_RETRANS);
    assert_false(sw_corr_msg_flags(md.c, 3) & SW_MF_NO_DIALOG);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_int_equal(k->state, SW_CS_BUSY);
    assert_false(k->ongoing);
    drop(&md);
}

static void test_cancel(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "CANCEL sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "CANCEL", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "CANCEL", NULL},
        {1, "SIP/2.0 487 Request Terminated", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ntxns(md.c), 2);
    uint32_t inv = sw_corr_msg_txn(md.c, 1), can = sw_corr_msg_txn(md.c, 3);
    assert_int_not_equal(inv, can);
    assert_int_equal(sw_corr_msg_txn(md.c, 4), can);
    assert_int_equal(sw_corr_msg_txn(md.c, 5), inv);
    assert_int_equal(sw_corr_msg_txn(md.c, 6), inv);
    const sw_txn *x = sw_corr_txn(md.c, inv);
    assert_true(x->flags & SW_TXF_CANCELLED);
    assert_int_equal(x->cancel, can);
    assert_int_equal(sw_corr_txn(md.c, can)->final_code, 200);
    assert_int_equal(sw_corr_call(md.c, 0)->state, SW_CS_CANCELLED);
    const sw_dialog *d = sw_corr_dialog(md.c, 0);
    assert_int_equal(d->state, SW_DLG_TERMINATED);
    assert_int_equal(d->end, SW_DLG_END_CANCEL);
    drop(&md);
}

/* Two forks answer with different tags: two dialogs, no retransmission. */
static void test_forking(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "t1", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "t2", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "t2", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "t1", "c1", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ndialogs(md.c), 2);
    assert_int_equal(sw_corr_dialog(md.c, 0)->state, SW_DLG_CONFIRMED);
    assert_int_equal(sw_corr_dialog(md.c, 1)->state, SW_DLG_CONFIRMED);
    assert_false(sw_corr_msg_flags(md.c, 5) & SW_MF_RETRANS);
    assert_int_equal(sw_corr_msg_dialog(md.c, 4), 1);
    assert_int_equal(sw_corr_msg_dialog(md.c, 5), 0);
    assert_int_equal(sw_corr_call(md.c, 0)->final_msg, 4);
    drop(&md);
}

static void test_stray_and_unknown_dialog(void **state)
{
    (void)state;
    const m s[] = {
        {1, "SIP/2.0 200 OK", BR("x"), "fa", "tb", "c9", 1, "INVITE", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("y"), "fa", "tb", "c9", 2, "BYE", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("z"), "fa", "zz", "c9", 3, "BYE", NULL},
        {1, "SIP/2.0 481 Call/Transaction Does Not Exist", BR("z"), "fa", "zz", "c9", 3, "BYE",
         NULL},
    };
    model md = build(s, N(s), 1);
    assert_true(sw_corr_msg_flags(md.c, 1) & SW_MF_STRAY);
    assert_true(sw_corr_txn(md.c, sw_corr_msg_txn(md.c, 1))->flags & SW_TXF_STRAY);
    /* A 2xx whose INVITE came before the capture still establishes the dialog
     * (the capture started mid-call): a BYE with its tags belongs to it. */
    assert_int_equal(sw_corr_ndialogs(md.c), 1);
    assert_false(sw_corr_msg_flags(md.c, 2) & SW_MF_NO_DIALOG);
    assert_int_equal(sw_corr_msg_dialog(md.c, 2), 0);
    /* Tags nobody saw: no dialog. */
    assert_true(sw_corr_msg_flags(md.c, 3) & SW_MF_NO_DIALOG);
    assert_false(sw_corr_msg_flags(md.c, 4) & SW_MF_STRAY);
    assert_int_equal(sw_corr_txn(md.c, sw_corr_msg_txn(md.c, 3))->final_code, 481);
    drop(&md);
}

static void test_after_end_and_cseq(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 10, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 10, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 10, "ACK", NULL},
        {0, "INFO sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 11, "INFO", NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 11, "INFO", NULL},
        {0, "INFO sip:b@y SIP/2.0", BR("4"), "fa", "tb", "c1", 9, "INFO", NULL},
        {1, "BYE sip:a@x SIP/2.0", BR("5"), "tb", "fa", "c1", 1, "BYE", NULL},
        {0, "SIP/2.0 200 OK", BR("5"), "tb", "fa", "c1", 1, "BYE", NULL},
        {0, "INFO sip:b@y SIP/2.0", BR("6"), "fa", "tb", "c1", 12, "INFO", NULL},
        {1, "SIP/2.0 481 Call Leg/Transaction Does Not Exist", BR("6"), "fa", "tb", "c1", 12,
         "INFO", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_msg_flags(md.c, 4), 0);
    assert_true(sw_corr_msg_flags(md.c, 6) & SW_MF_CSEQ_ORDER); /* 9 after 11 */
    assert_int_equal(sw_corr_msg_flags(md.c, 7) & SW_MF_CSEQ_ORDER, 0); /* callee's own */
    assert_true(sw_corr_msg_flags(md.c, 9) & SW_MF_AFTER_END);
    const sw_dialog *d = sw_corr_dialog(md.c, 0);
    assert_int_equal(d->ended, 7);
    assert_int_equal(sw_corr_call(md.c, 0)->state, SW_CS_COMPLETED);
    drop(&md);
}

/* re-INVITE glare: both sides re-INVITE at once and both get 491. */
static void test_glare(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "INVITE", NULL},
        {1, "INVITE sip:a@x SIP/2.0", BR("4"), "tb", "fa", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 491 Request Pending", BR("3"), "fa", "tb", "c1", 2, "INVITE", NULL},
        {0, "SIP/2.0 491 Request Pending", BR("4"), "tb", "fa", "c1", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_int_equal(k->state, SW_CS_ANSWERED); /* re-INVITEs do not change the call */
    assert_int_equal(k->final_code, 200);
    uint32_t t1 = sw_corr_msg_txn(md.c, 4), t2 = sw_corr_msg_txn(md.c, 5);
    assert_int_not_equal(t1, t2);
    assert_int_equal(sw_corr_txn(md.c, t1)->final_code, 491);
    assert_int_equal(sw_corr_txn(md.c, t2)->final_code, 491);
    assert_int_equal(sw_corr_txn(md.c, t1)->dialog, 0);
    assert_int_equal(sw_corr_txn(md.c, t2)->dialog, 0);
    assert_int_equal(sw_corr_ndialogs(md.c), 1);
    assert_int_equal(sw_corr_dialog(md.c, 0)->state, SW_DLG_CONFIRMED);
    drop(&md);
}

/* INVITE challenged with 407, sent again with credentials, answered. */
static void test_auth_retry(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 407 Proxy Authentication Required", BR("1"), "fa", "p1", "c1", 1, "INVITE",
         NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "p1", "c1", 1, "ACK", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("2"), "fa", NULL, "c1", 2, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("2"), "fa", "tb", "c1", 2, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_int_equal(k->state, SW_CS_ANSWERED);
    assert_int_equal(k->final_code, 200);
    assert_int_equal(k->invite, 1);
    assert_int_equal(k->invite_txn, sw_corr_msg_txn(md.c, 4));
    drop(&md);
}

static void test_register(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("1"), "fa", NULL, "r1", 1, "REGISTER", NULL},
        {1, "SIP/2.0 401 Unauthorized", BR("1"), "fa", "rt", "r1", 1, "REGISTER",
         "WWW-Authenticate: Digest realm=\"y\", nonce=\"n1\"\r\n"},
        {0, "REGISTER sip:y SIP/2.0", BR("2"), "fa", NULL, "r1", 2, "REGISTER",
         "Authorization: Digest username=\"b\", realm=\"y\", nonce=\"n1\", uri=\"sip:y\", "
         "response=\"0123\"\r\n"},
        {1, "SIP/2.0 200 OK", BR("2"), "fa", "rt", "r1", 2, "REGISTER",
         "Contact: <sip:b@10.0.0.1:5060>;expires=120\r\n"},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_nregs(md.c), 1);
    const sw_reg *r = sw_corr_reg(md.c, 0);
    assert_int_equal(r->attempts, 2);
    assert_int_equal(r->challenges, 1);
    assert_int_equal(r->ok, 1);
    assert_int_equal(r->failed, 0);
    assert_int_equal(r->expires, 120);
    assert_int_equal(r->last_ok, 4);
    assert_true(sw_str_eq_cstr(r->aor, "sip:b@y"));
    assert_int_equal(sw_corr_call(md.c, 0)->kind, SW_CALL_REGISTER);
    drop(&md);
}

/* Blind transfer: REFER in call c1, then the transferee's INVITE in c2. */
static void test_blind_transfer(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {1, "REFER sip:a@x SIP/2.0", BR("3"), "tb", "fa", "c1", 1, "REFER",
         "Refer-To: <sip:300@pbx>\r\nReferred-By: <sip:b@y>\r\n"},
        {0, "SIP/2.0 202 Accepted", BR("3"), "tb", "fa", "c1", 1, "REFER", NULL},
        {0, "NOTIFY sip:b@y SIP/2.0", BR("4"), "fa", "tb", "c1", 2, "NOTIFY",
         "Event: refer\r\nSubscription-State: active\r\n"},
        {0, "INVITE sip:300@pbx SIP/2.0", BR("5"), "fx", NULL, "c2", 1, "INVITE",
         "Referred-By: <sip:b@y>\r\n"},
        {1, "SIP/2.0 200 OK", BR("5"), "fx", "ty", "c2", 1, "INVITE", NULL},
        {0, "NOTIFY sip:b@y SIP/2.0", BR("6"), "fa", "tb", "c1", 3, "NOTIFY",
         "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n"},
        {0, "INVITE sip:999@pbx SIP/2.0", BR("7"), "fz", NULL, "c3", 1, "INVITE", NULL},
        /* someone else (B, not the transferee A) calls the same target: another call */
        {1, "INVITE sip:300@pbx SIP/2.0", BR("8"), "fw", NULL, "c4", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ncalls(md.c), 4);
    assert_int_equal(sw_corr_call(md.c, 3)->legs, 1);
    assert_int_equal(sw_corr_call(md.c, 3)->link_prev, SW_NONE);
    const sw_call *c1 = sw_corr_call(md.c, 0), *c2 = sw_corr_call(md.c, 1),
                  *c3 = sw_corr_call(md.c, 2);
    assert_int_equal(c2->conversation, c1->conversation);
    assert_int_equal(c2->link_prev, 0);
    assert_int_equal(c2->link_how, SW_LINK_REFER);
    assert_int_equal(c1->legs, 2);
    assert_int_not_equal(c3->conversation, c1->conversation);
    assert_int_equal(c3->legs, 1);
    /* The REFER's implicit subscription: created, two NOTIFYs, terminated. */
    assert_int_equal(sw_corr_nsubs(md.c), 1);
    const sw_sub *u = sw_corr_sub(md.c, 0);
    assert_true(u->implicit);
    assert_int_equal(u->created, 4);
    assert_int_equal(u->notifies, 2);
    assert_int_equal(u->terminated, 9);
    drop(&md);
}

static void test_replaces_and_headers(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE",
         "Session-ID: ab30317f1a784dc48ff824d0d3715d86\r\n"},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("2"), "fc", NULL, "c2", 1, "INVITE",
         "Replaces: c1;to-tag=tb;from-tag=fa\r\n"},
        {0, "INVITE sip:q@y SIP/2.0", BR("3"), "fd", NULL, "c3", 1, "INVITE",
         "X-Call-ID: c2\r\n"},
        {0, "INVITE sip:r@y SIP/2.0", BR("4"), "fe", NULL, "c4", 1, "INVITE",
         "Session-ID: 00000000000000000000000000000000\r\n"},
        {0, "INVITE sip:r@y SIP/2.0", BR("5"), "ff", NULL, "c5", 1, "INVITE",
         "Session-ID: 00000000000000000000000000000000\r\n"},
        {0, "INVITE sip:s@y SIP/2.0", BR("6"), "fg", NULL, "c6", 1, "INVITE",
         "Session-ID: 47755a9de7794ba387653f2099600ef2;remote=ab30317f1a784dc48ff824d0d3715d86\r\n"},
    };
    model md = build(s, N(s), 1);
    const sw_call *c2 = sw_corr_call(md.c, 1), *c3 = sw_corr_call(md.c, 2),
                  *c4 = sw_corr_call(md.c, 3), *c5 = sw_corr_call(md.c, 4),
                  *c6 = sw_corr_call(md.c, 5);
    assert_int_equal(c2->link_how, SW_LINK_REPLACES);
    assert_int_equal(c2->conversation, 0);
    assert_int_equal(c3->link_how, SW_LINK_HEADER);
    assert_int_equal(c3->conversation, 0);
    assert_int_equal(c6->link_how, SW_LINK_SESSION_ID);
    assert_int_equal(c6->conversation, 0);
    assert_int_equal(sw_corr_call(md.c, 0)->legs, 4);
    /* The null Session-ID links nothing. */
    assert_int_not_equal(c4->conversation, c5->conversation);
    assert_int_equal(c4->legs, 1);
    drop(&md);
}

/* Branches without the magic cookie match by the RFC 2543 rules. */
static void test_rfc2543(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", "old1", "fa", NULL, "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", "old1", "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 603 Decline", "old1", "fa", "tb", "c1", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 500);
    assert_int_equal(sw_corr_ntxns(md.c), 1);
    assert_true(sw_corr_txn(md.c, 0)->flags & SW_TXF_RFC2543);
    assert_true(sw_corr_msg_flags(md.c, 2) & SW_MF_RETRANS);
    assert_int_equal(sw_corr_call(md.c, 0)->state, SW_CS_REJECTED); /* 603: declined */
    assert_int_equal(sw_corr_call(md.c, 0)->final_code, 603);
    drop(&md);
}

/* An INVITE retransmitted for 32 s with no answer is a failed call. */
static void test_timeout(void **state)
{
    (void)state;
    m s[7];
    for (int i = 0; i < 7; i++)
        s[i] = (m){0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL};
    model md = build(s, N(s), 5000);
    const sw_call *k = sw_corr_call(md.c, 0);
    assert_int_equal(k->state, SW_CS_FAILED);
    assert_false(k->ongoing);
    const sw_txn *x = sw_corr_txn(md.c, 0);
    assert_int_equal(x->retrans, 6);
    assert_true(x->flags & SW_TXF_TIMEOUT);
    drop(&md);
}

/* The same messages seen again between other endpoints (a transparent
 * proxy that keeps the branch, a capture on two interfaces) are copies on
 * another hop, not retransmissions. */
static void test_hop_copy_is_not_retransmission(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    /* message 2 is a true retransmission (same endpoints) */
    assert_true(sw_corr_msg_flags(md.c, 2) & SW_MF_RETRANS);
    drop(&md);
    /* Now a copy from another host: rewrite message 2's source in the pcap. */
    pw w = {0};
    pw_header(&w);
    char buf[2][1024];
    for (int i = 0; i < 2; i++)
        snprintf(buf[i], sizeof buf[i],
                 "INVITE sip:b@y SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
                 "From: <sip:a@x>;tag=fa\r\nTo: <sip:b@y>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
                 "Content-Length: 0\r\n\r\n");
    pw_frame(&w, 1, 0, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 5060, 5060, false, 0, buf[0], strlen(buf[0]));
    pw_frame(&w, 1, 1, IP(10, 9, 0, 1), IP(10, 9, 0, 2), 5060, 5060, false, 0, buf[1], strlen(buf[1]));
    char *path = pw_save(&w, false);
    free(w.buf);
    const char *paths[] = {path};
    char err[256];
    sw_capset *cs;
    assert_int_equal(sw_capset_open(&cs, paths, 1, err, sizeof err), 0);
    sw_trace *t = sw_trace_new(NULL);
    sw_corr *c = sw_corr_new(t, NULL);
    assert_int_equal(sw_trace_read(t, cs, sink, c), 0);
    sw_corr_finish(c, 0);
    assert_int_equal(sw_corr_msg_txn(c, 1), sw_corr_msg_txn(c, 2)); /* one transaction */
    assert_false(sw_corr_msg_flags(c, 2) & SW_MF_RETRANS);          /* seen on another hop */
    assert_int_equal(sw_corr_txn(c, 0)->retrans, 0);
    sw_corr_free(c);
    sw_trace_free(t);
    sw_capset_close(cs);
    unlink(path);
    free(path);
}

/* The transactions-only level (what history uses) marks exactly the same
 * retransmissions as the full model. */
static void test_transactions_only_same_marks(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 486 Busy Here", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 486 Busy Here", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "OPTIONS sip:b@y SIP/2.0", BR("2"), "fo", NULL, "o1", 1, "OPTIONS", NULL},
        {0, "OPTIONS sip:b@y SIP/2.0", BR("2"), "fo", NULL, "o1", 1, "OPTIONS", NULL},
        {1, "SIP/2.0 200 OK", BR("2"), "fo", "to", "o1", 1, "OPTIONS", NULL},
        {1, "SIP/2.0 200 OK", BR("x"), "fz", "tz", "zz", 1, "BYE", NULL},
    };
    model full = build(s, N(s), 100);
    sw_corr_opts o = {NULL, 0, true};
    scen_opts = &o;
    model lite = build(s, N(s), 100);
    scen_opts = NULL;
    for (uint64_t n = 1; n <= N(s); n++) {
        assert_int_equal(sw_corr_msg_flags(full.c, n) & (SW_MF_RETRANS | SW_MF_STRAY),
                         sw_corr_msg_flags(lite.c, n) & (SW_MF_RETRANS | SW_MF_STRAY));
        assert_int_equal(sw_corr_msg_call(lite.c, n), SW_NONE);
    }
    assert_int_equal(sw_corr_ncalls(lite.c), 0);
    assert_true(sw_corr_msg_flags(lite.c, 2) & SW_MF_RETRANS);
    assert_true(sw_corr_msg_flags(lite.c, 5) & SW_MF_RETRANS);
    assert_true(sw_corr_msg_flags(lite.c, 7) & SW_MF_RETRANS);
    assert_true(sw_corr_msg_flags(lite.c, 9) & SW_MF_RETRANS);
    assert_true(sw_corr_msg_flags(lite.c, 11) & SW_MF_STRAY);
    drop(&full);
    drop(&lite);
}

/* The calls bound: messages of Call-IDs past it stay out of the model and
 * are counted; the calls within it are whole. */
static void test_max_calls(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("2"), "fb", NULL, "c2", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "ta", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("2"), "fb", "tb", "c2", 1, "INVITE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("3"), "fc", NULL, "c3", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("4"), "fa", "ta", "c1", 1, "ACK", NULL},
    };
    sw_corr_opts o = {NULL, 0, false, 1};
    scen_opts = &o;
    model md = build(s, N(s), 100);
    scen_opts = NULL;
    assert_int_equal(sw_corr_ncalls(md.c), 1);
    assert_int_equal(sw_corr_over_limit(md.c), 3); /* messages 2, 4, 5 */
    assert_int_equal(sw_corr_msg_call(md.c, 1), 0);
    assert_int_equal(sw_corr_msg_call(md.c, 2), SW_NONE);
    assert_int_equal(sw_corr_msg_txn(md.c, 2), SW_NONE);
    assert_int_equal(sw_corr_msg_call(md.c, 6), 0);
    assert_int_equal(sw_corr_call(md.c, 0)->nmsgs, 3);
    assert_int_equal(sw_corr_call(md.c, 0)->state, SW_CS_ANSWERED);
    drop(&md);
    /* the default bound is far away */
    model all = build(s, N(s), 100);
    assert_int_equal(sw_corr_ncalls(all.c), 3);
    assert_int_equal(sw_corr_over_limit(all.c), 0);
    drop(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_calls),
        cmocka_unit_test(test_basic_call),     cmocka_unit_test(test_call_strings_past_64k),     cmocka_unit_test(test_retransmissions),
        cmocka_unit_test(test_ack_non2xx),     cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_forking),        cmocka_unit_test(test_stray_and_unknown_dialog),
        cmocka_unit_test(test_after_end_and_cseq), cmocka_unit_test(test_glare),
        cmocka_unit_test(test_auth_retry),     cmocka_unit_test(test_register),
        cmocka_unit_test(test_blind_transfer), cmocka_unit_test(test_replaces_and_headers),
        cmocka_unit_test(test_rfc2543),        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_hop_copy_is_not_retransmission),
        cmocka_unit_test(test_transactions_only_same_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
