/*
 * The FPU for user programs (kernel/fp.c): threads on every hart keep their
 * own values in all 32 FP registers and in fcsr across thousands of
 * switches (yields, and timer preemptions in the middle of long spins),
 * some pinned, some moving between harts; none may ever see another's.
 * The kernel switches the FPU lazily: nothing is loaded before the first
 * FP instruction of the test.
 */
#include "utest.h"
#include <mica/fpregs.h>

#define NTHREADS 6
#define ROUNDS   1500

#define FREGS "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", \
	"f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", \
	"f24", "f25", "f26", "f27", "f28", "f29", "f30", "f31"

/* All FP registers from v[0..31], fcsr from v[32]. */
static void fp_set(const uint64_t *v)
{
	asm volatile(F32("fld") "ld t0, 32*8(%0)\nfscsr t0" : : "r"(v) : "t0", "memory", FREGS);
}

static void fp_get(uint64_t *v)
{
	asm volatile(F32("fsd") "frcsr t0\nsd t0, 32*8(%0)" : : "r"(v) : "t0", "memory");
}

static volatile int done, wrong[NTHREADS], switches[NTHREADS];
static uint8_t stacks[NTHREADS + 8][8192] __attribute__((aligned(16)));   /* + a pusher per hart */

static volatile int stop_pushers;

/* Not an FP user: yields on its hart so that the FP thread moves on. */
static void pusher(uint64_t unused)
{
	(void)unused;
	while (!stop_pushers)
		yield();
	__atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
	thread_exit();
}

static void worker(uint64_t i)
{
	uint64_t want[33], got[33];
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < 32; k++)
			want[k] = i << 56 | (uint64_t)r << 16 | (uint64_t)k << 8 | 0x5a;
		want[32] = (i % 5) << 5 | (r & 0x1f);   /* frm, fflags */
		fp_set(want);
		if (r % 100 == 99) {
			uint64_t t0 = time_ns();   /* long enough for a tick to preempt it */
			while (time_ns() - t0 < 25000000)
				;
		} else {
			yield();
		}
		fp_get(got);
		for (int k = 0; k < 33; k++)
			if (got[k] != want[k]) {
				if (!wrong[i])
					printf("FAIL: thread %lu round %d: %s%d is %lx, should be %lx\n", i, r,
					       k < 32 ? "f" : "fcsr", k < 32 ? k : 0, got[k], want[k]);
				wrong[i]++;
			}
		switches[i]++;
	}
	__atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
	thread_exit();
}

static void fpu(void)
{
	int harts = (int)bootinfo->ncpus;
	uint64_t before = (uint64_t)ktest(KTEST_FP);
	CHECK_EQ(before & 0xffffffff, 0, "FP loads before any program used the FPU");
	for (int i = 0; i < NTHREADS; i++) {
		int hart = i % 2 ? -1 : (i / 2) % harts;   /* half pinned, half free to move */
		long t = thread_create(0, worker, stacks[i] + sizeof(stacks[i]), (uint64_t)i, PRIO_DEFAULT, hart);
		CHECK(t > 0, "thread %d: %ld", i, t);
	}
	while (done < NTHREADS)
		sleep_ms(20);
	int bad = 0, total = 0;
	for (int i = 0; i < NTHREADS; i++) {
		bad += wrong[i];
		total += switches[i];
	}
	/* One FP thread alone among threads that never use the FPU: it moves
	 * between harts whose registers may still hold an older state of its. */
	done = 0;
	wrong[0] = switches[0] = 0;
	for (int h = 0; h < harts; h++)
		CHECK(thread_create(0, pusher, stacks[NTHREADS + h] + sizeof(stacks[0]), 0, PRIO_DEFAULT, h) > 0,
		      "pusher on hart %d", h);
	CHECK(thread_create(0, worker, stacks[0] + sizeof(stacks[0]), 0, PRIO_DEFAULT, -1) > 0, "mover");
	while (done < 1)
		sleep_ms(20);
	stop_pushers = 1;
	while (done < 1 + harts)
		sleep_ms(20);
	bad += wrong[0];
	total += switches[0];
	uint64_t after = (uint64_t)ktest(KTEST_FP);
	CHECK_EQ(bad, 0, "FP registers that changed under a thread");
	CHECK((after & 0xffffffff) >= NTHREADS, "lazy loads: %lu", after & 0xffffffff);
	utest_ok("fpu: %d threads on %d harts, %d switches, every FP register kept; %lu lazy loads, %lu saves\n",
	         NTHREADS, harts, total, after & 0xffffffff, after >> 32);
}

static const struct utest_case cases[] = {
	{ "fpu", fpu },
};

int main(uint64_t arg)
{
	return utest_main(arg, cases, sizeof(cases) / sizeof(cases[0]));
}
