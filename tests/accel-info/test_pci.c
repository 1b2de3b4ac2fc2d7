// SPDX-License-Identifier: MIT
/*
 * test_pci.c - the PCI decoders on constructed config space and sysfs
 * text, both enumerators (libpci and plain sysfs) on a constructed sysfs
 * tree, and both against each other on this machine's real bus.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csa/csa_device.h>

#include "tests/accel-info/suites.h"
#include "userspace-tools/accel-info/pci_scan.h"

/* ---- constructed configuration space ----------------------------------- */

static void put16(uint8_t *cfg, size_t off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *cfg, size_t off, uint32_t v)
{
	put16(cfg, off, (uint16_t)v);
	put16(cfg, off + 2, (uint16_t)(v >> 16));
}

#define CAP_PM		0x40
#define CAP_MSI		0x50
#define CAP_EXP		0x70
#define CAP_MSIX	0xb0

/*
 * A CSA function as QEMU would show it: PM -> MSI -> PCIe -> MSI-X, link
 * trained at 2.5 GT/s x1 of 16 GT/s x16, BAR0 32-bit registers, BAR2 64-bit
 * prefetchable device memory, BAR4 32-bit MSI-X table.
 */
static void make_config(uint8_t cfg[PCI_CFG_LEGACY_SIZE])
{
	memset(cfg, 0, PCI_CFG_LEGACY_SIZE);
	put16(cfg, 0x00, CSA_PCI_VENDOR_ID);
	put16(cfg, 0x02, CSA_PCI_DEVICE_ID);
	put16(cfg, 0x04, 0x0006);		/* memory + bus master */
	put16(cfg, 0x06, 0x0010);		/* capability list */
	put32(cfg, 0x08, CSA_PCI_CLASS << 8 | 0x02);	/* revision 2 */
	put32(cfg, 0x10, 0xfebf0000);		/* BAR0 mem32 */
	put32(cfg, 0x18, 0xe000000c);		/* BAR2 mem64 prefetchable */
	put32(cfg, 0x1c, 0x00000001);		/* BAR3: upper half */
	put32(cfg, 0x20, 0xfebf1000);		/* BAR4 mem32 */
	put16(cfg, 0x2c, 0x1af4);		/* subsystem */
	put16(cfg, 0x2e, 0x1100);
	cfg[0x34] = CAP_PM;
	cfg[0x3d] = 1;				/* INTA# */
	cfg[CAP_PM] = 0x01;
	cfg[CAP_PM + 1] = CAP_MSI;
	cfg[CAP_MSI] = 0x05;
	cfg[CAP_MSI + 1] = CAP_EXP;
	cfg[CAP_EXP] = 0x10;
	cfg[CAP_EXP + 1] = CAP_MSIX;
	put32(cfg, CAP_EXP + 0x0c, 16u << 4 | 4);	/* LNKCAP x16, 16 GT/s */
	put16(cfg, CAP_EXP + 0x12, 1u << 4 | 1);	/* LNKSTA x1, 2.5 GT/s */
	cfg[CAP_MSIX] = 0x11;
	cfg[CAP_MSIX + 1] = 0x00;
	put16(cfg, CAP_MSIX + 2, CSA_MSIX_VECTORS - 1);
}

static void test_speed_names(void)
{
	static const char *const names[] = { "unknown", "2.5 GT/s", "5 GT/s",
		"8 GT/s", "16 GT/s", "32 GT/s", "64 GT/s", "unknown" };
	static const unsigned int mts[] = { 0, 2500, 5000, 8000, 16000, 32000,
					    64000, 0 };

	for (unsigned int code = 0; code < 8; code++) {
		CU_ASSERT_STRING_EQUAL(pcie_speed_name(code), names[code]);
		CU_ASSERT_EQUAL(pcie_speed_mts(code), mts[code]);
	}
	CU_ASSERT_STRING_EQUAL(pcie_speed_name(15), "unknown");
}

static void test_speed_from_sysfs_text(void)
{
	CU_ASSERT_EQUAL(pcie_speed_from_text("2.5 GT/s PCIe"), 1);
	CU_ASSERT_EQUAL(pcie_speed_from_text("5.0 GT/s PCIe"), 2);
	CU_ASSERT_EQUAL(pcie_speed_from_text("8.0 GT/s PCIe"), 3);
	CU_ASSERT_EQUAL(pcie_speed_from_text("16.0 GT/s PCIe"), 4);
	CU_ASSERT_EQUAL(pcie_speed_from_text("32.0 GT/s PCIe"), 5);
	CU_ASSERT_EQUAL(pcie_speed_from_text("64.0 GT/s PCIe"), 6);
	CU_ASSERT_EQUAL(pcie_speed_from_text("8 GT/s"), 3);
	CU_ASSERT_EQUAL(pcie_speed_from_text("Unknown"), 0);
	CU_ASSERT_EQUAL(pcie_speed_from_text(""), 0);
	CU_ASSERT_EQUAL(pcie_speed_from_text("2.5 MT/s"), 0);
	CU_ASSERT_EQUAL(pcie_speed_from_text("3.0 GT/s"), 0);
	CU_ASSERT_EQUAL(pcie_speed_from_text(NULL), 0);
}

static void test_capability_walk(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];

	make_config(cfg);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x01), CAP_PM);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x05), CAP_MSI);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x10), CAP_EXP);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x11), CAP_MSIX);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x09), 0);
	/* only 64 bytes readable (an unprivileged reader): nothing found */
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, 64, 0x01), 0);
	/* no capability-list bit in STATUS */
	put16(cfg, 0x06, 0);
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x01), 0);
	/* a list that loops back on itself ends */
	make_config(cfg);
	cfg[CAP_MSI + 1] = CAP_PM;
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x11), 0);
	/* a pointer into the header (< 0x40) ends the list */
	make_config(cfg);
	cfg[CAP_PM + 1] = 0x10;
	CU_ASSERT_EQUAL(pci_cfg_find_cap(cfg, sizeof(cfg), 0x05), 0);
}

static void test_link_decoding(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];
	struct pci_link l;

	make_config(cfg);
	CU_ASSERT_TRUE(pci_decode_link(cfg, sizeof(cfg), &l));
	CU_ASSERT_TRUE(l.known);
	CU_ASSERT_EQUAL(l.max_speed, 4);
	CU_ASSERT_EQUAL(l.max_width, 16);
	CU_ASSERT_EQUAL(l.cur_speed, 1);
	CU_ASSERT_EQUAL(l.cur_width, 1);
	/* Gen5 x8 negotiated at Gen4 x4, with unrelated LNKCAP bits set */
	put32(cfg, CAP_EXP + 0x0c, 0x00477c00u | 8u << 4 | 5);
	put16(cfg, CAP_EXP + 0x12, 0x3000 | 4u << 4 | 4);
	CU_ASSERT_TRUE(pci_decode_link(cfg, sizeof(cfg), &l));
	CU_ASSERT_EQUAL(l.max_speed, 5);
	CU_ASSERT_EQUAL(l.max_width, 8);
	CU_ASSERT_EQUAL(l.cur_speed, 4);
	CU_ASSERT_EQUAL(l.cur_width, 4);
	/* no PCIe capability (conventional PCI) */
	cfg[CAP_MSI + 1] = CAP_MSIX;
	CU_ASSERT_FALSE(pci_decode_link(cfg, sizeof(cfg), &l));
	CU_ASSERT_FALSE(l.known);
}

static void test_irq_mode(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];

	make_config(cfg);
	/* nothing enabled, INTx allowed and a pin: INTx */
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_INTX);
	put16(cfg, 0x04, 0x0406);		/* INTx disable */
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_NONE);
	put16(cfg, CAP_MSI + 2, 0x0081);	/* MSI enable (64-bit) */
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_MSI);
	put16(cfg, CAP_MSIX + 2, 0x8000 | (CSA_MSIX_VECTORS - 1));
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_MSIX);
	/* MSI-X enable with function mask still counts as MSI-X mode */
	put16(cfg, CAP_MSIX + 2, 0xc000);
	put16(cfg, CAP_MSI + 2, 0);
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_MSIX);
	/* no pin, nothing enabled */
	make_config(cfg);
	cfg[0x3d] = 0;
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, sizeof(cfg)), PCI_IRQ_NONE);
	/* capabilities unreadable: unknown, not "INTx" */
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, 64), PCI_IRQ_UNKNOWN);
	CU_ASSERT_EQUAL(pci_decode_irq_mode(cfg, 0), PCI_IRQ_UNKNOWN);
	CU_ASSERT_STRING_EQUAL(pci_irq_mode_name(PCI_IRQ_MSIX), "MSI-X");
	CU_ASSERT_STRING_EQUAL(pci_irq_mode_name(PCI_IRQ_INTX), "INTx");
	CU_ASSERT_STRING_EQUAL(pci_irq_mode_name(PCI_IRQ_UNKNOWN), "unknown");
}

static void test_bar_register_flags(void)
{
	struct pci_bar b;

	pci_decode_bar_reg(0xfebf0000, &b);
	CU_ASSERT(!b.io && !b.mem64 && !b.prefetchable);
	pci_decode_bar_reg(0xe000000c, &b);
	CU_ASSERT(!b.io && b.mem64 && b.prefetchable);
	pci_decode_bar_reg(0xe0000004, &b);
	CU_ASSERT(!b.io && b.mem64 && !b.prefetchable);
	pci_decode_bar_reg(0xe0000008, &b);
	CU_ASSERT(!b.io && !b.mem64 && b.prefetchable);
	pci_decode_bar_reg(0x0000c041, &b);	/* I/O: bit 3 is address */
	CU_ASSERT(b.io && !b.mem64 && !b.prefetchable);
}

static void test_bars_from_config(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];
	/* what libpci gives: addresses with the type bits, sizes */
	uint64_t base[PCI_NUM_BARS] = { 0xfebf0000, 0, 0x1e000000cull, 0,
					0xfebf1000, 0 };
	uint64_t size[PCI_NUM_BARS] = { 0x1000, 0, 256ull << 20, 0, 0x1000, 0 };
	struct pci_bar bar[PCI_NUM_BARS];

	make_config(cfg);
	pci_decode_bars(cfg, sizeof(cfg), base, size, bar);
	CU_ASSERT(bar[0].present && !bar[0].mem64 && !bar[0].prefetchable);
	CU_ASSERT_EQUAL(bar[0].addr, 0xfebf0000);
	CU_ASSERT_EQUAL(bar[0].size, 0x1000);
	CU_ASSERT_FALSE(bar[1].present);
	CU_ASSERT(bar[2].present && bar[2].mem64 && bar[2].prefetchable);
	CU_ASSERT_EQUAL(bar[2].addr, 0x1e0000000ull);	/* flags masked off */
	CU_ASSERT_EQUAL(bar[2].size, 256ull << 20);
	CU_ASSERT_FALSE(bar[3].present);	/* upper half of BAR2 */
	CU_ASSERT(bar[4].present && !bar[4].mem64);
	CU_ASSERT_EQUAL(bar[4].addr, 0xfebf1000);
	CU_ASSERT_FALSE(bar[5].present);
	/* an I/O BAR keeps address bits 2..3 */
	put32(cfg, 0x14, 0x0000c04d);
	base[1] = 0xc04d;
	size[1] = 0x20;
	pci_decode_bars(cfg, sizeof(cfg), base, size, bar);
	CU_ASSERT(bar[1].present && bar[1].io);
	CU_ASSERT_EQUAL(bar[1].addr, 0xc04c);
	/* config space too short for the BARs: nothing claimed */
	pci_decode_bars(cfg, 0x20, base, size, bar);
	CU_ASSERT_FALSE(bar[0].present);
}

static void test_resource_lines(void)
{
	uint64_t s, e, f;
	struct pci_bar b;

	CU_ASSERT_EQUAL(pci_parse_resource_line(
		"0x00000000febf0000 0x00000000febf0fff 0x0000000000040200\n",
		&s, &e, &f), 0);
	CU_ASSERT_EQUAL(s, 0xfebf0000);
	CU_ASSERT_EQUAL(e, 0xfebf0fff);
	CU_ASSERT_EQUAL(f, 0x40200);
	pci_decode_resource_flags(f, &b);
	CU_ASSERT(!b.io && !b.mem64 && !b.prefetchable);
	pci_decode_resource_flags(0x14220c, &b);	/* mem, 64-bit, prefetch */
	CU_ASSERT(!b.io && b.mem64 && b.prefetchable);
	pci_decode_resource_flags(0x40101, &b);		/* I/O */
	CU_ASSERT(b.io && !b.mem64 && !b.prefetchable);
	CU_ASSERT_EQUAL(pci_parse_resource_line("garbage", &s, &e, &f), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_resource_line("0x1 0x2", &s, &e, &f), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_resource_line("0x1 0x2 0x3 x", &s, &e, &f),
			-EINVAL);
	CU_ASSERT_EQUAL(pci_parse_resource_line("0x 0x2 0x3", &s, &e, &f), -EINVAL);
}

static void test_bdf_and_ids(void)
{
	int dom;
	uint8_t bus, dev, fn;
	struct pci_id_pair id;

	CU_ASSERT_EQUAL(pci_parse_bdf("0000:00:04.0", &dom, &bus, &dev, &fn), 0);
	CU_ASSERT(dom == 0 && bus == 0 && dev == 4 && fn == 0);
	CU_ASSERT_EQUAL(pci_parse_bdf("10de:af:1f.7", &dom, &bus, &dev, &fn), 0);
	CU_ASSERT(dom == 0x10de && bus == 0xaf && dev == 0x1f && fn == 7);
	CU_ASSERT_EQUAL(pci_parse_bdf("00:04.0", &dom, &bus, &dev, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_bdf("0000:00:20.0", &dom, &bus, &dev, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_bdf("0000:00:04.8", &dom, &bus, &dev, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_bdf("0000:00:04.0x", &dom, &bus, &dev, &fn), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_id_pair("1b36:11c5", &id), 0);
	CU_ASSERT(id.vendor == 0x1b36 && id.device == 0x11c5);
	CU_ASSERT_EQUAL(pci_parse_id_pair("10EE:9038", &id), 0);
	CU_ASSERT(id.vendor == 0x10ee && id.device == 0x9038);
	CU_ASSERT_EQUAL(pci_parse_id_pair("1b36", &id), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_id_pair("xyz:1", &id), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_id_pair("1b36:11c5x", &id), -EINVAL);
	CU_ASSERT_EQUAL(pci_parse_id_pair("12345:1", &id), -EINVAL);
}

static void test_identity(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];
	struct pci_card c = { 0 };

	make_config(cfg);
	CU_ASSERT_TRUE(pci_decode_identity(cfg, sizeof(cfg), &c));
	CU_ASSERT_EQUAL(c.vendor, CSA_PCI_VENDOR_ID);
	CU_ASSERT_EQUAL(c.device, CSA_PCI_DEVICE_ID);
	CU_ASSERT_EQUAL(c.class_code, CSA_PCI_CLASS);
	CU_ASSERT_EQUAL(c.revision, 2);
	CU_ASSERT_EQUAL(c.subsys_vendor, 0x1af4);
	CU_ASSERT_EQUAL(c.subsys_device, 0x1100);
	CU_ASSERT_FALSE(pci_decode_identity(cfg, 0x20, &c));
}

static void test_hints(void)
{
	struct pci_card c = { .vendor = 0x10ee, .device = 0x9038,
			      .bdf = "0000:03:00.0" };
	char buf[512];
	const char *h;

	h = pci_card_hint(&c, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "modprobe csa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "dmesg"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "echo 10ee 9038 > /sys/bus/pci/drivers/csa/new_id"));
	snprintf(c.driver, sizeof(c.driver), "vfio-pci");
	h = pci_card_hint(&c, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "vfio-pci"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "/sys/bus/pci/devices/0000:03:00.0/driver/unbind"));
	snprintf(c.driver, sizeof(c.driver), "csa");
	h = pci_card_hint(&c, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "no /dev/accel node"));
	snprintf(c.accel_node, sizeof(c.accel_node), "/dev/accel/accel0");
	CU_ASSERT_PTR_NULL(pci_card_hint(&c, buf, sizeof(buf)));
}

/* ---- a constructed sysfs tree --------------------------------------------- */

static char fake_root[64];	/* /tmp/accel-info-sysfs-XXXXXX */

static int write_file(const char *dir, const char *name, const void *data,
		      size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int write_text(const char *dir, const char *name, const char *text)
{
	return write_file(dir, name, text, strlen(text));
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* One function directory as the kernel lays it out (the files libpci and
 * accel-info read). */
static int add_function(const char *root, const char *bdf, const uint8_t *cfg,
			size_t cfg_len,
			const char *resource, const char *driver,
			const char *accel, const char *numa)
{
	char dir[256], text[64];	/* root (64) + a short path */
	int err = 0;

	snprintf(dir, sizeof(dir), "%.64s/bus/pci/devices/%.16s", root, bdf);
	if (mkdirs(dir))
		return -1;
	snprintf(text, sizeof(text), "0x%04x\n", cfg[0] | cfg[1] << 8);
	err |= write_text(dir, "vendor", text);
	snprintf(text, sizeof(text), "0x%04x\n", cfg[2] | cfg[3] << 8);
	err |= write_text(dir, "device", text);
	snprintf(text, sizeof(text), "0x%06x\n", cfg[9] | cfg[10] << 8 | cfg[11] << 16);
	err |= write_text(dir, "class", text);
	snprintf(text, sizeof(text), "0x%04x\n", cfg[0x2c] | cfg[0x2d] << 8);
	err |= write_text(dir, "subsystem_vendor", text);
	snprintf(text, sizeof(text), "0x%04x\n", cfg[0x2e] | cfg[0x2f] << 8);
	err |= write_text(dir, "subsystem_device", text);
	snprintf(text, sizeof(text), "0x%02x\n", cfg[8]);
	err |= write_text(dir, "revision", text);
	err |= write_text(dir, "irq", "11\n");
	err |= write_text(dir, "enable", "1\n");
	err |= write_text(dir, "numa_node", numa);
	err |= write_file(dir, "config", cfg, cfg_len);
	err |= write_text(dir, "resource", resource);
	if (driver) {
		char target[PATH_MAX], link[PATH_MAX];

		snprintf(target, sizeof(target), "%s/bus/pci/drivers/%s",
			 root, driver);
		err |= mkdirs(target);
		snprintf(link, sizeof(link), "%s/driver", dir);
		err |= symlink(target, link);
	}
	if (accel) {
		char node[PATH_MAX];

		snprintf(node, sizeof(node), "%s/accel/%s", dir, accel);
		err |= mkdirs(node);
	}
	return err ? -1 : 0;
}

static const char csa_resource[] =
	"0x00000000febf0000 0x00000000febf0fff 0x0000000000040200\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x00000001e0000000 0x00000001efffffff 0x000000000014220c\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x00000000febf1000 0x00000000febf1fff 0x0000000000040200\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	"0x0000000000000000 0x0000000000000000 0x0000000000000000\n";

const char *fake_sysfs_create(void)
{
	uint8_t cfg[PCI_CFG_LEGACY_SIZE], other[PCI_CFG_LEGACY_SIZE];

	if (fake_root[0])
		return fake_root;
	snprintf(fake_root, sizeof(fake_root), "/tmp/accel-info-sysfs-XXXXXX");
	if (!mkdtemp(fake_root)) {
		fake_root[0] = '\0';
		return NULL;
	}
	/* a bound card with its node, MSI-X on */
	make_config(cfg);
	put16(cfg, CAP_MSIX + 2, 0x8000 | (CSA_MSIX_VECTORS - 1));
	/* an unbound card (second function) with the same identity */
	memcpy(other, cfg, sizeof(other));
	put16(other, CAP_MSIX + 2, CSA_MSIX_VECTORS - 1);
	if (add_function(fake_root, "0000:00:04.0", cfg, sizeof(cfg), csa_resource, "csa",
			 "accel97", "0\n") ||
	    add_function(fake_root, "0000:00:05.0", other, sizeof(other), csa_resource,
			 NULL, NULL, "-1\n"))
		return NULL;
	/* a device with other IDs, ignored unless asked for */
	make_config(other);
	put16(other, 0x00, 0x8086);
	put16(other, 0x02, 0x100e);
	if (add_function(fake_root, "0000:00:03.0", other, sizeof(other), csa_resource,
			 "e1000", NULL, "-1\n"))
		return NULL;
	return fake_root;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_sysfs_remove(void)
{
	if (fake_root[0])
		nftw(fake_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	fake_root[0] = '\0';
}

static struct pci_scan_opts csa_opts(const char *root)
{
	return (struct pci_scan_opts){
		.sysfs_root = root, .num_ids = 1,
		.ids = { { CSA_PCI_VENDOR_ID, CSA_PCI_DEVICE_ID } } };
}

static void check_fake_cards(const struct pci_scan_result *r)
{
	const struct pci_card *c;

	CU_ASSERT_EQUAL_FATAL(r->count, 2);
	c = &r->cards[0];
	CU_ASSERT_STRING_EQUAL(c->bdf, "0000:00:04.0");
	CU_ASSERT(c->domain == 0 && c->bus == 0 && c->dev == 4 && c->func == 0);
	CU_ASSERT_EQUAL(c->vendor, CSA_PCI_VENDOR_ID);
	CU_ASSERT_EQUAL(c->device, CSA_PCI_DEVICE_ID);
	CU_ASSERT_EQUAL(c->subsys_vendor, 0x1af4);
	CU_ASSERT_EQUAL(c->subsys_device, 0x1100);
	CU_ASSERT_EQUAL(c->class_code, CSA_PCI_CLASS);
	CU_ASSERT_EQUAL(c->revision, 2);
	CU_ASSERT(c->bar[0].present && !c->bar[0].mem64);
	CU_ASSERT_EQUAL(c->bar[0].addr, 0xfebf0000);
	CU_ASSERT_EQUAL(c->bar[0].size, CSA_REGS_SIZE);
	CU_ASSERT(c->bar[2].present && c->bar[2].mem64 && c->bar[2].prefetchable);
	CU_ASSERT_EQUAL(c->bar[2].addr, 0x1e0000000ull);
	CU_ASSERT_EQUAL(c->bar[2].size, 256ull << 20);
	CU_ASSERT_FALSE(c->bar[3].present);
	CU_ASSERT_EQUAL(c->bar[4].addr, 0xfebf1000);
	CU_ASSERT_TRUE(c->link.known);
	CU_ASSERT(c->link.cur_speed == 1 && c->link.cur_width == 1);
	CU_ASSERT(c->link.max_speed == 4 && c->link.max_width == 16);
	CU_ASSERT_EQUAL(c->irq_mode, PCI_IRQ_MSIX);
	CU_ASSERT_EQUAL(c->numa_node, 0);
	CU_ASSERT_STRING_EQUAL(c->driver, "csa");
	CU_ASSERT_STRING_EQUAL(c->accel_node, "/dev/accel/accel97");
	CU_ASSERT_EQUAL(c->cfg_len, PCI_CFG_LEGACY_SIZE);

	c = &r->cards[1];
	CU_ASSERT_STRING_EQUAL(c->bdf, "0000:00:05.0");
	CU_ASSERT_STRING_EQUAL(c->driver, "");
	CU_ASSERT_STRING_EQUAL(c->accel_node, "");
	CU_ASSERT_EQUAL(c->numa_node, -1);
	CU_ASSERT_EQUAL(c->irq_mode, PCI_IRQ_INTX);	/* MSI-X not enabled */
}

static void test_sysfs_enumerator_on_tree(void)
{
	const char *root = fake_sysfs_create();
	struct pci_scan_opts o;
	struct pci_scan_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	o = csa_opts(root);
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "sysfs");
	check_fake_cards(&r);
	pci_scan_free(&r);
	/* --ids adds the other device */
	o.ids[o.num_ids++] = (struct pci_id_pair){ 0x8086, 0x100e };
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &r), 0);
	CU_ASSERT_EQUAL(r.count, 3);
	if (r.count == 3) {
		CU_ASSERT_STRING_EQUAL(r.cards[0].bdf, "0000:00:03.0");
		CU_ASSERT_STRING_EQUAL(r.cards[0].driver, "e1000");
	}
	pci_scan_free(&r);
}

static void test_libpci_enumerator_on_tree(void)
{
	const char *root = fake_sysfs_create();
	struct pci_scan_opts o;
	struct pci_scan_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	o = csa_opts(root);
	CU_ASSERT_EQUAL_FATAL(pci_scan_libpci(&o, &r), 0);
	CU_ASSERT_STRING_EQUAL(r.method, "libpci");
	check_fake_cards(&r);
	pci_scan_free(&r);
}

/*
 * What an unprivileged reader gets: 64 bytes of config space, so the link
 * and interrupt mode come from the kernel's sysfs attributes instead.
 */
static void test_unprivileged_view_uses_sysfs(void)
{
	char root[] = "/tmp/accel-info-sysfs64-XXXXXX";
	char dir[128];
	uint8_t cfg[PCI_CFG_LEGACY_SIZE];
	struct pci_scan_opts o;
	struct pci_scan_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	make_config(cfg);
	CU_ASSERT_EQUAL_FATAL(add_function(root, "0000:02:00.0", cfg, 64,
					   csa_resource, "csa", "accel1",
					   "1\n"), 0);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:02:00.0", root);
	CU_ASSERT_EQUAL(write_text(dir, "current_link_speed", "8.0 GT/s PCIe\n"), 0);
	CU_ASSERT_EQUAL(write_text(dir, "current_link_width", "4\n"), 0);
	CU_ASSERT_EQUAL(write_text(dir, "max_link_speed", "16.0 GT/s PCIe\n"), 0);
	CU_ASSERT_EQUAL(write_text(dir, "max_link_width", "8\n"), 0);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:02:00.0/msi_irqs", root);
	CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
	CU_ASSERT_EQUAL(write_text(dir, "42", "msix\n"), 0);
	CU_ASSERT_EQUAL(write_text(dir, "43", "msix\n"), 0);

	o = csa_opts(root);
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &r), 0);
	CU_ASSERT_EQUAL_FATAL(r.count, 1);
	CU_ASSERT_EQUAL(r.cards[0].cfg_len, 64);
	CU_ASSERT_TRUE(r.cards[0].link.known);
	CU_ASSERT(r.cards[0].link.cur_speed == 3 && r.cards[0].link.cur_width == 4);
	CU_ASSERT(r.cards[0].link.max_speed == 4 && r.cards[0].link.max_width == 8);
	CU_ASSERT_EQUAL(r.cards[0].irq_mode, PCI_IRQ_MSIX);
	CU_ASSERT_EQUAL(r.cards[0].numa_node, 1);
	CU_ASSERT_STRING_EQUAL(r.cards[0].accel_node, "/dev/accel/accel1");
	/* BARs still come whole: registers are in the first 64 bytes */
	CU_ASSERT(r.cards[0].bar[2].present && r.cards[0].bar[2].mem64);
	CU_ASSERT_EQUAL(r.cards[0].bar[2].size, 256ull << 20);
	pci_scan_free(&r);

	/* MSI instead of MSI-X; then no vectors at all: INTx (irq + enable) */
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:02:00.0/msi_irqs", root);
	CU_ASSERT_EQUAL(write_text(dir, "42", "msi\n"), 0);
	CU_ASSERT_EQUAL(write_text(dir, "43", "msi\n"), 0);
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &r), 0);
	CU_ASSERT_EQUAL(r.count ? r.cards[0].irq_mode : PCI_IRQ_UNKNOWN, PCI_IRQ_MSI);
	pci_scan_free(&r);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:02:00.0/msi_irqs/42", root);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:02:00.0/msi_irqs/43", root);
	unlink(dir);
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &r), 0);
	CU_ASSERT_EQUAL(r.count ? r.cards[0].irq_mode : PCI_IRQ_UNKNOWN, PCI_IRQ_INTX);
	pci_scan_free(&r);
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_missing_sysfs(void)
{
	struct pci_scan_opts o = csa_opts("/nonexistent-sysfs-root");
	struct pci_scan_result r;

	CU_ASSERT_EQUAL(pci_scan_sysfs(&o, &r), -ENOENT);
	CU_ASSERT_EQUAL(r.count, 0);
	/* libpci reports its failure through the error hook, not exit() */
	CU_ASSERT(pci_scan_libpci(&o, &r) < 0);
	CU_ASSERT_EQUAL(r.count, 0);
}

/* On this machine's bus: both enumerators must agree on the first function. */
static void test_enumerators_agree_on_real_bus(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char path[PATH_MAX], text[32];
	struct pci_scan_opts o = { .sysfs_root = "/sys", .num_ids = 1 };
	struct pci_scan_result a, b;
	FILE *f;
	unsigned int v = 0, dv = 0;

	if (!d) {
		/* no PCI bus (a container): nothing to compare, and say so */
		fprintf(stderr, "  (no /sys/bus/pci here: real-bus comparison skipped)\n");
		return;
	}
	while ((e = readdir(d)) && e->d_name[0] == '.')
		;
	if (!e) {
		closedir(d);
		return;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/vendor", e->d_name);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(fgets(text, sizeof(text), f) && sscanf(text, "%x", &v) == 1);
	fclose(f);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.32s/device", e->d_name);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT(fgets(text, sizeof(text), f) && sscanf(text, "%x", &dv) == 1);
	fclose(f);
	closedir(d);

	o.ids[0] = (struct pci_id_pair){ (uint16_t)v, (uint16_t)dv };
	CU_ASSERT_EQUAL_FATAL(pci_scan_libpci(&o, &a), 0);
	CU_ASSERT_EQUAL_FATAL(pci_scan_sysfs(&o, &b), 0);
	CU_ASSERT(a.count >= 1);
	CU_ASSERT_EQUAL(a.count, b.count);
	for (size_t i = 0; i < a.count && i < b.count; i++) {
		const struct pci_card *x = &a.cards[i], *y = &b.cards[i];

		CU_ASSERT_STRING_EQUAL(x->bdf, y->bdf);
		CU_ASSERT_EQUAL(x->vendor, v);
		CU_ASSERT_EQUAL(x->device, dv);
		CU_ASSERT_EQUAL(x->subsys_vendor, y->subsys_vendor);
		CU_ASSERT_EQUAL(x->subsys_device, y->subsys_device);
		CU_ASSERT_EQUAL(x->class_code, y->class_code);
		CU_ASSERT_STRING_EQUAL(x->driver, y->driver);
		CU_ASSERT_EQUAL(x->irq_mode, y->irq_mode);
		CU_ASSERT_EQUAL(x->link.known, y->link.known);
		for (int j = 0; j < PCI_NUM_BARS; j++) {
			CU_ASSERT_EQUAL(x->bar[j].present, y->bar[j].present);
			CU_ASSERT_EQUAL(x->bar[j].addr, y->bar[j].addr);
			CU_ASSERT_EQUAL(x->bar[j].size, y->bar[j].size);
			CU_ASSERT_EQUAL(x->bar[j].mem64, y->bar[j].mem64);
			CU_ASSERT_EQUAL(x->bar[j].prefetchable, y->bar[j].prefetchable);
		}
	}
	pci_scan_free(&a);
	pci_scan_free(&b);
}

static int pci_suite_cleanup(void)
{
	fake_sysfs_remove();
	return 0;
}

int add_pci_suite(void)
{
	CU_pSuite s = CU_add_suite("pci", NULL, pci_suite_cleanup);

	if (!s)
		return -1;
	if (!CU_add_test(s, "link speed names", test_speed_names) ||
	    !CU_add_test(s, "link speed from sysfs text", test_speed_from_sysfs_text) ||
	    !CU_add_test(s, "capability list walk", test_capability_walk) ||
	    !CU_add_test(s, "LNKCAP/LNKSTA decoding", test_link_decoding) ||
	    !CU_add_test(s, "interrupt mode", test_irq_mode) ||
	    !CU_add_test(s, "BAR register flags", test_bar_register_flags) ||
	    !CU_add_test(s, "BARs from config + sizes", test_bars_from_config) ||
	    !CU_add_test(s, "sysfs resource lines", test_resource_lines) ||
	    !CU_add_test(s, "BDF and ID parsing", test_bdf_and_ids) ||
	    !CU_add_test(s, "identity from config", test_identity) ||
	    !CU_add_test(s, "hints for unbound cards", test_hints) ||
	    !CU_add_test(s, "sysfs enumerator on a constructed tree", test_sysfs_enumerator_on_tree) ||
	    !CU_add_test(s, "libpci enumerator on a constructed tree", test_libpci_enumerator_on_tree) ||
	    !CU_add_test(s, "unprivileged view: link/IRQ from sysfs", test_unprivileged_view_uses_sysfs) ||
	    !CU_add_test(s, "no sysfs: an error, not an exit", test_missing_sysfs) ||
	    !CU_add_test(s, "libpci and sysfs agree on the real bus", test_enumerators_agree_on_real_bus))
		return -1;
	return 0;
}
