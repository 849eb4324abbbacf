/*
 * mkfs/fsimg.h: what mkfs and fsck share. Both hold a whole file system
 * image in memory (struct fsimg) and reach its blocks, inodes and bitmap
 * bits through these helpers. Every helper checks the numbers it is given
 * against the image before using them, so a damaged image can make a
 * helper fail, but never make it read or write outside the buffer.
 */
#ifndef MKFS_FSIMG_H
#define MKFS_FSIMG_H

#include <stdint.h>
#include "mica/fsformat.h"

/* An image in memory: size blocks of FS_BSIZE bytes each. */
struct fsimg {
	uint8_t *data;
	uint32_t size;
};

/* Fill in *sb for a file system of size blocks, ninodes inodes (counting
 * inode 0) and nlog log blocks, its regions one right after another as
 * fsformat.h draws them; nlog must be at most FS_LOG_MAX. Return the
 * first data block; if it is >= size the metadata alone does not fit
 * (and sb->nblocks is 0). */
uint64_t fsimg_layout(struct fs_super *sb, uint32_t size, uint32_t ninodes, uint32_t nlog);

/* Block b of the image, or NULL if the image has no block b. */
uint8_t *fsimg_block(const struct fsimg *img, uint32_t b);

/* Inode inum, or NULL if inum is not below sb->ninodes or its block is
 * not in the image. */
struct fs_dinode *fsimg_inode(const struct fsimg *img, const struct fs_super *sb, uint32_t inum);

/* Whether b is a data block: datastart <= b < size. */
int fsimg_is_data(const struct fs_super *sb, uint32_t b);

/* Bit b of the free bitmap: 1 = in use, 0 = free, -1 if that bit's
 * bitmap block is outside the bitmap region or the image. b may lie past
 * sb->size, up to the end of the last bitmap block. */
int fsimg_bit(const struct fsimg *img, const struct fs_super *sb, uint64_t b);

/* Set bit b of the free bitmap. Return 0, or -1 as fsimg_bit would. */
int fsimg_setbit(const struct fsimg *img, const struct fs_super *sb, uint64_t b);

/* The block holding file block fbn of inode ip, through its direct,
 * indirect and double-indirect block numbers. Return 0 and set *bno (0
 * for a hole), or -1 if fbn is past FS_MAXFILE_BLOCKS or a block number
 * on the way is outside the data area. */
int fsimg_bmap(const struct fsimg *img, const struct fs_super *sb,
	       const struct fs_dinode *ip, uint64_t fbn, uint32_t *bno);

/* Blocks needed to hold size bytes (its data blocks only). */
static inline uint64_t fsimg_nblocks(uint64_t size)
{
	return (size + FS_BSIZE - 1) / FS_BSIZE;
}

#endif
