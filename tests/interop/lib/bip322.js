// BIP322 "simple" signatures assembled from @scure/btc-signer (transactions,
// sighash, signing) and @noble (tagged hash), since @scure has no BIP322.
// A simple signature is the to_sign witness stack, base64 encoded, with the
// "smp" prefix of the 2026 revision or without it (the older form).
import { schnorr } from '@noble/curves/secp256k1.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base64 } from '@scure/base';
import { btc, hex, NETWORKS } from './ref.js';
import { verifyTx } from './verify.js';

export const messageHash = (msg) => schnorr.utils.taggedHash('BIP0322-signed-message', typeof msg === 'string' ? utf8ToBytes(msg) : msg);

/* The to_spend transaction of BIP322 for a message and scriptPubKey. */
export function toSpend(msg, script) {
	return btc.RawTx.encode({
		version: 0,
		segwitFlag: false,
		inputs: [{
			txid: new Uint8Array(32),
			index: 0xffffffff,
			finalScriptSig: btc.Script.encode(['OP_0', messageHash(msg)]),
			sequence: 0,
		}],
		outputs: [{ amount: 0n, script }],
		witnesses: [],
		lockTime: 0,
	});
}

const txidOf = (raw) => btc.Transaction.fromRaw(raw, { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true }).id;

/* The unsigned to_sign transaction (a btc-signer Transaction with its one input). */
export function toSign(msg, script, extra = {}) {
	const tx = new btc.Transaction({ version: 0, allowUnknownOutputs: true, lowR: true });
	tx.addInput({ txid: txidOf(toSpend(msg, script)), index: 0, sequence: 0, witnessUtxo: { script, amount: 0n }, ...extra });
	tx.addOutput({ script: btc.Script.encode(['RETURN']), amount: 0n });
	return tx;
}

export const txids = (msg, script) => ({ toSpend: txidOf(toSpend(msg, script)), toSign: toSign(msg, script).id });

/* Sign a message for a P2WPKH or P2TR (key path, BIP86) address with a private key. */
export function sign(msg, address, network, priv, { prefix = true } = {}) {
	const script = btc.OutScript.encode(btc.Address(NETWORKS[network].btc).decode(address));
	const type = btc.OutScript.decode(script).type;
	const extra = type === 'tr' ? { tapInternalKey: schnorr.getPublicKey(priv) } : {};
	const tx = toSign(msg, script, extra);
	tx.signIdx(priv, 0);
	tx.finalizeIdx(0);
	const b64 = base64.encode(btc.RawWitness.encode(tx.getInput(0).finalScriptWitness));
	return (prefix ? 'smp' : '') + b64;
}

/* Verify a simple signature; throws with the reason when invalid. */
export function verify(msg, address, network, signature) {
	const script = btc.OutScript.encode(btc.Address(NETWORKS[network].btc).decode(address));
	const b64 = signature.startsWith('smp') ? signature.slice(3) : signature;
	const witness = btc.RawWitness.decode(base64.decode(b64));
	const tx = toSign(msg, script);
	tx.updateInput(0, { finalScriptWitness: witness }, true);
	return verifyTx(tx.extract(), [{ script, amount: 0n }])[0];
}

export { hex };
