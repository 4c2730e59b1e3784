/*
 * test_flow: the ladder diagram and the stats arithmetic (render/flow.c,
 * render/stats.c) without a capture: rows are built by hand, so each test
 * knows its expected columns, widths and bytes exactly.
 *
 * What must hold: percentiles by nearest rank; columns in order of first
 * appearance, bounded; aliases by address and by address:port; labels cut
 * in cells (not bytes) with an ellipsis; lines within the width asked for;
 * ASCII output pure ASCII; and no byte from the network able to reach the
 * terminal as a control sequence, colour on or off.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* needs the four headers above first */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

/* ---- helpers -------------------------------------------------------------- */

/* Output of a drawing, NUL-terminated, caller frees. */
typedef struct outbuf {
    char *p;
    size_t len;
    FILE *f;
} outbuf;

static void ob_open(outbuf *o)
{
    o->p = NULL;
    o->len = 0;
    o->f = open_memstream(&o->p, &o->len);
    assert_non_null(o->f);
}

static void ob_close(outbuf *o) { assert_int_equal(fclose(o->f), 0); }

/* Terminal cells of one line: code points, minus ANSI sequences we wrote
 * ourselves (ESC [ ... m); a wide CJK character counts two. */
static size_t cells(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x1b && i + 1 < n && s[i + 1] == '[') {
            i += 2;
            while (i < n && s[i] != 'm')
                i++;
            i++;
            continue;
        }
        if (c < 0x80) {
            i++;
            w++;
        } else if (c >= 0xF0) {
            i += 4;
            w += 2;
        } else if (c >= 0xE0) {
            /* U+3000.. and up (E3..E9 lead bytes) are wide in our tests */
            w += (c >= 0xE3 && c <= 0xE9) ? 2 : 1;
            i += 3;
        } else {
            i += 2;
            w++;
        }
    }
    return w;
}

static size_t max_line_cells(const char *s)
{
    size_t best = 0;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        size_t w = cells(s, n);
        if (w > best)
            best = w;
        s += n + (e ? 1 : 0);
    }
    return best;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

static bool all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static sw_flow_row req(uint64_t num, int64_t ts_ms, uint32_t from, uint32_t to, const char *m)
{
    sw_flow_row r;
    memset(&r, 0, sizeof r);
    r.number = num;
    r.ts_ns = 1700000000000000000ll + ts_ms * 1000000ll;
    r.from = from;
    r.to = to;
    r.is_request = true;
    r.method = sw_str_cstr(m);
    return r;
}

static sw_flow_row resp(uint64_t num, int64_t ts_ms, uint32_t from, uint32_t to, int code,
                        const char *reason, const char *method)
{
    sw_flow_row r = req(num, ts_ms, from, to, method);
    r.is_request = false;
    r.status = code;
    r.reason = sw_str_cstr(reason);
    return r;
}

static sw_flow_opts opts(unsigned width, bool unicode, bool color)
{
    sw_flow_opts o;
    memset(&o, 0, sizeof o);
    o.width = width;
    o.unicode = unicode;
    o.color = color;
    o.explain = true;
    return o;
}

static void three_cols(sw_flow_cols *c)
{
    sw_flow_cols_init(c);
    sw_flow_col(c, "10.0.0.1:5060");
    sw_flow_col(c, "10.0.0.2:5060");
    sw_flow_col(c, "10.0.0.3:5060");
}

/* ---- percentiles ---------------------------------------------------------- */

static void test_percentile_nearest_rank(void **state)
{
    (void)state;
    int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(sw_stats_percentile(ten, 10, 50), 5);
    assert_int_equal(sw_stats_percentile(ten, 10, 90), 9);
    assert_int_equal(sw_stats_percentile(ten, 10, 91), 10);
    assert_int_equal(sw_stats_percentile(ten, 10, 99), 10);
    assert_int_equal(sw_stats_percentile(ten, 10, 100), 10);
    assert_int_equal(sw_stats_percentile(ten, 10, 1), 1);
    assert_int_equal(sw_stats_percentile(ten, 10, 10), 1);
    assert_int_equal(sw_stats_percentile(ten, 10, 11), 2);
    int64_t one[] = {42};
    assert_int_equal(sw_stats_percentile(one, 1, 50), 42);
    assert_int_equal(sw_stats_percentile(one, 1, 99), 42);
    assert_int_equal(sw_stats_percentile(NULL, 0, 50), 0);
    /* 100 values 1..100: pN is exactly N */
    int64_t h[100];
    for (int i = 0; i < 100; i++)
        h[i] = i + 1;
    assert_int_equal(sw_stats_percentile(h, 100, 50), 50);
    assert_int_equal(sw_stats_percentile(h, 100, 90), 90);
    assert_int_equal(sw_stats_percentile(h, 100, 99), 99);
    /* two values: the median is the lower one (no interpolation) */
    int64_t two[] = {10, 20};
    assert_int_equal(sw_stats_percentile(two, 2, 50), 10);
    assert_int_equal(sw_stats_percentile(two, 2, 51), 20);
}

static void test_dist_make(void **state)
{
    (void)state;
    int64_t v[] = {300, 100, 200, 500, 400};
    sw_stats_dist d;
    sw_stats_dist_make(v, 5, &d);
    assert_int_equal(d.count, 5);
    assert_int_equal(d.min, 100);
    assert_int_equal(d.max, 500);
    assert_int_equal(d.p50, 300);
    assert_int_equal(d.p90, 500);
    assert_int_equal(d.p99, 500);
    assert_int_equal(d.mean, 300);
    assert_int_equal(v[0], 100); /* sorted in place */
    sw_stats_dist_make(v, 0, &d);
    assert_int_equal(d.count, 0);
    assert_int_equal(d.p50, 0);
    /* large values: no overflow in the mean */
    int64_t big[] = {INT64_MAX / 2, INT64_MAX / 2, INT64_MAX / 2};
    sw_stats_dist_make(big, 3, &d);
    assert_true(d.mean > INT64_MAX / 2 - 1024 && d.mean <= INT64_MAX / 2);
}

/* ---- columns and aliases ---------------------------------------------------- */

static void test_columns_first_appearance(void **state)
{
    (void)state;
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    assert_int_equal(sw_flow_col(&c, "b:1"), 0);
    assert_int_equal(sw_flow_col(&c, "a:1"), 1);
    assert_int_equal(sw_flow_col(&c, "b:1"), 0);
    assert_int_equal(sw_flow_col(&c, "c:1"), 2);
    assert_int_equal(sw_flow_col(&c, "a:1"), 1);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.label[0], "b:1");
    assert_string_equal(c.label[2], "c:1");
    assert_false(c.full);
}

static void test_columns_bounded(void **state)
{
    (void)state;
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    char b[32];
    for (int i = 0; i < SW_FLOW_MAX_COLS - 1; i++) {
        snprintf(b, sizeof b, "10.0.0.%d:5060", i);
        assert_int_equal(sw_flow_col(&c, b), (size_t)i);
    }
    assert_false(c.full);
    /* every further host shares the last column */
    assert_int_equal(sw_flow_col(&c, "192.0.2.1:5060"), SW_FLOW_MAX_COLS - 1);
    assert_int_equal(sw_flow_col(&c, "192.0.2.2:5060"), SW_FLOW_MAX_COLS - 1);
    assert_true(c.full);
    assert_int_equal(c.n, SW_FLOW_MAX_COLS);
    assert_string_equal(c.label[SW_FLOW_MAX_COLS - 1], "(other hosts)");
    /* known hosts keep their columns; a host named like the shared column
     * does not take it over */
    assert_int_equal(sw_flow_col(&c, "10.0.0.3:5060"), 3);
    assert_int_equal(sw_flow_col(&c, "(other hosts)"), SW_FLOW_MAX_COLS - 1);
    /* labels longer than the slot are cut, and still match themselves */
    sw_flow_cols_init(&c);
    char longl[200];
    memset(longl, 'x', sizeof longl - 1);
    longl[sizeof longl - 1] = '\0';
    assert_int_equal(sw_flow_col(&c, longl), 0);
    assert_int_equal(sw_flow_col(&c, longl), 0);
    assert_int_equal(strlen(c.label[0]), SW_FLOW_LABEL_MAX - 1);
}

static sw_endpoint ep4(const char *ip, uint16_t port)
{
    sw_endpoint e;
    memset(&e, 0, sizeof e);
    sw_flow_alias a;
    char spec[64];
    snprintf(spec, sizeof spec, "%s=x", ip);
    assert_int_equal(sw_flow_alias_parse(spec, &a), 0);
    e.addr = a.addr;
    e.port = port;
    snprintf(e.text, sizeof e.text, "%s", ip);
    return e;
}

static void test_alias_parse(void **state)
{
    (void)state;
    sw_flow_alias a;
    assert_int_equal(sw_flow_alias_parse("10.0.0.1=pbx", &a), 0);
    assert_int_equal(a.addr.family, 4);
    assert_int_equal(a.port, 0);
    assert_string_equal(a.name, "pbx");
    assert_int_equal(sw_flow_alias_parse("10.0.0.1:5080=proxy a=b", &a), 0);
    assert_int_equal(a.port, 5080);
    assert_string_equal(a.name, "proxy a=b");
    assert_int_equal(sw_flow_alias_parse("2001:db8::1=v6", &a), 0);
    assert_int_equal(a.addr.family, 6);
    assert_int_equal(a.port, 0);
    assert_int_equal(sw_flow_alias_parse("[2001:db8::1]:5060=v6p", &a), 0);
    assert_int_equal(a.addr.family, 6);
    assert_int_equal(a.port, 5060);
    assert_int_equal(sw_flow_alias_parse("[2001:db8::1]=v6b", &a), 0);
    assert_int_equal(a.port, 0);
    const char *bad[] = {"",
                         "=x",
                         "10.0.0.1",
                         "10.0.0.1=",
                         "10.0.0.1:0=x",
                         "10.0.0.1:65536=x",
                         "10.0.0.1:=x",
                         "10.0.0.1:50a=x",
                         "10.0.0.256=x",
                         "host.example=x",
                         "[2001:db8::1=x",
                         "[2001:db8::1]5060=x",
                         "[10.0.0.1]:5060=x",
                         "2001:db8::zz=x"};
    for (size_t i = 0; i < SW_ARRAY_LEN(bad); i++)
        assert_int_equal(sw_flow_alias_parse(bad[i], &a), SW_EINVAL);
}

static void test_host_label(void **state)
{
    (void)state;
    sw_flow_alias a[3];
    assert_int_equal(sw_flow_alias_parse("10.0.0.1:5062=exact", &a[0]), 0);
    assert_int_equal(sw_flow_alias_parse("10.0.0.1=host", &a[1]), 0);
    assert_int_equal(sw_flow_alias_parse("10.0.0.2=other", &a[2]), 0);
    char b[SW_FLOW_LABEL_MAX];
    sw_endpoint e = ep4("10.0.0.1", 5060);
    sw_flow_host_label(&e, a, 3, b, sizeof b);
    assert_string_equal(b, "host");
    /* the port-specific alias wins whatever the order */
    e.port = 5062;
    sw_flow_host_label(&e, a, 3, b, sizeof b);
    assert_string_equal(b, "exact");
    e = ep4("10.0.0.3", 5060);
    sw_flow_host_label(&e, a, 3, b, sizeof b);
    assert_string_equal(b, "10.0.0.3:5060");
    sw_flow_host_label(NULL, a, 3, b, sizeof b);
    assert_string_equal(b, "?");
    sw_endpoint e6;
    memset(&e6, 0, sizeof e6);
    sw_flow_alias x;
    assert_int_equal(sw_flow_alias_parse("2001:db8::1=x", &x), 0);
    e6.addr = x.addr;
    e6.port = 5060;
    snprintf(e6.text, sizeof e6.text, "2001:db8::1");
    sw_flow_host_label(&e6, NULL, 0, b, sizeof b);
    assert_string_equal(b, "[2001:db8::1]:5060");
    /* two aliases that give the same name share one column */
    sw_flow_alias two[2];
    assert_int_equal(sw_flow_alias_parse("10.0.0.1:5060=pbx", &two[0]), 0);
    assert_int_equal(sw_flow_alias_parse("10.0.0.1:5080=pbx", &two[1]), 0);
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    e = ep4("10.0.0.1", 5060);
    sw_flow_host_label(&e, two, 2, b, sizeof b);
    size_t c1 = sw_flow_col(&c, b);
    e.port = 5080;
    sw_flow_host_label(&e, two, 2, b, sizeof b);
    assert_int_equal(sw_flow_col(&c, b), c1);
}

/* ---- fitting text into cells ------------------------------------------------- */

static void test_fit_and_truncate(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(sw_flow_fit(SW_STR_LIT("180 Ringing"), 20, false, out, sizeof out), 11);
    assert_string_equal(out, "180 Ringing");
    /* exactly fits */
    assert_int_equal(sw_flow_fit(SW_STR_LIT("180 Ringing"), 11, false, out, sizeof out), 11);
    assert_string_equal(out, "180 Ringing");
    /* cut: ASCII ellipsis, Unicode ellipsis (one cell, three bytes) */
    assert_int_equal(sw_flow_fit(SW_STR_LIT("183 Session Progress"), 8, false, out, sizeof out), 8);
    assert_string_equal(out, "183 Ses~");
    assert_int_equal(sw_flow_fit(SW_STR_LIT("183 Session Progress"), 8, true, out, sizeof out), 8);
    assert_string_equal(out, "183 Ses\xe2\x80\xa6");
    assert_int_equal(sw_flow_fit(SW_STR_LIT("abc"), 1, false, out, sizeof out), 1);
    assert_string_equal(out, "~");
    assert_int_equal(sw_flow_fit(SW_STR_LIT("abc"), 0, false, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* Cyrillic: 2 bytes, 1 cell each */
    sw_str ru =
        SW_STR_LIT("\xd0\x9d\xd0\xb5 \xd0\xbd\xd0\xb0\xd0\xb9\xd0\xb4\xd0\xb5\xd0\xbd\xd0\xbe");
    assert_int_equal(sw_flow_text_width(ru), 10);
    assert_int_equal(sw_flow_fit(ru, 5, true, out, sizeof out), 5);
    assert_string_equal(out, "\xd0\x9d\xd0\xb5 \xd0\xbd\xe2\x80\xa6");
    /* wide characters take two cells and are never split */
    sw_str cjk = SW_STR_LIT("\xe6\x9c\xaa\xe6\x8e\xa5\xe7\xb6\x9a"); /* three CJK ideographs */
    assert_int_equal(sw_flow_text_width(cjk), 6);
    assert_int_equal(sw_flow_fit(cjk, 4, false, out, sizeof out), 3);
    assert_string_equal(out, "\xe6\x9c\xaa~");
    /* an escape is one unit: cut before it, not inside it */
    assert_int_equal(sw_flow_fit(SW_STR_LIT("ab\x1b"), 5, false, out, sizeof out), 3);
    assert_string_equal(out, "ab~");
    assert_int_equal(sw_flow_fit(SW_STR_LIT("ab\x1b"), 6, false, out, sizeof out), 6);
    assert_string_equal(out, "ab\\x1b");
    /* a small output buffer is never overrun and stays terminated */
    char tiny[4];
    sw_flow_fit(SW_STR_LIT("INVITE"), 20, false, tiny, sizeof tiny);
    assert_string_equal(tiny, "INV");
}

static void test_fit_escapes_hostile(void **state)
{
    (void)state;
    char out[256];
    /* CSI, OSC with BEL, DEL, NUL, C1 CSI (U+009B), bidi override (U+202E),
     * zero-width space (U+200B), combining acute (U+0301), invalid bytes */
    sw_str s = SW_STR_LIT("\x1b[31mA\x1b]0;t\x07\x7f\x00"
                          "B\xc2\x9b"
                          "C\xe2\x80\xae"
                          "D\xe2\x80\x8b"
                          "e\xcc\x81"
                          "\xff\xc3");
    size_t w = sw_flow_fit(s, 1000, true, out, sizeof out);
    assert_int_equal(w, strlen(out)); /* all ASCII now: one cell a byte */
    assert_true(all_ascii(out, strlen(out)));
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, 0x07));
    assert_null(strchr(out, 0x7f));
    assert_string_equal(out, "\\x1b[31mA\\x1b]0;t\\x07\\x7f\\x00B\\xc2\\x9bC\\xe2\\x80\\xae"
                             "D\\xe2\\x80\\x8be\\xcc\\x81\\xff\\xc3");
    assert_int_equal(sw_flow_text_width(s), w);
}

/* ---- drawing ----------------------------------------------------------------- */

static void test_draw_ascii_vs_unicode(void **state)
{
    (void)state;
    sw_flow_cols c;
    three_cols(&c);
    sw_flow_row rows[] = {
        req(1, 0, 0, 1, "INVITE"),
        resp(2, 20, 1, 0, 100, "Trying", "INVITE"),
        req(3, 30, 1, 2, "INVITE"),
        resp(4, 500, 2, 0, 486, "Busy Here", "INVITE"),
    };
    rows[3].retrans = false;
    outbuf ob;
    sw_flow_opts o = opts(100, false, false);
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 4), 0);
    ob_close(&ob);
    assert_true(all_ascii(ob.p, ob.len));
    assert_non_null(strstr(ob.p, "|"));
    assert_non_null(strstr(ob.p, "->|"));
    assert_non_null(strstr(ob.p, "|<-"));
    assert_non_null(strstr(ob.p, " INVITE "));
    assert_non_null(strstr(ob.p, "486 Busy Here"));
    assert_int_equal(count_lines(ob.p), 5); /* header + 4 */
    /* arrow 4 crosses the middle column: drawn over its bar, so the line
     * has the two end bars only */
    const char *l4 = strstr(ob.p, "\n4  ");
    assert_non_null(l4);
    size_t bars = 0;
    for (const char *p = l4 + 1; *p && *p != '\n'; p++)
        bars += *p == '|';
    assert_int_equal(bars, 2);
    free(ob.p);

    o = opts(100, true, false);
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 4), 0);
    ob_close(&ob);
    assert_false(all_ascii(ob.p, ob.len));
    assert_non_null(strstr(ob.p, "\xe2\x94\x82"));             /* │ */
    assert_non_null(strstr(ob.p, "\xe2\x96\xb6\xe2\x94\x82")); /* ▶│ */
    assert_non_null(strstr(ob.p, "\xe2\x94\x82\xe2\x97\x80")); /* │◀ */
    assert_null(strchr(ob.p, 0x1b));                           /* colour off */
    free(ob.p);
}

static void test_draw_retrans_marked(void **state)
{
    (void)state;
    sw_flow_cols c;
    three_cols(&c);
    sw_flow_row rows[] = {req(1, 0, 0, 1, "INVITE"), req(2, 500, 0, 1, "INVITE")};
    rows[1].retrans = true;
    outbuf ob;
    sw_flow_opts o = opts(100, false, false);
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 2), 0);
    ob_close(&ob);
    assert_non_null(strstr(ob.p, "INVITE (retrans)"));
    assert_non_null(strstr(ob.p, ".>|")); /* dotted line */
    assert_non_null(strstr(ob.p, "+0.500"));
    free(ob.p);
}

static void test_draw_width_adapts(void **state)
{
    (void)state;
    sw_flow_cols c;
    three_cols(&c);
    sw_flow_row rows[] = {
        req(1, 0, 0, 2, "INVITE"),
        resp(2, 100, 2, 1, 183, "Session Progress", "INVITE"),
        resp(3, 200, 1, 0, 180, "Ringing", "INVITE"),
        resp(4, 4000, 2, 0, 200, "OK", "INVITE"),
    };
    rows[1].sdp = true;
    outbuf ob;
    unsigned widths[] = {40, 60, 80, 100, 160, 240};
    for (size_t i = 0; i < SW_ARRAY_LEN(widths); i++) {
        for (int uni = 0; uni < 2; uni++) {
            sw_flow_opts o = opts(widths[i], uni, i % 2);
            ob_open(&ob);
            assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 4), 0);
            ob_close(&ob);
            size_t w = max_line_cells(ob.p);
            if (w > widths[i])
                print_error("width %u: a line of %zu cells:\n%s\n", widths[i], w, ob.p);
            assert_true(w <= widths[i]);
            if (widths[i] <= 60) /* squeezed: labels cut */
                assert_non_null(strstr(ob.p, uni ? "\xe2\x80\xa6" : "~"));
            if (widths[i] >= 160) { /* room: full labels and the notes */
                assert_non_null(strstr(ob.p, "183 Session Progress (SDP)"));
                assert_non_null(strstr(
                    ob.p, sw_kb_brief(180, SW_STR_LIT("Ringing"), SW_STR_LIT("INVITE"), SW_KB_EN)));
            }
            free(ob.p);
        }
    }
    /* --no-explain: no note even with room */
    sw_flow_opts o = opts(240, false, false);
    o.explain = false;
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 4), 0);
    ob_close(&ob);
    assert_null(
        strstr(ob.p, sw_kb_brief(180, SW_STR_LIT("Ringing"), SW_STR_LIT("INVITE"), SW_KB_EN)));
    free(ob.p);
}

static void test_draw_many_columns(void **state)
{
    (void)state;
    /* More hosts than fit at the minimum spacing: lines grow past the width
     * (never wrap), head labels are cut and a legend names each column. */
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    sw_flow_row rows[SW_FLOW_MAX_COLS + 4];
    char b[32];
    for (size_t i = 0; i < SW_ARRAY_LEN(rows); i++) {
        snprintf(b, sizeof b, "192.0.2.%zu:5060", i);
        size_t from = sw_flow_col(&c, "198.51.100.1:5060");
        size_t to = sw_flow_col(&c, b);
        rows[i] = req(i + 1, (int64_t)i, (uint32_t)from, (uint32_t)to, "OPTIONS");
    }
    assert_true(c.full);
    outbuf ob;
    sw_flow_opts o = opts(40, true, false);
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, SW_ARRAY_LEN(rows)), 0);
    ob_close(&ob);
    assert_non_null(strstr(ob.p, "  1: "));
    assert_non_null(strstr(ob.p, "(other hosts)"));
    assert_non_null(strstr(ob.p, "198.51.100.1:5060"));
    free(ob.p);
}

static void test_draw_self_loop(void **state)
{
    (void)state;
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    sw_flow_col(&c, "pbx");
    sw_flow_row rows[] = {req(1, 0, 0, 0, "OPTIONS"), resp(2, 1, 0, 0, 200, "OK", "OPTIONS")};
    outbuf ob;
    sw_flow_opts o = opts(80, false, false);
    ob_open(&ob);
    assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 2), 0);
    ob_close(&ob);
    assert_non_null(strstr(ob.p, "|-@ OPTIONS"));
    assert_non_null(strstr(ob.p, "|-@ 200 OK"));
    free(ob.p);
}

static void test_draw_hostile_labels(void **state)
{
    (void)state;
    sw_flow_cols c;
    sw_flow_cols_init(&c);
    sw_flow_col(&c, "10.0.0.1:5060");
    sw_flow_col(&c, "ev\x1b[2Jil:5060"); /* an alias is user text, escaped too */
    const char *evil_reason = "\x1b[31mEVIL\x1b]0;pwned\x07\xc2\x9b"
                              "2J\xe2\x80\xae"
                              "txet";
    const char *evil_method = "INV\x1b[1;1HITE\r\n";
    sw_flow_row rows[] = {
        req(1, 0, 0, 1, evil_method),
        resp(2, 1, 1, 0, 699, evil_reason, "INVITE"),
    };
    for (int color = 0; color < 2; color++) {
        for (int uni = 0; uni < 2; uni++) {
            outbuf ob;
            sw_flow_opts o = opts(200, uni, color);
            ob_open(&ob);
            assert_int_equal(sw_flow_draw(ob.f, &o, &c, rows, 2), 0);
            ob_close(&ob);
            /* the hostile sequences never appear raw */
            assert_null(memmem(ob.p, ob.len, "\x1b[31mEVIL", 9));
            assert_null(memmem(ob.p, ob.len, "\x1b]", 2));
            assert_null(memmem(ob.p, ob.len, "\x1b[2J", 4));
            assert_null(memmem(ob.p, ob.len, "\x1b[1;1H", 6));
            assert_null(memchr(ob.p, 0x07, ob.len));
            assert_null(memchr(ob.p, '\r', ob.len));
            assert_null(memmem(ob.p, ob.len, "\xc2\x9b", 2));
            assert_null(memmem(ob.p, ob.len, "\xe2\x80\xae", 3));
            assert_non_null(strstr(ob.p, "\\x1b[31mEVIL"));
            assert_int_equal(count_lines(ob.p), 3); /* CR LF in a method broke no line */
            if (!color)
                assert_null(memchr(ob.p, 0x1b, ob.len));
            /* with colour, every ESC starts one of our SGR sequences */
            for (const char *p = ob.p; (p = memchr(p, 0x1b, ob.len - (size_t)(p - ob.p))); p++) {
                assert_int_equal(p[1], '[');
                size_t k = 2;
                while (p[k] >= '0' && p[k] <= '9')
                    k++;
                if (p[k] == ';') {
                    k++;
                    while (p[k] >= '0' && p[k] <= '9')
                        k++;
                }
                assert_int_equal(p[k], 'm');
            }
            free(ob.p);
        }
    }
}

static void test_json_row_escapes(void **state)
{
    (void)state;
    sw_trace *t = sw_trace_new(NULL);
    assert_non_null(t);
    sw_flow_cols c;
    three_cols(&c);
    sw_flow_row r0 = req(7, 0, 0, 1, "INVITE");
    sw_flow_row r = resp(8, 250, 1, 0, 404, "Not \x1b[31mFound\"", "INVITE");
    r.call = 2;
    r.retrans = true;
    outbuf ob;
    ob_open(&ob);
    sw_flow_json_row(ob.f, t, &c, &r0, NULL);
    sw_flow_json_row(ob.f, t, &c, &r, &r0);
    ob_close(&ob);
    assert_null(memchr(ob.p, 0x1b, ob.len));
    assert_non_null(strstr(ob.p, "{\"number\":7,\"epoch\":1700000000.000000,\"delta\":null,"));
    assert_non_null(strstr(ob.p, "\"number\":8,"));
    assert_non_null(strstr(ob.p, "\"delta\":0.250000,\"call\":3,"));
    assert_non_null(strstr(ob.p, "\"label\":\"404 Not \\u001b[31mFound\\\"\""));
    assert_non_null(strstr(ob.p, "\"src_name\":\"10.0.0.2:5060\",\"dst_name\":\"10.0.0.1:5060\""));
    assert_non_null(strstr(ob.p, "\"src_col\":2,\"dst_col\":1,"));
    assert_non_null(strstr(ob.p, "\"status\":404,\"sdp\":false,\"retrans\":true}\n"));
    assert_non_null(strstr(ob.p, "\"label\":\"INVITE\",\"method\":\"INVITE\",\"status\":null"));
    assert_int_equal(count_lines(ob.p), 2);
    free(ob.p);
    sw_trace_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentile_nearest_rank),
        cmocka_unit_test(test_dist_make),
        cmocka_unit_test(test_columns_first_appearance),
        cmocka_unit_test(test_columns_bounded),
        cmocka_unit_test(test_alias_parse),
        cmocka_unit_test(test_host_label),
        cmocka_unit_test(test_fit_and_truncate),
        cmocka_unit_test(test_fit_escapes_hostile),
        cmocka_unit_test(test_draw_ascii_vs_unicode),
        cmocka_unit_test(test_draw_retrans_marked),
        cmocka_unit_test(test_draw_width_adapts),
        cmocka_unit_test(test_draw_many_columns),
        cmocka_unit_test(test_draw_self_loop),
        cmocka_unit_test(test_draw_hostile_labels),
        cmocka_unit_test(test_json_row_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
