/*
 * srvfuzz: random and malformed messages to a server; it must answer each
 * with a result or an error and stay up.
 *
 *     srvfuzz SERVER SEED COUNT        (SERVER: fs or blk)
 *
 * Messages: labels around and inside the server's range, words drawn from
 * values that break servers (0, -1, huge, handles near the table's ends,
 * handles this program really holds), bulk data of every length up to the
 * limit with random bytes or a plausible path. Work goes on in /fz (fs).
 * Every 1,000 messages, and at the end, a known-good request must still
 * be answered correctly. Prints "srvfuzz: SERVER survived N messages"
 * only if it did; the grader then checks the server's counts.
 */
#include "utest.h"
#include <mica/proto/blk.h>

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *paths[] = {
	"/fz", "/fz/a", "/fz/b", "/fz/d", "/fz/d/x", "/fz/a/..", "/fz/../fz/a", "/..", "/",
	"/fz//a", "/fz/./b", "/fz/d/../../fz/a", "/fz/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "relative", "",
};

static uint64_t word(long held[], int nheld)
{
	switch (next() % 8) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return next();
	case 3: return next() % 16;
	case 4: return FS_HANDLES_MAX - 2 + next() % 4;
	case 5: return nheld ? (uint64_t)held[next() % (uint64_t)nheld] : 1;
	case 6: return 1UL << (next() % 64);
	default: return next() % 9000;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("usage: srvfuzz fs|blk SEED COUNT\n");
		return 2;
	}
	bool fs = strcmp(argv[1], "fs") == 0;
	rng = (uint64_t)atol(argv[2]) * 0x9e3779b97f4a7c15ULL + 1;
	long count = atol(argv[3]);
	long server = server_lookup(fs ? FS_NAME : BLK_NAME);
	CHECK(server > 0, "look the server up: %ld", server);
	if (server <= 0)
		return 1;
	uint64_t first = fs ? FS_FIRST : BLK_FIRST, last = fs ? FS_LAST : BLK_LAST;
	if (fs)
		mkdir("/fz");
	static uint8_t sbuf[IPC_BULK_MAX + 64], rbuf[IPC_BULK_MAX];
	long held[64];
	int nheld = 0;
	long errors = 0, ok = 0, held_calls = 0;
	prefault(sbuf, sizeof(sbuf), true);
	prefault(rbuf, sizeof(rbuf), true);
	printf("srvfuzz: %s, seed %s, %ld messages\n", argv[1], argv[2], count);
	for (long i = 0; i < count; i++) {
		struct msg m = { first - 2 + next() % (last - first + 5), { 0 } };
		for (int k = 0; k < IPC_MSG_WORDS; k++)
			m.w[k] = word(held, nheld);
		if (!fs && m.label == BLK_WRITE)
			m.w[0] = ~0UL - next() % 4;   /* never a real write: keep the disk */
		size_t slen = 0;
		switch (next() % 4) {
		case 0: break;
		case 1: {   /* a path, maybe two */
			const char *p = paths[next() % (sizeof(paths) / sizeof(paths[0]))];
			slen = strlen(p) + (next() % 4 ? 1 : 0);
			memcpy(sbuf, p, slen);
			if (next() % 2 && slen < 200) {
				const char *q = paths[next() % (sizeof(paths) / sizeof(paths[0]))];
				memcpy(sbuf + slen, q, strlen(q) + 1);
				slen += strlen(q) + 1;
			}
			break;
		}
		default:
			slen = next() % (IPC_BULK_MAX + 1);
			for (size_t k = 0; k < slen; k++)
				sbuf[k] = (uint8_t)next();
		}
		size_t rcap = next() % 3 ? sizeof(rbuf) : next() % 64;
		/* a pipe's read or write may rightly wait (we are its only other
		 * end): give up on the answer after a while, as a client may */
		struct ipc_args a = { .filter = (uint64_t)server, .timeout = 200, .sbuf = sbuf,
		                      .slen = slen, .rbuf = rbuf, .rcap = rcap };
		long r = ipc(IPC_CALL | (slen ? IPC_BULK_SEND : 0) | (rcap ? IPC_BULK_RECV : 0),
		             server, &m, &a, NULL);
		if (r == -ETIMEDOUT) {
			held_calls++;
			continue;
		}
		if (r < 0 && r != -EMSGSIZE) {
			CHECK(false, "message %ld (label %#lx): the call failed with %ld", i, m.label, r);
			break;
		}
		long res = (long)m.label;
		res < 0 ? errors++ : ok++;
		if (fs && res > 0 && res < FS_HANDLES_MAX && nheld < 64)
			held[nheld++] = res;   /* maybe a handle: try it later */
		if (i % 1000 == 999 || i == count - 1) {   /* still answering well? */
			struct msg probe = { fs ? FS_STATFS : BLK_INFO, { 0 } };
			long pr = ipc_call(server, &probe, 5000);
			CHECK(pr == 0 && probe.label == 0, "after %ld messages a good request gave %ld/%ld",
			      i + 1, pr, (long)probe.label);
			if (pr != 0 || probe.label != 0)
				break;
		}
	}
	printf("srvfuzz: %ld results, %ld errors, %ld held past 200 ms (pipes)\n", ok, errors,
	       held_calls);
	utest_ok("srvfuzz: %s survived %ld messages\n", argv[1], count);
	return utest_failures != 0;
}
