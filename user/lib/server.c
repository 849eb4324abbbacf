/*
 * The loop every server runs (servers/<name>/main.c gives it a dispatch
 * function that looks the handler up by label in its table): receive a
 * request, let the handler answer it, reply with the result and receive
 * the next request, in one IPC_REPLY_RECV. A handler that cannot answer
 * yet returns REPLY_LATER; the server answers later with reply_later, so
 * it never waits for one client while others want it.
 */
#include "mica.h"

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
		long result = dispatch(&r);
		reply = result != REPLY_LATER;
		m.label = (uint64_t)result;
	}
}

long reply_later(uint64_t sender, long result, const void *data, size_t len)
{
	struct msg m = { .label = (uint64_t)result };
	struct ipc_args a = { .sbuf = data, .slen = len };
	return ipc(IPC_REPLY | (len ? IPC_BULK_SEND : 0), (long)sender, &m, &a, NULL);
}
