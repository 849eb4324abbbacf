/*
 * The write-ahead log: every change to the disk reaches it as part of a
 * transaction that is on the disk whole or not at all, whatever instant
 * the power goes.
 *
 * Operations (each begun with op_begin) change blocks in the cache only, and
 * log_write notes which. The changes of many operations collect in one
 * transaction (group commit: a block changed by ten operations is written
 * once). log_commit then writes it out in four steps:
 *
 *   1. each changed block to its slot in the log area (logstart+1+i)
 *   2. the log header: n blocks, where each belongs, a checksum.
 *      This single-block write is the commit point.
 *   3. each block to its home
 *   4. the header again, with n = 0: the transaction is done
 *
 * with a flush of the device between the steps, so that no later write
 * reaches the disk before an earlier one. A crash before step 2 leaves the
 * old disk (the log slots are not looked at); a crash after it leaves a
 * header that log_recover, at the next mount, finds and installs again
 * (step 3 may be repeated any number of times: it writes the same data).
 * docs/fs.md tells the whole story.
 */
#include "fs.h"

#define COMMIT_IDLE_NS  (500UL * 1000000)    /* idle this long: commit */
#define COMMIT_AGE_NS   (3000UL * 1000000)   /* a change waits at most this long */

static struct {
	uint32_t n;                 /* blocks in the transaction */
	uint32_t seq;               /* the next transaction's number */
	uint64_t first_ns;          /* when its first change was made */
	struct buf *bufs[FS_LOG_MAX];
} log;

static struct fs_loghead head __attribute__((aligned(4096)));
static uint8_t stage[BLK_STAGE_BLOCKS][FS_BSIZE] __attribute__((aligned(4096)));

/* Write the header with n blocks of the current transaction (0: none). */
static long write_head(uint32_t n)
{
	memset(&head, 0, sizeof(head));
	head.magic = FS_LOG_MAGIC;
	head.n = n;
	head.seq = log.seq;
	for (uint32_t i = 0; i < n; i++)
		head.block[i] = log.bufs[i]->block;
	head.sum = fs_log_sum(&head);
	long r = disk_write(sb.logstart, 1, &head);
	return r < 0 ? r : disk_flush();
}

/* Note that b changed in the current operation. A block changed again is
 * already in the transaction ("absorbed"), and is written once. */
void log_write(struct buf *b)
{
	if (b->dirty)
		return;
	if (log.n >= sb.nlog) {   /* op_begin made room: a bug if we get here */
		dprintf(2, "fs: an operation changed more blocks than the log holds\n");
		return;
	}
	if (log.n == 0)
		log.first_ns = time_ns();
	b->dirty = true;
	log.bufs[log.n++] = b;
}

/* LAB fs BEGIN */
/* Steps 1 to 4 above. Buffers stay dirty (in the cache) until the
 * transaction is home; then they may leave the cache like any other. */
long log_commit(void)
{
	if (log.n == 0)
		return 0;
	long r = 0;
	/* 1: the blocks to the log area, BLK_STAGE_BLOCKS per request */
	for (uint32_t i = 0; i < log.n && r >= 0; i += BLK_STAGE_BLOCKS) {
		uint32_t k = log.n - i < BLK_STAGE_BLOCKS ? log.n - i : BLK_STAGE_BLOCKS;
		for (uint32_t j = 0; j < k; j++)
			memcpy(stage[j], log.bufs[i + j]->data, FS_BSIZE);
		r = disk_write(sb.logstart + 1 + i, k, stage);
	}
	if (r >= 0)
		r = disk_flush();
	/* 2: the commit point */
	if (r >= 0)
		r = write_head(log.n);
	/* 3: home */
	for (uint32_t i = 0; i < log.n && r >= 0; i++)
		r = disk_write(log.bufs[i]->block, 1, log.bufs[i]->data);
	if (r >= 0)
		r = disk_flush();
	/* 4: done */
	if (r >= 0)
		r = write_head(0);
	if (r < 0) {
		dprintf(2, "fs: writing the log failed (error %ld): changes stay in memory\n", r);
		return r;
	}
	for (uint32_t i = 0; i < log.n; i++)
		log.bufs[i]->dirty = false;
	log.n = 0;
	log.seq++;
	return 0;
}

/* Recovery at mount: install a transaction that was committed (its
 * header is whole and says n > 0) but perhaps not all written home. */
long log_recover(void)
{
	long r = disk_read(sb.logstart, 1, &head);
	if (r < 0)
		return r;
	log.seq = head.seq + 1;
	if (head.magic != FS_LOG_MAGIC || head.n == 0 || head.n > sb.nlog ||
	    head.sum != fs_log_sum(&head))
		return 0;   /* nothing committed (or a header never written whole) */
	for (uint32_t i = 0; i < head.n; i++)
		if (head.block[i] < sb.inodestart || head.block[i] >= sb.size) {
			dprintf(2, "fs: cannot mount: the log names block %u, outside the disk's "
			        "inode, bitmap and data blocks [%u, %u)\n",
			        head.block[i], sb.inodestart, sb.size);
			return -EINVAL;
		}
	uint32_t n = head.n;
	uint32_t home[FS_LOG_MAX];
	memcpy(home, head.block, n * sizeof(uint32_t));
	for (uint32_t i = 0; i < n && r >= 0; i++) {
		r = disk_read(sb.logstart + 1 + i, 1, stage[0]);
		if (r >= 0)
			r = disk_write(home[i], 1, stage[0]);
	}
	if (r >= 0)
		r = disk_flush();
	if (r >= 0)
		r = write_head(0);
	if (r >= 0)
		dprintf(2, "fs: recovered a committed transaction of %u blocks from the log\n", n);
	return r;
}
/* LAB fs ELSE
// Until the log is written: every changed block straight to its home.
// Files work, but a crash in the middle leaves half an operation.
long log_commit(void)
{
	for (uint32_t i = 0; i < log.n; i++) {
		long r = disk_write(log.bufs[i]->block, 1, log.bufs[i]->data);
		if (r < 0)
			return r;
	}
	for (uint32_t i = 0; i < log.n; i++)
		log.bufs[i]->dirty = false;
	log.n = 0;
	(void)write_head;
	(void)stage;
	return disk_flush();
}

long log_recover(void)
{
	return 0;   // nothing is ever committed to the log yet
}
   LAB fs END */

/* Begin an operation: make sure the transaction has room for all it may
 * change, committing the transaction so far if not. */
void op_begin(void)
{
	if (log.n + FS_OP_MAX > sb.nlog)
		log_commit();
}

bool log_busy(void)
{
	return log.n > 0;
}

/* From the server's loop, after a request or when no request came for a
 * while: commit what has waited long enough. */
void log_tick(bool idle)
{
	if (log.n == 0)
		return;
	if (idle || time_ns() - log.first_ns >= COMMIT_AGE_NS)
		log_commit();
}

uint64_t log_idle_ms(void)
{
	return log.n ? COMMIT_IDLE_NS / 1000000 : IPC_FOREVER;
}
