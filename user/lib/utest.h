/*
 * Checks for the in-QEMU test programs (user/tests/). Each failed check
 * prints "FAIL: <file>:<line>: <what>, got X want Y"; a case ends with
 * "case <name>: PASS" or "case <name>: FAIL (<n> checks failed)", which
 * the grade scripts match.
 */
#ifndef MICA_UTEST_H
#define MICA_UTEST_H

#include "mica.h"

extern int utest_failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		utest_failures++; \
		printf("FAIL: %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

/* got == want, for integer results such as error codes. */
#define CHECK_EQ(got, want, what) do { \
	long g_ = (long)(got), w_ = (long)(want); \
	CHECK(g_ == w_, "%s: got %ld, want %ld", what, g_, w_); \
} while (0)

struct utest_case {
	const char *name;
	void (*fn)(void);
};

/* The root task's main for a test program: run the case the kernel command
 * line names (case=NAME), or every case if none is named, reporting each.
 * Returns the number of failed cases (the exit code). */
int utest_main(uint64_t bootinfo_va, const struct utest_case *cases, int n);

/* The same for a program spawned by the memory server: run case `only`
 * (every case if NULL). */
int utest_run(const char *only, const struct utest_case *cases, int n);

long utest_wait(long id, int *status, uint64_t timeout_ms);

/* Print a case's success line, only if none of its checks failed so far. */
void utest_ok(const char *fmt, ...);

#endif
