#!/bin/bash
# check-log.sh - judge the console log of a CSA VM run.
#
#   tests/vm/check-log.sh CONSOLE_LOG EXPECTED_STEPS QEMU_EXIT [MISSING...]
#
# EXPECTED_STEPS lists the step names /init (tests/vm/init.sh) must report;
# MISSING names pieces the host could not build.  Counts: a CUnit step adds
# its Run Summary "tests" row (passed, failed), any other step counts as one
# test passed or failed by its exit status.  The run fails on a failed or
# missing step, a missing piece, a kernel panic/oops/BUG/warning trace, a
# missing final marker (timeout or crash), or QEMU's own failure.
# CSA_VM_LOG_STRICT=1 (the debug kernel) also fails on any WARNING,
# lockdep, DMA-API debug, kmemleak or fault-injection report; the stack
# dumps of the page allocator's "allocation failure" warnings, which the
# fault-injection steps provoke on purpose, are left out first.
# Prints each step's verdict and a closing "N passed, N failed" line.
set -uo pipefail

log=$1 steps=$2 qrc=$3
shift 3
passed=0 failed=0
problems=()

[ -f "$log" ] || { echo "vm-test: no console log $log"; echo "0 passed, 1 failed"; exit 1; }
# The serial console ends lines with CR LF.
clean=$(mktemp)
trap 'rm -f "$clean"' EXIT
tr -d '\r' <"$log" >"$clean"

for piece in "$@"; do
	problems+=("missing piece: $piece")
	failed=$((failed + 1))
done

# One step: its text between RUN and RESULT.
step_body() {
	awk -v n="$1" '
		$0 == "CSA-VM: RUN " n { on = 1; next }
		on && index($0, "CSA-VM: RESULT " n " rc=") == 1 { exit }
		on { print }' "$clean"
}

while read -r name; do
	[ -n "$name" ] || continue
	res=$(grep -m1 "^CSA-VM: RESULT $name rc=" "$clean" | sed 's/.* rc=\([0-9]*\).*/\1/')
	if [ -z "$res" ]; then
		printf '  %-34s NOT RUN\n' "$name"
		problems+=("step $name did not finish")
		failed=$((failed + 1))
		continue
	fi
	# CUnit: "  tests  total  ran  passed  failed  inactive"
	summary=$(step_body "$name" | awk '$1 == "tests" && NF >= 5 && $2 ~ /^[0-9]+$/ { print $4, $5 }' | tail -n 1)
	if [ -n "$summary" ]; then
		p=${summary% *} f=${summary#* }
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$res" != 0 ] && [ "$f" = 0 ]; then
			# a suite that failed to initialise, or crashed after
			failed=$((failed + 1))
		fi
		printf '  %-34s rc=%s  %s passed, %s failed\n' "$name" "$res" "$p" "$f"
	elif [ "$res" = 0 ]; then
		passed=$((passed + 1))
		printf '  %-34s ok\n' "$name"
	else
		failed=$((failed + 1))
		printf '  %-34s FAILED (rc=%s)\n' "$name" "$res"
	fi
	[ "$res" = 0 ] || problems+=("step $name exited $res")
done <"$steps"

for m in $(grep -o '^CSA-VM: MISSING .*' "$clean" | sed 's/^CSA-VM: MISSING //'); do
	problems+=("missing in the VM: $m")
	failed=$((failed + 1))
done
trouble='Kernel panic|BUG:|Oops|general protection fault|Call Trace:|UBSAN:|KASAN:'
judged=$clean
if [ "${CSA_VM_LOG_STRICT:-0}" = 1 ]; then
	trouble="$trouble|WARNING:|INFO: |lockdep is turned off|possible .*locking|inconsistent lock state|suspicious RCU|DMA-API: .*(device driver|out of memory|leak)|kmemleak: [0-9]+ new suspected|FAULT_INJECTION"
	judged=$(mktemp)
	trap 'rm -f "$clean" "$judged"' EXIT
	# a warn_alloc() block ("page allocation failure" or "vmalloc error"):
	# its header line to the end of its stack dump.
	# And one kernel bug that injected failures reach through any driver's
	# mmap: in 6.12, when remap_pfn_range() cannot allocate a page table
	# it zaps what it mapped, unmap_single_vma() calls untrack_pfn(vma, 0,
	# 0), which looks the PFN up in the (now empty) page tables and WARNs
	# (arch/x86/mm/pat/memtype.c, get_pat_info).  Such a WARNING block is
	# left out only when its call trace shows that failure path.
	awk 'function flush() { if (!(blk ~ /untrack_pfn/ && blk ~ /remap_pfn_range_notrack/)) printf "%s", blk; blk = ""; inwarn = 0 }
		/page allocation failure: order:|: vmalloc error: size [0-9]+, / { skip = 1; next }
		skip && /<\/TASK>/ { skip = 0; next }
		skip { next }
		/^WARNING: .*arch\/x86\/mm\/pat\/memtype\.c/ { inwarn = 1; blk = "" }
		inwarn { blk = blk $0 "\n"; if (/---\[ end trace/) flush(); next }
		{ print }
		END { if (inwarn) printf "%s", blk }' "$clean" >"$judged"
fi
if grep -q -E "$trouble" "$judged"; then
	problems+=("kernel trouble: $(grep -m1 -E "$trouble" "$judged")")
	failed=$((failed + 1))
fi
if ! grep -q '^CSA-VM: DONE' "$clean"; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		problems+=("timeout: no final marker")
	else
		problems+=("no final marker (QEMU exit $qrc)")
	fi
	failed=$((failed + 1))
elif [ "$qrc" != 0 ]; then
	problems+=("QEMU exited $qrc")
	failed=$((failed + 1))
fi

for p in "${problems[@]+"${problems[@]}"}"; do
	echo "vm-test: FAIL: $p"
done
echo "$passed passed, $failed failed"
[ ${#problems[@]} -eq 0 ] && [ "$failed" -eq 0 ]
