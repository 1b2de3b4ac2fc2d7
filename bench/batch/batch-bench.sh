#!/bin/sh
# Batched decoding: on every board profile, aggregate tokens/s of
# accel-llm --batch B on the sim backend (wall clock of the host running
# the sim, and the card's time: the device cycles of each step at the
# board's clock), then the cycle model's projection for the 110M shape,
# one queue in turn against two interleaved sub-batches (bench-batch).
# Usage: bench/batch/batch-bench.sh BUILD_DIR MODELS_DIR
set -e
b=$1; models=$2
packed=build/bench/stories260K-bcq3-batch.csa
mkdir -p build/bench
[ -f "$packed" ] || "$b/bin/accel-quant" -m "$models/stories260K.bin" -o "$packed" --weights bcq3 2>/dev/null
echo "sim, stories260K bcq3 (quantized once into build/bench), greedy, 64 tokens per request,"
echo "one list per step as llm_batch_step() submits it (the two sides in turn):"
printf '%-7s %6s | %14s | %16s | %20s\n' board batch "wall tok/s" "cycles/step" "card tok/s (sim)"
for board in $("$b/bench/bench-batch" --boards); do
	for n in 1 4 16 64; do
		line=$(ACCEL_DEVICE="sim:board=$board" "$b/bin/accel-llm" -m "$packed" -z "$models/tok512.bin" \
			-t 0 -n 64 --batch "$n" 2>&1 >/dev/null | grep '^stats:' || true)
		[ -n "$line" ] || { echo "batch-bench: accel-llm --batch $n on $board failed" >&2; exit 1; }
		wall=$(printf '%s\n' "$line" | sed -n 's/.*generated, \([0-9.]*\) tok\/s aggregate.*/\1/p')
		cyc=$(printf '%s\n' "$line" | sed -n 's/.*device \([0-9]*\) cycles\/step.*/\1/p')
		proj=$(printf '%s\n' "$line" | sed -n 's/.*cycles\/step, \([0-9.]*\) tok\/s projected.*/\1/p')
		printf '%-7s %6s | %14s | %16s | %20s\n' "$board" "$n" "$wall" "$cyc" "$proj"
	done
done
echo "(card tok/s: batch x clock / device cycles per step, averaged over the run's positions;"
echo " the projection below prices one step at mid-context with the same code)"
echo
"$b/bench/bench-batch" "$models"
