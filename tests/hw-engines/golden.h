/* SPDX-License-Identifier: MIT */
/*
 * golden.h - plain reference implementations of every engine command,
 * written from docs/commands.md (not from hw/): straightforward loops over
 * host float arrays.  The tests compare csa_hw_exec() with these bit for
 * bit.
 */
#ifndef HW_ENGINES_GOLDEN_H
#define HW_ENGINES_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

float g_expf(float x);

void g_rmsnorm(const float *x, const float *w, uint32_t n, float eps, float *y);
void g_matvec(const float *x, const float *w, uint32_t k, uint32_t n, float *y);
void g_rope(float *x, uint32_t heads, uint32_t hd, const float *table,
	    uint32_t pos);
void g_silu_mul(const float *a, const float *b, uint32_t n, float *y);
void g_add(const float *a, const float *b, uint32_t n, float *y);
void g_argmax(const float *x, uint32_t n, uint32_t out[2]);
void g_softmax(const float *x, uint32_t n, float *y);
/* one head's ConSmax table: 36 floats */
float g_consmax(const float *table, float s);

/* BCQ scale formats (the @fmt of g_bcq; 0/1 = f32/pow2 as before). */
enum { G_SC_F32 = 0, G_SC_POW2 = 1, G_SC_F16 = 2, G_SC_APOT = 3 };
uint32_t g_sc_flags(int fmt);	/* MATVEC_BCQ flags of the format */
uint32_t g_sc_bytes(int fmt);	/* bytes of one scale */
/* A random scale code of @fmt (magnitude ~1e-3..5e-2 where it applies). */
void g_sc_random(int fmt, uint8_t *dst, uint32_t r1, uint32_t r2);

/* BCQ: bits in the csa_device.h layout; scales in format @fmt. */
void g_bcq(const float *x, const uint8_t *bits, const void *scales,
	   uint32_t k, uint32_t n, uint32_t planes, uint32_t group, int fmt,
	   float *y);
/* BCQ of @batch vectors x[b] (stride k) into y[b] (stride n). */
void g_bcq_batch(const float *x, const uint8_t *bits, const void *scales,
		 uint32_t k, uint32_t n, uint32_t planes, uint32_t group,
		 int pow2, uint32_t batch, float *y);
/* The int8 activation the BCQ engine uses for x_j in a group of amax. */
int g_bcq_quant(float x, float amax);

/* KV cache float indices (layout of csa_device.h, spelled out again). */
size_t g_kv_k(uint32_t hd, uint32_t max_seq, uint32_t h, uint32_t t,
	      uint32_t d);
size_t g_kv_v(uint32_t n_kv, uint32_t hd, uint32_t max_seq, uint32_t h,
	      uint32_t t, uint32_t d);
size_t g_kv_floats(uint32_t n_kv, uint32_t hd, uint32_t max_seq);
void g_kv_append(float *cache, const float *k, const float *v, uint32_t n_kv,
		 uint32_t hd, uint32_t pos, uint32_t max_seq);
/* tables: NULL for exact softmax, else heads * 36 floats (ConSmax) */
void g_attention(const float *q, const float *cache, uint32_t heads,
		 uint32_t n_kv, uint32_t hd, uint32_t seq_len,
		 uint32_t max_seq, float scale, const float *tables,
		 float *out);

/* Normalized ATTENTION (F_CONSMAX_NORM): @norm; the cache as the f32
 * values the engine sees (an f16 cache widened by g_f16_value). */
void g_attention_mode(const float *q, const float *cache, uint32_t heads,
		      uint32_t n_kv, uint32_t hd, uint32_t seq_len,
		      uint32_t max_seq, float scale, const float *tables,
		      int norm, float *out);
/* The per-request commands on a pool of caches of @cache_floats values
 * each (the f32 values the engine sees), entries (slot[b], len[b]). */
void g_kv_append_batch(float *pool, size_t cache_floats, const uint32_t *slot,
		       const uint32_t *len, uint32_t batch, const float *k,
		       const float *v, uint32_t n_kv, uint32_t hd,
		       uint32_t max_seq, int f16);
void g_attention_batch(const float *q, const float *pool, size_t cache_floats,
		       const uint32_t *slot, const uint32_t *len,
		       uint32_t batch, uint32_t heads, uint32_t n_kv,
		       uint32_t hd, uint32_t max_seq, float scale,
		       const float *tables, int norm, float *out);
/* ConSmax weight of the normalized mode: 0 below the table's range. */
float g_consmax_norm(const float *table, float s);

/* IEEE binary16, by arithmetic on values (frexp/ldexp/nearbyint), not by
 * bit tricks: the value's encoding after rounding to nearest even, and
 * the value of an encoding. */
uint16_t g_f16_bits(float x);
float g_f16_value(uint16_t h);

/* Build a ConSmax head table for (beta, gamma, step). */
void g_consmax_table(float *table, double beta, double gamma, double step);

#endif
