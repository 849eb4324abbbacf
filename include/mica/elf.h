/* The parts of the ELF-64 format (System V ABI) that Mica's loaders read:
 * the kernel loading the root task, and user-space spawn. */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include <stdint.h>
#include <stdbool.h>
#include <mica/layout.h>

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

/* The program headers of a RISC-V ELF image of `size` bytes, or NULL if
 * the image is not one (both loaders start here). */
static inline const struct elf_phdr *elf_phdrs(const void *image, uint64_t size)
{
	const struct elf_header *eh = (const struct elf_header *)image;
	if (size < sizeof(*eh) || eh->magic != ELF_MAGIC || eh->machine != EM_RISCV ||
	    eh->phoff > size || (size - eh->phoff) / sizeof(struct elf_phdr) < eh->phnum)
		return 0;
	return (const struct elf_phdr *)((const uint8_t *)image + eh->phoff);
}

/* May segment ph of an image of `size` bytes be loaded: page aligned,
 * inside the file and the user half, and not both writable and executable? */
static inline bool elf_segment_ok(const struct elf_phdr *ph, uint64_t size)
{
	return ph->vaddr % 4096 == 0 && ph->filesz <= ph->memsz && ph->off <= size &&
	       ph->filesz <= size - ph->off && ph->vaddr < USER_TOP &&
	       ph->memsz <= USER_TOP - ph->vaddr && (ph->flags & (PF_W | PF_X)) != (PF_W | PF_X);
}

#endif
