// The bad-input suite over every route of docs/openapi.json, against a running
// cofferd with an unlocked wallet (tests/cli/test_badinput.sh starts it).
// Each case expects a 4xx with a stable error code; no answer may be a 5xx,
// and every error body must be exactly {"error":{"code","message"}}.
//
// Usage: node badinput.mjs URL ADMIN_TOKEN READ_TOKEN OPENAPI_JSON PASSPHRASE
import http from 'node:http';
import fs from 'node:fs';

const [base, admin, readToken, docPath, passphrase] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(docPath, 'utf8'));
let passes = 0, fails = 0;
const fivexx = [];

// body: a string (sent as UTF-8) or a Buffer (sent as it is). Bodies over 64 KiB ask for 100-continue first,
// so that an early answer (413) is read rather than lost to a closed connection.
function request(method, path, { body, token = admin, ctype = 'application/json', headers = {} } = {}) {
	return new Promise((resolve) => {
		const u = new URL(base + path);
		const h = { ...headers };
		if (token !== null)
			h.authorization = `Bearer ${token}`;
		const big = body !== undefined && Buffer.byteLength(body) > 65536;
		if (body !== undefined) {
			h['content-type'] = ctype;
			h['content-length'] = Buffer.byteLength(body);
			if (big)
				h.expect = '100-continue';
		}
		const rq = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: h,
			agent: false }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json = null;
				try { json = JSON.parse(text); } catch { /* not JSON */ }
				// payments_unavailable is this test daemon's setting (no chain backend), not an answer to input.
				if (res.statusCode >= 500 && !(json && json.error && json.error.code === 'payments_unavailable'))
					fivexx.push(`${res.statusCode} ${method} ${path}: ${text.slice(0, 200)}`);
				resolve({ status: res.statusCode, json, text });
			});
		});
		rq.on('error', (e) => resolve({ status: 0, json: null, text: String(e) }));
		if (big) {
			rq.on('continue', () => rq.end(body));
		} else {
			if (body !== undefined)
				rq.write(body);
			rq.end();
		}
	});
}

function errorCode(r) {
	const j = r.json;
	if (!j || typeof j !== 'object' || Object.keys(j).length !== 1 || !j.error || Object.keys(j.error).length !== 2 ||
	    typeof j.error.code !== 'string' || typeof j.error.message !== 'string' || !/^[a-z0-9_]+$/.test(j.error.code))
		return 'BADSHAPE';
	return j.error.code;
}

// expect(what, response, status or [statuses], code or [codes] or null for "any stable code")
function expect(what, r, st, codes) {
	const sts = Array.isArray(st) ? st : [st];
	const code = errorCode(r);
	const okCode = codes === null ? code !== 'BADSHAPE' : (Array.isArray(codes) ? codes : [codes]).includes(code);
	if (sts.includes(r.status) && okCode) {
		passes++;
	} else {
		fails++;
		console.error(`FAIL ${what}: got ${r.status} ${code}, want ${sts.join('|')} ${codes}: ${r.text.slice(0, 200)}`);
	}
}

function resolve(schema) {
	while (schema && schema.$ref)
		schema = schema.$ref.split('/').slice(1).reduce((o, k) => o[k], doc);
	return schema;
}

// A body each route accepts as to its shape (it may still be refused for what it means).
const bases = {
	createWallet: { passphrase: 'x' },
	unlockWallet: { passphrase: 'not the passphrase' },
	newAddress: { label: 'bad input suite' },
	signPsbt: { psbt: 'AAAA' },
	signMessage: { message: 'm' },
	verifyMessage: { message: 'm', address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', signature: 'smpAAAA' },
	setPolicy: { policy: {}, passphrase: 'not the passphrase' },
	createToken: { scope: 'read', label: 'x' },
	createWebhook: { url: 'http://127.0.0.1:9/hook', events: ['payment.received'], secret: '0123456789abcdef0123' },
	createPayment: { outputs: [{ address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amount_sat: 1000 }] },
	previewPayment: { outputs: [{ address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', amount_sat: 1000 }] },
	bumpPayment: { fee_rate_sat_vb: 5 },
	cancelPayment: {},
};

const wrongType = { string: 5, integer: '5', number: 'x', boolean: 'true', object: [], array: {} };

async function bodyCases(method, path, op) {
	const schema = resolve(op.requestBody.content['application/json'].schema);
	const base = bases[op.operationId];
	if (!base) {
		fails++;
		console.error(`FAIL ${op.operationId}: no base body in badinput.mjs (add one)`);
		return;
	}
	const send = (body, opts = {}) => request(method, path, { body, ...opts });
	const w = `${method} ${path}`;
	expect(`${w} malformed`, await send('{"a":'), 400, 'bad_json');
	expect(`${w} not JSON`, await send('hello'), 400, 'bad_json');
	expect(`${w} duplicate key`, await send('{"a":1,"a":2}'), 400, 'bad_json');
	expect(`${w} bad UTF-8`, await send(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 400,
		'bad_json');
	expect(`${w} NUL escape`, await send('{"a":"\\u0000"}'), 400, ['bad_json', 'unknown_field']);
	expect(`${w} array`, await send('[]'), 400, 'wrong_type');
	expect(`${w} string`, await send('"x"'), 400, 'wrong_type');
	expect(`${w} number`, await send('7'), 400, 'wrong_type');
	expect(`${w} null`, await send('null'), 400, 'wrong_type');
	expect(`${w} huge number`, await send('{"a":99999999999999999999999}'), 400, 'bad_number');
	expect(`${w} huge real`, await send('{"a":1e999}'), 400, ['bad_number', 'bad_json']);
	expect(`${w} unknown field`, await send(JSON.stringify({ ...base, zz_unknown: 1 })), 400, 'unknown_field');
	expect(`${w} text/plain`, await send(JSON.stringify(base), { ctype: 'text/plain' }), 415, 'unsupported_media_type');
	expect(`${w} 2 MiB`, await send(`{"a":"${'x'.repeat(2 << 20)}"}`), 413, 'body_too_large');
	expect(`${w} deep nesting`, await send('['.repeat(5000) + ']'.repeat(5000)), 400, ['bad_json', 'wrong_type']);
	for (const name of schema.required || []) {
		const b = { ...base };
		delete b[name];
		expect(`${w} without ${name}`, await send(JSON.stringify(b)), 400, 'missing_field');
	}
	for (const [name, prop0] of Object.entries(schema.properties || {})) {
		const prop = resolve(prop0);
		const b = { ...base, [name]: wrongType[prop.type] };
		expect(`${w} ${name} of the wrong type`, await send(JSON.stringify(b)), 400, 'wrong_type');
		if (prop.type === 'integer') {
			expect(`${w} ${name} negative`, await send(JSON.stringify({ ...base, [name]: -1 })), 400,
				['bad_value', 'policy_bad_value']);
			expect(`${w} ${name} over 2^63`, await send(`${JSON.stringify(base).slice(0, -1)}${
				Object.keys(base).length ? ',' : ''}"${name}":18446744073709551616}`), 400, 'bad_number');
			expect(`${w} ${name} fraction`, await send(JSON.stringify({ ...base, [name]: 1.5 })), 400, 'wrong_type');
		}
		if (prop.type === 'string' && name !== 'message') {
			const r = await send(JSON.stringify({ ...base, [name]: 'a\u0001b' }));
			expect(`${w} ${name} with a control character`, r, [400, 403, 404], null);
			const long = await send(JSON.stringify({ ...base, [name]: 'y'.repeat(900 << 10) }));
			expect(`${w} ${name} of 900 KiB`, long, [400, 403, 404, 413], null);
		}
	}
}

async function queryCases(method, path, op) {
	const w = `${method} ${path}`;
	const names = (op.parameters || []).filter((p) => p.in === 'query').map((p) => p.name);
	expect(`${w} unknown query parameter`, await request(method, `${path}?zz_unknown=1`), 400, 'unknown_field');
	if (names.includes('limit')) {
		for (const v of ['0', '-1', 'abc', '1001', '99999999999999999999999', '01', ''])
			expect(`${w} limit=${v}`, await request(method, `${path}?limit=${v}`), 400, 'bad_value');
		expect(`${w} limit twice`, await request(method, `${path}?limit=1&limit=2`), 400, 'bad_value');
	}
	if (names.includes('cursor'))
		for (const v of ['-1', 'x', '9'.repeat(30), '%00'])
			expect(`${w} cursor=${v}`, await request(method, `${path}?cursor=${v}`), 400, 'bad_value');
	if (names.includes('nonce'))
		for (const v of ['', '00', 'zz'.repeat(32), '0'.repeat(66)])
			expect(`${w} nonce=${v}`, await request(method, `${path}?nonce=${v}`), 400, 'bad_value');
	if (names.includes('from'))
		for (const v of ['0', '-3', 'q'])
			expect(`${w} from=${v}`, await request(method, `${path}?from=${v}`), 400, 'bad_value');
}

const rank = { none: 0, read: 1, receive: 2, send: 3, admin: 4 };
const ops = [];
for (const [path, item] of Object.entries(doc.paths))
	for (const [m, op] of Object.entries(item))
		ops.push({ method: m.toUpperCase(), path, op });

// A well-formed id for each kind of path: payment ids are pay_ and 16 hex (a malformed one is 404 before
// anything else is looked at); the rest take 16 hex.
const idFor = (path) => path.startsWith('/v1/payments/') ? 'pay_0123456789abcdef' : '0123456789abcdef';

// 1. Shapes, types, sizes, queries, scopes: the wallet is unlocked. Payment routes check their input before
// they answer 503 payments_unavailable (this test's daemon has no chain backend), so they are swept too.
for (const { method, path, op } of ops) {
	const p = path.replace('{id}', idFor(path));
	if (op.requestBody)
		await bodyCases(method, p, op);
	if ((op.parameters || []).some((x) => x.in === 'query'))
		await queryCases(method, p, op);
	if (rank[op['x-coffer-scope']] > rank.read)
		expect(`${method} ${p} with a read token`, await request(method, p, { token: readToken,
			body: op.requestBody ? '{}' : undefined }), 403, 'insufficient_scope');
	if (!op.requestBody && method !== 'GET')
		expect(`${method} ${p} with a body where none is taken`, await request(method, p, { body: '{}' }), 413,
			'body_too_large');
}
// Path parameters that are not ids.
for (const id of ['x', '0123456789ABCDEF', '0123456789abcdef0', '..', '%2e%2e', 'a'.repeat(100)])
	expect(`DELETE /v1/tokens/${id}`, await request('DELETE', `/v1/tokens/${id}`), 404, 'not_found');
// Addresses of other networks, and ones that are not addresses.
for (const a of ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx',
	'1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2']) {
	expect(`sign for ${a}`, await request('POST', '/v1/message/sign', { body: JSON.stringify({ message: 'm', address: a }) }),
		400, 'wrong_network');
	expect(`verify for ${a}`, await request('POST', '/v1/message/verify',
		{ body: JSON.stringify({ message: 'm', address: a, signature: 'smpAAAA' }) }), 400, 'wrong_network');
}
for (const a of ['bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt081', 'not an address', 'bcrt1'])
	expect(`sign for ${a}`, await request('POST', '/v1/message/sign', { body: JSON.stringify({ message: 'm', address: a }) }),
		400, null);
// Amounts in the policy: negative, fractional, over 2^63, over 21e6 BTC.
for (const v of ['-1', '1.5', '"5"', '18446744073709551616', '2100000000000001', 'true'])
	expect(`policy max_per_payment_sat ${v}`, await request('PUT', '/v1/policy',
		{ body: `{"policy":{"max_per_payment_sat":${v}},"passphrase":${JSON.stringify(passphrase)}}` }), 400, null);
expect('policy unknown key', await request('PUT', '/v1/policy',
	{ body: `{"policy":{"max_per_payment":1},"passphrase":${JSON.stringify(passphrase)}}` }), 400, 'policy_unknown_key');
// Token expiry out of range.
for (const v of ['0', '-5', '316224001', '99999999999999999999999'])
	expect(`token expires_s ${v}`, await request('POST', '/v1/tokens', { body: `{"scope":"read","label":"x","expires_s":${v}}` }),
		400, ['bad_value', 'bad_number']);
// PSBTs that are not.
for (const p of ['', '====', 'cHNidP8=', Buffer.from('psbt\xff\x01\x00', 'latin1').toString('base64'), 'A'.repeat(4000)])
	expect(`psbt ${p.slice(0, 12)}`, await request('POST', '/v1/psbt/sign', { body: JSON.stringify({ psbt: p }) }), 400, null);

// 2. Locked: only the locked-ok routes answer; a well-formed request to any other gets 423.
expect('lock', await request('POST', '/v1/wallet/lock'), 200, 'BADSHAPE');
for (const { method, path, op } of ops) {
	if (op['x-coffer-locked-ok'])
		continue;
	const p = path.replace('{id}', idFor(path));
	expect(`${method} ${p} while locked`, await request(method, p,
		{ body: op.requestBody ? JSON.stringify(bases[op.operationId] || {}) : undefined }), 423, 'wallet_locked');
}
// Payment routes answer the request's own errors first, even while locked (docs/API.md, "Order of errors").
expect('POST /v1/payments without outputs while locked', await request('POST', '/v1/payments', { body: '{}' }), 400,
	'no_outputs');
expect('POST /v1/payments malformed while locked', await request('POST', '/v1/payments', { body: '{"a":' }), 400,
	'bad_json');
expect('POST /v1/payments to mainnet while locked', await request('POST', '/v1/payments',
	{ body: JSON.stringify({ outputs: [{ address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amount_sat: 1000 }] }) }),
	400, 'wrong_network');
expect('GET /v1/payments/x while locked', await request('GET', '/v1/payments/x'), 404, 'not_found');
expect('GET /v1/payments?limit=0 while locked', await request('GET', '/v1/payments?limit=0'), 400, 'bad_value');
expect('bump fee rate 0 while locked', await request('POST', '/v1/payments/pay_0123456789abcdef/bump',
	{ body: '{"fee_rate_sat_vb":0}' }), 400, 'fee_rate_out_of_bounds');
expect('scoped token while locked', await request('GET', '/v1/info', { token: readToken }), 423, 'wallet_locked');
expect('unlock with a sealed box that is not one', await request('POST', '/v1/wallet/unlock',
	{ body: JSON.stringify({ sealed_passphrase: Buffer.alloc(80, 7).toString('base64') }) }), 400, 'signer_sealed');
expect('unlock', await request('POST', '/v1/wallet/unlock', { body: JSON.stringify({ passphrase }) }), 200, 'BADSHAPE');

// 3. Bad tokens last: after ten failures the address is slowed down (429), which is a stable answer too.
for (const t of ['', 'x', admin.toUpperCase(), `${admin}0`, `ct1_0123456789abcdef_${admin}`, 'ct1_', readToken.slice(0, -1)])
	expect(`token "${t.slice(0, 10)}"`, await request('GET', '/v1/info', { token: t }), [401, 429],
		['unauthorized', 'rate_limited']);

if (fivexx.length) {
	fails++;
	console.error(`FAIL 5xx answers:\n${fivexx.join('\n')}`);
}
console.log(`badinput: ${passes} passed, ${fails} failed`);
process.exit(fails ? 1 : 0);
