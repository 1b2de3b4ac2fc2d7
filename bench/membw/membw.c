// SPDX-License-Identifier: MIT
/*
 * membw - this CPU's single-core read bandwidth: one thread sums a buffer
 * far larger than the last-level cache with 256-bit loads (the way the
 * sim's kernels stream weights), best of several passes.  Prints one line:
 *   membw: N MB/s single-core read (M MiB buffer, best of P passes)
 * make bench divides it by the bytes a token moves to get the CPU's
 * bandwidth bound in tokens/s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUF_MIB 512
#define PASSES 5

typedef uint64_t v4u64 __attribute__((vector_size(32)));

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Four independent accumulators keep several loads in flight. */
static uint64_t sum(const v4u64 *p, size_t n)
{
	v4u64 a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

	for (size_t i = 0; i + 4 <= n; i += 4) {
		a += p[i];
		b += p[i + 1];
		c += p[i + 2];
		d += p[i + 3];
	}
	a += b + c + d;
	return a[0] + a[1] + a[2] + a[3];
}

int main(void)
{
	size_t bytes = (size_t)BUF_MIB << 20, n = bytes / sizeof(v4u64);
	v4u64 *buf = aligned_alloc(64, bytes);
	double best = 0;
	uint64_t check = 0;

	if (!buf) {
		fprintf(stderr, "membw: out of memory\n");
		return 1;
	}
	memset(buf, 1, bytes);	/* fault every page in before timing */
	for (int pass = 0; pass < PASSES; pass++) {
		double t0 = now(), dt;

		check += sum(buf, n);
		dt = now() - t0;
		if (dt > 0 && bytes / dt > best)
			best = bytes / dt;
	}
	free(buf);
	if (printf("membw: %.0f MB/s single-core read (%d MiB buffer, best of %d passes, check %llu)\n",
		   best / 1e6, BUF_MIB, PASSES, (unsigned long long)(check & 0xff)) < 0)
		return 1;
	return 0;
}
