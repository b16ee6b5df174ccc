/*
 * Reading cofferd's configuration: flags, coffer.conf, and the cross-field
 * checks that run once both are in (config.h).
 */
#include "daemon/config.h"
#include "daemon/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/secmem.h"

static uint64_t
key_bit(size_t index)
{
	return (uint64_t)1 << index;
}

static size_t
key_index(const char *name)
{
	size_t index;

	if (config_key_find(name, strlen(name), &index) == NULL)
		abort();
	return index;
}

/* Prefix c->err with where the value came from. */
static int
locate(struct daemon_config *c, int r, const char *name, unsigned int line)
{
	char msg[sizeof(c->err)];
	int n;

	memcpy(msg, c->err, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	/* A long message is cut at the end: the prefix saying where stays. */
	if (name != NULL)
		n = snprintf(c->err, sizeof(c->err), "%s:%u: %s", name, line, msg);
	else
		n = snprintf(c->err, sizeof(c->err), "command line: %s", msg);
	if (n < 0)
		c->err[0] = '\0';
	return r;
}

int
config_parse_args(struct daemon_config *c, int argc, char **argv)
{
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *value;
		const struct config_key *k;
		char q[160];
		size_t namelen, index;

		if (strncmp(a, "--", 2) != 0) {
			config_quote(q, sizeof(q), a);
			return config_fail(c, COFFER_ERR_CONFIG_UNKNOWN_KEY, "unexpected argument %s", q);
		}
		name = a + 2;
		eq = strchr(name, '=');
		namelen = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((k = config_key_find(name, namelen, &index)) == NULL) {
			config_quote(q, sizeof(q), a);
			return config_fail(c, COFFER_ERR_CONFIG_UNKNOWN_KEY, "unknown flag %s (see cofferd --help)", q);
		}
		if (eq != NULL) {
			value = eq + 1;
		} else if (k->flags & CK_BOOL) {
			value = "true";
		} else {
			if (i + 1 >= argc)
				return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "--%s needs a value", k->name);
			value = argv[++i];
		}
		if (c->set_by_flag & key_bit(index))
			return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "--%s given twice", k->name);
		if ((r = k->parse(c, value)) != 0)
			return locate(c, r, NULL, 0);
		c->set_by_flag |= key_bit(index);
	}
	return 0;
}

int
config_default_datadir(struct daemon_config *c)
{
	const char *home = getenv("HOME");
	int n;

	if (c->set_by_flag & key_bit(key_index("datadir")))
		return 0;
	if (home == NULL || home[0] != '/')
		return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "HOME is not set to an absolute path; pass --datadir");
	n = snprintf(c->datadir, sizeof(c->datadir), "%s/.coffer", home);
	if (n < 0 || (size_t)n >= sizeof(c->datadir)) {
		c->datadir[0] = '\0';
		return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "HOME is too long; pass --datadir");
	}
	return 0;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* One `key = value` line (already trimmed, NUL-terminated, not a comment). */
static int
parse_line(struct daemon_config *c, char *s, const char *name, unsigned int line, uint64_t *seen)
{
	const struct config_key *k;
	char *eq, *key, *value, *end, q[160];
	size_t index;
	int r;

	if ((eq = strchr(s, '=')) == NULL) {
		config_quote(q, sizeof(q), s);
		config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "expected key = value, got %s", q);
		return locate(c, COFFER_ERR_CONFIG_BAD_VALUE, name, line);
	}
	key = s;
	end = eq;
	while (end > key && is_blank(end[-1]))
		end--;
	*end = '\0';
	value = eq + 1;
	while (is_blank(*value))
		value++;
	if ((k = config_key_find(key, strlen(key), &index)) == NULL) {
		config_quote(q, sizeof(q), key);
		config_fail(c, COFFER_ERR_CONFIG_UNKNOWN_KEY, "unknown key %s", q);
		return locate(c, COFFER_ERR_CONFIG_UNKNOWN_KEY, name, line);
	}
	if (k->flags & CK_FLAG_ONLY) {
		config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "%s can only be given on the command line (--%s)",
		    k->name, k->name);
		return locate(c, COFFER_ERR_CONFIG_BAD_VALUE, name, line);
	}
	if (*seen & key_bit(index)) {
		config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "%s given twice", k->name);
		return locate(c, COFFER_ERR_CONFIG_BAD_VALUE, name, line);
	}
	*seen |= key_bit(index);
	if (c->set_by_flag & key_bit(index)) {
		/* The flag wins, but a bad value in the file is still an error. */
		struct daemon_config *scratch = malloc(sizeof(*scratch));

		if (scratch == NULL)
			return COFFER_ERR_NOMEM;
		memcpy(scratch, c, sizeof(*scratch));
		r = k->parse(scratch, value);
		if (r != 0)
			memcpy(c->err, scratch->err, sizeof(c->err));
		secure_free(scratch, sizeof(*scratch));
	} else {
		r = k->parse(c, value);
		if (r == 0)
			c->set_by_file |= key_bit(index);
	}
	if (r != 0)
		return locate(c, r, name, line);
	return 0;
}

int
config_parse_text(struct daemon_config *c, const char *text, size_t len, const char *name)
{
	char buf[CONFIG_MAX_LINE + 1];
	uint64_t seen = 0;
	unsigned int line = 0;
	size_t off = 0;
	int r = 0;

	if (len > CONFIG_MAX_FILE)
		return config_fail(c, COFFER_ERR_TOO_LARGE, "%s: larger than %d bytes", name, CONFIG_MAX_FILE);
	if (memchr(text, '\0', len) != NULL)
		return config_fail(c, COFFER_ERR_CONFIG_BAD_VALUE, "%s: contains a NUL byte", name);
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		char *s, *e;

		line++;
		if (n > CONFIG_MAX_LINE) {
			r = config_fail(c, COFFER_ERR_TOO_LARGE, "%s:%u: line longer than %d bytes", name, line,
			    CONFIG_MAX_LINE);
			break;
		}
		memcpy(buf, text + off, n);
		buf[n] = '\0';
		off += n + (nl != NULL ? 1 : 0);
		if (n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
		s = buf;
		while (is_blank(*s))
			s++;
		e = s + strlen(s);
		while (e > s && is_blank(e[-1]))
			e--;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if ((r = parse_line(c, s, name, line, &seen)) != 0)
			break;
	}
	/* The line may have held the RPC password. */
	secure_wipe(buf, sizeof(buf));
	return r;
}

int
config_parse_file(struct daemon_config *c, const char *path)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t got;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return config_fail(c, COFFER_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		r = config_fail(c, COFFER_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = config_fail(c, COFFER_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	/* It names the signer binary to run: nobody else may change it. */
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		r = config_fail(c, COFFER_ERR_DATADIR_PERMS,
		    "%s: must be owned by this user and not writable by group or others (mode %04o); run chmod 600 %s",
		    path, (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	if ((text = malloc(CONFIG_MAX_FILE + 1)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		got = read(fd, text + len, CONFIG_MAX_FILE + 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = config_fail(c, COFFER_ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > CONFIG_MAX_FILE) {
			r = config_fail(c, COFFER_ERR_TOO_LARGE, "%s: larger than %d bytes", path, CONFIG_MAX_FILE);
			goto out;
		}
	}
	r = config_parse_text(c, text, len, path);
out:
	if (text != NULL)
		secure_free(text, CONFIG_MAX_FILE + 1);
	close(fd);
	return r;
}

static const char *
default_esplora(enum btc_network net)
{
	switch (net) {
	case BTC_MAINNET:
		return "https://blockstream.info/api";
	case BTC_TESTNET:
		return "https://blockstream.info/testnet/api";
	case BTC_TESTNET4:
		return "https://mempool.space/testnet4/api";
	case BTC_SIGNET:
		return "https://mempool.space/signet/api";
	case BTC_REGTEST:
		break;
	}
	return NULL;
}

int
config_finish(struct daemon_config *c)
{
	int have_cookie, have_user, have_pass;
	const char *esplora;
	uint64_t rpc_keys = key_bit(key_index("bitcoind-rpc")) | key_bit(key_index("bitcoind-rpc-cookie")) |
	    key_bit(key_index("bitcoind-rpc-user")) | key_bit(key_index("bitcoind-rpc-password"));
	uint64_t esplora_key = key_bit(key_index("esplora"));

	/* The chain backend is one choice: a flag naming one drops the file's other one. */
	if ((c->set_by_flag & rpc_keys) && (c->set_by_file & esplora_key)) {
		c->esplora[0] = '\0';
		c->set_by_file &= ~esplora_key;
	}
	if ((c->set_by_flag & esplora_key) && (c->set_by_file & rpc_keys)) {
		c->bitcoind_rpc[0] = c->bitcoind_rpc_cookie[0] = c->bitcoind_rpc_user[0] = '\0';
		secure_wipe(c->bitcoind_rpc_password, sizeof(c->bitcoind_rpc_password));
		c->set_by_file &= ~rpc_keys;
	}
	have_cookie = c->bitcoind_rpc_cookie[0] != '\0';
	have_user = c->bitcoind_rpc_user[0] != '\0';
	have_pass = c->bitcoind_rpc_password[0] != '\0';
	if (c->datadir[0] == '\0')
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT, "no datadir (pass --datadir)");
	if ((c->tls_cert[0] != '\0') != (c->tls_key[0] != '\0'))
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT, "tls-cert and tls-key go together");
	/* A keystore's Argon2id is chosen once, at create: weak settings only where coins are worthless. */
	if (c->signer_kdf_memory_kib != 0 && c->signer_kdf_memory_kib < CONFIG_MIN_KDF_KIB && c->network != BTC_REGTEST)
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "signer-kdf-memory %u KiB is below %u KiB: weak keystore encryption is for tests on regtest only",
		    c->signer_kdf_memory_kib, CONFIG_MIN_KDF_KIB);
	if (c->signer_connect[0] != '\0' && c->signer[0] != '\0')
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "signer-connect %s and signer %s: connect to a running signer or start one, not both",
		    c->signer_connect, c->signer);
	if (c->signer_connect[0] != '\0' && (c->signer_tee[0] != '\0' || c->signer_seal[0] != '\0' ||
	    c->signer_seal_pcrs[0] != '\0' || c->signer_tcti[0] != '\0' || c->signer_kdf_memory_kib != 0 ||
	    c->signer_kdf_passes != 0))
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "signer-connect %s: signer-tee, signer-seal, signer-seal-pcrs, signer-tcti and signer-kdf-* "
		    "configure a signer cofferd starts; give them to the standalone coffer-signer instead",
		    c->signer_connect);
	if (c->tls_self_signed && c->tls_cert[0] != '\0')
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT, "tls-self-signed and tls-cert: choose one");
	if (!c->listen_loopback && c->tls_cert[0] == '\0' && !c->tls_self_signed && !c->insecure_listen)
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "listen %s is not a loopback address: the API and its tokens would cross the network in "
		    "clear text; give --tls-cert and --tls-key, or --tls-self-signed, or --insecure-listen if a "
		    "TLS proxy in front of cofferd handles it", c->listen);
	if (c->bitcoind_rpc[0] != '\0' && c->esplora[0] != '\0')
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "bitcoind-rpc and esplora are both set; choose one chain backend");
	if (have_cookie && (have_user || have_pass))
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "bitcoind-rpc-cookie and bitcoind-rpc-user/password are both set; choose one");
	if (have_user != have_pass)
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "bitcoind-rpc-user and bitcoind-rpc-password go together");
	if ((have_cookie || have_user) && c->bitcoind_rpc[0] == '\0')
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "bitcoind-rpc credentials are set but bitcoind-rpc (the node's URL) is not");
	if (c->max_connections_per_ip > c->max_connections)
		return config_fail(c, COFFER_ERR_CONFIG_CONFLICT,
		    "max-connections-per-ip (%u) exceeds max-connections (%u)", c->max_connections_per_ip,
		    c->max_connections);
	if (c->bitcoind_rpc[0] == '\0' && c->esplora[0] == '\0' &&
	    (esplora = default_esplora(c->network)) != NULL)
		memcpy(c->esplora, esplora, strlen(esplora) + 1);
	return 0;
}
