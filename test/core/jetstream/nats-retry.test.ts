/**
 * Which JetStream failures `retryTransient` waits out: API errors as nats.js 3 throws them
 * (`JetStreamApiError` with JetStream's code and description).
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { describe, expect, test } from 'vitest';
import { isTransientNatsError } from '../../../core/jetstream/nats-retry.js';

const apiError = (err_code: number, description: string, code = 500): JetStreamApiError => new JetStreamApiError({ code, err_code, description });

describe('isTransientNatsError', () => {
  test('"no suitable peers for placement" from a cluster still forming is transient (the time limit catches a permanent one)', () => {
    expect(isTransientNatsError(apiError(10005, 'no suitable peers for placement'))).toBe(true);
  });

  test('no stream leader yet and JetStream unavailable are transient; a wrong last sequence and a bad config are not', () => {
    expect(isTransientNatsError(apiError(10008, 'JetStream system temporarily unavailable', 503))).toBe(true);
    expect(isTransientNatsError(apiError(10071, 'wrong last sequence: 4', 400))).toBe(false);
    expect(isTransientNatsError(apiError(10052, 'replicas > 1 not supported in non-clustered mode', 400))).toBe(false);
  });
});
