/*
 * Crash-safe files in the signer directory.
 *
 * Every file the signer keeps (keystore, state) is replaced whole, never
 * edited in place: the new bytes go to a fresh temporary file in the same
 * directory (".<name>.tmp-<random>", mode 0600, O_EXCL), which is fsynced,
 * renamed over <name>, and then the directory itself is fsynced. rename(2) is
 * atomic, so a crash at any moment leaves either the old file or the new one
 * under <name>, never a mix and never neither. A crash can leave a stale
 * temporary file behind; readers never look at temporaries, and the next
 * write of the same name removes them.
 *
 * Names are plain file names inside the directory (no '/', no leading '.').
 * The directory must be private: owned by the effective user, mode 0700.
 */
#ifndef COFFER_SIGNER_FILEIO_H
#define COFFER_SIGNER_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Longest file name fileio accepts (the temporary adds a prefix and suffix). */
#define FILEIO_NAME_MAX 64

/*
 * Create the signer directory (mode 0700) when it does not exist, then check
 * it as fileio_dir_check does. Only the last path component is created.
 * Returns 0; COFFER_ERR_SIGNER_DIR (not a directory, not ours, or group/other
 *   permission bits set); COFFER_ERR_IO (mkdir failed for another reason).
 * In:   dir: path of the signer directory (<datadir>/signer).
 */
int fileio_dir_prepare(const char *dir);

/*
 * Check that dir is a directory (not a symlink), owned by the effective
 * user, with no group or other permission bits.
 * Returns 0; COFFER_ERR_SIGNER_DIR; COFFER_ERR_IO.
 * In:   dir: path of the signer directory.
 */
int fileio_dir_check(const char *dir);

/*
 * Read the whole of dir/name into out (appended after out's current bytes).
 * Symlinks and non-regular files are refused.
 * Returns 0; COFFER_ERR_NOT_FOUND (no such file); COFFER_ERR_TOO_LARGE (file
 *   over max bytes); COFFER_ERR_IO; COFFER_ERR_INVALID_ARG (bad name);
 *   COFFER_ERR_NOMEM. On failure out is reset to empty.
 * Out:  out: the file's bytes (initialised by the caller; cbuf_init_secret
 *       when the contents are secret).
 * In:   dir, name: the file; max: size cap in bytes.
 */
int fileio_read(struct cbuf *out, const char *dir, const char *name, size_t max);

/*
 * Does dir/name exist (as anything)?
 * Returns 1 when it exists, 0 when it does not, COFFER_ERR_IO when lstat
 *   fails for another reason, COFFER_ERR_INVALID_ARG for a bad name.
 */
int fileio_exists(const char *dir, const char *name);

/*
 * Atomically replace dir/name with p[n]: temporary file, write, fsync,
 * rename, directory fsync. Stale temporaries of this name are removed first.
 * The file ends with mode 0600 whatever the umask.
 * Returns 0; COFFER_ERR_IO (any system call failed: the old file, if any, is
 *   still in place and the temporary is removed); COFFER_ERR_INVALID_ARG.
 * In:   dir, name: the file; p[n]: its new contents (p may be NULL when n is 0).
 */
int fileio_write_atomic(const char *dir, const char *name, const uint8_t *p, size_t n);

/*
 * Like fileio_write_atomic, but never replaces: the temporary is hard-linked
 * to the name (link(2) fails atomically when the name exists) and then
 * unlinked. Used where overwriting would destroy something (a keystore).
 * Returns 0; COFFER_ERR_FILE_EXISTS (nothing changed); the errors of
 *   fileio_write_atomic.
 */
int fileio_create_atomic(const char *dir, const char *name, const uint8_t *p, size_t n);

/*
 * Remove stale temporaries (".<name>.tmp-*" regular files) left by crashed
 * writers. Only one process may write a directory at a time (fileio_lock).
 * Returns 0 or COFFER_ERR_IO / COFFER_ERR_INVALID_ARG.
 * Out:  removed: how many were removed (may be NULL).
 * In:   dir, name: the file whose temporaries to remove.
 */
int fileio_cleanup_stale(unsigned *removed, const char *dir, const char *name);

/*
 * Take the exclusive advisory lock dir/lock (flock, non-blocking) that makes
 * one signer process the only writer of the directory. Held until
 * fileio_unlock or process exit.
 * Returns 0; COFFER_ERR_SIGNER_BUSY (another process holds it); COFFER_ERR_IO.
 * Out:  fd: the lock's file descriptor (-1 on failure).
 * In:   dir: the signer directory.
 */
int fileio_lock(int *fd, const char *dir);

/* Release a lock from fileio_lock; fd < 0 is ignored. */
void fileio_unlock(int fd);

/*
 * Points inside fileio_write_atomic, for crash tests only: a hook set with
 * fileio_set_test_hook is called at each, and a test may kill the process
 * there. Production code never sets it.
 */
enum fileio_step {
	FILEIO_STEP_TEMP_CREATED = 1,	/* temporary exists, empty */
	FILEIO_STEP_HALF_WRITTEN,	/* half the bytes written */
	FILEIO_STEP_WRITTEN,		/* all bytes written, not synced */
	FILEIO_STEP_SYNCED,		/* temporary fsynced and closed */
	FILEIO_STEP_RENAMED,		/* renamed (or linked) to the name, directory not synced */
	FILEIO_STEP_DONE,		/* directory fsynced */
};
void fileio_set_test_hook(void (*hook)(enum fileio_step step));

#endif
