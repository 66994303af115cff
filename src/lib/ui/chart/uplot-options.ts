/**
 * uPlot options for a metric chart, and the colours of splits.
 *
 * Colours: Okabe & Ito's palette ("Color Universal Design", 2008), distinguishable
 * with the common colour-vision deficiencies. train/val/test always get the same
 * three; other splits cycle through the rest in the order they appear. Colour is
 * never the only cue: the legend names every split and non-finite markers differ by
 * shape.
 */
import uPlot from 'uplot';
import type { XAxis } from '$lib/core/downsample';
import type { NonFiniteMarker, PreparedChart } from './chart-data';

export const SPLIT_COLORS: Readonly<Record<string, string>> = {
	train: '#0072B2', // blue
	val: '#D55E00', // vermillion
	test: '#009E73', // bluish green
};
/** For any other split, in order of appearance. */
export const CYCLE_COLORS: readonly string[] = ['#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Colour of each split of a chart, in input order. */
export function splitColors(splits: readonly string[]): string[] {
	let other = 0;
	return splits.map((split) => SPLIT_COLORS[split] ?? CYCLE_COLORS[other++ % CYCLE_COLORS.length]!);
}

/** `#rrggbb` + alpha as `rgba()`. */
export function withAlpha(hex: string, alpha: number): string {
	const n = Number.parseInt(hex.slice(1), 16);
	return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const AXIS_FONT = '12px system-ui, sans-serif';
const AXIS_COLOR = '#3d4743';
const GRID_COLOR = 'rgba(0, 0, 0, 0.08)';
/** Raw line under a smoothed one: visible, but clearly the background. */
const RAW_ALPHA_WHEN_SMOOTHED = 0.25;
/** Marker size in CSS pixels. */
const MARKER_SIZE = 5;
/** Opacity of the band drawn where a split's values are NaN. */
const NAN_BAND_ALPHA = 0.12;

export interface ChartHooks {
	/** Every draw (markers are drawn first, then this is called). */
	draw: (u: uPlot) => void;
	/** x scale changed (zoom or data); the caller decides whether the user zoomed. */
	setScaleX: (u: uPlot) => void;
	/** The cursor moved to another row (null when it left the plot). */
	cursor: (idx: number | null) => void;
	/** Double click: the caller resets the zoom. */
	resetZoom: () => void;
}

export interface OptionsInput {
	width: number;
	height: number;
	xAxis: XAxis;
	logScale: boolean;
	smoothing: boolean;
	splits: readonly string[];
	/** Read at every draw, so that setData with new markers needs no new options. */
	getPrepared: () => PreparedChart | null;
	hooks: ChartHooks;
}

export function buildOptions(input: OptionsInput): uPlot.Options {
	const { xAxis, logScale, smoothing, splits, hooks } = input;
	const colors = splitColors(splits);
	const series: uPlot.Series[] = [{ label: xAxis === 'time' ? 'time' : 'step' }];
	splits.forEach((split, i) => {
		const color = colors[i]!;
		series.push({
			label: smoothing ? `${split} (raw)` : split,
			stroke: smoothing ? withAlpha(color, RAW_ALPHA_WHEN_SMOOTHED) : color,
			width: smoothing ? 1 : 1.5,
			// uPlot shows points by itself when they are sparse; a single point needs it.
		});
		if (smoothing) series.push({ label: `${split} (smoothed)`, stroke: color, width: 2.25, points: { show: false } });
	});

	return {
		width: input.width,
		height: input.height,
		// Timestamps are epoch milliseconds, not uPlot's default seconds.
		ms: 1,
		series,
		legend: { show: false },
		scales: {
			x: { time: xAxis === 'time' },
			y: logScale ? { distr: 3, log: 10, range: logRange } : { range: linearRange },
		},
		axes: [
			{
				font: AXIS_FONT,
				stroke: AXIS_COLOR,
				grid: { stroke: GRID_COLOR, width: 1 },
				ticks: { stroke: GRID_COLOR },
				...(xAxis === 'step' ? { values: stepTicks, incrs: STEP_INCRS } : {}),
			},
			{
				font: AXIS_FONT,
				stroke: AXIS_COLOR,
				grid: { stroke: GRID_COLOR, width: 1 },
				ticks: { stroke: GRID_COLOR },
				size: axisSize,
			},
		],
		cursor: {
			drag: { x: true, y: false },
			// Double click resets our zoom (re-downsampling the full range); uPlot's own
			// handler would only rescale to the data currently loaded (the zoomed slice).
			bind: {
				dblclick: () => () => {
					hooks.resetZoom();
					return null;
				},
			},
		},
		hooks: {
			draw: [
				(u) => {
					const prepared = input.getPrepared();
					if (prepared) drawMarkers(u, prepared.markers, colors);
					hooks.draw(u);
				},
			],
			setScale: [
				(u, key) => {
					if (key === 'x') hooks.setScaleX(u);
				},
			],
			setCursor: [(u) => hooks.cursor(u.cursor.idx ?? null)],
		},
	};
}

/** Log axis range that never crashes: no positive data → a fixed decade. */
function logRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
	if (min == null || max == null || !(min > 0) || !(max > 0)) return [1, 10];
	return uPlot.rangeLog(min, max, 10, true);
}

function linearRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
	if (min == null || max == null) return [0, 1];
	return uPlot.rangeNum(min, max, 0.1, true);
}

/** Width of the y axis from its longest tick label (uPlot's default is a fixed 50 px). */
function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
	const axis = u.axes[axisIdx] as uPlot.Axis & { _size?: number };
	if (cycleNum > 1 && axis._size) return axis._size;
	let longest = '';
	for (const v of values ?? []) if (v.length > longest.length) longest = v;
	const ctx = u.ctx;
	ctx.save();
	ctx.font = AXIS_FONT;
	const textWidth = ctx.measureText(longest).width;
	ctx.restore();
	return Math.ceil(textWidth + 10 /* ticks */ + 5 /* gap */ + 8);
}

/**
 * ▲ for +Infinity at the top edge, ▼ for −Infinity at the bottom edge; a stretch of
 * NaN is a faint band (where the line has its gap) with one ○ at the bottom: shapes,
 * not only colours. Markers of one split and kind closer than ~2 marker widths are
 * drawn once.
 */
function drawMarkers(u: uPlot, markers: readonly NonFiniteMarker[], colors: readonly string[]): void {
	if (markers.length === 0) return;
	const { ctx, bbox } = u;
	const ratio = uPlot.pxRatio;
	const size = MARKER_SIZE * ratio;
	const top = bbox.top;
	const bottom = bbox.top + bbox.height;
	const minGap = 2.5 * size;
	const lastDrawn = new Map<string, number>();
	/** Open NaN band per split: [from, to] in canvas pixels. */
	const bands = new Map<number, [number, number]>();

	const flushBand = (splitIndex: number) => {
		const band = bands.get(splitIndex);
		if (!band) return;
		bands.delete(splitIndex);
		const color = colors[splitIndex] ?? '#000';
		const [from, to] = band;
		ctx.fillStyle = color;
		ctx.globalAlpha = NAN_BAND_ALPHA;
		ctx.fillRect(Math.round(from - ratio), top, Math.max(Math.round(2 * ratio), Math.round(to - from + 2 * ratio)), bbox.height);
		ctx.globalAlpha = 1;
		ctx.strokeStyle = color;
		ctx.beginPath();
		ctx.arc((from + to) / 2, bottom - size, size * 0.8, 0, 2 * Math.PI);
		ctx.stroke();
	};

	ctx.save();
	ctx.lineWidth = 1.5 * ratio;
	for (const m of markers) {
		const cx = u.valToPos(m.x, 'x', true);
		if (cx < bbox.left - 1 || cx > bbox.left + bbox.width + 1) continue;
		if (m.kind === 'NaN') {
			const band = bands.get(m.splitIndex);
			if (band && cx - band[1] <= 3 * ratio) band[1] = cx;
			else {
				flushBand(m.splitIndex);
				bands.set(m.splitIndex, [cx, cx]);
			}
			continue;
		}
		const key = `${m.splitIndex}:${m.kind}`;
		const previous = lastDrawn.get(key);
		if (previous !== undefined && Math.abs(cx - previous) < minGap) continue;
		lastDrawn.set(key, cx);
		ctx.fillStyle = colors[m.splitIndex] ?? '#000';
		ctx.beginPath();
		const edge = m.kind === 'Infinity' ? top : bottom;
		const tip = m.kind === 'Infinity' ? size * 1.6 : -size * 1.6;
		ctx.moveTo(cx, edge);
		ctx.lineTo(cx - size, edge + tip);
		ctx.lineTo(cx + size, edge + tip);
		ctx.closePath();
		ctx.fill();
	}
	for (const splitIndex of [...bands.keys()]) flushBand(splitIndex);
	ctx.restore();
}

/** Steps are whole numbers: ticks at 1, 2, 5, 10, 20, 50, … never at 0.5. */
const STEP_INCRS: number[] = [];
for (let mag = 1; mag <= 1e15; mag *= 10) STEP_INCRS.push(mag, 2 * mag, 5 * mag);

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const PLAIN = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** Step ticks: 250K and 1.5M rather than 250,000 and 1,500,000. */
function stepTicks(_u: uPlot, splits: number[]): string[] {
	const big = splits.some((v) => Math.abs(v) >= 10_000);
	return splits.map((v) => (big ? COMPACT.format(v) : PLAIN.format(v)));
}
