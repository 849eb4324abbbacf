/*
 * The one trap vector (stvec), for traps from user and from kernel mode.
 *
 * sscratch tells them apart: while a thread runs in user mode sscratch holds
 * its struct thread; in the kernel it holds 0. Swapping tp with sscratch
 * therefore yields the thread (user trap) or 0 (kernel trap).
 *
 * Mica's kernel keeps no state on a stack between traps: each hart has one
 * kernel stack, and a thread's user registers live in its struct thread
 * (which starts with them). A trap saves them in two halves, as the C
 * calling convention splits them. The caller-saved half (ra, sp, tp, t*,
 * a*, the pc) is saved at once: C code would overwrite it. The callee-saved
 * half (gp, s0..s11) C code keeps intact (the kernel never uses gp), so it
 * is saved only if the thread stops running here. A system call after
 * which the caller simply goes on never saves or reloads it: the kernel's
 * shortest path (docs/traps.md).
 */
#define REG(n) (8 * (n))
#define THREAD_CPU 256        /* offsetof(struct thread, cpu) */
#define CPU_STACK_TOP 8       /* offsetof(struct cpu, stack_top) */

	.section .text
	.globl trap_vector
	.balign 4
trap_vector:
	csrrw	tp, sscratch, tp
	beqz	tp, trap_from_kernel

	/* From user mode: tp = the running thread. The caller-saved half. */
	sd	ra, REG(1)(tp)
	sd	sp, REG(2)(tp)
	sd	t0, REG(5)(tp)
	sd	t1, REG(6)(tp)
	sd	t2, REG(7)(tp)
	sd	a0, REG(10)(tp)
	sd	a1, REG(11)(tp)
	sd	a2, REG(12)(tp)
	sd	a3, REG(13)(tp)
	sd	a4, REG(14)(tp)
	sd	a5, REG(15)(tp)
	sd	a6, REG(16)(tp)
	sd	a7, REG(17)(tp)
	sd	t3, REG(28)(tp)
	sd	t4, REG(29)(tp)
	sd	t5, REG(30)(tp)
	sd	t6, REG(31)(tp)
	csrr	t0, sscratch		/* the user's tp */
	sd	t0, REG(4)(tp)
	csrr	t0, sepc		/* the pc, past the instruction: right for an */
	addi	t0, t0, 4		/* ecall, and trap_leave undoes it for the rest */
	csrw	sepc, t0
	sd	t0, REG(0)(tp)		/* regs[0] holds the pc */
	csrw	sscratch, zero

	mv	a0, tp
	ld	tp, THREAD_CPU(a0)	/* kernel tp: this hart's struct cpu */
	ld	sp, CPU_STACK_TOP(tp)
	call	trap_user		/* a0 = thread to enter or 0, a1 = the one that trapped */
	beq	a0, a1, resume_caller_saved	/* it goes on: its other half is still here */

	/* The trapping thread stops here: save its callee-saved half. */
	sd	gp, REG(3)(a1)
	sd	s0, REG(8)(a1)
	sd	s1, REG(9)(a1)
	sd	s2, REG(18)(a1)
	sd	s3, REG(19)(a1)
	sd	s4, REG(20)(a1)
	sd	s5, REG(21)(a1)
	sd	s6, REG(22)(a1)
	sd	s7, REG(23)(a1)
	sd	s8, REG(24)(a1)
	sd	s9, REG(25)(a1)
	sd	s10, REG(26)(a1)
	sd	s11, REG(27)(a1)
	beqz	a0, leave
	/* trap_user switched to thread a0 and kept the lock until now: with
	 * it, no other hart could resume the old thread half saved. */
	fence	rw, w
	la	t0, bkl
	sd	zero, 0(t0)

/* user_resume(struct thread *t): enter user mode with all of t's registers.
 * The caller has released the bkl; sstatus.SPP = 0 (return to U-mode) and
 * SPIE = 1 already (trap_inithart). */
	.globl user_resume
user_resume:
	ld	gp, REG(3)(a0)
	ld	s0, REG(8)(a0)
	ld	s1, REG(9)(a0)
	ld	s2, REG(18)(a0)
	ld	s3, REG(19)(a0)
	ld	s4, REG(20)(a0)
	ld	s5, REG(21)(a0)
	ld	s6, REG(22)(a0)
	ld	s7, REG(23)(a0)
	ld	s8, REG(24)(a0)
	ld	s9, REG(25)(a0)
	ld	s10, REG(26)(a0)
	ld	s11, REG(27)(a0)
	ld	t0, REG(0)(a0)
	csrw	sepc, t0
resume_caller_saved:		/* (sepc is right: trap_vector set it) */
	csrw	sscratch, a0
	ld	ra, REG(1)(a0)
	ld	sp, REG(2)(a0)
	ld	tp, REG(4)(a0)
	ld	t0, REG(5)(a0)
	ld	t1, REG(6)(a0)
	ld	t2, REG(7)(a0)
	ld	a1, REG(11)(a0)
	ld	a2, REG(12)(a0)
	ld	a3, REG(13)(a0)
	ld	a4, REG(14)(a0)
	ld	a5, REG(15)(a0)
	ld	a6, REG(16)(a0)
	ld	a7, REG(17)(a0)
	ld	t3, REG(28)(a0)
	ld	t4, REG(29)(a0)
	ld	t5, REG(30)(a0)
	ld	t6, REG(31)(a0)
	ld	a0, REG(10)(a0)
	sret

/* The slow way out, with the bkl held and the thread wholly saved. */
leave:
	mv	a0, a1
	mv	fp, zero		/* backtraces stop here */
	call	trap_leave		/* does not return */

/* From kernel mode: only a kernel bug gets here (the kernel runs with
 * interrupts off and never touches user memory through user addresses).
 * Save the registers on the hart stack and let trap_kernel report it. */
trap_from_kernel:
	csrrw	tp, sscratch, tp	/* tp back, sscratch = 0 again */
	addi	sp, sp, -REG(32)
	sd	ra, REG(1)(sp)
	sd	gp, REG(3)(sp)
	sd	tp, REG(4)(sp)
	sd	t0, REG(5)(sp)
	sd	t1, REG(6)(sp)
	sd	t2, REG(7)(sp)
	sd	s0, REG(8)(sp)
	sd	s1, REG(9)(sp)
	sd	a0, REG(10)(sp)
	sd	a1, REG(11)(sp)
	addi	t0, sp, REG(32)
	sd	t0, REG(2)(sp)
	csrr	t0, sepc
	sd	t0, REG(0)(sp)
	mv	a0, sp
	call	trap_kernel		/* does not return */
