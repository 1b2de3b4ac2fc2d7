/* SPDX-License-Identifier: MIT */
/*
 * sim_devmem.h - the sim backend's device-memory range allocator: a
 * first-fit free list over [0, size), every range 4 KiB aligned (the
 * granule the kernel driver's allocator uses too).
 */
#ifndef SIM_DEVMEM_H
#define SIM_DEVMEM_H

#include <stdint.h>

#define SIM_DEVMEM_ALIGN	4096u

struct sim_range {
	uint64_t start, len;
};

struct sim_devmem {
	struct sim_range *free;	/* sorted by start, never adjacent */
	uint32_t count, cap;
	uint32_t live;		/* allocated ranges */
	uint64_t size, used;
};

int sim_devmem_init(struct sim_devmem *m, uint64_t size);
void sim_devmem_fini(struct sim_devmem *m);
/* Allocate @len bytes (rounded up to 4 KiB): 0 and *start, or -ENOMEM. */
int sim_devmem_alloc(struct sim_devmem *m, uint64_t len, uint64_t *start);
/* Give back a range from sim_devmem_alloc (same len); cannot fail, as
 * alloc keeps room for every free range there can be (live + 1). */
void sim_devmem_free(struct sim_devmem *m, uint64_t start, uint64_t len);

#endif /* SIM_DEVMEM_H */
