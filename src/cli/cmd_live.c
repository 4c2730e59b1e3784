/*
 * `sipwhy live -i IFACE [BPF...]`: capture on an interface and show, as it
 * happens, the SIP messages (--show messages) or each call when it ends
 * (--show calls, the default), through the same decode, trace and correlate
 * stages as a capture file. Lines are flushed one by one, for piping.
 *
 * With --split-dir every INVITE call also gets a pcap of its own (SIP and
 * RTP) once it is over (split.c); --show findings runs the diagnosis again
 * now and then and prints what is new. Several -i read every interface as
 * packets come (capture.c polls them together).
 *
 * Memory is bounded (--max-memory): when what the trace, the model, the
 * media stage and the call files hold passes the bound, a new generation
 * takes over (correlate/evict.c): the calls that are not settled and the
 * newest settled ones within half the bound move, the rest is let go once
 * it has been printed and written. A live call never loses a message to it.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../capture/capture.h"
#include "../correlate/correlate.h"
#include "../diagnose/diagnose.h"
#include "../media/media.h"
#include "../query/query.h"
#include "../trace/trace.h"
#include "../tui/tui.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy live -i IFACE [OPTIONS] [BPF FILTER...]\n"
    "Capture on a network interface and show SIP as it happens.\n"
    "\n"
    "  -i, --interface IFACE  the interface (any: all of them); needs capture rights;\n"
    "                         several -i (up to 8) capture on each of them\n"
    "      --show WHAT        calls (default): one line per call when it ends, the\n"
    "                         calls still going when the capture stops at the end;\n"
    "                         messages: one line per SIP message as it arrives;\n"
    "                         findings: what `diagnose` finds, a call's findings once\n"
    "                         it is over, the rest at the stop (exit 1 if an error)\n"
    "  -f, --format FMT       text (default) or json (JSON Lines, one object per line)\n"
    "  -w, --write FILE       also write every captured packet to FILE (pcap); FILE may\n"
    "                         hold strftime conversions (sip-%Y%m%d-%H%M%S.pcap)\n"
    "  -G, --rotate SECONDS   a new -w file every SECONDS (FILE must hold a %); SIGHUP\n"
    "                         starts a new file at once\n"
    "  -C, --file-size MB     a new -w file before one passes MB millions of bytes\n"
    "                         (FILE, FILE.1, FILE.2, ... when FILE has no %)\n"
    "      --max-memory MB    bound the memory the calls take (MiB; default a quarter of\n"
    "                         the RAM): past it, finished calls are let go, oldest\n"
    "                         first, after they were printed and written; calls still\n"
    "                         going are always kept\n"
    "      --settle SECONDS   how long a call that is over stays quiet before it may be\n"
    "                         let go (default 32: 64*T1, its retransmissions are over)\n"
    "      --split-dir DIR    also write one pcap per INVITE call (its SIP and RTP) into\n"
    "                         DIR, 2 s after the call is over (at the latest when the\n"
    "                         capture stops): YYYYmmdd-HHMMSS-callN-CALLID.pcap\n"
    "  -c, --count N          stop after N SIP messages\n"
    "  -u, --user USER        drop root privileges to USER once the interface and the -w\n"
    "                         file are open\n"
    "      --duration SECONDS stop after this long\n"
    "      --where EXPR       messages: only those EXPR selects (message fields only)\n"
    "      --tui              browse the calls as they come in the terminal interface\n"
    "                         (sipwhy tui's screens and keys; q stops the capture)\n"
    "      --lang LANG        en or ru\n"
    "      --no-explain       do not annotate responses with their meaning\n"
    "      --limit NAME=N     change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help             this help\n"
    "\n"
    "      --all-packets      no default filter: every packet goes through sipwhy\n"
    "\n"
    "The words after the options form a BPF filter (as tcpdump's). Without one a\n"
    "default filter keeps what SIP analysis needs on any port: UDP that starts like SIP\n"
    "or RTP, all TCP and SCTP, IP fragments (a port filter loses the later fragments of\n"
    "a large INVITE), IPv6 UDP. Ctrl-C (SIGINT) or SIGTERM stops the capture; a summary\n"
    "with libpcap's drop counters goes to stderr.\n";

/* A set of 64-bit hashes (open addressing, 0 = empty slot). */
typedef struct hset {
    uint64_t *s;
    size_t cap, n;
} hset;

static bool hset_has(const hset *h, uint64_t v)
{
    v = v ? v : 1;
    for (size_t j = h->cap ? v & (h->cap - 1) : 0; h->cap && h->s[j]; j = (j + 1) & (h->cap - 1))
        if (h->s[j] == v)
            return true;
    return false;
}

/* 1 added, 0 already there, SW_ENOMEM. */
static int hset_add(hset *h, uint64_t v)
{
    v = v ? v : 1;
    if ((h->n + 1) * 2 > h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 256;
        uint64_t *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return SW_ENOMEM;
        for (size_t i = 0; i < h->cap; i++) {
            if (!h->s[i])
                continue;
            size_t j = h->s[i] & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = h->s[i];
        }
        free(h->s);
        h->s = ns;
        h->cap = nc;
    }
    size_t j = v & (h->cap - 1);
    while (h->s[j]) {
        if (h->s[j] == v)
            return 0;
        j = (j + 1) & (h->cap - 1);
    }
    h->s[j] = v;
    h->n++;
    return 1;
}

typedef struct lctx {
    sw_render_opts ro;
    const sw_trace *t;
    sw_corr *corr;
    sw_query *q;
    bool show_calls, show_findings;
    /* --show findings: the diagnosis is run again now and then (see
     * findings_run), printing what was not printed before */
    const sw_media *media;
    hset fseen;   /* the findings printed: finding_hash (with the rule's key) */
    hset fstable; /* ... and finding_stable (what a generation does not change) */
    int64_t diag_last, diag_due; /* capture times: last run, next run wanted (0 none) */
    uint64_t findings_printed, findings_errors;
    uint64_t count, seen;
    bool *printed; /* per call: its line was printed */
    size_t printed_cap;
    uint64_t calls_printed;
    sw_split *split; /* --split-dir */
    bool tui;        /* --tui: the interface shows everything, nothing printed */
    sw_trace *tw;    /* the trace, writable (the TUI's poll reads into it) */
    sw_capset *cs;
    bool ended;
    size_t seen_at_poll;
    int oom;
    /* --max-memory: generations */
    sw_media *media_w;      /* the media stage, writable (remapped) */
    size_t max_mem;         /* bytes */
    size_t next_check;      /* messages seen when memory is looked at next */
    size_t switch_at;       /* accounted bytes that start a new generation */
    bool want_switch;
    int64_t last_ts;        /* capture time of the newest message */
    int64_t settle_ns;      /* --settle (0: the default) */
    double switch_max_ms, switch_total_ms;
    const bool *leaving;    /* during a switch: keep_call of the plan (findings) */
    size_t nleaving;
    uint32_t *call_map;     /* the last switch's, for the TUI */
    size_t ncall_map;
    uint64_t generations, calls_evicted, msgs_evicted, stale_evicted;
    size_t mem_peak, mem_kept_max;
    bool warned_live_big;
} lctx;

static void on_rtp(void *ud, size_t stream, const sw_rtp_hdr *h, const sw_payload *pl)
{
    lctx *l = ud;
    if (l->split)
        sw_split_rtp(l->split, stream, h, pl);
}

/* Without a filter of the user's: what SIP analysis needs, decided in the
 * kernel. UDP whose payload starts like SIP (an upper-case letter: every
 * method, "SIP/2.0"; a CR or LF keep-alive) or like RTP/RTCP (version 2);
 * every TCP and SCTP packet (a segment may be the middle of a message); IP
 * fragments (a later fragment has no UDP header, so no port: sngrep loses
 * fragmented INVITEs to its port filter); IPv6 UDP whole (libpcap cannot
 * index the UDP payload behind an IPv6 header). What it drops: other UDP
 * (DNS, NTP, DHCP, syslog...), ICMP, ARP. No `vlan` clause: Linux takes the
 * (outer) VLAN tag off a frame before the filter runs, so tagged traffic
 * matches as it is, and the clause would not compile on `any` (cooked
 * link type). A second tag (QinQ) stays in the data: --all-packets there. */
#define DEFAULT_BPF                                                                              \
    "(ip and udp and (udp[8] & 0xc0 = 0x80 or (udp[8] >= 0x41 and udp[8] <= 0x5a) or "          \
    "udp[8] = 0x0d or udp[8] = 0x0a)) or (ip6 and udp) or tcp or sctp or "                      \
    "(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] = 44)"

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        sw_capture_request_rotate();
    else
        sw_capture_request_stop();
}

/* ---- --show findings ---------------------------------------------------- */

#define DIAG_GRACE_NS 2000000000ll  /* after a call is over: its last messages */
#define DIAG_PERIOD_NS 10000000000ll /* at least this often while traffic flows */
#define DIAG_SETTLE_NS 32000000000ll /* non-INVITE usages: every transaction done (64*T1) */

/* What identifies a finding across generations, where call indexes,
 * message numbers and endpoint ids change: its rule, and its call's Call-ID
 * with the number its first evidence is shown with, or for a finding about
 * no one call (a scanner, a NAT'd device) the address its first evidence
 * came from. */
static uint64_t finding_stable(const lctx *l, const sw_finding *x)
{
    uint64_t h = sw_hash(x->id, strlen(x->id));
    const sw_call *k = x->call != SW_NONE ? sw_corr_call(l->corr, x->call) : NULL;
    if (k) {
        sw_str id = sw_corr_call_id(l->corr, k);
        return h ^ sw_hash(id.p, id.len) * 0xff51afd7ed558ccdull ^
               sw_trace_shown(l->t, x->at) * 0x9E3779B97F4A7C15ull;
    }
    const sw_msg *m = sw_trace_get(l->t, x->at);
    const sw_endpoint *e = m ? sw_trace_endpoint(l->t, m->src) : NULL;
    return e ? h ^ sw_hash(e->text, e->text_len) * 0xc4ceb9fe1a85ec53ull : h;
}

/* Within a generation the rule's own key tells findings apart too (two
 * streams of one call announced by the same SDP). */
static uint64_t finding_hash(const lctx *l, const sw_finding *x)
{
    return finding_stable(l, x) ^ (x->key + 1) * 0x9E3779B97F4A7C15ull;
}

/* A finding about this call can be printed: nothing more will change it. */
static bool call_settled(const lctx *l, uint32_t call, int64_t now_ns, bool final)
{
    const sw_call *k = call != SW_NONE ? sw_corr_call(l->corr, call) : NULL;
    if (final || !k || (l->leaving && call < l->nleaving && !l->leaving[call]))
        return true;
    const sw_msg *last = sw_trace_get(l->t, k->last);
    int64_t quiet = last ? now_ns - last->ts_ns : 0;
    if (k->kind == SW_CALL_INVITE)
        return sw_call_over(k) && quiet >= DIAG_GRACE_NS;
    return quiet >= DIAG_SETTLE_NS;
}

/* Runs the diagnosis on the model so far and prints the findings not printed
 * before whose call is settled (all of them when final). */
static void findings_run(lctx *l, int64_t now_ns, bool final)
{
    sw_corr_finish(l->corr, now_ns);
    sw_diag *d = sw_diag_new(l->t, l->corr, l->ro.lang);
    if (!d) {
        l->oom = 1;
        return;
    }
    if (l->media)
        sw_diag_set_media(d, l->media);
    if (sw_diag_run(d, NULL)) {
        sw_diag_free(d);
        l->oom = 1;
        return;
    }
    for (size_t i = 0; i < sw_diag_count(d); i++) {
        const sw_finding *x = sw_diag_finding(d, i);
        if (!call_settled(l, x->call, now_ns, final))
            continue;
        int added = hset_add(&l->fseen, finding_hash(l, x));
        if (added == 0)
            continue; /* printed before */
        if (added < 0 || hset_add(&l->fstable, finding_stable(l, x)) < 0) {
            l->oom = 1; /* no room to remember it: it would print again */
            break;
        }
        sw_render_finding(stdout, &l->ro, l->t, l->corr, x);
        if (l->ro.format != SW_FMT_JSON)
            putc('\n', stdout);
        l->findings_printed++;
        l->findings_errors += x->severity == SW_SEV_ERROR;
    }
    fflush(stdout);
    sw_diag_free(d);
    l->diag_last = now_ns;
    l->diag_due = 0;
}

static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip);

/* Marks call i's line printed; returns whether it was already. Sets oom
 * when there is no memory for the flag. */
static bool printed_mark(lctx *l, uint32_t i)
{
    bool *np = sw_grow_zeroed(l->printed, &l->printed_cap, (size_t)i + 1, sizeof *np, 1024);
    if (!np) {
        l->oom = 1;
        return true;
    }
    l->printed = np;
    bool was = l->printed[i];
    l->printed[i] = true;
    return was;
}

/* ---- --max-memory: generations ------------------------------------------ */

#define MEM_CHECK_EVERY 1024 /* messages between two looks at the memory */

/* What the run holds for the calls: trace, model, media, call files, flags. */
static size_t mem_accounted(const lctx *l)
{
    return sw_trace_mem(l->t) + sw_corr_mem(l->corr) + (l->media ? sw_media_mem(l->media) : 0) +
           (l->split ? sw_split_mem(l->split) : 0) + l->printed_cap * sizeof *l->printed +
           (l->fseen.cap + l->fstable.cap) * sizeof(uint64_t) +
           l->ncall_map * sizeof *l->call_map;
}

static void mem_check(lctx *l)
{
    l->next_check = l->seen + MEM_CHECK_EVERY;
    size_t m = mem_accounted(l);
    l->mem_peak = SW_MAX(l->mem_peak, m);
    if (m > l->switch_at)
        l->want_switch = true;
}

/* The printed sets of a new generation: the findings of its model whose
 * stable identity was printed before stay printed. Without memory for the
 * new sets the old ones are kept (correct, only bigger). */
static void fseen_rebuild(lctx *l)
{
    sw_corr_finish(l->corr, 0);
    sw_diag *d = sw_diag_new(l->t, l->corr, l->ro.lang);
    if (!d)
        return;
    if (l->media)
        sw_diag_set_media(d, l->media);
    hset seen = {0}, stable = {0};
    bool ok = !sw_diag_run(d, NULL);
    for (size_t i = 0; ok && i < sw_diag_count(d); i++) {
        const sw_finding *x = sw_diag_finding(d, i);
        uint64_t st = finding_stable(l, x);
        if (hset_has(&l->fstable, st))
            ok = hset_add(&seen, finding_hash(l, x)) >= 0 && hset_add(&stable, st) >= 0;
    }
    sw_diag_free(d);
    if (!ok) {
        free(seen.s);
        free(stable.s);
        return;
    }
    free(l->fseen.s);
    free(l->fstable.s);
    l->fseen = seen;
    l->fstable = stable;
}

/* Starts a new generation (from the reading loop, never inside the sink).
 * Returns 0, or SW_ENOMEM when the run cannot go on. */
static int gen_switch_(lctx *l, int64_t now_ns);

static int gen_switch(lctx *l, int64_t now_ns)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = gen_switch_(l, now_ns);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    l->switch_total_ms += ms;
    l->switch_max_ms = SW_MAX(l->switch_max_ms, ms);
    return rc;
}

static int gen_switch_(lctx *l, int64_t now_ns)
{
    l->want_switch = false;
    sw_corr_finish(l->corr, now_ns);
    size_t nc = sw_corr_ncalls(l->corr), nm = sw_trace_count(l->t);
    size_t before = mem_accounted(l);
    bool *keep_call = malloc((nc ? nc : 1) * sizeof *keep_call);
    bool *keep_msg = malloc((nm ? nm : 1) * sizeof *keep_msg);
    uint64_t *msg_map = malloc((nm ? nm : 1) * sizeof *msg_map);
    uint32_t *call_map = malloc((nc ? nc : 1) * sizeof *call_map);
    int rc = 0;
    if (!keep_call || !keep_msg || !msg_map || !call_map) {
        rc = SW_ENOMEM;
        goto out;
    }
    sw_evict_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.now_ns = now_ns;
    eo.keep_bytes = l->max_mem / 2;
    eo.settle_ns = l->settle_ns;
    sw_evict_stats es;
    sw_corr_evict_plan(l->t, l->corr, &eo, keep_call, keep_msg, &es);
    if (!es.msgs_evicted) {
        /* everything is still going: wait until memory grows by a quarter */
        l->switch_at = SW_MAX(l->max_mem, before + before / 4);
        goto out;
    }
    /* What leaves is printed and written first, from the old generation. */
    if (l->show_calls) {
        for (size_t i = 0; i < nc; i++) {
            const sw_call *k = sw_corr_call(l->corr, (uint32_t)i);
            if (!keep_call[i] && k->kind == SW_CALL_INVITE && !printed_mark(l, (uint32_t)i)) {
                sw_render_call_line(stdout, &l->ro, l->t, l->corr, (uint32_t)i);
                l->calls_printed++;
            }
            if (l->oom) {
                rc = SW_ENOMEM;
                goto out;
            }
        }
        fflush(stdout);
    }
    if (l->show_findings) {
        l->leaving = keep_call;
        l->nleaving = nc;
        findings_run(l, now_ns, false);
        l->leaving = NULL;
        if (l->oom) {
            rc = SW_ENOMEM;
            goto out;
        }
    }
    if (l->split)
        sw_split_evict(l->split, keep_call, nc);
    sw_trace *nt = NULL;
    sw_corr *ncorr = NULL;
    /* The steps that can fail, before anything changes for the capture: on
     * a failure the old generation goes on. */
    if (sw_corr_next_generation(l->tw, l->corr, keep_msg, &nt, &ncorr, msg_map, call_map) ||
        (l->media_w && sw_media_remap(l->media_w, msg_map, nm, NULL))) {
        if (nt) {
            sw_corr_free(ncorr);
            sw_trace_free(nt);
        }
        sw_cli_warn("live: --max-memory: no memory for a new generation; trying again later");
        l->switch_at = before + before / 4;
        goto out;
    }
    /* From here nothing fails. A call's new index is never above its old
     * one: tables indexed by call are compacted in place. */
    if (l->split)
        sw_split_rebase(l->split, nt, ncorr, call_map, nc);
    for (size_t i = 0; i < l->printed_cap; i++) {
        bool p = l->printed[i];
        l->printed[i] = false;
        uint32_t j = i < nc ? call_map[i] : SW_NONE;
        if (p && j <= i)
            l->printed[j] = true;
    }
    sw_trace_take_decoder(nt, l->tw);
    sw_corr *oldc = l->corr;
    sw_trace *oldt = l->tw;
    l->corr = ncorr;
    l->t = l->tw = nt;
    l->seen_at_poll = 0;
    sw_corr_free(oldc);
    sw_trace_free(oldt);
    l->generations++;
    l->calls_evicted += es.calls_evicted;
    l->msgs_evicted += es.msgs_evicted;
    l->stale_evicted += es.calls_stale;
    if (l->show_findings)
        fseen_rebuild(l);
    free(l->call_map);
    l->call_map = call_map;
    l->ncall_map = nc;
    call_map = NULL;
#ifdef __GLIBC__
    malloc_trim(0); /* the old generation's memory goes back to the system */
#endif
    size_t after = mem_accounted(l);
    l->mem_kept_max = SW_MAX(l->mem_kept_max, after);
    /* The next generation when memory passes the bound again; when what is
     * kept is most of the bound already (calls going on), after it grows by
     * a quarter, not at once again. */
    l->switch_at = SW_MAX(l->max_mem, after + after / 4);
    if (after > l->max_mem && !l->warned_live_big) {
        l->warned_live_big = true;
        sw_cli_warn("live: --max-memory: the calls still going alone take %zu MiB, more than "
                    "the %zu MiB allowed: they are kept (nothing of a live call is dropped)",
                    after >> 20, l->max_mem >> 20);
    }
out:
    free(keep_call);
    free(keep_msg);
    free(msg_map);
    free(call_map);
    return rc;
}

/* --tui: reads what arrived (at most 20,000 packets a turn, so keys stay
 * answered under load) and settles the model for the screens. */
static int tui_poll(void *ud)
{
    lctx *l = ud;
    size_t n = 0;
    int rc = sw_trace_read_some(l->tw, l->cs, sink, l, 20000, &n);
    if (!rc && !l->oom && l->want_switch) {
        uint64_t gens = l->generations;
        if (gen_switch(l, l->last_ts))
            l->oom = 1;
        else if (l->generations != gens) {
            sw_corr_finish(l->corr, 0);
            l->seen_at_poll = sw_trace_count(l->t);
            return 3;
        }
    }
    bool changed = n && sw_trace_count(l->t) != l->seen_at_poll;
    if (changed) {
        l->seen_at_poll = sw_trace_count(l->t);
        sw_corr_finish(l->corr, 0);
    }
    if (rc || l->oom) {
        l->ended = true;
        return 2;
    }
    return changed ? 1 : 0;
}

static void tui_replaced(void *ud, const sw_trace **t, const sw_corr **c, const uint32_t **map,
                         size_t *n)
{
    lctx *l = ud;
    *t = l->t;
    *c = l->corr;
    *map = l->call_map;
    *n = l->ncall_map;
}

static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    lctx *l = ud;
    if (sw_corr_add(l->corr, number, m, sip)) {
        l->oom = 1;
        return 1;
    }
    l->seen++;
    l->last_ts = m->ts_ns;
    bool yield = false;
    if (l->max_mem && l->seen >= l->next_check) {
        mem_check(l);
        yield = l->want_switch; /* a new generation, between two packets */
    }
    /* the message's call, and whether that call is over */
    uint32_t call = sw_corr_msg_call(l->corr, number);
    bool over = call != SW_NONE && sw_call_over(sw_corr_call(l->corr, call));
    if (l->split) {
        if (over)
            sw_split_over(l->split, call, m->ts_ns);
        sw_split_tick(l->split, m->ts_ns);
    }
    if (l->tui) {
        /* nothing printed: the interface draws the model */
    } else if (l->show_findings) {
        if (!l->diag_last)
            l->diag_last = m->ts_ns;
        if (over && !l->diag_due)
            l->diag_due = m->ts_ns + DIAG_GRACE_NS;
        if ((l->diag_due && m->ts_ns >= l->diag_due) || m->ts_ns - l->diag_last >= DIAG_PERIOD_NS)
            findings_run(l, m->ts_ns, false);
        if (l->oom)
            return 1;
    } else if (l->show_calls) {
        if (over && !printed_mark(l, call)) {
            l->calls_printed++;
            sw_render_call_line(stdout, &l->ro, l->t, l->corr, call);
            fflush(stdout);
        }
        if (l->oom)
            return 1;
    } else {
        bool show = true;
        if (l->q) {
            sw_query_ctx ctx;
            sw_query_ctx_init(&ctx);
            ctx.trace = l->t;
            ctx.corr = l->corr;
            ctx.number = number;
            ctx.msg = m;
            ctx.sip = sip;
            show = sw_query_match_msg(l->q, &ctx);
        }
        if (show) {
            sw_render_history_line(stdout, &l->ro, l->t, number, m, sip,
                                   sw_corr_msg_flags(l->corr, number));
            fflush(stdout);
        }
    }
    if (l->count && l->seen >= l->count)
        return 2; /* enough: stop reading */
    return yield ? SW_SINK_YIELD : 0;
}

int sw_cmd_live(int argc, char **argv)
{
    enum { O_SHOW = 256, O_DURATION, O_LANG, O_NOEXPLAIN, O_WHERE, O_SPLIT, O_TUI, O_ALLPKT,
           O_MAXMEM, O_SETTLE };
    const char *user = NULL;
    static const struct option opts[] = {{"interface", required_argument, 0, 'i'},
                                         {"show", required_argument, 0, O_SHOW},
                                         {"format", required_argument, 0, 'f'},
                                         {"write", required_argument, 0, 'w'},
                                         {"count", required_argument, 0, 'c'},
                                         {"user", required_argument, 0, 'u'},
                                         {"rotate", required_argument, 0, 'G'},
                                         {"file-size", required_argument, 0, 'C'},
                                         {"duration", required_argument, 0, O_DURATION},
                                         {"where", required_argument, 0, O_WHERE},
                                         {"split-dir", required_argument, 0, O_SPLIT},
                                         {"tui", no_argument, 0, O_TUI},
                                         {"all-packets", no_argument, 0, O_ALLPKT},
                                         {"max-memory", required_argument, 0, O_MAXMEM},
                                         {"settle", required_argument, 0, O_SETTLE},
                                         {"lang", required_argument, 0, O_LANG},
                                         {"no-explain", no_argument, 0, O_NOEXPLAIN},
                                         {"help", no_argument, 0, 'h'},
                                         SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    lctx l;
    memset(&l, 0, sizeof l);
    l.show_calls = true;
    l.ro.explain = true;
    l.ro.lang = (sw_kb_lang)sw_cli_default_lang();
    const char *ifaces[SW_CAPTURE_MAX_LIVE];
    size_t nif = 0;
    const char *wfile = NULL, *where = NULL, *split_dir = NULL;
    bool all_packets = false;
    uint64_t duration = 0, rotate = 0, file_size = 0;
    optind = 1;
    opterr = 0;
    int c;
    /* "+": options come first; the words after them are the BPF filter */
    while ((c = getopt_long(argc, argv, "+:i:f:w:c:u:G:C:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (nif == SW_CAPTURE_MAX_LIVE) {
                sw_cli_error("live: at most %d interfaces (-i) at once", SW_CAPTURE_MAX_LIVE);
                return SW_EXIT_USAGE;
            }
            ifaces[nif++] = optarg;
            break;
        case O_SHOW:
            l.show_calls = l.show_findings = false;
            if (!strcmp(optarg, "calls"))
                l.show_calls = true;
            else if (!strcmp(optarg, "findings"))
                l.show_findings = true;
            else if (strcmp(optarg, "messages")) {
                sw_cli_error("live: --show takes calls, messages or findings, not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case 'f':
            if (sw_cli_parse_format("live", optarg, (1u << SW_FMT_TEXT) | (1u << SW_FMT_JSON),
                                    &l.ro.format))
                return SW_EXIT_USAGE;
            break;
        case 'w': wfile = optarg; break;
        case 'u': user = optarg; break;
        case 'G':
            if (!sw_str_to_u64(sw_str_cstr(optarg), 31536000, &rotate) || !rotate) {
                sw_cli_error("live: --rotate must be a number of seconds, not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case 'C': {
            /* tcpdump's -C: millions of bytes; a fraction is allowed */
            char *end;
            double mb = strtod(optarg, &end);
            if (end == optarg || *end || !(mb > 0) || mb > 1e6) {
                sw_cli_error("live: --file-size must be a positive number of MB (millions of "
                             "bytes), not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            file_size = (uint64_t)(mb * 1e6);
            if (file_size < 100)
                file_size = 100;
            break;
        }
        case 'c':
            if (!sw_str_to_u64(sw_str_cstr(optarg), UINT64_MAX, &l.count) || !l.count) {
                sw_cli_error("live: --count must be a positive number, not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case O_DURATION:
            if (!sw_str_to_u64(sw_str_cstr(optarg), 31536000, &duration) || !duration) {
                sw_cli_error("live: --duration must be a number of seconds, not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case O_WHERE: where = optarg; break;
        case O_TUI: l.tui = true; break;
        case O_ALLPKT: all_packets = true; break;
        case O_MAXMEM: {
            uint64_t mb;
            if (!sw_str_to_u64(sw_str_cstr(optarg), (uint64_t)1 << 30, &mb) || !mb) {
                sw_cli_error("live: --max-memory must be a positive number of MiB, not '%s'",
                             optarg);
                return SW_EXIT_USAGE;
            }
            l.max_mem = (size_t)mb << 20;
            break;
        }
        case O_SETTLE: {
            uint64_t s;
            if (!sw_str_to_u64(sw_str_cstr(optarg), 86400, &s) || !s) {
                sw_cli_error("live: --settle must be a positive number of seconds, not '%s'",
                             optarg);
                return SW_EXIT_USAGE;
            }
            l.settle_ns = (int64_t)s * 1000000000ll;
            break;
        }
        case O_SPLIT:
            if (!*optarg) {
                sw_cli_error("live: --split-dir needs a directory");
                return SW_EXIT_USAGE;
            }
            split_dir = optarg;
            break;
        case O_LANG: {
            sw_lang lg;
            if (sw_cli_parse_lang(optarg, &lg))
                return SW_EXIT_USAGE;
            l.ro.lang = (sw_kb_lang)lg;
            break;
        }
        case O_NOEXPLAIN: l.ro.explain = false; break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("live", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("live", c, argv, "sipwhy live --help");
        }
    }
    if (nif > 1 && wfile) {
        sw_cli_error("live: -w with several interfaces is not supported yet (a pcap file has one "
                     "link type): capture with -i any, or one -i");
        return SW_EXIT_USAGE;
    }
    /* the interfaces as one name for messages: "eth0" or "eth0,eth1" */
    char iface[SW_CAPTURE_MAX_LIVE * 64] = "";
    for (size_t i = 0; i < nif; i++)
        snprintf(iface + strlen(iface), sizeof iface - strlen(iface), "%s%s", i ? "," : "",
                 ifaces[i]);
    if (!nif) {
        sw_cli_error("live: no interface: give -i IFACE (any for all; see sipwhy live --help)");
        return SW_EXIT_USAGE;
    }
    if (split_dir) {
        struct stat sb;
        if (stat(split_dir, &sb) && (errno != ENOENT || mkdir(split_dir, 0755))) {
            sw_cli_error("live: --split-dir %s: %s", split_dir, strerror(errno));
            return SW_EXIT_USAGE;
        }
        if (!stat(split_dir, &sb) && !S_ISDIR(sb.st_mode)) {
            sw_cli_error("live: --split-dir %s: not a directory", split_dir);
            return SW_EXIT_USAGE;
        }
    }
    if (l.tui) {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            sw_cli_error("live: --tui needs a terminal on standard input and output");
            return SW_EXIT_USAGE;
        }
        if (where) {
            sw_cli_error("live: --tui: set the filter in the interface (F7)");
            return SW_EXIT_USAGE;
        }
        l.show_calls = l.show_findings = false;
    }
    if (where && (l.show_calls || l.show_findings)) {
        sw_cli_error("live: --where applies to --show messages");
        return SW_EXIT_USAGE;
    }
    int rc = sw_cli_where_compile("live", where, NULL, 0, false, &l.q);
    if (rc)
        return rc;
    if (l.q && sw_query_is_call_level(l.q)) {
        sw_query_free(l.q);
        sw_cli_error("live: --where: call fields need the whole call; live capture takes "
                     "message fields only");
        return SW_EXIT_USAGE;
    }
    /* the BPF filter: the remaining words joined by spaces */
    size_t blen = 1;
    for (int i = optind; i < argc; i++)
        blen += strlen(argv[i]) + 1;
    char *bpf = calloc(1, blen);
    if (!bpf) {
        sw_query_free(l.q);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            strcat(bpf, " ");
        strcat(bpf, argv[i]);
    }
    bool default_filter = !*bpf && !all_packets;

    sw_capset *cs;
    char err[512];
    rc = sw_capset_open_live_n(&cs, ifaces, nif, default_filter ? DEFAULT_BPF : bpf, err,
                               sizeof err);
    free(bpf);
    if (rc) {
        sw_query_free(l.q);
        sw_cli_error("live: %s", err);
        return SW_EXIT_USAGE;
    }
    if ((rotate || file_size) && !wfile) {
        sw_capset_close(cs);
        sw_query_free(l.q);
        sw_cli_error("live: %s needs -w FILE", rotate ? "--rotate" : "--file-size");
        return SW_EXIT_USAGE;
    }
    if (wfile && sw_capture_dump_to(sw_capset_get(cs, 0), wfile, (int64_t)rotate * 1000000000ll,
                                    file_size, err, sizeof err)) {
        sw_capset_close(cs);
        sw_query_free(l.q);
        sw_cli_error("live: -w %s", err);
        return SW_EXIT_USAGE;
    }
    if (user) {
        /* The device and the output file are open: nothing else needs root. */
        struct passwd *pw = getpwnam(user);
        if (!pw || initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
            setuid(pw->pw_uid) || (pw->pw_uid != 0 && setuid(0) == 0)) {
            sw_capset_close(cs);
            sw_query_free(l.q);
            sw_cli_error("live: --user %s: %s", user,
                         pw ? "cannot drop privileges (setgid/setuid failed)" : "no such user");
            return SW_EXIT_USAGE;
        }
    }
    if (split_dir && access(split_dir, W_OK | X_OK)) {
        sw_cli_error("live: --split-dir %s: %s", split_dir, strerror(errno));
        sw_capset_close(cs);
        sw_query_free(l.q);
        return SW_EXIT_USAGE;
    }
    /* Per-call files need the RTP: the media stage, with a hook into them. */
    sw_trace_opts to = *sw_cli_trace_opts();
    sw_media *media = NULL;
    if (split_dir || l.show_findings) { /* the media rules need the RTP */
        sw_media_opts mo;
        memset(&mo, 0, sizeof mo);
        mo.on_rtp = on_rtp;
        mo.on_rtp_ud = &l;
        media = sw_media_new(&mo);
        to.media = media;
    }
    sw_trace *t = (!split_dir || media) ? sw_trace_new(&to) : NULL;
    sw_corr_opts co = {NULL, 0, false, sw_cli_max_calls()};
    l.corr = t ? sw_corr_new(t, &co) : NULL;
    if (l.corr && split_dir)
        l.split = sw_split_new(split_dir, t, l.corr, media);
    if (!l.corr || (split_dir && !l.split)) {
        sw_corr_free(l.corr);
        sw_media_free(media);
        sw_trace_free(t);
        sw_capset_close(cs);
        sw_query_free(l.q);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    l.t = l.tw = t;
    l.media = l.media_w = media;
    if (!l.max_mem) {
        /* a quarter of the RAM: room for the rest of the machine */
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        l.max_mem = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize / 4 : (size_t)1 << 30;
    }
    l.switch_at = l.max_mem;
    l.next_check = MEM_CHECK_EVERY;
#ifdef __GLIBC__
    /* Blocks of 256 KiB and more come from mmap and go back to the system
     * when freed; without a fixed threshold glibc raises it after the first
     * such free, and a freed generation would stay in the heap. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (duration)
        alarm((unsigned)duration);
    if (l.tui) {
        /* nothing goes to stdout: it is the interface's */
    } else if (l.show_calls)
        sw_render_calls_begin(stdout, &l.ro);
    else if (!l.show_findings)
        sw_render_history_begin(stdout, &l.ro);
    fflush(stdout);
    int trc;
    if (l.tui) {
        l.cs = cs;
        if (sw_capset_set_nowait(cs, err, sizeof err)) {
            sw_cli_error("live: --tui: %s", err);
            trc = 0;
            rc = SW_EXIT_USAGE;
        } else {
            sw_tui_opts uo;
            memset(&uo, 0, sizeof uo);
            uo.lang = l.ro.lang;
            const char *name = iface;
            uo.inputs = &name;
            uo.ninputs = 1;
            uo.media = media;
            uo.poll = tui_poll;
            uo.replaced = tui_replaced;
            uo.poll_ud = &l;
            int urc = sw_tui_run(l.t, l.corr, &uo);
            if (urc == SW_EIO) {
                sw_cli_error("live: --tui: cannot use the terminal");
                rc = SW_EXIT_USAGE;
            } else if (urc) {
                l.oom = 1;
            }
            trc = 0;
            if (!l.ended)
                sw_trace_flush(l.tw); /* the user quit: what the decoder holds */
        }
    } else {
        /* in turns, so that a new generation starts between two of them */
        do {
            size_t n;
            trc = sw_trace_read_some(l.tw, cs, sink, &l, 4096, &n);
            if (!trc && l.want_switch && gen_switch(&l, l.last_ts))
                l.oom = 1;
        } while (!trc && !l.oom);
        if (trc == 1)
            trc = 0; /* the capture ended */
    }
    t = l.tw; /* the last generation's */
    alarm(0);
    sw_cli_report_limits(t);
    if (trc == SW_ENOMEM || l.oom) {
        sw_cli_error("out of memory after %" PRIu64 " messages", sw_trace_stats_get(t)->messages);
        rc = SW_EXIT_USAGE;
    }
    for (size_t i = 0; i < nif; i++) {
        if (sw_capset_input_failed(cs, i) || (nif == 1 && sw_capset_failed(cs))) {
            sw_cli_error("live: %s: %s", ifaces[i], sw_capture_error(sw_capset_get(cs, i)));
            rc = SW_EXIT_USAGE;
        }
    }
    if (l.show_findings && !l.oom) {
        findings_run(&l, 0, true);
        if (l.oom) {
            sw_cli_error("out of memory in the diagnosis after %" PRIu64 " messages",
                         sw_trace_stats_get(t)->messages);
            rc = SW_EXIT_USAGE;
        }
    }
    sw_corr_finish(l.corr, 0);
    if (l.split)
        sw_split_finish(l.split);
    if (l.show_calls) {
        /* the calls still going (or never ended in what was seen) */
        for (size_t i = 0; i < sw_corr_ncalls(l.corr); i++) {
            const sw_call *k = sw_corr_call(l.corr, (uint32_t)i);
            if (k->kind == SW_CALL_INVITE && !(i < l.printed_cap && l.printed[i])) {
                sw_render_call_line(stdout, &l.ro, t, l.corr, (uint32_t)i);
                l.calls_printed++;
            }
        }
    }
    fflush(stdout);
    const sw_trace_stats *st = sw_trace_stats_get(t);
    fprintf(stderr,
            "live: %s: %" PRIu64 " packets, %" PRIu64 " SIP messages, %" PRIu64 " calls", iface,
            st->packets, st->messages, (uint64_t)sw_corr_ncalls(l.corr) + l.calls_evicted);
    if (default_filter)
        fputs(" (default filter)", stderr);
    bool dropped = false;
    for (size_t i = 0; i < nif; i++) {
        uint64_t recv = 0, drop = 0, ifdrop = 0;
        if (sw_capture_live_stats(sw_capset_get(cs, i), &recv, &drop, &ifdrop))
            continue;
        fprintf(stderr, "%s%s%s%" PRIu64 " received, %" PRIu64 " dropped by the kernel, %" PRIu64
                " by the interface", i ? "; " : "; libpcap: ", nif > 1 ? ifaces[i] : "",
                nif > 1 ? " " : "", recv, drop, ifdrop);
        dropped |= drop || ifdrop;
    }
    fputc('\n', stderr);
    if (l.generations)
        fprintf(stderr,
                "live: --max-memory %zu MiB: %" PRIu64 " generations, %" PRIu64 " calls (%" PRIu64
                " messages) let go after they were shown, %" PRIu64 " of them not seen to end in "
                "4 hours; memory held at most %.1f MiB (%.1f MiB right after a generation); "
                "%.1f ms in generation changes (at most %.1f ms at once)\n",
                l.max_mem >> 20, l.generations, l.calls_evicted, l.msgs_evicted, l.stale_evicted,
                (double)l.mem_peak / 1048576.0, (double)l.mem_kept_max / 1048576.0,
                l.switch_total_ms, l.switch_max_ms);
    if (l.split) {
        const sw_split_stats *ss = sw_split_get_stats(l.split);
        fprintf(stderr,
                "live: --split-dir %s: %" PRIu64 " call files (%" PRIu64 " of calls not over at the "
                "stop), %" PRIu64 " SIP messages and %" PRIu64 " RTP packets written\n",
                split_dir, ss->files, ss->written_at_stop, ss->sip_written, ss->rtp_written);
        if (ss->failed)
            sw_cli_warn("live: --split-dir: %" PRIu64 " call files could not be written", ss->failed);
        if (ss->rtp_dropped)
            sw_cli_warn("live: --split-dir: %" PRIu64 " RTP packets not written (a call over its "
                        "%zu MB buffer, or no memory)", ss->rtp_dropped, SW_SPLIT_CALL_BYTES >> 20);
        if (ss->rtp_late)
            sw_cli_warn("live: --split-dir: %" PRIu64 " RTP packets came after their call's file "
                        "was written", ss->rtp_late);
        if (ss->failed)
            rc = SW_EXIT_USAGE;
    }
    if (l.show_findings) {
        fprintf(stderr, "live: %" PRIu64 " findings (%" PRIu64 " errors)\n", l.findings_printed,
                l.findings_errors);
        if (l.findings_errors && rc == SW_EXIT_OK)
            rc = SW_EXIT_PROBLEMS;
    }
    if (dropped)
        sw_cli_warn("packets were dropped before sipwhy saw them: messages may be missing");
    rc = sw_cli_finish_output(rc);
    free(l.printed);
    free(l.fseen.s);
    free(l.fstable.s);
    free(l.call_map);
    sw_split_free(l.split);
    sw_corr_free(l.corr);
    sw_media_free(media);
    sw_trace_free(t);
    sw_capset_close(cs);
    sw_query_free(l.q);
    return rc;
}
