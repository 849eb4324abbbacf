/*
 * mkfs/fsimg.c: the format's arithmetic for host tools (see fsimg.h):
 * where each region lies, and where a block, an inode, a bitmap bit or a
 * file's block is found in an image held in memory.
 */
#include <stddef.h>
#include "fsimg.h"

uint64_t fsimg_layout(struct fs_super *sb, uint32_t size, uint32_t ninodes, uint32_t nlog)
{
	/* With nlog <= FS_LOG_MAX every start fits in 32 bits: the inodes
	 * take at most 2^26 blocks and the bitmap at most 2^17. */
	uint64_t logstart = FS_SUPER_BLOCK + 1;
	uint64_t inodestart = logstart + 1 + nlog;
	uint64_t bmapstart = inodestart + ((uint64_t)ninodes + FS_IPB - 1) / FS_IPB;
	uint64_t datastart = bmapstart + ((uint64_t)size + FS_BPB - 1) / FS_BPB;

	sb->magic = FS_MAGIC;
	sb->version = FS_VERSION;
	sb->size = size;
	sb->nblocks = datastart < size ? (uint32_t)(size - datastart) : 0;
	sb->ninodes = ninodes;
	sb->nlog = nlog;
	sb->logstart = (uint32_t)logstart;
	sb->inodestart = (uint32_t)inodestart;
	sb->bmapstart = (uint32_t)bmapstart;
	sb->datastart = (uint32_t)datastart;
	return datastart;
}

uint8_t *fsimg_block(const struct fsimg *img, uint32_t b)
{
	if (b >= img->size)
		return NULL;
	return img->data + (size_t)b * FS_BSIZE;
}

struct fs_dinode *fsimg_inode(const struct fsimg *img, const struct fs_super *sb, uint32_t inum)
{
	uint64_t blk = sb->inodestart + (uint64_t)inum / FS_IPB;
	if (inum >= sb->ninodes || blk >= sb->bmapstart || blk >= img->size)
		return NULL;
	return (struct fs_dinode *)fsimg_block(img, (uint32_t)blk) + inum % FS_IPB;
}

int fsimg_is_data(const struct fs_super *sb, uint32_t b)
{
	return b >= sb->datastart && b < sb->size;
}

/* The byte holding bitmap bit b, and the bit's mask; NULL if none. */
static uint8_t *bitmap_byte(const struct fsimg *img, const struct fs_super *sb,
			    uint64_t b, uint8_t *mask)
{
	uint64_t blk = sb->bmapstart + b / FS_BPB;
	if (blk >= sb->datastart || blk >= img->size)
		return NULL;
	/* Bit b is bit (b % 8) of byte (b % FS_BPB) / 8: least significant first. */
	*mask = (uint8_t)(1u << (b % 8));
	return fsimg_block(img, (uint32_t)blk) + (b % FS_BPB) / 8;
}

int fsimg_bit(const struct fsimg *img, const struct fs_super *sb, uint64_t b)
{
	uint8_t mask;
	uint8_t *byte = bitmap_byte(img, sb, b, &mask);
	if (byte == NULL)
		return -1;
	return (*byte & mask) != 0;
}

int fsimg_setbit(const struct fsimg *img, const struct fs_super *sb, uint64_t b)
{
	uint8_t mask;
	uint8_t *byte = bitmap_byte(img, sb, b, &mask);
	if (byte == NULL)
		return -1;
	*byte |= mask;
	return 0;
}

/* Entry i of indirect block ind (0: a hole, so every entry is 0). Return
 * 0, or -1 if ind or the entry found is neither 0 nor a data block. */
static int indirect_entry(const struct fsimg *img, const struct fs_super *sb,
			  uint32_t ind, uint64_t i, uint32_t *bno)
{
	*bno = 0;
	if (ind == 0)
		return 0;
	if (!fsimg_is_data(sb, ind))
		return -1;
	*bno = ((const uint32_t *)fsimg_block(img, ind))[i];
	return *bno == 0 || fsimg_is_data(sb, *bno) ? 0 : -1;
}

int fsimg_bmap(const struct fsimg *img, const struct fs_super *sb,
	       const struct fs_dinode *ip, uint64_t fbn, uint32_t *bno)
{
	uint32_t ind;

	if (fbn < FS_NDIRECT) {
		*bno = ip->addrs[fbn];
		return *bno == 0 || fsimg_is_data(sb, *bno) ? 0 : -1;
	}
	fbn -= FS_NDIRECT;
	if (fbn < FS_NINDIRECT)
		return indirect_entry(img, sb, ip->addrs[FS_IND], fbn, bno);
	fbn -= FS_NINDIRECT;
	if (fbn >= (uint64_t)FS_NINDIRECT * FS_NINDIRECT)
		return -1;
	if (indirect_entry(img, sb, ip->addrs[FS_DIND], fbn / FS_NINDIRECT, &ind) < 0)
		return -1;
	return indirect_entry(img, sb, ind, fbn % FS_NINDIRECT, bno);
}
