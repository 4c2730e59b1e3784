/*
 * `sipwhy live -i IFACE [BPF...]`: capture on an interface and show, as it
 * happens, the SIP messages (--show messages) or each call when it ends
 * (--show calls, the default), through the same decode, trace and correlate
 * stages as a capture file. Lines are flushed one by one, for piping.
 *
 * With --split-dir every INVITE call also gets a pcap of its own (SIP and
 * RTP) once it is over (split.c); --show findings runs the diagnosis again
 * now and then and prints what is new. Several -i read every interface as
 * packets come (capture.c polls them together). Still to come: eviction of
 * finished calls, the TUI.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
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

typedef struct lctx {
    sw_render_opts ro;
    const sw_trace *t;
    sw_corr *corr;
    sw_query *q;
    bool show_calls, show_findings;
    /* --show findings: the diagnosis is run again now and then (see
     * findings_run), printing what was not printed before */
    const sw_media *media;
    uint64_t *fseen;      /* hashes of the findings printed (0 = empty slot) */
    size_t fseen_cap, fseen_n;
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

static bool call_over(const sw_call *k)
{
    switch ((sw_call_state)k->state) {
    case SW_CS_COMPLETED:
    case SW_CS_CANCELLED:
    case SW_CS_BUSY:
    case SW_CS_REJECTED:
    case SW_CS_FAILED: return k->kind == SW_CALL_INVITE;
    default: return false;
    }
}

/* ---- --show findings ---------------------------------------------------- */

#define DIAG_GRACE_NS 2000000000ll  /* after a call is over: its last messages */
#define DIAG_PERIOD_NS 10000000000ll /* at least this often while traffic flows */
#define DIAG_SETTLE_NS 32000000000ll /* non-INVITE usages: every transaction done (64*T1) */

/* Adds h to the set of printed findings; false when it was there. */
static bool fseen_add(lctx *l, uint64_t h)
{
    if (!h)
        h = 1;
    if ((l->fseen_n + 1) * 2 > l->fseen_cap) {
        size_t nc = l->fseen_cap ? l->fseen_cap * 2 : 256;
        uint64_t *ns = calloc(nc, sizeof *ns);
        if (!ns) {
            l->oom = 1;
            return false;
        }
        for (size_t i = 0; i < l->fseen_cap; i++) {
            if (!l->fseen[i])
                continue;
            size_t j = l->fseen[i] & (nc - 1);
            while (ns[j])
                j = (j + 1) & (nc - 1);
            ns[j] = l->fseen[i];
        }
        free(l->fseen);
        l->fseen = ns;
        l->fseen_cap = nc;
    }
    size_t j = h & (l->fseen_cap - 1);
    while (l->fseen[j]) {
        if (l->fseen[j] == h)
            return false;
        j = (j + 1) & (l->fseen_cap - 1);
    }
    l->fseen[j] = h;
    l->fseen_n++;
    return true;
}

/* A finding about this call can be printed: nothing more will change it. */
static bool call_settled(const lctx *l, uint32_t call, int64_t now_ns, bool final)
{
    const sw_call *k = call != SW_NONE ? sw_corr_call(l->corr, call) : NULL;
    if (final || !k)
        return true;
    const sw_msg *last = sw_trace_get(l->t, k->last);
    int64_t quiet = last ? now_ns - last->ts_ns : 0;
    if (k->kind == SW_CALL_INVITE)
        return call_over(k) && quiet >= DIAG_GRACE_NS;
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
        uint64_t h = sw_hash(x->id, strlen(x->id)) ^ (x->key * 0x9E3779B97F4A7C15ull) ^
                     ((uint64_t)x->call << 17);
        if (!fseen_add(l, h))
            continue;
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

/* --tui: reads what arrived (at most 20,000 packets a turn, so keys stay
 * answered under load) and settles the model for the screens. */
static int tui_poll(void *ud)
{
    lctx *l = ud;
    size_t n = 0;
    int rc = sw_trace_read_some(l->tw, l->cs, sink, l, 20000, &n);
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

static int sink(void *ud, uint64_t number, const sw_msg *m, const sw_sip_msg *sip)
{
    lctx *l = ud;
    if (sw_corr_add(l->corr, number, m, sip)) {
        l->oom = 1;
        return 1;
    }
    l->seen++;
    if (l->split) {
        uint32_t call = sw_corr_msg_call(l->corr, number);
        const sw_call *k = call != SW_NONE ? sw_corr_call(l->corr, call) : NULL;
        if (k && call_over(k))
            sw_split_over(l->split, call, m->ts_ns);
        sw_split_tick(l->split, m->ts_ns);
    }
    if (l->tui) {
        /* nothing printed: the interface draws the model */
    } else if (l->show_findings) {
        uint32_t call = sw_corr_msg_call(l->corr, number);
        const sw_call *k = call != SW_NONE ? sw_corr_call(l->corr, call) : NULL;
        if (!l->diag_last)
            l->diag_last = m->ts_ns;
        if (k && call_over(k) && !l->diag_due)
            l->diag_due = m->ts_ns + DIAG_GRACE_NS;
        if ((l->diag_due && m->ts_ns >= l->diag_due) || m->ts_ns - l->diag_last >= DIAG_PERIOD_NS)
            findings_run(l, m->ts_ns, false);
        if (l->oom)
            return 1;
    } else if (l->show_calls) {
        uint32_t call = sw_corr_msg_call(l->corr, number);
        if (call != SW_NONE) {
            if (call >= l->printed_cap) {
                size_t nc = l->printed_cap ? l->printed_cap * 2 : 1024;
                while (nc <= call)
                    nc *= 2;
                bool *np = realloc(l->printed, nc * sizeof *np);
                if (!np) {
                    l->oom = 1;
                    return 1;
                }
                memset(np + l->printed_cap, 0, (nc - l->printed_cap) * sizeof *np);
                l->printed = np;
                l->printed_cap = nc;
            }
            const sw_call *k = sw_corr_call(l->corr, call);
            if (!l->printed[call] && call_over(k)) {
                l->printed[call] = true;
                l->calls_printed++;
                sw_render_call_line(stdout, &l->ro, l->t, l->corr, call);
                fflush(stdout);
            }
        }
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
    return 0;
}

int sw_cmd_live(int argc, char **argv)
{
    enum { O_SHOW = 256, O_DURATION, O_LANG, O_NOEXPLAIN, O_WHERE, O_SPLIT, O_TUI, O_ALLPKT };
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
    l.t = t;
    l.media = media;
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
        l.tw = t;
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
            uo.poll_ud = &l;
            int urc = sw_tui_run(t, l.corr, &uo);
            if (urc == SW_EIO) {
                sw_cli_error("live: --tui: cannot use the terminal");
                rc = SW_EXIT_USAGE;
            } else if (urc) {
                l.oom = 1;
            }
            trc = 0;
            if (!l.ended)
                sw_trace_flush(t); /* the user quit: what the decoder holds */
        }
    } else {
        trc = sw_trace_read(t, cs, sink, &l);
    }
    alarm(0);
    sw_cli_report_limits(t);
    if (trc == SW_ENOMEM || l.oom) {
        sw_cli_error("out of memory after %zu messages", sw_trace_count(t));
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
            sw_cli_error("out of memory in the diagnosis after %zu messages", sw_trace_count(t));
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
            "live: %s: %" PRIu64 " packets, %" PRIu64 " SIP messages, %zu calls", iface,
            st->packets, st->messages, sw_corr_ncalls(l.corr));
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
    free(l.fseen);
    sw_split_free(l.split);
    sw_corr_free(l.corr);
    sw_media_free(media);
    sw_trace_free(t);
    sw_capset_close(cs);
    sw_query_free(l.q);
    return rc;
}
