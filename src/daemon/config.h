/*
 * cofferd configuration: command-line flags and <datadir>/coffer.conf.
 *
 * Both name the same keys (`--network signet` on the command line,
 * `network = signet` in the file). Each key has one parse_<key>() that
 * writes into struct daemon_config; numbers are parsed strictly (digits only,
 * no sign, no leading zeros, range checked); a bad value or an unknown key is
 * an error whose message quotes it (secrets excepted). Flags win over the
 * file, but a bad value in the file is an error even when a flag overrides
 * it. Cross-field checks run last, in config_finish().
 *
 * Order of use (main.c): config_init, config_parse_args, config_default_datadir,
 * (datadir_prepare), config_parse_file, config_finish. On error c->err holds
 * one line for the operator.
 */
#ifndef COFFER_DAEMON_CONFIG_H
#define COFFER_DAEMON_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "btc/network.h"
#include "daemon/log.h"

#define CONFIG_MAX_PATH 1024		/* bytes of a path value, NUL included */
#define CONFIG_MAX_URL 512		/* bytes of a URL value, NUL included */
#define CONFIG_MAX_ORIGIN 128		/* bytes of one CORS origin */
#define CONFIG_MAX_ORIGINS 8		/* CORS origins */
#define CONFIG_MAX_FILE (64 * 1024)	/* coffer.conf size cap */
#define CONFIG_MAX_LINE 2048		/* one line of coffer.conf */
#define CONFIG_DEFAULT_PORT 7420
#define CONFIG_FILE_NAME "coffer.conf"
#define CONFIG_SIGNER_SPAWN 0
#define CONFIG_SIGNER_UNIX 1
#define CONFIG_SIGNER_VSOCK 2
#define CONFIG_MIN_KDF_KIB (64u * 1024u)	/* signer-kdf-memory below this: regtest only */

struct daemon_config {
	char datadir[CONFIG_MAX_PATH];
	enum btc_network network;
	/* listen: the text as given (for messages) and the parsed address */
	char listen[80];
	struct sockaddr_storage listen_addr;
	socklen_t listen_addrlen;
	uint16_t listen_port;		/* 0: any free port (logged at start) */
	int listen_loopback;		/* 127.0.0.0/8 or ::1 */
	char tls_cert[CONFIG_MAX_PATH];
	char tls_key[CONFIG_MAX_PATH];
	int insecure_listen;		/* plain HTTP on a non-loopback address, on purpose */
	int tls_self_signed;		/* TLS with a certificate cofferd makes and keeps in <datadir>/tls */
	char bitcoind_rpc[CONFIG_MAX_URL];
	char bitcoind_rpc_cookie[CONFIG_MAX_PATH];
	char bitcoind_rpc_user[128];
	char bitcoind_rpc_password[256];	/* secret: wiped by config_clear */
	char esplora[CONFIG_MAX_URL];	/* filled with the network's public default by config_finish */
	char signer[CONFIG_MAX_PATH];	/* "" = coffer-signer next to cofferd */
	unsigned int signer_kdf_memory_kib;	/* Argon2id memory for a new keystore (0: signer default) */
	unsigned int signer_kdf_passes;	/* Argon2id passes (0: signer default) */
	/* signer-connect: a standalone signer instead of a spawned one */
	char signer_connect[CONFIG_MAX_PATH];	/* the text as given; "" = spawn */
	int signer_connect_kind;	/* CONFIG_SIGNER_SPAWN, _UNIX or _VSOCK */
	char signer_connect_path[108];	/* unix: socket path (sun_path size) */
	uint32_t signer_connect_cid, signer_connect_port;	/* vsock */
	/* passed to the spawned signer as --tee/--seal/--seal-pcrs/--tcti ("" = not passed) */
	char signer_tee[32];
	char signer_seal[16];
	char signer_seal_pcrs[96];
	char signer_tcti[256];
	unsigned int sync_interval_s;	/* chain sync period (default 30) */
	enum log_level log_level;
	unsigned int max_connections;
	unsigned int max_connections_per_ip;
	unsigned int timeout_s;		/* idle connection timeout */
	char cors_origins[CONFIG_MAX_ORIGINS][CONFIG_MAX_ORIGIN];
	size_t n_cors_origins;
	uint64_t set_by_flag;		/* bit i: key i of the key table came from a flag */
	uint64_t set_by_file;		/* bit i: key i came from coffer.conf */
	char err[640];			/* the last error, one line */
};

/* Defaults: signet, 127.0.0.1:7420, info logging, 256 connections, 32 per IP, 30 s, sync every 30 s. */
void config_init(struct daemon_config *c);

/* Wipe the secret fields (RPC password). */
void config_clear(struct daemon_config *c);

/*
 * Parse flags: `--key value`, `--key=value`, and the boolean `--insecure-listen`.
 * argv[0] is skipped. Returns 0, COFFER_ERR_CONFIG_UNKNOWN_KEY (unknown flag or
 * a stray argument) or COFFER_ERR_CONFIG_BAD_VALUE (c->err says which).
 */
int config_parse_args(struct daemon_config *c, int argc, char **argv);

/*
 * Set datadir to $HOME/.coffer unless a flag set it.
 * Returns 0 or COFFER_ERR_CONFIG_BAD_VALUE (no HOME, or the path is too long).
 */
int config_default_datadir(struct daemon_config *c);

/*
 * Parse coffer.conf text: `key = value` lines, `#` comments, blank lines.
 * Keys set by a flag are validated and then ignored (flags win). A key given
 * twice, `datadir` (the file lives inside it) and a line without `=` are errors.
 * Returns 0, COFFER_ERR_CONFIG_UNKNOWN_KEY, COFFER_ERR_CONFIG_BAD_VALUE or
 * COFFER_ERR_TOO_LARGE. In: text/len (need not be NUL-terminated); name (for messages).
 */
int config_parse_text(struct daemon_config *c, const char *text, size_t len, const char *name);

/*
 * Read and parse a coffer.conf file. A missing file is fine (returns 0). The
 * file must be a regular file owned by us and not writable by group or others
 * (it names the signer binary): else COFFER_ERR_DATADIR_PERMS.
 * Returns 0, COFFER_ERR_IO, COFFER_ERR_DATADIR_PERMS or a config_parse_text error.
 */
int config_parse_file(struct daemon_config *c, const char *path);

/*
 * Cross-field checks, then defaults that depend on other keys (Esplora URL of
 * the network when no chain backend is configured).
 * Returns 0 or COFFER_ERR_CONFIG_CONFLICT.
 */
int config_finish(struct daemon_config *c);

/* The key names in table order (for usage text); NULL-terminated. */
const char *const *config_key_names(void);

#endif
