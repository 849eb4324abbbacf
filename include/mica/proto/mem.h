/*
 * The memory server's protocol (servers/mem/). The memory server is the
 * root task: it owns the free frames, is the pager of every process, keeps
 * the process tree (parent, exit status, wait) and is where a program finds
 * the other servers. docs/mem.md explains it.
 *
 * Every request is an IPC call to the memory server. The reply's label is
 * the result: >= 0 on success, -E... (include/mica/errno.h) on failure.
 * Process IDs (pids) are kernel task IDs.
 */
#ifndef MICA_PROTO_MEM_H
#define MICA_PROTO_MEM_H

#include <stdint.h>

/* Labels: the memory server answers [MEM_FIRST, MEM_LAST]. */
enum {
	MEM_FIRST = 0x100,
	MEM_SPAWN = MEM_FIRST, /* bulk: argv as "prog\0arg1\0...\0"; w0 = argc, w1 = SPAWN_*,
	                        * w2 = 0, or the bytes of argv when a struct mem_inherit
	                        * follows them in the bulk (8-byte aligned)
	                        * -> pid; the caller becomes the new process's parent;
	                        * -EAGAIN: the process table (or the caller's share) is full */
	MEM_WAIT,              /* w0 = pid, or 0 for any child; w1 = WAIT_NOHANG or 0
	                        * -> pid, w0 = status, w1 = EXIT_* how it ended;
	                        * -ECHILD: no such child; -EAGAIN: none ended (WAIT_NOHANG);
	                        * -EBUSY: another thread of the caller waits; -EINVAL */
	MEM_KILL,              /* w0 = pid: end that process (-EPERM: it is a server and
	                        * the caller is not) -> 0 */
	MEM_SBRK,              /* w0 = increment in bytes (may be negative) -> the old break,
	                        * -ENOMEM past the heap limit or out of frames */
	MEM_PS,                /* bulk reply: struct mem_procinfo[] -> how many */
	MEM_STATS,             /* -> 0; w0 = free frames, w1 = total frames,
	                        * w2 = free kernel pages, w3 = live processes */
	MEM_LOOKUP,            /* bulk: a server's name; w0 = 0, or the pid expected to
	                        * serve it: then wait until it registers (-EDEAD if that
	                        * process ends first) -> its task ID, and the caller now
	                        * holds the right to send to it; -ENOENT if none; only
	                        * servers may wait (-EPERM) */
	MEM_REGISTER,          /* bulk: the caller's server name (callers spawned with
	                        * SPAWN_SERVER only) -> 0 */
	MEM_DMA,               /* w0 = va, page-aligned, in [DMA_VA, DMA_VA + DMA_SIZE): map a
	                        * zeroed frame there (drivers: SPAWN_DEV_* only) -> 0,
	                        * w0 = its physical address, for the device */
	MEM_IMAGE,             /* w0 = offset, w1 = total size (<= MEM_IMAGE_MAX); bulk: that
	                        * part of a program's ELF file -> 0. Stages a program read
	                        * from a file for the caller's next MEM_SPAWN with
	                        * SPAWN_IMAGE (offset 0 starts a new one) */
	MEM_WATCH,             /* w0 = a notification bit (0..62): from now on, set it in the
	                        * caller's word whenever a process ends (servers only; asking
	                        * again changes the bit) -> 0; -ENOSPC: 4 servers watch already.
	                        * A server holding state for clients frees a dead one's
	                        * state: MEM_PS says who is alive */
	MEM_LAST = MEM_WATCH
};

/* MEM_SPAWN flags. All but SPAWN_IMAGE need a caller spawned with SPAWN_SERVER (init). */
#define SPAWN_SERVER     1   /* may MEM_REGISTER, MEM_KILL anyone, spawn with these flags */
#define SPAWN_DEV_UART   2   /* UART registers mapped at DEV_VA, its interrupt granted */
#define SPAWN_DEV_VIRTIO 4   /* the virtio-mmio slots holding block devices mapped at
                              * DEV_VA + slot * 4096, their interrupts */
#define SPAWN_IMAGE      8   /* any caller: load the program MEM_IMAGE staged, not one
                              * of the boot archive; argv[0] still names the process */

#define WAIT_NOHANG      1

/* How a process ended (MEM_WAIT's w1, struct mem_procinfo). */
enum {
	EXIT_NORMAL = 0,     /* it called exit(status); status is 0..255 */
	EXIT_KILLED = 1,     /* MEM_KILL ended it (a kill command, ^C) */
	EXIT_FAULT = 2,      /* an access outside its memory, or an exception */
	EXIT_NOMEM = 3,      /* the memory server ran out of frames for it */
};

/* Limits. */
#define MEM_ARGV_MAX     2048                /* bytes of argv strings in MEM_SPAWN */
#define MEM_ARGC_MAX     32
#define MEM_NAME_MAX     16                  /* process and server names, with the NUL */
#define MEM_HEAP_MAX     (32UL << 20)        /* the most a heap may grow */
#define MEM_STACK_MAX    (1UL << 20)         /* a stack grows down to this size */
#define MEM_PROC_FRAMES  16384               /* frames one process may hold (64 MiB) */
#define MEM_SERVER_FRAMES 256                /* the last free frames: for servers only */
#define MEM_CHILDREN_MAX 64                  /* children (with zombies) of an ordinary program */
#define MEM_SERVER_PROCS 8                   /* the last process entries: for servers only */
#define MEM_IMAGE_MAX    (4UL << 20)         /* a staged program file */

/* User address space of a process spawned by the memory server. */
#define HEAP_BASE        0x40000000UL        /* the heap grows up from here */
#define STACK_TOP        0x80000000UL        /* the stack grows down from here */
#define DEV_VA           0x30000000UL        /* a driver's device registers */
#define DMA_VA           0x38000000UL        /* a driver's MEM_DMA pages */
#define DMA_SIZE         (16UL << 20)

/* What a parent hands its child (MEM_SPAWN's bulk may end with it, see
 * w2): the child's standard input, output and error, and its working
 * directory. The memory server only copies it into the child's start-up
 * block; the user library fills it in and reads it (user/lib/file.c). */
#define MEM_CWD_MAX      256
enum { INHERIT_CONSOLE = 0, INHERIT_FILE = 1, INHERIT_NONE = 2 };
struct mem_inherit {
	struct {
		uint32_t kind;         /* INHERIT_* */
		uint32_t pad;
		uint64_t handle;       /* INHERIT_FILE: a handle lent by the fs server */
		uint64_t token;        /* ... and the token to claim it (FS_CLAIM) */
	} fd[3];
	char cwd[MEM_CWD_MAX];     /* "/" if empty */
};

/* What a process finds at start: a0 = STARTINFO_VA, the page above its
 * stack, holding this block, then argv[] and the argument strings. */
#define STARTINFO_VA     (STACK_TOP - 4096)
#define STARTINFO_MAGIC  0x5452415453ULL     /* "START" */
struct mem_startinfo {
	uint64_t magic;
	int64_t pid;               /* this process */
	int64_t mem;               /* the memory server's task ID */
	uint64_t ncpus;
	uint64_t argc;
	char **argv;               /* argv[argc] is NULL */
	uint64_t devices;          /* SPAWN_DEV_VIRTIO: bit i set if virtio slot i (a block
	                            * device) is mapped at DEV_VA + i * 4096, IRQ first + i */
	uint64_t inherited;        /* 1 if the parent gave `inherit` (else all zero) */
	struct mem_inherit inherit;
	char token[24];            /* token=... of the kernel command line, "" if none: the
	                            * grader's, which test programs print (user/lib/utest.c) */
	int64_t parent;            /* the parent's pid: a server's supervisor (proto/super.h) */
};

/* One row of MEM_PS. */
enum { PROC_RUNNING = 1, PROC_ZOMBIE = 2 };
struct mem_procinfo {
	int64_t pid, ppid;
	uint32_t state;            /* PROC_* */
	uint32_t flags;            /* SPAWN_* it was given */
	uint64_t frames;           /* frames it holds (its memory in use, 4 KiB each) */
	char name[MEM_NAME_MAX];
};
#define MEM_PS_MAX       (8192 / sizeof(struct mem_procinfo))

#endif
