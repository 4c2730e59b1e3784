/*
 * trace: every SIP message of a run, in capture order.
 *
 * The trace drives the stages before it (capture -> decode -> sip) and keeps
 * one compact record per SIP message: where its bytes are, when, between
 * which endpoints, which frames carried it. Records hold no parsed fields:
 * a message is re-parsed on demand (sw_trace_parse), which costs well under a
 * microsecond and keeps the index small (sizeof(sw_msg) bytes per message,
 * plus endpoints). Message bytes are slices of the memory-mapped capture;
 * bytes that were reassembled or streamed are copied once into the trace's
 * arena. Numbers are 1-based, in the order messages were completed, which
 * is the order history, show and every later command use.
 *
 * Streaming consumers (history, live capture) pass a sink that sees each
 * message with its parse as it is completed.
 */
#ifndef SW_TRACE_H
#define SW_TRACE_H

#include "../base/base.h"
#include "../capture/capture.h"
#include "../decode/decode.h"
#include "../sip/sip.h"

typedef struct sw_endpoint {
    sw_addr addr;
    uint16_t port;
    uint8_t text_len;
    char text[48]; /* "10.0.0.1" or "2001:db8::1", for printing */
} sw_endpoint;

typedef struct sw_msg {
    const char *data;     /* message bytes (head + body as framed) */
    int64_t ts_ns;
    uint64_t frame;       /* frame that completed the message (per input) */
    uint32_t first_back;  /* frame - first frame that carried a byte of it
                           * (sw_msg_first_frame(); saturates, never wraps) */
    uint32_t len;
    uint32_t src, dst;    /* endpoint ids, see sw_trace_endpoint() */
    uint16_t input;       /* input file index */
    uint16_t nframes;     /* frames that carried it (saturates at 65535) */
    uint8_t transport;    /* SW_TP_* */
    uint8_t pflags;       /* SW_PAYF_* */
    uint16_t sflags;      /* SW_SIPF_* from the first parse */
} sw_msg;

/* First frame that carried a byte of the message. */
static inline uint64_t sw_msg_first_frame(const sw_msg *m) { return m->frame - m->first_back; }

typedef struct sw_trace_opts {
    sw_decode_opts decode;
    size_t max_headers; /* headers indexed per message (256) */
    bool keep;          /* keep records (index); false for pure streaming */
    /* When set, SDP of every SIP message announces media to it and every
     * other UDP payload is offered to it (RTP streams). */
    struct sw_media *media;
} sw_trace_opts;

typedef struct sw_trace_stats {
    uint64_t packets;
    uint64_t bytes;        /* captured bytes read */
    uint64_t messages;     /* SIP messages */
    uint64_t malformed;    /* messages flagged malformed */
    uint64_t truncated;    /* messages with missing bytes */
    uint64_t non_sip;      /* payloads that were not SIP */
    uint64_t index_bytes;  /* memory of the records and endpoint table */
    uint64_t arena_bytes;  /* copies of reassembled/streamed messages */
    uint64_t mapped_bytes; /* capture bytes memory-mapped */
    uint64_t too_many_headers; /* messages with more headers than max_headers */
} sw_trace_stats;

typedef struct sw_trace sw_trace;

/* Sink: called for each SIP message as it completes; number is 1-based.
 * `sip` is the message parsed with the trace's header array (valid during the
 * call only). Return non-zero to stop reading, or SW_SINK_YIELD to have
 * sw_trace_read_some return (0) after the packet at hand, reading on at the
 * next call (the caller has work to do between two packets). */
#define SW_SINK_YIELD 0x5957
typedef int (*sw_msg_sink)(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip);

/* opts may be NULL (defaults, keep = true). NULL when out of memory. */
sw_trace *sw_trace_new(const sw_trace_opts *opts);
void sw_trace_free(sw_trace *t);

/*
 * Reads every packet of the capture set. Returns 0 when all was read (inputs
 * that ended on damage are reported by the capset), the sink's non-zero value
 * when it stopped early, or SW_ENOMEM. The capset must outlive the trace (the
 * records point into its memory).
 */
int sw_trace_read(sw_trace *t, sw_capset *cs, sw_msg_sink sink, void *ud);
/* Reads what is there, for a caller that runs its own loop (the TUI on a
 * live capture; the set in sw_capset_set_nowait mode): at most max packets,
 * stopping early when none is waiting; *nread says how many. Returns 0 when
 * more may come (call again), 1 when the input ended (the decoder flushed),
 * the sink's non-zero value when it stopped, or SW_ENOMEM. */
int sw_trace_read_some(sw_trace *t, sw_capset *cs, sw_msg_sink sink, void *ud, size_t max,
                       size_t *nread);
/* End of a reading the caller stopped (sw_trace_read_some): what the decoder
 * holds (a TCP message waiting for its end) is handed out now. */
void sw_trace_flush(sw_trace *t);

size_t sw_trace_count(const sw_trace *t);
/* Message by 1-based number; NULL when out of range or not kept. */
const sw_msg *sw_trace_get(const sw_trace *t, uint64_t number);
const sw_endpoint *sw_trace_endpoint(const sw_trace *t, uint32_t id);
/* Parses a kept message into caller storage; returns sw_sip_parse()'s result. */
int64_t sw_trace_parse(const sw_trace *t, const sw_msg *m, sw_sip_msg *out, sw_sip_header *hdrs,
                       size_t cap);
const sw_trace_stats *sw_trace_stats_get(const sw_trace *t);

/*
 * Generations (a live capture bounded by --max-memory): a successor trace
 * takes some messages of this one, renumbered 1..K in their order, then
 * the decoder with what it holds in flight; the capture goes on into the
 * successor. The numbers a user sees do not change: each message keeps the
 * number it was shown with (sw_trace_shown), and new messages continue from
 * the last one shown. Without a successor, shown number == number.
 */
uint64_t sw_trace_shown(const sw_trace *t, uint64_t number);
/* The number of the message shown as `shown`; 0 when the trace holds none. */
uint64_t sw_trace_unshown(const sw_trace *t, uint64_t shown);
/* Memory the trace holds: records, endpoints, copied message bytes, the
 * decoder's fragments and streams in flight. */
size_t sw_trace_mem(const sw_trace *t);
/* The successor: the messages keep[0..count) selects (by number - 1), copied
 * with their bytes; map[number - 1] receives each message's new number, 0
 * for those left behind. Counters (sw_trace_stats) carry on. The media
 * stage is not told again of the SDP it was told of (remap it with the
 * map). NULL when out of memory; the old trace is unchanged either way. */
sw_trace *sw_trace_successor(const sw_trace *old, const bool *keep, uint64_t *map);
/* Moves the decoder (fragments, TCP streams in flight) of `from` to t: from
 * now on t reads the capture, `from` reads no more. Not from inside a sink
 * of `from`; free `from` after what refers to it. */
void sw_trace_take_decoder(sw_trace *t, sw_trace *from);
/* Hands every kept message to the sink again, in order, parsed as when it
 * was read (the model of a successor is built by the code that built the
 * first). Returns 0 or the sink's non-zero value. */
int sw_trace_replay(sw_trace *t, sw_msg_sink sink, void *ud);
const sw_decode_stats *sw_trace_decode_stats(const sw_trace *t);

#endif
