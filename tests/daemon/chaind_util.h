/*
 * Test helpers around the regtest chain double (tests/chaind): start it on an
 * ephemeral loopback port, drive its control endpoints, stop it. The double
 * gets a pipe on its stdin and exits when that pipe closes, so even a test
 * that crashes cannot leave it running.
 *
 * Also a tiny wallet for tests: BIP84 wpkh and BIP86 tr descriptors from a
 * fixed seed, and P2WPKH / P2TR key-path signing with the wallet core.
 */
#ifndef COFFER_TESTS_CHAIND_UTIL_H
#define COFFER_TESTS_CHAIND_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "btc/bip32.h"
#include "btc/descriptor.h"
#include "btc/hash.h"
#include "btc/sighash.h"
#include "btc/sign.h"
#include "btc/tx.h"
#include "common/encoding.h"
#include "common/secmem.h"
#include "daemon/chain_int.h"

struct chaind {
	pid_t pid;
	int lifeline;			/* write end of the double's stdin */
	char url[64];
	struct chain_http ctl;		/* for the control endpoints */
};

/* Install the double's node_modules when missing (a dev build without make check). */
static inline int
chaind_setup(void)
{
	char cmd[1024];
	struct stat st;

	snprintf(cmd, sizeof(cmd), "%s/tests/chaind/node_modules/@scure/btc-signer", COFFER_SOURCE_DIR);
	if (stat(cmd, &st) == 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "bash '%s/tests/chaind/setup'", COFFER_SOURCE_DIR);
	return system(cmd) == 0 ? 0 : -1;
}

static inline int
chaind_start(struct chaind *d)
{
	int in[2], out[2];
	char script[1024], line[64];
	size_t n = 0;
	unsigned port;
	struct chain_opts o;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	d->lifeline = -1;
	if (chaind_setup() != 0) {
		fprintf(stderr, "chaind: tests/chaind/setup failed (npm ci)\n");
		return -1;
	}
	snprintf(script, sizeof(script), "%s/tests/chaind/server.js", COFFER_SOURCE_DIR);
	if (pipe(in) != 0 || pipe(out) != 0)
		return -1;
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	if ((d->pid = fork()) < 0)
		return -1;
	if (d->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(out[1]);
		execlp("node", "node", script, "--stdin-lifeline", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	d->lifeline = in[1];
	/* First line: "PORT <n>". */
	while (n + 1 < sizeof(line)) {
		ssize_t k = read(out[0], line + n, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	if (sscanf(line, "PORT %u", &port) != 1 || port == 0 || port > 65535) {
		fprintf(stderr, "chaind: did not start (got \"%s\"); is node installed?\n", line);
		return -1;
	}
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%u", port);
	memset(&o, 0, sizeof(o));
	o.url = d->url;
	return chain_http_init(&d->ctl, &o) == 0 ? 0 : -1;
}

static inline void
chaind_stop(struct chaind *d)
{
	int st;

	if (d->lifeline >= 0)
		close(d->lifeline);
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (d->ctl.base != NULL)
		chain_http_free(&d->ctl);
	d->pid = -1;
	d->lifeline = -1;
}

/* POST a JSON body to a control endpoint; returns the parsed answer or NULL. */
static inline json_t *
chaind_post(struct chaind *d, const char *path, const char *body)
{
	struct chain_http_resp r;
	json_t *j = NULL;

	if (chain_http_request(&d->ctl, &r, "POST", path, "application/json", (const uint8_t *)body,
	    strlen(body)) != 0)
		return NULL;
	if (r.status == 200)
		j = json_loadb((const char *)r.body.p, r.body.len, 0, NULL);
	else
		fprintf(stderr, "chaind: POST %s -> %ld %.*s\n", path, r.status, (int)r.body.len,
		    (const char *)r.body.p);
	chain_http_resp_free(&r);
	return j;
}

static inline int
chaind_mine(struct chaind *d, int blocks)
{
	char b[64];
	json_t *j;

	snprintf(b, sizeof(b), "{\"blocks\":%d}", blocks);
	j = chaind_post(d, "/mine", b);
	json_decref(j);
	return j != NULL ? 0 : -1;
}

/* Faucet amount to address; the txid (display hex) into txid[65]. */
static inline int
chaind_faucet(struct chaind *d, char txid[65], const char *address, int64_t amount)
{
	char b[256];
	json_t *j;
	const char *t;
	int r = -1;

	snprintf(b, sizeof(b), "{\"address\":\"%s\",\"amount_sat\":%lld}", address, (long long)amount);
	if ((j = chaind_post(d, "/faucet", b)) == NULL)
		return -1;
	t = json_string_value(json_object_get(j, "txid"));
	if (t != NULL && strlen(t) == 64) {
		memcpy(txid, t, 65);
		r = 0;
	}
	json_decref(j);
	return r;
}

/* ---- a test wallet --------------------------------------------------------- */

struct twallet {
	struct bip32_key account;	/* m/purpose'/1'/0', private */
	struct descriptor *desc[2];	/* public receive (/0/ *) and change (/1/ *) */
	int taproot;
};

static inline int
twallet_init(struct twallet *w, uint8_t seed_byte, int taproot)
{
	uint8_t seed[32];
	uint32_t path[3] = { (taproot ? 86u : 84u) | BIP32_HARDENED, 1u | BIP32_HARDENED, BIP32_HARDENED };
	struct bip32_key m;
	char xpub[BIP32_XKEY_BUFSIZE], s[256];
	int i, r;

	memset(w, 0, sizeof(*w));
	w->taproot = taproot;
	memset(seed, seed_byte, sizeof(seed));
	if ((r = bip32_master_from_seed(&m, seed, sizeof(seed), BTC_REGTEST)) != 0 ||
	    (r = bip32_derive_path(&w->account, &m, path, 3)) != 0)
		return r;
	bip32_key_wipe(&m);
	{
		struct bip32_key pub;

		if ((r = bip32_neuter(&pub, &w->account)) != 0 || (r = bip32_xpub_encode(xpub, &pub)) != 0)
			return r;
	}
	for (i = 0; i < 2; i++) {
		snprintf(s, sizeof(s), "%s(%s/%d/*)", taproot ? "tr" : "wpkh", xpub, i);
		if ((r = desc_parse(&w->desc[i], s, strlen(s), BTC_REGTEST)) != 0)
			return r;
	}
	return 0;
}

static inline void
twallet_free(struct twallet *w)
{
	desc_free(w->desc[0]);
	desc_free(w->desc[1]);
	bip32_key_wipe(&w->account);
}

static inline int
twallet_address(char out[100], const struct twallet *w, int d, uint32_t i)
{
	return desc_derive_address(out, 100, w->desc[d], 0, i);
}

/* Private key of (d, i). */
static inline int
twallet_key(uint8_t sk[32], const struct twallet *w, int d, uint32_t i)
{
	struct bip32_key a, b;
	int r;

	if ((r = bip32_derive_child(&a, &w->account, (uint32_t)d)) != 0 ||
	    (r = bip32_derive_child(&b, &a, i)) != 0)
		return r;
	memcpy(sk, b.priv, 32);
	bip32_key_wipe(&a);
	bip32_key_wipe(&b);
	return 0;
}

/* Sign every input of tx; spent[k] is what input k spends and who[k] = (d, i). */
static inline int
twallet_sign(struct tx *tx, const struct twallet *w, const struct tx_out *spent, const uint32_t (*who)[2])
{
	struct sighash_cache c;
	uint8_t sk[32], msg[32], pub[33], der[SIGN_DER_MAX + 1], sig[64], h[20];
	uint8_t code[25] = { 0x76, 0xa9, 0x14 };
	size_t k, publen, derlen;
	int r;

	if ((r = sighash_cache_init(&c, tx, spent, tx->n_in)) != 0)
		return r;
	for (k = 0; k < tx->n_in; k++) {
		if ((r = twallet_key(sk, w, (int)who[k][0], who[k][1])) != 0)
			return r;
		tx_witness_clear(&tx->in[k].witness);
		if (w->taproot) {
			if ((r = sighash_taproot(msg, &c, k, SIGHASH_DEFAULT, NULL, 0, NULL, 0)) != 0 ||
			    (r = sign_schnorr_keypath(sig, msg, sk, NULL, NULL)) != 0 ||
			    (r = tx_witness_push(&tx->in[k].witness, sig, 64)) != 0)
				return r;
		} else {
			if ((r = sign_pubkey(pub, &publen, sk, 1)) != 0)
				return r;
			hash160(h, pub, 33);
			memcpy(code + 3, h, 20);
			code[23] = 0x88;
			code[24] = 0xac;
			if ((r = sighash_segwit_v0(msg, &c, k, code, sizeof(code), spent[k].value, SIGHASH_ALL)) != 0 ||
			    (r = sign_ecdsa_der(der, &derlen, msg, sk)) != 0)
				return r;
			der[derlen++] = SIGHASH_ALL;
			if ((r = tx_witness_push(&tx->in[k].witness, der, derlen)) != 0 ||
			    (r = tx_witness_push(&tx->in[k].witness, pub, 33)) != 0)
				return r;
		}
		secure_wipe(sk, sizeof(sk));
	}
	return 0;
}

#endif
