// SPDX-License-Identifier: MIT
/*
 * transfer.c - accel_upload/accel_download: user memory <-> a buffer at any
 * offset and length.  Device buffers are reached the way the hardware
 * allows, through a staging host buffer and DMA commands in word-aligned
 * chunks; the partial words at either end are read back first so the
 * bytes around the range are preserved.
 */
#include <errno.h>
#include <string.h>

#include "libaccel/accel_internal.h"

#define STAGING_MAX	(4u << 20)	/* bytes per DMA chunk */

static int check_range(const struct accel_bo *bo, uint64_t off, uint64_t len)
{
	if (!len)
		return -EINVAL;
	if (off > bo->size || len > bo->size - off)
		return -ERANGE;
	return 0;
}

struct staging {
	struct accel_bo *bo;
	struct accel_cmdlist *cl;
	uint8_t *ptr;
};

/* Take the device's idle staging buffer when it is big enough: a transfer
 * per token should not cost a buffer allocation each time. */
static int staging_take(struct accel_dev *dev, uint64_t size, struct staging *s)
{
	int ok;

	pthread_mutex_lock(&dev->lock);
	ok = dev->staging_bo && dev->staging_bo->size >= size;
	if (ok) {
		s->bo = dev->staging_bo;
		s->cl = dev->staging_cl;
		s->ptr = s->bo->map;
		dev->staging_bo = NULL;
		dev->staging_cl = NULL;
	}
	pthread_mutex_unlock(&dev->lock);
	return ok;
}

static int staging_open(struct accel_dev *dev, uint64_t span, struct staging *s)
{
	uint64_t size = span < STAGING_MAX ? span : STAGING_MAX;
	void *p;
	int ret;

	memset(s, 0, sizeof(*s));
	if (staging_take(dev, size, s))
		return 0;
	ret = accel_bo_alloc(dev, size, ACCEL_MEM_HOST, &s->bo);
	if (!ret)
		ret = accel_bo_map(s->bo, &p);
	if (!ret)
		ret = accel_cmdlist_create(dev, &s->cl);
	if (ret) {
		accel_bo_free(s->bo);
		return ret;
	}
	s->ptr = p;
	return 0;
}

/* Keep the larger of this and the cached staging buffer, free the other. */
static void staging_close(struct accel_dev *dev, struct staging *s)
{
	struct accel_bo *bo = s->bo;
	struct accel_cmdlist *cl = s->cl;

	accel_cmdlist_reset(cl);
	pthread_mutex_lock(&dev->lock);
	if (!dev->staging_bo || dev->staging_bo->size < bo->size) {
		struct accel_bo *old_bo = dev->staging_bo;
		struct accel_cmdlist *old_cl = dev->staging_cl;

		dev->staging_bo = bo;
		dev->staging_cl = cl;
		bo = old_bo;
		cl = old_cl;
	}
	pthread_mutex_unlock(&dev->lock);
	accel_cmdlist_destroy(cl);
	accel_bo_free(bo);
}

/* Run the staging list and turn a device error into -EIO. */
static int run(struct staging *s)
{
	int ret = accel_submit_wait(s->cl, ACCEL_WAIT_FOREVER, NULL);

	accel_cmdlist_reset(s->cl);
	return ret;
}

/* Device range [a, b), word aligned, via staging offset 0: fetch into
 * staging (d2h) or push from it (h2d). */
static int dma_chunk(struct staging *s, struct accel_bo *dbo, uint64_t a,
		     uint64_t b, int to_device)
{
	int ret;

	if (to_device)
		ret = accel_cmd_dma_h2d(s->cl, ACCEL_REF(s->bo, 0),
					ACCEL_REF(dbo, a), (uint32_t)(b - a));
	else
		ret = accel_cmd_dma_d2h(s->cl, ACCEL_REF(dbo, a),
					ACCEL_REF(s->bo, 0), (uint32_t)(b - a));
	return ret ? ret : run(s);
}

/* Fetch the partial words at the ends of chunk [a, b) that the user data
 * [lo, hi) does not cover, into their places in the staging buffer. */
static int fetch_edges(struct staging *s, struct accel_bo *dbo, uint64_t a,
		       uint64_t b, uint64_t lo, uint64_t hi)
{
	int ret = 0;

	if (a < lo)
		ret = accel_cmd_dma_d2h(s->cl, ACCEL_REF(dbo, a),
					ACCEL_REF(s->bo, 0), 4);
	if (!ret && b > hi && (b - 4 >= lo || a >= lo))
		ret = accel_cmd_dma_d2h(s->cl, ACCEL_REF(dbo, b - 4),
					ACCEL_REF(s->bo, b - 4 - a), 4);
	if (ret)
		return ret;
	return accel_cmdlist_count(s->cl) ? run(s) : 0;
}

/* Both directions: @in (upload) holds the bytes to write at @off, or @out
 * (download) receives them; the other is NULL.  Host buffers are copied
 * through their mapping; device buffers chunk by chunk through staging,
 * where an upload first fetches the partial end words it must keep. */
static int transfer(struct accel_bo *bo, uint64_t off, uint64_t len,
		    const uint8_t *in, uint8_t *out)
{
	uint64_t lo, hi, a, end;
	struct staging s;
	void *p;
	int ret;

	ret = check_range(bo, off, len);
	if (ret)
		return ret;
	if (bo->placement == ACCEL_MEM_HOST) {
		ret = accel_bo_map(bo, &p);
		if (!ret && in)
			memcpy((uint8_t *)p + off, in, len);
		else if (!ret)
			memcpy(out, (const uint8_t *)p + off, len);
		return ret;
	}

	lo = off;
	hi = off + len;
	a = lo & ~3ull;
	end = (hi + 3) & ~3ull;
	ret = staging_open(bo->dev, end - a, &s);
	if (ret)
		return ret;
	while (!ret && a < end) {
		uint64_t b = end - a > STAGING_MAX ? a + STAGING_MAX : end;
		uint64_t from = a > lo ? a : lo, to = b < hi ? b : hi;

		if (in) {
			ret = fetch_edges(&s, bo, a, b, lo, hi);
			if (ret)
				break;
			memcpy(s.ptr + (from - a), in + (from - lo), to - from);
			ret = dma_chunk(&s, bo, a, b, 1);
		} else {
			ret = dma_chunk(&s, bo, a, b, 0);
			if (!ret)
				memcpy(out + (from - lo), s.ptr + (from - a),
				       to - from);
		}
		a = b;
	}
	staging_close(bo->dev, &s);
	return ret;
}

int accel_upload(struct accel_bo *dst, uint64_t dst_off, const void *src,
		 uint64_t len)
{
	if (!dst || !src)
		return -EINVAL;
	return transfer(dst, dst_off, len, src, NULL);
}

int accel_download(struct accel_bo *src, uint64_t src_off, void *dst,
		   uint64_t len)
{
	if (!src || !dst)
		return -EINVAL;
	return transfer(src, src_off, len, NULL, dst);
}
