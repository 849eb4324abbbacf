/*
 * The system call table and the calls that are not IPC. Every argument
 * comes from the user and is checked here: IDs must name live tasks the
 * caller has a right to, pointers go through copyin/copyout, numbers are
 * range-checked. docs/syscalls.md lists them all.
 */
#include "kernel.h"

#define ARG(t, n) ((t)->regs[R_A0 + (n)])

static int64_t sys_debug_write(struct thread *t)
{
	char buf[129];
	uint64_t va = ARG(t, 0), len = ARG(t, 1);
	if (len > 4096)
		return -EINVAL;
	for (uint64_t done = 0, n; done < len; done += n) {
		n = len - done < 128 ? len - done : 128;
		if (copyin(t->task, buf, va + done, n) < 0)
			return -EFAULT;
		buf[n] = 0;
		kprintf("%s", buf);
	}
	return (int64_t)len;
}

static int64_t sys_exit(struct thread *t)
{
	task_destroy(t->task, (int)ARG(t, 0));
	return 0;
}

static int64_t sys_yield(struct thread *t)
{
	t->slice = SLICE_TICKS;
	mycpu()->need_resched = true;
	return 0;
}

static int64_t sys_sleep(struct thread *t)
{
	if (ARG(t, 0) == 0 || ARG(t, 0) == IPC_FOREVER)
		return ARG(t, 0) == 0 ? sys_yield(t) : -EINVAL;
	sched_block(t, T_SLEEP, ARG(t, 0));
	return 0;
}

static NOFRAME int64_t sys_self(struct thread *t)
{
	return (int64_t)t->id;
}

static int64_t sys_notify(struct thread *t)
{
	struct task *dest = task_lookup(ARG(t, 0));
	if (!dest)
		return -ESRCH;
	if (!may_send(t->task, dest))
		return -EPERM;
	if (ARG(t, 1) & NOTIFY_KERNEL)
		return -EINVAL;   /* only the kernel says a child died */
	TRACE(TR_NOTIFY, 0, t->id, dest->id, 0, ARG(t, 1), 0, 0);
	return ipc_notify(dest, ARG(t, 1));
}

/* The task named by id for an operation on its address space or threads:
 * the caller itself (id 0 or its own ID) or a task it is the pager of. */
static struct task *managed_task(struct thread *t, uint64_t id)
{
	if (id == 0)
		return t->task;
	struct task *o = task_lookup(id);
	return (o && (o == t->task || o->pager == t->task)) ? o : NULL;
}

static int64_t sys_task_create(struct thread *t)
{
	char name[16] = "task";
	if (!t->task->may_create)
		return -EPERM;
	/* Up to the NUL, or 15 characters: name[15] stays 0. */
	for (size_t i = 0; ARG(t, 0) && i + 1 < sizeof(name); i++) {
		if (copyin(t->task, &name[i], ARG(t, 0) + i, 1) < 0)
			return -EFAULT;
		if (!name[i])
			break;
	}
	struct task *c = task_create(t->task, name);
	if (!c)
		return -ENOMEM;
	uint64_t w[2];
	memcpy(w, name, sizeof(w));
	TRACE(TR_SPAWN, 0, t->task->id, c->id, 0, w[0], w[1], 0);
	return (int64_t)c->id;
}

static int64_t sys_task_grant(struct thread *t)
{
	struct task *child = task_lookup(ARG(t, 0)), *me = t->task, *target;
	uint64_t value = ARG(t, 2);
	if (!child)
		return -ESRCH;
	if (child->parent != me)
		return -EPERM;
	switch (ARG(t, 1)) {
	case GRANT_SEND:
	case GRANT_PAGER:
		target = task_lookup(value);
		if (!target)
			return -ESRCH;
		if (target != me && !may_send(me, target))
			return -EPERM;
		if (ARG(t, 1) == GRANT_PAGER && target == child)
			return -EINVAL;   /* its own pager: a fault would wait on itself */
		if (ARG(t, 1) == GRANT_PAGER)
			child->pager = target;
		send_right_give(child, target);
		return 0;
	case GRANT_IRQ:
		if (value >= NIRQ)
			return -EINVAL;
		if (!(me->irq_rights & (1UL << value)))
			return -EPERM;
		child->irq_rights |= 1UL << value;
		return 0;
	case GRANT_CREATE:
		if (!me->may_create)
			return -EPERM;
		child->may_create = true;
		return 0;
	case GRANT_TRACE:
		if (!me->may_trace)
			return -EPERM;
		child->may_trace = true;
		return 0;
	}
	return -EINVAL;
}

static int64_t sys_task_kill(struct thread *t)
{
	struct task *o = task_lookup(ARG(t, 0));
	if (!o)
		return -ESRCH;
	if (o != t->task && o->parent != t->task)
		return -EPERM;
	task_destroy(o, -1);
	return 0;
}

static int64_t sys_task_wait(struct thread *t)
{
	int code = 0;
	/* Check the status pointer first: a child reaped is gone for good. */
	if (ARG(t, 1) && copyout(t->task, ARG(t, 1), &code, sizeof(code)) < 0)
		return -EFAULT;
	int64_t id = task_wait(t->task, ARG(t, 0), &code);
	if (id > 0 && ARG(t, 1))
		copyout(t->task, ARG(t, 1), &code, sizeof(code));
	return id;
}

static int64_t sys_thread_create(struct thread *t)
{
	struct task *o = managed_task(t, ARG(t, 0));
	int64_t prio = (int64_t)ARG(t, 4), hart = (int64_t)ARG(t, 5);
	if (!o)
		return -ESRCH;
	if (ARG(t, 1) >= USER_TOP || ARG(t, 2) > USER_TOP || prio < 0 || prio >= NPRIO ||
	    hart < -1 || hart >= ncpu || (hart >= 0 && !cpus[hart].started))
		return -EINVAL;
	if (prio > t->prio)
		return -EPERM;   /* no thread above its creator's priority */
	struct thread *th = thread_create(o, ARG(t, 1), ARG(t, 2), ARG(t, 3), (int)prio, (int)hart);
	return th ? (int64_t)th->id : -ENOMEM;
}

static int64_t sys_thread_exit(struct thread *t)
{
	struct task *o = t->task;
	int alive = 0;
	for (int i = 0; i < TASK_MAX_THREADS; i++)
		alive += o->threads[i].state != T_FREE && o->threads[i].state != T_DYING;
	if (alive == 1)
		task_destroy(o, 0);
	else
		thread_free(t);
	return 0;
}

/* SYS_MAP: map the physical page pa, which the caller owns, at va in
 * itself or in a task it is the pager of, with MAP_* permissions (W^X).
 * Nothing maps below USER_MIN, so that a null pointer always faults (as
 * Linux's mmap_min_addr). */
static int64_t sys_map(struct thread *t)
{
	struct task *o = managed_task(t, ARG(t, 0));
	uint64_t va = ARG(t, 1), pa = ARG(t, 2), perm = ARG(t, 3);
	if (!o)
		return -ESRCH;
	if (va % PGSIZE || va < USER_MIN || va >= USER_TOP || pa % PGSIZE || !(perm & MAP_R) ||
	    (perm & ~(uint64_t)(MAP_R | MAP_W | MAP_X | MAP_NOREPLACE)) ||
	    (perm & (MAP_W | MAP_X)) == (MAP_W | MAP_X))
		return -EINVAL;   /* W^X, and Sv39 has no write-only pages */
	if (!task_owns(t->task, pa))
		return -EPERM;
	uint64_t *old = vm_walk(o->pagetable, va, false, NULL);
	bool remap = old && (*old & PTE_V);
	if (remap && (perm & MAP_NOREPLACE))
		return -EEXIST;   /* a pager racing two faults on one page keeps the first */
	uint64_t pte = PTE_U | (perm & MAP_R ? PTE_R : 0) | (perm & MAP_W ? PTE_W : 0) |
	               (perm & MAP_X ? PTE_X : 0);
	if (vm_map(o->pagetable, va, pa, pte, o) < 0)
		return -ENOMEM;
	if (remap)   /* every hart must forget the old frame */
		smp_flush_asid(task_slot(o) + 1);
	else         /* a new mapping: only this hart may have cached the miss */
		asm volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
	return 0;
}

/* SYS_UNMAP: remove the mapping at va in the caller or a task it pages;
 * every hart forgets it before the call returns. */
static int64_t sys_unmap(struct thread *t)
{
	struct task *o = managed_task(t, ARG(t, 0));
	if (!o)
		return -ESRCH;
	if (ARG(t, 1) % PGSIZE || ARG(t, 1) >= USER_TOP)
		return -EINVAL;
	int err = vm_unmap(o->pagetable, ARG(t, 1));
	if (err)
		return err;
	void *freed[2];
	int n = vm_prune(o->pagetable, ARG(t, 1), freed);
	smp_flush_asid(task_slot(o) + 1);
	for (int i = 0; i < n; i++)
		kfree(freed[i]);
	o->kpages = o->kpages > n ? o->kpages - n : 0;   /* the root's own are not counted */
	return 0;
}

static int64_t sys_irq_register(struct thread *t)
{
	return irq_register(t->task, ARG(t, 0), ARG(t, 1));
}

static int64_t sys_irq_ack(struct thread *t)
{
	return irq_ack(t->task, ARG(t, 0));
}

/* SYS_TIME: nanoseconds since boot. */
static int64_t sys_time(struct thread *t)
{
	(void)t;
	return (int64_t)(rdtime() * (1000000000UL / timebase));
}

static int64_t sys_task_alive(struct thread *t)
{
	return task_lookup(ARG(t, 0)) != NULL;
}

static int64_t sys_ktest(struct thread *t)
{
	switch (ARG(t, 0)) {
	case KTEST_PTDUMP:
		vm_dump(t->task->pagetable);
		return 0;
	case KTEST_STATS: {
		int ntasks = 0;
		for (int i = 0; i < NTASK; i++)
			ntasks += tasks[i].state != TASK_FREE;
		kprintf("kstats: tasks %d free-pages %lu\n", ntasks, kalloc_free_pages());
		return (int64_t)kalloc_free_pages();
	}
	case KTEST_HART:
		return (int64_t)mycpu()->hartid;
	case KTEST_KPAGES:
		return (int64_t)kalloc_free_pages();
	case KTEST_KPOOL:
		return (int64_t)kpool_pages;
	case KTEST_FP:
		return (int64_t)fp_stats();
	case KTEST_BOOTMARK:
		if (bootarg("bench"))
			kprintf("BENCH boot_to_shell %lu\n", rdinstret() - boot_instret);
		return 0;
	}
	return -EINVAL;
}

/* Every number below SYS_NCALLS has its function: trap.c's syscall()
 * calls the slot without testing it for NULL. Not const: SYS_IPC's slot
 * changes while the IPC trace records (ipc_fastpath_trace). */
int64_t (*syscall_table[SYS_NCALLS])(struct thread *) = {
	[SYS_DEBUG_WRITE] = sys_debug_write,
	[SYS_EXIT] = sys_exit,
	[SYS_YIELD] = sys_yield,
	[SYS_SLEEP] = sys_sleep,
	[SYS_SELF] = sys_self,
	[SYS_NOTIFY] = sys_notify,
	[SYS_TASK_CREATE] = sys_task_create,
	[SYS_TASK_GRANT] = sys_task_grant,
	[SYS_TASK_KILL] = sys_task_kill,
	[SYS_TASK_WAIT] = sys_task_wait,
	[SYS_THREAD_CREATE] = sys_thread_create,
	[SYS_THREAD_EXIT] = sys_thread_exit,
	[SYS_MAP] = sys_map,
	[SYS_UNMAP] = sys_unmap,
	[SYS_IRQ_REGISTER] = sys_irq_register,
	[SYS_IRQ_ACK] = sys_irq_ack,
	[SYS_TIME] = sys_time,
	[SYS_KTEST] = sys_ktest,
	[SYS_TRACE] = sys_trace,
	[SYS_TASK_ALIVE] = sys_task_alive,
	[SYS_IPC] = sys_ipc,
};
