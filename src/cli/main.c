/*
 * sipwhy: command dispatch. `sipwhy [COMMAND] [OPTIONS] INPUT...`
 * Without a command, an input file runs the default command.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
    "usage: sipwhy [COMMAND] [OPTIONS] INPUT...\n"
    "SIP troubleshooting: what happened in a capture, what went wrong, why.\n"
    "\n"
    "commands:\n"
    "  diagnose INPUT...    what went wrong, why, evidence, what to do (the default)\n"
    "  history INPUT...     one line per SIP message\n"
    "  show INPUT... N      message N in full: origin, raw text, decoded view\n"
    "  calls INPUT...       one line per call: state, timings, linked legs\n"
    "  flow INPUT... CALL   ladder diagram of a call (index from calls, or a Call-ID)\n"
    "  stats INPUT...       counts per method and code, ASR, NER, PDD, registrations\n"
    "  rtp INPUT...         RTP streams announced by SDP: packets, loss, jitter\n"
    "  audio INPUT...       a call's audio (G.711) as a stereo WAV file\n"
    "  live -i IFACE        capture on an interface: messages or calls as they happen\n"
    "  tui INPUT...         browse calls, flows, messages and findings in the terminal\n"
    "  explain CODE|LINE    what a SIP response code or reason phrase means\n"
    "\n"
    "  -h, --help           this help (COMMAND --help for a command's options)\n"
    "  -V, --version        version\n"
    "\n"
    "Common options: --format text|tsv|json, --lang en|ru.\n"
    "Exit status: 0 ok, 1 problems found, 2 usage or input error.\n"
    "INPUT: pcap or pcapng, optionally gzip-compressed; - reads standard input.\n";

typedef struct cmd {
    const char *name;
    int (*fn)(int, char **);
} cmd;

static const cmd cmds[] = {
    {"history", sw_cmd_history},
    {"show", sw_cmd_show},
    {"explain", sw_cmd_explain},
    {"calls", sw_cmd_calls},
    {"flow", sw_cmd_flow},
    {"stats", sw_cmd_stats},
    {"diagnose", sw_cmd_diagnose},
    {"rtp", sw_cmd_rtp},
    {"audio", sw_cmd_audio},
    {"live", sw_cmd_live},
    {"tui", sw_cmd_tui},
};

int main(int argc, char **argv)
{
    /* A closed pipe (sipwhy ... | head) ends the run quietly. */
    signal(SIGPIPE, SIG_DFL);
    if (argc < 2) {
        fputs(usage, stderr);
        return SW_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
        fputs(usage, stdout);
        return SW_EXIT_OK;
    }
    if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
        printf("sipwhy %s\n", SW_VERSION);
        return SW_EXIT_OK;
    }
    for (size_t i = 0; i < SW_ARRAY_LEN(cmds); i++)
        if (!strcmp(a, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    /* No command: an existing file or "-" (or an option) runs the default. */
    struct stat st;
    if (a[0] == '-' || stat(a, &st) == 0) {
        argv[0] = (char *)"diagnose";
        return sw_cmd_diagnose(argc, argv);
    }
    sw_cli_error("'%s' is neither a command nor a readable file (see sipwhy --help)", a);
    return SW_EXIT_USAGE;
}
