/*
 * The loop every server runs (servers/<name>/main.c gives it a dispatch
 * function that looks the handler up by label in its table): receive a
 * request, let the handler answer it, reply with the result and receive
 * the next request, in one IPC_REPLY_RECV. A handler that cannot answer
 * yet returns REPLY_LATER; the server answers later with reply_later, so
 * it never waits for one client while others want it.
 *
 * The loop also answers the supervisor's SRV_* requests (proto/super.h),
 * which make a server fault on purpose: restart.md.
 */
#include "mica.h"
#include <mica/proto/super.h>

/* Fault injection (SRV_INJECT): fault once in `inject` requests. */
static uint64_t inject, seed;

/* A real fault, as a bug would make one: a store through a wild pointer,
 * into the unmapped hole between a program and its devices. The memory
 * server, our pager, finds no memory there and ends us (EXIT_FAULT). */
static noreturn void wild_store(void)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	volatile uint64_t *p = (uint64_t *)(0x20000000UL + ((seed >> 24) & 0x0ffffff8UL));
	*p = seed;
	for (;;)
		;   /* not reached: the store faults */
}

/* One chance in `inject` to fault now. */
static void maybe_fault(void)
{
	if (!inject)
		return;
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	if ((seed >> 33) % inject == 0)
		wild_store();
}

/* SRV_* (proto/super.h): the supervisor's requests, which every server
 * answers; only from its parent. */
static long srv_control(struct req *r)
{
	if (!startinfo || TID_TASK(r->sender) != startinfo->parent)
		return -EPERM;
	seed ^= time_ns() ^ (uint64_t)startinfo->pid << 32;
	if (r->m->label == SRV_CRASH)
		wild_store();
	inject = r->m->w[0];
	return 0;
}

noreturn void server_loop(long (*dispatch)(struct req *r), void *inbuf, size_t cap)
{
	server_loop_idle(dispatch, inbuf, cap, NULL, NULL);
}

noreturn void server_loop_idle(long (*dispatch)(struct req *r), void *inbuf, size_t cap,
                               uint64_t (*wait_ms)(void), void (*idle)(void))
{
	struct msg m = { 0 };
	struct req r = { 0 };
	bool reply = false;
	prefault(inbuf, cap, true);   /* the kernel copies only into mapped pages */
	for (;;) {
		struct ipc_args a = { .filter = IPC_ANY, .timeout = wait_ms ? wait_ms() : IPC_FOREVER,
		                      .sbuf = r.reply_data, .slen = r.reply_len,
		                      .rbuf = inbuf, .rcap = cap };
		uint64_t op = (reply ? IPC_REPLY_RECV : IPC_RECV) | IPC_BULK_RECV |
		              (reply && r.reply_len ? IPC_BULK_SEND : 0);
		long sender;
		long n = ipc(op, (long)r.sender, &m, &a, &sender);
		r = (struct req){ (uint64_t)sender, &m, inbuf, n > 0 ? (size_t)n : 0, NULL, 0 };
		if (n < 0) {
			if (n == -ETIMEDOUT && idle)
				idle();
			reply = false;
			continue;
		}
		long result;
		if (m.label >= SRV_FIRST && m.label <= SRV_LAST && sender != 0) {
			result = srv_control(&r);
		} else {
			maybe_fault();   /* before the request is handled ... */
			result = dispatch(&r);
			maybe_fault();   /* ... or after, with its reply not sent */
		}
		reply = result != REPLY_LATER;
		m.label = (uint64_t)result;
	}
}

/* What the server's last instance saved (SUPER_SAVE), from the argument
 * "state=TEXT" the supervisor gives a restarted server; NULL if none. */
const char *server_state(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "state=", 6) == 0)
			return argv[i] + 6;
	return NULL;
}

/* Leave text with the supervisor for our next instance. It waits for the
 * supervisor at most 100 ms (it may be starting another server): a server
 * saves whenever its state changes, so a save lost now is made good at the
 * next change. */
long server_save(const char *text)
{
	static long super;
	if (super <= 0 && (super = server_lookup(SUPER_NAME)) < 0)
		return super;
	struct msg m = { SUPER_SAVE, { 0 } };
	struct ipc_args a = { .timeout = 100, .sbuf = text, .slen = strlen(text) + 1 };
	long r = ipc(IPC_CALL | IPC_BULK_SEND, super, &m, &a, NULL);
	return r < 0 ? r : (long)m.label;
}

long reply_later(uint64_t sender, long result, const void *data, size_t len)
{
	struct msg m = { .label = (uint64_t)result };
	struct ipc_args a = { .sbuf = data, .slen = len };
	return ipc(IPC_REPLY | (len ? IPC_BULK_SEND : 0), (long)sender, &m, &a, NULL);
}
