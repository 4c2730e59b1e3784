/*
 * render: escaping writers shared by every output format.
 *
 * UTF-8 is validated by hand (not with mbrtowc) so that output does not
 * depend on the user's locale, and so that overlong forms and surrogates are
 * rejected exactly as JSON consumers expect.
 */
#include "render.h"

/* Length of the valid UTF-8 sequence at p[0..n), or 0 when invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
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
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void sw_json_str(FILE *f, sw_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t n = s.len, i = 0, run = 0;
    putc('"', f);
    while (i < n) {
        unsigned c = p[i];
        /* DEL (0x7F) is a control character too: escaped below */
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            run++;
            i++;
            continue;
        }
        if (run) {
            fwrite(p + i - run, 1, run, f);
            run = 0;
        }
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc((int)c, f);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default: fprintf(f, "\\u%04x", c); break;
            }
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l) {
                fwrite(p + i, 1, l, f);
                i += l;
            } else {
                fputs("\\ufffd", f);
                i++;
            }
        }
    }
    if (run)
        fwrite(p + n - run, 1, run, f);
    putc('"', f);
}

void sw_json_cstr(FILE *f, const char *s) { sw_json_str(f, sw_str_cstr(s)); }

void sw_tsv_field(FILE *f, sw_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned c = p[i];
        if (c >= 0x20 && c != 0x7F && c != '\\') {
            run++;
            continue;
        }
        if (run) {
            fwrite(p + i - run, 1, run, f);
            run = 0;
        }
        switch (c) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default: fprintf(f, "\\x%02x", c); break;
        }
    }
    if (run)
        fwrite(p + s.len - run, 1, run, f);
}

void sw_text_safe(FILE *f, sw_str s, bool keep_newlines)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0, n = s.len;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F) {
            size_t j = i + 1;
            while (j < n && p[j] >= 0x20 && p[j] < 0x7F)
                j++;
            fwrite(p + i, 1, j - i, f);
            i = j;
            continue;
        }
        if (keep_newlines && (c == '\n' || c == '\r')) {
            if (c == '\n')
                putc('\n', f);
            i++;
            continue;
        }
        if (c == '\t') {
            putc('\t', f);
            i++;
            continue;
        }
        size_t l = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
        /* C1 controls (U+0080..U+009F) are encoded C2 80..C2 9F: terminals act on them. */
        if (l == 2 && c == 0xC2 && p[i + 1] < 0xA0)
            l = 0;
        if (l) {
            fwrite(p + i, 1, l, f);
            i += l;
        } else {
            fprintf(f, "\\x%02x", c);
            i++;
        }
    }
}
