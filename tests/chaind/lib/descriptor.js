// Just enough output-descriptor support for the double's bitcoind RPC mode:
// wpkh(), tr() (key path only), pkh() and sh(wpkh()) over an extended public
// key with unhardened steps and an optional trailing /*, an optional
// [fingerprint/path] origin and the BIP380 checksum (checked when present).
// Keys are derived with @scure/bip32, scripts built with @scure/btc-signer.
import * as btc from '@scure/btc-signer';
import { HDKey } from '@scure/bip32';

const XPUB = { private: 0x0488ade4, public: 0x0488b21e };
const TPUB = { private: 0x04358394, public: 0x043587cf };

// ---- BIP380 checksum (the BIP's reference code) ------------------------------
const INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols) {
	let chk = 1n;
	for (const v of symbols) {
		const top = chk >> 35n;
		chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(v);
		for (let i = 0; i < 5; i++)
			if ((top >> BigInt(i)) & 1n)
				chk ^= GENERATOR[i];
	}
	return chk;
}

export function descChecksum(s) {
	const symbols = [];
	let groups = [];
	for (const c of s) {
		const v = INPUT_CHARSET.indexOf(c);
		if (v < 0)
			throw new Error(`descriptor character not allowed: ${JSON.stringify(c)}`);
		symbols.push(v & 31);
		groups.push(v >> 5);
		if (groups.length === 3) {
			symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2]);
			groups = [];
		}
	}
	if (groups.length === 1)
		symbols.push(groups[0]);
	else if (groups.length === 2)
		symbols.push(groups[0] * 3 + groups[1]);
	const c = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
	let out = '';
	for (let i = 0; i < 8; i++)
		out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - i))) & 31n)];
	return out;
}

function parseKey(text) {
	const m = /^(\[[0-9a-fA-F]{8}(\/[0-9]+['h]?)*\])?([1-9A-HJ-NP-Za-km-z]{100,120})((\/[0-9]+)*)(\/\*)?$/.exec(text);
	if (!m)
		throw new Error(`unsupported key expression ${text}`);
	const versions = m[3].startsWith('xpub') ? XPUB : TPUB;
	let key = HDKey.fromExtendedKey(m[3], versions);
	for (const step of m[4].split('/').filter((x) => x !== ''))
		key = key.deriveChild(Number(step));
	return { key, ranged: m[6] !== undefined };
}

/*
 * Parse a descriptor; returns {ranged, script(i)} where script(i) gives the
 * scriptPubKey at index i. Throws on anything unsupported or a bad checksum.
 */
export function parseDescriptor(text, net) {
	let body = text;
	const hash = text.indexOf('#');
	if (hash >= 0) {
		body = text.slice(0, hash);
		if (descChecksum(body) !== text.slice(hash + 1))
			throw new Error(`Provided checksum '${text.slice(hash + 1)}' does not match computed checksum '${descChecksum(body)}'`);
	}
	const m = /^(wpkh|tr|pkh|sh\(wpkh)\((.*?)\)\)?$/.exec(body);
	if (!m || (m[1] === 'sh(wpkh') !== body.endsWith('))'))
		throw new Error(`unsupported descriptor ${body}`);
	const { key, ranged } = parseKey(m[2]);
	const pub = (i) => (ranged ? key.deriveChild(i) : key).publicKey;
	const make = {
		wpkh: (p) => btc.p2wpkh(p, net).script,
		pkh: (p) => btc.p2pkh(p, net).script,
		'sh(wpkh': (p) => btc.p2sh(btc.p2wpkh(p, net), net).script,
		tr: (p) => btc.p2tr(p.subarray(1), undefined, net).script,
	}[m[1]];
	return { ranged, script: (i) => make(pub(i)) };
}
