// SPDX-License-Identifier: MIT
/*
 * pci_sysfs.c - PCI facts from /sys/bus/pci/devices/<bdf>/: the enumerator
 * of the static build, and what libpci does not give (driver, accel node).
 */
#include "pci_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static int dev_path(char *buf, size_t size, const char *root, const char *bdf,
		    const char *name)
{
	int n = snprintf(buf, size, "%s/bus/pci/devices/%s%s%s", root, bdf,
			 name ? "/" : "", name ? name : "");

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Read a small sysfs attribute without its trailing newline. */
static int read_attr(const char *root, const char *bdf, const char *name,
		     char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	if (dev_path(path, sizeof(path), root, bdf, name))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_attr_long(const char *root, const char *bdf, const char *name,
			  long *value)
{
	char buf[64], *end;

	if (read_attr(root, bdf, name, buf, sizeof(buf)))
		return -ENOENT;
	errno = 0;
	*value = strtol(buf, &end, 0);
	return errno || end == buf ? -EINVAL : 0;
}

/* Bytes of config space we may read: 4096 for root, 64 for others. */
static size_t read_config(const char *root, const char *bdf, uint8_t *cfg,
			  size_t size)
{
	char path[PATH_MAX];
	size_t got = 0;
	int fd;

	if (dev_path(path, sizeof(path), root, bdf, "config"))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (got < size) {
		ssize_t n = pread(fd, cfg + got, size - got, (off_t)got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got;
}

/* Bounded copy that always terminates (and says so to the compiler). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void basename_of_link(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	out[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *base = strrchr(target, '/');

	copy_str(out, size, base ? base + 1 : target);
}

static void find_accel_node(const char *root, struct pci_card *c)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	/* the accel class device sits under its PCI parent */
	if (!dev_path(path, sizeof(path), root, c->bdf, "accel") &&
	    (d = opendir(path))) {
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "accel", 5) == 0) {
				snprintf(c->accel_node, sizeof(c->accel_node),
					 "/dev/accel/%.48s", e->d_name);
				break;
			}
		}
		closedir(d);
		if (c->accel_node[0])
			return;
	}
	/* else: which /sys/class/accel/accelN/device points at us */
	snprintf(path, sizeof(path), "%s/class/accel", root);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char link[PATH_MAX], parent[64];

		if (strncmp(e->d_name, "accel", 5) != 0)
			continue;
		if (snprintf(link, sizeof(link), "%s/%s/device", path,
			     e->d_name) >= (int)sizeof(link))
			continue;
		basename_of_link(link, parent, sizeof(parent));
		if (strcmp(parent, c->bdf) == 0) {
			snprintf(c->accel_node, sizeof(c->accel_node),
				 "/dev/accel/%.48s", e->d_name);
			break;
		}
	}
	closedir(d);
}

/* Interrupt mode from msi_irqs/ (each vector a file saying msi or msix). */
static enum pci_irq_mode irq_mode_from_sysfs(const char *root, const char *bdf)
{
	char path[PATH_MAX], kind[16] = "";
	DIR *d;
	struct dirent *e;
	long irq = 0, enabled = 0;

	if (dev_path(path, sizeof(path), root, bdf, "msi_irqs"))
		return PCI_IRQ_UNKNOWN;
	d = opendir(path);
	if (d) {
		while ((e = readdir(d))) {
			char name[300];

			if (e->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "msi_irqs/%s", e->d_name);
			if (read_attr(root, bdf, name, kind, sizeof(kind)))
				snprintf(kind, sizeof(kind), "msi");
			break;
		}
		closedir(d);
		if (kind[0])
			return strcmp(kind, "msix") == 0 ? PCI_IRQ_MSIX
							 : PCI_IRQ_MSI;
	}
	/* no MSI vectors: an enabled function with an IRQ line uses INTx */
	if (read_attr_long(root, bdf, "irq", &irq) == 0 && irq > 0 &&
	    read_attr_long(root, bdf, "enable", &enabled) == 0 && enabled > 0)
		return PCI_IRQ_INTX;
	return PCI_IRQ_UNKNOWN;
}

static void link_from_sysfs(const char *root, struct pci_card *c)
{
	char text[64];
	long width;
	struct pci_link l = { 0 };

	if (read_attr(root, c->bdf, "current_link_speed", text, sizeof(text)))
		return;
	l.cur_speed = (uint8_t)pcie_speed_from_text(text);
	if (!read_attr(root, c->bdf, "max_link_speed", text, sizeof(text)))
		l.max_speed = (uint8_t)pcie_speed_from_text(text);
	if (!read_attr_long(root, c->bdf, "current_link_width", &width))
		l.cur_width = (uint8_t)width;
	if (!read_attr_long(root, c->bdf, "max_link_width", &width))
		l.max_width = (uint8_t)width;
	l.known = l.cur_speed || l.max_speed;
	if (l.known)
		c->link = l;
}

void pci_sysfs_complete(const char *root, struct pci_card *c)
{
	char path[PATH_MAX];
	long node;

	if (!c->driver[0] &&
	    !dev_path(path, sizeof(path), root, c->bdf, "driver"))
		basename_of_link(path, c->driver, sizeof(c->driver));
	if (!c->accel_node[0])
		find_accel_node(root, c);
	if (!c->link.known)
		link_from_sysfs(root, c);
	if (c->irq_mode == PCI_IRQ_UNKNOWN)
		c->irq_mode = irq_mode_from_sysfs(root, c->bdf);
	if (c->numa_node < 0 &&
	    read_attr_long(root, c->bdf, "numa_node", &node) == 0)
		c->numa_node = (int)node;
}

/* BAR addresses and sizes from the resource file, flags if config is short */
static void bars_from_resource(const char *root, struct pci_card *c,
			       const uint8_t *cfg, size_t cfg_len)
{
	char path[PATH_MAX], line[128];
	uint64_t base[PCI_NUM_BARS] = { 0 }, size[PCI_NUM_BARS] = { 0 };
	uint64_t flags[PCI_NUM_BARS] = { 0 };
	FILE *f;

	if (dev_path(path, sizeof(path), root, c->bdf, "resource"))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	for (int i = 0; i < PCI_NUM_BARS && fgets(line, sizeof(line), f); i++) {
		uint64_t start, end, fl;

		if (pci_parse_resource_line(line, &start, &end, &fl))
			break;
		base[i] = start;
		size[i] = start || end ? end - start + 1 : 0;
		flags[i] = fl;
	}
	fclose(f);
	if (cfg_len >= 0x28) {
		pci_decode_bars(cfg, cfg_len, base, size, c->bar);
		return;
	}
	for (int i = 0; i < PCI_NUM_BARS; i++) {
		if (!size[i])
			continue;
		pci_decode_resource_flags(flags[i], &c->bar[i]);
		c->bar[i].present = true;
		c->bar[i].addr = base[i];
		c->bar[i].size = size[i];
	}
}

static int scan_one(const struct pci_scan_opts *o, const char *bdf,
		    struct pci_scan_result *r)
{
	struct pci_card c = { .numa_node = -1 };
	uint8_t cfg[PCI_CFG_FULL_SIZE];
	long vendor, device;

	if (read_attr_long(o->sysfs_root, bdf, "vendor", &vendor) ||
	    read_attr_long(o->sysfs_root, bdf, "device", &device))
		return 0;
	if (!pci_scan_matches(o, (uint16_t)vendor, (uint16_t)device))
		return 0;
	if (pci_parse_bdf(bdf, &c.domain, &c.bus, &c.dev, &c.func))
		return 0;
	copy_str(c.bdf, sizeof(c.bdf), bdf);
	c.cfg_len = read_config(o->sysfs_root, bdf, cfg, sizeof(cfg));
	if (!pci_decode_identity(cfg, c.cfg_len, &c)) {
		long v;

		c.vendor = (uint16_t)vendor;
		c.device = (uint16_t)device;
		if (!read_attr_long(o->sysfs_root, bdf, "class", &v))
			c.class_code = (uint32_t)v;
		if (!read_attr_long(o->sysfs_root, bdf, "subsystem_vendor", &v))
			c.subsys_vendor = (uint16_t)v;
		if (!read_attr_long(o->sysfs_root, bdf, "subsystem_device", &v))
			c.subsys_device = (uint16_t)v;
		if (!read_attr_long(o->sysfs_root, bdf, "revision", &v))
			c.revision = (uint8_t)v;
	}
	bars_from_resource(o->sysfs_root, &c, cfg, c.cfg_len);
	pci_decode_link(cfg, c.cfg_len, &c.link);
	c.irq_mode = pci_decode_irq_mode(cfg, c.cfg_len);
	pci_sysfs_complete(o->sysfs_root, &c);
	return pci_scan_add(r, &c);
}

int pci_scan_sysfs(const struct pci_scan_opts *o, struct pci_scan_result *r)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int err = 0;

	*r = (struct pci_scan_result){ .method = "sysfs" };
	snprintf(path, sizeof(path), "%s/bus/pci/devices", o->sysfs_root);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!err && (e = readdir(d)))
		if (e->d_name[0] != '.')
			err = scan_one(o, e->d_name, r);
	closedir(d);
	if (err) {
		pci_scan_free(r);
		return err;
	}
	pci_scan_sort(r);
	return 0;
}
