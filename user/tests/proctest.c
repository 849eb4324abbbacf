/*
 * Tests of the memory server's process management (lab pager), run as an
 * ordinary program: `run=proctest CASE` on the kernel command line makes
 * init run it. Copies of this program started with "child ..." arguments
 * play the children. Each case prints "case NAME: PASS" only if every
 * check passed.
 */
#include "utest.h"
#include <mica/proto/mem.h>

static char *self_argv[] = { "proctest", "child", NULL, NULL, NULL };

/* Spawn a copy of this program as child `role` with one argument. */
static long child(const char *role, const char *arg)
{
	self_argv[2] = (char *)role;
	self_argv[3] = (char *)arg;
	return spawn(self_argv);
}

/* The children's side. */
static int child_main(int argc, char **argv)
{
	const char *role = argv[2], *arg = argc > 3 ? argv[3] : "";
	if (strcmp(role, "exit") == 0)
		return (int)atol(arg);
	if (strcmp(role, "hold") == 0) {   /* live until killed */
		for (;;)
			sleep_ms(100000);
	}
	if (strcmp(role, "crash") == 0)
		return *(volatile int *)0x20000000;
	if (strcmp(role, "orphan") == 0) {   /* leave a grandchild behind */
		long g = child("exit-later", "");
		printf("orphan: left %ld\n", g);
		return 0;
	}
	if (strcmp(role, "exit-later") == 0) {
		sleep_ms(300);
		return 0;
	}
	if (strcmp(role, "eat") == 0) {   /* take heap and touch it until refused */
		for (;;) {
			volatile uint8_t *p = sbrk(1L << 20);
			if (!p)
				return 3;
			for (long off = 0; off < (1L << 20); off += 4096)
				p[off] = 1;
		}
	}
	return 100;
}

/* The ppid of process pid as ps shows it, 0 if it is not listed. */
static long ppid_of(long pid)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	long n = ps(rows, MEM_PS_MAX);
	for (long i = 0; i < n; i++)
		if (rows[i].pid == pid)
			return rows[i].ppid;
	return 0;
}

static void exitwait(void)
{
	static const int codes[] = { 0, 1, 42, 255 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char arg[8];
		snprintf(arg, sizeof(arg), "%d", codes[i]);
		long pid = child("exit", arg);
		int status = -1;
		CHECK(pid > 0, "spawn: %ld", pid);
		CHECK_EQ(waitpid(pid, &status, 0), pid, "waitpid");
		CHECK_EQ(WHOW(status), EXIT_NORMAL, "how it ended");
		CHECK_EQ(WCODE(status), codes[i], "exit status");
	}
	int status = -1;
	long hold = child("hold", "");
	CHECK(hold > 0, "spawn hold: %ld", hold);
	CHECK_EQ(waitpid(hold, &status, WAIT_NOHANG), -EAGAIN, "wait without hanging for a live child");
	CHECK_EQ(kill(hold), 0, "kill our child");
	CHECK_EQ(waitpid(hold, &status, 0), hold, "wait for the killed child");
	CHECK_EQ(WHOW(status), EXIT_KILLED, "a killed child's ending");
	long crash = child("crash", "");
	CHECK_EQ(waitpid(crash, &status, 0), crash, "wait for the crashing child");
	CHECK_EQ(WHOW(status), EXIT_FAULT, "a crashed child's ending");
	CHECK_EQ(waitpid(hold, &status, 0), -ECHILD, "wait twice for one child");
	CHECK_EQ(waitpid(0, &status, 0), -ECHILD, "wait with no children");
	CHECK_EQ(kill(startinfo->mem), -ESRCH, "kill the memory server");
	CHECK_EQ(kill(99999), -ESRCH, "kill a pid never used");
	utest_ok("exitwait: statuses 0 1 42 255, killed, crashed\n");
}

/* A zombie waits for its parent however many tasks come and go meanwhile
 * (the kernel gives its slot to new tasks at once). */
static void zombies(void)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	int status = -1;
	long z = child("exit", "9");
	CHECK(z > 0, "spawn: %ld", z);
	sleep_ms(100);
	long n = ps(rows, MEM_PS_MAX), state = 0;
	for (long i = 0; i < n; i++)
		if (rows[i].pid == z)
			state = rows[i].state;
	CHECK_EQ(state, PROC_ZOMBIE, "the ended child's state in ps");
	int reaped = 0;
	for (int i = 0; i < 2 * NTASK_SLOTS; i++) {
		long pid = child("exit", "0");
		reaped += pid > 0 && waitpid(pid, &status, 0) == pid;
	}
	CHECK_EQ(reaped, 2 * NTASK_SLOTS, "children spawned and reaped meanwhile");
	CHECK_EQ(waitpid(z, &status, 0), z, "wait for the zombie at last");
	CHECK_EQ(status, 9, "its status");
	utest_ok("zombies: a zombie kept its status while %d tasks came and went\n", reaped);
}

/* The grandchild left by an "orphan" child: init adopts and reaps it. */
static void orphans(void)
{
	long orphan = child("orphan", "");
	int status;
	CHECK_EQ(waitpid(orphan, &status, 0), orphan, "wait for the orphan's parent");
	long g = 0, init = 0;
	static struct mem_procinfo rows[MEM_PS_MAX];
	long n = ps(rows, MEM_PS_MAX);
	for (long i = 0; i < n; i++) {
		if (strcmp(rows[i].name, "proctest") == 0 && rows[i].pid > g && rows[i].pid != getpid())
			g = rows[i].pid;
		if (strcmp(rows[i].name, "init") == 0)
			init = rows[i].pid;
	}
	CHECK(g > 0 && init > 0, "grandchild %ld and init %ld in ps", g, init);
	CHECK_EQ(ppid_of(g), init, "the orphan's new parent");
	CHECK_EQ(kill(init), -EPERM, "kill init, a server");
	for (int ms = 0; ms < 3000 && ppid_of(g); ms += 50)
		sleep_ms(50);
	CHECK_EQ(ppid_of(g), 0, "init reaped the orphan");
	utest_ok("orphans: adopted and reaped by init\n");
}

/* Free frames and free kernel pages now. */
static void stats(struct mem_stats *st)
{
	CHECK_EQ(mem_stats(st), 0, "mem_stats");
}

static void many(void)
{
	static long pids[NTASK_SLOTS];
	struct mem_stats before, after;
	int status;
	long w = child("exit", "0");   /* warm up: our own stack and data are mapped now */
	waitpid(w, &status, 0);
	stats(&before);
	int reaped = 0;
	for (int i = 0; i < 100; i++) {
		long pid = child("exit", "7");
		if (pid > 0 && waitpid(pid, &status, 0) == pid && status == 7)
			reaped++;
	}
	CHECK_EQ(reaped, 100, "children spawned and reaped with status 7");
	int alive = 0;
	for (; alive < 48; alive++)
		if ((pids[alive] = child("hold", "")) <= 0)
			break;
	CHECK_EQ(alive, 48, "children alive at once");
	struct mem_stats busy;
	stats(&busy);
	CHECK(busy.procs >= 48 + 3, "processes the memory server counts: %lu", busy.procs);
	long err = 0;
	while (alive < NTASK_SLOTS && (err = child("hold", "")) > 0)
		pids[alive++] = err;
	CHECK(err == -EAGAIN || err == -ENOMEM, "spawn past the limit: %ld", err);
	printf("many: refused after %d alive with error %ld\n", alive, err);
	for (int i = 0; i < alive; i++)
		CHECK_EQ(kill(pids[i]), 0, "kill");
	int gone = 0;
	for (int i = 0; i < alive; i++)
		gone += waitpid(pids[i], &status, 0) == pids[i];
	CHECK_EQ(gone, alive, "children reaped");
	stats(&after);
	printf("many: free frames %lu before, %lu after; free kernel pages %lu before, %lu after\n",
	       before.free_frames, after.free_frames, before.free_kpages, after.free_kpages);
	CHECK_EQ(after.free_frames, before.free_frames, "free frames after all children died");
	CHECK_EQ(after.free_kpages, before.free_kpages, "free kernel pages after all children died");
	utest_ok("many: 100 spawned and reaped, 48 alive at once, nothing leaked\n");
}

/* Programs that together want more memory than there is: each is refused
 * by sbrk or ended for want of a frame; the server and this program go on. */
static void oom(void)
{
	long pids[6];
	struct mem_stats before, after;
	int status, refused = 0, ended = 0;
	stats(&before);
	for (int i = 0; i < 6; i++)
		CHECK((pids[i] = child("eat", "")) > 0, "spawn eater: %ld", pids[i]);
	for (int i = 0; i < 6; i++) {
		CHECK_EQ(waitpid(pids[i], &status, 0), pids[i], "wait for eater");
		refused += WHOW(status) == EXIT_NORMAL && WCODE(status) == 3;
		ended += WHOW(status) == EXIT_NOMEM;
	}
	CHECK_EQ(refused + ended, 6, "eaters refused or ended for want of memory");
	stats(&after);
	CHECK_EQ(after.free_frames, before.free_frames, "free frames after the eaters");
	long pid = child("exit", "5");
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 5, "spawn after running out");
	utest_ok("oom: %d refused by sbrk, %d ended out of memory, all frames back\n", refused, ended);
}

/* Rights an ordinary program does not have. */
static void rights(void)
{
	char *console[] = { "console", NULL };
	CHECK_EQ(spawn_flags(console, SPAWN_DEV_UART), -EPERM, "spawn a driver");
	CHECK_EQ(irq_register(10, 1), -EPERM, "register the UART interrupt");
	CHECK_EQ(map(0, DEV_VA, 0x10000000, MAP_R | MAP_W), -EPERM, "map the UART registers");
	CHECK_EQ(server_register("console"), -EPERM, "register as a server");
	char *nosuch[] = { "nosuch", NULL };
	CHECK_EQ(spawn(nosuch), -ENOENT, "spawn a program that does not exist");
	struct msg m = { MEM_SPAWN, { 2, 0 } };
	CHECK_EQ(mem_call(&m, "proctest", 9, NULL, 0), -EINVAL, "spawn with argc not matching argv");
	m = (struct msg){ MEM_SPAWN, { 1, 0 } };
	CHECK_EQ(mem_call(&m, "proctest", 8, NULL, 0), -EINVAL, "spawn with argv not NUL-ended");
	m = (struct msg){ MEM_SPAWN, { 1, 1UL << 40 } };
	CHECK_EQ(mem_call(&m, "proctest", 9, NULL, 0), -EINVAL, "spawn with unknown flags");
	m = (struct msg){ MEM_LAST + 1, { 0 } };
	CHECK_EQ(mem_call(&m, NULL, 0, NULL, 0), -ENOSYS, "a label the memory server does not know");
	m = (struct msg){ MEM_LOOKUP, { 0 } };
	CHECK_EQ(mem_call(&m, "a-name-far-too-long-for-a-server", 33, NULL, 0), -EINVAL, "lookup of a long name");
	CHECK_EQ(server_lookup("nosuch"), -ENOENT, "lookup of a name nobody serves");
	CHECK_EQ(waitpid(-5, NULL, 0), -EINVAL, "wait for a negative pid");
	CHECK_EQ(notify(startinfo->mem, NOTIFY_CHILD_EXIT), -EINVAL, "forge a child's death");
	utest_ok("rights: device and server rights refused to an ordinary program\n");
}

static const struct utest_case cases[] = {
	{ "exitwait", exitwait },
	{ "orphans", orphans },
	{ "zombies", zombies },
	{ "many", many },
	{ "oom", oom },
	{ "rights", rights },
};

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child_main(argc, argv);
	return utest_run(argc > 1 ? argv[1] : NULL, cases, sizeof(cases) / sizeof(cases[0]));
}
