/*
 * cli: the sipwhy command line. One grammar for every command:
 *   sipwhy [COMMAND] [OPTIONS] INPUT...
 * with the same --format, --where, --lang and exit codes everywhere.
 * Each command is a function sw_cmd_<name>(argc, argv) where argv[0] is the
 * command name; it returns one of the SW_EXIT_* codes.
 */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include "../base/base.h"
#include "../render/render.h"

enum {
    SW_EXIT_OK = 0,       /* ran; nothing wrong found */
    SW_EXIT_PROBLEMS = 1, /* ran; problems found (diagnosis) or partial input */
    SW_EXIT_USAGE = 2,    /* bad usage or unreadable input */
};

typedef enum { SW_LANG_EN = 0, SW_LANG_RU } sw_lang;

/* "sipwhy: error: ..." on stderr, newline added. */
void sw_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "sipwhy: warning: ..." on stderr, newline added. */
void sw_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* While on, errors and warnings are not printed (a full-screen interface
 * owns the terminal and reports what went wrong itself). */
void sw_cli_quiet(bool on);
/* Parses "text|tsv|json" (allowed is a mask of 1<<sw_format); prints an error
 * naming the command and returns -1 when not allowed. */
int sw_cli_parse_format(const char *cmd, const char *s, unsigned allowed, sw_format *out);
/* Parses "en|ru"; -1 with an error message when unknown. */
int sw_cli_parse_lang(const char *s, sw_lang *out);
/* Language from LC_ALL, LC_MESSAGES, LANG (ru* -> RU), default EN. */
sw_lang sw_cli_default_lang(void);
/* True when stdout is a terminal and NO_COLOR is unset. */
bool sw_cli_color(FILE *f);

/* ---- inputs -------------------------------------------------------- */

struct sw_capset;
struct sw_trace;

/* Opens the inputs of a command; prints "sipwhy: error: FILE: reason" and
 * returns SW_EXIT_USAGE on failure, 0 on success. */
int sw_cli_open_inputs(char **paths, size_t n, struct sw_capset **out);
/* After reading: warns about every input that ended on damage ("where it
 * broke; N packets before it were read"). Returns SW_EXIT_USAGE when no input
 * yielded any packet and one failed, else SW_EXIT_OK. */
int sw_cli_report_inputs(struct sw_capset *cs);
struct sw_corr;

/* ---- bounds (--limit NAME=VALUE, every command that reads a capture) ---- */

struct sw_trace_opts;
struct sw_media_opts;
/* Parses one --limit argument into the process-wide bounds; prints the
 * error (with the list of names) and returns SW_EXIT_USAGE when it is bad. */
int sw_cli_parse_limit(const char *cmd, const char *arg);
/* The option every capture-reading command takes, and its getopt code. */
#define SW_OPT_LIMIT 1000
#define SW_CLI_LIMIT_OPTION {"limit", required_argument, 0, SW_OPT_LIMIT}
/* The bounds in force, for sw_trace_new() and sw_corr_opts.max_calls. */
const struct sw_trace_opts *sw_cli_trace_opts(void);
size_t sw_cli_max_calls(void);
/* Warns when the calls bound left messages out of the call model. */
void sw_cli_report_corr_limits(const struct sw_corr *c);

/* A capture read into the message index and the call model. */
typedef struct sw_cli_model {
    struct sw_capset *cs;
    struct sw_trace *trace;
    struct sw_corr *corr;
    char **inputs;
    size_t ninputs;
    struct sw_media *media; /* RTP streams, when loaded with sw_cli_model_load_media */
} sw_cli_model;

/* Opens the inputs, reads them through trace and correlate, reports damaged
 * inputs and bounds hit. Returns 0 or an SW_EXIT_* code after printing the
 * error. link_headers: extra correlation header names (--link-header). */
int sw_cli_model_load(sw_cli_model *mdl, char **paths, size_t n, const char *const *link_headers,
                      size_t nlink, bool stats);
/* The same, also measuring the RTP streams the SDP announces (mdl->media). */
int sw_cli_model_load_media(sw_cli_model *mdl, char **paths, size_t n,
                            const char *const *link_headers, size_t nlink, bool stats);
/* The same with media options (a packet hook: `audio`); the model is
 * reachable from the hook through mdl while the inputs are read. */
int sw_cli_model_load_media_opts(sw_cli_model *mdl, char **paths, size_t n,
                                 const struct sw_media_opts *mo);
void sw_cli_model_free(sw_cli_model *mdl);
/* A call named on the command line: its 1-based index from `calls`, or its
 * Call-ID. SW_NONE (UINT32_MAX) when there is no such call. */
uint32_t sw_cli_find_call(const struct sw_corr *c, const char *arg);

/* Warns on stderr about every bound that was hit while reading (nothing is
 * dropped silently). */
void sw_cli_report_limits(const struct sw_trace *t);
/* Prints the --stats line on stderr. */
void sw_cli_print_stats(const struct sw_trace *t);
/* Checks stdout for write errors at exit (full disk, closed pipe): returns
 * rc, or SW_EXIT_USAGE with an error when writing failed. */
int sw_cli_finish_output(int rc);

/* ---- per-call capture files (live --split-dir; split.c) ----------------- */

struct sw_media;
struct sw_rtp_hdr;
struct sw_payload;

/* A call's file is written this long (capture time) after the call is over. */
#define SW_SPLIT_GRACE_NS 2000000000ll
/* RTP held for one call until its file is written; past it, counted. */
#define SW_SPLIT_CALL_BYTES ((size_t)64 << 20)

typedef struct sw_split sw_split;
typedef struct sw_split_stats {
    uint64_t files, failed;        /* files written, files that could not be */
    uint64_t written_at_stop;      /* of them, calls not over when the capture stopped */
    uint64_t written_evicted;      /* of them, calls not over given up by --max-memory */
    uint64_t sip_written, rtp_written;
    uint64_t rtp_buffered;
    uint64_t rtp_dropped;          /* not written: a call's buffer full, or no memory */
    uint64_t rtp_late;             /* arrived after the call's file was written */
} sw_split_stats;

/* Files go to DIR (which must exist) as
 * YYYYmmdd-HHMMSS-callN-CALLID.pcap: the call's start (local time), its
 * number as `calls` shows it, its Call-ID (unsafe characters as _). NULL
 * when out of memory. */
sw_split *sw_split_new(const char *dir, const struct sw_trace *t, const struct sw_corr *c,
                       const struct sw_media *media);
/* The media stage's RTP hook (sw_media_opts.on_rtp, with the sw_split as
 * ud): keeps the packet for its call's file. */
void sw_split_rtp(sw_split *s, size_t stream, const struct sw_rtp_hdr *h,
                  const struct sw_payload *pl);
/* Call `call` is over at ts_ns: its file is written once the capture passes
 * ts_ns + SW_SPLIT_GRACE_NS. */
void sw_split_over(sw_split *s, uint32_t call, int64_t ts_ns);
/* Capture time is now_ns: writes the files that are due. */
void sw_split_tick(sw_split *s, int64_t now_ns);
/* End of capture: writes every file not yet written (INVITE calls). */
void sw_split_finish(sw_split *s);
/* A new generation is coming (live --max-memory): writes now the files of
 * the INVITE calls that leave (keep_call[i] false, i < n) not yet written. */
void sw_split_evict(sw_split *s, const bool *keep_call, size_t n);
/* The new generation: its trace and model, call i of the old one now
 * call_map[i] (SW_NONE: gone; i < n; a call's new index is never above its
 * old one). Cannot fail: the table is compacted in place. */
void sw_split_rebase(sw_split *s, const struct sw_trace *t, const struct sw_corr *c,
                     const uint32_t *call_map, size_t n);
const sw_split_stats *sw_split_get_stats(const sw_split *s);
/* Keep RTP only for the calls keep[0..n) selects (the array must outlive the
 * split); without it every INVITE call's RTP is kept. */
void sw_split_only(sw_split *s, const bool *keep, size_t n);
/* Writes the calls keep[0..nkeep) selects into one pcap at path (SIP in
 * capture order and their buffered RTP, merged by time; written as
 * path.part and renamed). The counts of packets written go to nsip, nrtp.
 * 0 or a negative sw_err (SW_EIO with errno). dir of sw_split_new may be
 * NULL when only this is used. */
int sw_split_write_calls(sw_split *s, const bool *keep, size_t nkeep, const char *path,
                         uint64_t *nsip, uint64_t *nrtp);
/* Memory held: buffered RTP and the per-call table. */
size_t sw_split_mem(const sw_split *s);
void sw_split_free(sw_split *s);

/* ---- where expressions (the query stage; shared by every command) ------- */

struct sw_query;
struct option;

/* The trailing `where WORDS...` form (Asterisk's `pjsip show history where
 * ...`): finds the first argument "where" that is not the value of an option
 * (long options with required_argument in lopts, short ones marked ':' in
 * sopts) and cuts argv there. Returns the argc to hand to getopt;
 * *words and *nwords get the words after "where" (0 and NULL when
 * there is none; *had_where tells "where" with no words apart). */
int sw_cli_where_split(int argc, char **argv, const struct option *lopts, const char *sopts,
                       char ***words, size_t *nwords, bool *had_where);
/* Compiles the expression given with --where (opt, may be NULL) or as
 * trailing words (at most one of the two). On a bad expression prints
 * "sipwhy: error: CMD: where: what at column N", the expression, a caret
 * line and a hint on stderr and returns SW_EXIT_USAGE; else 0 with *out
 * the query (NULL when no expression was given; free with sw_query_free).
 * (Defined in cmd_history.c.) */
/* Messages (keep_msg[number-1]) and calls (keep_call[index]) that q selects,
 * as history and calls select them; the caller frees both. 0 or SW_ENOMEM. */
int sw_cli_where_masks(struct sw_query *q, const struct sw_trace *t, const struct sw_corr *c,
                       bool **keep_msg, bool **keep_call);
int sw_cli_where_compile(const char *cmd, const char *opt, char **words, size_t nwords,
                         bool had_where, struct sw_query **out);

/* getopt_long's answer c for a bad option of command cmd ('?' unknown, ':'
 * missing value) as one error line naming the option (argv[optind - 1])
 * and where the help is; returns SW_EXIT_USAGE. help: the help command,
 * e.g. "sipwhy calls --help". */
int sw_cli_bad_option(const char *cmd, int c, char **argv, const char *help);

/* Commands. */
int sw_cmd_history(int argc, char **argv);
int sw_cmd_show(int argc, char **argv);
int sw_cmd_explain(int argc, char **argv);
int sw_cmd_calls(int argc, char **argv);
int sw_cmd_flow(int, char **);
int sw_cmd_stats(int, char **);
int sw_cmd_diagnose(int argc, char **argv);
int sw_cmd_rtp(int argc, char **argv);
int sw_cmd_audio(int argc, char **argv);
int sw_cmd_tui(int argc, char **argv);
int sw_cmd_live(int argc, char **argv);

#endif
