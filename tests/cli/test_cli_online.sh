#!/usr/bin/env bash
# The coffer CLI's online commands against the real cofferd, its signer and
# the regtest chain double: status, init (mnemonic shown once), address,
# sync, balance, transactions, lock/unlock (passphrase sealed by the CLI),
# tokens and scopes, policy show/set, audit verify over the API, attest,
# --json, error lines and exit codes, and a passphrase prompt that does not
# echo (under a pty). Skipped without the signer, node or the chain double.
# $1 = path of the coffer binary (cofferd sits beside it), $2 = the shared/ folder.
set -euo pipefail
coffer=$1
cofferd=${COFFERD_BIN:-$(dirname "$coffer")/cofferd}
signer=${COFFER_SIGNER_BIN:-$(dirname "$coffer")/coffer-signer}
src=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$signer" ] || { echo "SKIP: no coffer-signer binary (the signer process is not built)"; exit 0; }
command -v node >/dev/null || { echo "SKIP: no node for the chain double"; exit 0; }
bash "$src/tests/chaind/setup" >/dev/null
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	exec 9>&- 2>/dev/null || true
	# cofferd stops its signer before it exits: wait for it, so nothing writes into $tmp while it goes.
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp" || true
}
trap cleanup EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
jq_() { node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(new Function("j","return "+process.argv[1])(j))' "$1"; }

# The chain double, on a pipe that ends it when we do.
mkfifo "$tmp/life"
node "$src/tests/chaind/server.js" --stdin-lifeline <"$tmp/life" >"$tmp/chaind.out" 2>&1 &
pids+=($!)
exec 9>"$tmp/life"
for i in $(seq 1 200); do grep -q '^PORT ' "$tmp/chaind.out" 2>/dev/null && break; sleep 0.05; done
chain=http://127.0.0.1:$(awk '/^PORT /{print $2; exit}' "$tmp/chaind.out")
faucet() { curl -sS -H 'Content-Type: application/json' -d "{\"address\":\"$1\",\"amount_sat\":$2}" "$chain/faucet" >/dev/null; }
mine() { curl -sS -H 'Content-Type: application/json' -d "{\"blocks\":$1}" "$chain/mine" >/dev/null; }

dd=$tmp/d
"$cofferd" --datadir "$dd" --network regtest --listen 127.0.0.1:0 --signer "$signer" --signer-kdf-memory 64 \
	--signer-kdf-passes 1 --esplora "$chain" --sync-interval 1 2>"$tmp/cofferd.log" &
pids+=($!)
for i in $(seq 1 200); do grep -q 'listening on' "$tmp/cofferd.log" 2>/dev/null && break; sleep 0.02; done
url=$(grep -o 'listening on http://[^ ]*' "$tmp/cofferd.log" | sed 's/listening on //')
C=("$coffer")
A=(--url "$url" --datadir "$dd")
pass='cli test passphrase with spaces  '
printf '%s\n' "$pass" >"$tmp/pass"

out=$("$coffer" status "${A[@]}") && ok || bad "status exit $?"
grep -q 'wallet   uninitialized' <<<"$out" && ok || bad "status: $out"
"$coffer" status "${A[@]}" --json | jq_ 'j.signer.state' | grep -qx uninitialized && ok || bad "status --json"
rc=0; "$coffer" balance "${A[@]}" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q '^coffer: wallet_locked: ' "$tmp/err" && ok || bad "balance before init: $rc $(cat "$tmp/err")"
rc=0; "$coffer" balance --url "$url" --token nope 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q '^coffer: unauthorized: ' "$tmp/err" && ok || bad "bad token: $rc $(cat "$tmp/err")"
rc=0; "$coffer" status --url http://127.0.0.1:1 --token x 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'cannot reach cofferd' "$tmp/err" && ok || bad "no daemon: $rc $(cat "$tmp/err")"

# init: the mnemonic once, 12 words that the wallet core accepts.
out=$("$coffer" init "${A[@]}" --passphrase-file "$tmp/pass" --type tr) && ok || bad "init exit"
words=$(awk 'NF==12 && $1 ~ /^[a-z]+$/ {print; exit}' <<<"$out" | sed 's/^ *//')
[ "$(wc -w <<<"$words")" = 12 ] && ok || bad "init did not show 12 words: $out"
printf '%s\n' "$words" >"$tmp/mn"
"$coffer" descriptor from-mnemonic --mnemonic-file "$tmp/mn" --type tr --network regtest >"$tmp/desc" && ok || bad "mnemonic does not parse"
"$coffer" status "${A[@]}" --json | jq_ 'j.signer.state' | grep -qx unlocked && ok || bad "not unlocked after init"
rc=0; "$coffer" init "${A[@]}" --passphrase-file "$tmp/pass" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'keystore_exists' "$tmp/err" && ok || bad "second init: $rc $(cat "$tmp/err")"

# Receive: the address is the descriptor's first, the payment arrives.
addr=$("$coffer" address "${A[@]}" --label "first payment")
[ "$addr" = "$("$coffer" descriptor derive --network regtest "$(cat "$tmp/desc")")" ] && ok || bad "address $addr is not the mnemonic's index 0"
"$coffer" address "${A[@]}" --list | grep -q "$addr  *first payment" && ok || bad "address --list"
faucet "$addr" 50000
"$coffer" sync "${A[@]}" | grep -qx Synced. && ok || bad "sync"
"$coffer" balance "${A[@]}" --json | jq_ 'j.unconfirmed_sat' | grep -qx 50000 && ok || bad "balance after receive"
mine 2
"$coffer" sync "${A[@]}" >/dev/null
out=$("$coffer" balance "${A[@]}")
grep -q '^confirmed  *0.00050000 BTC  *50000 sat' <<<"$out" && ok || bad "balance: $out"
out=$("$coffer" transactions "${A[@]}")
grep -q ' in  *0.00050000 BTC  *2 conf' <<<"$out" && ok || bad "transactions: $out"

# Lock, then unlock with the passphrase sealed by the CLI.
"$coffer" lock "${A[@]}" | grep -q Locked && ok || bad "lock"
rc=0; "$coffer" balance "${A[@]}" 2>/dev/null || rc=$?
[ "$rc" = 1 ] && ok || bad "balance while locked: $rc"
printf 'wrong\n' >"$tmp/wrong"
rc=0; "$coffer" unlock "${A[@]}" --passphrase-file "$tmp/wrong" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'wrong_passphrase' "$tmp/err" && ok || bad "wrong passphrase: $rc $(cat "$tmp/err")"
"$coffer" unlock "${A[@]}" --passphrase-file "$tmp/pass" --timeout 600 | grep -q 'Unlocked for 600 s' && ok || bad "unlock"
"$coffer" balance "${A[@]}" --json | jq_ 'j.confirmed_sat' | grep -qx 50000 && ok || bad "balance after unlock"
if grep -q -- "$pass" "$tmp/cofferd.log"; then bad "passphrase in the daemon's log"; else ok; fi

# Tokens and scopes.
tok=$("$coffer" token create "${A[@]}" --scope read --label "dashboard" 2>/dev/null)
[[ $tok == ct1_* ]] && ok || bad "token create: $tok"
"$coffer" token list "${A[@]}" | grep -q 'read  *dashboard' && ok || bad "token list"
"$coffer" balance --url "$url" --token "$tok" --json | jq_ 'j.confirmed_sat' | grep -qx 50000 && ok || bad "read token balance"
rc=0; "$coffer" address --url "$url" --token "$tok" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q insufficient_scope "$tmp/err" && ok || bad "read token address: $rc"
id=${tok:4:16}
"$coffer" token revoke "${A[@]}" "$id" | grep -q "revoked $id" && ok || bad "revoke"
rc=0; "$coffer" balance --url "$url" --token "$tok" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q unauthorized "$tmp/err" && ok || bad "revoked token still works: $rc"

# Policy: show, set (with the passphrase), show again.
"$coffer" policy show "${A[@]}" | jq_ 'j.max_per_payment_sat' | grep -qx 0 && ok || bad "policy show"
echo '{"max_per_payment_sat":250000,"max_24h_sat":1000000}' >"$tmp/policy.json"
"$coffer" policy set "${A[@]}" --file "$tmp/policy.json" --passphrase-file "$tmp/pass" | grep -q 'Policy replaced' && ok || bad "policy set"
"$coffer" policy show "${A[@]}" | jq_ 'j.max_per_payment_sat' | grep -qx 250000 && ok || bad "policy not changed"
rc=0; "$coffer" policy set "${A[@]}" --file "$tmp/policy.json" --passphrase-file "$tmp/wrong" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q wrong_passphrase "$tmp/err" && ok || bad "policy set with a wrong passphrase: $rc"

# The audit log through the API verifies, and it is the signer's own file, line for line.
out=$("$coffer" audit verify --online "${A[@]}") && ok || bad "audit verify: $out"
n=$(wc -l <"$dd/signer/audit.log")
grep -q "^chain intact, $n records" <<<"$out" && ok || bad "audit verify: $out (the log has $n lines)"
"$coffer" audit verify --file "$dd/signer/audit.log" | grep -q "^chain intact, $n records" && ok || bad "offline audit verify"

# Attestation: a fresh nonce each time.
out=$("$coffer" attest "${A[@]}")
grep -q '^backend ' <<<"$out" && grep -q '^nonce  *[0-9a-f]\{64\}$' <<<"$out" && ok || bad "attest: $out"

# The prompt does not echo (a pty, where echo would show).
if command -v python3 >/dev/null; then
	"$coffer" lock "${A[@]}" >/dev/null
	python3 - "$coffer" "$url" "$dd" "$pass" >"$tmp/pty.out" 2>&1 <<'PY' && ok || bad "pty unlock: $(cat "$tmp/pty.out")"
import os, pty, select, sys, time
coffer, url, dd, pw = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(coffer, [coffer, "unlock", "--url", url, "--datadir", dd])
seen = b""
def read_until(what, t=30):
    global seen
    end = time.time() + t
    while what not in seen and time.time() < end:
        if not select.select([fd], [], [], max(0, end - time.time()))[0]:
            break
        try:
            seen += os.read(fd, 1024)
        except OSError:
            break
read_until(b"passphrase: ")
os.write(fd, pw.encode() + b"\n")
read_until(b"Unlocked")
if b"Unlocked" not in seen:
    os.kill(pid, 9)
_, st = os.waitpid(pid, 0)
if pw.strip().encode() in seen:
    print("the passphrase was echoed:", seen)
    sys.exit(1)
sys.exit(0 if b"Unlocked" in seen and os.WEXITSTATUS(st) == 0 else 1)
PY
fi

echo "test_cli_online: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
