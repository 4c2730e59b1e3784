/*
 * kb_data: the tables tools/kbgen.c generates from data/kb/responses.kb into
 * $(BUILD)/gen/kb_data.c. Private to src/kb: everyone else uses kb.h.
 *
 * Layout the generator guarantees (kb.c relies on it):
 *   - sw_kb_entries_ holds the six class entries first (1xx..6xx), then, per
 *     code in ascending order, the code's entry (if any) followed by its
 *     vendor and variant entries sorted by key (strcmp order);
 *   - sw_kb_keys_[i] is entry i's phrase normalised: ASCII letters lowered,
 *     runs of SP/HTAB made one SP, no leading or trailing SP;
 *   - for code c, sw_kb_code_index_[c - 100] is the index of its code entry
 *     or -1; its phrase entries are sw_kb_phrase_first_[c - 100] ..
 *     + sw_kb_phrase_count_[c - 100] - 1.
 */
#ifndef SW_KB_DATA_H
#define SW_KB_DATA_H

#include "kb.h"

#define SW_KB_CODE_MIN 100
#define SW_KB_CODE_MAX 699
#define SW_KB_NCODES (SW_KB_CODE_MAX - SW_KB_CODE_MIN + 1)

extern const sw_kb_entry sw_kb_entries_[];
extern const char *const sw_kb_keys_[];
extern const size_t sw_kb_n_entries_;
extern const int16_t sw_kb_code_index_[SW_KB_NCODES];
extern const uint16_t sw_kb_phrase_first_[SW_KB_NCODES];
extern const uint8_t sw_kb_phrase_count_[SW_KB_NCODES];

#endif
