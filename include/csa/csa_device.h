/* SPDX-License-Identifier: MIT */
/*
 * csa_device.h - the CSA card as the bus sees it: PCI identity, BAR0
 * registers, ring entry formats, per-opcode argument layouts and the
 * device-memory layouts (BCQ weights, KV cache banks, ConSmax tables).
 *
 * docs/device-spec.md is the prose of this file; both must agree.
 * Shared by hw/ (the model), the kernel driver, the QEMU device and
 * libaccel, so it is plain C with fixed-width types only.
 */
#ifndef CSA_DEVICE_H
#define CSA_DEVICE_H

#if defined(__KERNEL__)
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* ---- PCI identity --------------------------------------------------- */
/* The QEMU model's IDs: vendor 0x1234 is the test vendor ID QEMU's own
 * example devices use (edu is 1234:11e8), device 0xc5a0 is this project's
 * pick.  A board carries its own vendor/device and subsystem IDs
 * (docs/board.md); the driver lists each pair it binds. */
#define CSA_PCI_VENDOR_ID	0x1234
#define CSA_PCI_DEVICE_ID	0xc5a0
#define CSA_PCI_CLASS		0x120000 /* processing accelerator */
#define CSA_BAR_REGS		0	/* 4 KiB of registers */
#define CSA_BAR_DEVMEM		2	/* optional prefetchable devmem window */
#define CSA_BAR_MSIX		4	/* MSI-X table and PBA */
#define CSA_REGS_SIZE		0x1000
#define CSA_MSIX_VECTORS	2
#define CSA_MSIX_VEC_CQ		0	/* completion posted */
#define CSA_MSIX_VEC_ERROR	1	/* ERROR_STATUS became non-zero */

/* ---- identity values ------------------------------------------------- */
#define CSA_MAGIC		0x31415343u /* "CSA1" little-endian */
#define CSA_VERSION_MAJOR	1
#define CSA_VERSION_MINOR	0
#define CSA_VERSION		((CSA_VERSION_MAJOR << 16) | CSA_VERSION_MINOR)

/* ---- BAR0 register map (all 32-bit, little-endian) -------------------- */
#define CSA_REG_MAGIC		0x000	/* RO CSA_MAGIC */
#define CSA_REG_VERSION		0x004	/* RO major << 16 | minor */
#define CSA_REG_CAPS		0x008	/* RO CSA_CAP_* (low 32 bits) */
#define CSA_REG_ENGINES		0x00c	/* RO bcq_lanes | pim_banks << 8 | vec_lanes << 16 | pim_macs << 24 */
#define CSA_REG_DEVMEM_LO	0x010	/* RO device memory size, bytes */
#define CSA_REG_DEVMEM_HI	0x014
#define CSA_REG_CLOCK_KHZ	0x018	/* RO cycle-model clock */
#define CSA_REG_DRAM_MBPS	0x01c	/* RO cycle-model device memory bandwidth */
#define CSA_REG_CONTROL		0x020	/* RW CSA_CTRL_* */
#define CSA_REG_STATUS		0x024	/* RO CSA_STS_* */
#define CSA_REG_ERROR_STATUS	0x028	/* RW1C CSA_ERR_* */
#define CSA_REG_ERROR_INFO	0x02c	/* RO detail of the first error (spec 4.4) */
#define CSA_REG_IRQ_STATUS	0x030	/* RW1C CSA_IRQ_* */
#define CSA_REG_IRQ_MASK	0x034	/* RW, 1 = masked; reset value 0x3 */
#define CSA_REG_IRQ_COALESCE	0x038	/* RW, completions per interrupt (0,1 = each) */
#define CSA_REG_SCRATCH		0x03c	/* RW, no effect; bring-up check */
#define CSA_REG_SQ_BASE_LO	0x040	/* RW bus address, 64-byte aligned */
#define CSA_REG_SQ_BASE_HI	0x044
#define CSA_REG_SQ_SIZE		0x048	/* RW entries, power of two, 4..65536 */
#define CSA_REG_SQ_TAIL		0x04c	/* WO doorbell: index of the next free slot */
#define CSA_REG_SQ_HEAD		0x050	/* RO index of the next slot the device fetches */
#define CSA_REG_CQ_BASE_LO	0x058	/* RW bus address, 64-byte aligned */
#define CSA_REG_CQ_BASE_HI	0x05c
#define CSA_REG_CQ_SIZE		0x060	/* RW entries, power of two, 4..65536 */
#define CSA_REG_CQ_HEAD		0x064	/* WO doorbell: next entry the host will read */
#define CSA_REG_CQ_TAIL		0x068	/* RO next entry the device will write */
/* Board profile of the cycle model (docs/board.md); full-width engine
 * sizes, since ENGINES saturates each 8-bit field at 255. */
#define CSA_REG_BOARD_ID	0x070	/* RO CSA_BOARD_* */
#define CSA_REG_BCQ_LANES	0x074	/* RO shift-add table lookups per cycle */
#define CSA_REG_PIM_UNITS	0x078	/* RO attention units */
#define CSA_REG_PIM_MACS	0x07c	/* RO multipliers per attention unit */
#define CSA_REG_VEC_LANES	0x080	/* RO f32 lanes of the vector unit */
#define CSA_REG_MEM_CHANNELS	0x084	/* RO DDR channels / HBM pseudo-channels */
#define CSA_REG_MEM_PEAK_MBPS	0x088	/* RO datasheet peak; DRAM_MBPS is sustained */
#define CSA_REG_PCIE_MBPS	0x08c	/* RO sustained host DMA bandwidth */
#define CSA_REG_BOARD_NAME	0x090	/* RO 16 bytes, NUL-padded ASCII, 4 registers */
/* 64-bit performance counters, LO at the offset, HI at offset + 4; reading
 * LO latches HI.  Cleared by reset only. */
#define CSA_REG_PERF_BASE	0x100
#define CSA_PERF_BUSY(engine)	(0x100 + 8 * (engine)) /* enum drm_csa_engine */
#define CSA_REG_PERF_TOTAL	0x140	/* cycles of all completed commands */
#define CSA_REG_PERF_COMMANDS	0x148	/* descriptors completed */
#define CSA_REG_PERF_DMA_BYTES	0x150	/* bytes moved host<->device */
#define CSA_REG_PERF_MEM_BYTES	0x158	/* device memory bytes read+written */
#define CSA_REG_PERF_ERRORS	0x160	/* descriptors completed with an error */
#define CSA_REG_PERF_RESETS	0x168	/* soft resets since power-on */

/* Board profiles (CSA_REG_BOARD_ID) */
#define CSA_BOARD_KCU105	1u	/* 1x DDR4-2400 dev board */
#define CSA_BOARD_U250		2u	/* Alveo U250 class, 4x DDR4-2400 */
#define CSA_BOARD_U55C		3u	/* Alveo U55C class, HBM2 */
#define CSA_BOARD_NAME_LEN	16u

#define CSA_CTRL_ENABLE		(1u << 0) /* 0->1 latches ring setup, starts fetching */
#define CSA_CTRL_RESET		(1u << 1) /* self-clearing soft reset */

#define CSA_STS_READY		(1u << 0) /* enabled and rings valid */
#define CSA_STS_HALTED		(1u << 1) /* stopped on a fatal error; needs reset */
#define CSA_STS_BUSY		(1u << 2) /* descriptors pending (head != tail) */

#define CSA_ERR_RING_SETUP	(1u << 0) /* bad ring base/size at enable */
#define CSA_ERR_SQ_FETCH	(1u << 1) /* DMA fault fetching a descriptor */
#define CSA_ERR_CQ_WRITE	(1u << 2) /* DMA fault writing a completion */
#define CSA_ERR_DOORBELL	(1u << 3) /* doorbell value >= ring size */
#define CSA_ERR_CMD		(1u << 4) /* a descriptor completed with an error */

#define CSA_IRQ_CQ		(1u << 0)
#define CSA_IRQ_ERROR		(1u << 1)

#define CSA_RING_MIN		4u
#define CSA_RING_MAX		65536u
#define CSA_RING_ALIGN		64u

/* ---- submission ring entry: one descriptor, 128 bytes ----------------- */
#define CSA_DESC_ARGS		10
#define CSA_DESC_ADDRS		6

struct csa_desc {
	uint8_t opcode;		/* enum drm_csa_opcode */
	uint8_t flags;		/* CSA_CMD_F_* | CSA_DESC_F_* */
	uint16_t dep;		/* CSA_DEP_*: 0 = after the previous descriptor */
	uint32_t tag;		/* job tag, copied into the completion */
	uint32_t arg[CSA_DESC_ARGS];
	uint64_t addr[CSA_DESC_ADDRS]; /* device or bus addresses, per opcode */
	uint64_t rsvd1[4];	/* must be zero */
};

/* Descriptor flags only the kernel (or libaccel's translation) sets */
#define CSA_DESC_F_LAST		(1u << 7) /* last descriptor of a job: post a completion */
#define CSA_DESC_F_MASK		(0x3fu | CSA_DESC_F_LAST)

/* Dependency field (docs/device-spec.md 3.6, "Engine queues").  Each
 * descriptor runs on one of two engine queues, fixed by its opcode
 * (hw/timeline.c: KV_APPEND and ATTENTION on the attention queue, every
 * other opcode on the vector queue) and always after the earlier
 * descriptors of its own queue.  dep 0: also after the previous
 * descriptor of the ring (strictly in order).  CSA_DEP_EXPLICIT | n: also
 * after the descriptor n before it in the same job (n = 0: nothing more),
 * n <= its index in the job, else BAD_ARG.  Bits 14:10 reserved. */
#define CSA_DEP_EXPLICIT	(1u << 15)
#define CSA_DEP_DIST_MASK	0x3ffu
#define CSA_DEP_MAX		1023u
#define CSA_DEP_RSVD_MASK	0x7c00u

#define CSA_QUEUE_VECTOR	0u	/* DMA, copy, vector ops, matvecs */
#define CSA_QUEUE_ATTN		1u	/* KV append, attention */
#define CSA_QUEUE_COUNT		2u

/* ---- completion ring entry, 32 bytes ----------------------------------- */
struct csa_cqe {
	uint32_t tag;		/* tag of the job's descriptors */
	uint16_t status;	/* enum drm_csa_status */
	uint16_t flags;		/* CSA_CQE_F_* */
	uint32_t index;		/* failing descriptor's index within the job */
	uint32_t sq_head;	/* device SQ head after this entry */
	uint64_t cycles;	/* modelled cycles of the job (up to here) */
	uint64_t cookie;	/* FENCE: its arg0; else 0 */
};

#define CSA_CQE_F_PHASE		(1u << 0) /* flips each time the ring wraps */
#define CSA_CQE_F_FENCE		(1u << 1) /* progress entry from FENCE, job goes on */

/* ---- scatter-gather entry for DMA_H2D / DMA_D2H, 16 bytes -------------- */
struct csa_sg_entry {
	uint64_t addr;		/* bus address of the host segment */
	uint32_t len;		/* bytes, > 0 */
	uint32_t rsvd;		/* must be zero */
};
#define CSA_SG_MAX		65536u

/* ---- per-opcode argument and address slots ------------------------------
 * Layout of arg[]/addr[] (descriptor) and arg[]/buf[] (user command): the
 * same slot numbers.  "f32" args carry IEEE-754 bit patterns.
 *
 * DMA_H2D, DMA_D2H: arg0 bytes (1..CSA_DMA_MAX, multiple of 4)
 *   user: buf0 host BO, buf1 device BO
 *   desc: addr0 bus address of a csa_sg_entry table, arg1 its entry count,
 *         addr1 device address
 * COPY: arg0 bytes (multiple of 4); addr0 src, addr1 dst, must not overlap
 * FENCE: arg0, arg1 cookie low/high (posted in csa_cqe.cookie)
 * EMBED: arg0 dim, arg1 rows, arg2 row (immediate unless F_IDX_MEM);
 *        addr0 table f32[rows][dim], addr1 dst f32[dim], addr2 u32 row (F_IDX_MEM)
 * RMSNORM: arg0 n, arg1 eps (f32); addr0 x[n], addr1 weight[n], addr2 y[n]
 *        (y may equal x exactly; no partial overlap)
 * MATVEC_F32: arg0 K (columns), arg1 N (rows); addr0 x[K], addr1 W f32[N][K],
 *        addr2 y[N]; y must not overlap x or W
 * MATVEC_BCQ: arg0 K, arg1 N, arg2 planes P (1..4), arg3 group G (columns per
 *        scale group: multiple of 8, 8..4096); flag F_POW2;
 *        addr0 x f32[K], addr1 bit planes, addr2 scales, addr3 y f32[N]
 *        (layouts below); y must not overlap the inputs
 * ROPE: arg0 n_heads, arg1 head_dim (even), arg2 pos, arg3 table rows;
 *        addr0 x f32[n_heads*head_dim] in place, addr1 table f32[rows][head_dim/2][2]
 *        (cos, sin)
 * KV_APPEND: arg0 n_kv_heads, arg1 head_dim, arg2 pos, arg3 max_seq;
 *        flag F_KV_F16; addr0 k f32[n_kv*hd], addr1 v f32[n_kv*hd],
 *        addr2 KV cache (layout below)
 * ATTENTION: arg0 n_heads, arg1 n_kv_heads (divides n_heads), arg2 head_dim,
 *        arg3 seq_len (1..max_seq), arg4 max_seq, arg5 score scale (f32);
 *        flags F_CONSMAX, F_CONSMAX_NORM (only with F_CONSMAX), F_KV_F16;
 *        addr0 q f32[n_heads*hd], addr1 KV cache,
 *        addr2 out f32[n_heads*hd], addr3 ConSmax table (F_CONSMAX)
 * SILU_MUL: arg0 n; addr0 a[n], addr1 b[n], addr2 y[n] = silu(a) * b
 * ADD: arg0 n; addr0 a[n], addr1 b[n], addr2 y[n] = a + b
 * ARGMAX: arg0 n; addr0 x f32[n], addr1 out u32[2] = { index, value bits }
 * SOFTMAX: arg0 n; flag F_CONSMAX; addr0 x f32[n], addr1 y f32[n],
 *        addr2 ConSmax table of one head (F_CONSMAX)
 * MATVEC_BCQ_BATCH: arg0 K, arg1 N, arg2 planes, arg3 group, arg4 B; flag
 *        F_POW2; addr0 x f32[B][K], addr1 bits, addr2 scales (as MATVEC_BCQ),
 *        addr3 y f32[B][N]: y[b] = MATVEC_BCQ(x[b]) for each b
 * KV_APPEND_BATCH: arg0 n_kv_heads, arg1 head_dim, arg2 B, arg3 max_seq,
 *        arg4 slots; flag F_KV_F16; addr0 k f32[B][n_kv*hd], addr1 v f32[B][n_kv*hd],
 *        addr2 KV pool (slots caches of one layer, back to back), addr3 table
 *        struct csa_kv_entry[B]: entry b with len >= 1 appends k[b], v[b] at
 *        position len - 1 of cache slot (len 0: nothing)
 * ATTENTION_BATCH: arg0 n_heads, arg1 n_kv_heads, arg2 head_dim, arg3 B,
 *        arg4 max_seq, arg5 score scale (f32), arg6 slots; flags as ATTENTION;
 *        addr0 q f32[B][n_heads*hd], addr1 KV pool, addr2 out f32[B][n_heads*hd],
 *        addr3 ConSmax table (F_CONSMAX), addr4 table struct csa_kv_entry[B]:
 *        out[b] = ATTENTION(q[b], cache slot, seq_len = len) (len 0: out[b] = +0)
 * MATVEC_F32_BATCH: arg0 K, arg1 N, arg2 B; addr0 x f32[B][K], addr1 W f32[N][K],
 *        addr2 y f32[B][N]: y[b] = MATVEC_F32(x[b]) for each b
 * -------------------------------------------------------------------------- */

#define CSA_DMA_MAX		(1u << 30)
#define CSA_VEC_MAX		(1u << 24)	/* n of the vector ops */
#define CSA_MATVEC_MAX		65536u		/* K and N */
#define CSA_BCQ_MAX_PLANES	4u
#define CSA_BCQ_MAX_GROUP	4096u
#define CSA_HEADS_MAX		256u
#define CSA_HEAD_DIM_MAX	512u
#define CSA_SEQ_MAX		16384u
#define CSA_BATCH_MAX		64u		/* B of MATVEC_BCQ_BATCH, KV_APPEND/ATTENTION_BATCH */
#define CSA_KV_POOL_MAX		65536u		/* caches (slots) in a KV pool */
/* ATTENTION_BATCH: n_heads * head_dim * (sum of the entries' len) at most
 * this, the work of the largest single ATTENTION (256 * 512 * 16384), so
 * no batched command runs longer than the longest single one */
#define CSA_ATTN_BATCH_WORK_MAX	(1ull << 31)

/* MATVEC_BCQ weights:
 *  K8 = ceil(K / 8) bytes per row and plane; bit j of byte kb of row n in
 *  plane p is set when B_p[n][8*kb + j] = +1 (clear = -1).  Bits past K are
 *  ignored.  Byte address: bits + (p * K8 + kb) * N + n  ("column-major by
 *  byte", so a table lookup sweeps contiguous rows).
 *  NG = ceil(K / G) groups.  Scales: f32 scale[n][g][p] at
 *  scales + ((n * NG + g) * P + p) * 4, or with F_POW2 int8 e[n][g][p] at
 *  scales + (n * NG + g) * P + p meaning 2^e.  With F_SCALE16 each scale
 *  is a u16 at scales + ((n * NG + g) * P + p) * 2: IEEE binary16, or with
 *  F_POW2 too an additive power-of-two (APoT) code: low byte int8 e0,
 *  high byte t1 | t2 << 4, each nibble t a term: d = t & 7 (0 = none),
 *  sign = t & 8; alpha = 2^e0 [+- 2^(e0-d1) if d1] [+- 2^(e0-d1-d2) if
 *  d1 and d2] (docs/commands.md 5.5). */
static inline uint64_t csa_bcq_bits_bytes(uint32_t k, uint32_t n, uint32_t p)
{
	return (uint64_t)((k + 7) / 8) * n * p;
}

/* Bytes of one scale as a MATVEC_BCQ descriptor's flags say: 4 (f32),
 * 1 (F_POW2 alone), 2 (F_SCALE16, with or without F_POW2). */
static inline uint32_t csa_bcq_scale_elem_bytes(uint32_t flags)
{
	if (flags & (1u << 5))		/* CSA_CMD_F_SCALE16 */
		return 2;
	return (flags & (1u << 1)) ? 1 : 4;	/* CSA_CMD_F_POW2 */
}

static inline uint64_t csa_bcq_scale_bytes_elem(uint32_t k, uint32_t n,
						uint32_t p, uint32_t g,
						uint32_t elem_bytes)
{
	return (uint64_t)n * ((k + g - 1) / g) * p * elem_bytes;
}

static inline uint64_t csa_bcq_scale_bytes(uint32_t k, uint32_t n, uint32_t p,
					   uint32_t g, int pow2)
{
	return csa_bcq_scale_bytes_elem(k, n, p, g, pow2 ? 1 : 4);
}

/* KV cache of one layer in PIM bank layout (NeuPIMs):
 *  banks = CSA_KV_BANKS, S = ceil(max_seq / banks) slots per bank.
 *  K: token t of kv head h lives in bank t % banks, slot t / banks, its
 *     head_dim values contiguous along the DRAM row:
 *     float index ((h * banks + t % banks) * S + t / banks) * hd + d
 *  V: transposed, tokens along the row; row (h * hd + d) sits in bank
 *     (h * hd + d) % banks:
 *     float index n_kv * banks * S * hd + (h * hd + d) * (banks * S) + t */
#define CSA_KV_BANKS		32u

/* Bytes of one KV cache element as a KV_APPEND/ATTENTION descriptor's
 * flags say: f32 (4), or IEEE binary16 with F_KV_F16 (2).  The element
 * index of the layout below is the same for both. */
static inline uint32_t csa_kv_elem_bytes(uint32_t flags)
{
	return (flags & (1u << 4)) ? 2u : 4u;	/* CSA_CMD_F_KV_F16 */
}

static inline uint64_t csa_kv_slots(uint32_t max_seq)
{
	return (max_seq + CSA_KV_BANKS - 1) / CSA_KV_BANKS;
}

/* Bytes of one layer's cache with elements of @elem_bytes. */
static inline uint64_t csa_kv_bytes_elem(uint32_t n_kv, uint32_t hd,
					 uint32_t max_seq, uint32_t elem_bytes)
{
	return 2ull * n_kv * hd * CSA_KV_BANKS * csa_kv_slots(max_seq) *
	       elem_bytes;
}

/* f32 cache (no F_KV_F16) */
static inline uint64_t csa_kv_bytes(uint32_t n_kv, uint32_t hd, uint32_t max_seq)
{
	return csa_kv_bytes_elem(n_kv, hd, max_seq, 4);
}

static inline uint64_t csa_kv_k_index(uint32_t hd, uint32_t max_seq,
				      uint32_t h, uint32_t t, uint32_t d)
{
	return (((uint64_t)h * CSA_KV_BANKS + t % CSA_KV_BANKS) *
		csa_kv_slots(max_seq) + t / CSA_KV_BANKS) * hd + d;
}

static inline uint64_t csa_kv_v_index(uint32_t n_kv, uint32_t hd,
				      uint32_t max_seq, uint32_t h,
				      uint32_t t, uint32_t d)
{
	uint64_t row_len = CSA_KV_BANKS * csa_kv_slots(max_seq);

	return (uint64_t)n_kv * hd * row_len +
	       ((uint64_t)h * hd + d) * row_len + t;
}

/* KV pool of the _BATCH attention commands: @slots caches of one layer
 * back to back, cache s at pool + s * csa_kv_bytes_elem(n_kv, hd, max_seq, E).
 * The table names each request's cache by slot number, never by address,
 * so a request can reach only the caches of the pool its command names
 * (whose footprint the driver checked); the device checks every entry
 * (slot < slots, len <= max_seq) before it writes anything. */
struct csa_kv_entry {
	uint32_t slot;		/* cache of the pool, < slots */
	uint32_t len;		/* tokens in the cache after this step's append, <= max_seq */
};
#define CSA_KV_ENTRY_BYTES	8u

/* ConSmax table of one head, 36 f32 (144 bytes), heads consecutive:
 *  [0] inv_step: the score s is quantized q = clamp(rint(s * inv_step), -128, 127)
 *  [1..3] zero (reserved)
 *  [4..19]  hi[16]: hi[m + 8] = exp(16 * m * step - beta) / gamma, m = -8..7
 *  [20..35] lo[16]: lo[l] = exp(l * step), l = 0..15
 *  p = hi[(q >> 4) + 8] * lo[q & 15]  (q >> 4 arithmetic) */
#define CSA_CONSMAX_HEAD_FLOATS	36u
#define CSA_CONSMAX_HEAD_BYTES	(CSA_CONSMAX_HEAD_FLOATS * 4u)

#endif /* CSA_DEVICE_H */
