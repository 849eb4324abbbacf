/* A user program starts here with a0 = the argument its creator passed:
 * the boot info page for a root task, the start-up block (struct
 * mem_startinfo) for a program the memory server spawned. start_c
 * (start.c) calls main and exits with its return value. */
	.section .text.start
	.globl _start
_start:
	call	start_c
1:	j	1b
