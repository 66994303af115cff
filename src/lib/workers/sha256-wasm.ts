/**
 * Incremental SHA-256 in WebAssembly: the streamed whole-file hash of an
 * artifact (WebCrypto's digest is one-shot). The bytecode and why it is
 * generated here: sha256-wasm-module.ts.
 */
import { buildSha256Module, DATA_AREA_BYTES, DATA_OFFSET, STATE_OFFSET } from './sha256-wasm-module';

/** FIPS 180-4 initial hash value. */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** An incremental SHA-256: any number of `update`s, then `digest` (lowercase hex, as sha256sum prints), which starts over. */
export interface Sha256 {
	init(): Sha256;
	update(bytes: Uint8Array): Sha256;
	digest(): string;
}

const built = new Map<boolean, Uint8Array<ArrayBuffer>>();
const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

/** Each variant's bytecode, generated once per thread (validated, then compiled, from the same bytes). */
function moduleBytes(simd: boolean): Uint8Array<ArrayBuffer> {
	let bytes = built.get(simd);
	if (!bytes) built.set(simd, (bytes = buildSha256Module({ simd })));
	return bytes;
}

let simdKnown: boolean | undefined;
/** Whether this engine runs WebAssembly SIMD (all current browsers; the scalar module otherwise). */
function simdSupported(): boolean {
	return (simdKnown ??= WebAssembly.validate(moduleBytes(true)));
}

/**
 * Creates a hasher; each module is compiled once per thread. `simd` defaults
 * to what the engine supports (tests pick each).
 */
export async function createSha256({ simd = simdSupported() }: { simd?: boolean } = {}): Promise<Sha256> {
	let module = compiled.get(simd);
	if (!module) compiled.set(simd, (module = WebAssembly.compile(moduleBytes(simd))));
	const instance = await WebAssembly.instantiate(await module);
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
