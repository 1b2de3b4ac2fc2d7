// SPDX-License-Identifier: MIT
/*
 * cmdlist.c - the command builder: one typed helper per device command,
 * each encoding the slot layout of include/csa/csa_device.h and checking
 * the command at once with the same footprint rules the kernel applies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/csa_translate.h"
#include "hw/timeline.h"
#include "libaccel/accel_internal.h"

/* accel.h restates the device limits and layouts: keep them equal. */
#define SAME(a, b) typedef char same_##a[(a) == (b) ? 1 : -1]
SAME(ACCEL_VEC_MAX, CSA_VEC_MAX);
SAME(ACCEL_MATVEC_MAX, CSA_MATVEC_MAX);
SAME(ACCEL_DMA_MAX, CSA_DMA_MAX);
SAME(ACCEL_BCQ_MAX_PLANES, CSA_BCQ_MAX_PLANES);
SAME(ACCEL_HEADS_MAX, CSA_HEADS_MAX);
SAME(ACCEL_HEAD_DIM_MAX, CSA_HEAD_DIM_MAX);
SAME(ACCEL_SEQ_MAX, CSA_SEQ_MAX);
SAME(ACCEL_BATCH_MAX, CSA_BATCH_MAX);
SAME(ACCEL_KV_BANKS, CSA_KV_BANKS);
SAME(ACCEL_CONSMAX_HEAD_BYTES, CSA_CONSMAX_HEAD_BYTES);
SAME(ACCEL_QUEUE_VECTOR, CSA_QUEUE_VECTOR);
SAME(ACCEL_QUEUE_ATTN, CSA_QUEUE_ATTN);
SAME(ACCEL_DEP_MAX, CSA_CMD_DEP_MAX);
SAME(ACCEL_DEP_MAX, CSA_DEP_MAX);

int accel_cmdlist_create(struct accel_dev *dev, struct accel_cmdlist **out)
{
	struct accel_cmdlist *cl;

	if (out)
		*out = NULL;
	if (!dev || !out)
		return -EINVAL;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->dev = dev;
	pthread_mutex_lock(&dev->lock);
	cl->next = dev->lists;
	if (dev->lists)
		dev->lists->prev = cl;
	dev->lists = cl;
	pthread_mutex_unlock(&dev->lock);
	*out = cl;
	return 0;
}

void accel_cmdlist_destroy(struct accel_cmdlist *cl)
{
	struct accel_dev *dev;

	if (!cl)
		return;
	dev = cl->dev;
	pthread_mutex_lock(&dev->lock);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		dev->lists = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	pthread_mutex_unlock(&dev->lock);
	free(cl->cmds);
	free(cl->gens);
	free(cl);
}

void accel_cmdlist_reset(struct accel_cmdlist *cl)
{
	if (cl)
		cl->count = 0;
}

uint32_t accel_cmdlist_count(const struct accel_cmdlist *cl)
{
	return cl ? cl->count : 0;
}

const struct drm_csa_cmd *accel_cmdlist_commands(const struct accel_cmdlist *cl,
						 uint32_t *count)
{
	if (count)
		*count = cl ? cl->count : 0;
	return cl && cl->count ? cl->cmds : NULL;
}

static uint32_t list_limit(const struct accel_cmdlist *cl)
{
	uint32_t max = cl->dev->info.max_cmds;

	return (max && max < CSA_SUBMIT_MAX_CMDS) ? max : CSA_SUBMIT_MAX_CMDS;
}

/* Check one buffer reference against its slot's footprint. */
static int check_ref(const struct accel_cmdlist *cl, enum csa_buf_kind kind,
		     uint64_t bytes, const struct accel_ref *ref)
{
	const struct accel_bo *bo = ref->bo;
	enum accel_mem want;

	if (kind == CSA_BUF_NONE)
		return (bo || ref->off) ? -EINVAL : 0;
	if (!bo)
		return -EINVAL;
	if (bo->dev != cl->dev)
		return -EXDEV;
	want = (kind == CSA_BUF_HOST_IN || kind == CSA_BUF_HOST_OUT) ?
	       ACCEL_MEM_HOST : ACCEL_MEM_DEVICE;
	if (bo->placement != want)
		return -EINVAL;
	if (ref->off > bo->size || bytes > bo->size - ref->off)
		return -ERANGE;
	return 0;
}

int accel_cmd_raw(struct accel_cmdlist *cl, uint32_t opcode, uint32_t flags,
		  const uint32_t *args, unsigned int nargs,
		  const struct accel_ref *bufs, unsigned int nbufs)
{
	struct accel_ref refs[CSA_CMD_BUFS];
	struct csa_cmd_footprint fp;
	struct drm_csa_cmd cmd;
	struct accel_cmd_gens gens;
	unsigned int i;
	int ret;

	if (!cl || nargs > CSA_CMD_ARGS || nbufs > CSA_CMD_BUFS ||
	    (nargs && !args) || (nbufs && !bufs))
		return -EINVAL;
	if (opcode >= CSA_OP_COUNT || (flags & ~CSA_CMD_F_USER_MASK))
		return -EINVAL;

	memset(&cmd, 0, sizeof(cmd));
	memset(&gens, 0, sizeof(gens));
	memset(refs, 0, sizeof(refs));
	cmd.opcode = opcode;
	cmd.flags = flags;
	for (i = 0; i < nargs; i++)
		cmd.arg[i] = args[i];
	for (i = 0; i < nbufs; i++)
		refs[i] = bufs[i];

	memset(&fp, 0, sizeof(fp));
	ret = csa_cmd_footprint(opcode, flags, cmd.arg, &fp);
	if (ret)
		return ret;
	/* Foreign buffers first: that mistake hides behind any other. */
	for (i = 0; i < CSA_CMD_BUFS; i++)
		if (refs[i].bo && refs[i].bo->dev != cl->dev)
			return -EXDEV;
	for (i = 0; i < CSA_CMD_BUFS; i++) {
		ret = check_ref(cl, fp.kind[i], fp.bytes[i], &refs[i]);
		if (ret)
			return ret;
		if (refs[i].bo) {
			cmd.buf[i].handle = refs[i].bo->handle;
			cmd.buf[i].offset = refs[i].off;
			gens.gen[i] = refs[i].bo->gen;
		}
	}

	if (cl->count >= list_limit(cl))
		return -E2BIG;
	if (cl->count == cl->cap) {
		uint32_t cap = cl->cap ? cl->cap * 2 : 16;
		struct drm_csa_cmd *c;
		struct accel_cmd_gens *g;

		c = realloc(cl->cmds, (size_t)cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		cl->cmds = c;
		g = realloc(cl->gens, (size_t)cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		cl->gens = g;
		cl->cap = cap;
	}
	cl->cmds[cl->count] = cmd;
	cl->gens[cl->count] = gens;
	cl->count++;
	return 0;
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

#define NARGS(a) ((unsigned int)(sizeof(a) / sizeof((a)[0])))

int accel_cmd_nop(struct accel_cmdlist *cl)
{
	return accel_cmd_raw(cl, CSA_OP_NOP, 0, NULL, 0, NULL, 0);
}

int accel_cmd_fence(struct accel_cmdlist *cl, uint64_t cookie)
{
	const uint32_t a[] = { (uint32_t)cookie, (uint32_t)(cookie >> 32) };

	return accel_cmd_raw(cl, CSA_OP_FENCE, 0, a, NARGS(a), NULL, 0);
}

int accel_cmd_dma_h2d(struct accel_cmdlist *cl, struct accel_ref host_src,
		      struct accel_ref dev_dst, uint32_t bytes)
{
	const uint32_t a[] = { bytes };
	const struct accel_ref b[] = { host_src, dev_dst };

	return accel_cmd_raw(cl, CSA_OP_DMA_H2D, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_dma_d2h(struct accel_cmdlist *cl, struct accel_ref dev_src,
		      struct accel_ref host_dst, uint32_t bytes)
{
	const uint32_t a[] = { bytes };
	const struct accel_ref b[] = { host_dst, dev_src };

	return accel_cmd_raw(cl, CSA_OP_DMA_D2H, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_copy(struct accel_cmdlist *cl, struct accel_ref src,
		   struct accel_ref dst, uint32_t bytes)
{
	const uint32_t a[] = { bytes };
	const struct accel_ref b[] = { src, dst };

	return accel_cmd_raw(cl, CSA_OP_COPY, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_embed(struct accel_cmdlist *cl, struct accel_ref table,
		    uint32_t rows, uint32_t dim, uint32_t row,
		    struct accel_ref dst)
{
	const uint32_t a[] = { dim, rows, row };
	const struct accel_ref b[] = { table, dst };

	return accel_cmd_raw(cl, CSA_OP_EMBED, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_embed_indirect(struct accel_cmdlist *cl, struct accel_ref table,
			     uint32_t rows, uint32_t dim,
			     struct accel_ref row_u32, struct accel_ref dst)
{
	const uint32_t a[] = { dim, rows };
	const struct accel_ref b[] = { table, dst, row_u32 };

	return accel_cmd_raw(cl, CSA_OP_EMBED, CSA_CMD_F_IDX_MEM, a, NARGS(a),
			     b, NARGS(b));
}

int accel_cmd_rmsnorm(struct accel_cmdlist *cl, struct accel_ref x,
		      struct accel_ref weight, struct accel_ref y, uint32_t n,
		      float eps)
{
	const uint32_t a[] = { n, f32_bits(eps) };
	const struct accel_ref b[] = { x, weight, y };

	return accel_cmd_raw(cl, CSA_OP_RMSNORM, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_matvec_f32(struct accel_cmdlist *cl, struct accel_ref x,
			 struct accel_ref w, struct accel_ref y, uint32_t k,
			 uint32_t n)
{
	const uint32_t a[] = { k, n };
	const struct accel_ref b[] = { x, w, y };

	return accel_cmd_raw(cl, CSA_OP_MATVEC_F32, 0, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_matvec_f32_batch(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref w, struct accel_ref y, uint32_t k,
			       uint32_t n, uint32_t batch)
{
	const uint32_t a[] = { k, n, batch };
	const struct accel_ref b[] = { x, w, y };

	return accel_cmd_raw(cl, CSA_OP_MATVEC_F32_BATCH, 0, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_matvec_bcq_flags(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref bits, struct accel_ref scales,
			       struct accel_ref y, uint32_t k, uint32_t n,
			       uint32_t planes, uint32_t group, uint32_t flags)
{
	const uint32_t a[] = { k, n, planes, group };
	const struct accel_ref b[] = { x, bits, scales, y };

	return accel_cmd_raw(cl, CSA_OP_MATVEC_BCQ, flags, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_matvec_bcq(struct accel_cmdlist *cl, struct accel_ref x,
			 struct accel_ref bits, struct accel_ref scales,
			 struct accel_ref y, uint32_t k, uint32_t n,
			 uint32_t planes, uint32_t group, int pow2_scales)
{
	return accel_cmd_matvec_bcq_flags(cl, x, bits, scales, y, k, n, planes,
					  group, pow2_scales ? CSA_CMD_F_POW2 : 0);
}

int accel_cmd_matvec_bcq_batch(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref bits, struct accel_ref scales,
			       struct accel_ref y, uint32_t k, uint32_t n,
			       uint32_t planes, uint32_t group, uint32_t flags,
			       uint32_t batch)
{
	const uint32_t a[] = { k, n, planes, group, batch };
	const struct accel_ref b[] = { x, bits, scales, y };

	return accel_cmd_raw(cl, CSA_OP_MATVEC_BCQ_BATCH,
			     flags, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_rope(struct accel_cmdlist *cl, struct accel_ref x,
		   struct accel_ref table, uint32_t n_heads,
		   uint32_t head_dim, uint32_t pos, uint32_t table_rows)
{
	const uint32_t a[] = { n_heads, head_dim, pos, table_rows };
	const struct accel_ref b[] = { x, table };

	return accel_cmd_raw(cl, CSA_OP_ROPE, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_kv_append_flags(struct accel_cmdlist *cl, struct accel_ref k,
			      struct accel_ref v, struct accel_ref kv_cache,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t pos, uint32_t max_seq, uint32_t flags)
{
	const uint32_t a[] = { n_kv_heads, head_dim, pos, max_seq };
	const struct accel_ref b[] = { k, v, kv_cache };

	return accel_cmd_raw(cl, CSA_OP_KV_APPEND, flags, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_kv_append(struct accel_cmdlist *cl, struct accel_ref k,
			struct accel_ref v, struct accel_ref kv_cache,
			uint32_t n_kv_heads, uint32_t head_dim, uint32_t pos,
			uint32_t max_seq)
{
	return accel_cmd_kv_append_flags(cl, k, v, kv_cache, n_kv_heads,
					 head_dim, pos, max_seq, 0);
}

int accel_cmd_attention_flags(struct accel_cmdlist *cl, struct accel_ref q,
			      struct accel_ref kv_cache, struct accel_ref out,
			      struct accel_ref consmax_table, uint32_t n_heads,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t seq_len, uint32_t max_seq,
			      float score_scale, uint32_t flags)
{
	const uint32_t a[] = { n_heads, n_kv_heads, head_dim, seq_len,
			       max_seq, f32_bits(score_scale) };
	const struct accel_ref b[] = { q, kv_cache, out, consmax_table };

	return accel_cmd_raw(cl, CSA_OP_ATTENTION,
			     flags | (consmax_table.bo ? CSA_CMD_F_CONSMAX : 0),
			     a, NARGS(a), b, NARGS(b));
}

int accel_cmd_attention(struct accel_cmdlist *cl, struct accel_ref q,
			struct accel_ref kv_cache, struct accel_ref out,
			struct accel_ref consmax_table, uint32_t n_heads,
			uint32_t n_kv_heads, uint32_t head_dim,
			uint32_t seq_len, uint32_t max_seq, float score_scale)
{
	return accel_cmd_attention_flags(cl, q, kv_cache, out, consmax_table,
					 n_heads, n_kv_heads, head_dim,
					 seq_len, max_seq, score_scale, 0);
}

int accel_cmd_kv_append_batch(struct accel_cmdlist *cl, struct accel_ref k,
			      struct accel_ref v, struct accel_ref pool,
			      struct accel_ref table, uint32_t n_kv_heads,
			      uint32_t head_dim, uint32_t max_seq,
			      uint32_t slots, uint32_t batch, uint32_t flags)
{
	const uint32_t a[] = { n_kv_heads, head_dim, batch, max_seq, slots };
	const struct accel_ref b[] = { k, v, pool, table };

	return accel_cmd_raw(cl, CSA_OP_KV_APPEND_BATCH, flags, a, NARGS(a), b,
			     NARGS(b));
}

int accel_cmd_attention_batch(struct accel_cmdlist *cl, struct accel_ref q,
			      struct accel_ref pool, struct accel_ref out,
			      struct accel_ref consmax_table,
			      struct accel_ref table, uint32_t n_heads,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t max_seq, uint32_t slots, uint32_t batch,
			      float score_scale, uint32_t flags)
{
	const uint32_t a[] = { n_heads, n_kv_heads, head_dim, batch, max_seq,
			       f32_bits(score_scale), slots };
	const struct accel_ref b[] = { q, pool, out, consmax_table, table };

	return accel_cmd_raw(cl, CSA_OP_ATTENTION_BATCH,
			     flags | (consmax_table.bo ? CSA_CMD_F_CONSMAX : 0),
			     a, NARGS(a), b, NARGS(b));
}

static int vec3(struct accel_cmdlist *cl, uint32_t op, struct accel_ref a0,
		struct accel_ref a1, struct accel_ref y, uint32_t n)
{
	const uint32_t a[] = { n };
	const struct accel_ref b[] = { a0, a1, y };

	return accel_cmd_raw(cl, op, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_silu_mul(struct accel_cmdlist *cl, struct accel_ref a,
		       struct accel_ref b, struct accel_ref y, uint32_t n)
{
	return vec3(cl, CSA_OP_SILU_MUL, a, b, y, n);
}

int accel_cmd_add(struct accel_cmdlist *cl, struct accel_ref a,
		  struct accel_ref b, struct accel_ref y, uint32_t n)
{
	return vec3(cl, CSA_OP_ADD, a, b, y, n);
}

int accel_cmd_argmax(struct accel_cmdlist *cl, struct accel_ref x,
		     struct accel_ref out_u32x2, uint32_t n)
{
	const uint32_t a[] = { n };
	const struct accel_ref b[] = { x, out_u32x2 };

	return accel_cmd_raw(cl, CSA_OP_ARGMAX, 0, a, NARGS(a), b, NARGS(b));
}

int accel_cmd_softmax(struct accel_cmdlist *cl, struct accel_ref x,
		      struct accel_ref y, struct accel_ref consmax_table,
		      uint32_t n)
{
	const uint32_t a[] = { n };
	const struct accel_ref b[] = { x, y, consmax_table };

	return accel_cmd_raw(cl, CSA_OP_SOFTMAX,
			     consmax_table.bo ? CSA_CMD_F_CONSMAX : 0, a,
			     NARGS(a), b, NARGS(b));
}

unsigned int accel_cmd_queue(uint32_t opcode)
{
	return opcode > 0xff ? CSA_QUEUE_VECTOR : csa_queue_of((uint8_t)opcode);
}

int accel_cmd_after(struct accel_cmdlist *cl, uint32_t index, uint32_t on)
{
	uint32_t dist = 0;

	if (!cl || index >= cl->count)
		return -EINVAL;
	if (on != ACCEL_DEP_NONE) {
		if (on >= index || index - on > ACCEL_DEP_MAX)
			return -EINVAL;
		dist = index - on;
	}
	cl->cmds[index].flags = (cl->cmds[index].flags & ~CSA_CMD_DEP_MASK) |
				CSA_CMD_DEP(dist);
	return 0;
}
