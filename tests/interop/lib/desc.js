// Random output descriptors (BIP380-387 subset Coffer implements) built as
// small trees, rendered to strings, and evaluated to addresses with @scure.
import { HDKey, HARDENED_OFFSET, NETWORKS, btc, hex, fpHex, pathStr, withChecksum, cmpBytes } from './ref.js';

/*
 * A random key expression. Ranged keys are xpubs with an optional origin and
 * 0-2 unhardened steps before the final /<branch>/*; fixed keys are hex.
 */
export function randomKey(rng, network, { ranged = true, xonly = false } = {}) {
	const versions = NETWORKS[network].versions;
	const root = HDKey.fromMasterSeed(rng.bytes(32), versions);
	const originSteps = [];
	for (let i = rng.int(0, 4); i > 0; i--)
		originSteps.push(rng.bool(0.7) ? rng.int(0, 100) + HARDENED_OFFSET : rng.int(0, 2 ** 31 - 1));
	let k = root;
	for (const s of originSteps)
		k = k.deriveChild(s);
	const origin = originSteps.length || rng.bool() ? { fp: root.fingerprint, steps: originSteps } : null;
	if (!ranged)
		return { kind: 'hex', origin, pub: k.publicKey, xonly };
	const pubKey = HDKey.fromExtendedKey(k.publicExtendedKey, versions);
	const steps = [];
	for (let i = rng.int(0, 2); i > 0; i--)
		steps.push(rng.pick([0, 1, 2, rng.int(0, 2 ** 31 - 1)]));
	return { kind: 'xpub', origin, xpub: pubKey, steps, cache: new Map() };
}

function renderKey(k, branch) {
	const o = k.origin ? `[${fpHex(k.origin.fp)}${k.origin.steps.length ? '/' + pathStr(k.origin.steps) : ''}]` : '';
	if (k.kind === 'hex')
		return o + hex.encode(k.xonly ? k.pub.subarray(1) : k.pub);
	const tail = [...k.steps, branch].map((s) => `/${s}`).join('');
	return `${o}${k.xpub.publicExtendedKey}${tail}/*`;
}

/* The compressed public key of a key expression at (branch, index). */
function keyAt(k, branch, index) {
	if (k.kind === 'hex')
		return k.pub;
	let parent = k.cache.get(branch);
	if (!parent) {
		parent = k.xpub;
		for (const s of [...k.steps, branch])
			parent = parent.deriveChild(s);
		k.cache.set(branch, parent);
	}
	return parent.deriveChild(index).publicKey;
}

function randomTree(rng, network, leaves, used) {
	if (leaves === 1) {
		const kind = rng.pick(['pk', 'pk', 'multi_a', 'sortedmulti_a']);
		const n = kind === 'pk' ? 1 : rng.int(1, 4);
		const keys = [];
		for (let i = 0; i < n; i++)
			keys.push(randomKey(rng, network, { ranged: rng.bool(0.8), xonly: true }));
		used.push(...keys);
		return { leaf: kind, m: kind === 'pk' ? 1 : rng.int(1, n), keys };
	}
	const left = rng.int(1, leaves - 1);
	return { branch: [randomTree(rng, network, left, used), randomTree(rng, network, leaves - left, used)] };
}

const SHAPES = ['pkh', 'wpkh', 'sh-wpkh', 'wsh-multi', 'wsh-sortedmulti', 'tr', 'tr-tree'];

/* A random descriptor of one of SHAPES (or the one asked for). */
export function randomDescriptor(rng, network, shape = rng.pick(SHAPES)) {
	const d = { shape, network };
	if (shape === 'wsh-multi' || shape === 'wsh-sortedmulti') {
		const n = rng.int(1, rng.bool(0.9) ? 5 : 15);
		d.keys = [];
		for (let i = 0; i < n; i++)
			d.keys.push(randomKey(rng, network, { ranged: i === 0 || rng.bool(0.8) }));
		d.m = rng.int(1, n);
	} else if (shape === 'tr-tree') {
		d.used = [];
		d.tree = randomTree(rng, network, rng.int(1, 5), d.used);
		// At least one ranged key, or the descriptor has only index 0.
		d.key = randomKey(rng, network, { ranged: !d.used.some((k) => k.kind === 'xpub') || rng.bool(0.8), xonly: true });
	} else {
		d.key = randomKey(rng, network, { xonly: shape === 'tr' });
	}
	return d;
}

function renderTree(t, branch) {
	if (t.branch)
		return `{${renderTree(t.branch[0], branch)},${renderTree(t.branch[1], branch)}}`;
	const ks = t.keys.map((k) => renderKey(k, branch)).join(',');
	return t.leaf === 'pk' ? `pk(${ks})` : `${t.leaf}(${t.m},${ks})`;
}

/* The descriptor string (with checksum) for the receive (0) or change (1) branch. */
export function renderDescriptor(d, branch) {
	let s;
	switch (d.shape) {
	case 'pkh': s = `pkh(${renderKey(d.key, branch)})`; break;
	case 'wpkh': s = `wpkh(${renderKey(d.key, branch)})`; break;
	case 'sh-wpkh': s = `sh(wpkh(${renderKey(d.key, branch)}))`; break;
	case 'wsh-multi':
	case 'wsh-sortedmulti':
		s = `wsh(${d.shape.slice(4)}(${d.m},${d.keys.map((k) => renderKey(k, branch)).join(',')}))`;
		break;
	case 'tr': s = `tr(${renderKey(d.key, branch)})`; break;
	case 'tr-tree': s = `tr(${renderKey(d.key, branch)},${renderTree(d.tree, branch)})`; break;
	default: throw new Error(d.shape);
	}
	return withChecksum(s);
}

function treeAt(t, branch, index) {
	if (t.branch)
		return [treeAt(t.branch[0], branch, index), treeAt(t.branch[1], branch, index)];
	let pubs = t.keys.map((k) => keyAt(k, branch, index).subarray(1));
	if (t.leaf === 'sortedmulti_a')
		pubs = pubs.slice().sort(cmpBytes);
	const script = t.leaf === 'pk' ? btc.p2tr_pk(pubs[0]).script : btc.p2tr_ms(t.m, pubs, true).script;
	return { script };
}

/* The address @scure/btc-signer gives the descriptor at (branch, index). */
export function addressAt(d, branch, index) {
	const net = NETWORKS[d.network].btc;
	switch (d.shape) {
	case 'pkh': return btc.p2pkh(keyAt(d.key, branch, index), net).address;
	case 'wpkh': return btc.p2wpkh(keyAt(d.key, branch, index), net).address;
	case 'sh-wpkh': return btc.p2sh(btc.p2wpkh(keyAt(d.key, branch, index), net), net).address;
	case 'wsh-multi':
	case 'wsh-sortedmulti': {
		let pubs = d.keys.map((k) => keyAt(k, branch, index));
		if (d.shape === 'wsh-sortedmulti')
			pubs = pubs.slice().sort(cmpBytes);
		return btc.p2wsh(btc.p2ms(d.m, pubs, true), net).address;
	}
	case 'tr': return btc.p2tr(keyAt(d.key, branch, index).subarray(1), undefined, net).address;
	case 'tr-tree':
		return btc.p2tr(keyAt(d.key, branch, index).subarray(1), treeAt(d.tree, branch, index), net, true).address;
	default: throw new Error(d.shape);
	}
}
