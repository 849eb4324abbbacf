/* false: do nothing, unsuccessfully. */
#include "mica.h"

int main(void)
{
	return 1;
}
