/*
 * Kernel console output: printf, panic and the stack backtrace.
 * Output goes straight to the UART's transmit register (polling), so it
 * works from the first line of C and in a panic, with no interrupts.
 */
#include "kernel.h"
#include <mica/fmt.h>

#define UART_THR 0   /* transmit holding register */
#define UART_LSR 5   /* line status register */
#define LSR_THRE 0x20 /* transmitter can take a byte */

static struct spinlock print_lock;
static volatile int panicking;

static void uart_putc(char c)
{
	volatile uint8_t *uart = PA2KVA(UART0);
	while (!(uart[UART_LSR] & LSR_THRE))
		;
	uart[UART_THR] = c;
}

/* fmt_format's output: each character straight to the UART; a '\n'
 * becomes "\r\n" for terminals. */
static void out(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

static void kvprintf(const char *fmt, va_list ap)
{
	/* One lock around the whole message keeps harts' lines apart; a
	 * panicking hart prints without it so a lock held by a dead hart
	 * cannot mute it. */
	bool locked = !panicking;
	if (locked)
		spin_lock(&print_lock);
	fmt_format(out, NULL, fmt, ap);
	if (locked)
		spin_unlock(&print_lock);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* The symbol table, built into the image by the second link (Makefile,
 * kernel/mksyms.sh): (address, name) pairs of every function, sorted. */
struct ksym { uint64_t addr; const char *name; };
extern const struct ksym ksyms_table[];
extern const uint64_t ksyms_count;
extern char etext[];

/* Name the function containing addr; NULL if none. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	const struct ksym *best = NULL;
	for (uint64_t i = 0; i < ksyms_count && ksyms_table[i].addr <= addr; i++)
		best = &ksyms_table[i];
	if (!best || addr >= (uint64_t)etext)
		return NULL;
	*offset = addr - best->addr;
	return best->name;
}

/* LAB boot BEGIN */
/* Print the chain of return addresses starting at frame pointer fp.
 * GCC's RISC-V frame (with -fno-omit-frame-pointer): fp points just above
 * the frame; the return address is at fp-8, the caller's fp at fp-16.
 * Stop when fp leaves this hart's stack. */
void backtrace(uint64_t fp)
{
	uint64_t top = mycpu()->stack_top, bottom = top - KSTACK_SIZE;
	kprintf("backtrace:\n");
	for (int depth = 0; fp > bottom && fp <= top && depth < 32; depth++) {
		uint64_t ra = ((uint64_t *)fp)[-1], off = 0;
		const char *name = ksym_lookup(ra - 4, &off);
		kprintf("  %p %s+0x%lx\n", (void *)ra, name ? name : "?", off + 4);
		fp = ((uint64_t *)fp)[-2];
	}
}
/* LAB boot ELSE
void backtrace(uint64_t fp)
{
	(void)fp;
	kprintf("backtrace: not implemented (lab boot)\n");
}
   LAB boot END */

/* Report a kernel bug and stop every hart. Never called on user input. */
void panic(const char *fmt, ...)
{
	va_list ap;
	panicking = 1;
	kprintf("\npanic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace((uint64_t)__builtin_frame_address(0));
	if (trace_on)
		trace_dump();   /* the IPC trace up to the panic */
	sbi_shutdown(true);
}
