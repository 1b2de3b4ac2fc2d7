#!/bin/bash
# run-vm-test.sh - `make vm-test`: the whole stack in a QEMU VM.
#
# 1. qemu-system-x86_64 with the CSA card (qemu-device/build-qemu.sh, cached)
# 2. Debian's 6.12 kernel (scripts/fetch-kernel.sh, cached) and csa.ko
# 3. the guest programs, built static: test-qemu-fuzz (device alone),
#    test-libaccel, test-driver, test-accel-info-vm, accel-llm; the model
#    files and accel-llm's output on the host's sim backend
# 4. an initramfs with all of it (tests/vm/mkinitramfs.sh, /init =
#    tests/vm/init.sh), booted under TCG with a time limit
# 5. the console log (build/vm/console.log) judged by tests/vm/check-log.sh
#
# Every piece is expected: one that cannot be built or is missing from the
# VM makes the run FAIL (the other pieces still run, to show the rest).
# Environment: CSA_VM_TIMEOUT (seconds, default 1200), CSA_FUZZ_ITERS
# (default 400), CSA_VM_MEM (MiB, default 1024), CSA_VM_IOMMU=1 (boot
# behind -device intel-iommu), MODELS (model directory).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=build/vm
stage=$out/root
timeout_s=${CSA_VM_TIMEOUT:-1200}
fuzz_iters=${CSA_FUZZ_ITERS:-400}
mem=${CSA_VM_MEM:-1024}
models=${MODELS:-}
make_q=(make --no-print-directory -j2)

missing=()
note() { echo "vm-test: $*"; }
lack() { missing+=("$1"); note "MISSING: $1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

rm -rf "$out"
mkdir -p "$stage/bin" "$stage/share"
t_all=$(now)

# ---- 1. QEMU -------------------------------------------------------------
t=$(now)
qemu=$(qemu-device/build-qemu.sh build/qemu | tail -n 1)
if [ ! -x "$qemu" ]; then
	note "FAIL: no QEMU with the CSA device"
	exit 1
fi
note "QEMU ready in $(since "$t")s: $qemu"

# ---- 2. kernel and module ------------------------------------------------
t=$(now)
if [ -x scripts/fetch-kernel.sh ] || [ -f scripts/fetch-kernel.sh ]; then
	kenv=$(sh scripts/fetch-kernel.sh) || { note "FAIL: scripts/fetch-kernel.sh failed"; exit 1; }
else
	note "FAIL: scripts/fetch-kernel.sh is missing"
	exit 1
fi
vmlinuz=$(printf '%s\n' "$kenv" | sed -n 's/^VMLINUZ=//p')
moddir=$(printf '%s\n' "$kenv" | sed -n 's/^MODULES_DIR=//p')
[ -f "$vmlinuz" ] && [ -d "$moddir" ] || { note "FAIL: kernel.env lacks VMLINUZ/MODULES_DIR"; exit 1; }
note "kernel ready in $(since "$t")s: $vmlinuz"

t=$(now)
csa_ko=
if "${make_q[@]}" module >"$out/module.log" 2>&1 && [ -f build/module/csa.ko ]; then
	csa_ko=build/module/csa.ko
	note "csa.ko built in $(since "$t")s"
else
	tail -n 20 "$out/module.log"
	lack "csa.ko (make module, see $out/module.log)"
fi

# ---- 3. guest programs ------------------------------------------------------
# name, make target, file it leaves
build_static() {
	local name=$1 target=$2 file=$3
	if "${make_q[@]}" "$target" >"$out/build-$name.log" 2>&1 && [ -x "$file" ]; then
		cp "$file" "$stage/bin/$name"
	else
		tail -n 15 "$out/build-$name.log"
		lack "$name (make $target, see $out/build-$name.log)"
	fi
}
t=$(now)
# Behind an IOMMU the driverless test cannot know bus addresses.
if [ "${CSA_VM_IOMMU:-0}" != 1 ]; then
	build_static test-qemu-fuzz qemu-fuzz-static build/static/test-qemu-fuzz
fi
build_static test-libaccel static-tests build/static/test-libaccel
build_static test-driver driver-tests-static build/static/test-driver
build_static test-accel-info-vm accel-info-vm-tests build/static/test-accel-info-vm
[ -x build/static/accel-info ] && cp build/static/accel-info "$stage/bin/"
build_static accel-llm accel-llm-static build/static-vm/bin/accel-llm
note "guest programs built in $(since "$t")s"

# accel-llm: the configurations the VM compares with the host's sim backend
llm_configs=(
	"f32 -t 0 -s 1 -n 48 -q"
	"bcq3-consmax -t 0 -s 1 -n 48 -q --weights bcq3 --softmax consmax"
	"bcq2-pow2 -t 0.8 -s 7 -n 32 -q --weights bcq2 --pow2"
)
if [ -x "$stage/bin/accel-llm" ]; then
	if [ -z "$models" ] || [ ! -f "$models/stories260K.bin" ] || [ ! -f "$models/tok512.bin" ]; then
		lack "model files (MODELS=$models has no stories260K.bin + tok512.bin)"
	else
		cp "$models/stories260K.bin" "$models/tok512.bin" "$stage/share/"
		: >"$stage/share/llm-configs.txt"
		for c in "${llm_configs[@]}"; do
			tag=${c%% *} args=${c#* }
			args="-m /share/stories260K.bin -z /share/tok512.bin $args"
			# shellcheck disable=SC2086
			if "$stage/bin/accel-llm" -d sim ${args//\/share/$stage/share} \
				>"$stage/share/expected-$tag.txt" 2>"$out/llm-$tag.err"; then
				echo "$tag $args" >>"$stage/share/llm-configs.txt"
			else
				cat "$out/llm-$tag.err"
				lack "accel-llm $tag on the host's sim backend"
			fi
		done
	fi
fi

# ---- 4. initramfs and boot -------------------------------------------------
if ! tests/vm/mkinitramfs.sh "$stage" "$out/initramfs.cpio.gz" "$moddir" "$csa_ko"; then
	note "FAIL: cannot pack the initramfs"
	exit 1
fi
note "initramfs: $(du -h "$out/initramfs.cpio.gz" | cut -f1)"

# The steps the console must show, from what was packed.
expect=()
[ -x "$stage/bin/test-qemu-fuzz" ] && expect+=(test-qemu-fuzz)
expect+=(insmod-deps)
if [ -n "$csa_ko" ]; then
	expect+=(insmod-csa)
	for b in test-libaccel test-driver test-accel-info-vm; do
		[ -x "$stage/bin/$b" ] && expect+=("$b")
	done
	llm_tags=()
	[ -f "$stage/share/llm-configs.txt" ] &&
		mapfile -t llm_tags < <(cut -d' ' -f1 "$stage/share/llm-configs.txt")
	for t in "${llm_tags[@]}"; do expect+=("accel-llm-$t"); done
	for what in msi intx; do
		expect+=("reload-$what")
		[ -x "$stage/bin/test-libaccel" ] && expect+=("test-libaccel-$what")
		for t in "${llm_tags[@]}"; do expect+=("accel-llm-$t-$what"); done
	done
	expect+=(rmmod-csa)
fi
printf '%s\n' "${expect[@]}" >"$out/expected-steps.txt"

machine=(-M q35 -m "$mem" -accel tcg -nographic -no-reboot
	-vga none -nic none -parallel none
	-L /usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu)
append="console=ttyS0 panic=-1 quiet csa_fuzz_iters=$fuzz_iters"
if [ "${CSA_VM_IOMMU:-0}" = 1 ]; then
	# intel-iommu must exist before the devices it translates for.
	machine+=(-device intel-iommu,intremap=on)
	append="$append intel_iommu=on"
fi
note "booting (TCG, ${mem}M, timeout ${timeout_s}s)"
t=$(now)
timeout --foreground -k 10 "$timeout_s" "$qemu" "${machine[@]}" \
	-device csa-accel,id=csa0 \
	-kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" -append "$append" \
	-d guest_errors -D "$out/qemu-guest-errors.log" \
	</dev/null >"$out/console.log" 2>"$out/qemu.stderr"
qrc=$?
vm_time=$(since "$t")
note "VM ran ${vm_time}s (QEMU exit $qrc); console log: $out/console.log"

# ---- 5. verdict --------------------------------------------------------------
tests/vm/check-log.sh "$out/console.log" "$out/expected-steps.txt" "$qrc" \
	"${missing[@]+"${missing[@]}"}"
rc=$?
note "total $(since "$t_all")s"
exit $rc
