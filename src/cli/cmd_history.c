/*
 * `sipwhy history INPUT... [where EXPR]`: one line per SIP message in capture
 * order, as Asterisk's `pjsip show history` lists its in-memory history, but
 * over capture files. Lines are written while the capture is read, unless
 * the where expression is call-level (call.state, call.duration, ...): a
 * call's outcome is known only at the end, so then the capture is read
 * first and the messages printed after.

 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../capture/capture.h"
#include "../correlate/correlate.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"


/* ---- history ------------------------------------------------------------- */

static const char usage[] =
    "usage: sipwhy history [OPTIONS] INPUT... [where EXPR...]\n"
    "List every SIP message of the capture files in time order.\n"
    "\n"
    "  -f, --format FMT   text (default), tsv or json (JSON Lines)\n"
    "  -w, --where EXPR   only messages matching EXPR (see WHERE EXPRESSIONS in sipwhy(1)),\n"
    "                     e.g. -w 'sip.msg.request.method = INVITE and addr = 10.0.0.0/8';\n"
    "                     a call.* field keeps every message of the matching calls\n"
    "      --lang LANG    en or ru: language of the response annotations\n"
    "      --no-explain   do not annotate responses with their meaning\n"
    "      --color WHEN   auto (default), always or never\n"
    "      --stats        print counters on stderr at the end\n"
    "      --limit NAME=N change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help         this help\n"
    "INPUT is a pcap or pcapng file, optionally gzip-compressed, or - for stdin.\n";

typedef struct hctx {
    sw_render_opts ro;
    const sw_trace *t;
    sw_corr *corr;
    sw_query *q;   /* NULL: every message */
    bool deferred; /* call-level expression: print after reading */
    int oom;
} hctx;

/* Each message goes through the transaction layer first, so the line can say
 * whether it is a retransmission: that is known as soon as it arrives. */
static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    hctx *h = ud;
    if (sw_corr_add(h->corr, number, m, sip)) {
        h->oom = 1;
        return 1;
    }
    if (h->deferred)
        return 0;
    if (h->q) {
        sw_query_ctx ctx;
        sw_query_ctx_init(&ctx);
        ctx.trace = h->t;
        ctx.corr = h->corr;
        ctx.number = number;
        ctx.msg = m;
        ctx.sip = sip;
        if (!sw_query_match_msg(h->q, &ctx))
            return 0;
    }
    sw_render_history_line(stdout, &h->ro, h->t, number, m, sip,
                           sw_corr_msg_flags(h->corr, number));
    return 0;
}

/* Call-level expression: the model is complete; print the messages whose
 * call matches (a purely call-level expression is evaluated once per call). */
static int print_deferred(hctx *h)
{
    sw_corr_finish(h->corr, 0);
    size_t ncalls = sw_corr_ncalls(h->corr), n = sw_trace_count(h->t);
    bool per_call = !(sw_query_needs(h->q) & SW_QUERY_NEEDS_MSG);
    bool *keep = NULL;
    if (per_call) {
        keep = calloc(ncalls ? ncalls : 1, sizeof *keep);
        if (!keep)
            return SW_ENOMEM;
        sw_query_select_calls(h->q, h->t, h->corr, keep);
    }
    sw_sip_header *hdrs = malloc(256 * sizeof *hdrs);
    if (!hdrs) {
        free(keep);
        return SW_ENOMEM;
    }
    for (uint64_t i = 1; i <= n; i++) {
        const sw_msg *m = sw_trace_get(h->t, i);
        uint32_t call = sw_corr_msg_call(h->corr, i);
        if (per_call && (call == SW_NONE || call >= ncalls || !keep[call]))
            continue;
        sw_sip_msg sip;
        if (!m || sw_trace_parse(h->t, m, &sip, hdrs, 256) < 0)
            continue;
        if (!per_call) {
            sw_query_ctx ctx;
            sw_query_ctx_init(&ctx);
            ctx.trace = h->t;
            ctx.corr = h->corr;
            ctx.number = i;
            ctx.msg = m;
            ctx.sip = &sip;
            if (!sw_query_match_msg(h->q, &ctx))
                continue;
        }
        sw_render_history_line(stdout, &h->ro, h->t, i, m, &sip, sw_corr_msg_flags(h->corr, i));
    }
    free(hdrs);
    free(keep);
    return 0;
}

int sw_cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"lang", required_argument, 0, 'L'},
        {"no-explain", no_argument, 0, 'E'},   {"color", required_argument, 0, 'C'},
        {"colour", required_argument, 0, 'C'}, {"stats", no_argument, 0, 'S'},
        {"where", required_argument, 0, 'w'},  {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
        {0, 0, 0, 0}};
    static const char sopts[] = ":f:w:h";
    hctx h;
    memset(&h, 0, sizeof h);
    h.ro.explain = true;
    h.ro.lang = (sw_kb_lang)sw_cli_default_lang();
    int color = -1;
    bool stats = false;
    const char *where = NULL;
    char **words;
    size_t nwords;
    bool had_where;
    argc = sw_cli_where_split(argc, argv, opts, sopts, &words, &nwords, &had_where);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, sopts, opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (sw_cli_parse_format("history", optarg, 7, &h.ro.format))
                return SW_EXIT_USAGE;
            break;
        case 'L': {
            sw_lang l;
            if (sw_cli_parse_lang(optarg, &l))
                return SW_EXIT_USAGE;
            h.ro.lang = (sw_kb_lang)l;
            break;
        }
        case 'E': h.ro.explain = false; break;
        case 'C':
            if (!strcmp(optarg, "always"))
                color = 1;
            else if (!strcmp(optarg, "never"))
                color = 0;
            else if (!strcmp(optarg, "auto"))
                color = -1;
            else {
                sw_cli_error("history: unknown --color '%s' (expected auto|always|never)", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case 'S': stats = true; break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("history", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("history", c, argv, "sipwhy history --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("history: no input file (see sipwhy history --help)");
        return SW_EXIT_USAGE;
    }
    h.ro.color = color == -1 ? sw_cli_color(stdout) : color == 1;
    if (h.ro.format != SW_FMT_TEXT)
        h.ro.color = false;
    /* the expression is checked before any input is opened */
    int rc = sw_cli_where_compile("history", where, words, nwords, had_where, &h.q);
    if (rc)
        return rc;
    h.deferred = h.q && sw_query_is_call_level(h.q);

    sw_capset *cs;
    rc = sw_cli_open_inputs(argv + optind, (size_t)(argc - optind), &cs);
    if (rc) {
        sw_query_free(h.q);
        return rc;
    }
    sw_trace *t = sw_trace_new(sw_cli_trace_opts());
    if (!t) {
        sw_capset_close(cs);
        sw_query_free(h.q);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    h.t = t;
    /* Without a call-level expression, history needs only the transaction
     * layer (retransmissions): much cheaper than the whole call model. */
    sw_corr_opts co = {NULL, 0, !h.deferred, sw_cli_max_calls()};
    h.corr = sw_corr_new(t, &co);
    if (!h.corr) {
        sw_trace_free(t);
        sw_capset_close(cs);
        sw_query_free(h.q);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    sw_render_history_begin(stdout, &h.ro);
    int trc = sw_trace_read(t, cs, sink, &h);
    rc = sw_cli_report_inputs(cs);
    sw_cli_report_limits(t);
    if (h.deferred)
        sw_cli_report_corr_limits(h.corr);
    if (trc == SW_ENOMEM || h.oom) {
        sw_cli_error("out of memory after %zu messages", sw_trace_count(t));
        rc = SW_EXIT_USAGE;
    } else if (h.deferred && print_deferred(&h)) {
        sw_cli_error("out of memory");
        rc = SW_EXIT_USAGE;
    }
    if (h.q && sw_query_regex_failures(h.q))
        sw_cli_warn("history: where: %llu regular-expression matches hit a PCRE2 limit and "
                    "counted as no match",
                    (unsigned long long)sw_query_regex_failures(h.q));
    if (stats)
        sw_cli_print_stats(t);
    rc = sw_cli_finish_output(rc);
    sw_query_free(h.q);
    sw_corr_free(h.corr);
    sw_trace_free(t);
    sw_capset_close(cs);
    return rc;
}
