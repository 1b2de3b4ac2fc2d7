#!/bin/sh
# /init of the CSA VM test (busybox sh).  Every check is a step:
#   CSA-VM: RUN <name>
#   ... its output (CUnit suites print their Run Summary) ...
#   CSA-VM: RESULT <name> rc=<exit status> at <uptime>s
# and the last line is "CSA-VM: DONE".  The host (tests/vm/run-vm-test.sh)
# knows which steps must appear and judges the log; this script only runs.
export PATH=/bin
export HOME=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
echo "CSA-VM: BOOTED $(cut -d' ' -f1 /proc/uptime)s"

# Options from the kernel command line: csa_fuzz_iters=N, csa_vm_mode=
# full (everything), iommu (behind the emulated IOMMU: the driver's and
# libaccel's DMA paths and accel-llm only) or faults (the QEMU device's
# fault-injection properties, no driver).
fuzz_iters=400
mode=full
# csa_vm_debug=1: the debug kernel (make vm-test-debug): kmemleak, the
# ioctl fuzzer and the reset stress run too; csa_ioctl_fuzz_seconds=S and
# csa_ioctl_fuzz_seed=N steer the fuzzer.
debug=0
ioctl_fuzz_seconds=60
ioctl_fuzz_seed=
for w in $(cat /proc/cmdline); do
	case $w in
	csa_fuzz_iters=*) fuzz_iters=${w#csa_fuzz_iters=} ;;
	csa_vm_mode=*) mode=${w#csa_vm_mode=} ;;
	csa_vm_debug=*) debug=${w#csa_vm_debug=} ;;
	csa_ioctl_fuzz_seconds=*) ioctl_fuzz_seconds=${w#csa_ioctl_fuzz_seconds=} ;;
	csa_ioctl_fuzz_seed=*) ioctl_fuzz_seed=${w#csa_ioctl_fuzz_seed=} ;;
	esac
done
echo "CSA-VM: mode $mode debug $debug"

step() {
	name=$1
	shift
	echo "CSA-VM: RUN $name"
	"$@"
	rc=$?
	echo "CSA-VM: RESULT $name rc=$rc at $(cut -d' ' -f1 /proc/uptime)s"
	return $rc
}

have() {
	[ -e "$1" ] || { echo "CSA-VM: MISSING $1"; return 1; }
}

wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

load_deps() {
	for m in $(cat /lib/modules/order); do
		[ "$m" = csa.ko ] && continue
		insmod "/lib/modules/$m" || { echo "insmod $m failed"; return 1; }
	done
}

load_csa() {
	insmod /lib/modules/csa.ko "$@" || return 1
	wait_for /dev/accel/accel0 || { echo "no /dev/accel/accel0"; return 1; }
	echo "csa.ko loaded ($*): irq_mode=$(cat /sys/module/csa/parameters/irq_mode 2>/dev/null)"
}

unload_csa() {
	rmmod csa || return 1
	[ ! -e /dev/accel/accel0 ] || { echo "accel0 still there"; return 1; }
	grep -q '^csa ' /proc/modules && { echo "csa still listed"; return 1; }
	return 0
}

csa_present() {
	# (a device may vanish between the glob and the read)
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1234 ] &&
			[ "$(cat "$d/device" 2>/dev/null)" = 0xc5a0 ] && return 0
	done
	return 1
}

# wait_until N CMD...: up to N tenths of a second for CMD to succeed
wait_until() {
	n=$1
	shift
	while ! "$@"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
}

no_accel0() {
	[ ! -e /dev/accel/accel0 ]
}

csa_absent() {
	! csa_present
}

# The removal is over when pciehp has powered the slot off: a card added
# before that races the slot's power-off sequence.
slot_powered_off() {
	for p in /sys/bus/pci/slots/*/power; do
		[ "$(cat "$p" 2>/dev/null)" = 0 ] && return 0
	done
	return 1
}

slot_state() {
	for p in /sys/bus/pci/slots/*; do
		echo "slot $p: power $(cat "$p/power" 2>/dev/null) address $(cat "$p/address" 2>/dev/null)"
	done
}

hot_unplug() {
	echo "CSA-VM: UNPLUG-NOW"
	wait_until 300 csa_absent || { echo "the card did not go away"; return 1; }
	wait_until 50 no_accel0 || { echo "/dev/accel/accel0 outlived the card"; return 1; }
	wait_until 100 slot_powered_off || { echo "the slot stayed powered"; slot_state; return 1; }
	echo "card and /dev/accel/accel0 gone, slot powered off"
	echo "CSA-VM: REPLUG-NOW"
	wait_until 600 csa_present || { echo "the new card did not appear"; slot_state; return 1; }
	wait_for /dev/accel/accel0 || { echo "no /dev/accel/accel0 for the new card"; return 1; }
	echo "new card bound: $(ls -d /sys/bus/pci/drivers/csa/0000:* 2>/dev/null)"
	llm_matches f32 $(grep '^f32 ' /share/llm-configs.txt | cut -d' ' -f2-)
}

reload_csa() {
	unload_csa && load_csa "$@"
}

# accel-llm on the card must print exactly what the sim backend printed on
# the host (same hw/ model, so the same bits, so the same tokens).
llm_matches() {
	tag=$1
	shift
	/bin/accel-llm -d /dev/accel/accel0 "$@" >/tmp/llm-$tag.txt 2>/tmp/llm-$tag.err
	rc=$?
	if [ $rc -ne 0 ]; then
		cat /tmp/llm-$tag.err
		return $rc
	fi
	if ! cmp -s /tmp/llm-$tag.txt /share/expected-$tag.txt; then
		echo "accel-llm output differs from the sim backend's:"
		echo "--- sim (host)"
		cat /share/expected-$tag.txt
		echo "--- device (VM)"
		cat /tmp/llm-$tag.txt
		return 1
	fi
	echo "identical to the sim backend ($(wc -c </tmp/llm-$tag.txt) bytes):"
	cat /tmp/llm-$tag.txt
}

llm_args() {
	# one line per configuration: tag, then accel-llm arguments
	cat /share/llm-configs.txt
}

run_llm_steps() {
	suffix=$1
	llm_args | while read -r tag args; do
		[ -n "$tag" ] || continue
		# shellcheck disable=SC2086
		step "accel-llm-$tag$suffix" llm_matches "$tag" $args </dev/null
	done
}

# ---- AER: PCI Express errors injected by the host ----
# The card's sysfs directory.
csa_sysfs() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1234 ] &&
			[ "$(cat "$d/device" 2>/dev/null)" = 0xc5a0 ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

# Kernel messages stamped at or after uptime $1.
dmesg_since() {
	dmesg | awk -v t0="$1" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t0) print }'
}

# must_log TEXT MESSAGE: the step's kernel messages must contain TEXT.
must_log() {
	grep -q -F "$1" /tmp/aer-dmesg.txt && return 0
	echo "missing in dmesg: $2 (\"$1\")"
	return 1
}

# QEMU 7.2 forwards an uncorrectable error only when the card's COMMAND
# has SERR# set besides the DEVCTL reporting bits Linux sets
# (pcie_aer_msg_alldev() in hw/pci/pcie_aer.c; the spec asks for either).
# SeaBIOS sets it on the boot-time card, nothing on a hot-added one, and a
# recovery restores the COMMAND the driver saved: set it before each error.
serr_on() {
	hi=$(hexdump -s 5 -n 1 -e '1/1 "%d"' "$1/config")
	[ $((hi & 1)) = 1 ] && return 0
	printf "\\$(printf %o $((hi | 1)))" |
		dd of="$1/config" bs=1 seek=5 conv=notrunc 2>/dev/null || return 1
	echo "COMMAND.SERR set for QEMU's AER model: $(hexdump -s 4 -n 2 -e '1/2 "%04x"' "$1/config")"
}

# aer_recovery QEMU_ID: test-driver's aer-nonfatal and aer-fatal suites each
# keep jobs on the card and print a marker with QEMU_ID; the host's monitor
# injects a non-fatal (COMP_ABORT), then a fatal (MALF_TLP) uncorrectable
# error into that card; the root port's AER service must run the driver's
# error_detected -> slot_reset -> resume each time (after a link reset for
# the fatal one).  A kernel built without CONFIG_PCIEAER (no aer_dev_*
# attributes: the debug kernel's minimal config) skips it.
aer_recovery() {
	card=$(csa_sysfs) || { echo "no CSA device"; return 1; }
	if [ ! -e "$card/aer_dev_nonfatal" ]; then
		echo "skipped: no AER in this kernel (no $card/aer_dev_nonfatal: CONFIG_PCIEAER is off)"
		return 0
	fi
	bdf=$(basename "$card")
	port=$(basename "$(dirname "$(readlink -f "$card")")")
	if [ ! -e "/sys/bus/pci_express/devices/$port:pcie002" ]; then
		echo "no AER service on $port (the kernel has AER, but not for this port):"
		ls /sys/bus/pci_express/devices/
		dmesg | grep -E '_OSC|AER'
		return 1
	fi
	dmesg | grep -F "$port: AER: enabled" | tail -n 1
	nonfatal0=$(awk '$1 == "TOTAL_ERR_NONFATAL" { print $2 }' "$card/aer_dev_nonfatal")
	resets0=$(cat "$card/counters/resets")
	t0=$(cut -d' ' -f1 /proc/uptime)
	rc=0
	for kind in nonfatal fatal; do
		serr_on "$card" || { echo "cannot set COMMAND.SERR"; rc=1; }
		env CSA_TEST_SUITES=aer-$kind CSA_AER_TARGET="$1" \
			CSA_JOB_TIMEOUT_MS="$timeout_ms" /bin/test-driver || rc=1
	done
	dmesg_since "$t0" >/tmp/aer-dmesg.txt
	echo "kernel messages of the step:"
	grep -E 'AER|PCI channel|PCIe Bus Error|rings re-initialized|wedged|link has been reset|resume' /tmp/aer-dmesg.txt
	must_log "$port: AER: Uncorrectable (Non-Fatal) error message received from $bdf" \
		"the non-fatal error at the root port" || rc=1
	must_log "$bdf: [drm] *ERROR* PCI channel error (state 1): resetting" \
		"error_detected (normal)" || rc=1
	must_log "$port: AER: Uncorrectable (Fatal) error message received from $bdf" \
		"the fatal error at the root port" || rc=1
	must_log "$bdf: [drm] *ERROR* PCI channel error (state 2): resetting" \
		"error_detected (frozen)" || rc=1
	must_log "$port: AER: Root Port link has been reset (0)" "the link reset" || rc=1
	n=$(grep -c -F "$port: AER: device recovery successful" /tmp/aer-dmesg.txt)
	[ "$n" = 2 ] || { echo "$n successful recoveries, want 2"; rc=1; }
	# the counter, not the log line: the driver rate-limits that line
	resets1=$(cat "$card/counters/resets")
	echo "driver resets $resets0 -> $resets1"
	[ "$resets1" = $((resets0 + 2)) ] ||
		{ echo "the driver restarted the rings $((resets1 - resets0)) times, want 2"; rc=1; }
	must_log "$bdf: [drm] device reset, rings re-initialized" "the rings restarted" || rc=1
	if grep -q -E 'recovery failed|wedged|no resume' /tmp/aer-dmesg.txt; then
		echo "a recovery failed"
		rc=1
	fi
	nonfatal1=$(awk '$1 == "TOTAL_ERR_NONFATAL" { print $2 }' "$card/aer_dev_nonfatal")
	echo "$bdf TOTAL_ERR_NONFATAL $nonfatal0 -> $nonfatal1"
	[ "$nonfatal1" = $((nonfatal0 + 1)) ] || rc=1
	return $rc
}

# ---- the debug kernel's checks (csa_vm_debug=1) ----
kml=/sys/kernel/debug/kmemleak
# What leaked before the driver loaded is not the driver's: scan, then
# mark every current suspect as seen.
kmemleak_baseline() {
	[ -e $kml ] || { echo "no $kml (kernel without DEBUG_KMEMLEAK?)"; return 1; }
	echo scan >$kml && echo clear >$kml
}

# After the driver is gone: two scans (an object must stay unreferenced
# across a scan and be older than 5 s), then the report must be empty.
kmemleak_check() {
	sleep 6
	echo scan >$kml || return 1
	sleep 1
	echo scan >$kml || return 1
	cat $kml >/tmp/kmemleak.txt
	if [ -s /tmp/kmemleak.txt ]; then
		echo "kmemleak: $(grep -c "^unreferenced object" /tmp/kmemleak.txt) unreferenced objects:"
		cat /tmp/kmemleak.txt
		return 1
	fi
	echo "kmemleak: clean"
}

# failslab and fail_page_alloc for the tasks that ask (make-it-fail), with
# every allocation eligible and no stack dump per injected failure.
fault_injection_on() {
	for d in failslab fail_page_alloc; do
		f=/sys/kernel/debug/$d
		[ -d $f ] || { echo "no $f"; return 1; }
		echo Y >$f/task-filter && echo "$1" >$f/probability &&
			echo 1 >$f/interval && echo -1 >$f/times &&
			echo 0 >$f/verbose && echo N >$f/ignore-gfp-wait || return 1
	done
	echo 0 >/sys/kernel/debug/fail_page_alloc/min-order
}

fault_injection_off() {
	for d in failslab fail_page_alloc; do
		echo 0 >/sys/kernel/debug/$d/probability
	done
}

ioctl_fuzz() {
	set -- --seconds "$ioctl_fuzz_seconds" "$@"
	[ -n "$ioctl_fuzz_seed" ] && set -- --seed "$ioctl_fuzz_seed" "$@"
	/bin/test-ioctl-fuzz "$@"
}

# The fuzzer's workers' allocations fail at random (make-it-fail, set by
# --fail-allocs in the workers only): the ioctls' error paths.
ioctl_fuzz_failing_allocs() {
	fault_injection_on 3 || return 1
	/bin/test-ioctl-fuzz --fail-allocs --procs 3 \
		--seconds $((ioctl_fuzz_seconds / 2)) \
		${ioctl_fuzz_seed:+--seed "$ioctl_fuzz_seed"}
	rc=$?
	fault_injection_off
	return $rc
}

debug_driver_steps() {
	[ "$debug" = 1 ] && have /bin/test-ioctl-fuzz || return 0
	step ioctl-fuzz ioctl_fuzz --procs 4 --unbind --hang
	step stress-resets /bin/test-ioctl-fuzz --stress --procs 8 \
		--seconds $((ioctl_fuzz_seconds / 2)) ${ioctl_fuzz_seed:+--seed "$ioctl_fuzz_seed"}
	# last: an injected failure can hit DMA-API debug's own tracking,
	# which then switches itself off for the rest of the boot
	step ioctl-fuzz-failing-allocs ioctl_fuzz_failing_allocs
}

# A card with fault injection armed (hang-after, dma-fault-after): only
# the driverless check of those properties.
if [ "$mode" = faults ]; then
	have /bin/test-qemu-fuzz &&
		step test-qemu-faults env CSA_FAULTS=1 /bin/test-qemu-fuzz
	echo "CSA-VM: DONE $(cut -d' ' -f1 /proc/uptime)s"
	poweroff -f
fi

# The migrate boot: a decode the host migrates to a new QEMU while it runs.
llm_across_migration() {
	# shellcheck disable=SC2046
	/bin/accel-llm -d /dev/accel/accel0 $(cat /share/migrate-args.txt) \
		>/tmp/llm-migrate.txt 2>/tmp/llm-migrate.err &
	pid=$!
	sleep 0.3
	kill -0 $pid 2>/dev/null || { echo "the decode ended before the migration"; return 1; }
	echo "decoding (pid $pid), migrate now"
	echo "CSA-VM: MIGRATE-NOW"
	wait $pid
	rc=$?
	[ $rc -eq 0 ] || { cat /tmp/llm-migrate.err; return $rc; }
	if ! cmp -s /tmp/llm-migrate.txt /share/expected-migrate.txt; then
		echo "the decode across the migration differs from the sim backend's:"
		cat /share/expected-migrate.txt
		echo "---"
		cat /tmp/llm-migrate.txt
		return 1
	fi
	echo "identical to the sim backend across the migration ($(wc -c </tmp/llm-migrate.txt) bytes)"
}

if [ "$mode" = migrate ]; then
	step insmod-deps load_deps
	step insmod-csa load_csa && step accel-llm-migrated llm_across_migration
	step rmmod-csa unload_csa
	echo "CSA-VM: DONE $(cut -d' ' -f1 /proc/uptime)s"
	poweroff -f
fi

# 1. The device alone, no driver: identity, rings, errors, fuzz.
if [ "$mode" = full ] && have /bin/test-qemu-fuzz; then
	step test-qemu-fuzz env CSA_FUZZ_ITERS="$fuzz_iters" /bin/test-qemu-fuzz
fi

# Behind the PCIe root port the card is an Express endpoint with a gen3 x16
# link (qemu-device/csa-pcie.c), and offers FLR.
pcie_link_ok() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0xc5a0 ] || continue
		speed=$(cat "$d/current_link_speed" 2>/dev/null)
		width=$(cat "$d/current_link_width" 2>/dev/null)
		echo "$d: link $speed x$width (max $(cat "$d/max_link_speed" 2>/dev/null) x$(cat "$d/max_link_width" 2>/dev/null))"
		case $speed in 8.0*) ;; *) return 1 ;; esac
		case $(cat "$d/max_link_speed" 2>/dev/null) in 8.0*) ;; *) return 1 ;; esac
		[ "$width" = 16 ] || return 1
		[ -e "$d/reset" ] || { echo "no reset method (FLR)"; return 1; }
		echo "reset methods: $(cat "$d/reset_method" 2>/dev/null)"
		grep -q flr "$d/reset_method" || return 1
		return 0
	done
	echo "no CSA device"
	return 1
}

if [ "$mode" = full ]; then
	step pcie-link pcie_link_ok
fi

# Behind the IOMMU the card must sit in a translated (DMA) domain, or the
# iommu boot would prove nothing.
iommu_translates() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0xc5a0 ] || continue
		[ -e "$d/iommu_group/type" ] || { echo "$d: no IOMMU group"; return 1; }
		type=$(cat "$d/iommu_group/type")
		echo "$d: IOMMU domain $type"
		case $type in DMA*) return 0 ;; esac
		return 1
	done
	echo "no CSA device"
	return 1
}

if [ "$mode" = iommu ]; then
	step iommu-domain iommu_translates
fi

# 2. The driver and everything above it.
[ "$debug" = 1 ] && step kmemleak-baseline kmemleak_baseline
step insmod-deps load_deps
if have /lib/modules/csa.ko && step insmod-csa load_csa; then
	timeout_ms=$(cat /sys/module/csa/parameters/job_timeout_ms 2>/dev/null)
	if have /bin/test-libaccel; then
		step test-libaccel env ACCEL_DEVICE=/dev/accel/accel0 /bin/test-libaccel
	fi
	if [ "$mode" = full ] && have /bin/test-driver; then
		step test-driver env CSA_JOB_TIMEOUT_MS="$timeout_ms" /bin/test-driver
	fi
	# the debug kernel has CONFIG_FAULT_INJECTION_DEBUG_FS: the faults
	# suite again, armed through the fail_hang/fail_corrupt/fail_reset
	# attributes instead of the CSA_DEBUG "inject" file
	if [ "$mode" = full ] && [ "$debug" = 1 ] && have /bin/test-driver; then
		step test-driver-fault-attr env CSA_FAULT_ATTR=1 CSA_TEST_SUITES=faults \
			CSA_JOB_TIMEOUT_MS="$timeout_ms" /bin/test-driver
	fi
	# the iommu boot's card has no BAR2: the trust-boundary suite again
	if [ "$mode" = iommu ] && have /bin/test-driver; then
		step test-driver-boundary env CSA_TEST_SUITES=boundary \
			CSA_JOB_TIMEOUT_MS="$timeout_ms" /bin/test-driver
	fi
	if [ "$mode" = full ] && have /bin/test-accel-info-vm; then
		step test-accel-info-vm /bin/test-accel-info-vm
	fi
	if have /bin/accel-llm; then
		run_llm_steps ""
	fi
	[ "$mode" = full ] && debug_driver_steps
	if [ "$mode" = full ] && have /bin/test-driver; then
		step aer-recovery aer_recovery csa0
	fi

	# 3. Unload and reload with each interrupt mode the card offers.
	reloads="2:msi 3:intx"
	[ "$mode" = full ] || reloads=
	for r in $reloads; do
		n=${r%%:*}
		what=${r#*:}
		step "reload-$what" reload_csa "irq_mode=$n"
		if [ -e /dev/accel/accel0 ] && [ -e /bin/test-libaccel ]; then
			step "test-libaccel-$what" env ACCEL_DEVICE=/dev/accel/accel0 /bin/test-libaccel
		fi
		if [ -e /dev/accel/accel0 ] && [ -e /bin/accel-llm ]; then
			run_llm_steps "-$what"
		fi
	done
	# 4. Hot-unplug and re-plug: the host's monitor does device_del and
	# device_add when it sees the markers.
	if [ "$mode" = full ]; then
		step hot-unplug hot_unplug
		# the hot-added card: the config space its driver saved
		if have /bin/test-driver && [ -e /dev/accel/accel0 ]; then
			step aer-recovery-replugged aer_recovery csa1
		fi
	fi
	step rmmod-csa unload_csa
fi
[ "$debug" = 1 ] && step kmemleak kmemleak_check

# The kernel log, for the host's log check (quiet boots show only errors
# on the console): every warning or worse, and the driver's own lines.
# Whole records, chosen by level, never lines by their text: a grep for
# "Call Trace" would keep a stack dump without the header that says what
# it is, and the check could not tell an expected dump from a bug.
echo "CSA-VM: kernel messages"
dmesg -r | awk '{
	end = index($0, ">")
	level = substr($0, 2, end - 2) % 8
	text = substr($0, end + 1)
	sub(/^\[ *[0-9.]+\] /, "", text)
	if (level <= 4 || text ~ /^csa |\[drm\]/)
		print text
}'
echo "CSA-VM: DONE $(cut -d' ' -f1 /proc/uptime)s"
poweroff -f
