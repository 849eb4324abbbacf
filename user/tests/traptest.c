/*
 * Lab trap tests: system calls with hostile arguments, and a user program
 * that does what it must not (jump into the kernel, write kernel memory,
 * run a privileged or FP instruction, touch an unmapped page). The kernel
 * answers each with an error code or by ending the offending task with a
 * message; it never goes down itself.
 */
#include "utest.h"

#define KERNEL_ADDR 0xffffffc080200000UL
#define UNMAPPED    0x0000003000000000UL

enum { CRASH_KJUMP = 1, CRASH_KWRITE, CRASH_ILLEGAL, CRASH_NULL, CRASH_KREAD };

static const char rodata_word[8] = "ro";

/* Every system call, given wild pointers, bad IDs and bad numbers, returns
 * an error code, and the kernel carries on. (Only calls that need nothing
 * of later labs: lab sched and lab ipc test theirs.) */
static void badptr(void)
{
	char buf[16] = "hello";
	CHECK_EQ(debug_write(NULL, 10), -EFAULT, "debug_write(NULL)");
	CHECK_EQ(debug_write((void *)KERNEL_ADDR, 16), -EFAULT, "debug_write(kernel address)");
	CHECK_EQ(debug_write((void *)UNMAPPED, 100), -EFAULT, "debug_write(unmapped)");
	CHECK_EQ(debug_write((void *)(USER_TOP - 8), 16), -EFAULT, "debug_write(across USER_TOP)");
	CHECK_EQ(debug_write((void *)-1UL, 2), -EFAULT, "debug_write(wrapping pointer)");
	CHECK_EQ(debug_write(buf, 1UL << 40), -EINVAL, "debug_write(huge length)");
	CHECK_EQ(task_create((const char *)KERNEL_ADDR), -EFAULT, "task_create(kernel name)");
	CHECK_EQ(task_create((const char *)UNMAPPED), -EFAULT, "task_create(unmapped name)");
	CHECK_EQ(task_wait(0, (int *)KERNEL_ADDR), -EFAULT, "task_wait(kernel status pointer)");
	CHECK_EQ(task_wait(0, (int *)rodata_word), -EFAULT, "task_wait(read-only status pointer)");
	CHECK_EQ(task_wait(0, NULL), -ESRCH, "task_wait(no children)");
	CHECK_EQ(task_kill(12345), -ESRCH, "task_kill(bad ID)");
	CHECK_EQ(task_kill(0), -ESRCH, "task_kill(0)");
	CHECK_EQ(task_grant(-1, GRANT_SEND, 1), -ESRCH, "task_grant(bad task)");
	CHECK_EQ(notify(999999, 1), -ESRCH, "notify(bad ID)");
	CHECK_EQ(thread_create(999999, (void *)0x10000, (void *)0x1000, 0, 1, -1), -ESRCH,
	         "thread_create(bad task)");
	CHECK_EQ(thread_create(0, (void *)KERNEL_ADDR, (void *)0x1000, 0, 1, -1), -EINVAL,
	         "thread_create(kernel pc)");
	CHECK_EQ(thread_create(0, (void *)0x10000, (void *)0x1000, 0, 99, -1), -EINVAL,
	         "thread_create(bad priority)");
	CHECK_EQ(thread_create(0, (void *)0x10000, (void *)0x1000, 0, 1, 64), -EINVAL,
	         "thread_create(bad hart)");
	CHECK_EQ(map(0, 0x40000001, bootinfo->mem_base, MAP_R), -EINVAL, "map(unaligned va)");
	CHECK_EQ(map(0, KERNEL_ADDR, bootinfo->mem_base, MAP_R), -EINVAL, "map(kernel va)");
	CHECK_EQ(map(0, 0, bootinfo->mem_base, MAP_R), -EINVAL, "map(page 0: a null pointer must fault)");
	CHECK_EQ(map(0, USER_MIN - 4096, bootinfo->mem_base, MAP_R), -EINVAL, "map(below USER_MIN)");
	CHECK_EQ(map(0, 0x40000000, 0x80200000, MAP_R | MAP_W), -EPERM, "map(kernel image frame)");
	CHECK_EQ(map(0, 0x40000000, bootinfo->mem_base, MAP_R | MAP_W | MAP_X), -EINVAL,
	         "map(writable and executable)");
	CHECK_EQ(map(0, 0x40000000, bootinfo->mem_base, MAP_W), -EINVAL, "map(write-only)");
	CHECK_EQ(map(0, 0x40000000, bootinfo->mem_base, 0x100), -EINVAL, "map(bad permission bits)");
	CHECK_EQ(map(999999, 0x40000000, bootinfo->mem_base, MAP_R), -ESRCH, "map(bad task)");
	uint64_t dev = 0x30000000;   /* the UART, which the root task owns */
	CHECK_EQ(map(0, dev, bootinfo->devs[0].pa, MAP_R | MAP_W), 0, "map the UART page");
	CHECK_EQ(debug_write((void *)(dev + 0x100), 8), -EFAULT, "debug_write(from a device page)");
	CHECK_EQ(task_wait(0, (int *)(dev + 0x100)), -EFAULT, "task_wait(status in a device page)");
	CHECK_EQ(unmap(0, dev), 0, "unmap the UART page");
	CHECK_EQ(unmap(0, UNMAPPED), -EINVAL, "unmap(unmapped)");
	CHECK_EQ(unmap(0, KERNEL_ADDR), -EINVAL, "unmap(kernel va)");
	CHECK_EQ(irq_register(0, 1), -EINVAL, "irq_register(0)");
	CHECK_EQ(irq_register(1000, 1), -EINVAL, "irq_register(1000)");
	CHECK_EQ(irq_register(10, 64), -EINVAL, "irq_register(bit 64)");
	CHECK_EQ(irq_ack(5), -EINVAL, "irq_ack(not ours)");
	CHECK_EQ(irq_ack(-1), -EINVAL, "irq_ack(-1)");
	CHECK_EQ(ktest(999), -EINVAL, "ktest(999)");
	CHECK_EQ(sleep_ms(IPC_FOREVER), -EINVAL, "sleep(forever)");
	CHECK_EQ(syscall6(999, 1, 2, 3, 4, 5, 6), -ENOSYS, "syscall 999");
	CHECK_EQ(syscall6(-1, 1, 2, 3, 4, 5, 6), -ENOSYS, "syscall -1");

	struct msg m = { 0 };
	struct ipc_args a = { .timeout = 0 };
	CHECK_EQ(ipc(7, 0, &m, &a, NULL), -EINVAL, "ipc(bad operation)");
	CHECK_EQ(ipc(5, 0, &m, &a, NULL), -EINVAL, "ipc(send|reply)");
	CHECK_EQ(ipc_send(999999, &m, 0), -ESRCH, "ipc_send(bad ID)");
	a = (struct ipc_args){ .sbuf = buf, .slen = IPC_BULK_MAX + 1 };
	CHECK_EQ(ipc(IPC_SEND | IPC_BULK_SEND, 1, &m, &a, NULL), -EMSGSIZE, "ipc(bulk too large)");
	printf("badptr: kernel still alive after %s\n", "hostile calls");
}

/* The forbidden things: each ends this (root) task with a message from the
 * kernel, which then powers off. Reaching the end is a failure. */
static void crash(int kind)
{
	switch (kind) {
	case CRASH_KJUMP:
		((void (*)(void))KERNEL_ADDR)();
		break;
	case CRASH_KWRITE:
		*(volatile uint64_t *)(KERNEL_ADDR + 0x2000) = 1;
		break;
	case CRASH_KREAD:
		printf("read %lx\n", *(volatile uint64_t *)KERNEL_ADDR);
		break;
	case CRASH_ILLEGAL: {
		uint64_t v;
		asm volatile("csrr %0, sstatus" : "=r"(v));
		printf("read sstatus %lx\n", v);
		break;
	}
	case CRASH_NULL: {
		volatile uint64_t *volatile p = (volatile uint64_t *)8;
		printf("read %lx\n", *p);
		break;
	}
	}
	CHECK(0, "crash kind %d survived", kind);
}

static void kjump(void) { crash(CRASH_KJUMP); }
static void kwrite(void) { crash(CRASH_KWRITE); }
static void kread(void) { crash(CRASH_KREAD); }
static void illegal(void) { crash(CRASH_ILLEGAL); }
static void nullptr(void) { crash(CRASH_NULL); }
/* The FPU is off until a thread uses it: the first FP instruction traps,
 * the kernel gives the thread its FP registers, and it runs again
 * (kernel/fp.c). Doubles in hardware, and fcsr's rounding mode kept. */
static void fpu(void)
{
	volatile double a = 1.5, b = 2.25, c = 0.125;
	double r = a * b + c;
	uint64_t frm;
	asm volatile("fsrmi 1\nfrrm %0" : "=r"(frm));   /* round towards zero */
	CHECK(r == 3.5, "1.5 * 2.25 + 0.125 = %ld/1000", (long)(r * 1000));
	CHECK_EQ(frm, 1, "the rounding mode set in fcsr");
	utest_ok("fpu: 1.5 * 2.25 + 0.125 = %ld/1000, computed in the FPU\n", (long)(r * 1000));
}

/* U-mode may read the cycle, time and instret counters only if the kernel
 * set scounteren (trap_interrupts_on); otherwise each read is an illegal
 * instruction that ends the task. All three must count forward. */
static void counters(void)
{
	uint64_t c0, t0, i0, c1, t1, i1;
	asm volatile("rdcycle %0\nrdtime %1\nrdinstret %2" : "=r"(c0), "=r"(t0), "=r"(i0));
	for (volatile int k = 0; k < 100000; k++)
		;
	asm volatile("rdcycle %0\nrdtime %1\nrdinstret %2" : "=r"(c1), "=r"(t1), "=r"(i1));
	CHECK(c1 > c0, "cycle %lu then %lu", c0, c1);
	CHECK(t1 > t0, "time %lu then %lu", t0, t1);
	CHECK(i1 > i0 + 100000, "instret %lu then %lu", i0, i1);
	utest_ok("counters: cycle, time and instret are readable in U-mode and count\n");
}

/* Busy for 1 s of wall time: timer interrupts keep arriving meanwhile, on
 * every hart, even those a loaded host runs only now and then. */
static void spin(void)
{
	uint64_t start = time_ns();
	while (time_ns() - start < 1000000000UL)
		;
	printf("spin: 1 s passed\n");
}

static const struct utest_case cases[] = {
	{ "spin", spin },
	{ "badptr", badptr },
	{ "kjump", kjump },
	{ "kwrite", kwrite },
	{ "kread", kread },
	{ "illegal", illegal },
	{ "nullptr", nullptr },
	{ "fpu", fpu },
	{ "counters", counters },
};

int main(uint64_t arg)
{
	return utest_main(arg, cases, sizeof(cases) / sizeof(cases[0]));
}
