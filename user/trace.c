/* trace: the kernel's IPC trace (docs/debugging.md).
 *   trace CMD [ARG...]   record every message while CMD runs, then print them
 *   trace on | off | clear | dump | waits | status
 * The events are printed by the kernel, in the format of include/mica/trace.h,
 * for grade/mtrace.py to turn into a timeline, a sequence diagram and a listing
 * (make trace CMD=... does it all). */
#include "mica.h"

static const char *const ops[] = { "off", "on", "clear", "dump", "waits", "status" };

/* Run argv under the trace: clear, record, run it to its end, stop, dump. */
static int trace_command(char **argv)
{
	flush();
	long err = trace_ctl(TRACE_CLEAR);
	if (err >= 0)
		err = trace_ctl(TRACE_ON);
	if (err < 0) {
		dprintf(2, "trace: cannot start the trace: %s\n", strerror((int)-err));
		return 1;
	}
	long pid = spawn(argv);
	int status = 0;
	if (pid >= 0) {
		console_set_fg(pid);
		pid = waitpid(pid, &status, 0);
		console_set_fg(getpid());
	}
	trace_ctl(TRACE_OFF);
	if (pid < 0) {
		dprintf(2, "trace: %s: %s\n", argv[0], strerror((int)-pid));
		return 1;
	}
	flush();
	sleep_ms(100);   /* let the console send what the command wrote before the kernel prints */
	trace_ctl(TRACE_DUMP);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		dprintf(2, "usage: trace CMD [ARG...] | trace on|off|clear|dump|waits|status\n");
		return 2;
	}
	for (int op = 0; op < (int)(sizeof(ops) / sizeof(ops[0])); op++) {
		if (argc == 2 && strcmp(argv[1], ops[op]) == 0) {
			flush();
			long r = trace_ctl(op);
			if (r < 0) {
				dprintf(2, "trace %s: %s\n", argv[1], strerror((int)-r));
				return 1;
			}
			if (op == TRACE_STATUS)
				printf("trace is %s\n", r ? "on" : "off");
			return 0;
		}
	}
	return trace_command(argv + 1);
}
