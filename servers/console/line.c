/*
 * The line editor ("cooked mode"): the keys typed on the terminal become
 * lines. A program reads nothing until its line is finished, and until
 * then the line can be edited: the server, not the program, echoes each
 * key and handles backspace, ^U, ^C and ^D. The keys are those of
 * include/mica/proto/console.h.
 */
#include "console.h"

static char line[CONS_LINE_MAX];   /* the line being typed */
static size_t len;                 /* its length: at most CONS_LINE_MAX - 1 */

/* Echo text to the terminal. Echo may use all of the transmit ring (writes
 * leave it room), and what does not fit is dropped, never waited for. */
static void echo(const char *s)
{
	uart_write(s, strlen(s));
}

/* Take back the last character typed, on the line and on the screen. */
static __attribute__((unused)) void erase(void)
{
	len--;
	echo("\b \b");
}

/* The line is finished: by Enter (with_newline) or by ^D. Hand it to the
 * readers; if the queue of finished lines is full, ring the bell and keep
 * it, so the user can press Enter again once a program has read. */
static __attribute__((unused)) void finish(bool with_newline)
{
	if (with_newline)
		line[len] = '\n';
	if (!input_push(line, len + with_newline)) {
		echo("\a");
		return;
	}
	if (with_newline)
		echo("\n");
	len = 0;
}

/* LAB console BEGIN */
/* One key from the terminal. Enter comes as '\r' from a terminal and as
 * '\n' from a pipe; a terminal that sends both ("\r\n") gives one Enter. */
void line_key(char c)
{
	static bool after_cr;
	bool cr_lf = after_cr && c == '\n';
	after_cr = c == '\r';
	if (cr_lf)
		return;
	switch (c) {
	case '\r':
	case '\n':
		finish(true);
		break;
	case KEY_BS:
	case KEY_DEL:
		if (len > 0)
			erase();
		break;
	case KEY_KILL:
		while (len > 0)
			erase();
		break;
	case KEY_EOF:   /* on an empty line: end of input (a read of 0 bytes) */
		finish(false);
		break;
	case KEY_INTR:
		len = 0;
		echo("^C\n");
		input_interrupt();
		break;
	default:
		if (c < ' ' || c > '~')
			break;   /* other control keys and non-ASCII bytes mean nothing here */
		if (len == CONS_LINE_MAX - 1) {
			echo("\a");   /* the line is full: only its '\n' still fits */
			break;
		}
		line[len++] = c;
		uart_write(&c, 1);
	}
}
/* LAB console ELSE
void line_key(char c)
{
	(void)c;
	debug_printf("console: line_key not written yet (lab console): key ignored\n");
}
   LAB console END */
