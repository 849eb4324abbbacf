/* The user half of every address space, as the kernel and user programs
 * both see it (kernel/memlayout.h has the kernel half). Safe to include
 * from assembly. */
#ifndef MICA_LAYOUT_H
#define MICA_LAYOUT_H

#define USER_TOP        0x4000000000UL   /* end of the lower half (256 GiB) */
#define USER_MIN        0x10000UL        /* nothing maps below: a null pointer faults */
#define USTACK_TOP_USER 0x80000000UL     /* top of a program's first stack */
#define BOOTINFO_VA     0x3f000000UL     /* root task: the boot info page */
#define BOOTFS_VA       0x3e000000UL     /* root task: the program archive */
#define WINDOW_VA       0x2000000000UL   /* root task: its RAM, mapped whole */

#endif
