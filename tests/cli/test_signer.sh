#!/usr/bin/env bash
# coffer signer ...: a standalone coffer-signer on a unix socket, driven by the
# CLI: status, restore (the BIP84 vector wallet "abandon ... about"), lock
# states, unlock (wrong and right passphrase), descriptors against
# `coffer descriptor from-mnemonic`, sign-psbt against the offline
# `coffer psbt sign` (ECDSA is deterministic: the same signature), finalize;
# create on a fresh signer; a signer spawned for one command (--datadir).
# $1 = path of the coffer binary, $2 = the shared/ folder; env COFFER_SIGNER_BIN.
set -euo pipefail
coffer=$1
shared=${2:-$(dirname "$0")/../../../shared}
signer=${COFFER_SIGNER_BIN:?COFFER_SIGNER_BIN is not set}
vec=$shared/vectors
tmp=$(mktemp -d)
pids=()
# Wait for the signer after the kill, so nothing writes into $tmp while it goes.
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp" || true
}
trap cleanup EXIT
fails=0 passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
check() { if eval "$1"; then ok; else bad "$2"; fi; }
# expect_fail STATUS WHAT CMD...: exit STATUS, nothing on stdout, one "coffer: " line on stderr
expect_fail() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, want $want ($(cat "$tmp/err"))"; return; fi
	if [ -s "$tmp/out" ]; then bad "$what: printed to stdout"; return; fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^coffer: ' "$tmp/err"; then
		bad "$what: stderr is not one 'coffer: ' line: $(cat "$tmp/err")"; return
	fi
	ok
}
json() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const v = new Function("j", "return " + process.argv[2])(j); console.log(v);' "$1" "$2"
}
# start_signer DATADIR SOCKET [NETWORK]: a standalone signer, small Argon2id for speed
start_signer() {
	"$signer" --datadir "$1" --listen-unix "$2" --network "${3:-bitcoin}" --kdf-memory 8192 --kdf-passes 1 \
		2>>"$tmp/signer.log" &
	pids+=($!)
	for _ in $(seq 200); do
		"$coffer" signer status --socket "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "signer did not come up: $(cat "$tmp/signer.log")" >&2
	return 1
}

# A PSBT spending the vector wallet's first BIP84 and BIP86 coins (as in test_psbt.sh).
build() {
	node - "$vec" <<'EOF'
const [vec] = process.argv.slice(2);
const v84 = require(vec + "/bip32/bip84_test_vectors.json");
const v86 = require(vec + "/bip32/bip86_test_vectors.json");
const crypto = require("crypto");
const cs = n => Buffer.from([n]);
const kv = (k, v) => Buffer.concat([cs(k.length), k, cs(v.length), v]);
const u32 = n => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const u64 = n => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
const hex = h => Buffer.from(h, "hex");
function program(addr) {
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
const a84 = v84.addresses[0], a86 = v86.addresses[0], spk86 = hex(a86.scriptPubKey);
const ins = [
	Buffer.concat([kv(hex("01"), Buffer.concat([u64(100000), cs(22), wpkh(a84)])),
		kv(Buffer.concat([hex("06"), hex(a84.pubkey)]), origin("73c5da0a", a84.path))]),
	Buffer.concat([kv(hex("01"), Buffer.concat([u64(200000), cs(spk86.length), spk86])),
		kv(Buffer.concat([hex("16"), hex(a86.internal_key)]), Buffer.concat([cs(0), origin("73c5da0a", a86.path)])),
		kv(hex("17"), hex(a86.internal_key))]),
];
const txins = ["wpkh", "tr"].map((n, i) => Buffer.concat([crypto.createHash("sha256").update("coffer " + n).digest(),
	u32(i), cs(0), u32(0xfffffffd)]));
const pay = wpkh(v84.addresses[1]);
const tx = Buffer.concat([u32(2), cs(2), ...txins, cs(1), u64(299000), cs(pay.length), pay, u32(0)]);
console.log(Buffer.concat([hex("70736274ff"), kv(hex("00"), tx), hex("00"), ...ins.map(x => Buffer.concat([x, hex("00")])),
	hex("00")]).toString("base64"));
EOF
}

json "$vec/bip32/bip84_test_vectors.json" 'j.mnemonic' >"$tmp/mnemonic"
printf 'correct horse battery staple\n' >"$tmp/pass"
printf 'wrong\n' >"$tmp/wrong"
mkdir -p "$tmp/d1" "$tmp/d2" "$tmp/d3"
sock=$tmp/d1/signer.sock
start_signer "$tmp/d1" "$sock"

# status of a new signer
"$coffer" signer status --socket "$sock" >"$tmp/st"
check 'grep -qx "state: uninitialized" "$tmp/st" && grep -qx "tee: none" "$tmp/st" && grep -qx "network: bitcoin" "$tmp/st"' \
	"status of a new signer: $(cat "$tmp/st")"
check 'grep -Eqx "unlock-key: [0-9a-f]{64}" "$tmp/st"' "status shows the unlock key"
"$coffer" signer attest --socket "$sock" >"$tmp/at"
check 'grep -qx "backend: none" "$tmp/at" && grep -q "^statement: no TEE" "$tmp/at"' "attest: the no-TEE statement"
expect_fail 1 "unlock before any wallet exists" "$coffer" signer unlock --socket "$sock" --passphrase-file "$tmp/pass"
check 'grep -q "signer_not_permitted" "$tmp/err"' "unlock refused as not permitted: $(cat "$tmp/err")"
expect_fail 2 "restore without a mnemonic file" "$coffer" signer restore --socket "$sock" --passphrase-file "$tmp/pass"
expect_fail 2 "no signer named" "$coffer" signer status

# restore the vector wallet
"$coffer" signer restore --socket "$sock" --passphrase-file "$tmp/pass" --mnemonic-file "$tmp/mnemonic" 2>/dev/null
check '"$coffer" signer status --socket "$sock" | grep -qx "state: locked"' "locked after restore"
expect_fail 1 "descriptors while locked" "$coffer" signer descriptors --socket "$sock"
expect_fail 1 "restore over an existing wallet" "$coffer" signer restore --socket "$sock" \
	--passphrase-file "$tmp/pass" --mnemonic-file "$tmp/mnemonic"
expect_fail 1 "unlock with the wrong passphrase" "$coffer" signer unlock --socket "$sock" --passphrase-file "$tmp/wrong"
check 'grep -q "wrong_passphrase" "$tmp/err"' "wrong passphrase named: $(cat "$tmp/err")"
"$coffer" signer unlock --socket "$sock" --passphrase-file "$tmp/pass"
check '"$coffer" signer status --socket "$sock" | grep -qx "state: unlocked"' "unlocked"

# descriptors: the same as the offline derivation from the mnemonic
for t in wpkh tr sh-wpkh; do
	want=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type "$t" --network bitcoin)
	got=$("$coffer" signer descriptors --socket "$sock" --type "$t")
	check '[ "$got" = "$want" ]' "descriptor $t: $got != $want"
done
check '[ "$("$coffer" signer descriptors --socket "$sock" | wc -l)" = 3 ]' "three account descriptors"

# sign: the signer's ECDSA signature equals the offline signer's; both inputs finalize
build >"$tmp/psbt.b64"
"$coffer" signer sign-psbt --socket "$sock" <"$tmp/psbt.b64" >"$tmp/signed.b64" 2>"$tmp/sign.err"
check 'grep -q "signed 2 input(s)" "$tmp/sign.err"' "sign-psbt summary: $(cat "$tmp/sign.err")"
"$coffer" psbt sign --mnemonic-file "$tmp/mnemonic" --network bitcoin <"$tmp/psbt.b64" >"$tmp/offline.b64"
"$coffer" psbt decode <"$tmp/signed.b64" >"$tmp/s.json"
"$coffer" psbt decode <"$tmp/offline.b64" >"$tmp/o.json"
check '[ "$(json "$tmp/s.json" "JSON.stringify(j.inputs[0].partial_sigs)")" = "$(json "$tmp/o.json" "JSON.stringify(j.inputs[0].partial_sigs)")" ]' \
	"wpkh signature equals the offline signer's"
check '[ -n "$(json "$tmp/s.json" "j.inputs[1].tap_key_sig || \"\"")" ]' "taproot key-path signature present"
"$coffer" psbt finalize --extract <"$tmp/signed.b64" >"$tmp/tx.hex"
check '[ -s "$tmp/tx.hex" ]' "the signer's PSBT finalizes (its signatures verify)"
expect_fail 1 "sign-psbt with an unreadable PSBT" "$coffer" signer sign-psbt --socket "$sock" <"$tmp/pass"

# policy: needs the passphrase; a kill switch refuses, with its reason; the audit log shows it all
printf '{"kill_switch":true}' >"$tmp/policy.json"
expect_fail 2 "set-policy without the passphrase" "$coffer" signer set-policy --socket "$sock" --policy-file "$tmp/policy.json"
expect_fail 1 "set-policy with the wrong passphrase" "$coffer" signer set-policy --socket "$sock" \
	--policy-file "$tmp/policy.json" --passphrase-file "$tmp/wrong"
"$coffer" signer set-policy --socket "$sock" --policy-file "$tmp/policy.json" --passphrase-file "$tmp/pass"
check '"$coffer" signer policy --socket "$sock" | grep -q "\"kill_switch\":true"' "policy shows the kill switch"
expect_fail 1 "sign-psbt with the kill switch on" "$coffer" signer sign-psbt --socket "$sock" <"$tmp/psbt.b64"
check 'grep -q "policy_kill_switch" "$tmp/err"' "kill switch named: $(cat "$tmp/err")"
"$coffer" signer audit --socket "$sock" >"$tmp/audit" 2>/dev/null
check 'grep -q "\"policy_change\"" "$tmp/audit" && grep -q "policy_kill_switch" "$tmp/audit"' "audit records the change and the refusal"
printf '{"kill_switch":false}' >"$tmp/policy.json"
"$coffer" signer set-policy --socket "$sock" --policy-file "$tmp/policy.json" --passphrase-file "$tmp/pass"

# BIP322 with the wallet's first receive address (the BIP84 vector's)
"$coffer" signer sign-message --socket "$sock" --message "Hello World" >"$tmp/msg"
check '[ "$(head -1 "$tmp/msg")" = "$(json "$vec/bip32/bip84_test_vectors.json" "j.addresses[0].address")" ]' \
	"sign-message signs with the first BIP84 address"
check 'sed -n 2p "$tmp/msg" | grep -q "^smp"' "BIP322 simple signature"

# lock
"$coffer" signer lock --socket "$sock"
check '"$coffer" signer status --socket "$sock" | grep -qx "state: locked"' "locked again"
expect_fail 1 "sign-psbt while locked" "$coffer" signer sign-psbt --socket "$sock" <"$tmp/psbt.b64"

# create on a fresh signer: a 12-word mnemonic, printed once
sock2=$tmp/d2/signer.sock
start_signer "$tmp/d2" "$sock2" regtest
"$coffer" signer create --socket "$sock2" --passphrase-file "$tmp/pass" --words 12 >"$tmp/new" 2>"$tmp/new.err"
check '[ "$(wc -w <"$tmp/new")" = 12 ]' "create prints 12 words"
check 'grep -q "only this once" "$tmp/new.err"' "create warns the words are shown once"
"$coffer" signer unlock --socket "$sock2" --passphrase-file "$tmp/pass" --timeout 600
check '"$coffer" signer status --socket "$sock2" | grep -Eqx "session-left: (599|600)"' "session timeout reported"
want=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/new" --type tr --network regtest)
check '[ "$("$coffer" signer descriptors --socket "$sock2" --type tr)" = "$want" ]' "created wallet's descriptor"

# a signer spawned for one command, on the restored wallet's directory copy
"$coffer" signer restore --datadir "$tmp/d3" --passphrase-file "$tmp/pass" --mnemonic-file "$tmp/mnemonic" 2>/dev/null
want=$("$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mnemonic" --type wpkh --network bitcoin)
check '[ "$("$coffer" signer descriptors --datadir "$tmp/d3" --type wpkh --passphrase-file "$tmp/pass")" = "$want" ]' \
	"spawned signer: unlock + descriptors"
expect_fail 2 "spawned signer without a passphrase" "$coffer" signer descriptors --datadir "$tmp/d3"

echo "test_signer: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
