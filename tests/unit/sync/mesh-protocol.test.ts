/** Mesh packets and relay frames: every frame round-trips, and malformed input is refused with a reason. */
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { describe, expect, test } from 'vitest';
import { MalformedFrameError } from '$lib/sync/mesh/errors';
import { decodePacket, encodePacket, MAX_CHUNK_BYTES, PROTOCOL_VERSION, type Frame, type Packet } from '$lib/sync/mesh/protocol';
import { decodeControl, decodeDeliver, encodePublish, DELIVER } from '$lib/sync/mesh/relay-wire';

const FROM = 'aaaaaaaaaaaaaaaa';
const TO = 'bbbbbbbbbbbbbbbb';
const HASH = '0123456789abcdef'.repeat(4);

describe('mesh packets', () => {
	test('every frame type round-trips', () => {
		const frames: Frame[] = [
			{ type: 'hello', wantsReply: true, webrtc: false },
			{ type: 'hello', wantsReply: false, webrtc: true },
			{ type: 'bye' },
			{ type: 'sync', message: Uint8Array.of(0, 1, 0) },
			{ type: 'awareness', update: Uint8Array.of(1, 2, 3) },
			{ type: 'awareness-query' },
			{ type: 'state-vector', stateVector: new Map([[12, 3], [99, 0]]) },
			{ type: 'chunk-want', reqId: 7, hash: HASH, kind: 'artifact' },
			{ type: 'chunk-want', reqId: 2 ** 31, hash: HASH, kind: 'metric' },
			{ type: 'chunk-data', reqId: 8, hash: HASH, bytes: Uint8Array.of(9, 9, 9) },
			{ type: 'chunk-missing', reqId: 9 },
			{ type: 'signal', signal: { kind: 'description', description: { type: 'offer', sdp: 'v=0\r\n' } } },
			{ type: 'signal', signal: { kind: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } } }
		];
		for (const frame of frames) {
			for (const to of [null, TO]) {
				const packet: Packet = { from: FROM, to, frame };
				expect(decodePacket(encodePacket(packet))).toEqual(packet);
			}
		}
	});

	test('malformed packets are refused with MalformedFrameError saying why', () => {
		const good = encodePacket({ from: FROM, to: null, frame: { type: 'chunk-want', reqId: 1, hash: HASH, kind: 'metric' } });
		const raw = (build: (e: encoding.Encoder) => void) => {
			const e = encoding.createEncoder();
			build(e);
			return encoding.toUint8Array(e);
		};
		const header = (e: encoding.Encoder, type: number, from = FROM, to = '') => {
			encoding.writeUint8(e, PROTOCOL_VERSION);
			encoding.writeVarString(e, from);
			encoding.writeVarString(e, to);
			encoding.writeUint8(e, type);
		};
		const cases: [string, Uint8Array, RegExp][] = [
			['empty', new Uint8Array(0), /ends early/],
			['truncated', good.subarray(0, good.length - 3), /ends early|Unexpected end/],
			['trailing bytes', Uint8Array.from([...good, 0]), /unexpected bytes after a chunk-want/],
			['another version', Uint8Array.from([PROTOCOL_VERSION + 1, ...good.subarray(1)]), /protocol version/],
			['a bad sender id', raw((e) => header(e, 2, 'x')), /sender id/],
			['a bad recipient id', raw((e) => header(e, 2, FROM, 'not valid!')), /recipient id/],
			['an unknown type', raw((e) => header(e, 200)), /unknown frame type 200/],
			['an upper-case hash', raw((e) => (header(e, 7), encoding.writeVarUint(e, 1), encoding.writeVarString(e, HASH.toUpperCase()), encoding.writeUint8(e, 0))), /64 lowercase hex/],
			['a short hash', raw((e) => (header(e, 7), encoding.writeVarUint(e, 1), encoding.writeVarString(e, 'abc'), encoding.writeUint8(e, 0))), /64 lowercase hex/],
			['an unknown chunk kind', raw((e) => (header(e, 7), encoding.writeVarUint(e, 1), encoding.writeVarString(e, HASH), encoding.writeUint8(e, 5))), /unknown chunk kind/],
			['an oversized chunk', raw((e) => (header(e, 8), encoding.writeVarUint(e, 1), encoding.writeVarString(e, HASH), encoding.writeVarUint(e, MAX_CHUNK_BYTES + 1))), /exceeds the/],
			['a chunk shorter than it says', raw((e) => (header(e, 8), encoding.writeVarUint(e, 1), encoding.writeVarString(e, HASH), encoding.writeVarUint(e, 10), encoding.writeUint8(e, 1))), /Unexpected end/],
			['a sync message of no known type', raw((e) => (header(e, 3), encoding.writeVarUint8Array(e, Uint8Array.of(7)))), /no known y-protocols type/],
			['a state vector that does not decode', raw((e) => (header(e, 6), encoding.writeVarUint8Array(e, Uint8Array.of(5, 1)))), /state vector/],
			['a signal that is not JSON', raw((e) => (header(e, 10), encoding.writeVarString(e, '{nope'))), /not JSON/],
			['a signal of the wrong shape', raw((e) => (header(e, 10), encoding.writeVarString(e, '{"kind":"description","description":{"type":"rollback","sdp":""}}'))), /neither a description/]
		];
		for (const [what, bytes, reason] of cases) {
			let error: unknown;
			try {
				decodePacket(bytes);
			} catch (e) {
				error = e;
			}
			expect(error, what).toBeInstanceOf(MalformedFrameError);
			expect((error as MalformedFrameError).reason, what).toMatch(reason);
		}
	});

	test('a state vector frame carries Y.encodeStateVector of a real doc', () => {
		const doc = new Y.Doc();
		doc.getMap('m').set('k', 'v');
		const stateVector = Y.decodeStateVector(Y.encodeStateVector(doc));
		const decoded = decodePacket(encodePacket({ from: FROM, to: null, frame: { type: 'state-vector', stateVector } }));
		expect(decoded.frame).toEqual({ type: 'state-vector', stateVector: new Map([[doc.clientID, 1]]) });
	});
});

describe('relay wire format (client side)', () => {
	test('PUBLISH carries topic, recipient and the payload untouched', () => {
		const payload = Uint8Array.of(0, 255, 10, 13);
		const frame = encodePublish('room', 'peer-1234', payload);
		expect([...frame]).toEqual([1, 4, ...Buffer.from('room'), 9, ...Buffer.from('peer-1234'), 0, 255, 10, 13]);
		expect([...encodePublish('room', null, payload).subarray(0, 7)]).toEqual([1, 4, ...Buffer.from('room'), 0]);
		expect(() => encodePublish('röom', null, payload)).toThrow(RangeError);
	});

	test('DELIVER and control messages decode, and anything else is ignored', () => {
		const deliver = Uint8Array.from([DELIVER, 2, ...Buffer.from('rm'), 3, ...Buffer.from('abc'), 42, 43]);
		expect(decodeDeliver(deliver)).toEqual({ topic: 'rm', from: 'abc', payload: Uint8Array.of(42, 43) });
		expect(decodeDeliver(Uint8Array.of(DELIVER, 9, 1))).toBeNull();
		expect(decodeDeliver(Uint8Array.of(1, 0, 0))).toBeNull();
		expect(decodeControl('{"type":"left","topic":"rm","peer":"abc"}')).toEqual({ type: 'left', topic: 'rm', peer: 'abc' });
		expect(decodeControl('{"type":"pong"}')).toEqual({ type: 'pong' });
		expect(decodeControl('{"type":"left"}')).toBeNull();
		expect(decodeControl('nope')).toBeNull();
	});
});
