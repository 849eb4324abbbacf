/*
 * Lab ipc tests: message order, call/reply under load from many clients
 * on several harts, receive filters, timeouts, peer death, notifications,
 * interrupts, page faults as messages, bulk data, and hostile callers;
 * and the kernel's views of them: the IPC trace of a known exchange, and
 * the wait-for graph of three tasks deadlocked on purpose.
 * The root task runs the cases; children are this same program started
 * with arg = role | peer << 8 | param << 40.
 */
#include "utest.h"

enum {
	ROLE_SINK = 1,      /* receive param messages, check their order */
	ROLE_ECHO,          /* server: reply to each call with a checksum */
	ROLE_CLIENT,        /* make param calls to peer, check each reply */
	ROLE_SEND_LATER,    /* sleep param ms, then send one message to peer */
	ROLE_TAGGED,        /* send one message with label param to peer */
	ROLE_DIE_ON_RECV,   /* receive one message and exit without replying */
	ROLE_HOLD,          /* receive one message and never reply */
	ROLE_NOTIFIER,      /* notify peer: bit 1 three times, then bit 2 */
	ROLE_FAULTER,       /* touch unmapped heap pages, then a refused one */
	ROLE_HOSTILE,       /* try what it has no right to */
	ROLE_IDLE,          /* sleep forever */
	ROLE_STALE,         /* hold a call, take the next one, answer the first late */
	ROLE_FAULT_ONCE,    /* touch one unmapped heap page, then exit */
	ROLE_CYCLE,         /* take the peer's ID from the parent, then call the peer */
	ROLE_IRQ_DRIVER,    /* register the UART's IRQ, report the first interrupt, die */
	ROLE_SUBPARENT,     /* make a child with our parent as its pager, name it, wait */
	ROLE_SCRIBBLE,      /* write to the page at SCRIBBLE forever */
	ROLE_CHAIN,         /* make a child (param more below it), name it to the root, wait */
	ROLE_EXIT,          /* exit at once with code 7 */
};

#define LABEL_DATA   0x100
#define LABEL_STATS  0x101
#define LABEL_QUIT   0x102
#define HEAP         0x40000000UL
#define SCRIBBLE     0x48000000UL
#define REFUSED      0x50000000UL

static uint64_t make_arg(int role, long peer, uint64_t param)
{
	return (uint64_t)role | (uint64_t)peer << 8 | param << 40;
}

static long child(int role, long peer, uint64_t param)
{
	long c = task_spawn("ipctest", make_arg(role, peer, param), PRIO_DEFAULT, -1);
	CHECK(c > 0, "spawn role %d: %ld", role, c);
	if (c > 0 && role == ROLE_CLIENT) {   /* clients may call their server: then go */
		CHECK_EQ(task_grant(c, GRANT_SEND, peer), 0, "grant send right");
		struct msg go = { .label = LABEL_DATA };
		CHECK_EQ(ipc_send(c, &go, 5000), 0, "tell the client to start");
	}
	return c;
}

static int reap(long c)
{
	int status = -999;
	CHECK_EQ(utest_wait(c, &status, 20000), 0, "child ends");
	return status;
}

static uint64_t ms_since(uint64_t t0)
{
	return (time_ns() - t0) / 1000000;
}

static uint64_t checksum(const struct msg *m)
{
	return m->label * 31 + m->w[0] * 7 + m->w[1] * 5 + m->w[2] * 3 + m->w[3];
}

static uint64_t bytes_sum(const uint8_t *p, size_t n)
{
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 131 + p[i];
	return s;
}

/* ---- the cases (run by the root task) ---- */

static void order(void)
{
	long sink = child(ROLE_SINK, self_task(), 200);
	for (uint64_t i = 0; i < 200; i++) {
		struct msg m = { .label = LABEL_DATA, .w = { i, ~i, i * 3, 0 } };
		CHECK_EQ(ipc_send(sink, &m, IPC_FOREVER), 0, "send");
	}
	CHECK_EQ(reap(sink), 0, "sink's verdict on 200 messages");
	utest_ok("order: 200 messages arrived in order\n");
}

static void callload(void)
{
	enum { CLIENTS = 6, CALLS = 300 };
	long server = child(ROLE_ECHO, 0, 0), clients[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		clients[i] = child(ROLE_CLIENT, server, CALLS);
	int bad = 0;
	for (int i = 0; i < CLIENTS; i++)
		bad += reap(clients[i]);
	CHECK_EQ(bad, 0, "replies with a wrong checksum or error");
	struct msg m = { .label = LABEL_STATS };
	CHECK_EQ(ipc_call(server, &m, 5000), 0, "stats call");
	CHECK_EQ(m.w[0], CLIENTS * CALLS + 0, "calls the server answered");
	CHECK_EQ(m.w[1], 0, "duplicate or lost sequence numbers seen by the server");
	printf("callload: %d clients x %d calls, %lu answered, harts used %lx\n", CLIENTS, CALLS,
	       m.w[0], m.w[2]);
	task_kill(server);
	reap(server);
}

static void filter(void)
{
	long a = child(ROLE_TAGGED, self_task(), 'A');
	long b = child(ROLE_TAGGED, self_task(), 'B');
	long c = child(ROLE_TAGGED, self_task(), 'C');
	sleep_ms(100);   /* all three are now blocked sending to us */
	struct msg m = { 0 };
	long sender;
	CHECK_EQ(ipc_recv(b, &m, &sender, 1000), 0, "recv from B");
	CHECK(m.label == 'B' && TID_TASK(sender) == b, "got '%c' from task %ld, want B from %ld",
	      (char)m.label, TID_TASK(sender), b);
	char got[3];
	for (int i = 0; i < 2; i++) {
		do {   /* (children that sent and exited notify us: not what we count) */
			m.label = 0;
			CHECK_EQ(ipc_recv(IPC_ANY, &m, &sender, 1000), 0, "recv any");
		} while (m.label == LABEL_NOTIFY && sender == 0);
		got[i] = (char)m.label;
		CHECK((m.label == 'A' && TID_TASK(sender) == a) || (m.label == 'C' && TID_TASK(sender) == c),
		      "label %c from %ld", (char)m.label, TID_TASK(sender));
	}
	got[2] = 0;
	CHECK(got[0] != got[1], "received %s", got);
	printf("filter: B first, then %s\n", got);
	reap(a);
	reap(b);
	reap(c);
}

static void timeouts(void)
{
	struct msg m = { 0 };
	long idle = child(ROLE_IDLE, 0, 0);
	uint64_t t0 = time_ns();
	CHECK_EQ(ipc_recv(idle, &m, NULL, 0), -ETIMEDOUT, "poll recv");
	CHECK_EQ(ipc_send(idle, &m, 0), -ETIMEDOUT, "poll send to a task not receiving");
	CHECK(ms_since(t0) < 45, "polls took %lu ms (a poll must not wait)", ms_since(t0));
	t0 = time_ns();
	CHECK_EQ(ipc_recv(idle, &m, NULL, 50), -ETIMEDOUT, "recv with 50 ms timeout");
	uint64_t ms = ms_since(t0);
	CHECK(ms >= 50 && ms < 1000, "50 ms timeout took %lu ms", ms);
	t0 = time_ns();
	CHECK_EQ(ipc_send(idle, &m, 50), -ETIMEDOUT, "send with 50 ms timeout");
	CHECK(ms_since(t0) >= 50, "send timeout after %lu ms", ms_since(t0));

	long later = child(ROLE_SEND_LATER, self_task(), 100);
	t0 = time_ns();
	CHECK_EQ(ipc_recv(later, &m, NULL, IPC_FOREVER), 0, "recv forever");
	ms = ms_since(t0);
	CHECK(ms >= 90 && m.label == LABEL_DATA, "message after %lu ms label %lx", ms, m.label);
	reap(later);

	long hold = child(ROLE_HOLD, self_task(), 0);
	t0 = time_ns();
	m.label = LABEL_DATA;
	CHECK_EQ(ipc_call(hold, &m, 80), -ETIMEDOUT, "call to a server that never replies");
	CHECK(ms_since(t0) >= 80, "call timeout after %lu ms", ms_since(t0));
	printf("timeouts: poll, 50 ms, forever and call timeouts behave\n");
	task_kill(hold);
	reap(hold);
	task_kill(idle);
	reap(idle);
}

static long victim;

static void killer(uint64_t ms)
{
	sleep_ms(ms);
	task_kill(victim);
	thread_exit();
}

static void death(void)
{
	struct msg m = { .label = LABEL_DATA };
	long d = child(ROLE_DIE_ON_RECV, self_task(), 0);
	CHECK_EQ(ipc_call(d, &m, IPC_FOREVER), -EDEAD, "call to a server that dies");
	reap(d);

	uint64_t pa = frame_alloc(self_task());
	victim = child(ROLE_IDLE, 0, 0);
	CHECK(thread_create(0, killer, (uint8_t *)frame_va(pa) + 4096, 100, PRIO_DEFAULT, -1) > 0,
	      "killer thread");
	CHECK_EQ(ipc_send(victim, &m, IPC_FOREVER), -EDEAD, "send blocked on a task that is killed");
	reap(victim);

	victim = child(ROLE_IDLE, 0, 0);
	CHECK(thread_create(0, killer, (uint8_t *)frame_va(pa) + 4096, 100, PRIO_DEFAULT, -1) > 0,
	      "killer thread");
	CHECK_EQ(ipc_recv(victim, &m, NULL, IPC_FOREVER), -EDEAD, "recv from a task that is killed");
	reap(victim);
	CHECK_EQ(ipc_send(victim, &m, 0), -ESRCH, "send to a dead task's ID");
	printf("death: call, send and recv on a dying peer return -EDEAD\n");
}

static void notifications(void)
{
	long n = child(ROLE_NOTIFIER, self_task(), 0);
	int status;
	while (task_wait(n, &status) == -EAGAIN)
		sleep_ms(10);
	frames_release(n);
	struct msg m = { 0 };
	long sender = -1;
	CHECK_EQ(ipc_recv(IPC_ANY, &m, &sender, 0), 0, "pending notification");
	CHECK(m.label == LABEL_NOTIFY && sender == 0, "label %lu sender %ld", m.label, sender);
	CHECK_EQ(m.w[0], 6 | NOTIFY_CHILD_EXIT, "coalesced bits");
	CHECK_EQ(ipc_recv(IPC_ANY, &m, NULL, 0), -ETIMEDOUT, "nothing after one delivery");

	n = child(ROLE_NOTIFIER, self_task(), 0);   /* this time we are already waiting */
	CHECK_EQ(ipc_recv(IPC_ANY, &m, &sender, 2000), 0, "blocked recv woken by notify");
	CHECK(m.label == LABEL_NOTIFY && (m.w[0] & 2), "woke with label %lu bits %lx", m.label, m.w[0]);
	reap(n);
	printf("notify: bits coalesce and wake a waiting receiver\n");
}

/* The UART's receive interrupt, delivered as notification bit 5. */
static void irq(void)
{
	volatile uint8_t *uart = (volatile uint8_t *)0x30000000UL;
	CHECK_EQ(map(0, (uint64_t)uart, bootinfo->devs[0].pa, MAP_R | MAP_W), 0, "map the UART");
	CHECK_EQ(irq_register(10, 5), 0, "register IRQ 10");
	uart[1] = 1;   /* IER: interrupt when a byte arrives */
	printf("irq: waiting for input\n");
	struct msg m = { 0 };
	CHECK_EQ(ipc_recv(IPC_ANY, &m, NULL, 20000), 0, "notification");
	CHECK(m.label == LABEL_NOTIFY && m.w[0] == 1UL << 5, "label %lu bits %lx", m.label, m.w[0]);
	char c = (uart[5] & 1) ? (char)uart[0] : '?';
	uart[1] = 0;
	CHECK_EQ(irq_ack(10), 0, "ack IRQ 10");
	utest_ok("irq: got '%c' by interrupt\n", c);
}

static void pagefault(void)
{
	long f = child(ROLE_FAULTER, 0, 0);
	int served = 0, refused = 0, status;
	for (;;) {
		struct msg m = { 0 };
		long sender;
		long r = ipc_recv(IPC_ANY, &m, &sender, 5000);
		CHECK(r >= 0, "pager recv: %ld", r);
		if (r < 0 || m.label == LABEL_NOTIFY)
			break;
		CHECK(m.label == LABEL_PAGE_FAULT && TID_TASK(sender) == f, "label %lu", m.label);
		uint64_t page = m.w[0] & ~4095UL;
		struct msg reply = { .label = 0 };
		if (page >= HEAP && page < HEAP + 16 * 4096) {
			CHECK(m.w[1] == FAULT_WRITE, "first touch is a write: kind %lu", m.w[1]);
			CHECK_EQ(map(f, page, frame_alloc(f), MAP_R | MAP_W), 0, "map heap page");
			served++;
		} else {
			reply.label = (uint64_t)-EFAULT;
			refused++;
		}
		CHECK_EQ(ipc_reply(sender, &reply), 0, "reply to the fault");
	}
	CHECK_EQ(task_wait(f, &status), f, "reap faulter");
	frames_release(f);
	CHECK_EQ(served, 3, "faults served");
	CHECK_EQ(refused, 1, "faults refused");
	CHECK_EQ(status, -1, "faulter killed at the refused page");
	printf("pagefault: %d faults served by the pager, %d refused\n", served, refused);
}

/* A driver that dies in the middle of servicing its device leaves the
 * line high; its successor must still get the interrupt (the kernel tells
 * it at registration). driver1 takes the typed key's interrupt and exits
 * without reading the byte or acking; driver2 registers and must be told
 * within 2 s. Not a lab ipc test: the kernel's irq.c (runtests.py). */
static void irqrestart(void)
{
	volatile uint8_t *uart = (volatile uint8_t *)0x30000000UL;
	CHECK_EQ(map(0, (uint64_t)uart, bootinfo->devs[0].pa, MAP_R | MAP_W), 0, "map the UART");
	for (int i = 0; i < 2; i++) {
		long d = task_spawn_named("ipctest", i ? "driver2" : "driver1",
		                          make_arg(ROLE_IRQ_DRIVER, 0, (uint64_t)self_task()),
		                          PRIO_DEFAULT, -1);
		CHECK(d > 0, "spawn driver %d: %ld", i + 1, d);
		CHECK_EQ(task_grant(d, GRANT_IRQ, 10), 0, "grant IRQ 10");
		struct msg go = { .label = LABEL_DATA, .w = { i ? 2000 : 20000 } };
		CHECK_EQ(ipc_send(d, &go, 5000), 0, "start the driver");
		struct msg ready = { 0 }, got = { 0 };
		CHECK_EQ(ipc_recv(d, &ready, NULL, 5000), 0, "the driver registered");
		CHECK_EQ(ready.w[0], 0, "irq_register(10, 5) in the driver");
		if (i == 0) {
			uart[1] = 1;   /* IER: interrupt when a byte arrives */
			printf("irq: waiting for input\n");
		}
		CHECK_EQ(ipc_recv(d, &got, NULL, 30000), 0, "the driver's report");
		CHECK(got.label == LABEL_DATA + 1 && got.w[0] == 1UL << 5,
		      "driver %d got no interrupt (label %lx, %ld)", i + 1, got.label, (long)got.w[0]);
		reap(d);
		frames_release(d);
	}
	char c = (uart[5] & 1) ? (char)uart[0] : '?';
	uart[1] = 0;
	utest_ok("irqrestart: the second driver got the interrupt the first left, '%c'\n", c);
}

/* No task's memory may be touched once its death is reported. Each round:
 * a child C makes a grandchild G with us as G's pager; G counts in a page
 * we lent it, on another hart, without pause; we kill C (G dies with it),
 * reap C, read the count at once and again a little later. Had the
 * kernel reported C's death while G still ran on its hart, the page would
 * be written again. Not a lab ipc test: kernel/task.c (runtests.py). */
static void reclaim(void)
{
	int rounds = 300, dirty = 0;
	long other = ktest(KTEST_HART) == 0 ? 1 : 0;
	for (int r = 0; r < rounds && !dirty; r++) {
		long c = task_spawn_named("ipctest", "rc-parent", make_arg(ROLE_SUBPARENT, 0, (uint64_t)self_task()),
		                          PRIO_DEFAULT, -1);
		CHECK(c > 0, "spawn the parent: %ld", c);
		CHECK_EQ(task_grant(c, GRANT_CREATE, 0), 0, "let it create a task");
		struct msg go = { .label = LABEL_DATA }, named = { 0 };
		CHECK_EQ(ipc_send(c, &go, 5000), 0, "start the parent");
		CHECK_EQ(ipc_recv(c, &named, NULL, 5000), 0, "the grandchild's ID");
		long g = (long)named.w[0];
		CHECK(g > 0, "the parent made no grandchild: %ld", g);
		uint64_t pa = frame_alloc(g);
		volatile uint64_t *page = frame_va(pa);
		CHECK_EQ(map(g, SCRIBBLE, pa, MAP_R | MAP_W), 0, "lend the grandchild a page");
		CHECK_EQ(task_load(g, "ipctest", make_arg(ROLE_SCRIBBLE, 0, 0), PRIO_DEFAULT, (int)other), 0,
		         "start the grandchild");
		uint64_t t0 = time_ns();
		while (page[0] == 0 && time_ns() - t0 < 2000000000UL)
			;   /* until it writes */
		CHECK(page[0] != 0, "the grandchild never wrote");
		CHECK_EQ(task_kill(c), 0, "kill the parent");
		int status = 0;
		CHECK_EQ(utest_wait(c, &status, 5000), 0, "reap the parent");
		uint64_t seen = page[0];
		for (t0 = time_ns(); time_ns() - t0 < 200000;)
			;   /* 0.2 ms for a straggler to show */
		dirty = page[0] != seen;
		CHECK(!dirty, "round %d: the grandchild wrote to its page after its parent was reaped", r);
		frames_release(g);
		frames_release(c);
	}
	utest_ok("reclaim: %d rounds, no page touched after its task's death was reported\n", rounds);
}

/* Mapping and unmapping for ever must not use up a task's quota of
 * page-table pages (32): each map below needs two new ones, so without
 * unmap freeing the empty ones the 17th fails. The kernel's free pages
 * come back to where they were. Not a lab ipc test: kernel/vm.c. */
static void prune(void)
{
	long c = task_spawn_named("ipctest", "pt-user", make_arg(ROLE_IDLE, 0, 0), PRIO_DEFAULT, -1);
	CHECK(c > 0, "spawn: %ld", c);
	sleep_ms(10);
	long before = ktest(KTEST_KPAGES);
	uint64_t pa = frame_alloc(c);
	int done = 0;
	for (uint64_t i = 1; i <= 200; i++) {
		uint64_t va = i << 30 | 0x5000;   /* a gigabyte of its own: new level-1 and level-0 tables */
		if (map(c, va, pa, MAP_R | MAP_W) != 0 || unmap(c, va) != 0)
			break;
		done++;
	}
	CHECK_EQ(done, 200, "map + unmap at 200 addresses a gigabyte apart");
	CHECK_EQ(ktest(KTEST_KPAGES), before, "free kernel pages afterwards");
	task_kill(c);
	reap(c);
	frames_release(c);
	utest_ok("prune: 200 maps and unmaps in fresh page tables, none left behind\n");
}

/* A chain of 100 tasks, each the child of the one before, dies whole when
 * its top is killed: task_destroy walks the tree without recursion, so the
 * depth does not matter to the kernel's stack; every task and kernel page
 * comes back. We load each task's program, as the pager of all of them. */
static void deeptree(void)
{
	enum { DEPTH = 100 };
	long before = ktest(KTEST_KPAGES);
	long top = task_create("chain");   /* the right to create first, then its thread */
	CHECK(top > 0, "create the top: %ld", top);
	CHECK_EQ(task_grant(top, GRANT_CREATE, 0), 0, "let it create");
	CHECK_EQ(task_load(top, "ipctest", make_arg(ROLE_CHAIN, self_task(), DEPTH - 1), PRIO_DEFAULT,
	                   -1),
	         0, "start the top");
	long made[DEPTH];
	int n = 0;
	made[n++] = top;
	while (n < DEPTH) {
		struct msg m = { 0 };
		long sender;
		CHECK_EQ(ipc_recv(IPC_ANY, &m, &sender, 5000), 0, "a link of the chain");
		if (m.label != LABEL_DATA || (long)m.w[0] <= 0) {
			CHECK(0, "link %d: label %lx, child %ld", n, m.label, (long)m.w[0]);
			break;
		}
		made[n] = (long)m.w[0];
		CHECK_EQ(task_load(made[n], "ipctest", make_arg(ROLE_CHAIN, self_task(), DEPTH - 1 - n),
		                   PRIO_DEFAULT, -1),
		         0, "start a link");
		n++;
	}
	struct msg last = { 0 };
	CHECK_EQ(ipc_recv(IPC_ANY, &last, NULL, 5000), 0, "the bottom of the chain");
	CHECK_EQ(task_kill(top), 0, "kill the top");
	int status = 0;
	CHECK_EQ(utest_wait(top, &status, 5000), 0, "reap the top");
	for (int i = 0; i < n; i++)
		frames_release(made[i]);
	CHECK_EQ(ktest(KTEST_KPAGES), before, "free kernel pages after the chain");
	utest_ok("deeptree: a chain of %d tasks died with its top\n", n);
}

/* All of RAM is used: we write and read back a word every 64 MiB of our
 * window on RAM, to its end, and a child counts in the last frame of RAM,
 * mapped into its own address space. Booted with -m 2G or 4G, that is
 * far above the first gigabyte (runtests.py). Not a lab ipc test. */
static void highmem(void)
{
	uint64_t base = bootinfo->mem_base, size = bootinfo->mem_size, bad = 0, n = 0;
	for (uint64_t off = 64UL << 20; off < size; off += 64UL << 20, n++) {
		volatile uint64_t *w = frame_va(base + off);
		uint64_t keep = *w;
		*w = off ^ 0x5a5a5a5a5a5a5a5aUL;
		bad += *w != (off ^ 0x5a5a5a5a5a5a5a5aUL);
		*w = keep;
	}
	CHECK_EQ(bad, 0, "words of the RAM window that did not read back");
	uint64_t top = base + size - 4096;
	long c = task_spawn_named("ipctest", "high", make_arg(ROLE_IDLE, 0, 0), PRIO_DEFAULT - 1, -1);
	CHECK(c > 0, "spawn: %ld", c);
	volatile uint64_t *page = frame_va(top);
	page[0] = 0;
	CHECK_EQ(map(c, SCRIBBLE, top, MAP_R | MAP_W), 0, "map the last frame of RAM into the child");
	CHECK_EQ(task_load(c, "ipctest", make_arg(ROLE_SCRIBBLE, 0, 0), PRIO_DEFAULT - 1, -1), 0,
	         "a thread in the child");
	uint64_t t0 = time_ns();
	while (page[0] == 0 && time_ns() - t0 < 2000000000UL)
		;
	CHECK(page[0] != 0, "the child never wrote to the last frame of RAM");
	task_kill(c);
	reap(c);
	frames_release(c);
	utest_ok("highmem: %lu MiB of RAM, %lu words every 64 MiB read back, a child wrote at %p\n",
	         size >> 20, n, (void *)top);
}

/* A pager that is not the parent is told when a task it pages dies
 * (NOTIFY_PAGED_EXIT) and finds which with task_alive, so it can take back
 * the frames it lent: here a grandchild, made by a child with us as its
 * pager, exits by itself while its parent lives on. Not a lab ipc test. */
static void pagerdeath(void)
{
	long c = task_spawn_named("ipctest", "pd-parent", make_arg(ROLE_SUBPARENT, 0, (uint64_t)self_task()),
	                          PRIO_DEFAULT, -1);
	CHECK(c > 0, "spawn the parent: %ld", c);
	CHECK_EQ(task_grant(c, GRANT_CREATE, 0), 0, "let it create a task");
	struct msg go = { .label = LABEL_DATA }, named = { 0 }, note = { 0 };
	CHECK_EQ(ipc_send(c, &go, 5000), 0, "start the parent");
	CHECK_EQ(ipc_recv(c, &named, NULL, 5000), 0, "the grandchild's ID");
	long g = (long)named.w[0];
	CHECK(g > 0, "no grandchild: %ld", g);
	CHECK_EQ(task_load(g, "ipctest", make_arg(ROLE_EXIT, 0, 0), PRIO_DEFAULT, -1), 0,
	         "start the grandchild");
	CHECK_EQ(ipc_recv(IPC_ANY, &note, NULL, 5000), 0, "a notification");
	CHECK(note.label == LABEL_NOTIFY && note.w[0] == NOTIFY_PAGED_EXIT,
	      "label %lx bits %lx", note.label, note.w[0]);
	CHECK_EQ(task_alive(g), 0, "the grandchild is dead");
	CHECK_EQ(task_alive(c), 1, "its parent lives");
	CHECK_EQ(task_alive(-5), 0, "a task that never was");
	frames_release(g);
	task_kill(c);
	reap(c);
	frames_release(c);
	utest_ok("pagerdeath: the pager learned that the task it paged died\n");
}

/* The trace of a known exchange: a call to an echo server and its reply,
 * then a page fault of a child resolved by us, its pager. The faulter runs
 * on our hart below our priority, so the order of events is fixed; the
 * grader checks every event of the dump (grade-ipc.py, runtests.py). */
static void traced(void)
{
	long e = task_spawn_named("ipctest", "tr-echo", make_arg(ROLE_ECHO, 0, 0), PRIO_DEFAULT, -1);
	CHECK(e > 0, "spawn the echo server: %ld", e);
	sleep_ms(20);   /* it waits in RECV */
	CHECK_EQ(trace_ctl(TRACE_CLEAR), 0, "clear the trace");
	CHECK(trace_ctl(TRACE_ON) >= 0, "start the trace");
	struct msg m = { .label = LABEL_DATA + 10, .w = { 0, 0x77, 0x88, 0 } };
	CHECK_EQ(ipc_call(e, &m, 5000), 0, "call the echo server");
	CHECK_EQ(m.label, LABEL_DATA + 11, "the echo's answer");
	long hart = ktest(KTEST_HART);
	long f = task_spawn_named("ipctest", "tr-fault", make_arg(ROLE_FAULT_ONCE, 0, 0),
	                          PRIO_DEFAULT - 1, (int)hart);
	CHECK(f > 0, "spawn the faulter: %ld", f);
	struct msg fault = { 0 };
	long sender;
	CHECK_EQ(ipc_recv(IPC_ANY, &fault, &sender, 5000), 0, "receive the fault");
	CHECK(fault.label == LABEL_PAGE_FAULT && TID_TASK(sender) == f, "label %lu", fault.label);
	CHECK_EQ(map(f, HEAP, frame_alloc(f), MAP_R | MAP_W), 0, "map the heap page");
	struct msg ok = { .label = 0 };
	CHECK_EQ(ipc_reply(sender, &ok), 0, "answer the fault");
	struct msg exited = { 0 };
	CHECK_EQ(ipc_recv(IPC_ANY, &exited, NULL, 5000), 0, "the faulter's end");
	CHECK(exited.label == LABEL_NOTIFY && (exited.w[0] & NOTIFY_CHILD_EXIT), "notification");
	CHECK(trace_ctl(TRACE_OFF) == 1, "stop the trace");
	int status = -999;
	CHECK_EQ(task_wait(f, &status), f, "reap the faulter");
	CHECK_EQ(status, 0, "the faulter's exit code");
	frames_release(f);
	CHECK(trace_ctl(TRACE_DUMP) > 0, "dump the trace");
	task_kill(e);
	reap(e);
	frames_release(e);
	printf("traced: echo %ld, faulter %ld\n", e, f);
}

/* Three tasks each calling the next, none receiving: the kernel's wait-for
 * graph must name the cycle. Then they are killed, and nothing waits. */
static void deadlock(void)
{
	static const char *const names[3] = { "dlA", "dlB", "dlC" };
	long t[3];
	for (int i = 0; i < 3; i++) {
		t[i] = task_spawn_named("ipctest", names[i], make_arg(ROLE_CYCLE, 0, (uint64_t)self_task()),
		                        PRIO_DEFAULT, -1);
		CHECK(t[i] > 0, "spawn %s: %ld", names[i], t[i]);
	}
	for (int i = 0; i < 3; i++)
		CHECK_EQ(task_grant(t[i], GRANT_SEND, t[(i + 1) % 3]), 0, "grant the right to the next");
	for (int i = 0; i < 3; i++) {
		struct msg go = { .label = LABEL_DATA, .w = { (uint64_t)t[(i + 1) % 3] } };
		CHECK_EQ(ipc_send(t[i], &go, 5000), 0, "tell a task its peer");
	}
	int cycles = 0;
	for (int tries = 0; tries < 100 && cycles == 0; tries++) {
		sleep_ms(10);
		cycles = (int)trace_ctl(TRACE_WAITS);
	}
	CHECK_EQ(cycles, 1, "deadlock cycles the kernel found");
	for (int i = 0; i < 3; i++) {
		task_kill(t[i]);
		reap(t[i]);
		frames_release(t[i]);
	}
	CHECK_EQ(trace_ctl(TRACE_WAITS), 0, "cycles once the three are gone");
	printf("deadlock: the kernel named the cycle of %s, %s and %s\n", names[0], names[1], names[2]);
}

/* Bulk data both ways, and the refusals: each call with a timeout (the
 * general path) and without one (the fast path, when the server already
 * waits). The server's replies, sent without a timeout, take the fast
 * path in both rounds. */
static void bulk(void)
{
	static uint8_t out[IPC_BULK_MAX], in[IPC_BULK_MAX];
	long server = child(ROLE_ECHO, 0, 0);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	size_t sizes[] = { 1, 100, 4096, 5000, IPC_BULK_MAX };
	uint64_t timeouts[] = { 5000, IPC_FOREVER };
	for (size_t k = 0; k < 2 * sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k / 2];
		uint64_t timeout = timeouts[k % 2];
		struct msg m = { .label = LABEL_DATA };
		struct ipc_args a = { .filter = (uint64_t)server, .timeout = timeout, .sbuf = out,
		                      .slen = n, .rbuf = in, .rcap = sizeof(in) };
		memset(in, 0, sizeof(in));
		long r = ipc(IPC_CALL | IPC_BULK_SEND | IPC_BULK_RECV, server, &m, &a, NULL);
		CHECK(r == (long)n, "%ld bytes echoed of %lu (timeout %lu)", r, (uint64_t)n, timeout);
		CHECK_EQ(m.w[0], bytes_sum(out, n), "server's checksum of what it received");
		CHECK(memcmp(in, out, n) == 0, "echoed %lu bytes differ", (uint64_t)n);
		CHECK_EQ(ipc(IPC_CALL | IPC_BULK_SEND, server, &m, &a, NULL), -EMSGSIZE,
		         "a reply with bulk data to a call that has no buffer for it");
		a.slen = IPC_BULK_MAX + 1;
		CHECK_EQ(ipc(IPC_CALL | IPC_BULK_SEND, server, &m, &a, NULL), -EMSGSIZE,
		         "over the bulk limit");
		a.sbuf = (void *)0x3000000000UL;
		a.slen = 64;
		CHECK_EQ(ipc(IPC_CALL | IPC_BULK_SEND, server, &m, &a, NULL), -EFAULT,
		         "bulk from a bad pointer");
		a.sbuf = out;
		a.rbuf = (void *)0xffffffc080200000UL;
		CHECK_EQ(ipc(IPC_CALL | IPC_BULK_SEND | IPC_BULK_RECV, server, &m, &a, NULL), -EFAULT,
		         "reply into a kernel address");
	}
	utest_ok("bulk: 1 to %d bytes travel intact, with a timeout and without; bad buffers and "
	         "sizes refused\n", IPC_BULK_MAX);
	task_kill(server);
	reap(server);
}

/* A reply to a call that timed out must not answer the caller's next call. */
static void stalereply(void)
{
	long s = child(ROLE_STALE, 0, 0);
	struct msg m = { .label = LABEL_DATA };
	CHECK_EQ(ipc_call(s, &m, 100), -ETIMEDOUT, "first call, never answered in time");
	m = (struct msg){ .label = LABEL_DATA };
	CHECK_EQ(ipc_call(s, &m, 5000), 0, "second call");
	CHECK_EQ(m.label, 0x222, "the second call's own answer (0x111 is the late one)");
	CHECK_EQ(m.w[0], -ESRCH, "the server's late reply to the first call");
	reap(s);
	printf("stalereply: a late reply went nowhere; the next call got its own\n");
}

static void hostile(void)
{
	long idle = child(ROLE_IDLE, 0, 0);
	long h = child(ROLE_HOSTILE, idle, 0);
	struct msg m = { 0 };
	long sender = 0;
	CHECK_EQ(ipc_recv(h, &m, &sender, 5000), 0, "the hostile child asks for the right to create");
	CHECK_EQ(task_grant(h, GRANT_CREATE, 0), 0, "grant it");
	CHECK_EQ(ipc_reply(sender, &m), 0, "answer");
	CHECK_EQ(reap(h), 0, "hostile child's failed checks");
	task_kill(idle);
	reap(idle);
	printf("hostile: forged rights and bad IDs refused\n");
}

/* ---- the children ---- */

static int sink(long peer, uint64_t n)
{
	int bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct msg m = { 0 };
		long sender;
		if (ipc_recv(peer, &m, &sender, 5000) != 0 || m.w[0] != i || m.w[1] != ~i ||
		    m.w[2] != i * 3 || TID_TASK(sender) != peer)
			bad++;
	}
	return bad;
}

static noreturn void echo(void)
{
	static uint8_t buf[IPC_BULK_MAX];
	uint64_t answered = 0, harts = 0, dup = 0;
	static uint64_t next_seq[64 * 8];   /* per client thread slot */
	struct msg m = { 0 };
	long client = 0;
	struct ipc_args a = { .filter = IPC_ANY, .timeout = IPC_FOREVER, .rbuf = buf, .rcap = sizeof(buf) };
	long r = ipc(IPC_RECV | IPC_BULK_RECV, 0, &m, &a, &client);
	for (;;) {
		a.sbuf = NULL;
		a.slen = 0;
		if (r < 0) {
			r = ipc(IPC_RECV | IPC_BULK_RECV, 0, &m, &a, &client);
			continue;
		}
		harts |= 1UL << ktest(KTEST_HART);
		if (m.label == LABEL_STATS) {
			m.w[0] = answered;
			m.w[1] = dup;
			m.w[2] = harts;
		} else if (m.label == LABEL_DATA && r > 0) {   /* bulk: checksum and echo back */
			m.w[0] = bytes_sum(buf, r);
			a.sbuf = buf;
			a.slen = r;
		} else {
			uint64_t slot = client % (64 * 8);
			if (m.w[0] != next_seq[slot])
				dup++;
			next_seq[slot] = m.w[0] + 1;
			m.w[3] = checksum(&m);
			m.label++;
			answered++;
		}
		r = ipc(IPC_REPLY_RECV | IPC_BULK_SEND | IPC_BULK_RECV, client, &m, &a, &client);
	}
}

static int client(long server, uint64_t calls)
{
	int bad = 0;
	struct msg go;
	ipc_recv(IPC_ANY, &go, NULL, IPC_FOREVER);   /* the parent has granted the right */
	for (uint64_t i = 0; i < calls; i++) {
		struct msg m = { .label = LABEL_DATA + 10, .w = { i, i ^ 0x5555, (uint64_t)self(), 0 } };
		struct msg sent = m;
		long r = ipc_call(server, &m, 10000);
		if (r != 0 || m.label != sent.label + 1 || m.w[3] != checksum(&sent) || m.w[0] != i)
			bad++;
	}
	return bad;
}

static int hostile_child(long sibling)
{
	struct msg m = { .label = LABEL_DATA };
	long parent = 0;
	for (long t = 1; t < 64 * 64 && !parent; t++)   /* find our parent by trying */
		if (notify(t, 0) == 0)
			parent = t;
	CHECK(parent > 0, "no task we may notify");
	CHECK_EQ(ipc_send(sibling, &m, 0), -EPERM, "send without a right");
	CHECK_EQ(ipc_call(sibling, &m, 0), -EPERM, "call without a right");
	CHECK_EQ(notify(sibling, 1), -EPERM, "notify without a right");
	CHECK_EQ(notify(parent, NOTIFY_CHILD_EXIT), -EINVAL, "forge the kernel's child-exit bit");
	CHECK_EQ(notify(parent, NOTIFY_PAGED_EXIT | 1), -EINVAL, "forge the kernel's paged-exit bit");
	struct msg forged = { .label = LABEL_PAGE_FAULT, { 0x1000, 0, 0x10000 } };
	CHECK_EQ(ipc_send(parent, &forged, 0), -EINVAL, "send a forged page-fault message");
	CHECK_EQ(ipc_call(parent, &forged, 0), -EINVAL, "call with a forged page-fault message");
	forged.label = LABEL_NOTIFY;
	CHECK_EQ(ipc_call(parent, &forged, 0), -EINVAL, "call with a forged notification");
	CHECK_EQ(task_kill(sibling), -EPERM, "kill a sibling");
	CHECK_EQ(task_kill(parent), -EPERM, "kill the parent");
	CHECK_EQ(task_grant(sibling, GRANT_SEND, parent), -EPERM, "grant to a task not our child");
	CHECK_EQ(map(sibling, HEAP, 0x80400000, MAP_R), -ESRCH, "map into a task we do not page");
	CHECK_EQ(map(0, HEAP, 0x80400000, MAP_R), -EPERM, "map a frame we do not own");
	CHECK_EQ(map(0, HEAP, 0x10000000, MAP_R | MAP_W), -EPERM, "map the UART");
	CHECK_EQ(irq_register(10, 1), -EPERM, "register an IRQ without the right");
	CHECK_EQ(thread_create(sibling, (void (*)(uint64_t))0x10000, (void *)0x1000, 0, 1, -1), -ESRCH,
	         "start a thread in a sibling");
	CHECK_EQ(thread_create(0, (void (*)(uint64_t))0x10000, (void *)0x1000, 0, PRIO_DEFAULT + 1, -1),
	         -EPERM, "thread above our priority");
	CHECK_EQ(ipc_reply(parent * TASK_MAX_THREADS, &m), -ESRCH, "reply to a thread that did not call");
	CHECK_EQ(ipc_reply(999999, &m), -ESRCH, "reply to a bad thread ID");
	CHECK_EQ(ipc_reply(self(), &m), -ESRCH, "reply to ourselves");
	CHECK_EQ(ipc_recv(999999, &m, NULL, 0), -ESRCH, "recv from a bad ID");
	CHECK_EQ(task_create("grandchild"), -EPERM, "create a task without the right");
	CHECK_EQ(task_grant(parent, GRANT_CREATE, 0), -EPERM, "grant the parent a right");
	struct msg ask = { .label = LABEL_DATA };
	CHECK_EQ(ipc_call(parent, &ask, 5000), 0, "ask the parent for the right to create");
	long child_of_ours = task_create("grandchild");
	CHECK(child_of_ours > 0, "create a child with the right: %ld", child_of_ours);
	CHECK_EQ(task_grant(child_of_ours, GRANT_CREATE, 0), 0, "pass the right on");
	CHECK_EQ(task_grant(child_of_ours, GRANT_PAGER, child_of_ours), -EINVAL, "a task as its own pager");
	CHECK_EQ(task_grant(child_of_ours, GRANT_SEND, sibling), -EPERM, "grant a right we lack");
	CHECK_EQ(task_grant(child_of_ours, GRANT_IRQ, 10), -EPERM, "grant an IRQ we lack");
	CHECK_EQ(task_grant(child_of_ours, 99, 0), -EINVAL, "unknown grant kind");
	for (long t = 1; t < 64 * 64; t++) {   /* no ID reachable but parent and child */
		if (t == parent || t == child_of_ours)
			continue;
		if (ipc_send(t, &m, 0) != -ESRCH && ipc_send(t, &m, 0) != -EPERM) {
			CHECK(0, "task %ld reachable without a right", t);
			break;
		}
	}
	return utest_failures;
}

static int faulter(void)
{
	volatile uint64_t *heap = (volatile uint64_t *)HEAP;
	for (int i = 0; i < 3; i++)
		heap[i * 512] = 0x1234 + i;   /* one word on each of three pages */
	uint64_t sum = heap[0] + heap[512] + heap[1024];
	printf("faulter: heap pages work (sum %lx)\n", sum);
	return (int)*(volatile uint64_t *)REFUSED;   /* the pager refuses this one */
}

static int child_main(uint64_t arg)
{
	int role = arg & 0xff;
	long peer = (long)((arg >> 8) & 0xffffffff);
	uint64_t param = arg >> 40;
	struct msg m = { .label = LABEL_DATA };
	switch (role) {
	case ROLE_SINK:
		return sink(peer, param);
	case ROLE_ECHO:
		echo();
	case ROLE_CLIENT:
		return client(peer, param);
	case ROLE_SEND_LATER:
		sleep_ms(param);
		return (int)ipc_send(peer, &m, IPC_FOREVER);
	case ROLE_TAGGED:
		m.label = param;
		return (int)ipc_send(peer, &m, IPC_FOREVER);
	case ROLE_DIE_ON_RECV:
		ipc_recv(IPC_ANY, &m, NULL, IPC_FOREVER);
		return 0;
	case ROLE_HOLD:
		ipc_recv(IPC_ANY, &m, NULL, IPC_FOREVER);
		sleep_ms(1000000);
		return 0;
	case ROLE_NOTIFIER:
		sleep_ms(50);
		notify(peer, 2);
		notify(peer, 2);
		notify(peer, 2);
		notify(peer, 4);
		return 0;
	case ROLE_FAULTER:
		return faulter();
	case ROLE_FAULT_ONCE:
		*(volatile uint64_t *)HEAP = 1;
		return 0;
	case ROLE_IRQ_DRIVER: {
		struct msg go = { 0 }, n = { 0 };
		ipc_recv((long)param, &go, NULL, IPC_FOREVER);
		struct msg r = { .label = LABEL_DATA, .w = { (uint64_t)irq_register(10, 5) } };
		ipc_send((long)param, &r, IPC_FOREVER);
		long e = ipc_recv(IPC_ANY, &n, NULL, go.w[0]);
		bool irq = e == 0 && n.label == LABEL_NOTIFY;
		struct msg out = { .label = LABEL_DATA + (irq ? 1 : 2), .w = { irq ? n.w[0] : (uint64_t)e } };
		ipc_send((long)param, &out, IPC_FOREVER);
		return 0;   /* no irq_ack, the byte unread: the line stays high */
	}
	case ROLE_SUBPARENT: {
		ipc_recv((long)param, &m, NULL, IPC_FOREVER);   /* the right to create */
		long g = task_create("rc-child");
		if (g > 0 && task_grant(g, GRANT_PAGER, param) < 0)
			g = -1;
		struct msg named = { .label = LABEL_DATA, .w = { (uint64_t)g } };
		ipc_send((long)param, &named, IPC_FOREVER);
		ipc_recv((long)param, &m, NULL, IPC_FOREVER);   /* until killed */
		return 0;
	}
	case ROLE_CHAIN: {   /* param: links still to make below us; the root is our pager */
		long child = 0;   /* peer: the root, the pager of every link */
		if (param > 0) {
			child = task_create("chain");
			if (child > 0 && (task_grant(child, GRANT_PAGER, (uint64_t)peer) < 0 ||
			                  task_grant(child, GRANT_CREATE, 0) < 0))
				child = -1;
		}
		struct msg named = { .label = LABEL_DATA, .w = { (uint64_t)child } };
		ipc_send(peer, &named, IPC_FOREVER);
		ipc_recv(peer, &m, NULL, IPC_FOREVER);   /* until killed */
		return 0;
	}
	case ROLE_EXIT:
		return 7;
	case ROLE_SCRIBBLE:
		for (uint64_t n = 1;; n++)
			*(volatile uint64_t *)SCRIBBLE = n;
	case ROLE_CYCLE:
		ipc_recv((long)param, &m, NULL, IPC_FOREVER);   /* only from the parent */
		return (int)ipc_call((long)m.w[0], &m, IPC_FOREVER);   /* never answered */
	case ROLE_HOSTILE:
		return hostile_child(peer);
	case ROLE_IDLE:
		for (;;)
			sleep_ms(1000000);
	case ROLE_STALE: {
		long first, second;
		struct msg a = { 0 }, b = { 0 }, late = { .label = 0x111 };
		ipc_recv(IPC_ANY, &a, &first, IPC_FOREVER);
		ipc_recv(IPC_ANY, &b, &second, IPC_FOREVER);
		struct msg answer = { .label = 0x222, .w = { (uint64_t)ipc_reply(first, &late) } };
		return (int)ipc_reply(second, &answer);
	}
	}
	return 99;
}

static const struct utest_case cases[] = {
	{ "order", order },
	{ "callload", callload },
	{ "filter", filter },
	{ "timeouts", timeouts },
	{ "death", death },
	{ "notify", notifications },
	{ "pagefault", pagefault },
	{ "bulk", bulk },
	{ "hostile", hostile },
	{ "stalereply", stalereply },
	{ "irq", irq },
	{ "traced", traced },
	{ "deadlock", deadlock },
	{ "irqrestart", irqrestart },
	{ "reclaim", reclaim },
	{ "prune", prune },
	{ "deeptree", deeptree },
	{ "highmem", highmem },
	{ "pagerdeath", pagerdeath },
};

int main(uint64_t arg)
{
	if (arg != BOOTINFO_VA)
		return child_main(arg);
	return utest_main(arg, cases, sizeof(cases) / sizeof(cases[0]));
}
