// Random PSBTs built with @scure/btc-signer: 1-10 inputs of wpkh / tr /
// sh-wpkh owned by one of several wallets (BIP32 derivation fields for each),
// real previous transactions, and random outputs.
import { sha256 } from '@noble/hashes/sha2.js';
import { base64 } from '@scure/base';
import { btc, hex, NETWORKS, accountPath, deriveSteps, singleKeyPayment, HARDENED_OFFSET } from './ref.js';
import { randomDescriptor, addressAt } from './desc.js';

export const TX_OPTS = { allowUnknownOutputs: true, lowR: true };
export const SIGHASHES = [btc.SigHash.DEFAULT, btc.SigHash.ALL];

const sha256d = (b) => sha256(sha256(b));

/* A previous transaction paying `script`/`amount` at a random output; returns {raw, txid, vout}. */
function randomPrevTx(rng, script, amount) {
	const nOut = rng.int(1, 3);
	const vout = rng.int(0, nOut - 1);
	const outputs = [];
	for (let i = 0; i < nOut; i++) {
		outputs.push(i === vout ? { amount, script }
			: { amount: BigInt(rng.int(1000, 1e8)), script: btc.OutScript.encode({ type: 'wpkh', hash: rng.bytes(20) }) });
	}
	const raw = btc.RawTx.encode({
		version: 2,
		segwitFlag: false,
		inputs: [{ txid: rng.bytes(32), index: rng.int(0, 5), finalScriptSig: new Uint8Array([0x51]), sequence: 0xffffffff }],
		outputs,
		witnesses: [],
		lockTime: 0,
	});
	return { raw, txid: hex.encode(sha256d(raw).reverse()), vout };
}

/* A random recipient script on the network (any common type, foreign keys). */
function randomRecipient(rng, network) {
	const shape = rng.pick(['pkh', 'wpkh', 'sh-wpkh', 'wsh-multi', 'tr', 'tr-tree']);
	const d = randomDescriptor(rng, network, shape);
	return btc.OutScript.encode(btc.Address(NETWORKS[network].btc).decode(addressAt(d, 0, rng.int(0, 100))));
}

/*
 * One owned input key: wallet w's key at m/purpose'/coin'/account'/branch/index.
 * Returns {type, path, priv, pub, payment}.
 */
export function walletKey(rng, w, network, type) {
	const account = rng.pick([0, 0, 0, 1, 2, rng.int(0, 100)]);
	const branch = rng.int(0, 1);
	const index = rng.pick([0, 1, 2, rng.int(0, 1000), rng.int(0, HARDENED_OFFSET - 1)]);
	const path = [...accountPath(type, network, account), branch, index];
	const k = deriveSteps(w.root, path);
	return { type, path, priv: k.privateKey, pub: k.publicKey, payment: singleKeyPayment(type, k.publicKey, network) };
}

/*
 * A random unsigned PSBT. wallets: [{root, name}] (root = BIP32 master HDKey
 * with its private key). opts.types restricts input types; opts.explicitSighash
 * is the probability an input carries PSBT_IN_SIGHASH_TYPE = ALL.
 * Returns {tx, inputs: [{wallet, type, path, priv, pub, prevout}], prevouts}.
 */
export function randomPsbt(rng, network, wallets, opts = {}) {
	const types = opts.types ?? ['wpkh', 'tr', 'sh-wpkh'];
	const tx = new btc.Transaction({ ...TX_OPTS, version: rng.pick([1, 2, 2, 2]),
		lockTime: rng.bool(0.7) ? 0 : rng.int(1, 499999999) });
	const nIn = opts.nInputs ?? rng.int(1, 10);
	const inputs = [];
	let total = 0n;
	for (let i = 0; i < nIn; i++) {
		const wallet = opts.owner ? opts.owner(i) : rng.pick(wallets);
		const type = rng.pick(types);
		const key = walletKey(rng, wallet, network, type);
		const amount = BigInt(rng.int(10000, 2e8));
		const script = key.payment.script;
		const prev = randomPrevTx(rng, script, amount);
		const der = { fingerprint: wallet.root.fingerprint, path: key.path };
		const input = {
			txid: prev.txid,
			index: prev.vout,
			sequence: rng.pick([0xffffffff, 0xfffffffd, 0xfffffffe, rng.int(0, 0xffffffff)]),
			witnessUtxo: { script, amount },
		};
		if (type === 'tr') {
			input.tapInternalKey = key.pub.subarray(1);
			input.tapBip32Derivation = [[key.pub.subarray(1), { hashes: [], der }]];
		} else {
			input.bip32Derivation = [[key.pub, der]];
			if (rng.bool(0.5))
				input.nonWitnessUtxo = prev.raw;
			if (type === 'sh-wpkh')
				input.redeemScript = key.payment.redeemScript;
		}
		if (opts.explicitSighash && rng.bool(opts.explicitSighash))
			input.sighashType = btc.SigHash.ALL;
		tx.addInput(input);
		total += amount;
		inputs.push({ wallet, ...key, prevout: { script, amount } });
	}
	// Outputs: 1-5 recipients, sometimes a change output of the first wallet with its derivation.
	const nOut = rng.int(1, 5);
	let left = total - BigInt(rng.int(200, 50000)) % (total / 10n);
	for (let i = 0; i < nOut; i++) {
		const last = i === nOut - 1;
		const amount = last ? left : left * BigInt(rng.int(1, 60)) / 100n;
		if (rng.bool(0.2)) {
			const w = wallets[0];
			const type = rng.pick(types);
			const key = walletKey(rng, w, network, type);
			const out = { script: key.payment.script, amount };
			const der = { fingerprint: w.root.fingerprint, path: key.path };
			if (type === 'tr') {
				out.tapInternalKey = key.pub.subarray(1);
				out.tapBip32Derivation = [[key.pub.subarray(1), { hashes: [], der }]];
			} else {
				out.bip32Derivation = [[key.pub, der]];
				if (type === 'sh-wpkh')
					out.redeemScript = key.payment.redeemScript;
			}
			tx.addOutput(out);
		} else {
			tx.addOutput({ script: randomRecipient(rng, network), amount });
		}
		left -= amount;
	}
	return { tx, inputs, prevouts: inputs.map((i) => i.prevout) };
}

export const psbtB64 = (tx) => base64.encode(tx.toPSBT());
export const fromB64 = (s) => btc.Transaction.fromPSBT(base64.decode(s.trim()), TX_OPTS);

/* A canonical byte form of a PSBT (re-serialized by @scure) for equality checks. */
export const canonical = (b64) => hex.encode(fromB64(b64).toPSBT(0));
