/*
 * The console server: the UART driver and line editor behind every
 * program's standard input and output (fds 0, 1 and 2, user/lib/io.c).
 * init spawns it with SPAWN_DEV_UART: the UART's registers mapped at
 * DEV_VA and the right to take its interrupt.
 *
 * The loop: receive a request or the UART's interrupt notification; for a
 * request, look its handler up by label in the table below and reply with
 * the result, receiving the next message in the same IPC_REPLY_RECV. A
 * handler that cannot answer yet (a read before a line is typed) returns
 * REPLY_LATER and the answer goes out later with reply_later, so the
 * server never waits for one client while others want it. The protocol
 * is include/mica/proto/console.h.
 *
 * The console never writes through its own protocol (printf, write): that
 * would be a call to itself, which never returns. It reports with
 * debug_printf, through the kernel console.
 */
#include "console.h"

typedef long (*cons_handler)(struct req *r);

/* CONS_WRITE: bulk = the bytes; the kernel bounds them by our buffer,
 * CONS_WRITE_MAX. */
static long cons_write(struct req *r)
{
	if (r->len == 0)
		return 0;
	return output_write(r->sender, r->data, r->len);
}

/* CONS_READ: w0 = the capacity of the reader's buffer; a line longer than
 * CONS_LINE_MAX cannot be typed, so a larger capacity takes the same. */
static long cons_read(struct req *r)
{
	uint64_t cap = r->m->w[0];
	if (cap == 0)
		return -EINVAL;
	return input_read(r, cap < CONS_LINE_MAX ? cap : CONS_LINE_MAX);
}

/* CONS_SET_FG: w0 = pid, 0 for none. */
static long cons_set_fg(struct req *r)
{
	int64_t pid = (int64_t)r->m->w[0];
	if (pid < 0)
		return -EINVAL;
	return input_set_fg(TID_TASK(r->sender), pid);
}

static const cons_handler handlers[CONS_LAST - CONS_FIRST + 1] = {
	[CONS_WRITE - CONS_FIRST] = cons_write,
	[CONS_READ - CONS_FIRST] = cons_read,
	[CONS_SET_FG - CONS_FIRST] = cons_set_fg,
};

/* A key for the kernel's debugging views rather than for the line editor?
 * The kernel prints on its own console; our output waits meanwhile. */
static bool debug_key(char c)
{
	if (c != KEY_WAITS && c != KEY_TRACE)
		return false;
	long r = trace_ctl(c == KEY_WAITS ? TRACE_WAITS : TRACE_DUMP);
	if (r < 0)
		debug_printf("console: the kernel cannot show that: error %ld\n", -r);
	return true;
}

/* The UART interrupted: serve the device, let the line editor have the
 * keys, let held writes into the room output made, then tell the kernel
 * the UART is served so that the PLIC delivers its interrupt again. */
static void console_intr(void)
{
	uart_intr();
	char c;
	while (uart_getc(&c))
		if (!debug_key(c))
			line_key(c);
	output_admit();
	irq_ack(UART_IRQ);
}

/* Handle one message; the result becomes the reply's label. A message from
 * the kernel (sender 0) is a notification and gets no reply. */
static long dispatch(struct req *r)
{
	uint64_t label = r->m->label;
	if (r->sender == 0) {
		if (label == LABEL_NOTIFY && (r->m->w[0] & (1UL << UART_IRQ_BIT)))
			console_intr();
		return REPLY_LATER;
	}
	if (label < CONS_FIRST || label > CONS_LAST)
		return -ENOSYS;
	return handlers[label - CONS_FIRST](r);
}

int main(int argc, char **argv)
{
	input_restore(server_state(argc, argv));
	long err = uart_init();
	if (err < 0) {
		debug_printf("console: cannot drive the UART (error %ld): "
		             "init must spawn me with SPAWN_DEV_UART\n", err);
		return 1;
	}
	err = server_register(CONS_NAME);
	if (err < 0) {
		debug_printf("console: cannot register as \"%s\" (error %ld)\n", CONS_NAME, err);
		return 1;
	}
	static char inbuf[CONS_WRITE_MAX];
	server_loop(dispatch, inbuf, sizeof(inbuf));
}
