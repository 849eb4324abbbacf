/* The console as a file: reads and writes of descriptors that name the
 * console (include/mica/proto/console.h), and standard output's buffer.
 * Output to fd 1 is buffered and written a whole line at a time, so that
 * lines of programs printing at the same time never mix. Where there is
 * no console server (a root task, or a system booted without one) output
 * goes to the kernel's console. The descriptor table is file.c's. */
#include "mica.h"
#include "fd.h"
#include <mica/proto/console.h>

static long console;   /* its task ID; 0: not found yet */

static struct {
	volatile uint32_t lock;   /* threads of one program share the buffer */
	size_t n;
	char buf[1024];
} out;

/* The console server's ID, found through the memory server (again after
 * it died, when `again` is set), or < 0 while there is none. */
static long console_id(bool again)
{
	if (!startinfo)
		return -ENOSYS;
	if (console <= 0 || again)
		console = server_lookup(CONS_NAME);
	return console;
}

/* One request to the console server; retried once against a restarted one. */
static long console_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap)
{
	struct msg req = *m;
	long r = -ENODEV;
	for (int attempt = 0; attempt < 2; attempt++) {
		long c = console_id(attempt > 0);
		if (c < 0)
			return -ENODEV;
		*m = req;
		r = ipc_call_bulk(c, m, sbuf, slen, rbuf, rcap);
		if (r != -EDEAD && r != -ESRCH && r != -EPERM)
			return r < 0 ? r : (long)m->label;
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

static void flush_locked(void)
{
	if (out.n)
		fd_write(1, out.buf, out.n);
	out.n = 0;
}

void flush(void)
{
	out_lock();
	flush_locked();
	out_unlock();
}

/* Buffer n bytes for stdout; write out what is buffered when it holds a
 * whole line or would overflow. */
long stdout_write(const char *p, size_t n)
{
	out_lock();
	if (out.n + n > sizeof(out.buf))
		flush_locked();
	if (n > sizeof(out.buf)) {
		long r = fd_write(1, p, n);
		out_unlock();
		return r;
	}
	memcpy(out.buf + out.n, p, n);
	out.n += n;
	size_t lines = whole_lines();
	if (lines) {   /* whole lines go out; a partial one waits for its end */
		fd_write(1, out.buf, lines);
		memmove(out.buf, out.buf + lines, out.n - lines);
		out.n -= lines;
	}
	out_unlock();
	return (long)n;
}

long console_set_fg(long pid)
{
	struct msg m = { CONS_SET_FG, { (uint64_t)pid } };
	return console_call(&m, NULL, 0, NULL, 0);
}
