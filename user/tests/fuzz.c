/*
 * The system call fuzzer (make fuzz, and a short run in make test). It
 * boots as the root task (root=fuzz seed=S calls=N) and starts worker
 * tasks with no rights at all; each worker runs threads on every hart that
 * make random system calls, every number (and some past the end), every
 * IPC operation and flag, with arguments drawn from the values that break
 * kernels: 0, -1, unaligned and kernel addresses, addresses around
 * USER_TOP and around the edges of the worker's own pages, huge lengths,
 * IDs of live, dead and never-used tasks and threads, stale sender words.
 * Meanwhile the root kills workers and starts new ones, and answers their
 * page faults by refusing them (which ends the worker). Half the workers
 * hold the trace right, so the IPC trace goes on and off under the others.
 *
 * Every worker thread's calls follow from the seed, so a failure can be
 * replayed (the threads' interleaving on several harts aside). At the end
 * all workers are killed and reaped, and the kernel's free pages and the
 * root's free frames must be what they were at the start.
 */
#include "utest.h"

#define WORKERS      4
#define THREADS      3                /* per worker, besides its first */
#define REPORT_EVERY 500              /* calls between a thread's progress messages */
#define LABEL_PROGRESS 0x7f00

static uint64_t seed = 1;

/* ---- random numbers: xorshift64*, one state per thread ---- */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dUL;
}

/* ---- the worker side ---- */

static long root_id;                  /* the fuzzer's root task */
static uint8_t stacks[THREADS][4096] __attribute__((aligned(16)));
static volatile uint8_t scratch[2 * 4096] __attribute__((aligned(4096)));

/* A value from the kinds that break kernels. */
static uint64_t pick(uint64_t *s)
{
	uint64_t me = (uint64_t)self_task(), r = next(s);
	switch (r % 24) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return 1;
	case 3: return (uint64_t)(r >> 8) % 64;                      /* small numbers, IRQs, kinds */
	case 4: return USER_TOP - 8 + (r >> 8) % 16;                 /* around USER_TOP */
	case 5: return 0xffffffc080200000UL + ((r >> 8) % 0x10000);  /* the kernel */
	case 6: return (uint64_t)scratch + 4096 - 4 + (r >> 8) % 8;  /* a page edge of ours */
	case 7: return (uint64_t)scratch + (r >> 8) % 8192;          /* our data, unaligned too */
	case 8: return 0x10000 + ((r >> 8) % 0x4000);                /* our text */
	case 9: return USTACK_TOP_USER - ((r >> 8) % 0x6000);         /* our stack and below it */
	case 10: return 1UL << (r >> 8) % 64;                        /* huge lengths, odd bits */
	case 11: return IPC_BULK_MAX + (r >> 8) % 3 - 1;
	case 12: return me;
	case 13: return (uint64_t)root_id;
	case 14: return me + NTASK_SLOTS * (1 + (r >> 8) % 3);       /* dead or future IDs of our slot */
	case 15: return NTASK_SLOTS + (r >> 8) % (3 * NTASK_SLOTS);  /* any task, live or not */
	case 16: return me * TASK_MAX_THREADS + (r >> 8) % TASK_MAX_THREADS;  /* our threads */
	case 17: return (uint64_t)self() | ((r >> 8) % 4) << 40;     /* sender words, stale too */
	case 18: return (uint64_t)root_id * TASK_MAX_THREADS | ((r >> 8) % 16) << 40;
	case 19: return (r >> 8) % 4;                                /* short timeouts */
	case 20: return IPC_FOREVER;
	case 21: return 0x4000000000UL * ((r >> 8) % 4);
	default: return r;
	}
}

/* One system call with every argument register random: a0..a7, t0..t5.
 * Sets bit n of *ok or *err as call n succeeded or failed. */
static void fuzz_call(uint64_t *s, uint64_t *ok, uint64_t *err)
{
	uint64_t n = next(s) % (SYS_NCALLS + 3), v[13];
	if ((n == SYS_EXIT || n == SYS_THREAD_EXIT) && next(s) % 64)
		n = SYS_SELF;   /* now and then only: the thread would end */
	if (n == SYS_TASK_KILL && next(s) % 16)
		n = SYS_YIELD;
	for (int i = 0; i < 13; i++)   /* a0..a6, t0..t5 */
		v[i] = pick(s);
	if (next(s) % 8)
		v[8] = next(s) % 4;   /* t1, the timeout: mostly short */
	if (n == SYS_IPC)
		v[0] = next(s) % 8 | (next(s) % 2 ? IPC_BULK_SEND : 0) | (next(s) % 2 ? IPC_BULK_RECV : 0) |
		       (next(s) % 16 ? 0 : pick(s));
	if (n == SYS_SLEEP && v[0] > 20)
		v[0] %= 20;
	if (n == SYS_KTEST && (v[0] == KTEST_PTDUMP || v[0] == KTEST_STATS))
		v[0] = 0;   /* they print pages of output */
	if (n == SYS_TRACE && next(s) % 2)
		v[0] %= 8;   /* mostly real operations: the trace on and off under the others' calls */
	if (n == SYS_TRACE && (v[0] == TRACE_DUMP || v[0] == TRACE_WAITS))
		v[0] = TRACE_STATUS;   /* they print pages of output too */
	if (n == SYS_DEBUG_WRITE && v[1] && v[1] <= 4096)   /* only where nothing can be printed */
		v[0] = next(s) % 2 ? 0xffffffc080200000UL : USER_TOP - v[1] / 2;
	/* No function call from here to the ecall: it would clobber these. */
	register uint64_t a0 asm("a0") = v[0];
	register uint64_t a1 asm("a1") = v[1];
	register uint64_t a2 asm("a2") = v[2];
	register uint64_t a3 asm("a3") = v[3];
	register uint64_t a4 asm("a4") = v[4];
	register uint64_t a5 asm("a5") = v[5];
	register uint64_t a6 asm("a6") = v[6];
	register uint64_t a7 asm("a7") = n;
	register uint64_t t0 asm("t0") = v[7];
	register uint64_t t1 asm("t1") = v[8];
	register uint64_t t2 asm("t2") = v[9];
	register uint64_t t3 asm("t3") = v[10];
	register uint64_t t4 asm("t4") = v[11];
	register uint64_t t5 asm("t5") = v[12];
	asm volatile("ecall"
	             : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6),
	               "+r"(t0), "+r"(t1), "+r"(t2), "+r"(t3), "+r"(t4), "+r"(t5)
	             : "r"(a7)
	             : "memory");
	if ((long)a0 >= 0)
		*ok |= 1UL << n;
	else
		*err |= 1UL << n;
}

/* A worker thread: calls for ever, telling the root every REPORT_EVERY. */
static noreturn void worker_thread(uint64_t thread_seed)
{
	uint64_t s = thread_seed | 1;
	for (;;) {
		uint64_t ok = 0, err = 0;
		for (int i = 0; i < REPORT_EVERY; i++)
			fuzz_call(&s, &ok, &err);
		struct msg m = { LABEL_PROGRESS, { REPORT_EVERY, ok, err } };
		ipc_send(root_id, &m, 100);
	}
}

/* A worker task: arg = its seed; the root's ID comes in its first message. */
static noreturn void worker_main(uint64_t arg)
{
	struct msg m;
	long sender;
	while (ipc_recv(IPC_ANY, &m, &sender, IPC_FOREVER) < 0 || m.label != LABEL_PROGRESS)
		;
	root_id = TID_TASK(sender);
	uint64_t s = arg;
	for (int t = 0; t < THREADS; t++)
		thread_create(0, worker_thread, stacks[t] + sizeof(stacks[t]), next(&s), PRIO_DEFAULT - 1, -1);
	worker_thread(next(&s));
}

/* ---- the root side ---- */

static long workers[WORKERS];
static uint64_t calls, faults, deaths, respawns, calls_ok, calls_err;

#define ROLE_WORKER (1UL << 62)

static long start_worker(uint64_t *s)
{
	long id = task_spawn("fuzz", ROLE_WORKER | (next(s) >> 2 & ~ROLE_WORKER), PRIO_DEFAULT - 1, -1);
	if (id > 0 && next(s) % 2)
		task_grant(id, GRANT_TRACE, 0);   /* half of them may turn the IPC trace on and off */
	if (id > 0) {
		struct msg m = { LABEL_PROGRESS, { 0 } };
		ipc_send(id, &m, 1000);
		respawns++;
	}
	return id;
}

/* A worker ended (it exited, or we ended it): reap it and give its frames back. */
static void reap(int i)
{
	int status;
	if (workers[i] > 0) {
		task_kill(workers[i]);
		while (task_wait(workers[i], &status) == -EAGAIN)
			yield();
		frames_release(workers[i]);
	}
	workers[i] = 0;
}

/* The seed and number of calls from the kernel command line. */
static uint64_t arg_number(const char *key, uint64_t dflt)
{
	char buf[24];
	return root_arg(key, buf, sizeof(buf)) ? (uint64_t)atol(buf) : dflt;
}

static void fuzz(void)
{
	uint64_t target = arg_number("calls", 20000);
	seed = arg_number("seed", 1);
	printf("fuzz: seed %lu, %lu calls, %lu harts\n", seed, target, bootinfo->ncpus);
	trace_ctl(TRACE_ON);   /* the trace's rings, allocated once, are not a leak */
	trace_ctl(TRACE_OFF);
	uint64_t s = seed, kpages = (uint64_t)ktest(KTEST_KPAGES), frames = frames_free();
	for (int i = 0; i < WORKERS; i++)
		workers[i] = start_worker(&s);
	uint64_t next_report = 0;
	while (calls < target) {
		struct msg m;
		long sender;
		long r = ipc_recv(IPC_ANY, &m, &sender, 50);
		if (r >= 0 && sender && m.label == LABEL_PAGE_FAULT) {
			faults++;
			struct msg no = { (uint64_t)-EFAULT, { 0 } };
			ipc_reply(sender, &no);   /* refused: the kernel ends the worker */
		} else if (r >= 0 && sender && m.label == LABEL_PROGRESS) {
			calls += m.w[0] <= REPORT_EVERY ? m.w[0] : 0;
			calls_ok |= m.w[1];
			calls_err |= m.w[2];
		}
		if (next(&s) % 8 == 0) {   /* churn: end a worker now and then */
			int i = (int)(next(&s) % WORKERS);
			reap(i);
			deaths++;
			workers[i] = start_worker(&s);
		}
		for (int i = 0; i < WORKERS; i++) {   /* the ones that ended by themselves */
			int status;
			if (workers[i] > 0 && task_wait(workers[i], &status) == workers[i]) {
				frames_release(workers[i]);
				workers[i] = start_worker(&s);
			} else if (workers[i] <= 0) {
				workers[i] = start_worker(&s);
			}
		}
		if (calls >= next_report) {
			printf("fuzz: %lu calls\n", calls);
			next_report += target / 4 > 0 ? target / 4 : 1;
		}
	}
	for (int i = 0; i < WORKERS; i++)
		reap(i);
	trace_ctl(TRACE_OFF);
	int status;
	while (task_wait(0, &status) > 0)
		;
	uint64_t kpages_after = (uint64_t)ktest(KTEST_KPAGES), frames_after = frames_free();
	printf("fuzz: %lu calls, %lu workers started, %lu faults refused, %lu killed\n", calls,
	       respawns, faults, deaths);
	printf("fuzz: system calls that succeeded %lx, that failed %lx\n", calls_ok, calls_err);
	printf("fuzz: free kernel pages %lu before, %lu after; free frames %lu before, %lu after\n",
	       kpages, kpages_after, frames, frames_after);
	CHECK_EQ(kpages_after, kpages, "free kernel pages after the run");
	CHECK_EQ(frames_after, frames, "free frames after the run");
	utest_ok("fuzz: no panic, no hang, nothing leaked (seed %lu)\n", seed);
}

static const struct utest_case cases[] = {
	{ "fuzz", fuzz },
};

int main(uint64_t arg)
{
	if (arg & ROLE_WORKER)
		worker_main(arg);
	return utest_main(arg, cases, 1);
}
