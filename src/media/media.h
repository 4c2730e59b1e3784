/*
 * media: RTP streams announced by SDP, measured as they pass.
 *
 * Stage after sip (it reads SDP through the sip stage's parser) and before
 * trace (which feeds it): every SIP message with SDP announces its media
 * addresses (c= and m= port, RTCP on port+1 or a=rtcp); every other UDP
 * payload to or from an announced address:port is RTP (or RTCP, counted
 * apart), as Wireshark's SDP-driven RTP conversations do. A stream is one
 * (source, destination, SSRC); per stream: packets, bytes, sequence-number
 * loss with wrap-around (RFC 3550 appendix A.1), duplicates and reordering,
 * arrival deltas, interarrival jitter (RFC 3550 section 6.4.1, A.8) with the
 * payload's clock rate (static table, or the SDP's rtpmap), marker bits.
 *
 * Every read is bounds-checked; the tables are keyed with SipHash (crafted
 * SSRCs or ports cannot degrade them) and bounded (max_streams, max_endpoints):
 * packets past a bound are counted, never silently dropped.
 */
#ifndef SW_MEDIA_H
#define SW_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../decode/decode.h"
#include "../sip/sip.h"

/* Fixed RTP header fields (RFC 3550 section 5.1). */
typedef struct sw_rtp_hdr {
    uint8_t pt;
    bool marker;
    uint16_t seq;
    uint32_t ts, ssrc;
    uint16_t hdr_len;     /* fixed header + CSRCs + extension */
    uint16_t payload_len; /* without padding */
} sw_rtp_hdr;

/* Parses an RTP header: 0, or -1 when the bytes are not RTP version 2 or
 * lie about their lengths (CSRC count, extension, padding). */
int sw_rtp_parse(const uint8_t *p, size_t n, sw_rtp_hdr *h);
/* RTCP (RFC 3550, RFC 5761 demultiplexing: second byte 192-223 minus the
 * marker bit, i.e. packet types SR, RR, SDES, BYE, APP and feedback). */
bool sw_rtcp_looks_like(const uint8_t *p, size_t n);

/* Clock rate and name of a static payload type (RFC 3551); 0 / NULL when
 * the type is dynamic or unassigned. */
uint32_t sw_rtp_static_clock(uint8_t pt);
const char *sw_rtp_static_name(uint8_t pt);

typedef struct sw_rtp_stream {
    sw_addr src, dst;
    uint16_t sport, dport;
    uint32_t ssrc;
    uint8_t pt;             /* payload type of the first packet */
    bool pt_changed;        /* another payload type seen later (e.g. DTMF, CN) */
    char codec[24];         /* "PCMU", from the SDP's rtpmap or the static table */
    uint32_t clock;         /* Hz; 0 unknown (jitter then not computed) */
    uint64_t sdp_msg;       /* SIP message number whose SDP announced it */
    uint64_t first_frame;
    int64_t t_first, t_last; /* ns */
    uint64_t packets, bytes; /* bytes: RTP payload */
    int64_t lost;           /* expected - received (negative with duplicates) */
    uint64_t expected;
    uint64_t out_of_order;  /* packets older than the highest sequence number seen */
    uint64_t seq_jumps;     /* restarts: a jump of more than 3000 */
    uint32_t markers;
    /* RTCP report blocks (SR/RR) about this stream's SSRC, from the receiver */
    uint32_t rtcp_blocks;   /* report blocks seen */
    uint8_t rtcp_fraction_max; /* largest "fraction lost" (x/256) */
    int32_t rtcp_cum_lost;  /* the last "cumulative number of packets lost" */
    double rtcp_jitter_max_ms; /* largest interarrival jitter reported, in ms */
    double rtcp_rtt_max_ms; /* largest round-trip time from LSR/DLSR, -1 none */
    char dtmf[24];          /* RFC 4733 digits in order (0-9 * # A-D), NUL-terminated */
    uint32_t dtmf_n;        /* events, also those past what dtmf holds */
    uint32_t dtmf_ts;       /* RTP timestamp of the last event */
    double delta_min_ms, delta_max_ms, delta_sum_ms; /* arrival deltas, regular packets */
    uint64_t nregular;      /* packets counted in the deltas (see media.c) */
    double jitter_ms;       /* RFC 3550 interarrival jitter after the last packet */
    double jitter_max_ms, jitter_mean_ms;
    /* running state */
    uint32_t base_seq, max_seq, cycles;
    uint64_t exp_prior;     /* packets expected before the last restart */
    uint32_t last_ts;
    int64_t last_arrival;
    uint8_t prev_pt;
    uint32_t ann;           /* the announcement it was matched with (media.c) */
    uint32_t ann2;          /* the other side's, UINT32_MAX when none */
    bool sdp_for_dst;       /* sdp_msg announced the destination (the receiver's SDP) */
} sw_rtp_stream;

typedef struct sw_media_stats {
    uint64_t rtp_packets, rtcp_packets;
    uint64_t rtcp_blocks;      /* report blocks read */
    uint64_t not_rtp;          /* to an announced port, but not RTP/RTCP */
    uint64_t streams_dropped;  /* packets of new streams past max_streams */
    uint64_t endpoints_dropped;/* SDP endpoints past max_endpoints */
} sw_media_stats;

/* Called for every RTP packet attributed to a stream (index as in
 * sw_media_stream()), after the stream's figures are updated: what `audio`
 * decodes and `live --split-dir` records. pl is the whole UDP payload (the
 * RTP payload starts h->hdr_len bytes in), valid during the call only. */
typedef void (*sw_rtp_hook)(void *ud, size_t stream, const sw_rtp_hdr *h, const sw_payload *pl);

typedef struct sw_media_opts {
    size_t max_streams;   /* default 1,000,000 */
    size_t max_endpoints; /* default 4,000,000 */
    sw_rtp_hook on_rtp;   /* NULL: none */
    void *on_rtp_ud;
} sw_media_opts;

typedef struct sw_media sw_media;

sw_media *sw_media_new(const sw_media_opts *opts);
void sw_media_free(sw_media *m);

/* A SIP message (number msg) carried this SDP: announces its media. 0 or
 * SW_ENOMEM. */
int sw_media_announce(sw_media *m, const sw_sdp *sdp, uint64_t msg);
/* A UDP payload that is not SIP: true when it belonged to announced media
 * (RTP or RTCP), false otherwise. */
bool sw_media_udp(sw_media *m, const sw_payload *pl);

/* Listening quality of a stream by the ITU-T G.107 E-model, simplified as
 * passive monitors do (the parameters are documented in media.c and the man
 * page): R-factor (0-100) and MOS (1-4.5) from the codec's equipment
 * impairment, the packet loss and an assumed mouth-to-ear delay. */
typedef struct sw_rtp_quality {
    double r, mos;
    double loss_pct;  /* what the loss impairment used */
    double delay_ms;  /* the assumed one-way delay */
    bool codec_known; /* false: the codec is not in the table (G.711 values used) */
} sw_rtp_quality;
sw_rtp_quality sw_rtp_quality_of(const sw_rtp_stream *s);

/* Whether some SDP (so far) announced address:port. */
bool sw_media_announced(const sw_media *m, const sw_addr *a, uint16_t port);

size_t sw_media_nstreams(const sw_media *m);
/* A new generation of the trace renumbered the SIP messages:
 * msg_map[n - 1] is message n's new number, 0 when it is gone (n <= nmsgs).
 * Announcements and streams whose SDP message is gone are dropped, the rest
 * renumbered; stream_map (sw_media_nstreams() entries before the call, or
 * NULL) receives each stream's new index, SIZE_MAX when dropped. Counters
 * carry on. Returns 0 or SW_ENOMEM (the stage is then unchanged). */
int sw_media_remap(sw_media *m, const uint64_t *msg_map, size_t nmsgs, size_t *stream_map);
/* Memory the stage holds (streams, announcements, tables). */
size_t sw_media_mem(const sw_media *m);
/* Streams in order of their first packet. */
const sw_rtp_stream *sw_media_stream(const sw_media *m, size_t i);
const sw_media_stats *sw_media_stats_get(const sw_media *m);

/* ---- audio: RTP payloads back to sound ----------------------------------
 *
 * G.711 (PCMU, PCMA) decodes to 16-bit linear PCM at 8 kHz. A track holds
 * one stream's samples, placed by RTP timestamp from the stream's first
 * packet (gaps from loss stay silent, duplicates overwrite); a timestamp
 * jump of more than SW_AUDIO_JUMP_S or backwards past the start re-anchors
 * the track at the packet's arrival time, as a restarted sender needs.
 * Samples past max_samples are counted, not stored. */

/* Linear value of one G.711 code (ITU-T G.711 tables 1a and 2a). */
int16_t sw_g711_ulaw(uint8_t code);
int16_t sw_g711_alaw(uint8_t code);

/* The payload types a track can decode: 0 (PCMU) and 8 (PCMA), or a dynamic
 * type whose rtpmap names one of them. Returns the decoder's codec
 * (0 = PCMU, 8 = PCMA) or -1 when the codec cannot be decoded. */
int sw_audio_codec(uint8_t pt, const char *codec_name);

#define SW_AUDIO_RATE 8000
#define SW_AUDIO_JUMP_S 60

typedef struct sw_audio_track {
    int16_t *s;
    size_t n, cap;          /* samples written (highest index + 1), allocated */
    size_t max_samples;     /* bound (0: 6 hours) */
    int64_t t_start;        /* arrival time of sample 0, ns */
    uint32_t ts_base;       /* RTP timestamp of sample 0 */
    int codec;              /* sw_audio_codec() of the stream (set before the first add) */
    uint8_t pt;             /* the payload type that carries it; others are skipped */
    bool started;
    uint64_t packets;       /* decoded */
    uint64_t skipped;       /* other payload types (DTMF events, comfort noise) */
    uint64_t dropped;       /* samples past max_samples */
    uint32_t reanchored;    /* timestamp jumps */
} sw_audio_track;

/* Adds one packet's payload. 0, or SW_ENOMEM. */
int sw_audio_track_add(sw_audio_track *t, const sw_rtp_hdr *h, const uint8_t *payload,
                       int64_t ts_ns);
void sw_audio_track_free(sw_audio_track *t);

#endif
