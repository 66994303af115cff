/**
 * A QR code as SVG path data, built from qrcode-generator's module matrix (no
 * markup strings, so nothing is injected with innerHTML). Dark modules of a
 * row are merged into runs, which keeps the path short.
 */
import qrcode from 'qrcode-generator';

/** The quiet zone the QR specification asks for around the symbol, in modules. */
export const QR_QUIET_ZONE = 4;

export interface QrPath {
	/** Width and height in modules, quiet zone included (the SVG viewBox). */
	size: number;
	/** SVG path data of the dark modules. */
	d: string;
}

/**
 * Error correction M (15 % recoverable): a share link (~110 characters) stays a
 * small, easily scanned symbol, and a smudged screen still reads.
 */
export function qrPath(text: string): QrPath {
	const qr = qrcode(0, 'M');
	qr.addData(text, 'Byte');
	qr.make();
	const count = qr.getModuleCount();
	const parts: string[] = [];
	for (let row = 0; row < count; row++) {
		let col = 0;
		while (col < count) {
			if (!qr.isDark(row, col)) {
				col++;
				continue;
			}
			const start = col;
			while (col < count && qr.isDark(row, col)) col++;
			parts.push(`M${start + QR_QUIET_ZONE} ${row + QR_QUIET_ZONE}h${col - start}v1h-${col - start}z`);
		}
	}
	return { size: count + 2 * QR_QUIET_ZONE, d: parts.join('') };
}
