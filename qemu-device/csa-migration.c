/* SPDX-License-Identifier: MIT */
/*
 * csa-migration.c - what the CSA card saves and loads: PCI config (MSI
 * included), MSI-X, the model's registers, rings, job and interrupt state,
 * counters, and the command between fetch and completion (timing mode);
 * device memory is a RAM region and migrates as guest RAM does.
 *
 * Before saving, the command on the worker (if any) is stopped at its next
 * safe point and taken back, so what is saved is idle, waiting for its
 * modelled time, or to be run again from the start (CSA_RUN_REDO: after
 * the save on this QEMU, after the load on the other).  The engines'
 * scratch SRAM is not state between commands.
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "migration/vmstate.h"

#include "csa-accel.h"

static int csa_pre_save(void *opaque)
{
    csa_runner_quiesce(opaque);
    return 0;
}

/* The VM may go on here (savevm, a failed or cancelled migration). */
static int csa_post_save(void *opaque)
{
    csa_runner_resume(opaque);
    return 0;
}

static int csa_post_load(void *opaque, int version_id)
{
    CsaAccelState *s = opaque;

    if (s->hw.tl.npoints > CSA_TL_POINTS) {
        return -EINVAL;
    }
    csa_runner_resume(s);
    csa_after_model(s);
    return 0;
}

static const VMStateDescription csa_vmstate_counters = {
    .name = "csa-accel/counters",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64_ARRAY(busy, struct csa_hw_counters, 5),
        VMSTATE_UINT64(total, struct csa_hw_counters),
        VMSTATE_UINT64(commands, struct csa_hw_counters),
        VMSTATE_UINT64(dma_bytes, struct csa_hw_counters),
        VMSTATE_UINT64(mem_bytes, struct csa_hw_counters),
        VMSTATE_UINT64(errors, struct csa_hw_counters),
        VMSTATE_UINT64(resets, struct csa_hw_counters),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription csa_vmstate_cmd = {
    .name = "csa-accel/cmd",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_BUFFER_UNSAFE(desc, struct csa_hw_cmd, 0,
                              sizeof(struct csa_desc)),
        VMSTATE_UINT32(slot, struct csa_hw_cmd),
        VMSTATE_UINT32(ring_gen, struct csa_hw_cmd),
        VMSTATE_INT32(skip, struct csa_hw_cmd),
        VMSTATE_INT32(status, struct csa_hw_cmd),
        VMSTATE_UINT64(cycles, struct csa_hw_cmd),
        VMSTATE_STRUCT(ctr, struct csa_hw_cmd, 1, csa_vmstate_counters,
                       struct csa_hw_counters),
        VMSTATE_UINT32_V(job_index, struct csa_hw_cmd, 2),
        VMSTATE_INT32_V(placed, struct csa_hw_cmd, 2),
        VMSTATE_UINT64_V(start, struct csa_hw_cmd, 2),
        VMSTATE_UINT64_V(end, struct csa_hw_cmd, 2),
        VMSTATE_END_OF_LIST()
    }
};

#define CSA_HW_U32(f) VMSTATE_UINT32(hw.f, CsaAccelState)
#define CSA_HW_U64(f) VMSTATE_UINT64(hw.f, CsaAccelState)

/* Version 2: the two engine queues' timeline (docs/device-spec.md 3.6). */
const VMStateDescription csa_vmstate = {
    .name = TYPE_CSA_ACCEL,
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_save = csa_pre_save,
    .post_save = csa_post_save,
    .post_load = csa_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, CsaAccelState),
        VMSTATE_MSIX(parent_obj, CsaAccelState),
        CSA_HW_U32(control), CSA_HW_U32(status), CSA_HW_U32(error_status),
        CSA_HW_U32(error_info), CSA_HW_U32(irq_status), CSA_HW_U32(irq_mask),
        CSA_HW_U32(irq_coalesce), CSA_HW_U32(scratch),
        CSA_HW_U64(sq_base), CSA_HW_U64(cq_base),
        CSA_HW_U32(sq_size), CSA_HW_U32(cq_size),
        CSA_HW_U32(sq_head), CSA_HW_U32(sq_tail),
        CSA_HW_U32(cq_head), CSA_HW_U32(cq_tail),
        CSA_HW_U32(cq_phase), CSA_HW_U32(coalesce_pending),
        CSA_HW_U32(perf_hi_latch),
        CSA_HW_U32(job_index), CSA_HW_U64(job_cycles),
        VMSTATE_INT32(hw.job_failed, CsaAccelState),
        CSA_HW_U32(ring_gen), CSA_HW_U64(fetched),
        CSA_HW_U32(irq_pending), CSA_HW_U32(cfg.fault_hang_after),
        VMSTATE_STRUCT(hw.ctr, CsaAccelState, 1, csa_vmstate_counters,
                       struct csa_hw_counters),
        VMSTATE_UINT32(run.phase, CsaAccelState),
        VMSTATE_STRUCT(run.cmd, CsaAccelState, 1, csa_vmstate_cmd,
                       struct csa_hw_cmd),
        VMSTATE_UINT64(run.cmd_epoch, CsaAccelState),
        VMSTATE_UINT64(run.epoch, CsaAccelState),
        VMSTATE_INT64(run.fetch_ns, CsaAccelState),
        VMSTATE_INT64(run.due_ns, CsaAccelState),
        VMSTATE_INT64(run.next_start_ns, CsaAccelState),
        VMSTATE_UINT64(dma_count, CsaAccelState),
        VMSTATE_BOOL(dma_fault_fired, CsaAccelState),
        VMSTATE_UINT64_ARRAY_V(hw.tl.queue_free, CsaAccelState,
                               CSA_QUEUE_COUNT, 2),
        VMSTATE_UINT64_V(hw.tl.job_begin, CsaAccelState, 2),
        VMSTATE_UINT64_V(hw.tl.job_end, CsaAccelState, 2),
        VMSTATE_UINT64_V(hw.tl.last_end, CsaAccelState, 2),
        VMSTATE_UINT64_ARRAY_V(hw.tl.done, CsaAccelState, CSA_DEP_MAX + 1, 2),
        VMSTATE_UINT32_V(hw.tl.npoints, CsaAccelState, 2),
        VMSTATE_UINT64_ARRAY_V(hw.tl.t, CsaAccelState, CSA_TL_POINTS, 2),
        VMSTATE_UINT64_ARRAY_V(hw.tl.rate, CsaAccelState, CSA_TL_POINTS, 2),
        VMSTATE_INT64_V(run.origin_ns, CsaAccelState, 2),
        VMSTATE_UINT64_V(run.origin_cycle, CsaAccelState, 2),
        VMSTATE_END_OF_LIST()
    }
};
