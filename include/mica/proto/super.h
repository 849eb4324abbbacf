/*
 * The supervisor's protocol (user/init.c: init is the supervisor, see
 * docs/restart.md). init starts the servers, and when one dies it starts
 * it again from its program, with the same arguments and rights; clients
 * find the new one by name, as they found the first (MEM_LOOKUP).
 *
 * Two sets of labels live here:
 *  - SUPER_*: requests to the supervisor, from anyone (a shell's `crash`
 *    and `kill`, the tests) or from a supervised server (SUPER_SAVE);
 *  - SRV_*: requests the supervisor sends to a server it runs. Every
 *    server built on server_loop (user/lib/server.c) answers them, and only
 *    from its parent, the supervisor; from anyone else they get -EPERM.
 *
 * Every request is an IPC call; the reply's label is the result (>= 0 or
 * -E...).
 */
#ifndef MICA_PROTO_SUPER_H
#define MICA_PROTO_SUPER_H

#include <stdint.h>

/* Labels: the supervisor answers [SUPER_FIRST, SUPER_LAST]. */
enum {
	SUPER_FIRST = 0x600,
	SUPER_LIST = SUPER_FIRST, /* bulk reply: struct super_info[] -> how many */
	SUPER_KILL,               /* bulk: a server's name: end it (MEM_KILL); it is
	                           * restarted -> its pid; -ENOENT: no such server;
	                           * -ESRCH: it is not running */
	SUPER_CRASH,              /* bulk: a name: make it take a real fault now (SRV_CRASH)
	                           * -> its pid; errors as SUPER_KILL */
	SUPER_INJECT,             /* bulk: a name; w0 = N: from now on the server faults at
	                           * random, once in N requests on average (0: never; the
	                           * faults count as real ones) -> 0 */
	SUPER_WAIT,               /* bulk: a name; w0 = n: answer once the server has been
	                           * restarted n times in all and is serving -> its pid;
	                           * -EDEAD if it was given up; -EBUSY if SUPER_WAITERS_MAX
	                           * callers wait already */
	SUPER_SAVE,               /* bulk: a text of at most SUPER_STATE_MAX bytes, from a
	                           * supervised server only (-EPERM): what its next instance
	                           * must know; it gets it as the argument "state=TEXT" */
	SUPER_LAST = SUPER_SAVE
};

/* Labels every server answers, from the supervisor only. */
enum {
	SRV_FIRST = 0x700,
	SRV_CRASH = SRV_FIRST,    /* store through a wild pointer: the server faults and
	                           * the memory server ends it (EXIT_FAULT); no reply */
	SRV_INJECT,               /* w0 = N: fault once in N requests on average, before or
	                           * after handling one (0: never) -> 0 */
	SRV_LAST = SRV_INJECT
};

#define SUPER_NAME        "super"   /* its name at the memory server */
#define SUPER_SERVERS     8         /* servers it can run */
#define SUPER_STATE_MAX   64        /* SUPER_SAVE's text, with its NUL */
#define SUPER_WAITERS_MAX 8
#define SUPER_BURST       5         /* a server that dies this many times ... */
#define SUPER_BURST_MS    10000     /* ... within this time is given up on */
#define SUPER_START_MS    3000      /* how long a (re)started server may take to register */

/* A server's state at the supervisor. */
enum { SERVER_UP = 1, SERVER_RESTARTING = 2, SERVER_GIVEN_UP = 3 };

/* One row of SUPER_LIST. */
struct super_info {
	char name[16];
	int64_t pid;              /* 0 while not running */
	uint32_t state;           /* SERVER_* */
	uint32_t restarts;        /* times it was started again */
	uint32_t deaths;          /* times it ended, asked for (kill, crash) or not */
	uint32_t inject;          /* SUPER_INJECT's N */
};

#endif
