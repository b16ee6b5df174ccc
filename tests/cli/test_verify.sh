#!/usr/bin/env bash
# coffer verify: SEV-SNP and Azure samples reach their PROVENANCE.md verdicts through the CLI (exit 0/1/2),
# evidence as binary / hex / base64, certificates as DER / PEM chains, policy files, nonces, --json, usage errors.
# Args: $1 = coffer binary, $2 = shared dir.
set -uo pipefail
coffer=$1
S=$2/attestation
T2024=1717200000	# 2024-06-01
T2025=1748736000	# 2025-06-01
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass=0

# expect RC DESCRIPTION ARGS...: run coffer verify, check the exit status, keep stdout/stderr for inspection.
expect() {
	local want=$1 what=$2
	shift 2
	"$coffer" verify "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	[ "$rc" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$what: exit $rc, want $want"; }
	pass=$((pass + 1))
}

# flip FILE OFFSET OUT: copy FILE to OUT with the byte at OFFSET xor 0x01.
flip() {
	cp "$1" "$3"
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}

# --- SEV-SNP samples ---
expect 0 "virtee hex report" --evidence "$S/sev-snp/virtee_report_milan.hex" --cert "$S/sev-snp/virtee_vcek_milan.der" --at $T2024
grep -q '^verdict: VALID$' "$tmp/out" || fail "virtee: no VALID line"
grep -q 'measurement  *7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f' "$tmp/out" ||
	fail "virtee: measurement not printed"
expect 0 "trustee report" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at=$T2024
expect 1 "gosevguest debug report, default policy" --evidence "$S/sev-snp/gosevguest_milan_report.bin" \
	--cert "$S/sev-snp/gosevguest_milan_vcek.der" --at $T2024
grep -q 'debug' "$tmp/err" || fail "debug refusal: reason not on stderr"
grep -q '^verdict: REFUSED$' "$tmp/out" || fail "debug refusal: no REFUSED line"
echo '{"allow_debug": true}' >"$tmp/debug.json"
expect 0 "gosevguest debug report, allow_debug" --evidence "$S/sev-snp/gosevguest_milan_report.bin" \
	--cert "$S/sev-snp/gosevguest_milan_vcek.der" --at $T2024 --policy "$tmp/debug.json"
expect 0 "VLEK report inside validity" --evidence "$S/sev-snp/trustee_test-vlek-report.bin" --cert "$S/sev-snp/trustee_test-vlek.der" --at $T2025
expect 1 "VLEK report before validity" --evidence "$S/sev-snp/trustee_test-vlek-report.bin" --cert "$S/sev-snp/trustee_test-vlek.der" --at $T2024
expect 1 "VLEK report now (expired)" --evidence "$S/sev-snp/trustee_test-vlek-report.bin" --cert "$S/sev-snp/trustee_test-vlek.der"
grep -q 'expired' "$tmp/err" || fail "VLEK now: reason does not say expired"
expect 1 "another chip's VCEK" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/virtee_vcek_milan.der" --at $T2024
expect 1 "Turin VCEK for a Milan report" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/virtee_vcek_turin.der" --at $T2024
expect 1 "invalid VCEK (legacy HWID)" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek-invalid-legacy.der" --at $T2024
expect 1 "invalid VCEK (DER HWID)" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek-invalid-new.der" --at $T2024
expect 1 "no VCEK" --evidence "$S/sev-snp/trustee_test-report.bin" --at $T2024
expect 1 "VCEK not yet valid" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at 1600000000

# Evidence encodings: base64 (wrapped), base64 on one line, binary; certificate as PEM.
base64 "$S/sev-snp/trustee_test-report.bin" >"$tmp/report.b64"
expect 0 "base64 evidence" --evidence "$tmp/report.b64" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024
base64 -w0 "$S/sev-snp/trustee_test-report.bin" >"$tmp/report1.b64"
expect 0 "one-line base64 evidence" --evidence "$tmp/report1.b64" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024
openssl x509 -inform DER -in "$S/sev-snp/trustee_test-vcek.der" -out "$tmp/vcek.pem" 2>/dev/null ||
	fail "openssl x509 conversion"
expect 0 "PEM VCEK" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$tmp/vcek.pem" --cert "$S/sev-snp/trustee_milan_ask_ark_asvk.pem" --at $T2024

# Mutations through the CLI: report body, signature, certificate.
for off in 0 21 42 384 500 700 800 1000; do
	flip "$S/sev-snp/trustee_test-report.bin" $off "$tmp/m.bin"
	expect 1 "report byte $off flipped" --evidence "$tmp/m.bin" --format sev-snp --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024
done
for off in 42 300 700 1300; do
	flip "$S/sev-snp/trustee_test-vcek.der" $off "$tmp/c.der"
	"$coffer" verify --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$tmp/c.der" --at $T2024 >/dev/null 2>&1
	rc=$?
	[ "$rc" -ne 0 ] || fail "VCEK byte $off flipped: exit 0"
	pass=$((pass + 1))
done

# Policy files.
cat >"$tmp/meas.json" <<'EOF'
{"measurements": ["a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"],
 "min_tcb": {"bootloader": 3, "snp": 8, "microcode": 115},
 "report_data": "ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2"}
EOF
expect 0 "policy holds" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --policy "$tmp/meas.json"
sed 's/"microcode": 115/"microcode": 200/' "$tmp/meas.json" >"$tmp/tcb.json"
expect 1 "policy TCB too low" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --policy "$tmp/tcb.json"
echo '{"measurements": ["00"]}' >"$tmp/meas2.json"
expect 1 "measurement not allowed" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --policy "$tmp/meas2.json"
expect 0 "nonce = start of report data" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --nonce ec6c52d7
expect 1 "wrong nonce" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --nonce ec6c52d8

# --json
expect 0 "json valid" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-vcek.der" --at $T2024 --json
python3 - "$tmp/out" <<'EOF' || fail "json output"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["verdict"] == "valid" and d["format"] == "sev-snp" and d["reason"] == "" and d["debug"] is False
assert d["claims"]["guest_svn"] == "4" and d["claims"]["tcb_microcode"] == "115"
assert d["report_data"].startswith("ec6c52d7")
EOF
expect 1 "json refused" --evidence "$S/sev-snp/gosevguest_milan_report.bin" --cert "$S/sev-snp/gosevguest_milan_vcek.der" --at $T2024 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verdict"]=="refused" and "debug" in d["reason"] and d["debug"]' "$tmp/out" ||
	fail "json refusal"

# --- Azure ---
expect 0 "azure raw HCL + PEM chain" --evidence "$S/azure/trustee_azsnp_hcl-report.bin" --cert "$S/azure/trustee_azsnp_vcek.pem" --at $T2025
grep -q 'vtpm_quote  *absent' "$tmp/out" || fail "azure raw: quote status not shown"
expect 1 "azure HCL, other chip's certs" --evidence "$S/azure/azcvmtooling_hcl-report-snp.bin" --cert "$S/azure/azcvmtooling_certs.pem" --at $T2025
expect 1 "azure TDX HCL alone" --evidence "$S/azure/trustee_aztdx_hcl-report.bin" --at $T2025
for v in v0 v1; do
	expect 0 "azure evidence-$v" --evidence "$S/azure/trustee_azsnp_evidence-$v.json" --nonce 6368616c6c656e6765 --at $T2025
	grep -q 'pcr0  *e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced' "$tmp/out" || fail "evidence-$v: PCR0"
	expect 1 "azure evidence-$v reversed nonce" --evidence "$S/azure/trustee_azsnp_evidence-$v.json" --nonce 65676e656c6c616863 --at $T2025
done
rd=982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef
echo "{\"report_data\": \"$rd\", \"pcrs\": {\"0\": [\"84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7\"]}}" >"$tmp/v2.json"
expect 0 "azure evidence-v2 with report_data and PCR0 policy" --evidence "$S/azure/trustee_azsnp_evidence-v2.json" --nonce $rd --policy "$tmp/v2.json" --at $T2025
expect 1 "azure evidence-v2 nonce 123abc" --evidence "$S/azure/trustee_azsnp_evidence-v2.json" --nonce 123abc --at $T2025
echo '{"pcrs": {"0": ["00"]}}' >"$tmp/pcr.json"
expect 1 "azure evidence-v2 PCR0 not allowed" --evidence "$S/azure/trustee_azsnp_evidence-v2.json" --policy "$tmp/pcr.json" --at $T2025
expect 0 "azure evidence-genoa" --evidence "$S/azure/trustee_azsnp_evidence-genoa.json" --format azure-cvm --at $T2025 \
	--nonce 0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938ca05475f8b46094de6b64270ea35d950f
grep -q 'product  *Genoa' "$tmp/out" || fail "genoa: product"
flip "$S/azure/trustee_azsnp_hcl-report.bin" 1760 "$tmp/hcl.bin"
expect 1 "azure runtime JSON byte flipped" --evidence "$tmp/hcl.bin" --cert "$S/azure/trustee_azsnp_vcek.pem" --at $T2025

# --- Usage errors and unusable input: exit 2 ---
expect 2 "no arguments"
expect 2 "no --evidence" --at $T2024
expect 2 "unknown flag" --evidence "$S/sev-snp/trustee_test-report.bin" --bogus
expect 2 "bad format" --evidence "$S/sev-snp/trustee_test-report.bin" --format sev
expect 2 "odd nonce" --evidence "$S/sev-snp/trustee_test-report.bin" --nonce abc
expect 2 "non-hex nonce" --evidence "$S/sev-snp/trustee_test-report.bin" --nonce zz
for at in -1 0 abc 1e9 01 99999999999999; do
	expect 2 "bad --at '$at'" --evidence "$S/sev-snp/trustee_test-report.bin" --at "$at"
done
expect 2 "missing evidence file" --evidence "$tmp/nope"
expect 2 "missing cert file" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$tmp/nope"
expect 2 "cert file that is no certificate" --evidence "$S/sev-snp/trustee_test-report.bin" --cert "$S/sev-snp/trustee_test-report.bin"
echo '{"allow_debug": 1}' >"$tmp/badpol.json"
expect 2 "bad policy type" --evidence "$S/sev-snp/trustee_test-report.bin" --policy "$tmp/badpol.json"
grep -q 'allow_debug' "$tmp/err" || fail "bad policy: key not named"
echo '{"typo": true}' >"$tmp/badpol2.json"
expect 2 "unknown policy key" --evidence "$S/sev-snp/trustee_test-report.bin" --policy "$tmp/badpol2.json"
echo 'not json' >"$tmp/badpol3.json"
expect 2 "policy not JSON" --evidence "$S/sev-snp/trustee_test-report.bin" --policy "$tmp/badpol3.json"
head -c 1000 /dev/urandom >"$tmp/junk.bin"
printf '\x01\x02' | cat - "$tmp/junk.bin" >"$tmp/junk2.bin"
expect 2 "unrecognised evidence" --evidence "$tmp/junk2.bin"
: >"$tmp/empty"
expect 2 "empty evidence" --evidence "$tmp/empty"
expect 2 "SNP report forced as azure" --evidence "$S/sev-snp/trustee_test-report.bin" --format azure-cvm
expect 2 "HCL report forced as sev-snp" --evidence "$S/azure/trustee_azsnp_hcl-report.bin" --format sev-snp
expect 2 "--from-daemon (later)" --from-daemon http://127.0.0.1:1
expect 2 "--json with a value" --evidence "$S/sev-snp/trustee_test-report.bin" --json=yes

# Coffer's key binding (--unlock-key/--identity-key): usage, and refusal when the report binds other keys.
UK=1122334455667788090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
IK=02aabbcc0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
N=deadbeef0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
TR="--evidence $S/sev-snp/trustee_test-report.bin --cert $S/sev-snp/trustee_test-vcek.der --at $T2024"
expect 2 "--unlock-key without --identity-key" $TR --unlock-key $UK --nonce $N
expect 2 "--identity-key without --unlock-key" $TR --identity-key locked --nonce $N
expect 2 "binding without --nonce" $TR --unlock-key $UK --identity-key $IK
expect 2 "short unlock key" $TR --unlock-key 1122 --identity-key $IK --nonce $N
expect 2 "uncompressed-prefix identity key" $TR --unlock-key $UK --identity-key 04${IK:2} --nonce $N
expect 2 "nonce over 64 bytes with a binding" $TR --unlock-key $UK --identity-key $IK --nonce $N$N$N
expect 1 "report binds other keys" $TR --unlock-key $UK --identity-key $IK --nonce $N
grep -q 'does not bind the expected keys' "$tmp/err" || fail "binding refusal: reason not on stderr"
expect 1 "report binds other keys (locked signer)" $TR --unlock-key $UK --identity-key locked --nonce $N
# Evidence as the signer returns it on SEV-SNP: the report followed by the host's certificate table (the VCEK).
vcek=$S/sev-snp/trustee_test-vcek.der
vlen=$(stat -c %s "$vcek")
{
	cat "$S/sev-snp/trustee_test-report.bin"
	printf '\x63\xda\x75\x8d\xe6\x64\x45\x64\xad\xc5\xf4\xb9\x3b\xe8\xac\xcd'	# VCEK GUID
	printf "$(printf '\\x%02x\\x00\\x00\\x00\\x%02x\\x%02x\\x00\\x00' 48 $((vlen & 255)) $((vlen >> 8)))"
	head -c 24 /dev/zero
	cat "$vcek"
} >"$tmp/report+table.bin"
expect 0 "SNP report + certificate table, no --cert" --evidence "$tmp/report+table.bin" --at $T2024
expect 1 "SNP report alone, no --cert" --evidence "$S/sev-snp/trustee_test-report.bin" --at $T2024

echo "ok: verify ($pass checks)"
