// SPDX-License-Identifier: MIT
/* harness.c - see harness.h */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct csa_hw *h_hw;
uint8_t *h_mem;
static uint8_t *snapshot;
static uint64_t next_free;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static int no_dma_read(void *ctx, uint64_t bus, void *dst, size_t len)
{
	(void)ctx; (void)bus; (void)dst; (void)len;
	return -EIO;
}

static int no_dma_write(void *ctx, uint64_t bus, const void *src, size_t len)
{
	(void)ctx; (void)bus; (void)src; (void)len;
	return -EIO;
}

static void no_irq(void *ctx, unsigned int vector)
{
	(void)ctx; (void)vector;
}

static void no_kick(void *ctx)
{
	(void)ctx;
}

static const struct csa_hw_ops ops = {
	.dma_read = no_dma_read,
	.dma_write = no_dma_write,
	.irq = no_irq,
	.kick = no_kick,
};

int h_init(void)
{
	struct csa_hw_config cfg;

	h_hw = calloc(1, sizeof(*h_hw));
	h_mem = malloc(H_DEVMEM_SIZE);
	snapshot = malloc(H_DEVMEM_SIZE);
	if (!h_hw || !h_mem || !snapshot)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = h_mem;
	cfg.devmem_size = H_DEVMEM_SIZE;
	return csa_hw_init(h_hw, &cfg, &ops, NULL) ? -1 : 0;
}

int h_fini(void)
{
	free(h_hw);
	free(h_mem);
	free(snapshot);
	h_hw = NULL;
	h_mem = snapshot = NULL;
	return 0;
}

/* Canary: a byte pattern that is no small float, no zero, varies. */
static uint8_t canary(uint64_t i)
{
	return (uint8_t)(0xa5 ^ (i * 0x3b) ^ (i >> 7));
}

void h_reset(void)
{
	uint64_t i;

	for (i = 0; i < H_DEVMEM_SIZE; i++)
		h_mem[i] = canary(i);
	next_free = H_GUARD;
}

uint64_t h_alloc(uint64_t bytes)
{
	uint64_t addr = next_free;

	next_free = (addr + bytes + H_GUARD + 3) & ~3ull;
	if (next_free > H_DEVMEM_SIZE)
		abort();	/* a test asked for more than the harness has */
	return addr;
}

void h_put(uint64_t addr, const void *src, size_t bytes)
{
	memcpy(h_mem + addr, src, bytes);
}

void h_get(uint64_t addr, void *dst, size_t bytes)
{
	memcpy(dst, h_mem + addr, bytes);
}

int h_exec(const struct csa_desc *d, uint64_t *cycles)
{
	memcpy(snapshot, h_mem, H_DEVMEM_SIZE);
	*cycles = 0;
	return csa_hw_exec(h_hw, d, cycles);
}

int h_untouched_outside(const uint64_t *addr, const uint64_t *bytes, int n)
{
	uint64_t pos = 0, end;
	int i, next;

	/* walk the gaps between the (unsorted) ranges in address order */
	for (;;) {
		next = -1;
		for (i = 0; i < n; i++)
			if (addr[i] + bytes[i] > pos &&
			    (next < 0 || addr[i] < addr[next]))
				next = i;
		end = next < 0 ? H_DEVMEM_SIZE : addr[next];
		if (end > pos && memcmp(h_mem + pos, snapshot + pos, end - pos))
			return 0;
		if (next < 0)
			return 1;
		if (addr[next] + bytes[next] > pos)
			pos = addr[next] + bytes[next];
	}
}

int h_untouched(void)
{
	return !memcmp(h_mem, snapshot, H_DEVMEM_SIZE);
}

void h_seed(uint64_t seed)
{
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
}

uint32_t h_rand32(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

float h_randf(float lo, float hi)
{
	return lo + (hi - lo) * (float)((h_rand32() >> 8) * (1.0 / 16777216.0));
}

float h_rand_mixed(float mag)
{
	float v = h_randf(-mag, mag);
	uint32_t r = h_rand32() % 16;

	if (r == 0)
		return v * 1e-3f;
	if (r == 1)
		return v * 1e3f;
	return v;
}

void h_fill_rand(float *v, size_t n, float lo, float hi)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = h_randf(lo, hi);
}

uint32_t h_f32_bits(float v)
{
	uint32_t b;

	memcpy(&b, &v, 4);
	return b;
}

float h_bits_f32(uint32_t b)
{
	float v;

	memcpy(&v, &b, 4);
	return v;
}
