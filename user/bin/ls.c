/*
 * ls [-ail] [PATH...]: list directories. A directory's entries come sorted
 * by name, without "." and ".." unless -a; a file lists itself. -l shows
 * each entry's type (d: directory, -: file, p: pipe), links, size in bytes
 * and name; -i puts its inode number in front. With no PATH: ".".
 * Exits 1 if some PATH could not be listed, 2 on a bad option.
 */
#include "mica.h"

static bool all, inodes, long_form;
static bool listed;   /* something was printed */

/* Print n bytes of s. To a file or a pipe the library's buffer for standard
 * output writes them in big pieces; an error writing them ends ls. */
static void put(const char *s, size_t n)
{
	write_out("ls", s, n, 1);
	listed = true;
}

static int fail(const char *path, long err)
{
	dprintf(2, "ls: %s: %s\n", path, strerror(err));
	return 1;
}

static char type_letter(uint16_t type)
{
	return type == FS_STAT_DIR ? 'd' : type == FS_STAT_PIPE ? 'p' : '-';
}

/* One line of the listing: name, with what -i and -l ask for from st. */
static void show(const char *name, const struct fs_stat *st)
{
	char line[FS_PATH_MAX + 64];
	int n = 0;
	if (inodes)
		n += snprintf(line + n, sizeof(line) - n, "%5u ", st->inum);
	if (long_form)
		n += snprintf(line + n, sizeof(line) - n, "%c %3u %8lu ", type_letter(st->type),
		              st->nlink, st->size);
	n += snprintf(line + n, sizeof(line) - n, "%s\n", name);
	put(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Sort by name. Insertion sort: simple, and quick enough for directories
 * of a few hundred entries. */
static void sort(struct fs_dirent *e, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct fs_dirent x = e[i];
		size_t j = i;
		for (; j > 0 && strcmp(e[j - 1].name, x.name) > 0; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

/* Keep the entries that we list: without "." and ".." unless -a. -> how many */
static size_t keep_listed(struct fs_dirent *e, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		bool dots = strcmp(e[i].name, ".") == 0 || strcmp(e[i].name, "..") == 0;
		if (all || !dots)
			e[kept++] = e[i];
	}
	return kept;
}

/* List directory path. Returns 0, or 1 if something could not be listed. */
static int list_dir(const char *path)
{
	struct fs_dirent *e = NULL;
	long n = dir_entries(path, &e);
	if (n < 0)
		return fail(path, n);
	n = (long)keep_listed(e, (size_t)n);
	sort(e, (size_t)n);
	int status = 0;
	for (long i = 0; i < n; i++) {
		struct fs_stat st = { .inum = e[i].inum };
		if (long_form) {   /* only -l needs more than the entry says */
			char full[FS_PATH_MAX];
			long err = path_join(full, path, e[i].name) ? stat(full, &st) : -ENAMETOOLONG;
			if (err < 0) {
				status = fail(full, err);
				continue;
			}
		}
		show(e[i].name, &st);
	}
	free(e);
	return status;
}

/* List path if it is not a directory (a file lists itself), or else if it
 * is, with a heading (several are listed). Returns 0, or 1 after saying
 * why path could not be listed. */
static int list(const char *path, bool dirs, bool heading)
{
	struct fs_stat st;
	long err = stat(path, &st);
	if (err < 0)
		return dirs ? 0 : fail(path, err);   /* said in the first pass */
	if ((st.type == FS_STAT_DIR) != dirs)
		return 0;
	if (!dirs) {
		show(path, &st);
		return 0;
	}
	if (heading) {
		char line[FS_PATH_MAX + 4];
		int n = snprintf(line, sizeof(line), "%s%s:\n", listed ? "\n" : "", path);
		put(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	return list_dir(path);
}

int main(int argc, char **argv)
{
	static bool opt[128];
	int i = options(argc, argv, "ail", opt);
	bool ok = i > 0;
	all = opt['a'];
	inodes = opt['i'];
	long_form = opt['l'];
	if (!ok) {
		dprintf(2, "usage: ls [-ail] [PATH...]\n");
		return 2;
	}
	int status = 0, paths = argc - i;
	if (paths == 0)
		status = list(".", true, false);
	for (int k = i; k < argc; k++)   /* as in Unix: the files first, */
		status |= list(argv[k], false, false);
	for (int k = i; k < argc; k++)   /* then each directory's entries */
		status |= list(argv[k], true, paths > 1);
	return status;
}
