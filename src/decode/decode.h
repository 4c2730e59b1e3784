/*
 * decode: from captured frames to application payloads.
 *
 *   link (Ethernet + 802.1Q/QinQ, Linux SLL/SLL2, raw IP, BSD NULL/LOOP,
 *   PPP, PPPoE, Cisco HDLC) -> MPLS -> IPv4/IPv6 (extension headers,
 *   fragment reassembly) -> tunnels (IP-in-IP, GRE incl. ERSPAN and
 *   transparent Ethernet, GTP-U, VXLAN) -> UDP datagrams and TCP streams.
 *
 * A UDP payload is handed on as it is. A TCP stream is put back in order
 * (out-of-order segments are held, retransmissions dropped) and cut into
 * messages by a framer the caller supplies: decode knows nothing of SIP, the
 * sip stage's sw_sip_frame() is passed in. A message that lies inside one
 * segment is passed as a slice of the packet (zero-copy); one that spans
 * segments or IP fragments is assembled in the decoder's own buffers and is
 * not `stable`: the consumer copies what it keeps.
 *
 * Addresses reported are the innermost ones (the SIP endpoints inside a
 * tunnel). Every read is bounds-checked against caplen; everything held
 * (fragments, stream bytes, flows) is bounded, and every limit hit is
 * counted in sw_decode_stats.
 */
#ifndef SW_DECODE_H
#define SW_DECODE_H

#include "../base/base.h"
#include "../capture/capture.h"

typedef struct sw_addr {
    uint8_t family; /* 4 or 6; 0 = none */
    uint8_t a[16];  /* IPv4 in the first 4 bytes */
} sw_addr;

/* Formats an address ("10.0.0.1", "2001:db8::1") into buf (>= 46 bytes). */
const char *sw_addr_str(const sw_addr *a, char *buf, size_t len);
bool sw_addr_eq(const sw_addr *a, const sw_addr *b);

enum { SW_TP_NONE = 0, SW_TP_UDP = 1, SW_TP_TCP = 2, SW_TP_SCTP = 3 };
/* "udp", "tcp", "sctp" */
const char *sw_transport_name(unsigned tp);

enum {
    SW_PAYF_IPFRAG = 1u << 0,   /* reassembled from IP fragments */
    SW_PAYF_TCPSEGS = 1u << 1,  /* assembled from several TCP segments */
    SW_PAYF_TRUNC = 1u << 2,    /* bytes are missing (snaplen, lost segment, end of capture) */
    SW_PAYF_TUNNEL = 1u << 3,   /* came out of a tunnel */
    SW_PAYF_KEEPALIVE = 1u << 4,/* CRLF keep-alive on a stream */
};

typedef struct sw_payload {
    int64_t ts_ns;         /* time of the packet that completed it */
    sw_addr src, dst;
    uint16_t sport, dport;
    uint8_t transport;     /* SW_TP_* */
    uint8_t flags;         /* SW_PAYF_* */
    bool stable;           /* data lives as long as the capture */
    const uint8_t *data;
    uint32_t len;
    uint32_t input;        /* input file index */
    uint64_t frame;        /* frame that completed it */
    uint64_t first_frame;  /* first frame that carried a byte of it */
    uint32_t nframes;      /* frames that carried it */
} sw_payload;

/* Called for every payload; return 0 to go on, non-zero to stop decoding. */
typedef int (*sw_payload_cb)(void *ud, const sw_payload *pl);

/* Stream framer, in the shape of sw_sip_frame(): > 0 length of the first
 * message (with *keepalive for a CRLF-only run), SW_EAGAIN-like -2 for more
 * bytes, -1 when the bytes do not start a message (*too_big when only the
 * size bound failed). */
typedef int (*sw_framer)(const char *buf, size_t len, size_t max_msg, size_t *msglen,
                         bool *keepalive, bool *too_big);

typedef struct sw_decode_opts {
    sw_framer framer;            /* required for TCP; NULL = ignore TCP */
    size_t max_msg;              /* largest message a stream may carry (1 MiB) */
    size_t frag_max_bytes;       /* bytes held for IP reassembly (64 MiB) */
    size_t frag_max_datagrams;   /* datagrams in reassembly at once (16384) */
    int64_t frag_timeout_ns;     /* capture time before a datagram is dropped (30 s) */
    size_t tcp_max_flows;        /* TCP directions tracked at once (1 Mi) */
    size_t tcp_max_bytes;        /* bytes buffered over all streams (256 MiB) */
    size_t tcp_max_ooo;          /* out-of-order segments held per stream (64) */
} sw_decode_opts;

/* Fills defaults for zero fields. */
void sw_decode_opts_default(sw_decode_opts *o);

typedef struct sw_decode_stats {
    uint64_t packets;
    uint64_t unsupported_link; /* link types we do not decode */
    uint64_t not_ip;           /* ARP, LLDP, ... */
    uint64_t malformed;        /* headers that lie about lengths */
    uint64_t snap_truncated;   /* packets cut by snaplen */
    uint64_t ip_fragments;
    uint64_t ip_reassembled;
    uint64_t ip_frag_timeouts;  /* datagrams dropped incomplete (time or end) */
    uint64_t ip_frag_evicted;   /* dropped because a bound was hit */
    uint64_t ip_frag_overlaps;
    uint64_t tcp_segments;
    uint64_t tcp_retransmitted;
    uint64_t tcp_out_of_order;
    uint64_t tcp_gaps;          /* lost bytes skipped */
    uint64_t tcp_not_framed;    /* segments of streams that are not (yet) SIP */
    uint64_t tcp_too_big;       /* messages over max_msg */
    uint64_t tcp_evicted;       /* flows or bytes dropped for a bound */
    uint64_t tunnels;
    uint64_t payloads;
} sw_decode_stats;

typedef struct sw_decoder sw_decoder;

/* Returns NULL when out of memory. opts may be NULL (defaults). */
sw_decoder *sw_decoder_new(const sw_decode_opts *opts, sw_payload_cb cb, void *ud);
/* Decodes one packet; calls cb for each payload it completes. Returns the
 * callback's non-zero value if it asked to stop, else 0. */
int sw_decoder_packet(sw_decoder *d, const sw_packet *p);
/* End of input: hands on what streams hold (flagged SW_PAYF_TRUNC) and
 * drops incomplete IP datagrams (counted). */
int sw_decoder_flush(sw_decoder *d);
const sw_decode_stats *sw_decoder_stats(const sw_decoder *d);
/* Hands the payloads to another callback from now on, with what the decoder
 * holds (fragments and TCP streams in flight) kept as it is: the trace of a
 * new generation taking over a live capture. Not from inside a callback. */
/* Bytes held for fragments and TCP streams in flight (bounded by the opts). */
size_t sw_decoder_mem(const sw_decoder *d);
void sw_decoder_rebind(sw_decoder *d, sw_payload_cb cb, void *ud);
void sw_decoder_free(sw_decoder *d);

#endif
