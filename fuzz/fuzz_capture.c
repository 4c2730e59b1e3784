/*
 * libFuzzer target for the capture reader: the input is written to a memfd
 * and opened by path (/proc/self/fd/N), so the real open path runs: the
 * memory map for plain files, zlib for gzip (magic 1f 8b). Every packet is
 * read to the end or the damage.
 *
 * Beyond memory errors (ASan) and UB (UBSan) it traps on broken contracts:
 * caplen over the record cap, origlen below caplen, frame numbers that do not
 * count 1, 2, 3..., an error without an error text, an offset past the input
 * (mapped files), a second read after the end that does not repeat the end.
 * Each packet is copied to a heap block of exactly caplen bytes and read
 * there, so a length that lies shows up as an ASan report.
 *
 * Seeds: the public corpus ($SW_SHARED/corpus/public, pcap, pcapng, gzip).
 * Build and run with `make fuzz` (mk/fuzz.mk).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"

static volatile uint8_t sink;

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

static void read_one(const char *path, size_t size)
{
    sw_capture *c;
    char err[256];
    int rc = sw_capture_open(&c, path, err, sizeof err);
    if (rc) {
        check(rc < 0 && c == NULL && err[0] != 0);
        return;
    }
    sw_packet p;
    uint64_t n = 0;
    while ((rc = sw_capture_next(c, &p)) == 1) {
        check(p.frame == ++n);
        check(p.caplen <= SW_CAPTURE_MAX_RECORD);
        check(p.origlen >= p.caplen);
        check(p.input == 0);
        uint8_t *copy = malloc(p.caplen ? p.caplen : 1);
        if (!copy)
            abort();
        memcpy(copy, p.data, p.caplen);
        uint8_t x = 0;
        for (uint32_t i = 0; i < p.caplen; i++)
            x ^= copy[i];
        sink = x;
        free(copy);
    }
    check(rc <= 0);
    const char *e = sw_capture_error(c);
    if (rc < 0)
        check(e[0] != 0);
    if (sw_capture_mapped(c))
        check(sw_capture_offset(c) <= size);
    /* the end (clean or not) is final */
    check(sw_capture_next(c, &p) == rc);
    sw_capture_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_capture", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_one(path, size);

    /* the same bytes twice through the merge */
    const char *paths[2] = {path, path};
    sw_capset *s;
    char err[256];
    if (sw_capset_open(&s, paths, 2, err, sizeof err) == 0) {
        sw_packet p;
        uint64_t k = 0;
        while (sw_capset_next(s, &p) == 1 && k++ < 100000)
            check(p.input < 2 && p.origlen >= p.caplen);
        check(sw_capset_failed(s) == 0 || sw_capset_failed(s) == 2);
        sw_capset_close(s);
    }
    close(fd);
    return 0;
}
