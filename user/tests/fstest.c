/*
 * fstest: the file system server's behaviour, case by case, with its error
 * codes (grade/grade-fs.py runs each case: `noconsole run=fstest CASE`).
 * Every case works in a directory of its own and removes what it made, so
 * that the free blocks, free inodes and open handles the server reports at
 * the end equal those at the start: the `leaks` checks.
 */
#include "utest.h"

static char *self_argv[] = { "fstest", "child", NULL, NULL, NULL };

static long child(const char *role, const char *arg, const int fds[3])
{
	self_argv[2] = (char *)role;
	self_argv[3] = (char *)arg;
	return fds ? spawn_fds(self_argv, fds) : spawn(self_argv);
}

static int waitfor(long pid)
{
	int status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

static struct fs_statfs before;

static void start(const char *dir)
{
	sync();
	fs_statfs(&before);
	CHECK_EQ(mkdir(dir), 0, "mkdir the case's directory");
	CHECK_EQ(chdir(dir), 0, "chdir into it");
}

/* The case's directory is gone again; nothing leaked. */
static void finish(const char *dir)
{
	CHECK_EQ(chdir("/"), 0, "chdir /");
	CHECK_EQ(rmdir(dir), 0, "rmdir the case's directory");
	CHECK_EQ(sync(), 0, "sync");
	struct fs_statfs after;
	fs_statfs(&after);
	CHECK_EQ(after.free_blocks, before.free_blocks, "free blocks after the case");
	CHECK_EQ(after.free_inodes, before.free_inodes, "free inodes after the case");
	CHECK_EQ(after.handles, before.handles, "open handles after the case");
	CHECK_EQ(after.dirty, 0, "dirty blocks after sync");
}

static long put(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags);
	if (fd < 0)
		return fd;
	long n = write(fd, s, strlen(s));
	close(fd);
	return n;
}

/* The whole file as a string (at most cap - 1 bytes), or -E.... */
static long get(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fd;
	long n = 0, r;
	while ((size_t)n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
	return n;
}

/* open, read, write, seek, stat and their errors. */
static void files(void)
{
	char buf[128];
	start("/t_files");
	int fd = open("a", O_RDWR | O_CREAT | O_EXCL);
	CHECK(fd >= 3, "open a new file: %d", fd);
	CHECK_EQ(write(fd, "hello, world", 12), 12, "write");
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12, "offset after the write");
	CHECK_EQ(lseek(fd, 7, SEEK_SET), 7, "seek");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 5, "read the rest");
	CHECK(memcmp(buf, "world", 5) == 0, "read what was written");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 0, "read at the end");
	CHECK_EQ(lseek(fd, -5, SEEK_END), 7, "seek from the end");
	CHECK_EQ(lseek(fd, -100, SEEK_CUR), -EINVAL, "seek before the start");
	CHECK_EQ(lseek(fd, 0, 7), -EINVAL, "seek with a bad whence");
	struct fs_stat st;
	CHECK_EQ(fstat(fd, &st), 0, "fstat");
	CHECK(st.type == FS_STAT_FILE && st.size == 12 && st.nlink == 1, "fstat: type %u size %lu "
	      "nlink %u", st.type, st.size, st.nlink);
	/* a hole reads as zeros */
	CHECK_EQ(lseek(fd, 10000, SEEK_SET), 10000, "seek past the end");
	CHECK_EQ(write(fd, "!", 1), 1, "write past the end");
	CHECK_EQ(lseek(fd, 5000, SEEK_SET), 5000, "seek into the hole");
	CHECK_EQ(read(fd, buf, 8), 8, "read the hole");
	CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0, "a hole reads as zeros");
	CHECK_EQ(close(fd), 0, "close");
	CHECK_EQ(close(fd), -EBADF, "close again");
	CHECK_EQ(read(fd, buf, 1), -EBADF, "read a closed descriptor");

	CHECK_EQ(open("a", O_RDWR | O_CREAT | O_EXCL), -EEXIST, "O_EXCL on a file that exists");
	CHECK_EQ(open("nothing", O_RDONLY), -ENOENT, "open a file that does not exist");
	CHECK_EQ(open("nothing/x", O_RDONLY | O_CREAT), -ENOENT, "create in a missing directory");
	CHECK_EQ(open("a/x", O_RDONLY | O_CREAT), -ENOTDIR, "create under a file");
	CHECK_EQ(open("a", O_RDONLY | O_DIRECTORY), -ENOTDIR, "O_DIRECTORY on a file");
	CHECK_EQ(open(".", O_WRONLY), -EISDIR, "a directory opened for writing");
	mkdir("sub");
	CHECK_EQ(open("sub", O_RDONLY | O_CREAT), -EISDIR, "O_CREAT on a directory");
	rmdir("sub");
	CHECK_EQ(open("a", 3), -EINVAL, "a bad access mode");
	CHECK_EQ(open("a", O_RDONLY | 0x100000), -EINVAL, "an unknown flag");
	fd = open("a", O_RDONLY);
	CHECK_EQ(write(fd, "x", 1), -EBADF, "write to a file open for reading");
	close(fd);
	fd = open("a", O_WRONLY);
	CHECK_EQ(read(fd, buf, 1), -EBADF, "read a file open for writing");
	close(fd);
	fd = open(".", O_RDONLY);
	CHECK_EQ(read(fd, buf, 1), -EISDIR, "read a directory");
	close(fd);

	/* truncate and append */
	CHECK_EQ(put("a", "new", O_TRUNC), 3, "write after O_TRUNC");
	CHECK_EQ(get("a", buf, sizeof(buf)), 3, "O_TRUNC cut the file");
	CHECK_EQ(put("a", "+more", O_APPEND), 5, "append");
	CHECK_EQ(get("a", buf, sizeof(buf)), 8, "the file after appending");
	CHECK(strcmp(buf, "new+more") == 0, "appended: \"%s\"", buf);
	fd = open("a", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "!", 1);
	close(fd);
	get("a", buf, sizeof(buf));
	CHECK(strcmp(buf, "new+more!") == 0, "O_APPEND writes at the end after a seek: \"%s\"", buf);
	CHECK_EQ(unlink("a"), 0, "unlink");
	CHECK_EQ(unlink("a"), -ENOENT, "unlink again");
	finish("/t_files");
	utest_ok("files: open/read/write/seek/stat, holes, O_EXCL/O_TRUNC/O_APPEND and errors\n");
}

/* Directories: mkdir, rmdir, readdir, "." and "..", link counts, cwd. */
static void dirs(void)
{
	start("/t_dirs");
	struct fs_stat st, sub;
	CHECK_EQ(mkdir("d"), 0, "mkdir");
	CHECK_EQ(mkdir("d"), -EEXIST, "mkdir again");
	CHECK_EQ(mkdir("d/e"), 0, "mkdir inside");
	CHECK_EQ(mkdir("d/f"), 0, "mkdir inside again");
	CHECK_EQ(stat("d", &st), 0, "stat d");
	CHECK(st.type == FS_STAT_DIR && st.nlink == 4, "d: a directory with nlink 4: type %u "
	      "nlink %u", st.type, st.nlink);
	CHECK_EQ(stat("d/e/..", &sub), 0, "stat d/e/..");
	CHECK_EQ(sub.inum, st.inum, "d/e/.. is d");
	CHECK_EQ(stat("/t_dirs/./d/./f/../e", &sub), 0, "a path with . and ..");
	CHECK_EQ(put("d/e/file", "x", 0), 1, "a file in d/e");
	CHECK_EQ(rmdir("d/e"), -ENOTEMPTY, "rmdir a directory with a file");
	CHECK_EQ(rmdir("d/e/file"), -ENOTDIR, "rmdir a file");
	CHECK_EQ(unlink("d/e"), -EISDIR, "unlink a directory");
	CHECK_EQ(rmdir("d/e/."), -EINVAL, "rmdir .");
	CHECK_EQ(mkdir("/"), -EINVAL, "mkdir /");
	CHECK_EQ(stat("/..", &sub), -EINVAL, ".. above the root");
	CHECK_EQ(chdir("d/e"), 0, "chdir d/e");
	CHECK(strcmp(getcwd(), "/t_dirs/d/e") == 0, "getcwd: %s", getcwd());
	CHECK_EQ(stat("file", &sub), 0, "a relative path from the new directory");
	CHECK_EQ(chdir("../../d/./f/.."), 0, "chdir with ..");
	CHECK(strcmp(getcwd(), "/t_dirs/d") == 0, "getcwd after ..: %s", getcwd());
	CHECK_EQ(chdir("e/file"), -ENOTDIR, "chdir to a file");
	CHECK_EQ(chdir("nothing"), -ENOENT, "chdir to nothing");
	/* readdir */
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	struct fs_dirent ents[8];
	long n = readdir(fd, ents, 8);
	int seen = 0;
	for (long i = 0; i < n; i++)
		seen |= (strcmp(ents[i].name, ".") == 0) | (strcmp(ents[i].name, "..") == 0) << 1 |
		        (strcmp(ents[i].name, "e") == 0) << 2 | (strcmp(ents[i].name, "f") == 0) << 3;
	CHECK(n == 4 && seen == 15, "readdir: %ld entries, seen mask %d", n, seen);
	CHECK_EQ(readdir(fd, ents, 8), 0, "readdir at the end");
	close(fd);
	CHECK_EQ(unlink("e/file"), 0, "unlink the file");
	CHECK_EQ(rmdir("e"), 0, "rmdir e");
	CHECK_EQ(rmdir("f"), 0, "rmdir f");
	CHECK_EQ(stat(".", &st), 0, "stat .");
	CHECK_EQ(st.nlink, 2, "nlink of an empty directory");
	CHECK_EQ(chdir("/t_dirs"), 0, "chdir back");
	CHECK_EQ(rmdir("d"), 0, "rmdir d");
	finish("/t_dirs");
	utest_ok("dirs: mkdir/rmdir/readdir, . and .., link counts, the working directory\n");
}

/* Hard links and rename. */
static void links(void)
{
	char buf[64];
	struct fs_stat st, st2;
	start("/t_links");
	put("a", "data", 0);
	CHECK_EQ(link("a", "b"), 0, "link");
	CHECK_EQ(stat("b", &st), 0, "stat the link");
	CHECK_EQ(st.nlink, 2, "nlink of a file with two names");
	CHECK_EQ(link("a", "b"), -EEXIST, "link to a name that exists");
	CHECK_EQ(link(".", "dirlink"), -EPERM, "a hard link to a directory");
	CHECK_EQ(link("nothing", "c"), -ENOENT, "link to nothing");
	CHECK_EQ(unlink("a"), 0, "unlink the first name");
	CHECK_EQ(get("b", buf, sizeof(buf)), 4, "the data through the second name");
	/* a file unlinked while open stays readable until closed */
	int fd = open("b", O_RDONLY);
	CHECK_EQ(unlink("b"), 0, "unlink an open file");
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4, "read an unlinked open file");
	close(fd);
	/* rename */
	put("x", "one", 0);
	put("y", "two", 0);
	CHECK_EQ(rename("x", "y"), 0, "rename over a file");
	CHECK_EQ(get("y", buf, sizeof(buf)), 3, "the renamed file");
	CHECK(strcmp(buf, "one") == 0, "rename replaced the target: %s", buf);
	CHECK_EQ(stat("x", &st), -ENOENT, "the old name is gone");
	mkdir("d1");
	mkdir("d2");
	mkdir("d1/sub");
	put("d1/sub/f", "deep", 0);
	CHECK_EQ(rename("d1/sub", "d2/moved"), 0, "move a directory");
	CHECK_EQ(stat("d2/moved/..", &st), 0, "stat the moved directory's ..");
	CHECK_EQ(stat("d2", &st2), 0, "stat d2");
	CHECK_EQ(st.inum, st2.inum, "the moved directory's .. is its new parent");
	CHECK_EQ(st2.nlink, 3, "the new parent's nlink");
	CHECK_EQ(stat("d1", &st), 0, "stat d1");
	CHECK_EQ(st.nlink, 2, "the old parent's nlink");
	CHECK_EQ(rename("d2", "d2/moved/inside"), -EINVAL, "move a directory into itself");
	CHECK_EQ(rename("y", "d2"), -EISDIR, "rename a file over a directory");
	CHECK_EQ(rename("d1", "y"), -ENOTDIR, "rename a directory over a file");
	CHECK_EQ(rename("d1", "y/z"), -ENOTDIR, "rename to a name under a file (y stays whole)");
	CHECK_EQ(rename("d1", "d2"), -ENOTEMPTY, "rename over a directory that is not empty");
	CHECK_EQ(rename("nothing", "z"), -ENOENT, "rename nothing");
	CHECK_EQ(rename("d1", "d3"), 0, "rename a directory");
	unlink("d2/moved/f");
	rmdir("d2/moved");
	CHECK_EQ(rename("d3", "d2"), 0, "rename over an empty directory");
	CHECK_EQ(rmdir("d2"), 0, "rmdir");
	CHECK_EQ(stat("d3", &st), -ENOENT, "the old directory name is gone");
	unlink("y");
	finish("/t_links");
	utest_ok("links: hard links, unlinked open files, rename of files and directories\n");
}

static uint32_t pattern(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)((z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ULL >> 32);
}

/* An 8 MiB file, written and read back with a checksum. */
static void big(void)
{
	enum { SIZE = 8 << 20, CHUNK = 8192 };
	static uint32_t buf[CHUNK / 4];
	start("/t_big");
	int fd = open("big", O_RDWR | O_CREAT | O_TRUNC);
	uint64_t sum = 0, sum2 = 0;
	long bad = 0;
	for (uint64_t off = 0; off < SIZE; off += CHUNK) {
		for (int i = 0; i < CHUNK / 4; i++) {
			buf[i] = pattern(off / 4 + i);
			sum = sum * 31 + buf[i];
		}
		bad += write(fd, buf, CHUNK) != CHUNK;
	}
	CHECK_EQ(bad, 0, "writes that fell short");
	CHECK_EQ(fsync(fd), 0, "fsync");
	struct fs_stat st;
	fstat(fd, &st);
	CHECK_EQ(st.size, SIZE, "the file's size");
	CHECK(st.blocks >= SIZE / FS_BSIZE + 3, "blocks with the indirect ones: %lu", st.blocks);
	lseek(fd, 0, SEEK_SET);
	for (uint64_t off = 0; off < SIZE; off += CHUNK) {
		bad += read(fd, buf, CHUNK) != CHUNK;
		for (int i = 0; i < CHUNK / 4; i++)
			sum2 = sum2 * 31 + buf[i];
	}
	CHECK_EQ(bad, 0, "reads that fell short");
	CHECK(sum == sum2, "checksum of what was read %lx, of what was written %lx", sum2, sum);
	/* a word in the double-indirect part */
	lseek(fd, SIZE - 4096, SEEK_SET);
	read(fd, buf, 4);
	CHECK_EQ(buf[0], pattern((SIZE - 4096) / 4), "a word near the end");
	CHECK_EQ(lseek(fd, 0xffffffffL, SEEK_SET), 0xffffffffL, "seek to the largest offset");
	CHECK_EQ(write(fd, "xy", 2), -EFBIG, "write past the largest file");
	close(fd);
	CHECK_EQ(unlink("big"), 0, "unlink the big file");
	finish("/t_big");
	printf("big: 8 MiB checksum %lx\n", sum);
	utest_ok("big: an 8 MiB file written, read back, checksums equal, blocks freed\n");
}

/* 1,000 files in one directory, listed and removed. */
static void many(void)
{
	enum { N = 1000 };
	start("/t_many");
	char name[24];
	int made = 0;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "file%04d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL);
		made += fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	CHECK_EQ(made, N, "files made");
	static struct fs_dirent ents[128];
	static uint8_t seen[N];
	int fd = open(".", O_RDONLY);
	long n, total = 0, dup = 0;
	while ((n = readdir(fd, ents, 128)) > 0)
		for (long i = 0; i < n; i++) {
			total++;
			int k = (int)atol(ents[i].name + 4);
			if (strncmp(ents[i].name, "file", 4) == 0 && k >= 0 && k < N)
				dup += seen[k]++ > 0;
		}
	close(fd);
	CHECK_EQ(total, N + 2, "entries listed, with . and ..");
	CHECK_EQ(dup, 0, "names listed twice");
	int gone = 0;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "file%04d", i);
		gone += unlink(name) == 0;
	}
	CHECK_EQ(gone, N, "files removed");
	finish("/t_many");
	utest_ok("many: %d files in one directory, listed and removed\n", N);
}

/* Messages a correct library never sends: the server answers each with
 * an error and goes on. */
static void hostile(void)
{
	long fs = server_lookup(FS_NAME);
	CHECK(fs > 0, "look the server up: %ld", fs);
	start("/t_hostile");
	struct msg m;
	char path[FS_PATH_MAX + 8];
	static char big[FS_IO_MAX];
#define CALL(lab, w0, w1, sb, sl, rb, rc) \
	(m = (struct msg){ lab, { (uint64_t)(w0), (uint64_t)(w1) } }, \
	 ipc_call_bulk(fs, &m, sb, sl, rb, rc) < 0 ? -1000 : (long)m.label)
	CHECK_EQ(CALL(FS_OPEN, O_RDONLY, 0, "/t_hostile", 10, NULL, 0), -ENAMETOOLONG,
	         "a path without its NUL");
	CHECK_EQ(CALL(FS_OPEN, O_RDONLY, 0, "", 1, NULL, 0), -ENOENT, "an empty path");
	CHECK_EQ(CALL(FS_OPEN, O_RDONLY, 0, NULL, 0, NULL, 0), -ENAMETOOLONG, "no path at all");
	CHECK_EQ(CALL(FS_OPEN, O_RDONLY, 0, "relative", 9, NULL, 0), -EINVAL, "a relative path");
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[FS_PATH_MAX] = 0;
	CHECK_EQ(CALL(FS_STAT, 0, 0, path, FS_PATH_MAX + 1, NULL, 0), -ENAMETOOLONG,
	         "a path longer than FS_PATH_MAX");
	path[FS_NAME_MAX + 2] = 0;
	CHECK_EQ(CALL(FS_OPEN, O_RDWR | O_CREAT, 0, path, FS_NAME_MAX + 3, NULL, 0),
	         -ENAMETOOLONG, "a name longer than FS_NAME_MAX");
	path[FS_NAME_MAX + 1] = 0;
	long h = CALL(FS_OPEN, O_RDWR | O_CREAT, 0, path, FS_NAME_MAX + 2, NULL, 0);
	CHECK(h > 0, "a name of exactly FS_NAME_MAX: %ld", h);
	CHECK_EQ(CALL(FS_CLOSE, h, 0, NULL, 0, NULL, 0), 0, "close it");
	CHECK_EQ(CALL(FS_UNLINK, 0, 0, path, FS_NAME_MAX + 2, NULL, 0), 0, "unlink it");
	CHECK_EQ(CALL(FS_RENAME, 0, 0, "/a\0/b", 5, NULL, 0), -ENAMETOOLONG,
	         "two paths, the second without its NUL");
	CHECK_EQ(CALL(FS_LINK, 0, 0, "/a", 3, NULL, 0), -ENAMETOOLONG, "one path where two belong");
	for (uint64_t bad = 0; bad < 3; bad++) {
		uint64_t hd = bad == 0 ? 0 : bad == 1 ? FS_HANDLES_MAX + 5 : ~0UL;
		CHECK_EQ(CALL(FS_READ, hd, 16, NULL, 0, big, 16), -EBADF, "read a bad handle");
		CHECK_EQ(CALL(FS_WRITE, hd, 0, "x", 1, NULL, 0), -EBADF, "write a bad handle");
		CHECK_EQ(CALL(FS_CLOSE, hd, 0, NULL, 0, NULL, 0), -EBADF, "close a bad handle");
		CHECK_EQ(CALL(FS_FSTAT, hd, 0, NULL, 0, big, 64), -EBADF, "fstat a bad handle");
		CHECK_EQ(CALL(FS_DUP, hd, 0, NULL, 0, NULL, 0), -EBADF, "dup a bad handle");
		CHECK_EQ(CALL(FS_LEND, hd, 0, NULL, 0, NULL, 0), -EBADF, "lend a bad handle");
	}
	h = CALL(FS_OPEN, O_RDWR | O_CREAT, 0, "/t_hostile/f", 13, NULL, 0);
	CHECK(h > 0, "open: %ld", h);
	CHECK_EQ(CALL(FS_READ, h, FS_IO_MAX + 1, NULL, 0, big, sizeof(big)), -EINVAL,
	         "a read larger than FS_IO_MAX");
	CHECK_EQ(CALL(FS_READDIR, h, 64, NULL, 0, big, 64), -ENOTDIR, "readdir of a file");
	CHECK_EQ(CALL(FS_SEEK, h, -1, NULL, 0, NULL, 0), -EINVAL, "seek to -1 (SEEK_SET)");
	CHECK_EQ(CALL(FS_CLAIM, h, 12345, NULL, 0, NULL, 0), -EBADF, "claim a handle never lent");
	long lent = CALL(FS_LEND, h, 0, NULL, 0, NULL, 0);
	uint64_t token = m.w[0];
	CHECK(lent > 0, "lend: %ld", lent);
	CHECK_EQ(CALL(FS_CLAIM, lent, token + 1, NULL, 0, NULL, 0), -EBADF, "claim, wrong token");
	CHECK_EQ(CALL(FS_READ, lent, 1, NULL, 0, big, 1), -EBADF, "use a lent handle unclaimed");
	CHECK_EQ(CALL(FS_CLAIM, lent, token, NULL, 0, NULL, 0), 0, "claim with the token");
	CHECK_EQ(CALL(FS_CLAIM, lent, token, NULL, 0, NULL, 0), -EBADF, "claim twice");
	CHECK_EQ(CALL(FS_CLOSE, lent, 0, NULL, 0, NULL, 0), 0, "close the claimed handle");
	CHECK_EQ(CALL(FS_CLOSE, h, 0, NULL, 0, NULL, 0), 0, "close");
	CHECK_EQ(CALL(FS_LAST + 1, 0, 0, NULL, 0, NULL, 0), -ENOSYS, "an unknown label");
	CHECK_EQ(CALL(FS_FIRST - 1, 0, 0, NULL, 0, NULL, 0), -ENOSYS, "a label below the range");
	/* too many handles */
	int fds[FS_TASK_HANDLES + 1], opened = 0;
	long err = 0;
	for (int i = 0; i <= FS_TASK_HANDLES; i++) {
		long r = CALL(FS_OPEN, O_RDONLY, 0, "/t_hostile/f", 13, NULL, 0);
		if (r < 0) {
			err = r;
			break;
		}
		fds[opened++] = (int)r;
	}
	CHECK_EQ(err, -EMFILE, "open past FS_TASK_HANDLES");
	CHECK_EQ(opened, FS_TASK_HANDLES, "handles open at once");
	for (int i = 0; i < opened; i++)
		CALL(FS_CLOSE, fds[i], 0, NULL, 0, NULL, 0);
	/* a child that dies with files and a pipe open: the server closes them */
	long pid = child("holder", "", NULL);
	sleep_ms(300);
	kill(pid);
	waitfor(pid);
	sleep_ms(100);
	CHECK_EQ(unlink("f"), 0, "unlink");
	finish("/t_hostile");
	utest_ok("hostile: malformed requests get error codes; a dead client's handles close\n");
}

/* Pipes: data in order, a writer held while full, end of file, -EPIPE. */
static void pipes(void)
{
	start("/t_pipes");
	int p[2];
	char buf[64];
	CHECK_EQ(pipe(p), 0, "pipe");
	CHECK_EQ(write(p[1], "abc", 3), 3, "write a pipe");
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 3, "read a pipe");
	CHECK_EQ(lseek(p[0], 0, SEEK_SET), -ESPIPE, "seek a pipe");
	CHECK_EQ(close(p[1]), 0, "close the write end");
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0, "end of file without writers");
	close(p[0]);
	CHECK_EQ(pipe(p), 0, "pipe");
	close(p[0]);
	CHECK_EQ(write(p[1], "x", 1), -EPIPE, "write without readers");
	close(p[1]);
	/* a child writes 64 KiB, far more than the pipe holds: it waits for us */
	CHECK_EQ(pipe(p), 0, "pipe");
	long pid = child("pipewriter", "65536", (int[3]){ 0, p[1], 2 });
	CHECK(pid > 0, "spawn the writer: %ld", pid);
	close(p[1]);
	static uint8_t data[8192];
	long got = 0, bad = 0, n;
	sleep_ms(100);   /* let it fill the pipe and wait */
	while ((n = read(p[0], data, sizeof(data))) > 0) {
		for (long i = 0; i < n; i++)
			bad += data[i] != (uint8_t)((got + i) * 7);
		got += n;
	}
	CHECK_EQ(n, 0, "end of file after the writer ended");
	CHECK_EQ(got, 65536, "bytes through the pipe");
	CHECK_EQ(bad, 0, "bytes out of order or wrong");
	CHECK_EQ(waitfor(pid), 0, "the writer's status");
	close(p[0]);
	/* a reader whose writer is killed gets end of file */
	CHECK_EQ(pipe(p), 0, "pipe");
	pid = child("holder", "", (int[3]){ 0, p[1], 2 });
	close(p[1]);
	sleep_ms(200);
	kill(pid);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 0, "end of file when the writer is killed");
	waitfor(pid);
	close(p[0]);
	finish("/t_pipes");
	utest_ok("pipes: in order, a full pipe holds its writer, end of file, -EPIPE\n");
}

/* What a child inherits: 0, 1, 2 redirected to files, the working directory. */
static void inherit(void)
{
	char buf[256];
	start("/t_inherit");
	int out = open("out", O_WRONLY | O_CREAT | O_TRUNC);
	char *echo[] = { "echo", "hello", "from", "echo", NULL };
	long pid = spawn_fds(echo, (int[3]){ 0, out, 2 });
	CHECK_EQ(waitfor(pid), 0, "echo's status");
	pid = child("pwd", "", (int[3]){ 0, out, 2 });
	CHECK_EQ(waitfor(pid), 0, "the pwd child's status");
	close(out);
	CHECK_EQ(get("out", buf, sizeof(buf)), 27, "bytes the children wrote");
	CHECK(strcmp(buf, "hello from echo\n/t_inherit\n") == 0, "their output: \"%s\"", buf);
	int in = open("out", O_RDONLY);
	int o2 = open("copy", O_WRONLY | O_CREAT);
	pid = child("copy", "", (int[3]){ in, o2, 2 });
	CHECK_EQ(waitfor(pid), 0, "the copying child's status");
	close(in);
	close(o2);
	CHECK_EQ(get("copy", buf, sizeof(buf)), 27, "what the child copied from 0 to 1");
	char *none[] = { "nosuchprogram", NULL };
	struct fs_statfs mid;
	int fd = open("copy", O_RDONLY);
	fs_statfs(&mid);
	CHECK_EQ(spawn_fds(none, (int[3]){ fd, fd, fd }), -ENOENT, "spawn a missing program");
	struct fs_statfs after;
	fs_statfs(&after);
	CHECK_EQ(after.handles, mid.handles, "handles after a failed spawn");
	close(fd);
	unlink("out");
	unlink("copy");
	finish("/t_inherit");
	utest_ok("inherit: redirected 0/1/2 and the working directory pass to children\n");
}

/* Four children write files at once (on as many harts as there are). */
static void concurrent(void)
{
	start("/t_conc");
	long pids[4];
	char arg[4][4];
	for (int i = 0; i < 4; i++) {
		snprintf(arg[i], sizeof(arg[i]), "%d", i);
		pids[i] = child("writer", arg[i], NULL);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(waitfor(pids[i]), 0, "a writer's status");
	static uint32_t buf[1024];
	for (int i = 0; i < 4; i++) {
		char name[8];
		snprintf(name, sizeof(name), "w%d", i);
		int fd = open(name, O_RDONLY);
		long bad = 0, total = 0, n;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (long k = 0; k < n / 4; k++)
				bad += buf[k] != pattern((uint64_t)i << 32 | (uint64_t)(total / 4 + k));
			total += n;
		}
		close(fd);
		CHECK_EQ(total, 256 * 1024, "a writer's file size");
		CHECK_EQ(bad, 0, "wrong words in a writer's file");
		unlink(name);
	}
	finish("/t_conc");
	utest_ok("concurrent: 4 writers at once, every file intact\n");
}

/* Across a reboot (grade-fs.py boots twice on one disk): a file written
 * and synced, then found again with the same bytes. */
static const char persist_text[] = "this file survives a reboot\n";

static void persist_write(void)
{
	mkdir("/keep");
	CHECK_EQ(put("/keep/file", persist_text, O_TRUNC), (long)strlen(persist_text),
	         "write /keep/file");
	CHECK_EQ(sync(), 0, "sync");
	utest_ok("persist_write: /keep/file written and synced\n");
}

static void persist_check(void)
{
	char buf[128];
	CHECK_EQ(get("/keep/file", buf, sizeof(buf)), (long)strlen(persist_text),
	         "/keep/file after the reboot");
	CHECK(strcmp(buf, persist_text) == 0, "its contents: \"%s\"", buf);
	CHECK_EQ(unlink("/keep/file"), 0, "unlink it");
	CHECK_EQ(rmdir("/keep"), 0, "rmdir /keep");
	utest_ok("persist_check: /keep/file came back after the reboot\n");
}

/* The children's side. */
static int child_main(int argc, char **argv)
{
	const char *role = argv[2], *arg = argc > 3 ? argv[3] : "";
	if (strcmp(role, "holder") == 0) {   /* files and a pipe open, until killed */
		open("/t_hostile/f", O_RDONLY);
		open("/", O_RDONLY);
		int p[2];
		pipe(p);
		for (;;)
			sleep_ms(100000);
	}
	if (strcmp(role, "pipewriter") == 0) {
		static uint8_t data[4000];
		long total = atol(arg);
		for (long off = 0; off < total;) {
			long k = total - off < (long)sizeof(data) ? total - off : (long)sizeof(data);
			for (long i = 0; i < k; i++)
				data[i] = (uint8_t)((off + i) * 7);
			if (write(1, data, (size_t)k) != k)
				return 1;
			off += k;
		}
		return 0;
	}
	if (strcmp(role, "pwd") == 0) {
		printf("%s\n", getcwd());
		return 0;
	}
	if (strcmp(role, "copy") == 0) {
		char buf[512];
		long n;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(1, buf, (size_t)n) != n)
				return 1;
		return n < 0;
	}
	if (strcmp(role, "writer") == 0) {
		uint64_t w = (uint64_t)atol(arg);
		char name[8];
		snprintf(name, sizeof(name), "w%lu", w);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC);
		static uint32_t buf[1024];
		for (uint64_t off = 0; off < 256 * 1024; off += sizeof(buf)) {
			for (int k = 0; k < 1024; k++)
				buf[k] = pattern(w << 32 | (off / 4 + (uint64_t)k));
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				return 1;
		}
		return close(fd) < 0;
	}
	return 99;
}

static const struct utest_case cases[] = {
	{ "files", files },
	{ "dirs", dirs },
	{ "links", links },
	{ "big", big },
	{ "many", many },
	{ "hostile", hostile },
	{ "pipes", pipes },
	{ "inherit", inherit },
	{ "concurrent", concurrent },
	{ "persist_write", persist_write },
	{ "persist_check", persist_check },
};

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child_main(argc, argv);
	return utest_run(argc > 1 ? argv[1] : NULL, cases, sizeof(cases) / sizeof(cases[0]));
}
