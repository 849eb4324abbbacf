/*
 * From OpenSBI to C. OpenSBI enters the boot hart in S-mode at physical
 * 0x80200000 with the MMU off, a0 = hart ID, a1 = device tree address.
 * Other harts arrive at secondary_entry, the same address, when the boot
 * hart starts them with SBI HSM (a0 = hart ID, a1 = the opaque word we
 * passed: unused).
 *
 * The kernel is linked in the upper half, so before any C runs we turn on
 * a boot page table that maps the first GiB of RAM twice: at its physical
 * address (so the next instruction still runs) and at KERNBASE + pa (where
 * we are linked), then jump up. C code later replaces it with the real
 * kernel page table (vm.c) that has W^X permissions.
 */
#include "memlayout.h"
#include "param.h"

	.section .text.entry
	.globl _entry, secondary_entry
_entry:
secondary_entry:
	/* Only the first hart here is the boot hart: it claims boot_claimed,
	 * which every hart after it finds taken. (So a hart does not depend on
	 * the address it was started at: OpenSBI v1.1 can send a hart it starts
	 * for us (HSM) to the boot address, since it marks the hart started
	 * before it stores the address to start at.) */
	lla	t0, boot_claimed
	li	t1, 1
	amoswap.w s1, t1, (t0)		/* s1 = 0: the boot hart; 1: a secondary */
boot_common:
	/* a0 (the hart ID) and a1 (the device tree) stay as OpenSBI set them:
	 * they are kmain's arguments (kmain_secondary's a0). */
	csrw	sie, zero		/* no interrupts until C is ready */
	csrw	sscratch, zero		/* sscratch = 0 means "in the kernel" (trap.S) */
	li	t0, NCPU
	bgeu	a0, t0, halt		/* no stack for this hart: keep it parked */

	/* Enable Sv39 with boot_pagetable. lla gives its physical address
	 * because we still run at physical addresses. */
	lla	t0, boot_pagetable
	srli	t0, t0, 12
	li	t1, 8 << 60		/* satp.MODE = Sv39 (privileged spec 4.1.11) */
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/* Jump to the same code in the upper half. */
	lla	t0, 2f
	li	t1, KERNBASE
	add	t0, t0, t1
	jr	t0
2:
	/* Per-hart stack: boot_stacks + (hart + 1) * KSTACK_SIZE. */
	la	sp, boot_stacks
	addi	t0, a0, 1
	li	t1, KSTACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	mv	fp, zero		/* ends the backtrace */
	bnez	s1, 3f

	/* Boot hart: clear .bss (the stacks live in their own section). */
	la	t0, bss_start
	la	t1, bss_end
4:	bgeu	t0, t1, 5f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	4b
5:	call	kmain
	j	halt
3:	call	kmain_secondary
halt:
	wfi
	j	halt

	/* The boot page table: two 1 GiB "gigapage" leaves (privileged spec
	 * 4.4.1: a leaf at level 2 maps 1 GiB). Entry 2 maps VA 0x80000000 and
	 * entry 258 maps KERNBASE + 0x80000000, both to PA 0x80000000,
	 * readable, writable, executable, accessed and dirty. Entry 256 maps the
	 * device registers below 1 GiB so printf works from the first line of C. */
	.section .data
	.balign 4
boot_claimed:			/* not in .bss: the boot hart clears that */
	.word	0
	.balign 4096
	.globl boot_pagetable
boot_pagetable:
	.quad 0, 0
	.quad (0x80000 << 10) | 0xcf
	.fill 253, 8, 0
	.quad (0x00000 << 10) | 0xc7	/* 256: devices, read-write, for early printf */
	.quad 0
	.quad (0x80000 << 10) | 0xcf	/* 258: the kernel */
	.fill 253, 8, 0

	/* Hart stacks, outside .bss so clearing .bss does not wipe a live stack. */
	.section .stacks, "aw", @nobits
	.balign 4096
	.globl boot_stacks
boot_stacks:
	.space KSTACK_SIZE * NCPU
