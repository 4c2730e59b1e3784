/*
 * query/lex: the tokens of a `where` expression.
 *
 * Unlike Asterisk, whose CLI splits the expression at spaces (so `a=b` and
 * `(a = b)` with the parenthesis glued to a word break it), tokens here need
 * no spaces around them: operators and parentheses end a bare word.
 *
 * A bare word is a run of bytes up to whitespace, one of ( ) , " ' = < >,
 * a "!=", "&&" or "||". A single & | or ! inside a word stays in it, so bare
 * values like 10.0.0.0/8, [2001:db8::1]:5060, 4xx, 2024-05-01T10:00:00Z or
 * the regex INVITE|BYE need no quotes. Keywords (and, or, not, like, ...) are
 * bare words too: the parser recognises them by position.
 *
 * Quoted strings use " or '; inside, \" \' and \\ stand for the character,
 * and any other backslash stays as written, so regular expressions keep
 * their escapes ("\d+" is \d+).
 */
#include "query_int.h"

void sw_qlex_init(qlex *lx, const char *p, size_t len, sw_arena *arena)
{
    lx->p = p;
    lx->len = len;
    lx->pos = 0;
    lx->arena = arena;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* True when a bare word ends at p[i]. */
static bool word_end(const char *p, size_t len, size_t i)
{
    char c = p[i];
    if (is_space(c))
        return true;
    switch (c) {
    case '(':
    case ')':
    case ',':
    case '"':
    case '\'':
    case '=':
    case '<':
    case '>':
        return true;
    case '!':
        return i + 1 < len && p[i + 1] == '=';
    case '&':
    case '|':
        return i + 1 < len && p[i + 1] == c;
    default:
        return false;
    }
}

static int lex_string(qlex *lx, qtok *t)
{
    const char *p = lx->p;
    char q = p[lx->pos];
    size_t start = lx->pos + 1, i = start;
    bool escapes = false;
    while (i < lx->len && p[i] != q) {
        if (p[i] == '\\' && i + 1 < lx->len) {
            escapes = true;
            i++;
        }
        i++;
    }
    if (i >= lx->len) {
        t->kind = QT_ERROR;
        t->off = lx->pos;
        t->len = 1;
        t->text = sw_str_make(p + lx->pos, 1);
        t->err = q == '"' ? "unterminated string: no closing \"" : "unterminated string: no closing '";
        lx->pos = lx->len;
        return 0;
    }
    t->kind = QT_STRING;
    t->off = lx->pos;
    t->len = i + 1 - lx->pos;
    if (!escapes) {
        t->text = sw_str_make(p + start, i - start);
    } else {
        char *d = sw_arena_alloc(lx->arena, i - start + 1);
        if (!d)
            return SW_ENOMEM;
        size_t n = 0;
        for (size_t j = start; j < i; j++) {
            if (p[j] == '\\' && j + 1 < i && (p[j + 1] == '"' || p[j + 1] == '\'' || p[j + 1] == '\\'))
                j++;
            d[n++] = p[j];
        }
        d[n] = '\0';
        t->text = sw_str_make(d, n);
    }
    lx->pos = i + 1;
    return 0;
}

int sw_qlex_next(qlex *lx, qtok *t)
{
    const char *p = lx->p;
    memset(t, 0, sizeof *t);
    while (lx->pos < lx->len && is_space(p[lx->pos]))
        lx->pos++;
    size_t i = lx->pos;
    t->off = i;
    if (i >= lx->len) {
        t->kind = QT_END;
        return 0;
    }
    char c = p[i], n = i + 1 < lx->len ? p[i + 1] : '\0';
    size_t l = 1;
    switch (c) {
    case '(': t->kind = QT_LPAREN; break;
    case ')': t->kind = QT_RPAREN; break;
    case ',': t->kind = QT_COMMA; break;
    case '=':
        t->kind = QT_EQ;
        l = n == '=' ? 2 : 1;
        break;
    case '!':
        if (n == '=') {
            t->kind = QT_NE;
            l = 2;
        } else {
            t->kind = QT_NOT;
        }
        break;
    case '<':
        if (n == '=') {
            t->kind = QT_LE;
            l = 2;
        } else if (n == '>') {
            t->kind = QT_NE;
            l = 2;
        } else {
            t->kind = QT_LT;
        }
        break;
    case '>':
        if (n == '=') {
            t->kind = QT_GE;
            l = 2;
        } else {
            t->kind = QT_GT;
        }
        break;
    case '&':
    case '|':
        if (n == c) {
            t->kind = c == '&' ? QT_AND : QT_OR;
            l = 2;
            break;
        }
        goto word;
    case '"':
    case '\'':
        return lex_string(lx, t);
    default:
    word: {
        size_t j = i + 1;
        while (j < lx->len && !word_end(p, lx->len, j))
            j++;
        t->kind = QT_WORD;
        t->text = sw_str_make(p + i, j - i);
        l = j - i;
        break;
    }
    }
    t->len = l;
    if (t->kind != QT_WORD)
        t->text = sw_str_make(p + i, l);
    lx->pos = i + l;
    return 0;
}

const char *sw_qtok_name(qtok_kind k)
{
    switch (k) {
    case QT_END: return "end of expression";
    case QT_WORD: return "word";
    case QT_STRING: return "string";
    case QT_LPAREN: return "'('";
    case QT_RPAREN: return "')'";
    case QT_COMMA: return "','";
    case QT_EQ: return "'='";
    case QT_NE: return "'!='";
    case QT_LT: return "'<'";
    case QT_GT: return "'>'";
    case QT_LE: return "'<='";
    case QT_GE: return "'>='";
    case QT_AND: return "'&&'";
    case QT_OR: return "'||'";
    case QT_NOT: return "'!'";
    case QT_ERROR: return "invalid token";
    }
    return "?";
}
