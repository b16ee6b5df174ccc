/*
 * PSBT analysis for the signer's own judgement (docs/POLICY.md).
 *
 * The signer trusts nothing the PSBT claims about ownership. An input is ours
 * only when one of its BIP32 derivations carries our master fingerprint, its
 * path is <account origin>/<change>/<index> of one of our account
 * descriptors, and that descriptor derives, at that change/index, exactly the
 * scriptPubKey of the UTXO the input spends (whose data is itself checked: a
 * non-witness UTXO must hash to the prevout txid, a witness UTXO must agree
 * with it). An output is change only under the same proof against its own
 * scriptPubKey; a PSBT that merely claims change is paying someone else.
 *
 * struct judge_wallet is the per-unlock context: our fingerprint, network and
 * the parsed account descriptors (parsing derives every key down to the step
 * above its wildcard, so a proof costs one CKDpub per key), plus a small
 * cache of derived scripts. Build it once per unlock, not per request.
 */
#ifndef COFFER_SIGNER_ANALYZE_H
#define COFFER_SIGNER_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "btc/network.h"
#include "btc/psbt.h"

struct descriptor;
struct bip32_key;

#define JUDGE_MAX_ACCOUNTS     64
#define JUDGE_MAX_ORIGIN_DEPTH 16	/* steps in an account's origin path */
#define JUDGE_CACHE_SLOTS      256	/* derived-script cache entries */
#define JUDGE_CACHE_SPK_MAX    64	/* longest script the cache keeps */
/* A destination: an address, or "script:<hex of up to 40 bytes>[...]". */
#define ANALYZE_DEST_LEN       96

struct judge_account {
	struct descriptor *desc;	/* public; paths <0;1>, ranged */
	uint32_t origin[JUDGE_MAX_ORIGIN_DEPTH]; /* our key's origin path in it */
	size_t depth;
};

struct judge_cache_slot {
	uint32_t account_plus1;		/* 0: empty */
	uint32_t change;
	uint32_t index;
	uint8_t spk_len;
	uint8_t spk[JUDGE_CACHE_SPK_MAX];
};

struct judge_wallet {
	enum btc_network net;
	uint8_t fingerprint[4];		/* our master key's fingerprint */
	size_t n_accounts;
	struct judge_account acct[JUDGE_MAX_ACCOUNTS];
	struct judge_cache_slot cache[JUDGE_CACHE_SLOTS];
};

/*
 * An empty wallet context for a master fingerprint and network.
 * Out: w (previous contents not freed).
 */
void judge_wallet_init(struct judge_wallet *w, const uint8_t fingerprint[4], enum btc_network net);

/* Free the descriptors and leave w empty (fingerprint and network kept). NULL allowed. */
void judge_wallet_free(struct judge_wallet *w);

/*
 * Add an account descriptor: public (no private keys), of w's network, ranged,
 * with exactly one key whose origin carries our fingerprint, that key ending
 * in the multipath step <0;1> (receive, change) and a wildcard, e.g.
 * "wpkh([d34db33f/84h/0h/0h]xpub.../<0;1>/" "*)#checksum".
 * Returns 0; the errors of desc_parse; COFFER_ERR_JUDGE_ACCOUNT (private
 *   keys, not <0;1> then a wildcard, no or several keys of ours, origin over
 *   JUDGE_MAX_ORIGIN_DEPTH); COFFER_ERR_TOO_LARGE (JUDGE_MAX_ACCOUNTS reached).
 * Args: w. In: desc[len].
 */
int judge_wallet_add_descriptor(struct judge_wallet *w, const char *desc, size_t len);

/*
 * Add the standard single-key accounts of an account number: BIP44 pkh,
 * BIP49 sh(wpkh), BIP84 wpkh and BIP86 tr, derived from the master key (the
 * hardened account keys need its private key; they are wiped after use).
 * Returns 0; COFFER_ERR_INVALID_ARG (master without private key, or not
 *   w's fingerprint); COFFER_ERR_TOO_LARGE; derivation or parse errors.
 * Args: w. In: master; account < 2^31.
 */
int judge_wallet_add_standard(struct judge_wallet *w, const struct bip32_key *master,
    uint32_t account);

/* What the analysis found about one input. */
struct analyze_input {
	int ours;			/* proven ours */
	size_t account;			/* when ours: index into w->acct */
	uint32_t change, index;		/* when ours */
	int64_t amount;			/* from its checked UTXO */
	size_t est_script_sig;		/* estimated final scriptSig bytes */
	size_t est_witness;		/* estimated final witness bytes (0: none) */
};

/* What the analysis found about one output. */
struct analyze_output {
	int change;			/* proven ours */
	int64_t amount;
	char dest[ANALYZE_DEST_LEN];	/* address or "script:..." */
};

struct psbt_analysis {
	size_t n_in, n_out;
	struct analyze_input *in;	/* n_in entries (heap) */
	struct analyze_output *out;	/* n_out entries (heap) */
	size_t n_ours_in;		/* inputs proven ours */
	size_t n_change;		/* outputs proven ours */
	size_t n_external;		/* the others */
	uint64_t in_total;		/* every input */
	uint64_t out_total;		/* every output */
	uint64_t ours_in;		/* our inputs */
	uint64_t change_total;		/* our outputs */
	uint64_t external_total;	/* outputs that are not ours */
	uint64_t fee;			/* in_total - out_total */
	uint64_t spend;			/* value leaving the wallet: ours_in - change_total (>= 0) */
	uint64_t vsize;			/* estimated virtual size once signed */
	uint64_t feerate_milli;		/* fee * 1000 / vsize (sat per 1000 vB) */
	size_t bad_index;		/* on failure: the input or output at fault */
};

/* An empty analysis (nothing allocated). */
void analysis_init(struct psbt_analysis *a);
/* Free what an analysis owns and leave it as analysis_init does. NULL allowed. */
void analysis_free(struct psbt_analysis *a);

/*
 * Analyse a PSBT against our accounts.
 * Returns 0; COFFER_ERR_MISSING_UTXO (an input's UTXO data absent: every
 *   amount is needed for the fee); COFFER_ERR_PSBT_UTXO_MISMATCH (non-witness
 *   UTXO does not hash to the prevout txid, lacks the output, or disagrees
 *   with the witness UTXO); COFFER_ERR_BAD_AMOUNT (an amount or a sum out of
 *   range, or outputs exceed inputs); COFFER_ERR_JUDGE_UNPROVEN_INPUT (an
 *   input names a key with our fingerprint but is not one of our accounts'
 *   scripts: the signer could be made to sign what it cannot account for);
 *   COFFER_ERR_JUDGE_SIGHASH (our input asks for a sighash other than ALL, or
 *   DEFAULT for taproot); COFFER_ERR_NOMEM. a->bad_index names the input.
 *   Everything computed before the failure stays in a (free it either way).
 * Out:  a (initialised here).
 * Args: w: its script cache is updated.
 * In:   p.
 */
int analyze_psbt(struct psbt_analysis *a, struct judge_wallet *w, const struct psbt *p);

#endif
