/*
 * Unit tests of the where language (src/query): the lexer, the parser and
 * its precedence, every literal type, every operator on every field type,
 * lazy evaluation over a hand-built capture (with and without a parse given
 * by the caller), call selection, every compile error with its column and
 * hint, the text helpers, and every example of the man page's WHERE
 * EXPRESSIONS section (read from docs/sipwhy.1 at run time, so adding an
 * example adds a test).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/pcapw.h"
#include "common/scenario.h"
#include "query/query.h"
#include "query/query_int.h"

/* ---- helpers ------------------------------------------------------------- */

static sw_query *compile(const char *e)
{
    sw_query_error err;
    sw_query *q = sw_query_compile(e, strlen(e), &err);
    if (!q)
        fail_msg("'%s' does not compile: %s at column %zu (%s)", e, err.msg, err.col, err.hint);
    return q;
}

static char *dump_of(const char *e)
{
    sw_query *q = compile(e);
    sw_buf b;
    sw_buf_init(&b);
    assert_int_equal(sw_query_dump(q, &b), 0);
    assert_int_equal(sw_buf_append(&b, "", 1), 0);
    sw_query_free(q);
    return b.p;
}

/* ---- lexer ------------------------------------------------------------------ */

typedef struct lexcase {
    const char *in;
    const char *toks; /* kinds and texts: "W:a EQ W:b" */
} lexcase;

static const char *kind_code(qtok_kind k)
{
    static const char *n[] = {"END", "W", "S", "(", ")", ",", "EQ", "NE", "LT",
                              "GT",  "LE", "GE", "AND", "OR", "NOT", "ERR"};
    return n[k];
}

static void test_lexer(void **state)
{
    (void)state;
    static const lexcase cases[] = {
        {"a=b", "W:a EQ W:b"},
        {"a == b", "W:a EQ W:b"},
        {"a!=b", "W:a NE W:b"},
        {"a<>b", "W:a NE W:b"},
        {"a<b a>b a<=b a>=b", "W:a LT W:b W:a GT W:b W:a LE W:b W:a GE W:b"},
        {"(a)&&!b||c", "( W:a ) AND NOT W:b OR W:c"},
        {"x in (1,2 , 3)", "W:x W:in ( W:1 , W:2 , W:3 )"},
        {"addr=10.0.0.0/8", "W:addr EQ W:10.0.0.0/8"},
        {"addr=[2001:db8::1]:5060", "W:addr EQ W:[2001:db8::1]:5060"},
        {"m like INVITE|BYE", "W:m W:like W:INVITE|BYE"},
        {"a&b", "W:a&b"},
        {"a!b", "W:a!b"},
        {"& |", "W:& W:|"},
        {"t>=2024-05-01T10:00:00Z", "W:t GE W:2024-05-01T10:00:00Z"},
        {"\"a b\"", "S:a b"},
        {"'it''s'", "S:it S:s"},
        {"\"q\\\"x\\\\y\\d\"", "S:q\"x\\y\\d"},
        {"'\\''", "S:'"},
        {"\"abc", "ERR"},
        {"'abc", "ERR"},
        {"  \t\n", ""},
        {"", ""},
        {"a=\"\"", "W:a EQ S:"},
        {"not(a)", "W:not ( W:a )"},
        {"a,b", "W:a , W:b"},
        {"é=ü", "W:é EQ W:ü"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        sw_arena ar;
        sw_arena_init(&ar, 0);
        qlex lx;
        sw_qlex_init(&lx, cases[i].in, strlen(cases[i].in), &ar);
        char got[512] = "";
        size_t gl = 0;
        for (int guard = 0; guard < 64; guard++) {
            qtok t;
            assert_int_equal(sw_qlex_next(&lx, &t), 0);
            if (t.kind == QT_END)
                break;
            gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%s", gl ? " " : "",
                                   kind_code(t.kind));
            if (t.kind == QT_WORD || t.kind == QT_STRING)
                gl += (size_t)snprintf(got + gl, sizeof got - gl, ":%.*s", SW_STR_FMT(t.text));
            /* the token's bytes are where it says */
            assert_true(t.off + t.len <= strlen(cases[i].in));
            if (t.kind == QT_ERROR)
                break;
        }
        if (strcmp(got, cases[i].toks))
            fail_msg("lex '%s': got '%s', want '%s'", cases[i].in, got, cases[i].toks);
        sw_arena_fini(&ar);
    }
}

static void test_lexer_offsets(void **state)
{
    (void)state;
    const char *e = "  ab  != \"x y\"";
    qlex lx;
    sw_arena ar;
    sw_arena_init(&ar, 0);
    sw_qlex_init(&lx, e, strlen(e), &ar);
    qtok t;
    sw_qlex_next(&lx, &t);
    assert_int_equal(t.off, 2);
    assert_int_equal(t.len, 2);
    sw_qlex_next(&lx, &t);
    assert_int_equal(t.kind, QT_NE);
    assert_int_equal(t.off, 6);
    assert_int_equal(t.len, 2);
    sw_qlex_next(&lx, &t);
    assert_int_equal(t.kind, QT_STRING);
    assert_int_equal(t.off, 9);
    assert_int_equal(t.len, 5);
    sw_qlex_next(&lx, &t);
    assert_int_equal(t.kind, QT_END);
    assert_int_equal(t.off, strlen(e));
    sw_qlex_next(&lx, &t); /* END repeats */
    assert_int_equal(t.kind, QT_END);
    sw_arena_fini(&ar);
}

/* ---- parser and precedence ---------------------------------------------- */

typedef struct dumpcase {
    const char *in, *out;
} dumpcase;

static void test_parse_tree(void **state)
{
    (void)state;
    static const dumpcase cases[] = {
        /* Asterisk's own examples */
        {"sip.msg.call-id = \"abc\" and addr = 10.0.0.5:5060",
         "(and (= sip.msg.call-id \"abc\") (= addr 10.0.0.5:5060))"},
        {"number > 10 && number < 20", "(and (> number 10) (< number 20))"},
        /* and binds tighter than or, on both spellings */
        {"number = 1 or number = 2 and number = 3",
         "(or (= number 1) (and (= number 2) (= number 3)))"},
        {"number = 1 and number = 2 or number = 3",
         "(or (and (= number 1) (= number 2)) (= number 3))"},
        {"number = 1 || number = 2 && number = 3",
         "(or (= number 1) (and (= number 2) (= number 3)))"},
        {"number = 1 || number = 2 and number = 3",
         "(or (= number 1) (and (= number 2) (= number 3)))"},
        {"(number = 1 or number = 2) and number = 3",
         "(and (or (= number 1) (= number 2)) (= number 3))"},
        /* left associative */
        {"number = 1 or number = 2 or number = 3",
         "(or (or (= number 1) (= number 2)) (= number 3))"},
        {"number=1 and number=2 and number=3",
         "(and (and (= number 1) (= number 2)) (= number 3))"},
        /* not: the whole comparison; binds tighter than and */
        {"not number = 1", "(not (= number 1))"},
        {"!number=1", "(not (= number 1))"},
        {"not (number = 1 or number = 2)", "(not (or (= number 1) (= number 2)))"},
        {"not number = 1 and number = 2", "(and (not (= number 1)) (= number 2))"},
        {"not not retransmission", "(not (not (exists retransmission)))"},
        {"!(!malformed)", "(not (not (exists malformed)))"},
        /* no spaces needed */
        {"(number=1)||(number=2)", "(or (= number 1) (= number 2))"},
        {"number>=1&&number<=2", "(and (>= number 1) (<= number 2))"},
        /* case-insensitive names and keywords */
        {"SIP.MSG.REQUEST.METHOD = INVITE AND Number = 1",
         "(and (= sip.msg.request.method INVITE) (= number 1))"},
        {"Sip.Msg.Call-ID LIKE '^a' OR sip.msg.call-id ILike b",
         "(or (like sip.msg.call-id \"^a\") (ilike sip.msg.call-id b))"},
        {"number == 3", "(= number 3)"},
        {"number <> 3", "(!= number 3)"},
        {"sip.msg.request.method in (INVITE, 'BYE',CANCEL)",
         "(in sip.msg.request.method (INVITE \"BYE\" CANCEL))"},
        {"sip.msg.body contains \"m=audio\"", "(contains sip.msg.body \"m=audio\")"},
        {"sip.hdr.X-Custom", "(exists sip.hdr.X-Custom)"},
        {"sip.hdr.f contains alice", "(contains sip.hdr.f alice)"},
        {"((((number = 1))))", "(= number 1)"},
        {"sip.msg.call-id = \"a\\\"b\"", "(= sip.msg.call-id \"a\\\"b\")"},
        /* a value may be a keyword: the position decides */
        {"sip.msg.request.method = and", "(= sip.msg.request.method and)"},
        {"sip.msg.response.code = 4xx", "(= sip.msg.response.code 4xx)"},
        {"call.state = Cancelled", "(= call.state Cancelled)"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *d = dump_of(cases[i].in);
        if (strcmp(d, cases[i].out))
            fail_msg("parse '%s': got '%s', want '%s'", cases[i].in, d, cases[i].out);
        free(d);
    }
}

static void test_needs(void **state)
{
    (void)state;
    static const struct {
        const char *e;
        unsigned needs;
    } cases[] = {
        {"number = 1", SW_QUERY_NEEDS_MSG},
        {"sip.msg.call-id = x", SW_QUERY_NEEDS_MSG | SW_QUERY_NEEDS_SIP},
        {"sdp.codec = PCMU", SW_QUERY_NEEDS_MSG | SW_QUERY_NEEDS_SIP | SW_QUERY_NEEDS_SDP},
        {"retransmission", SW_QUERY_NEEDS_MSG | SW_QUERY_NEEDS_CORR},
        {"call.state = busy", SW_QUERY_NEEDS_CALL | SW_QUERY_NEEDS_CORR},
        {"call.legs > 1 or addr = 10.0.0.1",
         SW_QUERY_NEEDS_CALL | SW_QUERY_NEEDS_CORR | SW_QUERY_NEEDS_MSG},
    };
    for (size_t i = 0; i < N(cases); i++) {
        sw_query *q = compile(cases[i].e);
        assert_int_equal(sw_query_needs(q), cases[i].needs);
        assert_int_equal(sw_query_is_call_level(q),
                         (cases[i].needs & SW_QUERY_NEEDS_CALL) != 0);
        sw_query_free(q);
    }
}

/* ---- errors ------------------------------------------------------------------ */

typedef struct errcase {
    const char *in;
    size_t col;       /* expected column (1-based) */
    size_t len;       /* expected token length, (size_t)-1 = any */
    const char *msg;  /* substring of the message */
    const char *hint; /* substring of the hint ("" = no hint required, NULL = hint must be empty) */
} errcase;

#define ANY ((size_t)-1)

static void test_errors(void **state)
{
    (void)state;
    static const errcase cases[] = {
        {"", 1, 0, "empty expression", "for example"},
        {"   ", 4, 0, "empty expression", ""},
        {"\f\v\t\r\n", 6, 0, "empty expression", ""},
        {"sip.msg.calid = x", 1, 13, "unknown field 'sip.msg.calid'", "sip.msg.call-id"},
        {"numbr = 1", 1, 5, "unknown field", "did you mean number?"},
        {"sip.Method == \"INVITE\"", 1, 10, "unknown field", "sip.msg.request.method"},
        {"sip.Status-Code >= 400", 1, ANY, "unknown field", "sip.msg.response.code"},
        {"call-id = x", 1, ANY, "unknown field", "sip.msg.call-id"},
        {"sip.Contact", 1, ANY, "unknown field", "sip.hdr.Contact"},
        {"ip.src = 10.0.0.1", 1, ANY, "unknown field", "did you mean src?"},
        {"sip.hdr. = x", 1, ANY, "unknown field", "sip.hdr.<name>"},
        {"zzzzzzzzzz = 1", 1, 10, "unknown field", "WHERE EXPRESSIONS"},
        {"number = 1 and", 15, 0, "ends where a field name", NULL},
        {"number = ", 10, 0, "value is missing after '='", NULL},
        {"number", 0, 0, NULL, NULL}, /* valid: presence */
        {"number 5", 8, 1, "expected an operator after number", "operators"},
        {"sip.msg.call-id ~ abc", 17, 1, "expected an operator", "like"},
        {"sip.msg.call-id =~ abc", 18, 1, "'=~' is not an operator", "like"},
        {"number = 1 & number = 2", 12, 1, "unexpected '&'", "&&"},
        {"number = 1 | number = 2", 12, 1, "unexpected '|'", "||"},
        {"(number = 1", 12, 0, "missing ')'", "column 1"},
        {"((number = 1)", 14, 0, "missing ')'", "column 1"},
        {"number = 1)", 11, 1, "unbalanced ')'", ""},
        {"()", 2, 1, "empty parentheses", NULL},
        {"number = 1 (", 12, 1, "unexpected '('", ""},
        {"and number = 1", 1, 3, "found the keyword 'and'", "operand is missing"},
        {"number = 1 or or number = 2", 15, 2, "keyword 'or'", ""},
        {"= 1", 1, 1, "expected a field name", "missing"},
        {"\"number\" = 1", 1, 8, "quoted string", "not quoted"},
        {"number = \"1", 10, 1, "unterminated string", NULL},
        {"number = 'x", 10, 1, "unterminated string", NULL},
        {"number = abc", 10, 3, "'abc' is not a valid number for number", "4xx"},
        {"number = -1", 10, 2, "not a valid number", ""},
        {"number = 1.5", 10, 3, "not a valid number", ""},
        {"sip.msg.response.code = 4xxx5", 25, ANY, "not a valid number", ""},
        {"addr = 10.0.0.300", 8, 10, "not a valid address for addr", "10.0.0.0/8"},
        {"addr = 10.0.0.1:99999", 8, ANY, "not a valid address", "port"},
        {"addr = 10.0.0.0/33", 8, ANY, "not a valid address", "prefix length (0-32)"},
        {"addr = [10.0.0.1]:5060", 8, ANY, "not a valid address", ""},
        {"addr = [::1", 8, ANY, "not a valid address", ""},
        {"addr = example.com", 8, ANY, "not a valid address", ""},
        {"addr < 10.0.0.1", 6, 1, "'<' does not apply to addr (a address)", "CIDR"},
        {"src >= 10.0.0.1", 5, 2, "does not apply to src", ""},
        {"timestamp = yesterday", 13, ANY, "not a valid time", "2024-05-01T10:00:00Z"},
        {"timestamp > 2024-02-30", 13, ANY, "not a valid time", "date out of range"},
        {"timestamp > 25:00", 13, ANY, "not a valid time", "out of range"},
        {"timestamp > 2024-05-01T10:00:00+25:00", 13, ANY, "not a valid time", "offset"},
        {"timestamp like 2024", 11, 4, "'like' does not apply to timestamp", ""},
        {"call.duration contains 5", 15, 8, "does not apply to call.duration", ""},
        {"call.duration > 5x", 17, ANY, "not a valid duration", "500ms"},
        {"call.pdd > 99999999999", 12, ANY, "not a valid duration", ""},
        {"retransmission = maybe", 18, 5, "not a valid flag", "true or false"},
        {"retransmission > 1", 16, 1, "does not apply to retransmission", "alone"},
        {"malformed like x", 11, 4, "does not apply", ""},
        {"call.state = canceled", 14, 8, "unknown call state 'canceled'", "cancelled"},
        {"call.state = xyzzy", 14, 5, "unknown call state", "one of setup"},
        {"transport = utp", 13, 3, "unknown transport", "udp"},
        {"sip.msg.call-id like \"(abc\"", 27, 1, "invalid regular expression", "PCRE2"},
        {"sip.msg.call-id like a[", 23, ANY, "invalid regular expression", ""},
        {"sip.msg.call-id ilike '*x'", 24, 1, "invalid regular expression", ""},
        {"number in 1, 2", 11, 1, "expected '(' after in", "list"},
        {"number in ()", 12, 1, "empty list", NULL},
        {"number in (1 2)", 14, 1, "expected ',' or ')'", "column 11"},
        {"number in (1,)", 14, 1, "expected a value after 'in', found ')'", ""},
        {"number in (1, x)", 15, 1, "not a valid number", ""},
        {"number = 1 number = 2", 12, 6, "unexpected 'number'", "and / or"},
        {"not", 4, 0, "ends where a field name", NULL},
        {"number = (1)", 10, 1, "expected a value after '='", "quote"},
        {"sip.msg.call-id = x y", 21, 1, "unexpected 'y'", ""},
        {"sip.hdr.m contains transport=tcp", 29, 1, "unexpected '='", "quoted"},
        /* fuzz finds: a lexical error where an operator, ')' or a value is expected */
        {"(sip.msg.call-id'=\\", 17, 1, "unterminated string", NULL},
        {"number = 1 'x", 12, 1, "unterminated string", NULL},
        {"number in (1, \"2", 15, 1, "unterminated string", NULL},
        /* columns count characters, not bytes */
        {"sip.msg.call-id = 'é' and ü = 1", 27, 2, "unknown field 'ü'", ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        const errcase *c = &cases[i];
        sw_query_error err;
        sw_query *q = sw_query_compile(c->in, strlen(c->in), &err);
        if (!c->msg) {
            if (!q)
                fail_msg("'%s' should compile: %s", c->in, err.msg);
            sw_query_free(q);
            continue;
        }
        if (q)
            fail_msg("'%s' should not compile", c->in);
        if (err.col != c->col || !strstr(err.msg, c->msg) || (c->len != ANY && err.len != c->len))
            fail_msg("'%s': got col %zu len %zu '%s', want col %zu len %zu '%s'", c->in, err.col,
                     err.len, err.msg, c->col, c->len, c->msg);
        if (c->hint ? !strstr(err.hint, c->hint) : err.hint[0] != '\0')
            fail_msg("'%s': hint '%s', want '%s'", c->in, err.hint, c->hint ? c->hint : "(none)");
        /* the message is one line */
        assert_null(strchr(err.msg, '\n'));
        assert_null(strchr(err.hint, '\n'));
    }
}

static void test_error_limits(void **state)
{
    (void)state;
    /* nesting deeper than the bound is an error, not a stack overflow */
    size_t n = 5000;
    char *e = malloc(3 * n + 16);
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        e[j++] = '(';
    memcpy(e + j, "number=1", 8);
    j += 8;
    for (size_t i = 0; i < n; i++)
        e[j++] = ')';
    sw_query_error err;
    assert_null(sw_query_compile(e, j, &err));
    assert_non_null(strstr(err.msg, "nested too deeply"));
    assert_int_equal(err.col, SW_QUERY_MAX_DEPTH + 1);
    j = 0;
    for (size_t i = 0; i < n; i++)
        e[j++] = '!';
    memcpy(e + j, "malformed", 9);
    j += 9;
    assert_null(sw_query_compile(e, j, &err));
    assert_non_null(strstr(err.msg, "nested too deeply"));
    /* exactly at the bound is fine */
    j = 0;
    for (size_t i = 0; i < SW_QUERY_MAX_DEPTH; i++)
        e[j++] = '(';
    memcpy(e + j, "malformed", 9);
    j += 9;
    for (size_t i = 0; i < SW_QUERY_MAX_DEPTH; i++)
        e[j++] = ')';
    sw_query *q = sw_query_compile(e, j, &err);
    assert_non_null(q);
    sw_query_free(q);
    free(e);
    /* length bound */
    char *big = malloc(SW_QUERY_MAX_LEN + 2);
    memset(big, ' ', SW_QUERY_MAX_LEN + 1);
    assert_null(sw_query_compile(big, SW_QUERY_MAX_LEN + 1, &err));
    assert_non_null(strstr(err.msg, "longer than"));
    free(big);
    /* a NULL error pointer is allowed */
    assert_null(sw_query_compile("bad bad", 7, NULL));
    /* NULL expression = empty */
    assert_null(sw_query_compile(NULL, 0, &err));
    assert_non_null(strstr(err.msg, "empty"));
}

static void test_error_format(void **state)
{
    (void)state;
    const char *e = "sip.msg.request.method = INVITE and sip.msg.calid = \"x\"";
    sw_query_error err;
    assert_null(sw_query_compile(e, strlen(e), &err));
    sw_buf b;
    sw_buf_init(&b);
    assert_int_equal(sw_query_error_format(&err, e, strlen(e), &b), 0);
    sw_buf_append(&b, "", 1);
    assert_string_equal(b.p, "unknown field 'sip.msg.calid' at column 37\n"
                             "  sip.msg.request.method = INVITE and sip.msg.calid = \"x\"\n"
                             "                                      ^~~~~~~~~~~~~\n"
                             "  hint: did you mean sip.msg.call-id?\n");
    sw_buf_fini(&b);
    /* tab and UTF-8 before the fault: the caret stays under it */
    const char *e2 = "\tsip.msg.call-id='é'\tand x = 1";
    assert_null(sw_query_compile(e2, strlen(e2), &err));
    sw_buf_init(&b);
    sw_query_error_format(&err, e2, strlen(e2), &b);
    sw_buf_append(&b, "", 1);
    assert_string_equal(b.p, "unknown field 'x' at column 26\n"
                             "   sip.msg.call-id='é' and x = 1\n"
                             "                           ^\n"
                             "  hint: see WHERE EXPRESSIONS in sipwhy(1) for the field names\n");
    sw_buf_fini(&b);
    /* at the end of the input */
    assert_null(sw_query_compile("number =", 8, &err));
    sw_buf_init(&b);
    sw_query_error_format(&err, "number =", 8, &b);
    sw_buf_append(&b, "", 1);
    assert_string_equal(b.p, "a value is missing after '=' at column 9\n"
                             "  number =\n"
                             "          ^\n");
    sw_buf_fini(&b);
}

static void test_join_words(void **state)
{
    (void)state;
    static const struct {
        const char *w[6];
        size_t n;
        const char *out;
    } cases[] = {
        {{"sip.msg.call-id", "=", "abc"}, 3, "sip.msg.call-id = abc"},
        {{"sip.msg.call-id = \"a b\""}, 1, "sip.msg.call-id = \"a b\""},
        {{"sip.msg.response.reason", "=", "Not Found"}, 3, "sip.msg.response.reason = \"Not Found\""},
        {{"x", "=", "say \"hi\" \\o/"}, 3, "x = \"say \\\"hi\\\" \\\\o/\""},
        {{"x", "=", ""}, 3, "x = \"\""},
        {{"(number", "=", "1)"}, 3, "(number = 1)"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        sw_buf b;
        sw_buf_init(&b);
        assert_int_equal(sw_query_join_words((char *const *)cases[i].w, cases[i].n, &b), 0);
        sw_buf_append(&b, "", 1);
        assert_string_equal(b.p, cases[i].out);
        sw_buf_fini(&b);
    }
    /* joined words compile to what was meant */
    char *w[] = {"sip.msg.response.reason", "=", "Not Found", "and", "number", ">", "1"};
    sw_buf b;
    sw_buf_init(&b);
    sw_query_join_words(w, 7, &b);
    sw_query *q = sw_query_compile(b.p, b.len, NULL);
    assert_non_null(q);
    sw_query_free(q);
    sw_buf_fini(&b);
}

/* ---- literals ---------------------------------------------------------------- */

static void test_lit_num(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int64_t lo, hi;
    } cases[] = {
        {"0", 1, 0, 0},         {"486", 1, 486, 486},   {"4xx", 1, 400, 499},
        {"4XX", 1, 400, 499},   {"48x", 1, 480, 489},   {"1x", 1, 10, 19},
        {"999999999999999999", 1, 999999999999999999, 999999999999999999},
        {"1999999999999999999", 0, 0, 0},
        {"x", 0, 0, 0},         {"", 0, 0, 0},          {"4x4", 0, 0, 0},
        {"-1", 0, 0, 0},        {"+1", 0, 0, 0},        {"1.0", 0, 0, 0},
        {"12 ", 0, 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        qlit l;
        const char *why;
        int rc = sw_qlit_num(sw_str_cstr(cases[i].s), &l, &why);
        if ((rc == 0) != cases[i].ok)
            fail_msg("num '%s': rc %d", cases[i].s, rc);
        if (rc == 0) {
            assert_int_equal(l.u.num.lo, cases[i].lo);
            assert_int_equal(l.u.num.hi, cases[i].hi);
        }
    }
}

#define NS 1000000000LL

static void test_lit_time(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int64_t lo, hi;
        bool tod;
    } cases[] = {
        {"1700000000", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"1700000000.5", 1, 1700000000 * NS + NS / 2, 1700000000 * NS + NS / 2 + NS / 10, false},
        {"1700000000.123456789", 1, 1700000000 * NS + 123456789, 1700000000 * NS + 123456790,
         false},
        {"0", 1, 0, NS, false},
        {"2023-11-14T22:13:20Z", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14t22:13:20z", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14 22:13:20", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14T22:13:20", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14T23:13:20+01:00", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14T21:13:20-0100", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-15T01:13:20+03", 1, 1700000000 * NS, 1700000001 * NS, false},
        {"2023-11-14T22:13Z", 1, 1699999980 * NS, 1700000040 * NS, false},
        {"2023-11-14T22:13:20.25Z", 1, 1700000000 * NS + NS / 4, 1700000000 * NS + NS / 4 + NS / 100,
         false},
        {"2023-11-14T22:13:20,25Z", 1, 1700000000 * NS + NS / 4, 1700000000 * NS + NS / 4 + NS / 100,
         false},
        {"2023-11-14", 1, 1699920000 * NS, 1700006400 * NS, false},
        {"2024-02-29", 1, 1709164800 * NS, 1709251200 * NS, false},
        {"1970-01-01T00:00:00Z", 1, 0, NS, false},
        {"22:13:20", 1, 80000 * NS, 80001 * NS, true},
        {"9:05", 1, (9 * 3600 + 300) * NS, (9 * 3600 + 360) * NS, true},
        {"00:00:00.5", 1, NS / 2, NS / 2 + NS / 10, true},
        {"23:59:60", 1, 86400 * NS, 86401 * NS, true},
        {"2023-02-29", 0, 0, 0, false},
        {"2023-13-01", 0, 0, 0, false},
        {"2023-00-10", 0, 0, 0, false},
        {"2023-1-10", 0, 0, 0, false},
        {"24:00", 0, 0, 0, false},
        {"12:60", 0, 0, 0, false},
        {"12:5", 0, 0, 0, false},
        {"12:", 0, 0, 0, false},
        {"1700000000.", 0, 0, 0, false},
        {"1700000000x", 0, 0, 0, false},
        {"2023-11-14T22:13:20Q", 0, 0, 0, false},
        {"2023-11-14X22:13:20", 0, 0, 0, false},
        {"2023-11-14T22:13:20+1", 0, 0, 0, false},
        {"9999999999999", 0, 0, 0, false},
        /* fuzz finds: past what 64-bit nanoseconds hold */
        {"4046-11-14 22:13:25", 0, 0, 0, false},
        {"9000000001", 0, 0, 0, false},
        {"9000000000", 1, 9000000000 * NS, 9000000001 * NS, false},
        {"1899-12-31", 0, 0, 0, false},
        {"1900-01-01", 1, -2208988800 * NS, -2208902400 * NS, false},
        {"2200-12-31T23:59:59.999999999+23:59", 1, 7289654399 * NS + 999999999 - 86340 * NS,
         7289654399 * NS + 1000000000 - 86340 * NS, false},
        {"", 0, 0, 0, false},
        {"now", 0, 0, 0, false},
    };
    for (size_t i = 0; i < N(cases); i++) {
        qlit l;
        const char *why;
        int rc = sw_qlit_time(sw_str_cstr(cases[i].s), &l, &why);
        if ((rc == 0) != cases[i].ok)
            fail_msg("time '%s': rc %d", cases[i].s, rc);
        if (rc == 0 &&
            (l.u.time.lo != cases[i].lo || l.u.time.hi != cases[i].hi || l.u.time.tod != cases[i].tod))
            fail_msg("time '%s': [%lld, %lld) tod %d", cases[i].s, (long long)l.u.time.lo,
                     (long long)l.u.time.hi, l.u.time.tod);
    }
    assert_int_equal(sw_qdays_from_civil(1970, 1, 1), 0);
    assert_int_equal(sw_qdays_from_civil(2000, 3, 1), 11017);
    assert_int_equal(sw_qdays_from_civil(1969, 12, 31), -1);
}

static void test_lit_dur(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int64_t ns;
    } cases[] = {
        {"30", 1, 30 * NS},       {"2.5", 1, 5 * NS / 2},        {"2.5s", 1, 5 * NS / 2},
        {"500ms", 1, NS / 2},     {"1.5ms", 1, 1500000},         {"0.0000001ms", 1, 0},
        {"2m", 1, 120 * NS},      {"2min", 1, 120 * NS},         {"1h", 1, 3600 * NS},
        {"1.5H", 1, 5400 * NS},   {".5", 1, NS / 2},             {"0", 1, 0},
        {"1.123456789123", 1, NS + 123456789},
        {"", 0, 0},               {"s", 0, 0},                   {"5x", 0, 0},
        {"-5", 0, 0},             {"1e3", 0, 0},                 {"12345678901", 0, 0},
        {".", 0, 0},              {"9999999999h", 0, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        qlit l;
        const char *why;
        int rc = sw_qlit_dur(sw_str_cstr(cases[i].s), &l, &why);
        if ((rc == 0) != cases[i].ok)
            fail_msg("dur '%s': rc %d", cases[i].s, rc);
        if (rc == 0 && l.u.dur != cases[i].ns)
            fail_msg("dur '%s': %lld", cases[i].s, (long long)l.u.dur);
    }
}

static void test_lit_addr(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        int family, prefix, port; /* port -1 = none */
        const char *ip;
    } cases[] = {
        {"10.0.0.5", 1, 4, 32, -1, "10.0.0.5"},
        {"10.0.0.5:5060", 1, 4, 32, 5060, "10.0.0.5"},
        {"10.0.0.5/8", 1, 4, 8, -1, "10.0.0.0"},
        {"10.1.2.3/20", 1, 4, 20, -1, "10.1.0.0"},
        {"0.0.0.0/0", 1, 4, 0, -1, "0.0.0.0"},
        {"2001:db8::1", 1, 6, 128, -1, "2001:db8::1"},
        {"[2001:db8::1]", 1, 6, 128, -1, "2001:db8::1"},
        {"[2001:db8::1]:5060", 1, 6, 128, 5060, "2001:db8::1"},
        {"2001:db8::ff/32", 1, 6, 32, -1, "2001:db8::"},
        {"[2001:db8::ff]/64", 1, 6, 64, -1, "2001:db8::"},
        {"::ffff:10.0.0.1", 1, 6, 128, -1, "::ffff:10.0.0.1"},
        {"::1", 1, 6, 128, -1, "::1"},
        {"10.0.0.5:0", 1, 4, 32, 0, "10.0.0.5"},
        {"10.0.0", 0, 0, 0, 0, NULL},
        {"10.0.0.256", 0, 0, 0, 0, NULL},
        {"10.0.0.5:", 0, 0, 0, 0, NULL},
        {"10.0.0.5:65536", 0, 0, 0, 0, NULL},
        {"10.0.0.5:50a", 0, 0, 0, 0, NULL},
        {"10.0.0.5/", 0, 0, 0, 0, NULL},
        {"10.0.0.5/33", 0, 0, 0, 0, NULL},
        {"2001:db8::/129", 0, 0, 0, 0, NULL},
        {"[10.0.0.5]", 0, 0, 0, 0, NULL},
        {"[2001:db8::1]5060", 0, 0, 0, 0, NULL},
        {"[2001:db8::1", 0, 0, 0, 0, NULL},
        {"2001:db8::1%eth0", 0, 0, 0, 0, NULL},
        {"host.example.com", 0, 0, 0, 0, NULL},
        {"", 0, 0, 0, 0, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        qlit l;
        const char *why;
        int rc = sw_qlit_addr(sw_str_cstr(cases[i].s), &l, &why);
        if ((rc == 0) != cases[i].ok)
            fail_msg("addr '%s': rc %d", cases[i].s, rc);
        if (rc)
            continue;
        char buf[64];
        sw_addr_str(&l.u.addr.ip, buf, sizeof buf);
        assert_int_equal(l.u.addr.ip.family, cases[i].family);
        assert_int_equal(l.u.addr.prefix, cases[i].prefix);
        assert_int_equal(l.u.addr.has_port, cases[i].port >= 0);
        if (cases[i].port >= 0)
            assert_int_equal(l.u.addr.port, cases[i].port);
        assert_string_equal(buf, cases[i].ip);
    }
}

static void test_lit_bool(void **state)
{
    (void)state;
    const char *yes[] = {"true", "TRUE", "yes", "on", "1"}, *no[] = {"false", "No", "off", "0"};
    qlit l;
    const char *why;
    for (size_t i = 0; i < N(yes); i++) {
        assert_int_equal(sw_qlit_bool(sw_str_cstr(yes[i]), &l, &why), 0);
        assert_true(l.u.b);
    }
    for (size_t i = 0; i < N(no); i++) {
        assert_int_equal(sw_qlit_bool(sw_str_cstr(no[i]), &l, &why), 0);
        assert_false(l.u.b);
    }
    assert_int_equal(sw_qlit_bool(sw_str_cstr("2"), &l, &why), -1);
}

static void test_suggest(void **state)
{
    (void)state;
    char h[192];
    sw_qfield_suggest("sip.msg.cal-id", 14, h, sizeof h);
    assert_string_equal(h, "did you mean sip.msg.call-id?");
    sw_qfield_suggest("src.prt", 7, h, sizeof h);
    assert_non_null(strstr(h, "src.port"));
    sw_qfield_suggest("method", 6, h, sizeof h);
    assert_non_null(strstr(h, "sip.msg.request.method"));
    sw_qfield_suggest("via", 3, h, sizeof h);
    assert_string_equal(h, "did you mean sip.hdr.Via?");
    sw_qfield_suggest("sip.m", 5, h, sizeof h);
    sw_qfield_suggest("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", 74, h,
                      sizeof h);
    assert_string_equal(h, "");
    assert_int_equal(sw_qedit_distance("kitten", 6, "sitting", 7), 3);
    assert_int_equal(sw_qedit_distance("ABC", 3, "abc", 3), 0);
    assert_int_equal(sw_qedit_distance("", 0, "abc", 3), 3);
    size_t n;
    const char *const *names = sw_query_field_names(&n);
    assert_true(n > 30);
    assert_string_equal(names[0], "number");
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], "sip.hdr.<name>"))
            assert_non_null(sw_qfield_find(names[i], strlen(names[i])));
}

/* ---- evaluation over a hand-built capture ------------------------------------- */

#define T0 1700000000u /* 2023-11-14 22:13:20 UTC */
#define A IP(10, 0, 0, 1)
#define B IP(10, 0, 0, 2)
#define C IP(192, 168, 1, 10)
#define D IP(10, 0, 0, 4)

static const char sdp1[] = "v=0\r\n"
                           "o=alice 1 1 IN IP4 10.0.0.1\r\n"
                           "s=-\r\n"
                           "c=IN IP4 10.0.0.1\r\n"
                           "t=0 0\r\n"
                           "m=audio 4000 RTP/AVP 0 8 101\r\n"
                           "a=rtpmap:101 telephone-event/8000\r\n";
static const char sdp2[] = "v=0\r\n"
                           "o=bob 2 2 IN IP4 10.0.0.2\r\n"
                           "s=-\r\n"
                           "c=IN IP4 10.0.0.2\r\n"
                           "t=0 0\r\n"
                           "m=audio 5000 RTP/AVP 8\r\n"
                           "a=rtpmap:8 PCMA/8000\r\n"
                           "m=video 6000 RTP/AVP 96\r\n"
                           "c=IN IP4 10.0.0.3\r\n"
                           "a=rtpmap:96 H264/90000\r\n";

typedef struct emsg {
    uint32_t sec, usec;
    uint32_t src, dst;
    uint16_t sport, dport;
    bool tcp;
    const char *head; /* start line + headers, each ending in \r\n (no Content-Length) */
    const char *body; /* NULL: none */
} emsg;

#define VIA_A "Via: SIP/2.0/UDP 10.0.0.1:5060;branch="
#define FROM_ALICE "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
#define TO_B "To: <sip:+15551234@example.com>"

static const emsg emsgs[] = {
    /* 1 */ {T0, 0, A, B, 5060, 5060, false,
             "INVITE sip:+15551234@10.0.0.2 SIP/2.0\r\n" VIA_A "z9hG4bK-inv1\r\n" FROM_ALICE TO_B
             "\r\nCall-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\n"
             "Contact: <sip:alice@10.0.0.1:5060>\r\nUser-Agent: TestPhone/1.0\r\n"
             "Content-Type: application/sdp\r\n",
             sdp1},
    /* 2 */ {T0 + 1, 0, B, A, 5060, 5060, false,
             "SIP/2.0 100 Trying\r\n" VIA_A "z9hG4bK-inv1\r\n" FROM_ALICE TO_B
             "\r\nCall-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\n",
             NULL},
    /* 3 */ {T0 + 2, 0, B, A, 5060, 5060, false,
             "SIP/2.0 180 Ringing\r\n" VIA_A "z9hG4bK-inv1\r\n" FROM_ALICE TO_B
             ";tag=b1\r\nCall-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\n",
             NULL},
    /* 4 */ {T0 + 3, 0, B, A, 5060, 5060, false,
             "SIP/2.0 200 OK\r\n" VIA_A "z9hG4bK-inv1\r\n" FROM_ALICE TO_B
             ";tag=b1\r\nCall-ID: call-1@10.0.0.1\r\nCSeq: 1 INVITE\r\n"
             "Contact: <sip:bob@10.0.0.2>\r\nServer: PBX/2.0\r\nContent-Type: application/sdp\r\n",
             sdp2},
    /* 5 */ {T0 + 4, 0, A, B, 5060, 5060, false,
             "ACK sip:bob@10.0.0.2 SIP/2.0\r\n" VIA_A "z9hG4bK-ack1\r\n" FROM_ALICE TO_B
             ";tag=b1\r\nCall-ID: call-1@10.0.0.1\r\nCSeq: 1 ACK\r\n",
             NULL},
    /* 6 */ {T0 + 5, 0, B, A, 5060, 5060, false,
             "BYE sip:alice@10.0.0.1:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-bye1\r\n"
             "From: <sip:+15551234@example.com>;tag=b1\r\nTo: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
             "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 BYE\r\n",
             NULL},
    /* 7 */ {T0 + 5, 500000, A, B, 5060, 5060, false,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-bye1\r\n"
             "From: <sip:+15551234@example.com>;tag=b1\r\nTo: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
             "Call-ID: call-1@10.0.0.1\r\nCSeq: 1 BYE\r\n",
             NULL},
    /* 8: compact forms, TCP */
    {T0 + 6, 0, C, B, 40000, 5060, true,
     "REGISTER sip:example.com SIP/2.0\r\n"
     "v: SIP/2.0/TCP 192.168.1.10:40000;branch=z9hG4bK-reg1\r\n"
     "f: <sip:bob@example.com>;tag=r1\r\nt: <sip:bob@example.com>\r\n"
     "i: reg-1@192.168.1.10\r\nCSeq: 7 REGISTER\r\n"
     "m: <sip:bob@192.168.1.10:40000;transport=tcp>\r\nX-Custom: one\r\nx-custom: two\r\n",
     NULL},
    /* 9 */ {T0 + 7, 0, B, C, 5060, 40000, true,
             "SIP/2.0 401 Unauthorized\r\n"
             "Via: SIP/2.0/TCP 192.168.1.10:40000;branch=z9hG4bK-reg1\r\n"
             "From: <sip:bob@example.com>;tag=r1\r\nTo: <sip:bob@example.com>;tag=s1\r\n"
             "Call-ID: reg-1@192.168.1.10\r\nCSeq: 7 REGISTER\r\n"
             "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"abc\"\r\n",
             NULL},
    /* 10: two Via headers; 11 is its retransmission */
    {T0 + 8, 0, A, D, 5060, 5070, false,
     "OPTIONS sip:d@10.0.0.4:5070 SIP/2.0\r\n" VIA_A "z9hG4bK-opt1\r\n"
     "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-far\r\n" FROM_ALICE
     "To: <sip:d@10.0.0.4>\r\nCall-ID: opt-1@10.0.0.1\r\nCSeq: 5 OPTIONS\r\n",
     NULL},
    {T0 + 8, 500000, A, D, 5060, 5070, false,
     "OPTIONS sip:d@10.0.0.4:5070 SIP/2.0\r\n" VIA_A "z9hG4bK-opt1\r\n"
     "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-far\r\n" FROM_ALICE
     "To: <sip:d@10.0.0.4>\r\nCall-ID: opt-1@10.0.0.1\r\nCSeq: 5 OPTIONS\r\n",
     NULL},
    /* 12 */ {T0 + 9, 0, D, A, 5070, 5060, false,
              "SIP/2.0 404 Not Found\r\n" VIA_A "z9hG4bK-opt1\r\n"
              "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK-far\r\n" FROM_ALICE
              "To: <sip:d@10.0.0.4>;tag=d1\r\nCall-ID: opt-1@10.0.0.1\r\nCSeq: 5 OPTIONS\r\n",
              NULL},
    /* 13: a second call, busy */
    {T0 + 10, 0, A, B, 5060, 5060, false,
     "INVITE sip:600@10.0.0.2 SIP/2.0\r\n" VIA_A "z9hG4bK-inv2\r\n"
     "From: <sip:alice@example.com>;tag=a2\r\nTo: <sip:600@example.com>\r\n"
     "Call-ID: call-2@10.0.0.1\r\nCSeq: 1 INVITE\r\nUser-Agent: Other UA\r\n",
     NULL},
    /* 14 */ {T0 + 11, 0, B, A, 5060, 5060, false,
              "SIP/2.0 486 Busy Here\r\n" VIA_A "z9hG4bK-inv2\r\n"
              "From: <sip:alice@example.com>;tag=a2\r\nTo: <sip:600@example.com>;tag=b2\r\n"
              "Call-ID: call-2@10.0.0.1\r\nCSeq: 1 INVITE\r\n",
              NULL},
    /* 15 */ {T0 + 12, 0, A, B, 5060, 5060, false,
              "ACK sip:600@10.0.0.2 SIP/2.0\r\n" VIA_A "z9hG4bK-inv2\r\n"
              "From: <sip:alice@example.com>;tag=a2\r\nTo: <sip:600@example.com>;tag=b2\r\n"
              "Call-ID: call-2@10.0.0.1\r\nCSeq: 1 ACK\r\n",
              NULL},
    /* 16: malformed (a header line without a colon), no To, no From */
    {T0 + 13, 0, A, B, 5060, 5060, false,
     "INVITE sip:x@10.0.0.2 SIP/2.0\r\n" VIA_A "z9hG4bK-bad\r\nThis line is broken\r\n"
     "Call-ID: bad-1\r\nCSeq: 1 INVITE\r\n",
     NULL},
};

static model em;

static int em_sink(void *ud, uint64_t number, const sw_msg *msg, const sw_sip_msg *sip)
{
    assert_int_equal(sw_corr_add(ud, number, msg, sip), 0);
    return 0;
}

static int setup_capture(void **state)
{
    (void)state;
    pw w = {0};
    pw_header(&w);
    uint32_t seq[2] = {1000, 5000};
    for (size_t i = 0; i < N(emsgs); i++) {
        const emsg *e = &emsgs[i];
        char buf[2048];
        size_t bl = e->body ? strlen(e->body) : 0;
        int n = snprintf(buf, sizeof buf, "%sContent-Length: %zu\r\n\r\n%s", e->head, bl,
                         e->body ? e->body : "");
        assert_true(n > 0 && n < (int)sizeof buf);
        uint32_t *s = &seq[e->src == C ? 0 : 1];
        pw_frame(&w, e->sec, e->usec, e->src, e->dst, e->sport, e->dport, e->tcp, e->tcp ? *s : 0,
                 buf, (size_t)n);
        if (e->tcp)
            *s += (uint32_t)n;
    }
    em.path = pw_save(&w, false);
    free(w.buf);
    const char *paths[] = {em.path};
    char err[256];
    assert_int_equal(sw_capset_open(&em.cs, paths, 1, err, sizeof err), 0);
    em.t = sw_trace_new(NULL);
    em.c = sw_corr_new(em.t, NULL);
    assert_int_equal(sw_trace_read(em.t, em.cs, em_sink, em.c), 0);
    assert_int_equal(sw_trace_count(em.t), N(emsgs));
    sw_corr_finish(em.c, 0);
    return 0;
}

static int teardown_capture(void **state)
{
    (void)state;
    drop(&em);
    return 0;
}

/* "1,4,6" of the messages matching e; checks that the lazy parse (sip NULL)
 * and a parse given by the caller agree. */
static void matches(const char *e, char *out, size_t cap)
{
    sw_query *q = compile(e);
    size_t n = sw_trace_count(em.t), ol = 0;
    out[0] = '\0';
    sw_sip_header hdrs[64];
    for (uint64_t i = 1; i <= n; i++) {
        sw_query_ctx ctx;
        sw_query_ctx_init(&ctx);
        ctx.trace = em.t;
        ctx.corr = em.c;
        ctx.number = i;
        ctx.msg = sw_trace_get(em.t, i);
        bool lazy = sw_query_match_msg(q, &ctx);
        sw_sip_msg sip;
        assert_true(sw_trace_parse(em.t, ctx.msg, &sip, hdrs, 64) >= 0);
        ctx.sip = &sip;
        bool given = sw_query_match_msg(q, &ctx);
        if (lazy != given)
            fail_msg("'%s' on message %llu: lazy parse %d, given parse %d", e,
                     (unsigned long long)i, lazy, given);
        if (lazy)
            ol += (size_t)snprintf(out + ol, cap - ol, "%s%llu", ol ? "," : "",
                                   (unsigned long long)i);
    }
    sw_query_free(q);
}

typedef struct evcase {
    const char *e, *want;
} evcase;

static void run_cases(const evcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char got[256];
        matches(cases[i].e, got, sizeof got);
        if (strcmp(got, cases[i].want))
            fail_msg("'%s': got {%s}, want {%s}", cases[i].e, got, cases[i].want);
    }
}

static void test_eval_capture_sanity(void **state)
{
    (void)state;
    /* the capture is what the cases below assume */
    assert_int_equal(sw_corr_msg_flags(em.c, 11) & SW_MF_RETRANS, SW_MF_RETRANS);
    assert_int_equal(sw_trace_get(em.t, 16)->sflags & SW_SIPF_MALFORMED, SW_SIPF_MALFORMED);
    assert_int_equal(sw_corr_ncalls(em.c), 5);
}

static void test_eval_asterisk_fields(void **state)
{
    (void)state;
    static const evcase cases[] = {
        {"number = 3", "3"},
        {"number == 3", "3"},
        {"number != 3", "1,2,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"number < 3", "1,2"},
        {"number <= 3", "1,2,3"},
        {"number > 14", "15,16"},
        {"number >= 14", "14,15,16"},
        {"number = 1x", "10,11,12,13,14,15,16"},
        {"number in (1, 5, 99)", "1,5"},
        {"number like ^1[0-2]$", "10,11,12"},
        {"number contains 5", "5,15"},
        /* timestamp: whole seconds like Asterisk, or the literal's precision */
        {"timestamp = 1700000005", "6,7"},
        {"timestamp > 1700000005", "8,9,10,11,12,13,14,15,16"},
        {"timestamp >= 1700000005", "6,7,8,9,10,11,12,13,14,15,16"},
        {"timestamp < 1700000002", "1,2"},
        {"timestamp <= 1700000002", "1,2,3"},
        {"timestamp != 1700000005", "1,2,3,4,5,8,9,10,11,12,13,14,15,16"},
        {"timestamp = 1700000005.5", "7"},
        {"timestamp >= 1700000008.5 and timestamp < 1700000009", "11"},
        {"timestamp = 2023-11-14T22:13:25Z", "6,7"},
        {"timestamp = '2023-11-14 22:13:25'", "6,7"},
        {"timestamp = 2023-11-14T23:13:25+01:00", "6,7"},
        {"timestamp < 2023-11-14T22:13", "" },
        {"timestamp = 2023-11-14T22:13", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"timestamp = 2023-11-14", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"timestamp > 2023-11-14", ""},
        {"timestamp = 22:13:25", "6,7"},
        {"timestamp >= 22:13:30 and timestamp < 22:13:31.5", "13,14"},
        {"timestamp in (22:13:20, 22:13:33)", "1,16"},
        /* addr: either side, with or without port, CIDR, IPv4 */
        {"addr = 10.0.0.4", "10,11,12"},
        {"addr = 10.0.0.4:5070", "10,11,12"},
        {"addr = 10.0.0.4:5060", ""},
        {"addr = 192.168.0.0/16", "8,9"},
        {"addr = 192.168.1.10:40000", "8,9"},
        {"addr != 10.0.0.0/8", ""},
        {"addr != 10.0.0.2", "10,11,12"},
        {"not addr = 10.0.0.2", "10,11,12"},
        {"addr in (10.0.0.4, 192.168.1.10)", "8,9,10,11,12"},
        {"addr like ':5070$'", "10,11,12"},
        {"addr contains \"192.168.\"", "8,9"},
        {"addr = 2001:db8::1", ""},
        {"addr = ::/0", ""},
        {"addr = 0.0.0.0/0", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"sip.msg.request.method = INVITE", "1,13,16"},
        {"sip.msg.request.method = invite", ""},
        {"sip.msg.request.method ilike ^invite$", "1,13,16"},
        {"sip.msg.request.method like ^INV", "1,13,16"},
        {"sip.msg.request.method like ^inv", ""},
        /* a response has no request method: != is false for it, as in tshark */
        {"sip.msg.request.method != INVITE", "5,6,8,10,11,15"},
        {"not sip.msg.request.method = INVITE", "2,3,4,5,6,7,8,9,10,11,12,14,15"},
        {"sip.msg.request.method", "1,5,6,8,10,11,13,15,16"},
        {"sip.msg.request.method > CANCEL", "1,8,10,11,13,16"},
        {"sip.msg.request.method < BYE", "5,15"},
        {"sip.msg.request.method <= BYE", "5,6,15"},
        {"sip.msg.request.method >= OPTIONS", "8,10,11"},
        {"sip.msg.call-id = \"call-1@10.0.0.1\"", "1,2,3,4,5,6,7"},
        {"sip.msg.call-id = call-1", ""},
        {"sip.msg.call-id like ^call-", "1,2,3,4,5,6,7,13,14,15"},
        {"sip.msg.call-id contains \"@192.168\"", "8,9"},
        {"sip.msg.call-id in (bad-1, opt-1@10.0.0.1)", "10,11,12,16"},
        /* Asterisk's example, with and without spaces */
        {"sip.msg.call-id = \"opt-1@10.0.0.1\" and addr = 10.0.0.4:5070", "10,11,12"},
        {"(sip.msg.call-id=\"opt-1@10.0.0.1\")&&(addr=10.0.0.4:5070)", "10,11,12"},
    };
    run_cases(cases, N(cases));
}

static void test_eval_extensions(void **state)
{
    (void)state;
    static const evcase cases[] = {
        {"frame = 3", "3"},
        {"src = 10.0.0.2", "2,3,4,6,9,14"},
        {"dst = 10.0.0.2:5060", "1,5,7,8,13,15,16"},
        {"src = 10.0.0.0/24 and dst = 10.0.0.0/24", "1,2,3,4,5,6,7,10,11,12,13,14,15,16"},
        {"src != 10.0.0.1", "2,3,4,6,8,9,12,14"},
        {"src like ^10\\.0\\.0\\.4:", "12"},
        {"port = 5070", "10,11,12"},
        /* != on a multi-valued field: no value equals (every message has 5060
         * on one side) */
        {"port != 5060", ""},
        {"port != 5070", "1,2,3,4,5,6,7,8,9,13,14,15,16"},
        {"src.port = 40000", "8"},
        {"dst.port = 40000", "9"},
        {"src.port > 5060", "8,12"},
        {"dst.port in (5070, 40000)", "9,10,11"},
        {"transport = tcp", "8,9"},
        {"transport = TCP", "8,9"},
        {"transport != udp", "8,9"},
        {"transport in (tls, tcp)", "8,9"},
        {"transport = sctp", ""},
        {"sip.msg.response.code = 200", "4,7"},
        {"sip.msg.response.code = 2xx", "4,7"},
        {"sip.msg.response.code = 4xx", "9,12,14"},
        {"sip.msg.response.code = 48x", "14"},
        {"sip.msg.response.code >= 400", "9,12,14"},
        {"sip.msg.response.code > 4xx", ""},
        {"sip.msg.response.code >= 4xx", "9,12,14"},
        {"sip.msg.response.code < 2xx", "2,3"},
        {"sip.msg.response.code <= 2xx", "2,3,4,7"},
        {"sip.msg.response.code != 200", "2,3,9,12,14"},
        {"sip.msg.response.code in (1xx, 486)", "2,3,14"},
        {"sip.msg.response.code like ^4", "9,12,14"},
        {"sip.msg.response.code", "2,3,4,7,9,12,14"},
        {"sip.msg.response.reason = \"Not Found\"", "12"},
        {"sip.msg.response.reason ilike busy", "14"},
        {"sip.msg.response.reason like busy", ""},
        {"sip.msg.response.reason contains \"Here\"", "14"},
        {"sip.msg.cseq = 7", "8,9"},
        {"sip.msg.cseq > 1", "8,9,10,11,12"},
        {"sip.msg.cseq.method = INVITE", "1,2,3,4,13,14,16"},
        {"sip.msg.cseq.method = BYE and sip.msg.response.code", "7"},
        {"sip.msg.from.user = alice", "1,2,3,4,5,10,11,12,13,14,15"},
        {"sip.msg.from.user = bob", "8,9"},
        {"sip.msg.from.user like ^\\+1", "6,7"},
        {"sip.msg.to.user = 600", "13,14,15"},
        {"sip.msg.to.user = \"+15551234\"", "1,2,3,4,5"},
        {"sip.msg.from.uri = sip:alice@example.com", "1,2,3,4,5,10,11,12,13,14,15"},
        {"sip.msg.to.uri contains 10.0.0.4", "10,11,12"},
        {"sip.msg.from.tag = r1", "8,9"},
        {"sip.msg.to.tag = b1", "3,4,5"},
        {"sip.msg.to.tag", "3,4,5,6,7,9,12,14,15"},
        {"not sip.msg.to.tag and sip.msg.request.method", "1,8,10,11,13,16"},
        {"sip.msg.ruri = sip:600@10.0.0.2", "13,15"},
        {"sip.msg.ruri like \"^sip:\\+1\"", "1"},
        {"sip.msg.ruri.user = d", "10,11"},
        {"sip.msg.ruri.user", "1,5,6,10,11,13,15,16"},
        {"sip.msg.user-agent = \"TestPhone/1.0\"", "1"},
        {"sip.msg.user-agent ilike phone|other", "1,13"},
        {"sip.msg.user-agent", "1,13"},
        {"sip.msg.body contains \"m=audio\"", "1,4"},
        {"sip.msg.body like \"m=video \\d+\"", "4"},
        {"sip.msg.body", "1,4"},
        {"not sip.msg.body", "2,3,5,6,7,8,9,10,11,12,13,14,15,16"},
        /* any header, compact and long names alike, every instance */
        {"sip.hdr.Call-ID = bad-1", "16"},
        {"sip.hdr.i = bad-1", "16"},
        {"sip.hdr.i = \"reg-1@192.168.1.10\"", "8,9"},
        {"sip.hdr.call-id = \"reg-1@192.168.1.10\"", "8,9"},
        {"sip.hdr.f contains bob", "8,9"},
        {"sip.hdr.m contains 'transport=tcp'", "8"},
        {"sip.hdr.Contact contains \"transport=tcp\"", "8"},
        {"sip.hdr.Via contains 10.9.9.9", "10,11,12"},
        {"sip.hdr.v like 'TCP'", "8,9"},
        {"sip.hdr.X-Custom = two", "8"},
        {"sip.hdr.x-custom = one", "8"},
        {"sip.hdr.X-Custom != one", ""},
        {"sip.hdr.X-Custom != three", "8"},
        {"sip.hdr.X-Custom", "8"},
        {"sip.hdr.X-Missing", ""},
        {"sip.hdr.Server = PBX/2.0", "4"},
        {"sip.hdr.WWW-Authenticate contains 'nonce='", "9"},
        {"sip.hdr.Content-Type = application/sdp", "1,4"},
        {"sip.hdr.l = 0", "2,3,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"sdp.codec = PCMU", "1"},
        {"sdp.codec = pcma", "1,4"},
        {"sdp.codec = telephone-event", "1"},
        {"sdp.codec = H264", "4"},
        {"sdp.codec in (G729, h264)", "4"},
        {"sdp.codec != PCMU", "4"},
        {"sdp.codec like ^PCM", "1,4"},
        {"sdp.codec", "1,4"},
        {"sdp.media = video", "4"},
        {"sdp.media = AUDIO", "1,4"},
        {"sdp.addr = 10.0.0.3", "4"},
        {"sdp.addr = 10.0.0.3:6000", "4"},
        {"sdp.addr = 10.0.0.2:6000", ""},
        {"sdp.addr = 10.0.0.1:4000", "1"},
        {"sdp.addr = 10.0.0.0/30", "1,4"},
        {"sdp.addr like :5000$", "4"},
        {"retransmission", "11"},
        {"retransmission = true", "11"},
        {"retransmission = no", "1,2,3,4,5,6,7,8,9,10,12,13,14,15,16"},
        {"retransmission != false", "11"},
        {"not retransmission and sip.msg.request.method = OPTIONS", "10"},
        {"malformed", "16"},
        {"malformed = 0", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"},
        {"truncated", ""},
    };
    run_cases(cases, N(cases));
}

static void test_eval_logic(void **state)
{
    (void)state;
    static const evcase cases[] = {
        {"number = 1 or number = 2 and number = 3", "1"},
        {"(number = 1 or number = 2) and number = 2", "2"},
        {"number = 1 or number = 2 and number = 2", "1,2"},
        {"not number = 1 and number < 3", "2"},
        {"not (number = 1 and number < 3)", "2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        {"!(number > 2) || number = 16", "1,2,16"},
        {"not not number = 4", "4"},
        /* short-circuit: the right side of a decided and/or is not needed */
        {"number > 100 and sip.msg.body contains x", ""},
        {"number > 0 or sdp.codec = x", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"},
        /* call-level fields on messages: the message's call */
        {"call.state = busy", "13,14,15"},
        {"call.state = completed and sip.msg.request.method = BYE", "6"},
        {"call.state = register", "8,9"},
        {"call.state = OPTIONS", "10,11,12"},
        {"call.code = 486", "13,14,15"},
        {"call.code = 4xx or call.code = 2xx", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"},
        {"call.duration = 2", "1,2,3,4,5,6,7"},
        {"call.duration > 1.5 and call.duration < 2500ms", "1,2,3,4,5,6,7"},
        {"call.duration = 0 and call.state = busy", "13,14,15"},
        {"call.pdd = 2s", "1,2,3,4,5,6,7"},
        {"call.legs = 1 and number = 1", "1"},
        {"call.reason = \"Busy Here\"", "13,14,15"},
        {"call.reason ilike unauth", "8,9"},
        {"call.reason ilike busy", "13,14,15"},
    };
    run_cases(cases, N(cases));
}

/* Fields from the context alone: IPv6 endpoints, no trace, no model. */
static void test_eval_context(void **state)
{
    (void)state;
    sw_endpoint s6 = {0}, d6 = {0};
    s6.addr.family = 6;
    d6.addr.family = 6;
    uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, a2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    memcpy(s6.addr.a, a1, 16);
    memcpy(d6.addr.a, a2, 16);
    s6.port = 5060;
    d6.port = 5062;
    sw_msg rec = {0};
    rec.ts_ns = (int64_t)T0 * NS + 250000000;
    rec.transport = SW_TP_UDP;
    const char *text = "OPTIONS sip:x@[2001:db8::2] SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1\r\n"
                       "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: v6\r\n"
                       "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    sw_sip_header hdrs[8];
    sw_sip_msg sip;
    assert_true(sw_sip_parse(&sip, text, strlen(text), hdrs, 8) > 0);
    assert_null(sip.malformed);
    sw_query_ctx ctx;
    sw_query_ctx_init(&ctx);
    ctx.msg = &rec;
    ctx.sip = &sip;
    ctx.src = &s6;
    ctx.dst = &d6;
    ctx.number = 7;
    static const struct {
        const char *e;
        bool want;
    } cases[] = {
        {"addr = 2001:db8::1", true},
        {"addr = [2001:db8::2]:5062", true},
        {"addr = [2001:db8::2]:5060", false},
        {"src = 2001:db8::/32", true},
        {"dst = 2001:db9::/32", false},
        {"src = 10.0.0.0/8", false},
        {"addr like '^\\[2001:db8::1\\]:5060$'", true},
        {"src.port = 5060 and dst.port = 5062", true},
        {"timestamp = 22:13:20.2", true}, /* no trace: the message's own day */
        {"timestamp = 22:13:20.3", false},
        {"timestamp = 1700000000.25", true},
        {"transport = udp", true},
        {"number = 7", true},
        {"sip.msg.call-id = v6", true},
        /* no model: flags and calls are absent */
        {"retransmission", false},
        {"not retransmission", true},
        {"retransmission = false", false},
        {"call.state = setup", false},
        {"call.state != setup", false},
        {"malformed", false},
        {"frame = 0", true},
    };
    for (size_t i = 0; i < N(cases); i++) {
        sw_query *q = compile(cases[i].e);
        if (sw_query_match_msg(q, &ctx) != cases[i].want)
            fail_msg("'%s' should be %s", cases[i].e, cases[i].want ? "true" : "false");
        sw_query_free(q);
    }
    /* an empty context: every field absent */
    sw_query_ctx none;
    sw_query_ctx_init(&none);
    const char *absent[] = {"number",   "timestamp",     "addr = 0.0.0.0/0", "sip.msg.call-id",
                            "transport", "malformed",    "sdp.codec",        "sip.hdr.Via",
                            "frame",    "src.port != 1", "number != 1",      "call.legs"};
    for (size_t i = 0; i < N(absent); i++) {
        sw_query *q = compile(absent[i]);
        if (sw_query_match_msg(q, &none))
            fail_msg("'%s' on an empty context should be false", absent[i]);
        sw_query_free(q);
    }
}

static void test_select_calls(void **state)
{
    (void)state;
    static const struct {
        const char *e, *want; /* 1-based call indexes */
    } cases[] = {
        /* calls: call-1 (completed), reg-1 (REGISTER), opt-1 (OPTIONS), call-2 (busy),
         * bad-1 (malformed INVITE) */
        {"call.state = completed", "1"},
        {"call.state = busy or call.state = register", "2,4"},
        {"call.code >= 400", "2,3,4"},
        {"call.duration > 1", "1"},
        {"not call.duration > 1", "2,3,4,5"},
        {"call.pdd", "1"},
        {"call.legs = 1", "1,2,3,4,5"},
        /* message-level: calls with at least one matching message */
        {"sip.msg.response.code = 486", "4"},
        {"sip.msg.request.method = BYE", "1"},
        {"addr = 192.168.0.0/16", "2"},
        {"retransmission", "3"},
        {"malformed", "5"},
        {"sdp.codec = H264", "1"},
        /* not applies per message: calls with a message that is not a BYE */
        {"not sip.msg.request.method = BYE", "1,2,3,4,5"},
        /* mixed: one message satisfies it all, call.* from its call */
        {"call.state = completed and sip.msg.request.method = BYE", "1"},
        {"call.state = busy and sip.msg.request.method = BYE", ""},
        {"call.code = 486 or sip.msg.response.code = 404", "3,4"},
        {"number = 12", "3"},
    };
    size_t nc = sw_corr_ncalls(em.c);
    for (size_t i = 0; i < N(cases); i++) {
        sw_query *q = compile(cases[i].e);
        bool keep[16];
        size_t kept = sw_query_select_calls(q, em.t, em.c, keep);
        char got[64] = "";
        size_t gl = 0, count = 0;
        for (size_t k = 0; k < nc; k++) {
            /* the one-call form agrees with the all-calls form */
            assert_int_equal(sw_query_match_call(q, em.t, em.c, (uint32_t)k), keep[k]);
            if (keep[k]) {
                gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%zu", gl ? "," : "", k + 1);
                count++;
            }
        }
        assert_int_equal(kept, count);
        if (strcmp(got, cases[i].want))
            fail_msg("calls '%s': got {%s}, want {%s}", cases[i].e, got, cases[i].want);
        assert_false(sw_query_match_call(q, em.t, em.c, (uint32_t)nc));
        sw_query_free(q);
    }
}

/* Call outcomes from the shared scenario builder: cancelled and ongoing. */
static void test_calls_scenarios(void **state)
{
    (void)state;
    static const m cancel[] = {
        {false, "INVITE sip:b@y SIP/2.0", BR("1"), "f1", NULL, "k1", 1, "INVITE", NULL},
        {true, "SIP/2.0 180 Ringing", BR("1"), "f1", "t1", "k1", 1, "INVITE", NULL},
        {false, "CANCEL sip:b@y SIP/2.0", BR("1"), "f1", NULL, "k1", 1, "CANCEL", NULL},
        {true, "SIP/2.0 200 OK", BR("1"), "f1", NULL, "k1", 1, "CANCEL", NULL},
        {true, "SIP/2.0 487 Request Terminated", BR("1"), "f1", "t1", "k1", 1, "INVITE", NULL},
        {false, "ACK sip:b@y SIP/2.0", BR("1"), "f1", "t1", "k1", 1, "ACK", NULL},
        {false, "INVITE sip:b@y SIP/2.0", BR("2"), "f2", NULL, "k2", 1, "INVITE", NULL},
        {true, "SIP/2.0 200 OK", BR("2"), "f2", "t2", "k2", 1, "INVITE", NULL},
        {false, "ACK sip:b@y SIP/2.0", BR("3"), "f2", "t2", "k2", 1, "ACK", NULL},
    };
    model md = build(cancel, N(cancel), 100);
    static const struct {
        const char *e, *want;
    } cases[] = {
        {"call.state = cancelled", "1"},
        {"call.state = answered", "2"},
        {"call.code = 487", "1"},
        {"call.pdd = 100ms", "1"},
        {"call.pdd", "1"},
        /* answered, still up: answer to the last message (100 ms later) */
        {"call.duration = 100ms", "2"},
        {"call.duration = 0", "1"},
        {"sip.msg.request.method = CANCEL", "1"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        sw_query *q = compile(cases[i].e);
        bool keep[4];
        sw_query_select_calls(q, md.t, md.c, keep);
        char got[32] = "";
        size_t gl = 0;
        for (size_t k = 0; k < sw_corr_ncalls(md.c); k++)
            if (keep[k])
                gl += (size_t)snprintf(got + gl, sizeof got - gl, "%s%zu", gl ? "," : "", k + 1);
        if (strcmp(got, cases[i].want))
            fail_msg("scenario '%s': got {%s}, want {%s}", cases[i].e, got, cases[i].want);
        sw_query_free(q);
    }
    drop(&md);
}

/* A regex that backtracks catastrophically hits PCRE2's match limit: no
 * match, counted, no hang. */
static void test_regex_limit(void **state)
{
    (void)state;
    sw_query *q = compile("sip.msg.body like '^(a+)+$'");
    char body[200];
    memset(body, 'a', sizeof body);
    body[sizeof body - 1] = 'c';
    char text[512];
    int n = snprintf(text, sizeof text,
                     "MESSAGE sip:x@y SIP/2.0\r\nCall-ID: r\r\nCSeq: 1 MESSAGE\r\n"
                     "Content-Length: %zu\r\n\r\n%.*s",
                     sizeof body, (int)sizeof body, body);
    sw_sip_header hdrs[8];
    sw_sip_msg sip;
    assert_true(sw_sip_parse(&sip, text, (size_t)n, hdrs, 8) > 0);
    sw_query_ctx ctx;
    sw_query_ctx_init(&ctx);
    ctx.sip = &sip;
    assert_false(sw_query_match_msg(q, &ctx));
    assert_true(sw_query_regex_failures(q) >= 1);
    sw_query_free(q);
}

/* ---- the man page's examples ------------------------------------------------- */

/* Splits a shell command line (single and double quotes, backslashes) into
 * words; returns the count. */
static size_t shell_words(const char *s, char **w, size_t cap, char *store)
{
    size_t n = 0;
    char *o = store;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || n == cap)
            break;
        w[n++] = o;
        while (*s && *s != ' ' && *s != '\t') {
            if (*s == '\'') {
                for (s++; *s && *s != '\''; s++)
                    *o++ = *s;
                if (*s)
                    s++;
            } else if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$'))
                        s++;
                    *o++ = *s;
                }
                if (*s)
                    s++;
            } else {
                if (*s == '\\' && s[1])
                    s++;
                *o++ = *s++;
            }
        }
        *o++ = '\0';
    }
    return n;
}

/* roff to text: \- \e \(dq \(aq \& \\ */
static void unroff(const char *in, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < cap; i++) {
        if (in[i] == '\\' && in[i + 1]) {
            if (in[i + 1] == '-' || in[i + 1] == '\\') {
                out[j++] = in[i + 1] == '-' ? '-' : '\\';
                i++;
            } else if (in[i + 1] == 'e') {
                out[j++] = '\\';
                i++;
            } else if (in[i + 1] == '&') {
                i++;
            } else if (in[i + 1] == '(' && in[i + 2] && in[i + 3]) {
                if (!strncmp(in + i + 2, "dq", 2))
                    out[j++] = '"';
                else if (!strncmp(in + i + 2, "aq", 2))
                    out[j++] = '\'';
                i += 3;
            } else {
                out[j++] = in[i];
            }
        } else {
            out[j++] = in[i];
        }
    }
    out[j] = '\0';
}

/* An inline example in the text (.B "...", .BR "...", .RB ( "..."): one that
 * starts with a field name (after not, ! or parentheses) must compile;
 * fragments ("> 4xx", "= true") are not expressions and are skipped.
 * Returns 1 when it was an expression. */
static int inline_example(const char *line)
{
    if (strncmp(line, ".B ", 3) && strncmp(line, ".BR ", 4) && strncmp(line, ".RB ", 4))
        return 0;
    const char *q1 = strchr(line, '"');
    const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (!q2)
        return 0;
    char raw[512], text[512];
    size_t n = (size_t)(q2 - q1 - 1);
    if (n >= sizeof raw)
        return 0;
    memcpy(raw, q1 + 1, n);
    raw[n] = '\0';
    unroff(raw, text, sizeof text);
    const char *w = text;
    for (;;) {
        if (*w == '(' || *w == '!' || *w == ' ')
            w++;
        else if (!strncmp(w, "not ", 4))
            w += 4;
        else
            break;
    }
    size_t wl = strcspn(w, " =!<>()");
    if (!sw_qfield_find(w, wl))
        return 0;
    sw_query_error err;
    sw_query *q = sw_query_compile(text, strlen(text), &err);
    if (!q)
        fail_msg("man page inline example '%s': %s at column %zu", text, err.msg, err.col);
    sw_query_free(q);
    return 1;
}

static void test_man_examples(void **state)
{
    (void)state;
    const char *path = getenv("SW_MAN_PAGE") ? getenv("SW_MAN_PAGE") : "docs/sipwhy.1";
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (run from the repository root or set SW_MAN_PAGE)", path);
    char line[2048];
    bool in_section = false, in_nf = false;
    size_t examples = 0, inline_examples = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, ".SH", 3)) {
            in_section = strstr(line, "WHERE EXPRESSIONS") != NULL;
            continue;
        }
        if (!in_section)
            continue;
        if (!strncmp(line, ".nf", 3)) {
            in_nf = true;
            continue;
        }
        if (!strncmp(line, ".fi", 3)) {
            in_nf = false;
            continue;
        }
        inline_examples += inline_example(line);
        if (!in_nf || strncmp(line, "sipwhy ", 7))
            continue;
        char text[2048], store[4096], *w[64];
        unroff(line, text, sizeof text);
        size_t n = shell_words(text, w, 64, store);
        /* the expression: after -w / --where, or the words after `where` */
        const char *opt = NULL;
        size_t wh = n;
        for (size_t i = 1; i < n; i++) {
            if ((!strcmp(w[i], "-w") || !strcmp(w[i], "--where")) && i + 1 < n)
                opt = w[i + 1];
            else if (!strncmp(w[i], "--where=", 8))
                opt = w[i] + 8;
            else if (!strcmp(w[i], "where")) {
                wh = i;
                break;
            }
        }
        sw_buf b;
        sw_buf_init(&b);
        if (opt)
            sw_buf_append(&b, opt, strlen(opt));
        else if (wh < n)
            sw_query_join_words(w + wh + 1, n - wh - 1, &b);
        else
            fail_msg("man page example without an expression: %s", text);
        sw_query_error err;
        sw_query *q = sw_query_compile(b.p, b.len, &err);
        if (!q)
            fail_msg("man page example '%s': %s at column %zu", text, err.msg, err.col);
        sw_query_free(q);
        sw_buf_fini(&b);
        examples++;
    }
    fclose(f);
    /* the section exists and has examples */
    assert_true(examples >= 10);
    assert_true(inline_examples >= 10);
}

int main(void)
{
    sw_hash_set_key(1, 2);
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_lexer),
        cmocka_unit_test(test_lexer_offsets),
        cmocka_unit_test(test_parse_tree),
        cmocka_unit_test(test_needs),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_limits),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_join_words),
        cmocka_unit_test(test_lit_num),
        cmocka_unit_test(test_lit_time),
        cmocka_unit_test(test_lit_dur),
        cmocka_unit_test(test_lit_addr),
        cmocka_unit_test(test_lit_bool),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_eval_context),
        cmocka_unit_test(test_calls_scenarios),
        cmocka_unit_test(test_regex_limit),
        cmocka_unit_test(test_man_examples),
    };
    const struct CMUnitTest capture[] = {
        cmocka_unit_test(test_eval_capture_sanity),
        cmocka_unit_test(test_eval_asterisk_fields),
        cmocka_unit_test(test_eval_extensions),
        cmocka_unit_test(test_eval_logic),
        cmocka_unit_test(test_select_calls),
    };
    int rc = cmocka_run_group_tests_name("query", unit, NULL, NULL);
    rc |= cmocka_run_group_tests_name("query_capture", capture, setup_capture, teardown_capture);
    return rc;
}
