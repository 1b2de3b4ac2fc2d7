// SPDX-License-Identifier: MIT
/*
 * device.c - opening a device (spec parsing, default discovery), closing
 * it, and the queries that go straight to the backend.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaccel/accel_internal.h"

#define ACCEL_DIR	"/dev/accel"
#define ACCEL_MAX_NODES	64

int accel_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		shift = 10; end++;
		break;
	case 'm': case 'M':
		shift = 20; end++;
		break;
	case 'g': case 'G':
		shift = 30; end++;
		break;
	default:
		break;
	}
	if (*end == 'i' && shift)	/* accept "MiB"-like "Mi" */
		end++;
	if (*end == 'B' && shift)
		end++;
	if (*end || v == 0 || v > (~0ull >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int is_decimal(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int open_backend(struct accel_dev *dev, const char *spec)
{
	char path[64];

	if (strcmp(spec, "sim") == 0)
		return accel_sim_open(dev, "");
	if (strncmp(spec, "sim:", 4) == 0)
		return accel_sim_open(dev, spec + 4);
	if (is_decimal(spec)) {
		if (strlen(spec) > 6)
			return -EINVAL;
		snprintf(path, sizeof(path), ACCEL_DIR "/accel%s", spec);
		return accel_drm_open(dev, path);
	}
	if (spec[0] == '/') {
		if (strlen(spec) >= sizeof(dev->path))
			return -ENAMETOOLONG;
		return accel_drm_open(dev, spec);
	}
	return -EINVAL;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

/* The first CSA node under /dev/accel in index order, else the sim. */
static int open_default(struct accel_dev *dev)
{
	unsigned int idx[ACCEL_MAX_NODES];
	unsigned int n = 0, i;
	struct dirent *de;
	char path[64];
	DIR *d;

	d = opendir(ACCEL_DIR);
	if (d) {
		while ((de = readdir(d)) && n < ACCEL_MAX_NODES) {
			unsigned int v;
			char tail;

			if (sscanf(de->d_name, "accel%u%c", &v, &tail) == 1)
				idx[n++] = v;
		}
		closedir(d);
	}
	qsort(idx, n, sizeof(idx[0]), cmp_uint);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), ACCEL_DIR "/accel%u", idx[i]);
		if (accel_drm_open(dev, path) == 0)
			return 0;
	}
	return accel_sim_open(dev, "");
}

int accel_open(const char *spec, struct accel_dev **out)
{
	struct accel_dev *dev;
	const char *env;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	if (pthread_mutex_init(&dev->lock, NULL)) {
		free(dev);
		return -ENOMEM;
	}
	dev->next_gen = 1;

	if (!spec || !*spec) {
		env = getenv("ACCEL_DEVICE");
		spec = (env && *env) ? env : NULL;
	}
	ret = spec ? open_backend(dev, spec) : open_default(dev);
	if (!ret) {
		ret = dev->be->query_info(dev, &dev->info);
		if (ret)
			dev->be->close(dev);
	}
	if (ret) {
		pthread_mutex_destroy(&dev->lock);
		free(dev);
		return ret;
	}
	*out = dev;
	return 0;
}

void accel_close(struct accel_dev *dev)
{
	if (!dev)
		return;
	while (dev->lists)
		accel_cmdlist_destroy(dev->lists);
	while (dev->bos)
		accel_bo_free(dev->bos);
	dev->be->close(dev);
	free(dev->by_handle);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

const char *accel_backend_name(const struct accel_dev *dev)
{
	return dev ? dev->be->name : "";
}

int accel_query_info(struct accel_dev *dev, struct accel_info *info)
{
	struct drm_csa_info di;
	int ret;

	if (!dev || !info)
		return -EINVAL;
	memset(&di, 0, sizeof(di));
	ret = dev->be->query_info(dev, &di);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	info->uapi_major = di.uapi_major;
	info->uapi_minor = di.uapi_minor;
	info->hw_version = di.hw_version;
	info->pci_vendor = di.pci_vendor;
	info->pci_device = di.pci_device;
	info->capabilities = di.capabilities;
	info->devmem_size = di.devmem_size;
	info->devmem_used = di.devmem_used;
	info->clock_khz = di.clock_khz;
	info->dram_mbps = di.dram_mbps;
	info->bcq_lanes = di.bcq_lanes;
	info->pim_banks = di.pim_banks;
	info->pim_macs_per_bank = di.pim_macs_per_bank;
	info->vec_lanes = di.vec_lanes;
	info->ring_entries = di.ring_entries;
	info->max_cmds = di.max_cmds;
	info->board_id = di.board_id;
	info->mem_channels = di.mem_channels;
	info->mem_peak_mbps = di.mem_peak_mbps;
	info->pcie_mbps = di.pcie_mbps;
	snprintf(info->board_name, sizeof(info->board_name), "%.*s",
		 (int)sizeof(di.board_name), di.board_name);
	snprintf(info->backend, sizeof(info->backend), "%s", dev->be->name);
	snprintf(info->path, sizeof(info->path), "%s", dev->path);
	return 0;
}

int accel_query_counters(struct accel_dev *dev, struct drm_csa_counters *c)
{
	if (!dev || !c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	return dev->be->query_counters(dev, c);
}

int accel_reset(struct accel_dev *dev)
{
	if (!dev)
		return -EINVAL;
	return dev->be->reset(dev);
}
