/*
 * `sipwhy tui INPUT...`: the capture files read into the model (with their
 * RTP streams), then the terminal interface (src/tui) on them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../correlate/correlate.h"
#include "../media/media.h"
#include "../query/query.h"
#include "../tui/tui.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy tui [OPTIONS] INPUT...\n"
    "Browse the capture in the terminal: the calls, a call's flow with its messages, a\n"
    "message in full with what it means, the findings of the diagnosis.\n"
    "\n"
    "  -w, --where EXPR       start with this filter on the call list (F7 changes it)\n"
    "      --ascii            draw the ladder in ASCII (the default without a UTF-8 locale)\n"
    "      --lang LANG        en or ru\n"
    "      --link-header NAME a header that carries the other leg's Call-ID (repeatable)\n"
    "      --limit NAME=N     change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help             this help\n"
    "Keys: F1 or h in the interface.\n";

#define MAX_LINK 16

/* Saving calls: the RTP is not kept while browsing (a capture's media can be
 * larger than the memory), so the inputs are read once more with a hook
 * that keeps the RTP of the chosen calls (split.c), which then writes them.
 * The second reading builds the same model, call for call. */
typedef struct saver {
    char **inputs;
    size_t ninputs;
    const sw_corr *corr; /* the model the interface shows */
    const bool *keep;
    size_t nkeep;
    sw_cli_model m2;     /* the second reading */
    sw_split *split;
} saver;

static void save_rtp(void *ud, size_t stream, const sw_rtp_hdr *h, const sw_payload *pl)
{
    saver *s = ud;
    if (!s->split) {
        /* the model's parts exist from the start of the reading */
        s->split = sw_split_new(NULL, s->m2.trace, s->m2.corr, s->m2.media);
        if (!s->split)
            return;
        sw_split_only(s->split, s->keep, s->nkeep);
    }
    sw_split_rtp(s->split, stream, h, pl);
}

static int save_calls(void *ud, const bool *keep, size_t ncalls, const char *path, char *msg,
                      size_t cap)
{
    saver *s = ud;
    s->keep = keep;
    s->nkeep = ncalls;
    s->split = NULL;
    sw_media_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.on_rtp = save_rtp;
    mo.on_rtp_ud = s;
    /* the second reading's warnings were printed by the first one, before
     * the interface started; a failure goes to the status line */
    sw_cli_quiet(true);
    int rc = sw_cli_model_load_media_opts(&s->m2, s->inputs, s->ninputs, &mo);
    sw_cli_quiet(false);
    if (rc) {
        snprintf(msg, cap, " save: the captures could not be read again");
        sw_split_free(s->split);
        return rc;
    }
    bool same = sw_corr_ncalls(s->m2.corr) == sw_corr_ncalls(s->corr);
    for (size_t i = 0; same && i < ncalls; i++)
        if (keep[i])
            same = sw_str_eq(sw_corr_call_id(s->m2.corr, sw_corr_call(s->m2.corr, (uint32_t)i)),
                             sw_corr_call_id(s->corr, sw_corr_call(s->corr, (uint32_t)i)));
    uint64_t nsip = 0, nrtp = 0;
    size_t k = 0;
    for (size_t i = 0; i < ncalls; i++)
        k += keep[i];
    if (!same) {
        snprintf(msg, cap, " save: the captures changed since they were read");
        rc = SW_EFORMAT;
    } else {
        if (!s->split)
            s->split = sw_split_new(NULL, s->m2.trace, s->m2.corr, s->m2.media);
        rc = s->split ? sw_split_write_calls(s->split, keep, ncalls, path, &nsip, &nrtp)
                      : SW_ENOMEM;
        if (rc)
            snprintf(msg, cap, " save: %s: %s", path,
                     rc == SW_ENOMEM ? "out of memory" : strerror(errno));
        else
            snprintf(msg, cap, " saved %zu call%s to %s: %" PRIu64 " SIP messages, %" PRIu64
                     " RTP packets", k, k == 1 ? "" : "s", path, nsip, nrtp);
    }
    sw_split_free(s->split);
    s->split = NULL;
    sw_cli_model_free(&s->m2);
    return rc;
}

int sw_cmd_tui(int argc, char **argv)
{
    enum { O_ASCII = 256, O_LANG, O_LINK };
    static const struct option opts[] = {{"where", required_argument, 0, 'w'},
                                         {"ascii", no_argument, 0, O_ASCII},
                                         {"lang", required_argument, 0, O_LANG},
                                         {"link-header", required_argument, 0, O_LINK},
                                         {"help", no_argument, 0, 'h'},
                                         SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    sw_tui_opts to;
    memset(&to, 0, sizeof to);
    to.lang = (sw_kb_lang)sw_cli_default_lang();
    const char *links[MAX_LINK];
    size_t nlinks = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': to.where = optarg; break;
        case O_ASCII: to.ascii = true; break;
        case O_LANG: {
            sw_lang lg;
            if (sw_cli_parse_lang(optarg, &lg))
                return SW_EXIT_USAGE;
            to.lang = (sw_kb_lang)lg;
            break;
        }
        case O_LINK:
            if (nlinks == MAX_LINK) {
                sw_cli_error("tui: at most %d --link-header", MAX_LINK);
                return SW_EXIT_USAGE;
            }
            links[nlinks++] = optarg;
            break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("tui", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("tui", c, argv, "sipwhy tui --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("tui: no input (see sipwhy tui --help)");
        return SW_EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        sw_cli_error("tui: needs a terminal on standard input and output (for output to a "
                     "file or a pipe use calls, flow, show or diagnose)");
        return SW_EXIT_USAGE;
    }
    if (to.where) {
        /* checked now, so that a typo is an error on the command line */
        sw_query *q = NULL;
        int rc = sw_cli_where_compile("tui", to.where, NULL, 0, false, &q);
        sw_query_free(q);
        if (rc)
            return rc;
    }
    sw_cli_model mdl;
    int rc = sw_cli_model_load_media(&mdl, argv + optind, (size_t)(argc - optind), links, nlinks,
                                     false);
    if (rc)
        return rc;
    to.inputs = (const char *const *)mdl.inputs;
    to.ninputs = mdl.ninputs;
    to.media = mdl.media;
    saver sv;
    memset(&sv, 0, sizeof sv);
    sv.inputs = argv + optind;
    sv.ninputs = (size_t)(argc - optind);
    sv.corr = mdl.corr;
    to.save = save_calls;
    to.save_ud = &sv;
    if (sv.ninputs == 1 && !strcmp(sv.inputs[0], "-"))
        to.save = NULL; /* standard input cannot be read twice */
    int trc = sw_tui_run(mdl.trace, mdl.corr, &to);
    sw_cli_model_free(&mdl);
    if (trc == SW_EIO) {
        sw_cli_error("tui: cannot use the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
        return SW_EXIT_USAGE;
    }
    if (trc) {
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    return SW_EXIT_OK;
}
