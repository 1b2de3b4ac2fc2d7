/* SPDX-License-Identifier: MIT */
/*
 * pim_attention_impl.h - internal interface of the ATTENTION engine
 * (pim_attention.c) and its vector kernel (pim_attention_avx512.c): one
 * head's view of the KV cache and the two products, so both kernels read
 * the cache by one definition.  Numerics: docs/commands.md 5.8.
 */
#ifndef CSA_PIM_ATTENTION_IMPL_H
#define CSA_PIM_ATTENTION_IMPL_H

#include <stdint.h>

/* The vector kernel exists on x86-64 with GCC >= 5 or clang (per-function
 * target attributes: the build needs no -mavx512f). */
#if defined(__x86_64__) && !defined(CSA_ATTN_NO_SIMD) && \
	(defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 5))
#define CSA_ATTN_HAVE_AVX512 1
#else
#define CSA_ATTN_HAVE_AVX512 0
#endif

struct head_view {
	const uint8_t *cache;
	uint32_t n_kv, hd, max_seq, kvh, seq_len, esize;
};

/* scores[t] = (sum_d q[d] * K[t][d], d ascending, from +0) * scale and
 * out[d] = sum_t p[t] * V[d][t], t ascending, from +0: 16 tokens (16
 * dimensions) per vector, each lane the scalar chain. */
void csa_attn_scores_avx512(float *scores, const uint8_t *q,
			    const struct head_view *v, float scale);
void csa_attn_values_avx512(uint8_t *out, const float *p,
			    const struct head_view *v);

/* KV_APPEND of token @pos: k and v f32[n_kv * hd] into the cache of
 * @esize-byte elements, 16 at a time */
void csa_kv_append_avx512(uint8_t *cache, const uint8_t *k, const uint8_t *v,
			  uint32_t n_kv, uint32_t hd, uint32_t pos,
			  uint32_t max_seq, uint32_t esize);

#endif /* CSA_PIM_ATTENTION_IMPL_H */
