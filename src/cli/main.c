/*
 * coffer: the command-line tool. Commands are a table; `coffer help` and usage
 * errors are generated from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/err.h"
#include "common/secmem.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/* Options every command that talks to cofferd takes (cli/daemon_client.h). */
#define DAEMON_AT " [--url URL] [--token T | --datadir D] [--cacert F] [--json]"

static const struct cli_command commands[] = {
	{ NULL, "help", cmd_help, "", "show this help" },
	{ NULL, "version", cmd_version, "", "print the version" },
	/* Online: through the daemon's REST API. */
	{ NULL, "status", cmd_status, DAEMON_AT, "the daemon: version, network, wallet state, chain, balance" },
	{ NULL, "init", cmd_init,
	    "[--words 12|24] [--type tr|wpkh] [--mnemonic-file M] [--passphrase-file F]" DAEMON_AT,
	    "create the wallet in the daemon's signer (asks the passphrase twice; shows the new mnemonic once)" },
	{ NULL, "unlock", cmd_unlock, "[--timeout S] [--passphrase-file F]" DAEMON_AT,
	    "unlock: the passphrase is sealed here to the signer's unlock key, cofferd only relays it" },
	{ NULL, "lock", cmd_lock, DAEMON_AT, "lock: the signer wipes the seed, the store closes" },
	{ NULL, "address", cmd_address, "[--label L] | --list [--limit N]" DAEMON_AT,
	    "a new receive address (or the ones handed out)" },
	{ NULL, "balance", cmd_balance, DAEMON_AT, "confirmed and unconfirmed balance" },
	{ NULL, "transactions", cmd_transactions, "[--limit N] [--cursor C]" DAEMON_AT,
	    "incoming and outgoing transactions, newest first" },
	{ NULL, "sync", cmd_sync, DAEMON_AT, "sync with the chain backend now" },
	{ NULL, "send", cmd_send,
	    "ADDRESS AMOUNT_SAT [ADDRESS AMOUNT_SAT ...] [--fee-rate N] [--idempotency-key K] [--passphrase-file F] "
	    "[--preview]" DAEMON_AT,
	    "pay: one transaction to one or more outputs, signed and broadcast (the same key pays once); "
	    "--preview: fee and inputs only, nothing sent" },
	/* Before the plain `payments`: the first matching row wins. */
	{ "payments", "cancel", cmd_payments_cancel, "PAYMENT_ID [--fee-rate N]" DAEMON_AT,
	    "cancel an unconfirmed payment: a replacement paying everything back to the wallet" },
	{ NULL, "payments", cmd_payments, "[--status S] [--limit N] [--cursor C]" DAEMON_AT,
	    "payments made, newest first" },
	{ NULL, "bump", cmd_bump, "PAYMENT_ID --fee-rate N" DAEMON_AT,
	    "raise an unconfirmed payment's fee (RBF, or CPFP on its change)" },
	{ "webhooks", "add", cmd_webhooks_add, "URL --events E1,E2,... [--secret-file F]" DAEMON_AT,
	    "a webhook endpoint (without --secret-file a secret is made and shown once)" },
	{ "webhooks", "list", cmd_webhooks_list, DAEMON_AT, "webhook endpoints (never their secrets)" },
	{ "webhooks", "delete", cmd_webhooks_delete, "ID" DAEMON_AT, "delete a webhook endpoint and its deliveries" },
	{ "policy", "show", cmd_policy_show, DAEMON_AT, "the signer's spending policy" },
	{ "policy", "set", cmd_policy_set, "--file POLICY.json [--passphrase-file F]" DAEMON_AT,
	    "replace the spending policy (asks the passphrase)" },
	{ "token", "create", cmd_token_create,
	    "--scope read|receive|send|admin --label L [--expires SECONDS]" DAEMON_AT,
	    "a scoped API token (printed once)" },
	{ "token", "list", cmd_token_list, DAEMON_AT, "scoped tokens (never their secrets)" },
	{ "token", "revoke", cmd_token_revoke, "ID" DAEMON_AT, "revoke a scoped token at once" },
	{ NULL, "attest", cmd_attest, "[--evidence-out FILE]" DAEMON_AT,
	    "attestation evidence from the daemon's signer for a fresh nonce" },
	/* Offline tools. */
	{ "mnemonic", "new", cmd_mnemonic_new, "[--words 12|15|18|21|24]",
	    "print a new BIP39 mnemonic (default 24 words) from the OS CSPRNG" },
	{ "descriptor", "from-mnemonic", cmd_descriptor_from_mnemonic,
	    "--mnemonic-file F [--passphrase-file P] --type wpkh|tr|sh-wpkh [--account N] [--network N]",
	    "print an account's public multipath descriptor (BIP84/86/49 path, with checksum)" },
	{ "descriptor", "derive", cmd_descriptor_derive, "[--network N] DESCRIPTOR [--range A:B]",
	    "print addresses A..B (default 0:0); a <a;b> descriptor uses its first (receive) path" },
	{ "psbt", "decode", cmd_psbt_decode, "< PSBT_BASE64",
	    "print a PSBT (v0/v2) as JSON: transaction, inputs, outputs, fee" },
	{ "psbt", "sign", cmd_psbt_sign,
	    "--mnemonic-file F [--passphrase-file P] [--network N] < PSBT_BASE64",
	    "sign the inputs whose derivations match the mnemonic's master fingerprint" },
	{ "psbt", "finalize", cmd_psbt_finalize, "[--extract] < PSBT_BASE64",
	    "finalize every input; --extract prints the network transaction as hex" },
	{ "psbt", "combine", cmd_psbt_combine, "[PSBT_BASE64...] (or one per line on stdin)",
	    "merge PSBTs of the same transaction" },
#define SIGNER_AT "(--socket P | --vsock CID:PORT | --datadir D [--network N])"
	{ "signer", "status", cmd_signer_status, SIGNER_AT,
	    "state (uninitialized, locked, unlocked), network, TEE backend, unlock key" },
	{ "signer", "create", cmd_signer_create,
	    SIGNER_AT " --passphrase-file F [--words 12|24] [--bip39-passphrase-file F]",
	    "create the wallet; prints the new mnemonic, once" },
	{ "signer", "restore", cmd_signer_restore,
	    SIGNER_AT " --passphrase-file F --mnemonic-file M [--bip39-passphrase-file F]",
	    "create the wallet from an existing mnemonic" },
	{ "signer", "unlock", cmd_signer_unlock, SIGNER_AT " --passphrase-file F [--timeout S]",
	    "unlock a standalone signer for a session (passphrase sealed to its unlock key)" },
	{ "signer", "lock", cmd_signer_lock, SIGNER_AT, "lock: wipe the seed from the signer's memory" },
	{ "signer", "descriptors", cmd_signer_descriptors,
	    SIGNER_AT " [--account N] [--type wpkh|tr|sh-wpkh] [--passphrase-file F]",
	    "print the account's public descriptors (BIP84, BIP86, BIP49)" },
	{ "signer", "sign-psbt", cmd_signer_sign_psbt, SIGNER_AT " [--passphrase-file F] < PSBT_BASE64",
	    "have the signer judge and sign a PSBT; prints the signed PSBT" },
	{ "signer", "sign-message", cmd_signer_sign_message,
	    SIGNER_AT " --message TEXT [--type wpkh|tr] [--account N] [--change 0|1] [--index I]",
	    "BIP322 signature with one of the wallet's addresses" },
	{ "signer", "policy", cmd_signer_policy, SIGNER_AT, "print the signer's policy (JSON)" },
	{ "signer", "set-policy", cmd_signer_set_policy,
	    SIGNER_AT " --policy-file F --passphrase-file P", "replace the policy (needs the passphrase)" },
	{ "signer", "audit", cmd_signer_audit, SIGNER_AT " [--from SEQ] [--max N]",
	    "print audit records from the signer's log" },
	{ "signer", "attest", cmd_signer_attest, SIGNER_AT " [--nonce HEX32] [--out FILE]",
	    "attestation evidence bound to the nonce (yours, or fresh), the unlock key and, once unlocked, the "
	    "identity key (or the no-TEE statement); --out writes it for `coffer verify`" },
	{ "message", "sign", cmd_message_sign,
	    "[--network N] --address ADDR (--wif-file F | --mnemonic-file F [--passphrase-file P] --path PATH)"
	    " [--unprefixed] (MESSAGE | --message-file F)",
	    "BIP322-sign a message for a P2WPKH or P2TR (key path) address; prints the \"smp\" signature" },
	{ "message", "verify", cmd_message_verify,
	    "[--network N] ADDRESS SIGNATURE (MESSAGE | --message-file F)",
	    "check a BIP322 signature (simple/full); exit 0 valid, 1 invalid or inconclusive" },
	{ "audit", "verify", cmd_audit_verify, "--file F | --datadir D | F | --online" DAEMON_AT,
	    "check the signer's hash-chained audit log (a file, or the daemon's with --online); report the first broken record" },
	{ NULL, "verify", cmd_verify,
	    "--evidence FILE [--format auto|sev-snp|azure-cvm|tdx|sgx|nitro] [--cert FILE]... [--policy FILE] "
	    "[--nonce HEX] [--at UNIX_SECONDS] [--json] [--unlock-key HEX --identity-key HEX|locked]",
	    "verify TEE attestation evidence offline (exit 0 valid, 1 refused, 2 unusable)" },
	{ "autounlock", "enroll", cmd_autounlock_enroll,
	    "--datadir D --passphrase-file F [--backend tpm2|sev-snp] [--pcrs 0,2,4,7] [--tcti CONF]",
	    "seal the keystore passphrase to this platform so the signer unlocks itself at start" },
	{ "autounlock", "check", cmd_autounlock_check, "--datadir D [--backend tpm2|sev-snp] [--tcti CONF]",
	    "open the sealed passphrase as the signer would; say why not (exit 0 opens, 1 not)" },
	{ "autounlock", "remove", cmd_autounlock_remove, "--datadir D", "delete the sealed passphrase" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int
cli_fail(const char *what, int code)
{
	fprintf(stderr, "coffer: %s: %s (%s)\n", what, coffer_err_msg(code), coffer_err_name(code));
	return 1;
}

int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("coffer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see `coffer help`)\n", stderr);
	return 2;
}

static int
read_fd(struct cbuf *b, int fd, size_t max)
{
	uint8_t chunk[4096];
	ssize_t n;
	int ret;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = COFFER_ERR_IO;
			break;
		}
		if (n == 0) {
			ret = cbuf_put_u8(b, 0);	/* NUL-terminate for text users */
			if (ret == 0)
				b->len--;
			break;
		}
		if (b->len + (size_t)n > max) {
			ret = COFFER_ERR_TOO_LARGE;
			break;
		}
		if ((ret = cbuf_put(b, chunk, (size_t)n)) != 0)
			break;
	}
	secure_wipe(chunk, sizeof(chunk));
	return ret;
}

int
cli_read_stdin(struct cbuf *b, size_t max)
{
	return read_fd(b, STDIN_FILENO, max);
}

int
cli_read_file(struct cbuf *b, const char *path, size_t max)
{
	int fd, ret;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return COFFER_ERR_IO;
	ret = read_fd(b, fd, max);
	close(fd);
	return ret;
}

void
cli_trim(struct cbuf *b)
{
	size_t start = 0;

	while (b->len > 0 && strchr(" \t\r\n", b->p[b->len - 1]) != NULL)
		b->len--;
	while (start < b->len && strchr(" \t\r\n", b->p[start]) != NULL)
		start++;
	if (start > 0) {
		memmove(b->p, b->p + start, b->len - start);
		b->len -= start;
	}
	if (b->p != NULL)
		b->p[b->len] = '\0';	/* room exists: we only shrank */
}

int
cli_read_secret_file(struct cbuf *b, const char *path, enum cli_secret_kind kind)
{
	int r;

	if ((r = cli_read_file(b, path, CLI_SECRET_FILE_MAX)) != 0)
		return r;
	if (b->p == NULL && (r = cbuf_reserve(b, 1)) != 0)
		return r;
	if (memchr(b->p, '\0', b->len) != NULL)
		return COFFER_ERR_BAD_STRING;
	if (kind == CLI_SECRET_WORDS) {
		cli_trim(b);
		return 0;
	}
	/* A passphrase may begin or end with spaces: drop only the file's final newline. */
	if (b->len > 0 && b->p[b->len - 1] == '\n')
		b->len--;
	if (b->len > 0 && b->p[b->len - 1] == '\r')
		b->len--;
	b->p[b->len] = '\0';
	return 0;
}

static int
cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("coffer %s: self-hosted Bitcoin custody (the daemon's client, and offline wallet tools)\n\n", COFFER_VERSION);
	printf("Usage: coffer COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s%s%s", commands[i].group ? commands[i].group : "",
		    commands[i].group ? " " : "", commands[i].name);
		printf("  %-22s %s\n", head, commands[i].summary);
		if (commands[i].usage[0] != '\0')
			printf("  %-22s   %s %s\n", "", head, commands[i].usage);
	}
	printf("\nSecret files: a mnemonic or WIF file may carry surrounding whitespace; a passphrase file\n"
	    "is taken as written except for one final newline (spaces belong to the passphrase).\n");
	printf("\nNetworks: bitcoin, testnet, testnet4, signet (default), regtest.\n"
	    "Errors go to stderr with a one-line reason; exit 1 for a refused input, 2 for bad usage.\n");
	return 0;
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("coffer %s\n", COFFER_VERSION);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	secmem_init();
	if (argc < 2)
		return cmd_help(0, NULL);
	for (i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		if (c->group == NULL && strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
		if (c->group != NULL && strcmp(argv[1], c->group) == 0 && argc >= 3 &&
		    strcmp(argv[2], c->name) == 0)
			return c->fn(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(0, NULL);
	return cli_usage_error("unknown command '%s%s%s'", argv[1], argc >= 3 ? " " : "",
	    argc >= 3 ? argv[2] : "");
}
