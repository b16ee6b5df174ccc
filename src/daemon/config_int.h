/* Internals shared by config.c (the keys) and config_load.c (flags and file). */
#ifndef COFFER_DAEMON_CONFIG_INT_H
#define COFFER_DAEMON_CONFIG_INT_H

#include <stddef.h>

#include "daemon/config.h"

#define CK_FLAG_ONLY 1u	/* command line only (datadir: the file lives inside it) */
#define CK_BOOL 2u	/* a flag without a value means "true" */
#define CK_SECRET 4u	/* never quoted in messages */

struct config_key {
	const char *name;
	int (*parse)(struct daemon_config *c, const char *value);
	unsigned int flags;
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

/* The key called name[0..len), or NULL; *index gets its table position. */
const struct config_key *config_key_find(const char *name, size_t len, size_t *index);

/* Set c->err from a format and return code. */
int config_fail(struct daemon_config *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Quote a hostile value for a message: "...", control bytes escaped, cut after 96 bytes. */
void config_quote(char *out, size_t outsize, const char *v);

/*
 * Strict unsigned decimal: digits only, no leading zeros, min <= v <= max.
 * Returns 0 or COFFER_ERR_BAD_NUMBER (*out 0).
 */
int config_parse_uint(unsigned long long *out, const char *s, unsigned long long min, unsigned long long max);

/* The listen key's parser (also used for the default). */
int config_parse_listen(struct daemon_config *c, const char *v);

#endif
