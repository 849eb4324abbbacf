/*
 * The IPC trace: what the kernel records of every message, shared by the
 * kernel (kernel/trace.c), the `trace` program, the console server's keys,
 * and the host tools that read it (grade/mtrace.py reads this header for
 * the names of the kinds, grade/gdb_mica.py for the layout). docs/debugging.md
 * explains how to use it.
 *
 * Each hart records into a ring of its own; a global sequence number
 * orders the events of all harts. The dump (TRACE_DUMP) prints, on the
 * kernel console:
 *
 *   trace: begin harts=H timebase=HZ events=N lost=L
 *   trace-task ID NAME                  (the live tasks, then each spawned one)
 *   T seq hart time kind op src dst label w0 w1 val   (hex; one per event)
 *   trace: end
 */
#ifndef MICA_TRACE_H
#define MICA_TRACE_H

/* SYS_TRACE(op): needs the trace right (GRANT_TRACE). */
enum {
	TRACE_OFF    = 0,   /* stop recording -> 1 if it was on */
	TRACE_ON     = 1,   /* start recording (allocates the rings once) -> 1 if it was on;
	                     * -ENOMEM if the kernel pool has no room for them */
	TRACE_CLEAR  = 2,   /* forget every recorded event -> 0 */
	TRACE_DUMP   = 3,   /* print the recorded events (format above) -> how many */
	TRACE_WAITS  = 4,   /* print who waits on whom, and any cycle -> cycles found */
	TRACE_STATUS = 5,   /* -> 1 if recording, 0 if not; -ENOSYS: compiled out */
};

/* Event kinds. src and dst are thread IDs (a sender word's low bits) or
 * task IDs as each line says; 0 is the kernel. */
enum {
	TR_SEND = 1,    /* src thread SENDs to dst task: label, w0, w1; val = bulk bytes */
	TR_CALL,        /* src thread CALLs dst task: label, w0, w1; val = bulk bytes */
	TR_REPLY,       /* src thread REPLYs to dst thread: label, w0, w1; val = bulk bytes */
	TR_RECV,        /* dst thread received from src thread (0: a notification):
	                 * label, w0, w1 as it got them; val = bulk bytes; a reply too */
	TR_BLOCK,       /* src thread blocks: op = its state (T_* of kernel.h), dst = the
	                 * task it waits on (0: anyone) */
	TR_NOTIFY,      /* src thread notifies dst task: w0 = bits */
	TR_FAULT,       /* src thread's page fault goes to dst task (its pager):
	                 * w0 = address, w1 = FAULT_*, val = pc */
	TR_IRQ,         /* interrupt label delivered to dst task as w0 = bit */
	TR_TIMEOUT,     /* src thread's timeout expired: op = the state it was in */
	TR_ERROR,       /* src thread's IPC failed: op = the IPC_* operation, val = -E... */
	TR_EXIT,        /* src task ended: val = exit code */
	TR_SPAWN,       /* src task created dst task, named by w0, w1 (8 bytes each) */
	TR_NKINDS
};

/* One event as the rings hold it (64 bytes). */
struct trace_event {
	unsigned int seq;             /* global order, wraps at 2^32 */
	unsigned char hart, kind;     /* cpus[] index; TR_* */
	unsigned short op;            /* the IPC_* op, or a thread state */
	unsigned long time;           /* the time CSR (timebase ticks per second) */
	unsigned long src, dst, label, w0, w1;
	long val;
};

#define TRACE_EVENTS_PER_HART 4096   /* per ring; older events are overwritten */

#endif
