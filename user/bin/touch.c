/* touch FILE...: make each FILE that does not exist, empty; one that does
 * is left as it is (Mica's files keep no times to update). Exits 1 if some
 * FILE could not be made. */
#include "mica.h"

/* Make path if it does not exist: 0, or -E... */
static long touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT);   /* no O_TRUNC: keep what is there */
	if (fd == -EISDIR)
		return 0;   /* a directory exists too */
	return fd < 0 ? fd : close(fd);
}

int main(int argc, char **argv)
{
	return each_name(argc, argv, "touch FILE...", touch);
}
