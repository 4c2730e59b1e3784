/*
 * query: the `where` language that selects messages and calls.
 *
 * The language is the one of Asterisk's `pjsip show history where ...`
 * (fields number, timestamp, addr, sip.msg.request.method, sip.msg.call-id;
 * operators = == != < > <= >= like, ! not, && and, || or, parentheses),
 * with its defects fixed and extended to every field the SIP parser and the
 * call model know. docs/sipwhy.1 (WHERE EXPRESSIONS) is the user's reference;
 * docs/internals/query.md explains the design.
 *
 * An expression is compiled once (sw_query_compile): a lexer, a recursive
 * descent parser, field names resolved to ids, every literal converted to
 * the field's type (numbers, strings, addresses with CIDR, times, durations,
 * booleans) and every regular expression compiled with PCRE2 (JIT when the
 * platform has it). All of that is done before the first message is read, so
 * a typo is reported at once, with its column, and evaluation does no
 * parsing of the expression.
 *
 * Evaluation (sw_query_match_msg) is lazy: a field is computed only when the
 * expression reaches it, `and`/`or` short-circuit, and deeper structures
 * (the From/To URI, the SDP body) are parsed only when a field needs them,
 * at most once per message.
 *
 * Absent values: a field that a message does not have (the response code of
 * a request, an SDP codec without SDP) makes every comparison on it false,
 * `!=` included. Multi-valued fields (addr: either side; sip.hdr.X: every
 * header X; sdp.codec: every codec) match when any value does; `!=` holds
 * when the field is present and no value equals.
 *
 * Message-level and call-level: an expression that names a call.* field is
 * call-level. It is evaluated against the message's call, which needs the
 * whole capture read first (sw_corr_finish done). See sw_query_match_call for
 * what selecting calls means.
 *
 * A compiled query holds the scratch space for evaluation (about 40 KiB,
 * allocated by sw_query_compile, so evaluation never allocates): it is not
 * re-entrant (one query per thread).
 */
#ifndef SW_QUERY_H
#define SW_QUERY_H

#include "../base/base.h"
#include "../correlate/correlate.h"
#include "../sip/sip.h"
#include "../trace/trace.h"

/* Longest expression accepted (bytes). */
#define SW_QUERY_MAX_LEN 65536
/* Deepest nesting of parentheses and not/! accepted. */
#define SW_QUERY_MAX_DEPTH 200
/* PCRE2 match limit (backtracking steps) for one subject. */
#define SW_QUERY_MATCH_LIMIT 1000000

typedef struct sw_query sw_query;

/* A compile error: where, what, and a hint. */
typedef struct sw_query_error {
    size_t off;     /* byte offset of the fault in the expression */
    size_t len;     /* bytes of the faulty token (0 at the end of the input) */
    size_t col;     /* 1-based column of the fault (UTF-8 characters), 0 if none */
    char msg[192];  /* one line, no trailing period, e.g. "unknown field 'sip.msg.calid'" */
    char hint[192]; /* "" or a suggestion, e.g. "did you mean sip.msg.call-id?" */
} sw_query_error;

/*
 * Compiles expr[0..len) (need not be NUL-terminated). Returns the query, or
 * NULL with *err filled (err may be NULL). Out of memory is reported as an
 * error at column 0 ("out of memory"). The expression's bytes are not kept.
 * The caller frees the result with sw_query_free().
 */
sw_query *sw_query_compile(const char *expr, size_t len, sw_query_error *err);
void sw_query_free(sw_query *q);

/* What evaluation needs (a mask of SW_QUERY_NEEDS_*). */
enum {
    SW_QUERY_NEEDS_SIP = 1u << 0,  /* a field of the parsed message */
    SW_QUERY_NEEDS_SDP = 1u << 1,  /* an sdp.* field (the body is parsed) */
    SW_QUERY_NEEDS_CORR = 1u << 2, /* per-message flags of the call model (retransmission) */
    SW_QUERY_NEEDS_CALL = 1u << 3, /* a call.* field: the finished call model */
    SW_QUERY_NEEDS_MSG = 1u << 4,  /* a field of the message (record or parse) */
};
unsigned sw_query_needs(const sw_query *q);
/* True when the expression names a call.* field. */
bool sw_query_is_call_level(const sw_query *q);

/*
 * What one evaluation sees. Only what the expression needs must be set:
 *   trace   endpoints of msg (src/dst/addr), message 1 for time-of-day values,
 *           and re-parsing msg when sip is NULL; may be NULL.
 *   corr    retransmission flag and the message's call; may be NULL.
 *   number  1-based message number (the `number` field; flags; call lookup).
 *   msg     the message record; may be NULL (then every message field is absent).
 *   sip     the message's parse; NULL = parsed here on demand from msg.
 *   src/dst endpoints of msg; NULL = looked up in trace.
 *   call    call index for call.* fields; SW_NONE = the call of `number` in corr.
 * Use sw_query_ctx_init() to start from "nothing set".
 */
typedef struct sw_query_ctx {
    const sw_trace *trace;
    const sw_corr *corr;
    uint64_t number;
    const sw_msg *msg;
    const sw_sip_msg *sip;
    const sw_endpoint *src, *dst;
    uint32_t call;
} sw_query_ctx;

void sw_query_ctx_init(sw_query_ctx *ctx);

/*
 * True when the message described by ctx satisfies the expression. Fields
 * the context cannot provide are absent. Never fails: an input that cannot be
 * parsed simply lacks the fields that need the parse, and a regular
 * expression that hits a PCRE2 resource limit on some subject does not match
 * it (counted in sw_query_regex_failures()).
 */
bool sw_query_match_msg(sw_query *q, const sw_query_ctx *ctx);

/*
 * True when call `call` (0-based index in corr) is selected: when at least one
 * of its messages satisfies the expression, call.* fields taken from the
 * call. A purely call-level expression is evaluated once, without a message.
 * The model must be finished (sw_corr_finish). Messages are re-parsed from
 * the trace only when the expression needs them.
 */
bool sw_query_match_call(sw_query *q, const sw_trace *t, const sw_corr *c, uint32_t call);

/*
 * Selects every call at once: keep[i] = sw_query_match_call(q, t, c, i) for
 * i < sw_corr_ncalls(c), computed in one pass over the messages (each parsed
 * at most once). keep has room for sw_corr_ncalls(c) entries. Returns the
 * number of calls selected.
 */
size_t sw_query_select_calls(sw_query *q, const sw_trace *t, const sw_corr *c, bool *keep);

/* PCRE2 matches abandoned on a resource limit since the query was compiled. */
uint64_t sw_query_regex_failures(const sw_query *q);

/*
 * Writes the error as text for a terminal, into out (appended):
 *   "MSG at column N\n  EXPR\n  ^~~~\n  hint: HINT\n"
 * (the hint line only when there is one). EXPR is echoed with control
 * characters and tabs shown as spaces so the caret stays aligned. Returns 0
 * or SW_ENOMEM.
 */
int sw_query_error_format(const sw_query_error *e, const char *expr, size_t len, sw_buf *out);

/*
 * Joins command-line words into one expression (the trailing `where a = b`
 * form). A single word is taken as it is (the whole expression was quoted
 * for the shell). With several words, a word that is empty or contains
 * whitespace was one quoted value for the shell: it is put back in double
 * quotes (escaping " and \). Words are separated by one space. Appends to out;
 * returns 0 or SW_ENOMEM.
 */
int sw_query_join_words(char *const *words, size_t n, sw_buf *out);

/*
 * The compiled tree in a stable prefix form, for tests and debugging:
 *   (or (= sip.msg.request.method "INVITE") (not (exists retransmission)))
 * Literals are shown as written (strings quoted). Appends to out; returns 0
 * or SW_ENOMEM.
 */
int sw_query_dump(const sw_query *q, sw_buf *out);

/* Every field name the language knows, in documentation order, for help
 * texts and completion; *n gets the count. (sip.hdr.NAME is listed once as
 * "sip.hdr.<name>".) */
const char *const *sw_query_field_names(size_t *n);

#endif
