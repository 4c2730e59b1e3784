/*
 * query/parse: from expression text to a typed tree (sw_query_compile).
 *
 * Grammar (recursive descent, one token of lookahead):
 *
 *   expr      = or END
 *   or        = and { ("or" | "||") and }
 *   and       = unary { ("and" | "&&") unary }
 *   unary     = ("not" | "!") unary | primary
 *   primary   = "(" or ")" | FIELD [ cmp ]
 *   cmp       = OP value | "in" "(" value { "," value } ")"
 *   OP        = "=" | "==" | "!=" | "<>" | "<" | ">" | "<=" | ">=" | "like" | "ilike" | "contains"
 *
 * So `and` binds tighter than `or` (Asterisk gives both the same precedence
 * and reads them left to right), `not` applies to what follows it, a whole
 * comparison included (`not a = b` is `not (a = b)`, as in SQL), and a bare
 * FIELD tests presence (`sip.hdr.Replaces`) or a flag (`retransmission`).
 *
 * Everything the evaluator would otherwise have to check per message is
 * settled here: the field exists, the operator applies to its type, every
 * literal converts to that type, every regular expression compiles. The
 * first fault stops the compilation with its position and, where one helps,
 * a hint.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "query_int.h"

typedef struct qparse {
    qlex lx;
    qtok tok;
    sw_query *q;
    sw_query_error *err;
    const char *src;
    size_t len;
    int depth;
    bool failed;
} qparse;

/* ---- errors ---------------------------------------------------------------- */

static size_t column_of(const char *src, size_t off)
{
    size_t col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)src[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static void fail_at(qparse *P, size_t off, size_t len, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail_at(qparse *P, size_t off, size_t len, const char *hint, const char *fmt, ...)
{
    if (P->failed)
        return;
    P->failed = true;
    if (!P->err)
        return;
    sw_query_error *e = P->err;
    e->off = off;
    e->len = len;
    e->col = column_of(P->src, off);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    snprintf(e->hint, sizeof e->hint, "%s", hint ? hint : "");
}

static void fail_oom(qparse *P)
{
    if (P->failed)
        return;
    P->failed = true;
    if (P->err) {
        memset(P->err, 0, sizeof *P->err);
        snprintf(P->err->msg, sizeof P->err->msg, "out of memory");
    }
}

/* A token for messages: 'word' (cut to 40 bytes, control bytes as '?'). */
static const char *tok_desc(const qtok *t, char *buf, size_t cap)
{
    if (t->kind == QT_END)
        return "the end of the expression";
    if (t->kind == QT_STRING)
        return "a quoted string";
    size_t n = SW_MIN(t->len, (size_t)40);
    size_t j = 0;
    buf[j++] = '\'';
    for (size_t i = 0; i < n && j + 5 < cap; i++) {
        unsigned char c = (unsigned char)t->text.p[i];
        buf[j++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (t->len > n && j + 5 < cap) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j++] = '\'';
    buf[j] = '\0';
    return buf;
}

/* ---- tokens ------------------------------------------------------------- */

/* Next token. A lexical error (an unterminated string) is the fault
 * wherever it appears, so it fails here and no rule sees QT_ERROR. */
static void advance(qparse *P)
{
    if (sw_qlex_next(&P->lx, &P->tok))
        fail_oom(P);
    else if (P->tok.kind == QT_ERROR)
        fail_at(P, P->tok.off, P->tok.len, NULL, "%s", P->tok.err);
}

static bool is_kw(const qtok *t, const char *kw)
{
    return t->kind == QT_WORD && sw_str_ieq_cstr(t->text, kw);
}

static bool is_or(const qtok *t) { return t->kind == QT_OR || is_kw(t, "or"); }
static bool is_and(const qtok *t) { return t->kind == QT_AND || is_kw(t, "and"); }
static bool is_not(const qtok *t) { return t->kind == QT_NOT || is_kw(t, "not"); }

static bool is_keyword(const qtok *t)
{
    static const char *kw[] = {"and", "or", "not", "like", "ilike", "contains", "in"};
    for (size_t i = 0; i < SW_ARRAY_LEN(kw); i++)
        if (is_kw(t, kw[i]))
            return true;
    return false;
}

/* The comparison operator at t, or -1. */
static int op_of(const qtok *t)
{
    switch (t->kind) {
    case QT_EQ: return QOP_EQ;
    case QT_NE: return QOP_NE;
    case QT_LT: return QOP_LT;
    case QT_GT: return QOP_GT;
    case QT_LE: return QOP_LE;
    case QT_GE: return QOP_GE;
    default: break;
    }
    if (is_kw(t, "like"))
        return QOP_LIKE;
    if (is_kw(t, "ilike"))
        return QOP_ILIKE;
    if (is_kw(t, "contains"))
        return QOP_CONTAINS;
    if (is_kw(t, "in"))
        return QOP_IN;
    return -1;
}

static const char *op_name(int op)
{
    static const char *n[] = {"=", "!=", "<", ">", "<=", ">=", "like", "ilike", "contains", "in"};
    return (unsigned)op < SW_ARRAY_LEN(n) ? n[op] : "?";
}

/* ---- nodes ---------------------------------------------------------------- */

static qnode *new_node(qparse *P, qnode_kind k)
{
    qnode *n = sw_arena_calloc(&P->q->arena, sizeof *n);
    if (!n) {
        fail_oom(P);
        return NULL;
    }
    n->kind = (uint8_t)k;
    return n;
}

static qnode *binary(qparse *P, qnode_kind k, qnode *a, qnode *b)
{
    qnode *n = new_node(P, k);
    if (n) {
        n->a = a;
        n->b = b;
    }
    return n;
}

static qnode *parse_or(qparse *P);

/* ---- literals ------------------------------------------------------------ */

static const char *state_names[] = {"setup",     "ringing", "answered", "completed", "cancelled",
                                    "busy",      "rejected", "failed",  "register",  "subscribe",
                                    "options",   "message", "notify",   "refer",     "other"};
static const char *transport_names[] = {"udp", "tcp", "sctp", "tls", "ws", "wss"};

/* Checks the value of an enum-like field; fails with the closest names. */
static bool check_enum(qparse *P, const qlit *l, const char *const *names, size_t n,
                       const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (sw_str_ieq_cstr(l->text, names[i]))
            return true;
    char hint[192];
    const char *best = NULL;
    unsigned bd = 3;
    for (size_t i = 0; i < n; i++) {
        unsigned d = sw_qedit_distance(l->text.p, l->text.len, names[i], strlen(names[i]));
        if (d < bd) {
            bd = d;
            best = names[i];
        }
    }
    if (best) {
        snprintf(hint, sizeof hint, "did you mean %s?", best);
    } else {
        size_t j = (size_t)snprintf(hint, sizeof hint, "one of");
        for (size_t i = 0; i < n && j < sizeof hint; i++)
            j += (size_t)snprintf(hint + j, sizeof hint - j, "%s %s", i ? "," : "", names[i]);
    }
    char b[64];
    qtok t = {.kind = QT_WORD, .text = l->text, .len = l->text.len};
    fail_at(P, l->off, l->len, hint, "unknown %s %s", what, tok_desc(&t, b, sizeof b));
    return false;
}

/* Reads one value token into l, converted for field f under operator op. */
static bool parse_value(qparse *P, const qfield_def *f, int op, qlit *l)
{
    char b[64];
    qtok *t = &P->tok;
    if (t->kind != QT_WORD && t->kind != QT_STRING) {
        if (t->kind == QT_ERROR)
            fail_at(P, t->off, t->len, NULL, "%s", t->err);
        else if (t->kind == QT_END)
            fail_at(P, t->off, 0, NULL, "a value is missing after '%s'", op_name(op));
        else
            fail_at(P, t->off, t->len, "quote a value that contains ( ) , = < > ! or spaces",
                    "expected a value after '%s', found %s", op_name(op), tok_desc(t, b, sizeof b));
        return false;
    }
    l->text = t->text;
    l->quoted = t->kind == QT_STRING;
    l->off = t->off;
    l->len = t->len;
    if (op == QOP_EQ && t->kind == QT_WORD && t->text.len && t->text.p[0] == '~') {
        fail_at(P, t->off, 1, "like is the regular-expression operator: field like \"regex\"",
                "'=~' is not an operator");
        return false;
    }
    /* the literal's text must outlive the expression (decoded strings are
     * in the arena already) */
    if (l->text.len && l->text.p >= P->src && l->text.p < P->src + P->len) {
        char *d = sw_arena_dup(&P->q->arena, l->text.p, l->text.len);
        if (!d) {
            fail_oom(P);
            return false;
        }
        l->text.p = d;
    }
    if (op == QOP_LIKE || op == QOP_ILIKE || op == QOP_CONTAINS)
        return true; /* text operators: the text as written */
    const char *why = NULL;
    int rc = 0;
    switch ((qtype)f->type) {
    case QTY_NUM: rc = sw_qlit_num(l->text, l, &why); break;
    case QTY_TIME: rc = sw_qlit_time(l->text, l, &why); break;
    case QTY_DUR: rc = sw_qlit_dur(l->text, l, &why); break;
    case QTY_ADDR: rc = sw_qlit_addr(l->text, l, &why); break;
    case QTY_BOOL: rc = sw_qlit_bool(l->text, l, &why); break;
    case QTY_STR:
        /* header values compare as numbers when both sides are whole
         * numbers (Max-Forwards < 70, Expires > 3600) */
        if (f->id == QF_HDR && l->text.len && l->text.len <= 18) {
            const char *w;
            l->is_int = sw_qlit_num(l->text, l, &w) == 0 && l->u.num.lo == l->u.num.hi;
        }
        if (f->flags & QFF_STATE)
            return check_enum(P, l, state_names, SW_ARRAY_LEN(state_names), "call state");
        if (f->flags & QFF_TRANSPORT)
            return check_enum(P, l, transport_names, SW_ARRAY_LEN(transport_names), "transport");
        break;
    }
    if (rc) {
        fail_at(P, l->off, l->len, why, "%s is not a valid %s for %s", tok_desc(t, b, sizeof b),
                sw_qtype_name((qtype)f->type), f->id == QF_HDR ? "a header" : f->name);
        return false;
    }
    return true;
}

static bool compile_regex(qparse *P, qnode *n)
{
    const qlit *l = &n->lits[0];
    int ec;
    PCRE2_SIZE eo;
    uint32_t opt = n->op == QOP_ILIKE ? PCRE2_CASELESS : 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)l->text.p, l->text.len, opt, &ec, &eo, NULL);
    if (!re) {
        char msg[128];
        pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
        size_t off = l->off + (l->quoted ? 1 : 0) + SW_MIN((size_t)eo, l->text.len);
        if (off >= l->off + l->len)
            off = l->off + (l->len ? l->len - 1 : 0);
        fail_at(P, off, 1, "like and ilike take PCRE2 regular expressions (quote them)",
                "invalid regular expression: %s", msg);
        return false;
    }
    n->re = re;
    n->next_re = P->q->regexes;
    P->q->regexes = n;
    /* JIT makes a match several times faster; without JIT support the
     * interpreter gives the same answers. */
    n->re_jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
    return true;
}

/* Can op apply to a field of type t? Fails with a message when not. */
static bool op_allowed(qparse *P, const qfield_def *f, int op, const qtok *optok)
{
    const char *hint = NULL;
    bool ok = true;
    switch ((qtype)f->type) {
    case QTY_NUM:
    case QTY_STR: break;
    case QTY_ADDR:
        ok = op == QOP_EQ || op == QOP_NE || op == QOP_IN || op == QOP_LIKE || op == QOP_ILIKE ||
             op == QOP_CONTAINS;
        hint = "compare addresses with = or != (a CIDR such as 10.0.0.0/8 selects a range)";
        break;
    case QTY_TIME:
    case QTY_DUR:
        ok = op <= QOP_GE || op == QOP_IN;
        hint = "times and durations compare with = != < > <= >=";
        break;
    case QTY_BOOL:
        ok = op == QOP_EQ || op == QOP_NE;
        hint = "a flag is used alone (retransmission, not malformed) or with = true / = false";
        break;
    }
    if (!ok)
        fail_at(P, optok->off, optok->len, hint, "'%s' does not apply to %s (a %s)", op_name(op),
                f->id == QF_HDR ? "a header" : f->name, sw_qtype_name((qtype)f->type));
    return ok;
}

/* ---- grammar ------------------------------------------------------------- */

static qnode *parse_field(qparse *P)
{
    char b[64];
    qtok ft = P->tok;
    const qfield_def *f = sw_qfield_find(ft.text.p, ft.text.len);
    if (!f) {
        char hint[192];
        sw_qfield_suggest(ft.text.p, ft.text.len, hint, sizeof hint);
        if (!hint[0])
            snprintf(hint, sizeof hint, "see WHERE EXPRESSIONS in sipwhy(1) for the field names");
        fail_at(P, ft.off, ft.len, hint, "unknown field %s", tok_desc(&ft, b, sizeof b));
        return NULL;
    }
    qnode *n = new_node(P, QN_EXISTS);
    if (!n)
        return NULL;
    n->field = f->id;
    if (f->id == QF_HDR) {
        n->hdr = sw_str_make(ft.text.p + 8, ft.text.len - 8);
        n->hdr_type = sw_sip_hdr_lookup(n->hdr);
        /* the name must outlive the expression text */
        char *d = sw_arena_dup(&P->q->arena, n->hdr.p, n->hdr.len);
        if (!d) {
            fail_oom(P);
            return NULL;
        }
        n->hdr.p = d;
    }
    P->q->needs |= (f->flags & QFF_CALL) ? SW_QUERY_NEEDS_CALL : SW_QUERY_NEEDS_MSG;
    if (f->flags & QFF_SIP)
        P->q->needs |= SW_QUERY_NEEDS_SIP;
    if (f->flags & QFF_SDP)
        P->q->needs |= SW_QUERY_NEEDS_SDP;
    if (f->flags & (QFF_CORR | QFF_CALL))
        P->q->needs |= SW_QUERY_NEEDS_CORR;
    advance(P);
    if (P->failed)
        return NULL;
    int op = op_of(&P->tok);
    if (op < 0) {
        qtok *t = &P->tok;
        /* a field alone: presence test; followed by a word that is not a
         * connective, an operator is missing */
        if ((t->kind == QT_WORD && !is_and(t) && !is_or(t)) || t->kind == QT_STRING ||
            t->kind == QT_NOT) {
            const char *hint = "operators: = != < > <= >= like ilike contains in";
            if (t->kind == QT_WORD && (sw_str_eq_cstr(t->text, "~") || sw_str_eq_cstr(t->text, "=~")))
                hint = "like is the regular-expression operator: field like \"regex\"";
            else if (t->kind == QT_WORD && (sw_str_eq_cstr(t->text, "&") || sw_str_eq_cstr(t->text, "|")))
                hint = "logical operators are && || and or";
            else if (is_not(t))
                hint = "not goes before the comparison: not field = value";
            fail_at(P, t->off, t->len, hint, "expected an operator after %.*s, found %s",
                    (int)SW_MIN(ft.len, (size_t)64), ft.text.p, tok_desc(t, b, sizeof b));
            return NULL;
        }
        return n;
    }
    qtok optok = P->tok;
    if (!op_allowed(P, f, op, &optok))
        return NULL;
    n->kind = QN_CMP;
    n->op = (uint8_t)op;
    advance(P);
    if (P->failed)
        return NULL;
    if (op == QOP_IN) {
        if (P->tok.kind != QT_LPAREN) {
            fail_at(P, P->tok.off, P->tok.len, "in takes a list: field in (a, b, c)",
                    "expected '(' after in, found %s", tok_desc(&P->tok, b, sizeof b));
            return NULL;
        }
        size_t lp = P->tok.off;
        advance(P);
        size_t cap = 4;
        n->lits = sw_arena_calloc(&P->q->arena, cap * sizeof *n->lits);
        if (!n->lits) {
            fail_oom(P);
            return NULL;
        }
        for (;;) {
            if (P->failed)
                return NULL;
            if (P->tok.kind == QT_RPAREN && n->nlits == 0) {
                fail_at(P, P->tok.off, P->tok.len, NULL, "empty list after in");
                return NULL;
            }
            if (n->nlits == cap) {
                qlit *nl = sw_arena_calloc(&P->q->arena, 2 * cap * sizeof *nl);
                if (!nl) {
                    fail_oom(P);
                    return NULL;
                }
                memcpy(nl, n->lits, cap * sizeof *nl);
                n->lits = nl;
                cap *= 2;
            }
            if (!parse_value(P, f, QOP_IN, &n->lits[n->nlits]))
                return NULL;
            n->nlits++;
            advance(P);
            if (P->failed)
                return NULL;
            if (P->tok.kind == QT_COMMA) {
                advance(P);
                continue;
            }
            if (P->tok.kind == QT_RPAREN)
                break;
            char hint[64];
            snprintf(hint, sizeof hint, "the list opened at column %zu", column_of(P->src, lp));
            fail_at(P, P->tok.off, P->tok.len, hint, "expected ',' or ')' in the list, found %s",
                    tok_desc(&P->tok, b, sizeof b));
            return NULL;
        }
        advance(P);
        return P->failed ? NULL : n;
    }
    n->lits = sw_arena_calloc(&P->q->arena, sizeof *n->lits);
    if (!n->lits) {
        fail_oom(P);
        return NULL;
    }
    n->nlits = 1;
    if (!parse_value(P, f, op, &n->lits[0]))
        return NULL;
    if ((op == QOP_LIKE || op == QOP_ILIKE) && !compile_regex(P, n))
        return NULL;
    advance(P);
    return P->failed ? NULL : n;
}

static qnode *parse_primary(qparse *P)
{
    char b[64];
    qtok *t = &P->tok;
    switch (t->kind) {
    case QT_LPAREN: {
        size_t open = t->off;
        if (++P->depth > SW_QUERY_MAX_DEPTH) {
            fail_at(P, t->off, t->len, NULL, "expression nested too deeply (over %d levels)",
                    SW_QUERY_MAX_DEPTH);
            return NULL;
        }
        advance(P);
        if (P->failed)
            return NULL;
        if (P->tok.kind == QT_RPAREN) {
            fail_at(P, P->tok.off, P->tok.len, NULL, "empty parentheses");
            return NULL;
        }
        qnode *e = parse_or(P);
        if (!e)
            return NULL;
        if (P->tok.kind != QT_RPAREN) {
            char hint[64];
            snprintf(hint, sizeof hint, "the '(' at column %zu is not closed",
                     column_of(P->src, open));
            if (P->tok.kind == QT_END)
                fail_at(P, P->tok.off, 0, hint, "missing ')'");
            else
                fail_at(P, P->tok.off, P->tok.len, hint, "expected ')', found %s",
                        tok_desc(&P->tok, b, sizeof b));
            return NULL;
        }
        P->depth--;
        advance(P);
        return P->failed ? NULL : e;
    }
    case QT_WORD:
        if (is_keyword(t)) {
            fail_at(P, t->off, t->len, "an operand is missing before it",
                    "expected a field name, found the keyword %s", tok_desc(t, b, sizeof b));
            return NULL;
        }
        return parse_field(P);
    case QT_STRING:
        fail_at(P, t->off, t->len, "field names are not quoted: sip.msg.call-id = \"abc\"",
                "expected a field name, found a quoted string");
        return NULL;
    case QT_END:
        fail_at(P, t->off, 0, NULL, "the expression ends where a field name was expected");
        return NULL;
    case QT_ERROR: fail_at(P, t->off, t->len, NULL, "%s", t->err); return NULL;
    case QT_RPAREN:
        fail_at(P, t->off, t->len, NULL, "expected a field name or '(', found ')'");
        return NULL;
    default:
        fail_at(P, t->off, t->len, "a field name is missing before it",
                "expected a field name, found %s", sw_qtok_name(t->kind));
        return NULL;
    }
}

static qnode *parse_unary(qparse *P)
{
    if (is_not(&P->tok)) {
        if (++P->depth > SW_QUERY_MAX_DEPTH) {
            fail_at(P, P->tok.off, P->tok.len, NULL,
                    "expression nested too deeply (over %d levels)", SW_QUERY_MAX_DEPTH);
            return NULL;
        }
        advance(P);
        if (P->failed)
            return NULL;
        qnode *a = parse_unary(P);
        P->depth--;
        if (!a)
            return NULL;
        qnode *n = new_node(P, QN_NOT);
        if (n)
            n->a = a;
        return n;
    }
    return parse_primary(P);
}

static qnode *parse_and(qparse *P)
{
    qnode *l = parse_unary(P);
    while (l && !P->failed && is_and(&P->tok)) {
        advance(P);
        qnode *r = P->failed ? NULL : parse_unary(P);
        if (!r)
            return NULL;
        l = binary(P, QN_AND, l, r);
    }
    return P->failed ? NULL : l;
}

static qnode *parse_or(qparse *P)
{
    qnode *l = parse_and(P);
    while (l && !P->failed && is_or(&P->tok)) {
        advance(P);
        qnode *r = P->failed ? NULL : parse_and(P);
        if (!r)
            return NULL;
        l = binary(P, QN_OR, l, r);
    }
    return P->failed ? NULL : l;
}

/* ---- public ---------------------------------------------------------------- */

sw_query *sw_query_compile(const char *expr, size_t len, sw_query_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    qparse P;
    memset(&P, 0, sizeof P);
    P.err = err;
    P.src = expr ? expr : "";
    P.len = expr ? len : 0;
    if (P.len > SW_QUERY_MAX_LEN) {
        fail_at(&P, SW_QUERY_MAX_LEN, 0, NULL, "expression longer than %d bytes",
                SW_QUERY_MAX_LEN);
        return NULL;
    }
    sw_query *q = calloc(1, sizeof *q);
    if (!q) {
        fail_oom(&P);
        return NULL;
    }
    sw_arena_init(&q->arena, 4096);
    P.q = q;
    sw_qlex_init(&P.lx, P.src, P.len, &q->arena);
    advance(&P);
    if (!P.failed && P.tok.kind == QT_END)
        fail_at(&P, P.tok.off, 0, "for example: sip.msg.request.method = INVITE",
                "empty expression");
    qnode *root = P.failed ? NULL : parse_or(&P);
    if (root && !P.failed && P.tok.kind != QT_END) {
        char b[64];
        const qtok *t = &P.tok;
        if (t->kind == QT_RPAREN)
            fail_at(&P, t->off, t->len, "there is no '(' for it", "unbalanced ')'");
        else if (t->kind == QT_ERROR)
            fail_at(&P, t->off, t->len, NULL, "%s", t->err);
        else if (t->kind == QT_WORD &&
                 (sw_str_eq_cstr(t->text, "&") || sw_str_eq_cstr(t->text, "|")))
            fail_at(&P, t->off, t->len, "logical operators are && || and or",
                    "unexpected %s", tok_desc(t, b, sizeof b));
        else if (t->kind >= QT_EQ && t->kind <= QT_GE)
            fail_at(&P, t->off, t->len, "a value that contains = < > or != must be quoted",
                    "unexpected %s", sw_qtok_name(t->kind));
        else
            fail_at(&P, t->off, t->len, "join conditions with and / or",
                    "unexpected %s after a complete condition", tok_desc(t, b, sizeof b));
    }
    if (P.failed) {
        sw_query_free(q);
        return NULL;
    }
    q->root = root;
    q->md = pcre2_match_data_create(1, NULL);
    q->mctx = pcre2_match_context_create(NULL);
    /* A pattern that backtracks catastrophically gives up after this many
     * steps on one subject (no match, counted) instead of stalling a run;
     * ordinary patterns on SIP fields need a few hundred. */
    if (q->mctx)
        pcre2_set_match_limit(q->mctx, SW_QUERY_MATCH_LIMIT);
    q->ev = sw_qeval_new();
    if (!q->md || !q->mctx || !q->ev) {
        fail_oom(&P);
        sw_query_free(q);
        return NULL;
    }
    return q;
}

void sw_query_free(sw_query *q)
{
    if (!q)
        return;
    for (qnode *n = q->regexes; n; n = n->next_re)
        pcre2_code_free(n->re);
    if (q->md)
        pcre2_match_data_free(q->md);
    if (q->mctx)
        pcre2_match_context_free(q->mctx);
    sw_qeval_free(q->ev);
    sw_arena_fini(&q->arena);
    free(q);
}

unsigned sw_query_needs(const sw_query *q) { return q->needs; }

bool sw_query_is_call_level(const sw_query *q) { return (q->needs & SW_QUERY_NEEDS_CALL) != 0; }

uint64_t sw_query_regex_failures(const sw_query *q) { return q->re_failures; }

/* ---- text ------------------------------------------------------------------ */

int sw_query_error_format(const sw_query_error *e, const char *expr, size_t len, sw_buf *out)
{
    char line[256];
    int rc = 0;
    if (e->col)
        snprintf(line, sizeof line, "%s at column %zu\n", e->msg, e->col);
    else
        snprintf(line, sizeof line, "%s\n", e->msg);
    rc |= sw_buf_append(out, line, strlen(line));
    if (e->col && expr) {
        rc |= sw_buf_append(out, "  ", 2);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)expr[i];
            char s = c < 0x20 || c == 0x7f ? ' ' : (char)c;
            rc |= sw_buf_append(out, &s, 1);
        }
        rc |= sw_buf_append(out, "\n  ", 3);
        for (size_t i = 1; i < e->col; i++)
            rc |= sw_buf_append(out, " ", 1);
        rc |= sw_buf_append(out, "^", 1);
        /* underline the rest of the token, in characters */
        size_t end = SW_MIN(e->off + e->len, len);
        for (size_t i = e->off + 1; i < end; i++)
            if (((unsigned char)expr[i] & 0xC0) != 0x80)
                rc |= sw_buf_append(out, "~", 1);
        rc |= sw_buf_append(out, "\n", 1);
    }
    if (e->hint[0]) {
        snprintf(line, sizeof line, "  hint: %s\n", e->hint);
        rc |= sw_buf_append(out, line, strlen(line));
    }
    return rc ? SW_ENOMEM : 0;
}

int sw_query_join_words(char *const *words, size_t n, sw_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        if (i)
            rc |= sw_buf_append(out, " ", 1);
        bool quote = false;
        if (n > 1) {
            quote = w[0] == '\0';
            for (const char *c = w; *c && !quote; c++)
                quote = *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r';
        }
        if (!quote) {
            rc |= sw_buf_append(out, w, strlen(w));
            continue;
        }
        rc |= sw_buf_append(out, "\"", 1);
        for (const char *c = w; *c; c++) {
            if (*c == '"' || *c == '\\')
                rc |= sw_buf_append(out, "\\", 1);
            rc |= sw_buf_append(out, c, 1);
        }
        rc |= sw_buf_append(out, "\"", 1);
    }
    return rc ? SW_ENOMEM : 0;
}

static int dump_lit(sw_buf *out, const qlit *l)
{
    int rc = 0;
    if (!l->quoted)
        return sw_buf_append(out, l->text.p, l->text.len);
    rc |= sw_buf_append(out, "\"", 1);
    for (size_t i = 0; i < l->text.len; i++) {
        if (l->text.p[i] == '"' || l->text.p[i] == '\\')
            rc |= sw_buf_append(out, "\\", 1);
        rc |= sw_buf_append(out, l->text.p + i, 1);
    }
    rc |= sw_buf_append(out, "\"", 1);
    return rc;
}

static int dump_field(sw_buf *out, const qnode *n)
{
    if (n->field == QF_HDR) {
        int rc = sw_buf_append(out, "sip.hdr.", 8);
        return rc | sw_buf_append(out, n->hdr.p, n->hdr.len);
    }
    const char *name = sw_qfield_get((qfield)n->field)->name;
    return sw_buf_append(out, name, strlen(name));
}

static int dump(sw_buf *out, const qnode *n)
{
    int rc = 0;
    switch ((qnode_kind)n->kind) {
    case QN_OR:
    case QN_AND:
        rc |= sw_buf_append(out, n->kind == QN_OR ? "(or " : "(and ", n->kind == QN_OR ? 4 : 5);
        rc |= dump(out, n->a);
        rc |= sw_buf_append(out, " ", 1);
        rc |= dump(out, n->b);
        break;
    case QN_NOT:
        rc |= sw_buf_append(out, "(not ", 5);
        rc |= dump(out, n->a);
        break;
    case QN_EXISTS:
        rc |= sw_buf_append(out, "(exists ", 8);
        rc |= dump_field(out, n);
        break;
    case QN_CMP: {
        const char *op = op_name(n->op);
        rc |= sw_buf_append(out, "(", 1);
        rc |= sw_buf_append(out, op, strlen(op));
        rc |= sw_buf_append(out, " ", 1);
        rc |= dump_field(out, n);
        rc |= sw_buf_append(out, " ", 1);
        if (n->op == QOP_IN)
            rc |= sw_buf_append(out, "(", 1);
        for (size_t i = 0; i < n->nlits; i++) {
            if (i)
                rc |= sw_buf_append(out, " ", 1);
            rc |= dump_lit(out, &n->lits[i]);
        }
        if (n->op == QOP_IN)
            rc |= sw_buf_append(out, ")", 1);
        break;
    }
    }
    rc |= sw_buf_append(out, ")", 1);
    return rc;
}

int sw_query_dump(const sw_query *q, sw_buf *out)
{
    return dump(out, q->root) ? SW_ENOMEM : 0;
}
