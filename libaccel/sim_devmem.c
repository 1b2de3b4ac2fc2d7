// SPDX-License-Identifier: MIT
/*
 * sim_devmem.c - first-fit allocator of device-memory ranges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel/sim_devmem.h"

static uint64_t round_up(uint64_t len)
{
	return (len + SIM_DEVMEM_ALIGN - 1) & ~(uint64_t)(SIM_DEVMEM_ALIGN - 1);
}

static int reserve(struct sim_devmem *m, uint32_t count)
{
	struct sim_range *r;
	uint32_t cap;

	if (count <= m->cap)
		return 0;
	cap = m->cap ? m->cap * 2 : 16;
	r = realloc(m->free, (size_t)cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	m->free = r;
	m->cap = cap;
	return 0;
}

int sim_devmem_init(struct sim_devmem *m, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	if (!size || size % SIM_DEVMEM_ALIGN)
		return -EINVAL;
	if (reserve(m, 1))
		return -ENOMEM;
	m->free[0].start = 0;
	m->free[0].len = size;
	m->count = 1;
	m->size = size;
	return 0;
}

void sim_devmem_fini(struct sim_devmem *m)
{
	free(m->free);
	memset(m, 0, sizeof(*m));
}

int sim_devmem_alloc(struct sim_devmem *m, uint64_t len, uint64_t *start)
{
	uint32_t i;

	if (!len || len > m->size)
		return -ENOMEM;
	len = round_up(len);
	if (reserve(m, m->live + 2))
		return -ENOMEM;
	for (i = 0; i < m->count; i++) {
		struct sim_range *r = &m->free[i];

		if (r->len < len)
			continue;
		*start = r->start;
		r->start += len;
		r->len -= len;
		if (!r->len) {
			memmove(r, r + 1, (m->count - i - 1) * sizeof(*r));
			m->count--;
		}
		m->used += len;
		m->live++;
		return 0;
	}
	return -ENOMEM;
}

void sim_devmem_free(struct sim_devmem *m, uint64_t start, uint64_t len)
{
	uint32_t i;
	int join_prev, join_next;

	len = round_up(len);
	/* first free range after the one being returned */
	for (i = 0; i < m->count && m->free[i].start < start; i++)
		;
	join_prev = i > 0 && m->free[i - 1].start + m->free[i - 1].len == start;
	join_next = i < m->count && start + len == m->free[i].start;
	if (join_prev && join_next) {
		m->free[i - 1].len += len + m->free[i].len;
		memmove(&m->free[i], &m->free[i + 1],
			(m->count - i - 1) * sizeof(m->free[0]));
		m->count--;
	} else if (join_prev) {
		m->free[i - 1].len += len;
	} else if (join_next) {
		m->free[i].start = start;
		m->free[i].len += len;
	} else {
		memmove(&m->free[i + 1], &m->free[i],
			(m->count - i) * sizeof(m->free[0]));
		m->free[i].start = start;
		m->free[i].len = len;
		m->count++;
	}
	m->used -= len;
	m->live--;
}
