// SPDX-License-Identifier: MIT
/*
 * test_libaccel.c - the libaccel suite.  It uses the public API only and
 * runs unchanged on any backend:
 *   test-libaccel                       default device ($ACCEL_DEVICE, else
 *                                       the first /dev/accel CSA node, else sim)
 *   test-libaccel --device sim          the in-process backend
 *   test-libaccel --device /dev/accel/accel0
 *
 * Expected values are computed here, independently of hw/: inputs are
 * chosen so the exact result is known (small integers, powers of two,
 * equal scores), and where rounding matters a double-precision reference
 * with a stated tolerance.
 *
 * Poll semantics checked here: accel_wait(timeout 0) on a list that has
 * not completed returns -ETIME (the same code as an expired timeout).
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <accel/accel.h>
#include "csa/csa_device.h"

static const char *device_spec;	/* NULL = default */
static struct accel_dev *dev;
static struct accel_info info;

/* ---- helpers ----------------------------------------------------------- */

static struct accel_bo *new_bo(uint64_t size, enum accel_mem where)
{
	struct accel_bo *bo = NULL;
	int ret = accel_bo_alloc(dev, size, where, &bo);

	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bo);
	return bo;
}

static struct accel_bo *dev_bo(uint64_t size)
{
	return new_bo(size, ACCEL_MEM_DEVICE);
}

static struct accel_cmdlist *new_list(void)
{
	struct accel_cmdlist *cl = NULL;

	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(dev, &cl), 0);
	return cl;
}

static void put(struct accel_bo *bo, uint64_t off, const void *p, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(accel_upload(bo, off, p, n), 0);
}

static void get(struct accel_bo *bo, uint64_t off, void *p, size_t n)
{
	CU_ASSERT_EQUAL_FATAL(accel_download(bo, off, p, n), 0);
}

/* Submit, wait, expect OK; returns the status for further checks. */
static struct accel_status run_ok(struct accel_cmdlist *cl)
{
	struct accel_status st;
	int ret;

	memset(&st, 0xff, sizeof(st));
	ret = accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	if (ret)
		fprintf(stderr, "run_ok: %s (status %s, index %u)\n",
			accel_strerror(ret), accel_status_name(st.status),
			st.failed_index);
	return st;
}

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static float from_bits(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Deterministic pseudo-random bytes (xorshift). */
static uint32_t rng_state = 0x12345678;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* ---- device ------------------------------------------------------------- */

static void test_info(void)
{
	const char *be = accel_backend_name(dev);

	CU_ASSERT_TRUE(strcmp(be, "sim") == 0 || strcmp(be, "drm") == 0);
	CU_ASSERT_STRING_EQUAL(info.backend, be);
	CU_ASSERT_EQUAL(info.uapi_major, DRM_CSA_UAPI_MAJOR);
	CU_ASSERT_EQUAL(info.hw_version >> 16, 1);
	CU_ASSERT_EQUAL(info.pci_vendor, 0x1234);
	CU_ASSERT_EQUAL(info.pci_device, 0xc5a0);
	CU_ASSERT_EQUAL(info.capabilities & 0x1f, 0x1f);
	CU_ASSERT_TRUE(info.devmem_size >= (16u << 20));
	CU_ASSERT_EQUAL(info.devmem_size % 4096, 0);
	CU_ASSERT_TRUE(info.devmem_used <= info.devmem_size);
	CU_ASSERT_TRUE(info.clock_khz > 0);
	CU_ASSERT_TRUE(info.dram_mbps > 0);
	CU_ASSERT_TRUE(info.pim_banks > 0 && info.bcq_lanes > 0 &&
		       info.vec_lanes > 0 && info.pim_macs_per_bank > 0);
	CU_ASSERT_TRUE(info.ring_entries >= 4);
	CU_ASSERT_TRUE(info.max_cmds >= 1 &&
		       info.max_cmds <= CSA_SUBMIT_MAX_CMDS);
	CU_ASSERT_TRUE(strlen(info.path) > 0);
}

static void test_open_errors(void)
{
	struct accel_dev *d = (struct accel_dev *)1;
	char tmpl[] = "/tmp/test-libaccel-XXXXXX";
	int fd;

	CU_ASSERT_EQUAL(accel_open("sim", NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("bogus", &d), -EINVAL);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(accel_open("sim:devmem=", &d), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("sim:devmem=12Q", &d), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("sim:devmem=1000", &d), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("sim:colour=blue", &d), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("sim:board=", &d), -EINVAL);
	CU_ASSERT_EQUAL(accel_open("sim:board=u9000", &d), -EINVAL);
	/* drm backend argument handling: a missing node, a node index that
	 * does not exist, a character device that is not DRM, a plain file */
	CU_ASSERT_EQUAL(accel_open("/nonexistent/accel0", &d), -ENOENT);
	CU_ASSERT_EQUAL(accel_open("987654", &d), -ENOENT);
	CU_ASSERT_EQUAL(accel_open("/dev/null", &d), -ENODEV);
	/* a plain file (skipped where nothing is writable, e.g. an initramfs
	 * without /tmp) */
	fd = mkstemp(tmpl);
	if (fd >= 0) {
		CU_ASSERT_EQUAL(accel_open(tmpl, &d), -ENODEV);
		close(fd);
		unlink(tmpl);
	}
	CU_ASSERT_EQUAL(accel_open("/dev", &d), -EISDIR);
	CU_ASSERT_PTR_NULL(d);
}

static void test_open_sim_options(void)
{
	struct accel_dev *d = NULL;
	struct accel_info i;

	CU_ASSERT_EQUAL_FATAL(accel_open("sim:devmem=16M", &d), 0);
	CU_ASSERT_EQUAL(accel_query_info(d, &i), 0);
	CU_ASSERT_STRING_EQUAL(accel_backend_name(d), "sim");
	CU_ASSERT_STRING_EQUAL(i.path, "sim");
	CU_ASSERT_EQUAL(i.devmem_size, 16u << 20);
	CU_ASSERT_EQUAL(i.devmem_used, 0);
	CU_ASSERT_STRING_EQUAL(i.board_name, "u250");	/* the default board */
	CU_ASSERT_EQUAL(i.board_id, CSA_BOARD_U250);
	accel_close(d);
	accel_close(NULL);

	/* every board by name: GET_INFO reports its profile, full width */
	CU_ASSERT_EQUAL_FATAL(accel_open("sim:devmem=1M,board=u55c", &d), 0);
	CU_ASSERT_EQUAL(accel_query_info(d, &i), 0);
	CU_ASSERT_STRING_EQUAL(i.board_name, "u55c");
	CU_ASSERT_EQUAL(i.board_id, CSA_BOARD_U55C);
	CU_ASSERT_EQUAL(i.bcq_lanes, 2048);
	CU_ASSERT_EQUAL(i.pim_banks, 32);
	CU_ASSERT_EQUAL(i.mem_channels, 32);
	CU_ASSERT_EQUAL(i.mem_peak_mbps, 460000);
	CU_ASSERT_EQUAL(i.dram_mbps, 414000);
	CU_ASSERT_EQUAL(i.devmem_size, 1u << 20);
	accel_close(d);
	CU_ASSERT_EQUAL_FATAL(accel_open("sim:board=kcu105", &d), 0);
	CU_ASSERT_EQUAL(accel_query_info(d, &i), 0);
	CU_ASSERT_STRING_EQUAL(i.board_name, "kcu105");
	CU_ASSERT_EQUAL(i.clock_khz, 250000);
	CU_ASSERT_EQUAL(i.bcq_lanes, 128);
	CU_ASSERT_EQUAL(i.mem_channels, 1);
	CU_ASSERT_EQUAL(i.pcie_mbps, 6400);
	accel_close(d);
}

/* A sim with 16-entry rings: many lists wrap both rings (phase bit) and
 * keep hitting ring-full; every result must still be right. */
static void test_sim_small_rings(void)
{
	struct accel_dev *d = NULL;
	struct accel_bo *b = NULL;
	struct accel_cmdlist *cl = NULL;
	struct accel_info i;
	float x[8], y[8];
	uint64_t fences[60];
	struct accel_status st;
	unsigned int l, c, k, bad = 0;

	CU_ASSERT_EQUAL_FATAL(accel_open("sim:devmem=1M,ring=16", &d), 0);
	CU_ASSERT_EQUAL(accel_query_info(d, &i), 0);
	CU_ASSERT_EQUAL(i.ring_entries, 16);
	CU_ASSERT_EQUAL(i.max_cmds, 15);
	CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(d, 65536, ACCEL_MEM_DEVICE, &b), 0);
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(d, &cl), 0);
	for (k = 0; k < 8; k++)
		x[k] = (float)k;
	CU_ASSERT_EQUAL(accel_upload(b, 0, x, sizeof(x)), 0);
	for (l = 0; l < 60; l++) {
		/* list l: y_l = x + l (one ADD of a constant vector, then
		 * NOPs to a length between 1 and 15 descriptors) */
		for (k = 0; k < 8; k++)
			y[k] = (float)l;
		CU_ASSERT_EQUAL(accel_upload(b, 4096 + 64 * l, y, sizeof(y)), 0);
		accel_cmdlist_reset(cl);
		CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 0),
					      ACCEL_REF(b, 4096 + 64 * l),
					      ACCEL_REF(b, 32768 + 64 * l), 8), 0);
		for (c = 1; c < 1 + l % 15; c++)
			CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
		CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fences[l]), 0);
	}
	/* the last list (59 % 15 = 14 NOPs) is full at max_cmds */
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 15);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), -E2BIG);
	for (l = 0; l < 60; l++) {
		CU_ASSERT_EQUAL(accel_wait(d, fences[l], ACCEL_WAIT_FOREVER, &st), 0);
		CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
		CU_ASSERT_EQUAL(accel_download(b, 32768 + 64 * l, y, sizeof(y)), 0);
		for (k = 0; k < 8; k++)
			bad += y[k] != (float)k + (float)l;
	}
	CU_ASSERT_EQUAL(bad, 0);
	accel_close(d);
}

static uint64_t devmem_of(const char *spec, int *err)
{
	struct accel_dev *d = NULL;
	struct accel_info i;

	*err = accel_open(spec, &d);
	if (*err)
		return 0;
	memset(&i, 0, sizeof(i));
	accel_query_info(d, &i);
	accel_close(d);
	return i.devmem_size;
}

/* ACCEL_DEVICE overrides the default only; ACCEL_SIM_DEVMEM sizes a sim
 * unless the spec says otherwise.  The caller's environment is restored. */
static void test_open_environment(void)
{
	const char *e1 = getenv("ACCEL_DEVICE"), *e2 = getenv("ACCEL_SIM_DEVMEM");
	char *old_dev = e1 ? strdup(e1) : NULL, *old_mem = e2 ? strdup(e2) : NULL;
	int err;

	unsetenv("ACCEL_SIM_DEVMEM");
	setenv("ACCEL_DEVICE", "sim:devmem=8M", 1);
	CU_ASSERT_EQUAL(devmem_of(NULL, &err), 8u << 20);
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(devmem_of("", &err), 8u << 20);
	CU_ASSERT_EQUAL(devmem_of("sim", &err), 256u << 20);	/* explicit wins */
	setenv("ACCEL_DEVICE", "bogus", 1);
	devmem_of(NULL, &err);
	CU_ASSERT_EQUAL(err, -EINVAL);
	setenv("ACCEL_DEVICE", "/nonexistent/accel0", 1);
	devmem_of(NULL, &err);
	CU_ASSERT_EQUAL(err, -ENOENT);
	setenv("ACCEL_SIM_DEVMEM", "32M", 1);
	CU_ASSERT_EQUAL(devmem_of("sim", &err), 32u << 20);
	CU_ASSERT_EQUAL(devmem_of("sim:devmem=16M", &err), 16u << 20);
	setenv("ACCEL_SIM_DEVMEM", "lots", 1);
	devmem_of("sim", &err);
	CU_ASSERT_EQUAL(err, -EINVAL);

	if (old_dev)
		setenv("ACCEL_DEVICE", old_dev, 1);
	else
		unsetenv("ACCEL_DEVICE");
	if (old_mem)
		setenv("ACCEL_SIM_DEVMEM", old_mem, 1);
	else
		unsetenv("ACCEL_SIM_DEVMEM");
	free(old_dev);
	free(old_mem);
}

/* ---- buffer objects ------------------------------------------------------ */

static void test_bo_lifecycle(void)
{
	static const uint64_t sizes[] = { 1, 4095, 4096, 4097, 65536 + 12 };
	struct accel_bo *bos[40];
	struct accel_info a, b;
	uint64_t expect = 0;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(accel_query_info(dev, &a), 0);
	for (i = 0; i < 40; i++) {
		uint64_t sz = sizes[i % 5];
		enum accel_mem where = (i & 1) ? ACCEL_MEM_HOST : ACCEL_MEM_DEVICE;

		bos[i] = new_bo(sz, where);
		CU_ASSERT_EQUAL(accel_bo_size(bos[i]), (sz + 4095) & ~4095ull);
		CU_ASSERT_EQUAL(accel_bo_placement(bos[i]), where);
		if (where == ACCEL_MEM_DEVICE)
			expect += (sz + 4095) & ~4095ull;
	}
	CU_ASSERT_EQUAL(accel_query_info(dev, &b), 0);
	CU_ASSERT_EQUAL(b.devmem_used - a.devmem_used, expect);
	/* free in a scattered order, so the free list merges both ways */
	for (i = 0; i < 40; i += 3)
		accel_bo_free(bos[i]);
	for (i = 1; i < 40; i += 3)
		accel_bo_free(bos[i]);
	for (i = 2; i < 40; i += 3)
		accel_bo_free(bos[i]);
	CU_ASSERT_EQUAL(accel_query_info(dev, &b), 0);
	CU_ASSERT_EQUAL(b.devmem_used, a.devmem_used);
	accel_bo_free(NULL);
	CU_ASSERT_EQUAL(accel_bo_size(NULL), 0);
}

/* Dirty 8 buffers, free them, allocate 8 again (first-fit and drm_mm hand
 * the same ranges back): nothing of the old contents may show.  A drm card
 * without a BAR window cannot clear device memory (docs/driver.md), so
 * there the check is skipped. */
static void test_bo_fresh_device_memory_is_zero(void)
{
	enum { NB = 8, SZ = 256 * 1024 };
	struct accel_bo *bo[NB];
	uint8_t *buf = malloc(SZ), *zero = calloc(1, SZ);
	unsigned int i, dirty = 0;

	CU_ASSERT_FATAL(buf && zero);
	memset(buf, 0x5a, SZ);
	for (i = 0; i < NB; i++) {
		bo[i] = dev_bo(SZ);
		put(bo[i], 0, buf, SZ);
	}
	for (i = 0; i < NB; i++)
		accel_bo_free(bo[i]);
	for (i = 0; i < NB; i++) {
		bo[i] = dev_bo(SZ);
		get(bo[i], 0, buf, SZ);
		dirty += memcmp(buf, zero, SZ) != 0;
	}
	if (strcmp(accel_backend_name(dev), "sim") == 0 ||
	    (info.capabilities & CSA_CAP_DEVMEM_BAR))
		CU_ASSERT_EQUAL(dirty, 0);
	for (i = 0; i < NB; i++)
		accel_bo_free(bo[i]);
	free(buf);
	free(zero);
}

static void test_bo_map_unmap(void)
{
	struct accel_bo *h = new_bo(10000, ACCEL_MEM_HOST);
	struct accel_bo *d = dev_bo(4096);
	uint8_t *p = NULL, *q = NULL;
	unsigned int i;
	void *v;
	int zero = 1;

	CU_ASSERT_EQUAL_FATAL(accel_bo_map(h, (void **)&p), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < 12288; i++)
		zero &= p[i] == 0;
	CU_ASSERT_TRUE(zero);
	for (i = 0; i < 12288; i++)
		p[i] = (uint8_t)(i * 7);
	CU_ASSERT_EQUAL(accel_bo_map(h, (void **)&q), 0);
	CU_ASSERT_PTR_EQUAL(p, q);
	CU_ASSERT_EQUAL(accel_bo_unmap(h), 0);
	CU_ASSERT_EQUAL(accel_bo_unmap(h), 0);	/* not mapped: still 0 */
	CU_ASSERT_EQUAL_FATAL(accel_bo_map(h, (void **)&q), 0);
	for (i = 0; i < 12288; i++)
		if (q[i] != (uint8_t)(i * 7))
			break;
	CU_ASSERT_EQUAL(i, 12288);
	if (info.capabilities & CSA_CAP_DEVMEM_BAR) {
		CU_ASSERT_EQUAL(accel_bo_map(d, &v), 0);
	} else {
		CU_ASSERT_EQUAL(accel_bo_map(d, &v), -ENOTSUP);
	}
	CU_ASSERT_EQUAL(accel_bo_map(NULL, &v), -EINVAL);
	CU_ASSERT_EQUAL(accel_bo_map(h, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_bo_unmap(NULL), -EINVAL);
	accel_bo_free(h);	/* frees a mapped buffer */
	accel_bo_free(d);
}

/* Upload odd sizes at odd offsets; the bytes around must survive. */
static void test_upload_download_odd(void)
{
	static const uint64_t lens[] = { 1, 2, 3, 5, 7, 8, 13, 4095, 4097,
					 12289, 65541 };
	static const uint64_t offs[] = { 0, 1, 2, 3, 4, 4097, 8190 };
	const uint64_t size = 80 * 1024;
	struct accel_bo *bo = dev_bo(size);
	uint8_t *shadow = calloc(1, size), *buf = malloc(size),
		*data = malloc(size);
	unsigned int i, j;

	CU_ASSERT_FATAL(shadow && buf && data);
	fill_random(shadow, size);
	put(bo, 0, shadow, size);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(offs) / sizeof(offs[0]); j++) {
			uint64_t len = lens[i], off = offs[j];

			if (off + len > size)
				continue;
			fill_random(data, len);
			put(bo, off, data, len);
			memcpy(shadow + off, data, len);
			memset(buf, 0, len);
			get(bo, off, buf, len);
			CU_ASSERT_EQUAL(memcmp(buf, data, len), 0);
		}
	}
	get(bo, 0, buf, size);
	CU_ASSERT_EQUAL(memcmp(buf, shadow, size), 0);
	free(shadow);
	free(buf);
	free(data);
	accel_bo_free(bo);
}

/* More than one staging chunk (4 MiB), unaligned at both ends. */
static void test_upload_download_large(void)
{
	const uint64_t size = 9u << 20, off = 3, len = size - 7;
	struct accel_bo *bo = dev_bo(size);
	uint8_t *data = malloc(size), *buf = malloc(size);

	CU_ASSERT_FATAL(data && buf);
	fill_random(data, size);
	put(bo, 0, data, size);
	fill_random(data + off, len);
	put(bo, off, data + off, len);
	get(bo, 0, buf, size);
	CU_ASSERT_EQUAL(memcmp(buf, data, size), 0);
	free(data);
	free(buf);
	accel_bo_free(bo);
}

static void test_upload_download_host_bo(void)
{
	struct accel_bo *h = new_bo(5000, ACCEL_MEM_HOST);
	uint8_t in[777], out[777], *p;

	fill_random(in, sizeof(in));
	put(h, 1001, in, sizeof(in));
	CU_ASSERT_EQUAL_FATAL(accel_bo_map(h, (void **)&p), 0);
	CU_ASSERT_EQUAL(memcmp(p + 1001, in, sizeof(in)), 0);
	get(h, 1001, out, sizeof(out));
	CU_ASSERT_EQUAL(memcmp(out, in, sizeof(in)), 0);
	accel_bo_free(h);
}

/* ---- every command ------------------------------------------------------ */

static void test_cmd_nop_fence(void)
{
	struct accel_cmdlist *cl = new_list();
	struct accel_status st;

	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	CU_ASSERT_EQUAL(accel_cmd_fence(cl, 0x0123456789abcdefull), 0);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 3);
	st = run_ok(cl);
	CU_ASSERT_TRUE(st.cycles >= 3);
	CU_ASSERT_EQUAL(st.failed_index, 0);
	accel_cmdlist_destroy(cl);
}

/* Explicit DMA through SG segments: host offset 12, crossing 64 KiB. */
static void test_cmd_dma(void)
{
	const uint32_t n = 200000;
	struct accel_bo *src = new_bo(n + 64, ACCEL_MEM_HOST);
	struct accel_bo *dst = new_bo(n + 64, ACCEL_MEM_HOST);
	struct accel_bo *d = dev_bo(n + 8192);
	struct accel_cmdlist *cl = new_list();
	uint8_t *ps, *pd;

	CU_ASSERT_EQUAL_FATAL(accel_bo_map(src, (void **)&ps), 0);
	CU_ASSERT_EQUAL_FATAL(accel_bo_map(dst, (void **)&pd), 0);
	fill_random(ps + 12, n);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(src, 12),
					  ACCEL_REF(d, 4104), n), 0);
	CU_ASSERT_EQUAL(accel_cmd_dma_d2h(cl, ACCEL_REF(d, 4104),
					  ACCEL_REF(dst, 40), n), 0);
	run_ok(cl);
	CU_ASSERT_EQUAL(memcmp(pd + 40, ps + 12, n), 0);
	CU_ASSERT_EQUAL(pd[39], 0);
	CU_ASSERT_EQUAL(pd[40 + n], 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(src);
	accel_bo_free(dst);
	accel_bo_free(d);
}

static void test_cmd_copy(void)
{
	struct accel_bo *a = dev_bo(8192), *b = dev_bo(8192);
	struct accel_cmdlist *cl = new_list();
	uint8_t in[4000], out[4000];

	fill_random(in, sizeof(in));
	put(a, 100, in, sizeof(in));
	/* src and dst in the same BO, disjoint */
	CU_ASSERT_EQUAL(accel_cmd_copy(cl, ACCEL_REF(a, 100), ACCEL_REF(b, 8),
				       4000), 0);
	CU_ASSERT_EQUAL(accel_cmd_copy(cl, ACCEL_REF(b, 8), ACCEL_REF(a, 4100),
				       4000), 0);
	run_ok(cl);
	get(b, 8, out, sizeof(out));
	CU_ASSERT_EQUAL(memcmp(in, out, sizeof(in)), 0);
	get(a, 4100, out, sizeof(out));
	CU_ASSERT_EQUAL(memcmp(in, out, sizeof(in)), 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(a);
	accel_bo_free(b);
}

static void test_cmd_embed(void)
{
	enum { ROWS = 5, DIM = 6 };
	struct accel_bo *tab = dev_bo(4096), *out = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	float t[ROWS * DIM], y[DIM];
	uint32_t idx = 4;
	unsigned int i;

	for (i = 0; i < ROWS * DIM; i++)
		t[i] = (float)i * 1.5f - 7.0f;
	put(tab, 0, t, sizeof(t));
	put(out, 512, &idx, 4);
	CU_ASSERT_EQUAL(accel_cmd_embed(cl, ACCEL_REF(tab, 0), ROWS, DIM, 2,
					ACCEL_REF(out, 0)), 0);
	CU_ASSERT_EQUAL(accel_cmd_embed_indirect(cl, ACCEL_REF(tab, 0), ROWS,
						 DIM, ACCEL_REF(out, 512),
						 ACCEL_REF(out, 256)), 0);
	run_ok(cl);
	get(out, 0, y, sizeof(y));
	CU_ASSERT_EQUAL(memcmp(y, &t[2 * DIM], sizeof(y)), 0);
	get(out, 256, y, sizeof(y));
	CU_ASSERT_EQUAL(memcmp(y, &t[4 * DIM], sizeof(y)), 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(tab);
	accel_bo_free(out);
}

static void test_cmd_rmsnorm(void)
{
	enum { N = 24 };
	struct accel_bo *b = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	float x[N], w[N], y[N];
	double ss = 0;
	unsigned int i;

	/* x all 2: mean square 4, rms 2, so y = w exactly (eps 0) */
	for (i = 0; i < N; i++) {
		x[i] = 2.0f;
		w[i] = (float)i - 5.25f;
	}
	put(b, 0, x, sizeof(x));
	put(b, 1024, w, sizeof(w));
	CU_ASSERT_EQUAL(accel_cmd_rmsnorm(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					  ACCEL_REF(b, 2048), N, 0.0f), 0);
	run_ok(cl);
	get(b, 2048, y, sizeof(y));
	CU_ASSERT_EQUAL(memcmp(y, w, sizeof(y)), 0);

	/* general values against a double reference, in place (y == x) */
	for (i = 0; i < N; i++) {
		x[i] = (float)((int)(rnd() % 2001) - 1000) / 97.0f;
		ss += (double)x[i] * x[i];
	}
	put(b, 0, x, sizeof(x));
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_rmsnorm(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					  ACCEL_REF(b, 0), N, 1e-5f), 0);
	run_ok(cl);
	get(b, 0, y, sizeof(y));
	for (i = 0; i < N; i++) {
		double ref = w[i] * (x[i] / sqrt(ss / N + 1e-5));

		CU_ASSERT_DOUBLE_EQUAL(y[i], ref, 1e-5 * fabs(ref) + 1e-6);
	}
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_matvec_f32(void)
{
	enum { K = 19, N = 7 };
	struct accel_bo *b = dev_bo(8192);
	struct accel_cmdlist *cl = new_list();
	float x[K], w[N * K], y[N];
	unsigned int i, r;

	for (i = 0; i < K; i++)
		x[i] = (float)((int)(rnd() % 17) - 8);
	for (i = 0; i < N * K; i++)
		w[i] = (float)((int)(rnd() % 11) - 5);
	put(b, 0, x, sizeof(x));
	put(b, 1024, w, sizeof(w));
	CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(b, 0),
					     ACCEL_REF(b, 1024),
					     ACCEL_REF(b, 4096), K, N), 0);
	run_ok(cl);
	get(b, 4096, y, sizeof(y));
	for (r = 0; r < N; r++) {
		double ref = 0;	/* small integers: exact in any order */

		for (i = 0; i < K; i++)
			ref += (double)w[r * K + i] * x[i];
		CU_ASSERT_EQUAL(y[r], (float)ref);
	}
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

/*
 * BCQ: W[n][k] = sum_p alpha[n][g][p] * B_p[n][k].  Every group of x holds
 * +-127 so its int8 quantization step is exactly 1, and the alphas are
 * powers of two: the exact product W x is what the engine must return.
 */
static void check_bcq(int pow2)
{
	enum { K = 40, N = 5, P = 3, G = 16 };
	const uint32_t k8 = (K + 7) / 8, ng = (K + G - 1) / G;
	struct accel_bo *b = dev_bo(16384);
	struct accel_cmdlist *cl = new_list();
	float x[K], y[N], alpha[N][3][P];
	int8_t e8[N * 3 * P];
	float scales[N * 3 * P];
	uint8_t planes[P * 5 * N];
	int sign[P][N][K];
	unsigned int i, n, p, g, kb;

	CU_ASSERT_EQUAL_FATAL(ng, 3);
	CU_ASSERT_EQUAL_FATAL(k8, 5);
	for (i = 0; i < K; i++)
		x[i] = (float)((int)(rnd() % 201) - 100);
	x[3] = 127.0f;
	x[20] = -127.0f;
	x[39] = 127.0f;
	memset(planes, 0, sizeof(planes));
	for (p = 0; p < P; p++)
		for (n = 0; n < N; n++)
			for (i = 0; i < K; i++) {
				sign[p][n][i] = (rnd() & 1) ? 1 : -1;
				if (sign[p][n][i] > 0)
					planes[(p * k8 + i / 8) * N + n] |=
						(uint8_t)(1u << (i % 8));
			}
	for (n = 0; n < N; n++)
		for (g = 0; g < ng; g++)
			for (p = 0; p < P; p++) {
				int e = (int)(rnd() % 7) - 3;

				alpha[n][g][p] = ldexpf(1.0f, e);
				e8[(n * ng + g) * P + p] = (int8_t)e;
				scales[(n * ng + g) * P + p] = alpha[n][g][p];
			}
	put(b, 0, x, sizeof(x));
	put(b, 1024, planes, sizeof(planes));
	if (pow2)
		put(b, 2048, e8, sizeof(e8));
	else
		put(b, 2048, scales, sizeof(scales));
	CU_ASSERT_EQUAL(accel_cmd_matvec_bcq(cl, ACCEL_REF(b, 0),
					     ACCEL_REF(b, 1024),
					     ACCEL_REF(b, 2048),
					     ACCEL_REF(b, 8192), K, N, P, G,
					     pow2), 0);
	run_ok(cl);
	get(b, 8192, y, sizeof(y));
	for (n = 0; n < N; n++) {
		double ref = 0;

		for (i = 0; i < K; i++) {
			double wv = 0;

			for (p = 0; p < P; p++)
				wv += alpha[n][i / G][p] * sign[p][n][i];
			ref += wv * x[i];
		}
		CU_ASSERT_EQUAL(y[n], (float)ref);
	}
	(void)kb;
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_matvec_bcq(void)
{
	check_bcq(0);
}

static void test_cmd_matvec_bcq_pow2(void)
{
	check_bcq(1);
}

static void test_cmd_rope(void)
{
	enum { H = 2, HD = 6, ROWS = 3 };
	struct accel_bo *b = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	float x[H * HD], y[H * HD], tab[ROWS * HD];
	unsigned int i, h;

	for (i = 0; i < H * HD; i++)
		x[i] = (float)i - 4.0f;
	/* row 2: pairs rotated by (cos, sin) = (0, 1), (0.5, 0.25), (1, 0) */
	memset(tab, 0, sizeof(tab));
	tab[2 * HD + 0] = 0.0f;  tab[2 * HD + 1] = 1.0f;
	tab[2 * HD + 2] = 0.5f;  tab[2 * HD + 3] = 0.25f;
	tab[2 * HD + 4] = 1.0f;  tab[2 * HD + 5] = 0.0f;
	put(b, 0, x, sizeof(x));
	put(b, 512, tab, sizeof(tab));
	CU_ASSERT_EQUAL(accel_cmd_rope(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 512),
				       H, HD, 2, ROWS), 0);
	run_ok(cl);
	get(b, 0, y, sizeof(y));
	for (h = 0; h < H; h++)
		for (i = 0; i < HD / 2; i++) {
			float c = tab[2 * HD + 2 * i], s = tab[2 * HD + 2 * i + 1];
			float x0 = x[h * HD + 2 * i], x1 = x[h * HD + 2 * i + 1];

			CU_ASSERT_EQUAL(y[h * HD + 2 * i], x0 * c - x1 * s);
			CU_ASSERT_EQUAL(y[h * HD + 2 * i + 1], x0 * s + x1 * c);
		}
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

/* KV layout (csa_device.h), restated: bank = t % 32, slot = t / 32. */
static uint64_t k_index(uint32_t hd, uint32_t max_seq, uint32_t h, uint32_t t,
			uint32_t d)
{
	uint64_t slots = (max_seq + 31) / 32;

	return ((uint64_t)(h * 32 + t % 32) * slots + t / 32) * hd + d;
}

static uint64_t v_index(uint32_t n_kv, uint32_t hd, uint32_t max_seq,
			uint32_t h, uint32_t t, uint32_t d)
{
	uint64_t row = 32 * ((max_seq + 31) / 32);

	return (uint64_t)n_kv * hd * row + ((uint64_t)h * hd + d) * row + t;
}

enum { AH = 4, AKV = 2, AHD = 8, AMAX = 40 };

struct attn_fixture {
	struct accel_bo *b;
	float k[3][AKV * AHD], v[3][AKV * AHD], q[AH * AHD];
};

#define KV_OFF	0
#define KV_BYTES (2ull * AKV * AHD * 32 * 2 * 4)
#define Q_OFF	(KV_BYTES)
#define OUT_OFF	(Q_OFF + 4096)
#define TAB_OFF	(OUT_OFF + 4096)
#define KIN_OFF	(TAB_OFF + 4096)

/* Tokens 0..2: token 1 has the same keys as token 0, token 2 keys 0. */
static void attn_setup(struct attn_fixture *f)
{
	struct accel_cmdlist *cl = new_list();
	unsigned int t, i;

	f->b = dev_bo(KIN_OFF + 3 * 2 * 4096);
	for (i = 0; i < AKV * AHD; i++) {
		f->k[0][i] = (float)((int)(i % 5) - 2);
		f->k[1][i] = f->k[0][i];
		f->k[2][i] = 0.0f;
		for (t = 0; t < 3; t++)
			f->v[t][i] = (float)(4 * (int)t + (int)i % 3) - 2.0f;
	}
	for (i = 0; i < AH * AHD; i++)
		f->q[i] = 0.0f;	/* scores 0 for every token */
	for (t = 0; t < 3; t++) {
		put(f->b, KIN_OFF + t * 8192, f->k[t], sizeof(f->k[t]));
		put(f->b, KIN_OFF + t * 8192 + 4096, f->v[t], sizeof(f->v[t]));
		CU_ASSERT_EQUAL(accel_cmd_kv_append(cl,
				ACCEL_REF(f->b, KIN_OFF + t * 8192),
				ACCEL_REF(f->b, KIN_OFF + t * 8192 + 4096),
				ACCEL_REF(f->b, KV_OFF), AKV, AHD, t, AMAX), 0);
	}
	put(f->b, Q_OFF, f->q, sizeof(f->q));
	run_ok(cl);
	accel_cmdlist_destroy(cl);
}

static void test_cmd_kv_append(void)
{
	struct attn_fixture f;
	float *cache = malloc(KV_BYTES);
	unsigned int t, h, d, bad = 0;

	CU_ASSERT_FATAL(cache != NULL);
	attn_setup(&f);
	get(f.b, KV_OFF, cache, KV_BYTES);
	for (t = 0; t < 3; t++)
		for (h = 0; h < AKV; h++)
			for (d = 0; d < AHD; d++) {
				bad += cache[k_index(AHD, AMAX, h, t, d)] !=
				       f.k[t][h * AHD + d];
				bad += cache[v_index(AKV, AHD, AMAX, h, t, d)] !=
				       f.v[t][h * AHD + d];
			}
	CU_ASSERT_EQUAL(bad, 0);
	free(cache);
	accel_bo_free(f.b);
}

static void test_cmd_attention_exact(void)
{
	struct attn_fixture f;
	struct accel_cmdlist *cl = new_list();
	float out[AH * AHD];
	unsigned int h, d, kvh;

	attn_setup(&f);
	/* seq_len 1: softmax of one score is 1, out = v0 */
	CU_ASSERT_EQUAL(accel_cmd_attention(cl, ACCEL_REF(f.b, Q_OFF),
					    ACCEL_REF(f.b, KV_OFF),
					    ACCEL_REF(f.b, OUT_OFF), ACCEL_NO_REF,
					    AH, AKV, AHD, 1, AMAX, 0.125f), 0);
	run_ok(cl);
	get(f.b, OUT_OFF, out, sizeof(out));
	for (h = 0; h < AH; h++)
		for (d = 0; d < AHD; d++) {
			kvh = h / (AH / AKV);
			CU_ASSERT_EQUAL(out[h * AHD + d], f.v[0][kvh * AHD + d]);
		}
	/* seq_len 2 with q = 0: equal scores, p = 1/2 each */
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_attention(cl, ACCEL_REF(f.b, Q_OFF),
					    ACCEL_REF(f.b, KV_OFF),
					    ACCEL_REF(f.b, OUT_OFF), ACCEL_NO_REF,
					    AH, AKV, AHD, 2, AMAX, 0.125f), 0);
	run_ok(cl);
	get(f.b, OUT_OFF, out, sizeof(out));
	for (h = 0; h < AH; h++)
		for (d = 0; d < AHD; d++) {
			kvh = h / (AH / AKV);
			CU_ASSERT_EQUAL(out[h * AHD + d],
					0.5f * f.v[0][kvh * AHD + d] +
					0.5f * f.v[1][kvh * AHD + d]);
		}
	accel_cmdlist_destroy(cl);
	accel_bo_free(f.b);
}

/* One matvec (vector queue) and one attention (attention queue) that do
 * not depend on each other: run in order, then with the attention waiting
 * for nothing (docs/device-spec.md 3.6).  Same bytes out, fewer modelled
 * cycles, never fewer than the longer command alone. */
static void run_pair(struct attn_fixture *f, struct accel_bo *m, uint32_t on,
		     float *y, float *out, uint64_t *cycles)
{
	struct accel_cmdlist *cl = new_list();
	struct accel_status st;

	CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(m, 0), ACCEL_REF(m, 4096),
					     ACCEL_REF(m, 4096 + 256 * 256 * 4),
					     256, 256), 0);
	CU_ASSERT_EQUAL(accel_cmd_attention(cl, ACCEL_REF(f->b, Q_OFF),
					    ACCEL_REF(f->b, KV_OFF),
					    ACCEL_REF(f->b, OUT_OFF), ACCEL_NO_REF,
					    AH, AKV, AHD, 3, AMAX, 0.125f), 0);
	if (on != 1)
		CU_ASSERT_EQUAL(accel_cmd_after(cl, 1, on), 0);
	st = run_ok(cl);
	*cycles = st.cycles;
	get(m, 4096 + 256 * 256 * 4, y, 256 * 4);
	get(f->b, OUT_OFF, out, AH * AHD * 4);
	accel_cmdlist_destroy(cl);
}

static void test_engine_queues(void)
{
	struct attn_fixture f;
	struct accel_bo *m = dev_bo(4096 + 256 * 256 * 4 + 4096);
	struct accel_cmdlist *cl = new_list();
	float y[2][256], out[2][AH * AHD];
	uint8_t *w = malloc(4096 + 256 * 256 * 4);
	uint64_t serial, same, overlapped;

	CU_ASSERT_FATAL(w != NULL);
	CU_ASSERT_EQUAL(accel_cmd_queue(CSA_OP_ATTENTION), ACCEL_QUEUE_ATTN);
	CU_ASSERT_EQUAL(accel_cmd_queue(CSA_OP_KV_APPEND), ACCEL_QUEUE_ATTN);
	CU_ASSERT_EQUAL(accel_cmd_queue(CSA_OP_MATVEC_BCQ), ACCEL_QUEUE_VECTOR);
	CU_ASSERT_EQUAL(accel_cmd_queue(0x1234), ACCEL_QUEUE_VECTOR);

	/* the API's own checks */
	CU_ASSERT_EQUAL(accel_cmd_after(NULL, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	CU_ASSERT_EQUAL(accel_cmd_after(cl, 0, ACCEL_DEP_NONE), 0);
	CU_ASSERT_EQUAL(accel_cmd_after(cl, 0, 0), -EINVAL);	/* itself */
	CU_ASSERT_EQUAL(accel_cmd_after(cl, 1, 0), -EINVAL);	/* not in the list */
	/* the farthest dependency, where a list may be that long */
	if (info.max_cmds >= ACCEL_DEP_MAX + 2) {
		for (int i = 0; i < (int)ACCEL_DEP_MAX + 1; i++)
			CU_ASSERT_EQUAL_FATAL(accel_cmd_nop(cl), 0);
		CU_ASSERT_EQUAL(accel_cmd_after(cl, ACCEL_DEP_MAX + 1, 0), -EINVAL);
		CU_ASSERT_EQUAL(accel_cmd_after(cl, ACCEL_DEP_MAX + 1, 1), 0);
		CU_ASSERT_EQUAL(accel_cmd_after(cl, 5, 7), -EINVAL);	/* forwards */
	}
	run_ok(cl);
	accel_cmdlist_destroy(cl);

	attn_setup(&f);
	fill_random(w, 4096 + 256 * 256 * 4);
	for (int i = 0; i < 256 + 256 * 256; i++)	/* finite floats */
		((float *)w)[i] = (float)((int)(w[4 * i] % 17) - 8) / 8.0f;
	put(m, 0, w, 4096 + 256 * 256 * 4);
	run_pair(&f, m, 1, y[0], out[0], &serial);
	run_pair(&f, m, 0, y[1], out[1], &same);	/* explicit, one back */
	CU_ASSERT_EQUAL(same, serial);
	run_pair(&f, m, ACCEL_DEP_NONE, y[1], out[1], &overlapped);
	CU_ASSERT_EQUAL(memcmp(y[0], y[1], sizeof(y[0])), 0);
	CU_ASSERT_EQUAL(memcmp(out[0], out[1], sizeof(out[0])), 0);
	CU_ASSERT_TRUE(overlapped < serial);
	free(w);
	accel_bo_free(m);
	accel_bo_free(f.b);
}

/* A ConSmax head table whose entries are powers of two. */
static void consmax_table(float *t, float inv_step)
{
	unsigned int i;

	memset(t, 0, ACCEL_CONSMAX_HEAD_BYTES);
	t[0] = inv_step;
	for (i = 0; i < 16; i++) {
		t[4 + i] = ldexpf(1.0f, (int)i - 12);	/* hi */
		t[20 + i] = ldexpf(1.0f, (int)(i % 4));	/* lo */
	}
}

/* The ConSmax formula of the spec, independently: q = clamp(rint(s *
 * inv_step)), p = hi[(q >> 4) + 8] * lo[q & 15]. */
static float consmax_ref(const float *t, float s)
{
	float v = s * t[0];
	int q = v >= 127.0f ? 127 : v <= -128.0f ? -128 : (int)lrintf(v);
	int msb = (q >= 0) ? q / 16 : -((-q + 15) / 16);

	return t[4 + msb + 8] * t[20 + (q & 15)];
}

static void test_cmd_attention_consmax(void)
{
	struct attn_fixture f;
	struct accel_cmdlist *cl = new_list();
	float tabs[AH][ACCEL_CONSMAX_HEAD_FLOATS], out[AH * AHD];
	unsigned int h, d, kvh;

	attn_setup(&f);
	for (h = 0; h < AH; h++)
		consmax_table(tabs[h], 1.0f);
	tabs[1][4 + 8] = 0.25f;	/* head 1 weighs score 0 differently */
	put(f.b, TAB_OFF, tabs, sizeof(tabs));
	CU_ASSERT_EQUAL(accel_cmd_attention(cl, ACCEL_REF(f.b, Q_OFF),
					    ACCEL_REF(f.b, KV_OFF),
					    ACCEL_REF(f.b, OUT_OFF),
					    ACCEL_REF(f.b, TAB_OFF),
					    AH, AKV, AHD, 3, AMAX, 0.5f), 0);
	run_ok(cl);
	get(f.b, OUT_OFF, out, sizeof(out));
	for (h = 0; h < AH; h++) {
		float p = consmax_ref(tabs[h], 0.0f);	/* every score is 0 */

		for (d = 0; d < AHD; d++) {
			kvh = h / (AH / AKV);
			CU_ASSERT_EQUAL(out[h * AHD + d],
					(p * f.v[0][kvh * AHD + d] +
					 p * f.v[1][kvh * AHD + d]) +
					p * f.v[2][kvh * AHD + d]);
		}
	}
	CU_ASSERT_EQUAL(consmax_ref(tabs[1], 0.0f), 0.25f);
	accel_cmdlist_destroy(cl);
	accel_bo_free(f.b);
}

static void test_cmd_silu_mul(void)
{
	enum { N = 33 };
	struct accel_bo *b = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	float a[N], m[N], y[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		a[i] = ((float)i - 16.0f) / 4.0f;	/* a[16] = 0 */
		m[i] = (float)(i % 5) - 1.5f;
	}
	put(b, 0, a, sizeof(a));
	put(b, 1024, m, sizeof(m));
	CU_ASSERT_EQUAL(accel_cmd_silu_mul(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					   ACCEL_REF(b, 2048), N), 0);
	run_ok(cl);
	get(b, 2048, y, sizeof(y));
	CU_ASSERT_EQUAL(bits(y[16]) & 0x7fffffff, 0);	/* silu(0) * b = 0 */
	for (i = 0; i < N; i++) {
		double ref = a[i] / (1.0 + exp(-(double)a[i])) * m[i];

		CU_ASSERT_DOUBLE_EQUAL(y[i], ref, 2e-6 * fabs(ref) + 1e-7);
	}
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_add(void)
{
	enum { N = 1000 };
	struct accel_bo *b = dev_bo(16384);
	struct accel_cmdlist *cl = new_list();
	float x[N], z[N], y[N];
	unsigned int i, bad = 0;

	for (i = 0; i < N; i++) {
		x[i] = from_bits(0x3f800000u + (rnd() & 0x7fffff));
		z[i] = (float)((int)(rnd() % 1000)) - 500.0f;
	}
	put(b, 0, x, sizeof(x));
	put(b, 4096, z, sizeof(z));
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 4096),
				      ACCEL_REF(b, 8192), N), 0);
	/* in place: y == a is allowed */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 4096), ACCEL_REF(b, 4096),
				      ACCEL_REF(b, 4096), N), 0);
	run_ok(cl);
	get(b, 8192, y, sizeof(y));
	for (i = 0; i < N; i++)
		bad += bits(y[i]) != bits(x[i] + z[i]);	/* one IEEE add */
	get(b, 4096, y, sizeof(y));
	for (i = 0; i < N; i++)
		bad += y[i] != 2.0f * z[i];
	CU_ASSERT_EQUAL(bad, 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_argmax(void)
{
	enum { N = 100 };
	struct accel_bo *b = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	float x[N];
	uint32_t out[2];
	unsigned int i;

	for (i = 0; i < N; i++)
		x[i] = (float)((int)(rnd() % 50)) - 60.0f;
	x[37] = 3.5f;
	x[80] = 3.5f;	/* a tie: the first index wins */
	put(b, 0, x, sizeof(x));
	CU_ASSERT_EQUAL(accel_cmd_argmax(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 2048),
					 N), 0);
	run_ok(cl);
	get(b, 2048, out, sizeof(out));
	CU_ASSERT_EQUAL(out[0], 37);
	CU_ASSERT_EQUAL(out[1], bits(3.5f));
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_softmax(void)
{
	enum { N = 64 };
	struct accel_bo *b = dev_bo(8192);
	struct accel_cmdlist *cl = new_list();
	float x[N], y[N], tab[ACCEL_CONSMAX_HEAD_FLOATS];
	double m = -1e30, z = 0;
	unsigned int i;

	/* equal inputs: exactly 1/n each */
	for (i = 0; i < N; i++)
		x[i] = 3.25f;
	put(b, 0, x, sizeof(x));
	CU_ASSERT_EQUAL(accel_cmd_softmax(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					  ACCEL_NO_REF, N), 0);
	run_ok(cl);
	get(b, 1024, y, sizeof(y));
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(y[i], 1.0f / N);

	/* general inputs against a double reference */
	for (i = 0; i < N; i++) {
		x[i] = (float)((int)(rnd() % 200) - 100) / 16.0f;
		m = x[i] > m ? x[i] : m;
	}
	for (i = 0; i < N; i++)
		z += exp(x[i] - m);
	put(b, 0, x, sizeof(x));
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_softmax(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					  ACCEL_NO_REF, N), 0);
	run_ok(cl);
	get(b, 1024, y, sizeof(y));
	for (i = 0; i < N; i++) {
		double ref = exp(x[i] - m) / z;

		CU_ASSERT_DOUBLE_EQUAL(y[i], ref, 1e-5 * ref + 1e-9);
	}

	/* ConSmax: integer scores incl. both clamps, exact products */
	consmax_table(tab, 1.0f);
	for (i = 0; i < N; i++)
		x[i] = (float)((int)(i * 5) - 150);
	x[0] = -500.0f;
	x[N - 1] = 300.0f;
	put(b, 0, x, sizeof(x));
	put(b, 4096, tab, sizeof(tab));
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_softmax(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 1024),
					  ACCEL_REF(b, 4096), N), 0);
	run_ok(cl);
	get(b, 1024, y, sizeof(y));
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(y[i], consmax_ref(tab, x[i]));
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_cmd_raw(void)
{
	struct accel_bo *b = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	const float a[4] = { 1, 2, 3, 4 }, c[4] = { 10, 20, 30, 40 };
	const uint32_t args[] = { 4 };
	const struct accel_ref refs[] = { ACCEL_REF(b, 0), ACCEL_REF(b, 16),
					  ACCEL_REF(b, 32) };
	float y[4];
	unsigned int i;

	put(b, 0, a, sizeof(a));
	put(b, 16, c, sizeof(c));
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, args, 1, refs, 3), 0);
	run_ok(cl);
	get(b, 32, y, sizeof(y));
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(y[i], a[i] + c[i]);
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

/* ---- submission --------------------------------------------------------- */

static void test_many_lists_in_flight(void)
{
	enum { LISTS = 200, N = 16 };
	struct accel_bo *b = dev_bo(LISTS * N * 4 * 2 + 4096);
	struct accel_cmdlist *cl = new_list();
	uint64_t fences[LISTS];
	float in[LISTS * N], out[LISTS * N];
	struct accel_status st;
	unsigned int i, bad = 0;

	for (i = 0; i < LISTS * N; i++)
		in[i] = (float)i;
	put(b, 0, in, sizeof(in));
	for (i = 0; i < LISTS; i++) {
		uint64_t off = (uint64_t)i * N * 4;

		accel_cmdlist_reset(cl);
		CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, off),
					      ACCEL_REF(b, off),
					      ACCEL_REF(b, sizeof(in) + off), N), 0);
		CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fences[i]), 0);
		if (i)
			CU_ASSERT_TRUE(fences[i] > fences[i - 1]);
	}
	for (i = LISTS; i-- > 0;) {	/* newest first */
		CU_ASSERT_EQUAL(accel_wait(dev, fences[i], ACCEL_WAIT_FOREVER,
					   &st), 0);
		CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	}
	get(b, sizeof(in), out, sizeof(out));
	for (i = 0; i < LISTS * N; i++)
		bad += out[i] != 2.0f * in[i];
	CU_ASSERT_EQUAL(bad, 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

/* More descriptors in flight than the ring holds: submit must wait for
 * ring space, never fail or overwrite. */
static void test_ring_full(void)
{
	struct accel_cmdlist *cl = new_list();
	uint32_t per = info.max_cmds < 1000 ? info.max_cmds : 1000;
	uint32_t lists = 3 * info.ring_entries / per + 2, i;
	uint64_t fence = 0, prev = 0;
	struct accel_status st;

	for (i = 0; i < per; i++)
		CU_ASSERT_EQUAL_FATAL(accel_cmd_nop(cl), 0);
	for (i = 0; i < lists; i++) {
		CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fence), 0);
		CU_ASSERT_TRUE(fence > prev);
		prev = fence;
	}
	CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	accel_cmdlist_destroy(cl);
}

/* A list that takes a while: MATVEC_F32 over a 1024 x 1024 matrix, many
 * times. */
static struct accel_cmdlist *long_list(struct accel_bo **bo, unsigned int reps)
{
	const uint32_t k = 1024, n = 1024;
	struct accel_cmdlist *cl = new_list();
	unsigned int i;

	*bo = dev_bo((uint64_t)k * n * 4 + 2 * 4096 * 2);
	for (i = 0; i < reps; i++)
		CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(*bo, 0),
				ACCEL_REF(*bo, 16384), ACCEL_REF(*bo, 8192),
				k, n), 0);
	return cl;
}

static void test_wait_timeout_and_poll(void)
{
	struct accel_bo *bo;
	struct accel_cmdlist *cl = long_list(&bo, 256);
	struct accel_status st;
	uint64_t fence;
	int64_t t0, dt;
	int ret;

	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fence), 0);
	/* poll right after submit: still running */
	CU_ASSERT_EQUAL(accel_wait(dev, fence, 0, &st), -ETIME);
	t0 = now_ns();
	ret = accel_wait(dev, fence, 2000000, &st);	/* 2 ms */
	dt = now_ns() - t0;
	CU_ASSERT_EQUAL(ret, -ETIME);
	CU_ASSERT_TRUE(dt >= 2000000);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	CU_ASSERT_TRUE(st.cycles > 256u * 1024);
	/* after completion, a poll reports it */
	memset(&st, 0xff, sizeof(st));
	CU_ASSERT_EQUAL(accel_wait(dev, fence, 0, &st), 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, 1000, NULL), 0);
	/* submit_wait with a short timeout gives -ETIME, the list goes on */
	CU_ASSERT_EQUAL(accel_submit_wait(cl, 1000, &st), -ETIME);
	/* bad fences and timeouts */
	CU_ASSERT_EQUAL(accel_wait(dev, 0, 0, &st), -EINVAL);
	CU_ASSERT_EQUAL(accel_wait(dev, fence + 1000000, 0, &st), -EINVAL);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, -1, &st), -EINVAL);
	CU_ASSERT_EQUAL(accel_wait(NULL, fence, 0, &st), -EINVAL);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);	/* still busy: released after completion */
}

/* A long list: a poll must not wait for it to finish (the device is busy
 * with it, the caller must still get an answer at once). */
static void test_poll_during_a_long_list(void)
{
	const uint32_t k = 4096, n = 2048;
	struct accel_bo *bo = dev_bo((uint64_t)k * n * 4 + 65536);
	struct accel_cmdlist *cl = new_list();
	struct accel_status st;
	uint64_t fence;
	unsigned int i;

	/* Many long commands, so the list still runs when the poll comes even
	 * where the device may get ahead of the submitting CPU for a while
	 * (QEMU runs a burst of descriptors at once under its global lock). */
	for (i = 0; i < 32; i++)
		CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(bo, 0),
						     ACCEL_REF(bo, 65536),
						     ACCEL_REF(bo, 32768), k, n), 0);
	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fence), 0);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, 0, &st), -ETIME);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
}

/* The failing command's index and status; the rest of its list skipped;
 * the next list runs normally. */
static void check_error_at(unsigned int index)
{
	struct accel_bo *b = dev_bo(8192);
	struct accel_cmdlist *cl = new_list();
	const float one[4] = { 1, 1, 1, 1 };
	float marker[4];
	uint32_t bad_row = 99;
	struct accel_status st;
	unsigned int i;

	put(b, 0, one, sizeof(one));
	put(b, 64, &bad_row, 4);
	memset(marker, 0, sizeof(marker));
	put(b, 256, marker, sizeof(marker));
	for (i = 0; i < index; i++)
		CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	/* row index read from memory is out of range: BAD_ARG at run time */
	CU_ASSERT_EQUAL(accel_cmd_embed_indirect(cl, ACCEL_REF(b, 0), 2, 2,
						 ACCEL_REF(b, 64),
						 ACCEL_REF(b, 128)), 0);
	/* would write 2.0 at 256 if it ran */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 0),
				      ACCEL_REF(b, 256), 4), 0);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	memset(&st, 0, sizeof(st));
	CU_ASSERT_EQUAL(accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st), -EIO);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_BAD_ARG);
	CU_ASSERT_EQUAL(st.failed_index, index);
	get(b, 256, marker, sizeof(marker));
	CU_ASSERT_EQUAL(marker[0], 0.0f);	/* skipped */
	/* next list fine */
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 0),
				      ACCEL_REF(b, 256), 4), 0);
	run_ok(cl);
	get(b, 256, marker, sizeof(marker));
	CU_ASSERT_EQUAL(marker[3], 2.0f);
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_error_completions(void)
{
	check_error_at(0);
	check_error_at(1);
	check_error_at(7);
}

/* Device-side checks the builder cannot see: alignment and overlap. */
static void test_error_statuses(void)
{
	struct accel_bo *b = dev_bo(8192);
	struct accel_cmdlist *cl = new_list();
	struct accel_status st;

	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(b, 2), ACCEL_REF(b, 0),
				      ACCEL_REF(b, 512), 4), 0);	/* misaligned */
	CU_ASSERT_EQUAL(accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st), -EIO);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_ADDR_RANGE);
	CU_ASSERT_EQUAL(st.failed_index, 1);

	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_copy(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 64),
				       128), 0);		/* overlapping */
	CU_ASSERT_EQUAL(accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st), -EIO);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OVERLAP);
	CU_ASSERT_EQUAL(st.failed_index, 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
}

static void test_strerror_and_status_names(void)
{
	CU_ASSERT_STRING_EQUAL(accel_status_name(CSA_STATUS_OK), "OK");
	CU_ASSERT_STRING_EQUAL(accel_status_name(CSA_STATUS_BAD_ARG), "BAD_ARG");
	CU_ASSERT_STRING_EQUAL(accel_status_name(CSA_STATUS_TIMEOUT), "TIMEOUT");
	CU_ASSERT_STRING_EQUAL(accel_status_name(999), "UNKNOWN");
	CU_ASSERT_STRING_EQUAL(accel_strerror(-ETIME),
			       "timed out (command list still running)");
	CU_ASSERT_STRING_EQUAL(accel_strerror(-EXDEV),
			       "buffer belongs to another device handle");
	CU_ASSERT_STRING_EQUAL(accel_strerror(ACCEL_STATUS_ERR(CSA_STATUS_OVERLAP)),
			       "device: output overlaps an input");
	CU_ASSERT_PTR_NOT_NULL(accel_strerror(-123456));
	CU_ASSERT_PTR_NOT_NULL(accel_strerror(12));
	/* every errno the API documents has a text (open(2)'s through libc) */
	CU_ASSERT_STRING_NOT_EQUAL(accel_strerror(-EMFILE), "unknown error");
	CU_ASSERT_STRING_NOT_EQUAL(accel_strerror(-ELOOP), "unknown error");
	CU_ASSERT_STRING_NOT_EQUAL(accel_strerror(-EROFS), "unknown error");
	CU_ASSERT_STRING_NOT_EQUAL(accel_strerror(-EBADF), "unknown error");
	CU_ASSERT_STRING_EQUAL(accel_strerror(-123456), "unknown error");
}

/* Read the completion fd until @want completions are counted (each poll
 * up to 10 s): the kernel signals it from fence callbacks, which may run a
 * moment after WAIT has seen the fence.  Returns the total read. */
static uint64_t read_completions(int fd, uint64_t want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t total = 0, n;

	while (total < want && poll(&pfd, 1, 10000) == 1) {
		if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
			break;
		total += n;
	}
	return total;
}

/*
 * A pollable completion fd (sim: an eventfd the sim signals; drm: an
 * eventfd the kernel signals through a timeline syncobj) and waits on
 * several fences.  Not readable while a long list runs (in flight by
 * construction: the device is busy for its modelled time), readable once.
 */
static void test_completion_fd_and_wait_fences(void)
{
	const uint32_t k = 1024, n = 1024;
	struct accel_dev *d2;
	struct accel_cmdlist *cl;
	struct accel_bo *bo;
	struct pollfd pfd;
	uint64_t f[4], count = 0;
	unsigned int first = 99, i;
	int fd;

	CU_ASSERT_EQUAL(accel_completion_fd(NULL), -EINVAL);
	/* a device handle of our own: no other test's work is counted on it */
	CU_ASSERT_EQUAL_FATAL(accel_open(device_spec, &d2), 0);
	CU_ASSERT_STRING_EQUAL(accel_backend_name(d2), accel_backend_name(dev));
	fd = accel_completion_fd(d2);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(accel_completion_fd(d2), fd);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);	/* nothing has completed */
	/* a long list: in flight right after the submit, the fd not readable */
	CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(d2, (uint64_t)k * n * 4 + 16384 + 4096,
					     ACCEL_MEM_DEVICE, &bo), 0);
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(d2, &cl), 0);
	for (i = 0; i < 256; i++)
		CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(bo, 0),
				ACCEL_REF(bo, 16384), ACCEL_REF(bo, 8192),
				k, n), 0);
	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &f[0]), 0);
	CU_ASSERT_EQUAL(accel_wait(d2, f[0], 0, NULL), -ETIME);
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	CU_ASSERT_EQUAL(accel_wait(d2, f[0], ACCEL_WAIT_FOREVER, NULL), 0);
	CU_ASSERT_EQUAL(read_completions(fd, 1), 1);
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(d2, &cl), 0);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &f[i]), 0);
	{
		const uint64_t all[3] = { f[2], f[0], f[1] };

		CU_ASSERT_EQUAL(accel_wait_fences(d2, all, 3, ACCEL_WAIT_ALL, ACCEL_WAIT_FOREVER,
						  NULL), 0);
	}
	/* three completions, counted once each, then the fd is clear */
	count = read_completions(fd, 3);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	/* any: the completed one is found */
	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &f[3]), 0);
	{
		const uint64_t some[2] = { f[3], f[1] };

		CU_ASSERT_EQUAL(accel_wait_fences(d2, some, 2, ACCEL_WAIT_ANY, ACCEL_WAIT_FOREVER,
						  &first), 0);
		CU_ASSERT(first == 0 || first == 1);
		CU_ASSERT_EQUAL(accel_wait_fences(d2, some, 2, ACCEL_WAIT_ALL, ACCEL_WAIT_FOREVER,
						  NULL), 0);
		/* bad input */
		CU_ASSERT_EQUAL(accel_wait_fences(d2, some, 0, ACCEL_WAIT_ANY, 0, NULL), -EINVAL);
		CU_ASSERT_EQUAL(accel_wait_fences(d2, some, 2, 7, 0, NULL), -EINVAL);
		CU_ASSERT_EQUAL(accel_wait_fences(d2, NULL, 2, ACCEL_WAIT_ANY, 0, NULL), -EINVAL);
		CU_ASSERT_EQUAL(accel_wait_fences(d2, some, 2, ACCEL_WAIT_ANY, -1, NULL), -EINVAL);
	}
	{
		const uint64_t bad[2] = { f[0], 0 };

		CU_ASSERT_EQUAL(accel_wait_fences(d2, bad, 2, ACCEL_WAIT_ALL, 0, NULL), -EINVAL);
	}
	CU_ASSERT_EQUAL(poll(&pfd, 1, 10000), 1);	/* the fourth completion */
	accel_cmdlist_destroy(cl);
	accel_close(d2);
}

/* The runtime version and the header's agree in this build. */
static void test_version(void)
{
	int major = -1, minor = -1, patch = -1;
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", ACCEL_VERSION_MAJOR, ACCEL_VERSION_MINOR,
		 ACCEL_VERSION_PATCH);
	CU_ASSERT_STRING_EQUAL(accel_version(&major, &minor, &patch), want);
	CU_ASSERT_STRING_EQUAL(ACCEL_VERSION_STRING, want);
	CU_ASSERT_EQUAL(major, ACCEL_VERSION_MAJOR);
	CU_ASSERT_EQUAL(minor, ACCEL_VERSION_MINOR);
	CU_ASSERT_EQUAL(patch, ACCEL_VERSION_PATCH);
	CU_ASSERT_PTR_NOT_NULL(accel_version(NULL, NULL, NULL));
}

static void test_counters(void)
{
	struct drm_csa_counters a, b;
	struct accel_bo *h = new_bo(4096, ACCEL_MEM_HOST), *d = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();

	CU_ASSERT_EQUAL_FATAL(accel_query_counters(dev, &a), 0);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(h, 0), ACCEL_REF(d, 0),
					  4096), 0);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	run_ok(cl);
	CU_ASSERT_EQUAL_FATAL(accel_query_counters(dev, &b), 0);
	CU_ASSERT_TRUE(b.commands >= a.commands + 2);
	CU_ASSERT_TRUE(b.dma_bytes >= a.dma_bytes + 4096);
	CU_ASSERT_TRUE(b.jobs_completed >= a.jobs_completed + 1);
	CU_ASSERT_TRUE(b.jobs_submitted >= b.jobs_completed);
	CU_ASSERT_TRUE(b.total_cycles > a.total_cycles);
	CU_ASSERT_TRUE(b.busy_cycles[CSA_ENGINE_DMA] > a.busy_cycles[CSA_ENGINE_DMA]);
	CU_ASSERT_EQUAL(accel_query_counters(dev, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_query_counters(NULL, &b), -EINVAL);
	accel_cmdlist_destroy(cl);
	accel_bo_free(h);
	accel_bo_free(d);
}

static void test_reset(void)
{
	struct drm_csa_counters a, b;
	struct accel_bo *bo;
	struct accel_cmdlist *cl = long_list(&bo, 64);
	struct accel_status st;
	uint64_t fence;
	int ret;

	CU_ASSERT_EQUAL_FATAL(accel_query_counters(dev, &a), 0);
	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fence), 0);
	ret = accel_reset(dev);
	if (ret == -EPERM || ret == -EACCES) {	/* drm without CAP_SYS_ADMIN */
		CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
		goto out;
	}
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
	CU_ASSERT_TRUE(st.status == CSA_STATUS_ABORTED ||
		       st.status == CSA_STATUS_OK);
	CU_ASSERT_EQUAL_FATAL(accel_query_counters(dev, &b), 0);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
	/* the device works after the reset */
	accel_cmdlist_reset(cl);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	run_ok(cl);
out:
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
}

/* ---- invalid arguments --------------------------------------------------- */

static void test_invalid_null(void)
{
	struct accel_bo *bo = dev_bo(4096), *out = (struct accel_bo *)1;
	struct accel_cmdlist *cl = new_list(), *clo = (struct accel_cmdlist *)1;
	struct accel_info i;
	uint64_t fence;
	char buf[4];

	CU_ASSERT_EQUAL(accel_bo_alloc(NULL, 4096, ACCEL_MEM_HOST, &out), -EINVAL);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 4096, ACCEL_MEM_HOST, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmdlist_create(NULL, &clo), -EINVAL);
	CU_ASSERT_PTR_NULL(clo);
	CU_ASSERT_EQUAL(accel_cmdlist_create(dev, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_query_info(NULL, &i), -EINVAL);
	CU_ASSERT_EQUAL(accel_query_info(dev, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_reset(NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_upload(NULL, 0, buf, 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_upload(bo, 0, NULL, 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_download(NULL, 0, buf, 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_download(bo, 0, NULL, 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_nop(NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_add(NULL, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 0), 4), -EINVAL);
	/* a NULL buffer where the command needs one */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_NO_REF, ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 64), 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, NULL, 1, NULL, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(accel_submit(NULL, &fence), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), 0);
	CU_ASSERT_EQUAL(accel_submit(cl, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_submit_wait(NULL, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmdlist_count(NULL), 0);
	accel_cmdlist_destroy(NULL);
	accel_cmdlist_reset(NULL);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
}

static void test_invalid_zero_size(void)
{
	struct accel_bo *bo = dev_bo(4096), *h = new_bo(4096, ACCEL_MEM_HOST);
	struct accel_bo *out = NULL;
	struct accel_cmdlist *cl = new_list();
	uint64_t fence;
	char buf[4] = { 0 };

	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 0, ACCEL_MEM_HOST, &out), -EINVAL);
	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 0, ACCEL_MEM_DEVICE, &out), -EINVAL);
	CU_ASSERT_EQUAL(accel_upload(bo, 0, buf, 0), -EINVAL);
	CU_ASSERT_EQUAL(accel_download(bo, 0, buf, 0), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 64), 0), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(h, 0), ACCEL_REF(bo, 0),
					  0), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_copy(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 64),
				       6), -EINVAL);	/* not words */
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 0);	/* nothing appended */
	CU_ASSERT_EQUAL(accel_submit(cl, &fence), -EINVAL);	/* empty list */
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
	accel_bo_free(h);
}

static void test_invalid_huge(void)
{
	struct accel_bo *bo = dev_bo(4096), *out = NULL;
	struct accel_cmdlist *cl = new_list();
	char buf[4] = { 0 };

	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 1ull << 62, ACCEL_MEM_HOST, &out),
			-ENOMEM);
	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 1ull << 62, ACCEL_MEM_DEVICE, &out),
			-ENOMEM);
	CU_ASSERT_EQUAL(accel_bo_alloc(dev, UINT64_MAX, ACCEL_MEM_DEVICE, &out),
			-ENOMEM);
	CU_ASSERT_EQUAL(accel_bo_alloc(dev, info.devmem_size + 4096,
				       ACCEL_MEM_DEVICE, &out), -ENOMEM);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 0), ACCEL_VEC_MAX + 1), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_matvec_f32(cl, ACCEL_REF(bo, 0),
					     ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
					     ACCEL_MATVEC_MAX + 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(accel_upload(bo, 0, buf, UINT64_MAX), -ERANGE);
	CU_ASSERT_EQUAL(accel_download(bo, 8, buf, UINT64_MAX - 4), -ERANGE);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
}

static void test_invalid_foreign_buffer(void)
{
	struct accel_dev *other = NULL;
	struct accel_bo *mine = dev_bo(4096), *theirs = NULL, *th = NULL;
	struct accel_bo *h = new_bo(4096, ACCEL_MEM_HOST);
	struct accel_cmdlist *cl = new_list(), *cl2 = NULL;

	CU_ASSERT_EQUAL_FATAL(accel_open(device_spec, &other), 0);
	CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(other, 4096, ACCEL_MEM_DEVICE,
					     &theirs), 0);
	CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(other, 4096, ACCEL_MEM_HOST, &th),
			      0);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(mine, 0),
				      ACCEL_REF(theirs, 0),
				      ACCEL_REF(mine, 64), 4), -EXDEV);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(th, 0),
					  ACCEL_REF(mine, 0), 64), -EXDEV);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(h, 0),
					  ACCEL_REF(theirs, 0), 64), -EXDEV);
	/* even when it is also the wrong placement and out of range */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(th, 9999),
				      ACCEL_REF(mine, 0),
				      ACCEL_REF(mine, 64), 4), -EXDEV);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 0);
	/* the other device's own list accepts them */
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(other, &cl2), 0);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl2, ACCEL_REF(th, 0),
					  ACCEL_REF(theirs, 0), 64), 0);
	CU_ASSERT_EQUAL(accel_submit_wait(cl2, ACCEL_WAIT_FOREVER, NULL), 0);
	accel_close(other);	/* frees theirs, th and cl2 */
	accel_cmdlist_destroy(cl);
	accel_bo_free(mine);
	accel_bo_free(h);
}

static void test_invalid_offset_past_end(void)
{
	struct accel_bo *bo = dev_bo(4096), *h = new_bo(4096, ACCEL_MEM_HOST);
	struct accel_cmdlist *cl = new_list();
	char buf[8] = { 0 };

	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 4096), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 64), 1), -ERANGE);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 4092), 2), -ERANGE);
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, UINT64_MAX - 3), 2), -ERANGE);
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(h, 4092),
					  ACCEL_REF(bo, 0), 8), -ERANGE);
	CU_ASSERT_EQUAL(accel_cmd_dma_d2h(cl, ACCEL_REF(bo, 0),
					  ACCEL_REF(h, 1ull << 40), 8), -ERANGE);
	/* exactly up to the end is fine */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0), ACCEL_REF(bo, 0),
				      ACCEL_REF(bo, 4088), 2), 0);
	CU_ASSERT_EQUAL(accel_upload(bo, 4096, buf, 1), -ERANGE);
	CU_ASSERT_EQUAL(accel_upload(bo, 4090, buf, 7), -ERANGE);
	CU_ASSERT_EQUAL(accel_download(h, 4097, buf, 1), -ERANGE);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 1);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
	accel_bo_free(h);
}

static void test_invalid_placement(void)
{
	struct accel_bo *d = dev_bo(4096), *h = new_bo(4096, ACCEL_MEM_HOST);
	struct accel_bo *out = NULL;
	struct accel_cmdlist *cl = new_list();

	CU_ASSERT_EQUAL(accel_bo_alloc(dev, 4096, (enum accel_mem)7, &out),
			-EINVAL);
	/* engines compute on device memory only */
	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(h, 0), ACCEL_REF(d, 0),
				      ACCEL_REF(d, 64), 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_copy(cl, ACCEL_REF(d, 0), ACCEL_REF(h, 64),
				       4), -EINVAL);
	/* DMA: host side must be a host BO, device side a device BO */
	CU_ASSERT_EQUAL(accel_cmd_dma_h2d(cl, ACCEL_REF(d, 0), ACCEL_REF(d, 64),
					  4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_dma_d2h(cl, ACCEL_REF(h, 0), ACCEL_REF(h, 64),
					  4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(d);
	accel_bo_free(h);
}

static void test_invalid_freed_buffer(void)
{
	struct accel_bo *keep = dev_bo(4096), *gone = dev_bo(4096), *fresh;
	struct accel_cmdlist *cl = new_list();
	uint64_t fence;

	CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(keep, 0), ACCEL_REF(gone, 0),
				      ACCEL_REF(keep, 64), 4), 0);
	accel_bo_free(gone);
	CU_ASSERT_EQUAL(accel_submit(cl, &fence), -ENOENT);
	/* a new buffer may get the old handle: still refused */
	fresh = dev_bo(4096);
	CU_ASSERT_EQUAL(accel_submit(cl, &fence), -ENOENT);
	accel_cmdlist_destroy(cl);
	accel_bo_free(keep);
	accel_bo_free(fresh);
}

static void test_invalid_command_fields(void)
{
	struct accel_bo *d = dev_bo(4096);
	struct accel_cmdlist *cl = new_list();
	const uint32_t args[CSA_CMD_ARGS + 1] = { 4 };
	const struct accel_ref refs[CSA_CMD_BUFS + 1] = {
		ACCEL_REF(d, 0), ACCEL_REF(d, 16), ACCEL_REF(d, 32), ACCEL_REF(d, 48)
	};
	const uint32_t extra[] = { 4, 0, 7 };

	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_COUNT, 0, NULL, 0, NULL, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, CSA_CMD_F_POW2, args, 1,
				      refs, 3), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0x80, args, 1, refs, 3),
			-EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, extra, 3, refs, 3),
			-EINVAL);	/* an unused arg set */
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, args, 1, refs, 4),
			-EINVAL);	/* a buffer in an unused slot */
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, args,
				      CSA_CMD_ARGS + 1, refs, 3), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmd_raw(cl, CSA_OP_ADD, 0, args, 1, refs,
				      CSA_CMD_BUFS + 1), -EINVAL);
	/* exact softmax with a table, ConSmax slot offset without buffer */
	CU_ASSERT_EQUAL(accel_cmd_softmax(cl, ACCEL_REF(d, 0), ACCEL_REF(d, 64),
					  ACCEL_REF(NULL, 8), 4), -EINVAL);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), 0);
	accel_cmdlist_destroy(cl);
	accel_bo_free(d);
}

static void test_list_too_long(void)
{
	struct accel_cmdlist *cl = new_list();
	uint32_t i;
	int ret = 0;

	for (i = 0; i < info.max_cmds && !ret; i++)
		ret = accel_cmd_nop(cl);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(accel_cmdlist_count(cl), info.max_cmds);
	CU_ASSERT_EQUAL(accel_cmd_nop(cl), -E2BIG);
	run_ok(cl);	/* the longest list runs */
	accel_cmdlist_destroy(cl);
}

/* ---- lifetime and threads ------------------------------------------------- */

/* A buffer freed while a list using it runs: the list still completes. */
static void test_free_while_in_flight(void)
{
	struct accel_bo *bo;
	struct accel_cmdlist *cl = long_list(&bo, 16);
	struct accel_status st;
	uint64_t fence;

	CU_ASSERT_EQUAL_FATAL(accel_submit(cl, &fence), 0);
	accel_bo_free(bo);
	CU_ASSERT_EQUAL(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, &st), 0);
	CU_ASSERT_EQUAL(st.status, CSA_STATUS_OK);
	accel_cmdlist_destroy(cl);
}

/* Closing with work in flight and objects alive frees everything. */
static void test_close_with_work_in_flight(void)
{
	struct accel_dev *d = NULL;
	struct accel_bo *bo = NULL;
	struct accel_cmdlist *cl = NULL;
	uint64_t fence;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(accel_open(device_spec, &d), 0);
	CU_ASSERT_EQUAL_FATAL(accel_bo_alloc(d, 1 << 20, ACCEL_MEM_DEVICE, &bo), 0);
	CU_ASSERT_EQUAL_FATAL(accel_cmdlist_create(d, &cl), 0);
	for (i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(accel_cmd_add(cl, ACCEL_REF(bo, 0),
					      ACCEL_REF(bo, 0),
					      ACCEL_REF(bo, 0), 1 << 18), 0);
	CU_ASSERT_EQUAL(accel_submit(cl, &fence), 0);
	accel_close(d);
}

struct thread_arg {
	unsigned int id;
	int failures;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	struct accel_bo *b = NULL;
	struct accel_cmdlist *cl = NULL;
	float in[64], out[64];
	unsigned int i, r;

	if (accel_bo_alloc(dev, 4096, ACCEL_MEM_DEVICE, &b) ||
	    accel_cmdlist_create(dev, &cl)) {
		t->failures++;
		goto out;
	}
	for (r = 0; r < 25; r++) {
		for (i = 0; i < 64; i++)
			in[i] = (float)(t->id * 1000 + r * 64 + i);
		if (accel_upload(b, 0, in, sizeof(in))) {
			t->failures++;
			continue;
		}
		accel_cmdlist_reset(cl);
		if (accel_cmd_add(cl, ACCEL_REF(b, 0), ACCEL_REF(b, 0),
				  ACCEL_REF(b, 1024), 64) ||
		    accel_submit_wait(cl, ACCEL_WAIT_FOREVER, NULL) ||
		    accel_download(b, 1024, out, sizeof(out))) {
			t->failures++;
			continue;
		}
		for (i = 0; i < 64; i++)
			t->failures += out[i] != 2.0f * in[i];
	}
out:
	accel_cmdlist_destroy(cl);
	accel_bo_free(b);
	return NULL;
}

static void test_threads_share_a_device(void)
{
	enum { T = 4 };
	pthread_t th[T];
	struct thread_arg args[T];
	unsigned int i;

	for (i = 0; i < T; i++) {
		args[i].id = i;
		args[i].failures = 0;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, thread_main,
						     &args[i]), 0);
	}
	for (i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(args[i].failures, 0);
	}
}

/* ---- main ----------------------------------------------------------------- */

static int suite_init(void)
{
	if (accel_open(device_spec, &dev))
		return 1;
	return accel_query_info(dev, &info) ? 1 : 0;
}

static int suite_clean(void)
{
	accel_close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "info", test_info },
		{ "open errors (drm and sim arguments)", test_open_errors },
		{ "open sim with options", test_open_sim_options },
		{ "open: ACCEL_DEVICE, ACCEL_SIM_DEVMEM", test_open_environment },
		{ "sim with 16-entry rings: wraps and ring-full", test_sim_small_rings },
		{ "BO lifecycle and devmem accounting", test_bo_lifecycle },
		{ "fresh device memory reads zero", test_bo_fresh_device_memory_is_zero },
		{ "BO map/unmap", test_bo_map_unmap },
		{ "upload/download odd sizes and offsets", test_upload_download_odd },
		{ "upload/download across staging chunks", test_upload_download_large },
		{ "upload/download host BO", test_upload_download_host_bo },
		{ "NOP and FENCE", test_cmd_nop_fence },
		{ "DMA_H2D/DMA_D2H through SG segments", test_cmd_dma },
		{ "COPY", test_cmd_copy },
		{ "EMBED and EMBED indirect", test_cmd_embed },
		{ "RMSNORM", test_cmd_rmsnorm },
		{ "MATVEC_F32", test_cmd_matvec_f32 },
		{ "MATVEC_BCQ f32 scales", test_cmd_matvec_bcq },
		{ "MATVEC_BCQ pow2 scales", test_cmd_matvec_bcq_pow2 },
		{ "ROPE", test_cmd_rope },
		{ "KV_APPEND bank layout", test_cmd_kv_append },
		{ "ATTENTION exact softmax", test_cmd_attention_exact },
		{ "ATTENTION ConSmax", test_cmd_attention_consmax },
		{ "SILU_MUL", test_cmd_silu_mul },
		{ "ADD", test_cmd_add },
		{ "ARGMAX", test_cmd_argmax },
		{ "SOFTMAX exact and ConSmax", test_cmd_softmax },
		{ "raw command", test_cmd_raw },
		{ "many lists in flight", test_many_lists_in_flight },
		{ "ring full", test_ring_full },
		{ "wait timeout and poll", test_wait_timeout_and_poll },
		{ "poll during a long list", test_poll_during_a_long_list },
		{ "error completions: failed_index", test_error_completions },
		{ "error statuses: ADDR_RANGE, OVERLAP", test_error_statuses },
		{ "strerror and status names", test_strerror_and_status_names },
		{ "completion fd, wait on several fences", test_completion_fd_and_wait_fences },
		{ "runtime version", test_version },
		{ "counters", test_counters },
		{ "reset", test_reset },
		{ "invalid: NULL", test_invalid_null },
		{ "invalid: zero size", test_invalid_zero_size },
		{ "invalid: huge size", test_invalid_huge },
		{ "invalid: foreign buffer", test_invalid_foreign_buffer },
		{ "invalid: offset past the end", test_invalid_offset_past_end },
		{ "invalid: wrong placement", test_invalid_placement },
		{ "invalid: freed buffer", test_invalid_freed_buffer },
		{ "invalid: command fields", test_invalid_command_fields },
		{ "invalid: list too long", test_list_too_long },
		{ "engine queues overlap, same results", test_engine_queues },
		{ "free while in flight", test_free_while_in_flight },
		{ "close with work in flight", test_close_with_work_in_flight },
		{ "threads share a device", test_threads_share_a_device },
	};
	CU_pSuite suite;
	unsigned int i, failed;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--device") == 0 && a + 1 < argc) {
			device_spec = argv[++a];
		} else if (strncmp(argv[a], "--device=", 9) == 0) {
			device_spec = argv[a] + 9;
		} else {
			fprintf(stderr, "usage: %s [--device sim|/dev/accel/accelN|N]\n",
				argv[0]);
			return 2;
		}
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite("libaccel", suite_init, suite_clean);
	for (i = 0; suite && i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(suite, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
