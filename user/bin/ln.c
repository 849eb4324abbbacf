/*
 * ln OLD NEW, ln OLD... DIR: make hard links: NEW becomes a second name of
 * OLD's file (the file's link count goes up; it lives until its last name
 * is removed). If the last argument is a directory each link is made in
 * it, under OLD's last name. NEW must not exist yet, and OLD must not be a
 * directory. Exits 1 if some link could not be made.
 */
#include "mica.h"

static int fail(const char *path, long err)
{
	dprintf(2, "ln: %s: %s\n", path, strerror(err));
	return 1;
}

/* Link new to old's file. Returns 0, or 1 after saying what failed. */
static int make_link(const char *old, const char *new)
{
	struct fs_stat st;
	long err = stat(old, &st);   /* so that an error names the path at fault */
	if (err == 0 && st.type == FS_STAT_DIR)
		err = -EISDIR;           /* a second name would make the tree a graph */
	if (err < 0)
		return fail(old, err);
	err = link(old, new);
	return err < 0 ? fail(new, err) : 0;
}

int main(int argc, char **argv)
{
	return each_into(argc, argv, "ln OLD NEW, or ln OLD... DIR", make_link);
}
