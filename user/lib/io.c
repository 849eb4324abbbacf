/* The console as a file: reads and writes of descriptors that name the
 * console (include/mica/proto/console.h), and standard output's buffer.
 * Output to fd 1 is buffered. To the console it is written a whole line at
 * a time, so that lines of programs printing at the same time never mix.
 * To a file or a pipe every write is a message to the file system server,
 * so the buffer goes out only when it would overflow, and before whatever
 * must come after what was printed: flush(), a read of any descriptor, a
 * spawn, a write to fd 2, exit, and closing or replacing fd 1 (file.c,
 * proc.c). Where there is no console server (a root task, or a system
 * booted without one) output goes to the kernel's console. The descriptor
 * table is file.c's. */
#include "mica.h"
#include "fd.h"
#include <mica/proto/console.h>

static long console;   /* its task ID; 0: not found yet */

#define OUT_CONSOLE  1024   /* what the buffer holds for the console */

static struct {
	volatile uint32_t lock;   /* threads of one program share the buffer */
	size_t n;
	long err;                 /* a write-out failed: -E... for the next write(1) or flush() */
	char buf[FS_IO_MAX];      /* for a file or a pipe: one FS_WRITE */
} out;

/* The console server's ID, found through the memory server, or < 0 while
 * there is none. After it died (`dead`: the one that did), its successor,
 * which the supervisor is starting. */
static long console_id(long dead)
{
	if (!startinfo)
		return -ENOSYS;
	if (console <= 0 || dead)
		console = dead ? server_reconnect(CONS_NAME, dead) : server_lookup(CONS_NAME);
	return console;
}

/* One request to the console server. If it died, the request goes again
 * to the one the supervisor starts: a program's output goes on across a
 * restart of the console, and a reader waits for a line from the new one. */
static long console_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap)
{
	struct msg req = *m;
	long r = -ENODEV, dead = 0;
	for (int attempt = 0; attempt < 3; attempt++) {
		long c = console_id(dead);
		if (c < 0)
			return -ENODEV;
		*m = req;
		r = ipc_call_bulk(c, m, sbuf, slen, rbuf, rcap);
		if (r != -EDEAD && r != -ESRCH && r != -EPERM)
			return r < 0 ? r : (long)m->label;
		dead = c;
	}
	return r;
}

long console_write(const void *buf, size_t n)
{
	const char *p = buf;
	for (size_t done = 0; done < n;) {
		size_t chunk = n - done < CONS_WRITE_MAX ? n - done : CONS_WRITE_MAX;
		struct msg m = { CONS_WRITE, { 0 } };
		long r = console_call(&m, p + done, chunk, NULL, 0);
		if (r == -ENODEV)
			r = debug_write(p + done, chunk);
		if (r < 0)
			return done ? (long)done : r;
		done += chunk;
	}
	return (long)n;
}

/* One line (with its '\n'), or 0 at end of input. */
long console_read(void *buf, size_t n)
{
	size_t cap = n < CONS_LINE_MAX ? n : CONS_LINE_MAX;
	struct msg m = { CONS_READ, { cap } };
	long r = console_call(&m, NULL, 0, buf, cap);
	return r == -ENODEV ? 0 : r;
}

/* Bytes of the buffer up to and with its last '\n', 0 if it has none. */
static size_t whole_lines(void)
{
	size_t n = out.n;
	while (n > 0 && out.buf[n - 1] != '\n')
		n--;
	return n;
}

static void out_lock(void)
{
	while (__atomic_exchange_n(&out.lock, 1, __ATOMIC_ACQUIRE))
		yield();
}

static void out_unlock(void)
{
	__atomic_store_n(&out.lock, 0, __ATOMIC_RELEASE);
}

/* Write out the first n bytes of the buffer and drop them. An error is
 * kept (the first one) to be told later, and the bytes are dropped all the
 * same: a pipe whose reader has gone will never take them. */
static void out_write(size_t n)
{
	for (size_t done = 0; done < n;) {
		long r = fd_write(1, out.buf + done, n - done);
		if (r <= 0) {
			if (!out.err)
				out.err = r < 0 ? r : -EIO;
			break;
		}
		done += (size_t)r;
	}
	memmove(out.buf, out.buf + n, out.n - n);
	out.n -= n;
}

/* Write out what is buffered. Returns 0, or the error of this or an
 * earlier write-out, which the next write(1, ...) returns too. */
long flush(void)
{
	out_lock();
	out_write(out.n);
	long err = out.err;
	out_unlock();
	return err;
}

long stdout_release(void)
{
	out_lock();
	out_write(out.n);
	long err = out.err;
	out.err = 0;
	out_unlock();
	return err;
}

/* Buffer n bytes for stdout, writing out what is buffered first if they do
 * not fit; to the console, write out the whole lines then. Returns n, or
 * the error of this or an earlier write-out (n is then dropped). */
long stdout_write(const char *p, size_t n)
{
	out_lock();
	bool console = fd_is_console(1);
	size_t cap = console ? OUT_CONSOLE : sizeof(out.buf);
	if (out.n + n > cap)
		out_write(out.n);
	long r = out.err;
	out.err = 0;
	if (r == 0 && n > cap) {
		r = fd_write(1, p, n);   /* more than the buffer holds: straight out */
	} else if (r == 0) {
		memcpy(out.buf + out.n, p, n);
		out.n += n;
		if (console)   /* whole lines go out; a partial one waits for its end */
			out_write(whole_lines());
		r = (long)n;
	}
	out_unlock();
	return r;
}

long console_set_fg(long pid)
{
	struct msg m = { CONS_SET_FG, { (uint64_t)pid } };
	return console_call(&m, NULL, 0, NULL, 0);
}
