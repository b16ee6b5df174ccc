/*
 * Sandbox steps one by one, each in a forked child: the seccomp filter lets
 * the signer's own work through and kills the process on anything else
 * (socket, connect, execve, ptrace, executable memory, signalling another
 * process); no-dump, environment scrubbing, descriptor closing and the
 * privilege drop with chroot do what they say. Children that installed the
 * filter leave with _exit (an exit() would run sanitizer hooks that need
 * syscalls the filter denies).
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "signer_util.h"

#include "signer/sandbox.h"

extern char **environ;

enum act {
	ACT_FILES,		/* allowed: the keystore's kind of file work */
	ACT_SOCKET,
	ACT_EXECVE,
	ACT_PTRACE,
	ACT_MMAP_EXEC,
	ACT_MPROTECT_EXEC,
	ACT_KILL_OTHER,
	ACT_CONNECT_FD,		/* connect() on a socket made before the filter */
};

/* Run `act` after installing the filter in a child; return its wait status. */
static int
run_filtered(enum act act, const char *dir)
{
	char path[256], tmp[256];
	struct sockaddr sa;
	uint8_t buf[16];
	pid_t pid;
	void *m;
	int st, fd, sfd;

	sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if ((pid = fork()) == 0) {
		if (sandbox_seccomp() != 0)
			_exit(10);
		switch (act) {
		case ACT_FILES:
			snprintf(tmp, sizeof(tmp), "%s/f.tmp", dir);
			snprintf(path, sizeof(path), "%s/f", dir);
			if ((fd = open(tmp, O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
			    write(fd, "data", 4) != 4 || fsync(fd) != 0 || close(fd) != 0 ||
			    rename(tmp, path) != 0)
				_exit(11);
			if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0 || fsync(fd) != 0 || close(fd) != 0)
				_exit(12);
			if ((fd = open(path, O_RDONLY)) < 0 || read(fd, buf, 4) != 4 || close(fd) != 0 ||
			    unlink(path) != 0)
				_exit(13);
			/* guarded-memory style mappings: read/write, then no access */
			if ((m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) ==
			    MAP_FAILED || mprotect(m, 4096, PROT_NONE) != 0 || munmap(m, 8192) != 0)
				_exit(14);
			if (getrandom(buf, sizeof(buf), 0) != sizeof(buf))
				_exit(15);
			_exit(0);
		case ACT_SOCKET:
			(void)socket(AF_INET, SOCK_STREAM, 0);
			break;
		case ACT_EXECVE:
			execl("/bin/true", "true", (char *)NULL);
			break;
		case ACT_PTRACE:
			(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			break;
		case ACT_MMAP_EXEC:
			(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			break;
		case ACT_MPROTECT_EXEC:
			m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			(void)mprotect(m, 4096, PROT_READ | PROT_EXEC);
			break;
		case ACT_KILL_OTHER:
			(void)kill(getppid(), 0);
			break;
		case ACT_CONNECT_FD:
			memset(&sa, 0, sizeof(sa));
			sa.sa_family = AF_UNIX;
			(void)connect(sfd, &sa, sizeof(sa));
			break;
		}
		_exit(20);	/* survived a forbidden call */
	}
	close(sfd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

static void
test_seccomp(void)
{
	char dir[] = "/tmp/coffer-sandbox-XXXXXX";
	static const struct {
		enum act act;
		const char *name;
	} denied[] = {
		{ ACT_SOCKET, "socket" },
		{ ACT_EXECVE, "execve" },
		{ ACT_PTRACE, "ptrace" },
		{ ACT_MMAP_EXEC, "mmap(PROT_EXEC)" },
		{ ACT_MPROTECT_EXEC, "mprotect(PROT_EXEC)" },
		{ ACT_KILL_OTHER, "kill(another process)" },
		{ ACT_CONNECT_FD, "connect" },
	};
	size_t i;
	int st;

	CHECK(mkdtemp(dir) != NULL);
	st = run_filtered(ACT_FILES, dir);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed work failed: status %#x", st);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		st = run_filtered(denied[i].act, dir);
		CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "%s: status %#x, want SIGSYS",
		    denied[i].name, st);
	}
	rmdir(dir);
}

static void
test_no_dump_env_fds(void)
{
	struct rlimit rl;
	char *canary;
	pid_t pid;
	int st, keep, fd, sock[2];

	if ((pid = fork()) == 0) {
		/* no dump */
		if (sandbox_no_dump() != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
			_exit(1);
		if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
			_exit(2);
		/* environment: cleared, and the strings wiped where they were */
		if (setenv("COFFER_CANARY", "do-not-leak", 1) != 0 || (canary = getenv("COFFER_CANARY")) == NULL)
			_exit(3);
		canary -= strlen("COFFER_CANARY=");
		if (sandbox_scrub_env() != 0 || getenv("COFFER_CANARY") != NULL || getenv("PATH") != NULL ||
		    (environ != NULL && environ[0] != NULL))
			_exit(4);
		if (memchr(canary, 'd', strlen("COFFER_CANARY=do-not-leak")) != NULL || canary[0] != '\0')
			_exit(5);
		/* descriptors: only the kept one survives; stdin/stdout on /dev/null */
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock) != 0 || (fd = open("/dev/null", O_RDONLY)) < 0)
			_exit(6);
		keep = sock[1];
		if (sandbox_close_fds(&keep, 1) != 0)
			_exit(7);
		if (fcntl(keep, F_GETFD) < 0 || fcntl(sock[0], F_GETFD) >= 0 || fcntl(fd, F_GETFD) >= 0)
			_exit(8);
		if (write(STDOUT_FILENO, "x", 1) != 1)
			_exit(9);
		keep = 2;
		if (sandbox_close_fds(&keep, 1) != COFFER_ERR_INVALID_ARG)
			_exit(10);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed at step %d", WEXITSTATUS(st));
}

static void
test_enter_dir(void)
{
	char base[] = "/tmp/coffer-sandbox-XXXXXX", dir[128], file[160];
	struct passwd *pw;
	struct stat sb;
	pid_t pid;
	int st, fd;

	CHECK(mkdtemp(base) != NULL);
	snprintf(dir, sizeof(dir), "%s/signer", base);
	if (geteuid() != 0) {
		CHECK_RC(sandbox_enter_dir(dir, "root"), COFFER_ERR_SIGNER_USER);
		printf("skipped: privilege drop and chroot need root\n");
		rmdir(dir);
		rmdir(base);
		return;
	}
	/* an unknown user, or root itself, is refused before anything changes */
	if ((pid = fork()) == 0)
		_exit(sandbox_enter_dir(dir, "no-such-user-coffer") == COFFER_ERR_SIGNER_USER &&
		    sandbox_enter_dir(dir, "root") == COFFER_ERR_SIGNER_USER && geteuid() == 0 ? 0 : 1);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a file already there is handed over too */
	snprintf(file, sizeof(file), "%s/keystore", dir);
	CHECK((fd = open(file, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	pw = test_signer_user();
	CHECK(pw != NULL && strcmp(pw->pw_name, SANDBOX_USER_DEFAULT) == 0);
	if ((pid = fork()) == 0) {
		if (sandbox_enter_dir(dir, NULL) != 0)
			_exit(1);
		if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getgid() != pw->pw_gid)
			_exit(2);
		if (setuid(0) == 0)
			_exit(3);
		/* chrooted: the signer directory is all there is */
		if (access("/keystore", F_OK) != 0 || access("/etc/passwd", F_OK) == 0)
			_exit(4);
		if ((fd = open("new", O_CREAT | O_WRONLY, 0600)) < 0)
			_exit(5);
		close(fd);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed at step %d", WEXITSTATUS(st));
	CHECK(stat(dir, &sb) == 0 && sb.st_uid == pw->pw_uid && (sb.st_mode & 0777) == 0700);
	CHECK(stat(file, &sb) == 0 && sb.st_uid == pw->pw_uid);
	snprintf(file, sizeof(file), "%s/new", dir);
	CHECK(stat(file, &sb) == 0 && sb.st_uid == pw->pw_uid);
	unlink(file);
	snprintf(file, sizeof(file), "%s/keystore", dir);
	unlink(file);
	rmdir(dir);
	rmdir(base);
}

static void
test_landlock(void)
{
	char base[] = "/tmp/coffer-sandbox-XXXXXX", dir[128], outside[160];
	pid_t pid;
	int st, fd;

	CHECK(mkdtemp(base) != NULL);
	snprintf(dir, sizeof(dir), "%s/signer", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	CHECK(mkdir(dir, 0700) == 0);
	CHECK((fd = open(outside, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	if ((pid = fork()) == 0) {
		int r;

		if (chdir(dir) != 0)
			_exit(10);
		if ((r = sandbox_landlock()) == COFFER_ERR_UNSUPPORTED)
			_exit(99);
		if (r != 0)
			_exit(11);
		/* inside: the keystore's kind of work */
		if ((fd = open("f.tmp", O_CREAT | O_WRONLY | O_EXCL, 0600)) < 0 || write(fd, "x", 1) != 1 ||
		    fsync(fd) != 0 || close(fd) != 0 || rename("f.tmp", "f") != 0 || unlink("f") != 0)
			_exit(12);
		/* outside: nothing, not even reading */
		if (open(outside, O_RDONLY) >= 0 || errno != EACCES)
			_exit(13);
		if (open("/etc/hostname", O_RDONLY) >= 0 || open("../outside", O_RDONLY) >= 0)
			_exit(14);
		if (mkdir("sub", 0700) == 0 || symlink("/etc/passwd", "link") == 0)
			_exit(15);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 99)
		printf("skipped: landlock: this kernel has no Landlock\n");
	else
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "landlock child failed at step %d", WEXITSTATUS(st));
	unlink(outside);
	rmdir(dir);
	rmdir(base);
}

static const struct test_case tests[] = {
	{ "landlock", test_landlock },
	{ "seccomp", test_seccomp },
	{ "no_dump_env_fds", test_no_dump_env_fds },
	{ "enter_dir", test_enter_dir },
};

TEST_MAIN(tests)
