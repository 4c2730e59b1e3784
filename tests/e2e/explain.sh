#!/bin/sh
# End-to-end test of `sipwhy explain`: codes, status lines, vendor phrases,
# languages, JSON, --method, --list and errors. Needs $SIPWHY (the binary
# under test). Exit 0 pass, 1 fail (every failure is printed), 77 skip.

: "${SIPWHY:?SIPWHY must point at the sipwhy binary}"
[ -x "$SIPWHY" ] || { echo "skip: $SIPWHY is not executable"; exit 77; }

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0

# Keep the default language deterministic unless a test sets it.
LC_ALL=C.UTF-8
LANG=C.UTF-8
export LC_ALL LANG
unset LC_MESSAGES NO_COLOR 2>/dev/null

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# run ARGS...: runs sipwhy explain, stdout in $TMP/out, stderr in $TMP/err, rc in $rc
run() {
    "$SIPWHY" explain "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}

# ok DESC ARGS...: must exit 0 with output and nothing on stderr
ok() {
    desc=$1
    shift
    run "$@"
    [ "$rc" -eq 0 ] || fail "$desc: exit $rc (stderr: $(cat "$TMP/err"))"
    [ -s "$TMP/out" ] || fail "$desc: no output"
    [ -s "$TMP/err" ] && fail "$desc: unexpected stderr: $(cat "$TMP/err")"
}

# has DESC TEXT: the last output contains TEXT (fixed string)
has() {
    grep -qF -- "$2" "$TMP/out" || fail "$1: output lacks '$2'"
}

# hasnt DESC TEXT
hasnt() {
    grep -qF -- "$2" "$TMP/out" && fail "$1: output should not contain '$2'"
}

# usage_error DESC ARGS...: exit 2, one line "sipwhy: error: ..." on stderr, empty stdout
usage_error() {
    desc=$1
    shift
    run "$@"
    [ "$rc" -eq 2 ] || fail "$desc: exit $rc, expected 2"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$desc: expected one stderr line, got: $(cat "$TMP/err")"
    grep -q '^sipwhy: error: ' "$TMP/err" || fail "$desc: stderr not 'sipwhy: error: ...': $(cat "$TMP/err")"
    [ -s "$TMP/out" ] && fail "$desc: stdout should be empty"
}

# json DESC ARGS...: exit 0 and valid JSON (python3 json.tool when available)
json() {
    desc=$1
    shift
    ok "$desc" "$@" --format json
    if command -v python3 >/dev/null 2>&1; then
        python3 -m json.tool <"$TMP/out" >"$TMP/pretty" 2>"$TMP/jerr" ||
            fail "$desc: invalid JSON: $(cat "$TMP/jerr")"
    fi
}

# jfield DESC EXPR EXPECTED: python expression over the parsed document d
jfield() {
    command -v python3 >/dev/null 2>&1 || return 0
    got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); print($2)" "$TMP/out" 2>&1)
    [ "$got" = "$3" ] || fail "$1: $2 is '$got', expected '$3'"
}

# --- codes ---------------------------------------------------------------
ok "481" 481
has "481" "481 Call/Transaction Does Not Exist"
has "481" "RFC 3261"
has "481" "Meaning:"
has "481" "Common causes:"
has "481" "What to check:"
has "481" "BYE:"
has "481" "Call Leg/Transaction Does Not Exist"

for c in 100 180 181 182 183 199 200 202 204 300 301 302 305 380 400 401 402 403 404 405 \
    406 407 408 410 412 413 414 415 416 417 420 421 422 423 424 428 429 430 433 436 437 \
    438 439 440 469 470 480 481 482 483 484 485 486 487 488 489 491 493 494 500 501 502 \
    503 504 505 513 555 580 600 603 604 606 607 608; do
    run "$c"
    [ "$rc" -eq 0 ] || fail "code $c: exit $rc"
    head -1 "$TMP/out" | grep -q "^$c " || fail "code $c: title line is '$(head -1 "$TMP/out")'"
    grep -q 'is not a registered code' "$TMP/out" && fail "code $c: explained as unregistered"
    run "$c" --lang ru
    grep -q 'Значение:' "$TMP/out" || fail "code $c: no Russian text"
done

# --- status lines and phrases -------------------------------------------
ok "status line, one word" "SIP/2.0 403 Wrong Guess"
has "status line" "403 Wrong Guess"
has "status line" "Wrong password"
has "status line" "403 Forbidden"

ok "phrase as several words" 403 Wrong Guess
has "several words" "Wrong password"

ok "phrase, other case and spacing" "sip/2.0 403   WRONG guess  "
has "case-insensitive" "Wrong password"

ok "vendor phrase 488" 488 Private IP Address
has "488 Private IP" "RFC 1918"

ok "vendor phrase with colon" "SIP/2.0 401 AUTH Error: Stall nonce"
has "stall nonce" "NTP"

ok "same phrase, other code" 480 Empty Route Set
has "480 Empty Route Set" "480 Empty Route Set"

ok "variant phrase" "SIP/2.0 481 Call Leg/Transaction Does Not Exist"
has "variant" "RFC 2543"

ok "unknown phrase falls back to the code" 403 Totally Made Up
has "unknown phrase" "403 Forbidden"
has "unknown phrase" "Totally Made Up"
has "unknown phrase" "not in the knowledge base"

ok "unregistered code: class" 499
has "499" "4xx"
has "499" "section 21"
has "499" "400"

ok "unregistered code with vendor phrase" 499 Codec Mismatch
has "499 Codec Mismatch" "vendor"

ok "historic code" 409
has "409" "RFC 2543"

# --- every vendor phrase of the seed ---------------------------------------
while IFS='|' read -r code phrase; do
    [ -n "$code" ] || continue
    run "$code" "$phrase"
    [ "$rc" -eq 0 ] || fail "seed phrase $code $phrase: exit $rc"
    grep -q 'not in the knowledge base' "$TMP/out" && fail "seed phrase $code $phrase: not matched"
    run --format json "SIP/2.0 $code $phrase"
    jfield "seed phrase $code $phrase" "d['match']" "phrase"
done <<'EOF'
401|AUTH Error: Stall nonce
401|Expired Authorization
403|No Such User
403|No license available
403|You
403|User Disabled
403|You do not have the required right
403|Wrong Guess
403|Conflict
403|Empty Route Set
403|Caller Not Registered
403|Out of Look-Ahead Retries
403|Invalid Phone Number
403|No Money Left on RFC Account
404|Undefined Reason
404|Unknown user account
404|Out of Order
406|No codecs match
407|User not found
408|Login timed out
410|No Route
415|No Media
480|Invalid Phone Number
480|Destination Not Found In Client Plan
480|Wrong DB Response
480|DB Timeout
480|Database Error
480|Codec Mismatch
480|No Money Left on RFC Account
480|Empty Route Set
480|No money left
488|Codec Mismatch
488|Private IP Address
499|Codec Mismatch
500|DB Timeout
500|Database Error
500|Wrong DB Response
500|Undefined Reason
500|account has been moved to a remote system
500|Call placing quota exceeded
501|Method Not Supported Here
182|Call is Queued
400|Bad Bequest
401|Unauthorised
414|Request-URI Too Large
416|Unsupported Scheme
480|Temporarily not available
481|Call Leg/Transaction Does Not Exist
481|Call Beg/Transaction Does Not Exist
493|Undeciperable
500|Internal Server Error
504|Gateway Timeout
505|SIP Version not supported
513|Message too big
EOF

# --- languages -----------------------------------------------------------
ok "--lang ru" 481 --lang ru
has "ru" "Значение:"
has "ru" "Что проверить:"
ok "--lang en" --lang en 481
has "en" "Meaning:"
hasnt "en" "Значение"

LC_ALL= LANG=ru_RU.UTF-8 "$SIPWHY" explain 486 >"$TMP/out" 2>"$TMP/err" || fail "LANG=ru: exit $?"
has "LANG=ru default" "Значение:"
LC_ALL= LANG= LC_MESSAGES=ru_RU.UTF-8 "$SIPWHY" explain 486 >"$TMP/out" 2>&1
has "LC_MESSAGES=ru default" "Значение:"
LC_ALL= LANG=ru_RU.UTF-8 "$SIPWHY" explain 486 --lang en >"$TMP/out" 2>&1
has "--lang en beats LANG" "Meaning:"

# Russian output is valid UTF-8 (iconv rejects invalid sequences)
if command -v iconv >/dev/null 2>&1; then
    run --list --lang ru
    iconv -f UTF-8 -t UTF-8 "$TMP/out" >/dev/null 2>&1 || fail "--list --lang ru: invalid UTF-8"
fi

# --- JSON ----------------------------------------------------------------
json "json 481" 481
jfield "json 481" "d['code']" "481"
jfield "json 481" "d['kind']" "code"
jfield "json 481" "d['match']" "code"
jfield "json 481" "d['standard_phrase']" "Call/Transaction Does Not Exist"
jfield "json 481" "len(d['causes']) > 0 and len(d['checks']) > 0" "True"

json "json ru vendor" "SIP/2.0 403 Wrong Guess" --lang ru
jfield "json ru vendor" "d['kind']" "vendor"
jfield "json ru vendor" "d['vendor']" "True"
jfield "json ru vendor" "d['brief']" "Неверный пароль"
jfield "json ru vendor" "d['base']['phrase']" "Forbidden"
# UTF-8 stays as is in JSON (no \u escapes for Cyrillic)
grep -q 'Неверный пароль' "$TMP/out" || fail "json ru: Cyrillic escaped instead of kept as UTF-8"

json "json method" 481 --method bye
jfield "json method" "d['method']" "bye"
jfield "json method" "d['method_note']['method']" "BYE"

json "json class" 499 Something Else
jfield "json class" "d['match']" "class"
jfield "json class" "d['registered']" "False"

json "json list" --list --lang ru
jfield "json list" "len(d) > 100" "True"
jfield "json list" "[e['kind'] for e in d if e['code'] == 403 and e['phrase'] == 'Wrong Guess'][0]" "vendor"

# Hostile input is escaped in JSON and made safe on a terminal.
json "json control bytes" "$(printf '403 Bad\033[31m\tthing')"
if [ -n "$(printf '\033')" ] && grep -q "$(printf '\033')" "$TMP/out"; then
    fail "json: raw ESC in output"
fi
run "$(printf '403 Bad\033[31mthing')"
grep -q "$(printf '\033')" "$TMP/out" && fail "text: raw ESC from input reached the terminal"

# --- --method --------------------------------------------------------------
for m in BYE NOTIFY CANCEL SUBSCRIBE REGISTER INVITE; do
    run 481 --method "$m"
    [ "$rc" -eq 0 ] || fail "481 --method $m: exit $rc"
    cp "$TMP/out" "$TMP/m_$m"
    grep -q "As the answer to $m" "$TMP/out" || fail "481 --method $m: no method section"
done
cmp -s "$TMP/m_BYE" "$TMP/m_NOTIFY" && fail "481: BYE and NOTIFY explanations are the same"
cmp -s "$TMP/m_BYE" "$TMP/m_CANCEL" && fail "481: BYE and CANCEL explanations are the same"
cmp -s "$TMP/m_SUBSCRIBE" "$TMP/m_REGISTER" && fail "481: SUBSCRIBE and REGISTER explanations are the same"
grep -q "SUBSCRIBE" "$TMP/m_REGISTER" || fail "481 --method REGISTER should point at SUBSCRIBE"
grep -qi "duplicate\|retransmission" "$TMP/m_BYE" || fail "481 BYE: no word on duplicates"

for c in 401 407 403 404 408 480 486 487 488 489 491 500 503; do
    run "$c"
    grep -q "Depending on the request it answered" "$TMP/out" || fail "$c: no method notes"
done

ok "method, lower case" 487 --method invite
has "487 invite" "As the answer to INVITE"
ok "method without a note" 486 --method OPTIONS
has "486 OPTIONS" "Nothing specific to OPTIONS"
ok "options after the argument" 401 Unauthorized --method REGISTER --lang ru
has "401 REGISTER ru" "В ответ на REGISTER"
ok "end of options" --lang en -- 403 Wrong Guess
has "--" "Wrong password"

# --- --list and --help ---------------------------------------------------
ok "--list" --list
has "--list" "Wrong Guess"
has "--list" "vendor"
has "--list" "4xx"
[ "$(wc -l <"$TMP/out")" -gt 100 ] || fail "--list: too few lines"
ok "--help" --help
has "--help" "Usage: sipwhy explain"
ok "-h" -h

# --- errors ----------------------------------------------------------------
usage_error "explain 999" 999
usage_error "explain hello" hello
usage_error "explain 7" 7
usage_error "explain 099" 099
usage_error "explain 4810" 4810
usage_error "explain 48x" 48x
usage_error "explain (nothing)"
usage_error "explain SIP/2.0" SIP/2.0
usage_error "explain 'SIP/2.0 hello'" "SIP/2.0 hello"
usage_error "bad --lang" 481 --lang de
usage_error "bad --format" 481 --format tsv
usage_error "unknown option" 481 --bogus
usage_error "missing option value" 481 --method
usage_error "bad method" 481 --method 'B Y E'
usage_error "--list with argument" --list 481
usage_error "too long" "$(printf '403 %02000d' 0)"

if [ "$fails" -ne 0 ]; then
    echo "explain.sh: $fails failure(s)"
    exit 1
fi
echo "explain.sh: all passed"
exit 0
