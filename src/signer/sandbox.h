/*
 * Hardening of the coffer-signer process (docs/THREAT_MODEL.md).
 *
 * main.c applies the steps in this order:
 *   1. sandbox_no_dump()          first thing: not dumpable or traceable by
 *                                 other users, no core files;
 *   2. sandbox_scrub_env()        the environment is wiped in place and cleared;
 *   3. sandbox_close_fds()        every descriptor but the transport's closed,
 *                                 stdin/stdout on /dev/null;
 *   4. sandbox_enter_dir()        into the signer directory; when root: the
 *                                 directory is handed to the unprivileged user,
 *                                 the process chroots into it and drops to that
 *                                 user for good;
 *   5. sandbox_landlock()         the filesystem narrowed to that directory
 *                                 (Landlock; also without root, where there is
 *                                 no chroot);
 *   6. sandbox_seccomp()          after every library is initialised: a
 *                                 default-deny seccomp filter (kill the process)
 *                                 with the architecture checked first.
 * Tests check the result from outside (/proc/PID/status, fd, environ).
 */
#ifndef COFFER_SIGNER_SANDBOX_H
#define COFFER_SIGNER_SANDBOX_H

#include <stddef.h>

/*
 * The dedicated unprivileged user a signer started as root drops to (a
 * system user of its own: scripts/signer-user creates it; `--user` names
 * another). There is deliberately no fallback to a shared account.
 */
#define SANDBOX_USER_DEFAULT  "coffer-signer"

/*
 * PR_SET_DUMPABLE 0 (no ptrace attach or /proc/PID/mem by other non-root
 * processes, no core) and RLIMIT_CORE 0.
 * Returns 0 or COFFER_ERR_SIGNER_SANDBOX.
 */
int sandbox_no_dump(void);

/*
 * Wipe every environment string in place (so /proc/PID/environ reads as
 * zeros) and clear the environment.
 * Returns 0 or COFFER_ERR_SIGNER_SANDBOX.
 */
int sandbox_scrub_env(void);

/*
 * Close every descriptor >= 3 except keep[n]; point stdin and stdout at
 * /dev/null (stderr stays: it carries diagnostics, never secrets).
 * Returns 0 or COFFER_ERR_SIGNER_SANDBOX.
 * In: keep[n]: descriptors to keep (n <= 8).
 */
int sandbox_close_fds(const int *keep, size_t n);

/*
 * Make dir (mode 0700) if it is missing and make it the working directory.
 * When the process runs as root: give dir and the regular files in it to
 * `user` (NULL: SANDBOX_USER_DEFAULT), raise the
 * locked-memory limit for libsodium's guarded pages, chroot into dir, and drop
 * to that user's uid and gid (supplementary groups cleared), checking that
 * root cannot be regained. Not root: `user` must be NULL or our own name.
 * Afterwards the signer names its directory ".".
 * Returns 0, COFFER_ERR_SIGNER_USER (no such user, or it is root) or
 *   COFFER_ERR_SIGNER_SANDBOX.
 */
int sandbox_enter_dir(const char *dir, const char *user);

/*
 * Restrict filesystem access to the working directory (the signer
 * directory): read, write, create, remove and rename regular files there;
 * nothing anywhere else, no executing, no special files. Sets NO_NEW_PRIVS.
 * Returns 0, COFFER_ERR_UNSUPPORTED (the kernel has no Landlock) or
 *   COFFER_ERR_SIGNER_SANDBOX.
 */
int sandbox_landlock(void);

/*
 * Install the default-deny seccomp filter (SCMP_ACT_KILL_PROCESS; foreign
 * architectures killed too) allowing only what serving needs: socket I/O on
 * existing descriptors (and accept on the listening one), file operations for
 * the keystore, state and audit files, memory management for libsodium's
 * guarded allocations (never PROT_EXEC), time, randomness, exit. No socket(),
 * connect(), execve(), ptrace(), ioctl() and so on. Sets NO_NEW_PRIVS.
 * Returns 0, COFFER_ERR_UNSUPPORTED (built without libseccomp) or
 *   COFFER_ERR_SIGNER_SANDBOX.
 */
int sandbox_seccomp(void);

#endif
