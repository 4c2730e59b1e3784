#!/bin/sh
# hostile.sh - hostile-input tests (tests/e2e/hostile.py has the list and the checks):
# a million Call-IDs, 10,000 headers, 100,000 fragments that never complete, TCP without
# Content-Length or an end, tiny segments, snaplen cuts, NUL and non-UTF-8 bytes in every
# field, lying pcap record lengths, every --limit bound. Run by `make test` and again by
# `make asan` (SW_SAN=1: the memory figure is then reported, not checked).
# Environment: SIPWHY (default build/sipwhy), HOSTILE_CASES (default: all).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPWHY=${SIPWHY:-$root/build/sipwhy}
[ -x "$SIPWHY" ] || { echo "hostile: FAIL: sipwhy binary $SIPWHY not found"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "hostile: skipped: python3 not found"; exit 77; }
exec python3 "$root/tests/e2e/hostile.py" "$SIPWHY" ${HOSTILE_CASES:-}
