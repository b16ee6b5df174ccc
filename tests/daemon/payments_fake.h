/*
 * A fake chain and signer behind struct payments_backend, for the payment
 * engine's tests: a confirmed UTXO set of the fixture wallet, a mempool with
 * BIP125 replacement (rules 3 and 4 checked), mining, and a signer that signs
 * with the fixture's master key (or refuses, on demand). Its utxos() lists
 * confirmed coins even when a mempool transaction spends them, as a backend
 * that has not seen the spend yet would: only the engine's reservations keep
 * two payments apart.
 */
#ifndef COFFER_TESTS_PAYMENTS_FAKE_H
#define COFFER_TESTS_PAYMENTS_FAKE_H

#include <pthread.h>

#include "btc/psbt.h"
#include "btc/tx.h"
#include "common/err.h"
#include "daemon/payments.h"
#include "wallet/bump.h"
#include "wallet/wallet_fixture.h"

#define FAKE_MAX_COINS 100000
#define FAKE_MAX_TXS 2048

struct fake_coin {
	struct pay_utxo u;
	int spent;			/* by a confirmed transaction */
};

struct fake_tx {
	uint8_t txid[32];
	struct tx tx;
	uint32_t height;		/* 0: mempool */
	int evicted;			/* replaced out of the mempool */
	int64_t fee;
};

struct fake {
	struct fixture *fx;
	pthread_mutex_t mu;
	struct fake_coin coins[FAKE_MAX_COINS];
	size_t n_coins;
	struct fake_tx txs[FAKE_MAX_TXS];
	size_t n_txs;
	uint32_t tip;
	uint32_t next_change;
	int sign_refusal;		/* nonzero: sign() returns it */
	int bcast_mode;			/* 0 accept, 1 unreachable, 2 reject everything */
	size_t bcast_calls;
	size_t rejected;
	size_t sign_calls;
};

static inline void
fake_lock(struct fake *f)
{
	if (pthread_mutex_lock(&f->mu) != 0)
		abort();
}

static inline void
fake_unlock(struct fake *f)
{
	if (pthread_mutex_unlock(&f->mu) != 0)
		abort();
}

static inline void
fake_add_coin(struct fake *f, size_t acct, uint32_t index, int64_t value)
{
	fake_lock(f);
	fx_utxo(&f->coins[f->n_coins++].u, f->fx, acct, index, value);
	fake_unlock(f);
}

static int
fake_utxos(void *ctx, struct pay_utxo **out, size_t *n)
{
	struct fake *f = ctx;
	size_t i;

	fake_lock(f);
	*out = calloc(f->n_coins + 1, sizeof(**out));
	*n = 0;
	for (i = 0; i < f->n_coins; i++)
		if (!f->coins[i].spent)
			(*out)[(*n)++] = f->coins[i].u;
	fake_unlock(f);
	return 0;
}

static int
fake_sign(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct fake *f = ctx;
	struct psbt p;
	struct psbt_sign_stats st;
	int r;

	(void)passphrase;
	fake_lock(f);
	f->sign_calls++;
	r = f->sign_refusal;
	fake_unlock(f);
	if (r != 0)
		return r;
	if ((r = psbt_parse(&p, psbt, len)) != 0)
		return r;
	if ((r = psbt_sign_bip32(&p, &st, f->fx->master, NULL)) == 0)
		r = psbt_serialize(out, &p);
	psbt_free(&p);
	return r;
}

/* The value of an outpoint: a wallet coin, or an output of a known transaction (locked). */
static inline int
fake_prevout(struct fake *f, int64_t *value, const struct tx_outpoint *op)
{
	size_t i;

	for (i = 0; i < f->n_coins; i++)
		if (memcmp(f->coins[i].u.txid, op->txid, 32) == 0 && f->coins[i].u.vout == op->vout) {
			*value = f->coins[i].u.value;
			return f->coins[i].spent ? -1 : 0;
		}
	for (i = 0; i < f->n_txs; i++)
		if (!f->txs[i].evicted && memcmp(f->txs[i].txid, op->txid, 32) == 0 && op->vout < f->txs[i].tx.n_out) {
			*value = f->txs[i].tx.out[op->vout].value;
			return 0;
		}
	return -1;
}

static int
fake_broadcast(void *ctx, int *rejected, char *reason, size_t reasonsize, const uint8_t *raw, size_t len)
{
	struct fake *f = ctx;
	struct tx tx;
	uint8_t txid[32];
	int64_t in = 0, outv = 0, v, conflict_fee = 0;
	size_t i, j, k, conflicts[64], n_conf = 0;
	int r = 0;

	*rejected = 0;
	fake_lock(f);
	f->bcast_calls++;
	if (f->bcast_mode == 1) {
		snprintf(reason, reasonsize, "connection refused");
		r = COFFER_ERR_IO;
		goto out_unlocked;
	}
	if (tx_parse(&tx, raw, len, 0) != 0 || tx_txid(txid, &tx) != 0) {
		*rejected = 1;
		r = COFFER_ERR_BAD_TX;
		goto out_unlocked;
	}
	for (i = 0; i < f->n_txs; i++)
		if (memcmp(f->txs[i].txid, txid, 32) == 0 && !f->txs[i].evicted) {
			tx_free(&tx);
			goto out_unlocked;	/* already known: success */
		}
	if (f->bcast_mode == 2) {
		snprintf(reason, reasonsize, "bad-txns-test-refusal");
		goto reject;
	}
	for (i = 0; i < tx.n_in; i++) {
		if (fake_prevout(f, &v, &tx.in[i].prevout) != 0) {
			snprintf(reason, reasonsize, "bad-txns-inputs-missingorspent");
			goto reject;
		}
		in += v;
		/* Mempool conflicts. */
		for (j = 0; j < f->n_txs; j++) {
			struct fake_tx *m = &f->txs[j];

			if (m->evicted || m->height != 0)
				continue;
			for (k = 0; k < m->tx.n_in; k++)
				if (memcmp(&m->tx.in[k].prevout, &tx.in[i].prevout, sizeof(struct tx_outpoint)) == 0)
					break;
			if (k < m->tx.n_in && n_conf < 64) {
				for (k = 0; k < n_conf && conflicts[k] != j; k++)
					;
				if (k == n_conf) {
					conflicts[n_conf++] = j;
					conflict_fee += m->fee;
				}
			}
		}
		/* Spent by a confirmed transaction? */
		for (j = 0; j < f->n_txs; j++) {
			if (f->txs[j].evicted || f->txs[j].height == 0)
				continue;
			for (k = 0; k < f->txs[j].tx.n_in; k++)
				if (memcmp(&f->txs[j].tx.in[k].prevout, &tx.in[i].prevout, sizeof(struct tx_outpoint)) == 0) {
					snprintf(reason, reasonsize, "bad-txns-inputs-missingorspent");
					goto reject;
				}
		}
	}
	for (i = 0; i < tx.n_out; i++)
		outv += tx.out[i].value;
	if (outv > in) {
		snprintf(reason, reasonsize, "bad-txns-in-belowout");
		goto reject;
	}
	if (n_conf > 0) {
		/* BIP125 rule 2: no unconfirmed input that no replaced transaction spent. */
		for (i = 0; i < tx.n_in; i++) {
			int from_mempool = 0, spent_by_conflict = 0;

			for (j = 0; j < f->n_txs; j++)
				if (!f->txs[j].evicted && f->txs[j].height == 0 &&
				    memcmp(f->txs[j].txid, tx.in[i].prevout.txid, 32) == 0)
					from_mempool = 1;
			for (k = 0; k < n_conf; k++)
				for (j = 0; j < f->txs[conflicts[k]].tx.n_in; j++)
					if (memcmp(&f->txs[conflicts[k]].tx.in[j].prevout, &tx.in[i].prevout,
					    sizeof(struct tx_outpoint)) == 0)
						spent_by_conflict = 1;
			if (from_mempool && !spent_by_conflict) {
				snprintf(reason, reasonsize, "replacement-adds-unconfirmed");
				goto reject;
			}
		}
		/* The descendants of what is replaced go too, and rule 3 counts their fees. */
		for (k = 0; k < n_conf; k++)
			for (j = 0; j < f->n_txs && n_conf < 64; j++) {
				struct fake_tx *m = &f->txs[j];
				size_t q, z;

				if (m->evicted || m->height != 0)
					continue;
				for (q = 0; q < m->tx.n_in; q++)
					if (memcmp(m->tx.in[q].prevout.txid, f->txs[conflicts[k]].txid, 32) == 0)
						break;
				for (z = 0; z < n_conf && conflicts[z] != j; z++)
					;
				if (q < m->tx.n_in && z == n_conf) {
					conflicts[n_conf++] = j;
					conflict_fee += m->fee;
				}
			}
		if (!bump_rules_ok(in - outv, (uint32_t)tx_weight(&tx), conflict_fee, BUMP_DEFAULT_INCREMENTAL_RELAY_FEE)) {
			snprintf(reason, reasonsize, "insufficient fee (replacement)");
			goto reject;
		}
		for (k = 0; k < n_conf; k++)
			f->txs[conflicts[k]].evicted = 1;
	}
	if (f->n_txs == FAKE_MAX_TXS) {
		snprintf(reason, reasonsize, "mempool full");
		goto reject;
	}
	memcpy(f->txs[f->n_txs].txid, txid, 32);
	f->txs[f->n_txs].tx = tx;
	f->txs[f->n_txs].height = 0;
	f->txs[f->n_txs].evicted = 0;
	f->txs[f->n_txs].fee = in - outv;
	f->n_txs++;
	goto out_unlocked;
reject:
	tx_free(&tx);
	*rejected = 1;
	f->rejected++;
	r = COFFER_ERR_BAD_TX;
out_unlocked:
	fake_unlock(f);
	return r;
}

static int
fake_tx_status(void *ctx, uint32_t *height, const uint8_t txid[32])
{
	struct fake *f = ctx;
	size_t i;
	int r = COFFER_ERR_NOT_FOUND;

	*height = 0;
	fake_lock(f);
	for (i = 0; i < f->n_txs; i++)
		if (!f->txs[i].evicted && memcmp(f->txs[i].txid, txid, 32) == 0) {
			*height = f->txs[i].height;
			r = 0;
		}
	fake_unlock(f);
	return r;
}

static int
fake_tip(void *ctx, uint32_t *height, int *current)
{
	struct fake *f = ctx;

	fake_lock(f);
	*height = f->tip;
	*current = 1;
	fake_unlock(f);
	return 0;
}

static int
fake_fee_estimate(void *ctx, uint64_t *sat_kvb, uint32_t conf_target)
{
	(void)ctx;
	*sat_kvb = conf_target <= 2 ? 20000 : 5000;
	return 0;
}

static int
fake_next_change(void *ctx, size_t *account, uint32_t *index)
{
	struct fake *f = ctx;

	fake_lock(f);
	*account = FX_WPKH;
	*index = f->next_change++;
	fake_unlock(f);
	return 0;
}

/* Mine the mempool: confirm, spend inputs, turn our change outputs into coins. */
static inline void
fake_mine(struct fake *f)
{
	size_t i, j, k;

	fake_lock(f);
	f->tip++;
	for (i = 0; i < f->n_txs; i++) {
		struct fake_tx *m = &f->txs[i];

		if (m->evicted || m->height != 0)
			continue;
		m->height = f->tip;
		for (j = 0; j < m->tx.n_in; j++)
			for (k = 0; k < f->n_coins; k++)
				if (memcmp(f->coins[k].u.txid, m->tx.in[j].prevout.txid, 32) == 0 &&
				    f->coins[k].u.vout == m->tx.in[j].prevout.vout)
					f->coins[k].spent = 1;
		for (j = 0; j < m->tx.n_out; j++) {
			uint32_t idx;

			for (idx = 0; idx < f->next_change; idx++) {
				struct wacct_key key;

				if (wacct_derive(&key, &f->fx->acct[FX_WPKH], 1, idx) != 0 ||
				    key.spk_len != m->tx.out[j].script_pubkey_len ||
				    memcmp(key.spk, m->tx.out[j].script_pubkey, key.spk_len) != 0 ||
				    f->n_coins == FAKE_MAX_COINS)
					continue;
				struct pay_utxo *u = &f->coins[f->n_coins++].u;

				memset(u, 0, sizeof(*u));
				memcpy(u->txid, m->txid, 32);
				u->vout = (uint32_t)j;
				u->value = m->tx.out[j].value;
				memcpy(u->spk, key.spk, key.spk_len);
				u->spk_len = key.spk_len;
				u->account = FX_WPKH;
				u->change = 1;
				u->index = idx;
			}
		}
	}
	fake_unlock(f);
}

static inline void
fake_free(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->n_txs; i++)
		tx_free(&f->txs[i].tx);
	pthread_mutex_destroy(&f->mu);
}

static inline void
fake_init(struct fake *f, struct fixture *fx, struct payments_backend *be)
{
	memset(f, 0, sizeof(*f));
	f->fx = fx;
	f->tip = 800000;
	pthread_mutex_init(&f->mu, NULL);
	be->utxos = fake_utxos;
	be->sign = fake_sign;
	be->broadcast = fake_broadcast;
	be->tx_status = fake_tx_status;
	be->tip = fake_tip;
	be->fee_estimate = fake_fee_estimate;
	be->next_change = fake_next_change;
	be->ctx = f;
}

/* Mempool transactions (not evicted, not confirmed). */
static inline size_t
fake_mempool_size(struct fake *f)
{
	size_t i, n = 0;

	fake_lock(f);
	for (i = 0; i < f->n_txs; i++)
		n += !f->txs[i].evicted && f->txs[i].height == 0;
	fake_unlock(f);
	return n;
}

#endif
