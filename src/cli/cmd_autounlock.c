/*
 * coffer autounlock enroll|check|remove --datadir D [--backend tpm2|sev-snp]
 *     [--pcrs LIST] [--tcti CONF] [--passphrase-file F]
 *
 * Unattended unlock of the signer (src/signer/autounlock.h), run on the
 * machine (or inside the guest) whose platform seals: `enroll` checks that the
 * passphrase opens the keystore and seals it into <datadir>/signer/autounlock;
 * `check` opens it as the signer would at start and says why when it cannot;
 * `remove` deletes it. Exit 0 done/opens, 1 refused/does not open, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/secmem.h"
#include "signer/autounlock.h"
#include "signer/keystore.h"
#include "signer/seal_select.h"

struct au_args {
	const char *datadir;
	const char *backend;
	const char *tcti;
	const char *passfile;
	uint32_t pcrs;
};

static int
parse(struct au_args *a, int argc, char **argv, int need_pass)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->backend = "tpm2";
	for (i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return cli_usage_error("autounlock: %s needs a value", opt);
		if (strcmp(opt, "--datadir") == 0)
			a->datadir = v;
		else if (strcmp(opt, "--backend") == 0)
			a->backend = v;
		else if (strcmp(opt, "--tcti") == 0)
			a->tcti = v;
		else if (strcmp(opt, "--passphrase-file") == 0 && need_pass)
			a->passfile = v;
		else if (strcmp(opt, "--pcrs") == 0) {
			if (seal_tpm2_parse_pcrs(&a->pcrs, v) != 0)
				return cli_usage_error("autounlock: --pcrs '%.40s': want a list like 0,2,4,7 (0..23)", v);
		} else
			return cli_usage_error("autounlock: unknown argument '%.60s'", opt);
	}
	if (a->datadir == NULL)
		return cli_usage_error("autounlock: --datadir D is required");
	if (need_pass && a->passfile == NULL)
		return cli_usage_error("autounlock enroll needs --passphrase-file");
	if (strcmp(a->backend, "tpm2") != 0 && strcmp(a->backend, "sev-snp") != 0)
		return cli_usage_error("autounlock: --backend '%.40s': want tpm2 or sev-snp", a->backend);
	return 0;
}

static void
signer_dir(char *out, size_t n, const struct au_args *a)
{
	snprintf(out, n, "%s/signer", a->datadir);
}

int
cmd_autounlock_enroll(int argc, char **argv)
{
	struct au_args a;
	struct seal_choice c;
	struct ks_secret *sec = NULL;
	struct cbuf pass;
	char dir[4096];
	int ret;

	if ((ret = parse(&a, argc, argv, 1)) != 0)
		return ret;
	signer_dir(dir, sizeof(dir), &a);
	if (seal_choose(&c, a.backend, a.tcti, a.pcrs, NULL) != 0)
		return 2;
	cbuf_init_secret(&pass, CLI_SECRET_FILE_MAX + 1);
	if ((ret = cli_read_secret_file(&pass, a.passfile, CLI_SECRET_PASSPHRASE)) != 0) {
		cbuf_free(&pass);
		return cli_fail("autounlock: cannot read the passphrase file", ret);
	}
	/* Seal only a passphrase that works: a wrong one would lock the next start for nothing. */
	if ((ret = ks_unlock(&sec, dir, pass.p, pass.len)) != 0) {
		cbuf_free(&pass);
		return cli_fail("autounlock: the passphrase does not open the keystore", ret);
	}
	ks_secret_free(sec);
	ret = autounlock_enroll(dir, &c.backend, pass.p, pass.len);
	cbuf_free(&pass);
	if (ret != 0)
		return cli_fail("autounlock: cannot seal", ret);
	printf("enrolled: %s/%s sealed with %s\n", dir, AUTOUNLOCK_FILE, c.backend.name);
	return 0;
}

int
cmd_autounlock_check(int argc, char **argv)
{
	struct au_args a;
	struct seal_choice c;
	struct ks_secret *sec = NULL;
	uint8_t *pass;
	size_t passlen = 0;
	char dir[4096], why[256];
	int ret;

	if ((ret = parse(&a, argc, argv, 0)) != 0)
		return ret;
	signer_dir(dir, sizeof(dir), &a);
	if (seal_choose(&c, a.backend, a.tcti, a.pcrs, NULL) != 0)
		return 2;
	if ((pass = secmem_alloc(AUTOUNLOCK_PASS_MAX)) == NULL)
		return cli_fail("autounlock", COFFER_ERR_NOMEM);
	ret = autounlock_open(pass, AUTOUNLOCK_PASS_MAX, &passlen, why, sizeof(why), dir, &c.backend);
	if (ret == 0 && (ret = ks_unlock(&sec, dir, pass, passlen)) != 0)
		snprintf(why, sizeof(why), "the sealed passphrase no longer opens the keystore (changed since "
		    "enrollment?): %s", coffer_err_msg(ret));
	ks_secret_free(sec);
	secmem_free(pass);
	if (ret != 0) {
		fprintf(stderr, "coffer: autounlock: does not open: %s\n", why);
		return 1;
	}
	printf("ok: auto-unlock opens the keystore on this platform (%s)\n", c.backend.name);
	return 0;
}

int
cmd_autounlock_remove(int argc, char **argv)
{
	struct au_args a;
	char path[4200];
	int ret;

	if ((ret = parse(&a, argc, argv, 0)) != 0)
		return ret;
	snprintf(path, sizeof(path), "%s/signer/%s", a.datadir, AUTOUNLOCK_FILE);
	if (unlink(path) != 0 && errno != ENOENT)
		return cli_fail("autounlock: cannot remove the file", COFFER_ERR_IO);
	printf("removed: %s\n", path);
	return 0;
}
