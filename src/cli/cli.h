/* The coffer command-line tool: shared declarations for command modules. */
#ifndef COFFER_CLI_CLI_H
#define COFFER_CLI_CLI_H

#include <stddef.h>

#include "common/buf.h"

struct cli_command {
	const char *group;	/* "mnemonic", "psbt", ...; NULL for a top-level command */
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command name */
	const char *usage;	/* argument synopsis for `coffer help` */
	const char *summary;	/* one line */
};

/* Print "coffer: <what>: <reason>" to stderr and return exit status 1. */
int cli_fail(const char *what, int code);
/* Print "coffer: <message>" to stderr and return exit status 2 (usage error). */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read all of stdin (at most max bytes) into b. */
int cli_read_stdin(struct cbuf *b, size_t max);
/* Read a whole file (at most max bytes) into b; secret buffers are never copied unwiped. */
int cli_read_file(struct cbuf *b, const char *path, size_t max);
/* Drop leading and trailing ASCII whitespace from b in place (keeps it NUL-terminated). */
void cli_trim(struct cbuf *b);

/* Largest secret file (mnemonic, passphrase, WIF) the CLI reads. */
#define CLI_SECRET_FILE_MAX 4096

enum cli_secret_kind {
	CLI_SECRET_WORDS,	/* mnemonic or WIF: surrounding whitespace dropped */
	CLI_SECRET_PASSPHRASE,	/* BIP39 passphrase: only one final newline dropped; spaces are part of it */
};

/*
 * Read a secret text file into b, which the caller has set up with
 * cbuf_init_secret(b, CLI_SECRET_FILE_MAX + 1) (wiped by cbuf_free).
 * Returns 0; COFFER_ERR_IO; COFFER_ERR_TOO_LARGE; COFFER_ERR_BAD_STRING (a NUL byte).
 */
int cli_read_secret_file(struct cbuf *b, const char *path, enum cli_secret_kind kind);

/* Command handlers (one file per group: cmd_<group>.c). */
int cmd_mnemonic_new(int argc, char **argv);
/* cmd_descriptor.c */
int cmd_descriptor_from_mnemonic(int argc, char **argv);
int cmd_descriptor_derive(int argc, char **argv);
/* cmd_psbt.c */
int cmd_psbt_decode(int argc, char **argv);
int cmd_psbt_sign(int argc, char **argv);
int cmd_psbt_finalize(int argc, char **argv);
int cmd_psbt_combine(int argc, char **argv);
/* cmd_signer.c, cmd_signer_ops.c */
int cmd_signer_status(int argc, char **argv);
int cmd_signer_create(int argc, char **argv);
int cmd_signer_restore(int argc, char **argv);
int cmd_signer_unlock(int argc, char **argv);
int cmd_signer_lock(int argc, char **argv);
int cmd_signer_descriptors(int argc, char **argv);
int cmd_signer_sign_psbt(int argc, char **argv);
int cmd_signer_sign_message(int argc, char **argv);
int cmd_signer_policy(int argc, char **argv);
int cmd_signer_set_policy(int argc, char **argv);
int cmd_signer_audit(int argc, char **argv);
int cmd_signer_attest(int argc, char **argv);
/* cmd_message.c */
int cmd_message_sign(int argc, char **argv);
int cmd_message_verify(int argc, char **argv);
/* cmd_audit.c */
int cmd_audit_verify(int argc, char **argv);
/* cmd_daemon.c, cmd_wallet.c, cmd_admin.c: through cofferd's REST API */
int cmd_status(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_attest(int argc, char **argv);
int cmd_address(int argc, char **argv);
int cmd_balance(int argc, char **argv);
int cmd_transactions(int argc, char **argv);
/* cmd_payments.c: paying through cofferd */
int cmd_send(int argc, char **argv);
int cmd_payments(int argc, char **argv);
int cmd_bump(int argc, char **argv);
int cmd_payments_cancel(int argc, char **argv);
/* cmd_webhooks.c: webhook endpoints through cofferd */
int cmd_webhooks_add(int argc, char **argv);
int cmd_webhooks_list(int argc, char **argv);
int cmd_webhooks_delete(int argc, char **argv);
int cmd_policy_show(int argc, char **argv);
int cmd_policy_set(int argc, char **argv);
int cmd_token_create(int argc, char **argv);
int cmd_token_list(int argc, char **argv);
int cmd_token_revoke(int argc, char **argv);
int cmd_audit_verify_online(int argc, char **argv);
/* cmd_verify.c */
int cmd_verify(int argc, char **argv);

int cmd_autounlock_enroll(int argc, char **argv);
int cmd_autounlock_check(int argc, char **argv);
int cmd_autounlock_remove(int argc, char **argv);

#endif
