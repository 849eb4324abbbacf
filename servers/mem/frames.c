/*
 * The frames of RAM the kernel granted the memory server at boot, lent to
 * processes one at a time. Each frame has an entry in a table kept in the
 * first frames of that RAM: the index of the next frame on the same list,
 * and the virtual page it is mapped at. Free frames form one list and the
 * frames of each process another, so that taking a frame costs the same
 * whatever RAM's size, and giving back a process's frames costs in
 * proportion to how many it held.
 */
#include "mem.h"

struct frame {
	uint32_t next;            /* index + 1 of the next frame on its list; 0: end */
	uint32_t vpn;             /* virtual page number it is mapped at in its process
	                           * (a staged program file: at IMAGE_VA + its offset,
	                           * where we map it to load it, image.c) */
};

static struct frame *table;
static uint64_t nframes, table_frames, nfree;
static uint32_t free_head;     /* index + 1 of the first free frame */

void *frame_ptr(uint64_t pa)
{
	return (void *)(bootinfo->window_va + (pa - bootinfo->mem_base));
}

static uint64_t frame_pa(uint32_t i)
{
	return bootinfo->mem_base + (uint64_t)i * PAGE;
}

/* Put frame i on the free list. */
static void free_push(uint32_t i)
{
	table[i].next = free_head;
	free_head = i + 1;
	nfree++;
}

/* Build the table at the start of the granted RAM; every frame after it
 * goes on the free list, lowest address first. */
void frames_init(void)
{
	nframes = bootinfo->mem_size / PAGE;
	table = frame_ptr(bootinfo->mem_base);
	table_frames = PAGE_UP(nframes * sizeof(struct frame)) / PAGE;
	for (uint64_t i = nframes; i-- > table_frames;)
		free_push((uint32_t)i);
}

/* Free frames process p may still take: the last MEM_SERVER_FRAMES are
 * kept for the servers, so that a program eating all RAM cannot starve
 * init or the console of the page their next fault needs. */
uint64_t frames_free_for(struct proc *p)
{
	if (p->flags & SPAWN_SERVER)
		return nfree;
	return nfree > MEM_SERVER_FRAMES ? nfree - MEM_SERVER_FRAMES : 0;
}

/* A zeroed frame for process p, to be mapped at va: its physical address,
 * or 0 when RAM is used up (for p) or p holds MEM_PROC_FRAMES already. */
uint64_t frame_get(struct proc *p, uint64_t va)
{
	if (!frames_free_for(p) || p->nframes >= MEM_PROC_FRAMES)
		return 0;
	uint32_t i = free_head - 1;
	free_head = table[i].next;
	nfree--;
	table[i].next = p->frames;
	table[i].vpn = (uint32_t)(va / PAGE);
	p->frames = i + 1;
	p->nframes++;
	uint64_t pa = frame_pa(i);
	memset(frame_ptr(pa), 0, PAGE);
	return pa;
}

/* Give back the frame frame_get gave p last (it was never mapped). */
void frame_put_newest(struct proc *p)
{
	uint32_t i = p->frames - 1;
	p->frames = table[i].next;
	free_push(i);
	p->nframes--;
}

/* Move every frame of p back to the free list. */
void frames_put_all(struct proc *p)
{
	while (p->frames) {
		uint32_t i = p->frames - 1;
		p->frames = table[i].next;
		free_push(i);
	}
	p->nframes = 0;
}

/* Free p's frames recorded at pages in [lo, hi), unmapping each from p
 * first if `mapped`. */
static void put_range(struct proc *p, uint64_t lo, uint64_t hi, bool mapped)
{
	for (uint32_t *link = &p->frames; *link;) {
		uint32_t i = *link - 1;
		uint64_t va = (uint64_t)table[i].vpn * PAGE;
		if (va < lo || va >= hi) {
			link = &table[i].next;
			continue;
		}
		if (mapped)
			unmap(p->pid, va);
		*link = table[i].next;
		free_push(i);
		p->nframes--;
	}
}

/* Unmap from p and free its frames mapped in [lo, hi) (a heap that shrank). */
void frames_put_range(struct proc *p, uint64_t lo, uint64_t hi)
{
	put_range(p, lo, hi, true);
}

/* Free p's frames recorded at [lo, hi) that are not mapped in p (a staged
 * program file, image.c). */
void frames_drop_range(struct proc *p, uint64_t lo, uint64_t hi)
{
	put_range(p, lo, hi, false);
}

/* Map each of p's frames recorded at [lo, hi) into `task` (read-only) at
 * the same offset from `to`. Returns 0 or the first error of SYS_MAP. */
long frames_map_range(struct proc *p, uint64_t lo, uint64_t hi, long task, uint64_t to)
{
	for (uint32_t i = p->frames; i; i = table[i - 1].next) {
		uint64_t va = (uint64_t)table[i - 1].vpn * PAGE;
		if (va < lo || va >= hi)
			continue;
		long err = map(task, to + (va - lo), frame_pa(i - 1), MAP_R);
		if (err < 0)
			return err;
	}
	return 0;
}

uint64_t frames_free_count(void)
{
	return nfree;
}

uint64_t frames_total(void)
{
	return nframes;
}

uint64_t frames_table_count(void)
{
	return table_frames;
}
