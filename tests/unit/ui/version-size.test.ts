import { describe, expect, it } from 'vitest';
import type { ArtifactFile, ArtifactVersion } from '$lib/core/artifacts';
import { versionSize } from '$lib/ui/artifacts/format';

const stored = (size: number): ArtifactFile => ({ path: `f${size}.bin`, size, sha256: 'a'.repeat(64), chunks: [], mediaType: 'application/octet-stream' });
const reference = (size: number | null): ArtifactFile => ({ path: 'data.csv', uri: 's3://lake/data.csv', size, sha256: null, version: null, external: true });
const version = (files: ArtifactFile[]): ArtifactVersion =>
	({ files, size: files.reduce((n, f) => n + ('external' in f ? 0 : f.size), 0) }) as unknown as ArtifactVersion;

describe('versionSize', () => {
	it('shows stored bytes, and the declared size of referenced files instead of 0 B', () => {
		expect(versionSize(version([stored(5_200_000)]))).toBe('5.2 MB');
		expect(versionSize(version([reference(8)]))).toBe('8 B referenced');
		expect(versionSize(version([reference(null)]))).toBe('referenced');
		expect(versionSize(version([stored(1000), reference(2_000_000)]))).toBe('1.0 KB + 2.0 MB referenced');
		expect(versionSize(version([]))).toBe('0 B');
	});
});
