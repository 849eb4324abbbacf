/* The driver for in-QEMU test programs (utest.h). */
#include "utest.h"

int utest_failures;

/* The grader's token (token=... on the kernel command line): a case's PASS
 * line carries it, so that a line printed by something else than this
 * driver after a case really passed does not count (gradelib checks). */
static char token[40];

int utest_main(uint64_t bootinfo_va, const struct utest_case *cases, int n)
{
	char want[32];
	root_init(bootinfo_va);
	root_arg("token", token, sizeof(token));
	return utest_run(root_arg("case", want, sizeof(want)), cases, n);
}

int utest_run(const char *only, const struct utest_case *cases, int n)
{
	int failed = 0, ran = 0;
	if (startinfo && startinfo->token[0])
		strncpy_z(token, startinfo->token, sizeof(token));
	for (int i = 0; i < n; i++) {
		if (only && strcmp(only, cases[i].name) != 0)
			continue;
		utest_failures = 0;
		printf("case %s: start\n", cases[i].name);
		cases[i].fn();
		ran++;
		if (utest_failures) {
			failed++;
			printf("case %s: FAIL (%d checks failed)\n", cases[i].name, utest_failures);
		} else if (token[0]) {
			printf("case %s: PASS [token %s]\n", cases[i].name, token);
		} else {
			printf("case %s: PASS\n", cases[i].name);
		}
	}
	if (!ran)
		printf("no test case named '%s'\n", only ? only : "");
	printf("tests done: %d of %d cases failed\n", failed, ran);
	return failed || !ran;
}

void utest_ok(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	if (utest_failures)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s", buf);
}

/* Wait up to timeout_ms for child `id` to die and reap it (its exit code
 * in *status, its frames returned). Returns 0 or -ETIMEDOUT. It polls with
 * yield rather than waiting for the exit notification, so that it needs
 * neither sleep nor IPC: labs before those use it too. */
long utest_wait(long id, int *status, uint64_t timeout_ms)
{
	uint64_t end = time_ns() + timeout_ms * 1000000;
	for (;;) {
		long r = task_wait(id, status);
		if (r != -EAGAIN) {
			frames_release(id);
			return r < 0 ? r : 0;
		}
		if (time_ns() >= end)
			return -ETIMEDOUT;
		yield();
	}
}
