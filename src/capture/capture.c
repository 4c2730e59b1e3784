/*
 * capture: pcap/pcapng reader over a memory map or a zlib stream.
 *
 * The reader sees the file through one window [win, win+winlen) and a cursor
 * `pos`. For a mapped file the window is the whole file and never moves; for
 * a stream, need() slides unread bytes to the front of a heap buffer and
 * refills it, which is why streamed packets are not `stable`.
 */
#define _GNU_SOURCE
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

enum fmt { FMT_PCAP, FMT_PCAPNG };

#define MAX_IFACES 4096

typedef struct iface {
    uint32_t linktype;
    uint32_t snaplen;
    bool res_pow2;   /* resolution is 2^-res, else 10^-res */
    uint8_t res;
    int64_t offset_s; /* if_tsoffset */
} iface;

struct sw_capture {
    char *path;
    enum fmt fmt;
    bool gz;
    bool swap;   /* file byte order differs from little endian reading */
    bool big;    /* pcapng section is big endian */
    bool nsec;   /* pcap: nanosecond timestamps */
    uint32_t pcap_linktype;
    uint32_t pcap_snaplen;

    /* window */
    const uint8_t *win;
    size_t winlen;
    size_t pos;       /* cursor in the window */
    uint64_t base;    /* file offset of win[0] */
    bool mapped;
    void *map;
    size_t maplen;
    gzFile gzf;
    uint8_t *buf;
    size_t bufcap;
    bool eof;         /* stream: no more bytes to read */

    iface *ifs;
    size_t nifs, ifcap;

    uint64_t frames;
    int failed; /* the error code once the input proved damaged (sticky) */
    pcap_t *live;         /* a live interface (libpcap), else NULL */
    pcap_dumper_t *dump;  /* -w: every packet read is also written here */
    char *dump_pattern;   /* its name, a strftime pattern when it rotates */
    int64_t dump_every_ns; /* -G: a new file every this long (0: never) */
    int64_t dump_since;   /* capture time the current file was started */
    uint64_t dump_max;    /* -C: a new file before this size (0: never) */
    uint64_t dump_bytes;  /* bytes in the current file */
    char *dump_last;      /* the name the pattern gave last time */
    unsigned dump_seq;    /* files already started under that name */
    char err[200];
};

/* ---- byte access ------------------------------------------------------- */

static uint32_t rd32(const sw_capture *c, const uint8_t *p)
{
    return c->big ? sw_be32(p) : sw_le32(p);
}
static uint16_t rd16(const sw_capture *c, const uint8_t *p)
{
    return c->big ? sw_be16(p) : sw_le16(p);
}

/* Makes n bytes available at the cursor. Returns the bytes available (>= n
 * on success, less at end of input). */
static size_t need(sw_capture *c, size_t n)
{
    size_t avail = c->winlen - c->pos;
    if (avail >= n || c->mapped || c->eof)
        return avail;
    /* slide */
    if (c->pos) {
        memmove(c->buf, c->buf + c->pos, avail);
        c->base += c->pos;
        c->pos = 0;
        c->winlen = avail;
    }
    if (n > c->bufcap) {
        size_t ncap = c->bufcap;
        while (ncap < n)
            ncap *= 2;
        uint8_t *nb = realloc(c->buf, ncap);
        if (!nb)
            return avail;
        c->buf = nb;
        c->bufcap = ncap;
    }
    c->win = c->buf;
    while (c->winlen < n && !c->eof) {
        size_t room = c->bufcap - c->winlen;
        if (room > (1u << 30))
            room = 1u << 30;
        int r = gzread(c->gzf, c->buf + c->winlen, (unsigned)room);
        if (r <= 0) {
            c->eof = true;
            if (r < 0) {
                int zerr;
                const char *m = gzerror(c->gzf, &zerr);
                snprintf(c->err, sizeof c->err, "decompression error at byte %llu: %s",
                         (unsigned long long)(c->base + c->winlen), m);
            }
            break;
        }
        c->winlen += (size_t)r;
    }
    return c->winlen - c->pos;
}

static uint64_t offset_of(const sw_capture *c) { return c->base + c->pos; }

/* ---- open ------------------------------------------------------------- */

static void live_register(pcap_t *p, bool add);

static int fail(char *err, size_t errlen, int code, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return code;
}

static int read_pcap_header(sw_capture *c, char *err, size_t errlen)
{
    if (need(c, 24) < 24)
        return fail(err, errlen, SW_ETRUNC, "truncated pcap file header (shorter than 24 bytes)");
    const uint8_t *h = c->win + c->pos;
    uint32_t magic = sw_le32(h);
    switch (magic) {
    case 0xa1b2c3d4: c->big = false; c->nsec = false; break;
    case 0xa1b23c4d: c->big = false; c->nsec = true; break;
    case 0xd4c3b2a1: c->big = true; c->nsec = false; break;
    case 0x4d3cb2a1: c->big = true; c->nsec = true; break;
    default: return fail(err, errlen, SW_EFORMAT, "not a pcap file");
    }
    uint16_t major = rd16(c, h + 4);
    if (major != 2)
        return fail(err, errlen, SW_EFORMAT, "unsupported pcap version");
    c->pcap_snaplen = rd32(c, h + 16);
    /* The upper bits of the link-type field carry FCS information (pcap spec). */
    c->pcap_linktype = rd32(c, h + 20) & 0x0FFFFFFF;
    c->pos += 24;
    return 0;
}

int sw_capture_open(sw_capture **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    sw_capture *c = calloc(1, sizeof *c);
    if (!c)
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    c->path = strdup(path);
    if (!c->path) {
        free(c);
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    }
    int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        sw_capture_close(c);
        return SW_EIO;
    }
    struct stat st;
    bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (regular && st.st_size == 0) {
        close(fd);
        sw_capture_close(c);
        return fail(err, errlen, SW_EFORMAT, "empty file");
    }
    if (regular && strcmp(path, "-") != 0) {
        unsigned char m[2] = {0, 0};
        if (pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b)
            c->gz = true;
    } else {
        c->gz = true; /* streams always go through zlib; it passes plain data through */
    }
    if (!c->gz) {
        /* Every page is read anyway: populating the mapping up front costs one
         * bulk operation instead of a page fault per 4 KiB. */
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            snprintf(err, errlen, "cannot map file: %s", strerror(errno));
            sw_capture_close(c);
            return SW_EIO;
        }
        madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
        c->mapped = true;
        c->map = map;
        c->maplen = (size_t)st.st_size;
        c->win = map;
        c->winlen = c->maplen;
    } else {
        c->gzf = gzdopen(fd, "rb");
        c->bufcap = 1u << 20;
        c->buf = malloc(c->bufcap);
        if (!c->gzf || !c->buf) {
            if (!c->gzf)
                close(fd);
            sw_capture_close(c);
            return fail(err, errlen, SW_ENOMEM, "out of memory");
        }
        gzbuffer(c->gzf, 1u << 18);
        c->win = c->buf;
    }
    size_t have = need(c, 4);
    if (have < 4) {
        sw_capture_close(c);
        return fail(err, errlen, have ? SW_EFORMAT : SW_EFORMAT,
                    have ? "not a capture file (too short)" : "empty input");
    }
    uint32_t magic = sw_le32(c->win + c->pos);
    int rc;
    if (magic == 0x0a0d0d0a) {
        c->fmt = FMT_PCAPNG;
        rc = 0; /* the SHB is read as the first block */
    } else {
        c->fmt = FMT_PCAP;
        rc = read_pcap_header(c, err, errlen);
        if (rc == SW_EFORMAT)
            snprintf(err, errlen, "not a pcap or pcapng file");
    }
    if (rc) {
        sw_capture_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

void sw_capture_close(sw_capture *c)
{
    if (!c)
        return;
    if (c->dump)
        pcap_dump_close(c->dump);
    free(c->dump_pattern);
    free(c->dump_last);
    if (c->live) {
        live_register(c->live, false);
        pcap_close(c->live);
    }
    if (c->map)
        munmap(c->map, c->maplen);
    if (c->gzf)
        gzclose(c->gzf);
    free(c->buf);
    free(c->ifs);
    free(c->path);
    free(c);
}

const char *sw_capture_error(const sw_capture *c) { return c->err; }
const char *sw_capture_path(const sw_capture *c) { return c->path; }
uint64_t sw_capture_offset(const sw_capture *c) { return c->base + c->pos; }
uint64_t sw_capture_mapped(const sw_capture *c) { return c->mapped ? c->maplen : 0; }
const char *sw_capture_format(const sw_capture *c)
{
    if (c->fmt == FMT_PCAP)
        return c->gz ? "pcap.gz" : "pcap";
    return c->gz ? "pcapng.gz" : "pcapng";
}

/* ---- pcap records ------------------------------------------------------ */

static int damaged(sw_capture *c, int code, const char *what, uint64_t at)
{
    if (!c->err[0])
        snprintf(c->err, sizeof c->err, "%s at byte %llu after packet %llu", what,
                 (unsigned long long)at, (unsigned long long)c->frames);
    return code;
}

static int next_pcap(sw_capture *c, sw_packet *p)
{
    size_t avail = need(c, 16);
    if (avail == 0)
        return c->err[0] ? SW_EIO : 0;
    uint64_t at = offset_of(c);
    if (avail < 16)
        return damaged(c, SW_ETRUNC, "truncated record header", at);
    const uint8_t *h = c->win + c->pos;
    uint32_t sec = rd32(c, h), frac = rd32(c, h + 4);
    uint32_t incl = rd32(c, h + 8), orig = rd32(c, h + 12);
    if (incl > SW_CAPTURE_MAX_RECORD) {
        char what[96];
        snprintf(what, sizeof what, "record length %u over the limit of %u bytes", incl,
                 SW_CAPTURE_MAX_RECORD);
        return damaged(c, SW_EFORMAT, what, at);
    }
    if (need(c, 16 + (size_t)incl) < 16 + (size_t)incl)
        return damaged(c, SW_ETRUNC, "truncated packet data", at);
    h = c->win + c->pos;
    p->ts_ns = (int64_t)sec * 1000000000 + (c->nsec ? (int64_t)frac : (int64_t)frac * 1000);
    p->data = h + 16;
    p->caplen = incl;
    p->origlen = orig < incl ? incl : orig;
    p->linktype = c->pcap_linktype;
    c->pos += 16 + (size_t)incl;
    return 1;
}

/* ---- pcapng blocks ----------------------------------------------------- */

static int64_t ts_to_ns(const iface *f, uint64_t t)
{
    /* 128-bit arithmetic: a 64-bit count of seconds (or a huge if_tsoffset)
     * overflows int64 nanoseconds, which must clamp, not be undefined. */
    __int128 ns;
    if (!f->res_pow2) {
        uint8_t r = f->res;
        if (r <= 9) {
            static const int64_t mul[] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                          10000,      1000,      100,      10,      1};
            ns = (__int128)t * mul[r];
        } else {
            uint64_t d = 1;
            for (uint8_t i = 9; i < r && i < 28; i++)
                d *= 10;
            ns = (__int128)(t / d);
        }
    } else {
        unsigned __int128 v = (unsigned __int128)t * 1000000000u;
        ns = f->res >= 64 ? 0 : (__int128)(v >> f->res);
    }
    ns += (__int128)f->offset_s * 1000000000;
    if (ns > INT64_MAX)
        return INT64_MAX;
    if (ns < INT64_MIN)
        return INT64_MIN;
    return (int64_t)ns;
}

static int parse_shb(sw_capture *c, const uint8_t *b, uint32_t len)
{
    /* byte-order magic at offset 8 */
    uint32_t bom = sw_le32(b + 8);
    if (bom == 0x1a2b3c4d)
        c->big = false;
    else if (bom == 0x4d3c2b1a)
        c->big = true;
    else
        return SW_EFORMAT;
    (void)len;
    c->nifs = 0; /* interface ids are per section */
    return 0;
}

static int parse_idb(sw_capture *c, const uint8_t *b, uint32_t len)
{
    if (len < 20)
        return SW_EFORMAT;
    if (c->nifs == c->ifcap) {
        if (c->ifcap >= MAX_IFACES)
            return SW_ELIMIT;
        size_t ncap = c->ifcap ? c->ifcap * 2 : 4;
        iface *n = realloc(c->ifs, ncap * sizeof *n);
        if (!n)
            return SW_ENOMEM;
        c->ifs = n;
        c->ifcap = ncap;
    }
    iface *f = &c->ifs[c->nifs++];
    memset(f, 0, sizeof *f);
    f->linktype = rd16(c, b + 8);
    f->snaplen = rd32(c, b + 12);
    f->res = 6;
    /* options: code(2) len(2) value padded to 4 */
    size_t o = 16, end = len - 4;
    while (o + 4 <= end) {
        uint16_t code = rd16(c, b + o), olen = rd16(c, b + o + 2);
        if (code == 0)
            break;
        size_t vo = o + 4;
        if (vo + olen > end)
            break;
        if (code == 9 && olen >= 1) {
            f->res_pow2 = (b[vo] & 0x80) != 0;
            f->res = b[vo] & 0x7f;
        } else if (code == 14 && olen >= 8) {
            uint64_t v = c->big ? ((uint64_t)sw_be32(b + vo) << 32) | sw_be32(b + vo + 4)
                                : ((uint64_t)sw_le32(b + vo + 4) << 32) | sw_le32(b + vo);
            f->offset_s = (int64_t)v;
        }
        o = vo + (((size_t)olen + 3) & ~(size_t)3);
    }
    return 0;
}

static int next_pcapng(sw_capture *c, sw_packet *p)
{
    for (;;) {
        size_t avail = need(c, 12);
        if (avail == 0)
            return c->err[0] ? SW_EIO : 0;
        uint64_t at = offset_of(c);
        if (avail < 12)
            return damaged(c, SW_ETRUNC, "truncated block header", at);
        const uint8_t *b = c->win + c->pos;
        uint32_t type = sw_le32(b);
        if (type == 0x0a0d0d0a) {
            /* The section header's own byte order decides how to read its length. */
            uint32_t bom = sw_le32(b + 8);
            c->big = (bom == 0x4d3c2b1a);
            if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a)
                return damaged(c, SW_EFORMAT, "bad byte-order magic in section header", at);
        } else {
            type = rd32(c, b);
        }
        uint32_t blen = rd32(c, b + 4);
        if (blen < 12 || (blen & 3)) {
            char what[64];
            snprintf(what, sizeof what, "bad block length %u", blen);
            return damaged(c, SW_EFORMAT, what, at);
        }
        if (blen > SW_CAPTURE_MAX_RECORD + 64) {
            char what[96];
            snprintf(what, sizeof what, "block length %u over the limit", blen);
            return damaged(c, SW_EFORMAT, what, at);
        }
        if (need(c, blen) < blen)
            return damaged(c, SW_ETRUNC, "truncated block", at);
        b = c->win + c->pos;
        if (rd32(c, b + blen - 4) != blen)
            return damaged(c, SW_EFORMAT, "block length trailer does not match", at);
        c->pos += blen;
        switch (type) {
        case 0x0a0d0d0a:
            if (blen < 28 || parse_shb(c, b, blen))
                return damaged(c, SW_EFORMAT, "bad section header block", at);
            continue;
        case 1: {
            int rc = parse_idb(c, b, blen);
            if (rc)
                return damaged(c, rc, rc == SW_ELIMIT ? "too many interfaces"
                                                      : "bad interface description block", at);
            continue;
        }
        case 6:   /* enhanced packet block */
        case 2: { /* obsolete packet block */
            if (blen < 32)
                return damaged(c, SW_EFORMAT, "packet block too short", at);
            uint32_t ifid = type == 6 ? rd32(c, b + 8) : rd16(c, b + 8);
            uint32_t th = rd32(c, b + 12), tl = rd32(c, b + 16);
            uint32_t cap = rd32(c, b + 20), orig = rd32(c, b + 24);
            if (ifid >= c->nifs)
                return damaged(c, SW_EFORMAT, "packet for an undeclared interface", at);
            if (cap > blen - 32)
                return damaged(c, SW_EFORMAT, "packet length larger than its block", at);
            const iface *f = &c->ifs[ifid];
            p->ts_ns = ts_to_ns(f, ((uint64_t)th << 32) | tl);
            p->data = b + 28;
            p->caplen = cap;
            p->origlen = orig < cap ? cap : orig;
            p->linktype = f->linktype;
            return 1;
        }
        case 3: { /* simple packet block: interface 0, no timestamp */
            if (blen < 16 || c->nifs == 0)
                return damaged(c, SW_EFORMAT, "bad simple packet block", at);
            uint32_t orig = rd32(c, b + 8);
            uint32_t cap = blen - 16;
            if (orig < cap)
                cap = orig;
            p->ts_ns = 0;
            p->data = b + 12;
            p->caplen = cap;
            p->origlen = orig;
            p->linktype = c->ifs[0].linktype;
            return 1;
        }
        default:
            continue; /* name resolution, statistics, secrets, custom: not needed yet */
        }
    }
}

/* ---- live interfaces (libpcap) ------------------------------------------ */

static volatile sig_atomic_t live_stop, live_rotate;

void sw_capture_request_rotate(void) { live_rotate = 1; }
/* Open live handles, so that a stop request (from a signal handler) can break
 * a read that is waiting: pcap_breakloop() is async-signal-safe. */
static pcap_t *volatile live_handles[SW_CAPTURE_MAX_LIVE];

void sw_capture_request_stop(void)
{
    live_stop = 1;
    for (size_t i = 0; i < sizeof live_handles / sizeof live_handles[0]; i++)
        if (live_handles[i])
            pcap_breakloop(live_handles[i]);
}

static void live_register(pcap_t *p, bool add)
{
    for (size_t i = 0; i < sizeof live_handles / sizeof live_handles[0]; i++)
        if (add ? !live_handles[i] : live_handles[i] == p) {
            live_handles[i] = add ? p : NULL;
            return;
        }
}

int sw_capture_open_live(sw_capture **out, const char *ifname, const char *bpf, char *err,
                         size_t errlen)
{
    *out = NULL;
    sw_capture *c = calloc(1, sizeof *c);
    if (!c)
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    c->path = strdup(ifname);
    char perr[PCAP_ERRBUF_SIZE] = "";
    c->live = pcap_create(ifname, perr);
    if (!c->path || !c->live) {
        snprintf(err, errlen, "%s", perr[0] ? perr : "out of memory");
        sw_capture_close(c);
        return SW_EIO;
    }
    /* Immediate delivery (a live view), a 100 ms read timeout so that a stop
     * request is seen, whole packets, and a kernel buffer for bursts. */
    pcap_set_snaplen(c->live, 262144);
    pcap_set_timeout(c->live, 100);
    pcap_set_immediate_mode(c->live, 1);
    pcap_set_buffer_size(c->live, 32 << 20);
    pcap_set_tstamp_precision(c->live, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(c->live);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", ifname,
                 rc == PCAP_ERROR ? pcap_geterr(c->live) : pcap_statustostr(rc));
        sw_capture_close(c);
        return SW_EIO;
    }
    c->nsec = pcap_get_tstamp_precision(c->live) == PCAP_TSTAMP_PRECISION_NANO;
    if (bpf && *bpf) {
        struct bpf_program prog;
        if (pcap_compile(c->live, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
            pcap_setfilter(c->live, &prog) < 0) {
            snprintf(err, errlen, "filter '%s': %s", bpf, pcap_geterr(c->live));
            sw_capture_close(c);
            return SW_EFORMAT;
        }
        pcap_freecode(&prog);
    }
    /* DLT values equal LINKTYPE values for the link types decode reads
     * (Ethernet, Linux cooked v1/v2, raw, null, PPP); DLT_RAW is 12 here. */
    c->pcap_linktype = (uint32_t)pcap_datalink(c->live);
    live_register(c->live, true);
    *out = c;
    return 0;
}

/* Opens the dump file named by the pattern at capture time ts_ns. */
static int dump_open(sw_capture *c, int64_t ts_ns, char *err, size_t errlen)
{
    char name[4096];
    time_t t = (time_t)(ts_ns / 1000000000);
    struct tm tm;
    localtime_r(&t, &tm);
    if (!strftime(name, sizeof name, c->dump_pattern, &tm))
        return fail(err, errlen, SW_EINVAL, "the file name pattern is empty or too long");
    /* Never reopen (and so truncate) the file just written: a second file in
     * the same second gets a number. */
    if (c->dump_last && !strcmp(c->dump_last, name)) {
        size_t l = strlen(name);
        snprintf(name + l, sizeof name - l, ".%u", ++c->dump_seq);
    } else {
        free(c->dump_last);
        c->dump_last = strdup(name);
        c->dump_seq = 0;
    }
    pcap_dumper_t *d = pcap_dump_open(c->live, name);
    if (!d) {
        snprintf(err, errlen, "%s: %s", name, pcap_geterr(c->live));
        return SW_EIO;
    }
    if (c->dump)
        pcap_dump_close(c->dump);
    c->dump = d;
    c->dump_since = ts_ns;
    c->dump_bytes = 24; /* the pcap file header */
    return 0;
}

int sw_capture_dump_to(sw_capture *c, const char *path, int64_t every_ns, uint64_t max_bytes,
                       char *err, size_t errlen)
{
    if (!c->live)
        return fail(err, errlen, SW_EFORMAT, "only a live capture can be written");
    if (every_ns && !strchr(path, '%'))
        return fail(err, errlen, SW_EINVAL,
                    "a rotating file needs a strftime pattern in its name (e.g. sip-%H%M%S.pcap)");
    c->dump_pattern = strdup(path);
    if (!c->dump_pattern)
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    c->dump_every_ns = every_ns;
    c->dump_max = max_bytes;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return dump_open(c, (int64_t)now.tv_sec * 1000000000ll + now.tv_nsec, err, errlen);
}

bool sw_capture_is_live(const sw_capture *c) { return c && c->live; }

int sw_capture_live_stats(const sw_capture *c, uint64_t *received, uint64_t *dropped,
                          uint64_t *if_dropped)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->live, &st) < 0)
        return -1;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *if_dropped = st.ps_ifdrop;
    return 0;
}

/* One read: 1 a packet, 0 none yet (the read timeout, or nothing waiting
 * in non-blocking mode), 2 a stop was requested, or a negative sw_err. */
static int live_read(sw_capture *c, sw_packet *p)
{
    if (live_stop)
        return 2;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(c->live, &h, &d);
    if (rc == 0)
        return 0;
    if (rc == PCAP_ERROR_BREAK)
        return 2;
    if (rc < 0) {
        snprintf(c->err, sizeof c->err, "%s", pcap_geterr(c->live));
        return SW_EIO;
    }
    p->ts_ns = (int64_t)h->ts.tv_sec * 1000000000ll +
               (int64_t)h->ts.tv_usec * (c->nsec ? 1 : 1000);
    if (c->dump) {
        /* -G, -C or SIGHUP: the next file starts with this packet */
        uint64_t rec = 16 + (uint64_t)h->caplen;
        if (live_rotate || (c->dump_every_ns && p->ts_ns - c->dump_since >= c->dump_every_ns) ||
            (c->dump_max && c->dump_bytes > 24 && c->dump_bytes + rec > c->dump_max)) {
            live_rotate = 0;
            char e[300];
            if (dump_open(c, p->ts_ns, e, sizeof e))
                fprintf(stderr, "sipwhy: warning: rotating the capture file: %s (writing on)\n", e);
        }
        pcap_dump((u_char *)c->dump, h, d);
        pcap_dump_flush(c->dump);
        c->dump_bytes += rec;
    }
    p->data = d;
    p->caplen = h->caplen;
    p->origlen = h->len;
    p->linktype = c->pcap_linktype;
    p->frame = ++c->frames;
    p->stable = false;
    p->input = 0;
    return 1;
}

static int next_live(sw_capture *c, sw_packet *p)
{
    for (;;) {
        int rc = live_read(c, p);
        if (rc != 0) /* 0: the read timeout, look at the stop flag again */
            return rc == 2 ? 0 : rc;
    }
}

int sw_capture_next(sw_capture *c, sw_packet *p)
{
    /* Sticky: the cursor may already be past a bad block, and reading on
     * would hand out packets after the damage with a stale error text. */
    if (c->failed)
        return c->failed;
    if (c->live) {
        int lr = next_live(c, p);
        if (lr < 0)
            c->failed = lr;
        return lr;
    }
    int rc = c->fmt == FMT_PCAP ? next_pcap(c, p) : next_pcapng(c, p);
    if (rc < 0)
        c->failed = rc;
    if (rc == 1) {
        p->frame = ++c->frames;
        p->stable = c->mapped;
        p->input = 0;
    }
    return rc;
}

/* ---- merge ------------------------------------------------------------- */

typedef struct capin {
    sw_capture *cap;
    sw_packet head;
    bool has_head;
    bool failed;
    uint64_t packets;
} capin;

struct sw_capset {
    capin *in;
    size_t n;
    size_t *heap; /* indexes into in[], min-heap on head.ts_ns */
    size_t nheap;
    bool primed;
    /* several live interfaces: read as packets come (no time merge: a quiet
     * interface must not hold the others back), polled together */
    struct pollfd *fds;
    size_t rr; /* the interface to look at first next time */
    bool nowait; /* sw_capset_set_nowait: SW_EAGAIN instead of waiting */
};

static bool heap_less(const sw_capset *s, size_t a, size_t b)
{
    const sw_packet *x = &s->in[a].head, *y = &s->in[b].head;
    return x->ts_ns < y->ts_ns || (x->ts_ns == y->ts_ns && a < b);
}

static void heap_down(sw_capset *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->nheap && heap_less(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

int sw_capset_open_live(sw_capset **out, const char *ifname, const char *bpf, char *err,
                        size_t errlen)
{
    return sw_capset_open_live_n(out, &ifname, 1, bpf, err, errlen);
}

int sw_capset_open_live_n(sw_capset **out, const char *const *ifnames, size_t n, const char *bpf,
                          char *err, size_t errlen)
{
    *out = NULL;
    if (!n || n > SW_CAPTURE_MAX_LIVE)
    {
        snprintf(err, errlen, "%zu interfaces: at most %d at once", n, SW_CAPTURE_MAX_LIVE);
        return SW_EINVAL;
    }
    sw_capset *s = calloc(1, sizeof *s);
    if (!s || !(s->in = calloc(n, sizeof *s->in)) || !(s->heap = calloc(n, sizeof *s->heap)) ||
        (n > 1 && !(s->fds = calloc(n, sizeof *s->fds)))) {
        if (s) {
            free(s->in);
            free(s->heap);
        }
        free(s);
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        char e[400];
        int rc = sw_capture_open_live(&s->in[i].cap, ifnames[i], bpf, e, sizeof e);
        if (!rc && n > 1) {
            char pe[PCAP_ERRBUF_SIZE];
            pcap_t *h = s->in[i].cap->live;
            s->fds[i].fd = pcap_get_selectable_fd(h);
            s->fds[i].events = POLLIN;
            if (s->fds[i].fd < 0 || pcap_setnonblock(h, 1, pe) < 0) {
                snprintf(e, sizeof e, "cannot wait on it together with other interfaces");
                rc = SW_EIO;
            }
        }
        if (rc) {
            if (n > 1)
                snprintf(err, errlen, "%s: %s", ifnames[i], e);
            else
                snprintf(err, errlen, "%s", e);
            sw_capset_close(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

int sw_capset_set_nowait(sw_capset *s, char *err, size_t errlen)
{
    if (!s->n || !sw_capture_is_live(s->in[0].cap)) {
        snprintf(err, errlen, "only live interfaces can be read without waiting");
        return SW_EINVAL;
    }
    if (!s->fds && !(s->fds = calloc(s->n, sizeof *s->fds)))
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++) {
        char pe[PCAP_ERRBUF_SIZE];
        pcap_t *h = s->in[i].cap->live;
        s->fds[i].fd = pcap_get_selectable_fd(h);
        s->fds[i].events = POLLIN;
        if (s->fds[i].fd < 0 || pcap_setnonblock(h, 1, pe) < 0) {
            snprintf(err, errlen, "cannot read %s without waiting", s->in[i].cap->path);
            return SW_EIO;
        }
    }
    s->nowait = true;
    return 0;
}

/* Several live interfaces: the next packet from any of them. */
static int next_live_n(sw_capset *s, sw_packet *p)
{
    for (;;) {
        size_t open = 0;
        for (size_t k = 0; k < s->n; k++) {
            size_t i = (s->rr + k) % s->n;
            capin *in = &s->in[i];
            if (in->failed)
                continue;
            open++;
            int rc = live_read(in->cap, p);
            if (rc == 2)
                return 0;
            if (rc < 0) {
                /* this interface is gone (its error is kept); the others go on */
                in->cap->failed = rc;
                in->failed = true;
                s->fds[i].fd = -1;
                continue;
            }
            if (rc == 1) {
                s->rr = i + 1;
                p->input = (uint32_t)i;
                in->packets++;
                return 1;
            }
        }
        if (!open || live_stop)
            return 0;
        if (s->nowait)
            return SW_EAGAIN;
        /* nothing waiting: sleep until an interface has packets, a signal
         * (a stop request interrupts the wait) or 100 ms pass */
        poll(s->fds, (nfds_t)s->n, 100);
    }
}

int sw_capset_open(sw_capset **out, const char *const *paths, size_t n, char *err, size_t errlen)
{
    *out = NULL;
    sw_capset *s = calloc(1, sizeof *s);
    if (!s || !(s->in = calloc(n ? n : 1, sizeof *s->in)) ||
        !(s->heap = calloc(n ? n : 1, sizeof *s->heap))) {
        if (s)
            free(s->in);
        free(s);
        return fail(err, errlen, SW_ENOMEM, "out of memory");
    }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        char e[200];
        int rc = sw_capture_open(&s->in[i].cap, paths[i], e, sizeof e);
        if (rc) {
            snprintf(err, errlen, "%s: %s", paths[i], e);
            sw_capset_close(s);
            return rc;
        }
    }
    *out = s;
    return 0;
}

/* Pulls the next packet of input i into its head; false when it ended. For
 * unstable (streamed) inputs the head's bytes would be overwritten by the
 * next read of the same input, which only happens after the head has been
 * handed out, so the window stays valid while it waits in the heap. */
static bool pull(sw_capset *s, size_t i)
{
    capin *in = &s->in[i];
    int rc = sw_capture_next(in->cap, &in->head);
    if (rc == 1) {
        in->head.input = (uint32_t)i;
        in->packets++;
        in->has_head = true;
        return true;
    }
    in->has_head = false;
    if (rc < 0)
        in->failed = true;
    return false;
}

int sw_capset_next(sw_capset *s, sw_packet *p)
{
    if (s->fds)
        return next_live_n(s, p);
    if (!s->primed) {
        s->primed = true;
        for (size_t i = 0; i < s->n; i++)
            if (pull(s, i))
                s->heap[s->nheap++] = i;
        for (size_t i = s->nheap; i-- > 0;)
            heap_down(s, i);
    } else if (s->nheap) {
        /* Advance the input whose packet was handed out last time. */
        size_t top = s->heap[0];
        if (!pull(s, top))
            s->heap[0] = s->heap[--s->nheap];
        heap_down(s, 0);
    }
    if (!s->nheap)
        return 0;
    *p = s->in[s->heap[0]].head;
    return 1;
}

size_t sw_capset_count(const sw_capset *s) { return s->n; }
sw_capture *sw_capset_get(const sw_capset *s, size_t i) { return s->in[i].cap; }
bool sw_capset_input_failed(const sw_capset *s, size_t i) { return s->in[i].failed; }
uint64_t sw_capset_packets(const sw_capset *s, size_t i) { return s->in[i].packets; }

size_t sw_capset_failed(const sw_capset *s)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += s->in[i].failed;
    return k;
}

void sw_capset_close(sw_capset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        sw_capture_close(s->in[i].cap);
    free(s->in);
    free(s->heap);
    free(s->fds);
    free(s);
}
