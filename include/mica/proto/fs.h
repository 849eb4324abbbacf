/*
 * The file system server's protocol (servers/fs/): files, directories and
 * pipes. docs/fs.md explains it; the user library wraps it (open, read,
 * write, ... in user/lib/file.c).
 *
 * Every request is an IPC call; the reply's label is the result (>= 0 or
 * -E...). A path travels as bulk data, NUL-terminated, at most FS_PATH_MAX
 * bytes with the NUL; it is resolved by the server, from the root ("/..."
 * only: the library puts the working directory in front of a relative
 * path). File data travels in bulk, at most FS_IO_MAX bytes per request.
 *
 * An open file is a handle: a small number that names one open file of
 * the task that opened it (another task's handle numbers mean nothing to
 * it). Handles of a task that dies are closed by the server. A handle can
 * be lent to a child: FS_LEND makes a second handle on the same open file
 * (same offset) that the child claims with FS_CLAIM and the token, which
 * the library passes in the child's start-up block.
 *
 * Pipes are open files too: a read of an empty pipe waits (its reply
 * comes later) until a writer writes or every writer is gone (then 0, end
 * of file); a write to a full pipe waits for room; a write with no reader
 * left fails with -EPIPE.
 */
#ifndef MICA_PROTO_FS_H
#define MICA_PROTO_FS_H

#include <stdint.h>

/* Labels: the file system server answers [FS_FIRST, FS_LAST]. */
enum {
	FS_FIRST = 0x300,
	FS_OPEN = FS_FIRST,   /* bulk: path; w0 = O_* flags -> handle */
	FS_CLOSE,             /* w0 = handle -> 0 */
	FS_READ,              /* w0 = handle, w1 = count (<= FS_IO_MAX) -> bytes, in the bulk
	                       * reply; 0 at end of file */
	FS_WRITE,             /* w0 = handle; bulk: the bytes -> bytes written */
	FS_SEEK,              /* w0 = handle, w1 = offset, w2 = SEEK_* -> the new offset */
	FS_STAT,              /* bulk: path -> 0, struct fs_stat in the bulk reply */
	FS_FSTAT,             /* w0 = handle -> 0, struct fs_stat in the bulk reply */
	FS_MKDIR,             /* bulk: path -> 0 */
	FS_RMDIR,             /* bulk: path (an empty directory) -> 0 */
	FS_UNLINK,            /* bulk: path (not a directory) -> 0 */
	FS_LINK,              /* bulk: "old\0new\0" -> 0: new names old's file */
	FS_RENAME,            /* bulk: "old\0new\0" -> 0; replaces a file new, or an empty
	                       * directory new if old is a directory */
	FS_READDIR,           /* w0 = handle of a directory, w1 = capacity -> bytes of struct
	                       * fs_dirent in the bulk reply (used entries only, from the
	                       * handle's offset on); 0 at the end */
	FS_FSYNC,             /* w0 = handle -> 0 when all of the file is on the disk */
	FS_SYNC,              /* -> 0 when everything written before is on the disk */
	FS_PIPE,              /* -> 0; w0 = the read end's handle, w1 = the write end's */
	FS_DUP,               /* w0 = handle -> a second handle on the same open file */
	FS_LEND,              /* w0 = handle -> a new handle on the same open file, w0 = its
	                       * token; it is the caller's until a task claims it */
	FS_CLAIM,             /* w0 = handle, w1 = token -> 0: the handle is now the caller's */
	FS_REALPATH,          /* bulk: path -> bytes: the path without ".", ".." or "//" in the
	                       * bulk reply, if it names a directory (-ENOTDIR if not) */
	FS_STATFS,            /* -> 0; w0 = free blocks, w1 = free inodes, w2 = handles in
	                       * use, w3 = dirty blocks in the cache */
	FS_LAST = FS_STATFS
};

/* FS_OPEN flags. */
#define O_RDONLY     0
#define O_WRONLY     1
#define O_RDWR       2
#define O_ACCMODE    3
#define O_CREAT      0x40
#define O_EXCL       0x80      /* with O_CREAT: -EEXIST if it exists */
#define O_TRUNC      0x200
#define O_APPEND     0x400     /* every write goes to the end */
#define O_DIRECTORY  0x10000   /* -ENOTDIR unless it is a directory */

/* FS_SEEK whence. */
#define SEEK_SET     0
#define SEEK_CUR     1
#define SEEK_END     2

/* What FS_STAT and FS_FSTAT tell, and (FS_STAT_TTY) the library's fstat of
 * the console. */
enum { FS_STAT_DIR = 1, FS_STAT_FILE = 2, FS_STAT_PIPE = 3, FS_STAT_TTY = 4 };
struct fs_stat {
	uint32_t inum;         /* inode number (0 for a pipe) */
	uint16_t type;         /* FS_STAT_* */
	uint16_t nlink;
	uint64_t size;         /* bytes (a pipe: bytes waiting in it) */
	uint64_t blocks;       /* data and indirect blocks it holds */
};

/* Errors beyond the obvious: -ENAMETOOLONG (a name longer than FS_NAME_MAX,
 * a path longer than FS_PATH_MAX or without its NUL), -ENOENT, -EEXIST,
 * -ENOTDIR, -EISDIR, -ENOTEMPTY, -EBADF (not a handle of the caller's, or
 * not open for that), -ENOSPC (no free block or inode), -EFBIG (past
 * FS_MAXFILE), -EMFILE (the caller has FS_TASK_HANDLES open), -ENFILE (the
 * server's table is full), -EPIPE, -EINVAL (a bad offset, flag or count,
 * ".." above the root, renaming a directory into itself), -EIO. */

#define FS_NAME          "fs"       /* its name at the memory server */
#define FS_PATH_MAX      256        /* a path, with its NUL */
#define FS_IO_MAX        8192       /* bytes per FS_READ or FS_WRITE */
#define FS_HANDLES_MAX   512        /* open handles, all tasks together */
#define FS_TASK_HANDLES  64         /* open handles of one task */
#define FS_PIPE_BUF      4096       /* bytes a pipe holds */

#endif
