// SPDX-License-Identifier: MIT
/*
 * test_translate.c - CUnit tests of csa_translate_cmd(), the one user
 * command -> descriptor translation of the kernel and the sim backend.
 *
 * A small handle table stands in for the driver's GEM lookup (device BOs
 * with device addresses, host BOs whose SG tables go into an array); the
 * translation itself is the real code.  Every field of struct drm_csa_cmd
 * is broken once and must be rejected without writing the descriptor, and
 * every opcode must resolve to the right addresses with the right byte
 * counts.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "common/csa_translate.h"
#include "tests/common/cunit_run.h"

/* ---- the fake handle table ---------------------------------------------- */

struct fake_bo {
	uint32_t handle;
	int host;
	uint64_t size;
	uint64_t addr;		/* device address, or host bus address */
};

static const struct fake_bo fake_bos[] = {
	{ 1, 0, 1 << 20, 0x0100000 },
	{ 2, 0, 1 << 20, 0x0200000 },
	{ 3, 0, 1 << 20, 0x0300000 },
	{ 4, 0, 1 << 20, 0x0400000 },
	{ 5, 0, 4096, 0x0500000 },	/* small: for exact-bound checks */
	{ 10, 1, 1 << 20, 0x7000000000ull },
	{ 11, 1, 4096, 0x7100000000ull },
};

#define SG_TABLE_BUS	0x9000000000ull
#define MAX_CALLS	16

struct fake_ctx {
	struct csa_sg_entry sg[64];
	uint32_t sg_len;
	unsigned int ncalls;
	struct {
		int sg;
		uint32_t handle;
		uint64_t offset, bytes;
	} call[MAX_CALLS];
};

static const struct fake_bo *find(uint32_t handle)
{
	unsigned int i;

	for (i = 0; i < sizeof(fake_bos) / sizeof(fake_bos[0]); i++)
		if (fake_bos[i].handle == handle)
			return &fake_bos[i];
	return NULL;
}

static int check(const struct fake_bo *bo, int host, uint64_t off,
		 uint64_t bytes)
{
	if (!bo)
		return -ENOENT;
	if (bo->host != host)
		return -EINVAL;
	if (off > bo->size || bytes > bo->size - off)
		return -ERANGE;
	return 0;
}

static void record(struct fake_ctx *c, int sg, uint32_t h, uint64_t off,
		   uint64_t bytes)
{
	if (c->ncalls < MAX_CALLS) {
		c->call[c->ncalls].sg = sg;
		c->call[c->ncalls].handle = h;
		c->call[c->ncalls].offset = off;
		c->call[c->ncalls].bytes = bytes;
	}
	c->ncalls++;
}

static int fake_resolve(void *ctx, uint32_t handle, uint64_t offset,
			uint64_t bytes, uint64_t *dev_addr)
{
	const struct fake_bo *bo = find(handle);
	int ret = check(bo, 0, offset, bytes);

	record(ctx, 0, handle, offset, bytes);
	if (!ret)
		*dev_addr = bo->addr + offset;
	return ret;
}

/* Splits at 4 KiB host pages, like a real SG list of a shmem BO. */
static int fake_build_sg(void *ctx, uint32_t handle, uint64_t offset,
			 uint64_t bytes, uint64_t *sg_bus, uint32_t *count)
{
	struct fake_ctx *c = ctx;
	const struct fake_bo *bo = find(handle);
	int ret = check(bo, 1, offset, bytes);
	uint64_t pos, end;
	uint32_t first = c->sg_len;

	record(c, 1, handle, offset, bytes);
	if (ret)
		return ret;
	for (pos = offset, end = offset + bytes; pos < end;) {
		uint64_t next = (pos / 4096 + 1) * 4096;

		if (next > end)
			next = end;
		if (c->sg_len == 64)
			return -ENOMEM;
		c->sg[c->sg_len].addr = bo->addr + pos;
		c->sg[c->sg_len].len = (uint32_t)(next - pos);
		c->sg[c->sg_len].rsvd = 0;
		c->sg_len++;
		pos = next;
	}
	*sg_bus = SG_TABLE_BUS + first * sizeof(struct csa_sg_entry);
	*count = c->sg_len - first;
	return 0;
}

static const struct csa_translate_ops fake_ops = {
	.resolve_device = fake_resolve,
	.build_sg = fake_build_sg,
};

/* ---- valid commands per opcode, and what they must touch --------------- */

/* Args each opcode uses (the spec's table, restated independently). */
static const unsigned int used_args[CSA_OP_COUNT] = {
	[CSA_OP_NOP] = 0, [CSA_OP_FENCE] = 2, [CSA_OP_DMA_H2D] = 1,
	[CSA_OP_DMA_D2H] = 1, [CSA_OP_COPY] = 1, [CSA_OP_EMBED] = 3,
	[CSA_OP_RMSNORM] = 2, [CSA_OP_MATVEC_F32] = 2,
	[CSA_OP_MATVEC_BCQ] = 4, [CSA_OP_ROPE] = 4, [CSA_OP_KV_APPEND] = 4,
	[CSA_OP_ATTENTION] = 6, [CSA_OP_SILU_MUL] = 1, [CSA_OP_ADD] = 1,
	[CSA_OP_ARGMAX] = 1, [CSA_OP_SOFTMAX] = 1,
	[CSA_OP_MATVEC_BCQ_BATCH] = 5, [CSA_OP_KV_APPEND_BATCH] = 5,
	[CSA_OP_ATTENTION_BATCH] = 7, [CSA_OP_MATVEC_F32_BATCH] = 3,
};

struct valid_cmd {
	struct drm_csa_cmd cmd;
	unsigned int nbufs;		/* slots used: 0..nbufs-1 */
	uint64_t bytes[CSA_CMD_BUFS];	/* expected footprint per slot */
};

static void ref(struct drm_csa_cmd *c, unsigned int slot, uint32_t handle,
		uint64_t off)
{
	c->buf[slot].handle = handle;
	c->buf[slot].offset = off;
}

/* A correct command of @op with distinct handles and offsets per slot. */
static void make_valid(uint32_t op, struct valid_cmd *v)
{
	struct drm_csa_cmd *c = &v->cmd;
	unsigned int i;

	memset(v, 0, sizeof(*v));
	c->opcode = op;
	switch (op) {
	case CSA_OP_NOP:
		break;
	case CSA_OP_FENCE:
		c->arg[0] = 0x1234;
		c->arg[1] = 0x5678;
		break;
	case CSA_OP_DMA_H2D:
	case CSA_OP_DMA_D2H:
		c->arg[0] = 8192;	/* crosses host pages: 3 SG entries */
		v->nbufs = 2;
		v->bytes[0] = v->bytes[1] = 8192;
		break;
	case CSA_OP_COPY:
		c->arg[0] = 64;
		v->nbufs = 2;
		v->bytes[0] = v->bytes[1] = 64;
		break;
	case CSA_OP_EMBED:
		c->arg[0] = 4;	/* dim */
		c->arg[1] = 3;	/* rows */
		c->arg[2] = 1;	/* row */
		v->nbufs = 2;
		v->bytes[0] = 3 * 4 * 4;
		v->bytes[1] = 4 * 4;
		break;
	case CSA_OP_RMSNORM:
		c->arg[0] = 8;
		c->arg[1] = 0x3727c5ac;	/* 1e-5f */
		v->nbufs = 3;
		v->bytes[0] = v->bytes[1] = v->bytes[2] = 32;
		break;
	case CSA_OP_MATVEC_F32:
		c->arg[0] = 3;	/* K */
		c->arg[1] = 2;	/* N */
		v->nbufs = 3;
		v->bytes[0] = 12;
		v->bytes[1] = 24;
		v->bytes[2] = 8;
		break;
	case CSA_OP_MATVEC_BCQ:
		c->arg[0] = 20;	/* K: 3 bytes per row and plane */
		c->arg[1] = 4;	/* N */
		c->arg[2] = 2;	/* planes */
		c->arg[3] = 8;	/* group: 3 groups */
		v->nbufs = 4;
		v->bytes[0] = 20 * 4;
		v->bytes[1] = 3 * 4 * 2;
		v->bytes[2] = 4 * 3 * 2 * 4;
		v->bytes[3] = 4 * 4;
		break;
	case CSA_OP_MATVEC_BCQ_BATCH:
		c->arg[0] = 20;	/* K */
		c->arg[1] = 4;	/* N */
		c->arg[2] = 2;	/* planes */
		c->arg[3] = 8;	/* group */
		c->arg[4] = 3;	/* B */
		v->nbufs = 4;
		v->bytes[0] = 3 * 20 * 4;
		v->bytes[1] = 3 * 4 * 2;
		v->bytes[2] = 4 * 3 * 2 * 4;
		v->bytes[3] = 3 * 4 * 4;
		break;
	case CSA_OP_ROPE:
		c->arg[0] = 2;	/* heads */
		c->arg[1] = 4;	/* head_dim */
		c->arg[2] = 1;	/* pos */
		c->arg[3] = 5;	/* rows */
		v->nbufs = 2;
		v->bytes[0] = 2 * 4 * 4;
		v->bytes[1] = 5 * 2 * 2 * 4;
		break;
	case CSA_OP_KV_APPEND:
		c->arg[0] = 2;	/* kv heads */
		c->arg[1] = 4;	/* head_dim */
		c->arg[2] = 3;	/* pos */
		c->arg[3] = 40;	/* max_seq: 2 slots per bank */
		v->nbufs = 3;
		v->bytes[0] = v->bytes[1] = 2 * 4 * 4;
		v->bytes[2] = 2ull * 2 * 4 * 32 * 2 * 4;
		break;
	case CSA_OP_ATTENTION:
		c->arg[0] = 4;	/* heads */
		c->arg[1] = 2;	/* kv heads */
		c->arg[2] = 4;	/* head_dim */
		c->arg[3] = 5;	/* seq_len */
		c->arg[4] = 40;	/* max_seq */
		c->arg[5] = 0x3f000000;	/* 0.5f */
		v->nbufs = 3;
		v->bytes[0] = v->bytes[2] = 4 * 4 * 4;
		v->bytes[1] = 2ull * 2 * 4 * 32 * 2 * 4;
		break;
	case CSA_OP_MATVEC_F32_BATCH:
		c->arg[0] = 3;	/* K */
		c->arg[1] = 2;	/* N */
		c->arg[2] = 4;	/* B */
		v->nbufs = 3;
		v->bytes[0] = 4 * 12;
		v->bytes[1] = 24;
		v->bytes[2] = 4 * 8;
		break;
	case CSA_OP_KV_APPEND_BATCH:
		c->arg[0] = 2;	/* kv heads */
		c->arg[1] = 4;	/* head_dim */
		c->arg[2] = 3;	/* B */
		c->arg[3] = 40;	/* max_seq: 2 slots per bank */
		c->arg[4] = 5;	/* caches in the pool */
		v->nbufs = 4;
		v->bytes[0] = v->bytes[1] = 3 * 2 * 4 * 4;
		v->bytes[2] = 5 * 2ull * 2 * 4 * 32 * 2 * 4;
		v->bytes[3] = 3 * 8;
		break;
	case CSA_OP_ATTENTION_BATCH:
		c->flags = CSA_CMD_F_CONSMAX;	/* every slot used */
		c->arg[0] = 4;	/* heads */
		c->arg[1] = 2;	/* kv heads */
		c->arg[2] = 4;	/* head_dim */
		c->arg[3] = 3;	/* B */
		c->arg[4] = 40;	/* max_seq */
		c->arg[5] = 0x3f000000;	/* 0.5f */
		c->arg[6] = 5;	/* caches in the pool */
		v->nbufs = 5;
		v->bytes[0] = v->bytes[2] = 3 * 4 * 4 * 4;
		v->bytes[1] = 5 * 2ull * 2 * 4 * 32 * 2 * 4;
		v->bytes[3] = 4 * 144;
		v->bytes[4] = 3 * 8;
		break;
	case CSA_OP_SILU_MUL:
	case CSA_OP_ADD:
		c->arg[0] = 8;
		v->nbufs = 3;
		v->bytes[0] = v->bytes[1] = v->bytes[2] = 32;
		break;
	case CSA_OP_ARGMAX:
		c->arg[0] = 8;
		v->nbufs = 2;
		v->bytes[0] = 32;
		v->bytes[1] = 8;
		break;
	case CSA_OP_SOFTMAX:
		c->arg[0] = 8;
		v->nbufs = 2;
		v->bytes[0] = v->bytes[1] = 32;
		break;
	}
	for (i = 0; i < v->nbufs; i++)
		ref(c, i, 1 + i, 16 * (i + 1));
	if (op == CSA_OP_DMA_H2D || op == CSA_OP_DMA_D2H)
		ref(c, 0, 10, 4000);	/* host BO, unaligned start */
}

static int is_dma(uint32_t op)
{
	return op == CSA_OP_DMA_H2D || op == CSA_OP_DMA_D2H;
}

/* Translate @cmd into a descriptor pre-filled with a sentinel. */
static int translate(const struct drm_csa_cmd *cmd, struct fake_ctx *ctx,
		     struct csa_desc *d)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(d, 0xab, sizeof(*d));
	return csa_translate_cmd(cmd, &fake_ops, ctx, d);
}

static int untouched(const struct csa_desc *d)
{
	const uint8_t *p = (const uint8_t *)d;
	size_t i;

	for (i = 0; i < sizeof(*d); i++)
		if (p[i] != 0xab)
			return 0;
	return 1;
}

/* Expect rejection with @err and an untouched descriptor. */
#define EXPECT_REJECT(cmdp, err) do {					\
	struct fake_ctx ctx_;						\
	struct csa_desc d_;						\
	CU_ASSERT_EQUAL(translate((cmdp), &ctx_, &d_), (err));		\
	CU_ASSERT_TRUE(untouched(&d_));					\
} while (0)

/* ---- rejections ---------------------------------------------------------- */

static void test_null_arguments(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;
	struct csa_translate_ops no_sg = { fake_resolve, NULL };

	make_valid(CSA_OP_ADD, &v);
	memset(&ctx, 0, sizeof(ctx));
	CU_ASSERT_EQUAL(csa_translate_cmd(NULL, &fake_ops, &ctx, &d), -EINVAL);
	CU_ASSERT_EQUAL(csa_translate_cmd(&v.cmd, NULL, &ctx, &d), -EINVAL);
	CU_ASSERT_EQUAL(csa_translate_cmd(&v.cmd, &fake_ops, &ctx, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(csa_translate_cmd(&v.cmd, &no_sg, &ctx, &d), -EINVAL);
}

static void test_unknown_opcode(void)
{
	const uint32_t bad[] = { CSA_OP_COUNT, 0x42, 0xff, 0x100, 0xffffffffu };
	struct valid_cmd v;
	unsigned int i;

	make_valid(CSA_OP_NOP, &v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v.cmd.opcode = bad[i];
		EXPECT_REJECT(&v.cmd, -EINVAL);
	}
}

static void test_flags_not_allowed(void)
{
	struct valid_cmd v;
	uint32_t op, bit;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		for (bit = 0; bit < 32; bit++) {
			uint32_t allowed = 0;

			if (op == CSA_OP_EMBED)
				allowed = CSA_CMD_F_IDX_MEM;
			if (op == CSA_OP_MATVEC_BCQ || op == CSA_OP_MATVEC_BCQ_BATCH)
				allowed = CSA_CMD_F_POW2 | CSA_CMD_F_SCALE16;
			if (op == CSA_OP_ATTENTION || op == CSA_OP_SOFTMAX ||
			    op == CSA_OP_ATTENTION_BATCH)
				allowed = CSA_CMD_F_CONSMAX;
			/* F_CONSMAX_NORM alone (without F_CONSMAX) is refused */
			if (op == CSA_OP_ATTENTION || op == CSA_OP_KV_APPEND ||
			    op == CSA_OP_ATTENTION_BATCH || op == CSA_OP_KV_APPEND_BATCH)
				allowed |= CSA_CMD_F_KV_F16;
			/* bit 31 alone is CSA_CMD_DEP(0): test_dependency */
			if ((allowed & (1u << bit)) || bit == 31)
				continue;
			make_valid(op, &v);
			v.cmd.flags = 1u << bit;
			EXPECT_REJECT(&v.cmd, -EINVAL);
		}
	}
}

static void test_unused_args_nonzero(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int i;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		for (i = used_args[op]; i < CSA_CMD_ARGS; i++) {
			make_valid(op, &v);
			v.cmd.arg[i] = 1;
			EXPECT_REJECT(&v.cmd, -EINVAL);
			v.cmd.arg[i] = 0x80000000u;
			EXPECT_REJECT(&v.cmd, -EINVAL);
		}
	}
}

static void test_used_args_out_of_range(void)
{
	struct valid_cmd v;

	make_valid(CSA_OP_ADD, &v);
	v.cmd.arg[0] = 0;
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_DMA_H2D, &v);
	v.cmd.arg[0] = 6;		/* not a multiple of 4 */
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_EMBED, &v);
	v.cmd.arg[2] = 3;		/* row == rows */
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_MATVEC_BCQ, &v);
	v.cmd.arg[2] = 5;		/* planes > 4 */
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_ATTENTION, &v);
	v.cmd.arg[1] = 3;		/* kv heads do not divide heads */
	EXPECT_REJECT(&v.cmd, -EINVAL);
}

static void test_used_ref_pad_or_handle(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int s;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		make_valid(op, &v);
		for (s = 0; s < v.nbufs; s++) {
			make_valid(op, &v);
			v.cmd.buf[s].pad = 1;
			EXPECT_REJECT(&v.cmd, -EINVAL);
			make_valid(op, &v);
			v.cmd.buf[s].handle = 0;
			EXPECT_REJECT(&v.cmd, -EINVAL);
		}
	}
}

static void test_unused_ref_not_zero(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int s;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		make_valid(op, &v);
		for (s = v.nbufs; s < CSA_CMD_BUFS; s++) {
			make_valid(op, &v);
			v.cmd.buf[s].handle = 1;
			EXPECT_REJECT(&v.cmd, -EINVAL);
			make_valid(op, &v);
			v.cmd.buf[s].pad = 1;
			EXPECT_REJECT(&v.cmd, -EINVAL);
			make_valid(op, &v);
			v.cmd.buf[s].offset = 8;
			EXPECT_REJECT(&v.cmd, -EINVAL);
		}
	}
	/* The optional slots: EMBED row index, ConSmax tables. */
	make_valid(CSA_OP_EMBED, &v);
	ref(&v.cmd, 2, 3, 0);
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_SOFTMAX, &v);
	ref(&v.cmd, 2, 3, 0);
	EXPECT_REJECT(&v.cmd, -EINVAL);
	make_valid(CSA_OP_ATTENTION, &v);
	ref(&v.cmd, 3, 4, 0);
	EXPECT_REJECT(&v.cmd, -EINVAL);
}

static void test_unknown_handle(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int s;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		make_valid(op, &v);
		for (s = 0; s < v.nbufs; s++) {
			make_valid(op, &v);
			v.cmd.buf[s].handle = 99;
			EXPECT_REJECT(&v.cmd, -ENOENT);
		}
	}
}

static void test_wrong_placement(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int s;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		make_valid(op, &v);
		for (s = 0; s < v.nbufs; s++) {
			make_valid(op, &v);
			/* host where device is wanted and vice versa */
			v.cmd.buf[s].handle = (is_dma(op) && s == 0) ? 1 : 10;
			EXPECT_REJECT(&v.cmd, -EINVAL);
		}
	}
}

static void test_out_of_bounds(void)
{
	struct valid_cmd v;
	uint32_t op;
	unsigned int s;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		make_valid(op, &v);
		for (s = 0; s < v.nbufs; s++) {
			const struct fake_bo *bo;

			make_valid(op, &v);
			bo = find(v.cmd.buf[s].handle);
			/* the footprint's last byte one past the end */
			v.cmd.buf[s].offset = bo->size - v.bytes[s] + 1;
			EXPECT_REJECT(&v.cmd, -ERANGE);
			v.cmd.buf[s].offset = bo->size + 4;
			EXPECT_REJECT(&v.cmd, -ERANGE);
			v.cmd.buf[s].offset = UINT64_MAX - 3;
			EXPECT_REJECT(&v.cmd, -ERANGE);
		}
	}
}

static void test_exact_fit_accepted(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;

	/* ADD of 1024 floats fills BO 5 (4 KiB) exactly. */
	make_valid(CSA_OP_ADD, &v);
	v.cmd.arg[0] = 1024;
	ref(&v.cmd, 0, 5, 0);
	CU_ASSERT_EQUAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.addr[0], 0x0500000u);
	ref(&v.cmd, 0, 5, 4);
	EXPECT_REJECT(&v.cmd, -ERANGE);
}

/* The dependency field: its form here, its range in the submit by
 * csa_translate_dep() (docs/device-spec.md 3.6). */
static void test_dependency(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;

	make_valid(CSA_OP_ADD, &v);
	v.cmd.flags = CSA_CMD_DEP(0);
	CU_ASSERT_EQUAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.dep, CSA_DEP_EXPLICIT);
	CU_ASSERT_EQUAL(d.flags, 0);
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, 0), 0);

	v.cmd.flags = CSA_CMD_DEP(CSA_CMD_DEP_MAX);
	CU_ASSERT_EQUAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.dep, CSA_DEP_EXPLICIT | CSA_DEP_MAX);
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, CSA_CMD_DEP_MAX), 0);
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, CSA_CMD_DEP_MAX - 1), -EINVAL);

	make_valid(CSA_OP_ATTENTION, &v);
	v.cmd.flags = CSA_CMD_F_KV_F16 | CSA_CMD_DEP(3);
	CU_ASSERT_EQUAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.flags, CSA_CMD_F_KV_F16);
	CU_ASSERT_EQUAL(d.dep, CSA_DEP_EXPLICIT | 3);
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, 2), -EINVAL);
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, 3), 0);

	/* a distance without the explicit bit, or a reserved bit */
	make_valid(CSA_OP_ADD, &v);
	v.cmd.flags = 3u << CSA_CMD_DEP_SHIFT;
	EXPECT_REJECT(&v.cmd, -EINVAL);
	v.cmd.flags = CSA_CMD_DEP(0) | (1u << 26);
	EXPECT_REJECT(&v.cmd, -EINVAL);
	/* the default: in order, nothing to check */
	v.cmd.flags = 0;
	CU_ASSERT_EQUAL(csa_translate_dep(&v.cmd, 0), 0);
}

/* ---- correct resolution -------------------------------------------------- */

static void check_desc_common(const struct drm_csa_cmd *c,
			      const struct csa_desc *d)
{
	unsigned int i;

	CU_ASSERT_EQUAL(d->opcode, c->opcode);
	CU_ASSERT_EQUAL(d->flags, c->flags);
	CU_ASSERT_EQUAL(d->dep, 0);
	CU_ASSERT_EQUAL(d->tag, 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(d->rsvd1[i], 0);
}

static void test_resolution_every_opcode(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;
	uint32_t op;
	unsigned int s, i;

	for (op = 0; op < CSA_OP_COUNT; op++) {
		if (is_dma(op))
			continue;
		make_valid(op, &v);
		CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
		check_desc_common(&v.cmd, &d);
		for (i = 0; i < CSA_CMD_ARGS; i++)
			CU_ASSERT_EQUAL(d.arg[i], v.cmd.arg[i]);
		CU_ASSERT_EQUAL(ctx.ncalls, v.nbufs);
		for (s = 0; s < CSA_CMD_BUFS; s++) {
			if (s >= v.nbufs) {
				CU_ASSERT_EQUAL(d.addr[s], 0);
				continue;
			}
			CU_ASSERT_EQUAL(d.addr[s],
					find(v.cmd.buf[s].handle)->addr +
					v.cmd.buf[s].offset);
			CU_ASSERT_EQUAL(ctx.call[s].sg, 0);
			CU_ASSERT_EQUAL(ctx.call[s].handle, v.cmd.buf[s].handle);
			CU_ASSERT_EQUAL(ctx.call[s].bytes, v.bytes[s]);
		}
	}
}

static void check_dma(uint32_t op)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;
	unsigned int i;

	make_valid(op, &v);
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	check_desc_common(&v.cmd, &d);
	CU_ASSERT_EQUAL(d.arg[0], 8192);
	/* 8192 bytes from host offset 4000: 96 + 4096 + 4000 */
	CU_ASSERT_EQUAL(d.arg[1], 3);
	for (i = 2; i < CSA_DESC_ARGS; i++)
		CU_ASSERT_EQUAL(d.arg[i], 0);
	CU_ASSERT_EQUAL(d.addr[0], SG_TABLE_BUS);
	CU_ASSERT_EQUAL(d.addr[1], 0x0200000u + 32);
	for (i = 2; i < CSA_DESC_ADDRS; i++)
		CU_ASSERT_EQUAL(d.addr[i], 0);
	CU_ASSERT_EQUAL(ctx.sg_len, 3);
	CU_ASSERT_EQUAL(ctx.sg[0].addr, 0x7000000000ull + 4000);
	CU_ASSERT_EQUAL(ctx.sg[0].len, 96);
	CU_ASSERT_EQUAL(ctx.sg[1].len, 4096);
	CU_ASSERT_EQUAL(ctx.sg[2].len, 4000);
}

static void test_dma_h2d(void)
{
	check_dma(CSA_OP_DMA_H2D);
}

static void test_dma_d2h(void)
{
	check_dma(CSA_OP_DMA_D2H);
}

static void test_optional_slots(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;

	make_valid(CSA_OP_EMBED, &v);
	v.cmd.flags = CSA_CMD_F_IDX_MEM;
	v.cmd.arg[2] = 0;
	ref(&v.cmd, 2, 3, 40);
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.flags, CSA_CMD_F_IDX_MEM);
	CU_ASSERT_EQUAL(d.addr[2], 0x0300000u + 40);
	CU_ASSERT_EQUAL(ctx.call[2].bytes, 4);
	/* with F_IDX_MEM the slot is required */
	ref(&v.cmd, 2, 0, 0);
	EXPECT_REJECT(&v.cmd, -EINVAL);

	make_valid(CSA_OP_ATTENTION, &v);
	v.cmd.flags = CSA_CMD_F_CONSMAX;
	ref(&v.cmd, 3, 4, 0);
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.addr[3], 0x0400000u);
	CU_ASSERT_EQUAL(ctx.call[3].bytes, 4 * CSA_CONSMAX_HEAD_BYTES);

	make_valid(CSA_OP_SOFTMAX, &v);
	v.cmd.flags = CSA_CMD_F_CONSMAX;
	ref(&v.cmd, 2, 3, 144);
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.addr[2], 0x0300000u + 144);
	CU_ASSERT_EQUAL(ctx.call[2].bytes, CSA_CONSMAX_HEAD_BYTES);

	make_valid(CSA_OP_MATVEC_BCQ, &v);
	v.cmd.flags = CSA_CMD_F_POW2;
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(ctx.call[2].bytes, 4 * 3 * 2);	/* int8 scales */
}

static void test_fence_cookie_passes(void)
{
	struct valid_cmd v;
	struct fake_ctx ctx;
	struct csa_desc d;

	make_valid(CSA_OP_FENCE, &v);
	v.cmd.arg[0] = 0xdeadbeef;
	v.cmd.arg[1] = 0xcafef00d;
	CU_ASSERT_EQUAL_FATAL(translate(&v.cmd, &ctx, &d), 0);
	CU_ASSERT_EQUAL(d.arg[0], 0xdeadbeef);
	CU_ASSERT_EQUAL(d.arg[1], 0xcafef00d);
	CU_ASSERT_EQUAL(ctx.ncalls, 0);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "NULL arguments", test_null_arguments },
		{ "unknown opcode", test_unknown_opcode },
		{ "flags not allowed for the opcode", test_flags_not_allowed },
		{ "dependency field", test_dependency },
		{ "unused args non-zero", test_unused_args_nonzero },
		{ "used args out of range", test_used_args_out_of_range },
		{ "used ref: pad set or handle 0", test_used_ref_pad_or_handle },
		{ "unused ref not all zero", test_unused_ref_not_zero },
		{ "unknown handle", test_unknown_handle },
		{ "wrong placement", test_wrong_placement },
		{ "out of bounds", test_out_of_bounds },
		{ "exact fit accepted", test_exact_fit_accepted },
		{ "resolution of every opcode", test_resolution_every_opcode },
		{ "DMA_H2D: SG table, count, device address", test_dma_h2d },
		{ "DMA_D2H: SG table, count, device address", test_dma_d2h },
		{ "optional slots (IDX_MEM, CONSMAX, POW2)", test_optional_slots },
		{ "FENCE cookie", test_fence_cookie_passes },
	};

	return cunit_run_suite("translate", tests, sizeof(tests) / sizeof(tests[0]));
}
