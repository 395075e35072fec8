import { describe, expect, test } from 'vitest';
import { deliveryInfo } from '../../../connectors/nats/delivery-info.js';

describe('deliveryInfo', () => {
  test('reads the old and the new ack subject forms', () => {
    expect(deliveryInfo('$JS.ACK.ORDERS.sluice-in.1.42.7.1700000000123456789.3')).toEqual({ streamSeq: 42, deliverySeq: 7, timestampMs: 1700000000123 });
    expect(deliveryInfo('$JS.ACK.hub.ACC123.ORDERS.sluice-in.2.43.8.1700000000123456789.3.xyz')).toEqual({ streamSeq: 43, deliverySeq: 8, timestampMs: 1700000000123 });
    expect(deliveryInfo('$JS.ACK._.ACC123.ORDERS.c.1.5.6.1700000000999000000.0')).toEqual({ streamSeq: 5, deliverySeq: 6, timestampMs: 1700000000999 });
    expect(deliveryInfo('$JS.ACK.S.c.1.1.1.999.0').timestampMs).toBe(0);
  });

  test('refuses what is not a JetStream ack subject', () => {
    expect(() => deliveryInfo('_INBOX.abc.1')).toThrow(/not a JetStream message/);
    expect(() => deliveryInfo('$JS.ACK.S.c.1.x2.7.17.3')).toThrow(/not a JetStream message/);
    expect(() => deliveryInfo('$JS.API.S.c.1.2.7.17.3')).toThrow(/not a JetStream message/);
  });
});
