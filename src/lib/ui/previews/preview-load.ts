/**
 * What a file preview shows, and reading just enough verified bytes for it.
 * The kind comes from the media type and extension, then from content (JSON that
 * is `{labels, matrix}` becomes a confusion matrix; an unknown file whose first
 * bytes are PNG/JPEG or UTF-8 text is shown as such). Bytes come through
 * ArtifactBytes, so every chunk read is verified: a bad chunk rejects with
 * ChunkCorruptedError and nothing of it is shown.
 */
import { errorMessage } from '$lib/ui/error-message';
import DOMPurify from 'dompurify';
import { guessFormat, type ArtifactVersion, type StoredFile } from '$lib/core/artifacts';
import { looksLikeConfusionMatrix, validateConfusionMatrix, type ConfusionMatrix } from '$lib/core/confusion-matrix';
import { CsvParser, delimiterFor } from '$lib/core/csv-parse';
import type { ArtifactBytes } from '$lib/store/artifact-bytes';

/** Text, JSON, YAML, logs and Markdown: the first 256 KiB (a `<pre>` of more is unreadable and slow to lay out). */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Raster images up to 64 MiB are decoded; a bigger one is almost surely not a plot worth decoding in a preview. */
export const IMAGE_PREVIEW_MAX_BYTES = 64 * 1024 * 1024;
/** SVGs are read as text and sanitized; 8 MiB of SVG is already a very heavy drawing. */
export const SVG_PREVIEW_MAX_BYTES = 8 * 1024 * 1024;
/** CSV/TSV: a table of the header plus the first 1,000 rows. */
export const CSV_PREVIEW_ROWS = 1000;
/** Stop reading a CSV after this much even short of 1,000 rows (e.g. a quote that never closes). */
export const CSV_PREVIEW_MAX_BYTES = 32 * 1024 * 1024;
/** Columns and characters per cell shown: 1,000 rows × 40 columns is already 40,000 table cells. */
export const CSV_PREVIEW_MAX_COLUMNS = 40;
export const CSV_CELL_MAX_CHARS = 200;
/** Text handed to the CSV parser per step; the loader yields to the event loop in between (main thread stays free). */
const CSV_PARSE_SLICE_CHARS = 256 * 1024;
/** Bytes looked at to guess a binary format or notice text. */
const SNIFF_BYTES = 4096;

export type PreviewKind = 'image' | 'svg' | 'csv' | 'markdown' | 'json' | 'text' | 'binary';

const RASTER_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const TEXT_EXTENSIONS = /\.(txt|log|ya?ml|toml|ini|cfg|conf|env|properties|py|sh|r|sql|xml|html?|jsonl|ndjson|out|err)$/i;

/** The preview a file gets from its media type and name (content may refine `binary` and `json` when loaded). */
export function previewKind(file: Pick<StoredFile, 'path' | 'mediaType'>): PreviewKind {
	const path = file.path;
	const type = (file.mediaType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (type === 'image/svg+xml' || /\.svg$/i.test(path)) return 'svg';
	if (RASTER_TYPES.has(type) || /\.(png|jpe?g|webp|gif)$/i.test(path)) return 'image';
	if (type === 'text/csv' || type === 'text/tab-separated-values' || /\.(csv|tsv|tab)$/i.test(path)) return 'csv';
	if (type === 'text/markdown' || /\.(md|markdown)$/i.test(path)) return 'markdown';
	if (type === 'application/json' || type.endsWith('+json') || /\.json$/i.test(path)) return 'json';
	if (type.startsWith('text/') || type === 'application/yaml' || type === 'application/x-yaml' || TEXT_EXTENSIONS.test(path)) return 'text';
	return 'binary';
}

export const KIND_LABELS: Record<PreviewKind, string> = {
	image: 'image',
	svg: 'SVG image (sanitized)',
	csv: 'table',
	markdown: 'Markdown report',
	json: 'JSON',
	text: 'text',
	binary: 'file details'
};

export interface TextSlice {
	text: string;
	/** Bytes decoded (≤ the file's size). */
	shownBytes: number;
	totalBytes: number;
	truncated: boolean;
}

export type Preview =
	| { kind: 'image'; url: string; svg: boolean }
	| { kind: 'too-large'; what: string; size: number; limit: number }
	| ({ kind: 'text' } & TextSlice)
	| ({ kind: 'json'; parseError: string | null } & TextSlice)
	| ({ kind: 'markdown' } & TextSlice)
	| { kind: 'confusion'; matrix: ConfusionMatrix; json: string }
	| { kind: 'csv'; header: string[]; rows: string[][]; columns: number; bytesRead: number; complete: boolean; stoppedAtBytes: boolean; unterminatedQuote: boolean }
	| { kind: 'binary'; format: string; text: TextSlice | null; image: Preview | null };

/** The object URL a preview holds (to revoke when it goes away), if any. */
export function previewUrl(preview: Preview | undefined): string | null {
	if (!preview) return null;
	if (preview.kind === 'image') return preview.url;
	if (preview.kind === 'binary' && preview.image?.kind === 'image') return preview.image.url;
	return null;
}

/** Decodes UTF-8; a cut-off last character (truncated input) is dropped rather than shown as U+FFFD. */
function decodeUtf8(bytes: Uint8Array, truncated: boolean): string {
	return new TextDecoder('utf-8').decode(bytes, { stream: truncated });
}

async function readText(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile, limit: number): Promise<TextSlice> {
	const head = await bytes.head(version, file, limit);
	const truncated = head.length < file.size;
	return { text: decodeUtf8(head, truncated), shownBytes: head.length, totalBytes: file.size, truncated };
}

/** Text when the sample has no NUL bytes and is valid UTF-8 (a character cut at the end is fine). */
export function looksLikeText(sample: Uint8Array): boolean {
	if (sample.includes(0)) return false;
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
		return true;
	} catch {
		return false;
	}
}

/** A DOMPurify instance of its own, so its `<use>` hook cannot loosen the Markdown sanitizer. */
let svgPurifier: ReturnType<typeof DOMPurify> | undefined;

function getSvgPurifier(): ReturnType<typeof DOMPurify> {
	if (!svgPurifier) {
		svgPurifier = DOMPurify(window);
		// `<use>` may only point inside the drawing (matplotlib draws text and markers with it).
		svgPurifier.addHook('afterSanitizeAttributes', (node) => {
			if (node.nodeName.toLowerCase() !== 'use') return;
			for (const attr of ['href', 'xlink:href']) {
				const value = node.getAttribute(attr);
				if (value !== null && !value.startsWith('#')) node.removeAttribute(attr);
			}
		});
	}
	return svgPurifier;
}

/**
 * An SVG made safe to open anywhere: DOMPurify's SVG profile removes scripts,
 * event handlers, foreignObject and javascript: links; `<use>` stays for
 * references within the file. `<img>` would not run scripts anyway, but a blob:
 * URL is same-origin, and "Open image in new tab" would render an unsanitized
 * SVG as a document in Cairn's origin.
 */
export function sanitizeSvg(source: string): string | null {
	const body = getSvgPurifier().sanitize(source, { USE_PROFILES: { svg: true, svgFilters: true }, ADD_TAGS: ['use'], RETURN_DOM: true });
	const svg = body instanceof Element ? body.querySelector('svg') : null;
	// XMLSerializer writes the namespace declarations (xmlns, xmlns:xlink) a standalone SVG needs.
	return svg ? new XMLSerializer().serializeToString(svg) : null;
}

async function loadRaster(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile, type: string): Promise<Preview> {
	if (file.size > IMAGE_PREVIEW_MAX_BYTES) return { kind: 'too-large', what: 'image', size: file.size, limit: IMAGE_PREVIEW_MAX_BYTES };
	const blob = await bytes.verifiedBlob(version, file);
	// Re-typed so the browser decodes by the real format; a Blob of Blobs copies nothing.
	return { kind: 'image', url: URL.createObjectURL(new Blob([blob], { type })), svg: false };
}

async function loadSvg(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile): Promise<Preview> {
	if (file.size > SVG_PREVIEW_MAX_BYTES) return { kind: 'too-large', what: 'SVG image', size: file.size, limit: SVG_PREVIEW_MAX_BYTES };
	const { text } = await readText(bytes, version, file, SVG_PREVIEW_MAX_BYTES);
	const clean = sanitizeSvg(text);
	if (clean === null) return { kind: 'text', text, shownBytes: file.size, totalBytes: file.size, truncated: false };
	return { kind: 'image', url: URL.createObjectURL(new Blob([clean], { type: 'image/svg+xml' })), svg: true };
}

async function loadJson(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile): Promise<Preview> {
	const slice = await readText(bytes, version, file, TEXT_PREVIEW_BYTES);
	// A truncated JSON document cannot be parsed: show its start as it is.
	if (slice.truncated) return { kind: 'json', ...slice, parseError: null };
	let value: unknown;
	try {
		value = JSON.parse(slice.text);
	} catch (error) {
		return { kind: 'json', ...slice, parseError: errorMessage(error) };
	}
	const pretty = JSON.stringify(value, null, 2);
	if (looksLikeConfusionMatrix(value)) {
		try {
			return { kind: 'confusion', matrix: validateConfusionMatrix(value), json: pretty };
		} catch (error) {
			return { kind: 'json', ...slice, text: pretty, parseError: `not drawn as a confusion matrix: ${errorMessage(error)}` };
		}
	}
	return { kind: 'json', ...slice, text: pretty, parseError: null };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The header and first CSV_PREVIEW_ROWS rows, parsed while the verified chunk
 * stream is read; reading stops (and the stream is cancelled) once they are in.
 */
async function loadCsv(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile, signal: AbortSignal): Promise<Preview> {
	// Header + CSV_PREVIEW_ROWS + one more: the extra row tells whether the table goes on.
	const parser = new CsvParser({ delimiter: delimiterFor(file.path, file.mediaType), maxRows: CSV_PREVIEW_ROWS + 2 });
	const decoder = new TextDecoder('utf-8');
	const reader = bytes.stream(version, file).getReader();
	const rows: string[][] = [];
	let bytesRead = 0;
	let stoppedAtBytes = false;
	let reachedEnd = false;
	const take = (parsed: string[][]) => {
		for (const row of parsed) rows.push(row.slice(0, CSV_PREVIEW_MAX_COLUMNS).map((cell) => (cell.length > CSV_CELL_MAX_CHARS ? `${cell.slice(0, CSV_CELL_MAX_CHARS)}…` : cell)));
	};
	let columns = 0;
	const countColumns = (parsed: string[][]) => {
		for (const row of parsed) columns = Math.max(columns, row.length);
		return parsed;
	};
	try {
		while (!parser.done) {
			signal.throwIfAborted();
			const { value, done } = await reader.read();
			if (done) {
				take(countColumns(parser.push(decoder.decode())));
				take(countColumns(parser.end()));
				reachedEnd = true;
				break;
			}
			bytesRead += value.length;
			const text = decoder.decode(value, { stream: true });
			for (let at = 0; at < text.length && !parser.done; at += CSV_PARSE_SLICE_CHARS) {
				take(countColumns(parser.push(text.slice(at, at + CSV_PARSE_SLICE_CHARS))));
				if (!parser.done) await yieldToEventLoop();
				signal.throwIfAborted();
			}
			if (!parser.done && bytesRead >= CSV_PREVIEW_MAX_BYTES && bytesRead < file.size) {
				stoppedAtBytes = true;
				break;
			}
		}
	} finally {
		// Stop the stream: no more chunks are read (or verified) than the table needs.
		reader.cancel().catch(() => undefined);
	}
	const [header = [], ...body] = rows;
	return {
		kind: 'csv',
		header,
		rows: body.slice(0, CSV_PREVIEW_ROWS),
		columns,
		bytesRead,
		complete: reachedEnd && body.length <= CSV_PREVIEW_ROWS,
		stoppedAtBytes,
		unterminatedQuote: parser.unterminatedQuote
	};
}

async function loadBinary(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile): Promise<Preview> {
	const head = file.size === 0 ? new Uint8Array(0) : await bytes.head(version, file, SNIFF_BYTES);
	const format = file.size === 0 ? 'empty file' : guessFormat(head, file.path);
	let image: Preview | null = null;
	let text: TextSlice | null = null;
	if (format === 'PNG image') image = await loadRaster(bytes, version, file, 'image/png');
	else if (format === 'JPEG image') image = await loadRaster(bytes, version, file, 'image/jpeg');
	else if (format === 'unknown binary' && looksLikeText(head)) text = await readText(bytes, version, file, TEXT_PREVIEW_BYTES);
	return { kind: 'binary', format, text, image };
}

/** Reads what the preview of `file` needs. Rejects with ChunkCorruptedError on bad bytes. */
export async function loadPreview(bytes: ArtifactBytes, version: ArtifactVersion, file: StoredFile, signal: AbortSignal): Promise<Preview> {
	const kind = previewKind(file);
	switch (kind) {
		case 'image': {
			const ext = /\.(png|jpe?g|webp|gif)$/i.exec(file.path)?.[1]?.toLowerCase();
			const type = RASTER_TYPES.has(file.mediaType) ? file.mediaType : ext === 'jpg' ? 'image/jpeg' : `image/${ext ?? 'png'}`;
			return loadRaster(bytes, version, file, type);
		}
		case 'svg':
			return loadSvg(bytes, version, file);
		case 'csv':
			return loadCsv(bytes, version, file, signal);
		case 'json':
			return loadJson(bytes, version, file);
		case 'markdown':
			return { kind: 'markdown', ...(await readText(bytes, version, file, TEXT_PREVIEW_BYTES)) };
		case 'text':
			return { kind: 'text', ...(await readText(bytes, version, file, TEXT_PREVIEW_BYTES)) };
		case 'binary':
			return loadBinary(bytes, version, file);
	}
}
