/* The user library's own declarations for files (not for programs). */
#ifndef MICA_LIB_FD_H
#define MICA_LIB_FD_H

#include "mica.h"

/* io.c: the console, and standard output's buffer */
long console_write(const void *buf, size_t n);
long console_read(void *buf, size_t n);
long stdout_write(const char *p, size_t n);
/* fd 1 is closed or is to name something else: write out what is buffered
 * for it, and return (and forget) the error it left, as flush() does. */
long stdout_release(void);

/* file.c */
long fd_write(int fd, const void *buf, size_t n);   /* unbuffered */
bool fd_is_console(int fd);                         /* open, and the console */
void files_init(void);                              /* at start-up */
long inherit_fill(struct mem_inherit *in, const int fds[3]);
void inherit_undo(struct mem_inherit *in);
long fs_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap);

#endif
