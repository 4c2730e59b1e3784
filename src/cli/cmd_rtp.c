/*
 * `sipwhy rtp INPUT...`: one line per RTP stream that the capture's SDP
 * announced, grouped by call: packets, loss, arrival deltas, jitter.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../correlate/correlate.h"
#include "../media/media.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy rtp [OPTIONS] INPUT... [where EXPR...]\n"
    "One line per RTP stream announced by the capture's SDP, grouped by call.\n"
    "\n"
    "  -f, --format FMT   text (default), tsv (header line, one row per stream) or json\n"
    "                     (one object per line)\n"
    "  -w, --where EXPR   only the streams of the calls EXPR selects (see sipwhy(1))\n"
    "      --limit NAME=N change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help         this help\n"
    "\n"
    "A stream is one source, destination and SSRC. RTP is recognised the way\n"
    "Wireshark does it: UDP to or from an address and port that an SDP body\n"
    "announced (RTCP on the next port, or a=rtcp). lost = expected - received from\n"
    "the sequence numbers (negative when packets were duplicated); delta = time\n"
    "between consecutive packets; jitter = RFC 3550 interarrival jitter with the\n"
    "payload's clock rate (mean over packets, and the largest), in milliseconds.\n";

typedef struct row {
    const sw_rtp_stream *s;
    uint32_t call;
    size_t idx;
} row;

static int by_call(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->call != y->call)
        return x->call < y->call ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void addr(char *buf, size_t len, const sw_addr *a) { sw_addr_str(a, buf, len); }

static void epoch(FILE *f, int64_t ns) { fprintf(f, "%.6f", (double)ns / 1e9); }

int sw_cmd_rtp(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"where", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    static const char sopts[] = ":f:w:h";
    sw_format fmt = SW_FMT_TEXT;
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
            if (sw_cli_parse_format("rtp", optarg,
                                    (1u << SW_FMT_TEXT) | (1u << SW_FMT_TSV) | (1u << SW_FMT_JSON),
                                    &fmt))
                return SW_EXIT_USAGE;
            break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("rtp", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("rtp", c, argv, "sipwhy rtp --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("rtp: no input file (see sipwhy rtp --help)");
        return SW_EXIT_USAGE;
    }
    sw_query *q;
    int rc = sw_cli_where_compile("rtp", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    sw_cli_model mdl;
    rc = sw_cli_model_load_media(&mdl, argv + optind, (size_t)(argc - optind), NULL, 0, false);
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
    free(keep_msg);

    size_t n = sw_media_nstreams(mdl.media);
    row *rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows) {
        free(keep_call);
        sw_cli_model_free(&mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_rtp_stream *s = sw_media_stream(mdl.media, i);
        uint32_t call = s->sdp_msg ? sw_corr_msg_call(mdl.corr, s->sdp_msg) : SW_NONE;
        if (keep_call && (call == SW_NONE || !keep_call[call]))
            continue;
        rows[nr++] = (row){s, call, i};
    }
    free(keep_call);
    qsort(rows, nr, sizeof *rows, by_call);

    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    FILE *f = stdout;
    if (fmt == SW_FMT_TSV)
        fputs("stream\tcall\tcall_id\tstart\tend\tsrc_ip\tsrc_port\tdst_ip\tdst_port\tssrc\tpt\t"
              "codec\tpackets\tlost\tlost_pct\tdelta_min_ms\tdelta_mean_ms\tdelta_max_ms\t"
              "jitter_mean_ms\tjitter_max_ms\tout_of_order\tmarkers\tsdp_msg\tr_factor\tmos\t"
              "rtcp_blocks\trtcp_fraction_lost_max\trtcp_cum_lost\trtcp_jitter_max_ms\t"
              "rtcp_rtt_max_ms\n",
              f);
    else if (fmt == SW_FMT_TEXT)
        fprintf(f, "%4s %5s  %-22s    %-22s %-10s %-8s %7s %13s %8s %8s %8s %4s\n", "#", "call",
                "source", "destination", "ssrc", "codec", "packets", "lost", "delta ms",
                "jit avg", "jit max", "MOS");
    uint32_t last_call = UINT32_MAX - 1;
    for (size_t i = 0; i < nr; i++) {
        const sw_rtp_stream *s = rows[i].s;
        const sw_call *k = rows[i].call != SW_NONE ? sw_corr_call(mdl.corr, rows[i].call) : NULL;
        char sa[64], da[64];
        addr(sa, sizeof sa, &s->src);
        addr(da, sizeof da, &s->dst);
        double pct = s->expected ? 100.0 * (double)s->lost / (double)s->expected : 0;
        double dmean = s->nregular ? s->delta_sum_ms / (double)s->nregular : 0;
        double jmean = s->jitter_mean_ms;
        sw_rtp_quality qq = sw_rtp_quality_of(s);
        if (fmt == SW_FMT_TSV) {
            fprintf(f, "%zu\t", rows[i].idx + 1);
            if (k)
                fprintf(f, "%" PRIu32 "\t", rows[i].call + 1);
            else
                fputc('\t', f);
            if (k)
                sw_tsv_field(f, sw_corr_call_id(mdl.corr, k));
            fputc('\t', f);
            epoch(f, s->t_first);
            fputc('\t', f);
            epoch(f, s->t_last);
            fprintf(f,
                    "\t%s\t%u\t%s\t%u\t0x%08" PRIX32 "\t%u\t%s\t%" PRIu64 "\t%" PRId64
                    "\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%" PRIu64 "\t%u\t%" PRIu64
                    "\t%.1f\t%.2f\t%" PRIu32 "\t%u\t%" PRId32 "\t%.3f\t",
                    sa, s->sport, da, s->dport, s->ssrc, s->pt, s->codec, s->packets, s->lost,
                    pct, s->delta_min_ms, dmean, s->delta_max_ms, jmean, s->jitter_max_ms,
                    s->out_of_order, s->markers, s->sdp_msg, qq.r, qq.mos, s->rtcp_blocks,
                    s->rtcp_fraction_max, s->rtcp_cum_lost, s->rtcp_jitter_max_ms);
            if (s->rtcp_rtt_max_ms >= 0)
                fprintf(f, "%.3f", s->rtcp_rtt_max_ms);
            fputc('\n', f);
        } else if (fmt == SW_FMT_JSON) {
            fprintf(f, "{\"stream\":%zu,\"call\":", rows[i].idx + 1);
            if (k)
                fprintf(f, "%" PRIu32 ",\"call_id\":", rows[i].call + 1);
            else
                fputs("null,\"call_id\":", f);
            if (k)
                sw_json_str(f, sw_corr_call_id(mdl.corr, k));
            else
                fputs("null", f);
            fputs(",\"start\":", f);
            epoch(f, s->t_first);
            fputs(",\"end\":", f);
            epoch(f, s->t_last);
            fprintf(f,
                    ",\"src_ip\":\"%s\",\"src_port\":%u,\"dst_ip\":\"%s\",\"dst_port\":%u,"
                    "\"ssrc\":\"0x%08" PRIX32 "\",\"pt\":%u,\"codec\":",
                    sa, s->sport, da, s->dport, s->ssrc, s->pt);
            sw_json_cstr(f, s->codec);
            fprintf(f,
                    ",\"clock\":%" PRIu32 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
                    ",\"expected\":%" PRIu64 ",\"lost\":%" PRId64 ",\"lost_pct\":%.2f,"
                    "\"delta_min_ms\":%.3f,\"delta_mean_ms\":%.3f,\"delta_max_ms\":%.3f,"
                    "\"jitter_mean_ms\":%.3f,\"jitter_max_ms\":%.3f,\"out_of_order\":%" PRIu64
                    ",\"markers\":%u,\"payload_changed\":%s,\"sdp_msg\":%" PRIu64
                    ",\"r_factor\":%.1f,\"mos\":%.2f,\"mos_codec_known\":%s,\"dtmf\":\"%s\","
                    "\"rtcp_blocks\":%" PRIu32 ",\"rtcp_fraction_lost_max\":%u,"
                    "\"rtcp_cum_lost\":%" PRId32 ",\"rtcp_jitter_max_ms\":%.3f,\"rtcp_rtt_max_ms\":",
                    s->clock, s->packets, s->bytes, s->expected, s->lost, pct, s->delta_min_ms,
                    dmean, s->delta_max_ms, jmean, s->jitter_max_ms, s->out_of_order,
                    s->markers, s->pt_changed ? "true" : "false", s->sdp_msg, qq.r, qq.mos,
                    qq.codec_known ? "true" : "false", s->dtmf, s->rtcp_blocks,
                    s->rtcp_fraction_max, s->rtcp_cum_lost, s->rtcp_jitter_max_ms);
            if (s->rtcp_rtt_max_ms >= 0)
                fprintf(f, "%.3f}\n", s->rtcp_rtt_max_ms);
            else
                fputs("null}\n", f);
        } else {
            if (rows[i].call != last_call) {
                if (k) {
                    fprintf(f, "call %" PRIu32 "  ", rows[i].call + 1);
                    sw_text_safe(f, sw_corr_call_id(mdl.corr, k), false);
                    fputc('\n', f);
                } else {
                    fputs("no call (SDP not tied to a call)\n", f);
                }
                last_call = rows[i].call;
            }
            char src[96], dst[96], lost[32];
            snprintf(src, sizeof src, s->src.family == 6 ? "[%s]:%u" : "%s:%u", sa, s->sport);
            snprintf(dst, sizeof dst, s->dst.family == 6 ? "[%s]:%u" : "%s:%u", da, s->dport);
            snprintf(lost, sizeof lost, "%" PRId64 " (%.1f%%)", s->lost, pct);
            fprintf(f, "%4zu %5s  %-22s -> %-22s 0x%08" PRIX32 " %-8s %7" PRIu64
                       " %13s %8.1f %8.2f %8.2f %4.1f\n",
                    rows[i].idx + 1, k ? "" : "-", src, dst, s->ssrc, s->codec, s->packets, lost,
                    dmean, jmean, s->jitter_max_ms, qq.mos);
        }
    }
    if (fmt == SW_FMT_TEXT && nr == 0)
        fputs("no RTP stream (none announced by SDP, or none seen)\n", f);
    free(rows);
    rc = sw_cli_finish_output(SW_EXIT_OK);
    sw_cli_model_free(&mdl);
    return rc;
}
