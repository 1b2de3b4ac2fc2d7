/* SPDX-License-Identifier: MIT */
/*
 * selftest.h - a short command list through libaccel (DMA in, COPY, ADD,
 * MATVEC_F32, MATVEC_BCQ, RMSNORM, ARGMAX, DMA out) whose results are
 * checked against values computed here on the host from each operation's
 * definition.  Inputs are small multiples of 1/4 (integers for the shift-add
 * engine, which quantizes activations to int8) so every sum of the exact
 * checks is exact in f32 in any order; RMSNORM (a square root) is checked
 * to a relative tolerance.
 */
#ifndef ACCEL_INFO_SELFTEST_H
#define ACCEL_INFO_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <accel/accel.h>

enum selftest_case_id {
	SELFTEST_COPY,
	SELFTEST_ADD,
	SELFTEST_MATVEC_F32,
	SELFTEST_MATVEC_BCQ,
	SELFTEST_RMSNORM,
	SELFTEST_ARGMAX,
	SELFTEST_NUM_CASES,
};

struct selftest_case {
	const char *name;	/* "copy", "add", ... */
	bool passed;
	uint32_t mismatches;	/* elements outside tolerance */
	double max_error;	/* largest |device - host| */
	int32_t first_bad;	/* index of the first mismatch, -1 if none */
	double got, want;	/* device and host value there */
};

struct selftest_result {
	struct selftest_case cases[SELFTEST_NUM_CASES];
	uint32_t passed;	/* cases passed */
	uint32_t status;	/* completion status of the list */
	uint32_t failed_index;	/* failing command when status != OK */
	uint64_t cycles;	/* modelled cycles of the list */
	uint32_t commands;	/* commands in the list */
};

/* Bytes of the staging buffer the self-test uses. */
size_t selftest_buffer_size(void);
/* Fill the inputs (deterministic) in a zeroed buffer of that size. */
void selftest_fill_inputs(void *buf);
/* Check the outputs in buf against host-computed values. */
void selftest_verify(const void *buf, struct selftest_result *r);

/* Byte offset of a case's output in the buffer (tests corrupt it there). */
size_t selftest_output_offset(enum selftest_case_id id);

/*
 * Run the whole self-test on dev.  Returns 0 when the list completed (r
 * says which cases passed), -EIO when it completed with an error status
 * (r->status, r->failed_index), or another negative errno.  buffer_copy,
 * if not NULL, receives the selftest_buffer_size() bytes the device left.
 */
int selftest_run(struct accel_dev *dev, struct selftest_result *r,
		 void *buffer_copy);

/* The case a failing command index belongs to ("dma_in", "copy", ...). */
const char *selftest_command_name(uint32_t index);

#endif /* ACCEL_INFO_SELFTEST_H */
