/*
 * mkfs: build a Mica file system image on the host (the format is
 * include/mica/fsformat.h; mkfs/README.md has examples).
 *
 *   mkfs [--keep OLD.img] [-b BLOCKS] [-i INODES] [-l LOGBLOCKS] OUT.img [ENTRY ...]
 *
 * An ENTRY is one of
 *   PATH        the host file PATH, put at /<its basename>
 *   DEST=SRC    the host file SRC, put at DEST, directories made on the
 *               way (a DEST ending in '/' gets SRC's basename added)
 *   DEST/       an empty directory DEST (nothing happens if it exists)
 *
 * --keep also copies every file and directory of the image OLD.img that
 * the ENTRYs do not name (an ENTRY's file replaces the old one at its
 * path; directories are merged), so that rebuilding an image keeps what
 * a user made in it. OLD.img is read as the file system would see it
 * after recovery, and only if fsck's checks find it consistent; a
 * damaged one is left out with a message, a missing one silently.
 *
 * mkfs works in two steps. First it reads the whole command line (and
 * OLD.img's tree) into a tree of nodes and checks it: names, duplicates,
 * file sizes, and whether everything fits in the blocks and inodes asked
 * for. Only then does it lay the image out in memory and write it in one
 * go, to a temporary file renamed over OUT.img at the end, so a refused
 * or failed image leaves OUT.img as it was (OUT.img may be OLD.img).
 * Every refusal is one line on stderr and exit status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsimg.h"

#define MKFS_MAX_BLOCKS (1u << 20)      /* 4 GiB: the image is built in memory */
#define MKFS_MAX_NLINK  0xffffu         /* nlink is 16 bits */

/* A file or directory to put in the image. */
struct node {
	char name[FS_NAME_MAX + 1];
	int isdir;
	struct node *child;     /* a directory's first entry, ... */
	struct node *next;      /* ... the next one, in command-line order */
	uint32_t nchild;        /* a directory: its entries (without . and ..) */
	uint32_t nsubdir;       /* a directory: how many of them are directories */
	const char *src;        /* a file: the host file it comes from, ... */
	uint32_t old_inum;      /* ... or (if not 0) its inode in the old image */
	uint64_t size;          /* a file: its size in bytes */
	uint32_t inum;
};

static struct node root = { .isdir = 1, .inum = FS_ROOT_INUM };
static struct fsimg img;
static struct fs_super sb;
static uint32_t next_block;             /* the next free data block */
static uint32_t next_inum = FS_ROOT_INUM;
static uint64_t nfiles, ndirs = 1;      /* the root counts; a file with two names once */

/* What --keep keeps from the old image: the image itself (read through its
 * log), and per inode of it, the inode its file gets in the new image and
 * how many of its names are kept (a hard link keeps one inode). */
static const char *old_path;
static struct fsimg old;
static struct fs_super old_sb;
static struct kept_file {
	uint32_t inum;
	uint32_t nlink;
} *kept;
static uint64_t kept_files, kept_dirs, kept_blocks;

/* Print "mkfs: <message>" on stderr and exit with status 1. */
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mkfs: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void usage(void)
{
	die("usage: mkfs [--keep OLD.img] [-b BLOCKS] [-i INODES] [-l LOGBLOCKS] OUT.img "
	    "[PATH | DEST=SRC | DEST/ ...]");
}

/* s with control characters shown as '?', so a message stays one line. */
static const char *shown(const char *s)
{
	static char buf[512];
	size_t i;
	for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = 0;
	return buf;
}

/* The value of option -opt: a decimal number that fits in 32 bits. */
static uint32_t parse_number(int opt, const char *arg)
{
	char *end;
	if (arg[0] < '0' || arg[0] > '9')
		die("-%c %s: not a number", opt, shown(arg));
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (*end != 0)
		die("-%c %s: not a number", opt, shown(arg));
	if (errno == ERANGE || v > UINT32_MAX)
		die("-%c %s: too big for a 32-bit number", opt, arg);
	return (uint32_t)v;
}

/* Refuse option values the format or mkfs cannot take. (Too few blocks
 * is found later, when mkfs knows what has to fit.) */
static void check_options(uint32_t blocks, uint32_t ninodes, uint32_t nlog)
{
	if (blocks > MKFS_MAX_BLOCKS)
		die("-b %u: too big, at most %u blocks (a 4 GiB image)", blocks, MKFS_MAX_BLOCKS);
	if (ninodes < 2)
		die("-i %u: too few inodes, at least 2 (inode 0 is never used, inode 1 is the root)",
		    ninodes);
	if (nlog < 1 || nlog > FS_LOG_MAX)
		die("-l %u: the log must have 1 to %u blocks", nlog, (unsigned)FS_LOG_MAX);
}

/* Refuse a bad path component (len bytes at s) of path. */
static void check_name(const char *path, const char *s, size_t len)
{
	if (len == 0)
		die("%s: empty path component", shown(path));
	if (len > FS_NAME_MAX)
		die("%s: name too long (%zu bytes, at most %d)", shown(path), len, FS_NAME_MAX);
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		die("%s: '%.*s' cannot be a name", shown(path), (int)len, s);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			die("%s: bad character 0x%02x in a name", shown(path), (unsigned char)s[i]);
}

/* The entry of directory dir named by the len bytes at s, or NULL. */
static struct node *find_child(const struct node *dir, const char *s, size_t len)
{
	for (struct node *c = dir->child; c; c = c->next)
		if (strlen(c->name) == len && memcmp(c->name, s, len) == 0)
			return c;
	return NULL;
}

/* Add a new entry (len bytes at s) at the end of directory dir. */
static struct node *add_child(struct node *dir, const char *s, size_t len, int isdir)
{
	struct node *n = calloc(1, sizeof(*n));
	if (n == NULL)
		die("out of memory");
	memcpy(n->name, s, len);
	n->isdir = isdir;
	struct node **end = &dir->child;
	while (*end)
		end = &(*end)->next;
	*end = n;
	dir->nchild++;
	if (isdir) {
		dir->nsubdir++;
		ndirs++;
	}
	return n;            /* a file is counted once its contents are known */
}

/* Note host file src as the contents of file n; refuse it if it is not a
 * readable regular file or is larger than a file can be. */
static void set_source(struct node *n, const char *src)
{
	struct stat st;
	FILE *f = fopen(src, "rb");
	if (f == NULL || fstat(fileno(f), &st) < 0)
		die("cannot read %s: %s", shown(src), strerror(errno));
	fclose(f);
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", shown(src));
	if ((uint64_t)st.st_size > FS_MAXFILE)
		die("%s: file too large (%lld bytes, a file holds at most %lu)",
		    shown(src), (long long)st.st_size, FS_MAXFILE);
	n->src = src;
	n->size = (uint64_t)st.st_size;
	nfiles++;
}

/* Put a directory (src NULL) or the host file src at path, making the
 * directories on the way. A leading '/' is optional. */
static void add_path(const char *path, const char *src)
{
	const char *p = path + (path[0] == '/');
	const char *end = p + strlen(p);
	struct node *dir = &root;

	if (src == NULL && end > p && end[-1] == '/')
		end--;          /* "DEST/": the '/' only says "a directory" */
	if (end == p)
		die("'%s': no name (the root directory is always there)", shown(path));
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash ? slash : end;
		size_t len = (size_t)(stop - p);
		check_name(path, p, len);
		struct node *n = find_child(dir, p, len);
		if (slash == NULL) {
			if (n && (src || !n->isdir))
				die("%s: duplicate path", shown(path));
			if (n == NULL)
				n = add_child(dir, p, len, src == NULL);
			if (src)
				set_source(n, src);
			return;
		}
		if (n == NULL)
			n = add_child(dir, p, len, 1);
		else if (!n->isdir)
			die("%s: '%s' is a file, not a directory", shown(path), n->name);
		dir = n;
		p = slash + 1;
	}
}

/* The last component of a host path. */
static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* a followed by b, in new memory. */
static char *join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);
	if (s == NULL)
		die("out of memory");
	return strcat(strcpy(s, a), b);
}

/* Add one command-line ENTRY: PATH, DEST=SRC or DEST/. */
static void add_entry(const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *path;

	if (eq) {
		const char *src = eq + 1;
		if (*src == 0)
			die("'%s': no host file after '='", shown(arg));
		char *dest = strndup(arg, (size_t)(eq - arg));
		if (dest == NULL)
			die("out of memory");
		size_t n = strlen(dest);
		path = n > 0 && dest[n - 1] == '/' ? join(dest, basename_of(src)) : join(dest, "");
		free(dest);
		add_path(path, src);
	} else if (arg[0] && arg[strlen(arg) - 1] == '/') {
		path = join(arg, "");
		add_path(path, NULL);
	} else {
		path = join("/", basename_of(arg));
		add_path(path, arg);
	}
	free(path);
}

/* ---- --keep: the old image's files ---- */

/* Blocks kept file ip (of the old image) takes in the new one: its data
 * blocks, holes staying holes, and the indirect blocks that map them.
 * File blocks from FS_NDIRECT on are mapped by indirect block number
 * (fbn - FS_NDIRECT) / FS_NINDIRECT: 0 is addrs[FS_IND], the others hang
 * from the double-indirect block. */
static uint64_t kept_file_blocks(const struct fs_dinode *ip)
{
	uint64_t total = 0, last_ind = UINT64_MAX;
	int dind = 0;
	uint32_t bno;
	for (uint64_t fbn = 0; fbn < fsimg_nblocks(ip->size); fbn++) {
		if (fsimg_bmap(&old, &old_sb, ip, fbn, &bno) < 0 || bno == 0)
			continue;
		total++;
		if (fbn < FS_NDIRECT)
			continue;
		uint64_t ind = (fbn - FS_NDIRECT) / FS_NINDIRECT;
		if (ind != last_ind)
			total++;                        /* the indirect block mapping fbn */
		if (ind > 0 && !dind)
			total++;                        /* the double-indirect block above it */
		dind |= ind > 0;
		last_ind = ind;
	}
	return total;
}

/* Make n one more name of the old image's file inum. */
static void keep_file(struct node *n, uint32_t inum, const struct fs_dinode *ip)
{
	n->old_inum = inum;
	n->size = ip->size;
	if (kept[inum].nlink++ > 0)
		return;         /* a hard link: the file is counted already */
	nfiles++;
	kept_files++;
	kept_blocks += kept_file_blocks(ip);
}

/* Add to d every entry of the old image's directory dp that the ENTRYs
 * do not name, and merge dp's subdirectories with d's of the same name.
 * A name the ENTRYs use for something else keeps the ENTRY's. */
static void keep_dir(struct node *d, const struct fs_dinode *dp)
{
	unsigned n;
	for (uint64_t fbn = 0; fbn < fsimg_dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = fsimg_dir_block(&old, &old_sb, dp, fbn, &n);
		for (unsigned i = 0; blk && i < n; i++) {
			const struct fs_dirent *e = &blk[i];
			if (e->inum == 0)
				continue;       /* a free slot: its name may be anything */
			size_t len = strlen(e->name);       /* the check saw its NUL */
			if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
				continue;
			const struct fs_dinode *ip = fsimg_inode(&old, &old_sb, e->inum);
			struct node *c = find_child(d, e->name, len);
			if (c && c->isdir && ip->type == FS_T_DIR) {
				keep_dir(c, ip);
			} else if (c == NULL && ip->type == FS_T_DIR) {
				kept_dirs++;
				keep_dir(add_child(d, e->name, len, 1), ip);
			} else if (c == NULL) {
				keep_file(add_child(d, e->name, len, 0), e->inum, ip);
			}
		}
	}
}

/* Whether the old image at path is one fsck finds consistent, once read
 * through its log as the file system would after recovery; if not, say
 * why on stderr. */
static int old_is_consistent(const char *path)
{
	char why[256];
	struct fsimg_check c = { .img = &old };     /* no report: count only */

	if (fsimg_read(&old, path, why, sizeof(why)) < 0) {
		fprintf(stderr, "mkfs: %s is damaged (cannot read it: %s): not keeping its files\n",
			shown(path), why);
		return 0;
	}
	if (fsimg_check_super(&c) == 0) {
		fsimg_log_install(&c, fsimg_check_log(&c));
		fsimg_check_files(&c);
	}
	if (c.problems) {
		fprintf(stderr, "mkfs: %s is damaged (%lu %s): not keeping its files\n", shown(path),
			c.problems, c.problems == 1 ? "inconsistency" : "inconsistencies");
		return 0;
	}
	old_sb = c.sb;
	return 1;
}

/* --keep path: add the old image's files and directories to the tree,
 * unless it is missing or damaged (then the ENTRYs alone make the image:
 * a broken old image must not stop a build). */
static void keep_old(const char *path)
{
	struct stat st;
	old_path = path;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return;
	if (!old_is_consistent(path))
		return;
	kept = calloc(old_sb.ninodes, sizeof(*kept));
	if (kept == NULL)
		die("out of memory for the inodes of %s", shown(path));
	keep_dir(&root, fsimg_inode(&old, &old_sb, FS_ROOT_INUM));
}

/* For a refusal: what is being kept from the old image, or "". */
static const char *keeping(void)
{
	static char buf[600];
	if (kept_files + kept_dirs == 0)
		return "";
	snprintf(buf, sizeof(buf), " (with %llu files and %llu directories kept from %s)",
		 (unsigned long long)kept_files, (unsigned long long)kept_dirs, shown(old_path));
	return buf;
}

/* ---- checking that everything fits ---- */

/* Blocks a file of size bytes takes: its data blocks, plus the indirect
 * block and the double-indirect block with its indirect blocks, if used. */
static uint64_t file_blocks(uint64_t size)
{
	uint64_t n = fsimg_nblocks(size);
	uint64_t total = n;
	if (n > FS_NDIRECT)
		total += 1;
	if (n > FS_NDIRECT + FS_NINDIRECT)
		total += 1 + (n - FS_NDIRECT - FS_NINDIRECT + FS_NINDIRECT - 1) / FS_NINDIRECT;
	return total;
}

/* Bytes directory d takes: whole blocks of entries, "." and ".." first. */
static uint64_t dir_size(const struct node *d)
{
	return ((uint64_t)d->nchild + 2 + FS_DPB - 1) / FS_DPB * FS_BSIZE;
}

/* Data blocks the tree under d needs, without kept files (kept_blocks
 * counts those, once per inode); refuse a directory whose nlink (2 +
 * subdirectories) would not fit in 16 bits. */
static uint64_t tree_blocks(const struct node *d)
{
	uint64_t total = file_blocks(dir_size(d));
	if (d->nsubdir > MKFS_MAX_NLINK - 2)
		die("directory '%s' has %u subdirectories, at most %u (nlink is 16 bits)",
		    d == &root ? "/" : d->name, d->nsubdir, MKFS_MAX_NLINK - 2);
	for (const struct node *c = d->child; c; c = c->next) {
		if (c->isdir)
			total += tree_blocks(c);
		else if (c->old_inum == 0)
			total += file_blocks(c->size);
	}
	return total;
}

/* The smallest image with ninodes inodes, nlog log blocks and data more
 * data blocks. The bitmap grows with the image, so look for a size the
 * layout is happy with; it takes a few rounds at most. */
static uint64_t min_blocks(uint32_t ninodes, uint32_t nlog, uint64_t data)
{
	struct fs_super s;
	uint64_t size = 0;
	for (;;) {
		uint64_t need = fsimg_layout(&s, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size,
					     ninodes, nlog) + data;
		if (need <= size || need > UINT32_MAX)
			return need;
		size = need;
	}
}

/* Refuse a tree that does not fit in blocks blocks and ninodes inodes. */
static void check_fits(uint32_t blocks, uint32_t ninodes, uint32_t nlog)
{
	uint64_t need = min_blocks(ninodes, nlog, tree_blocks(&root) + kept_blocks);
	if (need > blocks)
		die("image too small: needs at least %llu blocks, got %u%s",
		    (unsigned long long)need, blocks, keeping());
	uint64_t entries = nfiles + ndirs - 1;
	if (entries + 2 > ninodes)
		die("too many files: %llu files and directories need %llu inodes, the image has %u%s",
		    (unsigned long long)entries, (unsigned long long)entries + 2, ninodes, keeping());
}

/* ---- laying out the image ---- */

/* A new data block, marked in use. */
static uint32_t alloc_block(void)
{
	if (next_block >= sb.size)
		die("internal error: out of blocks after check_fits said they fit");
	fsimg_setbit(&img, &sb, next_block);
	return next_block++;
}

/* Slot i of the indirect block whose number is in *ind, which is
 * allocated first if it is 0. */
static uint32_t *indirect_slot(uint32_t *ind, uint64_t i)
{
	if (*ind == 0)
		*ind = alloc_block();
	return (uint32_t *)fsimg_block(&img, *ind) + i;
}

/* Give file block fbn of ip a new data block and return that block. */
static uint8_t *append_block(struct fs_dinode *ip, uint64_t fbn)
{
	uint32_t *slot;
	if (fbn < FS_NDIRECT) {
		slot = &ip->addrs[fbn];
	} else if (fbn < FS_NDIRECT + FS_NINDIRECT) {
		slot = indirect_slot(&ip->addrs[FS_IND], fbn - FS_NDIRECT);
	} else {
		fbn -= FS_NDIRECT + FS_NINDIRECT;
		uint32_t *ind = indirect_slot(&ip->addrs[FS_DIND], fbn / FS_NINDIRECT);
		slot = indirect_slot(ind, fbn % FS_NINDIRECT);
	}
	*slot = alloc_block();
	return fsimg_block(&img, *slot);
}

/* The inode for node c: a new one, except for a kept file's second name. */
static uint32_t new_inum(const struct node *c)
{
	if (c->old_inum == 0)
		return ++next_inum;
	struct kept_file *k = &kept[c->old_inum];
	if (k->inum == 0)
		k->inum = ++next_inum;
	return k->inum;
}

/* Number every node under d: first d's entries, then each subdirectory's. */
static void assign_inums(struct node *d)
{
	for (struct node *c = d->child; c; c = c->next)
		c->inum = new_inum(c);
	for (struct node *c = d->child; c; c = c->next)
		if (c->isdir)
			assign_inums(c);
}

/* Write file n: its inode and its contents, read from the host file. */
static void write_file(const struct node *n)
{
	struct fs_dinode *ip = fsimg_inode(&img, &sb, n->inum);
	ip->type = FS_T_FILE;
	ip->nlink = 1;
	ip->size = (uint32_t)n->size;

	FILE *f = fopen(n->src, "rb");
	if (f == NULL)
		die("cannot read %s: %s", shown(n->src), strerror(errno));
	for (uint64_t fbn = 0; fbn < fsimg_nblocks(n->size); fbn++) {
		uint64_t left = n->size - fbn * FS_BSIZE;
		size_t want = left < FS_BSIZE ? (size_t)left : FS_BSIZE;
		if (fread(append_block(ip, fbn), 1, want, f) != want)
			die("cannot read %s: it is shorter than it was", shown(n->src));
	}
	fclose(f);
}

/* Write kept file n: its inode, and its blocks copied from the old image
 * (holes stay holes), unless another of its names wrote it already. */
static void write_kept_file(const struct node *n)
{
	struct fs_dinode *ip = fsimg_inode(&img, &sb, n->inum);
	const struct fs_dinode *oip = fsimg_inode(&old, &old_sb, n->old_inum);
	uint32_t bno;
	if (ip->type == FS_T_FILE)
		return;
	ip->type = FS_T_FILE;
	ip->nlink = (uint16_t)kept[n->old_inum].nlink;  /* at most the old nlink */
	ip->size = oip->size;
	for (uint64_t fbn = 0; fbn < fsimg_nblocks(oip->size); fbn++)
		if (fsimg_bmap(&old, &old_sb, oip, fbn, &bno) == 0 && bno != 0)
			memcpy(append_block(ip, fbn), fsimg_block(&old, bno), FS_BSIZE);
}

/* Fill in directory entry e. */
static void set_dirent(struct fs_dirent *e, const char *name, uint32_t inum)
{
	e->inum = inum;
	memcpy(e->name, name, strlen(name) + 1);        /* names were checked: at most FS_NAME_MAX */
}

/* Write directory d, found in parent, then everything under it. */
static void write_dir(const struct node *d, const struct node *parent)
{
	struct fs_dinode *ip = fsimg_inode(&img, &sb, d->inum);
	ip->type = FS_T_DIR;
	ip->nlink = (uint16_t)(2 + d->nsubdir);         /* parent's entry, ".", each child's ".." */
	ip->size = (uint32_t)dir_size(d);

	/* The entries, block by block; the rest of the last block is free slots. */
	struct fs_dirent *blk = NULL;
	const struct node *c = d->child;
	for (uint64_t k = 0; k < 2 + (uint64_t)d->nchild; k++) {
		if (k % FS_DPB == 0)
			blk = (struct fs_dirent *)append_block(ip, k / FS_DPB);
		if (k == 0) {
			set_dirent(&blk[0], ".", d->inum);
		} else if (k == 1) {
			set_dirent(&blk[1], "..", parent->inum);
		} else {
			set_dirent(&blk[k % FS_DPB], c->name, c->inum);
			c = c->next;
		}
	}
	for (c = d->child; c; c = c->next) {
		if (c->isdir)
			write_dir(c, d);
		else if (c->old_inum)
			write_kept_file(c);
		else
			write_file(c);
	}
}

/* Mark blocks 0 .. datastart-1 (all the metadata) in use, and the bits
 * past the end of the disk in the last bitmap block, which name no block. */
static void mark_metadata(void)
{
	uint64_t nbits = (uint64_t)(sb.datastart - sb.bmapstart) * FS_BPB;
	for (uint32_t b = 0; b < sb.datastart; b++)
		fsimg_setbit(&img, &sb, b);
	for (uint64_t b = sb.size; b < nbits; b++)
		fsimg_setbit(&img, &sb, b);
}

/* An empty log: the header with n = 0 (no committed transaction). */
static void write_log_header(void)
{
	struct fs_loghead *h = (struct fs_loghead *)fsimg_block(&img, sb.logstart);
	h->magic = FS_LOG_MAGIC;
	h->n = 0;
	h->seq = 0;
	h->sum = fs_log_sum(h);
}

/* Lay out the whole file system in memory. */
static void build(uint32_t blocks, uint32_t ninodes, uint32_t nlog)
{
	img.size = blocks;
	img.data = calloc(blocks, FS_BSIZE);
	if (img.data == NULL)
		die("out of memory for a %u-block image", blocks);
	fsimg_layout(&sb, blocks, ninodes, nlog);
	memcpy(fsimg_block(&img, FS_SUPER_BLOCK), &sb, sizeof(sb));
	write_log_header();
	mark_metadata();
	next_block = sb.datastart;
	assign_inums(&root);
	write_dir(&root, &root);        /* the root's ".." is itself */
}

/* Write the image to path: to a temporary file beside it first, renamed
 * over path when whole, so path never holds half an image. */
static void write_image(const char *path)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp))
		die("%s: path too long", shown(path));
	FILE *f = fopen(tmp, "wb");
	if (f == NULL)
		die("cannot create %s: %s", shown(tmp), strerror(errno));
	int bad = fwrite(img.data, FS_BSIZE, img.size, f) != img.size;
	bad |= fclose(f) != 0;
	if (!bad && rename(tmp, path) == 0)
		return;
	int err = errno;
	unlink(tmp);
	die("cannot write %s: %s", shown(path), strerror(err));
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t blocks = FS_DEFAULT_BLOCKS, ninodes = FS_DEFAULT_INODES, nlog = FS_DEFAULT_LOG;
	const char *keep = NULL;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+b:i:l:", long_options, NULL)) != -1) {
		switch (opt) {
		case 'b': blocks = parse_number(opt, optarg); break;
		case 'i': ninodes = parse_number(opt, optarg); break;
		case 'l': nlog = parse_number(opt, optarg); break;
		case 'k': keep = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	check_options(blocks, ninodes, nlog);
	const char *out = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		add_entry(argv[i]);
	if (keep)
		keep_old(keep);
	check_fits(blocks, ninodes, nlog);

	build(blocks, ninodes, nlog);
	write_image(out);
	printf("mkfs: %s: %u blocks (%u free), %u inodes (%u free), %llu files, %llu directories",
	       out, blocks, sb.size - next_block, ninodes, ninodes - 1 - next_inum,
	       (unsigned long long)nfiles, (unsigned long long)ndirs);
	if (keep)
		printf("; kept %llu files, %llu directories from %s", (unsigned long long)kept_files,
		       (unsigned long long)kept_dirs, keep);
	printf("\n");
	return 0;
}
