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
 * Status 2 means the image could not be read at all. The checks are the
 * passes of fsimg.c (fsimg.h lists them; mkfs --keep runs them too). A
 * committed log transaction is read through (its blocks are seen at their
 * homes, as after recovery) and counted as one inconsistency or, with
 * --replay, installed in the file exactly as the file system server does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsimg.h"

static struct fsimg img;
static struct fsimg_check check = { .img = &img };

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

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Read the image file at path into img, or exit with status 2. */
static void load_image(const char *path)
{
	char why[256];
	if (fsimg_read(&img, path, why, sizeof(why)) < 0)
		fatal(2, "cannot read %s: %s", path, why);
}

/* ---- --replay: installing the log in the image file ---- */

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
	struct fs_loghead *h = (struct fs_loghead *)fsimg_block(&img, check.sb.logstart);
	int fd = open(path, O_RDWR);
	if (fd < 0)
		fatal(2, "--replay: cannot open %s: %s", path, strerror(errno));
	for (uint32_t i = 0; i < n; i++)
		write_block(fd, path, h->block[i]);
	if (fsync(fd) < 0)
		fatal(2, "--replay: cannot sync %s: %s", path, strerror(errno));
	h->n = 0;
	h->sum = fs_log_sum(h);
	write_block(fd, path, check.sb.logstart);
	if (fsync(fd) < 0 || close(fd) < 0)
		fatal(2, "--replay: cannot sync %s: %s", path, strerror(errno));
}

/* ---- the modes ---- */

/* Check the image at path, installing its log first with replay. */
static int fsck_check(const char *path, int replay)
{
	check.report = stdout;
	load_image(path);
	if (fsimg_check_super(&check) == 0) {
		uint32_t n = fsimg_check_log(&check);
		if (n) {
			fsimg_log_install(&check, n);
			if (replay) {
				log_replay(path, n);
				printf("fsck: log: installed a committed transaction of %u %s\n", n,
				       plural(n, "block", "blocks"));
			} else {
				fsimg_problem(&check, "log holds a committed transaction of %u %s (--replay installs it)",
					      n, plural(n, "block", "blocks"));
			}
		}
		fsimg_check_files(&check);
		if (check.problems == 0) {
			printf("fsck: clean (%llu files, %llu directories, %llu blocks used)\n",
			       (unsigned long long)check.nfiles, (unsigned long long)check.ndirs,
			       (unsigned long long)check.nused);
			return 0;
		}
	}
	printf("fsck: %lu %s\n", check.problems, plural(check.problems, "inconsistency", "inconsistencies"));
	return 1;
}

/* For --cat and --ls: the image at path as the file system would see it
 * after recovery (installed in the file too with replay). Exit 2 if its
 * superblock cannot be trusted. */
static void open_view(const char *path, int replay)
{
	check.report = stderr;
	load_image(path);
	if (fsimg_check_super(&check) < 0)
		exit(2);
	uint32_t n = fsimg_check_log(&check);
	if (n) {
		fsimg_log_install(&check, n);
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
	for (uint64_t fbn = 0; fbn < fsimg_dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = fsimg_dir_block(&img, &check.sb, dp, fbn, &n);
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
			const struct fs_dinode *dp = fsimg_inode(&img, &check.sb, inum);
			if (dp == NULL || dp->type != FS_T_DIR)
				return 0;
			inum = dir_find(dp, p, len);
			if (inum == 0 || inum >= check.sb.ninodes)
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
	const struct fs_dinode *ip = fsimg_inode(&img, &check.sb, inum);
	if (inum == 0 || ip->type != FS_T_FILE)
		fatal(1, "%s: %s in the image", path, inum ? "not a file" : "no such file");

	for (uint64_t fbn = 0; fbn < fsimg_nblocks(ip->size); fbn++) {
		uint32_t bno;
		if (fsimg_bmap(&img, &check.sb, ip, fbn, &bno) < 0)
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
	const struct fs_dinode *ip = fsimg_inode(&img, &check.sb, inum);
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
	const struct fs_dinode *dp = fsimg_inode(&img, &check.sb, inum);
	unsigned n;
	if (inum == 0)
		fatal(1, "%s: no such file or directory in the image", path);
	if (dp->type != FS_T_DIR) {
		const char *slash = strrchr(path, '/');
		ls_line(slash ? slash + 1 : path, FS_NAME_MAX, inum);
		return 0;
	}
	for (uint64_t fbn = 0; fbn < fsimg_dir_nblocks(dp); fbn++) {
		const struct fs_dirent *blk = fsimg_dir_block(&img, &check.sb, dp, fbn, &n);
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
			check.verbose = 1;
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
