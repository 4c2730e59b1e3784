# Benchmarks (docs/BENCH.md): sipwhy against tshark and sngrep on a generated capture.
#
#   make bench                  standard SIP-only capture (gen_pcap.py --calls 206000,
#                               ~1.08 GB, written once into bench/data/), 3 runs per tool
#   make bench BENCH_QUICK=1    the ~105 MB --calls 20000 capture, 1 run per tool
#   make bench BENCH_TOOLS=sipwhy   only some tools (comma-separated)
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

.PHONY: bench bench-callgrind

bench: $(BUILD)/sipwhy
	$(BENCH_PY) $(if $(filter 1,$(BENCH_QUICK)),--quick) --tools $(BENCH_TOOLS) $(BENCH_ARGS)

bench-callgrind: $(BUILD)/sipwhy
	$(BENCH_PY) --callgrind $(BENCH_ARGS)
