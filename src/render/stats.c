/*
 * render/stats: counters of a whole capture (`sipwhy stats`).
 *
 * Message counts are per SIP message, exactly as `history` numbers them, so
 * they agree with tshark's `-z sip,stat` (which also counts every message,
 * retransmissions included, and the retransmissions once more on their own
 * line); ours split each count into total and retransmissions (SW_MF_RETRANS)
 * so "requests excluding retransmissions" is total - retrans. Call counts,
 * ASR/NER and timings come from the correlate model's calls; registration
 * counts from its registrations. docs/internals/flow.md defines every
 * figure and names the JSON fields, which are a contract.
 */
#define _GNU_SOURCE
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>

/* ---- distributions ---------------------------------------------------------- */

int64_t sw_stats_percentile(const int64_t *sorted, size_t n, unsigned p)
{
    if (n == 0)
        return 0;
    if (p > 100)
        p = 100;
    /* Nearest rank: the smallest value with at least p% of the values at or
     * below it. Integer arithmetic, so p90 of 10 values is exactly the 9th. */
    size_t rank = (size_t)(((uint64_t)p * n + 99) / 100);
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void sw_stats_dist_make(int64_t *v, size_t n, sw_stats_dist *d)
{
    memset(d, 0, sizeof *d);
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, cmp_i64);
    d->count = n;
    d->min = v[0];
    d->max = v[n - 1];
    d->p50 = sw_stats_percentile(v, n, 50);
    d->p90 = sw_stats_percentile(v, n, 90);
    d->p99 = sw_stats_percentile(v, n, 99);
    /* Mean without overflow: durations are far below 2^63 ns, but their sum
     * over millions of calls need not be. */
    long double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (long double)v[i];
    d->mean = (int64_t)(sum / (long double)n);
}

/* ---- counting ----------------------------------------------------------------- */

static void bump(sw_stats_count *c, bool retrans)
{
    c->total++;
    if (retrans)
        c->retrans++;
}

/* The method's slot, a new one for a method not seen yet, or -1 when the
 * table is full. Linear search: captures have a handful of methods, and the
 * table is bounded, so a hostile capture costs at most 64 compares a message. */
static int method_slot(sw_stats *s, sw_str m)
{
    for (size_t i = 0; i < s->nmethods; i++)
        if (sw_str_eq(s->method[i], m))
            return (int)i;
    if (s->nmethods == SW_STATS_MAX_METHODS) {
        s->methods_full = true;
        return -1;
    }
    s->method[s->nmethods] = m;
    return (int)s->nmethods++;
}

int sw_stats_compute(sw_stats *s, const sw_trace *t, const sw_corr *c)
{
    return sw_stats_compute_where(s, t, c, NULL, NULL);
}

int sw_stats_compute_where(sw_stats *s, const sw_trace *t, const sw_corr *c, const bool *keep_msg,
                           const bool *keep_call)
{
    memset(s, 0, sizeof *s);
    sw_sip_header *hdrs = malloc(256 * sizeof *hdrs);
    if (!hdrs)
        return SW_ENOMEM;
    size_t nmsg = sw_trace_count(t);
    for (uint64_t num = 1; num <= nmsg; num++) {
        const sw_msg *m = sw_trace_get(t, num);
        sw_sip_msg sip;
        if (!m || (keep_msg && !keep_msg[num - 1]))
            continue;
        s->messages++;
        bool re = (sw_corr_msg_flags(c, num) & SW_MF_RETRANS) != 0;
        if (sw_trace_parse(t, m, &sip, hdrs, 256) <= 0) {
            bump(&s->bad_code, re); /* not expected: the trace keeps SIP only */
            continue;
        }
        if (sip.is_request) {
            bump(&s->requests, re);
            int k = method_slot(s, sip.method);
            bump(k >= 0 ? &s->by_method[k] : &s->other_methods, re);
        } else {
            bump(&s->responses, re);
            if (sip.status >= 100 && sip.status <= 699)
                bump(&s->by_code[sip.status - 100], re);
            else
                bump(&s->bad_code, re);
        }
    }
    free(hdrs);

    size_t ncalls = sw_corr_ncalls(c);
    int64_t *pdd = malloc((ncalls ? ncalls : 1) * sizeof *pdd);
    int64_t *setup = malloc((ncalls ? ncalls : 1) * sizeof *setup);
    if (!pdd || !setup) {
        free(pdd);
        free(setup);
        return SW_ENOMEM;
    }
    size_t npdd = 0, nsetup = 0;
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        if (keep_call && !keep_call[i])
            continue;
        s->calls++;
        if (k->kind < SW_ARRAY_LEN(s->by_kind))
            s->by_kind[k->kind]++;
        if (k->kind != SW_CALL_INVITE)
            continue;
        if (k->state < SW_ARRAY_LEN(s->by_state))
            s->by_state[k->state]++;
        s->attempted++;
        int code = k->final_code;
        if (k->state == SW_CS_ANSWERED || k->state == SW_CS_COMPLETED)
            s->answered++;
        else if (code == 486 || code == 600)
            s->busy++;
        else if (code == 480 || code == 487)
            s->no_answer++;
        else if (code == 603)
            s->user_rejected++;
        else if (k->state == SW_CS_SETUP || k->state == SW_CS_RINGING)
            s->unresolved++;
        else
            s->other_failure++;
        int64_t t0 = sw_corr_call_t_start(c, k), tr = sw_corr_call_t_ringing(c, k),
                ta = sw_corr_call_t_answer(c, k);
        if (t0 && tr && tr >= t0)
            pdd[npdd++] = tr - t0;
        if (t0 && ta && ta >= t0)
            setup[nsetup++] = ta - t0;
    }
    s->asr = s->attempted ? (double)s->answered / (double)s->attempted : -1;
    s->ner = s->attempted ? (double)(s->answered + s->busy + s->no_answer + s->user_rejected) /
                                (double)s->attempted
                          : -1;
    sw_stats_dist_make(pdd, npdd, &s->pdd);
    sw_stats_dist_make(setup, nsetup, &s->setup);
    free(pdd);
    free(setup);

    for (size_t i = 0; i < sw_corr_nregs(c); i++) {
        const sw_reg *g = sw_corr_reg(c, (uint32_t)i);
        if (keep_call && g->call < sw_corr_ncalls(c) && !keep_call[g->call])
            continue;
        s->reg_aors++;
        if (g->ok)
            s->reg_registered++;
        s->reg_attempts += g->attempts;
        s->reg_challenges += g->challenges;
        s->reg_ok += g->ok;
        s->reg_failed += g->failed;
    }
    return 0;
}

/* ---- output -------------------------------------------------------------------- */

/* Methods in display order: most messages first, then by name. */
static void method_order(const sw_stats *s, size_t *idx)
{
    for (size_t i = 0; i < s->nmethods; i++)
        idx[i] = i;
    for (size_t i = 1; i < s->nmethods; i++) {
        size_t v = idx[i], j = i;
        while (j > 0) {
            const sw_stats_count *a = &s->by_method[idx[j - 1]], *b = &s->by_method[v];
            sw_str an = s->method[idx[j - 1]], bn = s->method[v];
            size_t l = SW_MIN(an.len, bn.len);
            int nc = l ? memcmp(an.p, bn.p, l) : 0;
            bool after = a->total < b->total ||
                         (a->total == b->total && (nc > 0 || (nc == 0 && an.len > bn.len)));
            if (!after)
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static const char *const kind_key[8] = {"invite",  "register", "subscribe", "options",
                                        "message", "notify",   "refer",     "other"};
static const char *const state_key[8] = {"setup",     "ringing", "answered", "completed",
                                         "cancelled", "busy",    "rejected", "failed"};

static void json_count(FILE *f, const sw_stats_count *c)
{
    fprintf(f, "{\"total\":%" PRIu64 ",\"retransmissions\":%" PRIu64 "}", c->total, c->retrans);
}

static void json_secs(FILE *f, int64_t ns) { fprintf(f, "%.6f", (double)ns / 1e9); }

static void json_dist(FILE *f, const sw_stats_dist *d)
{
    fprintf(f, "{\"count\":%zu", d->count);
    const char *names[] = {"min", "p50", "p90", "p99", "max", "mean"};
    int64_t v[] = {d->min, d->p50, d->p90, d->p99, d->max, d->mean};
    for (size_t i = 0; i < SW_ARRAY_LEN(names); i++) {
        fprintf(f, ",\"%s\":", names[i]);
        if (d->count)
            json_secs(f, v[i]);
        else
            fputs("null", f);
    }
    putc('}', f);
}

static void json_ratio(FILE *f, double r)
{
    if (r < 0)
        fputs("null", f);
    else
        fprintf(f, "%.6f", r);
}

static void stats_json(FILE *f, const sw_stats *s)
{
    fprintf(f, "{\"messages\":%" PRIu64 ",\"requests\":", s->messages);
    fprintf(f,
            "{\"total\":%" PRIu64 ",\"retransmissions\":%" PRIu64
            ",\"excluding_retransmissions\":%" PRIu64 "}",
            s->requests.total, s->requests.retrans, s->requests.total - s->requests.retrans);
    fprintf(f,
            ",\"responses\":{\"total\":%" PRIu64 ",\"retransmissions\":%" PRIu64
            ",\"excluding_retransmissions\":%" PRIu64 "}",
            s->responses.total, s->responses.retrans, s->responses.total - s->responses.retrans);
    fprintf(f, ",\"retransmissions\":%" PRIu64 ",\"methods\":{",
            s->requests.retrans + s->responses.retrans);
    size_t idx[SW_STATS_MAX_METHODS];
    method_order(s, idx);
    for (size_t i = 0; i < s->nmethods; i++) {
        if (i)
            putc(',', f);
        sw_json_str(f, s->method[idx[i]]);
        putc(':', f);
        json_count(f, &s->by_method[idx[i]]);
    }
    fputs("},\"other_methods\":", f);
    if (s->methods_full)
        json_count(f, &s->other_methods);
    else
        fputs("null", f);
    fputs(",\"codes\":{", f);
    bool first = true;
    for (int code = 100; code <= 699; code++) {
        const sw_stats_count *c = &s->by_code[code - 100];
        if (!c->total)
            continue;
        fprintf(f, "%s\"%d\":", first ? "" : ",", code);
        json_count(f, c);
        first = false;
    }
    fputs("},\"invalid_codes\":", f);
    json_count(f, &s->bad_code);
    fprintf(f, ",\"calls\":{\"total\":%" PRIu64 ",\"by_kind\":{", s->calls);
    for (size_t i = 0; i < 8; i++)
        fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", kind_key[i], s->by_kind[i]);
    fputs("},\"by_state\":{", f);
    for (size_t i = 0; i < 8; i++)
        fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", state_key[i], s->by_state[i]);
    fprintf(f,
            "}},\"outcomes\":{\"attempted\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"busy\":%" PRIu64
            ",\"no_answer\":%" PRIu64 ",\"rejected_by_user\":%" PRIu64 ",\"other_failure\":%" PRIu64
            ",\"unresolved\":%" PRIu64 "}",
            s->attempted, s->answered, s->busy, s->no_answer, s->user_rejected, s->other_failure,
            s->unresolved);
    fputs(",\"asr\":", f);
    json_ratio(f, s->asr);
    fputs(",\"ner\":", f);
    json_ratio(f, s->ner);
    fputs(",\"pdd\":", f);
    json_dist(f, &s->pdd);
    fputs(",\"setup_time\":", f);
    json_dist(f, &s->setup);
    fprintf(f,
            ",\"registrations\":{\"aors\":%" PRIu64 ",\"aors_registered\":%" PRIu64
            ",\"attempts\":%" PRIu64 ",\"challenges\":%" PRIu64 ",\"ok\":%" PRIu64
            ",\"failed\":%" PRIu64 "}}\n",
            s->reg_aors, s->reg_registered, s->reg_attempts, s->reg_challenges, s->reg_ok,
            s->reg_failed);
}

#define T_HEAD "\033[1m"
#define T_RESET "\033[0m"

static void heading(FILE *f, bool color, const char *h)
{
    fprintf(f, "%s%s%s\n", color ? T_HEAD : "", h, color ? T_RESET : "");
}

static void pct(FILE *f, double r)
{
    if (r < 0)
        fputs("     -", f);
    else
        fprintf(f, "%5.1f%%", r * 100);
}

static void text_dist(FILE *f, const char *name, const sw_stats_dist *d)
{
    fprintf(f, "  %-16s", name);
    if (!d->count) {
        fputs("-  (no call)\n", f);
        return;
    }
    fprintf(f, "p50 %.3fs  p90 %.3fs  p99 %.3fs  (min %.3fs, max %.3fs, mean %.3fs; %zu call%s)\n",
            (double)d->p50 / 1e9, (double)d->p90 / 1e9, (double)d->p99 / 1e9, (double)d->min / 1e9,
            (double)d->max / 1e9, (double)d->mean / 1e9, d->count, d->count == 1 ? "" : "s");
}

static void stats_text(FILE *f, const sw_stats *s, bool color)
{
    fprintf(f,
            "%" PRIu64 " SIP messages: %" PRIu64 " requests, %" PRIu64 " responses; %" PRIu64
            " retransmissions\n\n",
            s->messages, s->requests.total, s->responses.total,
            s->requests.retrans + s->responses.retrans);
    heading(f, color, "requests                                total  retrans   excl.");
    size_t idx[SW_STATS_MAX_METHODS];
    method_order(s, idx);
    for (size_t i = 0; i < s->nmethods; i++) {
        const sw_stats_count *c = &s->by_method[idx[i]];
        sw_str m = s->method[idx[i]];
        /* methods come from the network: escaped, cut to the column */
        char mb[160];
        size_t w = sw_flow_fit(m, 36, false, mb, sizeof mb);
        fprintf(f, "  %s%*s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n", mb, (int)(36 - w), "",
                c->total, c->retrans, c->total - c->retrans);
    }
    if (s->methods_full)
        fprintf(f, "  %-36s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n", "(other methods)",
                s->other_methods.total, s->other_methods.retrans,
                s->other_methods.total - s->other_methods.retrans);
    fprintf(f, "  %-36s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n\n", "all", s->requests.total,
            s->requests.retrans, s->requests.total - s->requests.retrans);

    heading(f, color, "responses                               total  retrans   excl.");
    for (int code = 100; code <= 699; code++) {
        const sw_stats_count *c = &s->by_code[code - 100];
        if (!c->total)
            continue;
        const sw_kb_entry *e = sw_kb_code(code);
        char name[64];
        snprintf(name, sizeof name, "%d %s", code, e ? e->phrase : "(unregistered)");
        fprintf(f, "  %-36.36s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n", name, c->total,
                c->retrans, c->total - c->retrans);
    }
    if (s->bad_code.total)
        fprintf(f, "  %-36s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n", "(invalid code)",
                s->bad_code.total, s->bad_code.retrans, s->bad_code.total - s->bad_code.retrans);
    fprintf(f, "  %-36s %7" PRIu64 "  %7" PRIu64 " %7" PRIu64 "\n\n", "all", s->responses.total,
            s->responses.retrans, s->responses.total - s->responses.retrans);

    heading(f, color, "calls");
    fprintf(f, "  %" PRIu64 " Call-IDs:", s->calls);
    bool any = false;
    for (size_t i = 0; i < 8; i++)
        if (s->by_kind[i]) {
            fprintf(f, "%s %" PRIu64 " %s", any ? "," : "", s->by_kind[i], kind_key[i]);
            any = true;
        }
    putc('\n', f);
    if (s->attempted) {
        fprintf(f, "  INVITE calls by state:");
        any = false;
        for (size_t i = 0; i < 8; i++)
            if (s->by_state[i]) {
                fprintf(f, "%s %s %" PRIu64, any ? "," : "", state_key[i], s->by_state[i]);
                any = true;
            }
        putc('\n', f);
    }
    fputs("  ASR  ", f);
    pct(f, s->asr);
    fprintf(f, "   answered %" PRIu64 " of %" PRIu64 " attempted INVITE calls\n", s->answered,
            s->attempted);
    fputs("  NER  ", f);
    pct(f, s->ner);
    fprintf(f,
            "   (answered %" PRIu64 " + busy %" PRIu64 " + no answer %" PRIu64
            " + rejected by user %" PRIu64 ") / %" PRIu64 "\n",
            s->answered, s->busy, s->no_answer, s->user_rejected, s->attempted);
    if (s->other_failure || s->unresolved)
        fprintf(f,
                "  not in NER: %" PRIu64 " other failure%s, %" PRIu64
                " unresolved (still setting up at the end of the capture)\n",
                s->other_failure, s->other_failure == 1 ? "" : "s", s->unresolved);
    text_dist(f, "post-dial delay", &s->pdd);
    text_dist(f, "setup time", &s->setup);
    putc('\n', f);

    heading(f, color, "registrations");
    fprintf(f,
            "  AORs %" PRIu64 " (registered at least once: %" PRIu64 ")\n"
            "  REGISTER transactions %" PRIu64 ": challenged (401/407) %" PRIu64 ", ok %" PRIu64
            ", failed %" PRIu64 "\n",
            s->reg_aors, s->reg_registered, s->reg_attempts, s->reg_challenges, s->reg_ok,
            s->reg_failed);
}

void sw_render_stats(FILE *f, const sw_stats *s, sw_format fmt, bool color)
{
    if (fmt == SW_FMT_JSON)
        stats_json(f, s);
    else
        stats_text(f, s, color);
}
