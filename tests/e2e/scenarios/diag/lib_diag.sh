# shellcheck shell=sh disable=SC2034  # DSC, CSC, NS, DIAG_* are read by the tests that source this
# lib_diag.sh - shared shell functions of the diagnose end-to-end tests (tests/e2e/diag_*.sh).
#
# Sourced after tests/e2e/lib_live.sh (whose helpers it uses), not run. POSIX sh.
# docs/internals/testing-diagnose.md describes the tests.
#
# A diag test records a capture ($W/cap.pcap; diag_capture NAME for another) on lo in a
# private network namespace (on the host's lo when none can be made) while sipp /
# kamailio / baresip play a scenario, then:
#   diag_analyse          runs `sipwhy history --format tsv` ($W/cap.ours.tsv) and
#                         `sipwhy -f json` ($DIAG_JSON = $W/cap.diag.json, and
#                         $W/cap.diag.tsv: findings.py lines)
#   diag_row VAR COND [v=..]  sets VAR to the history number of the first message
#                         satisfying an awk condition; fails the test when there is none
#   diag_want ID SEV N... records one expected finding: id, severity, evidence numbers
#   diag_check            the findings must be exactly the expected ones (no other
#                         finding of any severity), and sipwhy's exit status must be 1
#                         exactly when an error finding is expected

# diag_setup NAME LIMIT: live_init, tools, root, namespace ($NS, empty on the host).
diag_setup() {
    LIVE_LIMIT=${LIVE_LIMIT:-$2}
    live_init "$1"
    # SIPWHY may be a path relative to where we started: make it absolute (we work in $W)
    case $SIPWHY in /*) ;; */*) SIPWHY=$(pwd)/$SIPWHY ;; *) SIPWHY=$(command -v "$SIPWHY" || echo "$SIPWHY") ;; esac
    live_need sipp tcpdump python3 ip ss timeout od awk
    [ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
    [ -x "$SIPWHY" ] || live_fail "sipwhy binary $SIPWHY not found (make, or set SIPWHY)"
    cd "$W" || exit 1
    DSC=$LIVE_SCEN/diag
    CSC=$LIVE_SCEN/calls
    diag_capture cap
    live_lo_ns d
    NS=$ns
}

# diag_uas NAME IP PORT SCENARIO [sipp options...]: a sipp UAS in the background (30 s
# at most), waits until it listens.
diag_uas() {
    n=$1
    ip=$2
    port=$3
    sf=$4
    shift 4
    live_bg "$n" "$NS" 30 sipp -sf "$sf" -i "$ip" -p "$port" -nostdin "$@"
    live_wait_listen "$NS" udp "$ip" "$port" ||
        live_fail "sipp UAS $n ($ip:$port) did not start: $(cat "$W/$n.err" "$W/$n.out" | tail -n 5)"
}

# diag_uac NAME IP PORT SCENARIO TARGET [sipp options...]: runs a sipp UAC (20 s at
# most), one call unless -m is given; returns sipp's status (0 all calls succeeded).
diag_uac() {
    n=$1
    ip=$2
    port=$3
    sf=$4
    tgt=$5
    shift 5
    live_run "$n" "$NS" 20 sipp -sf "$sf" -i "$ip" -p "$port" -nostdin "$@" "$tgt"
}

# diag_ok NAME RC: fails the test unless the sipp run NAME exited RC (0 success, 1 some
# call failed); prints sipp's last lines otherwise.
diag_ok() {
    [ "$2" = "$3" ] && return 0
    live_fail "sipp $1 exited $3, expected $2: $(tail -n 15 "$W/$1.out" "$W/$1.err" 2>/dev/null)"
}

# diag_kamailio NAME CFG IP PORT: kamailio in the foreground of a background job.
diag_kamailio() {
    mkdir -p "$W/run-$1"
    live_bg "$1" "$NS" 40 kamailio -DD -E -f "$2" -Y "$W/run-$1" -P "$W/run-$1/pid" \
        -l "udp:$3:$4" -m 32 -M 8
    live_wait_listen "$NS" udp "$3" "$4" ||
        live_fail "kamailio $1 did not start: $(tail -n 5 "$W/$1.err")"
}

# diag_capture NAME: the capture the next steps are about: $W/NAME.pcap (default cap);
# its findings go to $W/NAME.diag.json / .diag.tsv, the expected ones to NAME.want.tsv.
diag_capture() {
    DIAG_CAP=$1
    DIAG_WANT=$W/$1.want.tsv
    : >"$DIAG_WANT"
}

diag_analyse() {
    live_sipwhy "$DIAG_CAP"
    live_log "$DIAG_CAP.pcap: $(($(wc -l <"$W/$DIAG_CAP.ours.tsv") - 1)) SIP messages"
    DIAG_JSON=$W/$DIAG_CAP.diag.json
    timeout 60 "$SIPWHY" -f json "$W/$DIAG_CAP.pcap" >"$DIAG_JSON" 2>"$W/$DIAG_CAP.diag.err"
    DIAG_RC=$?
    if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$W/$DIAG_CAP.diag.err"; then
        live_fail "sipwhy -f json: sanitizer report: $(head -c 600 "$W/$DIAG_CAP.diag.err")"
    fi
    [ $DIAG_RC -eq 0 ] || [ $DIAG_RC -eq 1 ] ||
        live_fail "sipwhy -f json exited $DIAG_RC: $(head -c 400 "$W/$DIAG_CAP.diag.err")"
    python3 "$DSC/findings.py" "$DIAG_JSON" >"$W/$DIAG_CAP.diag.tsv" 2>"$W/findings.err" ||
        live_fail "sipwhy -f json: bad report: $(cat "$W/findings.err")"
}

# diag_row VAR COND [NAME=VALUE...]: sets VAR to the number of the first history row
# satisfying the awk condition COND (columns: 1 number 2 epoch 3 src 4 sport 5 dst
# 6 dport 7 transport 8 method 9 status 10 call_id 11 cseq 12 cseq_method 13 retrans);
# fails the test when there is none. diag_last: the last such row.
diag_row() {
    diag__row first "$@"
}

diag_last() {
    diag__row last "$@"
}

diag__row() {
    _which=$1
    _var=$2
    _cond=$3
    shift 3
    _n=$#
    while [ "$_n" -gt 0 ]; do
        set -- "$@" -v "$1"
        shift
        _n=$((_n - 1))
    done
    _r=$(awk -F '\t' -v which="$_which" "$@" "NR > 1 && ($_cond) { r = \$1; if (which == \"first\") { print r; exit } }
        END { if (which == \"last\") print r }" "$W/$DIAG_CAP.ours.tsv")
    if [ -z "$_r" ]; then
        live_log "history of $DIAG_CAP.pcap:"
        cut -f 1,3,5,8,9,11,12,13 "$W/$DIAG_CAP.ours.tsv" | sed 's/^/    /'
        live_fail "no message in the capture satisfies: $_cond $*"
    fi
    eval "$_var=\$_r"
}

# diag_want ID SEVERITY N...: one expected finding with exactly these evidence numbers.
diag_want() {
    id=$1
    sev=$2
    shift 2
    ev=$(printf '%s\n' "$@" | sort -n | tr '\n' ',' | sed 's/,$//')
    printf '%s\t%s\t%s\n' "$id" "$sev" "${ev:--}" >>"$DIAG_WANT"
}

# diag_check WHAT: the findings (id, severity, evidence) must be exactly the expected ones.
diag_check() {
    g=$W/$DIAG_CAP.got.sorted
    w=$W/$DIAG_CAP.want.sorted
    cut -f 1-3 "$W/$DIAG_CAP.diag.tsv" | sort >"$g"
    sort "$DIAG_WANT" >"$w"
    if cmp -s "$g" "$w"; then
        while IFS= read -r l; do
            live_log "ok: $DIAG_CAP.pcap: finding $(echo "$l" | tr '\t' ' ')"
        done <"$w"
        [ -s "$w" ] || live_log "ok: $DIAG_CAP.pcap: no finding at all"
    else
        live_log "history of $DIAG_CAP.pcap:"
        cut -f 1,3,5,8,9,11,12,13 "$W/$DIAG_CAP.ours.tsv" | sed 's/^/    /'
        live_log "expected findings (id severity evidence):"
        sed 's/^/    /' "$w"
        live_log "sipwhy's findings:"
        sed 's/^/    /' "$g"
        live_log "differences (< expected, > sipwhy):"
        diff "$w" "$g" | grep '^[<>]' | sed 's/^/    /'
        LIVE_BAD=$((${LIVE_BAD:-0} + 1))
    fi
    want_rc=0
    grep -q "$(printf '\terror\t')" "$w" && want_rc=1
    live_expect "$1: sipwhy's exit status" "$want_rc" "$DIAG_RC"
    live_expect_done "$1"
}
