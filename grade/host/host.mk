# Host-side unit tests: kernel code compiled for the build machine.
HOSTCC ?= cc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Iinclude -Ikernel -fsanitize=address,undefined

$(BUILD)/host/fdt_test: grade/host/fdt_test.c kernel/fdt.c kernel/kernel.h
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ grade/host/fdt_test.c kernel/fdt.c
