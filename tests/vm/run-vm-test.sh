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
# 4b. a second, shorter boot behind -device intel-iommu (CSA_VM_IOMMU=0
#    skips it), on a card without BAR2 (devmem-bar=off): libaccel's suite,
#    test-driver's trust-boundary suite and accel-llm with DMA through the
#    IOMMU
# 4c. a third, driverless boot with the device's fault injection armed
# 4d. a fourth boot migrated to a file and into a new QEMU mid-decode
#    (CSA_VM_MIGRATE=0 skips it; CSA_VM_ONLY=migrate runs only it)
# The full boot's QEMU monitor (a FIFO pair) also injects uncorrectable
# PCIe errors into the card when the guest asks (aer-recovery steps).
# The full and iommu boots run the card in timing mode (timing=on: a job is
# in flight for its modelled time, docs/qemu.md) under -icount, so a guest
# test that checks a job right after submitting it finds it running by
# construction, not by racing the host.
# CSA_VM_DEBUG=1 (`make vm-test-debug`): the same boots but migrate, on the
# debug kernel (scripts/build-debug-kernel.sh: KASAN, lockdep, kmemleak,
# DMA-API debug, fault injection), csa.ko built against it, plus the guest
# ioctl fuzzer and the reset stress (tests/driver/ioctl-fuzz.c) and a final
# kmemleak scan; the log fails on any KASAN, lockdep, DMA-API, BUG or
# WARNING report (check-log.sh with CSA_VM_LOG_STRICT=1).  Output in
# build/vm-debug.  CSA_IOCTL_FUZZ_SECONDS (default 60) and
# CSA_IOCTL_FUZZ_SEED (default: a new one each run, printed) steer the fuzzer.
# Environment: CSA_VM_TIMEOUT (seconds per boot, default 1200; 2400 debug),
# CSA_FUZZ_ITERS (default 2000), CSA_VM_MEM (MiB, default 1024), MODELS,
# CSA_VM_ICOUNT (-icount argument, default shift=0,sleep=on; "off" drops it).
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
debug=${CSA_VM_DEBUG:-0}
out=build/vm
[ "$debug" = 1 ] && out=build/vm-debug
stage=$out/root
timeout_s=${CSA_VM_TIMEOUT:-$([ "$debug" = 1 ] && echo 2400 || echo 1200)}
ioctl_fuzz_seconds=${CSA_IOCTL_FUZZ_SECONDS:-60}
ioctl_fuzz_seed=${CSA_IOCTL_FUZZ_SEED:-}
fuzz_iters=${CSA_FUZZ_ITERS:-2000}
mem=${CSA_VM_MEM:-1024}
icount=${CSA_VM_ICOUNT:-shift=0,sleep=on}
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
module_args=(MODULE_DIR=build/module-vm)
if [ "$debug" = 1 ]; then
	# (progress on stderr while it builds; cached afterwards)
	denv=$(scripts/build-debug-kernel.sh) || { note "FAIL: scripts/build-debug-kernel.sh failed"; exit 1; }
	vmlinuz=$(printf '%s\n' "$denv" | sed -n 's/^DEBUG_VMLINUZ=//p')
	moddir=$(printf '%s\n' "$denv" | sed -n 's/^DEBUG_MODULES_DIR=//p')
	# no BTF in the debug kernel: no pahole
	module_args=(MODULE_DIR=build/module-vm-debug
		KDIR="$(printf '%s\n' "$denv" | sed -n 's/^DEBUG_KDIR=//p')" PAHOLE=)
fi
[ -f "$vmlinuz" ] && [ -d "$moddir" ] || { note "FAIL: kernel.env lacks VMLINUZ/MODULES_DIR"; exit 1; }
note "kernel ready in $(since "$t")s: $vmlinuz"

t=$(now)
csa_ko=
# A build directory of its own: a `make module` running elsewhere in the
# tree must not race with this one.
# CSA_DEBUG=1: the test knobs (irq_mode, sq_entries, debugfs "inject").
module_dir=${module_args[0]#MODULE_DIR=}
if "${make_q[@]}" module "${module_args[@]}" CSA_DEBUG=1 >"$out/module.log" 2>&1 &&
	[ -f "$module_dir/csa.ko" ]; then
	csa_ko=$module_dir/csa.ko
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
build_static test-qemu-fuzz qemu-fuzz-static build/static/test-qemu-fuzz
build_static test-libaccel static-tests build/static/test-libaccel
build_static test-driver driver-tests-static build/static/test-driver
build_static test-accel-info-vm accel-info-vm-tests build/static/test-accel-info-vm
[ -x build/static/accel-info ] && cp build/static/accel-info "$stage/bin/"
build_static accel-llm accel-llm-static build/static-vm/bin/accel-llm
[ "$debug" = 1 ] && build_static test-ioctl-fuzz ioctl-fuzz-static build/static/test-ioctl-fuzz
note "guest programs built in $(since "$t")s"

# accel-llm: the configurations the VM compares with the host's sim
# backend: tag | accel-quant arguments (quantized here, on the host: the
# quantizer's search is slow under TCG and not what the VM tests) | model
# file | accel-llm arguments
llm_configs=(
	"f32||stories260K.bin|--weights f32 -t 0 -s 1 -n 64 -q"
	"bcq3-consmax|--weights bcq3 --consmax|stories260K-bcq3-consmax.csa|-t 0 -s 1 -n 64 -q --softmax consmax"
	"bcq2-pow2|--weights bcq2 --pow2|stories260K-bcq2-pow2.csa|-t 0.8 -s 7 -n 48 -q"
	# three requests decoded together (seeds 3, 4, 5: texts of their own
	# lengths): MATVEC_F32_BATCH, KV_APPEND_BATCH and ATTENTION_BATCH with
	# the step's table sent by DMA, through the driver
	"batch-f32||stories260K.bin|--weights f32 -t 0.8 -s 3 -n 48 -q --batch 3"
)
llm_prepare() {
	local c tag qargs model args
	if [ -z "$models" ] || [ ! -f "$models/stories260K.bin" ] || [ ! -f "$models/tok512.bin" ]; then
		lack "model files (MODELS=$models has no stories260K.bin + tok512.bin)"
		return
	fi
	cp "$models/stories260K.bin" "$models/tok512.bin" "$stage/share/"
	if ! "${make_q[@]}" build/rel/bin/accel-quant >"$out/build-accel-quant.log" 2>&1; then
		tail -n 15 "$out/build-accel-quant.log"
		lack "accel-quant (see $out/build-accel-quant.log)"
	fi
	: >"$stage/share/llm-configs.txt"
	for c in "${llm_configs[@]}"; do
		IFS='|' read -r tag qargs model args <<<"$c"
		if [ -n "$qargs" ]; then
			# shellcheck disable=SC2086
			build/rel/bin/accel-quant -m "$stage/share/stories260K.bin" \
				-o "$stage/share/$model" $qargs >"$out/quant-$tag.log" 2>&1 ||
				{ cat "$out/quant-$tag.log"; lack "accel-quant $tag"; continue; }
		fi
		# shellcheck disable=SC2086
		if (cd "$stage/share" && ../bin/accel-llm -d sim -m "$model" -z tok512.bin $args) \
			>"$stage/share/expected-$tag.txt" 2>"$out/llm-$tag.err"; then
			echo "$tag -m /share/$model -z /share/tok512.bin $args" >>"$stage/share/llm-configs.txt"
		else
			cat "$out/llm-$tag.err"
			lack "accel-llm $tag on the host's sim backend"
		fi
	done
}
[ -x "$stage/bin/accel-llm" ] && llm_prepare
# The migrate boot's decode: long enough on a slow card (below) that the VM
# is migrated while it runs.
migrate_args="-m /share/stories260K.bin -z /share/tok512.bin -t 0 -s 1 -n 200 -q"
if [ -f "$stage/share/stories260K.bin" ]; then
	# shellcheck disable=SC2086
	(cd "$stage/share" && ../bin/accel-llm -d sim ${migrate_args//\/share\//}) \
		>"$stage/share/expected-migrate.txt" 2>"$out/llm-migrate.err" ||
		lack "accel-llm for the migrate boot on the host's sim backend"
	echo "$migrate_args" >"$stage/share/migrate-args.txt"
fi

# ---- 4. initramfs and boot -------------------------------------------------
if ! tests/vm/mkinitramfs.sh "$stage" "$out/initramfs.cpio.gz" "$moddir" "$csa_ko"; then
	note "FAIL: cannot pack the initramfs"
	exit 1
fi
note "initramfs: $(du -h "$out/initramfs.cpio.gz" | cut -f1)"

# The steps a boot's console must show, from what was packed.
expected_steps() {
	local mode=$1 t what
	local llm_tags=()
	[ -f "$stage/share/llm-configs.txt" ] &&
		mapfile -t llm_tags < <(cut -d' ' -f1 "$stage/share/llm-configs.txt")
	if [ "$mode" = faults ]; then
		echo test-qemu-faults
		return 0
	fi
	if [ "$mode" = migrate ]; then
		printf '%s\n' insmod-deps insmod-csa accel-llm-migrated rmmod-csa
		return 0
	fi
	[ "$debug" = 1 ] && printf '%s\n' kmemleak-baseline kmemleak
	[ "$mode" = full ] && [ -x "$stage/bin/test-qemu-fuzz" ] && echo test-qemu-fuzz
	[ "$mode" = full ] && echo pcie-link
	[ "$mode" = iommu ] && echo iommu-domain
	echo insmod-deps
	[ -n "$csa_ko" ] || return 0
	echo insmod-csa
	[ -x "$stage/bin/test-libaccel" ] && echo test-libaccel
	[ "$mode" = iommu ] && [ -x "$stage/bin/test-driver" ] && echo test-driver-boundary
	if [ "$mode" = full ]; then
		[ -x "$stage/bin/test-driver" ] && echo test-driver
		[ "$debug" = 1 ] && [ -x "$stage/bin/test-driver" ] && echo test-driver-fault-attr
		[ -x "$stage/bin/test-accel-info-vm" ] && echo test-accel-info-vm
	fi
	for t in "${llm_tags[@]}"; do echo "accel-llm-$t"; done
	if [ "$mode" = full ]; then
		for what in msi intx; do
			echo "reload-$what"
			[ -x "$stage/bin/test-libaccel" ] && echo "test-libaccel-$what"
			for t in "${llm_tags[@]}"; do echo "accel-llm-$t-$what"; done
		done
		if [ "$debug" = 1 ] && [ -x "$stage/bin/test-ioctl-fuzz" ]; then
			printf '%s\n' ioctl-fuzz stress-resets ioctl-fuzz-failing-allocs
		fi
		[ -x "$stage/bin/test-driver" ] && echo aer-recovery
		echo hot-unplug
		[ -x "$stage/bin/test-driver" ] && echo aer-recovery-replugged
	fi
	echo rmmod-csa
}

machine=(-M q35 -m "$mem" -accel tcg -nographic -no-reboot
	-vga none -nic none -parallel none
	-L /usr/share/qemu -L /usr/share/seabios -L /usr/lib/ipxe/qemu)
total_passed=0 total_failed=0
vm_times=()

# The host half of the guest's aer-recovery and hot-unplug steps: an
# uncorrectable PCIe error injected into the card (once per marker), then
# device_del / device_add, through the monitor when the console shows the
# guest's markers.
monitor_driver() {
	local log=$1 sent_del=0 sent_add=0 aer_sent=0 marks m
	# Read-write opens of the FIFOs never block, even if QEMU is gone.
	exec 8<>"$out/monitor.in"
	cat <>"$out/monitor.out" >"$out/monitor.log" &
	echo $! >"$out/monitor-cat.pid"
	# until QEMU is gone (the caller kills this loop then)
	while :; do
		# each marker once, in order: "CSA-VM: AER-<KIND>-NOW <qemu id>";
		# QEMU's default severities: Completion Abort non-fatal,
		# Malformed TLP fatal (hw/pci/pcie_aer.c)
		mapfile -t marks < <(grep -a -o -E '^CSA-VM: AER-(NONFATAL|FATAL)-NOW csa[0-9]+' "$log" 2>/dev/null)
		while [ $aer_sent -lt ${#marks[@]} ]; do
			m=${marks[$aer_sent]}
			case $m in
			*-NONFATAL-NOW*) echo "pcie_aer_inject_error ${m##* } COMP_ABORT" >&8 ;;
			*) echo "pcie_aer_inject_error ${m##* } MALF_TLP" >&8 ;;
			esac
			echo "sent for: $m"
			aer_sent=$((aer_sent + 1))
		done
		if [ $sent_del = 0 ] && grep -q "^CSA-VM: UNPLUG-NOW" "$log" 2>/dev/null; then
			echo "device_del csa0" >&8
			sent_del=1
		fi
		if [ $sent_del = 1 ] && grep -q "^CSA-VM: REPLUG-NOW" "$log" 2>/dev/null; then
			echo "device_add csa-accel,id=csa1,bus=rp0,timing=on" >&8
			sent_add=1
		fi
		sleep 0.2
	done
	exec 8>&-
}

# boot MODE: one VM run; its log is $out/console[-MODE].log
boot() {
	local mode=$1 name=console extra=() append t qrc verdict clock=()
	# no_timer_check: the faults boot runs without -icount, and a loaded
	# host can fail the IO-APIC timer check (seen once: a panic at boot)
	# log_buf_len: the kernel log holds the whole boot, so the summary /init
	# prints at the end starts at a record's beginning, not inside a dump
	append="console=ttyS0 panic=-1 quiet no_timer_check log_buf_len=8M csa_fuzz_iters=$fuzz_iters csa_vm_mode=$mode"
	# loglevel=5: warnings (lockdep, WARN) reach the console despite quiet
	[ "$debug" = 1 ] && append="$append loglevel=5 csa_vm_debug=1 csa_ioctl_fuzz_seconds=$ioctl_fuzz_seconds${ioctl_fuzz_seed:+ csa_ioctl_fuzz_seed=$ioctl_fuzz_seed}"
	# the debug kernel's full boot bounces every DMA through swiotlb, so
	# DMA-API debug sees each sync the driver owes a host BO (issue 11.4)
	[ "$debug" = 1 ] && [ "$mode" = full ] && append="$append swiotlb=131072,force"
	if [ "$mode" = iommu ]; then
		name=console-iommu
		# intel-iommu must exist before the devices it translates for.
		extra=(-device intel-iommu,intremap=on)
		append="$append intel_iommu=on"
	fi
	if [ "$mode" = full ]; then
		# the card behind a PCIe root port: hot-pluggable
		extra=(-device pcie-root-port,id=rp0,chassis=1,slot=1
			-chardev "pipe,id=mon0,path=$out/monitor"
			-mon chardev=mon0,mode=readline)
		card=(-device csa-accel,id=csa0,bus=rp0,timing=on)
		rm -f "$out/monitor.in" "$out/monitor.out"
		mkfifo "$out/monitor.in" "$out/monitor.out"
	elif [ "$mode" = faults ]; then
		name=console-faults
		card=(-device csa-accel,id=csa0,hang-after=3,dma-fault-after=6)
	elif [ "$mode" = iommu ]; then
		# no BAR2: device memory reachable only by DMA
		card=(-device csa-accel,id=csa0,devmem-bar=off)
	else
		card=(-device csa-accel,id=csa0,timing=on)
	fi
	[ "$mode" != faults ] && [ "$icount" != off ] && clock=(-icount "$icount")
	expected_steps "$mode" >"$out/$name.steps"
	note "booting ($mode: TCG, ${mem}M, timeout ${timeout_s}s)"
	t=$(now)
	timeout --foreground -k 10 "$timeout_s" "$qemu" "${machine[@]}" "${clock[@]}" "${extra[@]}" \
		"${card[@]}" \
		-kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" -append "$append" \
		-d guest_errors -D "$out/qemu-guest-errors-$mode.log" \
		</dev/null >"$out/$name.log" 2>"$out/qemu-$mode.stderr" &
	local qpid=$! mpid=
	if [ "$mode" = full ]; then
		monitor_driver "$out/$name.log" >"$out/monitor-driver.log" 2>&1 &
		mpid=$!
	fi
	wait "$qpid"
	qrc=$?
	if [ -n "$mpid" ]; then
		kill "$mpid" 2>/dev/null
		[ -f "$out/monitor-cat.pid" ] && kill "$(cat "$out/monitor-cat.pid")" 2>/dev/null
		wait "$mpid" 2>/dev/null
	fi
	vm_times+=("$mode $(since "$t")s")
	note "$mode VM ran $(since "$t")s (QEMU exit $qrc); console log: $out/$name.log"
	# Missing pieces are reported once, with the first boot.
	verdict=$(CSA_VM_LOG_STRICT=$debug tests/vm/check-log.sh "$out/$name.log" "$out/$name.steps" "$qrc" \
		"${missing[@]+"${missing[@]}"}")
	missing=()
	echo "$verdict"
	set -- $(echo "$verdict" | tail -n 1)
	total_passed=$((total_passed + $1))
	total_failed=$((total_failed + $3))
}

# The migrate boot: the guest decodes on a slow card in timing mode; when
# it says so, the host migrates the running VM to a file and quits; a new
# QEMU loads it and the guest finishes the decode, whose text must equal
# the sim backend's.
migrate_driver() {
	local log=$1
	exec 8<>"$out/monitor.in"
	cat <>"$out/monitor.out" >"$out/monitor-migrate.log" &
	echo $! >"$out/monitor-cat.pid"
	while ! grep -q "^CSA-VM: MIGRATE-NOW" "$log" 2>/dev/null; do
		sleep 0.1
	done
	# Stopped first: a busy card dirties its whole device memory with
	# every command, so a live migration would not converge (docs/qemu.md).
	echo "stop" >&8
	echo "migrate \"exec:cat > $out/vmstate\"" >&8
	echo "info migrate" >&8
	echo "quit" >&8
	exec 8>&-
}

# The loaded VM stays paused, as the source was: continue it once loaded.
resume_driver() {
	exec 8<>"$out/monitor.in"
	cat <>"$out/monitor.out" >"$out/monitor-resume.log" &
	echo $! >"$out/monitor-cat.pid"
	# "paused (inmigrate)" while loading, plain "paused" once loaded
	while ! tr -d '\033\r' <"$out/monitor-resume.log" | grep -q "VM status: paused$"; do
		echo "info status" >&8
		sleep 0.5
	done
	echo "cont" >&8
	exec 8>&-
}

boot_migrate() {
	local t qrc verdict a=$out/console-migrate-a.log b=$out/console-migrate-b.log mpid
	local append="console=ttyS0 panic=-1 quiet csa_vm_mode=migrate"
	local args=("${machine[@]}")
	[ "$icount" != off ] && args+=(-icount "$icount")
	args+=(-device pcie-root-port,id=rp0,chassis=1,slot=1
		-device csa-accel,id=csa0,bus=rp0,timing=on,dram-mbps=100
		-kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" -append "$append")
	expected_steps migrate >"$out/console-migrate.steps"
	rm -f "$out/monitor.in" "$out/monitor.out" "$out/vmstate"
	mkfifo "$out/monitor.in" "$out/monitor.out"
	note "booting (migrate: TCG, ${mem}M, timeout ${timeout_s}s)"
	t=$(now)
	timeout --foreground -k 10 "$timeout_s" "$qemu" "${args[@]}" \
		-chardev "pipe,id=mon0,path=$out/monitor" -mon chardev=mon0,mode=readline \
		</dev/null >"$a" 2>"$out/qemu-migrate-a.stderr" &
	local qpid=$!
	migrate_driver "$a" >"$out/migrate-driver.log" 2>&1 &
	mpid=$!
	wait "$qpid"
	qrc=$?
	kill "$mpid" 2>/dev/null
	[ -f "$out/monitor-cat.pid" ] && kill "$(cat "$out/monitor-cat.pid")" 2>/dev/null
	wait "$mpid" 2>/dev/null
	note "migrate: source QEMU exit $qrc after $(since "$t")s, state $(du -h "$out/vmstate" 2>/dev/null | cut -f1)"
	if [ "$qrc" -eq 0 ] && [ -s "$out/vmstate" ]; then
		rm -f "$out/monitor.in" "$out/monitor.out"
		mkfifo "$out/monitor.in" "$out/monitor.out"
		timeout --foreground -k 10 "$timeout_s" "$qemu" "${args[@]}" \
			-chardev "pipe,id=mon0,path=$out/monitor" -mon chardev=mon0,mode=readline \
			-incoming "exec:cat $out/vmstate" \
			</dev/null >"$b" 2>"$out/qemu-migrate-b.stderr" &
		qpid=$!
		resume_driver >"$out/resume-driver.log" 2>&1 &
		mpid=$!
		wait "$qpid"
		qrc=$?
		kill "$mpid" 2>/dev/null
		[ -f "$out/monitor-cat.pid" ] && kill "$(cat "$out/monitor-cat.pid")" 2>/dev/null
		wait "$mpid" 2>/dev/null
	fi
	cat "$a" "$b" >"$out/console-migrate.log" 2>/dev/null
	vm_times+=("migrate $(since "$t")s")
	note "migrate VMs ran $(since "$t")s (QEMU exit $qrc); console log: $out/console-migrate.log"
	verdict=$(tests/vm/check-log.sh "$out/console-migrate.log" "$out/console-migrate.steps" "$qrc")
	echo "$verdict"
	set -- $(echo "$verdict" | tail -n 1)
	total_passed=$((total_passed + $1))
	total_failed=$((total_failed + $3))
}

if [ "${CSA_VM_ONLY:-}" = migrate ]; then
	boot_migrate
	note "VM times: ${vm_times[*]}; total $(since "$t_all")s"
	echo "$total_passed passed, $total_failed failed"
	[ "$total_failed" -eq 0 ]
	exit
fi

boot full
if [ "${CSA_VM_IOMMU:-1}" = 1 ]; then
	boot iommu
fi
[ -x "$stage/bin/test-qemu-fuzz" ] && boot faults
# (not on the debug kernel: the migration checks QEMU, not the driver)
[ "$debug" != 1 ] && [ "${CSA_VM_MIGRATE:-1}" = 1 ] && [ -f "$stage/share/migrate-args.txt" ] && [ -n "$csa_ko" ] &&
	boot_migrate

note "VM times: ${vm_times[*]}; total $(since "$t_all")s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
