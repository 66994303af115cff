/**
 * Incremental SHA-256 in WebAssembly, generated here as a few kilobytes of
 * bytecode: the whole-file hash of an artifact must be streamed (WebCrypto's
 * digest is one-shot), and this is the part of an ingest no other thread can
 * share.
 *
 * Why not hash-wasm's SHA-256: measured in a Chromium worker on this project's
 * 2-core machine, it runs ≈ 235–240 MB/s; this module ≈ 280–295 MB/s (Node:
 * 272 vs 283). The difference is the compression function: all 64 rounds are
 * unrolled with the message schedule and the working variables in wasm locals
 * (registers after V8's optimizing tier), where hash-wasm's C code copies every
 * 64-byte block twice and keeps the schedule in linear memory. Maj uses the
 * (a^b)&(b^c) identity, reusing one XOR from the previous round.
 *
 * The bytecode is built by `buildSha256Module` below; tests compare the result
 * with node:crypto over seeded random inputs and every padding boundary.
 */

/** FIPS 180-4 round constants. */
const K = [
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
	0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
	0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
	0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
	0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
];

/** FIPS 180-4 initial hash value. */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** Linear memory layout: the 8-word state at 0, the input area from 64 KiB (one wasm page) on. */
const STATE_OFFSET = 0;
const DATA_OFFSET = 65536;
/**
 * Input is copied into wasm memory in pieces of at most this size: one artifact
 * chunk, so a 4 MiB update is one copy and one call; memory stays 4 MiB + 128 KiB.
 */
const DATA_AREA_BYTES = 4 * 1024 * 1024;
const PAGES = (DATA_OFFSET + DATA_AREA_BYTES) / 65536;

/** The WebAssembly opcodes used below. */
const Op = {
	LocalGet: 0x20,
	LocalSet: 0x21,
	LocalTee: 0x22,
	I32Load: 0x28,
	I32Store: 0x36,
	I32Const: 0x41,
	I32LtU: 0x49,
	I32Add: 0x6a,
	I32And: 0x71,
	I32Or: 0x72,
	I32Xor: 0x73,
	I32ShrU: 0x76,
	I32Rotl: 0x77,
	I32Rotr: 0x78,
	Loop: 0x03,
	BrIf: 0x0d,
	End: 0x0b,
	BlockTypeEmpty: 0x40
} as const;
type Op = (typeof Op)[keyof typeof Op];

function uleb(value: number): number[] {
	const out: number[] = [];
	let v = value >>> 0;
	do {
		let byte = v & 0x7f;
		v >>>= 7;
		if (v !== 0) byte |= 0x80;
		out.push(byte);
	} while (v !== 0);
	return out;
}

function sleb(value: number): number[] {
	const out: number[] = [];
	let v = value | 0;
	for (;;) {
		const byte = v & 0x7f;
		v >>= 7;
		if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
			out.push(byte);
			return out;
		}
		out.push(byte | 0x80);
	}
}

/**
 * The module: exports `memory` and `blocks(ptr, end)`, which runs the
 * compression function over the 64-byte blocks in [ptr, end) and updates the
 * state at STATE_OFFSET (words stored little-endian as wasm loads them).
 */
export function buildSha256Module(): Uint8Array<ArrayBuffer> {
	const code: number[] = [];
	const get = (i: number) => code.push(Op.LocalGet, ...uleb(i));
	const set = (i: number) => code.push(Op.LocalSet, ...uleb(i));
	const tee = (i: number) => code.push(Op.LocalTee, ...uleb(i));
	const konst = (v: number) => code.push(Op.I32Const, ...sleb(v));
	const op = (o: Op) => code.push(o);
	const rotrOf = (local: number, n: number) => {
		get(local);
		konst(n);
		op(Op.I32Rotr);
	};

	// Locals: 0 ptr, 1 end (params); 2–9 working variables; 10–25 schedule w[0..15];
	// 26–33 the state; 34 t1; 35 a^b of this round; 36 b^c (the previous round's a^b).
	const W = (t: number) => 10 + (t & 15);
	const S = (i: number) => 26 + i;
	const T1 = 34;
	const AB = 35;
	const BC = 36;

	for (let i = 0; i < 8; i++) {
		konst(0);
		code.push(Op.I32Load, 2, ...uleb(STATE_OFFSET + i * 4));
		set(S(i));
	}
	code.push(Op.Loop, Op.BlockTypeEmpty);
	for (let i = 0; i < 8; i++) {
		get(S(i));
		set(2 + i);
	}
	get(3);
	get(4);
	op(Op.I32Xor);
	set(BC);
	// Which local plays a, b, …, h this round: renaming instead of moving values.
	let roles = [2, 3, 4, 5, 6, 7, 8, 9];
	for (let t = 0; t < 64; t++) {
		const w = W(t);
		if (t < 16) {
			// Big-endian load: byte-swap with two rotations and masks (wasm has no bswap).
			get(0);
			code.push(Op.I32Load, 2, ...uleb(4 * t));
			tee(w);
			konst(8);
			op(Op.I32Rotl);
			konst(0x00ff00ff);
			op(Op.I32And);
			rotrOf(w, 8);
			konst(0xff00ff00 | 0);
			op(Op.I32And);
			op(Op.I32Or);
			set(w);
		} else {
			// w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16]
			const w2 = W(t - 2);
			const w15 = W(t - 15);
			rotrOf(w2, 17);
			rotrOf(w2, 19);
			op(Op.I32Xor);
			get(w2);
			konst(10);
			op(Op.I32ShrU);
			op(Op.I32Xor);
			get(W(t - 7));
			op(Op.I32Add);
			rotrOf(w15, 7);
			rotrOf(w15, 18);
			op(Op.I32Xor);
			get(w15);
			konst(3);
			op(Op.I32ShrU);
			op(Op.I32Xor);
			op(Op.I32Add);
			get(w);
			op(Op.I32Add);
			set(w);
		}
		const [a, b, c, d, e, f, g, h] = roles as [number, number, number, number, number, number, number, number];
		// t1 = h + K[t] + w[t] + Ch(e,f,g) + Σ1(e); the parts off the critical path first.
		get(h);
		konst(K[t] ?? 0);
		op(Op.I32Add);
		get(w);
		op(Op.I32Add);
		get(g);
		get(e);
		get(f);
		get(g);
		op(Op.I32Xor);
		op(Op.I32And);
		op(Op.I32Xor);
		op(Op.I32Add);
		rotrOf(e, 6);
		rotrOf(e, 11);
		op(Op.I32Xor);
		rotrOf(e, 25);
		op(Op.I32Xor);
		op(Op.I32Add);
		set(T1);
		// d += t1
		get(d);
		get(T1);
		op(Op.I32Add);
		set(d);
		// h = t1 + Σ0(a) + Maj(a,b,c), Maj = b ^ ((a^b) & (b^c))
		get(T1);
		rotrOf(a, 2);
		rotrOf(a, 13);
		op(Op.I32Xor);
		rotrOf(a, 22);
		op(Op.I32Xor);
		op(Op.I32Add);
		get(b);
		get(a);
		get(b);
		op(Op.I32Xor);
		tee(AB);
		get(BC);
		op(Op.I32And);
		op(Op.I32Xor);
		op(Op.I32Add);
		set(h);
		get(AB);
		set(BC);
		roles = [h, a, b, c, d, e, f, g];
	}
	for (let i = 0; i < 8; i++) {
		get(S(i));
		get(2 + i);
		op(Op.I32Add);
		set(S(i));
	}
	get(0);
	konst(64);
	op(Op.I32Add);
	tee(0);
	get(1);
	op(Op.I32LtU);
	code.push(Op.BrIf, 0, Op.End);
	for (let i = 0; i < 8; i++) {
		konst(0);
		get(S(i));
		code.push(Op.I32Store, 2, ...uleb(STATE_OFFSET + i * 4));
	}
	op(Op.End);

	const body = [1, ...uleb(35), 0x7f, ...code];
	const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
	const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
	return new Uint8Array([
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		...section(1, [1, 0x60, 2, 0x7f, 0x7f, 0]), // type 0: (i32, i32) -> ()
		...section(3, [1, 0]), // one function of type 0
		...section(5, [1, 0, ...uleb(PAGES)]), // one memory, fixed size
		...section(7, [2, ...name('memory'), 2, 0, ...name('blocks'), 0, 0]),
		...section(10, [1, ...uleb(body.length), ...body]) // its body
	]);
}

/** An incremental SHA-256: any number of `update`s, then `digest` (lowercase hex, as sha256sum prints), which starts over. */
export interface Sha256 {
	init(): Sha256;
	update(bytes: Uint8Array): Sha256;
	digest(): string;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** Creates a hasher; the module is compiled once per thread. */
export async function createSha256(): Promise<Sha256> {
	compiled ??= WebAssembly.compile(buildSha256Module());
	const instance = await WebAssembly.instantiate(await compiled);
	const memory = instance.exports.memory as WebAssembly.Memory;
	const blocks = instance.exports.blocks as (ptr: number, end: number) => void;
	const heap = new Uint8Array(memory.buffer);
	const view = new DataView(memory.buffer);
	/** Bytes waiting at DATA_OFFSET for a full 64-byte block. */
	let pending = 0;
	let total = 0;
	const hasher: Sha256 = {
		init() {
			for (let i = 0; i < 8; i++) view.setUint32(STATE_OFFSET + i * 4, H0[i] ?? 0, true);
			pending = 0;
			total = 0;
			return hasher;
		},
		update(bytes) {
			total += bytes.length;
			for (let at = 0; at < bytes.length; ) {
				const n = Math.min(DATA_AREA_BYTES - pending, bytes.length - at);
				heap.set(bytes.subarray(at, at + n), DATA_OFFSET + pending);
				at += n;
				const have = pending + n;
				const full = have & ~63;
				if (full > 0) blocks(DATA_OFFSET, DATA_OFFSET + full);
				pending = have - full;
				if (pending > 0 && full > 0) heap.copyWithin(DATA_OFFSET, DATA_OFFSET + full, DATA_OFFSET + have);
			}
			return hasher;
		},
		digest() {
			// Padding: 0x80, zeros up to 56 mod 64, then the length in bits as 64-bit big-endian.
			const padded = pending < 56 ? 56 : 120;
			heap[DATA_OFFSET + pending] = 0x80;
			heap.fill(0, DATA_OFFSET + pending + 1, DATA_OFFSET + padded);
			const bits = total * 8;
			view.setUint32(DATA_OFFSET + padded, Math.floor(bits / 2 ** 32));
			view.setUint32(DATA_OFFSET + padded + 4, bits >>> 0);
			blocks(DATA_OFFSET, DATA_OFFSET + padded + 8);
			let hex = '';
			for (let i = 0; i < 8; i++) hex += view.getUint32(STATE_OFFSET + i * 4, true).toString(16).padStart(8, '0');
			hasher.init();
			return hex;
		}
	};
	return hasher.init();
}
