/*
 * restarttest: a server killed or crashed again and again under a client's
 * load; the system must recover each time (docs/restart.md).
 *
 *     restarttest console N     a thread prints lines all along; the
 *                               console server is crashed (odd rounds) or
 *                               killed (even rounds) N times. Every write
 *                               must succeed, and lines must come out after
 *                               each restart.
 *     restarttest fs N          a thread writes files all along, each made
 *                               whole in /rt/tmp, fsynced, renamed over
 *                               /rt/fK and synced; the fs server is crashed
 *                               or killed N times. After each restart every
 *                               /rt/fK is whole, and no older than the last
 *                               one seen synced; a file held open across the
 *                               crash fails with an error, it does not hang.
 *
 *     restarttest giveup        with faults injected into the fs server
 *                               (boot argument inject=fs:N), ask it for
 *                               files until the supervisor gives up on it:
 *                               that must be after SUPER_BURST deaths, and
 *                               the rest of the system must go on.
 *
 * Run by init (run=restarttest ...): it asks the supervisor to crash or kill
 * the server and waits (SUPER_WAIT) until it is back. Prints "restarttest:
 * SERVER: N recoveries ..." and, only if every check passed,
 * "restarttest: SERVER OK".
 */
#include "utest.h"
#include <mica/proto/super.h>

#define FILES      8
#define FILE_MAX   6000
#define WAIT_MS    10000

static volatile bool stop, writer_done;
static volatile long lines, write_errors, files_synced, fs_errors;
static volatile uint32_t lock;             /* the writer's fs work vs our checks */
static volatile long synced[FILES];        /* generation last known synced, -1: none */
static uint8_t stack[16384] __attribute__((aligned(16)));

static void lock_take(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		yield();
}

static void lock_give(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

/* ---- console ---- */

static noreturn void console_writer(uint64_t arg)
{
	(void)arg;
	char line[48];
	while (!stop) {
		int n = snprintf(line, sizeof(line), "restarttest: line %ld\n", lines);
		long r = write(1, line, (size_t)n);
		if (r != n)
			write_errors++;
		lines++;
		sleep_ms(20);
	}
	writer_done = true;
	thread_exit();
}

/* ---- fs ---- */

/* File generation gen: a header saying what it is, then bytes that follow
 * from it, so that a reader can tell a whole file from a torn one. */
static size_t file_make(long gen, char *buf)
{
	size_t len = 100 + (size_t)(gen * 977 % (FILE_MAX - 100));
	int h = snprintf(buf, 32, "gen %08ld len %05lu\n", gen, (unsigned long)len);
	for (size_t i = (size_t)h; i < len; i++)
		buf[i] = (char)('a' + (gen + (long)i) % 26);
	return len;
}

/* Read back /rt/fK: its generation if whole, -1 if missing, -2 if torn. */
static long file_check(int k)
{
	static char got[FILE_MAX + 16], want[FILE_MAX];
	char path[16];
	snprintf(path, sizeof(path), "/rt/f%d", k);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fd == -ENOENT ? -1 : fd;
	size_t n = 0;
	long r;
	while ((r = read(fd, got + n, sizeof(got) - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (r < 0)
		return r;
	long gen = n > 4 ? atol(got + 4) : -1;
	if (gen < 0 || n != file_make(gen, want) || memcmp(got, want, n) != 0)
		return -2;
	return gen;
}

static noreturn void fs_writer(uint64_t arg)
{
	(void)arg;
	static char buf[FILE_MAX];
	for (long gen = 0; !stop; gen++) {
		int k = (int)(gen % FILES);
		char path[16];
		snprintf(path, sizeof(path), "/rt/f%d", k);
		size_t len = file_make(gen, buf);
		lock_take();
		int fd = open("/rt/tmp", O_WRONLY | O_CREAT | O_TRUNC);
		long r = fd;
		if (fd >= 0) {
			r = write(fd, buf, len);
			r = r == (long)len ? fsync(fd) : (r < 0 ? r : -EIO);
			long c = close(fd);
			r = r < 0 ? r : c;
		}
		if (r >= 0)
			r = rename("/rt/tmp", path);
		if (r >= 0)
			r = sync();
		if (r >= 0) {
			synced[k] = gen;
			files_synced++;
		} else {
			fs_errors++;   /* the server died under it: the next file, afresh */
		}
		lock_give();
		yield();   /* on one hart, let the checks have the lock between files */
		if (r < 0)
			sleep_ms(5);
	}
	writer_done = true;
	thread_exit();
}

/* Every file whole and no older than the writer last saw synced. */
static void check_files(long round)
{
	lock_take();
	for (int k = 0; k < FILES; k++) {
		long gen = file_check(k);
		CHECK(gen >= synced[k] || (synced[k] < 0 && gen == -1),
		      "round %ld: /rt/f%d is %s (generation %ld; %ld was synced)", round, k,
		      gen == -2 ? "torn" : gen == -1 ? "missing" : gen < -2 ? "unreadable" : "older",
		      gen, synced[k]);
	}
	lock_give();
}

/* ---- the rounds ---- */

/* The supervisor's row for server `name`. */
static bool info_of(const char *name, struct super_info *out)
{
	struct super_info rows[SUPER_SERVERS];
	long n = super_list(rows, SUPER_SERVERS);
	for (long i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0) {
			*out = rows[i];
			return true;
		}
	return false;
}

/* restarttest giveup: fs faults at random (inject=fs:N); keep asking it. */
static int giveup(void)
{
	struct super_info fs = { 0 };
	CHECK(info_of("fs", &fs) && fs.inject > 0, "fs has no faults injected (inject=fs:N)");
	long asked = 0, answered = 0;
	uint64_t t0 = time_ns();
	while (info_of("fs", &fs) && fs.state != SERVER_GIVEN_UP &&
	       time_ns() - t0 < 60 * 1000000000UL) {
		struct fs_stat st;
		answered += stat("/", &st) == 0;
		asked++;
	}
	CHECK_EQ(fs.state, SERVER_GIVEN_UP, "the fs server's state after a minute of faults");
	CHECK_EQ(fs.deaths, SUPER_BURST, "deaths before it was given up");
	CHECK_EQ(fs.restarts, SUPER_BURST - 1, "restarts before it was given up");
	struct fs_stat st;
	CHECK_EQ(stat("/", &st), -ENODEV, "a request with no fs server");
	printf("restarttest: giveup: fs answered %ld of %ld requests, died %u times, "
	       "given up after %u restarts\n", answered, asked, fs.deaths, fs.restarts);
	utest_ok("restarttest: giveup OK\n");
	return utest_failures != 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "giveup") == 0)
		return giveup();
	if (argc < 3 || (strcmp(argv[1], "console") != 0 && strcmp(argv[1], "fs") != 0)) {
		printf("usage: restarttest console|fs N, or restarttest giveup\n");
		return 2;
	}
	const char *name = argv[1];
	bool fs = strcmp(name, "fs") == 0;
	long rounds = atol(argv[2]);
	struct super_info info;
	long base = info_of(name, &info) ? (long)info.restarts : -ENOENT;
	CHECK(base >= 0, "the supervisor does not run %s: %ld", name, base);
	if (base < 0)
		return 1;
	for (int k = 0; k < FILES; k++)
		synced[k] = -1;
	if (fs) {
		mkdir("/rt");
		for (int k = 0; k < FILES; k++) {
			char path[16];
			snprintf(path, sizeof(path), "/rt/f%d", k);
			unlink(path);
		}
	}
	printf("restarttest: %s, %ld rounds\n", name, rounds);
	long t = thread_create(0, fs ? fs_writer : console_writer, stack + sizeof(stack), 0,
	                       PRIO_DEFAULT - 1, -1);   /* an ordinary program's */
	CHECK(t > 0, "start the load thread: %ld", t);
	long recovered = 0, stale_ok = 0;
	for (long round = 1; round <= rounds && !utest_failures; round++) {
		long before = fs ? files_synced : lines;
		uint64_t t0 = time_ns();
		while ((fs ? files_synced : lines) < before + 2 && time_ns() - t0 < WAIT_MS * 1000000UL)
			sleep_ms(5);   /* the load is running */
		CHECK((fs ? files_synced : lines) >= before + 2, "round %ld: the %s made no progress",
		      round, fs ? "writer" : "printer");
		int held = -1;   /* a file open across the crash (the lock: one fd table) */
		if (fs) {
			lock_take();
			held = open("/rt/f0", O_RDONLY);
			lock_give();
		}
		long pid = round % 2 ? super_crash(name) : super_kill(name);
		CHECK(pid > 0, "round %ld: %s %s: %ld", round, round % 2 ? "crash" : "kill", name, pid);
		long back = super_wait(name, (uint32_t)(base + round));
		CHECK(back > 0 && back != pid, "round %ld: %s did not come back: %ld", round, name, back);
		if (back > 0)
			recovered++;
		if (held >= 0) {
			char c;
			lock_take();
			long r = read(held, &c, 1);
			CHECK(r == -ESTALE || r == -EDEAD, "round %ld: a read of a file opened before the "
			      "restart gave %ld, want -ESTALE", round, r);
			stale_ok += r == -ESTALE || r == -EDEAD;
			close(held);
			lock_give();
		}
		if (fs)
			check_files(round);
	}
	stop = true;
	for (int i = 0; i < 500 && !writer_done; i++)
		sleep_ms(10);
	CHECK(writer_done, "the load thread did not stop");
	if (fs) {
		check_files(rounds + 1);
		printf("restarttest: fs: %ld recoveries, %ld files synced, %ld writes cut short, "
		       "%ld stale handles refused\n", recovered, files_synced, fs_errors, stale_ok);
	} else {
		CHECK_EQ(write_errors, 0, "writes that failed across console restarts");
		printf("restarttest: console: %ld recoveries, %ld lines printed, %ld failed\n", recovered,
		       lines, write_errors);
	}
	CHECK_EQ(recovered, rounds, "recoveries");
	utest_ok("restarttest: %s OK\n", name);
	return utest_failures != 0;
}
