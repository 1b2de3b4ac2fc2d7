/* SPDX-License-Identifier: MIT */
/*
 * accel.h - libaccel, the user-space library of the CSA LLM-decoding
 * accelerator.  One API over two backends:
 *   "sim" runs the C hardware model in-process on a worker thread;
 *   "drm" drives a card (or a QEMU device) through /dev/accel/accelN.
 * An application written against this header runs unchanged on both.
 *
 * Conventions:
 *  - Every int function returns 0 (or a non-negative value) on success and
 *    a negative errno on failure; nothing prints, nothing exits.
 *  - Thread safety: all functions taking a struct accel_dev, or a buffer or
 *    list of it, may be called from several threads at once; each device
 *    handle serializes its state internally with a mutex, and accel_wait()
 *    sleeps without holding it.  One struct accel_cmdlist must be built by
 *    one thread at a time (it is plain memory); submitting it copies it.
 *  - Buffers are named by object + byte offset (struct accel_ref); the
 *    library never exposes device addresses.
 *
 *  - Handles: a struct accel_dev, accel_bo or accel_cmdlist pointer is
 *    valid from the call that returned it until accel_close() (all three),
 *    accel_bo_free() or accel_cmdlist_destroy(); as with free(), passing it
 *    to any function afterwards (a double free, a call after accel_close)
 *    is undefined behaviour and is not detected.  A command list that
 *    names a freed buffer is detected: accel_submit() returns -ENOENT.
 *
 * docs/libaccel.md describes the same API with examples.
 */
#ifndef ACCEL_ACCEL_H
#define ACCEL_ACCEL_H

#include <stdint.h>

#include "drm/csa_accel.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* The version of this header (and of the CSA tools built with it);
 * accel_version() tells the library actually loaded. */
#define ACCEL_VERSION_MAJOR	1
#define ACCEL_VERSION_MINOR	1
#define ACCEL_VERSION_PATCH	0
#define ACCEL_VERSION_STRING	"1.1.0"

struct accel_dev;	/* an open device (sim or drm backend) */
struct accel_bo;	/* a buffer object of one device */
struct accel_cmdlist;	/* a growable list of commands for one device */

/* ---- device limits and memory layouts ----------------------------------
 * The same values as include/csa/csa_device.h (the device spec), restated so
 * an application needs this header only.  Layouts in words:
 *  - ConSmax table of one head: 36 f32 (inv_step, 3 zero, hi[16], lo[16]);
 *  - KV cache: K then V of every kv head in CSA_KV_BANKS banks
 *    (accel_kv_cache_bytes() bytes per layer);
 *  - BCQ weights: bit planes (accel_bcq_bits_bytes()), then scales
 *    (accel_bcq_scale_bytes()); docs/libaccel.md has the byte order. */
#define ACCEL_VEC_MAX			(1u << 24) /* n of the vector ops */
#define ACCEL_MATVEC_MAX		65536u	/* K and N of a matvec */
#define ACCEL_DMA_MAX			(1u << 30) /* bytes of one DMA/COPY */
#define ACCEL_BCQ_MAX_PLANES		4u
#define ACCEL_HEADS_MAX			256u
#define ACCEL_HEAD_DIM_MAX		512u
#define ACCEL_SEQ_MAX			16384u
#define ACCEL_BATCH_MAX			64u	/* vectors/requests of one batched command */
#define ACCEL_KV_POOL_MAX		65536u	/* caches (slots) of a KV pool */
#define ACCEL_KV_BANKS			32u
#define ACCEL_CONSMAX_HEAD_FLOATS	36u
#define ACCEL_CONSMAX_HEAD_BYTES	(ACCEL_CONSMAX_HEAD_FLOATS * 4u)

/* Bytes of one layer's KV cache. */
static inline uint64_t accel_kv_cache_bytes(uint32_t n_kv_heads,
					    uint32_t head_dim, uint32_t max_seq)
{
	return 2ull * n_kv_heads * head_dim * ACCEL_KV_BANKS *
	       ((max_seq + ACCEL_KV_BANKS - 1) / ACCEL_KV_BANKS) * 4;
}

/* Bytes of the bit planes of a k x n BCQ matrix. */
static inline uint64_t accel_bcq_bits_bytes(uint32_t k, uint32_t n,
					    uint32_t planes)
{
	return (uint64_t)((k + 7) / 8) * n * planes;
}

/* Bytes of its scales (f32, or int8 exponents with pow2). */
static inline uint64_t accel_bcq_scale_bytes(uint32_t k, uint32_t n,
					     uint32_t planes, uint32_t group,
					     int pow2_scales)
{
	return (uint64_t)n * ((k + group - 1) / group) * planes *
	       (pow2_scales ? 1 : 4);
}

/* ---- devices --------------------------------------------------------- */

/*
 * accel_open - open a device.
 * @spec: NULL or "" = the default: $ACCEL_DEVICE when set, else the first
 *        /dev/accel/accel* whose DRM driver is "csa", else the sim backend.
 *        "sim" or "sim:devmem=SIZE" (SIZE in bytes, with an optional K, M or
 *        G suffix; default $ACCEL_SIM_DEVMEM, else 256M) selects the
 *        in-process backend; "/dev/accel/accelN" a device node; "N" the
 *        node of index N.
 * @out: receives the device.
 * Errors: -EINVAL bad spec or NULL @out, -ENOENT no such node, -ENODEV the
 * node's driver is not "csa", -ENOMEM, or the errno of open(2).
 */
int accel_open(const char *spec, struct accel_dev **out);

/* accel_close - wait for the device's submitted work, free every buffer and
 * command list still alive, and close.  NULL is ignored. */
void accel_close(struct accel_dev *dev);

/* accel_version - the version of the libaccel running this call, which may
 * be newer than the ACCEL_VERSION_* an application was compiled with:
 * "MAJOR.MINOR.PATCH" (static), and each part through the non-NULL
 * pointers. */
const char *accel_version(int *major, int *minor, int *patch);

/* accel_backend_name - "sim" or "drm". */
const char *accel_backend_name(const struct accel_dev *dev);

/* Identity and limits: struct drm_csa_info plus backend facts. */
struct accel_info {
	uint32_t uapi_major, uapi_minor, hw_version, pci_vendor, pci_device;
	uint64_t capabilities;	/* CSA_CAP_* */
	uint64_t devmem_size;	/* bytes of device memory */
	uint64_t devmem_used;	/* bytes allocated to device buffers */
	uint32_t clock_khz, dram_mbps, bcq_lanes, pim_banks, pim_macs_per_bank,
		 vec_lanes, ring_entries, max_cmds;
	char backend[8];	/* "sim" or "drm" */
	char path[64];		/* device node, or "sim" */
	/* board profile of the cycle model (docs/board.md); dram_mbps above
	 * is its sustained bandwidth, mem_peak_mbps the datasheet peak */
	uint32_t board_id, mem_channels, mem_peak_mbps, pcie_mbps;
	char board_name[16];	/* "" from a driver that predates profiles */
};

/* accel_query_info - fill @info.  -EINVAL on NULL, else the backend's error. */
int accel_query_info(struct accel_dev *dev, struct accel_info *info);

/* accel_query_counters - the device's performance counters and ring state
 * (struct drm_csa_counters of the UAPI), from either backend. */
int accel_query_counters(struct accel_dev *dev, struct drm_csa_counters *c);

/* accel_reset - soft-reset the device; queued and running command lists
 * complete with CSA_STATUS_ABORTED.  drm: needs CAP_SYS_ADMIN (-EPERM). */
int accel_reset(struct accel_dev *dev);

/* ---- buffer objects ---------------------------------------------------- */

enum accel_mem {
	ACCEL_MEM_HOST = 0,	/* system memory: mappable, reached by DMA */
	ACCEL_MEM_DEVICE = 1,	/* on-card memory: what the engines compute on */
};

/* Largest buffer the library will try to allocate (1 TiB). */
#define ACCEL_BO_MAX_SIZE	(1ull << 40)

/*
 * accel_bo_alloc - allocate a buffer of at least @size bytes, rounded up to
 * 4 KiB (accel_bo_size() reports the rounded size).  It reads as zero,
 * except a device buffer on a drm card without CSA_CAP_DEVMEM_BAR (the
 * kernel has no way to clear that memory; see docs/driver.md).
 * Errors: -EINVAL NULL/zero size/unknown @where, -ENOMEM too large or out
 * of memory (device memory is first-fit, 4 KiB aligned).
 */
int accel_bo_alloc(struct accel_dev *dev, uint64_t size, enum accel_mem where,
		   struct accel_bo **out);

/* accel_bo_free - free a buffer (unmapping it).  Work already submitted that
 * uses it still completes correctly: the memory is released only after it.
 * Command lists built but not yet submitted that name it then fail at
 * submit with -ENOENT.  NULL is ignored. */
void accel_bo_free(struct accel_bo *bo);

/* accel_bo_size - bytes of the buffer (0 for NULL). */
uint64_t accel_bo_size(const struct accel_bo *bo);

/* accel_bo_placement - where the buffer lives. */
enum accel_mem accel_bo_placement(const struct accel_bo *bo);

/* accel_bo_map - a CPU pointer to a host buffer (the same pointer on every
 * call until unmapped).  Device buffers: -ENOTSUP unless the device has a
 * CSA_CAP_DEVMEM_BAR window.  -EINVAL on NULL. */
int accel_bo_map(struct accel_bo *bo, void **ptr);

/* accel_bo_unmap - drop the mapping (0 also when not mapped). */
int accel_bo_unmap(struct accel_bo *bo);

/*
 * accel_upload / accel_download - copy @len bytes between user memory and a
 * buffer at byte offset @off, any alignment.  Device buffers go through a
 * staging host buffer and DMA commands (chunked, synchronous); host buffers
 * are copied through their mapping.
 * Errors: -EINVAL NULL/zero len, -ERANGE @off + @len past the end, -EIO the
 * DMA completed with an error status, or the submit/wait error.
 */
int accel_upload(struct accel_bo *dst, uint64_t dst_off, const void *src,
		 uint64_t len);
int accel_download(struct accel_bo *src, uint64_t src_off, void *dst,
		   uint64_t len);

/* ---- command lists ------------------------------------------------------ */

/* A buffer reference: object + byte offset.  bo NULL means "no buffer"
 * (only where a command says so, e.g. exact softmax). */
struct accel_ref {
	struct accel_bo *bo;
	uint64_t off;
};
#define ACCEL_REF(bo_, off_) ((struct accel_ref){ (bo_), (off_) })
#define ACCEL_NO_REF ((struct accel_ref){ 0, 0 })

/* accel_cmdlist_create - an empty list for @dev.  -EINVAL, -ENOMEM. */
int accel_cmdlist_create(struct accel_dev *dev, struct accel_cmdlist **out);

/* accel_cmdlist_destroy - free the list (submitted work is unaffected). */
void accel_cmdlist_destroy(struct accel_cmdlist *cl);

/* accel_cmdlist_reset - empty the list for reuse. */
void accel_cmdlist_reset(struct accel_cmdlist *cl);

/* accel_cmdlist_count - commands in the list. */
uint32_t accel_cmdlist_count(const struct accel_cmdlist *cl);

/* accel_cmdlist_commands - the list's commands as the UAPI array SUBMIT
 * passes (for tracing and cost models: opcode, flags, args), valid until
 * the list is changed, reset or destroyed; NULL when empty.  *@count (if
 * not NULL) gets the number. */
const struct drm_csa_cmd *accel_cmdlist_commands(const struct accel_cmdlist *cl,
						 uint32_t *count);

/*
 * Appending commands.  Every append validates at once, so a mistake is
 * reported where it is made, and the list is left unchanged on error:
 *  -EINVAL  NULL list, bad opcode/flags/arguments (the device spec's
 *           limits, ACCEL_*_MAX above), a buffer of the wrong placement (e.g. a host buffer
 *           as an engine operand), a missing or an extra buffer
 *  -EXDEV   a buffer of another device handle
 *  -ERANGE  offset + the bytes the command touches past the buffer's end
 *  -E2BIG   the list already holds CSA_SUBMIT_MAX_CMDS (or max_cmds)
 *  -ENOMEM
 * The device checks everything again when it runs (see accel_status).
 */

/* accel_cmd_raw - any opcode: @args (up to CSA_CMD_ARGS, the rest zero) and
 * @bufs (up to CSA_CMD_BUFS, bo NULL = unused slot) in the slot order of
 * include/csa/csa_device.h. */
int accel_cmd_raw(struct accel_cmdlist *cl, uint32_t opcode, uint32_t flags,
		  const uint32_t *args, unsigned int nargs,
		  const struct accel_ref *bufs, unsigned int nbufs);

/* NOP: does nothing (costs a descriptor). */
int accel_cmd_nop(struct accel_cmdlist *cl);
/* FENCE: posts a progress completion carrying @cookie; the list goes on. */
int accel_cmd_fence(struct accel_cmdlist *cl, uint64_t cookie);
/* DMA_H2D: @bytes (multiple of 4) from a host buffer to a device buffer. */
int accel_cmd_dma_h2d(struct accel_cmdlist *cl, struct accel_ref host_src,
		      struct accel_ref dev_dst, uint32_t bytes);
/* DMA_D2H: @bytes (multiple of 4) from a device buffer to a host buffer. */
int accel_cmd_dma_d2h(struct accel_cmdlist *cl, struct accel_ref dev_src,
		      struct accel_ref host_dst, uint32_t bytes);
/* COPY: @bytes (multiple of 4) device to device, ranges must not overlap. */
int accel_cmd_copy(struct accel_cmdlist *cl, struct accel_ref src,
		   struct accel_ref dst, uint32_t bytes);
/* EMBED: dst[dim] = table[row][0..dim) of an f32 table[rows][dim]. */
int accel_cmd_embed(struct accel_cmdlist *cl, struct accel_ref table,
		    uint32_t rows, uint32_t dim, uint32_t row,
		    struct accel_ref dst);
/* EMBED with the row index read by the device from a u32 at @row_u32
 * (e.g. the output of a previous ARGMAX). */
int accel_cmd_embed_indirect(struct accel_cmdlist *cl, struct accel_ref table,
			     uint32_t rows, uint32_t dim,
			     struct accel_ref row_u32, struct accel_ref dst);
/* RMSNORM: y = x / sqrt(mean(x^2) + eps) * weight, n floats. */
int accel_cmd_rmsnorm(struct accel_cmdlist *cl, struct accel_ref x,
		      struct accel_ref weight, struct accel_ref y, uint32_t n,
		      float eps);
/* MATVEC_F32: y[n] = W[n][k] . x[k]. */
int accel_cmd_matvec_f32(struct accel_cmdlist *cl, struct accel_ref x,
			 struct accel_ref w, struct accel_ref y, uint32_t k,
			 uint32_t n);
/* MATVEC_F32_BATCH: the same matrix against @batch vectors x[batch][k]
 * into y[batch][n] (1..ACCEL_BATCH_MAX), each y[b] bit for bit MATVEC_F32
 * of x[b]; the device reads the matrix once (CSA_CAP_F32_BATCH). */
int accel_cmd_matvec_f32_batch(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref w, struct accel_ref y, uint32_t k,
			       uint32_t n, uint32_t batch);
/* MATVEC_BCQ: shift-add GEMV over binary-coded weights (layout in
 * csa_device.h): @planes 1..4, @group columns per scale (multiple of 8),
 * @pow2_scales non-zero for int8 power-of-two scales. */
int accel_cmd_matvec_bcq(struct accel_cmdlist *cl, struct accel_ref x,
			 struct accel_ref bits, struct accel_ref scales,
			 struct accel_ref y, uint32_t k, uint32_t n,
			 uint32_t planes, uint32_t group, int pow2_scales);
/* MATVEC_BCQ_BATCH: the same weights against @batch vectors x[batch][k]
 * into y[batch][n] (1..ACCEL_BATCH_MAX), each y[b] bit for bit
 * MATVEC_BCQ of x[b]; the device reads the weights once.  @flags: the
 * scale format, as accel_cmd_matvec_bcq_flags(). */
int accel_cmd_matvec_bcq_batch(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref bits, struct accel_ref scales,
			       struct accel_ref y, uint32_t k, uint32_t n,
			       uint32_t planes, uint32_t group, uint32_t flags,
			       uint32_t batch);
/* The same with the scale format as MATVEC_BCQ flags: CSA_CMD_F_POW2,
 * CSA_CMD_F_SCALE16 (binary16; with F_POW2 additive powers of two). */
int accel_cmd_matvec_bcq_flags(struct accel_cmdlist *cl, struct accel_ref x,
			       struct accel_ref bits, struct accel_ref scales,
			       struct accel_ref y, uint32_t k, uint32_t n,
			       uint32_t planes, uint32_t group, uint32_t flags);
/* ROPE: rotate x[n_heads][head_dim] in place by row @pos of a
 * (cos, sin) table[table_rows][head_dim / 2][2]. */
int accel_cmd_rope(struct accel_cmdlist *cl, struct accel_ref x,
		   struct accel_ref table, uint32_t n_heads,
		   uint32_t head_dim, uint32_t pos, uint32_t table_rows);
/* KV_APPEND: store k, v of token @pos in the PIM-bank KV cache layout. */
int accel_cmd_kv_append(struct accel_cmdlist *cl, struct accel_ref k,
			struct accel_ref v, struct accel_ref kv_cache,
			uint32_t n_kv_heads, uint32_t head_dim, uint32_t pos,
			uint32_t max_seq);
/* ATTENTION: out = softmax(q . K^T * score_scale) . V over tokens
 * 0..seq_len-1; @consmax_table bo NULL = exact softmax, else ConSmax with
 * one table per head (ACCEL_CONSMAX_HEAD_BYTES each). */
int accel_cmd_attention(struct accel_cmdlist *cl, struct accel_ref q,
			struct accel_ref kv_cache, struct accel_ref out,
			struct accel_ref consmax_table, uint32_t n_heads,
			uint32_t n_kv_heads, uint32_t head_dim,
			uint32_t seq_len, uint32_t max_seq, float score_scale);
/* The same two with command flags: CSA_CMD_F_KV_F16 (binary16 cache, the
 * same for every command on that cache) and, for ATTENTION with a table,
 * CSA_CMD_F_CONSMAX_NORM (normalized ConSmax; F_CONSMAX is implied by the
 * table). */
int accel_cmd_kv_append_flags(struct accel_cmdlist *cl, struct accel_ref k,
			      struct accel_ref v, struct accel_ref kv_cache,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t pos, uint32_t max_seq, uint32_t flags);
int accel_cmd_attention_flags(struct accel_cmdlist *cl, struct accel_ref q,
			      struct accel_ref kv_cache, struct accel_ref out,
			      struct accel_ref consmax_table, uint32_t n_heads,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t seq_len, uint32_t max_seq,
			      float score_scale, uint32_t flags);
/*
 * Per-request attention (docs/commands.md 5.14, 5.15).  A KV pool holds
 * @slots caches of one layer back to back (cache s at s *
 * accel_kv_cache_bytes(), or half that with CSA_CMD_F_KV_F16); @table is
 * @batch entries of struct accel_kv_entry in device memory, one per
 * request, which the device reads when the command runs.  An entry with
 * len 0 is idle.  KV_APPEND_BATCH appends k[b], v[b] (f32[batch][n_kv *
 * head_dim]) at position len - 1 of cache slot; ATTENTION_BATCH computes
 * out[b] (f32[batch][n_heads * head_dim]) over tokens 0..len-1 of cache
 * slot, bit for bit the single commands' results.  An entry with slot >=
 * @slots or len > @max_seq fails the command with CSA_STATUS_BAD_ARG before
 * anything is written.  The device has them when it reports
 * CSA_CAP_KV_BATCH.
 */
struct accel_kv_entry {
	uint32_t slot;		/* cache of the pool */
	uint32_t len;		/* tokens in it after this step's append */
};
int accel_cmd_kv_append_batch(struct accel_cmdlist *cl, struct accel_ref k,
			      struct accel_ref v, struct accel_ref pool,
			      struct accel_ref table, uint32_t n_kv_heads,
			      uint32_t head_dim, uint32_t max_seq,
			      uint32_t slots, uint32_t batch, uint32_t flags);
int accel_cmd_attention_batch(struct accel_cmdlist *cl, struct accel_ref q,
			      struct accel_ref pool, struct accel_ref out,
			      struct accel_ref consmax_table,
			      struct accel_ref table, uint32_t n_heads,
			      uint32_t n_kv_heads, uint32_t head_dim,
			      uint32_t max_seq, uint32_t slots, uint32_t batch,
			      float score_scale, uint32_t flags);
/* SILU_MUL: y = silu(a) * b. */
int accel_cmd_silu_mul(struct accel_cmdlist *cl, struct accel_ref a,
		       struct accel_ref b, struct accel_ref y, uint32_t n);
/* ADD: y = a + b. */
int accel_cmd_add(struct accel_cmdlist *cl, struct accel_ref a,
		  struct accel_ref b, struct accel_ref y, uint32_t n);
/* ARGMAX: out_u32x2 = { index of the largest x, its f32 bits }. */
int accel_cmd_argmax(struct accel_cmdlist *cl, struct accel_ref x,
		     struct accel_ref out_u32x2, uint32_t n);
/* SOFTMAX: y = softmax(x) (exact) or ConSmax with one head's table. */
int accel_cmd_softmax(struct accel_cmdlist *cl, struct accel_ref x,
		      struct accel_ref y, struct accel_ref consmax_table,
		      uint32_t n);

/*
 * Engine queues (docs/device-spec.md 3.6).  A command runs on the vector
 * queue (DMA, copies, vector ops, matvecs) or the attention queue
 * (KV_APPEND, ATTENTION), after the earlier commands of its own queue.
 * By default it also waits for the command before it, so a list runs
 * strictly in order.  accel_cmd_after() lets it wait for an earlier
 * command of the list instead, so the two queues overlap (one sub-batch's
 * attention beside the other's matvecs); the results are the same, the
 * modelled cycles of the list (accel_status.cycles) are the overlapped
 * schedule's.  A device without CSA_CAP_DEP_QUEUES rejects such a list.
 */
#define ACCEL_QUEUE_VECTOR		0u
#define ACCEL_QUEUE_ATTN		1u
#define ACCEL_DEP_MAX			1023u	/* farthest dependency, in commands */
#define ACCEL_DEP_NONE			UINT32_MAX

/* accel_cmd_queue - the queue @opcode (enum drm_csa_opcode) runs on. */
unsigned int accel_cmd_queue(uint32_t opcode);

/* accel_cmd_after - command @index of the list waits for command @on
 * (on < index, index - on <= ACCEL_DEP_MAX) instead of the one before it;
 * @on = ACCEL_DEP_NONE: for nothing beyond its own queue's order.
 * -EINVAL otherwise (the list is unchanged). */
int accel_cmd_after(struct accel_cmdlist *cl, uint32_t index, uint32_t on);

/* ---- submission ------------------------------------------------------- */

/* Completion of one command list. */
struct accel_status {
	uint32_t status;	/* enum drm_csa_status */
	uint32_t failed_index;	/* index of the failing command if status != OK */
	uint64_t cycles;	/* modelled device cycles of the list */
};

/* Relative timeouts in ns: 0 polls, ACCEL_WAIT_FOREVER never expires. */
#define ACCEL_WAIT_FOREVER INT64_MAX

/* Library-specific error codes: a device status as an error value. */
#define ACCEL_STATUS_ERR(status) (-(1000 + (int)(status)))

/*
 * accel_submit - queue the list on its device and return at once with a
 * fence (> 0, increasing per device).  The list is copied: it may be reset
 * or destroyed right after.  Lists of one device run in submit order.
 * Errors: -EINVAL NULL or an empty list, -ENOENT a buffer of the list was
 * freed, plus the backend's errors.  The sim backend waits for ring space
 * when the submission ring is full.
 */
int accel_submit(struct accel_cmdlist *cl, uint64_t *fence);

/*
 * accel_wait - wait up to @timeout_ns (relative) for @fence.  Returns 0 when
 * the list has completed, whatever its status (filled into @st, which may
 * be NULL); -ETIME when it had not completed in time, which with a timeout
 * of 0 (a poll) means "still running"; -EINVAL bad fence (0 or never
 * returned by this device) or negative timeout; -ESTALE (sim) the fence is
 * so old its status is no longer kept (the last 16384 lists are).
 */
int accel_wait(struct accel_dev *dev, uint64_t fence, int64_t timeout_ns,
	       struct accel_status *st);

/*
 * accel_submit_wait - accel_submit + accel_wait.  Returns -EIO when the list
 * completed with a status other than CSA_STATUS_OK (@st still filled), and
 * -ETIME on timeout (the list keeps running).
 */
int accel_submit_wait(struct accel_cmdlist *cl, int64_t timeout_ns,
		      struct accel_status *st);

/*
 * accel_completion_fd - a file descriptor for poll(2)/epoll: readable
 * whenever command lists of @dev have completed since it was last read.
 * Read 8 bytes from it to clear it (eventfd semantics: the number of
 * completions; it is non-blocking), then learn which fences are done with
 * accel_wait(dev, fence, 0, ...) or accel_wait_fences().  The descriptor
 * belongs to the device: do not close it; it is valid until accel_close().
 * Created on the first call (completions before it are not counted).
 * On the drm backend the kernel signals it through a timeline syncobj
 * (docs/libaccel.md).  Errors: -EINVAL NULL, -ENOTSUP a driver older than
 * UAPI 1.3 (no syncobjs), or the errno of eventfd(2) or of the syncobj ioctls.
 */
int accel_completion_fd(struct accel_dev *dev);

/* accel_wait_fences flags: wait for every fence, or for any one. */
#define ACCEL_WAIT_ANY	0u
#define ACCEL_WAIT_ALL	1u

/*
 * accel_wait_fences - wait up to @timeout_ns (relative, for the whole call)
 * for the @n fences @fences of @dev: all of them (ACCEL_WAIT_ALL) or at
 * least one (ACCEL_WAIT_ANY, which stores in *@first, if not NULL, the
 * index in @fences of a completed one; lists of a device complete in submit
 * order, so the oldest fence is the first to be done).  Returns 0, -ETIME,
 * or accel_wait()'s errors for a bad fence (-EINVAL also for NULL, n == 0 or
 * unknown @flags).
 */
int accel_wait_fences(struct accel_dev *dev, const uint64_t *fences,
		      unsigned int n, unsigned int flags, int64_t timeout_ns,
		      unsigned int *first);

/* accel_strerror - text of a negative errno or of ACCEL_STATUS_ERR(status);
 * a static string, never NULL. */
const char *accel_strerror(int err);

/* accel_status_name - "OK", "BAD_OPCODE", "RESERVED", "BAD_ARG",
 * "ADDR_RANGE", "OVERLAP", "DMA_FAULT", "BAD_SG", "ABORTED", "TIMEOUT",
 * or "UNKNOWN". */
const char *accel_status_name(uint32_t status);

#if defined(__cplusplus)
}
#endif

#endif /* ACCEL_ACCEL_H */
