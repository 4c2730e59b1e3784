#!/bin/sh
# Runs each cmocka test binary; prints one summary line; fails if any failed.
pass=0; fail=0; failed=""
for t in "$@"; do
    if "$t"; then pass=$((pass+1)); else fail=$((fail+1)); failed="$failed $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ] || { echo "failed:$failed" >&2; exit 1; }
