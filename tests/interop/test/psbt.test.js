// PSBTs both ways. @scure/btc-signer builds random PSBTs (1-10 inputs of wpkh,
// tr and sh-wpkh owned by random wallets, with BIP32 derivation fields);
//  - Coffer signs the inputs of its wallet; @scure signs the others, finalizes
//    and extracts; every signature is verified independently (btc-signer's
//    sighash + @noble/curves), and Coffer's finalizer must give the same tx;
//  - @scure signs everything and Coffer finalizes: same tx as @scure's;
//  - Coffer combines separately signed PSBTs: same PSBT as @scure's combiner.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, run, needs, scaled, secretFile, tempFile, Rng, help } from '../lib/coffer.js';
import { bip39, wordlist, NETWORK_NAMES, rootFromMnemonic, hex, fpHex, pathStr, btc } from '../lib/ref.js';
import { base64 } from '@scure/base';
import { randomPsbt, psbtB64, fromB64, canonical, SIGHASHES } from '../lib/psbt.js';
import { verifyTx, coreEcdsa, eq } from '../lib/verify.js';
import { randomPassphrase } from '../lib/passphrase.js';

function newWallet(rng, network, name) {
	const mnemonic = bip39.entropyToMnemonic(rng.bytes(rng.pick([16, 32])), wordlist);
	const pass = rng.bool(0.3) ? randomPassphrase(rng) : null;
	return {
		name, network, pass,
		root: rootFromMnemonic(mnemonic, pass, network),
		mfile: secretFile(mnemonic + '\n'),
		pfile: pass === null ? null : secretFile(pass),
	};
}

function cofferSign(b64, w) {
	const args = ['psbt', 'sign', '--mnemonic-file', w.mfile, '--network', w.network];
	if (w.pfile)
		args.push('--passphrase-file', w.pfile);
	return ok(args, b64 + '\n').trim();
}

/* Coffer's finalizer output as raw transaction bytes (it may print a final PSBT or the tx). */
function cofferFinalize(b64) {
	const out = ok(['psbt', 'finalize'], b64 + '\n').trim();
	if (out.startsWith('cHNidP8')) {
		const t = fromB64(out);
		assert.ok(t.isFinal, 'coffer psbt finalize printed a PSBT that is not final');
		return t.extract();
	}
	assert.match(out, /^[0-9a-f]+$/, 'coffer psbt finalize printed neither a PSBT nor a hex transaction');
	return hex.decode(out);
}

/* Coffer's combiner: PSBTs as files when its usage names files, else one per stdin line. */
function cofferCombine(list) {
	const usage = (help().match(/^\s+psbt\s+combine\s.*\n\s+psbt\s+combine\s+(.*)$/m) ?? [])[1] ?? '';
	if (/FILE/i.test(usage)) {
		return ok(['psbt', 'combine', ...list.map((b) => tempFile(b + '\n'))]).trim();
	}
	if (/PSBT/.test(usage))
		return ok(['psbt', 'combine', ...list]).trim();
	return ok(['psbt', 'combine'], list.join('\n') + '\n').trim();
}

/* scure signs the inputs of wallet w in a PSBT (base64 in and out); p: the PSBT's description. */
function scureSign(b64, w, p) {
	if (!p.inputs.some((i) => i.wallet === w))
		return b64;	// btc-signer throws when it has nothing to sign
	const t = fromB64(b64);
	t.sign(w.root, SIGHASHES);
	return psbtB64(t);
}

function scureFinalize(b64) {
	const t = fromB64(b64);
	t.finalize();
	return t.extract();
}

const walletsFor = (rng, network) => {
	const a = newWallet(rng, network, 'A');
	return rng.bool(0.6) ? [a, newWallet(rng, network, 'B')] : [a];
};
const ownerOf = (rng, wallets) => (i) => (i === 0 ? wallets[0] : rng.pick(wallets));

describe('coffer psbt sign: signatures @scure finalizes and an independent check verifies', () => {
	const skip = needs('psbt sign');
	const rng = new Rng('psbt-sign');
	const canFinalize = !needs('psbt finalize');

	it('random PSBTs: Coffer signs exactly its inputs, validly and deterministically', { skip }, (t) => {
		const n = scaled(30);
		let inputs = 0, ours = 0, ecdsa = 0, exact = 0, ground = 0, schnorrSigs = 0, finalized = 0;
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const wallets = walletsFor(rng, network);
			const [A, B] = wallets;
			const p = randomPsbt(rng, network, wallets, { owner: ownerOf(rng, wallets), explicitSighash: 0.15 });
			const what = `case ${c} (${network}, ${p.inputs.length} inputs: ${p.inputs.map((i) => i.wallet.name + ':' + i.type).join(' ')})`;
			const unsigned = psbtB64(p.tx);
			const signedA = cofferSign(unsigned, A);
			const sA = fromB64(signedA);
			assert.equal(sA.id, p.tx.id, `${what}: signing changed the transaction`);
			p.inputs.forEach((inp, i) => {
				const got = sA.getInput(i);
				const has = (got.partialSig?.length ?? 0) + (got.tapKeySig ? 1 : 0) + (got.tapScriptSig?.length ?? 0);
				if (inp.wallet === A) {
					assert.equal(has, 1, `${what}: input ${i} (ours, ${inp.type}) has ${has} signatures`);
					if (inp.type !== 'tr')
						assert.ok(eq(got.partialSig[0][0], inp.pub), `${what}: input ${i} partial sig for another key`);
				} else {
					assert.equal(has, 0, `${what}: input ${i} belongs to another wallet but was signed`);
				}
			});
			const full = B ? scureSign(signedA, B, p) : signedA;
			const raw = scureFinalize(full);
			const checked = verifyTx(raw, p.prevouts);
			checked.forEach((v, i) => {
				const inp = p.inputs[i];
				const wantType = p.tx.getInput(i).sighashType ?? (inp.type === 'tr' ? 0 : 1);
				assert.equal(v.hashType, wantType, `${what}: input ${i} sighash type`);
				if (inp.wallet !== A)
					return;
				ours++;
				if (v.type === 'tr') {
					schnorrSigs++;
					return;
				}
				ecdsa++;
				assert.ok(v.sig.r < 1n << 255n, `${what}: input ${i}: ECDSA signature is not low-R`);
				const core = coreEcdsa(v.msg, inp.priv);
				if (core.counter === 0) {
					assert.equal(hex.encode(v.der), hex.encode(core.der), `${what}: input ${i}: not the RFC6979 signature`);
					exact++;
				} else {
					// Low-R grinding as Bitcoin Core does it (extra entropy = LE32 counter from 1).
					assert.equal(hex.encode(v.der), hex.encode(core.der), `${what}: input ${i}: not Core's low-R grinding (counter ${core.counter})`);
					ground++;
				}
			});
			inputs += p.inputs.length;
			if (canFinalize) {
				assert.equal(hex.encode(cofferFinalize(full)), hex.encode(raw), `${what}: coffer psbt finalize differs from @scure`);
				finalized++;
			}
		}
		t.diagnostic(`${n} PSBTs, ${inputs} inputs, ${ours} signed by Coffer (${ecdsa} ECDSA, ${schnorrSigs} BIP340), all verified`);
		t.diagnostic(`ECDSA: ${exact} equal plain RFC6979, ${ground} equal RFC6979 with Bitcoin Core's low-R grinding`);
		t.diagnostic(canFinalize ? `${finalized} finalized by Coffer, equal to @scure` : 'coffer psbt finalize not available: finalize comparison skipped');
	});
});

describe('coffer psbt sign refuses inconsistent UTXO data', () => {
	const skip = needs('psbt sign');
	const rng = new Rng('psbt-utxo');
	it('a non_witness_utxo that does not hash to the prevout txid refuses the whole PSBT', { skip }, () => {
		const network = 'testnet';
		const w = newWallet(rng, network, 'A');
		let p;
		do
			p = randomPsbt(rng, network, [w], { types: ['wpkh', 'sh-wpkh'], nInputs: 3 });
		while (!p.tx.getInput(1).nonWitnessUtxo);
		const bytes = p.tx.toPSBT();
		const prev = btc.RawTx.encode(p.tx.getInput(1).nonWitnessUtxo);
		const at = indexOf(bytes, prev);
		assert.ok(at >= 0);
		// The previous tx's one input has scriptSig OP_1 (01 51): make it OP_2.
		const op = indexOf(bytes.subarray(at, at + prev.length), Uint8Array.of(0x01, 0x51, 0xff, 0xff, 0xff, 0xff));
		assert.ok(op >= 0);
		bytes[at + op + 1] = 0x52;
		const r = run(['psbt', 'sign', '--mnemonic-file', w.mfile, '--network', network,
			...(w.pfile ? ['--passphrase-file', w.pfile] : [])], base64.encode(bytes) + '\n');
		assert.notEqual(r.status, 0, 'signed a PSBT whose non_witness_utxo is not the spent transaction');
		assert.equal(r.stdout, '');
		assert.match(r.stderr, /^coffer: .*(utxo|UTXO)/);
	});
});

function indexOf(hay, needle) {
	outer: for (let i = 0; i + needle.length <= hay.length; i++) {
		for (let j = 0; j < needle.length; j++)
			if (hay[i + j] !== needle[j])
				continue outer;
		return i;
	}
	return -1;
}

describe('@scure signs -> coffer psbt finalize', () => {
	const skip = needs('psbt finalize');
	const rng = new Rng('psbt-finalize');
	it('random PSBTs signed by @scure finalize to the same transaction', { skip }, (t) => {
		const n = scaled(20);
		let inputs = 0;
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const wallets = walletsFor(rng, network);
			const p = randomPsbt(rng, network, wallets, { explicitSighash: 0.15 });
			let b64 = psbtB64(p.tx);
			for (const w of wallets)
				b64 = scureSign(b64, w, p);
			const want = scureFinalize(b64);
			verifyTx(want, p.prevouts);
			assert.equal(hex.encode(cofferFinalize(b64)), hex.encode(want), `case ${c}`);
			inputs += p.inputs.length;
		}
		t.diagnostic(`${n} PSBTs, ${inputs} inputs finalized equal`);
	});

	it('a PSBT missing a signature is refused', { skip }, () => {
		const network = 'regtest';
		const wallets = [newWallet(rng, network, 'A'), newWallet(rng, network, 'B')];
		const p = randomPsbt(rng, network, wallets, { nInputs: 2, owner: (i) => wallets[i] });
		const b64 = scureSign(psbtB64(p.tx), wallets[0], p);
		const r = run(['psbt', 'finalize'], b64 + '\n');
		assert.notEqual(r.status, 0, 'finalized a PSBT with an unsigned input');
		assert.match(r.stderr, /^coffer: /);
	});
});

describe('coffer psbt combine == @scure combine', () => {
	const skip = needs('psbt combine', 'psbt sign');
	const rng = new Rng('psbt-combine');
	it('separately signed PSBTs combine to what @scure combines', { skip }, (t) => {
		const n = scaled(15);
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const wallets = [newWallet(rng, network, 'A'), newWallet(rng, network, 'B')];
			const p = randomPsbt(rng, network, wallets, { owner: (i) => wallets[i % 2], nInputs: rng.int(2, 10) });
			const unsigned = psbtB64(p.tx);
			const sa = cofferSign(unsigned, wallets[0]);
			const sb = scureSign(unsigned, wallets[1], p);
			const got = cofferCombine([sa, sb]);
			const want = fromB64(sa);
			want.combine(fromB64(sb));
			assert.equal(canonical(got), hex.encode(want.toPSBT(0)), `case ${c}`);
			assert.equal(canonical(cofferCombine([sb, sa])), canonical(got), `case ${c}: combine order matters`);
			verifyTx(scureFinalize(got), p.prevouts);
		}
		t.diagnostic(`${n} pairs of PSBTs combined equal to @scure, finalized and verified`);
	});
});

describe('coffer psbt decode', () => {
	const skip = needs('psbt decode');
	const rng = new Rng('psbt-decode');
	it('the JSON states the same transaction, UTXOs, derivations and fee as @scure', { skip }, (t) => {
		const n = scaled(15);
		let inputs = 0;
		for (let c = 0; c < n; c++) {
			const network = rng.pick(NETWORK_NAMES);
			const wallets = walletsFor(rng, network);
			const p = randomPsbt(rng, network, wallets);
			const j = JSON.parse(ok(['psbt', 'decode'], psbtB64(p.tx) + '\n'));
			const what = `case ${c}`;
			assert.equal(j.psbt_version, 0, what);
			assert.equal(j.tx.txid, p.tx.id, what);
			assert.equal(j.tx.version, p.tx.version, what);
			assert.equal(j.tx.locktime, p.tx.lockTime, what);
			assert.equal(j.tx.inputs.length, p.tx.inputsLength, what);
			assert.equal(j.inputs.length, p.tx.inputsLength, what);
			assert.equal(j.outputs.length, p.tx.outputsLength, what);
			let fee = 0n;
			for (let i = 0; i < p.tx.inputsLength; i++) {
				const inp = p.tx.getInput(i);
				const ji = j.inputs[i];
				assert.deepEqual(j.tx.inputs[i], { txid: hex.encode(inp.txid), vout: inp.index, sequence: inp.sequence }, `${what} input ${i}`);
				assert.equal(BigInt(ji.utxo.amount), inp.witnessUtxo.amount, `${what} input ${i} amount`);
				assert.equal(ji.utxo.script, hex.encode(inp.witnessUtxo.script), `${what} input ${i} script`);
				assert.equal(ji.utxo.source, inp.nonWitnessUtxo ? 'non_witness_utxo' : 'witness_utxo', `${what} input ${i} source`);
				const der = p.inputs[i];
				const derivs = (ji.bip32_derivs ?? []).concat(ji.tap_bip32_derivs ?? []);
				assert.ok(derivs.some((d) => d.fingerprint === fpHex(der.wallet.root.fingerprint) && d.path === 'm/' + pathStr(der.path)
					&& (d.pubkey === hex.encode(der.pub) || d.pubkey === hex.encode(der.pub.subarray(1)) || d.xonly === hex.encode(der.pub.subarray(1)))),
					`${what} input ${i}: derivation ${JSON.stringify(derivs)}`);
				fee += inp.witnessUtxo.amount;
				inputs++;
			}
			for (let i = 0; i < p.tx.outputsLength; i++) {
				const o = p.tx.getOutput(i);
				assert.equal(BigInt(j.outputs[i].amount), o.amount, `${what} output ${i} amount`);
				assert.equal(j.outputs[i].script, hex.encode(o.script), `${what} output ${i} script`);
				fee -= o.amount;
			}
			assert.equal(BigInt(j.fee), fee, `${what} fee`);
		}
		t.diagnostic(`${n} PSBTs (${inputs} inputs) decoded equal to @scure's view`);
	});
});
