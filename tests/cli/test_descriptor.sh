#!/usr/bin/env bash
# coffer descriptor from-mnemonic / derive against the BIP84, BIP86 and BIP49
# vector wallets ("abandon ... about"), plus error handling.
# $1 = path of the coffer binary, $2 = the shared/ folder.
set -euo pipefail
coffer=$1
vec=${2:-$(dirname "$0")/../../../shared}/vectors/bip32
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# vector FIELD FILE: print a value of a vector file (node: installed by scripts/setup)
vector() {
	node -e 'const j = require(process.argv[1]); const f = new Function("j", "return " + process.argv[2]);
		const v = f(j); console.log(Array.isArray(v) ? v.join("\n") : v);' "$vec/$2" "$1"
}
# expect_fail STATUS WHAT CMD...: the command must exit STATUS with a one-line "coffer: " reason
expect_fail() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, want $want"; return; fi
	if [ -s "$tmp/out" ]; then bad "$what: printed to stdout"; return; fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^coffer: ' "$tmp/err"; then
		bad "$what: stderr is not one 'coffer: ' line: $(cat "$tmp/err")"; return
	fi
	ok
}

vector 'j.mnemonic' bip84_test_vectors.json >"$tmp/mnemonic"
[ "$(vector 'j.mnemonic' bip86_test_vectors.json)" = "$(cat "$tmp/mnemonic")" ] || bad "vector mnemonics differ"

# type purpose vector-file network
check_account() {
	local type=$1 purpose=$2 file=$3 net=$4 coin desc want got
	coin=$([ "$net" = bitcoin ] && echo 0 || echo 1)
	desc=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type "$type" --network "$net")
	case $desc in
	*"[73c5da0a/${purpose}h/${coin}h/0h]"*"/<0;1>/*"*'#'????????) ok ;;
	*) bad "$type: unexpected descriptor $desc" ;;
	esac
	# receive addresses: m/purpose'/coin'/0'/0/i
	want=$(vector "j.addresses.filter(a => a.path.endsWith(\"/0/0\") || a.path.endsWith(\"/0/1\")).map(a => a.address)" "$file")
	got=$("$coffer" descriptor derive --network "$net" "$desc" --range "0:$(($(echo "$want" | wc -l) - 1))")
	[ "$got" = "$want" ] && ok || bad "$type receive addresses: got $got want $want"
	# change address m/.../1/0 through the single-path form
	want=$(vector 'j.addresses.filter(a => a.path.endsWith("/1/0")).map(a => a.address)' "$file")
	if [ -n "$want" ]; then
		single=$(echo "$desc" | sed 's/<0;1>/1/; s/#.*//')
		got=$("$coffer" descriptor derive --network "$net" "$single")
		[ "$got" = "$want" ] && ok || bad "$type change address: got $got want $want"
	fi
}
check_account wpkh 84 bip84_test_vectors.json bitcoin
check_account tr 86 bip86_test_vectors.json bitcoin
check_account sh-wpkh 49 bip49_test_vectors.json testnet

# Defaults: signet (tpub, coin type 1), account 0; --account changes the path.
d=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type wpkh)
case $d in wpkh\(\[73c5da0a/84h/1h/0h\]tpub*) ok ;; *) bad "default network: $d" ;; esac
d=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type tr --account 7 --network regtest)
case $d in tr\(\[73c5da0a/86h/1h/7h\]tpub*) ok ;; *) bad "--account 7: $d" ;; esac
[ "$("$coffer" descriptor derive --network regtest "$d" | cut -c1-6)" = "bcrt1p" ] && ok || bad "regtest hrp"
# A passphrase gives another wallet (other master fingerprint); only the file's final newline is dropped.
printf 'TREZOR\n' >"$tmp/pass"
d1=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --passphrase-file "$tmp/pass" --type wpkh)
printf 'TREZOR' >"$tmp/pass2"
d2=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --passphrase-file "$tmp/pass2" --type wpkh)
case $d1 in *73c5da0a*) bad "passphrase ignored" ;; *) ok ;; esac
[ "$d1" = "$d2" ] && ok || bad "passphrase trimming"
# The printed checksum is right: a flipped checksum character is refused.
bad_sum=${d1%?}$([ "${d1: -1}" = q ] && echo p || echo q)
expect_fail 1 "bad checksum" "$coffer" descriptor derive "$bad_sum"

# Mnemonic errors: one line, exit 1, the words never echoed.
echo "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon" >"$tmp/badsum"
expect_fail 1 "mnemonic checksum" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/badsum" --type wpkh
grep -q abandon "$tmp/err" && bad "mnemonic echoed" || ok
echo "abandon abandon zzzzzz" >"$tmp/badword"
expect_fail 1 "mnemonic word" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/badword" --type tr
grep -q zzzzzz "$tmp/err" && bad "mnemonic echoed" || ok
expect_fail 1 "missing mnemonic file" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/nope" --type wpkh
expect_fail 2 "missing --type" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic"
expect_fail 2 "bad --type" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type pkh
expect_fail 2 "bad --account" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type tr --account 2147483648
expect_fail 2 "bad --network" "$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type tr --network moon

# derive errors
xpub_desc=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type wpkh --network bitcoin)
expect_fail 1 "wrong network" "$coffer" descriptor derive --network signet "$xpub_desc"
expect_fail 1 "unknown function" "$coffer" descriptor derive "foo(00)"
expect_fail 1 "syntax" "$coffer" descriptor derive "wpkh("
expect_fail 1 "not ranged" "$coffer" descriptor derive --range 0:3 \
	"wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)"
expect_fail 1 "no address form" "$coffer" descriptor derive \
	"pk(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)"
expect_fail 1 "hardened below xpub" "$coffer" descriptor derive --network bitcoin "${xpub_desc%%/<*}/0h/*)"
expect_fail 2 "bad range" "$coffer" descriptor derive --range 3:1 "$xpub_desc"
expect_fail 2 "range over 2^31" "$coffer" descriptor derive --range 0:2147483648 "$xpub_desc"
expect_fail 2 "no descriptor" "$coffer" descriptor derive --network bitcoin
expect_fail 2 "two descriptors" "$coffer" descriptor derive "$xpub_desc" "$xpub_desc"
expect_fail 2 "unknown option" "$coffer" descriptor derive --frobnicate "$xpub_desc"
# the last index of the range works
last=$("$coffer" descriptor derive --network bitcoin "$xpub_desc" --range 2147483647:2147483647)
[ -n "$last" ] && ok || bad "index 2^31-1"

echo "test_descriptor.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
