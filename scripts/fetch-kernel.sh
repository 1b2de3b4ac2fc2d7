#!/bin/sh
# Fetch Debian's 6.12 kernel (bookworm-backports) into a private cache:
# the unsigned image (vmlinuz + modules, for the QEMU VM), the headers and
# kbuild (to build csa.ko), and pahole (BTF for modules).  The machine's apt
# configuration is never touched: a private source list and state directory
# live in the cache, and the packages are unpacked with dpkg-deb -x.
#
# Usage: scripts/fetch-kernel.sh [--update] [--print] [--checkpatch] [--source]
#   --update      ask apt again for the newest 6.12 even if a kernel is cached
#   --print       only print the cached kernel.env (exit 1 if there is none)
#   --checkpatch  also fetch linux-source-6.12 (150 MB, once) and keep only
#                 scripts/checkpatch.pl, spelling.txt, const_structs.checkpatch;
#                 adds CHECKPATCH= to kernel.env
#   --source      also keep linux-source-6.12's .tar.xz (for the debug
#                 kernel, scripts/build-debug-kernel.sh); adds SOURCE_TAR=
# Environment:
#   CSA_CACHE           cache root (default ~/.cache/csa)
#   CSA_KERNEL_VERSION  pin a Debian version, e.g. 6.12.57+deb12 (default: newest)
# Output: $CSA_CACHE/kernel/kernel.env (KVER, KDIR, VMLINUZ, MODULES_DIR,
# PAHOLE, ROOT), also printed on stdout.  Both can be sourced by sh and make.
set -eu
# shellcheck source=scripts/progress.sh
. "$(dirname "$0")/progress.sh"

cache=${CSA_CACHE:-${HOME:-/root}/.cache/csa}
kcache=$cache/kernel
env_file=$kcache/kernel.env
update=0
print_only=0
want_checkpatch=0
want_source=0
for a in "$@"; do
	case $a in
	--update) update=1 ;;
	--print) print_only=1 ;;
	--checkpatch) want_checkpatch=1 ;;
	--source) want_source=1 ;;
	*) echo "fetch-kernel.sh: unknown argument '$a' (use --update, --print, --checkpatch or --source)" >&2; exit 2 ;;
	esac
done

cached_ok() {
	[ -f "$env_file" ] || return 1
	# shellcheck disable=SC1090,SC2153
	. "$env_file"
	# shellcheck disable=SC2153
	[ -f "$KDIR/Makefile" ] && [ -f "$VMLINUZ" ] && [ -d "$MODULES_DIR" ] || return 1
	[ "$want_checkpatch" = 0 ] || [ -x "${CHECKPATCH:-}" ] || return 1
	[ "$want_source" = 0 ] || [ -f "${SOURCE_TAR:-}" ]
}

if [ "$print_only" = 1 ]; then
	cached_ok || { echo "fetch-kernel.sh: no cached kernel in $kcache" >&2; exit 1; }
	cat "$env_file"
	exit 0
fi
CHECKPATCH=
SOURCE_TAR=
if [ "$update" = 0 ] && [ -z "${CSA_KERNEL_VERSION:-}" ] && cached_ok; then
	cat "$env_file"
	exit 0
fi

mkdir -p "$kcache"
# One fetch at a time (the VM harness and the module build may race).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$kcache/.lock"
	flock 9
	if [ "$update" = 0 ] && [ -z "${CSA_KERNEL_VERSION:-}" ] && cached_ok; then
		cat "$env_file"
		exit 0
	fi
fi

for tool in apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null 2>&1 || { echo "fetch-kernel.sh: $tool not found (Debian/Ubuntu needed)" >&2; exit 1; }
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "fetch-kernel.sh: $keyring missing (install debian-archive-keyring)" >&2; exit 1; }

apt_dir=$kcache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=$keyring] http://deb.debian.org/debian bookworm-backports main
deb [signed-by=$keyring] http://deb.debian.org/debian bookworm main
EOF
# Every apt path that could otherwise reach the system's state points here.
set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" \
	-o Dir::Etc::SourceParts=/dev/null \
	-o "Dir::State::Lists=$apt_dir/lists" \
	-o "Dir::Cache=$apt_dir/cache" \
	-o "Dir::Cache::pkgcache=$apt_dir/cache/pkgcache.bin" \
	-o "Dir::Cache::srcpkgcache=$apt_dir/cache/srcpkgcache.bin" \
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root

echo "fetch-kernel: apt-get update (private lists in $apt_dir)" >&2
apt-get "$@" -qq update

if [ -n "${CSA_KERNEL_VERSION:-}" ]; then
	ver=$CSA_KERNEL_VERSION
elif [ "$update" = 0 ] && [ -n "${KVER:-}" ]; then
	# only an extra piece (--checkpatch, --source) is missing: keep the
	# cached version rather than moving to a newer one
	ver=${KVER%-amd64}
else
	# Package names carry the ABI version: linux-headers-6.12.<n>+deb12-amd64.
	ver=$(apt-cache "$@" pkgnames linux-headers-6.12. |
		sed -n 's/^linux-headers-\(6\.12\.[0-9][0-9]*+deb12\)-amd64$/\1/p' |
		sort -t. -k3,3n | tail -n 1)
fi
[ -n "$ver" ] || { echo "fetch-kernel.sh: apt offers no linux-headers-6.12.*-amd64 in bookworm-backports" >&2; exit 1; }

kver=$ver-amd64
root=$kcache/$ver/root
debs=$kcache/$ver/debs
kdir=$root/usr/src/linux-headers-$kver
vmlinuz=$root/boot/vmlinuz-$kver
modules_dir=$root/lib/modules/$kver

if [ ! -f "$root/.complete" ]; then
	mkdir -p "$debs"
	pkgs="linux-image-$kver-unsigned linux-headers-$kver linux-headers-$ver-common linux-kbuild-$ver pahole"
	echo "fetch-kernel: downloading $pkgs" >&2
	# apt-get download writes into the current directory; as root it warns
	# that _apt cannot write there, which is harmless.
	total=0
	for p in $pkgs; do
		total=$((total + $(apt_size "$p" "$@")))
	done
	# shellcheck disable=SC2016 # $1, $@ expand in the inner sh
	progress_download "fetch-kernel: downloading" "$debs" "$total" \
		sh -c 'cd "$1" && shift && apt-get "$@" -qq download '"$pkgs" sh "$debs" "$@"
	rm -rf "$root"
	mkdir -p "$root"
	n=0; count=0
	for f in "$debs"/*.deb; do count=$((count + 1)); done
	for f in "$debs"/*.deb; do
		n=$((n + 1))
		progress_line "fetch-kernel: unpacking" "$n/$count $(basename "$f")" "$([ "$n" = "$count" ] && echo 1)"
		dpkg-deb -x "$f" "$root"
	done
	# The arch headers' Makefile includes the common headers by absolute
	# /usr/src path; point it into the private root.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
	# kbuild's scripts live in linux-kbuild and are linked by absolute path.
	for l in scripts tools; do
		t=$(readlink "$kdir/$l" 2>/dev/null || true)
		case $t in
		/*) ln -sfn "$root$t" "$kdir/$l" ;;
		esac
	done
	touch "$root/.complete"
fi

[ -f "$kdir/Makefile" ] || { echo "fetch-kernel.sh: $kdir/Makefile missing after extraction" >&2; exit 1; }
[ -f "$vmlinuz" ] || { echo "fetch-kernel.sh: $vmlinuz missing after extraction" >&2; exit 1; }

checkpatch=""
cp_dir=$kcache/$ver/checkpatch
if [ "$want_checkpatch" = 1 ] && [ ! -x "$cp_dir/checkpatch.pl" ]; then
	src_pkg=linux-source-$(echo "$ver" | cut -d. -f1-2)
	echo "fetch-kernel: downloading $src_pkg for checkpatch.pl" >&2
	tmp=$kcache/$ver/src.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp" "$cp_dir"
	# shellcheck disable=SC2016 # $0, $1, $@ expand in the inner sh
	progress_download "fetch-kernel: downloading $src_pkg" "$tmp" "$(apt_size "$src_pkg" "$@")" \
		sh -c 'cd "$1" && shift && apt-get "$@" -qq download "$0"' "$src_pkg" "$tmp" "$@"
	dpkg-deb --fsys-tarfile "$tmp"/"$src_pkg"_*.deb |
		tar -xf - -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
		mv "$tmp"/linux-source-*/scripts/$f "$cp_dir/"
	done
	chmod +x "$cp_dir/checkpatch.pl"
	rm -rf "$tmp"
fi
[ -x "$cp_dir/checkpatch.pl" ] && checkpatch=$cp_dir/checkpatch.pl

# The whole source tarball, kept as it is (unpacked by its user).
src_dir=$kcache/$ver/source
if [ "$want_source" = 1 ] && ! ls "$src_dir"/linux-source-*.tar.xz >/dev/null 2>&1; then
	src_pkg=linux-source-$(echo "$ver" | cut -d. -f1-2)
	echo "fetch-kernel: downloading $src_pkg" >&2
	tmp=$kcache/$ver/source.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# shellcheck disable=SC2016 # $0, $1, $@ expand in the inner sh
	progress_download "fetch-kernel: downloading $src_pkg" "$tmp" "$(apt_size "$src_pkg" "$@")" \
		sh -c 'cd "$1" && shift && apt-get "$@" -qq download "$0"' "$src_pkg" "$tmp" "$@"
	dpkg-deb --fsys-tarfile "$tmp"/"$src_pkg"_*.deb |
		tar -xf - -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	mkdir -p "$src_dir"
	mv "$tmp"/usr/src/linux-source-*.tar.xz "$src_dir/"
	rm -rf "$tmp"
fi
source_tar=$(ls "$src_dir"/linux-source-*.tar.xz 2>/dev/null | head -n 1)

pahole=$root/usr/bin/pahole
[ -x "$pahole" ] || pahole=$(command -v pahole || echo "")

cat >"$env_file.tmp" <<EOF
KVER=$kver
KDIR=$kdir
VMLINUZ=$vmlinuz
MODULES_DIR=$modules_dir
PAHOLE=$pahole
ROOT=$root
CHECKPATCH=$checkpatch
SOURCE_TAR=$source_tar
EOF
mv "$env_file.tmp" "$env_file"
cat "$env_file"
