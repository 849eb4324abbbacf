/* touch FILE...: make each FILE that does not exist, empty; one that does
 * is left as it is (Mica's files keep no times to update). Exits 1 if some
 * FILE could not be made. */
#include "mica.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		dprintf(2, "usage: touch FILE...\n");
		return 2;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CREAT);   /* no O_TRUNC: keep what is there */
		if (fd == -EISDIR)
			continue;   /* a directory exists too */
		if (fd < 0) {
			dprintf(2, "touch: %s: %s\n", argv[i], strerror(fd));
			status = 1;
			continue;
		}
		close(fd);
	}
	return status;
}
