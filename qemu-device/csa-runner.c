/* SPDX-License-Identifier: MIT */
/*
 * csa-runner.c - runs the CSA card's command processor in QEMU.
 *
 * One command at a time goes fetch -> execute -> complete (hw/csa_hw.h):
 *   fetch     in a bottom half, under the BQL (an SQ read is a DMA);
 *   execute   engine commands on the worker thread, without the BQL: they
 *             touch only device memory and the worker's copy of the
 *             model, so one long ATTENTION never stalls the vCPUs or the
 *             monitor.  Host DMA commands (DMA_H2D/D2H) run in the bottom
 *             half, as QEMU wants DMA into arbitrary guest memory and
 *             MMIO; they are bounded by the device memory size.
 *             worker=off runs engines in the bottom half too.
 *   complete  under the BQL: counters, CQ entries, interrupts.  In timing
 *             mode (timing=on) not before the command's end on the two
 *             engine queues' timeline (csa_hw_place, docs/device-spec.md
 *             3.4) at clock-khz, on QEMU_CLOCK_VIRTUAL, counted from when
 *             the card last went idle, so the guest sees a command in
 *             flight for as long as the card would need it (and a stopped
 *             VM stops the card's time).  Completions stay in ring order:
 *             a command that ends before the one ahead of it completes
 *             right after it.
 * A power-on (bus reset) drops the command in flight; a guest soft reset
 * or ring restart makes csa_hw_complete() drop it.
 *
 * Nothing waits under the BQL for a whole engine command: a power-on,
 * unplug and a migration save set r->cancel, which stops ATTENTION (the
 * only command that runs for seconds) before its next head.  A power-on or
 * unplug drops the command; a save keeps it fetched (CSA_RUN_REDO) and it
 * runs again from the start after the save (source) or the load
 * (destination): its output never overlaps its inputs, so that is exact.
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"

#include "csa-accel.h"
#include "trace.h"

/* Commands the bottom half runs itself (host DMA, or engines with
 * worker=off) before it yields to the main loop. */
#define CSA_BH_BATCH 64

static void csa_run_bh(void *opaque);

static int64_t csa_now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* Modelled duration of @cycles at the card's clock. */
static int64_t csa_cycles_ns(CsaAccelState *s, uint64_t cycles)
{
    uint32_t khz = s->hw.cfg.cycles.clock_khz;   /* resolved: never 0 */

    return (int64_t)MIN(muldiv64(cycles, 1000000, khz), INT64_MAX / 2);
}

/* @due: its modelled completion time (timing mode), else 0. */
static void csa_complete(CsaAccelState *s, int64_t due)
{
    CsaRunner *r = &s->run;
    const struct csa_hw_cmd *c = &r->cmd;
    int posted;

    r->phase = CSA_RUN_IDLE;
    posted = csa_hw_complete(&s->hw, c);
    /* the engines wrote device memory behind QEMU's back: a migration in
     * progress must send it again */
    if (!c->skip) {
        memory_region_set_dirty(&s->devmem, 0, s->devmem_size);
    }
    /* A command already queued starts the moment this one ends, however
     * late the bottom half gets to fetch it. */
    r->next_start_ns = s->hw.sq_head != s->hw.sq_tail ? due : 0;
    trace_csa_complete(c->slot, c->desc.tag, c->status, c->cycles, posted);
    csa_hw_flush(&s->hw);
    csa_after_model(s);
    qemu_bh_schedule(r->bh);
}

/* Executed: complete now, or at its modelled time in timing mode. */
static void csa_executed(CsaAccelState *s)
{
    CsaRunner *r = &s->run;
    int64_t due;

    trace_csa_execute(r->cmd.slot, r->cmd.desc.opcode, r->cmd.status,
                      r->cmd.cycles);
    if (s->timing) {
        uint64_t end = csa_hw_place(&s->hw, &r->cmd);

        due = r->origin_ns + (end > r->origin_cycle ?
                              csa_cycles_ns(s, end - r->origin_cycle) : 0);
        if (csa_now() < due) {
            r->phase = CSA_RUN_TIMED;
            r->due_ns = due;
            trace_csa_timing_wait(r->cmd.slot, due - csa_now());
            timer_mod_ns(r->timer, due);
            return;
        }
        csa_complete(s, due);
        return;
    }
    csa_complete(s, 0);
}

static void csa_timer_cb(void *opaque)
{
    CsaAccelState *s = opaque;

    if (s->run.phase == CSA_RUN_TIMED) {
        csa_complete(s, s->run.due_ns);
    }
}

/* ---- the engine worker ------------------------------------------------ */

static void *csa_worker_main(void *opaque)
{
    CsaAccelState *s = opaque;
    CsaRunner *r = &s->run;

    qemu_mutex_lock(&r->lock);
    for (;;) {
        while (!r->work && !r->stop) {
            qemu_cond_wait(&r->cond, &r->lock);
        }
        if (r->stop) {
            break;
        }
        qemu_mutex_unlock(&r->lock);
        csa_hw_execute(&r->exe, &r->cmd);
        qemu_mutex_lock(&r->lock);
        r->work = false;
        qemu_cond_broadcast(&r->cond);      /* csa_runner_quiesce() */
        qemu_bh_schedule(r->done_bh);
    }
    qemu_mutex_unlock(&r->lock);
    return NULL;
}

/* Main loop, BQL: the worker is done with r->cmd. */
static void csa_done_bh(void *opaque)
{
    CsaAccelState *s = opaque;
    CsaRunner *r = &s->run;

    bool busy;

    qemu_mutex_lock(&r->lock);
    busy = r->work;
    qemu_mutex_unlock(&r->lock);
    if (busy || r->phase != CSA_RUN_ENGINE) {
        /* a stale run of this bottom half: the command it was scheduled
         * for was taken back (csa_runner_quiesce) and handed out again */
        return;
    }
    r->phase = CSA_RUN_IDLE;
    if (r->cmd_epoch != r->epoch) {
        /* fetched before a power-on: forget it */
        qemu_bh_schedule(r->bh);
        return;
    }
    csa_executed(s);
}

/* The engines' copy follows the model's configuration. */
static void csa_exe_sync(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    r->exe.cfg = s->hw.cfg;
    r->exe.ops = s->hw.ops;
    r->exe.ctx = s->hw.ctx;
    r->exe.cancel = &r->cancel;
}

static void csa_to_worker(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    r->phase = CSA_RUN_ENGINE;
    qatomic_set(&r->cancel, 0);
    qemu_mutex_lock(&r->lock);
    r->work = true;
    qemu_cond_signal(&r->cond);
    qemu_mutex_unlock(&r->lock);
}

/* ---- the bottom half: fetch and dispatch ------------------------------ */

static void csa_run_bh(void *opaque)
{
    CsaAccelState *s = opaque;
    CsaRunner *r = &s->run;
    unsigned int n;

    /* interrupts the guest unmasked, or errors its doorbells raised */
    csa_hw_flush(&s->hw);
    for (n = 0; r->phase == CSA_RUN_IDLE; n++) {
        if (n == CSA_BH_BATCH) {
            qemu_bh_schedule(r->bh);    /* the main loop's turn first */
            break;
        }
        if (!csa_hw_fetch(&s->hw, &r->cmd)) {
            r->next_start_ns = 0;   /* stalled (CQ full): starts later */
            csa_hw_flush(&s->hw);
            break;
        }
        r->fetch_ns = r->next_start_ns ? r->next_start_ns : csa_now();
        if (!r->next_start_ns) {
            /* the card was idle: its timeline resumes now */
            r->origin_ns = r->fetch_ns;
            r->origin_cycle = s->hw.tl.last_end;
        }
        r->next_start_ns = 0;
        r->cmd_epoch = r->epoch;
        trace_csa_fetch(r->cmd.slot, r->cmd.desc.opcode, r->cmd.desc.tag,
                        r->cmd.desc.flags, r->cmd.skip);
        csa_exe_sync(s);
        if (s->worker && !r->cmd.skip && !csa_hw_cmd_uses_host(&r->cmd)) {
            csa_to_worker(s);
            break;
        }
        csa_hw_execute(&r->exe, &r->cmd);
        csa_executed(s);
    }
    csa_after_model(s);
}

/* ---- the device's hooks ------------------------------------------------ */

/* Wait for the worker to hand its command back (after a cancel: one
 * ATTENTION head at most). */
static void csa_worker_wait(CsaRunner *r)
{
    qemu_mutex_lock(&r->lock);
    while (r->work) {
        qemu_cond_wait(&r->cond, &r->lock);
    }
    qemu_mutex_unlock(&r->lock);
}

void csa_runner_quiesce(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    if (r->phase != CSA_RUN_ENGINE) {
        return;
    }
    int64_t t0 = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    qatomic_set(&r->cancel, 1);
    csa_worker_wait(r);
    trace_csa_quiesce(r->cmd.slot,
                      (qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - t0) / 1000);
    if (csa_hw_cmd_cancelled(&r->cmd) && r->cmd_epoch == r->epoch) {
        /* stopped part-way */
        trace_csa_redo(r->cmd.slot, r->cmd.desc.opcode);
        r->phase = CSA_RUN_REDO;
        return;
    }
    csa_done_bh(s);     /* now, not when the main loop gets to it */
}

void csa_runner_resume(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    if (r->phase == CSA_RUN_TIMED) {
        timer_mod_ns(r->timer, r->due_ns);
    }
    if (r->phase == CSA_RUN_REDO) {
        csa_exe_sync(s);
        if (s->worker) {
            csa_to_worker(s);
        } else {
            /* loaded into a QEMU whose card has no worker */
            r->phase = CSA_RUN_IDLE;
            csa_hw_execute(&r->exe, &r->cmd);
            csa_executed(s);
        }
        return;
    }
    qemu_bh_schedule(r->bh);
}

void csa_runner_kick(CsaAccelState *s)
{
    qemu_bh_schedule(s->run.bh);
}

void csa_runner_mmio_done(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    if (r->phase == CSA_RUN_TIMED && r->cmd.ring_gen != s->hw.ring_gen) {
        /* soft reset or ring restart: nothing left to complete */
        timer_del(r->timer);
        r->phase = CSA_RUN_IDLE;
        r->next_start_ns = 0;
        qemu_bh_schedule(r->bh);
    }
}

void csa_runner_reset(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    r->epoch++;
    r->next_start_ns = 0;
    qemu_bh_cancel(r->bh);
    timer_del(r->timer);
    /* A command on the worker stays ENGINE until the worker hands it back
     * (csa_done_bh drops it): the worker owns r->cmd until then.  Stop it
     * early: nothing will read its output. */
    if (r->phase == CSA_RUN_ENGINE) {
        qatomic_set(&r->cancel, 1);
    }
    if (r->phase == CSA_RUN_TIMED || r->phase == CSA_RUN_REDO) {
        r->phase = CSA_RUN_IDLE;
    }
    trace_csa_reset(r->epoch, r->phase == CSA_RUN_ENGINE);
}

void csa_runner_init(CsaAccelState *s, Error **errp)
{
    CsaRunner *r = &s->run;

    r->phase = CSA_RUN_IDLE;
    r->bh = qemu_bh_new_guarded(csa_run_bh, s,
                                &DEVICE(s)->mem_reentrancy_guard);
    r->done_bh = qemu_bh_new_guarded(csa_done_bh, s,
                                     &DEVICE(s)->mem_reentrancy_guard);
    r->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, csa_timer_cb, s);
    qemu_mutex_init(&r->lock);
    qemu_cond_init(&r->cond);
    r->work = false;
    r->stop = false;
    r->thread_started = false;
    if (s->worker) {
        qemu_thread_create(&r->thread, "csa-accel", csa_worker_main, s,
                           QEMU_THREAD_JOINABLE);
        r->thread_started = true;
    }
}

void csa_runner_exit(CsaAccelState *s)
{
    CsaRunner *r = &s->run;

    if (!r->bh) {
        return;
    }
    if (r->thread_started) {
        /* Stops the command the worker runs, if any, at its next safe
         * point (one ATTENTION head), and waits for that. */
        qatomic_set(&r->cancel, 1);
        qemu_mutex_lock(&r->lock);
        r->stop = true;
        qemu_cond_signal(&r->cond);
        qemu_mutex_unlock(&r->lock);
        qemu_thread_join(&r->thread);
        r->thread_started = false;
    }
    timer_free(r->timer);
    r->timer = NULL;
    qemu_bh_delete(r->done_bh);
    qemu_bh_delete(r->bh);
    r->done_bh = NULL;
    r->bh = NULL;
    qemu_cond_destroy(&r->cond);
    qemu_mutex_destroy(&r->lock);
}
