/*
 * init: the first program, spawned by the memory server with the words of
 * the kernel command line as its arguments. It starts the console server,
 * the block driver and the file system server, then runs the shell and starts it again whenever
 * it ends, reporting any server that dies. It also adopts orphans, and
 * reaps them.
 *
 * Words of the command line that change what it does (the graders use them):
 *   noconsole       start no console server: output goes to the kernel console
 *   nofs            start no file system server (the block driver still starts)
 *   blk.WORD        give the block driver the argument WORD (blk.stop=40 ->
 *                   stop=40): its crash-test hooks, servers/blk/main.c
 *   run=PROG ARGS   run PROG with the words after it instead of the shell,
 *                   then end (and with init, the system) when PROG ends
 */
#include "mica.h"
#include <mica/proto/console.h>
#include <mica/proto/blk.h>

#define SERVER_START_MS 3000   /* how long a server may take to register */

static long console_pid, blk_pid, fs_pid;

/* Explain how a process ended, e.g. "exited with status 1". */
static const char *ending(int status, char *buf, size_t n)
{
	static const char *how[] = { [EXIT_KILLED] = "was killed", [EXIT_FAULT] = "crashed",
	                             [EXIT_NOMEM] = "ran out of memory" };
	if (WHOW(status) == EXIT_NORMAL)
		snprintf(buf, n, "exited with status %d", WCODE(status));
	else
		snprintf(buf, n, "%s", WHOW(status) < 4 ? how[WHOW(status)] : "ended");
	return buf;
}

/* Spawn server program argv[0] with its arguments and rights `flags`, and
 * wait until it has registered as `name`. Returns its pid, or -E... after
 * saying what went wrong. */
static long start_server(const char *name, char **argv, int flags)
{
	long pid = spawn_flags(argv, flags);
	if (pid < 0) {
		printf("init: %s server failed to start: error %ld\n", name, pid);
		return pid;
	}
	long id = server_await(name, pid, SERVER_START_MS);
	if (id == pid) {
		printf("init: %s server ready (pid %ld)\n", name, pid);
		return pid;
	}
	int status;
	char why[40];
	if (id == -EDEAD && waitpid(pid, &status, 0) == pid)
		printf("init: %s server failed to start: it %s\n", name, ending(status, why, sizeof(why)));
	else if (id == -ETIMEDOUT)
		printf("init: %s server failed to start: not ready after %d ms\n", name, SERVER_START_MS);
	else
		printf("init: %s server failed to start: error %ld\n", name, id);
	kill(pid);
	return id < 0 ? id : -EEXIST;
}

/* run=PROG ARGS: run one program and end with its status. */
static int run_one(char **argv)
{
	long pid = spawn(argv);
	if (pid < 0) {
		printf("init: cannot run %s: error %ld\n", argv[0], pid);
		return 1;
	}
	int status;
	long r;
	while ((r = wait(&status)) != pid)   /* reaping the orphans meanwhile */
		if (r < 0) {
			printf("init: cannot wait for %s: error %ld\n", argv[0], r);
			return 1;
		}
	char why[40];
	printf("init: %s %s\n", argv[0], ending(status, why, sizeof(why)));
	return status == 0 ? 0 : 1;
}

/* Run the shell, again each time it ends; report a server's death. */
static noreturn void run_shell(void)
{
	char *argv[] = { "sh", NULL };
	uint64_t last_start = 0;
	int quick_deaths = 0;
	for (;;) {
		long shell = spawn(argv);
		if (shell < 0) {
			printf("init: cannot start the shell: error %ld\n", shell);
			exit(1);
		}
		last_start = time_ns();
		long pid;
		int status;
		while ((pid = wait(&status)) != shell) {
			char why[40];
			if (pid == console_pid)
				printf("init: console server %s\n", ending(status, why, sizeof(why)));
			else if (pid == blk_pid)
				printf("init: blk server %s\n", ending(status, why, sizeof(why)));
			else if (pid == fs_pid)
				printf("init: fs server %s\n", ending(status, why, sizeof(why)));
			else if (pid < 0)
				sleep_ms(100);
		}
		if (time_ns() - last_start >= 1000000000UL)
			quick_deaths = 0;   /* it lived: only deaths in a row count */
		else if (++quick_deaths >= 5) {
			printf("init: the shell keeps failing; giving up\n");
			exit(1);
		}
		if (status != 0) {
			char why[40];
			printf("init: the shell %s; starting it again\n", ending(status, why, sizeof(why)));
		}
	}
}

int main(int argc, char **argv)
{
	bool console = true, nofs = false;
	int run = 0;
	char *blk_argv[MEM_ARGC_MAX + 1] = { "blk" };
	int blk_argc = 1;
	for (int i = 1; i < argc && !run; i++) {
		if (strcmp(argv[i], "noconsole") == 0)
			console = false;
		else if (strcmp(argv[i], "nofs") == 0)
			nofs = true;
		else if (strncmp(argv[i], "blk.", 4) == 0 && blk_argc < MEM_ARGC_MAX)
			blk_argv[blk_argc++] = argv[i] + 4;
		else if (strncmp(argv[i], "run=", 4) == 0)
			run = i;
	}
	if (console) {
		char *cons_argv[] = { "console", NULL };
		console_pid = start_server(CONS_NAME, cons_argv, SPAWN_SERVER | SPAWN_DEV_UART);
		if (console_pid < 0 && !run)
			return 1;
	}
	/* Without it the system still runs, with no files: start_server says why. */
	blk_pid = start_server(BLK_NAME, blk_argv, SPAWN_SERVER | SPAWN_DEV_VIRTIO);
	if (blk_pid > 0 && !nofs) {
		char *fs_argv[] = { "fs", NULL };
		fs_pid = start_server(FS_NAME, fs_argv, SPAWN_SERVER);
	}
	if (run) {
		argv[run] += 4;   /* the program's name, after "run=" */
		return run_one(&argv[run]);
	}
	run_shell();
}
