/*
 * diagnose: the rule engine and the rules.
 *
 * A rule walks the model and calls emit() with the rule's id and the facts
 * that fill its text's placeholders; evidence() adds message numbers with
 * notes. Findings with the same id and call are merged (a registration
 * loop is one finding with many messages, not hundreds of findings).
 */
#define _GNU_SOURCE
#include "diagnose.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "rules_text.h"

#define MAX_EVIDENCE 12
#define MAX_ARGS 9

const char *sw_severity_name(sw_severity s)
{
    static const char *n[] = {"info", "warning", "error"};
    return (unsigned)s < 3 ? n[s] : "?";
}

struct sw_diag {
    const sw_trace *t;
    const sw_corr *c;
    sw_kb_lang lang;
    sw_arena arena;
    sw_finding *f;
    size_t n, cap;
    int oom;
    /* (id, key) -> finding index + 1, open addressing; 0 = empty */
    uint32_t *fx;
    size_t fx_n;
    /* two parse slots: a rule often looks at a request and its response */
    sw_sip_header hdrs[2][256];
    sw_sip_msg sip[2];
    uint64_t parsed[2];
    const char *text_id; /* set around emit(): "id:variant" texts for the next finding */
    const sw_media *media;
};

sw_diag *sw_diag_new(const sw_trace *t, const sw_corr *c, sw_kb_lang lang)
{
    sw_diag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->t = t;
    d->c = c;
    d->lang = lang;
    sw_arena_init(&d->arena, 64 * 1024);
    return d;
}

void sw_diag_free(sw_diag *d)
{
    if (!d)
        return;
    sw_arena_fini(&d->arena);
    free(d->f);
    free(d->fx);
    free(d);
}

void sw_diag_set_media(sw_diag *d, const sw_media *m) { d->media = m; }

size_t sw_diag_count(const sw_diag *d) { return d->n; }
const sw_finding *sw_diag_finding(const sw_diag *d, size_t i) { return i < d->n ? &d->f[i] : NULL; }

size_t sw_diag_count_severity(const sw_diag *d, sw_severity s)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        k += d->f[i].severity == s;
    return k;
}

/* ---- helpers ----------------------------------------------------------- */

/* Parses message n into slot (0 or 1); NULL when it is not there. */
static const sw_sip_msg *parse(sw_diag *d, int slot, uint64_t n)
{
    if (d->parsed[slot] == n && n)
        return &d->sip[slot];
    const sw_msg *m = sw_trace_get(d->t, n);
    if (!m || sw_trace_parse(d->t, m, &d->sip[slot], d->hdrs[slot], 256) < 0)
        return NULL;
    d->parsed[slot] = n;
    return &d->sip[slot];
}

static const char *ep(sw_diag *d, uint32_t id)
{
    const sw_endpoint *e = sw_trace_endpoint(d->t, id);
    if (!e)
        return "?";
    char buf[80];
    snprintf(buf, sizeof buf, e->addr.family == 6 ? "[%s]:%u" : "%s:%u", e->text, e->port);
    char *s = sw_arena_dup(&d->arena, buf, strlen(buf) + 1);
    return s ? s : "?";
}

/* printf into the arena: the result lives as long as the diagnosis. */
static const char *str(sw_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *str(sw_diag *d, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *s = sw_arena_dup(&d->arena, buf, strlen(buf) + 1);
    if (!s)
        d->oom = 1;
    return s ? s : "";
}

static const char *num(sw_diag *d, uint64_t n) { return str(d, "%" PRIu64, n); }
/* A message number as the user sees it (sw_trace_shown). */
static uint64_t shown(const sw_diag *d, uint64_t n) { return sw_trace_shown(d->t, n); }
static const char *mnum(sw_diag *d, uint64_t n) { return num(d, shown(d, n)); }

/* A slice as a terminal-safe C string (bytes from the network). */
static const char *sl(sw_diag *d, sw_str s)
{
    char buf[256];
    size_t k = 0;
    for (size_t i = 0; i < s.len && k + 5 < sizeof buf; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch < 0x20 || ch == 0x7f)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02x", ch);
        else
            buf[k++] = (char)ch;
    }
    buf[k] = '\0';
    return str(d, "%s", buf);
}

/* Fills {1}..{9} in tpl from args. */
static const char *fill(sw_diag *d, const char *tpl, const char *const *args, size_t nargs)
{
    if (!tpl)
        return "";
    sw_buf b;
    sw_buf_init(&b);
    for (const char *p = tpl; *p; p++) {
        if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
            size_t k = (size_t)(p[1] - '1');
            const char *a = k < nargs && args[k] ? args[k] : "";
            sw_buf_append(&b, a, strlen(a));
            p += 2;
        } else {
            sw_buf_append(&b, p, 1);
        }
    }
    sw_buf_append(&b, "", 1);
    char *s = b.p ? sw_arena_dup(&d->arena, b.p, b.len) : NULL;
    sw_buf_fini(&b);
    if (!s)
        d->oom = 1;
    return s ? s : "";
}

static const rule_text *text_of(const char *id)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(RULE_TEXTS); i++)
        if (!strcmp(RULE_TEXTS[i].id, id))
            return &RULE_TEXTS[i];
    return NULL;
}

/* FNV-1a of a rule id: ids are our own constants, no key needed. */
static uint64_t id_hash(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 0x100000001b3ull;
    return h;
}

/* Adds (or merges into) the finding (id, key). Returns it, NULL on OOM. */
static sw_finding *emit_keyed(sw_diag *d, const char *id, sw_severity sev, uint32_t call,
                              uint64_t key, uint64_t at, const char *const *args, size_t nargs)
{
    /* Findings are merged through an index, not a scan: a capture with
     * thousands of rejected calls has thousands of findings. */
    uint64_t h = key * 0x9E3779B97F4A7C15ull ^ id_hash(id);
    if ((d->n + 1) * 2 > d->fx_n) {
        size_t nn = d->fx_n ? d->fx_n * 2 : 64;
        uint32_t *nx = calloc(nn, sizeof *nx);
        if (!nx) {
            d->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < d->n; i++) {
            uint64_t hh = d->f[i].key * 0x9E3779B97F4A7C15ull ^ id_hash(d->f[i].id);
            size_t j = (size_t)(hh >> 17) & (nn - 1);
            while (nx[j])
                j = (j + 1) & (nn - 1);
            nx[j] = (uint32_t)i + 1;
        }
        free(d->fx);
        d->fx = nx;
        d->fx_n = nn;
    }
    size_t j = (size_t)(h >> 17) & (d->fx_n - 1);
    for (; d->fx[j]; j = (j + 1) & (d->fx_n - 1)) {
        sw_finding *g = &d->f[d->fx[j] - 1];
        if (g->key == key && !strcmp(g->id, id)) {
            g->occurrences++;
            return g;
        }
    }
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        sw_finding *nf = realloc(d->f, nc * sizeof *nf);
        if (!nf) {
            d->oom = 1;
            return NULL;
        }
        d->f = nf;
        d->cap = nc;
    }
    const rule_text *rt = text_of(d->text_id ? d->text_id : id);
    d->fx[j] = (uint32_t)d->n + 1;
    sw_finding *f = &d->f[d->n++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->severity = (uint8_t)sev;
    f->call = call;
    f->at = at;
    f->key = key;
    f->occurrences = 1;
    unsigned l = d->lang == SW_KB_RU ? 1 : 0;
    f->title = fill(d, rt ? rt->title[l] : id, args, nargs);
    f->cause = fill(d, rt ? rt->cause[l] : "", args, nargs);
    f->impact = fill(d, rt ? rt->impact[l] : "", args, nargs);
    f->advice = fill(d, rt ? rt->advice[l] : "", args, nargs);
    f->evidence = sw_arena_alloc(&d->arena, MAX_EVIDENCE * sizeof *f->evidence);
    if (!f->evidence)
        d->oom = 1;
    return f;
}

/* One finding per rule and call (SW_NONE: per message `at`). */
static sw_finding *emit(sw_diag *d, const char *id, sw_severity sev, uint32_t call, uint64_t at,
                        const char *const *args, size_t nargs)
{
    uint64_t key = call != SW_NONE ? (uint64_t)call : (1ull << 63) | at;
    return emit_keyed(d, id, sev, call, key, at, args, nargs);
}

/* Adds evidence (message n, note from the evidence template `key` of the
 * rule texts, filled with args); a finding keeps at most MAX_EVIDENCE. */
static void evidence(sw_diag *d, sw_finding *f, uint64_t n, const char *key,
                     const char *const *args, size_t nargs)
{
    if (!f || !f->evidence || !n)
        return;
    for (uint32_t i = 0; i < f->nevidence; i++)
        if (f->evidence[i].number == n)
            return;
    if (f->nevidence == MAX_EVIDENCE) {
        f->more_evidence++;
        return;
    }
    const char *tpl = key;
    for (size_t i = 0; i < SW_ARRAY_LEN(EVIDENCE_TEXTS); i++)
        if (!strcmp(EVIDENCE_TEXTS[i].key, key)) {
            tpl = EVIDENCE_TEXTS[i].text[d->lang == SW_KB_RU ? 1 : 0];
            break;
        }
    f->evidence[f->nevidence].number = n;
    f->evidence[f->nevidence].note = fill(d, tpl, args, nargs);
    f->nevidence++;
    if (n < f->at || !f->at)
        f->at = n;
}

#define ARGS(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static const char *status_line(sw_diag *d, uint64_t n)
{
    const sw_sip_msg *s = parse(d, 1, n);
    if (!s)
        return "?";
    return str(d, "%d %s", s->status, sl(d, s->reason));
}

static const char *method_of(sw_diag *d, const sw_txn *x) { return sl(d, sw_corr_txn_method(d->c, x)); }

static bool is_m(sw_str m, const char *name) { return sw_str_eq_cstr(m, name); }

/* KB text of a response for causes/advice: brief meaning and first check. */
static const char *kb_meaning(sw_diag *d, uint64_t n)
{
    const sw_sip_msg *s = parse(d, 1, n);
    if (!s)
        return "";
    const sw_kb_entry *e = sw_kb_find(s->status, s->reason, NULL);
    if (!e)
        return "";
    const sw_kb_entry *base = (e->kind == SW_KB_VARIANT && e->base) ? e->base : e;
    return sw_kb_text(base->meaning, d->lang);
}

static const char *kb_check(sw_diag *d, uint64_t n)
{
    const sw_sip_msg *s = parse(d, 1, n);
    if (!s)
        return "";
    const sw_kb_entry *e = sw_kb_find(s->status, s->reason, NULL);
    if (!e)
        return "";
    const sw_kb_entry *base = (e->kind == SW_KB_VARIANT && e->base) ? e->base : e;
    const char *const *checks = base->checks[d->lang == SW_KB_RU ? 1 : 0];
    if (!base->n_checks || !checks)
        return "";
    if (base->n_checks == 1)
        return checks[0];
    return str(d, "%s %s", checks[0], checks[1]);
}

/* Merge key for a transaction's finding: calls are reported one by one;
 * repeated non-INVITE requests (registration loops, keep-alives), which use
 * a new Call-ID per try, are one finding per client, server, method, code. */
static uint64_t txn_key(const sw_diag *d, const sw_txn *x)
{
    sw_str method = sw_corr_txn_method(d->c, x);
    if (sw_str_eq_cstr(method, "INVITE"))
        return x->call;
    return (3ull << 62) ^ ((uint64_t)x->client << 40) ^ ((uint64_t)x->server << 20) ^
           sw_hash(method.p, method.len) ^ (uint64_t)(int64_t)x->final_code;
}

static bool phrase_has(sw_str reason, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= reason.len; i++)
        if (sw_str_iprefix(sw_str_make(reason.p + i, reason.len - i), word))
            return true;
    return false;
}

/* ---- 481 family -------------------------------------------------------- */

static const char *end_kind(sw_diag *d, const sw_dialog *dg)
{
    unsigned l = d->lang == SW_KB_RU ? 1 : 0;
    switch (dg->end) {
    case SW_DLG_END_BYE: return l ? "BYE" : "a BYE";
    case SW_DLG_END_CANCEL: return "CANCEL";
    case SW_DLG_END_FAILURE: return l ? "отказ на INVITE" : "a failure response to the INVITE";
    case SW_DLG_END_REPLACED: return l ? "INVITE с Replaces" : "an INVITE with Replaces";
    case SW_DLG_END_NOTIFY: return "NOTIFY (terminated)";
    default: return l ? "завершение" : "its end";
    }
}

/* The last request of transaction x before message `before` (the copy that
 * the response answers). */
static uint64_t request_before(sw_diag *d, uint32_t tx, uint64_t before)
{
    const sw_txn *x = sw_corr_txn(d->c, tx);
    uint64_t best = x->request;
    for (uint64_t n = sw_corr_call_next(d->c, x->call, 0); n && n < before;
         n = sw_corr_call_next(d->c, x->call, n))
        if (sw_corr_msg_txn(d->c, n) == tx && sw_corr_msg_code(d->c, n) == 0)
            best = n;
    return best;
}

static uint32_t txn_cancelled_by(sw_diag *d, uint32_t cancel_tx)
{
    for (size_t i = 0; i < sw_corr_ntxns(d->c); i++)
        if (sw_corr_txn(d->c, (uint32_t)i)->cancel == cancel_tx)
            return (uint32_t)i;
    return SW_NONE;
}

static const sw_sub *sub_of(sw_diag *d, uint32_t call, uint32_t dialog, uint64_t before)
{
    const sw_sub *best = NULL;
    for (size_t i = 0; i < sw_corr_nsubs(d->c); i++) {
        const sw_sub *u = sw_corr_sub(d->c, (uint32_t)i);
        if (u->call == call && (dialog == SW_NONE || u->dialog == dialog || u->dialog == SW_NONE) &&
            u->created < before)
            best = u;
    }
    return best;
}

static void rule_481(sw_diag *d)
{
    const sw_corr *c = d->c;
    size_t total = sw_trace_count(d->t);
    for (uint64_t n = 1; n <= total; n++) {
        if (sw_corr_msg_code(c, n) != 481)
            continue;
        uint32_t tx = sw_corr_msg_txn(c, n);
        if (tx == SW_NONE)
            continue;
        const sw_txn *x = sw_corr_txn(c, tx);
        uint32_t call = x->call;
        uint64_t req = request_before(d, tx, n);
        const char *method = method_of(d, x);
        const char *rcv = ep(d, x->server), *snd = ep(d, x->client);
        uint8_t rflags = req ? sw_corr_msg_flags(c, req) : 0;
        const sw_sip_msg *rs = req ? parse(d, 0, req) : NULL;

        /* A retransmission answered after the original got its answer. */
        if (x->final && x->final != n && x->final_code != 481 && x->final < n) {
            sw_finding *f = emit(d, "481-duplicate-request", SW_SEV_INFO, call, n,
                                 ARGS(method, mnum(d, x->final), status_line(d, x->final),
                                      mnum(d, req), snd, rcv));
            evidence(d, f, x->request, "req-original", ARGS(method));
            evidence(d, f, x->final, "answered", ARGS(status_line(d, x->final)));
            evidence(d, f, req, "req-retrans", ARGS(method));
            evidence(d, f, n, "got-481", NULL, 0);
            continue;
        }
        if (is_m(sw_corr_txn_method(d->c, x), "CANCEL")) {
            uint32_t inv = txn_cancelled_by(d, tx);
            const sw_txn *ix = inv != SW_NONE ? sw_corr_txn(c, inv) : NULL;
            sw_finding *f;
            if (ix && ix->final && ix->final < req) {
                f = emit(d, "481-cancel-no-transaction", SW_SEV_INFO, call, n,
                         ARGS(mnum(d, req), status_line(d, ix->final), mnum(d, ix->final), snd, rcv,
                              d->lang == SW_KB_RU
                                  ? "Звонящий положил трубку в тот момент, когда вызываемый уже ответил (гонка CANCEL/200)."
                                  : "The caller hung up just as the callee answered (the CANCEL/200 race)."));
                evidence(d, f, ix->request, "invite", NULL, 0);
                evidence(d, f, ix->final, "invite-final", ARGS(status_line(d, ix->final)));
            } else {
                f = emit(d, "481-cancel-no-transaction", SW_SEV_WARNING, call, n,
                         ARGS(mnum(d, req), "-", "-", snd, rcv,
                              d->lang == SW_KB_RU
                                  ? "В захвате нет INVITE, к которому относится этот CANCEL: получатель его не видел, или ветка Via в CANCEL не совпадает с веткой INVITE."
                                  : "No INVITE transaction in the capture matches this CANCEL: the receiver never saw the INVITE, or the CANCEL's Via branch differs from the INVITE's."));
            }
            evidence(d, f, req, "cancel", NULL, 0);
            evidence(d, f, n, "got-481", NULL, 0);
            continue;
        }
        if (is_m(sw_corr_txn_method(d->c, x), "NOTIFY") || is_m(sw_corr_txn_method(d->c, x), "SUBSCRIBE")) {
            uint32_t dlg = req ? sw_corr_msg_dialog(c, req) : SW_NONE;
            const sw_sub *u = sub_of(d, call, dlg, req ? req : n);
            const sw_dialog *dg = dlg != SW_NONE ? sw_corr_dialog(c, dlg) : NULL;
            if (is_m(sw_corr_txn_method(d->c, x), "SUBSCRIBE")) {
                /* The seed's forum case: a device "fails to register" with
                 * 481, but the 481 answers its SUBSCRIBE. */
                const char *regnote = "";
                for (size_t i = 0; i < sw_corr_nregs(c); i++) {
                    const sw_reg *r = sw_corr_reg(c, (uint32_t)i);
                    if (r->client == x->client && r->last) {
                        regnote = str(d, d->lang == SW_KB_RU
                                             ? " Этот 481 — ответ на SUBSCRIBE, а не на REGISTER: регистрация того же устройства получила %s (сообщение %" PRIu64 ")."
                                             : " This 481 answers the SUBSCRIBE, not the REGISTER: the same device's registration got %s (message %" PRIu64 ").",
                                      status_line(d, r->last), shown(d, r->last));
                        break;
                    }
                }
                /* Was it already ended (NOTIFY terminated, or its dialog)? */
                uint64_t ender = 0;
                const char *ender_kind = "";
                if (u && u->terminated && u->terminated < req) {
                    ender = u->terminated;
                    ender_kind = "NOTIFY (Subscription-State: terminated)";
                } else if (dg && dg->ended && dg->ended < req) {
                    ender = dg->ended;
                    ender_kind = end_kind(d, dg);
                }
                const sw_sip_msg *q = parse(d, 0, req);
                bool unsubscribe = q && q->first[SW_HDR_EXPIRES] &&
                                   sw_str_eq_cstr(sw_str_trim(q->first[SW_HDR_EXPIRES]->value), "0");
                const char *why =
                    ender ? str(d, d->lang == SW_KB_RU
                                       ? "её уже завершил %s (сообщение %" PRIu64 ")%s."
                                       : "%s had already ended it at message %" PRIu64 "%s.",
                                ender_kind, shown(d, ender),
                                unsubscribe ? (d->lang == SW_KB_RU
                                                   ? "; этот SUBSCRIBE (Expires: 0) лишь пытался завершить её ещё раз"
                                                   : "; this SUBSCRIBE (Expires: 0) only tried to end it once more")
                                            : "")
                          : (d->lang == SW_KB_RU
                                 ? "она истекла, сервер перезапускался или обновление пришло слишком поздно."
                                 : "it expired, the server restarted, or the refresh came too late.");
                sw_finding *f = emit(d, "481-subscription-refresh",
                                     ender && unsubscribe ? SW_SEV_INFO : SW_SEV_WARNING, call, n,
                                     ARGS(mnum(d, req), u ? sl(d, u->event) : "?", regnote, snd, rcv, why));
                if (u)
                    evidence(d, f, u->created, "sub-created", ARGS(u->implicit ? "REFER" : "SUBSCRIBE"));
                if (ender)
                    evidence(d, f, ender, "ended-here", ARGS(ender_kind));
                evidence(d, f, req, "sub-refresh", NULL, 0);
                evidence(d, f, n, "got-481", NULL, 0);
                continue;
            }
            /* NOTIFY after its subscription or dialog ended. */
            uint64_t ender = 0;
            const char *ender_kind = "";
            if (u && u->terminated && u->terminated < req) {
                ender = u->terminated;
                ender_kind = "NOTIFY (Subscription-State: terminated)";
            } else if (dg && dg->ended && dg->ended < req) {
                ender = dg->ended;
                ender_kind = end_kind(d, dg);
            }
            if (ender) {
                const char *linked = "";
                const sw_call *k = sw_corr_call(c, call);
                if (u && u->implicit && k && k->legs > 1) {
                    for (size_t i = 0; i < sw_corr_ncalls(c); i++) {
                        const sw_call *o = sw_corr_call(c, (uint32_t)i);
                        if (i != call && o->conversation == k->conversation) {
                            linked = str(d, d->lang == SW_KB_RU
                                                ? " Сам перевод прошёл: разговор продолжился в вызове #%zu (%s, Call-ID %s)."
                                                : " The transfer itself worked: the conversation went on in call #%zu (%s, Call-ID %s).",
                                         (size_t)sw_corr_call_shown(c, (uint32_t)i), sw_call_state_name((sw_call_state)o->state),
                                         sl(d, sw_corr_call_id(c, o)));
                            break;
                        }
                    }
                }
                sw_finding *f = emit(
                    d, "481-notify-after-subscription-ended",
                    u && u->implicit ? SW_SEV_INFO : SW_SEV_WARNING, call, n,
                    ARGS(mnum(d, req), u ? (u->implicit ? "REFER" : "SUBSCRIBE") : "?",
                         u ? mnum(d, u->created) : "?", ender_kind, mnum(d, ender), linked, snd,
                         rcv,
                         u && u->implicit
                             ? (d->lang == SW_KB_RU
                                    ? " Это типичная картина перевода вызова: переводящий кладёт трубку (BYE), как только REFER принят, а переводимый ещё шлёт NOTIFY с ходом нового вызова."
                                    : " This is the usual pattern of a blind transfer: the transferor hangs up (BYE) as soon as the REFER is accepted, while the transferee still sends NOTIFYs reporting how the new call is going.")
                             : ""));
                if (u)
                    evidence(d, f, u->created, "sub-created", ARGS(u->implicit ? "REFER" : "SUBSCRIBE"));
                evidence(d, f, ender, "ended-here", ARGS(ender_kind));
                evidence(d, f, req, "late-notify", NULL, 0);
                evidence(d, f, n, "got-481", NULL, 0);
                continue;
            }
        }
        if (rflags & SW_MF_AFTER_END) {
            uint32_t dlg = sw_corr_msg_dialog(c, req);
            const sw_dialog *dg = dlg != SW_NONE ? sw_corr_dialog(c, dlg) : NULL;
            sw_finding *f = emit(d, "481-after-dialog-ended", SW_SEV_WARNING, call, n,
                                 ARGS(method, mnum(d, req), dg ? end_kind(d, dg) : "?",
                                      dg ? mnum(d, dg->ended) : "?", snd, rcv));
            if (dg)
                evidence(d, f, dg->ended, "ended-here", ARGS(end_kind(d, dg)));
            evidence(d, f, req, "late-request", ARGS(method));
            evidence(d, f, n, "got-481", NULL, 0);
            continue;
        }
        /* Tags never seen, or a dialog the receiver lost. */
        const sw_call *k = sw_corr_call(c, call);
        const char *why;
        if (!req || (rflags & SW_MF_NO_DIALOG)) {
            if (k && k->ndialogs > 0)
                why = d->lang == SW_KB_RU
                          ? " У этого Call-ID есть другие диалоги, но их теги не совпадают: похоже, что SBC, ALG или B2BUA по дороге переписал теги."
                          : " This Call-ID has other dialogs, but none with these tags: something on the path (an SBC, a SIP ALG, a B2BUA) may have rewritten them.";
            else
                why = d->lang == SW_KB_RU
                          ? " Начало этого диалога в захвате отсутствует: вероятно, он начался до начала записи."
                          : " The capture holds no start of this dialog: it probably began before the capture did.";
        } else {
            why = d->lang == SW_KB_RU
                      ? " Диалог в захвате жив, значит получатель потерял его состояние (перезапуск, переключение на резерв, другой сервер за балансировщиком)."
                      : " The dialog is alive in the capture, so the receiver lost its state (a restart, a failover, another server behind a load balancer).";
        }
        const char *hurt = is_m(sw_corr_txn_method(d->c, x), "BYE")
                               ? (d->lang == SW_KB_RU
                                      ? "Одна сторона считает вызов завершённым, другая может держать его дальше."
                                      : "One side considers the call ended; the other may keep it up.")
                               : (d->lang == SW_KB_RU
                                      ? "Запрос не выполнен: изменение сеанса (удержание, смена кодека, продление таймера) не произошло."
                                      : "The request failed: the change it asked for (hold, codec change, session refresh, transfer) did not happen.");
        sw_finding *f = emit(d, "481-unknown-dialog", SW_SEV_WARNING, call, n,
                             ARGS(method, mnum(d, req), why, hurt, snd, rcv));
        evidence(d, f, req, "unknown-dialog-req", ARGS(method));
        evidence(d, f, n, "got-481", NULL, 0);
        (void)rs;
    }
}

/* ---- authentication ------------------------------------------------------ */

static const sw_sip_header *creds(const sw_sip_msg *s)
{
    return s->first[SW_HDR_AUTHORIZATION] ? s->first[SW_HDR_AUTHORIZATION]
                                          : s->first[SW_HDR_PROXY_AUTHORIZATION];
}

static bool stale_challenge(const sw_sip_msg *r)
{
    const sw_sip_header *h = r->first[SW_HDR_WWW_AUTHENTICATE]
                                 ? r->first[SW_HDR_WWW_AUTHENTICATE]
                                 : r->first[SW_HDR_PROXY_AUTHENTICATE];
    sw_sip_auth a;
    if (h && sw_sip_auth_parse(h->value, &a) == 0 && a.stale)
        return true;
    /* Vendors put it in the phrase ("AUTH Error: Stall nonce"). */
    for (size_t i = 0; i + 5 <= r->reason.len; i++)
        if (sw_str_iprefix(sw_str_make(r->reason.p + i, r->reason.len - i), "stale") ||
            sw_str_iprefix(sw_str_make(r->reason.p + i, r->reason.len - i), "stall"))
            return true;
    return false;
}

/* Is there a later request of the same method in the call carrying credentials? */
static bool answered_later(sw_diag *d, const sw_txn *x)
{
    for (uint64_t n = sw_corr_call_next(d->c, x->call, x->final); n;
         n = sw_corr_call_next(d->c, x->call, n)) {
        uint32_t t2 = sw_corr_msg_txn(d->c, n);
        if (t2 == SW_NONE || sw_corr_msg_code(d->c, n) != 0)
            continue;
        const sw_txn *y = sw_corr_txn(d->c, t2);
        if (!sw_str_eq(sw_corr_txn_method(d->c, y), sw_corr_txn_method(d->c, x)) || y == x)
            continue;
        const sw_sip_msg *s = parse(d, 0, n);
        if (s && creds(s))
            return true;
    }
    /* REGISTER clients often start a new Call-ID per attempt: look at the AOR. */
    return false;
}

/* AOR (To URI without parameters) of a REGISTER request, or empty. */
static sw_str register_aor(sw_diag *d, int slot, uint64_t req)
{
    const sw_sip_msg *q = req ? parse(d, slot, req) : NULL;
    sw_sip_nameaddr na;
    if (!q || !q->first[SW_HDR_TO] || sw_sip_nameaddr_parse(q->first[SW_HDR_TO]->value, &na))
        return SW_STR_NULL;
    sw_str u = na.uri;
    for (size_t i = 0; i < u.len; i++)
        if (u.p[i] == ';' || u.p[i] == '?')
            return sw_str_make(u.p, i);
    return u;
}

/* Did a later request of the same method succeed (2xx) in the same call,
 * or, for REGISTER, a later REGISTER of the same AOR from the same client
 * (devices often use a new Call-ID per try)? A challenge followed by success
 * is ordinary digest authentication, even when the first credentials carried
 * an old nonce or were an IMS AKA placeholder. Another device's success for
 * the same account says nothing about this one's password. */
static bool later_success(sw_diag *d, const sw_txn *x)
{
    for (uint64_t n = sw_corr_call_next(d->c, x->call, x->final); n;
         n = sw_corr_call_next(d->c, x->call, n)) {
        uint16_t code = sw_corr_msg_code(d->c, n);
        uint32_t t2 = sw_corr_msg_txn(d->c, n);
        if (code >= 200 && code < 300 && t2 != SW_NONE &&
            sw_str_eq(sw_corr_txn_method(d->c, sw_corr_txn(d->c, t2)), sw_corr_txn_method(d->c, x)))
            return true;
    }
    if (!is_m(sw_corr_txn_method(d->c, x), "REGISTER"))
        return false;
    sw_str aor = register_aor(d, 0, x->request);
    char abuf[256];
    size_t alen = SW_MIN(aor.len, sizeof abuf);
    memcpy(abuf, aor.p, alen); /* slot 0 is reused below */
    for (size_t j = 0; j < sw_corr_ntxns(d->c); j++) {
        const sw_txn *y = sw_corr_txn(d->c, (uint32_t)j);
        if (y->client != x->client || y->final <= x->final || y->final_code < 200 ||
            y->final_code >= 300 || !is_m(sw_corr_txn_method(d->c, y), "REGISTER"))
            continue;
        if (sw_str_ieq(register_aor(d, 0, y->request), sw_str_make(abuf, alen)))
            return true;
    }
    return false;
}

static void rule_auth(sw_diag *d)
{
    const sw_corr *c = d->c;
    for (size_t i = 0; i < sw_corr_ntxns(c); i++) {
        const sw_txn *x = sw_corr_txn(c, (uint32_t)i);
        if (!x->request || !x->final)
            continue;
        int code = x->final_code;
        if (code != 401 && code != 407 && code != 403)
            continue;
        const sw_sip_msg *q = parse(d, 0, x->request);
        const sw_sip_msg *r = parse(d, 1, x->final);
        if (!q || !r)
            continue;
        const sw_sip_header *ch = creds(q);
        const char *method = method_of(d, x);
        if (ch) {
            sw_sip_auth a;
            memset(&a, 0, sizeof a);
            sw_sip_auth_parse(ch->value, &a);
            if (later_success(d, x))
                continue;
            if (!a.response.len && (code == 401 || code == 407))
                goto no_creds; /* IMS initial REGISTER: an empty Authorization is no answer */
            if ((code == 401 || code == 407) && stale_challenge(r)) {
                sw_finding *f = emit(d, "auth-stale-nonce", SW_SEV_WARNING, x->call, x->final,
                                     ARGS(status_line(d, x->final), mnum(d, x->final),
                                          ep(d, x->client), method));
                evidence(d, f, x->request, "creds-sent", ARGS(sl(d, a.username), sl(d, a.realm)));
                evidence(d, f, x->final, "stale", NULL, 0);
                continue;
            }
            /* A device retrying REGISTER with new Call-IDs is one problem. */
            uint64_t key = is_m(sw_corr_txn_method(d->c, x), "REGISTER")
                               ? (2ull << 62) ^ ((uint64_t)x->client << 32) ^
                                     sw_hash(a.username.p, a.username.len)
                               : x->call;
            sw_finding *f = emit_keyed(d, "auth-wrong-credentials", SW_SEV_ERROR, x->call, key,
                                       x->request,
                                 ARGS(method, ep(d, x->client), sl(d, a.username), sl(d, a.realm),
                                      mnum(d, x->request), status_line(d, x->final),
                                      mnum(d, x->final), kb_meaning(d, x->final)));
            evidence(d, f, x->request, "creds-sent", ARGS(sl(d, a.username), sl(d, a.realm)));
            evidence(d, f, x->final, "rejected", ARGS(status_line(d, x->final)));
            continue;
        }
    no_creds:
        if (code == 403)
            continue; /* 403 without credentials: the registration/call rules explain it */
        if (stale_challenge(r))
            continue;
        if (answered_later(d, x))
            continue; /* a challenge answered: normal digest authentication */
        /* REGISTER loops often use a new Call-ID per try: a later REGISTER of
         * the same AOR with credentials counts as an answer. */
        if (is_m(sw_corr_txn_method(d->c, x), "REGISTER")) {
            bool later = false;
            for (size_t j = 0; j < sw_corr_nregs(c) && !later; j++) {
                const sw_reg *g = sw_corr_reg(c, (uint32_t)j);
                if (g->call == x->call || g->last > x->final)
                    later = g->ok > 0 || g->last > x->final;
            }
            if (later && sw_corr_call(c, x->call)->nmsgs > 2)
                continue;
        }
        sw_finding *f = emit_keyed(d, "auth-no-credentials", SW_SEV_WARNING, x->call, txn_key(d, x),
                                   x->request,
                             ARGS(method, ep(d, x->client), status_line(d, x->final),
                                  mnum(d, x->final), ep(d, x->server)));
        evidence(d, f, x->request, "req-no-creds", ARGS(method));
        evidence(d, f, x->final, "challenge", ARGS(status_line(d, x->final)));
    }
}

/* ---- registration ---------------------------------------------------------- */

static void rule_registration(sw_diag *d)
{
    const sw_corr *c = d->c;
    int64_t end_ts = 0;
    size_t total = sw_trace_count(d->t);
    if (total)
        end_ts = sw_trace_get(d->t, total)->ts_ns;
    for (size_t i = 0; i < sw_corr_ntxns(c); i++) {
        const sw_txn *x = sw_corr_txn(c, (uint32_t)i);
        if (!is_m(sw_corr_txn_method(d->c, x), "REGISTER") || !x->final)
            continue;
        const sw_sip_msg *q = x->request ? parse(d, 0, x->request) : NULL;
        sw_str aor = SW_STR_NULL;
        if (q && q->first[SW_HDR_TO]) {
            sw_sip_nameaddr na;
            if (sw_sip_nameaddr_parse(q->first[SW_HDR_TO]->value, &na) == 0)
                aor = na.uri;
        }
        if (x->final_code == 403 || x->final_code == 404) {
            if (q && creds(q))
                continue; /* rejected credentials: auth-wrong-credentials says it */
            const sw_sip_msg *r = parse(d, 1, x->final);
            sw_finding *f = emit_keyed(d, "registration-rejected", SW_SEV_ERROR, x->call,
                                       txn_key(d, x), x->final,
                                 ARGS(num(d, (uint64_t)x->final_code), r ? sl(d, r->reason) : "",
                                      sl(d, aor), ep(d, x->client), mnum(d, x->final),
                                      kb_meaning(d, x->final), kb_check(d, x->final)));
            evidence(d, f, x->request, "register", ARGS(sl(d, aor)));
            evidence(d, f, x->final, "rejected", ARGS(status_line(d, x->final)));
        } else if (x->final_code == 423) {
            const sw_sip_msg *r = parse(d, 1, x->final);
            const char *min = r && r->first[SW_HDR_MIN_EXPIRES]
                                  ? sl(d, sw_str_trim(r->first[SW_HDR_MIN_EXPIRES]->value))
                                  : "?";
            const char *asked = q && q->first[SW_HDR_EXPIRES]
                                    ? sl(d, sw_str_trim(q->first[SW_HDR_EXPIRES]->value))
                                    : "?";
            sw_finding *f = emit(d, "registration-interval-too-brief", SW_SEV_WARNING, x->call,
                                 x->final, ARGS(sl(d, aor), asked, min, ep(d, x->client)));
            evidence(d, f, x->request, "register", ARGS(sl(d, aor)));
            evidence(d, f, x->final, "too-brief", ARGS(min));
        }
    }
    for (size_t i = 0; i < sw_corr_nregs(c); i++) {
        const sw_reg *g = sw_corr_reg(c, (uint32_t)i);
        if (!g->last_ok || !g->t_expiry || g->t_expiry >= end_ts)
            continue;
        /* Only when the capture goes on past the expiry with no refresh. */
        const sw_msg *okm = sw_trace_get(d->t, g->last_ok);
        sw_finding *f = emit(d, "registration-expired", SW_SEV_WARNING, g->call, g->last_ok,
                             ARGS(sl(d, g->aor), mnum(d, g->last_ok), num(d, g->expires),
                                  ep(d, g->client),
                                  str(d, "%.0f", okm ? (double)(end_ts - g->t_expiry) / 1e9 : 0)));
        evidence(d, f, g->last_ok, "registered", ARGS(num(d, g->expires)));
    }
}

/* ---- response codes ---------------------------------------------------- */

static bool overload_phrase(sw_str reason)
{
    static const char *words[] = {"quota", "overload", "too many", "capacity", "limit"};
    for (size_t w = 0; w < SW_ARRAY_LEN(words); w++)
        for (size_t i = 0; i + strlen(words[w]) <= reason.len; i++)
            if (sw_str_iprefix(sw_str_make(reason.p + i, reason.len - i), words[w]))
                return true;
    return false;
}

static void rule_codes(sw_diag *d)
{
    const sw_corr *c = d->c;
    for (size_t i = 0; i < sw_corr_ntxns(c); i++) {
        const sw_txn *x = sw_corr_txn(c, (uint32_t)i);
        const char *method = method_of(d, x);
        if ((x->flags & SW_TXF_TIMEOUT) && x->request) {
            const sw_msg *a = sw_trace_get(d->t, x->request), *b = sw_trace_get(d->t, x->last);
            sw_finding *f = emit_keyed(d, "no-response", SW_SEV_ERROR, x->call, txn_key(d, x), x->request,
                                 ARGS(method, ep(d, x->server), mnum(d, x->request),
                                      num(d, (uint64_t)x->retrans + 1),
                                      str(d, "%.1f", a && b ? (double)(b->ts_ns - a->ts_ns) / 1e9 : 0),
                                      ep(d, x->client)));
            evidence(d, f, x->request, "first-try", ARGS(method));
            evidence(d, f, x->last, "last-try", NULL, 0);
            continue;
        }
        if (!x->final)
            continue;
        int code = x->final_code;
        /* Parse only the answers a rule here can be about (every 2xx, 401
         * and 407 of a big capture would be parsed for nothing). */
        bool maybe = code == 408 || code == 504 || code == 482 || code == 483 || code == 503 ||
                     code == 500 || code == 422 || code == 400 ||
                     (code >= 300 && is_m(sw_corr_txn_method(d->c, x), "INVITE") && x->dialog == SW_NONE &&
                      code != 401 && code != 407);
        if (!maybe)
            continue;
        const sw_sip_msg *r = parse(d, 1, x->final);
        if (!r)
            continue;
        const char *sline = status_line(d, x->final);
        sw_finding *f = NULL;
        if (code == 408 || code == 504) {
            f = emit_keyed(d, "request-timeout", SW_SEV_ERROR, x->call, txn_key(d, x), x->final,
                     ARGS(method, sline, mnum(d, x->final), ep(d, x->server),
                          kb_meaning(d, x->final)));
        } else if (code == 482) {
            f = emit_keyed(d, "loop-detected", SW_SEV_ERROR, x->call, txn_key(d, x), x->final,
                     ARGS(method, mnum(d, x->final), ep(d, x->server)));
        } else if (code == 483) {
            const sw_sip_msg *q = x->request ? parse(d, 0, x->request) : NULL;
            const char *mf = q && q->first[SW_HDR_MAX_FORWARDS]
                                 ? sl(d, sw_str_trim(q->first[SW_HDR_MAX_FORWARDS]->value))
                                 : "?";
            f = emit_keyed(d, "too-many-hops", SW_SEV_ERROR, x->call, txn_key(d, x), x->final,
                     ARGS(method, mnum(d, x->final), mf, ep(d, x->server)));
            if (x->request)
                evidence(d, f, x->request, "max-forwards", ARGS(mf));
        } else if (code == 503 || (code == 500 && overload_phrase(r->reason))) {
            const char *ra = r->first[SW_HDR_RETRY_AFTER]
                                 ? sl(d, sw_str_trim(r->first[SW_HDR_RETRY_AFTER]->value))
                                 : (d->lang == SW_KB_RU ? "не указан" : "not given");
            f = emit_keyed(d, "server-overload", SW_SEV_ERROR, x->call, txn_key(d, x), x->final,
                     ARGS(method, sline, mnum(d, x->final), ep(d, x->server), ra,
                          kb_meaning(d, x->final)));
        } else if (code == 422) {
            f = emit_keyed(d, "session-timer", SW_SEV_WARNING, x->call, txn_key(d, x), x->final,
                     ARGS(method, mnum(d, x->final), ep(d, x->server)));
        } else if (code == 400) {
            f = emit_keyed(d, "malformed-message", SW_SEV_ERROR, x->call, txn_key(d, x), x->final,
                     ARGS(method, sline, mnum(d, x->final), ep(d, x->server), ep(d, x->client)));
        } else if (code >= 300 && is_m(sw_corr_txn_method(d->c, x), "INVITE") && x->dialog == SW_NONE &&
                   !(x->request && parse(d, 0, x->request) && creds(&d->sip[0]) &&
                     (code == 401 || code == 403 || code == 407)) &&
                   code != 401 && code != 407 && code != 481 && code != 488 && code != 415 &&
                   code != 606 && code != 491 && !phrase_has(r->reason, "codec")) {
            const sw_call *k = sw_corr_call(c, x->call);
            if (k->invite_txn != (uint32_t)i)
                continue; /* an earlier attempt of a call that went on */
            sw_severity sev = (code == 486 || code == 600 || code == 603 || code == 487)
                                  ? SW_SEV_INFO
                                  : (code >= 500 ? SW_SEV_ERROR : SW_SEV_WARNING);
            f = emit_keyed(d, "call-rejected", sev, x->call, txn_key(d, x), x->final,
                     ARGS(sline, mnum(d, x->final), ep(d, x->server), kb_meaning(d, x->final),
                          kb_check(d, x->final), sl(d, sw_corr_call_to(c, k))));
        }
        if (f) {
            if (x->request)
                evidence(d, f, x->request, "request", ARGS(method));
            evidence(d, f, x->final, "answer", ARGS(sline));
        }
    }
    /* Messages the parser could not read by the grammar. */
    size_t total = sw_trace_count(d->t);
    for (uint64_t n = 1; n <= total; n++) {
        const sw_msg *m = sw_trace_get(d->t, n);
        if (m->sflags & SW_SIPF_MALFORMED) {
            const sw_sip_msg *s = parse(d, 0, n);
            sw_finding *f = emit_keyed(d, "malformed-message", SW_SEV_WARNING,
                                       sw_corr_msg_call(c, n),
                                       (5ull << 60) ^ ((uint64_t)m->src << 24) ^
                                           sw_hash(s && s->malformed ? s->malformed : "?",
                                                   s && s->malformed ? strlen(s->malformed) : 1),
                                       n,
                                 ARGS(s && s->is_request ? sl(d, s->method) : "SIP",
                                      s && s->malformed ? s->malformed : "?", mnum(d, n),
                                      ep(d, m->dst), ep(d, m->src)));
            evidence(d, f, n, "malformed", ARGS(s && s->malformed ? s->malformed : "?"));
        }
        /* RFC 3261 18.1.1: requests near the path MTU belong on TCP. */
        if (m->transport == SW_TP_UDP && sw_corr_msg_code(c, n) == 0 &&
            !(sw_corr_msg_flags(c, n) & SW_MF_RETRANS) &&
            ((m->pflags & SW_PAYF_IPFRAG) || m->len > 1300)) {
            const sw_sip_msg *s = parse(d, 0, n);
            /* one finding per sender: it is that device's configuration */
            sw_finding *f = emit_keyed(d, "udp-message-too-large", SW_SEV_WARNING,
                                       sw_corr_msg_call(c, n), (4ull << 60) ^ m->src, n, ARGS(s ? sl(d, s->method) : "?", num(d, m->len),
                                         (m->pflags & SW_PAYF_IPFRAG)
                                             ? (d->lang == SW_KB_RU ? ", и был фрагментирован на уровне IP" : " and was split into IP fragments")
                                             : "",
                                         ep(d, m->src)));
            evidence(d, f, n, "big", ARGS(num(d, m->len)));
        }
    }
}


/* ---- codecs ---------------------------------------------------------------- */

static const char *static_pt_name(unsigned pt)
{
    switch (pt) {
    case 0: return "PCMU";
    case 3: return "GSM";
    case 4: return "G723";
    case 8: return "PCMA";
    case 9: return "G722";
    case 13: return "CN";
    case 18: return "G729";
    default: return NULL;
    }
}

/* Audio codecs of message n's SDP ("PCMU, PCMA, telephone-event"), or NULL. */
static const char *sdp_codecs(sw_diag *d, int slot, uint64_t n)
{
    const sw_sip_msg *s = parse(d, slot, n);
    sw_str body;
    if (!s || !sw_sip_find_sdp(s, &body))
        return NULL;
    sw_sdp sdp;
    sw_sdp_media media[4];
    if (sw_sdp_parse(body, &sdp, media, 4) != 0)
        return NULL;
    char buf[256];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sdp.nmedia && i < 4; i++) {
        const sw_sdp_media *md = &media[i];
        if (!sw_str_eq_cstr(md->type, "audio")) {
            /* video, image/t38 (fax): name the media and its formats */
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%.*s %.*s", k ? ", " : "",
                                  (int)SW_MIN(md->type.len, 16u), md->type.p,
                                  (int)SW_MIN(md->fmts.len, 32u), md->fmts.p);
            continue;
        }
        for (size_t f = 0; f < md->nfmt && k + 40 < sizeof buf; f++) {
            const char *name = NULL;
            char nb[40];
            for (size_t r = 0; r < md->nrtpmap; r++)
                if (md->rtpmap[r].pt == md->fmt[f]) {
                    snprintf(nb, sizeof nb, "%.*s", (int)SW_MIN(md->rtpmap[r].encoding.len, 30u),
                             md->rtpmap[r].encoding.p);
                    name = nb;
                }
            if (!name)
                name = static_pt_name(md->fmt[f]);
            if (!name) {
                snprintf(nb, sizeof nb, "PT %u", md->fmt[f]);
                name = nb;
            }
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? ", " : "", name);
        }
        if (md->port == 0)
            k += (size_t)snprintf(buf + k, sizeof buf - k, " (port 0)");
    }
    return k ? sl(d, sw_str_cstr(buf)) : NULL;
}


static void rule_codec(sw_diag *d)
{
    const sw_corr *c = d->c;
    uint32_t cache_ep[16];
    const char *cache_codecs[16];
    size_t ncache = 0;
    for (size_t i = 0; i < sw_corr_ntxns(c); i++) {
        const sw_txn *x = sw_corr_txn(c, (uint32_t)i);
        if (!x->final || !x->request || !is_m(sw_corr_txn_method(d->c, x), "INVITE"))
            continue;
        int code = x->final_code;
        const sw_sip_msg *r = parse(d, 1, x->final);
        if (!r)
            continue;
        if (!(code == 488 || code == 415 || code == 606 ||
              (code >= 400 && phrase_has(r->reason, "codec"))))
            continue;
        const char *sline = status_line(d, x->final);
        const char *offer = sdp_codecs(d, 0, x->request);
        /* What the callee can do: the first SDP it sent anywhere in the
         * capture; remembered per endpoint, so many 488s cost one scan. */
        const char *theirs = NULL;
        size_t ci = 0;
        while (ci < ncache && cache_ep[ci] != x->server)
            ci++;
        if (ci < ncache) {
            theirs = cache_codecs[ci];
        } else {
            size_t total = sw_trace_count(d->t);
            for (uint64_t n = 1; n <= total && !theirs; n++) {
                const sw_msg *m = sw_trace_get(d->t, n);
                if (m->src == x->server && memmem(m->data, m->len, "\nv=0", 4))
                    theirs = sdp_codecs(d, 0, n);
            }
            if (ncache < SW_ARRAY_LEN(cache_ep)) {
                cache_ep[ncache] = x->server;
                cache_codecs[ncache++] = theirs;
            }
        }
        const char *callee = theirs
                                 ? str(d, d->lang == SW_KB_RU ? " В других сообщениях %s предлагал: %s."
                                                              : " Elsewhere in the capture %s offers: %s.",
                                       ep(d, x->server), theirs)
                                 : "";
        sw_finding *f = emit_keyed(d, "codec-mismatch", SW_SEV_ERROR, x->call, txn_key(d, x),
                                   x->final,
                                   ARGS(sline, mnum(d, x->final), ep(d, x->server),
                                        offer ? offer : (d->lang == SW_KB_RU ? "предложение без SDP" : "no SDP"),
                                        callee, ep(d, x->client)));
        evidence(d, f, x->request, "offer", ARGS(offer ? offer : "-"));
        evidence(d, f, x->final, "answer", ARGS(sline));
    }
}

/* ---- missing ACK ------------------------------------------------------------ */

static void rule_missing_ack(sw_diag *d)
{
    const sw_corr *c = d->c;
    for (size_t i = 0; i < sw_corr_ntxns(c); i++) {
        const sw_txn *x = sw_corr_txn(c, (uint32_t)i);
        if (!is_m(sw_corr_txn_method(d->c, x), "INVITE") || x->final_code < 200 || x->final_code >= 300 ||
            x->resp_retrans < 2)
            continue;
        bool acked = false;
        uint64_t bye = 0, last_ok = x->final;
        for (uint64_t n = sw_corr_call_next(c, x->call, x->final); n;
             n = sw_corr_call_next(c, x->call, n)) {
            uint32_t t2 = sw_corr_msg_txn(c, n);
            if (t2 == SW_NONE)
                continue;
            const sw_txn *y = sw_corr_txn(c, t2);
            if (t2 == i && sw_corr_msg_code(c, n) >= 200)
                last_ok = n;
            /* an ACK towards the callee on its own hop */
            const sw_msg *am = sw_trace_get(d->t, n);
            if (sw_corr_msg_code(c, n) == 0 && is_m(sw_corr_txn_method(d->c, y), "ACK") && am && am->dst == x->server)
                acked = true;
            if (!bye && sw_corr_msg_code(c, n) == 0 && is_m(sw_corr_txn_method(d->c, y), "BYE"))
                bye = n;
        }
        if (acked)
            continue;
        const sw_sip_msg *r = parse(d, 1, x->final);
        const char *contact = "?";
        if (r && r->first[SW_HDR_CONTACT]) {
            sw_sip_nameaddr na;
            if (sw_sip_nameaddr_parse(r->first[SW_HDR_CONTACT]->value, &na) == 0)
                contact = sl(d, na.uri);
        }
        sw_finding *f = emit(d, "missing-ack", SW_SEV_ERROR, x->call, x->final,
                             ARGS(mnum(d, x->final), num(d, (uint64_t)x->resp_retrans + 1),
                                  ep(d, x->server), contact,
                                  bye ? str(d, d->lang == SW_KB_RU ? " (BYE, сообщение %" PRIu64 ")"
                                                                   : " (BYE at message %" PRIu64 ")",
                                            shown(d, bye))
                                      : (d->lang == SW_KB_RU ? " (в записи BYE уже не видно)"
                                                             : " (the capture ends before it)"),
                                  ep(d, x->client)));
        evidence(d, f, x->final, "ok-first", ARGS(num(d, (uint64_t)x->resp_retrans + 1)));
        evidence(d, f, last_ok, "ok-again", NULL, 0);
        if (bye)
            evidence(d, f, bye, "bye-after", NULL, 0);
    }
}

/* ---- session timer expiry (RFC 4028) ------------------------------------ */

/* Session-Expires of a message (also its compact form "x"): the interval in
 * seconds (0 when absent or unreadable) and the refresher parameter. */
static uint32_t session_expires(const sw_sip_msg *m, sw_str *refresher)
{
    const sw_sip_header *h = sw_sip_hdr_find(m, sw_str_cstr("Session-Expires"));
    if (!h)
        h = sw_sip_hdr_find(m, sw_str_cstr("x"));
    *refresher = (sw_str){NULL, 0};
    if (!h)
        return 0;
    sw_str v = sw_str_trim(h->value);
    size_t i = 0;
    uint64_t se = 0;
    while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && se < 100000000)
        se = se * 10 + (uint64_t)(v.p[i++] - '0');
    sw_str params = {v.p + i, v.len - i};
    if (!sw_sip_param_get(params, "refresher", refresher))
        *refresher = (sw_str){NULL, 0};
    return (uint32_t)se;
}

/* Seconds as "20 s" or, from two minutes on, "1768 s (29 min 28 s)". */
static const char *secs_text(sw_diag *d, double secs)
{
    bool ru = d->lang == SW_KB_RU;
    if (secs < 120)
        return str(d, ru ? "%.0f с" : "%.0f s", secs);
    long t = (long)(secs + 0.5);
    return ru ? str(d, "%ld с (%ld мин %ld с)", t, t / 60, t % 60)
              : str(d, "%ld s (%ld min %ld s)", t, t / 60, t % 60);
}

/* Whether a message's bytes may hold a Session-Expires header (long or
 * compact form): cheap, so that only those messages are parsed. */
static bool may_have_se(const sw_trace *t, uint64_t n)
{
    const sw_msg *m = sw_trace_get(t, n);
    if (!m)
        return false;
    const char *p = m->data, *e = m->data + m->len;
    for (const char *q = p; q + 3 <= e; q++) {
        if (*q != '\n')
            continue;
        char c = q[1];
        if ((c == 'x' || c == 'X') && (q[2] == ':' || q[2] == ' ' || q[2] == '\t'))
            return true;
        if ((c == 's' || c == 'S') && e - q > 16 && strncasecmp(q + 1, "session-expires", 15) == 0)
            return true;
        if (q + 2 < e && q[1] == '\r' && q[2] == '\n')
            return false; /* end of the head */
    }
    return false;
}

/* A dialog ended by a BYE sent when its session interval ran out: the last
 * 2xx to an INVITE or UPDATE in the dialog carried Session-Expires: SE, and
 * the BYE came SE - min(32, SE/3) (the RFC's advice to the side that does
 * not refresh) to SE seconds later, give or take a few seconds. */
static void rule_session_expiry(sw_diag *d)
{
    const sw_corr *c = d->c;
    for (size_t di = 0; di < sw_corr_ndialogs(c); di++) {
        const sw_dialog *dl = sw_corr_dialog(c, (uint32_t)di);
        if (!is_m(dl->method, "INVITE") || dl->end != SW_DLG_END_BYE || !dl->confirmed ||
            !dl->ended)
            continue;
        uint64_t last_ok = 0, failed[2] = {0, 0};
        uint32_t se = 0, last_txn = SW_NONE;
        sw_str refresher = {NULL, 0};
        size_t nfailed = 0;
        for (uint64_t n = dl->confirmed; n && n < dl->ended; n = sw_corr_call_next(c, dl->call, n)) {
            if (sw_corr_msg_dialog(c, n) != (uint32_t)di)
                continue;
            uint32_t ti = sw_corr_msg_txn(c, n);
            const sw_txn *x = ti != SW_NONE ? sw_corr_txn(c, ti) : NULL;
            if (!x || !(is_m(sw_corr_txn_method(d->c, x), "INVITE") || is_m(sw_corr_txn_method(d->c, x), "UPDATE")))
                continue;
            uint16_t code = sw_corr_msg_code(c, n);
            if (code >= 200 && code < 300) {
                const sw_sip_msg *r = may_have_se(d->t, n) ? parse(d, 1, n) : NULL;
                sw_str rf = {NULL, 0};
                uint32_t v = r ? session_expires(r, &rf) : 0;
                last_ok = n;
                last_txn = ti;
                se = v; /* a refresh without Session-Expires turns the timer off */
                refresher = rf;
            } else if (code == 0 && n == x->request && n != dl->confirmed &&
                       (x->final_code < 200 || x->final_code >= 300) && nfailed < 2) {
                failed[nfailed++] = n;
            }
        }
        if (!last_ok || !se)
            continue;
        const sw_msg *ok = sw_trace_get(d->t, last_ok), *bye = sw_trace_get(d->t, dl->ended);
        if (!ok || !bye || bye->ts_ns < ok->ts_ns)
            continue;
        double el = (double)(bye->ts_ns - ok->ts_ns) / 1e9;
        double early = se / 3.0 < 32 ? se / 3.0 : 32;
        if (el < se - early - 2 || el > se + 10)
            continue;
        const sw_txn *x = sw_corr_txn(c, last_txn);
        const char *who = is_m(refresher, "uas") ? ep(d, x->server)
                          : is_m(refresher, "uac") ? ep(d, x->client)
                          : (d->lang == SW_KB_RU ? "сторона, указанная в refresher (не указана)"
                                                 : "the refresher (not named in the 2xx)");
        const char *fails = "";
        if (nfailed)
            fails = d->lang == SW_KB_RU
                        ? str(d, " хотя попытки были (сообщение %" PRIu64 "%s),", shown(d, failed[0]),
                              nfailed > 1 ? " и другие" : "")
                        : str(d, " though it was tried (message %" PRIu64 "%s),", shown(d, failed[0]),
                              nfailed > 1 ? " and more" : "");
        d->text_id = "session-timer:expiry";
        sw_finding *f = emit(d, "session-timer", SW_SEV_ERROR, dl->call, dl->ended,
                             ARGS(num(d, se), status_line(d, last_ok), mnum(d, last_ok), who,
                                  ep(d, bye->src), mnum(d, dl->ended), secs_text(d, el), fails));
        d->text_id = NULL;
        const sw_sip_msg *r = parse(d, 1, last_ok);
        const sw_sip_header *h = r ? sw_sip_hdr_find(r, sw_str_cstr("Session-Expires")) : NULL;
        if (!h && r)
            h = sw_sip_hdr_find(r, sw_str_cstr("x"));
        evidence(d, f, last_ok, "st-interval", ARGS(h ? sl(d, sw_str_trim(h->value)) : num(d, se)));
        for (size_t k = 0; k < nfailed; k++) {
            const sw_txn *y = sw_corr_txn(c, sw_corr_msg_txn(c, failed[k]));
            evidence(d, f, failed[k], "st-refresh-failed",
                     ARGS(sl(d, sw_corr_txn_method(d->c, y)),
                          y->final ? status_line(d, y->final)
                                   : (d->lang == SW_KB_RU ? "нет ответа" : "no answer")));
        }
        evidence(d, f, dl->ended, "st-bye", ARGS(str(d, "%.0f", el)));
    }
}

/* ---- NAT ------------------------------------------------------------------ */


/* RFC 1918, RFC 6598 (CGNAT), link-local, unique local IPv6. */
static bool private_literal(sw_str host, sw_addr *out)
{
    char buf[64];
    if (!host.len || host.len >= sizeof buf)
        return false;
    memcpy(buf, host.p, host.len);
    buf[host.len] = '\0';
    uint8_t a[16];
    if (inet_pton(AF_INET, buf, a) == 1) {
        out->family = 4;
        memcpy(out->a, a, 4);
        return a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
               (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xC0) == 64) ||
               (a[0] == 169 && a[1] == 254);
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
        out->family = 6;
        memcpy(out->a, a, 16);
        return (a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80);
    }
    return false;
}

static bool addr_private(const sw_addr *a)
{
    /* Loopback counts as "not public" too: a capture on lo shows no NAT. */
    static const uint8_t v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if ((a->family == 4 && a->a[0] == 127) || (a->family == 6 && !memcmp(a->a, v6lo, 16)))
        return true;
    char t[64];
    sw_addr_str(a, t, sizeof t);
    sw_addr tmp;
    return private_literal(sw_str_cstr(t), &tmp);
}

static void rule_nat(sw_diag *d)
{
    size_t total = sw_trace_count(d->t);
    /* endpoints already examined: a device shows its NAT problem in its first
     * messages; looking at more would only cost time on big captures */
    uint8_t *seen = NULL;
    size_t nseen = 0;
    for (uint64_t n = 1; n <= total; n++) {
        const sw_msg *m = sw_trace_get(d->t, n);
        if (m->src >= nseen) {
            size_t nn = (size_t)m->src + 256;
            uint8_t *ns = realloc(seen, nn);
            if (!ns)
                break;
            memset(ns + nseen, 0, nn - nseen);
            seen = ns;
            nseen = nn;
        }
        if (seen[m->src] >= 4)
            continue;
        seen[m->src]++;
        const sw_endpoint *src = sw_trace_endpoint(d->t, m->src);
        if (!src || addr_private(&src->addr))
            continue; /* a LAN capture: private addresses are expected */
        const sw_sip_msg *s = parse(d, 0, n);
        if (!s)
            continue;
        char where[96] = "", addrs[160] = "";
        sw_addr pa;
        bool rport = true;
        if (s->is_request) {
            sw_sip_via v;
            const sw_sip_header *h = s->first[SW_HDR_VIA];
            sw_str cur = h ? h->value : SW_STR_NULL, item;
            if (h && sw_sip_list_next(&cur, &item) && sw_sip_via_parse(item, &v) == 0) {
                rport = v.has_rport;
                if (private_literal(v.host, &pa) && !sw_addr_eq(&pa, &src->addr)) {
                    strcat(where, "Via");
                    snprintf(addrs + strlen(addrs), sizeof addrs - strlen(addrs), "%s%s",
                             addrs[0] ? ", " : "", sl(d, v.host));
                }
            }
        }
        /* A REGISTER response lists the registered bindings, not the
         * registrar's own address: its Contact says nothing about NAT. */
        const sw_sip_header *ct =
            (!s->is_request && sw_str_eq_cstr(s->cseq_method, "REGISTER")) ? NULL
                                                                          : s->first[SW_HDR_CONTACT];
        sw_sip_nameaddr na;
        sw_sip_uri u;
        if (ct && sw_sip_nameaddr_parse(ct->value, &na) == 0 && sw_sip_uri_parse(na.uri, &u) == 0 &&
            private_literal(u.host, &pa) && !sw_addr_eq(&pa, &src->addr)) {
            strcat(where, where[0] ? ", Contact" : "Contact");
            snprintf(addrs + strlen(addrs), sizeof addrs - strlen(addrs), "%s%s",
                     addrs[0] ? ", " : "", sl(d, u.host));
        }
        sw_str body;
        if (sw_sip_find_sdp(s, &body)) {
            sw_sdp sdp;
            sw_sdp_media media[2];
            if (sw_sdp_parse(body, &sdp, media, 2) == 0) {
                sw_str ca = sdp.nmedia && media[0].conn_addr.len ? media[0].conn_addr : sdp.conn_addr;
                if (private_literal(ca, &pa) && !sw_addr_eq(&pa, &src->addr)) {
                    strcat(where, where[0] ? ", SDP" : "SDP");
                    snprintf(addrs + strlen(addrs), sizeof addrs - strlen(addrs), "%s%s",
                             addrs[0] ? ", " : "", sl(d, ca));
                }
            }
        }
        if (!where[0])
            continue;
        const char *rp = rport ? ""
                               : (d->lang == SW_KB_RU
                                      ? " Его запросы не просят rport (RFC 3581), поэтому без принудительного rport на сервере ответы уходят на частный адрес."
                                      : " Its requests do not ask for rport (RFC 3581), so unless the server forces it, responses go to the private address.");
        const char *who = ep(d, m->src);
        sw_finding *f = emit_keyed(d, "nat-private-address", SW_SEV_WARNING,
                                   sw_corr_msg_call(d->c, n), (6ull << 60) ^ m->src, n,
                                   ARGS(who, sl(d, sw_str_cstr(where)), sl(d, sw_str_cstr(addrs)), rp));
        evidence(d, f, n, "private", ARGS(str(d, "%s: %s", where, addrs)));
    }
    free(seen);
}

/* ---- scanners ----------------------------------------------------------------- */

static bool scanner_ua(sw_str ua)
{
    static const char *names[] = {"friendly-scanner", "sipvicious", "sipcli", "VaxSIPUserAgent",
                                  "sundayddr", "iWar", "sip-scan", "SIPScan", "smap",
                                  "pplsip"};
    for (size_t i = 0; i < SW_ARRAY_LEN(names); i++)
        if (phrase_has(ua, names[i]))
            return true;
    return false;
}

typedef struct srcstat {
    sw_addr addr;
    uint32_t requests, failures, users;
    uint64_t first, last_fail;
    bool used;
} srcstat;

/* ---- media (RTP) ------------------------------------------------------------ */

typedef struct media_ep {
    sw_addr a;
    uint16_t port;
    bool hold;  /* sendonly, recvonly, inactive, or c=0.0.0.0 */
    bool valid;
} media_ep;

/* The first audio stream of the SDP in message n. */
static media_ep sdp_audio(sw_diag *d, int slot, uint64_t n)
{
    media_ep ep;
    memset(&ep, 0, sizeof ep);
    const sw_sip_msg *m = n ? parse(d, slot, n) : NULL;
    sw_str body;
    if (!m || !sw_sip_find_sdp(m, &body))
        return ep;
    sw_sdp sdp;
    sw_sdp_media md[4];
    sw_sdp_parse(body, &sdp, md, 4);
    for (size_t i = 0; i < SW_MIN(sdp.nmedia, (size_t)4); i++) {
        if (!is_m(md[i].type, "audio") || !md[i].port)
            continue;
        sw_str conn = md[i].conn_addr.len ? md[i].conn_addr : sdp.conn_addr;
        char buf[64];
        if (!conn.len || conn.len >= sizeof buf)
            return ep;
        memcpy(buf, conn.p, conn.len);
        buf[conn.len] = '\0';
        if (inet_pton(AF_INET, buf, ep.a.a) == 1)
            ep.a.family = 4;
        else if (inet_pton(AF_INET6, buf, ep.a.a) == 1)
            ep.a.family = 6;
        else
            return ep;
        ep.port = md[i].port;
        sw_sdp_dir dir = md[i].dir ? md[i].dir : sdp.dir;
        static const uint8_t zero[16];
        ep.hold = dir == SW_SDP_SENDONLY || dir == SW_SDP_RECVONLY || dir == SW_SDP_INACTIVE ||
                  !memcmp(ep.a.a, zero, ep.a.family == 6 ? 16 : 4);
        ep.valid = true;
        return ep;
    }
    return ep;
}

typedef struct ep_ref {
    const media_ep *ep;
    uint32_t call;
} ep_ref;

static int ep_ref_cmp(const void *x, const void *y)
{
    const media_ep *a = ((const ep_ref *)x)->ep, *b = ((const ep_ref *)y)->ep;
    if (a->a.family != b->a.family)
        return a->a.family < b->a.family ? -1 : 1;
    int r = memcmp(a->a.a, b->a.a, a->a.family == 4 ? 4 : 16);
    if (r)
        return r;
    return (a->port > b->port) - (a->port < b->port);
}

static bool ep_is(const media_ep *e, const sw_addr *a, uint16_t port)
{
    return e->valid && e->port == port && sw_addr_eq(&e->a, a);
}

static const char *ep_text2(sw_diag *d, const sw_addr *a, uint16_t port)
{
    char t[64];
    sw_addr_str(a, t, sizeof t);
    return str(d, a->family == 6 ? "[%s]:%u" : "%s:%u", t, port);
}

static const char *ep_text(sw_diag *d, const media_ep *e)
{
    char t[64];
    sw_addr_str(&e->a, t, sizeof t);
    return str(d, e->a.family == 6 ? "[%s]:%u" : "%s:%u", t, e->port);
}

/* one-way-audio and no-media: answered calls whose SDP addresses carried RTP
 * in one direction only, or in none. Only when the capture holds RTP at all:
 * a capture filtered to SIP says nothing about media. */
static void rule_media(sw_diag *d)
{
    if (!d->media || sw_media_stats_get(d->media)->rtp_packets == 0)
        return;
    const sw_corr *c = d->c;
    size_t ncalls = sw_corr_ncalls(c);
    media_ep *eps = calloc(ncalls ? ncalls * 2 : 1, sizeof *eps);
    uint64_t *cnt = calloc(ncalls ? ncalls * 2 : 1, sizeof *cnt); /* to caller, to callee */
    if (!eps || !cnt) {
        free(eps);
        free(cnt);
        d->oom = 1;
        return;
    }
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        if (k->kind != SW_CALL_INVITE || !sw_corr_call_t_answer(c, k) || k->final_code < 200 ||
            k->final_code >= 300)
            continue;
        eps[2 * i] = sdp_audio(d, 0, k->invite);
        eps[2 * i + 1] = sdp_audio(d, 1, k->final_msg);
    }
    /* Streams are credited to every answered call whose SDP addresses they
     * use while the call lasts (a B2BUA's two legs share the PBX's side), in
     * the direction the addresses say: sorted (address, port) -> call. */
    size_t nidx = 0;
    ep_ref *idx = malloc((ncalls ? ncalls * 2 : 1) * sizeof *idx);
    if (!idx) {
        free(eps);
        free(cnt);
        d->oom = 1;
        return;
    }
    for (size_t i = 0; i < 2 * ncalls; i++)
        if (eps[i].valid)
            idx[nidx++] = (ep_ref){&eps[i], (uint32_t)(i / 2)};
    qsort(idx, nidx, sizeof *idx, ep_ref_cmp);
    uint64_t total = 0;
    for (size_t j = 0; j < sw_media_nstreams(d->media); j++) {
        const sw_rtp_stream *s = sw_media_stream(d->media, j);
        total += s->packets;
        for (int side = 0; side < 2; side++) {
            media_ep key;
            memset(&key, 0, sizeof key);
            key.a = side ? s->src : s->dst;
            key.port = side ? s->sport : s->dport;
            ep_ref kr = {&key, 0};
            ep_ref *hit = bsearch(&kr, idx, nidx, sizeof *idx, ep_ref_cmp);
            if (!hit)
                continue;
            while (hit > idx && ep_ref_cmp(hit - 1, &kr) == 0)
                hit--;
            for (; hit < idx + nidx && ep_ref_cmp(hit, &kr) == 0; hit++) {
                uint32_t call = hit->call;
                const sw_call *k = sw_corr_call(c, call);
                int64_t end = sw_corr_call_t_end(c, k);
                end = end ? end + 5000000000ll : INT64_MAX;
                if (s->t_last < sw_corr_call_t_start(c, k) || s->t_first > end)
                    continue; /* the address served another call at another time */
                const media_ep *er = &eps[2 * call], *ee = &eps[2 * call + 1];
                /* side 0: the stream goes to this address; side 1: comes from it */
                if (hit->ep == er)
                    cnt[2 * call + (side ? 1 : 0)] += s->packets;
                else if (hit->ep == ee)
                    cnt[2 * call + (side ? 0 : 1)] += s->packets;
            }
        }
    }
    free(idx);
    /* media-address-mismatch: RTP to a call's SDP address from an address no SDP
     * announced (a NAT, an SBC or a media proxy on the way). */
    for (size_t j = 0; j < sw_media_nstreams(d->media); j++) {
        const sw_rtp_stream *s = sw_media_stream(d->media, j);
        if (s->packets < 10 || sw_media_announced(d->media, &s->src, s->sport))
            continue;
        uint32_t call = s->sdp_msg ? sw_corr_msg_call(c, s->sdp_msg) : SW_NONE;
        if (call == SW_NONE || call >= ncalls)
            continue;
        const media_ep *er = &eps[2 * call], *ee = &eps[2 * call + 1];
        const media_ep *to = ep_is(er, &s->dst, s->dport) ? er : ep_is(ee, &s->dst, s->dport) ? ee : NULL;
        const media_ep *other = to == er ? ee : er;
        if (!to || !other->valid || ep_is(other, &s->src, s->sport))
            continue;
        const sw_call *k = sw_corr_call(c, call);
        uint64_t sdp = to == er ? k->final_msg : k->invite;
        char t[64];
        sw_addr_str(&other->a, t, sizeof t);
        sw_addr tmp;
        bool priv = private_literal(sw_str_cstr(t), &tmp);
        sw_finding *f = emit_keyed(
            d, "media-address-mismatch", priv ? SW_SEV_WARNING : SW_SEV_INFO, call,
            (2ull << 61) | j, sdp,
            ARGS(ep_text2(d, &s->src, s->sport), ep_text(d, other), mnum(d, sdp), ep_text(d, to),
                 num(d, s->packets),
                 priv ? (d->lang == SW_KB_RU
                             ? " Объявленный адрес частный: это NAT, который не исправил SDP; "
                               "звук к этой стороне доходит, только если другая сторона "
                               "отвечает на адрес, с которого пришёл RTP (symmetric RTP)."
                             : " The announced address is private: a NAT that did not fix the "
                               "SDP; audio reaches that side only if the other side sends to "
                               "where its RTP came from (symmetric RTP).")
                      : ""));
        evidence(d, f, sdp, "sdp-announced", ARGS(ep_text(d, other)));
    }
    /* Hosts the capture saw RTP from or to: a call whose media hosts are not
     * among them may simply have its media outside the capture point. */
    size_t nst = sw_media_nstreams(d->media), nhosts = 0;
    media_ep *hosts = malloc((nst ? nst * 2 : 1) * sizeof *hosts);
    if (!hosts) {
        free(eps);
        free(cnt);
        d->oom = 1;
        return;
    }
    for (size_t j = 0; j < nst; j++) {
        const sw_rtp_stream *s = sw_media_stream(d->media, j);
        for (int k2 = 0; k2 < 2; k2++) {
            memset(&hosts[nhosts], 0, sizeof hosts[nhosts]);
            hosts[nhosts].a = k2 ? s->src : s->dst;
            nhosts++;
        }
    }
    ep_ref *href = malloc((nhosts ? nhosts : 1) * sizeof *href);
    if (!href) {
        free(hosts);
        free(eps);
        free(cnt);
        d->oom = 1;
        return;
    }
    for (size_t j = 0; j < nhosts; j++)
        href[j] = (ep_ref){&hosts[j], 0};
    qsort(href, nhosts, sizeof *href, ep_ref_cmp);
    for (size_t i = 0; i < ncalls; i++) {
        const media_ep *er = &eps[2 * i], *ee = &eps[2 * i + 1];
        if (!er->valid || !ee->valid || er->hold || ee->hold)
            continue;
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        int64_t answer = sw_corr_call_t_answer(c, k), end = sw_corr_call_t_last(c, k);
        double secs = (double)((end ? end : answer) - answer) / 1e9;
        if (secs < 2.0)
            continue; /* too short to expect media to have started */
        uint64_t to_caller = cnt[2 * i], to_callee = cnt[2 * i + 1];
        if (to_caller && to_callee)
            continue;
        const char *dur = str(d, "%.0f", secs);
        sw_finding *f;
        if (!to_caller && !to_callee) {
            media_ep h1, h2;
            memset(&h1, 0, sizeof h1);
            memset(&h2, 0, sizeof h2);
            h1.a = er->a;
            h2.a = ee->a;
            ep_ref r1 = {&h1, 0}, r2 = {&h2, 0};
            if (!bsearch(&r1, href, nhosts, sizeof *href, ep_ref_cmp) &&
                !bsearch(&r2, href, nhosts, sizeof *href, ep_ref_cmp))
                continue; /* neither media host is seen in the capture: not our view */
            f = emit(d, "no-media", SW_SEV_ERROR, (uint32_t)i, k->invite,
                     ARGS(dur, ep_text(d, er), ep_text(d, ee), num(d, total)));
        } else {
            /* deaf: the side that receives nothing; mute: the side whose RTP is missing */
            bool caller_deaf = !to_caller;
            const media_ep *mute = caller_deaf ? ee : er, *deaf = caller_deaf ? er : ee;
            uint64_t mute_msg = caller_deaf ? k->final_msg : k->invite;
            uint64_t deaf_msg = caller_deaf ? k->invite : k->final_msg;
            const sw_msg *dm = sw_trace_get(d->t, deaf_msg);
            const char *why = "";
            /* A private SDP address on a device whose SIP comes from elsewhere: NAT. */
            char ta[64];
            sw_addr_str(&deaf->a, ta, sizeof ta);
            sw_addr tmp;
            const sw_endpoint *de = dm ? sw_trace_endpoint(d->t, dm->src) : NULL;
            if (de && private_literal(sw_str_cstr(ta), &tmp) && !sw_addr_eq(&de->addr, &deaf->a))
                why = str(d,
                          d->lang == SW_KB_RU
                              ? " SDP стороны, которая ничего не слышит, объявил частный адрес %s, "
                                "хотя её SIP пришёл с %s: NAT не исправил SDP, и RTP к ней уходит "
                                "на недостижимый адрес."
                              : " The side that hears nothing announced the private address %s "
                                "in its SDP while its SIP came from %s: a NAT did not fix the "
                                "SDP, so RTP for it goes to an address that cannot be reached.",
                          ep_text(d, deaf), de->text);
            f = emit(d, "one-way-audio", SW_SEV_ERROR, (uint32_t)i, k->invite,
                     ARGS(ep_text(d, deaf), ep_text(d, mute),
                          ep_text(d, mute), mnum(d, mute_msg),
                          num(d, caller_deaf ? to_callee : to_caller), dur, why));
        }
        evidence(d, f, k->invite, "sdp-offer", ARGS(ep_text(d, er)));
        evidence(d, f, k->final_msg, "sdp-answer", ARGS(ep_text(d, ee)));
        int64_t t_end = sw_corr_call_t_end(c, k);
        if (t_end)
            for (uint64_t n = k->final_msg; n; n = sw_corr_call_next(c, (uint32_t)i, n)) {
                const sw_msg *bm = sw_trace_get(d->t, n);
                if (bm && bm->ts_ns >= t_end && sw_corr_msg_code(c, n) == 0) {
                    evidence(d, f, n, "media-end", ARGS(dur));
                    break;
                }
            }
    }
    free(href);
    free(hosts);
    free(eps);
    free(cnt);
}

/* poor-quality and dtmf: per stream, from what the media stage measured. */
static const char *clock_of(sw_diag *d, int64_t ns)
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return str(d, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *addr_port(sw_diag *d, const sw_addr *a, uint16_t port)
{
    char t[64];
    sw_addr_str(a, t, sizeof t);
    return str(d, a->family == 6 ? "[%s]:%u" : "%s:%u", t, port);
}

static void rule_media_quality(sw_diag *d)
{
    if (!d->media)
        return;
    const sw_corr *c = d->c;
    for (size_t j = 0; j < sw_media_nstreams(d->media); j++) {
        const sw_rtp_stream *s = sw_media_stream(d->media, j);
        uint32_t call = s->sdp_msg ? sw_corr_msg_call(c, s->sdp_msg) : SW_NONE;
        uint64_t key = (1ull << 62) | j;
        if (s->dtmf_n) {
            sw_finding *f = emit_keyed(d, "dtmf", SW_SEV_INFO, call, key, s->sdp_msg,
                                       ARGS(addr_port(d, &s->src, s->sport), str(d, "%s", s->dtmf),
                                            addr_port(d, &s->dst, s->dport)));
            evidence(d, f, s->sdp_msg, "sdp-stream", NULL, 0);
        }
        if (s->packets < 50 || !s->clock)
            continue; /* too short to judge, or no clock to judge jitter by */
        sw_rtp_quality q = sw_rtp_quality_of(s);
        if (q.loss_pct <= 5.0 && s->jitter_mean_ms <= 30.0 && q.mos >= 3.5)
            continue;
        double dmax = s->delta_max_ms;
        sw_finding *f = emit_keyed(
            d, "poor-quality", SW_SEV_WARNING, call, key, s->sdp_msg,
            ARGS(addr_port(d, &s->src, s->sport), addr_port(d, &s->dst, s->dport),
                 str(d, "%.1f", q.mos), num(d, s->packets), str(d, "%s", s->codec),
                 clock_of(d, s->t_first), clock_of(d, s->t_last), str(d, "%" PRId64, s->lost),
                 str(d, "%.1f", q.loss_pct), str(d, "%.1f", s->jitter_mean_ms),
                 str(d, "%.1f", s->jitter_max_ms), str(d, "%.0f", dmax), str(d, "%.0f", q.r)));
        evidence(d, f, s->sdp_msg, "sdp-stream", NULL, 0);
    }
}

static void rule_scanner(sw_diag *d)
{
    const sw_corr *c = d->c;
    size_t ncalls = sw_corr_ncalls(c);
    size_t cap = 64;
    while (cap < ncalls / 4)
        cap *= 2;
    srcstat *st = calloc(cap, sizeof *st);
    /* distinct users per source: remember (source, user) pairs in a set */
    size_t ucap = 64;
    while (ucap < ncalls * 2)
        ucap *= 2;
    uint64_t *users = calloc(ucap, sizeof *users);
    if (!st || !users) {
        free(st);
        free(users);
        d->oom = 1;
        return;
    }
    size_t used = 0;
    for (size_t i = 0; i < ncalls && used * 2 < cap; i++) {
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        if (!k->invite || sw_corr_msg_code(c, k->invite) != 0)
            continue;
        const sw_endpoint *e = sw_trace_endpoint(d->t, sw_corr_call_src(c, k));
        if (!e)
            continue;
        uint8_t key[17];
        key[0] = e->addr.family;
        memcpy(key + 1, e->addr.a, 16);
        uint64_t h = sw_hash(key, sizeof key);
        size_t j = h & (cap - 1);
        while (st[j].used && !sw_addr_eq(&st[j].addr, &e->addr))
            j = (j + 1) & (cap - 1);
        srcstat *x = &st[j];
        if (!x->used) {
            x->used = true;
            x->addr = e->addr;
            x->first = k->invite;
            used++;
        }
        x->requests++;
        uint32_t tx = sw_corr_msg_txn(c, k->invite);
        const sw_txn *t = tx != SW_NONE ? sw_corr_txn(c, tx) : NULL;
        if (t && t->final_code >= 400 && t->final_code != 401 && t->final_code != 407) {
            x->failures++;
            x->last_fail = t->final;
        }
        sw_str to = sw_corr_call_to(c, k);
        uint64_t uh = h ^ sw_hash(to.p, to.len);
        size_t ui = uh & (ucap - 1);
        while (users[ui] && users[ui] != uh)
            ui = (ui + 1) & (ucap - 1);
        if (!users[ui]) {
            users[ui] = uh ? uh : 1;
            x->users++;
        }
    }
    for (size_t j = 0; j < cap; j++) {
        srcstat *x = &st[j];
        if (!x->used)
            continue;
        const sw_sip_msg *s = parse(d, 0, x->first);
        sw_str ua = s && s->first[SW_HDR_USER_AGENT] ? s->first[SW_HDR_USER_AGENT]->value : SW_STR_NULL;
        bool by_ua = scanner_ua(ua);
        bool by_pattern = x->requests >= 10 && x->users >= 10 && x->failures * 5 >= x->requests * 4;
        if (!by_ua && !by_pattern)
            continue;
        char ip[64];
        sw_addr_str(&x->addr, ip, sizeof ip);
        const char *uanote = by_ua ? str(d, d->lang == SW_KB_RU ? " User-Agent «%s» — известный сканер."
                                                                  : " Its User-Agent \"%s\" is a known scanner.",
                                         sl(d, ua))
                                   : "";
        sw_finding *f = emit_keyed(d, "scanner-activity", SW_SEV_WARNING, SW_NONE,
                                   (7ull << 60) ^ sw_hash(ip, strlen(ip)), x->first,
                                   ARGS(sl(d, sw_str_cstr(ip)), num(d, x->requests), num(d, x->users),
                                        num(d, x->failures), uanote));
        evidence(d, f, x->first, "probe", ARGS(by_ua ? sl(d, ua) : "first probe"));
        if (x->last_fail)
            evidence(d, f, x->last_fail, "rejected", ARGS(status_line(d, x->last_fail)));
    }
    free(st);
    free(users);
}

/* ---- engine ------------------------------------------------------------ */

typedef struct rule {
    const char *ids; /* space-separated ids the rule can emit */
    void (*fn)(sw_diag *d);
} rule;

static const rule RULES[] = {
    {"481-after-dialog-ended 481-notify-after-subscription-ended 481-unknown-dialog "
     "481-cancel-no-transaction 481-duplicate-request 481-subscription-refresh",
     rule_481},
    {"auth-wrong-credentials auth-stale-nonce auth-no-credentials", rule_auth},
    {"registration-rejected registration-interval-too-brief registration-expired",
     rule_registration},
    {"no-response request-timeout loop-detected too-many-hops server-overload session-timer "
     "malformed-message call-rejected udp-message-too-large",
     rule_codes},
    {"session-timer", rule_session_expiry},
    {"codec-mismatch", rule_codec},
    {"missing-ack", rule_missing_ack},
    {"nat-private-address", rule_nat},
    {"scanner-activity", rule_scanner},
    {"one-way-audio no-media media-address-mismatch", rule_media},
    {"poor-quality dtmf", rule_media_quality},
};

const char *const *sw_diag_rule_ids(void)
{
    static const char *ids[64];
    if (!ids[0]) {
        size_t k = 0;
        for (size_t i = 0; i < SW_ARRAY_LEN(RULE_TEXTS) && k + 1 < SW_ARRAY_LEN(ids); i++)
            if (!strchr(RULE_TEXTS[i].id, ':')) /* "id:variant" is more text for id */
                ids[k++] = RULE_TEXTS[i].id;
        ids[k] = NULL;
    }
    return ids;
}

static bool rule_has(const rule *r, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = r->ids; (p = strstr(p, id)) != NULL; p += n)
        if ((p == r->ids || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static int cmp_finding(const void *a, const void *b)
{
    const sw_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

int sw_diag_run(sw_diag *d, const char *only)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(RULES); i++)
        if (!only || rule_has(&RULES[i], only))
            RULES[i].fn(d);
    if (only) {
        /* keep only the asked rule's findings */
        size_t k = 0;
        for (size_t i = 0; i < d->n; i++)
            if (!strcmp(d->f[i].id, only))
                d->f[k++] = d->f[i];
        d->n = k;
    }
    if (d->n) /* qsort of a NULL array is undefined even for 0 elements */
        qsort(d->f, d->n, sizeof *d->f, cmp_finding);
    return d->oom ? SW_ENOMEM : 0;
}
