/*
 * Tasks and threads. A task is an address space plus rights; it holds up to
 * TASK_MAX_THREADS threads. All of them come from fixed pools (tasks[] and
 * each task's threads[]), so no task can make the kernel allocate without
 * bound: a task may have MAX_CHILDREN live children and KPAGES_QUOTA pages
 * of page tables.
 *
 * A task ID is its slot in tasks[] plus NTASK times a generation that grows
 * each time the slot is reused, so a stale ID never names a new task.
 */
#include "kernel.h"
#include <mica/elf.h>
#include <mica/bootinfo.h>

struct task tasks[NTASK];

/* Does t own the physical page at pa (may it map it)? */
bool task_owns(struct task *t, uint64_t pa)
{
	for (int i = 0; i < TASK_MAX_RANGES; i++)
		if (pa >= t->owns[i].base && pa - t->owns[i].base < t->owns[i].size)
			return true;
	return false;
}

/* A fresh task in a free slot, alone: an empty address space with its own
 * ASID, no rights, no threads. NULL when the pool or memory is exhausted. */
static struct task *task_alloc(const char *name)
{
	struct task *t = NULL;
	for (int i = 0; i < NTASK && !t; i++)
		if (tasks[i].state == TASK_FREE && !tasks[i].pagetable)
			t = &tasks[i];   /* (a freed slot keeps its page table while a hart still runs in it) */
	uint64_t *pt = t ? vm_create() : NULL;
	if (!pt)
		return NULL;   /* no free slot, or no memory */
	uint64_t id = t->id ? t->id + NTASK : (uint64_t)task_slot(t) + NTASK;
	memset(t, 0, sizeof(*t));
	t->id = id;
	t->state = TASK_ALIVE;
	strncpy_z(t->name, name, sizeof(t->name));
	t->pagetable = pt;
	/* ASID = slot + 1 (0 is the kernel's). Entries a previous task of this
	 * slot left in any hart's TLB must go before the ASID is reused. */
	t->satp = MAKE_SATP(KVA2PA(pt), task_slot(t) + 1);
	smp_flush_asid(task_slot(t) + 1);
	t->kquota = KPAGES_QUOTA;
	t->max_children = MAX_CHILDREN;
	for (int i = 0; i < TASK_MAX_THREADS; i++) {
		t->threads[i].task = t;
		t->threads[i].id = t->threads[i].token = id * TASK_MAX_THREADS + i;
	}
	return t;
}

/* Set up free thread th to start at pc with stack sp, a0 = arg, at
 * priority prio, pinned to hart index `hart` (-1: any), and make it
 * runnable. It keeps who it is (and its count of calls, so that a reply
 * meant for the slot's last thread cannot reach it); the rest starts at 0. */
static void thread_start(struct thread *th, uint64_t pc, uint64_t sp, uint64_t arg, int prio, int hart)
{
	*th = (struct thread){
		.cpu = th->cpu, .task = th->task, .id = th->id, .token = th->token,
		.regs = { [R_PC] = pc, [R_SP] = sp, [R_A0] = arg },
		.prio = prio, .hart = hart, .slice = SLICE_TICKS,
	};
	sched_ready(th);
}

/* LAB sched BEGIN */
/* A new task, child of parent: parent and child may send to each other,
 * and the parent is the child's pager. Returns NULL when the parent has
 * max_children live children, or the pool or memory is exhausted. */
struct task *task_create(struct task *parent, const char *name)
{
	if (parent->nchildren >= parent->max_children)
		return NULL;
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	t->parent = t->pager = parent;
	parent->nchildren++;
	send_right_give(t, parent);
	send_right_give(parent, t);
	return t;
}

/* Start a thread in task t (see thread_start). NULL if t already has
 * TASK_MAX_THREADS threads. */
struct thread *thread_create(struct task *t, uint64_t pc, uint64_t sp, uint64_t arg, int prio, int hart)
{
	for (int i = 0; i < TASK_MAX_THREADS; i++) {
		struct thread *th = &t->threads[i];
		if (th->state == T_FREE) {
			thread_start(th, pc, sp, arg, prio, hart);
			return th;
		}
	}
	return NULL;
}
/* LAB sched ELSE
struct task *task_create(struct task *parent, const char *name)
{
	(void)parent; (void)name;
	kprintf("task_create: not written yet (lab sched)\n");
	return NULL;
}

struct thread *thread_create(struct task *t, uint64_t pc, uint64_t sp, uint64_t arg, int prio, int hart)
{
	(void)t; (void)pc; (void)sp; (void)arg; (void)prio; (void)hart;
	kprintf("thread_create: not written yet (lab sched)\n");
	return NULL;
}
   LAB sched END */

/* Take a thread off whatever queue it is on and release its slot. */
void thread_free(struct thread *th)
{
	tq_remove(th);
	if (th->state == T_RUNNING && th->cpu->cur == th)
		th->cpu->cur = NULL;
	th->state = T_FREE;
}

/* Does a hart still run a thread of t (dying: it stops at its next trap)? */
static bool still_running(struct task *t)
{
	for (int i = 0; i < TASK_MAX_THREADS; i++)
		if (t->threads[i].state == T_DYING)
			return true;
	return false;
}

/* ... or a thread of t or of a descendant that died with it? */
static bool tree_running(struct task *t)
{
	for (int i = 0; i < NTASK; i++)
		if ((&tasks[i] == t || tasks[i].dies_with == t) && still_running(&tasks[i]))
			return true;
	return false;
}

/* Free the task's address space once no hart runs in it any more. A dead
 * task becomes reapable, and its parent learns of it, only once no hart
 * runs a thread of it or of the descendants that died with it: until then
 * such a thread may still touch frames its pager would reuse. (Its page
 * table is kept till then too, which keeps its slot, and so the
 * descendants' dies_with, from being reused.) */
static void task_reclaim(struct task *t)
{
	if (!t->pagetable || (t->dies_with ? still_running(t) : tree_running(t)))
		return;
	vm_free(t->pagetable);
	t->pagetable = NULL;
	if (t->dies_with)
		return;   /* died with an ancestor, which reports for all */
	if (t->state == TASK_ZOMBIE && t->parent && t->parent->state == TASK_ALIVE)
		ipc_notify(t->parent, NOTIFY_CHILD_EXIT);
	/* A pager that is not the task's parent learns of its death too (it may
	 * have lent it frames); SYS_TASK_ALIVE tells it which task it was. */
	for (int i = 0; i < NTASK; i++) {
		struct task *u = &tasks[i], *pager = u->pager;
		if ((u == t || u->dies_with == t) && pager && pager != u->parent &&
		    pager->state == TASK_ALIVE)
			ipc_notify(pager, NOTIFY_PAGED_EXIT);
	}
}

/* A hart found its thread dying (its task was destroyed meanwhile). */
void thread_discard(struct thread *th)
{
	struct task *t = th->task;
	th->cpu->cur = NULL;
	th->state = T_FREE;
	vm_switch(kernel_satp());   /* this hart stood in t's address space */
	task_reclaim(t);
	if (t->dies_with)
		task_reclaim(t->dies_with);   /* it may have been the last of the tree */
}

/* The end of one task, whose descendants are dealt with already: its
 * threads stop, peers blocked on it get -EDEAD, its interrupts are freed. */
static void task_end(struct task *t, int code)
{
	struct cpu *me = mycpu();
	t->state = TASK_ZOMBIE;
	t->exit_code = code;
	TRACE(TR_EXIT, 0, t->id, 0, 0, 0, 0, code);
	for (int i = 0; i < TASK_MAX_THREADS; i++) {
		struct thread *th = &t->threads[i];
		if (th->state == T_RUNNING && th->cpu != me) {
			th->state = T_DYING;     /* its hart drops it at its next trap */
			smp_kick(th->cpu->index);
		} else if (th->state != T_FREE) {
			thread_free(th);
		}
	}
	ipc_task_died(t);
	irq_release(t);
	if (me->satp == t->satp)   /* never free the page table we stand on */
		vm_switch(kernel_satp());
	if (!t->parent || t->parent->state != TASK_ALIVE)
		t->state = TASK_FREE;   /* no one to reap it */
	task_reclaim(t);           /* now, or when its last dying thread is gone */
}

/* End task t with exit code `code`, and with it every descendant. Once no
 * hart runs in any of them (task_reclaim), t's parent gets
 * NOTIFY_CHILD_EXIT and reaps the exit code with SYS_TASK_WAIT; a task
 * without a live parent is freed at once. No recursion: the descendants
 * are found a generation per pass, so the depth of the tree does not
 * matter to the kernel stack. */
void task_destroy(struct task *t, int code)
{
	if (t->state != TASK_ALIVE)
		return;
	t->state = TASK_ZOMBIE;   /* dying: a destroy nested in what follows returns at once */
	for (bool more = true; more;) {
		more = false;
		for (int i = 0; i < NTASK; i++) {
			struct task *u = &tasks[i], *p = u->parent;
			if (u->state != TASK_FREE && !u->dies_with && p && (p == t || p->dies_with == t)) {
				u->dies_with = t;
				more = true;
			}
		}
	}
	for (int i = 0; i < NTASK; i++) {
		struct task *u = &tasks[i];
		if (u->dies_with != t || u->state == TASK_FREE || !u->parent)
			continue;
		if (u->state == TASK_ALIVE)
			task_end(u, -1);
		if (u->state == TASK_ZOMBIE)
			u->state = TASK_FREE;   /* no one to reap it */
		u->parent = NULL;
	}
	task_end(t, code);
	if (!t->parent) {   /* the root task: the system's life ends with it */
		kprintf("root task '%s' exited with status %d: powering off\n", t->name, code);
		sbi_shutdown(code != 0);
	}
}

/* Reap a zombie child of parent: `id` names one, or 0 for any. Returns
 * the child's ID and stores its exit code, -EAGAIN if none has died yet,
 * -ESRCH if parent has no such child. */
int64_t task_wait(struct task *parent, uint64_t id, int *code)
{
	bool any = false;
	for (int i = 0; i < NTASK; i++) {
		struct task *c = &tasks[i];
		if (c->parent != parent || c->state == TASK_FREE || (id && c->id != id))
			continue;
		any = true;
		if (c->state == TASK_ZOMBIE && !c->pagetable) {   /* fully torn down */
			*code = c->exit_code;
			c->state = TASK_FREE;
			c->parent = NULL;
			parent->nchildren--;
			return (int64_t)c->id;
		}
	}
	return any ? -EAGAIN : -ESRCH;
}

/* ---- the root task ---- */

extern char bootfs_start[], bootfs_end[];

/* Map the pages [pa, pa + size) at va in t with perm (no copy). */
static int map_range(struct task *t, uint64_t va, uint64_t pa, uint64_t size, uint64_t perm)
{
	for (uint64_t off = 0; off < size; off += PGSIZE)
		if (vm_map(t->pagetable, va + off, pa + off, perm | PTE_U, NULL) < 0)
			return -ENOMEM;
	return 0;
}

/* Map fresh kernel-pool pages over [va, va + size) in t, copying `n`
 * bytes from src to the start. Returns 0 or -ENOMEM. */
static int map_copy(struct task *t, uint64_t va, uint64_t size, const void *src, uint64_t n,
                    uint64_t perm)
{
	for (uint64_t off = 0; off < size; off += PGSIZE) {
		uint8_t *page = kalloc();
		if (!page)
			return -ENOMEM;
		if (off < n)
			memcpy(page, (const uint8_t *)src + off, n - off < PGSIZE ? n - off : PGSIZE);
		if (map_range(t, va + off, KVA2PA(page), PGSIZE, perm) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* LAB trap BEGIN */
/* Load an ELF executable into t; its entry point in *entry. Segments must
 * be page aligned, in the user half, and not both writable and executable.
 * Returns 0, -ENOEXEC for a bad file, -ENOMEM. */
static int elf_load(struct task *t, const uint8_t *image, uint64_t size, uint64_t *entry)
{
	const struct elf_header *eh = (const struct elf_header *)image;
	const struct elf_phdr *phdrs = elf_phdrs(image, size);
	if (!phdrs)
		return -ENOEXEC;
	for (const struct elf_phdr *ph = phdrs; ph < phdrs + eh->phnum; ph++) {
		if (ph->type != PT_LOAD)
			continue;
		if (!elf_segment_ok(ph, size))
			return -ENOEXEC;
		uint64_t perm = (ph->flags & PF_R ? PTE_R : 0) | (ph->flags & PF_W ? PTE_W : 0) |
		                (ph->flags & PF_X ? PTE_X : 0);
		if (map_copy(t, ph->vaddr, PGROUNDUP(ph->memsz), image + ph->off, ph->filesz, perm) < 0)
			return -ENOMEM;
	}
	*entry = eh->entry;
	return 0;
}
/* LAB trap ELSE
static int elf_load(struct task *t, const uint8_t *image, uint64_t size, uint64_t *entry)
{
	(void)t; (void)image; (void)size; (void)entry; (void)map_copy;
	kprintf("elf_load: not written yet (lab trap)\n");
	return -ENOSYS;
}
   LAB trap END */

/* Create the root task from program `name` in the boot archive, hand it
 * the RAM in [mem_base, mem_end) and the devices, and start its thread.
 * Returns NULL (after saying why) if it cannot be done. */
struct task *task_load_root(const char *name, struct bootinfo *bi)
{
	const struct bootfs_entry *e = bootfs_lookup((const struct bootfs *)bootfs_start, name);
	if (!e) {
		kprintf("root task: no program '%s' in the boot archive\n", name);
		return NULL;
	}
	struct task *t = task_alloc(name);
	uint64_t entry;
	int err = t ? elf_load(t, (const uint8_t *)bootfs_start + e->offset, e->size, &entry) : -ENOMEM;
	if (!err)
		err = map_copy(t, USTACK_TOP_USER - 4 * PGSIZE, 4 * PGSIZE, NULL, 0, PTE_R | PTE_W);
	if (!err)
		err = map_range(t, BOOTINFO_VA, KVA2PA(bi), PGSIZE, PTE_R);
	if (!err)
		err = map_range(t, BOOTFS_VA, KVA2PA(bootfs_start), PGROUNDUP(bi->bootfs_size), PTE_R);
	if (!err)
		err = map_range(t, WINDOW_VA, bi->mem_base, bi->mem_size, PTE_R | PTE_W);
	if (err) {
		kprintf("root task: cannot load '%s': error %d\n", name, err);
		return NULL;
	}
	t->kquota = 1 << 30;   /* the root task's page tables are the kernel's business */
	t->max_children = NTASK - 1;   /* it creates every other task */
	t->owns[0] = (struct range){ bi->mem_base, bi->mem_size };
	for (uint64_t i = 0; i < bi->ndevs && i + 1 < TASK_MAX_RANGES; i++)
		t->owns[i + 1] = (struct range){ bi->devs[i].pa, bi->devs[i].size };
	t->irq_rights = ~0UL;
	t->may_create = t->may_trace = true;
	thread_start(&t->threads[0], entry, USTACK_TOP_USER, BOOTINFO_VA, PRIO_DEFAULT, -1);
	return t;
}
