#!/usr/bin/env bash
# The bad-input suite over every route (tests/cli/badinput.mjs), against the
# real cofferd with its real signer and an unlocked wallet: malformed JSON,
# wrong types, missing and unknown fields, huge bodies and numbers, negative
# and overflowing amounts, other networks' addresses, bad query parameters,
# path ids, scopes, the locked wallet, bad tokens. Each must get a 4xx with a
# stable code; none a 5xx; the daemon must survive. Skipped without the signer.
# $1 = path of the coffer binary (cofferd sits beside it), $2 = the shared/ folder.
set -euo pipefail
coffer=$1
cofferd=${COFFERD_BIN:-$(dirname "$coffer")/cofferd}
signer=${COFFER_SIGNER_BIN:-$(dirname "$coffer")/coffer-signer}
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -x "$signer" ]; then
	echo "SKIP: no coffer-signer binary (the signer process is not built)"
	exit 0
fi
command -v node >/dev/null || { echo "FAIL: node is needed" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true	# cofferd stops its signer first: nothing writes into $tmp after
	fi
	rm -rf "$tmp" || true
}
trap cleanup EXIT
pass='bad input suite passphrase'
"$cofferd" --datadir "$tmp/d" --network regtest --listen 127.0.0.1:0 --signer "$signer" \
	--signer-kdf-memory 64 --signer-kdf-passes 1 2>"$tmp/log" &
pid=$!
for i in $(seq 1 200); do grep -q 'listening on' "$tmp/log" 2>/dev/null && break; sleep 0.02; done
url=$(grep -o 'listening on http://[^ ]*' "$tmp/log" | sed 's/listening on //')
[ -n "$url" ] || { echo "FAIL: cofferd did not start: $(cat "$tmp/log")" >&2; exit 1; }
admin=$(cat "$tmp/d/auth_token")
post() { curl -sS -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d "$2" "$url$1"; }
post /v1/wallet/create "{\"passphrase\":\"$pass\"}" >/dev/null
read_token=$(post /v1/tokens '{"scope":"read","label":"bad input"}' |
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
rc=0
node "$src/tests/cli/badinput.mjs" "$url" "$admin" "$read_token" "$src/docs/openapi.json" "$pass" || rc=$?
# The daemon survived, and said nothing secret.
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/v1/health") || code=000
[ "$code" = 200 ] || { echo "FAIL: cofferd did not survive the suite ($code)" >&2; rc=1; }
if grep -q -- "$pass" "$tmp/log"; then echo "FAIL: the passphrase is in the log" >&2; rc=1; fi
kill -TERM "$pid"
wait "$pid" || { echo "FAIL: cofferd exited $? on SIGTERM" >&2; rc=1; }
pid=
exit $rc
