/*
 * The console server's protocol (servers/console/): the UART driver with
 * line editing, serving every program's standard input and output.
 * docs/console.md explains it.
 *
 * Every request is an IPC call; the reply's label is the result (>= 0 or
 * -E...). The server never blocks on a client: a reader waiting for a line,
 * or a writer waiting for room in the output buffer, simply gets its reply
 * later, while the server goes on serving the others.
 */
#ifndef MICA_PROTO_CONSOLE_H
#define MICA_PROTO_CONSOLE_H

/* Labels: the console server answers [CONS_FIRST, CONS_LAST]. */
enum {
	CONS_FIRST = 0x200,
	CONS_WRITE = CONS_FIRST, /* bulk: the bytes (at most CONS_WRITE_MAX) -> bytes taken;
	                          * the whole write is output together, never split by others */
	CONS_READ,               /* w0 = capacity (>= 1) -> bytes in the bulk reply: one line
	                          * with its '\n' (the rest of a longer line comes with the
	                          * next read), or what was typed before ^D; 0 at end of input
	                          * (^D on an empty line); -EINTR if ^C discarded the line;
	                          * -EBUSY if CONS_READERS_MAX readers wait already */
	CONS_SET_FG,             /* w0 = pid, 0 for none: the process ^C ends -> 0; -EPERM
	                          * unless pid is the caller or a child of the caller */
	CONS_LAST = CONS_SET_FG
};

#define CONS_NAME        "console"   /* its name at the memory server (MEM_LOOKUP) */
#define CONS_WRITE_MAX   4096        /* one write */
#define CONS_LINE_MAX    256         /* an input line, with its '\n' */
#define CONS_READERS_MAX 16          /* reads waiting for a line at once */

/* The control keys of the line editor. */
#define KEY_CTRL(c)      ((c) - 'a' + 1)
#define KEY_INTR         KEY_CTRL('c')   /* ^C: end the foreground program */
#define KEY_EOF          KEY_CTRL('d')   /* ^D: end of input */
#define KEY_KILL         KEY_CTRL('u')   /* ^U: erase the line */
#define KEY_BS           0x08            /* backspace ... */
#define KEY_DEL          0x7f            /* ... or DEL, as most terminals send it */
/* Debugging keys, taken before the line editor sees them (docs/debugging.md). */
#define KEY_WAITS        KEY_CTRL('t')   /* ^T: the kernel prints who waits on whom */
#define KEY_TRACE        0x1c            /* ^\: the kernel prints its IPC trace */

#endif
