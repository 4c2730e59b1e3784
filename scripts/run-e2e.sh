#!/bin/sh
# Runs every tests/e2e/*.sh with SIPWHY pointing at the binary under test.
# A script exits 0 (pass), 77 (skipped: says why on stdout) or other (fail).
# E2E_ONLY=substring runs the matching scripts only.
pass=0; fail=0; skip=0; failed=""
for t in tests/e2e/*.sh; do
    [ -e "$t" ] || continue
    # lib_*.sh are sourced by tests; tshark_*.sh are tools tests call
    case ${t##*/} in lib_*|tshark_*) continue ;; esac
    case $t in *"${E2E_ONLY:-}"*) ;; *) continue ;; esac
    echo "--- $t"
    sh "$t"; rc=$?
    case $rc in
        0) pass=$((pass+1)) ;;
        77) skip=$((skip+1)) ;;
        *) fail=$((fail+1)); failed="$failed $t" ;;
    esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed:$failed" >&2; exit 1; }
