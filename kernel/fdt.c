/*
 * Reading the flattened device tree (Devicetree spec v0.4, chapter 5) that
 * OpenSBI passes in a1: how much RAM there is and where, which harts exist,
 * the timer frequency, the kernel command line (/chosen/bootargs, which
 * QEMU fills from -append) and which PLIC context is each hart's S-mode.
 * Nothing about the machine is hard-coded that the tree can tell us.
 */
#include "kernel.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

struct fdt_header {
	uint32_t magic, totalsize, off_dt_struct, off_dt_strings;
	uint32_t off_mem_rsvmap, version, last_comp_version;
	uint32_t boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t be64(const void *p)
{
	return (uint64_t)be32(p) << 32 | be32((const uint8_t *)p + 4);
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* One property of the node at `path` (depth 1, 2 and 3 names). */
static void fdt_prop(struct fdt_info *info, const char *const *n, int depth,
                     const char *name, const uint8_t *val, uint32_t len)
{
	bool cpus = !strcmp(n[1], "cpus"), cpu = cpus && depth >= 2 && starts_with(n[2], "cpu@");
	if (depth == 1 && starts_with(n[1], "memory") && !strcmp(name, "reg") && len >= 16 &&
	    info->mem_size == 0) {   /* the first bank; QEMU virt has one */
		info->mem_base = be64(val);
		info->mem_size = be64(val + 8);
	} else if (depth == 1 && !strcmp(n[1], "chosen") && !strcmp(name, "bootargs")) {
		info->bootargs = (const char *)val;
	} else if (depth == 1 && cpus && !strcmp(name, "timebase-frequency") && len >= 4) {
		info->timebase = be32(val);
	} else if (depth == 2 && cpu && !strcmp(name, "reg") && len >= 4 && info->nharts < NCPU) {
		info->harts[info->nharts++] = be32(val);
	} else if (depth == 3 && cpu && starts_with(n[3], "interrupt-controller") &&
	           !strcmp(name, "phandle") && len >= 4 && info->nharts > 0) {
		info->intc[info->nharts - 1] = be32(val);   /* the cpu's reg came first */
	} else if (depth == 2 && !strcmp(n[1], "soc") && !strcmp(name, "interrupts-extended") &&
	           (starts_with(n[2], "plic@") || starts_with(n[2], "interrupt-controller@"))) {
		info->plic_irqs = val;
		info->plic_irqs_len = len;
	}
}

/* The PLIC's interrupts-extended lists its contexts in order, each as
 * (interrupt controller of a hart, that hart's interrupt): 9 is the
 * supervisor external interrupt (privileged spec 3.1.9), 11 the machine's. */
static void fdt_plic(struct fdt_info *info)
{
	for (int h = 0; h < info->nharts; h++) {
		info->plic_sctx[h] = -1;
		for (uint32_t k = 0; info->intc[h] && 8 * k + 8 <= info->plic_irqs_len; k++)
			if (be32(info->plic_irqs + 8 * k) == info->intc[h] &&
			    be32(info->plic_irqs + 8 * k + 4) == 9)
				info->plic_sctx[h] = (int)k;
	}
}

/* Fill info from the tree at dtb. Returns 0, or -EINVAL for a tree that
 * is not one (bad magic) or is malformed. */
int fdt_parse(const void *dtb, struct fdt_info *info)
{
	const struct fdt_header *h = dtb;
	if (be32(&h->magic) != FDT_MAGIC)
		return -EINVAL;
	const uint8_t *p = (const uint8_t *)dtb + be32(&h->off_dt_struct);
	const uint8_t *end = p + be32(&h->size_dt_struct);
	const char *strings = (const char *)dtb + be32(&h->off_dt_strings);
	const char *names[4] = { "", "", "", "" };
	int depth = -1;

	memset(info, 0, sizeof(*info));
	while (p < end) {
		uint32_t token = be32(p);
		p += 4;
		switch (token) {
		case FDT_BEGIN_NODE:   /* the node's name follows */
			if (++depth > 16)
				return -EINVAL;
			if (depth < 4)
				names[depth] = (const char *)p;
			p += (strlen((const char *)p) + 4) & ~3UL;   /* name, NUL, padding */
			break;
		case FDT_END_NODE:
			if (--depth < -1)
				return -EINVAL;
			break;
		case FDT_PROP: {
			uint32_t len = be32(p), nameoff = be32(p + 4);
			const uint8_t *val = p + 8;
			if (depth < 0 || len > (uint64_t)(end - val) || nameoff >= be32(&h->size_dt_strings))
				return -EINVAL;
			fdt_prop(info, names, depth, strings + nameoff, val, len);
			p = val + ((len + 3) & ~3UL);
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			fdt_plic(info);
			return info->mem_size && info->nharts ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}
