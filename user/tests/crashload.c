/*
 * crashload: a write-heavy workload for the crash test (grade/crashtest.py).
 *
 * It makes files of many sizes under /crash, renames and removes some,
 * appends to a journal file, and every few steps fsyncs a file. After each
 * fsync returns it prints
 *
 *     SYNCED <path> <bytes> <fnv1a32 of those bytes> <device writes>
 *
 * where <device writes> is how many writes the block driver had completed
 * then (BLK_INFO). A disk cut off after W >= that many writes must hold
 * the file with at least those bytes: a synced file is never truncated,
 * moved or removed later, only appended to. Files never synced may be
 * there or not, but the file system must be consistent either way.
 *
 *     crashload [SEED [STEPS]]
 */
#include "mica.h"
#include <mica/proto/blk.h>

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static long blk;

static uint64_t device_writes(void)
{
	struct msg m = { BLK_INFO, { 0 } };
	if (ipc_call(blk, &m, IPC_FOREVER) < 0 || (long)m.label < 0)
		return ~0UL;
	return m.w[1];
}

static uint8_t data[64 * 1024];

/* Fill data with n bytes for file number k; their checksum. */
static uint32_t fill(uint64_t k, size_t n)
{
	uint64_t z = k * 0x9e3779b97f4a7c15ULL + 1;
	for (size_t i = 0; i < n; i++) {
		z ^= z << 13;
		z ^= z >> 7;
		z ^= z << 17;
		data[i] = (uint8_t)z;
	}
	return fnv(2166136261u, data, n);
}

static int fail(const char *what, const char *path, long err)
{
	printf("crashload: %s %s: %s\n", what, path, strerror(err));
	return 1;
}

int main(int argc, char **argv)
{
	rng = argc > 1 ? (uint64_t)atol(argv[1]) * 2654435761u + 7 : 7;
	int steps = argc > 2 ? (int)atol(argv[2]) : 120;
	blk = server_lookup(BLK_NAME);
	if (blk < 0)
		return fail("look up", BLK_NAME, blk);
	long err = mkdir("/crash");
	if (err < 0 && err != -EEXIST)
		return fail("mkdir", "/crash", err);
	int journal = open("/crash/journal", O_WRONLY | O_CREAT | O_APPEND);
	if (journal < 0)
		return fail("open", "/crash/journal", journal);
	uint32_t jsum = 2166136261u;
	uint64_t jlen = 0;
	char path[64], path2[64];
	for (int step = 0; step < steps; step++) {
		uint64_t r = next();
		size_t n = 1 + r % (r & 1 ? 4096 : sizeof(data));
		snprintf(path, sizeof(path), "/crash/f%03d", step);
		uint32_t sum = fill((uint64_t)step, n);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC);
		if (fd < 0)
			return fail("open", path, fd);
		if ((err = write(fd, data, n)) != (long)n)
			return fail("write", path, err);
		bool keep = step % 3 == 0;
		if (keep) {   /* this one is synced, and then left alone */
			if ((err = fsync(fd)) < 0)
				return fail("fsync", path, err);
			printf("SYNCED %s %lu %u %lu\n", path, (unsigned long)n, sum,
			       (unsigned long)device_writes());
		}
		close(fd);
		if (!keep && step % 3 == 1) {   /* renamed: whole or absent */
			snprintf(path2, sizeof(path2), "/crash/r%03d", step);
			if ((err = rename(path, path2)) < 0)
				return fail("rename", path, err);
		} else if (!keep && (err = unlink(path)) < 0) {   /* an unsynced file removed */
			return fail("unlink", path, err);
		}
		/* the journal grows, and is synced now and then */
		char line[80];
		int k = snprintf(line, sizeof(line), "step %d wrote %s %lu\n", step, path,
		                 (unsigned long)n);
		if ((err = write(journal, line, (size_t)k)) != k)
			return fail("write", "/crash/journal", err);
		jsum = fnv(jsum, (const uint8_t *)line, (size_t)k);
		jlen += (uint64_t)k;
		if (step % 5 == 4) {
			if ((err = fsync(journal)) < 0)
				return fail("fsync", "/crash/journal", err);
			printf("SYNCED /crash/journal %lu %u %lu\n", (unsigned long)jlen, jsum,
			       (unsigned long)device_writes());
		}
	}
	close(journal);
	sync();
	printf("crashload: done, %lu device writes\n", (unsigned long)device_writes());
	return 0;
}
