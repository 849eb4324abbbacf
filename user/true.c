/* true: do nothing, successfully. */
#include "mica.h"

int main(void)
{
	return 0;
}
