/*
 * cofferd configuration: every key with good and bad values, from flags and
 * from coffer.conf; unknown keys; flags win over the file; cross-field checks.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "daemon/config.h"

/* Parse flags given as a NULL-terminated list (argv[0] added). */
static int
args(struct daemon_config *c, const char *first, ...)
{
	char *argv[32];
	va_list ap;
	const char *a;
	int argc = 0;

	argv[argc++] = (char *)"cofferd";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return config_parse_args(c, argc, argv);
}

static int
text(struct daemon_config *c, const char *s)
{
	return config_parse_text(c, s, strlen(s), "coffer.conf");
}

/* A value for `key` from a flag and from the file must give the same result code. */
static void
both(const char *key, const char *value, int want)
{
	struct daemon_config c;
	char flag[1400], line[1500];

	config_init(&c);
	snprintf(flag, sizeof(flag), "--%s=%s", key, value);
	CHECK_MSG(args(&c, flag, NULL) == want, "flag %s: %s", flag, c.err);
	if (want != 0) {
		/* The message names the key and (secrets aside) quotes the value. */
		CHECK_MSG(strstr(c.err, key) != NULL, "message does not name %s: %s", key, c.err);
		if (strcmp(key, "bitcoind-rpc-password") != 0 && value[0] != '\0' && strlen(value) < 60 &&
		    strpbrk(value, "\t\x1b") == NULL)
			CHECK_MSG(strstr(c.err, value) != NULL, "message does not quote %s: %s", value, c.err);
	}
	config_clear(&c);
	if (strcmp(key, "datadir") == 0)
		return;
	config_init(&c);
	snprintf(line, sizeof(line), "# comment\n\n  %s   =   %s  \n", key, value);
	CHECK_MSG(text(&c, line) == want, "file %s = %s: %s", key, value, c.err);
	if (want != 0)
		CHECK_MSG(strstr(c.err, "coffer.conf:3:") != NULL, "no line number: %s", c.err);
	config_clear(&c);
}

static void
test_defaults(void)
{
	struct daemon_config c;
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)&c.listen_addr;

	config_init(&c);
	CHECK(c.network == BTC_SIGNET);
	CHECK_STREQ(c.listen, "127.0.0.1:7420");
	CHECK(c.listen_port == 7420 && c.listen_loopback);
	CHECK(in4->sin_family == AF_INET && ntohs(in4->sin_port) == 7420);
	CHECK(c.log_level == LOG_LEVEL_INFO);
	CHECK(c.max_connections == 256 && c.max_connections_per_ip == 32 && c.timeout_s == 30);
	CHECK(c.n_cors_origins == 0);
	/* HOME/.coffer unless --datadir */
	setenv("HOME", "/home/alice", 1);
	CHECK_OK(config_default_datadir(&c));
	CHECK_STREQ(c.datadir, "/home/alice/.coffer");
	config_init(&c);
	CHECK_OK(args(&c, "--datadir", "/srv/coffer", NULL));
	CHECK_OK(config_default_datadir(&c));
	CHECK_STREQ(c.datadir, "/srv/coffer");
	config_init(&c);
	unsetenv("HOME");
	CHECK_RC(config_default_datadir(&c), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "--datadir") != NULL);
	/* Public Esplora per network when no backend is set; none for regtest. */
	config_init(&c);
	c.datadir[0] = '/';
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.esplora, "https://mempool.space/signet/api");
	config_init(&c);
	c.datadir[0] = '/';
	CHECK_OK(args(&c, "--network", "bitcoin", NULL));
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.esplora, "https://blockstream.info/api");
	config_init(&c);
	c.datadir[0] = '/';
	CHECK_OK(args(&c, "--network", "regtest", NULL));
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.esplora, "");
}

static void
test_each_key(void)
{
	struct daemon_config c;
	char longv[1200];

	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';

	both("datadir", "/var/lib/coffer", 0);
	both("datadir", "", COFFER_ERR_CONFIG_BAD_VALUE);
	both("datadir", longv, COFFER_ERR_CONFIG_BAD_VALUE);

	both("network", "bitcoin", 0);
	both("network", "testnet", 0);
	both("network", "testnet4", 0);
	both("network", "signet", 0);
	both("network", "regtest", 0);
	both("network", "litecoin", COFFER_ERR_CONFIG_BAD_VALUE);
	both("network", "Signet ", COFFER_ERR_CONFIG_BAD_VALUE);
	config_init(&c);
	CHECK_OK(args(&c, "--network=testnet4", NULL));
	CHECK(c.network == BTC_TESTNET4);

	both("listen", "127.0.0.1:7420", 0);
	both("listen", "0.0.0.0:80", 0);
	both("listen", "[::1]:7420", 0);
	both("listen", "[::]:1", 0);
	both("listen", "127.0.0.1:0", 0);
	both("listen", "127.0.0.1", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "127.0.0.1:65536", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "127.0.0.1:-1", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "127.0.0.1:07420", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "127.0.0.1:+80", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "localhost:7420", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "::1:7420", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "[::1]7420", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "[fe80::zz]:1", COFFER_ERR_CONFIG_BAD_VALUE);
	both("listen", "256.0.0.1:1", COFFER_ERR_CONFIG_BAD_VALUE);
	config_init(&c);
	CHECK_OK(args(&c, "--listen", "[::1]:8443", NULL));
	CHECK(c.listen_addr.ss_family == AF_INET6 && c.listen_port == 8443 && c.listen_loopback);
	CHECK_RC(args(&c, "--listen", "10.1.2.3:9000", NULL), COFFER_ERR_CONFIG_BAD_VALUE);	/* given twice */
	config_init(&c);
	CHECK_OK(args(&c, "--listen", "10.1.2.3:9000", NULL));
	CHECK(!c.listen_loopback && c.listen_port == 9000);
	config_init(&c);
	CHECK_OK(args(&c, "--listen", "127.8.9.10:1", NULL));
	CHECK(c.listen_loopback);
	config_init(&c);
	CHECK_OK(args(&c, "--listen", "[::ffff:127.0.0.1]:1", NULL));
	CHECK(c.listen_loopback);

	both("tls-cert", "/etc/coffer/cert.pem", 0);
	both("tls-cert", "", COFFER_ERR_CONFIG_BAD_VALUE);
	both("tls-key", "/etc/coffer/key.pem", 0);
	both("tls-key", "a\tb", COFFER_ERR_CONFIG_BAD_VALUE);

	both("insecure-listen", "true", 0);
	both("insecure-listen", "false", 0);
	both("insecure-listen", "yes", COFFER_ERR_CONFIG_BAD_VALUE);
	both("insecure-listen", "1", COFFER_ERR_CONFIG_BAD_VALUE);
	config_init(&c);
	CHECK_OK(args(&c, "--insecure-listen", NULL));
	CHECK(c.insecure_listen == 1);

	both("bitcoind-rpc", "http://127.0.0.1:8332", 0);
	both("bitcoind-rpc", "https://node.example:18443/wallet/x", 0);
	both("bitcoind-rpc", "http://[::1]:18443", 0);
	both("bitcoind-rpc", "ftp://127.0.0.1", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc", "http://user:pw@127.0.0.1:8332", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc", "http://127.0.0.1:99999", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc", "http://", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc", "http://a b", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc", "127.0.0.1:8332", COFFER_ERR_CONFIG_BAD_VALUE);

	both("bitcoind-rpc-cookie", "/home/bitcoin/.bitcoin/.cookie", 0);
	both("bitcoind-rpc-cookie", "", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc-user", "coffer", 0);
	both("bitcoind-rpc-user", "a:b", COFFER_ERR_CONFIG_BAD_VALUE);
	both("bitcoind-rpc-password", "s3cret value", 0);
	both("bitcoind-rpc-password", "", COFFER_ERR_CONFIG_BAD_VALUE);

	both("esplora", "https://mempool.space/api", 0);
	both("esplora", "mempool.space", COFFER_ERR_CONFIG_BAD_VALUE);
	both("esplora", "https://mempool.space:0/api", COFFER_ERR_CONFIG_BAD_VALUE);
	both("esplora", "https://mem_pool.space/api", COFFER_ERR_CONFIG_BAD_VALUE);

	both("signer", "/usr/lib/coffer/coffer-signer", 0);
	both("signer", "", COFFER_ERR_CONFIG_BAD_VALUE);

	both("log-level", "error", 0);
	both("log-level", "warn", 0);
	both("log-level", "info", 0);
	both("log-level", "debug", 0);
	both("log-level", "trace", COFFER_ERR_CONFIG_BAD_VALUE);
	both("log-level", "INFO", COFFER_ERR_CONFIG_BAD_VALUE);

	both("max-connections", "1", 0);
	both("max-connections", "4096", 0);
	both("max-connections", "0", COFFER_ERR_CONFIG_BAD_VALUE);
	both("max-connections", "4097", COFFER_ERR_CONFIG_BAD_VALUE);
	both("max-connections", "12x", COFFER_ERR_CONFIG_BAD_VALUE);
	both("max-connections", "0x10", COFFER_ERR_CONFIG_BAD_VALUE);
	both("max-connections", "99999999999999999999999", COFFER_ERR_CONFIG_BAD_VALUE);
	both("max-connections-per-ip", "8", 0);
	both("max-connections-per-ip", "-8", COFFER_ERR_CONFIG_BAD_VALUE);
	both("timeout", "60", 0);
	both("timeout", "3601", COFFER_ERR_CONFIG_BAD_VALUE);
	both("timeout", "1.5", COFFER_ERR_CONFIG_BAD_VALUE);
	both("timeout", "", COFFER_ERR_CONFIG_BAD_VALUE);

	both("cors-origins", "https://app.example", 0);
	both("cors-origins", "https://app.example,http://localhost:3000", 0);
	both("cors-origins", "https://app.example/", COFFER_ERR_CONFIG_BAD_VALUE);
	both("cors-origins", "https://app.example,,http://x", COFFER_ERR_CONFIG_BAD_VALUE);
	both("cors-origins", "*", COFFER_ERR_CONFIG_BAD_VALUE);
	both("cors-origins", "http://a,http://b,http://c,http://d,http://e,http://f,http://g,http://h,http://i",
	    COFFER_ERR_CONFIG_BAD_VALUE);
	config_init(&c);
	CHECK_OK(args(&c, "--cors-origins", "https://a.example,http://b.example:8080", NULL));
	CHECK(c.n_cors_origins == 2);
	CHECK_STREQ(c.cors_origins[1], "http://b.example:8080");
}

static void
test_secret_not_quoted(void)
{
	struct daemon_config c;
	char longpw[400];

	memset(longpw, 'Q', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	config_init(&c);
	CHECK_RC(args(&c, "--bitcoind-rpc-password", longpw, NULL), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "QQQQ") == NULL);
	CHECK(strstr(c.err, "not shown") != NULL);
}

static void
test_unknown_and_malformed(void)
{
	struct daemon_config c;

	config_init(&c);
	CHECK_RC(args(&c, "--netwrok", "signet", NULL), COFFER_ERR_CONFIG_UNKNOWN_KEY);
	CHECK(strstr(c.err, "--netwrok") != NULL);
	config_init(&c);
	CHECK_RC(args(&c, "signet", NULL), COFFER_ERR_CONFIG_UNKNOWN_KEY);
	CHECK(strstr(c.err, "\"signet\"") != NULL);
	config_init(&c);
	CHECK_RC(args(&c, "--network", NULL), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "needs a value") != NULL);
	config_init(&c);
	CHECK_RC(args(&c, "--network", "signet", "--network", "regtest", NULL), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "twice") != NULL);

	config_init(&c);
	CHECK_RC(text(&c, "network = signet\nlisten_addr = 1.2.3.4:5\n"), COFFER_ERR_CONFIG_UNKNOWN_KEY);
	CHECK(strstr(c.err, "coffer.conf:2:") != NULL && strstr(c.err, "\"listen_addr\"") != NULL);
	config_init(&c);
	CHECK_RC(text(&c, "network signet\n"), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "key = value") != NULL);
	config_init(&c);
	CHECK_RC(text(&c, "network = signet\nnetwork = regtest\n"), COFFER_ERR_CONFIG_BAD_VALUE);
	config_init(&c);
	CHECK_RC(text(&c, "datadir = /tmp/x\n"), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strstr(c.err, "command line") != NULL);
	config_init(&c);
	CHECK_RC(config_parse_text(&c, "network = sig\0net\n", 18, "coffer.conf"), COFFER_ERR_CONFIG_BAD_VALUE);
	/* Control bytes in a quoted value are escaped, never printed raw. */
	config_init(&c);
	CHECK_RC(text(&c, "network = \x1b[31mred\n"), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(strchr(c.err, '\x1b') == NULL && strstr(c.err, "\\x1b") != NULL);
	/* CRLF line ends and comments are fine. */
	config_init(&c);
	CHECK_OK(text(&c, "# coffer\r\nnetwork = regtest\r\n\r\n   # indented comment\r\nlog-level=debug"));
	CHECK(c.network == BTC_REGTEST && c.log_level == LOG_LEVEL_DEBUG);
	/* Size caps. */
	{
		size_t n = CONFIG_MAX_FILE + 1;
		char *big = malloc(n);

		memset(big, '#', n);
		config_init(&c);
		CHECK_RC(config_parse_text(&c, big, n, "coffer.conf"), COFFER_ERR_TOO_LARGE);
		memset(big, 'x', CONFIG_MAX_LINE + 10);
		config_init(&c);
		CHECK_RC(config_parse_text(&c, big, CONFIG_MAX_LINE + 10, "coffer.conf"), COFFER_ERR_TOO_LARGE);
		free(big);
	}
}

static void
test_flags_win(void)
{
	struct daemon_config c;

	config_init(&c);
	CHECK_OK(args(&c, "--network", "regtest", "--log-level", "warn", NULL));
	CHECK_OK(text(&c, "network = bitcoin\nlog-level = debug\ntimeout = 99\n"));
	CHECK(c.network == BTC_REGTEST);
	CHECK(c.log_level == LOG_LEVEL_WARN);
	CHECK(c.timeout_s == 99);	/* not given as a flag: the file's value */
	/* A bad value in the file is an error even when a flag overrides it. */
	config_init(&c);
	CHECK_OK(args(&c, "--network", "regtest", NULL));
	CHECK_RC(text(&c, "network = dogecoin\n"), COFFER_ERR_CONFIG_BAD_VALUE);
	CHECK(c.network == BTC_REGTEST);
	/* A chain backend chosen by flag replaces the file's other backend. */
	config_init(&c);
	c.datadir[0] = '/';
	CHECK_OK(args(&c, "--bitcoind-rpc", "http://127.0.0.1:18443", NULL));
	CHECK_OK(text(&c, "esplora = https://mempool.space/api\n"));
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.esplora, "");
	CHECK_STREQ(c.bitcoind_rpc, "http://127.0.0.1:18443");
	config_init(&c);
	c.datadir[0] = '/';
	CHECK_OK(args(&c, "--esplora", "https://e.example/api", NULL));
	CHECK_OK(text(&c, "bitcoind-rpc = http://127.0.0.1:18443\nbitcoind-rpc-user = u\nbitcoind-rpc-password = p\n"));
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.bitcoind_rpc, "");
	CHECK_STREQ(c.bitcoind_rpc_password, "");
	CHECK_STREQ(c.esplora, "https://e.example/api");
}

static void
test_cross_checks(void)
{
	struct daemon_config c;

#define FRESH() do { config_init(&c); memcpy(c.datadir, "/d", 3); } while (0)
	FRESH();
	CHECK_OK(args(&c, "--listen", "0.0.0.0:7420", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	CHECK(strstr(c.err, "--tls-cert") != NULL && strstr(c.err, "--insecure-listen") != NULL);
	FRESH();
	CHECK_OK(args(&c, "--listen", "0.0.0.0:7420", "--insecure-listen", NULL));
	CHECK_OK(config_finish(&c));
	FRESH();
	CHECK_OK(args(&c, "--listen", "[::]:7420", "--tls-cert", "/c", "--tls-key", "/k", NULL));
	CHECK_OK(config_finish(&c));
	FRESH();
	CHECK_OK(args(&c, "--tls-cert", "/c", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	FRESH();
	CHECK_OK(args(&c, "--bitcoind-rpc", "http://127.0.0.1:8332", "--esplora", "https://x.example", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	FRESH();
	CHECK_OK(args(&c, "--bitcoind-rpc", "http://127.0.0.1:8332", "--bitcoind-rpc-cookie", "/c",
	    "--bitcoind-rpc-user", "u", "--bitcoind-rpc-password", "p", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	FRESH();
	CHECK_OK(args(&c, "--bitcoind-rpc", "http://127.0.0.1:8332", "--bitcoind-rpc-user", "u", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	FRESH();
	CHECK_OK(args(&c, "--bitcoind-rpc-cookie", "/c", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	FRESH();
	CHECK_OK(args(&c, "--bitcoind-rpc", "http://127.0.0.1:8332", "--bitcoind-rpc-cookie", "/c", NULL));
	CHECK_OK(config_finish(&c));
	CHECK_STREQ(c.esplora, "");
	FRESH();
	CHECK_OK(args(&c, "--max-connections", "10", "--max-connections-per-ip", "11", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	/* Weak keystore encryption: regtest only. */
	FRESH();
	CHECK_OK(args(&c, "--signer-kdf-memory", "64", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	CHECK(strstr(c.err, "regtest only") != NULL);
	FRESH();
	CHECK_OK(args(&c, "--signer-kdf-memory", "64", "--network", "regtest", NULL));
	CHECK_OK(config_finish(&c));
	FRESH();
	CHECK_OK(args(&c, "--signer-kdf-memory", "65536", "--signer-kdf-passes", "1", NULL));
	CHECK_OK(config_finish(&c));
	FRESH();
	CHECK_RC(args(&c, "--signer-kdf-passes", "0", NULL), COFFER_ERR_CONFIG_BAD_VALUE);
	/* Self-signed TLS: enough for a non-loopback address, not with a certificate of one's own. */
	FRESH();
	CHECK_OK(args(&c, "--listen", "0.0.0.0:7420", "--tls-self-signed", NULL));
	CHECK_OK(config_finish(&c));
	FRESH();
	CHECK_OK(args(&c, "--tls-self-signed", "--tls-cert", "/c", "--tls-key", "/k", NULL));
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);
	config_init(&c);
	CHECK_RC(config_finish(&c), COFFER_ERR_CONFIG_CONFLICT);	/* no datadir */
#undef FRESH
}

static void
test_file(void)
{
	char dir[] = "/tmp/coffer-config-XXXXXX", path[256];
	struct daemon_config c;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/coffer.conf", dir);
	config_init(&c);
	CHECK_OK(config_parse_file(&c, path));	/* missing: defaults */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "network = testnet\nlisten = [::1]:9999\n", 38) == 38);
	close(fd);
	config_init(&c);
	CHECK_OK(config_parse_file(&c, path));
	CHECK(c.network == BTC_TESTNET && c.listen_port == 9999);
	/* It names the signer binary: writable by others is refused. */
	CHECK(chmod(path, 0622) == 0);
	config_init(&c);
	CHECK_RC(config_parse_file(&c, path), COFFER_ERR_DATADIR_PERMS);
	CHECK(strstr(c.err, "chmod 600") != NULL);
	CHECK(chmod(path, 0640) == 0);
	config_init(&c);
	CHECK_OK(config_parse_file(&c, path));
	unlink(path);
	/* A directory where the file should be. */
	CHECK(mkdir(path, 0700) == 0);
	config_init(&c);
	CHECK_RC(config_parse_file(&c, path), COFFER_ERR_IO);
	rmdir(path);
	rmdir(dir);
}

static const struct test_case tests[] = {
	{ "defaults", test_defaults },
	{ "each_key", test_each_key },
	{ "secret_not_quoted", test_secret_not_quoted },
	{ "unknown_and_malformed", test_unknown_and_malformed },
	{ "flags_win", test_flags_win },
	{ "cross_checks", test_cross_checks },
	{ "file", test_file },
};

TEST_MAIN(tests)
