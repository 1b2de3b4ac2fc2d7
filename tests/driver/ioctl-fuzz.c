// SPDX-License-Identifier: MIT
/*
 * ioctl-fuzz.c - a guest-side fuzzer and stress test of csa.ko, run in the
 * QEMU VM on the debug kernel (tests/vm, `make vm-test-debug`).  What it
 * proves is mostly what the kernel does NOT print: the VM harness fails the
 * run on any KASAN, lockdep, DMA-API, kmemleak, BUG or WARNING report.  The
 * program itself fails on a worker killed by a signal it did not send, a
 * worker stuck past the deadline, a device that refuses to work afterwards,
 * device memory still allocated after every file closed, and (--stress) a
 * job that ends in any status but OK or ABORTED, or with wrong data.
 *
 *   test-ioctl-fuzz [--seed N] [--seconds S] [--procs P] [--unbind]
 *                   [--hang] [--max-steps N] [--dev PATH]
 *       seeded random sequences of the driver's ioctls (valid and broken
 *       fields) and the DRM core's (GEM_CLOSE, PRIME both ways, FLINK/OPEN,
 *       SYNCOBJ_*, DUMB_*), mmap/munmap of BOs and of exported dma-bufs,
 *       fork with kill -9 of the child, RESET, from P processes for S
 *       seconds; --unbind also unbinds and rebinds the driver now and then,
 *       --hang arms the driver's hang injection (debugfs "inject") now and
 *       then so that jobs time out and the recovery runs; --fail-allocs
 *       marks each worker (not the parent) for the kernel's fault injection
 *       (/proc/self/make-it-fail: failslab and fail_page_alloc with their
 *       task-filter on), so the error paths of the ioctls run.
 *   test-ioctl-fuzz --stress [--procs 8] [--seconds S] [--seed N]
 *       P processes submit DMA round trips and check the data while the
 *       parent resets the device at random intervals.
 *
 * Each worker draws from its own generator, seeded from the run's seed and
 * its index, so a failure is reproduced by the printed command line (the
 * interleaving with other workers is the scheduler's; --procs 1 with
 * --max-steps replays one worker alone).  Unknown fields are never assumed:
 * structs are zero-filled and the driver may grow them (the DRM core
 * zero-extends), and every errno is accepted from a call the fuzzer broke
 * on purpose.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "drm/csa_accel.h"

#define MAX_PROCS	16
#define MAX_BOS		48
#define MAX_FENCES	32
#define MAX_MAPS	16
#define MAX_SYNCOBJS	8
#define MAX_DMABUFS	8
#define PAGE		4096u

/* ---- options and shared state ----------------------------------------- */

static const char *dev_path = "/dev/accel/accel0";
static uint64_t seed;
static unsigned int seconds = 60, procs = 4;
static uint64_t max_steps;	/* 0: bounded by time only */
static bool do_unbind, do_hang, stress, fail_allocs;
static int64_t deadline_ns;

/* What each worker is doing, for the reproducer (shared with the parent). */
struct progress {
	volatile uint64_t step;
	volatile uint32_t op;
	volatile uint32_t done;
	volatile uint64_t jobs_ok, jobs_aborted, jobs_bad, data_bad;
	volatile uint64_t sigbus;
};
static struct progress *shared;
/* The node the card has now: a rebind while an old file is still open
 * gives it the next free minor (shared with the workers). */
static char *node;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: small, and the same on every libc */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool chance(struct rng *r, uint32_t percent)
{
	return below(r, 100) < percent;
}

/* ioctl returning 0 or -errno; EINTR/EAGAIN retried like libdrm */
static int xioctl(int f, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(f, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* ---- SIGBUS: a mapping of a device that went away ---------------------- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (bus_armed)
		siglongjmp(bus_jmp, 1);
	_exit(128 + SIGBUS);
}

/* Touch every page of [p, p + len): write then read back one word each. */
static void touch(struct progress *me, volatile uint8_t *p, size_t len,
		  uint8_t v, bool write)
{
	size_t off;

	bus_armed = 1;
	if (sigsetjmp(bus_jmp, 1)) {
		bus_armed = 0;
		me->sigbus++;
		return;
	}
	/* (what reads back is not checked: another process, a DMA or a
	 * reset may write the same pages) */
	for (off = 0; off < len; off += PAGE) {
		if (write)
			p[off] = v;
		(void)p[off];
	}
	bus_armed = 0;
}

/* ---- the worker's view of its objects ---------------------------------- */

struct bo {
	int fdi;		/* which of the worker's files */
	uint32_t handle, flags;
	uint64_t size, mmap_offset;
};

struct map {
	void *addr;
	size_t len;
};

struct worker {
	struct rng r;
	struct progress *me;
	int fd[2];
	struct bo bo[MAX_BOS];
	unsigned int nbo;
	uint64_t fence[MAX_FENCES];
	unsigned int nfence;
	struct map map[MAX_MAPS];
	unsigned int nmap;
	uint32_t syncobj[MAX_SYNCOBJS];
	unsigned int nsyncobj;
	int dmabuf[MAX_DMABUFS];
	unsigned int ndmabuf;
	uint8_t scratch[8192];
	void *unmapped;		/* a PROT_NONE page: a bad user pointer */
	bool child;		/* a forked child: no fork, no unbind */
};

static void reopen(struct worker *w, int i)
{
	unsigned int k, n = 0;

	if (w->fd[i] >= 0)
		close(w->fd[i]);
	w->fd[i] = open(node, O_RDWR | O_CLOEXEC);
	/* the file's handles died with it */
	for (k = 0; k < w->nbo; k++)
		if (w->bo[k].fdi != i)
			w->bo[n++] = w->bo[k];
	w->nbo = n;
	if (i == 0) {
		w->nfence = 0;
		w->nsyncobj = 0;
	}
}

static int wfd(struct worker *w)
{
	int i = (int)below(&w->r, 2);

	if (w->fd[i] < 0)
		reopen(w, i);
	return w->fd[i] >= 0 ? w->fd[i] : w->fd[!i];
}

static struct bo *pick_bo(struct worker *w)
{
	return w->nbo ? &w->bo[below(&w->r, w->nbo)] : NULL;
}

/* A handle: mostly a live one, sometimes a stale or made-up one. */
static uint32_t pick_handle(struct worker *w)
{
	struct bo *b = pick_bo(w);

	if (b && !chance(&w->r, 10))
		return b->handle;
	switch (below(&w->r, 4)) {
	case 0: return 0;
	case 1: return ~0u;
	case 2: return 1 + below(&w->r, 64);
	default: return (uint32_t)rnd(&w->r);
	}
}

/* A user pointer: valid scratch, NULL, unmapped, or a kernel address. */
static uint64_t pick_ptr(struct worker *w)
{
	switch (below(&w->r, 8)) {
	case 0: return 0;
	case 1: return (uintptr_t)w->unmapped;
	case 2: return 0xffff888000000000ull;
	default: return (uintptr_t)w->scratch;
	}
}

static uint64_t edge_size(struct worker *w)
{
	switch (below(&w->r, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ull;
	case 3: return 1ull << 40;
	case 4: return (1ull << 32) + PAGE;
	case 5: return 4u << 20;
	default: return (uint64_t)(1 + below(&w->r, 16)) * PAGE - below(&w->r, 2) * 17;
	}
}

/* ---- operations -------------------------------------------------------- */

enum op {
	OP_BO_CREATE, OP_GEM_CLOSE, OP_BO_INFO, OP_SUBMIT, OP_SUBMIT_BAD,
	OP_WAIT, OP_INFO, OP_COUNTERS, OP_RESET, OP_MMAP, OP_MUNMAP,
	OP_PRIME_EXPORT, OP_PRIME_IMPORT, OP_DMABUF_CLOSE, OP_FLINK, OP_SYNCOBJ,
	OP_DUMB, OP_RAW, OP_FORK, OP_REOPEN, OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"bo-create", "gem-close", "bo-info", "submit", "submit-bad", "wait",
	"get-info", "get-counters", "reset", "mmap", "munmap", "prime-export",
	"prime-import", "dmabuf-close", "flink-open", "syncobj", "dumb", "raw",
	"fork", "reopen",
};

/* relative weights of the operations */
static const uint8_t op_weight[OP_COUNT] = {
	[OP_BO_CREATE] = 10, [OP_GEM_CLOSE] = 5, [OP_BO_INFO] = 4,
	[OP_SUBMIT] = 14, [OP_SUBMIT_BAD] = 8, [OP_WAIT] = 8, [OP_INFO] = 2,
	[OP_COUNTERS] = 2, [OP_RESET] = 1, [OP_MMAP] = 6, [OP_MUNMAP] = 4,
	[OP_PRIME_EXPORT] = 5, [OP_PRIME_IMPORT] = 4, [OP_DMABUF_CLOSE] = 3,
	[OP_FLINK] = 3, [OP_SYNCOBJ] = 5, [OP_DUMB] = 3, [OP_RAW] = 5,
	[OP_FORK] = 2, [OP_REOPEN] = 1,
};

static void op_bo_create(struct worker *w)
{
	struct drm_csa_bo_create c = { 0 };
	int f = wfd(w), ret;

	c.size = chance(&w->r, 80) ? (uint64_t)(1 + below(&w->r, 8)) * PAGE :
				     edge_size(w);
	c.flags = chance(&w->r, 90) ? below(&w->r, 2) : (uint32_t)rnd(&w->r);
	ret = xioctl(f, DRM_IOCTL_CSA_BO_CREATE, &c);
	if (ret || w->nbo == MAX_BOS) {
		if (!ret) {
			struct drm_gem_close gc = { .handle = c.handle };

			xioctl(f, DRM_IOCTL_GEM_CLOSE, &gc);
		}
		return;
	}
	w->bo[w->nbo++] = (struct bo){
		.fdi = f == w->fd[0] ? 0 : 1, .handle = c.handle,
		.flags = c.flags, .size = c.size, .mmap_offset = c.mmap_offset,
	};
}

static void op_gem_close(struct worker *w)
{
	struct drm_gem_close c = { 0 };
	unsigned int k;

	if (w->nbo && chance(&w->r, 85)) {
		k = below(&w->r, w->nbo);
		c.handle = w->bo[k].handle;
		xioctl(w->fd[w->bo[k].fdi], DRM_IOCTL_GEM_CLOSE, &c);
		w->bo[k] = w->bo[--w->nbo];
		return;
	}
	c.handle = pick_handle(w);
	c.pad = chance(&w->r, 20) ? (uint32_t)rnd(&w->r) : 0;
	/* a made-up handle may be a live one: forget it if it was */
	for (k = 0; k < w->nbo; k++)
		if (w->bo[k].handle == c.handle)
			return;
	xioctl(wfd(w), DRM_IOCTL_GEM_CLOSE, &c);
}

static void op_bo_info(struct worker *w)
{
	struct drm_csa_bo_info i = { .handle = pick_handle(w) };

	if (chance(&w->r, 10))
		i.flags = (uint32_t)rnd(&w->r);
	xioctl(wfd(w), DRM_IOCTL_CSA_BO_INFO, &i);
}

static void remember_fence(struct worker *w, uint64_t fence)
{
	if (w->nfence == MAX_FENCES)
		w->nfence = 0;
	w->fence[w->nfence++] = fence;
}

/* A command the driver should accept: NOP, FENCE or a DMA in bounds. */
static void valid_cmd(struct worker *w, struct drm_csa_cmd *c)
{
	struct bo *h = NULL, *d = NULL;
	unsigned int k, start = below(&w->r, w->nbo ? w->nbo : 1);
	uint64_t len;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < w->nbo; k++) {
		struct bo *b = &w->bo[(start + k) % w->nbo];

		if (b->fdi != 0)
			continue;
		if (b->flags == CSA_BO_HOST && !h)
			h = b;
		if (b->flags == CSA_BO_DEVICE && !d)
			d = b;
	}
	if (!h || !d || chance(&w->r, 25)) {
		c->opcode = chance(&w->r, 50) ? CSA_OP_NOP : CSA_OP_FENCE;
		if (c->opcode == CSA_OP_FENCE)
			c->arg[0] = (uint32_t)rnd(&w->r);
		return;
	}
	len = h->size < d->size ? h->size : d->size;
	c->opcode = chance(&w->r, 50) ? CSA_OP_DMA_H2D : CSA_OP_DMA_D2H;
	c->arg[0] = (uint32_t)(64 * (1 + below(&w->r, (uint32_t)(len / 64))));
	c->buf[0].handle = h->handle;
	c->buf[1].handle = d->handle;
}

static void do_submit(struct worker *w, struct drm_csa_cmd *cmds, uint32_t n,
		      uint32_t cmd_size, uint64_t ptr, int f)
{
	struct drm_csa_submit s = {
		.cmds = ptr, .num_cmds = n, .cmd_size = cmd_size,
	};

	(void)cmds;
	if (!xioctl(f, DRM_IOCTL_CSA_SUBMIT, &s) && f == w->fd[0])
		remember_fence(w, s.fence);
}

static void op_submit(struct worker *w)
{
	struct drm_csa_cmd cmds[8];
	uint32_t n = 1 + below(&w->r, 8), k;

	if (w->fd[0] < 0)
		reopen(w, 0);
	for (k = 0; k < n; k++)
		valid_cmd(w, &cmds[k]);
	do_submit(w, cmds, n, sizeof(cmds[0]), (uintptr_t)cmds, w->fd[0]);
}

/* Every field of a SUBMIT or its commands broken, one or several. */
static void op_submit_bad(struct worker *w)
{
	struct drm_csa_cmd *cmds = (struct drm_csa_cmd *)w->scratch;
	uint32_t max = sizeof(w->scratch) / sizeof(*cmds), n, k, j, size;
	uint64_t ptr = (uintptr_t)cmds;

	n = 1 + below(&w->r, max);
	for (k = 0; k < n; k++) {
		valid_cmd(w, &cmds[k]);
		if (!chance(&w->r, 40))
			continue;
		switch (below(&w->r, 8)) {
		case 0: cmds[k].opcode = below(&w->r, CSA_OP_COUNT + 4); break;
		case 1: cmds[k].flags = 1u << below(&w->r, 32); break;
		case 2:
			for (j = 0; j < CSA_CMD_ARGS; j++)
				if (chance(&w->r, 50))
					cmds[k].arg[j] = chance(&w->r, 50) ?
						(uint32_t)rnd(&w->r) : below(&w->r, 4096);
			break;
		case 3:
			j = below(&w->r, CSA_CMD_BUFS);
			cmds[k].buf[j].handle = pick_handle(w);
			break;
		case 4:
			j = below(&w->r, CSA_CMD_BUFS);
			cmds[k].buf[j].offset = chance(&w->r, 50) ? rnd(&w->r) :
				(uint64_t)below(&w->r, 9) * PAGE - below(&w->r, 2);
			break;
		case 5:
			cmds[k].buf[below(&w->r, CSA_CMD_BUFS)].pad = 1;
			break;
		case 6:
			cmds[k].opcode = below(&w->r, CSA_OP_COUNT);
			for (j = 0; j < CSA_CMD_BUFS; j++)
				if (chance(&w->r, 50)) {
					cmds[k].buf[j].handle = pick_handle(w);
					cmds[k].buf[j].offset = below(&w->r, 2) * 64;
				}
			for (j = 0; j < CSA_CMD_ARGS; j++)
				cmds[k].arg[j] = below(&w->r, 3) ? below(&w->r, 129) : 0;
			break;
		default: cmds[k].arg[0] = ~0u; break;
		}
	}
	size = sizeof(*cmds);
	switch (below(&w->r, 10)) {
	case 0: size = 0; break;
	case 1: size = sizeof(*cmds) - 8; break;
	case 2: size = sizeof(*cmds) + 8 * below(&w->r, 4); break;
	case 3: n = chance(&w->r, 50) ? 0 : CSA_SUBMIT_MAX_CMDS + below(&w->r, 2); break;
	case 4: ptr = pick_ptr(w); break;
	case 5: n = ~0u; break;
	default: break;
	}
	if ((uint64_t)n * size > sizeof(w->scratch) && ptr == (uintptr_t)cmds)
		ptr = (uintptr_t)w->unmapped;
	if (chance(&w->r, 10)) {
		struct drm_csa_submit s = {
			.cmds = ptr, .num_cmds = n, .cmd_size = size,
			.flags = chance(&w->r, 50) ? 1u << below(&w->r, 32) : 0,
			.pad = chance(&w->r, 50) ? 1 : 0,
		};

		xioctl(wfd(w), DRM_IOCTL_CSA_SUBMIT, &s);
		return;
	}
	do_submit(w, cmds, n, size, ptr, wfd(w));
}

static void op_wait(struct worker *w)
{
	struct drm_csa_wait wt = { 0 };
	int f = w->fd[0] >= 0 ? w->fd[0] : wfd(w);

	if (w->nfence && chance(&w->r, 80))
		wt.fence = w->fence[below(&w->r, w->nfence)];
	else
		wt.fence = chance(&w->r, 50) ? rnd(&w->r) : below(&w->r, 4);
	switch (below(&w->r, 5)) {
	case 0: wt.timeout_ns = 0; break;
	case 1: wt.timeout_ns = -1; break;
	case 2: wt.timeout_ns = INT64_MAX; break;
	default: wt.timeout_ns = now_ns() + (int64_t)below(&w->r, 200) * 1000000; break;
	}
	/* an unbounded wait still ends: the job completes or times out */
	if (wt.timeout_ns == INT64_MAX && wt.fence > 1000000)
		wt.timeout_ns = now_ns() + 100000000;
	xioctl(f, DRM_IOCTL_CSA_WAIT, &wt);
}

static void op_info(struct worker *w)
{
	struct drm_csa_info i;

	memset(&i, 0, sizeof(i));
	if (chance(&w->r, 10))
		i.pad = 1;
	xioctl(wfd(w), DRM_IOCTL_CSA_GET_INFO, &i);
}

static void op_counters(struct worker *w)
{
	struct drm_csa_counters c;

	memset(&c, 0, sizeof(c));
	if (chance(&w->r, 10))
		c.pad = 1;
	xioctl(wfd(w), DRM_IOCTL_CSA_GET_COUNTERS, &c);
}

static void op_reset(struct worker *w)
{
	struct drm_csa_reset r = { 0 };

	if (chance(&w->r, 20))
		r.flags = 1u << below(&w->r, 32);
	xioctl(wfd(w), DRM_IOCTL_CSA_RESET, &r);
}

static void add_map(struct worker *w, void *p, size_t len)
{
	if (w->nmap == MAX_MAPS) {
		munmap(p, len);
		return;
	}
	w->map[w->nmap++] = (struct map){ p, len };
}

static void op_mmap(struct worker *w)
{
	struct bo *b = pick_bo(w);
	uint64_t off, len;
	void *p;

	if (!b || w->fd[b->fdi] < 0)
		return;
	off = b->mmap_offset;
	len = b->size;
	switch (below(&w->r, 6)) {
	case 0: len = b->size + PAGE; break;		/* past the end */
	case 1: off += PAGE; break;			/* shifted */
	case 2: len = PAGE; break;
	case 3: off = chance(&w->r, 50) ? 0 : rnd(&w->r) & ~(uint64_t)(PAGE - 1); break;
	default: break;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd[b->fdi],
		 (off_t)off);
	if (p == MAP_FAILED)
		return;
	/* only the pages the BO has: a mapping the kernel let past the end
	 * is reported by the harness, not by touching it here */
	touch(w->me, p, len < b->size ? len : b->size, (uint8_t)rnd(&w->r), true);
	add_map(w, p, len);
}

static void op_munmap(struct worker *w)
{
	unsigned int k;

	if (!w->nmap)
		return;
	k = below(&w->r, w->nmap);
	if (chance(&w->r, 50))
		touch(w->me, w->map[k].addr, w->map[k].len > PAGE ? PAGE : w->map[k].len, 1, true);
	munmap(w->map[k].addr, w->map[k].len);
	w->map[k] = w->map[--w->nmap];
}

static void op_prime_export(struct worker *w)
{
	struct drm_prime_handle p = { 0 };
	struct bo *b = pick_bo(w);
	int f = b && w->fd[b->fdi] >= 0 ? w->fd[b->fdi] : wfd(w);
	void *m;

	p.handle = b && chance(&w->r, 90) ? b->handle : pick_handle(w);
	p.flags = DRM_CLOEXEC | (chance(&w->r, 70) ? DRM_RDWR : 0);
	if (chance(&w->r, 10))
		p.flags = (uint32_t)rnd(&w->r);
	if (xioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p))
		return;
	/* a dma-buf's own mmap: must either work on the BO's pages or refuse */
	if (b && chance(&w->r, 60)) {
		m = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, p.fd, 0);
		if (m == MAP_FAILED)
			m = mmap(NULL, b->size, PROT_READ, MAP_SHARED, p.fd, 0);
		if (m != MAP_FAILED) {
			touch(w->me, m, b->size, 0, false);
			munmap(m, b->size);
		}
	}
	if (w->ndmabuf == MAX_DMABUFS)
		close(p.fd);
	else
		w->dmabuf[w->ndmabuf++] = p.fd;
}

static void op_prime_import(struct worker *w)
{
	struct drm_prime_handle p = { 0 };
	int f = wfd(w);

	if (w->ndmabuf && chance(&w->r, 85))
		p.fd = w->dmabuf[below(&w->r, w->ndmabuf)];
	else
		p.fd = chance(&w->r, 50) ? -1 : (int)below(&w->r, 64);
	if (chance(&w->r, 10))
		p.flags = (uint32_t)rnd(&w->r);
	if (xioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p))
		return;
	/* the imported handle is named again; close it now or later */
	if (chance(&w->r, 50) || w->nbo == MAX_BOS) {
		struct drm_gem_close c = { .handle = p.handle };

		/* an import of our own BO returns its existing handle */
		for (unsigned int k = 0; k < w->nbo; k++)
			if (w->bo[k].handle == p.handle && w->fd[w->bo[k].fdi] == f)
				return;
		xioctl(f, DRM_IOCTL_GEM_CLOSE, &c);
	}
}

static void op_dmabuf_close(struct worker *w)
{
	unsigned int k;

	if (!w->ndmabuf)
		return;
	k = below(&w->r, w->ndmabuf);
	close(w->dmabuf[k]);
	w->dmabuf[k] = w->dmabuf[--w->ndmabuf];
}

static void op_flink(struct worker *w)
{
	struct drm_gem_flink fl = { .handle = pick_handle(w) };
	struct drm_gem_open o = { 0 };
	int f = wfd(w);

	if (!xioctl(f, DRM_IOCTL_GEM_FLINK, &fl))
		o.name = fl.name;
	else
		o.name = below(&w->r, 3) ? 1 + below(&w->r, 16) : (uint32_t)rnd(&w->r);
	if (!xioctl(wfd(w), DRM_IOCTL_GEM_OPEN, &o)) {
		struct drm_gem_close c = { .handle = o.handle };

		xioctl(f, DRM_IOCTL_GEM_CLOSE, &c);
	}
}

static void op_syncobj(struct worker *w)
{
	int f = w->fd[0] >= 0 ? w->fd[0] : wfd(w);
	uint32_t *handles = (uint32_t *)w->scratch;
	uint64_t *points = (uint64_t *)(w->scratch + 1024);
	uint32_t h = w->nsyncobj && chance(&w->r, 85) ?
		w->syncobj[below(&w->r, w->nsyncobj)] : pick_handle(w);
	unsigned int k, n = 1 + below(&w->r, 4);

	for (k = 0; k < n; k++) {
		handles[k] = w->nsyncobj && chance(&w->r, 85) ?
			w->syncobj[below(&w->r, w->nsyncobj)] : pick_handle(w);
		points[k] = below(&w->r, 4);
	}
	switch (below(&w->r, 9)) {
	case 0: {
		struct drm_syncobj_create c = {
			.flags = chance(&w->r, 50) ? DRM_SYNCOBJ_CREATE_SIGNALED : 0,
		};

		if (chance(&w->r, 10))
			c.flags = (uint32_t)rnd(&w->r);
		if (!xioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &c) &&
		    w->nsyncobj < MAX_SYNCOBJS)
			w->syncobj[w->nsyncobj++] = c.handle;
		break;
	}
	case 1: {
		struct drm_syncobj_destroy d = { .handle = h };

		for (k = 0; k < w->nsyncobj; k++)
			if (w->syncobj[k] == h) {
				w->syncobj[k] = w->syncobj[--w->nsyncobj];
				break;
			}
		xioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		break;
	}
	case 2: {
		struct drm_syncobj_handle sh = { .handle = h };
		struct drm_syncobj_handle back = { 0 };

		sh.flags = chance(&w->r, 50) ?
			DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE : 0;
		if (xioctl(f, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &sh))
			break;
		back.fd = sh.fd;
		back.flags = sh.flags ? DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE : 0;
		back.handle = sh.flags ? h : 0;
		if (!xioctl(f, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &back) && !sh.flags) {
			struct drm_syncobj_destroy d = { .handle = back.handle };

			xioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		}
		close(sh.fd);
		break;
	}
	case 3: {
		struct drm_syncobj_wait wt = {
			.handles = chance(&w->r, 90) ? (uintptr_t)handles : pick_ptr(w),
			.count_handles = n,
			.timeout_nsec = now_ns() + (int64_t)below(&w->r, 20) * 1000000,
			.flags = below(&w->r, 8),
		};

		xioctl(f, DRM_IOCTL_SYNCOBJ_WAIT, &wt);
		break;
	}
	case 4: {
		struct drm_syncobj_array a = {
			.handles = (uintptr_t)handles, .count_handles = n,
		};

		xioctl(f, chance(&w->r, 50) ? DRM_IOCTL_SYNCOBJ_RESET :
			  DRM_IOCTL_SYNCOBJ_SIGNAL, &a);
		break;
	}
	case 5: {
		struct drm_syncobj_timeline_array a = {
			.handles = (uintptr_t)handles, .points = (uintptr_t)points,
			.count_handles = n,
		};

		xioctl(f, chance(&w->r, 50) ? DRM_IOCTL_SYNCOBJ_QUERY :
			  DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
		break;
	}
	case 6: {
		struct drm_syncobj_timeline_wait wt = {
			.handles = (uintptr_t)handles, .points = (uintptr_t)points,
			.count_handles = n,
			.timeout_nsec = now_ns() + (int64_t)below(&w->r, 20) * 1000000,
			.flags = below(&w->r, 16),
		};

		xioctl(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &wt);
		break;
	}
	case 7: {
		struct drm_syncobj_transfer t = {
			.src_handle = handles[0], .dst_handle = h,
			.src_point = below(&w->r, 3), .dst_point = below(&w->r, 3),
		};

		xioctl(f, DRM_IOCTL_SYNCOBJ_TRANSFER, &t);
		break;
	}
	default: {
		/* a bogus eventfd registration (6.6+): refused cleanly */
		struct drm_syncobj_destroy d = { .handle = h, .pad = 1 };

		xioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
		break;
	}
	}
}

static void op_dumb(struct worker *w)
{
	struct drm_mode_create_dumb c = {
		.height = below(&w->r, 64), .width = below(&w->r, 64),
		.bpp = 8u << below(&w->r, 3),
	};
	struct drm_mode_map_dumb m = { 0 };
	struct drm_mode_destroy_dumb d = { 0 };
	int f = wfd(w);

	if (chance(&w->r, 10))
		c.flags = (uint32_t)rnd(&w->r);
	if (!xioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
		m.handle = c.handle;
		d.handle = c.handle;
	} else {
		m.handle = pick_handle(w);
		d.handle = 0;
	}
	if (!xioctl(f, DRM_IOCTL_MODE_MAP_DUMB, &m) && d.handle) {
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			       f, (off_t)m.offset);

		if (p != MAP_FAILED)
			munmap(p, PAGE);
	}
	if (d.handle)
		xioctl(f, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
}

/* Random bytes through a driver ioctl number of a random size. */
static void op_raw(struct worker *w)
{
	uint32_t nr = DRM_COMMAND_BASE + below(&w->r, 12);
	uint32_t size = below(&w->r, 4) ? below(&w->r, 160) : below(&w->r, 4096);
	unsigned long req;
	unsigned int k;

	/* pointer-sized words: valid scratch, not random memory, so the
	 * kernel never writes through a pointer into the fuzzer itself */
	for (k = 0; k + 8 <= size && k + 8 <= sizeof(w->scratch); k += 8) {
		uint64_t v = chance(&w->r, 30) ? 0 : rnd(&w->r);

		if (chance(&w->r, 20))
			v = (uintptr_t)w->unmapped;
		memcpy(w->scratch + k, &v, 8);
	}
	switch (below(&w->r, 3)) {
	case 0: req = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr, size); break;
	case 1: req = _IOC(_IOC_WRITE, DRM_IOCTL_BASE, nr, size); break;
	default: req = _IOC(_IOC_NONE, DRM_IOCTL_BASE, nr, 0); break;
	}
	/* WAIT with a random fence and deadline would block: not here */
	if (nr == DRM_COMMAND_BASE + DRM_CSA_WAIT)
		return;
	xioctl(wfd(w), req, w->scratch);
}

static void run_steps(struct worker *w, uint64_t steps, bool forever);

static void op_fork(struct worker *w)
{
	uint64_t child_seed = rnd(&w->r);
	uint32_t delay_us = below(&w->r, 20000);
	bool kill_it = chance(&w->r, 60);
	int status;
	pid_t pid;

	if (w->child)
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		w->r.s = child_seed;
		w->child = true;
		/* the parent's files, BOs and mappings, shared */
		run_steps(w, 1 + below(&w->r, 40), false);
		_exit(0);
	}
	if (kill_it) {
		usleep(delay_us);
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &status, 0) != pid)
		return;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		fprintf(stderr, "ioctl-fuzz: a forked child died of signal %d\n",
			WTERMSIG(status));
		w->me->jobs_bad++;
	}
}

static void run_op(struct worker *w, enum op op)
{
	switch (op) {
	case OP_BO_CREATE: op_bo_create(w); break;
	case OP_GEM_CLOSE: op_gem_close(w); break;
	case OP_BO_INFO: op_bo_info(w); break;
	case OP_SUBMIT: op_submit(w); break;
	case OP_SUBMIT_BAD: op_submit_bad(w); break;
	case OP_WAIT: op_wait(w); break;
	case OP_INFO: op_info(w); break;
	case OP_COUNTERS: op_counters(w); break;
	case OP_RESET: op_reset(w); break;
	case OP_MMAP: op_mmap(w); break;
	case OP_MUNMAP: op_munmap(w); break;
	case OP_PRIME_EXPORT: op_prime_export(w); break;
	case OP_PRIME_IMPORT: op_prime_import(w); break;
	case OP_DMABUF_CLOSE: op_dmabuf_close(w); break;
	case OP_FLINK: op_flink(w); break;
	case OP_SYNCOBJ: op_syncobj(w); break;
	case OP_DUMB: op_dumb(w); break;
	case OP_RAW: op_raw(w); break;
	case OP_FORK: op_fork(w); break;
	case OP_REOPEN: reopen(w, (int)below(&w->r, 2)); break;
	default: break;
	}
}

static enum op pick_op(struct worker *w)
{
	unsigned int total = 0, k, x;

	for (k = 0; k < OP_COUNT; k++)
		total += op_weight[k];
	x = below(&w->r, total);
	for (k = 0; k < OP_COUNT; k++) {
		if (x < op_weight[k])
			return (enum op)k;
		x -= op_weight[k];
	}
	return OP_INFO;
}

static void run_steps(struct worker *w, uint64_t steps, bool forever)
{
	uint64_t i;

	for (i = 0; forever || i < steps; i++) {
		enum op op = pick_op(w);

		if (!w->child) {
			w->me->step++;
			w->me->op = op;
		}
		run_op(w, op);
		if (forever && ((max_steps && w->me->step >= max_steps) ||
				now_ns() >= deadline_ns))
			break;
	}
}

static int write_file(const char *path, const char *text);

static void fuzz_worker(unsigned int idx)
{
	static struct worker w;

	w.r.s = seed ^ (0x9e3779b97f4a7c15ull * (idx + 1));
	w.me = &shared[idx];
	w.fd[0] = w.fd[1] = -1;
	w.unmapped = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	reopen(&w, 0);
	reopen(&w, 1);
	if (fail_allocs && write_file("/proc/self/make-it-fail", "1")) {
		fprintf(stderr, "ioctl-fuzz: no /proc/self/make-it-fail (CONFIG_FAULT_INJECTION)\n");
		_exit(1);
	}
	run_steps(&w, 0, true);
	w.me->done = 1;
	_exit(0);
}

/* ---- stress: DMA round trips of 8 processes while the device resets ---- */

static int stress_round(struct progress *me, int f, struct rng *r,
			uint32_t hbo, uint8_t *hmap, uint32_t dbo, uint32_t size)
{
	struct drm_csa_cmd c[2];
	struct drm_csa_submit s = { .num_cmds = 2, .cmd_size = sizeof(c[0]) };
	struct drm_csa_wait wt = { 0 };
	uint32_t half = size / 2, k;
	uint8_t v = (uint8_t)rnd(r);
	int ret;

	memset(hmap, v, half);
	memset(hmap + half, (uint8_t)~v, half);
	memset(c, 0, sizeof(c));
	/* host[0, half) -> device -> host[half, size) */
	c[0].opcode = CSA_OP_DMA_H2D;
	c[0].arg[0] = half;
	c[0].buf[0].handle = hbo;
	c[0].buf[1].handle = dbo;
	c[1].opcode = CSA_OP_DMA_D2H;
	c[1].arg[0] = half;
	c[1].buf[0].handle = hbo;
	c[1].buf[0].offset = half;
	c[1].buf[1].handle = dbo;
	s.cmds = (uintptr_t)c;
	ret = xioctl(f, DRM_IOCTL_CSA_SUBMIT, &s);
	if (ret == -EBUSY || ret == -EIO || ret == -ENODEV)
		return 0;	/* refused up front: nothing to account */
	if (ret) {
		fprintf(stderr, "ioctl-fuzz: stress submit failed: %s\n", strerror(-ret));
		me->jobs_bad++;
		return -1;
	}
	wt.fence = s.fence;
	wt.timeout_ns = now_ns() + 60ll * 1000000000;
	ret = xioctl(f, DRM_IOCTL_CSA_WAIT, &wt);
	if (ret) {
		fprintf(stderr, "ioctl-fuzz: stress job %" PRIu64 " did not complete: %s\n",
			(uint64_t)s.fence, strerror(-ret));
		me->jobs_bad++;
		return -1;
	}
	if (wt.status == CSA_STATUS_ABORTED) {
		me->jobs_aborted++;
		return 0;
	}
	if (wt.status != CSA_STATUS_OK) {
		fprintf(stderr, "ioctl-fuzz: stress job %" PRIu64 " ended with status %u\n",
			(uint64_t)s.fence, wt.status);
		me->jobs_bad++;
		return -1;
	}
	me->jobs_ok++;
	for (k = 0; k < half; k++)
		if (hmap[half + k] != v) {
			fprintf(stderr, "ioctl-fuzz: stress job %" PRIu64 " OK but byte %u is %#x, not %#x\n",
				(uint64_t)s.fence, k, hmap[half + k], v);
			me->data_bad++;
			return -1;
		}
	return 0;
}

static void stress_worker(unsigned int idx)
{
	struct progress *me = &shared[idx];
	struct rng r = { seed ^ (0x9e3779b97f4a7c15ull * (idx + 1)) };
	struct drm_csa_bo_create h = { .size = 64 * 1024, .flags = CSA_BO_HOST };
	struct drm_csa_bo_create d = { .size = 64 * 1024, .flags = CSA_BO_DEVICE };
	int f = open(node, O_RDWR | O_CLOEXEC);
	uint8_t *hmap;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (f < 0 || xioctl(f, DRM_IOCTL_CSA_BO_CREATE, &h) ||
	    xioctl(f, DRM_IOCTL_CSA_BO_CREATE, &d)) {
		fprintf(stderr, "ioctl-fuzz: stress worker %u cannot set up\n", idx);
		me->jobs_bad++;
		_exit(1);
	}
	hmap = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED, f,
		    (off_t)h.mmap_offset);
	if (hmap == MAP_FAILED) {
		me->jobs_bad++;
		_exit(1);
	}
	while (now_ns() < deadline_ns) {
		uint32_t size = 128u << below(&r, 10);	/* 128 B .. 64 KiB */

		me->step++;
		if (stress_round(me, f, &r, h.handle, hmap, d.handle, size))
			break;
	}
	me->done = 1;
	_exit(0);
}

/* ---- the parent: chaos, supervision, final checks ---------------------- */

static int write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = write(f, text, strlen(text));
	close(f);
	return n == (ssize_t)strlen(text) ? 0 : -errno;
}

/* the card's PCI address, from the driver's sysfs directory */
static bool find_bdf(char *bdf, size_t len)
{
	glob_t g;
	bool ok = false;

	if (glob("/sys/bus/pci/drivers/csa/0000:*", 0, NULL, &g) == 0) {
		snprintf(bdf, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
		ok = true;
	}
	globfree(&g);
	return ok;
}

static void arm_hang(void)
{
	glob_t g;

	if (glob("/sys/kernel/debug/accel/*/inject", 0, NULL, &g) == 0) {
		write_file(g.gl_pathv[0], "hang");
		globfree(&g);
	}
}

static int wait_path(const char *path, int tenths)
{
	while (access(path, F_OK) && tenths-- > 0)
		usleep(100000);
	return access(path, F_OK) ? -1 : 0;
}

static int wait_node(int tenths)
{
	return wait_path(dev_path, tenths);
}

/* After a bind: the card's node, from its sysfs accel directory (5 s). */
static void follow_node(const char *bdf)
{
	char pattern[128];
	glob_t g;
	int tries;

	snprintf(pattern, sizeof(pattern), "/sys/bus/pci/devices/%s/accel/accel*", bdf);
	for (tries = 0; tries < 50; tries++) {
		if (glob(pattern, 0, NULL, &g) == 0) {
			snprintf(node, 64, "/dev/accel/%s", strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			wait_path(node, 20);
			return;
		}
		usleep(100000);
	}
}

static int rebind(const char *bdf)
{
	int ret = write_file("/sys/bus/pci/drivers/csa/bind", bdf);

	if (ret)
		fprintf(stderr, "ioctl-fuzz: rebind of %s failed: %s\n", bdf, strerror(-ret));
	else
		follow_node(bdf);
	return ret;
}

/* After every file closed: the device works and holds no memory. */
static int final_checks(void)
{
	struct drm_csa_info info;
	struct drm_csa_counters c;
	struct drm_csa_cmd nop;
	struct drm_csa_submit s = { .num_cmds = 1, .cmd_size = sizeof(nop) };
	struct drm_csa_wait wt = { 0 };
	int f, tries, ret, bad = 0;

	if (wait_node(100)) {
		fprintf(stderr, "ioctl-fuzz: FAIL: %s did not come back\n", dev_path);
		return 1;
	}
	f = open(dev_path, O_RDWR | O_CLOEXEC);
	if (f < 0) {
		fprintf(stderr, "ioctl-fuzz: FAIL: cannot open %s: %s\n", dev_path, strerror(errno));
		return 1;
	}
	/* freeing is asynchronous (the scheduler's free_job work): 20 s */
	for (tries = 0; tries < 200; tries++) {
		memset(&info, 0, sizeof(info));
		memset(&c, 0, sizeof(c));
		if (xioctl(f, DRM_IOCTL_CSA_GET_INFO, &info) == 0 &&
		    xioctl(f, DRM_IOCTL_CSA_GET_COUNTERS, &c) == 0 &&
		    info.devmem_used == 0 && c.in_flight == 0)
			break;
		usleep(100000);
	}
	printf("ioctl-fuzz: afterwards devmem_used %" PRIu64 ", in_flight %u, resets %" PRIu64
	       ", jobs submitted %" PRIu64 " completed %" PRIu64 "\n",
	       (uint64_t)info.devmem_used, c.in_flight, (uint64_t)c.resets,
	       (uint64_t)c.jobs_submitted, (uint64_t)c.jobs_completed);
	if (info.devmem_used || c.in_flight) {
		fprintf(stderr, "ioctl-fuzz: FAIL: device memory or jobs left after every file closed\n");
		bad = 1;
	}
	/* and the device still runs a job (a reset first, as an admin would) */
	memset(&nop, 0, sizeof(nop));
	s.cmds = (uintptr_t)&nop;
	for (tries = 0; tries < 50; tries++) {
		ret = xioctl(f, DRM_IOCTL_CSA_SUBMIT, &s);
		if (ret != -EBUSY && ret != -EIO)
			break;
		struct drm_csa_reset r = { 0 };

		xioctl(f, DRM_IOCTL_CSA_RESET, &r);
		usleep(100000);
	}
	wt.fence = s.fence;
	wt.timeout_ns = now_ns() + 30ll * 1000000000;
	if (ret || xioctl(f, DRM_IOCTL_CSA_WAIT, &wt) || wt.status != CSA_STATUS_OK) {
		fprintf(stderr, "ioctl-fuzz: FAIL: the device does not run a NOP afterwards (submit %d, status %u)\n",
			ret, wt.status);
		bad = 1;
	}
	close(f);
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: test-ioctl-fuzz [--seed N] [--seconds S] [--procs P] [--unbind] [--hang]\n"
		"                       [--fail-allocs] [--max-steps N] [--dev PATH] [--stress]\n");
	exit(2);
}

static uint64_t num_arg(const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "test-ioctl-fuzz: bad number '%s' (0..%" PRIu64 ")\n", s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	pid_t pid[MAX_PROCS];
	char bdf[64] = "";
	bool seeded = false, unbound = false;
	int64_t next_chaos;
	unsigned int i, alive, bad = 0;
	uint64_t ok = 0, aborted = 0, jbad = 0, dbad = 0, sigbus = 0;
	struct sigaction sa;
	struct rng chaos;
	int status, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seed") && a + 1 < argc) {
			seed = num_arg(argv[++a], UINT64_MAX);
			seeded = true;
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			seconds = (unsigned int)num_arg(argv[++a], 86400);
		} else if (!strcmp(argv[a], "--procs") && a + 1 < argc) {
			procs = (unsigned int)num_arg(argv[++a], MAX_PROCS);
		} else if (!strcmp(argv[a], "--max-steps") && a + 1 < argc) {
			max_steps = num_arg(argv[++a], UINT64_MAX);
		} else if (!strcmp(argv[a], "--dev") && a + 1 < argc) {
			dev_path = argv[++a];
		} else if (!strcmp(argv[a], "--unbind")) {
			do_unbind = true;
		} else if (!strcmp(argv[a], "--hang")) {
			do_hang = true;
		} else if (!strcmp(argv[a], "--fail-allocs")) {
			fail_allocs = true;
		} else if (!strcmp(argv[a], "--stress")) {
			stress = true;
		} else {
			usage();
		}
	}
	if (!procs)
		usage();
	if (!seeded)
		seed = (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
	printf("ioctl-fuzz: seed %" PRIu64 " (%s, %u processes, %u s%s%s%s)\n", seed,
	       stress ? "stress" : "fuzz", procs, seconds,
	       do_unbind ? ", unbind" : "", do_hang ? ", hang" : "",
	       fail_allocs ? ", failing allocations" : "");
	fflush(stdout);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	shared = mmap(NULL, sizeof(*shared) * MAX_PROCS + 64, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("ioctl-fuzz: mmap");
		return 1;
	}
	memset(shared, 0, sizeof(*shared) * MAX_PROCS + 64);
	node = (char *)(shared + MAX_PROCS);
	snprintf(node, 64, "%s", dev_path);
	if (wait_node(50)) {
		fprintf(stderr, "ioctl-fuzz: FAIL: no %s\n", dev_path);
		return 1;
	}
	deadline_ns = now_ns() + (int64_t)seconds * 1000000000;
	for (i = 0; i < procs; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			perror("ioctl-fuzz: fork");
			return 1;
		}
		if (pid[i] == 0) {
			if (stress)
				stress_worker(i);
			else
				fuzz_worker(i);
		}
	}

	/* chaos from the parent: resets (stress), unbind/rebind, hangs */
	chaos.s = seed ^ 0xc4a05c4a05ull;
	next_chaos = now_ns() + 200000000;
	alive = procs;
	while (alive) {
		pid_t p = waitpid(-1, &status, WNOHANG);

		if (p > 0) {
			for (i = 0; i < procs; i++)
				if (pid[i] == p)
					break;
			alive--;
			if (i < procs && (!WIFEXITED(status) || WEXITSTATUS(status))) {
				fprintf(stderr, "ioctl-fuzz: FAIL: worker %u %s %d at step %" PRIu64
					" (%s)\nioctl-fuzz: reproduce: test-ioctl-fuzz --seed %" PRIu64
					" --procs %u%s%s%s%s --max-steps %" PRIu64 "\n",
					i, WIFSIGNALED(status) ? "died of signal" : "exited",
					WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
					shared[i].step,
					stress ? "stress" : op_names[shared[i].op % OP_COUNT],
					seed, procs, stress ? " --stress" : "",
					do_unbind ? " --unbind" : "", do_hang ? " --hang" : "",
					fail_allocs ? " --fail-allocs" : "", shared[i].step);
				bad++;
			}
			continue;
		}
		if (now_ns() > deadline_ns + 120ll * 1000000000) {
			for (i = 0; i < procs; i++)
				if (!shared[i].done) {
					fprintf(stderr, "ioctl-fuzz: FAIL: worker %u stuck at step %" PRIu64
						" (%s) 120 s after the deadline\nioctl-fuzz: reproduce: test-ioctl-fuzz --seed %" PRIu64
						" --procs %u%s%s%s%s\n", i, shared[i].step,
						stress ? "stress" : op_names[shared[i].op % OP_COUNT],
						seed, procs, stress ? " --stress" : "",
						do_unbind ? " --unbind" : "", do_hang ? " --hang" : "",
						fail_allocs ? " --fail-allocs" : "");
					kill(pid[i], SIGKILL);
				}
			bad++;
			while (waitpid(-1, &status, 0) > 0)
				;
			break;
		}
		if (now_ns() >= next_chaos && now_ns() < deadline_ns) {
			if (stress) {
				int f = open(node, O_RDWR | O_CLOEXEC);
				struct drm_csa_reset r = { 0 };

				if (f >= 0) {
					if (xioctl(f, DRM_IOCTL_CSA_RESET, &r))
						fprintf(stderr, "ioctl-fuzz: reset refused\n");
					close(f);
				}
				next_chaos = now_ns() + 50000000 + below(&chaos, 250) * 1000000ll;
			} else if (unbound) {
				rebind(bdf);
				unbound = false;
				next_chaos = now_ns() + 2000000000ll + below(&chaos, 4000) * 1000000ll;
			} else if (do_unbind && chance(&chaos, 50) && find_bdf(bdf, sizeof(bdf))) {
				if (!write_file("/sys/bus/pci/drivers/csa/unbind", bdf))
					unbound = true;
				next_chaos = now_ns() + 100000000ll + below(&chaos, 800) * 1000000ll;
			} else {
				if (do_hang)
					arm_hang();
				next_chaos = now_ns() + 2000000000ll + below(&chaos, 4000) * 1000000ll;
			}
		}
		usleep(20000);
	}
	if (unbound)
		rebind(bdf);
	/* every file is closed now: one more rebind gives the card back the
	 * node it had, for whatever runs next */
	if (strcmp(node, dev_path) && bdf[0] &&
	    !write_file("/sys/bus/pci/drivers/csa/unbind", bdf))
		rebind(bdf);
	/* a hang armed but never consumed must not catch the next test */
	if (do_hang) {
		glob_t g;

		if (glob("/sys/kernel/debug/accel/*/inject", 0, NULL, &g) == 0) {
			write_file(g.gl_pathv[0], "none");
			globfree(&g);
		}
	}
	for (i = 0; i < procs; i++) {
		ok += shared[i].jobs_ok;
		aborted += shared[i].jobs_aborted;
		jbad += shared[i].jobs_bad;
		dbad += shared[i].data_bad;
		sigbus += shared[i].sigbus;
		printf("ioctl-fuzz: worker %u: %" PRIu64 " steps\n", i, shared[i].step);
	}
	if (stress)
		printf("ioctl-fuzz: stress jobs: %" PRIu64 " OK, %" PRIu64 " ABORTED, %" PRIu64
		       " other, %" PRIu64 " with wrong data\n", ok, aborted, jbad, dbad);
	else
		printf("ioctl-fuzz: SIGBUS on a mapping of a removed device: %" PRIu64 "\n", sigbus);
	if (jbad || dbad)
		bad++;
	if (stress && !ok) {
		fprintf(stderr, "ioctl-fuzz: FAIL: no stress job completed\n");
		bad++;
	}
	bad += final_checks();
	if (bad)
		fprintf(stderr, "ioctl-fuzz: FAIL (seed %" PRIu64 ")\n", seed);
	else
		printf("ioctl-fuzz: PASS (seed %" PRIu64 ")\n", seed);
	return bad ? 1 : 0;
}
