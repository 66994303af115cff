// @ts-check
/**
 * Draws Cairn's mark (a cairn: four stacked stones on a dark tile) and writes
 *   static/icons/icon-192.png, icon-512.png, icon-maskable-512.png,
 *   static/favicon.png (32 px) and static/favicon.svg.
 * Pure Node: a tiny RGBA PNG encoder over node:zlib, 4×4 supersampled shapes.
 * The outputs are committed; rerun only when the mark changes:
 *   node scripts/make-icons.mjs
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATIC_DIR = join(ROOT, 'static');

/** Tile colour; matches THEME_COLOR in vite.config.ts. */
const TILE = '#2f3b36';

/** @typedef {{ cx: number, cy: number, rx: number, ry: number, fill: string }} Stone */

/** Stones bottom to top, in unit coordinates (0..1 of the icon's side). */
/** @type {Stone[]} */
const STONES = [
	{ cx: 0.5, cy: 0.74, rx: 0.3, ry: 0.09, fill: '#b8ad97' },
	{ cx: 0.48, cy: 0.575, rx: 0.215, ry: 0.078, fill: '#d6cdb9' },
	{ cx: 0.52, cy: 0.43, rx: 0.15, ry: 0.066, fill: '#c4b9a2' },
	{ cx: 0.495, cy: 0.305, rx: 0.092, ry: 0.056, fill: '#ebe5d8' },
];

/** Corner radius of the (non-maskable) tile, as a fraction of the side. */
const TILE_RADIUS = 0.22;

/**
 * Maskable icons may be cropped to a circle of radius 0.4 around the centre; shrink
 * the stones into that safe zone (the tile fills the whole square there).
 */
const MASKABLE_SCALE = 0.74;

/** @param {string} hex */
function rgb(hex) {
	const n = Number.parseInt(hex.slice(1), 16);
	return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * @param {Stone[]} stones
 * @param {number} scale
 * @returns {Stone[]}
 */
function scaled(stones, scale) {
	const centreY = 0.525;
	return stones.map((s) => ({
		...s,
		cx: 0.5 + (s.cx - 0.5) * scale,
		cy: centreY + (s.cy - centreY) * scale,
		rx: s.rx * scale,
		ry: s.ry * scale,
	}));
}

/**
 * @param {number} x
 * @param {number} y
 * @param {number} r corner radius; 0 = full square
 */
function insideTile(x, y, r) {
	if (r === 0) return true;
	const dx = Math.max(r - x, 0, x - (1 - r));
	const dy = Math.max(r - y, 0, y - (1 - r));
	return dx * dx + dy * dy <= r * r;
}

/**
 * Renders the mark into RGBA bytes.
 * @param {number} size pixels per side
 * @param {{ maskable: boolean }} options
 */
function render(size, { maskable }) {
	const SAMPLES = 4;
	const stones = (maskable ? scaled(STONES, MASKABLE_SCALE) : STONES).map((s) => ({
		...s,
		color: rgb(s.fill),
	}));
	const tile = rgb(TILE);
	const radius = maskable ? 0 : TILE_RADIUS;
	const pixels = new Uint8Array(size * size * 4);
	for (let py = 0; py < size; py++) {
		for (let px = 0; px < size; px++) {
			let r = 0;
			let g = 0;
			let b = 0;
			let covered = 0;
			for (let sy = 0; sy < SAMPLES; sy++) {
				for (let sx = 0; sx < SAMPLES; sx++) {
					const x = (px + (sx + 0.5) / SAMPLES) / size;
					const y = (py + (sy + 0.5) / SAMPLES) / size;
					if (!insideTile(x, y, radius)) continue;
					let color = tile;
					for (const s of stones) {
						const nx = (x - s.cx) / s.rx;
						const ny = (y - s.cy) / s.ry;
						if (nx * nx + ny * ny <= 1) color = s.color;
					}
					r += color[0] ?? 0;
					g += color[1] ?? 0;
					b += color[2] ?? 0;
					covered++;
				}
			}
			const i = (py * size + px) * 4;
			if (covered > 0) {
				pixels[i] = Math.round(r / covered);
				pixels[i + 1] = Math.round(g / covered);
				pixels[i + 2] = Math.round(b / covered);
				pixels[i + 3] = Math.round((255 * covered) / (SAMPLES * SAMPLES));
			}
		}
	}
	return pixels;
}

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** @param {Uint8Array} bytes */
function crc32(bytes) {
	let c = 0xffffffff;
	for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

/**
 * @param {string} type four-letter chunk type
 * @param {Uint8Array} data
 */
function chunk(type, data) {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, 'ascii');
	out.set(data, 8);
	out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
	return out;
}

/**
 * Encodes 8-bit RGBA pixels as a PNG (every scanline with filter type 0).
 * @param {number} size
 * @param {Uint8Array} rgba
 */
export function encodePng(size, rgba) {
	const header = Buffer.alloc(13);
	header.writeUInt32BE(size, 0);
	header.writeUInt32BE(size, 4);
	header[8] = 8; // bit depth
	header[9] = 6; // colour type: RGBA
	const stride = size * 4;
	const raw = Buffer.alloc((stride + 1) * size);
	for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(raw, { level: 9 })),
		chunk('IEND', new Uint8Array(0)),
	]);
}

function svg() {
	const f = (/** @type {number} */ n) => Number((n * 64).toFixed(2));
	const stones = STONES.map(
		(s) => `  <ellipse cx="${f(s.cx)}" cy="${f(s.cy)}" rx="${f(s.rx)}" ry="${f(s.ry)}" fill="${s.fill}"/>`,
	).join('\n');
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <rect width="64" height="64" rx="${f(TILE_RADIUS)}" fill="${TILE}"/>
${stones}
</svg>
`;
}

/** @param {string} file @param {string | Uint8Array} data */
function write(file, data) {
	const path = join(STATIC_DIR, file);
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, data);
	console.log(`wrote static/${file} (${data.length} bytes)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	write('icons/icon-192.png', encodePng(192, render(192, { maskable: false })));
	write('icons/icon-512.png', encodePng(512, render(512, { maskable: false })));
	write('icons/icon-maskable-512.png', encodePng(512, render(512, { maskable: true })));
	write('favicon.png', encodePng(32, render(32, { maskable: false })));
	write('favicon.svg', svg());
}
