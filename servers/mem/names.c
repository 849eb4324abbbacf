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

static struct {
	char name[MEM_NAME_MAX];
	long pid;                 /* 0: a free entry */
} names[NAMES_MAX];

/* The name in a request's bulk data, if it is a proper one: NUL-ended,
 * not empty, shorter than MEM_NAME_MAX. */
static const char *request_name(struct req *r)
{
	const char *s = r->data;
	if (r->len < 2 || r->len > MEM_NAME_MAX || s[r->len - 1] != 0 || strlen(s) != r->len - 1)
		return NULL;
	return s;
}

/* MEM_LOOKUP: bulk = name -> the server's task ID; the caller may now send to it. */
long mem_lookup(struct proc *p, struct req *r)
{
	const char *name = request_name(r);
	if (!name)
		return -EINVAL;
	for (int i = 0; i < NAMES_MAX; i++) {
		if (!names[i].pid || strcmp(names[i].name, name) != 0)
			continue;
		if (names[i].pid != p->pid) {
			long err = task_grant(p->pid, GRANT_SEND, (uint64_t)names[i].pid);
			if (err < 0)
				return err;
		}
		return names[i].pid;
	}
	return -ENOENT;
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
	return 0;
}

/* p ended: the names it served under are free again. */
void names_forget(struct proc *p)
{
	for (int i = 0; i < NAMES_MAX; i++)
		if (names[i].pid == p->pid)
			names[i].pid = 0;
}
