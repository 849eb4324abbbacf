/*
 * The UART driver: a 16550 (National Semiconductor PC16550D data sheet)
 * whose registers the memory server mapped at DEV_VA for us. It works by
 * interrupts: the kernel turns the UART's PLIC source into notification
 * bit UART_IRQ_BIT (kernel/irq.c), main.c calls uart_intr when the bit
 * comes, and acknowledges the interrupt afterwards with irq_ack.
 *
 * Received bytes wait in the `rx` ring until the line editor takes them;
 * bytes to send (program output and echo) wait in the `tx` ring until the
 * transmitter can take them. The kernel also prints on this UART, by
 * polling (kernel/printf.c): its messages may come between ours.
 */
#include "console.h"

/* Registers: byte offsets from DEV_VA. */
#define UART_RBR 0   /* receive buffer (read) */
#define UART_THR 0   /* transmit holding (write) */
#define UART_IER 1   /* interrupt enable */
#define UART_FCR 2   /* FIFO control (write) */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */

#define IER_RX     0x01   /* interrupt when a received byte waits */
#define IER_TX     0x02   /* interrupt when the transmit FIFO is empty */
#define FCR_FIFO   0x01   /* FIFOs on; interrupt at 1 received byte */
#define MCR_OUT2   0x08   /* on PC-style boards this gates the interrupt line */
#define LSR_DR     0x01   /* a received byte waits in RBR */
#define LSR_THRE   0x20   /* the transmit FIFO is empty */
#define TX_FIFO    16     /* bytes the transmit FIFO takes when it is empty */

#define RX_SIZE    256      /* ring sizes: powers of two */
#define TX_SIZE    16384

static volatile uint8_t *const uart = (volatile uint8_t *)DEV_VA;

/* A ring of bytes over an array of `size` bytes: head and tail count up
 * forever (wrapping at 2^32, a multiple of size); the ring holds head - tail
 * bytes, the oldest at [tail % size]. */
struct ring {
	uint32_t head, tail;
};

static struct ring rx, tx;
static char rx_buf[RX_SIZE], tx_buf[TX_SIZE];
static uint8_t ier;        /* what IER holds */

static void set_ier(uint8_t v)
{
	if (v != ier)
		uart[UART_IER] = ier = v;
}

/* Take over the UART. OpenSBI set it up (baud rate, 8 data bits in LCR)
 * and we keep that; the FIFOs and interrupts are ours. The FIFOs are not
 * emptied (FCR bits 1, 2): the kernel may be sending a message. Needs the
 * rights init asks for with SPAWN_DEV_UART: -EPERM without them. */
long uart_init(void)
{
	long err = irq_register(UART_IRQ, UART_IRQ_BIT);
	if (err < 0)
		return err;   /* no right to the interrupt: DEV_VA is not ours either */
	uart[UART_FCR] = FCR_FIFO;
	uart[UART_MCR] |= MCR_OUT2;
	uart[UART_IER] = ier = IER_RX;   /* whatever a console before us left there */
	return 0;
}

/* The next received byte, if there is one. */
bool uart_getc(char *c)
{
	if (rx.head == rx.tail)
		return false;
	*c = rx_buf[rx.tail++ % RX_SIZE];
	return true;
}

/* Room left in the transmit ring, in bytes. */
size_t uart_tx_room(void)
{
	return TX_SIZE - (tx.head - tx.tail);
}

/* Queue up to n bytes for sending and start the transmitter. Returns how
 * many fitted (the rest is dropped: callers check uart_tx_room first). */
size_t uart_write(const char *s, size_t n)
{
	size_t room = uart_tx_room();
	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++)
		tx_buf[tx.head++ % TX_SIZE] = s[i];
	uart_tx_start();
	return n;
}

/* LAB console BEGIN */
static bool cr_sent;       /* the '\r' for the '\n' at tx.tail went out */

/* Give the transmitter the next byte of the ring. A '\n' goes out as
 * "\r\n", which is what a terminal needs to start a new line. */
static void tx_next(void)
{
	char c = tx_buf[tx.tail % TX_SIZE];
	if (c == '\n' && !cr_sent) {
		uart[UART_THR] = '\r';
		cr_sent = true;
		return;
	}
	uart[UART_THR] = (uint8_t)c;
	cr_sent = false;
	tx.tail++;
}

/* Fill the transmit FIFO from the ring, TX_FIFO bytes each time it is
 * empty, and ask for the transmit interrupt while bytes remain: it comes
 * when the FIFO is empty again. */
void uart_tx_start(void)
{
	while (tx.head != tx.tail && (uart[UART_LSR] & LSR_THRE))
		for (int i = 0; i < TX_FIFO && tx.head != tx.tail; i++)
			tx_next();
	set_ier(tx.head != tx.tail ? IER_RX | IER_TX : IER_RX);
}

/* The UART interrupted. Notifications coalesce, so the cause is not
 * trusted: take every byte the receiver holds (a full rx ring drops the
 * rest), then refill the transmitter. Both clear their interrupt
 * condition, so the PLIC sees the line low when main.c acknowledges. */
void uart_intr(void)
{
	while (uart[UART_LSR] & LSR_DR) {
		uint8_t c = uart[UART_RBR];
		if (rx.head - rx.tail < RX_SIZE)
			rx_buf[rx.head++ % RX_SIZE] = (char)c;
	}
	uart_tx_start();
}
/* LAB console ELSE
void uart_tx_start(void)
{
	static bool said;
	if (!said)
		debug_printf("console: uart_tx_start not written yet (lab console): no output\n");
	said = true;
}

void uart_intr(void)
{
	set_ier(0);   // stop the interrupts nobody serves, or they would come forever
	debug_printf("console: uart_intr not written yet (lab console): no input\n");
}
   LAB console END */

/* Wait until the transmitter can take bytes and give it some, without the
 * interrupt: for output_write when even its queue of waiting writes is
 * full. Yields rather than spins, for the UART may stall for as long as
 * the terminal does not read. */
void uart_tx_wait(void)
{
	while (!(uart[UART_LSR] & LSR_THRE))
		yield();
	uart_tx_start();
}
