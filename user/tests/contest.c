/*
 * Helpers for lab console's tests, run from the shell by the grader:
 *   contest print TAG N MS   print N lines "TAG nnn TAGTAG...", one every MS ms
 *   contest both N           two children print N lines each (tags A, B) at once
 *   contest read             echo each line read until end of input
 *   contest hostile          bad requests to the console server get errors
 */
#include "utest.h"
#include <mica/proto/console.h>

#define LINE_CHARS 48

static int print_lines(const char *tag, long n, long ms)
{
	char line[LINE_CHARS + 1];
	for (int i = 0; i < LINE_CHARS; i++)
		line[i] = tag[0];
	line[LINE_CHARS] = 0;
	for (long i = 0; i < n; i++) {
		printf("%s %03ld %s\n", tag, i, line);
		if (ms)
			sleep_ms((uint64_t)ms);
	}
	return 0;
}

/* Two children printing at the same time; wait for both. */
static int both(char *n)
{
	char *a[] = { "contest", "print", "A", n, "0", NULL }, *b[] = { "contest", "print", "B", n, "0", NULL };
	long pa = spawn(a), pb = spawn(b);
	int sa = -1, sb = -1;
	if (pa < 0 || pb < 0)
		return 1;
	waitpid(pa, &sa, 0);
	waitpid(pb, &sb, 0);
	return sa != 0 || sb != 0;
}

static int read_lines(void)
{
	char buf[256];
	long n, lines = 0;
	while ((n = read(0, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = 0;
		if (buf[n - 1] == '\n')
			buf[n - 1] = 0;
		printf("contest: got '%s'\n", buf);
		lines++;
	}
	printf("contest: end of input after %ld lines (%ld)\n", lines, n);
	return n == 0 ? 0 : 1;
}

/* One raw request to the console server. */
static long cons(uint64_t label, uint64_t w0, const void *s, size_t slen, void *r, size_t rcap)
{
	long id = server_lookup(CONS_NAME);
	struct msg m = { label, { w0 } };
	long err = id < 0 ? id : ipc_call_bulk(id, &m, s, slen, r, rcap);
	return err < 0 ? err : (long)m.label;
}

static void hostile(void)
{
	static char big[CONS_WRITE_MAX + 1];
	memset(big, 'x', sizeof(big));
	CHECK_EQ(cons(CONS_WRITE, 0, big, sizeof(big), NULL, 0), -EMSGSIZE, "a write over CONS_WRITE_MAX");
	CHECK_EQ(cons(CONS_LAST + 1, 0, NULL, 0, NULL, 0), -ENOSYS, "an unknown label");
	CHECK_EQ(cons(CONS_FIRST - 1, 0, NULL, 0, NULL, 0), -ENOSYS, "a label below the range");
	CHECK_EQ(cons(CONS_READ, 0, NULL, 0, NULL, 0), -EINVAL, "a read of capacity 0");
	CHECK_EQ(cons(CONS_SET_FG, (uint64_t)startinfo->mem, NULL, 0, NULL, 0), -EPERM,
	         "make the memory server the foreground");
	CHECK_EQ(cons(CONS_SET_FG, (uint64_t)-5, NULL, 0, NULL, 0), -EINVAL, "a negative pid");
	CHECK_EQ(cons(CONS_WRITE, 0, "contest: still served\n", 22, NULL, 0), 22, "a good write after");
	utest_ok("hostile: bad requests refused, the console still serves\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "hostile") == 0) {
		static const struct utest_case cases[] = { { "hostile", hostile } };
		return utest_run(NULL, cases, 1);
	}
	if (argc == 5 && strcmp(argv[1], "print") == 0)
		return print_lines(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 3 && strcmp(argv[1], "both") == 0)
		return both(argv[2]);
	if (argc == 2 && strcmp(argv[1], "read") == 0)
		return read_lines();
	dprintf(2, "usage: contest print TAG N MS | both N | read | hostile\n");
	return 2;
}
