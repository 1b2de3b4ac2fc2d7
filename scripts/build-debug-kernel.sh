#!/bin/sh
# Build the debug kernel of `make vm-test-debug`: Debian's linux-source-6.12
# (fetched like the headers, scripts/fetch-kernel.sh --source) configured
# with `make allnoconfig` plus exactly tests/vm/debug-kernel.config: what
# the TCG test VM boots, csa.ko's DRM helpers built in, and KASAN, lockdep,
# kmemleak, DMA-API debug, atomic-sleep checks and fault injection.
#
# Usage: scripts/build-debug-kernel.sh [--print]
#   --print   only print the cached debug-kernel.env (exit 1 if none)
# Environment:
#   CSA_CACHE     cache root (default ~/.cache/csa)
#   CCACHE_DIR    compiler cache (default $CSA_CACHE/ccache, shared with
#                 the QEMU build)
# Output: $CSA_CACHE/debug-kernel/<version>-<config hash>/debug-kernel.env
# (DEBUG_KVER, DEBUG_KDIR = the build tree to build csa.ko against,
# DEBUG_VMLINUZ), also printed on stdout.  A build runs once per config and
# script version; a lock keeps concurrent callers to one build, and the
# progress (objects compiled, against the previous build's count) goes to
# stderr.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/progress.sh
. "$here/progress.sh"
repo=$(cd "$here/.." && pwd)
frag=$repo/tests/vm/debug-kernel.config
cache=${CSA_CACHE:-${HOME:-/root}/.cache/csa}
top=$cache/debug-kernel
print_only=0
for a in "$@"; do
	case $a in
	--print) print_only=1 ;;
	*) echo "build-debug-kernel.sh: unknown argument '$a' (use --print)" >&2; exit 2 ;;
	esac
done

kenv=$(sh "$here/fetch-kernel.sh" --source) || {
	echo "build-debug-kernel.sh: scripts/fetch-kernel.sh --source failed" >&2; exit 1; }
ver=$(printf '%s\n' "$kenv" | sed -n 's/^KVER=//p')
tarball=$(printf '%s\n' "$kenv" | sed -n 's/^SOURCE_TAR=//p')
[ -f "$tarball" ] || { echo "build-debug-kernel.sh: no linux-source tarball" >&2; exit 1; }

# The cache key: the config and how this script prepares the tree (bump
# TREE_RECIPE when the unpacking, patching or make targets change).
TREE_RECIPE=1
key=$( (cat "$frag"; echo "recipe $TREE_RECIPE") | sha256sum | cut -c1-12)
dir=$top/$ver-$key
env_file=$dir/debug-kernel.env
done_ok() {
	[ -f "$env_file" ] && [ -f "$dir/build/arch/x86/boot/bzImage" ] &&
		[ -f "$dir/build/Module.symvers" ]
}
if [ "$print_only" = 1 ]; then
	done_ok || { echo "build-debug-kernel.sh: no debug kernel in $dir" >&2; exit 1; }
	cat "$env_file"
	exit 0
fi
if done_ok; then
	cat "$env_file"
	exit 0
fi

mkdir -p "$dir"
exec 9>"$top/.lock"
flock 9
if done_ok; then
	cat "$env_file"
	exit 0
fi

src=$dir/src
out=$dir/build
if [ ! -f "$src/.unpacked" ]; then
	echo "debug-kernel: unpacking $(basename "$tarball")" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1
	# Symbols csa.ko needs that 6.12 only lets other drivers select: a
	# prompt, in this private tree only, lets the config ask for them.
	perl -0pi -e 's/(config DRM_SCHED\n\ttristate)\n/$1 "GPU scheduler"\n/;
		s/(config DRM_GEM_SHMEM_HELPER\n\ttristate)\n/$1 "shmem GEM helpers"\n/;
		s/(config DRM_BUDDY\n\ttristate)\n/$1 "DRM buddy allocator"\n/' \
		"$src/drivers/gpu/drm/Kconfig"
	perl -0pi -e 's/(config WANT_DEV_COREDUMP\n\tbool)\n/$1 "devcoredump"\n/' \
		"$src/drivers/base/Kconfig"
	touch "$src/.unpacked"
fi

export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
export CCACHE_BASEDIR=$dir
export CCACHE_NOHASHDIR=true
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
# Reproducible inputs, so ccache hits in a rebuilt tree.
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=csa KBUILD_BUILD_HOST=csa
cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
kmake() {
	nice make -C "$src" O="$out" CC="$cc" LOCALVERSION=-csa-debug "$@"
}

mkdir -p "$out"
echo "debug-kernel: configuring (allnoconfig + tests/vm/debug-kernel.config)" >&2
kmake -s KCONFIG_ALLCONFIG="$frag" allnoconfig >&2
# Every symbol asked for must have survived: a dependency not met turns
# one off silently.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	grep -qxF "$want" "$out/.config" || {
		echo "debug-kernel: config lacks '$want'" >&2; bad=1; }
done <"$frag"
[ "$bad" = 0 ] || exit 1

count_file=$top/objects.count
expect=$(cat "$count_file" 2>/dev/null || echo 0)
echo "debug-kernel: building bzImage (log: $out/build.log)" >&2
start=$(date +%s)
rc_file=$dir/build.rc
# kbuild prints one "  CC ..." line per object: count them for progress.
{ kmake -j"${CSA_KERNEL_JOBS:-2}" bzImage modules >"$out/build.log" 2>&1; echo $? >"$rc_file"; } &
pid=$!
n=0
while kill -0 "$pid" 2>/dev/null; do
	n=$(grep -c '^  CC ' "$out/build.log" 2>/dev/null || true)
	el=$(($(date +%s) - start))
	if [ "$expect" -gt 0 ]; then
		progress_line "debug-kernel: compiling" "$n of ~$expect objects ($((100 * n / expect))%), ${el}s"
	else
		progress_line "debug-kernel: compiling" "$n objects, ${el}s"
	fi
	sleep 2
done
wait "$pid" || true
n=$(grep -c '^  CC ' "$out/build.log" 2>/dev/null || true)
progress_line "debug-kernel: compiling" "$n objects in $(($(date +%s) - start))s" 1
if [ "$(cat "$rc_file")" != 0 ]; then
	tail -n 30 "$out/build.log" >&2
	echo "build-debug-kernel.sh: kernel build failed (see $out/build.log)" >&2
	exit 1
fi
[ "$n" -gt 0 ] && echo "$n" >"$count_file"

krel=$(cat "$out/include/config/kernel.release")
cat >"$env_file.tmp" <<EOT
DEBUG_KVER=$krel
DEBUG_KDIR=$out
DEBUG_VMLINUZ=$out/arch/x86/boot/bzImage
DEBUG_MODULES_DIR=$out
EOT
mv "$env_file.tmp" "$env_file"
cat "$env_file"
