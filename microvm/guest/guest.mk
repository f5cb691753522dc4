# microvm/guest/guest.mk - the microVM guest shim and the VMM test tool.
# Included by the top Makefile (`include microvm/guest/guest.mk` anywhere
# after the variables); or: make -f Makefile -f microvm/guest/guest.mk ...
#
#   $(BUILD)/skiff-vminit      static PID 1 of the guest (glibc, -Os, stripped)
#   $(BUILD)/microvm/guest/blob.o   that binary embedded (.incbin), linked
#                              into skiff: sk_vm_shim() finds it there
#   $(BUILD)/skiff-vmm-test    boots KERNEL with a rootfs outside any container
VMINIT_CFLAGS := -std=gnu11 -static -Os -Wall -Wextra -Werror -D_GNU_SOURCE -s

# base/escape.c: its messages are escaped as skiff's are
$(BUILD)/skiff-vminit: microvm/guest/init.c base/escape.c base/base.h
	@mkdir -p $(dir $@)
	$(CC) $(VMINIT_CFLAGS) -o $@ microvm/guest/init.c base/escape.c

$(BUILD)/microvm/guest/blob.o: microvm/guest/blob.S $(BUILD)/skiff-vminit
	@mkdir -p $(dir $@)
	$(CC) -c -DSK_VMINIT_PATH='"$(BUILD)/skiff-vminit"' -o $@ $<

$(BUILD)/skiff: $(BUILD)/microvm/guest/blob.o

$(BUILD)/skiff-vmm-test: microvm/guest/vmm-tool.c $(BUILD)/microvm/guest/blob.o $(BUILD)/libskiff.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/microvm/guest/blob.o $(BUILD)/libskiff.a $(LDLIBS) -lpthread

all: $(BUILD)/skiff-vmm-test
