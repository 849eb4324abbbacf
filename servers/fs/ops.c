/*
 * The requests on paths: stat, mkdir, rmdir, unlink, link, rename,
 * realpath, and sync and statfs. Each is one operation of the log, so it
 * reaches the disk whole or not at all.
 */
#include "fs.h"

static struct path pa, pb;
static char outpath[FS_PATH_MAX];
static struct fs_stat statbuf;

/* Two paths in one bulk message: "old\0new\0". */
static long two_paths(struct req *r)
{
	const char *s = r->data;
	size_t n = 0;
	while (n < r->len && s[n])
		n++;
	if (n == r->len)
		return -ENAMETOOLONG;
	long err = path_parse(&pa, s, n + 1);
	return err < 0 ? err : path_parse(&pb, s + n + 1, r->len - n - 1);
}

long op_stat(struct req *r)
{
	long err = path_parse(&pa, r->data, r->len);
	struct inode *ip;
	if (err < 0 || (err = namei(&pa, &ip)) < 0)
		return err;
	istat(ip, &statbuf);
	iput(ip);
	r->reply_data = &statbuf;
	r->reply_len = sizeof(statbuf);
	return 0;
}

long op_mkdir(struct req *r)
{
	long err = path_parse(&pa, r->data, r->len);
	struct inode *dp, *ip = NULL;
	const char *name;
	uint32_t inum;
	if (err < 0 || (err = nameiparent(&pa, &dp, &name)) < 0)
		return err;
	if (dirlookup(dp, name, &inum, NULL) == 0)
		err = -EEXIST;
	else if (dp->d.nlink >= 0xffff)
		err = -EMLINK;
	else if ((err = ialloc(FS_T_DIR, &inum)) == 0 && !(ip = iget(inum)))
		err = -ENFILE;
	if (err == 0) {
		ip->d = (struct fs_dinode){ .type = FS_T_DIR, .nlink = 2 };
		iupdate(ip);
		err = dirlink(ip, ".", inum);
		if (err == 0)
			err = dirlink(ip, "..", dp->inum);
		if (err == 0)
			err = dirlink(dp, name, inum);
		if (err == 0) {
			dp->d.nlink++;
			iupdate(dp);
		} else {
			ip->d.nlink = 0;   /* iput frees it */
		}
	}
	iput(ip);
	iput(dp);
	return err;
}

/* Remove the entry for the last name of pa: a directory if dir, else a file. */
static long remove(bool dir)
{
	struct inode *dp, *ip = NULL;
	const char *name;
	uint32_t inum, off;
	long err = nameiparent(&pa, &dp, &name);
	if (err < 0)
		return err;
	if ((err = dirlookup(dp, name, &inum, &off)) == 0 && !(ip = iget(inum)))
		err = -ENFILE;
	if (err == 0) {
		if (dir && ip->d.type != FS_T_DIR)
			err = -ENOTDIR;
		else if (!dir && ip->d.type == FS_T_DIR)
			err = -EISDIR;
		else if (dir)
			err = dirempty(ip);
	}
	if (err == 0)
		err = dirunlink(dp, off);
	if (err == 0) {
		if (dir) {
			ip->d.nlink = 0;     /* its "." and its entry in dp */
			dp->d.nlink--;       /* its ".." */
			iupdate(dp);
		} else {
			ip->d.nlink--;
		}
		iupdate(ip);
	}
	iput(ip);   /* frees it if that was the last link and nobody has it open */
	iput(dp);
	return err;
}

long op_rmdir(struct req *r)
{
	long err = path_parse(&pa, r->data, r->len);
	return err < 0 ? err : remove(true);
}

long op_unlink(struct req *r)
{
	long err = path_parse(&pa, r->data, r->len);
	return err < 0 ? err : remove(false);
}

long op_link(struct req *r)
{
	long err = two_paths(r);
	struct inode *ip, *dp;
	const char *name;
	uint32_t inum;
	if (err < 0 || (err = namei(&pa, &ip)) < 0)
		return err;
	if (ip->d.type == FS_T_DIR)
		err = -EPERM;
	else if (ip->d.nlink >= 0xffff)
		err = -EMLINK;
	else if ((err = nameiparent(&pb, &dp, &name)) == 0) {
		if (dirlookup(dp, name, &inum, NULL) == 0)
			err = -EEXIST;
		else if ((err = dirlink(dp, name, ip->inum)) == 0) {
			ip->d.nlink++;
			iupdate(ip);
		}
		iput(dp);
	}
	iput(ip);
	return err;
}

/* LAB fs BEGIN */
/* Is directory inum an ancestor of directory dp (or dp itself)? */
static long inside(struct inode *dp, uint32_t inum)
{
	uint32_t cur = dp->inum;
	for (uint32_t steps = 0; steps < sb.ninodes; steps++) {
		if (cur == inum)
			return 1;
		if (cur == FS_ROOT_INUM)
			return 0;
		struct inode *ip = iget(cur);
		if (!ip)
			return -ENFILE;
		long err = dir_parent(ip, &cur);
		iput(ip);
		if (err < 0)
			return err;
	}
	return -EIO;   /* a loop of ".." entries: the disk is damaged */
}

/* FS_RENAME: old's entry moves to new, replacing what new named. */
long op_rename(struct req *r)
{
	long err = two_paths(r);
	if (err < 0)
		return err;
	struct inode *odp = NULL, *ndp = NULL, *ip = NULL, *victim = NULL;
	const char *oname, *nname;
	uint32_t inum, ooff, vinum, voff;
	if ((err = nameiparent(&pa, &odp, &oname)) < 0)
		return err;
	if ((err = nameiparent(&pb, &ndp, &nname)) < 0)
		goto out;
	if ((err = dirlookup(odp, oname, &inum, &ooff)) < 0)
		goto out;
	if (!(ip = iget(inum))) {
		err = -ENFILE;
		goto out;
	}
	bool isdir = ip->d.type == FS_T_DIR;
	if (isdir && (err = inside(ndp, inum)) != 0) {
		err = err > 0 ? -EINVAL : err;   /* into itself or below */
		goto out;
	}
	if (dirlookup(ndp, nname, &vinum, &voff) == 0) {
		if (vinum == inum)
			goto out;   /* two names of one file: nothing to do */
		if (!(victim = iget(vinum))) {
			err = -ENFILE;
			goto out;
		}
		if (isdir && victim->d.type != FS_T_DIR)
			err = -ENOTDIR;
		else if (!isdir && victim->d.type == FS_T_DIR)
			err = -EISDIR;
		else if (isdir)
			err = dirempty(victim);
		if (err < 0)
			goto out;
		if ((err = dirunlink(ndp, voff)) < 0)
			goto out;
		if (isdir) {
			victim->d.nlink = 0;
			ndp->d.nlink--;
		} else {
			victim->d.nlink--;
		}
		iupdate(victim);
	}
	if ((err = dirlink(ndp, nname, inum)) < 0 || (err = dirunlink(odp, ooff)) < 0)
		goto out;
	if (isdir && odp->inum != ndp->inum) {
		if ((err = dir_setparent(ip, ndp->inum)) < 0)
			goto out;
		odp->d.nlink--;
		ndp->d.nlink++;
	}
	iupdate(odp);
	iupdate(ndp);
out:
	iput(victim);
	iput(ip);
	iput(ndp);
	iput(odp);
	return err;
}
/* LAB fs ELSE
long op_rename(struct req *r)
{
	long err = two_paths(r);
	return err < 0 ? err : -ENOSYS;
}
   LAB fs END */

long op_realpath(struct req *r)
{
	long err = path_parse(&pa, r->data, r->len);
	struct inode *ip;
	if (err < 0 || (err = namei(&pa, &ip)) < 0)
		return err;
	bool dir = ip->d.type == FS_T_DIR;
	iput(ip);
	if (!dir)
		return -ENOTDIR;
	err = path_canon(&pa, outpath, sizeof(outpath));
	if (err < 0)
		return err;
	r->reply_data = outpath;
	r->reply_len = (size_t)err;
	return err;
}

long op_sync(struct req *r)
{
	(void)r;
	return log_commit();
}

long op_statfs(struct req *r)
{
	r->m->w[0] = free_blocks();
	r->m->w[1] = free_inodes();
	r->m->w[2] = handles_in_use();
	r->m->w[3] = bio_dirty();
	return 0;
}
