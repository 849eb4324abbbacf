/*
 * Host unit test of kernel/fdt.c: parse device trees that QEMU itself
 * wrote (-machine virt,dumpdtb=...) for several machine shapes, and
 * broken trees, and check what the parser reports.
 * Usage: fdt_test <dtb> <harts> <mem MiB> <bootargs>
 *        fdt_test --corrupt <dtb>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"

static int failures, checks;

#define EXPECT(cond, ...) do { \
	checks++; \
	if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } \
} while (0)

static void *slurp(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	rewind(f);
	void *buf = malloc(*size);
	if (fread(buf, 1, *size, f) != (size_t)*size)
		exit(2);
	fclose(f);
	return buf;
}

static void test_good(const char *path, int harts, uint64_t mem_mib, const char *args)
{
	long size;
	void *dtb = slurp(path, &size);
	struct fdt_info info;
	EXPECT(fdt_parse(dtb, &info) == 0, "%s: parse failed", path);
	EXPECT(info.nharts == harts, "%s: %d harts, want %d", path, info.nharts, harts);
	for (int i = 0; i < info.nharts; i++)
		EXPECT(info.harts[i] == (uint64_t)i, "%s: hart %d has ID %lu", path, i,
		       (unsigned long)info.harts[i]);
	EXPECT(info.mem_base == 0x80000000UL, "%s: memory base %lx", path, (unsigned long)info.mem_base);
	EXPECT(info.mem_size == mem_mib << 20, "%s: memory size %lu, want %lu MiB", path,
	       (unsigned long)info.mem_size, (unsigned long)mem_mib);
	EXPECT(info.timebase == 10000000, "%s: timebase %lu", path, (unsigned long)info.timebase);
	for (int i = 0; i < info.nharts; i++)   /* QEMU virt: an M-mode, then an S-mode context per hart */
		EXPECT(info.plic_sctx[i] == 2 * i + 1, "%s: hart %d's S-mode PLIC context %d, want %d",
		       path, i, info.plic_sctx[i], 2 * i + 1);
	EXPECT(args[0] ? info.bootargs && strcmp(info.bootargs, args) == 0 : !info.bootargs,
	       "%s: bootargs '%s', want '%s'", path, info.bootargs ? info.bootargs : "(none)", args);
	free(dtb);
}

static void test_corrupt(const char *path)
{
	long size;
	uint8_t *dtb = slurp(path, &size);
	struct fdt_info info;
	uint8_t *copy = malloc(size);

	memcpy(copy, dtb, size);
	copy[0] ^= 0xff;   /* bad magic */
	EXPECT(fdt_parse(copy, &info) == -EINVAL, "bad magic accepted");

	memcpy(copy, dtb, size);
	uint32_t off = (uint32_t)copy[8] << 24 | copy[9] << 16 | copy[10] << 8 | copy[11];
	memset(copy + off, 0x7f, 4);   /* first structure token is garbage */
	EXPECT(fdt_parse(copy, &info) == -EINVAL, "garbage token accepted");

	memcpy(copy, dtb, size);
	memset(copy + 36, 0, 4);   /* size_dt_struct = 0: no nodes at all */
	EXPECT(fdt_parse(copy, &info) == -EINVAL, "empty structure block accepted");
	free(copy);
	free(dtb);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--corrupt") == 0)
		test_corrupt(argv[2]);
	else if (argc == 5)
		test_good(argv[1], atoi(argv[2]), strtoull(argv[3], NULL, 10), argv[4]);
	else {
		fprintf(stderr, "usage: fdt_test <dtb> <harts> <mem MiB> <bootargs> | --corrupt <dtb>\n");
		return 2;
	}
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures != 0;
}
