/*
 * sip: zero-copy SIP and SDP parser.
 *
 * Shape (after picohttpparser and Kamailio's parser):
 *   - sw_sip_parse() makes one pass over a message: the start line, every
 *     header as a (name, value) slice with a type from a name table that
 *     includes compact forms, and the body. It allocates nothing: the caller
 *     passes the header array and its capacity. Every field is a slice into
 *     the caller's bytes, which are never written.
 *   - The first pass also fills direct pointers to the headers every stage
 *     needs (first Via, From, To, Call-ID, CSeq, ...) and the cheap derived
 *     values (Call-ID text, CSeq number and method).
 *   - Deeper structure (URIs, Via parameters, name-addr, auth, SDP) is parsed
 *     on demand by the sw_sip_*_parse() helpers, from a header value slice.
 *   - A message that breaks the grammar is still returned, with `malformed`
 *     naming the first fault and `malformed_off` its byte offset; only bytes
 *     that do not start like SIP at all are rejected (SW_SIP_NOT_SIP).
 *
 * Folded header values (CRLF followed by SP/HTAB) stay as one slice that
 * includes the fold; the on-demand helpers treat the fold as whitespace.
 */
#ifndef SW_SIP_H
#define SW_SIP_H

#include "../base/base.h"

/* Header types. Order is part of no contract except SW_HDR_OTHER == 0. */
typedef enum sw_hdr_type {
    SW_HDR_OTHER = 0,
    SW_HDR_VIA,                 /* v */
    SW_HDR_FROM,                /* f */
    SW_HDR_TO,                  /* t */
    SW_HDR_CALL_ID,             /* i */
    SW_HDR_CSEQ,
    SW_HDR_CONTACT,             /* m */
    SW_HDR_MAX_FORWARDS,
    SW_HDR_CONTENT_TYPE,        /* c */
    SW_HDR_CONTENT_LENGTH,      /* l */
    SW_HDR_CONTENT_ENCODING,    /* e */
    SW_HDR_ROUTE,
    SW_HDR_RECORD_ROUTE,
    SW_HDR_USER_AGENT,
    SW_HDR_SERVER,
    SW_HDR_REASON,
    SW_HDR_WARNING,
    SW_HDR_WWW_AUTHENTICATE,
    SW_HDR_PROXY_AUTHENTICATE,
    SW_HDR_AUTHORIZATION,
    SW_HDR_PROXY_AUTHORIZATION,
    SW_HDR_EXPIRES,
    SW_HDR_MIN_EXPIRES,
    SW_HDR_EVENT,               /* o */
    SW_HDR_ALLOW_EVENTS,        /* u */
    SW_HDR_SUBSCRIPTION_STATE,
    SW_HDR_REFER_TO,            /* r */
    SW_HDR_REFERRED_BY,         /* b */
    SW_HDR_REPLACES,
    SW_HDR_SESSION_ID,
    SW_HDR_X_CALL_ID,
    SW_HDR_X_CID,
    SW_HDR_P_ASSERTED_IDENTITY,
    SW_HDR_P_PREFERRED_IDENTITY,
    SW_HDR_REMOTE_PARTY_ID,
    SW_HDR_DIVERSION,
    SW_HDR_HISTORY_INFO,
    SW_HDR_SUPPORTED,           /* k */
    SW_HDR_REQUIRE,
    SW_HDR_PROXY_REQUIRE,
    SW_HDR_UNSUPPORTED,
    SW_HDR_ALLOW,
    SW_HDR_ACCEPT,
    SW_HDR_SUBJECT,             /* s */
    SW_HDR_RETRY_AFTER,
    SW_HDR_SESSION_EXPIRES,     /* x */
    SW_HDR_MIN_SE,
    SW_HDR_RSEQ,
    SW_HDR_RACK,
    SW_HDR_DATE,
    SW_HDR_PATH,
    SW_HDR_SERVICE_ROUTE,
    SW_HDR_CONTENT_DISPOSITION,
    SW_HDR_REQUEST_DISPOSITION, /* d */
    SW_HDR_ACCEPT_CONTACT,      /* a */
    SW_HDR_REJECT_CONTACT,      /* j */
    SW_HDR_IDENTITY,            /* y */
    SW_HDR_PRIVACY,
    SW_HDR_MIME_VERSION,
    SW_HDR__COUNT
} sw_hdr_type;

/* Canonical name of a header type ("Via"), "" for SW_HDR_OTHER. */
const char *sw_sip_hdr_name(sw_hdr_type t);
/* Type of a header name, long or compact form, case-insensitive. */
sw_hdr_type sw_sip_hdr_lookup(sw_str name);

typedef struct sw_sip_header {
    sw_str name;  /* as written, without trailing whitespace */
    sw_str value; /* trimmed; may contain folds (CRLF + SP/HTAB) */
    uint32_t type; /* sw_hdr_type */
    uint32_t off;  /* byte offset of the header line in the message */
} sw_sip_header;

enum {
    SW_SIP_NOT_SIP = -1,    /* does not start like a SIP message */
    SW_SIP_INCOMPLETE = -2, /* (framing only) more bytes needed */
};

/* Message flags. */
enum {
    SW_SIPF_MALFORMED = 1u << 0,    /* see malformed / malformed_off */
    SW_SIPF_TRUNCATED = 1u << 1,    /* body shorter than Content-Length */
    SW_SIPF_TOO_MANY_HDRS = 1u << 2,/* header array was full; rest not indexed */
    SW_SIPF_NO_CLEN = 1u << 3,      /* no Content-Length header */
    SW_SIPF_TRAILING = 1u << 4,     /* bytes after the body (UDP datagram) */
    SW_SIPF_BARE_LF = 1u << 5,      /* a line ends in LF without CR (tolerated, not malformed) */
};

typedef struct sw_sip_via {
    sw_str protocol;  /* "SIP/2.0" */
    sw_str transport; /* "UDP", "TCP", "TLS", "WS", ... */
    sw_str host;      /* sent-by host (no [] for IPv6) */
    uint16_t port;    /* 0 when absent */
    sw_str params;
    sw_str branch;    /* empty when absent */
    sw_str received;
    bool has_rport;
    uint16_t rport;   /* 0 when the flag has no value */
} sw_sip_via;

typedef struct sw_sip_msg {
    const char *buf; /* the message's first byte */
    size_t len;      /* bytes of this message: head + body (not trailing junk) */

    bool is_request;
    sw_str method;  /* requests */
    sw_str ruri;    /* requests */
    sw_str version; /* "SIP/2.0" as written */
    int status;     /* responses: 100..699 when valid, else as parsed (or -1) */
    sw_str reason;  /* responses; may be empty */

    sw_sip_header *hdrs; /* caller's array */
    size_t nhdrs;        /* headers indexed */
    size_t hdr_cap;

    /* First header of each known type, or NULL. */
    const sw_sip_header *first[SW_HDR__COUNT];

    /* Cheap derived values (from the first header of the type). */
    sw_str call_id;      /* trimmed Call-ID value */
    uint32_t cseq;       /* CSeq number (0 if missing/bad) */
    sw_str cseq_method;  /* CSeq method */
    int64_t content_length; /* -1 when absent or unparsable */

    sw_str body; /* after the blank line; clipped to what is present */

    uint32_t flags;        /* SW_SIPF_* */
    const char *malformed; /* first grammar fault, static English text, or NULL */
    uint32_t malformed_off;/* byte offset of that fault */

    /* Filled by the first pass from the scans it runs anyway, so that every
     * stage keying on them (transactions, dialogs) needs no second parse.
     * Empty when the header is absent or does not parse. */
    sw_str from_tag, to_tag;
    sw_sip_via top_via;    /* first value of the first Via */
    bool has_top_via;
} sw_sip_msg;

/*
 * Parses one SIP message from buf[0..len).
 * hdrs/cap: caller's header array (cap >= 1). Headers past cap are counted in
 * SW_SIPF_TOO_MANY_HDRS, not indexed, and the message is flagged malformed.
 * Returns the bytes the message occupies (head + Content-Length body, clipped
 * to len) when buf starts like SIP (a request line "METHOD SP ... SIP/x.y" or a
 * status line "SIP/x.y SP ..."), even if malformed; SW_SIP_NOT_SIP otherwise.
 * `m` is reset on entry. Never reads outside buf[0..len).
 */
int64_t sw_sip_parse(sw_sip_msg *m, const char *buf, size_t len, sw_sip_header *hdrs, size_t cap);

/*
 * Stream framing (RFC 3261 section 18.3) for TCP/TLS: looks at buf[0..len),
 * which is the start of the stream's unconsumed data.
 *   > 0  : *msglen set to the size of the first complete message
 *          (head + Content-Length body; missing Content-Length counts as 0).
 *   SW_SIP_INCOMPLETE : the message is not complete yet; *msglen is the
 *          total size it will have when its head is complete (so a caller
 *          can wait for that many bytes), else 0.
 *   SW_SIP_NOT_SIP    : the data does not start like SIP.
 * Leading CRLFs (keep-alives) are reported as a "message" of only CR/LF
 * bytes: returns their count with *is_keepalive = true.
 * max_msg bounds the head+body size; a message larger than that returns
 * SW_SIP_NOT_SIP with *too_big = true so the caller can report and resync.
 */
int sw_sip_frame(const char *buf, size_t len, size_t max_msg, size_t *msglen, bool *is_keepalive,
                 bool *too_big);

/* Quick test used to pick SIP out of UDP payloads on any port: true when the
 * bytes start with a SIP request or status line (looks at the first line only). */
bool sw_sip_looks_like(const char *buf, size_t len);

/* ---- on-demand structure -------------------------------------------- */

/* Parameters: a ;-separated list "a=b;c;d=\"x\"" */
/* Finds parameter `name` (case-insensitive) in params; *val gets its value
 * (empty for a flag). Returns true when present. */
bool sw_sip_param_get(sw_str params, const char *name, sw_str *val);

/* Multi-value headers: iterates comma-separated values, honouring quotes and
 * <...>. Start with *cursor = header value; returns false at the end. */
bool sw_sip_list_next(sw_str *cursor, sw_str *item);

typedef struct sw_sip_uri {
    sw_str scheme;   /* "sip", "sips", "tel", ... */
    sw_str user;     /* may be empty */
    sw_str password;
    sw_str host;     /* without [] for IPv6 references */
    uint16_t port;   /* 0 when absent */
    sw_str params;   /* after the first ';' up to '?' (without the ';') */
    sw_str headers;  /* after '?' */
} sw_sip_uri;

/* Parses a URI (no <>). Returns 0, or SW_EFORMAT (fields parsed so far kept). */
int sw_sip_uri_parse(sw_str s, sw_sip_uri *u);

typedef struct sw_sip_nameaddr {
    sw_str display; /* without quotes; may be empty */
    sw_str uri;     /* inside <> when present, else the addr-spec */
    sw_str params;  /* header params after the URI (tag=...), without leading ';' */
    sw_str tag;     /* value of the tag param, empty when none */
} sw_sip_nameaddr;

/* From/To/Contact/Route/Refer-To/Referred-By/P-Asserted-Identity values.
 * Returns 0 or SW_EFORMAT. */
int sw_sip_nameaddr_parse(sw_str s, sw_sip_nameaddr *na);



/* Parses one Via value (use sw_sip_list_next for a header carrying several).
 * Returns 0 or SW_EFORMAT. */
int sw_sip_via_parse(sw_str s, sw_sip_via *v);

/* CSeq "123 INVITE". Returns 0 or SW_EFORMAT. */
int sw_sip_cseq_parse(sw_str s, uint32_t *num, sw_str *method);

typedef struct sw_sip_auth {
    sw_str scheme; /* "Digest" */
    sw_str realm, nonce, username, uri, response, algorithm, qop, opaque, cnonce, nc;
    bool stale;    /* stale=true (case-insensitive) */
} sw_sip_auth;

/* WWW-/Proxy-Authenticate and (Proxy-)Authorization values (quotes removed
 * from the returned slices). Returns 0 or SW_EFORMAT. */
int sw_sip_auth_parse(sw_str s, sw_sip_auth *a);

/* Next header of type t after `prev` (NULL = first). */
const sw_sip_header *sw_sip_hdr_next(const sw_sip_msg *m, sw_hdr_type t,
                                     const sw_sip_header *prev);
/* First header whose name equals `name` (long or compact, case-insensitive). */
const sw_sip_header *sw_sip_hdr_find(const sw_sip_msg *m, sw_str name);

/* ---- SDP ------------------------------------------------------------- */

#define SW_SDP_MAX_FMT 32
#define SW_SDP_MAX_RTPMAP 32

typedef struct sw_sdp_rtpmap {
    uint8_t pt;
    sw_str encoding; /* "PCMU" */
    uint32_t clock;
    uint8_t channels; /* 0 when not given */
    sw_str fmtp;      /* the a=fmtp value for this pt, empty if none */
} sw_sdp_rtpmap;

typedef enum { SW_SDP_DIR_NONE = 0, SW_SDP_SENDRECV, SW_SDP_SENDONLY, SW_SDP_RECVONLY,
               SW_SDP_INACTIVE } sw_sdp_dir;

typedef struct sw_sdp_media {
    sw_str type;   /* "audio" */
    uint16_t port;
    uint16_t nports;
    sw_str proto;  /* "RTP/AVP" */
    sw_str fmts;   /* the format list as written */
    uint16_t fmt[SW_SDP_MAX_FMT];
    uint8_t nfmt;
    sw_str conn_addr; /* media-level c= address, empty if none */
    sw_sdp_rtpmap rtpmap[SW_SDP_MAX_RTPMAP];
    uint8_t nrtpmap;
    sw_sdp_dir dir;   /* media-level direction, NONE if not given */
    uint16_t rtcp_port; /* a=rtcp, 0 if absent */
    sw_str rtcp_addr;
} sw_sdp_media;

typedef struct sw_sdp {
    sw_str origin_user, origin_sess_id, origin_sess_ver, origin_addr;
    sw_str session_name;
    sw_str conn_addr;   /* session-level c= address */
    sw_str conn_family; /* "IP4"/"IP6" */
    sw_sdp_dir dir;     /* session-level direction */
    sw_sdp_media *media;
    size_t nmedia, media_cap;
    const char *malformed; /* first fault, or NULL */
} sw_sdp;

/* Parses an SDP body into caller storage (media[0..cap)). Returns 0, or
 * SW_EFORMAT when it is not SDP (still filling what it could). Lines past cap
 * media are counted in nmedia but not stored (nmedia may exceed cap). */
int sw_sdp_parse(sw_str body, sw_sdp *sdp, sw_sdp_media *media, size_t cap);

/* The SDP inside a body given its Content-Type: the body itself for
 * application/sdp, the matching part of a multipart body. Returns false when
 * there is none. */
bool sw_sip_find_sdp(const sw_sip_msg *m, sw_str *sdp);

#endif
