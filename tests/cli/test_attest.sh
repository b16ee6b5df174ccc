#!/usr/bin/env bash
# coffer signer attest against coffer-signer --tee sgx-gramine over a fake /dev/attestation (--tee-root):
# the verifier's nonce (--nonce), the binding computed here with sha512sum from the documented layout
# (docs/ATTESTATION.md "Binding"), the evidence written by --out is the quote the fake device returned for
# exactly that binding; identity-key "locked" before unlock. $1 = coffer, $2 = shared dir; env COFFER_SIGNER_BIN.
set -uo pipefail
coffer=$1
S=$2/attestation
signer=${COFFER_SIGNER_BIN:?COFFER_SIGNER_BIN is not set}
tmp=$(mktemp -d)
spid=
cleanup() { [ -n "$spid" ] && { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass=0

hexbin() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
le32() { printf '%02x000000' "$1"; }

mkdir -p "$tmp/root/dev/attestation" "$tmp/d"
printf 'dcap' >"$tmp/root/dev/attestation/attestation_type"
cp "$S/tdx/trustee_occlum_quote.dat" "$tmp/root/dev/attestation/quote"
"$signer" --datadir "$tmp/d" --listen-unix "$tmp/sock" --network regtest --kdf-memory 8192 --kdf-passes 1 \
	--tee sgx-gramine --tee-root "$tmp/root" 2>>"$tmp/signer.log" &
spid=$!
for _ in $(seq 200); do
	"$coffer" signer status --socket "$tmp/sock" >"$tmp/status" 2>/dev/null && break
	sleep 0.05
done
grep -q '^tee: sgx-gramine$' "$tmp/status" || fail "status: $(cat "$tmp/status" "$tmp/signer.log")"
U=$(sed -n 's/^unlock-key: //p' "$tmp/status")
N=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
# binding = SHA-512(len|"coffer/v1/attestation" | len 0 (locked: no identity) | len|U | len|N)
B=$( { hexbin "$(le32 21)"; printf 'coffer/v1/attestation'; hexbin "$(le32 0)"; hexbin "$(le32 32)$U";
	hexbin "$(le32 32)$N"; } | sha512sum | cut -c1-128)
hexbin "$B" | dd of="$tmp/root/dev/attestation/quote" bs=1 seek=368 conv=notrunc status=none

"$coffer" signer attest --socket "$tmp/sock" --nonce "$N" --out "$tmp/ev.bin" >"$tmp/out" 2>"$tmp/err" ||
	fail "attest: $(cat "$tmp/err")"
grep -q '^backend: sgx-gramine$' "$tmp/out" || fail "attest: backend"
grep -q '^identity-key: locked$' "$tmp/out" || fail "attest: identity-key"
grep -q "^nonce: $N\$" "$tmp/out" || fail "attest: nonce"
cmp -s "$tmp/ev.bin" "$tmp/root/dev/attestation/quote" || fail "attest --out: not the device's quote"
pass=$((pass + 5))
# A nonce the fake device was not prepared for: the signer refuses to pass on evidence without the binding.
rc=0
"$coffer" signer attest --socket "$tmp/sock" --nonce "ff${N:2}" >"$tmp/out" 2>"$tmp/err" || rc=$?
[ $rc -eq 1 ] && grep -q 'tee_response\|malformed' "$tmp/err" || fail "attest with another nonce: exit $rc $(cat "$tmp/err")"
rc=0
"$coffer" signer attest --socket "$tmp/sock" --nonce 00 >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "short --nonce: exit $rc"
# The verifier reads the file (the patched quote's signature no longer holds: refused, not unusable).
rc=0
"$coffer" verify --evidence "$tmp/ev.bin" --unlock-key "$U" --identity-key locked --nonce "$N" >/dev/null 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "verify of the written evidence: exit $rc"
pass=$((pass + 3))
echo "ok: signer attest ($pass checks)"
