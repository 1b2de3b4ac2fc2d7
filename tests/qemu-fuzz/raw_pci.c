// SPDX-License-Identifier: MIT
/*
 * raw_pci.c - driverless access to the CSA card from a guest (raw_pci.h).
 */
#include "tests/qemu-fuzz/raw_pci.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csa/csa_device.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define PCI_COMMAND	0x04
#define PCI_CMD_MEMORY	0x2
#define PCI_CMD_MASTER	0x4

static unsigned long read_hex_file(const char *dir, const char *name)
{
	char path[512];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int has_driver(const char *dir)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/driver", dir);
	return lstat(path, &st) == 0;
}

static void *map_resource(const char *dir, int bar, uint64_t *len)
{
	char path[512];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource%d", dir, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size == 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*len = (uint64_t)st.st_size;
	return p;
}

static int find_device(char *out, size_t len)
{
	struct dirent *e;
	DIR *dir;
	int ret = -ENODEV;

	dir = opendir(PCI_DEVICES);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		char path[280];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s", e->d_name);
		if (read_hex_file(path, "vendor") != CSA_PCI_VENDOR_ID ||
		    read_hex_file(path, "device") != CSA_PCI_DEVICE_ID)
			continue;
		if (has_driver(path)) {
			ret = -EBUSY;
			continue;
		}
		snprintf(out, len, "%s", path);
		ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

int raw_dev_open(struct raw_dev *d, const char **why)
{
	char path[512];
	uint64_t len = 0;
	uint16_t cmd;
	int ret;

	memset(d, 0, sizeof(*d));
	d->cfg_fd = -1;
	ret = find_device(d->sysfs, sizeof(d->sysfs));
	if (ret) {
		*why = ret == -EBUSY ? "the CSA device has a driver bound" :
				       "no CSA PCI device";
		return ret;
	}
	snprintf(path, sizeof(path), "%s/config", d->sysfs);
	d->cfg_fd = open(path, O_RDWR);
	if (d->cfg_fd < 0 ||
	    pread(d->cfg_fd, &cmd, 2, PCI_COMMAND) != 2) {
		*why = "cannot read PCI config space";
		raw_dev_close(d);
		return -EIO;
	}
	cmd |= PCI_CMD_MEMORY | PCI_CMD_MASTER;
	if (pwrite(d->cfg_fd, &cmd, 2, PCI_COMMAND) != 2) {
		*why = "cannot enable bus mastering";
		raw_dev_close(d);
		return -EIO;
	}
	d->regs = map_resource(d->sysfs, CSA_BAR_REGS, &len);
	if (!d->regs || len < CSA_REGS_SIZE) {
		*why = "cannot map BAR0";
		raw_dev_close(d);
		return -EIO;
	}
	d->devmem = map_resource(d->sysfs, CSA_BAR_DEVMEM, &d->devmem_len);
	return 0;
}

void raw_dev_close(struct raw_dev *d)
{
	uint16_t cmd;

	if (d->cfg_fd >= 0 && pread(d->cfg_fd, &cmd, 2, PCI_COMMAND) == 2) {
		cmd &= (uint16_t)~PCI_CMD_MASTER;
		if (pwrite(d->cfg_fd, &cmd, 2, PCI_COMMAND) != 2)
			fprintf(stderr, "raw_pci: cannot clear bus mastering\n");
	}
	if (d->regs)
		munmap((void *)d->regs, CSA_REGS_SIZE);
	if (d->devmem)
		munmap(d->devmem, d->devmem_len);
	if (d->cfg_fd >= 0)
		close(d->cfg_fd);
	memset(d, 0, sizeof(*d));
	d->cfg_fd = -1;
}

uint32_t raw_rd(const struct raw_dev *d, uint32_t off)
{
	return d->regs[off / 4];
}

void raw_wr(const struct raw_dev *d, uint32_t off, uint32_t val)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	d->regs[off / 4] = val;
}

static int page_bus_address(int pagemap, const void *va, uint64_t *bus)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	off_t off = (off_t)((uintptr_t)va / (uint64_t)psz) * 8;

	if (pread(pagemap, &ent, sizeof(ent), off) != sizeof(ent))
		return -EIO;
	/* bit 63 present, bits 54:0 the frame (0 without CAP_SYS_ADMIN) */
	if (!(ent & (1ull << 63)) || !(ent & ((1ull << 55) - 1)))
		return -EPERM;
	*bus = (ent & ((1ull << 55) - 1)) * (uint64_t)psz;
	return 0;
}

int dma_pages_alloc(struct dma_page *pages, unsigned int n)
{
	long psz = sysconf(_SC_PAGESIZE);
	int pagemap, ret = 0;

	/* Keep the kernel from migrating locked pages under the device. */
	int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "0", 1) != 1)
			fprintf(stderr, "raw_pci: compaction stays on\n");
		close(fd);
	}
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap < 0)
		return -errno;
	for (unsigned int i = 0; i < n; i++) {
		void *p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
			       MAP_LOCKED, -1, 0);

		if (p == MAP_FAILED) {
			ret = -errno;
			dma_pages_free(pages, i);
			break;
		}
		memset(p, 0, (size_t)psz);
		pages[i].va = p;
		ret = page_bus_address(pagemap, p, &pages[i].bus);
		if (ret) {
			dma_pages_free(pages, i + 1);
			break;
		}
	}
	close(pagemap);
	return ret;
}

void dma_pages_free(struct dma_page *pages, unsigned int n)
{
	long psz = sysconf(_SC_PAGESIZE);

	for (unsigned int i = 0; i < n; i++) {
		if (pages[i].va)
			munmap(pages[i].va, (size_t)psz);
		pages[i].va = NULL;
	}
}
