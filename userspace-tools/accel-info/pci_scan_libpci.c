// SPDX-License-Identifier: MIT
/*
 * pci_scan_libpci.c - enumerate CSA cards through libpci (pciutils), which
 * knows every access method (sysfs, /proc, direct I/O) and caches config.
 */
#include "pci_scan.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>

/*
 * libpci's error callback must not return (the default one exits), so a
 * fatal libpci error jumps back to the scan.  One scan at a time.
 */
static jmp_buf libpci_escape;
static char libpci_message[160];

static _Noreturn void libpci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(libpci_message, sizeof(libpci_message), msg, ap);
	va_end(ap);
	longjmp(libpci_escape, 1);
}

static void libpci_quiet(char *msg, ...)
{
	(void)msg;
}

/* As much config space as we may read: chunks, since unprivileged
 * readers get only the first 64 bytes. */
static size_t read_config(struct pci_dev *d, uint8_t *cfg)
{
	static const int ends[] = { 64, PCI_CFG_LEGACY_SIZE, PCI_CFG_FULL_SIZE };
	int got = 0;

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		if (!pci_read_block(d, got, cfg + got, ends[i] - got))
			break;
		got = ends[i];
	}
	return (size_t)got;
}

static int add_card(const struct pci_scan_opts *o, struct pci_dev *d,
		    struct pci_scan_result *r)
{
	struct pci_card c = { .numa_node = -1 };
	uint8_t cfg[PCI_CFG_FULL_SIZE] = { 0 };
	uint64_t base[PCI_NUM_BARS], size[PCI_NUM_BARS];
	const char *driver;

	c.domain = d->domain;
	c.bus = d->bus;
	c.dev = d->dev;
	c.func = d->func;
	snprintf(c.bdf, sizeof(c.bdf), "%04x:%02x:%02x.%x",
		 (unsigned int)d->domain & 0xffff, d->bus, d->dev, d->func);
	c.vendor = d->vendor_id;
	c.device = d->device_id;
	c.class_code = (uint32_t)d->device_class << 8 | d->prog_if;
	c.revision = d->rev_id;
	c.subsys_vendor = d->subsys_vendor_id;
	c.subsys_device = d->subsys_id;
	c.numa_node = d->numa_node;
	c.cfg_len = read_config(d, cfg);
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		base[i] = d->base_addr[i];
		size[i] = d->size[i];
	}
	if (c.cfg_len >= 0x28) {
		pci_decode_bars(cfg, c.cfg_len, base, size, c.bar);
	} else if (d->known_fields & PCI_FILL_IO_FLAGS) {
		for (int i = 0; i < PCI_NUM_BARS; i++) {
			if (!size[i])
				continue;
			pci_decode_resource_flags(d->flags[i], &c.bar[i]);
			c.bar[i].present = true;
			c.bar[i].addr = base[i] & ~(uint64_t)0xf;
			c.bar[i].size = size[i];
		}
	}
	pci_decode_link(cfg, c.cfg_len, &c.link);
	c.irq_mode = pci_decode_irq_mode(cfg, c.cfg_len);
	driver = pci_get_string_property(d, PCI_FILL_DRIVER);
	if (driver)
		snprintf(c.driver, sizeof(c.driver), "%s", driver);
	pci_sysfs_complete(o->sysfs_root, &c);
	return pci_scan_add(r, &c);
}

int pci_scan_libpci(const struct pci_scan_opts *o, struct pci_scan_result *r)
{
	/* volatile: read again after a longjmp */
	struct pci_access *volatile pacc;
	char sysfs_bus[256];
	volatile int err = 0;

	*r = (struct pci_scan_result){ .method = "libpci" };
	pacc = pci_alloc();
	if (!pacc)
		return -ENOMEM;
	pacc->error = libpci_error;
	pacc->warning = libpci_quiet;
	pacc->debug = libpci_quiet;
	if (setjmp(libpci_escape)) {
		pci_cleanup(pacc);
		pci_scan_free(r);
		return -ENODEV;	/* libpci_message says why */
	}
	if (strcmp(o->sysfs_root, "/sys") != 0) {
		/* a constructed tree: sysfs only, at that root */
		snprintf(sysfs_bus, sizeof(sysfs_bus), "%s/bus/pci", o->sysfs_root);
		pacc->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(pacc, "sysfs.path", sysfs_bus);
	}
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (struct pci_dev *d = pacc->devices; d && !err; d = d->next) {
		pci_fill_info(d, PCI_FILL_IDENT);
		if (!pci_scan_matches(o, d->vendor_id, d->device_id))
			continue;
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES |
				 PCI_FILL_SIZES | PCI_FILL_CLASS |
				 PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS |
				 PCI_FILL_CAPS | PCI_FILL_EXT_CAPS |
				 PCI_FILL_NUMA_NODE | PCI_FILL_IO_FLAGS |
				 PCI_FILL_DRIVER);
		err = add_card(o, d, r);
	}
	pci_cleanup(pacc);
	if (err) {
		pci_scan_free(r);
		return err;
	}
	pci_scan_sort(r);
	return 0;
}

/* The enumerator of the normal build (pci_scan_nolibpci.c in the static one) */
int pci_scan(const struct pci_scan_opts *o, struct pci_scan_result *r)
{
	return pci_scan_libpci(o, r);
}
