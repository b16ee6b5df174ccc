// Descriptors: random descriptors (pkh, wpkh, sh(wpkh), wsh(multi|sortedmulti),
// tr(KEY), tr(KEY,TREE) with pk/multi_a/sortedmulti_a leaves) over random keys,
// origins and index ranges on both the receive and change branches; Coffer's
// `descriptor derive` must print exactly the addresses @scure/btc-signer gives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ok, run, needs, scaled, Rng } from '../lib/coffer.js';
import { NETWORK_NAMES, withChecksum } from '../lib/ref.js';
import { randomDescriptor, renderDescriptor, addressAt } from '../lib/desc.js';

const MAX_INDEX = 2 ** 31 - 1;

function randomRange(rng, count) {
	switch (rng.int(0, 3)) {
	case 0: return [0, count - 1];
	case 1: { const a = rng.int(0, 1000); return [a, a + count - 1]; }
	case 2: return [MAX_INDEX - count + 1, MAX_INDEX];
	default: { const a = rng.int(0, MAX_INDEX - count + 1); return [a, a + count - 1]; }
	}
}

function derive(network, desc, range) {
	return ok(['descriptor', 'derive', '--network', network, desc, '--range', `${range[0]}:${range[1]}`])
		.trim().split('\n');
}

describe('coffer descriptor derive == @scure/btc-signer', () => {
	const skip = needs('descriptor derive');
	const rng = new Rng('descriptor-derive');

	const SHAPES = ['pkh', 'wpkh', 'sh-wpkh', 'wsh-multi', 'wsh-sortedmulti', 'tr', 'tr-tree'];
	for (const shape of SHAPES) {
		it(`${shape}: random keys, origins, ranges, receive and change`, { skip }, (t) => {
			const n = scaled(shape.startsWith('wsh') || shape === 'tr-tree' ? 10 : 8);
			let addrs = 0;
			for (let i = 0; i < n; i++) {
				const network = rng.pick(NETWORK_NAMES);
				const d = randomDescriptor(rng, network, shape);
				for (const branch of [0, 1]) {
					const desc = renderDescriptor(d, branch);
					const range = randomRange(rng, rng.int(1, 30));
					const got = derive(network, desc, range);
					const want = [];
					for (let j = range[0]; j <= range[1]; j++)
						want.push(addressAt(d, branch, j));
					assert.deepEqual(got, want, `case ${i}: ${desc} --network ${network} --range ${range.join(':')}`);
					addrs += want.length;
				}
			}
			t.diagnostic(`${n} ${shape} descriptors, ${addrs} addresses equal`);
		});
	}

	it('a descriptor without checksum derives the same addresses', { skip }, () => {
		const d = randomDescriptor(rng, 'bitcoin', 'wpkh');
		const desc = renderDescriptor(d, 0);
		assert.deepEqual(derive('bitcoin', desc.replace(/#.*/, ''), [0, 2]), derive('bitcoin', desc, [0, 2]));
	});

	it('a wrong checksum is refused with a non-zero exit and a reason', { skip }, () => {
		const d = randomDescriptor(rng, 'bitcoin', 'tr');
		const desc = renderDescriptor(d, 0);
		const sum = desc.slice(-8);
		const bad = desc.slice(0, -8) + (sum[0] === 'q' ? 'p' : 'q') + sum.slice(1);
		const r = run(['descriptor', 'derive', '--network', 'bitcoin', bad, '--range', '0:1']);
		assert.notEqual(r.status, 0);
		assert.equal(r.stdout, '');
		assert.match(r.stderr, /^coffer: .+/);
	});

	it('an xpub on the wrong network is refused', { skip }, () => {
		const d = randomDescriptor(rng, 'bitcoin', 'wpkh');
		const r = run(['descriptor', 'derive', '--network', 'testnet', renderDescriptor(d, 0), '--range', '0:1']);
		assert.notEqual(r.status, 0, 'an xpub descriptor derived on testnet');
		assert.equal(r.stdout, '');
	});

	it('unknown descriptor functions are refused', { skip }, () => {
		const d = randomDescriptor(rng, 'bitcoin', 'wpkh');
		const body = renderDescriptor(d, 0).replace(/#.*/, '').replace(/^wpkh/, 'wpkhx');
		const r = run(['descriptor', 'derive', '--network', 'bitcoin', withChecksum(body), '--range', '0:1']);
		assert.notEqual(r.status, 0);
		assert.equal(r.stdout, '');
	});
});
