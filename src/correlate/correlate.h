/*
 * correlate: the SIP state model of a capture.
 *
 *   transactions (RFC 3261 section 17): requests, retransmissions, responses,
 *       ACK and CANCEL matched by top-Via branch + sent-by + method, with the
 *       RFC 2543 fallback (Call-ID, From tag, CSeq, top Via) for branches
 *       without the z9hG4bK cookie;
 *   dialogs: Call-ID + both tags, early and confirmed, forks, how they ended;
 *       in-dialog requests attached, and requests for no known dialog kept
 *       as such (they are what 481 is about);
 *   usages: INVITE sessions, registrations (AOR, bindings, expiry, auth
 *       challenges), subscriptions (Event + id, NOTIFY, Subscription-State,
 *       the implicit subscription of REFER);
 *   calls: all dialogs of one Call-ID, with state and timings; and
 *   conversations: calls linked across transfers (REFER + the INVITE it
 *       caused, Replaces) or by a correlation header (X-Call-ID, X-CID,
 *       Session-ID, or --link-header NAME).
 *
 * The model is built incrementally, one message at a time in capture order
 * (sw_corr_add), so live capture can feed it; a batch run feeds it from the
 * trace sink. Strings it keeps are slices of message bytes owned by the trace.
 * Every table keyed by network data uses SipHash; every count is bounded by
 * the memory it gets (SW_ENOMEM, never a silent drop).
 */
#ifndef SW_CORRELATE_H
#define SW_CORRELATE_H

#include "../base/base.h"
#include "../sip/sip.h"
#include "../trace/trace.h"

#define SW_NONE UINT32_MAX

/* ---- transactions ----------------------------------------------------- */

enum {
    SW_TXF_STRAY = 1u << 0,     /* responses seen, request never seen */
    SW_TXF_CANCELLED = 1u << 1, /* a CANCEL for it was seen */
    SW_TXF_RFC2543 = 1u << 2,   /* matched without the magic cookie */
    SW_TXF_TIMEOUT = 1u << 3,   /* request retransmitted, no response at all */
};

/* 56 bytes a transaction; its method is sw_corr_txn_method(). */
typedef struct sw_txn {
    uint32_t call;        /* call index */
    uint32_t dialog;      /* dialog index, SW_NONE when outside any dialog */
    uint32_t cseq;
    uint32_t request;     /* number of the first request, 0 if never seen */
    uint32_t last;        /* number of the last message of the transaction */
    uint32_t client, server; /* endpoint ids: who sent the request / answered */
    uint16_t retrans;     /* request retransmissions */
    uint16_t resp_retrans;/* final response retransmissions */
    uint32_t first_prov;  /* first 1xx, 0 if none */
    uint32_t final;       /* first final response, 0 if none */
    int16_t final_code;   /* 0 when none */
    uint16_t flags;       /* SW_TXF_* */
    uint32_t ack;         /* ACK of a non-2xx final (same transaction), 0 if none */
    uint32_t cancel;      /* the CANCEL transaction for an INVITE, SW_NONE */
    uint32_t nmsgs;
} sw_txn;

/* ---- dialogs ----------------------------------------------------------- */

typedef enum {
    SW_DLG_EARLY = 0,
    SW_DLG_CONFIRMED,
    SW_DLG_TERMINATED,
} sw_dlg_state;

typedef enum {
    SW_DLG_END_NONE = 0,
    SW_DLG_END_BYE,      /* BYE (ended at the BYE) */
    SW_DLG_END_FAILURE,  /* non-2xx final to the INVITE */
    SW_DLG_END_CANCEL,   /* cancelled (487) */
    SW_DLG_END_REPLACED, /* replaced by an INVITE with Replaces */
    SW_DLG_END_OTHER_FORK, /* another fork was answered */
    SW_DLG_END_NOTIFY,   /* a subscription dialog ended by NOTIFY terminated */
} sw_dlg_end;

typedef struct sw_dialog {
    uint32_t call;
    sw_str from_tag, to_tag; /* as in the request that created it */
    sw_str method;           /* INVITE, SUBSCRIBE, REFER, NOTIFY */
    uint32_t created;        /* message that created it (first response with a To tag) */
    uint32_t confirmed;      /* 2xx, 0 if never */
    uint32_t ended;          /* message that ended it, 0 while alive */
    uint8_t state;           /* sw_dlg_state */
    uint8_t end;             /* sw_dlg_end */
    uint32_t nrequests;      /* in-dialog requests after creation */
    uint32_t cseq_caller;    /* highest CSeq of the caller's requests (From tag side) */
    uint32_t cseq_callee;    /* highest CSeq of the callee's requests, 0 none */
} sw_dialog;

/* ---- calls -------------------------------------------------------------- */

typedef enum {
    SW_CALL_INVITE = 0, /* has an initial INVITE */
    SW_CALL_REGISTER,
    SW_CALL_SUBSCRIBE,
    SW_CALL_OPTIONS,
    SW_CALL_MESSAGE,
    SW_CALL_NOTIFY,
    SW_CALL_REFER,
    SW_CALL_OTHER,     /* stray requests, responses only, PUBLISH, INFO, ... */
} sw_call_kind;

typedef enum {
    SW_CS_SETUP = 0, /* INVITE seen, nothing back yet */
    SW_CS_RINGING,   /* provisional response */
    SW_CS_ANSWERED,  /* 2xx, not ended */
    SW_CS_COMPLETED, /* answered, then BYE */
    SW_CS_CANCELLED, /* CANCEL / 487 */
    SW_CS_BUSY,      /* 486, 600 */
    SW_CS_REJECTED,  /* other final failure */
    SW_CS_FAILED,    /* no response: timer B, or 408 */
} sw_call_state;

/* "setup", "ringing", ... */
const char *sw_call_state_name(sw_call_state s);
const char *sw_call_kind_name(sw_call_kind k);

/* 80 bytes a call: a capture of a million Call-IDs holds a million of them.
 * Strings and times are not copied here but found through the messages they
 * come from (sw_corr_call_id() and the other accessors below). */
typedef struct sw_call {
    uint32_t first, last;/* message numbers */
    uint32_t nmsgs;
    uint32_t ntxns, ndialogs;
    uint32_t invite;     /* first initial INVITE (or the first request), 0 none */
    uint32_t invite_txn; /* its transaction */
    uint32_t final_msg;  /* final response of the initial INVITE (or of the usage) */
    uint32_t ringing_msg;/* first 180/183 of the INVITE, 0 none */
    uint32_t answer_msg; /* its 2xx, 0 none */
    uint32_t end_msg;    /* what ended the call (BYE, failure final, timeout), 0 none */
    uint32_t conversation; /* id shared by all legs linked together */
    uint32_t legs;         /* calls in the conversation (>= 1) */
    uint32_t link_prev;    /* call linked to this one (how: link_how), SW_NONE */
    int16_t final_code;  /* of the initial INVITE (0 none) */
    uint8_t kind;        /* sw_call_kind */
    uint8_t state;       /* sw_call_state (INVITE calls) */
    bool ongoing;        /* not finished at the end of the capture */
    uint8_t link_how;    /* sw_link_how */
    /* private: where the strings are (use the accessors) */
    uint8_t ref_big;
    uint32_t ref_call_id, ref_from, ref_to, ref_reason;
} sw_call;

typedef enum {
    SW_LINK_NONE = 0,
    SW_LINK_REFER,    /* blind transfer: the INVITE a REFER caused */
    SW_LINK_REPLACES, /* attended transfer: INVITE with Replaces */
    SW_LINK_HEADER,   /* correlation header (X-Call-ID, X-CID, --link-header) */
    SW_LINK_SESSION_ID, /* RFC 7989 Session-ID */
} sw_link_how;
const char *sw_link_how_name(sw_link_how h);

/* ---- registrations and subscriptions ------------------------------------ */

typedef struct sw_reg {
    sw_str aor;          /* To URI of the REGISTER */
    sw_str contact;      /* last Contact URI registered */
    uint32_t call;
    uint32_t client, registrar; /* endpoints */
    uint32_t attempts;   /* REGISTER transactions */
    uint32_t challenges; /* 401/407 */
    uint32_t ok, failed; /* 2xx, other finals */
    int last_code;
    uint32_t last_ok;    /* number of the last 2xx */
    uint32_t expires;    /* granted by the last 2xx (s), 0 = unregistered */
    int64_t t_expiry;    /* when the last binding runs out (ns), 0 none */
    uint32_t first, last;
} sw_reg;

typedef struct sw_sub {
    uint32_t call, dialog;
    sw_str event, id;    /* Event package and id parameter */
    uint32_t created;    /* SUBSCRIBE or REFER */
    uint32_t terminated; /* NOTIFY with Subscription-State: terminated, 0 if none */
    uint32_t notifies;
    bool implicit;       /* created by REFER */
    int64_t t_expiry;    /* from Expires / Subscription-State expires=, 0 unknown */
} sw_sub;

/* ---- per-message view -------------------------------------------------- */

enum {
    SW_MF_RETRANS = 1u << 0,   /* retransmission of a request or final response */
    SW_MF_NO_DIALOG = 1u << 1, /* in-dialog request (To tag) for no known dialog */
    SW_MF_AFTER_END = 1u << 2, /* in-dialog request after its dialog ended */
    SW_MF_STRAY = 1u << 3,     /* response to no known request */
    SW_MF_CSEQ_ORDER = 1u << 4,/* in-dialog request whose CSeq is not above its sender's last */
};

typedef struct sw_corr sw_corr;

typedef struct sw_corr_opts {
    const char *const *link_headers; /* extra correlation header names */
    size_t nlink_headers;
    /* Only match transactions (retransmissions, stray responses): no calls,
     * dialogs, usages or links. What `history` needs, at a fraction of the
     * cost; sw_corr_msg_call() and the call/dialog accessors then report
     * nothing. */
    bool transactions_only;
    /* Calls (distinct Call-IDs) held at most: a message of a new Call-ID
     * past the bound is kept in the trace but not correlated, and counted
     * (sw_corr_over_limit). 0 means SW_CORR_MAX_CALLS. */
    size_t max_calls;
} sw_corr_opts;

#define SW_CORR_MAX_CALLS 10000000u
#define SW_CORR_MAX_MSGS (UINT32_MAX - 1u)

/* Messages left out of the call model because the calls bound was hit (or
 * the model's message numbers ran out). */
uint64_t sw_corr_over_limit(const sw_corr *c);

/* NULL when out of memory. The trace must outlive the model. */
sw_corr *sw_corr_new(const sw_trace *t, const sw_corr_opts *opts);
void sw_corr_free(sw_corr *c);

/* Adds message `number` (numbers must come in order 1, 2, ...). Returns 0 or
 * SW_ENOMEM. The model numbers messages in 32 bits: messages past
 * SW_CORR_MAX_MSGS are counted in sw_corr_over_limit() and left out. `sip` is the message's parse; slices must point into m->data. */
int sw_corr_add(sw_corr *c, uint64_t number, const sw_msg *m, const sw_sip_msg *sip);
/* End of input: settles states (ongoing calls, timeouts) at time now_ns.
 * May be called again after more messages (live capture): an answer that
 * comes later clears a transaction's timeout. */
void sw_corr_finish(sw_corr *c, int64_t now_ns);

size_t sw_corr_ncalls(const sw_corr *c);
const sw_call *sw_corr_call(const sw_corr *c, uint32_t i);
/* A call's strings, slices of its messages: the Call-ID, the users of the
 * first request's From and To URIs, the final response's reason phrase
 * (empty while final_code is 0). */
sw_str sw_corr_call_id(const sw_corr *c, const sw_call *k);
sw_str sw_corr_call_from(const sw_corr *c, const sw_call *k);
sw_str sw_corr_call_to(const sw_corr *c, const sw_call *k);
sw_str sw_corr_call_reason(const sw_corr *c, const sw_call *k);
/* Its times (ns, 0 = never): start (the initial INVITE, or the first
 * message of other calls), first 180/183, answer (2xx), end. */
int64_t sw_corr_call_t_start(const sw_corr *c, const sw_call *k);
int64_t sw_corr_call_t_ringing(const sw_corr *c, const sw_call *k);
int64_t sw_corr_call_t_answer(const sw_corr *c, const sw_call *k);
int64_t sw_corr_call_t_end(const sw_corr *c, const sw_call *k);
/* Where the call stops being counted: its end, or, for a call that never
 * ended in the capture, its last message (0 when neither is known). What
 * call durations run to (`calls`, call.duration, the TUI). */
int64_t sw_corr_call_t_last(const sw_corr *c, const sw_call *k);
/* Endpoints of the first request (of the first message until one is seen). */
uint32_t sw_corr_call_src(const sw_corr *c, const sw_call *k);
uint32_t sw_corr_call_dst(const sw_corr *c, const sw_call *k);
/* Call by Call-ID, SW_NONE when unknown. */
uint32_t sw_corr_find_call(const sw_corr *c, sw_str call_id);
size_t sw_corr_ntxns(const sw_corr *c);
const sw_txn *sw_corr_txn(const sw_corr *c, uint32_t i);
/* The request method of a transaction (its CSeq method), a slice of the
 * message that created it. `x` must come from sw_corr_txn(c, ...). */
sw_str sw_corr_txn_method(const sw_corr *c, const sw_txn *x);
size_t sw_corr_ndialogs(const sw_corr *c);
const sw_dialog *sw_corr_dialog(const sw_corr *c, uint32_t i);
size_t sw_corr_nregs(const sw_corr *c);
const sw_reg *sw_corr_reg(const sw_corr *c, uint32_t i);
size_t sw_corr_nsubs(const sw_corr *c);
const sw_sub *sw_corr_sub(const sw_corr *c, uint32_t i);

/* Per message (1-based number): its transaction (SW_NONE if none), its call,
 * its dialog (SW_NONE), SW_MF_* flags. */
uint32_t sw_corr_msg_txn(const sw_corr *c, uint64_t number);
uint32_t sw_corr_msg_call(const sw_corr *c, uint64_t number);
uint32_t sw_corr_msg_dialog(const sw_corr *c, uint64_t number);
uint8_t sw_corr_msg_flags(const sw_corr *c, uint64_t number);
/* Status code of a response, 0 for a request. */
uint16_t sw_corr_msg_code(const sw_corr *c, uint64_t number);
/* Next message of the same call after `number` (0 = first), 0 at the end. */
uint64_t sw_corr_call_next(const sw_corr *c, uint32_t call, uint64_t number);

/* ---- generations: a live capture bounded in memory -------------------------
 *
 * The model is dense (messages, calls, transactions are numbered and refer to
 * each other by number), so nothing is freed in place. When a live capture
 * passes its memory bound, a new generation is built: the usages that are
 * not settled, and the newest settled ones within a budget, are copied with
 * their messages into a successor trace (sw_trace_successor) and modelled
 * again from them; the old generation is then freed whole. evict.c. */

/* Memory the model holds (its arrays and tables, as allocated). */
size_t sw_corr_mem(const sw_corr *c);
/* An INVITE call that is over: completed, cancelled, busy, rejected or failed. */
bool sw_call_over(const sw_call *k);

/* The number a call is shown with (1-based): its index + 1, unless a new
 * generation renumbered it (the number the user saw before stays). */
uint32_t sw_corr_call_shown(const sw_corr *c, uint32_t i);
/* A new generation's model takes the shown numbers of old's calls
 * (call_map, as sw_corr_next_generation makes it); new calls continue from
 * the last one shown. 0 or SW_ENOMEM. */
int sw_corr_inherit_shown(sw_corr *c, const sw_corr *old, const uint32_t *call_map);
/* The options the model was made with. */
const sw_corr_opts *sw_corr_get_opts(const sw_corr *c);

typedef struct sw_evict_opts {
    int64_t now_ns;     /* capture time now */
    size_t keep_bytes;  /* settled usages kept too, newest first, within about this much */
    int64_t settle_ns;  /* quiet this long, a usage that is over is settled (0: 32 s, 64*T1) */
    int64_t stale_ns;   /* quiet this long, a call not over is given up (0: 4 hours) */
} sw_evict_opts;

typedef struct sw_evict_stats {
    size_t calls_kept, calls_unsettled, calls_evicted, calls_stale;
    size_t msgs_kept, msgs_evicted;
} sw_evict_stats;

/* Chooses what the next generation keeps (the model finished at now):
 * keep_call[0..ncalls) the calls, keep_msg[0..count) their messages and
 * the messages of no call younger than settle_ns. A call kept keeps every message of it,
 * and an unsettled call keeps the legs linked to it (a transfer). A subscription or a
 * registration is not settled before its expiry. */
void sw_corr_evict_plan(const sw_trace *t, const sw_corr *c, const sw_evict_opts *o,
                        bool *keep_call, bool *keep_msg, sw_evict_stats *st);

/* Builds the next generation from the plan's keep_msg: a successor of t
 * and a model of it with c's options. msg_map[n - 1] is message n's new
 * number (0: evicted), call_map[i] call i's new index (SW_NONE: evicted;
 * never above i: kept calls keep their order). Returns 0, or SW_ENOMEM with
 * t and c unchanged. Nothing changes for the capture until the caller,
 * once all else is done, hands the decoder over (sw_trace_take_decoder)
 * and frees the old pair. */
int sw_corr_next_generation(const sw_trace *t, const sw_corr *c, const bool *keep_msg,
                            sw_trace **nt, sw_corr **nc, uint64_t *msg_map, uint32_t *call_map);

#endif
