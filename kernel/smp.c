/*
 * Harts together: the big kernel lock, the spin-wait, inter-processor
 * interrupts and the TLB shootdown. docs/scheduling.md ("SMP") explains
 * them.
 *
 * Every kernel data structure is protected by one lock, the bkl: a hart
 * takes it on every entry from user mode and drops it before returning to
 * user mode or waiting for an interrupt. Only these are touched outside
 * it, each with atomics: bkl.locked itself, and cpu->tlb_flush, which a
 * waiting hart reads and clears while another holds the lock. printf and
 * kalloc have spin locks of their own.
 */
#include "kernel.h"

struct spinlock bkl;

/* A spin-wait turn. With -icount, QEMU < 8.1 runs harts in turn, each up to
 * the next timer event: a hart spinning for another starves it. Only wfi
 * makes QEMU move on; our own pending SSIP makes it return at once (an IPI
 * cleared with it is harmless: need_resched stays set). */
void cpu_relax(void)
{
	csr_set(sip, 1UL << IRQ_S_SOFT);
	asm volatile("wfi");
	csr_clear(sip, 1UL << IRQ_S_SOFT);
}

/* bkl_lock's wait; also does the flush a bkl holder may wait for. */
void bkl_wait(void)
{
	struct cpu *c = mycpu();
	do {
		while (bkl.locked) {
			if (__atomic_load_n(&c->tlb_flush, __ATOMIC_ACQUIRE)) {
				sfence_vma();
				__atomic_store_n(&c->tlb_flush, false, __ATOMIC_RELEASE);
			}
			cpu_relax();
		}
	} while (__atomic_exchange_n(&bkl.locked, 1, __ATOMIC_ACQUIRE));
}

/* Interrupt hart index `hart` so that it looks at the run queue. */
void smp_kick(int hart)
{
	cpus[hart].need_resched = true;
	if (&cpus[hart] != mycpu())
		sbi_send_ipi(1UL << cpus[hart].hartid);
}

/* Flush asid on every hart, bkl held; the others flush in bkl_wait. Not SBI
 * RFENCE: OpenSBI's M-mode wait starves them under -icount (cpu_relax). */
void smp_flush_asid(uint64_t asid)
{
	for (int i = 0; i < ncpu; i++)
		if (&cpus[i] != mycpu() && cpus[i].started) {
			__atomic_store_n(&cpus[i].tlb_flush, true, __ATOMIC_RELEASE);
			sbi_send_ipi(1UL << cpus[i].hartid);
		}
	sfence_vma_asid(asid);
	for (int i = 0; i < ncpu; i++)
		while (__atomic_load_n(&cpus[i].tlb_flush, __ATOMIC_ACQUIRE))
			cpu_relax();
}
