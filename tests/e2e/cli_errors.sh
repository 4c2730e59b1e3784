#!/bin/sh
# cli_errors.sh - bad input and bad usage never crash sipwhy, and each gives one clear
# line on stderr and the documented exit code (0 ok, 1 problems / partial input,
# 2 usage error or unreadable input).
#
# Cases: empty file, text file, directory, gzip of garbage, pcap cut inside its file
# header, nonexistent file, unknown command, unknown option, history without input,
# --help, --version; and damaged captures that still hold packets: a pcap cut in the
# middle of a record, a pcap cut inside a record header, a pcapng cut in the middle of a
# packet block. Those must list every SIP message before the cut (checked against
# tshark's ground truth with tsvdiff.py), warn in one stderr line that names the file and
# where it broke, and exit 0 or 1.
#
# Environment: SIPWHY (default build/sipwhy), SW_SHARED (default ../shared).
# Exit: 0 all passed, 1 a case failed, 77 skipped (corpus not found).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
SW_SHARED=${SW_SHARED:-$root/../shared}
SW_SHARED=$(cd "$SW_SHARED" 2>/dev/null && pwd || echo "$SW_SHARED")
corpus=$SW_SHARED/corpus/public
here=$root/tests/e2e

if [ ! -x "$SIPWHY" ]; then
    echo "cli_errors: FAIL: sipwhy binary $SIPWHY not found (build it or set SIPWHY)"
    exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# run NAME ARGS...: runs sipwhy with stdin from /dev/null; sets rc, out, err files.
run() {
    "$SIPWHY" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

# crashed: non-empty reason when the last run crashed or a sanitizer spoke.
crashed() {
    if [ $rc -ge 128 ]; then
        echo "killed by signal $((rc - 128))"
    elif grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation|core dumped|Aborted' "$tmp/err"; then
        echo "sanitizer/crash output: $(head -c 200 "$tmp/err")"
    fi
}

errlines() { wc -l <"$tmp/err" | tr -d ' '; }
# A stderr with text but no final newline still counts as one line.
errcount() {
    n=$(errlines)
    if [ "$n" = 0 ] && [ -s "$tmp/err" ]; then n=1; fi
    echo "$n"
}

# expect_error NAME WANT_RC PREFIX ARGS...: one stderr line starting with PREFIX, exit WANT_RC.
expect_error() {
    name=$1 want=$2 prefix=$3
    shift 3
    run "$@"
    c=$(crashed)
    if [ -n "$c" ]; then bad "$name" "$c"; return; fi
    if [ $rc -ne "$want" ]; then
        bad "$name" "exit $rc, expected $want; stderr: $(head -c 200 "$tmp/err")"
        return
    fi
    n=$(errcount)
    if [ "$n" != 1 ]; then
        bad "$name" "stderr has $n lines, expected exactly one: $(head -c 300 "$tmp/err" | tr '\n' '|')"
        return
    fi
    case $(cat "$tmp/err") in
        "$prefix"*) ok "$name: $(cat "$tmp/err")" ;;
        *) bad "$name" "stderr does not start with '$prefix': $(cat "$tmp/err")" ;;
    esac
}

# expect_ok NAME ARGS...: exit 0, something on stdout, nothing on stderr.
expect_ok() {
    name=$1
    shift
    run "$@"
    c=$(crashed)
    if [ -n "$c" ]; then bad "$name" "$c"; return; fi
    if [ $rc -ne 0 ]; then bad "$name" "exit $rc, expected 0; stderr: $(head -c 200 "$tmp/err")"; return; fi
    if [ ! -s "$tmp/out" ]; then bad "$name" "nothing on stdout"; return; fi
    if [ -s "$tmp/err" ]; then bad "$name" "unexpected stderr: $(head -c 200 "$tmp/err")"; return; fi
    ok "$name"
}

# ---- usage
expect_ok "--help" --help
expect_ok "--version" --version
expect_error "unknown command" 2 "sipwhy: " no-such-command-xyz
expect_error "unknown option" 2 "sipwhy: " --no-such-option-xyz
expect_error "history: unknown option" 2 "sipwhy: " history --no-such-option-xyz "$tmp/none.pcap"
expect_error "history: bad --format value" 2 "sipwhy: " history --format nosuchformat "$tmp/none.pcap"
expect_error "history without input" 2 "sipwhy: " history

# ---- unreadable input: exit 2, "sipwhy: error: FILE: reason"
: >"$tmp/empty.pcap"
expect_error "empty file" 2 "sipwhy: error: $tmp/empty.pcap: " history --format tsv "$tmp/empty.pcap"
printf 'INVITE sip:bob@example.com SIP/2.0\r\nthis is a text file, not a capture\n' >"$tmp/text.pcap"
expect_error "text file" 2 "sipwhy: error: $tmp/text.pcap: " history --format tsv "$tmp/text.pcap"
expect_error "nonexistent file" 2 "sipwhy: error: $tmp/does-not-exist.pcap: " history --format tsv "$tmp/does-not-exist.pcap"
mkdir "$tmp/dir.pcap"
expect_error "directory" 2 "sipwhy: error: $tmp/dir.pcap: " history --format tsv "$tmp/dir.pcap"
printf 'this is not a capture file either\n' | gzip -c >"$tmp/garbage.pcap.gz"
expect_error "gzip of a text file" 2 "sipwhy: error: $tmp/garbage.pcap.gz: " history --format tsv "$tmp/garbage.pcap.gz"
yes "not a capture" | head -c 30000 | gzip -c | head -c 40 >"$tmp/cutgzip.pcap.gz"
expect_error "truncated gzip of text" 2 "sipwhy: error: $tmp/cutgzip.pcap.gz: " history --format tsv "$tmp/cutgzip.pcap.gz"

if [ ! -d "$corpus" ]; then
    echo "cli_errors: corpus $corpus not found: damaged-capture cases skipped"
    echo "cli_errors: $pass passed, $fail failed"
    [ $fail -eq 0 ] || exit 1
    exit 0
fi

# A pcap cut inside its 24-byte file header: nothing can be read.
cap=$corpus/irontec_sngrep__aaa.pcap
head -c 10 "$cap" >"$tmp/hdr.pcap"
expect_error "pcap cut inside the file header" 2 "sipwhy: error: $tmp/hdr.pcap: " history --format tsv "$tmp/hdr.pcap"

# A capture with a valid header and no packet at all is not an error.
head -c 24 "$cap" >"$tmp/nopackets.pcap"
run history --format tsv "$tmp/nopackets.pcap"
c=$(crashed)
if [ -n "$c" ]; then bad "pcap with no packets" "$c"
elif [ $rc -ne 0 ]; then bad "pcap with no packets" "exit $rc, expected 0; stderr: $(head -c 200 "$tmp/err")"
elif [ "$(wc -l <"$tmp/out")" -ne 1 ]; then bad "pcap with no packets" "expected the TSV header only, got $(wc -l <"$tmp/out") lines"
else ok "pcap with no packets (header only, exit 0)"
fi

# cutpoint FILE FRAME MODE: byte offset at which to cut FILE so that frame FRAME (1-based)
# is damaged: MODE "data" = middle of the packet bytes, "header" = inside the record
# header (pcap) . Handles classic pcap (either byte order) and pcapng.
cutpoint() {
    python3 - "$@" <<'EOF'
import struct, sys
path, frame, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
b = open(path, 'rb').read()
magic = b[:4]
if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
    e = '<' if magic[0] in (0xd4, 0x4d) else '>'
    off, n = 24, 0
    while off + 16 <= len(b):
        n += 1
        caplen = struct.unpack(e + 'I', b[off + 8:off + 12])[0]
        if n == frame:
            print(off + 7 if mode == 'header' else off + 16 + caplen // 2)
            sys.exit(0)
        off += 16 + caplen
elif magic == b'\x0a\x0d\x0d\x0a':
    e = '<' if b[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
    off, n = 0, 0
    while off + 12 <= len(b):
        btype, blen = struct.unpack(e + 'II', b[off:off + 8])
        if btype in (2, 3, 6):
            n += 1
            if n == frame:
                print(off + 7 if mode == 'header' else off + blen // 2)
                sys.exit(0)
        off += blen
sys.exit('cutpoint: frame %d not found in %s' % (frame, path))
EOF
}

# truncated NAME CAPTURE NTH MODE: cut CAPTURE inside the frame of its NTH SIP message.
truncated() {
    name=$1 src=$2 nth=$3 mode=$4
    gt=$src.tshark.tsv
    [ -f "$gt" ] || { bad "$name" "ground truth $gt missing"; return; }
    frame=$(awk -F '\t' -v n=$((nth + 1)) 'NR == n { print $1 }' "$gt")
    at=$(cutpoint "$src" "$frame" "$mode") || { bad "$name" "cannot compute the cut"; return; }
    out=$tmp/cut.${src##*.}
    head -c "$at" "$src" >"$out"
    # Expected: every SIP message of a frame before the damaged one.
    awk -F '\t' -v f="$frame" 'NR == 1 || $1 < f' "$gt" >"$tmp/want.tsv"
    run history --format tsv "$out"
    c=$(crashed)
    if [ -n "$c" ]; then bad "$name" "$c"; return; fi
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        bad "$name" "exit $rc, expected 0 or 1 (packets before the cut are readable); stderr: $(head -c 200 "$tmp/err")"
        return
    fi
    n=$(errcount)
    if [ "$n" != 1 ]; then
        bad "$name" "stderr has $n lines, expected one warning: $(head -c 300 "$tmp/err" | tr '\n' '|')"
        return
    fi
    case $(cat "$tmp/err") in
        *"$out"*[0-9]*) ;;
        *) bad "$name" "warning should name the file and where it broke: $(cat "$tmp/err")"; return ;;
    esac
    if ! python3 "$here/tsvdiff.py" "$tmp/want.tsv" "$tmp/out" >"$tmp/diff" 2>&1; then
        bad "$name" "messages before the cut (frame $frame, byte $at) differ from tshark: $(head -n 4 "$tmp/diff" | tr '\n' '|')"
        return
    fi
    ok "$name: $(($(wc -l <"$tmp/want.tsv") - 1)) messages before the cut, exit $rc; $(cat "$tmp/err")"
}

truncated "pcap cut in the middle of a record" "$corpus/irontec_sngrep__aaa.pcap" 41 data
truncated "pcap cut inside a record header" "$corpus/irontec_sngrep__aaa.pcap" 41 header
truncated "pcapng cut in the middle of a packet block" "$corpus/goffinet_sip_captures__sip-flow-private.pcapng" 20 data
truncated "pcap (TCP) cut in the middle of a record" "$corpus/nextcaller_sip-capture__sip-tcp.pcap" 11 data

echo "cli_errors: $pass passed, $fail failed"
[ $fail -eq 0 ] || exit 1
exit 0
