/* mkdir DIR...: make empty directories (each holding only "." and "..").
 * Exits 1 if some DIR could not be made. */
#include "mica.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		dprintf(2, "usage: mkdir DIR...\n");
		return 2;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		long err = mkdir(argv[i]);
		if (err < 0) {
			dprintf(2, "mkdir: %s: %s\n", argv[i], strerror(err));
			status = 1;
		}
	}
	return status;
}
