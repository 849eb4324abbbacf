/*
 * RISC-V hardware accessors: control and status registers, page-table
 * entry bits. Section numbers refer to the privileged spec (version 20211203).
 */
#ifndef RISCV_H
#define RISCV_H

#include <stdint.h>

#define csr_read(csr) ({ uint64_t v_; asm volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(v)))
#define csr_set(csr, v)   asm volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(v)))
#define csr_clear(csr, v) asm volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(v)))

/* sstatus (4.1.1) */
#define SSTATUS_SPIE  (1UL << 5)
#define SSTATUS_SPP   (1UL << 8)
#define SSTATUS_FS    (3UL << 13)

/* sie / sip (4.1.3) */
#define SIE_SSIE  (1UL << 1)   /* software interrupt: our IPIs */
#define SIE_STIE  (1UL << 5)   /* timer */
#define SIE_SEIE  (1UL << 9)   /* external, from the PLIC */

/* scause (4.1.8) */
#define SCAUSE_INTR       (1UL << 63)
#define IRQ_S_SOFT        1
#define IRQ_S_TIMER       5
#define IRQ_S_EXT         9
#define EXC_INST_MISALIGN 0
#define EXC_INST_ACCESS   1
#define EXC_ILLEGAL       2
#define EXC_BREAKPOINT    3
#define EXC_LOAD_ACCESS   5
#define EXC_STORE_ACCESS  7
#define EXC_ECALL_U       8
#define EXC_INST_PAGE     12
#define EXC_LOAD_PAGE     13
#define EXC_STORE_PAGE    15

/* satp (4.1.11): MODE=8 is Sv39; the ASID sits in bits 44..59. */
#define SATP_SV39       (8UL << 60)
#define MAKE_SATP(pa, asid) (SATP_SV39 | ((uint64_t)(asid) << 44) | ((pa) >> 12))

/* Sv39 page-table entries (4.4.1) */
#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_PA(pte)     (((pte) >> 10) << 12)
#define PA2PTE(pa)      (((uint64_t)(pa) >> 12) << 10)
#define PTE_LEAF(pte)   ((pte) & (PTE_R | PTE_W | PTE_X))
#define PGSIZE          4096UL
#define PGROUNDUP(a)    (((a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define VPN(va, level)  (((va) >> (12 + 9 * (level))) & 0x1ff)

static inline void sfence_vma(void) { asm volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma_asid(uint64_t asid)
{
	asm volatile("sfence.vma zero, %0" :: "r"(asid) : "memory");
}
static inline uint64_t rdtime(void) { return csr_read(time); }
static inline uint64_t rdinstret(void) { return csr_read(instret); }
static inline void wfi(void) { asm volatile("wfi"); }

#endif
