/* SPDX-License-Identifier: MIT */
/*
 * csa-accel.h - state of the CSA card in QEMU, shared by the device shell
 * (csa-accel.c: BARs, interrupts, DMA, properties, life cycle) and the
 * command processor's runner (csa-runner.c: bottom half, engine worker
 * thread, timing mode).
 */
#ifndef CSA_ACCEL_H
#define CSA_ACCEL_H

#include "qemu/thread.h"
#include "qemu/timer.h"
#include "hw/pci/pci.h"
#include "qom/object.h"
#include "migration/vmstate.h"

#include "csa_hw.h"

#define TYPE_CSA_ACCEL "csa-accel"
OBJECT_DECLARE_SIMPLE_TYPE(CsaAccelState, CSA_ACCEL)

/* Where the command between fetch and completion is. */
typedef enum CsaRunPhase {
    CSA_RUN_IDLE,       /* none: the bottom half may fetch */
    CSA_RUN_ENGINE,     /* the worker thread executes it */
    CSA_RUN_TIMED,      /* executed; its completion waits for its time */
    CSA_RUN_REDO,       /* the worker was stopped for a migration save:
                         * runs again from the start once resumed */
} CsaRunPhase;

typedef struct CsaRunner {
    QEMUBH *bh;             /* fetch, host DMA commands, dispatch */
    QEMUBH *done_bh;        /* the worker finished a command */
    QEMUTimer *timer;       /* timing mode: the modelled completion time */
    uint32_t phase;         /* CsaRunPhase (uint32_t: migrated) */
    struct csa_hw_cmd cmd;  /* the command between fetch and completion */
    uint64_t epoch;         /* power-ons so far */
    uint64_t cmd_epoch;     /* the power-on the command was fetched in */
    int64_t fetch_ns;       /* QEMU_CLOCK_VIRTUAL when it started */
    int64_t due_ns;         /* timing: when the TIMED command completes */
    int64_t next_start_ns;  /* timing: when the next queued command starts
                             * (the previous one's completion), or 0 */
    int64_t origin_ns;      /* timing: the virtual time of ... */
    uint64_t origin_cycle;  /* ... this cycle of the model's timeline */

    /* the engine worker; lock guards work and stop */
    QemuThread thread;
    QemuMutex lock;
    QemuCond cond;
    bool work;
    bool stop;
    /* set under the BQL to stop the worker's command at its next safe
     * point (csa_hw.h, cancel); cleared when a command is handed over */
    int cancel;
    bool thread_started;
    /* the engines' own copy of the model: configuration and scratch SRAM
     * (csa_hw_execute never reads the register state) */
    struct csa_hw exe;
} CsaRunner;

struct CsaAccelState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    MemoryRegion devmem;

    /* the model's register, ring and job state: touched under the BQL only */
    struct csa_hw hw;
    struct csa_hw_config cfg;
    CsaRunner run;

    /* host DMA bounce buffer: a transfer between device memory and a bus
     * address inside the device's own BAR2 window must not memcpy() one
     * buffer onto an overlapping one */
    uint8_t *bounce;

    /* properties */
    uint64_t devmem_size;
    bool devmem_bar;
    bool timing;
    bool worker;
    bool pcie;
    uint32_t link_gen;      /* PCIe generation, 0 = the board's */
    uint32_t link_lanes;    /* PCIe lanes, 0 = the board's */
    uint32_t hang_after;
    uint32_t dma_fault_after;
    struct csa_cycle_params cycles;
    char *board;            /* board profile name, NULL = the default */

    /* fault injection state: DMA transfers since realize/reset */
    uint64_t dma_count;
    bool dma_fault_fired;

    /* last error state seen, to log each new guest error once */
    uint32_t logged_error_status;
    uint64_t logged_errors;
};

/* csa-accel.c: after the model changed state (interrupt line, error log) */
void csa_after_model(CsaAccelState *s);

/* csa-pcie.c: Express endpoint capability, AER and FLR on a PCIe bus */
bool csa_pcie_resolve_link(CsaAccelState *s, Error **errp);
bool csa_pcie_init(CsaAccelState *s, Error **errp);
/* a failed bus-master transfer: AER, when the function has it */
void csa_pcie_dma_error(CsaAccelState *s);
void csa_pcie_exit(CsaAccelState *s);
void csa_pcie_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                           int len);

/* csa-runner.c */
void csa_runner_init(CsaAccelState *s, Error **errp);
void csa_runner_exit(CsaAccelState *s);
/* Migration: stop the command on the worker at its next safe point and
 * take it back (it is then idle, waiting for its modelled time, or to be
 * run again); after saving or loading, re-arm and run it again. */
void csa_runner_quiesce(CsaAccelState *s);
void csa_runner_resume(CsaAccelState *s);
/* csa-migration.c */
extern const VMStateDescription csa_vmstate;
/* A power-on: the command in flight (if any) is dropped. */
void csa_runner_reset(CsaAccelState *s);
/* ops->kick: work to fetch or an interrupt to send. */
void csa_runner_kick(CsaAccelState *s);
/* After a guest register write: a soft reset or ring restart drops a
 * command waiting for its modelled completion time. */
void csa_runner_mmio_done(CsaAccelState *s);

#endif /* CSA_ACCEL_H */
