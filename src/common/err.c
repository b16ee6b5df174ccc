/* Error code names and messages: one table, kept beside err.h. */
#include "common/err.h"

#include <stddef.h>

struct err_entry {
	int code;
	const char *name;
	const char *msg;
};

#define E(c, n, m) { c, n, m }
static const struct err_entry err_table[] = {
	E(COFFER_OK, "ok", "success"),
	E(COFFER_ERR_INTERNAL, "internal", "internal error"),
	E(COFFER_ERR_NOMEM, "out_of_memory", "out of memory"),
	E(COFFER_ERR_INVALID_ARG, "invalid_argument", "invalid argument"),
	E(COFFER_ERR_TRUNCATED, "truncated", "input is truncated"),
	E(COFFER_ERR_TOO_LARGE, "too_large", "input exceeds its size limit"),
	E(COFFER_ERR_TRAILING, "trailing_data", "unexpected trailing data"),
	E(COFFER_ERR_BAD_HEX, "bad_hex", "invalid hex string"),
	E(COFFER_ERR_BAD_BASE64, "bad_base64", "invalid base64"),
	E(COFFER_ERR_NONCANONICAL, "noncanonical", "non-canonical encoding"),
	E(COFFER_ERR_IO, "io_error", "input/output error"),
	E(COFFER_ERR_NOT_FOUND, "not_found", "not found"),
	E(COFFER_ERR_UNSUPPORTED, "unsupported", "not supported"),
	E(COFFER_ERR_RANDOM, "random_failed", "random number generator failed"),
	E(COFFER_ERR_CRYPTO, "crypto_failed", "cryptographic operation failed"),
	E(COFFER_ERR_BAD_STRING, "bad_string", "string contains invalid characters"),
	E(COFFER_ERR_BAD_NUMBER, "bad_number", "invalid or out-of-range number"),
	E(COFFER_ERR_BAD_JSON, "bad_json", "malformed JSON"),

	E(COFFER_ERR_BAD_BASE58, "bad_base58", "invalid base58 string"),
	E(COFFER_ERR_BAD_CHECKSUM, "bad_checksum", "checksum mismatch"),
	E(COFFER_ERR_BAD_BECH32, "bad_bech32", "invalid bech32/bech32m string"),
	E(COFFER_ERR_BAD_ADDRESS, "bad_address", "invalid address"),
	E(COFFER_ERR_WRONG_NETWORK, "wrong_network", "address or key belongs to another network"),
	E(COFFER_ERR_BAD_WITNESS_VERSION, "bad_witness_version", "invalid witness version or program"),
	E(COFFER_ERR_BAD_WIF, "bad_wif", "invalid WIF private key"),
	E(COFFER_ERR_MIXED_CASE, "mixed_case", "bech32 string mixes upper and lower case"),

	E(COFFER_ERR_BAD_MNEMONIC, "bad_mnemonic", "invalid mnemonic: unknown word or malformed sentence"),
	E(COFFER_ERR_MNEMONIC_CHECKSUM, "mnemonic_checksum", "mnemonic checksum mismatch"),
	E(COFFER_ERR_BAD_ENTROPY, "bad_entropy", "entropy must be 16 to 32 bytes in steps of 4"),
	E(COFFER_ERR_BAD_XKEY, "bad_extended_key", "invalid extended key"),
	E(COFFER_ERR_BAD_XKEY_VERSION, "bad_extended_key_version", "unknown extended key version"),
	E(COFFER_ERR_BAD_PUBKEY, "bad_pubkey", "invalid public key"),
	E(COFFER_ERR_BAD_PRIVKEY, "bad_privkey", "invalid private key"),
	E(COFFER_ERR_BAD_PATH, "bad_path", "invalid derivation path"),
	E(COFFER_ERR_HARDENED_FROM_PUBLIC, "hardened_from_public", "hardened derivation requires a private key"),
	E(COFFER_ERR_DERIVATION, "derivation_failed", "derivation produced an invalid key"),
	E(COFFER_ERR_DEPTH, "depth_exceeded", "derivation depth exceeds 255"),
	E(COFFER_ERR_MNEMONIC_LENGTH, "mnemonic_length", "mnemonic must have 12, 15, 18, 21 or 24 words"),
	E(COFFER_ERR_XKEY_KEY_TYPE, "extended_key_type", "extended key version does not match its key data"),
	E(COFFER_ERR_XKEY_KEY_PREFIX, "extended_key_prefix", "extended key data has an invalid prefix byte"),
	E(COFFER_ERR_XKEY_ROOT_PARENT, "extended_key_root_parent", "depth 0 extended key with a parent fingerprint"),
	E(COFFER_ERR_XKEY_ROOT_INDEX, "extended_key_root_index", "depth 0 extended key with a child number"),

	E(COFFER_ERR_BAD_DESCRIPTOR, "bad_descriptor", "invalid descriptor"),
	E(COFFER_ERR_DESC_CHECKSUM, "descriptor_checksum", "descriptor checksum mismatch"),
	E(COFFER_ERR_DESC_UNKNOWN_FUNC, "descriptor_unknown_function", "unknown descriptor function"),
	E(COFFER_ERR_DESC_CONTEXT, "descriptor_context", "descriptor function not allowed here"),
	E(COFFER_ERR_DESC_KEY, "descriptor_key", "invalid key expression in descriptor"),
	E(COFFER_ERR_DESC_MULTIPATH, "descriptor_multipath", "invalid multipath expression"),
	E(COFFER_ERR_DESC_RANGE, "descriptor_range", "descriptor index out of range"),
	E(COFFER_ERR_DESC_THRESHOLD, "descriptor_threshold", "invalid multisig threshold or key count"),
	E(COFFER_ERR_DESC_LIMIT, "descriptor_limit", "descriptor exceeds a script size, tree depth or work limit"),
	E(COFFER_ERR_DESC_UNCOMPRESSED, "descriptor_uncompressed_key", "uncompressed keys are not allowed under segwit or taproot"),
	E(COFFER_ERR_DESC_NOT_SCRIPT, "descriptor_not_script", "a script expression is required here, not a key"),
	E(COFFER_ERR_DESC_ORIGIN, "descriptor_key_origin", "malformed key origin"),
	E(COFFER_ERR_DESC_MUSIG, "descriptor_musig", "invalid musig() key expression"),
	E(COFFER_ERR_DESC_MINISCRIPT, "descriptor_miniscript", "Miniscript fragments are not supported"),

	E(COFFER_ERR_BAD_TX, "bad_transaction", "invalid transaction"),
	E(COFFER_ERR_BAD_SCRIPT, "bad_script", "invalid script"),
	E(COFFER_ERR_BAD_SIGHASH_TYPE, "bad_sighash_type", "sighash type not allowed"),
	E(COFFER_ERR_INPUT_INDEX, "input_index", "input index out of range"),
	E(COFFER_ERR_BAD_SIGNATURE, "bad_signature", "invalid signature"),
	E(COFFER_ERR_BAD_AMOUNT, "bad_amount", "invalid amount"),
	E(COFFER_ERR_MISSING_UTXO, "missing_utxo", "previous output data missing"),
	E(COFFER_ERR_TX_NO_INPUTS, "tx_no_inputs", "transaction has no inputs"),
	E(COFFER_ERR_TX_NO_OUTPUTS, "tx_no_outputs", "transaction has no outputs"),
	E(COFFER_ERR_TX_DUPLICATE_INPUT, "tx_duplicate_input", "transaction spends an outpoint twice"),
	E(COFFER_ERR_TX_BAD_COINBASE, "tx_bad_coinbase", "coinbase scriptSig must be 2 to 100 bytes"),
	E(COFFER_ERR_TX_NULL_PREVOUT, "tx_null_prevout", "null previous output in a non-coinbase input"),
	E(COFFER_ERR_BAD_TAPROOT_TREE, "bad_taproot_tree", "taproot leaf depths do not form a valid tree"),
	E(COFFER_ERR_BAD_CONTROL_BLOCK, "bad_control_block", "invalid taproot control block"),

	E(COFFER_ERR_BAD_PSBT, "bad_psbt", "invalid PSBT"),
	E(COFFER_ERR_PSBT_MAGIC, "psbt_magic", "not a PSBT: magic bytes missing"),
	E(COFFER_ERR_PSBT_DUP_KEY, "psbt_duplicate_key", "duplicate key in PSBT map"),
	E(COFFER_ERR_PSBT_BAD_KEY, "psbt_bad_key", "PSBT key has the wrong size for its type"),
	E(COFFER_ERR_PSBT_BAD_VALUE, "psbt_bad_value", "PSBT value malformed for its type"),
	E(COFFER_ERR_PSBT_VERSION, "psbt_version", "unsupported or inconsistent PSBT version"),
	E(COFFER_ERR_PSBT_UTXO_MISMATCH, "psbt_utxo_mismatch", "PSBT UTXO data does not match the input"),
	E(COFFER_ERR_PSBT_CANNOT_FINALIZE, "psbt_cannot_finalize", "PSBT input cannot be finalized"),
	E(COFFER_ERR_PSBT_NOT_FINAL, "psbt_not_final", "PSBT is not finalized"),
	E(COFFER_ERR_PSBT_COMBINE, "psbt_combine_mismatch", "PSBTs describe different transactions"),
	E(COFFER_ERR_PSBT_FIELD_VERSION, "psbt_field_version", "PSBT field not allowed in this version"),
	E(COFFER_ERR_PSBT_MISSING_FIELD, "psbt_missing_field", "a required PSBT field is missing"),
	E(COFFER_ERR_PSBT_UNSIGNED_TX, "psbt_unsigned_tx", "PSBT unsigned transaction has scriptSigs or witnesses"),
	E(COFFER_ERR_PSBT_LOCKTIME, "psbt_locktime", "PSBT inputs require incompatible locktimes"),
	E(COFFER_ERR_PSBT_SCRIPT_MISMATCH, "psbt_script_mismatch", "PSBT redeem or witness script does not match the output"),
	E(COFFER_ERR_PSBT_KEY_MISMATCH, "psbt_key_mismatch", "derived key does not match the PSBT's public key"),
	E(COFFER_ERR_PSBT_SIGHASH, "psbt_sighash", "sighash type refused by the signer policy"),

	E(COFFER_ERR_MUSIG, "musig_failed", "MuSig2 input rejected"),
	E(COFFER_ERR_MUSIG_NONCE_REUSE, "musig_nonce_reuse", "MuSig2 secret nonce already used"),
	E(COFFER_ERR_BIP322, "bip322_invalid", "message signature invalid"),
	E(COFFER_ERR_MUSIG_TWEAK_RANGE, "musig_tweak_range", "MuSig2 tweak is not below the group order"),
	E(COFFER_ERR_MUSIG_TWEAK_INFINITY, "musig_tweak_infinity", "MuSig2 tweaked key is the point at infinity"),
	E(COFFER_ERR_MUSIG_BAD_PUBNONCE, "musig_bad_pubnonce", "invalid MuSig2 public nonce"),
	E(COFFER_ERR_MUSIG_BAD_AGGNONCE, "musig_bad_aggnonce", "invalid MuSig2 aggregate nonce"),
	E(COFFER_ERR_MUSIG_BAD_PSIG, "musig_bad_partial_sig", "MuSig2 partial signature out of range"),
	E(COFFER_ERR_MUSIG_PSIG_INVALID, "musig_partial_sig_invalid", "MuSig2 partial signature does not verify"),
	E(COFFER_ERR_MUSIG_NOT_SIGNER, "musig_not_signer", "key is not one of the aggregated MuSig2 keys"),
	E(COFFER_ERR_MUSIG_KEY_MISMATCH, "musig_key_mismatch", "MuSig2 secret nonce belongs to another key"),
	E(COFFER_ERR_BIP322_WRONG_KEY, "bip322_wrong_key", "private key does not control the address"),

	E(COFFER_ERR_ATTEST_BAD_CERT, "attest_bad_cert", "certificate does not parse"),
	E(COFFER_ERR_ATTEST_CHAIN, "attest_chain", "certificate chain does not verify to the pinned root"),
	E(COFFER_ERR_ATTEST_POLICY, "attest_policy", "invalid attestation policy"),
	E(COFFER_ERR_TEE_ABSENT, "tee_absent", "this TEE is not present on this machine"),
	E(COFFER_ERR_TEE_DEVICE, "tee_device", "the TEE device refused or failed the request"),
	E(COFFER_ERR_TEE_RESPONSE, "tee_response", "the TEE device's response is malformed"),
	E(COFFER_ERR_TEE_RACE, "tee_race", "the attestation request was changed by another writer"),
	E(COFFER_ERR_SEAL_FOREIGN, "seal_foreign", "sealed blob is malformed or from another backend"),
	E(COFFER_ERR_SEAL_MISMATCH, "seal_mismatch", "sealed blob does not open on this platform state"),
	E(COFFER_ERR_SEAL_TPM, "seal_tpm", "a TPM command failed"),

	E(COFFER_ERR_KS_MISSING, "keystore_missing", "no keystore: create or restore one first"),
	E(COFFER_ERR_KS_EXISTS, "keystore_exists", "a keystore already exists"),
	E(COFFER_ERR_KS_WRONG_PASSPHRASE, "wrong_passphrase", "wrong passphrase"),
	E(COFFER_ERR_KS_TAMPERED, "keystore_tampered", "keystore failed authentication: it was modified or corrupted"),
	E(COFFER_ERR_KS_TRUNCATED, "keystore_truncated", "keystore file is truncated"),
	E(COFFER_ERR_KS_FOREIGN, "keystore_foreign", "not a Coffer keystore file"),
	E(COFFER_ERR_KS_VERSION, "keystore_version", "keystore format version not supported"),
	E(COFFER_ERR_KS_KDF_PARAMS, "keystore_kdf_params", "keystore key derivation parameters out of bounds"),
	E(COFFER_ERR_KS_MALFORMED, "keystore_malformed", "keystore file has an invalid field"),
	E(COFFER_ERR_KS_BAD_PASSPHRASE, "bad_passphrase", "passphrase must be 1 to 1024 bytes of UTF-8 without NUL"),
	E(COFFER_ERR_STATE_MISSING, "state_missing", "no sealed signer state"),
	E(COFFER_ERR_STATE_WRONG_KEY, "state_wrong_key", "signer state belongs to another wallet"),
	E(COFFER_ERR_STATE_TAMPERED, "state_tampered", "signer state failed authentication: it was modified or corrupted"),
	E(COFFER_ERR_STATE_TRUNCATED, "state_truncated", "signer state file is truncated"),
	E(COFFER_ERR_STATE_FOREIGN, "state_foreign", "not a Coffer signer state file"),
	E(COFFER_ERR_STATE_VERSION, "state_version", "signer state format version not supported"),
	E(COFFER_ERR_STATE_MALFORMED, "state_malformed", "signer state file has an invalid field"),
	E(COFFER_ERR_SIGNER_DIR, "signer_dir", "signer directory missing or not private (mode 0700, owned by the signer)"),
	E(COFFER_ERR_SIGNER_BUSY, "signer_busy", "another signer process holds the signer directory"),
	E(COFFER_ERR_FILE_EXISTS, "file_exists", "the file already exists"),

	/* signer process and protocol (PROC) */
	E(COFFER_ERR_SIGNER_PROTOCOL, "signer_protocol", "malformed signer frame or message"),
	E(COFFER_ERR_SIGNER_VERSION, "signer_version", "no signer protocol version in common"),
	E(COFFER_ERR_SIGNER_NOT_PERMITTED, "signer_not_permitted", "message not permitted in the signer's state"),
	E(COFFER_ERR_SIGNER_LOCKED, "signer_locked", "the signer is locked"),
	E(COFFER_ERR_SIGNER_UNINITIALIZED, "signer_uninitialized", "the signer has no keystore yet"),
	E(COFFER_ERR_SIGNER_CLOSED, "signer_closed", "the signer connection was closed"),
	E(COFFER_ERR_SIGNER_FRAME_SIZE, "signer_frame_size", "signer frame exceeds its size cap"),
	E(COFFER_ERR_SIGNER_UNKNOWN_MSG, "signer_unknown_message", "unknown signer message type"),
	E(COFFER_ERR_SIGNER_SEALED, "signer_sealed", "sealed secret does not open with the signer's unlock key"),
	E(COFFER_ERR_SIGNER_SPAWN, "signer_spawn", "the signer process could not be started"),
	E(COFFER_ERR_SIGNER_SANDBOX, "signer_sandbox", "a signer hardening step failed"),
	E(COFFER_ERR_SIGNER_TRANSPORT, "signer_transport", "cannot listen, accept or connect to the signer"),
	E(COFFER_ERR_SIGNER_USER, "signer_user", "the signer's unprivileged user does not exist"),
	E(COFFER_ERR_SIGNER_NO_PASSPHRASE, "signer_passphrase_needed", "this operation needs the passphrase"),
	E(COFFER_ERR_POLICY_UNKNOWN_KEY, "policy_unknown_key", "unknown key in the policy"),
	E(COFFER_ERR_POLICY_BAD_VALUE, "policy_bad_value", "invalid policy value"),
	E(COFFER_ERR_POLICY_BAD_ENTRY, "policy_bad_entry", "allowlist entry is not an address or descriptor"),
	E(COFFER_ERR_POLICY_ENCODING, "policy_encoding", "malformed policy or ledger encoding"),
	E(COFFER_ERR_POLICY_KILL_SWITCH, "policy_kill_switch", "refused: the kill switch is on"),
	E(COFFER_ERR_POLICY_MAX_PAYMENT, "policy_max_payment", "refused: over the maximum per payment"),
	E(COFFER_ERR_POLICY_DAILY_LIMIT, "policy_daily_limit", "refused: over the rolling 24-hour maximum"),
	E(COFFER_ERR_POLICY_ALLOWLIST, "policy_allowlist", "refused: destination not on the allowlist"),
	E(COFFER_ERR_POLICY_FEE, "policy_fee", "refused: fee over the maximum"),
	E(COFFER_ERR_POLICY_FEERATE, "policy_feerate", "refused: fee rate over the maximum"),
	E(COFFER_ERR_POLICY_PASSPHRASE_REQUIRED, "policy_passphrase_required",
	    "refused: this amount needs the passphrase"),
	E(COFFER_ERR_JUDGE_NOTHING_OURS, "judge_nothing_ours", "refused: no input belongs to this wallet"),
	E(COFFER_ERR_JUDGE_UNPROVEN_INPUT, "judge_unproven_input",
	    "refused: an input names our key but is not our script"),
	E(COFFER_ERR_JUDGE_SIGHASH, "judge_sighash", "refused: sighash type other than ALL/DEFAULT"),
	E(COFFER_ERR_JUDGE_ACCOUNT, "judge_account", "account descriptor unusable for judgement"),
	E(COFFER_ERR_AUDIT_WRITE, "audit_write_failed", "audit record could not be written durably"),
	E(COFFER_ERR_AUDIT_BROKEN, "audit_broken", "audit chain does not verify"),
	E(COFFER_ERR_AUDIT_HEAD, "audit_head_mismatch", "audit log does not contain the sealed head"),
	E(COFFER_ERR_AUDIT_RECORD, "audit_record", "malformed or oversize audit record"),

	/* daemon */
	E(COFFER_ERR_CONFIG_UNKNOWN_KEY, "config_unknown_key", "unknown configuration key"),
	E(COFFER_ERR_CONFIG_BAD_VALUE, "config_bad_value", "invalid configuration value"),
	E(COFFER_ERR_CONFIG_CONFLICT, "config_conflict", "configuration values contradict each other"),
	E(COFFER_ERR_DATADIR_PERMS, "datadir_permissions", "data directory or file is accessible to other users"),
	E(COFFER_ERR_DATADIR_LOCKED, "datadir_locked", "another cofferd is using this data directory"),
	E(COFFER_ERR_UNAUTHORIZED, "unauthorized", "missing or invalid bearer token"),
	E(COFFER_ERR_TOKEN_EXPIRED, "token_expired", "the token has expired"),
	E(COFFER_ERR_FORBIDDEN, "insufficient_scope", "the token's scope does not allow this request"),
	E(COFFER_ERR_RATE_LIMITED, "rate_limited", "too many failed attempts; retry later"),
	E(COFFER_ERR_WALLET_LOCKED, "wallet_locked", "the wallet is locked"),
	E(COFFER_ERR_METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this path"),
	E(COFFER_ERR_BODY_TOO_LARGE, "body_too_large", "request body too large"),
	E(COFFER_ERR_UNKNOWN_FIELD, "unknown_field", "unknown field in request"),
	E(COFFER_ERR_MISSING_FIELD, "missing_field", "a required field is missing"),
	E(COFFER_ERR_WRONG_TYPE, "wrong_type", "a field has the wrong type"),
	E(COFFER_ERR_BAD_VALUE, "bad_value", "a field has an invalid value"),
	E(COFFER_ERR_MEDIA_TYPE, "unsupported_media_type", "request body must be application/json"),
	E(COFFER_ERR_STORE_KEY, "store_wrong_key", "database does not open with this key"),
	E(COFFER_ERR_STORE_SCHEMA, "store_schema", "database schema is newer than this program or a migration failed"),
	E(COFFER_ERR_STORE, "store_error", "database error"),
	E(COFFER_ERR_LISTEN, "listen_failed", "cannot listen on the configured address"),
	E(COFFER_ERR_TLS, "tls_error", "TLS certificate or key does not load"),
	E(COFFER_ERR_TOO_MANY_TOKENS, "too_many_tokens", "token limit reached; revoke a token first"),
	E(COFFER_ERR_STORE_NETWORK, "store_wrong_network", "database belongs to another network"),
	E(COFFER_ERR_SIGNER_UNAVAILABLE, "signer_unavailable", "the signer is not available"),

	/* chain backends */
	E(COFFER_ERR_CHAIN_UNREACHABLE, "chain_unreachable", "the chain backend cannot be reached"),
	E(COFFER_ERR_CHAIN_PROTOCOL, "chain_protocol", "the chain backend sent a malformed answer"),
	E(COFFER_ERR_CHAIN_REJECTED, "tx_rejected", "the chain backend rejected the transaction"),
	E(COFFER_ERR_CHAIN_CONFLICT, "tx_conflict", "an input of the transaction is already spent or unknown"),
	E(COFFER_ERR_CHAIN_NO_ESTIMATE, "no_fee_estimate", "the chain backend has no fee estimate"),
	E(COFFER_ERR_CHAIN_AUTH, "chain_auth", "the node refused the RPC credentials"),
	E(COFFER_ERR_CHAIN_WALLET, "chain_wallet", "the node's watch-only wallet is not usable"),
	/* payments */
	E(COFFER_ERR_PAY_INSUFFICIENT_FUNDS, "insufficient_funds",
	    "spendable coins do not cover the outputs and the fee"),
	E(COFFER_ERR_PAY_DUST_OUTPUT, "dust_output", "an output is below its dust threshold"),
	E(COFFER_ERR_PAY_AMOUNT_ZERO, "amount_zero", "an output amount is zero"),
	E(COFFER_ERR_PAY_AMOUNT_NEGATIVE, "amount_negative", "an output amount is negative"),
	E(COFFER_ERR_PAY_AMOUNT_OVERFLOW, "amount_overflow", "an amount or a sum of amounts is over 21e6 BTC"),
	E(COFFER_ERR_PAY_NO_OUTPUTS, "no_outputs", "a payment needs at least one output or drain_to"),
	E(COFFER_ERR_PAY_FEE_RATE, "fee_rate_out_of_bounds", "fee rate outside the allowed bounds"),
	E(COFFER_ERR_PAY_TOO_LARGE, "transaction_too_large",
	    "the transaction would be over the standard weight"),
	E(COFFER_ERR_PAY_SUBTRACT_FEE, "subtract_fee_failed",
	    "the fee does not fit in the output it is subtracted from"),
	E(COFFER_ERR_PAY_BUMP_FEE, "bump_fee_too_low",
	    "replacement fee does not beat the original (BIP125 rules 3 and 4)"),
	E(COFFER_ERR_PAY_NO_CHANGE, "no_change_output", "CPFP needs a change output of this wallet"),
	E(COFFER_ERR_PAY_STATE, "payment_state", "the payment's state does not allow this operation"),
	E(COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT, "idempotency_conflict",
	    "idempotency key reused with a different request body"),
	E(COFFER_ERR_PAY_WEBHOOK_SIGNATURE, "webhook_signature", "webhook signature malformed or wrong"),
	E(COFFER_ERR_PAY_WEBHOOK_STALE, "webhook_stale", "webhook timestamp outside the tolerance"),
	E(COFFER_ERR_PAY_ACCOUNT, "payment_account", "wallet descriptor unusable for payments"),
	E(COFFER_ERR_PAY_TOO_MANY_OUTPUTS, "too_many_outputs", "more outputs than one payment allows"),
	E(COFFER_ERR_PAY_RESERVED, "coin_reserved", "a coin is reserved by another pending payment"),
	E(COFFER_ERR_PAY_BROADCAST_REJECTED, "broadcast_rejected", "the network refused the transaction"),
	E(COFFER_ERR_PAY_UNAVAILABLE, "payments_unavailable", "payments need the chain backend and the signer"),
	E(COFFER_ERR_PAY_HAS_DESCENDANT, "payment_has_descendant",
	    "a later payment spends this payment's change; bump that one instead"),
	E(COFFER_ERR_PAY_NOT_SYNCED, "wallet_not_synced",
	    "the wallet's view of the chain has not been synced since unlock; retry shortly"),
};
#undef E

static const struct err_entry *
err_find(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == code)
			return &err_table[i];
	return NULL;
}

const char *
coffer_err_msg(int code)
{
	const struct err_entry *e = err_find(code);

	return e != NULL ? e->msg : "unknown error";
}

const char *
coffer_err_name(int code)
{
	const struct err_entry *e = err_find(code);

	return e != NULL ? e->name : "unknown_error";
}
