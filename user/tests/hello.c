/*
 * The smallest root task (boot with root=hello): the kernel loads it from
 * the boot archive and starts it with a0 = the boot info page. It greets,
 * shows that system calls work, and exits; the kernel then powers off.
 * Lab trap's first test runs it.
 */
#include "mica.h"

int main(uint64_t bootinfo_va)
{
	root_init(bootinfo_va);
	long me = self();
	printf("hello: hello from user space (task %ld, thread %ld) on %lu harts\n",
	       TID_TASK(me), me, bootinfo->ncpus);
	printf("hello: %lu MiB of RAM granted at %p\n", bootinfo->mem_size >> 20,
	       (void *)bootinfo->mem_base);
	long err = debug_write((void *)0xffffffc080200000UL, 16);
	printf("hello: debug_write(kernel address) = %ld (expected %d)\n", err, -EFAULT);
	printf("hello: done\n");
	return 0;
}
