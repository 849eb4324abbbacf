/*
 * Mounting: read the superblock, refuse a disk that is not a Mica file
 * system or is damaged, install what the log holds, and look the inodes
 * and directories over before any client may use them. Each refusal says
 * what is wrong, so that a student who wrote a broken mkfs (or a disk that
 * a crash test destroyed) sees why.
 */
#include "fs.h"

struct fs_super sb;

static long refuse(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dprintf(2, "fs: cannot mount: %s\n", buf);
	return -EINVAL;
}

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return (a + b - 1) / b;
}

static long check_super(void)
{
	static uint8_t block[FS_BSIZE] __attribute__((aligned(8)));
	long r = disk_read(FS_SUPER_BLOCK, 1, block);
	if (r < 0)
		return refuse("cannot read the superblock (error %ld)", r);
	memcpy(&sb, block, sizeof(sb));
	if (sb.magic != FS_MAGIC)
		return refuse("bad superblock magic 0x%x (want 0x%x): not a Mica file system",
		              sb.magic, FS_MAGIC);
	if (sb.version != FS_VERSION)
		return refuse("file system version %u, this server reads version %u", sb.version,
		              FS_VERSION);
	if (sb.size > disk_blocks())
		return refuse("the file system's size, %u blocks, does not fit the device's %lu",
		              sb.size, (unsigned long)disk_blocks());
	if (sb.nlog > NBUF / 2)
		return refuse("a log of %u blocks: this server's cache (%u blocks) holds at most %u",
		              sb.nlog, NBUF, NBUF / 2);
	if (sb.ninodes < 2 || sb.logstart != 2 || sb.nlog < FS_OP_MAX || sb.nlog > FS_LOG_MAX ||
	    sb.inodestart != sb.logstart + 1 + sb.nlog ||
	    sb.bmapstart != sb.inodestart + div_up(sb.ninodes, FS_IPB) ||
	    sb.datastart != sb.bmapstart + div_up(sb.size, FS_BPB) || sb.datastart >= sb.size ||
	    sb.nblocks != sb.size - sb.datastart)
		return refuse("the superblock's layout does not add up (size %u, %u inodes, log %u "
		              "at %u, inodes at %u, bitmap at %u, data at %u, %u data blocks)",
		              sb.size, sb.ninodes, sb.nlog, sb.logstart, sb.inodestart, sb.bmapstart,
		              sb.datastart, sb.nblocks);
	return 0;
}

/* The disk inode inum (read through the cache; inum is in range). */
static bool dinode(uint32_t inum, struct fs_dinode *d)
{
	struct buf *bp = bread(FS_IBLOCK(&sb, inum));
	if (!bp)
		return false;
	*d = ((struct fs_dinode *)bp->data)[inum % FS_IPB];
	brelse(bp);
	return true;
}

/* Every inode: a known type, a size the format allows, block numbers on
 * the disk. Then every directory's entries: names of inodes in use. */
static long check_inodes(void)
{
	struct fs_dinode d;
	for (uint32_t i = 1; i < sb.ninodes; i++) {
		if (!dinode(i, &d))
			return refuse("cannot read inode %u", i);
		if (d.type == FS_T_FREE)
			continue;
		if (d.type != FS_T_DIR && d.type != FS_T_FILE)
			return refuse("inode %u has type %u, neither a file nor a directory", i, d.type);
		for (int k = 0; k < FS_NDIRECT + 2; k++)
			if (d.addrs[k] && !block_ok(d.addrs[k]))
				return refuse("inode %u names block %u, outside the data blocks [%u, %u)",
				              i, d.addrs[k], sb.datastart, sb.size);
		if (d.type == FS_T_DIR && d.size % FS_BSIZE)
			return refuse("directory inode %u is %u bytes, not whole blocks", i, d.size);
	}
	struct inode *root = iget(FS_ROOT_INUM);
	bool ok = root && root->d.type == FS_T_DIR;
	iput(root);
	if (!ok)
		return refuse("the root, inode %u, is not a directory", FS_ROOT_INUM);
	for (uint32_t i = 1; i < sb.ninodes; i++) {
		if (!dinode(i, &d) || d.type != FS_T_DIR)
			continue;
		struct inode *dp = iget(i);
		if (!dp)
			return refuse("the inode table is full");
		for (uint32_t off = 0; off < dp->d.size; off += sizeof(struct fs_dirent)) {
			struct fs_dirent e;
			long r = readi(dp, &e, off, sizeof(e));
			if (r != sizeof(e)) {
				iput(dp);
				return refuse("cannot read directory inode %u", i);
			}
			if (e.inum == 0)
				continue;
			e.name[FS_NAME_MAX] = 0;
			struct fs_dinode target;
			if (e.inum >= sb.ninodes || !dinode(e.inum, &target) ||
			    target.type == FS_T_FREE) {
				iput(dp);
				return refuse("directory inode %u: entry \"%s\" points at %s inode %u", i,
				              e.name, e.inum >= sb.ninodes ? "nonexistent" : "free", e.inum);
			}
		}
		iput(dp);
	}
	return 0;
}

/* Files unlinked while open, when the system stopped: no directory names
 * them, nobody has them open now. Free them. */
static void free_orphans(void)
{
	uint32_t n = 0;
	struct fs_dinode d;
	for (uint32_t i = 1; i < sb.ninodes; i++) {
		if (!dinode(i, &d) || d.type == FS_T_FREE || d.nlink != 0)
			continue;
		op_begin();
		n++;
		iput(iget(i));   /* frees it: no links, no users */
	}
	if (n) {
		log_commit();
		dprintf(2, "fs: freed %u orphaned inodes (unlinked while open)\n", n);
	}
}

long fs_mount(void)
{
	long r = check_super();
	if (r < 0)
		return r;
	if ((r = log_recover()) < 0)
		return r == -EINVAL ? r : refuse("cannot recover the log (error %ld)", r);
	if ((r = check_inodes()) < 0)
		return r;
	balloc_init();
	free_orphans();
	return 0;
}
