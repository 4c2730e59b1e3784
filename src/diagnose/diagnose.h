/*
 * diagnose: what went wrong in a capture, why, and what to do.
 *
 * Rules are small functions over the call model (correlate) and the
 * knowledge base (kb). Each rule looks for one kind of problem and emits
 * findings: a stable id, a severity, title / cause / impact / advice in the
 * chosen language, the call it concerns, and the evidence, as message
 * numbers with a note each (the numbers `history` and `show` print, so a
 * user can show the exact messages to their carrier).
 *
 * Text lives in the rule tables with positional placeholders ({1}, {2}, ...)
 * filled from the capture (methods, codes, hosts, message numbers), so the
 * English and Russian texts say the same facts. All strings a finding holds
 * are owned by the sw_diag and live until sw_diag_free().
 */
#ifndef SW_DIAGNOSE_H
#define SW_DIAGNOSE_H

#include "../base/base.h"
#include "../correlate/correlate.h"
#include "../kb/kb.h"
#include "../media/media.h"
#include "../trace/trace.h"

typedef enum { SW_SEV_INFO = 0, SW_SEV_WARNING, SW_SEV_ERROR } sw_severity;
/* "info", "warning", "error" */
const char *sw_severity_name(sw_severity s);

typedef struct sw_evidence {
    uint64_t number;  /* message number */
    const char *note; /* what this message shows */
} sw_evidence;

typedef struct sw_finding {
    const char *id;       /* stable rule id, e.g. "481-after-dialog-ended" */
    uint8_t severity;     /* sw_severity */
    uint32_t call;        /* call index, SW_NONE when not about one call */
    const char *title, *cause, *impact, *advice;
    sw_evidence *evidence;
    uint32_t nevidence;
    uint32_t more_evidence; /* further occurrences not listed */
    uint64_t at;          /* first evidence message, for ordering */
    uint64_t key;         /* findings with the same id and key are one finding */
    uint32_t occurrences; /* how many times the rule matched for this finding */
} sw_finding;

typedef struct sw_diag sw_diag;

/* Prepares a diagnosis of a finished model (sw_corr_finish done). NULL when
 * out of memory. The trace and model must outlive it. */
sw_diag *sw_diag_new(const sw_trace *t, const sw_corr *c, sw_kb_lang lang);
void sw_diag_free(sw_diag *d);
/* The RTP streams of the capture (media stage), for the media rules
 * (one-way-audio, no-media); without it those rules stay silent. */
void sw_diag_set_media(sw_diag *d, const sw_media *m);

/* Runs every rule (or only the rule `only`, for tests; NULL = all), then
 * orders findings: errors first, then warnings, then info, each by `at`.
 * Returns 0 or SW_ENOMEM. */
int sw_diag_run(sw_diag *d, const char *only);

size_t sw_diag_count(const sw_diag *d);
const sw_finding *sw_diag_finding(const sw_diag *d, size_t i);
/* Findings of a severity. */
size_t sw_diag_count_severity(const sw_diag *d, sw_severity s);

/* Rule ids, for --help and tests (NULL-terminated). */
const char *const *sw_diag_rule_ids(void);

#endif
