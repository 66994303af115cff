/** Text for chart legends, summaries and aria-labels. */
import type { XAxis } from '$lib/core/downsample';
import type { SplitSummary } from './chart-data';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Metric value: 4 significant digits, exponent form for very large/small; NaN/Infinity by name. */
export function formatValue(v: number): string {
	if (Number.isNaN(v)) return 'NaN';
	if (v === Infinity) return 'Infinity';
	if (v === -Infinity) return '-Infinity';
	const abs = Math.abs(v);
	if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return v.toExponential(3);
	return String(Number(v.toPrecision(4)));
}

export function formatCount(n: number): string {
	return INTEGER.format(n);
}

/** Step as an integer with separators; wall time as local date-time. */
export function formatX(x: number, axis: XAxis): string {
	// Zoom edges fall between steps: whole steps are precise enough past 100.
	if (axis === 'step') return Math.abs(x) >= 100 || Number.isInteger(x) ? formatCount(x) : String(Number(x.toPrecision(3)));
	const date = new Date(x);
	return Number.isNaN(date.getTime()) ? String(x) : date.toLocaleString();
}

/** "step 1,200" or "12/3/2025, 10:00:00". */
export function describeX(x: number, axis: XAxis): string {
	return axis === 'step' ? `step ${formatX(x, axis)}` : formatX(x, axis);
}

function plural(n: number, one: string, many = `${one}s`): string {
	return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The chart's text alternative: metric, axis, and per split its size and last value. */
export function chartAriaLabel(title: string, splits: readonly SplitSummary[], xAxis: XAxis, logScale: boolean, smoothing: number): string {
	const head = `Line chart of ${title} by ${xAxis === 'step' ? 'step' : 'wall time'}${logScale ? ', log scale' : ''}${
		smoothing > 0 ? `, smoothed (${smoothing})` : ''
	}`;
	if (splits.length === 0) return `${head}: no data.`;
	const parts = splits.map((s) =>
		s.last
			? `${s.split}: ${plural(s.count, 'point')}, last value ${formatValue(s.last.value)} at step ${formatCount(s.last.step)}`
			: `${s.split}: no points`
	);
	return `${head}. ${parts.join('; ')}.`;
}

/**
 * "15,002 non-finite values: NaN at steps 420,000–434,999 (train, 15,000 values),
 * Infinity at step 700,000 (train) …", or null when every value is finite.
 */
export function nonFiniteSummary(splits: readonly SplitSummary[]): string | null {
	const MAX_LISTED = 5;
	let total = 0;
	let listedValues = 0;
	const listed: string[] = [];
	for (const s of splits) {
		const scan = s.nonFinite;
		total += scan.nan + scan.posInf + scan.negInf;
		for (const run of scan.runs) {
			if (listed.length >= MAX_LISTED) break;
			listedValues += run.count;
			const where = run.count === 1 ? `step ${formatCount(run.fromStep)}` : `steps ${formatCount(run.fromStep)}–${formatCount(run.toStep)}`;
			const detail = [splits.length > 1 ? s.split : '', run.count > 1 ? plural(run.count, 'value') : ''].filter(Boolean).join(', ');
			listed.push(`${run.kind} at ${where}${detail ? ` (${detail})` : ''}`);
		}
	}
	if (total === 0) return null;
	const more = total - listedValues;
	return `${plural(total, 'non-finite value')}: ${listed.join('; ')}${more > 0 ? `; and ${formatCount(more)} more` : ''}.`;
}

/** Note for values a log scale cannot show, or null. */
export function logScaleSummary(splits: readonly SplitSummary[]): string | null {
	const hidden = splits.filter((s) => s.nonPositive > 0);
	const total = hidden.reduce((sum, s) => sum + s.nonPositive, 0);
	if (total === 0) return null;
	const bySplit = splits.length > 1 ? ` (${hidden.map((s) => `${s.split} ${formatCount(s.nonPositive)}`).join(', ')})` : '';
	return `Log scale: ${plural(total, 'value')} ≤ 0 ${total === 1 ? 'is' : 'are'} not drawn${bySplit}; the logarithm of zero or a negative number is undefined.`;
}
