#!/bin/bash
# build-qemu.sh - qemu-system-x86_64 7.2 (Debian's source package) with the
# CSA card (-device csa-accel) built in.
#
#   qemu-device/build-qemu.sh [--sanitize] [OUTDIR]
#
# Leaves OUTDIR/qemu-system-x86_64 (a symlink into the cache) and prints its
# path.  Default OUTDIR: build/qemu, with --sanitize build/qemu-san.
#
# --sanitize builds a second, smaller QEMU for the qtest fuzzer: ASan and
# UBSan (-fsanitize=address,undefined), no TCG (qtest runs no guest code, so
# the largest part of QEMU is left out; KVM is built only because QEMU wants
# one accelerator and is never used), the devices of csa-san.mak.  It lives
# beside the release build under its own names (san-tree-*, san-bin/) and
# lock, so building it never blocks or evicts the release QEMU.
#
# Cache: $CSA_CACHE (default ~/.cache/csa)/qemu:
#   source/       Debian's qemu source, fetched once with a private deb-src
#                 list (the machine's apt sources are never touched)
#   tree-CFG/     a patched copy of it and its build directory, one per QEMU
#                 version + configure flags + patch (Kconfig, csa.mak); rebuilt
#                 incrementally, compiler output shared through ccache
#   bin/KEY/      finished binaries, KEY hashing CFG and every source file of
#                 the device and the model: an unchanged tree costs nothing
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
variant=release
if [ "${1:-}" = --sanitize ]; then
	variant=san
	shift
fi
cache=${CSA_CACHE:-$HOME/.cache/csa}
qdir=$cache/qemu
qemu_series=7.2
jobs=${QEMU_JOBS:-2}
# Bump when the way the tree is patched (step 2) changes.
patch_version=2

if [ $variant = release ]; then
	outdir=${1:-$repo/build/qemu}
	devices_mak=csa.mak
	tree_prefix=tree-
	bin_dir=bin
	lock_name=lock
	configure_flags=(
		--target-list=x86_64-softmmu
		--without-default-features
		--enable-tcg
		--disable-docs
		--disable-debug-info
		--without-default-devices
		--with-devices-x86_64=csa
		--meson=/usr/bin/meson
	)
else
	outdir=${1:-$repo/build/qemu-san}
	devices_mak=csa-san.mak
	tree_prefix=san-tree-
	bin_dir=san-bin
	lock_name=lock-san
	# --enable-sanitizers: -fsanitize=address -fsanitize=undefined on every
	# file, QEMU's and the device's.  -g1: line numbers in the reports.
	configure_flags=(
		--target-list=x86_64-softmmu
		--without-default-features
		--disable-tcg
		--enable-kvm
		--enable-sanitizers
		--disable-docs
		--disable-debug-info
		--without-default-devices
		--with-devices-x86_64=csa-san
		--extra-cflags=-g1
		--meson=/usr/bin/meson
	)
fi

log() { echo "build-qemu: $*" >&2; }
die() { echo "build-qemu: $*" >&2; exit 1; }

for tool in apt-get dpkg-source meson ninja pkg-config ccache; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"
done
for pc in glib-2.0 pixman-1; do
	pkg-config --exists "$pc" || die "$pc development files missing (run scripts/install-deps.sh)"
done
[ -f /usr/include/libfdt.h ] || die "libfdt-dev missing (run scripts/install-deps.sh)"


mkdir -p "$qdir"
# The shared lock covers fetching the source (and, for the release QEMU,
# everything); the sanitizer build then holds a lock of its own.
exec 9>"$qdir/lock"
flock 9

# ---- 1. Debian's source package, fetched once -------------------------
fetch_source() {
	local apt=$qdir/apt dl=$qdir/source.dl
	local o
	rm -rf "$dl" "$qdir/source.tmp"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dl"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
		>"$apt/sources.list"
	o=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	   -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
	log "fetching Debian's qemu source package"
	apt-get "${o[@]}" -qq update >&2
	(cd "$dl" && apt-get "${o[@]}" -qq source --download-only qemu) 2>&1 |
		grep -v "unsandboxed as root" >&2 || true
	local dsc
	dsc=$(ls "$dl"/qemu_*.dsc 2>/dev/null | head -n1)
	[ -n "$dsc" ] || die "apt-get source qemu downloaded nothing"
	# apt has verified the files against the signed Sources index.
	dpkg-source --no-check -q -x "$dsc" "$qdir/source.tmp" >"$qdir/dpkg-source.log" 2>&1 ||
		{ cat "$qdir/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
	basename "$dsc" .dsc | sed 's/^qemu_//' >"$qdir/source.tmp/.csa-debian-version"
	rm -rf "$qdir/source"
	mv "$qdir/source.tmp" "$qdir/source"
	# dpkg-source leaves a copy of the upstream tarball beside the tree.
	rm -rf "$dl" "$qdir"/qemu_*.orig.tar.*
}

[ -f "$qdir/source/.csa-debian-version" ] || fetch_source
if [ $variant != release ]; then
	exec 8>"$qdir/$lock_name"
	flock 8
	exec 9>&-
fi
version=$(cat "$qdir/source/VERSION")
debver=$(cat "$qdir/source/.csa-debian-version")
case $version in
"$qemu_series".*) ;;
*) die "Debian's qemu is $version, this script is written for $qemu_series" ;;
esac

# ---- 2. the patched tree, one per QEMU version and configuration -------
cfgkey=$( { echo "$debver $patch_version ${configure_flags[*]}"; cat "$repo"/qemu-device/Kconfig \
	"$repo/qemu-device/$devices_mak"; } | sha256sum | cut -c1-16)
tree=$qdir/$tree_prefix$cfgkey
src=$tree/src
if [ ! -f "$tree/.patched" ]; then
	log "preparing $tree_prefix$cfgkey (QEMU $debver)"
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -a "$qdir/source" "$src"
	cat "$repo/qemu-device/Kconfig" >>"$src/hw/misc/Kconfig"
	echo "subdir('csa')" >>"$src/hw/misc/meson.build"
	# the device's trace-events: a trace group of its own
	sed -i "s|^    'hw/misc',\$|    'hw/misc',\n    'hw/misc/csa',|" "$src/meson.build"
	grep -q "'hw/misc/csa'," "$src/meson.build" || die "cannot add hw/misc/csa to trace_events_subdirs"
	cp "$repo/qemu-device/$devices_mak" "$src/configs/devices/x86_64-softmmu/$devices_mak"
	mkdir -p "$src/hw/misc/csa"
	touch "$tree/.patched"
	# old trees of earlier configurations are dead weight; the newest
	# other one stays (another checkout may be building it)
	ls -1dt "$qdir/$tree_prefix"*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
fi

# ---- 3. the device and the model, copied in only when changed ----------
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/src/hw" "$stage/src/include" "$stage/src/common" "$stage/api/csa"
cp "$repo"/qemu-device/*.c "$repo"/qemu-device/*.h "$repo"/qemu-device/meson.build \
	"$repo"/qemu-device/trace-events "$stage/"
echo '#include "trace/trace-hw_misc_csa.h"' >"$stage/trace.h"
cp -r "$repo"/include/. "$stage/src/include/"
cp "$repo"/hw/*.h "$stage/src/hw/"
cp "$repo"/hw/csa_hw.h "$stage/api/"
cp "$repo"/include/csa/csa_device.h "$stage/api/csa/"
hw_sources=()
for f in "$repo"/hw/*.c; do
	[ -e "$f" ] || continue
	cp "$f" "$stage/src/hw/"
	hw_sources+=("src/hw/$(basename "$f")")
done
[ ${#hw_sources[@]} -gt 0 ] || die "hw/ has no .c files: nothing to build the device from"
# common/ is pure C99 shared by hw/, the driver and libaccel (the model
# uses its command checks); the linker takes only what hw/ references.
for f in "$repo"/common/*.[ch]; do
	[ -e "$f" ] || continue
	cp "$f" "$stage/src/common/"
	case $f in *.c) hw_sources+=("src/common/$(basename "$f")") ;; esac
done
printf '%s\n' "${hw_sources[@]}" >"$stage/hw-sources.txt"

key=$( { echo "$cfgkey"; cd "$stage" && find . -type f | LC_ALL=C sort |
	xargs sha256sum; } | sha256sum | cut -c1-16)
bin=$qdir/$bin_dir/$key/qemu-system-x86_64

if [ ! -x "$bin" ]; then
	dst=$src/hw/misc/csa
	# Copy changed files only, so ninja recompiles only what changed.
	(cd "$stage" && find . -type f) | while read -r f; do
		if ! cmp -s "$stage/$f" "$dst/$f"; then
			mkdir -p "$(dirname "$dst/$f")"
			cp "$stage/$f" "$dst/$f"
		fi
	done
	(cd "$dst" && find . -type f) | while read -r f; do
		[ -e "$stage/$f" ] || rm -f "$dst/$f"
	done
	# QEMU 7.2 keeps pcie_aer_inject_error() static (8.0 exports it for
	# emulated devices): the card reports failed DMA through it
	# (csa-pcie.c declares it).  Patched in place, once: only pcie_aer.c
	# recompiles, the header stays as it is.
	aer=$src/hw/pci/pcie_aer.c
	if grep -q '^static int pcie_aer_inject_error(' "$aer"; then
		sed -i 's/^static \(int pcie_aer_inject_error(PCIDevice \*dev, const PCIEAERErr \*err)\)$/\1;\n\1/' "$aer"
		grep -q '^int pcie_aer_inject_error(PCIDevice \*dev, const PCIEAERErr \*err)$' "$aer" ||
			die "cannot export pcie_aer_inject_error from $aer"
	fi
	# meson.build reads hw-sources.txt: a changed list needs a reconfigure.
	if [ "$dst/hw-sources.txt" -nt "$dst/meson.build" ]; then
		touch "$dst/meson.build"
	fi

	export PATH=/usr/lib/ccache:/usr/bin:/bin:$PATH
	export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
	export CCACHE_BASEDIR=$tree
	export CCACHE_NOHASHDIR=true
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}
	if [ ! -f "$tree/build/build.ninja" ]; then
		log "configuring (${configure_flags[*]})"
		mkdir -p "$tree/build"
		(cd "$tree/build" && "$src/configure" "${configure_flags[@]}") \
			>"$tree/configure.log" 2>&1 ||
			{ tail -n 30 "$tree/configure.log" >&2; die "configure failed, see $tree/configure.log"; }
	fi
	log "building qemu-system-x86_64 (ninja -j$jobs; log $tree/build.log)"
	# shellcheck source=scripts/progress.sh
	. "$repo/scripts/progress.sh"
	: >"$tree/build.log"
	# (pipefail: the pipeline fails when ninja does)
	if ! ninja -C "$tree/build" -j"$jobs" qemu-system-x86_64 2>&1 |
		progress_ninja "build-qemu: compiling" "$tree/build.log"; then
		{ grep -A20 -m3 "^FAILED:" "$tree/build.log"; tail -n 5 "$tree/build.log"; } >&2
		die "build failed, see $tree/build.log"
	fi
	mkdir -p "$qdir/$bin_dir/$key.tmp"
	cp "$tree/build/qemu-system-x86_64" "$qdir/$bin_dir/$key.tmp/"
	rm -rf "$qdir/$bin_dir/$key"
	mv "$qdir/$bin_dir/$key.tmp" "$qdir/$bin_dir/$key"
	# keep the five newest binaries
	ls -1dt "$qdir/$bin_dir"/*/ 2>/dev/null | tail -n +6 | xargs -r rm -rf
fi

mkdir -p "$outdir"
ln -sfn "$bin" "$outdir/qemu-system-x86_64"
echo "$outdir/qemu-system-x86_64"
