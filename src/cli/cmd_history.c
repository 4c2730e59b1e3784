/*
 * `sipwhy history INPUT...`: one line per SIP message in capture order, as
 * Asterisk's `pjsip show history` lists its in-memory history, but over
 * capture files. Lines are written while the capture is read.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>

#include "../capture/capture.h"
#include "../correlate/correlate.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy history [OPTIONS] INPUT...\n"
    "List every SIP message of the capture files in time order.\n"
    "\n"
    "  -f, --format FMT   text (default), tsv or json (JSON Lines)\n"
    "      --lang LANG    en or ru: language of the response annotations\n"
    "      --no-explain   do not annotate responses with their meaning\n"
    "      --color WHEN   auto (default), always or never\n"
    "      --stats        print counters on stderr at the end\n"
    "  -h, --help         this help\n"
    "INPUT is a pcap or pcapng file, optionally gzip-compressed, or - for stdin.\n";

typedef struct hctx {
    sw_render_opts ro;
    const sw_trace *t;
    sw_corr *corr;
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
    sw_render_history_line(stdout, &h->ro, h->t, number, m, sip,
                           sw_corr_msg_flags(h->corr, number));
    return 0;
}

int sw_cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"lang", required_argument, 0, 'L'},
        {"no-explain", no_argument, 0, 'E'},   {"color", required_argument, 0, 'C'},
        {"colour", required_argument, 0, 'C'}, {"stats", no_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    hctx h;
    memset(&h, 0, sizeof h);
    h.ro.explain = true;
    h.ro.lang = (sw_kb_lang)sw_cli_default_lang();
    int color = -1;
    bool stats = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
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
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
            sw_cli_error("history: option '%s' needs a value", argv[optind - 1]);
            return SW_EXIT_USAGE;
        default:
            sw_cli_error("history: unknown option '%s' (see sipwhy history --help)",
                         argv[optind - 1]);
            return SW_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        sw_cli_error("history: no input file (see sipwhy history --help)");
        return SW_EXIT_USAGE;
    }
    h.ro.color = color == -1 ? sw_cli_color(stdout) : color == 1;
    if (h.ro.format != SW_FMT_TEXT)
        h.ro.color = false;

    sw_capset *cs;
    int rc = sw_cli_open_inputs(argv + optind, (size_t)(argc - optind), &cs);
    if (rc)
        return rc;
    sw_trace *t = sw_trace_new(NULL);
    if (!t) {
        sw_capset_close(cs);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    h.t = t;
    h.corr = sw_corr_new(t, NULL);
    if (!h.corr) {
        sw_trace_free(t);
        sw_capset_close(cs);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    sw_render_history_begin(stdout, &h.ro);
    int trc = sw_trace_read(t, cs, sink, &h);
    rc = sw_cli_report_inputs(cs);
    sw_cli_report_limits(t);
    if (trc == SW_ENOMEM || h.oom) {
        sw_cli_error("out of memory after %zu messages", sw_trace_count(t));
        rc = SW_EXIT_USAGE;
    }
    if (stats)
        sw_cli_print_stats(t);
    rc = sw_cli_finish_output(rc);
    sw_corr_free(h.corr);
    sw_trace_free(t);
    sw_capset_close(cs);
    return rc;
}
