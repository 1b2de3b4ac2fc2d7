/* SPDX-License-Identifier: MIT */
/*
 * raw_pci.h - the CSA card from a guest's user space with no driver bound:
 * BAR0 and BAR2 through sysfs resource files, bus mastering through the
 * config file, and DMA-able host pages whose bus addresses come from
 * /proc/self/pagemap (valid without an IOMMU; needs root).
 *
 * Only the QEMU guest tests use this: it lets them put arbitrary (also
 * malformed) rings and descriptors in front of the device, which the
 * kernel driver would never do.
 */
#ifndef CSA_RAW_PCI_H
#define CSA_RAW_PCI_H

#include <stddef.h>
#include <stdint.h>

struct raw_dev {
	char sysfs[300];		/* /sys/bus/pci/devices/DDDD:BB:DD.F */
	volatile uint32_t *regs;	/* BAR0 */
	uint8_t *devmem;		/* BAR2 window, NULL without one */
	uint64_t devmem_len;
	int cfg_fd;
};

/* A host page the device may DMA to and from. */
struct dma_page {
	uint8_t *va;
	uint64_t bus;
};

/* Find the first CSA function (vendor/device of csa_device.h) with no
 * driver bound, map its BARs and enable memory decoding and bus mastering.
 * 0 or a negative errno; *why names what failed. */
int raw_dev_open(struct raw_dev *d, const char **why);
void raw_dev_close(struct raw_dev *d);

uint32_t raw_rd(const struct raw_dev *d, uint32_t off);
void raw_wr(const struct raw_dev *d, uint32_t off, uint32_t val);

/* @n locked pages, each with its bus address; 0 or a negative errno. */
int dma_pages_alloc(struct dma_page *pages, unsigned int n);
void dma_pages_free(struct dma_page *pages, unsigned int n);

#endif /* CSA_RAW_PCI_H */
