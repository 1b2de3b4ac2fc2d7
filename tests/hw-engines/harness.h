/* SPDX-License-Identifier: MIT */
/*
 * harness.h - a device model with a malloc'd device memory for the engine
 * tests: buffers placed between canary bytes, a snapshot before every
 * command, and checks that only the outputs changed.
 */
#ifndef HW_ENGINES_HARNESS_H
#define HW_ENGINES_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "hw/csa_hw.h"

#define H_DEVMEM_SIZE	(2u << 20)
#define H_GUARD		64u	/* canary bytes between buffers */

extern struct csa_hw *h_hw;
extern uint8_t *h_mem;

int h_init(void);		/* CUnit suite init: 0 on success */
int h_fini(void);

/* Start a test: devmem all canary, buffers allocated from the start. */
void h_reset(void);
/* Device address of a fresh buffer of @bytes (4-aligned), guarded. */
uint64_t h_alloc(uint64_t bytes);

void h_put(uint64_t addr, const void *src, size_t bytes);
void h_get(uint64_t addr, void *dst, size_t bytes);

/* Run @d through csa_hw_exec() after snapshotting devmem; *cycles gets the
 * command's modelled cycles.  Returns the status. */
int h_exec(const struct csa_desc *d, uint64_t *cycles);
/* After h_exec: 1 if every byte outside [addr, addr+bytes) of the
 * @n ranges equals the snapshot. */
int h_untouched_outside(const uint64_t *addr, const uint64_t *bytes, int n);
/* 1 if devmem equals the snapshot entirely. */
int h_untouched(void);

/* Deterministic random numbers (xorshift64*). */
void h_seed(uint64_t seed);
uint32_t h_rand32(void);
/* Uniform in [lo, hi). */
float h_randf(float lo, float hi);
/* Random f32 of mixed magnitudes and signs in about [-mag, mag]. */
float h_rand_mixed(float mag);
void h_fill_rand(float *v, size_t n, float lo, float hi);

uint32_t h_f32_bits(float v);
float h_bits_f32(uint32_t b);

#endif
