// Mnemonics both ways: Coffer's mnemonics must be valid BIP39 for @scure/bip39,
// and @scure's random mnemonics + passphrases (with non-ASCII text that NFKD
// changes) must give the same account descriptors and addresses in Coffer as
// in @scure/bip32 + @scure/btc-signer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, needs, scaled, secretFile, Rng } from '../lib/coffer.js';
import { randomPassphrase } from '../lib/passphrase.js';
import {
	bip39, wordlist, NETWORK_NAMES, rootFromMnemonic, accountDescriptor, deriveSteps,
	singleKeyAddress, withChecksum, HARDENED_OFFSET,
} from '../lib/ref.js';

const TYPES = ['wpkh', 'tr', 'sh-wpkh'];

/* A random account number: mostly small, sometimes the largest hardened index. */
function randomAccount(rng) {
	const r = rng.int(0, 9);
	return r < 6 ? r : r < 9 ? rng.int(0, 1000) : HARDENED_OFFSET - 1;
}

describe('coffer mnemonic new -> @scure/bip39', () => {
	const skip = needs('mnemonic new');
	for (const words of [12, 24]) {
		it(`${words}-word mnemonics are valid BIP39 (English)`, { skip }, (t) => {
			const n = scaled(60);
			const seen = new Set();
			for (let i = 0; i < n; i++) {
				const m = ok(['mnemonic', 'new', '--words', String(words)]).trim();
				assert.equal(m.split(' ').length, words, `mnemonic #${i} has ${m.split(' ').length} words`);
				assert.ok(bip39.validateMnemonic(m, wordlist), `mnemonic #${i} fails @scure/bip39 validation`);
				assert.ok(!seen.has(m), `mnemonic #${i} repeats an earlier one`);
				seen.add(m);
			}
			t.diagnostic(`${n} coffer ${words}-word mnemonics validated by @scure/bip39`);
		});
	}

	it('the default is a valid 12- or 24-word mnemonic', { skip }, () => {
		const m = ok(['mnemonic', 'new']).trim();
		assert.ok([12, 24].includes(m.split(' ').length));
		assert.ok(bip39.validateMnemonic(m, wordlist));
	});

	it('entropy looks uniform (as many distinct words as uniform draws give)', { skip }, (t) => {
		// The first 23 words of a 24-word mnemonic are 11 uniform bits each. After d
		// draws about 2048 (2047/2048)^d words are still missing (standard deviation
		// below its square root): a generator using part of the list, or repeating
		// itself, misses far more.
		const counts = new Map();
		const n = scaled(100);
		for (let i = 0; i < n; i++) {
			for (const w of ok(['mnemonic', 'new', '--words', '24']).trim().split(' ').slice(0, 23))
				counts.set(w, (counts.get(w) ?? 0) + 1);
		}
		const draws = n * 23;
		const expectMissing = 2048 * Math.pow(2047 / 2048, draws);
		const missing = 2048 - counts.size;
		t.diagnostic(`${draws} words drawn, ${counts.size} distinct, expected missing ~${expectMissing.toFixed(0)}`);
		assert.ok(missing < expectMissing + 5 * Math.sqrt(expectMissing) + 10, `${missing} of 2048 words never drawn`);
	});
});

describe('@scure mnemonic + passphrase -> coffer descriptor from-mnemonic', () => {
	const skip = needs('descriptor from-mnemonic');
	const rng = new Rng('mnemonic-from-scure');
	const canDerive = !needs('descriptor derive');

	it("account descriptors and addresses equal @scure/bip32's", { skip }, (t) => {
		const n = scaled(150);
		let withPass = 0, nonAscii = 0, addrs = 0;
		for (let i = 0; i < n; i++) {
			const strength = rng.pick([128, 160, 192, 224, 256]);
			const mnemonic = bip39.entropyToMnemonic(rng.bytes(strength / 8), wordlist);
			const pass = rng.bool(0.6) ? randomPassphrase(rng) : null;
			const type = rng.pick(TYPES);
			const network = rng.pick(NETWORK_NAMES);
			const account = randomAccount(rng);
			const args = ['descriptor', 'from-mnemonic', '--mnemonic-file', secretFile(mnemonic + '\n'),
				'--type', type, '--network', network];
			if (pass !== null) {
				args.push('--passphrase-file', secretFile(pass));
				withPass++;
				if (/[^\x00-\x7f]/.test(pass))
					nonAscii++;
			}
			if (account !== 0 || rng.bool())
				args.push('--account', String(account));
			const got = ok(args).trim();
			const root = rootFromMnemonic(mnemonic, pass, network);
			const want = accountDescriptor(root, type, network, account);
			assert.equal(got, want.descriptor,
			    `case ${i}: ${type} ${network} account ${account}, ${strength / 32 * 3} words, passphrase ${JSON.stringify(pass)}`);

			// Addresses of the first indices on both branches (every 5th case, batched by range).
			if (canDerive && i % 5 === 0) {
				for (const branch of [0, 1]) {
					const single = withChecksum(got.replace(/#.*$/, '').replace('/<0;1>/*', `/${branch}/*`));
					const lines = ok(['descriptor', 'derive', '--network', network, single, '--range', '0:4'])
						.trim().split('\n');
					const expect = [0, 1, 2, 3, 4].map((j) =>
						singleKeyAddress(type, deriveSteps(want.account, [branch, j]).publicKey, network));
					assert.deepEqual(lines, expect, `case ${i}: addresses of ${single}`);
					addrs += expect.length;
					if (branch === 0) {
						// The multipath descriptor itself derives its first (receive) path.
						const multi = ok(['descriptor', 'derive', '--network', network, got, '--range', '0:4']).trim().split('\n');
						assert.deepEqual(multi, expect, `case ${i}: addresses of ${got}`);
					}
				}
			}
		}
		t.diagnostic(`${n} mnemonics (${withPass} with passphrase, ${nonAscii} non-ASCII): descriptors equal; ${addrs} addresses equal`);
	});
});

describe('coffer mnemonic -> coffer and @scure derive the same accounts', () => {
	const skip = needs('mnemonic new', 'descriptor from-mnemonic');
	const rng = new Rng('mnemonic-from-coffer');
	it('descriptors of Coffer-generated mnemonics equal @scure/bip32\'s', { skip }, (t) => {
		const n = scaled(30);
		for (let i = 0; i < n; i++) {
			const mnemonic = ok(['mnemonic', 'new', '--words', rng.pick(['12', '24'])]).trim();
			const type = rng.pick(TYPES);
			const network = rng.pick(NETWORK_NAMES);
			const got = ok(['descriptor', 'from-mnemonic', '--mnemonic-file', secretFile(mnemonic),
				'--type', type, '--network', network]).trim();
			const want = accountDescriptor(rootFromMnemonic(mnemonic, null, network), type, network, 0);
			assert.equal(got, want.descriptor, `case ${i}: ${type} ${network}`);
		}
		t.diagnostic(`${n} coffer mnemonics: descriptors equal`);
	});
});
