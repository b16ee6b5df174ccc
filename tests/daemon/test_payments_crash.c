/*
 * The crash test (issue #5, "Never lost, never doubled"): a worker process
 * makes a list of payments, each with its own idempotency key, against the
 * regtest chain double; it is killed with SIGKILL at random points and
 * restarted, and every restart first reconciles, then retries the whole list
 * (as a client whose requests timed out would). Afterwards:
 *   - every request has exactly one recorded payment, in a final state
 *     (broadcast, confirmed or failed) once the last worker has finished;
 *   - the chain holds exactly one output per request that did not fail, and
 *     none for one that failed: nothing paid twice, nothing lost;
 *   - no coin is an input of two live recorded payments;
 *   - the balance reconciles: what the chain shows the wallet holding equals
 *     funding minus payments minus fees.
 * Size: 40 payments in `make check`; COFFER_SOAK=N runs N (`make soak`).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "chaind_util.h"
#include "paysync_util.h"

#include "daemon/payments.h"
#include "daemon/payments_chain.h"
#include "daemon/store.h"
#include "wallet/wallet_fixture.h"

#define FUND_COINS 24
#define FUND_VALUE 400000

static struct chaind D;
static struct fixture fx;
static char dir[64], path[128];
static size_t n_pay = 40;

static int
sign_fn(void *ctx, struct cbuf *out, const uint8_t *psbt, size_t len, const char *passphrase)
{
	struct psbt p;
	struct psbt_sign_stats s;
	int r;

	(void)ctx;
	(void)passphrase;
	if ((r = psbt_parse(&p, psbt, len)) != 0)
		return r;
	if ((r = psbt_sign_bip32(&p, &s, fx.master, NULL)) == 0)
		r = psbt_serialize(out, &p);
	psbt_free(&p);
	return r;
}

/* Recipient k: the wallet's own (unfunded) sh(wpkh) account, index k; amount 10,000 + k. */
static void
recipient(char out[ADDR_BUFSIZE], size_t k)
{
	struct wacct_key key;

	if (wacct_derive(&key, &fx.acct[FX_SH_WPKH], 0, (uint32_t)k) != 0 ||
	    addr_encode(out, key.spk, key.spk_len, BTC_REGTEST) != 0)
		abort();
}

static int
open_engine(struct chain **ch, struct store **st, struct payments_chain *pc, struct payments_backend *be,
    struct payments *pm)
{
	struct chain_opts o;
	uint8_t key[STORE_KEY_LEN];

	memset(&o, 0, sizeof(o));
	o.network = BTC_REGTEST;
	o.url = D.url;
	memset(key, 0x19, sizeof(key));
	if (chain_esplora_new(ch, &o) != 0 || store_open(st, NULL, 0, path, key) != 0 ||
	    payments_chain_init(pc, be, *ch, *st, fx.acct, 1, sign_fn, NULL) != 0 ||
	    payments_init(pm, *st, be, fx.acct, 1, BTC_REGTEST) != 0)
		return -1;
	return 0;
}

/* The worker: reconcile, then every request in order (retries replay). Exits 0 when all have an answer. */
static void
worker(void)
{
	struct chain *ch = NULL;
	struct store *st = NULL;
	struct payments_chain pc;
	struct payments_backend be;
	struct payments pm;
	size_t k;

	/* As cofferd: the chain view synced before payments are served (the syncer's part). */
	if (open_engine(&ch, &st, &pc, &be, &pm) != 0 || paysync(ch, st, fx.acct, 1) != 0 ||
	    payments_reconcile(&pm, NULL, (int64_t)time(NULL)) != 0)
		_exit(3);
	for (k = 0; k < n_pay; k++) {
		struct payments_request req;
		struct store_payment p;
		struct pay_recipient out;
		char a[ADDR_BUFSIZE];
		int replayed, r;

		recipient(a, k);
		memset(&req, 0, sizeof(req));
		out.address = a;
		out.amount = 10000 + (int64_t)k;
		req.outputs = &out;
		req.n_outputs = 1;
		req.fee_rate = 2000 + 100 * (uint64_t)(k % 7);
		req.subtract_fee_from = -1;
		snprintf(req.idem_key, sizeof(req.idem_key), "crash-%zu", k);
		memset(req.request_hash, 0, 32);
		memcpy(req.request_hash, &k, sizeof(k));
		if (paysync(ch, st, fx.acct, 1) != 0)
			_exit(5);	/* the chain double is local: a sync does not fail */
		r = payments_create(&pm, &p, &replayed, &req, (int64_t)time(NULL));
		store_payment_clear(&p);
		/* An answer is a recorded outcome, or a refusal with nothing recorded; retry otherwise. */
		if (r != 0 && r != COFFER_ERR_PAY_INSUFFICIENT_FUNDS && r != COFFER_ERR_PAY_BROADCAST_REJECTED)
			_exit(4);
	}
	_exit(0);
}

static int64_t
ms_rand(int64_t lo, int64_t hi)
{
	return lo + (int64_t)((unsigned)rand() % (unsigned)(hi - lo + 1));
}

static void
test_crash_loop(void)
{
	struct chain *ch = NULL;
	struct store *st = NULL;
	struct payments_chain pc;
	struct payments_backend be;
	struct payments pm;
	struct chain_sync_req sq;
	struct chain_sync_result sr;
	char a[ADDR_BUFSIZE], txid[65], *soak = getenv("COFFER_SOAK");
	size_t k, kills = 0, runs = 0, failed = 0, i, j;
	int64_t funded = 0, paid = 0, fees = 0, held = 0;
	struct wacct_key key;
	int status, done = 0;
	pid_t pid;

	if (soak != NULL && atoi(soak) > 0)
		n_pay = (size_t)atoi(soak);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (chaind_start(&D) != 0) {
		printf("SKIP: the chain double did not start (node/npm missing?)\n");
		chaind_stop(&D);
		return;
	}
	fx_init(&fx);
	snprintf(dir, sizeof(dir), "/tmp/coffer-crash-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	for (k = 0; k < FUND_COINS + n_pay / 20; k++) {
		CHECK_OK(wacct_derive(&key, &fx.acct[FX_WPKH], 0, (uint32_t)k));
		CHECK_OK(addr_encode(a, key.spk, key.spk_len, BTC_REGTEST));
		CHECK(chaind_faucet(&D, txid, a, FUND_VALUE) == 0);
		funded += FUND_VALUE;
	}
	CHECK(chaind_mine(&D, 1) == 0);
	/* Kill the worker at random points until one run finishes the whole list. */
	while (!done && runs < 10 * n_pay + 50) {
		runs++;
		if ((pid = fork()) < 0)
			abort();
		if (pid == 0)
			worker();
		{
			struct timespec t = { 0, 10 * 1000000L };
			int64_t wait_ms = runs % 8 == 0 && runs > n_pay / 5 ? 120000 : ms_rand(30, 600), slept = 0;
			int reaped = 0;

			while (slept < wait_ms) {
				if (waitpid(pid, &status, WNOHANG) == pid) {
					reaped = 1;
					break;
				}
				nanosleep(&t, NULL);
				slept += 10;
			}
			if (!reaped) {
				kill(pid, SIGKILL);	/* our own child, by pid */
				waitpid(pid, &status, 0);
				kills++;
			}
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			done = 1;
		else if (WIFEXITED(status))
			CHECK_MSG(0, "worker exited %d", WEXITSTATUS(status));
		if (runs % 3 == 0)
			chaind_mine(&D, 1);
	}
	CHECK(done);
	printf("crash test: %zu payments, %zu runs, %zu SIGKILLs\n", n_pay, runs, kills);
	/* Settle: mine, reconcile until nothing moves. */
	CHECK(open_engine(&ch, &st, &pc, &be, &pm) == 0);
	for (i = 0; i < 3; i++) {
		chaind_mine(&D, 1);
		CHECK_OK(paysync(ch, st, fx.acct, 1));
		CHECK_OK(payments_reconcile(&pm, NULL, (int64_t)time(NULL)));
	}
	/* Every request: one payment in a final state. */
	for (k = 0; k < n_pay; k++) {
		struct store_payment p;
		char key_s[32];

		snprintf(key_s, sizeof(key_s), "crash-%zu", k);
		if (store_payment_get_by_key(st, &p, key_s) != 0) {
			CHECK_MSG(0, "request %zu has no payment", k);
			continue;
		}
		CHECK_MSG(p.status == STORE_PAY_CONFIRMED || p.status == STORE_PAY_FAILED, "request %zu: %s", k,
		    store_pay_status_name(p.status));
		if (p.status == STORE_PAY_FAILED)
			failed++;
		else {
			paid += 10000 + (int64_t)k;
			fees += p.fee_sat;
		}
		store_payment_clear(&p);
	}
	/* The chain: exactly one output per paid request, none for failed ones. */
	{
		struct descriptor *rd = NULL;
		struct cbuf s;

		cbuf_init(&s, DESC_MAX_LEN + 1);
		CHECK_OK(desc_to_string(&s, fx.acct[FX_SH_WPKH].desc, 0, DESC_STR_PUBLIC));
		CHECK_OK(desc_parse(&rd, (const char *)s.p, s.len, BTC_REGTEST));
		cbuf_free(&s);
		memset(&sq, 0, sizeof(sq));
		sq.desc[0] = rd;
		sq.last_used[0] = sq.last_used[1] = -1;
		sq.gap_limit = (uint32_t)n_pay + 20;
		CHECK_OK(chain_sync(ch, &sr, &sq));
		for (k = 0; k < n_pay; k++) {
			size_t found = 0;
			struct store_payment p;
			char key_s[32];

			for (i = 0; i < sr.n_txs; i++) {
				struct tx t;

				if (sr.txs[i].status.height == 0 || tx_parse(&t, sr.txs[i].raw, sr.txs[i].raw_len, 0) != 0)
					continue;
				recipient(a, k);
				CHECK_OK(wacct_derive(&key, &fx.acct[FX_SH_WPKH], 0, (uint32_t)k));
				for (j = 0; j < t.n_out; j++)
					found += t.out[j].value == 10000 + (int64_t)k &&
					    t.out[j].script_pubkey_len == key.spk_len &&
					    memcmp(t.out[j].script_pubkey, key.spk, key.spk_len) == 0;
				tx_free(&t);
			}
			snprintf(key_s, sizeof(key_s), "crash-%zu", k);
			if (store_payment_get_by_key(st, &p, key_s) == 0) {
				CHECK_MSG(found == (p.status == STORE_PAY_FAILED ? 0u : 1u), "request %zu paid %zu times", k,
				    found);
				store_payment_clear(&p);
			}
		}
		chain_sync_result_free(&sr);
		desc_free(rd);
	}
	/* No coin in two live payments. */
	{
		struct store_pay_input *res = NULL;
		size_t nres = 0;

		CHECK_OK(store_reserved_inputs(st, &res, &nres));
		for (i = 0; i < nres; i++)
			for (j = i + 1; j < nres; j++)
				CHECK(memcmp(res[i].txid, res[j].txid, 32) != 0 || res[i].vout != res[j].vout);
		free(res);
	}
	/* The balance: the wallet's coins on chain = funding - paid - fees. */
	memset(&sq, 0, sizeof(sq));
	sq.desc[0] = sq.desc[1] = fx.acct[FX_WPKH].desc;
	sq.path[1] = 1;
	sq.last_used[0] = sq.last_used[1] = -1;
	sq.gap_limit = (uint32_t)(2 * n_pay + 40);
	CHECK_OK(chain_sync(ch, &sr, &sq));
	for (i = 0; i < sr.n_utxos; i++)
		held += sr.utxos[i].value;
	chain_sync_result_free(&sr);
	CHECK_MSG(held == funded - paid - fees, "held %lld, funded %lld - paid %lld - fees %lld", (long long)held,
	    (long long)funded, (long long)paid, (long long)fees);
	printf("crash test: %zu paid, %zu failed, fees %lld sat\n", n_pay - failed, failed, (long long)fees);
	payments_free(&pm);
	payments_chain_free(&pc);
	store_close(st);
	chain_free(ch);
	fx_free(&fx);
	chaind_stop(&D);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
}

static const struct test_case tests[] = {
	{ "crash_loop", test_crash_loop },
};

TEST_MAIN(tests)
