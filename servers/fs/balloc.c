/*
 * Free blocks and free inodes. The bitmap on the disk says which blocks
 * are in use (bit b of it: block b); an inode is free when its type is
 * FS_T_FREE. Both are changed through the log like everything else, so
 * an allocation and its use reach the disk in the same transaction.
 */
#include "fs.h"

static uint32_t nfree_blocks, nfree_inodes;
static uint32_t hint;           /* where the last block was found */
static uint32_t ihint = 1;      /* ... and the last inode */

bool block_ok(uint32_t block)
{
	return block >= sb.datastart && block < sb.size;
}

uint32_t free_blocks(void)
{
	return nfree_blocks;
}

uint32_t free_inodes(void)
{
	return nfree_inodes;
}

/* Count what is free (at mount; afterwards we keep count). */
void balloc_init(void)
{
	nfree_blocks = 0;
	for (uint32_t b = sb.datastart; b < sb.size; b += FS_BPB - b % FS_BPB) {
		struct buf *bp = bread(FS_BBLOCK(&sb, b));
		if (!bp)
			return;
		uint32_t end = b - b % FS_BPB + FS_BPB < sb.size ? b - b % FS_BPB + FS_BPB : sb.size;
		for (uint32_t i = b; i < end; i++)
			nfree_blocks += !(bp->data[(i % FS_BPB) / 8] & (1u << (i % 8)));
		brelse(bp);
	}
	nfree_inodes = 0;
	for (uint32_t i = 1; i < sb.ninodes; i++) {
		struct buf *bp = bread(FS_IBLOCK(&sb, i));
		if (!bp)
			return;
		nfree_inodes += ((struct fs_dinode *)bp->data)[i % FS_IPB].type == FS_T_FREE;
		brelse(bp);
	}
	hint = sb.datastart;
}

/* LAB fs BEGIN */
/* A free data block, marked used: its number, and its buffer, zeroed and
 * in the transaction (so that no old contents can show through). */
long balloc(uint32_t *block, struct buf **zeroed)
{
	if (nfree_blocks == 0)
		return -ENOSPC;
	uint32_t ndata = sb.size - sb.datastart;
	for (uint32_t k = 0; k < ndata;) {
		uint32_t b = sb.datastart + (hint - sb.datastart + k) % ndata;
		struct buf *bp = bread(FS_BBLOCK(&sb, b));
		if (!bp)
			return -EIO;
		/* scan the rest of this bitmap block (or up to the end of the disk) */
		uint32_t end = b - b % FS_BPB + FS_BPB;
		if (end > sb.size)
			end = sb.size;
		for (; b < end && k < ndata; b++, k++) {
			uint8_t *byte = &bp->data[(b % FS_BPB) / 8];
			if (*byte & (1u << (b % 8)))
				continue;
			struct buf *z = bzeroed(b);   /* first: if the cache is full, nothing changed */
			if (!z) {
				brelse(bp);
				return -EIO;
			}
			*byte |= 1u << (b % 8);
			log_write(bp);
			brelse(bp);
			log_write(z);
			nfree_blocks--;
			hint = b + 1 < sb.size ? b + 1 : sb.datastart;
			*block = b;
			if (zeroed)
				*zeroed = z;
			else
				brelse(z);
			return 0;
		}
		brelse(bp);
	}
	return -ENOSPC;
}

void bfree(uint32_t block)
{
	if (!block_ok(block))
		return;
	struct buf *bp = bread(FS_BBLOCK(&sb, block));
	if (!bp)
		return;
	uint8_t *byte = &bp->data[(block % FS_BPB) / 8];
	if (*byte & (1u << (block % 8))) {
		*byte &= ~(1u << (block % 8));
		log_write(bp);
		nfree_blocks++;
	}
	brelse(bp);
}
/* LAB fs ELSE
long balloc(uint32_t *block, struct buf **zeroed)
{
	(void)block;
	(void)zeroed;
	(void)hint;
	return -ENOSPC;
}

void bfree(uint32_t block)
{
	(void)block;
}
   LAB fs END */

/* A free inode, now of type `type` with no links and no data. */
long ialloc(uint16_t type, uint32_t *inum)
{
	if (nfree_inodes == 0)
		return -ENOSPC;
	for (uint32_t k = 0; k < sb.ninodes - 1; k++) {
		uint32_t i = 1 + (ihint - 1 + k) % (sb.ninodes - 1);
		struct buf *bp = bread(FS_IBLOCK(&sb, i));
		if (!bp)
			return -EIO;
		struct fs_dinode *d = &((struct fs_dinode *)bp->data)[i % FS_IPB];
		if (d->type == FS_T_FREE) {
			memset(d, 0, sizeof(*d));
			d->type = type;
			log_write(bp);
			brelse(bp);
			nfree_inodes--;
			ihint = i;
			*inum = i;
			return 0;
		}
		brelse(bp);
	}
	return -ENOSPC;
}

/* The inode is free again (inode.c, when its last link and user go). */
void ifree_count(void)
{
	nfree_inodes++;
}
