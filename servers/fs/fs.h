/*
 * The file system server's own declarations (its protocol, shared with the
 * clients, is include/mica/proto/fs.h; the disk format, shared with mkfs,
 * is include/mica/fsformat.h). One file per layer, bottom to top:
 *   disk.c    blocks to and from the block driver (servers/blk/)
 *   bio.c     the buffer cache: one copy of each block in memory
 *   log.c     the write-ahead log: a transaction reaches the disk whole or not at all
 *   mount.c   the superblock, the checks at mount, recovery from the log
 *   balloc.c  free blocks (the bitmap) and free inodes
 *   inode.c   inodes: block mapping, reading and writing file data
 *   dir.c     directories and path names
 *   pipe.c    pipes
 *   file.c    open files and the handles clients name them by
 *   ops.c     requests on paths: stat, mkdir, rmdir, unlink, link, rename
 *   main.c    start-up, the receive loop and the handler table
 * docs/fs.md explains how they fit together.
 *
 * The server has one thread: it handles one request at a time, start to
 * finish, so no data structure here needs a lock. It waits for the disk
 * (a call to the block driver) but never for a client: a pipe read with
 * nothing to read is answered later.
 */
#ifndef FS_H
#define FS_H

#include "mica.h"
#include <mica/fsformat.h>
#include <mica/proto/fs.h>

/* mount.c */
extern struct fs_super sb;      /* the superblock, checked */

/* disk.c */
long disk_init(void);
long disk_read(uint32_t block, uint32_t count, void *dst);
long disk_write(uint32_t block, uint32_t count, const void *src);
long disk_flush(void);
#define BLK_STAGE_BLOCKS 2      /* blocks per request to the driver (8 KiB of bulk) */
uint64_t disk_blocks(void);

/* bio.c: NBUF blocks of cache. A buffer is found by block number; a
 * buffer changed by the current transaction (dirty) stays in the cache
 * until the log has written it home. */
#define NBUF 256
struct buf {
	uint32_t block;
	bool valid;             /* data holds the block's contents */
	bool dirty;             /* in the current transaction: not evictable */
	uint16_t refs;          /* held by the request being served */
	struct buf *prev, *next;/* LRU order, most recent first */
	uint8_t *data;          /* FS_BSIZE bytes */
};
void bio_init(void);
struct buf *bread(uint32_t block);       /* NULL on a disk error */
struct buf *bzeroed(uint32_t block);     /* the block's buffer, all zeros, not read */
void brelse(struct buf *b);
uint32_t bio_dirty(void);

/* log.c: every request that changes the disk is one operation:
 *   op_begin(); ... log_write(b) for each changed buffer ...
 * Operations collect in one transaction (group commit), which reaches
 * the disk when it is full, when a client asks (fsync, sync), or when the
 * server has been idle or the oldest change is old. */
#define FS_OP_MAX 24            /* the most blocks one operation may change */
long log_recover(void);
void op_begin(void);
void log_write(struct buf *b);
long log_commit(void);          /* write the transaction now */
void log_tick(bool idle);       /* commit if idle or old (from the loop) */
bool log_busy(void);            /* something waits to be committed */
uint64_t log_idle_ms(void);     /* how long the loop may wait for a request */

long fs_mount(void);

/* balloc.c */
long balloc(uint32_t *block, struct buf **zeroed);   /* a zeroed, logged data block */
void bfree(uint32_t block);
bool block_ok(uint32_t block);  /* a data block number, inside the disk */
uint32_t free_blocks(void), free_inodes(void);
void balloc_init(void);
long ialloc(uint16_t type, uint32_t *inum);
void ifree_count(void);

/* inode.c: the in-memory copy of an inode, shared by every user. */
struct inode {
	uint32_t inum;
	uint32_t refs;          /* open files, directory walks, ...; 0: a free slot */
	struct fs_dinode d;     /* the disk inode (d.type 0 after it is freed) */
};
struct inode *iget(uint32_t inum);      /* NULL if the table is full or inum bad */
struct inode *idup(struct inode *ip);
void iput(struct inode *ip);            /* frees the inode when the last user and link go */
void iupdate(struct inode *ip);         /* write ip->d through the log */
long readi(struct inode *ip, void *dst, uint32_t off, uint32_t n);
long writei(struct inode *ip, const void *src, uint32_t off, uint32_t n);
long itrunc(struct inode *ip, uint32_t size);
long ibuf(struct inode *ip, uint32_t off, struct buf **bp); /* block holding offset */
uint64_t iblocks(struct inode *ip);
void istat(struct inode *ip, struct fs_stat *st);
uint32_t inodes_in_use(void);

/* dir.c */
struct path {                   /* a path, checked and split */
	char buf[FS_PATH_MAX];
	const char *name[FS_PATH_MAX / 2];
	int n;
};
long path_parse(struct path *p, const char *s, size_t len);
long namei(const struct path *p, struct inode **ip);
long nameiparent(const struct path *p, struct inode **dp, const char **last);
long dirlookup(struct inode *dp, const char *name, uint32_t *inum, uint32_t *off);
long dirlink(struct inode *dp, const char *name, uint32_t inum);
long dirunlink(struct inode *dp, uint32_t off);
long dirempty(struct inode *dp);
long dir_parent(struct inode *dp, uint32_t *inum);
long dir_setparent(struct inode *dp, uint32_t inum);
long path_canon(const struct path *p, char *out, size_t cap);

/* pipe.c */
struct pipe;
struct pipe *pipe_new(void);
long pipe_read(struct pipe *p, struct req *r, uint64_t n);
long pipe_write(struct pipe *p, struct req *r);
void pipe_open_end(struct pipe *p, bool writer);
void pipe_close_end(struct pipe *p, bool writer);
uint32_t pipe_bytes(struct pipe *p);

/* file.c */
long file_open(struct req *r);
long file_close(struct req *r);
long file_read(struct req *r);
long file_write(struct req *r);
long file_seek(struct req *r);
long file_fstat(struct req *r);
long file_readdir(struct req *r);
long file_fsync(struct req *r);
long file_pipe(struct req *r);
long file_dup(struct req *r);
long file_lend(struct req *r);
long file_claim(struct req *r);
uint32_t handles_in_use(void);
void files_reap(void);          /* close the handles of tasks that have ended */

/* ops.c: requests on paths */
long op_stat(struct req *r);
long op_mkdir(struct req *r);
long op_rmdir(struct req *r);
long op_unlink(struct req *r);
long op_link(struct req *r);
long op_rename(struct req *r);
long op_realpath(struct req *r);
long op_sync(struct req *r);
long op_statfs(struct req *r);

#endif
