/* crash SERVER...: make each server take a real fault (a store through a
 * wild pointer), which the supervisor, init, notices and repairs by
 * starting the server again (docs/restart.md).
 *   crash                  list the servers init runs: pid, state, restarts
 *   crash -i N SERVER      from now on SERVER faults once in N requests, at
 *                          random (-i 0: never again)
 * Exits 1 if any request failed. */
#include "mica.h"
#include <mica/proto/super.h>

static const char *state_name(uint32_t state)
{
	return state == SERVER_UP ? "up" : state == SERVER_RESTARTING ? "restarting" :
	       state == SERVER_GIVEN_UP ? "given up" : "?";
}

static int list(void)
{
	struct super_info rows[SUPER_SERVERS];
	long n = super_list(rows, SUPER_SERVERS);
	if (n < 0) {
		dprintf(2, "crash: cannot reach the supervisor: error %ld\n", -n);
		return 1;
	}
	printf("%-8s %5s  %-10s %8s %6s %7s\n", "SERVER", "PID", "STATE", "RESTARTS", "DEATHS",
	       "INJECT");
	for (long i = 0; i < n; i++)
		printf("%-8s %5ld  %-10s %8u %6u %7u\n", rows[i].name, (long)rows[i].pid,
		       state_name(rows[i].state), rows[i].restarts, rows[i].deaths, rows[i].inject);
	return 0;
}

/* Say why a request about server `name` failed; false if it did. */
static bool report(const char *name, long r)
{
	if (r == -ENOENT)
		dprintf(2, "crash: %s: no such server\n", name);
	else if (r == -ESRCH)
		dprintf(2, "crash: %s: not running (restarting, or given up)\n", name);
	else if (r < 0)
		dprintf(2, "crash: %s: error %ld\n", name, -r);
	return r >= 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return list();
	if (strcmp(argv[1], "-i") == 0) {
		char *end;
		long n = argc == 4 ? strtol(argv[2], &end, 10) : -1;
		if (n < 0 || *end || n > UINT32_MAX) {
			dprintf(2, "usage: crash -i N SERVER   (fault once in N requests; 0: never)\n");
			return 2;
		}
		return report(argv[3], super_inject(argv[3], (uint32_t)n)) ? 0 : 1;
	}
	bool ok = true;
	for (int i = 1; i < argc; i++) {
		long pid = super_crash(argv[i]);
		if (report(argv[i], pid))
			printf("crash: %s (pid %ld) made to fault\n", argv[i], pid);
		else
			ok = false;
	}
	return ok ? 0 : 1;
}
