/*
 * srvfuzz: random and malformed messages to a server; it must answer each
 * with a result or an error code, stay up, and give back what it held.
 *
 *     srvfuzz SERVER SEED COUNT     SERVER: mem, console, fs, blk, pipe or super
 *
 * The messages: labels below, inside and above the server's range, of the
 * other servers' ranges, the kernel's own and random ones; words drawn from
 * values that break servers (0, -1, huge, handles near the table's ends,
 * handles and pids this program really holds); bulk data of the lengths at
 * the limits (0, 1, a path's, IPC_BULK_MAX) and past them, random or
 * plausible; receive buffers smaller than the answer. Some go as a plain
 * send (the server's reply finds nobody waiting), some are replies the
 * server never asked for (IPC_REPLY with a made-up sender word: the kernel
 * must refuse it). Every 250 messages a child copy of this program sends
 * one request, often one the server holds (a pipe or console read, a
 * SUPER_WAIT), and is killed at once: the server must let go of it.
 *
 * Each mode keeps its messages from doing real harm (its tame function): no
 * spawn but of "true" and "false", no kill but of our own children, no
 * console output but a rare short line, no supervisor request naming a
 * real server but SUPER_WAIT, no block written. Every 1,000 messages a
 * known-good request must still be answered correctly. Before and after
 * the run (children reaped, handles closed, /fz removed, a pause for the
 * servers to hear of the deaths) the resources that must come back are
 * compared: frames and kernel pages, processes, the fs server's handles,
 * dirty blocks, free blocks and inodes, the supervisor's table. A last
 * check per mode shows that requests held for killed children do not use
 * up the server's places (and, for the memory server, that a page fault
 * message a program makes up ends it). Prints "srvfuzz: SERVER survived N
 * messages" only if every check passed.
 *
 * Inside, a child is "srvfuzz SERVER SEED 0 child|hold [ARGS]": "child"
 * sends a held or a random request and waits to be killed; "hold" sends
 * only the held request and exits with HOLD_BUSY if it was refused for
 * -EBUSY (HOLD_ANSWERED if it got another answer).
 */
#include "utest.h"
#include <mica/proto/blk.h>
#include <mica/proto/console.h>
#include <mica/proto/super.h>

#define HOLD_MS       20     /* how long we wait for an answer that may be held */
#define PROBE_EVERY   1000   /* messages between known-good requests */
#define CHILD_EVERY   250    /* messages between children killed at once */
#define KIDS_MAX      64     /* children we keep track of */
#define HELD_MAX      64     /* handles, pids and tokens worth sending again */
#define FAILS_MAX     20     /* failed checks after which the run stops */
#define HOLD_BUSY     3      /* a "hold" child's exit codes */
#define HOLD_ANSWERED 4
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random values (xorshift64) ---- */

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Values worth sending again: handles, pids, tokens this program holds. */
static uint64_t held[HELD_MAX];
static int nheld;

static void hold_value(uint64_t v)
{
	held[nheld < HELD_MAX ? nheld++ : (int)(next() % HELD_MAX)] = v;
}

/* A word of a message: one of the values that break servers. */
static uint64_t word(void)
{
	switch (next() % 8) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return next();
	case 3: return next() % 16;
	case 4: return FS_HANDLES_MAX - 2 + next() % 4;
	case 5: return nheld ? held[next() % (uint64_t)nheld] : 1;
	case 6: return 1UL << (next() % 64);
	default: return next() % 9000;
	}
}

/* ---- our children ---- */

static long me;                  /* our pid */
static const char *mode_name;    /* the SERVER argument */
static long kids[KIDS_MAX];      /* running or not reaped yet */
static int nkids;

static void kid_add(long pid)
{
	if (nkids < KIDS_MAX)
		kids[nkids++] = pid;
}

static void kid_forget(long pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid)
			kids[i] = kids[--nkids];
}

static bool is_kid(long pid)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i] == pid)
			return true;
	return false;
}

/* Start a copy of this program as "srvfuzz MODE SEED 0 ROLE [A [B]]". */
static long spawn_copy(const char *role, const char *a, const char *b)
{
	char seed[24];
	snprintf(seed, sizeof(seed), "%lu", next() % 1000000);
	char *argv[] = { "srvfuzz", (char *)mode_name, seed, "0", (char *)role, (char *)a,
	                 a ? (char *)b : NULL, NULL };
	long pid = spawn(argv);
	if (pid > 0)
		kid_add(pid);
	return pid;
}

/* End every child of ours that still runs, and reap them all. A MEM_WAIT
 * the fuzzer left held (sent and not waited for) makes ours -EBUSY until
 * a child ends: try again. */
static void kids_end(void)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	long n = ps(rows, MEM_PS_MAX);
	for (long i = 0; i < n; i++)
		if (rows[i].ppid == me && rows[i].state == PROC_RUNNING)
			kill(rows[i].pid);
	int status;
	for (int tries = 0; tries < 500; tries++) {
		long pid = waitpid(0, &status, 0);
		if (pid == -ECHILD)
			break;
		if (pid > 0)
			kid_forget(pid);
		else
			sleep_ms(10);
	}
	nkids = 0;
}

/* Wait at most ms for child pid to end, and reap it: true if it did. */
static bool kid_wait(long pid, int *status, uint64_t ms)
{
	for (uint64_t waited = 0; waited < ms; waited += 10) {
		if (waitpid(pid, status, WAIT_NOHANG) == pid) {
			kid_forget(pid);
			return true;
		}
		sleep_ms(10);
	}
	return false;
}

/* Reap the children that have ended, without waiting. */
static void kids_reap(void)
{
	int status;
	long pid;
	while ((pid = waitpid(0, &status, WAIT_NOHANG)) > 0)
		kid_forget(pid);
}

/* ---- one message ---- */

static uint8_t sbuf[IPC_BULK_MAX + 64], rbuf[IPC_BULK_MAX];

struct shot {
	uint64_t op;             /* IPC_CALL, IPC_SEND or IPC_REPLY */
	struct msg m;
	uint64_t label;          /* m.label as sent (m holds the answer after) */
	size_t slen;             /* bulk bytes to send, in sbuf */
	size_t rcap;             /* room for the answer's bulk; */
	bool recv;               /* ... given at all (IPC_BULK_RECV) */
	bool exact;              /* the answer must be `want` */
	long want;
	long reply_to;           /* IPC_REPLY: the made-up sender word */
};

static void expect(struct shot *s, long want)
{
	s->exact = true;
	s->want = want;
}

/* The label ranges of the servers, and of the supervisor's SRV_* requests. */
static const uint64_t ranges[][2] = {
	{ MEM_FIRST, MEM_LAST }, { CONS_FIRST, CONS_LAST }, { FS_FIRST, FS_LAST },
	{ BLK_FIRST, BLK_LAST }, { SUPER_FIRST, SUPER_LAST }, { SRV_FIRST, SRV_LAST },
};


/* Bulk lengths at the limits: names, paths, argv, console writes, IPC. */
static const size_t edges[] = {
	0, 1, 2, 15, 16, 17, 63, 64, 65, 255, 256, 257, 2047, 2048, 2049, 4095, 4096, 4097,
	IPC_BULK_MAX - 1, IPC_BULK_MAX, IPC_BULK_MAX + 1, IPC_BULK_MAX + 64,
};

/* Plausible bulk: paths for the fs server, programs and names for the
 * memory server and the supervisor (each may go with its NUL or without). */
static const char *paths[] = {
	"/fz", "/fz/a", "/fz/b", "/fz/d", "/fz/d/x", "/fz/a/..", "/fz/../fz/a", "/..", "/",
	"/fz//a", "/fz/./b", "/fz/d/../../fz/a", "/fz/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "relative", "",
};
static const char *names[] = {
	"true", "false", "sh", "srvfuzz", "fs", "blk", "console", "super", "mem", "init",
	"nosuch", "", "f", "FS", "fs ", "consoleconsolecon", "0123456789abcdef",
};

/* What a mode knows of its server. */
struct mode {
	const char *name;        /* the SERVER argument */
	const char *server;      /* its name at the memory server (NULL: the memory server) */
	uint64_t first, last;    /* its labels */
	const char **plausible;  /* bulk worth sending, and how many */
	size_t nplausible;
	void (*setup)(void);               /* before the first count */
	void (*start)(void);               /* after it */
	void (*tame)(struct shot *s);      /* keep s from doing real harm; say what it wants */
	void (*after)(struct shot *s, long r);   /* note what the answer (r: the
	                                           * kernel's result) gave us */
	bool (*probe)(void);               /* a known-good request answered well? */
	void (*counts)(void);              /* count what must come back (count()) */
	void (*cleanup)(void);             /* let go of what we hold, before the count */
	long (*hold)(int argc, char **argv);   /* child: a request the server holds */
	void (*dying)(void);               /* spawn a child to kill at once */
	void (*last_check)(void);          /* held requests of dead children let go */
};

static const struct mode *mode;
static long server;                      /* its task ID */

static void fill_random(size_t n)
{
	for (size_t k = 0; k < n; k++)
		sbuf[k] = (uint8_t)next();
}

/* A label: mostly the server's own range and its neighbours. */
static uint64_t pick_label(void)
{
	switch (next() % 16) {
	case 0: return next() % 4;   /* the kernel's: LABEL_NOTIFY, LABEL_PAGE_FAULT */
	case 1:
	case 2: {
		const uint64_t *r = ranges[next() % N(ranges)];
		return r[0] + next() % (r[1] - r[0] + 3);
	}
	case 3: return next();
	default: return mode->first - 2 + next() % (mode->last - mode->first + 5);
	}
}

/* Bulk data for s: none, plausible, random of a length at a limit, or random. */
static void pick_bulk(struct shot *s)
{
	s->slen = 0;
	switch (next() % 6) {
	case 0: break;
	case 1:
	case 2: {   /* a plausible string, maybe two */
		for (int k = 0; k < 2 && s->slen < 200; k++) {
			const char *p = mode->plausible[next() % mode->nplausible];
			size_t n = strlen(p) + (next() % 4 ? 1 : 0);
			memcpy(sbuf + s->slen, p, n);
			s->slen += n;
			if (next() % 2)
				break;
		}
		break;
	}
	case 3:
		s->slen = edges[next() % N(edges)];
		fill_random(s->slen);
		break;
	case 4:
		s->slen = next() % 80;   /* short: the supervisor takes 64 bytes at most */
		fill_random(s->slen);
		break;
	default:
		s->slen = next() % (IPC_BULK_MAX + 1);
		fill_random(s->slen);
	}
}

/* A random message, not yet tamed. */
static void make_shot(struct shot *s)
{
	*s = (struct shot){ .op = IPC_CALL };
	s->m.label = pick_label();
	for (int k = 0; k < IPC_MSG_WORDS; k++)
		s->m.w[k] = word();
	pick_bulk(s);
	s->recv = next() % 16 != 0;
	s->rcap = next() % 3 ? sizeof(rbuf) : next() % 64;
	uint64_t how = next() % 64;
	if (how == 0)
		s->op = IPC_SEND;    /* the reply will find nobody waiting */
	if (how == 1) {          /* a reply it never asked for, to one of its threads */
		s->op = IPC_REPLY;
		s->reply_to = (long)(((uint64_t)server * TASK_MAX_THREADS + next() % TASK_MAX_THREADS) |
		                     (next() << 40));
	}
}

static bool in_range(uint64_t label)
{
	return label >= mode->first && label <= mode->last;
}

/* Is e one of the error codes of include/mica/errno.h? */
static bool is_errno(long e)
{
	static const long known[] = {
		EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM,
		EACCES, EFAULT, EBUSY, EEXIST, ENODEV, ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE,
		EFBIG, ENOSPC, ESPIPE, EROFS, EMLINK, EPIPE, ERANGE, ENAMETOOLONG, ENOSYS,
		ENOTEMPTY, EMSGSIZE, ESTALE, ETIMEDOUT, EDEAD,
	};
	for (size_t i = 0; i < N(known); i++)
		if (e == -known[i])
			return true;
	return false;
}

static long results, errors, held_calls, sends, replies, failures;
static long label_results[32], label_errors[32];   /* of the server's own labels */

/* Send s; returns the kernel's result (the answer is in s->m). */
static long shoot(struct shot *s)
{
	s->label = s->m.label;
	struct ipc_args a = { .filter = (uint64_t)server, .timeout = HOLD_MS, .sbuf = sbuf,
	                      .slen = s->slen, .rbuf = rbuf, .rcap = s->rcap };
	uint64_t bulk = (s->slen ? IPC_BULK_SEND : 0) | (s->recv ? IPC_BULK_RECV : 0);
	if (s->op == IPC_REPLY)
		return ipc(IPC_REPLY | (s->slen ? IPC_BULK_SEND : 0), s->reply_to, &s->m, &a, NULL);
	return ipc(s->op | bulk, server, &s->m, &a, NULL);
}

static void fail(void)
{
	failures++;
}

/* Was the answer to s one it may get? Counts it. */
static void judge(struct shot *s, long r)
{
	long res = (long)s->m.label;
	if (s->op == IPC_REPLY) {
		long want = s->slen > IPC_BULK_MAX ? -EMSGSIZE : -ESRCH;
		replies++;
		if (r != want) {
			CHECK(false, "a reply nobody asked for (word 0x%lx): the kernel said %ld, "
			      "want %ld", s->reply_to, r, want);
			fail();
		}
		return;
	}
	if (r == -ETIMEDOUT) {   /* held past HOLD_MS (a read waits), or not taken yet */
		held_calls++;
		return;
	}
	if (r == -EMSGSIZE)      /* the bulk was too long for it, or the answer for us */
		return;
	if (r == -EINVAL && (s->label == LABEL_NOTIFY || s->label == LABEL_PAGE_FAULT))
		return;              /* the kernel's labels: the kernel refuses them (ipc.md) */
	if (r < 0) {
		CHECK(false, "label 0x%lx: the %s failed with %ld", s->label,
		      s->op == IPC_SEND ? "send" : "call", r);
		fail();
		return;
	}
	if (s->op == IPC_SEND) {   /* delivered; the answer went nowhere */
		sends++;
		return;
	}
	res < 0 ? errors++ : results++;
	if (in_range(s->label))
		(res < 0 ? label_errors : label_results)[s->label - mode->first]++;
	if (!s->exact && s->label >= SRV_FIRST && s->label <= SRV_LAST)
		expect(s, -EPERM);    /* only the supervisor may send SRV_* */
	else if (!s->exact && !in_range(s->label))
		expect(s, -ENOSYS);
	if (s->exact && res != s->want) {
		CHECK(false, "label 0x%lx (w0 0x%lx): answered %ld, want %ld", s->label, s->m.w[0], res,
		      s->want);
		fail();
	} else if (res < 0 && !is_errno(res)) {
		CHECK(false, "label 0x%lx (w0 0x%lx): answered %ld, neither a result nor an error code",
		      s->label, s->m.w[0], res);
		fail();
	}
}

/* One random message, tamed, sent and judged. */
static void fuzz_one(void)
{
	struct shot s;
	make_shot(&s);
	mode->tame(&s);
	long r = shoot(&s);
	judge(&s, r);
	if (mode->after)
		mode->after(&s, r);
}

/* ---- counts that must come back ---- */

#define COUNTS_MAX 24
static struct counts {
	int n;
	const char *what[COUNTS_MAX];
	uint64_t v[COUNTS_MAX];
	bool shown[COUNTS_MAX];   /* only shown, not compared */
} *counting;

static void count_as(const char *what, uint64_t v, bool shown)
{
	if (counting->n < COUNTS_MAX) {
		counting->what[counting->n] = what;
		counting->shown[counting->n] = shown;
		counting->v[counting->n++] = v;
	}
}

static void count(const char *what, uint64_t v)
{
	count_as(what, v, false);
}

/* The memory server's, in every mode: every frame not free is held by
 * some process (none is lost); we and the other processes hold what we
 * held, so the frames that came and went were the server's (the servers
 * have no heap: a server's frames are its program's pages, mapped as it
 * first touches them, and grow only up to its size); its kernel pages,
 * its processes and its zombies. */
static void mem_counts(void)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	struct mem_stats st;
	long n = ps(rows, MEM_PS_MAX);
	CHECK(mem_stats(&st) == 0 && n > 0, "MEM_STATS and MEM_PS answer");
	uint64_t all = 0, mine = 0, srv = 0, zombies = 0;
	for (long i = 0; i < n; i++) {
		all += rows[i].frames;
		mine += rows[i].pid == me ? rows[i].frames : 0;
		srv += rows[i].pid == server ? rows[i].frames : 0;
		zombies += rows[i].state == PROC_ZOMBIE;
	}
	count("frames held by no process (lost)", st.total_frames - st.free_frames - all);
	count("frames of the other processes", all - mine - srv);
	count("frames: ours", mine);
	count("free frames and the server's", st.free_frames + srv);
	count_as("frames: the server's", srv, true);
	count("free kernel pages", st.free_kpages);
	count("processes", st.procs);
	count("zombies", zombies);
}

static void take_counts(struct counts *c)
{
	counting = c;
	c->n = 0;
	mem_counts();
	if (mode->counts)
		mode->counts();
}

static void compare_counts(const struct counts *before, const struct counts *after)
{
	for (int i = 0; i < before->n && i < after->n; i++) {
		printf("srvfuzz: %s: %lu before, %lu after%s\n", before->what[i], before->v[i],
		       after->v[i], before->shown[i] ? " (shown only)" : "");
		CHECK(before->shown[i] || before->v[i] == after->v[i],
		      "%s: %lu after the run, %lu before", before->what[i], after->v[i],
		      before->v[i]);
	}
}

/* ---- children ---- */

/* Spawn a child that sends one request (often one the server holds) and
 * kill it at once, or a moment later: the server must let go of it. */
static void dying_child(const char *a, const char *b)
{
	long pid = spawn_copy("child", a, b);
	if (pid < 0) {
		CHECK(pid == -EAGAIN, "spawn a child to kill: %ld", pid);
		return;
	}
	uint64_t wait = next() % 4;
	if (wait)
		sleep_ms(wait);
	long err = kill(pid);
	int status = 0;
	bool ended = kid_wait(pid, &status, 2000);
	CHECK(err == 0 && ended && WHOW(status) == EXIT_KILLED,
	      "a child killed at once: kill %ld, %s, status 0x%x", err,
	      ended ? "ended" : "still runs", status);
}

static void dying_plain(void)
{
	dying_child(NULL, NULL);
}

/* Spawn n "hold" children; after a pause, how many still wait (their
 * requests held) and how many were refused with -EBUSY. Then kill them. */
static void holders(int n, int *waiting, int *busy)
{
	long pids[24];
	int started = 0;
	*waiting = *busy = 0;
	for (int i = 0; i < n && i < 24; i++)
		if ((pids[started] = spawn_copy("hold", NULL, NULL)) > 0)
			started++;
	sleep_ms(300);
	for (int i = 0; i < started; i++) {
		int status = 0;
		long r = waitpid(pids[i], &status, WAIT_NOHANG);
		if (r == -EAGAIN)
			(*waiting)++;
		else if (r == pids[i] && WHOW(status) == EXIT_NORMAL && WCODE(status) == HOLD_BUSY)
			(*busy)++;
		if (r == pids[i])
			kid_forget(pids[i]);
	}
	kids_end();
	sleep_ms(100);   /* the servers hear of the deaths */
}

/* ---- mode mem: the memory server ---- */

/* A pid we may send MEM_KILL: a child of ours, or one that is no task. */
static uint64_t harmless_pid(uint64_t pid)
{
	if (!task_alive((long)pid) || is_kid((long)pid))
		return pid;
	return nkids && next() % 2 ? (uint64_t)kids[next() % (uint64_t)nkids] : ~0UL - next() % 4;
}

/* MEM_SPAWN: "true" or "false" with right or wrong fields, or bulk whose
 * first string names no program. */
static void mem_tame_spawn(struct shot *s)
{
	if (next() % 4 == 0) {
		const char *argv = next() % 2 ? "true\0-x" : "false\0";
		size_t len = strlen(argv) + 1 + (argv[0] == 't' ? 3 : 0);
		memcpy(sbuf, argv, len);
		s->slen = len;
		s->m.w[0] = next() % 4 ? (argv[0] == 't' ? 2 : 1) : s->m.w[0];
		s->m.w[1] = next() % 4 ? 0 : next() % 2 ? SPAWN_IMAGE : s->m.w[1];
		s->m.w[2] = 0;
		if (next() % 3 == 0) {   /* what the child inherits: random */
			size_t at = (len + 7) & ~7UL;
			memset(sbuf + len, 0, at - len);
			for (size_t k = 0; k < sizeof(struct mem_inherit); k++)
				sbuf[at + k] = (uint8_t)next();
			s->m.w[2] = next() % 8 ? len : s->m.w[2];
			s->slen = at + sizeof(struct mem_inherit);
		}
	} else if (s->slen && sbuf[0]) {
		sbuf[0] = '#';   /* no program's name starts so */
	}
}

/* MEM_SBRK: the heap never drops below where it is now (our data may be
 * there); below HEAP_BASE is tried (it must be refused). */
static uint64_t brk_now;

/* Our stack, mapped before the first count (stack_map): the counts then
 * see no frame come to us for a deeper call, and a fault we forge there
 * finds its page mapped. */
#define STACK_MAPPED (64 * 1024)
static uint64_t stack_low;

static void __attribute__((noinline)) stack_map(void)
{
	volatile uint8_t pages[STACK_MAPPED];
	for (size_t i = 0; i < sizeof(pages); i += 4096)
		pages[i] = 0;
	stack_low = (uint64_t)pages;
}

static void mem_tame(struct shot *s)
{
	uint64_t label = s->m.label;
	if (label == MEM_SPAWN) {
		mem_tame_spawn(s);
	} else if (label == MEM_KILL) {
		s->m.w[0] = harmless_pid(s->m.w[0]);
		if (!is_kid((long)s->m.w[0]))
			expect(s, -ESRCH);   /* (a child may end by itself meanwhile: 0 or that) */
	} else if (label == MEM_SBRK) {
		brk_now = (uint64_t)sbrk(0);
		uint64_t to = brk_now + s->m.w[0];
		if ((int64_t)s->m.w[0] < 0 && to >= HEAP_BASE && to < brk_now)
			s->m.w[0] = HEAP_BASE - brk_now - 1 - next() % 4096;
	} else if (label == MEM_IMAGE && s->m.w[0] == 0 && s->slen >= 4 && next() % 2) {
		memcpy(sbuf, "\177ELF", 4);   /* looks like a program, for the loader */
	}
}

static void mem_after(struct shot *s, long r)
{
	long res = (long)s->m.label;
	if (s->label == MEM_SBRK) {   /* whatever the answer: the break may have moved */
		uint64_t at = (uint64_t)sbrk(0);
		if (at != brk_now)
			sbrk((long)(brk_now - at));
	}
	if (r < 0 || s->op != IPC_CALL)
		return;
	if (s->label == MEM_SPAWN && res > 0) {
		kid_add(res);
		hold_value((uint64_t)res);
	} else if (s->label == MEM_WAIT && res > 0) {
		kid_forget(res);
	}
	if (s->label == MEM_KILL && res != 0 && res != -ESRCH) {
		CHECK(false, "MEM_KILL of a child of ours: answered %ld, want 0 or -ESRCH", res);
		fail();
	}
	if ((s->label == MEM_REGISTER || s->label == MEM_DMA || s->label == MEM_WATCH) &&
	    res != -EPERM && res != -EINVAL) {   /* we are no server or driver */
		CHECK(false, "label 0x%lx from a program: answered %ld, want -EPERM or -EINVAL",
		      s->label, res);
		fail();
	}
}

/* A program cannot send a page fault of its own making: the kernel
 * refuses the label (the child exits 0 if it was refused). */
static void mem_last_check(void)
{
	int status = 0;
	long pid = spawn_copy("hold", "forge", NULL);
	bool ended = pid > 0 && kid_wait(pid, &status, 2000);
	CHECK(ended && status == 0, "a made-up page fault: the child %s (status 0x%x), want the "
	      "kernel to refuse it", ended ? "ended" : "still runs", status);
}

static bool mem_probe(void)
{
	struct mem_stats st;
	kids_reap();
	return mem_stats(&st) == 0 && st.free_frames > 0;
}

/* Our staged program file (MEM_IMAGE) is dropped by any spawn with
 * SPAWN_IMAGE, even a refused one. */
static void mem_cleanup(void)
{
	struct msg m = { MEM_SPAWN, { 0, SPAWN_IMAGE, 0 } };
	mem_call(&m, "x", 2, NULL, 0);
}

/* A child's held request: heap pages touched, a file staged, a child of
 * its own (orphaned when it dies), and a wait for it. With the argument
 * "forge", a page fault message made up, which the kernel must refuse. */
static long mem_hold(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "forge") == 0) {
		struct msg m = { LABEL_PAGE_FAULT, { 0x20000000, FAULT_WRITE, 0 } };
		exit(ipc_call(server, &m, IPC_FOREVER) == -EINVAL ? 0 : 1);
	}
	uint8_t *heap = sbrk(16 * 4096);
	for (int i = 0; heap && i < 16; i++)
		heap[i * 4096] = 1;
	struct msg m = { MEM_IMAGE, { 0, 8192 } };
	mem_call(&m, sbuf, 8192, NULL, 0);
	char *true_argv[] = { "true", NULL };
	spawn(true_argv);
	return wait(NULL);
}

/* ---- mode console: the console server ---- */

static void console_tame(struct shot *s)
{
	switch (s->m.label) {
	case CONS_WRITE:
		/* no output but a rare short line: else nothing the console
		 * takes (0 bytes), or more than it takes (-EMSGSIZE) */
		if (next() % 1024 == 0) {
			s->slen = 1 + next() % 8;
			memset(sbuf, '~', s->slen);
			sbuf[s->slen++] = '\n';
		} else if (s->slen <= CONS_WRITE_MAX) {
			s->slen = next() % 2 ? 0 : CONS_WRITE_MAX + 1 + next() % 4096;
		}
		break;
	case CONS_READ:
		/* a read of ours would be held and given up (HOLD_MS), and take
		 * one of the CONS_READERS_MAX places until a line is typed: the
		 * children read (console_hold), we only ask for 0 bytes */
		s->m.w[0] = 0;
		expect(s, -EINVAL);
		if (s->op == IPC_SEND)
			s->op = IPC_CALL;
		break;
	case CONS_SET_FG: {
		long pid = (long)s->m.w[0];
		expect(s, pid < 0 ? -EINVAL : pid == 0 || pid == me || is_kid(pid) ? 0 : -EPERM);
		if (s->op == IPC_SEND)
			s->op = IPC_CALL;   /* so that we know whom ^C would end */
		break;
	}
	}
}

static bool console_probe(void)
{
	struct msg m = { CONS_WRITE, { 0 } };
	return ipc_call(server, &m, 5000) == 0 && m.label == 0;
}

static void console_cleanup(void)
{
	console_set_fg(0);
}

static long console_hold(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct msg m = { CONS_READ, { 1 + next() % 300 } };
	return ipc_call_bulk(server, &m, NULL, 0, rbuf, 1 + next() % 300) < 0 ? -1 : (long)m.label;
}

/* Readers of dead clients are dropped: after CONS_READERS_MAX + 1 readers
 * were killed, as many new ones again wait (and one more is refused). */
static void console_last_check(void)
{
	for (int round = 1; round <= 2; round++) {
		int waiting, busy;
		holders(CONS_READERS_MAX + 1, &waiting, &busy);
		printf("srvfuzz: console readers, round %d: %d held, %d refused (-EBUSY)\n", round,
		       waiting, busy);
		CHECK(waiting == CONS_READERS_MAX && busy == 1,
		      "round %d of %d readers after killed ones: %d held, %d -EBUSY; want %d and 1 "
		      "(a dead reader's place must be freed)", round, CONS_READERS_MAX + 1, waiting,
		      busy, CONS_READERS_MAX);
	}
}

/* ---- modes fs and pipe: the file system server ---- */

/* The entries of directory path, up to max, in ents -> how many. */
static long entries(const char *path, struct fs_dirent *ents, size_t max)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	long n = fd < 0 ? 0 : readdir(fd, ents, max);
	if (fd >= 0)
		close(fd);
	return n;
}

/* Remove path and all below it (without malloc: our heap stays as it is). */
static void remove_tree(const char *path)
{
	struct fs_stat st;
	if (stat(path, &st) < 0)
		return;
	if (st.type != FS_STAT_DIR) {
		unlink(path);
		return;
	}
	struct fs_dirent ents[32];
	long n = entries(path, ents, N(ents));
	for (long i = 0; i < n; i++) {
		char sub[FS_PATH_MAX];
		if (strcmp(ents[i].name, ".") && strcmp(ents[i].name, "..") &&
		    path_join(sub, path, ents[i].name))
			remove_tree(sub);
	}
	rmdir(path);
}

/* What the root directory holds before the run: all else the run made
 * goes after it (mostly /fz; also "/" with a name pasted after it). */
static struct fs_dirent roots[32];
static long nroots;

/* Count without /fz, once made and removed (the root directory has room
 * for its entry, so the free blocks before are those after); then make it. */
static void fs_setup(void)
{
	remove_tree("/fz");
	mkdir("/fz");
	rmdir("/fz");
	sync();
	nroots = entries("/", roots, N(roots));
}

static void remove_new_roots(void)
{
	struct fs_dirent now[32];
	long n = entries("/", now, N(now));
	for (long i = 0; i < n; i++) {
		bool old = false;
		for (long k = 0; k < nroots; k++)
			old |= strcmp(now[i].name, roots[k].name) == 0;
		char path[FS_PATH_MAX];
		if (!old && path_join(path, "/", now[i].name))
			remove_tree(path);
	}
}

static void fs_start(void)
{
	mkdir("/fz");
}

static uint64_t lent, token;   /* our last FS_LEND's handle and token */

/* Nothing to tame: it all happens in /fz, whose files are ours. Half the
 * time, fields that pass the first checks, to reach further. */
static void fs_tame(struct shot *s)
{
	static const uint64_t flags[] = {
		O_RDONLY, O_WRONLY | O_CREAT, O_RDWR | O_CREAT | O_TRUNC, O_WRONLY | O_APPEND,
		O_RDWR | O_CREAT | O_EXCL, O_RDONLY | O_DIRECTORY,
	};
	if (next() % 2)
		return;
	switch (s->m.label) {
	case FS_OPEN: s->m.w[0] = flags[next() % N(flags)]; break;
	case FS_SEEK: s->m.w[2] = next() % 4; break;
	case FS_READ:
	case FS_READDIR: s->m.w[1] = next() % (FS_IO_MAX + 2); break;
	case FS_CLAIM: s->m.w[0] = lent; s->m.w[1] = token; break;
	}
}

static void fs_after(struct shot *s, long r)
{
	long res = (long)s->m.label;
	if (r < 0 || s->op != IPC_CALL)
		return;
	if (res > 0 && res < FS_HANDLES_MAX)
		hold_value((uint64_t)res);   /* maybe a handle: try it later */
	if (s->label == FS_PIPE && res == 0) {
		hold_value(s->m.w[0]);
		hold_value(s->m.w[1]);
	}
	if (s->label == FS_LEND && res > 0) {
		lent = (uint64_t)res;
		token = s->m.w[0];
	}
}

static bool fs_probe(void)
{
	struct fs_statfs st;
	return fs_statfs(&st) == 0;
}

/* Close every handle of ours (the server tells handles of others apart). */
static void fs_close_all(void)
{
	for (uint64_t h = 1; h < FS_HANDLES_MAX; h++) {
		struct msg m = { FS_CLOSE, { h } };
		ipc_call(server, &m, 5000);
	}
	nheld = 0;
}

/* All our handles closed, /fz and the like removed, everything written out. */
static void fs_cleanup(void)
{
	fs_close_all();
	remove_new_roots();
	sync();
}

static void fs_counts(void)
{
	struct fs_statfs st;
	CHECK(fs_statfs(&st) == 0, "FS_STATFS answers");
	count("fs: free blocks", st.free_blocks);
	count("fs: free inodes", st.free_inodes);
	count("fs: handles in use", st.handles);
	count("fs: dirty blocks after sync", st.dirty);
}

static bool holder;   /* a "hold" child */

/* A decimal number of 64 bits (a token: strtol stops at LONG_MAX). */
static uint64_t decimal(const char *s)
{
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

/* A child's held request: a file open, a pipe made, and a read of the
 * empty pipe; or, with a lent handle, a read of it (a "child" may write). */
static long fs_hold(int argc, char **argv)
{
	struct msg m = { FS_CLAIM, { 0 } };
	if (argc >= 2) {
		m.w[0] = decimal(argv[0]);
		m.w[1] = decimal(argv[1]);
		long r = ipc_call(server, &m, 5000);
		if (r < 0 || m.label != 0)
			return -EBADF;
		m = (struct msg){ !holder && next() % 2 ? FS_WRITE : FS_READ,
		                  { decimal(argv[0]), 64 } };
		memset(sbuf, 'p', sizeof(sbuf));
		long n = ipc_call_bulk(server, &m, sbuf, m.label == FS_WRITE ? FS_IO_MAX : 0, rbuf,
		                       sizeof(rbuf));
		return n < 0 ? n : (long)m.label;
	}
	open("/fz/kid", O_CREAT | O_RDWR);
	int fds[2];
	if (pipe(fds) < 0)
		return -ENFILE;
	return read(fds[0], rbuf, 64);
}

/* mode pipe: the pipe handles we made, and the labels of pipes. */
static uint64_t pipe_rd, pipe_wr;   /* a pipe of ours that children read and write */

static void pipe_start(void)
{
	struct msg m = { FS_PIPE, { 0 } };
	fs_start();
	if (ipc_call(server, &m, 5000) == 0 && m.label == 0) {
		pipe_rd = m.w[0];
		pipe_wr = m.w[1];
	}
}

static void pipe_tame(struct shot *s)
{
	static const uint64_t labels[] = {
		FS_PIPE, FS_PIPE, FS_READ, FS_READ, FS_WRITE, FS_WRITE, FS_CLOSE, FS_DUP, FS_LEND,
		FS_CLAIM, FS_FSTAT, FS_SEEK, FS_FSYNC, FS_READDIR,
	};
	if (next() % 4)
		s->m.label = labels[next() % N(labels)];
	fs_tame(s);
}

/* Lend one end of our pipe to a child that claims it, reads or writes,
 * and is killed. */
static void pipe_dying(void)
{
	struct msg m = { FS_LEND, { next() % 2 ? pipe_rd : pipe_wr } };
	char h[24], t[24];
	if (ipc_call(server, &m, 5000) == 0 && (long)m.label > 0) {
		snprintf(h, sizeof(h), "%lu", m.label);
		snprintf(t, sizeof(t), "%lu", m.w[0]);
		dying_child(h, t);
	} else {
		dying_plain();
	}
}

/* Readers of a pipe that were killed are let go, and take no data: after
 * killed readers, as many new ones wait again, and a byte written is the
 * next read's. */
static void pipe_last_check(void)
{
	fs_close_all();   /* (room for the handles we lend) */
	struct msg m = { FS_PIPE, { 0 } };
	CHECK(ipc_call(server, &m, 5000) == 0 && m.label == 0, "a pipe for the last check");
	uint64_t rd = m.w[0], wr = m.w[1];
	int first = 0;
	for (int round = 1; round <= 2; round++) {
		int lent = 10, waiting = 0, busy = 0;
		long pids[10];
		for (int i = 0; i < lent; i++) {
			char h[24], t[24];
			m = (struct msg){ FS_LEND, { rd } };
			pids[i] = -1;
			if (ipc_call(server, &m, 5000) == 0 && (long)m.label > 0) {
				snprintf(h, sizeof(h), "%lu", m.label);
				snprintf(t, sizeof(t), "%lu", m.w[0]);
				pids[i] = spawn_copy("hold", h, t);
			}
		}
		sleep_ms(300);
		for (int i = 0; i < lent; i++) {
			int status = 0;
			long r = pids[i] > 0 ? waitpid(pids[i], &status, WAIT_NOHANG) : -1;
			waiting += r == -EAGAIN;
			busy += r == pids[i] && WCODE(status) == HOLD_BUSY;
		}
		kids_end();
		sleep_ms(100);
		printf("srvfuzz: pipe readers, round %d: %d held, %d refused (-EBUSY)\n", round,
		       waiting, busy);
		if (round == 1)
			first = waiting;
		CHECK(waiting > 0 && waiting + busy == lent && waiting == first,
		      "round %d of %d pipe readers: %d held, %d -EBUSY (round 1: %d held): a dead "
		      "reader's place must be freed", round, lent, waiting, busy, first);
	}
	m = (struct msg){ FS_WRITE, { wr } };
	long r = ipc_call_bulk(server, &m, "x", 1, NULL, 0);
	CHECK(r == 0 && m.label == 1, "write a byte after the readers died: %ld/%ld", r,
	      (long)m.label);
	m = (struct msg){ FS_READ, { rd, 64 } };
	struct ipc_args a = { .filter = (uint64_t)server, .timeout = 1000, .rbuf = rbuf, .rcap = 64 };
	r = ipc(IPC_CALL | IPC_BULK_RECV, server, &m, &a, NULL);
	CHECK(r == 1 && m.label == 1 && rbuf[0] == 'x',
	      "read it back: got %ld/%ld, want the byte (a dead reader must not take it)", r,
	      (long)m.label);
}

/* ---- mode blk: the block driver ---- */

static void blk_tame(struct shot *s)
{
	if (s->m.label == BLK_WRITE) {
		s->m.w[0] = ~0UL - next() % 4;   /* never a real write: keep the disk */
		if (s->slen && s->slen % BLK_BSIZE == 0 && s->slen <= IPC_BULK_MAX)
			expect(s, -ERANGE);
	}
}

static bool blk_probe(void)
{
	struct msg m = { BLK_INFO, { 0 } };
	if (ipc_call(server, &m, 5000) != 0 || m.label != 0)
		return false;
	m = (struct msg){ BLK_READ, { 0, 1 } };
	return ipc_call_bulk(server, &m, NULL, 0, rbuf, BLK_BSIZE) == BLK_BSIZE &&
	       m.label == BLK_BSIZE;
}

static void blk_counts(void)
{
	struct msg m = { BLK_INFO, { 0 } };
	CHECK(ipc_call(server, &m, 5000) == 0 && m.label == 0, "BLK_INFO answers");
	count("blk: capacity in blocks", m.w[0]);
	count("blk: writes done", m.w[1]);
}

static long blk_hold(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct msg m = { BLK_READ, { next() % 64, 1 + next() % 2 } };
	return ipc_call_bulk(server, &m, NULL, 0, rbuf, sizeof(rbuf));
}

/* ---- mode super: the supervisor (init) ---- */

static struct super_info rows[SUPER_SERVERS];
static long nrows;

static void super_setup(void)
{
	nrows = super_list(rows, SUPER_SERVERS);
}

/* The name init would read in bulk b: it compares, up to the first NUL,
 * a name of at most 16 bytes that ends with one. NULL if none. */
static const char *bulk_name(const uint8_t *b, size_t len)
{
	return len > 0 && len <= 16 && b[len - 1] == 0 ? (const char *)b : NULL;
}

/* Is name a server in init's table (SUPER_LIST)? */
static bool listed(const char *name)
{
	for (long i = 0; name && i < nrows; i++)
		if (strcmp(name, rows[i].name) == 0)
			return true;
	return false;
}

/* Is name a server init runs, or may run? (A child has no table yet.) */
static bool real_server(const char *name)
{
	return listed(name) || (name && (strcmp(name, CONS_NAME) == 0 ||
	                                 strcmp(name, BLK_NAME) == 0 || strcmp(name, FS_NAME) == 0));
}

static void super_tame(struct shot *s)
{
	uint64_t label = s->m.label;
	const char *name = bulk_name(sbuf, s->slen);
	if (nrows <= 0)
		nrows = super_list(rows, SUPER_SERVERS);
	if (label == SUPER_KILL || label == SUPER_CRASH || label == SUPER_INJECT) {
		if (real_server(name))
			sbuf[0] = '#';   /* never a real server: no name starts so */
		expect(s, -ENOENT);
	} else if (label == SUPER_WAIT && real_server(name)) {
		/* answered at once (restarts >= 0), or refused: never held */
		s->m.w[0] = next() % 2 ? 0 : (uint64_t)UINT32_MAX + 1 + next() % 100;
		if (!listed(name))
			expect(s, -ENOENT);
		else if (s->m.w[0])
			expect(s, -EINVAL);
	} else if (label == SUPER_WAIT) {
		expect(s, -ENOENT);
	} else if (label == SUPER_SAVE) {
		expect(s, -EPERM);   /* from a supervised server only */
	}
}

static bool super_probe(void)
{
	struct super_info now[SUPER_SERVERS];
	return super_list(now, SUPER_SERVERS) == nrows;
}

/* The supervisor's table: the fuzzer ended, crashed and changed nothing. */
static void super_counts(void)
{
	static struct super_info now[SUPER_SERVERS];
	static char what[SUPER_SERVERS][2][40];
	long n = super_list(now, SUPER_SERVERS);
	count("super: servers", (uint64_t)n);
	for (long i = 0; i < n && i < 3; i++) {
		snprintf(what[i][0], sizeof(what[i][0]), "super: %s: pid", now[i].name);
		snprintf(what[i][1], sizeof(what[i][1]), "super: %s: restarts, deaths, inject",
		         now[i].name);
		count(what[i][0], (uint64_t)now[i].pid);
		count(what[i][1], now[i].restarts | (uint64_t)now[i].deaths << 20 |
		                  (uint64_t)now[i].inject << 40);
	}
}

/* A child's held request: wait for a server to be restarted very often. */
static long super_hold(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	nrows = super_list(rows, SUPER_SERVERS);
	const char *name = nrows > 0 ? rows[next() % (uint64_t)nrows].name : FS_NAME;
	return super_wait(name, UINT32_MAX);
}

/* Waiters that died leave their places: after killed ones, as many wait
 * again, and one of ours is held too, not refused. */
static void super_last_check(void)
{
	for (int round = 1; round <= 3; round++) {
		int waiting, busy;
		holders(SUPER_WAITERS_MAX + 1, &waiting, &busy);
		printf("srvfuzz: super waiters, round %d: %d held, %d refused (-EBUSY)\n", round,
		       waiting, busy);
		CHECK(waiting == SUPER_WAITERS_MAX && busy == 1,
		      "round %d of %d SUPER_WAITs after killed ones: %d held, %d -EBUSY; want %d and "
		      "1", round, SUPER_WAITERS_MAX + 1, waiting, busy, SUPER_WAITERS_MAX);
	}
	struct msg m = { SUPER_WAIT, { UINT32_MAX } };
	const char *name = nrows > 0 ? rows[0].name : FS_NAME;
	struct ipc_args a = { .filter = (uint64_t)server, .timeout = 300, .sbuf = name,
	                      .slen = strlen(name) + 1 };
	long r = ipc(IPC_CALL | IPC_BULK_SEND, server, &m, &a, NULL);
	CHECK(r == -ETIMEDOUT, "a SUPER_WAIT after %d waiters were killed: %ld/%ld, want it held",
	      3 * (SUPER_WAITERS_MAX + 1), r, (long)m.label);
}

/* ---- the modes ---- */

static const struct mode modes[] = {
	{ .name = "mem", .first = MEM_FIRST, .last = MEM_LAST, .plausible = names,
	  .nplausible = N(names), .tame = mem_tame, .after = mem_after, .probe = mem_probe,
	  .cleanup = mem_cleanup, .hold = mem_hold, .dying = dying_plain,
	  .last_check = mem_last_check },
	{ .name = "console", .server = CONS_NAME, .first = CONS_FIRST, .last = CONS_LAST,
	  .plausible = names, .nplausible = N(names), .tame = console_tame,
	  .probe = console_probe, .cleanup = console_cleanup, .hold = console_hold,
	  .dying = dying_plain, .last_check = console_last_check },
	{ .name = "fs", .server = FS_NAME, .first = FS_FIRST, .last = FS_LAST, .plausible = paths,
	  .nplausible = N(paths), .setup = fs_setup, .start = fs_start, .tame = fs_tame,
	  .after = fs_after, .probe = fs_probe, .counts = fs_counts, .cleanup = fs_cleanup,
	  .hold = fs_hold, .dying = dying_plain },
	{ .name = "pipe", .server = FS_NAME, .first = FS_FIRST, .last = FS_LAST,
	  .plausible = paths, .nplausible = N(paths), .setup = fs_setup, .start = pipe_start,
	  .tame = pipe_tame, .after = fs_after, .probe = fs_probe, .counts = fs_counts,
	  .cleanup = fs_cleanup, .hold = fs_hold, .dying = pipe_dying,
	  .last_check = pipe_last_check },
	{ .name = "blk", .server = BLK_NAME, .first = BLK_FIRST, .last = BLK_LAST,
	  .plausible = names, .nplausible = N(names), .tame = blk_tame, .probe = blk_probe,
	  .counts = blk_counts, .hold = blk_hold, .dying = dying_plain },
	{ .name = "super", .server = SUPER_NAME, .first = SUPER_FIRST, .last = SUPER_LAST,
	  .plausible = names, .nplausible = N(names), .setup = super_setup, .tame = super_tame,
	  .probe = super_probe, .counts = super_counts, .hold = super_hold,
	  .dying = dying_plain, .last_check = super_last_check },
};

/* A child: its one request, then wait to be killed ("child"), or exit
 * saying whether it was held or refused ("hold"). */
static int child_main(int argc, char **argv)
{
	holder = strcmp(argv[4], "hold") == 0;
	if (holder || next() % 2) {
		long r = mode->hold(argc - 5, argv + 5);
		if (holder)
			return r == -EBUSY ? HOLD_BUSY : HOLD_ANSWERED;
	} else {
		fuzz_one();
	}
	for (;;)
		sleep_ms(1000);
}

int main(int argc, char **argv)
{
	if (argc >= 2)
		for (size_t i = 0; i < N(modes); i++)
			if (strcmp(argv[1], modes[i].name) == 0)
				mode = &modes[i];
	if (argc < 4 || !mode) {
		printf("usage: srvfuzz mem|console|fs|blk|pipe|super SEED COUNT\n");
		return 2;
	}
	mode_name = argv[1];
	rng = (uint64_t)atol(argv[2]) * 0x9e3779b97f4a7c15ULL + 1;
	long count_msgs = atol(argv[3]);
	me = getpid();
	prefault(sbuf, sizeof(sbuf), true);
	prefault(rbuf, sizeof(rbuf), true);
	server = mode->server ? server_lookup(mode->server) : startinfo->mem;
	stack_map();
	if (argc >= 5)
		return child_main(argc, argv);
	CHECK(server > 0, "look the server up: %ld", server);
	if (server <= 0)
		return 1;
	printf("srvfuzz: %s, seed %s, %ld messages\n", mode->name, argv[2], count_msgs);
	static struct counts before, after;
	if (mode->setup)
		mode->setup();
	/* Once, what the run does at its end, so that it finds the pages it
	 * uses here mapped: the counts then see every frame of ours stay. */
	mode->dying();
	kids_end();
	if (mode->cleanup)
		mode->cleanup();
	sleep_ms(100);
	take_counts(&before);
	if (mode->start)
		mode->start();
	long i;
	for (i = 0; i < count_msgs && failures < FAILS_MAX; i++) {
		fuzz_one();
		if (i % CHILD_EVERY == CHILD_EVERY - 1)
			mode->dying();
		if (i % PROBE_EVERY == PROBE_EVERY - 1 || i == count_msgs - 1) {
			bool good = mode->probe();
			CHECK(good, "after %ld messages a good request was not answered well", i + 1);
			if (!good)
				break;
		}
	}
	printf("srvfuzz: %ld results, %ld errors, %ld held past %d ms, %ld sent without a "
	       "call, %ld replies refused\n", results, errors, held_calls, HOLD_MS, sends, replies);
	for (uint64_t l = mode->first; l <= mode->last; l++)
		printf("srvfuzz: label 0x%lx: %ld results, %ld errors\n", l,
		       label_results[l - mode->first], label_errors[l - mode->first]);
	if (mode->last_check)
		mode->last_check();
	kids_end();
	if (mode->cleanup)
		mode->cleanup();
	sleep_ms(300);   /* the servers hear of the deaths (MEM_WATCH) */
	take_counts(&after);
	compare_counts(&before, &after);
	utest_ok("srvfuzz: %s survived %ld messages\n", mode->name, i);
	return utest_failures != 0;
}
