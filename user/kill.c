/* kill PID...: end each process named (the memory server lets a program
 * end any ordinary program, not a server). A name instead of a PID names a
 * server: the supervisor ends it, and starts it again (docs/restart.md).
 * Exits 1 if any could not be ended. */
#include "mica.h"

/* End server `name` through the supervisor. */
static bool kill_server(const char *name)
{
	long pid = super_kill(name);
	if (pid == -ENOENT)
		dprintf(2, "kill: %s: no such process or server\n", name);
	else if (pid == -ESRCH)
		dprintf(2, "kill: %s: not running (restarting, or given up)\n", name);
	else if (pid < 0)
		dprintf(2, "kill: %s: error %ld\n", name, -pid);
	else
		printf("kill: %s (pid %ld) ended\n", name, pid);
	return pid >= 0;
}

/* End process `arg` names; false (after saying why) if it could not be. */
static bool kill_one(const char *arg)
{
	char *end;
	long pid = strtol(arg, &end, 10);
	if (end == arg && *arg >= 'a' && *arg <= 'z')
		return kill_server(arg);
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
		dprintf(2, "usage: kill PID... or kill SERVER...\n");
		return 2;
	}
	bool ok = true;
	for (int i = 1; i < argc; i++)
		ok &= kill_one(argv[i]);
	return ok ? 0 : 1;
}
