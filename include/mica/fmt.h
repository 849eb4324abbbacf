/* printf-style formatting shared by the kernel's kprintf and the user
 * library's printf (the code is in kernel/fmt.c, compiled into both). */
#ifndef MICA_FMT_H
#define MICA_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Format fmt with ap, handing each output character to put(ctx, c).
 * Conversions: %d %u %x %p %s %c %%, with an optional 'l', a field width,
 * '0' to pad numbers with zeros, '-' to left-align strings. */
void fmt_format(void (*put)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

#endif
