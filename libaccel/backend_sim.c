// SPDX-License-Identifier: MIT
/*
 * backend_sim.c - the in-process backend: the C hardware model (hw/) on a
 * worker thread, with this file playing the kernel driver's part.
 *
 *  - Device memory is one host allocation handed to the model; device BOs
 *    are ranges of it (sim_devmem.c).
 *  - Host BOs, the rings and the SG tables are host allocations with fake
 *    bus addresses (sim_bus.c); the model reaches them only by DMA.
 *  - SUBMIT translates every command with csa_translate_cmd() - the very
 *    code the kernel runs - writes the descriptors into the SQ ring, rings
 *    the doorbell and returns.  The worker runs csa_hw_run() after the
 *    model's kick, reaps the CQ by phase bit, and wakes the waiters.
 *
 * Locking, in this order when both are held:
 *  - sim->lock: the model, the BO, bus and devmem tables, the rings.  The
 *    worker holds it while the model runs a short burst of descriptors.
 *  - sim->jobs_lock: the job history and fences.  Waiters and pollers take
 *    only this one, so they never wait for the model to finish a burst.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "common/csa_translate.h"
#include "hw/board_profiles.h"
#include "hw/csa_hw.h"
#include "libaccel/accel_internal.h"
#include "libaccel/sim_bus.h"
#include "libaccel/sim_devmem.h"

#define SIM_DEVMEM_DEFAULT	(256ull << 20)
#define SIM_RING_ENTRIES	8192u	/* SQ and CQ */
#define SIM_JOB_HISTORY		16384u	/* must exceed the jobs in flight */
#define SIM_RUN_BURST		32u	/* descriptors per lock hold */
#define SIM_SG_SEGMENT		(64u << 10) /* host pages are "scattered" at this */

struct sim_bo {
	uint32_t flags;		/* CSA_BO_*, meaningful when size != 0 */
	uint64_t size;		/* 0 = free handle */
	uint8_t *host;		/* host BO: its memory */
	uint64_t bus;		/* host BO: its bus address */
	uint64_t dev_off;	/* device BO: its device address */
	uint64_t busy_until;	/* last fence that names it */
};

/* Memory of a freed BO still used by a job in flight. */
struct sim_zombie {
	struct sim_bo bo;
	struct sim_zombie *next;
};

struct sim_job {
	uint64_t fence;		/* 0 = slot never used */
	int done;
	uint32_t status, failed_index;
	uint64_t cycles;
	uint64_t sg_bus;	/* SG table region of the job, 0 if none */
	struct csa_sg_entry *sg;
};

struct sim {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* on lock: kick or stop, for the worker */
	pthread_cond_t space;	/* on lock: SQ space or a history slot freed */
	pthread_mutex_t jobs_lock;
	pthread_cond_t done;	/* on jobs_lock: a job completed */
	pthread_t worker;
	int kicked, stop, worker_started;

	struct csa_hw *hw;
	uint8_t *devmem;
	uint64_t devmem_size;
	struct sim_devmem alloc;
	struct sim_bus bus;

	struct sim_bo *bos;	/* index = handle, 0 unused */
	uint32_t nbos;
	struct sim_zombie *zombies;

	struct csa_desc *sq;
	struct csa_cqe *cq;
	uint64_t sq_bus, cq_bus;
	uint32_t ring_entries, sq_tail, cq_head, cq_phase;
	uint32_t space_wanted;	/* SQ slots a blocked submitter needs, or 0 */

	/* under jobs_lock */
	struct sim_job *jobs;	/* history, index fence % SIM_JOB_HISTORY */
	uint64_t next_fence, completed;	/* completed = jobs done, in order */
	uint64_t jobs_submitted, jobs_completed;
	uint32_t last_error_status;
	int event_fd;		/* accel_completion_fd(): eventfd, -1 until asked */

	uint32_t error_status;	/* latched ERROR_STATUS, under lock */

	/* the submit being translated */
	struct csa_desc *descs;	/* reused between submits */
	uint32_t descs_cap;
	struct sim_job *cur;
	uint32_t cur_sg_len, cur_sg_cap;
};

static struct sim *sim_of(struct accel_dev *dev)
{
	return dev->priv;
}

/* ---- the model's callbacks ------------------------------------------------ */

static int sim_dma_read(void *ctx, uint64_t bus_addr, void *dst, size_t len)
{
	struct sim *sim = ctx;
	void *p = sim_bus_ptr(&sim->bus, bus_addr, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

static int sim_dma_write(void *ctx, uint64_t bus_addr, const void *src,
			 size_t len)
{
	struct sim *sim = ctx;
	void *p = sim_bus_ptr(&sim->bus, bus_addr, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

static void sim_irq(void *ctx, unsigned int vector)
{
	(void)ctx;
	(void)vector;	/* the worker reaps the CQ after every burst anyway */
}

/* Called with sim->lock held (from mmio writes and csa_hw_run). */
static void sim_kick(void *ctx)
{
	struct sim *sim = ctx;

	sim->kicked = 1;
	pthread_cond_signal(&sim->work);
}

static const struct csa_hw_ops sim_hw_ops = {
	.dma_read = sim_dma_read,
	.dma_write = sim_dma_write,
	.irq = sim_irq,
	.kick = sim_kick,
};

/* ---- BO table ------------------------------------------------------------- */

static struct sim_bo *lookup_bo(struct sim *sim, uint32_t handle)
{
	if (!handle || handle >= sim->nbos || !sim->bos[handle].size)
		return NULL;
	return &sim->bos[handle];
}

static void release_bo_memory(struct sim *sim, struct sim_bo *bo)
{
	if (bo->flags == CSA_BO_DEVICE) {
		sim_devmem_free(&sim->alloc, bo->dev_off, bo->size);
	} else {
		sim_bus_remove(&sim->bus, bo->bus);
		munmap(bo->host, bo->size);
	}
}

static void release_zombies(struct sim *sim)
{
	struct sim_zombie **pz = &sim->zombies;

	while (*pz) {
		struct sim_zombie *z = *pz;

		if (z->bo.busy_until <= sim->completed) {
			*pz = z->next;
			release_bo_memory(sim, &z->bo);
			free(z);
		} else {
			pz = &z->next;
		}
	}
}

/* ---- translation callbacks --------------------------------------------- */

static int check_bo(struct sim_bo *bo, uint32_t flags, uint64_t offset,
		    uint64_t bytes)
{
	if (!bo)
		return -ENOENT;
	if (bo->flags != flags)
		return -EINVAL;
	if (offset > bo->size || bytes > bo->size - offset)
		return -ERANGE;
	return 0;
}

static int sim_resolve_device(void *ctx, uint32_t handle, uint64_t offset,
			      uint64_t bytes, uint64_t *dev_addr)
{
	struct sim *sim = ctx;
	struct sim_bo *bo = lookup_bo(sim, handle);
	int ret = check_bo(bo, CSA_BO_DEVICE, offset, bytes);

	if (!ret)
		*dev_addr = bo->dev_off + offset;
	return ret;
}

static int grow_sg(struct sim *sim, uint32_t need)
{
	struct sim_job *job = sim->cur;
	struct csa_sg_entry *sg;
	uint32_t cap = sim->cur_sg_cap ? sim->cur_sg_cap : 64;
	int ret;

	while (cap < need)
		cap *= 2;
	if (cap == sim->cur_sg_cap)
		return 0;
	sg = realloc(job->sg, (size_t)cap * sizeof(*sg));
	if (!sg)
		return -ENOMEM;
	job->sg = sg;
	sim->cur_sg_cap = cap;
	if (!job->sg_bus) {
		ret = sim_bus_add(&sim->bus, sg, (uint64_t)cap * sizeof(*sg),
				  &job->sg_bus);
		if (ret)
			return ret;
	} else {
		sim_bus_update(&sim->bus, job->sg_bus, sg,
			       (uint64_t)cap * sizeof(*sg));
	}
	return 0;
}

/* Segments break where the BO's 64 KiB "pages" do, like a real SG list. */
static int sim_build_sg(void *ctx, uint32_t handle, uint64_t offset,
			uint64_t bytes, uint64_t *sg_bus_addr,
			uint32_t *sg_count)
{
	struct sim *sim = ctx;
	struct sim_bo *bo = lookup_bo(sim, handle);
	uint64_t first_seg, last_seg, pos, end;
	uint32_t n, start;
	int ret;

	ret = check_bo(bo, CSA_BO_HOST, offset, bytes);
	if (ret)
		return ret;
	if (!bytes)
		return -EINVAL;
	first_seg = offset / SIM_SG_SEGMENT;
	last_seg = (offset + bytes - 1) / SIM_SG_SEGMENT;
	if (last_seg - first_seg + 1 > CSA_SG_MAX)
		return -E2BIG;
	n = (uint32_t)(last_seg - first_seg + 1);
	start = sim->cur_sg_len;
	ret = grow_sg(sim, start + n);
	if (ret)
		return ret;
	for (pos = offset, end = offset + bytes; pos < end;) {
		uint64_t seg_end = (pos / SIM_SG_SEGMENT + 1) * SIM_SG_SEGMENT;
		struct csa_sg_entry *e = &sim->cur->sg[sim->cur_sg_len++];

		if (seg_end > end)
			seg_end = end;
		e->addr = bo->bus + pos;
		e->len = (uint32_t)(seg_end - pos);
		e->rsvd = 0;
		pos = seg_end;
	}
	*sg_bus_addr = sim->cur->sg_bus + (uint64_t)start * sizeof(struct csa_sg_entry);
	*sg_count = n;
	return 0;
}

static const struct csa_translate_ops sim_translate_ops = {
	.resolve_device = sim_resolve_device,
	.build_sg = sim_build_sg,
};

/* ---- rings ------------------------------------------------------------- */

static void job_free_sg(struct sim *sim, struct sim_job *job)
{
	if (job->sg_bus)
		sim_bus_remove(&sim->bus, job->sg_bus);
	free(job->sg);
	job->sg = NULL;
	job->sg_bus = 0;
}

/* Caller holds lock and jobs_lock. */
static void complete_job(struct sim *sim, struct sim_job *job,
			 uint32_t status, uint32_t index, uint64_t cycles)
{
	job->done = 1;
	job->status = status;
	job->failed_index = status == CSA_STATUS_OK ? 0 : index;
	job->cycles = cycles;
	job_free_sg(sim, job);
	if (status != CSA_STATUS_OK)
		sim->last_error_status = status;
	sim->jobs_completed++;
	/* Jobs complete in order; advance over every finished one. */
	while (sim->completed + 1 < sim->next_fence &&
	       sim->jobs[(sim->completed + 1) % SIM_JOB_HISTORY].done)
		sim->completed++;
	release_zombies(sim);
	pthread_cond_broadcast(&sim->done);
	if (sim->event_fd >= 0) {
		uint64_t one = 1;

		/* only fails when the counter would overflow: it is readable */
		if (write(sim->event_fd, &one, sizeof(one)) < 0)
			(void)0;
	}
}

/* Caller holds jobs_lock. */
static struct sim_job *job_of_tag(struct sim *sim, uint32_t tag)
{
	uint64_t f;

	/* The tag is the fence's low 32 bits; in-flight fences are recent. */
	for (f = sim->completed + 1; f < sim->next_fence; f++) {
		struct sim_job *job = &sim->jobs[f % SIM_JOB_HISTORY];

		if ((uint32_t)f == tag && !job->done)
			return job;
	}
	return NULL;
}

/* Read completions by phase bit, as the driver's IRQ handler does;
 * returns whether there were any. */
static int reap_cq(struct sim *sim)
{
	uint32_t mask = sim->ring_entries - 1;
	int reaped = 0;

	pthread_mutex_lock(&sim->jobs_lock);
	for (;;) {
		struct csa_cqe *e = &sim->cq[sim->cq_head];
		struct sim_job *job;

		if (!!(e->flags & CSA_CQE_F_PHASE) != sim->cq_phase)
			break;
		if (!(e->flags & CSA_CQE_F_FENCE)) {
			job = job_of_tag(sim, e->tag);
			if (job)
				complete_job(sim, job, e->status, e->index,
					     e->cycles);
		}
		sim->cq_head = (sim->cq_head + 1) & mask;
		if (!sim->cq_head)
			sim->cq_phase ^= 1;
		reaped = 1;
	}
	pthread_mutex_unlock(&sim->jobs_lock);
	if (reaped)
		csa_hw_mmio_write(sim->hw, CSA_REG_CQ_HEAD, sim->cq_head);
	return reaped;
}

/* Program the rings and enable the device (power-on and after reset). */
static int start_device(struct sim *sim)
{
	struct csa_hw *hw = sim->hw;

	memset(sim->cq, 0, (size_t)sim->ring_entries * sizeof(*sim->cq));
	sim->sq_tail = 0;
	sim->cq_head = 0;
	sim->cq_phase = 1;
	csa_hw_mmio_write(hw, CSA_REG_SQ_BASE_LO, (uint32_t)sim->sq_bus);
	csa_hw_mmio_write(hw, CSA_REG_SQ_BASE_HI, (uint32_t)(sim->sq_bus >> 32));
	csa_hw_mmio_write(hw, CSA_REG_SQ_SIZE, sim->ring_entries);
	csa_hw_mmio_write(hw, CSA_REG_CQ_BASE_LO, (uint32_t)sim->cq_bus);
	csa_hw_mmio_write(hw, CSA_REG_CQ_BASE_HI, (uint32_t)(sim->cq_bus >> 32));
	csa_hw_mmio_write(hw, CSA_REG_CQ_SIZE, sim->ring_entries);
	csa_hw_mmio_write(hw, CSA_REG_IRQ_MASK, 0);
	csa_hw_mmio_write(hw, CSA_REG_CONTROL, CSA_CTRL_ENABLE);
	if (!(csa_hw_mmio_read(hw, CSA_REG_STATUS) & CSA_STS_READY))
		return -EIO;
	return 0;
}

/* Soft reset: every job in flight completes ABORTED, rings restart. */
static int reset_device(struct sim *sim)
{
	uint64_t f;

	csa_hw_mmio_write(sim->hw, CSA_REG_CONTROL, CSA_CTRL_RESET);
	pthread_mutex_lock(&sim->jobs_lock);
	for (f = sim->completed + 1; f < sim->next_fence; f++) {
		struct sim_job *job = &sim->jobs[f % SIM_JOB_HISTORY];

		if (!job->done)
			complete_job(sim, job, CSA_STATUS_ABORTED, 0, 0);
	}
	pthread_mutex_unlock(&sim->jobs_lock);
	sim->error_status = 0;
	pthread_cond_broadcast(&sim->space);
	return start_device(sim);
}

/* Latch and clear device errors, as the error interrupt handler does;
 * a halted device is reset so waiters are not stranded. */
static void handle_errors(struct sim *sim)
{
	uint32_t err = csa_hw_mmio_read(sim->hw, CSA_REG_ERROR_STATUS);

	if (err) {
		sim->error_status = err;
		csa_hw_mmio_write(sim->hw, CSA_REG_ERROR_STATUS, err);
	}
	if (csa_hw_mmio_read(sim->hw, CSA_REG_STATUS) & CSA_STS_HALTED)
		reset_device(sim);
}

static uint32_t sq_free(struct sim *sim)
{
	uint32_t head = csa_hw_mmio_read(sim->hw, CSA_REG_SQ_HEAD);
	uint32_t used = (sim->sq_tail - head) & (sim->ring_entries - 1);

	return sim->ring_entries - 1 - used;
}

static void *worker_main(void *arg)
{
	struct sim *sim = arg;
	int reaped;

	pthread_mutex_lock(&sim->lock);
	while (!sim->stop) {
		if (!sim->kicked) {
			pthread_cond_wait(&sim->work, &sim->lock);
			continue;
		}
		sim->kicked = 0;
		csa_hw_run(sim->hw, SIM_RUN_BURST);
		reaped = reap_cq(sim);
		handle_errors(sim);
		/* Wake a blocked submitter only when it can go on (a job
		 * completion may also free its history slot). */
		if (sim->space_wanted &&
		    (reaped || sq_free(sim) >= sim->space_wanted))
			pthread_cond_broadcast(&sim->space);
		/* Let submitters and waiters in between bursts. */
		pthread_mutex_unlock(&sim->lock);
		sched_yield();
		pthread_mutex_lock(&sim->lock);
	}
	pthread_mutex_unlock(&sim->lock);
	return NULL;
}

/* ---- backend ops ------------------------------------------------------- */

static void sim_destroy(struct sim *sim)
{
	uint32_t h;
	uint64_t f;

	if (sim->worker_started) {
		pthread_mutex_lock(&sim->lock);
		sim->stop = 1;
		pthread_cond_signal(&sim->work);
		pthread_mutex_unlock(&sim->lock);
		pthread_join(sim->worker, NULL);
	}
	for (h = 1; h < sim->nbos; h++)
		if (sim->bos[h].size)
			release_bo_memory(sim, &sim->bos[h]);
	sim->completed = UINT64_MAX;
	release_zombies(sim);
	if (sim->jobs)
		for (f = 0; f < SIM_JOB_HISTORY; f++)
			job_free_sg(sim, &sim->jobs[f]);
	free(sim->jobs);
	free(sim->descs);
	free(sim->bos);
	free(sim->sq);
	free(sim->cq);
	if (sim->devmem)
		munmap(sim->devmem, sim->devmem_size);
	sim_devmem_fini(&sim->alloc);
	sim_bus_fini(&sim->bus);
	free(sim->hw);
	if (sim->event_fd >= 0)
		close(sim->event_fd);
	pthread_cond_destroy(&sim->done);
	pthread_mutex_destroy(&sim->jobs_lock);
	pthread_cond_destroy(&sim->space);
	pthread_cond_destroy(&sim->work);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

static void sim_close(struct accel_dev *dev)
{
	struct sim *sim = sim_of(dev);

	/* Submitted work completes before the device goes away. */
	pthread_mutex_lock(&sim->jobs_lock);
	while (sim->jobs_completed < sim->jobs_submitted)
		pthread_cond_wait(&sim->done, &sim->jobs_lock);
	pthread_mutex_unlock(&sim->jobs_lock);
	sim_destroy(sim);
	dev->priv = NULL;
}

static int sim_query_info(struct accel_dev *dev, struct drm_csa_info *info)
{
	struct sim *sim = sim_of(dev);
	struct csa_hw *hw = sim->hw;

	pthread_mutex_lock(&sim->lock);
	memset(info, 0, sizeof(*info));
	info->uapi_major = DRM_CSA_UAPI_MAJOR;
	info->uapi_minor = DRM_CSA_UAPI_MINOR;
	info->hw_version = csa_hw_mmio_read(hw, CSA_REG_VERSION);
	info->pci_vendor = CSA_PCI_VENDOR_ID;
	info->pci_device = CSA_PCI_DEVICE_ID;
	info->capabilities = csa_hw_mmio_read(hw, CSA_REG_CAPS);
	info->devmem_size = csa_hw_mmio_read(hw, CSA_REG_DEVMEM_LO) |
			    (uint64_t)csa_hw_mmio_read(hw, CSA_REG_DEVMEM_HI) << 32;
	info->devmem_used = sim->alloc.used;
	info->clock_khz = csa_hw_mmio_read(hw, CSA_REG_CLOCK_KHZ);
	info->dram_mbps = csa_hw_mmio_read(hw, CSA_REG_DRAM_MBPS);
	info->bcq_lanes = csa_hw_mmio_read(hw, CSA_REG_BCQ_LANES);
	info->pim_banks = csa_hw_mmio_read(hw, CSA_REG_PIM_UNITS);
	info->vec_lanes = csa_hw_mmio_read(hw, CSA_REG_VEC_LANES);
	info->pim_macs_per_bank = csa_hw_mmio_read(hw, CSA_REG_PIM_MACS);
	info->board_id = csa_hw_mmio_read(hw, CSA_REG_BOARD_ID);
	info->mem_channels = csa_hw_mmio_read(hw, CSA_REG_MEM_CHANNELS);
	info->mem_peak_mbps = csa_hw_mmio_read(hw, CSA_REG_MEM_PEAK_MBPS);
	info->pcie_mbps = csa_hw_mmio_read(hw, CSA_REG_PCIE_MBPS);
	for (unsigned int i = 0; i < CSA_BOARD_NAME_LEN / 4; i++) {
		uint32_t w = csa_hw_mmio_read(hw, CSA_REG_BOARD_NAME + 4 * i);

		for (unsigned int j = 0; j < 4; j++)
			info->board_name[4 * i + j] = (char)(w >> (8 * j));
	}
	info->board_name[sizeof(info->board_name) - 1] = 0;
	info->ring_entries = sim->ring_entries;
	info->max_cmds = sim->ring_entries - 1 < CSA_SUBMIT_MAX_CMDS ?
			 sim->ring_entries - 1 : CSA_SUBMIT_MAX_CMDS;
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

static uint64_t read_perf(struct csa_hw *hw, uint32_t reg)
{
	uint32_t lo = csa_hw_mmio_read(hw, reg);	/* latches HI */

	return lo | (uint64_t)csa_hw_mmio_read(hw, reg + 4) << 32;
}

static int sim_query_counters(struct accel_dev *dev, struct drm_csa_counters *c)
{
	struct sim *sim = sim_of(dev);
	struct csa_hw *hw = sim->hw;
	unsigned int e;

	pthread_mutex_lock(&sim->lock);
	for (e = 0; e < CSA_ENGINE_COUNT; e++)
		c->busy_cycles[e] = read_perf(hw, CSA_PERF_BUSY(e));
	c->total_cycles = read_perf(hw, CSA_REG_PERF_TOTAL);
	c->commands = read_perf(hw, CSA_REG_PERF_COMMANDS);
	c->dma_bytes = read_perf(hw, CSA_REG_PERF_DMA_BYTES);
	c->devmem_bytes = read_perf(hw, CSA_REG_PERF_MEM_BYTES);
	c->errors = read_perf(hw, CSA_REG_PERF_ERRORS);
	c->resets = read_perf(hw, CSA_REG_PERF_RESETS);
	pthread_mutex_lock(&sim->jobs_lock);
	c->jobs_submitted = sim->jobs_submitted;
	c->jobs_completed = sim->jobs_completed;
	c->in_flight = (uint32_t)(sim->jobs_submitted - sim->jobs_completed);
	c->last_error_status = sim->last_error_status;
	pthread_mutex_unlock(&sim->jobs_lock);
	c->sq_head = csa_hw_mmio_read(hw, CSA_REG_SQ_HEAD);
	c->sq_tail = csa_hw_mmio_read(hw, CSA_REG_SQ_TAIL);
	c->cq_head = csa_hw_mmio_read(hw, CSA_REG_CQ_HEAD);
	c->cq_tail = csa_hw_mmio_read(hw, CSA_REG_CQ_TAIL);
	c->error_status = sim->error_status |
			  csa_hw_mmio_read(hw, CSA_REG_ERROR_STATUS);
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

static int sim_reset(struct accel_dev *dev)
{
	struct sim *sim = sim_of(dev);
	int ret;

	pthread_mutex_lock(&sim->lock);
	ret = reset_device(sim);
	pthread_mutex_unlock(&sim->lock);
	return ret;
}

static uint32_t new_handle(struct sim *sim)
{
	uint32_t h;
	struct sim_bo *t;
	uint32_t len;

	/* Lowest free handle, like the DRM core's idr. */
	for (h = 1; h < sim->nbos; h++)
		if (!sim->bos[h].size)
			return h;
	len = sim->nbos ? sim->nbos * 2 : 64;
	t = realloc(sim->bos, (size_t)len * sizeof(*t));
	if (!t)
		return 0;
	memset(t + sim->nbos, 0, (size_t)(len - sim->nbos) * sizeof(*t));
	sim->bos = t;
	h = sim->nbos ? sim->nbos : 1;
	sim->nbos = len;
	return h;
}

static int sim_bo_create(struct accel_dev *dev, uint64_t size, uint32_t flags,
			 uint32_t *handle, uint64_t *real_size)
{
	struct sim *sim = sim_of(dev);
	struct sim_bo bo;
	uint32_t h;
	int ret = 0;

	if (!size || (flags & ~CSA_BO_FLAGS_MASK))
		return -EINVAL;
	if (size > ACCEL_BO_MAX_SIZE)
		return -ENOMEM;
	memset(&bo, 0, sizeof(bo));
	bo.flags = flags;
	bo.size = (size + SIM_DEVMEM_ALIGN - 1) & ~(uint64_t)(SIM_DEVMEM_ALIGN - 1);

	pthread_mutex_lock(&sim->lock);
	if (flags == CSA_BO_DEVICE) {
		ret = sim_devmem_alloc(&sim->alloc, bo.size, &bo.dev_off);
		if (!ret)	/* fresh buffers read as zero, as on the card */
			memset(sim->devmem + bo.dev_off, 0, bo.size);
	} else {
		bo.host = mmap(NULL, bo.size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (bo.host == MAP_FAILED) {
			ret = -ENOMEM;
		} else {
			ret = sim_bus_add(&sim->bus, bo.host, bo.size, &bo.bus);
			if (ret)
				munmap(bo.host, bo.size);
		}
	}
	if (!ret) {
		h = new_handle(sim);
		if (h) {
			sim->bos[h] = bo;
			*handle = h;
			*real_size = bo.size;
		} else {
			release_bo_memory(sim, &bo);
			ret = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return ret;
}

static void sim_bo_destroy(struct accel_dev *dev, uint32_t handle)
{
	struct sim *sim = sim_of(dev);
	struct sim_bo *bo;
	struct sim_zombie *z;

	pthread_mutex_lock(&sim->lock);
	bo = lookup_bo(sim, handle);
	if (bo) {
		uint64_t completed;

		pthread_mutex_lock(&sim->jobs_lock);
		completed = sim->completed;
		pthread_mutex_unlock(&sim->jobs_lock);
		if (bo->busy_until > completed &&
		    (z = malloc(sizeof(*z))) != NULL) {
			z->bo = *bo;
			z->next = sim->zombies;
			sim->zombies = z;
		} else {
			/* Idle (or no memory to defer): release now. */
			release_bo_memory(sim, bo);
		}
		memset(bo, 0, sizeof(*bo));
	}
	pthread_mutex_unlock(&sim->lock);
}

static int sim_bo_map(struct accel_dev *dev, uint32_t handle, uint64_t size,
		      void **ptr)
{
	struct sim *sim = sim_of(dev);
	struct sim_bo *bo;
	int ret = 0;

	(void)size;
	pthread_mutex_lock(&sim->lock);
	bo = lookup_bo(sim, handle);
	if (!bo)
		ret = -ENOENT;
	else if (bo->flags != CSA_BO_HOST)
		ret = -ENOTSUP;	/* no BAR window in the sim */
	else
		*ptr = bo->host;
	pthread_mutex_unlock(&sim->lock);
	return ret;
}

static void sim_bo_unmap(struct accel_dev *dev, uint32_t handle, void *ptr,
			 uint64_t size)
{
	(void)dev;
	(void)handle;
	(void)ptr;
	(void)size;	/* the mapping is the allocation itself */
}

/* Caller holds lock: is the history slot of fence @f still in use? */
static int slot_busy(struct sim *sim, uint64_t f)
{
	struct sim_job *job = &sim->jobs[f % SIM_JOB_HISTORY];
	int busy;

	pthread_mutex_lock(&sim->jobs_lock);
	busy = job->fence && !job->done;
	pthread_mutex_unlock(&sim->jobs_lock);
	return busy;
}

static int sim_submit(struct accel_dev *dev, const struct drm_csa_cmd *cmds,
		      uint32_t count, uint64_t *fence)
{
	struct sim *sim = sim_of(dev);
	struct csa_desc *descs;
	struct sim_job tmp, *job;
	uint64_t f;
	uint32_t i, s, mask = sim->ring_entries - 1;
	int ret = 0;

	if (!count || count > CSA_SUBMIT_MAX_CMDS || count > sim->ring_entries - 1)
		return -EINVAL;
	pthread_mutex_lock(&sim->lock);
	if (count > sim->descs_cap) {
		descs = realloc(sim->descs, (size_t)count * sizeof(*descs));
		if (!descs) {
			pthread_mutex_unlock(&sim->lock);
			return -ENOMEM;
		}
		sim->descs = descs;
		sim->descs_cap = count;
	}
	descs = sim->descs;
	/* Only submit advances next_fence, and submits hold this lock. */
	f = sim->next_fence;
	memset(&tmp, 0, sizeof(tmp));
	sim->cur = &tmp;	/* build_sg collects the job's SG table here */
	sim->cur_sg_len = 0;
	sim->cur_sg_cap = 0;
	for (i = 0; i < count && !ret; i++) {
		ret = csa_translate_dep(&cmds[i], i);
		if (!ret)
			ret = csa_translate_cmd(&cmds[i], &sim_translate_ops,
						sim, &descs[i]);
	}
	sim->cur = NULL;
	if (ret) {
		job_free_sg(sim, &tmp);
		goto out;
	}
	for (i = 0; i < count; i++)
		descs[i].tag = (uint32_t)f;
	descs[count - 1].flags |= CSA_DESC_F_LAST;

	/* Ring full, or the history slot still in use: wait for the device
	 * (the worker reaps and signals after every burst). */
	while (sq_free(sim) < count || slot_busy(sim, f)) {
		sim->space_wanted = count;
		pthread_cond_wait(&sim->space, &sim->lock);
	}
	sim->space_wanted = 0;

	/* Buffers in use by this job outlive a free until it completes. */
	for (i = 0; i < count; i++)
		for (s = 0; s < CSA_CMD_BUFS; s++) {
			struct sim_bo *bo = lookup_bo(sim, cmds[i].buf[s].handle);

			if (bo)
				bo->busy_until = f;
		}
	tmp.fence = f;
	pthread_mutex_lock(&sim->jobs_lock);
	job = &sim->jobs[f % SIM_JOB_HISTORY];
	*job = tmp;
	sim->next_fence = f + 1;
	sim->jobs_submitted++;
	pthread_mutex_unlock(&sim->jobs_lock);
	for (i = 0; i < count; i++) {
		sim->sq[sim->sq_tail] = descs[i];
		sim->sq_tail = (sim->sq_tail + 1) & mask;
	}
	csa_hw_mmio_write(sim->hw, CSA_REG_SQ_TAIL, sim->sq_tail);
	*fence = f;
out:
	pthread_mutex_unlock(&sim->lock);
	return ret;
}

static void deadline_after(struct timespec *ts, int64_t ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	if (ns > INT64_MAX / 2)
		ns = INT64_MAX / 2;
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

static int sim_wait(struct accel_dev *dev, uint64_t fence, int64_t timeout_ns,
		    struct drm_csa_wait *out)
{
	struct sim *sim = sim_of(dev);
	struct sim_job *job;
	struct timespec deadline;
	int ret = 0;

	if (timeout_ns && timeout_ns != ACCEL_WAIT_FOREVER)
		deadline_after(&deadline, timeout_ns);
	pthread_mutex_lock(&sim->jobs_lock);
	if (!fence || fence >= sim->next_fence) {
		ret = -EINVAL;
		goto out;
	}
	if (sim->next_fence - fence > SIM_JOB_HISTORY) {
		ret = -ESTALE;
		goto out;
	}
	job = &sim->jobs[fence % SIM_JOB_HISTORY];
	while (!job->done) {
		if (!timeout_ns) {
			ret = -ETIME;
			goto out;
		}
		if (timeout_ns == ACCEL_WAIT_FOREVER) {
			pthread_cond_wait(&sim->done, &sim->jobs_lock);
		} else if (pthread_cond_timedwait(&sim->done, &sim->jobs_lock,
						  &deadline) == ETIMEDOUT &&
			   !job->done) {
			ret = -ETIME;
			goto out;
		}
		/* The slot may have been reused by a much later submit. */
		if (job->fence != fence) {
			ret = -ESTALE;
			goto out;
		}
	}
	out->fence = fence;
	out->status = job->status;
	out->failed_index = job->failed_index;
	out->cycles = job->cycles;
out:
	pthread_mutex_unlock(&sim->jobs_lock);
	return ret;
}

static int sim_completion_fd(struct accel_dev *dev)
{
	struct sim *sim = sim_of(dev);
	int fd;

	pthread_mutex_lock(&sim->jobs_lock);
	if (sim->event_fd < 0)
		sim->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fd = sim->event_fd >= 0 ? sim->event_fd : -errno;
	pthread_mutex_unlock(&sim->jobs_lock);
	return fd;
}

static const struct accel_backend sim_backend = {
	.name = "sim",
	.close = sim_close,
	.query_info = sim_query_info,
	.query_counters = sim_query_counters,
	.reset = sim_reset,
	.bo_create = sim_bo_create,
	.bo_destroy = sim_bo_destroy,
	.bo_map = sim_bo_map,
	.bo_unmap = sim_bo_unmap,
	.submit = sim_submit,
	.wait = sim_wait,
	.completion_fd = sim_completion_fd,
};

/* ---- open ---------------------------------------------------------------- */

/* "devmem=SIZE[,ring=N][,board=NAME]" */
static int parse_options(const char *opts, uint64_t *devmem, uint32_t *ring,
			 uint32_t *board)
{
	char buf[128], *tok, *save = NULL;
	const char *env = getenv("ACCEL_SIM_DEVMEM");
	uint64_t v;

	if (env && *env && accel_parse_size(env, devmem))
		return -EINVAL;
	if (strlen(opts) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, opts);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "devmem=", 7) == 0) {
			if (accel_parse_size(tok + 7, devmem))
				return -EINVAL;
		} else if (strncmp(tok, "board=", 6) == 0) {
			const struct csa_board_profile *b =
				csa_board_by_name(tok + 6);

			if (!b)
				return -EINVAL;
			*board = b->id;
		} else if (strncmp(tok, "ring=", 5) == 0) {
			if (accel_parse_size(tok + 5, &v) || v < CSA_RING_MIN ||
			    v > CSA_RING_MAX || (v & (v - 1)))
				return -EINVAL;
			*ring = (uint32_t)v;
		} else {
			return -EINVAL;
		}
	}
	if (*devmem % SIM_DEVMEM_ALIGN || *devmem > (1ull << 40))
		return -EINVAL;
	return 0;
}

static int condattr_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int ret;

	if (pthread_condattr_init(&a))
		return -ENOMEM;
	ret = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return ret ? -ENOMEM : 0;
}

int accel_sim_open(struct accel_dev *dev, const char *options)
{
	struct csa_hw_config cfg;
	struct sim *sim;
	uint64_t devmem = SIM_DEVMEM_DEFAULT;
	uint32_t ring = SIM_RING_ENTRIES, board = 0;
	int ret;

	ret = parse_options(options ? options : "", &devmem, &ring, &board);
	if (ret)
		return ret;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->event_fd = -1;
	if (pthread_mutex_init(&sim->lock, NULL)) {
		free(sim);
		return -ENOMEM;
	}
	if (pthread_cond_init(&sim->work, NULL)) {
		pthread_mutex_destroy(&sim->lock);
		free(sim);
		return -ENOMEM;
	}
	if (pthread_cond_init(&sim->space, NULL)) {
		pthread_cond_destroy(&sim->work);
		pthread_mutex_destroy(&sim->lock);
		free(sim);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&sim->jobs_lock, NULL)) {
		pthread_cond_destroy(&sim->space);
		pthread_cond_destroy(&sim->work);
		pthread_mutex_destroy(&sim->lock);
		free(sim);
		return -ENOMEM;
	}
	if (condattr_monotonic(&sim->done)) {
		pthread_mutex_destroy(&sim->jobs_lock);
		pthread_cond_destroy(&sim->space);
		pthread_cond_destroy(&sim->work);
		pthread_mutex_destroy(&sim->lock);
		free(sim);
		return -ENOMEM;
	}
	sim_bus_init(&sim->bus);
	sim->next_fence = 1;
	sim->ring_entries = ring;
	sim->devmem_size = devmem;

	ret = -ENOMEM;
	sim->hw = calloc(1, sizeof(*sim->hw));
	sim->jobs = calloc(SIM_JOB_HISTORY, sizeof(*sim->jobs));
	sim->sq = aligned_alloc(CSA_RING_ALIGN, (size_t)ring * sizeof(*sim->sq));
	sim->cq = aligned_alloc(CSA_RING_ALIGN, (size_t)ring * sizeof(*sim->cq));
	sim->devmem = mmap(NULL, devmem, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim->devmem == MAP_FAILED)
		sim->devmem = NULL;
	/* Transparent huge pages where the kernel offers them on request:
	 * the BCQ kernel reads weight columns N bytes apart, one TLB entry
	 * per line with 4 KiB pages.  Advice only: without it nothing
	 * changes but speed, so its failure is not an error. */
	if (sim->devmem)
		(void)madvise(sim->devmem, devmem, MADV_HUGEPAGE);
	if (!sim->hw || !sim->jobs || !sim->sq || !sim->cq || !sim->devmem)
		goto fail;
	memset(sim->sq, 0, (size_t)ring * sizeof(*sim->sq));
	ret = sim_devmem_init(&sim->alloc, devmem);
	if (!ret)
		ret = sim_bus_add(&sim->bus, sim->sq,
				  (uint64_t)ring * sizeof(*sim->sq), &sim->sq_bus);
	if (!ret)
		ret = sim_bus_add(&sim->bus, sim->cq,
				  (uint64_t)ring * sizeof(*sim->cq), &sim->cq_bus);
	if (ret)
		goto fail;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = sim->devmem;
	cfg.devmem_size = devmem;
	cfg.cycles.board = board;
	ret = csa_hw_init(sim->hw, &cfg, &sim_hw_ops, sim);
	if (!ret)
		ret = start_device(sim);
	if (ret)
		goto fail;
	if (pthread_create(&sim->worker, NULL, worker_main, sim)) {
		ret = -EAGAIN;
		goto fail;
	}
	sim->worker_started = 1;

	dev->be = &sim_backend;
	dev->priv = sim;
	strcpy(dev->path, "sim");
	return 0;
fail:
	sim_destroy(sim);
	return ret;
}
