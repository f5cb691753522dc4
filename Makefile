# skiff - an OCI container runtime.  `make help` lists the targets.
CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=

# skiff is a static PIE: every shared library costs every invocation its
# loading and symbol binding, in the parent and again in the cloned init
# (see the README's dependency table).  Sanitizer builds and the test
# programs link libc dynamically, libseccomp and yajl still statically.
PKGS    := yajl libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := -Wl,-Bstatic -lseccomp -lyajl_s -Wl,-Bdynamic -lm -Wl,-z,now -Wl,--as-needed
SKIFF_LINK := -static-pie -lseccomp -lyajl_s -lm

CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
           -D_GNU_SOURCE= -fno-strict-aliasing $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS)

ifeq ($(SANITIZE),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
SKIFF_LINK := $(PKG_LIBS)
endif

# Every .c file directly in these folders is part of the runtime; adding a
# file needs no Makefile change.  cli/main.c is the program's entry.
DIRS    := base oci dbus security namespaces cgroups rootfs netsetup microvm criu runtime cli
LIB_SRC := $(filter-out cli/main.c,$(foreach d,$(DIRS),$(wildcard $(d)/*.c)))
LIB_ASM := $(foreach d,$(DIRS),$(wildcard $(d)/*.S))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_ASM:%.S=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: skiff

skiff: $(BUILD)/skiff
	@[ "$(BUILD)" != build ] || ln -sf build/skiff skiff

$(BUILD)/skiff: $(MAIN_OBJ) $(BUILD)/libskiff.a
	$(CC) $(LDFLAGS) -o $@ $^ $(SKIFF_LINK)

$(BUILD)/libskiff.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Freestanding helpers that are embedded into skiff (built without sanitizers).
STUB_CFLAGS := -std=gnu11 -Os -Wall -Wextra -Werror -static -nostdlib -ffreestanding \
               -fno-stack-protector -fno-pie -fno-asynchronous-unwind-tables \
               -fno-builtin -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,norelro
$(BUILD)/skiff-init: runtime/stub/skiff-init.c
	@mkdir -p $(dir $@)
	$(CC) $(STUB_CFLAGS) -o $@ $<
	strip $@
$(BUILD)/runtime/stub_blob.o: $(BUILD)/skiff-init
# `skiff --version` names the commit it was built from
SKIFF_COMMIT := $(shell git -C $(CURDIR) rev-parse --short=12 HEAD 2>/dev/null)
$(BUILD)/cli/version.o: CFLAGS += -DSKIFF_COMMIT='"$(SKIFF_COMMIT)"'
$(BUILD)/runtime/stub_blob.o: CFLAGS += -DSKIFF_INIT_BLOB='"$(BUILD)/skiff-init"'

# The microVM guest's PID 1 and the VMM test tool.
include microvm/guest/guest.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------ tests
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libskiff.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iruntime $(LDFLAGS) -o $@ $< $(BUILD)/libskiff.a $(LDLIBS)

# rootfs/optmap.c is checked against util-linux libmount's own maps; only
# this test links libmount.
$(BUILD)/tests/test_optmap: override CFLAGS += $(shell pkg-config --cflags mount)
$(BUILD)/tests/test_optmap: LDLIBS += $(shell pkg-config --libs mount)

# The README's two set-up commands: `sudo make demo` and `sudo make test`.
deps:
	@tests/install-deps

demo: deps
	$(MAKE) demo-bundle
	./skiff run -b demo demo1

test: deps
	@tests/ci-all

$(BUILD)/tests: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@SKIFF_SKIP_BATS=1 tests/run-all $(BUILD)

check: all $(UNIT_BIN)
	@SKIFF_BUILD=$(BUILD) tests/run-all $(BUILD)

check-vm: all
	@tests/vm/check

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libskiff.a
	clang -O1 -g -std=gnu11 -D_GNU_SOURCE -Iruntime $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	  -o build-fuzz/fuzz_config tests/fuzz/fuzz_config.c build-fuzz/libskiff.a $(LDLIBS)
	mkdir -p build-fuzz/corpus
	build-fuzz/fuzz_config -max_total_time=$${FUZZ_SECONDS:-30} -max_len=65536 build-fuzz/corpus tests/fuzz/corpus

bench: all $(BUILD)/placer_bench
	@tests/bench/run

# the NUMA placer on a fabricated 4-node 256-CPU machine (tests/bench/cgroups.py)
$(BUILD)/placer_bench: tests/bench/placer_bench.c $(BUILD)/libskiff.a
	$(CC) $(CFLAGS) -Iruntime -o $@ $< $(BUILD)/libskiff.a $(LDLIBS)

demo-bundle: all
	@rm -rf demo && tests/make-demo-bundle demo

install: all
	install -D -m 0755 $(BUILD)/skiff $(DESTDIR)$(PREFIX)/bin/skiff
	ln -sf skiff $(DESTDIR)$(PREFIX)/bin/skiff-vm
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf $(BUILD) build-* skiff

help:
	@echo "targets: all check check-vm unit bench fuzz demo-bundle install clean"
	@echo "vars: CC=clang BUILD=dir SANITIZE=1 PREFIX=/usr/local"


.PHONY: deps demo test all skiff unit check check-vm fuzz bench demo-bundle install clean help
