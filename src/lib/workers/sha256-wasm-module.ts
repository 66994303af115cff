/**
 * The WebAssembly bytecode of Cairn's incremental SHA-256 (sha256-wasm.ts
 * runs it): a few kilobytes generated here, one function `blocks(ptr, end)`
 * that runs the compression function over the 64-byte blocks in [ptr, end).
 *
 * Why generate it: the whole-file hash of an artifact must be streamed
 * (WebCrypto's digest is one-shot) and is the part of an ingest no other
 * thread can share, so its speed is the ingest's. Measured in a Chromium
 * worker on this project's 2-core machine: hash-wasm's SHA-256 ≈ 235–240 MB/s;
 * the scalar module below ≈ 275–295 MB/s; with the SIMD message schedule
 * ≈ 320–350 MB/s (Node 20: 277 → 325–342). Where the time went: all 64 rounds
 * are unrolled with the working variables in wasm locals (registers after V8's
 * optimizing tier), and without the message schedule the scalar module ran
 * ≈ 374 MB/s in Node — the schedule was a quarter of its time. The SIMD variant
 * computes it four words at a time (i32x4), each step placed before the four
 * rounds it runs beside (the rounds' dependency chain leaves the core room;
 * computed all up front, the schedule's own chain made it no faster than
 * scalar), and the rounds read W[t] + K[t] from a scratch area.
 *
 * Tests compare both variants with node:crypto over seeded random inputs and
 * every padding boundary.
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

/** Linear memory layout: the 8-word state at 0, the SIMD schedule's W+K at 64, the input area from 64 KiB (one wasm page) on. */
export const STATE_OFFSET = 0;
const SCRATCH_OFFSET = 64;
export const DATA_OFFSET = 65536;
/**
 * Input is copied into wasm memory in pieces of at most this size: one artifact
 * chunk, so a 4 MiB update is one copy and one call; memory stays 4 MiB + 128 KiB.
 */
export const DATA_AREA_BYTES = 4 * 1024 * 1024;
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
	BlockTypeEmpty: 0x40,
	/** Prefix of the SIMD instructions (each then a LEB128 opcode). */
	Simd: 0xfd
} as const;
/** SIMD opcodes (after Op.Simd). */
const Simd = {
	V128Load: 0x00,
	V128Store: 0x0b,
	V128Const: 0x0c,
	I8x16Shuffle: 0x0d,
	V128Or: 0x50,
	V128Xor: 0x51,
	I32x4Shl: 0xab,
	I32x4ShrU: 0xad,
	I32x4Add: 0xae
} as const;
const I32 = 0x7f;
const V128 = 0x7b;
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

/** The 16 byte lanes of the 32-bit words `words` of two shuffled vectors (0–3 the first, 4–7 the second). */
const lanesOf = (words: number[]) => words.flatMap((w) => [w * 4, w * 4 + 1, w * 4 + 2, w * 4 + 3]);
/** Byte-swaps each 32-bit lane: the message is big-endian, wasm loads little-endian. */
const BSWAP_LANES = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];

/**
 * The module: exports `memory` and `blocks(ptr, end)`, which updates the state
 * at STATE_OFFSET (words stored little-endian as wasm loads them) over the
 * blocks in [ptr, end). `simd` picks the message schedule in i32x4 (engines
 * without wasm SIMD reject that module: sha256-wasm.ts checks).
 */
export function buildSha256Module({ simd }: { simd: boolean }): Uint8Array<ArrayBuffer> {
	const code: number[] = [];
	const get = (i: number) => code.push(Op.LocalGet, ...uleb(i));
	const set = (i: number) => code.push(Op.LocalSet, ...uleb(i));
	const tee = (i: number) => code.push(Op.LocalTee, ...uleb(i));
	const konst = (v: number) => code.push(Op.I32Const, ...sleb(v));
	const op = (o: Op) => code.push(o);
	const vec = (o: number, ...immediates: number[]) => code.push(Op.Simd, ...uleb(o), ...immediates);
	const rotrOf = (local: number, n: number) => {
		get(local);
		konst(n);
		op(Op.I32Rotr);
	};

	// i32 locals: 0 ptr, 1 end (params); 2–9 working variables; 10–17 the state;
	// 18 t1; 19 a^b of this round; 20 b^c (the previous round's a^b). Then either
	// the scalar schedule's w[0..15] (i32, 21–36) or the SIMD schedule's v128s:
	// four words of W each (21–24) and two temporaries (25, 26).
	const S = (i: number) => 10 + i;
	const T1 = 18;
	const AB = 19;
	const BC = 20;
	const W = (t: number) => 21 + (t & 15);
	const X = (q: number) => 21 + (q & 3);
	const TMP = 25;
	const V = 26;

	/** The scalar schedule: w[t] (big-endian load for t < 16), left in its local. */
	const scalarSchedule = (t: number) => {
		const w = W(t);
		if (t < 16) {
			// Byte-swap with two rotations and masks (wasm has no bswap).
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
			return;
		}
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
	};

	/** σ(x) = rotr(x, a) ^ rotr(x, b) ^ (x >>> c) on the four words of v128 local `x`, left on the stack. */
	const sigma4 = (x: number, a: number, b: number, c: number) => {
		for (const n of [a, b]) {
			get(x);
			konst(n);
			vec(Simd.I32x4ShrU);
			get(x);
			konst(32 - n);
			vec(Simd.I32x4Shl);
			vec(Simd.V128Or);
		}
		vec(Simd.V128Xor);
		get(x);
		konst(c);
		vec(Simd.I32x4ShrU);
		vec(Simd.V128Xor);
	};
	const zero4 = () => vec(Simd.V128Const, ...new Array<number>(16).fill(0));
	/** Stores W[t..t+3] + K[t..t+3] from v128 local `x` for the rounds to read. */
	const storeWK = (x: number, t: number) => {
		konst(0);
		get(x);
		vec(Simd.V128Const, ...new Uint8Array(new Uint32Array(K.slice(t, t + 4)).buffer));
		vec(Simd.I32x4Add);
		vec(Simd.V128Store, 4, ...uleb(SCRATCH_OFFSET + 4 * t));
	};
	/**
	 * The SIMD schedule for W[t..t+3] (t ≥ 16; X(t/4) holds W[t-16..t-13] and
	 * gets the result). σ1 needs W[t-2..t+1], of which W[t] and W[t+1] are being
	 * computed: the low two lanes first, then the high two from them.
	 */
	const simdSchedule = (t: number) => {
		const q = t / 4;
		const [w16, w12, w8, w4] = [X(q), X(q + 1), X(q + 2), X(q + 3)];
		// TMP = W[t-16..] + σ0(W[t-15..t-12]) + W[t-7..t-4]
		get(w16);
		get(w12);
		vec(Simd.I8x16Shuffle, ...lanesOf([1, 2, 3, 4]));
		set(V);
		get(w16);
		sigma4(V, 7, 18, 3);
		vec(Simd.I32x4Add);
		get(w8);
		get(w4);
		vec(Simd.I8x16Shuffle, ...lanesOf([1, 2, 3, 4]));
		vec(Simd.I32x4Add);
		set(TMP);
		/** `into` = TMP + σ1(the vector on the stack). */
		const plusSigma1 = (into: number) => {
			set(V);
			get(TMP);
			sigma4(V, 17, 19, 10);
			vec(Simd.I32x4Add);
			set(into);
		};
		// Lanes 0, 1 += σ1(W[t-2], W[t-1]); lanes 2, 3 get σ1(0) = 0.
		get(w4);
		zero4();
		vec(Simd.I8x16Shuffle, ...lanesOf([2, 3, 4, 4]));
		plusSigma1(TMP);
		// Lanes 2, 3 += σ1(W[t], W[t+1]), just computed in lanes 0, 1.
		zero4();
		get(TMP);
		vec(Simd.I8x16Shuffle, ...lanesOf([0, 0, 4, 5]));
		plusSigma1(w16);
		storeWK(w16, t);
	};

	// Which local plays a, b, …, h this round: renaming instead of moving values.
	let roles = [2, 3, 4, 5, 6, 7, 8, 9];
	const round = (t: number) => {
		const [a, b, c, d, e, f, g, h] = roles as [number, number, number, number, number, number, number, number];
		// t1 = h + K[t] + w[t] + Ch(e,f,g) + Σ1(e); the parts off the critical path first.
		get(h);
		if (simd) {
			konst(0);
			code.push(Op.I32Load, 2, ...uleb(SCRATCH_OFFSET + 4 * t));
		} else {
			konst(K[t] ?? 0);
			op(Op.I32Add);
			get(W(t));
		}
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
	};

	for (let i = 0; i < 8; i++) {
		konst(0);
		code.push(Op.I32Load, 2, ...uleb(STATE_OFFSET + i * 4));
		set(S(i));
	}
	code.push(Op.Loop, Op.BlockTypeEmpty);
	if (simd) {
		// The block's 16 words, byte-swapped four at a time.
		for (let q = 0; q < 4; q++) {
			get(0);
			vec(Simd.V128Load, 0, ...uleb(16 * q));
			set(V);
			get(V);
			get(V);
			vec(Simd.I8x16Shuffle, ...BSWAP_LANES);
			set(X(q));
			storeWK(X(q), 4 * q);
		}
	}
	for (let i = 0; i < 8; i++) {
		get(S(i));
		set(2 + i);
	}
	get(3);
	get(4);
	op(Op.I32Xor);
	set(BC);
	for (let t = 0; t < 64; t++) {
		if (!simd) scalarSchedule(t);
		// Each SIMD step, for the words 16 rounds ahead, runs beside this group of four rounds.
		else if (t % 4 === 0 && t < 48) simdSchedule(t + 16);
		round(t);
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

	const locals = simd ? [2, ...uleb(19), I32, ...uleb(6), V128] : [1, ...uleb(35), I32];
	const body = [...locals, ...code];
	const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
	const name = (s: string) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
	return new Uint8Array([
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		...section(1, [1, 0x60, 2, I32, I32, 0]), // type 0: (i32, i32) -> ()
		...section(3, [1, 0]), // one function of type 0
		...section(5, [1, 0, ...uleb(PAGES)]), // one memory, fixed size
		...section(7, [2, ...name('memory'), 2, 0, ...name('blocks'), 0, 0]),
		...section(10, [1, ...uleb(body.length), ...body]) // its body
	]);
}
