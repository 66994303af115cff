import { describe, expect, it } from 'vitest';
import { fnv1a32, indexListDigest } from '$lib/core/ml/digest';

describe('fnv1a32', () => {
	it('matches the published FNV-1a 32-bit test vectors', () => {
		// From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
		expect(fnv1a32('')).toBe(0x811c9dc5);
		expect(fnv1a32('a')).toBe(0xe40c292c);
		expect(fnv1a32('foobar')).toBe(0xbf9cf968);
	});
});

describe('indexListDigest', () => {
	it('names the set of indices, whatever their order', () => {
		expect(indexListDigest([2, 0, 1])).toBe(indexListDigest([0, 1, 2]));
		expect(indexListDigest([0, 1, 2])).toBe(`fnv1a32:${fnv1a32('0,1,2').toString(16).padStart(8, '0')}`);
	});

	it('tells different sets apart and does not mutate its input', () => {
		const input = [3, 1, 2];
		expect(indexListDigest(input)).not.toBe(indexListDigest([1, 2, 4]));
		// "1,23" and "12,3" must not collide by construction.
		expect(indexListDigest([1, 23])).not.toBe(indexListDigest([12, 3]));
		expect(input).toEqual([3, 1, 2]);
	});

	it('is 8 zero-padded hex digits', () => {
		for (let n = 0; n < 50; n++) expect(indexListDigest([n])).toMatch(/^fnv1a32:[0-9a-f]{8}$/);
	});
});
