/*
 * Directories and path names. A directory is a file of struct fs_dirent
 * (include/mica/fsformat.h), a whole number of blocks long; a free slot
 * has inum 0. Paths come from clients, so they are checked before use:
 * a NUL inside the bytes sent, at most FS_PATH_MAX with it, absolute,
 * every name 1..FS_NAME_MAX bytes.
 */
#include "fs.h"

/* Check and split the path in s[0..len) (from a client's bulk data). */
long path_parse(struct path *p, const char *s, size_t len)
{
	size_t n = 0;
	while (n < len && s[n])
		n++;
	if (n == len || n >= FS_PATH_MAX)
		return -ENAMETOOLONG;   /* no NUL in what came, or too long */
	if (n == 0)
		return -ENOENT;
	if (s[0] != '/')
		return -EINVAL;         /* the library makes every path absolute */
	memcpy(p->buf, s, n + 1);
	p->n = 0;
	for (char *c = p->buf; *c;) {
		while (*c == '/')
			*c++ = 0;
		if (!*c)
			break;
		p->name[p->n++] = c;
		char *start = c;
		while (*c && *c != '/')
			c++;
		if (c - start > FS_NAME_MAX)
			return -ENAMETOOLONG;
	}
	return 0;
}

/* LAB fs BEGIN */
/* Look name up in directory dp: its inode number and the entry's offset. */
long dirlookup(struct inode *dp, const char *name, uint32_t *inum, uint32_t *off)
{
	if (dp->d.type != FS_T_DIR)
		return -ENOTDIR;
	for (uint32_t o = 0; o < dp->d.size; o += FS_BSIZE) {
		struct buf *bp;
		long r = ibuf(dp, o, &bp);
		if (r < 0)
			return r;
		if (!bp)
			continue;
		const struct fs_dirent *e = (const struct fs_dirent *)bp->data;
		for (uint32_t i = 0; i < FS_DPB; i++) {
			if (e[i].inum == 0 || strncmp(e[i].name, name, FS_NAME_MAX + 1) != 0)
				continue;
			uint32_t found = e[i].inum;
			brelse(bp);
			if (found >= sb.ninodes) {
				dprintf(2, "fs: directory inode %u: entry \"%s\" names inode %u, past the "
				        "last: the disk is damaged\n", dp->inum, name, found);
				return -EIO;
			}
			*inum = found;
			if (off)
				*off = o + i * (uint32_t)sizeof(struct fs_dirent);
			return 0;
		}
		brelse(bp);
	}
	return -ENOENT;
}
/* LAB fs ELSE
long dirlookup(struct inode *dp, const char *name, uint32_t *inum, uint32_t *off)
{
	(void)dp;
	(void)name;
	(void)inum;
	(void)off;
	return -ENOSYS;
}
   LAB fs END */

/* Add the entry name -> inum to dp: in a free slot, or in a new block. */
long dirlink(struct inode *dp, const char *name, uint32_t inum)
{
	struct fs_dirent e = { .inum = inum };
	strncpy_z(e.name, name, sizeof(e.name));
	uint32_t off = dp->d.size;
	for (uint32_t o = 0; o < dp->d.size && off == dp->d.size; o += FS_BSIZE) {
		struct buf *bp;
		long r = ibuf(dp, o, &bp);
		if (r < 0)
			return r;
		if (!bp) {   /* a hole in a directory: a slot of zeros */
			off = o;
			break;
		}
		const struct fs_dirent *d = (const struct fs_dirent *)bp->data;
		for (uint32_t i = 0; i < FS_DPB; i++)
			if (d[i].inum == 0) {
				off = o + i * (uint32_t)sizeof(struct fs_dirent);
				break;
			}
		brelse(bp);
	}
	if (off == dp->d.size) {   /* full: the directory grows by a block of free slots */
		static const uint8_t zeros[FS_BSIZE];
		long r = writei(dp, zeros, off, FS_BSIZE);
		if (r < 0)
			return r;
		if (r != FS_BSIZE)
			return -ENOSPC;
	}
	long r = writei(dp, &e, off, sizeof(e));
	return r == sizeof(e) ? 0 : (r < 0 ? r : -ENOSPC);
}

long dirunlink(struct inode *dp, uint32_t off)
{
	struct fs_dirent e = { 0 };
	long r = writei(dp, &e, off, sizeof(e));
	return r == sizeof(e) ? 0 : (r < 0 ? r : -EIO);
}

/* 0 if dp holds nothing but "." and "..", else -ENOTEMPTY. */
long dirempty(struct inode *dp)
{
	for (uint32_t o = 0; o < dp->d.size; o += FS_BSIZE) {
		struct buf *bp;
		long r = ibuf(dp, o, &bp);
		if (r < 0)
			return r;
		if (!bp)
			continue;
		const struct fs_dirent *e = (const struct fs_dirent *)bp->data;
		for (uint32_t i = 0; i < FS_DPB; i++)
			if (e[i].inum && strcmp(e[i].name, ".") && strcmp(e[i].name, "..")) {
				brelse(bp);
				return -ENOTEMPTY;
			}
		brelse(bp);
	}
	return 0;
}

long dir_parent(struct inode *dp, uint32_t *inum)
{
	return dirlookup(dp, "..", inum, NULL);
}

/* Point dp's ".." at inum (a directory moved by rename). */
long dir_setparent(struct inode *dp, uint32_t inum)
{
	uint32_t old, off;
	long r = dirlookup(dp, "..", &old, &off);
	if (r < 0)
		return r;
	struct fs_dirent e = { .inum = inum, .name = ".." };
	r = writei(dp, &e, off, sizeof(e));
	return r == sizeof(e) ? 0 : (r < 0 ? r : -EIO);
}

/* LAB fs BEGIN */
/* Walk names [0, upto) of p from the root: the inode they lead to, held.
 * "." stays, ".." goes to the parent (-EINVAL above the root). */
static long walk(const struct path *p, int upto, struct inode **out)
{
	struct inode *ip = iget(FS_ROOT_INUM);
	if (!ip)
		return -ENFILE;
	for (int i = 0; i < upto; i++) {
		const char *name = p->name[i];
		if (ip->d.type != FS_T_DIR) {
			iput(ip);
			return -ENOTDIR;
		}
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0 && ip->inum == FS_ROOT_INUM) {
			iput(ip);
			return -EINVAL;
		}
		uint32_t inum;
		long r = dirlookup(ip, name, &inum, NULL);
		iput(ip);
		if (r < 0)
			return r;
		ip = iget(inum);
		if (!ip)
			return -ENFILE;
		if (ip->d.type == FS_T_FREE) {
			dprintf(2, "fs: an entry \"%s\" names free inode %u: the disk is damaged\n",
			        name, inum);
			iput(ip);
			return -EIO;
		}
	}
	*out = ip;
	return 0;
}
/* LAB fs ELSE
static long walk(const struct path *p, int upto, struct inode **out)
{
	(void)p;
	(void)upto;
	(void)out;
	return -ENOSYS;
}
   LAB fs END */

long namei(const struct path *p, struct inode **ip)
{
	return walk(p, p->n, ip);
}

/* The directory holding the last name of p (held), and that name. The
 * name may not be "." or "..": nothing can be created or removed there.
 * On an error *dp is NULL: the caller has nothing to put. */
long nameiparent(const struct path *p, struct inode **dp, const char **last)
{
	*dp = NULL;
	if (p->n == 0)
		return -EINVAL;   /* "/" has no parent */
	*last = p->name[p->n - 1];
	if (strcmp(*last, ".") == 0 || strcmp(*last, "..") == 0)
		return -EINVAL;
	long r = walk(p, p->n - 1, dp);
	if (r < 0)
		return r;
	if ((*dp)->d.type != FS_T_DIR) {
		iput(*dp);
		*dp = NULL;
		return -ENOTDIR;
	}
	return 0;
}

/* p without ".", ".." or repeated slashes (p has been resolved already,
 * so every ".." has a directory before it). */
long path_canon(const struct path *p, char *out, size_t cap)
{
	const char *stack[FS_PATH_MAX / 2];
	int n = 0;
	for (int i = 0; i < p->n; i++) {
		if (strcmp(p->name[i], ".") == 0)
			continue;
		if (strcmp(p->name[i], "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		stack[n++] = p->name[i];
	}
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(stack[i]);
		if (len + 1 + k + 1 > cap)
			return -ENAMETOOLONG;
		out[len++] = '/';
		memcpy(out + len, stack[i], k);
		len += k;
	}
	if (n == 0)
		out[len++] = '/';
	out[len++] = 0;
	return (long)len;
}
