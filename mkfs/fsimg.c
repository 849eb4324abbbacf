/*
 * mkfs/fsimg.c: what the host tools share (see fsimg.h). First the
 * format's arithmetic: where each region lies, and where a block, an
 * inode, a bitmap bit or a file's block is found in an image held in
 * memory. Then reading an image file and checking it, in passes; every
 * number read from the image is checked before it is used, so no image,
 * however damaged, may crash the check.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fsimg.h"

#define PATH_BUF 1024           /* longest path a report prints; longer ones start "..." */

uint64_t fsimg_layout(struct fs_super *sb, uint32_t size, uint32_t ninodes, uint32_t nlog)
{
	/* With nlog <= FS_LOG_MAX every start fits in 32 bits: the inodes
	 * take at most 2^26 blocks and the bitmap at most 2^17. */
	uint64_t logstart = FS_SUPER_BLOCK + 1;
	uint64_t inodestart = logstart + 1 + nlog;
	uint64_t bmapstart = inodestart + ((uint64_t)ninodes + FS_IPB - 1) / FS_IPB;
	uint64_t datastart = bmapstart + ((uint64_t)size + FS_BPB - 1) / FS_BPB;

	sb->magic = FS_MAGIC;
	sb->version = FS_VERSION;
	sb->size = size;
	sb->nblocks = datastart < size ? (uint32_t)(size - datastart) : 0;
	sb->ninodes = ninodes;
	sb->nlog = nlog;
	sb->logstart = (uint32_t)logstart;
	sb->inodestart = (uint32_t)inodestart;
	sb->bmapstart = (uint32_t)bmapstart;
	sb->datastart = (uint32_t)datastart;
	return datastart;
}

uint8_t *fsimg_block(const struct fsimg *img, uint32_t b)
{
	if (b >= img->size)
		return NULL;
	return img->data + (size_t)b * FS_BSIZE;
}

struct fs_dinode *fsimg_inode(const struct fsimg *img, const struct fs_super *sb, uint32_t inum)
{
	uint64_t blk = sb->inodestart + (uint64_t)inum / FS_IPB;
	if (inum >= sb->ninodes || blk >= sb->bmapstart || blk >= img->size)
		return NULL;
	return (struct fs_dinode *)fsimg_block(img, (uint32_t)blk) + inum % FS_IPB;
}

int fsimg_is_data(const struct fs_super *sb, uint32_t b)
{
	return b >= sb->datastart && b < sb->size;
}

/* The byte holding bitmap bit b, and the bit's mask; NULL if none. */
static uint8_t *bitmap_byte(const struct fsimg *img, const struct fs_super *sb,
			    uint64_t b, uint8_t *mask)
{
	uint64_t blk = sb->bmapstart + b / FS_BPB;
	if (blk >= sb->datastart || blk >= img->size)
		return NULL;
	/* Bit b is bit (b % 8) of byte (b % FS_BPB) / 8: least significant first. */
	*mask = (uint8_t)(1u << (b % 8));
	return fsimg_block(img, (uint32_t)blk) + (b % FS_BPB) / 8;
}

int fsimg_bit(const struct fsimg *img, const struct fs_super *sb, uint64_t b)
{
	uint8_t mask;
	uint8_t *byte = bitmap_byte(img, sb, b, &mask);
	if (byte == NULL)
		return -1;
	return (*byte & mask) != 0;
}

int fsimg_setbit(const struct fsimg *img, const struct fs_super *sb, uint64_t b)
{
	uint8_t mask;
	uint8_t *byte = bitmap_byte(img, sb, b, &mask);
	if (byte == NULL)
		return -1;
	*byte |= mask;
	return 0;
}

/* Entry i of indirect block ind (0: a hole, so every entry is 0). Return
 * 0, or -1 if ind or the entry found is neither 0 nor a data block. */
static int indirect_entry(const struct fsimg *img, const struct fs_super *sb,
			  uint32_t ind, uint64_t i, uint32_t *bno)
{
	*bno = 0;
	if (ind == 0)
		return 0;
	if (!fsimg_is_data(sb, ind))
		return -1;
	*bno = ((const uint32_t *)fsimg_block(img, ind))[i];
	return *bno == 0 || fsimg_is_data(sb, *bno) ? 0 : -1;
}

int fsimg_bmap(const struct fsimg *img, const struct fs_super *sb,
	       const struct fs_dinode *ip, uint64_t fbn, uint32_t *bno)
{
	uint32_t ind;

	if (fbn < FS_NDIRECT) {
		*bno = ip->addrs[fbn];
		return *bno == 0 || fsimg_is_data(sb, *bno) ? 0 : -1;
	}
	fbn -= FS_NDIRECT;
	if (fbn < FS_NINDIRECT)
		return indirect_entry(img, sb, ip->addrs[FS_IND], fbn, bno);
	fbn -= FS_NINDIRECT;
	if (fbn >= (uint64_t)FS_NINDIRECT * FS_NINDIRECT)
		return -1;
	if (indirect_entry(img, sb, ip->addrs[FS_DIND], fbn / FS_NINDIRECT, &ind) < 0)
		return -1;
	return indirect_entry(img, sb, ind, fbn % FS_NINDIRECT, bno);
}

uint64_t fsimg_dir_nblocks(const struct fs_dinode *dp)
{
	return fsimg_nblocks(dp->size / sizeof(struct fs_dirent) * sizeof(struct fs_dirent));
}

const struct fs_dirent *fsimg_dir_block(const struct fsimg *img, const struct fs_super *sb,
					const struct fs_dinode *dp, uint64_t fbn, unsigned *n)
{
	uint32_t bno;
	uint64_t left = dp->size / sizeof(struct fs_dirent) - fbn * FS_DPB;
	if (fsimg_bmap(img, sb, dp, fbn, &bno) < 0 || bno == 0)
		return NULL;
	*n = left < FS_DPB ? (unsigned)left : FS_DPB;
	return (const struct fs_dirent *)fsimg_block(img, bno);
}

/* ---- reading an image file ---- */

/* Read the size bytes of open file f into img, whole blocks only. */
static int read_blocks(struct fsimg *img, FILE *f, uint64_t size, char *why, size_t why_len)
{
	uint64_t blocks = size / FS_BSIZE;
	if (blocks > UINT32_MAX)
		blocks = UINT32_MAX;
	img->size = (uint32_t)blocks;
	img->data = calloc(blocks, FS_BSIZE);
	if (img->data == NULL) {
		snprintf(why, why_len, "out of memory for %llu blocks", (unsigned long long)blocks);
		return -1;
	}
	if (fread(img->data, FS_BSIZE, blocks, f) != blocks) {
		snprintf(why, why_len, "%s", ferror(f) ? strerror(errno) : "short read");
		free(img->data);
		img->data = NULL;
		return -1;
	}
	return 0;
}

int fsimg_read(struct fsimg *img, const char *path, char *why, size_t why_len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	int ok = 0;

	if (f == NULL || fstat(fileno(f), &st) < 0)
		snprintf(why, why_len, "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, why_len, "not a regular file");
	else if ((uint64_t)st.st_size / FS_BSIZE <= FS_SUPER_BLOCK)
		snprintf(why, why_len, "too short to hold a superblock (%lld bytes)", (long long)st.st_size);
	else
		ok = read_blocks(img, f, (uint64_t)st.st_size, why, why_len) == 0;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

/* ---- checking: reports ---- */

void fsimg_problem(struct fsimg_check *c, const char *fmt, ...)
{
	va_list ap;
	c->problems++;
	if (c->report == NULL)
		return;
	va_start(ap, fmt);
	fprintf(c->report, "fsck: ");
	vfprintf(c->report, fmt, ap);
	fprintf(c->report, "\n");
	va_end(ap);
}

/* With c->verbose, say something that is not a problem. */
static void note(const struct fsimg_check *c, const char *fmt, ...)
{
	va_list ap;
	if (!c->verbose)
		return;
	va_start(ap, fmt);
	printf("fsck: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static void out_of_memory(void)
{
	fflush(stdout);
	fprintf(stderr, "out of memory while checking the image\n");
	exit(2);
}

static void *zalloc(uint64_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		out_of_memory();
	return p;
}

/* ---- pass 1: the superblock ---- */

static void check_field(struct fsimg_check *c, const char *name, uint32_t got, uint32_t want)
{
	if (got != want)
		fsimg_problem(c, "superblock: %s is %u, but size, ninodes and nlog put it at %u",
			      name, got, want);
}

int fsimg_check_super(struct fsimg_check *c)
{
	struct fs_super *sb = &c->sb;
	unsigned long before = c->problems;
	struct fs_super want;

	memcpy(sb, fsimg_block(c->img, FS_SUPER_BLOCK), sizeof(*sb));
	if (sb->magic != FS_MAGIC) {
		fsimg_problem(c, "superblock: bad magic 0x%08x (a Mica file system has 0x%08x)",
			      sb->magic, FS_MAGIC);
		return -1;
	}
	if (sb->version != FS_VERSION) {
		fsimg_problem(c, "superblock: version %u, but fsck knows version %u", sb->version, FS_VERSION);
		return -1;
	}
	if (sb->size > c->img->size)
		fsimg_problem(c, "superblock: size %u blocks, but the image file holds only %u",
			      sb->size, c->img->size);
	if (sb->nlog < 1 || sb->nlog > FS_LOG_MAX)
		fsimg_problem(c, "superblock: nlog %u, but a log has 1 to %u blocks",
			      sb->nlog, (unsigned)FS_LOG_MAX);
	if (sb->ninodes < 2)
		fsimg_problem(c, "superblock: ninodes %u, at least 2 (inode 0 and the root)", sb->ninodes);
	if (c->problems > before)
		return -1;

	uint64_t datastart = fsimg_layout(&want, sb->size, sb->ninodes, sb->nlog);
	if (datastart >= sb->size) {
		fsimg_problem(c, "superblock: the metadata takes %llu blocks, leaving none of the %u for data",
			      (unsigned long long)datastart, sb->size);
		return -1;
	}
	check_field(c, "logstart", sb->logstart, want.logstart);
	check_field(c, "inodestart", sb->inodestart, want.inodestart);
	check_field(c, "bmapstart", sb->bmapstart, want.bmapstart);
	check_field(c, "datastart", sb->datastart, want.datastart);
	check_field(c, "nblocks", sb->nblocks, want.nblocks);
	if (c->problems > before)
		return -1;
	note(c, "superblock: %u blocks, %u inodes, log %u+%u, inodes at %u, bitmap at %u, data at %u",
	     sb->size, sb->ninodes, sb->logstart, sb->nlog, sb->inodestart, sb->bmapstart, sb->datastart);
	return 0;
}

/* ---- pass 2: the log ---- */

static const struct fs_loghead *log_header(const struct fsimg_check *c)
{
	return (const struct fs_loghead *)fsimg_block(c->img, c->sb.logstart);
}

uint32_t fsimg_check_log(struct fsimg_check *c)
{
	const struct fs_loghead *h = log_header(c);
	uint32_t bad = 0;

	if (h->magic != FS_LOG_MAGIC || h->n == 0 || h->sum != fs_log_sum(h)) {
		/* A torn or empty header: nothing was committed. */
		note(c, "log: no committed transaction (magic 0x%08x, n %u, sum %s)", h->magic, h->n,
		     h->sum == fs_log_sum(h) ? "good" : "bad");
		return 0;
	}
	if (h->n > c->sb.nlog) {
		fsimg_problem(c, "log header: n %u is more than nlog %u", h->n, c->sb.nlog);
		return 0;
	}
	for (uint32_t i = 0; i < h->n; i++) {
		uint32_t b = h->block[i];
		if (b >= c->sb.size) {
			fsimg_problem(c, "log entry %u: home block %u outside the disk (%u blocks)",
				      i, b, c->sb.size);
			bad++;
		} else if (b < c->sb.inodestart) {
			fsimg_problem(c, "log entry %u: home block %u is in the superblock or the log", i, b);
			bad++;
		}
	}
	return bad ? 0 : h->n;
}

void fsimg_log_install(struct fsimg_check *c, uint32_t n)
{
	const struct fs_loghead *h = log_header(c);
	for (uint32_t i = 0; i < n; i++)
		memcpy(fsimg_block(c->img, h->block[i]), fsimg_block(c->img, c->sb.logstart + 1 + i),
		       FS_BSIZE);
}

/* ---- pass 3: inodes and the blocks they use ---- */

/* One inode's block walk: which inode, how many blocks its size covers,
 * and whether a block was found past that. */
struct walk {
	struct fsimg_check *c;
	uint32_t inum;
	uint64_t nfb;
	int past_end;
};

/* Record that the walked inode uses block b. Return 1 if b was a free
 * data block (so, if b is an indirect block, its entries can be read). */
static int claim(struct walk *w, uint32_t b)
{
	struct fsimg_check *c = w->c;
	if (!fsimg_is_data(&c->sb, b)) {
		fsimg_problem(c, "inode %u: block number %u outside the data area", w->inum, b);
		return 0;
	}
	if (c->owner[b] == w->inum) {
		fsimg_problem(c, "inode %u uses block %u twice", w->inum, b);
		return 0;
	}
	if (c->owner[b] != 0) {
		fsimg_problem(c, "block %u is used by inode %u and inode %u", b, c->owner[b], w->inum);
		return 0;
	}
	c->owner[b] = w->inum;
	return 1;
}

/* Block b (0: a hole) of a file's map, holding file blocks from fbn on:
 * a data block (depth 0), an indirect block (1) or a double-indirect one
 * (2), whose entries are blocks of depth - 1. */
static void walk_map(struct walk *w, uint32_t b, uint64_t fbn, int depth)
{
	if (b == 0)
		return;
	if (fbn >= w->nfb)
		w->past_end = 1;
	if (!claim(w, b) || depth == 0)
		return;
	const uint32_t *a = (const uint32_t *)fsimg_block(w->c->img, b);
	uint64_t span = depth == 2 ? FS_NINDIRECT : 1;   /* file blocks per entry */
	for (uint64_t i = 0; i < FS_NINDIRECT; i++)
		walk_map(w, a[i], fbn + i * span, depth - 1);
}

/* Claim every block inode inum uses; no block may lie past its size. */
static void claim_blocks(struct fsimg_check *c, uint32_t inum, const struct fs_dinode *ip)
{
	struct walk w = { c, inum, fsimg_nblocks(ip->size), 0 };
	for (uint64_t i = 0; i < FS_NDIRECT; i++)
		walk_map(&w, ip->addrs[i], i, 0);
	walk_map(&w, ip->addrs[FS_IND], FS_NDIRECT, 1);
	walk_map(&w, ip->addrs[FS_DIND], FS_NDIRECT + FS_NINDIRECT, 2);
	if (w.past_end)
		fsimg_problem(c, "inode %u: size %u bytes but a block past the end", inum, ip->size);
}

/* Whether inode inum has a type the format knows, other than free. */
static int in_use(const struct fsimg_check *c, uint32_t inum)
{
	const struct fs_dinode *ip = fsimg_inode(c->img, &c->sb, inum);
	return inum != 0 && ip && (ip->type == FS_T_DIR || ip->type == FS_T_FILE);
}

static void check_inodes(struct fsimg_check *c)
{
	for (uint32_t inum = 0; inum < c->sb.ninodes; inum++) {
		const struct fs_dinode *ip = fsimg_inode(c->img, &c->sb, inum);
		if (ip->type == FS_T_FREE)
			continue;
		if (inum == 0)
			fsimg_problem(c, "inode 0 has type %u, but inode 0 is never used", ip->type);
		else if (!in_use(c, inum))
			fsimg_problem(c, "inode %u: bad type %u", inum, ip->type);
		if (!in_use(c, inum))
			continue;
		if (ip->type == FS_T_DIR && ip->size % sizeof(struct fs_dirent) != 0)
			fsimg_problem(c, "directory inode %u: size %u is not a multiple of %zu", inum,
				      ip->size, sizeof(struct fs_dirent));
		claim_blocks(c, inum, ip);
	}
}

/* ---- pass 4: the directory tree ---- */

/* The path of reached directory d, built in buf from the root down. */
static const char *dir_path(const struct fsimg_check *c, uint32_t d, char buf[PATH_BUF])
{
	size_t pos = PATH_BUF - 1;
	buf[pos] = 0;
	for (uint32_t steps = 0; d != FS_ROOT_INUM && steps < c->sb.ninodes; steps++) {
		size_t n = strlen(c->names[d]);
		if (pos < n + 1 + 3) {
			pos -= 3;
			memcpy(buf + pos, "...", 3);
			return buf + pos;
		}
		pos -= n;
		memcpy(buf + pos, c->names[d], n);
		buf[--pos] = '/';
		d = c->parent[d];
	}
	if (buf[pos] == 0)
		buf[--pos] = '/';
	return buf + pos;
}

/* Whether directory a is d or above it in the tree. */
static int is_ancestor(const struct fsimg_check *c, uint32_t a, uint32_t d)
{
	for (uint32_t steps = 0; steps <= c->sb.ninodes; steps++) {
		if (d == a)
			return 1;
		if (d == FS_ROOT_INUM || d == 0)
			return 0;
		d = c->parent[d];
	}
	return 0;
}

/* A directory being scanned. */
struct dirscan {
	struct fsimg_check *c;
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
			out_of_memory();
	}
	s->names[s->nnames++] = name;
}

/* A first visit of subdirectory t, found as name in the scanned one. */
static void reach_dir(struct dirscan *s, uint32_t t, const char *name, const char *epath)
{
	struct fsimg_check *c = s->c;
	char other[PATH_BUF];
	if (t == FS_ROOT_INUM) {
		fsimg_problem(c, "%s: names the root directory (a cycle)", epath);
	} else if (c->parent[t] && is_ancestor(c, t, s->inum)) {
		fsimg_problem(c, "%s: directory inode %u is its own ancestor (a cycle)", epath, t);
	} else if (c->parent[t]) {
		fsimg_problem(c, "directory inode %u is named twice: %s and %s", t,
			      dir_path(c, t, other), epath);
	} else {
		c->parent[t] = s->inum;
		strcpy(c->names[t], name);
		s->queue[(*s->tail)++] = t;
		c->ndirs++;
	}
}

/* Follow entry name -> inum t of the scanned directory; special is 1
 * for its "." and "..", which add no new path. */
static void follow(struct dirscan *s, uint32_t t, const char *name, int special)
{
	struct fsimg_check *c = s->c;
	char epath[PATH_BUF + FS_NAME_MAX + 2];
	snprintf(epath, sizeof(epath), "%s/%s", s->inum == FS_ROOT_INUM ? "" : s->path, name);
	if (t >= c->sb.ninodes) {
		fsimg_problem(c, "%s: entry points at inode %u, past the last inode (%u)", epath, t,
			      c->sb.ninodes - 1);
		return;
	}
	const struct fs_dinode *tp = fsimg_inode(c->img, &c->sb, t);
	if (tp->type == FS_T_FREE) {
		fsimg_problem(c, "%s: entry points at free inode %u", epath, t);
		return;
	}
	if (!in_use(c, t))
		return;         /* a bad type: reported with the inode */
	c->refs[t]++;
	if (special)
		return;
	if (tp->type == FS_T_DIR)
		reach_dir(s, t, name, epath);
	else if (c->refs[t] == 1)
		c->nfiles++;
}

/* Check entry k of the scanned directory. */
static void check_entry(struct dirscan *s, uint64_t k, const struct fs_dirent *e)
{
	struct fsimg_check *c = s->c;
	char name[FS_NAME_MAX + 1];

	if (e->inum == 0)
		return;         /* a free slot */
	if (memchr(e->name, 0, sizeof(e->name)) == NULL) {
		fsimg_problem(c, "%s: entry %llu has a name without its NUL", s->path, (unsigned long long)k);
		return;
	}
	printable(name, e->name);
	int dot = strcmp(e->name, ".") == 0, dotdot = strcmp(e->name, "..") == 0;
	if (k == 0 && dot) {
		s->has_dot = 1;
		if (e->inum != s->inum)
			fsimg_problem(c, "%s: '.' names inode %u, not the directory itself (inode %u)",
				      s->path, e->inum, s->inum);
	} else if (k == 1 && dotdot) {
		s->has_dotdot = 1;
		if (e->inum != c->parent[s->inum])
			fsimg_problem(c, "%s: '..' names inode %u, not the parent directory (inode %u)",
				      s->path, e->inum, c->parent[s->inum]);
	} else if (dot || dotdot) {
		fsimg_problem(c, "%s: '%s' in slot %llu, but it belongs in slot %d", s->path, e->name,
			      (unsigned long long)k, dotdot);
		return;
	} else if (e->name[0] == 0) {
		fsimg_problem(c, "%s: entry %llu has an empty name", s->path, (unsigned long long)k);
		return;
	} else if (strchr(e->name, '/')) {
		fsimg_problem(c, "%s: entry '%s' has a '/' in its name", s->path, name);
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
			fsimg_problem(s->c, "%s: more than one entry named '%s'", s->path, name);
		}
	}
}

/* Scan directory d: check its entries, queue its subdirectories. */
static void check_dir(struct fsimg_check *c, uint32_t d, uint32_t *queue, uint32_t *tail)
{
	char path[PATH_BUF];
	const struct fs_dinode *dp = fsimg_inode(c->img, &c->sb, d);
	struct dirscan s = { .c = c, .inum = d, .path = dir_path(c, d, path),
			     .queue = queue, .tail = tail };
	unsigned n;

	for (uint64_t fbn = 0; fbn < fsimg_dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = fsimg_dir_block(c->img, &c->sb, dp, fbn, &n);
		for (unsigned i = 0; blk && i < n; i++)
			check_entry(&s, fbn * FS_DPB + i, &blk[i]);
	}
	if (!s.has_dot)
		fsimg_problem(c, "directory inode %u (%s) has no '.'", d, s.path);
	if (!s.has_dotdot)
		fsimg_problem(c, "directory inode %u (%s) has no '..'", d, s.path);
	check_duplicates(&s);
	free(s.names);
}

/* Walk the tree breadth first from the root; each directory is queued
 * once, when it is first reached. */
static void check_tree(struct fsimg_check *c)
{
	const struct fs_dinode *rp = fsimg_inode(c->img, &c->sb, FS_ROOT_INUM);
	if (rp->type != FS_T_DIR) {
		fsimg_problem(c, "root inode %u is not a directory (type %u)", FS_ROOT_INUM, rp->type);
		return;
	}
	uint32_t *queue = zalloc(c->sb.ninodes, sizeof(uint32_t));
	uint32_t head = 0, tail = 0;
	c->parent[FS_ROOT_INUM] = FS_ROOT_INUM;    /* the root's ".." is itself */
	queue[tail++] = FS_ROOT_INUM;
	c->ndirs = 1;
	while (head < tail)
		check_dir(c, queue[head++], queue, &tail);
	free(queue);
}

/* ---- pass 5: link counts ---- */

static void check_links(struct fsimg_check *c)
{
	for (uint32_t inum = 1; inum < c->sb.ninodes; inum++) {
		const struct fs_dinode *ip = fsimg_inode(c->img, &c->sb, inum);
		if (!in_use(c, inum))
			continue;
		if (c->refs[inum] == 0 && ip->nlink == 0) {
			/* unlinked while open when the system stopped: the fs server
			 * frees such an orphan at its next mount */
			c->orphans++;
			if (c->verbose)
				printf("fsck: inode %u is an orphan (unlinked while open): freed at the "
				       "next mount\n", inum);
		} else if (c->refs[inum] == 0)
			fsimg_problem(c, "inode %u is allocated but no directory names it", inum);
		else if (ip->nlink != c->refs[inum])
			fsimg_problem(c, "inode %u: nlink %u but %u directory %s", inum, ip->nlink,
				      c->refs[inum], c->refs[inum] == 1 ? "entry" : "entries");
	}
}

/* ---- pass 6: the bitmap ---- */

/* Every block in use (the metadata, and blocks claimed in pass 3) must be
 * marked, every other one clear; bits past the disk's end must be set.
 * Return the number of blocks in use. */
static uint64_t check_bitmap(struct fsimg_check *c)
{
	const struct fs_super *sb = &c->sb;
	uint64_t nbits = (uint64_t)(sb->datastart - sb->bmapstart) * FS_BPB;
	uint64_t nused = 0;

	for (uint32_t b = 0; b < sb->size; b++) {
		int used = b < sb->datastart || c->owner[b] != 0;
		int bit = fsimg_bit(c->img, sb, b);
		nused += used;
		if (used && !bit)
			fsimg_problem(c, "block %u is in use but marked free in the bitmap%s", b,
				      b < sb->datastart ? " (it is metadata)" : "");
		if (!used && bit)
			fsimg_problem(c, "block %u is marked used but nothing uses it", b);
	}
	for (uint64_t b = sb->size; b < nbits; b++) {
		if (!fsimg_bit(c->img, sb, b)) {
			fsimg_problem(c, "bitmap: bit %llu is clear, but the bits past the disk's end must be set",
				      (unsigned long long)b);
			break;
		}
	}
	return nused;
}

void fsimg_check_files(struct fsimg_check *c)
{
	c->owner = zalloc(c->sb.size, sizeof(*c->owner));
	c->refs = zalloc(c->sb.ninodes, sizeof(*c->refs));
	c->parent = zalloc(c->sb.ninodes, sizeof(*c->parent));
	c->names = zalloc(c->sb.ninodes, sizeof(*c->names));
	check_inodes(c);
	check_tree(c);
	check_links(c);
	c->nused = check_bitmap(c);
	free(c->owner);
	free(c->refs);
	free(c->parent);
	free(c->names);
	c->owner = c->refs = c->parent = NULL;
	c->names = NULL;
}
