/*
 * The encrypted store: nothing readable on disk (main file and WAL), wrong
 * keys and foreign files refused with their own error, data kept across
 * reopen and across kill -9, migrations versioned, limits enforced.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"

#include "common/secmem.h"
#include "daemon/store.h"

#define ADDR "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c"
#define LABEL "invoice-4711 for Mallory's Widgets"

static char dir[64], path[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/coffer-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
}

static void
teardown(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
key_of(uint8_t key[STORE_KEY_LEN], uint8_t fill)
{
	memset(key, fill, STORE_KEY_LEN);
	key[0] = 0x42;
}

/* Does the file at p contain needle (as bytes)? -1 when it cannot be read. */
static int
file_contains(const char *p, const void *needle, size_t n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;
	long len;
	int found = 0;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	for (long i = 0; i + (long)n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			found = 1;
	free(buf);
	return found;
}

static void
fill_address(struct store_address *a, uint32_t index, const char *address, const char *label)
{
	memset(a, 0, sizeof(*a));
	a->account = 0;
	a->chain = 0;
	a->index = index;
	snprintf(a->path, sizeof(a->path), "m/86h/1h/0h/0/%u", index);
	snprintf(a->address, sizeof(a->address), "%s", address);
	a->script[0] = 0x51;
	a->script[1] = 0x20;
	memset(a->script + 2, 0xab, 32);
	a->script_len = 34;
	snprintf(a->label, sizeof(a->label), "%s", label);
	a->created_at = 1700000000;
}

static void
test_encrypted_on_disk(void)
{
	uint8_t key[STORE_KEY_LEN];
	struct store *s = NULL;
	struct store_address a;
	char wal[160], err[256];
	struct stat st;
	int v = 0;

	setup();
	key_of(key, 1);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_schema_version(s, &v));
	CHECK(v == store_schema_latest() && v >= 1);
	{
		char ver[32];

		CHECK_OK(store_cipher_version(s, ver, sizeof(ver)));
		CHECK_MSG(strncmp(ver, "3.", 2) == 0 || strncmp(ver, "4.", 2) == 0, "cipher_version %s", ver);
	}
	fill_address(&a, 0, ADDR, LABEL);
	CHECK_OK(store_address_insert(s, &a));
	CHECK_OK(store_meta_set(s, "note", "SECRET-META-VALUE"));
	/* While open, the new pages sit in the WAL: it must be as unreadable as the main file. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK(stat(wal, &st) == 0 && st.st_size > 0);
	CHECK(file_contains(wal, ADDR, strlen(ADDR)) == 0);
	CHECK(file_contains(wal, LABEL, strlen(LABEL)) == 0);
	CHECK(file_contains(wal, "SECRET-META-VALUE", 17) == 0);
	CHECK(file_contains(wal, "CREATE TABLE", 12) == 0);
	store_close(s);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(file_contains(path, ADDR, strlen(ADDR)) == 0);
	CHECK(file_contains(path, LABEL, strlen(LABEL)) == 0);
	CHECK(file_contains(path, "SECRET-META-VALUE", 17) == 0);
	CHECK(file_contains(path, "SQLite format 3", 15) == 0);	/* even the header is encrypted */
	CHECK(file_contains(path, "addresses", 9) == 0);
	/* The known strings are really in the database (the greps above could not find them for a reason). */
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_address_get(s, &a, ADDR));
	CHECK_STREQ(a.label, LABEL);
	store_close(s);
	teardown();
}

static void
test_wrong_key_and_foreign(void)
{
	uint8_t key[STORE_KEY_LEN], other[STORE_KEY_LEN];
	struct store *s = NULL;
	char err[256], p2[160];
	sqlite3 *db;
	FILE *f;

	setup();
	key_of(key, 1);
	key_of(other, 2);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_meta_set(s, "k", "v"));
	store_close(s);
	CHECK_RC(store_open(&s, err, sizeof(err), path, other), COFFER_ERR_STORE_KEY);
	CHECK(s == NULL);
	CHECK_MSG(strstr(err, "storage key") != NULL, "%s", err);
	/* Still opens with the right key afterwards (the failed attempt changed nothing). */
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	store_close(s);

	/* Random bytes. */
	snprintf(p2, sizeof(p2), "%s/junk.db", dir);
	f = fopen(p2, "wb");
	for (int i = 0; i < 8192; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	chmod(p2, 0600);
	CHECK_RC(store_open(&s, err, sizeof(err), p2, key), COFFER_ERR_STORE_KEY);

	/* A plain (unencrypted) SQLite database. */
	snprintf(p2, sizeof(p2), "%s/plain.db", dir);
	CHECK(sqlite3_open(p2, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	chmod(p2, 0600);
	CHECK_RC(store_open(&s, err, sizeof(err), p2, key), COFFER_ERR_STORE_KEY);

	/* One flipped byte: the page's HMAC fails and the file no longer opens. */
	{
		int fd = open(path, O_RDWR);
		uint8_t b = 0;

		CHECK(fd >= 0 && pread(fd, &b, 1, 200) == 1);
		b ^= 0x01;
		CHECK(pwrite(fd, &b, 1, 200) == 1);
		close(fd);
		CHECK_RC(store_open(&s, err, sizeof(err), path, key), COFFER_ERR_STORE_KEY);
	}

	/* Not ours to open: a file other users can read. */
	snprintf(p2, sizeof(p2), "%s/open.db", dir);
	f = fopen(p2, "wb");
	fclose(f);
	chmod(p2, 0644);
	CHECK_RC(store_open(&s, err, sizeof(err), p2, key), COFFER_ERR_DATADIR_PERMS);
	teardown();
}

static void
test_survives_reopen(void)
{
	uint8_t key[STORE_KEY_LEN];
	struct store_token t, list[4];
	struct store *s = NULL;
	struct store_address a;
	char err[256], v[64];
	uint32_t next = 9;
	size_t n = 0;

	setup();
	key_of(key, 3);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	memset(&t, 0, sizeof(t));
	memcpy(t.id, "0123456789abcdef", 17);
	memset(t.hash, 0x5a, sizeof(t.hash));
	t.scope = 2;
	snprintf(t.label, sizeof(t.label), "shop");
	t.created_at = 1700000001;
	t.expires_at = 1800000000;
	CHECK_OK(store_token_insert(s, &t));
	fill_address(&a, 0, ADDR, LABEL);
	CHECK_OK(store_address_insert(s, &a));
	fill_address(&a, 1, "tb1qsecond", "");
	CHECK_OK(store_address_insert(s, &a));
	CHECK_OK(store_meta_set(s, "birthday", "840000"));
	CHECK_OK(store_check_network(s, err, sizeof(err), "signet"));
	store_close(s);

	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_token_list(s, list, 4, &n));
	CHECK(n == 1);
	CHECK_STREQ(list[0].id, "0123456789abcdef");
	CHECK(list[0].scope == 2 && list[0].created_at == 1700000001 && list[0].expires_at == 1800000000);
	CHECK(list[0].hash[0] == 0x5a && list[0].hash[31] == 0x5a);
	CHECK_STREQ(list[0].label, "shop");
	CHECK_OK(store_address_get(s, &a, ADDR));
	CHECK(a.index == 0 && a.script_len == 34 && a.script[0] == 0x51);
	CHECK_STREQ(a.path, "m/86h/1h/0h/0/0");
	CHECK_OK(store_address_next_index(s, &next, 0, 0));
	CHECK(next == 2);
	CHECK_OK(store_address_next_index(s, &next, 0, 1));
	CHECK(next == 0);
	CHECK_OK(store_meta_get(s, v, sizeof(v), "birthday"));
	CHECK_STREQ(v, "840000");
	CHECK_RC(store_meta_get(s, v, sizeof(v), "nothing"), COFFER_ERR_NOT_FOUND);
	CHECK_RC(store_meta_get(s, v, 3, "birthday"), COFFER_ERR_TOO_LARGE);
	/* Bound to its network. */
	CHECK_OK(store_check_network(s, err, sizeof(err), "signet"));
	CHECK_RC(store_check_network(s, err, sizeof(err), "bitcoin"), COFFER_ERR_STORE_NETWORK);
	CHECK(strstr(err, "signet") != NULL && strstr(err, "bitcoin") != NULL);
	store_close(s);
	teardown();
}

static void
test_kill9(void)
{
	uint8_t key[STORE_KEY_LEN];
	struct store *s = NULL;
	char err[256], v[32];
	pid_t pid;
	int status = 0;

	setup();
	key_of(key, 4);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	store_close(s);
	pid = fork();
	if (pid == 0) {
		struct store *c = NULL;

		if (store_open(&c, NULL, 0, path, key) != 0 || store_meta_set(c, "committed", "yes") != 0)
			_exit(1);
		/* No close, no checkpoint: the write is only in the WAL when the process dies. */
		raise(SIGKILL);
		_exit(2);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_meta_get(s, v, sizeof(v), "committed"));
	CHECK_STREQ(v, "yes");
	store_close(s);
	teardown();
}

static void
test_migrations(void)
{
	uint8_t key[STORE_KEY_LEN];
	char err[256], hexkey[2 * STORE_KEY_LEN + 4];
	struct store *s = NULL;
	sqlite3 *db;
	int v = 0;

	setup();
	key_of(key, 5);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	store_close(s);
	/* Reopening runs nothing new. */
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_schema_version(s, &v));
	CHECK(v == store_schema_latest());
	store_close(s);
	/* A database from a newer cofferd is refused, not half-used. */
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	hexkey[0] = 'x';
	hexkey[1] = '\'';
	hex_encode(hexkey + 2, sizeof(hexkey) - 2, key, STORE_KEY_LEN);
	hexkey[2 + 2 * STORE_KEY_LEN] = '\'';
	hexkey[3 + 2 * STORE_KEY_LEN] = '\0';
	CHECK(sqlite3_key(db, hexkey, (int)strlen(hexkey)) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA cipher_page_size = 4096; PRAGMA kdf_iter = 256000; PRAGMA cipher_use_hmac = ON;"
	    "INSERT INTO schema_migrations VALUES (999, 0)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK_RC(store_open(&s, err, sizeof(err), path, key), COFFER_ERR_STORE_SCHEMA);
	CHECK(strstr(err, "999") != NULL);
	teardown();
}

/* A sync result: n transactions (raw bytes of its index), the first `unspent` of them with an output to us. */
static void
fill_sync(struct store_sync *u, struct store_tx *txs, struct store_utxo *utxos, uint8_t raw[][8], size_t n,
    size_t unspent, uint32_t tip)
{
	size_t i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < n; i++) {
		memset(&txs[i], 0, sizeof(txs[i]));
		memset(txs[i].txid, (int)(0x10 + i), 32);
		memset(raw[i], (int)(0xa0 + i), 8);
		txs[i].raw = raw[i];
		txs[i].raw_len = 8;
		txs[i].height = i == 0 ? 0 : tip - (uint32_t)i;	/* newest first: the first is unconfirmed */
		txs[i].received_sat = 1000 * (int64_t)(i + 1);
		txs[i].fee_sat = -1;
	}
	for (i = 0; i < unspent; i++) {
		memset(&utxos[i], 0, sizeof(utxos[i]));
		memcpy(utxos[i].txid, txs[i].txid, 32);
		utxos[i].vout = (uint32_t)i;
		utxos[i].value = txs[i].received_sat;
		utxos[i].script[0] = 0x51;
		utxos[i].script_len = 34;
		utxos[i].index = (uint32_t)i;
		utxos[i].height = txs[i].height;
	}
	u->txs = txs;
	u->n_txs = n;
	u->utxos = utxos;
	u->n_utxos = unspent;
	u->state.tip_height = tip;
	u->state.tip_hash[0] = 0xee;
	u->state.last_used[0] = (int64_t)n - 1;
	u->state.last_used[1] = -1;
	u->state.synced_at = 1700000123;
}

static void
test_chain_view(void)
{
	uint8_t key[STORE_KEY_LEN], raw[4][8], want[32];
	struct store_tx txs[4], list[8];
	struct store_utxo utxos[4], ul[8];
	struct store_chain_state cs;
	struct store_sync u;
	struct store *s = NULL;
	struct cbuf got;
	int64_t c, uc, seq_of_first;
	size_t n;
	char err[256];

	setup();
	key_of(key, 9);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_chain_state_get(s, &cs));
	CHECK(cs.tip_height == 0 && cs.last_used[0] == -1 && cs.last_used[1] == -1 && cs.synced_at == 0);
	CHECK_OK(store_balance(s, &c, &uc, &n));
	CHECK(c == 0 && uc == 0 && n == 0);

	fill_sync(&u, txs, utxos, raw, 3, 2, 100);
	CHECK_OK(store_sync_apply(s, &u, 1700000200));
	CHECK_OK(store_balance(s, &c, &uc, &n));
	CHECK(uc == 1000 && c == 2000 && n == 2);
	CHECK_OK(store_chain_state_get(s, &cs));
	CHECK(cs.tip_height == 100 && cs.tip_hash[0] == 0xee && cs.last_used[0] == 2 && cs.synced_at == 1700000123);
	/* Newest first by first sight; the backend's first is the newest. */
	CHECK_OK(store_tx_list(s, list, 8, &n, 0));
	CHECK(n == 3);
	memset(want, 0x10, 32);
	CHECK(memcmp(list[0].txid, want, 32) == 0 && list[0].seq == 3 && list[0].first_seen == 1700000200);
	CHECK(list[2].seq == 1 && list[0].fee_sat == -1);
	CHECK_OK(store_tx_list(s, list, 8, &n, 2));
	CHECK(n == 1 && list[0].seq == 1);
	cbuf_init(&got, 0);
	CHECK_OK(store_tx_raw(s, &got, want));
	CHECK(got.len == 8 && got.p[0] == 0xa0);
	cbuf_free(&got);
	memset(want, 0x77, 32);
	cbuf_init(&got, 0);
	CHECK_RC(store_tx_raw(s, &got, want), COFFER_ERR_NOT_FOUND);
	cbuf_free(&got);
	/* UTXO paging by outpoint. */
	CHECK_OK(store_utxo_list(s, ul, 1, &n, NULL, 0));
	CHECK(n == 1 && ul[0].txid[0] == 0x10);
	CHECK_OK(store_utxo_list(s, ul, 8, &n, ul[0].txid, ul[0].vout));
	CHECK(n == 1 && ul[0].txid[0] == 0x11 && ul[0].value == 2000);

	/* The next sync: one more (new, highest seq), one gone (a reorg), the old ones keep their seq. */
	seq_of_first = 3;
	fill_sync(&u, txs, utxos, raw, 4, 1, 101);
	memset(txs[2].txid, 0x55, 32);	/* 0x12 disappears, 0x55 is new */
	txs[0].height = 101;
	utxos[0].height = 101;
	CHECK_OK(store_sync_apply(s, &u, 1700000300));
	CHECK_OK(store_tx_list(s, list, 8, &n, 0));
	CHECK(n == 4);
	CHECK(list[0].txid[0] == 0x13 || list[0].txid[0] == 0x55);
	{
		size_t i;
		int saw_first = 0;

		for (i = 0; i < n; i++) {
			CHECK(list[i].txid[0] != 0x12);
			if (list[i].txid[0] == 0x10) {
				saw_first = 1;
				CHECK(list[i].seq == seq_of_first && list[i].first_seen == 1700000200 && list[i].height == 101);
			}
		}
		CHECK(saw_first);
	}
	CHECK_OK(store_balance(s, &c, &uc, &n));
	CHECK(c == 1000 && uc == 0 && n == 1);
	/* Out of range values are refused before anything is written. */
	fill_sync(&u, txs, utxos, raw, 1, 1, 102);
	utxos[0].value = -5;
	CHECK_RC(store_sync_apply(s, &u, 1700000400), COFFER_ERR_INVALID_ARG);
	CHECK_OK(store_chain_state_get(s, &cs));
	CHECK(cs.tip_height == 101);
	store_close(s);
	/* It is all on disk, encrypted: reopen and find it; the raw bytes are not in the file in clear. */
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	CHECK_OK(store_balance(s, &c, &uc, &n));
	CHECK(c == 1000 && n == 1);
	store_close(s);
	memset(want, 0x10, 32);
	CHECK(file_contains(path, want, 32) == 0);
	teardown();
}

static void
test_limits(void)
{
	uint8_t key[STORE_KEY_LEN];
	struct store_token t;
	struct store_address a;
	struct store *s = NULL;
	static struct store_token list[STORE_MAX_TOKENS + 1];
	char err[256];
	size_t n = 0;

	setup();
	key_of(key, 6);
	CHECK_OK(store_open(&s, err, sizeof(err), path, key));
	memset(&t, 0, sizeof(t));
	t.scope = 1;
	for (int i = 0; i < STORE_MAX_TOKENS; i++) {
		snprintf(t.id, sizeof(t.id), "%016x", i);
		t.created_at = i;
		if (store_token_insert(s, &t) != 0)
			CHECK(0);
	}
	snprintf(t.id, sizeof(t.id), "%016x", 99999);
	CHECK_RC(store_token_insert(s, &t), COFFER_ERR_TOO_MANY_TOKENS);
	CHECK_OK(store_token_list(s, list, STORE_MAX_TOKENS + 1, &n));
	CHECK(n == STORE_MAX_TOKENS);
	CHECK_STREQ(list[0].id, "0000000000000000");
	CHECK_RC(store_token_list(s, list, 10, &n), COFFER_ERR_TOO_LARGE);
	CHECK_OK(store_token_delete(s, "0000000000000000"));
	CHECK_RC(store_token_delete(s, "0000000000000000"), COFFER_ERR_NOT_FOUND);
	/* Duplicate id, bad id, bad scope, control bytes in a label. */
	snprintf(t.id, sizeof(t.id), "%016x", 1);
	CHECK_RC(store_token_insert(s, &t), COFFER_ERR_INVALID_ARG);
	memcpy(t.id, "XYZ", 4);
	CHECK_RC(store_token_insert(s, &t), COFFER_ERR_INVALID_ARG);
	snprintf(t.id, sizeof(t.id), "%016x", 77777);
	t.scope = 5;
	CHECK_RC(store_token_insert(s, &t), COFFER_ERR_INVALID_ARG);
	t.scope = 1;
	snprintf(t.label, sizeof(t.label), "bad\nlabel");
	CHECK_RC(store_token_insert(s, &t), COFFER_ERR_BAD_STRING);
	/* Addresses: unique address and position, bounded script. */
	fill_address(&a, 0, ADDR, "");
	CHECK_OK(store_address_insert(s, &a));
	fill_address(&a, 1, ADDR, "");
	CHECK_RC(store_address_insert(s, &a), COFFER_ERR_INVALID_ARG);
	fill_address(&a, 0, "tb1qother", "");
	CHECK_RC(store_address_insert(s, &a), COFFER_ERR_INVALID_ARG);
	fill_address(&a, 5, "tb1qother", "");
	a.script_len = STORE_MAX_SCRIPT + 1;
	CHECK_RC(store_address_insert(s, &a), COFFER_ERR_INVALID_ARG);
	fill_address(&a, 0x80000000u, "tb1qother", "");
	CHECK_RC(store_address_insert(s, &a), COFFER_ERR_INVALID_ARG);
	CHECK_RC(store_address_get(s, &a, "tb1qnothere"), COFFER_ERR_NOT_FOUND);
	store_close(s);
	teardown();
}

static const struct test_case tests[] = {
	{ "encrypted_on_disk", test_encrypted_on_disk },
	{ "wrong_key_and_foreign", test_wrong_key_and_foreign },
	{ "survives_reopen", test_survives_reopen },
	{ "kill9", test_kill9 },
	{ "migrations", test_migrations },
	{ "limits", test_limits },
	{ "chain_view", test_chain_view },
};

TEST_MAIN(tests)
