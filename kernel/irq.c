/*
 * Device interrupts go to user space. The PLIC (RISC-V PLIC spec 1.0.0)
 * routes each source to the harts; the kernel claims it, turns it into a
 * notification bit for the driver task that registered the source, and
 * completes it only when the driver says it has serviced the device
 * (SYS_IRQ_ACK). Until then the PLIC holds that source back, so a level-
 * triggered device cannot storm the kernel.
 */
#include "kernel.h"

/* The PLIC's registers, 32 bits each, through the direct map. */
#define PLIC_REG(off)        ((volatile uint32_t *)PA2KVA(PLIC + (off)))
#define PLIC_PRIORITY(irq)   PLIC_REG(4 * (irq))
#define PLIC_ENABLE(ctx)     PLIC_REG(0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)  PLIC_REG(0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      PLIC_REG(0x200004 + 0x1000 * (ctx))

static int sctx_of[NCPU];   /* the PLIC context of each hart ID's S-mode */

static struct {
	struct task *owner;   /* the driver task, or NULL */
	uint64_t bit;         /* notification bit it asked for */
	int claimed_ctx;      /* context that claimed it, -1 if not in service */
	bool orphaned;        /* its driver died while it was in service */
} irqs[NIRQ];

/* Each hart's S-mode context from the device tree (fdt.c), or in QEMU
 * virt's order (an M-mode then an S-mode context per hart) where it says
 * none; no source is in service yet. */
void plic_init(const struct fdt_info *fdt)
{
	for (int i = 0; i < NCPU; i++)
		sctx_of[i] = 2 * i + 1;
	for (int i = 0; i < fdt->nharts; i++)
		if (fdt->harts[i] < NCPU && fdt->plic_sctx[i] >= 0)
			sctx_of[fdt->harts[i]] = fdt->plic_sctx[i];
	for (int i = 0; i < NIRQ; i++)
		irqs[i].claimed_ctx = -1;
}

/* This hart's S-mode context takes every source of priority > 0. */
void plic_inithart(void)
{
	*PLIC_THRESHOLD(sctx_of[mycpu()->hartid]) = 0;
}

static void plic_enable(uint64_t irq, bool on)
{
	*PLIC_PRIORITY(irq) = on ? 1 : 0;
	for (int i = 0; i < ncpu; i++) {
		volatile uint32_t *en = PLIC_ENABLE(sctx_of[cpus[i].hartid]) + irq / 32;
		*en = on ? (*en | (1U << (irq % 32))) : (*en & ~(1U << (irq % 32)));
	}
}

/* Claim pending interrupts and notify their drivers. */
void irq_dispatch(void)
{
	int ctx = sctx_of[mycpu()->hartid];
	for (uint32_t irq; (irq = *PLIC_CLAIM(ctx)) != 0;) {
		if (irq < NIRQ && irqs[irq].owner) {
			irqs[irq].claimed_ctx = ctx;
			TRACE(TR_IRQ, 0, 0, irqs[irq].owner->id, irq, irqs[irq].bit, 0, 0);
			ipc_notify(irqs[irq].owner, 1UL << irqs[irq].bit);
		} else {
			plic_enable(irq, false);   /* nobody wants it */
			*PLIC_CLAIM(ctx) = irq;
		}
	}
}

/* Deliver interrupt irq to task t as notification bit `bit`.
 * Needs the right to irq (GRANT_IRQ); one driver per source. */
int irq_register(struct task *t, uint64_t irq, uint64_t bit)
{
	if (irq == 0 || irq >= NIRQ || bit >= 64)
		return -EINVAL;
	if (!(t->irq_rights & (1UL << irq)))
		return -EPERM;
	if (irqs[irq].owner && irqs[irq].owner != t)
		return -EBUSY;
	irqs[irq].owner = t;
	irqs[irq].bit = bit;
	plic_enable(irq, true);
	/* Its last driver died before servicing the device: the line may still
	 * be high, and the PLIC raises a source only when its level changes
	 * (QEMU's does), so no interrupt would ever come. Tell the new driver
	 * at once; like any interrupt, it looks at the device. */
	if (irqs[irq].orphaned) {
		irqs[irq].orphaned = false;
		ipc_notify(t, 1UL << bit);
	}
	return 0;
}

/* The driver serviced irq: let the PLIC deliver it again. */
int irq_ack(struct task *t, uint64_t irq)
{
	if (irq >= NIRQ || irqs[irq].owner != t)
		return -EINVAL;
	if (irqs[irq].claimed_ctx >= 0) {
		*PLIC_CLAIM(irqs[irq].claimed_ctx) = (uint32_t)irq;
		irqs[irq].claimed_ctx = -1;
	}
	return 0;
}

/* t died: free its interrupts. */
void irq_release(struct task *t)
{
	for (uint64_t i = 0; i < NIRQ; i++)
		if (irqs[i].owner == t) {
			irqs[i].orphaned = irqs[i].claimed_ctx >= 0;
			irq_ack(t, i);
			plic_enable(i, false);
			irqs[i].owner = NULL;
		}
}
