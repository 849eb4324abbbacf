/*
 * Program files staged for a spawn. A program that is not in the boot
 * archive (one the file system holds) reaches the memory server in parts,
 * one MEM_IMAGE of up to IPC_BULK_MAX bytes each, and the caller's next
 * MEM_SPAWN with SPAWN_IMAGE loads it.
 *
 * The staged bytes are kept in frames charged to the caller: they count in
 * its frames (ps shows them) and come back with the rest when it ends. Each
 * is recorded in the caller's frame list at IMAGE_VA + its offset in the
 * file, a page no process ever maps: the spawn maps them there, in our own
 * address space, so that the loader sees the file in one piece, as it sees
 * a program of the boot archive, and unmaps them after.
 */
#include "mem.h"

/* MEM_IMAGE: w0 = offset, w1 = total; bulk = the bytes at offset. Offset
 * 0 starts a new file (the one staged before is dropped); each later part
 * must continue where the last ended, with the same total. */
long mem_image(struct proc *p, struct req *r)
{
	uint64_t off = r->m->w[0], total = r->m->w[1];
	const uint8_t *data = r->data;
	if (total == 0 || total > MEM_IMAGE_MAX || r->len == 0)
		return -EINVAL;
	if (off == 0) {
		image_drop(p);
		p->image_total = total;
	} else if (total != p->image_total || off != p->image_staged) {
		return -EINVAL;
	}
	if (r->len > total - off)
		return -EINVAL;
	for (size_t done = 0; done < r->len;) {
		uint64_t at = off + done, in_page = at % PAGE;
		if (in_page == 0) {   /* a new page: the parts before filled the last one */
			p->image_last = frame_get(p, IMAGE_VA + at);
			if (!p->image_last) {
				image_drop(p);
				return -ENOMEM;
			}
		}
		size_t n = r->len - done < PAGE - in_page ? r->len - done : PAGE - in_page;
		memcpy((uint8_t *)frame_ptr(p->image_last) + in_page, data + done, n);
		done += n;
	}
	p->image_staged = off + r->len;
	return 0;
}

/* For a MEM_SPAWN with SPAWN_IMAGE: map p's staged file at IMAGE_VA in our
 * own address space and point s at it. -EINVAL if none is staged whole. */
long image_map(struct proc *p, struct spawn *s)
{
	if (!p->image_total || p->image_staged != p->image_total)
		return -EINVAL;
	long err = frames_map_range(p, IMAGE_VA, IMAGE_VA + MEM_IMAGE_MAX, mem_self, IMAGE_VA);
	if (err < 0) {
		image_unmap(p);
		return -ENOMEM;
	}
	s->image = (const uint8_t *)IMAGE_VA;
	s->image_size = p->image_total;
	return 0;
}

/* The load is over: remove the mapping image_map made (every hart forgets
 * it, so no stale translation reads the frames once they are lent again). */
void image_unmap(struct proc *p)
{
	for (uint64_t off = 0; off < p->image_staged; off += PAGE)
		unmap(mem_self, IMAGE_VA + off);
}

/* Forget p's staged file and free its frames. */
void image_drop(struct proc *p)
{
	frames_drop_range(p, IMAGE_VA, IMAGE_VA + MEM_IMAGE_MAX);
	p->image_total = p->image_staged = p->image_last = 0;
}
