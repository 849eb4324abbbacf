/*
 * The memory server's own declarations (its protocol, shared with the
 * clients, is include/mica/proto/mem.h). One file per part:
 *   main.c    start-up, the receive loop and the handler table
 *   frames.c  the free frames and the frames each process holds
 *   proc.c    the process table: spawn, exit, wait, kill, ps
 *   loader.c  loading an ELF program and its arguments into a new task
 *   image.c   program files staged by MEM_IMAGE for a spawn
 *   pager.c   page faults, heap growth, drivers' DMA pages
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
/* Our own address space: where a staged program file is mapped while it
 * is loaded (image.c); far from our program, stack, archive and window. */
#define IMAGE_VA     0x1000000000UL

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
	uint64_t image_total;     /* MEM_IMAGE: the staged file's size, 0: none staged */
	uint64_t image_staged;    /* ... bytes of it received so far */
	uint64_t image_last;      /* ... the frame holding its last page (physical address) */
};

/* What to start: a MEM_SPAWN's fields, checked (proc_spawn, load_program). */
struct spawn {
	const char *argv;         /* argc NUL-ended strings, argv[0] the program */
	size_t len;               /* bytes of argv */
	uint64_t argc;
	uint64_t flags;           /* SPAWN_* */
	const struct mem_inherit *inherit;   /* for the start-up block, or NULL */
	const uint8_t *image;     /* the ELF file staged (SPAWN_IMAGE), or NULL: */
	uint64_t image_size;      /* ... argv[0] from the boot archive */
	uint64_t devices;         /* the virtio slots granted (mem_startinfo.devices) */
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
void frames_drop_range(struct proc *p, uint64_t lo, uint64_t hi);
long frames_map_range(struct proc *p, uint64_t lo, uint64_t hi, long task, uint64_t to);
uint64_t frames_free_count(void);
uint64_t frames_free_for(struct proc *p);
uint64_t frames_total(void);
uint64_t frames_table_count(void);
void *frame_ptr(uint64_t pa);

/* proc.c */
struct proc *proc_get(long pid);
void proc_init(void);
long proc_spawn(struct proc *parent, const struct spawn *s);
void proc_reap_children(void);
void proc_tell_watchers(void);
long proc_end(struct proc *p, int how);
long mem_spawn(struct proc *p, struct req *r);
long mem_wait(struct proc *p, struct req *r);
long mem_kill(struct proc *p, struct req *r);
long mem_ps(struct proc *p, struct req *r);
long mem_stats_req(struct proc *p, struct req *r);
long mem_watch(struct proc *p, struct req *r);

/* loader.c */
long load_program(struct proc *p, const struct spawn *s, uint64_t *entry);

/* image.c */
long mem_image(struct proc *p, struct req *r);
long image_map(struct proc *p, struct spawn *s);
void image_unmap(struct proc *p);
void image_drop(struct proc *p);

/* pager.c */
long pager_fault(struct proc *p, struct req *r);
long mem_sbrk(struct proc *p, struct req *r);
long mem_dma(struct proc *p, struct req *r);

/* names.c */
long mem_lookup(struct proc *p, struct req *r);
long mem_register(struct proc *p, struct req *r);
void names_forget(struct proc *p);

#endif
