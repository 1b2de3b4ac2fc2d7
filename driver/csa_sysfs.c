// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: sysfs attributes of the PCI device, one value per file:
 *   <pci dev>/hw_version, capabilities, devmem_size, devmem_used, irq_kind,
 *   ring_entries, max_cmds
 *   <pci dev>/counters/<name> (live, see struct drm_csa_counters)
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "csa_drv.h"

static struct csa_device *dev_to_cdev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t hw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u32 v = dev_to_cdev(dev)->hw_version;

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(hw_version);

static ssize_t capabilities_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#llx\n", dev_to_cdev(dev)->caps);
}
static DEVICE_ATTR_RO(capabilities);

static ssize_t devmem_size_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_to_cdev(dev)->devmem_size);
}
static DEVICE_ATTR_RO(devmem_size);

static ssize_t devmem_used_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct csa_device *cdev = dev_to_cdev(dev);
	u64 used;

	mutex_lock(&cdev->devmem_lock);
	used = cdev->devmem_used;
	mutex_unlock(&cdev->devmem_lock);
	return sysfs_emit(buf, "%llu\n", used);
}
static DEVICE_ATTR_RO(devmem_used);

static ssize_t irq_kind_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	static const char *const names[] = {
		[CSA_IRQ_KIND_MSIX] = "msix", [CSA_IRQ_KIND_MSI] = "msi",
		[CSA_IRQ_KIND_INTX] = "intx",
	};
	enum csa_irq_kind kind = dev_to_cdev(dev)->irq_kind;

	return sysfs_emit(buf, "%s\n", kind < ARRAY_SIZE(names) && names[kind] ?
			  names[kind] : "none");
}
static DEVICE_ATTR_RO(irq_kind);

static ssize_t ring_entries_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_cdev(dev)->sq.entries);
}
static DEVICE_ATTR_RO(ring_entries);

static ssize_t max_cmds_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", dev_to_cdev(dev)->max_cmds);
}
static DEVICE_ATTR_RO(max_cmds);

static struct attribute *csa_info_attrs[] = {
	&dev_attr_hw_version.attr,
	&dev_attr_capabilities.attr,
	&dev_attr_devmem_size.attr,
	&dev_attr_devmem_used.attr,
	&dev_attr_irq_kind.attr,
	&dev_attr_ring_entries.attr,
	&dev_attr_max_cmds.attr,
	NULL,
};

static const struct attribute_group csa_info_group = {
	.attrs = csa_info_attrs,
};

/*
 * A field of struct drm_csa_counters: the u64 ones come first, every field
 * from sq_head on is a u32.
 */
struct csa_counter_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t csa_counter_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	const struct csa_counter_attr *ca =
		container_of(attr, struct csa_counter_attr, attr);
	struct drm_csa_counters c;
	const void *field;
	u64 v;

	csa_fill_counters(dev_to_cdev(dev), &c);
	field = (const u8 *)&c + ca->offset;
	if (ca->offset < offsetof(struct drm_csa_counters, sq_head))
		v = *(const u64 *)field;
	else
		v = *(const u32 *)field;
	return sysfs_emit(buf, "%llu\n", v);
}

#define CSA_COUNTER(field) {					\
	.attr = {							\
		.attr = { .name = #field, .mode = 0444 },		\
		.show = csa_counter_show,				\
	},								\
	.offset = offsetof(struct drm_csa_counters, field),		\
}

static struct csa_counter_attr csa_counters[] = {
	CSA_COUNTER(total_cycles),
	CSA_COUNTER(commands),
	CSA_COUNTER(dma_bytes),
	CSA_COUNTER(devmem_bytes),
	CSA_COUNTER(errors),
	CSA_COUNTER(resets),
	CSA_COUNTER(jobs_submitted),
	CSA_COUNTER(jobs_completed),
	CSA_COUNTER(in_flight),
	CSA_COUNTER(last_error_status),
};

static struct attribute *csa_counter_attrs[] = {
	&csa_counters[0].attr.attr,
	&csa_counters[1].attr.attr,
	&csa_counters[2].attr.attr,
	&csa_counters[3].attr.attr,
	&csa_counters[4].attr.attr,
	&csa_counters[5].attr.attr,
	&csa_counters[6].attr.attr,
	&csa_counters[7].attr.attr,
	&csa_counters[8].attr.attr,
	&csa_counters[9].attr.attr,
	NULL,
};

static const struct attribute_group csa_counter_group = {
	.name = "counters",
	.attrs = csa_counter_attrs,
};

const struct attribute_group *csa_sysfs_groups[] = {
	&csa_info_group,
	&csa_counter_group,
	NULL,
};
