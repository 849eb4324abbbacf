/*
 * The file system server: files, directories and pipes for every program.
 * init spawns it (SPAWN_SERVER) after the block driver; it mounts the disk
 * the driver serves, refusing a damaged one with a message, and then
 * serves requests until the system stops.
 *
 * The loop (server_loop_idle, user/lib/server.c): receive a request, look
 * its handler up by label in the table below, reply with the result and
 * receive the next, in one IPC_REPLY_RECV. After each request, and when
 * none came for a while, the log may commit what has waited (log.c). A
 * notification from the memory server says some process ended: its handles
 * are closed. The protocol is include/mica/proto/fs.h.
 */
#include "fs.h"

#define DEATH_BIT 0          /* our notification bit for "a process ended" */

typedef long (*fs_handler)(struct req *r);

static const fs_handler handlers[FS_LAST - FS_FIRST + 1] = {
	[FS_OPEN - FS_FIRST] = file_open,
	[FS_CLOSE - FS_FIRST] = file_close,
	[FS_READ - FS_FIRST] = file_read,
	[FS_WRITE - FS_FIRST] = file_write,
	[FS_SEEK - FS_FIRST] = file_seek,
	[FS_STAT - FS_FIRST] = op_stat,
	[FS_FSTAT - FS_FIRST] = file_fstat,
	[FS_MKDIR - FS_FIRST] = op_mkdir,
	[FS_RMDIR - FS_FIRST] = op_rmdir,
	[FS_UNLINK - FS_FIRST] = op_unlink,
	[FS_LINK - FS_FIRST] = op_link,
	[FS_RENAME - FS_FIRST] = op_rename,
	[FS_READDIR - FS_FIRST] = file_readdir,
	[FS_FSYNC - FS_FIRST] = file_fsync,
	[FS_SYNC - FS_FIRST] = op_sync,
	[FS_PIPE - FS_FIRST] = file_pipe,
	[FS_DUP - FS_FIRST] = file_dup,
	[FS_LEND - FS_FIRST] = file_lend,
	[FS_CLAIM - FS_FIRST] = file_claim,
	[FS_REALPATH - FS_FIRST] = op_realpath,
	[FS_STATFS - FS_FIRST] = op_statfs,
};

/* Handle one message; the result becomes the reply's label. Every request
 * is one operation of the log (op_begin makes room for it). */
static long dispatch(struct req *r)
{
	uint64_t label = r->m->label;
	if (r->sender == 0) {
		if (label == LABEL_NOTIFY && (r->m->w[0] & (1UL << DEATH_BIT)))
			files_reap();
		return REPLY_LATER;
	}
	if (label < FS_FIRST || label > FS_LAST)
		return -ENOSYS;
	op_begin();
	long result = handlers[label - FS_FIRST](r);
	log_tick(false);
	return result;
}

static void idle(void)
{
	log_tick(true);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	bio_init();
	long err = disk_init();
	if (err < 0) {
		dprintf(2, "fs: no block driver (error %ld): init must start \"blk\" first\n", err);
		return 1;
	}
	if (fs_mount() < 0)
		return 2;
	struct msg m = { MEM_WATCH, { DEATH_BIT } };
	if ((err = mem_call(&m, NULL, 0, NULL, 0)) < 0) {
		dprintf(2, "fs: cannot watch for processes that end (error %ld)\n", err);
		return 1;
	}
	files_reap();   /* once now: its buffers are ours before any process ends, so
	                 * that the frames we hold stay put while programs come and go */
	if ((err = server_register(FS_NAME)) < 0) {
		dprintf(2, "fs: cannot register as \"%s\" (error %ld)\n", FS_NAME, err);
		return 1;
	}
	static uint8_t inbuf[FS_IO_MAX];
	server_loop_idle(dispatch, inbuf, sizeof(inbuf), log_idle_ms, idle);
}
