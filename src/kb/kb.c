/*
 * kb: lookups over the generated response-code tables (see kb.h for the
 * contracts and kb_data.h for the table layout).
 *
 * Everything here is read-only work on constant tables: no allocation, no
 * state, safe from any thread. Phrase matching normalises the input on the
 * fly while comparing, instead of copying it into a buffer first, so a reason
 * phrase of any length costs no memory.
 */
#include "kb.h"

#include "kb_data.h"

static inline int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static inline bool is_ws(char c) { return c == ' ' || c == '\t'; }

static inline bool code_ok(int code) { return code >= SW_KB_CODE_MIN && code <= SW_KB_CODE_MAX; }

/* Compares s, normalised as the generator normalises phrases (ASCII lower
 * case, runs of SP/HTAB as one SP, ends trimmed; CR/LF at the ends trimmed
 * too), with key; strcmp-style result over unsigned bytes. */
static int cmp_norm(sw_str s, const char *key)
{
    s = sw_str_trim(s);
    size_t i = 0;
    const unsigned char *k = (const unsigned char *)key;
    while (i < s.len) {
        int c;
        if (is_ws(s.p[i])) {
            while (i < s.len && is_ws(s.p[i]))
                i++;
            c = ' '; /* trimmed, so white space here is followed by text */
        } else {
            c = lower((unsigned char)s.p[i++]);
        }
        if (*k == '\0')
            return 1;
        if (c != *k)
            return c - *k;
        k++;
    }
    return *k ? -1 : 0;
}

const sw_kb_entry *sw_kb_code(int code)
{
    if (!code_ok(code))
        return NULL;
    int i = sw_kb_code_index_[code - SW_KB_CODE_MIN];
    return i >= 0 ? &sw_kb_entries_[i] : NULL;
}

const sw_kb_entry *sw_kb_class(int code)
{
    if (!code_ok(code))
        return NULL;
    /* The generator puts the six classes first, 1xx at index 0. */
    return &sw_kb_entries_[code / 100 - 1];
}

const sw_kb_entry *sw_kb_phrase(int code, sw_str reason)
{
    if (!code_ok(code) || !reason.p)
        return NULL;
    size_t lo = sw_kb_phrase_first_[code - SW_KB_CODE_MIN];
    size_t hi = lo + sw_kb_phrase_count_[code - SW_KB_CODE_MIN];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_norm(reason, sw_kb_keys_[mid]);
        if (r == 0)
            return &sw_kb_entries_[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const sw_kb_entry *sw_kb_find(int code, sw_str reason, sw_kb_match *how)
{
    sw_kb_match m = SW_KB_MATCH_NONE;
    const sw_kb_entry *e = NULL;
    if (code_ok(code)) {
        if ((e = sw_kb_phrase(code, reason)) != NULL)
            m = SW_KB_MATCH_PHRASE;
        else if ((e = sw_kb_code(code)) != NULL)
            m = SW_KB_MATCH_CODE;
        else if ((e = sw_kb_class(code)) != NULL)
            m = SW_KB_MATCH_CLASS;
    }
    if (how)
        *how = m;
    return e;
}

static const sw_kb_method_note *find_method(const sw_kb_entry *e, sw_str method)
{
    size_t lo = 0, hi = e->n_methods;
    while (lo < hi) { /* notes are sorted by method (upper case) */
        size_t mid = lo + (hi - lo) / 2;
        const char *m = e->methods[mid].method;
        size_t i = 0;
        int r = 0;
        for (; i < method.len && m[i]; i++) {
            int c = method.p[i] >= 'a' && method.p[i] <= 'z' ? method.p[i] - 32 : method.p[i];
            r = (unsigned char)c - (unsigned char)m[i];
            if (r)
                break;
        }
        if (r == 0)
            r = i < method.len ? 1 : m[i] ? -1 : 0;
        if (r == 0)
            return &e->methods[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const sw_kb_method_note *sw_kb_method(const sw_kb_entry *e, sw_str method)
{
    method = sw_str_trim(method);
    if (!e || method.len == 0)
        return NULL;
    const sw_kb_method_note *n = find_method(e, method);
    if (!n && e->kind == SW_KB_VENDOR && e->base)
        n = find_method(e->base, method);
    return n;
}

const char *sw_kb_brief(int code, sw_str reason, sw_str method, sw_kb_lang lang)
{
    const sw_kb_entry *e = sw_kb_find(code, reason, NULL);
    if (!e)
        return lang == SW_KB_RU ? "недопустимый код ответа" : "not a valid status code";
    /* A vendor phrase says more than its code's method notes, so only the
     * entry's own notes (a variant's are its code's) replace its brief. */
    method = sw_str_trim(method);
    const sw_kb_method_note *n = method.len ? find_method(e, method) : NULL;
    if (n && n->brief[SW_KB_EN])
        return sw_kb_text(n->brief, lang);
    return sw_kb_text(e->brief, lang);
}

bool sw_kb_is_standard_phrase(int code, sw_str phrase)
{
    const sw_kb_entry *e = sw_kb_code(code);
    return e && cmp_norm(phrase, sw_kb_keys_[e - sw_kb_entries_]) == 0;
}

const sw_kb_entry *sw_kb_all(size_t *n)
{
    *n = sw_kb_n_entries_;
    return sw_kb_entries_;
}
