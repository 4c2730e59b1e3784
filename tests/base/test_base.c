/*
 * base tests: the arena (alignment, large requests, the limit, reuse after
 * fini), the heap buffer, the slice helpers (sw_str_to_u64 at and past its
 * bound), SipHash-1-3 against vectors from an independent implementation (CPython), and the case-folding
 * hash agreeing with sw_str_ieq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/base.h"

/* ---- errors ------------------------------------------------------------ */

static void test_strerror(void **state)
{
    (void)state;
    for (int e = 0; e >= -8; e--) {
        const char *s = sw_strerror(e);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
    }
    assert_string_equal(sw_strerror(-1000), "unknown error");
    assert_string_equal(sw_strerror(42), "unknown error");
}

/* ---- arena ------------------------------------------------------------- */

static void test_arena_alignment(void **state)
{
    (void)state;
    sw_arena a;
    sw_arena_init(&a, 0);
    assert_int_equal(a.chunk_size, 256 * 1024);
    for (size_t n = 0; n < 200; n++) {
        unsigned char *p = sw_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, n); /* ASan: the whole request is ours */
    }
    /* Large and chunk-sized requests are aligned too. */
    for (size_t n = 64 * 1024 - 3; n < 64 * 1024 + 40; n += 7) {
        void *p = sw_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    sw_arena_fini(&a);
    assert_null(a.head);
    assert_int_equal(a.used, 0);
    assert_int_equal(a.reserved, 0);
}

static void test_arena_distinct(void **state)
{
    (void)state;
    sw_arena a;
    sw_arena_init(&a, 1024);
    /* Many small objects across chunk boundaries keep their contents. */
    unsigned char *p[500];
    for (int i = 0; i < 500; i++) {
        p[i] = sw_arena_alloc(&a, 24);
        assert_non_null(p[i]);
        memset(p[i], i & 0xFF, 24);
    }
    for (int i = 0; i < 500; i++)
        for (int j = 0; j < 24; j++)
            assert_int_equal(p[i][j], i & 0xFF);
    assert_int_equal(a.used, 500 * 32);
    assert_true(a.reserved >= a.used);
    sw_arena_fini(&a);
}

static void test_arena_large(void **state)
{
    (void)state;
    sw_arena a;
    sw_arena_init(&a, 4096);
    unsigned char *small = sw_arena_alloc(&a, 100);
    assert_non_null(small);
    memset(small, 1, 100);
    /* A request larger than the chunk gets its own chunk... */
    unsigned char *big = sw_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    memset(big, 2, 1 << 20);
    /* ...and the head chunk's free tail is still used afterwards. */
    size_t reserved = a.reserved;
    unsigned char *small2 = sw_arena_alloc(&a, 100);
    assert_non_null(small2);
    assert_int_equal(a.reserved, reserved);
    assert_ptr_equal(small2, small + 112);
    memset(small2, 3, 100);
    assert_int_equal(small[99], 1);
    assert_int_equal(big[0], 2);
    assert_int_equal(big[(1 << 20) - 1], 2);

    /* dup and calloc */
    const char txt[] = "hello arena";
    char *d = sw_arena_dup(&a, txt, sizeof txt);
    assert_non_null(d);
    assert_string_equal(d, txt);
    assert_ptr_not_equal(d, txt);
    unsigned char *z = sw_arena_calloc(&a, 3000);
    assert_non_null(z);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(z[i], 0);
    assert_non_null(sw_arena_dup(&a, NULL, 0));
    sw_arena_fini(&a);
}

static void test_arena_overflow(void **state)
{
    (void)state;
    sw_arena a;
    sw_arena_init(&a, 0);
    /* Sizes near SIZE_MAX must fail, not wrap to a tiny allocation. */
    assert_null(sw_arena_alloc(&a, SIZE_MAX));
    assert_null(sw_arena_alloc(&a, SIZE_MAX - 15));
    assert_null(sw_arena_alloc(&a, SIZE_MAX - 16));
    assert_null(sw_arena_alloc(&a, SIZE_MAX / 2 + 1));
    assert_null(sw_arena_calloc(&a, SIZE_MAX - 3));
    /* and the arena still works */
    assert_non_null(sw_arena_alloc(&a, 10));
    sw_arena_fini(&a);
}

static void test_arena_limit(void **state)
{
    (void)state;
    sw_arena a;
    sw_arena_init(&a, 1024);
    a.limit = 4096;
    size_t got = 0;
    while (sw_arena_alloc(&a, 100))
        got += 112;
    /* 4 chunks of 1024 hold 9 objects of 112 each */
    assert_int_equal(got, 4 * 9 * 112);
    assert_true(a.reserved <= a.limit);
    /* a large request past the limit fails too */
    assert_null(sw_arena_alloc(&a, 10000));
    /* fini frees everything and keeps the limit; the arena is reusable */
    sw_arena_fini(&a);
    assert_int_equal(a.limit, 4096);
    assert_int_equal(a.chunk_size, 1024);
    assert_non_null(sw_arena_alloc(&a, 100));
    assert_null(sw_arena_alloc(&a, 5000));
    sw_arena_fini(&a);

    /* limit smaller than one chunk: nothing can be had */
    sw_arena_init(&a, 1024);
    a.limit = 512;
    assert_null(sw_arena_alloc(&a, 8));
    sw_arena_fini(&a);
}

/* ---- buffer ------------------------------------------------------------ */

static void test_buf(void **state)
{
    (void)state;
    sw_buf b;
    sw_buf_init(&b);
    assert_null(b.p);
    assert_int_equal(sw_buf_append(&b, NULL, 0), SW_OK);
    assert_int_equal(b.len, 0);
    char chunk[1000];
    for (int i = 0; i < 1000; i++)
        chunk[i] = (char)(i * 7);
    for (int r = 0; r < 300; r++)
        assert_int_equal(sw_buf_append(&b, chunk, sizeof chunk), SW_OK);
    assert_int_equal(b.len, 300000);
    assert_true(b.cap >= b.len);
    for (int r = 0; r < 300; r++)
        assert_memory_equal(b.p + r * 1000, chunk, 1000);
    /* impossible reservations fail and leave the buffer as it was */
    char *p = b.p;
    size_t cap = b.cap;
    assert_int_equal(sw_buf_reserve(&b, SIZE_MAX - 10), SW_ENOMEM);
    assert_int_equal(sw_buf_append(&b, chunk, SIZE_MAX / 2 + 10), SW_ENOMEM);
    assert_ptr_equal(b.p, p);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 300000);
    /* reserve gives room without changing len */
    assert_int_equal(sw_buf_reserve(&b, b.cap - b.len + 1), SW_OK);
    assert_true(b.cap - b.len >= 1);
    assert_int_equal(b.len, 300000);
    sw_buf_fini(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

/* ---- slices ------------------------------------------------------------ */

static void test_str_basic(void **state)
{
    (void)state;
    sw_str a = SW_STR_LIT("Call-ID");
    assert_true(sw_str_eq_cstr(a, "Call-ID"));
    assert_false(sw_str_eq_cstr(a, "call-id"));
    assert_true(sw_str_ieq_cstr(a, "call-id"));
    assert_true(sw_str_ieq_cstr(a, "CALL-ID"));
    assert_false(sw_str_ieq_cstr(a, "Call-I"));
    assert_false(sw_str_ieq_cstr(a, "Call_ID"));
    /* only ASCII letters fold: '@' (0x40) and '`' (0x60) are different */
    assert_false(sw_str_ieq_cstr(SW_STR_LIT("@"), "`"));
    assert_false(sw_str_ieq_cstr(SW_STR_LIT("["), "{"));
    assert_false(sw_str_ieq(sw_str_make("\xC0", 1), sw_str_make("\xE0", 1)));
    assert_true(sw_str_eq(SW_STR_NULL, sw_str_make("", 0)));
    assert_true(sw_str_ieq(SW_STR_NULL, SW_STR_NULL));
    assert_int_equal(sw_str_cstr(NULL).len, 0);

    assert_true(sw_str_iprefix(SW_STR_LIT("SIP/2.0 200"), "sip/"));
    assert_false(sw_str_iprefix(SW_STR_LIT("SI"), "sip/"));
    assert_true(sw_str_iprefix(SW_STR_LIT("x"), ""));

    sw_str t = sw_str_trim(SW_STR_LIT(" \t\r\n abc \r\n\t "));
    assert_int_equal(t.len, 3);
    assert_memory_equal(t.p, "abc", 3);
    assert_int_equal(sw_str_trim(SW_STR_LIT(" \t ")).len, 0);
    assert_int_equal(sw_str_trim(SW_STR_NULL).len, 0);
    t = sw_str_trim(SW_STR_LIT("a b"));
    assert_int_equal(t.len, 3);

    sw_str s = SW_STR_LIT("a;b=c");
    assert_ptr_equal(sw_str_chr(s, ';'), s.p + 1);
    assert_null(sw_str_chr(s, ','));
    assert_null(sw_str_chr(SW_STR_NULL, 'a'));
    /* not past len */
    assert_null(sw_str_chr(sw_str_make("ab;", 2), ';'));
}

static void test_str_to_u64(void **state)
{
    (void)state;
    uint64_t v = 12345;
    assert_true(sw_str_to_u64(SW_STR_LIT("0"), 10, &v));
    assert_int_equal(v, 0);
    assert_true(sw_str_to_u64(SW_STR_LIT("007"), 10, &v));
    assert_int_equal(v, 7);
    assert_true(sw_str_to_u64(SW_STR_LIT("65535"), 65535, &v));
    assert_int_equal(v, 65535);
    v = 1;
    assert_false(sw_str_to_u64(SW_STR_LIT("65536"), 65535, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("70000"), 65535, &v));
    assert_int_equal(v, 1); /* untouched on failure */
    assert_false(sw_str_to_u64(SW_STR_LIT(""), 10, &v));
    assert_false(sw_str_to_u64(SW_STR_NULL, 10, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("-1"), 10, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("+1"), 10, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT(" 1"), 10, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("1 "), 10, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("1a"), 100, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("/"), 100, &v)); /* '0' - 1 */
    assert_false(sw_str_to_u64(SW_STR_LIT(":"), 100, &v)); /* '9' + 1 */
    /* 64-bit bound */
    assert_true(sw_str_to_u64(SW_STR_LIT("18446744073709551615"), UINT64_MAX, &v));
    assert_true(v == UINT64_MAX);
    assert_false(sw_str_to_u64(SW_STR_LIT("18446744073709551616"), UINT64_MAX, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("18446744073709551620"), UINT64_MAX, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("99999999999999999999"), UINT64_MAX, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("184467440737095516150"), UINT64_MAX, &v));
    assert_true(sw_str_to_u64(SW_STR_LIT("000000000000000000000000000042"), UINT64_MAX, &v));
    assert_int_equal(v, 42);
    /* a single digit above a small max (the digit alone exceeds it) */
    assert_false(sw_str_to_u64(SW_STR_LIT("7"), 5, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("9"), 0, &v));
    assert_false(sw_str_to_u64(SW_STR_LIT("16"), 15, &v));
    assert_true(sw_str_to_u64(SW_STR_LIT("5"), 5, &v));
    assert_int_equal(v, 5);
    assert_true(sw_str_to_u64(SW_STR_LIT("0"), 0, &v));
    assert_int_equal(v, 0);
    /* every value around a bound that is not a power of ten */
    for (uint64_t n = 0; n < 1000; n++) {
        char b[8];
        int k = snprintf(b, sizeof b, "%llu", (unsigned long long)n);
        bool ok = sw_str_to_u64(sw_str_make(b, (size_t)k), 699, &v);
        assert_int_equal(ok, n <= 699);
        if (ok)
            assert_int_equal(v, n);
    }
}

/* ---- SipHash ----------------------------------------------------------- */

/* SipHash-1-3 under the all-zero key of the bytes 00, 01, ... (lengths 1 to
 * 63), as CPython 3.11 computes them: it hashes bytes with SipHash-1-3 and,
 * under PYTHONHASHSEED=0, a zero key. Made with
 *   PYTHONHASHSEED=0 python3 -c "for i in range(1,64):
 *       print('%016x' % (hash(bytes(range(i))) & (2**64-1)))"
 * (length 0 is left out: Python special-cases the empty string). */
static const uint64_t siphash13_vec[63] = {
    0x68a914128e01e473ull, 0x010bac45c41e3669ull, 0x4d4c9a4a8ef6e0adull, 0x7cc43f98813e4dbdull,
    0x5abe2169dff36275ull, 0xe3c25f87624f1cdbull, 0x2f098ab0c751325aull, 0xead411e67ebe2eeaull,
    0x75927f9d95124362ull, 0xaf9f77a65ab51a1dull, 0xfe64ce8b6617fcffull, 0xa6baf4fb0f9fe1c2ull,
    0xa0cf3211850f8e0dull, 0x7f86049379fbfe67ull, 0xf30eb725bb91c9eaull, 0x8972188433a5c5b7ull,
    0x4883c49a2c009c1dull, 0xadc2c0b63044067dull, 0x091f4a3329f87d19ull, 0x639e355ae68c0100ull,
    0xb17bef2cb5213239ull, 0xf8aeb1066236ccfeull, 0x37332b1389daa4ffull, 0x31185a47af932f3aull,
    0xebf352e82ae23e2full, 0xed36ff242fe478b2ull, 0x2454d97d299299dfull, 0x8cd57fe8130d0ac7ull,
    0xbe98eb2faf0a0e85ull, 0xd427c34ee09470c6ull, 0x169739443111d49bull, 0x31ef8061c910629bull,
    0x7fb71d24dfa4c9f6ull, 0x92771f49e836d389ull, 0x3c393cf6f0853bc3ull, 0xac77921fcc642bd3ull,
    0x422a9751192ff266ull, 0xc680ae8a8c584ddfull, 0x6c76b6d34bb6d26bull, 0x95bc321ab41d8206ull,
    0x908a3a97a6d37669ull, 0xfcaf3c64874dd0b4ull, 0xf689479b32b84a44ull, 0xd857641079efd1fdull,
    0x8b581578722633f7ull, 0x83cb09d35ea7bcd4ull, 0x8485f7f5ae725a0dull, 0xfe1f2445ba50237full,
    0x23cece041d7866b0ull, 0x416687480b336c09ull, 0xf15960da7e7f3892ull, 0xded6177b9826835aull,
    0xf80dae51668be6beull, 0x17ecc6ee6647df18ull, 0x5220d642b4a52110ull, 0xa4f0cf4ba4adc016ull,
    0xe5125bb26d1f2976ull, 0x851b0e75f580d256ull, 0x12605250a37e39acull, 0xd95a713568daebf1ull,
    0xcdcf4a42ec0dd605ull, 0xa5c708712b617164ull, 0x385d3e39e5f37359ull,
};

static void test_siphash_vectors(void **state)
{
    (void)state;
    sw_hash_set_key(0, 0);
    uint8_t msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    for (int i = 1; i < 64; i++) {
        uint64_t h = sw_hash(msg, (size_t)i);
        if (h != siphash13_vec[i - 1])
            fail_msg("SipHash-1-3 vector %d: got %016llx, want %016llx", i,
                     (unsigned long long)h, (unsigned long long)siphash13_vec[i - 1]);
        /* the bytes 00..3f contain no ASCII letters: folding changes nothing */
        assert_true(sw_hash_ci(msg, (size_t)i) == siphash13_vec[i - 1]);
    }
}

static void test_siphash_key(void **state)
{
    (void)state;
    sw_hash_set_key(1, 2);
    uint64_t a = sw_hash("Call-ID", 7);
    assert_true(a == sw_hash("Call-ID", 7));
    sw_hash_set_key(1, 3);
    assert_true(a != sw_hash("Call-ID", 7));
    assert_true(sw_hash("", 0) != sw_hash("\0", 1));
    /* unaligned input gives the same hash as aligned */
    char buf[80];
    for (int i = 0; i < 80; i++)
        buf[i] = (char)('a' + i % 26);
    uint64_t h = sw_hash(buf, 40);
    char moved[81];
    memcpy(moved + 1, buf, 40);
    assert_true(sw_hash(moved + 1, 40) == h);
}

static void test_siphash_ci(void **state)
{
    (void)state;
    sw_hash_set_key(0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);
    static const char *const names[][2] = {
        {"Call-ID", "call-id"},
        {"CSEQ", "cseq"},
        {"Content-Length", "CONTENT-LENGTH"},
        {"ViA", "vIa"},
        {"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        {"x-Long-Header-Name-Over-Sixteen-Bytes", "X-LONG-HEADER-NAME-OVER-SIXTEEN-BYTES"},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(names); i++) {
        sw_str a = sw_str_cstr(names[i][0]), b = sw_str_cstr(names[i][1]);
        assert_true(sw_str_ieq(a, b));
        assert_true(sw_hash_ci(a.p, a.len) == sw_hash_ci(b.p, b.len));
        assert_true(sw_hash(a.p, a.len) != sw_hash(b.p, b.len));
        /* the folding hash equals the plain hash of the lower-case text */
        char low[64];
        for (size_t j = 0; j < a.len; j++)
            low[j] = (char)((a.p[j] >= 'A' && a.p[j] <= 'Z') ? a.p[j] + 32 : a.p[j]);
        assert_true(sw_hash_ci(a.p, a.len) == sw_hash(low, a.len));
    }
    /* characters that are not letters do not fold: '@' vs '`', '[' vs '{' */
    assert_true(sw_hash_ci("a@", 2) != sw_hash_ci("a`", 2));
    assert_true(sw_hash_ci("[", 1) != sw_hash_ci("{", 1));
    /* bytes >= 0x80 are not folded (0xC0 and 0xE0 are different) */
    assert_true(sw_hash_ci("\xC0", 1) != sw_hash_ci("\xE0", 1));
    /* every byte value against its case partner and its neighbour:
     * ci-hashes equal exactly when sw_str_ieq says equal */
    for (int x = 0; x < 256; x++) {
        int others[2] = {x ^ 0x20, (x + 1) & 0xFF};
        for (int k = 0; k < 2; k++) {
            char cx = (char)x, cy = (char)others[k];
            bool eq = sw_str_ieq(sw_str_make(&cx, 1), sw_str_make(&cy, 1));
            assert_int_equal(eq, sw_hash_ci(&cx, 1) == sw_hash_ci(&cy, 1));
        }
    }
}

/* sw_grow_zeroed: doubles from `first` to hold `need`, new elements zero,
 * the array untouched when it is big enough. */
static void test_grow_zeroed(void **state)
{
    (void)state;
    size_t cap = 0;
    uint32_t *a = sw_grow_zeroed(NULL, &cap, 3, sizeof *a, 2);
    assert_non_null(a);
    assert_int_equal(cap, 4);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(a[i], 0);
    a[3] = 7;
    assert_ptr_equal(sw_grow_zeroed(a, &cap, 4, sizeof *a, 2), a);
    assert_int_equal(cap, 4);
    a = sw_grow_zeroed(a, &cap, 9, sizeof *a, 2);
    assert_non_null(a);
    assert_int_equal(cap, 16);
    assert_int_equal(a[3], 7);
    for (size_t i = 4; i < cap; i++)
        assert_int_equal(a[i], 0);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_distinct),
        cmocka_unit_test(test_arena_large),
        cmocka_unit_test(test_arena_overflow),
        cmocka_unit_test(test_arena_limit),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_str_basic),
        cmocka_unit_test(test_str_to_u64),
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_siphash_key),
        cmocka_unit_test(test_siphash_ci),
        cmocka_unit_test(test_grow_zeroed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
