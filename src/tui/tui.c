/*
 * tui: see tui.h. One screen at a time, each drawn whole from the model on
 * every key (the model does not change while the interface runs): the call
 * list, a call's flow with the selected message below it, one message in
 * full, the findings, the help. Text that comes from the renderers is built
 * in memory (open_memstream) and split into lines; lines are clipped to the
 * screen by display columns, never wrapped.
 */
#define _GNU_SOURCE
#include "tui.h"

#include <curses.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "../query/query.h"
#include "../render/render.h"

enum { S_LIST, S_FLOW, S_MSG, S_FINDINGS, S_HELP, S_COLS };

/* The call list's columns after the number (always there), as sngrep lets
 * one choose them: c opens the chooser. */
enum { COL_START, COL_FROM, COL_TO, COL_STATE, COL_FINAL, COL_MSGS, COL_DUR, COL_PDD, COL_EPS,
       COL_CALLID, NCOLS };
static const struct {
    const char *head; /* the header, padded to the width */
    const char *name; /* in the chooser */
    bool on;          /* shown at first */
} list_cols[NCOLS] = {
    [COL_START] = {"start        ", "start time", true},
    [COL_FROM] = {"from           ", "From user", true},
    [COL_TO] = {"to             ", "To user", true},
    [COL_STATE] = {"state      ", "state", true},
    [COL_FINAL] = {"final                ", "final response (code, reason)", false},
    [COL_MSGS] = {"msgs ", "messages", true},
    [COL_DUR] = {"duration ", "duration (answer to end)", true},
    [COL_PDD] = {"pdd     ", "post-dial delay (INVITE to ringing)", false},
    [COL_EPS] = {"endpoints                                    ", "endpoints (first sender > receiver)", true},
    [COL_CALLID] = {"Call-ID", "Call-ID", true},
};
enum { C_OK = 1, C_BAD, C_CANCEL, C_LIVE, C_HEAD, C_ERR, C_WARN, C_DIM };

/* Text as lines (pointers into one buffer). */
typedef struct text {
    char *buf;
    size_t len;
    char **line;
    size_t n;
} text;

typedef struct tui {
    const sw_trace *t;
    const sw_corr *c;
    const sw_tui_opts *o;
    bool utf8, colors;
    int screen, back; /* back: the screen Esc returns to from the message view */
    char status[512];
    /* call list */
    uint32_t *rows;
    size_t nrows, sel, top;
    bool all;  /* usages other than INVITE too */
    int sort;  /* 0 start, 1 duration, 2 state, 3 from */
    char where[512], search[128];
    bool *keep; /* the where filter, per call (nkeep); NULL = none */
    size_t nkeep;
    bool col[NCOLS]; /* the columns shown */
    size_t csel;     /* the chooser's selection */
    bool *mark; /* calls marked (space) for saving, mark_cap entries */
    size_t nmarked, mark_cap;
    /* flow */
    uint32_t call;
    bool linked, flow_dirty;
    text flow;
    size_t *msg_line;   /* line of the flow per message row */
    uint64_t *msg_num;  /* message number per message row */
    size_t nmsg, msel, ftop;
    /* message view */
    text msg;
    size_t mtop;
    /* findings */
    sw_diag *d;
    size_t dsel, dtop;
    time_t diag_at; /* live: when the findings were last rebuilt (monotonic s) */
} tui;

/* ---- text ---------------------------------------------------------------- */

static void text_free(text *x)
{
    free(x->buf);
    free(x->line);
    memset(x, 0, sizeof *x);
}

/* Takes over a memstream buffer and indexes its lines. */
static int text_set(text *x, char *buf, size_t len)
{
    text_free(x);
    x->buf = buf;
    x->len = len;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += buf[i] == '\n';
    x->line = malloc(cap * sizeof *x->line);
    if (!x->line)
        return SW_ENOMEM;
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        x->line[x->n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return 0;
}

/* Bytes of s that fit `cols` display columns (UTF-8; an invalid byte counts
 * one column, as the renderers never emit one raw). */
static size_t fit_cols(const char *s, int cols)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t i = 0, n = strlen(s);
    int used = 0;
    while (i < n) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &st);
        int w = 1;
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            k = 1;
            memset(&st, 0, sizeof st);
        } else {
            w = wcwidth(wc);
            if (w < 0)
                w = 1;
        }
        if (used + w > cols)
            break;
        used += w;
        i += k;
    }
    return i;
}

/* Moves the first visible row *top of an h-row window so that row sel is in it. */
static void keep_visible(size_t sel, size_t *top, size_t h)
{
    if (sel < *top)
        *top = sel;
    if (sel >= *top + h)
        *top = sel - h + 1;
}

static void put_line(int y, const char *s, attr_t a)
{
    move(y, 0);
    clrtoeol();
    if (a)
        attron(a);
    addnstr(s, (int)fit_cols(s, COLS));
    if (a) {
        /* the attribute (selection, header) spans the whole line */
        int cy, cx;
        getyx(stdscr, cy, cx);
        (void)cy;
        for (int x = cx; x < COLS; x++)
            addch(' ');
        attroff(a);
    }
}

/* ---- call list ----------------------------------------------------------- */

static int64_t call_duration(const tui *u, const sw_call *k)
{
    int64_t answer = sw_corr_call_t_answer(u->c, k), end = sw_corr_call_t_last(u->c, k);
    return answer && end > answer ? end - answer : 0;
}

/* One row of the list, escaped, into buf. */
static void call_row(const tui *u, uint32_t i, char *buf, size_t cap)
{
    const sw_call *k = sw_corr_call(u->c, i);
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f) {
        snprintf(buf, cap, "%u", sw_corr_call_shown(u->c, i));
        return;
    }
    fprintf(f, "%c%4u ", i < u->mark_cap && u->mark[i] ? '*' : ' ', sw_corr_call_shown(u->c, i));
    for (int c = 0; c < NCOLS; c++) {
        if (!u->col[c])
            continue;
        switch (c) {
        case COL_START: {
            char tb[48];
            sw_render_time(sw_corr_call_t_start(u->c, k), false, tb, sizeof tb);
            tb[12] = '\0';
            fprintf(f, "%-12s ", tb);
            break;
        }
        case COL_FROM:
        case COL_TO: {
            sw_str v = c == COL_FROM ? sw_corr_call_from(u->c, k) : sw_corr_call_to(u->c, k);
            sw_text_safe(f, sw_str_make(v.p, SW_MIN(v.len, 14u)), false);
            fprintf(f, "%*s", (int)(15 - SW_MIN(v.len, 14u)), "");
            break;
        }
        case COL_STATE:
            fprintf(f, "%-10s ", k->kind == SW_CALL_INVITE
                                     ? sw_call_state_name((sw_call_state)k->state)
                                     : sw_call_kind_name((sw_call_kind)k->kind));
            break;
        case COL_FINAL: {
            sw_str r = k->final_code ? sw_corr_call_reason(u->c, k) : sw_str_cstr("");
            if (k->final_code)
                fprintf(f, "%3d ", k->final_code);
            else
                fputs("  - ", f);
            sw_text_safe(f, sw_str_make(r.p, SW_MIN(r.len, 16u)), false);
            fprintf(f, "%*s", (int)(17 - SW_MIN(r.len, 16u)), "");
            break;
        }
        case COL_MSGS: fprintf(f, "%4u ", k->nmsgs); break;
        case COL_DUR: fprintf(f, "%7.1fs ", (double)call_duration(u, k) / 1e9); break;
        case COL_PDD: {
            int64_t a = sw_corr_call_t_start(u->c, k), b = sw_corr_call_t_ringing(u->c, k);
            if (a && b > a)
                fprintf(f, "%6.2fs ", (double)(b - a) / 1e9);
            else
                fputs("      - ", f);
            break;
        }
        case COL_EPS: {
            const sw_endpoint *src = sw_trace_endpoint(u->t, sw_corr_call_src(u->c, k));
            const sw_endpoint *dst = sw_trace_endpoint(u->t, sw_corr_call_dst(u->c, k));
            char eps[128];
            snprintf(eps, sizeof eps, "%s:%u > %s:%u", src ? src->text : "?",
                     src ? src->port : 0, dst ? dst->text : "?", dst ? dst->port : 0);
            fprintf(f, "%-44s ", eps);
            break;
        }
        default: sw_text_safe(f, sw_corr_call_id(u->c, k), false); break;
        }
    }
    fclose(f);
    snprintf(buf, cap, "%s", mem ? mem : "");
    free(mem);
}

static const char *ci_strstr(const char *h, const char *n)
{
    size_t nl = strlen(n);
    for (; *h; h++)
        if (!strncasecmp(h, n, nl))
            return h;
    return nl ? NULL : h;
}

static const tui *sort_ctx;

static int cmp_rows(const void *a, const void *b)
{
    const tui *u = sort_ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const sw_call *kx = sw_corr_call(u->c, x), *ky = sw_corr_call(u->c, y);
    int r = 0;
    if (u->sort == 1) {
        int64_t dx = call_duration(u, kx), dy = call_duration(u, ky);
        r = dx < dy ? 1 : dx > dy ? -1 : 0; /* longest first */
    } else if (u->sort == 2) {
        r = (int)kx->state - (int)ky->state;
    } else if (u->sort == 3) {
        sw_str fx = sw_corr_call_from(u->c, kx), fy = sw_corr_call_from(u->c, ky);
        size_t n = SW_MIN(fx.len, fy.len);
        r = n ? memcmp(fx.p, fy.p, n) : 0;
        if (!r)
            r = fx.len < fy.len ? -1 : fx.len > fy.len;
    }
    return r ? r : (x < y ? -1 : x > y);
}

static const char *sort_names[] = {"start", "duration", "state", "from"};

/* Rebuilds the visible rows: kind, where filter, search, order. */
static int rows_build(tui *u)
{
    size_t n = sw_corr_ncalls(u->c);
    /* the selected call stays selected when rows come and go (live) */
    uint32_t was = u->nrows && u->sel < u->nrows ? u->rows[u->sel] : SW_NONE;
    free(u->rows);
    u->rows = malloc((n ? n : 1) * sizeof *u->rows);
    if (!u->rows)
        return SW_ENOMEM;
    u->nrows = 0;
    char row[1024];
    for (uint32_t i = 0; i < n; i++) {
        const sw_call *k = sw_corr_call(u->c, i);
        if (!u->all && k->kind != SW_CALL_INVITE)
            continue;
        if (u->keep && (i >= u->nkeep || !u->keep[i]))
            continue;
        if (u->search[0]) {
            call_row(u, i, row, sizeof row);
            if (!ci_strstr(row, u->search))
                continue;
        }
        u->rows[u->nrows++] = i;
    }
    sort_ctx = u;
    qsort(u->rows, u->nrows, sizeof *u->rows, cmp_rows);
    for (size_t r = 0; was != SW_NONE && r < u->nrows; r++)
        if (u->rows[r] == was)
            u->sel = r;
    if (u->sel >= u->nrows)
        u->sel = u->nrows ? u->nrows - 1 : 0;
    return 0;
}

static attr_t state_attr(const tui *u, const sw_call *k)
{
    if (!u->colors)
        return 0;
    if (k->kind != SW_CALL_INVITE)
        return COLOR_PAIR(k->final_code >= 300 ? C_BAD : C_DIM);
    switch ((sw_call_state)k->state) {
    case SW_CS_COMPLETED:
    case SW_CS_ANSWERED: return COLOR_PAIR(C_OK);
    case SW_CS_CANCELLED: return COLOR_PAIR(C_CANCEL);
    case SW_CS_SETUP:
    case SW_CS_RINGING: return COLOR_PAIR(C_LIVE);
    default: return COLOR_PAIR(C_BAD);
    }
}

static void title_line(const tui *u, const char *what)
{
    char buf[2048];
    const char *in = u->o->ninputs == 1 ? u->o->inputs[0] : "several captures";
    const char *slash = strrchr(in, '/');
    if (slash && slash[1])
        in = slash + 1; /* what the screen is about comes first; the file last */
    snprintf(buf, sizeof buf, " sipwhy  %.1200s  [%.200s]", what, in);
    put_line(0, buf, A_REVERSE | A_BOLD);
}

static void status_line(const tui *u, const char *keys)
{
    put_line(LINES - 1, u->status[0] ? u->status : keys, u->status[0] ? A_BOLD : A_REVERSE);
}

static void draw_list(tui *u)
{
    char buf[1200];
    snprintf(buf, sizeof buf, "%zu of %zu %s  sort: %s%s%s%s%s", u->nrows, sw_corr_ncalls(u->c),
             u->all ? "calls and usages" : "calls", sort_names[u->sort],
             u->where[0] ? "  where: " : "", u->where, u->search[0] ? "  search: " : "", u->search);
    title_line(u, buf);
    char head[512] = "  idx ";
    for (int c = 0; c < NCOLS; c++)
        if (u->col[c])
            snprintf(head + strlen(head), sizeof head - strlen(head), "%s", list_cols[c].head);
    put_line(1, head, A_BOLD);
    int h = LINES - 3;
    if (h < 1)
        h = 1;
    keep_visible(u->sel, &u->top, (size_t)h);
    for (int y = 0; y < h; y++) {
        size_t r = u->top + (size_t)y;
        if (r >= u->nrows) {
            move(2 + y, 0);
            clrtoeol();
            continue;
        }
        char row[1024];
        call_row(u, u->rows[r], row, sizeof row);
        attr_t a = r == u->sel ? A_REVERSE : state_attr(u, sw_corr_call(u->c, u->rows[r]));
        put_line(2 + y, row, a);
    }
    if (!u->nrows)
        put_line(2, u->where[0] || u->search[0] ? "  (no call matches the filter)" : "  (no calls)", 0);
    status_line(u, " Enter flow  Space mark  F2/S save  F7/w filter  F3// search  d findings  "
                   "c columns  F1/h help  q quit");
}

static void draw_cols(tui *u)
{
    title_line(u, "columns of the call list");
    put_line(1, "  the call's number is always shown; Space or Enter: show or hide", A_BOLD);
    for (int c = 0; c < NCOLS && 2 + c < LINES - 1; c++) {
        char row[128];
        snprintf(row, sizeof row, "  [%c] %s", u->col[c] ? 'x' : ' ', list_cols[c].name);
        put_line(2 + c, row, (size_t)c == u->csel ? A_REVERSE : 0);
    }
    status_line(u, " Up/Down column  Space/Enter show or hide  Esc/q back");
}

/* ---- flow ---------------------------------------------------------------- */

static int flow_build(tui *u)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f)
        return SW_ENOMEM;
    sw_flow_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.format = SW_FMT_TEXT;
    fo.unicode = u->utf8 && !u->o->ascii;
    fo.explain = true;
    fo.linked = u->linked;
    fo.lang = u->o->lang;
    fo.width = (unsigned)(COLS < 40 ? 40 : COLS);
    bool full = false;
    sw_render_flow(f, &fo, u->t, u->c, u->call, &full);
    fclose(f);
    if (text_set(&u->flow, mem, len))
        return SW_ENOMEM;
    /* message rows start with their number */
    free(u->msg_line);
    free(u->msg_num);
    u->msg_line = malloc((u->flow.n + 1) * sizeof *u->msg_line);
    u->msg_num = malloc((u->flow.n + 1) * sizeof *u->msg_num);
    if (!u->msg_line || !u->msg_num)
        return SW_ENOMEM;
    u->nmsg = 0;
    for (size_t i = 2; i < u->flow.n; i++) {
        const char *s = u->flow.line[i];
        while (*s == ' ')
            s++; /* numbers are right-aligned */
        if (*s < '0' || *s > '9')
            continue;
        uint64_t n = sw_trace_unshown(u->t, strtoull(s, NULL, 10));
        if (!n || !sw_trace_get(u->t, n))
            continue;
        u->msg_line[u->nmsg] = i;
        u->msg_num[u->nmsg++] = n;
    }
    if (u->msel >= u->nmsg)
        u->msel = u->nmsg ? u->nmsg - 1 : 0;
    u->flow_dirty = false;
    return 0;
}

/* The selected message's text, escaped, for the pane under the ladder. */
static int raw_text(const tui *u, uint64_t n, text *x)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f)
        return SW_ENOMEM;
    const sw_msg *m = sw_trace_get(u->t, n);
    if (m)
        sw_text_safe(f, sw_str_make(m->data, m->len), true);
    fclose(f);
    return text_set(x, mem, len);
}

static void draw_flow(tui *u)
{
    if (u->flow_dirty && flow_build(u)) {
        snprintf(u->status, sizeof u->status, "out of memory");
        return;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "call %u flow%s", sw_corr_call_shown(u->c, u->call), u->linked ? " (linked legs)" : "");
    title_line(u, buf);
    int avail = LINES - 2;
    int fh = u->nmsg ? avail * 3 / 5 : avail; /* ladder on top, the message below */
    if (fh < 3)
        fh = avail;
    /* the ladder's two title lines stay; its rows scroll under them */
    int bh = fh - 2 < 1 ? 1 : fh - 2;
    size_t sel_line = u->nmsg ? u->msg_line[u->msel] : 0;
    size_t sb = sel_line >= 2 ? sel_line - 2 : 0;
    keep_visible(sb, &u->ftop, (size_t)bh);
    for (int y = 0; y < 2; y++)
        put_line(1 + y, (size_t)y < u->flow.n ? u->flow.line[y] : "", y == 1 ? A_BOLD : 0);
    for (int y = 0; y < bh; y++) {
        size_t i = 2 + u->ftop + (size_t)y;
        put_line(3 + y, i < u->flow.n ? u->flow.line[i] : "",
                 u->nmsg && i == sel_line ? A_REVERSE : 0);
    }
    fh = 2 + bh;
    int ph = avail - fh;
    if (ph > 1 && u->nmsg) {
        text raw = {0};
        char hdr[96];
        snprintf(hdr, sizeof hdr, "-- message #%llu (Enter: in full) ",
                 (unsigned long long)sw_trace_shown(u->t, u->msg_num[u->msel]));
        put_line(1 + fh, hdr, A_BOLD);
        raw_text(u, u->msg_num[u->msel], &raw);
        for (int y = 1; y < ph; y++)
            put_line(1 + fh + y, (size_t)(y - 1) < raw.n ? raw.line[y - 1] : "", 0);
        text_free(&raw);
    }
    status_line(u, " Up/Down message  Enter message in full  F4/x linked legs  F2/S save  Esc/q back");
}

/* ---- message ------------------------------------------------------------- */

static int msg_build(tui *u, uint64_t n)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f)
        return SW_ENOMEM;
    sw_render_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.format = SW_FMT_TEXT;
    ro.explain = true;
    ro.lang = u->o->lang;
    ro.media = u->o->media;
    const sw_msg *m = sw_trace_get(u->t, n);
    if (m)
        sw_render_show(f, &ro, u->t, u->o->ninputs, u->o->inputs, n, m);
    fclose(f);
    u->mtop = 0;
    return text_set(&u->msg, mem, len);
}

static void draw_scroll(tui *u, const text *x, size_t *top, const char *title, const char *keys)
{
    title_line(u, title);
    int h = LINES - 2;
    if (x->n > (size_t)h && *top > x->n - (size_t)h)
        *top = x->n - (size_t)h;
    if (x->n <= (size_t)h)
        *top = 0;
    for (int y = 0; y < h; y++) {
        size_t i = *top + (size_t)y;
        put_line(1 + y, i < x->n ? x->line[i] : "", 0);
    }
    status_line(u, keys);
}

/* ---- findings -------------------------------------------------------------- */

static int diag_build(tui *u)
{
    if (u->d)
        return 0;
    u->d = sw_diag_new(u->t, u->c, u->o->lang);
    if (!u->d)
        return SW_ENOMEM;
    if (u->o->media)
        sw_diag_set_media(u->d, u->o->media);
    return sw_diag_run(u->d, NULL);
}

static void draw_findings(tui *u)
{
    size_t n = sw_diag_count(u->d);
    char buf[128];
    snprintf(buf, sizeof buf, "%zu findings (%zu errors, %zu warnings)", n,
             sw_diag_count_severity(u->d, SW_SEV_ERROR), sw_diag_count_severity(u->d, SW_SEV_WARNING));
    title_line(u, buf);
    int h = LINES - 2;
    keep_visible(u->dsel, &u->dtop, (size_t)h);
    for (int y = 0; y < h; y++) {
        size_t i = u->dtop + (size_t)y;
        if (i >= n) {
            put_line(1 + y, y == 0 ? "  No problems found." : "", 0);
            continue;
        }
        const sw_finding *x = sw_diag_finding(u->d, i);
        char *mem = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&mem, &len);
        if (!f)
            continue;
        fprintf(f, "%-7s %-32s ", sw_severity_name((sw_severity)x->severity), x->id);
        if (x->call != SW_NONE)
            fprintf(f, "call %-5u ", sw_corr_call_shown(u->c, x->call));
        else
            fputs("           ", f);
        sw_text_safe(f, sw_str_cstr(x->title), false);
        fclose(f);
        attr_t a = i == u->dsel ? A_REVERSE
                   : !u->colors ? 0
                   : COLOR_PAIR(x->severity == SW_SEV_ERROR ? C_ERR
                                : x->severity == SW_SEV_WARNING ? C_WARN : C_DIM);
        put_line(1 + y, mem ? mem : "", a);
        free(mem);
    }
    status_line(u, " Up/Down finding  Enter the call's flow  Esc/q back");
}

/* ---- help ---------------------------------------------------------------- */

static const char *help_lines[] = {
    "Call list",
    "  Up/Down, j/k, PgUp/PgDn, Home/End   move",
    "  Enter                              the call's flow (ladder)",
    "  F7, w                              filter: a where expression (sipwhy(1), WHERE",
    "                                     EXPRESSIONS), e.g.  call.state = failed",
    "  F3, /                              search: text anywhere in the row",
    "  a                                  show registrations, OPTIONS... too",
    "  o                                  order by start, duration, state, from",
    "  c                                  choose the columns",
    "  d, F6                              findings of the diagnosis",
    "  Space                              mark a call (* before it) for saving",
    "  F2, S                              save the marked calls (else this one) as a",
    "                                     pcap: their SIP messages and RTP",
    "  q, F10                             quit",
    "Flow",
    "  Up/Down                            select a message (shown below the ladder)",
    "  Enter                              the message in full, with what it means",
    "  F4, x                              the legs linked to the call (transfers)",
    "  Esc, q, Left                       back",
    "Message, findings: Up/Down, PgUp/PgDn scroll; Enter on a finding opens its call.",
    "",
    "Everything from the network is shown escaped (\\x1b, \\r ...): nothing a packet",
    "carries can drive the terminal.",
    "",
    "Press any key.",
};

static void draw_help(tui *u)
{
    title_line(u, "help");
    int h = LINES - 2;
    size_t n = sizeof help_lines / sizeof help_lines[0];
    for (int y = 0; y < h; y++)
        put_line(1 + y, (size_t)y < n ? help_lines[y] : "", 0);
    status_line(u, " any key: back");
}

/* ---- prompt -------------------------------------------------------------- */

/* Reads a line on the bottom row; false when cancelled (Esc). */
static bool prompt(const char *label, char *buf, size_t cap)
{
    size_t n = strlen(buf);
    curs_set(1);
    for (;;) {
        move(LINES - 1, 0);
        clrtoeol();
        attron(A_BOLD);
        addstr(label);
        attroff(A_BOLD);
        int room = COLS - (int)strlen(label) - 1;
        const char *shown = buf;
        if (room > 0 && (int)n > room)
            shown = buf + n - (size_t)room;
        addnstr(shown, room > 0 ? room : 0);
        refresh();
        int ch = getch();
        if (ch == 27) {
            curs_set(0);
            return false;
        }
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
            break;
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n)
            buf[--n] = '\0';
        else if (ch == 21) /* Ctrl-U */
            buf[n = 0] = '\0';
        else if (ch >= 32 && ch < 256 && ch != 127 && n + 1 < cap) {
            buf[n++] = (char)ch;
            buf[n] = '\0';
        }
    }
    curs_set(0);
    return true;
}

static void apply_where(tui *u, const char *expr)
{
    free(u->keep);
    u->keep = NULL;
    u->status[0] = '\0';
    if (!*expr) {
        u->where[0] = '\0';
        rows_build(u);
        return;
    }
    if (u->where != expr)
        u->sel = u->top = 0; /* a new filter (not the same one again on new data) */
    sw_query_error e;
    sw_query *q = sw_query_compile(expr, strlen(expr), &e);
    if (!q) {
        sw_buf b;
        sw_buf_init(&b);
        sw_query_error_format(&e, expr, strlen(expr), &b);
        snprintf(u->status, sizeof u->status, " filter: %.*s", (int)b.len, b.p ? b.p : "error");
        /* the message may hold line breaks: keep the first line */
        char *nl = strchr(u->status, '\n');
        if (nl)
            *nl = '\0';
        sw_buf_fini(&b);
        u->where[0] = '\0';
        rows_build(u);
        return;
    }
    size_t n = sw_corr_ncalls(u->c);
    u->keep = calloc(n ? n : 1, sizeof *u->keep);
    u->nkeep = u->keep ? n : 0;
    if (u->keep)
        sw_query_select_calls(q, u->t, u->c, u->keep);
    sw_query_free(q);
    if (u->where != expr)
        snprintf(u->where, sizeof u->where, "%s", expr);
    rows_build(u);
}

/* ---- main loop ----------------------------------------------------------- */

/* Saves the marked calls (or `call` when none is marked). */
static void save(tui *u, uint32_t call)
{
    if (!u->o->save) {
        snprintf(u->status, sizeof u->status, " saving is not available here");
        return;
    }
    size_t n = sw_corr_ncalls(u->c);
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    if (!keep) {
        snprintf(u->status, sizeof u->status, " out of memory");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < u->mark_cap && i < n; i++)
        if (u->mark[i]) {
            keep[i] = true;
            k++;
        }
    if (!k && call != SW_NONE) {
        keep[call] = true;
        k = 1;
    }
    char path[512];
    if (k == 1)
        for (size_t i = 0; i < n; i++)
            if (keep[i])
                snprintf(path, sizeof path, "call-%" PRIu32 ".pcap", sw_corr_call_shown(u->c, (uint32_t)i));
    if (k != 1)
        snprintf(path, sizeof path, "calls.pcap");
    if (k && prompt(" save to: ", path, sizeof path) && path[0]) {
        snprintf(u->status, sizeof u->status, " saving...");
        put_line(LINES - 1, u->status, A_BOLD);
        refresh();
        u->o->save(u->o->save_ud, keep, n, path, u->status, sizeof u->status);
    } else if (!k) {
        snprintf(u->status, sizeof u->status, " no call to save");
    } else {
        u->status[0] = '\0';
    }
    free(keep);
}

static void open_flow(tui *u, uint32_t call)
{
    u->call = call;
    u->msel = u->ftop = 0;
    u->flow_dirty = true;
    u->screen = S_FLOW;
}

static void move_sel(size_t *sel, size_t n, int key, int page)
{
    if (!n)
        return;
    switch (key) {
    case KEY_UP:
    case 'k': *sel = *sel ? *sel - 1 : 0; break;
    case KEY_DOWN:
    case 'j': *sel = *sel + 1 < n ? *sel + 1 : n - 1; break;
    case KEY_PPAGE: *sel = *sel > (size_t)page ? *sel - (size_t)page : 0; break;
    case KEY_NPAGE: *sel = *sel + (size_t)page < n ? *sel + (size_t)page : n - 1; break;
    case KEY_HOME:
    case 'g': *sel = 0; break;
    case KEY_END:
    case 'G': *sel = n - 1; break;
    default: break;
    }
}

/* A new generation replaced the model: calls are renumbered (the map), the
 * diagnosis refers to the old model, the flow must be drawn again. */
static int model_replaced(tui *u)
{
    const uint32_t *map;
    size_t n;
    u->o->replaced(u->o->poll_ud, &u->t, &u->c, &map, &n);
#define REMAP(x) ((x) < n ? map[x] : SW_NONE)
    for (size_t r = 0; r < u->nrows; r++)
        u->rows[r] = REMAP(u->rows[r]);
    if (u->call != SW_NONE) {
        u->call = REMAP(u->call);
        bool shown = u->screen == S_FLOW || u->screen == S_MSG ||
                     (u->screen == S_HELP && (u->back == S_FLOW || u->back == S_MSG));
        if (u->call == SW_NONE && shown) {
            u->screen = S_LIST;
            snprintf(u->status, sizeof u->status,
                     " the call was evicted to keep within --max-memory");
        }
    }
    size_t nc = sw_corr_ncalls(u->c);
    bool *mark = calloc(nc ? nc : 1, sizeof *mark);
    if (!mark)
        return SW_ENOMEM;
    u->nmarked = 0;
    for (size_t i = 0; i < u->mark_cap; i++) {
        uint32_t j = REMAP(i);
        if (u->mark[i] && j < nc) {
            mark[j] = true;
            u->nmarked++;
        }
    }
#undef REMAP
    free(u->mark);
    u->mark = mark;
    u->mark_cap = nc;
    sw_diag_free(u->d);
    u->d = NULL;
    u->diag_at = 0;
    u->flow_dirty = true;
    if (u->screen == S_MSG && u->call != SW_NONE)
        return flow_build(u); /* the message rows' numbers */
    return 0;
}

static bool is_back(int ch) { return ch == 27 || ch == 'q' || ch == KEY_LEFT || ch == KEY_BACKSPACE; }

int sw_tui_run(const sw_trace *t, const sw_corr *c, const sw_tui_opts *o)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr)
        return SW_EIO;
    tui u;
    memset(&u, 0, sizeof u);
    u.t = t;
    u.c = c;
    u.o = o;
    u.utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
    for (int i = 0; i < NCOLS; i++)
        u.col[i] = list_cols[i].on;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(C_OK, COLOR_GREEN, -1);
        init_pair(C_BAD, COLOR_RED, -1);
        init_pair(C_CANCEL, COLOR_YELLOW, -1);
        init_pair(C_LIVE, COLOR_CYAN, -1);
        init_pair(C_HEAD, COLOR_WHITE, COLOR_BLUE);
        init_pair(C_ERR, COLOR_RED, -1);
        init_pair(C_WARN, COLOR_YELLOW, -1);
        init_pair(C_DIM, COLOR_BLUE, -1);
        u.colors = true;
    }
    int rc = rows_build(&u);
    if (!rc && o->where && *o->where)
        apply_where(&u, o->where);
    if (o->poll)
        timeout(100);
    while (!rc) {
        if (o->poll) {
            int pr = o->poll(o->poll_ud);
            if (pr == 2)
                break;
            if (pr == 3) {
                rc = model_replaced(&u);
                if (!rc && u.screen == S_FINDINGS && diag_build(&u))
                    rc = SW_ENOMEM;
                pr = 1;
            }
            if (pr == 1 && !rc) {
                if (u.where[0])
                    apply_where(&u, u.where);
                else
                    rc = rows_build(&u);
                u.flow_dirty = true;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                /* the diagnosis is a pass over the whole model: at most every 2 s */
                if (u.d && now.tv_sec - u.diag_at >= 2) {
                    u.diag_at = now.tv_sec;
                    sw_diag_free(u.d);
                    u.d = NULL;
                    if (u.screen == S_FINDINGS && diag_build(&u))
                        rc = SW_ENOMEM;
                    if (u.d && u.dsel >= sw_diag_count(u.d))
                        u.dsel = sw_diag_count(u.d) ? sw_diag_count(u.d) - 1 : 0;
                }
            }
            if (rc)
                break;
        }
        erase();
        switch (u.screen) {
        case S_LIST: draw_list(&u); break;
        case S_FLOW: draw_flow(&u); break;
        case S_MSG:
            draw_scroll(&u, &u.msg, &u.mtop, "message",
                        " Up/Down, PgUp/PgDn scroll  Esc/q back");
            break;
        case S_FINDINGS: draw_findings(&u); break;
        case S_COLS: draw_cols(&u); break;
        default: draw_help(&u); break;
        }
        refresh();
        int ch = getch();
        if (ch == ERR)
            continue;
        u.status[0] = '\0';
        if (ch == KEY_RESIZE) {
            u.flow_dirty = true;
            continue;
        }
        int page = LINES > 4 ? LINES - 4 : 1;
        if (u.screen == S_HELP) {
            u.screen = u.back;
            continue;
        }
        if ((ch == KEY_F(1) || ch == 'h' || ch == '?') && u.screen != S_MSG) {
            u.back = u.screen;
            u.screen = S_HELP;
            continue;
        }
        if (u.screen == S_LIST) {
            if (ch == 'q' || ch == KEY_F(10))
                break;
            if (ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == KEY_RIGHT) {
                if (u.nrows)
                    open_flow(&u, u.rows[u.sel]);
            } else if (ch == KEY_F(7) || ch == 'w') {
                char buf[512];
                snprintf(buf, sizeof buf, "%s", u.where);
                if (prompt(" filter (where): ", buf, sizeof buf))
                    apply_where(&u, buf);
            } else if (ch == KEY_F(3) || ch == '/') {
                char buf[128];
                snprintf(buf, sizeof buf, "%s", u.search);
                if (prompt(" search: ", buf, sizeof buf)) {
                    snprintf(u.search, sizeof u.search, "%s", buf);
                    u.sel = u.top = 0;
                    rc = rows_build(&u);
                }
            } else if (ch == 'a') {
                u.all = !u.all;
                rc = rows_build(&u);
            } else if (ch == 'o') {
                u.sort = (u.sort + 1) % 4;
                rc = rows_build(&u);
            } else if (ch == 'c') {
                u.screen = S_COLS;
            } else if (ch == ' ' && u.nrows) {
                bool *nm = sw_grow_zeroed(u.mark, &u.mark_cap, sw_corr_ncalls(u.c), sizeof *nm, 1);
                if (nm)
                    u.mark = nm;
                if (u.rows[u.sel] < u.mark_cap) {
                    uint32_t i = u.rows[u.sel];
                    u.mark[i] = !u.mark[i];
                    u.nmarked += u.mark[i] ? 1 : (size_t)-1;
                    move_sel(&u.sel, u.nrows, KEY_DOWN, page);
                }
            } else if (ch == KEY_F(2) || ch == 'S') {
                save(&u, u.nrows ? u.rows[u.sel] : SW_NONE);
            } else if (ch == 'd' || ch == KEY_F(6)) {
                rc = diag_build(&u);
                u.dsel = u.dtop = 0;
                u.screen = S_FINDINGS;
            } else {
                move_sel(&u.sel, u.nrows, ch, page);
            }
        } else if (u.screen == S_FLOW) {
            if (is_back(ch))
                u.screen = S_LIST;
            else if (ch == KEY_F(4) || ch == 'x') {
                u.linked = !u.linked;
                u.flow_dirty = true;
            } else if (ch == KEY_F(2) || ch == 'S') {
                size_t mc = u.mark_cap;
                u.mark_cap = 0; /* the flow's call, not the marks */
                save(&u, u.call);
                u.mark_cap = mc;
            } else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == KEY_RIGHT) && u.nmsg) {
                rc = msg_build(&u, u.msg_num[u.msel]);
                u.back = S_FLOW;
                u.screen = S_MSG;
            } else {
                move_sel(&u.msel, u.nmsg, ch, page / 2);
            }
        } else if (u.screen == S_MSG) {
            if (is_back(ch)) {
                u.screen = u.back;
            } else {
                size_t top = u.mtop;
                move_sel(&top, u.msg.n, ch, page);
                u.mtop = top;
            }
        } else if (u.screen == S_COLS) {
            if (is_back(ch)) {
                u.screen = S_LIST;
            } else if (ch == ' ' || ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
                u.col[u.csel] = !u.col[u.csel];
                rc = rows_build(&u); /* the search looks at the row's text */
            } else {
                move_sel(&u.csel, NCOLS, ch, page);
            }
        } else if (u.screen == S_FINDINGS) {
            if (is_back(ch))
                u.screen = S_LIST;
            else if ((ch == '\n' || ch == '\r' || ch == KEY_ENTER) && sw_diag_count(u.d)) {
                const sw_finding *x = sw_diag_finding(u.d, u.dsel);
                if (x->call != SW_NONE)
                    open_flow(&u, x->call);
                else
                    snprintf(u.status, sizeof u.status, " this finding is about no single call");
            } else {
                move_sel(&u.dsel, sw_diag_count(u.d), ch, page);
            }
        }
    }
    endwin();
    delscreen(scr);
    text_free(&u.flow);
    text_free(&u.msg);
    free(u.msg_line);
    free(u.msg_num);
    free(u.rows);
    free(u.keep);
    free(u.mark);
    sw_diag_free(u.d);
    return rc;
}
