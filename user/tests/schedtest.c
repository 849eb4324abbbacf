/*
 * Lab sched tests: preemption, priorities, round robin, sleep, several
 * harts, hart affinity, and kernel object limits. The root task runs the
 * cases; children and threads are this same program.
 */
#include "utest.h"

enum { ROLE_SPIN = 1, ROLE_HOGGER };
#define MAX_KIDS 16   /* MAX_CHILDREN in kernel/param.h */

/* A thread stack from the root's RAM window (the root sees all its RAM). */
static void *new_stack(void)
{
	uint64_t pa = frame_alloc(self_task());
	return pa ? (uint8_t *)frame_va(pa) + 4096 : NULL;
}

static long start_thread(void (*fn)(uint64_t), uint64_t arg, int prio, int hart)
{
	return thread_create(0, fn, new_stack(), arg, prio, hart);
}

static uint64_t ms_since(uint64_t t0)
{
	return (time_ns() - t0) / 1000000;
}

/* A task that spins forever must not keep others from running (CPUS=1). */
static void preempt(void)
{
	long spinner = task_spawn("schedtest", ROLE_SPIN, PRIO_DEFAULT, -1);
	CHECK(spinner > 0, "spawn spinner: %ld", spinner);
	/* Step aside: the spinner gets the hart, and we come back only if the
	 * kernel takes it away from the spinner when our sleep is over. */
	sleep_ms(50);
	uint64_t t0 = time_ns(), laps = 0;
	while (ms_since(t0) < 300)
		laps++;
	utest_ok("preempt: root ran %lu laps beside a spinning task\n", laps);
	CHECK_EQ(task_kill(spinner), 0, "kill spinner");
	int status = 0;
	CHECK_EQ(utest_wait(spinner, &status, 2000), 0, "reap spinner");
}

static volatile char order_log[8];
static volatile int order_n;

static void log_thread(uint64_t tag)
{
	order_log[order_n++] = (char)tag;
	thread_exit();
}

/* The higher-priority thread runs first (CPUS=1). */
static void priority(void)
{
	order_n = 0;
	CHECK(start_thread(log_thread, 'L', 2, -1) > 0, "thread L");
	CHECK(start_thread(log_thread, 'H', 3, -1) > 0, "thread H");
	CHECK(start_thread(log_thread, 'M', 3, -1) > 0, "thread M");
	sleep_ms(50);   /* both are below us: they run only now */
	CHECK(order_n == 3 && order_log[0] == 'H' && order_log[1] == 'M' && order_log[2] == 'L',
	      "run order %c%c%c (%d ran), want HML", order_log[0], order_log[1], order_log[2], order_n);
	utest_ok("priority: order %c%c%c\n", order_log[0], order_log[1], order_log[2]);
}

static volatile uint64_t rr_count[2];
static volatile int rr_switches[2];

static void rr_thread(uint64_t me)
{
	uint64_t t0 = time_ns(), other = rr_count[!me];
	while (ms_since(t0) < 200) {
		rr_count[me]++;
		if (rr_count[!me] != other) {   /* the other thread ran since we looked */
			rr_switches[me]++;
			other = rr_count[!me];
		}
	}
	thread_exit();
}

/* Two threads of one priority share one hart by time slices (CPUS=1). */
static void roundrobin(void)
{
	CHECK(start_thread(rr_thread, 0, 3, 0) > 0, "thread 0");
	CHECK(start_thread(rr_thread, 1, 3, 0) > 0, "thread 1");
	sleep_ms(1500);   /* wall time: a loaded host may run the hart only now and then */
	utest_ok("roundrobin: counts %lu %lu, switches seen %d %d\n", rr_count[0], rr_count[1],
	       rr_switches[0], rr_switches[1]);
	CHECK(rr_switches[0] >= 3 && rr_switches[1] >= 3,
	      "each thread should see the other run several times: %d %d", rr_switches[0], rr_switches[1]);
}

static void sleeping(void)
{
	uint64_t t0 = time_ns();
	CHECK_EQ(sleep_ms(100), 0, "sleep 100 ms");
	uint64_t ms = ms_since(t0);
	CHECK(ms >= 100 && ms < 1000, "slept %lu ms, want 100", ms);
	CHECK_EQ(sleep_ms(0), 0, "sleep 0 (yield)");
	CHECK_EQ(yield(), 0, "yield");
	utest_ok("sleep: slept %lu ms for 100\n", ms);
}

static volatile uint64_t hart_seen[4];
static volatile int smp_done;

static void hart_thread(uint64_t slot)
{
	uint64_t t0 = time_ns();
	while (ms_since(t0) < 200)
		__atomic_or_fetch(&hart_seen[slot], 1UL << ktest(KTEST_HART), __ATOMIC_RELAXED);
	__atomic_add_fetch(&smp_done, 1, __ATOMIC_RELAXED);
	thread_exit();
}

/* Pinned threads run where pinned; four runnable threads use four harts. */
static void smp(void)
{
	int n = (int)bootinfo->ncpus;
	CHECK(n == 4, "this case wants 4 harts, has %d", n);
	smp_done = 0;
	for (int i = 0; i < 4; i++) {
		hart_seen[i] = 0;
		CHECK(start_thread(hart_thread, i, 3, i % n) > 0, "pinned thread %d", i);
	}
	while (smp_done < 4)
		sleep_ms(20);
	for (int i = 0; i < 4; i++)
		CHECK(hart_seen[i] == 1UL << (i % n), "thread pinned to hart %d ran on harts %lx", i,
		      hart_seen[i]);
	smp_done = 0;
	for (int i = 0; i < 4; i++) {
		hart_seen[i] = 0;
		CHECK(start_thread(hart_thread, i, 3, -1) > 0, "thread %d", i);
	}
	while (smp_done < 4)
		sleep_ms(20);
	uint64_t all = hart_seen[0] | hart_seen[1] | hart_seen[2] | hart_seen[3];
	CHECK(all == 0xf, "four spinning threads used harts %lx, want all four", all);
	smp_done = 0;
	for (int i = 0; i < 4; i++) {   /* all pinned to hart 0: they must take turns there */
		hart_seen[i] = 0;
		CHECK(start_thread(hart_thread, i, 3, 0) > 0, "thread %d on hart 0", i);
	}
	while (smp_done < 4)
		sleep_ms(20);
	for (int i = 0; i < 4; i++)
		CHECK(hart_seen[i] == 1, "thread pinned to hart 0 ran on harts %lx", hart_seen[i]);
	utest_ok("smp: pinned threads stayed put; free threads used harts %lx\n", all);
}

static volatile int held, held_threads;

/* A thread that stays until `held` drops to 0. */
static void hold(uint64_t unused)
{
	(void)unused;
	__atomic_add_fetch(&held_threads, 1, __ATOMIC_RELAXED);
	while (held)
		yield();
	__atomic_sub_fetch(&held_threads, 1, __ATOMIC_RELAXED);
	thread_exit();
}

/* Creating tasks, threads and mappings until refused: the kernel says
 * no with an error, survives, and gets every page back when they die. */
static void limits(void)
{
	long before = ktest(KTEST_STATS), ids[128];
	int n = 0;
	for (long id; n < 128 && (id = task_create("hog")) > 0; n++)
		ids[n] = id;
	utest_ok("limits: %d children before refusal\n", n);
	CHECK(n > 0 && n < 128, "task creation should be refused at a limit, made %d", n);
	CHECK_EQ(task_create("one-more"), -ENOMEM, "task_create over the limit");

	held = 1;
	int threads = 1;   /* this one */
	while (start_thread(hold, 0, PRIO_DEFAULT, -1) > 0)
		threads++;
	CHECK_EQ(threads, TASK_MAX_THREADS, "threads a task can hold");
	held = 0;
	long late = -1;
	for (int tries = 0; tries < 10000 && late < 0; tries++) {   /* until one has exited */
		yield();
		late = start_thread(hold, 0, PRIO_DEFAULT, -1);
	}
	CHECK(late > 0, "a thread after the others ended: %ld", late);
	while (held_threads)
		yield();

	long victim = ids[n - 1];
	CHECK_EQ(task_kill(victim), 0, "kill a child");
	CHECK_EQ(task_wait(victim, (int *)"ro"), -EFAULT, "reap into read-only memory");
	int code = 0;
	CHECK_EQ(task_wait(victim, &code), victim, "the child survives a bad status pointer");
	CHECK_EQ(code, -1, "exit code of a killed task");
	CHECK_EQ(task_wait(victim, &code), -ESRCH, "reap twice");
	ids[n - 1] = task_create("hog");
	CHECK(ids[n - 1] > 0, "a slot is free again: %ld", ids[n - 1]);

	uint64_t pa = frame_alloc(self_task());
	int maps = 0;
	for (uint64_t va = 1UL << 21; va < USER_TOP; va += 1UL << 21, maps++)   /* a table each */
		if (map(ids[1], va, pa, MAP_R) < 0)
			break;
	utest_ok("limits: %d page-table-hungry mappings before refusal\n", maps);
	CHECK(maps > 10 && maps < 100000, "page-table quota: %d mappings", maps);
	CHECK(ktest(KTEST_STATS) < before, "kernel pages in use while the hogs live");

	for (int i = 0; i < n; i++)
		CHECK_EQ(task_kill(ids[i]), 0, "kill hog");
	int status;
	for (int i = 0; i < n; i++)
		CHECK_EQ(task_wait(ids[i], &status), ids[i], "reap hog");
	CHECK_EQ(ktest(KTEST_STATS), before, "free kernel pages after the hogs died");
	int again = 0;
	for (long id; again < 128 && (id = task_create("hog")) > 0; again++)
		ids[again] = id;
	CHECK_EQ(again, n, "children after the first ones died");
	for (int i = 0; i < again; i++) {
		task_kill(ids[i]);
		task_wait(ids[i], &status);
	}
	frames_release(self_task());
}

/* A child that creates tasks until refused, then dies: everything it and
 * its children held comes back. */
static void hogdies(void)
{
	long before = ktest(KTEST_STATS);
	long hogger = task_spawn("schedtest", ROLE_HOGGER, PRIO_DEFAULT, -1);
	CHECK(hogger > 0, "spawn hogger: %ld", hogger);
	CHECK_EQ(task_grant(hogger, GRANT_CREATE, 0), 0, "let it create tasks");
	int status = 0;
	CHECK_EQ(utest_wait(hogger, &status, 5000), 0, "the hogger ends");
	CHECK(status > 0 && status < 64, "tasks the hogger made before refusal: %d", status);
	CHECK_EQ(ktest(KTEST_STATS), before, "free kernel pages once it is gone");
	long ids[MAX_KIDS];
	int n = 0;
	for (long id; n < MAX_KIDS && (id = task_create("again")) > 0; n++)
		ids[n] = id;
	CHECK_EQ(n, MAX_KIDS, "children we can still create");
	int code;
	for (int i = 0; i < n; i++) {
		task_kill(ids[i]);
		task_wait(ids[i], &code);
	}
	utest_ok("hogdies: a task that made %d tasks died; all of it came back\n", status);
}

/* The hogger: create tasks (once the parent lets us) until refused. */
static int hogger(void)
{
	long id;
	int n = 0;
	while ((id = task_create("hog")) == -EPERM)
		yield();   /* until the parent's grant arrives */
	while (id > 0) {
		n++;
		id = task_create("hog");
	}
	return id == -ENOMEM ? n : -2;
}

/* Killing a task whose thread is running on another hart (CPUS=2). */
static void killrunning(void)
{
	for (int round = 0; round < 5; round++) {
		long spinner = task_spawn("schedtest", ROLE_SPIN, PRIO_DEFAULT, -1);
		CHECK(spinner > 0, "spawn spinner: %ld", spinner);
		sleep_ms(30);   /* now it spins on the other hart */
		CHECK_EQ(task_kill(spinner), 0, "kill running spinner");
		int status = 0;
		CHECK_EQ(utest_wait(spinner, &status, 2000), 0, "reap spinner");
		CHECK_EQ(status, -1, "spinner's status");
	}
	utest_ok("killrunning: 5 running tasks killed and reaped\n");
}

static const struct utest_case cases[] = {
	{ "preempt", preempt },
	{ "priority", priority },
	{ "roundrobin", roundrobin },
	{ "sleep", sleeping },
	{ "smp", smp },
	{ "limits", limits },
	{ "killrunning", killrunning },
	{ "hogdies", hogdies },
};

int main(uint64_t arg)
{
	if (arg == ROLE_SPIN)
		for (;;)
			;
	if (arg == ROLE_HOGGER)
		return hogger();
	return utest_main(arg, cases, sizeof(cases) / sizeof(cases[0]));
}
