// SPDX-License-Identifier: MIT
/*
 * bench_engines.c - speed of the GEMV engines of the hardware model on the
 * layer shapes of the 15M and 110M Llama models (dim x dim projections,
 * dim -> hidden, hidden -> dim, the 32000-row classifier): MATVEC_F32 and
 * MATVEC_BCQ (G 64, f32 scales) with the vector kernel and with the
 * portable scalar kernel, and with f16 scales (accel-llm's default) with
 * the vector kernel, side by side in one run, plus the matvec time
 * of one decoded token.  Times are the thread's CPU time (the machine is
 * shared).  Device memory is mapped as the sim backend maps it (huge
 * pages on request).  CSA_HW_NO_SIMD=1 runs only the scalar kernel.
 * Usage: bench-engines [seconds per measurement, default 0.15]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "csa/csa_device.h"
#include "drm/csa_accel.h"
#include "hw/bcq_simd.h"
#include "hw/csa_hw.h"
#include "hw/csa_math.h"

#define DEVMEM_BYTES	(160ull << 20)
#define COLD_BYTES	(96ull << 20)	/* weights cycled through: > the LLC */
#define MAX_COPIES	512u
#define X_ADDR		0ull		/* x: up to 64 Ki f32 */
#define Y_ADDR		(256ull << 10)	/* y */
#define WEIGHTS		(512ull << 10)	/* weight copies from here */
#define GROUP		64u

struct shape {
	const char *model, *name;
	uint32_t k, n, per_token;	/* per_token: uses per decoded token */
};

static const struct shape shapes[] = {
	{ "15M", "qkvo 288x288", 288, 288, 6 * 4 },
	{ "15M", "w1/w3 288->768", 288, 768, 6 * 2 },
	{ "15M", "w2 768->288", 768, 288, 6 },
	{ "15M", "cls 288->32000", 288, 32000, 1 },
	{ "110M", "qkvo 768x768", 768, 768, 12 * 4 },
	{ "110M", "w1/w3 768->2048", 768, 2048, 12 * 2 },
	{ "110M", "w2 2048->768", 2048, 768, 12 },
	{ "110M", "cls 768->32000", 768, 32000, 1 },
};

static uint8_t *devmem;
static struct csa_hw hw;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static int no_dma(void *ctx, uint64_t bus, void *buf, size_t len)
{
	(void)ctx; (void)bus; (void)buf; (void)len;
	return -EIO;
}

static int no_dma_w(void *ctx, uint64_t bus, const void *buf, size_t len)
{
	(void)ctx; (void)bus; (void)buf; (void)len;
	return -EIO;
}

static void no_irq(void *ctx, unsigned int v)
{
	(void)ctx; (void)v;
}

static void no_kick(void *ctx)
{
	(void)ctx;
}

static const struct csa_hw_ops ops = { no_dma, no_dma_w, no_irq, no_kick };

static uint32_t rand32(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void fill_f32(uint64_t addr, uint64_t count, float lo, float hi)
{
	uint64_t i;

	for (i = 0; i < count; i++) {
		float v = lo + (hi - lo) * (float)(rand32() >> 8) / 16777216.0f;

		memcpy(devmem + addr + 4 * i, &v, 4);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per command: best of 3 runs of repeated execution, each at
 * least @budget / 3 long (the machine is shared: the best is the least
 * disturbed), cycling through the @nd copies of the command. */
static double time_cmd(const struct csa_desc *d, unsigned int nd, double budget)
{
	double best = 1e30, t0, t;
	uint64_t cycles;
	unsigned int run, reps;

	for (run = 0; run < 3; run++) {
		reps = 0;
		t0 = now();
		do {
			cycles = 0;
			if (csa_hw_exec(&hw, &d[reps % nd], &cycles) != CSA_STATUS_OK) {
				fprintf(stderr, "bench-engines: opcode %u failed\n",
					d->opcode);
				exit(1);
			}
			reps++;
			t = now() - t0;
		} while (t < budget / 3 || reps < nd);
		if (t / reps < best)
			best = t / reps;
	}
	return best;
}

/*
 * Copies of one weight region of @bytes at WEIGHTS: enough that they do
 * not all fit in the caches (a decoder reads each layer's weights once
 * per token), as many as device memory holds.  The first copy is filled,
 * the others copied from it.
 */
static unsigned int replicate(uint64_t bytes)
{
	uint64_t stride = (bytes + 63) & ~63ull;
	uint64_t n = (COLD_BYTES + stride - 1) / stride, i;

	if (n > (DEVMEM_BYTES - WEIGHTS) / stride)
		n = (DEVMEM_BYTES - WEIGHTS) / stride;
	if (n > MAX_COPIES)
		n = MAX_COPIES;
	for (i = 1; i < n; i++)
		memcpy(devmem + WEIGHTS + i * stride, devmem + WEIGHTS, bytes);
	return (unsigned int)n;
}

static double arg_seconds(int argc, char **argv)
{
	char *end;
	double v;

	if (argc < 2)
		return 0.15;
	v = strtod(argv[1], &end);
	if (*end || v <= 0 || v > 60) {
		fprintf(stderr, "bench-engines: seconds '%s' is not in (0, 60]\n",
			argv[1]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *nosimd = getenv("CSA_HW_NO_SIMD");
	int simd = !(nosimd && *nosimd && strcmp(nosimd, "0"));
	double budget = arg_seconds(argc, argv);
	double tok_f32[2] = { 0, 0 }, tok_scalar[2] = { 0, 0 }, tok_fast[2] = { 0, 0 };
	double tok_f16[2] = { 0, 0 };
	struct csa_hw_config cfg;
	unsigned int i, m;

	/* device memory as the sim backend maps it (libaccel/backend_sim.c):
	 * anonymous, zeroed, with transparent huge pages where the kernel
	 * gives them on request (the BCQ kernels read columns N bytes apart) */
	devmem = mmap(NULL, DEVMEM_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (devmem == MAP_FAILED)
		devmem = NULL;
	if (devmem)
		(void)madvise(devmem, DEVMEM_BYTES, MADV_HUGEPAGE);
	if (!devmem) {
		fprintf(stderr, "bench-engines: no memory for %llu MiB of device memory\n",
			DEVMEM_BYTES >> 20);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.devmem = devmem;
	cfg.devmem_size = DEVMEM_BYTES;
	if (csa_hw_init(&hw, &cfg, &ops, NULL)) {
		fprintf(stderr, "bench-engines: csa_hw_init failed\n");
		return 1;
	}
	csa_bcq_set_simd(simd ? CSA_BCQ_SIMD_BEST : CSA_BCQ_SIMD_SCALAR);
	printf("MATVEC engines of the C model, 1 thread, CPU us per command (best of 3), weights cycled through %llu MiB (not cache-resident);\n"
	       "BCQ: P=3 G=%u f32 scales (f16: f16 scales, vector kernel); vector kernel: %s\n",
	       COLD_BYTES >> 20, GROUP, csa_bcq_kernel());
	printf("%-5s %-16s | %9s | %9s %9s | %8s %8s | %9s\n", "model", "shape",
	       "f32", "bcq3 scal", "bcq3 fast", "scal/fast", "f32/fast", "bcq3 f16");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		uint64_t nbits, nsc, sc, stride, j;
		struct csa_desc d[MAX_COPIES];
		unsigned int nd, c;
		double tf, ts, tv, th;

		m = strcmp(s->model, "15M") != 0;
		/* MATVEC_F32: x, W[n][k], y */
		fill_f32(X_ADDR, s->k, -1.0f, 1.0f);
		fill_f32(WEIGHTS, (uint64_t)s->k * s->n, -0.05f, 0.05f);
		nd = replicate(4ull * s->k * s->n);
		stride = (4ull * s->k * s->n + 63) & ~63ull;
		for (c = 0; c < nd; c++) {
			memset(&d[c], 0, sizeof(d[c]));
			d[c].opcode = CSA_OP_MATVEC_F32;
			d[c].arg[0] = s->k;
			d[c].arg[1] = s->n;
			d[c].addr[0] = X_ADDR;
			d[c].addr[1] = WEIGHTS + c * stride;
			d[c].addr[2] = Y_ADDR;
		}
		tf = time_cmd(d, nd, budget);
		/* MATVEC_BCQ: x, bits, scales, y */
		nbits = csa_bcq_bits_bytes(s->k, s->n, 3);
		nsc = csa_bcq_scale_bytes(s->k, s->n, 3, GROUP, 0);
		sc = (nbits + 63) & ~63ull;
		for (j = 0; j < nbits; j++)
			devmem[WEIGHTS + j] = (uint8_t)rand32();
		fill_f32(WEIGHTS + sc, nsc / 4, 0.001f, 0.05f);
		nd = replicate(sc + nsc);
		stride = (sc + nsc + 63) & ~63ull;
		for (c = 0; c < nd; c++) {
			memset(&d[c], 0, sizeof(d[c]));
			d[c].opcode = CSA_OP_MATVEC_BCQ;
			d[c].arg[0] = s->k;
			d[c].arg[1] = s->n;
			d[c].arg[2] = 3;
			d[c].arg[3] = GROUP;
			d[c].addr[0] = X_ADDR;
			d[c].addr[1] = WEIGHTS + c * stride;
			d[c].addr[2] = WEIGHTS + c * stride + sc;
			d[c].addr[3] = Y_ADDR;
		}
		csa_bcq_set_simd(0);
		ts = time_cmd(d, nd, budget);
		csa_bcq_set_simd(simd ? CSA_BCQ_SIMD_BEST : CSA_BCQ_SIMD_SCALAR);
		tv = simd ? time_cmd(d, nd, budget) : ts;
		/* the same bits with f16 scales (half the scale bytes) */
		nsc = csa_bcq_scale_bytes_elem(s->k, s->n, 3, GROUP, 2);
		for (j = 0; j < nsc / 2; j++) {
			uint16_t h = csa_f16_from_f32(0.001f + 0.049f *
					(float)(rand32() >> 8) / 16777216.0f);

			memcpy(devmem + WEIGHTS + sc + 2 * j, &h, 2);
		}
		nd = replicate(sc + nsc);
		stride = (sc + nsc + 63) & ~63ull;
		for (c = 0; c < nd; c++) {
			d[c].flags = CSA_CMD_F_SCALE16;
			d[c].addr[1] = WEIGHTS + c * stride;
			d[c].addr[2] = WEIGHTS + c * stride + sc;
		}
		th = time_cmd(d, nd, budget);
		printf("%-5s %-16s | %9.1f | %9.1f %9.1f | %7.2fx %7.2fx | %9.1f\n",
		       s->model, s->name, tf * 1e6, ts * 1e6, tv * 1e6, ts / tv,
		       tf / tv, th * 1e6);
		tok_f32[m] += tf * s->per_token;
		tok_scalar[m] += ts * s->per_token;
		tok_fast[m] += tv * s->per_token;
		tok_f16[m] += th * s->per_token;
	}
	for (m = 0; m < 2; m++)
		printf("%-5s %-16s | %9.2f | %9.2f %9.2f | %7.2fx %7.2fx | %9.2f   (ms per token, all layers + classifier)\n",
		       m ? "110M" : "15M", "per token", tok_f32[m] * 1e3,
		       tok_scalar[m] * 1e3, tok_fast[m] * 1e3,
		       tok_scalar[m] / tok_fast[m], tok_f32[m] / tok_fast[m],
		       tok_f16[m] * 1e3);
	munmap(devmem, DEVMEM_BYTES);
	return 0;
}
