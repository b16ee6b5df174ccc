/*
 * cofferd: the Coffer daemon.
 *
 *   cofferd [--datadir DIR] [--network NET] [--listen ADDR:PORT] ...
 *
 * Start-up: configuration (flags, then <datadir>/coffer.conf), the datadir
 * (0700), the single-instance lock, the admin token, then the HTTP server.
 * SIGTERM or SIGINT stops it cleanly (exit 0). Exit 2 for a configuration
 * error, 1 for anything else that stops start-up.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "btc/network.h"
#include "common/err.h"
#include "common/secmem.h"
#include "daemon/chain.h"
#include "daemon/chain_config.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/datadir.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/payments_service.h"
#include "daemon/syncer.h"
#include "daemon/tls_selfsigned.h"
#include "daemon/wallet.h"
#include "common/wipealloc.h"

static const char usage[] =
    "usage: cofferd [--KEY VALUE | --KEY=VALUE]...\n"
    "\n"
    "The Coffer daemon: a REST API for a wallet whose keys stay in the signer.\n"
    "Every key can also be set in <datadir>/coffer.conf as `key = value`; flags win.\n"
    "\n"
    "  --datadir DIR                 data directory (default ~/.coffer; created 0700)\n"
    "  --network NET                 bitcoin|testnet|testnet4|signet|regtest (default signet)\n"
    "  --listen ADDR:PORT            default 127.0.0.1:7420; [::1]:7420 for IPv6; port 0 picks a free one\n"
    "  --tls-cert FILE --tls-key FILE  serve HTTPS (PEM)\n"
    "  --tls-self-signed             serve HTTPS with a certificate cofferd makes once and keeps in\n"
    "                                <datadir>/tls (its SHA-256 fingerprint is logged at start)\n"
    "  --insecure-listen             allow plain HTTP on a non-loopback address (behind a TLS proxy)\n"
    "  --bitcoind-rpc URL            chain backend: a bitcoind JSON-RPC endpoint, with\n"
    "  --bitcoind-rpc-cookie FILE    its cookie file, or\n"
    "  --bitcoind-rpc-user U --bitcoind-rpc-password P\n"
    "  --esplora URL                 chain backend: an Esplora API (default: a public one for the network)\n"
    "  --signer PATH                 coffer-signer binary (default: next to cofferd)\n"
    "  --signer-kdf-memory KIB       Argon2id memory for a new keystore (default: the signer's, 256 MiB)\n"
    "  --signer-kdf-passes N         Argon2id passes for a new keystore (default: the signer's, 3)\n"
    "  --sync-interval SECONDS       chain sync period (default 30)\n"
    "  --log-level LEVEL             error|warn|info|debug (default info)\n"
    "  --max-connections N           default 256\n"
    "  --max-connections-per-ip N    default 32\n"
    "  --timeout SECONDS             idle connection timeout (default 30)\n"
    "  --cors-origins LIST           comma-separated origins allowed to call the API from a browser\n"
    "                                (default: none, no CORS headers at all)\n"
    "\n"
    "The admin token is in <datadir>/auth_token. API reference: docs/API.md.\n";

static void
die(int status, const char *what, const char *msg)
{
	fprintf(stderr, "cofferd: %s%s%s\n", what != NULL ? what : "", what != NULL ? ": " : "", msg);
	exit(status);
}

static int
wants(int argc, char **argv, const char *flag)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

static void
format_url(char *out, size_t outsize, const struct daemon_config *c, uint16_t port, int tls)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)&c->listen_addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&c->listen_addr;

	if (c->listen_addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, outsize, "%s://[%s]:%u", tls ? "https" : "http", host, (unsigned int)port);
	} else {
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(out, outsize, "%s://%s:%u", tls ? "https" : "http", host, (unsigned int)port);
	}
}

/* --tls-self-signed: make (once) or reuse the certificate, and say which one clients should pin. */
static void
self_signed(struct daemon_config *c)
{
	char host[INET6_ADDRSTRLEN] = "", fp[TLS_FINGERPRINT_LEN], err[1200];
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)&c->listen_addr;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&c->listen_addr;
	int created, r;

	if (c->listen_addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		host[0] = '\0';
	if ((r = tls_self_signed(c->tls_cert, sizeof(c->tls_cert), c->tls_key, sizeof(c->tls_key), fp, &created, err,
	    sizeof(err), c->datadir, host)) != 0)
		die(r == COFFER_ERR_DATADIR_PERMS ? 2 : 1, "tls-self-signed", err);
	log_notice("TLS: %s self-signed certificate %s, SHA-256 fingerprint %s", created ? "new" : "the",
	    c->tls_cert, fp);
}

/* The configured chain backend, or none (regtest without one). */
static int
open_chain(struct chain **out, const struct daemon_config *c)
{
	*out = NULL;
	if (c->bitcoind_rpc[0] == '\0' && c->esplora[0] == '\0')
		return 0;
	return chain_from_config(out, c);
}

int
main(int argc, char **argv)
{
	static struct daemon_config cfg;
	static struct daemon d;
	static struct wallet wallet;
	static struct syncer syncer;
	static struct payments_service paysvc;
	struct chain *chain = NULL;
	struct http_server http;
	char err[1024], path[PATH_MAX], token[DATADIR_TOKEN_LEN + 1], url[128], signer[PATH_MAX];
	sigset_t sigs;
	int lock_fd = -1, created = 0, sig = 0, r;

	if (wants(argc, argv, "--help") || wants(argc, argv, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (wants(argc, argv, "--version")) {
		printf("cofferd %s\n", COFFER_VERSION);
		return 0;
	}
	secmem_init();
	/* Before any JSON exists: everything jansson allocates is wiped when freed. */
	wipealloc_install_jansson();
	config_init(&cfg);
	if (config_parse_args(&cfg, argc, argv) != 0 || config_default_datadir(&cfg) != 0)
		die(2, NULL, cfg.err);
	log_set_level(cfg.log_level);
	if ((r = datadir_prepare(path, sizeof(path), err, sizeof(err), cfg.datadir)) != 0)
		die(r == COFFER_ERR_DATADIR_PERMS ? 2 : 1, NULL, err);
	if (strlen(path) >= sizeof(cfg.datadir))
		die(2, NULL, "datadir path too long");
	memcpy(cfg.datadir, path, strlen(path) + 1);
	snprintf(path, sizeof(path), "%s/%s", cfg.datadir, CONFIG_FILE_NAME);
	if (config_parse_file(&cfg, path) != 0 || config_finish(&cfg) != 0)
		die(2, NULL, cfg.err);
	log_set_level(cfg.log_level);
	if ((r = datadir_lock(&lock_fd, err, sizeof(err), cfg.datadir)) != 0)
		die(1, NULL, err);
	if (cfg.tls_self_signed)
		self_signed(&cfg);
	if ((r = datadir_auth_token(token, &created, err, sizeof(err), cfg.datadir)) != 0)
		die(1, NULL, err);
	if (created)
		log_notice("generated the admin token in %s/%s (mode 0600)", cfg.datadir, DATADIR_TOKEN_FILE);
	r = daemon_init(&d, &cfg, token);
	secure_wipe(token, sizeof(token));
	if (r != 0)
		die(1, "admin token", coffer_err_msg(r));

	/*
	 * The signer first, while this is the only thread and no signal is
	 * blocked or ignored: the child inherits both. Without a signer cofferd
	 * still serves health, info and metrics.
	 */
	if (cfg.signer[0] != '\0')
		snprintf(signer, sizeof(signer), "%s", cfg.signer);
	else if (wallet_default_signer_path(signer, sizeof(signer)) != 0)
		snprintf(signer, sizeof(signer), "coffer-signer");
	/* Without a signer now, the wallet layer tries again on the next request. */
	if (wallet_start(&wallet, &d, err, sizeof(err), signer) != 0)
		log_warn("%s; the wallet stays unavailable", err);
	d.wallet = &wallet;

	/* The chain backend: no traffic yet, so an unreachable one never stops start-up. */
	if ((r = open_chain(&chain, &cfg)) != 0)
		die(2, "chain backend", coffer_err_msg(r));

	/* Signals go to this thread only (sigwait below); the server threads inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0)
		die(1, NULL, "cannot block signals");
	signal(SIGPIPE, SIG_IGN);

	/* Payments open with the store at unlock when there is a backend (the syncer owns it). */
	d.paysvc = &paysvc;
	d.chain = chain;
	if (syncer_start(&syncer, &d, chain) != 0)
		die(1, NULL, "cannot start the background thread");
	if ((r = http_start(&http, err, sizeof(err), &d)) != 0)
		die(1, coffer_err_name(r), err);
	format_url(url, sizeof(url), &cfg, http.port, http.tls);
	log_notice("cofferd %s listening on %s (network %s, datadir %s, wallet %s)", COFFER_VERSION, url,
	    btc_network_params(cfg.network)->name, cfg.datadir, daemon_wallet_state_name(daemon_wallet_state(&d)));
	if (!cfg.listen_loopback && !http.tls)
		log_warn("serving plain HTTP on a non-loopback address (--insecure-listen): put TLS in front");

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored (restart cofferd to reload coffer.conf)");
			continue;
		}
		break;
	}
	log_notice("%s received, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	http_stop(&http);
	/* The payments worker stops before the syncer frees the chain backend (under w->mu, as at lock). */
	if (pthread_mutex_lock(&wallet.mu) != 0)
		abort();
	daemon_close_payments(&d);
	if (pthread_mutex_unlock(&wallet.mu) != 0)
		abort();
	syncer_stop(&syncer);
	wallet_stop(&wallet);
	daemon_free(&d);
	config_clear(&cfg);
	close(lock_fd);
	log_notice("stopped");
	return 0;
}
