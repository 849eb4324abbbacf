/*
 * The kernel's physical frame allocator: a free list of 4 KiB pages.
 * It only serves the kernel's own needs (page tables, boot info); the
 * bulk of RAM is handed to the root task at boot (main.c), which runs the
 * memory policy in user space.
 */
#include "kernel.h"

struct run { struct run *next; };

static struct {
	struct spinlock lock;   /* protects free and nfree */
	struct run *free;
	uint64_t nfree;
} kmem;

/* LAB vm BEGIN */
/* Put every whole page in [start_pa, end_pa) on the free list. */
void kalloc_init(uint64_t start_pa, uint64_t end_pa)
{
	for (uint64_t pa = PGROUNDUP(start_pa); pa + PGSIZE <= end_pa; pa += PGSIZE)
		kfree(PA2KVA(pa));
}

/* A zeroed page (kernel virtual address), or NULL when none is left. */
void *kalloc(void)
{
	spin_lock(&kmem.lock);
	struct run *r = kmem.free;
	if (r) {
		kmem.free = r->next;
		kmem.nfree--;
	}
	spin_unlock(&kmem.lock);
	if (r)
		memset(r, 0, PGSIZE);
	return r;
}

/* Return a page that kalloc gave out. */
void kfree(void *page)
{
	if ((uint64_t)page % PGSIZE)
		panic("kfree: unaligned %p", page);
	struct run *r = page;
	spin_lock(&kmem.lock);
	r->next = kmem.free;
	kmem.free = r;
	kmem.nfree++;
	spin_unlock(&kmem.lock);
}
/* LAB vm ELSE
void kalloc_init(uint64_t start_pa, uint64_t end_pa)
{
	(void)start_pa; (void)end_pa;
}

void *kalloc(void)
{
	return NULL;
}

void kfree(void *page)
{
	(void)page;
}
   LAB vm END */

uint64_t kalloc_free_pages(void)
{
	return kmem.nfree;
}
