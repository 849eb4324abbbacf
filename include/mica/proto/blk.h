/*
 * The block driver's protocol (servers/blk/): QEMU's virtio-mmio block
 * device, driven from user space. The file system server is its client.
 * docs/blk.md explains the driver.
 *
 * Every request is an IPC call; the reply's label is the result (>= 0 or
 * -E...). The driver never blocks on a client: it puts the request on the
 * device's queue and answers when the device's interrupt says it is done,
 * so several requests (from several threads or clients) are in flight at
 * once. Blocks are FS_BSIZE (4096) bytes, as the file system's.
 */
#ifndef MICA_PROTO_BLK_H
#define MICA_PROTO_BLK_H

/* Labels: the block driver answers [BLK_FIRST, BLK_LAST]. */
enum {
	BLK_FIRST = 0x400,
	BLK_READ = BLK_FIRST,   /* w0 = block, w1 = count (1..BLK_IO_BLOCKS)
	                         * -> bytes, the blocks in the bulk reply */
	BLK_WRITE,              /* w0 = block; bulk: count whole blocks (1..BLK_IO_BLOCKS)
	                         * -> bytes written; done when it has reached the device */
	BLK_FLUSH,              /* -> 0 when every completed write is on stable storage */
	BLK_INFO,               /* -> 0; w0 = capacity in blocks, w1 = writes completed since
	                         * boot, w2 = 1 if the device is read-only, w3 = reads */
	BLK_LAST = BLK_INFO
};
/* Errors: -EINVAL (a count or length not whole blocks, or too many),
 * -ERANGE (past the end of the device), -EROFS (a write to a read-only
 * device), -EIO (the device reported an error), -EBUSY (every slot of the
 * queue holds a request: try again), -ENOSYS (not a BLK_* label). The
 * kernel's -EMSGSIZE (ipc.md) comes instead for a write of more than
 * BLK_IO_BLOCKS blocks, and for a read whose receive buffer is smaller
 * than the blocks asked for. The counts of BLK_INFO are of requests. */

#define BLK_NAME        "blk"       /* its name at the memory server */
#define BLK_BSIZE       4096
#define BLK_IO_BLOCKS   (8192 / BLK_BSIZE)   /* one request: IPC_BULK_MAX bytes */
#define BLK_INFLIGHT    8           /* requests the driver keeps on the device at once */

#endif
