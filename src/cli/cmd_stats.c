/*
 * `sipwhy stats INPUT...`: counts of a capture: messages per method and per
 * response code (retransmissions counted apart), calls by state, ASR, NER,
 * post-dial delay and setup time percentiles, registrations. The counting
 * and the output are render/stats.c's.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../correlate/correlate.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy stats [OPTIONS] INPUT... [where EXPR...]\n"
    "Count what the capture files hold.\n"
    "\n"
    "  -f, --format FMT   text (default) or json (one object; field names are stable)\n"
    "      --color[=WHEN] auto (default), always or never: bold headings\n"
    "  -w, --where EXPR   count only the messages and calls EXPR selects (as history and\n"
    "                     calls select them; see WHERE EXPRESSIONS in sipwhy(1))\n"
    "      --limit NAME=N change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help         this help\n"
    "\n"
    "Messages are counted per method and per status code, each as total (every\n"
    "message, as tshark -z sip,stat counts them), retransmissions, and excluding\n"
    "retransmissions. Over the INVITE calls (Call-IDs with an initial INVITE),\n"
    "judged by the first final response to that INVITE:\n"
    "  ASR = answered (2xx) / attempted\n"
    "  NER = (answered + busy 486/600 + no answer 480/487 + rejected by user 603)\n"
    "        / attempted\n"
    "where attempted counts every INVITE call, including those still unresolved at\n"
    "the end of the capture. Post-dial delay: INVITE to the first 180/183; setup\n"
    "time: INVITE to the 2xx. Percentiles by nearest rank (p90 of 10 values is the\n"
    "9th smallest). Registrations: per AOR, REGISTER transactions, 401/407\n"
    "challenges, 2xx and other final responses.\n";

int sw_cmd_stats(int argc, char **argv)
{
    enum { O_COLOR = 256 };
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"color", optional_argument, 0, O_COLOR},
                                         {"colour", optional_argument, 0, O_COLOR},
                                         {"where", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    static const char sopts[] = ":f:w:h";
    sw_format fmt = SW_FMT_TEXT;
    int color = 0;
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
            if (sw_cli_parse_format("stats", optarg, (1u << SW_FMT_TEXT) | (1u << SW_FMT_JSON),
                                    &fmt))
                return SW_EXIT_USAGE;
            break;
        case O_COLOR:
            if (!optarg || strcmp(optarg, "auto") == 0) {
                color = 0;
            } else if (strcmp(optarg, "always") == 0) {
                color = 1;
            } else if (strcmp(optarg, "never") == 0) {
                color = 2;
            } else {
                sw_cli_error("stats: unknown --color '%s' (expected auto|always|never)", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("stats", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("stats", c, argv, "sipwhy stats --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("stats: no input file (see sipwhy stats --help)");
        return SW_EXIT_USAGE;
    }
    sw_query *q;
    int rc = sw_cli_where_compile("stats", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    sw_cli_model mdl;
    rc = sw_cli_model_load(&mdl, argv + optind, (size_t)(argc - optind), NULL, 0, false);
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
    sw_stats *s = malloc(sizeof *s);
    int src = s ? sw_stats_compute_where(s, mdl.trace, mdl.corr, keep_msg, keep_call) : SW_ENOMEM;
    free(keep_msg);
    free(keep_call);
    if (src) {
        free(s);
        sw_cli_model_free(&mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    if (s->methods_full)
        sw_cli_warn("stats: more than %d distinct request methods; the rest are counted as "
                    "one line, '(other methods)'",
                    SW_STATS_MAX_METHODS);
    bool col = fmt == SW_FMT_TEXT && (color == 1 || (color == 0 && sw_cli_color(stdout)));
    sw_render_stats(stdout, s, fmt, col);
    rc = sw_cli_finish_output(SW_EXIT_OK);
    free(s);
    sw_cli_model_free(&mdl);
    return rc;
}
