/*
 * The memory server: the root task, the first and only task the kernel
 * starts. It owns the RAM the kernel granted (frames.c), is the pager of
 * every process (pager.c), creates them all and keeps the process tree
 * (proc.c), loads their programs (loader.c, image.c), and tells programs
 * where the other servers are (names.c).
 * At start it spawns init, which starts everything else.
 *
 * The loop (server_loop, user/lib/server.c): receive a request, look its
 * handler up by label in the table below, reply with the result, receive
 * the next one, all in one IPC_REPLY_RECV. The protocol is
 * include/mica/proto/mem.h.
 */
#include "mem.h"

long mem_self;

typedef long (*mem_handler)(struct proc *p, struct req *r);

static const mem_handler handlers[MEM_LAST - MEM_FIRST + 1] = {
	[MEM_SPAWN - MEM_FIRST] = mem_spawn,
	[MEM_WAIT - MEM_FIRST] = mem_wait,
	[MEM_KILL - MEM_FIRST] = mem_kill,
	[MEM_SBRK - MEM_FIRST] = mem_sbrk,
	[MEM_PS - MEM_FIRST] = mem_ps,
	[MEM_STATS - MEM_FIRST] = mem_stats_req,
	[MEM_LOOKUP - MEM_FIRST] = mem_lookup,
	[MEM_REGISTER - MEM_FIRST] = mem_register,
	[MEM_DMA - MEM_FIRST] = mem_dma,
	[MEM_IMAGE - MEM_FIRST] = mem_image,
	[MEM_WATCH - MEM_FIRST] = mem_watch,
};

/* LABEL_PAGE_FAULT: the pager's answer, given here. A refused fault ends
 * the faulting task in the kernel when it gets the reply. But the label
 * comes from the message, and any program may send it in a call of its
 * own: that is no fault, and the reply would not end it, though it would
 * be marked crashed. So a task still alive after a refusal is ended here,
 * as its fault asked for. */
static long page_fault(struct proc *p, struct req *r)
{
	long err = pager_fault(p, r);
	if (err >= 0)
		return err;
	reply_later(r->sender, err, NULL, 0);
	if (task_alive(p->pid))
		proc_end(p, EXIT_FAULT);
	return REPLY_LATER;
}

/* Handle one message; the result becomes the reply's label. A message from
 * the kernel (sender 0) is a notification and gets no reply: tasks have
 * ended, so their processes end and the servers watching hear of it. */
static long dispatch(struct req *r)
{
	uint64_t label = r->m->label;
	if (r->sender == 0) {
		if (label == LABEL_NOTIFY && (r->m->w[0] & NOTIFY_CHILD_EXIT)) {
			proc_reap_children();
			proc_tell_watchers();
		}
		return REPLY_LATER;
	}
	struct proc *p = proc_get(TID_TASK(r->sender));
	if (!p)
		return -ESRCH;
	if (label == LABEL_PAGE_FAULT)
		return page_fault(p, r);
	if (label < MEM_FIRST || label > MEM_LAST || !handlers[label - MEM_FIRST])
		return -ENOSYS;
	return handlers[label - MEM_FIRST](p, r);
}

/* init's arguments: "init" and the words of the kernel command line. */
static size_t init_argv(char *buf, size_t cap, uint64_t *argc)
{
	size_t len = 0;
	const char *args = bootinfo->bootargs;
	memcpy(buf, "init", 5);
	len = 5;
	*argc = 1;
	for (const char *p = args; *p && *argc < MEM_ARGC_MAX;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		while (p[n] && p[n] != ' ')
			n++;
		if (len + n + 1 > cap)
			break;
		memcpy(buf + len, p, n);
		buf[len + n] = 0;
		len += n + 1;
		(*argc)++;
		p += n;
	}
	return len;
}

int main(uint64_t bootinfo_va)
{
	bootinfo = (const struct bootinfo *)bootinfo_va;
	mem_self = self_task();
	frames_init();
	proc_init();
	printf("mem: memory server up: %lu frames free (%lu MiB)\n", frames_free_count(),
	       frames_free_count() * PAGE >> 20);
	char argv[MEM_ARGV_MAX];
	uint64_t argc;
	size_t len = init_argv(argv, sizeof(argv), &argc);
	struct spawn init = { .argv = argv, .len = len, .argc = argc, .flags = SPAWN_SERVER };
	init_pid = proc_spawn(proc_get(mem_self), &init);
	if (init_pid < 0) {
		printf("mem: cannot start init: error %ld\n", init_pid);
		return 1;
	}
	static uint8_t inbuf[IPC_BULK_MAX];
	server_loop(dispatch, inbuf, sizeof(inbuf));
}
