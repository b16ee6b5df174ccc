// Check the test side itself against the official vectors before trusting it:
// the BIP380 checksum code and the account/address derivation built on @scure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBase58check, base64 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Rng } from '../lib/coffer.js';
import { randomPsbt, psbtB64, fromB64, SIGHASHES } from '../lib/psbt.js';
import { verifyTx, coreEcdsa } from '../lib/verify.js';
import * as bip322 from '../lib/bip322.js';
import { descChecksum, rootFromMnemonic, accountDescriptor, deriveSteps, singleKeyAddress, HDKey, bip39, wordlist, btc, hex } from '../lib/ref.js';

const shared = process.env.COFFER_SHARED_DIR;
const vec = (rel) => JSON.parse(readFileSync(join(shared, 'vectors', rel), 'utf8'));

describe('reference implementation self-check', () => {
	assert.ok(shared, 'COFFER_SHARED_DIR not set: run through tests/cli/test_interop.sh');
	it('BIP380 checksums', (t) => {
		const v = vec('descriptors/bip380_checksum_and_keys.json');
		const good = v.checksum_tests.filter((c) => c.valid && c.descriptor.includes('#'));
		assert.ok(good.length >= 1);
		for (const c of good) {
			const [body, sum] = c.descriptor.split('#');
			assert.equal(descChecksum(body), sum, c.name);
		}
		// Every valid descriptor with a checksum in the BIP381-387 files as well.
		let n = good.length;
		for (const f of ['bip381_pk_pkh_sh', 'bip382_wpkh_wsh', 'bip383_multi_sortedmulti', 'bip386_tr', 'bip387_multi_a_sortedmulti_a']) {
			for (const c of vec(`descriptors/${f}.json`).valid) {
				if (!c.descriptor.includes('#'))
					continue;
				const [body, sum] = c.descriptor.split('#');
				assert.equal(descChecksum(body), sum, c.descriptor);
				n++;
			}
		}
		t.diagnostic(`${n} checksums reproduced`);
	});

	for (const [file, type, acctKey] of [['bip84', 'wpkh', 'xpub'], ['bip86', 'tr', 'xpub'], ['bip49', 'sh-wpkh', 'upub']]) {
		it(`${file}: account key and addresses`, () => {
			const v = vec(`bip32/${file}_test_vectors.json`);
			const network = v.network === 'mainnet' ? 'bitcoin' : 'testnet';
			const root = rootFromMnemonic(v.mnemonic, v.passphrase ?? '', network);
			const acct = accountDescriptor(root, type, network, 0).account;
			// The BIP vectors use SLIP132 versions (zpub/upub): compare the key material.
			const theirs = HDKey.fromExtendedKey(v.account[acctKey], { public: decodeVersion(v.account[acctKey]), private: 0 });
			assert.deepEqual(acct.publicKey, theirs.publicKey);
			assert.deepEqual(acct.chainCode, theirs.chainCode);
			for (const a of v.addresses) {
				const steps = a.path.split('/').slice(4).map(Number);
				assert.equal(singleKeyAddress(type, deriveSteps(acct, steps).publicKey, network), a.address, a.path);
			}
		});
	}

	it('random PSBTs signed by @scure verify under the independent checker; tampering is caught', (t) => {
		const rng = new Rng('reference-psbt');
		let n = 0;
		for (let c = 0; c < 12; c++) {
			const network = rng.pick(['bitcoin', 'testnet', 'regtest']);
			const w = { root: rootFromMnemonic(bip39.entropyToMnemonic(rng.bytes(16), wordlist), null, network), name: 'A' };
			const p = randomPsbt(rng, network, [w], { explicitSighash: 0.2 });
			const tx = fromB64(psbtB64(p.tx));
			tx.sign(w.root, SIGHASHES);
			tx.finalize();
			const raw = tx.extract();
			const res = verifyTx(raw, p.prevouts);
			n += res.length;
			// @scure grinds low R from counter 0, Bitcoin Core from 1: equal whenever no grinding was needed.
			res.forEach((v, i) => {
				if (v.type !== 'tr' && coreEcdsa(v.msg, p.inputs[i].priv).counter === 0)
					assert.deepEqual(v.der, coreEcdsa(v.msg, p.inputs[i].priv).der);
			});
			// Flip one bit of the last witness item of the last input's signature: must fail.
			const bad = btc.Transaction.fromRaw(raw, { allowUnknownOutputs: true });
			const last = bad.inputsLength - 1;
			const wit = bad.getInput(last).finalScriptWitness.map((x) => x.slice());
			wit[0][10] ^= 1;
			bad.updateInput(last, { finalScriptWitness: wit }, true);
			assert.throws(() => verifyTx(bad.extract(), p.prevouts));
			// And a wrong amount breaks every segwit sighash.
			const wrong = p.prevouts.map((o, i) => (i === 0 ? { ...o, amount: o.amount + 1n } : o));
			assert.throws(() => verifyTx(raw, wrong));
		}
		t.diagnostic(`${n} inputs verified`);
	});

	it('BIP322 simple: official hashes and signatures, and own signatures', (t) => {
		const v = vec('message/bip322_basic_test_vectors.json');
		const g = vec('message/bip322_generated_test_vectors.json');
		for (const c of v.tx_hashes) {
			const script = btc.OutScript.encode(btc.Address(btc.NETWORK).decode(c.address));
			assert.equal(hex.encode(bip322.messageHash(c.message)), c.message_hash);
			assert.deepEqual(bip322.txids(c.message, script), { toSpend: c.to_spend_tx_hash, toSign: c.to_sign_tx_hash });
		}
		let n = 0, ground = 0;
		for (const c of [...v.simple, ...g.simple].filter((x) => x.type === 'p2wpkh' || x.type === 'p2tr')) {
			for (const sig of c.bip322_signatures) {
				bip322.verify(c.message, c.address, 'bitcoin', sig);
				assert.throws(() => bip322.verify(c.message + 'x', c.address, 'bitcoin', sig));
				n++;
			}
			const priv = btc.WIF().decode(c.private_keys[0]);
			const own = bip322.sign(c.message, c.address, 'bitcoin', priv);
			bip322.verify(c.message, c.address, 'bitcoin', own);
			if (c.type === 'p2wpkh') {
				// Bitcoin Core's low-R grinding reproduces one of the listed signatures.
				const chk = bip322.verify(c.message, c.address, 'bitcoin', c.bip322_signatures[0]);
				const der = hex.encode(coreEcdsa(chk.msg, priv).der);
				const sigs = c.bip322_signatures.map((s) => hex.encode(btc.RawWitness.decode(base64.decode(s.replace(/^smp/, '')))[0]));
				// The basic file lists both the ground (70-byte) and plain RFC6979 signatures;
				// the btcd-generated file only plain RFC6979.
				const plain = hex.encode(secp256k1.sign(chk.msg, priv, { prehash: false, format: 'der' }));
				assert.ok(sigs.includes(plain + '01'), `plain RFC6979 signature ${plain} not among ${sigs}`);
				if (sigs.length > 1) {
					assert.ok(sigs.includes(der + '01'), `Core-style signature ${der} not among ${sigs}`);
					ground++;
				}
			}
		}
		t.diagnostic(`${v.tx_hashes.length} hash cases, ${n} official signatures verified, ${ground} reproduced with Core's low-R grinding`);
	});
});

function decodeVersion(key) {
	const b = createBase58check(sha256).decode(key);
	return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
