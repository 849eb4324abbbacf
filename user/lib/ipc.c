/* IPC wrappers. The message travels in registers a2..a6; see
 * include/mica/syscall.h for the whole register convention. */
#include "mica.h"

long ipc(uint64_t op, long peer, struct msg *m, const struct ipc_args *a, long *sender)
{
	register uint64_t a0 asm("a0") = op;
	register uint64_t a1 asm("a1") = (uint64_t)peer;
	register uint64_t a2 asm("a2") = m->label;
	register uint64_t a3 asm("a3") = m->w[0];
	register uint64_t a4 asm("a4") = m->w[1];
	register uint64_t a5 asm("a5") = m->w[2];
	register uint64_t a6 asm("a6") = m->w[3];
	register uint64_t a7 asm("a7") = SYS_IPC;
	register uint64_t t0 asm("t0") = a->filter;
	register uint64_t t1 asm("t1") = a->timeout;
	register uint64_t t2 asm("t2") = (uint64_t)a->sbuf;
	register uint64_t t3 asm("t3") = a->slen;
	register uint64_t t4 asm("t4") = (uint64_t)a->rbuf;
	register uint64_t t5 asm("t5") = a->rcap;
	asm volatile("ecall"
	             : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6)
	             : "r"(a7), "r"(t0), "r"(t1), "r"(t2), "r"(t3), "r"(t4), "r"(t5)
	             : "memory");
	m->label = a2;
	m->w[0] = a3;
	m->w[1] = a4;
	m->w[2] = a5;
	m->w[3] = a6;
	if (sender)
		*sender = (long)a1;
	return (long)a0;
}

long ipc_send(long dest, struct msg *m, uint64_t timeout)
{
	struct ipc_args a = { .timeout = timeout };
	return ipc(IPC_SEND, dest, m, &a, NULL);
}

long ipc_call(long dest, struct msg *m, uint64_t timeout)
{
	struct ipc_args a = { .filter = (uint64_t)dest, .timeout = timeout };
	return ipc(IPC_CALL, dest, m, &a, NULL);
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

long ipc_reply_recv(long client, struct msg *m, long *sender, uint64_t timeout)
{
	struct ipc_args a = { .filter = IPC_ANY, .timeout = timeout };
	return ipc(IPC_REPLY_RECV, client, m, &a, sender);
}
