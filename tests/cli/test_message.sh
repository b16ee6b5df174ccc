#!/usr/bin/env bash
# coffer message sign|verify (BIP322). CTest passes $1 = coffer, $2 = shared/.
set -euo pipefail
coffer=$1
shared=${2:-$(dirname "$0")/../../../shared}
vec=$shared/vectors/message/bip322_basic_test_vectors.json
[ -f "$vec" ] || { echo "missing $vec"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
# expect STATUS DESCRIPTION -- command...: run, compare the exit status.
expect() {
	local want=$1 what=$2 got=0
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" || got=$?
	if [ "$got" = "$want" ]; then ok "$what"; else bad "$what (exit $got, want $want): $(cat "$tmp/err")"; fi
}

# BIP322 basic vectors: P2WPKH key and address, and the signature of "Hello World".
echo L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k >"$tmp/wpkh.wif"
wpkh=bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l
want=smpAkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=
grep -qF "\"$want\"" "$vec" && ok "signature taken from $(basename "$vec")" || bad "vector signature not found"

expect 0 "sign P2WPKH with --wif-file" -- "$coffer" message sign --network bitcoin --address "$wpkh" \
	--wif-file "$tmp/wpkh.wif" "Hello World"
if [ "$(cat "$tmp/out")" = "$want" ]; then ok "P2WPKH signature equals the BIP322 vector (low-R)"; \
	else bad "P2WPKH signature differs: $(cat "$tmp/out")"; fi
expect 0 "verify the vector signature" -- "$coffer" message verify --network bitcoin "$wpkh" "$want" "Hello World"
grep -qx valid "$tmp/out" && ok "verify prints valid" || bad "verify output: $(cat "$tmp/out")"
expect 1 "wrong message is invalid" -- "$coffer" message verify --network bitcoin "$wpkh" "$want" "Hello World!"
grep -q '^invalid: ' "$tmp/err" && ok "one-line reason on stderr" || bad "reason: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] && ok "reason is one line" || bad "reason has $(wc -l <"$tmp/err") lines"
expect 1 "bad base64 is invalid" -- "$coffer" message verify --network bitcoin "$wpkh" "smp!!!" "Hello World"
expect 1 "address of another network" -- "$coffer" message verify --network testnet "$wpkh" "$want" "Hello World"
printf 'Hello World' >"$tmp/msg"
expect 0 "--message-file" -- "$coffer" message verify --network bitcoin --message-file "$tmp/msg" "$wpkh" "$want"
printf 'Hello World\n' >"$tmp/msg2"
expect 1 "--message-file bytes are exact (newline counts)" -- "$coffer" message verify --network bitcoin \
	--message-file "$tmp/msg2" "$wpkh" "$want"
expect 0 "--unprefixed signs the pre-1.0 encoding" -- "$coffer" message sign --network bitcoin \
	--address "$wpkh" --wif-file "$tmp/wpkh.wif" --unprefixed "Hello World"
[ "$(cat "$tmp/out")" = "${want#smp}" ] && ok "unprefixed = vector without smp" || bad "unprefixed: $(cat "$tmp/out")"

# P2TR key path: sign (fresh aux randomness), then verify.
echo KyrSGCFPhqZMjCe5fNTYddiLMp4tMj4gLKuJ26TsB2rvr1VJGPbt >"$tmp/tr.wif"
tr=bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler
expect 0 "sign P2TR" -- "$coffer" message sign --network bitcoin --address "$tr" --wif-file "$tmp/tr.wif" "taproot"
sig=$(cat "$tmp/out")
expect 0 "verify own P2TR signature" -- "$coffer" message verify --network bitcoin "$tr" "$sig" "taproot"
expect 1 "P2TR signature for another message" -- "$coffer" message verify --network bitcoin "$tr" "$sig" "taproot!"

# Refusals and usage errors.
expect 1 "key does not control the address" -- "$coffer" message sign --network bitcoin --address "$tr" \
	--wif-file "$tmp/wpkh.wif" "x"
expect 1 "P2PKH signing unsupported" -- "$coffer" message sign --network bitcoin \
	--address 13vU5PUSuArDXJdCWZvUFEbgJ2wcmtSJWn --wif-file "$tmp/wpkh.wif" "x"
expect 1 "WIF of another network" -- "$coffer" message sign --network testnet \
	--address tb1q9vza2e8x573nczrlzms0wvx3gsqjx7vaxwd45v --wif-file "$tmp/wpkh.wif" "x"
expect 2 "sign without --address" -- "$coffer" message sign --wif-file "$tmp/wpkh.wif" "x"
expect 2 "sign with two key sources" -- "$coffer" message sign --address "$wpkh" --wif-file "$tmp/wpkh.wif" \
	--mnemonic-file "$tmp/wpkh.wif" --path m/84h/0h/0h/0/0 "x"
expect 2 "verify with a missing argument" -- "$coffer" message verify "$wpkh" "$want"
expect 2 "unknown option" -- "$coffer" message verify --bogus "$wpkh" "$want" "x"
if grep -q "secret\|L3VFeE" "$tmp/err" "$tmp/out"; then bad "a secret was echoed"; else ok "no secret echoed"; fi
"$coffer" help | grep "message sign" >/dev/null && ok "coffer help documents message sign" || bad "help lacks message sign"

# A key from a mnemonic and path (BIP84 vector: m/84'/0'/0'/0/0 of "abandon ... about").
echo "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about" >"$tmp/mn"
bip84=bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu
got=0
"$coffer" message sign --network bitcoin --address "$bip84" --mnemonic-file "$tmp/mn" --path "m/84h/0h/0h/0/0" \
	"from a mnemonic" >"$tmp/out" 2>"$tmp/err" || got=$?
if [ "$got" = 0 ]; then
	ok "sign with --mnemonic-file and --path"
	expect 0 "verify the mnemonic-derived signature" -- "$coffer" message verify --network bitcoin "$bip84" \
		"$(cat "$tmp/out")" "from a mnemonic"
	expect 1 "path for another address is refused" -- "$coffer" message sign --network bitcoin --address "$bip84" \
		--mnemonic-file "$tmp/mn" --path "m/84h/0h/0h/0/1" "x"
	printf '\n' >"$tmp/pw"
	expect 0 "a passphrase file holding only a newline is the empty passphrase" -- \
		"$coffer" message sign --network bitcoin --address "$bip84" --mnemonic-file "$tmp/mn" \
		--passphrase-file "$tmp/pw" --path "m/84h/0h/0h/0/0" "x"
	printf '  \n' >"$tmp/pw"
	expect 1 "spaces are part of a passphrase (another wallet)" -- "$coffer" message sign --network bitcoin \
		--address "$bip84" --mnemonic-file "$tmp/mn" --passphrase-file "$tmp/pw" --path "m/84h/0h/0h/0/0" "x"
	echo TREZOR >"$tmp/pw"
	expect 1 "another passphrase is another wallet" -- "$coffer" message sign --network bitcoin \
		--address "$bip84" --mnemonic-file "$tmp/mn" --passphrase-file "$tmp/pw" --path "m/84h/0h/0h/0/0" "x"
	expect 2 "--passphrase-file without --mnemonic-file" -- "$coffer" message sign --address "$bip84" \
		--wif-file "$tmp/wpkh.wif" --passphrase-file "$tmp/pw" "x"
else
	bad "mnemonic signing: $(cat "$tmp/err")"
fi

echo "message CLI: $n checks"
exit $fail
