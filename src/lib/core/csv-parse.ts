/**
 * Incremental CSV/TSV parser for previews (RFC 4180 plus what real files do).
 * Text is pushed in pieces of any size — a piece may end inside a quoted field,
 * between "" of an escaped quote or between CR and LF — and complete rows come
 * out as soon as they end. With `maxRows` it stops once that many rows are out,
 * so a preview of a 1 GiB file reads only its first chunk.
 *
 * Accepted: fields quoted with ", "" for a literal quote inside quotes, delimiters
 * and line breaks inside quotes, LF / CRLF / CR line ends, a UTF-8 BOM, a last line
 * without a line break. Lenient like Python's csv module: a quote inside an
 * unquoted field is a literal character, text after a closing quote is appended,
 * and an unterminated quote at the end keeps what was read (`unterminatedQuote`).
 * Blank lines are skipped (as pandas does). Pure: strings in, arrays out.
 */

export interface CsvParseOptions {
	/** ',' for CSV, '\t' for TSV. */
	delimiter?: string;
	/** Stop after this many rows (the header counts as a row). */
	maxRows?: number;
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

const enum State {
	/** At the start of a field. */
	FieldStart,
	/** Inside an unquoted field. */
	Unquoted,
	/** Inside a quoted field. */
	Quoted,
	/** Just saw a quote inside a quoted field: escaped quote, or the closing one. */
	QuoteInQuoted
}

export class CsvParser {
	readonly delimiter: number;
	readonly maxRows: number;
	/** Rows emitted so far. */
	rowCount = 0;
	/** True once `maxRows` rows are out: further input is ignored. */
	done = false;
	/** Set by end() when the input ended inside a quoted field. */
	unterminatedQuote = false;

	#state = State.FieldStart;
	#field = '';
	#row: string[] = [];
	/** A CR ended the last row: a LF at the start of the next piece belongs to it. */
	#afterCr = false;
	#bomChecked = false;

	constructor(options: CsvParseOptions = {}) {
		const delimiter = options.delimiter ?? ',';
		if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r')
			throw new RangeError(`CSV delimiter must be one character other than a quote or line break; got ${JSON.stringify(delimiter)}`);
		this.delimiter = delimiter.charCodeAt(0);
		this.maxRows = options.maxRows ?? Infinity;
	}

	/** Parses `text` (the next piece of the input); returns the rows it completed. */
	push(text: string): string[][] {
		const rows: string[][] = [];
		if (this.done) return rows;
		let i = 0;
		if (!this.#bomChecked && text.length > 0) {
			this.#bomChecked = true;
			if (text.charCodeAt(0) === 0xfeff) i = 1;
		}
		if (this.#afterCr && i < text.length) {
			if (text.charCodeAt(i) === LF) i++;
			this.#afterCr = false;
		}
		const n = text.length;
		const d = this.delimiter;
		while (i < n) {
			switch (this.#state) {
				case State.FieldStart: {
					const c = text.charCodeAt(i);
					if (c === QUOTE) {
						this.#state = State.Quoted;
						i++;
					} else {
						this.#state = State.Unquoted;
					}
					break;
				}
				case State.Unquoted: {
					// Take everything up to the next delimiter or line break in one slice.
					let j = i;
					let c = 0;
					while (j < n) {
						c = text.charCodeAt(j);
						if (c === d || c === LF || c === CR) break;
						j++;
					}
					this.#field += text.slice(i, j);
					i = j;
					if (j === n) break;
					i++;
					if (c === d) {
						this.#endField();
					} else {
						this.#endRow(rows, c === CR ? text : null, i);
						if (c === CR && i < n && text.charCodeAt(i) === LF) i++;
						if (this.done) return rows;
					}
					break;
				}
				case State.Quoted: {
					const j = text.indexOf('"', i);
					if (j === -1) {
						this.#field += text.slice(i);
						i = n;
					} else {
						this.#field += text.slice(i, j);
						this.#state = State.QuoteInQuoted;
						i = j + 1;
					}
					break;
				}
				case State.QuoteInQuoted: {
					const c = text.charCodeAt(i);
					if (c === QUOTE) {
						this.#field += '"';
						this.#state = State.Quoted;
						i++;
					} else if (c === d) {
						this.#endField();
						i++;
					} else if (c === LF || c === CR) {
						i++;
						this.#endRow(rows, c === CR ? text : null, i);
						if (c === CR && i < n && text.charCodeAt(i) === LF) i++;
						if (this.done) return rows;
					} else {
						// `"a"b` — text after the closing quote: keep it, as Python's csv does.
						this.#state = State.Unquoted;
					}
					break;
				}
			}
		}
		return rows;
	}

	/** Ends the input; returns the last row if the text did not end with a line break. */
	end(): string[][] {
		if (this.done) return [];
		this.unterminatedQuote = this.#state === State.Quoted;
		const rows: string[][] = [];
		if (this.#state !== State.FieldStart || this.#row.length > 0) this.#endRow(rows, null, 0);
		this.done = true;
		return rows;
	}

	#endField(): void {
		this.#row.push(this.#field);
		this.#field = '';
		this.#state = State.FieldStart;
	}

	/**
	 * Ends the current row (skipping a blank line). When the row ended on a CR that
	 * was the last character of the piece, remembers to drop a LF that may follow.
	 */
	#endRow(rows: string[][], crText: string | null, next: number): void {
		const blank = this.#row.length === 0 && this.#field === '' && this.#state !== State.QuoteInQuoted;
		this.#row.push(this.#field);
		this.#field = '';
		this.#state = State.FieldStart;
		if (crText !== null && next >= crText.length) this.#afterCr = true;
		const row = this.#row;
		this.#row = [];
		if (blank) return;
		rows.push(row);
		this.rowCount++;
		if (this.rowCount >= this.maxRows) this.done = true;
	}
}

/** Parses a whole text at once (tests, small files). */
export function parseCsv(text: string, options: CsvParseOptions = {}): { rows: string[][]; unterminatedQuote: boolean } {
	const parser = new CsvParser(options);
	const rows = parser.push(text);
	rows.push(...parser.end());
	return { rows, unterminatedQuote: parser.unterminatedQuote };
}

/** The delimiter a file name suggests: tab for .tsv/.tab, comma otherwise. */
export function delimiterFor(path: string, mediaType = ''): string {
	return /\.(tsv|tab)$/i.test(path) || mediaType === 'text/tab-separated-values' ? '\t' : ',';
}
