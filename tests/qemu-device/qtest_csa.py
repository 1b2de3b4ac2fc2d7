# SPDX-License-Identifier: MIT
"""qtest_csa.py - drives qemu-system-x86_64 with -device csa-accel through
QEMU's qtest protocol (-accel qtest: no guest CPU runs; the test reads and
writes guest memory, I/O ports and MMIO itself, and owns the virtual clock)
and QMP (the monitor).

The register offsets and structure layouts come from include/csa/csa_device.h
and include/uapi/drm/csa_accel.h, parsed at import time, so they cannot drift
from the C headers.
"""
import base64
import json
import os
import re
import socket
import struct
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _defines(path):
    out = {}
    pat = re.compile(r'^#define\s+(CSA_\w+)\s+(\(?\d[0-9a-fA-Fx]*u?(?:\s*<<\s*\d+u?)?\)?)')
    enum = re.compile(r'^\s+(CSA_\w+)\s*=\s*(0x[0-9a-fA-F]+|\d+),')
    with open(path) as f:
        for line in f:
            m = pat.match(line) or enum.match(line)
            if m:
                expr = m.group(2).replace('u', '')
                try:
                    out[m.group(1)] = eval(expr, {})  # numbers and << only
                except (SyntaxError, NameError):
                    pass
    return out


C = {}
C.update(_defines(os.path.join(REPO, 'include/csa/csa_device.h')))
C.update(_defines(os.path.join(REPO, 'include/uapi/drm/csa_accel.h')))

DESC = struct.Struct('<BBHI10I6Q4Q')      # struct csa_desc, 128 bytes
CQE = struct.Struct('<IHHIIQQ')           # struct csa_cqe, 32 bytes
SG = struct.Struct('<QII')                # struct csa_sg_entry, 16 bytes
assert DESC.size == 128 and CQE.size == 32 and SG.size == 16

# Where the tests put things (pc machine, -m 256: RAM below 0x10000000).
PCI_SLOT = 4
BAR0 = 0xfebf0000
BAR4 = 0xfebe0000
BAR2 = 0xe0000000
ROOT_PORT_SLOT = 2
ECAM_BASE = 0xb0000000
SQ_BUS = 0x00100000
CQ_BUS = 0x00110000
HOST_BUF = 0x00200000     # host data buffers from here


# What a sanitizer report starts with (ASan, LSan, UBSan's runtime errors).
SANITIZER_REPORT = re.compile(r'ERROR: (Address|Leak)Sanitizer|runtime error:|'
                              r'SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer')


def sanitizer_env():
    """The first report stops QEMU (UBSan too, whose default is to go on),
    with a stack and a distinct exit status; leaks are checked at exit."""
    env = dict(os.environ)
    env.setdefault('ASAN_OPTIONS', 'halt_on_error=1:abort_on_error=0:exitcode=66:'
                   'detect_leaks=1:print_summary=1')
    env.setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1:exitcode=67')
    return env


def qemu_binary():
    path = os.environ.get('CSA_QEMU', os.path.join(REPO, 'build/qemu/qemu-system-x86_64'))
    if not os.access(path, os.X_OK):
        raise RuntimeError('no QEMU at %s (make qemu)' % path)
    return path


def desc(opcode, tag=1, last=True, flags=0, args=(), addrs=(), dep=0):
    a = list(args) + [0] * (10 - len(args))
    b = list(addrs) + [0] * (6 - len(addrs))
    return DESC.pack(opcode, flags | (C['CSA_DESC_F_LAST'] if last else 0), dep, tag,
                     *a, *b, 0, 0, 0, 0)


class Cqe:
    def __init__(self, raw):
        (self.tag, self.status, self.flags, self.index, self.sq_head,
         self.cycles, self.cookie) = CQE.unpack(raw)

    @property
    def phase(self):
        return self.flags & C['CSA_CQE_F_PHASE']


class Machine:
    """One QEMU process: qtest on its stdin/stdout, QMP on a UNIX socket."""

    def __init__(self, device_props='', devmem='16M', extra=(), trace=None, mem=256,
                 machine='pc', root_port=False):
        """root_port: q35 with the card behind a PCIe root port (bus 1)."""
        self.dir = tempfile.mkdtemp(prefix='csa-qtest-')
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        self.stderr_path = os.path.join(self.dir, 'stderr.log')
        self.bus = 0
        self.slot = PCI_SLOT
        extra = list(extra)
        if root_port:
            machine = 'q35'
            extra = ['-device', 'pcie-root-port,id=rp0,chassis=1,slot=1,addr=%d.0'
                     % ROOT_PORT_SLOT] + extra
            props = 'csa-accel,id=csa0,bus=rp0,addr=0.0,devmem=%s' % devmem
            self.bus, self.slot = 1, 0
        else:
            props = 'csa-accel,id=csa0,addr=%d.0,devmem=%s' % (PCI_SLOT, devmem)
        self.root_port = root_port
        if device_props:
            props += ',' + device_props
        cmd = [qemu_binary(), '-M', machine, '-m', str(mem), '-accel', 'qtest',
               '-qtest', 'stdio', '-qtest-log', '/dev/null',
               '-display', 'none', '-nodefaults', '-vga', 'none', '-nic', 'none',
               '-L', '/usr/share/qemu', '-L', '/usr/share/seabios',
               '-L', '/usr/lib/ipxe/qemu',
               '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path] + extra + [
               '-device', props]
        if trace:
            cmd += ['-trace', trace]
        self.stderr = open(self.stderr_path, 'w')
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, bufsize=0, env=sanitizer_env())
        self.out = self.proc.stdout
        self.final_stderr = None       # what QEMU wrote, once closed
        self.qmp = None
        self.sq_tail = 0
        self.cq_head = 0
        self.phase = 1
        self.sq_size = 16
        self.cq_size = 16

    # ---- qtest ---------------------------------------------------------
    def cmd(self, line):
        self.proc.stdin.write((line + '\n').encode())
        while True:
            resp = self.out.readline().decode()
            if not resp:
                raise RuntimeError('QEMU exited (%s); stderr:\n%s' % (line, self.stderr_text()))
            if resp.startswith('IRQ'):
                continue
            if not resp.startswith('OK'):
                raise RuntimeError('qtest %r -> %r' % (line, resp))
            return resp[2:].strip()

    def readl(self, addr):
        return int(self.cmd('readl 0x%x' % addr), 16)

    def writel(self, addr, val):
        self.cmd('writel 0x%x 0x%x' % (addr, val))

    def write(self, addr, data):
        self.cmd('b64write 0x%x %d %s' % (addr, len(data), base64.b64encode(data).decode()))

    def read(self, addr, size):
        return base64.b64decode(self.cmd('b64read 0x%x %d' % (addr, size)))

    def clock_step(self, ns=None):
        return int(self.cmd('clock_step' if ns is None else 'clock_step %d' % ns))

    def clock_now(self):
        return self.clock_step(0)

    # ---- PCI configuration through ports 0xcf8/0xcfc --------------------
    def cfg_addr(self, off, bus=None, slot=None):
        bus = self.bus if bus is None else bus
        slot = self.slot if slot is None else slot
        return 0x80000000 | (bus << 16) | (slot << 11) | (off & 0xfc)

    def cfg_read(self, off, bus=None, slot=None):
        self.cmd('outl 0xcf8 0x%x' % self.cfg_addr(off, bus, slot))
        return int(self.cmd('inl 0xcfc'), 16)

    def cfg_write(self, off, val, bus=None, slot=None):
        self.cmd('outl 0xcf8 0x%x' % self.cfg_addr(off, bus, slot))
        self.cmd('outl 0xcfc 0x%x' % val)

    def find_cap(self, cap_id):
        """Offset of a capability in the first 256 bytes, or 0."""
        if not self.cfg_read(0x04) >> 16 & 0x10:
            return 0
        pos = self.cfg_read(0x34) & 0xfc
        while pos:
            v = self.cfg_read(pos)
            if v & 0xff == cap_id:
                return pos
            pos = v >> 8 & 0xfc
        return 0

    def ecam_enable(self):
        """q35: MCH PCIEXBAR at ECAM_BASE (256 buses), as firmware would."""
        self.cfg_write(0x64, 0, bus=0, slot=0)
        self.cfg_write(0x60, ECAM_BASE | 1, bus=0, slot=0)

    def ecam_read(self, off):
        return self.readl(ECAM_BASE + (self.bus << 20) + (self.slot << 15) + off)

    def root_port_enable(self):
        """Bus numbers and windows a firmware would give the root port."""
        rp = dict(bus=0, slot=ROOT_PORT_SLOT)
        self.cfg_write(0x18, 0x010100, **rp)                  # pri 0, sec 1, sub 1
        self.cfg_write(0x20, 0xfeb0fe80, **rp)                # 0xfe800000..0xfebfffff
        self.cfg_write(0x24, 0xeff1e001, **rp)                # 64-bit pref 0xe0000000..
        self.cfg_write(0x28, 0, **rp)
        self.cfg_write(0x2c, 0, **rp)
        self.cfg_write(0x04, 0x0006, **rp)

    def pci_enable(self, bar2=True):
        """Place the BARs, enable memory decoding and bus mastering."""
        if self.root_port:
            self.root_port_enable()
        self.cfg_write(0x10, BAR0)
        if bar2:
            self.cfg_write(0x18, BAR2)
            self.cfg_write(0x1c, 0)
        self.cfg_write(0x20, BAR4)
        self.cfg_write(0x04, 0x0006)

    # ---- the card's registers and rings ---------------------------------
    def reg(self, name):
        return self.readl(BAR0 + C['CSA_REG_' + name])

    def set_reg(self, name, val):
        self.writel(BAR0 + C['CSA_REG_' + name], val)

    def reg64(self, name):
        lo = self.reg(name)
        return lo | self.readl(BAR0 + C['CSA_REG_' + name] + 4) << 32

    def start(self, bar2=True):
        """PCI setup, both rings (CQ zeroed), enable: returns STATUS."""
        self.pci_enable(bar2)
        self.cmd('memset 0x%x %d 0' % (CQ_BUS, self.cq_size * CQE.size))
        self.set_reg('SQ_BASE_LO', SQ_BUS)
        self.set_reg('SQ_BASE_HI', 0)
        self.set_reg('SQ_SIZE', self.sq_size)
        self.set_reg('CQ_BASE_LO', CQ_BUS)
        self.set_reg('CQ_BASE_HI', 0)
        self.set_reg('CQ_SIZE', self.cq_size)
        self.set_reg('CONTROL', C['CSA_CTRL_ENABLE'])
        self.sq_tail = self.cq_head = 0
        self.phase = 1
        return self.reg('STATUS')

    def submit(self, *descs):
        for d in descs:
            self.write(SQ_BUS + self.sq_tail * DESC.size, d)
            self.sq_tail = (self.sq_tail + 1) % self.sq_size
        self.set_reg('SQ_TAIL', self.sq_tail)

    def cq_peek(self):
        """The next completion if the device has posted it, else None."""
        e = Cqe(self.read(CQ_BUS + self.cq_head * CQE.size, CQE.size))
        return e if e.phase == self.phase else None

    def cq_pop(self, timeout=60.0):
        """Wait (real time, bounded) for the next completion and consume it."""
        end = time.monotonic() + timeout
        while True:
            e = self.cq_peek()
            if e:
                self.cq_head = (self.cq_head + 1) % self.cq_size
                if self.cq_head == 0:
                    self.phase ^= 1
                self.set_reg('CQ_HEAD', self.cq_head)
                return e
            if time.monotonic() > end:
                return None
            time.sleep(0.005)

    # ---- QMP ------------------------------------------------------------
    def qmp_connect(self):
        end = time.monotonic() + 30
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)
        self.qmp = s.makefile('rw')
        json.loads(self.qmp.readline())            # greeting
        self.qmp_call('qmp_capabilities')

    def qmp_call(self, command, **args):
        msg = {'execute': command}
        if args:
            msg['arguments'] = args
        self.qmp.write(json.dumps(msg) + '\n')
        self.qmp.flush()
        while True:
            resp = json.loads(self.qmp.readline())
            if 'event' in resp:
                continue
            if 'error' in resp:
                raise RuntimeError('QMP %s: %s' % (command, resp['error']))
            return resp['return']

    def sanitizer_reports(self):
        """Lines of AddressSanitizer, LeakSanitizer or UBSan reports QEMU
        wrote (a QEMU built with build-qemu.sh --sanitize)."""
        return [line for line in self.stderr_text().splitlines()
                if SANITIZER_REPORT.search(line)]

    def stderr_text(self):
        if self.final_stderr is not None:
            return self.final_stderr
        self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()      # SIGTERM: QEMU shuts down cleanly
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        with open(self.stderr_path) as f:
            self.final_stderr = f.read()
        rc = self.proc.returncode
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
