/* Audit internals shared by audit.c and audit_record.c (not a public API). */
#ifndef COFFER_SIGNER_AUDIT_INT_H
#define COFFER_SIGNER_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "signer/audit.h"

/* Whether a byte may appear in a record string (printable ASCII but '"' and '\'). */
int audit_char_ok(int c);

/*
 * Called for each intact record with its line (newline included). Returns 0
 * to go on, 1 to stop (walk returns 0), or a negative error code.
 */
typedef int (*audit_walk_cb)(void *ctx, const struct audit_record *rec, const uint8_t *line,
    size_t len);

/*
 * Walk the log open at fd from offset 0, checking every link.
 * Returns 0 (intact, or stopped by cb), COFFER_ERR_AUDIT_BROKEN (rep says
 *   where), COFFER_ERR_IO, COFFER_ERR_NOMEM, or cb's error.
 * Out: rep (filled); good_off: bytes of the intact prefix.
 */
int audit_walk(int fd, struct audit_report *rep, uint64_t *good_off, audit_walk_cb cb, void *ctx);

#endif
