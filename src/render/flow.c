/*
 * render/flow: the ladder diagram of a call (`sipwhy flow`).
 *
 * One column per host (ip:port, or the name an --alias gives it), in order
 * of first appearance; one line per message: number, time, delta from the
 * previous line, then an arrow from the sender's column to the receiver's
 * with the method or status code on it. docs/internals/flow.md has the
 * layout rules; in short, columns are spaced just wide enough for the
 * longest label (so short calls stay narrow and leave room for the response
 * notes on the right), and squeezed down to a minimum spacing when the
 * terminal is narrow, labels then being cut with an ellipsis.
 *
 * A line is composed in an array of cells (one terminal column each) and
 * then written out, so that every piece of text is measured in cells, not
 * bytes. Everything that came from the network goes through fit_cells(),
 * the only way text gets into a cell: it escapes what a terminal would act
 * on (control bytes, C1, bidirectional overrides, zero-width and combining
 * characters) and counts East Asian wide characters as two cells. The width
 * table is deliberately small and local (no wcwidth(): output must not
 * depend on the user's locale, and tests must be able to predict it).
 */
#define _GNU_SOURCE
#include "render.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>

/* ---- text units ----------------------------------------------------------- */

/* One displayable unit of network text: a character shown as is (len bytes
 * at p, width cells) or a byte sequence shown escaped as \xHH per byte. */
typedef struct unit {
    const unsigned char *p;
    size_t len;
    size_t width; /* cells */
    bool escape;
} unit;

/* Decodes one UTF-8 sequence at p[0..n): its length, or 0 when invalid
 * (overlong forms, surrogates and values past U+10FFFF are invalid). */
static size_t utf8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    uint32_t v = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

typedef struct range {
    uint32_t lo, hi;
} range;

/* Shown escaped: C1 controls, format characters that reorder or hide text
 * (bidi embeddings, overrides and isolates, zero-width characters, line and
 * paragraph separators, BOM, interlinear annotation) and combining marks
 * (zero width: they would make cell counts wrong). */
static const range escaped[] = {
    {0x0080, 0x009F}, {0x00AD, 0x00AD},   {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05C7},
    {0x0610, 0x061A}, {0x061C, 0x061C},   {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06ED},
    {0x180B, 0x180F}, {0x1AB0, 0x1AFF},   {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x2028, 0x202E},
    {0x2060, 0x206F}, {0x20D0, 0x20FF},   {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
    {0xFFF9, 0xFFFB}, {0xE0000, 0xE0FFF},
};

/* Two cells wide (East Asian Wide and Fullwidth, the common emoji blocks). */
static const range wide[] = {
    {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},
    {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF},
    {0x20000, 0x3FFFD},
};

static bool in_ranges(const range *r, size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i].lo && cp <= r[i].hi)
            return true;
    return false;
}

/* The unit at s[*i], advancing *i. */
static void unit_next(const unsigned char *s, size_t n, size_t *i, unit *u)
{
    const unsigned char *p = s + *i;
    uint32_t cp;
    size_t l = utf8_dec(p, n - *i, &cp);
    u->p = p;
    if (l == 0) {
        u->len = 1;
        u->width = 4;
        u->escape = true;
    } else if (cp < 0x20 || cp == 0x7F || in_ranges(escaped, SW_ARRAY_LEN(escaped), cp)) {
        u->len = l;
        u->width = 4 * l;
        u->escape = true;
    } else {
        u->len = l;
        u->width = in_ranges(wide, SW_ARRAY_LEN(wide), cp) ? 2 : 1;
        u->escape = false;
    }
    *i += u->len;
}

size_t sw_flow_text_width(sw_str s)
{
    size_t w = 0, i = 0;
    unit u;
    while (i < s.len) {
        unit_next((const unsigned char *)s.p, s.len, &i, &u);
        w += u.width;
    }
    return w;
}

/* ---- cells ----------------------------------------------------------------- */

enum { K_NONE = 0, K_BOLD, K_DIM, K_1XX, K_2XX, K_3XX, K_4XX, K_ERR, K_HEAD };

static const char *const color_seq[] = {
    "\033[0m",  "\033[1m",  "\033[2m",  "\033[36m", "\033[32m",
    "\033[34m", "\033[33m", "\033[31m", "\033[1m",
};

/* One terminal column: the UTF-8 bytes of the glyph that starts here, or
 * nothing (len 0) when the column is the right half of a wide character. */
typedef struct cell {
    char g[4];
    uint8_t len;
    uint8_t color;
} cell;

typedef struct line {
    cell *c;
    size_t cap;
} line;

static void put_glyph(line *ln, size_t x, const char *g, size_t len, uint8_t color)
{
    if (x >= ln->cap || len > 4)
        return;
    memcpy(ln->c[x].g, g, len);
    ln->c[x].len = (uint8_t)len;
    ln->c[x].color = color;
}

static void put_ascii(line *ln, size_t x, const char *s, uint8_t color)
{
    for (; *s; s++, x++)
        put_glyph(ln, x, s, 1, color);
}

static const char hexd[] = "0123456789abcdef";

/* Writes unit u at x (cells x .. x+u->width-1). */
static void put_unit(line *ln, size_t x, const unit *u, uint8_t color)
{
    if (u->escape) {
        for (size_t b = 0; b < u->len; b++) {
            char e[4] = {'\\', 'x', hexd[u->p[b] >> 4], hexd[u->p[b] & 15]};
            for (size_t k = 0; k < 4; k++)
                put_glyph(ln, x + 4 * b + k, e + k, 1, color);
        }
        return;
    }
    put_glyph(ln, x, (const char *)u->p, u->len, color);
    if (u->width == 2)
        put_glyph(ln, x + 1, "", 0, color);
}

/*
 * The one door for text into cells: writes s at x using at most max cells
 * (ln may be NULL: only measures). Cut on a unit boundary with an ellipsis
 * when s is wider than max. Returns the cells used.
 */
static size_t fit_cells(line *ln, size_t x, sw_str s, size_t max, bool unicode, uint8_t color)
{
    if (max == 0)
        return 0;
    size_t full = sw_flow_text_width(s);
    bool cut = full > max;
    size_t room = cut ? max - 1 : max, used = 0, i = 0;
    unit u;
    while (i < s.len) {
        unit_next((const unsigned char *)s.p, s.len, &i, &u);
        if (used + u.width > room)
            break;
        if (ln)
            put_unit(ln, x + used, &u, color);
        used += u.width;
    }
    if (cut) {
        if (ln) {
            if (unicode)
                put_glyph(ln, x + used, "\xe2\x80\xa6", 3, color);
            else
                put_glyph(ln, x + used, "~", 1, color);
        }
        used++;
    }
    return used;
}

size_t sw_flow_fit(sw_str s, size_t max_cells, bool unicode, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    size_t w = fit_cells(NULL, 0, s, max_cells, unicode, 0);
    line ln = {calloc(w ? w : 1, sizeof(cell)), w};
    if (!ln.c)
        return 0;
    fit_cells(&ln, 0, s, max_cells, unicode, 0);
    size_t o = 0, x = 0;
    for (; x < w; x++) {
        if (o + ln.c[x].len + 1 > cap)
            break;
        memcpy(out + o, ln.c[x].g, ln.c[x].len);
        o += ln.c[x].len;
    }
    out[o] = '\0';
    free(ln.c);
    return x;
}

static void line_clear(line *ln)
{
    for (size_t x = 0; x < ln->cap; x++) {
        ln->c[x].g[0] = ' ';
        ln->c[x].len = 1;
        ln->c[x].color = K_NONE;
    }
}

/* Writes the cells up to the last non-blank one, then a newline. */
static void line_emit(FILE *f, const line *ln, bool color)
{
    size_t end = ln->cap;
    while (end > 0 && ln->c[end - 1].len == 1 && ln->c[end - 1].g[0] == ' ')
        end--;
    uint8_t cur = K_NONE;
    for (size_t x = 0; x < end; x++) {
        const cell *c = &ln->c[x];
        /* A blank looks the same in any colour: no sequence for it. */
        bool blank = c->len == 1 && c->g[0] == ' ';
        if (color && c->color != cur && !blank) {
            if (cur != K_NONE)
                fputs(color_seq[K_NONE], f);
            if (c->color != K_NONE)
                fputs(color_seq[c->color], f);
            cur = c->color;
        }
        fwrite(c->g, 1, c->len, f);
    }
    if (color && cur != K_NONE)
        fputs(color_seq[K_NONE], f);
    putc('\n', f);
}

/* ---- aliases and columns --------------------------------------------------- */

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
    uint64_t v;
    if (!sw_str_to_u64(sw_str_make(s, n), 65535, &v) || v == 0)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool parse_addr(const char *s, size_t n, int family, sw_addr *a)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(family == 6 ? AF_INET6 : AF_INET, buf, a->a) != 1)
        return false;
    a->family = (uint8_t)family;
    return true;
}

int sw_flow_alias_parse(const char *spec, sw_flow_alias *out)
{
    const char *eq = strchr(spec, '=');
    if (!eq || !eq[1])
        return SW_EINVAL;
    memset(out, 0, sizeof *out);
    out->name = eq + 1;
    size_t n = (size_t)(eq - spec);
    if (n && spec[0] == '[') {
        const char *rb = memchr(spec, ']', n);
        if (!rb || !parse_addr(spec + 1, (size_t)(rb - spec - 1), 6, &out->addr))
            return SW_EINVAL;
        size_t rest = (size_t)(eq - rb - 1);
        if (rest == 0)
            return 0;
        if (rb[1] != ':' || !parse_port(rb + 2, rest - 1, &out->port))
            return SW_EINVAL;
        return 0;
    }
    size_t colons = 0;
    const char *last = NULL;
    for (const char *p = spec; p < eq; p++)
        if (*p == ':') {
            colons++;
            last = p;
        }
    if (colons >= 2)
        return parse_addr(spec, n, 6, &out->addr) ? 0 : SW_EINVAL;
    if (colons == 1) {
        if (!parse_addr(spec, (size_t)(last - spec), 4, &out->addr) ||
            !parse_port(last + 1, (size_t)(eq - last - 1), &out->port))
            return SW_EINVAL;
        return 0;
    }
    return parse_addr(spec, n, 4, &out->addr) ? 0 : SW_EINVAL;
}

void sw_flow_host_label(const sw_endpoint *e, const sw_flow_alias *a, size_t na, char *buf,
                        size_t len)
{
    if (!e) {
        snprintf(buf, len, "?");
        return;
    }
    const char *best = NULL;
    bool exact = false;
    for (size_t i = 0; i < na; i++) {
        if (!sw_addr_eq(&a[i].addr, &e->addr))
            continue;
        if (a[i].port == e->port) {
            best = a[i].name;
            exact = true;
        } else if (a[i].port == 0 && !exact) {
            best = a[i].name;
        }
    }
    if (best)
        snprintf(buf, len, "%s", best);
    else if (e->addr.family == 6)
        snprintf(buf, len, "[%s]:%u", e->text, e->port);
    else
        snprintf(buf, len, "%s:%u", e->text, e->port);
}

void sw_flow_cols_init(sw_flow_cols *c) { memset(c, 0, sizeof *c); }

size_t sw_flow_col(sw_flow_cols *c, const char *label)
{
    char key[SW_FLOW_LABEL_MAX];
    snprintf(key, sizeof key, "%s", label);
    for (size_t i = 0; i < c->n; i++)
        if (!(c->full && i == c->n - 1) && strcmp(c->label[i], key) == 0)
            return i;
    if (c->full)
        return c->n - 1;
    if (c->n == SW_FLOW_MAX_COLS - 1) {
        snprintf(c->label[c->n], SW_FLOW_LABEL_MAX, "(other hosts)");
        c->full = true;
        return c->n++;
    }
    memcpy(c->label[c->n], key, sizeof key);
    return c->n++;
}

/* ---- labels ----------------------------------------------------------------- */

/* The text on the arrow: "INVITE (SDP)", "180 Ringing", with " (retrans)"
 * for retransmissions. Built in buf from the network slices, unescaped:
 * fit_cells() escapes when it is drawn. */
static sw_str row_label(const sw_flow_row *r, char *buf, size_t len)
{
    int n;
    if (r->is_request)
        n = snprintf(buf, len, "%.*s%s%s", (int)SW_MIN(r->method.len, 200u),
                     r->method.p ? r->method.p : "", r->sdp ? " (SDP)" : "",
                     r->retrans ? " (retrans)" : "");
    else
        n = snprintf(buf, len, "%d%s%.*s%s%s", r->status, r->reason.len ? " " : "",
                     (int)SW_MIN(r->reason.len, 200u), r->reason.p ? r->reason.p : "",
                     r->sdp ? " (SDP)" : "", r->retrans ? " (retrans)" : "");
    return sw_str_make(buf, n < 0 ? 0 : SW_MIN((size_t)n, len - 1));
}

/* The label without the markers, for JSON. */
static void json_label(FILE *f, const sw_flow_row *r)
{
    if (r->is_request) {
        sw_json_str(f, r->method);
        return;
    }
    char b[320];
    int n = snprintf(b, sizeof b, "%d%s%.*s", r->status, r->reason.len ? " " : "",
                     (int)SW_MIN(r->reason.len, 300u), r->reason.p ? r->reason.p : "");
    sw_json_str(f, sw_str_make(b, n < 0 ? 0 : SW_MIN((size_t)n, sizeof b - 1)));
}

static uint8_t row_color(const sw_flow_row *r)
{
    if (r->is_request)
        return K_BOLD;
    if (r->status < 200)
        return K_1XX;
    if (r->status < 300)
        return K_2XX;
    if (r->status < 400)
        return K_3XX;
    if (r->status < 500)
        return K_4XX;
    return K_ERR;
}

/* ---- layout ------------------------------------------------------------------ */

enum {
    SPACING_MIN = 8, /* cells between column centres at the narrowest */
    LABEL_WANT = 48, /* widest arrow label the spacing grows for */
    NOTE_MIN = 12,   /* narrowest room worth a response note */
};

typedef struct layout {
    bool callcol;
    bool notime; /* the time column was dropped to make room */
    int callw, numw, deltaw;
    size_t gutter; /* cells before the diagram */
    size_t S;      /* spacing of column centres */
    size_t Lh;     /* header label width */
    bool cut;      /* header labels were cut: print the legend */
    size_t x0;     /* centre of column 0 */
    size_t right;  /* first cell after the diagram */
    size_t width;  /* target line width */
    size_t cap;    /* cells per line buffer */
} layout;

static size_t col_x(const layout *L, size_t k) { return L->x0 + k * L->S; }

static int digits(uint64_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static void plan(layout *L, const sw_flow_opts *o, const sw_flow_cols *cols,
                 const sw_flow_row *rows, size_t n)
{
    memset(L, 0, sizeof *L);
    L->width = SW_MIN(SW_MAX(o->width, 40u), 1000u);
    uint64_t maxnum = 0;
    uint32_t maxcall = 0, firstcall = n ? rows[0].call : 0;
    char db[48];
    L->deltaw = 5;
    for (size_t i = 0; i < n; i++) {
        maxnum = SW_MAX(maxnum, rows[i].number);
        maxcall = SW_MAX(maxcall, rows[i].call + 1);
        if (rows[i].call != firstcall)
            L->callcol = true;
        if (i)
            L->deltaw =
                SW_MAX(L->deltaw, snprintf(db, sizeof db, "%+.3f",
                                           (double)(rows[i].ts_ns - rows[i - 1].ts_ns) / 1e9));
    }
    L->callw = L->callcol ? SW_MAX(digits(maxcall) + 1, 4) : 0; /* "#12" under "call" */
    L->numw = SW_MAX(digits(maxnum), 1);
    /* [#call  ]number  HH:MM:SS.mmm  +delta  */
    L->gutter = (L->callcol ? (size_t)L->callw + 2 : 0) + (size_t)L->numw + 2 + 12 + 2 +
                (size_t)L->deltaw + 2;

    size_t ncol = cols->n ? cols->n : 1, lh_max = 1, need = SPACING_MIN;
    for (size_t k = 0; k < cols->n; k++)
        lh_max = SW_MAX(lh_max, sw_flow_text_width(sw_str_cstr(cols->label[k])));
    need = SW_MAX(need, lh_max + 2);
    char lb[512];
    for (size_t i = 0; i < n; i++) {
        const sw_flow_row *r = &rows[i];
        size_t lw = SW_MIN(sw_flow_text_width(row_label(r, lb, sizeof lb)), (size_t)LABEL_WANT);
        size_t span = r->from > r->to ? r->from - r->to : r->to - r->from;
        if (span == 0)
            continue; /* a loop's label goes to the right of its column */
        need = SW_MAX(need, (lw + 7 + span - 1) / span);
    }
    size_t avail = L->width > L->gutter + 1 ? L->width - L->gutter - 1 : 0;
    if (ncol > 1 && (ncol - 1) * SPACING_MIN + SPACING_MIN - 1 > avail) {
        /* Too narrow even at the minimum spacing: the time of day goes
         * first (the delta stays), the columns last. */
        L->notime = true;
        L->gutter -= 14;
        avail += 14;
    }
    size_t S = need, Lh = lh_max;
    for (;; S--) {
        Lh = ncol == 1 ? SW_MIN(lh_max, SW_MAX(avail, 8u)) : SW_MIN(lh_max, S - 1);
        if (Lh + (ncol - 1) * S <= avail || S == SPACING_MIN)
            break;
    }
    L->S = S;
    L->Lh = Lh;
    L->cut = Lh < lh_max;
    L->x0 = L->gutter + Lh / 2;
    L->right = col_x(L, ncol - 1) + (Lh - Lh / 2) + 1;
    L->cap = SW_MAX(L->width, L->right + LABEL_WANT + 16);
}

/* ---- drawing ----------------------------------------------------------------- */

typedef struct glyphs {
    const char *bar, *h, *hr, *right, *left, *loop;
} glyphs;

static const glyphs g_uni = {"\xe2\x94\x82", "\xe2\x94\x80", "\xe2\x94\x84",
                             "\xe2\x96\xb6", "\xe2\x97\x80", "\xe2\x86\xba"};
static const glyphs g_ascii = {"|", "-", ".", ">", "<", "@"};

static void put_g(line *ln, size_t x, const char *g, uint8_t color)
{
    put_glyph(ln, x, g, strlen(g), color);
}

static void draw_gutter(line *ln, const layout *L, const sw_flow_row *r, const sw_flow_row *prev)
{
    char b[64];
    size_t x = 0;
    if (L->callcol) {
        snprintf(b, sizeof b, "#%-*" PRIu32, L->callw - 1, r->call + 1);
        put_ascii(ln, x, b, K_DIM);
        x += (size_t)L->callw + 2;
    }
    snprintf(b, sizeof b, "%*" PRIu64, L->numw, r->number);
    put_ascii(ln, x, b, K_NONE);
    x += (size_t)L->numw + 2;
    char tb[48];
    sw_render_time(r->ts_ns, false, tb, sizeof tb);
    tb[12] = '\0';
    if (!L->notime) {
        put_ascii(ln, x, tb, K_NONE);
        x += 14;
    }
    if (prev) {
        snprintf(b, sizeof b, "%+*.3f", L->deltaw, (double)(r->ts_ns - prev->ts_ns) / 1e9);
        put_ascii(ln, x, b, K_DIM);
    }
}

static void draw_row(line *ln, const layout *L, const sw_flow_opts *o, size_t ncol,
                     const sw_flow_row *r, const sw_flow_row *prev)
{
    const glyphs *G = o->unicode ? &g_uni : &g_ascii;
    line_clear(ln);
    draw_gutter(ln, L, r, prev);
    for (size_t k = 0; k < ncol; k++)
        put_g(ln, col_x(L, k), G->bar, K_NONE);
    uint8_t lc = row_color(r), ac = r->retrans ? K_DIM : K_NONE;
    char lb[512];
    sw_str label = row_label(r, lb, sizeof lb);
    size_t note_x = L->right + 1;
    if (r->from == r->to) {
        size_t x = col_x(L, r->from);
        size_t end = r->from + 1 < ncol ? col_x(L, r->from + 1) - 1 : L->cap;
        put_g(ln, x + 1, G->h, ac);
        put_g(ln, x + 2, G->loop, ac);
        size_t room = end > x + 4 ? end - x - 4 : 0;
        if (r->from + 1 == ncol)
            room = L->width > x + 4 ? SW_MAX(L->width - x - 4, 8u) : 8u;
        /* The label may cover the column bars to its right (rare: loops
         * only come from aliases that join two hosts). */
        size_t w = fit_cells(ln, x + 4, label, SW_MIN(room, (size_t)LABEL_WANT), o->unicode, lc);
        note_x = SW_MAX(note_x, x + 4 + w + 2);
    } else {
        bool rightward = r->to > r->from;
        size_t a = col_x(L, SW_MIN(r->from, r->to)), b = col_x(L, SW_MAX(r->from, r->to));
        for (size_t x = a + 1; x < b; x++)
            put_g(ln, x, r->retrans ? G->hr : G->h, ac);
        if (rightward)
            put_g(ln, b - 1, G->right, ac);
        else
            put_g(ln, a + 1, G->left, ac);
        /* Label centred between the ends, with a space and a line cell
         * on each side, clear of the arrowhead; when that does not leave
         * room for all of it, the label fills everything between the
         * arrow's first cell and its head, cut if it must be. */
        size_t inner = b - a - 1; /* cells between the bars */
        size_t full = sw_flow_text_width(label);
        if (inner >= full + 6) {
            size_t start = a + 1 + (inner - full) / 2;
            put_glyph(ln, start - 1, " ", 1, K_NONE);
            put_glyph(ln, start + full, " ", 1, K_NONE);
            fit_cells(ln, start, label, full, o->unicode, lc);
        } else if (inner > 2) {
            fit_cells(ln, a + 2, label, inner - 2, o->unicode, lc);
        }
    }
    if (o->explain && !r->is_request && L->width > note_x + NOTE_MIN) {
        const char *brief = sw_kb_brief(r->status, r->reason, r->method, o->lang);
        if (brief && *brief)
            fit_cells(ln, note_x, sw_str_cstr(brief), L->width - note_x, o->unicode, K_DIM);
    }
}

static void draw_header(FILE *f, line *ln, const layout *L, const sw_flow_opts *o,
                        const sw_flow_cols *cols)
{
    if (L->cut) {
        /* Labels are cut to fit the columns: name every column in full
         * first, and number the column heads. */
        for (size_t k = 0; k < cols->n; k++) {
            line_clear(ln);
            char nb[32];
            snprintf(nb, sizeof nb, "  %zu: ", k + 1);
            put_ascii(ln, 0, nb, K_DIM);
            fit_cells(ln, strlen(nb), sw_str_cstr(cols->label[k]), L->cap - strlen(nb), o->unicode,
                      K_NONE);
            line_emit(f, ln, o->color);
        }
    }
    line_clear(ln);
    size_t x = 0;
    if (L->callcol) {
        put_ascii(ln, x, "call", K_HEAD);
        x += (size_t)L->callw + 2;
    }
    put_ascii(ln, x + (size_t)L->numw - 1, "#", K_HEAD);
    x += (size_t)L->numw + 2;
    if (!L->notime) {
        put_ascii(ln, x, "time (UTC)", K_HEAD);
        x += 14;
    }
    put_ascii(ln, x + (size_t)L->deltaw - 5, "delta", K_HEAD);
    for (size_t k = 0; k < cols->n; k++) {
        char lb[SW_FLOW_LABEL_MAX + 8];
        if (L->cut)
            snprintf(lb, sizeof lb, "%zu:%s", k + 1, cols->label[k]);
        else
            snprintf(lb, sizeof lb, "%s", cols->label[k]);
        sw_str s = sw_str_cstr(lb);
        size_t w = fit_cells(NULL, 0, s, L->Lh, o->unicode, K_HEAD);
        fit_cells(ln, col_x(L, k) - w / 2, s, L->Lh, o->unicode, K_HEAD);
    }
    line_emit(f, ln, o->color);
}

int sw_flow_draw(FILE *f, const sw_flow_opts *o, const sw_flow_cols *cols, const sw_flow_row *rows,
                 size_t n)
{
    layout L;
    plan(&L, o, cols, rows, n);
    line ln = {calloc(L.cap, sizeof(cell)), L.cap};
    if (!ln.c)
        return SW_ENOMEM;
    draw_header(f, &ln, &L, o, cols);
    for (size_t i = 0; i < n; i++) {
        draw_row(&ln, &L, o, cols->n ? cols->n : 1, &rows[i], i ? &rows[i - 1] : NULL);
        line_emit(f, &ln, o->color);
    }
    free(ln.c);
    return 0;
}

/* ---- JSON ----------------------------------------------------------------------- */

static void json_ep(FILE *f, const sw_trace *t, uint32_t id)
{
    char b[80];
    sw_flow_host_label(sw_trace_endpoint(t, id), NULL, 0, b, sizeof b);
    sw_json_cstr(f, b);
}

void sw_flow_json_row(FILE *f, const sw_trace *t, const sw_flow_cols *cols, const sw_flow_row *r,
                      const sw_flow_row *prev)
{
    fprintf(f, "{\"number\":%" PRIu64 ",\"epoch\":", r->number);
    sw_render_epoch(f, r->ts_ns);
    fputs(",\"delta\":", f);
    if (prev)
        fprintf(f, "%.6f", (double)(r->ts_ns - prev->ts_ns) / 1e9);
    else
        fputs("null", f);
    fprintf(f, ",\"call\":%" PRIu32 ",\"src\":", r->call + 1);
    json_ep(f, t, r->src);
    fputs(",\"dst\":", f);
    json_ep(f, t, r->dst);
    fputs(",\"src_name\":", f);
    sw_json_cstr(f, cols->label[r->from]);
    fputs(",\"dst_name\":", f);
    sw_json_cstr(f, cols->label[r->to]);
    fprintf(f, ",\"src_col\":%" PRIu32 ",\"dst_col\":%" PRIu32 ",\"label\":", r->from + 1,
            r->to + 1);
    json_label(f, r);
    fputs(",\"method\":", f);
    if (r->is_request)
        sw_json_str(f, r->method);
    else
        fputs("null", f);
    fputs(",\"status\":", f);
    if (r->is_request)
        fputs("null", f);
    else
        fprintf(f, "%d", r->status);
    fprintf(f, ",\"sdp\":%s,\"retrans\":%s}\n", r->sdp ? "true" : "false",
            r->retrans ? "true" : "false");
}

/* ---- from the model -------------------------------------------------------------- */

static bool has_sdp(const sw_sip_msg *s)
{
    const sw_sip_header *ct = s->first[SW_HDR_CONTENT_TYPE];
    return s->body.len > 0 && ct && sw_str_iprefix(sw_str_trim(ct->value), "application/sdp");
}

/* Title lines (text): what each call shown is. */
static void title(FILE *f, const sw_flow_opts *o, const sw_trace *t, const sw_corr *c,
                  const bool *shown, size_t ncalls, size_t width)
{
    line ln = {calloc(width, sizeof(cell)), width};
    if (!ln.c)
        return;
    for (size_t i = 0; i < ncalls; i++) {
        if (!shown[i])
            continue;
        const sw_call *k = sw_corr_call(c, (uint32_t)i);
        line_clear(&ln);
        char b[160];
        char tb[48];
        sw_render_time(sw_corr_call_t_start(c, k)
                           ? sw_corr_call_t_start(c, k)
                           : (sw_trace_get(t, k->first) ? sw_trace_get(t, k->first)->ts_ns : 0),
                       true, tb, sizeof tb);
        tb[19] = '\0';
        size_t x = 0;
        snprintf(b, sizeof b, "call %" PRIu32 " ", sw_corr_call_shown(c, (uint32_t)i));
        put_ascii(&ln, x, b, K_HEAD);
        x += strlen(b) + 1;
        const char *state =
            k->kind == SW_CALL_INVITE ? sw_call_state_name(k->state) : sw_call_kind_name(k->kind);
        snprintf(b, sizeof b, "%s%s  %s UTC  ", state, k->ongoing ? " (ongoing)" : "", tb);
        put_ascii(&ln, x, b, K_NONE);
        x += strlen(b);
        if (sw_corr_call_from(c, k).len || sw_corr_call_to(c, k).len) {
            x += fit_cells(&ln, x, sw_corr_call_from(c, k), 24, o->unicode, K_NONE);
            put_ascii(&ln, x, " -> ", K_NONE);
            x += 4;
            x += fit_cells(&ln, x, sw_corr_call_to(c, k), 24, o->unicode, K_NONE);
            x += 2;
        }
        put_ascii(&ln, x, "Call-ID ", K_DIM);
        x += 8;
        if (x < width)
            fit_cells(&ln, x, sw_corr_call_id(c, k), width - x, o->unicode, K_DIM);
        line_emit(f, &ln, o->color);
    }
    free(ln.c);
}

int sw_render_flow(FILE *f, const sw_flow_opts *o, const sw_trace *t, const sw_corr *c,
                   uint32_t call, bool *cols_full)
{
    size_t ncalls = sw_corr_ncalls(c);
    const sw_call *k = sw_corr_call(c, call);
    if (!k)
        return SW_EINVAL;
    bool *shown = calloc(ncalls, sizeof *shown);
    if (!shown)
        return SW_ENOMEM;
    size_t nmsg = 0, nshown = 0;
    for (size_t i = 0; i < ncalls; i++) {
        const sw_call *q = sw_corr_call(c, (uint32_t)i);
        if (i == call || (o->linked && q->conversation == k->conversation)) {
            shown[i] = true;
            nshown++;
            nmsg += q->nmsgs;
        }
    }
    sw_flow_row *rows = calloc(nmsg ? nmsg : 1, sizeof *rows);
    sw_flow_cols *cols = malloc(sizeof *cols);
    sw_sip_header *hdrs = malloc(256 * sizeof *hdrs);
    if (!rows || !cols || !hdrs) {
        free(shown);
        free(rows);
        free(cols);
        free(hdrs);
        return SW_ENOMEM;
    }
    sw_flow_cols_init(cols);
    size_t n = 0;
    /* One call: follow its chain. Several: walk the trace once, which keeps
     * message order without merging chains. */
    uint64_t num = nshown == 1 ? sw_corr_call_next(c, call, 0) : 1;
    size_t total = sw_trace_count(t);
    while (n < nmsg && num && num <= total) {
        uint32_t ci = sw_corr_msg_call(c, num);
        const sw_msg *m = sw_trace_get(t, num);
        if (m && ci != SW_NONE && ci < ncalls && shown[ci] &&
            !(o->keep_msg && !o->keep_msg[num - 1])) {
            sw_sip_msg sip;
            sw_flow_row *r = &rows[n];
            memset(r, 0, sizeof *r);
            r->number = sw_trace_shown(t, num);
            r->ts_ns = m->ts_ns;
            r->call = sw_corr_call_shown(c, ci) - 1;
            r->src = m->src;
            r->dst = m->dst;
            r->retrans = (sw_corr_msg_flags(c, num) & SW_MF_RETRANS) != 0;
            if (sw_trace_parse(t, m, &sip, hdrs, 256) > 0) {
                r->is_request = sip.is_request;
                r->method = sip.is_request ? sip.method : sip.cseq_method;
                r->status = sip.status;
                r->reason = sip.reason;
                r->sdp = has_sdp(&sip);
            } else {
                r->is_request = true;
                r->method = SW_STR_LIT("?");
            }
            char lb[SW_FLOW_LABEL_MAX];
            sw_flow_host_label(sw_trace_endpoint(t, m->src), o->aliases, o->naliases, lb,
                               sizeof lb);
            r->from = (uint32_t)sw_flow_col(cols, lb);
            sw_flow_host_label(sw_trace_endpoint(t, m->dst), o->aliases, o->naliases, lb,
                               sizeof lb);
            r->to = (uint32_t)sw_flow_col(cols, lb);
            n++;
        }
        num = nshown == 1 ? sw_corr_call_next(c, call, num) : num + 1;
    }
    int rc = 0;
    if (o->format == SW_FMT_JSON) {
        for (size_t i = 0; i < n; i++)
            sw_flow_json_row(f, t, cols, &rows[i], i ? &rows[i - 1] : NULL);
    } else {
        title(f, o, t, c, shown, ncalls, SW_MIN(SW_MAX(o->width, 40u), 1000u));
        rc = sw_flow_draw(f, o, cols, rows, n);
    }
    if (cols_full)
        *cols_full = cols->full;
    free(shown);
    free(rows);
    free(cols);
    free(hdrs);
    return rc;
}
