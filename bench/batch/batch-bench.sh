#!/bin/sh
# Batched decoding: on every board profile, aggregate tokens/s of
# accel-llm --batch B on the sim backend (wall clock of the host running
# the sim, and the card's time: the device cycles of each step at the
# board's clock) with the step in one queue and as two interleaved
# sub-batches, side by side; then the cycle model's projection for the 110M shape,
# one queue in turn against two interleaved sub-batches (bench-batch).
# Usage: bench/batch/batch-bench.sh BUILD_DIR MODELS_DIR
set -e
b=$1; models=$2
packed=build/bench/stories260K-bcq3-batch.csa
mkdir -p build/bench
[ -f "$packed" ] || "$b/bin/accel-quant" -m "$models/stories260K.bin" -o "$packed" --weights bcq3 2>/dev/null
echo "sim, stories260K bcq3 (quantized once into build/bench), greedy, 64 tokens per request,"
echo "each batch run twice, with the step's commands in one queue in order (--schedule in-order)"
echo "and as two interleaved sub-batches with explicit dependencies (--schedule interleaved):"
printf '%-7s %5s | %10s | %12s %10s | %12s %10s | %7s\n' board batch "wall tok/s" \
	"in-order c/s" "card tok/s" "interl. c/s" "card tok/s" speedup
run() { # board batch schedule -> the stats line
	ACCEL_DEVICE="sim:board=$1" "$b/bin/accel-llm" -m "$packed" -z "$models/tok512.bin" \
		-t 0 -n 64 --batch "$2" --schedule "$3" 2>&1 >/dev/null | grep '^stats:' || true
}
field() { # line sed-expression
	printf '%s\n' "$1" | sed -n "$2"
}
for board in $("$b/bench/bench-batch" --boards); do
	for n in 1 4 16 64; do
		one=$(run "$board" "$n" in-order)
		two=$(run "$board" "$n" interleaved)
		[ -n "$one" ] && [ -n "$two" ] ||
			{ echo "batch-bench: accel-llm --batch $n on $board failed" >&2; exit 1; }
		wall=$(field "$one" 's/.*generated, \([0-9.]*\) tok\/s aggregate.*/\1/p')
		cyc1=$(field "$one" 's/.*device \([0-9]*\) cycles\/step.*/\1/p')
		tok1=$(field "$one" 's/.*cycles\/step, \([0-9.]*\) tok\/s projected.*/\1/p')
		cyc2=$(field "$two" 's/.*device \([0-9]*\) cycles\/step.*/\1/p')
		tok2=$(field "$two" 's/.*cycles\/step, \([0-9.]*\) tok\/s projected.*/\1/p')
		printf '%-7s %5s | %10s | %12s %10s | %12s %10s | %6.2fx\n' "$board" "$n" "$wall" \
			"$cyc1" "$tok1" "$cyc2" "$tok2" "$(echo "$cyc1 $cyc2" | awk '{ print $1 / $2 }')"
	done
done
echo "(card tok/s: batch x clock / device cycles per step, averaged over the run's positions;"
echo " the projection below prices one step at mid-context with the same code)"
echo
"$b/bench/bench-batch" "$models"
