// BIP322 simple message signatures both ways for P2WPKH and P2TR addresses.
// @scure has no BIP322: lib/bip322.js assembles it from btc-signer and noble
// (checked against the official vectors in reference.test.js).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, run, needs, scaled, secretFile, tempFile, Rng } from '../lib/coffer.js';
import { bip39, wordlist, NETWORK_NAMES, NETWORKS, rootFromMnemonic, accountPath, deriveSteps, singleKeyAddress, pathStr, btc, hex } from '../lib/ref.js';
import { randomPassphrase } from '../lib/passphrase.js';
import { coreEcdsa, eq } from '../lib/verify.js';
import * as bip322 from '../lib/bip322.js';
import { base64 } from '@scure/base';

const WORDS = ['hello', 'world', 'Bitcoin', 'proof', 'of', 'reserves', 'é', 'über', '测试', '😀', ' ', '\n', '\t', '-', '--x', '#'];

function randomMessage(rng) {
	switch (rng.int(0, 5)) {
	case 0: return '';
	case 1: return rng.bytes(rng.int(1, 200));	// arbitrary bytes (file only)
	case 2: return 'x'.repeat(rng.int(1000, 5000));
	default: {
		let s = '';
		for (let i = rng.int(1, 12); i > 0; i--)
			s += rng.pick(WORDS) + (rng.bool() ? ' ' : '');
		return s;
	}
	}
}

const asBytes = (m) => (typeof m === 'string' ? new TextEncoder().encode(m) : m);
const plusByte = (m, b) => new Uint8Array([...asBytes(m), b]);

/* The message as coffer arguments: positional when it is plain text, else a file. */
function messageArgs(rng, m) {
	if (typeof m === 'string' && m.length > 0 && m.length < 1000 && !m.startsWith('-') && rng.bool())
		return [m];
	return ['--message-file', tempFile(asBytes(m))];
}

function randomKey(rng, network) {
	const mnemonic = bip39.entropyToMnemonic(rng.bytes(16), wordlist);
	const pass = rng.bool(0.3) ? randomPassphrase(rng) : null;
	const type = rng.pick(['wpkh', 'tr']);
	const path = [...accountPath(type, network, rng.int(0, 3)), rng.int(0, 1), rng.int(0, 1000)];
	const k = deriveSteps(rootFromMnemonic(mnemonic, pass, network), path);
	return {
		type, path, priv: k.privateKey, pub: k.publicKey, mnemonic, pass,
		address: singleKeyAddress(type, k.publicKey, network),
	};
}

describe('coffer message sign -> independent BIP322 verification', () => {
	const skip = needs('message sign');
	const rng = new Rng('message-sign');
	it('P2WPKH and P2TR signatures verify; ECDSA ones equal RFC6979 with low-R grinding', { skip }, (t) => {
		const n = scaled(40);
		let wif = 0, exact = 0, unprefixed = 0;
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const k = randomKey(rng, network);
			const m = randomMessage(rng);
			const args = ['message', 'sign', '--network', network, '--address', k.address];
			if (rng.bool(0.25)) {
				args.push('--wif-file', secretFile(btc.WIF(NETWORKS[network].btc).encode(k.priv) + '\n'));
				wif++;
			} else {
				args.push('--mnemonic-file', secretFile(k.mnemonic + '\n'), '--path', 'm/' + pathStr(k.path));
				if (k.pass !== null)
					args.push('--passphrase-file', secretFile(k.pass));
			}
			const unpre = rng.bool(0.2);
			if (unpre) {
				args.push('--unprefixed');
				unprefixed++;
			}
			const sig = ok([...args, ...messageArgs(rng, m)]).trim();
			const what = `case ${c}: ${k.type} ${network} message ${JSON.stringify(typeof m === 'string' ? m.slice(0, 40) : hex.encode(m).slice(0, 40))}`;
			assert.equal(sig.startsWith('smp'), !unpre, `${what}: prefix`);
			const v = bip322.verify(asBytes(m), k.address, network, sig);
			assert.throws(() => bip322.verify(plusByte(m, 0x78), k.address, network, sig), `${what}: verifies for another message`);
			if (k.type === 'wpkh') {
				const core = coreEcdsa(v.msg, k.priv);
				assert.ok(v.sig.r < 1n << 255n, `${what}: not low-R`);
				// RFC6979, ground for low R as Bitcoin Core does (extra entropy = LE32 counter from 1).
				assert.ok(eq(v.der, core.der), `${what}: not the RFC6979 (Core low-R grinding, counter ${core.counter}) signature`);
				exact++;
			}
		}
		t.diagnostic(`${n} Coffer BIP322 signatures verified (${wif} from WIF files, ${unprefixed} unprefixed; ${exact} ECDSA equal RFC6979 + Core's low-R grinding)`);
	});

	it('refuses to sign for an address the key does not control', { skip }, () => {
		const k = randomKey(rng, 'regtest');
		const other = randomKey(rng, 'regtest');
		const r = run(['message', 'sign', '--network', 'regtest', '--address', other.address,
			'--mnemonic-file', secretFile(k.mnemonic), ...(k.pass === null ? [] : ['--passphrase-file', secretFile(k.pass)]),
			'--path', 'm/' + pathStr(k.path), 'hello']);
		assert.notEqual(r.status, 0);
		assert.equal(r.stdout, '');
	});
});

describe('independent BIP322 signatures -> coffer message verify', () => {
	const skip = needs('message verify');
	const rng = new Rng('message-verify');
	it('valid signatures are accepted, other messages/addresses/bit flips refused', { skip }, (t) => {
		const n = scaled(40);
		let refused = 0;
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const k = randomKey(rng, network);
			const m = randomMessage(rng);
			const sig = bip322.sign(asBytes(m), k.address, network, k.priv, { prefix: rng.bool(0.7) });
			const what = `case ${c}: ${k.type} ${network}`;
			const good = run(['message', 'verify', '--network', network, k.address, sig, ...messageArgs(rng, m)]);
			assert.equal(good.status, 0, `${what}: valid signature refused: ${good.stderr.trim()}`);
			// Wrong message, another address of the same type, a flipped signature bit: exit 1.
			const badMsg = run(['message', 'verify', '--network', network, k.address, sig, '--message-file', tempFile(plusByte(m, 0x21))]);
			assert.equal(badMsg.status, 1, `${what}: accepted for another message`);
			const other = randomKey(rng, network);
			const badAddr = run(['message', 'verify', '--network', network, other.address, sig, ...messageArgs(rng, m)]);
			assert.equal(badAddr.status, 1, `${what}: accepted for another address`);
			const body = base64.decode(sig.replace(/^smp/, ''));
			body[rng.int(3, body.length - 2)] ^= 1 << rng.int(0, 7);
			const flipped = (sig.startsWith('smp') ? 'smp' : '') + base64.encode(body);
			const badSig = run(['message', 'verify', '--network', network, k.address, flipped, ...messageArgs(rng, m)]);
			assert.notEqual(badSig.status, 0, `${what}: accepted a flipped signature`);
			refused += 3;
		}
		t.diagnostic(`${n} independent signatures accepted, ${refused} altered ones refused`);
	});
});
