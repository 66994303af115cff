import qrcode from 'qrcode-generator';
import { describe, expect, it } from 'vitest';
import { qrPath, QR_QUIET_ZONE } from '$lib/ui/workspaces/qr';

/** Dark modules drawn by the path, as "row,col" (each run is M x y h n v1 h-n z). */
function drawn(d: string): Set<string> {
	const cells = new Set<string>();
	for (const [, x, y, n] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
		for (let i = 0; i < Number(n); i++) cells.add(`${Number(y) - QR_QUIET_ZONE},${Number(x) - QR_QUIET_ZONE + i}`);
	}
	return cells;
}

describe('qrPath', () => {
	const link = 'https://cairn.example/#/join/AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

	it('draws exactly the dark modules of the symbol, inside a quiet zone', () => {
		const { size, d } = qrPath(link);
		const qr = qrcode(0, 'M');
		qr.addData(link, 'Byte');
		qr.make();
		const count = qr.getModuleCount();
		expect(size).toBe(count + 2 * QR_QUIET_ZONE);
		const expected = new Set<string>();
		for (let r = 0; r < count; r++) for (let c = 0; c < count; c++) if (qr.isDark(r, c)) expected.add(`${r},${c}`);
		expect(drawn(d)).toEqual(expected);
		// The path is nothing but run commands: no markup can sneak in.
		expect(d).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/);
	});

	it('has the three finder patterns in the corners', () => {
		const cells = drawn(qrPath(link).d);
		const count = qrPath(link).size - 2 * QR_QUIET_ZONE;
		for (const [r, c] of [[0, 0], [0, count - 1], [count - 1, 0], [3, 3], [3, count - 4]]) expect(cells.has(`${r},${c}`)).toBe(true);
		expect(cells.has('1,1')).toBe(false);
	});
});
