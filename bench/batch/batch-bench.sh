#!/bin/sh
# Batched decoding: aggregate tokens/s of accel-llm --batch B on the sim
# backend (wall clock, and the device cycles of each step at the model's
# clock), then the cycle model's projection for the batched device.
# Usage: bench/batch/batch-bench.sh BUILD_DIR MODELS_DIR
set -e
b=$1; models=$2
echo "sim, stories260K bcq3 (quantized once into build/bench), greedy, 64 tokens per request:"
packed=build/bench/stories260K-bcq3-batch.csa
mkdir -p build/bench
[ -f "$packed" ] || "$b/bin/accel-quant" -m "$models/stories260K.bin" -o "$packed" --weights bcq3 2>/dev/null
printf '%6s | %16s | %16s | %22s\n' batch "wall tok/s" "cycles/step" "projected tok/s"
for n in 1 4 16 64; do
	line=$("$b/bin/accel-llm" -m "$packed" -z "$models/tok512.bin" -t 0 -n 64 --batch "$n" 2>&1 >/dev/null | grep '^stats:' || true)
	[ -n "$line" ] || { echo "batch-bench: accel-llm --batch $n failed" >&2; exit 1; }
	wall=$(printf '%s\n' "$line" | sed -n 's/.*generated, \([0-9.]*\) tok\/s aggregate.*/\1/p')
	cyc=$(printf '%s\n' "$line" | sed -n 's/.*device \([0-9]*\) cycles\/step.*/\1/p')
	proj=$(printf '%s\n' "$line" | sed -n 's/.*cycles\/step, \([0-9.]*\) tok\/s projected.*/\1/p')
	printf '%6s | %16s | %16s | %22s\n' "$n" "$wall" "$cyc" "$proj"
done
echo "(one MATVEC_BCQ_BATCH per matrix and step: the device-side gain; the wall clock is the host running the sim)"
echo
"$b/bench/bench-batch" "$models"
