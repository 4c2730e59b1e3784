/*
 * pcapw tests: packets rebuilt around payloads (live --split-dir) are read
 * back with libpcap, and every header field and checksum is recomputed here
 * independently of render/pcapw.c.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "render/render.h"

static sw_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    sw_addr x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    x.a[0] = a, x.a[1] = b, x.a[2] = c, x.a[3] = d;
    return x;
}

static sw_addr v6(uint8_t last)
{
    sw_addr x;
    memset(&x, 0, sizeof x);
    x.family = 6;
    x.a[0] = 0x20, x.a[1] = 0x01, x.a[2] = 0x0d, x.a[3] = 0xb8;
    x.a[15] = last;
    return x;
}

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* RFC 1071 sum over a buffer, folded, not complemented: 0xFFFF when the
 * buffer (with its checksum field) is correct. */
static unsigned sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += be16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return s;
}

/* Checks one packet read back: IP version and addresses, L4 ports and
 * checksum, payload; returns the TCP sequence number (0 for UDP). */
static uint32_t check_packet(const uint8_t *pkt, size_t caplen, const sw_addr *src, unsigned sport,
                             const sw_addr *dst, unsigned dport, bool tcp, const uint8_t *pl,
                             size_t plen)
{
    size_t ip = src->family == 6 ? 40 : 20, l4 = tcp ? 20 : 8;
    assert_int_equal(caplen, ip + l4 + plen);
    uint32_t ps = 0;
    if (ip == 20) {
        assert_int_equal(pkt[0], 0x45);
        assert_int_equal(be16(pkt + 2), caplen);
        assert_int_equal(pkt[9], tcp ? 6 : 17);
        assert_memory_equal(pkt + 12, src->a, 4);
        assert_memory_equal(pkt + 16, dst->a, 4);
        assert_int_equal(sum16(0, pkt, 20), 0xFFFF); /* header checksum */
        ps = sum16(ps, pkt + 12, 8);
        ps += (tcp ? 6u : 17u) + (uint32_t)(l4 + plen);
    } else {
        assert_int_equal(pkt[0] >> 4, 6);
        assert_int_equal(be16(pkt + 4), l4 + plen);
        assert_int_equal(pkt[6], tcp ? 6 : 17);
        assert_memory_equal(pkt + 8, src->a, 16);
        assert_memory_equal(pkt + 24, dst->a, 16);
        ps = sum16(ps, pkt + 8, 32);
        ps += (tcp ? 6u : 17u) + (uint32_t)(l4 + plen);
    }
    const uint8_t *t = pkt + ip;
    assert_int_equal(be16(t), sport);
    assert_int_equal(be16(t + 2), dport);
    if (!tcp)
        assert_int_equal(be16(t + 4), l4 + plen);
    assert_int_equal(sum16(ps, t, l4 + plen), 0xFFFF); /* UDP/TCP checksum */
    assert_memory_equal(t + l4, pl, plen);
    return tcp ? be32(t + 4) : 0;
}

static void test_pcapw_roundtrip(void **state)
{
    (void)state;
    char path[] = "/tmp/sw_pcapw_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sw_addr a4 = v4(10, 0, 0, 1), b4 = v4(192, 168, 1, 20), a6 = v6(1), b6 = v6(2);
    const char *sip = "OPTIONS sip:b@x SIP/2.0\r\nContent-Length: 0\r\n\r\n"; /* odd length */
    size_t big = 70000;
    uint8_t *bigp = malloc(big);
    assert_non_null(bigp);
    for (size_t i = 0; i < big; i++)
        bigp[i] = (uint8_t)(i * 7 + 3);
    uint8_t rtp[172];
    memset(rtp, 0xD5, sizeof rtp);
    rtp[0] = 0x80;

    sw_pcapw *w;
    assert_int_equal(sw_pcapw_open(&w, path), 0);
    assert_int_equal(sw_pcapw_packet(w, 1700000000123456789ll, &a4, 5060, &b4, 5070, false, 0,
                                     (const uint8_t *)sip, strlen(sip)), 0);
    assert_int_equal(sw_pcapw_packet(w, 1700000000200000000ll, &a6, 40000, &b6, 6000, false, 0, rtp,
                                     sizeof rtp), 0);
    /* a 70,000-byte TCP message: two segments, consecutive sequence numbers */
    assert_int_equal(sw_pcapw_packet(w, 1700000000300000000ll, &a4, 41000, &b4, 5060, true, 1000,
                                     bigp, big), 0);
    /* refused: families differ, a UDP payload no IP packet holds */
    assert_int_equal(sw_pcapw_packet(w, 0, &a4, 1, &b6, 2, false, 0, rtp, sizeof rtp), SW_EINVAL);
    assert_int_equal(sw_pcapw_packet(w, 0, &a4, 1, &b4, 2, false, 0, bigp, big), SW_EINVAL);
    assert_int_equal(sw_pcapw_count(w), 4);
    assert_int_equal(sw_pcapw_close(w), 0);

    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_RAW);
    struct pcap_pkthdr *h;
    const u_char *d;
    assert_int_equal(pcap_next_ex(p, &h, &d), 1);
    assert_int_equal(h->ts.tv_sec, 1700000000);
    assert_int_equal(h->ts.tv_usec, 123456);
    assert_int_equal(h->caplen, h->len);
    check_packet(d, h->caplen, &a4, 5060, &b4, 5070, false, (const uint8_t *)sip, strlen(sip));
    assert_int_equal(pcap_next_ex(p, &h, &d), 1);
    check_packet(d, h->caplen, &a6, 40000, &b6, 6000, false, rtp, sizeof rtp);
    assert_int_equal(pcap_next_ex(p, &h, &d), 1);
    assert_int_equal(check_packet(d, h->caplen, &a4, 41000, &b4, 5060, true, bigp, 65000), 1000);
    assert_int_equal(pcap_next_ex(p, &h, &d), 1);
    assert_int_equal(check_packet(d, h->caplen, &a4, 41000, &b4, 5060, true, bigp + 65000,
                                  big - 65000), 1000 + 65000);
    assert_int_equal(pcap_next_ex(p, &h, &d), PCAP_ERROR_BREAK); /* end of file */
    pcap_close(p);
    unlink(path);
    free(bigp);
}

static void test_pcapw_open_error(void **state)
{
    (void)state;
    sw_pcapw *w = (sw_pcapw *)1;
    assert_int_equal(sw_pcapw_open(&w, "/nonexistent-dir-sipwhy/x.pcap"), SW_EIO);
    assert_null(w);
    assert_int_equal(sw_pcapw_close(NULL), 0);
    assert_int_equal(sw_pcapw_count(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcapw_roundtrip),
        cmocka_unit_test(test_pcapw_open_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
