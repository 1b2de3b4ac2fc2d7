// SPDX-License-Identifier: GPL-2.0-only
/*
 * CSA: interrupts.  MSI-X gives one vector for completions and one for
 * errors; MSI and INTx share one vector and read IRQ_STATUS to tell them
 * apart.  The module parameter irq_mode forces each kind so all are tested.
 * Completions are reaped in the handler's thread: signalling fences runs
 * their callbacks and syncs host memory, which has no place in hard IRQ.
 */
#include <linux/interrupt.h>
#include <linux/jiffies.h>

#include <drm/drm_print.h>

#include "csa_drv.h"

/* More error interrupts than this per second mask the error source. */
#define CSA_ERR_IRQ_STORM	100

static const char *const csa_err_names[] = {
	"ring setup", "SQ fetch DMA fault", "CQ write DMA fault",
	"doorbell out of range", "command error",
};

static void csa_log_error(struct csa_device *cdev, u32 err, u32 info)
{
	unsigned int i;

	csa_errlog_add(cdev, err, info);
	for (i = 0; i < ARRAY_SIZE(csa_err_names); i++) {
		if (!(err & BIT(i)))
			continue;
		/* a failing command is the user's business: debug level only */
		if (BIT(i) == CSA_ERR_CMD)
			drm_dbg_driver(&cdev->drm, "device error: %s (info %#x)\n",
				       csa_err_names[i], info);
		else
			drm_err_ratelimited(&cdev->drm,
					    "device error: %s (info %#x)\n",
					    csa_err_names[i], info);
	}
	if (err & ~GENMASK(ARRAY_SIZE(csa_err_names) - 1, 0))
		drm_err_ratelimited(&cdev->drm, "device error: unknown bits %#x\n",
				    err);
}

static void csa_handle_error(struct csa_device *cdev)
{
	u32 err = csa_read(cdev, CSA_REG_ERROR_STATUS);
	u32 info = csa_read(cdev, CSA_REG_ERROR_INFO);

	csa_write(cdev, CSA_REG_ERROR_STATUS, err);
	if (!err)
		return;
	csa_log_error(cdev, err, info);

	if (time_after(jiffies, cdev->err_window_start + HZ)) {
		cdev->err_window_start = jiffies;
		cdev->err_in_window = 0;
	}
	if (++cdev->err_in_window > CSA_ERR_IRQ_STORM && !cdev->err_irq_masked) {
		cdev->err_irq_masked = true;
		csa_set_irq_mask(cdev, CSA_IRQ_ERROR);
		drm_err(&cdev->drm, "error interrupt storm: error interrupts masked until the next reset\n");
	}
	/*
	 * The fatal errors halt the device (spec 5.3): it completes nothing
	 * more, so recover now instead of at the job timeout.
	 */
	if (err & (CSA_ERR_RING_SETUP | CSA_ERR_SQ_FETCH | CSA_ERR_CQ_WRITE))
		drm_sched_fault(&cdev->sched);
}

static irqreturn_t csa_irq_cq(int irq, void *arg)
{
	struct csa_device *cdev = arg;

	/* clear first: a completion posted while we reap raises a new edge */
	csa_write(cdev, CSA_REG_IRQ_STATUS, CSA_IRQ_CQ);
	return IRQ_WAKE_THREAD;
}

static irqreturn_t csa_irq_cq_thread(int irq, void *arg)
{
	csa_ring_reap(arg);
	return IRQ_HANDLED;
}

static irqreturn_t csa_irq_error(int irq, void *arg)
{
	struct csa_device *cdev = arg;

	csa_write(cdev, CSA_REG_IRQ_STATUS, CSA_IRQ_ERROR);
	csa_handle_error(cdev);
	return IRQ_HANDLED;
}

/* MSI and INTx: one vector for both sources. */
static irqreturn_t csa_irq_shared(int irq, void *arg)
{
	struct csa_device *cdev = arg;
	u32 status = csa_read(cdev, CSA_REG_IRQ_STATUS);

	/* all ones: the device is gone */
	if (status == ~0u)
		return IRQ_NONE;
	/* masked sources do not drive the line: not ours (storm masking) */
	status &= ~READ_ONCE(cdev->irq_mask);
	if (!status)
		return IRQ_NONE;
	csa_write(cdev, CSA_REG_IRQ_STATUS, status);
	if (status & CSA_IRQ_ERROR)
		csa_handle_error(cdev);
	return status & CSA_IRQ_CQ ? IRQ_WAKE_THREAD : IRQ_HANDLED;
}

static int csa_irq_alloc_vectors(struct csa_device *cdev)
{
	struct pci_dev *pdev = cdev->pdev;
	int n;

	if (csa_irq_mode == CSA_IRQ_AUTO || csa_irq_mode == CSA_IRQ_KIND_MSIX) {
		n = pci_alloc_irq_vectors(pdev, CSA_MSIX_VECTORS,
					  CSA_MSIX_VECTORS, PCI_IRQ_MSIX);
		if (n == CSA_MSIX_VECTORS) {
			cdev->irq_kind = CSA_IRQ_KIND_MSIX;
			return n;
		}
		if (csa_irq_mode == CSA_IRQ_KIND_MSIX)
			return n < 0 ? n : -ENOSPC;
	}
	if (csa_irq_mode == CSA_IRQ_AUTO || csa_irq_mode == CSA_IRQ_KIND_MSI) {
		n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
		if (n == 1) {
			cdev->irq_kind = CSA_IRQ_KIND_MSI;
			return n;
		}
		if (csa_irq_mode == CSA_IRQ_KIND_MSI)
			return n < 0 ? n : -ENOSPC;
	}
	n = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
	if (n == 1)
		cdev->irq_kind = CSA_IRQ_KIND_INTX;
	return n;
}

int csa_irq_init(struct csa_device *cdev)
{
	static const char *const kind_names[] = {
		[CSA_IRQ_KIND_MSIX] = "MSI-X", [CSA_IRQ_KIND_MSI] = "MSI",
		[CSA_IRQ_KIND_INTX] = "INTx",
	};
	struct pci_dev *pdev = cdev->pdev;
	int n, ret;

	if (csa_irq_mode < CSA_IRQ_AUTO || csa_irq_mode > CSA_IRQ_KIND_INTX) {
		dev_err(&pdev->dev, "irq_mode=%d: use 0 (auto), 1 (MSI-X), 2 (MSI) or 3 (INTx)\n",
			csa_irq_mode);
		return -EINVAL;
	}
	n = csa_irq_alloc_vectors(cdev);
	if (n < 0) {
		dev_err(&pdev->dev, "no interrupt of the requested kind: %d\n", n);
		return n;
	}
	cdev->nr_vecs = n;

	if (cdev->irq_kind == CSA_IRQ_KIND_MSIX) {
		ret = request_threaded_irq(pci_irq_vector(pdev, CSA_MSIX_VEC_CQ),
					   csa_irq_cq, csa_irq_cq_thread, 0,
					   "csa-cq", cdev);
		if (ret)
			goto err_free_vectors;
		ret = request_irq(pci_irq_vector(pdev, CSA_MSIX_VEC_ERROR),
				  csa_irq_error, 0, "csa-error", cdev);
		if (ret) {
			free_irq(pci_irq_vector(pdev, CSA_MSIX_VEC_CQ), cdev);
			goto err_free_vectors;
		}
	} else {
		ret = request_threaded_irq(pci_irq_vector(pdev, 0),
					   csa_irq_shared, csa_irq_cq_thread,
					   cdev->irq_kind == CSA_IRQ_KIND_INTX ?
					   IRQF_SHARED : 0, "csa", cdev);
		if (ret)
			goto err_free_vectors;
	}
	cdev->irqs_requested = true;
	dev_info(&pdev->dev, "using %s interrupts\n", kind_names[cdev->irq_kind]);
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

void csa_irq_fini(struct csa_device *cdev)
{
	unsigned int i;

	if (!cdev->irqs_requested)
		return;
	for (i = 0; i < cdev->nr_vecs; i++)
		free_irq(pci_irq_vector(cdev->pdev, i), cdev);
	cdev->irqs_requested = false;
	pci_free_irq_vectors(cdev->pdev);
}

/* Wait for handlers running on other CPUs to finish. */
void csa_irq_sync(struct csa_device *cdev)
{
	unsigned int i;

	if (!cdev->irqs_requested)
		return;
	for (i = 0; i < cdev->nr_vecs; i++)
		synchronize_irq(pci_irq_vector(cdev->pdev, i));
}

void csa_irq_unmask(struct csa_device *cdev)
{
	cdev->err_irq_masked = false;
	cdev->err_in_window = 0;
	csa_write(cdev, CSA_REG_IRQ_STATUS, CSA_IRQ_CQ | CSA_IRQ_ERROR);
	csa_set_irq_mask(cdev, 0);
}
