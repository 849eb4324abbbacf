/*
 * init: the first program, and the supervisor of the servers.
 *
 * The memory server spawns it with the words of the kernel command line as
 * its arguments. It starts the console server, the block driver and the
 * file system server, then the shell (or the program run= names), and then
 * serves: it answers the supervisor's protocol (include/mica/proto/super.h)
 * and, whenever a process ends (the memory server's MEM_WATCH
 * notification), it reaps it. A server that ended is started again from its
 * program with the same arguments and rights; one that dies SUPER_BURST
 * times within SUPER_BURST_MS is given up on. The shell is started again
 * whenever it ends. docs/restart.md explains why the supervisor is init.
 *
 * init writes its messages to the kernel's console (debug_printf), never
 * through the console server: the supervisor must not wait for a server
 * it supervises, and it must be able to say that the console died.
 *
 * Words of the command line that change what it does (the graders use them):
 *   noconsole       start no console server: output goes to the kernel console
 *   nofs            start no file system server (the block driver still starts)
 *   blk.WORD        give the block driver the argument WORD (blk.stop=40 ->
 *                   stop=40): its crash-test hooks, servers/blk/main.c
 *   inject=NAME:N   make server NAME fault once in N requests (SUPER_INJECT)
 *   run=PROG ARGS   run PROG with the words after it instead of the shell,
 *                   then end (and with init, the system) when PROG ends
 */
#include "mica.h"
#include <mica/proto/console.h>
#include <mica/proto/blk.h>
#include <mica/proto/fs.h>
#include <mica/proto/super.h>

#define DEATH_BIT 0   /* our notification bit: "a process ended" (MEM_WATCH) */

/* A server init runs. */
struct server {
	const char *name;            /* its name at the memory server, and its program */
	int flags;                   /* the rights it is spawned with (SPAWN_*) */
	char *argv[MEM_ARGC_MAX + 2];   /* its arguments, room for "state=..." at the end */
	int argc;
	char state[6 + SUPER_STATE_MAX];   /* "state=TEXT": what it last saved */
	long pid;                    /* 0 while it is not running */
	uint32_t status;             /* SERVER_* */
	uint32_t restarts, deaths, inject;
	bool asked;                  /* its death was asked for (SUPER_KILL, SUPER_CRASH) */
	uint64_t recent[SUPER_BURST];   /* when its last deaths not asked for came (ns) */
};

static struct server servers[SUPER_SERVERS];
static int nservers;

/* Callers of SUPER_WAIT, answered when their server is back or given up. */
static struct waiter {
	uint64_t sender;             /* 0: a free slot */
	struct server *s;
	uint32_t restarts;
} waiters[SUPER_WAITERS_MAX];

static long fg;                  /* the shell, or run='s program */
static char **run_argv;          /* run='s program and arguments; NULL: the shell */
static uint64_t shell_started;
static int shell_quick_deaths;

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

static struct server *server_named(const char *name)
{
	for (int i = 0; i < nservers; i++)
		if (strcmp(servers[i].name, name) == 0)
			return &servers[i];
	return NULL;
}

static struct server *server_of(long pid)
{
	for (int i = 0; i < nservers; i++)
		if (pid > 0 && servers[i].pid == pid)
			return &servers[i];
	return NULL;
}

/* Ask server s to do SRV_* label with argument w0; at most a second. */
static long srv_request(struct server *s, uint64_t label, uint64_t w0)
{
	struct msg m = { label, { w0 } };
	long r = ipc_call(s->pid, &m, 1000);
	return r < 0 ? r : (long)m.label;
}

/* Spawn s and wait until it has registered its name. Returns its pid, or
 * -E... after saying what went wrong. */
static long start(struct server *s)
{
	int argc = s->argc;
	s->argv[argc] = s->state[6] ? s->state : NULL;   /* its saved state, if any */
	s->argv[argc + 1] = NULL;
	long pid = spawn_flags(s->argv, s->flags);
	if (pid < 0) {
		debug_printf("init: %s server failed to start: error %ld\n", s->name, pid);
		return pid;
	}
	long id = server_await(s->name, pid, SUPER_START_MS);
	if (id == pid)
		return pid;
	int status;
	char why[40];
	if (id == -EDEAD && waitpid(pid, &status, 0) == pid)
		debug_printf("init: %s server failed to start: it %s\n", s->name,
		             ending(status, why, sizeof(why)));
	else if (id == -ETIMEDOUT)
		debug_printf("init: %s server failed to start: not ready after %d ms\n", s->name,
		             SUPER_START_MS);
	else
		debug_printf("init: %s server failed to start: error %ld\n", s->name, id);
	kill(pid);
	waitpid(pid, &status, 0);
	return id < 0 ? id : -EEXIST;
}

/* Answer the SUPER_WAIT callers whose wait for s is over. */
static void wake_waiters(struct server *s)
{
	for (int i = 0; i < SUPER_WAITERS_MAX; i++) {
		struct waiter *w = &waiters[i];
		if (!w->sender || w->s != s)
			continue;
		if (s->status == SERVER_GIVEN_UP)
			reply_later(w->sender, -EDEAD, NULL, 0);
		else if (s->status == SERVER_UP && s->restarts >= w->restarts)
			reply_later(w->sender, s->pid, NULL, 0);
		else
			continue;
		w->sender = 0;
	}
}

/* Add a server to the table and start it for the first time. */
static long supervise(const char *name, char **argv, int flags)
{
	struct server *s = &servers[nservers++];
	s->name = name;
	s->flags = flags;
	for (s->argc = 0; argv[s->argc] && s->argc < MEM_ARGC_MAX; s->argc++)
		s->argv[s->argc] = argv[s->argc];
	s->pid = start(s);
	if (s->pid < 0) {
		s->status = SERVER_GIVEN_UP;
		s->pid = 0;
		return -ENODEV;
	}
	s->status = SERVER_UP;
	debug_printf("init: %s server ready (pid %ld)\n", name, s->pid);
	return s->pid;
}

/* LAB shell BEGIN */
/* Record a death not asked for; true if s has now died SUPER_BURST times
 * within SUPER_BURST_MS, and should be given up on. */
static bool too_many_deaths(struct server *s)
{
	uint64_t now = time_ns();
	memmove(&s->recent[1], &s->recent[0], sizeof(s->recent) - sizeof(s->recent[0]));
	s->recent[0] = now;
	uint64_t oldest = s->recent[SUPER_BURST - 1];
	return oldest != 0 && now - oldest < SUPER_BURST_MS * 1000000UL;
}

/* Server s ended: start it again from its program, with the same arguments
 * and rights and the state it saved, until it serves or it has died too
 * often. Then tell whoever waits for it. */
static void restart(struct server *s, int status)
{
	char why[40];
	s->pid = 0;
	s->deaths++;
	bool asked = s->asked;
	s->asked = false;
	debug_printf("init: %s server %s\n", s->name, ending(status, why, sizeof(why)));
	s->status = SERVER_RESTARTING;
	for (;;) {
		if (!asked && too_many_deaths(s)) {
			debug_printf("init: %s server died %d times within %d s: giving up on it\n",
			             s->name, SUPER_BURST, SUPER_BURST_MS / 1000);
			s->status = SERVER_GIVEN_UP;
			break;
		}
		asked = false;
		long pid = start(s);
		if (pid > 0) {
			s->pid = pid;
			s->restarts++;
			s->status = SERVER_UP;
			debug_printf("init: %s server restarted (pid %ld, restart %u)\n", s->name,
			             pid, s->restarts);
			if (s->inject)
				srv_request(s, SRV_INJECT, s->inject);
			break;
		}
	}
	wake_waiters(s);
}
/* LAB shell ELSE
static void restart(struct server *s, int status)
{
	char why[40];
	s->pid = 0;
	s->deaths++;
	s->status = SERVER_GIVEN_UP;
	debug_printf("init: %s server %s\n", s->name, ending(status, why, sizeof(why)));
	debug_printf("init: restarting a server is not written yet (lab shell)\n");
	wake_waiters(s);
}
   LAB shell END */

/* Start the shell (again). */
static void start_shell(void)
{
	char *argv[] = { "sh", NULL };
	fg = spawn(argv);
	shell_started = time_ns();
	if (fg < 0) {
		debug_printf("init: cannot start the shell: error %ld\n", fg);
		exit(1);
	}
}

/* The shell, or run='s program, ended. */
static void foreground_ended(int status)
{
	char why[40];
	if (run_argv) {
		debug_printf("init: %s %s\n", run_argv[0], ending(status, why, sizeof(why)));
		exit(status == 0 ? 0 : 1);
	}
	if (time_ns() - shell_started >= 1000000000UL)
		shell_quick_deaths = 0;   /* it lived: only deaths in a row count */
	else if (++shell_quick_deaths >= 5) {
		debug_printf("init: the shell keeps failing; giving up\n");
		exit(1);
	}
	if (status != 0)
		debug_printf("init: the shell %s; starting it again\n",
		             ending(status, why, sizeof(why)));
	start_shell();
}

/* Reap every process that has ended: servers are started again, the shell
 * too; orphans (init adopts them) are just reaped. */
static void reap(void)
{
	int status;
	long pid;
	while ((pid = waitpid(0, &status, WAIT_NOHANG)) > 0) {
		struct server *s = server_of(pid);
		if (pid == fg)
			foreground_ended(status);
		else if (s)
			restart(s, status);
	}
}

/* ---- the supervisor's protocol ---- */

/* The server a request's bulk names, or NULL. */
static struct server *named(struct req *r)
{
	char name[16];
	if (r->len == 0 || r->len > sizeof(name) || ((const char *)r->data)[r->len - 1])
		return NULL;
	memcpy(name, r->data, r->len);
	return server_named(name);
}

static long do_list(struct req *r)
{
	static struct super_info rows[SUPER_SERVERS];
	for (int i = 0; i < nservers; i++) {
		struct server *s = &servers[i];
		rows[i] = (struct super_info){ .pid = s->pid, .state = s->status,
		                               .restarts = s->restarts, .deaths = s->deaths,
		                               .inject = s->inject };
		snprintf(rows[i].name, sizeof(rows[i].name), "%s", s->name);
	}
	r->reply_data = rows;
	r->reply_len = (size_t)nservers * sizeof(rows[0]);
	return nservers;
}

/* SUPER_KILL and SUPER_CRASH. */
static long do_end(struct req *r)
{
	struct server *s = named(r);
	if (!s)
		return -ENOENT;
	if (s->status != SERVER_UP)
		return -ESRCH;
	long pid = s->pid;
	s->asked = true;
	long err = r->m->label == SUPER_KILL ? kill(pid) : srv_request(s, SRV_CRASH, 0);
	if (err < 0 && err != -EDEAD) {
		s->asked = false;
		return err;
	}
	return pid;
}

/* Make s fault once in n requests from now on (0: never), this instance
 * and the next ones (restart sends it again). */
static long set_inject(struct server *s, uint32_t n)
{
	s->inject = n;
	return s->status == SERVER_UP ? srv_request(s, SRV_INJECT, n) : 0;
}

static long do_inject(struct req *r)
{
	struct server *s = named(r);
	if (!s)
		return -ENOENT;
	if (r->m->w[0] > UINT32_MAX)
		return -EINVAL;
	return set_inject(s, (uint32_t)r->m->w[0]);
}

static long do_wait(struct req *r)
{
	struct server *s = named(r);
	if (!s)
		return -ENOENT;
	if (r->m->w[0] > UINT32_MAX)
		return -EINVAL;
	if (s->status == SERVER_GIVEN_UP)
		return -EDEAD;
	if (s->status == SERVER_UP && s->restarts >= r->m->w[0])
		return s->pid;
	/* Free the slots of waits that are over: the waiter died, or it is
	 * this thread's own earlier wait (a thread makes one call at a time:
	 * that one timed out). */
	for (int i = 0; i < SUPER_WAITERS_MAX; i++) {
		uint64_t w = waiters[i].sender;
		if (w && (SENDER_TID(w) == SENDER_TID(r->sender) || !task_alive(TID_TASK(w))))
			waiters[i].sender = 0;
	}
	for (int i = 0; i < SUPER_WAITERS_MAX; i++)
		if (!waiters[i].sender) {
			waiters[i] = (struct waiter){ r->sender, s, (uint32_t)r->m->w[0] };
			return REPLY_LATER;
		}
	return -EBUSY;
}

static long do_save(struct req *r)
{
	struct server *s = server_of(TID_TASK(r->sender));
	if (!s)
		return -EPERM;
	const char *text = r->data;
	if (r->len == 0 || r->len > SUPER_STATE_MAX || text[r->len - 1] || strchr(text, ' '))
		return -EINVAL;
	snprintf(s->state, sizeof(s->state), "state=%s", text);
	return 0;
}

typedef long (*super_handler)(struct req *r);

static const super_handler handlers[SUPER_LAST - SUPER_FIRST + 1] = {
	[SUPER_LIST - SUPER_FIRST] = do_list,
	[SUPER_KILL - SUPER_FIRST] = do_end,
	[SUPER_CRASH - SUPER_FIRST] = do_end,
	[SUPER_INJECT - SUPER_FIRST] = do_inject,
	[SUPER_WAIT - SUPER_FIRST] = do_wait,
	[SUPER_SAVE - SUPER_FIRST] = do_save,
};

static long dispatch(struct req *r)
{
	uint64_t label = r->m->label;
	if (r->sender == 0) {
		if (label == LABEL_NOTIFY && (r->m->w[0] & (1UL << DEATH_BIT)))
			reap();
		return REPLY_LATER;
	}
	if (label < SUPER_FIRST || label > SUPER_LAST)
		return -ENOSYS;
	return handlers[label - SUPER_FIRST](r);
}

/* inject=NAME:N of the command line. */
static void inject_arg(const char *arg)
{
	char name[16];
	const char *colon = strchr(arg, ':');
	if (!colon || colon - arg >= (long)sizeof(name))
		return;
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = '\0';
	struct server *s = server_named(name);
	long n = atol(colon + 1);
	if (!s || n <= 0) {
		debug_printf("init: inject=%s: no such server, or not a count\n", arg);
		return;
	}
	set_inject(s, (uint32_t)n);
}

int main(int argc, char **argv)
{
	bool console = true, nofs = false;
	char *blk_argv[MEM_ARGC_MAX + 1] = { "blk" };
	int blk_argc = 1;
	for (int i = 1; i < argc && !run_argv; i++) {
		if (strcmp(argv[i], "noconsole") == 0)
			console = false;
		else if (strcmp(argv[i], "nofs") == 0)
			nofs = true;
		else if (strncmp(argv[i], "blk.", 4) == 0 && blk_argc < MEM_ARGC_MAX)
			blk_argv[blk_argc++] = argv[i] + 4;
		else if (strncmp(argv[i], "run=", 4) == 0) {
			argv[i] += 4;   /* the program's name, after "run=" */
			run_argv = &argv[i];
		}
	}
	long err = server_register(SUPER_NAME);
	struct msg m = { MEM_WATCH, { DEATH_BIT } };
	if (err >= 0)
		err = mem_call(&m, NULL, 0, NULL, 0);
	if (err < 0) {
		debug_printf("init: cannot serve as the supervisor: error %ld\n", err);
		return 1;
	}
	if (console) {
		char *cons_argv[] = { "console", NULL };
		if (supervise(CONS_NAME, cons_argv, SPAWN_SERVER | SPAWN_DEV_UART) < 0 && !run_argv)
			return 1;
	}
	/* Without it the system still runs, with no files: start() says why. */
	if (supervise(BLK_NAME, blk_argv, SPAWN_SERVER | SPAWN_DEV_VIRTIO) > 0 && !nofs) {
		char *fs_argv[] = { "fs", NULL };
		supervise(FS_NAME, fs_argv, SPAWN_SERVER);
	}
	for (int i = 1; i < argc && argv + i != run_argv; i++)
		if (strncmp(argv[i], "inject=", 7) == 0)
			inject_arg(argv[i] + 7);
	if (run_argv) {
		fg = spawn(run_argv);
		if (fg < 0) {
			debug_printf("init: cannot run %s: error %ld\n", run_argv[0], fg);
			return 1;
		}
	} else {
		start_shell();
	}
	reap();   /* whatever ended before we listened */
	static char inbuf[SUPER_STATE_MAX];
	server_loop(dispatch, inbuf, sizeof(inbuf));
}
