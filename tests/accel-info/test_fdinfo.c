// SPDX-License-Identifier: MIT
/*
 * test_fdinfo.c - the DRM fdinfo parser on the key set of
 * Documentation/gpu/drm-usage-stats.rst, and the process scan on a
 * constructed /proc tree (dup'ed files of one client, other drivers,
 * other cards, unreadable entries).
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/accel-info/suites.h"
#include "userspace-tools/accel-info/fdinfo.h"

static const char sample[] =
	"pos:\t0\n"
	"flags:\t02100002\n"
	"mnt_id:\t26\n"
	"ino:\t685\n"
	"drm-driver:\tcsa\n"
	"drm-client-id:\t7\n"
	"drm-pdev:\t0000:00:03.0\n"
	"drm-engine-bcq:\t1234567 ns\n"
	"drm-engine-pim:\t89 ns\n"
	"drm-engine-capacity-bcq:\t1\n"
	"drm-cycles-bcq:\t4000\n"
	"drm-total-devmem:\t1612 KiB\n"
	"drm-resident-devmem:\t2 MiB\n";

static void test_parse_sample(void)
{
	struct fdinfo_client c;
	uint64_t v;

	CU_ASSERT_EQUAL(fdinfo_parse(sample, &c), 1);
	CU_ASSERT_STRING_EQUAL(c.driver, "csa");
	CU_ASSERT_STRING_EQUAL(c.pdev, "0000:00:03.0");
	CU_ASSERT(c.have_client_id && c.client_id == 7);
	CU_ASSERT(fdinfo_get(&c, "engine-bcq", &v) && v == 1234567);
	CU_ASSERT(fdinfo_get(&c, "engine-pim", &v) && v == 89);
	CU_ASSERT(fdinfo_get(&c, "cycles-bcq", &v) && v == 4000);
	CU_ASSERT(fdinfo_get(&c, "total-devmem", &v) && v == 1612 * 1024);
	CU_ASSERT(fdinfo_get(&c, "resident-devmem", &v) && v == 2 * 1024 * 1024);
	CU_ASSERT(!fdinfo_get(&c, "engine-capacity-bcq", &v));	/* not usage */
	CU_ASSERT(!fdinfo_get(&c, "engine-dma", &v));
	/* not a DRM file */
	CU_ASSERT_EQUAL(fdinfo_parse("pos:\t0\nflags:\t0100002\n", &c), 0);
	/* malformed drm-* values are refused, not half-read */
	CU_ASSERT_EQUAL(fdinfo_parse("drm-driver:\tcsa\ndrm-engine-bcq:\tlots ns\n", &c), -EINVAL);
	/* a unit this reader does not know (a later kernel's): that key is
	 * skipped, the rest kept */
	CU_ASSERT_EQUAL(fdinfo_parse("drm-driver:\tcsa\ndrm-total-x:\t5 PiB\ndrm-cycles-bcq:\t9\n", &c), 1);
	CU_ASSERT(!fdinfo_get(&c, "total-x", &v));
	CU_ASSERT(fdinfo_get(&c, "cycles-bcq", &v) && v == 9);
	CU_ASSERT_EQUAL(fdinfo_parse("drm-driver:\tcsa\ndrm-maxfreq-bcq:\t250 MHz\n", &c), 1);
	CU_ASSERT(fdinfo_get(&c, "maxfreq-bcq", &v) && v == 250000000);
	CU_ASSERT_EQUAL(fdinfo_parse("drm-driver csa\n", &c), -EINVAL);
	CU_ASSERT_EQUAL(fdinfo_parse("drm-driver:\tcsa\ndrm-total-x:\t99999999999999999999 KiB\n", &c),
			-EINVAL);
}

static char root[] = "/tmp/test-fdinfo-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_scan_tree(void)
{
	struct fdinfo_client c[8];
	char other[sizeof(sample) + 16];
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	put("100/comm", "accel-llm\n");
	put("100/fdinfo/3", sample);
	put("100/fdinfo/4", sample);		/* a dup of the same client */
	put("100/fdinfo/5", "pos:\t0\nflags:\t0\n");
	put("200/comm", "glxgears\n");
	put("200/fdinfo/3", "drm-driver:\ti915\ndrm-client-id:\t1\n");
	put("300/comm", "accel-serve\n");
	snprintf(other, sizeof(other), "%s", sample);
	memcpy(strstr(other, "00:03.0"), "00:04.0", 7);	/* another card */
	put("300/fdinfo/9", other);
	put("self/fdinfo/1", sample);		/* not a pid */
	/* a driver without show_fdinfo: only the fd's link tells */
	put("400/comm", "old-app\n");
	put("400/fdinfo/5", "pos:\t0\nflags:\t02\n");
	put("400/fdinfo/6", "pos:\t0\nflags:\t02\n");
	{
		char fd_dir[512], l5[600], l6[600];

		snprintf(fd_dir, sizeof(fd_dir), "%s/400/fd", root);
		mkdir(fd_dir, 0755);
		snprintf(l5, sizeof(l5), "%s/5", fd_dir);
		snprintf(l6, sizeof(l6), "%s/6", fd_dir);
		CU_ASSERT_EQUAL(symlink("/dev/accel/accel0", l5), 0);
		CU_ASSERT_EQUAL(symlink("/dev/accel/accel0", l6), 0);	/* once */
	}

	n = fdinfo_scan(root, "csa", NULL, NULL, c, 8);
	CU_ASSERT_EQUAL(n, 2);
	n = fdinfo_scan(root, "csa", "0000:00:03.0", NULL, c, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(c[0].pid, 100);
	CU_ASSERT_STRING_EQUAL(c[0].comm, "accel-llm");
	CU_ASSERT_EQUAL(c[0].client_id, 7);
	CU_ASSERT_EQUAL(fdinfo_scan(root, "csa", "0000:00:05.0", NULL, c, 8), 0);
	n = fdinfo_scan(root, "csa", "0000:00:03.0", "/dev/accel/accel0", c, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	{
		int k = c[0].pid == 400 ? 0 : 1;

		CU_ASSERT_EQUAL(c[k].pid, 400);
		CU_ASSERT_STRING_EQUAL(c[k].comm, "old-app");
		CU_ASSERT_FALSE(c[k].have_client_id);
	}
	CU_ASSERT_EQUAL(fdinfo_scan(root, "csa", NULL, "/dev/accel/accel1", c, 8), 2);
	CU_ASSERT_EQUAL(fdinfo_scan("/nonexistent-proc", "csa", NULL, NULL, c, 8), -ENOENT);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		CU_ASSERT_EQUAL(system(cmd), 0);
	}
}

int add_fdinfo_suite(void)
{
	CU_pSuite s = CU_add_suite("fdinfo", NULL, NULL);

	if (!s || !CU_add_test(s, "parse drm-* keys", test_parse_sample) ||
	    !CU_add_test(s, "scan a /proc tree", test_scan_tree))
		return -1;
	return 0;
}
