/*
 * Trap handling in C. trap.S saved the user registers into the thread (the
 * half that C code would overwrite) and switched to this hart's kernel
 * stack; trap_user decides what happened (scause, privileged spec 4.1.8).
 * A system call after which the caller goes on, or which hands the hart
 * to another thread, returns to trap.S; everything else leaves through
 * trap_leave and schedule().
 */
#include "kernel.h"

extern char trap_vector[];

/* LAB trap BEGIN */
/* Let U-mode read the cycle, time and instret counters (the benchmarks
 * do), enable timer and external interrupts, and start the tick. */
static void trap_interrupts_on(void)
{
	csr_write(scounteren, 7);
	csr_set(sie, SIE_STIE | SIE_SEIE);
	timer_arm();
}
/* LAB trap ELSE
static void trap_interrupts_on(void)
{
}
   LAB trap END */

/* Per hart: point stvec at the vector and turn on interrupts. They stay
 * globally off in S-mode (sstatus.SIE = 0): they arrive only while a hart
 * runs user code or waits in wfi. Software interrupts (IPIs) come first:
 * spin-waits rely on them (cpu_relax). */
void trap_inithart(void)
{
	csr_write(stvec, (uint64_t)trap_vector);
	csr_write(sie, SIE_SSIE);
	csr_clear(sstatus, SSTATUS_FS);   /* FPU off until a thread uses it (fp.c) */
	csr_write(scounteren, 0);   /* whatever the firmware left: U-mode reads what we allow */
	/* sret goes to U-mode with interrupts enabled: SPP = 0, SPIE = 1. Every
	 * sret leaves them so again (privileged spec 4.1.1), and only a user
	 * trap changes them back to these values, so they are set only here. */
	csr_clear(sstatus, SSTATUS_SPP);
	csr_set(sstatus, SSTATUS_SPIE);
	trap_interrupts_on();
}

static const char *cause_name(uint64_t cause)
{
	static const char *names[] = {
		[EXC_INST_MISALIGN] = "instruction address misaligned",
		[EXC_INST_ACCESS] = "instruction access fault",
		[EXC_ILLEGAL] = "illegal instruction",
		[EXC_BREAKPOINT] = "breakpoint",
		[4] = "load address misaligned",
		[EXC_LOAD_ACCESS] = "load access fault",
		[6] = "store address misaligned",
		[EXC_STORE_ACCESS] = "store access fault",
		[EXC_ECALL_U] = "ecall from U-mode",
		[9] = "ecall from S-mode",
		[EXC_INST_PAGE] = "instruction page fault",
		[EXC_LOAD_PAGE] = "load page fault",
		[EXC_STORE_PAGE] = "store page fault",
	};
	return cause < ARRAY_SIZE(names) && names[cause] ? names[cause] : "unknown exception";
}

/* An exception from user mode. Page faults on user addresses go to the
 * task's pager as a message, an illegal instruction may be a thread's first
 * use of the FPU (fp_trap); any other exception ends the task. */
static void user_exception(struct thread *t, uint64_t cause)
{
	uint64_t addr = csr_read(stval);
	int kind = cause == EXC_INST_PAGE ? FAULT_EXEC : cause == EXC_STORE_PAGE ? FAULT_WRITE : FAULT_READ;
	bool page_fault = cause == EXC_INST_PAGE || cause == EXC_LOAD_PAGE || cause == EXC_STORE_PAGE;
	if (page_fault && addr < USER_TOP && t->task->pager) {
		ipc_page_fault(t, addr, kind);
	} else if (!(cause == EXC_ILLEGAL && fp_trap(t))) {
		kprintf("task %lu (%s): %s at pc %p, %s %p: killed\n", t->task->id, t->task->name,
		        cause_name(cause), (void *)t->regs[R_PC],
		        cause == EXC_ILLEGAL ? "instruction" : "address", (void *)addr);
		task_destroy(t->task, -1);
	}
}

/* Everything but a system call: interrupts, exceptions, a dying thread. */
static void trap_other(struct thread *t, uint64_t cause)
{
	if (t->state == T_DYING)        /* its task died while it ran */
		thread_discard(t);
	else if (cause & SCAUSE_INTR)
		intr_dispatch(1UL << (cause & ~SCAUSE_INTR));
	else
		user_exception(t, cause);
}

/* Handle the interrupts whose bits are set in `pending` (as in sip): the
 * one of a trap, or those an idle hart finds pending after wfi, which
 * takes no trap (sched_idle). The one dispatcher of both. */
void intr_dispatch(uint64_t pending)
{
	if (pending & (1UL << IRQ_S_TIMER))
		sched_tick();
	if (pending & (1UL << IRQ_S_SOFT))
		csr_clear(sip, 1UL << IRQ_S_SOFT);   /* an IPI: just reschedule */
	if (pending & (1UL << IRQ_S_EXT))
		irq_dispatch();
}

/* LAB trap BEGIN */
/* Run the system call in a7 for thread t; its result goes to a0. A call
 * that blocked (state no longer T_RUNNING) gets its a0 when woken. Inline:
 * it sits on the hottest path of the kernel (trap_user, below). Every slot
 * of syscall_table is filled (syscall.c), so the range is the one check. */
static inline void syscall(struct thread *t)
{
	uint64_t n = t->regs[R_A7];
	int64_t ret = n < SYS_NCALLS ? syscall_table[n](t) : -ENOSYS;   /* no slot is NULL */
	if (t->state == T_RUNNING)   /* a blocked one's a0 may be its operation (IPC) */
		t->regs[R_A0] = (uint64_t)ret;
}
/* LAB trap ELSE
static inline void syscall(struct thread *t)
{
	t->regs[R_A0] = (uint64_t)-ENOSYS;
}
   LAB trap END */

/* Every trap from user mode lands here (from trap.S) with the thread's
 * caller-saved registers saved. System calls come first: they are the hot
 * path. Returns, in a0 and a1, the thread to enter and t itself:
 *  - {t, t}: the caller goes on, the lock is released: trap.S returns to it
 *    at once, having saved and reloaded only half of its registers;
 *  - {r, t}: t stopped and this hart switched to r (sched_enter), with the
 *    lock held, for trap.S to release once t is wholly saved;
 *  - {NULL, t}: anything else (an interrupt, an exception, a preemption, a
 *    block with no one handed over), lock held: trap.S saves the rest of t
 *    and calls trap_leave. */
NOFRAME struct trap_exit trap_user(struct thread *t)
{
	bkl_lock();
	/* A thread traps from user mode in T_RUNNING, or in T_DYING if its task
	 * died meanwhile; the test names the rare case (and so does not share
	 * the constant of the test below, which would cost GCC a register). */
	if (csr_read(scause) != EXC_ECALL_U || t->state == T_DYING)
		return (struct trap_exit){ NULL, t };
	syscall(t);     /* trap.S set the pc past the ecall */
	struct cpu *c = mycpu();
	if (c->need_resched)
		return (struct trap_exit){ NULL, t };
	if (t->state == T_RUNNING) {   /* (then cpu->next is NULL: see ipc_general) */
		bkl_unlock();   /* sstatus still says: back to U-mode */
		return (struct trap_exit){ t, t };
	}
	/* t stopped and handed this hart to r (sched_wake_local, or the IPC fast
	 * path). Nothing that ran since touched r; the test of r->q is for a
	 * fast path (lab ipc's) that forgot to take it off its queue, where
	 * another hart could find it: then schedule() drops it instead. */
	struct thread *r = c->next;
	if (r && !r->q) {
		c->next = NULL;
		sched_enter(r);
		return (struct trap_exit){ r, t };
	}
	return (struct trap_exit){ NULL, t };
}

/* The slow way out of a user trap (see trap_user), with all of t's
 * registers saved and the lock held: handle what was not a system call (or
 * came from a dying thread), then let the scheduler choose. */
void trap_leave(struct thread *t)
{
	uint64_t cause = csr_read(scause);
	if (cause != EXC_ECALL_U)
		t->regs[R_PC] -= 4;   /* trap.S's step past an ecall: not one */
	if (cause != EXC_ECALL_U || t->state == T_DYING)
		trap_other(t, cause);
	schedule();
}

/* A trap taken in S-mode: always a kernel bug, since the kernel keeps
 * interrupts off and checks user pointers in software. */
void trap_kernel(uint64_t *regs)
{
	uint64_t cause = csr_read(scause), addr = csr_read(stval), off = 0;
	const char *fn = ksym_lookup(regs[R_PC], &off);
	kprintf("\nkernel trap: %s at pc %p (%s+0x%lx), address %p\n", cause_name(cause),
	        (void *)regs[R_PC], fn ? fn : "?", off, (void *)addr);
	backtrace(regs[8]);   /* from the frame of the function that trapped */
	panic("kernel trap");
}
