/* SPDX-License-Identifier: MIT */
/*
 * host_cpu.h - run-time checks of the host CPU the vector kernels need
 * beyond __builtin_cpu_supports, which not every compiler knows for
 * every feature (clang 14 has no "f16c").
 */
#ifndef CSA_HOST_CPU_H
#define CSA_HOST_CPU_H

/* 1 if the host has F16C (vcvtph2ps / vcvtps2ph; CPUID leaf 1, ECX bit
 * 29), read once at load time: CPUID traps to the hypervisor in a VM, far
 * too slow for every command.  The callers also require AVX2 or AVX-512F
 * from __builtin_cpu_supports, which checks that the OS saves the vector
 * state.  0 off x86-64. */
int csa_host_f16c(void);

#endif /* CSA_HOST_CPU_H */
