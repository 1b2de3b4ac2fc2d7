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

#define CSA_COUNTER_ATTR(field)						\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct drm_csa_counters c;					\
									\
	csa_fill_counters(dev_to_cdev(dev), &c);			\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)c.field);	\
}									\
static DEVICE_ATTR_RO(field)

CSA_COUNTER_ATTR(total_cycles);
CSA_COUNTER_ATTR(commands);
CSA_COUNTER_ATTR(dma_bytes);
CSA_COUNTER_ATTR(devmem_bytes);
CSA_COUNTER_ATTR(errors);
CSA_COUNTER_ATTR(resets);
CSA_COUNTER_ATTR(jobs_submitted);
CSA_COUNTER_ATTR(jobs_completed);
CSA_COUNTER_ATTR(in_flight);
CSA_COUNTER_ATTR(last_error_status);

static struct attribute *csa_counter_attrs[] = {
	&dev_attr_total_cycles.attr,
	&dev_attr_commands.attr,
	&dev_attr_dma_bytes.attr,
	&dev_attr_devmem_bytes.attr,
	&dev_attr_errors.attr,
	&dev_attr_resets.attr,
	&dev_attr_jobs_submitted.attr,
	&dev_attr_jobs_completed.attr,
	&dev_attr_in_flight.attr,
	&dev_attr_last_error_status.attr,
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
