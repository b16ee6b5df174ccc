#!/usr/bin/env bash
# coffer send / payments / bump / payments cancel / webhooks against the real
# cofferd, its signer and the regtest chain double (which checks every
# signature it is sent): a preview that sends nothing, a payment to one output
# and a batch to two, the idempotency key paying once, the list with a status
# filter, a fee bump (RBF) that replaces the payment, a cancellation back to
# the wallet, confirmation after mining, webhook endpoints added, listed and
# deleted, --json, and bad input refused before or by the daemon with exit
# status 2 or 1. Skipped without the signer or node.
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
A=(--url "$url" --datadir "$dd")
printf 'cli payments passphrase\n' >"$tmp/pass"

"$coffer" init "${A[@]}" --passphrase-file "$tmp/pass" --type tr >/dev/null && ok || bad "init"
addr=$("$coffer" address "${A[@]}")
faucet "$addr" 200000
mine 1
"$coffer" sync "${A[@]}" >/dev/null && ok || bad "sync"
# Payees: addresses of the same wallet are as good as any on regtest.
p1=$("$coffer" address "${A[@]}" --label payee1)
p2=$("$coffer" address "${A[@]}" --label payee2)

# Bad input: refused by the CLI (2) or the daemon (1), nothing paid.
rc=0; "$coffer" send "${A[@]}" "$p1" 12abc 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && ok || bad "amount 12abc: $rc $(cat "$tmp/err")"
rc=0; "$coffer" send "${A[@]}" "$p1" 1000 --fee-rate x 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && ok || bad "fee rate x: $rc $(cat "$tmp/err")"
rc=0; "$coffer" send "${A[@]}" "$p1" 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && ok || bad "no amount: $rc"
rc=0; "$coffer" send "${A[@]}" "$p1" 100 --fee-rate 2 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q '^coffer: [a-z_]*: ' "$tmp/err" && ok || bad "dust: $rc $(cat "$tmp/err")"
rc=0; "$coffer" send "${A[@]}" bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 1000 --fee-rate 2 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && ok || bad "mainnet address on regtest: $rc $(cat "$tmp/err")"
rc=0; "$coffer" send "${A[@]}" "$p1" 900000 --fee-rate 2 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'insufficient' "$tmp/err" && ok || bad "insufficient funds: $rc $(cat "$tmp/err")"
"$coffer" payments "${A[@]}" | grep -qx 'no payments' && ok || bad "payments after refusals"

# A preview: fee, size, inputs and outputs; nothing signed or sent.
out=$("$coffer" send "${A[@]}" "$p1" 30000 --fee-rate 2 --preview) && ok || bad "preview: $out"
grep -q '^Preview (not sent): fee [0-9]* sat at 2 sat/vB, [0-9]* vB, 1 inputs, change [0-9]* sat$' <<<"$out" && ok ||
	bad "preview says: $out"
grep -q "^  $p1  0.00030000 BTC$" <<<"$out" && grep -q '  (change)$' <<<"$out" && ok || bad "preview outputs: $out"
"$coffer" send "${A[@]}" "$p1" 30000 --fee-rate 2 --preview --json | jq_ 'j.inputs.length' | grep -qx 1 && ok ||
	bad "preview --json"
rc=0; "$coffer" send "${A[@]}" "$p1" 900000 --fee-rate 2 --preview 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q 'insufficient' "$tmp/err" && ok || bad "preview, insufficient funds: $rc $(cat "$tmp/err")"
"$coffer" payments "${A[@]}" | grep -qx 'no payments' && ok || bad "payments after previews"

# One output, with an idempotency key: paid once.
out=$("$coffer" send "${A[@]}" "$p1" 30000 --fee-rate 2 --idempotency-key order-1) && ok || bad "send: $out"
grep -q '^Sent pay_[0-9a-f]*: txid [0-9a-f]\{64\}, fee [0-9]* sat at 2 sat/vB$' <<<"$out" && ok || bad "send says: $out"
id1=$(awk '{print $2}' <<<"$out" | tr -d :)
out=$("$coffer" send "${A[@]}" "$p1" 30000 --fee-rate 2 --idempotency-key order-1) && ok || bad "retry"
grep -q "^Already sent as $id1:" <<<"$out" && ok || bad "retry says: $out"
rc=0; "$coffer" send "${A[@]}" "$p1" 31000 --fee-rate 2 --idempotency-key order-1 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q idempotency_conflict "$tmp/err" && ok || bad "same key, other body: $rc $(cat "$tmp/err")"

# A batch of two outputs in one transaction (--json).
"$coffer" send "${A[@]}" "$p1" 11000 "$p2" 12000 --fee-rate 3 --json >"$tmp/batch.json" && ok || bad "batch"
jq_ 'j.outputs.length' <"$tmp/batch.json" | grep -qx 2 && ok || bad "batch outputs: $(cat "$tmp/batch.json")"
id2=$(jq_ 'j.id' <"$tmp/batch.json")

# The list, and the filter.
n=$("$coffer" payments "${A[@]}" | grep -c '^pay_')
[ "$n" = 2 ] && ok || bad "payments lists $n"
"$coffer" payments "${A[@]}" --status broadcast --json | jq_ 'j.payments.length' | grep -qx 2 && ok || bad "status filter"
"$coffer" payments "${A[@]}" --status confirmed | grep -qx 'no payments' && ok || bad "no confirmed yet"

# Bump the batch (the latest: it spends the first one's change): a replacement at a higher fee rate.
out=$("$coffer" bump "${A[@]}" "$id2" --fee-rate 10) && ok || bad "bump: $out"
grep -q "^pay_[0-9a-f]* replaces $id2: txid [0-9a-f]\{64\}, fee [0-9]* sat at 10 sat/vB$" <<<"$out" && ok || bad "bump says: $out"
id3=$(awk '{print $1}' <<<"$out")
rc=0; "$coffer" bump "${A[@]}" "$id2" 2>/dev/null || rc=$?
[ "$rc" = 2 ] && ok || bad "bump without --fee-rate: $rc"
rc=0; "$coffer" bump "${A[@]}" "$id1" --fee-rate 20 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q payment_has_descendant "$tmp/err" && ok || bad "bump of a parent: $rc $(cat "$tmp/err")"

# Cancel a payment: a replacement of its inputs paying everything back to the wallet.
out=$("$coffer" send "${A[@]}" "$p2" 15000 --fee-rate 2) && ok || bad "send to cancel: $out"
id4=$(awk '{print $2}' <<<"$out" | tr -d :)
out=$("$coffer" payments cancel "${A[@]}" "$id4" --fee-rate 12) && ok || bad "cancel: $out"
grep -q "^pay_[0-9a-f]* cancels $id4 (everything back to the wallet): txid [0-9a-f]\{64\}, fee [0-9]* sat at 12 sat/vB$" \
	<<<"$out" && ok || bad "cancel says: $out"
id5=$(awk '{print $1}' <<<"$out")
rc=0; "$coffer" payments cancel "${A[@]}" 2>/dev/null || rc=$?
[ "$rc" = 2 ] && ok || bad "cancel without an id: $rc"
rc=0; "$coffer" payments cancel "${A[@]}" "$id4" --fee-rate x 2>/dev/null || rc=$?
[ "$rc" = 2 ] && ok || bad "cancel --fee-rate x: $rc"
rc=0; "$coffer" payments cancel "${A[@]}" pay_00000000000000ff 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q not_found "$tmp/err" && ok || bad "cancel of an unknown payment: $rc $(cat "$tmp/err")"
rc=0; "$coffer" payments cancel "${A[@]}" "$id4" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q payment_state "$tmp/err" && ok || bad "cancel of a cancelled payment: $rc $(cat "$tmp/err")"

# Mined: the first payment, the replacement and the cancellation confirmed (the background sync and
# reconcile find them).
mine 1
for i in $(seq 1 100); do
	"$coffer" sync "${A[@]}" >/dev/null
	[ "$("$coffer" payments "${A[@]}" --status confirmed | grep -c '^pay_')" = 3 ] && break
	sleep 0.1
done
out=$("$coffer" payments "${A[@]}")
grep -q "^$id1  *confirmed " <<<"$out" && ok || bad "first not confirmed: $out"
grep -q "^$id3  *confirmed " <<<"$out" && ok || bad "replacement not confirmed: $out"
grep -q "^$id2  *replaced " <<<"$out" && ok || bad "batch not replaced: $out"
grep -q "^$id5  *confirmed " <<<"$out" && ok || bad "cancellation not confirmed: $out"
grep -q "^$id4  *replaced " <<<"$out" && ok || bad "cancelled payment not replaced: $out"

# Webhooks: added (a secret made and shown once on stderr, or read from a file), listed, deleted.
out=$("$coffer" webhooks add "${A[@]}" http://127.0.0.1:9/hook --events payment.sent,payment.confirmed \
	2>"$tmp/err") && ok || bad "webhooks add: $out $(cat "$tmp/err")"
grep -q '^Added wh_[0-9a-f]*: http://127.0.0.1:9/hook$' <<<"$out" && ok || bad "webhooks add says: $out"
grep -q '^Secret (shown once; deliveries are signed with it): whsec_[0-9a-f]\{48\}$' "$tmp/err" && ok ||
	bad "webhooks add secret: $(cat "$tmp/err")"
wh1=$(awk '{print $2}' <<<"$out" | tr -d :)
printf 'a-webhook-secret-of-32-bytes-abc\n' >"$tmp/whsec"
out=$("$coffer" webhooks add "${A[@]}" https://shop.example/hooks --events payment.failed --secret-file "$tmp/whsec" \
	2>"$tmp/err") && ok || bad "webhooks add --secret-file: $out $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] && ok || bad "a secret from a file is not printed: $(cat "$tmp/err")"
out=$("$coffer" webhooks list "${A[@]}")
[ "$(grep -c '^wh_' <<<"$out")" = 2 ] && grep -q "^$wh1  http://127.0.0.1:9/hook  payment.sent,payment.confirmed$" \
	<<<"$out" && ok || bad "webhooks list: $out"
"$coffer" webhooks list "${A[@]}" --json | grep -q secret && bad "webhooks list shows a secret" || ok
rc=0; "$coffer" webhooks add "${A[@]}" http://127.0.0.1:9/x --events payment.nothing 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q bad_value "$tmp/err" && ok || bad "unknown event: $rc $(cat "$tmp/err")"
rc=0; "$coffer" webhooks add "${A[@]}" http://127.0.0.1:9/x 2>/dev/null || rc=$?
[ "$rc" = 2 ] && ok || bad "webhooks add without --events: $rc"
rc=0; "$coffer" webhooks delete "${A[@]}" ../x 2>/dev/null || rc=$?
[ "$rc" = 2 ] && ok || bad "webhooks delete of a malformed id: $rc"
"$coffer" webhooks delete "${A[@]}" "$wh1" | grep -qx "Deleted $wh1" && ok || bad "webhooks delete"
rc=0; "$coffer" webhooks delete "${A[@]}" "$wh1" 2>"$tmp/err" || rc=$?
[ "$rc" = 1 ] && grep -q not_found "$tmp/err" && ok || bad "webhooks delete twice: $rc $(cat "$tmp/err")"
[ "$("$coffer" webhooks list "${A[@]}" | grep -c '^wh_')" = 1 ] && ok || bad "webhooks after delete"

echo "test_cli_payments: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
