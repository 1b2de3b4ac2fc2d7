/* SPDX-License-Identifier: MIT */
/*
 * engines.h - internal interface between the descriptor check/dispatch
 * (exec.c) and the engines.  An engine function runs only on a descriptor
 * csa_hw_check_desc() accepted: every address range is inside device
 * memory, 4-byte aligned, and forbidden overlaps are excluded.  Numerics:
 * docs/commands.md.
 */
#ifndef CSA_ENGINES_H
#define CSA_ENGINES_H

#include <stdint.h>
#include <string.h>

#include "common/csa_translate.h"
#include "hw/csa_hw.h"

/* Device memory is little-endian and the engines load f32/u32 with the
 * host's byte order: the model runs on little-endian hosts only. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CSA model assumes a little-endian host"
#endif

/*
 * Check a descriptor the device fetched: rsvd fields, opcode, flags
 * (CSA_DESC_F_LAST allowed), args (csa_cmd_check; for DMA arg1 is the SG
 * entry count 1..CSA_SG_MAX), every DEVICE slot's range inside devmem and
 * 4-byte aligned, unused addr slots zero, forbidden overlaps.  HOST slots
 * (DMA addr0: the SG table's bus address) are the command processor's to
 * check.  Returns enum drm_csa_status; fills @fp.  Exported for the
 * command processor's DMA path.
 */
int csa_hw_check_desc(const struct csa_hw *hw, const struct csa_desc *d,
		      struct csa_cmd_footprint *fp);

/* Device memory access: little-endian f32/u32 at a checked address.
 * memcpy keeps it free of alignment and aliasing assumptions; compilers
 * turn it into a plain load/store. */
static inline uint8_t *csa_dev(struct csa_hw *hw, uint64_t addr)
{
	return hw->cfg.devmem + addr;
}

static inline float csa_ld_f32(const uint8_t *p)
{
	float v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void csa_st_f32(uint8_t *p, float v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t csa_ld_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void csa_st_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Engines: return enum drm_csa_status (OK unless a value read from
 * memory is out of range, e.g. EMBED's F_IDX_MEM row). */
int csa_eng_copy(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_embed(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_rmsnorm(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_rope(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_silu_mul(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_add(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_argmax(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_softmax(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_matvec_f32(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_matvec_bcq(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_matvec_bcq_batch(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_kv_append(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_attention(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_kv_append_batch(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_attention_batch(struct csa_hw *hw, const struct csa_desc *d);
int csa_eng_matvec_f32_batch(struct csa_hw *hw, const struct csa_desc *d);

/* ConSmax LUT unit: p = exp(s - beta) / gamma from one head's table
 * (CSA_CONSMAX_HEAD_FLOATS f32 at @table). */
float csa_consmax_eval(const uint8_t *table, float s);
/* The same, but +0 when s * inv_step < -128 (ATTENTION F_CONSMAX_NORM). */
float csa_consmax_norm_eval(const uint8_t *table, float s);
/* Exact softmax of scores[0..n) in place (max, csa_expf, sum, divide). */
void csa_softmax_exact_inplace(float *scores, uint32_t n);

#endif /* CSA_ENGINES_H */
