/*
 * Sv39 page tables (privileged spec 4.4): three levels of 512 entries,
 * VPN[2] VPN[1] VPN[0] each 9 bits of the virtual address.
 *
 * The kernel page table maps the kernel and all of RAM in the upper half
 * with global (G) entries; every task's page table shares those upper-half
 * subtrees (vm_create copies the top-level entries 256..511), so a system
 * call or IPC never switches satp to reach kernel data.
 */
#include "kernel.h"

extern char kernel_start[], etext[], erodata[], kernel_end[];

uint64_t *kpagetable;

/* LAB vm BEGIN */
static uint64_t *vm_grow(uint64_t *pt, uint64_t *pte, uint64_t va, struct task *charge);

/* The address of the level-0 PTE for va in pt. With alloc, missing
 * page-table pages are allocated (and charged to task `charge`, if any,
 * against its quota); otherwise a missing level yields NULL. A
 * megapage or gigapage leaf on the way also yields NULL. The walk itself
 * calls nothing (vm_grow is a tail call), so it saves no registers: the
 * kernel walks a task's table on every bulk IPC. */
NOFRAME uint64_t *vm_walk(uint64_t *pt, uint64_t va, bool alloc, struct task *charge)
{
	uint64_t *p = pt;
	for (int level = 2; level > 0; level--) {
		uint64_t *pte = &p[VPN(va, level)];
		if (!(*pte & PTE_V))
			return alloc ? vm_grow(pt, pte, va, charge) : NULL;
		if (PTE_LEAF(*pte))
			return NULL;
		p = PA2KVA(PTE_PA(*pte));
	}
	return &p[VPN(va, 0)];
}

/* vm_walk of va in pt found *pte invalid: give it a page-table page,
 * then walk again from the top (at most twice: two levels can miss). */
static __attribute__((noinline)) uint64_t *vm_grow(uint64_t *pt, uint64_t *pte, uint64_t va,
                                                 struct task *charge)
{
	if (charge && charge->kpages >= charge->kquota)
		return NULL;
	uint64_t *next = kalloc();
	if (!next)
		return NULL;
	if (charge)
		charge->kpages++;
	*pte = PA2PTE(KVA2PA(next)) | PTE_V;   /* V alone: a pointer to the next level */
	return vm_walk(pt, va, true, charge);
}

/* Map the page at va to pa with PTE bits perm (R, W, X, U, G). An existing
 * mapping is replaced. Returns 0, or -ENOMEM if a page table can't be had. */
int vm_map(uint64_t *pt, uint64_t va, uint64_t pa, uint64_t perm, struct task *charge)
{
	uint64_t *pte = vm_walk(pt, va, true, charge);
	if (!pte)
		return -ENOMEM;
	*pte = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
	return 0;
}

/* Remove the mapping of the page at va. Returns 0, or -EINVAL if none. */
int vm_unmap(uint64_t *pt, uint64_t va)
{
	uint64_t *pte = vm_walk(pt, va, false, NULL);
	if (!pte || !(*pte & PTE_V))
		return -EINVAL;
	*pte = 0;
	return 0;
}

#define MEGA (1UL << 21)

/* A 2 MiB leaf in the level-1 table of the kernel page table. */
static void kvm_map_mega(uint64_t va, uint64_t pa, uint64_t perm)
{
	uint64_t *pte = &kpagetable[VPN(va, 2)];
	if (!(*pte & PTE_V)) {
		uint64_t *l1 = kalloc();
		if (!l1)
			panic("kvm_map_range: out of memory");
		*pte = PA2PTE(KVA2PA(l1)) | PTE_V;
	}
	((uint64_t *)PA2KVA(PTE_PA(*pte)))[VPN(va, 1)] = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
}

/* Map [va, va + size) to [pa, ...) in the kernel page table: 2 MiB
 * megapages where both addresses are 2 MiB aligned and as much is left
 * (most of RAM: a few page-table pages for gigabytes), 4 KiB pages around
 * them. */
static void kvm_map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	for (uint64_t off = 0, step; off < size; off += step) {
		bool mega = (va + off) % MEGA == 0 && (pa + off) % MEGA == 0 && size - off >= MEGA;
		step = mega ? MEGA : PGSIZE;
		if (mega)
			kvm_map_mega(va + off, pa + off, perm | PTE_G);
		else if (vm_map(kpagetable, va + off, pa + off, perm | PTE_G, NULL) < 0)
			panic("kvm_map_range: out of memory");
	}
}

/* Build the kernel page table: devices, then the kernel image section by
 * section (W^X: nothing is both writable and executable), then the rest
 * of RAM. The direct map puts physical address pa at KERNBASE + pa. */
void kvm_init(uint64_t mem_end)
{
	kpagetable = kalloc();
	if (!kpagetable)
		panic("kvm_init: no memory");
	uint64_t text = KVA2PA(kernel_start), ro = KVA2PA(etext), data = KVA2PA(erodata);

	kvm_map_range(KERNBASE + UART0, UART0, PGSIZE, PTE_R | PTE_W);           /* UART */
	kvm_map_range(KERNBASE + VIRTIO0, VIRTIO0, VIRTIO_COUNT * PGSIZE, PTE_R | PTE_W); /* virtio */
	kvm_map_range(KERNBASE + PLIC, PLIC, PLIC_SIZE, PTE_R | PTE_W);          /* PLIC */
	kvm_map_range(KERNBASE + text, text, ro - text, PTE_R | PTE_X);          /* text */
	kvm_map_range(KERNBASE + ro, ro, data - ro, PTE_R);                      /* rodata */
	kvm_map_range(KERNBASE + data, data, mem_end - data, PTE_R | PTE_W);     /* data, RAM */
}
/* LAB vm ELSE
uint64_t *vm_walk(uint64_t *pt, uint64_t va, bool alloc, struct task *charge)
{
	(void)pt; (void)va; (void)alloc; (void)charge;
	return NULL;
}

int vm_map(uint64_t *pt, uint64_t va, uint64_t pa, uint64_t perm, struct task *charge)
{
	(void)pt; (void)va; (void)pa; (void)perm; (void)charge;
	return -ENOSYS;
}

int vm_unmap(uint64_t *pt, uint64_t va)
{
	(void)pt; (void)va;
	return -ENOSYS;
}

void kvm_init(uint64_t mem_end)
{
	extern uint64_t boot_pagetable[];
	(void)mem_end; (void)kernel_start; (void)etext; (void)erodata;
	kprintf("kvm_init: not written yet (lab vm): staying on the boot page table\n");
	kpagetable = boot_pagetable;
}
   LAB vm END */

bool asids_ok;   /* the harts tell NTASK + 1 address spaces apart */

uint64_t kernel_satp(void)
{
	return MAKE_SATP(KVA2PA(kpagetable), 0);
}

/* Switch this hart to the kernel page table (ASID 0), after finding out
 * how many ASID bits the hart has: writing ones to satp.ASID leaves ones
 * only in the bits it implements (privileged spec 4.1.11). The harts of a
 * machine are taken to be alike. */
void kvm_inithart(void)
{
	sfence_vma();
	csr_write(satp, kernel_satp() | (0xffffUL << 44));
	asids_ok = ((csr_read(satp) >> 44) & 0xffff) >= NTASK;
	csr_write(satp, kernel_satp());
	sfence_vma();
	mycpu()->satp = kernel_satp();
}


/* A new page table for a task: empty lower half, the kernel's upper half. */
uint64_t *vm_create(void)
{
	uint64_t *pt = kalloc();
	if (pt)
		memcpy(pt + 256, kpagetable + 256, 256 * sizeof(*pt));
	return pt;
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

/* After an unmap at va (a user address): unhook the page-table pages on
 * va's path that no longer map anything, so that a task that maps and
 * unmaps for ever cannot use up its quota of them. Their pages go into
 * freed[] (at most two); the caller frees them after the TLB flush, since
 * a hart may still hold the old path in its TLB. The root stays. */
int vm_prune(uint64_t *pt, uint64_t va, void *freed[2])
{
	uint64_t *pte2 = &pt[VPN(va, 2)];
	if (!(*pte2 & PTE_V) || PTE_LEAF(*pte2))
		return 0;
	uint64_t *l1 = PA2KVA(PTE_PA(*pte2)), *pte1 = &l1[VPN(va, 1)];
	int n = 0;
	if ((*pte1 & PTE_V) && !PTE_LEAF(*pte1) && table_empty(PA2KVA(PTE_PA(*pte1)))) {
		freed[n++] = PA2KVA(PTE_PA(*pte1));
		*pte1 = 0;
	}
	if (table_empty(l1)) {
		freed[n++] = l1;
		*pte2 = 0;
	}
	return n;
}

/* Free the page-table pages of a task's lower half (not the frames they
 * map: those belong to whoever owns them) and the root. */
void vm_free(uint64_t *pt)
{
	for (int i = 0; i < 256; i++) {
		if (!(pt[i] & PTE_V) || PTE_LEAF(pt[i]))
			continue;
		uint64_t *l1 = PA2KVA(PTE_PA(pt[i]));
		for (int j = 0; j < 512; j++)
			if ((l1[j] & PTE_V) && !PTE_LEAF(l1[j]))
				kfree(PA2KVA(PTE_PA(l1[j])));
		kfree(l1);
	}
	kfree(pt);
}

/* ---- the page-table printer ---- */

struct dump { uint64_t va, pa, end, flags; bool open; };

static void dump_flush(struct dump *d)
{
	if (!d->open)
		return;
	uint64_t f = d->flags;
	kprintf("  %p-%p -> %lx %c%c%c%c%c\n", (void *)d->va, (void *)d->end, d->pa,
	        f & PTE_R ? 'r' : '-', f & PTE_W ? 'w' : '-', f & PTE_X ? 'x' : '-',
	        f & PTE_U ? 'u' : '-', f & PTE_G ? 'g' : '-');
	d->open = false;
}

static void dump_leaf(struct dump *d, uint64_t va, uint64_t pte, uint64_t size)
{
	uint64_t flags = pte & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G), pa = PTE_PA(pte);
	if (d->open && d->end == va && d->flags == flags && d->pa + (d->end - d->va) == pa) {
		d->end += size;
		return;
	}
	dump_flush(d);
	*d = (struct dump){ va, pa, va + size, flags, true };
}

static void dump_level(struct dump *d, uint64_t *pt, int level, uint64_t base)
{
	for (int i = 0; i < 512; i++) {
		uint64_t pte = pt[i], va = base | ((uint64_t)i << (12 + 9 * level));
		if (level == 2 && i >= 256)
			va |= 0xffffff8000000000UL;   /* Sv39 addresses are sign-extended */
		if (!(pte & PTE_V))
			continue;
		if (PTE_LEAF(pte))
			dump_leaf(d, va, pte, 1UL << (12 + 9 * level));
		else if (level > 0)
			dump_level(d, PA2KVA(PTE_PA(pte)), level - 1, va);
	}
}

/* Print every mapping of pt, merging runs of pages that are contiguous in
 * both virtual and physical memory and have the same permissions:
 *   start-end -> physical  rwxug  (r/w/x: access; u: user; g: global) */
void vm_dump(uint64_t *pt)
{
	struct dump d = { .open = false };
	kprintf("page table %p:\n", (void *)KVA2PA(pt));
	dump_level(&d, pt, 2, 0);
	dump_flush(&d);
}

/* ---- moving data between the kernel and user memory ---- */

/* LAB trap BEGIN */
/* The kernel address of user address va in t, if it is mapped with user
 * access and every permission in perm; NULL otherwise. The kernel never
 * dereferences a user pointer: it checks the mapping in software first, so
 * a bad pointer is an error code, not a kernel page fault. */
static uint8_t *user_addr(struct task *t, uint64_t va, uint64_t perm)
{
	if (va >= USER_TOP)
		return NULL;
	uint64_t *pte = vm_walk(t->pagetable, va, false, NULL);
	if (!pte || (*pte & (PTE_V | PTE_U | perm)) != (PTE_V | PTE_U | perm))
		return NULL;
	/* A driver's device page is a user mapping too, but the kernel must
	 * not read or write device registers on a user's behalf. */
	if (PTE_PA(*pte) < RAM_BASE || PTE_PA(*pte) >= ram_end)
		return NULL;
	return (uint8_t *)PA2KVA(PTE_PA(*pte)) + (va & (PGSIZE - 1));
}
/* LAB trap ELSE
static uint8_t *user_addr(struct task *t, uint64_t va, uint64_t perm)
{
	(void)t; (void)perm; (void)ram_end;
	return (uint8_t *)va;
}
   LAB trap END */

/* Copy n bytes from user address src in task st to user address dst in
 * task dt; a NULL task means the kernel (a kernel address). Returns 0, or
 * -EFAULT if any byte is not mapped with the needed permission. */
static int copy_between(struct task *dt, uint64_t dst, struct task *st, uint64_t src, size_t n)
{
	if ((st && (src + n < src || src + n > USER_TOP)) ||
	    (dt && (dst + n < dst || dst + n > USER_TOP)))
		return -EFAULT;
	while (n > 0) {
		uint8_t *s = st ? user_addr(st, src, PTE_R) : (uint8_t *)src;
		uint8_t *d = dt ? user_addr(dt, dst, PTE_W) : (uint8_t *)dst;
		if (!s || !d)
			return -EFAULT;
		/* Up to the nearer page end (a kernel buffer need not stop there). */
		uint64_t off = src % PGSIZE > dst % PGSIZE ? src % PGSIZE : dst % PGSIZE;
		size_t chunk = n < PGSIZE - off ? n : PGSIZE - off;
		memcpy(d, s, chunk);
		src += chunk;
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

int copyin(struct task *t, void *dst, uint64_t uva, size_t n)
{
	return copy_between(NULL, (uint64_t)dst, t, uva, n);
}

int copyout(struct task *t, uint64_t uva, const void *src, size_t n)
{
	return copy_between(t, uva, NULL, (uint64_t)src, n);
}

int copy_user(struct task *dt, uint64_t dva, struct task *st, uint64_t sva, size_t n)
{
	return copy_between(dt, dva, st, sva, n);
}
