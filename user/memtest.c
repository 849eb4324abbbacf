/*
 * memtest: drives the memory server's pager (servers/mem/pager.c).
 *
 *   memtest demand   16 MiB of .bss, demand-zero: every page read and written
 *   memtest heap     the heap grown by malloc and sbrk up to its limit, refused
 *                    there, given back, used again
 *   memtest stack    a recursion using 256 KiB of stack
 *   memtest bad      a write where the program has no memory: the memory
 *                    server ends it (the shell says "crashed")
 *   memtest          all of them but bad, then "memtest: all ok"
 *
 * A line ending in ": ok" is printed only when every check before it
 * passed. A failed check prints "memtest: FAIL" with what was expected and
 * what came, and memtest exits 1.
 */
#include "mica.h"

#define PAGE        4096UL
#define KiB         1024UL
#define MiB         (1024UL * KiB)
#define FAIL_SHOWN  8      /* failed checks printed per test; the rest are counted */

static uint64_t failures;  /* failed checks in the test that runs */

/* Count a failed check, and describe it if it is one of the first few. */
static void fail(const char *fmt, ...)
{
	if (failures++ >= FAIL_SHOWN)
		return;
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("memtest: FAIL %s\n", buf);
}

/* Check word i of the memory called `what`. */
static void expect(const char *what, uint64_t i, uint64_t got, uint64_t want)
{
	if (got != want)
		fail("%s, word %lu: expected 0x%lx, got 0x%lx", what, i, want, got);
}

/* The value the tests store in word i: different in every word, so that a
 * page mapped twice, or at the wrong place, shows. */
static uint64_t pattern(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ULL + 1;
}

/* Store pattern(first + k) in words[k] for k < n. */
static void fill(volatile uint64_t *words, size_t n, uint64_t first)
{
	for (size_t k = 0; k < n; k++)
		words[k] = pattern(first + k);
}

/* Check that fill(words, n, first) is still there. */
static void verify(const char *what, volatile uint64_t *words, size_t n, uint64_t first)
{
	for (size_t k = 0; k < n; k++)
		expect(what, first + k, words[k], pattern(first + k));
}

/* ---- demand: the .bss ---- */

#define DEMAND_SIZE   (16 * MiB)
#define DEMAND_STRIDE 1237   /* odd, so k * STRIDE mod pages visits every page */
#define PAGE_WORDS    (PAGE / sizeof(uint64_t))

static uint64_t demand_area[DEMAND_SIZE / sizeof(uint64_t)];   /* .bss: no frames yet */

/* Visit the pages out of order, checking that each reads as zeros before
 * writing it; then read all of it back. */
static void test_demand(void)
{
	volatile uint64_t *words = demand_area;
	size_t pages = DEMAND_SIZE / PAGE;
	for (size_t k = 0; k < pages; k++) {
		size_t first = k * DEMAND_STRIDE % pages * PAGE_WORDS;
		for (size_t i = first; i < first + PAGE_WORDS; i++)
			expect("demand-zero .bss before writing", i, words[i], 0);
		fill(words + first, PAGE_WORDS, first);
	}
	verify("demand-zero .bss", words, DEMAND_SIZE / sizeof(uint64_t), 0);
	if (!failures)
		printf("memtest: demand paging of %lu MiB: ok\n", DEMAND_SIZE / MiB);
}

/* ---- heap: malloc, sbrk and the limit ---- */

#define HEAP_CHUNK   MiB
#define HEAP_CHUNKS  8
#define CHUNK_WORDS  (HEAP_CHUNK / sizeof(uint64_t))

/* Where the heap ends now. */
static uint64_t heap_break(void)
{
	return (uint64_t)sbrk(0);
}

/* Grow the heap with sbrk until the memory server refuses even one more
 * page: a megabyte at a time, then in ever smaller steps. Returns the
 * bytes it grew by. */
static uint64_t grow_until_refused(void)
{
	uint64_t grown = 0;
	for (uint64_t step = MiB; step >= PAGE; step /= 2)
		while (sbrk((long)step))
			grown += step;
	return grown;
}

/* Eight megabytes by malloc, every page written and checked. Returns
 * false (after saying why) if malloc refused one. */
static bool heap_malloc_chunks(uint64_t **chunks)
{
	for (int c = 0; c < HEAP_CHUNKS; c++) {
		chunks[c] = malloc(HEAP_CHUNK);
		if (!chunks[c]) {
			fail("heap: malloc of 1 MiB refused after %d MiB", c);
			return false;
		}
		fill(chunks[c], CHUNK_WORDS, c * CHUNK_WORDS);
	}
	for (int c = 0; c < HEAP_CHUNKS; c++)
		verify("heap chunk", chunks[c], CHUNK_WORDS, c * CHUNK_WORDS);
	return true;
}

/* Grow the heap to its limit (the server may refuse sooner if frames run
 * out), touch its last page, check that the refusal left the break alone,
 * and give the growth back. */
static void heap_limit(void)
{
	uint64_t start = heap_break(), grown = grow_until_refused(), end = heap_break();
	if (end != start + grown)
		fail("heap: the break is 0x%lx after growing 0x%lx by %lu bytes", end, start, grown);
	if (end - HEAP_BASE > MEM_HEAP_MAX)
		fail("heap: grew to %lu bytes, past MEM_HEAP_MAX (%lu)", end - HEAP_BASE, MEM_HEAP_MAX);
	volatile uint64_t *last = (uint64_t *)end - 1;
	*last = pattern(0);
	expect("heap's last word", 0, *last, pattern(0));
	if (!failures)
		printf("memtest: heap grew to %lu MiB, then refused: ok\n", (end - HEAP_BASE) / MiB);
	if (!sbrk(-(long)grown) || heap_break() != start)
		fail("heap: giving back %lu bytes did not bring the break back to 0x%lx", grown, start);
}

static void test_heap(void)
{
	uint64_t *chunks[HEAP_CHUNKS];
	if (!heap_malloc_chunks(chunks))
		return;
	heap_limit();
	for (int c = 0; c < HEAP_CHUNKS; c++)
		free(chunks[c]);
	uint64_t *again = malloc(HEAP_CHUNK);
	if (!again) {
		fail("heap: malloc refused after the heap was given back");
		return;
	}
	fill(again, CHUNK_WORDS, 1);
	verify("heap reused", again, CHUNK_WORDS, 1);
	free(again);
	if (!failures)
		printf("memtest: heap given back and used again: ok\n");
}

/* ---- stack: deep recursion ---- */

#define STACK_FRAME_WORDS 128   /* 1 KiB of locals in each call */
#define STACK_DEPTH       256   /* calls: 256 KiB and a little more */

static uint64_t stack_lowest = STARTINFO_VA;   /* the deepest a frame reached */

/* Fill a 1 KiB frame, recurse `depth` more times, then check on the way
 * back that the frame still holds what was put there. */
static void stack_dive(int depth)
{
	volatile uint64_t words[STACK_FRAME_WORDS];
	uint64_t first = (uint64_t)depth * STACK_FRAME_WORDS;
	fill(words, STACK_FRAME_WORDS, first);
	if ((uint64_t)words < stack_lowest)
		stack_lowest = (uint64_t)words;
	if (depth > 0)
		stack_dive(depth - 1);
	verify("stack frame", words, STACK_FRAME_WORDS, first);
}

/* The stack starts just below STARTINFO_VA and grows down on demand. */
static void test_stack(void)
{
	stack_dive(STACK_DEPTH - 1);
	uint64_t used = STARTINFO_VA - stack_lowest;
	if (used < STACK_DEPTH * STACK_FRAME_WORDS * sizeof(uint64_t) || used > MEM_STACK_MAX)
		fail("stack: used %lu KiB, expected at least %lu and at most %lu", used / KiB,
		     STACK_DEPTH * STACK_FRAME_WORDS * sizeof(uint64_t) / KiB, MEM_STACK_MAX / KiB);
	if (!failures)
		printf("memtest: stack grew to %lu KiB: ok\n", used / KiB);
}

/* ---- bad: outside every region ---- */

#define NO_REGION 0x20000000UL   /* above the program and its .bss, below the heap */

static void test_bad(void)
{
	printf("memtest: touching 0x%lx (no region there)\n", NO_REGION);
	*(volatile int *)NO_REGION = 1;
	fail("bad: the write to 0x%lx did not end the program", NO_REGION);
}

/* ---- the tests ---- */

static const struct test {
	const char *name;
	void (*run)(void);
	bool in_all;   /* run when memtest is given no test name */
} tests[] = {
	{ "demand", test_demand, true },
	{ "heap", test_heap, true },
	{ "stack", test_stack, true },
	{ "bad", test_bad, false },
};
#define NTESTS (sizeof(tests) / sizeof(tests[0]))

/* Run test t; true if every check passed. */
static bool run_test(const struct test *t)
{
	failures = 0;
	t->run();
	if (failures > FAIL_SHOWN)
		printf("memtest: FAIL %s: %lu checks failed in all\n", t->name, failures);
	return failures == 0;
}

static const struct test *test_find(const char *name)
{
	for (size_t i = 0; i < NTESTS; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct test *t = argc == 2 ? test_find(argv[1]) : NULL;
	if (t)
		return run_test(t) ? 0 : 1;
	if (argc != 1) {
		dprintf(2, "usage: memtest [demand | heap | stack | bad]\n");
		return 2;
	}
	bool all_ok = true;
	for (size_t i = 0; i < NTESTS; i++)
		if (tests[i].in_all)
			all_ok &= run_test(&tests[i]);
	if (all_ok)
		printf("memtest: all ok\n");
	return all_ok ? 0 : 1;
}
