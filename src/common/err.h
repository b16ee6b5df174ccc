/*
 * Coffer error codes.
 *
 * Every fallible function returns 0 on success or one of these negative codes.
 * Codes are stable: append, never renumber, never reuse. Each component has its
 * own block so that parallel work appends without collisions. The daemon maps
 * codes to HTTP status and stable snake_case names through coffer_err_name().
 */
#ifndef COFFER_COMMON_ERR_H
#define COFFER_COMMON_ERR_H

/* common: -1 .. -49 */
#define COFFER_OK                    0
#define COFFER_ERR_INTERNAL         -1  /* broken invariant that did not abort */
#define COFFER_ERR_NOMEM            -2  /* allocation failed */
#define COFFER_ERR_INVALID_ARG      -3  /* caller passed a bad argument */
#define COFFER_ERR_TRUNCATED        -4  /* input ended before a field did */
#define COFFER_ERR_TOO_LARGE        -5  /* input or field over its size cap */
#define COFFER_ERR_TRAILING         -6  /* bytes left after a complete parse */
#define COFFER_ERR_BAD_HEX          -7  /* not an even-length hex string */
#define COFFER_ERR_BAD_BASE64       -8  /* not valid base64 */
#define COFFER_ERR_NONCANONICAL     -9  /* non-minimal encoding (CompactSize etc) */
#define COFFER_ERR_IO              -10  /* read or write failed */
#define COFFER_ERR_NOT_FOUND       -11  /* the thing asked for does not exist */
#define COFFER_ERR_UNSUPPORTED     -12  /* valid but not implemented */
#define COFFER_ERR_RANDOM          -13  /* the OS CSPRNG failed */
#define COFFER_ERR_CRYPTO          -14  /* a crypto library call failed */
#define COFFER_ERR_BAD_STRING      -15  /* NUL or non-printable byte in a string */
#define COFFER_ERR_BAD_NUMBER      -16  /* number does not parse or is out of range */
#define COFFER_ERR_BAD_JSON        -17  /* malformed JSON */

/* encoding and addresses: -50 .. -99 */
#define COFFER_ERR_BAD_BASE58       -50  /* invalid base58 character */
#define COFFER_ERR_BAD_CHECKSUM     -51  /* base58check / bech32 checksum mismatch */
#define COFFER_ERR_BAD_BECH32       -52  /* malformed bech32/bech32m string */
#define COFFER_ERR_BAD_ADDRESS      -53  /* not a valid address */
#define COFFER_ERR_WRONG_NETWORK    -54  /* address or key for another network */
#define COFFER_ERR_BAD_WITNESS_VERSION -55 /* witness version/encoding mismatch */
#define COFFER_ERR_BAD_WIF          -56  /* not a valid WIF private key */
#define COFFER_ERR_MIXED_CASE       -57  /* bech32 with mixed case */

/* BIP39 / BIP32 / keys: -100 .. -149 */
#define COFFER_ERR_BAD_MNEMONIC     -100 /* unknown word or malformed mnemonic */
#define COFFER_ERR_MNEMONIC_CHECKSUM -101 /* BIP39 checksum mismatch */
#define COFFER_ERR_BAD_ENTROPY      -102 /* entropy length not 16..32 step 4 */
#define COFFER_ERR_BAD_XKEY         -103 /* malformed extended key */
#define COFFER_ERR_BAD_XKEY_VERSION -104 /* unknown extended key version bytes */
#define COFFER_ERR_BAD_PUBKEY       -105 /* not a valid public key */
#define COFFER_ERR_BAD_PRIVKEY      -106 /* private key zero or >= n */
#define COFFER_ERR_BAD_PATH         -107 /* malformed derivation path */
#define COFFER_ERR_HARDENED_FROM_PUBLIC -108 /* hardened step below an xpub */
#define COFFER_ERR_DERIVATION       -109 /* derivation hit an invalid key (p ~ 2^-127) */
#define COFFER_ERR_DEPTH            -110 /* derivation depth over 255 */
#define COFFER_ERR_MNEMONIC_LENGTH  -111 /* word count not 12, 15, 18, 21 or 24 */
#define COFFER_ERR_XKEY_KEY_TYPE    -112 /* xpub version with private key data or vice versa */
#define COFFER_ERR_XKEY_KEY_PREFIX  -113 /* extended key data prefix not 00/02/03 */
#define COFFER_ERR_XKEY_ROOT_PARENT -114 /* depth 0 with nonzero parent fingerprint */
#define COFFER_ERR_XKEY_ROOT_INDEX  -115 /* depth 0 with nonzero child number */

/* descriptors: -150 .. -199 */
#define COFFER_ERR_BAD_DESCRIPTOR   -150 /* descriptor syntax error */
#define COFFER_ERR_DESC_CHECKSUM    -151 /* descriptor checksum mismatch */
#define COFFER_ERR_DESC_UNKNOWN_FUNC -152 /* unknown descriptor function */
#define COFFER_ERR_DESC_CONTEXT     -153 /* function not allowed in this context */
#define COFFER_ERR_DESC_KEY         -154 /* bad key expression */
#define COFFER_ERR_DESC_MULTIPATH   -155 /* bad or inconsistent multipath */
#define COFFER_ERR_DESC_RANGE       -156 /* index out of range / not ranged */
#define COFFER_ERR_DESC_THRESHOLD   -157 /* multi threshold or key count invalid */
#define COFFER_ERR_DESC_LIMIT       -158 /* script size, tree depth or work over its limit */
#define COFFER_ERR_DESC_UNCOMPRESSED -159 /* uncompressed key under segwit or taproot */
#define COFFER_ERR_DESC_NOT_SCRIPT  -160 /* a key where a script expression is required */
#define COFFER_ERR_DESC_ORIGIN      -161 /* malformed key origin [fingerprint/path] */
#define COFFER_ERR_DESC_MUSIG       -162 /* musig() participants or derivation invalid */
#define COFFER_ERR_DESC_MINISCRIPT  -163 /* Miniscript fragment (not supported) */

/* transactions, scripts, sighash, signing: -200 .. -249 */
#define COFFER_ERR_BAD_TX           -200 /* malformed transaction */
#define COFFER_ERR_BAD_SCRIPT       -201 /* malformed script */
#define COFFER_ERR_BAD_SIGHASH_TYPE -202 /* sighash type not allowed */
#define COFFER_ERR_INPUT_INDEX      -203 /* input index out of range */
#define COFFER_ERR_BAD_SIGNATURE    -204 /* signature malformed or invalid */
#define COFFER_ERR_BAD_AMOUNT       -205 /* amount negative or over 21e6 BTC */
#define COFFER_ERR_MISSING_UTXO     -206 /* prevout data required but absent */
#define COFFER_ERR_TX_NO_INPUTS     -207 /* transaction has no inputs */
#define COFFER_ERR_TX_NO_OUTPUTS    -208 /* transaction has no outputs */
#define COFFER_ERR_TX_DUPLICATE_INPUT -209 /* two inputs spend the same outpoint */
#define COFFER_ERR_TX_BAD_COINBASE  -210 /* coinbase scriptSig not 2..100 bytes */
#define COFFER_ERR_TX_NULL_PREVOUT  -211 /* null prevout in a non-coinbase */
#define COFFER_ERR_BAD_TAPROOT_TREE -212 /* leaf depths do not form a full tree */
#define COFFER_ERR_BAD_CONTROL_BLOCK -213 /* taproot control block malformed or wrong */

/* PSBT: -250 .. -299 */
#define COFFER_ERR_BAD_PSBT         -250 /* malformed PSBT */
#define COFFER_ERR_PSBT_MAGIC       -251 /* missing "psbt\xff" magic */
#define COFFER_ERR_PSBT_DUP_KEY     -252 /* duplicate key in a map */
#define COFFER_ERR_PSBT_BAD_KEY     -253 /* key of the wrong length for its type */
#define COFFER_ERR_PSBT_BAD_VALUE   -254 /* value malformed for its type */
#define COFFER_ERR_PSBT_VERSION     -255 /* unsupported or inconsistent version */
#define COFFER_ERR_PSBT_UTXO_MISMATCH -256 /* UTXO data does not match the input */
#define COFFER_ERR_PSBT_CANNOT_FINALIZE -257 /* missing signatures or scripts */
#define COFFER_ERR_PSBT_NOT_FINAL   -258 /* extract before finalize */
#define COFFER_ERR_PSBT_COMBINE     -259 /* PSBTs describe different transactions */
#define COFFER_ERR_PSBT_FIELD_VERSION -260 /* field not allowed in this PSBT version */
#define COFFER_ERR_PSBT_MISSING_FIELD -261 /* a required PSBT field is absent */
#define COFFER_ERR_PSBT_UNSIGNED_TX -262 /* v0 unsigned tx has scriptSigs/witnesses */
#define COFFER_ERR_PSBT_LOCKTIME    -263 /* v2 inputs need incompatible locktimes */
#define COFFER_ERR_PSBT_SCRIPT_MISMATCH -264 /* redeem/witness script does not match */
#define COFFER_ERR_PSBT_KEY_MISMATCH -265 /* derived key is not the PSBT's key */
#define COFFER_ERR_PSBT_SIGHASH     -266 /* sighash type refused by signer policy */

/* MuSig2 / BIP322: -300 .. -349 */
#define COFFER_ERR_MUSIG            -300 /* MuSig2 input rejected */
#define COFFER_ERR_MUSIG_NONCE_REUSE -301 /* secret nonce already used */
#define COFFER_ERR_BIP322           -302 /* BIP322 message signature invalid */
#define COFFER_ERR_MUSIG_TWEAK_RANGE -303 /* tweak not below the group order */
#define COFFER_ERR_MUSIG_TWEAK_INFINITY -304 /* tweaked key is the point at infinity */
#define COFFER_ERR_MUSIG_BAD_PUBNONCE -305 /* public nonce does not parse */
#define COFFER_ERR_MUSIG_BAD_AGGNONCE -306 /* aggregate nonce does not parse */
#define COFFER_ERR_MUSIG_BAD_PSIG   -307 /* partial signature not below the group order */
#define COFFER_ERR_MUSIG_PSIG_INVALID -308 /* partial signature does not verify */
#define COFFER_ERR_MUSIG_NOT_SIGNER -309 /* key is not one of the aggregated keys */
#define COFFER_ERR_MUSIG_KEY_MISMATCH -310 /* secret nonce was made for another key */
#define COFFER_ERR_BIP322_WRONG_KEY -311 /* private key does not control the address */

/* attestation (src/attest): -350 .. -399 */
#define COFFER_ERR_ATTEST_BAD_CERT  -350 /* certificate (DER/PEM) does not parse */
#define COFFER_ERR_ATTEST_CHAIN     -351 /* certificate chain does not verify to the pinned root */
#define COFFER_ERR_ATTEST_POLICY    -352 /* attestation policy file invalid */
#define COFFER_ERR_TEE_ABSENT      -353 /* this TEE's device or interface is not present here */
#define COFFER_ERR_TEE_DEVICE      -354 /* the TEE device refused or failed the request */
#define COFFER_ERR_TEE_RESPONSE    -355 /* the TEE device's response is malformed */
#define COFFER_ERR_TEE_RACE        -356 /* configfs-tsm: another writer changed the request meanwhile */
#define COFFER_ERR_SEAL_FOREIGN    -357 /* sealed blob malformed or made by another backend */
#define COFFER_ERR_SEAL_MISMATCH   -358 /* sealed blob does not open here (other platform, PCRs or measurement) */
#define COFFER_ERR_SEAL_TPM        -359 /* a TPM command failed */

/*
 * signer (src/signer): -450 .. -549. (SIGNER.md planned -350..-449, but the
 * attestation block took -350..-399 first; the signer's plan moves down by 100.)
 *   keystore, state, files (STORE):  -450 .. -479
 *   process and protocol (PROC):     -480 .. -509
 *   policy, analysis, audit (JUDGE): -510 .. -549
 */
/* keystore, sealed state, signer files (STORE): -450 .. -479 */
#define COFFER_ERR_KS_MISSING       -450 /* no keystore in the signer directory */
#define COFFER_ERR_KS_EXISTS        -451 /* create/restore refused: a keystore exists */
#define COFFER_ERR_KS_WRONG_PASSPHRASE -452 /* key check value does not match */
#define COFFER_ERR_KS_TAMPERED      -453 /* header checksum or AEAD tag does not verify */
#define COFFER_ERR_KS_TRUNCATED     -454 /* keystore file shorter than its format */
#define COFFER_ERR_KS_FOREIGN       -455 /* not a keystore (bad magic) */
#define COFFER_ERR_KS_VERSION       -456 /* keystore format version not supported */
#define COFFER_ERR_KS_KDF_PARAMS    -457 /* Argon2id parameters outside our bounds */
#define COFFER_ERR_KS_MALFORMED     -458 /* a field is invalid (flags, length, contents) */
#define COFFER_ERR_KS_BAD_PASSPHRASE -459 /* passphrase empty, too long, NUL or not UTF-8 */
#define COFFER_ERR_STATE_MISSING    -460 /* no sealed state file */
#define COFFER_ERR_STATE_WRONG_KEY  -461 /* state sealed under another wallet's key */
#define COFFER_ERR_STATE_TAMPERED   -462 /* state header checksum or AEAD tag does not verify */
#define COFFER_ERR_STATE_TRUNCATED  -463 /* state file shorter than its header says */
#define COFFER_ERR_STATE_FOREIGN    -464 /* not a state file (bad magic) */
#define COFFER_ERR_STATE_VERSION    -465 /* state format version not supported */
#define COFFER_ERR_STATE_MALFORMED  -466 /* a state field is invalid */
#define COFFER_ERR_SIGNER_DIR       -467 /* signer directory missing or not private (0700, ours) */
#define COFFER_ERR_SIGNER_BUSY      -468 /* another process holds the signer directory lock */
#define COFFER_ERR_FILE_EXISTS      -469 /* create-only write found the file already there */

/* signer process and protocol (PROC): -480 .. -509 */
#define COFFER_ERR_SIGNER_PROTOCOL  -480 /* malformed frame or message, or an unexpected reply */
#define COFFER_ERR_SIGNER_VERSION   -481 /* no protocol version both sides speak */
#define COFFER_ERR_SIGNER_NOT_PERMITTED -482 /* message not permitted in the signer's state */
#define COFFER_ERR_SIGNER_LOCKED    -483 /* the signer is locked */
#define COFFER_ERR_SIGNER_UNINITIALIZED -484 /* the signer has no keystore yet */
#define COFFER_ERR_SIGNER_CLOSED    -485 /* the peer closed the connection */
#define COFFER_ERR_SIGNER_FRAME_SIZE -486 /* frame over the cap for its direction and state */
#define COFFER_ERR_SIGNER_UNKNOWN_MSG -487 /* unknown message type */
#define COFFER_ERR_SIGNER_SEALED    -488 /* sealed secret does not open with the signer's unlock key */
#define COFFER_ERR_SIGNER_SPAWN     -489 /* the signer process could not be started */
#define COFFER_ERR_SIGNER_SANDBOX   -490 /* a hardening step (privileges, fds, seccomp) failed */
#define COFFER_ERR_SIGNER_TRANSPORT -491 /* cannot listen, accept or connect */
#define COFFER_ERR_SIGNER_USER      -492 /* the user to drop privileges to does not exist */
#define COFFER_ERR_SIGNER_NO_PASSPHRASE -493 /* the operation needs the passphrase */

/* signer policy, judgement and audit (JUDGE): -510 .. -549 */
#define COFFER_ERR_POLICY_UNKNOWN_KEY -510 /* policy JSON has a key we do not know */
#define COFFER_ERR_POLICY_BAD_VALUE -511 /* policy value of the wrong type or out of range */
#define COFFER_ERR_POLICY_BAD_ENTRY -512 /* allowlist entry is neither an address nor a descriptor */
#define COFFER_ERR_POLICY_ENCODING  -513 /* binary policy or ledger malformed or of another version */
#define COFFER_ERR_POLICY_KILL_SWITCH -514 /* refused: the kill switch is on */
#define COFFER_ERR_POLICY_MAX_PAYMENT -515 /* refused: over the maximum per payment */
#define COFFER_ERR_POLICY_DAILY_LIMIT -516 /* refused: over the rolling 24-hour maximum */
#define COFFER_ERR_POLICY_ALLOWLIST -517 /* refused: a destination is not on the allowlist */
#define COFFER_ERR_POLICY_FEE       -518 /* refused: absolute fee over the maximum */
#define COFFER_ERR_POLICY_FEERATE   -519 /* refused: fee rate over the maximum */
#define COFFER_ERR_POLICY_PASSPHRASE_REQUIRED -520 /* refused: this amount needs the passphrase */
#define COFFER_ERR_JUDGE_NOTHING_OURS -521 /* refused: no input belongs to this wallet */
#define COFFER_ERR_JUDGE_UNPROVEN_INPUT -522 /* refused: input names our key but is not our script */
#define COFFER_ERR_JUDGE_SIGHASH    -523 /* refused: our input asks for a sighash other than ALL/DEFAULT */
#define COFFER_ERR_JUDGE_ACCOUNT    -524 /* account descriptor unusable for judgement */
#define COFFER_ERR_AUDIT_WRITE      -530 /* audit record could not be written durably */
#define COFFER_ERR_AUDIT_BROKEN     -531 /* audit chain does not verify */
#define COFFER_ERR_AUDIT_HEAD       -532 /* audit log does not contain the sealed head */
#define COFFER_ERR_AUDIT_RECORD     -533 /* audit record malformed or over its size cap */

/* daemon (src/daemon): -550 .. -599 */
#define COFFER_ERR_CONFIG_UNKNOWN_KEY -550 /* unknown key in coffer.conf or unknown flag */
#define COFFER_ERR_CONFIG_BAD_VALUE -551 /* a configuration value does not parse */
#define COFFER_ERR_CONFIG_CONFLICT  -552 /* configuration values contradict each other */
#define COFFER_ERR_DATADIR_PERMS    -553 /* datadir or a file in it is not private to us */
#define COFFER_ERR_DATADIR_LOCKED   -554 /* another cofferd holds the datadir lock */
#define COFFER_ERR_UNAUTHORIZED     -555 /* missing, malformed or unknown bearer token */
#define COFFER_ERR_TOKEN_EXPIRED    -556 /* the token has expired */
#define COFFER_ERR_FORBIDDEN        -557 /* the token's scope is below the route's */
#define COFFER_ERR_RATE_LIMITED     -558 /* too many authentication failures from this address */
#define COFFER_ERR_WALLET_LOCKED    -559 /* the wallet is locked (or not created yet) */
#define COFFER_ERR_METHOD_NOT_ALLOWED -560 /* the path exists, the method does not */
#define COFFER_ERR_BODY_TOO_LARGE   -561 /* request body over its cap */
#define COFFER_ERR_UNKNOWN_FIELD    -562 /* request JSON has a field the route does not know */
#define COFFER_ERR_MISSING_FIELD    -563 /* a required request field is absent */
#define COFFER_ERR_WRONG_TYPE       -564 /* a request field has the wrong JSON type */
#define COFFER_ERR_BAD_VALUE        -565 /* a request field is out of range or not an allowed value */
#define COFFER_ERR_MEDIA_TYPE       -566 /* request body is not application/json */
#define COFFER_ERR_STORE_KEY        -567 /* database does not open with this key (or is not one) */
#define COFFER_ERR_STORE_SCHEMA     -568 /* database schema is newer than this cofferd or a migration failed */
#define COFFER_ERR_STORE            -569 /* SQLite reported an error */
#define COFFER_ERR_LISTEN           -570 /* cannot listen on the configured address */
#define COFFER_ERR_TLS              -571 /* TLS certificate or key does not load */
#define COFFER_ERR_TOO_MANY_TOKENS  -572 /* the token table is full */
#define COFFER_ERR_STORE_NETWORK    -573 /* database belongs to another network */
#define COFFER_ERR_SIGNER_UNAVAILABLE -574 /* no signer is connected */

/* chain backends (src/daemon/chain*): -600 .. -629 */
#define COFFER_ERR_CHAIN_UNREACHABLE -600 /* the chain backend cannot be reached (connect, timeout, TLS) */
#define COFFER_ERR_CHAIN_PROTOCOL   -601 /* the chain backend answered something malformed or out of range */
#define COFFER_ERR_CHAIN_REJECTED   -602 /* the chain backend refused the transaction */
#define COFFER_ERR_CHAIN_CONFLICT   -603 /* refused: an input is already spent or unknown */
#define COFFER_ERR_CHAIN_NO_ESTIMATE -604 /* the chain backend has no fee estimate */
#define COFFER_ERR_CHAIN_AUTH       -605 /* the node refused our RPC credentials */
#define COFFER_ERR_CHAIN_WALLET     -606 /* the node's watch-only wallet cannot be created or loaded */

/*
 * payments (src/wallet, src/daemon/payments*): -650 .. -699
 * (-600 .. -649 left free for the chain backends, next to the daemon's block).
 */
#define COFFER_ERR_PAY_INSUFFICIENT_FUNDS -650 /* spendable coins do not cover outputs and fee */
#define COFFER_ERR_PAY_DUST_OUTPUT  -651 /* an output is below its dust threshold */
#define COFFER_ERR_PAY_AMOUNT_ZERO  -652 /* an output amount is zero */
#define COFFER_ERR_PAY_AMOUNT_NEGATIVE -653 /* an output amount is negative */
#define COFFER_ERR_PAY_AMOUNT_OVERFLOW -654 /* an amount or a sum of amounts is over 21e6 BTC */
#define COFFER_ERR_PAY_NO_OUTPUTS   -655 /* a payment needs at least one output or drain_to */
#define COFFER_ERR_PAY_FEE_RATE     -656 /* fee rate outside the allowed bounds */
#define COFFER_ERR_PAY_TOO_LARGE    -657 /* the transaction would be over the standard weight */
#define COFFER_ERR_PAY_SUBTRACT_FEE -658 /* the fee does not fit in the output it is subtracted from */
#define COFFER_ERR_PAY_BUMP_FEE     -659 /* replacement fee does not beat the original (BIP125 rules 3/4) */
#define COFFER_ERR_PAY_NO_CHANGE    -660 /* CPFP needs a change output of this wallet */
#define COFFER_ERR_PAY_STATE        -661 /* the payment's state does not allow this operation */
#define COFFER_ERR_PAY_IDEMPOTENCY_CONFLICT -662 /* idempotency key reused with a different body */
#define COFFER_ERR_PAY_WEBHOOK_SIGNATURE -663 /* webhook signature header malformed or wrong */
#define COFFER_ERR_PAY_WEBHOOK_STALE -664 /* webhook timestamp outside the tolerance */
#define COFFER_ERR_PAY_ACCOUNT      -665 /* wallet descriptor unusable for payments */
#define COFFER_ERR_PAY_TOO_MANY_OUTPUTS -666 /* more outputs than one payment allows */
#define COFFER_ERR_PAY_RESERVED     -667 /* a coin is reserved by another pending payment */
#define COFFER_ERR_PAY_BROADCAST_REJECTED -668 /* the network refused the transaction */
#define COFFER_ERR_PAY_UNAVAILABLE  -669 /* payments need the chain backend and the signer */
#define COFFER_ERR_PAY_HAS_DESCENDANT -670 /* a later payment spends this one's change: bump that one */
#define COFFER_ERR_PAY_NOT_SYNCED   -671 /* the wallet's view of the chain has not been synced since unlock */

/* Return a short, human readable, secret-free message for an error code. */
const char *coffer_err_msg(int code);
/* Return the stable snake_case name of an error code ("bad_checksum"). */
const char *coffer_err_name(int code);

#endif
