/*
 * render/calls: the call list (`sipwhy calls`).
 *
 * A call's index is its position among all Call-IDs of the capture, in order
 * of first appearance (1-based), whether or not the list shows every kind:
 * the same index names the same call in `calls`, `flow` and later commands.
 */
#define _GNU_SOURCE
#include "render.h"

#include <inttypes.h>
#include <stdio.h>

static void put_endpoint(char *buf, size_t len, const sw_endpoint *e)
{
    if (!e)
        snprintf(buf, len, "?");
    else if (e->addr.family == 6)
        snprintf(buf, len, "[%s]:%u", e->text, e->port);
    else
        snprintf(buf, len, "%s:%u", e->text, e->port);
}

/* Seconds between two timestamps in ns, or -1 when either is missing. */
static double secs(int64_t from, int64_t to)
{
    if (!from || !to || to < from)
        return -1;
    return (double)(to - from) / 1e9;
}

typedef struct callview {
    char src[64], dst[64];
    double duration, pdd, setup;
    int64_t end;
    const char *state;
} callview;

static void view(const sw_trace *t, const sw_corr *c, const sw_call *k, callview *v)
{
    put_endpoint(v->src, sizeof v->src, sw_trace_endpoint(t, sw_corr_call_src(c, k)));
    put_endpoint(v->dst, sizeof v->dst, sw_trace_endpoint(t, sw_corr_call_dst(c, k)));
    int64_t t0 = sw_corr_call_t_start(c, k), answer = sw_corr_call_t_answer(c, k);
    v->end = sw_corr_call_t_last(c, k);
    /* Duration of the conversation itself: answer to end (or to the end of
     * the capture for calls still up); a call never answered lasted 0 s. */
    v->duration = answer ? secs(answer, v->end) : 0;
    v->pdd = secs(t0, sw_corr_call_t_ringing(c, k));
    v->setup = secs(t0, answer);
    v->state = k->kind == SW_CALL_INVITE ? sw_call_state_name(k->state)
                                         : sw_call_kind_name(k->kind);
}

void sw_render_calls_begin(FILE *f, const sw_render_opts *o)
{
    if (o->format == SW_FMT_TSV)
        fputs("index\tstart\tduration\tfrom_user\tto_user\tsrc\tdst\tstate\tfinal_code\t"
              "final_reason\tmessages\tconversation\tlegs\tcall_id\n",
              f);
    else if (o->format == SW_FMT_TEXT)
        fprintf(f, "%5s  %-15s %9s  %-14s %-14s %-21s %-21s %-10s %-22s %5s %5s\n", "#",
                "start (UTC)", "duration", "from", "to", "source", "destination", "state",
                "final", "msgs", "conv");
}

static void json_num_or_null(FILE *f, const char *key, double v)
{
    fprintf(f, ",\"%s\":", key);
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%.6f", v);
}

void sw_render_call_line(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                         uint32_t i)
{
    const sw_call *k = sw_corr_call(c, i);
    callview v;
    view(t, c, k, &v);
    if (o->format == SW_FMT_TSV) {
        fprintf(f, "%" PRIu32 "\t", sw_corr_call_shown(c, i));
        sw_render_epoch(f, sw_corr_call_t_start(c, k));
        fprintf(f, "\t%.3f\t", v.duration < 0 ? 0 : v.duration);
        sw_tsv_field(f, sw_corr_call_from(c, k));
        putc('\t', f);
        sw_tsv_field(f, sw_corr_call_to(c, k));
        fprintf(f, "\t%s\t%s\t%s%s\t", v.src, v.dst, v.state, k->ongoing ? "" : "");
        if (k->final_code)
            fprintf(f, "%d", k->final_code);
        putc('\t', f);
        sw_tsv_field(f, sw_corr_call_reason(c, k));
        fprintf(f, "\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t", k->nmsgs,
                sw_corr_call_shown(c, k->conversation), k->legs);
        sw_tsv_field(f, sw_corr_call_id(c, k));
        putc('\n', f);
        return;
    }
    if (o->format == SW_FMT_JSON) {
        fprintf(f, "{\"index\":%" PRIu32 ",\"call_id\":", sw_corr_call_shown(c, i));
        sw_json_str(f, sw_corr_call_id(c, k));
        fprintf(f, ",\"kind\":\"%s\",\"start\":", sw_call_kind_name(k->kind));
        sw_render_epoch(f, sw_corr_call_t_start(c, k));
        json_num_or_null(f, "duration", v.duration);
        fputs(",\"from_user\":", f);
        sw_json_str(f, sw_corr_call_from(c, k));
        fputs(",\"to_user\":", f);
        sw_json_str(f, sw_corr_call_to(c, k));
        fputs(",\"src\":", f);
        sw_json_cstr(f, v.src);
        fputs(",\"dst\":", f);
        sw_json_cstr(f, v.dst);
        fprintf(f, ",\"state\":\"%s\",\"ongoing\":%s,\"final_code\":", v.state,
                k->ongoing ? "true" : "false");
        if (k->final_code)
            fprintf(f, "%d", k->final_code);
        else
            fputs("null", f);
        fputs(",\"final_reason\":", f);
        if (k->final_code)
            sw_json_str(f, sw_corr_call_reason(c, k));
        else
            fputs("null", f);
        fprintf(f, ",\"messages\":%" PRIu32 ",\"first\":%" PRIu64 ",\"last\":%" PRIu64, k->nmsgs,
                sw_trace_shown(t, k->first), sw_trace_shown(t, k->last));
        json_num_or_null(f, "pdd", v.pdd);
        json_num_or_null(f, "setup_time", v.setup);
        fprintf(f, ",\"conversation\":%" PRIu32 ",\"legs\":%" PRIu32 ",\"linked_to\":",
                sw_corr_call_shown(c, k->conversation), k->legs);
        if (k->link_prev != SW_NONE)
            fprintf(f, "%" PRIu32 ",\"link\":\"%s\"", sw_corr_call_shown(c, k->link_prev),
                    sw_link_how_name((sw_link_how)k->link_how));
        else
            fputs("null,\"link\":null", f);
        fputs("}\n", f);
        return;
    }
    char tb[48], dur[24], fin[64];
    sw_render_time(sw_corr_call_t_start(c, k), false, tb, sizeof tb);
    tb[12] = '\0'; /* milliseconds are enough in the list */
    snprintf(dur, sizeof dur, "%.1fs", v.duration < 0 ? 0 : v.duration);
    sw_str reason = sw_corr_call_reason(c, k);
    if (k->final_code)
        snprintf(fin, sizeof fin, "%d %.*s", k->final_code,
                 (int)SW_MIN(reason.len, 18u), reason.p);
    else
        snprintf(fin, sizeof fin, "-");
    char state[24];
    snprintf(state, sizeof state, "%s%s", v.state, k->ongoing ? "*" : "");
    fprintf(f, "%5" PRIu32 "  %-15s %9s  ", sw_corr_call_shown(c, i), tb, dur);
    /* users come from the network: escaped, and cut to the column */
    sw_str from = sw_corr_call_from(c, k), to = sw_corr_call_to(c, k);
    sw_text_safe(f, sw_str_make(from.p, SW_MIN(from.len, 14u)), false);
    fprintf(f, "%*s", (int)(15 - SW_MIN(from.len, 14u)), "");
    sw_text_safe(f, sw_str_make(to.p, SW_MIN(to.len, 14u)), false);
    fprintf(f, "%*s", (int)(15 - SW_MIN(to.len, 14u)), "");
    fprintf(f, "%-21s %-21s %-10s ", v.src, v.dst, state);
    sw_text_safe(f, sw_str_cstr(fin), false);
    fprintf(f, "%*s %5" PRIu32 " %5" PRIu32, (int)(22 - SW_MIN(strlen(fin), 22u)), "", k->nmsgs,
            sw_corr_call_shown(c, k->conversation));
    if (k->link_prev != SW_NONE)
        fprintf(f, "  <- %s of #%" PRIu32, sw_link_how_name((sw_link_how)k->link_how),
                sw_corr_call_shown(c, k->link_prev));
    putc('\n', f);
}
