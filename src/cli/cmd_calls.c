/*
 * `sipwhy calls INPUT...`: one line per call (INVITE dialogs grouped by
 * Call-ID), with state, timings and the conversation its legs belong to.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../correlate/correlate.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy calls [OPTIONS] INPUT...\n"
    "List the calls of the capture files: one line per Call-ID with an INVITE.\n"
    "\n"
    "  -f, --format FMT       text (default), tsv or json (JSON Lines)\n"
    "  -a, --all              list every Call-ID (REGISTER, SUBSCRIBE, OPTIONS, ...)\n"
    "      --link-header NAME a header that carries the other leg's Call-ID (repeatable)\n"
    "      --stats            print counters on stderr at the end\n"
    "  -h, --help             this help\n"
    "In text output, * after the state marks a call still going at the end of the capture.\n";

#define MAX_LINK 16

int sw_cmd_calls(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"all", no_argument, 0, 'a'},
                                         {"link-header", required_argument, 0, 'l'},
                                         {"stats", no_argument, 0, 'S'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    sw_render_opts ro;
    memset(&ro, 0, sizeof ro);
    bool all = false, stats = false;
    const char *links[MAX_LINK];
    size_t nlinks = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":f:ah", opts, NULL)) != -1) {
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
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
            sw_cli_error("calls: option '%s' needs a value", argv[optind - 1]);
            return SW_EXIT_USAGE;
        default:
            sw_cli_error("calls: unknown option '%s' (see sipwhy calls --help)", argv[optind - 1]);
            return SW_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        sw_cli_error("calls: no input file (see sipwhy calls --help)");
        return SW_EXIT_USAGE;
    }
    sw_cli_model mdl;
    int rc = sw_cli_model_load(&mdl, argv + optind, (size_t)(argc - optind), links, nlinks, stats);
    if (rc)
        return rc;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    sw_render_calls_begin(stdout, &ro);
    for (size_t i = 0; i < sw_corr_ncalls(mdl.corr); i++) {
        const sw_call *k = sw_corr_call(mdl.corr, (uint32_t)i);
        if (!all && k->kind != SW_CALL_INVITE)
            continue;
        sw_render_call_line(stdout, &ro, mdl.trace, mdl.corr, (uint32_t)i);
    }
    rc = sw_cli_finish_output(SW_EXIT_OK);
    sw_cli_model_free(&mdl);
    return rc;
}
