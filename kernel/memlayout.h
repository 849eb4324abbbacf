/*
 * Mica's memory layout. docs/memory.md draws it.
 *
 * Physical (QEMU virt):
 *   0x0c000000  PLIC
 *   0x10000000  UART 16550
 *   0x10001000  virtio-mmio slots, 0x1000 apart (8 of them)
 *   0x80000000  OpenSBI (firmware, protected by PMP)
 *   0x80200000  the kernel image, then free RAM to the end the device tree gives
 *
 * Virtual (Sv39, every address space):
 *   0x0000000000000000 .. USER_TOP       the task's own pages (user mappings)
 *   KERNBASE + pa                        all of RAM and the devices, kernel only,
 *                                        global (G): the "direct map"
 * The kernel image runs inside the direct map (linked at KERNBASE + 0x80200000),
 * so one offset converts between kernel virtual and physical addresses.
 */
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#include <mica/layout.h>   /* USER_TOP and the user half */

#define KERNBASE      0xffffffc000000000UL   /* first address of the upper half */
#define RAM_BASE      0x80000000UL

#define UART0         0x10000000UL
#define UART0_IRQ     10
#define VIRTIO0       0x10001000UL
#define VIRTIO_COUNT  8
#define VIRTIO0_IRQ   1
#define PLIC          0x0c000000UL
#define PLIC_SIZE     0x400000UL

#define PA2KVA(pa)    ((void *)((uint64_t)(pa) + KERNBASE))
#define KVA2PA(va)    ((uint64_t)(va) - KERNBASE)

#endif
