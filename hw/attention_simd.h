/* SPDX-License-Identifier: MIT */
/*
 * attention_simd.h - the ATTENTION engine's choice of kernel.  Scores and
 * value products run in 512-bit vectors on hosts with AVX-512F, BW, VL
 * and F16C (detected at run time, hw/pim_attention_avx512.c) and in the
 * portable scalar code otherwise; both give the same bits.  Tests and
 * benchmarks narrow the choice to compare them.  Not thread-safe against
 * running commands: set it before any device runs.
 */
#ifndef CSA_ATTENTION_SIMD_H
#define CSA_ATTENTION_SIMD_H

/* 0: scalar only; anything else: the vector kernel where the host has it
 * (the default) */
void csa_attention_set_simd(int on);

/* Name of the kernel ATTENTION runs now: "avx512" or "scalar". */
const char *csa_attention_kernel(void);

#endif /* CSA_ATTENTION_SIMD_H */
