/*
 * Landlock: the signer's filesystem view narrowed to its own directory, also
 * when it does not start as root (no chroot then). Applied to the working
 * directory after sandbox_enter_dir; it complements the seccomp filter, which
 * cannot look at paths. Kernels without Landlock (before 5.13, or disabled)
 * get COFFER_ERR_UNSUPPORTED and the signer runs on with chroot/seccomp only.
 */
#define _GNU_SOURCE 1

#include "signer/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "common/err.h"

/* Rights of ABI v1 (always handled, hence denied outside the rule). */
#define FS_V1 (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
	LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* What the keystore, state and audit files need inside the directory. */
#define FS_ALLOWED (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)

int
sandbox_landlock(void)
{
	struct landlock_ruleset_attr rs = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	long abi;
	int rfd, dfd, ret = COFFER_ERR_SIGNER_SANDBOX;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return COFFER_ERR_UNSUPPORTED;
	rs.handled_access_fs = FS_V1;
	pb.allowed_access = FS_ALLOWED;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2) {	/* rename and link between directories: only within ours */
		rs.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
		pb.allowed_access |= LANDLOCK_ACCESS_FS_REFER;
	}
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3) {
		rs.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
		pb.allowed_access |= LANDLOCK_ACCESS_FS_TRUNCATE;
	}
#endif
	if ((rfd = (int)syscall(SYS_landlock_create_ruleset, &rs, sizeof(rs), 0)) < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? COFFER_ERR_UNSUPPORTED : COFFER_ERR_SIGNER_SANDBOX;
	if ((dfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	pb.parent_fd = dfd;
	if (syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, rfd, 0) != 0)
		goto out;
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	close(rfd);
	return ret;
}
