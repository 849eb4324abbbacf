/* The few C library functions a freestanding kernel needs (GCC may also
 * emit calls to memset and memcpy on its own, so they must exist). The
 * user library compiles this same file. */
#include <stddef.h>
#include <stdint.h>

/* Fills 32 bytes a step when the pointer allows it: the memory server
 * zeroes every frame it hands out, on the page-fault path. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	if (((uintptr_t)p & 7) == 0) {
		uint64_t v = (uint8_t)c * 0x0101010101010101UL;
		for (; n >= 32; n -= 32, p += 32) {
			((uint64_t *)p)[0] = v;
			((uint64_t *)p)[1] = v;
			((uint64_t *)p)[2] = v;
			((uint64_t *)p)[3] = v;
		}
	}
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

/* Copies 8 bytes at a time when both pointers allow it: bulk IPC and the
 * ELF loader move whole pages through here. */
void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0) {
		for (; n >= 32; n -= 32, dp += 32, sp += 32) {
			uint64_t a = ((const uint64_t *)sp)[0], b = ((const uint64_t *)sp)[1];
			uint64_t c = ((const uint64_t *)sp)[2], e = ((const uint64_t *)sp)[3];
			((uint64_t *)dp)[0] = a;
			((uint64_t *)dp)[1] = b;
			((uint64_t *)dp)[2] = c;
			((uint64_t *)dp)[3] = e;
		}
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

/* Like memcpy, for regions that may overlap. */
void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? (uint8_t)*a - (uint8_t)*b : 0;
}

/* Copy at most n-1 characters and always terminate. */
char *strncpy_z(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 1 < n && s[i]; i++)
		d[i] = s[i];
	d[i] = 0;
	return d;
}

int strcmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	return (uint8_t)*a - (uint8_t)*b;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}
