// Bulk seeding for benchmarks (POST /seed): a large wallet history made in one
// call, mined into blocks. Two kinds of transactions, both paying the given
// addresses round-robin:
//   - funding transactions, like the faucet's (a made-up outpoint, taken on
//     trust like a coinbase);
//   - consolidations, each spending `per` funding outputs into one output:
//     synthetic history (their inputs carry no signatures and were never
//     verified), but their outputs are ordinary coins of this chain, and a
//     later broadcast spending one is checked like any other (amount, script,
//     signature).
// With utxos U and txs T: C = floor((T - U) / per) consolidations, F = T - C
// funding transactions, leaving C + F - C * per unspent outputs (U when per
// divides T - U). Entries are built directly (no parse): this is the double's
// own serialisation, the same bytes as the faucet writes.
import { hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';

const SEQ_FINAL = 0xffffffff;
const sha256d = (b) => sha256(sha256(b));
const rev = (b) => Uint8Array.from(b).reverse();

function u32le(v) {
	const b = new Uint8Array(4);
	new DataView(b.buffer).setUint32(0, v >>> 0, true);
	return b;
}

function u64le(v) {
	const b = new Uint8Array(8);
	new DataView(b.buffer).setBigUint64(0, v, true);
	return b;
}

function concat(parts) {
	const n = parts.reduce((a, p) => a + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

/* A legacy-serialised transaction (no witness) and its entry. */
function entry(inputs, outputs, faucet, fee) {
	const parts = [u32le(2), Uint8Array.of(inputs.length)];
	for (const i of inputs)
		parts.push(i.prev ?? rev(hex.decode(i.txid)), u32le(i.vout), Uint8Array.of(i.scriptSig.length), i.scriptSig,
			u32le(SEQ_FINAL));
	parts.push(Uint8Array.of(outputs.length));
	for (const o of outputs)
		parts.push(u64le(o.amount), Uint8Array.of(o.script.length), o.script);
	parts.push(u32le(0));
	const raw = concat(parts);
	const txid = hex.encode(rev(sha256d(raw)));
	return { txid, raw, tx: { version: 2, lockTime: 0 },
		inputs: inputs.map((i) => ({ txid: i.txid ?? hex.encode(rev(i.prev)), vout: i.vout, sequence: SEQ_FINAL,
			scriptSig: i.scriptSig, witness: [] })),
		outputs, vsize: raw.length, weight: raw.length * 4, size: raw.length, fee, faucet, height: 0, block: null };
}

export function seed(chain, { addresses, utxos, txs, per = 9, per_block = 10000, min_sat = 10000 }) {
	if (!Array.isArray(addresses) || addresses.length === 0 || addresses.length > 100000)
		throw new Error('addresses: 1..100000 addresses');
	if (![utxos, txs, per, per_block, min_sat].every((v) => Number.isInteger(v) && v > 0) || utxos > txs ||
	    txs > 5000000 || per > 200 || per_block > 100000)
		throw new Error('bad sizes');
	const scripts = addresses.map((a) => chain.addressScript(a));
	const nCons = Math.floor((txs - utxos) / per);
	const nFund = txs - nCons;
	const fee = 1000n;
	let pending = [], k = 0;
	const flush = () => {
		if (pending.length > 0)
			chain.mineBlock(pending);
		pending = [];
	};
	const add = (e) => {
		chain.txs.set(e.txid, e);
		if (!e.faucet)
			for (const i of e.inputs)
				chain.spends.set(`${i.txid}:${i.vout}`, e.txid);
		chain.index(e);
		pending.push(e.txid);
		if (pending.length >= per_block)
			flush();
	};
	const fund = [];
	chain.seedCount = chain.seedCount ?? 0;
	for (let n = 0; n < nFund; n++) {
		const c = ++chain.seedCount;
		const prev = sha256(new TextEncoder().encode(`coffer-chaind-seed-${c}`));
		const amount = BigInt(min_sat + (c % 1000) * 100);
		const e = entry([{ prev, vout: 0, scriptSig: Uint8Array.of(4, ...u32le(c)) }],
			[{ script: scripts[k++ % scripts.length], amount }], true, 0n);
		add(e);
		fund.push(e);
	}
	for (let n = 0; n < nCons; n++) {
		const ins = fund.slice(n * per, (n + 1) * per);
		const sum = ins.reduce((a, e) => a + e.outputs[0].amount, 0n);
		const e = entry(ins.map((f) => ({ txid: f.txid, vout: 0, scriptSig: new Uint8Array() })),
			[{ script: scripts[k++ % scripts.length], amount: sum - fee }], false, fee);
		add(e);
	}
	flush();
	return { txs: nFund + nCons, utxos: nFund - nCons * per + nCons, funding: nFund, consolidations: nCons,
		height: chain.tip.height };
}
