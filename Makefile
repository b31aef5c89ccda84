# synfin: plain GNU make. `make`, `make test`, `make SAN=address,undefined test`,
# `make fuzz`, `make bench`, `make install`. Objects live in $(BUILD).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
SAN     ?=
V       ?= 0
WERROR  ?= 0
SHARED  ?= ../shared
comma   := ,

ifneq ($(SAN),)
  # A sanitizer build never shares objects with the plain one, even when
  # BUILD is given on the command line.
  override BUILD := $(BUILD)/san-$(subst $(comma),-,$(SAN))
  SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC      ?= cc
PKGS    := libpcap cmocka
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wformat=2
ifeq ($(WERROR),1)
  WARN += -Werror
endif
PCAP_CFLAGS := $(shell pkg-config --cflags libpcap 2>/dev/null)
PCAP_LIBS   := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
LIBNET_CFLAGS := $(shell libnet-config --defines --cflags 2>/dev/null)
LIBNET_LIBS   := $(shell libnet-config --libs 2>/dev/null || echo -lnet)

ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -pthread $(WARN) $(CFLAGS) $(SANFLAGS) -I. $(PCAP_CFLAGS) -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread

ifeq ($(V),0)
  Q := @
  say = @printf '  %-6s %s\n' $(1) $(2);
else
  Q :=
  say =
endif

DECODE_SRCS  := $(wildcard decode/*.c)
CAPTURE_SRCS := $(wildcard capture/*.c)
CLI_SRCS     := $(filter-out cli/main.c,$(wildcard cli/*.c))
CRAFT_SRCS   := $(wildcard craft/*.c)
LIB_SRCS     := $(DECODE_SRCS) $(CAPTURE_SRCS) $(CLI_SRCS) $(CRAFT_SRCS)
LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB          := $(BUILD)/libsynfin.a
PROG         := $(BUILD)/synfin

TEST_SRCS    := $(wildcard tests/test_*.c)
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOL_SRCS    := tests/corpus_diff.c tests/zeek_conformance.c
TOOL_SRCS    += tests/tshark_analysis.c
TOOL_BINS    := $(TOOL_SRCS:tests/%.c=$(BUILD)/tests/%)

FUZZ_SRCS    := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)

DEPS_BUILD := gcc make pkg-config libpcap-dev libnet1-dev
DEPS_TEST  := libcmocka-dev jq nftables iproute2
DEPS_FUZZ  := clang libclang-rt-14-dev
DEPS_BENCH := tcpdump tcptrace hping3
DEPS_LINT  := clang-format
DEPS_TSHARK := tshark
DEPS_ALL   := $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_TSHARK) $(DEPS_FUZZ) $(DEPS_BENCH) $(DEPS_LINT)

.PHONY: demo fixtures live all check test unit golden corpus fuzz fuzz-run bench install uninstall clean deps \
	deps-build deps-test deps-fuzz deps-bench lint format format-check

all: $(PROG)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

# libnet's headers want its own defines; only the crafter includes them.
$(CRAFT_SRCS:%.c=$(BUILD)/%.o): ALL_CFLAGS += $(LIBNET_CFLAGS)

$(LIB): $(LIB_OBJS)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(PROG): $(BUILD)/cli/main.o $(LIB)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PCAP_LIBS) $(LIBNET_LIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(CMOCKA_LIBS) $(PCAP_LIBS) $(LIBNET_LIBS)

# The main job: the bundled pair on lo, captured, decoded, drawn, reported
# beside the kernel's view (`synfin demo`; needs root to capture).
demo: deps-build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PROG) demo

# Regenerates pcaps/pair-*.pcap from the real pair on lo (root), then their
# golden files: read `git diff pcaps/` before committing them.
fixtures: $(PROG)
	$(Q)SYNFIN=$(PROG) sh tests/make_pair_fixtures.sh

# --- tests -----------------------------------------------------------------

# Packages first, then the build: under -j the two must not race.
test: deps-test
	$(Q)$(MAKE) --no-print-directory all $(TEST_BINS) $(TOOL_BINS)
	$(Q)$(MAKE) --no-print-directory unit golden corpus live

check: test

unit: $(TEST_BINS)
	$(Q)fail=0; for t in $(TEST_BINS); do $$t || fail=1; done; exit $$fail

golden: $(PROG)
	$(Q)SYNFIN=$(PROG) sh tests/golden.sh
	$(Q)SYNFIN=$(PROG) sh tests/pair_cli.sh
	$(Q)SYNFIN=$(PROG) sh tests/craft_synth.sh

corpus: $(PROG) $(TOOL_BINS)
	$(Q)SYNFIN=$(PROG) BUILD=$(BUILD) SHARED=$(SHARED) sh tests/corpus.sh

# Server, client and capture on lo against the kernel's own view, then the
# crafter (send, connect, accept) against real sockets (root; each says so and
# skips without it).
live: $(PROG)
	$(Q)fail=0; SYNFIN=$(PROG) sh tests/live.sh || fail=1; \
		SYNFIN=$(PROG) sh tests/live_send.sh || fail=1; \
		SYNFIN=$(PROG) sh tests/live_craft.sh || fail=1; exit $$fail

# --- fuzzing (clang + libFuzzer) ---------------------------------------------

FUZZ_CC    ?= clang
# A 4 KiB first read block: libFuzzer runs thousands of small files a second.
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE $(WARN) -g -O1 -I. -DSF_PCAP_BLOCK=4096 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_TIME  ?= 60

# The file readers are parsers of hostile input too; they need no libpcap.
FUZZ_SRCS_LIB := $(DECODE_SRCS) capture/pcapfile.c capture/pcapng.c capture/linktype.c capture/kernel.c \
	craft/safety.c

build/fuzz/%: fuzz/%.c $(FUZZ_SRCS_LIB) $(wildcard decode/*.h capture/*.h) fuzz/dlts.h
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$@)$(FUZZ_CC) $(FUZZ_FLAGS) $(PCAP_CFLAGS) -o $@ $< $(FUZZ_SRCS_LIB)

fuzz: deps-fuzz $(FUZZ_BINS)

# Runs every fuzz target for FUZZ_TIME seconds on a corpus seeded from
# pcaps/ and ../shared/corpus; a crash fails the run.
fuzz-run: fuzz
	$(Q)FUZZ_TIME=$(FUZZ_TIME) SHARED=$(SHARED) sh fuzz/run.sh $(FUZZ_BINS)

# --- benchmark ---------------------------------------------------------------

bench: deps-bench $(PROG)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD) build/bench/gen build/bench/floor build/bench/peak \
		build/bench/rawflood
	$(Q)SYNFIN=$(PROG) sh bench/run.sh

build/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) -O2 -g -I. -o $@ $< $(PCAP_LIBS)

# --- install -----------------------------------------------------------------

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROG) $(DESTDIR)$(PREFIX)/bin/synfin
	install -m 0644 synfin.1 $(DESTDIR)$(PREFIX)/share/man/man1/synfin.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/synfin $(DESTDIR)$(PREFIX)/share/man/man1/synfin.1

clean:
	rm -rf $(BUILD) build

# --- dependencies ------------------------------------------------------------
# Installs the Debian packages that are missing (as root); otherwise prints
# the exact apt-get line and stops.

deps: ; $(Q)sh scripts/deps.sh $(DEPS_ALL)
deps-build: ; $(Q)sh scripts/deps.sh $(DEPS_BUILD)
deps-test: ; $(Q)sh scripts/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_TSHARK)
deps-fuzz: ; $(Q)sh scripts/deps.sh $(DEPS_FUZZ)
deps-bench: ; $(Q)sh scripts/deps.sh $(DEPS_BUILD) $(DEPS_BENCH)

# --- style -------------------------------------------------------------------

C_FILES = $(wildcard decode/*.[ch] capture/*.[ch] cli/*.[ch] craft/*.[ch] tests/*.[ch] fuzz/*.[ch] \
	bench/*.c) config.h

lint:
	$(Q)! grep -nE '\b(strcpy|strcat|sprintf|atoi|gets)\s*\(' $(C_FILES) || \
		{ echo 'lint: banned function (use the bounded forms)'; exit 1; }

format:
	clang-format -i $(C_FILES)

format-check:
	$(Q)sh scripts/deps.sh $(DEPS_LINT)
	$(Q)clang-format --dry-run --Werror $(C_FILES)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
