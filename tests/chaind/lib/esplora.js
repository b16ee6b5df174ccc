// Esplora's JSON shapes (the subset cofferd reads), built from the chain state.
import * as btc from '@scure/btc-signer';
import { hex } from '@scure/base';

const PAGE_MEMPOOL = 50;
const PAGE_CHAIN = 25;

function scriptType(script) {
	try {
		const t = btc.OutScript.decode(script).type;
		return { pkh: 'p2pkh', sh: 'p2sh', wpkh: 'v0_p2wpkh', wsh: 'v0_p2wsh', tr: 'v1_p2tr' }[t] ?? t;
	} catch {
		return script[0] === 0x6a ? 'op_return' : 'unknown';
	}
}

export function statusJson(e) {
	if (e.height === 0)
		return { confirmed: false };
	return { confirmed: true, block_height: e.height, block_hash: e.block.hash, block_time: e.block.time };
}

/* Type and address of a script, remembered: decoding a taproot output key checks it
 * is on the curve (a square root), too slow to repeat for every output of every page. */
const scriptInfo = new Map();

function outJson(chain, o) {
	const h = hex.encode(o.script);
	let info = scriptInfo.get(h);
	if (info === undefined) {
		info = { type: scriptType(o.script), address: chain.scriptAddress(o.script) };
		if (scriptInfo.size > 1000000)
			scriptInfo.clear();
		scriptInfo.set(h, info);
	}
	const j = { scriptpubkey: h, scriptpubkey_asm: '', scriptpubkey_type: info.type, value: Number(o.amount) };
	if (info.address !== undefined)
		j.scriptpubkey_address = info.address;
	return j;
}

export function txJson(chain, e) {
	return {
		txid: e.txid,
		version: e.tx.version,
		locktime: e.tx.lockTime,
		vin: e.inputs.map((i) => ({
			txid: i.txid,
			vout: i.vout,
			prevout: e.faucet ? null : outJson(chain, chain.txs.get(i.txid).outputs[i.vout]),
			scriptsig: hex.encode(i.scriptSig),
			scriptsig_asm: '',
			witness: i.witness.length ? i.witness.map((w) => hex.encode(w)) : undefined,
			is_coinbase: false,
			sequence: i.sequence,
		})),
		vout: e.outputs.map((o) => outJson(chain, o)),
		size: e.size,
		weight: e.weight,
		fee: Number(e.fee),
		status: statusJson(e),
	};
}

/* Sort key: position in the chain (height, then place in its block). */
function chainPos(e) {
	return e.height * 1e6 + e.pos;
}

/*
 * History of a script as Esplora pages it: up to 50 mempool transactions
 * (newest first) then up to 25 confirmed ones (newest first); with lastSeen,
 * the 25 confirmed ones after that txid.
 */
const confirmedCache = new WeakMap();	// chain -> Map(script hex -> {gen, confirmed})

/* A script's confirmed history, newest first; sorted once per change of that script's history. */
function confirmedOf(chain, scriptHex, set) {
	let m = confirmedCache.get(chain);
	if (m === undefined)
		confirmedCache.set(chain, m = new Map());
	const gen = chain.scriptGen.get(scriptHex) ?? 0;
	const c = m.get(scriptHex);
	if (c !== undefined && c.gen === gen)
		return c.confirmed;
	const confirmed = [...set].map((t) => chain.txs.get(t)).filter((e) => e.height > 0)
		.sort((a, b) => chainPos(b) - chainPos(a));
	m.set(scriptHex, { gen, confirmed });
	return confirmed;
}

export function scriptTxs(chain, scriptHex, lastSeen) {
	const set = chain.byScript.get(scriptHex) ?? new Set();
	const confirmed = confirmedOf(chain, scriptHex, set);
	if (lastSeen !== undefined) {
		const k = confirmed.findIndex((e) => e.txid === lastSeen);
		if (k < 0)
			return null;
		return confirmed.slice(k + 1, k + 1 + PAGE_CHAIN).map((e) => txJson(chain, e));
	}
	const mem = chain.mempool.filter((t) => set.has(t)).reverse().slice(0, PAGE_MEMPOOL);
	return [...mem.map((t) => txJson(chain, chain.txs.get(t))),
		...confirmed.slice(0, PAGE_CHAIN).map((e) => txJson(chain, e))];
}

export function scriptUtxos(chain, scriptHex) {
	const set = chain.byScript.get(scriptHex) ?? new Set();
	const out = [];
	for (const t of set) {
		const e = chain.txs.get(t);
		e.outputs.forEach((o, v) => {
			if (hex.encode(o.script) === scriptHex && !chain.spends.has(`${t}:${v}`))
				out.push({ txid: t, vout: v, status: statusJson(e), value: Number(o.amount) });
		});
	}
	return out;
}

export function outspends(chain, e) {
	return e.outputs.map((_, v) => {
		const s = chain.spends.get(`${e.txid}:${v}`);
		if (!s)
			return { spent: false };
		const c = chain.txs.get(s);
		return { spent: true, txid: s, vin: c.inputs.findIndex((i) => i.txid === e.txid && i.vout === v),
			status: statusJson(c) };
	});
}

export function blockJson(chain, b) {
	return { id: b.hash, height: b.height, version: 0x20000000, timestamp: b.time, tx_count: b.txids.length,
		size: b.size, weight: b.weight, merkle_root: b.merkle, previousblockhash: b.prev, mediantime: b.time,
		nonce: b.nonce, bits: 0x207fffff, difficulty: 0 };
}
