/*
 * Loading a program (from the boot archive, or a file staged with
 * MEM_IMAGE, image.c) into a new, empty task: its segments (text, rodata,
 * data) copied into fresh frames now, its .bss left to demand paging, and
 * the start-up page with argc, argv and what the parent handed down that
 * the program's start code (user/lib/start.c) reads.
 */
#include "mem.h"
#include <mica/elf.h>

/* Map fresh frames over [va, va + size) in p with perm, copying n bytes
 * of src to the start. Returns 0 or -ENOMEM. */
static __attribute__((unused)) long map_copy(struct proc *p, uint64_t va, uint64_t size,
                                             const uint8_t *src, uint64_t n, int perm)
{
	for (uint64_t off = 0; off < size; off += PAGE) {
		uint64_t pa = frame_get(p, va + off);
		if (!pa)
			return -ENOMEM;
		if (off < n)
			memcpy(frame_ptr(pa), src + off, n - off < PAGE ? n - off : PAGE);
		if (map(p->pid, va + off, pa, perm) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* LAB pager BEGIN */
/* Load segment ph of image: the pages holding file bytes now; the pages
 * past them that are only .bss (zeros) are recorded as p's demand-zero
 * region, to be mapped one by one as the program touches them. */
static long load_segment(struct proc *p, const uint8_t *image, const struct elf_phdr *ph)
{
	int perm = (ph->flags & PF_R ? MAP_R : 0) | (ph->flags & PF_W ? MAP_W : 0) |
	           (ph->flags & PF_X ? MAP_X : 0);
	uint64_t file_end = PAGE_UP(ph->vaddr + ph->filesz), end = PAGE_UP(ph->vaddr + ph->memsz);
	if (end > HEAP_BASE)
		return -ENOEXEC;   /* it would overlap the heap */
	long err = map_copy(p, ph->vaddr, file_end - ph->vaddr, image + ph->off, ph->filesz, perm);
	if (err < 0 || end == file_end)
		return err;
	if ((perm & MAP_W) && p->bss_hi == 0) {
		p->bss_lo = file_end;
		p->bss_hi = end;
		return 0;
	}
	return map_copy(p, file_end, end - file_end, NULL, 0, perm);   /* zeros, at once */
}
/* LAB pager ELSE
// Load segment ph of image into p: its file bytes now, its .bss as p's
// demand-zero region. Returns 0, -ENOEXEC or -ENOMEM.
static long load_segment(struct proc *p, const uint8_t *image, const struct elf_phdr *ph)
{
	(void)p; (void)image; (void)ph;
	printf("mem: load_segment not written yet (lab pager)\n");
	return -ENOSYS;
}
   LAB pager END */

/* The start-up page must hold the block, argv[] and the strings at their
 * limits: MEM_SPAWN checks argc and the strings' length against them. */
_Static_assert(sizeof(struct mem_startinfo) + (MEM_ARGC_MAX + 1) * sizeof(char *) + MEM_ARGV_MAX
               <= PAGE, "the start-up page cannot hold the largest argv");

/* The start-up page at STARTINFO_VA: struct mem_startinfo (with what the
 * parent handed down, if anything), then argv[], then the argc strings of
 * argv (already checked). */
static long load_args(struct proc *p, const struct spawn *s)
{
	uint64_t pa = frame_get(p, STARTINFO_VA);
	if (!pa)
		return -ENOMEM;
	uint8_t *page = frame_ptr(pa);
	struct mem_startinfo *si = (struct mem_startinfo *)page;
	char **args = (char **)(si + 1);
	char *strings = (char *)(args + s->argc + 1);
	memcpy(strings, s->argv, s->len);
	*si = (struct mem_startinfo){ .magic = STARTINFO_MAGIC, .pid = p->pid, .mem = mem_self,
	                              .parent = p->ppid, .ncpus = bootinfo->ncpus, .argc = s->argc,
	                              .argv = (char **)(STARTINFO_VA + ((uint8_t *)args - page)),
	                              .inherited = s->inherit != NULL, .devices = s->devices };
	if (s->inherit)
		si->inherit = *s->inherit;
	root_arg("token", si->token, sizeof(si->token));   /* for the test programs */
	for (uint64_t i = 0, off = 0; i < s->argc; i++) {
		args[i] = (char *)(STARTINFO_VA + ((uint8_t *)strings - page) + off);
		off += strlen(strings + off) + 1;
	}
	args[s->argc] = NULL;
	return map(p->pid, STARTINFO_VA, pa, MAP_R | MAP_W);
}

/* Load the program of s into p's empty task, with its arguments: the file
 * staged by MEM_IMAGE if s has one, else argv[0] from the boot archive.
 * Its entry point in *entry. Returns 0, -ENOENT (no such program),
 * -ENOEXEC (not a program we can load), -ENOMEM.
 *
 * A staged file comes from a program, so nothing in it is trusted: every
 * offset and size is checked against the file before it is used (elf.h),
 * and every segment must lie below the drivers' windows at DEV_VA, so that
 * no .bss turns the device or DMA pages into demand-zero memory. */
long load_program(struct proc *p, const struct spawn *s, uint64_t *entry)
{
	const uint8_t *image = s->image;
	uint64_t size = s->image_size;
	if (!image) {
		const struct bootfs_entry *e = bootfs_find(s->argv);
		if (!e)
			return -ENOENT;
		image = (const uint8_t *)bootinfo->bootfs_va + e->offset;
		size = e->size;
	}
	const struct elf_header *eh = (const struct elf_header *)image;
	const struct elf_phdr *phdrs = elf_phdrs(image, size);
	if (!phdrs || eh->phoff % _Alignof(struct elf_phdr))
		return -ENOEXEC;
	for (const struct elf_phdr *ph = phdrs; ph < phdrs + eh->phnum; ph++) {
		if (ph->type != PT_LOAD)
			continue;
		if (!elf_segment_ok(ph, size) || ph->vaddr + ph->memsz > DEV_VA)
			return -ENOEXEC;
		long err = load_segment(p, image, ph);
		if (err < 0)
			return err;
	}
	*entry = eh->entry;
	return load_args(p, s);
}
