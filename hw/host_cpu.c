// SPDX-License-Identifier: MIT
/*
 * host_cpu.c - host CPU features for the vector kernels' dispatch, read
 * once when the program (or QEMU) loads.
 */
#include "hw/host_cpu.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

static int host_f16c;

__attribute__((constructor)) static void host_cpu_probe(void)
{
	unsigned int a, b, c, d;

	host_f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29));
}

int csa_host_f16c(void)
{
	return host_f16c;
}
#else
int csa_host_f16c(void)
{
	return 0;
}
#endif
