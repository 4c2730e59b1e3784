/*
 * cli: helpers every command shares (errors, formats, language, colour).
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool quiet;

void sw_cli_quiet(bool on) { quiet = on; }

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    if (quiet)
        return;
    fprintf(stderr, "sipwhy: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void sw_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error", fmt, ap);
    va_end(ap);
}

int sw_cli_bad_option(const char *cmd, int c, char **argv, const char *help)
{
    if (c == ':')
        sw_cli_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
    else
        sw_cli_error("%s: unknown option '%s' (see %s)", cmd, argv[optind - 1], help);
    return SW_EXIT_USAGE;
}

void sw_cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning", fmt, ap);
    va_end(ap);
}

int sw_cli_parse_format(const char *cmd, const char *s, unsigned allowed, sw_format *out)
{
    static const char *names[] = {"text", "tsv", "json"};
    for (unsigned i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            if (!(allowed & (1u << i)))
                break;
            *out = (sw_format)i;
            return 0;
        }
    }
    char list[32] = "";
    for (unsigned i = 0; i < 3; i++) {
        if (allowed & (1u << i)) {
            if (list[0])
                strcat(list, "|");
            strcat(list, names[i]);
        }
    }
    sw_cli_error("%s: unknown --format '%s' (expected %s)", cmd, s, list);
    return -1;
}

int sw_cli_parse_lang(const char *s, sw_lang *out)
{
    if (strcmp(s, "en") == 0) {
        *out = SW_LANG_EN;
        return 0;
    }
    if (strcmp(s, "ru") == 0) {
        *out = SW_LANG_RU;
        return 0;
    }
    sw_cli_error("unknown --lang '%s' (expected en|ru)", s);
    return -1;
}

sw_lang sw_cli_default_lang(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < SW_ARRAY_LEN(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return (strncmp(v, "ru", 2) == 0) ? SW_LANG_RU : SW_LANG_EN;
    }
    return SW_LANG_EN;
}

bool sw_cli_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    return isatty(fileno(f)) == 1;
}

/* ---- inputs ------------------------------------------------------------ */

#include "../capture/capture.h"
#include "../correlate/correlate.h"
#include "../media/media.h"
#include "../query/query.h"
#include "../trace/trace.h"

#include <getopt.h>
#include <strings.h>

#include <errno.h>

int sw_cli_open_inputs(char **paths, size_t n, sw_capset **out)
{
    char err[512];
    int rc = sw_capset_open(out, (const char *const *)paths, n, err, sizeof err);
    if (rc) {
        sw_cli_error("%s", err);
        return SW_EXIT_USAGE;
    }
    return 0;
}

int sw_cli_report_inputs(sw_capset *cs)
{
    bool any = false, failed = false;
    for (size_t i = 0; i < sw_capset_count(cs); i++) {
        sw_capture *c = sw_capset_get(cs, i);
        uint64_t np = sw_capset_packets(cs, i);
        if (np)
            any = true;
        if (sw_capset_input_failed(cs, i)) {
            failed = true;
            if (np)
                sw_cli_warn("%s: %s; the %llu packets before it were read", sw_capture_path(c),
                            sw_capture_error(c), (unsigned long long)np);
            else
                sw_cli_error("%s: %s; no packet could be read", sw_capture_path(c),
                             sw_capture_error(c));
        }
    }
    return (!any && failed) ? SW_EXIT_USAGE : SW_EXIT_OK;
}

/* ---- bounds ------------------------------------------------------------ */

static sw_trace_opts g_topts = {.keep = true};
static size_t g_max_calls;
static bool g_topts_ready;

static void limits_ready(void)
{
    if (g_topts_ready)
        return;
    sw_decode_opts_default(&g_topts.decode);
    if (!g_topts.max_headers)
        g_topts.max_headers = 256;
    if (!g_max_calls)
        g_max_calls = SW_CORR_MAX_CALLS;
    g_topts_ready = true;
}

const sw_trace_opts *sw_cli_trace_opts(void)
{
    limits_ready();
    return &g_topts;
}

size_t sw_cli_max_calls(void)
{
    limits_ready();
    return g_max_calls;
}

static const char limit_names[] =
    "message, tcp-streams, tcp-bytes, tcp-ooo, frag-datagrams, frag-bytes, frag-timeout, "
    "headers, calls";

int sw_cli_parse_limit(const char *cmd, const char *arg)
{
    limits_ready();
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        sw_cli_error("%s: --limit wants NAME=VALUE (names: %s), not '%s'", cmd, limit_names, arg);
        return SW_EXIT_USAGE;
    }
    sw_str name = {arg, (size_t)(eq - arg)};
    const char *v = eq + 1;
    /* A number with an optional K, M or G suffix (powers of 1024). */
    size_t vl = strlen(v);
    uint64_t mul = 1;
    if (vl && strchr("kKmMgG", v[vl - 1])) {
        char u = (char)(v[vl - 1] | 0x20);
        mul = u == 'k' ? 1024u : u == 'm' ? 1024u * 1024u : 1024u * 1024u * 1024u;
        vl--;
    }
    uint64_t n;
    if (!vl || !sw_str_to_u64((sw_str){v, vl}, UINT64_MAX / mul, &n) || n == 0) {
        sw_cli_error("%s: --limit %.*s: '%s' is not a positive number", cmd, (int)name.len,
                     name.p, v);
        return SW_EXIT_USAGE;
    }
    n *= mul;
    struct {
        const char *name;
        uint64_t max;
    } const tab[] = {
        {"message", 64u << 20},        {"tcp-streams", 1u << 30},    {"tcp-bytes", 1ull << 40},
        {"tcp-ooo", 1u << 20},         {"frag-datagrams", 1u << 30}, {"frag-bytes", 1ull << 40},
        {"frag-timeout", 86400 * 365}, {"headers", 1u << 20},        {"calls", UINT32_MAX - 2},
    };
    size_t i;
    for (i = 0; i < SW_ARRAY_LEN(tab); i++)
        if (sw_str_eq(name, sw_str_cstr(tab[i].name)))
            break;
    if (i == SW_ARRAY_LEN(tab)) {
        sw_cli_error("%s: --limit: unknown bound '%.*s' (names: %s)", cmd, (int)name.len, name.p,
                     limit_names);
        return SW_EXIT_USAGE;
    }
    if (n > tab[i].max) {
        sw_cli_error("%s: --limit %s: %llu is over the most allowed, %llu", cmd, tab[i].name,
                     (unsigned long long)n, (unsigned long long)tab[i].max);
        return SW_EXIT_USAGE;
    }
    sw_decode_opts *d = &g_topts.decode;
    switch (i) {
    case 0: d->max_msg = (size_t)n; break;
    case 1: d->tcp_max_flows = (size_t)n; break;
    case 2: d->tcp_max_bytes = (size_t)n; break;
    case 3: d->tcp_max_ooo = (size_t)n; break;
    case 4: d->frag_max_datagrams = (size_t)n; break;
    case 5: d->frag_max_bytes = (size_t)n; break;
    case 6: d->frag_timeout_ns = (int64_t)n * 1000000000ll; break;
    case 7: g_topts.max_headers = (size_t)n; break;
    default: g_max_calls = (size_t)n; break;
    }
    return 0;
}

void sw_cli_print_stats(const sw_trace *t)
{
    const sw_trace_stats *s = sw_trace_stats_get(t);
    const sw_decode_stats *d = sw_trace_decode_stats(t);
    fprintf(stderr,
            "stats: packets=%llu messages=%llu bytes=%llu index_bytes=%llu arena_bytes=%llu "
            "mapped_bytes=%llu malformed=%llu truncated=%llu non_sip=%llu ip_reassembled=%llu "
            "ip_frag_dropped=%llu tcp_gaps=%llu tcp_retransmitted=%llu tcp_out_of_order=%llu "
            "unsupported_link=%llu tcp_too_big=%llu tcp_evicted=%llu\n",
            (unsigned long long)s->packets, (unsigned long long)s->messages,
            (unsigned long long)s->bytes, (unsigned long long)s->index_bytes,
            (unsigned long long)s->arena_bytes, (unsigned long long)s->mapped_bytes,
            (unsigned long long)s->malformed, (unsigned long long)s->truncated,
            (unsigned long long)s->non_sip, (unsigned long long)d->ip_reassembled,
            (unsigned long long)(d->ip_frag_timeouts + d->ip_frag_evicted),
            (unsigned long long)d->tcp_gaps, (unsigned long long)d->tcp_retransmitted,
            (unsigned long long)d->tcp_out_of_order, (unsigned long long)d->unsupported_link,
            (unsigned long long)d->tcp_too_big, (unsigned long long)d->tcp_evicted);
}

int sw_cli_finish_output(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE)
            return rc;
        sw_cli_error("writing output: %s", strerror(errno));
        return SW_EXIT_USAGE;
    }
    return rc;
}

/* ---- the model ---------------------------------------------------------- */

void sw_cli_report_limits(const sw_trace *t)
{
    const sw_decode_stats *d = sw_trace_decode_stats(t);
    const sw_trace_stats *s = sw_trace_stats_get(t);
    const sw_trace_opts *o = sw_cli_trace_opts();
    char b1[32], b2[32], b3[32], b5[32];
    snprintf(b1, sizeof b1, "%zu", o->decode.max_msg);
    snprintf(b2, sizeof b2, "%zu/%zu", o->decode.tcp_max_flows, o->decode.tcp_max_bytes);
    snprintf(b3, sizeof b3, "%zu/%zu", o->decode.frag_max_datagrams, o->decode.frag_max_bytes);
    snprintf(b5, sizeof b5, "%zu", o->max_headers);
    const struct {
        uint64_t n;
        const char *what, *bound, *limit;
    } hits[] = {
        {d->tcp_too_big, "SIP messages on TCP were larger than the message bound and skipped",
         b1, "message"},
        {d->tcp_evicted, "TCP streams or bytes were dropped at the stream bounds", b2,
         "tcp-streams, tcp-bytes"},
        {d->ip_frag_evicted, "IP datagrams were dropped at the reassembly bounds", b3,
         "frag-datagrams, frag-bytes"},
        {d->ip_frag_timeouts, "IP datagrams never completed (fragments missing, or later than "
         "the reassembly timeout)", NULL, NULL},
        {s->too_many_headers, "SIP messages had more headers than the bound (the rest are "
         "not indexed; the message is marked malformed)", b5, "headers"},
        {d->tcp_gaps, "TCP streams had lost segments (messages around the gap may be cut)", NULL,
         NULL},
        {d->malformed, "packets had link, IP, UDP or TCP headers that contradict their lengths "
         "and were skipped", NULL, NULL},
        {d->unsupported_link, "packets had a link type sipwhy does not decode", NULL, NULL},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(hits); i++) {
        if (!hits[i].n)
            continue;
        if (hits[i].bound)
            sw_cli_warn("%llu %s (bound %s; --limit %s)", (unsigned long long)hits[i].n,
                        hits[i].what, hits[i].bound, hits[i].limit);
        else
            sw_cli_warn("%llu %s", (unsigned long long)hits[i].n, hits[i].what);
    }
}

void sw_cli_report_corr_limits(const sw_corr *c)
{
    uint64_t n = sw_corr_over_limit(c);
    if (n)
        sw_cli_warn("%llu messages of Call-IDs past the bound of %zu calls were left out of the "
                    "call model (history still lists them; --limit calls)",
                    (unsigned long long)n, sw_cli_max_calls());
}

static int model_sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    return sw_corr_add(ud, number, m, sip) ? 1 : 0;
}

static int model_load(sw_cli_model *mdl, char **paths, size_t n, const char *const *link_headers,
                      size_t nlink, bool stats, bool media, const sw_media_opts *mo)
{
    memset(mdl, 0, sizeof *mdl);
    mdl->inputs = paths;
    mdl->ninputs = n;
    sw_trace_opts to = *sw_cli_trace_opts();
    if (media) {
        mdl->media = sw_media_new(mo);
        if (!mdl->media) {
            sw_cli_error("out of memory");
            return SW_EXIT_USAGE;
        }
        to.media = mdl->media;
    }
    int rc = sw_cli_open_inputs(paths, n, &mdl->cs);
    if (rc) {
        sw_media_free(mdl->media);
        mdl->media = NULL;
        return rc;
    }
    sw_corr_opts co = {link_headers, nlink, false, sw_cli_max_calls()};
    mdl->trace = sw_trace_new(&to);
    mdl->corr = mdl->trace ? sw_corr_new(mdl->trace, &co) : NULL;
    if (!mdl->corr) {
        sw_cli_model_free(mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    int trc = sw_trace_read(mdl->trace, mdl->cs, model_sink, mdl->corr);
    rc = sw_cli_report_inputs(mdl->cs);
    sw_cli_report_limits(mdl->trace);
    if (stats)
        sw_cli_print_stats(mdl->trace);
    if (trc) {
        sw_cli_error("out of memory after %zu messages", sw_trace_count(mdl->trace));
        rc = SW_EXIT_USAGE;
    }
    if (rc) {
        sw_cli_model_free(mdl);
        return rc;
    }
    sw_cli_report_corr_limits(mdl->corr);
    if (mdl->media) {
        const sw_media_stats *ms = sw_media_stats_get(mdl->media);
        if (ms->streams_dropped)
            sw_cli_warn("%llu RTP packets of streams past the bound of 1000000 streams were "
                        "not measured", (unsigned long long)ms->streams_dropped);
        if (ms->endpoints_dropped)
            sw_cli_warn("%llu SDP media addresses past the bound of 4000000 were not followed",
                        (unsigned long long)ms->endpoints_dropped);
    }
    sw_corr_finish(mdl->corr, 0);
    return 0;
}

int sw_cli_model_load(sw_cli_model *mdl, char **paths, size_t n, const char *const *link_headers,
                      size_t nlink, bool stats)
{
    return model_load(mdl, paths, n, link_headers, nlink, stats, false, NULL);
}

int sw_cli_model_load_media(sw_cli_model *mdl, char **paths, size_t n,
                            const char *const *link_headers, size_t nlink, bool stats)
{
    return model_load(mdl, paths, n, link_headers, nlink, stats, true, NULL);
}

int sw_cli_model_load_media_opts(sw_cli_model *mdl, char **paths, size_t n,
                                 const struct sw_media_opts *mo)
{
    return model_load(mdl, paths, n, NULL, 0, false, true, mo);
}

void sw_cli_model_free(sw_cli_model *mdl)
{
    sw_corr_free(mdl->corr);
    sw_trace_free(mdl->trace);
    sw_media_free(mdl->media);
    sw_capset_close(mdl->cs);
    memset(mdl, 0, sizeof *mdl);
}

uint32_t sw_cli_find_call(const sw_corr *c, const char *arg)
{
    uint64_t idx;
    if (sw_str_to_u64(sw_str_cstr(arg), UINT32_MAX, &idx) && idx >= 1 && idx <= sw_corr_ncalls(c))
        return (uint32_t)(idx - 1);
    return sw_corr_find_call(c, sw_str_cstr(arg));
}

/* ---- where expressions on the command line ---------------------------- */

/* True when arg is an option that takes the next argument as its value. */
static bool takes_value(const char *arg, const struct option *lopts, const char *sopts)
{
    if (arg[0] != '-' || arg[1] == '\0')
        return false;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        if (strchr(name, '='))
            return false;
        size_t n = strlen(name);
        for (const struct option *o = lopts; o && o->name; o++)
            if (o->has_arg == required_argument && !strncmp(o->name, name, n))
                return true; /* getopt_long accepts unambiguous prefixes */
        return false;
    }
    /* a cluster of short options: the last one may take the next argument */
    for (const char *c = arg + 1; *c; c++) {
        const char *d = strchr(sopts, *c);
        if (d && d[1] == ':')
            return c[1] == '\0';
    }
    return false;
}

int sw_cli_where_split(int argc, char **argv, const struct option *lopts, const char *sopts,
                       char ***words, size_t *nwords, bool *had_where)
{
    *words = NULL;
    *nwords = 0;
    *had_where = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            continue;
        if (takes_value(argv[i], lopts, sopts)) {
            i++;
            continue;
        }
        if (!strcasecmp(argv[i], "where")) {
            *had_where = true;
            *words = argv + i + 1;
            *nwords = (size_t)(argc - i - 1);
            return i;
        }
    }
    return argc;
}

int sw_cli_where_compile(const char *cmd, const char *opt, char **words, size_t nwords,
                         bool had_where, sw_query **out)
{
    *out = NULL;
    if (opt && had_where) {
        sw_cli_error("%s: give the expression either with --where or after 'where', not both",
                     cmd);
        return SW_EXIT_USAGE;
    }
    if (had_where && nwords == 0) {
        sw_cli_error("%s: 'where' needs an expression, e.g. where sip.msg.request.method = INVITE",
                     cmd);
        return SW_EXIT_USAGE;
    }
    if (!opt && !had_where)
        return 0;
    sw_buf expr;
    sw_buf_init(&expr);
    if (opt ? sw_buf_append(&expr, opt, strlen(opt)) : sw_query_join_words(words, nwords, &expr)) {
        sw_buf_fini(&expr);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    sw_query_error err;
    *out = sw_query_compile(expr.p ? expr.p : "", expr.len, &err);
    if (!*out) {
        sw_buf text;
        sw_buf_init(&text);
        if (sw_query_error_format(&err, expr.p, expr.len, &text) == 0 && text.len) {
            /* first line through sw_cli_error, the caret lines as they are */
            char *nl = memchr(text.p, '\n', text.len);
            size_t first = nl ? (size_t)(nl - text.p) : text.len;
            sw_cli_error("%s: where: %.*s", cmd, (int)first, text.p);
            if (nl)
                fwrite(nl + 1, 1, text.len - first - 1, stderr);
        } else {
            sw_cli_error("%s: where: %s", cmd, err.msg);
        }
        sw_buf_fini(&text);
        sw_buf_fini(&expr);
        return SW_EXIT_USAGE;
    }
    sw_buf_fini(&expr);
    return 0;
}

int sw_cli_where_masks(sw_query *q, const struct sw_trace *t, const struct sw_corr *c,
                       bool **keep_msg, bool **keep_call)
{
    size_t n = sw_trace_count(t), ncalls = sw_corr_ncalls(c);
    bool *km = calloc(n ? n : 1, sizeof *km), *kc = calloc(ncalls ? ncalls : 1, sizeof *kc);
    sw_sip_header *hdrs = malloc(256 * sizeof *hdrs);
    if (!km || !kc || !hdrs) {
        free(km);
        free(kc);
        free(hdrs);
        return SW_ENOMEM;
    }
    for (uint64_t i = 1; i <= n; i++) {
        const sw_msg *m = sw_trace_get(t, i);
        sw_sip_msg sip;
        if (!m || sw_trace_parse(t, m, &sip, hdrs, 256) < 0)
            continue;
        sw_query_ctx ctx;
        sw_query_ctx_init(&ctx);
        ctx.trace = t;
        ctx.corr = c;
        ctx.number = i;
        ctx.msg = m;
        ctx.sip = &sip;
        km[i - 1] = sw_query_match_msg(q, &ctx);
    }
    sw_query_select_calls(q, t, c, kc);
    free(hdrs);
    *keep_msg = km;
    *keep_call = kc;
    return 0;
}
