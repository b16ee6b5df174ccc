#!/usr/bin/env bash
# coffer autounlock enroll|check|remove, and coffer-signer --seal tpm2 unlocking itself at start, against a
# swtpm started here (stopped on every path). Usage errors exit 2; "does not open" exits 1 with the reason.
# $1 = coffer binary, $2 = shared dir; env COFFER_SIGNER_BIN.
set -uo pipefail
coffer=$1
signer=${COFFER_SIGNER_BIN:?COFFER_SIGNER_BIN is not set}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass=0
export TSS2_LOG=all+none

# expect RC WHAT CMD...
expect() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || { cat "$tmp/out" "$tmp/err" >&2; fail "$what: exit $rc, want $want"; }
	pass=$((pass + 1))
}

expect 2 "no --datadir" "$coffer" autounlock check
expect 2 "enroll without a passphrase file" "$coffer" autounlock enroll --datadir "$tmp/d"
expect 2 "unknown backend" "$coffer" autounlock check --datadir "$tmp/d" --backend nitro
expect 2 "bad PCR list" "$coffer" autounlock check --datadir "$tmp/d" --pcrs 0,24
expect 1 "nothing enrolled" "$coffer" autounlock check --datadir "$tmp/d" --tcti swtpm:host=127.0.0.1,port=1
grep -q 'not enrolled' "$tmp/err" || fail "check without a file: reason"

if ! command -v swtpm >/dev/null 2>&1; then
	echo "SKIP: swtpm is not installed (scripts/setup installs swtpm, swtpm-tools): $pass checks"
	exit 0
fi

# A swtpm on a free loopback port pair (retry if the port is taken meanwhile).
mkdir "$tmp/tpm"
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	swtpm socket --tpm2 --tpmstate dir="$tmp/tpm" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
		>/dev/null 2>&1 &
	tpmpid=$!
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
		kill -0 $tpmpid 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $tpmpid 2>/dev/null && break
done
kill -0 $tpmpid 2>/dev/null || fail "swtpm did not start"
pids+=($tpmpid)
tcti="swtpm:host=127.0.0.1,port=$port"

# A wallet (small Argon2id), created through a standalone signer.
mkdir "$tmp/d"
printf 'correct horse battery staple\n' >"$tmp/pass"
printf 'wrong horse\n' >"$tmp/wrong"
start_signer() {
	"$signer" --datadir "$tmp/d" --listen-unix "$tmp/sock" --network regtest --kdf-memory 8192 --kdf-passes 1 "$@" \
		2>>"$tmp/signer.log" &
	spid=$!
	pids+=($spid)
	for _ in $(seq 200); do
		"$coffer" signer status --socket "$tmp/sock" >"$tmp/status" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "signer did not come up: $(cat "$tmp/signer.log")"
}
stop_signer() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; rm -f "$tmp/sock"; }
start_signer
"$coffer" signer create --socket "$tmp/sock" --passphrase-file "$tmp/pass" --words 12 >/dev/null 2>&1 ||
	fail "signer create"
stop_signer
# A signer started as root hands its directory to its unprivileged user; enrollment runs as the
# directory's owner (docs/deploy/home-tpm.md: sudo -u coffer-signer). Here: take it back.
[ "$(id -u)" -ne 0 ] || chown -R 0:0 "$tmp/d/signer"

expect 1 "enroll with a wrong passphrase" "$coffer" autounlock enroll --datadir "$tmp/d" --passphrase-file "$tmp/wrong" --tcti "$tcti"
[ ! -e "$tmp/d/signer/autounlock" ] || fail "a wrong passphrase was sealed"
expect 0 "enroll" "$coffer" autounlock enroll --datadir "$tmp/d" --passphrase-file "$tmp/pass" --tcti "$tcti" --pcrs 0,7
expect 0 "check" "$coffer" autounlock check --datadir "$tmp/d" --tcti "$tcti"
grep -q '^ok: ' "$tmp/out" || fail "check: no ok line"
expect 1 "check with sev-snp (sealed with tpm2)" "$coffer" autounlock check --datadir "$tmp/d" --backend sev-snp
grep -q 'sealed with tpm2' "$tmp/err" || fail "check, other backend: reason"

# The signer unlocks itself at start, and its status says so.
start_signer --seal tpm2 --tcti "$tcti"
grep -q '^state: unlocked$' "$tmp/status" || fail "signer --seal tpm2: not unlocked: $(cat "$tmp/status")"
grep -q '^note: unlocked at start' "$tmp/status" || fail "signer --seal tpm2: no note"
pass=$((pass + 2))
stop_signer

expect 0 "remove" "$coffer" autounlock remove --datadir "$tmp/d"
expect 1 "check after remove" "$coffer" autounlock check --datadir "$tmp/d" --tcti "$tcti"
start_signer --seal tpm2 --tcti "$tcti"
grep -q '^state: locked$' "$tmp/status" || fail "signer without an enrolled file: not locked"
grep -q '^note: waiting for a passphrase: .*not enrolled' "$tmp/status" || fail "signer: no reason in status"
pass=$((pass + 2))
stop_signer
echo "ok: autounlock ($pass checks)"
