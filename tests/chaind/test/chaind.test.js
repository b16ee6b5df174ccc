// The chain double's own tests: the Esplora views, the faucet and mining, and
// above all that a broadcast is accepted only when every input checks out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as btc from '@scure/btc-signer';
import { hex } from '@scure/base';
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Chain, NETWORKS, scripthash } from '../lib/chain.js';
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

async function get(path) {
	const r = await fetch(base + path);
	const body = await r.text();
	return { status: r.status, body, json: () => JSON.parse(body) };
}
async function post(path, body) {
	const r = await fetch(base + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
	const t = await r.text();
	return { status: r.status, body: t, json: () => JSON.parse(t) };
}
async function ok(path, body) {
	const r = await post(path, body);
	assert.equal(r.status, 200, r.body);
	return r.json();
}

let keyCounter = 0;
function wpkhKey() {
	const priv = sha256(new TextEncoder().encode(`chaind-test-key-${keyCounter++}`));
	const pay = btc.p2wpkh(secp256k1.getPublicKey(priv, true), NET);
	return { priv, address: pay.address, script: pay.script };
}
function trKey() {
	const priv = sha256(new TextEncoder().encode(`chaind-test-key-${keyCounter++}`));
	const pay = btc.p2tr(schnorr.getPublicKey(priv), undefined, NET);
	return { priv, address: pay.address, script: pay.script, tapInternalKey: pay.tapInternalKey };
}

/* Fund a key through the faucet; returns the outpoint. */
async function fund(key, amount, mine = true) {
	const { txid } = await ok('/faucet', { address: key.address, amount_sat: amount });
	if (mine)
		await ok('/mine', { blocks: 1 });
	const tx = (await get(`/tx/${txid}`)).json();
	const vout = tx.vout.findIndex((o) => o.scriptpubkey === hex.encode(key.script));
	return { txid, vout, amount: BigInt(amount), key };
}

/* Spend outpoints to outputs [{address, amount}], signed. */
function spend(utxos, outputs, { sequence = 0xfffffffd, lockTime = 0, tamper } = {}) {
	const tx = new btc.Transaction({ lockTime });
	for (const u of utxos)
		tx.addInput({ txid: u.txid, index: u.vout, sequence,
			witnessUtxo: { script: u.key.script, amount: tamper?.amount ?? u.amount },
			...(u.key.tapInternalKey ? { tapInternalKey: u.key.tapInternalKey } : {}) });
	for (const o of outputs)
		tx.addOutputAddress(o.address, BigInt(o.amount), NET);
	utxos.forEach((u, i) => tx.signIdx(u.key.priv, i));
	tx.finalize();
	return { hex: hex.encode(tx.extract()), txid: tx.id };
}

test('tip, blocks and the faucet', async () => {
	const h0 = Number((await get('/blocks/tip/height')).body);
	const k = wpkhKey();
	const { txid } = await ok('/faucet', { address: k.address, amount_sat: 50000 });
	assert.deepEqual((await get(`/tx/${txid}/status`)).json(), { confirmed: false });
	const utx = (await get(`/address/${k.address}/utxo`)).json();
	assert.deepEqual(utx, [{ txid, vout: 0, status: { confirmed: false }, value: 50000 }]);
	const m = await ok('/mine', { blocks: 2 });
	assert.equal(m.height, h0 + 2);
	assert.equal((await get('/blocks/tip/hash')).body, m.hashes[1]);
	assert.equal((await get(`/block-height/${h0 + 1}`)).body, m.hashes[0]);
	const st = (await get(`/tx/${txid}/status`)).json();
	assert.equal(st.confirmed, true);
	assert.equal(st.block_height, h0 + 1);
	assert.equal(st.block_hash, m.hashes[0]);
	const blk = (await get(`/block/${m.hashes[0]}`)).json();
	assert.equal(blk.height, h0 + 1);
	assert.equal(blk.tx_count, 1);
	// The raw bytes hash to the txid.
	const raw = hex.decode((await get(`/tx/${txid}/hex`)).body);
	assert.equal(hex.encode(sha256(sha256(raw)).reverse()), txid);
	// The scripthash view agrees with the address view.
	const byHash = (await get(`/scripthash/${scripthash(k.script)}/txs`)).json();
	assert.equal(byHash.length, 1);
	assert.equal(byHash[0].txid, txid);
	assert.equal(byHash[0].vout[0].value, 50000);
	assert.equal((await get(`/tx/${'00'.repeat(32)}`)).status, 404);
	assert.equal((await get('/address/notanaddress/txs')).status, 400);
});

test('a correctly signed spend is accepted, and spends show up', async () => {
	const a = wpkhKey(), b = trKey();
	const u = await fund(a, 100000);
	const s = spend([u], [{ address: b.address, amount: 90000 }]);
	const r = await post('/tx', s.hex);
	assert.equal(r.status, 200, r.body);
	assert.equal(r.body, s.txid);
	// Re-broadcast of a mempool transaction is not an error.
	assert.equal((await post('/tx', s.hex)).body, s.txid);
	const os = (await get(`/tx/${u.txid}/outspends`)).json();
	assert.equal(os[0].spent, true);
	assert.equal(os[0].txid, s.txid);
	const hist = (await get(`/address/${a.address}/txs`)).json();
	assert.deepEqual(hist.map((t) => t.txid), [s.txid, u.txid]);
	assert.equal(hist[0].fee, 10000);
	assert.deepEqual((await get(`/address/${a.address}/utxo`)).json(), []);
	// A taproot key-path spend of the new output is accepted too.
	const c = wpkhKey();
	const s2 = spend([{ txid: s.txid, vout: 0, amount: 90000n, key: b }], [{ address: c.address, amount: 85000 }]);
	assert.equal((await post('/tx', s2.hex)).status, 200);
	await ok('/mine', {});
	// Confirmed: while an output is unspent on chain bitcoind answers "already in utxo set" (-27);
	// once all are spent (s's only output, by s2) it checks the inputs, which s itself spent (-25).
	const again2 = await post('/tx', s2.hex);
	assert.equal(again2.status, 400);
	assert.match(again2.body, /"code":-27/);
	const again = await post('/tx', s.hex);
	assert.equal(again.status, 400);
	assert.match(again.body, /"code":-25,"message":"bad-txns-inputs-missingorspent"/);
});

test('bad signatures, wrong amounts and tampered bytes are rejected', async () => {
	const a = wpkhKey(), b = wpkhKey(), t = trKey();
	const u = await fund(a, 100000);
	const ut = await fund(t, 100000);
	// Signed over the wrong amount: the BIP143 sighash commits to it.
	const wrong = spend([u], [{ address: b.address, amount: 90000 }], { tamper: { amount: 100001n } });
	let r = await post('/tx', wrong.hex);
	assert.equal(r.status, 400);
	assert.match(r.body, /mandatory-script-verify-flag-failed \(input 0: ECDSA/);
	// A flipped bit in an output after signing.
	const good = spend([u], [{ address: b.address, amount: 90000 }]);
	const bytes = hex.decode(good.hex);
	const tx = btc.Transaction.fromRaw(bytes, { allowUnknownOutputs: true });
	const amountAt = hex.encode(bytes).indexOf('905f010000000000') / 2;	// 90000 LE
	assert.ok(amountAt > 0);
	bytes[amountAt] ^= 1;
	r = await post('/tx', hex.encode(bytes));
	assert.equal(r.status, 400);
	assert.match(r.body, /mandatory-script-verify-flag-failed/);
	// A broken Schnorr signature.
	const ts = hex.decode(spend([ut], [{ address: b.address, amount: 90000 }]).hex);
	ts[ts.length - 10] ^= 0x40;	// inside the 64-byte witness signature (before the locktime)
	r = await post('/tx', hex.encode(ts));
	assert.equal(r.status, 400);
	assert.match(r.body, /BIP340 signature does not verify/);
	// Garbage, overspend, dust, below the relay fee.
	assert.match((await post('/tx', 'zz')).body, /TX decode failed/);
	assert.match((await post('/tx', '0200')).body, /TX decode failed/);
	assert.match((await post('/tx', spend([u], [{ address: b.address, amount: 100001 }], { tamper: { amount: 200000n } }).hex)).body,
		/in-belowout/);
	assert.match((await post('/tx', spend([u], [{ address: b.address, amount: 100 }]).hex)).body, /dust/);
	assert.match((await post('/tx', spend([u], [{ address: b.address, amount: 99990 }]).hex)).body, /min relay fee/);
	// The good one still goes through; tx is the independent parse of it.
	assert.equal(tx.id, good.txid);
	assert.equal((await post('/tx', good.hex)).status, 200);
	// An unknown input.
	const ghost = { txid: 'ab'.repeat(32), vout: 0, amount: 5000n, key: a };
	r = await post('/tx', spend([ghost], [{ address: b.address, amount: 1000 }]).hex);
	assert.match(r.body, /"code":-25,"message":"bad-txns-inputs-missingorspent"/);
});

test('double spends: refused unless a signalling original is outbid (BIP125)', async () => {
	const a = wpkhKey(), b = wpkhKey(), c = wpkhKey();
	// Original without signalling: no replacement.
	const u1 = await fund(a, 100000);
	const final = spend([u1], [{ address: b.address, amount: 90000 }], { sequence: 0xfffffffe });
	assert.equal((await post('/tx', final.hex)).status, 200);
	const r1 = await post('/tx', spend([u1], [{ address: c.address, amount: 50000 }], { sequence: 0xfffffffe }).hex);
	assert.match(r1.body, /txn-mempool-conflict/);
	// Signalling original, with a child.
	const u2 = await fund(a, 100000);
	const orig = spend([u2], [{ address: b.address, amount: 95000 }]);
	assert.equal((await post('/tx', orig.hex)).status, 200);
	const child = spend([{ txid: orig.txid, vout: 0, amount: 95000n, key: b }], [{ address: c.address, amount: 94000 }]);
	assert.equal((await post('/tx', child.hex)).status, 200);
	// Same fee rate: refused.
	const same = spend([u2], [{ address: c.address, amount: 95000 }]);
	assert.match((await post('/tx', same.hex)).body, /insufficient fee/);
	// Higher rate but not paying for the evicted child: refused.
	const thin = spend([u2], [{ address: c.address, amount: 94500 }]);
	assert.match((await post('/tx', thin.hex)).body, /insufficient fee/);
	// Enough: the original and its child leave the mempool.
	const bump = spend([u2], [{ address: c.address, amount: 90000 }]);
	assert.equal((await post('/tx', bump.hex)).status, 200);
	const mem = (await get('/mempool/txids')).json();
	assert.ok(mem.includes(bump.txid));
	assert.ok(!mem.includes(orig.txid));
	assert.ok(!mem.includes(child.txid));
	assert.equal((await get(`/tx/${orig.txid}`)).status, 404);
	// Confirmed spends cannot be replaced.
	await ok('/mine', {});
	const late = spend([u2], [{ address: c.address, amount: 80000 }]);
	assert.match((await post('/tx', late.hex)).body, /missingorspent/);
});

test('locktime: a transaction final only in a later block waits', async () => {
	const a = wpkhKey(), b = wpkhKey();
	const u = await fund(a, 100000);
	const h = Number((await get('/blocks/tip/height')).body);
	assert.match((await post('/tx', spend([u], [{ address: b.address, amount: 90000 }], { lockTime: h + 5 }).hex)).body,
		/non-final/);
	assert.equal((await post('/tx', spend([u], [{ address: b.address, amount: 90000 }], { lockTime: h }).hex)).status, 200);
});

test('history paging: 50 mempool + 25 confirmed, then /txs/chain/:last_seen', async () => {
	const k = wpkhKey();
	for (let i = 0; i < 30; i++)
		await ok('/faucet', { address: k.address, amount_sat: 1000 + i });
	await ok('/mine', {});
	await ok('/faucet', { address: k.address, amount_sat: 7777 });
	const first = (await get(`/address/${k.address}/txs`)).json();
	assert.equal(first.length, 26);
	assert.equal(first[0].status.confirmed, false);
	const last = first[first.length - 1].txid;
	const more = (await get(`/address/${k.address}/txs/chain/${last}`)).json();
	assert.equal(more.length, 5);
	const all = new Set([...first, ...more].map((t) => t.txid));
	assert.equal(all.size, 31);
	assert.equal((await get(`/address/${k.address}/utxo`)).json().length, 31);
});

test('reorg: confirmed transactions return to the mempool, or vanish with drop', async () => {
	const k = wpkhKey();
	const { txid } = await ok('/faucet', { address: k.address, amount_sat: 12345 });
	const m = await ok('/mine', {});
	const r = await ok('/reorg', { depth: 1 });
	assert.equal(r.height, m.height + 1);
	assert.equal((await get(`/block/${m.hashes[0]}`)).status, 404);
	assert.deepEqual((await get(`/tx/${txid}/status`)).json(), { confirmed: false });
	await ok('/mine', {});
	assert.equal((await get(`/tx/${txid}/status`)).json().confirmed, true);
	await ok('/reorg', { depth: 1, drop: true });
	assert.equal((await get(`/tx/${txid}`)).status, 404);
	assert.deepEqual((await get(`/address/${k.address}/utxo`)).json(), []);
});

test('fee estimates and scripted hostile answers', async () => {
	const fe = (await get('/fee-estimates')).json();
	assert.equal(typeof fe['1'], 'number');
	await ok('/fee-estimates', { 1: 3.5, 6: 2 });
	assert.deepEqual((await get('/fee-estimates')).json(), { 1: 3.5, 6: 2 });
	await ok('/hostile', { path: '/blocks/tip/height', body: '"twelve"' });
	assert.equal((await get('/blocks/tip/height')).body, '"twelve"');
	assert.match((await get('/blocks/tip/height')).body, /^\d+$/);	// used once
	await ok('/hostile', { path: '/fee-estimates', body: 'x', repeat: 100000 });
	assert.equal((await get('/fee-estimates')).body.length, 100000);
	await ok('/hostile', { path: '/fee-estimates', body: '{"1": 2', truncate: true });
	await assert.rejects(get('/fee-estimates'));
	// accept: the request takes effect, the scripted answer replaces its own.
	const a = wpkhKey(), b = wpkhKey();
	const s = spend([await fund(a, 100000)], [{ address: b.address, amount: 90000 }]);
	await ok('/hostile', { method: 'POST', path: '/tx', status: 502, body: 'lost', accept: true });
	const r = await post('/tx', s.hex);
	assert.equal(r.status, 502);
	assert.equal((await get(`/tx/${s.txid}/status`)).json().confirmed, false);	// in the mempool
});

async function rpc(path, method, params = [], auth = true) {
	const r = await fetch(base + path, { method: 'POST',
		headers: auth ? { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') } : {},
		body: JSON.stringify({ jsonrpc: '1.0', id: 't', method, params }) });
	const t = await r.text();
	return { status: r.status, body: t, json: () => JSON.parse(t) };
}

test('seed: funding and consolidations in blocks; a consolidation output is a real, spendable coin', async () => {
	const a = trKey(), b = wpkhKey(), c = wpkhKey();
	const h0 = Number((await get('/blocks/tip/height')).body);
	// 20 transactions leaving 2 coins: 18 funding, 2 consolidations of 9 each; 8 to a block.
	const r = await ok('/seed', { addresses: [a.address, b.address], utxos: 2, txs: 20, per_block: 8 });
	assert.deepEqual(r, { txs: 20, utxos: 2, funding: 18, consolidations: 2, height: h0 + 3 });
	const ua = (await get(`/address/${a.address}/utxo`)).json(), ub = (await get(`/address/${b.address}/utxo`)).json();
	assert.equal(ua.length + ub.length, 2);
	const hist = (await get(`/address/${a.address}/txs`)).json();
	assert.ok(hist.length >= 10);
	for (const t of hist) {
		const raw = hex.decode((await get(`/tx/${t.txid}/hex`)).body);
		assert.equal(hex.encode(sha256(sha256(raw)).reverse()), t.txid);
	}
	// The coin a consolidation left spends like any other (signature checked against its script and amount).
	const mine = ua.length > 0 ? { u: ua[0], key: a } : { u: ub[0], key: b };
	// A signature over another amount is refused.
	const bad = spend([{ txid: mine.u.txid, vout: mine.u.vout, amount: BigInt(mine.u.value), key: mine.key }],
		[{ address: c.address, amount: mine.u.value - 3000 }], { tamper: { amount: BigInt(mine.u.value) + 1n } });
	const rb = await post('/tx', bad.hex);
	assert.equal(rb.status, 400);
	assert.match(rb.body, /signature|script-verify|mandatory/i, rb.body);
	const s = spend([{ txid: mine.u.txid, vout: mine.u.vout, amount: BigInt(mine.u.value), key: mine.key }],
		[{ address: c.address, amount: mine.u.value - 2000 }]);
	assert.equal((await post('/tx', s.hex)).status, 200);
	assert.equal((await post('/seed', { addresses: [], utxos: 1, txs: 1 })).status >= 400, true);
});

test('bitcoind mode: watch-only wallet, import, list, broadcast', async () => {
	assert.equal((await rpc('/', 'getblockchaininfo', [], false)).status, 401);
	const info = (await rpc('/', 'getblockchaininfo')).json().result;
	assert.equal(info.bestblockhash, (await get('/blocks/tip/hash')).body);
	assert.equal((await rpc('/', 'nosuchmethod')).status, 404);
	let r = await rpc('/', 'loadwallet', ['w1']);
	assert.equal(r.json().error.code, -18);
	r = await rpc('/', 'createwallet', ['w1', true, true, '', false, true, true]);
	assert.equal(r.json().error, null);
	assert.equal((await rpc('/', 'loadwallet', ['w1'])).json().error.code, -35);
	// A wallet of a tpub: the double derives what @scure/bip32 says.
	const { HDKey } = await import('@scure/bip32');
	const seed = sha256(new TextEncoder().encode('rpc-wallet'));
	const acct = HDKey.fromMasterSeed(seed, { private: 0x04358394, public: 0x043587cf }).derive("m/84'/1'/0'");
	const tpub = acct.publicExtendedKey;
	const { descChecksum } = await import('../lib/descriptor.js');
	const d = `wpkh(${tpub}/0/*)`;
	r = await rpc('/wallet/w1', 'importdescriptors', [[{ desc: `${d}#${descChecksum(d)}`, range: [0, 4], timestamp: 0 }]]);
	assert.deepEqual(r.json().result, [{ success: true }]);
	r = await rpc('/wallet/w1', 'importdescriptors', [[{ desc: `${d}#aaaaaaaa`, range: [0, 4], timestamp: 0 }]]);
	assert.equal(r.json().result[0].success, false);
	const addr3 = btc.p2wpkh(acct.deriveChild(0).deriveChild(3).publicKey, NET).address;
	const addr5 = btc.p2wpkh(acct.deriveChild(0).deriveChild(5).publicKey, NET).address;
	assert.equal((await rpc('/wallet/w1', 'getaddressinfo', [addr3])).json().result.ismine, true);
	assert.equal((await rpc('/wallet/w1', 'getaddressinfo', [addr5])).json().result.ismine, false);
	const { txid } = await ok('/faucet', { address: addr3, amount_sat: 70000 });
	await ok('/faucet', { address: addr5, amount_sat: 1000 });
	let list = (await rpc('/wallet/w1', 'listtransactions', ['*', 10, 0, true])).json().result;
	assert.equal(list.length, 1);
	assert.equal(list[0].txid, txid);
	assert.equal(list[0].confirmations, 0);
	await ok('/mine', {});
	list = (await rpc('/wallet/w1', 'listtransactions', ['*', 10, 0, true])).json().result;
	assert.equal(list[0].confirmations, 1);
	const gt = (await rpc('/wallet/w1', 'gettransaction', [txid, true])).json().result;
	assert.equal(gt.blockheight, Number((await get('/blocks/tip/height')).body));
	assert.equal(gt.hex, (await get(`/tx/${txid}/hex`)).body);
	assert.equal((await rpc('/wallet/w1', 'gettransaction', ['00'.repeat(32), true])).json().error.code, -5);
	assert.equal((await rpc('/', 'listtransactions', [])).json().error.code, -19);
	r = (await rpc('/', 'sendrawtransaction', ['00'])).json();
	assert.equal(r.error.code, -22);
	await ok('/fee-estimates', { 2: 5, 6: 2 });
	assert.equal((await rpc('/', 'estimatesmartfee', [6])).json().result.feerate, 0.00002);
	await ok('/fee-estimates', {});
	assert.ok((await rpc('/', 'estimatesmartfee', [6])).json().result.errors);
});
