#!/bin/sh
# Regenerates the quality table of docs/accel-llm.md: every row is one
# `accel-llm --eval 511` run (9 texts: 3 openings x 3 seeds, teacher-forced
# against the fp32 CPU reference, sim backend), so no figure comes from a
# single favourable text.  Usage: scripts/quality-table.sh [ACCEL_LLM] > table.md
# (MODELS or ACCEL_MODELS name the directory of stories260K.bin; about ten
# minutes on one core.)
set -eu
llm=${1:-build/rel/bin/accel-llm}
tokens=${EVAL_TOKENS:-511}
[ -x "$llm" ] || { echo "quality-table.sh: $llm not built (make)" >&2; exit 1; }

row() {
	label=$1; shift
	line=$("$llm" --eval "$tokens" -q "$@" | grep '^eval:') ||
		{ echo "quality-table.sh: accel-llm $* failed" >&2; exit 1; }
	echo "$line" | awk -v label="$label" '
	{
		bits = "32"
		if (match($0, /[0-9.]+ bits\/weight/))
			bits = substr($0, RSTART, RLENGTH - 12)
		match($0, /mean KL [0-9.]+ nats \(range [0-9.]+\.\.[0-9.]+\)/)
		split(substr($0, RSTART, RLENGTH), k, /[ ()]+|\.\./)
		match($0, /top-1 [0-9.]+% \(range [0-9.]+\.\.[0-9.]+%\)/)
		split(substr($0, RSTART, RLENGTH), t, /[ ()%]+|\.\./)
		match($0, /perplexity [0-9.]+/)
		ppl = substr($0, RSTART + 11, RLENGTH - 11)
		printf "| %s | %s | %.5f | %.5f..%.5f | %.2f%% | %.2f..%.2f%% | %.3f |\n",
		       label, bits, k[3], k[6], k[7], t[2], t[4], t[5], ppl
	}'
}

echo "| configuration | bits/weight | mean KL | KL range | top-1 | top-1 range | perplexity |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
row "f32, exact" --weights f32
row "f32, exact, f16 KV" --weights f32 --kv f16
row "f32, consmax-norm" --weights f32 --softmax consmax-norm
row "f32, consmax-norm, f16 KV" --weights f32 --softmax consmax-norm --kv f16
row "f32, consmax-norm, beta from 1 calibration sequence" --weights f32 --softmax consmax-norm --calib-seqs 1
row "f32, consmax-norm, beta from 32 calibration sequences" --weights f32 --softmax consmax-norm --calib-seqs 32
row "f32, consmax (pure; for ConSmax-trained models)" --weights f32 --softmax consmax
row "bcq4, f32 scales, f32 KV" --weights bcq4 --scales f32 --kv f32
row "bcq4, f32 scales" --weights bcq4 --scales f32
row "bcq4, f16 scales (default)" --weights bcq4 --scales f16
row "bcq4, f16 scales, wk group 16" --weights bcq4 --scales f16 --group 64,wk=16
row "bcq4, f16 scales, consmax-norm" --weights bcq4 --scales f16 --softmax consmax-norm
row "bcq4, pow2 scales (one shift)" --weights bcq4 --scales pow2
row "bcq4, apot scales (up to three shifts)" --weights bcq4 --scales apot
row "mixed 3/4 planes, mean <= 3.5, f32 scales" --mixed-planes 3.5 --scales f32
row "mixed 3/4 planes, mean <= 3.5, f16 scales" --mixed-planes 3.5 --scales f16
row "bcq3, f32 scales" --weights bcq3 --scales f32
row "bcq3, f16 scales" --weights bcq3 --scales f16
row "bcq2, f16 scales" --weights bcq2 --scales f16
