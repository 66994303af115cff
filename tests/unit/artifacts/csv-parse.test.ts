/**
 * The streaming CSV parser: RFC 4180 cases, the lenient cases real files have,
 * row limits, and a seeded fuzz that writes random tables (quotes, delimiters and
 * line breaks inside fields, CRLF/LF/CR) and feeds the text back in random
 * pieces — every split point must give the same rows. The seed is printed.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '$lib/core/ml/prng';
import { CsvParser, delimiterFor, parseCsv } from '$lib/core/csv-parse';

const rows = (text: string, delimiter?: string) => parseCsv(text, { delimiter }).rows;

/** Feeds `text` in pieces cut at `cuts`. */
function parsePieces(text: string, cuts: number[], options: { delimiter?: string; maxRows?: number } = {}) {
	const parser = new CsvParser(options);
	const out: string[][] = [];
	let at = 0;
	for (const cut of [...cuts].sort((a, b) => a - b)) {
		out.push(...parser.push(text.slice(at, cut)));
		at = cut;
	}
	out.push(...parser.push(text.slice(at)));
	out.push(...parser.end());
	return { rows: out, parser };
}

describe('CSV parsing', () => {
	it('splits plain rows and fields', () => {
		expect(rows('a,b,c\n1,2,3\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
		expect(rows('a,b\n1,2')).toEqual([['a', 'b'], ['1', '2']]);
		expect(rows('a,,c\n,\n')).toEqual([['a', '', 'c'], ['', '']]);
		expect(rows('')).toEqual([]);
		expect(rows('x')).toEqual([['x']]);
	});

	it('handles quoted fields: delimiters, escaped quotes and line breaks inside', () => {
		expect(rows('"a,b","say ""hi""","two\nlines"\n')).toEqual([['a,b', 'say "hi"', 'two\nlines']]);
		expect(rows('"",x\n')).toEqual([['', 'x']]);
		expect(rows('"""",x')).toEqual([['"', 'x']]);
		expect(rows('"a\r\nb"\r\nc')).toEqual([['a\r\nb'], ['c']]);
	});

	it('accepts CRLF, LF and CR line ends, a BOM, and skips blank lines', () => {
		expect(rows('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
		expect(rows('a,b\r1,2\r')).toEqual([['a', 'b'], ['1', '2']]);
		expect(rows('\uFEFFh1,h2\n1,2')).toEqual([['h1', 'h2'], ['1', '2']]);
		expect(rows('a\n\n\r\nb\n')).toEqual([['a'], ['b']]);
		// A quoted empty field on its own line is a row, not a blank line.
		expect(rows('a\n""\nb')).toEqual([['a'], [''], ['b']]);
	});

	it('is lenient where Python’s csv module is', () => {
		expect(rows('ab"c,d\n')).toEqual([['ab"c', 'd']]);
		expect(rows('"ab"cd,e\n')).toEqual([['abcd', 'e']]);
		const open = parseCsv('a,"never closed\nmore');
		expect(open.rows).toEqual([['a', 'never closed\nmore']]);
		expect(open.unterminatedQuote).toBe(true);
		expect(parseCsv('a,"closed"').unterminatedQuote).toBe(false);
	});

	it('parses TSV with a tab delimiter', () => {
		expect(rows('a\tb,c\n"x\ty"\tz\n', '\t')).toEqual([['a', 'b,c'], ['x\ty', 'z']]);
		expect(delimiterFor('data/train.tsv')).toBe('\t');
		expect(delimiterFor('data/train.csv')).toBe(',');
		expect(delimiterFor('blob', 'text/tab-separated-values')).toBe('\t');
		expect(() => new CsvParser({ delimiter: '"' })).toThrow(RangeError);
	});

	it('stops at maxRows and ignores the rest', () => {
		const text = Array.from({ length: 5000 }, (_, i) => `${i},"q${i}"`).join('\n');
		const parser = new CsvParser({ maxRows: 1000 });
		const out = parser.push(text);
		expect(out).toHaveLength(1000);
		expect(out[999]).toEqual(['999', 'q999']);
		expect(parser.done).toBe(true);
		expect(parser.push('more,rows\n')).toEqual([]);
		expect(parser.end()).toEqual([]);
		// The limit is also honoured when it falls on the last, unterminated row.
		expect(parsePieces('a\nb\nc', [], { maxRows: 3 }).rows).toEqual([['a'], ['b'], ['c']]);
	});

	it('gives the same rows for every split point of tricky input', () => {
		const text = '\uFEFFa,"b ""q""\r\nc",d\r\n"x"y,"",\r\n\r\nlast,"\r"\r';
		const whole = rows(text);
		expect(whole).toEqual([['a', 'b "q"\r\nc', 'd'], ['xy', '', ''], ['last', '\r']]);
		for (let cut = 0; cut <= text.length; cut++) expect(parsePieces(text, [cut]).rows, `cut at ${cut}`).toEqual(whole);
	});

	const PINNED_SEEDS = [1, 2, 3];
	const RANDOM_SEEDS = Array.from({ length: 3 }, () => Math.floor(Math.random() * 2 ** 31));
	for (const seed of [...PINNED_SEEDS, ...RANDOM_SEEDS]) {
		it(`seed ${seed}: random tables survive writing and piecewise parsing`, () => {
			console.log(`csv-parse fuzz seed ${seed}`);
			const rand = mulberry32(seed);
			const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
			const delimiter = pick([',', '\t', ';']);
			const alphabet = ['a', 'b', '1', ' ', 'é', '"', delimiter, '\n', '\r', '\r\n', '漢'];
			const table = Array.from({ length: 1 + Math.floor(rand() * 40) }, () =>
				Array.from({ length: 1 + Math.floor(rand() * 6) }, () => Array.from({ length: Math.floor(rand() * 8) }, () => pick(alphabet)).join(''))
			);
			// A row of one empty unquoted field would be a blank line: quote it.
			const needsQuotes = (f: string, onlyField: boolean) => /["\r\n]/.test(f) || f.includes(delimiter) || (onlyField && f === '') || rand() < 0.2;
			const eol = () => pick(['\n', '\r\n', '\r']);
			let text = rand() < 0.2 ? '\uFEFF' : '';
			table.forEach((row, r) => {
				text += row.map((f) => (needsQuotes(f, row.length === 1) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter);
				if (r < table.length - 1 || rand() < 0.5) text += eol();
			});
			const cuts = Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * (text.length + 1)));
			const { rows: parsed, parser } = parsePieces(text, cuts, { delimiter });
			expect(parsed).toEqual(table);
			expect(parser.unterminatedQuote).toBe(false);
			const limit = 1 + Math.floor(rand() * table.length);
			expect(parsePieces(text, cuts, { delimiter, maxRows: limit }).rows).toEqual(table.slice(0, limit));
		});
	}
});
