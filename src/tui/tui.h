/*
 * tui: the terminal interface (`sipwhy tui INPUT...`), in the manner of
 * sngrep: a call list, the flow (ladder) of a call with the selected
 * message below it, a message in full with what the knowledge base says of
 * it, the findings of the diagnosis, a filter in the `where` language.
 *
 * It only shows what the earlier stages built (trace, correlate, diagnose)
 * through the renderers, so every byte from the network reaches the screen
 * escaped, as in the text outputs. ncurses (ncursesw) draws it; it works in
 * 80x24 and follows resizes; without a UTF-8 locale (or with ascii set) the
 * ladder is drawn in ASCII.
 */
#ifndef SW_TUI_H
#define SW_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "../correlate/correlate.h"
#include "../diagnose/diagnose.h"
#include "../kb/kb.h"
#include "../media/media.h"
#include "../trace/trace.h"

typedef struct sw_tui_opts {
    sw_kb_lang lang;
    bool ascii;                    /* ASCII ladder even in a UTF-8 locale */
    const char *const *inputs;     /* capture names, for the title and `show` */
    size_t ninputs;
    const sw_media *media;         /* RTP streams (media rules, show), or NULL */
    const char *where;             /* initial filter, or NULL */
    /* Saves the calls keep[0..ncalls) selects as one pcap at path (their
     * SIP and RTP) and writes one line saying what was done, or why not,
     * into msg. Returns 0 or an error. NULL: saving is not offered. */
    int (*save)(void *ud, const bool *keep, size_t ncalls, const char *path, char *msg,
                size_t cap);
    void *save_ud;
    /* A live capture: called before every redraw (at least every 100 ms)
     * to read what arrived into the model; returns 0 nothing new, 1 the
     * model changed (the screens are rebuilt), 2 the capture ended (the
     * interface closes), 3 the model was replaced by a new generation
     * (--max-memory): `replaced` then gives the new trace and model and
     * call_map, old call index -> new (SW_NONE: evicted), n entries.
     * NULL: the model is complete. */
    int (*poll)(void *ud);
    void (*replaced)(void *ud, const sw_trace **t, const sw_corr **c, const uint32_t **call_map,
                     size_t *n);
    void *poll_ud;
} sw_tui_opts;

/* Runs the interface on the terminal until the user quits. The model must
 * be finished (sw_corr_finish), by poll too when it changes. Returns 0, or SW_EIO when the terminal
 * cannot be used (not a terminal, no terminfo), SW_ENOMEM. */
int sw_tui_run(const sw_trace *t, const sw_corr *c, const sw_tui_opts *o);

#endif
