#!/usr/bin/env node
// coffer-chaind: a regtest chain double for Coffer's tests. An HTTP server on
// loopback that answers the subset of the Esplora API cofferd uses, holding a
// UTXO set, a mempool and blocks, plus control endpoints (faucet, mine, reorg,
// fee estimates, scripted hostile answers). A broadcast is accepted only after
// every input's amount and signature checks out (lib/verify.js). POST / and
// POST /wallet/<name> speak a bitcoind JSON-RPC subset over the same chain
// (lib/rpc.js), for the bitcoind backend's tests.
//
// Usage: node server.js [--network regtest] [--port 0] [--stdin-lifeline]
// Prints "PORT <n>" as its first line on stdout once listening. With
// --stdin-lifeline it exits when its stdin closes, so a test that dies cannot
// leave it running. SIGTERM and SIGINT stop it.
import http from 'node:http';
import { Chain, RejectError } from './lib/chain.js';
import { txJson, statusJson, scriptTxs, scriptUtxos, outspends, blockJson } from './lib/esplora.js';
import { hex } from '@scure/base';
import { Wallets, rpcAnswer } from './lib/rpc.js';
import { seed } from './lib/seed.js';

const MAX_BODY = 9 << 20;	// a 4 MB transaction in hex, and some
const HEX64 = '([0-9a-f]{64})';

class HttpError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

function text(res, status, body, type = 'text/plain') {
	res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
	res.end(body);
}
const json = (res, status, v) => text(res, status, JSON.stringify(v), 'application/json');

function getTx(chain, txid) {
	const e = chain.txs.get(txid);
	if (!e)
		throw new HttpError(404, 'Transaction not found');
	return e;
}

function scriptOfAddress(chain, addr) {
	try {
		return hex.encode(chain.addressScript(addr));
	} catch {
		throw new HttpError(400, 'Invalid Bitcoin address');
	}
}

function parseJson(body) {
	try {
		const v = JSON.parse(body);
		if (v === null || typeof v !== 'object' || Array.isArray(v))
			throw new Error('not an object');
		return v;
	} catch (e) {
		throw new HttpError(400, `bad JSON body: ${e.message}`);
	}
}

function control(fn) {
	return (chain, m, body, res) => {
		try {
			json(res, 200, fn(chain, parseJson(body)));
		} catch (e) {
			if (e instanceof RejectError)
				throw new HttpError(400, e.message);
			throw e;
		}
	};
}

const ROUTES = [
	['GET', /^\/blocks\/tip\/height$/, (c, m, b, res) => text(res, 200, String(c.tip.height))],
	['GET', /^\/blocks\/tip\/hash$/, (c, m, b, res) => text(res, 200, c.tip.hash)],
	['GET', new RegExp(`^/block/${HEX64}$`), (c, m, b, res) => {
		const blk = c.byHash.get(m[1]);
		if (!blk)
			throw new HttpError(404, 'Block not found');
		json(res, 200, blockJson(c, blk));
	}],
	['GET', new RegExp(`^/block/${HEX64}/txids$`), (c, m, b, res) => {
		const blk = c.byHash.get(m[1]);
		if (!blk)
			throw new HttpError(404, 'Block not found');
		json(res, 200, blk.txids);
	}],
	['GET', /^\/block-height\/(\d{1,9})$/, (c, m, b, res) => {
		const blk = c.blocks[Number(m[1])];
		if (!blk)
			throw new HttpError(404, 'Block not found');
		text(res, 200, blk.hash);
	}],
	['GET', new RegExp(`^/tx/${HEX64}$`), (c, m, b, res) => json(res, 200, txJson(c, getTx(c, m[1])))],
	['GET', new RegExp(`^/tx/${HEX64}/hex$`), (c, m, b, res) => text(res, 200, hex.encode(getTx(c, m[1]).raw))],
	['GET', new RegExp(`^/tx/${HEX64}/status$`), (c, m, b, res) => json(res, 200, statusJson(getTx(c, m[1])))],
	['GET', new RegExp(`^/tx/${HEX64}/outspends$`), (c, m, b, res) => json(res, 200, outspends(c, getTx(c, m[1])))],
	['GET', /^\/address\/([0-9A-Za-z]{1,100})\/txs$/, (c, m, b, res) =>
		json(res, 200, scriptTxs(c, scriptOfAddress(c, m[1])))],
	['GET', new RegExp(`^/address/([0-9A-Za-z]{1,100})/txs/chain/${HEX64}$`), (c, m, b, res) => {
		const r = scriptTxs(c, scriptOfAddress(c, m[1]), m[2]);
		if (r === null)
			throw new HttpError(400, 'last_seen txid not in this history');
		json(res, 200, r);
	}],
	['GET', /^\/address\/([0-9A-Za-z]{1,100})\/utxo$/, (c, m, b, res) =>
		json(res, 200, scriptUtxos(c, scriptOfAddress(c, m[1])))],
	['GET', new RegExp(`^/scripthash/${HEX64}/txs$`), (c, m, b, res) =>
		json(res, 200, scriptTxs(c, c.scriptOfHash.get(m[1]) ?? ''))],
	['GET', new RegExp(`^/scripthash/${HEX64}/txs/chain/${HEX64}$`), (c, m, b, res) => {
		const r = scriptTxs(c, c.scriptOfHash.get(m[1]) ?? '', m[2]);
		if (r === null)
			throw new HttpError(400, 'last_seen txid not in this history');
		json(res, 200, r);
	}],
	['GET', new RegExp(`^/scripthash/${HEX64}/utxo$`), (c, m, b, res) =>
		json(res, 200, scriptUtxos(c, c.scriptOfHash.get(m[1]) ?? ''))],
	['GET', /^\/mempool\/txids$/, (c, m, b, res) => json(res, 200, c.mempool)],
	['GET', /^\/fee-estimates$/, (c, m, b, res) => json(res, 200, c.feeEstimates)],
	['POST', /^\/tx$/, (c, m, body, res) => {
		try {
			text(res, 200, c.broadcast(body.trim()));
		} catch (e) {
			if (!(e instanceof RejectError))
				throw e;
			// Esplora passes bitcoind's refusal through in this form.
			text(res, 400, `sendrawtransaction RPC error: ${JSON.stringify({ code: e.code, message: e.message })}`);
		}
	}],
	// ---- control endpoints (not Esplora) ----
	// What the double has seen: a test can check no double spend was ever accepted (replaced) or refused.
	['GET', /^\/stats$/, (c, m, b, res, srv) => json(res, 200, { height: c.tip.height, mempool: c.mempool.length,
		txs: c.txs.size, ...srv.stats })],
	['POST', /^\/faucet$/, control((c, j) => {
		if (typeof j.address !== 'string' || !Number.isSafeInteger(j.amount_sat))
			throw new RejectError(-3, 'need {address: string, amount_sat: integer}');
		return { txid: c.faucet(j.address, j.amount_sat) };
	})],
	['POST', /^\/seed$/, control((c, j) => seed(c, j))],
	['POST', /^\/mine$/, control((c, j) => {
		const n = j.blocks ?? 1;
		if (!Number.isInteger(n) || n < 1 || n > 10000)
			throw new RejectError(-3, 'blocks must be 1..10000');
		const hashes = c.mine(n, { empty: j.empty === true });
		return { hashes, height: c.tip.height };
	})],
	['POST', /^\/reorg$/, control((c, j) => {
		const hashes = c.reorg(j.depth, { blocks: j.blocks, drop: j.drop === true });
		return { hashes, height: c.tip.height };
	})],
	['POST', /^\/fee-estimates$/, control((c, j) => {
		c.feeEstimates = j;
		return { ok: true };
	})],
	['POST', /^\/hostile$/, (c, m, body, res, srv) => {
		const j = parseJson(body);
		if (typeof j.path !== 'string')
			throw new HttpError(400, 'need {path}');
		srv.hostile.push({ method: j.method ?? 'GET', path: j.path, status: j.status ?? 200,
			body: j.body ?? '', repeat: j.repeat ?? 1, hang: j.hang === true, truncate: j.truncate === true,
			accept: j.accept === true,
			times: j.times ?? 1, type: j.content_type ?? 'application/json' });
		json(res, 200, { ok: true });
	}],
];

/* A scripted answer for the next request(s) to a path: wrong types, huge or cut bodies, silence. */
function answerHostile(h, res) {
	if (h.hang)
		return;		// never answer: the client's timeout must fire
	const chunk = Buffer.from(h.body);
	const total = chunk.length * h.repeat;
	if (h.truncate) {
		// Promise more than is sent, then cut the connection.
		res.writeHead(h.status, { 'content-type': h.type, 'content-length': total + 100 });
	} else {
		res.writeHead(h.status, { 'content-type': h.type });
	}
	let k = 0;
	const pump = () => {
		while (k < h.repeat) {
			k++;
			if (!res.write(chunk))
				return res.once('drain', pump);
		}
		if (h.truncate)
			res.write('', () => res.socket?.destroy());	// once the bytes are out
		else
			res.end();
	};
	res.on('error', () => {});
	pump();
}

/*
 * Count what broadcasts did, through either face (Esplora, JSON-RPC): refused
 * ones (an "already known" answer aside), and mempool transactions a
 * broadcast evicted (a conflicting spend accepted, BIP125). GET /stats.
 */
function countBroadcasts(chain, stats) {
	const broadcast = chain.broadcast.bind(chain);
	chain.broadcast = (rawHex) => {
		const before = new Set(chain.mempool);
		try {
			const txid = broadcast(rawHex);
			for (const t of before)
				stats.replaced += chain.txs.has(t) ? 0 : 1;
			return txid;
		} catch (e) {
			if (e instanceof RejectError && e.code !== -27)
				stats.rejected++;
			throw e;
		}
	};
}

/* An answer nobody receives. */
const DISCARD = { writeHead() {}, write() { return true; }, end() {}, on() {}, once() {} };

/* A request: the JSON-RPC face (POST / and /wallet/<name>), else the routes. */
function dispatch(srv, req, path, body, res) {
	if (req.method === 'POST' && (path === '/' || path.startsWith('/wallet/'))) {
		// bitcoind mode: JSON-RPC, Basic auth required (any credentials).
		if (!/^Basic [A-Za-z0-9+/=]+$/.test(req.headers.authorization ?? '')) {
			res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"', 'content-length': 0 });
			return res.end();
		}
		const [status, answer] = rpcAnswer(srv.wallets, path, body);
		return json(res, status, answer);
	}
	try {
		for (const [method, re, fn] of ROUTES) {
			const m = re.exec(path);
			if (m && method === req.method)
				return fn(srv.chain, m, body, res, srv);
		}
		throw new HttpError(404, 'not found');
	} catch (e) {
		if (e instanceof HttpError)
			text(res, e.status, e.message);
		else
			text(res, 500, `internal error: ${e.message}`);
	}
}

export function createServer(chain) {
	const srv = { chain, hostile: [], wallets: new Wallets(chain), stats: { replaced: 0, rejected: 0 } };
	countBroadcasts(chain, srv.stats);
	const server = http.createServer((req, res) => {
		const chunks = [];
		let size = 0;
		req.on('data', (d) => {
			size += d.length;
			if (size > MAX_BODY) {
				text(res, 413, 'body too large');
				req.destroy();
				return;
			}
			chunks.push(d);
		});
		req.on('end', () => {
			if (size > MAX_BODY)
				return;
			const path = (req.url ?? '/').split('?')[0];
			const hi = srv.hostile.findIndex((h) => h.method === req.method && h.path === path);
			if (hi >= 0) {
				const h = srv.hostile[hi];
				if (--h.times <= 0)
					srv.hostile.splice(hi, 1);
				// accept: handled as usual first, that answer dropped (a broadcast the chain
				// took whose answer was lost, or never came with hang).
				if (h.accept)
					dispatch(srv, req, path, Buffer.concat(chunks).toString('utf8'), DISCARD);
				return answerHostile(h, res);
			}
			dispatch(srv, req, path, Buffer.concat(chunks).toString('utf8'), res);
		});
	});
	server.keepAliveTimeout = 5000;
	srv.server = server;
	return srv;
}

function parseArgs(argv) {
	const o = { network: 'regtest', port: 0, lifeline: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--network')
			o.network = argv[++i];
		else if (a === '--port')
			o.port = Number(argv[++i]);
		else if (a === '--stdin-lifeline')
			o.lifeline = true;
		else
			throw new Error(`unknown argument ${a}`);
	}
	return o;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const o = parseArgs(process.argv.slice(2));
	const { server } = createServer(new Chain({ network: o.network }));
	const stop = () => {
		server.close();
		server.closeAllConnections();
		process.exit(0);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	if (o.lifeline) {
		process.stdin.on('data', () => {});
		process.stdin.on('end', stop);
		process.stdin.on('error', stop);
	}
	server.listen(o.port, '127.0.0.1', () => {
		process.stdout.write(`PORT ${server.address().port}\n`);
		process.stderr.write(`chaind: ${o.network} chain double on http://127.0.0.1:${server.address().port}\n`);
	});
}
