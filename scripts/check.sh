#!/bin/bash
# Everything CI proves, in order, with one closing summary line:
#   1. make test    - every CUnit suite under ASan+UBSan
#   2. make fuzz    - a bounded libFuzzer run of the command processor
#   3. make module-check - csa.ko against Debian's 6.12 headers, sparse, checkpatch
#   4. make qemu-test - the QEMU device under qtest (timing, worker, tracing)
#   4b. make qemu-fuzz - the qtest fuzzer on a second QEMU with ASan+UBSan
#   5. make vm-test - the whole stack in a QEMU VM (driver + QEMU device)
#   6. make vm-test-debug - the VM boots again on a debug kernel (KASAN,
#      lockdep, kmemleak, DMA-API debug, fault injection) with the guest
#      ioctl fuzzer and the reset stress
# Each step's own "N passed, N failed" line is added up.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
# The debug kernel (cached once built) compiles beside the first steps,
# most of which leave a core idle (suites run one at a time, a TCG VM
# uses one): a cold check is shorter than building it in its turn.
scripts/build-debug-kernel.sh >build/check-debug-kernel.log 2>&1 &
debug_kernel_pid=$!
total_pass=0; total_fail=0; failed_steps=""
for step in test fuzz module-check qemu-test qemu-fuzz vm-test vm-test-debug; do
	log=build/check-$step.log
	if [ "$step" = vm-test-debug ] && ! wait "$debug_kernel_pid"; then
		# vm-test-debug builds it again and says why it fails
		echo "=== the debug kernel's build failed: build/check-debug-kernel.log"
		tail -n 20 build/check-debug-kernel.log
	fi
	echo "=== make $step"
	make --no-print-directory "$step" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	else
		p=$([ "$rc" -eq 0 ] && echo 1 || echo 0); f=$([ "$rc" -eq 0 ] && echo 0 || echo 1)
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	[ "$f" -ne 0 ] && failed_steps="$failed_steps $step"
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
[ -n "$failed_steps" ] && echo "failed steps:$failed_steps"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
