/*
 * grep [-cv] PATTERN [FILE...]: print the lines of each file (standard
 * input if none is named, and for "-") that contain PATTERN, a plain
 * string. -v: the lines that do not; -c: only how many lines there are.
 * With several files each line (or count) starts with the file's name.
 * Exits 0 if some line was selected, 1 if none was, 2 on an error (as
 * Unix grep: a script can tell "no match" from "failed").
 */
#include "mica.h"

static bool invert, count_only, with_names;
static const char *pattern;
static size_t pattern_len;

/* Output goes through the library's buffer for standard output: to a file
 * or a pipe it is written in big pieces, and it goes out before each read,
 * in case the read waits for a person. An error writing it ends grep. */
static void put(const char *s, size_t n)
{
	write_out("grep", s, n, 2);
}

/* Does line (n bytes, not NUL-ended) contain the pattern? */
static bool contains(const char *line, size_t n)
{
	for (size_t i = 0; i + pattern_len <= n; i++)
		if (memcmp(line + i, pattern, pattern_len) == 0)
			return true;
	return false;
}

/* Print line (n bytes, without its '\n') if it is selected; say if it was. */
static bool select_line(const char *line, size_t n, const char *name)
{
	if (contains(line, n) == invert)
		return false;
	if (!count_only) {
		if (with_names) {
			put(name, strlen(name));
			put(":", 1);
		}
		put(line, n);
		put("\n", 1);
	}
	return true;
}

/* The input being cut into lines: buf[0, len) is what was read and not
 * looked at yet. It grows to hold a line longer than itself. */
static char *buf;
static size_t cap, len;

/* Select the lines of fd: how many were, or -E... */
static long grep_fd(int fd, const char *name)
{
	long selected = 0, n;
	len = 0;
	for (;;) {
		if (len == cap) {
			size_t bigger = cap ? 2 * cap : FS_IO_MAX;
			char *p = realloc(buf, bigger);
			if (!p)
				return -ENOMEM;
			buf = p;
			cap = bigger;
		}
		if ((n = read(fd, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
		size_t start = 0;   /* of the first line not looked at */
		for (size_t i = start; i < len; i++)
			if (buf[i] == '\n') {
				selected += select_line(buf + start, i - start, name);
				start = i + 1;
			}
		memmove(buf, buf + start, len - start);
		len -= start;
	}
	if (n < 0)
		return n;
	if (len > 0)   /* the last line, without its '\n' */
		selected += select_line(buf, len, name);
	return selected;
}

/* grep one file (NULL: standard input). Returns 0 if a line was selected,
 * 1 if none was, 2 on an error. */
static int grep_file(const char *path)
{
	const char *name = path ? path : "(standard input)";
	int fd = path ? open(path, O_RDONLY) : 0;
	long n = fd < 0 ? fd : grep_fd(fd, name);
	if (path && fd >= 0)
		close(fd);
	if (n < 0) {
		dprintf(2, "grep: %s: %s\n", name, strerror(n));
		return 2;
	}
	if (count_only) {
		char line[FS_PATH_MAX + 24];
		int k = with_names ? snprintf(line, sizeof(line), "%s:%ld\n", name, n)
		                   : snprintf(line, sizeof(line), "%ld\n", n);
		put(line, k < (int)sizeof(line) ? (size_t)k : sizeof(line) - 1);
	}
	return n > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static bool opt[128];
	int i = options(argc, argv, "cv", opt);
	bool ok = i > 0;
	count_only = opt['c'];
	invert = opt['v'];
	if (!ok || i == argc) {
		dprintf(2, "usage: grep [-cv] PATTERN [FILE...]\n");
		return 2;
	}
	pattern = argv[i++];
	pattern_len = strlen(pattern);
	with_names = argc - i > 1;
	bool matched = false, failed = false;
	do {   /* each FILE, or standard input if none is named */
		const char *path = i < argc ? argv[i] : "-";
		int s = grep_file(strcmp(path, "-") == 0 ? NULL : path);
		matched |= s == 0;
		failed |= s == 2;
	} while (++i < argc);
	return failed ? 2 : matched ? 0 : 1;
}
