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

/* Copies 128 bytes a step, then words, when both pointers allow it: bulk IPC, the file
 * system's blocks and the ELF loader move whole pages through here, and a
 * page then costs about one instruction per 8 bytes loaded or stored. */
void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0) {
		const uint64_t *s8 = (const uint64_t *)sp, *end = s8 + n / 128 * 16;
		uint64_t *d8 = (uint64_t *)dp;
		for (; s8 != end; s8 += 16, d8 += 16) {
			uint64_t w0 = s8[0], w1 = s8[1], w2 = s8[2], w3 = s8[3], w4 = s8[4], w5 = s8[5];
			uint64_t w6 = s8[6], w7 = s8[7], w8 = s8[8], w9 = s8[9], w10 = s8[10];
			uint64_t w11 = s8[11], w12 = s8[12], w13 = s8[13], w14 = s8[14], w15 = s8[15];
			d8[0] = w0, d8[1] = w1, d8[2] = w2, d8[3] = w3, d8[4] = w4, d8[5] = w5;
			d8[6] = w6, d8[7] = w7, d8[8] = w8, d8[9] = w9, d8[10] = w10, d8[11] = w11;
			d8[12] = w12, d8[13] = w13, d8[14] = w14, d8[15] = w15;
		}
		for (n %= 128; n >= 8; n -= 8)
			*d8++ = *s8++;
		sp = (const uint8_t *)s8;
		dp = (uint8_t *)d8;
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
