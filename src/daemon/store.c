/* The encrypted store (store.h): opening under the storage key, meta, tokens, addresses. */
#include "daemon/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/err.h"
#include "common/secmem.h"

/*
 * Cipher settings, set explicitly on every open so that a change of
 * SQLCipher's compiled-in defaults can never make the database unreadable.
 * SQLCipher 3.4 (Debian 12): AES-256-CBC per page, HMAC-SHA1 per page
 * (the only HMAC 3.4 offers; see docs/STORAGE.md), 4096-byte pages. The key
 * is raw, so kdf_iter does not apply to it; it is pinned all the same.
 */
static const char *const cipher_pragmas[] = {
	"PRAGMA cipher_page_size = 4096",
	"PRAGMA kdf_iter = 256000",
	"PRAGMA cipher_use_hmac = ON",
};

/* Connection settings once the key is known to be right. */
static const char *const conn_pragmas[] = {
	"PRAGMA foreign_keys = ON",
	"PRAGMA secure_delete = ON",		/* freed pages are zeroed (then encrypted) */
	"PRAGMA temp_store = MEMORY",		/* no temporary files on disk */
	"PRAGMA synchronous = FULL",		/* a commit survives power loss */
};

static int
errf(char *err, size_t errsize, int code, const char *what, sqlite3 *db)
{
	if (err != NULL && errsize > 0)
		snprintf(err, errsize, "%s: %s", what, db != NULL ? sqlite3_errmsg(db) : "out of memory");
	return code;
}

void
store_lock(struct store *s)
{
	if (pthread_mutex_lock(&s->mu) != 0)
		abort();
}

void
store_unlock(struct store *s)
{
	if (pthread_mutex_unlock(&s->mu) != 0)
		abort();
}

int
store_check_text(const char *v, size_t max)
{
	size_t i, n = strnlen(v, max + 1);

	if (n > max)
		return COFFER_ERR_TOO_LARGE;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
			return COFFER_ERR_BAD_STRING;
	return 0;
}

/* Create the file 0600 ourselves so SQLite never makes it with the umask's mode. */
static int
precreate(char *err, size_t errsize, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
		return COFFER_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "%s must be a regular file owned by this user with mode 0600", path);
		return COFFER_ERR_DATADIR_PERMS;
	}
	close(fd);
	return 0;
}

static int
apply_key(sqlite3 *db, const uint8_t key[STORE_KEY_LEN])
{
	/* x'<64 hex>': SQLCipher takes the bytes as the key itself, no PBKDF2. */
	const size_t n = 2 * STORE_KEY_LEN + 3;
	char *k = secmem_alloc(n + 1);
	int rc;

	if (k == NULL)
		return SQLITE_NOMEM;
	k[0] = 'x';
	k[1] = '\'';
	hex_encode(k + 2, n - 2, key, STORE_KEY_LEN);
	k[n - 1] = '\'';
	k[n] = '\0';
	rc = sqlite3_key(db, k, (int)n);
	secmem_free(k);
	return rc;
}

static int
exec_all(sqlite3 *db, const char *const *sql, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sqlite3_exec(db, sql[i], NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	return 0;
}

static int
set_wal(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);

		ok = mode != NULL && strcmp((const char *)mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int
store_open(struct store **out, char *err, size_t errsize, const char *path, const uint8_t key[STORE_KEY_LEN])
{
	struct store *s = NULL;
	sqlite3 *db = NULL;
	int r, rc;

	*out = NULL;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if ((r = precreate(err, errsize, path)) != 0)
		return r;
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = errf(err, errsize, rc == SQLITE_NOMEM ? COFFER_ERR_NOMEM : COFFER_ERR_IO, "cannot open database", db);
		goto fail;
	}
	if (apply_key(db, key) != SQLITE_OK || exec_all(db, cipher_pragmas,
	    sizeof(cipher_pragmas) / sizeof(cipher_pragmas[0])) != 0) {
		r = errf(err, errsize, COFFER_ERR_STORE, "cannot set the database key", db);
		goto fail;
	}
	/* The first read decrypts page 1: a wrong key (or a foreign file) fails its HMAC here. */
	rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc == SQLITE_NOTADB) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "%s does not open with this wallet's storage key "
			    "(another wallet's database, or not a Coffer database)", path);
		r = COFFER_ERR_STORE_KEY;
		goto fail;
	}
	if (rc != SQLITE_OK) {
		r = errf(err, errsize, COFFER_ERR_STORE, "cannot read database", db);
		goto fail;
	}
	if (exec_all(db, conn_pragmas, sizeof(conn_pragmas) / sizeof(conn_pragmas[0])) != 0 || set_wal(db) != 0) {
		r = errf(err, errsize, COFFER_ERR_STORE, "cannot configure database", db);
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	if ((r = store_migrate(db, err, errsize)) != 0)
		goto fail;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto fail;
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		abort();
	s->db = db;
	*out = s;
	return 0;
fail:
	sqlite3_close(db);
	return r;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	/* The last connection checkpoints the WAL into the main file and removes it. */
	if (sqlite3_close(s->db) != SQLITE_OK)
		abort();	/* a statement was leaked: a bug */
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int
store_schema_version(struct store *s, int *version)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	*version = 0;
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		r = 0;
	}
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_cipher_version(struct store *s, char *buf, size_t bufsize)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	if (bufsize > 0)
		buf[0] = '\0';
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "PRAGMA cipher_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		if (v != NULL && strlen((const char *)v) < bufsize) {
			memcpy(buf, v, strlen((const char *)v) + 1);
			r = 0;
		} else {
			r = COFFER_ERR_TOO_LARGE;
		}
	}
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

/* --- meta ------------------------------------------------------------------------------- */

static int
meta_get_locked(struct store *s, char *out, size_t outsize, const char *key)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	if (outsize > 0)
		out[0] = '\0';
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		r = COFFER_ERR_NOT_FOUND;
	} else if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (v == NULL || n >= outsize) {
			r = COFFER_ERR_TOO_LARGE;
		} else {
			memcpy(out, v, n);
			out[n] = '\0';
			r = 0;
		}
	}
out:
	sqlite3_finalize(st);
	return r;
}

static int
meta_set_locked(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	if ((r = store_check_text(key, 64)) != 0 || (r = store_check_text(value, STORE_MAX_META)) != 0)
		return r;
	r = COFFER_ERR_STORE;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		r = 0;
	sqlite3_finalize(st);
	return r;
}

int
store_meta_get(struct store *s, char *out, size_t outsize, const char *key)
{
	int r;

	store_lock(s);
	r = meta_get_locked(s, out, outsize, key);
	store_unlock(s);
	return r;
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	int r;

	store_lock(s);
	r = meta_set_locked(s, key, value);
	store_unlock(s);
	return r;
}

int
store_check_network(struct store *s, char *err, size_t errsize, const char *network)
{
	char have[32];
	int r;

	store_lock(s);
	r = meta_get_locked(s, have, sizeof(have), "network");
	if (r == COFFER_ERR_NOT_FOUND) {
		r = meta_set_locked(s, "network", network);
	} else if (r == 0 && strcmp(have, network) != 0) {
		if (err != NULL && errsize > 0)
			snprintf(err, errsize, "the database belongs to network %s, cofferd runs on %s", have, network);
		r = COFFER_ERR_STORE_NETWORK;
	}
	store_unlock(s);
	return r;
}

/* --- tokens ------------------------------------------------------------------------------ */

static int
token_id_ok(const char *id)
{
	size_t i;

	for (i = 0; i < STORE_TOKEN_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[STORE_TOKEN_ID_LEN] == '\0';
}

int
store_token_insert(struct store *s, const struct store_token *t)
{
	sqlite3_stmt *st = NULL;
	int r, rc, count = 0;

	if (!token_id_ok(t->id) || t->scope < 1 || t->scope > 4 || t->created_at < 0 || t->expires_at < 0)
		return COFFER_ERR_INVALID_ARG;
	if ((r = store_check_text(t->label, STORE_MAX_LABEL)) != 0)
		return r;
	store_lock(s);
	r = COFFER_ERR_STORE;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM tokens", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto rollback;
	count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (count >= STORE_MAX_TOKENS) {
		r = COFFER_ERR_TOO_MANY_TOKENS;
		goto rollback;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO tokens (id, hash, scope, label, created_at, expires_at) "
	    "VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, t->hash, sizeof(t->hash), SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, t->scope) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, t->label, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, t->created_at) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, t->expires_at) != SQLITE_OK)
		goto rollback;
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		r = COFFER_ERR_INVALID_ARG;
		goto rollback;
	}
	if (rc != SQLITE_DONE)
		goto rollback;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	r = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_token_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE;

	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "DELETE FROM tokens WHERE id = ?", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		r = sqlite3_changes(s->db) == 1 ? 0 : COFFER_ERR_NOT_FOUND;
	sqlite3_finalize(st);
	store_unlock(s);
	return r;
}

int
store_copy_text(char *dst, size_t dstsize, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	if (v == NULL || n >= dstsize)
		return COFFER_ERR_STORE;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int
store_token_list(struct store *s, struct store_token *out, size_t max, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r = COFFER_ERR_STORE, rc;

	*n = 0;
	store_lock(s);
	if (sqlite3_prepare_v2(s->db, "SELECT id, hash, scope, label, created_at, expires_at FROM tokens "
	    "ORDER BY created_at, id", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_token *t;

		if (*n == max) {
			r = COFFER_ERR_TOO_LARGE;
			goto out;
		}
		t = &out[*n];
		memset(t, 0, sizeof(*t));
		if (store_copy_text(t->id, sizeof(t->id), st, 0) != 0 ||
		    sqlite3_column_bytes(st, 1) != (int)sizeof(t->hash) ||
		    store_copy_text(t->label, sizeof(t->label), st, 3) != 0)
			goto out;
		memcpy(t->hash, sqlite3_column_blob(st, 1), sizeof(t->hash));
		t->scope = sqlite3_column_int(st, 2);
		t->created_at = sqlite3_column_int64(st, 4);
		t->expires_at = sqlite3_column_int64(st, 5);
		(*n)++;
	}
	if (rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	store_unlock(s);
	if (r != 0)
		*n = 0;
	return r;
}
