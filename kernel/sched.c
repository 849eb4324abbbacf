/*
 * The scheduler: preemptive, priority round-robin, on every hart.
 *
 * Locking: one big kernel lock (bkl, smp.c). A hart takes it on every entry from
 * user mode (trap.c) and drops it just before returning to user mode
 * (sched_run; trap_user's direct return; trap.S after a direct switch,
 * once the old thread is wholly saved) or before waiting for an
 * interrupt (idle). The kernel never
 * blocks or takes an interrupt while holding it, and no kernel code runs
 * outside it except printf and kalloc (which have their own locks), so
 * every kernel data structure is protected by it. docs/scheduling.md says
 * what per-object locks would replace it.
 *
 * There is one kernel stack per hart, not per thread: a thread that blocks
 * keeps all its state in its saved registers, and the kernel leaves through
 * trap.S's user_resume with whichever thread runs next (the seL4 style).
 */
#include "kernel.h"

#define RUNQ(p) { .runq_bit = 1U << (p) }
_Static_assert(NPRIO == 8, "one RUNQ() per priority");
static struct tqueue runq[NPRIO] = {   /* one FIFO per priority */
	RUNQ(0), RUNQ(1), RUNQ(2), RUNQ(3), RUNQ(4), RUNQ(5), RUNQ(6), RUNQ(7),
};
uint32_t runq_mask;                 /* bit p set: runq[p] is not empty */
bool tick_report;                   /* test=ticks: say when ticks arrive */

static __attribute__((unused)) bool may_run_on(struct thread *th, int hart)
{
	return th->hart < 0 || th->hart == hart;
}

/* LAB sched BEGIN */
/* Make th runnable: queue it and wake a hart that should run it now, either
 * an idle one or one running something of lower priority. */
void sched_ready(struct thread *th)
{
	th->state = T_RUNNABLE;
	tq_push(&runq[th->prio], th);
	runq_mask |= 1U << th->prio;
	int victim = -1;
	for (int i = 0; i < ncpu; i++) {
		struct cpu *c = &cpus[i];
		if (!c->started || !may_run_on(th, i))
			continue;
		if (!c->cur) {
			victim = i;       /* an idle hart: best */
			break;
		}
		if (c->cur->prio < th->prio && victim < 0)
			victim = i;
	}
	if (victim >= 0)
		smp_kick(victim);
}

/* The highest-priority runnable thread allowed on this hart, dequeued,
 * or NULL. */
static struct thread *sched_pick(int hart)
{
	for (int p = NPRIO - 1; p >= 0; p--) {
		if (!(runq_mask & (1U << p)))
			continue;
		for (struct thread *th = runq[p].head; th; th = th->next)
			if (may_run_on(th, hart)) {
				tq_remove(th);
				return th;
			}
	}
	return NULL;
}
/* LAB sched ELSE
void sched_ready(struct thread *th)
{
	static bool said;
	if (!said)
		kprintf("sched_ready: not written yet (lab sched): first come, first served\n");
	said = true;
	th->state = T_RUNNABLE;   // one queue, first come first served: no priorities yet
	tq_push(&runq[0], th);
	runq_mask |= 1;
}

static struct thread *sched_pick(int hart)
{
	struct thread *th = runq[0].head;
	(void)hart;
	if (th)
		tq_remove(th);
	return th;
}
   LAB sched END */

/* Make th runnable, preferring to run it next on this hart: the current
 * thread woke it and is about to block (a call, a reply_recv), so handing
 * the hart straight over skips the queue and an IPI. Falls back to
 * sched_ready when th may not run here or a higher priority is waiting. */
void sched_wake_local(struct thread *th)
{
	struct cpu *c = mycpu();
	if (c->next || !may_run_on(th, c->index) || sched_higher_runnable(th->prio)) {
		sched_ready(th);
		return;
	}
	th->state = T_RUNNABLE;
	c->next = th;
}

/* Block th in state st until woken or until timeout_ms pass
 * (IPC_FOREVER: no timeout). The caller has queued it where it waits. */
void sched_block(struct thread *th, enum thread_state st, uint64_t timeout_ms)
{
	uint64_t per_ms = timebase / 1000;
	th->state = st;
	th->deadline = 0;
	TRACE_SINCE(th);
	/* A timeout so long that it overflows the clock is no timeout. */
	if (timeout_ms != IPC_FOREVER && timeout_ms < (~0UL - rdtime()) / per_ms)
		th->deadline = rdtime() + (timeout_ms ? timeout_ms * per_ms : 1);
}

/* Wake a blocked thread with `result` in its a0. */
void sched_unblock(struct thread *th, int64_t result)
{
	tq_remove(th);
	th->deadline = 0;
	th->regs[R_A0] = (uint64_t)result;
	sched_ready(th);
}

/* The steps of sched_enter that most switches skip. */
static __attribute__((noinline)) void enter_rare(struct cpu *c, struct thread *th)
{
	if (c->fp_owner)
		fp_switch(th);
	if (MICA_TRACE && th->ipc_wait)
		trace_resume(th);   /* it blocked in IPC while the trace was on */
}

/* Make th the thread this hart runs, lock still held: its address space
 * (no TLB flush: each task has its own ASID and the kernel's entries are
 * global) and its FPU state. trap_user's direct switch enters it so. */
NOFRAME void sched_enter(struct thread *th)
{
	struct cpu *c = mycpu();
	th->state = T_RUNNING;
	th->cpu = c;
	c->cur = th;
	c->need_resched = false;
	vm_switch(th->task->satp);
	if (c->fp_owner || (MICA_TRACE && th->ipc_wait))
		enter_rare(c, th);   /* a tail call: sched_enter itself saves no registers */
}

/* Enter user mode in th on this hart. */
static noreturn void sched_run(struct thread *th)
{
	sched_enter(th);
	bkl_unlock();   /* sstatus says "sret to U-mode, interrupts on": see trap_inithart */
	user_resume(th);
}

/* No thread for this hart: wait with wfi until an interrupt brings work. */
static noreturn void sched_idle(struct cpu *c)
{
	c->cur = NULL;
	for (;;) {
		struct thread *th = sched_pick(c->index);
		if (th)
			sched_run(th);
		/* Idle: stand on the kernel page table, so that a task being
		 * destroyed never has its page table in use by an idle hart. */
		vm_switch(kernel_satp());
		if (c->fp_owner)
			fp_leave(c);   /* its last thread may run elsewhere now */
		bkl_unlock();
		wfi();   /* wakes when sip & sie != 0, even with sstatus.SIE clear */
		bkl_lock();
		intr_dispatch(csr_read(sip));   /* wfi took no trap: see what is pending */
	}
}

/* Leave the kernel: keep running the current thread if it can and should,
 * else run the thread handed over by sched_wake_local, else the best
 * runnable one, else idle. Called with the bkl held; never returns. */
void schedule(void)
{
	struct cpu *c = mycpu();
	struct thread *cur = c->cur, *next = c->next;
	c->next = NULL;
	if (cur && cur->state == T_RUNNING) {
		if (next)
			sched_ready(next);   /* we keep running: next goes to the queue */
		if (!c->need_resched)
			sched_run(cur);
		sched_ready(cur);   /* preempted: to the back of its queue */
		c->need_resched = false;
	} else if (next && next->state == T_RUNNABLE && !next->q) {
		sched_run(next);
	}
	sched_idle(c);
}

/* LAB sched BEGIN */
/* Wake every thread whose timeout has passed. */
static void sched_timeouts(void)
{
	uint64_t now = rdtime();
	for (int i = 0; i < NTASK; i++) {
		if (tasks[i].state != TASK_ALIVE)
			continue;   /* tested once per task, not once per thread: every tick runs this */
		for (int j = 0; j < TASK_MAX_THREADS; j++) {
			struct thread *th = &tasks[i].threads[j];
			if (th->deadline && th->deadline <= now)
				ipc_timeout(th);
		}
	}
}

/* Charge a tick to the thread running on c; when its slice is used up and
 * another thread of at least its priority waits, it must make way. */
static void sched_slice(struct cpu *c)
{
	struct thread *cur = c->cur;
	if (cur && --cur->slice <= 0) {
		cur->slice = SLICE_TICKS;
		if (runq_mask >> cur->prio)
			c->need_resched = true;
	}
}
/* LAB sched ELSE
static void sched_timeouts(void)
{
	static bool said;
	if (!said)
		kprintf("sched_timeouts: not written yet (lab sched): sleeps and timeouts never end\n");
	said = true;
}

static void sched_slice(struct cpu *c)
{
	(void)c;
}
   LAB sched END */

/* Ask for the next timer interrupt one tick from now (trap_interrupts_on
 * asks for the first). */
void timer_arm(void)
{
	sbi_set_timer(rdtime() + timebase / TICK_HZ);
}

/* The timer interrupt on this hart: ask for the next one, wake threads
 * whose timeout passed, account for the time slice. */
void sched_tick(void)
{
	struct cpu *c = mycpu();
	timer_arm();
	if (++c->ticks == 10 && tick_report)
		kprintf("hart %lu: 10 timer ticks\n", c->hartid);
	sched_timeouts();
	sched_slice(c);
}
