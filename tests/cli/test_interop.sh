#!/usr/bin/env bash
# Interop: drive the coffer CLI against @scure/bip39, @scure/bip32 and
# @scure/btc-signer (an independent implementation) with Node's test runner.
# CTest passes $1 = path of the coffer binary, $2 = the shared/ folder.
# COFFER_INTEROP_SCALE=10 runs ten times as many cases; COFFER_INTEROP_SEED
# replays a run (each run prints its seed).
set -euo pipefail
here=$(cd "$(dirname "$0")/../interop" && pwd)
coffer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shared=$(cd "${2:-$here/../../../shared}" && pwd)
bash "$here/setup"
cd "$here"
export COFFER_BIN=$coffer COFFER_SHARED_DIR=$shared
export COFFER_INTEROP_SEED=${COFFER_INTEROP_SEED:-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}
echo "interop: seed $COFFER_INTEROP_SEED, scale ${COFFER_INTEROP_SCALE:-1}, $(node --version)"
exec node --test --test-concurrency=1 --test-reporter=spec test/
