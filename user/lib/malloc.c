/*
 * malloc and free over the heap the memory server grows (sbrk). A first-fit
 * free list, kept sorted by address so that neighbours merge: small enough
 * to read in one sitting, good enough for the shell and the utilities.
 * Every block starts with a header giving its size in bytes (header
 * included); blocks are 16-byte aligned.
 */
#include "mica.h"

struct block {
	size_t size;
	struct block *next;   /* in the free list only */
};

#define ALIGN       16
#define HEADER      ALIGN          /* keeps the payload aligned */
#define GROW_MIN    (64 * 1024)    /* ask the memory server for at least this much */

static struct block *free_list;   /* sorted by address */
static volatile uint32_t lock;

static void heap_lock(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		yield();
}

static void heap_unlock(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

/* Put block b on the free list, merging it with the blocks next to it. */
static void insert_free(struct block *b)
{
	struct block **pp = &free_list;
	while (*pp && *pp < b)
		pp = &(*pp)->next;
	b->next = *pp;
	*pp = b;
	if (b->next && (char *)b + b->size == (char *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (pp != &free_list) {
		struct block *prev = (struct block *)((char *)pp - offsetof(struct block, next));
		if ((char *)prev + prev->size == (char *)b) {
			prev->size += b->size;
			prev->next = b->next;
		}
	}
}

/* Grow the heap by at least `need` bytes; false when the memory server says no. */
static bool grow(size_t need)
{
	size_t n = need < GROW_MIN ? GROW_MIN : (need + 4095) & ~4095UL;
	struct block *b = sbrk((long)n);
	if (!b)
		return false;
	b->size = n;
	insert_free(b);
	return true;
}

void *malloc(size_t n)
{
	if (n == 0 || n > MEM_HEAP_MAX)
		return NULL;
	size_t need = (n + HEADER + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	heap_lock();
	for (int tries = 0; tries < 2; tries++) {
		for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
			struct block *b = *pp;
			if (b->size < need)
				continue;
			if (b->size - need >= HEADER + ALIGN) {   /* split: keep the front free */
				b->size -= need;
				b = (struct block *)((char *)b + b->size);
				b->size = need;
			} else {
				*pp = b->next;
			}
			heap_unlock();
			return (char *)b + HEADER;
		}
		if (!grow(need))
			break;
	}
	heap_unlock();
	return NULL;
}

void free(void *p)
{
	if (!p)
		return;
	heap_lock();
	insert_free((struct block *)((char *)p - HEADER));
	heap_unlock();
}

void *calloc(size_t n, size_t size)
{
	if (size && n > MEM_HEAP_MAX / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	size_t have = ((struct block *)((char *)p - HEADER))->size - HEADER;
	if (n <= have)
		return p;
	void *q = malloc(n);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}
