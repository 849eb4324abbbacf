/* mkdir DIR...: make empty directories (each holding only "." and "..").
 * Exits 1 if some DIR could not be made. */
#include "mica.h"

int main(int argc, char **argv)
{
	return each_name(argc, argv, "mkdir DIR...", mkdir);
}
