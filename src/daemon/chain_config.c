/*
 * Configuration -> chain backend (chain_config.h).
 */
#include <string.h>

#include "common/err.h"
#include "daemon/chain_config.h"

int
chain_from_config(struct chain **out, const struct daemon_config *cfg)
{
	struct chain_opts o;
	int r;

	*out = NULL;
	memset(&o, 0, sizeof(o));
	o.network = cfg->network;
	if (cfg->bitcoind_rpc[0] != '\0') {
		o.url = cfg->bitcoind_rpc;
		if (cfg->bitcoind_rpc_cookie[0] != '\0')
			o.rpc_cookie_file = cfg->bitcoind_rpc_cookie;
		if (cfg->bitcoind_rpc_user[0] != '\0') {
			o.rpc_user = cfg->bitcoind_rpc_user;
			o.rpc_password = cfg->bitcoind_rpc_password;
		}
		if ((o.rpc_cookie_file != NULL) == (o.rpc_user != NULL))
			return COFFER_ERR_CONFIG_CONFLICT;
		r = chain_bitcoind_new(out, &o);
	} else if (cfg->esplora[0] != '\0') {
		o.url = cfg->esplora;
		r = chain_esplora_new(out, &o);
	} else {
		return COFFER_ERR_CONFIG_CONFLICT;
	}
	return r == COFFER_ERR_INVALID_ARG ? COFFER_ERR_CONFIG_CONFLICT : r;
}
