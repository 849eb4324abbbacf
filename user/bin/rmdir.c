/* rmdir DIR...: remove empty directories (rm -r removes full ones).
 * Exits 1 if some DIR could not be removed. */
#include "mica.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		dprintf(2, "usage: rmdir DIR...\n");
		return 2;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		long err = rmdir(argv[i]);
		if (err < 0) {
			dprintf(2, "rmdir: %s: %s\n", argv[i], strerror(err));
			status = 1;
		}
	}
	return status;
}
