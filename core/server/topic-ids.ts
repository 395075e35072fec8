/**
 * Topic ids (KIP-516) for the protocol: Metadata v10+ returns one per topic, and some clients
 * (@platformatic/kafka) then name topics by id in Fetch. The engine has no ids, so a topic's id is
 * derived from its name — stable across restarts, the same for every client. (A topic deleted and
 * re-created gets the same id, where Kafka would give a new one.)
 */
import { createHash } from 'node:crypto';
import type { Cluster } from '../cluster.js';

/** The 16-byte id of a topic, as 32 hex digits. */
export function topicId(name: string): string {
  const hash = createHash('sha256').update(name).digest();
  // Kafka's ids are random (version 4) UUIDs; set those bits so tools print a well-formed one.
  hash[6] = (hash[6] & 0x0f) | 0x40;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return hash.toString('hex', 0, 16);
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The topic a request names: its name, or — when a client put an id in the name field, in UUID
 * text form — the topic with that id. Unknown ids stay as they are (the cluster then answers
 * UNKNOWN_TOPIC_OR_PARTITION).
 */
export async function resolveTopicName(nameOrId: string, cluster: Cluster): Promise<string> {
  if (!UUID_TEXT.test(nameOrId)) return nameOrId;
  const hex = nameOrId.replaceAll('-', '');
  for (const name of await cluster.listTopics({ includeInternal: true })) if (topicId(name) === hex) return name;
  return nameOrId;
}
