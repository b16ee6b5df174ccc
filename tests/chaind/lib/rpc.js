// The double's bitcoind mode: a JSON-RPC subset over the same chain state,
// enough for cofferd's bitcoind backend: node calls (getblockchaininfo,
// estimatesmartfee, sendrawtransaction, getrawtransaction) and watch-only
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
