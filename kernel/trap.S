/*
 * The one trap vector (stvec), for traps from user and from kernel mode.
 *
 * sscratch tells them apart: while a thread runs in user mode sscratch holds
 * its struct thread; in the kernel it holds 0. Swapping tp with sscratch
 * therefore yields the thread (user trap) or 0 (kernel trap).
 *
 * Mica's kernel keeps no state on a stack between traps: each hart has one
 * kernel stack, a user trap saves the user registers into the thread's
 * register array (struct thread starts with it) and C code never returns
 * here; it leaves through user_resume with whichever thread runs next.
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

	/* From user mode: tp = the running thread. */
	sd	ra, REG(1)(tp)
	sd	sp, REG(2)(tp)
	sd	gp, REG(3)(tp)
	sd	t0, REG(5)(tp)
	sd	t1, REG(6)(tp)
	sd	t2, REG(7)(tp)
	sd	s0, REG(8)(tp)
	sd	s1, REG(9)(tp)
	sd	a0, REG(10)(tp)
	sd	a1, REG(11)(tp)
	sd	a2, REG(12)(tp)
	sd	a3, REG(13)(tp)
	sd	a4, REG(14)(tp)
	sd	a5, REG(15)(tp)
	sd	a6, REG(16)(tp)
	sd	a7, REG(17)(tp)
	sd	s2, REG(18)(tp)
	sd	s3, REG(19)(tp)
	sd	s4, REG(20)(tp)
	sd	s5, REG(21)(tp)
	sd	s6, REG(22)(tp)
	sd	s7, REG(23)(tp)
	sd	s8, REG(24)(tp)
	sd	s9, REG(25)(tp)
	sd	s10, REG(26)(tp)
	sd	s11, REG(27)(tp)
	sd	t3, REG(28)(tp)
	sd	t4, REG(29)(tp)
	sd	t5, REG(30)(tp)
	sd	t6, REG(31)(tp)
	csrr	t0, sscratch		/* the user's tp */
	sd	t0, REG(4)(tp)
	csrr	t0, sepc
	sd	t0, REG(0)(tp)		/* regs[0] holds the pc */
	csrw	sscratch, zero

	mv	a0, tp
	ld	tp, THREAD_CPU(a0)	/* kernel tp: this hart's struct cpu */
	ld	sp, CPU_STACK_TOP(tp)
	mv	fp, zero
	call	trap_user		/* does not return */

/* user_resume(struct thread *t): enter user mode with t's registers.
 * The caller has set sstatus.SPP = 0 (return to U-mode) and SPIE = 1. */
	.globl user_resume
user_resume:
	csrw	sscratch, a0
	ld	t0, REG(0)(a0)
	csrw	sepc, t0
	ld	ra, REG(1)(a0)
	ld	sp, REG(2)(a0)
	ld	gp, REG(3)(a0)
	ld	tp, REG(4)(a0)
	ld	t0, REG(5)(a0)
	ld	t1, REG(6)(a0)
	ld	t2, REG(7)(a0)
	ld	s0, REG(8)(a0)
	ld	s1, REG(9)(a0)
	ld	a1, REG(11)(a0)
	ld	a2, REG(12)(a0)
	ld	a3, REG(13)(a0)
	ld	a4, REG(14)(a0)
	ld	a5, REG(15)(a0)
	ld	a6, REG(16)(a0)
	ld	a7, REG(17)(a0)
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
	ld	t3, REG(28)(a0)
	ld	t4, REG(29)(a0)
	ld	t5, REG(30)(a0)
	ld	t6, REG(31)(a0)
	ld	a0, REG(10)(a0)
	sret

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
