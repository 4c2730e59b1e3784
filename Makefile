# sipwhy — GNU make build.
#
#   make            build build/sipwhy and build/libsipwhy.a
#   make demo       install missing Debian packages (as root), build, diagnose examples/
#   make check      install missing packages, build, run every test, then again under ASan+UBSan
#   make test       run the tests of the current build tree only
#   make bench      measure sipwhy against tshark and sngrep (see bench/README.md)
#   make fuzz       run every libFuzzer target (FUZZ_SECONDS each, default 60)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every src/<stage>/*.c except src/cli/main.c goes into libsipwhy.a; every
# tests/<stage>/test_*.c is one cmocka binary linked against it. Fragments in
# mk/*.mk add generated sources and extra targets.

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
PKGS     := libpcap libpcre2-8 zlib

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla -Werror
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
ALL_CFLAGS = -std=c17 $(WARN) $(CFLAGS) $(SANFLAGS) -Isrc -I$(BUILD)/gen \
             -DSW_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# ncursesw (the TUI) is linked, its flags are not passed to every file: its
# pkg-config --cflags sets _XOPEN_SOURCE for all of them.
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(shell pkg-config --libs ncursesw 2>/dev/null) -lm
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

LIB_SRCS  := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
GEN_SRCS  :=
TEST_SRCS := $(wildcard tests/*/test_*.c)

-include $(sort $(wildcard mk/*.mk))

LIB_OBJS  = $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_SRCS))
TEST_BINS = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
LIB       = $(BUILD)/libsipwhy.a
BIN       = $(BUILD)/sipwhy

.PHONY: all deps demo check test unit e2e bench fuzz install clean asan
.DEFAULT_GOAL := all

all: $(BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/src/cli/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Itests -o $@ $< $(LIB) $(CMOCKA_LIBS) $(LDLIBS)

deps:
	@sh scripts/deps.sh

# Unit tests: every cmocka binary; e2e: every tests/e2e/*.sh with SIPWHY set.
unit: $(TEST_BINS)
	@sh scripts/run-unit.sh $(TEST_BINS)

e2e: $(BIN)
	@SIPWHY=$(abspath $(BIN)) BUILD=$(abspath $(BUILD)) SW_SAN=$(SAN) sh scripts/run-e2e.sh

test: unit e2e

# Not in check: ten minutes of sipp at a steady rate watched by `sipwhy live
# --max-memory 8` (tests/e2e/live_evict.sh, which check runs for 25 s), beside a
# run without a bound for comparison.
soak: deps $(BIN)
	@SIPWHY=$(abspath $(BIN)) EVICT_SECONDS=$${SOAK_SECONDS:-600} EVICT_RATE=30 EVICT_HOLD=2000 \
	    EVICT_MEM=8 EVICT_SETTLE=32 EVICT_SAMPLE=10 EVICT_RSS_SLACK=16 EVICT_SPLIT_SAMPLE=20 \
	    EVICT_CONTRAST=1 sh tests/e2e/live_evict.sh

asan:
	$(MAKE) BUILD=build-asan SAN=1 OPT='-O1 -g' test

check: deps
	$(MAKE) test
	$(MAKE) asan
	$(MAKE) fuzz-smoke
	@echo "check: all test suites passed (normal and ASan+UBSan builds, $(FUZZ_SMOKE_SECONDS) s of fuzzing per target)"

# Diagnoses every sample capture. Exit status 1 means "problems found",
# which is what the samples are for; only 2 (usage/input error) fails.
demo: deps
	$(MAKE) all
	@for f in examples/*.pcap*; do \
	    echo "== sipwhy $$f"; ./$(BIN) "$$f"; rc=$$?; [ $$rc -le 1 ] || exit $$rc; echo; \
	done

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sipwhy
	install -m 644 docs/sipwhy.1 $(DESTDIR)$(PREFIX)/share/man/man1/sipwhy.1

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
