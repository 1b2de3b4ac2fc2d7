/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * csa_accel.h - user/kernel interface of the CSA LLM-decoding accelerator
 * (DRM accel driver, /dev/accel/accelN).
 *
 * Rules (Documentation/process/botching-up-ioctls.rst):
 *  - only __u32/__u64 (and __s64) fields, naturally aligned, explicit padding;
 *  - pointers are passed as __u64;
 *  - every flags, pad and reserved field must be zero, else -EINVAL;
 *  - structs only ever grow at the end (the DRM core zero-extends a shorter
 *    user struct, so old binaries keep working).
 *
 * User space never names a device address. Buffers are named by GEM handle
 * plus byte offset; the kernel resolves and bounds-checks every reference
 * (common/csa_translate.c) before a descriptor reaches the ring.
 *
 * The opcodes, argument layouts and status codes below are the device's own
 * (docs/device-spec.md); a user command carries exactly the arguments of the
 * hardware descriptor it becomes.
 */
#ifndef _UAPI_CSA_ACCEL_H_
#define _UAPI_CSA_ACCEL_H_

#if defined(__KERNEL__)
#include <uapi/drm/drm.h>
#elif !defined(__has_include) || __has_include("drm.h")
#include "drm.h"
#else
/*
 * Without libdrm's drm.h (a sim-only application): the kernel's types and
 * the DRM ioctl encoding, spelled token for token as drm.h spells them so
 * that a later drm.h redefines them identically.
 */
#include <linux/types.h>
#include <asm/ioctl.h>
#ifndef DRM_IOCTL_BASE
#define DRM_IOCTL_BASE			'd'
#define DRM_IOWR(nr,type)		_IOWR(DRM_IOCTL_BASE,nr,type)
#define DRM_COMMAND_BASE                0x40
#endif
#endif

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_CSA_DRIVER_NAME	"csa"

/* UAPI version reported by DRM_IOCTL_CSA_GET_INFO (major breaks, minor grows) */
#define DRM_CSA_UAPI_MAJOR	1
#define DRM_CSA_UAPI_MINOR	3	/* 1: board profile in drm_csa_info,
					 * 2: CSA_CMD_DEP() in drm_csa_cmd.flags,
					 * 3: syncobj in/out fences on SUBMIT */

#define DRM_CSA_GET_INFO	0x00
#define DRM_CSA_BO_CREATE	0x01
#define DRM_CSA_BO_INFO		0x02
#define DRM_CSA_SUBMIT		0x03
#define DRM_CSA_WAIT		0x04
#define DRM_CSA_GET_COUNTERS	0x05
#define DRM_CSA_RESET		0x06

#define DRM_IOCTL_CSA_GET_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_GET_INFO, struct drm_csa_info)
#define DRM_IOCTL_CSA_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_BO_CREATE, struct drm_csa_bo_create)
#define DRM_IOCTL_CSA_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_BO_INFO, struct drm_csa_bo_info)
#define DRM_IOCTL_CSA_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_SUBMIT, struct drm_csa_submit)
#define DRM_IOCTL_CSA_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_WAIT, struct drm_csa_wait)
#define DRM_IOCTL_CSA_GET_COUNTERS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_GET_COUNTERS, struct drm_csa_counters)
#define DRM_IOCTL_CSA_RESET \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_RESET, struct drm_csa_reset)

/* ------------------------------------------------------------------------ */
/* Capabilities (drm_csa_info.capabilities, also device register CAPS)       */

#define CSA_CAP_BCQ		(1ULL << 0) /* shift-add MATVEC_BCQ engine */
#define CSA_CAP_CONSMAX		(1ULL << 1) /* ConSmax LUT unit */
#define CSA_CAP_PIM		(1ULL << 2) /* PIM attention engine */
#define CSA_CAP_VECTOR		(1ULL << 3) /* vector unit */
#define CSA_CAP_DMA		(1ULL << 4) /* host<->device DMA engine */
#define CSA_CAP_DEVMEM_BAR	(1ULL << 5) /* BAR2 maps device memory */
#define CSA_CAP_POW2_SCALES	(1ULL << 6) /* MATVEC_BCQ power-of-two scales */
#define CSA_CAP_BCQ_BATCH	(1ULL << 7) /* MATVEC_BCQ_BATCH (opcode 0x10) */
#define CSA_CAP_KV_BATCH	(1ULL << 8) /* KV_APPEND_BATCH, ATTENTION_BATCH (0x11, 0x12) */
#define CSA_CAP_F32_BATCH	(1ULL << 9) /* MATVEC_F32_BATCH (0x13) */
#define CSA_CAP_DEP_QUEUES	(1ULL << 10) /* two engine queues, CSA_CMD_DEP() */

/* Engines, the index of drm_csa_counters.busy_cycles[] */
enum drm_csa_engine {
	CSA_ENGINE_DMA = 0,
	CSA_ENGINE_VECTOR = 1,
	CSA_ENGINE_BCQ = 2,
	CSA_ENGINE_PIM = 3,
	CSA_ENGINE_CONSMAX = 4,
	CSA_ENGINE_COUNT = 5,
};

/**
 * struct drm_csa_info - DRM_IOCTL_CSA_GET_INFO: identity and limits
 * @uapi_major: DRM_CSA_UAPI_MAJOR of the running driver
 * @uapi_minor: DRM_CSA_UAPI_MINOR of the running driver
 * @hw_version: device VERSION register (major << 16 | minor)
 * @pci_vendor: PCI vendor ID
 * @pci_device: PCI device ID
 * @pad: must be zero
 * @capabilities: CSA_CAP_* bits
 * @devmem_size: device memory in bytes
 * @devmem_used: bytes of device memory allocated to buffer objects (all files)
 * @clock_khz: clock of the cycle model (kHz)
 * @dram_mbps: device memory bandwidth of the cycle model (MB/s)
 * @bcq_lanes: table-lookup lanes of the shift-add engine
 * @pim_banks: PIM banks (each computes one dot product per step)
 * @pim_macs_per_bank: multipliers per PIM bank
 * @vec_lanes: f32 lanes of the vector unit
 * @ring_entries: submission ring entries
 * @max_cmds: most commands one SUBMIT may carry
 * @board_id: board profile of the cycle model (CSA_BOARD_* in csa_device.h);
 *            0 from a driver that predates it
 * @mem_channels: DDR channels or HBM pseudo-channels of that profile
 * @mem_peak_mbps: datasheet peak memory bandwidth (MB/s); @dram_mbps is the
 *                 sustained bandwidth the cycle model prices commands at
 * @pcie_mbps: sustained host DMA bandwidth of the cycle model (MB/s)
 * @board_name: the profile's name, NUL-terminated ("u250", ...)
 *
 * @bcq_lanes, @pim_banks, @pim_macs_per_bank and @vec_lanes are full width
 * (the device's ENGINES register saturates each at 255).
 */
struct drm_csa_info {
	__u32 uapi_major;
	__u32 uapi_minor;
	__u32 hw_version;
	__u32 pci_vendor;
	__u32 pci_device;
	__u32 pad;
	__u64 capabilities;
	__u64 devmem_size;
	__u64 devmem_used;
	__u32 clock_khz;
	__u32 dram_mbps;
	__u32 bcq_lanes;
	__u32 pim_banks;
	__u32 pim_macs_per_bank;
	__u32 vec_lanes;
	__u32 ring_entries;
	__u32 max_cmds;
	__u32 board_id;
	__u32 mem_channels;
	__u32 mem_peak_mbps;
	__u32 pcie_mbps;
	char board_name[16];
};

/* BO placement (drm_csa_bo_create.flags) */
#define CSA_BO_HOST	0x0 /* system memory, mmap-able, reached by DMA */
#define CSA_BO_DEVICE	0x1 /* on-card memory: weights, KV cache, activations */
#define CSA_BO_FLAGS_MASK	CSA_BO_DEVICE

/**
 * struct drm_csa_bo_create - DRM_IOCTL_CSA_BO_CREATE
 * @size: bytes, > 0; rounded up to the page size
 * @flags: CSA_BO_HOST or CSA_BO_DEVICE
 * @handle: out, GEM handle (per open file)
 * @mmap_offset: out, offset for mmap() on the device file; 0 for device
 *               BOs when the card has no CSA_CAP_DEVMEM_BAR window
 */
struct drm_csa_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 mmap_offset;
};

/**
 * struct drm_csa_bo_info - DRM_IOCTL_CSA_BO_INFO: look up a BO
 * @handle: in, GEM handle
 * @flags: out, CSA_BO_HOST or CSA_BO_DEVICE
 * @size: out, bytes
 * @mmap_offset: out, as in drm_csa_bo_create
 */
struct drm_csa_bo_info {
	__u32 handle;
	__u32 flags;
	__u64 size;
	__u64 mmap_offset;
};

/* ------------------------------------------------------------------------ */
/* Commands. One opcode per device command; docs/device-spec.md section 6.   */

enum drm_csa_opcode {
	CSA_OP_NOP = 0x00,
	CSA_OP_FENCE = 0x01,	  /* post a progress completion (arg0 = cookie) */
	CSA_OP_DMA_H2D = 0x02,	  /* buf0 host -> buf1 device, arg0 bytes */
	CSA_OP_DMA_D2H = 0x03,	  /* buf1 device -> buf0 host, arg0 bytes */
	CSA_OP_COPY = 0x04,	  /* device buf0 -> device buf1, arg0 bytes */
	CSA_OP_EMBED = 0x05,	  /* row fetch */
	CSA_OP_RMSNORM = 0x06,
	CSA_OP_MATVEC_F32 = 0x07,
	CSA_OP_MATVEC_BCQ = 0x08, /* shift-add GEMV */
	CSA_OP_ROPE = 0x09,
	CSA_OP_KV_APPEND = 0x0a,  /* k, v into the PIM bank layout */
	CSA_OP_ATTENTION = 0x0b,  /* PIM scores, softmax/ConSmax, PIM values */
	CSA_OP_SILU_MUL = 0x0c,
	CSA_OP_ADD = 0x0d,
	CSA_OP_ARGMAX = 0x0e,
	CSA_OP_SOFTMAX = 0x0f,	  /* exact or ConSmax over one vector */
	CSA_OP_MATVEC_BCQ_BATCH = 0x10, /* shift-add GEMV of B vectors, weights read once */
	CSA_OP_KV_APPEND_BATCH = 0x11,	/* KV_APPEND of B requests, each its own KV slot */
	CSA_OP_ATTENTION_BATCH = 0x12,	/* ATTENTION of B requests at their own lengths */
	CSA_OP_MATVEC_F32_BATCH = 0x13,	/* MATVEC_F32 of B vectors, the matrix read once */
	CSA_OP_COUNT = 0x14,
};

/* Command flags a user may set (per opcode, see the spec) */
#define CSA_CMD_F_IDX_MEM	(1u << 0) /* EMBED: row index read from buf2 */
#define CSA_CMD_F_POW2		(1u << 1) /* MATVEC_BCQ(_BATCH): int8 power-of-two scales */
#define CSA_CMD_F_CONSMAX	(1u << 2) /* ATTENTION/SOFTMAX: ConSmax, not exact */
#define CSA_CMD_F_CONSMAX_NORM	(1u << 3) /* ATTENTION with F_CONSMAX: divide by the sum */
#define CSA_CMD_F_KV_F16	(1u << 4) /* KV_APPEND/ATTENTION(_BATCH): binary16 KV cache */
#define CSA_CMD_F_SCALE16	(1u << 5) /* MATVEC_BCQ: 16-bit scales (binary16, or APoT with F_POW2) */
#define CSA_CMD_F_USER_MASK	0x3fu

/*
 * Dependency (docs/device-spec.md 3.6, "Engine queues"): bits 31:16 of
 * drm_csa_cmd.flags become the descriptor's dep field.  Every command runs
 * on one of two engine queues fixed by its opcode (KV_APPEND and ATTENTION
 * on the attention queue, the rest on the vector queue) and after the
 * earlier commands of its queue.  0 (the default): also after the previous
 * command (strictly in order).  CSA_CMD_DEP(n): also after the command n
 * before it in the same submit (0 <= n <= CSA_CMD_DEP_MAX and n <= its
 * index; n = 0: nothing more), else SUBMIT fails with -EINVAL.  Results
 * are the same either way; the device runs the commands as their
 * dependencies allow, and reports the overlapped time.
 */
#define CSA_CMD_DEP_SHIFT	16
#define CSA_CMD_DEP_MASK	0xffff0000u
#define CSA_CMD_DEP_EXPLICIT	0x80000000u
#define CSA_CMD_DEP_MAX		1023u
#define CSA_CMD_DEP(n)		(CSA_CMD_DEP_EXPLICIT | ((n) << CSA_CMD_DEP_SHIFT))

/* Command completion status (device statuses plus the driver's own) */
enum drm_csa_status {
	CSA_STATUS_OK = 0,
	CSA_STATUS_BAD_OPCODE = 1,   /* unknown opcode */
	CSA_STATUS_RESERVED = 2,     /* a reserved field or flag is not zero */
	CSA_STATUS_BAD_ARG = 3,	     /* dimension or count out of range */
	CSA_STATUS_ADDR_RANGE = 4,   /* address outside device memory/misaligned */
	CSA_STATUS_OVERLAP = 5,	     /* output overlaps an input where forbidden */
	CSA_STATUS_DMA_FAULT = 6,    /* host DMA read/write failed */
	CSA_STATUS_BAD_SG = 7,	     /* scatter-gather list malformed or short */
	CSA_STATUS_ABORTED = 8,	     /* skipped after an earlier error, or reset */
	CSA_STATUS_TIMEOUT = 9,	     /* driver: job timed out, device was reset */
	CSA_STATUS_COUNT = 10,
};

/**
 * struct drm_csa_buf_ref - a buffer named by handle and offset
 * @handle: GEM handle; 0 means "unused" (only where the opcode has no buffer)
 * @pad: must be zero
 * @offset: byte offset into the BO; the bytes the command touches from there
 *          must lie inside the BO
 */
struct drm_csa_buf_ref {
	__u32 handle;
	__u32 pad;
	__u64 offset;
};

#define CSA_CMD_ARGS	10
#define CSA_CMD_BUFS	6

/**
 * struct drm_csa_cmd - one command of a SUBMIT
 * @opcode: enum drm_csa_opcode
 * @flags: CSA_CMD_F_* allowed for this opcode, others must be zero
 * @arg: opcode arguments (dimensions, immediates, f32 bit patterns); unused
 *       ones must be zero
 * @buf: buffers; unused ones must be all zero
 */
struct drm_csa_cmd {
	__u32 opcode;
	__u32 flags;
	__u32 arg[CSA_CMD_ARGS];
	struct drm_csa_buf_ref buf[CSA_CMD_BUFS];
};

#define CSA_SUBMIT_MAX_CMDS	4096

/**
 * struct drm_csa_sync - a DRM sync object a SUBMIT waits on or signals
 * (UAPI 1.3)
 * @handle: syncobj handle of the submitting file (DRM_IOCTL_SYNCOBJ_CREATE,
 *          or imported with DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE)
 * @flags: must be zero
 * @point: timeline point; 0 for a binary syncobj.  In: the job waits for the
 *         fence at this point, which must already exist (-EINVAL if not).
 *         Out: the job's completion fence becomes this point (a new
 *         dma_fence_chain link) or, with 0, replaces the syncobj's fence.
 */
struct drm_csa_sync {
	__u32 handle;
	__u32 flags;
	__u64 point;
};

/* Most in (and most out) syncobjs one SUBMIT may name */
#define CSA_SUBMIT_MAX_SYNCS	64

/**
 * struct drm_csa_submit - DRM_IOCTL_CSA_SUBMIT: queue one command list
 * @cmds: user pointer to @num_cmds struct drm_csa_cmd
 * @num_cmds: 1..CSA_SUBMIT_MAX_CMDS (and <= drm_csa_info.max_cmds)
 * @cmd_size: sizeof(struct drm_csa_cmd) as the caller knows it
 * @flags: must be zero
 * @pad: must be zero
 * @fence: out, sequence number to pass to DRM_IOCTL_CSA_WAIT
 * @in_syncs: user pointer to @num_in_syncs struct drm_csa_sync; 0 if none
 * @out_syncs: user pointer to @num_out_syncs struct drm_csa_sync; 0 if none
 * @num_in_syncs: 0..CSA_SUBMIT_MAX_SYNCS; the job reaches the device only
 *                after every one of these fences has signalled
 * @num_out_syncs: 0..CSA_SUBMIT_MAX_SYNCS; each gets the job's completion
 *                 fence (signalled when WAIT would return, with an error
 *                 when the job was aborted or timed out)
 * @sync_size: sizeof(struct drm_csa_sync) as the caller knows it (bytes
 *             beyond it must be zero, at most 4096); 0 only when both
 *             counts are 0
 * @pad2: must be zero
 *
 * Commands of one submit run in order (or, with CSA_CMD_DEP(), as their
 * dependencies allow: results are the same); submits of one file run in
 * order.  On the first failing command the rest of the list is skipped.
 *
 * @in_syncs .. @pad2 came with UAPI 1.3: a caller built against 1.2 or
 * earlier passes the first 32 bytes only and the kernel reads zeros for the
 * rest.  An unknown syncobj handle is -ENOENT; a bad count, size, pointer
 * without a count, flag or pad is -EINVAL.  Nothing is queued when SUBMIT
 * fails.
 */
struct drm_csa_submit {
	__u64 cmds;
	__u32 num_cmds;
	__u32 cmd_size;
	__u32 flags;
	__u32 pad;
	__u64 fence;
	__u64 in_syncs;
	__u64 out_syncs;
	__u32 num_in_syncs;
	__u32 num_out_syncs;
	__u32 sync_size;
	__u32 pad2;
};

/**
 * struct drm_csa_wait - DRM_IOCTL_CSA_WAIT: wait for a submit
 * @fence: in, from drm_csa_submit.fence of the same file
 * @timeout_ns: in, absolute CLOCK_MONOTONIC time; 0 polls
 * @status: out, enum drm_csa_status of the command list
 * @failed_index: out, index of the failing command when @status != OK
 * @cycles: out, modelled device cycles of the whole command list
 *
 * Returns 0 when the list completed (whatever @status), -ETIME when the
 * timeout passed first, -EINTR/-ERESTARTSYS on a signal (restartable).
 */
struct drm_csa_wait {
	__u64 fence;
	__s64 timeout_ns;
	__u32 status;
	__u32 failed_index;
	__u64 cycles;
};

/**
 * struct drm_csa_counters - DRM_IOCTL_CSA_GET_COUNTERS: live state
 * @busy_cycles: modelled busy cycles per enum drm_csa_engine
 * @total_cycles: modelled cycles of all completed commands
 * @commands: commands completed
 * @dma_bytes: bytes moved between host and device
 * @devmem_bytes: bytes of device memory read and written by engines
 * @errors: commands that completed with an error status
 * @resets: device resets since probe
 * @jobs_submitted: submits accepted since probe
 * @jobs_completed: submits completed since probe
 * @sq_head: submission ring head (device register)
 * @sq_tail: submission ring tail
 * @cq_head: completion ring head
 * @cq_tail: completion ring tail
 * @in_flight: submits queued or running
 * @last_error_status: enum drm_csa_status of the last failed command
 * @error_status: device ERROR_STATUS register
 * @pad: must be zero
 */
struct drm_csa_counters {
	__u64 busy_cycles[CSA_ENGINE_COUNT];
	__u64 total_cycles;
	__u64 commands;
	__u64 dma_bytes;
	__u64 devmem_bytes;
	__u64 errors;
	__u64 resets;
	__u64 jobs_submitted;
	__u64 jobs_completed;
	__u32 sq_head;
	__u32 sq_tail;
	__u32 cq_head;
	__u32 cq_tail;
	__u32 in_flight;
	__u32 last_error_status;
	__u32 error_status;
	__u32 pad;
};

/**
 * struct drm_csa_reset - DRM_IOCTL_CSA_RESET (CAP_SYS_ADMIN): soft-reset the
 * device; queued and running jobs complete with CSA_STATUS_ABORTED.
 * @flags: must be zero
 * @pad: must be zero
 */
struct drm_csa_reset {
	__u32 flags;
	__u32 pad;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_CSA_ACCEL_H_ */
