/* SPDX-License-Identifier: MIT */
/*
 * vector_impl.h - the vector unit's element-wise loops in 512-bit vectors
 * (vector_avx512.c), used by vector.c on hosts with AVX-512F (checked at
 * run time): csa_expf 16 lanes at a time, bit for bit, and the SILU_MUL
 * and softmax steps built on it.  Numerics: docs/commands.md 2 and 5.9.
 */
#ifndef CSA_VECTOR_IMPL_H
#define CSA_VECTOR_IMPL_H

#include <stdint.h>

#if defined(__x86_64__) && !defined(CSA_VEC_NO_SIMD) && \
	(defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 5))
#define CSA_VEC_HAVE_AVX512 1
#else
#define CSA_VEC_HAVE_AVX512 0
#endif

/* 1 when the element-wise loops below may run (the host has AVX-512F
 * and csa_vector_set_simd has not turned them off) */
int csa_vec_use_avx512(void);
/* 0: scalar only (tests compare the two); anything else: the default */
void csa_vector_set_simd(int on);

/* y[i] = csa_expf(x[i] - m); y may be x */
void csa_vec_exp_sub_avx512(float *y, const float *x, float m, uint64_t n);
/* y[i] = y[i] / z */
void csa_vec_div_avx512(float *y, float z, uint64_t n);
/* y[i] = (a[i] * (1 / (1 + csa_expf(-a[i])))) * b[i]; y may be a or b */
void csa_vec_silu_mul_avx512(uint8_t *y, const uint8_t *a, const uint8_t *b,
			     uint64_t n);

#endif /* CSA_VECTOR_IMPL_H */
