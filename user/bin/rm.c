/*
 * rm [-rf] FILE...: remove names. A file's data goes when its last name
 * does (and nobody has it open). A directory is refused unless -r: then
 * everything in it goes first, depth first, and then the directory. -f:
 * say nothing about names that do not exist. Exits 1 if something could
 * not be removed.
 */
#include "mica.h"

static bool recursive, force;

static int fail(const char *path, long err)
{
	if (force && err == -ENOENT)
		return 0;
	dprintf(2, "rm: %s: %s\n", path, strerror(err));
	return 1;
}

/* Would removing path remove the root, the working directory ("."), or a
 * directory above it ("..")? */
static bool refused(const char *path)
{
	size_t end = strlen(path);
	while (end > 0 && path[end - 1] == '/')
		end--;
	if (end == 0)
		return true;   /* "/" */
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t n = end - start;
	return (n == 1 || n == 2) && strncmp(path + start, "..", n) == 0;
}

static int remove(const char *path);

/* Remove directory path and all it holds. Its names are read first, all
 * of them: the directory must not change while it is being read. */
static int remove_tree(const char *path)
{
	struct fs_dirent *names = NULL;
	long n = dir_entries(path, &names);
	if (n < 0)
		return fail(path, n);
	int status = 0;
	for (long i = 0; i < n; i++) {
		char inner[FS_PATH_MAX];
		if (strcmp(names[i].name, ".") == 0 || strcmp(names[i].name, "..") == 0)
			continue;
		if (!path_join(inner, path, names[i].name))
			status |= fail(path, -ENAMETOOLONG);
		else
			status |= remove(inner);
	}
	free(names);
	long err = rmdir(path);
	return err < 0 ? fail(path, err) : status;
}

/* Remove path: a file, or with -r a directory too. 0, or 1 after saying why not. */
static int remove(const char *path)
{
	long err = unlink(path);
	if (err == -EISDIR && recursive)
		return remove_tree(path);
	return err < 0 ? fail(path, err) : 0;
}

int main(int argc, char **argv)
{
	static bool opt[128];
	int i = options(argc, argv, "rf", opt);
	bool ok = i > 0;
	recursive = opt['r'];
	force = opt['f'];
	if (!ok || (i == argc && !force)) {
		dprintf(2, "usage: rm [-rf] FILE...\n");
		return 2;
	}
	int status = 0;
	for (; i < argc; i++) {
		if (refused(argv[i])) {
			dprintf(2, "rm: %s: refusing to remove the root, \".\" or \"..\"\n", argv[i]);
			status = 1;
		} else {
			status |= remove(argv[i]);
		}
	}
	return status;
}
