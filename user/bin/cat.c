/*
 * cat [FILE...]: write each file to standard output in turn; standard
 * input (a file, a pipe or the console) if no FILE is named, and for "-".
 * Exits 1 if some FILE could not be read or the output could not be written.
 */
#include "mica.h"

static char buf[FS_IO_MAX];   /* one read: the most the server sends at once */

/* Copy fd to standard output. Returns 0, or 1 after saying what failed;
 * if it is the output, cat stops. */
static int copy(int fd, const char *name)
{
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write_out("cat", buf, (size_t)n, 1);
	if (n < 0) {
		dprintf(2, "cat: %s: %s\n", name, strerror(n));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return copy(0, "standard input");
	int status = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			status |= copy(0, "standard input");
			continue;
		}
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			dprintf(2, "cat: %s: %s\n", argv[i], strerror(fd));
			status = 1;
			continue;
		}
		status |= copy(fd, argv[i]);
		close(fd);
	}
	return status;
}
