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
#include <mica/trace.h>
#include <mica/bootinfo.h>
#include <mica/proto/mem.h>
#include <mica/proto/fs.h>
#include <mica/fsformat.h>

#define noreturn __attribute__((noreturn))

/* ---- system calls (syscall.c) ---- */
static inline long syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r0 asm("a0") = a0;
	register long r1 asm("a1") = a1;
	register long r2 asm("a2") = a2;
	register long r3 asm("a3") = a3;
	register long r4 asm("a4") = a4;
	register long r5 asm("a5") = a5;
	register long r7 asm("a7") = n;
	asm volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
	             : "memory");
	return r0;
}

/* This thread's ID: the cheapest system call there is (the bench's null call). */
static inline long self(void)
{
	register long r0 asm("a0");
	register long r7 asm("a7") = SYS_SELF;
	asm volatile("ecall" : "=r"(r0) : "r"(r7) : "memory");
	return r0;
}
long debug_write(const void *buf, size_t len);
noreturn void exit(int code);
long yield(void);
long sleep_ms(uint64_t ms);
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
long task_alive(long task);        /* 1 if alive, else 0 */
long trace_ctl(int op);            /* SYS_TRACE: TRACE_* of <mica/trace.h> */

/* ---- IPC (ipc.c) ---- */
struct msg {
	uint64_t label;
	uint64_t w[IPC_MSG_WORDS];
};

/* The whole operation: see include/mica/syscall.h for the registers.
 * m is sent and then overwritten by what is received; *sender (if not
 * NULL) gets the sender word: the sender's thread ID (SENDER_TID) with its
 * call count above bit 40, which a reply must give back unchanged. */
struct ipc_args {
	uint64_t filter, timeout;
	const void *sbuf;
	size_t slen;
	void *rbuf;
	size_t rcap;
};
static inline long ipc(uint64_t op, long peer, struct msg *m, const struct ipc_args *a,
                       long *sender)
{
	register uint64_t a0 asm("a0") = op;
	register uint64_t a1 asm("a1") = (uint64_t)peer;
	register uint64_t a2 asm("a2") = m->label;
	register uint64_t a3 asm("a3") = m->w[0];
	register uint64_t a4 asm("a4") = m->w[1];
	register uint64_t a5 asm("a5") = m->w[2];
	register uint64_t a6 asm("a6") = m->w[3];
	register uint64_t a7 asm("a7") = SYS_IPC;
	register uint64_t t0 asm("t0") = a->filter;
	register uint64_t t1 asm("t1") = a->timeout;
	register uint64_t t2 asm("t2") = (uint64_t)a->sbuf;
	register uint64_t t3 asm("t3") = a->slen;
	register uint64_t t4 asm("t4") = (uint64_t)a->rbuf;
	register uint64_t t5 asm("t5") = a->rcap;
	asm volatile("ecall"
	             : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6)
	             : "r"(a7), "r"(t0), "r"(t1), "r"(t2), "r"(t3), "r"(t4), "r"(t5)
	             : "memory");
	m->label = a2;
	m->w[0] = a3;
	m->w[1] = a4;
	m->w[2] = a5;
	m->w[3] = a6;
	if (sender)
		*sender = (long)a1;
	return (long)a0;
}


long ipc_send(long dest, struct msg *m, uint64_t timeout);
static inline long ipc_call(long dest, struct msg *m, uint64_t timeout)
{
	struct ipc_args a = { .timeout = timeout };   /* a call's reply needs no filter */
	return ipc(IPC_CALL, dest, m, &a, NULL);
}

long ipc_recv(long from, struct msg *m, long *sender, uint64_t timeout);
long ipc_reply(long client, struct msg *m);
/* A call carrying bulk data both ways (either buffer may be NULL/0): the
 * reply's label in m->label, the bytes received as the result. */
void prefault(const void *buf, size_t n, bool write);   /* map a buffer's pages now */
long ipc_call_bulk(long dest, struct msg *m, const void *sbuf, size_t slen, void *rbuf,
                   size_t rcap);
static inline long ipc_reply_recv(long client, struct msg *m, long *sender, uint64_t timeout)
{
	struct ipc_args a = { .filter = IPC_ANY, .timeout = timeout };
	return ipc(IPC_REPLY_RECV, client, m, &a, sender);
}

/* ---- output and strings (printf.c, string.c) ---- */
int printf(const char *fmt, ...);
void debug_printf(const char *fmt, ...);   /* on the kernel console, not through a server */
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
char *strncpy_z(char *d, const char *s, size_t n);   /* always NUL-terminates */
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
long atol(const char *s);
long strtol(const char *s, char **end, int base);   /* str.c */

/* ---- the root task's helpers (root.c) ---- */
extern const struct bootinfo *bootinfo;   /* set by root_init */
void root_init(uint64_t bootinfo_va);
const char *root_arg(const char *key, char *buf, size_t n);
uint64_t frame_alloc(long owner);          /* physical address, 0 if none */
void *frame_va(uint64_t pa);               /* where the root sees that frame */
void frames_release(long owner);           /* free every frame of owner */
uint64_t frames_free(void);
const struct bootfs_entry *bootfs_find(const char *name);
long task_spawn(const char *name, uint64_t arg, int prio, int hart);
long task_spawn_named(const char *prog, const char *name, uint64_t arg, int prio, int hart);
long task_load(long t, const char *prog, uint64_t arg, int prio, int hart);

/* ---- processes (proc.c): the client side of include/mica/proto/mem.h ----
 * A program spawned by the memory server starts in main(argc, argv); a
 * root task (the memory server, the tests of labs 3-5) in main(bootinfo). */
extern const struct mem_startinfo *startinfo;   /* NULL in a root task */
long getpid(void);
long spawn(char *const argv[]);                 /* argv[0] names the program -> pid */
long spawn_flags(char *const argv[], int flags); /* with SPAWN_* rights (privileged) */
/* The child's 0, 1 and 2 are our descriptors fds[0..2] (-1: none); spawn
 * gives it our own 0, 1 and 2. A program not in the boot archive is loaded
 * from /bin/NAME (or from argv[0] itself if it holds a '/'). */
long spawn_fds(char *const argv[], const int fds[3]);
long spawn_full(char *const argv[], int flags, const int fds[3]);
/* Wait for child pid (0: any); status gets the exit code in bits 0..7 and
 * how it ended (EXIT_*) above: WCODE(s), WHOW(s). options: WAIT_NOHANG. */
long waitpid(long pid, int *status, int options);
long wait(int *status);
#define WCODE(s) ((s) & 0xff)
#define WHOW(s)  ((s) >> 8)
long kill(long pid);
void *sbrk(long increment);                     /* the old break, or NULL */
long ps(struct mem_procinfo *rows, size_t max); /* -> rows filled */
struct mem_stats { uint64_t free_frames, total_frames, free_kpages, procs; };
long mem_stats(struct mem_stats *st);
long server_lookup(const char *name);           /* -> task ID, with the right to send */
/* The same, waiting up to timeout_ms for process pid to register name:
 * -EDEAD if it ends first, -ETIMEDOUT if it takes longer. */
long server_await(const char *name, long pid, uint64_t timeout_ms);
/* Find server `name` again after its instance `dead` died: its successor's
 * ID, once the supervisor has it registered (about 4 s at most). */
long server_reconnect(const char *name, long dead);
long server_register(const char *name);
long mem_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap);

/* ---- servers (server.c) ---- */
/* One request as a server's handlers see it. */
struct req {
	uint64_t sender;          /* sender word: the calling thread (0: the kernel) */
	struct msg *m;            /* in: the request; out: w0..w3 of the reply */
	const void *data;         /* bulk data that came with it */
	size_t len;
	const void *reply_data;   /* out: bulk data for the reply */
	size_t reply_len;
};
/* A handler's answer when the reply must wait: the server keeps r->sender
 * and answers later with reply_later. */
#define REPLY_LATER  (-(1L << 40))
/* Serve forever: dispatch(r) answers each request (its result is the
 * reply's label), with bulk data received into inbuf. */
noreturn void server_loop(long (*dispatch)(struct req *r), void *inbuf, size_t cap);
/* The same, calling idle() whenever no request came for wait_ms() ms (asked
 * again before each wait; IPC_FOREVER: no limit). */
noreturn void server_loop_idle(long (*dispatch)(struct req *r), void *inbuf, size_t cap,
                               uint64_t (*wait_ms)(void), void (*idle)(void));
/* Answer a held request: label result, with len bytes of bulk data.
 * Returns 0, or -E... if the client is gone. Never blocks. */
long reply_later(uint64_t sender, long result, const void *data, size_t len);
/* A restarted server's saved state, and saving it (proto/super.h). */
const char *server_state(int argc, char **argv);
long server_save(const char *text);

/* ---- the supervisor (super.c; the protocol: include/mica/proto/super.h) ---- */
struct super_info;
long super_list(struct super_info *rows, size_t max);   /* -> how many rows */
long super_kill(const char *name);                      /* -> the pid it ended */
long super_crash(const char *name);                     /* -> the pid made to fault */
long super_inject(const char *name, uint32_t one_in);   /* random faults; 0: none */
long super_wait(const char *name, uint32_t restarts);   /* until restarted that often */

/* ---- files (file.c, io.c; the protocol: include/mica/proto/fs.h) ----
 * A descriptor names the console or an open file, directory or pipe end
 * of the file system server. 0, 1 and 2 are what the parent gave (the
 * console, unless redirected). Relative paths start at the working
 * directory. Output to 1 is buffered: to the console by whole lines, to a
 * file or a pipe until the buffer is full (io.c says when else it goes
 * out). An error in writing it out is returned by the next write(1, ...),
 * and by flush(), fsync(1) and close(1). */
int open(const char *path, int flags);          /* O_* -> fd */
long close(int fd);
long read(int fd, void *buf, size_t n);         /* console: one line; 0 at the end */
long write(int fd, const void *buf, size_t n);  /* all of it, or -E... */
long lseek(int fd, long off, int whence);       /* SEEK_* -> the new offset */
long stat(const char *path, struct fs_stat *st);
long fstat(int fd, struct fs_stat *st);
long mkdir(const char *path);
long rmdir(const char *path);
long unlink(const char *path);
long link(const char *old, const char *new);
long rename(const char *old, const char *new);
long readdir(int fd, struct fs_dirent *ents, size_t max);   /* -> entries, 0 at the end */
long fsync(int fd);
long sync(void);
long pipe(int fds[2]);                          /* fds[0] reads, fds[1] writes */
long dup(int fd);
long dup2(int fd, int to);
long chdir(const char *path);
const char *getcwd(void);
struct fs_statfs { uint64_t free_blocks, free_inodes, handles, dirty; };
long fs_statfs(struct fs_statfs *st);
long flush(void);                               /* write out stdout's buffer: 0 or -E... */
int dprintf(int fd, const char *fmt, ...);
long console_set_fg(long pid);                  /* the process ^C ends */
const char *strerror(long err);                 /* "no such file", for -ENOENT or ENOENT */
/* For the utilities (args.c): leading "-xy" arguments, each letter one of
 * `known`, set seen[letter] -> the first other argument, or -1 after saying
 * which option is unknown; the last name of a path ("c" for "/a/b/c/");
 * dir/name into buf, false if it does not fit. */
int options(int argc, char **argv, const char *known, bool seen[128]);
const char *path_last(const char *path, char buf[FS_NAME_MAX + 1]);
bool path_join(char buf[FS_PATH_MAX], const char *dir, const char *name);
/* The main of "PROG SRC DST, or PROG SRC... DIR" (cp, mv, ln): op(src, dst)
 * for each SRC, dst being DIR/(SRC's last name) if the last argument is a
 * directory. op returns 0, or 1 after saying what failed -> the exit
 * status: 0, 1 if some op failed or DIR is not a directory, 2 (after
 * printing "usage: " usage) if there are fewer than two names. */
int each_into(int argc, char **argv, const char *usage,
              int (*op)(const char *src, const char *dst));
/* The main of "PROG NAME...": op(NAME) for each -> 0, or 1 if some op
 * returned -E... (said as "PROG: NAME: error"); 2 and usage if no NAME. */
int each_name(int argc, char **argv, const char *usage, long (*op)(const char *name));
/* All of directory path's entries, "." and ".." too, in a new array (for
 * free()) -> how many, or -E... */
long dir_entries(const char *path, struct fs_dirent **entries);
/* Write buf to standard output, or else say why not ("PROG: standard
 * output: broken pipe") and exit with status: there are no signals, so
 * this is how a program whose reader has gone stops. */
void write_out(const char *prog, const void *buf, size_t n, int status);

/* ---- memory (malloc.c) ---- */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

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
