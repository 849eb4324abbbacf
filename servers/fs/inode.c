/*
 * Inodes: the in-memory table of inodes in use, the block map of a file
 * (which disk block holds byte `off`), and reading and writing file data.
 *
 * The table holds one copy of each inode anyone uses: open files, the
 * request being served. An entry whose refs fell to 0 keeps its copy
 * until the slot is needed again, as a cache. Every change goes to the
 * copy and then, through iupdate, to the inode's block in the log.
 */
#include "fs.h"

#define NINODE 128

static struct inode itable[NINODE];
static uint32_t cached[NINODE];   /* inum the slot holds (0: none) */

struct inode *iget(uint32_t inum)
{
	if (inum == 0 || inum >= sb.ninodes)
		return NULL;
	struct inode *empty = NULL;
	for (int i = 0; i < NINODE; i++) {
		if (cached[i] == inum) {
			itable[i].refs++;
			return &itable[i];
		}
		if (itable[i].refs == 0 && (!empty || cached[empty - itable] != 0))
			empty = &itable[i];
	}
	if (!empty)
		return NULL;
	struct buf *bp = bread(FS_IBLOCK(&sb, inum));
	if (!bp)
		return NULL;
	empty->d = ((struct fs_dinode *)bp->data)[inum % FS_IPB];
	brelse(bp);
	empty->inum = inum;
	empty->refs = 1;
	cached[empty - itable] = inum;
	return empty;
}

struct inode *idup(struct inode *ip)
{
	ip->refs++;
	return ip;
}

void iupdate(struct inode *ip)
{
	struct buf *bp = bread(FS_IBLOCK(&sb, ip->inum));
	if (!bp)
		return;
	((struct fs_dinode *)bp->data)[ip->inum % FS_IPB] = ip->d;
	log_write(bp);
	brelse(bp);
}

/* Done with ip. The last user of an inode no directory names any more
 * frees it: its data, then the inode itself. */
void iput(struct inode *ip)
{
	if (!ip)
		return;
	if (ip->refs == 1 && ip->d.nlink == 0 && ip->d.type != FS_T_FREE) {
		itrunc(ip, 0);
		ip->d.type = FS_T_FREE;
		iupdate(ip);
		ifree_count();
	}
	ip->refs--;
}

uint32_t inodes_in_use(void)
{
	uint32_t n = 0;
	for (int i = 0; i < NINODE; i++)
		n += itable[i].refs > 0;
	return n;
}

/* A block number read from the disk, checked before anyone uses it. */
static long checked(struct inode *ip, uint32_t b)
{
	if (b != 0 && !block_ok(b)) {
		dprintf(2, "fs: inode %u names block %u, outside the data blocks: the disk is "
		        "damaged\n", ip->inum, b);
		return -EIO;
	}
	return b;
}

/* LAB fs BEGIN */
/* Entry i of indirect block *slot (allocating the indirect block, and the
 * entry's block, if alloc). Returns the block number, 0 for a hole. */
static long indirect(struct inode *ip, uint32_t *slot, bool slot_in_inode, struct buf *holder,
                     uint32_t i, bool alloc)
{
	long r;
	if (*slot == 0) {
		if (!alloc)
			return 0;
		uint32_t nb;
		if ((r = balloc(&nb, NULL)) < 0)
			return r;
		*slot = nb;
		if (slot_in_inode)
			iupdate(ip);
		else
			log_write(holder);
	}
	if ((r = checked(ip, *slot)) < 0)
		return r;
	struct buf *bp = bread(*slot);
	if (!bp)
		return -EIO;
	uint32_t *a = (uint32_t *)bp->data;
	r = checked(ip, a[i]);
	if (r == 0 && alloc) {
		uint32_t nb;
		r = balloc(&nb, NULL);
		if (r == 0) {
			a[i] = nb;
			log_write(bp);
			r = nb;
		}
	}
	brelse(bp);
	return r;
}

/* The disk block holding block bn of the file: 0 for a hole (or, with
 * alloc, a newly allocated zeroed block). */
static long bmap(struct inode *ip, uint32_t bn, bool alloc)
{
	long r;
	if (bn < FS_NDIRECT) {
		uint32_t b = ip->d.addrs[bn];
		if (b == 0 && alloc) {
			if ((r = balloc(&b, NULL)) < 0)
				return r;
			ip->d.addrs[bn] = b;
			iupdate(ip);
		}
		return checked(ip, b);
	}
	bn -= FS_NDIRECT;
	if (bn < FS_NINDIRECT)
		return indirect(ip, &ip->d.addrs[FS_IND], true, NULL, bn, alloc);
	bn -= FS_NINDIRECT;
	if (bn >= FS_NINDIRECT * FS_NINDIRECT)
		return -EFBIG;
	/* the double-indirect block's entry bn / FS_NINDIRECT is an indirect block */
	long ind = indirect(ip, &ip->d.addrs[FS_DIND], true, NULL, bn / FS_NINDIRECT, alloc);
	if (ind <= 0)
		return ind;
	struct buf *bp = bread((uint32_t)ind);
	if (!bp)
		return -EIO;
	uint32_t *a = (uint32_t *)bp->data;
	r = checked(ip, a[bn % FS_NINDIRECT]);
	if (r == 0 && alloc) {
		uint32_t nb;
		r = balloc(&nb, NULL);
		if (r == 0) {
			a[bn % FS_NINDIRECT] = nb;
			log_write(bp);
			r = nb;
		}
	}
	brelse(bp);
	return r;
}
/* LAB fs ELSE
// The disk block holding block bn of the file: 0 for a hole (or, with
// alloc, a newly allocated zeroed block).
static long bmap(struct inode *ip, uint32_t bn, bool alloc)
{
	(void)ip;
	(void)bn;
	(void)alloc;
	return -ENOSYS;
}
   LAB fs END */

long readi(struct inode *ip, void *dst, uint32_t off, uint32_t n)
{
	if (off >= ip->d.size)
		return 0;
	if (n > ip->d.size - off)
		n = ip->d.size - off;
	uint8_t *p = dst;
	for (uint32_t done = 0; done < n;) {
		uint32_t in = (off + done) % FS_BSIZE;
		uint32_t k = FS_BSIZE - in < n - done ? FS_BSIZE - in : n - done;
		long b = bmap(ip, (off + done) / FS_BSIZE, false);
		if (b < 0)
			return b;
		if (b == 0) {
			memset(p + done, 0, k);   /* a hole */
		} else {
			struct buf *bp = bread((uint32_t)b);
			if (!bp)
				return -EIO;
			memcpy(p + done, bp->data + in, k);
			brelse(bp);
		}
		done += k;
	}
	return n;
}

/* The cached block that holds byte off of the file (NULL *bp for a hole),
 * for a read that can be answered straight from the cache. */
long ibuf(struct inode *ip, uint32_t off, struct buf **bp)
{
	long b = bmap(ip, off / FS_BSIZE, false);
	*bp = NULL;
	if (b <= 0)
		return b;
	*bp = bread((uint32_t)b);
	return *bp ? 0 : -EIO;
}

long writei(struct inode *ip, const void *src, uint32_t off, uint32_t n)
{
	if ((uint64_t)off + n > FS_MAXFILE)
		return -EFBIG;
	const uint8_t *p = src;
	uint32_t done = 0;
	long err = 0;
	while (done < n) {
		uint32_t in = (off + done) % FS_BSIZE;
		uint32_t k = FS_BSIZE - in < n - done ? FS_BSIZE - in : n - done;
		long b = bmap(ip, (off + done) / FS_BSIZE, true);
		if (b <= 0) {
			err = b < 0 ? b : -EIO;
			break;
		}
		struct buf *bp = k == FS_BSIZE ? bzeroed((uint32_t)b) : bread((uint32_t)b);
		if (!bp) {
			err = -EIO;
			break;
		}
		memcpy(bp->data + in, p + done, k);
		log_write(bp);
		brelse(bp);
		done += k;
	}
	if (off + done > ip->d.size) {
		ip->d.size = off + done;
		iupdate(ip);
	}
	return done ? (long)done : err;
}

/* Free the blocks of indirect block *slot from entry `from` on (all of
 * them if from is 0, and then the indirect block too). */
static void trunc_indirect(struct inode *ip, uint32_t *slot, uint32_t from, bool dind)
{
	if (*slot == 0 || checked(ip, *slot) < 0)
		return;
	struct buf *bp = bread(*slot);
	if (!bp)
		return;
	uint32_t *a = (uint32_t *)bp->data;
	bool changed = false;
	for (uint32_t i = dind ? from / FS_NINDIRECT : from; i < FS_NINDIRECT; i++) {
		if (a[i] == 0)
			continue;
		if (dind) {
			uint32_t sub = i == from / FS_NINDIRECT ? from % FS_NINDIRECT : 0;
			trunc_indirect(ip, &a[i], sub, false);
			changed |= a[i] == 0;
		} else if (checked(ip, a[i]) > 0) {
			bfree(a[i]);
			a[i] = 0;
			changed = true;
		}
	}
	if (changed && from > 0)
		log_write(bp);   /* it stays: its freed entries must read 0 (a block
		                  * freed below needs no logging: nothing reads it) */
	brelse(bp);
	if (from == 0) {
		bfree(*slot);
		*slot = 0;
	}
}

/* Cut the file to size bytes (only shorter), freeing the blocks past it. */
long itrunc(struct inode *ip, uint32_t size)
{
	if (size >= ip->d.size)
		return 0;
	uint32_t keep = (size + FS_BSIZE - 1) / FS_BSIZE;   /* blocks still in use */
	if (size % FS_BSIZE) {   /* the part of the last block past the end reads as zeros */
		struct buf *bp;
		if (ibuf(ip, size, &bp) == 0 && bp) {
			memset(bp->data + size % FS_BSIZE, 0, FS_BSIZE - size % FS_BSIZE);
			log_write(bp);
			brelse(bp);
		}
	}
	for (uint32_t i = keep; i < FS_NDIRECT; i++)
		if (ip->d.addrs[i]) {
			bfree(ip->d.addrs[i]);
			ip->d.addrs[i] = 0;
		}
	uint32_t from = keep > FS_NDIRECT ? keep - FS_NDIRECT : 0;
	if (from < FS_NINDIRECT)
		trunc_indirect(ip, &ip->d.addrs[FS_IND], from, false);
	from = keep > FS_NDIRECT + FS_NINDIRECT ? keep - FS_NDIRECT - FS_NINDIRECT : 0;
	trunc_indirect(ip, &ip->d.addrs[FS_DIND], from, true);
	ip->d.size = size;
	iupdate(ip);
	return 0;
}

/* Blocks the file holds: data and indirect. */
uint64_t iblocks(struct inode *ip)
{
	uint64_t n = 0;
	for (int i = 0; i < FS_NDIRECT; i++)
		n += ip->d.addrs[i] != 0;
	uint32_t nb = (ip->d.size + FS_BSIZE - 1) / FS_BSIZE;
	for (uint32_t bn = FS_NDIRECT; bn < nb; bn++)
		n += bmap(ip, bn, false) > 0;
	n += ip->d.addrs[FS_IND] != 0;
	if (ip->d.addrs[FS_DIND]) {
		n++;
		n += nb > FS_NDIRECT + FS_NINDIRECT ?
		     (nb - FS_NDIRECT - FS_NINDIRECT + FS_NINDIRECT - 1) / FS_NINDIRECT : 0;
	}
	return n;
}

void istat(struct inode *ip, struct fs_stat *st)
{
	st->inum = ip->inum;
	st->type = ip->d.type == FS_T_DIR ? FS_STAT_DIR : FS_STAT_FILE;
	st->nlink = ip->d.nlink;
	st->size = ip->d.size;
	st->blocks = iblocks(ip);
}
