/*
 * The daemon's data directory: created 0700, refused when other users can
 * reach into it, locked against a second cofferd, and home of the admin token.
 *
 *   <datadir>/cofferd.lock   single-instance lock (flock), holds our pid
 *   <datadir>/auth_token     admin bearer token, 64 hex characters, mode 0600
 *   <datadir>/coffer.conf    optional configuration (config.h)
 *   <datadir>/coffer.db      encrypted store (store.h)
 *   <datadir>/signer/        the signer's own directory (signer/)
 */
#ifndef COFFER_DAEMON_DATADIR_H
#define COFFER_DAEMON_DATADIR_H

#include <stddef.h>

#define DATADIR_LOCK_FILE "cofferd.lock"
#define DATADIR_TOKEN_FILE "auth_token"
#define DATADIR_TOKEN_BYTES 32
#define DATADIR_TOKEN_LEN (2 * DATADIR_TOKEN_BYTES)	/* hex characters */

/*
 * Create `path` with mode 0700 if it does not exist (its parent must), then
 * check it: a directory (not a symlink), owned by us, no group or other
 * permission bits. Writes its absolute form to abs.
 * Returns 0, COFFER_ERR_IO (cannot create/open: message in err) or
 * COFFER_ERR_DATADIR_PERMS (message names the fix).
 * Out: abs[abssize] (may be NULL), err[errsize] on failure.
 */
int datadir_prepare(char *abs, size_t abssize, char *err, size_t errsize, const char *path);

/*
 * Take the single-instance lock: <datadir>/cofferd.lock, flock(LOCK_EX|LOCK_NB),
 * our pid written into it. The lock lasts until *fd is closed (or the
 * process dies: the kernel drops it, so a crash never leaves a stale lock).
 * Returns 0, COFFER_ERR_DATADIR_LOCKED (another process holds it; err names
 * its pid when readable) or COFFER_ERR_IO. Out: fd (-1 on failure), err.
 */
int datadir_lock(int *fd, char *err, size_t errsize, const char *datadir);

/*
 * Read <datadir>/auth_token, or create it (32 bytes from secure_random as 64
 * lowercase hex, mode 0600, written to a temporary file, fsynced, renamed) on
 * first start. An existing file must be a regular file owned by us with no
 * group/other bits and hold exactly 64 hex characters (one trailing newline
 * allowed). Returns 0, COFFER_ERR_DATADIR_PERMS, COFFER_ERR_IO or
 * COFFER_ERR_BAD_HEX (malformed file).
 * Out: token[DATADIR_TOKEN_LEN + 1] (secret: caller wipes), *created (1 when
 * generated now; may be NULL), err.
 */
int datadir_auth_token(char token[DATADIR_TOKEN_LEN + 1], int *created, char *err, size_t errsize,
    const char *datadir);

#endif
