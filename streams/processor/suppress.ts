/**
 * Suppression of a table's updates (Kafka Streams' `KTableSuppressProcessor`): each update goes
 * into the buffer (latest value per key; a key keeps the buffer time of its first buffered update),
 * stream time becomes the largest update timestamp seen, and every entry whose buffer time is at
 * or before `streamTime - waitMs` is emitted, oldest first, with the value, timestamp and headers
 * of its latest update. Over its bound, the buffer emits its oldest entries early
 * (`emitEarlyWhenFull`) or fails the task (`SuppressionBufferFullError`). Final results
 * (`untilWindowCloses`) never emit tombstones.
 *
 * With `close` (the end of a bounded input, see `WindowClose`), everything buffered is emitted.
 */
import { Observable } from 'rxjs';
import type { Windowed } from '../record.js';
import type { BufferedUpdate, SuppressionBuffer } from '../state/suppression-buffer.js';
import { SuppressionBufferFullError } from '../suppression-buffer-full-error.js';
import type { AnyRecord, SuppressNode } from '../topology/nodes.js';
import type { WindowClose } from './window-close.js';

export function suppress(node: SuppressNode, buffer: SuppressionBuffer<unknown, unknown>, close: WindowClose | null = null) {
  const { suppressed, endOffsetMs, waitMs } = node;
  const finalResults = suppressed.kind === 'untilWindowCloses';
  const { maxRecords, maxBytes, whenFull } = suppressed.buffer;
  const emits = node.children.length > 0;
  const overCapacity = (): boolean => buffer.size > maxRecords || buffer.bytes > maxBytes;

  return (source: Observable<AnyRecord>): Observable<AnyRecord> =>
    new Observable<AnyRecord>((subscriber) => {
      const emit = (e: BufferedUpdate<unknown, unknown>, trigger: AnyRecord): number => {
        if (!emits || (finalResults && e.value === null)) return 0;
        subscriber.next({ key: e.key, value: e.value, timestamp: e.timestamp, headers: e.headers, origin: trigger.origin });
        return 1;
      };
      const enforce = (trigger: AnyRecord): void => {
        const expiry = buffer.streamTime - waitMs;
        while (buffer.size > 0 && buffer.minBufferTime() <= expiry) emit(buffer.evictOldest()!, trigger);
        if (!overCapacity()) return;
        if (whenFull === 'shutDown') throw new SuppressionBufferFullError(buffer.name, buffer.size, buffer.bytes, { maxRecords, maxBytes });
        while (overCapacity()) emit(buffer.evictOldest()!, trigger);
      };
      return source.subscribe({
        next(r) {
          try {
            buffer.setStreamTime(r.timestamp);
            const bufferTime = finalResults ? (r.key as Windowed<unknown>).window.end + endOffsetMs : r.timestamp;
            buffer.put(r.key, r.value ?? null, r.timestamp, r.headers, bufferTime);
            enforce(r);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete() {
          if (close !== null) {
            try {
              while (buffer.size > 0) close.emitted += emit(buffer.evictOldest()!, close.trigger);
            } catch (err) {
              subscriber.error(err);
              return;
            }
          }
          subscriber.complete();
        },
      });
    });
}
