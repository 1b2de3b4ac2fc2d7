#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""test_qemu_device.py - the QEMU device itself, driven by qtest (no guest
kernel): timing mode on the virtual clock, the engine worker keeping the
monitor responsive during the longest legal command, resets while a command
runs, host DMA into the card's own BAR2 window, and the trace points.

Every state a test checks is made by construction: qtest owns the virtual
clock, so a command in timing mode stays in flight until the test advances
the clock; real time only bounds how long a test waits for the host.

  tests/qemu-device/test_qemu_device.py [-v] [TEST...]
  CSA_QEMU=path/to/qemu-system-x86_64 (default build/qemu/qemu-system-x86_64)
Prints one line per test and "N passed, N failed".
"""
import os
import struct
import sys
import tempfile
import time
import traceback

from qtest_csa import (C, BAR0, BAR2, BAR4, CQ_BUS, ECAM_BASE, HOST_BUF, PCI_SLOT, SG, SQ_BUS, Machine,
                       desc)

OK = C['CSA_STATUS_OK']
LAST = C['CSA_DESC_F_LAST']


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def f32_bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


def nop(tag, last=True):
    return desc(C['CSA_OP_NOP'], tag=tag, last=last)


def copy(tag, nbytes, src, dst, last=True):
    return desc(C['CSA_OP_COPY'], tag=tag, last=last, args=(nbytes,), addrs=(src, dst))


# The longest legal command (docs/commands.md limits): ATTENTION over 256
# heads sharing one KV head, head_dim 512, seq_len = max_seq = 16384; its KV
# cache is 64 MiB, so it fits a 128 MiB card.
LONG_KV = 0
LONG_Q = 64 << 20
LONG_OUT = LONG_Q + (256 * 512 * 4)


def longest_attention(tag):
    return desc(C['CSA_OP_ATTENTION'], tag=tag,
                args=(256, 1, 512, 16384, 16384, f32_bits(1.0 / 512 ** 0.5)),
                addrs=(LONG_Q, LONG_KV, LONG_OUT))


def cycles_ns(cycles, clock_khz):
    return cycles * 1000000 // clock_khz


# ---- tests ---------------------------------------------------------------

def test_identity_and_nop():
    """Config space IDs, the identity registers, one NOP job."""
    with Machine() as m:
        ids = m.cfg_read(0)
        check(ids & 0xffff == C['CSA_PCI_VENDOR_ID'], 'vendor id 0x%x' % (ids & 0xffff))
        check(ids >> 16 == C['CSA_PCI_DEVICE_ID'], 'device id 0x%x' % (ids >> 16))
        check(m.cfg_read(8) >> 8 == C['CSA_PCI_CLASS'], 'class code')
        check(m.start() == C['CSA_STS_READY'], 'READY after enable')
        check(m.reg('MAGIC') == C['CSA_MAGIC'], 'magic')
        m.submit(nop(0x11))
        e = m.cq_pop()
        check(e and e.tag == 0x11 and e.status == OK, 'NOP completes OK')


def test_timing_completion_at_modelled_time():
    """timing=on: a COPY completes exactly fetch time + its cycles at the
    card's clock on QEMU_CLOCK_VIRTUAL, not before; timing=off at once."""
    n = 4 << 20
    with Machine('timing=on') as m:
        m.start()
        khz = m.reg('CLOCK_KHZ')
        # learn the command's modelled cycles from one completed run
        m.submit(copy(1, n, 0, n))
        m.clock_step(10 ** 10)
        e = m.cq_pop()
        check(e and e.status == OK, 'first COPY completes')
        cycles = e.cycles
        due = cycles_ns(cycles, khz)
        check(due > 100000, 'a 4 MiB copy models more than 100 us (%d ns)' % due)
        # the same command again, the clock frozen at its fetch
        t0 = m.clock_now()
        m.submit(copy(2, n, 0, n))
        time.sleep(0.5)            # the host has long executed it
        check(m.cq_peek() is None, 'no completion at fetch time')
        check(m.reg('STATUS') & C['CSA_STS_READY'], 'device ready while in flight')
        commands = m.reg64('PERF_COMMANDS')
        m.clock_step(due - 1)
        time.sleep(0.3)
        check(m.cq_peek() is None, 'no completion 1 ns before its time')
        check(m.reg64('PERF_COMMANDS') == commands, 'not counted before completion')
        t1 = m.clock_step(1)
        check(t1 == t0 + due, 'clock at the due time')
        e = m.cq_pop()
        check(e and e.tag == 2 and e.cycles == cycles, 'completes at its modelled time')
        check(m.reg64('PERF_COMMANDS') == commands + 1, 'counted at completion')
    with Machine() as m:                     # timing off: no clock needed
        m.start()
        m.submit(copy(3, n, 0, n))
        e = m.cq_pop()
        check(e and e.tag == 3 and e.cycles == cycles, 'timing=off completes at once')


def attention(tag, seq, last=True, dep=0):
    """8 heads of 64 over @seq tokens of a zero KV cache at 0 (8 MiB at
    seq 2048), q at 14 MiB, out after it: the attention queue."""
    return desc(C['CSA_OP_ATTENTION'], tag=tag, last=last, dep=dep,
                args=(8, 8, 64, seq, seq, f32_bits(0.125)),
                addrs=(14 << 20, 0, (14 << 20) + 8 * 64 * 4))


def matvec(tag, last=True):
    """1024 x 1024 f32 (zeros): x at 8 MiB, W after it, y at 13 MiB; the
    vector queue, compute-bound on the default board."""
    return desc(C['CSA_OP_MATVEC_F32'], tag=tag, last=last, args=(1024, 1024),
                addrs=(8 << 20, (8 << 20) + 4096, 13 << 20))


def test_timing_two_queues_overlap():
    """timing=on: a MATVEC_F32 (vector queue) and an ATTENTION (attention queue)
    of one job; in order the job completes at the sum of their cycles, with
    the attention depending on nothing but its queue at the overlapped
    timeline's end (docs/device-spec.md 3.6), less than the sum, and
    exactly then on the virtual clock."""
    explicit = C['CSA_DEP_EXPLICIT']
    with Machine('timing=on') as m:
        m.start()
        khz = m.reg('CLOCK_KHZ')
        alone = []
        for tag, d in ((1, matvec(1)), (2, attention(2, 2048))):
            m.submit(d)
            m.clock_step(10 ** 10)
            e = m.cq_pop()
            check(e and e.tag == tag and e.status == OK, 'command %d alone completes' % tag)
            alone.append(e.cycles)
        t0 = m.clock_now()
        m.submit(matvec(3, last=False), attention(3, 2048))
        m.clock_step(10 ** 10)
        e = m.cq_pop()
        check(e and e.tag == 3 and e.cycles == alone[0] + alone[1],
              'in order: the sum (%s, %s)' % (e and e.cycles, alone))
        t0 = m.clock_now()
        m.submit(matvec(4, last=False),
                 attention(4, 2048, dep=explicit))
        time.sleep(0.5)
        check(m.cq_peek() is None, 'overlapped job not done at its fetch')
        m.clock_step(10 ** 10)
        e = m.cq_pop()
        both = e.cycles if e else 0
        check(e and e.tag == 4 and e.status == OK, 'overlapped job completes')
        check(max(alone) <= both < alone[0] + alone[1],
              'overlapped: %d cycles, alone %s' % (both, alone))
        # the same job again, the clock stepped to one ns before its end
        t0 = m.clock_now()
        m.submit(matvec(5, last=False),
                 attention(5, 2048, dep=explicit))
        due = cycles_ns(both, khz)
        m.clock_step(due - 1)
        time.sleep(0.5)
        check(m.cq_peek() is None, 'no completion 1 ns before the timeline\'s end')
        t1 = m.clock_step(1)
        check(t1 == t0 + due, 'clock at the overlapped end')
        e = m.cq_pop()
        check(e and e.tag == 5 and e.cycles == both, 'completes at the overlapped end')
        # a dependency outside the job: BAD_ARG at its index
        m.submit(attention(6, 16, dep=explicit | 1))
        m.clock_step(10 ** 10)
        e = m.cq_pop()
        check(e and e.tag == 6 and e.status == C['CSA_STATUS_BAD_ARG'],
              'a dependency before the job: BAD_ARG')


def test_timing_jobs_in_order():
    """timing=on: the commands of a job run back to back, each for its
    modelled time, so the job completes at the sum even when the clock
    jumps past several of them at once; a soft reset while a command waits
    for its time drops it."""
    n = 1 << 20
    with Machine('timing=on') as m:
        m.start()
        khz = m.reg('CLOCK_KHZ')
        m.submit(copy(4, n, 0, n))
        m.clock_step(10 ** 10)
        e = m.cq_pop()
        check(e and e.status == OK, 'one COPY completes')
        one = e.cycles
        t0 = m.clock_now()
        m.submit(copy(5, n, 0, n, last=False), copy(5, n, n, 0, last=False), copy(5, n, 0, n))
        m.clock_step(3 * cycles_ns(one, khz) - 1)
        time.sleep(0.5)
        check(m.cq_peek() is None, 'job not done 1 ns before three commands\' time')
        t1 = m.clock_step(1)
        check(t1 == t0 + 3 * cycles_ns(one, khz), 'clock at the job\'s time')
        e = m.cq_pop()
        check(e and e.tag == 5 and e.index == 2 and e.cycles == 3 * one,
              'job of three completes with the summed cycles')
        # a command waiting for its time, then a soft reset
        m.submit(copy(6, n, 0, n))
        time.sleep(0.3)
        m.set_reg('CONTROL', C['CSA_CTRL_RESET'])
        m.clock_step(10 ** 10)
        time.sleep(0.2)
        check(m.cq_peek() is None, 'nothing posted after the reset')
        check(m.start() == C['CSA_STS_READY'], 're-enabled')
        m.submit(nop(7))
        m.clock_step(10 ** 6)
        e = m.cq_pop()
        check(e and e.tag == 7 and e.status == OK, 'works after the reset')


class RunQueueClock:
    """Seconds the threads that carry a monitor round trip (this test's
    thread, QEMU's main loop and its monitor I/O thread) have spent runnable
    but waiting for a CPU (/proc/.../schedstat, run_delay).  Subtracted from
    a round trip it leaves what QEMU made the request wait for (the big
    lock, the main loop's work): on a loaded 2-core machine the host's
    scheduler alone delays one answer in a few hundred by 100 ms or more,
    which says nothing about the device."""

    def __init__(self, m, worker):
        task = '/proc/%d/task' % m.proc.pid
        names = {}
        for tid in os.listdir(task):
            with open('%s/%s/comm' % (task, tid)) as f:
                names[tid] = f.read().strip()
        check(('csa-accel' in names.values()) == worker, 'threads are named (%s)' % names)
        self.paths = ['/proc/thread-self/schedstat',
                      '%s/%d/schedstat' % (task, m.proc.pid)]
        self.paths += ['%s/%s/schedstat' % (task, tid)
                       for tid, name in names.items() if name == 'IO mon_iothread']
        check(len(self.paths) == 3, 'the monitor I/O thread is there (%s)' % names)

    def __call__(self):
        total = 0
        for path in self.paths:
            with open(path) as f:
                total += int(f.read().split()[1])
        return total / 1e9


def monitor_latencies(worker, min_seconds=3.0, min_commands=2):
    """Keeps the card busy with the longest legal command, back to back
    (always one more queued), and times QMP round trips while one runs,
    for at least @min_seconds and @min_commands commands: the sampled window
    lies inside commands by construction, however fast the host.
    Returns (round trips in s, their run-queue waits in s, commands
    completed, seconds)."""
    with Machine('worker=%s' % ('on' if worker else 'off'), devmem='128M',
                 extra=('-name', 'csa-qtest,debug-threads=on')) as m:
        m.start()
        m.qmp_connect()
        queued = RunQueueClock(m, worker)
        tag = 100
        m.submit(*[longest_attention(tag + i) for i in range(min(2, min_commands))])
        tag += 2
        lat, waits = [], []
        done = 0
        t0 = time.monotonic()
        while done < min_commands or time.monotonic() - t0 < min_seconds:
            check(time.monotonic() - t0 < 300, 'commands complete (%d done)' % done)
            w0 = queued()
            q0 = time.monotonic()
            check(m.qmp_call('query-status')['status'] in ('running', 'prelaunch'),
                  'VM status')
            lat.append(time.monotonic() - q0)
            waits.append(queued() - w0)
            while m.cq_peek():
                e = m.cq_pop(timeout=0)
                check(e.status == OK, 'the long ATTENTION completes OK (%d)' % e.status)
                done += 1
                if done + 1 < min_commands or time.monotonic() - t0 < min_seconds:
                    m.submit(longest_attention(tag))      # one more behind it
                    tag += 1
            time.sleep(0.01)
        return lat, waits, done, time.monotonic() - t0


def test_monitor_answers_during_longest_command():
    """worker=on (default): while the longest legal command runs (back to
    back, 3 s at least), every QMP query-status answers within 100 ms, less
    the time the host kept the threads that carry it off a CPU.
    worker=off shows the test can fail: the same command holds the BQL and
    the monitor waits for it."""
    lat, waits, done, took = monitor_latencies(True)
    own = [max(0.0, a - w) for a, w in zip(lat, waits)]
    worst = max(own)
    print('    worker=on: %d queries over %.1f s (%d commands): worst %.1f ms less '
          'run-queue waits (%.1f ms as measured), median %.1f ms' %
          (len(lat), took, done, worst * 1e3, max(lat) * 1e3, sorted(lat)[len(lat) // 2] * 1e3))
    print('    slowest: %s' % ' '.join('%.1f-%.1f' % (a * 1e3, w * 1e3)
                                       for a, w in sorted(zip(lat, waits))[-6:]))
    check(worst < 0.100, 'every answer within 100 ms less run-queue waits '
          '(worst %.1f ms)' % (worst * 1e3))
    lat, waits, done, took = monitor_latencies(False, min_seconds=0, min_commands=1)
    worst = max(a - w for a, w in zip(lat, waits))
    print('    worker=off: %d queries over %.1f s, worst %.1f ms less run-queue waits' %
          (len(lat), took, worst * 1e3))
    check(worst > 1.0, 'worker=off: the command blocks the monitor (control)')


def test_reset_while_engine_runs():
    """system_reset while the worker runs a long command: the command is
    dropped, the card comes back after a fresh setup, QEMU stays up."""
    with Machine(devmem='128M') as m:
        m.start()
        m.qmp_connect()
        m.submit(longest_attention(10))
        time.sleep(0.2)
        m.qmp_call('system_reset')
        check(m.reg('STATUS') == 0, 'power-on state after reset')
        check(m.start() == C['CSA_STS_READY'], 'ready after a new setup')
        m.submit(nop(12))
        e = m.cq_pop(timeout=120)
        check(e and e.tag == 12 and e.status == OK, 'NOP after reset completes')
        check(m.reg('CQ_TAIL') == 1, 'nothing of the dropped command posted')


def test_dma_into_own_bar2():
    """DMA_H2D whose host segment is the card's own BAR2 window: bytes move
    like a copy (through the bounce buffer), including an overlapping one."""
    with Machine() as m:
        m.start(bar2=True)
        pattern = bytes((i * 7 + 3) & 0xff for i in range(8192))
        m.write(BAR2 + 0x1000, pattern)                   # devmem 0x1000..
        sg = HOST_BUF
        m.write(sg, SG.pack(BAR2 + 0x1000, 8192, 0))
        m.submit(desc(C['CSA_OP_DMA_H2D'], tag=20, args=(8192, 1), addrs=(sg, 0x10000)))
        e = m.cq_pop()
        check(e and e.status == OK, 'DMA from own BAR2 OK')
        check(m.read(BAR2 + 0x10000, 8192) == pattern, 'bytes arrived')
        # overlapping: source devmem 0x10000.., destination 0x10000 + 4096
        sg2 = HOST_BUF + 0x100
        m.write(sg2, SG.pack(BAR2 + 0x10000, 8192, 0))
        m.submit(desc(C['CSA_OP_DMA_H2D'], tag=21, args=(8192, 1),
                      addrs=(sg2, 0x10000 + 4096)))
        e = m.cq_pop()
        check(e is not None, 'overlapping DMA completes')
        check(m.reg('MAGIC') == C['CSA_MAGIC'], 'device still answers')


def test_trace_points():
    """-trace 'csa_*' reports doorbell, fetch, execute, completion,
    interrupt, error and reset."""
    with Machine(trace='csa_*') as m:
        m.start()
        m.set_reg('IRQ_MASK', 0)
        m.submit(nop(30))
        check(m.cq_pop() is not None, 'NOP completes')
        m.set_reg('SQ_TAIL', 1000)                 # out of range: an error
        m.qmp_connect()
        m.qmp_call('system_reset')
        m.qmp_call('query-status')
        time.sleep(0.2)
        text = m.stderr_text()
    for point in ('csa_doorbell', 'csa_fetch', 'csa_execute', 'csa_complete',
                  'csa_irq', 'csa_error', 'csa_reset', 'csa_dma'):
        check(point in text, 'trace point %s seen' % point)


def test_pcie_endpoint_link_aer_flr():
    """Behind a PCIe root port: an Express endpoint capability with the
    board profile's link (u250 by default: gen3 x16), AER in extended config
    space, and FLR resetting the function.  On the conventional pc machine:
    no Express capability."""
    with Machine(root_port=True) as m:
        check(m.start() == C['CSA_STS_READY'], 'ready behind the root port')
        exp = m.find_cap(0x10)
        check(exp, 'PCI Express capability present')
        flags = m.cfg_read(exp) >> 16
        check(flags >> 4 & 0xf == 0, 'device/port type: endpoint (%x)' % flags)
        lnksta = m.cfg_read(exp + 0x10) >> 16
        check(lnksta & 0xf == 3 and lnksta >> 4 & 0x3f == 16,
              'link status 8 GT/s x16, the u250 profile (LNKSTA 0x%x)' % lnksta)
        devcap = m.cfg_read(exp + 4)
        check(devcap & (1 << 28), 'DEVCAP: function level reset')
        m.ecam_enable()
        check(m.ecam_read(0x100) & 0xffff == 0x0001, 'AER extended capability at 0x100')
        # FLR: config and device state back to power-on
        m.set_reg('SCRATCH', 0xabcd)
        m.submit(nop(40))
        check(m.cq_pop() is not None, 'works before FLR')
        devctl = m.cfg_read(exp + 8) & 0xffff
        m.cfg_write(exp + 8, devctl | 0x8000)
        check(m.cfg_read(0x10) & ~0xf == 0, 'BAR0 cleared by FLR')
        check(m.cfg_read(exp + 8) & 0x8000 == 0, 'BCR_FLR reads 0')
        m.pci_enable()
        check(m.reg('SCRATCH') == 0 and m.reg('STATUS') == 0, 'registers at reset values')
        check(m.start() == C['CSA_STS_READY'], 'ready after FLR and a new setup')
        m.submit(nop(41))
        e = m.cq_pop()
        check(e and e.tag == 41, 'works after FLR')
    with Machine() as m:
        check(m.find_cap(0x10) == 0, 'conventional PCI: no Express capability')
        check(m.start() == C['CSA_STS_READY'], 'conventional PCI still works')


def link_of(props):
    """(LNKCAP, LNKSTA, LNKCAP2) of a card with @props behind a root port."""
    with Machine(props, root_port=True) as m:
        m.start()
        exp = m.find_cap(0x10)
        return (m.cfg_read(exp + 0x0c), m.cfg_read(exp + 0x10) >> 16,
                m.cfg_read(exp + 0x2c))


def test_pcie_link_properties():
    """link-gen and link-lanes set LNKCAP, LNKSTA and the supported-speeds
    vector (what lspci and accel-info show); by default they follow the
    board profile (kcu105 gen3 x8, u250 and u55c gen3 x16); a value the
    spec has no encoding for stops the card from being created."""
    for props, gen, lanes in (('', 3, 16), ('board=kcu105', 3, 8), ('board=u55c', 3, 16),
                              ('link-gen=1,link-lanes=1', 1, 1),
                              ('board=kcu105,link-lanes=4', 3, 4),
                              ('link-gen=4,link-lanes=32', 4, 32)):
        cap, sta, cap2 = link_of(props)
        check(cap & 0xf == gen and cap >> 4 & 0x3f == lanes,
              '%s: LNKCAP gen%d x%d (0x%x)' % (props or 'default', gen, lanes, cap))
        check(sta & 0xf == gen and sta >> 4 & 0x3f == lanes,
              '%s: LNKSTA gen%d x%d (0x%x)' % (props or 'default', gen, lanes, sta))
        check(cap2 & 0xfe == (2 << gen) - 2,
              '%s: speeds up to gen%d supported (LNKCAP2 0x%x)' % (props or 'default', gen, cap2))
    with Machine() as m:
        m.qmp_connect()
        for bad in (dict(link_lanes=3), dict(link_gen=5)):
            try:
                m.qmp_call('device_add', driver='csa-accel', id='bad', addr='6.0',
                           **{k.replace('_', '-'): v for k, v in bad.items()})
                ok = False
            except RuntimeError as exc:
                ok = 'link-' in str(exc)
            check(ok, 'device_add with %s refused with a message naming the property' % bad)


def test_aer_reports_dma_fault():
    """A failed bus-master read (a segment with no memory behind it) fails
    the command with DMA_FAULT and is reported through AER as an
    Unsupported Request the requester treats as Advisory Non-Fatal: DEVSTA
    correctable and unsupported-request detected and COR_STATUS.ANFE; the
    ANFE mask is set at reset (as the spec says), so only once the guest
    unmasks it does the UR land in UNCOR_STATUS and the header log, and an
    ERR_COR message go up.  The injected fault (dma-fault-after) is
    reported the same way."""
    aer = 0x100

    def fault(m, tag, src):
        m.write(HOST_BUF, SG.pack(src, 4096, 0))
        m.submit(desc(C['CSA_OP_DMA_H2D'], tag=tag, args=(4096, 1), addrs=(HOST_BUF, 0)))
        e = m.cq_pop()
        check(e and e.status == C['CSA_STATUS_DMA_FAULT'], 'DMA_FAULT (%s)' % (e and e.status))

    for props in ('', 'dma-fault-after=2'):
        what = props or 'no memory'
        with Machine(props, root_port=True) as m:
            m.start()
            m.ecam_enable()
            exp = m.find_cap(0x10)
            ecam = ECAM_BASE + (m.bus << 20)
            check(m.ecam_read(aer + 4) == 0 and m.ecam_read(aer + 0x10) == 0, 'AER status clear')
            check(m.ecam_read(aer + 0x14) & 1 << 13, 'ANFE masked at reset')
            # no RAM at 0x3f000000 (-m 256); the injected fault hits the
            # segment read, the 3rd transfer (SQ, SG table, segment)
            src = HOST_BUF + 0x1000 if props else 0x3f000000
            fault(m, 70, src)
            devsta = m.cfg_read(exp + 8) >> 16
            check(devsta & 0x9 == 0x9, '%s: DEVSTA correctable and UR detected (0x%x)'
                  % (what, devsta))
            check(m.ecam_read(aer + 0x10) == 1 << 13, '%s: COR_STATUS = ANFE (0x%x)'
                  % (what, m.ecam_read(aer + 0x10)))
            check(m.ecam_read(aer + 4) == 0, '%s: masked ANFE logs no UR' % what)
            # the guest's AER driver: clear (RW1C), unmask ANFE
            m.writel(ecam + aer + 0x10, 1 << 13)
            m.cfg_write(exp + 8, (m.cfg_read(exp + 8) & 0xffff) | 0xf << 16)
            m.writel(ecam + aer + 0x14, 0)
            check(m.ecam_read(aer + 0x10) == 0, 'COR_STATUS cleared')
            if props:
                # the injector fires once per power-on; the unmasked path
                # is checked with 'no memory'
                continue
            fault(m, 71, src)
            unc, cor = m.ecam_read(aer + 4), m.ecam_read(aer + 0x10)
            check(unc == 1 << 20, '%s: UNCOR_STATUS = UR once unmasked (0x%x)' % (what, unc))
            check(cor == 1 << 13, '%s: COR_STATUS = ANFE (0x%x)' % (what, cor))
            check(m.ecam_read(aer + 0x18) & 0x1f == 20, 'first error pointer: UR')


def wait_migration(m, what):
    end = time.monotonic() + 120
    while time.monotonic() < end:
        st = m.qmp_call('query-migrate').get('status')
        if st == 'completed':
            return
        check(st not in ('failed', 'cancelled'), '%s: migration %s' % (what, st))
        time.sleep(0.05)
    raise Failure('%s: migration did not complete' % what)


def test_migration_with_a_command_in_flight():
    """timing=on: a COPY fetched and executed but waiting for its modelled
    time is migrated (to a file and back into a new QEMU) with the rings,
    registers and device memory; it completes there, at its time, with the
    bytes it copied."""
    size = 64 << 10
    pattern = bytes((i * 13 + 5) & 0xff for i in range(size))
    path = os.path.join(tempfile.mkdtemp(prefix='csa-mig-'), 'state')
    with Machine('timing=on') as a:
        a.start()
        a.qmp_connect()
        a.write(BAR2, pattern)
        a.set_reg('SCRATCH', 0x5a5a)
        a.submit(nop(49))
        a.clock_step(10 ** 9)
        check(a.cq_pop() is not None, 'a job before the migration')
        a.submit(copy(50, size, 0, 0x100000))
        time.sleep(0.5)
        check(a.cq_peek() is None, 'in flight when migrating')
        t0 = a.clock_now()
        a.qmp_call('migrate', uri='exec:cat > %s' % path)
        wait_migration(a, 'save')
        ring = (a.sq_tail, a.cq_head, a.phase)
    with Machine('timing=on', extra=['-incoming', 'defer']) as b:
        b.qmp_connect()
        b.qmp_call('migrate-incoming', uri='exec:cat %s' % path)
        wait_migration(b, 'load')
        b.sq_tail, b.cq_head, b.phase = ring
        check(b.reg('SCRATCH') == 0x5a5a, 'registers carried over')
        check(b.reg('STATUS') == C['CSA_STS_READY'], 'still enabled')
        check(b.reg('SQ_HEAD') == b.sq_tail, 'the copy was fetched before')
        # qtest keeps its own virtual clock, which a migration does not
        # carry (a TCG or KVM guest's QEMU_CLOCK_VIRTUAL is migrated): set it
        time.sleep(0.3)
        check(b.cq_peek() is None, 'still in flight after loading')
        b.cmd('clock_set %d' % (t0 + 10 ** 9))
        e = b.cq_pop()
        check(e and e.tag == 50 and e.status == OK and e.cycles > 0,
              'completes on the new QEMU')
        check(b.read(BAR2 + 0x100000, size) == pattern, 'device memory migrated')
        b.submit(nop(51))
        b.clock_step(10 ** 6)
        e = b.cq_pop()
        check(e and e.tag == 51, 'the card goes on working')
    os.unlink(path)
    os.rmdir(os.path.dirname(path))


def wait_for_trace(m, text, timeout=60):
    """Until QEMU's stderr (-trace) shows @text: a state by construction."""
    end = time.monotonic() + timeout
    while text not in m.stderr_text():
        check(time.monotonic() < end, 'trace shows %r' % text)
        time.sleep(0.01)


def test_save_and_unplug_stop_the_long_command():
    """Neither a migration save nor an unplug waits under the BQL for the
    command on the worker: with the longest legal ATTENTION running (its
    fetch seen in the trace), the save takes the command back from the
    worker (trace csa_quiesce: how long it waited) in a tenth of the
    command's time, and it is saved to run again (csa_redo); it runs again
    from the start after the load, and its output on the new QEMU equals
    the output the old QEMU computes when it goes on after the save.
    device_del + eject of a card running the same command returns in a
    quarter of the command's time."""
    import re
    path = os.path.join(tempfile.mkdtemp(prefix='csa-mig-'), 'state')
    with Machine(devmem='128M', trace='csa_*') as a:
        a.start()
        a.qmp_connect()
        a.write(LONG_Q, bytes((i * 7 + 1) & 0x7f for i in range(256 * 512 * 4)))
        t0 = time.monotonic()
        a.submit(longest_attention(80))
        wait_for_trace(a, 'tag 0x50')
        s0 = time.monotonic()
        a.qmp_call('migrate', uri='exec:cat > %s' % path)
        wait_migration(a, 'save')
        save = time.monotonic() - s0
        check(a.cq_peek() is None, 'the command did not complete before the save')
        ring = (a.sq_tail, a.cq_head, a.phase)
        # the old QEMU (paused, as after any migration) runs it again too
        e = a.cq_pop(timeout=300)
        took = time.monotonic() - t0
        check(e and e.tag == 80 and e.status == OK, 'the old QEMU completes it after the save')
        expected = a.read(LONG_OUT, 256 * 512 * 4)
        waits = re.findall(r'taken back from the worker after (\d+) us', a.stderr_text())
        redo = 'stopped for a migration save' in a.stderr_text()
    check(len(waits) == 1 and redo, 'the save took the command back to run again (%s)' % waits)
    waited = int(waits[0]) / 1e6
    print('    save %.2f s (%.3f s of it waiting for the worker) while the command takes %.1f s'
          % (save, waited, took))
    check(waited < took / 10, 'the save did not wait for the command (%.3f s of %.1f s)'
          % (waited, took))
    with Machine(devmem='128M', extra=['-incoming', 'defer']) as b:
        b.qmp_connect()
        b.qmp_call('migrate-incoming', uri='exec:cat %s' % path)
        wait_migration(b, 'load')
        b.sq_tail, b.cq_head, b.phase = ring
        e = b.cq_pop(timeout=300)
        check(e and e.tag == 80 and e.status == OK, 'the new QEMU runs it again and completes it')
        check(b.read(LONG_OUT, 256 * 512 * 4) == expected, 'the same output as the old QEMU')
    os.unlink(path)
    os.rmdir(os.path.dirname(path))
    with Machine(devmem='128M', trace='csa_fetch') as m:
        m.start()
        m.qmp_connect()
        m.submit(longest_attention(81))
        wait_for_trace(m, 'tag 0x51')
        u0 = time.monotonic()
        m.qmp_call('device_del', id='csa0')
        m.cmd('outl 0xae08 0x%x' % (1 << PCI_SLOT))      # the eject: unrealize
        check(not any(d.get('qdev_id') == 'csa0' for d in m.qmp_call('query-pci')[0]['devices']),
              'card gone')
        unplug = time.monotonic() - u0
    print('    unplug %.2f s' % unplug)
    check(unplug < took / 4, 'the unplug did not wait for the command (%.2f s)' % unplug)


def test_unplug_and_plug_again():
    """device_del (the ACPI eject a guest would do, done by the test) and a
    new card in the same slot: its device memory registers again (no
    RAMBlock name clash), the new card works."""
    with Machine() as m:
        m.qmp_connect()
        for n in range(2):
            def present():
                return any(d.get('qdev_id') == 'hp%d' % n
                           for d in m.qmp_call('query-pci')[0]['devices'])
            m.qmp_call('device_add', driver='csa-accel', id='hp%d' % n, addr='5.0',
                       devmem='16M')
            check(present(), 'card %d plugged' % n)
            m.qmp_call('device_del', id='hp%d' % n)
            m.cmd('outl 0xae08 0x%x' % (1 << 5))       # PCI hotplug: eject slot 5
            end = time.monotonic() + 30
            while present():
                check(time.monotonic() < end, 'card %d removed' % n)
                time.sleep(0.05)
        check(m.start() == C['CSA_STS_READY'], 'the boot card still works')
        m.submit(nop(60))
        e = m.cq_pop()
        check(e and e.tag == 60, 'NOP after two plug/unplug cycles')


def board_battery():
    """Commands over a 1 MiB device memory image: every engine, with and
    without their flags (ConSmax, fp16 KV, pow2 and 16-bit scales, index in
    memory), inputs random f32 in [-2, 2) below 0xc0000, outputs above.
    Returns (image, [(opcode, flags, args, bufs)])."""
    import random
    rnd = random.Random(0xb0a7d)
    image = bytearray(struct.pack('<%df' % (0xc0000 // 4),
                                  *[rnd.uniform(-2.0, 2.0) for _ in range(0xc0000 // 4)]))
    image += bytes(0x40000)
    # a row index for EMBED's F_IDX_MEM, pow2 scales in range
    image[0xbf000:0xbf004] = struct.pack('<I', 7)
    image[0xb0000:0xb1000] = bytes(rnd.randrange(-8, 8) & 0xff for _ in range(0x1000))
    f = C
    eps, scale = f32_bits(1e-5), f32_bits(0.125)
    cmds = [
        (f['CSA_OP_COPY'], 0, [4096], [0x0, 0xc0000]),
        (f['CSA_OP_EMBED'], 0, [64, 32, 5], [0x10000, 0xc1000]),
        (f['CSA_OP_EMBED'], f['CSA_CMD_F_IDX_MEM'], [64, 32, 0], [0x10000, 0xc1100, 0xbf000]),
        (f['CSA_OP_RMSNORM'], 0, [1024, eps], [0x0, 0x1000, 0xc2000]),
        (f['CSA_OP_MATVEC_F32'], 0, [256, 128], [0x0, 0x10000, 0xc3000]),
        (f['CSA_OP_MATVEC_BCQ'], 0, [256, 64, 3, 64], [0x0, 0x30000, 0x40000, 0xc4000]),
        (f['CSA_OP_MATVEC_BCQ'], f['CSA_CMD_F_SCALE16'], [256, 64, 2, 64],
         [0x0, 0x30000, 0x40000, 0xc4400]),
        (f['CSA_OP_MATVEC_BCQ'], f['CSA_CMD_F_POW2'], [256, 64, 2, 64],
         [0x0, 0x30000, 0xb0000, 0xc4800]),
        (f['CSA_OP_MATVEC_BCQ_BATCH'], 0, [256, 64, 3, 64, 3],
         [0x0, 0x30000, 0x40000, 0xc5000]),
        (f['CSA_OP_COPY'], 0, [1024], [0x2000, 0xc6000]),
        (f['CSA_OP_ROPE'], 0, [4, 64, 3, 16], [0xc6000, 0x50000]),
        (f['CSA_OP_KV_APPEND'], 0, [2, 64, 3, 16], [0x100, 0x2000, 0xd0000]),
        (f['CSA_OP_ATTENTION'], 0, [4, 2, 64, 8, 16, scale], [0x0, 0xd0000, 0xc7000]),
        (f['CSA_OP_ATTENTION'], f['CSA_CMD_F_CONSMAX'], [4, 2, 64, 8, 16, scale],
         [0x0, 0xd0000, 0xc7400, 0x60000]),
        (f['CSA_OP_ATTENTION'], f['CSA_CMD_F_CONSMAX'] | f['CSA_CMD_F_CONSMAX_NORM'],
         [4, 2, 64, 8, 16, scale], [0x0, 0xd0000, 0xc7800, 0x60000]),
        (f['CSA_OP_KV_APPEND'], f['CSA_CMD_F_KV_F16'], [2, 64, 5, 16], [0x100, 0x2000, 0xe0000]),
        (f['CSA_OP_ATTENTION'], f['CSA_CMD_F_KV_F16'], [4, 2, 64, 6, 16, scale],
         [0x0, 0xe0000, 0xc7c00]),
        (f['CSA_OP_SILU_MUL'], 0, [1024], [0x0, 0x4000, 0xc8000]),
        (f['CSA_OP_ADD'], 0, [1024], [0x0, 0x4000, 0xc9000]),
        (f['CSA_OP_ARGMAX'], 0, [4096], [0x0, 0xca000]),
        (f['CSA_OP_SOFTMAX'], 0, [1024], [0x0, 0xcb000]),
        (f['CSA_OP_SOFTMAX'], f['CSA_CMD_F_CONSMAX'], [1024], [0x0, 0xcc000, 0x60000]),
    ]
    return bytes(image), cmds


def run_battery_qemu(board, image, cmds):
    """(device memory after, [(status, cycles)]) on the QEMU card."""
    with Machine('board=%s' % board, devmem='1M') as m:
        m.start()
        for off in range(0, len(image), 0x10000):
            m.write(BAR2 + off, image[off:off + 0x10000])
        res = []
        for i, (op, flags, args, bufs) in enumerate(cmds):
            m.submit(desc(op, tag=200 + i, flags=flags, args=args, addrs=bufs))
            e = m.cq_pop(timeout=120)
            check(e and e.tag == 200 + i, '%s: command %d completes' % (board, i))
            res.append((e.status, e.cycles))
        after = b''.join(m.read(BAR2 + off, 0x10000) for off in range(0, len(image), 0x10000))
    return after, res


def run_battery_sim(board, image, cmds):
    """The same on libaccel's sim backend (tests/qemu-device/sim_replay.c)."""
    import subprocess
    tool = os.environ.get('CSA_SIM_REPLAY', os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        'build/rel/tests/csa-sim-replay'))
    check(os.access(tool, os.X_OK), 'csa-sim-replay built (%s)' % tool)
    with tempfile.TemporaryDirectory(prefix='csa-replay-') as d:
        with open(os.path.join(d, 'image'), 'wb') as fimg:
            fimg.write(image)
        with open(os.path.join(d, 'cmds'), 'w') as fc:
            for op, flags, args, bufs in cmds:
                a = list(args) + [0] * (10 - len(args))
                b = list(bufs) + [-1] * (6 - len(bufs))
                fc.write(' '.join(str(x) for x in [op, flags] + a + b) + '\n')
        r = subprocess.run([tool, board, os.path.join(d, 'image'), os.path.join(d, 'cmds'),
                            os.path.join(d, 'out')], capture_output=True, text=True)
        check(r.returncode == 0, 'csa-sim-replay %s: %s' % (board, r.stderr.strip()))
        with open(os.path.join(d, 'out'), 'rb') as fo:
            after = fo.read()
    return after, [tuple(int(x) for x in line.split()) for line in r.stdout.splitlines()]


def test_board_profiles_match_sim():
    """Under every board profile (kcu105, u250, u55c) the QEMU card and
    libaccel's sim backend, given the same device memory and commands (every
    engine, and their flags), end with the same device memory bit for bit,
    the same statuses (all OK) and the same modelled cycles; across boards
    the memory is the same too and only the cycles differ."""
    image, cmds = board_battery()
    first = None
    cycles = {}
    for board in ('kcu105', 'u250', 'u55c'):
        q_mem, q_res = run_battery_qemu(board, image, cmds)
        s_mem, s_res = run_battery_sim(board, image, cmds)
        check(len(s_res) == len(cmds), '%s: the sim ran every command' % board)
        for i, (q, s) in enumerate(zip(q_res, s_res)):
            check(q[0] == OK and s[0] == OK,
                  '%s: command %d (opcode %d) OK on both (QEMU %d, sim %d)'
                  % (board, i, cmds[i][0], q[0], s[0]))
            check(q[1] == s[1], '%s: command %d (opcode %d) cycles QEMU %d = sim %d'
                  % (board, i, cmds[i][0], q[1], s[1]))
        if q_mem != s_mem:
            at = next(i for i in range(len(q_mem)) if q_mem[i] != s_mem[i])
            raise Failure('%s: device memory differs from the sim at 0x%x' % (board, at))
        check(q_mem != image, '%s: the commands wrote device memory' % board)
        if first is None:
            first = q_mem
        check(q_mem == first, '%s: device memory as under kcu105' % board)
        cycles[board] = sum(c for _, c in q_res)
    print('    cycles of the battery: %s' % ' '.join('%s %d' % kv for kv in cycles.items()))
    check(len(set(cycles.values())) == 3, 'each board models its own time')


def fuzz_session(m, rnd, budget, seed, stats):
    """One machine's share of test_qtest_fuzz (m.root_port: q35, the card
    behind a PCIe root port; else pc with ACPI hot-plug)."""
    # DMA, SG and MSI-X targets: RAM, the rings themselves, the card's own
    # registers (doorbells among them), BAR2 window, MSI-X table and PBA,
    # the interrupt window, nothing.
    targets = [0, 4, 0x1000, 0x100000, 16 << 20, (16 << 20) - 4, SQ_BUS, CQ_BUS,
               HOST_BUF, BAR0, BAR0 + C['CSA_REG_SQ_TAIL'], BAR0 + C['CSA_REG_CQ_HEAD'],
               BAR0 + C['CSA_REG_CONTROL'], BAR0 + C['CSA_REG_IRQ_MASK'], BAR0 + 0x4c,
               BAR2, BAR2 + 0x1000, BAR4, BAR4 + 0x800,
               0xfee00000, 0xffffffff00000000, 1 << 63]
    tag = 1000 + stats['descs'] + stats['resets']

    def addr():
        r = rnd.random()
        if r < 0.5:
            return rnd.choice(targets) + rnd.choice((0, 0, 4, 64, 4096, -4)) & (2 ** 64 - 1)
        if r < 0.8:
            return rnd.randrange(0, 16 << 20, 4)
        return rnd.getrandbits(64)

    def fuzz_desc(tag):
        op = rnd.randrange(0, C['CSA_OP_COUNT'] + 1)  # every opcode and the first bad one
        args = [rnd.choice((0, 1, 4, 64, 4096, 1 << 20, rnd.getrandbits(32)))
                for _ in range(rnd.randrange(0, 11))]
        if op in (C['CSA_OP_DMA_H2D'], C['CSA_OP_DMA_D2H']) and rnd.random() < 0.7:
            n = rnd.randrange(1, 4)
            sg = HOST_BUF + 0x10000
            m.write(sg, b''.join(SG.pack(addr(), rnd.choice((4, 64, 4096, 1 << 16)), 0)
                                 for _ in range(n)))
            args = [rnd.choice((4, 64, 4096)), n]
            addrs = [sg, rnd.randrange(0, 16 << 20, 4)]
        else:
            addrs = [addr() for _ in range(rnd.randrange(0, 7))]
        return desc(op & 0xff, tag=tag, last=rnd.random() < 0.7,
                    flags=rnd.choice((0, 0, 0, 1, 2, 4, 8)) & 0x7f,
                    args=[a & 0xffffffff for a in args], addrs=addrs)

    def busy(tag):
        """Work that keeps the engine worker busy a while: 1 MiB copies."""
        m.submit(*[copy(tag + i, 1 << 20, 0, 8 << 20, last=i == 3) for i in range(4)])

    def health(tag):
        m.pci_enable()
        check(m.reg('MAGIC') == C['CSA_MAGIC'], 'card answers (seed 0x%x)' % seed)
        m.set_reg('CONTROL', C['CSA_CTRL_RESET'])
        check(m.start() == C['CSA_STS_READY'], 'ready after a reset (seed 0x%x)' % seed)
        m.submit(nop(tag))
        e = m.cq_pop(timeout=120)
        check(e and e.tag == tag and e.status == OK, 'NOP after fuzzing (seed 0x%x)' % seed)

    m.qmp_connect()
    m.start()
    msix = m.find_cap(0x11)
    express = m.find_cap(0x10)
    check(msix, 'MSI-X capability')
    check(bool(express) == m.root_port, 'an Express capability on q35 only')
    end = time.monotonic() + budget
    ops = 0
    while time.monotonic() < end:
        r = rnd.random()
        ops += 1
        stats['ops'] += 1
        if r < 0.22:
            off = rnd.randrange(0, 0x1000)
            width = rnd.choice(('b', 'w', 'l', 'l', 'l', 'q'))
            m.cmd('write%s 0x%x 0x%x' % (width, BAR0 + off,
                                         rnd.getrandbits({'b': 8, 'w': 16, 'l': 32, 'q': 64}[width])))
        elif r < 0.30:
            m.cmd('read%s 0x%x' % (rnd.choice('bwlq'), BAR0 + rnd.randrange(0, 0x1000)))
        elif r < 0.34:
            m.cfg_write(rnd.randrange(0x04, 0x100, 4), rnd.getrandbits(32))
        elif r < 0.38:
            m.writel(BAR4 + rnd.randrange(0, 0x1000, 4), rnd.getrandbits(32))
        elif r < 0.44:
            # an MSI-X vector whose message lands on a target (the card's
            # own doorbell, its table...), MSI-X enabled, maybe unmasked
            v = rnd.randrange(0, C['CSA_MSIX_VECTORS'])
            a = addr()
            for i, val in enumerate((a & 0xfffffffc, a >> 32, rnd.getrandbits(32),
                                     rnd.choice((0, 0, 1)))):
                m.writel(BAR4 + v * 16 + i * 4, val)
            ctl = m.cfg_read(msix)
            m.cfg_write(msix, ctl & 0xffff | rnd.choice((1 << 31, 1 << 31, 3 << 30, 0)))
            m.set_reg('IRQ_MASK', rnd.choice((0, 0, rnd.getrandbits(32))))
            stats['msix'] += 1
        elif r < 0.82:
            n = rnd.randrange(1, 8)
            m.submit(*[fuzz_desc(tag + i) for i in range(n)])
            stats['descs'] += n
            tag += n
            while m.cq_peek():
                m.cq_pop(timeout=0)
                stats['entries'] += 1
        elif r < 0.89:
            m.set_reg('CONTROL', rnd.choice((C['CSA_CTRL_RESET'], 0, C['CSA_CTRL_ENABLE'])))
            stats['resets'] += 1
        elif r < 0.93:
            busy(tag)
            tag += 4
            m.qmp_call('system_reset')
            stats['resets'] += 1
            m.start()
        elif m.root_port:
            # Function Level Reset while the worker has work
            busy(tag)
            tag += 4
            ctl = m.cfg_read(express + 8)
            m.cfg_write(express + 8, ctl & 0xffff | 1 << 15)
            stats['flrs'] += 1
            m.start()
        elif r < 0.97:
            # a second card with work in flight, unplugged
            m.qmp_call('device_add', driver='csa-accel', id='fz', addr='6.0', devmem='16M')
            slot = dict(bus=0, slot=6)
            m.cfg_write(0x10, 0xfeb00000, **slot)
            m.cfg_write(0x04, 6, **slot)
            base = 0xfeb00000
            m.writel(base + C['CSA_REG_SQ_BASE_LO'], HOST_BUF + 0x20000)
            m.writel(base + C['CSA_REG_SQ_SIZE'], 16)
            m.writel(base + C['CSA_REG_CQ_BASE_LO'], HOST_BUF + 0x30000)
            m.writel(base + C['CSA_REG_CQ_SIZE'], 16)
            m.writel(base + C['CSA_REG_CONTROL'], C['CSA_CTRL_ENABLE'])
            m.write(HOST_BUF + 0x20000, copy(1, 1 << 20, 0, 8 << 20) * 8)
            m.writel(base + C['CSA_REG_SQ_TAIL'], 8)
            m.qmp_call('device_del', id='fz')
            m.cmd('outl 0xae08 0x%x' % (1 << 6))
            stats['unplugs'] += 1
        else:
            # the card itself unplugged while its worker runs, then a new one
            busy(tag)
            tag += 4
            m.qmp_call('device_del', id='csa0')
            m.cmd('outl 0xae08 0x%x' % (1 << PCI_SLOT))
            deadline = time.monotonic() + 60
            while any(d.get('qdev_id') == 'csa0'
                      for d in m.qmp_call('query-pci')[0]['devices']):
                check(time.monotonic() < deadline, 'card unplugged (seed 0x%x)' % seed)
                time.sleep(0.01)
            m.qmp_call('device_add', driver='csa-accel', id='csa0', addr='%d.0' % PCI_SLOT,
                       devmem='16M')
            m.start()
            stats['unplugs'] += 1
        if ops % 200 == 0:
            health(tag)
            tag += 1
    health(tag)
    check(m.proc.poll() is None, 'QEMU alive')


def test_qtest_fuzz():
    """Bounded qtest fuzz of the guest-facing surface (seeded, reproducible:
    CSA_QTEST_FUZZ_SEED, CSA_QTEST_FUZZ_SECONDS, default 20, split between
    pc and q35): BAR0 accesses of every width, config-space writes, MSI-X
    table entries whose messages aim at the card's own registers and BARs,
    random and near-valid descriptors whose device and bus addresses aim
    anywhere (RAM, the rings themselves, the card's own BAR0/BAR2/BAR4,
    nothing), SG tables likewise; soft resets, system resets, FLR (q35) and
    device_del of a second card and of the card itself (pc) while the
    engine worker has work.  QEMU must never die or stop answering, after
    each health check the card runs a NOP, and QEMU exits cleanly.  On a
    QEMU built by build-qemu.sh --sanitize (make qemu-fuzz) the first
    ASan/UBSan report stops QEMU and the test prints it; a leak report at
    exit fails it too."""
    import random
    seed = int(os.environ.get('CSA_QTEST_FUZZ_SEED', '0x5eedc5a'), 0)
    budget = float(os.environ.get('CSA_QTEST_FUZZ_SECONDS', '20'))
    rnd = random.Random(seed)
    stats = dict.fromkeys(('ops', 'descs', 'entries', 'msix', 'resets', 'flrs', 'unplugs'), 0)
    for root_port in (False, True):
        m = Machine(devmem='16M', root_port=root_port)
        try:
            fuzz_session(m, rnd, budget / 2, seed, stats)
        finally:
            rc = m.close()
            reports = m.sanitizer_reports()
            if reports:
                print(m.stderr_text())
        check(not reports, 'no sanitizer report (seed 0x%x): %s' % (seed, reports[:3]))
        check(rc in (0, -15), 'QEMU exited cleanly (%s, seed 0x%x)' % (rc, seed))
    print('    fuzz seed 0x%x: %s' % (seed, ' '.join('%s %d' % kv for kv in stats.items())))


TESTS = [
    test_identity_and_nop,
    test_timing_completion_at_modelled_time,
    test_timing_jobs_in_order,
    test_timing_two_queues_overlap,
    test_monitor_answers_during_longest_command,
    test_reset_while_engine_runs,
    test_dma_into_own_bar2,
    test_trace_points,
    test_pcie_endpoint_link_aer_flr,
    test_pcie_link_properties,
    test_aer_reports_dma_fault,
    test_migration_with_a_command_in_flight,
    test_save_and_unplug_stop_the_long_command,
    test_unplug_and_plug_again,
    test_board_profiles_match_sim,
    test_qtest_fuzz,
]


def main(argv):
    names = [a for a in argv if not a.startswith('-')]
    passed = failed = 0
    for t in TESTS:
        if names and t.__name__ not in names:
            continue
        t0 = time.monotonic()
        try:
            t()
            passed += 1
            print('PASS %s (%.1f s)' % (t.__name__, time.monotonic() - t0))
        except Failure as exc:
            failed += 1
            print('FAIL %s: %s' % (t.__name__, exc))
        except Exception:                    # a harness error is a failure too
            failed += 1
            print('FAIL %s: exception' % t.__name__)
            traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
    print('qemu-device: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
