#!/usr/bin/env bash
# The coffer binary is built hardened: position independent, full RELRO
# (BIND_NOW + GNU_RELRO), non-executable stack, stack protector.
set -u
bin=$1
pass=0 fail=0
check() {
	if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1" >&2; fi
}
command -v readelf >/dev/null || { echo "readelf missing: cannot check hardening" >&2; exit 1; }
check "PIE executable" "readelf -h '$bin' | grep -q 'Type:.*DYN'"
check "full RELRO: GNU_RELRO segment" "readelf -l '$bin' | grep -q GNU_RELRO"
check "full RELRO: BIND_NOW" "readelf -d '$bin' | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
check "non-executable stack" "readelf -lW '$bin' | grep GNU_STACK | grep -qv RWE"
check "stack protector" "readelf -sW '$bin' | grep -q __stack_chk_fail"
echo "test_hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
