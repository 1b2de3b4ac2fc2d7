// SPDX-License-Identifier: MIT
/*
 * pim_attention.c - NeuPIMs-style attention in the memory banks.
 * KV_APPEND writes a token's k and v into the bank layout of csa_device.h
 * (K: token t in bank t % 32, head_dim along the row; V transposed,
 * tokens along the row), as f32 or, with F_KV_F16, as binary16 rounded to
 * nearest even (NeuPIMs keeps an fp16 KV cache).  ATTENTION computes, per
 * query head h with KV head h / (n_heads / n_kv), every cache element
 * widened exactly to f32:
 *   s_t  = (sum_d q[d] * K[t][d], d ascending, from +0) * scale
 *   p_t  = exact softmax of s (csa_softmax_exact_inplace) or ConSmax(s_t)
 *   out_d = sum_t p_t * V[d][t], t ascending, from +0
 * With F_CONSMAX_NORM p_t is the LUT exponent with scores below the
 * table's range giving +0, l = sum_t p_t (t ascending, from +0) runs
 * beside the value product, and out_d = out_d / l at the end (all +0 when
 * l is +0).  Scores live in hw->scratch_f (the banks' result buffers).
 * On hosts with AVX-512 the two products run 16 lanes at a time
 * (pim_attention_avx512.c), with the same bits.
 */
#include "drm/csa_accel.h"

#include "hw/attention_simd.h"
#include "hw/csa_math.h"
#include "hw/engines.h"
#include "hw/host_cpu.h"
#include "hw/pim_attention_impl.h"

/* csa_kv_elem_bytes() tests the flag bit by number */
typedef char kv_f16_flag_bit[CSA_CMD_F_KV_F16 == (1u << 4) ? 1 : -1];

static int attn_simd = 1;

void csa_attention_set_simd(int on)
{
	attn_simd = !!on;
}

static int attn_use_avx512(void)
{
#if CSA_ATTN_HAVE_AVX512
	/* libgcc's and clang's checks include the OS saving zmm state */
	return attn_simd && __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") &&
	       csa_host_f16c();
#else
	return 0;
#endif
}

const char *csa_attention_kernel(void)
{
	return attn_use_avx512() ? "avx512" : "scalar";
}

/* One cache element at element index @idx. */
static float kv_load(const uint8_t *cache, uint64_t idx, uint32_t esize)
{
	uint16_t h;

	if (esize == 4)
		return csa_ld_f32(cache + 4 * idx);
	memcpy(&h, cache + 2 * idx, 2);
	return csa_f32_from_f16(h);
}

static void kv_store(uint8_t *cache, uint64_t idx, uint32_t esize, float v)
{
	uint16_t h;

	if (esize == 4) {
		csa_st_f32(cache + 4 * idx, v);
		return;
	}
	h = csa_f16_from_f32(v);
	memcpy(cache + 2 * idx, &h, 2);
}

int csa_eng_kv_append(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t n_kv = d->arg[0], hd = d->arg[1], pos = d->arg[2];
	uint32_t max_seq = d->arg[3], h, i;
	uint32_t esize = csa_kv_elem_bytes(d->flags);
	const uint8_t *k = csa_dev(hw, d->addr[0]);
	const uint8_t *v = csa_dev(hw, d->addr[1]);
	uint8_t *cache = csa_dev(hw, d->addr[2]);
	uint64_t src;

#if CSA_ATTN_HAVE_AVX512
	if (attn_use_avx512()) {
		csa_kv_append_avx512(cache, k, v, n_kv, hd, pos, max_seq, esize);
		return CSA_STATUS_OK;
	}
#endif
	for (h = 0; h < n_kv; h++) {
		for (i = 0; i < hd; i++) {
			src = 4 * ((uint64_t)h * hd + i);
			kv_store(cache, csa_kv_k_index(hd, max_seq, h, pos, i),
				 esize, csa_ld_f32(k + src));
			kv_store(cache, csa_kv_v_index(n_kv, hd, max_seq, h,
						       pos, i),
				 esize, csa_ld_f32(v + src));
		}
	}
	return CSA_STATUS_OK;
}

/* Tokens (scores) or head_dim rows (values) computed side by side: each
 * keeps its own sum in the specified order, so the bits are those of one
 * at a time, and the independent chains hide the add latency. */
#define LANES 8u

static void head_scores(float *scores, const uint8_t *q,
			const struct head_view *v, float scale)
{
	uint64_t k0[LANES];
	float s[LANES], qi;
	uint32_t t, i, j, n;

#if CSA_ATTN_HAVE_AVX512
	if (attn_use_avx512()) {
		csa_attn_scores_avx512(scores, q, v, scale);
		return;
	}
#endif
	for (t = 0; t < v->seq_len; t += n) {
		n = v->seq_len - t < LANES ? v->seq_len - t : LANES;
		for (j = 0; j < n; j++) {
			k0[j] = csa_kv_k_index(v->hd, v->max_seq, v->kvh, t + j, 0);
			s[j] = 0.0f;
		}
		for (i = 0; i < v->hd; i++) {
			qi = csa_ld_f32(q + 4 * i);
			for (j = 0; j < n; j++)
				s[j] = s[j] + qi * kv_load(v->cache, k0[j] + i,
							   v->esize);
		}
		for (j = 0; j < n; j++)
			scores[t + j] = s[j] * scale;
	}
}

static void head_values(uint8_t *out, const float *p,
			const struct head_view *v)
{
	uint64_t v0[LANES];
	float o[LANES], pt;
	uint32_t t, i, j, n;

#if CSA_ATTN_HAVE_AVX512
	if (attn_use_avx512()) {
		csa_attn_values_avx512(out, p, v);
		return;
	}
#endif
	for (i = 0; i < v->hd; i += n) {
		n = v->hd - i < LANES ? v->hd - i : LANES;
		for (j = 0; j < n; j++) {
			v0[j] = csa_kv_v_index(v->n_kv, v->hd, v->max_seq,
					       v->kvh, 0, i + j);
			o[j] = 0.0f;
		}
		for (t = 0; t < v->seq_len; t++) {
			pt = p[t];
			for (j = 0; j < n; j++)
				o[j] = o[j] + pt * kv_load(v->cache, v0[j] + t,
							   v->esize);
		}
		for (j = 0; j < n; j++)
			csa_st_f32(out + 4 * (i + j), o[j]);
	}
}

/* The normalized mode's last step: one divide of the head's outputs by
 * the running sum @l of its probabilities. */
static void head_normalize(uint8_t *out, uint32_t hd, float l)
{
	uint32_t i;

	for (i = 0; i < hd; i++)
		csa_st_f32(out + 4 * i, l == 0.0f ? 0.0f :
			   csa_ld_f32(out + 4 * i) / l);
}

int csa_eng_attention(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t heads = d->arg[0], hd = d->arg[2];
	float scale = csa_f32_from_bits(d->arg[5]);
	uint32_t group = heads / d->arg[1], h, t;
	int norm = !!(d->flags & CSA_CMD_F_CONSMAX_NORM);
	float *scores = hw->scratch_f;	/* seq_len <= CSA_SEQ_MAX fits */
	struct head_view v = {
		.cache = csa_dev(hw, d->addr[1]), .n_kv = d->arg[1],
		.hd = hd, .max_seq = d->arg[4], .seq_len = d->arg[3],
		.esize = csa_kv_elem_bytes(d->flags),
	};
	float l = 0.0f;

	for (h = 0; h < heads; h++) {
		const uint8_t *q = csa_dev(hw, d->addr[0] + 4 * (uint64_t)h * hd);
		uint8_t *out;

		if (hw->cancel && *hw->cancel)
			return CSA_STATUS_ABORTED;	/* csa_hw.h: cancel */
		out = csa_dev(hw, d->addr[2] + 4 * (uint64_t)h * hd);

		v.kvh = h / group;
		head_scores(scores, q, &v, scale);
		if (d->flags & CSA_CMD_F_CONSMAX) {
			const uint8_t *tab = csa_dev(hw, d->addr[3] +
					(uint64_t)h * CSA_CONSMAX_HEAD_BYTES);

			l = 0.0f;
			for (t = 0; t < v.seq_len; t++) {
				scores[t] = norm ?
					csa_consmax_norm_eval(tab, scores[t]) :
					csa_consmax_eval(tab, scores[t]);
				l = l + scores[t];
			}
		} else {
			csa_softmax_exact_inplace(scores, v.seq_len);
		}
		head_values(out, scores, &v);
		if (norm)
			head_normalize(out, hd, l);
	}
	return CSA_STATUS_OK;
}
