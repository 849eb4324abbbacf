/*
 * The Mica user library: system call wrappers, IPC, printf and strings.
 * Every call returns >= 0 on success or -E... (include/mica/errno.h).
 */
#ifndef MICA_USER_H
#define MICA_USER_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <mica/errno.h>
#include <mica/syscall.h>
#include <mica/bootinfo.h>

#define noreturn __attribute__((noreturn))

/* ---- system calls (syscall.c) ---- */
long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5);
long debug_write(const void *buf, size_t len);
noreturn void exit(int code);
long yield(void);
long sleep_ms(uint64_t ms);
long self(void);                 /* this thread's ID */
long self_task(void);            /* this task's ID */
long notify(long task, uint64_t bits);
long task_create(const char *name);
long task_grant(long task, int kind, uint64_t value);
long task_kill(long task);
long task_wait(long task, int *status);
long thread_create(long task, void (*pc)(uint64_t), void *sp, uint64_t arg, int prio, int hart);
noreturn void thread_exit(void);
long map(long task, uint64_t va, uint64_t pa, int perm);
long unmap(long task, uint64_t va);
long irq_register(int irq, int bit);
long irq_ack(int irq);
uint64_t time_ns(void);
long ktest(int what);

/* ---- IPC (ipc.c) ---- */
struct msg {
	uint64_t label;
	uint64_t w[IPC_MSG_WORDS];
};

/* The whole operation: see include/mica/syscall.h for the registers.
 * m is sent and then overwritten by what is received; *sender (if not
 * NULL) gets the sender's thread ID. */
struct ipc_args {
	uint64_t filter, timeout;
	const void *sbuf;
	size_t slen;
	void *rbuf;
	size_t rcap;
};
long ipc(uint64_t op, long peer, struct msg *m, const struct ipc_args *a, long *sender);

long ipc_send(long dest, struct msg *m, uint64_t timeout);
long ipc_call(long dest, struct msg *m, uint64_t timeout);
long ipc_recv(long from, struct msg *m, long *sender, uint64_t timeout);
long ipc_reply(long client, struct msg *m);
long ipc_reply_recv(long client, struct msg *m, long *sender, uint64_t timeout);

/* ---- output and strings (printf.c, string.c) ---- */
int printf(const char *fmt, ...);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
long atol(const char *s);

/* ---- the root task's helpers (root.c) ---- */
extern const struct bootinfo *bootinfo;   /* set by root_init */
void root_init(uint64_t bootinfo_va);
const char *root_arg(const char *key, char *buf, size_t n);
uint64_t frame_alloc(long owner);          /* physical address, 0 if none */
void *frame_va(uint64_t pa);               /* where the root sees that frame */
void frames_release(long owner);           /* free every frame of owner */
uint64_t frames_free(void);
long spawn(const char *name, uint64_t arg, int prio);

/* Read the instruction counter (U-mode may: the kernel sets scounteren). */
static inline uint64_t rdinstret(void)
{
	uint64_t v;
	asm volatile("rdinstret %0" : "=r"(v));
	return v;
}
static inline uint64_t rdcycle(void)
{
	uint64_t v;
	asm volatile("rdcycle %0" : "=r"(v));
	return v;
}

#endif
