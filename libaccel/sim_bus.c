// SPDX-License-Identifier: MIT
/*
 * sim_bus.c - fake IOVAs for the sim backend (see sim_bus.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel/sim_bus.h"

#define OFFSET_MASK	((1ull << SIM_BUS_SHIFT) - 1)

void sim_bus_init(struct sim_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

void sim_bus_fini(struct sim_bus *bus)
{
	free(bus->regions);
	memset(bus, 0, sizeof(*bus));
}

static uint32_t new_id(struct sim_bus *bus)
{
	uint32_t id = bus->free_head;

	if (id) {
		bus->free_head = bus->regions[id].next_free;
		return id;
	}
	if (bus->len == 0)
		bus->len = 1;	/* id 0 stays invalid: bus address 0 faults */
	if (bus->len >= SIM_BUS_MAX_REGIONS)
		return 0;
	if ((bus->len & (bus->len - 1)) == 0 || !bus->regions) {
		uint32_t cap = bus->len < 64 ? 64 : bus->len * 2;
		struct sim_region *r;

		r = realloc(bus->regions, (size_t)cap * sizeof(*r));
		if (!r)
			return 0;
		bus->regions = r;
	}
	memset(&bus->regions[bus->len], 0, sizeof(bus->regions[0]));
	return bus->len++;
}

int sim_bus_add(struct sim_bus *bus, void *base, uint64_t size,
		uint64_t *bus_addr)
{
	uint32_t id;

	if (!size || size > OFFSET_MASK)
		return -EINVAL;
	id = new_id(bus);
	if (!id)
		return -ENOMEM;
	bus->regions[id].base = base;
	bus->regions[id].size = size;
	bus->regions[id].next_free = 0;
	*bus_addr = (uint64_t)id << SIM_BUS_SHIFT;
	return 0;
}

static struct sim_region *lookup(const struct sim_bus *bus, uint64_t bus_addr)
{
	uint64_t id = bus_addr >> SIM_BUS_SHIFT;

	if (!id || id >= bus->len || !bus->regions[id].size)
		return NULL;
	return &bus->regions[id];
}

void sim_bus_update(struct sim_bus *bus, uint64_t bus_addr, void *base,
		    uint64_t size)
{
	struct sim_region *r = lookup(bus, bus_addr);

	if (r && size) {
		r->base = base;
		r->size = size;
	}
}

void sim_bus_remove(struct sim_bus *bus, uint64_t bus_addr)
{
	struct sim_region *r = lookup(bus, bus_addr);

	if (!r)
		return;
	r->base = NULL;
	r->size = 0;
	r->next_free = bus->free_head;
	bus->free_head = (uint32_t)(bus_addr >> SIM_BUS_SHIFT);
}

void *sim_bus_ptr(const struct sim_bus *bus, uint64_t bus_addr, size_t len)
{
	const struct sim_region *r = lookup(bus, bus_addr);
	uint64_t off = bus_addr & OFFSET_MASK;

	if (!r || off > r->size || len > r->size - off)
		return NULL;
	return r->base + off;
}
