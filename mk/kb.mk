# kb: the SIP response knowledge base. tools/kbgen (built for the build host,
# never sanitised) validates data/kb/responses.kb and writes it out as C
# tables, which are compiled into libsipwhy.a like any other source.

HOST_CC ?= $(CC)
KBGEN   := $(BUILD)/tools/kbgen
KB_DATA := data/kb/responses.kb

GEN_SRCS += $(BUILD)/gen/kb_data.c

$(KBGEN): tools/kbgen.c
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c17 $(WARN) -O2 -o $@ $<

$(BUILD)/gen/kb_data.c: $(KB_DATA) $(KBGEN)
	@mkdir -p $(dir $@)
	$(KBGEN) $(KB_DATA) $@

.PHONY: kb-check
kb-check: $(KBGEN)
	$(KBGEN) $(KB_DATA) $(BUILD)/gen/kb_data.c
