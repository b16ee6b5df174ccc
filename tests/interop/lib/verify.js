// Independent signature checks. @scure/btc-signer finalizes without verifying
// signatures, so the tests verify every input themselves: the sighash comes
// from btc-signer (BIP143 / BIP341), the signature check from @noble/curves.
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { btc, hex } from './ref.js';

export const hash160 = (b) => ripemd160(sha256(b));
const N = secp256k1.Point.CURVE().n;
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/* Strict DER (BIP66) ECDSA signature, returns {r, s}; throws when malformed. */
export function parseDer(der) {
	const sig = secp256k1.Signature.fromBytes(der, 'der');
	// Round trip catches any non-canonical encoding the parser tolerated.
	if (!eq(sig.toBytes('der'), der))
		throw new Error('signature is not canonical DER');
	return sig;
}

/* The BIP143 scriptCode of a P2WPKH key hash. */
function p2wpkhScriptCode(h) {
	return btc.OutScript.encode({ type: 'pkh', hash: h });
}

/*
 * Check an ECDSA Bitcoin signature (DER || hashtype): strict DER, low S and
 * valid for pub over the BIP143 sighash. Returns {hashType, sig, msg}.
 */
function checkEcdsa(tx, idx, sigWithType, pub, keyHash, amount, what) {
	const hashType = sigWithType[sigWithType.length - 1];
	const der = sigWithType.subarray(0, -1);
	const sig = parseDer(der);
	if (sig.s > N / 2n)
		throw new Error(`${what}: high S`);
	const msg = tx.preimageWitnessV0(idx, p2wpkhScriptCode(keyHash), hashType, amount);
	if (!secp256k1.verify(der, msg, pub, { prehash: false, format: 'der', lowS: true }))
		throw new Error(`${what}: ECDSA signature does not verify`);
	return { hashType, sig, der, msg };
}

/*
 * Verify every input of a finalized transaction against its prevouts
 * ([{script, amount}]). Supports P2WPKH, P2SH-P2WPKH and P2TR key path.
 * Returns per-input details; throws with the input number on any failure.
 */
export function verifyTx(raw, prevouts) {
	const tx = btc.Transaction.fromRaw(raw, { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true });
	const scripts = prevouts.map((p) => p.script);
	const amounts = prevouts.map((p) => p.amount);
	if (tx.inputsLength !== prevouts.length)
		throw new Error(`tx has ${tx.inputsLength} inputs, ${prevouts.length} prevouts given`);
	const out = [];
	for (let i = 0; i < tx.inputsLength; i++) {
		const inp = tx.getInput(i);
		const what = `input ${i}`;
		const spk = btc.OutScript.decode(prevouts[i].script);
		const wit = inp.finalScriptWitness ?? [];
		const scriptSig = inp.finalScriptSig ?? new Uint8Array();
		if (spk.type === 'wpkh' || spk.type === 'sh') {
			let keyHash = spk.hash;
			if (spk.type === 'sh') {
				const pushes = btc.Script.decode(scriptSig);
				if (pushes.length !== 1 || !(pushes[0] instanceof Uint8Array))
					throw new Error(`${what}: P2SH scriptSig is not a single push`);
				const redeem = pushes[0];
				if (!eq(hash160(redeem), spk.hash))
					throw new Error(`${what}: redeemScript does not hash to the P2SH hash`);
				const r = btc.OutScript.decode(redeem);
				if (r.type !== 'wpkh')
					throw new Error(`${what}: redeemScript is ${r.type}, not P2WPKH`);
				keyHash = r.hash;
			} else if (scriptSig.length !== 0) {
				throw new Error(`${what}: P2WPKH input has a scriptSig`);
			}
			if (wit.length !== 2)
				throw new Error(`${what}: P2WPKH witness has ${wit.length} items`);
			const [sig, pub] = wit;
			if (pub.length !== 33 || !eq(hash160(pub), keyHash))
				throw new Error(`${what}: witness public key does not match the key hash`);
			out.push({ type: spk.type === 'sh' ? 'sh-wpkh' : 'wpkh', pub, ...checkEcdsa(tx, i, sig, pub, keyHash, amounts[i], what) });
		} else if (spk.type === 'tr') {
			if (scriptSig.length !== 0)
				throw new Error(`${what}: P2TR input has a scriptSig`);
			if (wit.length !== 1)
				throw new Error(`${what}: P2TR key-path witness has ${wit.length} items`);
			const s = wit[0];
			if (s.length !== 64 && s.length !== 65)
				throw new Error(`${what}: Schnorr signature of ${s.length} bytes`);
			const hashType = s.length === 65 ? s[64] : 0;
			if (s.length === 65 && hashType === 0)
				throw new Error(`${what}: explicit SIGHASH_DEFAULT byte`);
			const msg = tx.preimageWitnessV1(i, scripts, hashType, amounts);
			if (!schnorr.verify(s.subarray(0, 64), msg, spk.pubkey))
				throw new Error(`${what}: BIP340 signature does not verify for the output key`);
			out.push({ type: 'tr', hashType, sig: s, msg });
		} else {
			throw new Error(`${what}: unsupported prevout type ${spk.type}`);
		}
	}
	return out;
}

/*
 * The RFC6979 signature with Bitcoin Core's low-R grinding: plain RFC6979
 * first, then extra entropy = LE32(counter) zero-padded to 32 bytes for
 * counter = 1, 2, ... until r < 2^255. Returns {der, counter}.
 */
export function coreEcdsa(msg, priv) {
	const extra = new Uint8Array(32);
	for (let counter = 0; ; counter++) {
		if (counter > 0)
			new DataView(extra.buffer).setUint32(0, counter, true);
		const sig = secp256k1.Signature.fromBytes(secp256k1.sign(msg, priv,
			counter > 0 ? { prehash: false, extraEntropy: extra } : { prehash: false }));
		if (sig.r < 1n << 255n)
			return { der: sig.toBytes('der'), counter };
	}
}

export { hex, eq };
