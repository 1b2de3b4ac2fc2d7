/* SPDX-License-Identifier: MIT */
/*
 * bcq_simd.h - the shift-add GEMV engine's choice of kernel.  MATVEC_BCQ
 * runs a vectorized kernel when the host has one (AVX2 on x86-64,
 * detected at run time) and the portable scalar code otherwise; both give
 * the same bits.  Tests and benchmarks switch the vector kernel off to
 * compare the two.  Not thread-safe against running commands: set it
 * before any device runs.
 */
#ifndef CSA_BCQ_SIMD_H
#define CSA_BCQ_SIMD_H

/* Allow (1, the default) or forbid (0) the vectorized kernel. */
void csa_bcq_set_simd(int allow);

/* Name of the kernel MATVEC_BCQ runs now: "avx2" or "scalar". */
const char *csa_bcq_kernel(void);

#endif /* CSA_BCQ_SIMD_H */
