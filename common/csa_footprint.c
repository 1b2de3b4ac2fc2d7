// SPDX-License-Identifier: MIT
/*
 * csa_footprint.c - per-opcode validation of a command's flags and args,
 * and the bytes it touches in each buffer slot.  One table of limits for
 * the translation (kernel, libaccel) and the device model alike, so the
 * host and the device can never disagree on what a command may touch.
 *
 * Pure C99, no allocation, no OS calls.  Limits: include/csa/csa_device.h
 * and docs/commands.md.
 */
#if defined(__KERNEL__)
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "drm/csa_accel.h"

#include "common/csa_footprint.h"

#define F32_EXP_MASK	0x7f800000u
#define F32_SIGN	0x80000000u

static int f32_bits_finite(uint32_t bits)
{
	return (bits & F32_EXP_MASK) != F32_EXP_MASK;
}

/* Per opcode: how many leading args are used and which flags are allowed. */
struct op_shape {
	uint8_t nargs;
	uint8_t flags;
};

static const struct op_shape op_shapes[CSA_OP_COUNT] = {
	[CSA_OP_NOP]		= { 0, 0 },
	[CSA_OP_FENCE]		= { 2, 0 },
	[CSA_OP_DMA_H2D]	= { 1, 0 },
	[CSA_OP_DMA_D2H]	= { 1, 0 },
	[CSA_OP_COPY]		= { 1, 0 },
	[CSA_OP_EMBED]		= { 3, CSA_CMD_F_IDX_MEM },
	[CSA_OP_RMSNORM]	= { 2, 0 },
	[CSA_OP_MATVEC_F32]	= { 2, 0 },
	[CSA_OP_MATVEC_BCQ]	= { 4, CSA_CMD_F_POW2 | CSA_CMD_F_SCALE16 },
	[CSA_OP_ROPE]		= { 4, 0 },
	[CSA_OP_KV_APPEND]	= { 4, CSA_CMD_F_KV_F16 },
	[CSA_OP_ATTENTION]	= { 6, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM |
				    CSA_CMD_F_KV_F16 },
	[CSA_OP_SILU_MUL]	= { 1, 0 },
	[CSA_OP_ADD]		= { 1, 0 },
	[CSA_OP_ARGMAX]		= { 1, 0 },
	[CSA_OP_SOFTMAX]	= { 1, CSA_CMD_F_CONSMAX },
	[CSA_OP_MATVEC_BCQ_BATCH] = { 5, CSA_CMD_F_POW2 | CSA_CMD_F_SCALE16 },
	[CSA_OP_KV_APPEND_BATCH] = { 5, CSA_CMD_F_KV_F16 },
	[CSA_OP_ATTENTION_BATCH] = { 7, CSA_CMD_F_CONSMAX | CSA_CMD_F_CONSMAX_NORM |
				     CSA_CMD_F_KV_F16 },
	[CSA_OP_MATVEC_F32_BATCH] = { 3, 0 },
};

static int in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v >= lo && v <= hi;
}

static void slot(struct csa_cmd_footprint *fp, unsigned int i,
		 enum csa_buf_kind kind, uint64_t bytes)
{
	fp->kind[i] = kind;
	fp->bytes[i] = bytes;
}

/* n-element vector ops: ADD, SILU_MUL (two inputs, one output). */
static int fp_binary(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	uint64_t bytes = (uint64_t)arg[0] * 4;

	if (!in_range(arg[0], 1, CSA_VEC_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, bytes);
	slot(fp, 1, CSA_BUF_DEVICE_IN, bytes);
	slot(fp, 2, CSA_BUF_DEVICE_OUT, bytes);
	return CSA_STATUS_OK;
}

static int fp_dma(uint32_t opcode, const uint32_t *arg,
		  struct csa_cmd_footprint *fp)
{
	int h2d = opcode == CSA_OP_DMA_H2D;

	if (!in_range(arg[0], 1, CSA_DMA_MAX) || (arg[0] & 3))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, h2d ? CSA_BUF_HOST_IN : CSA_BUF_HOST_OUT, arg[0]);
	slot(fp, 1, h2d ? CSA_BUF_DEVICE_OUT : CSA_BUF_DEVICE_IN, arg[0]);
	return CSA_STATUS_OK;
}

static int fp_copy(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	if (!in_range(arg[0], 1, CSA_DMA_MAX) || (arg[0] & 3))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, arg[0]);
	slot(fp, 1, CSA_BUF_DEVICE_OUT, arg[0]);
	return CSA_STATUS_OK;
}

static int fp_embed(uint32_t flags, const uint32_t *arg,
		    struct csa_cmd_footprint *fp)
{
	uint32_t dim = arg[0], rows = arg[1];

	if (!in_range(dim, 1, CSA_VEC_MAX) || !in_range(rows, 1, CSA_VEC_MAX))
		return CSA_STATUS_BAD_ARG;
	if (flags & CSA_CMD_F_IDX_MEM) {
		if (arg[2])	/* the row comes from memory: arg2 unused */
			return CSA_STATUS_RESERVED;
		slot(fp, 2, CSA_BUF_DEVICE_IN, 4);
	} else if (arg[2] >= rows) {
		return CSA_STATUS_BAD_ARG;
	}
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)rows * dim * 4);
	slot(fp, 1, CSA_BUF_DEVICE_OUT, (uint64_t)dim * 4);
	return CSA_STATUS_OK;
}

static int fp_rmsnorm(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	uint64_t bytes = (uint64_t)arg[0] * 4;

	if (!in_range(arg[0], 1, CSA_VEC_MAX))
		return CSA_STATUS_BAD_ARG;
	/* eps: finite and not negative (+0 allowed) */
	if (!f32_bits_finite(arg[1]) || (arg[1] & F32_SIGN))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, bytes);
	slot(fp, 1, CSA_BUF_DEVICE_IN, bytes);
	slot(fp, 2, CSA_BUF_DEVICE_OUT, bytes);
	return CSA_STATUS_OK;
}

static int fp_matvec_f32(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	uint32_t k = arg[0], n = arg[1];

	if (!in_range(k, 1, CSA_MATVEC_MAX) || !in_range(n, 1, CSA_MATVEC_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)k * 4);
	slot(fp, 1, CSA_BUF_DEVICE_IN, (uint64_t)n * k * 4);
	slot(fp, 2, CSA_BUF_DEVICE_OUT, (uint64_t)n * 4);
	return CSA_STATUS_OK;
}

/* B activation vectors against one f32 matrix. */
static int fp_matvec_f32_batch(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	uint32_t b = arg[2];
	int status;

	if (!in_range(b, 1, CSA_BATCH_MAX))
		return CSA_STATUS_BAD_ARG;
	status = fp_matvec_f32(arg, fp);
	/* no more multiply-adds than the largest single MATVEC_F32 */
	if (status == CSA_STATUS_OK &&
	    (uint64_t)b * arg[0] * arg[1] > (uint64_t)CSA_MATVEC_MAX * CSA_MATVEC_MAX)
		return CSA_STATUS_BAD_ARG;
	if (status != CSA_STATUS_OK)
		return status;
	fp->bytes[0] *= b;
	fp->bytes[2] *= b;
	return CSA_STATUS_OK;
}

static int fp_matvec_bcq(uint32_t flags, const uint32_t *arg,
			 struct csa_cmd_footprint *fp)
{
	uint32_t k = arg[0], n = arg[1], p = arg[2], g = arg[3];

	if (!in_range(k, 1, CSA_MATVEC_MAX) || !in_range(n, 1, CSA_MATVEC_MAX) ||
	    !in_range(p, 1, CSA_BCQ_MAX_PLANES) ||
	    !in_range(g, 8, CSA_BCQ_MAX_GROUP) || (g & 7))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)k * 4);
	slot(fp, 1, CSA_BUF_DEVICE_IN, csa_bcq_bits_bytes(k, n, p));
	slot(fp, 2, CSA_BUF_DEVICE_IN,
	     csa_bcq_scale_bytes_elem(k, n, p, g, csa_bcq_scale_elem_bytes(flags)));
	slot(fp, 3, CSA_BUF_DEVICE_OUT, (uint64_t)n * 4);
	return CSA_STATUS_OK;
}

/* B activation vectors against one MATVEC_BCQ weight set. */
static int fp_matvec_bcq_batch(uint32_t flags, const uint32_t *arg,
			       struct csa_cmd_footprint *fp)
{
	uint32_t b = arg[4];
	int status;

	if (!in_range(b, 1, CSA_BATCH_MAX))
		return CSA_STATUS_BAD_ARG;
	status = fp_matvec_bcq(flags, arg, fp);
	if (status != CSA_STATUS_OK)
		return status;
	fp->bytes[0] *= b;
	fp->bytes[3] *= b;
	return CSA_STATUS_OK;
}

static int fp_rope(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	uint32_t heads = arg[0], hd = arg[1], pos = arg[2], rows = arg[3];

	if (!in_range(heads, 1, CSA_HEADS_MAX) ||
	    !in_range(hd, 2, CSA_HEAD_DIM_MAX) || (hd & 1) ||
	    !in_range(rows, 1, CSA_SEQ_MAX) || pos >= rows)
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_OUT, (uint64_t)heads * hd * 4);
	slot(fp, 1, CSA_BUF_DEVICE_IN, (uint64_t)rows * hd * 4);
	return CSA_STATUS_OK;
}

static int fp_kv_append(uint32_t flags, const uint32_t *arg,
			struct csa_cmd_footprint *fp)
{
	uint32_t n_kv = arg[0], hd = arg[1], pos = arg[2], max_seq = arg[3];

	if (!in_range(n_kv, 1, CSA_HEADS_MAX) ||
	    !in_range(hd, 1, CSA_HEAD_DIM_MAX) ||
	    !in_range(max_seq, 1, CSA_SEQ_MAX) || pos >= max_seq)
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)n_kv * hd * 4);
	slot(fp, 1, CSA_BUF_DEVICE_IN, (uint64_t)n_kv * hd * 4);
	slot(fp, 2, CSA_BUF_DEVICE_OUT,
	     csa_kv_bytes_elem(n_kv, hd, max_seq, csa_kv_elem_bytes(flags)));
	return CSA_STATUS_OK;
}

static int fp_attention(uint32_t flags, const uint32_t *arg,
			struct csa_cmd_footprint *fp)
{
	uint32_t heads = arg[0], n_kv = arg[1], hd = arg[2];
	uint32_t seq_len = arg[3], max_seq = arg[4];

	/* normalizing is a variant of the ConSmax unit, not of exact softmax */
	if ((flags & CSA_CMD_F_CONSMAX_NORM) && !(flags & CSA_CMD_F_CONSMAX))
		return CSA_STATUS_RESERVED;
	if (!in_range(heads, 1, CSA_HEADS_MAX) || !in_range(n_kv, 1, heads) ||
	    heads % n_kv || !in_range(hd, 1, CSA_HEAD_DIM_MAX) ||
	    !in_range(max_seq, 1, CSA_SEQ_MAX) ||
	    !in_range(seq_len, 1, max_seq) || !f32_bits_finite(arg[5]))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)heads * hd * 4);
	slot(fp, 1, CSA_BUF_DEVICE_IN,
	     csa_kv_bytes_elem(n_kv, hd, max_seq, csa_kv_elem_bytes(flags)));
	slot(fp, 2, CSA_BUF_DEVICE_OUT, (uint64_t)heads * hd * 4);
	if (flags & CSA_CMD_F_CONSMAX)
		slot(fp, 3, CSA_BUF_DEVICE_IN,
		     (uint64_t)heads * CSA_CONSMAX_HEAD_BYTES);
	return CSA_STATUS_OK;
}

/* A KV pool of @slots caches and a table of @b entries; the entries
 * themselves are the device's to check when it runs the command. */
static int fp_kv_pool(uint32_t flags, uint32_t n_kv, uint32_t hd,
		      uint32_t max_seq, uint32_t b, uint32_t slots,
		      unsigned int pool_slot, enum csa_buf_kind pool_kind,
		      unsigned int table_slot, struct csa_cmd_footprint *fp)
{
	if (!in_range(b, 1, CSA_BATCH_MAX) || !in_range(slots, 1, CSA_KV_POOL_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, pool_slot, pool_kind, (uint64_t)slots *
	     csa_kv_bytes_elem(n_kv, hd, max_seq, csa_kv_elem_bytes(flags)));
	slot(fp, table_slot, CSA_BUF_DEVICE_IN, (uint64_t)b * CSA_KV_ENTRY_BYTES);
	return CSA_STATUS_OK;
}

static int fp_kv_append_batch(uint32_t flags, const uint32_t *arg,
			      struct csa_cmd_footprint *fp)
{
	uint32_t n_kv = arg[0], hd = arg[1], b = arg[2], max_seq = arg[3];
	uint64_t vec = (uint64_t)b * n_kv * hd * 4;

	if (!in_range(n_kv, 1, CSA_HEADS_MAX) ||
	    !in_range(hd, 1, CSA_HEAD_DIM_MAX) ||
	    !in_range(max_seq, 1, CSA_SEQ_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, vec);
	slot(fp, 1, CSA_BUF_DEVICE_IN, vec);
	return fp_kv_pool(flags, n_kv, hd, max_seq, b, arg[4], 2,
			  CSA_BUF_DEVICE_OUT, 3, fp);
}

static int fp_attention_batch(uint32_t flags, const uint32_t *arg,
			      struct csa_cmd_footprint *fp)
{
	uint32_t heads = arg[0], n_kv = arg[1], hd = arg[2], b = arg[3];
	uint32_t max_seq = arg[4];
	uint64_t vec = (uint64_t)b * heads * hd * 4;

	if ((flags & CSA_CMD_F_CONSMAX_NORM) && !(flags & CSA_CMD_F_CONSMAX))
		return CSA_STATUS_RESERVED;
	if (!in_range(heads, 1, CSA_HEADS_MAX) || !in_range(n_kv, 1, heads) ||
	    heads % n_kv || !in_range(hd, 1, CSA_HEAD_DIM_MAX) ||
	    !in_range(max_seq, 1, CSA_SEQ_MAX) || !f32_bits_finite(arg[5]))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, vec);
	slot(fp, 2, CSA_BUF_DEVICE_OUT, vec);
	if (flags & CSA_CMD_F_CONSMAX)
		slot(fp, 3, CSA_BUF_DEVICE_IN,
		     (uint64_t)heads * CSA_CONSMAX_HEAD_BYTES);
	return fp_kv_pool(flags, n_kv, hd, max_seq, b, arg[6], 1,
			  CSA_BUF_DEVICE_IN, 4, fp);
}

static int fp_argmax(const uint32_t *arg, struct csa_cmd_footprint *fp)
{
	if (!in_range(arg[0], 1, CSA_VEC_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)arg[0] * 4);
	slot(fp, 1, CSA_BUF_DEVICE_OUT, 8);
	return CSA_STATUS_OK;
}

static int fp_softmax(uint32_t flags, const uint32_t *arg,
		      struct csa_cmd_footprint *fp)
{
	if (!in_range(arg[0], 1, CSA_VEC_MAX))
		return CSA_STATUS_BAD_ARG;
	slot(fp, 0, CSA_BUF_DEVICE_IN, (uint64_t)arg[0] * 4);
	slot(fp, 1, CSA_BUF_DEVICE_OUT, (uint64_t)arg[0] * 4);
	if (flags & CSA_CMD_F_CONSMAX)
		slot(fp, 2, CSA_BUF_DEVICE_IN, CSA_CONSMAX_HEAD_BYTES);
	return CSA_STATUS_OK;
}

int csa_cmd_check(uint32_t opcode, uint32_t flags, const uint32_t *arg,
		  struct csa_cmd_footprint *fp)
{
	unsigned int i;

	memset(fp, 0, sizeof(*fp));
	if (opcode >= CSA_OP_COUNT)
		return CSA_STATUS_BAD_OPCODE;
	if (flags & ~(uint32_t)op_shapes[opcode].flags)
		return CSA_STATUS_RESERVED;
	for (i = op_shapes[opcode].nargs; i < CSA_DESC_ARGS; i++)
		if (arg[i])
			return CSA_STATUS_RESERVED;

	switch (opcode) {
	case CSA_OP_NOP:
	case CSA_OP_FENCE:
		return CSA_STATUS_OK;
	case CSA_OP_DMA_H2D:
	case CSA_OP_DMA_D2H:
		return fp_dma(opcode, arg, fp);
	case CSA_OP_COPY:
		return fp_copy(arg, fp);
	case CSA_OP_EMBED:
		return fp_embed(flags, arg, fp);
	case CSA_OP_RMSNORM:
		return fp_rmsnorm(arg, fp);
	case CSA_OP_MATVEC_F32:
		return fp_matvec_f32(arg, fp);
	case CSA_OP_MATVEC_BCQ:
		return fp_matvec_bcq(flags, arg, fp);
	case CSA_OP_MATVEC_BCQ_BATCH:
		return fp_matvec_bcq_batch(flags, arg, fp);
	case CSA_OP_ROPE:
		return fp_rope(arg, fp);
	case CSA_OP_KV_APPEND:
		return fp_kv_append(flags, arg, fp);
	case CSA_OP_ATTENTION:
		return fp_attention(flags, arg, fp);
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
		return fp_binary(arg, fp);
	case CSA_OP_ARGMAX:
		return fp_argmax(arg, fp);
	case CSA_OP_SOFTMAX:
		return fp_softmax(flags, arg, fp);
	case CSA_OP_KV_APPEND_BATCH:
		return fp_kv_append_batch(flags, arg, fp);
	case CSA_OP_ATTENTION_BATCH:
		return fp_attention_batch(flags, arg, fp);
	case CSA_OP_MATVEC_F32_BATCH:
		return fp_matvec_f32_batch(arg, fp);
	}
	return CSA_STATUS_BAD_OPCODE;
}

int csa_cmd_footprint(uint32_t opcode, uint32_t flags, const uint32_t *arg,
		      struct csa_cmd_footprint *fp)
{
	struct csa_cmd_footprint tmp;
	int status;

	if (!arg || !fp)
		return -EINVAL;
	status = csa_cmd_check(opcode, flags, arg, &tmp);
	if (status != CSA_STATUS_OK)
		return -EINVAL;
	*fp = tmp;
	return 0;
}
