/* What the file utilities share: options, path names built from parts,
 * the mains of the utilities that do one thing per argument, reading a
 * whole directory, and writing to standard output. */
#include "mica.h"

int options(int argc, char **argv, const char *known, bool seen[128])
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
		for (const char *o = argv[i] + 1; *o; o++) {
			if ((unsigned char)*o >= 128 || !strchr(known, *o)) {
				dprintf(2, "%s: unknown option -%c\n", argv[0], *o);
				return -1;
			}
			seen[(unsigned char)*o] = true;
		}
	return i;
}

const char *path_last(const char *path, char buf[FS_NAME_MAX + 1])
{
	size_t end = strlen(path);
	while (end > 1 && path[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t n = end - start < FS_NAME_MAX ? end - start : FS_NAME_MAX;
	memcpy(buf, path + start, n);
	buf[n] = 0;
	return buf;
}

bool path_join(char buf[FS_PATH_MAX], const char *dir, const char *name)
{
	size_t d = strlen(dir);
	const char *slash = d > 0 && dir[d - 1] == '/' ? "" : "/";
	return snprintf(buf, FS_PATH_MAX, "%s%s%s", dir, slash, name) < FS_PATH_MAX;
}

int each_into(int argc, char **argv, const char *usage,
              int (*op)(const char *src, const char *dst))
{
	if (argc < 3) {
		dprintf(2, "usage: %s\n", usage);
		return 2;
	}
	const char *dst = argv[argc - 1];
	struct fs_stat st;
	bool into_dir = stat(dst, &st) == 0 && st.type == FS_STAT_DIR;
	if (argc > 3 && !into_dir) {
		dprintf(2, "%s: %s: %s\n", argv[0], dst, strerror(-ENOTDIR));
		return 1;
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[FS_PATH_MAX], name[FS_NAME_MAX + 1];
		if (!into_dir) {
			status |= op(argv[i], dst);
		} else if (!path_join(path, dst, path_last(argv[i], name))) {
			dprintf(2, "%s: %s: %s\n", argv[0], argv[i], strerror(-ENAMETOOLONG));
			status = 1;
		} else {
			status |= op(argv[i], path);
		}
	}
	return status;
}

int each_name(int argc, char **argv, const char *usage, long (*op)(const char *name))
{
	if (argc < 2) {
		dprintf(2, "usage: %s\n", usage);
		return 2;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		long err = op(argv[i]);
		if (err < 0) {
			dprintf(2, "%s: %s: %s\n", argv[0], argv[i], strerror(err));
			status = 1;
		}
	}
	return status;
}

long dir_entries(const char *path, struct fs_dirent **entries)
{
	static struct fs_dirent chunk[FS_IO_MAX / sizeof(struct fs_dirent)];
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	struct fs_dirent *e = NULL;
	size_t n = 0;
	long k;
	while ((k = readdir(fd, chunk, sizeof(chunk) / sizeof(chunk[0]))) > 0) {
		struct fs_dirent *bigger = realloc(e, (n + (size_t)k) * sizeof(*e));
		if (!bigger) {
			k = -ENOMEM;
			break;
		}
		e = bigger;
		memcpy(e + n, chunk, (size_t)k * sizeof(*e));
		n += (size_t)k;
	}
	close(fd);
	if (k < 0) {
		free(e);
		return k;
	}
	*entries = e;
	return (long)n;
}

void write_out(const char *prog, const void *buf, size_t n, int status)
{
	long err = write(1, buf, n);
	if (err < 0) {
		dprintf(2, "%s: standard output: %s\n", prog, strerror(err));
		exit(status);
	}
}
