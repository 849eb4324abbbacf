/*
 * The IPC trace and the wait-for graph: the kernel's two views for
 * debugging messages (docs/debugging.md).
 *
 * The trace: while it is on, the IPC paths record each event (the TR_*
 * kinds of include/mica/trace.h) into a ring of the hart they run on; a
 * global sequence number orders them across harts. The rings come from
 * the kernel pool the first time tracing starts, so a system that never
 * traces pays for them nothing. While it is on, the IPC fast path stands
 * aside (ipc_try_fastpath), so every message goes through the general path,
 * where the hooks are: recording costs time, and the figures of a traced
 * run are not those of an untraced one. Off, each hook is one load and
 * one branch (bench: ipc_rt_trace_off).
 *
 * The wait-for graph: a thread blocked on one task (sending to it,
 * waiting for its reply or its page-fault answer, receiving only from it)
 * with no timeout waits on that task. A task can still make progress if
 * one of its threads is not so blocked, or waits on a task that can.
 * Those that cannot are deadlocked, and following their waits from any of
 * them ends in a cycle, which trace_waits names. The kernel does not
 * refuse the call that closes a cycle: finding one costs a walk over the
 * tasks on every blocking call, a task of several threads may still get
 * out of it, and a test of the deadlock detector needs the deadlock.
 *
 * Built with MICA_TRACE=0 (make KTRACE=0), the hooks are compiled out
 * (kernel.h), SYS_TRACE fails with -ENOSYS and nothing here ever runs:
 * the bench compares the two kernels.
 */
#include "kernel.h"

bool trace_on;   /* read without the lock by the hooks' first test */

#define EV_PER_PAGE (PGSIZE / sizeof(struct trace_event))
#define RING_PAGES  (TRACE_EVENTS_PER_HART / EV_PER_PAGE)
_Static_assert(sizeof(struct trace_event) == 64, "a trace event is 64 bytes");
_Static_assert(TRACE_EVENTS_PER_HART % EV_PER_PAGE == 0, "rings are whole pages");

static struct trace_event *ring[NCPU][RING_PAGES];
static uint64_t recorded[NCPU];   /* events recorded on each hart since the clear */
static uint32_t seq;              /* the next event's sequence number */

static struct trace_event *slot(int hart, uint64_t n)
{
	uint64_t i = n % TRACE_EVENTS_PER_HART;
	return &ring[hart][i / EV_PER_PAGE][i % EV_PER_PAGE];
}

void trace_event(int kind, int op, uint64_t src, uint64_t dst, uint64_t label, uint64_t w0,
                 uint64_t w1, int64_t val)
{
	struct cpu *c = mycpu();
	struct trace_event *e = slot(c->index, recorded[c->index]++);
	*e = (struct trace_event){
		.seq = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED), .hart = (uint8_t)c->index,
		.kind = (uint8_t)kind, .op = (uint16_t)op, .time = rdtime(), .src = src,
		.dst = dst, .label = label, .w0 = w0, .w1 = w1, .val = val,
	};
}

/* SYS_IPC by t begins: record what it sends, calls or replies. */
void trace_ipc_begin(struct thread *t)
{
	static const uint8_t kinds[] = { [IPC_SEND] = TR_SEND, [IPC_CALL] = TR_CALL,
	                                 [IPC_REPLY] = TR_REPLY, [IPC_REPLY_RECV] = TR_REPLY };
	uint64_t op = t->regs[R_A0], *r = t->regs;
	int kind = (op & IPC_OPMASK) < sizeof(kinds) ? kinds[op & IPC_OPMASK] : 0;
	uint64_t to = kind == TR_REPLY ? SENDER_TID(r[R_A1]) : r[R_A1];
	if (kind && !(kind == TR_REPLY && to == 0))   /* REPLY_RECV to 0: a receive only */
		trace_event(kind, (int)op, t->id, to, r[R_A2], r[R_A3], r[R_A4],
		            op & IPC_BULK_SEND ? (int64_t)r[R_T3] : 0);
}

/* Will th, blocked in IPC, run again with a message in its registers (1),
 * or only with the result of a send (2)? A page fault's thread: neither. */
static uint8_t wait_kind(struct thread *th, uint64_t op)
{
	if (th->faulting)
		return 0;
	return th->state == T_RECV || th->state == T_REPLY || (op & IPC_OPMASK) == IPC_CALL ? 1 : 2;
}

/* SYS_IPC op by t ends: failed with err, done at once (what it received
 * is in its registers), or blocked (trace_resume records how it ends). */
void trace_ipc_end(struct thread *t, uint64_t op, int err)
{
	uint64_t *r = t->regs, o = op & IPC_OPMASK;
	if (err) {
		trace_event(TR_ERROR, (int)op, t->id, 0, 0, r[R_A1], 0, err);
	} else if (t->state == T_RUNNING && (o == IPC_RECV || o == IPC_REPLY_RECV)) {
		trace_event(TR_RECV, 0, SENDER_TID(r[R_A1]), t->id, r[R_A2], r[R_A3], r[R_A4],
		            (int64_t)r[R_A0]);
	} else if (t->state == T_SEND || t->state == T_RECV || t->state == T_REPLY) {
		trace_event(TR_BLOCK, t->state, t->id, t->state == T_RECV ? r[R_T0] : t->ipc_peer,
		            0, 0, 0, 0);
		t->ipc_wait = wait_kind(t, op);
	}
}

/* Thread th, which blocked in an IPC that receives (RECV, REPLY_RECV,
 * CALL), runs again: its registers hold what it received, or an error. */
void trace_resume(struct thread *th)
{
	int64_t a0 = (int64_t)th->regs[R_A0];
	if (a0 < 0)
		TRACE(TR_ERROR, 0, th->id, 0, 0, 0, 0, a0);
	else if (th->ipc_wait == 1)
		TRACE(TR_RECV, 0, SENDER_TID(th->regs[R_A1]), th->id, th->regs[R_A2],
		      th->regs[R_A3], th->regs[R_A4], a0);
	th->ipc_wait = 0;
}

/* Print the trace, recording nothing meanwhile (so the dump does not
 * record itself); returns the number of events printed. SYS_TRACE's
 * TRACE_DUMP, and panic if the trace was on. */
uint64_t trace_dump(void)
{
	bool was = trace_on;
	uint64_t next[NCPU], total = 0, lost = 0;
	trace_on = false;
	for (int h = 0; h < ncpu; h++) {
		uint64_t kept = recorded[h] < TRACE_EVENTS_PER_HART ? recorded[h] : TRACE_EVENTS_PER_HART;
		next[h] = recorded[h] - kept;
		total += kept;
		lost += recorded[h] - kept;
	}
	kprintf("trace: begin harts=%d timebase=%lu events=%lu lost=%lu\n", ncpu, timebase, total, lost);
	for (int i = 0; i < NTASK; i++)
		if (tasks[i].state != TASK_FREE)
			kprintf("trace-task %lx %s\n", tasks[i].id, tasks[i].name);
	for (;;) {   /* merge the rings by sequence number (it may wrap: compare differences) */
		int best = -1;
		for (int h = 0; h < ncpu; h++)
			if (next[h] < recorded[h] &&
			    (best < 0 || (int32_t)(slot(h, next[h])->seq - slot(best, next[best])->seq) < 0))
				best = h;
		if (best < 0)
			break;
		struct trace_event *e = slot(best, next[best]++);
		kprintf("T %x %x %lx %x %x %lx %lx %lx %lx %lx %lx\n", e->seq, e->hart, e->time,
		        e->kind, e->op, e->src, e->dst, e->label, e->w0, e->w1, (uint64_t)e->val);
	}
	kprintf("trace: end\n");
	trace_on = was;
	return total;
}

/* ---- who waits on whom ---- */

/* The slot of the live task th waits on without a timeout, or -1. (A
 * receive's filter is 0 for anyone.) */
static int waits_on(struct thread *th)
{
	bool ipc = th->state == T_SEND || th->state == T_REPLY || th->state == T_RECV;
	uint64_t on = !ipc ? 0 : th->state == T_RECV ? th->regs[R_T0] : th->ipc_peer;
	return on && !th->deadline && task_lookup(on) ? (int)(on % NTASK) : -1;
}

/* The slot of the task the first waiting thread of t waits on. */
static int first_wait(struct task *t)
{
	for (int j = 0; j < TASK_MAX_THREADS; j++)
		if (t->threads[j].state != T_FREE && waits_on(&t->threads[j]) >= 0)
			return waits_on(&t->threads[j]);
	return -1;
}

static const char *const state_names[] = {
	[T_FREE] = "free", [T_RUNNABLE] = "runnable", [T_RUNNING] = "running",
	[T_SEND] = "sending to", [T_RECV] = "receiving from", [T_REPLY] = "awaiting reply from",
	[T_SLEEP] = "sleeping", [T_DYING] = "dying",
};

static void print_thread(struct thread *th, uint64_t now)
{
	kprintf("  %lu %s: thread %lu %s", th->task->id, th->task->name, th->id, state_names[th->state]);
	if (th->state == T_SEND || th->state == T_REPLY || th->state == T_RECV) {
		uint64_t peer = th->state == T_RECV ? th->regs[R_T0] : th->ipc_peer;
		struct task *p = task_lookup(peer);
		if (peer)
			kprintf(" %lu (%s)", peer, p ? p->name : "?");
		else
			kprintf(" anyone");
		if (th->faulting)
			kprintf(", page fault at %p", (void *)th->fault[0]);
	} else if (th->state == T_RUNNING) {
		kprintf(" on hart %d", th->cpu->index);
	}
	if (th->state >= T_SEND && th->state <= T_SLEEP) {
		kprintf(", for %lu ms", (now - th->since) / (timebase / 1000));
		if (th->deadline)
			kprintf(" (timeout in %lu ms)",
			        th->deadline > now ? (th->deadline - now) / (timebase / 1000) : 0);
	}
	kprintf("\n");
}

/* Print every thread and what it waits on, then each cycle of tasks that
 * wait on each other. Returns the number of cycles. GDB may call it
 * (`call trace_waits()`) with every hart stopped. */
int trace_waits(void)
{
	uint64_t now = rdtime();
	bool progress[NTASK];
	int mark[NTASK], cycles = 0;
	kprintf("waits: at %lu ms\n", now / (timebase / 1000));
	for (int i = 0; i < NTASK; i++) {
		struct task *t = &tasks[i];
		mark[i] = -1;
		if (t->state == TASK_ZOMBIE)
			kprintf("  %lu %s: exited (%d), not yet reaped\n", t->id, t->name, t->exit_code);
		bool stuck = t->state == TASK_ALIVE && first_wait(t) >= 0;
		for (int j = 0; t->state == TASK_ALIVE && j < TASK_MAX_THREADS; j++) {
			struct thread *th = &t->threads[j];
			if (th->state == T_FREE)
				continue;
			print_thread(th, now);
			stuck = stuck && waits_on(th) >= 0;
		}
		progress[i] = !stuck;
	}
	for (bool changed = true; changed;) {   /* can a task it waits on make progress? */
		changed = false;
		for (int i = 0; i < NTASK; i++)
			for (int j = 0; !progress[i] && j < TASK_MAX_THREADS; j++) {
				int on = waits_on(&tasks[i].threads[j]);
				if (on >= 0 && progress[on])
					progress[i] = changed = true;
			}
	}
	for (int i = 0; i < NTASK; i++) {   /* follow the waits from each deadlocked task */
		int s = i;
		while (!progress[s] && mark[s] < 0) {
			mark[s] = i;
			s = first_wait(&tasks[s]);
		}
		if (progress[s] || mark[s] != i)
			continue;   /* no cycle, or one already found from an earlier start */
		cycles++;
		kprintf("waits: deadlock:");
		int c = s;
		do {
			kprintf(" %s (%lu) ->", tasks[c].name, tasks[c].id);
			c = first_wait(&tasks[c]);
		} while (c != s);
		kprintf(" %s (%lu)\n", tasks[s].name, tasks[s].id);
	}
	kprintf("waits: end, %d cycle%s\n", cycles, cycles == 1 ? "" : "s");
	return cycles;
}

/* Allocate the rings (once) and start recording. Threads that blocked
 * in IPC while the trace was off are marked, so that how their wait ends
 * is recorded too. */
static int trace_start(void)
{
	for (int h = 0; h < ncpu; h++)
		for (unsigned p = 0; p < RING_PAGES; p++)
			if (!ring[h][p] && !(ring[h][p] = kalloc()))
				return -ENOMEM;   /* what was allocated is kept for next time */
	for (int i = 0; i < NTASK; i++)
		for (int j = 0; tasks[i].state == TASK_ALIVE && j < TASK_MAX_THREADS; j++) {
			struct thread *th = &tasks[i].threads[j];
			if (th->state == T_SEND || th->state == T_RECV || th->state == T_REPLY)
				th->ipc_wait = wait_kind(th, th->regs[R_A0]);
		}
	trace_on = true;
	ipc_fastpath_trace(true);
	return 0;
}

/* SYS_TRACE (include/mica/trace.h). */
int64_t sys_trace(struct thread *t)
{
	if (!MICA_TRACE)
		return -ENOSYS;   /* a kernel built without the trace */
	if (!t->task->may_trace)
		return -EPERM;
	bool was = trace_on;
	switch (t->regs[R_A0]) {
	case TRACE_OFF:
		trace_on = false;
		ipc_fastpath_trace(false);
		for (int i = 0; i < NTASK; i++)   /* no receipt is owed any more */
			for (int j = 0; j < TASK_MAX_THREADS; j++)
				tasks[i].threads[j].ipc_wait = 0;
		return was;
	case TRACE_ON:
		return trace_start() < 0 ? -ENOMEM : was;
	case TRACE_CLEAR:
		memset(recorded, 0, sizeof(recorded));
		return 0;
	case TRACE_DUMP:
		return (int64_t)trace_dump();
	case TRACE_WAITS:
		return trace_waits();
	case TRACE_STATUS:
		return was;
	}
	return -EINVAL;
}

/* The boot argument "trace" starts the trace before the root task runs. */
void trace_init(void)
{
	if (MICA_TRACE && bootarg("trace") && trace_start() < 0)
		kprintf("trace: no kernel memory for the trace rings\n");
}
