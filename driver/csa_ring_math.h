/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CSA: index arithmetic of the power-of-two rings.  Pure C on u32 and bool
 * only, so tests/driver/test_ring_math.c checks it in user space (it
 * supplies those types).
 */
#ifndef CSA_RING_MATH_H
#define CSA_RING_MATH_H

/* Entries between @head (consumer) and @tail (producer). */
static inline u32 csa_ring_used(u32 tail, u32 head, u32 entries)
{
	return (tail - head) & (entries - 1);
}

/* A ring holds at most entries - 1: full and empty must differ. */
static inline bool csa_ring_fits(u32 tail, u32 head, u32 entries, u32 n)
{
	return n < entries - csa_ring_used(tail, head, entries);
}

/* @idx advanced by @n, wrapped. */
static inline u32 csa_ring_add(u32 idx, u32 n, u32 entries)
{
	return (idx + n) & (entries - 1);
}

/* The next CQ slot; the expected phase flips at each wrap to slot 0. */
static inline u32 csa_ring_next_phase(u32 idx, u32 entries, u32 *phase)
{
	idx = csa_ring_add(idx, 1, entries);
	if (!idx)
		*phase ^= 1;
	return idx;
}

#endif /* CSA_RING_MATH_H */
