#!/bin/bash
# mkinitramfs.sh - pack the VM test's initramfs.
#
#   tests/vm/mkinitramfs.sh STAGE OUT.cpio.gz MODULES_DIR [CSA_KO]
#
# STAGE is a directory the caller has filled with what the guest runs:
#   STAGE/bin/*        static test programs and tools
#   STAGE/share/*      data (model files, expected outputs)
# This script adds busybox (one symlink per applet), /init, the kernel
# modules csa.ko needs (resolved from its "depends" through modinfo, so the
# list follows the driver), vgem (test-driver's syncobj suite signals its
# fences) and a load order for them, then packs the cpio.
set -euo pipefail

stage=$1 out=$2 moddir=$3 csa_ko=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "mkinitramfs: $*" >&2; exit 1; }

busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q "statically linked" ||
	ldd "$busybox" 2>&1 | grep -q "not a dynamic" ||
	die "$busybox is not static (apt-get install busybox-static)"

mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules,share}
cp "$busybox" "$stage/bin/busybox"
# `busybox --list` names busybox itself: a link of that name would replace
# the binary with a symlink to itself.
for applet in $("$busybox" --list); do
	case $applet in
	busybox) ;;
	*) [ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet" ;;
	esac
done
install -m 0755 "$here/init.sh" "$stage/init"

# Modules: csa.ko's dependencies, depth first, each after what it needs.
order=()
declare -A seen=()
find_module() {
	find "$moddir" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" |
		head -n 1
}
add_module() {
	local file=$1 dep name
	name=$(basename "$file"); name=${name%%.ko*}
	[ -z "${seen[$name]:-}" ] || return 0
	seen[$name]=1
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		local f
		f=$(find_module "$dep")
		[ -n "$f" ] || f=$(find_module "${dep//_/-}")
		[ -n "$f" ] || die "module $dep (needed by $name) not in $moddir"
		add_module "$f"
	done
	order+=("$file")
}
if [ -n "$csa_ko" ] && [ -f "$csa_ko" ]; then
	add_module "$csa_ko"
	# vgem: a DRM device whose fences the syncobj tests signal themselves
	# (built into the kernel it needs nothing here; without it that test alone fails)
	f=$(find_module vgem)
	[ -z "$f" ] || add_module "$f"
else
	# No driver yet: still load what a DRM accel driver needs.
	for m in drm drm_kms_helper drm_shmem_helper gpu-sched drm_buddy; do
		f=$(find_module "$m")
		[ -n "$f" ] || die "module $m not in $moddir"
		add_module "$f"
	done
fi
: >"$stage/lib/modules/order"
# Unpacked here: busybox insmod hands a compressed module to init_module()
# first, which the kernel rejects with a log line before insmod retries.
for f in "${order[@]}"; do
	name=$(basename "$f")
	case $name in
	*.ko.xz) xz -dc "$f" >"$stage/lib/modules/${name%.xz}" ;;
	*.ko.zst) zstd -q -dc "$f" >"$stage/lib/modules/${name%.zst}" ;;
	*) cp "$f" "$stage/lib/modules/" ;;
	esac
	echo "${name%.ko*}.ko" >>"$stage/lib/modules/order"
done

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) | gzip -1 >"$out"
