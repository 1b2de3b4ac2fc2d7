#!/bin/sh
# Run the driver's VM-side tests (build/static/test-driver) in a QEMU VM
# with the csa-accel card, on Debian's 6.12 kernel.  A small stand-alone
# harness for driver work; the project's full VM suite is tests/vm/.
#
# Usage: tests/driver/run-vm.sh [mode ...]
#   Runs the suite once per mode given, each in a fresh VM: an irq_mode
#   (0 auto/MSI-X, 1 MSI-X, 2 MSI, 3 INTx) or "hotplug" (the card behind a
#   PCIe root port; after the other tests the harness device_dels it while
#   the test holds the node open).  Default: 1 2 3 hotplug.
# Environment:
#   QEMU            qemu-system-x86_64 with -device csa-accel
#                   (default: the one qemu-device/build-qemu.sh builds)
#   CSA_VM_ARGS     extra -device csa-accel properties, e.g. ",devmem-bar=off"
#   CSA_VM_IOMMU=1  put the card behind an Intel IOMMU (guest intel_iommu=on)
#   CSA_VM_EXTRA    static test programs to run first on the card, e.g.
#                   build/static/test-libaccel (with ACCEL_DEVICE=/dev/accel/accel0)
#   CSA_JOB_TIMEOUT_MS  module job_timeout_ms (default 2000)
#   CSA_VM_PARAMS   more csa.ko parameters, comma separated, e.g. "sq_entries=4"
#   CSA_VM_APPEND   more guest kernel arguments, e.g. "swiotlb=force"
#   CSA_VM_SUITES   run only these test-driver suites, comma separated
#   CSA_VM_WORK     work directory for the initramfs and logs (default
#                   build/driver-vm; give concurrent runs their own)
# Builds csa.ko with CSA_DEBUG=1 and the static test program itself.
# Exit status: 0 when every run passed.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
timeout_ms=${CSA_JOB_TIMEOUT_MS:-2000}
modes=${*:-1 2 3 hotplug}

# CSA_DEBUG=1: the test knobs (irq_mode, sq_entries, debugfs "inject")
make -s module CSA_DEBUG=1 driver-tests-static >/dev/null
env=$(scripts/fetch-kernel.sh)
vmlinuz=$(printf '%s\n' "$env" | sed -n 's/^VMLINUZ=//p')
mods=$(printf '%s\n' "$env" | sed -n 's/^MODULES_DIR=//p')
qemu=${QEMU:-}
if [ -z "$qemu" ]; then
	qemu=$(qemu-device/build-qemu.sh | tail -n 1)
fi
[ -x "$qemu" ] || { echo "run-vm.sh: no QEMU binary ($qemu)" >&2; exit 1; }
busybox=$(command -v busybox) || { echo "run-vm.sh: busybox not found" >&2; exit 1; }

work=${CSA_VM_WORK:-$repo/build/driver-vm}
case $work in /*) ;; *) work=$repo/$work ;; esac
rm -rf "$work/root"
mkdir -p "$work/root/bin" "$work/root/lib/modules" "$work/root/proc" \
	"$work/root/sys" "$work/root/dev" "$work/root/tmp"
cp "$busybox" "$work/root/bin/busybox"
for t in sh mount insmod rmmod poweroff sleep cat echo ls dmesg; do
	ln -sf busybox "$work/root/bin/$t"
done
# vgem: fences the syncobj tests signal themselves
for m in drm drm_kms_helper drm_shmem_helper gpu-sched drm_buddy vgem; do
	find "$mods" -name "$m.ko*" -exec cp {} "$work/root/lib/modules/" \;
done
cp build/module/csa.ko "$work/root/lib/modules/"
cp build/static/test-driver "$work/root/bin/test-driver"
mkdir -p "$work/root/extra"
for b in ${CSA_VM_EXTRA:-}; do
	cp "$b" "$work/root/extra/"
done

cat >"$work/root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
for m in drm drm_kms_helper drm_shmem_helper gpu-sched drm_buddy vgem; do
	insmod /lib/modules/$m.ko* || echo "VM: insmod $m failed"
done
params=$(cat /proc/cmdline | sed -n 's/.*csa_params=\([^ ]*\).*/\1/p' | tr , ' ')
insmod /lib/modules/csa.ko $params || echo "VM: insmod csa failed"
sleep 1
grep -q csa_device_del=1 /proc/cmdline && export CSA_EXPECT_DEVICE_DEL=1
suites=$(sed -n 's/.*csa_suites=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$suites" ] && export CSA_TEST_SUITES=$suites
extra_rc=0
for b in /extra/*; do
	[ -x "$b" ] || continue
	ACCEL_DEVICE=/dev/accel/accel0 "$b"
	r=$?
	echo "VM: $b exit $r"
	[ $r -eq 0 ] || extra_rc=1
done
CSA_JOB_TIMEOUT_MS=$(cat /sys/module/csa/parameters/job_timeout_ms) /bin/test-driver
rc=$?
[ $extra_rc -eq 0 ] || rc=1
# rmmod once no file is open: must succeed and leave no warning behind
if rmmod csa; then echo "VM: rmmod csa ok"; else echo "VM: rmmod csa FAILED"; rc=1; fi
if dmesg | grep -q -E 'WARNING:|BUG:|Oops|general protection'; then
	echo "VM: kernel warnings in dmesg"; rc=1
fi
dmesg | grep -i -E 'csa|BUG|WARNING|Oops|general protection|DMAR: IOMMU enabled|0000:00:0[1-3].0: Adding to iommu' | tail -n 60
echo "DRIVER-TESTS-EXIT=$rc"
poweroff -f
EOF
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.cpio.gz"

send_device_del() {
	python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"device_del csa0\n")
time.sleep(0.5)
s.close()
PY
}

fail=0
for mode in $modes; do
	log=$work/run-$mode.log
	echo "run-vm: $mode (log $log)"
	irq=$mode
	dev="-device csa-accel${CSA_VM_ARGS:-},id=csa0"
	extra=""
	if [ "$mode" = hotplug ]; then
		irq=0
		dev="-device pcie-root-port,id=rp0,chassis=1,slot=1 -device csa-accel${CSA_VM_ARGS:-},id=csa0,bus=rp0"
		extra=" csa_device_del=1"
	fi
	machine=q35
	if [ "${CSA_VM_IOMMU:-0}" = 1 ]; then
		machine=q35,kernel-irqchip=split
		dev="-device intel-iommu,intremap=on $dev"
		extra="$extra intel_iommu=on"
	fi
	rm -f "$work/mon.sock"
	# shellcheck disable=SC2086
	timeout 900 "$qemu" -M "$machine" -m 1024 -accel tcg -nographic -no-reboot \
		-vga none -nic none -parallel none \
		-L /usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu \
		-monitor "unix:$work/mon.sock,server=on,wait=off" -serial stdio \
		$dev -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet csa_params=irq_mode=$irq,job_timeout_ms=$timeout_ms${CSA_VM_PARAMS:+,$CSA_VM_PARAMS}$extra${CSA_VM_SUITES:+ csa_suites=$CSA_VM_SUITES}${CSA_VM_APPEND:+ $CSA_VM_APPEND}" \
		>"$log" 2>&1 </dev/null &
	qpid=$!
	if [ "$mode" = hotplug ]; then
		n=0
		while kill -0 "$qpid" 2>/dev/null && ! grep -q CSA-READY-FOR-DEVICE-DEL "$log" && [ $n -lt 1200 ]; do
			sleep 0.5; n=$((n + 1))
		done
		if grep -q CSA-READY-FOR-DEVICE-DEL "$log"; then
			send_device_del "$work/mon.sock" || echo "run-vm: monitor not reachable"
		fi
	fi
	wait "$qpid" || true
	grep -E '^ +(suites|tests|asserts) ' "$log" || true
	grep -E '^VM: ' "$log" || true
	if ! grep -q '^DRIVER-TESTS-EXIT=0' "$log"; then
		echo "run-vm: $mode FAILED"
		grep -E 'FAILED|^ +[0-9]+\. ' "$log" | head -n 40 || true
		fail=1
	fi
done
exit $fail
