/* ps: the processes the memory server keeps, with the memory each holds,
 * then how many frames are free. */
#include "mica.h"

static const char *state_name(uint32_t state)
{
	return state == PROC_RUNNING ? "run" : state == PROC_ZOMBIE ? "zombie" : "?";
}

int main(void)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	long n = ps(rows, MEM_PS_MAX);
	struct mem_stats st;
	long err = n < 0 ? n : mem_stats(&st);
	if (err < 0) {
		dprintf(2, "ps: the memory server says error %ld\n", -err);
		return 1;
	}
	printf("  PID  PPID STATE   MEM(KiB) NAME\n");
	uint64_t held = 0;
	for (long i = 0; i < n; i++) {
		const struct mem_procinfo *r = &rows[i];
		printf("%5ld %5ld %-7s %8lu %s\n", r->pid, r->ppid, state_name(r->state),
		       r->frames * 4, r->name);
		held += r->frames;
	}
	printf("%ld processes hold %lu frames; free frames %lu of %lu\n", n, held,
	       st.free_frames, st.total_frames);
	return 0;
}
