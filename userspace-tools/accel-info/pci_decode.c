// SPDX-License-Identifier: MIT
/* pci_decode.c - pure decoders of PCI configuration space and sysfs text. */
#include "pci_decode.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned int mts;
	const char *name;
} pcie_speeds[] = {
	[1] = { 2500, "2.5 GT/s" },
	[2] = { 5000, "5 GT/s" },
	[3] = { 8000, "8 GT/s" },
	[4] = { 16000, "16 GT/s" },
	[5] = { 32000, "32 GT/s" },
	[6] = { 64000, "64 GT/s" },
};

#define NUM_SPEEDS (sizeof(pcie_speeds) / sizeof(pcie_speeds[0]))

const char *pcie_speed_name(unsigned int code)
{
	if (code == 0 || code >= NUM_SPEEDS)
		return "unknown";
	return pcie_speeds[code].name;
}

unsigned int pcie_speed_mts(unsigned int code)
{
	return code && code < NUM_SPEEDS ? pcie_speeds[code].mts : 0;
}

unsigned int pcie_speed_from_text(const char *text)
{
	char *end;
	double gts;

	if (!text)
		return 0;
	gts = strtod(text, &end);
	if (end == text)
		return 0;	/* "Unknown", empty */
	while (*end == ' ')
		end++;
	if (strncmp(end, "GT/s", 4) != 0)
		return 0;
	unsigned int mts = (unsigned int)(gts * 1000.0 + 0.5);

	for (unsigned int code = 1; code < NUM_SPEEDS; code++)
		if (pcie_speeds[code].mts == mts)
			return code;
	return 0;
}

static uint16_t rd16(const uint8_t *cfg, size_t off)
{
	return (uint16_t)(cfg[off] | cfg[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *cfg, size_t off)
{
	return (uint32_t)cfg[off] | (uint32_t)cfg[off + 1] << 8 |
	       (uint32_t)cfg[off + 2] << 16 | (uint32_t)cfg[off + 3] << 24;
}

size_t pci_cfg_find_cap(const uint8_t *cfg, size_t len, uint8_t cap_id)
{
	/* the list lives in the first 256 bytes; a header must be readable */
	if (!cfg || len < 0x40 || !(rd16(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	size_t pos = cfg[PCI_CAPABILITY_LIST] & 0xfc;

	/* 48 capabilities fill the space: more means a loop in the list */
	for (int hops = 0; pos >= 0x40 && hops < 48; hops++) {
		if (pos + 2 > len)
			return 0;
		if (cfg[pos] == cap_id)
			return pos;
		pos = cfg[pos + 1] & 0xfc;
	}
	return 0;
}

bool pci_decode_link(const uint8_t *cfg, size_t len, struct pci_link *link)
{
	size_t cap = pci_cfg_find_cap(cfg, len, PCI_CAP_ID_EXP);

	*link = (struct pci_link){ 0 };
	if (!cap || cap + PCI_EXP_LNKSTA + 2 > len)
		return false;
	uint32_t lnkcap = rd32(cfg, cap + PCI_EXP_LNKCAP);
	uint16_t lnksta = rd16(cfg, cap + PCI_EXP_LNKSTA);

	link->max_speed = lnkcap & PCI_EXP_LNKCAP_SLS;
	link->max_width = (lnkcap & PCI_EXP_LNKCAP_MLW) >> 4;
	link->cur_speed = lnksta & PCI_EXP_LNKSTA_CLS;
	link->cur_width = (lnksta & PCI_EXP_LNKSTA_NLW) >> PCI_EXP_LNKSTA_NLW_SHIFT;
	link->known = true;
	return true;
}

enum pci_irq_mode pci_decode_irq_mode(const uint8_t *cfg, size_t len)
{
	size_t cap;

	if (!cfg || len < 0x40)
		return PCI_IRQ_UNKNOWN;
	/* a capability list we cannot read (unprivileged: 64 bytes) */
	if ((rd16(cfg, PCI_STATUS) & PCI_STATUS_CAP_LIST) && len < 0x100)
		return PCI_IRQ_UNKNOWN;
	cap = pci_cfg_find_cap(cfg, len, PCI_CAP_ID_MSIX);
	if (cap && (rd16(cfg, cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE))
		return PCI_IRQ_MSIX;
	cap = pci_cfg_find_cap(cfg, len, PCI_CAP_ID_MSI);
	if (cap && (rd16(cfg, cap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE))
		return PCI_IRQ_MSI;
	if (cfg[PCI_INTERRUPT_PIN] &&
	    !(rd16(cfg, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE))
		return PCI_IRQ_INTX;
	return PCI_IRQ_NONE;
}

const char *pci_irq_mode_name(enum pci_irq_mode mode)
{
	switch (mode) {
	case PCI_IRQ_NONE: return "none";
	case PCI_IRQ_INTX: return "INTx";
	case PCI_IRQ_MSI: return "MSI";
	case PCI_IRQ_MSIX: return "MSI-X";
	case PCI_IRQ_UNKNOWN: break;
	}
	return "unknown";
}

void pci_decode_bar_reg(uint32_t reg, struct pci_bar *bar)
{
	bar->io = reg & PCI_BASE_ADDRESS_SPACE_IO;
	bar->mem64 = !bar->io && (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				 PCI_BASE_ADDRESS_MEM_TYPE_64;
	bar->prefetchable = !bar->io && (reg & PCI_BASE_ADDRESS_MEM_PREFETCH);
}

void pci_decode_bars(const uint8_t *cfg, size_t len,
		     const uint64_t base[PCI_NUM_BARS],
		     const uint64_t size[PCI_NUM_BARS],
		     struct pci_bar bar[PCI_NUM_BARS])
{
	memset(bar, 0, sizeof(*bar) * PCI_NUM_BARS);
	if (len < PCI_BASE_ADDRESS_5 + 4)
		return;
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t reg = rd32(cfg, PCI_BASE_ADDRESS_0 + 4 * i);

		if (reg == 0xffffffff)
			reg = 0;	/* unreadable */
		if (!reg && !base[i] && !size[i])
			continue;
		pci_decode_bar_reg(reg, &bar[i]);
		bar[i].present = true;
		/* libpci and sysfs may leave the type bits in the address */
		bar[i].addr = base[i] & (bar[i].io ? ~(uint64_t)0x3 : ~(uint64_t)0xf);
		bar[i].size = size[i];
		if (bar[i].mem64)
			i++;	/* the next register holds the upper half */
	}
}

/* Linux include/linux/ioport.h, stable since 2.6 (exported through sysfs) */
#define IORESOURCE_IO		0x00000100
#define IORESOURCE_MEM		0x00000200
#define IORESOURCE_PREFETCH	0x00002000
#define IORESOURCE_MEM_64	0x00100000

void pci_decode_resource_flags(uint64_t flags, struct pci_bar *bar)
{
	bar->io = flags & IORESOURCE_IO;
	bar->mem64 = (flags & IORESOURCE_MEM) && (flags & IORESOURCE_MEM_64);
	bar->prefetchable = (flags & IORESOURCE_MEM) &&
			    (flags & IORESOURCE_PREFETCH);
}

int pci_parse_resource_line(const char *line, uint64_t *start, uint64_t *end,
			    uint64_t *flags)
{
	uint64_t v[3];
	const char *p = line;

	for (int i = 0; i < 3; i++) {
		char *next;

		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
			return -EINVAL;
		errno = 0;
		v[i] = strtoull(p, &next, 16);
		if (errno || next == p + 2)
			return -EINVAL;
		p = next;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*start = v[0];
	*end = v[1];
	*flags = v[2];
	return 0;
}

int pci_parse_bdf(const char *text, int *domain, uint8_t *bus, uint8_t *dev,
		  uint8_t *func)
{
	unsigned int d, b, s, f;
	int n = 0;

	if (sscanf(text, "%4x:%2x:%2x.%1x%n", &d, &b, &s, &f, &n) != 4 ||
	    text[n] || n != 12 || s > 31 || f > 7)
		return -EINVAL;
	*domain = (int)d;
	*bus = (uint8_t)b;
	*dev = (uint8_t)s;
	*func = (uint8_t)f;
	return 0;
}

int pci_parse_id_pair(const char *text, struct pci_id_pair *id)
{
	unsigned int v, d;
	int n = 0;

	if (sscanf(text, "%4x:%4x%n", &v, &d, &n) != 2 || text[n])
		return -EINVAL;
	id->vendor = (uint16_t)v;
	id->device = (uint16_t)d;
	return 0;
}

bool pci_decode_identity(const uint8_t *cfg, size_t len, struct pci_card *c)
{
	if (len < 0x30)
		return false;
	c->vendor = rd16(cfg, PCI_VENDOR_ID);
	c->device = rd16(cfg, PCI_DEVICE_ID);
	c->revision = cfg[PCI_REVISION_ID];
	c->class_code = rd32(cfg, PCI_CLASS_REVISION) >> 8;
	if ((cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL) {
		c->subsys_vendor = rd16(cfg, PCI_SUBSYSTEM_VENDOR_ID);
		c->subsys_device = rd16(cfg, PCI_SUBSYSTEM_ID);
	}
	return true;
}
