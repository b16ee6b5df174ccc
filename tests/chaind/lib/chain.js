// The chain double's state: blocks, transactions, the spent-output index and a
// mempool with BIP125-style replacement. Everything a broadcast spends is
// checked (existence, double spends, amounts, fee, dust, signatures) before
// the transaction is accepted. Faucet transactions are the only ones taken on
// trust: they spend a made-up outpoint, like a coinbase.
import * as btc from '@scure/btc-signer';
import { hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { verifyInputs, VerifyError } from './verify.js';

export const NETWORKS = {
	bitcoin: btc.NETWORK,
	testnet: btc.TEST_NETWORK,
	testnet4: btc.TEST_NETWORK,
	signet: btc.TEST_NETWORK,
	regtest: Object.freeze({ bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef }),
};

const TX_OPTS = { allowUnknownOutputs: true, allowUnknownInputs: true, disableScriptCheck: true };
const SEQ_FINAL = 0xffffffff;
const MAX_MONEY = 21000000n * 100000000n;
const MIN_RELAY_SAT_VB = 1n;
const MAX_REPLACEMENTS = 100;
export const START_TIME = 1700000000;

/*
 * A refusal as bitcoind words it: RPC code, message ("reason, details" as
 * Core's TxValidationState::ToString) and the bare reject reason
 * (testmempoolaccept's "reject-reason"; by default the message up to ", ").
 */
export class RejectError extends Error {
	constructor(code, message, reason) {
		super(message);
		this.code = code;
		this.reason = reason ?? message.split(', ')[0];
	}
}

const sha256d = (b) => sha256(sha256(b));
const rev = (b) => Uint8Array.from(b).reverse();
const hashHex = (b) => hex.encode(rev(b));		// display order
export const scripthash = (script) => hex.encode(rev(sha256(script)));

function u32le(v) {
	const b = new Uint8Array(4);
	new DataView(b.buffer).setUint32(0, v >>> 0, true);
	return b;
}

function concat(...parts) {
	const n = parts.reduce((a, p) => a + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

function merkleRoot(txids) {
	if (txids.length === 0)
		return new Uint8Array(32);
	let level = txids.map((t) => rev(hex.decode(t)));
	while (level.length > 1) {
		const next = [];
		for (let i = 0; i < level.length; i += 2)
			next.push(sha256d(concat(level[i], level[i + 1] ?? level[i])));
		level = next;
	}
	return level[0];
}

/* Lowest output value relay accepts for a script (Bitcoin Core's dust at 3 sat/vB). */
function dustLimit(script) {
	if (script.length > 0 && script[0] === 0x6a)
		return 0n;		// OP_RETURN
	if (script.length === 22 && script[0] === 0x00)
		return 294n;		// P2WPKH
	if (script.length === 34 && (script[0] === 0x00 || script[0] === 0x51))
		return 330n;		// P2WSH, P2TR
	if (script.length === 23 && script[0] === 0xa9)
		return 540n;		// P2SH
	return 546n;
}

const signals = (e) => e.inputs.some((i) => i.sequence < 0xfffffffe);
const feerateLess = (feeA, vsizeA, feeB, vsizeB) => feeA * BigInt(vsizeB) < feeB * BigInt(vsizeA);

export class Chain {
	constructor({ network = 'regtest', startTime = START_TIME } = {}) {
		if (!NETWORKS[network])
			throw new Error(`unknown network ${network}`);
		this.networkName = network;
		this.net = NETWORKS[network];
		this.startTime = startTime;
		this.blocks = [];		// {hash, height, time, prev, txids, merkle, nonce}
		this.byHash = new Map();	// block hash -> block
		this.txs = new Map();		// txid -> entry
		this.spends = new Map();	// "txid:vout" -> spending txid
		this.mempool = [];		// txids in acceptance order (parents first)
		this.byScript = new Map();	// script hex -> Set of txids touching it
		this.scriptOfHash = new Map();	// scripthash -> script hex
		this.scriptGen = new Map();	// script hex -> changes to its history (views cache by it)
		this.faucetCount = 0;
		this.nonce = 0;
		this.feeEstimates = { 1: 20.5, 2: 15.1, 3: 10.2, 6: 5.3, 12: 3.1, 144: 1.1, 504: 1, 1008: 1 };
		this.mineBlock([]);
	}

	get tip() {
		return this.blocks[this.blocks.length - 1];
	}

	addressScript(address) {
		try {
			return btc.OutScript.encode(btc.Address(this.net).decode(address));
		} catch {
			throw new RejectError(-5, 'Invalid Bitcoin address');
		}
	}

	scriptAddress(script) {
		try {
			return btc.Address(this.net).encode(btc.OutScript.decode(script));
		} catch {
			return undefined;
		}
	}

	// ---- entries and indexes -------------------------------------------

	makeEntry(raw, faucet) {
		let tx;
		try {
			tx = btc.Transaction.fromRaw(raw, TX_OPTS);
		} catch (e) {
			throw new RejectError(-22, `TX decode failed (${e.message})`);
		}
		const inputs = [];
		for (let i = 0; i < tx.inputsLength; i++) {
			const inp = tx.getInput(i);
			inputs.push({ txid: hex.encode(inp.txid), vout: inp.index, sequence: inp.sequence ?? SEQ_FINAL,
				scriptSig: inp.finalScriptSig ?? new Uint8Array(), witness: inp.finalScriptWitness ?? [] });
		}
		const outputs = [];
		for (let i = 0; i < tx.outputsLength; i++) {
			const o = tx.getOutput(i);
			outputs.push({ script: o.script, amount: o.amount });
		}
		return { txid: tx.id, wtxid: hashHex(sha256d(raw)), raw, tx, inputs, outputs, vsize: tx.vsize,
			weight: tx.weight, size: raw.length, fee: 0n, faucet, height: 0, block: null };
	}

	/* A transaction's history changed (indexed, mined, reorganised): its scripts' cached views are stale. */
	touch(e) {
		const bump = (script) => {
			const k = hex.encode(script);
			this.scriptGen.set(k, (this.scriptGen.get(k) ?? 0) + 1);
		};
		for (const o of e.outputs)
			bump(o.script);
		if (!e.faucet)
			for (const i of e.inputs)
				bump(this.txs.get(i.txid).outputs[i.vout].script);
	}

	index(e) {
		const touch = (script) => {
			const k = hex.encode(script);
			if (!this.byScript.has(k)) {
				this.byScript.set(k, new Set());
				this.scriptOfHash.set(scripthash(script), k);
			}
			this.byScript.get(k).add(e.txid);
			this.scriptGen.set(k, (this.scriptGen.get(k) ?? 0) + 1);
		};
		for (const o of e.outputs)
			touch(o.script);
		if (!e.faucet)
			for (const i of e.inputs)
				touch(this.txs.get(i.txid).outputs[i.vout].script);
	}

	unindex(e) {
		const drop = (script) => {
			const k = hex.encode(script);
			this.byScript.get(k)?.delete(e.txid);
			this.scriptGen.set(k, (this.scriptGen.get(k) ?? 0) + 1);
		};
		for (const o of e.outputs)
			drop(o.script);
		if (!e.faucet)
			for (const i of e.inputs)
				drop(this.txs.get(i.txid).outputs[i.vout].script);
	}

	addEntry(e) {
		this.txs.set(e.txid, e);
		if (!e.faucet)
			for (const i of e.inputs)
				this.spends.set(`${i.txid}:${i.vout}`, e.txid);
		this.index(e);
		this.mempool.push(e.txid);
	}

	/* Remove a mempool transaction and everything that spends it (children first). */
	removeWithDescendants(txid, removed = []) {
		const e = this.txs.get(txid);
		if (!e || e.height !== 0)
			return removed;
		for (let v = 0; v < e.outputs.length; v++) {
			const child = this.spends.get(`${txid}:${v}`);
			if (child)
				this.removeWithDescendants(child, removed);
		}
		this.unindex(e);
		if (!e.faucet)
			for (const i of e.inputs)
				this.spends.delete(`${i.txid}:${i.vout}`);
		this.txs.delete(txid);
		this.mempool = this.mempool.filter((t) => t !== txid);
		removed.push(txid);
		return removed;
	}

	descendants(txid, out = new Set()) {
		const e = this.txs.get(txid);
		if (!e)
			return out;
		for (let v = 0; v < e.outputs.length; v++) {
			const child = this.spends.get(`${txid}:${v}`);
			if (child && !out.has(child)) {
				out.add(child);
				this.descendants(child, out);
			}
		}
		return out;
	}

	// ---- control: faucet, mine, reorg ----------------------------------

	/* A funding transaction paying amount_sat to address, in the mempool. */
	faucet(address, amountSat) {
		const amount = BigInt(amountSat);
		if (amount <= 0n || amount > MAX_MONEY)
			throw new RejectError(-3, 'amount out of range');
		const script = this.addressScript(address);
		this.faucetCount++;
		const prev = sha256(new TextEncoder().encode(`coffer-chaind-faucet-${this.faucetCount}`));
		const value = new Uint8Array(8);
		new DataView(value.buffer).setBigUint64(0, amount, true);
		const tag = u32le(this.faucetCount);
		const raw = concat(u32le(2), Uint8Array.of(1), prev, u32le(0), Uint8Array.of(5, 4), tag,
			u32le(SEQ_FINAL), Uint8Array.of(1), value, Uint8Array.of(script.length), script, u32le(0));
		const e = this.makeEntry(raw, true);
		this.addEntry(e);
		return e.txid;
	}

	mineBlock(txids) {
		const prev = this.blocks.length ? this.tip : null;
		const height = prev ? prev.height + 1 : 0;
		const time = this.startTime + height * 600;
		const merkle = merkleRoot(txids);
		const nonce = this.nonce++;
		const header = concat(u32le(0x20000000), prev ? rev(hex.decode(prev.hash)) : new Uint8Array(32), merkle,
			u32le(time), u32le(0x207fffff), u32le(nonce));
		const b = { hash: hashHex(sha256d(header)), height, time, prev: prev ? prev.hash : null, txids,
			merkle: hashHex(merkle), nonce, size: 80 + txids.reduce((a, t) => a + this.txs.get(t).size, 0),
			weight: 320 + txids.reduce((a, t) => a + this.txs.get(t).weight, 0) };
		txids.forEach((t, pos) => {
			const e = this.txs.get(t);
			e.height = height;
			e.block = b;
			e.pos = pos;	// place in its block (indexOf over a big block is too slow)
			this.touch(e);
		});
		this.blocks.push(b);
		this.byHash.set(b.hash, b);
		return b;
	}

	/* Mine n blocks; the first takes the whole mempool unless empty is set. */
	mine(n = 1, { empty = false } = {}) {
		const hashes = [];
		for (let k = 0; k < n; k++) {
			const txids = empty || k > 0 ? [] : this.mempool;
			if (!empty && k === 0)
				this.mempool = [];
			hashes.push(this.mineBlock(txids).hash);
		}
		return hashes;
	}

	/*
	 * Disconnect the top depth blocks; their transactions go back to the
	 * mempool (or vanish with their descendants when drop is set). Then mine
	 * `blocks` empty blocks (default depth + 1, so the new chain is longer).
	 */
	reorg(depth, { blocks, drop = false } = {}) {
		if (!Number.isInteger(depth) || depth < 1 || depth >= this.blocks.length)
			throw new RejectError(-8, 'reorg depth out of range');
		const back = [];
		for (let k = 0; k < depth; k++) {
			const b = this.blocks.pop();
			this.byHash.delete(b.hash);
			back.unshift(...b.txids);
		}
		for (const t of back) {
			const e = this.txs.get(t);
			e.height = 0;
			e.block = null;
			this.touch(e);
		}
		this.mempool = [...back, ...this.mempool];
		if (drop)
			for (const t of back)
				this.removeWithDescendants(t);
		return this.mine(blocks ?? depth + 1, { empty: true });
	}

	// ---- broadcast -------------------------------------------------------

	/* Decode a raw transaction (hex) into an entry, or throw RejectError -22. */
	decode(rawHex) {
		if (typeof rawHex !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(rawHex))
			throw new RejectError(-22, 'TX decode failed (not hex)');
		return this.makeEntry(hex.decode(rawHex.toLowerCase()), false);
	}

	/* Validate and accept a raw transaction; returns its txid or throws RejectError. */
	broadcast(rawHex) {
		const e = this.decode(rawHex);
		const known = this.txs.get(e.txid);
		if (known) {
			if (known.height === 0)
				return e.txid;	// already in the mempool: as bitcoind, not an error
			// As bitcoind: "already in utxo set" while an output is unspent on chain; once every
			// one is spent in a block, the re-send is checked as new and its inputs are spent.
			const spentInBlock = (v) => (this.txs.get(this.spends.get(`${e.txid}:${v}`))?.height ?? 0) > 0;
			if (!known.outputs.every((o, v) => spentInBlock(v)))
				throw new RejectError(-27, 'Transaction outputs already in utxo set');
			throw new RejectError(-25, 'bad-txns-inputs-missingorspent');
		}
		const conflicts = this.validate(e);
		for (const c of conflicts)
			this.removeWithDescendants(c);
		this.addEntry(e);
		return e.txid;
	}

	/*
	 * Every acceptance check of a new (unknown) entry, changing nothing: sets
	 * e.fee and returns the mempool txids it replaces, or throws RejectError.
	 * broadcast() and testmempoolaccept (lib/rpc.js) share it.
	 */
	validate(e) {
		if (e.inputs.length === 0)
			throw new RejectError(-26, 'bad-txns-vin-empty');
		if (e.outputs.length === 0)
			throw new RejectError(-26, 'bad-txns-vout-empty');
		const seen = new Set();
		const prevouts = [];
		const conflicts = new Set();
		let inSum = 0n;
		for (const i of e.inputs) {
			const k = `${i.txid}:${i.vout}`;
			if (seen.has(k))
				throw new RejectError(-26, 'bad-txns-inputs-duplicate');
			seen.add(k);
			const parent = this.txs.get(i.txid);
			if (!parent || i.vout >= parent.outputs.length)
				throw new RejectError(-25, 'bad-txns-inputs-missingorspent');
			const spender = this.spends.get(k);
			if (spender) {
				if (this.txs.get(spender).height !== 0)
					throw new RejectError(-25, 'bad-txns-inputs-missingorspent');
				conflicts.add(spender);
			}
			prevouts.push(parent.outputs[i.vout]);
			inSum += parent.outputs[i.vout].amount;
		}
		let outSum = 0n;
		for (const o of e.outputs) {
			if (o.amount < 0n || o.amount > MAX_MONEY)
				throw new RejectError(-26, 'bad-txns-vout-toolarge');
			if (o.amount < dustLimit(o.script))
				throw new RejectError(-26, 'dust');
			outSum += o.amount;
		}
		if (outSum > MAX_MONEY)
			throw new RejectError(-26, 'bad-txns-txouttotal-toolarge');
		if (outSum > inSum)
			throw new RejectError(-26, `bad-txns-in-belowout, value in (${inSum}) < value out (${outSum})`);
		const lt = e.tx.lockTime;
		if (lt !== 0 && lt < 500000000 && lt > this.tip.height && e.inputs.some((i) => i.sequence !== SEQ_FINAL))
			throw new RejectError(-26, 'non-final');
		e.fee = inSum - outSum;
		if (e.fee < MIN_RELAY_SAT_VB * BigInt(e.vsize))
			throw new RejectError(-26, `min relay fee not met, ${e.fee} < ${MIN_RELAY_SAT_VB * BigInt(e.vsize)}`);
		try {
			verifyInputs(e.tx, prevouts);
		} catch (err) {
			if (err instanceof VerifyError)
				{
				const m = `mandatory-script-verify-flag-failed (${err.message})`;
				throw new RejectError(-26, m, m);
			}
			throw err;
		}
		if (conflicts.size > 0)
			this.checkReplacement(e, conflicts);
		return conflicts;
	}

	/* BIP125 rules 1-5 (signalling, no new unconfirmed parents aside, fees, count). */
	checkReplacement(e, conflicts) {
		const evicted = new Set(conflicts);
		for (const c of conflicts) {
			if (!signals(this.txs.get(c)))
				throw new RejectError(-26, 'txn-mempool-conflict');
			for (const d of this.descendants(c))
				evicted.add(d);
		}
		if (evicted.size > MAX_REPLACEMENTS)
			throw new RejectError(-26, `too many potential replacements (${evicted.size} > ${MAX_REPLACEMENTS})`,
				'too many potential replacements');
		for (const i of e.inputs)
			if (evicted.has(i.txid))
				throw new RejectError(-26, 'bad-txns-spends-conflicting-tx');
		for (const c of conflicts) {
			const o = this.txs.get(c);
			if (!feerateLess(o.fee, o.vsize, e.fee, e.vsize))
				throw new RejectError(-26, `insufficient fee, rejecting replacement ${e.txid}; new feerate not above ${c}'s`);
		}
		let evictedFees = 0n;
		for (const t of evicted)
			evictedFees += this.txs.get(t).fee;
		if (e.fee < evictedFees + MIN_RELAY_SAT_VB * BigInt(e.vsize))
			throw new RejectError(-26, `insufficient fee, rejecting replacement ${e.txid}, not enough additional fees to relay`);
	}
}
