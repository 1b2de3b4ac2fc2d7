// SPDX-License-Identifier: MIT
/*
 * vector_add.c - the smallest libaccel program: open the default device,
 * put two vectors into device memory, add them and find the largest sum
 * in one command list, read the result back.
 *
 * Build:  cc vector_add.c $(pkg-config --cflags --libs accel)
 * Run:    ./a.out            (ACCEL_DEVICE=sim or =/dev/accel/accel0 to pick)
 */
#include <stdio.h>

#include <accel/accel.h>

#define N 1000

static int fail(const char *what, int err)
{
	fprintf(stderr, "vector_add: %s: %s\n", what, accel_strerror(err));
	return 1;
}

int main(void)
{
	static float a[N], b[N], y[N];
	struct accel_dev *dev;
	struct accel_bo *buf;
	struct accel_cmdlist *cl;
	struct accel_status st;
	struct accel_info info;
	uint32_t best[2];
	int i, ret;

	for (i = 0; i < N; i++) {
		a[i] = (float)i;
		b[i] = (float)(i % 7) * 0.5f;
	}
	ret = accel_open(NULL, &dev);
	if (ret)
		return fail("open", ret);
	accel_query_info(dev, &info);
	printf("device: %s (%s), %llu MiB device memory\n", info.path,
	       info.backend, (unsigned long long)(info.devmem_size >> 20));

	/* one device buffer: a at 0, b at 4000, y at 8000, argmax at 12000 */
	ret = accel_bo_alloc(dev, 16384, ACCEL_MEM_DEVICE, &buf);
	if (!ret)
		ret = accel_upload(buf, 0, a, sizeof(a));
	if (!ret)
		ret = accel_upload(buf, 4000, b, sizeof(b));
	if (ret)
		return fail("upload", ret);

	ret = accel_cmdlist_create(dev, &cl);
	if (!ret)
		ret = accel_cmd_add(cl, ACCEL_REF(buf, 0), ACCEL_REF(buf, 4000),
				    ACCEL_REF(buf, 8000), N);
	if (!ret)
		ret = accel_cmd_argmax(cl, ACCEL_REF(buf, 8000),
				       ACCEL_REF(buf, 12000), N);
	if (ret)
		return fail("build", ret);
	ret = accel_submit_wait(cl, ACCEL_WAIT_FOREVER, &st);
	if (ret)
		return fail(accel_status_name(st.status), ret);

	if (accel_download(buf, 8000, y, sizeof(y)) ||
	    accel_download(buf, 12000, best, sizeof(best)))
		return fail("download", -5);
	for (i = 0; i < N; i++)
		if (y[i] != a[i] + b[i])
			return fail("wrong sum", -5);
	printf("y[%u] = %.1f is the largest of %d sums (%llu device cycles)\n",
	       best[0], y[best[0]], N, (unsigned long long)st.cycles);
	accel_close(dev);	/* frees the buffer and the list */
	return best[0] == N - 1 ? 0 : 1;
}
