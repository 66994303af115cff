// @ts-check
/**
 * Prints the artifact benchmark table for BENCHMARKS.md from bench/results/artifacts.json,
 * so the document always quotes the JSON of the same run: `node bench/report.mjs`.
 */
import { readFile } from 'node:fs/promises';

const r = JSON.parse(await readFile(new URL('./results/artifacts.json', import.meta.url), 'utf8'));
const a = r.anchors;
/** @param {number} x */
const f2 = (x) => x.toFixed(2);
/** @param {any} m @param {any} anchor */
const ratios = (m, anchor) => `${f2(m.MBps / anchor.sha256sumMBps)}× sha256sum, ${f2(m.MBps / anchor.opensslMBps)}× openssl`;
const rows = [
	['Whole-file SHA-256, 1 GiB, streamed (bounded memory)', r.hashBig.best, a.big, '≥ 0.85× sha256sum'],
	['Whole-file SHA-256, 256 MiB', r.hashMid.best, a.mid, '≥ 2× sha256sum'],
	['Full ingest, 1 GiB (chunk hashes + whole-file hash + IndexedDB commit)', r.ingest, a.big, '≥ 0.8× sha256sum, ≤ 128 MiB extra'],
	['Re-ingest of the unchanged 1 GiB file (dedup)', r.reingest, a.big, '≥ 3× faster than first ingest'],
	...(r.ingestFromBytes ? [['Ingest of the same 1 GiB from a Uint8Array in the page (SDK)', r.ingestFromBytes, a.big, 'main thread free (no task > 50 ms)']] : [])
];
console.log(`Anchors on the same files, same run: sha256sum ${a.big.sha256sumMBps} MB/s (1 GiB) / ${a.mid.sha256sumMBps} MB/s (256 MiB); openssl dgst -sha256 ${a.big.opensslMBps} / ${a.mid.opensslMBps} MB/s.\n`);
console.log('| what | result | ratios | peak extra memory | longest main-thread task | goal |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [what, m, anchor, goal] of rows) {
	console.log(`| ${what} | **${m.MBps} MB/s** (${m.seconds.toFixed(2)} s)${m.sha256MatchesSha256sum ? ', SHA-256 = sha256sum' : ', SHA-256 MISMATCH'} | ${ratios(m, anchor)} | ${m.memory?.peakExtraMiB ?? m.memory?.peakExtraPssMiB ?? '—'} MiB | ${m.mainThread?.longestTaskMs ?? '—'} ms | ${goal} |`);
}
console.log(`\nRe-ingest is ${f2(r.ingest.seconds / r.reingest.seconds)}× faster than the first ingest.`);
