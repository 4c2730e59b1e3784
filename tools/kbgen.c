/*
 * kbgen: compiles data/kb/responses.kb (the SIP response knowledge base) into
 * C tables, so sipwhy carries its knowledge inside the binary.
 *
 *   kbgen IN.kb OUT.c
 *
 * It runs on the build host during the build, reads one file and writes one;
 * the output is written to OUT.c.tmp and renamed, so a failed run never
 * leaves a half-written source behind. Every mistake in the data (unknown
 * key, missing Russian text, English and Russian lists of different lengths,
 * duplicate entries, bad codes, invalid UTF-8, a brief line over 60
 * characters) stops the build with "FILE:LINE: error: ...". The format is
 * described in docs/internals/kb.md; the tables' layout in src/kb/kb_data.h.
 *
 * Plain C17 and libc only: the build needs no interpreter. Memory is never
 * freed (the process is short-lived); allocation failure aborts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_CODE, K_VENDOR, K_VARIANT, K_CLASS };
enum { EN, RU, NLANG };
static const char *const lang_names[NLANG] = {"en", "ru"};

#define BRIEF_MAX 60 /* characters (code points) in a brief line */

typedef struct {
    char **v;
    size_t n, cap;
} list;

typedef struct {
    char *method;
    char *brief[NLANG];
    char *note[NLANG];
    int line;
} mnote;

typedef struct {
    int kind, code, line;
    bool historic;
    char *phrase, *key, *rfc;
    char *brief[NLANG], *meaning[NLANG], *note[NLANG];
    list causes[NLANG], checks[NLANG];
    mnote *m;
    size_t nm, capm;
    long base; /* index after sorting, or -1 */
} entry;

static const char *g_file;
static int g_errors;

static void err(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: error: ", g_file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    g_errors++;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "kbgen: out of memory\n");
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void list_push(list *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

/* Number of code points in valid UTF-8 s. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* True when s[0..len) is valid UTF-8 without control characters. */
static bool text_ok(int line, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            err(line, "control character 0x%02X in text", c);
            return false;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        if (n == 0 || i + n > len)
            goto bad;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                goto bad;
        unsigned c1 = (unsigned char)s[i + 1];
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
            (c == 0xF4 && c1 >= 0x90))
            goto bad;
        i += n;
    }
    return true;
bad:
    err(line, "invalid UTF-8 in text");
    return false;
}

/* Decodes the escapes \n and \\ of one piece of text; NULL (error reported)
 * on another escape or bad text. */
static char *decode(int line, const char *s, size_t len)
{
    if (!text_ok(line, s, len))
        return NULL;
    char *d = xrealloc(NULL, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            d[o++] = s[i];
            continue;
        }
        if (i + 1 < len && s[i + 1] == 'n') {
            d[o++] = '\n';
        } else if (i + 1 < len && s[i + 1] == '\\') {
            d[o++] = '\\';
        } else {
            err(line, "unknown escape (only \\n and \\\\ are allowed)");
            free(d);
            return NULL;
        }
        i++;
    }
    d[o] = '\0';
    return d;
}

/* Lower-cases ASCII letters and collapses white space: the matching key. */
static char *normalise(const char *s)
{
    char *d = xrealloc(NULL, strlen(s) + 1);
    size_t o = 0;
    bool space = false;
    for (; *s; s++) {
        char c = *s;
        if (c == ' ' || c == '\t') {
            space = o > 0;
            continue;
        }
        if (space)
            d[o++] = ' ';
        space = false;
        d[o++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    d[o] = '\0';
    return d;
}

static char *join(char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    a = xrealloc(a, la + 1 + lb + 1);
    a[la] = ' ';
    memcpy(a + la + 1, b, lb + 1);
    return a;
}

static bool parse_code(const char *s, size_t len, int *out)
{
    if (len != 3)
        return false;
    int v = 0;
    for (size_t i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 100 || v > 699)
        return false;
    *out = v;
    return true;
}

/* ---- reading ---------------------------------------------------------- */

static entry *g_ent;
static size_t g_n, g_cap;

static entry *new_entry(int kind, int code, int line)
{
    if (g_n == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 64;
        g_ent = xrealloc(g_ent, g_cap * sizeof *g_ent);
    }
    entry *e = &g_ent[g_n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->code = code;
    e->line = line;
    e->base = -1;
    return e;
}

static mnote *get_mnote(entry *e, const char *method, size_t len, int line)
{
    for (size_t i = 0; i < e->nm; i++)
        if (strlen(e->m[i].method) == len && memcmp(e->m[i].method, method, len) == 0)
            return &e->m[i];
    if (e->nm == e->capm) {
        e->capm = e->capm ? e->capm * 2 : 4;
        e->m = xrealloc(e->m, e->capm * sizeof *e->m);
    }
    mnote *m = &e->m[e->nm++];
    memset(m, 0, sizeof *m);
    m->method = xstrndup(method, len);
    m->line = line;
    return m;
}

/* Header line: "code 481", "class 4xx", "vendor 403 Wrong Guess",
 * "variant 481 Call Leg/Transaction Does Not Exist". */
static entry *parse_header(const char *s, size_t len, int line)
{
    const char *sp = memchr(s, ' ', len);
    if (!sp) {
        err(line, "expected 'code N', 'class Nxx', 'vendor N PHRASE' or 'variant N PHRASE'");
        return NULL;
    }
    size_t wl = (size_t)(sp - s);
    const char *arg = sp + 1;
    size_t al = len - wl - 1;
    int code;
    if (wl == 5 && memcmp(s, "class", 5) == 0) {
        if (al != 3 || arg[0] < '1' || arg[0] > '6' || memcmp(arg + 1, "xx", 2) != 0) {
            err(line, "class must be 1xx..6xx");
            return NULL;
        }
        entry *e = new_entry(K_CLASS, (arg[0] - '0') * 100, line);
        e->phrase = xstrndup(arg, 3);
        e->rfc = xstrndup("RFC 3261", 8);
        return e;
    }
    if (wl == 4 && memcmp(s, "code", 4) == 0) {
        if (!parse_code(arg, al, &code)) {
            err(line, "bad response code (expected 100..699)");
            return NULL;
        }
        return new_entry(K_CODE, code, line);
    }
    int kind = (wl == 6 && memcmp(s, "vendor", 6) == 0)    ? K_VENDOR
               : (wl == 7 && memcmp(s, "variant", 7) == 0) ? K_VARIANT
                                                           : -1;
    if (kind < 0) {
        err(line, "unknown entry type '%.*s'", (int)wl, s);
        return NULL;
    }
    if (al < 5 || arg[3] != ' ' || !parse_code(arg, 3, &code)) {
        err(line, "expected a code (100..699) and a phrase");
        return NULL;
    }
    char *phrase = decode(line, arg + 4, al - 4);
    if (!phrase)
        return NULL;
    if (phrase[0] == ' ' || phrase[strlen(phrase) - 1] == ' ') {
        err(line, "phrase has leading or trailing space");
        return NULL;
    }
    entry *e = new_entry(kind, code, line);
    e->phrase = phrase;
    return e;
}

/* Sets *slot to v, or reports a duplicate key. */
static char **set_once(char **slot, char *v, int line, const char *key)
{
    if (*slot) {
        err(line, "duplicate key '%s'", key);
        return NULL;
    }
    *slot = v;
    return slot;
}

/* One "key: value" line of entry e; returns where continuation lines go. */
static char **parse_field(entry *e, const char *s, size_t len, int line)
{
    const char *colon = memchr(s, ':', len);
    if (!colon || colon + 1 >= s + len || colon[1] != ' ') {
        err(line, "expected 'key: value'");
        return NULL;
    }
    char key[64];
    size_t kl = (size_t)(colon - s);
    if (kl >= sizeof key) {
        err(line, "key too long");
        return NULL;
    }
    memcpy(key, s, kl);
    key[kl] = '\0';
    const char *vs = colon + 2;
    size_t vl = len - kl - 2;
    while (vl && (vs[vl - 1] == ' ' || vs[vl - 1] == '\t'))
        vl--;
    if (vl == 0) {
        err(line, "empty value for '%s'", key);
        return NULL;
    }
    char *v = decode(line, vs, vl);
    if (!v)
        return NULL;

    if (strcmp(key, "phrase") == 0) {
        if (e->kind != K_CODE) {
            err(line,
                "'phrase' belongs to code entries (vendor and variant phrases are in the header)");
            return NULL;
        }
        return set_once(&e->phrase, v, line, key);
    }
    if (strcmp(key, "rfc") == 0) {
        if (e->kind != K_CODE) {
            err(line, "'rfc' belongs to code entries");
            return NULL;
        }
        return set_once(&e->rfc, v, line, key);
    }
    if (strcmp(key, "historic") == 0) {
        if (e->kind != K_CODE || strcmp(v, "yes") != 0) {
            err(line, "'historic: yes' is for code entries only");
            return NULL;
        }
        e->historic = true;
        return NULL;
    }

    /* field[@METHOD].lang */
    char *dot = strrchr(key, '.');
    int lang = -1;
    if (dot) {
        for (int i = 0; i < NLANG; i++)
            if (strcmp(dot + 1, lang_names[i]) == 0)
                lang = i;
    }
    if (lang < 0) {
        err(line, "unknown key '%s' (fields end in .en or .ru)", key);
        return NULL;
    }
    *dot = '\0';
    char *at = strchr(key, '@');
    if (at) {
        *at = '\0';
        const char *method = at + 1;
        size_t ml = strlen(method);
        bool ok = ml > 0 && ml < 20;
        for (size_t i = 0; i < ml; i++)
            ok = ok && ((method[i] >= 'A' && method[i] <= 'Z') || (i > 0 && method[i] == '-'));
        if (!ok) {
            err(line, "method must be upper-case letters: '%s'", method);
            return NULL;
        }
        if (e->kind == K_VARIANT) {
            err(line, "variant entries take only note.en/note.ru (the rest is the code's)");
            return NULL;
        }
        mnote *m = get_mnote(e, method, ml, line);
        if (strcmp(key, "brief") == 0)
            return set_once(&m->brief[lang], v, line, "brief@METHOD");
        if (strcmp(key, "note") == 0)
            return set_once(&m->note[lang], v, line, "note@METHOD");
        err(line, "only brief@METHOD and note@METHOD are per method");
        return NULL;
    }
    if (e->kind == K_VARIANT && strcmp(key, "note") != 0) {
        err(line, "variant entries take only note.en/note.ru (the rest is the code's)");
        return NULL;
    }
    if (strcmp(key, "brief") == 0)
        return set_once(&e->brief[lang], v, line, "brief");
    if (strcmp(key, "meaning") == 0)
        return set_once(&e->meaning[lang], v, line, "meaning");
    if (strcmp(key, "note") == 0) {
        if (e->kind != K_VARIANT) {
            err(line, "'note' is for variant entries (use note@METHOD for method notes)");
            return NULL;
        }
        return set_once(&e->note[lang], v, line, "note");
    }
    list *l = strcmp(key, "cause") == 0   ? &e->causes[lang]
              : strcmp(key, "check") == 0 ? &e->checks[lang]
                                          : NULL;
    if (!l) {
        err(line, "unknown key '%s.%s'", key, lang_names[lang]);
        return NULL;
    }
    list_push(l, v);
    return &l->v[l->n - 1];
}

static int read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: error: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 262144;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: error: read failed\n", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[len] = '\0';

    entry *cur = NULL;
    char **last = NULL; /* value that a continuation line extends */
    int line = 0;
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        const char *s = buf + pos;
        pos += ll + (nl ? 1 : 0);
        line++;
        if (ll && s[ll - 1] == '\r') {
            err(line, "CR in line (use LF line ends)");
            continue;
        }
        if (ll == 0 || s[0] == '#') {
            last = NULL;
            continue;
        }
        if (s[0] == ' ' || s[0] == '\t') {
            size_t i = 0;
            while (i < ll && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i == ll) {
                err(line, "line of only white space");
                continue;
            }
            if (!last || !*last) {
                err(line, "continuation line without a value to continue");
                continue;
            }
            size_t end = ll;
            while (s[end - 1] == ' ' || s[end - 1] == '\t')
                end--;
            char *piece = decode(line, s + i, end - i);
            if (piece)
                *last = join(*last, piece);
            continue;
        }
        if (strncmp(s, "code ", 5) == 0 || strncmp(s, "class ", 6) == 0 ||
            strncmp(s, "vendor ", 7) == 0 || strncmp(s, "variant ", 8) == 0) {
            cur = parse_header(s, ll, line);
            last = NULL;
            continue;
        }
        if (!cur) {
            err(line, "field outside an entry");
            last = NULL;
            continue;
        }
        last = parse_field(cur, s, ll, line);
    }
    free(buf);
    return 0;
}

/* ---- checking --------------------------------------------------------- */

static void need(const entry *e, char *const v[NLANG], const char *what)
{
    for (int l = 0; l < NLANG; l++)
        if (!v[l])
            err(e->line, "%s %d %s: missing %s.%s", e->kind == K_CLASS ? "class" : "entry", e->code,
                e->phrase ? e->phrase : "", what, lang_names[l]);
}

static void check_brief(const entry *e, const char *b)
{
    if (b && utf8_chars(b) > BRIEF_MAX)
        err(e->line, "%d %s: brief longer than %d characters: '%s'", e->code,
            e->phrase ? e->phrase : "", BRIEF_MAX, b);
    if (b && strchr(b, '\n'))
        err(e->line, "%d: brief must be one line", e->code);
}

static void check_entry(entry *e)
{
    if (e->kind == K_CODE) {
        if (!e->phrase)
            err(e->line, "code %d: missing phrase", e->code);
        if (!e->rfc)
            err(e->line, "code %d: missing rfc", e->code);
    }
    if (e->phrase)
        e->key = normalise(e->phrase);
    if (e->kind == K_VARIANT) {
        need(e, e->note, "note");
        return;
    }
    need(e, e->brief, "brief");
    need(e, e->meaning, "meaning");
    for (int l = 0; l < NLANG; l++)
        check_brief(e, e->brief[l]);
    if (e->causes[EN].n == 0 || e->causes[EN].n != e->causes[RU].n)
        err(e->line,
            "%d %s: needs cause.en and cause.ru lists of the same length (>= 1), has %zu and %zu",
            e->code, e->phrase ? e->phrase : "", e->causes[EN].n, e->causes[RU].n);
    if (e->checks[EN].n == 0 || e->checks[EN].n != e->checks[RU].n)
        err(e->line,
            "%d %s: needs check.en and check.ru lists of the same length (>= 1), has %zu and %zu",
            e->code, e->phrase ? e->phrase : "", e->checks[EN].n, e->checks[RU].n);
    if (e->causes[EN].n > 255 || e->checks[EN].n > 255 || e->nm > 255)
        err(e->line, "%d: too many list items", e->code);
    for (size_t i = 0; i < e->nm; i++) {
        mnote *m = &e->m[i];
        for (int l = 0; l < NLANG; l++) {
            if (!m->note[l])
                err(m->line, "%d %s: method %s: missing note@%s.%s", e->code,
                    e->phrase ? e->phrase : "", m->method, m->method, lang_names[l]);
            check_brief(e, m->brief[l]);
        }
        if (!m->brief[EN] != !m->brief[RU])
            err(m->line, "%d: method %s: brief@%s needs both .en and .ru", e->code, m->method,
                m->method);
    }
}

static int order(const entry *a, const entry *b)
{
    int ca = a->kind == K_CLASS ? 0 : 1, cb = b->kind == K_CLASS ? 0 : 1;
    if (ca != cb)
        return ca - cb;
    if (a->code != b->code)
        return a->code - b->code;
    int pa = a->kind == K_CODE ? 0 : 1, pb = b->kind == K_CODE ? 0 : 1;
    if (pa != pb)
        return pa - pb;
    return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

static int cmp_entry(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    int r = order(a, b);
    return r ? r : a->line - b->line;
}

static int cmp_mnote(const void *x, const void *y)
{
    return strcmp(((const mnote *)x)->method, ((const mnote *)y)->method);
}

static void link_and_check(void)
{
    for (size_t i = 0; i < g_n; i++)
        check_entry(&g_ent[i]);
    if (g_errors)
        return;
    qsort(g_ent, g_n, sizeof *g_ent, cmp_entry);
    long cls[7] = {-1, -1, -1, -1, -1, -1, -1};
    long code_at[700];
    for (int c = 0; c < 700; c++)
        code_at[c] = -1;
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        qsort(e->m, e->nm, sizeof *e->m, cmp_mnote);
        for (size_t k = 1; k < e->nm; k++)
            if (strcmp(e->m[k].method, e->m[k - 1].method) == 0)
                err(e->m[k].line, "duplicate method %s", e->m[k].method);
        if (i > 0 && order(&g_ent[i - 1], e) == 0)
            err(e->line, "duplicate entry (first at line %d)", g_ent[i - 1].line);
        if (e->kind == K_CLASS)
            cls[e->code / 100] = (long)i;
        else if (e->kind == K_CODE)
            code_at[e->code] = (long)i;
    }
    for (int c = 1; c <= 6; c++)
        if (cls[c] < 0)
            err(1, "missing class %dxx", c);
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        if (e->kind == K_CLASS)
            continue;
        if (e->kind == K_CODE) {
            e->base = cls[e->code / 100];
            continue;
        }
        long b = code_at[e->code];
        if (b >= 0 && strcmp(g_ent[b].key, e->key) == 0)
            err(e->line, "'%d %s' is the code's standard phrase, not a %s", e->code, e->phrase,
                e->kind == K_VENDOR ? "vendor phrase" : "variant");
        if (e->kind == K_VARIANT && b < 0)
            err(e->line, "variant of %d, which has no code entry", e->code);
        e->base = b >= 0 ? b : cls[e->code / 100];
        if (e->kind == K_VENDOR && e->base >= 0)
            e->rfc = g_ent[e->base].kind == K_CODE ? g_ent[e->base].rfc : NULL;
    }
    /* A variant shares its code's explanation. */
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        if (e->kind != K_VARIANT || e->base < 0)
            continue;
        const entry *b = &g_ent[e->base];
        e->rfc = b->rfc;
        for (int l = 0; l < NLANG; l++) {
            e->brief[l] = b->brief[l];
            e->meaning[l] = b->meaning[l];
        }
    }
}

/* ---- writing ---------------------------------------------------------- */

static void cstr(FILE *f, const char *s)
{
    if (!s) {
        fputs("NULL", f);
        return;
    }
    fputc('"', f);
    /* One literal per string, never split: clang warns about implicit
     * concatenation inside array initialisers. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p >= 0x7F)
            fprintf(f, "\\%03o", *p); /* 3 digits: never runs on */
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void pair(FILE *f, char *const v[NLANG])
{
    fputs("{", f);
    for (int l = 0; l < NLANG; l++) {
        if (l)
            fputs(", ", f);
        cstr(f, v[l]);
    }
    fputs("}", f);
}

/* Index of the entry whose lists/methods e uses (a variant uses its base's). */
static size_t owner(size_t i) { return g_ent[i].kind == K_VARIANT ? (size_t)g_ent[i].base : i; }

static int write_c(FILE *f, const char *in)
{
    fprintf(f, "/* Generated by tools/kbgen.c from %s. Do not edit: edit the data. */\n", in);
    fputs("#include \"kb/kb_data.h\"\n\n", f);
    static const char *kinds[] = {"SW_KB_CODE", "SW_KB_VENDOR", "SW_KB_VARIANT", "SW_KB_CLASS"};
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        if (e->kind == K_VARIANT)
            continue;
        for (int l = 0; l < NLANG; l++) {
            const list *ls[2] = {&e->causes[l], &e->checks[l]};
            for (int k = 0; k < 2; k++) {
                fprintf(f, "static const char *const %s%zu_%s[] = {\n", k ? "chk" : "cau", i,
                        lang_names[l]);
                for (size_t j = 0; j < ls[k]->n; j++) {
                    fputs("    ", f);
                    cstr(f, ls[k]->v[j]);
                    fputs(",\n", f);
                }
                fputs("};\n", f);
            }
        }
        if (e->nm) {
            fprintf(f, "static const sw_kb_method_note mth%zu[] = {\n", i);
            for (size_t j = 0; j < e->nm; j++) {
                fputs("    {", f);
                cstr(f, e->m[j].method);
                fputs(",\n     ", f);
                pair(f, e->m[j].brief);
                fputs(",\n     ", f);
                pair(f, e->m[j].note);
                fputs("},\n", f);
            }
            fputs("};\n", f);
        }
    }
    fprintf(f, "\nconst size_t sw_kb_n_entries_ = %zu;\n", g_n);
    fprintf(f, "const sw_kb_entry sw_kb_entries_[%zu] = {\n", g_n);
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        size_t o = owner(i);
        const entry *oe = &g_ent[o];
        fprintf(f, "    [%zu] = {.code = %d, .kind = %s, .historic = %s,\n", i, e->code,
                kinds[e->kind], e->historic ? "true" : "false");
        fputs("     .phrase = ", f);
        cstr(f, e->phrase);
        fputs(", .rfc = ", f);
        cstr(f, e->rfc);
        fputs(",\n     .brief = ", f);
        pair(f, e->brief);
        fputs(",\n     .meaning = ", f);
        pair(f, e->meaning);
        fputs(",\n     .note = ", f);
        pair(f, e->note);
        fprintf(f, ",\n     .causes = {cau%zu_en, cau%zu_ru}, .checks = {chk%zu_en, chk%zu_ru},\n",
                o, o, o, o);
        if (oe->nm)
            fprintf(f, "     .methods = mth%zu,", o);
        else
            fputs("     .methods = NULL,", f);
        fprintf(f, " .n_causes = %zu, .n_checks = %zu, .n_methods = %zu,\n", oe->causes[EN].n,
                oe->checks[EN].n, oe->nm);
        if (e->base >= 0)
            fprintf(f, "     .base = &sw_kb_entries_[%ld]},\n", e->base);
        else
            fputs("     .base = NULL},\n", f);
    }
    fputs("};\n\nconst char *const sw_kb_keys_[] = {\n", f);
    for (size_t i = 0; i < g_n; i++) {
        fputs("    ", f);
        cstr(f, g_ent[i].kind == K_CLASS ? "" : g_ent[i].key);
        fputs(",\n", f);
    }
    fputs("};\n\n", f);

    int code_index[600];
    unsigned first[600], count[600];
    for (int c = 0; c < 600; c++) {
        code_index[c] = -1;
        first[c] = 0;
        count[c] = 0;
    }
    for (size_t i = 0; i < g_n; i++) {
        entry *e = &g_ent[i];
        if (e->kind == K_CLASS)
            continue;
        int c = e->code - 100;
        if (e->kind == K_CODE) {
            code_index[c] = (int)i;
        } else {
            if (count[c] == 0)
                first[c] = (unsigned)i;
            count[c]++;
        }
    }
    if (g_n > 32767) {
        fprintf(stderr, "kbgen: too many entries\n");
        return -1;
    }
    for (int c = 0; c < 600; c++)
        if (count[c] > 255) {
            fprintf(stderr, "kbgen: more than 255 phrases for code %d\n", c + 100);
            return -1;
        }
    fputs("const int16_t sw_kb_code_index_[SW_KB_NCODES] = {", f);
    for (int c = 0; c < 600; c++)
        fprintf(f, "%s%d,", c % 16 ? " " : "\n    ", code_index[c]);
    fputs("\n};\n\nconst uint16_t sw_kb_phrase_first_[SW_KB_NCODES] = {", f);
    for (int c = 0; c < 600; c++)
        fprintf(f, "%s%u,", c % 16 ? " " : "\n    ", first[c]);
    fputs("\n};\n\nconst uint8_t sw_kb_phrase_count_[SW_KB_NCODES] = {", f);
    for (int c = 0; c < 600; c++)
        fprintf(f, "%s%u,", c % 16 ? " " : "\n    ", count[c]);
    fputs("\n};\n", f);
    return ferror(f) ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: kbgen IN.kb OUT.c\n");
        return 2;
    }
    g_file = argv[1];
    if (read_file(argv[1]) < 0)
        return 1;
    if (!g_errors)
        link_and_check();
    if (g_errors) {
        fprintf(stderr, "%s: %d error%s; nothing written\n", g_file, g_errors,
                g_errors == 1 ? "" : "s");
        return 1;
    }
    size_t tl = strlen(argv[2]) + 5;
    char *tmp = xrealloc(NULL, tl);
    snprintf(tmp, tl, "%s.tmp", argv[2]);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "%s: error: %s\n", tmp, strerror(errno));
        return 1;
    }
    int rc = write_c(f, argv[1]);
    if (fclose(f) != 0 || rc < 0 || rename(tmp, argv[2]) != 0) {
        fprintf(stderr, "%s: error: cannot write %s\n", tmp, argv[2]);
        remove(tmp);
        return 1;
    }
    return 0;
}
