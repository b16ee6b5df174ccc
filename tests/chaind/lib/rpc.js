// The double's bitcoind mode: a JSON-RPC subset over the same chain state,
// enough for cofferd's bitcoind backend and the payment suites: node calls
// (getblockchaininfo, estimatesmartfee, sendrawtransaction, getrawtransaction,
// testmempoolaccept, getmempoolentry) and watch-only
// descriptor wallets (createwallet, loadwallet, importdescriptors,
// getaddressinfo, listtransactions, listsinceblock, gettransaction). Simplifications: a
// wallet sees every transaction touching its scripts whatever the import
// timestamp (as if every import rescanned from genesis), one listtransactions
// entry per transaction, no conflicted entries.
import { hex } from '@scure/base';
import { RejectError } from './chain.js';
import { parseDescriptor } from './descriptor.js';

export class RpcError extends Error {
	constructor(code, message) {
		super(message);
		this.code = code;
	}
}

const SAT = 100000000;

export class Wallets {
	constructor(chain) {
		this.chain = chain;
		this.wallets = new Map();	// name -> {loaded, watchOnly, descs: [], scripts: Set(hex)}
	}

	get(name) {
		const w = this.wallets.get(name);
		if (!w || !w.loaded)
			throw new RpcError(-18, `Requested wallet does not exist or is not loaded`);
		return w;
	}

	/* Scripts a wallet watches, and the transactions that touch them. */
	walletTxs(w) {
		const ids = new Set();
		for (const s of w.scripts)
			for (const t of this.chain.byScript.get(s) ?? [])
				ids.add(t);
		return [...ids].map((t) => this.chain.txs.get(t));
	}

	touches(w, e) {
		return e.outputs.some((o) => w.scripts.has(hex.encode(o.script))) ||
			(!e.faucet && e.inputs.some((i) => w.scripts.has(hex.encode(this.chain.txs.get(i.txid).outputs[i.vout].script))));
	}

	status(e) {
		if (e.height === 0)
			return { confirmations: 0 };
		return { confirmations: this.chain.tip.height - e.height + 1, blockhash: e.block.hash, blockheight: e.height,
			blockindex: e.pos, blocktime: e.block.time };
	}
}

function entry(ws, w, e) {
	const mine = e.outputs.map((o, v) => ({ o, v })).filter(({ o }) => w.scripts.has(hex.encode(o.script)));
	const recv = mine.length > 0 && (e.faucet || !e.inputs.some((i) =>
		w.scripts.has(hex.encode(ws.chain.txs.get(i.txid).outputs[i.vout].script))));
	const first = mine[0];
	return { address: first ? ws.chain.scriptAddress(first.o.script) : undefined,
		category: recv ? 'receive' : 'send', amount: first ? Number(first.o.amount) / SAT : 0,
		vout: first ? first.v : 0, ...ws.status(e), txid: e.txid, time: e.block ? e.block.time : 0 };
}

const toBtc = (sat) => Number(sat) / SAT;
const MAX_PACKAGE_COUNT = 25;

/* A fee rate argument in BTC/kvB (number or decimal string) → sat/kvB, as Core's ParseFeeRate. */
function feeRateArg(v, dflt) {
	if (v === undefined || v === null)
		return dflt;
	const n = typeof v === 'string' ? Number(v) : v;
	if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
		throw new RpcError(-3, 'Invalid amount');
	if (n >= 1)
		throw new RpcError(-8, 'Fee rates larger than or equal to 1BTC/kvB are not accepted');
	return BigInt(Math.round(n * SAT));
}

/*
 * testmempoolaccept ["rawtx"] (maxfeerate): Core's answer for one transaction,
 * from the same checks as a broadcast (Chain.validate) without changing the
 * mempool: [{txid, wtxid, allowed, vsize, fees: {base, effective-feerate,
 * effective-includes}}] when allowed, else [{txid, wtxid, allowed: false,
 * reject-reason, reject-details?}]. As Core: inputs unknown or spent on chain
 * are "missing-inputs" (no details), a transaction in the mempool is
 * "txn-already-in-mempool" (same txid, other witness:
 * "txn-same-nonwitness-data-in-mempool"), one in a block "txn-already-known"
 * (or "missing-inputs" once every output of it is spent in a block),
 * a fee over maxfeerate (default 0.10 BTC/kvB, 0 = no limit)
 * "max-fee-exceeded". The double tests one transaction per call (no package
 * validation: more than one is refused with -8).
 */
function testMempoolAccept(chain, rawtxs, maxfeerate) {
	if (!Array.isArray(rawtxs))
		throw new RpcError(-3, 'Expected type array, got ' + typeof rawtxs);
	if (rawtxs.length < 1 || rawtxs.length > MAX_PACKAGE_COUNT)
		throw new RpcError(-8, `Array must contain between 1 and ${MAX_PACKAGE_COUNT} transactions.`);
	if (rawtxs.length > 1)
		throw new RpcError(-8, 'the chain double tests one transaction per call (no package validation)');
	const maxKvb = feeRateArg(maxfeerate, 10000000n);
	let e;
	try {
		e = chain.decode(rawtxs[0]);
	} catch (err) {
		if (err instanceof RejectError)
			throw new RpcError(-22, 'TX decode failed for tx 0. Make sure the tx has at least one input.');
		throw err;
	}
	const out = { txid: e.txid, wtxid: e.wtxid };
	const known = chain.txs.get(e.txid);
	if (known) {
		// In a block: "already known" while an output is unspent on chain; once all are spent, missing inputs.
		const spentInBlock = (v) => (chain.txs.get(chain.spends.get(`${e.txid}:${v}`))?.height ?? 0) > 0;
		if (known.height !== 0 && known.outputs.every((o, v) => spentInBlock(v)))
			return [{ ...out, allowed: false, 'reject-reason': 'missing-inputs' }];
		const reason = known.height !== 0 ? 'txn-already-known'
			: known.wtxid === e.wtxid ? 'txn-already-in-mempool' : 'txn-same-nonwitness-data-in-mempool';
		return [{ ...out, allowed: false, 'reject-reason': reason, 'reject-details': reason }];
	}
	try {
		chain.validate(e);
	} catch (err) {
		if (!(err instanceof RejectError))
			throw err;
		if (err.code === -25)
			return [{ ...out, allowed: false, 'reject-reason': 'missing-inputs' }];
		return [{ ...out, allowed: false, 'reject-reason': err.reason, 'reject-details': err.message }];
	}
	if (maxKvb > 0n && e.fee > maxKvb * BigInt(e.vsize) / 1000n)
		return [{ ...out, allowed: false, 'reject-reason': 'max-fee-exceeded' }];
	return [{ ...out, allowed: true, vsize: e.vsize, fees: { base: toBtc(e.fee),
		'effective-feerate': toBtc(e.fee * 1000n / BigInt(e.vsize)), 'effective-includes': [e.wtxid] } }];
}

/* In-mempool ancestors (parents first found) of a mempool entry, itself excluded. */
function ancestors(chain, e, out = new Set()) {
	for (const i of e.inputs) {
		const p = chain.txs.get(i.txid);
		if (!e.faucet && p && p.height === 0 && !out.has(p.txid)) {
			out.add(p.txid);
			ancestors(chain, p, out);
		}
	}
	return out;
}

/*
 * getmempoolentry txid: Core's fields vsize, weight, time, height,
 * descendant/ancestor counts and sizes, wtxid, fees {base, modified, ancestor,
 * descendant}, depends, spentby, bip125-replaceable, unbroadcast; -5 when the
 * transaction is not in the mempool (unknown, or in a block).
 */
function mempoolEntry(chain, txid) {
	const e = chain.txs.get(txid);
	if (!e || e.height !== 0)
		throw new RpcError(-5, 'Transaction not in mempool');
	const anc = [...ancestors(chain, e)].map((t) => chain.txs.get(t));
	const desc = [...chain.descendants(txid)].map((t) => chain.txs.get(t));
	const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0n);
	const depends = [...new Set(e.faucet ? [] : e.inputs.map((i) => i.txid))]
		.filter((t) => chain.txs.get(t)?.height === 0);
	const spentby = [...new Set(e.outputs.map((o, v) => chain.spends.get(`${txid}:${v}`)).filter(Boolean))];
	const replaceable = [e, ...anc].some((x) => x.inputs.some((i) => i.sequence < 0xfffffffe));
	return { vsize: e.vsize, weight: e.weight, time: chain.tip.time, height: chain.tip.height,
		descendantcount: desc.length + 1, descendantsize: e.vsize + desc.reduce((a, x) => a + x.vsize, 0),
		ancestorcount: anc.length + 1, ancestorsize: e.vsize + anc.reduce((a, x) => a + x.vsize, 0),
		wtxid: e.wtxid, fees: { base: toBtc(e.fee), modified: toBtc(e.fee), ancestor: toBtc(e.fee + sum(anc, (x) => x.fee)),
			descendant: toBtc(e.fee + sum(desc, (x) => x.fee)) },
		depends, spentby, 'bip125-replaceable': replaceable, unbroadcast: false };
}

const METHODS = {
	getblockchaininfo: (ws) => ({ chain: 'regtest', blocks: ws.chain.tip.height, headers: ws.chain.tip.height,
		bestblockhash: ws.chain.tip.hash, difficulty: 4.656542373906925e-10 }),
	getbestblockhash: (ws) => ws.chain.tip.hash,
	getblockhash: (ws, w, [height]) => {
		if (!Number.isInteger(height) || height < 0 || height > ws.chain.tip.height)
			throw new RpcError(-8, 'Block height out of range');
		return ws.chain.blocks[height].hash;
	},
	estimatesmartfee: (ws, w, [target]) => {
		const keys = Object.keys(ws.chain.feeEstimates).map(Number).sort((a, b) => a - b);
		if (keys.length === 0)
			return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
		const k = [...keys].reverse().find((x) => x <= target) ?? keys[0];
		return { feerate: ws.chain.feeEstimates[k] * 1000 / SAT, blocks: k };
	},
	sendrawtransaction: (ws, w, [rawHex]) => {
		try {
			return ws.chain.broadcast(rawHex);
		} catch (e) {
			if (e instanceof RejectError)
				throw new RpcError(e.code, e.message);
			throw e;
		}
	},
	testmempoolaccept: (ws, w, [rawtxs, maxfeerate]) => testMempoolAccept(ws.chain, rawtxs, maxfeerate),
	getmempoolentry: (ws, w, [txid]) => mempoolEntry(ws.chain, txid),
	getrawtransaction: (ws, w, [txid, verbose]) => {
		const e = ws.chain.txs.get(txid);
		if (!e)
			throw new RpcError(-5, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
		if (!verbose)
			return hex.encode(e.raw);
		return { txid, hex: hex.encode(e.raw), ...ws.status(e) };
	},
	createwallet: (ws, w, [name, disablePrivateKeys, blank, , , descriptors]) => {
		if (ws.wallets.has(name))
			throw new RpcError(-4, `Wallet file verification failed. Failed to create database path. Database already exists.`);
		ws.wallets.set(name, { loaded: true, watchOnly: disablePrivateKeys === true, blank: blank === true,
			descriptors: descriptors !== false, descs: [], scripts: new Set() });
		return { name, warning: '' };
	},
	loadwallet: (ws, w, [name]) => {
		const x = ws.wallets.get(name);
		if (!x)
			throw new RpcError(-18, `Wallet file verification failed. Failed to load database path '${name}'. Path does not exist.`);
		if (x.loaded)
			throw new RpcError(-35, `Wallet file verification failed. Wallet "${name}" is already loaded.`);
		x.loaded = true;
		return { name, warning: '' };
	},
	unloadwallet: (ws, w) => {
		w.loaded = false;
		return { warning: '' };
	},
	importdescriptors: (ws, w, [requests]) => {
		if (!Array.isArray(requests))
			throw new RpcError(-3, 'Expected type array');
		return requests.map((r) => {
			try {
				if (!w.watchOnly)
					throw new Error('Cannot import descriptor without private keys to a wallet with private keys enabled');
				const d = parseDescriptor(r.desc, ws.chain.net);
				if (d.ranged && !Array.isArray(r.range))
					throw new Error('Ranged descriptors need a range in this double');
				const [lo, hi] = d.ranged ? r.range : [0, 0];
				if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < lo || hi - lo > 100000)
					throw new Error('Range is invalid');
				for (let i = lo; i <= hi; i++)
					w.scripts.add(hex.encode(d.script(i)));
				w.descs.push({ desc: r.desc, range: [lo, hi], internal: r.internal === true, timestamp: r.timestamp });
				return { success: true };
			} catch (e) {
				return { success: false, error: { code: -5, message: e.message } };
			}
		});
	},
	getaddressinfo: (ws, w, [address]) => {
		let script;
		try {
			script = hex.encode(ws.chain.addressScript(address));
		} catch {
			throw new RpcError(-5, 'Invalid address');
		}
		const mine = w.scripts.has(script);
		return { address, scriptPubKey: script, ismine: mine, iswatchonly: false, solvable: mine };
	},
	listtransactions: (ws, w, [label = '*', count = 10, skip = 0]) => {
		if (label !== '*')
			throw new RpcError(-8, 'Label argument must be a valid label name or "*".');
		const all = ws.walletTxs(w).sort((a, b) => {
			const ha = a.height || Infinity, hb = b.height || Infinity;
			if (ha !== hb)
				return ha - hb;
			if (a.height)
				return a.pos - b.pos;
			return ws.chain.mempool.indexOf(a.txid) - ws.chain.mempool.indexOf(b.txid);
		});
		const end = Math.max(0, all.length - skip);
		return all.slice(Math.max(0, end - count), end).map((e) => entry(ws, w, e));
	},
	listsinceblock: (ws, w, [blockhash]) => {
		// Transactions in blocks after blockhash (which must be on the chain here)
		// and unconfirmed ones; no "removed" list (include_removed is not needed).
		let since = -1;
		if (blockhash !== undefined && blockhash !== '') {
			const b = ws.chain.byHash.get(blockhash);
			if (!b)
				throw new RpcError(-5, 'Block not found');
			since = b.height;
		}
		const txs = ws.walletTxs(w).filter((e) => e.height === 0 || e.height > since);
		return { transactions: txs.map((e) => entry(ws, w, e)), removed: [], lastblock: ws.chain.tip.hash };
	},
	gettransaction: (ws, w, [txid]) => {
		const e = ws.chain.txs.get(txid);
		if (!e || !ws.touches(w, e))
			throw new RpcError(-5, 'Invalid or non-wallet transaction id');
		return { txid, hex: hex.encode(e.raw), ...ws.status(e), details: [], time: e.block ? e.block.time : 0 };
	},
};

const WALLET_METHODS = new Set(['importdescriptors', 'getaddressinfo', 'listtransactions', 'listsinceblock',
	'gettransaction', 'unloadwallet']);

/* Answer one JSON-RPC request body for path "/" or "/wallet/<name>": [status, body]. */
export function rpcAnswer(ws, path, body) {
	let req;
	try {
		req = JSON.parse(body);
	} catch {
		return [500, { result: null, error: { code: -32700, message: 'Parse error' }, id: null }];
	}
	const id = req?.id ?? null;
	const fn = METHODS[req?.method];
	if (!fn)
		return [404, { result: null, error: { code: -32601, message: 'Method not found' }, id }];
	try {
		let w = null;
		if (WALLET_METHODS.has(req.method)) {
			const m = /^\/wallet\/([A-Za-z0-9._-]+)$/.exec(path);
			if (!m)
				throw new RpcError(-19, 'Wallet file not specified (must request wallet RPC through /wallet/<filename> uri-path).');
			w = ws.get(m[1]);
		}
		const result = fn(ws, w, Array.isArray(req.params) ? req.params : []);
		return [200, { result, error: null, id }];
	} catch (e) {
		if (e instanceof RpcError)
			return [500, { result: null, error: { code: e.code, message: e.message }, id }];
		return [500, { result: null, error: { code: -1, message: e.message }, id }];
	}
}
