// Drive the coffer CLI from the interop tests: run a command, detect which
// commands exist (from `coffer help`), keep secrets in private temp files,
// and give every suite a reproducible random stream and a size scale.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export const COFFER_BIN = process.env.COFFER_BIN || '';

// COFFER_INTEROP_SCALE multiplies every case count (default 1: CI size).
export const SCALE = (() => {
	const s = Number(process.env.COFFER_INTEROP_SCALE || '1');
	if (!Number.isFinite(s) || s <= 0)
		throw new Error(`COFFER_INTEROP_SCALE must be a positive number, got '${process.env.COFFER_INTEROP_SCALE}'`);
	return s;
})();

export function scaled(n) {
	return Math.max(1, Math.round(n * SCALE));
}

/* Run coffer; returns {status, stdout, stderr}. Never throws on a non-zero exit. */
export function run(args, input) {
	if (!COFFER_BIN)
		throw new Error('COFFER_BIN is not set (tests/cli/test_interop.sh sets it)');
	const r = spawnSync(COFFER_BIN, args, {
		input: input ?? '',
		encoding: 'utf8',
		maxBuffer: 64 << 20,
	});
	if (r.error)
		throw r.error;
	return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/* Run coffer and return its stdout; throws with the command and its stderr on failure. */
export function ok(args, input) {
	const r = run(args, input);
	if (r.status !== 0) {
		const shown = args.map((a) => (a.length > 120 ? a.slice(0, 117) + '...' : a)).join(' ');
		throw new Error(`coffer ${shown} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
	}
	return r.stdout;
}

let helpText;
/* The `coffer help` text (cached). */
export function help() {
	if (helpText === undefined) {
		const r = COFFER_BIN ? run(['help']) : { status: 1, stdout: '' };
		helpText = r.status === 0 ? r.stdout : '';
	}
	return helpText;
}

/* Whether `coffer help` lists the command "group name" (e.g. "psbt sign"). */
export function hasCommand(cmd) {
	const re = new RegExp(`^\\s+${cmd.replace(/ /g, '\\s+')}(\\s|$)`, 'm');
	return re.test(help());
}

/*
 * The skip reason for a suite needing these commands, or false when all exist.
 * A suite whose commands have not landed yet is reported as skipped, never as passed.
 */
export function needs(...cmds) {
	if (!COFFER_BIN)
		return 'COFFER_BIN not set: run through tests/cli/test_interop.sh';
	const missing = cmds.filter((c) => !hasCommand(c));
	if (missing.length === 0)
		return false;
	return `coffer lacks ${missing.map((c) => '`' + c + '`').join(', ')} (not in \`coffer help\` yet)`;
}

// One private temp folder per process for mnemonic and passphrase files.
let tmp;
function tmpDir() {
	if (!tmp) {
		tmp = mkdtempSync(join(tmpdir(), 'coffer-interop-'));
		chmodSync(tmp, 0o700);
		process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
	}
	return tmp;
}

let fileNo = 0;
/* Write a secret to a fresh 0600 file and return its path. */
export function secretFile(content) {
	const p = join(tmpDir(), `s${fileNo++}`);
	writeFileSync(p, content, { mode: 0o600 });
	return p;
}

/* Write data to a fresh file and return its path. */
export function tempFile(content) {
	const p = join(tmpDir(), `f${fileNo++}`);
	writeFileSync(p, content);
	return p;
}

/*
 * A reproducible random stream (SHA-256 in counter mode) per suite. The base
 * seed comes from COFFER_INTEROP_SEED or is fresh; tests print it so a failure
 * can be replayed.
 */
export const SEED = process.env.COFFER_INTEROP_SEED || bytesToHex(crypto.getRandomValues(new Uint8Array(8)));

export class Rng {
	constructor(label) {
		this.key = sha256(utf8ToBytes(`${SEED}/${label}`));
		this.ctr = 0;
		this.pool = new Uint8Array(0);
	}
	bytes(n) {
		const out = new Uint8Array(n);
		let off = 0;
		while (off < n) {
			if (this.pool.length === 0) {
				const c = new Uint8Array(36);
				c.set(this.key);
				new DataView(c.buffer).setUint32(32, this.ctr++);
				this.pool = sha256(c);
			}
			const take = Math.min(n - off, this.pool.length);
			out.set(this.pool.subarray(0, take), off);
			this.pool = this.pool.subarray(take);
			off += take;
		}
		return out;
	}
	u32() {
		const b = this.bytes(4);
		return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
	}
	/* uniform integer in [lo, hi] (hi - lo < 2^32) */
	int(lo, hi) {
		const span = hi - lo + 1;
		const lim = Math.floor(0x100000000 / span) * span;
		for (;;) {
			const v = this.u32();
			if (v < lim)
				return lo + (v % span);
		}
	}
	pick(arr) {
		return arr[this.int(0, arr.length - 1)];
	}
	bool(p = 0.5) {
		return this.u32() < p * 0x100000000;
	}
	shuffle(arr) {
		const a = arr.slice();
		for (let i = a.length - 1; i > 0; i--) {
			const j = this.int(0, i);
			[a[i], a[j]] = [a[j], a[i]];
		}
		return a;
	}
}
