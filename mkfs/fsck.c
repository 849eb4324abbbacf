/*
 * fsck: check a Mica file system image on the host, or read files out of
 * one (the format is include/mica/fsformat.h).
 *
 *   fsck [-v] [--replay] IMAGE           check IMAGE
 *   fsck [--replay] --cat IMAGE PATH     write the file at PATH to stdout
 *   fsck [--replay] --ls IMAGE DIR       list DIR: name, type, size, nlink
 *
 * A check names every inconsistency it finds, one line each, and ends with
 * "fsck: N inconsistencies" (exit status 1) or "fsck: clean (...)" (0).
 * Status 2 means the image could not be read at all. The check runs in
 * passes, each trusting only what the earlier ones checked:
 *   1. the superblock: magic, version, a layout that fits the image file;
 *   2. the log: a committed transaction is read through (its blocks are
 *      seen at their homes, as after recovery) and, with --replay,
 *      installed in the file exactly as the file system server does;
 *   3. the inodes: their types, and which blocks each uses (once only);
 *   4. the tree from the root: ".", "..", names, entries naming free
 *      inodes, directories named twice (which is how cycles show);
 *   5. link counts against the entries found, and orphan inodes;
 *   6. the bitmap against the blocks found in use.
 * The image is held in memory, and every number read from it is checked
 * before it is used: no image, however damaged, may crash fsck.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsimg.h"

#define PATH_BUF 1024           /* longest path fsck prints; longer ones start "..." */

static struct fsimg img;
static struct fs_super sb;      /* a copy of the image's superblock */
static FILE *report;            /* where problems go: stdout, or stderr for --cat/--ls */
static unsigned long problems;
static int verbose;

/* What the passes found. Per block: the inode using it (0: none). Per
 * inode: the directory entries naming it; for a directory reached from
 * the root, the directory it was found in (0: not reached) and its name
 * there, made printable. */
static uint32_t *owner;
static uint32_t *refs;
static uint32_t *parent;
static char (*names)[FS_NAME_MAX + 1];
static uint64_t nfiles, ndirs;

/* Report one inconsistency. */
static void problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(report, "fsck: ");
	vfprintf(report, fmt, ap);
	fprintf(report, "\n");
	va_end(ap);
	problems++;
}

/* With -v, say something that is not a problem. */
static void note(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	printf("fsck: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* Print "fsck: <message>" on stderr and exit with status. */
static void fatal(int status, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "fsck: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(status);
}

static void *zalloc(uint64_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		fatal(2, "out of memory");
	return p;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- pass 1: reading the image and its superblock ---- */

/* Read the image file at path into img and its superblock into sb. */
static void load_image(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) < 0)
		fatal(2, "cannot read %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fatal(2, "%s: not a regular file", path);
	uint64_t blocks = (uint64_t)st.st_size / FS_BSIZE;
	if (blocks <= FS_SUPER_BLOCK)
		fatal(2, "%s: too short to hold a superblock (%lld bytes)", path, (long long)st.st_size);
	if (blocks > UINT32_MAX)
		blocks = UINT32_MAX;
	img.size = (uint32_t)blocks;
	img.data = zalloc(blocks, FS_BSIZE);
	if (fread(img.data, FS_BSIZE, blocks, f) != blocks)
		fatal(2, "cannot read %s: %s", path, ferror(f) ? strerror(errno) : "short read");
	fclose(f);
	memcpy(&sb, fsimg_block(&img, FS_SUPER_BLOCK), sizeof(sb));
}

static void check_field(const char *name, uint32_t got, uint32_t want)
{
	if (got != want)
		problem("superblock: %s is %u, but size, ninodes and nlog put it at %u", name, got, want);
}

/* Check that the superblock describes a file system that fits in the
 * image. Return 0 if the later passes can trust its layout, else -1. */
static int check_super(void)
{
	unsigned long before = problems;
	struct fs_super want;

	if (sb.magic != FS_MAGIC) {
		problem("superblock: bad magic 0x%08x (a Mica file system has 0x%08x)", sb.magic, FS_MAGIC);
		return -1;
	}
	if (sb.version != FS_VERSION) {
		problem("superblock: version %u, but fsck knows version %u", sb.version, FS_VERSION);
		return -1;
	}
	if (sb.size > img.size)
		problem("superblock: size %u blocks, but the image file holds only %u", sb.size, img.size);
	if (sb.nlog < 1 || sb.nlog > FS_LOG_MAX)
		problem("superblock: nlog %u, but a log has 1 to %u blocks", sb.nlog, (unsigned)FS_LOG_MAX);
	if (sb.ninodes < 2)
		problem("superblock: ninodes %u, at least 2 (inode 0 and the root)", sb.ninodes);
	if (problems > before)
		return -1;

	uint64_t datastart = fsimg_layout(&want, sb.size, sb.ninodes, sb.nlog);
	if (datastart >= sb.size) {
		problem("superblock: the metadata takes %llu blocks, leaving none of the %u for data",
			(unsigned long long)datastart, sb.size);
		return -1;
	}
	check_field("logstart", sb.logstart, want.logstart);
	check_field("inodestart", sb.inodestart, want.inodestart);
	check_field("bmapstart", sb.bmapstart, want.bmapstart);
	check_field("datastart", sb.datastart, want.datastart);
	check_field("nblocks", sb.nblocks, want.nblocks);
	if (problems > before)
		return -1;
	note("superblock: %u blocks, %u inodes, log %u+%u, inodes at %u, bitmap at %u, data at %u",
	     sb.size, sb.ninodes, sb.logstart, sb.nlog, sb.inodestart, sb.bmapstart, sb.datastart);
	return 0;
}

/* ---- pass 2: the log ---- */

static struct fs_loghead *log_header(void)
{
	return (struct fs_loghead *)fsimg_block(&img, sb.logstart);
}

/* Check the log header. Return the length of the committed transaction
 * it holds, or 0 if there is none or it cannot be installed. */
static uint32_t check_log(void)
{
	const struct fs_loghead *h = log_header();
	uint32_t bad = 0;

	if (h->magic != FS_LOG_MAGIC || h->n == 0 || h->sum != fs_log_sum(h)) {
		/* A torn or empty header: nothing was committed. */
		note("log: no committed transaction (magic 0x%08x, n %u, sum %s)", h->magic, h->n,
		     h->sum == fs_log_sum(h) ? "good" : "bad");
		return 0;
	}
	if (h->n > sb.nlog) {
		problem("log header: n %u is more than nlog %u", h->n, sb.nlog);
		return 0;
	}
	for (uint32_t i = 0; i < h->n; i++) {
		uint32_t b = h->block[i];
		if (b >= sb.size) {
			problem("log entry %u: home block %u outside the disk (%u blocks)", i, b, sb.size);
			bad++;
		} else if (b < sb.inodestart) {
			problem("log entry %u: home block %u is in the superblock or the log", i, b);
			bad++;
		}
	}
	return bad ? 0 : h->n;
}

/* Install the n blocks of the committed log into the image in memory. */
static void log_install(uint32_t n)
{
	const struct fs_loghead *h = log_header();
	for (uint32_t i = 0; i < n; i++)
		memcpy(fsimg_block(&img, h->block[i]), fsimg_block(&img, sb.logstart + 1 + i), FS_BSIZE);
}

static void write_block(int fd, const char *path, uint32_t b)
{
	if (pwrite(fd, fsimg_block(&img, b), FS_BSIZE, (off_t)b * FS_BSIZE) != FS_BSIZE)
		fatal(2, "--replay: cannot write %s: %s", path, strerror(errno));
}

/* Write the n installed blocks to their homes in the image file, then
 * the header with n = 0: in that order, as the file system server does,
 * so a crash during --replay leaves a log that is simply replayed again. */
static void log_replay(const char *path, uint32_t n)
{
	struct fs_loghead *h = log_header();
	int fd = open(path, O_RDWR);
	if (fd < 0)
		fatal(2, "--replay: cannot open %s: %s", path, strerror(errno));
	for (uint32_t i = 0; i < n; i++)
		write_block(fd, path, h->block[i]);
	if (fsync(fd) < 0)
		fatal(2, "--replay: cannot sync %s: %s", path, strerror(errno));
	h->n = 0;
	h->sum = fs_log_sum(h);
	write_block(fd, path, sb.logstart);
	if (fsync(fd) < 0 || close(fd) < 0)
		fatal(2, "--replay: cannot sync %s: %s", path, strerror(errno));
}

/* ---- pass 3: inodes and the blocks they use ---- */

/* One inode's block walk: which inode, how many blocks its size covers,
 * and whether a block was found past that. */
struct walk {
	uint32_t inum;
	uint64_t nfb;
	int past_end;
};

/* Record that the walked inode uses block b. Return 1 if b was a free
 * data block (so, if b is an indirect block, its entries can be read). */
static int claim(struct walk *w, uint32_t b)
{
	if (!fsimg_is_data(&sb, b)) {
		problem("inode %u: block number %u outside the data area", w->inum, b);
		return 0;
	}
	if (owner[b] == w->inum) {
		problem("inode %u uses block %u twice", w->inum, b);
		return 0;
	}
	if (owner[b] != 0) {
		problem("block %u is used by inode %u and inode %u", b, owner[b], w->inum);
		return 0;
	}
	owner[b] = w->inum;
	return 1;
}

/* Data block b (0: a hole), holding file block fbn. */
static void walk_data(struct walk *w, uint32_t b, uint64_t fbn)
{
	if (b == 0)
		return;
	if (fbn >= w->nfb)
		w->past_end = 1;
	claim(w, b);
}

/* Indirect block b, mapping file blocks from fbn on. */
static void walk_indirect(struct walk *w, uint32_t b, uint64_t fbn)
{
	if (b == 0)
		return;
	if (fbn >= w->nfb)
		w->past_end = 1;
	if (!claim(w, b))
		return;
	const uint32_t *a = (const uint32_t *)fsimg_block(&img, b);
	for (uint64_t i = 0; i < FS_NINDIRECT; i++)
		walk_data(w, a[i], fbn + i);
}

/* Double-indirect block b, mapping file blocks from fbn on. */
static void walk_dindirect(struct walk *w, uint32_t b, uint64_t fbn)
{
	if (b == 0)
		return;
	if (fbn >= w->nfb)
		w->past_end = 1;
	if (!claim(w, b))
		return;
	const uint32_t *a = (const uint32_t *)fsimg_block(&img, b);
	for (uint64_t i = 0; i < FS_NINDIRECT; i++)
		walk_indirect(w, a[i], fbn + i * FS_NINDIRECT);
}

/* Claim every block inode inum uses; no block may lie past its size. */
static void claim_blocks(uint32_t inum, const struct fs_dinode *ip)
{
	struct walk w = { inum, fsimg_nblocks(ip->size), 0 };
	for (uint64_t i = 0; i < FS_NDIRECT; i++)
		walk_data(&w, ip->addrs[i], i);
	walk_indirect(&w, ip->addrs[FS_IND], FS_NDIRECT);
	walk_dindirect(&w, ip->addrs[FS_DIND], FS_NDIRECT + FS_NINDIRECT);
	if (w.past_end)
		problem("inode %u: size %u bytes but a block past the end", inum, ip->size);
}

/* Whether inode inum has a type the format knows, other than free. */
static int in_use(uint32_t inum)
{
	const struct fs_dinode *ip = fsimg_inode(&img, &sb, inum);
	return inum != 0 && ip && (ip->type == FS_T_DIR || ip->type == FS_T_FILE);
}

static void check_inodes(void)
{
	for (uint32_t inum = 0; inum < sb.ninodes; inum++) {
		const struct fs_dinode *ip = fsimg_inode(&img, &sb, inum);
		if (ip->type == FS_T_FREE)
			continue;
		if (inum == 0)
			problem("inode 0 has type %u, but inode 0 is never used", ip->type);
		else if (!in_use(inum))
			problem("inode %u: bad type %u", inum, ip->type);
		if (!in_use(inum))
			continue;
		if (ip->type == FS_T_DIR && ip->size % sizeof(struct fs_dirent) != 0)
			problem("directory inode %u: size %u is not a multiple of %zu", inum, ip->size,
				sizeof(struct fs_dirent));
		claim_blocks(inum, ip);
	}
}

/* ---- pass 4: the directory tree ---- */

/* Block fbn of directory dp as entries, with in *n how many lie within
 * its size; NULL for a hole or a bad block number (pass 3 reported it). */
static const struct fs_dirent *dir_block(const struct fs_dinode *dp, uint64_t fbn, unsigned *n)
{
	uint32_t bno;
	uint64_t left = dp->size / sizeof(struct fs_dirent) - fbn * FS_DPB;
	if (fsimg_bmap(&img, &sb, dp, fbn, &bno) < 0 || bno == 0)
		return NULL;
	*n = left < FS_DPB ? (unsigned)left : FS_DPB;
	return (const struct fs_dirent *)fsimg_block(&img, bno);
}

/* The directory blocks of dp. */
static uint64_t dir_nblocks(const struct fs_dinode *dp)
{
	return fsimg_nblocks(dp->size / sizeof(struct fs_dirent) * sizeof(struct fs_dirent));
}

/* The path of reached directory d, built in buf from the root down. */
static const char *dir_path(uint32_t d, char buf[PATH_BUF])
{
	size_t pos = PATH_BUF - 1;
	buf[pos] = 0;
	for (uint32_t steps = 0; d != FS_ROOT_INUM && steps < sb.ninodes; steps++) {
		size_t n = strlen(names[d]);
		if (pos < n + 1 + 3) {
			pos -= 3;
			memcpy(buf + pos, "...", 3);
			return buf + pos;
		}
		pos -= n;
		memcpy(buf + pos, names[d], n);
		buf[--pos] = '/';
		d = parent[d];
	}
	if (buf[pos] == 0)
		buf[--pos] = '/';
	return buf + pos;
}

/* Whether directory a is d or above it in the tree. */
static int is_ancestor(uint32_t a, uint32_t d)
{
	for (uint32_t steps = 0; steps <= sb.ninodes; steps++) {
		if (d == a)
			return 1;
		if (d == FS_ROOT_INUM || d == 0)
			return 0;
		d = parent[d];
	}
	return 0;
}

/* A directory being scanned. */
struct dirscan {
	uint32_t inum;
	const char *path;
	int has_dot, has_dotdot;
	const char **names;     /* its entries' names, to find duplicates */
	size_t nnames, cap;
	uint32_t *queue;        /* directories to scan, from the root's walk */
	uint32_t *tail;         /* the queue's end */
};

/* An entry's name (NUL-terminated, checked) with unprintable bytes as '?'. */
static void printable(char out[FS_NAME_MAX + 1], const char *name)
{
	size_t i;
	for (i = 0; name[i]; i++)
		out[i] = (unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f ? '?' : name[i];
	out[i] = 0;
}

static void add_name(struct dirscan *s, const char *name)
{
	if (s->nnames == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->names = realloc(s->names, s->cap * sizeof(*s->names));
		if (s->names == NULL)
			fatal(2, "out of memory");
	}
	s->names[s->nnames++] = name;
}

/* A first visit of subdirectory t, found as name in the scanned one. */
static void reach_dir(struct dirscan *s, uint32_t t, const char *name, const char *epath)
{
	char other[PATH_BUF];
	if (t == FS_ROOT_INUM) {
		problem("%s: names the root directory (a cycle)", epath);
	} else if (parent[t] && is_ancestor(t, s->inum)) {
		problem("%s: directory inode %u is its own ancestor (a cycle)", epath, t);
	} else if (parent[t]) {
		problem("directory inode %u is named twice: %s and %s", t, dir_path(t, other), epath);
	} else {
		parent[t] = s->inum;
		strcpy(names[t], name);
		s->queue[(*s->tail)++] = t;
		ndirs++;
	}
}

/* Follow entry name -> inum t of the scanned directory; special is 1
 * for its "." and "..", which add no new path. */
static void follow(struct dirscan *s, uint32_t t, const char *name, int special)
{
	char epath[PATH_BUF + FS_NAME_MAX + 2];
	snprintf(epath, sizeof(epath), "%s/%s", s->inum == FS_ROOT_INUM ? "" : s->path, name);
	if (t >= sb.ninodes) {
		problem("%s: entry points at inode %u, past the last inode (%u)", epath, t, sb.ninodes - 1);
		return;
	}
	const struct fs_dinode *tp = fsimg_inode(&img, &sb, t);
	if (tp->type == FS_T_FREE) {
		problem("%s: entry points at free inode %u", epath, t);
		return;
	}
	if (!in_use(t))
		return;         /* a bad type: reported with the inode */
	refs[t]++;
	if (special)
		return;
	if (tp->type == FS_T_DIR)
		reach_dir(s, t, name, epath);
	else if (refs[t] == 1)
		nfiles++;
}

/* Check entry k of the scanned directory. */
static void check_entry(struct dirscan *s, uint64_t k, const struct fs_dirent *e)
{
	char name[FS_NAME_MAX + 1];

	if (e->inum == 0)
		return;         /* a free slot */
	if (memchr(e->name, 0, sizeof(e->name)) == NULL) {
		problem("%s: entry %llu has a name without its NUL", s->path, (unsigned long long)k);
		return;
	}
	printable(name, e->name);
	int dot = strcmp(e->name, ".") == 0, dotdot = strcmp(e->name, "..") == 0;
	if (k == 0 && dot) {
		s->has_dot = 1;
		if (e->inum != s->inum)
			problem("%s: '.' names inode %u, not the directory itself (inode %u)",
				s->path, e->inum, s->inum);
	} else if (k == 1 && dotdot) {
		s->has_dotdot = 1;
		if (e->inum != parent[s->inum])
			problem("%s: '..' names inode %u, not the parent directory (inode %u)",
				s->path, e->inum, parent[s->inum]);
	} else if (dot || dotdot) {
		problem("%s: '%s' in slot %llu, but it belongs in slot %d", s->path, e->name,
			(unsigned long long)k, dotdot);
		return;
	} else if (e->name[0] == 0) {
		problem("%s: entry %llu has an empty name", s->path, (unsigned long long)k);
		return;
	} else if (strchr(e->name, '/')) {
		problem("%s: entry '%s' has a '/' in its name", s->path, name);
		return;
	} else {
		add_name(s, e->name);
	}
	follow(s, e->inum, name, (k == 0 && dot) || (k == 1 && dotdot));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Report names that appear twice in the scanned directory. */
static void check_duplicates(struct dirscan *s)
{
	char name[FS_NAME_MAX + 1];
	if (s->nnames > 1)
		qsort(s->names, s->nnames, sizeof(*s->names), name_cmp);
	for (size_t i = 1; i < s->nnames; i++) {
		if (strcmp(s->names[i - 1], s->names[i]) == 0 &&
		    (i < 2 || strcmp(s->names[i - 2], s->names[i]) != 0)) {
			printable(name, s->names[i]);
			problem("%s: more than one entry named '%s'", s->path, name);
		}
	}
}

/* Scan directory d: check its entries, queue its subdirectories. */
static void check_dir(uint32_t d, uint32_t *queue, uint32_t *tail)
{
	char path[PATH_BUF];
	const struct fs_dinode *dp = fsimg_inode(&img, &sb, d);
	struct dirscan s = { .inum = d, .path = dir_path(d, path), .queue = queue, .tail = tail };
	unsigned n;

	for (uint64_t fbn = 0; fbn < dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = dir_block(dp, fbn, &n);
		for (unsigned i = 0; blk && i < n; i++)
			check_entry(&s, fbn * FS_DPB + i, &blk[i]);
	}
	if (!s.has_dot)
		problem("directory inode %u (%s) has no '.'", d, s.path);
	if (!s.has_dotdot)
		problem("directory inode %u (%s) has no '..'", d, s.path);
	check_duplicates(&s);
	free(s.names);
}

/* Walk the tree breadth first from the root; each directory is queued
 * once, when it is first reached. */
static void check_tree(void)
{
	const struct fs_dinode *rp = fsimg_inode(&img, &sb, FS_ROOT_INUM);
	if (rp->type != FS_T_DIR) {
		problem("root inode %u is not a directory (type %u)", FS_ROOT_INUM, rp->type);
		return;
	}
	uint32_t *queue = zalloc(sb.ninodes, sizeof(uint32_t));
	uint32_t head = 0, tail = 0;
	parent[FS_ROOT_INUM] = FS_ROOT_INUM;    /* the root's ".." is itself */
	queue[tail++] = FS_ROOT_INUM;
	ndirs = 1;
	while (head < tail)
		check_dir(queue[head++], queue, &tail);
	free(queue);
}

/* ---- pass 5: link counts ---- */

static void check_links(void)
{
	for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
		const struct fs_dinode *ip = fsimg_inode(&img, &sb, inum);
		if (!in_use(inum))
			continue;
		if (refs[inum] == 0)
			problem("inode %u is allocated but no directory names it", inum);
		else if (ip->nlink != refs[inum])
			problem("inode %u: nlink %u but %u directory %s", inum, ip->nlink, refs[inum],
				plural(refs[inum], "entry", "entries"));
	}
}

/* ---- pass 6: the bitmap ---- */

/* Every block in use (the metadata, and blocks claimed in pass 3) must be
 * marked, every other one clear; bits past the disk's end must be set.
 * Return the number of blocks in use. */
static uint64_t check_bitmap(void)
{
	uint64_t nbits = (uint64_t)(sb.datastart - sb.bmapstart) * FS_BPB;
	uint64_t nused = 0;

	for (uint32_t b = 0; b < sb.size; b++) {
		int used = b < sb.datastart || owner[b] != 0;
		int bit = fsimg_bit(&img, &sb, b);
		nused += used;
		if (used && !bit)
			problem("block %u is in use but marked free in the bitmap%s", b,
				b < sb.datastart ? " (it is metadata)" : "");
		if (!used && bit)
			problem("block %u is marked used but nothing uses it", b);
	}
	for (uint64_t b = sb.size; b < nbits; b++) {
		if (!fsimg_bit(&img, &sb, b)) {
			problem("bitmap: bit %llu is clear, but the bits past the disk's end must be set",
				(unsigned long long)b);
			break;
		}
	}
	return nused;
}

/* ---- the modes ---- */

/* Check the image at path, installing its log first with replay. */
static int fsck_check(const char *path, int replay)
{
	report = stdout;
	load_image(path);
	if (check_super() == 0) {
		uint32_t n = check_log();
		if (n) {
			log_install(n);
			if (replay) {
				log_replay(path, n);
				printf("fsck: log: installed a committed transaction of %u %s\n", n,
				       plural(n, "block", "blocks"));
			} else {
				problem("log holds a committed transaction of %u %s (--replay installs it)",
					n, plural(n, "block", "blocks"));
			}
		}
		owner = zalloc(sb.size, sizeof(*owner));
		refs = zalloc(sb.ninodes, sizeof(*refs));
		parent = zalloc(sb.ninodes, sizeof(*parent));
		names = zalloc(sb.ninodes, sizeof(*names));
		check_inodes();
		check_tree();
		check_links();
		uint64_t nused = check_bitmap();
		if (problems == 0) {
			printf("fsck: clean (%llu files, %llu directories, %llu blocks used)\n",
			       (unsigned long long)nfiles, (unsigned long long)ndirs,
			       (unsigned long long)nused);
			return 0;
		}
	}
	printf("fsck: %lu %s\n", problems, plural(problems, "inconsistency", "inconsistencies"));
	return 1;
}

/* For --cat and --ls: the image at path as the file system would see it
 * after recovery (installed in the file too with replay). Exit 2 if its
 * superblock cannot be trusted. */
static void open_view(const char *path, int replay)
{
	report = stderr;
	load_image(path);
	if (check_super() < 0)
		exit(2);
	uint32_t n = check_log();
	if (n) {
		log_install(n);
		if (replay)
			log_replay(path, n);
	}
}

/* The inode named by len bytes at name in directory dp, or 0. */
static uint32_t dir_find(const struct fs_dinode *dp, const char *name, size_t len)
{
	unsigned n;
	if (len > FS_NAME_MAX)
		return 0;
	for (uint64_t fbn = 0; fbn < dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = dir_block(dp, fbn, &n);
		for (unsigned i = 0; blk && i < n; i++)
			if (blk[i].inum && memcmp(blk[i].name, name, len) == 0 && blk[i].name[len] == 0)
				return blk[i].inum;
	}
	return 0;
}

/* The inode at path ('/'-separated, from the root), or 0 if none. */
static uint32_t lookup(const char *path)
{
	uint32_t inum = FS_ROOT_INUM;
	for (const char *p = path; *p; ) {
		size_t len = strcspn(p, "/");
		if (len > 0) {
			const struct fs_dinode *dp = fsimg_inode(&img, &sb, inum);
			if (dp == NULL || dp->type != FS_T_DIR)
				return 0;
			inum = dir_find(dp, p, len);
			if (inum == 0 || inum >= sb.ninodes)
				return 0;
		}
		p += len + (p[len] == '/');
	}
	return inum;
}

/* --cat: write the file at path to stdout. */
static int cat(const char *path)
{
	static const uint8_t zeros[FS_BSIZE];
	uint32_t inum = lookup(path);
	const struct fs_dinode *ip = fsimg_inode(&img, &sb, inum);
	if (inum == 0 || ip->type != FS_T_FILE)
		fatal(1, "%s: %s in the image", path, inum ? "not a file" : "no such file");

	for (uint64_t fbn = 0; fbn < fsimg_nblocks(ip->size); fbn++) {
		uint32_t bno;
		if (fsimg_bmap(&img, &sb, ip, fbn, &bno) < 0)
			fatal(1, "%s: file block %llu has a bad block number", path, (unsigned long long)fbn);
		uint64_t left = ip->size - fbn * FS_BSIZE;
		size_t len = left < FS_BSIZE ? (size_t)left : FS_BSIZE;
		if (fwrite(bno ? fsimg_block(&img, bno) : zeros, 1, len, stdout) != len)
			fatal(1, "writing %s to stdout: %s", path, strerror(errno));
	}
	if (fflush(stdout) != 0)
		fatal(1, "writing %s to stdout: %s", path, strerror(errno));
	return 0;
}

/* One line of --ls: name (at most maxlen bytes), type, size, nlink. */
static void ls_line(const char *name, size_t maxlen, uint32_t inum)
{
	static const char *const types[] = { "free", "dir", "file" };
	const struct fs_dinode *ip = fsimg_inode(&img, &sb, inum);
	if (ip == NULL)
		printf("%.*s\tbad-inode\t0\t0\n", (int)maxlen, name);
	else
		printf("%.*s\t%s\t%u\t%u\n", (int)maxlen, name,
		       ip->type <= FS_T_FILE ? types[ip->type] : "bad-type", ip->size, ip->nlink);
}

/* --ls: list the directory at path, every entry with "." and "..". */
static int ls(const char *path)
{
	uint32_t inum = lookup(path);
	const struct fs_dinode *dp = fsimg_inode(&img, &sb, inum);
	unsigned n;
	if (inum == 0)
		fatal(1, "%s: no such file or directory in the image", path);
	if (dp->type != FS_T_DIR) {
		const char *slash = strrchr(path, '/');
		ls_line(slash ? slash + 1 : path, FS_NAME_MAX, inum);
		return 0;
	}
	for (uint64_t fbn = 0; fbn < dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = dir_block(dp, fbn, &n);
		for (unsigned i = 0; blk && i < n; i++)
			if (blk[i].inum)
				ls_line(blk[i].name, sizeof(blk[i].name), blk[i].inum);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: fsck [-v] [--replay] IMAGE\n"
		"       fsck [--replay] --cat IMAGE PATH\n"
		"       fsck [--replay] --ls IMAGE DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	int replay = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--replay") == 0)
			replay = 1;
		else if (strcmp(argv[i], "--cat") == 0 || strcmp(argv[i], "--ls") == 0)
			mode = argv[i];
		else
			usage();
	}
	if (mode == NULL && argc - i == 1)
		return fsck_check(argv[i], replay);
	if (mode == NULL || argc - i != 2)
		usage();
	open_view(argv[i], replay);
	return strcmp(mode, "--cat") == 0 ? cat(argv[i + 1]) : ls(argv[i + 1]);
}
