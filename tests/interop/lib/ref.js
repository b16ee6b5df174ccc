// The independent side: what @scure/bip39, @scure/bip32 and @scure/btc-signer
// say a Coffer output must be. Descriptor strings are assembled here from the
// BIP380-386 grammar (with the BIP380 checksum written from the BIP's
// reference code) so they can be compared with Coffer's byte for byte.
import * as bip39 from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDKey, HARDENED_OFFSET } from '@scure/bip32';
import * as btc from '@scure/btc-signer';
import { hex } from '@scure/base';

export { bip39, wordlist, HDKey, HARDENED_OFFSET, btc, hex };

const XPUB = { private: 0x0488ade4, public: 0x0488b21e };
const TPUB = { private: 0x04358394, public: 0x043587cf };
const REGTEST = Object.freeze({ bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef });

// Coffer's network names (see `coffer help`) and their parameters.
export const NETWORKS = {
	bitcoin: { coin: 0, versions: XPUB, btc: btc.NETWORK },
	testnet: { coin: 1, versions: TPUB, btc: btc.TEST_NETWORK },
	testnet4: { coin: 1, versions: TPUB, btc: btc.TEST_NETWORK },
	signet: { coin: 1, versions: TPUB, btc: btc.TEST_NETWORK },
	regtest: { coin: 1, versions: TPUB, btc: REGTEST },
};
export const NETWORK_NAMES = Object.keys(NETWORKS);

// BIP44-style purpose per account type.
export const PURPOSE = { 'sh-wpkh': 49, wpkh: 84, tr: 86 };

// ---- BIP380 checksum (from the BIP's reference Python) -------------------
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

function expand(s) {
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
	return symbols;
}

export function descChecksum(s) {
	const c = polymod([...expand(s), 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
	let out = '';
	for (let i = 0; i < 8; i++)
		out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - i))) & 31n)];
	return out;
}

export function withChecksum(s) {
	return `${s}#${descChecksum(s)}`;
}

// ---- keys and paths -------------------------------------------------------
export const fpHex = (n) => n.toString(16).padStart(8, '0');

/* Path steps as a descriptor string: [84h, 1h, 0h] -> "84h/1h/0h". */
export function pathStr(steps) {
	return steps.map((s) => (s >= HARDENED_OFFSET ? `${s - HARDENED_OFFSET}h` : `${s}`)).join('/');
}

export function deriveSteps(key, steps) {
	let k = key;
	for (const s of steps)
		k = k.deriveChild(s);
	return k;
}

/* A BIP39 mnemonic and passphrase as a BIP32 root key for the network. */
export function rootFromMnemonic(mnemonic, passphrase, network) {
	const seed = bip39.mnemonicToSeedSync(mnemonic, passphrase ?? '');
	return HDKey.fromMasterSeed(seed, NETWORKS[network].versions);
}

/* The account path of an account type: m/purpose'/coin'/account'. */
export function accountPath(type, network, account) {
	return [PURPOSE[type], NETWORKS[network].coin, account].map((n) => n + HARDENED_OFFSET);
}

/*
 * What `coffer descriptor from-mnemonic` must print: the account's public
 * multipath descriptor, e.g. wpkh([fp/84h/1h/0h]tpub.../<0;1>/*)#checksum.
 */
export function accountDescriptor(root, type, network, account) {
	const path = accountPath(type, network, account);
	const acct = deriveSteps(root, path);
	const key = `[${fpHex(root.fingerprint)}/${pathStr(path)}]${acct.publicExtendedKey}/<0;1>/*`;
	const body = type === 'wpkh' ? `wpkh(${key})` : type === 'tr' ? `tr(${key})` : `sh(wpkh(${key}))`;
	return { descriptor: withChecksum(body), account: acct, path, fingerprint: root.fingerprint };
}

/* The address of a single-key account type for a compressed public key. */
export function singleKeyAddress(type, pub, network) {
	const net = NETWORKS[network].btc;
	switch (type) {
	case 'pkh': return btc.p2pkh(pub, net).address;
	case 'wpkh': return btc.p2wpkh(pub, net).address;
	case 'sh-wpkh': return btc.p2sh(btc.p2wpkh(pub, net), net).address;
	case 'tr': return btc.p2tr(pub.subarray(1), undefined, net).address;
	default: throw new Error(`unknown type ${type}`);
	}
}

/* The scriptPubKey / redeem data of a single-key account type (for PSBTs). */
export function singleKeyPayment(type, pub, network) {
	const net = NETWORKS[network].btc;
	switch (type) {
	case 'wpkh': return btc.p2wpkh(pub, net);
	case 'sh-wpkh': return btc.p2sh(btc.p2wpkh(pub, net), net);
	case 'tr': return btc.p2tr(pub.subarray(1), undefined, net);
	default: throw new Error(`unknown type ${type}`);
	}
}

export const xonly = (pub) => pub.subarray(1);

export function cmpBytes(a, b) {
	const n = Math.min(a.length, b.length);
	for (let i = 0; i < n; i++)
		if (a[i] !== b[i])
			return a[i] - b[i];
	return a.length - b.length;
}
