/*
 * mkfs/fsimg.h: what mkfs and fsck share. Both hold a whole file system
 * image in memory (struct fsimg) and reach its blocks, inodes and bitmap
 * bits through these helpers. Every helper checks the numbers it is given
 * against the image before using them, so a damaged image can make a
 * helper fail, but never make it read or write outside the buffer.
 *
 * They share the consistency check too: fsck runs it on the image it is
 * given, mkfs --keep on the old image whose files it keeps.
 */
#ifndef MKFS_FSIMG_H
#define MKFS_FSIMG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The blocks of directory dp that hold entries (a partial entry at the
 * end of its size does not count). */
uint64_t fsimg_dir_nblocks(const struct fs_dinode *dp);

/* Block fbn of directory dp as entries, with in *n how many of them lie
 * within its size; NULL for a hole or a bad block number. */
const struct fs_dirent *fsimg_dir_block(const struct fsimg *img, const struct fs_super *sb,
					const struct fs_dinode *dp, uint64_t fbn, unsigned *n);

/* ---- reading and checking an image file ---- */

/* Read the image file at path into img, in newly allocated memory.
 * Return 0, or -1 with why (why_len bytes) saying what went wrong, without
 * the path: the file is missing, not a regular file, shorter than two
 * blocks, cannot be read, or does not fit in memory. */
int fsimg_read(struct fsimg *img, const char *path, char *why, size_t why_len);

/* One check of an image read by fsimg_read, and what it found. It runs
 * in passes, each trusting only what the earlier ones checked:
 *   1. fsimg_check_super: magic, version, a layout that fits the file;
 *   2. fsimg_check_log: a committed transaction that can be installed
 *      (fsimg_log_install then shows its blocks at their homes, as the
 *      file system will see them after recovery);
 *   3-6. fsimg_check_files: the inodes' types and the blocks each uses
 *      (once only); the tree from the root (".", "..", names, entries
 *      naming free inodes, directories named twice, which is how cycles
 *      show); link counts and orphan inodes; the bitmap.
 * If memory runs out a pass says so on stderr and exits with status 2. */
struct fsimg_check {
	struct fsimg *img;      /* the image; fsimg_log_install changes its blocks */
	FILE *report;           /* each inconsistency, one line "fsck: ..."; NULL: only count them */
	int verbose;            /* also print what is not a problem, on stdout */
	uint32_t orphans;       /* inodes with no links and no entry: freed at mount */
	struct fs_super sb;     /* a copy of the image's superblock */
	unsigned long problems; /* inconsistencies found so far */
	uint64_t nfiles, ndirs; /* found by fsimg_check_files: files and directories reached, */
	uint64_t nused;         /* and the blocks in use */

	/* The working state of fsimg_check_files, private to it. Per block:
	 * the inode using it (0: none). Per inode: the directory entries
	 * naming it; for a directory reached from the root, the directory it
	 * was found in (0: not reached) and its name there, made printable. */
	uint32_t *owner;
	uint32_t *refs;
	uint32_t *parent;
	char (*names)[FS_NAME_MAX + 1];
};

/* Report one inconsistency of c's image. */
void fsimg_problem(struct fsimg_check *c, const char *fmt, ...);

/* Pass 1: copy the superblock into c->sb and check it. Return 0 if the
 * other passes can trust its layout, else -1. */
int fsimg_check_super(struct fsimg_check *c);

/* Pass 2: check the log header. Return the length of the committed
 * transaction it holds, or 0 if there is none or it cannot be installed. */
uint32_t fsimg_check_log(struct fsimg_check *c);

/* Install the n blocks of the committed log into the image in memory
 * (n from fsimg_check_log; 0 does nothing). */
void fsimg_log_install(struct fsimg_check *c, uint32_t n);

/* Passes 3 to 6 (only after fsimg_check_super returned 0). */
void fsimg_check_files(struct fsimg_check *c);

#endif
