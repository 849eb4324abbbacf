/*
 * wc [FILE...]: count the lines, words and bytes of each file (standard
 * input if none is named, and for "-"), and their total if there are
 * several. A word is a run of characters other than blanks (space, tab,
 * newline, carriage return, form feed, vertical tab). Exits 1 if some FILE
 * could not be read.
 */
#include "mica.h"

struct counts {
	uint64_t lines, words, bytes;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Count what fd holds into c: 0, or -E... */
static long count(int fd, struct counts *c)
{
	static char buf[FS_IO_MAX];
	bool in_word = false;   /* carried from one read to the next */
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		c->bytes += (uint64_t)n;
		for (long i = 0; i < n; i++) {
			if (buf[i] == '\n')
				c->lines++;
			if (is_space(buf[i]))
				in_word = false;
			else if (!in_word) {
				in_word = true;
				c->words++;
			}
		}
	}
	return n;
}

static void show(const struct counts *c, const char *name)
{
	printf("%7lu %7lu %7lu%s%s\n", c->lines, c->words, c->bytes, name ? " " : "",
	       name ? name : "");
}

int main(int argc, char **argv)
{
	struct counts total = { 0 };
	if (argc == 1) {
		long err = count(0, &total);
		if (err < 0) {
			dprintf(2, "wc: standard input: %s\n", strerror(err));
			return 1;
		}
		show(&total, NULL);
		return 0;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		bool in = strcmp(argv[i], "-") == 0;
		int fd = in ? 0 : open(argv[i], O_RDONLY);
		struct counts c = { 0 };
		long err = fd < 0 ? fd : count(fd, &c);
		if (!in && fd >= 0)
			close(fd);
		if (err < 0) {
			dprintf(2, "wc: %s: %s\n", argv[i], strerror(err));
			status = 1;
			continue;
		}
		show(&c, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc > 2)
		show(&total, "total");
	return status;
}
