/* SPDX-License-Identifier: MIT */
/*
 * pci_scan.h - find the CSA cards on the PCI bus.  Two sources fill the same
 * struct pci_card: libpci (the normal build) and plain sysfs (the static
 * build, where no libpci.a exists); both add the facts only sysfs knows:
 * the bound driver and the /dev/accel node.
 */
#ifndef ACCEL_INFO_PCI_SCAN_H
#define ACCEL_INFO_PCI_SCAN_H

#include "pci_decode.h"

#define PCI_SCAN_MAX_IDS 8

struct pci_scan_opts {
	const char *sysfs_root;		/* "/sys"; a constructed tree in tests */
	struct pci_id_pair ids[PCI_SCAN_MAX_IDS];
	size_t num_ids;
};

struct pci_scan_result {
	struct pci_card *cards;		/* sorted by BDF */
	size_t count;
	const char *method;		/* "libpci" or "sysfs" */
};

/* The build's enumerator: libpci, or sysfs in a build without libpci.
 * Returns 0 or a negative errno when the bus cannot be read at all. */
int pci_scan(const struct pci_scan_opts *o, struct pci_scan_result *r);
int pci_scan_sysfs(const struct pci_scan_opts *o, struct pci_scan_result *r);
/* only in a build with libpci (pci_scan_libpci.c) */
int pci_scan_libpci(const struct pci_scan_opts *o, struct pci_scan_result *r);
void pci_scan_free(struct pci_scan_result *r);

bool pci_scan_matches(const struct pci_scan_opts *o, uint16_t vendor,
		      uint16_t device);
/* Append a card to r (sorted at the end by pci_scan_sort); 0 or -ENOMEM */
int pci_scan_add(struct pci_scan_result *r, const struct pci_card *c);
void pci_scan_sort(struct pci_scan_result *r);

/*
 * Complete a card from sysfs: driver, /dev/accel node, and the link,
 * interrupt mode and NUMA node where config space did not tell (an
 * unprivileged reader sees only its first 64 bytes).
 */
void pci_sysfs_complete(const char *sysfs_root, struct pci_card *c);

/* One-line advice for a card without a working driver; NULL if it is fine. */
const char *pci_card_hint(const struct pci_card *c, char *buf, size_t size);

#endif /* ACCEL_INFO_PCI_SCAN_H */
