#!/usr/bin/env bash
# Secret files: a mnemonic file is read with surrounding whitespace dropped;
# a passphrase file keeps its spaces (a BIP39 passphrase may begin or end with
# one) and loses only its final newline.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
words="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
printf '  %s \n\n' "$words" >"$tmp/m1"
printf '%s' "$words" >"$tmp/m2"
printf 'TREZOR\n' >"$tmp/p_nl"
printf 'TREZOR' >"$tmp/p_plain"
printf 'TREZOR\r\n' >"$tmp/p_crlf"
printf ' TREZOR ' >"$tmp/p_spaces"
d() { "$bin" descriptor from-mnemonic --mnemonic-file "$1" ${2:+--passphrase-file "$2"} --type wpkh --network bitcoin; }
a=$(d "$tmp/m1") && b=$(d "$tmp/m2") && [ "$a" = "$b" ] && ok || bad "mnemonic whitespace changed the wallet"
a=$(d "$tmp/m2" "$tmp/p_nl") && b=$(d "$tmp/m2" "$tmp/p_plain") && [ "$a" = "$b" ] && ok || bad "final newline kept in passphrase"
c=$(d "$tmp/m2" "$tmp/p_crlf") && [ "$c" = "$b" ] && ok || bad "final CRLF kept in passphrase"
e=$(d "$tmp/m2" "$tmp/p_spaces") && [ "$e" != "$b" ] && [ "$e" != "$(d "$tmp/m2")" ] && ok || bad "spaces dropped from passphrase"
printf 'a\0b' >"$tmp/p_nul"
if d "$tmp/m2" "$tmp/p_nul" >/dev/null 2>"$tmp/err"; then bad "NUL in passphrase accepted"; else ok; fi
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "error is not one line"
echo "test_secret_files: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
