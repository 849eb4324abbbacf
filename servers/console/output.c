/*
 * Program output. A write goes into the UART's transmit ring whole: at
 * once if it fits, and its writer gets its reply at once. If it does not
 * fit, it waits, copied, in the `held` queue, and its writer waits for
 * its reply, until the transmit interrupt has made room. So the bytes of
 * two writes never mix, writes go out in the order they came, and the
 * server never waits for the UART while it could serve others.
 */
#include "console.h"

/* LAB console BEGIN */
#define HELD_MAX   8      /* writes waiting for room at once */
#define ECHO_ROOM  1024   /* transmit ring bytes writes leave for echo */

static struct held {
	uint64_t sender;      /* the writer's sender word */
	size_t len;
	char data[CONS_WRITE_MAX];
} held[HELD_MAX];
static unsigned held_head, nheld;

/* Is there room for a write of len bytes? Writes leave ECHO_ROOM free, so
 * that the keys a user types show even while programs fill the screen. */
static bool fits(size_t len)
{
	return len + ECHO_ROOM <= uart_tx_room();
}

/* CONS_WRITE of len bytes (1..CONS_WRITE_MAX): into the ring now if
 * nothing waits before it and it fits, else held (REPLY_LATER). */
long output_write(uint64_t sender, const char *data, size_t len)
{
	/* More writers than we can hold: let the UART take what it can
	 * without its interrupt, until the oldest held write fits. */
	while (nheld == HELD_MAX) {
		uart_tx_wait();
		output_admit();
	}
	if (nheld == 0 && fits(len)) {
		uart_write(data, len);
		return (long)len;
	}
	struct held *h = &held[(held_head + nheld++) % HELD_MAX];
	h->sender = sender;
	h->len = len;
	memcpy(h->data, data, len);
	return REPLY_LATER;
}

/* The transmitter made room: move the held writes that fit now into the
 * ring, oldest first, and answer their writers. */
void output_admit(void)
{
	while (nheld > 0 && fits(held[held_head].len)) {
		struct held *h = &held[held_head];
		uart_write(h->data, h->len);
		reply_later(h->sender, (long)h->len, NULL, 0);
		held_head = (held_head + 1) % HELD_MAX;
		nheld--;
	}
}
/* LAB console ELSE
long output_write(uint64_t sender, const char *data, size_t len)
{
	static bool said;
	(void)sender;
	if (!said)
		debug_printf("console: output_write not written yet (lab console): "
		             "writing through the kernel console\n");
	said = true;
	return debug_write(data, len);
}

void output_admit(void)
{
}
   LAB console END */
