# shellcheck shell=sh
# (POSIX sh: fetch-kernel.sh is #!/bin/sh)
# progress.sh - progress of long steps, sourced by build-qemu.sh and
# fetch-kernel.sh.  On a terminal (stderr) a count or percentage redrawn in
# place; in a log, one line every PROGRESS_LOG_SECONDS (default 5) and one
# at the end.  Nothing here changes what the wrapped command does.

PROGRESS_LOG_SECONDS=${PROGRESS_LOG_SECONDS:-5}

# progress_line LABEL TEXT FINAL: prints TEXT (redrawn on a tty, else
# rate-limited lines); FINAL=1 always prints and ends the line.
_progress_last=0
progress_line() {
	# (no 'local' in POSIX sh: the variables carry a _pl_ prefix)
	_pl_final=${3:-0}
	if [ -t 2 ]; then
		printf '\r%s: %s\033[K' "$1" "$2" >&2
		[ "$_pl_final" = 1 ] && printf '\n' >&2
		return 0
	fi
	_pl_now=$(date +%s)
	if [ "$_pl_final" = 1 ] || [ $((_pl_now - _progress_last)) -ge "$PROGRESS_LOG_SECONDS" ]; then
		printf '%s: %s\n' "$1" "$2" >&2
		_progress_last=$_pl_now
	fi
}

# cmd | progress_ninja LABEL LOG: ninja's "[N/M] ..." lines become
# "N/M (P%)"; every line also goes to LOG.
progress_ninja() {
	_pn_label=$1 _pn_log=$2 _pn_n=0 _pn_m=0
	_progress_last=0
	while IFS= read -r _pn_line; do
		printf '%s\n' "$_pn_line" >>"$_pn_log"
		case $_pn_line in
		\[[0-9]*/[0-9]*\]*)
			_pn_n=${_pn_line#\[}; _pn_n=${_pn_n%%/*}
			_pn_m=${_pn_line#*/}; _pn_m=${_pn_m%%\]*}
			progress_line "$_pn_label" "$_pn_n/$_pn_m ($((100 * _pn_n / _pn_m))%)"
			;;
		esac
	done
	if [ "$_pn_m" -gt 0 ]; then
		progress_line "$_pn_label" "$_pn_n/$_pn_m ($((100 * _pn_n / _pn_m))%)" 1
	fi
	return 0
}

# progress_download LABEL DIR TOTAL_BYTES CMD...: runs CMD, showing the
# bytes that appear under DIR against TOTAL_BYTES (0: unknown); returns
# CMD's status.
progress_download() {
	_pd_label=$1 _pd_dir=$2 _pd_total=${3:-0}
	shift 3
	_progress_last=0
	"$@" &
	_pd_pid=$!
	while kill -0 "$_pd_pid" 2>/dev/null; do
		_pd_have=$(du -sb "$_pd_dir" 2>/dev/null | cut -f1)
		_pd_have=${_pd_have:-0}
		if [ "$_pd_total" -gt 0 ]; then
			progress_line "$_pd_label" "$((_pd_have / 1048576)) of $((_pd_total / 1048576)) MiB ($((100 * _pd_have / _pd_total))%)"
		else
			progress_line "$_pd_label" "$((_pd_have / 1048576)) MiB"
		fi
		sleep 1
	done
	_pd_rc=0
	wait "$_pd_pid" || _pd_rc=$?
	_pd_have=$(du -sb "$_pd_dir" 2>/dev/null | cut -f1)
	progress_line "$_pd_label" "$((${_pd_have:-0} / 1048576)) MiB, done" 1
	return "$_pd_rc"
}

# apt_size PKG [apt options...]: the download size of PKG in bytes (0 when
# apt does not say).
apt_size() {
	_as_pkg=$1
	shift
	apt-cache "$@" show "$_as_pkg" 2>/dev/null | awk '/^Size:/ { print $2; exit }' | grep . || echo 0
}
