/*
 * cmd_explain: `sipwhy explain` — what a SIP response code or reason phrase
 * means, why it is usually sent and what to check next, in English or
 * Russian, as text or JSON. All knowledge comes from src/kb (compiled from
 * data/kb/responses.kb); this file only parses the argument and lays out the
 * answer.
 *
 *   sipwhy explain 481
 *   sipwhy explain 'SIP/2.0 403 Wrong Guess'
 *   sipwhy explain 403 Wrong Guess --method REGISTER --lang ru
 *   sipwhy explain --list --format json
 *
 * Matching order: the exact vendor/variant phrase of that code (ASCII case
 * and runs of spaces ignored), then the code, then for an unregistered code
 * its class (RFC 3261 section 21: handled like x00).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kb/kb.h"
#include "render/render.h"

#define ARG_MAX_LEN 1024 /* joined argument words; a status line is far shorter */
#define WRAP_WIDTH 78

_Static_assert((int)SW_KB_EN == (int)SW_LANG_EN && (int)SW_KB_RU == (int)SW_LANG_RU,
               "sw_kb_lang must mirror sw_lang");

/* ---- messages in both languages --------------------------------------- */

enum {
    T_MEANING,
    T_CAUSES,
    T_CHECKS,
    T_BY_METHOD,
    T_ANSWER_TO,
    T_NO_METHOD_NOTE,
    T_VENDOR,
    T_VARIANT_OF,
    T_HISTORIC,
    T_UNREGISTERED,
    T_ABOUT_CODE,
    T_PHRASE_UNKNOWN_A,
    T_PHRASE_UNKNOWN_B,
    T_SEE_PHRASES,
    T_CLASS,
    T_COUNT
};

static const char *const texts[T_COUNT][SW_KB_NLANG] = {
    [T_MEANING] = {"Meaning", "Значение"},
    [T_CAUSES] = {"Common causes", "Частые причины"},
    [T_CHECKS] = {"What to check", "Что проверить"},
    [T_BY_METHOD] = {"Depending on the request it answered",
                     "В зависимости от запроса, на который пришёл ответ"},
    [T_ANSWER_TO] = {"As the answer to %s", "В ответ на %s"},
    [T_NO_METHOD_NOTE] = {"Nothing specific to %s is known; the general explanation applies.",
                          "Для %s особых замечаний нет; действует общее объяснение."},
    [T_VENDOR] = {"vendor/carrier phrase", "фраза производителя или оператора"},
    [T_VARIANT_OF] = {"another spelling of", "другое написание фразы"},
    [T_HISTORIC] = {"historic code, no longer in the IANA registry",
                    "устаревший код, в реестре IANA его больше нет"},
    [T_UNREGISTERED] = {"%d is not a registered code: RFC 3261 section 21 says to treat an unknown "
                        "code like %d00, so this is the meaning of its class.",
                        "Код %d не зарегистрирован: по разделу 21 RFC 3261 неизвестный код "
                        "обрабатывается как %d00, поэтому ниже описан его класс."},
    [T_ABOUT_CODE] = {"About the code itself", "О самом коде"},
    /* The unknown phrase (user input) goes between _A and _B. */
    [T_PHRASE_UNKNOWN_A] = {"The phrase \"", "Фразы \""},
    [T_PHRASE_UNKNOWN_B] = {"\" is not in the knowledge base; the code decides what the response "
                            "means.",
                            "\" нет в базе знаний; смысл ответа определяет код."},
    [T_SEE_PHRASES] = {"Phrases known for %d", "Известные фразы для %d"},
    [T_CLASS] = {"class", "класс"},
};

static sw_kb_lang g_lang;
static bool g_color;

static const char *tr(int id) { return texts[id][g_lang]; }

/* ---- text layout ------------------------------------------------------ */

/* Display width of UTF-8 bytes: one column per code point (the texts are
 * Latin and Cyrillic, no wide or combining characters). */
static size_t columns(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* Writes text word-wrapped to WRAP_WIDTH: the first line after `first`
 * (already counted as first_cols columns), the rest indented by `indent`
 * spaces. '\n' in text forces a break. */
static void wrap(FILE *f, const char *text, size_t first_cols, size_t indent)
{
    size_t col = first_cols;
    bool line_empty = true;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
            line_empty = true;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t n = strcspn(p, " \n");
        size_t w = columns(p, n);
        if (!line_empty && col + 1 + w > WRAP_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
            line_empty = true;
        }
        if (!line_empty) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, n, f);
        col += w;
        line_empty = false;
        p += n;
    }
    fputc('\n', f);
}

static void heading(FILE *f, const char *s)
{
    if (g_color)
        fprintf(f, "\033[1m%s:\033[0m\n", s);
    else
        fprintf(f, "%s:\n", s);
}

static void paragraph(FILE *f, const char *s)
{
    fputs("  ", f);
    wrap(f, s, 2, 2);
}

static void bullets(FILE *f, const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fputs("  - ", f);
        wrap(f, items[i], 4, 4);
    }
}

/* The phrase entries of code, in table order. */
static void phrase_entries(int code, const sw_kb_entry **first, size_t *n)
{
    size_t all;
    const sw_kb_entry *e = sw_kb_all(&all);
    *first = NULL;
    *n = 0;
    for (size_t i = 0; i < all; i++) {
        if (e[i].code != code || (e[i].kind != SW_KB_VENDOR && e[i].kind != SW_KB_VARIANT))
            continue;
        if (!*first)
            *first = &e[i];
        (*n)++;
    }
}

/* ---- the answer ------------------------------------------------------- */

typedef struct {
    int code;
    sw_str phrase; /* as typed (trimmed), maybe empty */
    sw_str method; /* --method, maybe empty */
    const sw_kb_entry *e;
    sw_kb_match how;
} query;

/* The entry whose method notes apply: a vendor entry's own, else its code's. */
static const sw_kb_entry *notes_owner(const sw_kb_entry *e)
{
    if (e->kind == SW_KB_VENDOR && e->n_methods == 0 && e->base && e->base->kind == SW_KB_CODE)
        return e->base;
    return e;
}

static void text_title(FILE *f, const query *q)
{
    const sw_kb_entry *e = q->e;
    if (g_color)
        fputs("\033[1m", f);
    if (q->how == SW_KB_MATCH_CLASS) {
        fprintf(f, "%d", q->code);
        if (q->phrase.len) {
            fputc(' ', f);
            sw_text_safe(f, q->phrase, false);
        }
        fprintf(f, " (%s %s, %s)", tr(T_CLASS), e->phrase, e->rfc);
    } else if (e->kind == SW_KB_CODE) {
        fprintf(f, "%d %s (%s%s%s)", e->code, e->phrase, e->rfc, e->historic ? "; " : "",
                e->historic ? tr(T_HISTORIC) : "");
    } else {
        fprintf(f, "%d %s", e->code, e->phrase);
        if (e->kind == SW_KB_VENDOR)
            fprintf(f, " (%s)", tr(T_VENDOR));
        else
            fprintf(f, " (%s \"%d %s\", %s)", tr(T_VARIANT_OF), e->base->code, e->base->phrase,
                    e->rfc);
    }
    if (g_color)
        fputs("\033[0m", f);
    fputc('\n', f);
    wrap(f, sw_kb_brief(q->code, q->phrase, q->method, g_lang), 0, 0);
}

static void text_method_notes(FILE *f, const query *q)
{
    const sw_kb_entry *o = notes_owner(q->e);
    if (q->method.len) {
        const sw_kb_method_note *n = sw_kb_method(q->e, q->method);
        char label[128];
        char m[40];
        snprintf(m, sizeof m, "%.*s", (int)SW_MIN(q->method.len, sizeof m - 1), q->method.p);
        for (char *c = m; *c; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 32);
        snprintf(label, sizeof label, tr(T_ANSWER_TO), m);
        heading(f, label);
        if (n) {
            paragraph(f, sw_kb_text(n->text, g_lang));
        } else {
            char msg[256];
            snprintf(msg, sizeof msg, tr(T_NO_METHOD_NOTE), m);
            paragraph(f, msg);
        }
        return;
    }
    if (o->n_methods == 0)
        return;
    fputc('\n', f);
    heading(f, tr(T_BY_METHOD));
    for (size_t i = 0; i < o->n_methods; i++) {
        const sw_kb_method_note *n = &o->methods[i];
        fprintf(f, "  %s: ", n->method);
        wrap(f, sw_kb_text(n->text, g_lang), 4 + strlen(n->method), 4);
    }
}

static void text_phrase_list(FILE *f, int code)
{
    const sw_kb_entry *p;
    size_t n;
    phrase_entries(code, &p, &n);
    if (n == 0)
        return;
    char label[128];
    snprintf(label, sizeof label, tr(T_SEE_PHRASES), code);
    fputc('\n', f);
    heading(f, label);
    for (size_t i = 0; i < n; i++) {
        /* A variant's brief is its code's: its note says more here. */
        const char *what = p[i].kind == SW_KB_VARIANT ? sw_kb_text(p[i].note, g_lang)
                                                      : sw_kb_text(p[i].brief, g_lang);
        fprintf(f, "  %d %s — ", code, p[i].phrase);
        wrap(f, what, 6 + columns(p[i].phrase, strlen(p[i].phrase)) + 3, 6);
    }
}

static void print_text(FILE *f, const query *q)
{
    const sw_kb_entry *e = q->e;
    text_title(f, q);
    if (q->how == SW_KB_MATCH_CLASS) {
        char msg[512];
        snprintf(msg, sizeof msg, tr(T_UNREGISTERED), q->code, q->code / 100);
        wrap(f, msg, 0, 0);
    }
    if (q->how == SW_KB_MATCH_CODE && q->phrase.len &&
        !sw_kb_is_standard_phrase(q->code, q->phrase)) {
        /* The phrase is user input: it goes through the terminal-safe writer. */
        const char *a = tr(T_PHRASE_UNKNOWN_A);
        fputs(a, f);
        sw_text_safe(f, q->phrase, false);
        wrap(f, tr(T_PHRASE_UNKNOWN_B), columns(a, strlen(a)) + columns(q->phrase.p, q->phrase.len),
             0);
    }
    if (e->kind == SW_KB_VARIANT) {
        fputc('\n', f);
        wrap(f, sw_kb_text(e->note, g_lang), 0, 0);
    }
    fputc('\n', f);
    heading(f, tr(T_MEANING));
    paragraph(f, sw_kb_text(e->meaning, g_lang));
    fputc('\n', f);
    heading(f, tr(T_CAUSES));
    bullets(f, e->causes[g_lang], e->n_causes);
    fputc('\n', f);
    heading(f, tr(T_CHECKS));
    bullets(f, e->checks[g_lang], e->n_checks);
    /* A vendor phrase's method notes are usually its code's: say what the
     * code means first. */
    if (e->kind == SW_KB_VENDOR && e->base) {
        const sw_kb_entry *b = e->base;
        char label[160];
        if (b->kind == SW_KB_CODE)
            snprintf(label, sizeof label, "%s (%d %s, %s)", tr(T_ABOUT_CODE), b->code, b->phrase,
                     b->rfc);
        else
            snprintf(label, sizeof label, "%s (%s %s)", tr(T_ABOUT_CODE), tr(T_CLASS), b->phrase);
        fputc('\n', f);
        heading(f, label);
        paragraph(f, sw_kb_text(b->meaning, g_lang));
    }
    if (q->method.len)
        fputc('\n', f);
    text_method_notes(f, q);
    if (e->kind == SW_KB_CODE || e->kind == SW_KB_CLASS)
        text_phrase_list(f, q->code);
}

/* ---- JSON ------------------------------------------------------------- */

static const char *kind_name(int kind)
{
    switch (kind) {
    case SW_KB_CODE:
        return "code";
    case SW_KB_VENDOR:
        return "vendor";
    case SW_KB_VARIANT:
        return "variant";
    default:
        return "class";
    }
}

static void json_key(FILE *f, const char *k, bool *first)
{
    fputs(*first ? "{" : ",", f);
    *first = false;
    sw_json_cstr(f, k);
    fputc(':', f);
}

static void json_list(FILE *f, const char *const *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        sw_json_cstr(f, v[i]);
    }
    fputc(']', f);
}

static void json_opt(FILE *f, const char *s)
{
    if (s)
        sw_json_cstr(f, s);
    else
        fputs("null", f);
}

static void json_method_note(FILE *f, const sw_kb_method_note *n)
{
    bool first = true;
    json_key(f, "method", &first);
    sw_json_cstr(f, n->method);
    json_key(f, "brief", &first);
    json_opt(f, n->brief[0] ? sw_kb_text(n->brief, g_lang) : NULL);
    json_key(f, "note", &first);
    sw_json_cstr(f, sw_kb_text(n->text, g_lang));
    fputc('}', f);
}

static void print_json(FILE *f, const query *q, sw_str input)
{
    const sw_kb_entry *e = q->e;
    const sw_kb_entry *code_e = sw_kb_code(q->code);
    static const char *const match_names[] = {"none", "phrase", "code", "class"};
    bool first = true;
    json_key(f, "input", &first);
    sw_json_str(f, input);
    json_key(f, "lang", &first);
    sw_json_cstr(f, g_lang == SW_KB_RU ? "ru" : "en");
    json_key(f, "code", &first);
    fprintf(f, "%d", q->code);
    json_key(f, "phrase", &first);
    if (q->phrase.len)
        sw_json_str(f, q->phrase);
    else
        json_opt(f, code_e ? code_e->phrase : NULL);
    json_key(f, "match", &first);
    sw_json_cstr(f, match_names[q->how]);
    json_key(f, "kind", &first);
    sw_json_cstr(f, kind_name(e->kind));
    json_key(f, "vendor", &first);
    fputs(e->kind == SW_KB_VENDOR ? "true" : "false", f);
    json_key(f, "historic", &first);
    fputs(e->historic ? "true" : "false", f);
    json_key(f, "registered", &first);
    fputs(code_e && !code_e->historic ? "true" : "false", f);
    json_key(f, "standard_phrase", &first);
    json_opt(f, code_e ? code_e->phrase : NULL);
    json_key(f, "rfc", &first);
    json_opt(f, e->rfc);
    json_key(f, "brief", &first);
    sw_json_cstr(f, sw_kb_brief(q->code, q->phrase, q->method, g_lang));
    json_key(f, "meaning", &first);
    sw_json_cstr(f, sw_kb_text(e->meaning, g_lang));
    json_key(f, "note", &first);
    json_opt(f, e->note[0] ? sw_kb_text(e->note, g_lang) : NULL);
    json_key(f, "causes", &first);
    json_list(f, e->causes[g_lang], e->n_causes);
    json_key(f, "checks", &first);
    json_list(f, e->checks[g_lang], e->n_checks);
    json_key(f, "method", &first);
    if (q->method.len)
        sw_json_str(f, q->method);
    else
        fputs("null", f);
    json_key(f, "method_note", &first);
    const sw_kb_method_note *mn = sw_kb_method(e, q->method);
    if (mn)
        json_method_note(f, mn);
    else
        fputs("null", f);
    json_key(f, "method_notes", &first);
    const sw_kb_entry *o = notes_owner(e);
    fputc('[', f);
    for (size_t i = 0; i < o->n_methods; i++) {
        if (i)
            fputc(',', f);
        json_method_note(f, &o->methods[i]);
    }
    fputc(']', f);
    json_key(f, "base", &first);
    if (e->kind != SW_KB_CODE && e->kind != SW_KB_CLASS && e->base) {
        const sw_kb_entry *b = e->base;
        bool bf = true;
        json_key(f, "code", &bf);
        fprintf(f, "%d", b->code);
        json_key(f, "kind", &bf);
        sw_json_cstr(f, kind_name(b->kind));
        json_key(f, "phrase", &bf);
        sw_json_cstr(f, b->phrase);
        json_key(f, "brief", &bf);
        sw_json_cstr(f, sw_kb_text(b->brief, g_lang));
        json_key(f, "meaning", &bf);
        sw_json_cstr(f, sw_kb_text(b->meaning, g_lang));
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    json_key(f, "known_phrases", &first);
    const sw_kb_entry *p;
    size_t n;
    phrase_entries(q->code, &p, &n);
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        sw_json_cstr(f, p[i].phrase);
    }
    fputs("]}\n", f);
}

/* ---- --list ----------------------------------------------------------- */

static void print_list(FILE *f, sw_format fmt)
{
    size_t n;
    const sw_kb_entry *e = sw_kb_all(&n);
    if (fmt == SW_FMT_JSON)
        fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        const char *brief = sw_kb_text(e[i].brief, g_lang);
        const char *tag = e[i].kind == SW_KB_VENDOR    ? "vendor"
                          : e[i].kind == SW_KB_VARIANT ? "variant"
                          : e[i].kind == SW_KB_CLASS   ? "class"
                          : e[i].historic              ? "historic"
                                                       : "";
        if (fmt == SW_FMT_JSON) {
            bool first = true;
            fputs(i ? ",\n" : "\n", f);
            json_key(f, "code", &first);
            if (e[i].kind == SW_KB_CLASS)
                sw_json_cstr(f, e[i].phrase);
            else
                fprintf(f, "%d", e[i].code);
            json_key(f, "phrase", &first);
            json_opt(f, e[i].kind == SW_KB_CLASS ? NULL : e[i].phrase);
            json_key(f, "kind", &first);
            sw_json_cstr(f, e[i].historic ? "historic" : kind_name(e[i].kind));
            json_key(f, "rfc", &first);
            json_opt(f, e[i].rfc);
            json_key(f, "brief", &first);
            sw_json_cstr(f, brief);
            fputc('}', f);
            continue;
        }
        char code[8];
        if (e[i].kind == SW_KB_CLASS)
            snprintf(code, sizeof code, "%s", e[i].phrase);
        else
            snprintf(code, sizeof code, "%d", e[i].code);
        const char *phrase = e[i].kind == SW_KB_CLASS ? "" : e[i].phrase;
        size_t pw = columns(phrase, strlen(phrase));
        fprintf(f, "%-4s %s%*s %-8s %s\n", code, phrase, (int)(pw < 42 ? 42 - pw : 0), "", tag,
                brief);
    }
    if (fmt == SW_FMT_JSON)
        fputs("\n]\n", f);
}

/* ---- arguments -------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("Usage: sipwhy explain [OPTIONS] CODE [PHRASE...]\n"
          "       sipwhy explain [OPTIONS] 'SIP/2.0 CODE PHRASE'\n"
          "       sipwhy explain --list [--lang en|ru] [--format text|json]\n"
          "\n"
          "Explains a SIP response: what the code (or the vendor's reason phrase) means,\n"
          "its usual causes and what to check next.\n"
          "\n"
          "  CODE             a response code, 100..699 (481); unregistered codes are\n"
          "                   explained by their class, as RFC 3261 section 21 says\n"
          "  PHRASE           the reason phrase as sent (403 Wrong Guess); a vendor's\n"
          "                   phrase is matched first, ignoring case\n"
          "  --method METHOD  the request the response answered (BYE, INVITE, REGISTER,\n"
          "                   SUBSCRIBE, NOTIFY, CANCEL, ...): adds what it means there\n"
          "  --lang en|ru     language (default: from LC_ALL, LC_MESSAGES, LANG)\n"
          "  --format text|json\n"
          "  --list           list every code and phrase known, with a one-line meaning\n"
          "  -h, --help       this help\n"
          "\n"
          "Exit status: 0 explained, 2 bad usage or unknown code.\n",
          f);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Splits "SIP/2.0 403 Wrong Guess", "403 Wrong Guess" or "481" into code and
 * phrase; on failure prints the error and returns -1. */
static int parse_status(sw_str in, int *code, sw_str *phrase)
{
    sw_str s = sw_str_trim(in);
    if (sw_str_iprefix(s, "SIP/")) {
        while (s.len && s.p[0] != ' ' && s.p[0] != '\t') {
            s.p++;
            s.len--;
        }
        s = sw_str_trim(s);
    }
    size_t n = 0;
    while (n < s.len && is_digit(s.p[n]))
        n++;
    bool word_end = n == s.len || s.p[n] == ' ' || s.p[n] == '\t';
    if (n == 0 || !word_end) {
        sw_cli_error(
            "explain: expected a SIP response code (100..699) or a status line, got '%.*s'",
            (int)SW_MIN(in.len, 80), in.p);
        return -1;
    }
    uint64_t v = 0;
    if (n != 3 || !sw_str_to_u64(sw_str_make(s.p, n), 999, &v) || v < 100 || v > 699) {
        sw_cli_error("explain: '%.*s' is not a SIP response code (expected 100..699)",
                     (int)SW_MIN(n, 20), s.p);
        return -1;
    }
    *code = (int)v;
    /* A pasted message may go on with headers: the phrase ends at the line. */
    sw_str rest = sw_str_make(s.p + n, s.len - n);
    for (size_t i = 0; i < rest.len; i++) {
        if (rest.p[i] == '\r' || rest.p[i] == '\n') {
            rest.len = i;
            break;
        }
    }
    *phrase = sw_str_trim(rest);
    return 0;
}

/* Joins argv words with single spaces into buf; -1 when too long. */
static int join_args(char **words, int n, char *buf, size_t cap, size_t *len)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(words[i]);
        if (o + (i ? 1 : 0) + l >= cap)
            return -1;
        if (i)
            buf[o++] = ' ';
        memcpy(buf + o, words[i], l);
        o += l;
    }
    buf[o] = '\0';
    *len = o;
    return 0;
}

static bool method_ok(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = m[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
              c == '.' || c == '!' || c == '%' || c == '*' || c == '+' || c == '`' || c == '\'' ||
              c == '~' || (c >= '0' && c <= '9')))
            return false; /* RFC 3261 token */
    }
    return true;
}

int sw_cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        {"method", required_argument, NULL, 'm'}, {"lang", required_argument, NULL, 'L'},
        {"format", required_argument, NULL, 'f'}, {"list", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    sw_lang lang = sw_cli_default_lang();
    sw_format fmt = SW_FMT_TEXT;
    const char *method = NULL;
    bool list = false;

    optind = 0; /* glibc: restart scanning with fresh state (main may have used getopt) */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            method = optarg;
            break;
        case 'L':
            if (sw_cli_parse_lang(optarg, &lang) < 0)
                return SW_EXIT_USAGE;
            break;
        case 'f':
            if (sw_cli_parse_format("explain", optarg, 1u << SW_FMT_TEXT | 1u << SW_FMT_JSON,
                                    &fmt) < 0)
                return SW_EXIT_USAGE;
            break;
        case 'l':
            list = true;
            break;
        case 'h':
            usage(stdout);
            return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("explain", c, argv, "sipwhy explain --help");
        }
    }
    g_lang = (sw_kb_lang)lang;
    g_color = fmt == SW_FMT_TEXT && sw_cli_color(stdout);

    int nargs = argc - optind;
    if (list) {
        if (nargs > 0 || method) {
            sw_cli_error("explain: --list takes no code, phrase or --method");
            return SW_EXIT_USAGE;
        }
        print_list(stdout, fmt);
    } else {
        if (nargs == 0) {
            sw_cli_error("explain: missing response code (see sipwhy explain --help)");
            return SW_EXIT_USAGE;
        }
        if (method && !method_ok(method)) {
            sw_cli_error("explain: --method '%s' is not a SIP method name", method);
            return SW_EXIT_USAGE;
        }
        char buf[ARG_MAX_LEN];
        size_t len;
        if (join_args(argv + optind, nargs, buf, sizeof buf, &len) < 0) {
            sw_cli_error("explain: argument longer than %d bytes", ARG_MAX_LEN - 1);
            return SW_EXIT_USAGE;
        }
        query q = {0};
        if (parse_status(sw_str_make(buf, len), &q.code, &q.phrase) < 0)
            return SW_EXIT_USAGE;
        q.method = sw_str_cstr(method);
        q.e = sw_kb_find(q.code, q.phrase, &q.how);
        if (!q.e) { /* parse_status admits 100..699 only, which always has a class */
            sw_cli_error("explain: no explanation for %d", q.code);
            return SW_EXIT_USAGE;
        }
        if (fmt == SW_FMT_JSON)
            print_json(stdout, &q, sw_str_trim(sw_str_make(buf, len)));
        else
            print_text(stdout, &q);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        sw_cli_error("explain: error writing the output");
        return SW_EXIT_USAGE;
    }
    return SW_EXIT_OK;
}
