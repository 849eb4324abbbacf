/*
 * Kernel-wide types and the functions each subsystem exports.
 * One file per subsystem: printf.c, sbi.c, fdt.c, kalloc.c, vm.c, trap.c,
 * syscall.c, task.c, sched.c, smp.c, ipc.c, irq.c, fp.c, trace.c, main.c.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <mica/errno.h>
#include <mica/syscall.h>
#include <mica/trace.h>
#include "param.h"
#include "memlayout.h"
#include "riscv.h"

#define noreturn __attribute__((noreturn))
/* A function on a hot path that needs no frame record: a leaf (it calls
 * nothing, so it is never a caller in a backtrace; GCC 12 has no
 * -momit-leaf-frame-pointer for RISC-V), one that calls only as its last
 * step (a tail call: its frame is gone by then), or trap_user (the first
 * frame, called with the user's s0). */
#define NOFRAME __attribute__((optimize("omit-frame-pointer")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(NTASK == NTASK_SLOTS, "user space finds a task's slot as ID % NTASK_SLOTS");
_Static_assert(NTASK % 64 == 0, "send_rights has one bit per slot in 64-bit words");

/* Register numbers in struct thread's regs[] (regs[0] holds the pc). */
enum { R_PC = 0, R_RA = 1, R_SP = 2, R_TP = 4, R_T0 = 5, R_T1 = 6, R_T2 = 7,
       R_A0 = 10, R_A1, R_A2, R_A3, R_A4, R_A5, R_A6, R_A7,
       R_T3 = 28, R_T4 = 29, R_T5 = 30 };

/* ---- harts together (smp.c): the big lock, spin locks, IPIs, TLB shootdown ---- */
struct spinlock { volatile uint64_t locked; };   /* test-and-test-and-set; 64 bits: amoswap.d */
void cpu_relax(void);
static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
}
static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
extern struct spinlock bkl;   /* the big kernel lock: see smp.c */
void bkl_wait(void);
static inline void bkl_lock(void)
{
	if (__atomic_exchange_n(&bkl.locked, 1, __ATOMIC_ACQUIRE))
		bkl_wait();
}
static inline void bkl_unlock(void)
{
	/* As spin_unlock, with the lock's address made here: in a caller that
	 * calls out between lock and unlock, GCC would rather keep it in a
	 * callee-saved register, which costs a save and a restore. */
	asm volatile("fence rw, w\n\tla t0, bkl\n\tsd zero, 0(t0)" : : : "t0", "memory");
}
void smp_kick(int hart);               /* make hart index `hart` reschedule */
void smp_flush_asid(uint64_t asid);    /* flush an ASID from every hart's TLB */

/* ---- threads and tasks (task.c) ---- */
enum thread_state {
	T_FREE,          /* slot unused */
	T_RUNNABLE,      /* on the run queue */
	T_RUNNING,       /* on a hart (cpu->cur) */
	T_SEND,          /* in SEND or CALL, queued on the destination's sendq */
	T_RECV,          /* in RECV, queued on its own task's recvq */
	T_REPLY,         /* in CALL, message delivered, waiting for the reply */
	T_SLEEP,         /* in SLEEP */
	T_DYING,         /* its task died while it ran on another hart */
};

struct tqueue {
	struct thread *head, *tail;
	uint32_t runq_bit;        /* a run queue: its bit in runq_mask; else 0 */
};

struct thread {
	uint64_t regs[32];        /* saved user registers; must stay first (trap.S) */
	struct cpu *cpu;          /* hart it last ran on; offset 256 (trap.S) */
	struct task *task;
	uint64_t id;              /* task->id * TASK_MAX_THREADS + index */
	enum thread_state state;
	int prio;
	int hart;                 /* hart it must run on, or -1 for any */
	int slice;                /* ticks left in the time slice */
	struct thread *next, *prev;   /* links in the queue q */
	struct tqueue *q;
	uint64_t deadline;        /* time at which a blocking op times out; 0 = never */
	uint64_t ipc_peer;        /* T_SEND: dest task; T_REPLY: server task (T_RECV's filter is in t0) */
	bool faulting;            /* blocked on a page fault sent to its pager */
	uint64_t token;           /* sender word: id, and its count of calls above bit 40 */
	uint64_t fault[3];        /* the fault message: address, FAULT_* kind, pc */
	uint64_t since;           /* time it blocked (trace_waits) */
	uint64_t fregs[33];       /* f0..f31 and fcsr, saved when dirty (fp.c) */
	bool fp_used;             /* it has used the FPU: fregs is its state */
	struct cpu *fp_cpu;       /* hart whose FP registers hold its state, or NULL */
	uint8_t ipc_wait;         /* trace: blocked in an IPC that RECEIVES or SENDS (trace.c) */
};

enum task_state { TASK_FREE, TASK_ALIVE, TASK_ZOMBIE };

struct range { uint64_t base, size; };
#define TASK_MAX_RANGES 4

struct task {
	uint64_t id;              /* slot + NTASK * generation; never 0 */
	enum task_state state;
	char name[16];
	uint64_t *pagetable;      /* root of its Sv39 tree (kernel VA) */
	uint64_t satp;            /* with the task's ASID */
	struct thread threads[TASK_MAX_THREADS];
	struct task *parent;
	struct task *pager;       /* receives its page faults; NULL: faults kill */
	struct task *dies_with;   /* the ancestor whose destruction ended it (task_reclaim) */
	uint64_t send_rights[NTASK / 64];   /* bit s: may send to the task in slot s */
	uint64_t irq_rights;      /* bit i: may register interrupt i */
	bool may_create, may_trace;   /* may create tasks (GRANT_CREATE), use SYS_TRACE (GRANT_TRACE) */
	uint64_t notify_bits;     /* pending notifications */
	struct tqueue sendq;      /* threads waiting to send to us */
	struct tqueue recvq;      /* our threads waiting in RECV */
	struct range owns[TASK_MAX_RANGES];  /* physical memory it may map */
	int nchildren, max_children;   /* live children, and the limit */
	int kpages, kquota;       /* page-table pages used, and the limit */
	int exit_code;
};

struct cpu {
	struct thread *cur;       /* offset 0 */
	uint64_t stack_top;       /* offset 8 (trap.S) */
	uint64_t hartid;
	int index;                /* this entry's index in cpus[] */
	uint64_t ticks;
	uint64_t satp;            /* address space loaded now */
	struct thread *next;      /* handed over by sched_wake_local, runs next */
	bool started, need_resched;
	bool tlb_flush;           /* smp_flush_asid waits for this hart to flush; read and
	                           * cleared outside the bkl (atomics, smp.c) */
	struct thread *fp_owner;  /* whose state its FP registers hold (fp.c), or NULL */
};

/* trap.S reaches these fields by number (THREAD_CPU, CPU_STACK_TOP). */
_Static_assert(offsetof(struct thread, regs) == 0, "trap.S: regs first in struct thread");
_Static_assert(offsetof(struct thread, cpu) == 256, "trap.S: THREAD_CPU");
_Static_assert(offsetof(struct cpu, cur) == 0, "trap.S: cur first in struct cpu");
_Static_assert(offsetof(struct cpu, stack_top) == 8, "trap.S: CPU_STACK_TOP");

extern struct cpu cpus[NCPU];
extern struct task tasks[NTASK];
extern int ncpu;
extern uint64_t timebase;     /* time CSR ticks per second */
extern uint64_t ram_end;      /* end of the RAM Mica uses */
extern uint64_t boot_instret;  /* the boot hart's instret at kernel entry */
extern uint64_t kpool_pages;   /* size of the kernel pool */

/* In the kernel tp holds this hart's struct cpu (trap.S, entry.S). (The
 * host's unit tests, which build fdt.c for the build machine, have no tp.) */
#ifdef __riscv
register struct cpu *tp_cpu asm("tp");
#else
#define tp_cpu (&cpus[0])
#endif
static inline struct cpu *mycpu(void) { return tp_cpu; }

/* printf.c */
void kprintf(const char *fmt, ...);
noreturn void panic(const char *fmt, ...);
void backtrace(uint64_t fp);
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_z(char *d, const char *s, size_t n);

/* sbi.c */
void sbi_set_timer(uint64_t when);
int sbi_hart_start(uint64_t hartid, uint64_t addr, uint64_t opaque);
void sbi_send_ipi(uint64_t hart_mask);
noreturn void sbi_shutdown(bool failure);

/* fdt.c */
struct fdt_info {
	uint64_t mem_base, mem_size;
	uint64_t harts[NCPU];
	int plic_sctx[NCPU];      /* the PLIC context of harts[i]'s S-mode, -1 if unknown */
	int nharts;
	uint64_t timebase;
	const char *bootargs;
	/* while parsing: each hart's interrupt controller, and the PLIC's wiring */
	uint32_t intc[NCPU];
	const uint8_t *plic_irqs;
	uint32_t plic_irqs_len;
};
int fdt_parse(const void *dtb, struct fdt_info *info);

/* kalloc.c */
void kalloc_init(uint64_t start_pa, uint64_t end_pa);
void *kalloc(void);
void kfree(void *page);
uint64_t kalloc_free_pages(void);

/* vm.c */
void kvm_init(uint64_t mem_end);
void kvm_inithart(void);
uint64_t kernel_satp(void);
extern uint64_t *kpagetable;   /* the kernel page table */
uint64_t *vm_create(void);
uint64_t *vm_walk(uint64_t *pt, uint64_t va, bool alloc, struct task *charge);
int vm_map(uint64_t *pt, uint64_t va, uint64_t pa, uint64_t perm, struct task *charge);
int vm_unmap(uint64_t *pt, uint64_t va);
int vm_prune(uint64_t *pt, uint64_t va, void *freed[2]);
void vm_free(uint64_t *pt);
void vm_dump(uint64_t *pt);
int copyin(struct task *t, void *dst, uint64_t uva, size_t n);
int copyout(struct task *t, uint64_t uva, const void *src, size_t n);
int copy_user(struct task *dt, uint64_t dva, struct task *st, uint64_t sva, size_t n);

/* Make satp this hart's address space (inline: on every IPC's path). With
 * an ASID per task, stale entries of other tasks cannot match, so no flush
 * is needed; a hart without enough ASID bits flushes its TLB instead. */
extern bool asids_ok;
static inline void vm_switch(uint64_t satp)
{
	struct cpu *c = mycpu();
	if (c->satp == satp)
		return;
	c->satp = satp;
	csr_write(satp, satp);
	if (!asids_ok)
		sfence_vma();
}

/* trap.c and trap.S (which alone call trap_user, trap_leave and trap_kernel) */
void trap_inithart(void);
void intr_dispatch(uint64_t pending);
struct trap_exit { struct thread *next, *cur; };   /* trap_user's, in a0 and a1 (trap.S) */
noreturn void user_resume(struct thread *t);

/* syscall.c: the system calls by number (trap.c's syscall() runs them;
 * ipc.c sets SYS_IPC's) */
extern int64_t (*syscall_table[SYS_NCALLS])(struct thread *);

/* task.c */
struct task *task_create(struct task *parent, const char *name);
void task_destroy(struct task *t, int code);
struct thread *thread_create(struct task *t, uint64_t pc, uint64_t sp, uint64_t arg, int prio, int hart);
void thread_free(struct thread *th);
struct bootinfo;
struct task *task_load_root(const char *name, struct bootinfo *bi);
int64_t task_wait(struct task *parent, uint64_t id, int *code);
void thread_discard(struct thread *th);
bool task_owns(struct task *t, uint64_t pa);
static inline int task_slot(struct task *t) { return (int)(t - tasks); }

/* Send rights: bit (slot of to) of from->send_rights. The slot is taken
 * from the ID (ID % NTASK), which the IPC path has just loaded: cheaper
 * than the pointer arithmetic of task_slot. */
static inline bool may_send(struct task *from, struct task *to)
{
	uint64_t s = to->id % NTASK;
	return (from->send_rights[s / 64] >> (s % 64)) & 1;
}
static inline void send_right_give(struct task *from, struct task *to)
{
	uint64_t s = to->id % NTASK;
	from->send_rights[s / 64] |= 1UL << (s % 64);
}

/* The live task with this ID, or NULL. (Inline: every IPC looks one up.) */
static inline struct task *task_lookup(uint64_t id)
{
	struct task *t = &tasks[id % NTASK];
	return (id != 0 && t->id == id && t->state == TASK_ALIVE) ? t : NULL;
}

/* sched.c */
void sched_ready(struct thread *th);
void sched_wake_local(struct thread *th);
extern uint32_t runq_mask;

/* Is a thread of priority above prio waiting in the run queue? */
static inline bool sched_higher_runnable(int prio) { return runq_mask >> (prio + 1); }
void sched_block(struct thread *th, enum thread_state st, uint64_t timeout_ms);
void sched_unblock(struct thread *th, int64_t result);
void sched_enter(struct thread *th);
noreturn void schedule(void);
void sched_tick(void);
void timer_arm(void);
extern bool tick_report;

/* Thread queues: the run queues and each task's sendq and recvq. Inline:
 * every IPC takes a thread off one and puts one on another. */
static inline void tq_push(struct tqueue *q, struct thread *th)
{
	th->q = q;
	th->next = NULL;
	th->prev = q->tail;
	if (q->tail)
		q->tail->next = th;
	else
		q->head = th;
	q->tail = th;
}

/* Remove th from its queue, if it is on one. */
static inline void tq_remove(struct thread *th)
{
	struct tqueue *q = th->q;
	if (!q)
		return;
	if (th->prev)
		th->prev->next = th->next;
	else
		q->head = th->next;
	if (th->next)
		th->next->prev = th->prev;
	else
		q->tail = th->prev;
	th->q = NULL;
	if (q->runq_bit && !q->head)
		runq_mask &= ~q->runq_bit;
}

/* ipc.c */
int64_t sys_ipc(struct thread *t);
void ipc_init(void);
void ipc_fastpath_trace(bool tracing);
int ipc_notify(struct task *t, uint64_t bits);
void ipc_page_fault(struct thread *t, uint64_t addr, int kind);
void ipc_task_died(struct task *t);
void ipc_timeout(struct thread *th);

/* trace.c: the IPC trace and who waits on whom. TRACE(kind, ...) records
 * an event when tracing is on: one load and one branch when it is off,
 * nothing at all in a kernel built with MICA_TRACE=0, where TRACING() is
 * the constant false (GCC compiles no call it guards, at any -O). */
#ifndef MICA_TRACE
#define MICA_TRACE 1
#endif
extern bool trace_on;
#define TRACING() (MICA_TRACE && __builtin_expect(trace_on, 0))
#if MICA_TRACE
#define TRACE_SINCE(th) ((th)->since = rdtime())
#else
#define TRACE_SINCE(th) ((void)(th))
#endif
void trace_event(int kind, int op, uint64_t src, uint64_t dst, uint64_t label, uint64_t w0,
                 uint64_t w1, int64_t val);
#define TRACE(...) do { if (TRACING()) trace_event(__VA_ARGS__); } while (0)
int64_t sys_trace(struct thread *t);
void trace_ipc_begin(struct thread *t);
void trace_ipc_end(struct thread *t, uint64_t op, int err);
void trace_resume(struct thread *th);
uint64_t trace_dump(void);
void trace_init(void);

/* fp.c: the FPU, switched lazily */
void fp_switch(struct thread *th);
void fp_leave(struct cpu *c);
bool fp_trap(struct thread *t);
uint64_t fp_stats(void);

/* irq.c */
void plic_init(const struct fdt_info *fdt);
void plic_inithart(void);
void irq_dispatch(void);
int irq_register(struct task *t, uint64_t irq, uint64_t bit);
int irq_ack(struct task *t, uint64_t irq);
void irq_release(struct task *t);

/* main.c */
void kmain(uint64_t hartid, uint64_t dtb_pa);
const char *bootarg(const char *key);

#endif
