/*
 * `sipwhy show INPUT... N`: message N in full, as Asterisk's
 * `pjsip show history entry N`: where it came from, the raw text as
 * captured, and what the parser made of it.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../capture/capture.h"
#include "../correlate/correlate.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy show [OPTIONS] INPUT... N\n"
    "       sipwhy show [OPTIONS] INPUT... [N] --where EXPR | where EXPR...\n"
    "Show SIP message number N (as numbered by `sipwhy history`) in full; with a\n"
    "where expression, every message it selects (N, if given, must be one of them).\n"
    "\n"
    "  -f, --format FMT   text (default) or json (one object per line)\n"
    "  -w, --where EXPR   the messages to show (see WHERE EXPRESSIONS in sipwhy(1))\n"
    "      --lang LANG    en or ru: language of the response annotation\n"
    "      --no-explain   do not annotate a response with its meaning\n"
    "      --limit NAME=N change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help         this help\n";

typedef struct sctx {
    uint64_t want;
} sctx;

/* Stops reading once message N has been completed: show needs nothing after it. */
static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    (void)m;
    (void)sip;
    return number >= ((sctx *)ud)->want ? 1 : 0;
}

/* show with a where expression: N is optional (a last argument that is a
 * number); the whole input is read, since call-level fields need the calls. */
static int show_where(const sw_render_opts *ro, int nargs, char **args, const char *where,
                      char **words, size_t nwords, bool had_where)
{
    sw_query *q;
    int rc = sw_cli_where_compile("show", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    uint64_t n = 0;
    if (nargs >= 2 && sw_str_to_u64(sw_str_cstr(args[nargs - 1]), UINT32_MAX, &n) && n > 0)
        nargs--;
    else
        n = 0;
    if (nargs < 1) {
        sw_query_free(q);
        sw_cli_error("show: no input file (see sipwhy show --help)");
        return SW_EXIT_USAGE;
    }
    sw_cli_model mdl;
    rc = sw_cli_model_load(&mdl, args, (size_t)nargs, NULL, 0, false);
    if (rc) {
        sw_query_free(q);
        return rc;
    }
    bool *keep_msg = NULL, *keep_call = NULL;
    int mrc = sw_cli_where_masks(q, mdl.trace, mdl.corr, &keep_msg, &keep_call);
    sw_query_free(q);
    free(keep_call);
    if (mrc) {
        sw_cli_model_free(&mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    size_t total = sw_trace_count(mdl.trace);
    if (n && (n > total || !keep_msg[n - 1])) {
        if (n > total)
            sw_cli_error("show: no message %" PRIu64 ": the input has %zu SIP message%s", n, total,
                         total == 1 ? "" : "s");
        else
            sw_cli_error("show: message %" PRIu64 " is not selected by the where expression", n);
        rc = SW_EXIT_USAGE;
    } else {
        bool first = true;
        for (uint64_t i = n ? n : 1; i <= (n ? n : total); i++) {
            const sw_msg *m = sw_trace_get(mdl.trace, i);
            if (!m || !keep_msg[i - 1])
                continue;
            if (!first && ro->format == SW_FMT_TEXT)
                fputc('\n', stdout);
            first = false;
            sw_render_show(stdout, ro, mdl.trace, mdl.ninputs,
                           (const char *const *)mdl.inputs, i, m);
        }
    }
    rc = sw_cli_finish_output(rc);
    free(keep_msg);
    sw_cli_model_free(&mdl);
    return rc;
}

int sw_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"lang", required_argument, 0, 'L'},
                                         {"no-explain", no_argument, 0, 'E'},
                                         {"where", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    static const char sopts[] = ":f:w:h";
    const char *where = NULL;
    char **words;
    size_t nwords;
    bool had_where;
    argc = sw_cli_where_split(argc, argv, opts, sopts, &words, &nwords, &had_where);
    sw_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.explain = true;
    ro.lang = (sw_kb_lang)sw_cli_default_lang();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, sopts, opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (sw_cli_parse_format("show", optarg, (1u << SW_FMT_TEXT) | (1u << SW_FMT_JSON),
                                    &ro.format))
                return SW_EXIT_USAGE;
            break;
        case 'L': {
            sw_lang l;
            if (sw_cli_parse_lang(optarg, &l))
                return SW_EXIT_USAGE;
            ro.lang = (sw_kb_lang)l;
            break;
        }
        case 'E': ro.explain = false; break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("show", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("show", c, argv, "sipwhy show --help");
        }
    }
    if (where || had_where)
        return show_where(&ro, argc - optind, argv + optind, where, words, nwords, had_where);
    if (argc - optind < 2) {
        sw_cli_error("show: expected INPUT... N (see sipwhy show --help)");
        return SW_EXIT_USAGE;
    }
    uint64_t n;
    const char *ns = argv[argc - 1];
    if (!sw_str_to_u64(sw_str_cstr(ns), UINT32_MAX, &n) || n == 0) {
        sw_cli_error("show: message number must be a positive integer, not '%s'", ns);
        return SW_EXIT_USAGE;
    }
    size_t ninputs = (size_t)(argc - optind - 1);
    sw_capset *cs;
    int rc = sw_cli_open_inputs(argv + optind, ninputs, &cs);
    if (rc)
        return rc;
    sw_trace *t = sw_trace_new(sw_cli_trace_opts());
    if (!t) {
        sw_capset_close(cs);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    sctx sc = {n};
    int trc = sw_trace_read(t, cs, sink, &sc);
    rc = sw_cli_report_inputs(cs);
    sw_cli_report_limits(t);
    const sw_msg *m = sw_trace_get(t, n);
    if (trc == SW_ENOMEM) {
        sw_cli_error("out of memory");
        rc = SW_EXIT_USAGE;
    } else if (!m) {
        sw_cli_error("show: no message %s: the input has %zu SIP message%s", ns,
                     sw_trace_count(t), sw_trace_count(t) == 1 ? "" : "s");
        rc = SW_EXIT_USAGE;
    } else {
        sw_render_show(stdout, &ro, t, ninputs, (const char *const *)(argv + optind), n, m);
    }
    rc = sw_cli_finish_output(rc);
    sw_trace_free(t);
    sw_capset_close(cs);
    return rc;
}
