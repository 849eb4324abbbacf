/*
 * All 32 FP registers as instruction strings for inline assembly: F32("fsd")
 * stores f0..f31 to 0*8(%0)..31*8(%0), F32("fld") loads them. Shared by
 * the kernel's lazy FPU switch (kernel/fp.c) and its test (user/tests/fptest.c).
 */
#ifndef MICA_FPREGS_H
#define MICA_FPREGS_H

#define F8_(op, a, b, c, d, e, f, g, h) \
	op " f" #a ", " #a "*8(%0)\n" op " f" #b ", " #b "*8(%0)\n" op " f" #c ", " #c "*8(%0)\n" \
	op " f" #d ", " #d "*8(%0)\n" op " f" #e ", " #e "*8(%0)\n" op " f" #f ", " #f "*8(%0)\n" \
	op " f" #g ", " #g "*8(%0)\n" op " f" #h ", " #h "*8(%0)\n"
#define F32(op) F8_(op, 0, 1, 2, 3, 4, 5, 6, 7) F8_(op, 8, 9, 10, 11, 12, 13, 14, 15) \
	F8_(op, 16, 17, 18, 19, 20, 21, 22, 23) F8_(op, 24, 25, 26, 27, 28, 29, 30, 31)

#endif
