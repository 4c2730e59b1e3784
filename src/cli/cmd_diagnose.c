/*
 * `sipwhy [diagnose] INPUT...`: sipwhy's main job. Reads the capture into the
 * call model, runs every diagnosis rule and prints what went wrong, why,
 * the evidence and what to do. Exit status 1 when an error was found, so
 * scripts and monitoring can use it.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../correlate/correlate.h"
#include "../diagnose/diagnose.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy [diagnose] [OPTIONS] INPUT... [where EXPR...]\n"
    "Diagnose the capture: what happened, what went wrong, why, and what to do.\n"
    "\n"
    "  -f, --format FMT       text (default) or json\n"
    "      --lang LANG        en or ru (default from LANG / LC_MESSAGES)\n"
    "  -c, --call CALL        only findings about one call (index from `calls`, or a Call-ID)\n"
    "  -w, --where EXPR       only findings about the calls EXPR selects (see sipwhy(1))\n"
    "      --link-header NAME a header that carries the other leg's Call-ID (repeatable)\n"
    "      --color WHEN       auto (default), always or never\n"
    "      --stats            print counters on stderr at the end\n"
    "      --limit NAME=N     change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help             this help\n"
    "Exit status: 0 no errors found, 1 errors found, 2 usage or input error.\n";

#define MAX_LINK 16

int sw_cmd_diagnose(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"lang", required_argument, 0, 'L'},
        {"call", required_argument, 0, 'c'},   {"link-header", required_argument, 0, 'l'},
        {"color", required_argument, 0, 'C'},  {"colour", required_argument, 0, 'C'},
        {"stats", no_argument, 0, 'S'},        {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
        {"where", required_argument, 0, 'w'},  {0, 0, 0, 0}};
    static const char sopts[] = ":f:c:w:h";
    const char *where = NULL;
    char **words;
    size_t nwords;
    bool had_where;
    argc = sw_cli_where_split(argc, argv, opts, sopts, &words, &nwords, &had_where);
    sw_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.lang = (sw_kb_lang)sw_cli_default_lang();
    const char *call_arg = NULL;
    const char *links[MAX_LINK];
    size_t nlinks = 0;
    int color = -1;
    bool stats = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, sopts, opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (sw_cli_parse_format("diagnose", optarg, (1u << SW_FMT_TEXT) | (1u << SW_FMT_JSON),
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
        case 'c': call_arg = optarg; break;
        case 'w': where = optarg; break;
        case 'l':
            if (nlinks == MAX_LINK) {
                sw_cli_error("diagnose: at most %d --link-header options", MAX_LINK);
                return SW_EXIT_USAGE;
            }
            links[nlinks++] = optarg;
            break;
        case 'C':
            if (!strcmp(optarg, "always"))
                color = 1;
            else if (!strcmp(optarg, "never"))
                color = 0;
            else if (!strcmp(optarg, "auto"))
                color = -1;
            else {
                sw_cli_error("diagnose: unknown --color '%s' (expected auto|always|never)", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case 'S': stats = true; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("diagnose", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("diagnose", c, argv, "sipwhy --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("diagnose: no input file (see sipwhy --help)");
        return SW_EXIT_USAGE;
    }
    ro.color = ro.format == SW_FMT_TEXT && (color == -1 ? sw_cli_color(stdout) : color == 1);
    sw_query *q;
    int rc = sw_cli_where_compile("diagnose", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    sw_cli_model mdl;
    rc = sw_cli_model_load_media(&mdl, argv + optind, (size_t)(argc - optind), links, nlinks,
                                 stats);
    if (rc) {
        sw_query_free(q);
        return rc;
    }
    bool *keep_msg = NULL, *keep_call = NULL;
    if (q && sw_cli_where_masks(q, mdl.trace, mdl.corr, &keep_msg, &keep_call)) {
        sw_query_free(q);
        sw_cli_model_free(&mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    sw_query_free(q);
    uint32_t only = SW_NONE;
    if (call_arg) {
        only = sw_cli_find_call(mdl.corr, call_arg);
        if (only == SW_NONE) {
            sw_cli_error("diagnose: no call '%s' in the capture (see sipwhy calls)", call_arg);
            free(keep_msg);
            free(keep_call);
            sw_cli_model_free(&mdl);
            return SW_EXIT_USAGE;
        }
    }
    sw_diag *d = sw_diag_new(mdl.trace, mdl.corr, ro.lang);
    if (d)
        sw_diag_set_media(d, mdl.media);
    if (!d || sw_diag_run(d, NULL)) {
        sw_cli_error("out of memory");
        sw_diag_free(d);
        free(keep_msg);
        free(keep_call);
        sw_cli_model_free(&mdl);
        return SW_EXIT_USAGE;
    }
    /* Which findings to show: --call keeps one call's; --where the selected
     * calls' (a finding about no call stays when one of its messages is
     * selected). */
    size_t nf = sw_diag_count(d);
    bool *keep = NULL;
    if (only != SW_NONE || keep_call) {
        keep = calloc(nf ? nf : 1, sizeof *keep);
        if (!keep) {
            sw_cli_error("out of memory");
            rc = SW_EXIT_USAGE;
            goto out;
        }
        for (size_t i = 0; i < nf; i++) {
            const sw_finding *x = sw_diag_finding(d, i);
            bool k = only == SW_NONE || x->call == only;
            if (k && keep_call) {
                if (x->call != SW_NONE) {
                    k = keep_call[x->call];
                } else {
                    k = false;
                    for (uint32_t e = 0; e < x->nevidence && !k; e++)
                        k = keep_msg[x->evidence[e].number - 1];
                }
            }
            keep[i] = k;
        }
    }
    ro.media = mdl.media;
    sw_render_diagnosis(stdout, &ro, mdl.trace, mdl.corr, d, (const char *const *)mdl.inputs,
                        mdl.ninputs, keep);
    size_t errors = 0;
    for (size_t i = 0; i < nf; i++)
        if (sw_diag_finding(d, i)->severity == SW_SEV_ERROR && (!keep || keep[i]))
            errors++;
    rc = sw_cli_finish_output(errors ? SW_EXIT_PROBLEMS : SW_EXIT_OK);
out:
    free(keep);
    free(keep_msg);
    free(keep_call);
    sw_diag_free(d);
    sw_cli_model_free(&mdl);
    return rc;
}
