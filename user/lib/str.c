/* Strings for programs, beyond those the kernel shares (kernel/string.c). */
#include "mica.h"

/* The value of digit c in base, or -1 if it is not one. */
static int digit_value(char c, int base)
{
	int v = c >= '0' && c <= '9' ? c - '0' :
	        c >= 'a' && c <= 'z' ? c - 'a' + 10 :
	        c >= 'A' && c <= 'Z' ? c - 'A' + 10 : -1;
	return v < base ? v : -1;
}

/* The number at the start of s, after blanks and an optional sign, in
 * base 2..36, or for base 0 in hex after "0x", octal after "0", else
 * decimal (as C's strtol). *end, if end is not NULL, gets where the
 * number stops: at s itself if there is none. A value too large for a
 * long gives LONG_MAX (LONG_MIN if negative). */
long strtol(const char *s, char **end, int base)
{
	const char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	bool neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2], 16) >= 0) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	const char *digits = p;
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, v = 0;
	for (int d; base >= 2 && (d = digit_value(*p, base)) >= 0; p++)
		v = v > (limit - (uint64_t)d) / (uint64_t)base ? limit : v * (uint64_t)base + (uint64_t)d;
	if (end)
		*end = (char *)(p == digits ? s : p);
	return neg ? (long)(0 - v) : (long)v;
}

/* What an error number means, in a few words, for messages to people. */
const char *strerror(long err)
{
	static const struct { int e; const char *s; } names[] = {
		{ EPERM, "not permitted" }, { ENOENT, "no such file or directory" },
		{ ESRCH, "no such process" }, { EINTR, "interrupted" }, { EIO, "I/O error" },
		{ E2BIG, "argument list too long" }, { ENOEXEC, "not a program" },
		{ EBADF, "bad file descriptor" }, { ECHILD, "no child" },
		{ EAGAIN, "try again" }, { ENOMEM, "out of memory" },
		{ EACCES, "permission denied" }, { EFAULT, "bad address" },
		{ EBUSY, "busy" }, { EEXIST, "file exists" }, { ENODEV, "no file system" },
		{ ENOTDIR, "not a directory" }, { EISDIR, "is a directory" },
		{ EINVAL, "invalid argument" }, { ENFILE, "too many open files in the system" },
		{ EMFILE, "too many open files" }, { EFBIG, "file too large" },
		{ ENOSPC, "no space left" }, { ESPIPE, "cannot seek a pipe" },
		{ EROFS, "read-only" }, { EMLINK, "too many links" }, { EPIPE, "broken pipe" },
		{ ERANGE, "out of range" }, { ENAMETOOLONG, "name too long" },
		{ ENOSYS, "not supported" }, { ENOTEMPTY, "directory not empty" },
		{ EMSGSIZE, "message too long" }, { ETIMEDOUT, "timed out" },
		{ EDEAD, "the server died" }, { ESTALE, "stale: its server was restarted" },
	};
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].s;
	return "unknown error";
}
