/*
 * The evidence helper: a small process forked by coffer-signer before it
 * sandboxes itself, which keeps access to the TEE device and nothing else.
 * The signer (chrooted, Landlocked, under a default-deny seccomp filter) asks
 * it for evidence over a socketpair: it sends the 64-byte binding and the
 * caller's nonce, and gets the evidence back. The helper holds no secret (it
 * is forked before the keystore is read, and the binding is public), so
 * giving it the device costs the key-holding process none of its sandbox;
 * the same split as OpenSSH's privileged monitor, the other way round.
 *
 * Frames on the socketpair: request u8 noncelen (0..64) | binding[64] | nonce;
 * reply u32 LE (uint32_t)code | u32 LE len | evidence[len] (len <= EVIDENCE_MAX).
 */
#ifndef COFFER_SIGNER_EVIDENCE_HELPER_H
#define COFFER_SIGNER_EVIDENCE_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/buf.h"
#include "signer/evidence.h"

struct evidence_helper {
	const struct evidence_backend *backend;
	int fd;		/* the signer's end; -1 when there is no helper (backend none) */
	pid_t pid;
};

/*
 * Fork the helper for backend b (none: no process, fd -1).
 * Returns 0 or COFFER_ERR_IO. Out: h. In: b; env (copied by fork; may be NULL).
 * The helper closes every descriptor but its end and exits when the signer's end closes.
 */
int evidence_helper_start(struct evidence_helper *h, const struct evidence_backend *b,
    const struct evidence_env *env);

/*
 * Ask the helper for evidence.
 * Returns 0, COFFER_ERR_UNSUPPORTED (backend none), the backend's error, or
 *   COFFER_ERR_IO (the helper is gone). Out: out (evidence appended).
 */
int evidence_helper_get(struct evidence_helper *h, struct cbuf *out, const uint8_t data[EVIDENCE_BINDING_LEN],
    const uint8_t *nonce, size_t noncelen);

/*
 * The helper as the signer's attestation backend (tee.h): name and statement
 * of h's backend; evidence over the report data (the binding) from the helper.
 * Out: out (points into h; h must outlive it).
 */
struct tee_backend;
void evidence_helper_tee(struct tee_backend *out, struct evidence_helper *h);

/* Close the signer's end and reap the helper. */
void evidence_helper_stop(struct evidence_helper *h);

/* The helper's loop on fd (exposed for tests: run in-process on a socketpair). Returns at EOF. */
void evidence_helper_serve(int fd, const struct evidence_backend *b, const struct evidence_env *env);

#endif
