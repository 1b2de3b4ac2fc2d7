#!/bin/sh
# Run the driver's VM-side tests (build/static/test-driver) in a QEMU VM
# with the csa-accel card, on Debian's 6.12 kernel.  A small stand-alone
# harness for driver work; the project's full VM suite is tests/vm/.
#
# Usage: tests/driver/run-vm.sh [irq_mode ...]
#   Runs the suite once per irq_mode given (0 auto/MSI-X, 1 MSI-X, 2 MSI,
#   3 INTx; default: 1 2 3), each in a fresh VM.
# Environment:
#   QEMU            qemu-system-x86_64 with -device csa-accel
#                   (default: the one qemu-device/build-qemu.sh builds)
#   CSA_VM_ARGS     extra -device csa-accel properties, e.g. ",devmem-bar=off"
#   CSA_JOB_TIMEOUT_MS  module job_timeout_ms (default 2000)
# Needs: make module driver-tests-static done first (this script runs them).
# Exit status: 0 when every run passed.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
timeout_ms=${CSA_JOB_TIMEOUT_MS:-2000}
modes=${*:-1 2 3}

make -s module driver-tests-static >/dev/null
env=$(scripts/fetch-kernel.sh)
vmlinuz=$(printf '%s\n' "$env" | sed -n 's/^VMLINUZ=//p')
mods=$(printf '%s\n' "$env" | sed -n 's/^MODULES_DIR=//p')
qemu=${QEMU:-}
if [ -z "$qemu" ]; then
	qemu=$(qemu-device/build-qemu.sh | tail -n 1)
fi
[ -x "$qemu" ] || { echo "run-vm.sh: no QEMU binary ($qemu)" >&2; exit 1; }
busybox=$(command -v busybox) || { echo "run-vm.sh: busybox not found" >&2; exit 1; }

work=$repo/build/driver-vm
rm -rf "$work/root"
mkdir -p "$work/root/bin" "$work/root/lib/modules" "$work/root/proc" \
	"$work/root/sys" "$work/root/dev" "$work/root/tmp"
cp "$busybox" "$work/root/bin/busybox"
for t in sh mount insmod rmmod poweroff sleep cat echo ls dmesg; do
	ln -sf busybox "$work/root/bin/$t"
done
for m in drm drm_kms_helper drm_shmem_helper gpu-sched drm_buddy; do
	find "$mods" -name "$m.ko*" -exec cp {} "$work/root/lib/modules/" \;
done
cp build/module/csa.ko "$work/root/lib/modules/"
cp build/static/test-driver "$work/root/bin/test-driver"

cat >"$work/root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
for m in drm drm_kms_helper drm_shmem_helper gpu-sched drm_buddy; do
	insmod /lib/modules/$m.ko* || echo "VM: insmod $m failed"
done
params=$(cat /proc/cmdline | sed -n 's/.*csa_params=\([^ ]*\).*/\1/p' | tr , ' ')
insmod /lib/modules/csa.ko $params || echo "VM: insmod csa failed"
sleep 1
CSA_JOB_TIMEOUT_MS=$(cat /sys/module/csa/parameters/job_timeout_ms) /bin/test-driver
rc=$?
# rmmod once no file is open: must succeed and leave no warning behind
if rmmod csa; then echo "VM: rmmod csa ok"; else echo "VM: rmmod csa FAILED"; rc=1; fi
if dmesg | grep -q -E 'WARNING:|BUG:|Oops|general protection'; then
	echo "VM: kernel warnings in dmesg"; rc=1
fi
dmesg | grep -i -E 'csa|BUG|WARNING|Oops|general protection' | tail -n 60
echo "DRIVER-TESTS-EXIT=$rc"
poweroff -f
EOF
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.cpio.gz"

fail=0
for mode in $modes; do
	log=$work/run-irq$mode.log
	echo "run-vm: irq_mode=$mode (log $log)"
	timeout 900 "$qemu" -M q35 -m 1024 -accel tcg -nographic -no-reboot \
		-vga none -nic none -parallel none \
		-L /usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu \
		-device "csa-accel${CSA_VM_ARGS:-}" \
		-kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet csa_params=irq_mode=$mode,job_timeout_ms=$timeout_ms" \
		>"$log" 2>&1 || true
	grep -E '^ +(suites|tests|asserts) ' "$log" || true
	if ! grep -q '^DRIVER-TESTS-EXIT=0' "$log"; then
		echo "run-vm: irq_mode=$mode FAILED"
		grep -E 'FAILED|Test: .*\.\.\.FAILED|^ +[0-9]+\. ' "$log" | head -n 40 || true
		fail=1
	fi
done
exit $fail
