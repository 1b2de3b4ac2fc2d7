/* SPDX-License-Identifier: MIT */
/* tests.h - suites of test-hw-engines and shared helpers. */
#ifndef HW_ENGINES_TESTS_H
#define HW_ENGINES_TESTS_H

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "drm/csa_accel.h"
#include "csa/csa_device.h"

int add_compute_suite(void);
int add_error_suite(void);
int add_accuracy_suite(void);
int add_footprint_suite(void);
int add_fuzz_suite(void);
int add_bcq_fast_suite(void);
int add_bcq_batch_suite(void);
int add_kv_batch_suite(void);
int add_f32_batch_suite(void);
int add_attn_fast_suite(void);
int add_vec_fast_suite(void);

static inline struct csa_desc t_desc(uint8_t opcode, uint8_t flags)
{
	struct csa_desc d;

	memset(&d, 0, sizeof(d));
	d.opcode = opcode;
	d.flags = flags;
	return d;
}

#endif
