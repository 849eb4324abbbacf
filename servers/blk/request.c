/*
 * The requests on the device. Each of the BLK_INFLIGHT request slots
 * holds one request from the moment it goes to the device until its
 * client has the answer, with the DMA pages the device reads and writes
 * for it: one for the request's header and status byte, and BLK_IO_BLOCKS
 * for the data. A write's bytes are copied from the client's message into
 * the data pages; a read's answer is sent from them.
 *
 * The crash-test hooks live here too:
 *   stop=N   writes after the Nth are never sent to the device and never
 *            answered: the power went off after the Nth write;
 *   record   each write to the disk, once done and before its client is
 *            answered, is appended to the recorder disk as a record
 *            (struct rec_header in blk.h, then the data), so that a host
 *            tool can rebuild the disk as it was after any number of writes.
 */
#include "blk.h"

enum { SLOT_FREE, SLOT_DISK, SLOT_RECORD };   /* what a slot waits for */

/* The first DMA page of a slot: what the device reads and writes besides
 * the data. */
struct slot_meta {
	struct vblk_hdr hdr;       /* the request (the device reads it) */
	uint8_t status;            /* VIRTIO_BLK_S_*: how it went (the device writes it) */
	uint8_t pad1[15];
	struct vblk_hdr rec_hdr;   /* record mode: the record's write to the recorder */
	uint8_t rec_status;
	uint8_t pad2[15];
	struct rec_header rec;     /* ... and the record's header sector */
};
_Static_assert(sizeof(struct slot_meta) <= 4096, "a slot's header page overflows");

struct slot {
	int state;                 /* SLOT_* */
	uint64_t sender;           /* the client waiting for the answer */
	uint32_t type;             /* VIRTIO_BLK_T_* */
	uint64_t block;
	uint32_t count;            /* blocks of data */
	struct slot_meta *meta;
	uint64_t meta_pa;
	uint8_t *data;             /* BLK_IO_BLOCKS pages, one range here ... */
	uint64_t data_pa[BLK_IO_BLOCKS];   /* ... but each its own frame */
};

#define META_PA(s, field) ((s)->meta_pa + offsetof(struct slot_meta, field))

static struct slot slots[BLK_INFLIGHT];
static int nslots = BLK_INFLIGHT;
uint64_t reads_done, writes_done;

/* stop=N */
static uint64_t writes_sent, writes_in_flight, writes_held;

/* record: the next record's number and first sector on the recorder;
 * recording ends for good if the recorder fills up or fails. */
static uint32_t rec_seq;
static uint64_t rec_next;
static bool rec_over;

/* Take the DMA pages of every slot. Returns 0 or the memory server's
 * error (-EPERM: we were not spawned as a driver). */
long requests_init(void)
{
	for (int i = 0; i < BLK_INFLIGHT; i++) {
		struct slot *s = &slots[i];
		void *meta;
		long err = dma_page(&meta, &s->meta_pa);
		s->meta = meta;
		for (int b = 0; b < BLK_IO_BLOCKS && !err; b++) {
			void *page = NULL;
			err = dma_page(&page, &s->data_pa[b]);
			if (b == 0)
				s->data = page;   /* the next pages follow it here */
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* A device's queue holds only so many slots' descriptors. */
void requests_limit(int n)
{
	if (n < nslots)
		nslots = n;
}

static uint16_t head_of(const struct slot *s)
{
	return (uint16_t)((s - slots) * SLOT_DESCS);
}

/* Put slot s's request on device d: the header, data_len bytes in the
 * data pages (the device writes them unless it is a write), the status. */
static void slot_send(struct slot *s, struct vblk *d, uint32_t type, uint64_t sector,
                      uint32_t data_len)
{
	struct vbuf b[SLOT_DESCS];
	int n = 0;
	s->type = type;
	s->meta->hdr = (struct vblk_hdr){ .type = type, .sector = sector };
	s->meta->status = 0xff;   /* a device that writes no status has failed */
	b[n++] = (struct vbuf){ META_PA(s, hdr), sizeof(struct vblk_hdr), false };
	for (int i = 0; data_len; i++) {
		uint32_t len = data_len < BLK_BSIZE ? data_len : BLK_BSIZE;
		b[n++] = (struct vbuf){ s->data_pa[i], len, type != VIRTIO_BLK_T_OUT };
		data_len -= len;
	}
	b[n++] = (struct vbuf){ META_PA(s, status), 1, true };
	vblk_send(d, head_of(s), b, n);
}

/* A free slot for a request of sender's, or NULL if all are in use. */
static struct slot *slot_take(uint64_t sender, uint64_t block, uint64_t count)
{
	for (int i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];
		if (s->state == SLOT_FREE) {
			s->sender = sender;
			s->block = block;
			s->count = (uint32_t)count;
			return s;
		}
	}
	return NULL;
}

/* Answer slot s's client and free the slot. A client that has died
 * meanwhile makes the reply fail: nothing to do. */
static void slot_answer(struct slot *s, long result, const void *data, size_t len)
{
	reply_later(s->sender, result, data, len);
	s->state = SLOT_FREE;
}

/* Ask device d for its ID (VIRTIO_BLK_T_GET_ID) into d->serial, at
 * start-up, before its interrupt is ours: in slot 0, polling the used
 * ring for at most a second. A device without an ID gets "". Returns 0,
 * or -ETIMEDOUT after resetting the device (so it lets go of the slot). */
long request_get_id(struct vblk *d)
{
	struct slot *s = &slots[0];
	memset(s->data, 0, VBLK_ID_BYTES);
	slot_send(s, d, VIRTIO_BLK_T_GET_ID, 0, VBLK_ID_BYTES);
	uint64_t give_up = time_ns() + 1000000000UL;
	while (vblk_next_done(d) < 0) {
		if (time_ns() > give_up) {
			vblk_reset(d);
			return -ETIMEDOUT;
		}
		yield();
	}
	vblk_intr_ack(d);
	memset(d->serial, 0, sizeof(d->serial));
	if (s->meta->status == VIRTIO_BLK_S_OK)
		memcpy(d->serial, s->data, VBLK_ID_BYTES);   /* NUL-padded, maybe not ended */
	return 0;
}

/* BLK_READ, checked: count blocks from block into the slot's data pages. */
long request_read(uint64_t sender, uint64_t block, uint64_t count)
{
	struct slot *s = slot_take(sender, block, count);
	if (!s)
		return -EBUSY;
	s->state = SLOT_DISK;
	slot_send(s, disk, VIRTIO_BLK_T_IN, block * BLOCK_SECTORS, (uint32_t)count * BLK_BSIZE);
	return REPLY_LATER;
}

/* stop=N: once the N writes sent have finished and a later one is held,
 * say so, once: the disk now is what the crash test looks at. */
static void stop_note(void)
{
	static bool said;
	if (!said && writes_held && !writes_in_flight) {
		said = true;
		debug_printf("blk: stopped after %ld writes (crash test)\n", (long)stop_after);
	}
}

/* BLK_WRITE, checked: count blocks of data to the disk at block. */
long request_write(uint64_t sender, uint64_t block, const void *data, uint64_t count)
{
	if (stop_after >= 0 && writes_sent >= (uint64_t)stop_after) {
		writes_held++;   /* the power is off: never sent, never answered */
		stop_note();
		return REPLY_LATER;
	}
	struct slot *s = slot_take(sender, block, count);
	if (!s)
		return -EBUSY;
	memcpy(s->data, data, count * BLK_BSIZE);
	writes_sent++;
	writes_in_flight++;
	s->state = SLOT_DISK;
	slot_send(s, disk, VIRTIO_BLK_T_OUT, block * BLOCK_SECTORS, (uint32_t)count * BLK_BSIZE);
	return REPLY_LATER;
}

/* BLK_FLUSH: a device without a write cache has every finished write on
 * stable storage already (5.2.6.2), so the answer is at once. */
long request_flush(uint64_t sender)
{
	if (!disk->can_flush)
		return 0;
	struct slot *s = slot_take(sender, 0, 0);
	if (!s)
		return -EBUSY;
	s->state = SLOT_DISK;
	slot_send(s, disk, VIRTIO_BLK_T_FLUSH, 0, 0);
	return REPLY_LATER;
}

/* A write is over (ok: the disk has it): answer its client. */
static void write_over(struct slot *s, bool ok)
{
	writes_in_flight--;
	if (ok)
		writes_done++;
	slot_answer(s, ok ? (long)s->count * BLK_BSIZE : -EIO, NULL, 0);
	stop_note();
}

/* FNV-1a, 32 bits: the record's checksum of its data. */
static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261U;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619U;
	}
	return h;
}

/* Record mode: the write of slot s is on the disk; append its record to
 * the recorder (its data is still in the slot's pages) before answering. */
static void record_send(struct slot *s)
{
	uint64_t sectors = 1 + (uint64_t)s->count * BLOCK_SECTORS;
	if (rec_next + sectors > recorder->sectors) {
		debug_printf("blk: the recorder disk is full after %u records: recording stops\n", rec_seq);
		rec_over = true;
		write_over(s, true);
		return;
	}
	struct slot_meta *m = s->meta;
	m->rec = (struct rec_header){ .magic = REC_MAGIC, .seq = rec_seq++, .block = (uint32_t)s->block,
	                              .count = s->count,
	                              .sum = fnv1a(s->data, (size_t)s->count * BLK_BSIZE) };
	m->rec_hdr = (struct vblk_hdr){ .type = VIRTIO_BLK_T_OUT, .sector = rec_next };
	m->rec_status = 0xff;
	rec_next += sectors;
	struct vbuf b[SLOT_DESCS];
	int n = 0;
	b[n++] = (struct vbuf){ META_PA(s, rec_hdr), sizeof(struct vblk_hdr), false };
	b[n++] = (struct vbuf){ META_PA(s, rec), sizeof(struct rec_header), false };
	for (uint32_t i = 0; i < s->count; i++)
		b[n++] = (struct vbuf){ s->data_pa[i], BLK_BSIZE, false };
	b[n++] = (struct vbuf){ META_PA(s, rec_status), 1, true };
	s->state = SLOT_RECORD;
	vblk_send(recorder, head_of(s), b, n);
}

/* Slot s's request on the disk is done. */
static void disk_done(struct slot *s)
{
	bool ok = s->meta->status == VIRTIO_BLK_S_OK;
	long bytes = (long)s->count * BLK_BSIZE;
	switch (s->type) {
	case VIRTIO_BLK_T_IN:
		reads_done += ok;
		slot_answer(s, ok ? bytes : -EIO, s->data, ok ? (size_t)bytes : 0);
		break;
	case VIRTIO_BLK_T_OUT:
		if (ok && recorder && !rec_over)
			record_send(s);
		else
			write_over(s, ok);
		break;
	default:   /* VIRTIO_BLK_T_FLUSH */
		slot_answer(s, ok ? 0 : -EIO, NULL, 0);
	}
}

/* Slot s's record is on the recorder: now its write is over. */
static void record_done(struct slot *s)
{
	if (s->meta->rec_status != VIRTIO_BLK_S_OK) {
		debug_printf("blk: the recorder failed record %u: recording stops\n", s->meta->rec.seq);
		rec_over = true;
	}
	write_over(s, true);
}

/* Device d finished the chain starting at descriptor head. */
void request_done(struct vblk *d, int head)
{
	if (head % SLOT_DESCS || head / SLOT_DESCS >= nslots)
		return;   /* not a chain of ours: ignored */
	struct slot *s = &slots[head / SLOT_DESCS];
	if (s->state == SLOT_DISK && d == disk)
		disk_done(s);
	else if (s->state == SLOT_RECORD && d == recorder)
		record_done(s);
}
