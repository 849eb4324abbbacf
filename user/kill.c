/* kill PID...: end each process named (the memory server lets a program
 * end any ordinary program, not a server). Exits 1 if any could not be ended. */
#include "mica.h"

/* End process `arg` names; false (after saying why) if it could not be. */
static bool kill_one(const char *arg)
{
	char *end;
	long pid = strtol(arg, &end, 10);
	if (end == arg || *end || pid <= 0) {
		dprintf(2, "kill: %s: not a process ID\n", arg);
		return false;
	}
	long err = kill(pid);
	if (err == -ESRCH)
		dprintf(2, "kill: %s: no such process\n", arg);
	else if (err == -EPERM)
		dprintf(2, "kill: %s: not permitted\n", arg);
	else if (err < 0)
		dprintf(2, "kill: %s: error %ld\n", arg, -err);
	return err >= 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		dprintf(2, "usage: kill PID...\n");
		return 2;
	}
	bool ok = true;
	for (int i = 1; i < argc; i++)
		ok &= kill_one(argv[i]);
	return ok ? 0 : 1;
}
