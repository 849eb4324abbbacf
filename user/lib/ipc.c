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

