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

/* Formats ts_ns as "HH:MM:SS.uuuuuu" (UTC) or full "YYYY-MM-DD HH:MM:SS.uuuuuu"
 * into buf (>= 32 bytes). */
const char *sw_render_time(int64_t ts_ns, bool with_date, char *buf, size_t len);
/* Writes ts_ns as epoch seconds with 6 decimals. */
void sw_render_epoch(FILE *f, int64_t ts_ns);

#endif
