/*
 * query internals shared by lex.c, fields.c, parse.c and eval.c (and the unit
 * tests, which test the lexer and the literal parsers directly). Nothing here
 * is part of the public API: see query.h.
 */
#ifndef SW_QUERY_INT_H
#define SW_QUERY_INT_H

#include "query.h"

/* ---- lexer ---------------------------------------------------------------- */

typedef enum qtok_kind {
    QT_END = 0,
    QT_WORD,   /* bare word: field names, keywords (and, or, like, ...), bare values */
    QT_STRING, /* "..." or '...' */
    QT_LPAREN,
    QT_RPAREN,
    QT_COMMA,
    QT_EQ, /* = == */
    QT_NE, /* != <> */
    QT_LT,
    QT_GT,
    QT_LE,
    QT_GE,
    QT_AND, /* && */
    QT_OR,  /* || */
    QT_NOT, /* ! */
    QT_ERROR,
} qtok_kind;

typedef struct qtok {
    qtok_kind kind;
    size_t off, len; /* the token's bytes in the expression */
    sw_str text;     /* WORD: the word; STRING: the content, escapes decoded */
    const char *err; /* ERROR: what is wrong (static text) */
} qtok;

typedef struct qlex {
    const char *p;
    size_t len, pos;
    sw_arena *arena; /* decoded strings with escapes are copied here */
} qlex;

void sw_qlex_init(qlex *lx, const char *p, size_t len, sw_arena *arena);
/* Next token. Returns 0, or SW_ENOMEM (arena exhausted). An invalid token is
 * returned as QT_ERROR with off/len at the fault and err set; QT_END repeats
 * at the end of the input. */
int sw_qlex_next(qlex *lx, qtok *t);
/* "end of expression", "'('", "word", ... for messages. */
const char *sw_qtok_name(qtok_kind k);

/* ---- fields ------------------------------------------------------------- */

typedef enum qtype {
    QTY_NUM = 0, /* integers; literals may be classes like 4xx */
    QTY_STR,
    QTY_ADDR,    /* IP address with optional port; literals may be CIDR */
    QTY_TIME,    /* instants (ns since the epoch) */
    QTY_DUR,     /* durations (ns) */
    QTY_BOOL,
} qtype;

typedef enum qfield {
    QF_NUMBER = 0,
    QF_FRAME,
    QF_TIMESTAMP,
    QF_ADDR,
    QF_SRC,
    QF_DST,
    QF_PORT,
    QF_SRC_PORT,
    QF_DST_PORT,
    QF_TRANSPORT,
    QF_METHOD,
    QF_CODE,
    QF_REASON,
    QF_CALL_ID,
    QF_CSEQ,
    QF_CSEQ_METHOD,
    QF_FROM_USER,
    QF_FROM_URI,
    QF_FROM_TAG,
    QF_TO_USER,
    QF_TO_URI,
    QF_TO_TAG,
    QF_RURI,
    QF_RURI_USER,
    QF_USER_AGENT,
    QF_BODY,
    QF_HDR,
    QF_SDP_CODEC,
    QF_SDP_ADDR,
    QF_SDP_MEDIA,
    QF_RETRANS,
    QF_MALFORMED,
    QF_TRUNCATED,
    QF_CALL_STATE,
    QF_CALL_DURATION,
    QF_CALL_PDD,
    QF_CALL_CODE,
    QF_CALL_LEGS,
    QF_CALL_REASON,
    QF__COUNT
} qfield;

enum {
    QFF_CI = 1u << 0,    /* equality and ordering ignore ASCII case (enum-like values) */
    QFF_SIP = 1u << 1,   /* needs the parsed message */
    QFF_SDP = 1u << 2,   /* needs the SDP body */
    QFF_CORR = 1u << 3,  /* needs per-message flags of the model */
    QFF_CALL = 1u << 4,  /* call-level */
    QFF_MULTI = 1u << 5, /* may have several values */
    QFF_STATE = 1u << 6, /* value must be a call state or kind name */
    QFF_TRANSPORT = 1u << 7, /* value must be a transport name */
};

typedef struct qfield_def {
    const char *name;
    uint8_t id;   /* qfield */
    uint8_t type; /* qtype */
    uint16_t flags;
} qfield_def;

/* The field named name[0..len) (case-insensitive), NULL when unknown. A name
 * "sip.hdr.X" (X non-empty) returns the QF_HDR entry. */
const qfield_def *sw_qfield_find(const char *name, size_t len);
const qfield_def *sw_qfield_get(qfield id);
/* Fills hint with "did you mean A, B or C?" for the known names closest to
 * name[0..len) (edit distance, case-insensitive), or "" when none is close.
 * Names of other tools (tshark's sip.Method, ...) map to ours. */
void sw_qfield_suggest(const char *name, size_t len, char *hint, size_t cap);
/* Levenshtein distance, ASCII case-insensitive, capped at 255. */
unsigned sw_qedit_distance(const char *a, size_t alen, const char *b, size_t blen);
const char *sw_qtype_name(qtype t);

/* ---- literals ----------------------------------------------------------- */

typedef struct qlit {
    sw_str text;  /* as written (strings decoded) */
    bool quoted;
    bool is_int;  /* QF_HDR: the text is a whole number (u.num.lo) */
    size_t off, len;
    union {
        struct {
            int64_t lo, hi; /* inclusive: 486 -> [486,486], 4xx -> [400,499] */
        } num;
        struct {
            int64_t lo, hi; /* [lo,hi) in ns: the literal's precision */
            bool tod;       /* time of day: lo/hi are ns since 00:00 UTC */
        } time;
        int64_t dur; /* ns */
        struct {
            sw_addr ip;
            uint8_t prefix; /* bits compared: 32/128 for a plain address */
            bool has_port;
            uint16_t port;
        } addr;
        bool b;
    } u;
} qlit;

/* Literal parsers: 0 on success, else -1 with *why set to a static reason.
 * They accept the forms documented in sipwhy(1), WHERE EXPRESSIONS. */
int sw_qlit_num(sw_str s, qlit *l, const char **why);
int sw_qlit_time(sw_str s, qlit *l, const char **why);
int sw_qlit_dur(sw_str s, qlit *l, const char **why);
int sw_qlit_addr(sw_str s, qlit *l, const char **why);
int sw_qlit_bool(sw_str s, qlit *l, const char **why);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t sw_qdays_from_civil(int64_t y, unsigned m, unsigned d);

/* ---- the tree ----------------------------------------------------------- */

typedef enum qnode_kind {
    QN_OR = 0,
    QN_AND,
    QN_NOT,
    QN_CMP,    /* field op literal(s) */
    QN_EXISTS, /* bare field: present (and true for booleans) */
} qnode_kind;

typedef enum qop {
    QOP_EQ = 0,
    QOP_NE,
    QOP_LT,
    QOP_GT,
    QOP_LE,
    QOP_GE,
    QOP_LIKE,
    QOP_ILIKE,
    QOP_CONTAINS,
    QOP_IN,
} qop;

typedef struct qnode {
    uint8_t kind;  /* qnode_kind */
    uint8_t op;    /* qop (CMP) */
    uint8_t field; /* qfield (CMP, EXISTS) */
    struct qnode *a, *b; /* OR/AND: both; NOT: a */
    sw_str hdr;          /* QF_HDR: header name */
    uint32_t hdr_type;   /* QF_HDR: sw_hdr_type, SW_HDR_OTHER for unknown names */
    qlit *lits;          /* CMP: 1 literal, n for IN */
    size_t nlits;
    void *re;            /* LIKE/ILIKE: pcre2_code_8 * */
    bool re_jit;         /* JIT compiled */
    struct qnode *next_re; /* list of nodes holding a regex (for freeing) */
} qnode;

/* Scratch of one evaluation (query-owned, see eval.c). */
typedef struct qeval qeval;

struct sw_query {
    sw_arena arena; /* nodes, literals, decoded strings */
    qnode *root;
    qnode *regexes; /* nodes with a compiled regex */
    unsigned needs; /* SW_QUERY_NEEDS_* */
    void *md;       /* pcre2_match_data_8 *, shared by every regex */
    void *mctx;     /* pcre2_match_context_8 *: the match limit */
    qeval *ev;      /* evaluation scratch */
    uint64_t re_failures;
    /* time-of-day literals: midnight (UTC) of the capture's first message */
    const void *day_trace;
    int64_t day0;
    bool day_known;
};

/* The evaluation scratch (eval.c); NULL when out of memory. */
qeval *sw_qeval_new(void);
void sw_qeval_free(qeval *ev);

#endif
