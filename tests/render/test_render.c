/*
 * render tests: the escaping writers every output format relies on.
 * sw_json_str must give valid JSON and valid UTF-8 whatever the bytes;
 * sw_tsv_field must keep a field one field; sw_text_safe must never let a
 * control character or an escape sequence reach a terminal. Each case is
 * one input and the exact bytes expected.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "render/render.h"

typedef void (*writer)(FILE *f, sw_str s, int mode);

/* Runs w over the n bytes of in and returns what it wrote (malloc'd). */
static char *capture(writer w, const char *in, size_t n, int mode, size_t *outlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    /* A heap copy of exactly n bytes: ASan sees any read past the slice. */
    char *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, in, n);
    w(f, sw_str_make(copy, n), mode);
    fclose(f);
    free(copy);
    if (outlen)
        *outlen = len;
    return buf;
}

static void w_json(FILE *f, sw_str s, int mode)
{
    (void)mode;
    sw_json_str(f, s);
}
static void w_tsv(FILE *f, sw_str s, int mode)
{
    (void)mode;
    sw_tsv_field(f, s);
}
static void w_text(FILE *f, sw_str s, int mode) { sw_text_safe(f, s, mode != 0); }

typedef struct rcase {
    const char *in;
    size_t inlen; /* 0: strlen(in) */
    const char *want;
} rcase;

static void run_cases(writer w, int mode, const rcase *cs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t inlen = cs[i].inlen ? cs[i].inlen : strlen(cs[i].in);
        size_t outlen;
        char *out = capture(w, cs[i].in, inlen, mode, &outlen);
        if (outlen != strlen(cs[i].want) || memcmp(out, cs[i].want, outlen) != 0)
            fail_msg("case %zu: got [%.*s], want [%s]", i, (int)outlen, out, cs[i].want);
        free(out);
    }
}

/* Checks that s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t l;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            l = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            l = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            l = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + l > n)
            return false;
        for (size_t k = 1; k < l; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += l;
    }
    return true;
}

/* ---- JSON -------------------------------------------------------------- */

static void test_json_cases(void **state)
{
    (void)state;
    static const rcase cs[] = {
        {"", 0, "\"\""},
        {"INVITE sip:b@y SIP/2.0", 0, "\"INVITE sip:b@y SIP/2.0\""},
        {"a\"b\\c", 0, "\"a\\\"b\\\\c\""},
        {"/", 0, "\"/\""},
        {"\r\n\t", 0, "\"\\r\\n\\t\""},
        {"\x01\x08\x0b\x0c\x1b\x1f", 0, "\"\\u0001\\u0008\\u000b\\u000c\\u001b\\u001f\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"\x7f", 0, "\"\\u007f\""},
        /* valid UTF-8 kept as it is: Cyrillic, CJK, emoji, U+10FFFF */
        {"\xd0\x9e\xd1\x88\xd0\xb8\xd0\xb1\xd0\xba\xd0\xb0", 0,
         "\"\xd0\x9e\xd1\x88\xd0\xb8\xd0\xb1\xd0\xba\xd0\xb0\""},
        {"\xe4\xb8\xad", 0, "\"\xe4\xb8\xad\""},
        {"\xf0\x9f\x98\x80", 0, "\"\xf0\x9f\x98\x80\""},
        {"\xf4\x8f\xbf\xbf", 0, "\"\xf4\x8f\xbf\xbf\""},
        {"\xc2\x80", 0, "\"\xc2\x80\""}, /* U+0080 is valid in JSON */
        {"\xe2\x80\xa8", 0, "\"\xe2\x80\xa8\""},
        /* invalid: every bad byte becomes one U+FFFD */
        {"\xff", 0, "\"\\ufffd\""},
        {"\xfe\xff", 0, "\"\\ufffd\\ufffd\""},
        {"\x80", 0, "\"\\ufffd\""},
        {"a\xbf" "b", 0, "\"a\\ufffdb\""},
        {"\xc3", 0, "\"\\ufffd\""},           /* truncated 2-byte */
        {"\xe4\xb8", 0, "\"\\ufffd\\ufffd\""}, /* truncated 3-byte */
        {"\xc3(", 0, "\"\\ufffd(\""},          /* bad continuation */
        /* overlong forms */
        {"\xc0\xaf", 0, "\"\\ufffd\\ufffd\""},
        {"\xc1\xbf", 0, "\"\\ufffd\\ufffd\""},
        {"\xe0\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xe0\x9f\xbf", 0, "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xf0\x80\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        {"\xf0\x8f\xbf\xbf", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        /* surrogates U+D800..U+DFFF (CESU-8) */
        {"\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xed\xbf\xbf", 0, "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xed\x9f\xbf", 0, "\"\xed\x9f\xbf\""}, /* U+D7FF is fine */
        /* past U+10FFFF */
        {"\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        {"\xf5\x80\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        /* a quote after an invalid lead byte is still escaped */
        {"\xe4\"", 0, "\"\\ufffd\\\"\""},
    };
    run_cases(w_json, 0, cs, SW_ARRAY_LEN(cs));

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sw_json_cstr(f, "x\"y");
    fclose(f);
    assert_string_equal(buf, "\"x\\\"y\"");
    free(buf);
}

/* Every 1- to 3-byte input (and random longer ones) comes out as a JSON
 * string: quoted, no raw control byte, valid UTF-8, escapes well-formed. */
static void check_json_output(const unsigned char *o, size_t n)
{
    assert_true(n >= 2);
    assert_int_equal(o[0], '"');
    assert_int_equal(o[n - 1], '"');
    assert_true(valid_utf8(o, n));
    for (size_t i = 1; i < n - 1; i++) {
        assert_true(o[i] >= 0x20 && o[i] != 0x7F);
        assert_true(o[i] != '"');
        if (o[i] == '\\') {
            i++;
            assert_true(i < n - 1);
            if (o[i] == 'u') {
                assert_true(i + 4 < n - 1);
                for (int k = 1; k <= 4; k++)
                    assert_non_null(strchr("0123456789abcdef", o[i + k]));
                i += 4;
            } else {
                assert_non_null(strchr("\"\\nrt", o[i]));
            }
        }
    }
}

static void test_json_exhaustive(void **state)
{
    (void)state;
    unsigned char in[3];
    for (unsigned a = 0; a < 256; a++) {
        in[0] = (unsigned char)a;
        for (unsigned b = 0; b < 256; b++) {
            in[1] = (unsigned char)b;
            for (unsigned c = 0; c < 256; c += (a >= 0xE0 && b >= 0x80 && b < 0xC0) ? 1 : 51) {
                in[2] = (unsigned char)c;
                for (size_t n = 1; n <= 3; n++) {
                    if (n < 3 && c)
                        continue;
                    size_t ol;
                    char *o = capture(w_json, (const char *)in, n, 0, &ol);
                    check_json_output((unsigned char *)o, ol);
                    free(o);
                }
            }
        }
    }
    srand(7);
    for (int r = 0; r < 2000; r++) {
        unsigned char big[64];
        size_t n = (size_t)(rand() % 64);
        for (size_t i = 0; i < n; i++)
            big[i] = (unsigned char)rand();
        size_t ol;
        char *o = capture(w_json, (const char *)big, n, 0, &ol);
        check_json_output((unsigned char *)o, ol);
        free(o);
    }
}

/* ---- TSV --------------------------------------------------------------- */

static void test_tsv_cases(void **state)
{
    (void)state;
    static const rcase cs[] = {
        {"", 0, ""},
        {"plain text 123", 0, "plain text 123"},
        {"a\tb", 0, "a\\tb"},
        {"a\r\nb", 0, "a\\r\\nb"},
        {"back\\slash", 0, "back\\\\slash"},
        {"\x1b[31m", 0, "\\x1b[31m"},
        {"\x01\x7f", 0, "\\x01\\x7f"},
        {"n\0l", 3, "n\\x00l"},
        {"\xd0\x9e\xd0\xba", 0, "\xd0\x9e\xd0\xba"},
        {"\"quoted\"", 0, "\"quoted\""},
    };
    run_cases(w_tsv, 0, cs, SW_ARRAY_LEN(cs));
    /* no byte value can produce TAB, CR or LF in the output */
    for (unsigned a = 0; a < 256; a++) {
        char in[2] = {(char)a, 'x'};
        size_t ol;
        char *o = capture(w_tsv, in, 2, 0, &ol);
        for (size_t i = 0; i < ol; i++)
            assert_true(o[i] != '\t' && o[i] != '\r' && o[i] != '\n' && o[i] != 0);
        free(o);
    }
}

/* ---- text -------------------------------------------------------------- */

static void test_text_cases(void **state)
{
    (void)state;
    static const rcase keep[] = {
        {"", 0, ""},
        {"SIP/2.0 200 OK\r\nVia: x\r\n", 0, "SIP/2.0 200 OK\nVia: x\n"},
        {"a\tb", 0, "a\tb"},
        {"\x1b[2J\x1b]0;title\x07", 0, "\\x1b[2J\\x1b]0;title\\x07"},
        {"\x9b" "31m", 0, "\\x9b31m"},                /* raw C1 CSI byte */
        {"\xc2\x9b" "31m", 0, "\\xc2\\x9b31m"},       /* C1 CSI as UTF-8 */
        {"\xc2\x80\xc2\x9f", 0, "\\xc2\\x80\\xc2\\x9f"},
        {"\xc2\xa0\xc2\xa9", 0, "\xc2\xa0\xc2\xa9"}, /* NBSP and (c) stay */
        {"\x7f\x08", 0, "\\x7f\\x08"},
        {"n\0l", 3, "n\\x00l"},
        {"\xd0\x9e\xd1\x88\xd0\xb8\xd0\xb1\xd0\xba\xd0\xb0 480", 0,
         "\xd0\x9e\xd1\x88\xd0\xb8\xd0\xb1\xd0\xba\xd0\xb0 480"},
        {"\xff\xfe", 0, "\\xff\\xfe"},
        {"\xc0\xaf", 0, "\\xc0\\xaf"},     /* overlong */
        {"\xed\xa0\x80", 0, "\\xed\\xa0\\x80"}, /* surrogate */
        {"\xe4\xb8", 0, "\\xe4\\xb8"},     /* truncated */
        {"\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80"},
        {"\\", 0, "\\"},
    };
    run_cases(w_text, 1, keep, SW_ARRAY_LEN(keep));
    static const rcase oneline[] = {
        {"a\r\nb", 0, "a\\x0d\\x0ab"},
        {"a\tb", 0, "a\tb"},
        {"\x1b", 0, "\\x1b"},
        {"\n", 0, "\\x0a"},
    };
    run_cases(w_text, 0, oneline, SW_ARRAY_LEN(oneline));
}

/* Whatever the bytes, no ESC, C0 (but TAB and, in keep mode, LF), DEL or C1
 * control reaches the output, raw or UTF-8 encoded. */
static void check_text_output(const unsigned char *o, size_t n, bool keep)
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = o[i];
        if (c == '\t' || (keep && c == '\n'))
            continue;
        assert_true(c >= 0x20 && c != 0x7F);
        if (c == 0xC2 && i + 1 < n)
            assert_true(o[i + 1] >= 0xA0);
        if (c >= 0x80 && c < 0xC0)
            assert_true(i > 0 && o[i - 1] >= 0x80); /* only as a continuation */
    }
    assert_true(valid_utf8(o, n));
}

static void test_text_exhaustive(void **state)
{
    (void)state;
    for (int keep = 0; keep < 2; keep++)
        for (unsigned a = 0; a < 256; a++)
            for (unsigned b = 0; b < 256; b++) {
                unsigned char in[3] = {(unsigned char)a, (unsigned char)b, 0x80};
                for (size_t n = 1; n <= 3; n++) {
                    size_t ol;
                    char *o = capture(w_text, (const char *)in, n, keep, &ol);
                    check_text_output((unsigned char *)o, ol, keep);
                    free(o);
                }
            }
}

static void test_wav(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    const int16_t l[3] = {1, -2, 0x1234}, r[1] = {-32768};
    const int16_t *ch[2] = {l, r};
    size_t len[2] = {3, 1};
    assert_int_equal(sw_render_wav(f, 8000, 2, ch, len, 3), 0);
    unsigned char b[64];
    rewind(f);
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    assert_int_equal(n, 44 + 12);
    assert_memory_equal(b, "RIFF", 4);
    assert_int_equal(b[4] | b[5] << 8, 36 + 12);
    assert_memory_equal(b + 8, "WAVEfmt ", 8);
    assert_int_equal(b[20], 1);                               /* PCM */
    assert_int_equal(b[22], 2);                               /* channels */
    assert_int_equal(b[24] | b[25] << 8, 8000);               /* rate */
    assert_int_equal(b[28] | b[29] << 8 | b[30] << 16, 32000); /* bytes a second */
    assert_int_equal(b[32], 4);                               /* block */
    assert_int_equal(b[34], 16);                              /* bits */
    assert_memory_equal(b + 36, "data", 4);
    assert_int_equal(b[40], 12);
    /* frames: (1, -32768) (-2, 0) (0x1234, 0), little-endian */
    static const unsigned char want[12] = {0x01, 0x00, 0x00, 0x80, 0xFE, 0xFF,
                                           0x00, 0x00, 0x34, 0x12, 0x00, 0x00};
    assert_memory_equal(b + 44, want, 12);
    assert_int_equal(sw_render_wav(stdout, 8000, 3, ch, len, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_cases),
        cmocka_unit_test(test_json_exhaustive),
        cmocka_unit_test(test_tsv_cases),
        cmocka_unit_test(test_text_cases),
        cmocka_unit_test(test_text_exhaustive),
        cmocka_unit_test(test_wav),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
