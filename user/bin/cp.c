/*
 * cp SRC DST, cp SRC... DIR: copy files. If the last argument is a
 * directory each SRC is copied into it, under SRC's last name; otherwise
 * there must be one SRC, and DST is made or emptied first. Directories are
 * not copied. Exits 1 if some SRC could not be copied.
 */
#include "mica.h"

static int fail(const char *path, long err)
{
	dprintf(2, "cp: %s: %s\n", path, strerror(err));
	return 1;
}

/* Copy file src to dst. Returns 0, or 1 after saying what failed. */
static int copy(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY);
	if (in < 0)
		return fail(src, in);
	struct fs_stat s, d;
	long err = fstat(in, &s);
	if (err == 0 && s.type == FS_STAT_DIR)
		err = -EISDIR;
	if (err < 0) {
		close(in);
		return fail(src, err);
	}
	if (stat(dst, &d) == 0 && d.inum == s.inum) {   /* emptying dst would empty src */
		close(in);
		dprintf(2, "cp: %s and %s are the same file\n", src, dst);
		return 1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC);
	if (out < 0) {
		close(in);
		return fail(dst, out);
	}
	static char buf[FS_IO_MAX];   /* big pieces: each read or write is a message */
	long n, w = 0;
	do {
		n = read(in, buf, sizeof(buf));
		if (n > 0)
			w = write(out, buf, (size_t)n);
	} while (n > 0 && w >= 0);
	close(in);
	close(out);
	if (n < 0)
		return fail(src, n);
	return w < 0 ? fail(dst, w) : 0;
}

int main(int argc, char **argv)
{
	return each_into(argc, argv, "cp SRC DST, or cp SRC... DIR", copy);
}
