/*
 * The disk, as the block driver (servers/blk/, include/mica/proto/blk.h)
 * serves it: whole FS_BSIZE blocks, at most BLK_IO_BLOCKS per request.
 * Each call waits until the device has done the work, so when
 * disk_write returns the blocks are on the disk, in the order written.
 */
#include "fs.h"
#include <mica/proto/blk.h>

_Static_assert(BLK_BSIZE == FS_BSIZE, "the driver's blocks are the file system's");

static long blk;              /* the driver's task ID */
static uint64_t capacity;     /* its size in blocks */

long disk_init(void)
{
	blk = server_lookup(BLK_NAME);
	if (blk < 0)
		return blk;
	struct msg m = { BLK_INFO, { 0 } };
	long r = ipc_call(blk, &m, IPC_FOREVER);
	if (r < 0)
		return r;
	if ((long)m.label < 0)
		return (long)m.label;
	capacity = m.w[0];
	return 0;
}

uint64_t disk_blocks(void)
{
	return capacity;
}

/* One request to the driver; its answer, or the IPC error. If the driver
 * died, the request goes again to the one the supervisor starts in its
 * place: reading or writing the same blocks twice does no harm, so the
 * file system's clients never see the driver restart (restart.md). */
static long blk_call(struct msg *m, const void *src, size_t slen, void *dst, size_t rcap)
{
	for (;;) {
		struct msg req = *m;
		long r = ipc_call_bulk(blk, &req, src, slen, dst, rcap);
		if (r == -EDEAD || r == -ESRCH) {
			long next = server_reconnect(BLK_NAME, blk);
			if (next < 0)
				return -EIO;
			blk = next;
			continue;
		}
		if (r < 0)
			return r;
		if ((long)req.label != -EBUSY)
			return (long)req.label;
		yield();   /* the device's queue is full: others' requests first */
	}
}

long disk_read(uint32_t block, uint32_t count, void *dst)
{
	uint8_t *p = dst;
	while (count > 0) {
		uint32_t n = count < BLK_IO_BLOCKS ? count : BLK_IO_BLOCKS;
		struct msg m = { BLK_READ, { block, n } };
		long r = blk_call(&m, NULL, 0, p, (size_t)n * FS_BSIZE);
		if (r < 0)
			return r;
		if (r != (long)n * FS_BSIZE)
			return -EIO;
		block += n;
		count -= n;
		p += (size_t)n * FS_BSIZE;
	}
	return 0;
}

long disk_write(uint32_t block, uint32_t count, const void *src)
{
	const uint8_t *p = src;
	while (count > 0) {
		uint32_t n = count < BLK_IO_BLOCKS ? count : BLK_IO_BLOCKS;
		struct msg m = { BLK_WRITE, { block } };
		long r = blk_call(&m, p, (size_t)n * FS_BSIZE, NULL, 0);
		if (r < 0)
			return r;
		block += n;
		count -= n;
		p += (size_t)n * FS_BSIZE;
	}
	return 0;
}

long disk_flush(void)
{
	struct msg m = { BLK_FLUSH, { 0 } };
	return blk_call(&m, NULL, 0, NULL, 0);
}
