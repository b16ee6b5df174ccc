// The double's testmempoolaccept and getmempoolentry (bitcoind mode): Core's
// result shape, the same verdict a broadcast would get, and nothing changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as btc from '@scure/btc-signer';
import { hex } from '@scure/base';
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Chain, NETWORKS } from '../lib/chain.js';
import { createServer } from '../server.js';

const NET = NETWORKS.regtest;
let srv, base;

before(async () => {
	srv = createServer(new Chain());
	await new Promise((r) => srv.server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${srv.server.address().port}`;
});
after(() => {
	srv.server.close();
	srv.server.closeAllConnections();
});

async function post(path, body) {
	const r = await fetch(base + path, { method: 'POST', body: JSON.stringify(body) });
	assert.equal(r.status, 200);
	return r.json();
}
async function rpc(method, params = []) {
	const r = await fetch(base + '/', { method: 'POST',
		headers: { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') },
		body: JSON.stringify({ jsonrpc: '1.0', id: 't', method, params }) });
	return r.json();
}
const tma = async (hexes, maxfeerate) => {
	const j = await rpc('testmempoolaccept', maxfeerate === undefined ? [hexes] : [hexes, maxfeerate]);
	assert.equal(j.error, null, JSON.stringify(j.error));
	return j.result;
};
const send = async (h) => (await rpc('sendrawtransaction', [h]));

let n = 0;
function key(tr = false) {
	const priv = sha256(new TextEncoder().encode(`mempoolaccept-key-${n++}`));
	const pay = tr ? btc.p2tr(schnorr.getPublicKey(priv), undefined, NET) : btc.p2wpkh(secp256k1.getPublicKey(priv, true), NET);
	return { priv, address: pay.address, script: pay.script, tapInternalKey: pay.tapInternalKey };
}
async function fund(k, amount, mine = true) {
	const { txid } = await post('/faucet', { address: k.address, amount_sat: amount });
	if (mine)
		await post('/mine', { blocks: 1 });
	const raw = (await rpc('getrawtransaction', [txid])).result;
	const tx = btc.Transaction.fromRaw(hex.decode(raw), { allowUnknownOutputs: true });
	let vout = 0;
	for (let i = 0; i < tx.outputsLength; i++)
		if (hex.encode(tx.getOutput(i).script) === hex.encode(k.script))
			vout = i;
	return { txid, vout, amount: BigInt(amount), key: k };
}
function spend(utxos, outputs, { sequence = 0xfffffffd, amountSigned } = {}) {
	const tx = new btc.Transaction();
	for (const u of utxos)
		tx.addInput({ txid: u.txid, index: u.vout, sequence,
			witnessUtxo: { script: u.key.script, amount: amountSigned ?? u.amount },
			...(u.key.tapInternalKey ? { tapInternalKey: u.key.tapInternalKey } : {}) });
	for (const o of outputs)
		tx.addOutputAddress(o.address, BigInt(o.amount), NET);
	utxos.forEach((u, i) => tx.signIdx(u.key.priv, i));
	tx.finalize();
	const raw = tx.extract();
	return { hex: hex.encode(raw), txid: tx.id, vsize: tx.vsize,
		wtxid: hex.encode(sha256(sha256(raw)).reverse()) };
}

test('an acceptable transaction: Core\'s shape, and the mempool unchanged', async () => {
	const a = key(), b = key(true);
	const u = await fund(a, 100000);
	const s = spend([u], [{ address: b.address, amount: 98590 }]);
	const mempool = async () => (await fetch(base + '/mempool/txids')).json();
	const before = await mempool();
	const [r] = await tma([s.hex]);
	assert.deepEqual(await mempool(), before);
	assert.deepEqual(Object.keys(r).sort(), ['allowed', 'fees', 'txid', 'vsize', 'wtxid']);
	assert.equal(r.txid, s.txid);
	assert.equal(r.wtxid, s.wtxid);
	assert.notEqual(r.wtxid, r.txid);
	assert.equal(r.allowed, true);
	assert.equal(r.vsize, s.vsize);
	assert.equal(r.fees.base, 0.0000141);
	assert.equal(r.fees['effective-feerate'], Math.floor(1410 * 1000 / s.vsize) / 1e8);
	assert.deepEqual(r.fees['effective-includes'], [s.wtxid]);
	assert.equal((await rpc('getmempoolentry', [s.txid])).error.code, -5);
	// Now sent: the same bytes are "already in the mempool", and the entry is there.
	assert.equal((await send(s.hex)).result, s.txid);
	const [again] = await tma([s.hex]);
	assert.deepEqual(again, { txid: s.txid, wtxid: s.wtxid, allowed: false,
		'reject-reason': 'txn-already-in-mempool', 'reject-details': 'txn-already-in-mempool' });
	const me = (await rpc('getmempoolentry', [s.txid])).result;
	assert.equal(me.vsize, s.vsize);
	assert.equal(me.wtxid, s.wtxid);
	assert.equal(me.fees.base, 0.0000141);
	assert.deepEqual(me.depends, []);
	assert.deepEqual(me.spentby, []);
	assert.equal(me['bip125-replaceable'], true);
	assert.equal(me.ancestorcount, 1);
	// A child: depends on its parent, the parent is spent by it, ancestor fees add up.
	const c = key();
	const child = spend([{ txid: s.txid, vout: 0, amount: 98590n, key: b }], [{ address: c.address, amount: 97000 }]);
	assert.equal((await tma([child.hex]))[0].allowed, true);
	assert.equal((await send(child.hex)).result, child.txid);
	const ce = (await rpc('getmempoolentry', [child.txid])).result;
	assert.deepEqual(ce.depends, [s.txid]);
	assert.equal(ce.ancestorcount, 2);
	assert.equal(ce.fees.ancestor, (1410 + 1590) / 1e8);
	assert.deepEqual((await rpc('getmempoolentry', [s.txid])).result.spentby, [child.txid]);
	// Mined: out of the mempool; "already known" while an output is unspent, else missing inputs (as Core).
	await post('/mine', { blocks: 1 });
	assert.equal((await rpc('getmempoolentry', [s.txid])).error.code, -5);
	assert.equal((await tma([child.hex]))[0]['reject-reason'], 'txn-already-known');
	assert.equal((await tma([s.hex]))[0]['reject-reason'], 'missing-inputs');
});

test('refusals carry Core\'s reject reasons, and nothing enters the mempool', async () => {
	const a = key(), b = key(), c = key();
	const u = await fund(a, 100000);
	const reason = async (h) => {
		const [r] = await tma([h]);
		assert.equal(r.allowed, false);
		assert.equal(r.fees, undefined);
		assert.equal((await rpc('getmempoolentry', [r.txid])).error.code, -5);
		return r;
	};
	// A signature over the wrong amount.
	let r = await reason(spend([u], [{ address: b.address, amount: 90000 }], { amountSigned: 100001n }).hex);
	assert.match(r['reject-reason'], /^mandatory-script-verify-flag-failed \(input 0: ECDSA/);
	// Dust, below the relay fee, more out than in.
	assert.equal((await reason(spend([u], [{ address: b.address, amount: 100 }]).hex))['reject-reason'], 'dust');
	r = await reason(spend([u], [{ address: b.address, amount: 99990 }]).hex);
	assert.equal(r['reject-reason'], 'min relay fee not met');
	assert.match(r['reject-details'], /^min relay fee not met, 10 < \d+$/);
	assert.equal((await reason(spend([u], [{ address: b.address, amount: 100001 }], { amountSigned: 200000n }).hex))['reject-reason'],
		'bad-txns-in-belowout');
	// An unknown input: "missing-inputs", without details (as Core).
	r = await reason(spend([{ txid: 'ab'.repeat(32), vout: 0, amount: 5000n, key: a }], [{ address: b.address, amount: 1000 }]).hex);
	assert.equal(r['reject-reason'], 'missing-inputs');
	assert.equal(r['reject-details'], undefined);
	// A fee over maxfeerate (0.10 BTC/kvB by default; 0 lifts the limit).
	const big = spend([u], [{ address: b.address, amount: 50000 }]);
	assert.equal((await tma([big.hex]))[0].allowed, true);
	r = (await tma([big.hex], 0.001))[0];
	assert.deepEqual(r, { txid: big.txid, wtxid: big.wtxid, allowed: false, 'reject-reason': 'max-fee-exceeded' });
	assert.equal((await tma([big.hex], 0))[0].allowed, true);
	assert.equal((await tma([big.hex], '0.5'))[0].allowed, true);
	// Conflicts: a non-signalling original cannot be replaced; a signalling one only when outbid.
	const fin = spend([u], [{ address: b.address, amount: 99000 }], { sequence: 0xfffffffe });
	assert.equal((await send(fin.hex)).result, fin.txid);
	assert.equal((await reason(spend([u], [{ address: c.address, amount: 90000 }]).hex))['reject-reason'],
		'txn-mempool-conflict');
	const u2 = await fund(a, 100000);
	const orig = spend([u2], [{ address: b.address, amount: 99000 }]);
	assert.equal((await send(orig.hex)).result, orig.txid);
	r = await reason(spend([u2], [{ address: c.address, amount: 99000 }]).hex);
	assert.equal(r['reject-reason'], 'insufficient fee');
	assert.match(r['reject-details'], /rejecting replacement/);
	const rbf = spend([u2], [{ address: c.address, amount: 97000 }]);
	assert.equal((await tma([rbf.hex]))[0].allowed, true);
	// Tested, not done: the original is still there.
	assert.equal((await rpc('getmempoolentry', [orig.txid])).result.wtxid.length, 64);
	// Spent on chain: missing inputs.
	await post('/mine', { blocks: 1 });
	assert.equal((await reason(rbf.hex))['reject-reason'], 'missing-inputs');
});

test('argument errors are RPC errors', async () => {
	assert.equal((await rpc('testmempoolaccept', [[]])).error.code, -8);
	assert.equal((await rpc('testmempoolaccept', ['00'])).error.code, -3);
	assert.equal((await rpc('testmempoolaccept', [['zz']])).error.code, -22);
	assert.equal((await rpc('testmempoolaccept', [['00', '00']])).error.code, -8);
	assert.equal((await rpc('testmempoolaccept', [['00'], 1])).error.code, -8);
	assert.equal((await rpc('getmempoolentry', ['00'.repeat(32)])).error.code, -5);
});
