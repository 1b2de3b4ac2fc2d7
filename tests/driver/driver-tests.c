// SPDX-License-Identifier: MIT
/*
 * driver-tests.c - behaviour of the csa.ko DRM accel driver, run inside the
 * QEMU VM against a real /dev/accel node (it cannot run anywhere else).
 *
 * Suites, in the order they run (destructive ones last):
 *   rejects    one test per ioctl field the driver must refuse
 *   basics     GET_INFO, BO create/info/mmap, DMA round trips, WAIT
 *   isolation  two processes (fork) cannot name each other's BOs or fences
 *   boundary   every core ioctl an accel node accepts (PRIME, DUMB, FLINK,
 *              SYNCOBJ_*), fdinfo, tracepoints
 *   syncobj    in/out syncobjs on SUBMIT: binary and timeline, an in-fence
 *              the test signals itself (vgem), the UAPI 1.1 struct size
 *   faults     corrupt and hang injection through debugfs, RESET
 *   lifetime   kill -9 during a long job and during a hung job (resources
 *              come back), suspend/resume (pm_test), rmmod refused with an open file, unbind with an
 *              open file (ioctls -ENODEV, close safe), rebind
 *   aer-nonfatal, aer-fatal  only when CSA_TEST_SUITES names them: jobs in
 *              flight while the host injects a PCIe error (tests/vm);
 *              CSA_AER_TARGET follows the marker line (the card's QEMU id)
 *
 * Environment: CSA_ACCEL_DEV (default /dev/accel/accel0),
 * CSA_DEBUGFS_DIR (default: the accel debugfs directory holding "inject"
 * or the fault_attr directory "fail_hang"), CSA_FAULT_ATTR=1 to inject
 * through fail_hang/fail_corrupt/fail_reset even where "inject" exists,
 * CSA_JOB_TIMEOUT_MS (the module's job_timeout_ms, default 5000),
 * CSA_SKIP_UNBIND=1 to leave the unbind/rebind test out,
 * CSA_EXPECT_DEVICE_DEL=1 when the harness will device_del the card after
 * the line CSA-READY-FOR-DEVICE-DEL (tests/driver/run-vm.sh hotplug).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "csa/csa_device.h"
#include "drm/csa_accel.h"
#include "csa/drm_syncobj_eventfd.h"

static const char *dev_path = "/dev/accel/accel0";
static char debugfs_dir[PATH_MAX];
static unsigned int job_timeout_ms = 5000;
static struct drm_csa_info info;
static int fd = -1;

/* ---- helpers ----------------------------------------------------------- */

/* ioctl returning 0 or -errno, restarting on EINTR like libdrm */
static int xioctl(int f, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(f, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bo_create(int f, uint64_t size, uint32_t flags, uint32_t *handle,
		     uint64_t *mmap_offset)
{
	struct drm_csa_bo_create c = { .size = size, .flags = flags };
	int ret = xioctl(f, DRM_IOCTL_CSA_BO_CREATE, &c);

	if (!ret) {
		*handle = c.handle;
		if (mmap_offset)
			*mmap_offset = c.mmap_offset;
	}
	return ret;
}

static int gem_close(int f, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return xioctl(f, DRM_IOCTL_GEM_CLOSE, &c);
}

static int submit(int f, struct drm_csa_cmd *cmds, uint32_t n, uint64_t *fence)
{
	struct drm_csa_submit s = {
		.cmds = (uintptr_t)cmds, .num_cmds = n,
		.cmd_size = sizeof(*cmds),
	};
	int ret = xioctl(f, DRM_IOCTL_CSA_SUBMIT, &s);

	if (!ret && fence)
		*fence = s.fence;
	return ret;
}

static int wait_fence(int f, uint64_t fence, int64_t rel_ns,
		      struct drm_csa_wait *out)
{
	struct drm_csa_wait w = { .fence = fence };
	int ret;

	w.timeout_ns = rel_ns ? now_ns() + rel_ns : 0;
	ret = xioctl(f, DRM_IOCTL_CSA_WAIT, &w);
	if (out)
		*out = w;
	return ret;
}

static int get_counters(int f, struct drm_csa_counters *c)
{
	memset(c, 0, sizeof(*c));
	return xioctl(f, DRM_IOCTL_CSA_GET_COUNTERS, c);
}

static struct drm_csa_cmd cmd_nop(void)
{
	struct drm_csa_cmd c;

	memset(&c, 0, sizeof(c));
	c.opcode = CSA_OP_NOP;
	return c;
}

static struct drm_csa_cmd cmd_dma(uint32_t opcode, uint32_t host,
				  uint64_t host_off, uint32_t dev,
				  uint64_t dev_off, uint32_t bytes)
{
	struct drm_csa_cmd c;

	memset(&c, 0, sizeof(c));
	c.opcode = opcode;
	c.arg[0] = bytes;
	c.buf[0].handle = host;
	c.buf[0].offset = host_off;
	c.buf[1].handle = dev;
	c.buf[1].offset = dev_off;
	return c;
}

static struct drm_csa_cmd cmd_copy(uint32_t src, uint64_t src_off,
				   uint32_t dst, uint64_t dst_off,
				   uint32_t bytes)
{
	struct drm_csa_cmd c;

	memset(&c, 0, sizeof(c));
	c.opcode = CSA_OP_COPY;
	c.arg[0] = bytes;
	c.buf[0].handle = src;
	c.buf[0].offset = src_off;
	c.buf[1].handle = dst;
	c.buf[1].offset = dst_off;
	return c;
}

/* Submit one command and return the SUBMIT result (0 or -errno). */
static int submit_one(struct drm_csa_cmd c)
{
	uint64_t fence = 0;
	int ret = submit(fd, &c, 1, &fence);

	if (!ret)
		wait_fence(fd, fence, 10ll * 1000000000, NULL);
	return ret;
}

static int write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY);
	ssize_t n;

	int err;

	if (f < 0)
		return -errno;
	n = write(f, text, strlen(text));
	err = n < 0 ? -errno : (n == (ssize_t)strlen(text) ? 0 : -EIO);
	close(f);
	return err;
}

/* Write @text to @name in the fault_attr directory @dir of the device. */
static int fault_attr_write(const char *dir, const char *name,
			    const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s/%s", debugfs_dir, dir, name);
	return write_file(path, text);
}

/*
 * Arm a fault for the next submit ("hang", "corrupt") or recovery
 * ("reset-fail"): through the debugfs "inject" file of a CSA_DEBUG module,
 * or (without it, or with CSA_FAULT_ATTR=1) through the kernel's fault_attr
 * directories fail_hang, fail_corrupt, fail_reset (CONFIG_FAULT_INJECTION):
 * probability 100, interval 1, times 1 fail exactly the next one.
 */
static int inject(const char *what)
{
	char path[PATH_MAX + 16];
	const char *dir;
	int ret;

	if (!debugfs_dir[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/inject", debugfs_dir);
	if (!getenv("CSA_FAULT_ATTR") && !access(path, F_OK))
		return write_file(path, what);
	if (!strcmp(what, "hang"))
		dir = "fail_hang";
	else if (!strcmp(what, "corrupt"))
		dir = "fail_corrupt";
	else if (!strcmp(what, "reset-fail"))
		dir = "fail_reset";
	else	/* an unknown fault: a value the attribute refuses */
		return fault_attr_write("fail_hang", "probability", what);
	ret = fault_attr_write(dir, "verbose", "0");
	if (!ret)
		ret = fault_attr_write(dir, "interval", "1");
	if (!ret)
		ret = fault_attr_write(dir, "times", "1");
	if (!ret)
		ret = fault_attr_write(dir, "probability", "100");
	return ret;
}

/* Read a small text file into @buf (NUL-terminated); bytes read or -errno. */
static ssize_t read_text(const char *path, char *buf, size_t len)
{
	int f = open(path, O_RDONLY);
	ssize_t n, total = 0;

	if (f < 0)
		return -errno;
	while (total < (ssize_t)len - 1 &&
	       (n = read(f, buf + total, len - 1 - total)) > 0)
		total += n;
	close(f);
	buf[total] = '\0';
	return total;
}

static ssize_t read_debugfs(const char *name, char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", debugfs_dir, name);
	return read_text(path, buf, len);
}

static void find_debugfs(void)
{
	const char *env = getenv("CSA_DEBUGFS_DIR");
	glob_t g;

	if (env) {
		snprintf(debugfs_dir, sizeof(debugfs_dir), "%s", env);
		return;
	}
	if (access("/sys/kernel/debug/accel", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	/* a CSA_DEBUG module's "inject", or the fault_attr directories */
	if (glob("/sys/kernel/debug/accel/*/inject", 0, NULL, &g) == 0 ||
	    glob("/sys/kernel/debug/accel/*/fail_hang", 0, NULL, &g) == 0) {
		snprintf(debugfs_dir, sizeof(debugfs_dir), "%s", g.gl_pathv[0]);
		*strrchr(debugfs_dir, '/') = '\0';
		globfree(&g);
	}
}

/* PCI address of the device behind dev_path, from sysfs. */
static int pci_name(char *out, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	char *base;

	if (stat(dev_path, &st))
		return -errno;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(out, base, strlen(base) + 1);
	return 0;
}

/* ---- rejects: one test per field ---------------------------------------- */

static uint32_t host_bo, dev_bo;	/* 64 KiB each, created in init */
#define TEST_BO_SIZE	(64u * 1024u)

static void test_bo_create_bad_flags(void)
{
	uint32_t h = 0;

	CU_ASSERT_EQUAL(bo_create(fd, 4096, 0x2, &h, NULL), -EINVAL);
	CU_ASSERT_EQUAL(bo_create(fd, 4096, 0x80000000u, &h, NULL), -EINVAL);
}

static void test_bo_create_zero_size(void)
{
	uint32_t h = 0;

	CU_ASSERT_EQUAL(bo_create(fd, 0, CSA_BO_HOST, &h, NULL), -EINVAL);
	CU_ASSERT_EQUAL(bo_create(fd, 0, CSA_BO_DEVICE, &h, NULL), -EINVAL);
}

static void test_bo_create_too_big(void)
{
	uint32_t h = 0;

	CU_ASSERT_EQUAL(bo_create(fd, info.devmem_size + 4096, CSA_BO_DEVICE,
				  &h, NULL), -ENOSPC);
	CU_ASSERT_EQUAL(bo_create(fd, UINT64_MAX, CSA_BO_HOST, &h, NULL),
			-EINVAL);
}

static void test_bo_info_bad_handle(void)
{
	struct drm_csa_bo_info bi = { .handle = 0xdead };

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), -ENOENT);
	bi.handle = 0;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), -ENOENT);
}

static int raw_submit(struct drm_csa_submit *s)
{
	return xioctl(fd, DRM_IOCTL_CSA_SUBMIT, s);
}

static void test_submit_flags(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)&c, .num_cmds = 1,
				    .cmd_size = sizeof(c), .flags = 1 };

	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
}

static void test_submit_pad(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)&c, .num_cmds = 1,
				    .cmd_size = sizeof(c), .pad = 1 };

	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
}

static void test_submit_num_cmds_zero(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)&c, .num_cmds = 0,
				    .cmd_size = sizeof(c) };

	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
}

static void test_submit_num_cmds_too_many(void)
{
	uint32_t n = info.max_cmds + 1;
	struct drm_csa_cmd *c = calloc(n, sizeof(*c));
	struct drm_csa_submit s = { .cmds = (uintptr_t)c, .num_cmds = n,
				    .cmd_size = sizeof(*c) };

	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s.num_cmds = CSA_SUBMIT_MAX_CMDS + 1000000u;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	free(c);
}

static void test_submit_cmd_size_small(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)&c, .num_cmds = 1,
				    .cmd_size = sizeof(c) - 8 };

	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s.cmd_size = 0;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
}

static void test_submit_cmd_size_huge(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)&c, .num_cmds = 1,
				    .cmd_size = 1u << 20 };

	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
}

/* A newer user's larger command is accepted only if the extra bytes are 0. */
static void test_submit_cmd_size_growth(void)
{
	size_t big = sizeof(struct drm_csa_cmd) + 16;
	unsigned char *buf = calloc(2, big);
	struct drm_csa_cmd nop = cmd_nop();
	struct drm_csa_submit s = { .cmds = (uintptr_t)buf, .num_cmds = 2,
				    .cmd_size = big };
	struct drm_csa_wait w;

	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, &nop, sizeof(nop));
	memcpy(buf + big, &nop, sizeof(nop));
	CU_ASSERT_EQUAL(raw_submit(&s), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, s.fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	buf[big + sizeof(nop) + 3] = 1;	/* tail of the second command */
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	free(buf);
}

static void test_submit_bad_pointer(void)
{
	struct drm_csa_submit s = { .cmds = 16, .num_cmds = 1,
				    .cmd_size = sizeof(struct drm_csa_cmd) };

	CU_ASSERT_EQUAL(raw_submit(&s), -EFAULT);
}

static void test_cmd_bad_opcode(void)
{
	struct drm_csa_cmd c = cmd_nop();

	c.opcode = CSA_OP_COUNT;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c.opcode = 0xffffffffu;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_unknown_flag(void)
{
	struct drm_csa_cmd c = cmd_nop();

	c.flags = 1u << 5;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c.flags = CSA_DESC_F_LAST;	/* the kernel's flag, never the user's */
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

/* Dependencies (docs/device-spec.md 3.6): one on a command of the same
 * submit runs; one before the first command, or malformed, is -EINVAL. */
static void test_cmd_dependency(void)
{
	struct drm_csa_cmd c[2] = { cmd_nop(), cmd_nop() };
	struct drm_csa_wait w;
	uint64_t fence = 0;

	c[1].flags = CSA_CMD_DEP(1);
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 2, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	c[1].flags = CSA_CMD_DEP(0);
	c[0].flags = CSA_CMD_DEP(0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 2, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	c[1].flags = CSA_CMD_DEP(2);		/* before the submit */
	CU_ASSERT_EQUAL(submit(fd, c, 2, &fence), -EINVAL);
	c[1].flags = 0;
	c[0].flags = CSA_CMD_DEP(1);
	CU_ASSERT_EQUAL(submit(fd, c, 2, &fence), -EINVAL);
	c[0].flags = 5u << CSA_CMD_DEP_SHIFT;	/* no explicit bit */
	CU_ASSERT_EQUAL(submit(fd, c, 2, &fence), -EINVAL);
	c[0].flags = CSA_CMD_DEP(0) | (1u << 27);	/* reserved */
	CU_ASSERT_EQUAL(submit(fd, c, 2, &fence), -EINVAL);
	CU_ASSERT_EQUAL(submit_one(cmd_nop()), 0);	/* nothing stuck */
}

static void test_cmd_flag_not_for_opcode(void)
{
	struct drm_csa_cmd c = cmd_nop();

	c.flags = CSA_CMD_F_POW2;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_unused_arg(void)
{
	struct drm_csa_cmd c = cmd_nop();

	c.arg[0] = 1;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, 64);
	c.arg[9] = 1;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_unused_buf_handle(void)
{
	struct drm_csa_cmd c = cmd_nop();

	c.buf[0].handle = dev_bo;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_unused_buf_offset(void)
{
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, 64);

	c.buf[4].offset = 8;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_buf_pad(void)
{
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, 64);

	c.buf[1].pad = 1;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c = cmd_nop();
	c.buf[5].pad = 1;
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_missing_handle(void)
{
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_H2D, 0, 0, dev_bo, 0, 64);

	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_unknown_handle(void)
{
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, 0x7777, 0, 64);

	CU_ASSERT_EQUAL(submit_one(c), -ENOENT);
	c = cmd_dma(CSA_OP_DMA_H2D, 0x7777, 0, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ENOENT);
}

static void test_cmd_wrong_placement(void)
{
	/* host BO where a device BO belongs, and the reverse */
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, host_bo, 0, 64);

	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c = cmd_dma(CSA_OP_DMA_H2D, dev_bo, 0, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c = cmd_copy(host_bo, 0, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

static void test_cmd_offset_out_of_range(void)
{
	struct drm_csa_cmd c;

	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, TEST_BO_SIZE, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, TEST_BO_SIZE + 4096, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, UINT64_MAX - 8, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
}

static void test_cmd_size_out_of_range(void)
{
	struct drm_csa_cmd c;

	/* offset fine, but offset + bytes crosses the end */
	c = cmd_dma(CSA_OP_DMA_D2H, host_bo, TEST_BO_SIZE - 32, dev_bo, 0, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
	c = cmd_copy(dev_bo, 0, dev_bo, TEST_BO_SIZE - 32, 64);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, TEST_BO_SIZE + 4096);
	CU_ASSERT_EQUAL(submit_one(c), -ERANGE);
}

static void test_cmd_bad_size_arg(void)
{
	struct drm_csa_cmd c;

	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, 0);
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
	c = cmd_dma(CSA_OP_DMA_H2D, host_bo, 0, dev_bo, 0, 6);
	CU_ASSERT_EQUAL(submit_one(c), -EINVAL);
}

/* A rejected command anywhere in the list rejects the whole submit. */
static void test_cmd_bad_in_middle(void)
{
	struct drm_csa_counters before, after;
	struct drm_csa_cmd c[3] = { cmd_nop(), cmd_nop(), cmd_nop() };

	CU_ASSERT_EQUAL(get_counters(fd, &before), 0);
	c[1].arg[3] = 7;
	CU_ASSERT_EQUAL(submit(fd, c, 3, NULL), -EINVAL);
	CU_ASSERT_EQUAL(get_counters(fd, &after), 0);
	CU_ASSERT_EQUAL(after.jobs_submitted, before.jobs_submitted);
}

static void test_wait_bad_fence(void)
{
	CU_ASSERT_EQUAL(wait_fence(fd, 0, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(wait_fence(fd, 1ull << 62, 0, NULL), -EINVAL);
}

static void test_reset_flags(void)
{
	struct drm_csa_reset r = { .flags = 1 };

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), -EINVAL);
}

static void test_reset_pad(void)
{
	struct drm_csa_reset r = { .pad = 1 };

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), -EINVAL);
}

static void test_unknown_ioctl(void)
{
	struct drm_csa_reset r = { 0 };

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
					    struct drm_csa_reset), &r), -EINVAL);
}

/* ---- basics ------------------------------------------------------------- */

static void test_get_info(void)
{
	struct drm_csa_info i;

	memset(&i, 0xa5, sizeof(i));
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &i), 0);
	CU_ASSERT_EQUAL(i.uapi_major, DRM_CSA_UAPI_MAJOR);
	CU_ASSERT_EQUAL(i.hw_version >> 16, 1);
	CU_ASSERT_EQUAL(i.pci_vendor, 0x1234);
	CU_ASSERT_EQUAL(i.pci_device, 0xc5a0);
	CU_ASSERT_EQUAL(i.pad, 0);
	CU_ASSERT(i.devmem_size >= (1u << 20));
	CU_ASSERT_EQUAL(i.devmem_size % 4096, 0);
	CU_ASSERT(i.ring_entries >= 4 && !(i.ring_entries & (i.ring_entries - 1)));
	CU_ASSERT(i.max_cmds >= 1 && i.max_cmds < i.ring_entries);
	CU_ASSERT(i.max_cmds <= CSA_SUBMIT_MAX_CMDS);
	CU_ASSERT(i.capabilities & CSA_CAP_DMA);
}

static void test_bo_info(void)
{
	struct drm_csa_bo_info bi = { .handle = dev_bo };
	uint32_t h = 0;
	uint64_t off = 0;

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), 0);
	CU_ASSERT_EQUAL(bi.flags, CSA_BO_DEVICE);
	CU_ASSERT_EQUAL(bi.size, TEST_BO_SIZE);
	bi.handle = host_bo;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), 0);
	CU_ASSERT_EQUAL(bi.flags, CSA_BO_HOST);
	CU_ASSERT_NOT_EQUAL(bi.mmap_offset, 0);

	/* sizes round up to the page */
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, 1, CSA_BO_HOST, &h, &off), 0);
	bi.handle = h;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), 0);
	CU_ASSERT_EQUAL(bi.size, (uint64_t)sysconf(_SC_PAGESIZE));
	CU_ASSERT_EQUAL(bi.mmap_offset, off);
	CU_ASSERT_EQUAL(gem_close(fd, h), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), -ENOENT);
}

static void test_devmem_accounting(void)
{
	struct drm_csa_info a, b;
	uint32_t h = 0;

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &a), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, 1 << 20, CSA_BO_DEVICE, &h, NULL), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &b), 0);
	CU_ASSERT_EQUAL(b.devmem_used, a.devmem_used + (1 << 20));
	CU_ASSERT_EQUAL(gem_close(fd, h), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &b), 0);
	CU_ASSERT_EQUAL(b.devmem_used, a.devmem_used);
}

static void test_nop_and_fence(void)
{
	struct drm_csa_cmd c[3] = { cmd_nop(), cmd_nop(), cmd_nop() };
	struct drm_csa_wait w;
	uint64_t f1 = 0, f2 = 0;

	c[1].opcode = CSA_OP_FENCE;
	c[1].arg[0] = 0x1234;
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 3, &f1), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 1, &f2), 0);
	CU_ASSERT(f2 > f1);
	CU_ASSERT_EQUAL(wait_fence(fd, f2, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	/* in order: the first is done too; a second WAIT gives the same answer */
	CU_ASSERT_EQUAL(wait_fence(fd, f1, 0, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(w.failed_index, 0);
	CU_ASSERT_EQUAL(wait_fence(fd, f1, 0, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

static void *map_bo(int f, uint64_t offset, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f,
		       (off_t)offset);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Host -> device (-> device) -> host through SG tables that start and end
 * inside pages; every byte is checked, also the ones that must not change.
 */
static void dma_round_trip(int through_copy)
{
	const size_t size = 256 * 1024;
	const uint32_t len = 200000, dst_at = 4096 + 12;
	uint32_t src = 0, dst = 0, d1 = 0, d2 = 0;
	uint64_t src_off = 0, dst_off = 0;
	struct drm_csa_cmd c[3];
	struct drm_csa_wait w;
	unsigned char *s, *d;
	uint64_t fence = 0;
	uint32_t n = 0;
	size_t i;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &src, &src_off), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &dst, &dst_off), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &d1, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &d2, NULL), 0);
	s = map_bo(fd, src_off, size);
	d = map_bo(fd, dst_off, size);
	CU_ASSERT_FATAL(s && d);
	for (i = 0; i < size; i++) {
		s[i] = (unsigned char)(i * 7 + (i >> 11));
		d[i] = 0xee;
	}
	c[n++] = cmd_dma(CSA_OP_DMA_H2D, src, 100, d1, 4, len);
	if (through_copy) {
		c[n++] = cmd_copy(d1, 4, d2, 1024, len);
		c[n++] = cmd_dma(CSA_OP_DMA_D2H, dst, dst_at, d2, 1024, len);
	} else {
		c[n++] = cmd_dma(CSA_OP_DMA_D2H, dst, dst_at, d1, 4, len);
	}
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, n, &fence), 0);
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT(w.cycles > 0);
	for (i = 0; i < size; i++) {
		unsigned char want = 0xee;

		if (i >= dst_at && i < dst_at + len)
			want = s[100 + i - dst_at];
		if (d[i] != want && !bad++)
			fprintf(stderr, "dma round trip: first difference at %zu: %#x, want %#x\n",
				i, d[i], want);
	}
	CU_ASSERT_EQUAL(bad, 0);
	munmap(s, size);
	munmap(d, size);
	gem_close(fd, src);
	gem_close(fd, dst);
	gem_close(fd, d1);
	gem_close(fd, d2);
}

static void test_dma_round_trip(void)
{
	dma_round_trip(0);
}

static void test_dma_copy_round_trip(void)
{
	dma_round_trip(1);
}

/* Device BOs are CPU-visible only through BAR2 (CSA_CAP_DEVMEM_BAR). */
static void test_device_bo_mmap(void)
{
	const size_t size = 64 * 1024;
	uint32_t dbo = 0, hbo = 0;
	uint64_t doff = 0, hoff = 0;
	struct drm_csa_cmd c;
	struct drm_csa_wait w;
	uint32_t *dv, *hv;
	uint64_t fence = 0;
	size_t i;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, &doff), 0);
	if (!(info.capabilities & CSA_CAP_DEVMEM_BAR)) {
		CU_ASSERT_EQUAL(doff, 0);
		gem_close(fd, dbo);
		return;
	}
	CU_ASSERT_NOT_EQUAL_FATAL(doff, 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &hbo, &hoff), 0);
	dv = map_bo(fd, doff, size);
	hv = map_bo(fd, hoff, size);
	CU_ASSERT_FATAL(dv && hv);
	/* a private mapping of device memory is refused */
	CU_ASSERT(mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, (off_t)doff) ==
		  MAP_FAILED);
	for (i = 0; i < size / 4; i++)
		dv[i] = 0x9e3779b9u * (uint32_t)i;
	c = cmd_dma(CSA_OP_DMA_D2H, hbo, 0, dbo, 0, size);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	for (i = 0; i < size / 4; i++)
		bad += hv[i] != 0x9e3779b9u * (uint32_t)i;
	CU_ASSERT_EQUAL(bad, 0);
	munmap(dv, size);
	munmap(hv, size);
	gem_close(fd, dbo);
	gem_close(fd, hbo);
}

/* A new device BO never shows what the last owner of that memory wrote. */
static void test_device_bo_cleared(void)
{
	const size_t size = 128 * 1024;
	uint32_t dbo = 0, hbo = 0;
	uint64_t hoff = 0, fence = 0;
	struct drm_csa_cmd c;
	struct drm_csa_wait w;
	unsigned char *h;
	size_t i;
	int round, nonzero = 0;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &hbo, &hoff), 0);
	h = map_bo(fd, hoff, size);
	CU_ASSERT_FATAL(h != NULL);
	for (round = 0; round < 2; round++) {
		CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, NULL), 0);
		if (round == 0) {
			memset(h, 0xc3, size);
			c = cmd_dma(CSA_OP_DMA_H2D, hbo, 0, dbo, 0, size);
		} else {
			memset(h, 0x11, size);
			c = cmd_dma(CSA_OP_DMA_D2H, hbo, 0, dbo, 0, size);
		}
		CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
		CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 20ll * 1000000000, &w), 0);
		CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
		CU_ASSERT_EQUAL(gem_close(fd, dbo), 0);
	}
	for (i = 0; i < size; i++)
		nonzero += h[i] != 0;
	CU_ASSERT_EQUAL(nonzero, 0);
	munmap(h, size);
	gem_close(fd, hbo);
}

/* One DMA between host BO @hbo and device BO @dbo (@size bytes); its status. */
static int dma_one(uint32_t opcode, uint32_t hbo, uint32_t dbo, size_t size)
{
	struct drm_csa_cmd c = cmd_dma(opcode, hbo, 0, dbo, 0, (uint32_t)size);
	struct drm_csa_wait w;
	uint64_t fence = 0;

	if (submit(fd, &c, 1, &fence) ||
	    wait_fence(fd, fence, 60ll * 1000000000, &w))
		return -1;
	return (int)w.status;
}

/* Leave @pattern in @size bytes of device memory (a device BO, then freed). */
static void dirty_device_memory(size_t size, unsigned char pattern)
{
	uint32_t dbo = 0, hbo = 0;
	uint64_t hoff = 0;
	unsigned char *h;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &hbo, &hoff), 0);
	h = map_bo(fd, hoff, size);
	CU_ASSERT_FATAL(h != NULL);
	memset(h, pattern, size);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, NULL), 0);
	CU_ASSERT_EQUAL(dma_one(CSA_OP_DMA_H2D, hbo, dbo, size), CSA_STATUS_OK);
	CU_ASSERT_EQUAL(gem_close(fd, dbo), 0);
	munmap(h, size);
	gem_close(fd, hbo);
}

/* Bytes of device BO @dbo that are not zero (read back by DMA), or -1. */
static long device_nonzero_bytes(uint32_t dbo, size_t size)
{
	uint32_t hbo = 0;
	uint64_t hoff = 0;
	unsigned char *h;
	long nonzero = -1;
	size_t i;

	if (bo_create(fd, size, CSA_BO_HOST, &hbo, &hoff))
		return -1;
	h = map_bo(fd, hoff, size);
	if (h) {
		memset(h, 0x11, size);
		if (dma_one(CSA_OP_DMA_D2H, hbo, dbo, size) == CSA_STATUS_OK) {
			nonzero = 0;
			for (i = 0; i < size; i++)
				nonzero += h[i] != 0;
		}
		munmap(h, size);
	}
	gem_close(fd, hbo);
	return nonzero;
}

/*
 * The driver clears by DMA in chunks of 16 MiB per descriptor: a BO of
 * several chunks with a partial last one is zero in every byte.  With
 * sq_entries=4 (3 descriptors per job) the clear also spans two jobs.
 */
static void test_device_bo_cleared_large(void)
{
	const size_t size = 56 * 1024 * 1024 + 12 * 1024;
	uint32_t dbo = 0;
	int64_t t0, ms;

	dirty_device_memory(size, 0xe7);
	t0 = now_ns();
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, NULL), 0);
	ms = (now_ns() - t0) / 1000000;
	fprintf(stderr, "device_bo_cleared_large: %zu KiB device BO created (cleared) in %lld ms\n",
		size / 1024, (long long)ms);
	CU_ASSERT_EQUAL(device_nonzero_bytes(dbo, size), 0);
	CU_ASSERT_EQUAL(gem_close(fd, dbo), 0);
}

/* A device-side error is the command's status, not an ioctl error. */
static void test_device_error_status(void)
{
	struct drm_csa_cmd c[3];
	struct drm_csa_wait w;
	uint64_t fence = 0;

	/* overlapping COPY: the device refuses it (OVERLAP) at index 1 */
	c[0] = cmd_nop();
	c[1] = cmd_copy(dev_bo, 0, dev_bo, 64, 256);
	c[2] = cmd_nop();
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 3, &fence), 0);
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OVERLAP);
	CU_ASSERT_EQUAL(w.failed_index, 1);
	if (w.status != CSA_STATUS_OVERLAP || w.failed_index != 1)
		fprintf(stderr, "device_error_status: status %u index %u\n",
			w.status, w.failed_index);
	/* the next submit is unaffected */
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

static void test_wait_poll_and_many(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t fences[64];
	unsigned int i;
	int ok = 0;

	for (i = 0; i < 64; i++)
		CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fences[i]), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fences[63], 10ll * 1000000000, &w), 0);
	for (i = 0; i < 64; i++)
		ok += wait_fence(fd, fences[i], 0, &w) == 0 &&
		      w.status == CSA_STATUS_OK;
	CU_ASSERT_EQUAL(ok, 64);
}

static void test_counters(void)
{
	struct drm_csa_counters a, b;
	struct drm_csa_cmd c = cmd_nop();
	uint64_t fence = 0;

	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, NULL), 0);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.jobs_submitted, a.jobs_submitted + 1);
	CU_ASSERT(b.commands >= a.commands + 1);
	CU_ASSERT_EQUAL(b.pad, 0);
}

static int pci_name(char *out, size_t len);

static long long read_sysfs_num(const char *bdf, const char *name)
{
	char path[PATH_MAX], text[64];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	if (read_text(path, text, sizeof(text)) <= 0)
		return -1;
	return strtoll(text, NULL, 0);
}

/* sysfs shows the same numbers as the ioctls. */
static void test_sysfs(void)
{
	struct drm_csa_counters c;
	char bdf[64], path[PATH_MAX], text[64];

	CU_ASSERT_EQUAL_FATAL(pci_name(bdf, sizeof(bdf)), 0);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "devmem_size"), (long long)info.devmem_size);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "ring_entries"), info.ring_entries);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "max_cmds"), info.max_cmds);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "capabilities"), (long long)info.capabilities);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/hw_version", bdf);
	CU_ASSERT(read_text(path, text, sizeof(text)) > 0);
	CU_ASSERT_EQUAL(strncmp(text, "1.", 2), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq_kind", bdf);
	CU_ASSERT(read_text(path, text, sizeof(text)) > 0);
	CU_ASSERT(!strcmp(text, "msix\n") || !strcmp(text, "msi\n") ||
		  !strcmp(text, "intx\n"));
	CU_ASSERT_EQUAL(get_counters(fd, &c), 0);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "counters/jobs_submitted"),
			(long long)c.jobs_submitted);
	CU_ASSERT_EQUAL(read_sysfs_num(bdf, "counters/resets"), (long long)c.resets);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM after @ms milliseconds */
static void alarm_ms(unsigned int ms)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * WAIT is interruptible: a signal without SA_RESTART ends it with EINTR,
 * and the same call made again (same absolute deadline) finishes the job;
 * with SA_RESTART the kernel restarts it by itself.
 */
static void test_wait_interrupted(void)
{
	struct sigaction sa, old;
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t fence = 0;
	int ret, err;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGALRM, &sa, &old), 0);

	/* a hung job stays unfinished until the timeout resets the device */
	alarms = 0;
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	memset(&w, 0, sizeof(w));
	w.fence = fence;
	w.timeout_ns = now_ns() + (job_timeout_ms + 10000) * 1000000ll;
	alarm_ms(200);
	ret = ioctl(fd, DRM_IOCTL_CSA_WAIT, &w);
	err = errno;
	CU_ASSERT_EQUAL(ret, -1);
	CU_ASSERT_EQUAL(err, EINTR);
	CU_ASSERT_EQUAL(alarms, 1);

	sa.sa_flags = SA_RESTART;
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGALRM, &sa, NULL), 0);
	alarm_ms(200);
	ret = ioctl(fd, DRM_IOCTL_CSA_WAIT, &w);
	CU_ASSERT_EQUAL(ret, 0);
	/* the signal arrived while waiting and the wait went on */
	CU_ASSERT_EQUAL(alarms, 2);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_TIMEOUT);
	alarm_ms(0);
	sigaction(SIGALRM, &old, NULL);
}

struct submitter {
	int ok;
	uint64_t last;
};

/* Each thread submits 200 jobs on the shared file and waits for each. */
static void *submit_thread(void *arg)
{
	struct submitter *t = arg;
	struct drm_csa_cmd c[2] = { cmd_nop(), cmd_nop() };
	struct drm_csa_wait w;
	uint64_t fence;
	int i;

	for (i = 0; i < 200; i++) {
		if (submit(fd, c, 1 + (i & 1), &fence))
			break;
		if (fence <= t->last)
			break;	/* fences of one file only grow */
		t->last = fence;
		if (!(i % 10) &&
		    (wait_fence(fd, fence, 10ll * 1000000000, &w) ||
		     w.status != CSA_STATUS_OK))
			break;
	}
	t->ok = i == 200 &&
		wait_fence(fd, t->last, 10ll * 1000000000, &w) == 0 &&
		w.status == CSA_STATUS_OK;
	return NULL;
}

static void test_concurrent_submits(void)
{
	struct drm_csa_counters a, b;
	struct submitter t[4];
	pthread_t th[4];
	int i;

	memset(t, 0, sizeof(t));
	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, submit_thread, &t[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_TRUE(t[i].ok);
	}
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.jobs_submitted, a.jobs_submitted + 800);
}

/* ---- isolation ---------------------------------------------------------- */

/* Run @fn in a child with its own open of the device; its exit code. */
static int in_child(int (*fn)(int f, void *arg), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int f = open(dev_path, O_RDWR | O_CLOEXEC);

		_exit(f < 0 ? 100 : fn(f, arg));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

struct parent_objs {
	uint32_t host, dev;
	uint64_t host_mmap, fence;
};

static int child_probe_parent(int f, void *arg)
{
	struct parent_objs *p = arg;
	struct drm_csa_bo_info bi = { .handle = p->dev };
	struct drm_csa_cmd c = cmd_dma(CSA_OP_DMA_D2H, p->host, 0, p->dev, 0, 64);
	struct drm_csa_wait w = { .fence = p->fence };
	void *m;

	if (xioctl(f, DRM_IOCTL_CSA_BO_INFO, &bi) != -ENOENT)
		return 1;
	bi.handle = p->host;
	if (xioctl(f, DRM_IOCTL_CSA_BO_INFO, &bi) != -ENOENT)
		return 2;
	if (submit(f, &c, 1, NULL) != -ENOENT)
		return 3;
	if (xioctl(f, DRM_IOCTL_CSA_WAIT, &w) != -EINVAL)
		return 4;
	/* the parent's mmap offset means nothing on this file */
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, (off_t)p->host_mmap);
	if (m != MAP_FAILED)
		return 5;
	return 0;
}

static void test_isolation_handles(void)
{
	struct parent_objs p;
	struct drm_csa_cmd c = cmd_nop();

	p.host = host_bo;
	p.dev = dev_bo;
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, 4096, CSA_BO_HOST, &p.host, &p.host_mmap), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &p.fence), 0);
	CU_ASSERT_EQUAL(in_child(child_probe_parent, &p), 0);
	gem_close(fd, p.host);
}

static int child_make_bos(int f, void *arg)
{
	uint32_t *handles = arg;
	uint32_t h1 = 0, h2 = 0;

	(void)handles;
	/* a fresh file numbers its handles from the start, like the parent */
	if (bo_create(f, 4096, CSA_BO_DEVICE, &h1, NULL) ||
	    bo_create(f, 4096, CSA_BO_HOST, &h2, NULL))
		return 1;
	return h1 == 1 ? 0 : 2;
}

/* The same handle number in two files names two different buffers. */
static void test_isolation_same_number(void)
{
	struct drm_csa_info a, b;

	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &a), 0);
	CU_ASSERT_EQUAL(in_child(child_make_bos, NULL), 0);
	/* the child's BOs died with its file */
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &b), 0);
	CU_ASSERT_EQUAL(b.devmem_used, a.devmem_used);
	/* and ours are untouched */
	{
		struct drm_csa_bo_info bi = { .handle = dev_bo };

		CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_BO_INFO, &bi), 0);
		CU_ASSERT_EQUAL(bi.flags, CSA_BO_DEVICE);
	}
}

/* ---- faults ------------------------------------------------------------- */

static void test_inject_corrupt(void)
{
	struct drm_csa_cmd c[2] = { cmd_nop(), cmd_nop() };
	struct drm_csa_wait w;
	uint64_t fence = 0;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(inject("corrupt"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 2, &fence), 0);
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_BAD_OPCODE);
	CU_ASSERT_EQUAL(w.failed_index, 0);
	/* the device's CMD error was decoded and logged in debugfs */
	{
		char text[4096];

		CU_ASSERT(read_debugfs("errors", text, sizeof(text)) > 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "error_status 0x10"));
	}
	/* consumed: the next job is clean */
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 2, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

static void test_inject_bad_word(void)
{
	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL(inject("explode"), -EINVAL);
}

/*
 * A hung job times out: WAIT sees TIMEOUT, a job queued behind it is
 * aborted, the device is reset once, and the next job completes normally.
 */
static void test_inject_hang(void)
{
	struct drm_csa_counters a, b;
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t hung = 0, behind = 0, next = 0;
	int64_t t0, waited_ms;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &hung), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &behind), 0);
	/* before the timeout: still running */
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 200000000, NULL), -ETIME);
	t0 = now_ns();
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, hung, (job_timeout_ms + 10000) *
					 1000000ll, &w), 0);
	waited_ms = (now_ns() - t0) / 1000000;
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_TIMEOUT);
	CU_ASSERT(waited_ms <= job_timeout_ms + 5000);
	/* the reset aborts what was queued behind the hung job */
	CU_ASSERT_EQUAL(wait_fence(fd, behind, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
	CU_ASSERT_EQUAL(b.last_error_status, CSA_STATUS_TIMEOUT);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &next), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, next, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

/*
 * A clear aborted by a reset is run again: with the device hung by another
 * job, BO_CREATE waits for the timeout and the reset, then hands out a BO
 * that is zero, never one whose clear did not finish.
 */
static void test_device_bo_clear_reset(void)
{
	const size_t size = 256 * 1024;
	struct drm_csa_counters a, b;
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t hung = 0;
	uint32_t dbo = 0;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	dirty_device_memory(size, 0x5a);
	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &hung), 0);
	/* queued behind the hung job: aborted by the reset, then cleared again */
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, NULL), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_TIMEOUT);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
	CU_ASSERT_EQUAL(device_nonzero_bytes(dbo, size), 0);
	CU_ASSERT_EQUAL(gem_close(fd, dbo), 0);
}

/*
 * Many failing jobs in a row (each raises a device error interrupt): every
 * one reports its own status and the device keeps working.
 */
static void test_many_failing_jobs(void)
{
	struct drm_csa_cmd c = cmd_copy(dev_bo, 0, dev_bo, 64, 256);
	struct drm_csa_cmd nop = cmd_nop();
	struct drm_csa_wait w;
	uint64_t fence = 0, fences[400];
	int i, bad = 0;

	for (i = 0; i < 400; i++) {
		CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
		fences[i] = fence;
	}
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 20ll * 1000000000, &w), 0);
	for (i = 0; i < 400; i++)
		bad += wait_fence(fd, fences[i], 0, &w) != 0 ||
		       w.status != CSA_STATUS_OVERLAP || w.failed_index != 0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &nop, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

/* RESET aborts a hung job at once instead of at the timeout. */
static void test_reset_ioctl(void)
{
	struct drm_csa_counters a, b;
	struct drm_csa_reset r = { 0 };
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t hung = 0, next = 0;

	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &hung), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 100000000, NULL), -ETIME);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 2ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &next), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, next, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

/* ---- lifetime ----------------------------------------------------------- */

/* Poll until the device shows no job in flight and @used bytes of devmem. */
static int settle(uint64_t used, unsigned int max_ms)
{
	struct drm_csa_counters c;
	struct drm_csa_info i;
	unsigned int t;

	for (t = 0; t < max_ms; t += 50) {
		if (!get_counters(fd, &c) && c.in_flight == 0 &&
		    !xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &i) && i.devmem_used == used)
			return 0;
		usleep(50000);
	}
	return -1;
}

/*
 * Child: long work (several submits of many large device copies, so it is
 * still running when polled even if the device gets ahead of this CPU for a
 * while, also with a tiny ring), then report and sleep.
 */
static int child_long_job(int f, int ready_pipe, int hang)
{
	uint32_t n = info.max_cmds < 2000 ? info.max_cmds : 2000;
	uint32_t jobs = (8000 + n - 1) / n;
	struct drm_csa_cmd *c = calloc(n, sizeof(*c));
	uint32_t a = 0, b = 0, i;
	uint64_t fence = 0;
	const uint32_t chunk = 4u << 20;

	if (!c || bo_create(f, chunk, CSA_BO_DEVICE, &a, NULL) ||
	    bo_create(f, chunk, CSA_BO_DEVICE, &b, NULL))
		return 1;
	for (i = 0; i < n; i++)
		c[i] = i & 1 ? cmd_copy(b, 0, a, 0, chunk) : cmd_copy(a, 0, b, 0, chunk);
	if (hang && inject("hang"))
		return 2;
	if (jobs > 64)
		jobs = 64;
	for (i = 0; i < jobs; i++)
		if (submit(f, c, n, &fence))
			return 3;
	/* 'r': still running when the parent kills us; 'd': already done */
	{
		struct drm_csa_wait w;
		char state = wait_fence(f, fence, 0, &w) == -ETIME ? 'r' : 'd';

		if (state == 'd')
			fprintf(stderr, "long job already done: status %u index %u cycles %llu\n",
				w.status, w.failed_index, (unsigned long long)w.cycles);
		if (write(ready_pipe, &state, 1) != 1)
			return 4;
	}
	for (;;)
		pause();
}

static void kill_during_job(int hang)
{
	struct drm_csa_info before;
	int p[2];
	pid_t pid;
	char ch;
	int status;

	CU_ASSERT_EQUAL_FATAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &before), 0);
	CU_ASSERT_EQUAL_FATAL(settle(before.devmem_used, 1000), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int f = open(dev_path, O_RDWR);

		close(p[0]);
		_exit(f < 0 ? 100 : child_long_job(f, p[1], hang));
	}
	close(p[1]);
	CU_ASSERT_EQUAL(read(p[0], &ch, 1), 1);
	CU_ASSERT_EQUAL(ch, 'r');
	close(p[0]);
	{
		struct drm_csa_counters c;

		CU_ASSERT_EQUAL(get_counters(fd, &c), 0);
		/* the job is still on the device when the process dies */
		CU_ASSERT(c.in_flight >= 1);
	}
	kill(pid, SIGKILL);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* the job ends (or times out), then its BOs are freed */
	CU_ASSERT_EQUAL(settle(before.devmem_used, job_timeout_ms + 15000), 0);
	/* and the device still works */
	{
		struct drm_csa_cmd c = cmd_nop();
		struct drm_csa_wait w;
		uint64_t fence = 0;

		CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
		CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
		CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	}
}

static void test_kill_during_long_job(void)
{
	kill_during_job(0);
}

static void test_kill_during_hung_job(void)
{
	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	kill_during_job(1);
}

/* The open file pins the module: rmmod is refused, nothing is torn down. */
static void test_rmmod_with_open_file(void)
{
	long ret = syscall(SYS_delete_module, "csa", O_NONBLOCK);

	CU_ASSERT_EQUAL(ret, -1);
	CU_ASSERT(errno == EWOULDBLOCK || errno == EBUSY);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &info), 0);
}

/*
 * Unbind the driver (what device removal does) while a file is open, a BO
 * is mapped and a job was submitted: ioctls then fail with -ENODEV, the
 * mapping and the file close safely, and a rebind brings the device back.
 */
static void test_unbind_with_open_file(void)
{
	char bdf[64], path[PATH_MAX];
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_info i;
	uint32_t h = 0;
	uint64_t off = 0, fence = 0;
	unsigned char *m;
	int f2, t;

	if (getenv("CSA_SKIP_UNBIND")) {
		fprintf(stderr, "unbind test skipped (CSA_SKIP_UNBIND)\n");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(pci_name(bdf, sizeof(bdf)), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, 8192, CSA_BO_HOST, &h, &off), 0);
	m = map_bo(fd, off, 8192);
	CU_ASSERT_FATAL(m != NULL);
	memset(m, 0x5a, 8192);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);

	CU_ASSERT_EQUAL_FATAL(write_file("/sys/bus/pci/drivers/csa/unbind", bdf), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &i), -ENODEV);
	CU_ASSERT_EQUAL(submit(fd, &c, 1, NULL), -ENODEV);
	CU_ASSERT_EQUAL(bo_create(fd, 4096, CSA_BO_HOST, &h, NULL), -ENODEV);
	/* host memory stays readable; the file closes cleanly */
	CU_ASSERT_EQUAL(m[8191], 0x5a);
	CU_ASSERT_EQUAL(munmap(m, 8192), 0);
	CU_ASSERT_EQUAL(close(fd), 0);
	fd = -1;

	CU_ASSERT_EQUAL_FATAL(write_file("/sys/bus/pci/drivers/csa/bind", bdf), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	for (t = 0; t < 100 && access(dev_path, F_OK); t++)
		usleep(50000);
	f2 = open(dev_path, O_RDWR);
	CU_ASSERT_FATAL(f2 >= 0);
	CU_ASSERT_EQUAL(xioctl(f2, DRM_IOCTL_CSA_GET_INFO, &i), 0);
	CU_ASSERT_EQUAL(submit(f2, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(f2, fence, 10ll * 1000000000, NULL), 0);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	close(f2);
}

/*
 * QEMU device_del of the card while this process holds the node open (only
 * with CSA_EXPECT_DEVICE_DEL=1: the harness watches stdout for the marker
 * line and sends device_del to the QEMU monitor).  The open file then gets
 * -ENODEV from every ioctl and closes cleanly; the node goes away.
 */
static void test_device_del_with_open_file(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_info i;
	uint32_t h = 0;
	uint64_t off = 0, fence = 0;
	unsigned char *m;
	int t, ret = 0;

	if (!getenv("CSA_EXPECT_DEVICE_DEL"))
		return;
	/* the unbind test may have closed the suite's file */
	if (fd < 0)
		fd = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, 4096, CSA_BO_HOST, &h, &off), 0);
	m = map_bo(fd, off, 4096);
	CU_ASSERT_FATAL(m != NULL);
	m[0] = 0x42;
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	printf("\nCSA-READY-FOR-DEVICE-DEL\n");
	fflush(stdout);
	for (t = 0; t < 600; t++) {
		ret = xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &i);
		if (ret)
			break;
		usleep(100000);
	}
	CU_ASSERT_EQUAL(ret, -ENODEV);
	CU_ASSERT_EQUAL(submit(fd, &c, 1, NULL), -ENODEV);
	CU_ASSERT_EQUAL(m[0], 0x42);
	CU_ASSERT_EQUAL(munmap(m, 4096), 0);
	CU_ASSERT_EQUAL(close(fd), 0);
	fd = -1;
	CU_ASSERT_NOT_EQUAL(access(dev_path, F_OK), 0);
}

/* ---- boundary: every core ioctl an accel node accepts ------------------- */

static int prime_export(int f, uint32_t handle, int *out_fd)
{
	struct drm_prime_handle p = { .handle = handle,
				      .flags = DRM_CLOEXEC | DRM_RDWR };
	int ret = xioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	if (!ret)
		*out_fd = p.fd;
	return ret;
}

static int prime_import(int f, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = xioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	if (!ret)
		*handle = p.handle;
	return ret;
}

static int bo_info(int f, uint32_t handle, struct drm_csa_bo_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->handle = handle;
	return xioctl(f, DRM_IOCTL_CSA_BO_INFO, bi);
}

/* One DMA command, waited for; the job's status or -errno. */
static int dma_wait(int f, struct drm_csa_cmd c)
{
	struct drm_csa_wait w;
	uint64_t fence = 0;
	int ret = submit(f, &c, 1, &fence);

	if (ret)
		return ret;
	ret = wait_fence(f, fence, 20ll * 1000000000, &w);
	return ret ? ret : (int)w.status;
}

/*
 * A device BO's memory is not host memory: PRIME_HANDLE_TO_FD refuses it
 * (a dma-buf of it, mmapped without BAR2, used to map host physical memory
 * at the BO's device offset), with BAR2 and without.
 */
static void test_prime_device_bo_refused(void)
{
	int dmabuf = -1;

	CU_ASSERT_EQUAL(prime_export(fd, dev_bo, &dmabuf), -EOPNOTSUPP);
	if (dmabuf >= 0) {
		void *p = mmap(NULL, TEST_BO_SIZE, PROT_READ, MAP_SHARED,
			       dmabuf, 0);

		CU_ASSERT(p == MAP_FAILED);
		if (p != MAP_FAILED)
			munmap(p, TEST_BO_SIZE);
		close(dmabuf);
	}
}

/*
 * Host BOs export and import: the dma-buf maps the same pages, another open
 * file imports it and a DMA through its handle lands in the exporter's
 * mapping; importing into the exporting file gives back the same handle.
 */
static void test_prime_host_bo_both_ways(void)
{
	const size_t size = 64 * 1024;
	uint32_t h = 0, self = 0, imported = 0, f2_dev = 0;
	uint64_t off = 0;
	unsigned char *m, *dm;
	int dmabuf = -1, f2;
	size_t i;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &h, &off), 0);
	m = map_bo(fd, off, size);
	CU_ASSERT_FATAL(m != NULL);
	memset(m, 0x11, size);
	CU_ASSERT_EQUAL_FATAL(prime_export(fd, h, &dmabuf), 0);
	dm = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	CU_ASSERT_FATAL(dm != MAP_FAILED);
	CU_ASSERT_EQUAL(dm[size - 1], 0x11);
	dm[5] = 0x77;
	CU_ASSERT_EQUAL(m[5], 0x77);
	CU_ASSERT_EQUAL(prime_import(fd, dmabuf, &self), 0);
	CU_ASSERT_EQUAL(self, h);

	f2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(f2 >= 0);
	CU_ASSERT_EQUAL_FATAL(prime_import(f2, dmabuf, &imported), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(f2, size, CSA_BO_DEVICE, &f2_dev, NULL), 0);
	/* f2 fills its device BO from a pattern, then DMAs it into the import */
	{
		struct drm_csa_bo_info bi;
		uint32_t src = 0;
		uint64_t soff = 0;
		unsigned char *s;

		CU_ASSERT_EQUAL(bo_info(f2, imported, &bi), 0);
		CU_ASSERT_EQUAL(bi.flags, CSA_BO_HOST);
		CU_ASSERT_EQUAL(bi.size, size);
		CU_ASSERT_EQUAL_FATAL(bo_create(f2, size, CSA_BO_HOST, &src, &soff), 0);
		s = map_bo(f2, soff, size);
		CU_ASSERT_FATAL(s != NULL);
		for (i = 0; i < size; i++)
			s[i] = (unsigned char)(i * 13 + 1);
		CU_ASSERT_EQUAL(dma_wait(f2, cmd_dma(CSA_OP_DMA_H2D, src, 0,
						     f2_dev, 0, size)), 0);
		CU_ASSERT_EQUAL(dma_wait(f2, cmd_dma(CSA_OP_DMA_D2H, imported,
						     0, f2_dev, 0, size)), 0);
		for (i = 0; i < size; i++)
			bad += m[i] != (unsigned char)(i * 13 + 1);
		CU_ASSERT_EQUAL(bad, 0);
		/* and back: what the exporter writes, the importer's DMA reads */
		memset(m, 0x3c, size);
		CU_ASSERT_EQUAL(dma_wait(f2, cmd_dma(CSA_OP_DMA_H2D, imported,
						     0, f2_dev, 0, size)), 0);
		CU_ASSERT_EQUAL(dma_wait(f2, cmd_dma(CSA_OP_DMA_D2H, src, 0,
						     f2_dev, 0, size)), 0);
		for (i = 0, bad = 0; i < size; i++)
			bad += s[i] != 0x3c;
		CU_ASSERT_EQUAL(bad, 0);
		munmap(s, size);
	}
	close(f2);
	munmap(dm, size);
	close(dmabuf);
	munmap(m, size);
	gem_close(fd, h);
}

/*
 * A dma-buf of another exporter (the kernel's system heap) imports as a
 * host BO: the device reads what the CPU wrote into it and writes what the
 * CPU then reads (with the dma-buf's own CPU-access sync).
 */
static void test_prime_import_foreign(void)
{
	const size_t size = 64 * 1024;
	struct dma_heap_allocation_data a = {
		.len = size, .fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct dma_buf_sync sync;
	struct drm_csa_bo_info bi;
	uint32_t h = 0, d = 0;
	unsigned char *m;
	size_t i;
	int heap, bad = 0;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap < 0) {
		CU_FAIL("no /dev/dma_heap/system (CONFIG_DMABUF_HEAPS_SYSTEM)");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(xioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a), 0);
	close(heap);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)a.fd, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW;
	CU_ASSERT_EQUAL(xioctl((int)a.fd, DMA_BUF_IOCTL_SYNC, &sync), 0);
	for (i = 0; i < size; i++)
		m[i] = (unsigned char)(i * 3 + 7);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	CU_ASSERT_EQUAL(xioctl((int)a.fd, DMA_BUF_IOCTL_SYNC, &sync), 0);

	CU_ASSERT_EQUAL_FATAL(prime_import(fd, (int)a.fd, &h), 0);
	CU_ASSERT_EQUAL(bo_info(fd, h, &bi), 0);
	CU_ASSERT_EQUAL(bi.flags, CSA_BO_HOST);
	CU_ASSERT_EQUAL(bi.size, size);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &d, NULL), 0);
	/* heap -> device, device -> heap at an offset, compare */
	CU_ASSERT_EQUAL(dma_wait(fd, cmd_dma(CSA_OP_DMA_H2D, h, 0, d, 0, size)), 0);
	CU_ASSERT_EQUAL(dma_wait(fd, cmd_dma(CSA_OP_DMA_D2H, h, 4096, d, 0,
					     size - 4096)), 0);
	sync.flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ;
	CU_ASSERT_EQUAL(xioctl((int)a.fd, DMA_BUF_IOCTL_SYNC, &sync), 0);
	for (i = 4096; i < size; i++)
		bad += m[i] != (unsigned char)((i - 4096) * 3 + 7);
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
	CU_ASSERT_EQUAL(xioctl((int)a.fd, DMA_BUF_IOCTL_SYNC, &sync), 0);
	CU_ASSERT_EQUAL(bad, 0);
	/* the import is the exporter's: the device BO refuses to stand in */
	CU_ASSERT_EQUAL(dma_wait(fd, cmd_dma(CSA_OP_DMA_H2D, d, 0, h, 0, 4096)),
			-EINVAL);
	munmap(m, size);
	gem_close(fd, h);
	gem_close(fd, d);
	close((int)a.fd);
}

/* Not a dma-buf, or no file at all: refused, nothing created. */
static void test_prime_import_garbage(void)
{
	uint32_t h = 0;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	CU_ASSERT_FATAL(null_fd >= 0);
	CU_ASSERT_NOT_EQUAL(prime_import(fd, null_fd, &h), 0);
	CU_ASSERT_EQUAL(prime_import(fd, fd, &h), -EINVAL);
	close(null_fd);
	CU_ASSERT_EQUAL(prime_import(fd, null_fd, &h), -EBADF);
	CU_ASSERT_EQUAL(prime_export(fd, 0xdead, &null_fd), -ENOENT);
}

/*
 * The core's dumb-buffer ioctls are reachable on an accel node: they must
 * not create BOs outside BO_CREATE's checks, nor mmap offsets for device
 * BOs (which, without BAR2, mapped host physical memory).
 */
static void test_dumb_refused(void)
{
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_map_dumb m = { .handle = dev_bo };

	CU_ASSERT_NOT_EQUAL(xioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	CU_ASSERT_EQUAL(c.handle, 0);
	CU_ASSERT_NOT_EQUAL(xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	m.handle = host_bo;
	m.offset = 0;
	CU_ASSERT_NOT_EQUAL(xioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
}

/*
 * mmap of a device BO: without BAR2 there is no offset and nothing maps;
 * with it, only the whole BO from its start, never more than the BO.
 */
static void test_device_bo_mmap_bounds(void)
{
	struct drm_csa_bo_info bi;
	void *p;

	CU_ASSERT_EQUAL_FATAL(bo_info(fd, dev_bo, &bi), 0);
	if (!(info.capabilities & CSA_CAP_DEVMEM_BAR)) {
		CU_ASSERT_EQUAL(bi.mmap_offset, 0);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		CU_ASSERT(p == MAP_FAILED);
		return;
	}
	CU_ASSERT_NOT_EQUAL_FATAL(bi.mmap_offset, 0);
	p = mmap(NULL, TEST_BO_SIZE + 4096, PROT_READ, MAP_SHARED, fd,
		 (off_t)bi.mmap_offset);
	CU_ASSERT(p == MAP_FAILED);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
		 (off_t)bi.mmap_offset + 4096);
	CU_ASSERT(p == MAP_FAILED);
	p = mmap(NULL, TEST_BO_SIZE, PROT_READ, MAP_SHARED, fd,
		 (off_t)bi.mmap_offset);
	CU_ASSERT(p != MAP_FAILED);
	if (p != MAP_FAILED)
		munmap(p, TEST_BO_SIZE);
}

/* Child of test_flink_open: an unprivileged user with the node open. */
static int child_unprivileged(void)
{
	struct drm_gem_flink fl = { .handle = 1 };
	struct drm_gem_open op = { .name = 1 };
	struct drm_csa_reset r = { 0 };
	int f;

	if (setgid(65534) || setuid(65534))
		return 10;
	f = open(dev_path, O_RDWR | O_CLOEXEC);
	if (f < 0)
		return 11;
	if (xioctl(f, DRM_IOCTL_GEM_FLINK, &fl) != -EACCES)
		return 12;
	if (xioctl(f, DRM_IOCTL_GEM_OPEN, &op) != -EACCES)
		return 13;
	if (xioctl(f, DRM_IOCTL_CSA_RESET, &r) != -EPERM)
		return 14;
	/* the node itself works for the user */
	if (xioctl(f, DRM_IOCTL_CSA_GET_INFO, &info))
		return 15;
	if (debugfs_dir[0] && inject("hang") != -EACCES)
		return 16;
	close(f);
	return 0;
}

/*
 * FLINK/OPEN are DRM_AUTH: on an accel node (no DRM master) only a
 * CAP_SYS_ADMIN opener has them.  Root can share BOs by name; what it opens
 * is the same BO, with the same placement rules (a device BO gets no mmap
 * offset without BAR2).  An ordinary user gets -EACCES, and -EPERM from
 * RESET.
 */
static void test_flink_open(void)
{
	struct drm_gem_flink fl = { .handle = dev_bo };
	struct drm_gem_open op = { 0 };
	struct drm_csa_bo_info bi;
	struct stat st;
	pid_t pid;
	int f2, status = -1;

	CU_ASSERT_EQUAL_FATAL(xioctl(fd, DRM_IOCTL_GEM_FLINK, &fl), 0);
	CU_ASSERT_NOT_EQUAL(fl.name, 0);
	f2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(f2 >= 0);
	op.name = fl.name;
	CU_ASSERT_EQUAL_FATAL(xioctl(f2, DRM_IOCTL_GEM_OPEN, &op), 0);
	CU_ASSERT_EQUAL(op.size, TEST_BO_SIZE);
	CU_ASSERT_EQUAL(bo_info(f2, op.handle, &bi), 0);
	CU_ASSERT_EQUAL(bi.flags, CSA_BO_DEVICE);
	if (!(info.capabilities & CSA_CAP_DEVMEM_BAR))
		CU_ASSERT_EQUAL(bi.mmap_offset, 0);
	/* the opened handle is usable and names the same memory */
	CU_ASSERT_EQUAL(dma_wait(f2, cmd_copy(op.handle, 0, op.handle, 8192,
					      4096)), 0);
	CU_ASSERT_EQUAL(gem_close(f2, op.handle), 0);
	close(f2);

	CU_ASSERT_EQUAL_FATAL(stat(dev_path, &st), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(dev_path, 0666), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child_unprivileged());
	waitpid(pid, &status, 0);
	chmod(dev_path, st.st_mode & 07777);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

/*
 * GEM_CLOSE: a second close fails; closing the handles of BOs a queued job
 * uses leaves the job its own references (it completes and writes the
 * memory another mapping still sees).
 */
static void test_gem_close(void)
{
	const size_t size = 64 * 1024;
	uint32_t h = 0, d = 0;
	uint64_t off = 0, fence = 0;
	struct drm_csa_cmd c[2];
	struct drm_csa_wait w;
	unsigned char *m;
	size_t i;
	int bad = 0;

	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &h, &off), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &d, NULL), 0);
	m = map_bo(fd, off, size);
	CU_ASSERT_FATAL(m != NULL);
	for (i = 0; i < size; i++)
		m[i] = (unsigned char)i;
	c[0] = cmd_dma(CSA_OP_DMA_H2D, h, 0, d, 0, size);
	c[1] = cmd_dma(CSA_OP_DMA_D2H, h, 0, d, 4, size - 4);
	CU_ASSERT_EQUAL_FATAL(submit(fd, c, 2, &fence), 0);
	CU_ASSERT_EQUAL(gem_close(fd, h), 0);
	CU_ASSERT_EQUAL(gem_close(fd, d), 0);
	CU_ASSERT_EQUAL(gem_close(fd, h), -EINVAL);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	for (i = 0; i < size - 4; i++)
		bad += m[i] != (unsigned char)(i + 4);
	CU_ASSERT_EQUAL(bad, 0);
	munmap(m, size);
}

/*
 * WAIT never says -ETIME before its deadline: a hung job, deadlines of 1, 2
 * and 3 ms, each started at a different point of the 4 ms jiffy (a spin of
 * k * 0.25 ms first): a wait rounded to whole jiffies ends at the next tick,
 * which can come before the deadline.
 */
static void test_wait_never_early(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_reset r = { 0 };
	struct drm_csa_wait w;
	uint64_t fence = 0;
	int k, early = 0;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	for (k = 0; k < 48; k++) {
		int64_t spin_end = now_ns() + (k % 16) * 250000ll;
		int64_t deadline, end;
		int ret;

		while (now_ns() < spin_end)
			;
		deadline = now_ns() + (1 + k / 16) * 1000000ll;
		memset(&w, 0, sizeof(w));
		w.fence = fence;
		w.timeout_ns = deadline;
		ret = xioctl(fd, DRM_IOCTL_CSA_WAIT, &w);
		end = now_ns();
		CU_ASSERT_EQUAL(ret, -ETIME);
		if (end < deadline && !early++)
			fprintf(stderr, "WAIT of %d ms returned %lld us early\n",
				1 + k / 16, (long long)(deadline - end) / 1000);
	}
	CU_ASSERT_EQUAL(early, 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
}

/*
 * fdinfo has the DRM usage keys: the driver's name, device time of the
 * file's jobs (grows with a job) and its BO memory per region.
 */
static void test_fdinfo(void)
{
	char path[64], buf[4096], *p;
	struct drm_csa_cmd c = cmd_nop();
	unsigned long long before = 0, after = 0;
	uint64_t fence = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	CU_ASSERT_FATAL(read_text(path, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "drm-driver:\tcsa\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "drm-total-host:\t"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "drm-total-device:\t"));
	p = strstr(buf, "drm-engine-csa:\t");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	before = strtoull(p + strlen("drm-engine-csa:\t"), NULL, 10);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL_FATAL(wait_fence(fd, fence, 10ll * 1000000000, NULL), 0);
	CU_ASSERT_FATAL(read_text(path, buf, sizeof(buf)) > 0);
	p = strstr(buf, "drm-engine-csa:\t");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	after = strtoull(p + strlen("drm-engine-csa:\t"), NULL, 10);
	CU_ASSERT(after > before);
}

/* The csa trace events record a job's submit, run and completion. */
static void test_tracepoints(void)
{
	const char *tr = "/sys/kernel/tracing";
	char path[128], want[96], *buf = malloc(1 << 16);
	struct drm_csa_cmd c = cmd_nop();
	uint64_t fence = 0;

	CU_ASSERT_FATAL(buf != NULL);
	if (access("/sys/kernel/tracing/trace", F_OK))
		mount("tracefs", tr, "tracefs", 0, NULL);
	snprintf(path, sizeof(path), "%s/events/csa/enable", tr);
	CU_ASSERT_EQUAL_FATAL(write_file(path, "1"), 0);
	snprintf(path, sizeof(path), "%s/trace", tr);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, NULL), 0);
	CU_ASSERT(read_text(path, buf, 1 << 16) > 0);
	snprintf(want, sizeof(want), "csa_submit: seqno=%llu descriptors=1",
		 (unsigned long long)fence);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	snprintf(want, sizeof(want), "csa_run: seqno=%llu descriptors=1",
		 (unsigned long long)fence);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	snprintf(want, sizeof(want), "csa_complete: seqno=%llu status=0",
		 (unsigned long long)fence);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	snprintf(path, sizeof(path), "%s/events/csa/enable", tr);
	write_file(path, "0");
	free(buf);
}

/* ---- limits ------------------------------------------------------------- */

#define FILE_MAX_JOBS		1024		/* CSA_FILE_MAX_JOBS */
#define FILE_MAX_SG_BYTES	(64u << 20)	/* CSA_FILE_MAX_SG_BYTES */

/* Submit @c until one fails; how many were accepted, the error in *err. */
static unsigned int submit_until_refused(int f, struct drm_csa_cmd *c,
					 uint32_t n, unsigned int max, int *err,
					 uint64_t *last)
{
	unsigned int i;

	*err = 0;
	for (i = 0; i < max; i++) {
		*err = submit(f, c, n, last);
		if (*err)
			break;
	}
	return i;
}

/* Submit once, retrying -EBUSY while the file's jobs are freed (5 s). */
static int submit_when_room(int f, struct drm_csa_cmd *c, uint32_t n,
			    uint64_t *fence)
{
	int t, ret = -EBUSY;

	for (t = 0; t < 100 && ret == -EBUSY; t++) {
		ret = submit(f, c, n, fence);
		if (ret == -EBUSY)
			usleep(50000);
	}
	return ret;
}

/*
 * A file can have CSA_FILE_MAX_JOBS jobs unfinished, then SUBMIT says
 * -EBUSY; other files are not charged for it; once the jobs are done the
 * file submits again.  The device is hung (injected) so none can finish
 * while counting.
 */
static void test_limit_jobs_in_flight(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_reset r = { 0 };
	struct drm_csa_wait w;
	uint64_t last = 0, other = 0, next = 0;
	unsigned int n;
	int err, f2;

	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	n = submit_until_refused(fd, &c, 1, FILE_MAX_JOBS + 8, &err, &last);
	CU_ASSERT_EQUAL(n, FILE_MAX_JOBS);
	CU_ASSERT_EQUAL(err, -EBUSY);
	f2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(f2 >= 0);
	CU_ASSERT_EQUAL(submit(f2, &c, 1, &other), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, last, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(wait_fence(f2, other, 20ll * 1000000000, &w), 0);
	close(f2);
	CU_ASSERT_EQUAL_FATAL(submit_when_room(fd, &c, 1, &next), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, next, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

/*
 * SG tables are charged to the file: jobs of max_cmds small DMAs each (one
 * page of SG table per command) until the file holds CSA_FILE_MAX_SG_BYTES,
 * then -EBUSY; after the jobs are done the same job is accepted again.
 */
static void test_limit_sg_bytes(void)
{
	uint32_t n = info.max_cmds, i;
	uint64_t per_job = (uint64_t)n * 4096, last = 0;
	unsigned int expect = (unsigned int)(FILE_MAX_SG_BYTES / per_job);
	struct drm_csa_cmd *c = calloc(n, sizeof(*c));
	struct drm_csa_cmd nop = cmd_nop();
	struct drm_csa_reset r = { 0 };
	struct drm_csa_wait w;
	unsigned int got;
	int err;

	CU_ASSERT_FATAL(c != NULL);
	for (i = 0; i < n; i++)
		c[i] = cmd_dma(CSA_OP_DMA_H2D, host_bo, (i * 4) % TEST_BO_SIZE,
			       dev_bo, (i * 4) % TEST_BO_SIZE, 4);
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	/* the hang is consumed by a job of its own, with no SG table */
	CU_ASSERT_EQUAL_FATAL(submit(fd, &nop, 1, NULL), 0);
	got = submit_until_refused(fd, c, n, expect + 4, &err, &last);
	CU_ASSERT_EQUAL(got, expect);
	CU_ASSERT_EQUAL(err, -EBUSY);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	if (got)
		CU_ASSERT_EQUAL(wait_fence(fd, last, 60ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(submit_when_room(fd, c, n, &last), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, last, 60ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	free(c);
}

/* No host BO may pin more than half of RAM (it is pinned whole). */
static void test_limit_host_bo_size(void)
{
	struct sysinfo si;
	uint64_t ram, half;
	uint32_t h = 0;

	CU_ASSERT_EQUAL_FATAL(sysinfo(&si), 0);
	ram = (uint64_t)si.totalram * si.mem_unit;
	half = ram / 2;
	CU_ASSERT_EQUAL(bo_create(fd, half + (16u << 20), CSA_BO_HOST, &h, NULL),
			-E2BIG);
	CU_ASSERT_EQUAL(bo_create(fd, ram, CSA_BO_HOST, &h, NULL), -E2BIG);
}

/*
 * A failed reset wedges the device (injected: the next recovery acts as if
 * the card did not come back): SUBMIT is refused with -EIO instead of
 * resetting at every timeout; a RESET that works brings it back.
 */
static void test_wedged_after_failed_reset(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_reset r = { 0 };
	struct drm_csa_wait w;
	uint64_t hung = 0, next = 0;
	uint32_t d = 0;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &hung), 0);
	CU_ASSERT_EQUAL_FATAL(inject("reset-fail"), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), -EIO);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	CU_ASSERT_EQUAL(submit(fd, &c, 1, NULL), -EIO);
	CU_ASSERT_EQUAL(bo_create(fd, 4096, CSA_BO_DEVICE, &d, NULL), -EIO);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &next), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, next, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
}

/*
 * A hung job aborts its own file's queued work, not other files': file A
 * hangs the device and fills the ring (every credit taken), file B's job
 * waits in B's queue; after the timeout A's jobs are TIMEOUT/ABORTED and
 * B's runs normally.
 */
static void test_hang_spares_other_files(void)
{
	uint32_t n = info.max_cmds, i, jobs;
	struct drm_csa_cmd *c = calloc(n, sizeof(*c));
	struct drm_csa_cmd nop = cmd_nop();
	struct drm_csa_wait w;
	uint64_t hung = 0, last = 0, theirs = 0;
	int f2;

	CU_ASSERT_FATAL(c != NULL);
	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		free(c);
		return;
	}
	for (i = 0; i < n; i++)
		c[i] = cmd_nop();
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &nop, 1, &hung), 0);
	/* ring_entries - 1 credits: A's jobs take all of them and one more */
	jobs = (info.ring_entries - 1) / n + 1;
	for (i = 0; i < jobs; i++)
		CU_ASSERT_EQUAL_FATAL(submit(fd, c, n, &last), 0);
	f2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(f2 >= 0);
	CU_ASSERT_EQUAL_FATAL(submit(f2, &nop, 1, &theirs), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, (job_timeout_ms + 10000) *
				   1000000ll, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_TIMEOUT);
	CU_ASSERT_EQUAL(wait_fence(fd, last, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	CU_ASSERT_EQUAL(wait_fence(f2, theirs, 20ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	close(f2);
	free(c);
}

/* Delete every pending devcoredump (writing to "data" dismisses it). */
static void devcd_dismiss_all(void)
{
	glob_t g;
	size_t i;

	if (glob("/sys/class/devcoredump/devcd*/data", 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++)
		write_file(g.gl_pathv[i], "1");
	globfree(&g);
}

/* The text of this card's devcoredump, or -ENOENT. */
static ssize_t devcd_read(const char *bdf, char *buf, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX], data[PATH_MAX + 8];
	ssize_t n, ret = -ENOENT;
	glob_t g;
	size_t i;

	if (glob("/sys/class/devcoredump/devcd*", 0, NULL, &g))
		return -ENOENT;
	for (i = 0; i < g.gl_pathc && ret == -ENOENT; i++) {
		snprintf(link, sizeof(link), "%s/failing_device", g.gl_pathv[i]);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target,
			   bdf))
			continue;
		snprintf(data, sizeof(data), "%s/data", g.gl_pathv[i]);
		ret = read_text(data, buf, len);
		write_file(data, "1");
	}
	globfree(&g);
	return ret;
}

/*
 * A job timeout leaves a devcoredump of the card: registers, ring indices
 * and the hung job's descriptors, taken before the reset.
 */
static void test_hang_coredump(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	char bdf[64], want[64], *buf = malloc(65536);
	uint64_t hung = 0;

	CU_ASSERT_FATAL(buf != NULL);
	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		free(buf);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(pci_name(bdf, sizeof(bdf)), 0);
	devcd_dismiss_all();
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &hung), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, (job_timeout_ms + 10000) *
				   1000000ll, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_TIMEOUT);
	CU_ASSERT_FATAL(devcd_read(bdf, buf, 65536) > 0);
	snprintf(want, sizeof(want), "job: seqno %llu descriptors 1\n",
		 (unsigned long long)hung);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "csa devcoredump\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "reg STATUS: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "desc 0: opcode "));
	free(buf);
}

/*
 * System sleep: s2idle with pm_test=devices suspends every device, waits
 * pm_test_delay seconds and resumes them (CONFIG_PM_DEBUG).  Suspend must
 * quiesce: a job made to hang (on the ring, no doorbell) is aborted once
 * the job timeout has passed.  Resume programs the rings again (the
 * driver's SQ tail reads 0), device memory keeps its contents (a pattern
 * DMA'd in before reads back after) and new jobs complete.
 */
static void test_suspend_resume(void)
{
	const size_t size = 64 * 1024;
	struct drm_csa_counters c0, c1;
	struct drm_csa_cmd nop = cmd_nop(), c;
	struct drm_csa_wait w;
	uint32_t hbo = 0, dbo = 0;
	uint64_t hoff = 0, fence = 0, hung = 0;
	uint8_t *hv;
	size_t i;
	int bad = 0;

	/*
	 * A kernel without system sleep (the debug kernel's allnoconfig base)
	 * has no /sys/power/state, and csa.ko built for it no suspend or
	 * resume callbacks: nothing to test there.
	 */
	if (access("/sys/power/state", F_OK)) {
		printf("skipped: this kernel has no system sleep (no /sys/power/state) ");
		return;
	}
	if (access("/sys/power/pm_test", W_OK)) {
		CU_FAIL("no writable /sys/power/pm_test (CONFIG_PM_DEBUG)");
		return;
	}
	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_HOST, &hbo, &hoff), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, size, CSA_BO_DEVICE, &dbo, NULL), 0);
	hv = map_bo(fd, hoff, size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hv);
	for (i = 0; i < size; i++)
		hv[i] = (uint8_t)(i * 7 + 3);
	c = cmd_dma(CSA_OP_DMA_H2D, hbo, 0, dbo, 0, size);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	/* the ring's tail moves on (a second job if it just wrapped to 0) */
	CU_ASSERT_EQUAL(get_counters(fd, &c0), 0);
	if (c0.sq_tail == 0) {
		CU_ASSERT_EQUAL(submit(fd, &nop, 1, &fence), 0);
		CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, NULL), 0);
		CU_ASSERT_EQUAL(get_counters(fd, &c0), 0);
	}
	CU_ASSERT(c0.sq_tail != 0);
	/* a job on the ring that will never finish by itself */
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &nop, 1, &hung), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 0, NULL), -ETIME);

	CU_ASSERT_EQUAL(write_file("/sys/module/suspend/parameters/pm_test_delay",
				   "1"), 0);
	CU_ASSERT_EQUAL_FATAL(write_file("/sys/power/pm_test", "devices"), 0);
	CU_ASSERT_EQUAL(write_file("/sys/power/state", "freeze"), 0);
	CU_ASSERT_EQUAL(write_file("/sys/power/pm_test", "none"), 0);

	/* the hung job was aborted by the suspend, nothing else reset */
	CU_ASSERT_EQUAL(wait_fence(fd, hung, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	CU_ASSERT_EQUAL(get_counters(fd, &c1), 0);
	CU_ASSERT_EQUAL(c1.sq_tail, 0);
	CU_ASSERT_EQUAL(c1.resets, c0.resets);
	/* device memory kept its contents */
	memset(hv, 0, size);
	c = cmd_dma(CSA_OP_DMA_D2H, hbo, 0, dbo, 0, size);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	for (i = 0; i < size; i++)
		bad += hv[i] != (uint8_t)(i * 7 + 3);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(submit(fd, &nop, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	munmap(hv, size);
	gem_close(fd, hbo);
	gem_close(fd, dbo);
}

/*
 * A function reset from outside (sysfs "reset": a bus reset behind the
 * root port) wipes the card's rings: the driver's reset_prepare/reset_done
 * abort what was on them and program them again, so the next job runs at
 * once instead of timing out.  Only where the kernel offers a reset method.
 */
static void test_pci_reset(void)
{
	char bdf[64], path[PATH_MAX];
	struct drm_csa_counters a, b;
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_wait w;
	uint64_t fence = 0;

	CU_ASSERT_EQUAL_FATAL(pci_name(bdf, sizeof(bdf)), 0);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset", bdf);
	if (access(path, W_OK)) {
		fprintf(stderr, "pci reset test skipped: no %s\n", path);
		return;
	}
	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
	CU_ASSERT_EQUAL_FATAL(write_file(path, "1"), 0);
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &fence), 0);
	/* well before the job timeout would have reset the device */
	CU_ASSERT_EQUAL(wait_fence(fd, fence, job_timeout_ms / 2 * 1000000ll,
				   &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
}

/* ---- teardown ----------------------------------------------------------- */

static int read_reg(const char *bdf, uint32_t reg, uint32_t *val)
{
	char path[PATH_MAX];
	volatile uint32_t *regs;
	int f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	f = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (f < 0)
		return -errno;
	regs = mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);
	close(f);
	if (regs == MAP_FAILED)
		return -errno;
	*val = regs[reg / 4];
	munmap((void *)regs, 4096);
	return 0;
}

static int pci_command(const char *bdf, uint16_t *cmd)
{
	char path[PATH_MAX];
	int f;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -errno;
	n = pread(f, cmd, 2, 4);
	close(f);
	return n == 2 ? 0 : -EIO;
}

static long meminfo_kb(const char *key)
{
	char buf[4096], *p;

	if (read_text("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

static int rebind(const char *bdf)
{
	int t;

	if (write_file("/sys/bus/pci/drivers/csa/bind", bdf))
		return -1;
	for (t = 0; t < 100 && access(dev_path, F_OK); t++)
		usleep(50000);
	return access(dev_path, F_OK) ? -1 : 0;
}

/* Child: pins a 32 MiB host BO into a job that hangs the device. */
static int child_pin_and_hang(int ready)
{
	const size_t size = 32u << 20;
	uint32_t h = 0, d = 0;
	uint64_t off = 0;
	unsigned char *m;
	struct drm_csa_cmd c;
	int f = open(dev_path, O_RDWR | O_CLOEXEC);

	if (f < 0 || bo_create(f, size, CSA_BO_HOST, &h, &off) ||
	    bo_create(f, 4096, CSA_BO_DEVICE, &d, NULL))
		return 1;
	m = map_bo(f, off, size);
	if (!m)
		return 2;
	memset(m, 0x5a, size);
	munmap(m, size);
	if (inject("hang"))
		return 3;
	c = cmd_dma(CSA_OP_DMA_H2D, h, 0, d, 0, 4096);
	if (submit(f, &c, 1, NULL))
		return 4;
	/* the job holds the BO; drop the handle so only the job does */
	gem_close(f, h);
	if (write(ready, "r", 1) != 1)
		return 5;
	for (;;)
		pause();
}

/*
 * Unbind with a job on the ring, its BO pinned and no file open (its owner
 * was killed): removal stops the card before freeing (afterwards it holds
 * no ring address, is disabled, and bus mastering is off), completes the
 * job and frees it, so the BO's 32 MiB of shmem are given back.
 */
static void test_unbind_stops_card(void)
{
	char bdf[64], path[PATH_MAX], c;
	uint32_t v = 1;
	uint16_t cmd = 0xffff;
	long shmem_pinned, shmem_after = -1;
	pid_t pid;
	int p[2], t;

	if (getenv("CSA_SKIP_UNBIND") || !debugfs_dir[0])
		return;
	if (fd >= 0) {
		close(fd);
		fd = -1;
	}
	CU_ASSERT_EQUAL_FATAL(pci_name(bdf, sizeof(bdf)), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		_exit(child_pin_and_hang(p[1]));
	}
	close(p[1]);
	CU_ASSERT_EQUAL_FATAL(read(p[0], &c, 1), 1);
	close(p[0]);
	shmem_pinned = meminfo_kb("Shmem:");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	CU_ASSERT_EQUAL_FATAL(write_file("/sys/bus/pci/drivers/csa/unbind", bdf), 0);
	CU_ASSERT_EQUAL(pci_command(bdf, &cmd), 0);
	CU_ASSERT_EQUAL(cmd & 0x4, 0);	/* PCI_COMMAND_MASTER */
	/* registers read through sysfs need memory decoding on */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", bdf);
	CU_ASSERT_EQUAL(write_file(path, "1"), 0);
	CU_ASSERT_EQUAL(read_reg(bdf, CSA_REG_CONTROL, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(read_reg(bdf, CSA_REG_SQ_BASE_LO, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(read_reg(bdf, CSA_REG_CQ_BASE_LO, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(write_file(path, "0"), 0);
	for (t = 0; t < 50; t++) {
		shmem_after = meminfo_kb("Shmem:");
		if (shmem_after >= 0 && shmem_pinned - shmem_after >= 28 * 1024)
			break;
		usleep(100000);
	}
	if (shmem_pinned - shmem_after < 28 * 1024)
		fprintf(stderr, "Shmem %ld kB with the job, %ld kB after unbind\n",
			shmem_pinned, shmem_after);
	CU_ASSERT(shmem_pinned - shmem_after >= 28 * 1024);
	CU_ASSERT_EQUAL_FATAL(rebind(bdf), 0);
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT(fd >= 0);
}

/* ---- aer: recovery from PCI Express errors the host injects ------------- */

/*
 * Run only when named (CSA_TEST_SUITES=aer-nonfatal, aer-fatal): the host's
 * QEMU monitor must inject the error (pcie_aer_inject_error) when it sees
 * the marker line "CSA-VM: AER-<KIND>-NOW <CSA_AER_TARGET>"
 * (tests/vm/run-vm-test.sh).  A stream of device
 * copies keeps the ring busy from before the marker until the recovery has
 * run (the resets counter moves), so the error meets jobs on the card
 * whenever it arrives: each ends OK or ABORTED, at least one ABORTED; then
 * new work runs with every byte checked and device memory is back where it
 * was.  The kernel's side (AER messages, the driver's handlers) is checked
 * in the VM's log by tests/vm/init.sh.
 */
#define AER_RING_SLOTS	64
#define AER_JOB_NS	100000000ll	/* modelled time of one job */
#define AER_QUEUED_NS	1000000000ll	/* modelled time kept queued */
#define AER_WAIT_S	120

struct aer_tally {
	unsigned long ok, aborted, other;
};

static void aer_count(struct aer_tally *t, const struct drm_csa_wait *w)
{
	if (w->status == CSA_STATUS_OK) {
		t->ok++;
	} else if (w->status == CSA_STATUS_ABORTED) {
		t->aborted++;
	} else {
		if (!t->other++)
			fprintf(stderr, "aer: a job ended with status %u\n", w->status);
	}
}

/* Modelled nanoseconds of @n copies: guest time is virtual time (icount). */
static int64_t aer_time_job(struct drm_csa_cmd *c, uint32_t n)
{
	struct drm_csa_wait w;
	uint64_t fence = 0;
	int64_t t0 = now_ns();

	if (submit(fd, c, n, &fence) || wait_fence(fd, fence, 20ll * 1000000000, &w) ||
	    w.status != CSA_STATUS_OK)
		return -1;
	return now_ns() - t0;
}

static void aer_recovery(const char *kind)
{
	const uint32_t chunk = 4u << 20;
	uint32_t max = info.max_cmds < 2000 ? info.max_cmds : 2000;
	struct drm_csa_counters a, b;
	struct drm_csa_info before;
	struct drm_csa_cmd *c;
	struct drm_csa_wait w;
	struct aer_tally t = { 0 };
	uint64_t fences[AER_RING_SLOTS];
	uint32_t src = 0, dst = 0, n, queued, head = 0, tail = 0, i;
	int64_t one, job_ns, deadline;
	int ret = 0, recovered = 0;

	CU_ASSERT_EQUAL_FATAL(xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &before), 0);
	CU_ASSERT_EQUAL_FATAL(settle(before.devmem_used, 1000), 0);
	CU_ASSERT_EQUAL_FATAL(get_counters(fd, &a), 0);
	c = calloc(max, sizeof(*c));
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, chunk, CSA_BO_DEVICE, &src, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(bo_create(fd, chunk, CSA_BO_DEVICE, &dst, NULL), 0);
	for (i = 0; i < max; i++)
		c[i] = i & 1 ? cmd_copy(dst, 0, src, 0, chunk) :
			       cmd_copy(src, 0, dst, 0, chunk);
	/* jobs of about AER_JOB_NS each, enough of them for AER_QUEUED_NS */
	one = aer_time_job(c, 8);
	CU_ASSERT_FATAL(one > 0);
	n = (uint32_t)(AER_JOB_NS * 8 / one);
	n = n < 1 ? 1 : n > max ? max : n;
	job_ns = aer_time_job(c, n);
	/* (at most 2000 copies: far inside the job timeout, and a job that
	 * timed out would end TIMEOUT, which fails below) */
	CU_ASSERT_FATAL(job_ns > 0);
	queued = (uint32_t)(AER_QUEUED_NS / job_ns) + 2;
	queued = queued > AER_RING_SLOTS ? AER_RING_SLOTS : queued;
	printf("aer %s: jobs of %u 4 MiB copies (%lld us each), %u queued\n",
	       kind, n, (long long)(job_ns / 1000), queued);
	for (head = 0; head < queued; head++)
		CU_ASSERT_EQUAL_FATAL(submit(fd, c, n, &fences[head]), 0);
	/* CSA_AER_TARGET: the injector's name for the card, after the marker */
	printf("\nCSA-VM: AER-%s-NOW %s\n", kind,
	       getenv("CSA_AER_TARGET") ? getenv("CSA_AER_TARGET") : "");
	fflush(stdout);
	/* keep the ring busy until the recovery has run, or give up */
	deadline = now_ns() + AER_WAIT_S * 1000000000ll;
	while (tail < head) {
		ret = wait_fence(fd, fences[tail % AER_RING_SLOTS],
				 20ll * 1000000000, &w);
		if (ret) {
			fprintf(stderr, "aer: WAIT: %s\n", strerror(-ret));
			break;
		}
		aer_count(&t, &w);
		tail++;
		CU_ASSERT_EQUAL_FATAL(get_counters(fd, &b), 0);
		if (b.resets != a.resets) {
			recovered = 1;
			continue;	/* drain: no more submits */
		}
		if (now_ns() > deadline) {
			fprintf(stderr, "aer: no recovery within %d s: was the error injected?\n",
				AER_WAIT_S);
			break;
		}
		ret = submit(fd, c, n, &fences[head % AER_RING_SLOTS]);
		if (ret) {
			fprintf(stderr, "aer: SUBMIT during the recovery: %s\n",
				strerror(-ret));
			break;
		}
		head++;
	}
	printf("aer %s: %lu jobs OK, %lu ABORTED, %lu other; resets %llu -> %llu\n",
	       kind, t.ok, t.aborted, t.other, (unsigned long long)a.resets,
	       (unsigned long long)b.resets);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL_FATAL(recovered, 1);
	CU_ASSERT_EQUAL(b.resets, a.resets + 1);
	CU_ASSERT_EQUAL(t.other, 0);
	/* the error met jobs on the card: the ring was never empty */
	CU_ASSERT(t.aborted >= 1);
	free(c);
	CU_ASSERT_EQUAL(gem_close(fd, src), 0);
	CU_ASSERT_EQUAL(gem_close(fd, dst), 0);
	/* new work, every byte checked; nothing leaked */
	dma_round_trip(1);
	CU_ASSERT_EQUAL(settle(before.devmem_used, 10000), 0);
}

/* Uncorrectable non-fatal (Completion Abort): no reset of the link. */
static void test_aer_nonfatal(void)
{
	aer_recovery("NONFATAL");
}

/* Uncorrectable fatal (Malformed TLP): the root port resets the link. */
static void test_aer_fatal(void)
{
	aer_recovery("FATAL");
}

/* ---- registration ------------------------------------------------------- */

static int suite_init(void)
{
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "driver-tests: cannot open %s: %s\n", dev_path,
			strerror(errno));
		return -1;
	}
	if (xioctl(fd, DRM_IOCTL_CSA_GET_INFO, &info))
		return -1;
	if (bo_create(fd, TEST_BO_SIZE, CSA_BO_HOST, &host_bo, NULL) ||
	    bo_create(fd, TEST_BO_SIZE, CSA_BO_DEVICE, &dev_bo, NULL))
		return -1;
	return 0;
}

static int suite_fini(void)
{
	if (fd >= 0)
		close(fd);
	fd = -1;
	return 0;
}

/* ---- syncobj: in/out fences on SUBMIT (UAPI 1.3) ------------------------ */

/* libdrm 2.4.114 (Debian 12) predates vgem's fence ioctls. */
struct test_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};
struct test_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};
#define TEST_VGEM_FENCE_WRITE	0x1
#define TEST_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + 0x1, struct test_vgem_fence_attach)
#define TEST_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + 0x2, struct test_vgem_fence_signal)

/* The UAPI 1.1 struct: what a binary built before syncobjs passes. */
struct submit_v1_1 {
	__u64 cmds;
	__u32 num_cmds;
	__u32 cmd_size;
	__u32 flags;
	__u32 pad;
	__u64 fence;
};
#define TEST_IOCTL_CSA_SUBMIT_V1_1 \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_CSA_SUBMIT, struct submit_v1_1)

static int syncobj_create(int f, uint32_t flags, uint32_t *handle)
{
	struct drm_syncobj_create c = { .flags = flags };
	int ret = xioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &c);

	if (!ret)
		*handle = c.handle;
	return ret;
}

static int syncobj_destroy(int f, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	return xioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

/* Wait for a binary (point 0) or timeline point; 0, -ETIME or -errno. */
static int syncobj_wait_point(int f, uint32_t handle, uint64_t point,
			      int64_t rel_ns)
{
	struct drm_syncobj_timeline_wait w = {
		.handles = (uintptr_t)&handle, .points = (uintptr_t)&point,
		.count_handles = 1,
		.timeout_nsec = rel_ns ? now_ns() + rel_ns : 0,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	return xioctl(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
}

/* SUBMIT of one command with in and out syncobjs. */
static int submit_sync(int f, struct drm_csa_cmd *c,
		       const struct drm_csa_sync *in, uint32_t nin,
		       const struct drm_csa_sync *out, uint32_t nout,
		       uint64_t *fence)
{
	struct drm_csa_submit s = {
		.cmds = (uintptr_t)c, .num_cmds = 1, .cmd_size = sizeof(*c),
		.in_syncs = (uintptr_t)in, .num_in_syncs = nin,
		.out_syncs = (uintptr_t)out, .num_out_syncs = nout,
		.sync_size = nin || nout ? sizeof(struct drm_csa_sync) : 0,
	};
	int ret = xioctl(f, DRM_IOCTL_CSA_SUBMIT, &s);

	if (!ret && fence)
		*fence = s.fence;
	return ret;
}

/* poll(2) readiness of @f right now: 1 readable, 0 not, -errno */
static int readable_now(int f)
{
	struct pollfd p = { .fd = f, .events = POLLIN };
	int n = poll(&p, 1, 0);

	return n < 0 ? -errno : (n == 1 && (p.revents & POLLIN));
}

/* A binary struct of UAPI 1.1 (32 bytes) still submits and returns a fence. */
static void test_submit_v1_1_struct(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct submit_v1_1 s = { .cmds = (uintptr_t)&c, .num_cmds = 1,
				 .cmd_size = sizeof(c) };
	struct drm_csa_wait w;

	CU_ASSERT_EQUAL(sizeof(s), 32);
	CU_ASSERT_EQUAL(sizeof(struct drm_csa_submit), 64);
	CU_ASSERT_EQUAL(sizeof(struct drm_csa_sync), 16);
	CU_ASSERT_EQUAL_FATAL(xioctl(fd, TEST_IOCTL_CSA_SUBMIT_V1_1, &s), 0);
	CU_ASSERT(s.fence != 0);
	CU_ASSERT_EQUAL(wait_fence(fd, s.fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT(info.uapi_minor >= 3);
}

/* Every sync field is checked, and a refused SUBMIT queues nothing. */
static void test_submit_sync_rejects(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_sync sy[CSA_SUBMIT_MAX_SYNCS + 1];
	struct drm_csa_counters a, b;
	struct { struct drm_csa_sync s; uint32_t more[4]; } big[1];
	struct drm_csa_submit s;
	uint32_t h = 0, fenceless = 0;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED,
					     &h), 0);
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, 0, &fenceless), 0);
	for (i = 0; i <= CSA_SUBMIT_MAX_SYNCS; i++)
		sy[i] = (struct drm_csa_sync){ .handle = h };
	CU_ASSERT_EQUAL(get_counters(fd, &a), 0);
#define BASE_SUBMIT (struct drm_csa_submit){ .cmds = (uintptr_t)&c, \
	.num_cmds = 1, .cmd_size = sizeof(c), .in_syncs = (uintptr_t)sy, \
	.num_in_syncs = 1, .sync_size = sizeof(sy[0]) }
	/* counts */
	s = BASE_SUBMIT;
	s.num_in_syncs = CSA_SUBMIT_MAX_SYNCS + 1;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s = BASE_SUBMIT;
	s.out_syncs = (uintptr_t)sy;
	s.num_out_syncs = CSA_SUBMIT_MAX_SYNCS + 1;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	/* a pointer without a count */
	s = BASE_SUBMIT;
	s.num_in_syncs = 0;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s = BASE_SUBMIT;
	s.out_syncs = (uintptr_t)sy;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	/* pad2, sync_size */
	s = BASE_SUBMIT;
	s.pad2 = 1;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s = BASE_SUBMIT;
	s.sync_size = 0;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s = BASE_SUBMIT;
	s.sync_size = sizeof(sy[0]) - 4;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s = BASE_SUBMIT;
	s.sync_size = 8192;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	/* flags of an in and of an out entry */
	sy[0].flags = 1;
	s = BASE_SUBMIT;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	s.num_in_syncs = 0;
	s.in_syncs = 0;
	s.out_syncs = (uintptr_t)sy;
	s.num_out_syncs = 1;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	sy[0].flags = 0;
	/* unknown handles, in and out (0 is never a syncobj) */
	sy[1].handle = 0xdead;
	s = BASE_SUBMIT;
	s.num_in_syncs = 2;
	CU_ASSERT_EQUAL(raw_submit(&s), -ENOENT);
	s = BASE_SUBMIT;
	s.num_in_syncs = 0;
	s.in_syncs = 0;
	s.out_syncs = (uintptr_t)sy;
	s.num_out_syncs = 2;
	CU_ASSERT_EQUAL(raw_submit(&s), -ENOENT);
	sy[1].handle = 0;
	s.num_out_syncs = 2;
	CU_ASSERT_EQUAL(raw_submit(&s), -ENOENT);
	sy[1].handle = h;
	/* waiting on a syncobj with no fence, or on a point never submitted */
	sy[0].handle = fenceless;
	s = BASE_SUBMIT;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	sy[0].handle = h;
	sy[0].point = 5;
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	sy[0].point = 0;
	/* unreadable arrays */
	s = BASE_SUBMIT;
	s.in_syncs = 8;
	CU_ASSERT_EQUAL(raw_submit(&s), -EFAULT);
	/* a newer caller's larger entry: its extra bytes must be zero */
	memset(big, 0, sizeof(big));
	big[0].s.handle = h;
	big[0].more[3] = 1;
	s = BASE_SUBMIT;
	s.in_syncs = (uintptr_t)big;
	s.sync_size = sizeof(big[0]);
	CU_ASSERT_EQUAL(raw_submit(&s), -EINVAL);
	CU_ASSERT_EQUAL(get_counters(fd, &b), 0);
	CU_ASSERT_EQUAL(b.jobs_submitted, a.jobs_submitted);
	big[0].more[3] = 0;
	CU_ASSERT_EQUAL(raw_submit(&s), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, s.fence, 10ll * 1000000000, NULL), 0);
	/* the limit itself is allowed, in and out */
	s = BASE_SUBMIT;
	s.num_in_syncs = CSA_SUBMIT_MAX_SYNCS;
	s.out_syncs = (uintptr_t)sy;
	s.num_out_syncs = CSA_SUBMIT_MAX_SYNCS;
	CU_ASSERT_EQUAL(raw_submit(&s), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, s.fence, 10ll * 1000000000, NULL), 0);
#undef BASE_SUBMIT
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h), 0);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, fenceless), 0);
}

/*
 * An out-syncobj signals when the job completes, not before: a job made to
 * hang (it sits on the ring without a doorbell) keeps the syncobj, its
 * exported sync_file and an eventfd unsignalled, however long one looks;
 * RESET completes it (ABORTED) and all three signal.
 */
static void test_syncobj_out_fence(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_reset r = { 0 };
	struct drm_csa_sync out;
	struct drm_syncobj_handle exp;
	struct drm_syncobj_eventfd ev;
	struct drm_csa_wait w;
	uint64_t fence = 0, count = 0;
	uint32_t h = 0;
	int efd;

	if (!debugfs_dir[0]) {
		CU_FAIL("debugfs inject knob not found");
		return;
	}
	/* a plain job: the syncobj signals with it */
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, 0, &h), 0);
	out = (struct drm_csa_sync){ .handle = h };
	CU_ASSERT_EQUAL_FATAL(submit_sync(fd, &c, NULL, 0, &out, 1, &fence), 0);
	CU_ASSERT_EQUAL(syncobj_wait_point(fd, h, 0, 10ll * 1000000000), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 0, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);

	/* a hung job */
	CU_ASSERT_EQUAL_FATAL(inject("hang"), 0);
	CU_ASSERT_EQUAL_FATAL(submit_sync(fd, &c, NULL, 0, &out, 1, &fence), 0);
	exp = (struct drm_syncobj_handle){
		.handle = h, .flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1 };
	CU_ASSERT_EQUAL_FATAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &exp), 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CU_ASSERT_FATAL(efd >= 0);
	ev = (struct drm_syncobj_eventfd){ .handle = h, .fd = efd };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), 0);
	CU_ASSERT_EQUAL(syncobj_wait_point(fd, h, 0, 200000000), -ETIME);
	CU_ASSERT_EQUAL(readable_now(exp.fd), 0);
	CU_ASSERT_EQUAL(readable_now(efd), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 0, NULL), -ETIME);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_CSA_RESET, &r), 0);
	CU_ASSERT_EQUAL(syncobj_wait_point(fd, h, 0, 10ll * 1000000000), 0);
	{
		struct pollfd p = { .fd = exp.fd, .events = POLLIN };

		CU_ASSERT_EQUAL(poll(&p, 1, 10000), 1);
		p.fd = efd;
		CU_ASSERT_EQUAL(poll(&p, 1, 10000), 1);
	}
	CU_ASSERT_EQUAL(read(efd, &count, sizeof(count)), (ssize_t)sizeof(count));
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(wait_fence(fd, fence, 0, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_ABORTED);
	close(efd);
	close(exp.fd);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h), 0);
}

/*
 * Timeline points: jobs signal points 1, 2, 3 of one timeline syncobj (QUERY
 * sees 3); a job of another file waits on point 2 through the syncobj
 * shared by fd; an eventfd registered for point 4 before any job has it
 * fires only once the job signalling it has completed.
 */
static void test_syncobj_timeline(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_sync out, in;
	struct drm_syncobj_timeline_array q;
	struct drm_syncobj_handle exp;
	struct drm_syncobj_eventfd ev;
	struct drm_csa_wait w;
	uint64_t fence = 0, point = 0, count = 0;
	uint32_t h = 0, h2 = 0;
	int fd2, efd;
	uint64_t p;

	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, 0, &h), 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CU_ASSERT_FATAL(efd >= 0);
	ev = (struct drm_syncobj_eventfd){ .handle = h, .point = 4, .fd = efd };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), 0);
	for (p = 1; p <= 3; p++) {
		out = (struct drm_csa_sync){ .handle = h, .point = p };
		CU_ASSERT_EQUAL_FATAL(submit_sync(fd, &c, NULL, 0, &out, 1,
						  &fence), 0);
	}
	CU_ASSERT_EQUAL(syncobj_wait_point(fd, h, 3, 10ll * 1000000000), 0);
	q = (struct drm_syncobj_timeline_array){
		.handles = (uintptr_t)&h, .points = (uintptr_t)&point,
		.count_handles = 1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	CU_ASSERT_EQUAL(point, 3);
	CU_ASSERT_EQUAL(readable_now(efd), 0);	/* point 4 does not exist */

	/* another file waits on point 2 of the same syncobj */
	fd2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd2 >= 0);
	exp = (struct drm_syncobj_handle){ .handle = h, .fd = -1 };
	CU_ASSERT_EQUAL_FATAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &exp), 0);
	exp.handle = 0;
	CU_ASSERT_EQUAL_FATAL(xioctl(fd2, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &exp), 0);
	h2 = exp.handle;
	close(exp.fd);
	in = (struct drm_csa_sync){ .handle = h2, .point = 2 };
	out = (struct drm_csa_sync){ .handle = h2, .point = 4 };
	CU_ASSERT_EQUAL_FATAL(submit_sync(fd2, &c, &in, 1, &out, 1, &fence), 0);
	CU_ASSERT_EQUAL(wait_fence(fd2, fence, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	{
		struct pollfd pf = { .fd = efd, .events = POLLIN };

		CU_ASSERT_EQUAL(poll(&pf, 1, 10000), 1);
	}
	CU_ASSERT_EQUAL(read(efd, &count, sizeof(count)), (ssize_t)sizeof(count));
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_QUERY, &q), 0);
	CU_ASSERT_EQUAL(point, 4);
	/* a point that nothing will signal: the wait times out */
	CU_ASSERT_EQUAL(syncobj_wait_point(fd, h, 5, 1000000), -ETIME);
	close(efd);
	close(fd2);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h), 0);
}

/* The vgem device (its fences are signalled by the test), or -1. */
static int open_vgem(void)
{
	char path[32], name[16];
	int i, f;

	for (i = 0; i < 64; i++) {
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!xioctl(f, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return f;
		close(f);
	}
	return -1;
}

/*
 * In-fences hold a job back: a job of a second file waits on a fence the
 * test signals itself (a vgem fence, imported into a syncobj as a
 * sync_file).  While it is unsignalled the job does not run: a job
 * submitted after it by the first file completes (the device runs its ring
 * in order, so the waiting job is not on it), the waiting one does not;
 * once the test signals the fence, it runs and completes OK.
 */
static void test_syncobj_in_fence_waits(void)
{
	struct drm_mode_create_dumb dumb = { .width = 64, .height = 1, .bpp = 8 };
	struct test_vgem_fence_attach att = { 0 };
	struct test_vgem_fence_signal sig = { 0 };
	struct dma_buf_export_sync_file sf = { .flags = DMA_BUF_SYNC_RW, .fd = -1 };
	struct drm_prime_handle prime = { 0 };
	struct drm_syncobj_handle imp;
	struct drm_csa_cmd c = cmd_nop();
	struct drm_csa_sync in;
	struct drm_csa_wait w;
	uint64_t waiting = 0, other = 0;
	uint32_t h = 0;
	int vgem, fd2;

	vgem = open_vgem();
	if (vgem < 0) {
		CU_FAIL("vgem not loaded (/dev/dri/card* named vgem): the VM harness loads vgem.ko");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(xioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb), 0);
	att.handle = dumb.handle;
	att.flags = TEST_VGEM_FENCE_WRITE;
	CU_ASSERT_EQUAL_FATAL(xioctl(vgem, TEST_IOCTL_VGEM_FENCE_ATTACH, &att), 0);
	prime.handle = dumb.handle;
	prime.flags = DRM_CLOEXEC;
	CU_ASSERT_EQUAL_FATAL(xioctl(vgem, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime), 0);
	CU_ASSERT_EQUAL_FATAL(xioctl(prime.fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &sf), 0);
	CU_ASSERT_EQUAL(readable_now(sf.fd), 0);	/* the fence is pending */

	fd2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd2, 0, &h), 0);
	imp = (struct drm_syncobj_handle){
		.handle = h, .flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
		.fd = sf.fd };
	CU_ASSERT_EQUAL_FATAL(xioctl(fd2, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
	in = (struct drm_csa_sync){ .handle = h };
	CU_ASSERT_EQUAL_FATAL(submit_sync(fd2, &c, &in, 1, NULL, 0, &waiting), 0);
	/* submitted after it, by another file: completes first */
	CU_ASSERT_EQUAL_FATAL(submit(fd, &c, 1, &other), 0);
	CU_ASSERT_EQUAL(wait_fence(fd, other, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(wait_fence(fd2, waiting, 100000000, NULL), -ETIME);
	/* the test signals the fence: the job runs */
	sig.fence = att.out_fence;
	CU_ASSERT_EQUAL(xioctl(vgem, TEST_IOCTL_VGEM_FENCE_SIGNAL, &sig), 0);
	CU_ASSERT_EQUAL(wait_fence(fd2, waiting, 10ll * 1000000000, &w), 0);
	CU_ASSERT_EQUAL(w.status, CSA_STATUS_OK);
	CU_ASSERT_EQUAL(syncobj_destroy(fd2, h), 0);
	close(fd2);
	close(sf.fd);
	close(prime.fd);
	close(vgem);
}

/*
 * The core SYNCOBJ_* ioctls on the node: each with a bad handle, fd or
 * flag is refused cleanly; a syncobj with a pending job's fence outlives
 * the file that made it (closing it is safe and the job still completes).
 */
static void test_syncobj_core_ioctls(void)
{
	struct drm_csa_cmd c = cmd_nop();
	struct drm_syncobj_handle hd;
	struct drm_syncobj_array arr;
	struct drm_syncobj_timeline_array ta;
	struct drm_syncobj_transfer tr;
	struct drm_syncobj_wait sw;
	struct drm_csa_sync out;
	uint32_t h = 0, h2 = 0, bad = 0xdead;
	uint64_t pt = 1, fence = 0;
	int fd2, sfd;

	CU_ASSERT_EQUAL(syncobj_destroy(fd, bad), -EINVAL);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, 0), -EINVAL);
	hd = (struct drm_syncobj_handle){ .handle = bad, .fd = -1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &hd), -EINVAL);
	hd = (struct drm_syncobj_handle){ .fd = 0x7fff };
	CU_ASSERT(xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &hd) < 0);
	hd = (struct drm_syncobj_handle){ .fd = fd };	/* not a syncobj fd */
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &hd), -EINVAL);
	sw = (struct drm_syncobj_wait){ .handles = (uintptr_t)&bad,
					.count_handles = 1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw), -ENOENT);
	sw.flags = 0x80000000u;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &sw), -EINVAL);
	arr = (struct drm_syncobj_array){ .handles = (uintptr_t)&bad,
					  .count_handles = 1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &arr), -ENOENT);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &arr), -ENOENT);
	{
		struct drm_syncobj_create cr = { .flags = 0x80 };

		CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &cr), -EINVAL);
	}

	/* a fenceless syncobj exports no sync_file; SIGNAL gives it one */
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, 0, &h), 0);
	hd = (struct drm_syncobj_handle){
		.handle = h, .flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &hd), -EINVAL);
	arr = (struct drm_syncobj_array){ .handles = (uintptr_t)&h,
					  .count_handles = 1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &arr), 0);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &hd), 0);
	CU_ASSERT_EQUAL(readable_now(hd.fd), 1);
	close(hd.fd);
	/* timeline signal and transfer between syncobjs */
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd, 0, &h2), 0);
	ta = (struct drm_syncobj_timeline_array){ .handles = (uintptr_t)&h2,
		.points = (uintptr_t)&pt, .count_handles = 1 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &ta), 0);
	tr = (struct drm_syncobj_transfer){ .src_handle = h2, .dst_handle = h,
					    .src_point = 1, .dst_point = 0 };
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), 0);
	tr.pad = 1;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), -EINVAL);
	tr.pad = 0;
	tr.src_handle = bad;
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &tr), -ENOENT);
	CU_ASSERT_EQUAL(xioctl(fd, DRM_IOCTL_SYNCOBJ_RESET, &arr), 0);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h2), 0);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h), 0);
	CU_ASSERT_EQUAL(syncobj_destroy(fd, h), -EINVAL);

	/* a file closes while its syncobj holds a pending job's fence */
	fd2 = open(dev_path, O_RDWR | O_CLOEXEC);
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT_EQUAL_FATAL(syncobj_create(fd2, 0, &h), 0);
	out = (struct drm_csa_sync){ .handle = h };
	CU_ASSERT_EQUAL_FATAL(submit_sync(fd2, &c, NULL, 0, &out, 1, &fence), 0);
	hd = (struct drm_syncobj_handle){
		.handle = h, .flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
		.fd = -1 };
	CU_ASSERT_EQUAL_FATAL(xioctl(fd2, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &hd), 0);
	sfd = hd.fd;
	close(fd2);
	{
		struct pollfd p = { .fd = sfd, .events = POLLIN };

		CU_ASSERT_EQUAL(poll(&p, 1, 10000), 1);
	}
	close(sfd);
}

struct test_def {
	const char *name;
	void (*fn)(void);
};

#define T(fn) { #fn, fn }

static const struct test_def rejects[] = {
	T(test_bo_create_bad_flags), T(test_bo_create_zero_size),
	T(test_bo_create_too_big), T(test_bo_info_bad_handle),
	T(test_submit_flags), T(test_submit_pad),
	T(test_submit_num_cmds_zero), T(test_submit_num_cmds_too_many),
	T(test_submit_cmd_size_small), T(test_submit_cmd_size_huge),
	T(test_submit_cmd_size_growth), T(test_submit_bad_pointer),
	T(test_cmd_bad_opcode), T(test_cmd_unknown_flag), T(test_cmd_dependency),
	T(test_cmd_flag_not_for_opcode), T(test_cmd_unused_arg),
	T(test_cmd_unused_buf_handle), T(test_cmd_unused_buf_offset),
	T(test_cmd_buf_pad), T(test_cmd_missing_handle),
	T(test_cmd_unknown_handle), T(test_cmd_wrong_placement),
	T(test_cmd_offset_out_of_range), T(test_cmd_size_out_of_range),
	T(test_cmd_bad_size_arg), T(test_cmd_bad_in_middle),
	T(test_wait_bad_fence), T(test_reset_flags), T(test_reset_pad),
	T(test_unknown_ioctl), { NULL, NULL },
};

static const struct test_def basics[] = {
	T(test_get_info), T(test_bo_info), T(test_devmem_accounting),
	T(test_nop_and_fence), T(test_dma_round_trip),
	T(test_dma_copy_round_trip),
	T(test_device_bo_mmap), T(test_device_bo_cleared),
	T(test_device_bo_cleared_large),
	T(test_device_error_status),
	T(test_wait_poll_and_many), T(test_concurrent_submits),
	T(test_counters), T(test_sysfs),
	{ NULL, NULL },
};

static const struct test_def isolation[] = {
	T(test_isolation_handles), T(test_isolation_same_number),
	{ NULL, NULL },
};

static const struct test_def faults[] = {
	T(test_inject_bad_word), T(test_inject_corrupt), T(test_inject_hang),
	T(test_device_bo_clear_reset),
	T(test_wait_interrupted), T(test_many_failing_jobs), T(test_reset_ioctl),
	{ NULL, NULL },
};

static const struct test_def lifetime[] = {
	T(test_kill_during_long_job), T(test_kill_during_hung_job),
	T(test_suspend_resume), T(test_pci_reset),
	T(test_rmmod_with_open_file), T(test_unbind_with_open_file),
	T(test_unbind_stops_card),
	T(test_device_del_with_open_file), { NULL, NULL },
};

/* every core and driver ioctl at the trust boundary, with BAR2 or without */
static const struct test_def boundary[] = {
	T(test_prime_device_bo_refused), T(test_prime_host_bo_both_ways),
	T(test_prime_import_foreign), T(test_prime_import_garbage),
	T(test_dumb_refused), T(test_device_bo_mmap_bounds),
	T(test_flink_open), T(test_gem_close), T(test_syncobj_core_ioctls),
	T(test_wait_never_early), T(test_fdinfo), T(test_tracepoints),
	{ NULL, NULL },
};

static const struct test_def syncobj[] = {
	T(test_submit_v1_1_struct), T(test_submit_sync_rejects),
	T(test_syncobj_out_fence), T(test_syncobj_timeline),
	T(test_syncobj_in_fence_waits),
	{ NULL, NULL },
};

static const struct test_def limits[] = {
	T(test_limit_jobs_in_flight), T(test_limit_sg_bytes),
	T(test_limit_host_bo_size), T(test_wedged_after_failed_reset),
	T(test_hang_spares_other_files), T(test_hang_coredump),
	{ NULL, NULL },
};

/* run only when CSA_TEST_SUITES names them: they need the host's help */
static const struct test_def aer_nonfatal[] = {
	T(test_aer_nonfatal), { NULL, NULL },
};

static const struct test_def aer_fatal[] = {
	T(test_aer_fatal), { NULL, NULL },
};

static int add_suite(const char *name, const struct test_def *t)
{
	const char *only = getenv("CSA_TEST_SUITES");
	CU_pSuite s;
	char want[64];

	/* CSA_TEST_SUITES=a,b runs only those suites */
	snprintf(want, sizeof(want), ",%s,", name);
	if ((t == aer_nonfatal || t == aer_fatal) && !only)
		return 0;
	if (only) {
		char list[256];

		snprintf(list, sizeof(list), ",%s,", only);
		if (!strstr(list, want))
			return 0;
	}
	s = CU_add_suite(name, suite_init, suite_fini);
	if (!s)
		return -1;
	for (; t->name; t++)
		if (!CU_add_test(s, t->name, t->fn))
			return -1;
	return 0;
}

int main(void)
{
	const char *env;
	unsigned int failures;

	env = getenv("CSA_ACCEL_DEV");
	if (env)
		dev_path = env;
	env = getenv("CSA_JOB_TIMEOUT_MS");
	if (env)
		job_timeout_ms = (unsigned int)strtoul(env, NULL, 0);
	find_debugfs();

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (add_suite("rejects", rejects) || add_suite("basics", basics) ||
	    add_suite("isolation", isolation) ||
	    add_suite("boundary", boundary) || add_suite("syncobj", syncobj) ||
	    add_suite("limits", limits) ||
	    add_suite("faults", faults) || add_suite("lifetime", lifetime) ||
	    add_suite("aer-nonfatal", aer_nonfatal) ||
	    add_suite("aer-fatal", aer_fatal)) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() +
		   CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
