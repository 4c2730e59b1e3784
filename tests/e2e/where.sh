#!/bin/sh
# where.sh - end-to-end tests of the where language (sipwhy(1), WHERE EXPRESSIONS).
#
#   1. errors: a bad expression exits 2 before any input is read, with one
#      "sipwhy: error: CMD: where: ... at column N" line, the expression, a caret in
#      column N and a hint; for history and calls, --where and the trailing form;
#   2. the trailing `where WORDS...` form prints exactly what --where prints;
#   3. every example of the man page's WHERE EXPRESSIONS section runs on
#      examples/two-calls-udp.pcap (capture.pcap in the text) with --format json and
#      prints the count written after it (`.\" => N`); adding an example adds a test;
#   4. agreement with tshark: on a representative set of public captures, the number of
#      messages `sipwhy history --where EXPR` selects equals the number of SIP frames the
#      tshark display filter of the same meaning selects (one tshark run per capture,
#      counting every filter at once with -z io,stat; the corpus has one SIP message per
#      frame). WHERE_ALL=1 uses every capture without a corpus exception instead of the
#      set; WHERE_TABLE=1 prints every count.
#
# Environment: SIPWHY (default build/sipwhy), SW_SHARED (default ../shared from the repo
# root). Exit: 0 all passed, 1 a check failed. Part 4 is skipped (with a note) without
# tshark or the corpus.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
SW_SHARED=${SW_SHARED:-$root/../shared}
corpus=$SW_SHARED/corpus/public
example=$root/examples/two-calls-udp.pcap
man=$root/docs/sipwhy.1
tab=$(printf '\t')

if [ ! -x "$SIPWHY" ]; then
    echo "where: FAIL: sipwhy binary $SIPWHY not found (build it or set SIPWHY)"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}

# ---- 1. errors ----------------------------------------------------------------------------

# check_error CMD EXPR COLUMN MESSAGE HINT: `sipwhy CMD --where EXPR` on a missing input
# fails with the where error (so the expression is checked first).
check_error() {
    cmd=$1 expr=$2 col=$3 msg=$4 hint=$5
    for form in option trailing; do
        if [ $form = option ]; then
            "$SIPWHY" "$cmd" --where "$expr" "$tmp/no-such-input.pcap" >"$tmp/out" 2>"$tmp/err"
        else
            "$SIPWHY" "$cmd" "$tmp/no-such-input.pcap" where "$expr" >"$tmp/out" 2>"$tmp/err"
        fi
        rc=$?
        what="$cmd ($form) '$expr'"
        l1=$(sed -n 1p "$tmp/err")
        l2=$(sed -n 2p "$tmp/err")
        l3=$(sed -n 3p "$tmp/err")
        l4=$(sed -n 4p "$tmp/err")
        caret=$(printf '%s\n' "$l3" | awk '{ print index($0, "^") - 2 }')
        if [ $rc -ne 2 ]; then
            bad "$what: exit $rc, want 2"
        elif [ -s "$tmp/out" ]; then
            bad "$what: wrote to stdout"
        elif ! printf '%s\n' "$l1" | grep -q "^sipwhy: error: $cmd: where: .*$msg.* at column $col\$"; then
            bad "$what: first line '$l1', want '$msg' at column $col"
        elif [ "$l2" != "  $expr" ]; then
            bad "$what: second line '$l2' does not repeat the expression"
        elif [ "$caret" != "$col" ]; then
            bad "$what: caret in column $caret, want $col"
        elif [ -n "$hint" ] && ! { printf '%s\n' "$l4" | grep -q '^  hint: ' &&
            printf '%s\n' "$l4" | grep -qF "$hint"; }; then
            bad "$what: hint line '$l4', want '$hint'"
        else
            ok
        fi
    done
}

while IFS="$tab" read -r cmd expr col msg hint; do
    [ -n "$cmd" ] || continue
    check_error "$cmd" "$expr" "$col" "$msg" "$hint"
done <<'EOF'
history	sip.msg.calid = abc	1	unknown field 'sip.msg.calid'	did you mean sip.msg.call-id?
history	sip.Method == INVITE	1	unknown field 'sip.Method'	did you mean sip.msg.request.method?
history	number = 1 and	15	ends where a field name	
history	(number = 1	12	missing ')'	the '(' at column 1 is not closed
history	number = 1)	11	unbalanced ')'	there is no '(' for it
history	addr = 10.0.0.300	8	not a valid address for addr	10.0.0.0/8
history	addr < 10.0.0.1	6	'<' does not apply to addr	CIDR
history	timestamp > yesterday	13	not a valid time	2024-05-01T10:00:00Z
history	sip.msg.call-id like "(abc"	27	invalid regular expression	PCRE2
history	sip.msg.call-id like (abc	22	expected a value after 'like'	quote
history	sip.msg.response.code = 4x4	25	not a valid number	4xx
history	call.state = canceled	14	unknown call state 'canceled'	did you mean cancelled?
calls	call.duraton > 30	1	unknown field 'call.duraton'	did you mean call.duration?
calls	call.duration > 5 parsecs	19	unexpected 'parsecs'	and / or
calls	number = 1 & number = 2	12	unexpected '&'	&&
EOF

# usage errors around the expression
"$SIPWHY" history "$example" where >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 2 ] && grep -q "^sipwhy: error: history: 'where' needs an expression" "$tmp/err"; then ok; else
    bad "history INPUT where (no words): want exit 2 and 'needs an expression'"; fi
"$SIPWHY" calls -w 'number = 1' "$example" where number = 2 >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 2 ] && grep -q "either with --where or after 'where'" "$tmp/err"; then ok; else
    bad "calls with --where and trailing where: want exit 2"; fi
"$SIPWHY" history -w >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 2 ] && grep -q "needs a value" "$tmp/err"; then ok; else bad "history -w without a value"; fi

# ---- 2. the trailing form equals --where ------------------------------------------------------

same_output() {
    cap=$1
    shift
    "$SIPWHY" history -f tsv --where "$*" "$cap" >"$tmp/a" 2>&1
    "$SIPWHY" history -f tsv "$cap" where "$@" >"$tmp/b" 2>&1
    if cmp -s "$tmp/a" "$tmp/b"; then ok; else bad "history: trailing 'where $*' differs from --where"; fi
}
same_output "$example" sip.msg.request.method = INVITE
same_output "$example" sip.msg.call-id = 1-24783@127.0.0.20 and addr = 127.0.0.21:5091
same_output "$example" "(number>2)&&(number<6)"
same_output "$example" 'not sip.msg.request.method = ACK or sip.msg.response.code'
# a word with spaces was one quoted value for the shell
"$SIPWHY" history -f tsv "$example" where sip.msg.response.reason = "Ringing" >"$tmp/a" 2>&1
"$SIPWHY" history -f tsv -w 'sip.msg.response.reason = "Ringing"' "$example" >"$tmp/b" 2>&1
if cmp -s "$tmp/a" "$tmp/b" && [ "$(wc -l <"$tmp/a")" -eq 3 ]; then ok; else
    bad "history: where with a quoted value"; fi
# options before the inputs, then where; "where" as an option's value is not the keyword
"$SIPWHY" history --format where "$example" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 2 ] && grep -q "format" "$tmp/err"; then ok; else bad "history --format where: the word is the option's value"; fi
"$SIPWHY" calls -f json "$example" WHERE call.state = completed >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ]; then ok; else bad "calls INPUT WHERE ... (keyword case)"; fi
# an expression without a match still exits 0 with no lines
"$SIPWHY" history -f json -w 'sip.msg.request.method = REGISTER' "$example" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then ok; else bad "history with no match"; fi

# ---- 3. the man page's examples --------------------------------------------------------------

if [ ! -r "$man" ]; then
    bad "man page $man not found"
else
    # roff to shell text, one example per line, its expected count after a tab
    awk '
        /^\.SH/ { sec = ($0 ~ /WHERE EXPRESSIONS/); nf = 0; next }
        !sec { next }
        /^\.nf/ { nf = 1; next }
        /^\.fi/ { nf = 0; next }
        nf && /^sipwhy / { if (cmd != "") print cmd "\t" want; cmd = $0; want = ""; next }
        nf && /^\.\\" => / { want = $3; next }
        END { if (cmd != "") print cmd "\t" want }
    ' "$man" | sed -e 's/\\-/-/g' -e 's/\\(dq/"/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' >"$tmp/examples"
    nex=0
    while IFS="$tab" read -r line want; do
        nex=$((nex + 1))
        # "sipwhy CMD ..." -> "$SIPWHY" CMD -f json ..., capture.pcap -> the example capture
        cmd=$(printf '%s\n' "$line" |
            sed -e 's|^sipwhy \([a-z]*\) |"$SIPWHY" \1 -f json |' -e 's|capture\.pcap|"$example"|g')
        eval "$cmd" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        n=$(wc -l <"$tmp/out" | tr -d ' ')
        if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
            bad "man example '$line': exit $rc: $(head -n 1 "$tmp/err")"
        elif [ -n "$want" ] && [ "$n" != "$want" ]; then
            bad "man example '$line': $n lines, the man page says $want"
        else
            ok
        fi
    done <"$tmp/examples"
    [ $nex -ge 10 ] || bad "man page: only $nex where examples found"
fi

# ---- 4. agreement with tshark -----------------------------------------------------------------

# sipwhy expression <TAB> tshark display filter of the same meaning (no commas: -z io,stat
# separates filters with them). @T@ is a time inside the capture (whole seconds).
cat >"$tmp/exprs" <<'EOF'
sip.msg.request.method = INVITE	sip.Method == "INVITE"
sip.msg.request.method in (REGISTER, OPTIONS, SUBSCRIBE)	sip.Method == "REGISTER" || sip.Method == "OPTIONS" || sip.Method == "SUBSCRIBE"
sip.msg.request.method != ACK	sip.Method != "ACK"
not sip.msg.request.method = ACK	!(sip.Method == "ACK")
sip.msg.response.code >= 400	sip.Status-Code >= 400
sip.msg.response.code = 2xx	sip.Status-Code >= 200 && sip.Status-Code <= 299
sip.msg.response.code in (401, 407)	sip.Status-Code == 401 || sip.Status-Code == 407
sip.msg.response.code < 200	sip.Status-Code < 200
sip.msg.response.reason ilike "not found|unauthorized"	sip.Status-Line matches "not found|unauthorized"
sip.msg.cseq.method = REGISTER	sip.CSeq.method == "REGISTER"
sip.msg.cseq > 1	sip.CSeq.seq > 1
sip.msg.call-id ilike '^[0-9a-f]{6}'	sip.Call-ID matches "^[0-9a-f]{6}"
sip.msg.call-id contains "@"	sip.Call-ID contains "@"
sip.msg.user-agent ilike asterisk	sip.User-Agent matches "asterisk"
sip.msg.from.user like '^[0-9]+$'	sip.from.user matches "(?-i)^[0-9]+$"
sip.msg.to.user like ^1	sip.to.user matches "^1"
sip.msg.ruri contains "@"	sip.r-uri contains "@"
sip.hdr.Contact	sip.Contact
sip.hdr.Via contains TCP	sip.Via contains "TCP"
sip.hdr.Max-Forwards < 70	sip.Max-Forwards < 70
transport = tcp	tcp
addr = 10.0.0.0/8	ip.addr == 10.0.0.0/8
addr = 192.168.0.0/16 and not addr = 192.168.1.0/24	ip.addr == 192.168.0.0/16 && !(ip.addr == 192.168.1.0/24)
addr = fc00::/7	ipv6.addr == fc00::/7
src.port = 5060	udp.srcport == 5060 || tcp.srcport == 5060
dst.port != 5060	!(udp.dstport == 5060 || tcp.dstport == 5060)
sdp.codec = PCMU	sdp.mime.type == "PCMU" || sdp.media.format == "ITU-T G.711 PCMU"
sdp.media = audio	sdp.media.media == "audio"
sip.msg.body contains "m=audio"	sip contains "m=audio"
sip.msg.body	sip.msg_body
sip.msg.request.method = ACK or sip.msg.request.method = INVITE and sip.msg.cseq = 1	sip.Method == "ACK" || sip.Method == "INVITE" && sip.CSeq.seq == 1
(sip.msg.request.method = ACK or sip.msg.request.method = INVITE) and sip.msg.cseq = 1	(sip.Method == "ACK" || sip.Method == "INVITE") && sip.CSeq.seq == 1
timestamp >= @T@	frame.time_epoch >= @T@
timestamp < @T@ or sip.msg.response.code = 1xx	frame.time_epoch < @T@ || (sip.Status-Code >= 100 && sip.Status-Code <= 199)
EOF

# A representative set: sipp load (9000 messages), TCP streams, IPv6 with fragments, IPv4
# fragments, IP-in-IP, REGISTER/SUBSCRIBE/PUBLISH with challenges, an Asterisk B2BUA, T.38,
# INFO, a 488 codec failure, a capture cut short.
captures="goffinet_sip_captures__branch-scenario-sipp.pcapng
nextcaller_sip-capture__sip-tcp.pcap
slytechs-repos_jnetpcap-legacy__tc_TC_IDPRE_EXT0140.pcap
goffinet_sip_captures__SIP-Call-Flow-Over-TCP.pcap
irontec_sngrep__ipv6frag.pcap
dotpcap_packetnet__udp-ip-fragmented.pcap
sipcapture_heplify__ipip0.pcap
goffinet_sip_captures__sip-register-publish-subscribe-489-401.pcapng
goffinet_sip_captures__sip-register-wrong_password-401-403-401-403.pcapng
goffinet_sip_captures__sip-2phones-B2BUA-Asterisk.pcapng
goffinet_sip_captures__sip-routing-error-wireshark.pcapng
goffinet_sip_captures__private-test-sip-2.pcapng
goffinet_sip_captures__sip-488-Not-Acceptable-Here-codec-null.pcapng
realjimmy_sample-captures__FAX-Call-t38-CA-TDM-SIP-FB-1.pcap
realjimmy_sample-captures__DTMFsipinfo.pcap
ntop_nDPI__sip.pcap
MichalCab_ISA__sip.pcap"

if ! command -v tshark >/dev/null 2>&1; then
    echo "where: tshark agreement skipped: tshark not installed"
elif [ ! -d "$corpus" ]; then
    echo "where: tshark agreement skipped: $corpus not found (set SW_SHARED)"
else
    if [ -n "${WHERE_ALL:-}" ]; then
        captures=$(for g in "$corpus"/*.tshark.tsv; do
            c=$(basename "${g%.tshark.tsv}")
            grep -q "^$c$tab" "$root/tests/e2e/corpus-exceptions.tsv" || echo "$c"
        done)
    fi
    ncap=0
    for name in $captures; do
        cap=$corpus/$name
        gt=$cap.tshark.tsv
        [ -r "$cap" ] && [ -r "$gt" ] || { bad "tshark: $name not in the corpus"; continue; }
        ncap=$((ncap + 1))
        # a whole second inside the capture: the time of its middle message
        t=$(awk -F '\t' 'NR > 1 { e[NR - 1] = $2 } END { n = NR - 1; m = int((n + 1) / 2); split(e[m], p, "."); print p[1] + 1 }' "$gt")
        sed "s/@T@/$t/g" "$tmp/exprs" >"$tmp/e"
        filters=$(awk -F '\t' '{ printf "%s%s", (NR > 1 ? "," : ""), "sip && (" $2 ")" }' "$tmp/e")
        tshark -q -n -r "$cap" -z "io,stat,0,$filters" 2>/dev/null >"$tmp/io"
        # the totals row: | 0.0 <> 36.4 | frames | bytes | frames | bytes | ...
        awk -F '|' '/^\|.*<>/ { row = $0 } END {
                n = split(row, f, "|"); for (i = 3; i < n; i += 2) { gsub(/ /, "", f[i]); print f[i] } }' \
            "$tmp/io" >"$tmp/tcounts"
        if [ ! -s "$tmp/tcounts" ]; then
            # io,stat prints no interval for a capture of one instant: count filter by filter
            while IFS="$tab" read -r e f; do
                tshark -n -r "$cap" -Y "sip && ($f)" -T fields -e frame.number 2>/dev/null | wc -l
            done <"$tmp/e" >"$tmp/tcounts"
        fi
        i=0
        bad_here=0
        while IFS="$tab" read -r e f; do
            i=$((i + 1))
            want=$(sed -n "${i}p" "$tmp/tcounts" | tr -d ' ')
            got=$("$SIPWHY" history -f tsv --where "$e" "$cap" 2>/dev/null | tail -n +2 | wc -l | tr -d ' ')
            [ -n "${WHERE_TABLE:-}" ] && printf '%s\t%s\t%s\t%s\n' "$name" "$e" "$got" "$want"
            if [ "$got" = "$want" ]; then
                ok
            else
                bad "tshark: $name: '$e' selects $got messages, tshark '$f' $want frames"
                bad_here=1
            fi
        done <"$tmp/e"
        [ $bad_here -eq 0 ] && echo "ok   $name: $(wc -l <"$tmp/e" | tr -d ' ') expressions agree with tshark"
    done
    [ $ncap -gt 0 ] || bad "tshark: no capture compared"
fi

# ---- 5. stats, flow, diagnose and show ----------------------------------------------------------
# Every command takes --where and the trailing form, and they agree; stats counts what
# history selects; flow draws only the selected messages; diagnose keeps the findings of
# the selected calls.
x481=$root/examples/481-on-transfer.pcap
same_forms() { # CMD EXPR ARGS...: --where and trailing `where EXPR` print the same
    cmd=$1 expr=$2
    shift 2
    "$SIPWHY" "$cmd" "$@" --where "$expr" >"$tmp/o1" 2>&1
    r1=$?
    "$SIPWHY" "$cmd" "$@" where "$expr" >"$tmp/o2" 2>&1
    r2=$?
    if [ $r1 = $r2 ] && cmp -s "$tmp/o1" "$tmp/o2"; then ok; else bad "$cmd: --where '$expr' and trailing where differ"; fi
}
for e in 'sip.msg.request.method = INVITE' 'sip.msg.call-id = "2-24783@127.0.0.20"' \
         'sip.msg.response.code >= 200' 'number > 4 and number < 9'; do
    same_forms stats "$e" -f json "$example"
    same_forms flow "$e" --ascii --width 100 "$example" 1
    same_forms diagnose "$e" -f json "$x481"
    same_forms show "$e" -f json "$example"
    hist=$("$SIPWHY" history -f tsv --where "$e" "$example" | tail -n +2 | wc -l | tr -d ' ')
    # show: one JSON object per selected message, the same numbers as history
    a=$("$SIPWHY" history -f tsv --where "$e" "$example" | awk -F '\t' 'NR > 1 { printf "%s ", $1 }')
    b=$("$SIPWHY" show -f json --where "$e" "$example" |
        python3 -c 'import json,sys; print("".join("%d " % json.loads(l)["number"] for l in sys.stdin))')
    if [ "$a" = "$b" ]; then ok; else bad "show --where '$e' shows '$b', history lists '$a'"; fi
    st=$("$SIPWHY" stats -f json --where "$e" "$example" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])')
    if [ "$hist" = "$st" ]; then ok; else bad "stats --where '$e' counts $st messages, history lists $hist"; fi
    # flow: the message numbers drawn are those history selects within call 1
    want=$("$SIPWHY" history -f tsv --where "$e" "$example" |
        awk -F '\t' 'NR > 1 && $10 == "1-24783@127.0.0.20" { printf "%s ", $1 }')
    got=$("$SIPWHY" flow --ascii --width 100 --where "$e" "$example" 1 |
        awk 'NR > 2 && $1 ~ /^[0-9]+$/ { printf "%s ", $1 }')
    if [ "$want" = "$got" ]; then ok; else bad "flow --where '$e' draws '$got', history selects '$want'"; fi
done
# stats: calls counted are the calls with a selected message
n=$("$SIPWHY" stats -f json --where 'sip.msg.call-id = "2-24783@127.0.0.20"' "$example" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["calls"]["total"])')
[ "$n" = 1 ] && ok || bad "stats --where on one Call-ID counts $n calls, not 1"
# diagnose: the 481 finding belongs to leg 1; choosing leg 2 alone drops it, leg 1 keeps it
ids() { python3 -c 'import json,sys; print(" ".join(f["id"] for f in json.load(sys.stdin)["findings"]))'; }
got=$("$SIPWHY" diagnose -f json --where 'sip.msg.call-id = "xfer481-leg1@gw"' "$x481" | ids)
[ "$got" = "481-notify-after-subscription-ended" ] && ok || bad "diagnose --where leg1: '$got'"
got=$("$SIPWHY" diagnose -f json --where 'sip.msg.call-id = "xfer481-leg2@gw"' "$x481" | ids)
[ -z "$got" ] && ok || bad "diagnose --where leg2 should find nothing, found '$got'"
got=$("$SIPWHY" diagnose -f json --call xfer481-leg1@gw --where 'sip.msg.request.method = NOTIFY' "$x481" | ids)
[ "$got" = "481-notify-after-subscription-ended" ] && ok || bad "diagnose --call + --where: '$got'"
# errors are reported by every command before any input is read
for cmd in stats flow diagnose show; do
    "$SIPWHY" $cmd --where 'sip.msg.calid = 1' "$tmp/no-such-input.pcap" 1 >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc = 2 ] && grep -q "^sipwhy: error: $cmd: where: unknown field" "$tmp/err"; then ok
    else bad "$cmd: bad where: exit $rc, $(head -1 "$tmp/err")"; fi
done

echo "where: $pass passed, $fail failed"
[ $fail -eq 0 ]
