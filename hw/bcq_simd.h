/* SPDX-License-Identifier: MIT */
/*
 * bcq_simd.h - the shift-add GEMV engine's choice of kernel.  MATVEC_BCQ
 * runs a vectorized kernel when the host has one (AVX2 on x86-64, its
 * lookups in 512-bit vectors with AVX-512BW, detected at run time) and
 * the portable scalar code otherwise; all give the same bits.  Tests and
 * benchmarks narrow the choice to compare them.  Not thread-safe against running commands: set it
 * before any device runs.
 */
#ifndef CSA_BCQ_SIMD_H
#define CSA_BCQ_SIMD_H

/* The widest kernel allowed: scalar (0), AVX2 (1) or AVX2 with AVX-512BW
 * lookups (2, the default); the host's support is checked at run time. */
#define CSA_BCQ_SIMD_SCALAR	0
#define CSA_BCQ_SIMD_AVX2	1
#define CSA_BCQ_SIMD_AVX512	2
#define CSA_BCQ_SIMD_BEST	CSA_BCQ_SIMD_AVX512
void csa_bcq_set_simd(int level);

/* Name of the kernel MATVEC_BCQ runs now: "avx512", "avx2" or "scalar". */
const char *csa_bcq_kernel(void);

#endif /* CSA_BCQ_SIMD_H */
