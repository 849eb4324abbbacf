/* Program start-up: from _start (crt0.S) to main and exit. */
#include "mica.h"
#include "fd.h"

const struct mem_startinfo *startinfo;

int main(long a0, char **a1);

/* A program the memory server spawned gets a0 = STARTINFO_VA, where its
 * start-up block lies: main(argc, argv). Anything else (a root task's boot
 * info, or the word a test passed to a task it made by hand) goes to main
 * unchanged. */
noreturn void start_c(uint64_t a0)
{
	const struct mem_startinfo *si = (const struct mem_startinfo *)a0;
	if (a0 == STARTINFO_VA && si->magic == STARTINFO_MAGIC) {
		startinfo = si;
		files_init();
		exit(main((long)si->argc, si->argv));
	}
	exit(main((long)a0, NULL));
}
