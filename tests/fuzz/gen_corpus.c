// SPDX-License-Identifier: MIT
/*
 * gen_corpus.c - writes the fuzz target's seed corpus: small byte programs
 * (fuzz_ops.h) that reach each part of the model, so fuzzing starts deep.
 * Usage: gen-corpus DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uapi/drm/csa_accel.h"
#include "csa/csa_device.h"
#include "fuzz_ops.h"

static uint8_t buf[4096];
static size_t len;

static void b8(unsigned int v)
{
	if (len < sizeof(buf))
		buf[len++] = (uint8_t)v;
}

static void b16(unsigned int v)
{
	b8(v & 0xff);
	b8(v >> 8);
}

static void b32(uint32_t v)
{
	b16(v & 0xffff);
	b16(v >> 16);
}

/* A shaped descriptor: args and addrs given in the encoded form. */
static void desc(unsigned int op, unsigned int flags, unsigned int tag,
		 int last, int ring, const uint16_t *arg, const uint16_t *addr)
{
	unsigned int i;

	b8(FOP_DESC);
	b8(FDESC_SHAPED | (last ? 4 : 0) | (ring ? 8 : 0));
	b8(op);
	b8(flags);
	b8(tag);
	for (i = 0; i < CSA_DESC_ARGS; i++)
		b16(arg ? arg[i] : 0);
	for (i = 0; i < CSA_DESC_ADDRS; i++)
		b16(addr ? addr[i] : 0);
}

static void run(unsigned int budget)
{
	b8(FOP_RUN);
	b8(budget);
}

static void sg(unsigned int table, unsigned int n, const uint16_t *seg,
	       const uint16_t *lens, const uint8_t *bad)
{
	unsigned int i;

	b8(FOP_SG);
	b16(table);
	b8(n);
	for (i = 0; i < n; i++) {
		b16(seg[i]);
		b16(lens[i]);
		b8(bad ? bad[i] : 0);
	}
}

static int save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen-corpus: cannot write %s\n", path);
		return 1;
	}
	len = 0;
	return 0;
}

int main(int argc, char **argv)
{
	static const uint16_t seg[] = { 0x1000, 0x2003, 0x3001 };
	static const uint16_t lens[] = { 100, 60, 4096 };
	static const uint8_t bad[] = { 0, 0xf0, 0 };
	uint16_t arg[CSA_DESC_ARGS], addr[CSA_DESC_ADDRS];
	const char *dir = argc > 1 ? argv[1] : ".";
	int err = 0, i;

	/* nop jobs over several laps of a 4-entry SQ, 8-entry CQ */
	b8(0x08);
	for (i = 0; i < 12; i++) {
		desc(CSA_OP_NOP, 0, i, i % 3 == 2, 1, NULL, NULL);
		run(0);
	}
	err |= save(dir, "nop-laps");

	/* DMA H2D then D2H through a 3-entry SG table */
	b8(0x12);
	sg(0x0000, 3, seg, lens, NULL);
	memset(arg, 0, sizeof(arg));
	memset(addr, 0, sizeof(addr));
	arg[0] = 160;
	arg[1] = 3;
	addr[0] = 0;		/* table at data offset 0 */
	addr[1] = 64;		/* devmem 256 */
	desc(CSA_OP_DMA_H2D, 0, 1, 0, 0, arg, addr);
	desc(CSA_OP_DMA_D2H, 0, 1, 1, 1, arg, addr);
	run(0);
	err |= save(dir, "dma-sg");

	/* malformed SG entry (rsvd) and a short table */
	b8(0x09);
	sg(0x0100, 3, seg, lens, bad);
	arg[0] = 1000;
	addr[0] = 0x100 * 4;
	desc(CSA_OP_DMA_H2D, 0, 2, 1, 1, arg, addr);
	arg[1] = 1;
	desc(CSA_OP_DMA_D2H, 0, 3, 1, 1, arg, addr);
	run(0);
	err |= save(dir, "dma-bad-sg");

	/* FENCE cookies inside a job, FENCE ending a job on a small CQ */
	b8(0x00);
	memset(arg, 0, sizeof(arg));
	arg[0] = 0xbeef;
	arg[1] = 0x1234;
	desc(CSA_OP_FENCE, 0, 4, 0, 0, arg, NULL);
	desc(CSA_OP_NOP, 0, 4, 0, 0, NULL, NULL);
	desc(CSA_OP_FENCE, 0, 4, 1, 1, arg, NULL);
	run(1);
	run(0);
	b8(FOP_CQ_CONSUME);
	b8(1);
	run(0);
	err |= save(dir, "fence");

	/* errors: bad opcode mid-job, reserved flag, then a clean job */
	b8(0x09);
	desc(CSA_OP_NOP, 0, 5, 0, 0, NULL, NULL);
	desc(CSA_OP_COUNT, 0, 5, 0, 0, NULL, NULL);
	desc(CSA_OP_NOP, 0, 5, 1, 0, NULL, NULL);
	desc(CSA_OP_NOP, 0x08, 6, 1, 0, NULL, NULL);
	desc(CSA_OP_NOP, 0, 7, 1, 1, NULL, NULL);
	run(0);
	err |= save(dir, "errors");

	/* engines: COPY, ADD, ARGMAX on device memory */
	b8(0x09);
	memset(arg, 0, sizeof(arg));
	memset(addr, 0, sizeof(addr));
	arg[0] = 256;
	addr[0] = 0;
	addr[1] = 1024;
	desc(CSA_OP_COPY, 0, 8, 0, 0, arg, addr);
	arg[0] = 64;
	addr[0] = 0;
	addr[1] = 256;
	addr[2] = 2048;
	desc(CSA_OP_ADD, 0, 8, 0, 0, arg, addr);
	memset(addr, 0, sizeof(addr));
	addr[0] = 2048;
	addr[1] = 4096;
	desc(CSA_OP_ARGMAX, 0, 8, 1, 1, arg, addr);
	run(0);
	err |= save(dir, "engines");

	/* CQ full: 4-entry CQ, 10 jobs, consume slowly */
	b8(0x03);
	for (i = 0; i < 10; i++)
		desc(CSA_OP_NOP, 0, i, 1, 0, NULL, NULL);
	b8(FOP_SQ_DOORBELL);
	b8(0);
	for (i = 0; i < 6; i++) {
		run(0);
		b8(FOP_CQ_CONSUME);
		b8(2);
	}
	err |= save(dir, "cq-full");

	/* faults: SQ fetch fault, reset, hang injection, bad doorbells */
	b8(0x09);
	b8(FOP_FAULT);
	b8(1);
	b16(0);
	b16(16);
	desc(CSA_OP_NOP, 0, 1, 1, 1, NULL, NULL);
	run(0);
	b8(FOP_RESET);
	b8(0x09);
	b8(FOP_FAULT);
	b8(3);
	b16(0);
	b16(2);
	for (i = 0; i < 4; i++)
		desc(CSA_OP_NOP, 0, i, 1, 1, NULL, NULL);
	run(0);
	b8(FOP_SQ_DOORBELL);
	b8(1);
	b32(1000);
	b8(FOP_CQ_CONSUME);
	b8(0xff);
	run(0);
	err |= save(dir, "faults");

	/* malformed ring setup, then registers poked directly */
	b8(0x49);
	b8(0x02);	/* SQ base */
	b8(0x20);	/* + 32: misaligned */
	b8(FOP_MMIO_WRITE);
	b16(CSA_REG_IRQ_COALESCE);
	b32(3);
	b8(FOP_MMIO_READ);
	b16(CSA_REG_PERF_RESETS);
	b8(FOP_RESET);
	b8(0x09);
	b8(FOP_MMIO_WRITE);
	b16(CSA_REG_IRQ_COALESCE);
	b32(3);
	for (i = 0; i < 7; i++)
		desc(CSA_OP_NOP, 0, i, 1, 1, NULL, NULL);
	b8(FOP_MMIO_WRITE);
	b16(CSA_REG_IRQ_MASK);
	b32(3);
	run(0);
	err |= save(dir, "setup-and-regs");

	/* a raw (unshaped) descriptor of all ones */
	b8(0x00);
	b8(FOP_DESC);
	b8(FDESC_RAW | 8);
	for (i = 0; i < 128; i++)
		b8(0xff);
	run(0);
	err |= save(dir, "raw-desc");
	return err;
}
