/*
 * scenario: builds the call model of a short message sequence for tests.
 *
 * A scenario is a list of messages between A (10.0.0.1:5060) and B
 * (10.0.0.2:5060); build() writes them into a pcap, reads it through trace
 * and correlate exactly as the commands do, and returns the model.
 * Include after cmocka.h and common/pcapw.h.
 */
#ifndef SW_TEST_SCENARIO_H
#define SW_TEST_SCENARIO_H

#include "correlate/correlate.h"
#include "trace/trace.h"

/* Scenario tables are written positionally and leave the optional trailing
 * fields (extra headers, SDP) out where a message has none: that is the
 * point of the table, so the warning about omitted fields is off here. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

typedef struct m {
    bool from_b;        /* sender is B (else A) */
    const char *start;  /* start line */
    const char *branch; /* Via branch */
    const char *ftag, *ttag;
    const char *callid;
    int cseq;
    const char *cmethod;
    const char *extra;  /* more header lines, each ending in \r\n */
    const char *sdp;    /* an application/sdp body, or NULL */
    const char *to;     /* To user, "b" when NULL */
} m;

/* Options for the model build() makes (tests may set them). */
static const sw_corr_opts *scen_opts;

/* Addresses of A and B (tests may change them before build()). */
static uint32_t scen_a = IP(10, 0, 0, 1), scen_b = IP(10, 0, 0, 2);

typedef struct model {
    sw_capset *cs;
    sw_trace *t;
    sw_corr *c;
    char *path;
} model;

static int sink(void *ud, uint64_t number, const sw_msg *msg, const sw_sip_msg *sip)
{
    assert_int_equal(sw_corr_add(ud, number, msg, sip), 0);
    return 0;
}

/* Reads the capture at path (taken over, unlinked by drop()) through trace
 * and correlate with opts, as the commands do, and finishes the model. */
static model scen_read(char *path, const sw_corr_opts *opts)
{
    model md;
    md.path = path;
    const char *paths[] = {md.path};
    char err[256];
    assert_int_equal(sw_capset_open(&md.cs, paths, 1, err, sizeof err), 0);
    md.t = sw_trace_new(NULL);
    md.c = sw_corr_new(md.t, opts);
    assert_non_null(md.c);
    assert_int_equal(sw_trace_read(md.t, md.cs, sink, md.c), 0);
    sw_corr_finish(md.c, 0);
    return md;
}

/* Builds the model of a scenario; messages are 1 ms apart (or `gap_ms`). */
static model build(const m *ms, size_t n, int gap_ms)
{
    pw w = {0};
    pw_header(&w);
    for (size_t i = 0; i < n; i++) {
        char buf[2048];
        const m *x = &ms[i];
        char to[128];
        snprintf(to, sizeof to, "To: <sip:%s@y>%s%s\r\n", x->to ? x->to : "b", x->ttag ? ";tag=" : "",
                 x->ttag ? x->ttag : "");
        char ha[16], hb[16];
        snprintf(ha, sizeof ha, "%u.%u.%u.%u", scen_a >> 24, (scen_a >> 16) & 255,
                 (scen_a >> 8) & 255, scen_a & 255);
        snprintf(hb, sizeof hb, "%u.%u.%u.%u", scen_b >> 24, (scen_b >> 16) & 255,
                 (scen_b >> 8) & 255, scen_b & 255);
        bool resp = strncmp(x->start, "SIP/2.0 ", 8) == 0;
        /* the top Via names the request's sender, in responses too */
        const char *via = resp ? (x->from_b ? ha : hb) : (x->from_b ? hb : ha);
        int len = snprintf(buf, sizeof buf,
                           "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=%s\r\n"
                           "From: <sip:a@x>;tag=%s\r\n%sCall-ID: %s\r\nCSeq: %d %s\r\n"
                           "%s%sContent-Length: %zu\r\n\r\n%s",
                           x->start, via, x->branch, x->ftag, to, x->callid, x->cseq, x->cmethod,
                           x->extra ? x->extra : "",
                           x->sdp ? "Content-Type: application/sdp\r\n" : "",
                           x->sdp ? strlen(x->sdp) : (size_t)0, x->sdp ? x->sdp : "");
        assert_true(len > 0 && len < (int)sizeof buf);
        uint32_t a = scen_a, b = scen_b;
        uint32_t us = (uint32_t)(i * (size_t)gap_ms * 1000);
        pw_frame(&w, 1000 + us / 1000000, us % 1000000, x->from_b ? b : a, x->from_b ? a : b,
                 5060, 5060, false, 0, buf, (size_t)len);
    }
    char *path = pw_save(&w, false);
    free(w.buf);
    model md = scen_read(path, scen_opts);
    assert_int_equal(sw_trace_count(md.t), n);
    return md;
}

static void drop(model *md)
{
    sw_corr_free(md->c);
    sw_trace_free(md->t);
    sw_capset_close(md->cs);
    unlink(md->path);
    free(md->path);
}

#define BR(x) "z9hG4bK" x
#define N(a) (sizeof(a) / sizeof((a)[0]))

#endif
