/*
 * mv SRC DST, mv SRC... DIR: rename files and directories. If the last
 * argument is a directory each SRC moves into it, under SRC's last name;
 * otherwise there must be one SRC, and it takes the name DST (replacing a
 * file DST, or an empty directory DST if SRC is a directory). Nothing is
 * copied: a rename only changes directory entries. Exits 1 if some SRC
 * could not be moved.
 */
#include "mica.h"

static int fail(const char *path, long err)
{
	dprintf(2, "mv: %s: %s\n", path, strerror(err));
	return 1;
}

/* Rename src to dst. Returns 0, or 1 after saying what failed. */
static int move(const char *src, const char *dst)
{
	struct fs_stat st;
	long err = stat(src, &st);   /* so that an error names the path at fault */
	if (err < 0)
		return fail(src, err);
	err = rename(src, dst);
	return err < 0 ? fail(dst, err) : 0;
}

int main(int argc, char **argv)
{
	return each_into(argc, argv, "mv SRC DST, or mv SRC... DIR", move);
}
