/*
 * Helpers for lab console's tests, run from the shell by the grader:
 *   contest print TAG N MS   print N lines "TAG nnn TAGTAG...", one every MS ms
 *   contest read             echo each line read until end of input
 */
#include "mica.h"

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

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "print") == 0)
		return print_lines(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc == 2 && strcmp(argv[1], "read") == 0)
		return read_lines();
	dprintf(2, "usage: contest print TAG N MS | contest read\n");
	return 2;
}
