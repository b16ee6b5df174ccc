/*
 * BIP39 mnemonics; see bip39.h.
 *
 * Word <-> index conversions on secrets scan the whole 2048-word table with
 * masks, so their timing does not depend on which words a mnemonic holds
 * (only on its length, which the output shows anyway).
 */
#include "btc/bip39.h"

#include <stdlib.h>
#include <string.h>

#include <uninorm.h>
#include <unistr.h>

#include "btc/bip39_wordlist.h"
#include "btc/hash.h"
#include "common/err.h"
#include "common/secmem.h"

#define BIP39_MIN_WORDS 12
#define BIP39_MAX_WORDS 24

/* All-ones when a == b, else zero, without branches. */
static uint32_t
ct_eq_mask(uint32_t a, uint32_t b)
{
	uint32_t x = a ^ b;

	return (uint32_t)(((uint64_t)x - 1) >> 32);	/* x == 0: borrow fills the top half */
}

/* The 8 letters of list word i as a 64-bit value (the 9th byte is always NUL). */
static uint64_t
word_bits(uint32_t i)
{
	uint64_t v;

	memcpy(&v, bip39_english[i], 8);
	return v;
}

/* Copy word idx into w[BIP39_WORD_SLOT], touching every word. */
static void
word_select(char w[BIP39_WORD_SLOT], uint32_t idx)
{
	uint64_t acc = 0;
	uint32_t i;

	for (i = 0; i < BIP39_WORDS; i++) {
		uint64_t m = (uint64_t)ct_eq_mask(i, idx);

		acc |= word_bits(i) & (m | m << 32);
	}
	memcpy(w, &acc, 8);
	w[8] = '\0';
	secure_wipe(&acc, sizeof(acc));
}

/* Index of w (NUL-padded to BIP39_WORD_SLOT), touching every word; -1 if absent. */
static int
word_find(const char w[BIP39_WORD_SLOT])
{
	uint32_t i, found = 0, idx = 0;
	uint64_t x;

	memcpy(&x, w, 8);	/* the caller wipes w; x is wiped below */
	for (i = 0; i < BIP39_WORDS; i++) {
		uint64_t d = word_bits(i) ^ x;
		uint32_t m = ct_eq_mask((uint32_t)d | (uint32_t)(d >> 32), 0);

		/* (lo | hi) == 0 iff d == 0 */
		found |= m;
		idx |= i & m;
	}
	secure_wipe(&x, sizeof(x));
	return found ? (int)idx : -1;
}

const char *
bip39_word(unsigned i)
{
	return i < BIP39_WORDS ? bip39_english[i] : NULL;
}

int
bip39_word_index_var(const char *word, size_t len)
{
	int lo = 0, hi = BIP39_WORDS - 1;

	if (len == 0 || len >= BIP39_WORD_SLOT)
		return -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strncmp(bip39_english[mid], word, len);

		if (c == 0 && bip39_english[mid][len] != '\0')
			c = 1;	/* the list word is longer */
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
bip39_mnemonic_from_entropy(char *out, size_t outsize, const uint8_t *entropy, size_t n)
{
	uint8_t bits[33], h[32];
	char w[BIP39_WORD_SLOT];
	size_t nwords, i, off = 0, wl;
	int ret = COFFER_ERR_TOO_LARGE;

	if (outsize > 0)
		out[0] = '\0';
	if (n < 16 || n > 32 || n % 4 != 0)
		return COFFER_ERR_BAD_ENTROPY;
	/* ENT bits, then ENT/32 checksum bits from SHA256(entropy). */
	memset(bits, 0, sizeof(bits));
	memcpy(bits, entropy, n);
	sha256(h, entropy, n);
	bits[n] = h[0];
	nwords = n * 3 / 4;
	for (i = 0; i < nwords; i++) {
		size_t bit = i * 11, k = bit / 8;
		uint32_t v = ((uint32_t)bits[k] << 16) | ((uint32_t)bits[k + 1] << 8) |
		    (k + 2 < sizeof(bits) ? bits[k + 2] : 0);

		v = (v >> (24 - 11 - bit % 8)) & 0x7ff;
		word_select(w, v);
		wl = strnlen(w, BIP39_WORD_SLOT);
		if (off + (i > 0) + wl + 1 > outsize)
			goto out;
		if (i > 0)
			out[off++] = ' ';
		memcpy(out + off, w, wl);
		off += wl;
		out[off] = '\0';
	}
	ret = 0;
 out:
	secure_wipe(bits, sizeof(bits));
	secure_wipe(h, sizeof(h));
	secure_wipe(w, sizeof(w));
	if (ret != 0 && outsize > 0)
		secure_wipe(out, outsize);
	return ret;
}

int
bip39_mnemonic_generate(char *out, size_t outsize, unsigned words)
{
	uint8_t entropy[32];
	size_t n;
	int ret;

	if (outsize > 0)
		out[0] = '\0';
	if (words < BIP39_MIN_WORDS || words > BIP39_MAX_WORDS || words % 3 != 0)
		return COFFER_ERR_MNEMONIC_LENGTH;
	n = (size_t)words * 4 / 3;
	secure_random(entropy, n);
	ret = bip39_mnemonic_from_entropy(out, outsize, entropy, n);
	secure_wipe(entropy, sizeof(entropy));
	return ret;
}

int
bip39_mnemonic_to_entropy(uint8_t *out, size_t outsize, size_t *outlen, const char *mnemonic)
{
	uint8_t bits[33], h[32];
	char w[BIP39_WORD_SLOT];
	size_t len, i, start, nwords = 0, n, wi = 0;
	int ret = COFFER_ERR_BAD_MNEMONIC, idx;

	*outlen = 0;
	memset(bits, 0, sizeof(bits));
	len = strnlen(mnemonic, BIP39_MNEMONIC_BUFSIZE);
	if (len >= BIP39_MNEMONIC_BUFSIZE)
		goto out;	/* longer than any valid English mnemonic */
	/* Count words; single ASCII spaces only, none leading or trailing. */
	for (i = 0; i <= len; i++) {
		if (i == len || mnemonic[i] == ' ') {
			if (i == 0 || mnemonic[i - 1] == ' ')
				goto out;	/* empty word */
			nwords++;
		}
	}
	if (nwords < BIP39_MIN_WORDS || nwords > BIP39_MAX_WORDS || nwords % 3 != 0) {
		ret = COFFER_ERR_MNEMONIC_LENGTH;
		goto out;
	}
	for (i = 0, start = 0; i <= len; i++) {
		size_t k, wl = i - start;
		uint32_t v;

		if (i < len && mnemonic[i] != ' ')
			continue;
		if (wl >= BIP39_WORD_SLOT)
			goto out;
		memset(w, 0, sizeof(w));
		memcpy(w, mnemonic + start, wl);
		if ((idx = word_find(w)) < 0)
			goto out;
		/* Append 11 bits. */
		v = (uint32_t)idx;
		for (k = 0; k < 11; k++, wi++)
			bits[wi / 8] = (uint8_t)(bits[wi / 8] | (((v >> (10 - k)) & 1) << (7 - wi % 8)));
		start = i + 1;
	}
	n = nwords * 4 / 3;
	sha256(h, bits, n);
	/* The checksum is the top n/4 bits of SHA256(entropy). */
	{
		uint8_t cmask = (uint8_t)(0xff << (8 - n / 4));

		if (((h[0] ^ bits[n]) & cmask) != 0) {
			ret = COFFER_ERR_MNEMONIC_CHECKSUM;
			goto out;
		}
	}
	if (n > outsize) {
		ret = COFFER_ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, bits, n);
	*outlen = n;
	ret = 0;
 out:
	secure_wipe(bits, sizeof(bits));
	secure_wipe(h, sizeof(h));
	secure_wipe(w, sizeof(w));
	if (ret != 0 && outsize > 0)
		secure_wipe(out, outsize);
	return ret;
}

int
bip39_mnemonic_check(const char *mnemonic)
{
	uint8_t ent[32];
	size_t n;
	int ret;

	ret = bip39_mnemonic_to_entropy(ent, sizeof(ent), &n, mnemonic);
	secure_wipe(ent, sizeof(ent));
	return ret;
}

/*
 * NFKD of a NUL-terminated UTF-8 string into secmem, at *out (length *outlen,
 * capacity *outcap, which the caller frees with secmem_free). prefix[plen] is
 * copied in front unchanged ("mnemonic" for the salt).
 */
static int
nfkd_secret(uint8_t **out, size_t *outlen, const char *prefix, size_t plen, const char *s)
{
	size_t len = strnlen(s, BIP39_MAX_INPUT + 1), i, cap, nlen;
	uint8_t *buf, *res;
	int ascii = 1;

	*out = NULL;
	*outlen = 0;
	if (len > BIP39_MAX_INPUT)
		return COFFER_ERR_TOO_LARGE;
	for (i = 0; i < len; i++)
		ascii &= ((unsigned char)s[i] < 0x80);
	if (!ascii && u8_check((const uint8_t *)s, len) != NULL)
		return COFFER_ERR_BAD_STRING;
	/*
	 * NFKD can grow a string up to 18x (U+FDFA); 4x plus slack covers real
	 * text, and a larger result comes back in heap memory that we wipe.
	 */
	cap = plen + 4 * len + 64;
	if ((buf = secmem_alloc(cap)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(buf, prefix, plen);
	if (ascii) {
		memcpy(buf + plen, s, len);	/* NFKD is the identity on ASCII */
		*out = buf;
		*outlen = plen + len;
		return 0;
	}
	nlen = cap - plen;
	res = u8_normalize(UNINORM_NFKD, (const uint8_t *)s, len, buf + plen, &nlen);
	if (res == NULL) {
		secmem_free(buf);
		return COFFER_ERR_NOMEM;
	}
	if (res != buf + plen) {
		/* Did not fit: move it into secmem and wipe the heap copy. */
		uint8_t *big;

		secmem_free(buf);
		if (nlen > SIZE_MAX - plen || (big = secmem_alloc(plen + nlen)) == NULL) {
			secure_free(res, nlen);
			return COFFER_ERR_NOMEM;
		}
		memcpy(big, prefix, plen);
		memcpy(big + plen, res, nlen);
		secure_free(res, nlen);
		buf = big;
	}
	*out = buf;
	*outlen = plen + nlen;
	return 0;
}

int
bip39_mnemonic_to_seed(uint8_t seed[BIP39_SEED_LEN], const char *mnemonic, const char *passphrase)
{
	uint8_t *m = NULL, *salt = NULL;
	size_t mlen, saltlen;
	int ret;

	secure_wipe(seed, BIP39_SEED_LEN);
	if ((ret = nfkd_secret(&m, &mlen, "", 0, mnemonic)) != 0 ||
	    (ret = nfkd_secret(&salt, &saltlen, "mnemonic", 8,
	    passphrase != NULL ? passphrase : "")) != 0)
		goto out;
	ret = pbkdf2_sha512(seed, BIP39_SEED_LEN, m, mlen, salt, saltlen, 2048);
 out:
	secmem_free(m);
	secmem_free(salt);
	if (ret != 0)
		secure_wipe(seed, BIP39_SEED_LEN);
	return ret;
}
