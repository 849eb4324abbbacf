/*
 * The process table. The kernel knows only tasks, and lets only a task's
 * creator kill or reap it; the memory server creates every process, so it
 * is the kernel parent of all of them and keeps the Unix process tree on
 * top: each process has a parent process, its exit status reaches that
 * parent through MEM_WAIT, its children go to init when it ends, and it
 * stays a zombie until its parent has waited for it.
 *
 * A running process sits at slot pid % NPROC, the kernel's own slot for
 * its task, so finding the process that sent a message costs one
 * comparison. A zombie has no task any more, and the kernel may give its
 * slot to the next task at once: zombies have a table of their own. There
 * are never more processes and zombies together than NPROC (spawn says
 * -EAGAIN), so an ending process always finds a zombie entry free.
 */
#include "mem.h"

static struct proc procs[NPROC];
static struct zombie zombies[NPROC];
static int nprocs, nzombies;
long init_pid;

/* The running process with this pid, or NULL. */
struct proc *proc_get(long pid)
{
	struct proc *p = &procs[(uint64_t)pid % NPROC];
	return pid > 0 && p->pid == pid ? p : NULL;
}

static struct proc *proc_alloc(long pid, long ppid, const char *name, int flags)
{
	struct proc *p = &procs[(uint64_t)pid % NPROC];
	*p = (struct proc){ .pid = pid, .ppid = ppid, .flags = flags, .end_how = -1,
	                    .brk = HEAP_BASE };
	strncpy_z(p->name, name, sizeof(p->name));
	nprocs++;
	return p;
}

static void proc_free(struct proc *p)
{
	p->pid = 0;
	nprocs--;
}

/* Servers told of every process's end (MEM_WATCH): a notification bit
 * each. A server that keeps state per client (the file system's open
 * files) learns this way that it may free a dead client's. */
#define WATCHERS_MAX 4
static struct {
	long task;                /* 0: a free entry */
	uint64_t bit;
} watchers[WATCHERS_MAX];

/* MEM_WATCH: w0 = a notification bit, 0..62 (63 is the kernel's). */
long mem_watch(struct proc *p, struct req *r)
{
	uint64_t bit = r->m->w[0];
	if (!(p->flags & SPAWN_SERVER))
		return -EPERM;
	if (bit > 62)
		return -EINVAL;
	int free_slot = -1;
	for (int i = 0; i < WATCHERS_MAX; i++) {
		if (watchers[i].task == p->pid) {
			watchers[i].bit = bit;   /* asked again: the new bit */
			return 0;
		}
		if (!watchers[i].task && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	watchers[free_slot].task = p->pid;
	watchers[free_slot].bit = bit;
	return 0;
}

/* Tasks have ended: set each watcher's bit. We created every process, so
 * we hold the right to notify each (the kernel gives a task's creator
 * that right); notify never blocks. A watcher that is gone is dropped. */
void proc_tell_watchers(void)
{
	for (int i = 0; i < WATCHERS_MAX; i++) {
		if (!watchers[i].task)
			continue;
		long err = notify(watchers[i].task, 1UL << watchers[i].bit);
		if (err == -ESRCH || err == -EDEAD)
			watchers[i].task = 0;
	}
}

/* How many children, running or zombie, parent has. */
static int children(struct proc *parent)
{
	int n = 0;
	for (int i = 0; i < NPROC; i++)
		n += (procs[i].pid && procs[i].ppid == parent->pid) +
		     (zombies[i].pid && zombies[i].ppid == parent->pid);
	return n;
}

/* Give the drivers their devices: the registers mapped at DEV_VA and the
 * right to take the interrupts. */
/* Is the virtio-mmio slot at pa a block device? A look at its magic and
 * device ID registers (virtio spec 4.2.2), through a page mapped here for
 * the moment. */
#define PROBE_VA (IMAGE_VA - PAGE)   /* below the staged images, above all else of ours */
static bool virtio_block(uint64_t pa)
{
	if (map(mem_self, PROBE_VA, pa, MAP_R) < 0)
		return false;
	volatile uint32_t *regs = (volatile uint32_t *)PROBE_VA;
	bool block = regs[0] == 0x74726976 && regs[2] == 2;   /* "virt", block device */
	unmap(mem_self, PROBE_VA);
	return block;
}

/* Give the drivers their devices, and no more: the UART's registers and
 * interrupt, or the virtio-mmio slots that hold block devices and their
 * interrupts (the block driver never sees a network card or console). */
static long grant_devices(struct proc *p, uint64_t flags, uint64_t *mask)
{
	*mask = 0;
	for (uint64_t d = 0; d < bootinfo->ndevs; d++) {
		const struct bootinfo_dev *dev = &bootinfo->devs[d];
		bool uart = (flags & SPAWN_DEV_UART) && strcmp(dev->name, "uart") == 0;
		bool virtio = (flags & SPAWN_DEV_VIRTIO) && strcmp(dev->name, "virtio") == 0;
		if (!uart && !virtio)
			continue;
		uint64_t slot = dev->count ? dev->size / dev->count : dev->size;
		for (uint32_t i = 0; i < dev->count; i++) {
			uint64_t at = i * slot;
			if (virtio && !virtio_block(dev->pa + at))
				continue;
			for (uint64_t off = 0; off < slot; off += PAGE)
				if (map(p->pid, DEV_VA + at + off, dev->pa + at + off, MAP_R | MAP_W) < 0)
					return -ENOMEM;
			if (task_grant(p->pid, GRANT_IRQ, dev->irq + i) < 0)
				return -EPERM;
			if (virtio)
				*mask |= 1UL << i;
		}
	}
	return 0;
}

/* A task that never ran, gone again: the kernel's slot and our frames. */
static void proc_discard(struct proc *p)
{
	task_kill(p->pid);
	while (task_wait(p->pid, NULL) == -EAGAIN)
		yield();
	frames_put_all(p);
	proc_free(p);
}

/* Start the program of s (checked by the caller) as a child process of
 * parent, with the SPAWN_* rights in s->flags. Returns its pid or -E.... */
long proc_spawn(struct proc *parent, const struct spawn *s)
{
	if (nprocs + nzombies >= NPROC)
		return -EAGAIN;   /* every process must find a zombie entry when it ends */
	if (!(parent->flags & SPAWN_SERVER) &&
	    (nprocs + nzombies >= NPROC - MEM_SERVER_PROCS || children(parent) >= MEM_CHILDREN_MAX))
		return -EAGAIN;   /* an ordinary program cannot fill the table for everyone */
	long pid = task_create(s->argv);
	if (pid < 0)
		return -EAGAIN;   /* the kernel's task table is full */
	struct proc *p = proc_alloc(pid, parent->pid, s->argv, (int)s->flags);
	uint64_t entry = 0;
	struct spawn sp = *s;
	/* The trace right goes to every process: on a teaching system, any
	 * program may trace (`trace CMD`). A system with programs it does not
	 * trust would keep it for the servers: a trace shows others' messages. */
	long err = task_grant(pid, GRANT_TRACE, 0);
	if (!err)
		err = grant_devices(p, s->flags, &sp.devices);
	if (!err)
		err = load_program(p, &sp, &entry);
	int prio = s->flags & SPAWN_SERVER ? PRIO_DEFAULT : PRIO_DEFAULT - 1;   /* servers first */
	if (!err)
		err = thread_create(pid, (void (*)(uint64_t))entry, (void *)STARTINFO_VA, STARTINFO_VA,
		                    prio, -1);
	if (err < 0) {
		proc_discard(p);
		return err;
	}
	return pid;
}

/* The fields of a MEM_SPAWN, checked, in *s: the argv strings (all of the
 * bulk, or its first w2 bytes), and after them, when w2 says so, the
 * struct mem_inherit at the next multiple of 8, copied to *inherit. */
static long spawn_fields(struct proc *p, struct req *r, struct spawn *s,
                         struct mem_inherit *inherit)
{
	uint64_t argc = r->m->w[0], flags = r->m->w[1], argv_len = r->m->w[2];
	const char *argv = r->data;
	if (argv_len) {
		if (argv_len > MEM_ARGV_MAX)
			return -EINVAL;
		uint64_t at = (argv_len + 7) & ~7UL;   /* where the block starts */
		if (r->len != at + sizeof(struct mem_inherit))
			return -EINVAL;
		memcpy(inherit, argv + at, sizeof(*inherit));   /* r->data may be unaligned */
		inherit->cwd[MEM_CWD_MAX - 1] = 0;
	} else {
		argv_len = r->len;
	}
	if (argc == 0 || argc > MEM_ARGC_MAX || argv_len == 0 || argv_len > MEM_ARGV_MAX ||
	    argv[argv_len - 1] != 0)
		return -EINVAL;
	uint64_t strings = 0;
	for (size_t i = 0; i < argv_len; i++)
		strings += argv[i] == 0;
	if (strings != argc || argv[0] == 0)
		return -EINVAL;
	if (flags & ~(uint64_t)(SPAWN_SERVER | SPAWN_DEV_UART | SPAWN_DEV_VIRTIO | SPAWN_IMAGE))
		return -EINVAL;
	if ((flags & ~(uint64_t)SPAWN_IMAGE) && !(p->flags & SPAWN_SERVER))
		return -EPERM;   /* only servers (init) hand out rights */
	*s = (struct spawn){ .argv = argv, .len = argv_len, .argc = argc, .flags = flags,
	                     .inherit = r->m->w[2] ? inherit : NULL };
	return 0;
}

/* MEM_SPAWN: bulk = argc NUL-ended strings (then a struct mem_inherit if
 * w2 != 0); w0 = argc, w1 = SPAWN_* flags, w2 = 0 or the strings' bytes.
 * With SPAWN_IMAGE the program is the file the caller staged, which is
 * dropped whatever the outcome. */
long mem_spawn(struct proc *p, struct req *r)
{
	struct spawn s;
	struct mem_inherit inherit;
	bool mapped = false;
	long err = spawn_fields(p, r, &s, &inherit);
	if (!err && (s.flags & SPAWN_IMAGE)) {
		err = image_map(p, &s);
		mapped = !err;
	}
	if (!err)
		err = proc_spawn(p, &s);
	if (mapped)
		image_unmap(p);
	if (r->m->w[1] & SPAWN_IMAGE)
		image_drop(p);
	return err;
}

/* LAB pager BEGIN */
static void zombie_free(struct zombie *z)
{
	z->pid = 0;
	nzombies--;
}

/* Answer a held MEM_WAIT of parent if zombie z is what it waits for:
 * reply with z's status and free z's entry. True if it did. */
static bool wait_answer(struct proc *parent, struct zombie *z)
{
	if (!parent->wait_sender || (parent->wait_pid && parent->wait_pid != z->pid))
		return false;
	struct msg m = { (uint64_t)z->pid, { (uint64_t)z->status, (uint64_t)z->how } };
	long err = ipc_reply((long)parent->wait_sender, &m);
	parent->wait_sender = 0;
	if (err < 0)
		return false;   /* the waiting thread is gone: the zombie waits on */
	zombie_free(z);
	return true;
}

/* Process p's task is gone (the kernel reaped it with exit code `code`):
 * take back its frames, give its children to init, and leave a zombie
 * for its parent to wait for. */
static void proc_exited(struct proc *p, int code)
{
	if (p->pid == init_pid) {
		printf("mem: init ended (status %d): powering off\n", code);
		exit(code);   /* the root task's end is the system's */
	}
	frames_put_all(p);
	names_forget(p);
	struct zombie *z = zombies;
	while (z->pid)
		z++;   /* one is free: see the comment at the top */
	int how = p->end_how >= 0 ? p->end_how : code == -1 ? EXIT_FAULT : EXIT_NORMAL;
	*z = (struct zombie){ p->pid, p->ppid, how == EXIT_NORMAL ? code & 0xff : 0, how, { 0 } };
	memcpy(z->name, p->name, sizeof(z->name));
	nzombies++;
	proc_free(p);
	struct proc *init = proc_get(init_pid);
	for (int i = 0; i < NPROC; i++) {
		if (procs[i].pid && procs[i].ppid == z->pid)
			procs[i].ppid = init_pid;
		if (zombies[i].pid && zombies[i].ppid == z->pid) {
			zombies[i].ppid = init_pid;
			wait_answer(init, &zombies[i]);
		}
	}
	struct proc *parent = proc_get(z->ppid);
	if (parent)
		wait_answer(parent, z);
}

/* NOTIFY_CHILD_EXIT: reap every task that has ended. */
void proc_reap_children(void)
{
	int code;
	long id;
	while ((id = task_wait(0, &code)) > 0) {
		struct proc *p = proc_get(id);
		if (p)
			proc_exited(p, code);
	}
}

/* MEM_WAIT: w0 = pid or 0 (any child), w1 = WAIT_NOHANG or 0. */
long mem_wait(struct proc *p, struct req *r)
{
	long pid = (long)r->m->w[0];
	if (pid < 0 || (r->m->w[1] & ~(uint64_t)WAIT_NOHANG))
		return -EINVAL;
	bool any = false;
	for (int i = 0; i < NPROC; i++) {
		struct zombie *z = &zombies[i];
		if (z->pid && z->ppid == p->pid && (!pid || z->pid == pid)) {
			long id = z->pid;
			r->m->w[0] = (uint64_t)z->status;
			r->m->w[1] = (uint64_t)z->how;
			zombie_free(z);
			return id;
		}
		any |= procs[i].pid && procs[i].ppid == p->pid && (!pid || procs[i].pid == pid);
	}
	if (!any)
		return -ECHILD;
	if (r->m->w[1] & WAIT_NOHANG)
		return -EAGAIN;
	if (p->wait_sender)
		return -EBUSY;   /* another thread of p waits already */
	p->wait_sender = r->sender;
	p->wait_pid = pid;
	return REPLY_LATER;
}
/* LAB pager ELSE
// NOTIFY_CHILD_EXIT: reap every task that has ended, and make each a zombie
// for its parent (answering a MEM_WAIT held for it).
void proc_reap_children(void)
{
	static bool said;
	if (!said)
		printf("mem: proc_reap_children not written yet (lab pager)\n");
	said = true;
}

// MEM_WAIT: w0 = pid or 0 (any child), w1 = WAIT_NOHANG or 0. Returns the
// pid (w0 = status, w1 = EXIT_*), -ECHILD, -EAGAIN, or REPLY_LATER.
long mem_wait(struct proc *p, struct req *r)
{
	(void)p; (void)r;
	return -ENOSYS;
}
   LAB pager END */

/* End process p (a kill, a bad access, no memory left): the kernel
 * destroys its task at once, and NOTIFY_CHILD_EXIT follows. */
long proc_end(struct proc *p, int how)
{
	if (p->end_how < 0)
		p->end_how = how;
	return task_kill(p->pid);
}

/* MEM_KILL: w0 = pid. Mica has no users: any program may end an ordinary
 * program (a kill command ends its shell's background job), but only a
 * server may end a server. */
long mem_kill(struct proc *p, struct req *r)
{
	struct proc *t = proc_get((long)r->m->w[0]);
	if (!t || t->pid == mem_self)
		return -ESRCH;
	if ((t->flags & SPAWN_SERVER) && !(p->flags & SPAWN_SERVER))
		return -EPERM;
	return proc_end(t, EXIT_KILLED);
}

/* MEM_PS: one struct mem_procinfo per process, in the bulk reply. */
long mem_ps(struct proc *p, struct req *r)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	(void)p;
	size_t n = 0;
	for (int i = 0; i < NPROC && n < MEM_PS_MAX; i++) {
		struct proc *q = &procs[i];
		if (!q->pid)
			continue;
		rows[n] = (struct mem_procinfo){ q->pid, q->ppid, PROC_RUNNING, (uint32_t)q->flags,
		                                 q->nframes, { 0 } };
		memcpy(rows[n++].name, q->name, MEM_NAME_MAX);
	}
	for (int i = 0; i < NPROC && n < MEM_PS_MAX; i++) {
		struct zombie *z = &zombies[i];
		if (!z->pid)
			continue;
		rows[n] = (struct mem_procinfo){ z->pid, z->ppid, PROC_ZOMBIE, 0, 0, { 0 } };
		memcpy(rows[n++].name, z->name, MEM_NAME_MAX);
	}
	r->reply_data = rows;
	r->reply_len = n * sizeof(rows[0]);
	return (long)n;
}

/* MEM_STATS: frames free and in all, free kernel pages, processes. */
long mem_stats_req(struct proc *p, struct req *r)
{
	(void)p;
	r->m->w[0] = frames_free_count();
	r->m->w[1] = frames_total();
	r->m->w[2] = (uint64_t)ktest(KTEST_KPAGES);
	r->m->w[3] = (uint64_t)nprocs;
	return 0;
}

/* Our own entry, so that ps shows the memory server and what it holds. */
void proc_init(void)
{
	struct proc *me = proc_alloc(mem_self, 0, "mem", SPAWN_SERVER);
	me->nframes = frames_table_count();
}
