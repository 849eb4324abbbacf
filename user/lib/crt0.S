/* A user program starts here: a0 is the argument its creator passed (for
 * the root task, the address of the boot info page). main's return value
 * becomes the exit code. */
	.section .text.start
	.globl _start
_start:
	call	main
	call	exit
1:	j	1b
