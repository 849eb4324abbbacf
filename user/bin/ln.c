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
	if (argc < 3) {
		dprintf(2, "usage: ln OLD NEW, or ln OLD... DIR\n");
		return 2;
	}
	const char *dst = argv[argc - 1];
	struct fs_stat st;
	bool into_dir = stat(dst, &st) == 0 && st.type == FS_STAT_DIR;
	if (argc > 3 && !into_dir)
		return fail(dst, -ENOTDIR);
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[FS_PATH_MAX], name[FS_NAME_MAX + 1];
		if (!into_dir)
			status |= make_link(argv[i], dst);
		else if (!path_join(path, dst, path_last(argv[i], name)))
			status |= fail(argv[i], -ENAMETOOLONG);
		else
			status |= make_link(argv[i], path);
	}
	return status;
}
