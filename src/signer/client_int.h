/* Client call plumbing shared by client.c and client_conn.c (internal). */
#ifndef COFFER_SIGNER_CLIENT_INT_H
#define COFFER_SIGNER_CLIENT_INT_H

#include "signer/client.h"

/* Start a request: empty the request buffer and the last reason. */
void client_begin(struct signer_client *c);
/*
 * Send c->tx as a frame of `type` and read the reply. Returns 0 with the
 * reply payload in p/n (inside c->rx, valid until client_end), the signer's
 * error code (reason in c->reason), or a transport/protocol error (the
 * connection is then closed).
 */
int client_call(struct signer_client *c, uint8_t type, const uint8_t **p, size_t *n);
/* A reply that does not decode is a protocol error: close, and say so. */
int client_check(struct signer_client *c, int decode_ret);
/* End a request: wipe what was sent and received. */
void client_end(struct signer_client *c);

#endif
