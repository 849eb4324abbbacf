/* Compile-time limits. Every kernel object comes from a fixed pool sized here. */
#ifndef PARAM_H
#define PARAM_H

#define NCPU          8      /* most harts Mica will start */
#define KSTACK_SIZE   32768  /* per-hart kernel stack */
#define NTASK         128    /* tasks alive at once, zombies included (NTASK_SLOTS) */
#define MAX_CHILDREN  16     /* live children of a task; the root task may have NTASK - 1 */
#define KPAGES_QUOTA  32     /* page-table pages a task may use: NTASK of these fit the kernel pool */
#define KPOOL_MAX     (24UL << 20)   /* kernel pool, besides the root's RAM window's tables */
#define MAX_RAM       (16UL << 30)   /* RAM Mica uses; the rest is ignored */
#define TICK_HZ       100    /* timer interrupts per second per hart */
#define SLICE_TICKS   2      /* time slice, in ticks */
#define NIRQ          64     /* interrupt numbers deliverable to user space */

#endif
