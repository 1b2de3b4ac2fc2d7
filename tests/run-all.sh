#!/bin/sh
# Run every CUnit test binary given, in turn, and close with one summary
# line over all of them.  Exit status: non-zero if any binary failed.
# Usage: tests/run-all.sh DIR test-a test-b ...
dir=$1; shift
passed=0; failed=0; bad=""
for t in "$@"; do
	echo "=== $t"
	out=$("$dir/$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | awk '$1 == "tests" && NF >= 5 {print $4, $5}' | tail -n 1)
	if [ -z "$line" ]; then
		bad="$bad $t(no-summary)"; failed=$((failed + 1)); continue
	fi
	p=${line% *}; f=${line#* }
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { bad="$bad $t(exit-$rc)"; failed=$((failed + 1)); }
	[ "$f" -ne 0 ] && bad="$bad $t"
done
[ -n "$bad" ] && echo "failing:$bad"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
