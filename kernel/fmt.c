/* printf-style formatting, shared by the kernel and the user library
 * (include/mica/fmt.h). Freestanding: it only calls put(). */
#include <mica/fmt.h>
#include <stdint.h>
#include <stdbool.h>

typedef void (*put_fn)(void *ctx, char c);

static __attribute__((unused)) void put_num(put_fn put, void *ctx, uint64_t v, unsigned base, bool neg, int width,
                    char pad)
{
	char digits[24];
	int n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(ctx, '-');
	else if (neg)
		digits[n++] = '-';
	for (int i = n + (neg && pad == '0'); i < width; i++)
		put(ctx, pad);
	while (n)
		put(ctx, digits[--n]);
}

static __attribute__((unused)) void put_str(put_fn put, void *ctx, const char *s, int width, bool left)
{
	int n = 0;
	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	for (int i = n; !left && i < width; i++)
		put(ctx, ' ');
	for (int i = 0; i < n; i++)
		put(ctx, s[i]);
	for (int i = n; left && i < width; i++)
		put(ctx, ' ');
}

/* LAB boot BEGIN */
void fmt_format(put_fn put, void *ctx, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(ctx, *fmt);
			continue;
		}
		fmt++;
		bool left = (*fmt == '-');
		if (left)
			fmt++;
		char pad = (*fmt == '0') ? '0' : ' ';
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		bool lng = *fmt == 'l';
		while (*fmt == 'l')
			fmt++;
		switch (*fmt) {
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(put, ctx, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x':
			put_num(put, ctx, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned),
			        *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		case 'p':
			put_str(put, ctx, "0x", 0, false);
			put_num(put, ctx, (uint64_t)va_arg(ap, void *), 16, false, 16, '0');
			break;
		case 's':
			put_str(put, ctx, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			put(ctx, (char)va_arg(ap, int));
			break;
		case '\0':
			return;
		default:   /* %% and unknown conversions print themselves */
			put(ctx, *fmt);
		}
	}
}
/* LAB boot ELSE
void fmt_format(put_fn put, void *ctx, const char *fmt, va_list ap)
{
	(void)ap;
	for (; *fmt; fmt++)
		put(ctx, *fmt);
}
   LAB boot END */
