#!/usr/bin/env bash
# sluice-gen --plot refuses, before it attaches anything, a path it could
# not write: one line on stderr naming --plot, exit 2, no file created.
# Runs without root: the check comes before the privileged part.
set -uo pipefail

gen=${SLUICE_BUILDDIR:?run through meson test}/gen/sluice-gen
tmp=$(mktemp -d /tmp/sl-plot-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/file"
fails=0

expect_refused() { # WHAT ARGS...: exit 2, one line mentioning --plot, nothing created
  local what=$1 rc lines
  shift
  "$gen" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q -- '--plot' "$tmp/err" || [ -s "$tmp/out" ]; then
    echo "FAIL: $what: exit $rc, $lines lines on stderr:" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
  fi
}

addrs=(--src 198.18.0.1 --dst 198.18.0.2)
expect_refused "tx, below a regular file" tx -i lo "${addrs[@]}" --plot "$tmp/file/x.svg"
expect_refused "tx, no such directory" tx -i lo "${addrs[@]}" --plot "$tmp/none/x.svg"
expect_refused "rx, a directory" rx -i lo --plot "$tmp"
expect_refused "search, below a regular file" search -i lo "${addrs[@]}" --plot "$tmp/file/x.svg"
expect_refused "reflect, which draws nothing" reflect -i lo --plot "$tmp/r.svg"
# Nothing was created: only our own file and the captured output.
left=$(find "$tmp" -mindepth 1 -not -name file -not -name out -not -name err | wc -l)
[ "$left" -eq 0 ] || { echo "FAIL: files left behind: $(ls -A "$tmp")" >&2; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || exit 1
echo "ok: 5 refusals"
