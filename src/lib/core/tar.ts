/**
 * POSIX tar (ustar, with pax extended headers where ustar runs out) written as a
 * list of parts, so an export can be a Blob composed of small header arrays and
 * the stored, disk-backed file Blobs: nothing is copied into one big buffer.
 *
 * Layout (POSIX.1-2001 "ustar Interchange Format", pax extensions): each member is
 * a 512-byte header, its bytes, zero padding to a 512-byte boundary; the archive
 * ends with two zero blocks. Paths up to 100 bytes go in `name`; up to 255 bytes are
 * split at a '/' into `prefix` (155) + `name` (100); longer paths (or ones with no
 * usable '/') get a pax `path=` record, which GNU tar, bsdtar and Python's tarfile
 * read. Sizes up to 8 GiB − 1 fit the 11-digit octal field; larger ones use the
 * base-256 encoding GNU tar and bsdtar read (high bit of the first byte set).
 *
 * Pure: no DOM, no Blob. The caller maps its file handles into the part list.
 */
import { CairnError } from './errors';

export const TAR_BLOCK = 512;

/** The largest size the 11-digit octal field holds: 8 GiB − 1. Larger sizes are written in base-256. */
export const TAR_MAX_OCTAL_SIZE = 0o77777777777;

/** ustar `name` and `prefix` field widths, in bytes (UTF-8). */
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;

/** Paths longer than this are refused even with pax: nobody's file system takes them. */
export const TAR_MAX_PATH_BYTES = 4096;

export class TarError extends CairnError {
	override readonly name: string = 'TarError';
	constructor(message: string) {
		super('tar', message);
	}
}

export interface TarEntry<Body> {
	/** Relative path inside the archive, '/'-separated. */
	path: string;
	size: number;
	/** Modification time, milliseconds since the epoch. */
	mtimeMs: number;
	body: Body;
	/** Permission bits; 0o644 unless given. */
	mode?: number;
}

const encoder = new TextEncoder();

function writeString(block: Uint8Array, offset: number, width: number, text: string | Uint8Array): void {
	const bytes = typeof text === 'string' ? encoder.encode(text) : text;
	if (bytes.length > width) throw new TarError(`tar header field of ${width} bytes cannot hold ${bytes.length} bytes`);
	block.set(bytes, offset);
}

/** An octal number, zero-padded to `width − 1` digits and NUL-terminated (the classic form every tar reads). */
function writeOctal(block: Uint8Array, offset: number, width: number, value: number): void {
	const digits = value.toString(8).padStart(width - 1, '0');
	if (digits.length > width - 1) throw new TarError(`${value} does not fit a ${width}-byte octal tar field`);
	writeString(block, offset, width, digits);
	block[offset + width - 1] = 0;
}

/** Base-256 (GNU/star): first byte 0x80, then the value big-endian in the remaining bytes. */
function writeBase256(block: Uint8Array, offset: number, width: number, value: number): void {
	if (!Number.isSafeInteger(value) || value < 0) throw new TarError(`${value} is not a byte count tar can store`);
	block[offset] = 0x80;
	let rest = value;
	for (let i = offset + width - 1; i > offset; i--) {
		block[i] = rest % 256;
		rest = Math.floor(rest / 256);
	}
}

/**
 * Splits a path into ustar `prefix` and `name` (both UTF-8 byte limits), or null
 * when it cannot be split (then a pax header carries it).
 */
export function splitUstarPath(path: string): { prefix: string; name: string } | null {
	const bytes = encoder.encode(path);
	if (bytes.length <= NAME_BYTES) return { prefix: '', name: path };
	if (bytes.length > PREFIX_BYTES + 1 + NAME_BYTES) return null;
	// Rightmost '/' that leaves a name of ≤ 100 bytes, with a prefix of ≤ 155 bytes.
	for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
		const prefix = path.slice(0, i);
		const name = path.slice(i + 1);
		const prefixBytes = encoder.encode(prefix).length;
		const nameBytes = encoder.encode(name).length;
		if (nameBytes > NAME_BYTES) return null; // moving further left only makes the name longer
		if (name.length > 0 && prefixBytes <= PREFIX_BYTES) return { prefix, name };
	}
	return null;
}

/** A pax extended-header record: "<len> <key>=<value>\n", where <len> counts the whole record, itself included. */
export function paxRecord(key: string, value: string): string {
	const body = ` ${key}=${value}\n`;
	const bodyBytes = encoder.encode(body).length;
	let length = bodyBytes + 1;
	while (String(length).length + bodyBytes !== length) length = String(length).length + bodyBytes;
	return `${length}${body}`;
}

interface HeaderFields {
	name: string;
	prefix: string;
	size: number;
	mtimeMs: number;
	mode: number;
	/** '0' regular file, 'x' pax extended header for the next member. */
	type: '0' | 'x';
}

function ustarHeader(fields: HeaderFields): Uint8Array<ArrayBuffer> {
	const block = new Uint8Array(TAR_BLOCK);
	writeString(block, 0, NAME_BYTES, fields.name);
	writeOctal(block, 100, 8, fields.mode);
	writeOctal(block, 108, 8, 0); // uid
	writeOctal(block, 116, 8, 0); // gid
	if (fields.size <= TAR_MAX_OCTAL_SIZE) writeOctal(block, 124, 12, fields.size);
	else writeBase256(block, 124, 12, fields.size);
	writeOctal(block, 136, 12, Math.max(0, Math.floor(fields.mtimeMs / 1000)));
	block[156] = fields.type.charCodeAt(0);
	writeString(block, 257, 6, 'ustar\0');
	writeString(block, 263, 2, '00');
	writeString(block, 265, 32, 'cairn'); // uname
	writeString(block, 297, 32, 'cairn'); // gname
	writeOctal(block, 329, 8, 0); // devmajor
	writeOctal(block, 337, 8, 0); // devminor
	writeString(block, 345, PREFIX_BYTES, fields.prefix);
	// Checksum: the unsigned byte sum with the checksum field read as 8 spaces,
	// written as six octal digits, NUL, space (the form GNU tar writes).
	block.fill(0x20, 148, 156);
	let sum = 0;
	for (const b of block) sum += b;
	writeString(block, 148, 6, sum.toString(8).padStart(6, '0'));
	block[154] = 0;
	block[155] = 0x20;
	return block;
}

/** Zero bytes that pad `size` bytes of member data to the next 512-byte boundary (empty when aligned). */
export function tarPadding(size: number): Uint8Array<ArrayBuffer> {
	return new Uint8Array((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** Two zero blocks: the end-of-archive marker. */
export function tarEnd(): Uint8Array<ArrayBuffer> {
	return new Uint8Array(2 * TAR_BLOCK);
}

/**
 * The header block(s) for one regular file: a pax header first when the path does
 * not fit ustar, then the ustar header. Throws TarError for paths tar cannot hold.
 */
export function tarFileHeader(entry: Omit<TarEntry<unknown>, 'body'>): Uint8Array<ArrayBuffer> {
	const { path, size } = entry;
	const mode = entry.mode ?? 0o644;
	if (!Number.isSafeInteger(size) || size < 0) throw new TarError(`"${path}": size ${size} is not a whole number of bytes`);
	if (path.length === 0 || path.startsWith('/') || path.split('/').some((s) => s === '' || s === '.' || s === '..'))
		throw new TarError(`"${path}" is not a relative path without empty, "." or ".." segments`);
	if (path.includes('\0')) throw new TarError(`"${path}" contains a NUL character`);
	const pathBytes = encoder.encode(path).length;
	if (pathBytes > TAR_MAX_PATH_BYTES) throw new TarError(`"${path.slice(0, 40)}…" is ${pathBytes} bytes long; tar exports take paths of up to ${TAR_MAX_PATH_BYTES} bytes`);

	const split = splitUstarPath(path);
	if (split) return ustarHeader({ ...split, size, mtimeMs: entry.mtimeMs, mode, type: '0' });

	// pax: an 'x' member whose data is the records, then the ustar header with a
	// truncated fallback name (readers without pax still extract something).
	const records = encoder.encode(paxRecord('path', path));
	const fallback = truncateUtf8(path.slice(path.lastIndexOf('/') + 1), NAME_BYTES);
	const pax = ustarHeader({ name: truncateUtf8(`PaxHeaders/${fallback}`, NAME_BYTES), prefix: '', size: records.length, mtimeMs: entry.mtimeMs, mode: 0o644, type: 'x' });
	const file = ustarHeader({ name: fallback, prefix: '', size, mtimeMs: entry.mtimeMs, mode, type: '0' });
	const out = new Uint8Array(TAR_BLOCK + records.length + tarPadding(records.length).length + TAR_BLOCK);
	out.set(pax, 0);
	out.set(records, TAR_BLOCK);
	out.set(file, out.length - TAR_BLOCK);
	return out;
}

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
	let out = '';
	let used = 0;
	for (const ch of text) {
		const n = encoder.encode(ch).length;
		if (used + n > maxBytes) break;
		out += ch;
		used += n;
	}
	return out;
}

/**
 * The archive as an ordered list of parts: header arrays, each entry's `body` as
 * given (e.g. a Blob), padding, and the end marker. `new Blob(tarParts(entries))`
 * is the .tar. The caller must make each body exactly `size` bytes long.
 */
export function tarParts<Body>(entries: readonly TarEntry<Body>[]): (Uint8Array<ArrayBuffer> | Body)[] {
	const seen = new Set<string>();
	const parts: (Uint8Array<ArrayBuffer> | Body)[] = [];
	for (const entry of entries) {
		if (seen.has(entry.path)) throw new TarError(`"${entry.path}" appears twice in the archive`);
		seen.add(entry.path);
		parts.push(tarFileHeader(entry), entry.body);
		const pad = tarPadding(entry.size);
		if (pad.length) parts.push(pad);
	}
	parts.push(tarEnd());
	return parts;
}

/** The archive's total size in bytes, for progress and for checking the composed Blob. */
export function tarSize(entries: readonly Omit<TarEntry<unknown>, 'body'>[]): number {
	let total = 2 * TAR_BLOCK;
	for (const entry of entries) total += tarFileHeader(entry).length + entry.size + tarPadding(entry.size).length;
	return total;
}
