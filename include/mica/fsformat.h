/*
 * The on-disk format of Mica's file system, shared by the file system
 * server (servers/fs/), mkfs and fsck (mkfs/). docs/fs.md draws it.
 *
 * The disk is an array of FS_BSIZE-byte blocks:
 *
 *   0       unused (a boot block, by tradition)
 *   1       superblock (struct fs_super)
 *   2 ...   the log: one header block (struct fs_loghead), then nlog blocks
 *   ...     inodes, FS_IPB per block (struct fs_dinode); inode 0 is never used
 *   ...     the free bitmap: one bit per block of the whole disk, 1 = in use
 *   ...     data blocks: file contents, directories, indirect blocks
 *
 * The regions follow each other without gaps: logstart = 2, inodestart =
 * logstart + 1 + nlog, bmapstart = inodestart + ceil(ninodes / FS_IPB),
 * datastart = bmapstart + ceil(size / FS_BPB), nblocks = size - datastart.
 * All numbers are little-endian, as RISC-V and the build machine are.
 */
#ifndef MICA_FSFORMAT_H
#define MICA_FSFORMAT_H

#include <stdint.h>

#define FS_BSIZE        4096            /* bytes per block */
#define FS_SECTORS      (FS_BSIZE / 512) /* virtio-blk sectors per block */
#define FS_MAGIC        0x4d494341u     /* "MICA" (little-endian in memory: "ACIM") */
#define FS_VERSION      1
#define FS_SUPER_BLOCK  1
#define FS_ROOT_INUM    1               /* the root directory's inode */

/* The superblock: where each region lies. mkfs writes it; nothing changes it. */
struct fs_super {
	uint32_t magic;         /* FS_MAGIC */
	uint32_t version;       /* FS_VERSION */
	uint32_t size;          /* blocks in the file system (the image) */
	uint32_t nblocks;       /* data blocks */
	uint32_t ninodes;       /* inodes, including the unused inode 0 */
	uint32_t nlog;          /* log blocks after the log header */
	uint32_t logstart;      /* the log header's block */
	uint32_t inodestart;    /* the first inode block */
	uint32_t bmapstart;     /* the first bitmap block */
	uint32_t datastart;     /* the first data block */
};

/* Inodes. A file's data is found through addrs: FS_NDIRECT block numbers,
 * then one indirect block (FS_NINDIRECT numbers), then one double-indirect
 * block (FS_NINDIRECT indirect blocks). Block number 0 means "none": a hole
 * reads as zeros. */
enum { FS_T_FREE = 0, FS_T_DIR = 1, FS_T_FILE = 2 };
#define FS_NDIRECT      12
#define FS_NINDIRECT    ((uint32_t)(FS_BSIZE / sizeof(uint32_t)))
#define FS_MAXFILE_BLOCKS (FS_NDIRECT + FS_NINDIRECT + FS_NINDIRECT * FS_NINDIRECT)
#define FS_MAXFILE      0xffffffffUL    /* bytes: size is 32 bits */
#define FS_IND          FS_NDIRECT      /* addrs[FS_IND]: the indirect block */
#define FS_DIND         (FS_NDIRECT + 1) /* addrs[FS_DIND]: the double-indirect block */

struct fs_dinode {
	uint16_t type;          /* FS_T_* */
	uint16_t nlink;         /* directory entries naming it */
	uint32_t size;          /* bytes */
	uint32_t addrs[FS_NDIRECT + 2];
};
#define FS_IPB          ((uint32_t)(FS_BSIZE / sizeof(struct fs_dinode)))   /* inodes per block */
#define FS_IBLOCK(sb, inum) ((sb)->inodestart + (inum) / FS_IPB)

/* The bitmap: bit b of the bitmap says whether block b is in use: byte
 * b / 8, bit b % 8 counted from the least significant. The blocks before
 * datastart are in use, and so are the bits past size in the last
 * bitmap block. */
#define FS_BPB          (FS_BSIZE * 8)  /* bits per bitmap block */
#define FS_BBLOCK(sb, b) ((sb)->bmapstart + (b) / FS_BPB)

/* A directory is a file of entries. A free slot has inum 0. Every directory
 * has "." and ".." first; the root's ".." is itself. A name is 1 to
 * FS_NAME_MAX bytes, NUL-terminated in its field, without '/'. A
 * directory's size is a whole number of blocks. A directory's nlink is 2
 * (its entry in its parent and its own ".") plus one per subdirectory. */
#define FS_NAME_MAX     59
struct fs_dirent {
	uint32_t inum;
	char name[FS_NAME_MAX + 1];
};
#define FS_DPB          ((uint32_t)(FS_BSIZE / sizeof(struct fs_dirent)))   /* entries per block */

/* The write-ahead log. A transaction writes its blocks to the log blocks
 * logstart+1 .. logstart+n, then the header with n and where each block
 * belongs (the commit point), then the blocks to their homes, then the
 * header with n = 0, each step flushed before the next. The checksum
 * covers seq, n and block[0..n) (not the log blocks: those are on the disk
 * before the header is written), so a header that was not written whole
 * never counts as a commit. Home blocks lie in [inodestart, size). */
#define FS_LOG_MAGIC    0x474f4c4du     /* "MLOG" */
#define FS_LOG_MAX      ((uint32_t)((FS_BSIZE - 16) / sizeof(uint32_t)))
struct fs_loghead {
	uint32_t magic;         /* FS_LOG_MAGIC */
	uint32_t n;             /* blocks in the committed transaction; 0: none */
	uint32_t seq;           /* transaction number, for the record */
	uint32_t sum;           /* fs_log_sum() of the header */
	uint32_t block[FS_LOG_MAX];
};

/* The header's checksum (FNV-1a over seq, n and the block numbers). */
static inline uint32_t fs_log_sum(const struct fs_loghead *h)
{
	uint32_t s = 2166136261u;
	uint32_t n = h->n <= FS_LOG_MAX ? h->n : FS_LOG_MAX;
	const uint32_t words[2] = { h->seq, h->n };
	const unsigned char *p = (const unsigned char *)words;
	for (unsigned i = 0; i < sizeof(words); i++)
		s = (s ^ p[i]) * 16777619u;
	p = (const unsigned char *)h->block;
	for (unsigned i = 0; i < n * sizeof(uint32_t); i++)
		s = (s ^ p[i]) * 16777619u;
	return s;
}

/* Sizes mkfs chooses unless told otherwise. */
#define FS_DEFAULT_BLOCKS 8192          /* 32 MiB */
#define FS_DEFAULT_INODES 2048
#define FS_DEFAULT_LOG    126

_Static_assert(sizeof(struct fs_dinode) == 64, "inode size");
_Static_assert(sizeof(struct fs_dirent) == 64, "directory entry size");
_Static_assert(sizeof(struct fs_loghead) == FS_BSIZE, "log header size");

#endif
