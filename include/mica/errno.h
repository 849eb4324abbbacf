/*
 * Error numbers shared by the kernel, the servers and the user library.
 * A system call or a server request returns 0 or a positive value on
 * success and the negative of one of these on failure (-EINVAL, ...).
 * The numbers follow the traditional Unix values where one exists.
 */
#ifndef MICA_ERRNO_H
#define MICA_ERRNO_H

#define EPERM       1   /* operation not permitted: the caller lacks a right */
#define ENOENT      2   /* no such file or name */
#define ESRCH       3   /* no such task or thread (bad or stale ID) */
#define EINTR       4   /* interrupted: ^C discarded the input line */
#define EIO         5   /* device error */
#define E2BIG       7   /* argument list or message too long */
#define ENOEXEC     8   /* not a valid executable */
#define EBADF       9   /* bad file descriptor */
#define ECHILD     10   /* no such child process to wait for */
#define EAGAIN     11   /* nothing to do now: try again (no dead child to reap yet) */
#define ENOMEM     12   /* out of memory or over a quota */
#define EACCES     13   /* permission denied */
#define EFAULT     14   /* bad address: not mapped, or without the needed permission */
#define EBUSY      16   /* resource already in use */
#define EEXIST     17   /* already exists */
#define ENODEV     19   /* no such device */
#define ENOTDIR    20   /* a path component, or the target, is not a directory */
#define EISDIR     21   /* is a directory */
#define EINVAL     22   /* invalid argument */
#define ENFILE     23   /* the server's table of open files is full */
#define EMFILE     24   /* the caller has too many open files */
#define EFBIG      27   /* file too large */
#define ENOSPC     28   /* no space left */
#define ESPIPE     29   /* seek on a pipe */
#define EROFS      30   /* read-only device or file system */
#define EMLINK     31   /* too many links */
#define EPIPE      32   /* write to a pipe with no reader */
#define ERANGE     34   /* value out of range */
#define ENAMETOOLONG 36 /* a name or path too long (or a path without its NUL) */
#define ENOSYS     38   /* no such system call or request (or not written yet) */
#define ENOTEMPTY  39   /* directory not empty */
#define EMSGSIZE   90   /* message larger than the receiver's buffer or the bulk limit */
#define ESTALE    116   /* a handle of a server that died: the new one does not know it */
#define ETIMEDOUT 110   /* a blocking operation's timeout expired */
#define EDEAD     130   /* the peer task died before the operation completed */

#endif
