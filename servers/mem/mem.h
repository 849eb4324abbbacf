/*
 * The memory server's own declarations (its protocol, shared with the
 * clients, is include/mica/proto/mem.h). One file per part:
 *   main.c    start-up, the receive loop and the handler table
 *   frames.c  the free frames and the frames each process holds
 *   proc.c    the process table: spawn, exit, wait, kill, ps
 *   loader.c  loading an ELF program and its arguments into a new task
 *   pager.c   page faults and heap growth
 *   names.c   where programs find the servers
 */
#ifndef MEM_H
#define MEM_H

#include "mica.h"

#define NPROC        NTASK_SLOTS   /* a pid modulo NPROC is its kernel task slot */
#define PAGE         4096UL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a)   (((a) + PAGE - 1) & ~(PAGE - 1))
#define STACK_LOW    (STARTINFO_VA - MEM_STACK_MAX)   /* the stack grows down to here */

/* A running process. */
struct proc {
	long pid;                 /* the kernel task ID; 0: a free entry */
	long ppid;                /* parent process (init adopts orphans) */
	int flags;                /* SPAWN_* rights it was given */
	char name[MEM_NAME_MAX];
	int end_how;              /* EXIT_* if this server ended it, else -1 */
	uint64_t bss_lo, bss_hi;  /* demand-zero part of its data segment */
	uint64_t brk;             /* heap: [HEAP_BASE, brk) */
	uint32_t frames;          /* head of its frame list (frames.c), 0: none */
	uint64_t nframes;         /* frames it holds */
	uint64_t wait_sender;     /* a held MEM_WAIT: the caller's sender word, 0: none */
	long wait_pid;            /* ... and the pid it waits for (0: any) */
};

/* A process that ended and whose parent has not waited for it yet. Its
 * task and its frames are gone (the kernel may give the slot to a new
 * task), so it is kept apart, in a table of its own. */
struct zombie {
	long pid;                 /* 0: a free entry */
	long ppid;
	int status, how;          /* exit code (0..255) and EXIT_* */
	char name[MEM_NAME_MAX];
};

extern long mem_self;         /* our own task ID */
extern long init_pid;

/* frames.c */
void frames_init(void);
uint64_t frame_get(struct proc *p, uint64_t va);
void frame_put_newest(struct proc *p);
void frames_put_all(struct proc *p);
void frames_put_range(struct proc *p, uint64_t lo, uint64_t hi);
uint64_t frames_free_count(void);
uint64_t frames_free_for(struct proc *p);
uint64_t frames_total(void);
uint64_t frames_table_count(void);
void *frame_ptr(uint64_t pa);

/* proc.c */
struct proc *proc_get(long pid);
void proc_init(void);
long proc_spawn(struct proc *parent, const char *argv, size_t len, uint64_t argc, uint64_t flags);
void proc_reap_children(void);
long proc_end(struct proc *p, int how);
long mem_spawn(struct proc *p, struct req *r);
long mem_wait(struct proc *p, struct req *r);
long mem_kill(struct proc *p, struct req *r);
long mem_ps(struct proc *p, struct req *r);
long mem_stats_req(struct proc *p, struct req *r);

/* loader.c */
long load_program(struct proc *p, const char *argv, size_t len, uint64_t argc, uint64_t *entry);

/* pager.c */
long pager_fault(struct proc *p, struct req *r);
long mem_sbrk(struct proc *p, struct req *r);

/* names.c */
long mem_lookup(struct proc *p, struct req *r);
long mem_register(struct proc *p, struct req *r);
void names_forget(struct proc *p);

#endif
