/* SPDX-License-Identifier: MIT */
/*
 * sim_bus.h - the sim backend's bus address space: host allocations the
 * simulated device may reach by DMA (host BOs, the rings, SG tables), each
 * a region with a fake IOVA  region_id << 40 | offset.  The model's
 * dma_read/dma_write callbacks translate through it and bounds-check, so a
 * bad address faults instead of touching random memory, as with an IOMMU.
 */
#ifndef SIM_BUS_H
#define SIM_BUS_H

#include <stddef.h>
#include <stdint.h>

#define SIM_BUS_SHIFT		40
#define SIM_BUS_MAX_REGIONS	(1u << 20)

struct sim_region {
	uint8_t *base;
	uint64_t size;		/* 0 = free slot */
	uint32_t next_free;
};

struct sim_bus {
	struct sim_region *regions;	/* index = region id, 0 unused */
	uint32_t len;
	uint32_t free_head;		/* 0 = none */
};

void sim_bus_init(struct sim_bus *bus);
void sim_bus_fini(struct sim_bus *bus);
/* Map [base, base + size) into the bus; 0 and *bus_addr, or -ENOMEM. */
int sim_bus_add(struct sim_bus *bus, void *base, uint64_t size,
		uint64_t *bus_addr);
/* Move or resize a region keeping its bus address (a growing SG table). */
void sim_bus_update(struct sim_bus *bus, uint64_t bus_addr, void *base,
		    uint64_t size);
void sim_bus_remove(struct sim_bus *bus, uint64_t bus_addr);
/* Host pointer for [bus_addr, bus_addr + len) inside one region, or NULL. */
void *sim_bus_ptr(const struct sim_bus *bus, uint64_t bus_addr, size_t len);

#endif /* SIM_BUS_H */
