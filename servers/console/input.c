/*
 * Finished input and the programs waiting for it. A finished line (or an
 * end of input: a line of 0 bytes) waits in `lines` until a program reads
 * it; a program that reads before a line is finished waits in `readers`:
 * its CONS_READ is held, and answered when the next line is finished.
 * Both queues are FIFO, and they never both hold something: a new line
 * goes at once to the oldest reader, a new reader takes the oldest line.
 */
#include "console.h"

#define LINES_MAX 8                /* finished lines typed ahead of the readers */

static struct line {
	size_t len;                    /* bytes in buf, with the '\n' if it has one */
	size_t off;                    /* bytes of it already read */
	char buf[CONS_LINE_MAX];
} lines[LINES_MAX];
static unsigned lines_head, nlines;

static struct reader {
	uint64_t sender;               /* the sender word of its CONS_READ */
	size_t cap;                    /* the most it can take: 1..CONS_LINE_MAX */
} readers[CONS_READERS_MAX];
static unsigned readers_head, nreaders;

static long fg;                    /* the process ^C ends; 0: none */

/* Drop the readers whose reads are over, before `sender` waits: those of
 * tasks that have died, and an earlier one of sender's own thread (a
 * thread makes one call at a time: that read timed out). Without this, 16
 * readers killed while they waited would fill the table until a line came. */
static __attribute__((unused)) void readers_prune(uint64_t sender)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < nreaders; i++) {
		struct reader rd = readers[(readers_head + i) % CONS_READERS_MAX];
		if (SENDER_TID(rd.sender) != SENDER_TID(sender) && task_alive(TID_TASK(rd.sender)))
			readers[(readers_head + kept++) % CONS_READERS_MAX] = rd;
	}
	nreaders = kept;
}

/* LAB console BEGIN */
static char out[CONS_LINE_MAX];    /* the bytes of the reply being sent */

/* Copy up to cap bytes of the oldest line to out, and return how many.
 * They stay in the line until lines_consume. */
static size_t lines_peek(size_t cap)
{
	struct line *l = &lines[lines_head];
	size_t n = l->len - l->off < cap ? l->len - l->off : cap;
	memcpy(out, l->buf + l->off, n);
	return n;
}

/* n bytes of the oldest line were read. A line read to its end (and an
 * end of input, read once) leaves the queue; the rest of a line longer
 * than a reader could take waits for the next read. */
static void lines_consume(size_t n)
{
	struct line *l = &lines[lines_head];
	l->off += n;
	if (l->off == l->len) {
		lines_head = (lines_head + 1) % LINES_MAX;
		nlines--;
	}
}

/* Answer waiting readers while there are lines for them. A reader whose
 * reply fails (it died, or its call ended) is dropped, and the line goes
 * to the next one. */
static void input_deliver(void)
{
	while (nreaders > 0 && nlines > 0) {
		struct reader *r = &readers[readers_head];
		size_t n = lines_peek(r->cap);
		readers_head = (readers_head + 1) % CONS_READERS_MAX;
		nreaders--;
		if (reply_later(r->sender, (long)n, out, n) == 0)
			lines_consume(n);
	}
}

/* CONS_READ of at most cap bytes (1..CONS_LINE_MAX): the oldest line at
 * once if there is one, else the reader waits (REPLY_LATER); -EBUSY if
 * CONS_READERS_MAX wait already. */
long input_read(struct req *r, size_t cap)
{
	if (nlines > 0) {
		size_t n = lines_peek(cap);
		lines_consume(n);
		r->reply_data = out;
		r->reply_len = n;
		return (long)n;
	}
	if (nreaders == CONS_READERS_MAX)
		readers_prune(r->sender);   /* given: the readers that are gone */
	if (nreaders == CONS_READERS_MAX)
		return -EBUSY;
	readers[(readers_head + nreaders++) % CONS_READERS_MAX] = (struct reader){ r->sender, cap };
	return REPLY_LATER;
}
/* LAB console ELSE
static void input_deliver(void)
{
}

long input_read(struct req *r, size_t cap)
{
	(void)r; (void)cap;
	debug_printf("console: input_read not written yet (lab console)\n");
	return -ENOSYS;
}
   LAB console END */

/* A line was finished: len bytes (0: an end of input, ^D on an empty
 * line). It goes to a waiting reader, or waits for one. Returns false,
 * taking nothing, if LINES_MAX lines wait already. */
bool input_push(const char *s, size_t len)
{
	if (nlines == LINES_MAX)
		return false;
	struct line *l = &lines[(lines_head + nlines++) % LINES_MAX];
	memcpy(l->buf, s, len);
	l->len = len;
	l->off = 0;
	input_deliver();
	return true;
}

/* ^C: the lines typed ahead are dropped and the foreground process is
 * ended. If there is none (or it has ended already), every waiting reader
 * gets -EINTR instead, so that a shell can show a fresh prompt. */
/* The line state a restarted console must know: the foreground process,
 * left with the supervisor at each change (restart.md). */
static void fg_changed(void)
{
	char text[32];
	snprintf(text, sizeof(text), "fg=%ld", fg);
	server_save(text);
}

void input_restore(const char *state)
{
	if (state && strncmp(state, "fg=", 3) == 0)
		fg = atol(state + 3);
}

void input_interrupt(void)
{
	long pid = fg;
	fg = 0;   /* ended: a second ^C must not find it again */
	fg_changed();
	nlines = 0;
	if (pid && kill(pid) >= 0)
		return;
	for (; nreaders > 0; nreaders--) {
		reply_later(readers[readers_head].sender, -EINTR, NULL, 0);
		readers_head = (readers_head + 1) % CONS_READERS_MAX;
	}
}

/* Is process pid a child of process parent? The memory server knows. */
static bool is_child(long pid, long parent)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	long n = ps(rows, MEM_PS_MAX);
	for (long i = 0; i < n; i++)
		if (rows[i].pid == pid)
			return rows[i].ppid == parent;
	return false;
}

/* CONS_SET_FG from process caller: pid (0: none) is the process ^C ends
 * from now on. The console, a server, may end any process, servers too,
 * so it takes only the caller itself or one of its children (all a shell
 * needs): -EPERM for any other. */
long input_set_fg(long caller, long pid)
{
	if (pid != 0 && pid != caller && !is_child(pid, caller))
		return -EPERM;
	if (fg != pid) {
		fg = pid;
		fg_changed();
	}
	return 0;
}
