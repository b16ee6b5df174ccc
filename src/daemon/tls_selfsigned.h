/*
 * A self-signed TLS certificate for cofferd (--tls-self-signed): made once
 * with OpenSSL (EC P-256, SHA-256, ten years, subjectAltName for the listen
 * address and localhost), kept in <datadir>/tls/ (directory 0700, key 0600)
 * and reused on every start, so clients can pin its fingerprint, which
 * cofferd logs at start.
 */
#ifndef COFFER_DAEMON_TLS_SELFSIGNED_H
#define COFFER_DAEMON_TLS_SELFSIGNED_H

#include <stddef.h>

#define TLS_FINGERPRINT_LEN (32 * 3)	/* "AB:CD:...", NUL included */

/*
 * Find or make the certificate for host (an IP address literal, or "" for
 * none) in datadir. Returns 0, COFFER_ERR_TLS or COFFER_ERR_DATADIR_PERMS
 * (err says why). Out: cert_path, key_path (PEM files), fingerprint
 * (SHA-256 of the DER certificate, colon-separated upper-case hex), created
 * (1 when made now).
 */
int tls_self_signed(char *cert_path, size_t cert_size, char *key_path, size_t key_size,
    char fingerprint[TLS_FINGERPRINT_LEN], int *created, char *err, size_t errsize, const char *datadir,
    const char *host);

#endif
