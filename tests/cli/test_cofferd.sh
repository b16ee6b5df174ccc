#!/usr/bin/env bash
# cofferd end to end over real HTTP (curl): start-up on a free loopback port
# with a temporary datadir, health/info/metrics/OpenAPI, authentication and
# scopes, a bad-input suite (each answer a 4xx with a stable code, never a
# 5xx, the daemon survives), limits (413, 405, 404, 429), CORS, TLS, the
# single-instance lock, configuration errors, SIGTERM (exit 0) and restarts.
# Token routes need an unlocked wallet, hence the signer; that part runs when
# the signer protocol is available and says SKIP otherwise.
# $1 = path of the coffer binary (cofferd sits beside it), $2 = the shared/ folder.
set -euo pipefail
coffer=$1
cofferd=${COFFERD_BIN:-$(dirname "$coffer")/cofferd}
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0 passes=0 skips=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
skip() { echo "SKIP: $*"; skips=$((skips + 1)); }
[ -x "$cofferd" ] || { echo "FAIL: no cofferd at $cofferd" >&2; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is needed" >&2; exit 1; }

# start NAME ARGS...: run cofferd in the background, wait for "listening on",
# set PID, URL, PORT. The log is $tmp/NAME.log.
start() {
	local name=$1 i t0 t1
	shift
	t0=$(date +%s%N)
	"$cofferd" "$@" 2>"$tmp/$name.log" &
	PID=$!
	pids+=("$PID")
	for i in $(seq 1 100); do
		if grep -q 'listening on' "$tmp/$name.log" 2>/dev/null; then break; fi
		if ! kill -0 "$PID" 2>/dev/null; then break; fi
		sleep 0.02
	done
	t1=$(date +%s%N)
	URL=$(grep -o 'listening on [a-z]*://[^ ]*' "$tmp/$name.log" | head -1 | sed 's/listening on //') || true
	if [ -z "$URL" ]; then
		bad "$name: cofferd did not start: $(cat "$tmp/$name.log")"
		return 1
	fi
	PORT=${URL##*:}
	STARTUP_MS=$(((t1 - t0) / 1000000))
}

# stop PID: SIGTERM, then its exit status must be 0 within 5 s.
stop() {
	local pid=$1 rc=0 i
	kill -TERM "$pid"
	for i in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$pid" 2>/dev/null; then bad "cofferd $pid did not stop on SIGTERM"; kill -9 "$pid"; fi
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] && ok || bad "cofferd exited $rc on SIGTERM, want 0"
}

# req METHOD PATH [curl args...]: sets STATUS, BODY ($tmp/body), HEADERS ($tmp/headers).
statuses=()
req() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -sS -g -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" "$@" "$URL$path" 2>"$tmp/curl.err") ||
		STATUS=000
	statuses+=("$STATUS $method $path")
}
code() { node -e 'try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	console.log(j.error && Object.keys(j).length === 1 && Object.keys(j.error).length === 2 &&
		typeof j.error.message === "string" ? j.error.code : "BADSHAPE") } catch (e) { console.log("NOTJSON") }' "$tmp/body"; }
field() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	const v = new Function("j", "return " + process.argv[2])(j); console.log(v === null ? "null" : v)' "$tmp/body" "$1"; }
header() { tr -d '\r' <"$tmp/headers" | awk -v h="$1" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(h) ":") == 1 {sub(/^[^:]*: */, ""); print}'; }
# expect STATUS CODE METHOD PATH [curl args...]: an error answer with this status and code.
expect() {
	local want=$1 wcode=$2
	shift 2
	req "$@"
	local got
	got=$(code)
	if [ "$STATUS" = "$want" ] && [ "$got" = "$wcode" ]; then ok; else bad "$*: got $STATUS $got, want $want $wcode: $(head -c 300 "$tmp/body")"; fi
}

dd=$tmp/d
start main --datadir "$dd" --listen 127.0.0.1:0 --log-level debug || exit 1
main=$PID
[ "$STARTUP_MS" -lt 1000 ] && ok || bad "start-up took ${STARTUP_MS} ms"
echo "cofferd started in ${STARTUP_MS} ms on $URL"

# Files: datadir 0700, admin token 0600 and 64 hex, lock file with our pid.
[ "$(stat -c %a "$dd")" = 700 ] && ok || bad "datadir mode $(stat -c %a "$dd")"
[ "$(stat -c %a "$dd/auth_token")" = 600 ] && ok || bad "auth_token mode"
grep -qxE '[0-9a-f]{64}' "$dd/auth_token" && ok || bad "auth_token contents"
[ "$(cat "$dd/cofferd.lock")" = "$main" ] && ok || bad "lock file does not name pid $main"
grep -q "generated the admin token" "$tmp/main.log" && ok || bad "no log line about the new token"
ADMIN=$(cat "$dd/auth_token")
AUTH=(-H "Authorization: Bearer $ADMIN")
if grep -q "$ADMIN" "$tmp/main.log"; then bad "the admin token appears in the log"; else ok; fi

# Health and info.
req GET /v1/health
[ "$STATUS" = 200 ] && [ "$(field j.status)" = ok ] && ok || bad "health: $STATUS $(cat "$tmp/body")"
[ "$(header Cache-Control)" = no-store ] && ok || bad "no Cache-Control: no-store"
[ "$(header Content-Type)" = application/json ] && ok || bad "health content type"
expect 401 unauthorized GET /v1/info
[ "$(header WWW-Authenticate)" = Bearer ] && ok || bad "401 without WWW-Authenticate: Bearer"
req GET /v1/info "${AUTH[@]}"
[ "$STATUS" = 200 ] && ok || bad "info: $STATUS"
[ "$(field j.network)" = signet ] && ok || bad "info network $(field j.network)"
[ "$(field j.version)" = "$("$cofferd" --version | awk '{print $2}')" ] && ok || bad "info version"
# The signer starts beside cofferd when it is built; without it the wallet is "unavailable" and the log says why.
if [ -x "$(dirname "$cofferd")/coffer-signer" ]; then
	[ "$(field j.signer.state)" = uninitialized ] && ok || bad "signer state $(field j.signer.state), want uninitialized"
else
	[ "$(field j.signer.state)" = unavailable ] && ok || bad "signer state $(field j.signer.state), want unavailable"
	grep -q 'cannot start the signer .*coffer-signer: No such file' "$tmp/main.log" && ok || bad "no log line about the missing signer"
fi
[ "$(field j.chain.backend)" = esplora ] && [ "$(field j.chain.connected)" = false ] && ok || bad "chain: $(cat "$tmp/body")"

# The OpenAPI document served is the one in docs/.
req GET /v1/openapi.json
[ "$STATUS" = 200 ] && cmp -s "$tmp/body" "$src/docs/openapi.json" && ok || bad "served OpenAPI differs from docs/openapi.json"

# Bad-input suite: every answer a 4xx with a stable code.
expect 404 not_found GET /v1/nope
expect 404 not_found GET /v1/health/
expect 404 not_found GET '/v1/health%00'
expect 404 not_found GET '/v1/%2e%2e/v1/health'
expect 404 not_found GET "/v1/$(head -c 3000 /dev/zero | tr '\0' a)"
expect 405 method_not_allowed POST /v1/health -H 'Content-Type: application/json' -d '{}'
[ "$(header Allow)" = GET ] && ok || bad "405 without Allow: GET"
expect 405 method_not_allowed PUT /v1/tokens "${AUTH[@]}"
expect 405 method_not_allowed OPTIONS /v1/info -H 'Origin: https://evil.example'
[ -z "$(header Access-Control-Allow-Origin)" ] && ok || bad "CORS header without configured origins"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' --head "$URL/v1/health" 2>/dev/null) || STATUS=000
[ "${STATUS:0:1}" = 4 ] && ok || bad "HEAD: $STATUS"
expect 401 unauthorized GET /v1/info -H 'Authorization: Bearer'
expect 401 unauthorized GET /v1/info -H 'Authorization: Basic YWRtaW46YWRtaW4='
expect 401 unauthorized GET /v1/info -H "Authorization: Bearer ${ADMIN}x"
expect 401 unauthorized GET /v1/info -H "Authorization: Bearer ${ADMIN^^}"
expect 401 unauthorized GET /v1/info "${AUTH[@]}" -H "Authorization: Bearer $ADMIN"
expect 423 wallet_locked GET /v1/info -H "Authorization: Bearer ct1_0123456789abcdef_$ADMIN"
# Bodies: over the cap (a route that takes none), chunked, and before authentication.
head -c 2048 /dev/zero | tr '\0' ' ' >"$tmp/2k"
expect 413 body_too_large GET /v1/info "${AUTH[@]}" -H 'Content-Type: application/json' --data-binary "@$tmp/2k"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/2m"
expect 401 unauthorized POST /v1/tokens -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
	--data-binary "@$tmp/2m"
# A chunked body over the cap cannot be answered mid-upload: the connection is closed.
req GET /v1/info "${AUTH[@]}" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/2k"
[ "${STATUS:0:1}" != 5 ] && [ "${STATUS:0:1}" != 2 ] && ok || bad "chunked body where none is taken: $STATUS"
# Huge headers: refused by the server's per-connection memory cap.
req GET /v1/health -H "X-Junk: $(head -c 100000 /dev/zero | tr '\0' a)"
case $STATUS in 4* | 000) ok ;; *) bad "100 kB header: $STATUS" ;; esac
# Malformed HTTP straight on the socket.
if command -v nc >/dev/null; then
	printf 'GARBAGE\r\n\r\n' | timeout 3 nc -q 1 127.0.0.1 "$PORT" >"$tmp/raw" 2>/dev/null || true
	if grep -q ' 5[0-9][0-9] ' "$tmp/raw"; then bad "garbage request got a 5xx"; else ok; fi
fi
req GET /v1/health
[ "$STATUS" = 200 ] && ok || bad "daemon did not survive the bad-input suite: $STATUS"
kill -0 "$main" && ok || bad "cofferd died"

# Metrics: counters by route and status.
req GET /metrics "${AUTH[@]}"
[ "$STATUS" = 200 ] && ok || bad "metrics: $STATUS"
grep -q '^coffer_http_requests_total{method="GET",route="/v1/health",status="200"} [1-9]' "$tmp/body" && ok || bad "metrics: no health counter"
grep -q 'route="unmatched",status="404"' "$tmp/body" && ok || bad "metrics: no 404 counter"
grep -q '^coffer_auth_failures_total [1-9]' "$tmp/body" && ok || bad "metrics: no auth failures"
grep -q '^coffer_uptime_seconds [0-9]' "$tmp/body" && ok || bad "metrics: no uptime"
case $(header Content-Type) in text/plain*) ok ;; *) bad "metrics content type $(header Content-Type)" ;; esac

# Single instance.
rc=0
"$cofferd" --datadir "$dd" --listen 127.0.0.1:0 2>"$tmp/second.log" || rc=$?
[ "$rc" -eq 1 ] && grep -q "another cofferd (pid $main)" "$tmp/second.log" && ok || bad "second instance: exit $rc: $(cat "$tmp/second.log")"

# Repeated failures from one address are slowed down (and logged without the token).
for i in $(seq 1 30); do
	req GET /v1/info -H "Authorization: Bearer guess$i"
	[ "$STATUS" = 429 ] && break
done
[ "$STATUS" = 429 ] && [ "$(code)" = rate_limited ] && ok || bad "no 429 after $i failures"
expect 429 rate_limited GET /v1/info "${AUTH[@]}"
[ -n "$(header Retry-After)" ] && ok || bad "429 without Retry-After"
grep -q 'authentication failure from 127.0.0.1' "$tmp/main.log" && ok || bad "auth failures not logged"
if grep -q 'guess1' "$tmp/main.log"; then bad "a presented token appears in the log"; else ok; fi
req GET /v1/health
[ "$STATUS" = 200 ] && ok || bad "health while rate limited: $STATUS"
for i in $(seq 1 40); do
	req GET /v1/info "${AUTH[@]}"
	[ "$STATUS" = 429 ] || break
	sleep 1
done
[ "$STATUS" = 200 ] && ok || bad "still refused after the slow-down: $STATUS"

# Token routes need the unlocked wallet (the store is encrypted under the signer's key).
req GET /v1/tokens "${AUTH[@]}"
if [ "$STATUS" = 423 ]; then
	skip "token routes, scopes and restarts with tokens: the wallet cannot be unlocked without the signer"
else
	bad "GET /v1/tokens while locked: $STATUS"
fi

# No answer was a 5xx.
five=$(printf '%s\n' "${statuses[@]}" | grep '^5' || true)
[ -z "$five" ] && ok || bad "5xx answers: $five"

stop "$main"
grep -q 'SIGTERM received' "$tmp/main.log" && grep -q 'stopped' "$tmp/main.log" && ok || bad "no clean shutdown in the log"

# Restart: same token file, same admin token works.
start restart --datadir "$dd" --listen 127.0.0.1:0 || exit 1
[ "$(cat "$dd/auth_token")" = "$ADMIN" ] && ok || bad "admin token changed on restart"
if grep -q "generated the admin token" "$tmp/restart.log"; then bad "token regenerated on restart"; else ok; fi
req GET /v1/info "${AUTH[@]}"
[ "$STATUS" = 200 ] && ok || bad "admin token after restart: $STATUS"
stop "$PID"

# coffer.conf: flags win, the file's keys apply, bad values stop start-up quoting them.
printf 'network = regtest\n# a comment\nlog-level = warn\n' >"$dd/coffer.conf"
chmod 600 "$dd/coffer.conf"
start conf --datadir "$dd" --listen 127.0.0.1:0 --network testnet || exit 1
req GET /v1/info "${AUTH[@]}"
[ "$(field j.network)" = testnet ] && ok || bad "flag did not win over coffer.conf: $(field j.network)"
stop "$PID"
start conf2 --datadir "$dd" --listen 127.0.0.1:0 || exit 1
req GET /v1/info "${AUTH[@]}"
[ "$(field j.network)" = regtest ] && [ "$(field j.chain.backend)" = none ] && ok || bad "coffer.conf network not applied"
stop "$PID"
# expect_exit STATUS PATTERN ARGS...: cofferd must exit STATUS at once with a "cofferd: " line matching PATTERN.
expect_exit() {
	local want=$1 pat=$2 rc=0
	shift 2
	timeout 10 "$cofferd" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq "$want" ] && grep -q "^cofferd: .*$pat" "$tmp/err"; then ok; else bad "cofferd $*: exit $rc, stderr: $(cat "$tmp/err")"; fi
}
printf 'network = dogecoin\n' >"$dd/coffer.conf"
expect_exit 2 'coffer.conf:1: bad value for network: "dogecoin"' --datadir "$dd" --listen 127.0.0.1:0
printf 'netwerk = signet\n' >"$dd/coffer.conf"
expect_exit 2 'unknown key "netwerk"' --datadir "$dd" --listen 127.0.0.1:0
rm "$dd/coffer.conf"
expect_exit 2 'unknown flag "--port"' --datadir "$dd" --port 7420
expect_exit 2 'bad value for listen: "127.0.0.1:99999"' --datadir "$dd" --listen 127.0.0.1:99999
expect_exit 2 'not a loopback address' --datadir "$dd" --listen 0.0.0.0:0
expect_exit 2 'bad value for max-connections: "0x10"' --datadir "$dd" --max-connections 0x10
mkdir -m 755 "$tmp/shared"
expect_exit 2 'chmod 700' --datadir "$tmp/shared" --listen 127.0.0.1:0
"$cofferd" --help | grep -q -- '--datadir' && ok || bad "--help"

# An explicit --insecure-listen allows plain HTTP beyond loopback (with a warning).
start insecure --datadir "$dd" --listen 0.0.0.0:0 --insecure-listen || exit 1
grep -q 'plain HTTP on a non-loopback address' "$tmp/insecure.log" && ok || bad "no warning for --insecure-listen"
URL=http://127.0.0.1:$PORT
req GET /v1/health
[ "$STATUS" = 200 ] && ok || bad "insecure listen health: $STATUS"
stop "$PID"

# CORS only for configured origins.
start cors --datadir "$dd" --listen 127.0.0.1:0 --cors-origins https://app.example || exit 1
req GET /v1/health -H 'Origin: https://app.example'
[ "$(header Access-Control-Allow-Origin)" = https://app.example ] && ok || bad "no CORS header for a configured origin"
req GET /v1/health -H 'Origin: https://evil.example'
[ -z "$(header Access-Control-Allow-Origin)" ] && ok || bad "CORS header for another origin"
req OPTIONS /v1/info -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: GET'
[ "$STATUS" = 204 ] && [ "$(header Access-Control-Allow-Methods)" = GET ] && ok || bad "preflight: $STATUS"
stop "$PID"

# A signer that cannot start is reported, not fatal.
start nosigner --datadir "$dd" --listen 127.0.0.1:0 --signer /nonexistent/coffer-signer || exit 1
grep -q 'cannot start the signer /nonexistent/coffer-signer' "$tmp/nosigner.log" && ok || bad "missing signer not logged"
req GET /v1/info "${AUTH[@]}"
[ "$(field j.signer.state)" = unavailable ] && ok || bad "signer state with a missing signer: $(field j.signer.state)"
stop "$PID"

# IPv6 loopback, when the machine has it.
if [ -f /proc/net/if_inet6 ] && start v6 --datadir "$dd" --listen '[::1]:0' 2>/dev/null; then
	req GET /v1/health
	[ "$STATUS" = 200 ] && ok || bad "IPv6 health: $STATUS"
	stop "$PID"
else
	skip "no IPv6 loopback on this machine"
fi

# TLS with a self-signed certificate.
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
	start tls --datadir "$dd" --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" || exit 1
	case $URL in https://*) ok ;; *) bad "TLS listener logged $URL" ;; esac
	req GET /v1/health --cacert "$tmp/cert.pem"
	[ "$STATUS" = 200 ] && ok || bad "TLS health: $STATUS $(cat "$tmp/curl.err")"
	req GET /v1/info --cacert "$tmp/cert.pem" "${AUTH[@]}"
	[ "$STATUS" = 200 ] && ok || bad "TLS info: $STATUS"
	stop "$PID"
	expect_exit 1 'tls' --datadir "$dd" --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/cert.pem"
	# A self-signed certificate cofferd makes once, keeps, and names by fingerprint.
	start selfsigned --datadir "$dd" --listen 127.0.0.1:0 --tls-self-signed || exit 1
	fp=$(grep -o 'SHA-256 fingerprint [0-9A-F:]*' "$tmp/selfsigned.log" | awk '{print $3}')
	[ "$fp" = "$(openssl x509 -in "$dd/tls/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)" ] && ok ||
		bad "logged fingerprint $fp is not the certificate's"
	[ "$(stat -c %a "$dd/tls/key.pem")" = 600 ] && [ "$(stat -c %a "$dd/tls")" = 700 ] && ok || bad "tls key/dir modes"
	req GET /v1/health --cacert "$dd/tls/cert.pem"
	[ "$STATUS" = 200 ] && ok || bad "self-signed TLS health: $STATUS $(cat "$tmp/curl.err")"
	stop "$PID"
	start selfsigned2 --datadir "$dd" --listen 127.0.0.1:0 --tls-self-signed || exit 1
	grep -q "the self-signed certificate .*$fp" "$tmp/selfsigned2.log" && ok || bad "certificate not reused on restart"
	stop "$PID"
	expect_exit 2 'choose one' --datadir "$dd" --listen 127.0.0.1:0 --tls-self-signed --tls-cert "$tmp/cert.pem" \
		--tls-key "$tmp/key.pem"
else
	skip "no openssl for the TLS test"
fi

echo "test_cofferd: $passes passed, $fails failed, $skips skipped"
[ "$fails" -eq 0 ]
