// Random BIP39 passphrases that exercise NFKD normalisation.

// Characters for random passphrases: ASCII, precomposed and combining Latin,
// and compatibility characters that NFKD rewrites (ligatures, full-width and
// half-width forms, circled digits, squared words, Ohm/Angstrom signs), CJK,
// and astral-plane emoji.
const PASS_CHARS = [
	...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
	'é', 'ü', 'ñ', 'Å', 'ø', 'ß', 'e\u0301', 'a\u030a', '\u00c5',
	'ﬁ', 'ﬂ', 'Ａ', 'ｚ', '０', 'ｶﾞ', 'ﾊﾟ', '①', '㌀', '㍿', '™', '½', '\u2126', '\u212b', 'ℌ', '²', 'ｱ',
	'カ', 'ゞ', '漢', '字', 'Ж', 'λ', '😀', '🔑', '₿', '\u3000',
];

export function randomPassphrase(rng) {
	const n = rng.int(1, 24);
	let s = '';
	for (let i = 0; i < n; i++)
		s += rng.pick(PASS_CHARS);
	// Coffer reads the passphrase file as-is; keep the ends free of whitespace so
	// no trimming convention matters, and never leave it empty.
	s = s.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
	return s.length ? s : 'x';
}

