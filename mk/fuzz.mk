# Fuzzing: every fuzz/fuzz_*.c is a libFuzzer target.
#
#   make fuzz          build every target, run each for FUZZ_SECONDS (60)
#   make fuzz-smoke    the same for FUZZ_SMOKE_SECONDS (30) each
#   make fuzz-build    build only
#   make fuzz-run-NAME run one target (NAME = fuzz_capture, ...) for FUZZ_SECONDS
#
# Targets are built with clang, -fsanitize=fuzzer,address,undefined, into
# build-fuzz/ (the library sources are compiled again with the same
# instrumentation; nothing from build/ is reused). A target links the whole
# library as an archive (only the objects it needs are pulled in), or, when
# FUZZ_LIB_<name> names its sources, just those: the capture and decode
# targets build even while another stage of the library does not.
#
# Corpora: build-fuzz/corpus/NAME/ (kept between runs; new inputs go there),
# seeded from the shared corpus: captures ($(SW_SHARED)/corpus/public) for
# fuzz_capture and fuzz_decode, RFC 4475 messages ($(SW_SHARED)/corpus/rfc4475)
# for fuzz_sip and fuzz_sdp, fuzz/corpus/NAME/ for any other target that has
# one. Crashes are written to build-fuzz/artifacts/. A run that finds a crash
# fails the make; turn the reproducer into a unit test.

FUZZ_CC            ?= clang
FUZZ_BUILD         ?= build-fuzz
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_ARGS          ?=
SW_SHARED          ?= ../shared

FUZZ_SAN    := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c17 $(WARN) -O1 -g -fno-omit-frame-pointer -Isrc -I$(BUILD)/gen \
               -DSW_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The library objects get coverage instrumentation but no libFuzzer main.
FUZZ_OBJ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_NAMES))
FUZZ_LIB  := $(FUZZ_BUILD)/libsipwhy-fuzz.a

# Sources of the targets that do not need the whole library.
FUZZ_LIB_fuzz_capture := src/base/base.c src/capture/capture.c
FUZZ_LIB_fuzz_decode  := src/base/base.c src/capture/capture.c src/decode/decode.c

# Seeds and options per target.
FUZZ_SEEDS_fuzz_capture := $(SW_SHARED)/corpus/public
FUZZ_SEEDS_fuzz_decode  := $(SW_SHARED)/corpus/public
FUZZ_SEEDS_fuzz_sip     := $(SW_SHARED)/corpus/rfc4475
FUZZ_SEEDS_fuzz_sdp     := $(SW_SHARED)/corpus/rfc4475
FUZZ_OPTS_fuzz_capture  := -max_len=65536
FUZZ_OPTS_fuzz_decode   := -max_len=65536

fuzz_seeds = $(or $(FUZZ_SEEDS_$(1)),fuzz/corpus/$(1))
fuzz_obj   = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(patsubst $(BUILD)/gen/%,gen/%,$(1)))
# Objects (or the archive) a target links; evaluated after every mk/*.mk is read.
fuzz_deps  = $(if $(FUZZ_LIB_$(1)),$(call fuzz_obj,$(FUZZ_LIB_$(1))),$(FUZZ_LIB))

.PHONY: fuzz fuzz-smoke fuzz-build $(addprefix fuzz-run-,$(FUZZ_NAMES))

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_OBJ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_OBJ_SAN) -MMD -MP -c $< -o $@

# GEN_SRCS is completed by mk/*.mk files read after this one: expand the
# archive's and the targets' prerequisites once everything has been read.
.SECONDEXPANSION:

$(FUZZ_LIB): $$(call fuzz_obj,$$(LIB_SRCS) $$(GEN_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_BUILD)/%: fuzz/%.c $$(call fuzz_deps,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $< $(call fuzz_deps,$*) $(LDLIBS)

# fuzz-run-NAME: copy the seeds (only files libFuzzer should read: no ground
# truth .tsv, no notes) into the target's corpus, then fuzz for FUZZ_SECONDS.
$(addprefix fuzz-run-,$(FUZZ_NAMES)): fuzz-run-%: $(FUZZ_BUILD)/%
	@mkdir -p $(FUZZ_BUILD)/corpus/$* $(FUZZ_BUILD)/artifacts
	@seeds='$(call fuzz_seeds,$*)'; if [ -d "$$seeds" ]; then \
	    find "$$seeds" -maxdepth 1 -type f ! -name '*.tsv' ! -name '*.md' ! -name 'SHA256SUMS' \
	        -exec cp -n {} $(FUZZ_BUILD)/corpus/$*/ \; ; \
	    chmod u+w $(FUZZ_BUILD)/corpus/$*/* 2>/dev/null || true; \
	else echo "fuzz: $*: no seeds at $$seeds"; fi
	./$(FUZZ_BUILD)/$* -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$*- \
	    $(FUZZ_OPTS_$*) $(FUZZ_ARGS) $(FUZZ_BUILD)/corpus/$*

fuzz: fuzz-build
	@for t in $(FUZZ_NAMES); do \
	    $(MAKE) --no-print-directory fuzz-run-$$t FUZZ_SECONDS=$(FUZZ_SECONDS) || exit 1; \
	done

fuzz-smoke: fuzz-build
	@for t in $(FUZZ_NAMES); do \
	    $(MAKE) --no-print-directory fuzz-run-$$t FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) || exit 1; \
	done

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
