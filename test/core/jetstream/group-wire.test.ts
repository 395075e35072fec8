import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FencedInstanceIdError, IllegalGenerationError, NotCoordinatorError, RebalanceInProgressError, SluiceError, UnknownMemberIdError } from '../../../core/errors.js';
import { decodeWire, encodeWire, errorFromWire, errorToWire } from '../../../core/jetstream/group-wire.js';

describe('group wire (coordinator request/reply)', () => {
  test('requests with Buffers round-trip byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.string(), (bytes, id) => {
        const request = { op: 'join', body: { groupId: id, protocols: [{ name: 'range', metadata: Buffer.from(bytes) }] } };
        const back = decodeWire<typeof request>(encodeWire(request));
        expect(back.body.groupId).toBe(id);
        expect(Buffer.isBuffer(back.body.protocols[0].metadata)).toBe(true);
        expect(back.body.protocols[0].metadata.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  test('a coordinator error comes back as the same class with its fields, so callers branch with instanceof', () => {
    const errors = [
      new UnknownMemberIdError('member m is not in group "g"', 'g', 'm'),
      new IllegalGenerationError('stale', 'g', 'm', 3, 4),
      new RebalanceInProgressError('g'),
      new FencedInstanceIdError('g', 'i-1', 'm'),
      new NotCoordinatorError('g', 'moved'),
    ];
    for (const original of errors) {
      const back = errorFromWire(decodeWire(encodeWire(errorToWire(original))));
      expect(back).toBeInstanceOf(original.constructor);
      expect(back).toBeInstanceOf(SluiceError);
      expect(back.message).toBe(original.message);
      expect((back as SluiceError).code).toBe(original.code);
      expect((back as SluiceError).retriable).toBe(original.retriable);
      expect({ ...back }).toMatchObject({ ...original });
    }
    const plain = errorFromWire(errorToWire(new TypeError('boom')));
    expect(plain).toBeInstanceOf(SluiceError);
    expect(plain.message).toBe('boom');
  });
});
