/*
 * Inter-process communication: synchronous rendezvous between threads of
 * different tasks, addressed to tasks (any thread of the destination that
 * waits in RECV takes the message), plus asynchronous notification bits.
 * docs/ipc.md has the sequence diagrams.
 *
 * A message is a label and IPC_MSG_WORDS words carried in registers a2..a6:
 * while a sender waits, its message simply stays in its saved registers,
 * and delivery copies five words from one struct thread to another. Bulk
 * data (up to IPC_BULK_MAX bytes) is copied directly from the sender's
 * pages to the receiver's buffer after both are validated (vm.c).
 *
 * The receiver learns who sent from the kernel (a1, the sender word: the
 * thread ID and its call count), never from the message. A CALL leaves the
 * caller in T_REPLY with ipc_peer = the server task: that is the one-shot
 * right to reply to that call, usable by any thread of that task.
 */
#include "kernel.h"

/* What a receiver learns of sender s in a1 (SENDER_TID in syscall.h). */
static inline uint64_t sender_word(struct thread *s)
{
	return s->token;
}

/* s starts a call (or a fault): a reply must name this one. The count
 * wraps within the top 24 bits; the ID below is untouched. */
static void call_begin(struct thread *s)
{
	s->token += 1UL << 40;
}

static void send_right_take(struct task *from, struct task *to)
{
	uint64_t s = to->id % NTASK;
	from->send_rights[s / 64] &= ~(1UL << (s % 64));
}

/* The live thread with this ID (or sender word), or NULL. Given to lab
 * ipc; the reference's reply_target needs less (see there). */
static inline __attribute__((unused)) struct thread *thread_lookup(uint64_t tid)
{
	struct task *t = task_lookup(TID_TASK(tid));
	if (!t)
		return NULL;
	struct thread *th = &t->threads[SENDER_TID(tid) % TASK_MAX_THREADS];
	return (th->state == T_FREE || th->state == T_DYING) ? NULL : th;
}

/* The labels only the kernel sends (a notification, a page fault): a
 * receiver could not tell a thread's forgery from the real thing. */
static inline bool kernel_label(uint64_t label)
{
	return label == LABEL_NOTIFY || label == LABEL_PAGE_FAULT;
}

/* Does receiver r (in T_RECV or running RECV) take messages from task s? */
static __attribute__((unused)) bool accepts(struct thread *r, struct task *s)
{
	uint64_t filter = r->regs[R_T0];
	return filter == IPC_ANY || filter == s->id;
}

/* Hand the pending notification bits of r's task to r. */
static void deliver_notify(struct thread *r)
{
	r->regs[R_A0] = 0;
	r->regs[R_A1] = 0;
	r->regs[R_A2] = LABEL_NOTIFY;
	r->regs[R_A3] = r->task->notify_bits;
	r->task->notify_bits = 0;
}

/* LAB ipc BEGIN */
/* The helpers below are the steps both paths take, the general one and
 * the fast one (further down): written once, so the two agree. */

/* Does sender s wait for a reply once its message is taken: a CALL, or a
 * page fault (which the kernel sends as if the thread had called)? */
static bool wants_reply(struct thread *s)
{
	return s->faulting || (s->regs[R_A0] & IPC_OPMASK) == IPC_CALL;
}

/* The register part of s's message, into receiver r: who sent it (a1),
 * the label and the words (a2..a6). */
static inline void copy_message(struct thread *s, struct thread *r)
{
	r->regs[R_A1] = sender_word(s);
	r->regs[R_A2] = s->regs[R_A2];   /* (not a loop: GCC would call memmove) */
	r->regs[R_A3] = s->regs[R_A3];
	r->regs[R_A4] = s->regs[R_A4];
	r->regs[R_A5] = s->regs[R_A5];
	r->regs[R_A6] = s->regs[R_A6];
}

/* s's call was taken by a thread of task server: s now waits for the
 * reply, which only that task may give. */
static void await_reply(struct thread *s, struct task *server)
{
	s->state = T_REPLY;
	s->ipc_peer = server->id;
}

/* The thread whose call t answers: the one named by the sender word in
 * t's a1, if it still waits for a reply from t's task (and that sender
 * word is its current call's, not an old one). Else NULL. */
static inline struct thread *reply_target(struct thread *t)
{
	uint64_t w = t->regs[R_A1];
	struct thread *c = &tasks[TID_TASK(w) % NTASK].threads[SENDER_TID(w) % TASK_MAX_THREADS];
	asm("" : "+r"(c));   /* computed once: GCC would redo the multiplications at each use */
	/* The slot named by w, whatever lives there: thread_lookup's checks are
	 * implied, since only a live thread waits in T_REPLY, and its sender
	 * word names its task, generation included. */
	if (c->state != T_REPLY || sender_word(c) != w || c->ipc_peer != t->task->id)
		return NULL;
	return c;
}

/* The bulk data of sender s (if any) into receiver r's buffer. Returns
 * the bytes copied (r's a0), or -EMSGSIZE / -EFAULT if they cannot be:
 * then the receiver's buffer may already hold part of the data. */
static int64_t deliver_bulk(struct thread *s, struct thread *r)
{
	uint64_t n = s->regs[R_A0] & IPC_BULK_SEND ? s->regs[R_T3] : 0;
	if (n > 0) {
		if (n > IPC_BULK_MAX || !(r->regs[R_A0] & IPC_BULK_RECV) || n > r->regs[R_T5])
			return -EMSGSIZE;
		if (copy_user(r->task, r->regs[R_T4], s->task, s->regs[R_T2], n) < 0)
			return -EFAULT;
	}
	return (int64_t)n;
}

/* Copy the message of sender s into receiver r's registers: a0 = bulk
 * bytes, a1 = sender, a2..a6 = label and words. A thread blocked on a page
 * fault sends the fault message the kernel made for it. Returns 0, or the
 * error of deliver_bulk: then the message is not delivered. */
static int deliver(struct thread *s, struct thread *r)
{
	if (s->faulting) {
		r->regs[R_A0] = 0;
		r->regs[R_A1] = sender_word(s);
		r->regs[R_A2] = LABEL_PAGE_FAULT;
		r->regs[R_A3] = s->fault[0];
		r->regs[R_A4] = s->fault[1];
		r->regs[R_A5] = s->fault[2];
		r->regs[R_A6] = 0;
		return 0;
	}
	int64_t n = deliver_bulk(s, r);
	if (n < 0)
		return (int)n;
	copy_message(s, r);
	r->regs[R_A0] = n;
	return 0;
}

/* Sender s's message was taken: a SEND is done, a CALL (or a fault) now
 * waits for the reply from the receiver's task. */
static void sender_done(struct thread *s, struct task *receiver)
{
	if (wants_reply(s)) {
		tq_remove(s);
		await_reply(s, receiver);   /* its timeout, if any, covers the reply too */
	} else {
		sched_unblock(s, 0);   /* a SEND: done, result 0 */
	}
}

/* The send half of SEND and CALL, by thread t (also used for page faults,
 * with dest = the pager). Returns 0 when t is done or blocked, or the
 * error for t. */
static int ipc_send(struct thread *t, struct task *dest, uint64_t timeout)
{
	for (struct thread *r = dest->recvq.head; r; r = r->next) {
		if (!accepts(r, t->task))
			continue;
		int err = deliver(t, r);
		if (err)
			return err;
		tq_remove(r);
		r->deadline = 0;
		if (wants_reply(t)) {
			/* The timeout covers the reply too; a poll (0) only the send. */
			sched_block(t, T_REPLY, timeout ? timeout : IPC_FOREVER);
			await_reply(t, dest);
			sched_wake_local(r);     /* we wait: let the server run here */
		} else {
			t->regs[R_A0] = 0;
			sched_ready(r);
		}
		return 0;
	}
	if (timeout == 0)
		return -ETIMEDOUT;
	sched_block(t, T_SEND, timeout);
	t->ipc_peer = dest->id;
	tq_push(&dest->sendq, t);
	return 0;
}

/* RECV by thread t: a pending notification (when receiving from anyone),
 * else the first queued sender it accepts, else block. */
static int ipc_recv(struct thread *t, uint64_t timeout)
{
	struct task *me = t->task;
	uint64_t filter = t->regs[R_T0];
	if (filter != IPC_ANY && !task_lookup(filter))
		return -ESRCH;
	if (filter == IPC_ANY && me->notify_bits) {
		deliver_notify(t);
		return 0;
	}
	for (struct thread *s = me->sendq.head, *next; s; s = next) {
		next = s->next;
		if (filter != IPC_ANY && s->task->id != filter)
			continue;
		int err = deliver(s, t);
		if (err) {   /* the bulk copy failed (either side's buffer): fail the sender */
			sched_unblock(s, err);
			continue;
		}
		sender_done(s, me);
		return 0;
	}
	if (timeout == 0)
		return -ETIMEDOUT;
	sched_block(t, T_RECV, timeout);
	tq_push(&me->recvq, t);
	return 0;
}

/* REPLY by thread t to the thread named in a1, which must be waiting for
 * a reply from t's task. A reply to a page fault resumes the faulting
 * thread, or kills its task if the label is negative (the pager refused). */
static int ipc_reply(struct thread *t)
{
	struct thread *c = reply_target(t);
	int err = 0;
	if (!c)
		return -ESRCH;
	if (c->faulting) {   /* the pager mapped the page (c retries the access), or refused */
		c->faulting = false;
		if ((int64_t)t->regs[R_A2] < 0) {
			kprintf("task %lu (%s): page fault at %p not resolved by its pager: killed\n",
			        c->task->id, c->task->name, (void *)c->fault[0]);
			task_destroy(c->task, -1);
			return 0;
		}
	} else if ((err = deliver(t, c)) != 0) {
		c->regs[R_A0] = (uint64_t)(int64_t)err;
	}
	c->deadline = 0;
	sched_wake_local(c);
	return err;
}
/* LAB ipc ELSE
static int ipc_send(struct thread *t, struct task *dest, uint64_t timeout)
{
	(void)t; (void)dest; (void)timeout;
	return -ENOSYS;
}

static int ipc_recv(struct thread *t, uint64_t timeout)
{
	(void)t; (void)timeout;
	return -ENOSYS;
}

static int ipc_reply(struct thread *t)
{
	(void)t;
	return -ENOSYS;
}
   LAB ipc END */

/* ---- the fast path ----
 * The two operations of every client/server exchange, CALL and
 * REPLY_RECV, in their common case: no timeout, the partner already
 * waiting and allowed on this hart, nothing of higher priority runnable,
 * nothing else pending. Then the message is copied register to register
 * (bulk data, if any, straight into the partner's buffer) and the hart
 * goes straight to the partner: no queue scan, no run queue, no IPI.
 * Every condition that does not hold sends the call to the general path
 * (ipc_general), which gives the same result; the fast path only skips
 * steps that do nothing in this case. */

/* LAB ipc BEGIN */
/* Finish delivering t's message to r (as deliver does, its n bulk bytes
 * already copied), take t off any timeout (it waits forever) and hand
 * this hart to r: trap_user switches to it straight away. */
static void fast_handover(struct thread *t, struct thread *r, int64_t n)
{
	r->regs[R_A0] = (uint64_t)n;
	copy_message(t, r);
	r->deadline = 0;
	r->state = T_RUNNABLE;
	t->deadline = 0;
	TRACE_SINCE(t);
	mycpu()->next = r;
}

/* Is r, woken by the current thread on hart c, the one to run next? (A
 * system call starts with cpu->next NULL, and a reschedule pending is for
 * trap_user to see: then schedule() runs r all the same.) */
static bool fast_ok(struct cpu *c, struct thread *r)
{
	return (r->hart < 0 || r->hart == c->index) && !sched_higher_runnable(r->prio);
}

/* Do thread t's SYS_IPC the fast way if that applies, and return true;
 * otherwise return false and let the general path do it. Its steps are
 * the general path's helpers: reply_target, await_reply, copy_message,
 * deliver_bulk. sys_ipc asks for a register-only message (bulk false):
 * then this path calls no function and needs no stack frame. If that
 * fails and the message carries bulk data, ipc_fast_bulk asks again (bulk
 * true). */
static inline __attribute__((always_inline)) bool ipc_try_fastpath(struct thread *t, bool bulk)
{
	/* (A buffer for bulk data in the answer matters only to the reply.) */
	uint64_t op = t->regs[R_A0] & ~(uint64_t)(IPC_BULK_RECV | (bulk ? IPC_BULK_SEND : 0));
	int64_t n = 0;   /* bulk bytes delivered */
	if (t->regs[R_T1] != IPC_FOREVER)
		return false;
	if (op == IPC_CALL) {
		struct task *dest = task_lookup(t->regs[R_A1]);
		struct thread *r = dest ? dest->recvq.head : NULL;
		if (!r || !may_send(t->task, dest) || !accepts(r, t->task) || kernel_label(t->regs[R_A2]) ||
		    !fast_ok(mycpu(), r) || (bulk && (n = deliver_bulk(t, r)) < 0))
			return false;
		tq_remove(r);
		call_begin(t);
		await_reply(t, dest);   /* no timeout: sched_block's work is this */
		fast_handover(t, r, n);
		return true;
	}
	if (op == IPC_REPLY_RECV && t->regs[R_T0] == IPC_ANY) {
		struct task *me = t->task;
		struct thread *c = reply_target(t);
		if (!c || c->faulting || me->sendq.head || me->notify_bits || !fast_ok(mycpu(), c) ||
		    (bulk && (n = deliver_bulk(t, c)) < 0))
			return false;
		t->state = T_RECV;
		tq_push(&me->recvq, t);
		fast_handover(t, c, n);
		return true;
	}
	return false;
}
/* LAB ipc ELSE
static bool ipc_try_fastpath(struct thread *t, bool bulk)
{
	(void)t; (void)bulk;   // the general path alone is correct: the fast path only saves time
	return false;
}
   LAB ipc END */

/* The general path of SYS_IPC: decode the operation in a0 and run its
 * halves. An error ends the operation with -E in a0. In REPLY_RECV a
 * failed reply (the client died or gave up) does not stop the receive: the
 * server loop goes on. Returns what a0 holds now (for a blocked thread:
 * set again on wake-up). */
static __attribute__((noinline)) int64_t ipc_general(struct thread *t)
{
	uint64_t op = t->regs[R_A0], timeout = t->regs[R_T1];
	int err = 0;
	if (TRACING())
		trace_ipc_begin(t);
	if ((op & IPC_BULK_SEND) && t->regs[R_T3] > IPC_BULK_MAX) {
		err = -EMSGSIZE;
	} else {
		switch (op & IPC_OPMASK) {
		case IPC_SEND:
		case IPC_CALL: {
			struct task *dest = task_lookup(t->regs[R_A1]);
			if ((op & IPC_OPMASK) == IPC_CALL)
				call_begin(t);
			if (!dest)
				err = -ESRCH;
			else if (!may_send(t->task, dest))
				err = -EPERM;
			else if (kernel_label(t->regs[R_A2]))
				err = -EINVAL;
			else
				err = ipc_send(t, dest, timeout);
			break;
		}
		case IPC_RECV:
			err = ipc_recv(t, timeout);
			break;
		case IPC_REPLY:
			err = ipc_reply(t);
			if (t->state != T_RUNNING)
				return 0;   /* the reply ended our own task (a refused fault) */
			t->regs[R_A0] = 0;   /* (an error replaces it below) */
			break;
		case IPC_REPLY_RECV:
			err = ipc_reply(t);
			if (err && t->regs[R_A1])   /* 0: no reply meant, only the receive */
				TRACE(TR_ERROR, IPC_REPLY, t->id, 0, 0, t->regs[R_A1], 0, err);
			if (t->state != T_RUNNING)
				return 0;   /* the reply ended our own task (a refused fault) */
			err = ipc_recv(t, timeout);
			break;
		default:
			err = -EINVAL;
		}
	}
	if (err)
		t->regs[R_A0] = (uint64_t)(int64_t)err;
	if (TRACING())
		trace_ipc_end(t, op, err);
	struct cpu *c = mycpu();
	if (c->next && t->state == T_RUNNING) {   /* a reply woke c->next, and t goes on: */
		sched_ready(c->next);                 /* trap_user's direct return relies on this */
		c->next = NULL;
	}
	return (int64_t)t->regs[R_A0];
}

/* The fast path for a message with bulk data, else the general path: out
 * of line, since copying calls functions, which would cost sys_ipc (and
 * so every register-only call) a stack frame. */
static __attribute__((noinline)) int64_t ipc_fast_bulk(struct thread *t)
{
	return ipc_try_fastpath(t, true) ? 0 : ipc_general(t);
}

/* SYS_IPC: the fast path if it applies (its result comes when t wakes),
 * else the general one. */
NOFRAME int64_t sys_ipc(struct thread *t)
{
	if (ipc_try_fastpath(t, false))
		return 0;
	return t->regs[R_A0] & IPC_BULK_SEND ? ipc_fast_bulk(t) : ipc_general(t);
}

/* The fast path stands aside while the trace records (and for good with
 * the boot argument nofastpath): then SYS_IPC's slot in syscall_table is
 * the general path itself, so that sys_ipc tests no flag on each call. */
void ipc_fastpath_trace(bool tracing)
{
	syscall_table[SYS_IPC] = tracing || bootarg("nofastpath") ? ipc_general : sys_ipc;
}

/* The boot argument nofastpath: the general path alone (the ipc lab's
 * tests run both ways in make test). */
void ipc_init(void)
{
	ipc_fastpath_trace(false);
	if (syscall_table[SYS_IPC] != sys_ipc)
		kprintf("ipc: the fast path is off (nofastpath)\n");
}

/* OR bits into t's notification word; a thread of t waiting in RECV from
 * anyone gets them at once. Never blocks. */
int ipc_notify(struct task *t, uint64_t bits)
{
	if (!bits)
		return 0;
	t->notify_bits |= bits;
	for (struct thread *r = t->recvq.head; r; r = r->next)
		if (r->regs[R_T0] == IPC_ANY) {
			deliver_notify(r);
			sched_unblock(r, 0);
			break;
		}
	return 0;
}

/* Thread t faulted on addr: send the fault to its pager as if t had
 * called it, and keep t blocked until the pager replies. */
void ipc_page_fault(struct thread *t, uint64_t addr, int kind)
{
	struct task *pager = t->task->pager;
	t->faulting = true;
	call_begin(t);
	t->fault[0] = addr;
	t->fault[1] = (uint64_t)kind;
	t->fault[2] = t->regs[R_PC];
	TRACE(TR_FAULT, 0, t->id, pager->id, 0, addr, (uint64_t)kind, (int64_t)t->fault[2]);
	if (pager->state != TASK_ALIVE || ipc_send(t, pager, IPC_FOREVER) < 0) {
		kprintf("task %lu (%s): page fault at %p and no pager: killed\n",
		        t->task->id, t->task->name, (void *)addr);
		task_destroy(t->task, -1);
	}
}

/* th's timeout expired while blocked. */
void ipc_timeout(struct thread *th)
{
	TRACE(TR_TIMEOUT, th->state, th->id, 0, 0, 0, 0, 0);
	if (th->faulting)   /* only a reply ends a fault */
		th->deadline = 0;
	else
		sched_unblock(th, th->state == T_SLEEP ? 0 : -ETIMEDOUT);
}

/* Task t died: every thread blocked on it (sending to it, waiting for its
 * reply, receiving only from it) fails with -EDEAD, and nobody keeps a
 * right to its slot. A thread whose page fault t was serving dies too. */
void ipc_task_died(struct task *t)
{
	for (int i = 0; i < NTASK; i++) {
		struct task *o = &tasks[i];
		send_right_take(o, t);
		if (o->pager == t)
			o->pager = NULL;
		if (o->state != TASK_ALIVE)
			continue;
		for (int j = 0; j < TASK_MAX_THREADS; j++) {
			struct thread *th = &o->threads[j];
			bool blocked_on_t = ((th->state == T_SEND || th->state == T_REPLY) &&
			                     th->ipc_peer == t->id) ||
			                    (th->state == T_RECV && th->regs[R_T0] == t->id);
			if (!blocked_on_t)
				continue;
			if (th->faulting)
				task_destroy(o, -1);
			else
				sched_unblock(th, -EDEAD);
		}
	}
}
