// SPDX-License-Identifier: MIT
/*
 * pim_attention.c - NeuPIMs-style attention in the memory banks.
 * KV_APPEND writes a token's k and v into the bank layout of csa_device.h
 * (K: token t in bank t % 32, head_dim along the row; V transposed,
 * tokens along the row).  ATTENTION computes, per query head h with KV
 * head h / (n_heads / n_kv):
 *   s_t  = (sum_d q[d] * K[t][d], d ascending, from +0) * scale
 *   p_t  = exact softmax of s (csa_softmax_exact_inplace) or ConSmax(s_t)
 *   out_d = sum_t p_t * V[d][t], t ascending, from +0
 * Scores live in hw->scratch_f (the banks' result buffers).
 */
#include "drm/csa_accel.h"

#include "hw/csa_math.h"
#include "hw/engines.h"

int csa_eng_kv_append(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t n_kv = d->arg[0], hd = d->arg[1], pos = d->arg[2];
	uint32_t max_seq = d->arg[3], h, i;
	const uint8_t *k = csa_dev(hw, d->addr[0]);
	const uint8_t *v = csa_dev(hw, d->addr[1]);
	uint8_t *cache = csa_dev(hw, d->addr[2]);
	uint64_t src;

	for (h = 0; h < n_kv; h++) {
		for (i = 0; i < hd; i++) {
			src = 4 * ((uint64_t)h * hd + i);
			memcpy(cache + 4 * csa_kv_k_index(hd, max_seq, h, pos, i),
			       k + src, 4);
			memcpy(cache + 4 * csa_kv_v_index(n_kv, hd, max_seq, h,
							  pos, i),
			       v + src, 4);
		}
	}
	return CSA_STATUS_OK;
}

/* Tokens (scores) or head_dim rows (values) computed side by side: each
 * keeps its own sum in the specified order, so the bits are those of one
 * at a time, and the independent chains hide the add latency. */
#define LANES 8u

static void head_scores(float *scores, const uint8_t *q, const uint8_t *cache,
			uint32_t hd, uint32_t max_seq, uint32_t kvh,
			uint32_t seq_len, float scale)
{
	const uint8_t *krow[LANES];
	float s[LANES], qi;
	uint32_t t, i, j, n;

	for (t = 0; t < seq_len; t += n) {
		n = seq_len - t < LANES ? seq_len - t : LANES;
		for (j = 0; j < n; j++) {
			krow[j] = cache + 4 * csa_kv_k_index(hd, max_seq, kvh,
							     t + j, 0);
			s[j] = 0.0f;
		}
		for (i = 0; i < hd; i++) {
			qi = csa_ld_f32(q + 4 * i);
			for (j = 0; j < n; j++)
				s[j] = s[j] + qi * csa_ld_f32(krow[j] + 4 * i);
		}
		for (j = 0; j < n; j++)
			scores[t + j] = s[j] * scale;
	}
}

static void head_values(uint8_t *out, const float *p, const uint8_t *cache,
			uint32_t n_kv, uint32_t hd, uint32_t max_seq,
			uint32_t kvh, uint32_t seq_len)
{
	const uint8_t *vrow[LANES];
	float o[LANES], pt;
	uint32_t t, i, j, n;

	for (i = 0; i < hd; i += n) {
		n = hd - i < LANES ? hd - i : LANES;
		for (j = 0; j < n; j++) {
			vrow[j] = cache + 4 * csa_kv_v_index(n_kv, hd, max_seq,
							     kvh, 0, i + j);
			o[j] = 0.0f;
		}
		for (t = 0; t < seq_len; t++) {
			pt = p[t];
			for (j = 0; j < n; j++)
				o[j] = o[j] + pt *
				       csa_ld_f32(vrow[j] + 4 * (uint64_t)t);
		}
		for (j = 0; j < n; j++)
			csa_st_f32(out + 4 * (i + j), o[j]);
	}
}

int csa_eng_attention(struct csa_hw *hw, const struct csa_desc *d)
{
	uint32_t heads = d->arg[0], n_kv = d->arg[1], hd = d->arg[2];
	uint32_t seq_len = d->arg[3], max_seq = d->arg[4];
	float scale = csa_f32_from_bits(d->arg[5]);
	uint32_t group = heads / n_kv, h, t;
	const uint8_t *cache = csa_dev(hw, d->addr[1]);
	float *scores = hw->scratch_f;	/* seq_len <= CSA_SEQ_MAX fits */

	for (h = 0; h < heads; h++) {
		const uint8_t *q = csa_dev(hw, d->addr[0] + 4 * (uint64_t)h * hd);
		uint8_t *out = csa_dev(hw, d->addr[2] + 4 * (uint64_t)h * hd);
		uint32_t kvh = h / group;

		head_scores(scores, q, cache, hd, max_seq, kvh, seq_len, scale);
		if (d->flags & CSA_CMD_F_CONSMAX) {
			const uint8_t *tab = csa_dev(hw, d->addr[3] +
					(uint64_t)h * CSA_CONSMAX_HEAD_BYTES);

			for (t = 0; t < seq_len; t++)
				scores[t] = csa_consmax_eval(tab, scores[t]);
		} else {
			csa_softmax_exact_inplace(scores, seq_len);
		}
		head_values(out, scores, cache, n_kv, hd, max_seq, kvh,
			    seq_len);
	}
	return CSA_STATUS_OK;
}
