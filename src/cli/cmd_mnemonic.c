/* coffer mnemonic ...: BIP39 mnemonic commands. */
#include <string.h>
#include <unistd.h>

#include "btc/bip39.h"
#include "cli/cli.h"
#include "common/err.h"
#include "common/fdio.h"
#include "common/secmem.h"

/* Parse the --words value: 12, 15, 18, 21 or 24. */
static int
parse_words(unsigned *out, const char *s)
{
	static const char *const ok[] = { "12", "15", "18", "21", "24" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strcmp(s, ok[i]) == 0) {
			*out = (unsigned)(12 + 3 * i);
			return 0;
		}
	}
	return -1;
}

/* coffer mnemonic new [--words N]: a fresh mnemonic on stdout, the only place it appears. */
int
cmd_mnemonic_new(int argc, char **argv)
{
	unsigned words = 24;
	char *m;
	size_t len;
	int i, ret;

	for (i = 1; i < argc; i++) {
		const char *val = NULL;

		if (strcmp(argv[i], "--words") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error("mnemonic new: --words needs a value (12, 15, 18, 21 or 24)");
			val = argv[++i];
		} else if (strncmp(argv[i], "--words=", 8) == 0) {
			val = argv[i] + 8;
		} else {
			return cli_usage_error("mnemonic new: unknown argument '%.40s'", argv[i]);
		}
		if (parse_words(&words, val) != 0)
			return cli_usage_error("mnemonic new: --words must be 12, 15, 18, 21 or 24, not '%.20s'",
			    val);
	}
	if ((m = secmem_alloc(BIP39_MNEMONIC_BUFSIZE + 1)) == NULL)
		return cli_fail("mnemonic new", COFFER_ERR_NOMEM);
	if ((ret = bip39_mnemonic_generate(m, BIP39_MNEMONIC_BUFSIZE, words)) != 0) {
		secmem_free(m);
		return cli_fail("mnemonic new", ret);
	}
	len = strlen(m);
	m[len++] = '\n';	/* room: the buffer has one byte more than the mnemonic needs */
	ret = fdio_write_all(STDOUT_FILENO, m, len);
	secmem_free(m);
	return ret != 0 ? cli_fail("mnemonic new: writing stdout", ret) : 0;
}
