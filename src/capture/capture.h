/*
 * capture: packets from capture files, in time order.
 *
 * sipwhy reads pcap and pcapng itself rather than through libpcap's
 * pcap_next_ex(), for two reasons:
 *   1. Zero-copy. A regular file is memory-mapped and every packet's bytes
 *      are a pointer into the mapping, valid until the capture is closed, so
 *      the message index keeps 8-byte pointers instead of copies
 *      (pcap_next_ex() reuses one buffer per packet).
 *   2. pcapng with several interfaces of different link types, which
 *      libpcap 1.10 refuses, and exact reports of where a damaged file broke.
 * Compressed files (gzip, detected by magic) and standard input ("-") are
 * read as a stream through zlib; their packets are not `stable` and a
 * consumer copies the bytes it keeps into its arena. libpcap remains the
 * library for live capture and BPF, and is the oracle in the tests.
 *
 * Every record length is checked against the bytes present and a hard cap
 * (SW_CAPTURE_MAX_RECORD) before anything is read: captures are hostile.
 */
#ifndef SW_CAPTURE_H
#define SW_CAPTURE_H

#include "../base/base.h"

#define SW_CAPTURE_MAX_RECORD (16u * 1024u * 1024u)

/* Link types we name (values of the LINKTYPE_ registry). */
enum {
    SW_LINK_NULL = 0,
    SW_LINK_ETHERNET = 1,
    SW_LINK_PPP = 9,
    SW_LINK_RAW_OLD = 12, /* DLT_RAW on some BSDs */
    SW_LINK_RAW_OLD2 = 14,
    SW_LINK_PPP_HDLC = 50,
    SW_LINK_PPP_ETHER = 51,
    SW_LINK_RAW = 101,
    SW_LINK_C_HDLC = 104,
    SW_LINK_LOOP = 108,
    SW_LINK_LINUX_SLL = 113,
    SW_LINK_IPV4 = 228,
    SW_LINK_IPV6 = 229,
    SW_LINK_LINUX_SLL2 = 276,
};

typedef struct sw_packet {
    int64_t ts_ns;          /* capture time, ns since the epoch */
    const uint8_t *data;    /* caplen bytes */
    uint32_t caplen;        /* bytes captured */
    uint32_t origlen;       /* bytes on the wire (> caplen when snaplen cut it) */
    uint32_t linktype;      /* LINKTYPE_ value */
    uint32_t input;         /* index of the input file (0 for a single capture) */
    uint64_t frame;         /* 1-based packet number within its input */
    bool stable;            /* data stays valid until the capture is closed */
} sw_packet;

typedef struct sw_capture sw_capture;

/*
 * Opens a capture file ("-" = standard input). Recognises pcap (micro- and
 * nanosecond, either byte order) and pcapng, plain or gzip-compressed.
 * Returns 0 and *out, or a negative sw_err with a one-line reason in err
 * (without the file name).
 */
int sw_capture_open(sw_capture **out, const char *path, char *err, size_t errlen);

/*
 * Reads the next packet. Returns 1 with *p filled, 0 at a clean end of file,
 * or a negative sw_err when the file is damaged; sw_capture_error() then says
 * where ("truncated record header at byte 4096 after packet 12"). Packets
 * before the damage were all returned. p->data of an unstable packet is valid
 * until the next call.
 */
int sw_capture_next(sw_capture *c, sw_packet *p);

const char *sw_capture_error(const sw_capture *c);
const char *sw_capture_path(const sw_capture *c);
/* Bytes consumed so far (uncompressed), and bytes memory-mapped (0 for streams). */
uint64_t sw_capture_offset(const sw_capture *c);
uint64_t sw_capture_mapped(const sw_capture *c);
/* "pcap", "pcapng", "pcap.gz", "pcapng.gz" */
const char *sw_capture_format(const sw_capture *c);
void sw_capture_close(sw_capture *c);

/* ---- live interfaces (libpcap) ------------------------------------------ */

/* Opens interface iface ("any" for all) for live capture with an optional BPF
 * filter; packets are not stable (each is valid until the next read).
 * sw_capture_next() waits for packets and returns 0 once a stop was
 * requested. Returns 0 or a negative sw_err with the reason in err. */
int sw_capture_open_live(sw_capture **out, const char *ifname, const char *bpf, char *err,
                         size_t errlen);
/* Also write every packet read to a pcap file (-w). path is a strftime
 * pattern (local time); with every_ns > 0 (-G) a new file is started every
 * that long of capture time, which needs a '%' in the pattern; with
 * max_bytes > 0 (-C) a new file is started before one would pass that size
 * (a file holds at least one packet). A name used already gets ".1", ".2"... */
int sw_capture_dump_to(sw_capture *c, const char *path, int64_t every_ns, uint64_t max_bytes,
                       char *err, size_t errlen);
/* Start a new -w file at the next packet (SIGHUP); async-signal-safe. */
void sw_capture_request_rotate(void);
/* Asks every live capture to stop at its next read; async-signal-safe. */
void sw_capture_request_stop(void);
bool sw_capture_is_live(const sw_capture *c);
/* libpcap's counters (pcap_stats): 0, or -1 when not live or unavailable. */
int sw_capture_live_stats(const sw_capture *c, uint64_t *received, uint64_t *dropped,
                          uint64_t *if_dropped);

/* ---- several inputs merged in time order ------------------------------- */

typedef struct sw_capset sw_capset;

/* Opens every path; on failure of one, returns its negative sw_err with
 * "PATH: reason" in err and opens nothing. */
int sw_capset_open(sw_capset **out, const char *const *paths, size_t n, char *err, size_t errlen);
/* Next packet across all inputs by timestamp (ties: lower input first).
 * Returns 1, or 0 when all inputs are finished. A damaged input ends early;
 * its error is kept (sw_capset_errors) and the other inputs go on. */
int sw_capset_next(sw_capset *s, sw_packet *p);
/* A set of one live interface (sw_capture_open_live). */
int sw_capset_open_live(sw_capset **out, const char *ifname, const char *bpf, char *err,
                        size_t errlen);
/* A set of n live interfaces (at most SW_CAPTURE_MAX_LIVE), each with the
 * BPF filter. With more than one, sw_capset_next() hands packets out as they
 * arrive (an idle interface holds nothing back; order across interfaces is
 * arrival order, not a timestamp merge) and an interface that fails ends
 * alone (sw_capset_input_failed) while the others go on. On failure, err
 * names the interface. */
#define SW_CAPTURE_MAX_LIVE 8
int sw_capset_open_live_n(sw_capset **out, const char *const *ifnames, size_t n, const char *bpf,
                          char *err, size_t errlen);
/* A live set read without waiting (an interface that drives its own loop,
 * the TUI): sw_capset_next() then returns SW_EAGAIN when no packet is
 * waiting. 0 or a negative sw_err with the reason in err. */
int sw_capset_set_nowait(sw_capset *s, char *err, size_t errlen);
size_t sw_capset_count(const sw_capset *s);
sw_capture *sw_capset_get(const sw_capset *s, size_t i);
/* Number of inputs that ended on an error (their texts via sw_capture_error),
 * and number of inputs that yielded no packet before failing. */
size_t sw_capset_failed(const sw_capset *s);
bool sw_capset_input_failed(const sw_capset *s, size_t i);
uint64_t sw_capset_packets(const sw_capset *s, size_t i);
void sw_capset_close(sw_capset *s);

#endif
