#!/usr/bin/env bash
# coffer psbt decode / sign / finalize / combine.
# PSBTs spending the BIP84/BIP86 vector wallet ("abandon ... about", master
# fingerprint 73c5da0a) are assembled here with node from the vector files;
# the BIP174 workflow vectors check finalize/extract and combine.
# $1 = path of the coffer binary, $2 = the shared/ folder.
set -euo pipefail
coffer=$1
shared=${2:-$(dirname "$0")/../../../shared}
vec=$shared/vectors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
# expect_fail STATUS WHAT CMD...: exit STATUS, nothing on stdout, one "coffer: " line on stderr
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
# json FILE EXPR: evaluate a JS expression over the JSON in FILE (as j)
json() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const v = new Function("j", "return " + process.argv[2])(j); console.log(v);' "$1" "$2"
}
# vector FILE EXPR: the same over a vector file
vector() { json "$vec/$1" "$2"; }

# Build PSBTs: $1 = which inputs (e.g. "wpkh,tr,foreign").
build() {
	node - "$vec" "$1" <<'EOF'
const [vec, which] = process.argv.slice(2);
const v84 = require(vec + "/bip32/bip84_test_vectors.json");
const v86 = require(vec + "/bip32/bip86_test_vectors.json");
const crypto = require("crypto");
const cs = n => n < 0xfd ? Buffer.from([n]) : Buffer.from([0xfd, n & 255, n >> 8]);
const kv = (k, v) => Buffer.concat([cs(k.length), k, cs(v.length), v]);
const u32 = n => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const u64 = n => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
const hex = h => Buffer.from(h, "hex");
function program(addr) {	/* bech32 witness program of a segwit v0 address */
	const C = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	const d = addr.slice(addr.lastIndexOf("1") + 1, -6).split("").map(c => C.indexOf(c)).slice(1);
	let acc = 0, bits = 0; const out = [];
	for (const x of d) { acc = (acc << 5) | x; bits += 5; if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); } }
	return Buffer.from(out);
}
function origin(fp, path) {
	const steps = path.split("/").slice(1).map(s => u32(s.endsWith("'") ? (parseInt(s) | 0x80000000) : parseInt(s)));
	return Buffer.concat([hex(fp), ...steps]);
}
const wpkh = a => Buffer.concat([hex("0014"), program(a.address)]);
const inputs = {
	wpkh: () => { const a = v84.addresses[0];
		return [100000, Buffer.concat([kv(hex("01"), Buffer.concat([u64(100000), cs(22), wpkh(a)])),
			kv(Buffer.concat([hex("06"), hex(a.pubkey)]), origin("73c5da0a", a.path))])]; },
	tr: () => { const a = v86.addresses[0], spk = hex(a.scriptPubKey);
		return [200000, Buffer.concat([kv(hex("01"), Buffer.concat([u64(200000), cs(spk.length), spk])),
			kv(Buffer.concat([hex("16"), hex(a.internal_key)]), Buffer.concat([cs(0), origin("73c5da0a", a.path)])),
			kv(hex("17"), hex(a.internal_key))])]; },
	/* someone else's input: a derivation with another fingerprint */
	foreign: () => { const a = v84.addresses[1];
		return [50000, Buffer.concat([kv(hex("01"), Buffer.concat([u64(50000), cs(22), wpkh(a)])),
			kv(Buffer.concat([hex("06"), hex(a.pubkey)]), origin("deadbeef", "m/84'/0'/0'/0/7"))])]; },
};
const names = which.split(",");
const ins = names.map(n => inputs[n]());
const txins = names.map((n, i) => Buffer.concat([crypto.createHash("sha256").update("coffer " + n).digest(), u32(i),
	cs(0), u32(0xfffffffd)]));
const pay = wpkh(v84.addresses[1]), total = ins.reduce((s, x) => s + x[0], 0);
const tx = Buffer.concat([u32(2), cs(txins.length), ...txins, cs(1), u64(total - 1000), cs(pay.length), pay, u32(0)]);
const psbt = Buffer.concat([hex("70736274ff"), kv(hex("00"), tx), hex("00"), ...ins.map(x => Buffer.concat([x[1], hex("00")])), hex("00")]);
console.log(psbt.toString("base64"));
EOF
}

vector bip32/bip84_test_vectors.json 'j.mnemonic' >"$tmp/mnemonic"
build wpkh,tr,foreign >"$tmp/three.b64"
build wpkh,tr >"$tmp/two.b64"

# decode: transaction, UTXOs, derivations, fee.
"$coffer" psbt decode <"$tmp/three.b64" >"$tmp/d.json"
check '[ "$(json "$tmp/d.json" "j.psbt_version + \" \" + j.inputs.length + \" \" + j.outputs.length")" = "0 3 1" ]' "decode shape"
check '[ "$(json "$tmp/d.json" "j.fee")" = 1000 ]' "decode fee"
check '[ "$(json "$tmp/d.json" "j.inputs[0].utxo.type + \" \" + j.inputs[1].utxo.type")" = "p2wpkh p2tr" ]' "decode utxo types"
check '[ "$(json "$tmp/d.json" "j.inputs[0].bip32_derivs[0].path")" = "m/84h/0h/0h/0/0" ]' "decode path"
check '[ "$(json "$tmp/d.json" "j.inputs[1].tap_bip32_derivs[0].fingerprint")" = 73c5da0a ]' "decode tap derivation"

# sign: our two inputs (ECDSA and taproot key path), not the foreign one.
"$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" --network bitcoin <"$tmp/three.b64" >"$tmp/signed.b64"
"$coffer" psbt decode <"$tmp/signed.b64" >"$tmp/s.json"
check '[ "$(json "$tmp/s.json" "j.inputs[0].partial_sigs.length")" = 1 ]' "wpkh input signed"
check '[ "$(json "$tmp/s.json" "j.inputs[0].partial_sigs[0].pubkey")" = "$(vector bip32/bip84_test_vectors.json "j.addresses[0].pubkey")" ]' "signed with the derived key"
check '[ "$(json "$tmp/s.json" "j.inputs[1].tap_key_sig.length")" = 128 ]' "taproot key path signed (64 bytes)"
check '[ "$(json "$tmp/s.json" "j.inputs[2].partial_sigs === undefined")" = true ]' "foreign input left alone"
# Not every input is signed: finalize refuses, --extract too.
expect_fail 1 "finalize with an unsigned input" "$coffer" psbt finalize <"$tmp/signed.b64"
grep -q psbt_cannot_finalize "$tmp/err" && ok || bad "finalize reason: $(cat "$tmp/err")"
# A wrong passphrase is another wallet: nothing signed, a warning, same PSBT out.
printf 'not the passphrase\n' >"$tmp/pass"
"$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" --passphrase-file "$tmp/pass" <"$tmp/three.b64" \
	>"$tmp/nosig.b64" 2>"$tmp/warn"
check 'cmp -s "$tmp/nosig.b64" "$tmp/three.b64"' "other wallet changed the PSBT"
check 'grep -q "no input was signed" "$tmp/warn"' "no-signature warning"

# The two-input PSBT signs, finalizes and extracts.
"$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" <"$tmp/two.b64" >"$tmp/two.signed"
"$coffer" psbt finalize <"$tmp/two.signed" >"$tmp/two.final"
"$coffer" psbt decode <"$tmp/two.final" >"$tmp/f.json"
check '[ "$(json "$tmp/f.json" "j.inputs[0].final_scriptwitness.length + \" \" + j.inputs[1].final_scriptwitness.length")" = "2 1" ]' "final witnesses"
check '[ "$(json "$tmp/f.json" "j.inputs[0].bip32_derivs === undefined && j.inputs[0].utxo !== undefined")" = true ]' "finalizer clears all but the UTXO"
txhex=$("$coffer" psbt finalize --extract <"$tmp/two.signed")
case $txhex in 02000000000102*) ok ;; *) bad "extracted tx: $txhex" ;; esac
check '[ "$("$coffer" psbt finalize --extract <"$tmp/two.final")" = "$txhex" ]' "extract from a final PSBT"

# combine: signatures from two PSBTs, as arguments or one per line on stdin.
"$coffer" psbt combine "$(cat "$tmp/three.b64")" "$(cat "$tmp/signed.b64")" >"$tmp/c1"
check '[ "$(json <("$coffer" psbt decode <"$tmp/c1") "j.inputs[0].partial_sigs.length")" = 1 ]' "combine (args)"
cat "$tmp/three.b64" "$tmp/signed.b64" | "$coffer" psbt combine >"$tmp/c2"
check 'cmp -s "$tmp/c1" "$tmp/c2"' "combine (stdin) differs from combine (args)"
expect_fail 1 "combine different transactions" "$coffer" psbt combine "$(cat "$tmp/two.b64")" "$(cat "$tmp/three.b64")"

# BIP174 workflow: the two signers' PSBTs combine to the combiner vector; it
# finalizes to the finalizer vector and extracts to the extractor's transaction.
w=bip174_test_vectors.json
s1=$(vector "psbt/$w" 'j.workflow.signer_1.psbt_base64')
s2=$(vector "psbt/$w" 'j.workflow.signer_2.psbt_base64')
check '[ "$("$coffer" psbt combine "$s1" "$s2")" = "$(vector "psbt/$w" "j.workflow.combiner.psbt_base64")" ]' "BIP174 combiner"
comb=$(vector "psbt/$w" 'j.workflow.combiner.psbt_base64')
check '[ "$(echo "$comb" | "$coffer" psbt finalize)" = "$(vector "psbt/$w" "j.workflow.finalizer.psbt_base64")" ]' "BIP174 finalizer"
check '[ "$(echo "$comb" | "$coffer" psbt finalize --extract)" = "$(vector "psbt/$w" "j.workflow.extractor.tx_hex")" ]' "BIP174 extractor"

# Refusals: invalid vectors with their reason, a signer check, usage errors.
echo "$(vector "psbt/$w" 'j.invalid[4].base64')" >"$tmp/dup"
expect_fail 1 "duplicate key" "$coffer" psbt decode <"$tmp/dup"
grep -q psbt_duplicate_key "$tmp/err" && ok || bad "duplicate key reason: $(cat "$tmp/err")"
echo "not base64 at all" >"$tmp/junk"
expect_fail 1 "junk" "$coffer" psbt decode <"$tmp/junk"
echo "$(vector "psbt/$w" 'j.fails_signer_checks[1].base64')" >"$tmp/badrs"
expect_fail 1 "redeem script mismatch" "$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" <"$tmp/badrs"
grep -q psbt_script_mismatch "$tmp/err" && ok || bad "signer check reason: $(cat "$tmp/err")"
echo "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon" >"$tmp/badmn"
expect_fail 1 "bad mnemonic" "$coffer" psbt sign --mnemonic-file "$tmp/badmn" <"$tmp/two.b64"
grep -q abandon "$tmp/err" && bad "mnemonic echoed" || ok
expect_fail 2 "sign without mnemonic" "$coffer" psbt sign <"$tmp/two.b64"
expect_fail 2 "sign bad network" "$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" --network moon <"$tmp/two.b64"
expect_fail 2 "finalize bad flag" "$coffer" psbt finalize --bogus <"$tmp/two.b64"
expect_fail 2 "decode argument" "$coffer" psbt decode extra <"$tmp/two.b64"
expect_fail 2 "combine nothing" "$coffer" psbt combine </dev/null

echo "psbt cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
