/**
 * doc-schema.ts's text edits: applyTextDiff applies the caller's edit (what it
 * read → what it wants) to a note that a teammate's edit may have changed
 * since the read, without undoing that edit.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyTextDiff } from '$lib/sync/doc-schema';

/** The note after the caller edits `read` into `wanted` while the document already holds `current`. */
function edit(read: string, current: string, wanted: string): string {
	const doc = new Y.Doc();
	const text = doc.getText('note');
	text.insert(0, current);
	applyTextDiff(text, read, wanted);
	return text.toString();
}

describe('applyTextDiff', () => {
	it('writes only the changed middle when nothing moved since the read', () => {
		const doc = new Y.Doc();
		const text = doc.getText('note');
		text.insert(0, 'hello world');
		const deltas: unknown[] = [];
		text.observe((e) => deltas.push(e.delta));
		applyTextDiff(text, 'hello world', 'hello brave world');
		expect(text.toString()).toBe('hello brave world');
		expect(deltas).toEqual([[{ retain: 6 }, { insert: 'brave ' }]]);
		expect(edit('same', 'same', 'same')).toBe('same');
	});

	it("keeps a teammate's edit that reached the document after the read, before or after this one", () => {
		expect(edit('intro', 'intro + alpha', 'beta + intro')).toBe('beta + intro + alpha');
		expect(edit('intro', 'beta + intro', 'intro + alpha')).toBe('beta + intro + alpha');
		expect(edit('one two three', 'one 2 three', 'one two three four')).toBe('one 2 three four');
		expect(edit('one two three', 'one two 3', 'zero one two three')).toBe('zero one two 3');
	});

	it("deletes around a teammate's text that landed inside the stretch this edit deletes", () => {
		expect(edit('keep [drop this] keep', 'keep [drop NEW this] keep', 'keep  keep')).toBe('keep NEW  keep');
		expect(edit('a b c', 'a X c', 'a  c')).toBe('a X c');
	});

	it('where both replaced the same stretch, keeps both replacements', () => {
		expect(edit('a b c', 'a X c', 'a Y c')).toBe('a YX c');
		// Starting inside the stretch they changed: after their text.
		expect(edit('a bcd e', 'a X e', 'a bYcd e')).toBe('a XY e');
	});
});
