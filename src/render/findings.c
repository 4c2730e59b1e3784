/*
 * render/findings: the diagnosis report (`sipwhy INPUT`).
 *
 * Text: a summary of the capture, the conversations whose legs were linked
 * across transfers (what a call recorder needs), then each finding with its
 * cause, impact, advice and evidence lines (message number, time, hosts,
 * what the message is). JSON: one object {"summary": ..., "findings": [...]}
 * with the stable names documented in the man page.
 */
#define _GNU_SOURCE
#include "render.h"

#include "../media/media.h"

#include <inttypes.h>
#include <stdio.h>

#include "../diagnose/diagnose.h"

static void ep_str(char *buf, size_t len, const sw_endpoint *e)
{
    if (!e)
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, e->addr.family == 6 ? "[%s]:%u" : "%s:%u", e->text, e->port);
}

/* "INVITE" or "481 Call Leg/..." for an evidence line. */
static void msg_label(const sw_trace *t, uint64_t n, char *buf, size_t len)
{
    const sw_msg *m = sw_trace_get(t, n);
    sw_sip_header h[64];
    sw_sip_msg s;
    if (!m || sw_trace_parse(t, m, &s, h, 64) < 0) {
        snprintf(buf, len, "?");
        return;
    }
    if (s.is_request)
        snprintf(buf, len, "%.*s", (int)SW_MIN(s.method.len, 20u), s.method.p);
    else
        snprintf(buf, len, "%d %.*s", s.status, (int)SW_MIN(s.reason.len, 32u), s.reason.p);
}

typedef struct summary {
    size_t calls, by_state[8], regs, reg_failed, conversations_linked;
} summary;

static summary summarise(const sw_corr *c)
{
    summary s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < sw_corr_ncalls(c); i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        if (k->kind == SW_CALL_INVITE) {
            s.calls++;
            if (k->state < 8)
                s.by_state[k->state]++;
        }
        if (k->conversation == i && k->legs > 1)
            s.conversations_linked++;
    }
    for (size_t i = 0; i < sw_corr_nregs(c); i++) {
        s.regs++;
        if (!sw_corr_reg(c, (uint32_t)i)->ok)
            s.reg_failed++;
    }
    return s;
}

static const char *L(sw_kb_lang lang, const char *en, const char *ru)
{
    return lang == SW_KB_RU ? ru : en;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* label_w: the label column's width in characters (the labels of a
 * language are padded to one width, counted in characters, not bytes). */
static void text_wrapped(FILE *f, const char *label, size_t label_w, const char *text,
                         size_t width)
{
    /* Wraps at spaces, counting UTF-8 characters, with a hanging indent. */
    size_t lc = utf8_chars(label);
    if (label_w < lc + 1)
        label_w = lc + 1;
    fprintf(f, "  %s%*s", label, (int)(label_w - lc), "");
    size_t col = 2 + label_w, indent = 2 + label_w;
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        size_t chars = 0;
        while (*w && *w != ' ') {
            if (((unsigned char)*w & 0xC0) != 0x80)
                chars++;
            w++;
        }
        if (!first && col + 1 + chars > width) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            putc(' ', f);
            col++;
        }
        sw_text_safe(f, sw_str_make(p, (size_t)(w - p)), false);
        col += chars;
        first = false;
        p = w;
    }
    putc('\n', f);
}

/* One finding as a JSON object (no newline): what `diagnose -f json` lists
 * and `live --show findings -f json` prints a line each. */
static void finding_json(FILE *f, const sw_trace *t, const sw_corr *c, const sw_finding *x)
{
    fprintf(f, "{\"id\":\"%s\",\"severity\":\"%s\",\"title\":", x->id,
            sw_severity_name((sw_severity)x->severity));
    sw_json_cstr(f, x->title);
    fputs(",\"cause\":", f);
    sw_json_cstr(f, x->cause);
    fputs(",\"impact\":", f);
    sw_json_cstr(f, x->impact);
    fputs(",\"advice\":", f);
    sw_json_cstr(f, x->advice);
    fputs(",\"call\":", f);
    const sw_call *k = x->call != SW_NONE ? sw_corr_call(c, x->call) : NULL;
    if (k) {
        fprintf(f, "%" PRIu32 ",\"call_id\":", sw_corr_call_shown(c, x->call));
        sw_json_str(f, sw_corr_call_id(c, k));
    } else {
        fputs("null,\"call_id\":null", f);
    }
    fputs(",\"evidence\":[", f);
    for (uint32_t e = 0; e < x->nevidence; e++) {
        fprintf(f, "%s{\"number\":%" PRIu64 ",\"note\":", e ? "," : "", sw_trace_shown(t, x->evidence[e].number));
        sw_json_cstr(f, x->evidence[e].note);
        putc('}', f);
    }
    fprintf(f, "],\"more_evidence\":%" PRIu32 "}", x->more_evidence);
}

/* One finding as the text report's block. */
static void finding_text(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                         const sw_finding *x)
{
    static const char *col[] = {"\033[36m", "\033[33m", "\033[31m"};
    sw_kb_lang lang = o->lang;
    if (o->color)
        fputs(col[x->severity % 3], f);
    fprintf(f, "[%s] %s", sw_severity_name((sw_severity)x->severity), x->id);
    if (o->color)
        fputs("\033[0m", f);
    if (x->call != SW_NONE)
        fprintf(f, "  (%s #%" PRIu32 ")", L(lang, "call", "вызов"), sw_corr_call_shown(c, x->call));
    putc('\n', f);
    fputs("  ", f);
    sw_text_safe(f, sw_str_cstr(x->title), false);
    putc('\n', f);
    size_t lw = lang == SW_KB_RU ? 12 : 8;
    text_wrapped(f, L(lang, "why:", "почему:"), lw, x->cause, 96);
    text_wrapped(f, L(lang, "impact:", "итог:"), lw, x->impact, 96);
    text_wrapped(f, L(lang, "do:", "что делать:"), lw, x->advice, 96);
    fputs(L(lang, "  evidence:\n", "  доказательства:\n"), f);
    for (uint32_t e = 0; e < x->nevidence; e++) {
        uint64_t n = x->evidence[e].number;
        const sw_msg *m = sw_trace_get(t, n);
        char tb[48], sb[64], db[64], lb[64];
        if (!m)
            continue;
        sw_render_time(m->ts_ns, false, tb, sizeof tb);
        ep_str(sb, sizeof sb, sw_trace_endpoint(t, m->src));
        ep_str(db, sizeof db, sw_trace_endpoint(t, m->dst));
        msg_label(t, n, lb, sizeof lb);
        fprintf(f, "    #%-5" PRIu64 " %s  %s -> %s  ", sw_trace_shown(t, n), tb, sb, db);
        sw_text_safe(f, sw_str_cstr(lb), false);
        fputs("  -- ", f);
        sw_text_safe(f, sw_str_cstr(x->evidence[e].note), false);
        putc('\n', f);
    }
    if (x->more_evidence)
        fprintf(f, "    (+%" PRIu32 " %s)\n", x->more_evidence,
                L(lang, "more occurrences", "ещё случаев"));
}

void sw_render_diagnosis(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                         const struct sw_diag *d, const char *const *inputs, size_t ninputs,
                         const bool *keep)
{
    summary s = summarise(c);
    size_t ne = 0, nw = 0, ni = 0;
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        if (keep && !keep[i])
            continue;
        uint8_t sev = sw_diag_finding(d, i)->severity;
        ne += sev == SW_SEV_ERROR;
        nw += sev == SW_SEV_WARNING;
        ni += sev == SW_SEV_INFO;
    }
    sw_kb_lang lang = o->lang;
    if (o->format == SW_FMT_JSON) {
        fputs("{\"summary\":{\"inputs\":[", f);
        for (size_t i = 0; i < ninputs; i++) {
            if (i)
                putc(',', f);
            sw_json_cstr(f, inputs[i]);
        }
        fprintf(f, "],\"messages\":%zu,\"calls\":%zu,\"calls_by_state\":{", sw_trace_count(t), s.calls);
        for (int k = 0; k < 8; k++)
            fprintf(f, "%s\"%s\":%zu", k ? "," : "", sw_call_state_name((sw_call_state)k), s.by_state[k]);
        fprintf(f, "},\"registrations\":%zu,\"registrations_failed\":%zu,", s.regs,
                s.reg_failed);
        if (o->media)
            fprintf(f, "\"rtp_streams\":%zu,\"rtp_packets\":%" PRIu64 ",",
                    sw_media_nstreams(o->media), sw_media_stats_get(o->media)->rtp_packets);
        else
            fputs("\"rtp_streams\":null,\"rtp_packets\":null,", f);
        fprintf(f, "\"errors\":%zu,\"warnings\":%zu,\"infos\":%zu,\"conversations\":[", ne, nw, ni);
        bool first = true;
        for (size_t i = 0; i < sw_corr_ncalls(c); i++) {
            const sw_call *k = sw_corr_call(c, (uint32_t)i);
            if (k->conversation != i || k->legs < 2)
                continue;
            fprintf(f, "%s{\"conversation\":%zu,\"calls\":[", first ? "" : ",", i + 1);
            first = false;
            bool fc = true;
            for (size_t j = i; j < sw_corr_ncalls(c); j++) {
                const sw_call *m = sw_corr_call(c, (uint32_t)j);
                if (m->conversation != i)
                    continue;
                fprintf(f, "%s{\"index\":%zu,\"call_id\":", fc ? "" : ",", j + 1);
                sw_json_str(f, sw_corr_call_id(c, m));
                fprintf(f, ",\"link\":");
                if (m->link_prev != SW_NONE)
                    fprintf(f, "\"%s\"", sw_link_how_name((sw_link_how)m->link_how));
                else
                    fputs("null", f);
                putc('}', f);
                fc = false;
            }
            fputs("]}", f);
        }
        fputs("]},\"findings\":[", f);
        bool ff = true;
        for (size_t i = 0; i < sw_diag_count(d); i++) {
            const sw_finding *x = sw_diag_finding(d, i);
            if (keep && !keep[i])
                continue;
            if (!ff)
                putc(',', f);
            ff = false;
            finding_json(f, t, c, x);
        }
        fputs("]}\n", f);
        return;
    }
    /* text */
    fprintf(f, "%s: %zu %s, %zu %s", ninputs == 1 ? inputs[0] : "capture", sw_trace_count(t),
            L(lang, "SIP messages", "SIP-сообщений"), s.calls, L(lang, "calls", "вызовов"));
    if (s.calls) {
        fputs(" (", f);
        bool first = true;
        for (int k = 0; k < 8; k++) {
            if (!s.by_state[k])
                continue;
            fprintf(f, "%s%zu %s", first ? "" : ", ", s.by_state[k], sw_call_state_name((sw_call_state)k));
            first = false;
        }
        putc(')', f);
    }
    if (s.regs)
        fprintf(f, ", %zu %s", s.regs, L(lang, "registrations", "регистраций"));
    if (o->media) {
        uint64_t rp = sw_media_stats_get(o->media)->rtp_packets;
        if (rp)
            fprintf(f, L(lang, ", %zu RTP streams (%" PRIu64 " packets)",
                         ", %zu RTP-потоков (%" PRIu64 " пакетов)"),
                    sw_media_nstreams(o->media), rp);
        else
            fputs(L(lang, ", no RTP (media not in the capture: no audio checks)",
                    ", RTP нет (медиа не записано: звук не проверяется)"),
                  f);
    }
    fputs("\n", f);
    if (s.conversations_linked) {
        fputs(L(lang, "Conversations joined across transfers (one recording each):\n",
                "Разговоры, объединённые переводом (одна запись на каждый):\n"),
              f);
        for (size_t i = 0; i < sw_corr_ncalls(c); i++) {
            const sw_call *k = sw_corr_call(c, (uint32_t)i);
            if (k->conversation != i || k->legs < 2)
                continue;
            fprintf(f, "  %s %zu:", L(lang, "conversation", "разговор"), i + 1);
            for (size_t j = i; j < sw_corr_ncalls(c); j++) {
                const sw_call *m = sw_corr_call(c, (uint32_t)j);
                if (m->conversation != i)
                    continue;
                fprintf(f, "%s#%zu ", j == i ? " " : " + ", j + 1);
                sw_text_safe(f, sw_corr_call_id(c, m), false);
                if (m->link_prev != SW_NONE)
                    fprintf(f, " (%s)", sw_link_how_name((sw_link_how)m->link_how));
            }
            putc('\n', f);
        }
    }
    if (!ne && !nw && !ni) {
        fputs(L(lang, "No problems found.\n", "Проблем не найдено.\n"), f);
        return;
    }
    fprintf(f, "%zu %s, %zu %s, %zu %s\n", ne, L(lang, "errors", "ошибок"), nw,
            L(lang, "warnings", "предупреждений"), ni, L(lang, "notes", "замечаний"));
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *x = sw_diag_finding(d, i);
        if (keep && !keep[i])
            continue;
        putc('\n', f);
        finding_text(f, o, t, c, x);
    }
}

void sw_render_finding(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                       const sw_finding *x)
{
    if (o->format == SW_FMT_JSON) {
        finding_json(f, t, c, x);
        putc('\n', f);
    } else {
        finding_text(f, o, t, c, x);
    }
}
