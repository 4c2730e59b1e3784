/*
 * `sipwhy calls INPUT... [where EXPR]`: one line per call (INVITE dialogs
 * grouped by Call-ID), with state, timings and the conversation its legs
 * belong to. With a where expression, a call is listed when at least one of
 * its messages satisfies it, call.* fields taken from the call
 * (sw_query_select_calls).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../correlate/correlate.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy calls [OPTIONS] INPUT... [where EXPR...]\n"
    "List the calls of the capture files: one line per Call-ID with an INVITE.\n"
    "\n"
    "  -f, --format FMT       text (default), tsv or json (JSON Lines)\n"
    "  -a, --all              list every Call-ID (REGISTER, SUBSCRIBE, OPTIONS, ...)\n"
    "  -w, --where EXPR       only calls with a message matching EXPR, e.g.\n"
    "                         -w 'call.state = cancelled', -w 'sip.msg.response.code = 5xx'\n"
    "      --link-header NAME a header that carries the other leg's Call-ID (repeatable)\n"
    "      --stats            print counters on stderr at the end\n"
    "      --limit NAME=N     change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help             this help\n"
    "In text output, * after the state marks a call still going at the end of the capture.\n";

#define MAX_LINK 16

int sw_cmd_calls(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"all", no_argument, 0, 'a'},
                                         {"link-header", required_argument, 0, 'l'},
                                         {"stats", no_argument, 0, 'S'},
                                         {"where", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    static const char sopts[] = ":f:aw:h";
    sw_render_opts ro;
    memset(&ro, 0, sizeof ro);
    bool all = false, stats = false;
    const char *links[MAX_LINK];
    size_t nlinks = 0;
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
            if (sw_cli_parse_format("calls", optarg, 7, &ro.format))
                return SW_EXIT_USAGE;
            break;
        case 'a': all = true; break;
        case 'l':
            if (nlinks == MAX_LINK) {
                sw_cli_error("calls: at most %d --link-header options", MAX_LINK);
                return SW_EXIT_USAGE;
            }
            links[nlinks++] = optarg;
            break;
        case 'S': stats = true; break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("calls", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("calls", c, argv, "sipwhy calls --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("calls: no input file (see sipwhy calls --help)");
        return SW_EXIT_USAGE;
    }
    sw_query *q;
    int rc = sw_cli_where_compile("calls", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    sw_cli_model mdl;
    rc = sw_cli_model_load(&mdl, argv + optind, (size_t)(argc - optind), links, nlinks, stats);
    if (rc) {
        sw_query_free(q);
        return rc;
    }
    size_t ncalls = sw_corr_ncalls(mdl.corr);
    bool *keep = NULL;
    if (q) {
        keep = calloc(ncalls ? ncalls : 1, sizeof *keep);
        if (!keep) {
            sw_query_free(q);
            sw_cli_model_free(&mdl);
            sw_cli_error("out of memory");
            return SW_EXIT_USAGE;
        }
        sw_query_select_calls(q, mdl.trace, mdl.corr, keep);
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    sw_render_calls_begin(stdout, &ro);
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *k = sw_corr_call(mdl.corr, (uint32_t)i);
        if (!all && k->kind != SW_CALL_INVITE)
            continue;
        if (keep && !keep[i])
            continue;
        sw_render_call_line(stdout, &ro, mdl.trace, mdl.corr, (uint32_t)i);
    }
    if (q && sw_query_regex_failures(q))
        sw_cli_warn("calls: where: %llu regular-expression matches hit a PCRE2 limit and "
                    "counted as no match",
                    (unsigned long long)sw_query_regex_failures(q));
    rc = sw_cli_finish_output(SW_EXIT_OK);
    free(keep);
    sw_query_free(q);
    sw_cli_model_free(&mdl);
    return rc;
}
