#!/bin/sh
# Decode speed of the sim backend per weights mode against the CPU fp32
# reference decoder, on stories260K and on random-weight 15M and 110M
# shapes (generated into build/bench, never committed).  One process at a
# time; generation tokens/s from each run's closing stats line, the best of
# $REPEAT runs (default 3: the machine is shared, the best is the least
# disturbed).
# Usage: bench/llm-bench.sh BINDIR MODELSDIR
set -e
bin=$1; models=$2
out=build/bench
mkdir -p "$out"
LLM="$bin/accel-llm"; QUANT="$bin/accel-quant"

# generation tok/s and device cycles/token from a stats line
rate() { sed -n 's/.*generation [0-9]* tok \([0-9.]*\) tok\/s.*/\1/p'; }
proj() { sed -n 's/.*cycles\/tok, \([0-9.]*\) tok\/s projected.*/\1/p'; }

REPEAT=${REPEAT:-3}

run() {	# model tokens extra-args... -> "genrate projrate", best of $REPEAT
	m=$1; n=$2; shift 2
	best=-; p=-
	i=0
	while [ $i -lt "$REPEAT" ]; do
		i=$((i + 1))
		line=$("$LLM" -m "$m" -t 0 -n "$n" "$@" 2>&1 >/dev/null | grep '^stats:' || true)
		[ -n "$line" ] || { echo "bench: accel-llm -m $m $* failed" >&2; continue; }
		r=$(printf '%s\n' "$line" | rate); p=$(printf '%s\n' "$line" | proj)
		best=$(awk -v a="$best" -v b="${r:--}" 'BEGIN { if (a == "-" || (b != "-" && b + 0 > a + 0)) print b; else print a }')
	done
	echo "$best ${p:--}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

[ -f "$out/random-15M.bin" ] || "$QUANT" --generate-random 15M --seed 15 -o "$out/random-15M.bin" 2>/dev/null
[ -f "$out/random-110M.bin" ] || "$QUANT" --generate-random 110M --seed 110 -o "$out/random-110M.bin" 2>/dev/null

hdr="tok/s (x cpu) [proj]"
printf '%-13s %4s | %10s | %-24s | %-24s | %-24s | %-24s | %-24s\n' model tok "cpu fp32" "sim f32" "sim bcq2" "sim bcq3" "sim bcq4" "sim bcq3 + bcq3 classif."
printf '%-13s %4s | %10s | %-24s | %-24s | %-24s | %-24s | %-24s\n' "" "" "tok/s" "$hdr" "$hdr" "$hdr" "$hdr" "$hdr"
for spec in "stories260K:$models/stories260K.bin:128:8" \
	    "random-15M:$out/random-15M.bin:48:0" \
	    "random-110M:$out/random-110M.bin:16:0"; do
	name=${spec%%:*}; rest=${spec#*:}; m=${rest%%:*}; rest=${rest#*:}
	n=${rest%%:*}; calib=${rest#*:}
	[ -f "$m" ] || { echo "bench: $m missing" >&2; continue; }
	cpu=$(run "$m" "$n" --cpu --weights f32 | cut -d' ' -f1)
	line=$(printf '%-13s %4s | %10s' "$name" "$n" "$cpu")
	for w in f32 bcq2 bcq3 bcq4 bcq3cls; do
		packed="$out/$name-$w.csa"
		if [ "$w" != f32 ] && [ ! -f "$packed" ]; then
			if [ "$w" = bcq3cls ]; then
				"$QUANT" -m "$m" -o "$packed" --weights bcq3 --classifier-bcq \
					--calib-seqs "$calib" 2>/dev/null
			else
				"$QUANT" -m "$m" -o "$packed" --weights "$w" --calib-seqs "$calib" 2>/dev/null
			fi
		fi
		wopt=""	# a checkpoint is quantized on load (default bcq4) unless told
		[ "$w" = f32 ] && packed=$m && wopt="--weights f32"
		# shellcheck disable=SC2086,SC2046
		set -- $(run "$packed" "$n" -d sim $wopt)
		line="$line | $(printf '%-24s' "$1 ($(ratio "$1" "$cpu")) [$2]")"
	done
	echo "$line"
done
echo "tok/s: generation, greedy, wall clock, best of $REPEAT, 1 decode thread (the sim's worker computes"
echo "while the decoder waits); [proj]: tok/s the cycle model projects at its clock; classifiers f32 unless"
echo "stated (the embedding table always is); random weights: plain BCQ, stories260K: activation-aware"
