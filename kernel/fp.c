/*
 * The floating-point unit, switched lazily (privileged spec 3.1.6.6).
 *
 * sstatus.FS says what the FP registers hold: Off (any FP instruction
 * traps), Initial, Clean, or Dirty (written since the last save; the
 * hardware sets it). Each hart remembers whose state its FP registers hold
 * (cpu->fp_owner, with thread->fp_cpu pointing back). A thread runs with
 * FS on only while its own state is in the registers of its hart; any
 * other thread runs with FS Off. Its first FP instruction then traps as
 * illegal, and fp_trap loads its state (zeros the first time) and lets the
 * instruction run again. A thread's registers are saved only when it has
 * dirtied them and its hart moves on to another thread or goes idle, so
 * that it can run on any hart afterwards.
 *
 * A program that never uses the FPU costs nothing but one test on each
 * switch: with no owner, FS stays Off.
 */
#include "kernel.h"
#include <mica/fpregs.h>

static uint64_t loads, saves;   /* for KTEST_FP */

/* f0..f31 into f[0..31], fcsr into f[32]. The kernel itself is built
 * without the F and D extensions; these instructions are allowed here. */
static void fp_save(uint64_t *f)
{
	asm volatile(".option push\n.option arch, +d\n" F32("fsd")
	             "frcsr t0\nsd t0, 32*8(%0)\n.option pop" : : "r"(f) : "t0", "memory");
	saves++;
}

static void fp_load(const uint64_t *f)
{
	asm volatile(".option push\n.option arch, +d\n" F32("fld")
	             "ld t0, 32*8(%0)\nfscsr t0\n.option pop" : : "r"(f) : "t0", "memory");
	loads++;
}

#define FS_CLEAN (2UL << 13)

/* This hart leaves its FP owner's state behind: save it if dirty, and run
 * what comes next (another thread, or idle) with the FPU off. */
void fp_leave(struct cpu *c)
{
	if ((csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS)   /* Dirty */
		fp_save(c->fp_owner->fregs);
	csr_clear(sstatus, SSTATUS_FS);
}

/* The end of sched_enter when this hart holds its fp_owner's FP state: th,
 * about to run, may use the FPU at once if that is its state; otherwise
 * the owner's is saved if dirty and th runs with the FPU off (under the
 * lock, so no other hart can take the owner before its state is saved). */
void fp_switch(struct thread *th)
{
	struct cpu *c = mycpu();
	if (c->fp_owner != th || th->fp_cpu != c)
		fp_leave(c);
	else if (!(csr_read(sstatus) & SSTATUS_FS))
		csr_set(sstatus, FS_CLEAN);   /* still its registers: no trap, no load */
}

/* An illegal-instruction trap of t: if the FPU was off, t wants it. Load
 * its state and let it retry; false if the instruction is truly illegal. */
bool fp_trap(struct thread *t)
{
	static const uint64_t zeros[33];
	struct cpu *c = mycpu();
	if (csr_read(sstatus) & SSTATUS_FS)
		return false;
	csr_set(sstatus, FS_CLEAN);
	fp_load(t->fp_used ? t->fregs : zeros);
	csr_clear(sstatus, SSTATUS_FS & ~FS_CLEAN);   /* Dirty to Clean: it is a copy of the saved state */
	t->fp_used = true;
	t->fp_cpu = c;
	c->fp_owner = t;
	return true;
}

/* KTEST_FP: lazy loads in the low 32 bits, saves above. */
uint64_t fp_stats(void)
{
	return saves << 32 | (loads & 0xffffffff);
}
