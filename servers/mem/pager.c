/*
 * The pager: every process's page faults come here as messages (the
 * kernel sends LABEL_PAGE_FAULT as if the faulting thread had called us),
 * and the heap grows here (MEM_SBRK). A process's memory is its loaded
 * segments plus three demand-zero regions, each mapped a page at a time
 * on first touch:
 *
 *   [bss_lo, bss_hi)          the .bss past the data segment's file bytes
 *   [HEAP_BASE, brk)          the heap, grown by MEM_SBRK
 *   [STACK_LOW, STARTINFO_VA) the stack, growing down to MEM_STACK_MAX
 *
 * A fault anywhere else (or an instruction fetch from them) ends the
 * process with a message naming the address and the pc. That includes
 * the drivers' DMA window [DMA_VA, DMA_VA + DMA_SIZE): a driver asks for
 * each page there with MEM_DMA, because a device must be given its
 * physical address, and a page the driver did not ask for is a bug.
 */
#include "mem.h"

static __attribute__((unused)) const char *fault_kind(uint64_t kind)
{
	return kind == FAULT_WRITE ? "write" : kind == FAULT_EXEC ? "execute" : "read";
}

/* LAB pager BEGIN */
/* Is va inside one of p's demand-zero regions? */
static bool demand_zero(struct proc *p, uint64_t va)
{
	return (va >= p->bss_lo && va < p->bss_hi) || (va >= HEAP_BASE && va < p->brk) ||
	       (va >= STACK_LOW && va < STARTINFO_VA);
}

/* LABEL_PAGE_FAULT: w0 = address, w1 = FAULT_*, w2 = pc. Map a zeroed
 * frame there and resume the thread (reply 0), or end the process (a
 * negative reply: the kernel then kills it). */
long pager_fault(struct proc *p, struct req *r)
{
	uint64_t addr = r->m->w[0], kind = r->m->w[1], pc = r->m->w[2], va = PAGE_DOWN(addr);
	if (kind == FAULT_EXEC || !demand_zero(p, va)) {
		printf("mem: %s (pid %ld): %s at %p outside its memory, pc %p: ended\n", p->name, p->pid,
		       fault_kind(kind), (void *)addr, (void *)pc);
		p->end_how = EXIT_FAULT;
		return -EFAULT;
	}
	uint64_t pa = frame_get(p, va);
	long err = pa ? map(p->pid, va, pa, MAP_R | MAP_W | MAP_NOREPLACE) : -ENOMEM;
	if (err == -EEXIST) {   /* another thread's fault on this page came first */
		frame_put_newest(p);
		return 0;
	}
	if (err < 0) {
		printf("mem: %s (pid %ld): out of memory at %p: ended\n", p->name, p->pid, (void *)addr);
		p->end_how = EXIT_NOMEM;
		return -ENOMEM;
	}
	return 0;
}

/* MEM_SBRK: w0 = increment. Move the break; pages above a lowered break
 * are freed. Returns the old break. */
long mem_sbrk(struct proc *p, struct req *r)
{
	int64_t inc = (int64_t)r->m->w[0];
	uint64_t old = p->brk, brk = old + (uint64_t)inc;
	if (inc > 0) {
		uint64_t pages = (PAGE_UP(brk) - PAGE_UP(old)) / PAGE;
		if (brk - HEAP_BASE > MEM_HEAP_MAX || brk < old || pages > frames_free_for(p) ||
		    p->nframes + pages > MEM_PROC_FRAMES)
			return -ENOMEM;
	} else if (inc < 0) {
		if (brk < HEAP_BASE || brk > old)
			return -EINVAL;
		frames_put_range(p, PAGE_UP(brk), PAGE_UP(old));
	}
	p->brk = brk;
	return (long)old;
}
/* LAB pager ELSE
// LABEL_PAGE_FAULT: w0 = address, w1 = FAULT_*, w2 = pc. Map a zeroed
// frame there and return 0, or return -E... to have the process ended.
long pager_fault(struct proc *p, struct req *r)
{
	(void)p;
	printf("mem: pager_fault not written yet (lab pager): fault at %p refused\n",
	       (void *)r->m->w[0]);
	return -ENOSYS;
}

// MEM_SBRK: w0 = increment. Move the break; return the old one.
long mem_sbrk(struct proc *p, struct req *r)
{
	(void)p; (void)r;
	return -ENOSYS;
}
   LAB pager END */

/* MEM_DMA: w0 = va. A zeroed frame for a driver's device to read and
 * write, mapped at va in the DMA window; it is the driver's like its other
 * frames (freed when it ends). Replies w0 = its physical address. */
long mem_dma(struct proc *p, struct req *r)
{
	uint64_t va = r->m->w[0];
	if (!(p->flags & (SPAWN_DEV_UART | SPAWN_DEV_VIRTIO)))
		return -EPERM;   /* only a driver has a device to give it to */
	if (va % PAGE || va < DMA_VA || va - DMA_VA >= DMA_SIZE)
		return -EINVAL;
	uint64_t pa = frame_get(p, va);
	if (!pa)
		return -ENOMEM;
	long err = map(p->pid, va, pa, MAP_R | MAP_W | MAP_NOREPLACE);
	if (err < 0) {
		frame_put_newest(p);
		return err == -EEXIST ? -EEXIST : -ENOMEM;
	}
	r->m->w[0] = pa;
	return 0;
}
