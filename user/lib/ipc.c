/* IPC wrappers (ipc(), ipc_call() and ipc_reply_recv() are inline in
 * mica.h: they are the hot path). The message travels in registers
 * a2..a6; see include/mica/syscall.h for the register convention. */
#include "mica.h"

long ipc_send(long dest, struct msg *m, uint64_t timeout)
{
	struct ipc_args a = { .timeout = timeout };
	return ipc(IPC_SEND, dest, m, &a, NULL);
}

long ipc_recv(long from, struct msg *m, long *sender, uint64_t timeout)
{
	struct ipc_args a = { .filter = (uint64_t)from, .timeout = timeout };
	return ipc(IPC_RECV, 0, m, &a, sender);
}

long ipc_reply(long client, struct msg *m)
{
	struct ipc_args a = { 0 };
	return ipc(IPC_REPLY, client, m, &a, NULL);
}

/* The kernel copies bulk data only between pages that are mapped (it does
 * not fault them in for us), so touch every page of a buffer first: a
 * fresh heap or stack page gets its frame from the pager now. */
void prefault(const void *buf, size_t n, bool write)
{
	volatile uint8_t *p = (volatile uint8_t *)buf;
	for (size_t off = 0; off < n; off = (off | 4095) + 1) {
		uint8_t v = p[off];
		if (write)
			p[off] = v;
	}
	if (n) {
		uint8_t v = p[n - 1];
		if (write)
			p[n - 1] = v;
	}
}

long ipc_call_bulk(long dest, struct msg *m, const void *sbuf, size_t slen, void *rbuf,
                   size_t rcap)
{
	prefault(sbuf, slen, false);
	prefault(rbuf, rcap, true);
	struct ipc_args a = { .filter = (uint64_t)dest, .timeout = IPC_FOREVER,
	                      .sbuf = sbuf, .slen = slen, .rbuf = rbuf, .rcap = rcap };
	uint64_t op = IPC_CALL | (slen ? IPC_BULK_SEND : 0) | (rcap ? IPC_BULK_RECV : 0);
	return ipc(op, dest, m, &a, NULL);
}
