/*
 * make bench: exact instruction counts of the kernel's hot paths. QEMU runs
 * with -icount shift=0, so counts are the same on every run. Every
 * measurement runs in a thread pinned to hart 0 (instret is per hart) and
 * takes the best of several rounds of N operations. Prints one line per
 * figure, "BENCH <key> <instructions per operation>", for grade/bench.py.
 */
#include "mica.h"

#define N      2000
#define ROUNDS 5

enum { ROLE_ECHO = 1, ROLE_WAITER, ROLE_ECHO_COUNTING };

static void *new_stack(void)
{
	return (uint8_t *)frame_va(frame_alloc(self_task())) + 4096;
}

/* Instructions per operation of op(arg), run N times: the best round. */
static uint64_t measure(void (*op)(long), long arg, uint64_t ops_per_call)
{
	uint64_t best = ~0UL;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdinstret();
		for (int i = 0; i < N; i++)
			op(arg);
		uint64_t per = (rdinstret() - t0) / (N * ops_per_call);
		if (per < best)
			best = per;
	}
	return best;
}

/* The null system call, in a loop of its own: no call through a pointer. */
static uint64_t measure_null(void)
{
	uint64_t best = ~0UL;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdinstret();
		for (int i = 0; i < N; i++)
			self();
		uint64_t per = (rdinstret() - t0) / N;
		if (per < best)
			best = per;
	}
	return best;
}

static void op_call(long server)
{
	struct msg m = { .label = 0x100 };
	ipc_call(server, &m, IPC_FOREVER);
}

static uint8_t page[4096] __attribute__((aligned(4096)));   /* one page, as a file block */

static void op_call_4k(long server)
{
	struct msg m = { .label = 0x100 };
	struct ipc_args a = { .filter = (uint64_t)server, .timeout = IPC_FOREVER, .sbuf = page,
	                      .slen = sizeof(page) };
	ipc(IPC_CALL | IPC_BULK_SEND, server, &m, &a, NULL);
}

static void op_yield(long unused)
{
	(void)unused;
	yield();
}

static void op_notify(long waiter)
{
	notify(waiter, 1);
}

static volatile int partner_stop, done;
static long echo0, echo1, waiter;   /* the servers, started by main */

static void yield_partner(uint64_t unused)
{
	(void)unused;
	while (!partner_stop)
		yield();
	thread_exit();
}

static long server(int role, int hart)
{
	long s = task_spawn("bench", role, PRIO_DEFAULT, hart);
	if (s < 0)
		printf("bench: cannot spawn a server: %ld\n", s);
	sleep_ms(20);   /* let it reach its receive */
	return s;
}

static void report(const char *key, uint64_t v)
{
	printf("BENCH %s %lu\n", key, v);
}

#define LABEL_INSTRET 0x7e00   /* to an echo server: reply with its hart's instret */

static uint64_t server_instret(long server)
{
	struct msg m = { .label = LABEL_INSTRET };
	ipc_call(server, &m, IPC_FOREVER);
	return m.w[0];
}

/* The round trip to the echo server on hart 1, as the client sees it: in
 * time (ns, by the time CSR; under -icount the clock moves with the
 * instructions the harts run), and in the instructions both harts run,
 * its own and the server hart's (idle loop included), per round trip. */
static void measure_cross_hart(long server)
{
	uint64_t best_ns = ~0UL, best_instr = ~0UL;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t s0 = server_instret(server), t0 = time_ns(), c0 = rdinstret();
		for (int i = 0; i < N; i++)
			op_call(server);
		uint64_t c1 = rdinstret(), t1 = time_ns(), s1 = server_instret(server);
		uint64_t ns = (t1 - t0) / N, instr = (c1 - c0 + s1 - s0) / N;
		best_ns = ns < best_ns ? ns : best_ns;
		best_instr = instr < best_instr ? instr : best_instr;
	}
	report("ipc_rt_cross_hart", best_ns);
	report("ipc_rt_cross_hart_instr", best_instr);
}

/* The measuring thread, pinned to hart 0. */
static void bench_thread(uint64_t unused)
{
	(void)unused;
	report("null_syscall", measure_null());
	report("ipc_rt", measure(op_call, echo0, 1));
	report("ipc_rt_4k", measure(op_call_4k, echo0, 1));
	if (echo1 > 0)
		measure_cross_hart(echo1);

	partner_stop = 0;
	thread_create(0, yield_partner, new_stack(), 0, PRIO_DEFAULT - 1, 0);   /* our priority */
	report("yield", measure(op_yield, 0, 2));   /* each round trip is two yields */
	partner_stop = 1;

	report("notify_to_wake", measure(op_notify, waiter, 1));
	if (trace_ctl(TRACE_ON) >= 0) {   /* a kernel built without the trace: -ENOSYS */
		report("ipc_rt_trace_on", measure(op_call, echo0, 1));
		trace_ctl(TRACE_OFF);
	}
	done = 1;
	thread_exit();
}

static noreturn void echo_server(void)
{
	static uint8_t buf[IPC_BULK_MAX];
	struct msg m = { 0 };
	long client;
	struct ipc_args a = { .filter = IPC_ANY, .timeout = IPC_FOREVER, .rbuf = buf, .rcap = sizeof(buf) };
	ipc(IPC_RECV | IPC_BULK_RECV, 0, &m, &a, &client);
	for (;;)
		ipc(IPC_REPLY_RECV | IPC_BULK_RECV, client, &m, &a, &client);
}

/* The echo server of hart 1, which also answers LABEL_INSTRET (a test of
 * its own, so that hart 0's echo server, which ipc_rt uses, has none). */
static noreturn void echo_server_counting(void)
{
	struct msg m = { 0 };
	long client;
	ipc_recv(IPC_ANY, &m, &client, IPC_FOREVER);
	for (;;) {
		if (m.label == LABEL_INSTRET)
			m.w[0] = rdinstret();
		ipc_reply_recv(client, &m, &client, IPC_FOREVER);
	}
}

int main(uint64_t arg)
{
	struct msg m = { 0 };
	if (arg == ROLE_ECHO)
		echo_server();
	if (arg == ROLE_ECHO_COUNTING)
		echo_server_counting();
	if (arg == ROLE_WAITER)
		for (;;)
			ipc_recv(IPC_ANY, &m, NULL, IPC_FOREVER);
	root_init(arg);
	printf("bench: %d operations per round, best of %d rounds, instructions per operation\n", N,
	       ROUNDS);
	echo0 = server(ROLE_ECHO, 0);
	echo1 = bootinfo->ncpus > 1 ? server(ROLE_ECHO_COUNTING, 1) : 0;
	waiter = server(ROLE_WAITER, 0);
	/* Below the servers' priority, so a woken server runs at once. */
	thread_create(0, bench_thread, new_stack(), 0, PRIO_DEFAULT - 1, 0);
	while (!done)
		sleep_ms(10);
	task_kill(echo0);
	task_kill(waiter);
	if (echo1 > 0)
		task_kill(echo1);
	printf("bench: done\n");
	return 0;
}
