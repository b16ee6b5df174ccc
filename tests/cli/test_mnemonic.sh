#!/usr/bin/env bash
# coffer mnemonic new: word counts, fresh output per run, usage errors.
# Args: $1 = coffer binary.
set -euo pipefail
coffer=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

for n in 12 15 18 21 24; do
	m=$("$coffer" mnemonic new --words "$n")
	[ "$(wc -w <<<"$m")" -eq "$n" ] || fail "--words $n gave $(wc -w <<<"$m") words"
	[ "$(wc -l <<<"$m")" -eq 1 ] || fail "--words $n: not one line"
	grep -Eq '^[a-z]+( [a-z]+)*$' <<<"$m" || fail "--words $n: unexpected characters"
done
m=$("$coffer" mnemonic new --words=12)
[ "$(wc -w <<<"$m")" -eq 12 ] || fail "--words=12"
m=$("$coffer" mnemonic new)
[ "$(wc -w <<<"$m")" -eq 24 ] || fail "default is not 24 words"

a=$("$coffer" mnemonic new --words 12)
b=$("$coffer" mnemonic new --words 12)
[ "$a" != "$b" ] || fail "two runs gave the same mnemonic"

for bad in 13 0 -12 abc 012 "" 27; do
	set +e
	err=$("$coffer" mnemonic new --words "$bad" 2>&1 >/dev/null)
	rc=$?
	out=$("$coffer" mnemonic new --words "$bad" 2>/dev/null)
	set -e
	[ "$rc" -eq 2 ] || fail "--words '$bad': exit $rc, want 2"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "--words '$bad': error is not one line: $err"
	[ -z "$out" ] || fail "--words '$bad': printed something on stdout"
done
set +e
"$coffer" mnemonic new --words >/dev/null 2>&1; rc1=$?
"$coffer" mnemonic new --bogus >/dev/null 2>&1; rc2=$?
set -e
[ "$rc1" -eq 2 ] || fail "--words without value: exit $rc1"
[ "$rc2" -eq 2 ] || fail "unknown flag: exit $rc2"
echo "ok: mnemonic new"
