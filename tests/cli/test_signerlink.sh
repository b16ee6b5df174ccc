#!/usr/bin/env bash
# How cofferd reaches its signer: --signer-connect to a standalone coffer-signer
# on a unix socket (info shows the signer's state, create and unlock go through
# it, a restarted cofferd finds the wallet), the options passed to a spawned
# signer (--signer-tee/--signer-seal/...), and configuration errors (bad values
# quoted, signer-connect with signer or with spawn options refused).
# $1 = path of the coffer binary (cofferd and coffer-signer sit beside it), $2 = the shared/ folder.
set -euo pipefail
coffer=$1
bin=$(dirname "$coffer")
cofferd=${COFFERD_BIN:-$bin/cofferd}
signer=$bin/coffer-signer
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
[ -x "$cofferd" ] && [ -x "$signer" ] || { echo "FAIL: no cofferd/coffer-signer in $bin" >&2; exit 1; }

# start NAME ARGS...: cofferd in the background until "listening on"; sets PID, URL.
start() {
	local name=$1
	shift
	"$cofferd" "$@" 2>"$tmp/$name.log" &
	PID=$!
	pids+=("$PID")
	for _ in $(seq 1 500); do
		grep -q 'listening on' "$tmp/$name.log" 2>/dev/null && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.02
	done
	URL=$(grep -o 'listening on [a-z]*://[^ ]*' "$tmp/$name.log" | head -1 | sed 's/listening on //') || true
	[ -n "$URL" ] || { bad "$name: cofferd did not start: $(cat "$tmp/$name.log")"; return 1; }
}
stop() {
	kill -TERM "$1"
	wait "$1" && ok || bad "cofferd $1 did not exit 0 on SIGTERM"
}
# refused WHAT WANT ARGS...: cofferd must exit non-zero at start with WANT in its error.
refused() {
	local what=$1 want=$2 rc=0
	shift 2
	timeout 20 "$cofferd" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then bad "$what: exit $rc, want a refusal"; return; fi
	grep -qF -- "$want" "$tmp/err" && ok || bad "$what: error lacks '$want': $(cat "$tmp/err")"
}
req() { # METHOD PATH [BODY]: sets STATUS and $tmp/body
	local extra=()
	[ $# -ge 3 ] && extra=(-H 'Content-Type: application/json' --data "$3")
	STATUS=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $ADMIN" "${extra[@]}" "$URL$2")
}
has() { grep -qF -- "$1" "$tmp/body"; }

# 1. A standalone signer on a unix socket.
sd=$tmp/signer dd=$tmp/daemon sock=$tmp/signer.sock
mkdir -m 700 "$sd" "$dd"
"$signer" --datadir "$sd" --listen-unix "$sock" --network regtest --kdf-memory 8192 --kdf-passes 1 \
	--tee none 2>>"$tmp/signer.log" &
SPID=$!
pids+=("$SPID")
for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "FAIL: signer did not come up: $(cat "$tmp/signer.log")" >&2; exit 1; }

start connect --datadir "$dd" --network regtest --listen 127.0.0.1:0 --signer-connect "unix:$sock" || exit 1
ADMIN=$(cat "$dd/auth_token")
req GET /v1/info
[ "$STATUS" = 200 ] && has '"signer":{"state":"uninitialized"' && ok || bad "info via socket: $STATUS $(cat "$tmp/body")"
req POST /v1/wallet/create '{"passphrase":"link test pass","words":12}'
[ "$STATUS" = 201 ] && has '"state":"unlocked"' && ok || bad "create via socket: $STATUS $(cat "$tmp/body")"
[ -n "$(ls -A "$sd")" ] && ok || bad "the standalone signer's datadir holds no keystore"
req POST /v1/wallet/lock
[ "$STATUS" = 200 ] && ok || bad "lock: $STATUS $(cat "$tmp/body")"
req POST /v1/wallet/unlock '{"passphrase":"wrong"}'
[ "$STATUS" = 403 ] && ok || bad "wrong passphrase via socket: $STATUS"
req POST /v1/wallet/unlock '{"passphrase":"link test pass"}'
[ "$STATUS" = 200 ] && has '"state":"unlocked"' && ok || bad "unlock via socket: $STATUS $(cat "$tmp/body")"
grep -q "signer-connect\|connect" "$tmp/connect.log" || true
stop "$PID"
kill -0 "$SPID" 2>/dev/null && ok || bad "the standalone signer ended with cofferd"

# A new cofferd on the same signer: it may find it unlocked (the signer keeps its session).
start again --datadir "$dd" --network regtest --listen 127.0.0.1:0 --signer-connect "unix:$sock" || exit 1
req GET /v1/info
[ "$STATUS" = 200 ] && has '"state":"unlocked"' && ok || bad "info after reconnect: $STATUS $(cat "$tmp/body")"
# ... with its store open: a new address comes from the store and the signer's descriptors.
req POST /v1/wallet/addresses '{}'
[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ] && has '"address":"bcrt1' && ok ||
	bad "address after reconnect: $STATUS $(cat "$tmp/body")"
stop "$PID"

# Nothing listening: a clear start-up log line, cofferd still answers (no signer).
start nosock --datadir "$dd" --network regtest --listen 127.0.0.1:0 --signer-connect "unix:$tmp/none.sock" || exit 1
grep -q "cannot connect to the signer at unix:$tmp/none.sock" "$tmp/nosock.log" && ok ||
	bad "no log about the missing signer socket: $(cat "$tmp/nosock.log")"
stop "$PID"

# 2. Options passed to the signer cofferd starts.
d2=$tmp/spawned
mkdir -m 700 "$d2"
start tee --datadir "$d2" --network regtest --listen 127.0.0.1:0 --signer-tee none --signer-seal none \
	--signer-kdf-memory 8192 --signer-kdf-passes 1 || exit 1
ADMIN=$(cat "$d2/auth_token")
req GET /v1/info
[ "$STATUS" = 200 ] && has '"tee":"none"' && has '"state":"uninitialized"' && ok ||
	bad "spawned signer with --signer-tee none: $STATUS $(cat "$tmp/body")"
stop "$PID"

# 3. Configuration errors: bad values quoted, conflicts named.
refused "bad signer-tee" 'bad value for signer-tee: "bogus"' --datadir "$d2" --signer-tee bogus
refused "bad signer-seal" 'bad value for signer-seal: "tpm3"' --datadir "$d2" --signer-seal tpm3
refused "bad signer-seal-pcrs" 'bad value for signer-seal-pcrs: "0,24"' --datadir "$d2" --signer-seal-pcrs 0,24
refused "bad signer-connect" 'bad value for signer-connect: "tcp:1.2.3.4:5"' --datadir "$d2" --signer-connect tcp:1.2.3.4:5
refused "relative unix path" 'bad value for signer-connect: "unix:rel.sock"' --datadir "$d2" --signer-connect unix:rel.sock
refused "vsock without port" 'bad value for signer-connect: "vsock:16"' --datadir "$d2" --signer-connect vsock:16
refused "vsock bad cid" 'bad value for signer-connect: "vsock:x:5000"' --datadir "$d2" --signer-connect vsock:x:5000
refused "connect and signer" 'connect to a running signer or start one, not both' --datadir "$d2" \
	--signer-connect "unix:$sock" --signer "$signer"
refused "connect and signer-tee" 'signer-connect unix:' --datadir "$d2" --signer-connect "unix:$sock" --signer-tee none
refused "connect and signer-seal" 'give them to the standalone coffer-signer' --datadir "$d2" \
	--signer-connect vsock:16:5000 --signer-seal tpm2
# The same keys in coffer.conf.
printf 'signer-tee = nope\n' >"$d2/coffer.conf"
chmod 600 "$d2/coffer.conf"
refused "bad signer-tee in coffer.conf" 'bad value for signer-tee: "nope"' --datadir "$d2"
printf 'signer-connect = unix:%s\nsigner-tcti = swtpm:port=1\n' "$sock" >"$d2/coffer.conf"
refused "conflict in coffer.conf" 'signer-connect unix:' --datadir "$d2"
rm -f "$d2/coffer.conf"

# 4. --signer-seal tpm2: the signer cofferd starts unlocks itself from a swtpm, the store opens.
if ! command -v swtpm >/dev/null 2>&1; then
	echo "SKIP: swtpm is not installed (scripts/setup installs it): --signer-seal tpm2 not run"
else
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
	kill -0 $tpmpid 2>/dev/null || { echo "FAIL: swtpm did not start" >&2; exit 1; }
	pids+=("$tpmpid")
	tcti="swtpm:host=127.0.0.1,port=$port"
	d3=$tmp/sealed
	mkdir -m 700 "$d3"
	start create3 --datadir "$d3" --network regtest --listen 127.0.0.1:0 --signer-kdf-memory 8192 \
		--signer-kdf-passes 1 || exit 1
	ADMIN=$(cat "$d3/auth_token")
	req POST /v1/wallet/create '{"passphrase":"sealed pass","words":12}'
	[ "$STATUS" = 201 ] && ok || bad "create for sealing: $STATUS $(cat "$tmp/body")"
	stop "$PID"
	# Enrollment runs as the signer directory's owner (docs/deploy/home-tpm.md); as root: take it back.
	[ "$(id -u)" -ne 0 ] || chown -R 0:0 "$d3/signer"
	printf 'sealed pass\n' >"$tmp/pass3"
	"$coffer" autounlock enroll --datadir "$d3" --passphrase-file "$tmp/pass3" --tcti "$tcti" --pcrs 0,7 \
		>/dev/null 2>"$tmp/enroll.err" && ok || bad "enroll: $(cat "$tmp/enroll.err")"
	start sealed --datadir "$d3" --network regtest --listen 127.0.0.1:0 --signer-seal tpm2 \
		--signer-tcti "$tcti" || exit 1
	req GET /v1/info
	[ "$STATUS" = 200 ] && has '"state":"unlocked"' && ok || bad "--signer-seal tpm2: not unlocked: $(cat "$tmp/body")"
	req POST /v1/wallet/addresses '{}'
	[ "$STATUS" = 201 ] && has '"address":"bcrt1' && ok || bad "address after auto-unlock: $STATUS $(cat "$tmp/body")"
	stop "$PID"
	# Without --signer-seal the same datadir starts locked (the passphrase is needed).
	start unsealed --datadir "$d3" --network regtest --listen 127.0.0.1:0 || exit 1
	req GET /v1/info
	has '"state":"locked"' && ok || bad "without --signer-seal: $(cat "$tmp/body")"
	stop "$PID"
fi

echo "signerlink: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
