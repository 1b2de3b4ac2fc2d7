/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CSA LLM-decoding accelerator: driver-wide types.
 */
#ifndef CSA_DRV_H
#define CSA_DRV_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/dma-fence.h>
#include <linux/fault-inject.h>
#include <linux/io.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_mm.h>
#include <drm/drm_print.h>
#include <drm/gpu_scheduler.h>

#include "drm/csa_accel.h"
#include "csa/csa_device.h"

struct dma_buf_attachment;
struct sg_table;

#define CSA_DRIVER_DESC		"CSA LLM-decoding accelerator"

/* Module parameters (csa_drv.c) */
extern int csa_irq_mode;
extern unsigned int csa_sq_entries;
extern unsigned int csa_job_timeout_ms;

enum csa_irq_kind {
	CSA_IRQ_AUTO = 0,
	CSA_IRQ_KIND_MSIX = 1,
	CSA_IRQ_KIND_MSI = 2,
	CSA_IRQ_KIND_INTX = 3,
};

/*
 * Fault injection for tests (csa_fault.c): fault_attr with
 * CONFIG_FAULT_INJECTION, and with a CSA_DEBUG build the one-shot debugfs
 * "inject" file, consumed by the next submit.
 */
enum csa_inject {
	CSA_INJECT_NONE = 0,
	CSA_INJECT_HANG,	/* write the job but never ring its doorbell */
	CSA_INJECT_CORRUPT,	/* give its first descriptor an invalid opcode */
	CSA_INJECT_RESET_FAIL,	/* the next recovery acts as if the reset failed */
};

/*
 * Per-file limits: a user can queue this many jobs, and SG tables (DMA
 * memory the device reads) of this many bytes, before SUBMIT says -EBUSY.
 */
#define CSA_FILE_MAX_JOBS	1024
#define CSA_FILE_MAX_SG_BYTES	(64ull << 20)

/* longest wait for an AER resume: the core's link reset polls up to 60 s */
#define CSA_PCI_RECOVERY_MS	90000

/* One ring of DMA-coherent entries shared with the device. */
struct csa_ring {
	void *cpu;
	dma_addr_t dma;
	u32 entries;		/* power of two */
	size_t entry_size;
};

#define CSA_ERRLOG_LEN	8

/* A decoded device error, kept for debugfs. */
struct csa_errlog_entry {
	u64 time_ns;
	u32 error_status;
	u32 error_info;
};

struct csa_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *regs;
	resource_size_t devmem_bar_start;	/* 0 without CSA_CAP_DEVMEM_BAR */
	resource_size_t devmem_bar_len;

	/* identity, read once at probe */
	u32 hw_version;
	u64 caps;
	u64 devmem_size;
	u32 engines;
	u32 clock_khz;
	u32 dram_mbps;
	/* board profile registers, CSA_REG_BOARD_ID .. CSA_REG_BOARD_NAME + 12 */
	u32 board_regs[12];

	/*
	 * What the kernel has mapped for the card on behalf of users: host BOs
	 * (their shmem SG table, or an import's attachment mapping) and live
	 * jobs (their SG tables).  Removal unmaps all of it while the PCI
	 * device is still bound, although BOs and jobs can outlive it.
	 */
	struct mutex host_bos_lock;	/* protects host_bos */
	struct list_head host_bos;	/* struct csa_host_bo */
	spinlock_t jobs_lock;		/* protects jobs, each job's sg_bufs */
	struct list_head jobs;		/* struct csa_job, alloc to cleanup */

	/* device memory allocator (device BOs) */
	struct mutex devmem_lock;	/* protects devmem_mm, devmem_used */
	struct drm_mm devmem_mm;
	u64 devmem_used;

	/* rings; ring_lock also orders the in-flight list against the IRQ */
	spinlock_t ring_lock;
	struct csa_ring sq;
	struct csa_ring cq;
	u32 sq_tail;
	u32 sq_head_seen;	/* device SQ head from the last CQE */
	u32 cq_head;
	u32 cq_phase;		/* phase bit the next valid CQE carries */
	bool hung;		/* injected hang: no doorbells until reset */
	bool wedged;		/* a reset failed: new work is refused */
	bool removing;		/* remove/shutdown: recovery leaves the rings off */
	struct list_head inflight;	/* struct csa_job in ring order */
	u32 max_cmds;

	/* fences of the hardware ring */
	spinlock_t fence_lock;
	u64 fence_context;
	u64 hw_seqno;		/* hardware fences, in ring order */
	atomic64_t seqno;	/* submits: the WAIT fence and descriptor tag */
	u64 abort_before;	/* submits up to this seqno were aborted by a reset */
	ktime_t last_done;	/* when the device last completed a job (ring_lock) */

	/* clearing new device BOs by DMA from a zero buffer (csa_clear.c) */
	void *zero_buf;			/* CSA_ZERO_SIZE zero bytes */
	dma_addr_t zero_dma;
	struct csa_sg_entry *zero_sg;	/* every entry points at zero_buf */
	dma_addr_t zero_sg_dma;
	struct drm_sched_entity clear_entity;
	struct mutex clear_lock;	/* orders arm + push on clear_entity */

	/* scheduler and recovery */
	struct drm_gpu_scheduler sched;
	struct workqueue_struct *reset_wq;	/* ordered: timeouts and resets */
	struct ratelimit_state reset_msg_rs;	/* "device reset" log lines */
	struct work_struct reset_work;
	struct work_struct pci_reset_work;	/* around pci_reset_function() */
	struct completion pci_reset_stopped;
	struct completion pci_reset_go;
	/* under the PCI device lock (reset and error handlers) */
	bool pci_reset_open;	/* csa_pci_reset_begin() without its end yet */
	bool pci_lost;		/* AER gave the device up: no restart */
	bool pci_gave_up;	/* no resume within CSA_PCI_RECOVERY_MS */
	struct completion reset_done;
	bool sched_ready;

	/* system sleep (csa_pm.c): quiesce and restore on the reset queue */
	struct work_struct pm_work;
	struct completion pm_stopped;
	struct completion pm_go;

	/* interrupts */
	enum csa_irq_kind irq_kind;
	unsigned int nr_vecs;
	bool irqs_requested;
	unsigned long err_window_start;		/* jiffies */
	unsigned int err_in_window;
	bool err_irq_masked;
	u32 irq_mask;			/* last IRQ_MASK written */

	/* statistics and diagnostics */
	spinlock_t perf_lock;		/* LO/HI pairs of the perf counters */
	atomic64_t jobs_submitted;
	atomic64_t jobs_completed;
	atomic64_t resets;
	atomic64_t cqe_stale;
	u32 last_error_status;		/* enum drm_csa_status */
	spinlock_t errlog_lock;
	struct csa_errlog_entry errlog[CSA_ERRLOG_LEN];
	unsigned int errlog_next;
	atomic_t inject;		/* enum csa_inject, for the next submit */
	atomic_t inject_reset_fail;	/* CSA_INJECT_RESET_FAIL armed */
	struct fault_attr fail_hang;	/* empty without CONFIG_FAULT_INJECTION */
	struct fault_attr fail_corrupt;
	struct fault_attr fail_reset;
	void *dump_buf;			/* vmalloc'ed, for the next devcoredump */
};

static inline struct csa_device *to_csa_device(struct drm_device *drm)
{
	return container_of(drm, struct csa_device, drm);
}

/*
 * What a file's jobs charge to it.  Jobs can outlive the file (they finish
 * after a kill -9), so this is reference counted: the file and every job
 * hold a reference.
 */
struct csa_client {
	struct kref ref;
	atomic_t jobs;			/* submitted and not yet freed */
	atomic64_t sg_bytes;		/* SG table memory of those jobs */
	atomic64_t busy_ns;		/* device time of its finished jobs */
	atomic64_t abort_before;	/* its submits up to this seqno hung */
};

/* Per open file: its scheduler entity and the results of its submits. */
struct csa_file {
	struct csa_device *cdev;
	struct csa_client *client;
	struct drm_sched_entity entity;
	struct mutex results_lock;	/* orders results_fifo and the xarray */
	struct xarray results;		/* seqno -> struct csa_result */
	struct list_head results_fifo;	/* oldest first, for pruning */
	unsigned int nr_results;
};

/* What WAIT reports for one submit; shared by the job and the file. */
struct csa_result {
	struct kref ref;
	u64 seqno;
	struct dma_fence *finished;	/* the scheduler's finished fence */
	struct list_head fifo_link;
	u32 status;			/* enum drm_csa_status */
	u32 failed_index;
	u64 cycles;
	/* clear jobs: the BO being cleared, until the waiter or release drops it */
	struct drm_gem_object *clear_bo;
};

/* A DMA-coherent scatter-gather table owned by a job. */
struct csa_sg_buf {
	struct list_head link;
	void *cpu;			/* struct csa_sg_entry[count] */
	dma_addr_t dma;
	size_t size;			/* bytes allocated (charged to the file) */
	u32 count;
	enum dma_data_direction dir;	/* of the host memory it names */
};

struct csa_job {
	struct drm_sched_job base;
	struct csa_device *cdev;
	u64 seqno;
	u32 num_desc;
	struct csa_desc *desc;
	struct drm_gem_object **bos;	/* references held until free_job */
	u32 num_bos;
	u32 max_bos;
	struct list_head sg_bufs;	/* jobs_lock: removal may empty it */
	struct list_head dev_link;	/* in cdev->jobs */
	struct csa_result *result;
	struct csa_client *client;	/* NULL for the driver's own jobs */
	size_t sg_bytes;		/* charged to client->sg_bytes */
	struct dma_fence *hw_fence;	/* allocated at submit, armed in run_job */
	bool hw_fence_armed;
	int fence_error;		/* set on the hardware fence when signalled */
	ktime_t start;			/* pushed to the ring */
	struct list_head inflight_link;
	bool inject_hang;
	bool counted;		/* in jobs_completed already */
	bool internal;		/* the driver's own (clear): not in job counters */
};

static inline struct csa_job *to_csa_job(struct drm_sched_job *job)
{
	return container_of(job, struct csa_job, base);
}

/* csa_regs.c: register access */
static inline u32 csa_read(struct csa_device *cdev, u32 reg)
{
	return readl(cdev->regs + reg);
}

static inline void csa_write(struct csa_device *cdev, u32 reg, u32 val)
{
	writel(val, cdev->regs + reg);
}

/* IRQ_MASK goes through here so the shared handler knows it without a read */
static inline void csa_set_irq_mask(struct csa_device *cdev, u32 mask)
{
	WRITE_ONCE(cdev->irq_mask, mask);
	csa_write(cdev, CSA_REG_IRQ_MASK, mask);
}

u64 csa_read_perf(struct csa_device *cdev, u32 reg);
int csa_regs_check_identity(struct csa_device *cdev);
int csa_regs_soft_reset(struct csa_device *cdev);
void csa_regs_disable(struct csa_device *cdev);

/* csa_ring.c */
int csa_ring_alloc(struct csa_device *cdev);
int csa_ring_start(struct csa_device *cdev);
void csa_ring_push_job(struct csa_device *cdev, struct csa_job *job);
unsigned int csa_ring_reap(struct csa_device *cdev);

/* csa_irq.c */
int csa_irq_init(struct csa_device *cdev);
void csa_irq_fini(struct csa_device *cdev);
void csa_irq_sync(struct csa_device *cdev);
void csa_irq_unmask(struct csa_device *cdev);

/* csa_gem.c */
int csa_gem_devmem_init(struct csa_device *cdev);
bool csa_gem_is_device_bo(struct drm_gem_object *obj);
struct drm_gem_object *csa_gem_create_object(struct drm_device *drm,
					     size_t size);
struct drm_gem_object *
csa_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt);
void csa_gem_unmap_host_bos(struct csa_device *cdev);
u64 csa_gem_device_addr(struct drm_gem_object *obj);
int csa_ioctl_bo_create(struct drm_device *drm, void *data,
			struct drm_file *file);
int csa_ioctl_bo_info(struct drm_device *drm, void *data,
		      struct drm_file *file);

/* csa_clear.c */
int csa_clear_init(struct csa_device *cdev);
int csa_clear_device_range(struct csa_device *cdev, struct drm_gem_object *obj,
			   u64 start, u64 size);

/* csa_job.c */
int csa_sched_init(struct csa_device *cdev);
struct csa_job *csa_job_alloc(struct csa_device *cdev, u32 num_desc);
void csa_job_cleanup(struct csa_job *job);
void csa_jobs_free_dma(struct csa_device *cdev);
void csa_job_finish_locked(struct csa_job *job, u32 status, u32 index,
			   u64 cycles, int error, struct list_head *done);
void csa_jobs_signal(struct csa_device *cdev, struct list_head *done);
void csa_job_sync_for_device(struct csa_job *job);
void csa_result_put(struct csa_result *result);
struct csa_client *csa_client_alloc(void);
void csa_client_put(struct csa_client *client);

/* csa_submit.c */
int csa_ioctl_submit(struct drm_device *drm, void *data,
		     struct drm_file *file);

/* csa_wait.c */
int csa_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

/* csa_reset.c */
int csa_reset_init(struct csa_device *cdev);
void csa_recover(struct csa_device *cdev, struct drm_sched_job *bad);
int csa_reset_sync(struct csa_device *cdev);
void csa_stop_dma(struct csa_device *cdev);
void csa_pci_reset_begin(struct csa_device *cdev);
void csa_pci_reset_end(struct csa_device *cdev);
void csa_pci_reset_lost(struct csa_device *cdev);
void csa_abort_inflight(struct csa_device *cdev, struct drm_sched_job *bad);

/* csa_pm.c */
extern const struct dev_pm_ops csa_pm_ops;
void csa_pm_init(struct csa_device *cdev);

/* csa_info.c */
int csa_ioctl_get_info(struct drm_device *drm, void *data,
		       struct drm_file *file);
int csa_ioctl_get_counters(struct drm_device *drm, void *data,
			   struct drm_file *file);
int csa_ioctl_reset(struct drm_device *drm, void *data, struct drm_file *file);
void csa_fill_counters(struct csa_device *cdev, struct drm_csa_counters *c);

/* csa_coredump.c */
void csa_coredump(struct csa_device *cdev, struct csa_job *job);
void csa_coredump_prepare(struct csa_device *cdev);
int csa_coredump_init(struct csa_device *cdev);

/* csa_fdinfo.c */
void csa_show_fdinfo(struct drm_printer *p, struct drm_file *file);

/* csa_sysfs.c, csa_debugfs.c */
extern const struct attribute_group *csa_sysfs_groups[];
void csa_debugfs_init(struct csa_device *cdev);

/* csa_fault.c */
void csa_fault_init(struct csa_device *cdev);
void csa_fault_debugfs_init(struct csa_device *cdev, struct dentry *root);
bool csa_fault_hang(struct csa_device *cdev);
bool csa_fault_corrupt(struct csa_device *cdev);
bool csa_fault_reset(struct csa_device *cdev);
void csa_errlog_add(struct csa_device *cdev, u32 error_status, u32 error_info);

/* csa_pci.c */
extern struct pci_driver csa_pci_driver;
extern const struct drm_driver csa_drm_driver;

#endif /* CSA_DRV_H */
