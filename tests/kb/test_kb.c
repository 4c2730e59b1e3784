/*
 * test_kb: the response knowledge base is complete and its lookups behave.
 *
 * Acceptance lists live here on purpose, apart from the data: every code of
 * the IANA SIP response code registry with its registered phrase, and every
 * non-standard reason phrase of the seed document (shared/seeds), so a data
 * edit that drops one fails the build's tests.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* needs the four headers above first */

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kb/kb.h"

/* ---- acceptance lists ------------------------------------------------- */

static const struct {
    int code;
    const char *phrase;
} iana[] = {
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {199, "Early Dialog Terminated"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Notification"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {412, "Conditional Request Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"},
    {424, "Bad Location Information"},
    {425, "Bad Alert Message"},
    {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"},
    {430, "Flow Failed"},
    {433, "Anonymity Disallowed"},
    {436, "Bad Identity Info"},
    {437, "Unsupported Credential"},
    {438, "Invalid Identity Header"},
    {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"},
    {469, "Bad Info Package"},
    {470, "Consent Needed"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {489, "Bad Event"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {494, "Security Agreement Required"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {555, "Push Notification Service Not Supported"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
    {607, "Unwanted"},
    {608, "Rejected"},
};

/* Vendor- and carrier-specific phrases of the seed document: each has a
 * meaning of its own. */
static const struct {
    int code;
    const char *phrase;
} seed_vendor[] = {
    {401, "AUTH Error: Stall nonce"},
    {401, "Expired Authorization"},
    {403, "No Such User"},
    {403, "No license available"},
    {403, "You"},
    {403, "User Disabled"},
    {403, "You do not have the required right"},
    {403, "Wrong Guess"},
    {403, "Conflict"},
    {403, "Empty Route Set"},
    {403, "Caller Not Registered"},
    {403, "Out of Look-Ahead Retries"},
    {403, "Invalid Phone Number"},
    {403, "No Money Left on RFC Account"},
    {404, "Undefined Reason"},
    {404, "Unknown user account"},
    {404, "Out of Order"},
    {406, "No codecs match"},
    {407, "User not found"},
    {408, "Login timed out"},
    {410, "No Route"},
    {415, "No Media"},
    {480, "Invalid Phone Number"},
    {480, "Destination Not Found In Client Plan"},
    {480, "Wrong DB Response"},
    {480, "DB Timeout"},
    {480, "Database Error"},
    {480, "Codec Mismatch"},
    {480, "No Money Left on RFC Account"},
    {480, "Empty Route Set"},
    {480, "No money left"},
    {488, "Codec Mismatch"},
    {488, "Private IP Address"},
    {499, "Codec Mismatch"},
    {500, "DB Timeout"},
    {500, "Database Error"},
    {500, "Wrong DB Response"},
    {500, "Undefined Reason"},
    {500, "account has been moved to a remote system"},
    {500, "Call placing quota exceeded"},
    {501, "Method Not Supported Here"},
};

/* Other spellings of standard phrases in the seed (old RFC 2543 wording,
 * shortened forms, misprints): they mean what the code means. */
static const struct {
    int code;
    const char *phrase;
} seed_variant[] = {
    {182, "Call is Queued"},
    {400, "Bad Bequest"},
    {401, "Unauthorised"},
    {414, "Request-URI Too Large"},
    {416, "Unsupported Scheme"},
    {480, "Temporarily not available"},
    {481, "Call Leg/Transaction Does Not Exist"},
    {481, "Call Beg/Transaction Does Not Exist"},
    {493, "Undeciperable"},
    {500, "Internal Server Error"},
    {504, "Gateway Timeout"},
    {505, "SIP Version not supported"},
    {513, "Message too big"},
};

/* Codes the seed uses that RFC 3261 dropped (RFC 2543). */
static const struct {
    int code;
    const char *phrase;
} seed_historic[] = {
    {409, "Conflict"},
    {411, "Length Required"},
};

/* ---- helpers ---------------------------------------------------------- */

static sw_str S(const char *s) { return sw_str_cstr(s); }

static bool has_cyrillic(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)s[0] == 0xD0 || (unsigned char)s[0] == 0xD1)
            return true;
    return false;
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\n')
                return false;
            p++;
            continue;
        }
        int n = (*p >= 0xF0 && *p <= 0xF4) ? 3 : (*p >= 0xE0) ? 2 : (*p >= 0xC2) ? 1 : -1;
        if (n < 0)
            return false;
        for (int k = 1; k <= n; k++)
            if ((p[k] & 0xC0) != 0x80)
                return false;
        p += n + 1;
    }
    return true;
}

static void assert_text(const char *s)
{
    assert_non_null(s);
    assert_true(s[0] != '\0');
    assert_true(valid_utf8(s));
}

/* Both languages present, valid, and the Russian one really Russian. */
static void assert_pair(const char *const v[SW_KB_NLANG])
{
    assert_text(v[SW_KB_EN]);
    assert_text(v[SW_KB_RU]);
    if (!has_cyrillic(v[SW_KB_RU]))
        fail_msg("no Cyrillic in Russian text: %s", v[SW_KB_RU]);
}

static void assert_entry_complete(const sw_kb_entry *e)
{
    assert_non_null(e);
    assert_text(e->phrase);
    assert_pair(e->brief);
    assert_pair(e->meaning);
    assert_true(e->n_causes >= 1);
    assert_true(e->n_checks >= 1);
    for (int l = 0; l < SW_KB_NLANG; l++) {
        for (size_t i = 0; i < e->n_causes; i++)
            assert_text(e->causes[l][i]);
        for (size_t i = 0; i < e->n_checks; i++)
            assert_text(e->checks[l][i]);
        if (chars(e->brief[l]) > 60)
            fail_msg("%d %s: brief over 60 characters: %s", e->code, e->phrase, e->brief[l]);
    }
    for (size_t i = 0; i < e->n_methods; i++) {
        const sw_kb_method_note *m = &e->methods[i];
        assert_text(m->method);
        assert_pair(m->text);
        if (m->brief[0]) {
            assert_pair(m->brief);
            assert_true(chars(m->brief[0]) <= 60 && chars(m->brief[1]) <= 60);
        }
    }
}

/* ---- tests ------------------------------------------------------------ */

static void test_iana_codes_complete(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(iana); i++) {
        const sw_kb_entry *e = sw_kb_code(iana[i].code);
        if (!e)
            fail_msg("no entry for IANA code %d", iana[i].code);
        assert_int_equal(e->code, iana[i].code);
        assert_int_equal(e->kind, SW_KB_CODE);
        assert_false(e->historic);
        assert_string_equal(e->phrase, iana[i].phrase);
        assert_true(strncmp(e->rfc, "RFC ", 4) == 0);
        assert_entry_complete(e);
        assert_true(sw_kb_is_standard_phrase(iana[i].code, S(iana[i].phrase)));
        sw_kb_match how;
        assert_ptr_equal(sw_kb_find(iana[i].code, S(iana[i].phrase), &how), e);
        assert_int_equal(how, SW_KB_MATCH_CODE);
        assert_ptr_equal(sw_kb_find(iana[i].code, SW_STR_NULL, &how), e);
        assert_int_equal(how, SW_KB_MATCH_CODE);
    }
}

static void test_seed_vendor_phrases(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(seed_vendor); i++) {
        sw_kb_match how;
        const sw_kb_entry *e = sw_kb_find(seed_vendor[i].code, S(seed_vendor[i].phrase), &how);
        if (!e || how != SW_KB_MATCH_PHRASE)
            fail_msg("seed phrase not matched: %d %s", seed_vendor[i].code, seed_vendor[i].phrase);
        assert_int_equal(e->kind, SW_KB_VENDOR);
        assert_int_equal(e->code, seed_vendor[i].code);
        assert_entry_complete(e);
        assert_non_null(e->base);
        /* A vendor phrase says something the code alone does not. */
        assert_string_not_equal(e->brief[SW_KB_EN], e->base->brief[SW_KB_EN]);
    }
}

static void test_seed_variants_and_historic(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(seed_variant); i++) {
        sw_kb_match how;
        const sw_kb_entry *e = sw_kb_find(seed_variant[i].code, S(seed_variant[i].phrase), &how);
        if (!e || how != SW_KB_MATCH_PHRASE)
            fail_msg("seed variant not matched: %d %s", seed_variant[i].code,
                     seed_variant[i].phrase);
        assert_int_equal(e->kind, SW_KB_VARIANT);
        assert_pair(e->note);
        assert_ptr_equal(e->base, sw_kb_code(seed_variant[i].code));
        /* A variant explains exactly what its code does. */
        assert_ptr_equal(e->meaning[SW_KB_RU], e->base->meaning[SW_KB_RU]);
        assert_int_equal(e->n_methods, e->base->n_methods);
        assert_entry_complete(e);
    }
    for (size_t i = 0; i < SW_ARRAY_LEN(seed_historic); i++) {
        const sw_kb_entry *e = sw_kb_code(seed_historic[i].code);
        assert_non_null(e);
        assert_true(e->historic);
        assert_true(sw_kb_is_standard_phrase(seed_historic[i].code, S(seed_historic[i].phrase)));
        assert_entry_complete(e);
    }
}

static void test_phrase_case_and_space(void **state)
{
    (void)state;
    const sw_kb_entry *wg = sw_kb_phrase(403, S("Wrong Guess"));
    assert_non_null(wg);
    assert_ptr_equal(sw_kb_phrase(403, S("wrong guess")), wg);
    assert_ptr_equal(sw_kb_phrase(403, S("WRONG GUESS")), wg);
    assert_ptr_equal(sw_kb_phrase(403, S("  Wrong \t  Guess \r\n")), wg);
    assert_null(sw_kb_phrase(403, S("Wrong  Guesss")));
    assert_null(sw_kb_phrase(403, S("Wrong")));
    assert_null(sw_kb_phrase(403, S("WrongGuess")));
    assert_null(sw_kb_phrase(404, S("Wrong Guess"))); /* phrase belongs to its code */
    assert_null(sw_kb_phrase(403, SW_STR_NULL));
    assert_null(sw_kb_phrase(403, S("")));
    /* A slice is not a C string: bytes past len are not part of it. */
    assert_ptr_equal(sw_kb_phrase(403, sw_str_make("Wrong Guess, really", 11)), wg);
    /* Same phrase, different codes, different entries. */
    const sw_kb_entry *a = sw_kb_phrase(403, S("Empty Route Set"));
    const sw_kb_entry *b = sw_kb_phrase(480, S("empty route set"));
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    /* The standard phrase is the code's, not a phrase entry. */
    assert_null(sw_kb_phrase(403, S("Forbidden")));
    assert_true(sw_kb_is_standard_phrase(403, S("  forbidden ")));
    assert_false(sw_kb_is_standard_phrase(403, S("Wrong Guess")));
}

static void test_unknown_phrase_and_class(void **state)
{
    (void)state;
    sw_kb_match how;
    const sw_kb_entry *e = sw_kb_find(403, S("Some Vendor Words"), &how);
    assert_ptr_equal(e, sw_kb_code(403));
    assert_int_equal(how, SW_KB_MATCH_CODE);

    e = sw_kb_find(499, S("Whatever"), &how);
    assert_non_null(e);
    assert_int_equal(how, SW_KB_MATCH_CLASS);
    assert_int_equal(e->kind, SW_KB_CLASS);
    assert_int_equal(e->code, 400);
    assert_string_equal(e->phrase, "4xx");

    for (int c = 100; c <= 699; c++) {
        e = sw_kb_find(c, SW_STR_NULL, &how);
        assert_non_null(e);
        assert_int_equal(e->code / 100, c / 100);
        assert_int_equal(sw_kb_class(c)->code, (c / 100) * 100);
    }
    assert_null(sw_kb_find(99, SW_STR_NULL, &how));
    assert_int_equal(how, SW_KB_MATCH_NONE);
    assert_null(sw_kb_find(700, S("OK"), NULL));
    assert_null(sw_kb_find(-1, S("OK"), NULL));
    assert_null(sw_kb_code(7));
    assert_null(sw_kb_class(999));
    assert_null(sw_kb_phrase(1000, S("x")));
}

static void test_method_notes(void **state)
{
    (void)state;
    static const int need[] = {481, 401, 407, 403, 404, 408, 480,
                               486, 487, 488, 489, 491, 500, 503};
    for (size_t i = 0; i < SW_ARRAY_LEN(need); i++) {
        const sw_kb_entry *e = sw_kb_code(need[i]);
        if (!e || e->n_methods == 0)
            fail_msg("%d has no method notes", need[i]);
    }
    const sw_kb_entry *e481 = sw_kb_code(481);
    static const char *const m481[] = {"BYE",       "NOTIFY",   "CANCEL",
                                       "SUBSCRIBE", "REGISTER", "INVITE"};
    const char *seen[SW_ARRAY_LEN(m481)];
    for (size_t i = 0; i < SW_ARRAY_LEN(m481); i++) {
        const sw_kb_method_note *n = sw_kb_method(e481, S(m481[i]));
        if (!n)
            fail_msg("481 has no note for %s", m481[i]);
        assert_string_equal(n->method, m481[i]);
        seen[i] = n->text[SW_KB_EN];
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(seen[k], seen[i]); /* really different things */
    }
    /* Method names compare case-insensitively; white space around is ignored. */
    assert_ptr_equal(sw_kb_method(e481, S("bye")), sw_kb_method(e481, S("BYE")));
    assert_ptr_equal(sw_kb_method(e481, S(" Bye ")), sw_kb_method(e481, S("BYE")));
    assert_null(sw_kb_method(e481, S("BYEX")));
    assert_null(sw_kb_method(e481, S("BY")));
    assert_null(sw_kb_method(e481, S("")));
    assert_null(sw_kb_method(NULL, S("BYE")));
    /* Vendor phrases fall back to their code's notes; variants share them. */
    const sw_kb_entry *wg = sw_kb_phrase(403, S("Wrong Guess"));
    assert_ptr_equal(sw_kb_method(wg, S("REGISTER")), sw_kb_method(sw_kb_code(403), S("REGISTER")));
    const sw_kb_entry *leg = sw_kb_phrase(481, S("Call Leg/Transaction Does Not Exist"));
    assert_ptr_equal(sw_kb_method(leg, S("NOTIFY")), sw_kb_method(e481, S("NOTIFY")));
}

static void test_brief(void **state)
{
    (void)state;
    const sw_kb_entry *e481 = sw_kb_code(481);
    /* With a method that has a brief, the brief is the method's. */
    const char *b = sw_kb_brief(481, SW_STR_NULL, S("BYE"), SW_KB_EN);
    assert_string_equal(b, sw_kb_method(e481, S("BYE"))->brief[SW_KB_EN]);
    assert_string_not_equal(b, sw_kb_brief(481, SW_STR_NULL, S("NOTIFY"), SW_KB_EN));
    assert_string_equal(sw_kb_brief(481, SW_STR_NULL, SW_STR_NULL, SW_KB_RU),
                        e481->brief[SW_KB_RU]);
    /* A variant phrase has its code's method briefs. */
    assert_string_equal(
        sw_kb_brief(481, S("call leg/transaction does not exist"), S("BYE"), SW_KB_EN), b);
    /* A vendor phrase beats its code's method brief. */
    const sw_kb_entry *wg = sw_kb_phrase(403, S("Wrong Guess"));
    assert_string_equal(sw_kb_brief(403, S("Wrong Guess"), S("REGISTER"), SW_KB_RU),
                        wg->brief[SW_KB_RU]);
    /* Unknown method: the entry's brief. */
    assert_string_equal(sw_kb_brief(481, SW_STR_NULL, S("FOO"), SW_KB_EN), e481->brief[SW_KB_EN]);
    /* Unregistered code: the class; out of range: a fixed text, never NULL. */
    assert_string_equal(sw_kb_brief(499, S("x"), SW_STR_NULL, SW_KB_EN),
                        sw_kb_class(499)->brief[0]);
    assert_non_null(sw_kb_brief(999, SW_STR_NULL, SW_STR_NULL, SW_KB_EN));
    assert_non_null(sw_kb_brief(0, SW_STR_NULL, SW_STR_NULL, SW_KB_RU));
    /* Every brief fits the annotation column. */
    size_t n;
    const sw_kb_entry *all = sw_kb_all(&n);
    for (size_t i = 0; i < n; i++)
        for (int l = 0; l < SW_KB_NLANG; l++)
            assert_true(chars(all[i].brief[l]) <= 60);
}

static void test_every_entry(void **state)
{
    (void)state;
    size_t n;
    const sw_kb_entry *all = sw_kb_all(&n);
    size_t count[4] = {0};
    int last_code = 0;
    for (size_t i = 0; i < n; i++) {
        const sw_kb_entry *e = &all[i];
        assert_true(e->kind <= SW_KB_CLASS);
        count[e->kind]++;
        assert_entry_complete(e);
        if (e->kind == SW_KB_CLASS) {
            assert_ptr_equal(sw_kb_class(e->code), e);
            assert_null(e->base);
            continue;
        }
        assert_true(e->code >= last_code); /* display order */
        last_code = e->code;
        assert_non_null(e->base);
        if (e->kind == SW_KB_CODE) {
            assert_ptr_equal(sw_kb_code(e->code), e);
            assert_int_equal(e->base->kind, SW_KB_CLASS);
        } else {
            /* Binary search finds every phrase entry, in any case. */
            assert_ptr_equal(sw_kb_phrase(e->code, S(e->phrase)), e);
            char up[128];
            size_t k = 0;
            for (; e->phrase[k] && k < sizeof up - 1; k++)
                up[k] = (char)(e->phrase[k] >= 'a' && e->phrase[k] <= 'z' ? e->phrase[k] - 32
                                                                          : e->phrase[k]);
            up[k] = '\0';
            assert_ptr_equal(sw_kb_phrase(e->code, S(up)), e);
        }
    }
    assert_int_equal(count[SW_KB_CLASS], 6);
    print_message("kb: %zu entries: %zu codes, %zu vendor phrases, %zu variants, %zu classes; "
                  "each in en and ru\n",
                  n, count[SW_KB_CODE], count[SW_KB_VENDOR], count[SW_KB_VARIANT],
                  count[SW_KB_CLASS]);
}

/* A phrase that ends right before an unreadable page is read no further
 * than its length (picohttpparser-style guard page). */
static void test_guard_page(void **state)
{
    (void)state;
    long pg = sysconf(_SC_PAGESIZE);
    char *m =
        mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m + pg, (size_t)pg, PROT_NONE), 0);
    static const char *const inputs[] = {"Wrong Guess",
                                         "wrong guess  ",
                                         "Wrong",
                                         "Call Leg",
                                         "Zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                                         " "};
    for (size_t i = 0; i < SW_ARRAY_LEN(inputs); i++) {
        size_t len = strlen(inputs[i]);
        for (size_t cut = 0; cut <= len; cut++) { /* every prefix */
            char *p = m + pg - cut;
            memcpy(p, inputs[i], cut);
            sw_str s = sw_str_make(p, cut);
            (void)sw_kb_find(403, s, NULL);
            (void)sw_kb_find(481, s, NULL);
            (void)sw_kb_brief(481, s, s, SW_KB_RU);
            (void)sw_kb_method(sw_kb_code(481), s);
            (void)sw_kb_is_standard_phrase(403, s);
        }
    }
    munmap(m, (size_t)pg * 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iana_codes_complete),
        cmocka_unit_test(test_seed_vendor_phrases),
        cmocka_unit_test(test_seed_variants_and_historic),
        cmocka_unit_test(test_phrase_case_and_space),
        cmocka_unit_test(test_unknown_phrase_and_class),
        cmocka_unit_test(test_method_notes),
        cmocka_unit_test(test_brief),
        cmocka_unit_test(test_every_entry),
        cmocka_unit_test(test_guard_page),
    };
    return cmocka_run_group_tests_name("kb", tests, NULL, NULL);
}
