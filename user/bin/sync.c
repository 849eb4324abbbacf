/* sync: write to the disk now all that the file system server holds in
 * memory (it does so by itself too, within a few seconds: docs/fs.md).
 * Exits 1 if it could not. */
#include "mica.h"

int main(void)
{
	long err = sync();
	if (err < 0) {
		dprintf(2, "sync: %s\n", strerror(err));
		return 1;
	}
	return 0;
}
