/*
 * kb: what SIP response codes and reason phrases mean, in English and Russian.
 *
 * The knowledge lives in data/kb/responses.kb, a plain-text file reviewed
 * like code; tools/kbgen.c validates it and turns it into constant tables
 * ($(BUILD)/gen/kb_data.c) that are compiled into the library, so the tool
 * needs no data path at run time. docs/internals/kb.md describes the format.
 *
 * Four kinds of entry:
 *   - a code (every code of the IANA SIP response code registry, plus the
 *     two RFC 2543 codes that were dropped but still turn up: 409, 411);
 *   - a vendor phrase: a reason phrase that carriers and PBXs send with a
 *     meaning of its own ("403 Wrong Guess", "488 Private IP Address");
 *   - a variant: another spelling of a code's standard phrase (RFC 2543
 *     wording, typos seen in the wild), which means what the code means;
 *   - a class (1xx..6xx), used for codes nobody registered (RFC 3261 section
 *     21: an unknown code is treated like the x00 code of its class).
 *
 * Lookups allocate nothing and take no locks: the code index is a direct
 * table (O(1)), phrases are a sorted array searched by binary search, so the
 * functions are cheap enough to call once per displayed message. Every
 * pointer returned points into static tables and is valid for the life of
 * the process.
 */
#ifndef SW_KB_H
#define SW_KB_H

#include <stdint.h>

#include "../base/base.h"

/* Output languages; the values equal sw_lang's SW_LANG_EN / SW_LANG_RU
 * (cli.h), so a cast converts. kb does not include cli.h to keep the
 * dependency pointing one way. */
typedef enum { SW_KB_EN = 0, SW_KB_RU = 1 } sw_kb_lang;
#define SW_KB_NLANG 2

typedef enum {
    SW_KB_CODE = 0, /* a response code (IANA-registered, or historic: see rfc) */
    SW_KB_VENDOR,   /* a vendor/carrier reason phrase with its own meaning */
    SW_KB_VARIANT,  /* another spelling of a code's standard phrase */
    SW_KB_CLASS,    /* a whole class: code is 100, 200, ... 600 */
} sw_kb_kind;

/* How sw_kb_find() matched its input. */
typedef enum {
    SW_KB_MATCH_NONE = 0, /* nothing: the code is outside 100..699 */
    SW_KB_MATCH_PHRASE,   /* the phrase matched a vendor or variant entry */
    SW_KB_MATCH_CODE,     /* the code's own entry (phrase standard, empty or unknown) */
    SW_KB_MATCH_CLASS,    /* unregistered code: explained by its class */
} sw_kb_match;

/* A note that applies when the response answered one request method. */
typedef struct sw_kb_method_note {
    const char *method;             /* upper case: "BYE", "INVITE", ... */
    const char *brief[SW_KB_NLANG]; /* short line (<= 60 chars), or NULL: use the entry's */
    const char *text[SW_KB_NLANG];  /* full note */
} sw_kb_method_note;

typedef struct sw_kb_entry {
    uint16_t code;                    /* 100..699 (class entries: 100, 200, ..., 600) */
    uint8_t kind;                     /* sw_kb_kind */
    bool historic;                    /* a code no longer in the IANA registry (409, 411) */
    const char *phrase;               /* the standard phrase (code), the vendor/variant phrase,
                                       * or "1xx".."6xx" (class) */
    const char *rfc;                  /* defining document, e.g. "RFC 3261"; for vendor and
                                       * variant entries the code's; for classes "RFC 3261" */
    const char *brief[SW_KB_NLANG];   /* one line, <= 60 characters */
    const char *meaning[SW_KB_NLANG]; /* a paragraph */
    const char *note[SW_KB_NLANG];    /* variants: why this spelling exists; else NULL */
    const char *const *causes[SW_KB_NLANG]; /* n_causes lines each */
    const char *const *checks[SW_KB_NLANG]; /* n_checks lines each */
    const sw_kb_method_note *methods;       /* n_methods notes, sorted by method */
    uint8_t n_causes, n_checks, n_methods;
    /* Vendor/variant: the entry of the code (or of the class when the code is
     * not registered, e.g. "499 Codec Mismatch"). Code: its class. Class: NULL.
     * A variant's brief, meaning, causes, checks and methods are its base's. */
    const struct sw_kb_entry *base;
} sw_kb_entry;

/* The entry of a code (IANA or historic), or NULL when it has none. O(1). */
const sw_kb_entry *sw_kb_code(int code);

/* The class entry for any code in 100..699, or NULL outside that range. */
const sw_kb_entry *sw_kb_class(int code);

/* The vendor or variant entry whose phrase equals reason, comparing ASCII
 * case-insensitively and treating runs of spaces/tabs as one space (leading
 * and trailing white space ignored); NULL when there is none. The code's own
 * standard phrase is not a phrase entry: it gives NULL. Binary search. */
const sw_kb_entry *sw_kb_phrase(int code, sw_str reason);

/* Best explanation of a response: a phrase entry if reason matches one, else
 * the code's entry, else the class entry. NULL only when code is outside
 * 100..699. *how (may be NULL) says which rule matched. */
const sw_kb_entry *sw_kb_find(int code, sw_str reason, sw_kb_match *how);

/* The note for a request method (compared case-insensitively) on e, looking
 * at e's base when e has none of its own (vendor phrases inherit their
 * code's notes); NULL when neither has one. */
const sw_kb_method_note *sw_kb_method(const sw_kb_entry *e, sw_str method);

/* Short one-line meaning (<= 60 characters, UTF-8) of a response for
 * annotating history/show/flow output: the brief of the method note of the
 * best entry (sw_kb_find) when it has one for method, else that entry's
 * brief; a vendor phrase's brief therefore wins over its code's method
 * briefs, while a variant uses its code's. method may be empty. Never
 * NULL: an out-of-range code gives a fixed "not a valid status code" text.
 * Static storage; no allocation. */
const char *sw_kb_brief(int code, sw_str reason, sw_str method, sw_kb_lang lang);

/* True when phrase (same comparison as sw_kb_phrase) is the code's standard
 * (IANA) phrase. */
bool sw_kb_is_standard_phrase(int code, sw_str phrase);

/* Every entry, in display order (classes, then by code; a code's entry
 * before its phrase entries), for listing. *n receives the count. */
const sw_kb_entry *sw_kb_all(size_t *n);

/* Text of field in lang; falls back to English if lang is out of range. */
static inline const char *sw_kb_text(const char *const field[SW_KB_NLANG], sw_kb_lang lang)
{
    return field[(unsigned)lang < SW_KB_NLANG ? (unsigned)lang : 0];
}

#endif
