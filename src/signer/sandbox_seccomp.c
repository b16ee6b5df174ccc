/*
 * The signer's seccomp filter: default deny (kill the whole process), the
 * architecture checked first, then an allowlist of what serving requests
 * needs once every library is initialised (openssh-portable's
 * sandbox-seccomp-filter.c is the model). Syscalls unknown on this
 * architecture (open, stat, ... on arm64) are skipped by name.
 */
#include "signer/sandbox.h"

#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/err.h"

#ifdef COFFER_HAVE_SECCOMP
#include <seccomp.h>

static const char *const allowed[] = {
	/* I/O on descriptors we already hold: the transport, files below. */
	"read", "write", "readv", "writev", "pread64", "pwrite64",
	"recvfrom", "recvmsg", "sendto", "sendmsg", "close", "shutdown",
	"poll", "ppoll", "accept", "accept4",
	/* The signer directory: keystore, sealed state, audit log (atomic
	 * writes: temporary, fsync, rename or link, directory fsync; a lock). */
	"openat", "open", "newfstatat", "fstat", "stat", "lstat", "statx", "lseek",
	"fsync", "fdatasync", "rename", "renameat", "renameat2", "link", "linkat",
	"unlink", "unlinkat", "ftruncate", "fcntl", "flock", "getdents64", "fchmod",
	"umask", "mkdir", "mkdirat", "dup",
	/* Memory: malloc, libsodium's guarded pages (mprotect and mmap are
	 * argument-checked below), Argon2id's large buffer. */
	"brk", "munmap", "mremap", "madvise", "mlock", "munlock",
	/* Time, randomness, identity, exit. */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "getrandom",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "restart_syscall",
	/* Queried by AddressSanitizer before noreturn calls; harmless. */
	"sigaltstack",
	/* glibc's qsort asks for the machine's memory size (sysconf
	 * _SC_PHYS_PAGES) before sorting large arrays, as the policy's
	 * allowlist set does; read-only, harmless. */
	"sysinfo",
	"futex", "exit", "exit_group",
};

static int
allow(scmp_filter_ctx ctx, const char *name, unsigned int n, const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a syscall on this architecture */
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, args) == 0 ? 0 : -1;
}

int
sandbox_seccomp(void)
{
	struct scmp_arg_cmp noexec = { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };
	struct scmp_arg_cmp self = { 0, SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0 };
	scmp_filter_ctx ctx;
	size_t i;
	int ret = COFFER_ERR_SIGNER_SANDBOX;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return COFFER_ERR_SIGNER_SANDBOX;
	/* Only the native architecture; anything else (i386 or x32 calls from
	 * an x86_64 process) is killed before any rule is looked at. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0)
		goto out;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allow(ctx, allowed[i], 0, NULL) != 0)
			goto out;
	/* Memory may be mapped and re-protected, never executable. */
	if (allow(ctx, "mmap", 1, &noexec) != 0 || allow(ctx, "mprotect", 1, &noexec) != 0)
		goto out;
	/* abort() signals itself; no other process. */
	if (allow(ctx, "tgkill", 1, &self) != 0 || allow(ctx, "kill", 1, &self) != 0)
		goto out;
	if (seccomp_load(ctx) != 0)
		goto out;
	ret = 0;
out:
	seccomp_release(ctx);
	return ret;
}

#else

int
sandbox_seccomp(void)
{
	return COFFER_ERR_UNSUPPORTED;
}

#endif
