#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Configure build/uml-KIND (KIND = debug | release): `make ARCH=um defconfig`,
# merge uml/configs/base.config and uml/configs/KIND.config with the tree's
# merge_config.sh, olddefconfig, then check that every line of the fragments
# really is in .config (Kconfig silently drops what a dependency forbids).
#
# KIND x86: build/x86, ARCH=x86_64, kvm_guest.config + uml/configs/x86-*.config
# (kind_setup in common.sh).
#
# Reconfigures only when the fragments changed since the last run, so a
# .config edited with `make menuconfig` stays as the user left it.
#
# Usage: scripts/kernel-config.sh [-f] KIND     (-f: reconfigure anyway)

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	echo "usage: ${0##*/} [-f] debug|release|x86" >&2
	exit 2
}

# The fragments' own lines, as "CONFIG_X=value" or "CONFIG_X=n".
wanted_settings() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+=.*)$/\1/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/p' "$@"
}

# Print every wanted setting that .config does not have; fail if any.
verify_config() {
	local config=$1 line sym val have bad=0
	shift

	while IFS= read -r line; do
		sym=${line%%=*}
		val=${line#*=}
		have=$(grep -E "^$sym=|^# $sym is not set\$" "$config" || true)
		case $have in
		"# $sym is not set" | "") have=n ;;
		*) have=${have#*=} ;;
		esac
		if [[ $have != "$val" ]]; then
			printf '  %s: wanted %s, got %s\n' "$sym" "$val" "$have" >&2
			bad=1
		fi
	done < <(wanted_settings "$@" | awk -F= '{ last[$1] = $0; order[$1] = NR }
		END { for (s in last) print order[s], last[s] }' | sort -n | cut -d' ' -f2-)
	return "$bad"
}

# Any =m the fragments did not ask for is a feature no guest could load.
verify_no_stray_modules() {
	local config=$1 stray
	shift

	stray=$(grep -E '^CONFIG_[A-Za-z0-9_]+=m$' "$config" |
		grep -vxF -f <(wanted_settings "$@" | grep -E '=m$') || true)
	if [[ -n $stray ]]; then
		printf '  unexpected module: %s\n' "${stray//$'\n'/ }" >&2
		return 1
	fi
}

configure() {
	local kind=$1 out=$2 log=$3
	shift 3
	local fragments=("$@")

	mkdir -p "$out"
	[[ -f $out/.config ]] && cp "$out/.config" "$out/.config.before-reconfigure"
	{
		kmake "$out" defconfig
		# merge_config.sh makes its temporary files in the current dir.
		(cd "$out" && ARCH=$KARCH "$TREE/scripts/kconfig/merge_config.sh" -m \
			-O "$out" "$out/.config" "${KEXTRA[@]/#/$TREE/}" "${fragments[@]}")
		kmake "$out" olddefconfig
	} > "$log" 2>&1 || rk_die "configuring $kind failed, see $log"
}

main() {
	local force=0 kind out stamp log
	local -a fragments

	if [[ ${1:-} == -f ]]; then
		force=1
		shift
	fi
	[[ $# -eq 1 ]] || usage
	kind=$1
	kind_setup "$kind" || usage
	fragments=("${KFRAGMENTS[@]}")
	[[ -f ${fragments[1]} ]] || rk_die "no fragment ${fragments[1]#"$KIT"/} for kind '$kind'"
	out=$KOUT
	stamp=$out/.relaykit-config
	log=$BUILD/log/config-$kind.log

	[[ -f $TREE/.relaykit-patched ]] || "$KIT/scripts/kernel-tree.sh"
	lock_out "$out"
	if [[ $force -eq 0 && -f $out/.config && -f $stamp ]] &&
		cmp -s "$stamp" <(cd "$KIT" && sha256sum "${fragments[@]#"$KIT"/}"); then
		exit 0
	fi

	mkdir -p "$BUILD/log"
	rk_info "configuring ${out#"$KIT"/} from ${fragments[*]#"$KIT"/}"
	rm -f "$stamp"
	configure "$kind" "$out" "$log" "${fragments[@]}"
	if ! verify_config "$out/.config" "${fragments[@]}" ||
		! verify_no_stray_modules "$out/.config" "${fragments[@]}"; then
		rk_die "${out#"$KIT"/}/.config does not match ${fragments[*]#"$KIT"/} (above); a symbol was renamed or a dependency is missing; merge log: $log"
	fi
	(cd "$KIT" && sha256sum "${fragments[@]#"$KIT"/}") > "$stamp"
	if [[ -f $out/.config.before-reconfigure ]] &&
		! cmp -s "$out/.config" "$out/.config.before-reconfigure"; then
		rk_info "fragments changed: ${out#"$KIT"/}/.config regenerated (previous one in .config.before-reconfigure)"
	fi
}

main "$@"
