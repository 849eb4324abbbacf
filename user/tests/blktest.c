/*
 * Tests of the block driver (servers/blk/, include/mica/proto/blk.h), run
 * as an ordinary program: `noconsole run=blktest [CASE]` on the kernel
 * command line makes init run it. It writes only the last TEST_BLOCKS
 * blocks of the disk, and puts back what they held before. Each case
 * prints "case NAME: PASS" only if every check passed, and the program
 * "blktest: OK" only if every case did.
 */
#include "utest.h"
#include <mica/proto/blk.h>

#define TEST_BLOCKS 16          /* the disk's last blocks, which the tests write */
#define THREADS     4
#define ROUNDS      25          /* writes and reads of each thread */

static long blk;                /* the driver's task ID */
static uint64_t capacity;       /* in blocks */
static uint64_t base;           /* the first block the tests write */

/* One request; the result is the reply's label, or the call's error. */
static long blk_call(struct msg *m, const void *data, size_t len, void *buf, size_t cap)
{
	long n = ipc_call_bulk(blk, m, data, len, buf, cap);
	return n < 0 ? n : (long)m->label;
}

static long blk_read(uint64_t block, uint64_t count, void *buf, size_t cap)
{
	struct msg m = { BLK_READ, { block, count } };
	return blk_call(&m, NULL, 0, buf, cap);
}

static long blk_write(uint64_t block, const void *data, size_t len)
{
	struct msg m = { BLK_WRITE, { block } };
	return blk_call(&m, data, len, NULL, 0);
}

/* BLK_INFO's four words in m->w. */
static long blk_info(struct msg *m)
{
	*m = (struct msg){ BLK_INFO, { 0 } };
	return blk_call(m, NULL, 0, NULL, 0);
}

/* A block's worth of bytes that says which block and which round it is. */
static void pattern(uint8_t *buf, uint64_t block, uint32_t round)
{
	uint32_t *w = (uint32_t *)buf;
	for (uint32_t i = 0; i < BLK_BSIZE / 4; i++)
		w[i] = (uint32_t)block * 0x9e3779b9U ^ round * 0x85ebca6bU ^ i;
}

/* BLK_INFO answers with a capacity that holds the test blocks. */
static void info(void)
{
	struct msg m;
	CHECK_EQ(blk_info(&m), 0, "BLK_INFO");
	CHECK(m.w[0] == capacity && capacity > TEST_BLOCKS, "capacity %lu blocks", m.w[0]);
	CHECK_EQ(m.w[2], 0, "the disk is read-only");
	utest_ok("info: %lu blocks of %d bytes, %lu writes and %lu reads so far\n", m.w[0], BLK_BSIZE,
	         m.w[1], m.w[3]);
}

/* Single and two-block writes read back as written, whichever way they
 * are read; the counts of BLK_INFO grow with them. */
static void readwrite(void)
{
	static uint8_t out[2 * BLK_BSIZE], in[2 * BLK_BSIZE];
	struct msg before, after;
	blk_info(&before);
	for (uint64_t b = base; b < base + 4; b++) {   /* one block at a time */
		pattern(out, b, 1);
		CHECK_EQ(blk_write(b, out, BLK_BSIZE), BLK_BSIZE, "write of one block");
	}
	for (uint64_t b = base + 4; b < base + 8; b += 2) {   /* two at a time */
		pattern(out, b, 1);
		pattern(out + BLK_BSIZE, b + 1, 1);
		CHECK_EQ(blk_write(b, out, 2 * BLK_BSIZE), 2 * BLK_BSIZE, "write of two blocks");
	}
	for (uint64_t b = base; b < base + 8; b++) {
		pattern(out, b, 1);
		memset(in, 0, BLK_BSIZE);
		CHECK_EQ(blk_read(b, 1, in, BLK_BSIZE), BLK_BSIZE, "read of one block");
		CHECK(memcmp(in, out, BLK_BSIZE) == 0, "block %lu read back differs", b);
	}
	for (uint64_t b = base + 1; b < base + 7; b += 2) {   /* across the writes' edges */
		pattern(out, b, 1);
		pattern(out + BLK_BSIZE, b + 1, 1);
		memset(in, 0, sizeof(in));
		CHECK_EQ(blk_read(b, 2, in, sizeof(in)), 2 * BLK_BSIZE, "read of two blocks");
		CHECK(memcmp(in, out, sizeof(in)) == 0, "blocks %lu-%lu read back differ", b, b + 1);
	}
	blk_info(&after);
	CHECK(after.w[1] >= before.w[1] + 6, "writes counted: %lu then %lu", before.w[1], after.w[1]);
	CHECK(after.w[3] >= before.w[3] + 11, "reads counted: %lu then %lu", before.w[3], after.w[3]);
	utest_ok("readwrite: 4 one-block and 2 two-block writes read back whole and across\n");
}

/* Threads that write and read their own blocks at once: their requests
 * are on the device together, and each gets its own data back. */
static struct worker {
	int errors, mismatches;   /* requests that failed, reads that differed */
	int busy;                 /* -EBUSY answers, each tried again */
	int done;
} workers[THREADS];

/* A request of worker w's, made again while the driver answers -EBUSY
 * (every slot of its queue taken: the other threads' requests). */
static long worker_call(struct worker *w, uint64_t label, uint64_t block, uint64_t count,
                        const void *data, size_t len, void *buf, size_t cap)
{
	for (;;) {
		struct msg m = { label, { block, count } };
		long r = blk_call(&m, data, len, buf, cap);
		if (r != -EBUSY)
			return r;
		w->busy++;
		yield();
	}
}

static void worker_main(uint64_t arg)
{
	static uint8_t bufs[THREADS][2][2 * BLK_BSIZE];
	struct worker *w = &workers[arg];
	uint8_t *out = bufs[arg][0], *in = bufs[arg][1];
	uint64_t first = base + 8 + 2 * arg;   /* two blocks of its own */
	for (uint32_t round = 0; round < ROUNDS; round++) {
		size_t len = round % 2 ? 2 * BLK_BSIZE : BLK_BSIZE;
		pattern(out, first, round);
		pattern(out + BLK_BSIZE, first + 1, round);
		long r = worker_call(w, BLK_WRITE, first, 0, out, len, NULL, 0);
		w->errors += r != (long)len;
		memset(in, 0, 2 * BLK_BSIZE);
		r = worker_call(w, BLK_READ, first, len / BLK_BSIZE, NULL, 0, in, len);
		w->errors += r != (long)len;
		w->mismatches += memcmp(in, out, len) != 0;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	thread_exit();
}

static void concurrent(void)
{
	for (int t = 0; t < THREADS; t++) {
		workers[t] = (struct worker){ 0 };
		uint8_t *stack = malloc(16384);
		CHECK(stack != NULL, "no stack for thread %d", t);
		if (!stack)
			return;
		uint64_t sp = ((uint64_t)stack + 16384) & ~15UL;
		long tid = thread_create(0, worker_main, (void *)sp, (uint64_t)t, PRIO_DEFAULT - 1, -1);
		CHECK(tid > 0, "thread_create: %ld", tid);
		if (tid <= 0)
			__atomic_store_n(&workers[t].done, 1, __ATOMIC_RELEASE);
	}
	uint64_t give_up = time_ns() + 30000000000UL;
	int done = 0, busy = 0;
	while (done < THREADS && time_ns() < give_up) {
		sleep_ms(10);
		done = 0;
		for (int t = 0; t < THREADS; t++)
			done += __atomic_load_n(&workers[t].done, __ATOMIC_ACQUIRE);
	}
	CHECK_EQ(done, THREADS, "threads finished");
	for (int t = 0; t < THREADS; t++) {
		CHECK_EQ(workers[t].errors, 0, "requests of a thread that failed");
		CHECK_EQ(workers[t].mismatches, 0, "reads of a thread that differed from its write");
		busy += workers[t].busy;
	}
	utest_ok("concurrent: %d threads, %d writes and reads each, all read back (%d busy)\n",
	         THREADS, ROUNDS, busy);
}

/* Every bad request gets its error, and the driver serves on. */
static void errors(void)
{
	static uint8_t buf[3 * BLK_BSIZE];
	CHECK_EQ(blk_read(base, 0, buf, sizeof(buf)), -EINVAL, "read of 0 blocks");
	CHECK_EQ(blk_read(base, 3, buf, sizeof(buf)), -EINVAL, "read of 3 blocks");
	CHECK_EQ(blk_read(base, 1UL << 40, buf, sizeof(buf)), -EINVAL, "read of 2^40 blocks");
	CHECK_EQ(blk_write(base, buf, 0), -EINVAL, "write of no bytes");
	CHECK_EQ(blk_write(base, buf, 100), -EINVAL, "write of 100 bytes");
	CHECK_EQ(blk_write(base, buf, BLK_BSIZE + 1), -EINVAL, "write of 4097 bytes");
	CHECK_EQ(blk_write(base, buf, 3 * BLK_BSIZE), -EMSGSIZE,
	         "write of 3 blocks (more than the kernel carries)");
	CHECK_EQ(blk_read(capacity, 1, buf, BLK_BSIZE), -ERANGE, "read at the end");
	CHECK_EQ(blk_read(capacity - 1, 2, buf, sizeof(buf)), -ERANGE, "read across the end");
	CHECK_EQ(blk_read(~0UL, 1, buf, BLK_BSIZE), -ERANGE, "read at block 2^64 - 1");
	CHECK_EQ(blk_read(~0UL, 2, buf, sizeof(buf)), -ERANGE, "read at block 2^64 - 1, 2 blocks");
	CHECK_EQ(blk_write(capacity, buf, BLK_BSIZE), -ERANGE, "write at the end");
	CHECK_EQ(blk_write(capacity - 1, buf, 2 * BLK_BSIZE), -ERANGE, "write across the end");
	struct msg m = { BLK_LAST + 1, { 0 } };
	CHECK_EQ(blk_call(&m, NULL, 0, NULL, 0), -ENOSYS, "a label after the driver's");
	m = (struct msg){ BLK_FIRST - 1, { 0 } };
	CHECK_EQ(blk_call(&m, NULL, 0, NULL, 0), -ENOSYS, "a label before the driver's");
	CHECK_EQ(blk_read(base, 1, buf, 16), -EMSGSIZE, "read into a 16-byte buffer");
	CHECK_EQ(blk_read(base, 2, buf, BLK_BSIZE), -EMSGSIZE, "read of 2 blocks into one block's room");
	CHECK_EQ(blk_read(base, 1, buf, BLK_BSIZE), BLK_BSIZE, "a good read after the bad ones");
	CHECK_EQ(blk_info(&m), 0, "BLK_INFO after the bad requests");
	utest_ok("errors: bad counts, lengths, blocks and labels refused; the driver serves on\n");
}

static void flush_ok(void)
{
	struct msg m = { BLK_FLUSH, { 0 } };
	CHECK_EQ(blk_call(&m, NULL, 0, NULL, 0), 0, "BLK_FLUSH");
	utest_ok("flush: done\n");
}

/* What one 4 KiB read costs, in instructions retired on this hart: with
 * one hart (CPUS=1) and -icount shift=0, everything the read makes the
 * system do (the call, the driver, the device's interrupt, the reply).
 * The median of N reads: now and then a timer tick falls inside one. */
static void cost(void)
{
	static uint8_t buf[BLK_BSIZE];
	enum { N = 31 };
	uint64_t n[N];
	blk_read(base, 1, buf, sizeof(buf));   /* pages touched, caches warm */
	for (int i = 0; i < N; i++) {
		uint64_t t0 = rdinstret();
		long r = blk_read(base, 1, buf, sizeof(buf));
		n[i] = rdinstret() - t0;
		CHECK_EQ(r, BLK_BSIZE, "read");
	}
	for (int i = 1; i < N; i++)   /* insertion sort */
		for (int j = i; j > 0 && n[j - 1] > n[j]; j--) {
			uint64_t t = n[j];
			n[j] = n[j - 1];
			n[j - 1] = t;
		}
	utest_ok("cost: a 4 KiB BLK_READ retires %lu instructions (median of %d; least %lu, most "
	         "%lu; %lu harts)\n", n[N / 2], N, n[0], n[N - 1], startinfo->ncpus);
}

static const struct utest_case cases[] = {
	{ "info", info },
	{ "readwrite", readwrite },
	{ "concurrent", concurrent },
	{ "errors", errors },
	{ "flush", flush_ok },
	{ "cost", cost },
};

int main(int argc, char **argv)
{
	blk = server_lookup(BLK_NAME);
	if (blk < 0) {
		printf("FAIL: blktest: no block driver: lookup of \"%s\" gave %ld\n", BLK_NAME, blk);
		return 1;
	}
	struct msg m;
	if (blk_info(&m) < 0 || m.w[0] <= TEST_BLOCKS) {
		printf("FAIL: blktest: BLK_INFO gave capacity %lu: too small to test\n", m.w[0]);
		return 1;
	}
	capacity = m.w[0];
	base = capacity - TEST_BLOCKS;
	static uint8_t saved[TEST_BLOCKS * BLK_BSIZE];   /* what the test blocks held */
	for (uint64_t b = 0; b < TEST_BLOCKS; b += 2)
		if (blk_read(base + b, 2, saved + b * BLK_BSIZE, 2 * BLK_BSIZE) != 2 * BLK_BSIZE) {
			printf("FAIL: blktest: cannot read the test blocks\n");
			return 1;
		}
	int failed = utest_run(argc > 1 ? argv[1] : NULL, cases, sizeof(cases) / sizeof(cases[0]));
	for (uint64_t b = 0; b < TEST_BLOCKS; b += 2)
		if (blk_write(base + b, saved + b * BLK_BSIZE, 2 * BLK_BSIZE) != 2 * BLK_BSIZE) {
			printf("FAIL: blktest: cannot put the test blocks back\n");
			failed++;
		}
	if (!failed)
		printf("blktest: OK\n");
	return failed ? 1 : 0;
}
