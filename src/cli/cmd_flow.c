/*
 * `sipwhy flow INPUT... CALL`: the ladder diagram of one call (or, with
 * --linked, of every leg of its conversation) in the terminal, or one JSON
 * object per message for scripts. The drawing is render/flow.c's; this file
 * picks the call, the width, the character set and colour.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../correlate/correlate.h"
#include "../trace/trace.h"
#include "../query/query.h"
#include "cli.h"

static const char usage[] =
    "usage: sipwhy flow [OPTIONS] INPUT... CALL [where EXPR...]\n"
    "Draw the ladder diagram of a call: one column per host, one arrow per message.\n"
    "CALL is a call index as printed by `sipwhy calls` (1-based, counting every\n"
    "Call-ID: see `sipwhy calls --all`) or a Call-ID.\n"
    "\n"
    "  -f, --format FMT       text (default) or json (one object per message)\n"
    "  -l, --linked           draw every call of the conversation (transfers, linked legs)\n"
    "  -a, --alias ADDR=NAME  name a host column: ADDR is IP, IP:PORT, or [IPv6]:PORT\n"
    "                         (repeatable; an IP alias applies to every port of it)\n"
    "  -i, --call-id          CALL is a Call-ID even if it is a number\n"
    "  -w, --where EXPR       draw only the messages EXPR selects (see sipwhy(1))\n"
    "      --width N          line width (default: the terminal's, else $COLUMNS, else 100)\n"
    "      --ascii            ASCII art (default: Unicode box drawing in a UTF-8 locale)\n"
    "      --unicode          Unicode box drawing whatever the locale\n"
    "      --color[=WHEN]     auto (default: on a terminal unless NO_COLOR is set),\n"
    "                         always or never\n"
    "      --no-explain       do not note what each response means\n"
    "      --lang LANG        en or ru: language of the notes\n"
    "      --link-header NAME a header that carries the other leg's Call-ID (repeatable)\n"
    "      --limit NAME=N     change a bound (see LIMITS in sipwhy(1))\n"
    "  -h, --help             this help\n"
    "Each line: message number, time (UTC), seconds since the previous line, then the\n"
    "arrow with the method or status; (retrans) and a dotted line mark retransmissions.\n"
    "Exit status: 0 ok, 2 usage error, unreadable input or no such call.\n";

#define MAX_LINK 16
#define MAX_ALIAS 64

/* Width: --width, else the terminal's, else $COLUMNS, else 100. */
static unsigned pick_width(unsigned opt)
{
    if (opt)
        return opt;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    uint64_t v;
    if (c && sw_str_to_u64(sw_str_cstr(c), 1000, &v) && v > 0)
        return (unsigned)v;
    return 100;
}

static bool utf8_locale(void)
{
    if (!setlocale(LC_CTYPE, ""))
        return false;
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* The call CALL names: an index (1-based) unless by_id, else a Call-ID. */
static uint32_t find_call(const sw_corr *c, const char *arg, bool by_id)
{
    uint64_t n;
    size_t ncalls = sw_corr_ncalls(c);
    if (!by_id && sw_str_to_u64(sw_str_cstr(arg), UINT32_MAX, &n)) {
        if (n >= 1 && n <= ncalls)
            return (uint32_t)(n - 1);
    }
    return sw_corr_find_call(c, sw_str_cstr(arg));
}

int sw_cmd_flow(int argc, char **argv)
{
    enum { O_ASCII = 256, O_UNICODE, O_COLOR, O_NOEXPLAIN, O_LANG, O_LINKH, O_WIDTH };
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"linked", no_argument, 0, 'l'},
                                         {"alias", required_argument, 0, 'a'},
                                         {"call-id", no_argument, 0, 'i'},
                                         {"width", required_argument, 0, O_WIDTH},
                                         {"where", required_argument, 0, 'w'},
                                         {"ascii", no_argument, 0, O_ASCII},
                                         {"unicode", no_argument, 0, O_UNICODE},
                                         {"color", optional_argument, 0, O_COLOR},
                                         {"colour", optional_argument, 0, O_COLOR},
                                         {"no-explain", no_argument, 0, O_NOEXPLAIN},
                                         {"lang", required_argument, 0, O_LANG},
                                         {"link-header", required_argument, 0, O_LINKH},
                                         {"help", no_argument, 0, 'h'}, SW_CLI_LIMIT_OPTION,
                                         {0, 0, 0, 0}};
    sw_flow_opts fo;
    memset(&fo, 0, sizeof fo);
    fo.explain = true;
    fo.lang = (sw_kb_lang)sw_cli_default_lang();
    static sw_flow_alias aliases[MAX_ALIAS];
    size_t naliases = 0;
    const char *links[MAX_LINK];
    size_t nlinks = 0;
    int charset = 0; /* 0 from the locale, 1 ASCII, 2 Unicode */
    int color = 0;   /* 0 auto, 1 always, 2 never */
    unsigned width = 0;
    bool by_id = false;
    static const char sopts[] = ":f:la:iw:h";
    const char *where = NULL;
    char **words;
    size_t nwords;
    bool had_where;
    argc = sw_cli_where_split(argc, argv, opts, sopts, &words, &nwords, &had_where);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, sopts, opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (sw_cli_parse_format("flow", optarg, (1u << SW_FMT_TEXT) | (1u << SW_FMT_JSON),
                                    &fo.format))
                return SW_EXIT_USAGE;
            break;
        case 'l': fo.linked = true; break;
        case 'a':
            if (naliases == MAX_ALIAS) {
                sw_cli_error("flow: at most %d --alias options", MAX_ALIAS);
                return SW_EXIT_USAGE;
            }
            if (sw_flow_alias_parse(optarg, &aliases[naliases])) {
                sw_cli_error("flow: bad --alias '%s' (expected IP=NAME, IP:PORT=NAME or "
                             "[IPv6]:PORT=NAME)",
                             optarg);
                return SW_EXIT_USAGE;
            }
            naliases++;
            break;
        case 'i': by_id = true; break;
        case 'w': where = optarg; break;
        case O_WIDTH: {
            uint64_t v;
            if (!sw_str_to_u64(sw_str_cstr(optarg), 1000, &v) || v < 40) {
                sw_cli_error("flow: --width must be a number from 40 to 1000, not '%s'", optarg);
                return SW_EXIT_USAGE;
            }
            width = (unsigned)v;
            break;
        }
        case O_ASCII: charset = 1; break;
        case O_UNICODE: charset = 2; break;
        case O_COLOR:
            if (!optarg || strcmp(optarg, "auto") == 0) {
                color = 0;
            } else if (strcmp(optarg, "always") == 0) {
                color = 1;
            } else if (strcmp(optarg, "never") == 0) {
                color = 2;
            } else {
                sw_cli_error("flow: unknown --color '%s' (expected auto|always|never)", optarg);
                return SW_EXIT_USAGE;
            }
            break;
        case O_NOEXPLAIN: fo.explain = false; break;
        case O_LANG: {
            sw_lang l;
            if (sw_cli_parse_lang(optarg, &l))
                return SW_EXIT_USAGE;
            fo.lang = (sw_kb_lang)l;
            break;
        }
        case O_LINKH:
            if (nlinks == MAX_LINK) {
                sw_cli_error("flow: at most %d --link-header options", MAX_LINK);
                return SW_EXIT_USAGE;
            }
            links[nlinks++] = optarg;
            break;
        case SW_OPT_LIMIT:
            if (sw_cli_parse_limit("flow", optarg))
                return SW_EXIT_USAGE;
            break;
        case 'h': fputs(usage, stdout); return SW_EXIT_OK;
        case ':':
        default: return sw_cli_bad_option("flow", c, argv, "sipwhy flow --help");
        }
    }
    if (argc - optind < 2) {
        sw_cli_error("flow: expected INPUT... CALL (see sipwhy flow --help)");
        return SW_EXIT_USAGE;
    }
    const char *want = argv[argc - 1];
    if (!*want) {
        sw_cli_error("flow: CALL is empty (a call index or a Call-ID)");
        return SW_EXIT_USAGE;
    }
    fo.aliases = aliases;
    fo.naliases = naliases;
    fo.width = pick_width(width);
    /* The locale is asked only whether it is UTF-8: nothing else in the
     * output depends on it (numbers are formatted in the C locale). */
    bool utf8 = utf8_locale();
    fo.unicode = charset == 2 || (charset == 0 && utf8);
    fo.color = color == 1 || (color == 0 && sw_cli_color(stdout));
    if (fo.format == SW_FMT_JSON)
        fo.color = false;

    sw_query *q;
    int rc = sw_cli_where_compile("flow", where, words, nwords, had_where, &q);
    if (rc)
        return rc;
    sw_cli_model mdl;
    rc = sw_cli_model_load(&mdl, argv + optind, (size_t)(argc - optind - 1), links, nlinks, false);
    if (rc) {
        sw_query_free(q);
        return rc;
    }
    bool *keep_msg = NULL, *keep_call = NULL;
    if (q && sw_cli_where_masks(q, mdl.trace, mdl.corr, &keep_msg, &keep_call)) {
        sw_query_free(q);
        sw_cli_model_free(&mdl);
        sw_cli_error("out of memory");
        return SW_EXIT_USAGE;
    }
    sw_query_free(q);
    free(keep_call);
    fo.keep_msg = keep_msg;
    uint32_t call = find_call(mdl.corr, want, by_id);
    if (call == SW_NONE) {
        size_t n = sw_corr_ncalls(mdl.corr);
        char safe[80];
        sw_flow_fit(sw_str_cstr(want), 60, false, safe, sizeof safe);
        if (by_id)
            sw_cli_error("flow: no call with Call-ID '%s' in the input", safe);
        else
            sw_cli_error("flow: no call '%s': the input has %zu call%s (numbered 1..%zu by "
                         "`sipwhy calls --all`) and no such Call-ID",
                         safe, n, n == 1 ? "" : "s", n);
        sw_cli_model_free(&mdl);
        free(keep_msg);
        return SW_EXIT_USAGE;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    bool full = false;
    int frc = sw_render_flow(stdout, &fo, mdl.trace, mdl.corr, call, &full);
    rc = SW_EXIT_OK;
    if (frc == SW_ENOMEM) {
        sw_cli_error("out of memory");
        rc = SW_EXIT_USAGE;
    } else if (full) {
        sw_cli_warn("flow: more than %d hosts; the rest share the column '(other hosts)' "
                    "(see --format json for every address)",
                    SW_FLOW_MAX_COLS - 1);
    }
    rc = sw_cli_finish_output(rc);
    free(keep_msg);
    sw_cli_model_free(&mdl);
    return rc;
}
