# Benchmarks (docs/BENCH.md): sipwhy against tshark and sngrep on a generated capture.
#
#   make bench                  standard SIP-only capture (gen_pcap.py --calls 206000,
#                               ~1.08 GB, written once into bench/data/), 3 runs per tool
#   make bench BENCH_QUICK=1    the ~105 MB --calls 20000 capture, 1 run per tool
#   make bench BENCH_TOOLS=sipwhy   only some tools (comma-separated)
#   make bench-rtp [BENCH_QUICK=1]  sipwhy rtp vs tshark -z rtp,streams and a bare libpcap
#                               loop on the SIP+RTP capture (12000 calls, ~2.1 GB; quick 1200)
#   make bench-callgrind        instructions and instructions/message of sipwhy under
#                               callgrind on a --calls 2000 capture (repeatable numbers)
#
# BIN is defined after mk/*.mk are included, so the binary is named through BUILD here.
# Never run two benchmarks at once: each measurement assumes a quiet machine.

SW_SHARED   ?= ../shared
BENCH_DATA  ?= bench/data
BENCH_TOOLS ?= sipwhy,tshark,sngrep
BENCH_ARGS  ?=
BENCH_PY     = python3 bench/bench.py --sipwhy $(abspath $(BUILD)/sipwhy) \
               --data $(BENCH_DATA) --gen $(SW_SHARED)/bench/gen_pcap.py

.PHONY: bench bench-callgrind bench-rtp bench-deps

# the peers and valgrind, installed as the build's packages are (scripts/deps.sh)
bench-deps:
	@sh scripts/deps.sh bench

bench: bench-deps $(BUILD)/sipwhy
	$(BENCH_PY) $(if $(filter 1,$(BENCH_QUICK)),--quick) --tools $(BENCH_TOOLS) $(BENCH_ARGS)

# sipwhy rtp against tshark -z rtp,streams and bench/pcap_loop (a bare libpcap loop)
bench-rtp: bench-deps $(BUILD)/sipwhy $(BUILD)/pcap_loop
	$(BENCH_PY) --rtp $(if $(filter 1,$(BENCH_QUICK)),--quick) $(BENCH_ARGS)

$(BUILD)/pcap_loop: bench/pcap_loop.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $< $(shell pkg-config --libs libpcap)

bench-callgrind: bench-deps $(BUILD)/sipwhy
	$(BENCH_PY) --callgrind $(BENCH_ARGS)
