// SPDX-License-Identifier: MIT
/* pci_scan.c - the scan result list and the advice for unbound cards. */
#include "pci_scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm/csa_accel.h>

bool pci_scan_matches(const struct pci_scan_opts *o, uint16_t vendor,
		      uint16_t device)
{
	for (size_t i = 0; i < o->num_ids; i++)
		if (o->ids[i].vendor == vendor && o->ids[i].device == device)
			return true;
	return false;
}

int pci_scan_add(struct pci_scan_result *r, const struct pci_card *c)
{
	struct pci_card *grown = realloc(r->cards, (r->count + 1) * sizeof(*c));

	if (!grown)
		return -ENOMEM;
	r->cards = grown;
	r->cards[r->count++] = *c;
	return 0;
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct pci_card *)a)->bdf,
		      ((const struct pci_card *)b)->bdf);
}

void pci_scan_sort(struct pci_scan_result *r)
{
	if (r->count > 1)
		qsort(r->cards, r->count, sizeof(*r->cards), by_bdf);
}

void pci_scan_free(struct pci_scan_result *r)
{
	free(r->cards);
	r->cards = NULL;
	r->count = 0;
}

const char *pci_card_hint(const struct pci_card *c, char *buf, size_t size)
{
	if (!c->driver[0]) {
		snprintf(buf, size,
			 "no driver bound: load it (modprobe %s, or insmod %s.ko); "
			 "if it is loaded, see dmesg (e.g. an unsupported hardware "
			 "version); for IDs the driver does not list: echo %04x %04x "
			 "> /sys/bus/pci/drivers/%s/new_id",
			 DRM_CSA_DRIVER_NAME, DRM_CSA_DRIVER_NAME, c->vendor,
			 c->device, DRM_CSA_DRIVER_NAME);
		return buf;
	}
	if (strcmp(c->driver, DRM_CSA_DRIVER_NAME) != 0) {
		snprintf(buf, size,
			 "bound to %s, not %s: echo %s > /sys/bus/pci/devices/%s/driver/unbind, "
			 "then bind it to %s",
			 c->driver, DRM_CSA_DRIVER_NAME, c->bdf, c->bdf,
			 DRM_CSA_DRIVER_NAME);
		return buf;
	}
	if (!c->accel_node[0]) {
		snprintf(buf, size,
			 "driver bound but no /dev/accel node: probe failed or "
			 "is incomplete, see dmesg");
		return buf;
	}
	return NULL;
}
