/*
 * The block driver: QEMU's virtio block device, driven from user space,
 * for the file system server and the tests. init spawns it with
 * SPAWN_DEV_VIRTIO: the registers of QEMU virt's eight virtio-mmio
 * transports mapped at DEV_VA, the right to take their interrupts, and the
 * right to ask the memory server for DMA pages (MEM_DMA).
 *
 * The loop: receive a request or a device's interrupt notification. A
 * request's handler (the table below) checks its fields, puts it on the
 * device's queue and holds the reply (REPLY_LATER); when the device's
 * interrupt says requests are done, their clients get their answers with
 * reply_later. So up to BLK_INFLIGHT requests are on the device at once,
 * and the driver never waits for the device or for a client. The protocol
 * is include/mica/proto/blk.h.
 *
 * Arguments (init passes the words blk.* of the kernel command line, blk.
 * removed), both for crash tests of the file system (request.c):
 *   stop=N   after the Nth write, hold every write forever
 *   record   record every write on a second disk, the one whose ID is "rec"
 */
#include "blk.h"

struct vblk *disk, *recorder;
int64_t stop_after = -1;

typedef long (*blk_handler)(struct req *r);

/* Is [block, block + count) on the disk? (Checked so that nothing overflows.) */
static bool on_disk(uint64_t block, uint64_t count)
{
	uint64_t blocks = disk->sectors / BLOCK_SECTORS;
	return block < blocks && count <= blocks - block;
}

/* BLK_READ: w0 = block, w1 = count. */
static long blk_read(struct req *r)
{
	uint64_t block = r->m->w[0], count = r->m->w[1];
	if (count == 0 || count > BLK_IO_BLOCKS)
		return -EINVAL;
	if (!on_disk(block, count))
		return -ERANGE;
	return request_read(r->sender, block, count);
}

/* BLK_WRITE: w0 = block; bulk = whole blocks. */
static long blk_write(struct req *r)
{
	uint64_t block = r->m->w[0], count = r->len / BLK_BSIZE;
	if (r->len == 0 || r->len % BLK_BSIZE || count > BLK_IO_BLOCKS)
		return -EINVAL;
	if (disk->read_only)
		return -EROFS;
	if (!on_disk(block, count))
		return -ERANGE;
	return request_write(r->sender, block, r->data, count);
}

/* BLK_FLUSH. */
static long blk_flush(struct req *r)
{
	return request_flush(r->sender);
}

/* BLK_INFO: capacity in blocks, writes done, read-only, reads done. */
static long blk_info(struct req *r)
{
	r->m->w[0] = disk->sectors / BLOCK_SECTORS;
	r->m->w[1] = writes_done;
	r->m->w[2] = disk->read_only;
	r->m->w[3] = reads_done;
	return 0;
}

static const blk_handler handlers[BLK_LAST - BLK_FIRST + 1] = {
	[BLK_READ - BLK_FIRST] = blk_read,
	[BLK_WRITE - BLK_FIRST] = blk_write,
	[BLK_FLUSH - BLK_FIRST] = blk_flush,
	[BLK_INFO - BLK_FIRST] = blk_info,
};

/* Device d's interrupt, if its bit is among `bits`: tell the device we
 * saw it, answer every request it has finished, then let the PLIC deliver
 * its interrupt again. Notifications coalesce, so one may stand for many
 * finished requests, or for none left. */
static void blk_intr(struct vblk *d, uint64_t bits)
{
	if (!d || !(bits & (1UL << d->transport)))
		return;
	vblk_intr_ack(d);
	int head;
	while ((head = vblk_next_done(d)) >= 0)
		request_done(d, head);
	irq_ack(VIRTIO_IRQ0 + d->transport);
}

/* Handle one message; the result becomes the reply's label. A message from
 * the kernel (sender 0) gets no reply: a notification is a device's
 * interrupt, anything else is ignored. */
static long dispatch(struct req *r)
{
	uint64_t label = r->m->label;
	if (r->sender == 0) {
		if (label == LABEL_NOTIFY) {
			blk_intr(disk, r->m->w[0]);
			blk_intr(recorder, r->m->w[0]);
		}
		return REPLY_LATER;
	}
	if (label < BLK_FIRST || label > BLK_LAST)
		return -ENOSYS;
	return handlers[label - BLK_FIRST](r);
}

/* Our arguments: stop=N and record. Returns false after saying what is
 * wrong with one. */
static bool parse_args(int argc, char **argv, bool *record)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strncmp(argv[i], "stop=", 5) == 0) {
			stop_after = strtol(argv[i] + 5, &end, 10);
			if (end == argv[i] + 5 || *end || stop_after < 0) {
				debug_printf("blk: stop=N wants a number of writes, not '%s'\n", argv[i] + 5);
				return false;
			}
		} else if (strcmp(argv[i], "record") == 0) {
			*record = true;
		} else {
			debug_printf("blk: unknown argument '%s' (stop=N, record)\n", argv[i]);
			return false;
		}
	}
	return true;
}

/* Of the n block devices found, the one whose ID is `serial`, or NULL. */
static struct vblk *with_serial(struct vblk *devs, int n, const char *serial)
{
	for (int i = 0; i < n; i++)
		if (devs[i].transport >= 0 && strcmp(devs[i].serial, serial) == 0)
			return &devs[i];
	return NULL;
}

/* Choose the disk and, in record mode, the recorder among the n devices
 * found; reset the others. The disk is the one whose ID is "fs", else the
 * first found (that is not the recorder). Returns false after saying why
 * not. */
static bool choose_devices(struct vblk *devs, int n, bool record)
{
	for (int i = 0; i < n; i++)
		if (request_get_id(&devs[i]) < 0) {
			debug_printf("blk: virtio-mmio transport %d does not answer: not used\n",
			         devs[i].transport);
			devs[i].transport = -1;
		}
	recorder = record ? with_serial(devs, n, "rec") : NULL;
	disk = with_serial(devs, n, "fs");
	for (int i = 0; i < n && !disk; i++)
		if (devs[i].transport >= 0 && &devs[i] != recorder)
			disk = &devs[i];
	for (int i = 0; i < n; i++)
		if (devs[i].transport >= 0 && &devs[i] != disk && &devs[i] != recorder)
			vblk_reset(&devs[i]);   /* not ours to use */
	if (!disk) {
		debug_printf("blk: no virtio block device\n");
		return false;
	}
	if (record && (!recorder || recorder->read_only)) {
		debug_printf("blk: record: no writable recorder disk (a virtio block device with "
		         "serial=rec)\n");
		return false;
	}
	requests_limit(vblk_slots(disk));
	if (recorder)
		requests_limit(vblk_slots(recorder));
	return true;
}

int main(int argc, char **argv)
{
	bool record = false;
	if (!parse_args(argc, argv, &record))
		return 1;
	long err = requests_init();
	if (err < 0) {
		debug_printf("blk: no DMA pages from the memory server (error %ld): "
		         "init must spawn me with SPAWN_DEV_VIRTIO\n", err);
		return 1;
	}
	static struct vblk found[VIRTIO_TRANSPORTS];
	int n = vblk_find(found, VIRTIO_TRANSPORTS);
	if (!choose_devices(found, n, record))
		return 1;
	struct vblk *mine[] = { disk, recorder };
	for (int i = 0; i < 2 && mine[i]; i++) {
		err = irq_register(VIRTIO_IRQ0 + mine[i]->transport, mine[i]->transport);
		if (err < 0) {
			debug_printf("blk: cannot take interrupt %d (error %ld)\n",
			         VIRTIO_IRQ0 + mine[i]->transport, err);
			return 1;
		}
	}
	if (recorder)
		debug_printf("blk: recording the writes to transport %d on transport %d (%lu sectors)\n",
		         disk->transport, recorder->transport, recorder->sectors);
	err = server_register(BLK_NAME);
	if (err < 0) {
		debug_printf("blk: cannot register as \"%s\" (error %ld)\n", BLK_NAME, err);
		return 1;
	}
	static uint8_t inbuf[BLK_IO_BLOCKS * BLK_BSIZE];
	server_loop(dispatch, inbuf, sizeof(inbuf));
}
