# lib_live.sh - shared shell functions of the live capture tests (tests/e2e/live_*.sh).
#
# Sourced, not run: `. "$(dirname "$0")/lib_live.sh"`. POSIX sh (dash). The live tests
# make their own captures with real tools (sipp, kamailio, Linux TCP/IP, tcpdump), take
# tshark's ground truth with tests/e2e/tshark_gt.sh and compare `sipwhy history --format
# tsv` with it through tests/e2e/tsvdiff.py. docs/internals/testing-live.md explains the
# tricks used here.
#
# Conventions: live_init creates the work directory $W (mktemp -d) and an EXIT trap that
# kills every background process started with live_bg (each runs under `timeout`, so it
# dies on its own too), deletes the network namespaces made with live_netns and removes
# $W (kept, and its path printed, when the test failed or LIVE_KEEP=1).
# Exit codes: 0 pass, 77 skip (environment cannot run the test, reason printed), 1 fail.
#
# Environment: SIPWHY (binary under test, default build/sipwhy), LIVE_KEEP=1 (keep $W),
# LIVE_NO_NETNS=1 (act as if network namespaces were unavailable), LIVE_LIMIT (whole-test
# limit in seconds, default 120),
# TSHARK_GT / TSVDIFF (override tests/e2e/tshark_gt.sh and tsvdiff.py).

# run-e2e.sh runs every tests/e2e/*.sh; this file is a library, not a test.
case ${0##*/} in
lib_live.sh)
    echo "lib_live.sh: helper library of the live_*.sh tests, nothing to run"
    exit 0
    ;;
esac

# live_init NAME: sets LIVE_NAME, LIVE_ROOT (repo), LIVE_SCEN (scenarios dir), SIPWHY, W.
live_init() {
    LIVE_NAME=$1
    LIVE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
    LIVE_SCEN=$LIVE_ROOT/tests/e2e/scenarios
    SIPWHY=${SIPWHY:-$LIVE_ROOT/build/sipwhy}
    TSHARK_GT=${TSHARK_GT:-$LIVE_ROOT/tests/e2e/tshark_gt.sh}
    TSVDIFF=${TSVDIFF:-$LIVE_ROOT/tests/e2e/tsvdiff.py}
    LIVE_PIDS=""
    LIVE_NETNS=""
    LIVE_START=$(date +%s)
    W=$(mktemp -d "${TMPDIR:-/tmp}/sipwhy-$LIVE_NAME.XXXXXX") || exit 1
    trap 'live__cleanup' EXIT
    trap 'exit 130' INT
    trap 'live_log "FAIL: terminated by SIGTERM (the watchdog sends it after LIVE_LIMIT=${LIVE_LIMIT:-120} s)"; exit 143' TERM
    trap 'exit 129' HUP
    # Watchdog: every step has its own timeout; this bounds the whole test anyway.
    (
        trap 'kill "$s" 2>/dev/null; exit 0' TERM
        sleep "${LIVE_LIMIT:-120}" &
        s=$!
        wait "$s" && kill -TERM $$
    ) &
    LIVE_WATCHDOG=$!
}

live__cleanup() {
    rc=$?
    trap - EXIT INT TERM HUP
    kill -TERM "$LIVE_WATCHDOG" 2>/dev/null
    for p in $LIVE_PIDS; do
        kill -TERM "$p" 2>/dev/null
    done
    for p in $LIVE_PIDS; do
        # timeout(1) passes TERM on to its process group; give it a moment, then KILL.
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 20 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -KILL "$p" 2>/dev/null
    done
    for ns in $LIVE_NETNS; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$p" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ -n "${LIVE_KEEP:-}" ]; then
        echo "$LIVE_NAME: work directory kept: $W"
    else
        rm -rf "$W"
    fi
    exit "$rc"
}

live_log() {
    echo "$LIVE_NAME: $*"
}

live_skip() {
    echo "$LIVE_NAME: SKIP: $*"
    exit 77
}

live_fail() {
    echo "$LIVE_NAME: FAIL: $*"
    exit 1
}

# live_elapsed: seconds since live_init.
live_elapsed() {
    echo $(($(date +%s) - LIVE_START))
}

# live_need CMD...: skip the test when a tool is missing.
live_need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || live_skip "$c not installed"
    done
}

# live_need_netns: skip unless we may create network namespaces (root with CAP_SYS_ADMIN
# and CAP_NET_ADMIN); the probe namespace is deleted at once.
live_need_netns() {
    [ -z "${LIVE_NO_NETNS:-}" ] || live_skip "network namespaces disabled (LIVE_NO_NETNS)"
    [ "$(id -u)" -eq 0 ] || live_skip "needs root to create network namespaces (uid $(id -u))"
    probe=swlive-probe-$$
    if ! ip netns add "$probe" 2>"$W/netns-probe.err"; then
        live_skip "cannot create a network namespace: $(head -n 1 "$W/netns-probe.err")"
    fi
    ip netns del "$probe" 2>/dev/null
}

# live_can_netns: like live_need_netns but returns 1 instead of skipping.
live_can_netns() {
    [ -z "${LIVE_NO_NETNS:-}" ] || return 1
    [ "$(id -u)" -eq 0 ] || return 1
    probe=swlive-probe-$$
    ip netns add "$probe" 2>/dev/null || return 1
    ip netns del "$probe" 2>/dev/null
    return 0
}

# live_netns SHORT: creates namespace swlive-<pid>-SHORT with lo up, prints its name.
# Callers: ns=$(live_netns a) || live_fail ...; then live_netns_adopt "$ns".
live_netns() {
    n=swlive-$$-$1
    ip netns add "$n" || return 1
    ip -n "$n" link set lo up || return 1
    echo "$n"
}

# live_lo_ns TAG: a private network namespace for a test on lo, its name in $ns; the
# host's lo (ns empty) where namespaces cannot be made. Registered for deletion.
live_lo_ns() {
    ns=""
    if live_can_netns; then
        ns=$(live_netns "$1") || live_fail "cannot set up a network namespace"
        live_netns_adopt "$ns"
        live_log "running in network namespace $ns"
    else
        live_log "cannot create a network namespace: running on the host's lo"
    fi
}

# live_netns_adopt NS: registers NS for deletion by the EXIT trap (live_netns runs in a
# command substitution, i.e. a subshell, so it cannot record it itself).
live_netns_adopt() {
    LIVE_NETNS="$LIVE_NETNS $1"
}

# live_in NS CMD...: runs CMD inside namespace NS (the current one when NS is empty).
live_in() {
    ns=$1
    shift
    if [ -n "$ns" ]; then
        ip netns exec "$ns" "$@"
    else
        "$@"
    fi
}

# live_veth NSA IFA MACA NSB IFB MACB MTU: a veth pair joining NSA and NSB, both ends up.
live_veth() {
    ip link add "$2" address "$3" mtu "$7" netns "$1" type veth \
        peer name "$5" address "$6" mtu "$7" netns "$4" || return 1
    ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

# live_port: prints a TCP/UDP port in 20000..39999 that nothing listens on (in the
# current namespace); never 5060 or 5072.
live_port() {
    i=0
    while [ $i -lt 50 ]; do
        p=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
        p=$((20000 + p % 20000))
        if [ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ]; then
            echo "$p"
            return 0
        fi
        i=$((i + 1))
    done
    return 1
}

# live_bg NAME NS SECONDS CMD...: starts CMD in the background in namespace NS (empty:
# here) under `timeout SECONDS` (KILL 2 s later), stdout to $W/NAME.out, stderr to
# $W/NAME.err; the pid is kept in LIVE_PID_NAME (NAME: letters, digits, _).
live_bg() {
    n=$1
    ns=$2
    secs=$3
    shift 3
    if [ -n "$ns" ]; then
        ip netns exec "$ns" timeout -k 2 "$secs" "$@" >"$W/$n.out" 2>"$W/$n.err" &
    else
        timeout -k 2 "$secs" "$@" >"$W/$n.out" 2>"$W/$n.err" &
    fi
    eval "LIVE_PID_$n=$!"
    LIVE_PIDS="$LIVE_PIDS $!"
}

# live_wait NAME: waits for the live_bg process NAME, returns its exit status
# (124 = killed by its timeout). A reaped pid is dropped from the cleanup list: the
# system may give it to another process.
live_wait() {
    eval "p=\$LIVE_PID_$1"
    wait "$p"
    rc=$?
    live__forget "$p"
    return $rc
}

live__forget() {
    l=""
    for q in $LIVE_PIDS; do
        [ "$q" = "$1" ] || l="$l $q"
    done
    LIVE_PIDS=$l
}

# live_run NAME NS SECONDS CMD...: like live_bg, then waits; returns CMD's status.
live_run() {
    live_bg "$@"
    live_wait "$1"
}

# live_wait_listen NS PROTO IP PORT: waits (10 s at most) until something listens on
# IP:PORT (PROTO udp or tcp) in namespace NS.
live_wait_listen() {
    opt=-Hlun
    [ "$2" = tcp ] && opt=-Hltn
    i=0
    while [ $i -lt 100 ]; do
        if live_in "$1" ss $opt "( sport = :$4 )" 2>/dev/null | grep -q "$3:$4"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# live_tcpdump_start NAME NS IFACE [FILTER...]: records $W/NAME.pcap on IFACE in NS and
# returns once tcpdump says "listening on" (fails after 10 s); it runs at most
# LIVE_TCPDUMP_SECS (120). Full packets, written
# at once (-U --immediate-mode: without it the last ~1 s is lost at stop time).
live_tcpdump_start() {
    n=$1
    ns=$2
    ifc=$3
    shift 3
    z=""
    [ "$(id -u)" -eq 0 ] && z="-Z root"
    # shellcheck disable=SC2086  # $z is zero or two words
    live_bg "$n" "$ns" "${LIVE_TCPDUMP_SECS:-120}" tcpdump -U --immediate-mode -n -s 0 $z -i "$ifc" \
        -w "$W/$n.pcap" "$@"
    i=0
    while ! grep -q 'listening on' "$W/$n.err" 2>/dev/null; do
        eval "p=\$LIVE_PID_$n"
        if ! kill -0 "$p" 2>/dev/null || [ $i -ge 100 ]; then
            live_fail "tcpdump on $ifc did not start: $(cat "$W/$n.err")"
        fi
        sleep 0.1
        i=$((i + 1))
    done
}

# live_tcpdump_stop NAME: leaves 1.5 s for the last packets, stops tcpdump with SIGINT and
# checks that it wrote a capture.
live_tcpdump_stop() {
    sleep 1.5
    eval "p=\$LIVE_PID_$1"
    kill -INT "$p" 2>/dev/null
    live_wait "$1"
    [ -s "$W/$1.pcap" ] || live_fail "tcpdump wrote no capture $W/$1.pcap: $(cat "$W/$1.err")"
    live_log "$1.pcap: $(grep 'packets captured' "$W/$1.err")"
}

# live_ground_truth NAME [PREFS]: tshark's ground truth of $W/NAME.pcap (PREFS: a
# Wireshark preferences file to use instead of the defaults, via WIRESHARK_CONFIG_DIR):
#   $W/NAME.gt.tsv   tests/e2e/tshark_gt.sh: one row per SIP frame (first message only)
#   $W/NAME.gtm.tsv  the same with one row per SIP message (scenarios/tshark_msgs.py adds
#                    the 2nd.. messages of frames that carry several, from tshark's PDML)
live_ground_truth() {
    [ -r "$TSHARK_GT" ] || live_fail "ground-truth script $TSHARK_GT missing"
    if [ -n "${2:-}" ]; then
        mkdir -p "$W/wsprefs-$1" && cp "$2" "$W/wsprefs-$1/preferences" || exit 1
        WIRESHARK_CONFIG_DIR=$W/wsprefs-$1
        export WIRESHARK_CONFIG_DIR
    fi
    timeout 120 sh "$TSHARK_GT" "$W/$1.pcap" >"$W/$1.gt.tsv" 2>"$W/$1.gt.err" ||
        live_fail "tshark_gt.sh failed on $1.pcap: $(cat "$W/$1.gt.err")"
    timeout 120 python3 "$LIVE_SCEN/tshark_msgs.py" "$W/$1.pcap" "$W/$1.gt.tsv" >"$W/$1.gtm.tsv" \
        2>"$W/$1.gtm.err" || live_fail "tshark_msgs.py failed on $1.pcap: $(cat "$W/$1.gtm.err")"
    unset WIRESHARK_CONFIG_DIR
    live_log "$1.pcap: tshark: $(($(wc -l <"$W/$1.gt.tsv") - 1)) SIP frames," \
        "$(($(wc -l <"$W/$1.gtm.tsv") - 1)) SIP messages"
}

# live_tshark ARGS...: tshark with a time limit and without its "running as root" line.
live_tshark() {
    timeout 60 tshark "$@" 2>/dev/null
}

# live_sipwhy_run OUT ERR ARGS...: runs sipwhy ARGS (60 s at most), stdout to OUT,
# stderr to ERR; fails on an exit status other than 0 / 1 and on sanitizer reports.
# (live__sipwhy_run is the older name, used by calls_outcomes.sh; both stay.)
live_sipwhy_run() {
    live__sipwhy_run "$@"
}

live__sipwhy_run() {
    out=$1
    err=$2
    shift 2
    [ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found (make, or set SIPWHY)"
    timeout 60 "$SIPWHY" "$@" >"$out" 2>"$err"
    rc=$?
    if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$err"; then
        live_fail "sipwhy $* (exit $rc): sanitizer report: $(head -c 600 "$err")"
    fi
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        live_fail "sipwhy $* exited $rc: $(head -c 400 "$err")"
    fi
}

# live_sipwhy NAME: runs `sipwhy history --format tsv` on $W/NAME.pcap into
# $W/NAME.ours.tsv; fails unless it exits 0 or 1 and prints something.
live_sipwhy() {
    live__sipwhy_run "$W/$1.ours.tsv" "$W/$1.ours.err" history --format tsv "$W/$1.pcap"
    [ -s "$W/$1.ours.tsv" ] || live_fail "sipwhy history --format tsv $1.pcap printed nothing"
}

# live_show NAME N TEXT WHAT: `sipwhy show $W/NAME.pcap N` must print a line containing
# TEXT (the last line of the message's body); WHAT describes message N.
live_show() {
    live__sipwhy_run "$W/show-$1-$2.out" "$W/show-$1-$2.err" show "$W/$1.pcap" "$2"
    grep -q "$3" "$W/show-$1-$2.out" ||
        live_fail "sipwhy show $1.pcap $2 ($4) lacks the body's last line $3"
    live_log "ok: sipwhy show $1.pcap $2 ($4) prints the whole body"
}

# live_diff NAME [tsvdiff options]: sipwhy's rows must match tshark's messages.
live_diff() {
    n=$1
    shift
    [ -r "$TSVDIFF" ] || live_fail "comparison script $TSVDIFF missing"
    if python3 "$TSVDIFF" --max 40 "$@" "$W/$n.gtm.tsv" "$W/$n.ours.tsv" >"$W/$n.diff" 2>&1; then
        live_log "$n.pcap: $(head -n 1 "$W/$n.diff")"
        return 0
    fi
    cat "$W/$n.diff"
    live_fail "$n.pcap: sipwhy's message list differs from tshark's (above)"
}

# live_count FILE AWK-CONDITION [NAME=VALUE...]: number of distinct SIP messages in a TSV
# (ours or tshark's) satisfying the awk condition on the columns 1 number 2 epoch 3 src
# 4 sport 5 dst 6 dport 7 transport 8 method 9 status 10 call_id 11 cseq 12 cseq_method;
# NAME=VALUE pairs become awk variables (-v; names starting with _ are taken). Rows equal in columns 3-12 (UDP
# retransmissions) count once.
live_count() {
    f=$1
    c=$2
    shift 2
    n=$#
    while [ "$n" -gt 0 ]; do
        set -- "$@" -v "$1"
        shift
        n=$((n - 1))
    done
    awk -F '\t' "$@" "NR > 1 && ($c) { _k = \$3; for (_i = 4; _i <= 12; _i++) _k = _k SUBSEP \$_i;
        if (!(_k in _seen)) { _seen[_k] = 1; _n++ } } END { print _n + 0 }" "$f"
}

# live_rows FILE AWK-CONDITION [NAME=VALUE...]: number of rows (not de-duplicated)
# satisfying it.
live_rows() {
    f=$1
    c=$2
    shift 2
    n=$#
    while [ "$n" -gt 0 ]; do
        set -- "$@" -v "$1"
        shift
        n=$((n - 1))
    done
    awk -F '\t' "$@" "NR > 1 && ($c) { _n++ } END { print _n + 0 }" "$f"
}

# live_first FILE AWK-CONDITION [NAME=VALUE...]: sipwhy number (column 1) of the first
# row satisfying it, empty if none.
live_first() {
    f=$1
    c=$2
    shift 2
    n=$#
    while [ "$n" -gt 0 ]; do
        set -- "$@" -v "$1"
        shift
        n=$((n - 1))
    done
    awk -F '\t' "$@" "NR > 1 && ($c) { print \$1; exit }" "$f"
}

# live_expect WHAT WANT GOT: records a failed expectation (checked by live_expect_done).
live_expect() {
    if [ "$2" = "$3" ]; then
        live_log "ok: $1: $3"
    else
        live_log "NOT OK: $1: expected $2, got $3"
        LIVE_BAD=$((${LIVE_BAD:-0} + 1))
    fi
}

# live_expect_done WHO: fails the test if a live_expect failed since the last call.
live_expect_done() {
    if [ "${LIVE_BAD:-0}" -ne 0 ]; then
        n=$LIVE_BAD
        LIVE_BAD=0
        live_fail "$n expectation(s) about $1 not met (above)"
    fi
}
