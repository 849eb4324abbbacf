/* System call wrappers: ecall with the number in a7 (include/mica/syscall.h). */
#include "mica.h"

#define SC0(n)          syscall6(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a)       syscall6(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b)    syscall6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) syscall6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

long debug_write(const void *buf, size_t len) { return SC2(SYS_DEBUG_WRITE, buf, len); }
long yield(void) { return SC0(SYS_YIELD); }
long sleep_ms(uint64_t ms) { return SC1(SYS_SLEEP, ms); }
long self_task(void) { return TID_TASK(self()); }
long notify(long task, uint64_t bits) { return SC2(SYS_NOTIFY, task, bits); }
long task_create(const char *name) { return SC1(SYS_TASK_CREATE, name); }
long task_grant(long task, int kind, uint64_t value) { return SC3(SYS_TASK_GRANT, task, kind, value); }
long task_kill(long task) { return SC1(SYS_TASK_KILL, task); }
long task_wait(long task, int *status) { return SC2(SYS_TASK_WAIT, task, status); }
long map(long task, uint64_t va, uint64_t pa, int perm) { return syscall6(SYS_MAP, task, (long)va, (long)pa, perm, 0, 0); }
long unmap(long task, uint64_t va) { return SC2(SYS_UNMAP, task, va); }
long irq_register(int irq, int bit) { return SC2(SYS_IRQ_REGISTER, irq, bit); }
long irq_ack(int irq) { return SC1(SYS_IRQ_ACK, irq); }
uint64_t time_ns(void) { return (uint64_t)SC0(SYS_TIME); }
long ktest(int what) { return SC1(SYS_KTEST, what); }
long trace_ctl(int op) { return SC1(SYS_TRACE, op); }
long task_alive(long task) { return SC1(SYS_TASK_ALIVE, task); }

long thread_create(long task, void (*pc)(uint64_t), void *sp, uint64_t arg, int prio, int hart)
{
	return syscall6(SYS_THREAD_CREATE, task, (long)pc, (long)sp, (long)arg, prio, hart);
}

/* A spawned program's buffered output goes out first, and its exit code
 * is 0..255 as in Unix: the kernel's own -1 ("ended by the kernel") then
 * cannot be confused with exit(-1). */
void exit(int code)
{
	if (startinfo) {
		flush();
		code &= 0xff;
	}
	SC1(SYS_EXIT, code);
	for (;;)
		;
}

void thread_exit(void)
{
	SC0(SYS_THREAD_EXIT);
	for (;;)
		;
}
