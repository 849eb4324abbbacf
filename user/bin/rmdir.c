/* rmdir DIR...: remove empty directories (rm -r removes full ones).
 * Exits 1 if some DIR could not be removed. */
#include "mica.h"

int main(int argc, char **argv)
{
	return each_name(argc, argv, "rmdir DIR...", rmdir);
}
