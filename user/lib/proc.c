/* The client side of the memory server's protocol (include/mica/proto/mem.h):
 * processes, the heap, and finding servers. */
#include "mica.h"
#include <mica/proto/super.h>
#include "fd.h"

long getpid(void)
{
	return startinfo ? startinfo->pid : self_task();
}

/* One call to the memory server; the result is the reply's label. */
long mem_call(struct msg *m, const void *sbuf, size_t slen, void *rbuf, size_t rcap)
{
	if (!startinfo)
		return -ENOSYS;   /* a root task has no memory server above it */
	long err = ipc_call_bulk(startinfo->mem, m, sbuf, slen, rbuf, rcap);
	return err < 0 ? err : (long)m->label;
}

/* Stage the program file at path for our next spawn (MEM_IMAGE). */
static long stage_image(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	struct fs_stat st;
	long r = fstat(fd, &st);
	if (r == 0 && st.type != FS_STAT_FILE)
		r = -EACCES;
	else if (r == 0 && (st.size == 0 || st.size > MEM_IMAGE_MAX))
		r = -ENOEXEC;
	static char chunk[FS_IO_MAX];
	for (uint64_t off = 0; r == 0 && off < st.size;) {
		long n = read(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			r = n < 0 ? n : -EIO;
			break;
		}
		struct msg m = { MEM_IMAGE, { off, st.size } };
		r = mem_call(&m, chunk, (size_t)n, NULL, 0);
		off += (uint64_t)n;
	}
	close(fd);
	return r;
}

/* MEM_SPAWN: argv strings, then (8-byte aligned) what the child inherits. */
static long spawn_call(const char *strings, size_t len, int argc, int flags,
                       const struct mem_inherit *in)
{
	static char buf[MEM_ARGV_MAX + 8 + sizeof(struct mem_inherit)];
	size_t at = (len + 7) & ~7UL;
	memcpy(buf, strings, len);
	memset(buf + len, 0, at - len);
	memcpy(buf + at, in, sizeof(*in));
	struct msg m = { MEM_SPAWN, { (uint64_t)argc, (uint64_t)flags, len } };
	return mem_call(&m, buf, at + sizeof(*in), NULL, 0);
}

long spawn_full(char *const argv[], int flags, const int fds[3])
{
	char strings[MEM_ARGV_MAX];
	size_t len = 0;
	int argc = 0;
	for (; argv[argc]; argc++) {
		size_t n = strlen(argv[argc]) + 1;
		if (argc == MEM_ARGC_MAX || len + n > sizeof(strings))
			return -E2BIG;
		memcpy(strings + len, argv[argc], n);
		len += n;
	}
	if (argc == 0)
		return -EINVAL;
	flush();   /* our output so far comes before the child's */
	static struct mem_inherit in;
	long r = inherit_fill(&in, fds);
	if (r < 0)
		return r;
	/* a program of the boot archive, else one from the disk: /bin/NAME */
	r = strchr(argv[0], '/') ? -ENOENT : spawn_call(strings, len, argc, flags, &in);
	if (r == -ENOENT) {
		char path[FS_PATH_MAX];
		if (strchr(argv[0], '/'))
			strncpy_z(path, argv[0], sizeof(path));
		else
			snprintf(path, sizeof(path), "/bin/%s", argv[0]);
		r = stage_image(path);
		if (r == -ENODEV || r == -ENOSYS)
			r = -ENOENT;   /* no file system: the program is simply not there */
		if (r == 0)
			r = spawn_call(strings, len, argc, flags | SPAWN_IMAGE, &in);
	}
	if (r < 0)
		inherit_undo(&in);
	return r;
}

long spawn_flags(char *const argv[], int flags)
{
	return spawn_full(argv, flags, NULL);
}

long spawn_fds(char *const argv[], const int fds[3])
{
	return spawn_full(argv, 0, fds);
}

long spawn(char *const argv[])
{
	return spawn_full(argv, 0, NULL);
}

long waitpid(long pid, int *status, int options)
{
	struct msg m = { MEM_WAIT, { (uint64_t)pid, (uint64_t)options } };
	long r = mem_call(&m, NULL, 0, NULL, 0);
	if (r > 0 && status)
		*status = (int)((m.w[0] & 0xff) | (m.w[1] << 8));
	return r;
}

long wait(int *status)
{
	return waitpid(0, status, 0);
}

long kill(long pid)
{
	struct msg m = { MEM_KILL, { (uint64_t)pid } };
	return mem_call(&m, NULL, 0, NULL, 0);
}

void *sbrk(long increment)
{
	struct msg m = { MEM_SBRK, { (uint64_t)increment } };
	long r = mem_call(&m, NULL, 0, NULL, 0);
	return r < 0 ? NULL : (void *)r;
}

long ps(struct mem_procinfo *rows, size_t max)
{
	struct msg m = { MEM_PS, { 0 } };
	return mem_call(&m, NULL, 0, rows, max * sizeof(*rows));
}

long mem_stats(struct mem_stats *st)
{
	struct msg m = { MEM_STATS, { 0 } };
	long r = mem_call(&m, NULL, 0, NULL, 0);
	if (r >= 0)
		*st = (struct mem_stats){ m.w[0], m.w[1], m.w[2], m.w[3] };
	return r;
}

long server_lookup(const char *name)
{
	struct msg m = { MEM_LOOKUP, { 0 } };
	return mem_call(&m, name, strlen(name) + 1, NULL, 0);
}

/* Server `name`, whose instance `dead` died: find the next one, which the
 * supervisor is starting (restart.md), waiting for its name to come back at
 * most SUPER_START_MS and a second. Only servers may have the memory server
 * wait for a name, so this asks every 10 ms. */
long server_reconnect(const char *name, long dead)
{
	for (uint64_t waited = 0;; waited += 10) {
		long id = server_lookup(name);
		if ((id != -ENOENT && id != dead) || waited >= SUPER_START_MS + 1000)
			return id == dead ? -ENOENT : id;
		sleep_ms(10);
	}
}

long server_await(const char *name, long pid, uint64_t timeout_ms)
{
	if (!startinfo)
		return -ENOSYS;
	struct msg m = { MEM_LOOKUP, { (uint64_t)pid } };
	struct ipc_args a = { .filter = (uint64_t)startinfo->mem, .timeout = timeout_ms,
	                      .sbuf = name, .slen = strlen(name) + 1 };
	long err = ipc(IPC_CALL | IPC_BULK_SEND, startinfo->mem, &m, &a, NULL);
	return err < 0 ? err : (long)m.label;
}

long server_register(const char *name)
{
	struct msg m = { MEM_REGISTER, { 0 } };
	return mem_call(&m, name, strlen(name) + 1, NULL, 0);
}
