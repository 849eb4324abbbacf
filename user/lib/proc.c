/* The client side of the memory server's protocol (include/mica/proto/mem.h):
 * processes, the heap, and finding servers. */
#include "mica.h"

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

long spawn_flags(char *const argv[], int flags)
{
	char buf[MEM_ARGV_MAX];
	size_t len = 0;
	int argc = 0;
	for (; argv[argc]; argc++) {
		size_t n = strlen(argv[argc]) + 1;
		if (argc == MEM_ARGC_MAX || len + n > sizeof(buf))
			return -E2BIG;
		memcpy(buf + len, argv[argc], n);
		len += n;
	}
	if (argc == 0)
		return -EINVAL;
	struct msg m = { MEM_SPAWN, { (uint64_t)argc, (uint64_t)flags } };
	return mem_call(&m, buf, len, NULL, 0);
}

long spawn(char *const argv[])
{
	return spawn_flags(argv, 0);
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
