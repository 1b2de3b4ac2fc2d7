// SPDX-License-Identifier: MIT
/*
 * pci_scan_nolibpci.c - the enumerator of the static build: Debian ships no
 * libpci.a, so accel-info-static reads sysfs itself (same struct pci_card;
 * what is lost is libpci's /proc and direct-I/O fallbacks, nothing the VM
 * needs).
 */
#include "pci_scan.h"

int pci_scan(const struct pci_scan_opts *o, struct pci_scan_result *r)
{
	return pci_scan_sysfs(o, r);
}
