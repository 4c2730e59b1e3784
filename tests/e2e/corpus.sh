#!/bin/sh
# corpus.sh - end-to-end check of `sipwhy history --format tsv` against tshark on every
# public capture in $SW_SHARED/corpus/public that has a CAPTURE.tshark.tsv ground truth.
#
# For each capture: run sipwhy, then tests/e2e/tsvdiff.py with the file's rows of
# tests/e2e/corpus-exceptions.tsv; print "ok NAME" or "FAIL NAME: reason" (+ the diff);
# end with "corpus: P passed, F failed". tshark is never run here: the ground truth is the
# committed .tsv (tests/e2e/tshark_gt.sh rebuilds it). docs/internals/testing-corpus.md
# explains the exceptions and how to add a capture.
#
# A capture with an "unreadable" exception must be refused by sipwhy with exit 2 and a
# one-line "sipwhy: error: ..." message; once sipwhy reads it the exception goes stale and
# the file fails until the exception is removed (and the rows then have to match).
#
# Environment: SIPWHY (default build/sipwhy), SW_SHARED (default ../shared from the repo
# root), CORPUS_ONLY=substring to run the matching captures only, CORPUS_MAX=N diff lines.
# Exit: 0 all passed, 1 a capture failed, 77 corpus not found (skipped).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
SW_SHARED=${SW_SHARED:-$root/../shared}
SW_SHARED=$(cd "$SW_SHARED" 2>/dev/null && pwd || echo "$SW_SHARED")
corpus=$SW_SHARED/corpus/public
here=$root/tests/e2e
exc=$here/corpus-exceptions.tsv
max=${CORPUS_MAX:-10}

if [ ! -d "$corpus" ]; then
    echo "corpus: skipped: $corpus not found (set SW_SHARED)"
    exit 77
fi
if [ ! -x "$SIPWHY" ]; then
    echo "corpus: FAIL: sipwhy binary $SIPWHY not found (build it or set SIPWHY)"
    exit 1
fi
command -v python3 >/dev/null 2>&1 || { echo "corpus: FAIL: python3 not found"; exit 1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
failed=""
for gt in "$corpus"/*.tshark.tsv; do
    [ -e "$gt" ] || continue
    cap=${gt%.tshark.tsv}
    name=$(basename "$cap")
    case $name in *"${CORPUS_ONLY:-}"*) ;; *) continue ;; esac
    if [ ! -e "$cap" ]; then
        echo "FAIL $name: capture missing (ground truth without capture)"
        fail=$((fail + 1)); failed="$failed $name"; continue
    fi
    "$SIPWHY" history --format tsv "$cap" >"$tmp/out.tsv" 2>"$tmp/err"
    rc=$?
    unreadable=$(awk -F '\t' -v n="$name" '$1 == n && $2 == "unreadable" { print $6; exit }' "$exc" 2>/dev/null)
    why=""
    if grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation|core dumped' "$tmp/err"; then
        why="sanitizer / crash output on stderr"
    elif [ $rc -ge 128 ]; then
        why="killed by signal $((rc - 128))"
    elif [ -n "$unreadable" ]; then
        # sipwhy is expected to refuse this file cleanly.
        if [ $rc -eq 0 ] || [ $rc -eq 1 ]; then
            why="stale 'unreadable' exception: sipwhy now reads it (exit $rc); remove the exception"
        elif [ $rc -ne 2 ]; then
            why="expected exit 2 (cannot read: $unreadable), got $rc"
        elif [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^sipwhy: error: ' "$tmp/err"; then
            why="expected one 'sipwhy: error: ...' line on stderr, got: $(head -c 300 "$tmp/err")"
        else
            echo "ok   $name (excused as unreadable; $(cut -c1-160 "$tmp/err"))"
            pass=$((pass + 1))
            continue
        fi
    elif [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        why="sipwhy exited $rc: $(head -c 300 "$tmp/err")"
    fi
    if [ -z "$why" ]; then
        python3 "$here/tsvdiff.py" --max "$max" --allow-file "$exc" --name "$name" \
            "$gt" "$tmp/out.tsv" >"$tmp/diff" 2>&1
        drc=$?
        if [ $drc -eq 0 ]; then
            n=$(sed -n '1s/.*, \([0-9]*\) excused,.*/\1/p' "$tmp/diff")
            extra=""
            [ "${n:-0}" != 0 ] && extra=" ($n difference(s) excused, see corpus-exceptions.tsv)"
            [ -s "$tmp/err" ] && extra="$extra [stderr: $(head -n 1 "$tmp/err" | cut -c1-120)]"
            echo "ok   $name$extra"
            pass=$((pass + 1))
            continue
        fi
        why=$(head -n 1 "$tmp/diff")
        [ -s "$tmp/err" ] && why="$why [sipwhy stderr: $(head -n 1 "$tmp/err" | cut -c1-200)]"
        echo "FAIL $name: $why"
        sed 1d "$tmp/diff"
    else
        echo "FAIL $name: $why"
    fi
    fail=$((fail + 1))
    failed="$failed $name"
done

# An exception for a file that is not in the corpus is a mistake too.
if [ -f "$exc" ]; then
    # shellcheck disable=SC2013  # capture names have no blanks
    for f in $(awk -F '\t' '!/^#/ && NF && $1 != "file" { print $1 }' "$exc" | sort -u); do
        case $f in *"${CORPUS_ONLY:-}"*) ;; *) continue ;; esac
        if [ ! -e "$corpus/$f.tshark.tsv" ]; then
            echo "FAIL $f: corpus-exceptions.tsv names a capture that is not in the corpus"
            fail=$((fail + 1)); failed="$failed $f"
        fi
    done
fi

echo "corpus: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "corpus: failed:$failed" >&2; exit 1; }
exit 0
