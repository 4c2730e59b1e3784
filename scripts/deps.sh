#!/bin/sh
# Installs the Debian packages sipwhy's build and tests need, if any is missing
# (with the argument "bench", also what the benchmarks run: the peer sngrep and
# valgrind for bench-callgrind). As root it runs apt-get; otherwise it prints
# the command to run and fails.
BUILD_PKGS="make gcc clang pkg-config libpcap-dev libpcre2-dev zlib1g-dev libcmocka-dev libclang-rt-14-dev libncurses-dev"
TEST_PKGS="tshark tcpdump sip-tester kamailio baresip-core iproute2 python3 procps sox tmux"
BENCH_PKGS=""
[ "${1:-}" = bench ] && BENCH_PKGS="sngrep valgrind"
missing=""
for p in $BUILD_PKGS $TEST_PKGS $BENCH_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null || {
        echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
else
    echo "deps: missing Debian packages; run:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
