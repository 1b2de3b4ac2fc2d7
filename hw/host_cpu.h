/* SPDX-License-Identifier: MIT */
/*
 * host_cpu.h - run-time checks of the host CPU the vector kernels need
 * beyond __builtin_cpu_supports, which not every compiler knows for
 * every feature (clang 14 has no "f16c").  x86-64 only.
 */
#ifndef CSA_HOST_CPU_H
#define CSA_HOST_CPU_H

#if defined(__x86_64__)
#include <cpuid.h>

/* F16C (vcvtph2ps / vcvtps2ph): CPUID leaf 1, ECX bit 29.  The callers
 * also require AVX2 or AVX-512F from __builtin_cpu_supports, which
 * checks that the OS saves the vector state. */
static inline int csa_host_f16c(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29));
}
#endif

#endif /* CSA_HOST_CPU_H */
