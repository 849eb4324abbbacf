/* What the file utilities share: options, and path names built from parts. */
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
