/*
 * diagnose tests: every rule on a minimal message sequence. Each test checks
 * the finding's id, severity and evidence message numbers, and that no other
 * finding appears; clean sequences must produce no finding at all.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "diagnose/diagnose.h"

#include "common/pcapw.h"
#include "common/scenario.h"

/* Runs the diagnosis; returns it (caller frees). */
static sw_diag *diagnose(model *md, sw_kb_lang lang)
{
    sw_diag *d = sw_diag_new(md->t, md->c, lang);
    assert_non_null(d);
    assert_int_equal(sw_diag_run(d, NULL), 0);
    return d;
}

static const sw_finding *only_finding(sw_diag *d, const char *id)
{
    if (sw_diag_count(d) != 1) {
        for (size_t i = 0; i < sw_diag_count(d); i++)
            print_message("finding: %s\n", sw_diag_finding(d, i)->id);
    }
    assert_int_equal(sw_diag_count(d), 1);
    const sw_finding *f = sw_diag_finding(d, 0);
    assert_string_equal(f->id, id);
    return f;
}

static void assert_evidence(const sw_finding *f, const uint64_t *nums, size_t n)
{
    if (f->nevidence != n)
        for (uint32_t i = 0; i < f->nevidence; i++)
            print_message("evidence %" PRIu64 ": %s\n", f->evidence[i].number, f->evidence[i].note);
    assert_int_equal(f->nevidence, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(f->evidence[i].number, nums[i]);
}

#define INV(tag, br, cid, cs) {0, "INVITE sip:b@y SIP/2.0", BR(br), tag, NULL, cid, cs, "INVITE", NULL}

/* ---- clean sequences ---------------------------------------------------- */

static void test_clean_call_and_registration(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER", NULL},
        {1, "SIP/2.0 401 Unauthorized", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "WWW-Authenticate: Digest realm=\"y\", nonce=\"n1\"\r\n"},
        {0, "REGISTER sip:y SIP/2.0", BR("r2"), "fr", NULL, "reg", 2, "REGISTER",
         "Authorization: Digest username=\"b\", realm=\"y\", nonce=\"n1\", uri=\"sip:y\", response=\"aa\"\r\n"},
        {1, "SIP/2.0 200 OK", BR("r2"), "fr", "rt", "reg", 2, "REGISTER",
         "Contact: <sip:b@10.0.0.1>;expires=3600\r\n"},
        INV("fa", "1", "c1", 1),
        {1, "SIP/2.0 180 Ringing", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 0);
    sw_diag_free(d);
    drop(&md);
}

/* ---- 481 family --------------------------------------------------------- */

/* The seed's transfer case: REFER accepted, transferor hangs up, the
 * transferee's progress NOTIFY hits the dead dialog; the new leg works. */
static const m transfer[] = {
    INV("fa", "1", "c1", 1),                                                     /* 1 */
    {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},         /* 2 */
    {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},       /* 3 */
    {1, "REFER sip:a@x SIP/2.0", BR("3"), "tb", "fa", "c1", 1, "REFER",
     "Refer-To: <sip:300@pbx>\r\nReferred-By: <sip:b@y>\r\n"},                    /* 4 */
    {0, "SIP/2.0 202 Accepted", BR("3"), "tb", "fa", "c1", 1, "REFER", NULL},    /* 5 */
    {1, "BYE sip:a@x SIP/2.0", BR("4"), "tb", "fa", "c1", 2, "BYE", NULL},       /* 6 */
    {0, "SIP/2.0 200 OK", BR("4"), "tb", "fa", "c1", 2, "BYE", NULL},            /* 7 */
    {0, "INVITE sip:300@pbx SIP/2.0", BR("5"), "fx", NULL, "c2", 1, "INVITE",
     "Referred-By: <sip:b@y>\r\n"},                                              /* 8 */
    {1, "SIP/2.0 200 OK", BR("5"), "fx", "ty", "c2", 1, "INVITE", NULL},         /* 9 */
    {0, "NOTIFY sip:b@y SIP/2.0", BR("6"), "fa", "tb", "c1", 2, "NOTIFY",
     "Event: refer\r\nSubscription-State: terminated\r\n"},                       /* 10 */
    {1, "SIP/2.0 481 Call Leg/Transaction Does Not Exist", BR("6"), "fa", "tb", "c1", 2,
     "NOTIFY", NULL},                                                            /* 11 */
    {0, "ACK sip:300@pbx SIP/2.0", BR("7"), "fx", "ty", "c2", 1, "ACK", NULL},   /* 12 */
};

static void test_481_notify_after_transfer(void **state)
{
    (void)state;
    model md = build(transfer, N(transfer), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-notify-after-subscription-ended");
    assert_int_equal(f->severity, SW_SEV_INFO);
    assert_int_equal(f->call, 0);
    const uint64_t ev[] = {4, 6, 10, 11};
    assert_evidence(f, ev, 4);
    assert_non_null(strstr(f->cause, "message 6"));
    assert_non_null(strstr(f->cause, "call #2")); /* names the leg that carried on */
    sw_diag_free(d);
    /* The same in Russian. */
    d = diagnose(&md, SW_KB_RU);
    f = only_finding(d, "481-notify-after-subscription-ended");
    assert_non_null(strstr(f->title, "NOTIFY получил 481"));
    sw_diag_free(d);
    drop(&md);
}

static void test_481_after_dialog_ended(void **state)
{
    (void)state;
    const m s[] = {
        INV("fa", "1", "c1", 1),
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {1, "BYE sip:a@x SIP/2.0", BR("3"), "tb", "fa", "c1", 1, "BYE", NULL}, /* 4 */
        {0, "SIP/2.0 200 OK", BR("3"), "tb", "fa", "c1", 1, "BYE", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("4"), "fa", "tb", "c1", 2, "INVITE", NULL}, /* 6 */
        {1, "SIP/2.0 481 Call/Transaction Does Not Exist", BR("4"), "fa", "tb", "c1", 2,
         "INVITE", NULL}, /* 7 */
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-after-dialog-ended");
    const uint64_t ev[] = {4, 6, 7};
    assert_evidence(f, ev, 3);
    assert_non_null(strstr(f->cause, "a BYE had already ended at message 4"));
    sw_diag_free(d);
    drop(&md);
}

static void test_481_unknown_dialog(void **state)
{
    (void)state;
    const m s[] = {
        {0, "BYE sip:b@y SIP/2.0", BR("1"), "fa", "tb", "cx", 2, "BYE", NULL},
        {1, "SIP/2.0 481 Call/Transaction Does Not Exist", BR("1"), "fa", "tb", "cx", 2, "BYE",
         NULL},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-unknown-dialog");
    const uint64_t ev[] = {1, 2};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "before the capture"));
    sw_diag_free(d);
    drop(&md);
}

static void test_481_duplicate(void **state)
{
    (void)state;
    const m s[] = {
        INV("fa", "1", "c1", 1),
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL}, /* 4 */
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},     /* 5 */
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL}, /* 6 */
        {1, "SIP/2.0 481 Call/Transaction Does Not Exist", BR("3"), "fa", "tb", "c1", 2, "BYE",
         NULL}, /* 7 */
    };
    model md = build(s, N(s), 300);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-duplicate-request");
    assert_int_equal(f->severity, SW_SEV_INFO);
    const uint64_t ev[] = {4, 5, 6, 7};
    assert_evidence(f, ev, 4);
    sw_diag_free(d);
    drop(&md);
}

static void test_481_cancel_race(void **state)
{
    (void)state;
    const m s[] = {
        INV("fa", "1", "c1", 1),
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},      /* 2 */
        {0, "CANCEL sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "CANCEL", NULL}, /* 3 */
        {1, "SIP/2.0 481 Call/Transaction Does Not Exist", BR("1"), "fa", NULL, "c1", 1,
         "CANCEL", NULL}, /* 4 */
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-cancel-no-transaction");
    assert_int_equal(f->severity, SW_SEV_INFO);
    const uint64_t ev[] = {1, 2, 3, 4};
    assert_evidence(f, ev, 4);
    assert_non_null(strstr(f->cause, "race"));
    sw_diag_free(d);
    drop(&md);
}

/* The forum case: the 481 answers a SUBSCRIBE refresh, not the REGISTER. */
static void test_481_subscription_refresh(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER", NULL},
        {1, "SIP/2.0 401 Unauthorized", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "WWW-Authenticate: Digest realm=\"y\", nonce=\"n1\"\r\n"},                  /* 2 */
        {0, "SUBSCRIBE sip:b@y SIP/2.0", BR("s1"), "fs", "ts", "sub", 5, "SUBSCRIBE",
         "Event: presence\r\nExpires: 600\r\n"},                                     /* 3 */
        {1, "SIP/2.0 481 Subscription does not exist", BR("s1"), "fs", "ts", "sub", 5,
         "SUBSCRIBE", NULL},                                                        /* 4 */
        {0, "REGISTER sip:y SIP/2.0", BR("r2"), "fr", NULL, "reg", 2, "REGISTER",
         "Authorization: Digest username=\"b\", realm=\"y\", nonce=\"n1\", uri=\"sip:y\", response=\"aa\"\r\n"},
        {1, "SIP/2.0 200 OK", BR("r2"), "fr", "rt", "reg", 2, "REGISTER",
         "Contact: <sip:b@10.0.0.1>;expires=3600\r\n"},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "481-subscription-refresh");
    const uint64_t ev[] = {3, 4};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "not the REGISTER"));
    sw_diag_free(d);
    drop(&md);
}

/* ---- authentication and registration ------------------------------------ */

static void test_auth_wrong_credentials(void **state)
{
    (void)state;
    const char *auth = "Authorization: Digest username=\"b\", realm=\"y\", nonce=\"n1\", "
                       "uri=\"sip:y\", response=\"bad\"\r\n";
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER", NULL},
        {1, "SIP/2.0 401 Unauthorized", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "WWW-Authenticate: Digest realm=\"y\", nonce=\"n1\"\r\n"},
        {0, "REGISTER sip:y SIP/2.0", BR("r2"), "fr", NULL, "reg", 2, "REGISTER", auth}, /* 3 */
        {1, "SIP/2.0 403 Wrong Guess", BR("r2"), "fr", "rt", "reg", 2, "REGISTER", NULL}, /* 4 */
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "auth-wrong-credentials");
    assert_int_equal(f->severity, SW_SEV_ERROR);
    const uint64_t ev[] = {3, 4};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->advice, "12 characters"));
    sw_diag_free(d);
    drop(&md);
}

static void test_auth_stale_and_no_creds(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER",
         "Authorization: Digest username=\"b\", realm=\"y\", nonce=\"old\", uri=\"sip:y\", response=\"aa\"\r\n"},
        {1, "SIP/2.0 401 AUTH Error: Stall nonce", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "WWW-Authenticate: Digest realm=\"y\", nonce=\"n2\"\r\n"}, /* 2 */
        INV("fa", "1", "c1", 1),                                    /* 3 */
        {1, "SIP/2.0 407 Proxy Authentication Required", BR("1"), "fa", "p", "c1", 1, "INVITE",
         "Proxy-Authenticate: Digest realm=\"y\", nonce=\"n3\"\r\n"}, /* 4 */
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "p", "c1", 1, "ACK", NULL},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 2);
    const sw_finding *a = sw_diag_finding(d, 0), *b = sw_diag_finding(d, 1);
    /* both warnings, ordered by first evidence */
    assert_string_equal(a->id, "auth-stale-nonce");
    assert_string_equal(b->id, "auth-no-credentials");
    const uint64_t ea[] = {1, 2}, eb[] = {3, 4};
    assert_evidence(a, ea, 2);
    assert_evidence(b, eb, 2);
    sw_diag_free(d);
    drop(&md);
}

static void test_registration_rules(void **state)
{
    (void)state;
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER", "Expires: 30\r\n"},
        {1, "SIP/2.0 423 Interval Too Brief", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "Min-Expires: 120\r\n"},                                             /* 2 */
        {0, "REGISTER sip:y SIP/2.0", BR("r2"), "fq", NULL, "reg2", 1, "REGISTER", NULL}, /* 3 */
        {1, "SIP/2.0 404 Unknown user account", BR("r2"), "fq", "rq", "reg2", 1, "REGISTER",
         NULL},                                                               /* 4 */
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 2);
    const sw_finding *a = sw_diag_finding(d, 0), *b = sw_diag_finding(d, 1);
    assert_string_equal(a->id, "registration-rejected"); /* error first */
    assert_string_equal(b->id, "registration-interval-too-brief");
    assert_non_null(strstr(b->cause, "at least 120 s"));
    const uint64_t ea[] = {3, 4};
    assert_evidence(a, ea, 2);
    sw_diag_free(d);
    drop(&md);
}

static void test_registration_expired(void **state)
{
    (void)state;
    m s[3] = {
        {0, "REGISTER sip:y SIP/2.0", BR("r1"), "fr", NULL, "reg", 1, "REGISTER", NULL},
        {1, "SIP/2.0 200 OK", BR("r1"), "fr", "rt", "reg", 1, "REGISTER",
         "Contact: <sip:b@10.0.0.1>;expires=60\r\n"},
        {0, "OPTIONS sip:y SIP/2.0", BR("o1"), "fo", NULL, "opt", 1, "OPTIONS", NULL},
    };
    model md = build(s, N(s), 80000); /* 80 s apart: registered at 80 s for 60 s, capture ends at 160 s */
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "registration-expired");
    const uint64_t ev[] = {2};
    assert_evidence(f, ev, 1);
    sw_diag_free(d);
    drop(&md);
}

/* ---- response codes ---------------------------------------------------- */

static void test_codes(void **state)
{
    (void)state;
    const m s[] = {
        INV("f1", "1", "c1", 1),
        {1, "SIP/2.0 483 Too Many Hops", BR("1"), "f1", "t1", "c1", 1, "INVITE", NULL},
        INV("f2", "2", "c2", 1),
        {1, "SIP/2.0 482 Loop Detected", BR("2"), "f2", "t2", "c2", 1, "INVITE", NULL},
        INV("f3", "3", "c3", 1),
        {1, "SIP/2.0 503 Service Unavailable", BR("3"), "f3", "t3", "c3", 1, "INVITE",
         "Retry-After: 60\r\n"},
        INV("f4", "4", "c4", 1),
        {1, "SIP/2.0 408 Request Timeout", BR("4"), "f4", "t4", "c4", 1, "INVITE", NULL},
        INV("f5", "5", "c5", 1),
        {1, "SIP/2.0 404 Not Found", BR("5"), "f5", "t5", "c5", 1, "INVITE", NULL},
        INV("f6", "6", "c6", 1),
        {1, "SIP/2.0 486 Busy Here", BR("6"), "f6", "t6", "c6", 1, "INVITE", NULL},
        INV("f7", "7", "c7", 1),
        {1, "SIP/2.0 500 Call placing quota exceeded", BR("7"), "f7", "t7", "c7", 1, "INVITE",
         NULL},
        INV("f8", "8", "c8", 1),
        {1, "SIP/2.0 422 Session Interval Too Small", BR("8"), "f8", "t8", "c8", 1, "INVITE",
         "Min-SE: 1800\r\n"},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const char *want[][2] = {
        {"too-many-hops", "error"},   {"loop-detected", "error"},
        {"server-overload", "error"}, {"request-timeout", "error"},
        {"server-overload", "error"}, {"call-rejected", "warning"},
        {"session-timer", "warning"}, {"call-rejected", "info"},
    };
    assert_int_equal(sw_diag_count(d), N(want));
    for (size_t i = 0; i < N(want); i++) {
        const sw_finding *f = sw_diag_finding(d, i);
        assert_string_equal(f->id, want[i][0]);
        assert_string_equal(sw_severity_name((sw_severity)f->severity), want[i][1]);
        assert_int_equal(f->nevidence, 2);
    }
    sw_diag_free(d);
    drop(&md);
}

/* udp-message-too-large (an INVITE over 1300 bytes on UDP) and malformed-message
 * (a 400 answer; a request the parser faults). */
static void test_size_and_malformed(void **state)
{
    (void)state;
    static char pad[1500];
    memset(pad, 'p', sizeof pad);
    memcpy(pad, "X-Pad: ", 7);
    memcpy(pad + sizeof pad - 3, "\r\n", 3);
    const m big[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", pad},
        {1, "SIP/2.0 486 Busy Here", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL},
    };
    model md = build(big, N(big), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    bool too_large = false;
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *f = sw_diag_finding(d, i);
        if (!strcmp(f->id, "udp-message-too-large")) {
            too_large = true;
            assert_int_equal(f->severity, SW_SEV_WARNING);
            const uint64_t ev[] = {1};
            assert_evidence(f, ev, 1);
        } else {
            assert_string_equal(f->id, "call-rejected"); /* the 486 itself, info */
        }
    }
    assert_true(too_large);
    sw_diag_free(d);
    drop(&md);

    const m bad[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("2"), "fb", NULL, "c2", 1, "INVITE", NULL},
        {1, "SIP/2.0 400 Bad Request - Missing Max-Forwards", BR("2"), "fb", "tb", "c2", 1,
         "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fb", "tb", "c2", 1, "ACK", NULL},
    };
    md = build(bad, N(bad), 10);
    d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "malformed-message");
    assert_int_equal(f->severity, SW_SEV_ERROR);
    const uint64_t ev[] = {1, 2};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "Missing Max-Forwards"));
    sw_diag_free(d);
    drop(&md);
}

static void test_no_response(void **state)
{
    (void)state;
    m s[7];
    for (int i = 0; i < 7; i++)
        s[i] = (m)INV("fa", "1", "c1", 1);
    model md = build(s, N(s), 5000);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "no-response");
    const uint64_t ev[] = {1, 7};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "sent 7 times over 30.0 s"));
    sw_diag_free(d);
    drop(&md);
}

#define SDP_PCMU "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n" \
                 "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"                \
                 "a=rtpmap:101 telephone-event/8000\r\n"

static void test_codec_mismatch(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL, SDP_PCMU},
        {1, "SIP/2.0 488 Not Acceptable Here", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL, NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("1"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
    };
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "codec-mismatch");
    const uint64_t ev[] = {1, 2};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "offered PCMU, telephone-event"));
    sw_diag_free(d);
    drop(&md);
}

/* The callee resends 200 OK (timer G) because no ACK arrives, then hangs up. */
static void test_missing_ack(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL, SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE",
         "Contact: <sip:b@192.168.1.20:5060>\r\n", SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE",
         "Contact: <sip:b@192.168.1.20:5060>\r\n", SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE",
         "Contact: <sip:b@192.168.1.20:5060>\r\n", SDP_PCMU},
        {1, "BYE sip:a@x SIP/2.0", BR("2"), "tb", "fa", "c1", 1, "BYE", NULL, NULL},
    };
    model md = build(s, N(s), 8000);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "missing-ack");
    const uint64_t ev[] = {2, 4, 5};
    assert_evidence(f, ev, 3);
    assert_non_null(strstr(f->cause, "sip:b@192.168.1.20:5060"));
    sw_diag_free(d);
    drop(&md);
    /* With the ACK, nothing to report. */
    const m ok[] = {
        s[0], s[1], s[2],
        {0, "ACK sip:b@192.168.1.20 SIP/2.0", BR("9"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
    };
    md = build(ok, N(ok), 500);
    d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 0);
    sw_diag_free(d);
    drop(&md);
}

static void test_nat_private_address(void **state)
{
    (void)state;
    scen_a = IP(203, 0, 113, 7); /* public address the packets come from */
    scen_b = IP(198, 51, 100, 9);
    const m s[] = {
        {0, "REGISTER sip:y SIP/2.0", BR("1"), "fa", NULL, "r1", 1, "REGISTER",
         "Contact: <sip:a@192.168.0.10:5060>\r\n", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "r1", 1, "REGISTER",
         "Contact: <sip:a@192.168.0.10:5060>;expires=60\r\n", NULL},
    };
    model md = build(s, N(s), 10);
    scen_a = IP(10, 0, 0, 1);
    scen_b = IP(10, 0, 0, 2);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "nat-private-address");
    assert_int_equal(f->severity, SW_SEV_WARNING);
    assert_non_null(strstr(f->cause, "Contact (192.168.0.10)"));
    assert_non_null(strstr(f->title, "203.0.113.7:5060"));
    const uint64_t ev[] = {1};
    assert_evidence(f, ev, 1);
    sw_diag_free(d);
    drop(&md);
}

static void test_scanner(void **state)
{
    (void)state;
    m s[24];
    static char branches[12][24], users[12][48], cids[12][24], tos[12][24];
    for (int i = 0; i < 12; i++) {
        snprintf(branches[i], sizeof branches[i], "z9hG4bK%d", i);
        snprintf(users[i], sizeof users[i], "INVITE sip:%d@y SIP/2.0", 100 + i);
        snprintf(cids[i], sizeof cids[i], "s%d", i);
        snprintf(tos[i], sizeof tos[i], "%d", 100 + i);
        s[2 * i] = (m){0, users[i], branches[i], "fa", NULL, cids[i], 1, "INVITE",
                       "User-Agent: friendly-scanner\r\n", NULL, tos[i]};
        s[2 * i + 1] = (m){1, "SIP/2.0 404 Not Found", branches[i], "fa", "tb", cids[i], 1,
                           "INVITE", NULL, NULL, tos[i]};
    }
    model md = build(s, N(s), 10);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = sw_diag_finding(d, 0);
    size_t scanners = 0;
    for (size_t i = 0; i < sw_diag_count(d); i++)
        if (!strcmp(sw_diag_finding(d, i)->id, "scanner-activity")) {
            f = sw_diag_finding(d, i);
            scanners++;
        }
    assert_int_equal(scanners, 1);
    if (!strstr(f->cause, "sent 12 requests to 12 different users, 12 of them refused"))
        print_message("cause: %s\n", f->cause);
    assert_non_null(strstr(f->cause, "sent 12 requests to 12 different users, 12 of them refused"));
    assert_non_null(strstr(f->cause, "friendly-scanner"));
    sw_diag_free(d);
    drop(&md);
}

/* Every rule id has texts in both languages. */
/* session-timer, second form: the BYE comes when the session interval runs
 * out with no refresh; not when the call simply ends earlier, nor when a
 * refresh came in time. */
static void test_session_timer_expiry(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE",
         "Supported: timer\r\nSession-Expires: 30\r\n", SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE",
         "Session-Expires: 30;refresher=uac\r\n", SDP_PCMU},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
        {1, "BYE sip:a@x SIP/2.0", BR("3"), "tb", "fa", "c1", 1, "BYE", NULL, NULL},
        {0, "SIP/2.0 200 OK", BR("3"), "tb", "fa", "c1", 1, "BYE", NULL, NULL},
    };
    /* 10 s apart: the BYE comes 20 s after the 200, in [30 - 10 - 2, 30 + 10] */
    model md = build(s, N(s), 10000);
    sw_diag *d = diagnose(&md, SW_KB_EN);
    const sw_finding *f = only_finding(d, "session-timer");
    assert_int_equal(f->severity, SW_SEV_ERROR);
    const uint64_t ev[] = {2, 4};
    assert_evidence(f, ev, 2);
    assert_non_null(strstr(f->cause, "30 s"));
    assert_non_null(strstr(f->cause, "10.0.0.1:5060")); /* refresher=uac: the caller */
    assert_non_null(strstr(f->title, "20 s"));
    sw_diag_free(d);
    drop(&md);
    /* in Russian too */
    md = build(s, N(s), 10000);
    d = diagnose(&md, SW_KB_RU);
    f = only_finding(d, "session-timer");
    assert_non_null(strstr(f->title, "таймером"));
    sw_diag_free(d);
    drop(&md);
    /* hung up after 2 s: not the timer */
    md = build(s, N(s), 1000);
    d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 0);
    sw_diag_free(d);
    drop(&md);
    /* a refresh answered 200 in between: counted from the refresh, which was 10 s
     * before the BYE, so no finding */
    const m r[] = {
        s[0], s[1], s[2],
        {0, "INVITE sip:b@y SIP/2.0", BR("4"), "fa", "tb", "c1", 2, "INVITE",
         "Session-Expires: 30;refresher=uac\r\n", SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("4"), "fa", "tb", "c1", 2, "INVITE",
         "Session-Expires: 30;refresher=uac\r\n", SDP_PCMU},
        {0, "ACK sip:b@y SIP/2.0", BR("5"), "fa", "tb", "c1", 2, "ACK", NULL, NULL},
        s[3], s[4],
    };
    md = build(r, N(r), 5000);
    d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 0);
    sw_diag_free(d);
    drop(&md);
    /* without Session-Expires in the 2xx there is no timer */
    m n2[N(s)];
    memcpy(n2, s, sizeof s);
    n2[1].extra = NULL;
    md = build(n2, N(n2), 10000);
    d = diagnose(&md, SW_KB_EN);
    assert_int_equal(sw_diag_count(d), 0);
    sw_diag_free(d);
    drop(&md);
}

/* Media rules: the model's SDP announces the media, fake RTP goes one way,
 * both ways or nowhere; nothing is said when the capture has no RTP at all. */
static uint64_t feed(sw_media *me, int from_b, int n, int64_t t0)
{
    uint8_t b[172];
    memset(b, 0, sizeof b);
    b[0] = 0x80;
    for (int i = 0; i < n; i++) {
        b[3] = (uint8_t)i;
        b[11] = (uint8_t)(from_b + 1); /* SSRC */
        sw_payload pl;
        memset(&pl, 0, sizeof pl);
        pl.src.family = pl.dst.family = 4;
        memcpy(pl.src.a, from_b ? (uint8_t[]){10, 0, 0, 2} : (uint8_t[]){10, 0, 0, 1}, 4);
        memcpy(pl.dst.a, from_b ? (uint8_t[]){10, 0, 0, 1} : (uint8_t[]){10, 0, 0, 2}, 4);
        pl.sport = from_b ? 5000 : 4000;
        pl.dport = from_b ? 4000 : 5000;
        pl.transport = SW_TP_UDP;
        pl.data = b;
        pl.len = sizeof b;
        pl.ts_ns = t0 + (int64_t)i * 20000000;
        sw_media_udp(me, &pl);
    }
    return (uint64_t)n;
}

static const char *media_case(int a_sends, int b_sends, bool any_rtp)
{
    const char *sdp_b = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
                        "m=audio 5000 RTP/AVP 0\r\n";
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL, SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL, sdp_b},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL, NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL, NULL},
    };
    model md = build(s, N(s), 1500); /* answer at 1.5 s, BYE at 4.5 s */
    sw_media *me = sw_media_new(NULL);
    assert_non_null(me);
    sw_sip_header hd[64];
    for (uint64_t n = 1; n <= 2; n++) {
        sw_sip_msg sip;
        assert_true(sw_trace_parse(md.t, sw_trace_get(md.t, n), &sip, hd, 64) >= 0);
        sw_str body;
        assert_true(sw_sip_find_sdp(&sip, &body));
        sw_sdp sdp;
        sw_sdp_media mm[2];
        assert_int_equal(sw_sdp_parse(body, &sdp, mm, 2), 0);
        assert_int_equal(sw_media_announce(me, &sdp, n), 0);
    }
    const sw_msg *ok = sw_trace_get(md.t, 2);
    if (a_sends)
        feed(me, 0, 100, ok->ts_ns + 100000000);
    if (b_sends)
        feed(me, 1, 100, ok->ts_ns + 100000000);
    assert_int_equal(sw_media_stats_get(me)->rtp_packets, (uint64_t)(a_sends + b_sends) * 100);
    if (!any_rtp)
        assert_int_equal(sw_media_stats_get(me)->rtp_packets, 0);
    sw_diag *d = sw_diag_new(md.t, md.c, SW_KB_EN);
    assert_non_null(d);
    sw_diag_set_media(d, me);
    assert_int_equal(sw_diag_run(d, NULL), 0);
    static char ids[256];
    ids[0] = '\0';
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *f = sw_diag_finding(d, i);
        strncat(ids, f->id, sizeof ids - strlen(ids) - 2);
        strcat(ids, " ");
        if (!strcmp(f->id, "one-way-audio")) {
            const uint64_t ev[] = {1, 2, 4};
            assert_evidence(f, ev, 3);
            /* B sends nothing: A (10.0.0.1:4000) hears nothing */
            assert_non_null(strstr(f->title, a_sends ? "10.0.0.1:4000" : "10.0.0.2:5000"));
        }
    }
    sw_diag_free(d);
    sw_media_free(me);
    drop(&md);
    return ids;
}

/* poor-quality (a stream losing a quarter of its packets) and dtmf (RFC 4733
 * events in the other direction), on the same one-call model. */
static void test_media_quality_rules(void **state)
{
    (void)state;
    const char *sdp_b = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
                        "m=audio 5000 RTP/AVP 0\r\n";
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL, SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL, sdp_b},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL, NULL},
    };
    model md = build(s, N(s), 3000);
    sw_media *me = sw_media_new(NULL);
    sw_sip_header hd[64];
    for (uint64_t n = 1; n <= 2; n++) {
        sw_sip_msg sip;
        assert_true(sw_trace_parse(md.t, sw_trace_get(md.t, n), &sip, hd, 64) >= 0);
        sw_str body;
        assert_true(sw_sip_find_sdp(&sip, &body));
        sw_sdp sdp;
        sw_sdp_media mm[2];
        sw_sdp_parse(body, &sdp, mm, 2);
        assert_int_equal(sw_media_announce(me, &sdp, n), 0);
    }
    int64_t t0 = sw_trace_get(md.t, 2)->ts_ns + 100000000;
    uint8_t b[172];
    for (int from_b = 0; from_b < 2; from_b++)
        for (int i = 0; i < 200; i++) {
            if (from_b && i % 4 == 3)
                continue; /* B -> A loses 25 % */
            memset(b, 0, sizeof b);
            b[0] = 0x80;
            b[1] = (!from_b && i >= 100 && i < 103) ? 101 : 0; /* A sends one DTMF event */
            b[2] = (uint8_t)(i >> 8);
            b[3] = (uint8_t)i;
            uint32_t ts = b[1] == 101 ? 16000 : (uint32_t)(160 * i);
            b[4] = (uint8_t)(ts >> 24);
            b[5] = (uint8_t)(ts >> 16);
            b[6] = (uint8_t)(ts >> 8);
            b[7] = (uint8_t)ts;
            b[11] = (uint8_t)(from_b + 1);
            b[12] = 5; /* digit 5 */
            sw_payload pl;
            memset(&pl, 0, sizeof pl);
            pl.src.family = pl.dst.family = 4;
            memcpy(pl.src.a, from_b ? (uint8_t[]){10, 0, 0, 2} : (uint8_t[]){10, 0, 0, 1}, 4);
            memcpy(pl.dst.a, from_b ? (uint8_t[]){10, 0, 0, 1} : (uint8_t[]){10, 0, 0, 2}, 4);
            pl.sport = from_b ? 5000 : 4000;
            pl.dport = from_b ? 4000 : 5000;
            pl.transport = SW_TP_UDP;
            pl.data = b;
            pl.len = sizeof b;
            pl.ts_ns = t0 + (int64_t)i * 20000000;
            assert_true(sw_media_udp(me, &pl));
        }
    sw_diag *d = sw_diag_new(md.t, md.c, SW_KB_EN);
    sw_diag_set_media(d, me);
    assert_int_equal(sw_diag_run(d, NULL), 0);
    bool poor = false, dtmf = false;
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *f = sw_diag_finding(d, i);
        if (!strcmp(f->id, "poor-quality")) {
            poor = true;
            assert_int_equal(f->severity, SW_SEV_WARNING);
            assert_non_null(strstr(f->title, "from 10.0.0.2:5000 to 10.0.0.1:4000"));
            assert_non_null(strstr(f->cause, "49 lost (24.6 %)"));
            const uint64_t ev[] = {1}; /* the SDP whose address the stream went to */
            assert_evidence(f, ev, 1);
        } else if (!strcmp(f->id, "dtmf")) {
            dtmf = true;
            assert_int_equal(f->severity, SW_SEV_INFO);
            assert_non_null(strstr(f->title, "10.0.0.1:4000: 5"));
        } else {
            fail_msg("unexpected finding %s", f->id);
        }
    }
    assert_true(poor && dtmf);
    sw_diag_free(d);
    sw_media_free(me);
    drop(&md);
}

/* media-address-mismatch: B's RTP reaches A's SDP address from 10.0.0.9:7000, an
 * address no SDP announced (B's SDP said 10.0.0.2:5000, a private address: warning). */
static void test_media_address_mismatch(void **state)
{
    (void)state;
    const char *sdp_b = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
                        "m=audio 5000 RTP/AVP 0\r\n";
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL, SDP_PCMU},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL, sdp_b},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL, NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL, NULL},
    };
    model md = build(s, N(s), 3000);
    sw_media *me = sw_media_new(NULL);
    sw_sip_header hd[64];
    for (uint64_t n = 1; n <= 2; n++) {
        sw_sip_msg sip;
        assert_true(sw_trace_parse(md.t, sw_trace_get(md.t, n), &sip, hd, 64) >= 0);
        sw_str body;
        assert_true(sw_sip_find_sdp(&sip, &body));
        sw_sdp sdp;
        sw_sdp_media mm[2];
        sw_sdp_parse(body, &sdp, mm, 2);
        assert_int_equal(sw_media_announce(me, &sdp, n), 0);
    }
    uint8_t b[172];
    memset(b, 0, sizeof b);
    b[0] = 0x80;
    b[11] = 7;
    for (int i = 0; i < 100; i++) {
        b[3] = (uint8_t)i;
        sw_payload pl;
        memset(&pl, 0, sizeof pl);
        pl.src.family = pl.dst.family = 4;
        memcpy(pl.src.a, (uint8_t[]){10, 0, 0, 9}, 4);
        memcpy(pl.dst.a, (uint8_t[]){10, 0, 0, 1}, 4);
        pl.sport = 7000;
        pl.dport = 4000;
        pl.transport = SW_TP_UDP;
        pl.data = b;
        pl.len = sizeof b;
        pl.ts_ns = sw_trace_get(md.t, 2)->ts_ns + 100000000 + (int64_t)i * 20000000;
        assert_true(sw_media_udp(me, &pl));
    }
    sw_diag *d = sw_diag_new(md.t, md.c, SW_KB_EN);
    sw_diag_set_media(d, me);
    assert_int_equal(sw_diag_run(d, NULL), 0);
    bool mism = false, oneway = false;
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *f = sw_diag_finding(d, i);
        if (!strcmp(f->id, "media-address-mismatch")) {
            mism = true;
            assert_int_equal(f->severity, SW_SEV_WARNING);
            assert_non_null(strstr(f->title, "RTP from 10.0.0.9:7000, not from the SDP's 10.0.0.2:5000"));
            const uint64_t ev[] = {2};
            assert_evidence(f, ev, 1);
        } else if (!strcmp(f->id, "one-way-audio")) {
            oneway = true; /* nothing went to B's address */
        } else {
            fail_msg("unexpected finding %s", f->id);
        }
    }
    assert_true(mism && oneway);
    sw_diag_free(d);
    sw_media_free(me);
    drop(&md);
}

static void test_media_rules(void **state)
{
    (void)state;
    assert_string_equal(media_case(1, 1, true), "");
    assert_string_equal(media_case(1, 0, true), "one-way-audio ");
    assert_string_equal(media_case(0, 1, true), "one-way-audio ");
    /* no RTP in the whole capture: a SIP-only capture says nothing about media */
    assert_string_equal(media_case(0, 0, false), "");
}

static void test_texts_complete(void **state)
{
    (void)state;
    const char *const *ids = sw_diag_rule_ids();
    size_t n = 0;
    for (; ids[n]; n++)
        assert_true(strlen(ids[n]) > 3);
    assert_true(n >= 21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_call_and_registration),
        cmocka_unit_test(test_481_notify_after_transfer),
        cmocka_unit_test(test_481_after_dialog_ended),
        cmocka_unit_test(test_481_unknown_dialog),
        cmocka_unit_test(test_481_duplicate),
        cmocka_unit_test(test_481_cancel_race),
        cmocka_unit_test(test_481_subscription_refresh),
        cmocka_unit_test(test_auth_wrong_credentials),
        cmocka_unit_test(test_auth_stale_and_no_creds),
        cmocka_unit_test(test_registration_rules),
        cmocka_unit_test(test_registration_expired),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_no_response),
        cmocka_unit_test(test_size_and_malformed),
        cmocka_unit_test(test_codec_mismatch),
        cmocka_unit_test(test_missing_ack),
        cmocka_unit_test(test_nat_private_address),
        cmocka_unit_test(test_scanner),
        cmocka_unit_test(test_session_timer_expiry),
        cmocka_unit_test(test_media_rules),
        cmocka_unit_test(test_media_quality_rules),
        cmocka_unit_test(test_media_address_mismatch),
        cmocka_unit_test(test_texts_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
