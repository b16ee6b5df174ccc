#!/usr/bin/env bash
# coffer audit verify: a log written here by an independent implementation of
# the record format (bash + sha256sum, docs/POLICY.md), checked intact; then
# tampering, deletion, reordering and truncation each reported at the first
# broken record; usage errors.
# $1 = path of the coffer binary, $2 = the shared/ folder (unused).
set -euo pipefail
coffer=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0

ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

zero=0000000000000000000000000000000000000000000000000000000000000000
# write_log FILE N: N records chained from the zero hash; prints the head hash.
write_log() {
	local file=$1 n=$2 prev=$zero i body hash verdict code reason
	: >"$file"
	for ((i = 1; i <= n; i++)); do
		if ((i % 2)); then verdict=allow code=ok reason=""
		else verdict=refuse code=policy_daily_limit reason="payment of 5000 sat plus 99000 sat spent"; fi
		body="{\"seq\":$i,\"time\":$((1700000000 + i)),\"kind\":\"sign_psbt\",\"request\":\"$(printf 'r%d' "$i" | sha256sum | cut -c1-64)\",\"verdict\":\"$verdict\",\"code\":\"$code\",\"reason\":\"$reason\",\"spend_sat\":$((5000 * i)),\"fee_sat\":200,\"external_sat\":$((5000 * i - 200)),\"destinations\":[\"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx\"],\"more_destinations\":0,\"prev\":\"$prev\""
		hash=$(printf '%s' "$body" | sha256sum | cut -c1-64)
		printf '%s,"hash":"%s"}\n' "$body" "$hash" >>"$file"
		prev=$hash
	done
	echo "$prev"
}

# expect_broken FILE LINE WHAT: exit 1, one stderr line naming record LINE and WHAT
expect_broken() {
	local file=$1 line=$2 what=$3 rc=0
	"$coffer" audit verify --file "$file" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne 1 ]; then bad "$what: exit $rc, want 1"; return; fi
	if [ -s "$tmp/out" ]; then bad "$what: printed to stdout"; return; fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "^coffer: .*chain broken at record $line " "$tmp/err" ||
		! grep -q "$what" "$tmp/err"; then
		bad "$what: want record $line: $(cat "$tmp/err")"; return
	fi
	ok
}

log=$tmp/audit.log
head=$(write_log "$log" 5)

# Intact, by file (flag and positional) and by datadir.
out=$("$coffer" audit verify --file "$log")
[ "$out" = "chain intact, 5 records, head $head" ] && ok || bad "intact: $out"
out=$("$coffer" audit verify "$log")
[ "$out" = "chain intact, 5 records, head $head" ] && ok || bad "positional: $out"
mkdir -p "$tmp/data/signer"
cp "$log" "$tmp/data/signer/audit.log"
out=$("$coffer" audit verify --datadir "$tmp/data")
[ "$out" = "chain intact, 5 records, head $head" ] && ok || bad "datadir: $out"
: >"$tmp/empty.log"
out=$("$coffer" audit verify "$tmp/empty.log")
[ "$out" = "chain intact, 0 records, head $zero" ] && ok || bad "empty: $out"

# An amount changed in record 3.
sed '3s/"spend_sat":15000/"spend_sat":1500/' "$log" >"$tmp/t1"
expect_broken "$tmp/t1" 3 "hash mismatch"
# Record 3 changed and its hash recomputed: record 4's prev no longer matches.
body=$(sed -n '3p' "$log" | sed 's/"spend_sat":15000/"spend_sat":1500/; s/,"hash":"[0-9a-f]*"}$//')
newhash=$(printf '%s' "$body" | sha256sum | cut -c1-64)
{ sed -n '1,2p' "$log"; printf '%s,"hash":"%s"}\n' "$body" "$newhash"; sed -n '4,$p' "$log"; } >"$tmp/t2"
expect_broken "$tmp/t2" 4 "prev mismatch"
# Record 3 deleted; records 3 and 4 swapped.
sed '3d' "$log" >"$tmp/t3"
expect_broken "$tmp/t3" 3 "sequence gap"
{ sed -n '1,2p' "$log"; sed -n '4p' "$log"; sed -n '3p' "$log"; sed -n '5p' "$log"; } >"$tmp/t4"
expect_broken "$tmp/t4" 3 "sequence gap"
# The last record cut in the middle; a garbage line.
head -c -30 "$log" >"$tmp/t5"
expect_broken "$tmp/t5" 5 "truncated last line"
{ sed -n '1,2p' "$log"; echo 'not json'; } >"$tmp/t6"
expect_broken "$tmp/t6" 3 "bad JSON"
# Whitespace added: same meaning, not canonical.
sed '2s/"seq":2,/"seq": 2,/' "$log" >"$tmp/t7"
expect_broken "$tmp/t7" 2 "bad record"

# Missing file: exit 1; bad usage: exit 2.
rc=0; "$coffer" audit verify --file "$tmp/nope" 2>"$tmp/err" >/dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q '^coffer: ' "$tmp/err" && ok || bad "missing file: exit $rc"
rc=0; "$coffer" audit verify 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] && ok || bad "no argument: exit $rc"
rc=0; "$coffer" audit verify --file "$log" --datadir "$tmp/data" 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] && ok || bad "both: exit $rc"
rc=0; "$coffer" audit verify --bogus 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] && ok || bad "unknown flag: exit $rc"

echo "test_audit.sh: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
