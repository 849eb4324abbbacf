/*
 * Calls into OpenSBI, the M-mode firmware (RISC-V SBI spec v1.0/2.0).
 * ecall from S-mode: a7 = extension ID, a6 = function ID, a0.. = arguments;
 * OpenSBI returns an error code in a0 and a value in a1.
 */
#include "kernel.h"

#define SBI_EXT_TIME  0x54494D45   /* "TIME" */
#define SBI_EXT_IPI   0x735049     /* "sPI" */
#define SBI_EXT_HSM   0x48534D     /* "HSM" */
#define SBI_EXT_SRST  0x53525354   /* "SRST" */

struct sbiret { long error, value; };

/* (No call Mica makes takes more than three arguments.) */
static struct sbiret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
	register uint64_t r0 asm("a0") = a0;
	register uint64_t r1 asm("a1") = a1;
	register uint64_t r2 asm("a2") = a2;
	register uint64_t r6 asm("a6") = fid;
	register uint64_t r7 asm("a7") = ext;
	asm volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ (long)r0, (long)r1 };
}

/* Ask for a timer interrupt when the time CSR reaches `when` (SBI 6.1);
 * this also clears the pending one. */
void sbi_set_timer(uint64_t when)
{
	sbi_call(SBI_EXT_TIME, 0, when, 0, 0);
}

/* LAB boot BEGIN */
/* Start a stopped hart at physical address addr in S-mode (SBI 9.1).
 * Returns 0 or the SBI error. */
int sbi_hart_start(uint64_t hartid, uint64_t addr, uint64_t opaque)
{
	return (int)sbi_call(SBI_EXT_HSM, 0, hartid, addr, opaque).error;
}
/* LAB boot ELSE
int sbi_hart_start(uint64_t hartid, uint64_t addr, uint64_t opaque)
{
	(void)hartid; (void)addr; (void)opaque;
	return -1;
}
   LAB boot END */

/* Raise a supervisor software interrupt on the harts in the mask (SBI 7.1). */
void sbi_send_ipi(uint64_t hart_mask)
{
	sbi_call(SBI_EXT_IPI, 0, hart_mask, 0, 0);
}

/* Power off (SBI 10.1): shutdown, with reason "system failure" if asked. */
void sbi_shutdown(bool failure)
{
	sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0);
	for (;;)
		wfi();
}
