// Input validation for broadcasts: every input's signature is checked against
// the amount and script of the output it spends. @scure/btc-signer computes
// the sighash (BIP143 / BIP341 / legacy) and parses the transaction; the
// signature checks are @noble/curves. Neither shares code with Coffer.
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import * as btc from '@scure/btc-signer';

export const hash160 = (b) => ripemd160(sha256(b));
const N = secp256k1.Point.CURVE().n;
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export class VerifyError extends Error {}

function fail(msg) {
	throw new VerifyError(msg);
}

/* Strict DER (BIP66) with low S; returns the DER bytes. */
function strictDer(der, what) {
	let sig;
	try {
		sig = secp256k1.Signature.fromBytes(der, 'der');
	} catch (e) {
		fail(`${what}: signature is not DER (${e.message})`);
	}
	if (!eq(sig.toBytes('der'), der))
		fail(`${what}: signature is not canonical DER`);
	if (sig.s > N / 2n)
		fail(`${what}: high S`);
	return der;
}

const SIGHASH_OK = new Set([1, 2, 3, 0x81, 0x82, 0x83]);

function ecdsa(msg, der, pub, what) {
	if (!secp256k1.verify(der, msg, pub, { prehash: false, format: 'der', lowS: true }))
		fail(`${what}: ECDSA signature does not verify`);
}

function checkWpkh(tx, i, wit, keyHash, amount, what) {
	if (wit.length !== 2)
		fail(`${what}: P2WPKH witness has ${wit.length} items`);
	const [sig, pub] = wit;
	if (pub.length !== 33 || !eq(hash160(pub), keyHash))
		fail(`${what}: witness public key does not match the key hash`);
	if (sig.length < 9)
		fail(`${what}: signature too short`);
	const hashType = sig[sig.length - 1];
	if (!SIGHASH_OK.has(hashType))
		fail(`${what}: sighash type ${hashType}`);
	const der = strictDer(sig.subarray(0, -1), what);
	const code = btc.OutScript.encode({ type: 'pkh', hash: keyHash });
	ecdsa(tx.preimageWitnessV0(i, code, hashType, amount), der, pub, what);
	return 'wpkh';
}

/*
 * Check every input of a parsed transaction against prevouts
 * ([{script, amount}], one per input). Supports P2WPKH, P2SH-P2WPKH, P2PKH
 * and P2TR key path; anything else is refused (the double only relays what it
 * can check). Throws VerifyError naming the input.
 */
export function verifyInputs(tx, prevouts) {
	const scripts = prevouts.map((p) => p.script);
	const amounts = prevouts.map((p) => p.amount);
	for (let i = 0; i < tx.inputsLength; i++) {
		const inp = tx.getInput(i);
		const what = `input ${i}`;
		let spk;
		try {
			spk = btc.OutScript.decode(prevouts[i].script);
		} catch {
			fail(`${what}: prevout script of an unsupported type`);
		}
		const wit = inp.finalScriptWitness ?? [];
		const scriptSig = inp.finalScriptSig ?? new Uint8Array();
		if (spk.type === 'wpkh') {
			if (scriptSig.length !== 0)
				fail(`${what}: P2WPKH input has a scriptSig`);
			checkWpkh(tx, i, wit, spk.hash, amounts[i], what);
		} else if (spk.type === 'sh') {
			let pushes;
			try {
				pushes = btc.Script.decode(scriptSig);
			} catch {
				fail(`${what}: scriptSig does not parse`);
			}
			if (pushes.length !== 1 || !(pushes[0] instanceof Uint8Array))
				fail(`${what}: P2SH scriptSig is not a single push`);
			const redeem = pushes[0];
			if (!eq(hash160(redeem), spk.hash))
				fail(`${what}: redeemScript does not hash to the P2SH hash`);
			let r;
			try {
				r = btc.OutScript.decode(redeem);
			} catch {
				fail(`${what}: unsupported redeemScript`);
			}
			if (r.type !== 'wpkh')
				fail(`${what}: redeemScript is ${r.type}, not P2WPKH`);
			checkWpkh(tx, i, wit, r.hash, amounts[i], what);
		} else if (spk.type === 'pkh') {
			if (wit.length !== 0)
				fail(`${what}: P2PKH input has a witness`);
			let pushes;
			try {
				pushes = btc.Script.decode(scriptSig);
			} catch {
				fail(`${what}: scriptSig does not parse`);
			}
			if (pushes.length !== 2 || !(pushes[0] instanceof Uint8Array) || !(pushes[1] instanceof Uint8Array))
				fail(`${what}: P2PKH scriptSig is not <sig> <pubkey>`);
			const [sig, pub] = pushes;
			if (!eq(hash160(pub), spk.hash))
				fail(`${what}: public key does not match the key hash`);
			const hashType = sig[sig.length - 1];
			if (!SIGHASH_OK.has(hashType))
				fail(`${what}: sighash type ${hashType}`);
			const der = strictDer(sig.subarray(0, -1), what);
			ecdsa(tx.preimageLegacy(i, prevouts[i].script, hashType), der, pub, what);
		} else if (spk.type === 'tr') {
			if (scriptSig.length !== 0)
				fail(`${what}: P2TR input has a scriptSig`);
			if (wit.length !== 1)
				fail(`${what}: only P2TR key-path spends are checked (witness of ${wit.length} items)`);
			const s = wit[0];
			if (s.length !== 64 && s.length !== 65)
				fail(`${what}: Schnorr signature of ${s.length} bytes`);
			const hashType = s.length === 65 ? s[64] : 0;
			if (s.length === 65 && !SIGHASH_OK.has(hashType))
				fail(`${what}: sighash type ${hashType}`);
			const msg = tx.preimageWitnessV1(i, scripts, hashType, amounts);
			if (!schnorr.verify(s.subarray(0, 64), msg, spk.pubkey))
				fail(`${what}: BIP340 signature does not verify for the output key`);
		} else {
			fail(`${what}: prevout type ${spk.type} is not supported by the chain double`);
		}
	}
}
