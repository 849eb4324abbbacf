/*
 * Files for programs: the descriptor table, and the client side of the
 * file system server's protocol (include/mica/proto/fs.h).
 *
 * A descriptor names the console or a handle at the file system server (a
 * file, a directory or a pipe end). The table lives here, in the program;
 * the server knows only handles. 0, 1 and 2 start as the parent said in
 * the start-up block (struct mem_inherit): the console, or handles the
 * parent lent, claimed here before main runs. The working directory is a
 * string kept here too: a relative path is sent with it in front, and the
 * server resolves the whole path.
 */
#include "mica.h"
#include "fd.h"
#include <mica/proto/fs.h>

#define NFD 32

enum { FD_FREE, FD_CONSOLE, FD_FILE };
static struct {
	uint8_t kind;
	uint64_t handle;            /* FD_FILE: the server's handle */
	long server;                /* ... and the server that gave it */
} fds[NFD] = { { FD_CONSOLE, 0, 0 }, { FD_CONSOLE, 0, 0 }, { FD_CONSOLE, 0, 0 } };

static char cwd[MEM_CWD_MAX] = "/";
static long fs;                 /* the server's task ID; 0: not looked up */
static long fs_dead;            /* the last one that died: its successor is awaited */

/* The file system server's ID: looked up the first time, and after it
 * died, awaited while the supervisor starts it again (restart.md). */
static long fs_id(void)
{
	if (fs > 0)
		return fs;
	if (!startinfo)
		return -ENOSYS;
	long id = fs_dead ? server_reconnect(FS_NAME, fs_dead) : server_lookup(FS_NAME);
	if (id < 0)
		return id == -ENOENT ? -ENODEV : id;
	fs_dead = 0;
	return fs = id;
}

/* A call to server `to` failed with r: if that is because it died, forget it. */
static long fs_failed(long to, long r)
{
	if ((r == -EDEAD || r == -ESRCH) && to == fs) {
		fs_dead = fs;
		fs = 0;
	}
	return r;
}

/* A request that names no handle. If the server we knew had died before
 * it was sent (-ESRCH: it never got it), it goes to the new one; one that
 * the death cut short fails with -EDEAD, for it may have been done. */
long fs_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap)
{
	struct msg req = *m;
	for (int attempt = 0;; attempt++) {
		long to = fs_id();
		if (to < 0)
			return to;
		*m = req;
		long r = ipc_call_bulk(to, m, sbuf, slen, rbuf, rcap);
		if (r >= 0)
			return (long)m->label;
		fs_failed(to, r);
		if (r != -ESRCH || attempt > 0)
			return r;
	}
}

/* A request about fd's handle (in m->w[0]), to the server that gave it. A
 * handle outlives no restart: after its server died it is stale, and the
 * request fails with -ESTALE (-EDEAD for the one the death cut short). */
static long handle_call(int fd, struct msg *m, const void *sbuf, size_t slen, void *rbuf,
                        size_t rcap)
{
	long to = fds[fd].server;
	long r = ipc_call_bulk(to, m, sbuf, slen, rbuf, rcap);
	if (r >= 0)
		return (long)m->label;
	fs_failed(to, r);
	return r == -ESRCH ? -ESTALE : r;
}

/* fd names handle h of the server we reach now. */
static void fd_set_file(int fd, uint64_t h)
{
	fds[fd].kind = FD_FILE;
	fds[fd].handle = h;
	fds[fd].server = fs;
}

/* The absolute form of path: the working directory in front of a relative
 * one. Returns the length with the NUL, or -ENAMETOOLONG. */
static long absolute(const char *path, char *out)
{
	size_t n = strlen(path);
	if (path[0] == '/') {
		if (n + 1 > FS_PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(out, path, n + 1);
		return (long)n + 1;
	}
	size_t c = strlen(cwd);
	if (c + 1 + n + 1 > FS_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, cwd, c);
	if (c == 0 || out[c - 1] != '/')
		out[c++] = '/';
	memcpy(out + c, path, n + 1);
	return (long)(c + n + 1);
}

/* A request whose bulk is one path. */
static long path_call(uint64_t label, const char *path, uint64_t w0, void *rbuf, size_t rcap)
{
	char abs[FS_PATH_MAX];
	long n = absolute(path, abs);
	if (n < 0)
		return n;
	struct msg m = { label, { w0 } };
	return fs_call(&m, abs, (size_t)n, rbuf, rcap);
}

/* A request whose bulk is two paths, "old\0new\0". */
static long paths_call(uint64_t label, const char *a, const char *b)
{
	char buf[2 * FS_PATH_MAX];
	long n = absolute(a, buf);
	if (n < 0)
		return n;
	long k = absolute(b, buf + n);
	if (k < 0)
		return k;
	struct msg m = { label, { 0 } };
	return fs_call(&m, buf, (size_t)(n + k), NULL, 0);
}

static int fd_alloc(void)
{
	for (int i = 0; i < NFD; i++)
		if (fds[i].kind == FD_FREE)
			return i;
	return -EMFILE;
}

static bool is_file(int fd)
{
	return fd >= 0 && fd < NFD && fds[fd].kind == FD_FILE;
}

static bool is_open(int fd)
{
	return fd >= 0 && fd < NFD && fds[fd].kind != FD_FREE;
}

bool fd_is_console(int fd)
{
	return fd >= 0 && fd < NFD && fds[fd].kind == FD_CONSOLE;
}

int open(const char *path, int flags)
{
	int fd = fd_alloc();
	if (fd < 0)
		return fd;
	long h = path_call(FS_OPEN, path, (uint64_t)flags, NULL, 0);
	if (h < 0)
		return (int)h;
	fd_set_file(fd, (uint64_t)h);
	return fd;
}

long close(int fd)
{
	if (!is_open(fd))
		return -EBADF;
	long err = fd == 1 ? stdout_release() : 0;   /* what 1 could not write is told here */
	if (fds[fd].kind == FD_FILE) {
		struct msg m = { FS_CLOSE, { fds[fd].handle } };
		long r = handle_call(fd, &m, NULL, 0, NULL, 0);
		err = r < 0 ? r : err;
	}
	fds[fd].kind = FD_FREE;
	return err;
}

long fd_write(int fd, const void *buf, size_t n)
{
	if (!is_open(fd))
		return -EBADF;
	if (fds[fd].kind == FD_CONSOLE)
		return startinfo ? console_write(buf, n) : debug_write(buf, n);
	const char *p = buf;
	size_t done = 0;
	while (done < n) {   /* a pipe may take part of it: send the rest again */
		size_t k = n - done < FS_IO_MAX ? n - done : FS_IO_MAX;
		struct msg m = { FS_WRITE, { fds[fd].handle } };
		long r = handle_call(fd, &m, p + done, k, NULL, 0);
		if (r < 0)
			return done ? (long)done : r;
		done += (size_t)r;
	}
	return (long)n;
}

long write(int fd, const void *buf, size_t n)
{
	if (fd == 1 && is_open(1))
		return startinfo ? stdout_write(buf, n) : debug_write(buf, n);
	if (fd == 2)
		flush();   /* what was printed before comes first */
	return fd_write(fd, buf, n);
}

long read(int fd, void *buf, size_t n)
{
	if (!is_open(fd))
		return -EBADF;
	flush();   /* a prompt shows before we wait */
	if (fds[fd].kind == FD_CONSOLE)
		return console_read(buf, n);
	struct msg m = { FS_READ, { fds[fd].handle, n < FS_IO_MAX ? n : FS_IO_MAX } };
	return handle_call(fd, &m, NULL, 0, buf, n < FS_IO_MAX ? n : FS_IO_MAX);
}

long lseek(int fd, long off, int whence)
{
	if (!is_file(fd))
		return is_open(fd) ? -ESPIPE : -EBADF;
	struct msg m = { FS_SEEK, { fds[fd].handle, (uint64_t)off, (uint64_t)whence } };
	return handle_call(fd, &m, NULL, 0, NULL, 0);
}

long stat(const char *path, struct fs_stat *st)
{
	return path_call(FS_STAT, path, 0, st, sizeof(*st));
}

long fstat(int fd, struct fs_stat *st)
{
	if (fd_is_console(fd)) {
		*st = (struct fs_stat){ 0, FS_STAT_TTY, 1, 0, 0 };
		return 0;
	}
	if (!is_file(fd))
		return -EBADF;
	struct msg m = { FS_FSTAT, { fds[fd].handle } };
	return handle_call(fd, &m, NULL, 0, st, sizeof(*st));
}

long mkdir(const char *path)
{
	return path_call(FS_MKDIR, path, 0, NULL, 0);
}

long rmdir(const char *path)
{
	return path_call(FS_RMDIR, path, 0, NULL, 0);
}

long unlink(const char *path)
{
	return path_call(FS_UNLINK, path, 0, NULL, 0);
}

long link(const char *old, const char *new)
{
	return paths_call(FS_LINK, old, new);
}

long rename(const char *old, const char *new)
{
	return paths_call(FS_RENAME, old, new);
}

long readdir(int fd, struct fs_dirent *ents, size_t max)
{
	if (!is_file(fd))
		return -EBADF;
	size_t cap = max * sizeof(*ents) < FS_IO_MAX ? max * sizeof(*ents) : FS_IO_MAX;
	struct msg m = { FS_READDIR, { fds[fd].handle, cap } };
	long r = handle_call(fd, &m, NULL, 0, ents, cap);
	return r < 0 ? r : r / (long)sizeof(*ents);
}

long fsync(int fd)
{
	if (!is_file(fd))
		return -EBADF;
	long err = fd == 1 ? flush() : 0;
	struct msg m = { FS_FSYNC, { fds[fd].handle } };
	long r = handle_call(fd, &m, NULL, 0, NULL, 0);
	return r < 0 ? r : err;
}

long sync(void)
{
	flush();
	struct msg m = { FS_SYNC, { 0 } };
	return fs_call(&m, NULL, 0, NULL, 0);
}

long fs_statfs(struct fs_statfs *st)
{
	struct msg m = { FS_STATFS, { 0 } };
	long r = fs_call(&m, NULL, 0, NULL, 0);
	if (r == 0)
		*st = (struct fs_statfs){ m.w[0], m.w[1], m.w[2], m.w[3] };
	return r;
}

long pipe(int p[2])
{
	int r = fd_alloc();
	if (r < 0)
		return r;
	fds[r].kind = FD_CONSOLE;   /* reserved while we find the second */
	int w = fd_alloc();
	fds[r].kind = FD_FREE;
	if (w < 0)
		return w;
	struct msg m = { FS_PIPE, { 0 } };
	long err = fs_call(&m, NULL, 0, NULL, 0);
	if (err < 0)
		return err;
	fd_set_file(r, m.w[0]);
	fd_set_file(w, m.w[1]);
	p[0] = r;
	p[1] = w;
	return 0;
}

/* Make descriptor to name what from names (closing what it named). */
static long dup_into(int from, int to)
{
	uint64_t h = 0;
	if (fds[from].kind == FD_FILE) {
		struct msg m = { FS_DUP, { fds[from].handle } };
		long r = handle_call(from, &m, NULL, 0, NULL, 0);
		if (r < 0)
			return r;
		h = (uint64_t)r;
	}
	if (is_open(to))
		close(to);
	fds[to].kind = fds[from].kind;
	fds[to].handle = h;
	fds[to].server = fds[from].server;
	return to;
}

long dup(int fd)
{
	if (!is_open(fd))
		return -EBADF;
	int to = fd_alloc();
	return to < 0 ? to : dup_into(fd, to);
}

long dup2(int fd, int to)
{
	if (!is_open(fd) || to < 0 || to >= NFD)
		return -EBADF;
	if (fd == to)
		return to;
	if (to == 1)
		stdout_release();   /* an error of the old 1 is lost: flush() first to learn it */
	return dup_into(fd, to);
}

long chdir(const char *path)
{
	char canon[FS_PATH_MAX];
	long r = path_call(FS_REALPATH, path, 0, canon, sizeof(canon));
	if (r < 0)
		return r;
	if (r == 0 || (size_t)r > sizeof(cwd) || canon[r - 1] != 0)
		return -EIO;
	memcpy(cwd, canon, (size_t)r);
	return 0;
}

const char *getcwd(void)
{
	return cwd;
}

/* What a child gets as 0, 1 and 2 (fds[i] of ours; -1: nothing), and our
 * working directory. A file is lent: the child claims it (files_init). */
long inherit_fill(struct mem_inherit *in, const int which[3])
{
	memset(in, 0, sizeof(*in));
	memcpy(in->cwd, cwd, sizeof(in->cwd));
	for (int i = 0; i < 3; i++) {
		int fd = which ? which[i] : i;
		if (!is_open(fd)) {
			in->fd[i].kind = INHERIT_NONE;
		} else if (fds[fd].kind == FD_CONSOLE) {
			in->fd[i].kind = INHERIT_CONSOLE;
		} else {
			struct msg m = { FS_LEND, { fds[fd].handle } };
			long h = handle_call(fd, &m, NULL, 0, NULL, 0);
			if (h < 0) {
				inherit_undo(in);
				return h;
			}
			in->fd[i].kind = INHERIT_FILE;
			in->fd[i].handle = (uint64_t)h;
			in->fd[i].token = m.w[0];
		}
	}
	return 0;
}

/* The spawn failed: take back what was lent. */
void inherit_undo(struct mem_inherit *in)
{
	for (int i = 0; i < 3; i++)
		if (in->fd[i].kind == INHERIT_FILE) {
			struct msg m = { FS_CLOSE, { in->fd[i].handle } };
			fs_call(&m, NULL, 0, NULL, 0);
			in->fd[i].kind = INHERIT_NONE;
		}
}

/* At start-up: 0, 1, 2 and the working directory from the parent. */
void files_init(void)
{
	if (!startinfo || !startinfo->inherited)
		return;
	const struct mem_inherit *in = &startinfo->inherit;
	if (in->cwd[0] == '/')
		strncpy_z(cwd, in->cwd, sizeof(cwd));
	for (int i = 0; i < 3; i++) {
		fds[i].kind = FD_FREE;
		if (in->fd[i].kind == INHERIT_CONSOLE) {
			fds[i].kind = FD_CONSOLE;
		} else if (in->fd[i].kind == INHERIT_FILE) {
			struct msg m = { FS_CLAIM, { in->fd[i].handle, in->fd[i].token } };
			if (fs_call(&m, NULL, 0, NULL, 0) == 0)
				fd_set_file(i, in->fd[i].handle);
		}
	}
}
