/**
 * The assignors a group consumer can name in `assignors` (Kafka's `partition.assignment.strategy`).
 * An explicit registry: a custom assignor is passed as an object, never registered by import.
 */
import { InvalidConfigError } from '../../errors.js';
import { CooperativeStickyAssignor } from './cooperative-sticky-assignor.js';
import type { PartitionAssignor } from './partition-assignor.js';
import { RangeAssignor } from './range-assignor.js';
import { RoundRobinAssignor } from './round-robin-assignor.js';
import { StickyAssignor } from './sticky-assignor.js';

/** Factories by protocol name (each consumer gets its own instance: the sticky assignor has state). */
export const ASSIGNORS: ReadonlyMap<string, () => PartitionAssignor> = new Map<string, () => PartitionAssignor>([
  ['range', () => new RangeAssignor()],
  ['roundrobin', () => new RoundRobinAssignor()],
  ['sticky', () => new StickyAssignor()],
  ['cooperative-sticky', () => new CooperativeStickyAssignor()],
]);

/**
 * An assignor by name, or the given object as is.
 * @throws InvalidConfigError for an unknown name, listing the known ones.
 */
export function resolveAssignor(assignor: string | PartitionAssignor): PartitionAssignor {
  if (typeof assignor !== 'string') return assignor;
  const create = ASSIGNORS.get(assignor);
  if (!create) throw new InvalidConfigError(`unknown partition assignor "${assignor}"; known: ${[...ASSIGNORS.keys()].join(', ')}`, 'assignors');
  return create();
}

export { CooperativeStickyAssignor, RangeAssignor, RoundRobinAssignor, StickyAssignor };
export type { MemberAssignment, MemberSubscription, PartitionAssignor, RebalanceProtocol } from './partition-assignor.js';
