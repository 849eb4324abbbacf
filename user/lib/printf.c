/* printf for user programs: formats into a buffer (kernel/fmt.c) and
 * writes it with one call (io.c: to the console server, or for a root task
 * to the kernel console), so lines from different tasks do not interleave
 * mid-line. */
#include "mica.h"
#include <mica/fmt.h>

struct sbuf { char *buf; size_t n, cap; };

static void sput(void *ctx, char c)
{
	struct sbuf *b = ctx;
	if (b->n + 1 < b->cap)
		b->buf[b->n] = c;
	b->n++;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, 0, n };
	fmt_format(sput, &b, fmt, ap);
	if (n)
		buf[b.n < n ? b.n : n - 1] = 0;
	return (int)b.n;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static int vdprintf(int fd, const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	write(fd, buf, n);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vdprintf(1, fmt, ap);
	va_end(ap);
	return n;
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

long atol(const char *s)
{
	long v = 0, sign = 1;
	if (*s == '-') {
		sign = -1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v * sign;
}

/* A line on the kernel console (SYS_DEBUG_WRITE), for servers whose notes
 * must not depend on the console server (the console itself, drivers). */
void debug_printf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	debug_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
