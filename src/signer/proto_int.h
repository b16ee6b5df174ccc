/* Field helpers shared by proto.c and proto_msg.c (not exported beyond them). */
#ifndef COFFER_SIGNER_PROTO_INT_H
#define COFFER_SIGNER_PROTO_INT_H

#include "common/buf.h"
#include "signer/proto.h"

/* bytes: CompactSize length (<= max) then the bytes. */
int proto_put_bytes(struct cbuf *out, const struct proto_bytes *b, size_t max);
int proto_get_bytes(struct creader *r, struct proto_bytes *b, size_t max);
/* str: as bytes, but a NUL inside is COFFER_ERR_BAD_STRING. */
int proto_put_str(struct cbuf *out, const struct proto_bytes *b, size_t max);
int proto_get_str(struct creader *r, struct proto_bytes *b, size_t max);
/* secret: u8 kind then bytes; plain_max caps a plain secret, a sealed one may
 * be PROTO_SEAL_OVERHEAD longer; kind none carries zero bytes. */
int proto_put_secret(struct cbuf *out, const struct proto_secret *s, size_t plain_max);
int proto_get_secret(struct creader *r, struct proto_secret *s, size_t plain_max);
/* A u8 that must be 0 or 1. */
int proto_get_bool(struct creader *r, uint8_t *v);

#endif
