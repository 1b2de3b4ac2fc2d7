// SPDX-License-Identifier: MIT
/*
 * bench_libaccel.c - what the library itself costs (make bench): submit ->
 * complete round trip of a one-command list, descriptor throughput through
 * translation + ring + model, lists in flight, upload/download bandwidth.
 * Runs on the device given (--device, ACCEL_DEVICE, default as accel_open).
 * Prints one line per figure; no pass/fail thresholds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/accel.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "bench-libaccel: %s: %s\n", what, accel_strerror(ret));
		exit(1);
	}
	return ret;
}

int main(int argc, char **argv)
{
	const char *spec = argc > 2 && !strcmp(argv[1], "--device") ? argv[2] : NULL;
	const uint64_t big = 64u << 20;
	struct accel_dev *dev;
	struct accel_cmdlist *cl;
	struct accel_bo *bo;
	struct accel_info info;
	uint64_t fence = 0;
	double t;
	uint8_t *buf;
	int i, n;

	check(accel_open(spec, &dev), "open");
	check(accel_query_info(dev, &info), "info");
	printf("bench-libaccel: backend %s (%s)\n", info.backend, info.path);
	check(accel_cmdlist_create(dev, &cl), "list");

	check(accel_cmd_nop(cl), "nop");
	n = 2000;
	t = now();
	for (i = 0; i < n; i++)
		check(accel_submit_wait(cl, ACCEL_WAIT_FOREVER, NULL), "submit");
	t = now() - t;
	printf("round trip, 1-command list: %.1f us\n", t / n * 1e6);

	t = now();
	for (i = 0; i < n; i++)
		check(accel_submit(cl, &fence), "submit");
	check(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, NULL), "wait");
	t = now() - t;
	printf("lists in flight, 1 command each: %.0f lists/s\n", n / t);

	while (accel_cmdlist_count(cl) < info.max_cmds)
		check(accel_cmd_nop(cl), "nop");
	n = 20;
	t = now();
	for (i = 0; i < n; i++)
		check(accel_submit(cl, &fence), "submit");
	check(accel_wait(dev, fence, ACCEL_WAIT_FOREVER, NULL), "wait");
	t = now() - t;
	printf("descriptors (NOP, %u per list): %.2f M/s\n", info.max_cmds,
	       (double)n * info.max_cmds / t * 1e-6);

	buf = malloc(big);
	if (!buf)
		return 1;
	memset(buf, 0x3c, big);
	check(accel_bo_alloc(dev, big, ACCEL_MEM_DEVICE, &bo), "alloc");
	t = now();
	check(accel_upload(bo, 0, buf, big), "upload");
	t = now() - t;
	printf("upload 64 MiB: %.0f MB/s\n", big / t * 1e-6);
	t = now();
	check(accel_download(bo, 0, buf, big), "download");
	t = now() - t;
	printf("download 64 MiB: %.0f MB/s\n", big / t * 1e-6);
	free(buf);
	accel_close(dev);
	return 0;
}
