/*
 * What the kernel tells the first user task (the root task) at start:
 * a0 holds the address of a read-only page laid out as struct bootinfo.
 * The root task owns the RAM [mem_base, mem_base + mem_size), mapped for it
 * at window_va, and the device pages listed in devs; it may map those pages
 * into the tasks it creates. bootfs is the archive of user programs linked
 * into the kernel image.
 */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include <stdint.h>
#include <stddef.h>
#include <mica/layout.h>

#define BOOTINFO_MAGIC  0x4d4943414254ULL   /* "MICABT" */

#define BOOTFS_NAME_MAX 24
struct bootfs_entry {
	char name[BOOTFS_NAME_MAX];
	uint64_t offset;          /* from the start of the archive */
	uint64_t size;
};

struct bootfs {               /* the archive starts with this header */
	uint64_t count;
	struct bootfs_entry entry[];
};

/* The program `name` in archive fs, or NULL: the one lookup the kernel
 * (its root task) and the user library (root tasks' task_spawn, the
 * memory server's loader) share. */
int strncmp(const char *a, const char *b, size_t n);
static inline const struct bootfs_entry *bootfs_lookup(const struct bootfs *fs, const char *name)
{
	for (uint64_t i = 0; i < fs->count; i++)
		if (strncmp(fs->entry[i].name, name, BOOTFS_NAME_MAX) == 0)
			return &fs->entry[i];
	return NULL;
}

struct bootinfo_dev {
	char name[16];            /* "uart", "virtio" */
	uint64_t pa, size;
	uint32_t irq, count;      /* first IRQ and how many devices */
};

#define BOOTINFO_MAX_DEVS 4
struct bootinfo {
	uint64_t magic;
	uint64_t ncpus;           /* harts running Mica */
	uint64_t timebase;        /* ticks of the time CSR per second */
	uint64_t mem_base, mem_size;
	uint64_t window_va;
	uint64_t bootfs_va, bootfs_size;
	uint64_t ndevs;
	struct bootinfo_dev devs[BOOTINFO_MAX_DEVS];
	char bootargs[256];       /* the kernel command line */
};

#endif
