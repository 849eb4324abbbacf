/*
 * The buffer cache: NBUF blocks of the disk kept in memory, so that a
 * block read twice is read from the disk once, and so that there is only
 * one copy of each block that everyone changes.
 *
 * A buffer is found by its block number through a small hash table. The
 * buffers also form a list from the most to the least recently used; a
 * block not in the cache takes the least recently used buffer that is
 * neither held (refs) nor dirty. Dirty buffers belong to the log's current
 * transaction and must stay until the log has written them home (log.c);
 * the log commits long before they could fill the cache (nlog < NBUF).
 */
#include "fs.h"

#define NHASH 64

static struct buf bufs[NBUF];
static struct buf *hash[NHASH];
static struct buf *hnext[NBUF];
static struct buf lru;          /* list head: lru.next is the most recent */
static uint8_t data[NBUF][FS_BSIZE] __attribute__((aligned(4096)));

static struct buf **bucket(uint32_t block)
{
	return &hash[block % NHASH];
}

static void hash_remove(struct buf *b)
{
	for (struct buf **pp = bucket(b->block); *pp; pp = &hnext[*pp - bufs])
		if (*pp == b) {
			*pp = hnext[b - bufs];
			return;
		}
}

static void lru_unlink(struct buf *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static void lru_front(struct buf *b)
{
	b->next = lru.next;
	b->prev = &lru;
	lru.next->prev = b;
	lru.next = b;
}

void bio_init(void)
{
	lru.next = lru.prev = &lru;
	/* (not prefaulted: a buffer's page is mapped when a block first
	 * arrives in it, so an idle server holds only the blocks it used) */
	for (int i = 0; i < NBUF; i++) {
		bufs[i].data = data[i];
		bufs[i].block = ~0u;
		lru_front(&bufs[i]);
	}
}

/* The buffer for block, holding it (refs), read or not. */
static struct buf *bget(uint32_t block)
{
	for (struct buf *b = *bucket(block); b; b = hnext[b - bufs])
		if (b->block == block) {
			b->refs++;
			lru_unlink(b);
			lru_front(b);
			return b;
		}
	for (struct buf *b = lru.prev; b != &lru; b = b->prev)
		if (b->refs == 0 && !b->dirty) {
			if (b->block != ~0u)
				hash_remove(b);
			b->block = block;
			b->valid = false;
			b->refs = 1;
			hnext[b - bufs] = *bucket(block);
			*bucket(block) = b;
			lru_unlink(b);
			lru_front(b);
			return b;
		}
	return NULL;   /* every buffer is held or dirty: cannot happen (see above) */
}

struct buf *bread(uint32_t block)
{
	struct buf *b = bget(block);
	if (!b) {
		dprintf(2, "fs: the buffer cache is full\n");
		return NULL;
	}
	if (!b->valid) {
		if (disk_read(block, 1, b->data) < 0) {
			brelse(b);
			return NULL;
		}
		b->valid = true;
	}
	return b;
}

struct buf *bzeroed(uint32_t block)
{
	struct buf *b = bget(block);
	if (!b)
		return NULL;
	memset(b->data, 0, FS_BSIZE);
	b->valid = true;
	return b;
}

void brelse(struct buf *b)
{
	if (b && b->refs > 0)
		b->refs--;
}

uint32_t bio_dirty(void)
{
	uint32_t n = 0;
	for (int i = 0; i < NBUF; i++)
		n += bufs[i].dirty;
	return n;
}
