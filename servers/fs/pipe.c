/*
 * Pipes: a ring of FS_PIPE_BUF bytes between the processes holding its
 * read end and those holding its write end.
 *
 * Nothing here waits. A read of an empty pipe is held (REPLY_LATER) and
 * answered when a write brings data, or with 0 (end of file) when the
 * last write end closes. A write takes what fits; a write that finds the
 * pipe full is held, and answered with 0 bytes taken when room appears,
 * which tells the library to send the rest again (user/lib/file.c loops
 * until the whole write is taken). With no read end left a write fails
 * with -EPIPE, and so do the writes held then.
 *
 * A held request may be over before it is answered: its task died, or
 * its call timed out. Such a reader takes no bytes (they stay for the
 * next one, since its reply fails), and its place in the queue goes to
 * whoever needs it (waiters_prune).
 */
#include "fs.h"

#define NPIPE      64
#define PIPE_WAIT  8     /* readers (and writers) held on one pipe */

struct waiter {
	uint64_t sender;     /* the held request's sender word */
	uint64_t want;       /* a reader: the bytes it can take */
};

struct pipe {
	bool used;
	uint32_t readers, writers;   /* open files of each end */
	uint32_t head, count;        /* the bytes: buf[head .. head+count) mod size */
	uint8_t buf[FS_PIPE_BUF];
	struct waiter rd[PIPE_WAIT], wr[PIPE_WAIT];
	int nrd, nwr;
};

static struct pipe pipes[NPIPE];
static uint8_t out[FS_PIPE_BUF];   /* a held reader's answer */

struct pipe *pipe_new(void)
{
	for (int i = 0; i < NPIPE; i++)
		if (!pipes[i].used) {
			struct pipe *p = &pipes[i];
			p->used = true;
			p->readers = p->writers = p->head = p->count = 0;
			p->nrd = p->nwr = 0;
			return p;
		}
	return NULL;
}

uint32_t pipe_bytes(struct pipe *p)
{
	return p->count;
}

/* Copy up to n bytes from the front of the ring to dst; they stay there
 * until consume. */
static uint32_t peek(struct pipe *p, uint8_t *dst, uint64_t n)
{
	uint32_t k = n < p->count ? (uint32_t)n : p->count;
	for (uint32_t i = 0; i < k; i++)
		dst[i] = p->buf[(p->head + i) % FS_PIPE_BUF];
	return k;
}

static void consume(struct pipe *p, uint32_t k)
{
	p->head = (p->head + k) % FS_PIPE_BUF;
	p->count -= k;
}

static void pop(struct waiter *q, int *n)
{
	memmove(q, q + 1, (size_t)(*n - 1) * sizeof(*q));
	(*n)--;
}

/* Drop the waiters of queue q whose requests are over, before `sender`
 * is held: those of tasks that have died, and the one of sender's own
 * thread (a thread makes one call at a time: its held one timed out). */
static void waiters_prune(struct waiter *q, int *n, uint64_t sender)
{
	int kept = 0;
	for (int i = 0; i < *n; i++)
		if (SENDER_TID(q[i].sender) != SENDER_TID(sender) &&
		    task_alive(TID_TASK(q[i].sender)))
			q[kept++] = q[i];
	*n = kept;
}

/* Answer held writers: room has appeared (0: send again), or no reader. */
static void wake_writers(struct pipe *p)
{
	while (p->nwr > 0 && (p->count < FS_PIPE_BUF || p->readers == 0)) {
		reply_later(p->wr[0].sender, p->readers ? 0 : -EPIPE, NULL, 0);
		pop(p->wr, &p->nwr);
	}
}

/* Answer held readers: data has come, or no writer is left (0: end of
 * file). A reader whose reply fails (it is gone) leaves the bytes. */
static void wake_readers(struct pipe *p)
{
	while (p->nrd > 0 && (p->count > 0 || p->writers == 0)) {
		uint32_t k = peek(p, out, p->rd[0].want);
		if (reply_later(p->rd[0].sender, k, out, k) == 0)
			consume(p, k);
		pop(p->rd, &p->nrd);
	}
	wake_writers(p);
}

long pipe_read(struct pipe *p, struct req *r, uint64_t n)
{
	if (p->count > 0 && p->nrd == 0) {
		r->reply_len = peek(p, out, n < FS_PIPE_BUF ? n : FS_PIPE_BUF);
		consume(p, (uint32_t)r->reply_len);
		r->reply_data = out;
		wake_writers(p);
		return (long)r->reply_len;
	}
	if (p->writers == 0)
		return 0;
	if (p->nrd == PIPE_WAIT)
		waiters_prune(p->rd, &p->nrd, r->sender);
	if (p->nrd == PIPE_WAIT)
		return -EBUSY;
	p->rd[p->nrd++] = (struct waiter){ r->sender, n < FS_PIPE_BUF ? n : FS_PIPE_BUF };
	return REPLY_LATER;
}

long pipe_write(struct pipe *p, struct req *r)
{
	if (p->readers == 0)
		return -EPIPE;
	uint32_t room = FS_PIPE_BUF - p->count;
	if (room == 0 || p->nwr > 0) {   /* full, or others wait first: in turn */
		if (p->nwr == PIPE_WAIT)
			waiters_prune(p->wr, &p->nwr, r->sender);
		if (p->nwr == PIPE_WAIT)
			return -EBUSY;
		p->wr[p->nwr++] = (struct waiter){ r->sender, 0 };
		return REPLY_LATER;
	}
	uint32_t k = r->len < room ? (uint32_t)r->len : room;
	const uint8_t *src = r->data;
	for (uint32_t i = 0; i < k; i++)
		p->buf[(p->head + p->count + i) % FS_PIPE_BUF] = src[i];
	p->count += k;
	wake_readers(p);
	return k;
}

void pipe_open_end(struct pipe *p, bool writer)
{
	if (writer)
		p->writers++;
	else
		p->readers++;
}

void pipe_close_end(struct pipe *p, bool writer)
{
	if (writer)
		p->writers--;
	else
		p->readers--;
	wake_readers(p);   /* end of file for readers, -EPIPE for writers */
	if (p->readers == 0 && p->writers == 0)
		p->used = false;
}
