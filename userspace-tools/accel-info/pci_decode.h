/* SPDX-License-Identifier: MIT */
/*
 * pci_decode.h - what accel-info knows about a PCI function, and the pure
 * decoders that fill it from raw bytes: configuration space (capability
 * list, PCIe link, MSI/MSI-X enables, BAR registers) and sysfs text
 * (resource lines, link speed strings).  No I/O here, so every decoder is
 * tested on constructed inputs.
 */
#ifndef ACCEL_INFO_PCI_DECODE_H
#define ACCEL_INFO_PCI_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_NUM_BARS 6
#define PCI_CFG_LEGACY_SIZE 256
#define PCI_CFG_FULL_SIZE 4096

struct pci_id_pair {
	uint16_t vendor, device;
};

enum pci_irq_mode {
	PCI_IRQ_UNKNOWN = 0,	/* config space not readable (needs root) */
	PCI_IRQ_NONE,		/* no interrupt enabled */
	PCI_IRQ_INTX,
	PCI_IRQ_MSI,
	PCI_IRQ_MSIX,
};

struct pci_bar {
	bool present;
	bool io;		/* I/O space, else memory */
	bool mem64;		/* 64-bit memory BAR (uses the next slot too) */
	bool prefetchable;
	uint64_t addr;		/* 0 when not assigned */
	uint64_t size;		/* 0 when unknown */
};

/* Speeds are PCIe link speed codes: 1 = 2.5 GT/s ... 6 = 64 GT/s; 0 unknown */
struct pci_link {
	bool known;
	uint8_t cur_speed, cur_width;
	uint8_t max_speed, max_width;
};

struct pci_card {
	int domain;
	uint8_t bus, dev, func;
	char bdf[16];			/* dddd:bb:dd.f */
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code;		/* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	struct pci_bar bar[PCI_NUM_BARS];
	int numa_node;			/* -1: none or unknown */
	struct pci_link link;
	enum pci_irq_mode irq_mode;
	size_t cfg_len;			/* bytes of config space we could read */
	char driver[64];		/* "" = no driver bound */
	char accel_node[64];		/* "/dev/accel/accelN" or "" */
};

/* "2.5 GT/s" ... "64 GT/s"; "unknown" for other codes */
const char *pcie_speed_name(unsigned int code);
/* transfer rate in MT/s, 0 for an unknown code */
unsigned int pcie_speed_mts(unsigned int code);
/* sysfs current_link_speed text ("8.0 GT/s PCIe", "2.5 GT/s") -> code, 0 */
unsigned int pcie_speed_from_text(const char *text);

/* Offset of the first capability with this ID, 0 if absent or unreadable. */
size_t pci_cfg_find_cap(const uint8_t *cfg, size_t len, uint8_t cap_id);
/* PCIe capability LNKCAP/LNKSTA; false (link->known = false) without one. */
bool pci_decode_link(const uint8_t *cfg, size_t len, struct pci_link *link);
/* Which interrupt the function has enabled: MSI-X, MSI, INTx or none. */
enum pci_irq_mode pci_decode_irq_mode(const uint8_t *cfg, size_t len);
const char *pci_irq_mode_name(enum pci_irq_mode mode);

/* Type bits of a BAR register (the low 4 bits); address masked off. */
void pci_decode_bar_reg(uint32_t reg, struct pci_bar *bar);
/*
 * All six BARs from the config registers (cfg must hold 0x28 bytes), with
 * the addresses and sizes the OS reports (libpci base_addr/size or sysfs
 * resource); the upper half of a 64-bit BAR is left not present.
 */
void pci_decode_bars(const uint8_t *cfg, size_t len,
		     const uint64_t base[PCI_NUM_BARS],
		     const uint64_t size[PCI_NUM_BARS],
		     struct pci_bar bar[PCI_NUM_BARS]);

/* Linux IORESOURCE_* flags of a sysfs resource line -> BAR type bits */
void pci_decode_resource_flags(uint64_t flags, struct pci_bar *bar);
/* One line of /sys/bus/pci/devices/X/resource: "0xSTART 0xEND 0xFLAGS".
 * Returns 0 or -EINVAL. */
int pci_parse_resource_line(const char *line, uint64_t *start, uint64_t *end,
			    uint64_t *flags);

/* "dddd:bb:dd.f" -> fields; 0 or -EINVAL */
int pci_parse_bdf(const char *text, int *domain, uint8_t *bus, uint8_t *dev,
		  uint8_t *func);
/* "VVVV:DDDD" (hex) -> ids; 0 or -EINVAL */
int pci_parse_id_pair(const char *text, struct pci_id_pair *id);

/* Identity fields from config space (needs 0x30 bytes); false if short. */
bool pci_decode_identity(const uint8_t *cfg, size_t len, struct pci_card *c);

#endif /* ACCEL_INFO_PCI_DECODE_H */
