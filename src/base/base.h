/*
 * base: the few things every stage of sipwhy shares.
 *
 *   sw_str    a counted slice (pointer + length) into memory someone else owns;
 *             parsed fields are slices into capture memory, never copies.
 *   sw_arena  a bump allocator; one arena per capture owns every object the
 *             pipeline keeps (reassembled payloads, message records), so a
 *             whole capture is released with one call and nothing is freed
 *             piecemeal.
 *   sw_err    one project-wide error enum, with sw_strerror().
 *   sw_hash   SipHash-1-3 with a per-process random key, for tables keyed by
 *             attacker-controlled strings (Call-ID, tags, branches).
 *
 * Nothing here reads packet bytes; it depends on libc only.
 */
#ifndef SW_BASE_H
#define SW_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- errors ---------------------------------------------------------- */

typedef enum sw_err {
    SW_OK = 0,
    SW_ENOMEM = -1,  /* allocation failed */
    SW_EIO = -2,     /* read/write error from the OS */
    SW_EFORMAT = -3, /* input is not in the expected format */
    SW_ETRUNC = -4,  /* input ended in the middle of a record */
    SW_EINVAL = -5,  /* bad argument */
    SW_ELIMIT = -6,  /* a configured bound was hit */
    SW_ENOTSUP = -7, /* a valid input we do not handle (yet) */
    SW_EAGAIN = -8,  /* need more input (incremental parsers) */
} sw_err;

/* Returns a static, human-readable text for an sw_err (never NULL). */
const char *sw_strerror(int err);

/* ---- slices ---------------------------------------------------------- */

typedef struct sw_str {
    const char *p;
    size_t len;
} sw_str;

#define SW_STR_NULL ((sw_str){NULL, 0})
#define SW_STR_LIT(s) ((sw_str){(s), sizeof(s) - 1})
/* printf helper: printf("%.*s", SW_STR_FMT(s)) */
#define SW_STR_FMT(s) (int)(s).len, (s).p

static inline sw_str sw_str_make(const char *p, size_t len)
{
    sw_str s = {p, len};
    return s;
}

static inline sw_str sw_str_cstr(const char *c)
{
    sw_str s = {c, c ? strlen(c) : 0};
    return s;
}

static inline bool sw_str_eq(sw_str a, sw_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool sw_str_eq_cstr(sw_str a, const char *b)
{
    return sw_str_eq(a, sw_str_cstr(b));
}

/* ASCII case-insensitive equality (SIP header names, methods in some places). */
bool sw_str_ieq(sw_str a, sw_str b);
bool sw_str_ieq_cstr(sw_str a, const char *b);
/* ASCII case-insensitive prefix test. */
bool sw_str_iprefix(sw_str s, const char *prefix);
/* Strips SP, HTAB, CR and LF from both ends. */
sw_str sw_str_trim(sw_str s);
/* First occurrence of c in s, or NULL. */
const char *sw_str_chr(sw_str s, char c);
/* Parses an unsigned decimal; false on empty, non-digits or overflow of max. */
bool sw_str_to_u64(sw_str s, uint64_t max, uint64_t *out);

/* ---- arena ----------------------------------------------------------- */

typedef struct sw_arena_chunk sw_arena_chunk;

typedef struct sw_arena {
    sw_arena_chunk *head;
    size_t chunk_size; /* size of ordinary chunks */
    size_t used;       /* bytes handed out, for reports */
    size_t reserved;   /* bytes obtained from malloc */
    size_t limit;      /* 0 = unbounded; else allocations fail past it */
} sw_arena;

/* Prepares an empty arena; chunk_size 0 picks a default (256 KiB). */
void sw_arena_init(sw_arena *a, size_t chunk_size);
/* Releases every allocation made from the arena. The arena can be reused. */
void sw_arena_fini(sw_arena *a);
/* Returns size bytes aligned to 16, or NULL when out of memory or past limit.
 * The memory lives until sw_arena_fini(). */
void *sw_arena_alloc(sw_arena *a, size_t size);
/* Like sw_arena_alloc, zero-filled. */
void *sw_arena_calloc(sw_arena *a, size_t size);
/* Copies len bytes into the arena; NULL on failure. */
void *sw_arena_dup(sw_arena *a, const void *p, size_t len);

/* ---- zero-filled arrays indexed by a number that grows --------------- */

/* Array p of *cap elements of elem bytes, grown (doubling, from `first`)
 * to hold at least `need`; the new elements are zero. Returns the array
 * (p itself when it was big enough), or NULL when out of memory, p and *cap
 * unchanged. */
void *sw_grow_zeroed(void *p, size_t *cap, size_t need, size_t elem, size_t first);

/* ---- growable byte buffer (owned, heap) ------------------------------ */

typedef struct sw_buf {
    char *p;
    size_t len, cap;
} sw_buf;

void sw_buf_init(sw_buf *b);
void sw_buf_fini(sw_buf *b);
/* Appends; SW_ENOMEM on failure (buffer unchanged). */
int sw_buf_append(sw_buf *b, const void *p, size_t len);
int sw_buf_reserve(sw_buf *b, size_t extra);

/* ---- keyed hash ------------------------------------------------------ */

/* SipHash-1-3 of p[0..len) under the process key. The key is drawn from
 * getrandom() on first use; sw_hash_set_key() fixes it (tests, fuzzing). */
uint64_t sw_hash(const void *p, size_t len);
/* Case-insensitive variant (folds ASCII letters), for names compared with ieq. */
uint64_t sw_hash_ci(const void *p, size_t len);
void sw_hash_set_key(uint64_t k0, uint64_t k1);

/* ---- misc ------------------------------------------------------------ */

#define SW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SW_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Byte-order helpers that read unaligned big/little endian integers. The
 * caller has checked that the bytes are there. */
static inline uint16_t sw_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t sw_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t sw_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t sw_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
