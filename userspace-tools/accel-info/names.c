// SPDX-License-Identifier: MIT
/* names.c - names of device bits and enums; byte formatting. */
#include "names.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <accel/accel.h>
#include <csa/csa_device.h>
#include <drm/csa_accel.h>

const struct bit_name capability_names[] = {
	{ CSA_CAP_BCQ, "bcq" },
	{ CSA_CAP_CONSMAX, "consmax" },
	{ CSA_CAP_PIM, "pim" },
	{ CSA_CAP_VECTOR, "vector" },
	{ CSA_CAP_DMA, "dma" },
	{ CSA_CAP_DEVMEM_BAR, "devmem_bar" },
	{ CSA_CAP_POW2_SCALES, "pow2_scales" },
	{ CSA_CAP_BCQ_BATCH, "bcq_batch" },
	{ CSA_CAP_KV_BATCH, "kv_batch" },
	{ CSA_CAP_F32_BATCH, "f32_batch" },
	{ CSA_CAP_DEP_QUEUES, "dep_queues" },
};
const size_t num_capability_names =
	sizeof(capability_names) / sizeof(capability_names[0]);

const struct bit_name error_status_names[] = {
	{ CSA_ERR_RING_SETUP, "ring_setup" },
	{ CSA_ERR_SQ_FETCH, "sq_fetch" },
	{ CSA_ERR_CQ_WRITE, "cq_write" },
	{ CSA_ERR_DOORBELL, "doorbell" },
	{ CSA_ERR_CMD, "cmd" },
};
const size_t num_error_status_names =
	sizeof(error_status_names) / sizeof(error_status_names[0]);

static const char *const engines[CSA_ENGINE_COUNT] = {
	[CSA_ENGINE_DMA] = "dma",
	[CSA_ENGINE_VECTOR] = "vector",
	[CSA_ENGINE_BCQ] = "bcq",
	[CSA_ENGINE_PIM] = "pim",
	[CSA_ENGINE_CONSMAX] = "consmax",
};

const char *engine_name(unsigned int engine)
{
	return engine < CSA_ENGINE_COUNT ? engines[engine] : "engine?";
}

const char *status_name(uint32_t status, char *buf, size_t size)
{
	if (status < CSA_STATUS_COUNT)
		return accel_status_name(status);	/* libaccel's table */
	snprintf(buf, size, "STATUS_%" PRIu32, status);
	return buf;
}

const char *bits_to_text(uint64_t value, const struct bit_name *names,
			 size_t count, const char *sep, char *buf, size_t size)
{
	size_t used = 0;
	uint64_t unknown = value;

	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		if (!(value & names[i].bit))
			continue;
		unknown &= ~names[i].bit;
		int n = snprintf(buf + used, size - used, "%s%s",
				 used ? sep : "", names[i].name);

		if (n < 0 || (size_t)n >= size - used)
			return buf;	/* truncated, still terminated */
		used += (size_t)n;
	}
	if (unknown)
		snprintf(buf + used, size - used, "%s0x%" PRIx64,
			 used ? sep : "", unknown);
	else if (!value)
		snprintf(buf, size, "none");
	return buf;
}

const char *format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t whole = bytes, rem = 0;

	while (whole >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		rem = whole % 1024;
		whole /= 1024;
		u++;
	}
	if (rem == 0 || u == 0) {
		snprintf(buf, size, "%" PRIu64 " %s", whole, units[u]);
	} else {
		/* one decimal, truncated so 1023.99 KiB never reads 1024.0 */
		snprintf(buf, size, "%" PRIu64 ".%u %s", whole,
			 (unsigned int)(rem * 10 / 1024), units[u]);
	}
	return buf;
}
