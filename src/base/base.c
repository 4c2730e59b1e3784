/*
 * base: errors, slices, the capture arena, a heap buffer and SipHash.
 * See base.h for the contracts.
 */
#define _GNU_SOURCE
#include "base.h"

#include <stdlib.h>
#include <sys/random.h>

const char *sw_strerror(int err)
{
    switch (err) {
    case SW_OK: return "success";
    case SW_ENOMEM: return "out of memory";
    case SW_EIO: return "input/output error";
    case SW_EFORMAT: return "unrecognised format";
    case SW_ETRUNC: return "truncated input";
    case SW_EINVAL: return "invalid argument";
    case SW_ELIMIT: return "limit reached";
    case SW_ENOTSUP: return "not supported";
    case SW_EAGAIN: return "incomplete input";
    default: return "unknown error";
    }
}

/* ---- slices ---------------------------------------------------------- */

static inline int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

bool sw_str_ieq(sw_str a, sw_str b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
            return false;
    return true;
}

bool sw_str_ieq_cstr(sw_str a, const char *b) { return sw_str_ieq(a, sw_str_cstr(b)); }

bool sw_str_iprefix(sw_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && sw_str_ieq(sw_str_make(s.p, n), sw_str_make(prefix, n));
}

static inline bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

sw_str sw_str_trim(sw_str s)
{
    while (s.len && is_lws(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && is_lws(s.p[s.len - 1]))
        s.len--;
    return s;
}

const char *sw_str_chr(sw_str s, char c) { return s.len ? memchr(s.p, c, s.len) : NULL; }

bool sw_str_to_u64(sw_str s, uint64_t max, uint64_t *out)
{
    if (s.len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9)
            return false;
        /* d > max alone would wrap max - d */
        if (d > max || v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* ---- arena ----------------------------------------------------------- */

struct sw_arena_chunk {
    sw_arena_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_DEFAULT_CHUNK (256u * 1024u)

void sw_arena_init(sw_arena *a, size_t chunk_size)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
}

void sw_arena_fini(sw_arena *a)
{
    sw_arena_chunk *c = a->head;
    while (c) {
        sw_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    size_t cs = a->chunk_size, lim = a->limit;
    sw_arena_init(a, cs);
    a->limit = lim;
}

void *sw_arena_alloc(sw_arena *a, size_t size)
{
    /* Rounding up must not wrap a huge request into a tiny one. */
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + 15) & ~(size_t)15;
    if (size == 0)
        size = 16;
    sw_arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        /* Large requests get a chunk of their own, placed behind the current
         * head so the head's free tail is not wasted. */
        size_t csize = size > a->chunk_size / 4 ? size : a->chunk_size;
        if (a->limit && a->reserved + csize > a->limit)
            return NULL;
        sw_arena_chunk *n = malloc(sizeof *n + csize);
        if (!n)
            return NULL;
        n->size = csize;
        n->used = 0;
        a->reserved += csize;
        if (c && csize != a->chunk_size) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->used += size;
    return p;
}

void *sw_arena_calloc(sw_arena *a, size_t size)
{
    void *p = sw_arena_alloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *sw_arena_dup(sw_arena *a, const void *p, size_t len)
{
    void *d = sw_arena_alloc(a, len);
    if (d && len)
        memcpy(d, p, len);
    return d;
}

/* ---- buffer ---------------------------------------------------------- */

void sw_buf_init(sw_buf *b) { memset(b, 0, sizeof *b); }

void sw_buf_fini(sw_buf *b)
{
    free(b->p);
    sw_buf_init(b);
}

void *sw_grow_zeroed(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return p;
    size_t nc = *cap ? *cap : (first ? first : 1);
    while (nc < need)
        nc *= 2;
    char *np = realloc(p, nc * elem);
    if (!np)
        return NULL;
    memset(np + *cap * elem, 0, (nc - *cap) * elem);
    *cap = nc;
    return np;
}

int sw_buf_reserve(sw_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return SW_OK;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->len < extra) {
        if (ncap > SIZE_MAX / 2)
            return SW_ENOMEM;
        ncap *= 2;
    }
    char *np = realloc(b->p, ncap);
    if (!np)
        return SW_ENOMEM;
    b->p = np;
    b->cap = ncap;
    return SW_OK;
}

int sw_buf_append(sw_buf *b, const void *p, size_t len)
{
    int rc = sw_buf_reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    return SW_OK;
}

/* ---- SipHash-1-3 -----------------------------------------------------
 * One compression round a word and three to finish: the variant Python and
 * Rust hash their tables with. Its job here is the same (a random key keeps
 * crafted Call-IDs from piling into one chain), at half the rounds of 2-4. */

static uint64_t g_k0, g_k1;
static bool g_key_set;

void sw_hash_set_key(uint64_t k0, uint64_t k1)
{
    g_k0 = k0;
    g_k1 = k1;
    g_key_set = true;
}

static void ensure_key(void)
{
    if (g_key_set)
        return;
    uint64_t k[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    /* A failed getrandom leaves a fixed key: hashing still works, only the
     * protection against crafted collisions is lost. */
    if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        k[0] ^= (uint64_t)(uintptr_t)&k;
    }
    sw_hash_set_key(k[0], k[1]);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                 \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                 \
    } while (0)

static uint64_t siphash(const unsigned char *in, size_t len, bool fold)
{
    ensure_key();
    uint64_t v0 = 0x736f6d6570736575ull ^ g_k0, v1 = 0x646f72616e646f6dull ^ g_k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ g_k0, v3 = 0x7465646279746573ull ^ g_k1;
    uint64_t b = (uint64_t)len << 56;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t m = 0;
        if (!fold) {
            /* SipHash reads words little-endian: one load instead of eight
             * byte steps (this is on every message's path, several times). */
            uint8_t w[8];
            memcpy(w, in + i, 8);
            m = (uint64_t)w[0] | (uint64_t)w[1] << 8 | (uint64_t)w[2] << 16 |
                (uint64_t)w[3] << 24 | (uint64_t)w[4] << 32 | (uint64_t)w[5] << 40 |
                (uint64_t)w[6] << 48 | (uint64_t)w[7] << 56;
        } else {
            for (int j = 7; j >= 0; j--)
                m = (m << 8) | (uint64_t)lower(in[i + j]);
        }
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < len; j++) {
        unsigned c = in[i + j];
        b |= (uint64_t)(fold ? lower((int)c) : (int)c) << (8 * j);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t sw_hash(const void *p, size_t len) { return siphash(p, len, false); }
uint64_t sw_hash_ci(const void *p, size_t len) { return siphash(p, len, true); }
