/* Shared by the `coffer signer` command files (cmd_signer.c, cmd_signer_ops.c). */
#ifndef COFFER_CLI_CMD_SIGNER_H
#define COFFER_CLI_CMD_SIGNER_H

#include <stdint.h>

#include "common/buf.h"
#include "signer/client.h"

/* How to reach the signer, and the passphrase file a command may need. */
struct signer_conn {
	const char *socket;	/* --socket PATH */
	const char *datadir;	/* --datadir DIR: spawn a signer for this command */
	const char *signer_bin;	/* --signer-bin PATH */
	const char *network;	/* --network NAME (spawned signer) */
	int vsock;		/* --vsock CID:PORT */
	uint32_t vsock_cid, vsock_port;
	const char *passfile;	/* --passphrase-file F */
	int spawned;		/* set by signer_connect */
};

/* A command's own option: 1 consumed, 0 not ours, -1 bad value (usage printed). */
typedef int (*signer_opt_fn)(void *ctx, const char *opt, const char *v);

/* Parse `--opt value` pairs: connection options, then extra's. Returns 0 or an exit status. */
int signer_parse_args(struct signer_conn *c, int argc, char **argv, signer_opt_fn extra, void *ctx);
/* Connect, or spawn for --datadir. Returns 0 or an exit status (message printed). */
int signer_connect(struct signer_client *sc, struct signer_conn *c);
/* Print the signer's error (with its reason) and return exit status 1. */
int signer_fail(const struct signer_client *sc, const char *what, int code);
/* Read a secret file (what: "passphrase", "BIP39 passphrase" or "mnemonic")
 * and append it sealed to the signer's unlock key. Returns 0 or 1. */
int signer_sealed_from_file(struct signer_client *sc, struct cbuf *box, const char *path, const char *what);
/* A spawned signer starts locked: unlock it with --passphrase-file (no-op otherwise). */
int signer_unlock_spawned(struct signer_client *sc, const struct signer_conn *c);

#endif
