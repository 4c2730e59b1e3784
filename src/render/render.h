/*
 * render: turning parsed data into bytes for people and programs.
 *
 * Output formats are contracts (tests and scripts read them), so every
 * writer here escapes what the network sent: JSON strings are always valid
 * UTF-8 JSON whatever the bytes; TSV fields never contain TAB/CR/LF; text for
 * terminals never carries control characters or escape sequences.
 */
#ifndef SW_RENDER_H
#define SW_RENDER_H

#include <stdio.h>

#include "../base/base.h"
#include "../kb/kb.h"
#include "../correlate/correlate.h"
#include "../trace/trace.h"

typedef enum { SW_FMT_TEXT = 0, SW_FMT_TSV, SW_FMT_JSON } sw_format;

/* Writes s as a JSON string literal, quotes included. Invalid UTF-8 bytes
 * become U+FFFD, control characters \uXXXX. */
void sw_json_str(FILE *f, sw_str s);
void sw_json_cstr(FILE *f, const char *s);
/* Writes s with TAB, CR, LF, backslash and control bytes escaped as \t \r \n
 * \\ \xHH, so a TSV field stays one field. */
void sw_tsv_field(FILE *f, sw_str s);
/* Writes s for a terminal: printable UTF-8 as is, control bytes (C0, DEL, C1
 * and ESC) as \xHH, invalid UTF-8 as \xHH. Keeps CR LF as line breaks when
 * keep_newlines is true (CR dropped), escapes them otherwise. */
void sw_text_safe(FILE *f, sw_str s, bool keep_newlines);

/* ---- messages ---------------------------------------------------------- */

typedef struct sw_render_opts {
    sw_format format;
    bool color;      /* ANSI colours (text only) */
    bool explain;    /* annotate responses with the knowledge base (text only) */
    sw_kb_lang lang;
    size_t max_headers; /* header array size for re-parsing (256) */
    const struct sw_media *media; /* RTP streams, when the command measured them */
} sw_render_opts;

/* history: the header line (tsv) or nothing. */
void sw_render_history_begin(FILE *f, const sw_render_opts *o);
/* history: one line for message `number`; mflags are the correlate's
 * SW_MF_* flags of the message (retransmission, no dialog, ...). */
void sw_render_history_line(FILE *f, const sw_render_opts *o, const sw_trace *t,
                            uint64_t number, const sw_msg *m, const sw_sip_msg *sip,
                            unsigned mflags);
/* show: message `number` in full: origin (frames, reassembly), raw text and
 * decoded view (text), or one JSON object (json). */
void sw_render_show(FILE *f, const sw_render_opts *o, const sw_trace *t, size_t ninputs,
                    const char *const *input_names, uint64_t number, const sw_msg *m);

/* ---- calls ------------------------------------------------------------- */

/* calls: the header line (text and tsv). */
void sw_render_calls_begin(FILE *f, const sw_render_opts *o);
/* calls: one line for call index i (0-based; printed 1-based). */
void sw_render_call_line(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                         uint32_t i);

/* ---- diagnosis ---------------------------------------------------------- */

struct sw_diag;
struct sw_finding;
/* One finding: text, the report's block for it; json, the object the
 * report's "findings" array holds, on a line of its own (JSON Lines). */
void sw_render_finding(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                       const struct sw_finding *x);
/* The diagnosis report: summary, linked conversations, findings (those with
 * keep[i] set, or all when keep is NULL). */
void sw_render_diagnosis(FILE *f, const sw_render_opts *o, const sw_trace *t, const sw_corr *c,
                         const struct sw_diag *d, const char *const *inputs, size_t ninputs,
                         const bool *keep);

/* Formats ts_ns as "HH:MM:SS.uuuuuu" (UTC) or full "YYYY-MM-DD HH:MM:SS.uuuuuu"
 * into buf (>= 32 bytes). */
const char *sw_render_time(int64_t ts_ns, bool with_date, char *buf, size_t len);
/* Writes ts_ns as epoch seconds with 6 decimals. */
void sw_render_epoch(FILE *f, int64_t ts_ns);

/* ---- flow and stats ---------------------------------------------------- */
/* (render/flow.c, render/stats.c; docs/internals/flow.md) */

/* flow: a host name given with --alias. */
typedef struct sw_flow_alias {
    sw_addr addr;
    uint16_t port;    /* 0: every port of addr */
    const char *name; /* points into the spec given to sw_flow_alias_parse */
} sw_flow_alias;

/* Parses "ADDR=NAME" or "ADDR:PORT=NAME" (IPv6: "2001:db8::1=NAME" or
 * "[2001:db8::1]:5060=NAME"). NAME must be non-empty; it stays a pointer into
 * spec, which the caller keeps alive. Returns 0 or SW_EINVAL. */
int sw_flow_alias_parse(const char *spec, sw_flow_alias *out);

/* The column label of endpoint e: the alias for its address and port, else
 * the alias for its address (any port), else "10.0.0.1:5060" or
 * "[2001:db8::1]:5060". Later aliases win over earlier ones for the same key.
 * Always NUL-terminates buf (len >= 1); a longer name is cut. e may be NULL
 * ("?"). Alias names are user text and are not escaped here. */
void sw_flow_host_label(const sw_endpoint *e, const sw_flow_alias *a, size_t na, char *buf,
                        size_t len);

/* Columns of a ladder, in order of first appearance. The table is bounded:
 * once SW_FLOW_MAX_COLS - 1 hosts have a column, every further host shares
 * the last column, labelled "(other hosts)", and `full` is set. */
#define SW_FLOW_MAX_COLS 24
#define SW_FLOW_LABEL_MAX 64
typedef struct sw_flow_cols {
    char label[SW_FLOW_MAX_COLS][SW_FLOW_LABEL_MAX];
    size_t n;
    bool full;
} sw_flow_cols;

void sw_flow_cols_init(sw_flow_cols *c);
/* Column of host label (NUL-terminated, cut to SW_FLOW_LABEL_MAX - 1 bytes),
 * adding it when new. Never fails. */
size_t sw_flow_col(sw_flow_cols *c, const char *label);

/* One arrow of the ladder. Slices point into message bytes (the trace). */
typedef struct sw_flow_row {
    uint64_t number;    /* message number, as shown (sw_trace_shown) */
    int64_t ts_ns;
    uint32_t call;      /* call number shown - 1 (sw_corr_call_shown) */
    uint32_t from, to;  /* columns */
    uint32_t src, dst;  /* endpoint ids (JSON) */
    bool is_request;
    bool retrans;       /* SW_MF_RETRANS */
    bool sdp;           /* carries an SDP body */
    int status;         /* responses */
    sw_str method;      /* requests: the method; responses: the CSeq method */
    sw_str reason;      /* responses */
} sw_flow_row;

typedef struct sw_flow_opts {
    sw_format format;   /* SW_FMT_TEXT or SW_FMT_JSON */
    bool color;         /* ANSI colours */
    bool unicode;       /* box-drawing characters; ASCII otherwise */
    bool explain;       /* sw_kb_brief() after responses when there is room */
    bool linked;        /* every call of the conversation */
    sw_kb_lang lang;
    unsigned width;     /* terminal columns (clamped to 40..1000) */
    const sw_flow_alias *aliases;
    size_t naliases;
    const bool *keep_msg; /* --where: keep_msg[number-1]; NULL = every message */
} sw_flow_opts;

/* Writes network text s for a terminal into out (cap bytes, NUL-terminated),
 * using at most max_cells terminal cells: printable ASCII and printable UTF-8
 * as they are (East Asian wide characters take two cells); control bytes,
 * invalid UTF-8, C1 controls, bidirectional overrides, zero-width and
 * combining characters as \xHH per byte, so no escape sequence or reordering
 * reaches the terminal. When s does not fit, it is cut on a character
 * boundary and ends with an ellipsis ("\u2026", or "~" when !unicode).
 * Returns the cells used (<= max_cells). */
size_t sw_flow_fit(sw_str s, size_t max_cells, bool unicode, char *out, size_t cap);
/* Terminal cells sw_flow_fit would need to show all of s. */
size_t sw_flow_text_width(sw_str s);

/* Draws rows (text) as a ladder under the column header; no title. Lines
 * stay within o->width when the columns fit at the minimum spacing (the
 * time-of-day column is dropped first to make room), else they grow (never
 * wrap). Returns 0 or SW_ENOMEM (nothing written then). */
int sw_flow_draw(FILE *f, const sw_flow_opts *o, const sw_flow_cols *cols,
                 const sw_flow_row *rows, size_t n);
/* One JSON object (one line) for row r; prev is the row before it (NULL for
 * the first row: "delta" is null). docs/internals/flow.md lists the fields. */
void sw_flow_json_row(FILE *f, const sw_trace *t, const sw_flow_cols *cols,
                      const sw_flow_row *r, const sw_flow_row *prev);

/* flow: the ladder of call index `call` (0-based), or with o->linked of every
 * call of its conversation, in message order: a title (text), then the
 * ladder; or JSON Lines. *cols_full (may be NULL) is set when hosts had to
 * share the "(other hosts)" column. Returns 0, SW_EINVAL (no such call) or
 * SW_ENOMEM. */
int sw_render_flow(FILE *f, const sw_flow_opts *o, const sw_trace *t, const sw_corr *c,
                   uint32_t call, bool *cols_full);

/* stats: a distribution of durations (ns), by nearest rank. */
typedef struct sw_stats_dist {
    size_t count;
    int64_t min, p50, p90, p99, max;
    int64_t mean;
} sw_stats_dist;

/* Nearest-rank percentile p (0 < p <= 100) of v[0..n), sorted ascending:
 * the value at rank ceil(p * n / 100) (1-based). 0 when n == 0. */
int64_t sw_stats_percentile(const int64_t *sorted, size_t n, unsigned p);
/* Sorts v[0..n) in place and fills d (count 0, all zero, when n == 0). */
void sw_stats_dist_make(int64_t *v, size_t n, sw_stats_dist *d);

#define SW_STATS_MAX_METHODS 64
typedef struct sw_stats_count {
    uint64_t total, retrans;
} sw_stats_count;

typedef struct sw_stats {
    uint64_t messages;
    sw_stats_count requests, responses;
    /* Methods as written (case-sensitive, RFC 3261 7.1), in order of first
     * appearance; slices into message bytes. Methods past the bound are
     * counted in other_methods (other_distinct says at least how many). */
    sw_str method[SW_STATS_MAX_METHODS];
    sw_stats_count by_method[SW_STATS_MAX_METHODS];
    size_t nmethods;
    sw_stats_count other_methods;
    bool methods_full;
    sw_stats_count by_code[600]; /* 100..699 */
    sw_stats_count bad_code;     /* status line without a code in 100..699 */
    /* Calls (every Call-ID) by kind; INVITE calls by state. */
    uint64_t calls;
    uint64_t by_kind[8];  /* sw_call_kind */
    uint64_t by_state[8]; /* sw_call_state, INVITE calls only */
    /* INVITE outcomes, from the final response to the initial INVITE. */
    uint64_t attempted;   /* INVITE calls */
    uint64_t answered;    /* 2xx */
    uint64_t busy;        /* 486, 600 */
    uint64_t no_answer;   /* 480, 487 */
    uint64_t user_rejected; /* 603 */
    uint64_t other_failure; /* any other final failure, or no answer at all (timer B) */
    uint64_t unresolved;  /* still in setup or ringing at the end of the capture */
    double asr, ner;      /* -1 when attempted == 0 */
    sw_stats_dist pdd;    /* t_ringing - t_start */
    sw_stats_dist setup;  /* t_answer - t_start */
    /* Registrations (sw_corr_reg), summed over AORs. */
    uint64_t reg_aors, reg_registered, reg_attempts, reg_challenges, reg_ok, reg_failed;
} sw_stats;

/* Counts every message of the trace and every call of the model. Returns 0
 * or SW_ENOMEM. The trace must outlive s (method slices). */
int sw_stats_compute(sw_stats *s, const sw_trace *t, const sw_corr *c);
/* The same over the messages keep_msg[number-1] and calls keep_call[index]
 * selected by --where (NULL = all). */
int sw_stats_compute_where(sw_stats *s, const sw_trace *t, const sw_corr *c, const bool *keep_msg,
                           const bool *keep_call);
/* Writes s as text or as one JSON object (docs/internals/flow.md names the
 * fields). */
void sw_render_stats(FILE *f, const sw_stats *s, sw_format fmt, bool color);

/* ---- WAV ----------------------------------------------------------------- */

/* Writes a RIFF/WAVE file of 16-bit PCM: nch channels (1 or 2) at `rate` Hz,
 * `n` frames; channel c takes its samples from ch[c][0..len[c]) and silence
 * after. 0, or -1 when writing failed or the file would pass 4 GiB. */
int sw_render_wav(FILE *f, unsigned rate, unsigned nch, const int16_t *const ch[],
                  const size_t len[], size_t n);

/* ---- pcap of rebuilt packets -------------------------------------------- */

/* A pcap file (link type RAW) of packets rebuilt around payloads: IPv4 or
 * IPv6 (by the addresses' family, which must match) with UDP or TCP, real
 * checksums. TCP payloads are cut into segments of at most 65,000 bytes
 * from sequence number seq; a UDP payload must fit one packet. Functions
 * return 0 or a negative sw_err (SW_EIO with errno set, SW_EINVAL). */
typedef struct sw_pcapw sw_pcapw;
int sw_pcapw_open(sw_pcapw **w, const char *path);
int sw_pcapw_packet(sw_pcapw *w, int64_t ts_ns, const sw_addr *src, uint16_t sport,
                    const sw_addr *dst, uint16_t dport, bool tcp, uint32_t seq,
                    const uint8_t *payload, size_t len);
uint64_t sw_pcapw_count(const sw_pcapw *w);
int sw_pcapw_close(sw_pcapw *w);

#endif
