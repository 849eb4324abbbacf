/*
 * The block driver's own declarations (its protocol, shared with the
 * clients, is include/mica/proto/blk.h). One file per part:
 *   main.c     start-up, the receive loop and the handler table
 *   request.c  the requests on the device, their answers, and the two
 *              crash-test hooks: stop=N and record
 *   virtio.c   the virtio-mmio transport and the block device: finding
 *              it, starting it, its queue and its interrupt
 * docs/blk.md explains how they fit together.
 */
#ifndef BLK_H
#define BLK_H

#include "mica.h"
#include <mica/proto/blk.h>

/* QEMU virt's virtio-mmio transports: 8 register pages from 0x10001000,
 * which the memory server maps at DEV_VA for SPAWN_DEV_VIRTIO; transport
 * i interrupts on PLIC source 1 + i, which we take as notification bit i. */
#define VIRTIO_TRANSPORTS  8
#define VIRTIO_IRQ0        1
#define SECTOR             512                    /* virtio-blk counts in sectors */
#define BLOCK_SECTORS      (BLK_BSIZE / SECTOR)
#define VBLK_ID_BYTES      20                     /* VIRTIO_BLK_T_GET_ID's answer */

/* virtio-blk request types (virtio 1.1, 5.2.6) and status values. */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0

/* The header that starts every virtio-blk request (5.2.6). */
struct vblk_hdr {
	uint32_t type;            /* VIRTIO_BLK_T_* */
	uint32_t reserved;
	uint64_t sector;          /* where the data goes or comes from */
};

/* A record of the recorder disk (record mode, request.c): this header
 * sector, then the `count` blocks written, records back to back from
 * sector 0 of the recorder. Replaying the first N records onto a copy of
 * the starting image gives the disk as it would be had the power gone
 * after the Nth write. All fields little-endian. */
#define REC_MAGIC  0x43455242     /* "BREC" */
struct rec_header {
	uint32_t magic;           /* REC_MAGIC */
	uint32_t seq;             /* 0, 1, 2, ...: the order the writes completed */
	uint32_t block;           /* where the write went on the fs disk (4096-byte blocks) */
	uint32_t count;           /* blocks written: 1..BLK_IO_BLOCKS */
	uint32_t sum;             /* FNV-1a (32 bits) of the count * 4096 data bytes */
	uint8_t zero[SECTOR - 5 * sizeof(uint32_t)];
};

/* One piece of a request, for the device: a descriptor (2.6.5). */
struct vbuf {
	uint64_t pa;
	uint32_t len;
	bool device_writes;       /* the device writes it (a read's data, a status) */
};

/* A virtio block device we drive (virtio.c). */
struct vq_desc;
struct vq_avail;
struct vq_used;
struct vblk {
	volatile uint32_t *regs;  /* its transport's registers */
	int transport;            /* 0..VIRTIO_TRANSPORTS-1 */
	uint64_t sectors;         /* capacity, in 512-byte sectors */
	bool read_only;           /* VIRTIO_BLK_F_RO */
	bool can_flush;           /* VIRTIO_BLK_F_FLUSH: it has a write cache to flush */
	char serial[VBLK_ID_BYTES + 1];   /* its ID (QEMU: serial=...), "" if none */
	uint16_t qsize;           /* entries of queue 0 */
	struct vq_desc *desc;     /* the queue's three parts, a DMA page each */
	struct vq_avail *avail;
	volatile struct vq_used *used;
	uint16_t avail_idx;       /* chains made available so far (mod 2^16) */
	uint16_t used_seen;       /* used ring entries taken so far (mod 2^16) */
};

/* Descriptors of one request slot: header, record sector, the data, status. */
#define SLOT_DESCS  (3 + BLK_IO_BLOCKS)

/* virtio.c */
long dma_page(void **va, uint64_t *pa);
int vblk_find(struct vblk *devs, int max);
void vblk_reset(struct vblk *d);
int vblk_slots(const struct vblk *d);
void vblk_send(struct vblk *d, uint16_t head, const struct vbuf *bufs, int n);
int vblk_next_done(struct vblk *d);
void vblk_intr_ack(struct vblk *d);

/* request.c */
extern uint64_t reads_done, writes_done;   /* requests that succeeded, since boot */
long requests_init(void);
void requests_limit(int n);
long request_get_id(struct vblk *d);
long request_read(uint64_t sender, uint64_t block, uint64_t count);
long request_write(uint64_t sender, uint64_t block, const void *data, uint64_t count);
long request_flush(uint64_t sender);
void request_done(struct vblk *d, int head);

/* main.c */
extern struct vblk *disk;       /* the file system's disk */
extern struct vblk *recorder;   /* record mode: where its writes are recorded, else NULL */
extern int64_t stop_after;      /* stop=N: writes after the Nth are held; -1: none */

#endif
