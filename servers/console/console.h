/*
 * The console server's own declarations (its protocol, shared with the
 * clients, is include/mica/proto/console.h). One file per part:
 *   main.c    start-up, the receive loop and the handler table
 *   uart.c    the 16550 driver: its interrupt, the receive and transmit rings
 *   line.c    the line editor: keys become lines, with echo
 *   input.c   finished lines and the readers waiting for them; ^C
 *   output.c  writes, and the writers waiting for room
 * docs/console.md explains how they fit together.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "mica.h"
#include <mica/proto/console.h>

/* A handler answers with REPLY_LATER when the reply must wait (a CONS_READ
 * before a line is typed, a CONS_WRITE that does not fit yet), and the
 * answer goes out later with reply_later (user/lib/server.c). */

/* main.c */

/* uart.c */
#define UART_IRQ      10   /* the UART's PLIC source on QEMU virt */
#define UART_IRQ_BIT  0    /* the notification bit it arrives as */
long uart_init(void);
void uart_intr(void);
bool uart_getc(char *c);
size_t uart_write(const char *s, size_t n);
size_t uart_tx_room(void);
void uart_tx_start(void);
void uart_tx_wait(void);

/* line.c */
void line_key(char c);

/* input.c */
bool input_push(const char *line, size_t len);
void input_interrupt(void);
long input_read(struct req *r, size_t cap);
long input_set_fg(long caller, long pid);
void input_restore(const char *state);   /* a restarted console's saved state */

/* output.c */
long output_write(uint64_t sender, const char *data, size_t len);
void output_admit(void);

#endif
