/**
 * Seeded fuzz of the chunking path: random series lengths (0, exact chunk
 * multiples, off-by-one around boundaries, random), random flush points, random
 * splits. Every point logged must read back exactly, in order. The seed is
 * printed; pin a failing one in PINNED_SEEDS.
 */
import { describe, expect, it } from 'vitest';
import { METRIC_CHUNK_POINTS } from '$lib/core/metric-chunks';
import { openTestCairn, rng } from '../helpers';

const PINNED_SEEDS: number[] = [1, 2];
const RANDOM_SEEDS = Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 31));

function pickLength(rand: () => number): number {
	const C = METRIC_CHUNK_POINTS;
	const choices = [0, 1, C - 1, C, C + 1, 2 * C, 3 * C - 1, Math.floor(rand() * 3 * C)];
	return choices[Math.floor(rand() * choices.length)] as number;
}

describe('chunking fuzz', () => {
	for (const seed of [...PINNED_SEEDS, ...RANDOM_SEEDS]) {
		it(`seed ${seed}: every point reads back exactly`, async () => {
			console.log(`chunking fuzz seed ${seed}`);
			const rand = rng(seed);
			const { cairn } = await openTestCairn();
			const run = await cairn.startRun({ project: 'fuzz' });
			const expected = new Map<string, number[]>();
			const seriesCount = 1 + Math.floor(rand() * 3);
			const lengths = Array.from({ length: seriesCount }, () => pickLength(rand));
			const total = Math.max(...lengths);
			for (let step = 0; step < total; step++) {
				for (let s = 0; s < seriesCount; s++) {
					if (step >= (lengths[s] as number)) continue;
					const value = rand() < 0.01 ? NaN : rand() * 100 - 50;
					const split = s === 2 ? 'val' : 'train';
					const key = `m${s}`;
					run.log({ [key]: value }, { step, split });
					const id = `${key}@${split}`;
					expected.set(id, [...(expected.get(id) ?? []), value]);
				}
				if (rand() < 0.002) await run.flush();
			}
			await run.finish();
			for (const [id, values] of expected) {
				const got = await cairn.metrics.readSeries(run.id, id);
				expect(got.values.length, `${id} length (seed ${seed})`).toBe(values.length);
				expect([...got.values], `${id} values (seed ${seed})`).toEqual(values);
				expect([...got.steps]).toEqual(values.map((_, i) => i));
			}
			// Sealed chunk count per series matches the arithmetic.
			for (const [id, values] of expected) {
				const rows = await cairn.db.seriesChunks.where('runId').equals(run.id).filter((r) => r.series === id).count();
				expect(rows).toBe(Math.floor(values.length / METRIC_CHUNK_POINTS));
			}
			cairn.close();
		});
	}
});
