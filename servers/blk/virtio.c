/*
 * The virtio block device, as the virtio 1.1 specification (OASIS, 2019)
 * describes it: its virtio-mmio transport (section 4.2), the driver's
 * start-up of a device (3.1), one split virtqueue (2.6) through which
 * requests go to the device and come back, and the block device's own
 * part (5.2). Only the modern interface (transport version 2) is driven:
 * QEMU offers it with -global virtio-mmio.force-legacy=false.
 *
 * A request is a chain of descriptors, each naming a buffer by its
 * physical address: the device reads and writes our memory itself (DMA).
 * So every buffer the device sees is a MEM_DMA page, whose physical
 * address the memory server tells us; nothing else of ours has one we
 * know. Request slot i always uses descriptors [i * SLOT_DESCS, (i + 1) *
 * SLOT_DESCS), so a chain's head says which slot finished.
 */
#include "blk.h"

/* virtio-mmio registers (4.2.2): byte offsets, each 32 bits wide. */
#define REG_MAGIC             0x000   /* "virt" */
#define REG_VERSION           0x004   /* 2: modern; 1: legacy */
#define REG_DEVICE_ID         0x008   /* 0: nothing on this transport; 2: a block device */
#define REG_DEVICE_FEATURES   0x010   /* 32 of the device's feature bits ... */
#define REG_DEVICE_FEATURES_SEL 0x014 /* ... which 32: 0 = bits 0..31, 1 = 32..63 */
#define REG_DRIVER_FEATURES   0x020   /* the features we accept, likewise */
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL         0x030   /* the queue the next registers speak of */
#define REG_QUEUE_NUM_MAX     0x034
#define REG_QUEUE_NUM         0x038   /* its size */
#define REG_QUEUE_READY       0x044
#define REG_QUEUE_NOTIFY      0x050   /* write a queue's index: it has new chains */
#define REG_INTERRUPT_STATUS  0x060   /* bit 0: used ring updated; bit 1: config changed */
#define REG_INTERRUPT_ACK     0x064
#define REG_STATUS            0x070   /* device status (2.1); 0 resets the device */
#define REG_QUEUE_DESC        0x080   /* descriptor table: low word, high word at + 4 */
#define REG_QUEUE_DRIVER      0x090   /* available ring */
#define REG_QUEUE_DEVICE      0x0a0   /* used ring */
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG            0x100   /* the block device's configuration (5.2.4) */

#define VIRTIO_MAGIC          0x74726976   /* "virt", little-endian */
#define VIRTIO_ID_BLOCK       2

/* Device status bits (2.1), set in this order as start-up goes on. */
#define STATUS_ACKNOWLEDGE    1     /* we have seen the device */
#define STATUS_DRIVER         2     /* and can drive it */
#define STATUS_DRIVER_OK      4     /* it is set up: go */
#define STATUS_FEATURES_OK    8     /* we have chosen features (the device may refuse) */
#define STATUS_FAILED         128   /* we gave up on it */

/* Feature bits (5.2.3, 6). */
#define F_BLK_RO              5     /* read-only device */
#define F_BLK_FLUSH           9     /* it has a write cache: VIRTIO_BLK_T_FLUSH */
#define F_VERSION_1           32    /* the modern interface: must be accepted */

/* The split virtqueue (2.6): three parts, each written by one side only. */
struct vq_desc {              /* descriptor table (2.6.5), 16-byte aligned */
	uint64_t addr;            /* physical address of the buffer */
	uint32_t len;
	uint16_t flags;           /* DESC_* */
	uint16_t next;            /* the next descriptor of the chain, with DESC_NEXT */
};
#define DESC_NEXT   1
#define DESC_WRITE  2         /* the device writes this buffer (else it reads it) */

struct vq_avail {             /* available ring (2.6.6): we write it */
	uint16_t flags;           /* 0: we want interrupts */
	uint16_t idx;             /* where we put the next entry, counting forever */
	uint16_t ring[];          /* heads of chains for the device */
};

struct vq_used {              /* used ring (2.6.8): the device writes it */
	uint16_t flags;           /* USED_NO_NOTIFY: the device needs no QueueNotify now */
	uint16_t idx;
	struct { uint32_t id, len; } ring[];   /* head of a finished chain, bytes written */
};
#define USED_NO_NOTIFY 1

#define QUEUE_WANT 64   /* BLK_INFLIGHT slots of SLOT_DESCS descriptors, as a power of 2 */
_Static_assert(QUEUE_WANT >= BLK_INFLIGHT * SLOT_DESCS, "the queue cannot hold every slot");

/* Order our memory accesses and device register accesses: everything
 * before the fence is seen (by the device, which reads our memory as
 * another hart would) before anything after it. RISC-V unprivileged spec,
 * 2.7: FENCE with all of I, O, R, W on both sides. */
static inline void fence(void)
{
	asm volatile("fence iorw, iorw" ::: "memory");
}

static uint32_t reg_read(const struct vblk *d, uint32_t off)
{
	return d->regs[off / 4];
}

static void reg_write(const struct vblk *d, uint32_t off, uint32_t v)
{
	d->regs[off / 4] = v;
}

/* A fresh zeroed page for the device's use (MEM_DMA): its address here in
 * *va, its physical address in *pa. The pages come one after another from
 * DMA_VA, so pages taken in a row are one range here (though not in
 * physical memory). Returns 0 or the memory server's error (-EPERM: we
 * were not spawned as a driver; -ENOMEM). */
long dma_page(void **va, uint64_t *pa)
{
	static uint64_t next = DMA_VA;
	if (next >= DMA_VA + DMA_SIZE)
		return -ENOMEM;
	struct msg m = { MEM_DMA, { next } };
	long err = mem_call(&m, NULL, 0, NULL, 0);
	if (err < 0)
		return err;
	*pa = m.w[0];
	*va = (void *)next;
	next += 4096;
	return 0;
}

/* A 64-bit address in a register pair: low word at off, high at off + 4. */
static void reg_write64(const struct vblk *d, uint32_t off, uint64_t v)
{
	reg_write(d, off, (uint32_t)v);
	reg_write(d, off + 4, (uint32_t)(v >> 32));
}

/* The capacity from the configuration space, 64 bits read as two 32-bit
 * words (4.2.2.2): read again if the device changed it meanwhile, which
 * the generation count shows (2.4.1). */
static uint64_t read_capacity(const struct vblk *d)
{
	uint32_t gen, lo, hi;
	do {
		gen = reg_read(d, REG_CONFIG_GENERATION);
		lo = reg_read(d, REG_CONFIG);
		hi = reg_read(d, REG_CONFIG + 4);
	} while (gen != reg_read(d, REG_CONFIG_GENERATION));
	return (uint64_t)hi << 32 | lo;
}

/* Queue 0, the block device's only one (5.2.2): its size and its three
 * parts, each in a DMA page of its own (4.2.3.2). */
static long queue_setup(struct vblk *d)
{
	reg_write(d, REG_QUEUE_SEL, 0);
	uint32_t max = reg_read(d, REG_QUEUE_NUM_MAX);
	if (reg_read(d, REG_QUEUE_READY) || max < SLOT_DESCS)
		return -ENODEV;   /* in use already, or too small for one request */
	d->qsize = QUEUE_WANT;
	while (d->qsize > max)
		d->qsize /= 2;   /* a split queue's size is a power of 2 (2.6) */
	uint64_t desc_pa, avail_pa, used_pa;
	void *desc, *avail, *used;
	long err = dma_page(&desc, &desc_pa);
	if (!err)
		err = dma_page(&avail, &avail_pa);
	if (!err)
		err = dma_page(&used, &used_pa);
	if (err < 0)
		return err;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	reg_write(d, REG_QUEUE_NUM, d->qsize);
	reg_write64(d, REG_QUEUE_DESC, desc_pa);
	reg_write64(d, REG_QUEUE_DRIVER, avail_pa);
	reg_write64(d, REG_QUEUE_DEVICE, used_pa);
	reg_write(d, REG_QUEUE_READY, 1);
	return 0;
}

/* Start the block device on transport d->transport, following 3.1.1:
 * reset, ACKNOWLEDGE, DRIVER, choose features, FEATURES_OK (and check that
 * the device kept it), set up the queue, DRIVER_OK. Returns 0, -ENODEV
 * or -ENOMEM. */
static long vblk_start(struct vblk *d)
{
	vblk_reset(d);
	reg_write(d, REG_STATUS, STATUS_ACKNOWLEDGE);
	reg_write(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	reg_write(d, REG_DEVICE_FEATURES_SEL, 0);
	uint32_t low = reg_read(d, REG_DEVICE_FEATURES);
	reg_write(d, REG_DEVICE_FEATURES_SEL, 1);
	uint32_t high = reg_read(d, REG_DEVICE_FEATURES);
	uint32_t version_1 = 1U << (F_VERSION_1 - 32);
	if (!(high & version_1)) {
		debug_printf("blk: virtio-mmio transport %d: the device lacks VIRTIO_F_VERSION_1\n",
		         d->transport);
		reg_write(d, REG_STATUS, STATUS_FAILED);
		return -ENODEV;
	}
	uint32_t take = low & (1U << F_BLK_RO | 1U << F_BLK_FLUSH);
	reg_write(d, REG_DRIVER_FEATURES_SEL, 0);
	reg_write(d, REG_DRIVER_FEATURES, take);
	reg_write(d, REG_DRIVER_FEATURES_SEL, 1);
	reg_write(d, REG_DRIVER_FEATURES, version_1);
	uint32_t status = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK;
	reg_write(d, REG_STATUS, status);
	long err = reg_read(d, REG_STATUS) & STATUS_FEATURES_OK ? queue_setup(d) : -ENODEV;
	if (err < 0) {
		debug_printf("blk: virtio-mmio transport %d: cannot set the device up (error %ld)\n",
		         d->transport, err);
		reg_write(d, REG_STATUS, status | STATUS_FAILED);
		return err;
	}
	d->read_only = take & 1U << F_BLK_RO;
	d->can_flush = take & 1U << F_BLK_FLUSH;
	d->sectors = read_capacity(d);
	reg_write(d, REG_STATUS, status | STATUS_DRIVER_OK);
	return 0;
}

/* Find every block device on QEMU virt's transports and start it. Fills
 * devs (at most max) and returns how many. A legacy transport (version 1)
 * is refused with a message saying what QEMU needs. */
int vblk_find(struct vblk *devs, int max)
{
	int n = 0;
	for (int t = 0; t < VIRTIO_TRANSPORTS && n < max; t++) {
		if (!startinfo || !(startinfo->devices & 1UL << t))
			continue;   /* not ours: the memory server maps only block devices */
		struct vblk *d = &devs[n];
		*d = (struct vblk){ .regs = (volatile uint32_t *)(DEV_VA + (uint64_t)t * 4096),
		                    .transport = t };
		if (reg_read(d, REG_MAGIC) != VIRTIO_MAGIC ||
		    reg_read(d, REG_DEVICE_ID) != VIRTIO_ID_BLOCK)
			continue;
		if (reg_read(d, REG_VERSION) != 2) {
			debug_printf("blk: virtio-mmio transport %d is legacy (version %u): run QEMU with "
			         "-global virtio-mmio.force-legacy=false\n", t, reg_read(d, REG_VERSION));
			continue;
		}
		if (vblk_start(d) == 0)
			n++;
	}
	return n;
}

/* Reset the device: it forgets its queue and stops using our memory. Wait
 * until it says it has (4.2.3.1: reading Status gives 0). */
void vblk_reset(struct vblk *d)
{
	reg_write(d, REG_STATUS, 0);
	while (reg_read(d, REG_STATUS) != 0)
		yield();
}

/* How many request slots the queue has descriptors for. */
int vblk_slots(const struct vblk *d)
{
	return d->qsize / SLOT_DESCS;
}

/* Give the device a request: the n buffers as one chain of descriptors
 * from `head`, made available (2.6.13), then a notification unless the
 * device said it needs none (2.6.10.1). */
void vblk_send(struct vblk *d, uint16_t head, const struct vbuf *bufs, int n)
{
	for (int i = 0; i < n; i++) {
		d->desc[head + i] = (struct vq_desc){
			.addr = bufs[i].pa, .len = bufs[i].len,
			.flags = (uint16_t)((bufs[i].device_writes ? DESC_WRITE : 0) |
			                    (i + 1 < n ? DESC_NEXT : 0)),
			.next = (uint16_t)(i + 1 < n ? head + i + 1 : 0) };
	}
	d->avail->ring[d->avail_idx % d->qsize] = head;
	fence();   /* the chain and its ring entry before the index that shows them (2.6.13.6) */
	d->avail->idx = ++d->avail_idx;
	fence();   /* the index before we look at the device's flags (2.6.13.7) */
	if (!(d->used->flags & USED_NO_NOTIFY))
		reg_write(d, REG_QUEUE_NOTIFY, 0);
}

/* The head of the next chain the device has finished, or -1 if there is
 * none (2.6.14). An entry is read only after the index that shows it. */
int vblk_next_done(struct vblk *d)
{
	while (d->used_seen != d->used->idx) {
		fence();
		uint32_t id = d->used->ring[d->used_seen % d->qsize].id;
		d->used_seen++;
		if (id < d->qsize)
			return (int)id;   /* (a device that names no descriptor of ours is ignored) */
	}
	return -1;
}

/* The device interrupted: say we have seen why (4.2.3.4), so that it
 * lowers its interrupt line. Done before the used ring is read, so a
 * request finished meanwhile raises the line again rather than being
 * missed. */
void vblk_intr_ack(struct vblk *d)
{
	uint32_t why = reg_read(d, REG_INTERRUPT_STATUS);
	if (why)
		reg_write(d, REG_INTERRUPT_ACK, why);
	fence();
}
