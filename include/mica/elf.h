/* The parts of the ELF-64 format (System V ABI) that Mica's loaders read:
 * the kernel loading the root task, and user-space spawn. */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include <stdint.h>

#define ELF_MAGIC 0x464c457fU   /* "\x7fELF", little-endian */
#define EM_RISCV  243
#define PT_LOAD   1
#define PF_X      1
#define PF_W      2
#define PF_R      4

struct elf_header {
	uint32_t magic;
	uint8_t ident[12];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t off, vaddr, paddr, filesz, memsz, align;
};

#endif
