import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, formatIsoTime, seriesCsv, seriesCsvChunks, seriesCsvFileName } from '$lib/core/csv';
import type { SeriesPoints } from '$lib/core/types';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function points(values: number[]): SeriesPoints {
	return {
		steps: Float64Array.from(values.map((_, i) => i * 10)),
		times: Float64Array.from(values.map((_, i) => T0 + i * 1000)),
		values: Float64Array.from(values),
	};
}

describe('seriesCsv', () => {
	it('writes the header, ISO times and non-finite values by name', () => {
		const csv = seriesCsv(points([0.5, NaN, Infinity, -Infinity, 1e-7]), 'val');
		expect(csv).toBe(
			[
				CSV_HEADER,
				'0,2025-01-02T03:04:05.678Z,val,0.5',
				'10,2025-01-02T03:04:06.678Z,val,NaN',
				'20,2025-01-02T03:04:07.678Z,val,Infinity',
				'30,2025-01-02T03:04:08.678Z,val,-Infinity',
				'40,2025-01-02T03:04:09.678Z,val,1e-7',
				'',
			].join('\n')
		);
	});

	it('writes only the header for an empty series', () => {
		expect(seriesCsv(points([]), 'train')).toBe(`${CSV_HEADER}\n`);
	});

	it('chunks concatenate to the same text, and numbers read back exactly', () => {
		const values = Array.from({ length: 1003 }, (_, i) => Math.sin(i) / 3);
		const chunks = [...seriesCsvChunks(points(values), 'train', 100)];
		expect(chunks.length).toBe(1 + 11);
		expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
		const text = chunks.join('');
		expect(text).toBe(seriesCsv(points(values), 'train'));
		const rows = text.trimEnd().split('\n').slice(1);
		expect(rows.map((r) => Number(r.split(',')[3]))).toEqual(values);
	});

	it('quotes a split name with a comma or quote', () => {
		expect(csvField('plain')).toBe('plain');
		expect(csvField('a,b')).toBe('"a,b"');
		expect(csvField('say "hi"')).toBe('"say ""hi"""');
		expect(seriesCsv(points([1]), 'fold,1').split('\n')[1]).toBe('0,2025-01-02T03:04:05.678Z,"fold,1",1');
	});

	it('formats times exactly like Date#toISOString', () => {
		const samples = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, T0, T0 + 0.7, 951_782_400_000 /* 2000-02-29 */, Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
		for (let i = 0; i < 2000; i++) samples.push(Math.floor(((i * 2654435761) % 4_000_000) * 1e6 + i));
		for (const t of [...samples, -1, -86_400_001, Date.UTC(10_000, 0, 1), -8.64e15]) {
			expect(formatIsoTime(t), String(t)).toBe(new Date(t).toISOString());
		}
	});

	it('falls back to the raw number for an out-of-range time', () => {
		expect(formatIsoTime(8.64e15 + 1)).toBe('8640000000000001');
		expect(formatIsoTime(0)).toBe('1970-01-01T00:00:00.000Z');
	});
});

describe('seriesCsvFileName', () => {
	it('names the file <run>-<key>-<split>.csv with unsafe characters replaced', () => {
		expect(seriesCsvFileName('brave-otter-12', 'loss', 'train')).toBe('brave-otter-12-loss-train.csv');
		expect(seriesCsvFileName('run 1', 'eval/acc:top1', 'val')).toBe('run_1-eval_acc_top1-val.csv');
		expect(seriesCsvFileName('../etc', '', 'x')).toBe('etc-series-x.csv');
	});
});
