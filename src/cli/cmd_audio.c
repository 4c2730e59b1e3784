/*
 * `sipwhy audio INPUT...`: the audio of calls as WAV files.
 *
 * The capture is read once with a packet hook on the media stage: each RTP
 * packet of a stream that belongs to a selected call (or is the selected
 * stream) is decoded into that stream's track as it passes, so payload bytes
 * are never kept. With a `where` expression the capture is read twice: the
 * first pass builds the model the expression is evaluated on (call fields
 * are final only at the end), the second decodes.
 *
 * A call's file is stereo: left, what the caller sent; right, what the
 * called party sent. Which side a stream comes from follows from the SDP
 * that announced it: a stream to the address the caller's SDP offered is
 * the called party speaking. Tracks sit on the capture's clock, from the
 * first packet of the call's audio: a party that starts talking a second
 * later starts a second later in the file.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../correlate/correlate.h"
#include "../media/media.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy audio [OPTIONS] INPUT... [where EXPR...]\n"
    "Decodes the RTP audio of calls (G.711: PCMU, PCMA) into WAV files, 16-bit\n"
    "8 kHz: one stereo file per call, the caller on the left channel and the\n"
    "called party on the right, both on the capture's clock. Without --call or\n"
    "--stream every call with RTP is written (call-N.wav, N as in `sipwhy calls`).\n"
    "\n"
    "  -c, --call N|ID     one call: its index from `sipwhy calls`, or its Call-ID\n"
    "  -s, --stream N      one stream (index from `sipwhy rtp`), as a mono file\n"
    "  -o, --output FILE   the file for --call or --stream (default call-N.wav,\n"
    "                      stream-N.wav)\n"
    "  -d, --dir DIR       directory for the files (default: the current one)\n"
    "  -f, --format FMT    report of what was written: text (default), tsv or json\n"
    "  -w, --where EXPR    only the calls EXPR selects (see sipwhy(1)); reads the\n"
    "                      inputs twice, so they must be files\n"
    "      --limit NAME=N  change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help          this help\n"
    "\n"
    "Lost packets are silence; DTMF events and comfort noise are skipped; a\n"
    "stream in another codec is reported and left out. Exit 1 when a selected\n"
    "call had no RTP or a stream could not be decoded.\n";

enum { ST_UNSEEN = 0, ST_TAKE, ST_SKIP };

typedef struct actx {
    sw_cli_model *mdl;
    uint32_t call;          /* --call by index, SW_NONE */
    const char *call_id;    /* --call by Call-ID */
    size_t stream;          /* --stream N (0-based), SIZE_MAX none */
    const bool *keep_call;  /* from the where pass, NULL none */
    size_t nkeep;
    uint8_t *state;         /* per stream: ST_* */
    sw_audio_track *tracks; /* per stream */
    size_t cap;
    bool oom;
} actx;

static uint32_t stream_call(const sw_cli_model *mdl, const sw_rtp_stream *s)
{
    return s->sdp_msg ? sw_corr_msg_call(mdl->corr, s->sdp_msg) : SW_NONE;
}

static bool selected(actx *a, size_t i, const sw_rtp_stream *s)
{
    if (a->stream != SIZE_MAX)
        return i == a->stream;
    uint32_t call = stream_call(a->mdl, s);
    if (call == SW_NONE)
        return false;
    if (a->call_id) {
        uint32_t want = sw_corr_find_call(a->mdl->corr, sw_str_cstr(a->call_id));
        return want != SW_NONE && call == want;
    }
    if (a->call != SW_NONE)
        return call == a->call;
    if (a->keep_call)
        return call < a->nkeep && a->keep_call[call];
    return true;
}

static void on_rtp(void *ud, size_t i, const sw_rtp_hdr *h, const sw_payload *pl)
{
    actx *a = ud;
    if (a->oom)
        return;
    if (i >= a->cap) {
        size_t nc = a->cap ? a->cap : 64;
        while (nc <= i)
            nc *= 2;
        uint8_t *ns = realloc(a->state, nc);
        if (!ns) {
            a->oom = true;
            return;
        }
        a->state = ns;
        sw_audio_track *nt = realloc(a->tracks, nc * sizeof *nt);
        if (!nt) {
            a->oom = true;
            return;
        }
        a->tracks = nt;
        memset(a->state + a->cap, 0, nc - a->cap);
        memset(a->tracks + a->cap, 0, (nc - a->cap) * sizeof *nt);
        a->cap = nc;
    }
    if (a->state[i] == ST_UNSEEN) {
        const sw_rtp_stream *s = sw_media_stream(a->mdl->media, i);
        a->state[i] = s && selected(a, i, s) ? ST_TAKE : ST_SKIP;
        if (a->state[i] == ST_TAKE) {
            a->tracks[i].codec = sw_audio_codec(s->pt, s->codec);
            a->tracks[i].pt = s->pt;
        }
    }
    if (a->state[i] == ST_TAKE &&
        sw_audio_track_add(&a->tracks[i], h, pl->data + h->hdr_len, pl->ts_ns))
        a->oom = true;
}

/* ---- output --------------------------------------------------------------- */

typedef struct part {
    size_t stream;
    int channel; /* 0 left (caller), 1 right (called party) */
} part;

typedef struct outfile {
    char path[4096];
    uint32_t call;    /* SW_NONE for a stream file */
    size_t stream;    /* for a stream file */
    unsigned nch;
    double seconds;
    int64_t t0;
} outfile;

static void json_track(FILE *f, const sw_cli_model *mdl, const actx *a, size_t i, int ch,
                       int64_t t0, bool *first)
{
    const sw_rtp_stream *s = sw_media_stream(mdl->media, i);
    const sw_audio_track *t = &a->tracks[i];
    char sa[64], da[64];
    sw_addr_str(&s->src, sa, sizeof sa);
    sw_addr_str(&s->dst, da, sizeof da);
    fprintf(f, "%s{\"stream\":%zu,\"channel\":\"%s\",\"src\":\"%s:%u\",\"dst\":\"%s:%u\",\"codec\":",
            *first ? "" : ",", i + 1, ch < 0 ? "mono" : ch == 0 ? "left" : "right", sa, s->sport,
            da, s->dport);
    sw_json_cstr(f, s->codec);
    fprintf(f, ",\"decoded\":%s,\"packets\":%" PRIu64 ",\"skipped\":%" PRIu64
               ",\"offset_s\":%.3f,\"seconds\":%.3f}",
            t->codec >= 0 ? "true" : "false", t->packets, t->skipped,
            t->started ? (double)(t->t_start - t0) / 1e9 : 0.0, (double)t->n / SW_AUDIO_RATE);
    *first = false;
}

static void text_track(FILE *f, const sw_cli_model *mdl, const actx *a, size_t i, int ch, int64_t t0)
{
    const sw_rtp_stream *s = sw_media_stream(mdl->media, i);
    const sw_audio_track *t = &a->tracks[i];
    char sa[64], da[64];
    sw_addr_str(&s->src, sa, sizeof sa);
    sw_addr_str(&s->dst, da, sizeof da);
    fprintf(f, "    %-6s stream %zu  %s:%u -> %s:%u  ", ch < 0 ? "mono" : ch == 0 ? "left" : "right",
            i + 1, sa, s->sport, da, s->dport);
    sw_text_safe(f, sw_str_cstr(s->codec), false);
    if (t->codec < 0)
        fputs("  not decoded (sipwhy decodes PCMU and PCMA)\n", f);
    else
        fprintf(f, "  %" PRIu64 " packets, from %.3f s, %.3f s long\n", t->packets,
                (double)(t->t_start - t0) / 1e9, (double)t->n / SW_AUDIO_RATE);
}

static void tsv_track(FILE *f, const outfile *o, const sw_cli_model *mdl, const actx *a, size_t i,
                      int ch)
{
    const sw_rtp_stream *s = sw_media_stream(mdl->media, i);
    const sw_audio_track *t = &a->tracks[i];
    sw_tsv_field(f, sw_str_cstr(o->path));
    if (o->call != SW_NONE)
        fprintf(f, "\t%" PRIu32 "\t", o->call + 1);
    else
        fputs("\t\t", f);
    fprintf(f, "%s\t%zu\t", ch < 0 ? "mono" : ch == 0 ? "left" : "right", i + 1);
    sw_tsv_field(f, sw_str_cstr(s->codec));
    fprintf(f, "\t%s\t%" PRIu64 "\t%.3f\t%.3f\n", t->codec >= 0 ? "yes" : "no", t->packets,
            t->started ? (double)(t->t_start - o->t0) / 1e9 : 0.0, (double)t->n / SW_AUDIO_RATE);
}

/* Sums tracks into one channel buffer (saturating), placed from t0. */
static int mix(const actx *a, const part *parts, size_t np, int ch, int64_t t0, int16_t **out,
               size_t *outlen)
{
    size_t n = 0;
    for (size_t k = 0; k < np; k++) {
        const sw_audio_track *t = &a->tracks[parts[k].stream];
        if (parts[k].channel != ch || !t->n)
            continue;
        size_t off = (size_t)((t->t_start - t0) / (1000000000 / SW_AUDIO_RATE));
        if (off + t->n > n)
            n = off + t->n;
    }
    *out = NULL;
    *outlen = n;
    if (!n)
        return 0;
    int32_t *acc = calloc(n, sizeof *acc);
    int16_t *res = malloc(n * sizeof *res);
    if (!acc || !res) {
        free(acc);
        free(res);
        return SW_ENOMEM;
    }
    for (size_t k = 0; k < np; k++) {
        const sw_audio_track *t = &a->tracks[parts[k].stream];
        if (parts[k].channel != ch || !t->n)
            continue;
        size_t off = (size_t)((t->t_start - t0) / (1000000000 / SW_AUDIO_RATE));
        for (size_t j = 0; j < t->n; j++)
            acc[off + j] += t->s[j];
    }
    for (size_t j = 0; j < n; j++)
        res[j] = (int16_t)(acc[j] > 32767 ? 32767 : acc[j] < -32768 ? -32768 : acc[j]);
    free(acc);
    *out = res;
    return 0;
}

static int write_file(const char *path, unsigned nch, int16_t *const ch[], const size_t len[])
{
    size_t n = 0;
    for (unsigned c = 0; c < nch; c++)
        if (len[c] > n)
            n = len[c];
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    const int16_t *cc[2] = {ch[0], nch > 1 ? ch[1] : NULL};
    int rc = sw_render_wav(f, SW_AUDIO_RATE, nch, cc, len, n);
    if (fclose(f))
        rc = -1;
    return rc;
}

int sw_cmd_audio(int argc, char **argv)
{
    static const struct option opts[] = {{"call", required_argument, 0, 'c'},
                                         {"stream", required_argument, 0, 's'},
                                         {"output", required_argument, 0, 'o'},
                                         {"dir", required_argument, 0, 'd'},
                                         {"format", required_argument, 0, 'f'},
                                         {"where", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    static const char sopts[] = ":c:s:o:d:f:w:h";
    sw_format fmt = SW_FMT_TEXT;
    const char *where = NULL, *call_arg = NULL, *stream_arg = NULL, *output = NULL, *dir = NULL;
    char **words;
    size_t nwords;
    bool had_where;
    argc = sw_cli_where_split(argc, argv, opts, sopts, &words, &nwords, &had_where);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, sopts, opts, NULL)) != -1) {
        switch (c) {
        case 'c': call_arg = optarg; break;
        case 's': stream_arg = optarg; break;
        case 'o': output = optarg; break;
        case 'd': dir = optarg; break;
        case 'f':
            if (sw_cli_parse_format("audio", optarg,
                                    (1u << SW_FMT_TEXT) | (1u << SW_FMT_TSV) | (1u << SW_FMT_JSON),
                                    &fmt))
                return SW_EXIT_USAGE;
            break;
        case 'w': where = optarg; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("audio", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("audio", c, argv, "sipwhy audio --help");
        }
    }
    if (optind >= argc) {
        sw_cli_error("audio: no input file (see sipwhy audio --help)");
        return SW_EXIT_USAGE;
    }
    if (call_arg && stream_arg) {
        sw_cli_error("audio: --call and --stream exclude each other");
        return SW_EXIT_USAGE;
    }
    if (output && !call_arg && !stream_arg) {
        sw_cli_error("audio: --output names the file of one --call or --stream; use --dir for "
                     "several calls");
        return SW_EXIT_USAGE;
    }
    actx a;
    memset(&a, 0, sizeof a);
    a.call = SW_NONE;
    a.stream = SIZE_MAX;
    if (stream_arg) {
        uint64_t v;
        if (!sw_str_to_u64(sw_str_cstr(stream_arg), SIZE_MAX - 1, &v) || v == 0) {
            sw_cli_error("audio: --stream wants a stream number from `sipwhy rtp` (1, 2, ...), "
                         "not '%s'", stream_arg);
            return SW_EXIT_USAGE;
        }
        a.stream = (size_t)(v - 1);
    }
    if (call_arg) {
        uint64_t v;
        if (sw_str_to_u64(sw_str_cstr(call_arg), UINT32_MAX - 1, &v) && v >= 1)
            a.call = (uint32_t)(v - 1);
        else
            a.call_id = call_arg;
    }
    sw_query *q;
    int rc = sw_cli_where_compile("audio", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    char **inputs = argv + optind;
    size_t ninputs = (size_t)(argc - optind);
    bool *keep_call = NULL;
    if (q) {
        for (size_t i = 0; i < ninputs; i++)
            if (!strcmp(inputs[i], "-")) {
                sw_query_free(q);
                sw_cli_error("audio: a where expression reads the inputs twice: standard input "
                             "cannot be one (save it to a file)");
                return SW_EXIT_USAGE;
            }
        sw_cli_model m1;
        rc = sw_cli_model_load_media(&m1, inputs, ninputs, NULL, 0, false);
        if (rc) {
            sw_query_free(q);
            return rc;
        }
        bool *keep_msg = NULL;
        if (sw_cli_where_masks(q, m1.trace, m1.corr, &keep_msg, &keep_call)) {
            sw_query_free(q);
            sw_cli_model_free(&m1);
            sw_cli_error("out of memory");
            return SW_EXIT_USAGE;
        }
        free(keep_msg);
        a.keep_call = keep_call;
        a.nkeep = sw_corr_ncalls(m1.corr);
        sw_cli_model_free(&m1);
        sw_query_free(q);
    }

    sw_cli_model mdl;
    a.mdl = &mdl;
    sw_media_opts mo;
    memset(&mo, 0, sizeof mo);
    mo.on_rtp = on_rtp;
    mo.on_rtp_ud = &a;
    rc = sw_cli_model_load_media_opts(&mdl, inputs, ninputs, &mo);
    if (rc) {
        free(keep_call);
        return rc;
    }
    int out = SW_EXIT_OK;
    if (a.oom) {
        sw_cli_error("audio: out of memory while decoding");
        out = SW_EXIT_USAGE;
        goto done;
    }
    if (a.call_id) {
        a.call = sw_corr_find_call(mdl.corr, sw_str_cstr(a.call_id));
        if (a.call == SW_NONE) {
            sw_cli_error("audio: no call with Call-ID '%s' in the capture", a.call_id);
            out = SW_EXIT_USAGE;
            goto done;
        }
    } else if (call_arg && a.call >= sw_corr_ncalls(mdl.corr)) {
        sw_cli_error("audio: no call %s (the capture has %zu; see sipwhy calls)", call_arg,
                     sw_corr_ncalls(mdl.corr));
        out = SW_EXIT_USAGE;
        goto done;
    }
    size_t nstreams = sw_media_nstreams(mdl.media);
    if (stream_arg && a.stream >= nstreams) {
        sw_cli_error("audio: no stream %s (the capture has %zu; see sipwhy rtp)", stream_arg,
                     nstreams);
        out = SW_EXIT_USAGE;
        goto done;
    }

    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    FILE *f = stdout;
    if (fmt == SW_FMT_TSV)
        fputs("file\tcall\tchannel\tstream\tcodec\tdecoded\tpackets\toffset_s\tseconds\n", f);

    /* The files to write: one per selected call with streams, or the stream. */
    size_t ncalls = sw_corr_ncalls(mdl.corr);
    part *parts = malloc((nstreams ? nstreams : 1) * sizeof *parts);
    if (!parts) {
        sw_cli_error("out of memory");
        out = SW_EXIT_USAGE;
        goto done;
    }
    uint32_t call_lo = 0, call_hi = (uint32_t)ncalls;
    if (a.call != SW_NONE) {
        call_lo = a.call;
        call_hi = a.call + 1;
    }
    bool any = false;
    for (uint32_t call = call_lo; call < call_hi || (stream_arg && call == call_lo); call++) {
        size_t np = 0;
        outfile o;
        memset(&o, 0, sizeof o);
        o.call = stream_arg ? SW_NONE : call;
        o.stream = a.stream;
        o.t0 = INT64_MAX;
        if (stream_arg) {
            if (a.stream < a.cap && a.state[a.stream] == ST_TAKE)
                parts[np++] = (part){a.stream, -1};
        } else {
            if (a.keep_call && (call >= a.nkeep || !a.keep_call[call]))
                continue;
            const sw_call *k = sw_corr_call(mdl.corr, call);
            for (size_t i = 0; i < nstreams && i < a.cap; i++) {
                if (a.state[i] != ST_TAKE)
                    continue;
                const sw_rtp_stream *s = sw_media_stream(mdl.media, i);
                if (stream_call(&mdl, s) != call)
                    continue;
                const sw_msg *sm = sw_trace_get(mdl.trace, s->sdp_msg);
                bool sdp_from_caller = sm && k && sm->src == sw_corr_call_src(mdl.corr, k);
                /* The SDP named the receiver: a stream to the caller's
                 * address is the called party speaking. */
                bool sender_is_caller = s->sdp_for_dst ? !sdp_from_caller : sdp_from_caller;
                parts[np++] = (part){i, sender_is_caller ? 0 : 1};
            }
        }
        if (!np) {
            if (call_arg || stream_arg) {
                if (fmt == SW_FMT_TEXT)
                    fprintf(f, "%s %s: no RTP in the capture (nothing written)\n",
                            stream_arg ? "stream" : "call", stream_arg ? stream_arg : call_arg);
                else if (fmt == SW_FMT_JSON)
                    fprintf(f, "{\"file\":null,\"call\":%" PRIu32 ",\"tracks\":[]}\n", call + 1);
                out = SW_EXIT_PROBLEMS;
            }
            if (stream_arg)
                break;
            continue;
        }
        any = true;
        for (size_t k = 0; k < np; k++) {
            const sw_audio_track *t = &a.tracks[parts[k].stream];
            if (t->started && t->t_start < o.t0)
                o.t0 = t->t_start;
            if (t->codec < 0)
                out = SW_EXIT_PROBLEMS;
        }
        if (o.t0 == INT64_MAX)
            o.t0 = 0;
        char name[64];
        if (stream_arg)
            snprintf(name, sizeof name, "stream-%zu.wav", a.stream + 1);
        else
            snprintf(name, sizeof name, "call-%" PRIu32 ".wav", call + 1);
        const char *base = output ? output : name;
        if (dir && base[0] != '/')
            snprintf(o.path, sizeof o.path, "%s/%s", dir, base);
        else
            snprintf(o.path, sizeof o.path, "%s", base);
        o.nch = stream_arg ? 1 : 2;
        int16_t *ch[2] = {NULL, NULL};
        size_t len[2] = {0, 0};
        int mrc = 0;
        for (unsigned cch = 0; cch < o.nch && !mrc; cch++)
            mrc = mix(&a, parts, np, stream_arg ? -1 : (int)cch, o.t0, &ch[cch], &len[cch]);
        if (mrc) {
            free(ch[0]);
            free(ch[1]);
            free(parts);
            sw_cli_error("out of memory");
            out = SW_EXIT_USAGE;
            goto done;
        }
        o.seconds = (double)(len[0] > len[1] ? len[0] : len[1]) / SW_AUDIO_RATE;
        int wrc = write_file(o.path, o.nch, ch, len);
        free(ch[0]);
        free(ch[1]);
        if (wrc) {
            free(parts);
            sw_cli_error("audio: cannot write '%s'", o.path);
            out = SW_EXIT_USAGE;
            goto done;
        }
        const sw_call *k = o.call != SW_NONE ? sw_corr_call(mdl.corr, o.call) : NULL;
        if (fmt == SW_FMT_TEXT) {
            if (k) {
                fprintf(f, "call %" PRIu32 "  ", o.call + 1);
                sw_text_safe(f, sw_corr_call_id(mdl.corr, k), false);
                fputs("  -> ", f);
            } else {
                fprintf(f, "stream %zu  -> ", a.stream + 1);
            }
            sw_text_safe(f, sw_str_cstr(o.path), false);
            fprintf(f, "  (%s, %.3f s)\n", o.nch == 2 ? "stereo: left caller, right called party" : "mono",
                    o.seconds);
            for (int cch = stream_arg ? -1 : 0; cch < (stream_arg ? 0 : 2); cch++)
                for (size_t j = 0; j < np; j++)
                    if (parts[j].channel == cch)
                        text_track(f, &mdl, &a, parts[j].stream, cch, o.t0);
        } else if (fmt == SW_FMT_TSV) {
            for (size_t j = 0; j < np; j++)
                tsv_track(f, &o, &mdl, &a, parts[j].stream, parts[j].channel);
        } else {
            fputs("{\"file\":", f);
            sw_json_cstr(f, o.path);
            if (k) {
                fprintf(f, ",\"call\":%" PRIu32 ",\"call_id\":", o.call + 1);
                sw_json_str(f, sw_corr_call_id(mdl.corr, k));
            } else {
                fputs(",\"call\":null", f);
            }
            fprintf(f, ",\"channels\":%u,\"rate\":%d,\"seconds\":%.3f,\"start\":", o.nch,
                    SW_AUDIO_RATE, o.seconds);
            sw_render_epoch(f, o.t0);
            fputs(",\"tracks\":[", f);
            bool first = true;
            for (size_t j = 0; j < np; j++)
                json_track(f, &mdl, &a, parts[j].stream, parts[j].channel, o.t0, &first);
            fputs("]}\n", f);
        }
        if (stream_arg)
            break;
    }
    free(parts);
    if (!any && !call_arg && !stream_arg && fmt == SW_FMT_TEXT)
        fputs("no call with RTP in the capture (nothing written)\n", f);
    out = sw_cli_finish_output(out);
done:
    for (size_t i = 0; i < a.cap; i++)
        sw_audio_track_free(&a.tracks[i]);
    free(a.tracks);
    free(a.state);
    free(keep_call);
    sw_cli_model_free(&mdl);
    return out;
}
