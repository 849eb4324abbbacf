/*
 * Where programs find the servers. A server registers its name once it is
 * ready to serve; a program asks for a name and gets the server's task ID
 * together with the right to send to it, which the memory server can give
 * because it created both. The kernel keeps no table of names. A server
 * that ends loses its name, so a restarted one registers again and its
 * clients find it by asking again.
 */
#include "mem.h"

#define NAMES_MAX 8
#define WAITERS_MAX 8

static struct {
	char name[MEM_NAME_MAX];
	long pid;                 /* 0: a free entry */
} names[NAMES_MAX];

/* Lookups held until a server registers (init starting a server). */
static struct {
	uint64_t sender;          /* the caller's sender word; 0: a free entry */
	long client, server;      /* the caller's pid, the pid expected to serve */
	char name[MEM_NAME_MAX];
} waiters[WAITERS_MAX];

/* Give client the right to send to server; the answer to its lookup. */
static long grant(long client, long server)
{
	if (client == server)
		return server;
	long err = task_grant(client, GRANT_SEND, (uint64_t)server);
	return err < 0 ? err : server;
}

static void answer(int w, long result)
{
	struct msg m = { (uint64_t)result, { 0 } };
	ipc_reply((long)waiters[w].sender, &m);
	waiters[w].sender = 0;
}

/* The name in a request's bulk data, if it is a proper one: NUL-ended,
 * not empty, shorter than MEM_NAME_MAX. */
static const char *request_name(struct req *r)
{
	const char *s = r->data;
	if (r->len < 2 || r->len > MEM_NAME_MAX || s[r->len - 1] != 0 || strlen(s) != r->len - 1)
		return NULL;
	return s;
}

/* MEM_LOOKUP: bulk = name, w0 = 0 or the pid expected to serve it -> the
 * server's task ID; the caller may now send to it. */
long mem_lookup(struct proc *p, struct req *r)
{
	const char *name = request_name(r);
	long expect = (long)r->m->w[0];
	if (!name || expect < 0)
		return -EINVAL;
	for (int i = 0; i < NAMES_MAX; i++)
		if (names[i].pid && strcmp(names[i].name, name) == 0)
			return grant(p->pid, names[i].pid);
	if (!expect)
		return -ENOENT;
	if (!(p->flags & SPAWN_SERVER))
		return -EPERM;   /* waiting holds an entry: for init and the servers only */
	struct proc *server = proc_get(expect);
	if (!server || !(server->flags & SPAWN_SERVER) || expect == mem_self)
		return -EDEAD;   /* not a server that could ever register */
	for (int w = 0; w < WAITERS_MAX; w++) {
		if (waiters[w].sender)
			continue;
		waiters[w].sender = r->sender;
		waiters[w].client = p->pid;
		waiters[w].server = expect;
		strncpy_z(waiters[w].name, name, MEM_NAME_MAX);
		return REPLY_LATER;
	}
	return -EBUSY;
}

/* MEM_REGISTER: bulk = name; the caller (a server) serves under it from now on. */
long mem_register(struct proc *p, struct req *r)
{
	const char *name = request_name(r);
	if (!name)
		return -EINVAL;
	if (!(p->flags & SPAWN_SERVER))
		return -EPERM;
	int free_slot = -1;
	for (int i = 0; i < NAMES_MAX; i++) {
		if (names[i].pid && strcmp(names[i].name, name) == 0)
			return names[i].pid == p->pid ? 0 : -EEXIST;
		if (!names[i].pid && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	strncpy_z(names[free_slot].name, name, MEM_NAME_MAX);
	names[free_slot].pid = p->pid;
	for (int w = 0; w < WAITERS_MAX; w++)
		if (waiters[w].sender && strcmp(waiters[w].name, name) == 0)
			answer(w, grant(waiters[w].client, p->pid));
	return 0;
}

/* p ended: the names it served under are free again, lookups waiting
 * for it to register fail, and its own waiting lookup is dropped. */
void names_forget(struct proc *p)
{
	for (int i = 0; i < NAMES_MAX; i++)
		if (names[i].pid == p->pid)
			names[i].pid = 0;
	for (int w = 0; w < WAITERS_MAX; w++) {
		if (waiters[w].sender && waiters[w].server == p->pid)
			answer(w, -EDEAD);
		else if (waiters[w].client == p->pid)
			waiters[w].sender = 0;
	}
}
