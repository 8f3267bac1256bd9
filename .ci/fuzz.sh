#!/usr/bin/env bash
# fuzz.sh DURATION [PACKAGES...] — run every Fuzz* target of the packages
# (default ./...) for DURATION each (a Go duration such as 3s or 60s, or Nx
# for N executions), one after another. Fails on the first crash; the
# failing input is saved under the package's testdata/fuzz/ by go test, so
# it becomes a regression seed once committed.
set -euo pipefail

dur=${1:?usage: fuzz.sh DURATION [PACKAGES...]}
shift
pkgs=("${@:-./...}")
go=${GO:-go}

# `go test -list` prints the matching names of each package, then a line
# "ok <import path> ...". Collect (package, target) pairs from that.
list=$("$go" test -run '^$' -list '^Fuzz' "${pkgs[@]}")
targets=()
names=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) names+=("$line") ;;
	ok*)
		pkg=$(awk '{print $2}' <<<"$line")
		for n in "${names[@]}"; do targets+=("$pkg $n"); done
		names=()
		;;
	esac
done <<<"$list"

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no Fuzz targets found in ${pkgs[*]}" >&2
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, $dur each"
start=$SECONDS
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	printf 'fuzz.sh: %-60s %s\n' "$pkg" "$name"
	if ! "$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$dur" "$pkg" >"${TMPDIR:-/tmp}/fuzz.$$.log" 2>&1; then
		cat "${TMPDIR:-/tmp}/fuzz.$$.log" >&2
		rm -f "${TMPDIR:-/tmp}/fuzz.$$.log"
		echo "fuzz.sh: $pkg $name FAILED (input saved under its testdata/fuzz/)" >&2
		exit 1
	fi
done
rm -f "${TMPDIR:-/tmp}/fuzz.$$.log"
echo "fuzz.sh: all ${#targets[@]} targets passed in $((SECONDS - start))s"
