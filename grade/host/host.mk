# Host-side unit tests: kernel code compiled for the build machine.
HOSTCC ?= cc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ikernel -fsanitize=address,undefined

$(BUILD)/host/fdt_test: grade/host/fdt_test.c kernel/fdt.c kernel/kernel.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ grade/host/fdt_test.c kernel/fdt.c

# mkfs and fsck, the host tools of the file system (mkfs/README.md).
FSIMG_DEPS := mkfs/fsimg.c mkfs/fsimg.h include/mica/fsformat.h

$(BUILD)/host/mkfs: mkfs/mkfs.c $(FSIMG_DEPS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ mkfs/mkfs.c mkfs/fsimg.c

$(BUILD)/host/fsck: mkfs/fsck.c $(FSIMG_DEPS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ mkfs/fsck.c mkfs/fsimg.c

# Their unit tests (also run by `make test`, from grade/runtests.py).
.PHONY: mkfs-test
mkfs-test: $(BUILD)/host/mkfs $(BUILD)/host/fsck
	@python3 grade/host/mkfs_test.py
