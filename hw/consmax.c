// SPDX-License-Identifier: MIT
/*
 * consmax.c - the ConSmax unit (arXiv 2402.10930, section IV-A): softmax
 * without max search or sum, exp(s - beta) / gamma, from a bitwidth-split
 * lookup table.  The int8 score q splits into a signed high nibble and an
 * unsigned low nibble, e^(step*q) = e^(16*step*msb) * e^(step*lsb): two
 * 16-entry tables (beta and gamma folded into the high one) and one
 * multiply.  Table layout: csa_device.h.  The normalized mode of
 * ATTENTION uses the same table but gives +0 below its range instead of
 * clamping: a score that far under beta must not weigh like the table's
 * lowest entry once the probabilities are divided by their sum.
 */
#include "hw/csa_math.h"
#include "hw/engines.h"

#define TAB_INV_STEP	0
#define TAB_HI		4
#define TAB_LO		20

float csa_consmax_eval(const uint8_t *table, float s)
{
	float v = s * csa_ld_f32(table + 4 * TAB_INV_STEP);
	int32_t q;
	uint32_t u;

	if (csa_isnan(v))
		return v;		/* a NaN score stays NaN */
	if (v >= 127.0f)
		q = 127;
	else if (v <= -128.0f)
		q = -128;
	else
		q = csa_round_even(v);
	/* q + 128 = 16 * (msb + 8) + lsb with msb = q >> 4 (arithmetic) */
	u = (uint32_t)(q + 128);
	return csa_ld_f32(table + 4 * (TAB_HI + (u >> 4))) *
	       csa_ld_f32(table + 4 * (TAB_LO + (u & 15)));
}

float csa_consmax_norm_eval(const uint8_t *table, float s)
{
	float v = s * csa_ld_f32(table + 4 * TAB_INV_STEP);

	if (v < -128.0f)
		return 0.0f;
	return csa_consmax_eval(table, s);
}
