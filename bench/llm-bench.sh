#!/bin/sh
# Decode speed of the sim backend per weights mode, side by side with this
# CPU's single-core read-bandwidth bound (measured here, bench-membw) and
# the CPU fp32 reference decoder, on stories260K and on random-weight 15M
# and 110M shapes (generated into build/bench, never committed); then the
# tokens/s the cycle model projects on every board profile, with the share
# of each board's bandwidth bound.  One process at a time; generation
# tokens/s from each run's closing stats line, the best of $REPEAT runs
# (default 3: the machine is shared, the best is the least disturbed).
# Usage: bench/llm-bench.sh BINDIR MODELSDIR [MEMBW-BINARY]
set -e
bin=$1; models=$2; membw_bin=${3:-build/rel/bench/bench-membw}
# accel-llm looks for tokenizer.bin / tok512.bin on its search path, not
# beside the model: the random checkpoints in build/bench use MODELSDIR's
export ACCEL_MODELS="$models"
out=build/bench
mkdir -p "$out"
LLM="$bin/accel-llm"; QUANT="$bin/accel-quant"

# generation tok/s, device bytes/token and tok per CPU-second from a stats line
rate() { sed -n 's/.*generation [0-9]* tok \([0-9.]*\) tok\/s.*/\1/p'; }
mbtok() { sed -n 's/.*device \([0-9.]*\) MB\/tok.*/\1/p'; }
cpurate() { sed -n 's/.*, \([0-9.]*\) tok per CPU-s.*/\1/p'; }

REPEAT=${REPEAT:-3}

max() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || (b != "-" && b + 0 > a + 0)) print b; else print a }'; }

run() {	# model tokens extra-args... -> "genrate MB/tok cpurate", best of $REPEAT
	m=$1; n=$2; shift 2
	best=-; mb=-; bestc=-
	i=0
	while [ $i -lt "$REPEAT" ]; do
		i=$((i + 1))
		line=$("$LLM" -m "$m" -t 0 -n "$n" "$@" 2>&1 >/dev/null | grep '^stats:' || true)
		[ -n "$line" ] || { echo "bench: accel-llm -m $m $* failed" >&2; continue; }
		r=$(printf '%s\n' "$line" | rate); b=$(printf '%s\n' "$line" | mbtok)
		c=$(printf '%s\n' "$line" | cpurate)
		[ -n "$b" ] && mb=$b
		best=$(max "$best" "${r:--}")
		bestc=$(max "$bestc" "${c:--}")
	done
	echo "$best $mb $bestc"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
# share of the CPU bound: tok/s * MB/tok / (MB/s)
share() { awk -v r="$1" -v mb="$2" -v bw="$3" 'BEGIN { if (r == "-" || mb == "-" || bw == "-" || bw == 0) print "-"; else printf "%.0f%%", 100 * r * mb / bw }'; }
# wall clock | per CPU-second of the process (what a core it had to itself
# would give: the machine is shared)
shares() { echo "$(share "$1" "$2" "$4")|$(share "$3" "$2" "$4")"; }

membw() { "$membw_bin" | sed -n 's/^membw: \([0-9]*\) MB\/s.*/\1/p'; }

[ -f "$out/random-15M.bin" ] || "$QUANT" --generate-random 15M --seed 15 -o "$out/random-15M.bin" 2>/dev/null
[ -f "$out/random-110M.bin" ] || "$QUANT" --generate-random 110M --seed 110 -o "$out/random-110M.bin" 2>/dev/null

bw_before=$(membw)
echo "this CPU, one core: ${bw_before:-?} MB/s read (bench-membw, before the runs)"
hdr="tok/s (x cpu, % bound)"
printf '%-13s %4s | %10s | %-24s | %-24s | %-24s | %-24s | %-24s\n' model tok "cpu fp32" "sim f32" "sim bcq2" "sim bcq3" "sim bcq4" "sim bcq3, f32 classif."
printf '%-13s %4s | %10s | %-24s | %-24s | %-24s | %-24s | %-24s\n' "" "" "tok/s" "$hdr" "$hdr" "$hdr" "$hdr" "$hdr"
for spec in "stories260K:$models/stories260K.bin:128:8" \
	    "random-15M:$out/random-15M.bin:48:0" \
	    "random-110M:$out/random-110M.bin:16:0"; do
	name=${spec%%:*}; rest=${spec#*:}; m=${rest%%:*}; rest=${rest#*:}
	n=${rest%%:*}; calib=${rest#*:}
	[ -f "$m" ] || { echo "bench: $m missing" >&2; continue; }
	cpu=$(run "$m" "$n" --cpu --weights f32 | cut -d' ' -f1)
	line=$(printf '%-13s %4s | %10s' "$name" "$n" "$cpu")
	for w in f32 bcq2 bcq3 bcq4 bcq3f32cls; do
		# the classifier as accel-quant chooses by default (BCQ from
		# 4096 tokens of vocabulary), or kept f32
		packed="$out/$name-$w-v2.csa"
		if [ "$w" != f32 ] && [ ! -f "$packed" ]; then
			if [ "$w" = bcq3f32cls ]; then
				"$QUANT" -m "$m" -o "$packed" --weights bcq3 --classifier-f32 \
					--calib-seqs "$calib" 2>/dev/null
			else
				"$QUANT" -m "$m" -o "$packed" --weights "$w" --calib-seqs "$calib" 2>/dev/null
			fi
		fi
		wopt=""	# a checkpoint is quantized on load (default bcq4) unless told
		[ "$w" = f32 ] && packed=$m && wopt="--weights f32"
		# shellcheck disable=SC2086,SC2046
		set -- $(run "$packed" "$n" -d sim $wopt)
		line="$line | $(printf '%-24s' "$1 ($(ratio "$1" "$cpu"), $(shares "$1" "$2" "$3" "$bw_before"))")"
	done
	echo "$line"
done
bw_after=$(membw)
echo "this CPU, one core: ${bw_after:-?} MB/s read (bench-membw, after the runs)"
echo "tok/s: generation, greedy, wall clock, best of $REPEAT, 1 decode thread (the sim's worker computes"
echo "while the decoder waits); % bound: tok/s x device bytes per token (the model's count) over this"
echo "CPU's single-core read bandwidth measured before the runs, wall clock|per CPU-second of the"
echo "process (the machine is shared: the wall clock also counts time others held the cores; above"
echo "100%: the model's bytes fit the last-level cache); classifiers: BCQ by default from 4096"
echo "tokens of vocabulary (the 15M and 110M shapes), f32 below (stories260K, 512 tokens) and where"
echo "stated (the embedding table always is); random weights: plain BCQ, stories260K: activation-aware"

# Projections: the cycle model on every board, context 128, same command
# lists as the runs above (accel-llm --project, no model run).
echo
echo "projected by the cycle model (accel-llm --project, context 128): tok/s (share of the board's bound)"
printf '%-24s | %-22s | %-22s | %-22s\n' "shape, weights" kcu105 u250 u55c
for spec in "110M:bcq3" "110M:bcq2" "110M:bcq4" "110M:f32" "LLaMA-2-7B:bcq3" "LLaMA-2-7B:bcq2" "LLaMA-2-13B:bcq3"; do
	shape=${spec%%:*}; w=${spec#*:}
	line=$(printf '%-24s' "$shape $w")
	for b in kcu105 u250 u55c; do
		cell=$("$LLM" --project --board "$b" --shape "$shape" --weights "$w" |
		       awk '/DOES NOT FIT/ { nf = 1 } $1 == 128 { printf "%s (%s)%s", $2, $4, nf ? " nofit" : "" }')
		line="$line | $(printf '%-22s' "${cell:--}")"
	done
	echo "$line"
done
echo "bound: device bytes per token at the board's sustained bandwidth (docs/board.md); 110M and"
echo "LLaMA-2 shapes with their default classifier (BCQ at 32000 tokens); exact softmax, greedy;"
echo "nofit: weights, embedding and a full KV cache exceed the board's memory"
