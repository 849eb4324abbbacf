/*
 * The benchmarks of user space (make bench, docs/bench.md), run by the
 * shell on one hart under -icount shift=0, where every instruction the
 * system executes is counted by that hart's instret: the program's own,
 * the kernel's and the servers'. Each figure is the median of several
 * rounds, printed as "BENCH key value" for grade/bench.py.
 */
#include "mica.h"
#include <mica/proto/super.h>

#define ROUNDS 15

static uint64_t samples[ROUNDS];

static uint64_t median(void)
{
	for (int i = 1; i < ROUNDS; i++)   /* insertion sort: 15 numbers */
		for (int j = i; j > 0 && samples[j - 1] > samples[j]; j--) {
			uint64_t t = samples[j];
			samples[j] = samples[j - 1];
			samples[j - 1] = t;
		}
	return samples[ROUNDS / 2];
}

/* A page fault resolved by the memory server: from the faulting store to
 * the store done, on a fresh heap page each round. */
static uint64_t page_fault(void)
{
	volatile uint8_t *heap = sbrk((ROUNDS + 1) * 4096L);
	if (!heap)
		return 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdinstret();
		heap[i * 4096] = 1;
		samples[i] = rdinstret() - t0;
	}
	return median();
}

/* spawn + exit + wait of the smallest program (true). */
static uint64_t spawn_wait(void)
{
	char *argv[] = { "true", NULL };
	for (int i = 0; i < ROUNDS; i++) {
		int status;
		uint64_t t0 = rdinstret();
		long pid = spawn(argv);
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
			return 0;
		samples[i] = rdinstret() - t0;
	}
	return median();
}

/* One 64-byte line through the console server: the call returns once the
 * line is in the server's output buffer (the UART drains it later). */
static uint64_t console_line(void)
{
	char line[64];
	memset(line, '.', sizeof(line));
	memcpy(line, "console_line:", 13);
	line[63] = '\n';
	for (int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = rdinstret();
		write(2, line, 64);
		samples[i] = rdinstret() - t0;
		sleep_ms(20);   /* let the UART drain: the next round finds room */
	}
	return median();
}

/* 4 KiB of a cached file read through the file system server, and 4 KiB
 * written (into the cache and the log's transaction; no sync). */
static uint64_t file_4k(bool writing)
{
	static char buf[4096];
	int fd = open("/bench.dat", O_RDWR | O_CREAT);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		return 0;
	for (int i = 0; i < ROUNDS + 1; i++) {   /* round 0 warms the cache up */
		lseek(fd, 0, SEEK_SET);
		uint64_t t0 = rdinstret();
		long n = writing ? write(fd, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
		uint64_t t = rdinstret() - t0;
		if (n != sizeof(buf))
			return 0;
		if (i > 0)
			samples[i - 1] = t;
	}
	close(fd);
	return median();
}

/* Create a file, write a byte, close it, remove it. */
static uint64_t fs_create_delete(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		char name[24];
		snprintf(name, sizeof(name), "/bench%d", i);
		uint64_t t0 = rdinstret();
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL);
		long n = write(fd, "x", 1);
		long c = close(fd);
		long u = unlink(name);
		samples[i] = rdinstret() - t0;
		if (fd < 0 || n != 1 || c < 0 || u < 0)
			return 0;
	}
	return median();
}

/* A byte to a child through one pipe and back through another. */
static uint64_t pipe_rt(void)
{
	int to[2], from[2];
	if (pipe(to) < 0 || pipe(from) < 0)
		return 0;
	char *argv[] = { "sysbench", "echo", NULL };
	long pid = spawn_fds(argv, (int[3]){ to[0], from[1], 2 });
	close(to[0]);
	close(from[1]);
	if (pid < 0)
		return 0;
	char c = 'x';
	for (int i = 0; i < ROUNDS + 1; i++) {
		uint64_t t0 = rdinstret();
		long w = write(to[1], &c, 1);
		long r = read(from[0], &c, 1);
		uint64_t t = rdinstret() - t0;
		if (w != 1 || r != 1)
			return 0;
		if (i > 0)
			samples[i - 1] = t;
	}
	close(to[1]);   /* the child reads end of file and ends */
	close(from[0]);
	int status;
	waitpid(pid, &status, 0);
	return median();
}

/* The child of pipe_rt: every byte read from 0 goes back on 1, unbuffered. */
static int echo_child(void)
{
	int out = (int)dup(1);
	char c;
	while (read(0, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			return 1;
	return 0;
}

/* KiB of RAM in use: the kernel pool's used pages and every frame the
 * memory server has lent (its frame table included), less this program's. */
static uint64_t idle_memory_kib(void)
{
	static struct mem_procinfo rows[MEM_PS_MAX];
	struct mem_stats st;
	if (mem_stats(&st) < 0)
		return 0;
	uint64_t mine = 0;
	long n = ps(rows, MEM_PS_MAX);
	for (long i = 0; i < n; i++)
		if (rows[i].pid == getpid())
			mine = rows[i].frames;
	uint64_t kpages = (uint64_t)ktest(KTEST_KPOOL) - st.free_kpages;
	return (kpages + st.total_frames - st.free_frames - mine) * 4;
}

/* The first request a restarted server answers: a newline to the console
 * (the library finds the new console on its own), a stat of / to the file
 * system (whose first try fails: the handle of the dead one is forgotten). */
static long console_request(void)
{
	return write(1, "\n", 1);
}

static long fs_request(void)
{
	struct fs_stat st;
	long r = -EIO;
	for (int i = 0; i < 3 && r < 0; i++)
		r = stat("/", &st);
	return r;
}

/* A server's restart: from the request that makes it fault (SUPER_CRASH),
 * through its death, the supervisor starting it again and it recovering
 * (the console its line state, the fs its log), to the first request the
 * new server answers. */
static uint64_t restart(const char *name, long (*request)(void))
{
	struct super_info rows[SUPER_SERVERS];
	long n = super_list(rows, SUPER_SERVERS), i = 0;
	while (i < n && strcmp(rows[i].name, name) != 0)
		i++;
	if (i == n)
		return 0;
	uint32_t base = rows[i].restarts;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = rdinstret();
		if (super_crash(name) < 0 || super_wait(name, base + (uint32_t)r + 1) < 0 ||
		    request() < 0)
			return 0;
		samples[r] = rdinstret() - t0;
	}
	return median();
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "echo") == 0)
		return echo_child();
	uint64_t idle = idle_memory_kib();   /* first: before our heap grows */
	printf("BENCH idle_memory_kib %lu\n", idle);
	printf("BENCH page_fault %lu\n", page_fault());
	printf("BENCH spawn_wait %lu\n", spawn_wait());
	printf("BENCH console_line %lu\n", console_line());
	printf("BENCH file_read_4k %lu\n", file_4k(false));
	printf("BENCH file_write_4k %lu\n", file_4k(true));
	printf("BENCH fs_create_delete %lu\n", fs_create_delete());
	printf("BENCH pipe_rt %lu\n", pipe_rt());
	unlink("/bench.dat");
	sync();
	printf("BENCH restart_console %lu\n", restart("console", console_request));
	printf("BENCH restart_fs %lu\n", restart("fs", fs_request));
	printf("sysbench: done\n");
	return 0;
}
