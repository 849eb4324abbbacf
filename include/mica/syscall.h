/*
 * Mica's system call interface, shared by the kernel and the user library.
 * docs/syscalls.md describes every call on one page.
 *
 * Calling convention (ecall from U-mode): a7 holds the call number, a0..a6
 * the arguments; the result comes back in a0 (>= 0 success, -E... error).
 * SYS_IPC uses more registers; see "IPC registers" below.
 */
#ifndef MICA_SYSCALL_H
#define MICA_SYSCALL_H

enum {
	SYS_DEBUG_WRITE = 0,  /* (buf, len): print on the kernel console */
	SYS_EXIT,             /* (code): end the calling task */
	SYS_YIELD,            /* (): give up the rest of the time slice */
	SYS_SLEEP,            /* (ms): block for at least ms milliseconds */
	SYS_SELF,             /* (): the caller's thread ID */
	SYS_IPC,              /* see below */
	SYS_NOTIFY,           /* (task, bits): OR bits into task's notification word */
	SYS_TASK_CREATE,      /* (name): new empty task, child of the caller (needs GRANT_CREATE) */
	SYS_TASK_GRANT,       /* (task, kind, value): give a child a right the caller holds */
	SYS_TASK_KILL,        /* (task): destroy a child task (or the caller's own task) */
	SYS_TASK_WAIT,        /* (task or 0, &status): reap a dead child, -EAGAIN if none */
	SYS_THREAD_CREATE,    /* (task, pc, sp, arg, prio, hart): start a thread */
	SYS_THREAD_EXIT,      /* (): end the calling thread */
	SYS_MAP,              /* (task, va, pa, perm): map a page the caller owns */
	SYS_UNMAP,            /* (task, va): remove a mapping */
	SYS_IRQ_REGISTER,     /* (irq, bit): deliver irq as notification bit */
	SYS_IRQ_ACK,          /* (irq): the device is serviced; re-enable irq */
	SYS_TIME,             /* (): nanoseconds since boot */
	SYS_KTEST,            /* (what): kernel self-tests for the graders */
	SYS_TRACE,            /* (op): the IPC trace, include/mica/trace.h (needs GRANT_TRACE) */
	SYS_TASK_ALIVE,       /* (task): 1 if the task is alive, else 0 */
	SYS_NCALLS
};

/* Thread priorities: 0 (lowest) .. NPRIO-1. The root task starts at
 * PRIO_DEFAULT; no thread may be created above its creator's priority. */
#define NPRIO        8
#define PRIO_DEFAULT 4

/* IDs. A thread ID is task ID * TASK_MAX_THREADS + thread index, so a
 * receiver learns both the sending thread and its task from one word.
 * ID 0 is never a task or thread: as a sender it means "the kernel" (a
 * notification). A page fault arrives as if the faulting thread had called
 * its pager: the sender is that thread, and the pager replies to it. */
#define TASK_MAX_THREADS   8
#define NTASK_SLOTS        128   /* the kernel's task table: a task's slot is its ID % this */
#define TID_TASK(tid)      ((long)(SENDER_TID(tid) / TASK_MAX_THREADS))

/* The sender word a receiver gets in a1: the sending thread's ID in the
 * low 40 bits and, above them, a count of that thread's calls. IPC_REPLY
 * takes the word back unchanged, so a reply answers one call only: a late
 * reply to a call that timed out cannot reach the same thread's next call. */
#define SENDER_TID(s)      ((s) & ((1UL << 40) - 1))

/* SYS_IPC registers.
 *   in:  a0 = operation (IPC_* below, optionally | IPC_BULK_*)
 *        a1 = destination task (SEND, CALL) or the sender word (REPLY)
 *        a2 = label, a3..a6 = four data words (the message)
 *        t0 = receive filter: IPC_ANY or a task ID
 *        t1 = timeout in milliseconds (0 = poll, IPC_FOREVER = none)
 *        t2, t3 = bulk data to send: pointer, length (<= IPC_BULK_MAX)
 *        t4, t5 = bulk receive buffer: pointer, capacity
 *   out: a0 = bulk bytes received (>= 0) or -E...
 *        a1 = sender word (see SENDER_TID; 0: the kernel), a2..a6 = message
 */
enum {
	IPC_SEND       = 1,   /* deliver, wait until received */
	IPC_RECV       = 2,   /* wait for a message or notification */
	IPC_CALL       = 3,   /* SEND then wait for the reply, atomically */
	IPC_REPLY      = 4,   /* answer the call whose sender word is in a1; never blocks */
	IPC_REPLY_RECV = 6,   /* REPLY then RECV: a server's loop */
	IPC_OPMASK     = 7,
	IPC_BULK_SEND  = 8,   /* t2/t3 carry bulk data to send */
	IPC_BULK_RECV  = 16,  /* t4/t5 name a buffer for bulk data */
};

#define IPC_ANY          0
#define IPC_FOREVER      (~0UL)
#define IPC_BULK_MAX     8192
#define IPC_MSG_WORDS    4

/* Labels the kernel itself sends. Servers choose their own labels >= 0x100. */
#define LABEL_NOTIFY     1   /* w0 = the notification bits, now cleared */
#define LABEL_PAGE_FAULT 2   /* w0 = address, w1 = FAULT_*, w2 = pc */
#define FAULT_READ  1
#define FAULT_WRITE 2
#define FAULT_EXEC  4

/* Notification bits the kernel sets; SYS_NOTIFY may not set them. */
#define NOTIFY_CHILD_EXIT (1UL << 63)   /* a child task died: reap with TASK_WAIT */
#define NOTIFY_PAGED_EXIT (1UL << 62)   /* a task we are the pager (not the parent) of
                                         * died: find which with SYS_TASK_ALIVE */
#define NOTIFY_KERNEL     (NOTIFY_CHILD_EXIT | NOTIFY_PAGED_EXIT)

/* SYS_TASK_GRANT kinds. */
enum {
	GRANT_SEND = 1,   /* value: a task ID the child may send to */
	GRANT_IRQ  = 2,   /* value: an interrupt number the child may register */
	GRANT_PAGER = 3,  /* value: a task ID to be the child's pager */
	GRANT_CREATE = 4, /* the child may create tasks of its own (value unused) */
	GRANT_TRACE = 5,  /* the child may use SYS_TRACE (value unused) */
};

/* SYS_MAP permission bits. */
#define MAP_R 1
#define MAP_W 2
#define MAP_X 4
#define MAP_NOREPLACE 8   /* fail with -EEXIST if va is mapped already */

/* SYS_KTEST selectors: kernel checks the graders trigger from user space. */
enum {
	KTEST_PTDUMP = 1,     /* print the caller's page table */
	KTEST_STATS  = 2,     /* print kernel object counts; returns free kernel pages */
	KTEST_HART   = 3,     /* returns the hart the caller runs on */
	KTEST_KPAGES = 4,     /* returns free kernel pages, quietly */
	KTEST_KPOOL  = 5,     /* returns the kernel pool's size in pages */
	KTEST_BOOTMARK = 6,   /* with the bootarg "bench": print instret now less instret
	                       * at kmain's start (the shell, at its first prompt; meant
	                       * for one hart, where it counts everything since boot) */
	KTEST_FP     = 7,     /* returns the FPU's lazy loads (low 32 bits) and saves (above) */
};

#endif
