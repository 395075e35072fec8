/**
 * Names of a topic-partition on JetStream: one stream per partition, one subject per stream.
 *
 * Grammar (stream name, at most 255 characters, JetStream's limit):
 *   <prefix> "_" <partition> "_" <topic with every "." replaced by "~">      when it fits
 *   <prefix> "_" <partition> "_#" <base64url(sha256(topic))>                 otherwise
 * A Kafka topic name is [a-zA-Z0-9._-]{1,249}; JetStream forbids ".", "*", ">", whitespace and path
 * separators in stream names, but allows "~" and "#", which a Kafka name never contains — so the
 * first form is a bijection on names (injective, and readable in `nats stream ls`), and the second
 * form (only for names longer than about 240 characters) can never equal a first-form name. The
 * hashed form is injective up to a SHA-256 collision, and the topic table stores the topic name in
 * each stream's description, so the engine refuses a second topic mapping to an existing stream.
 *
 * Subject: `<prefix>.<stream name>` (one token after the prefix, since the name has no ".").
 *
 * A compacted partition's cleaned generations (`cleaned-prefix.ts`) are streams of their own:
 *   name     <base> "#c" <generation> "-" <random tag>
 *   subject  <prefix> "." <base> "#c" "." <generation> "-" <random tag>
 * where <base> is the partition's stream name, or "#" base64url(sha256(stream name)) when that
 * would not fit. "#c" cannot occur in a partition stream's name (a Kafka name has no "#", and a
 * hashed name has no "#" after its first), so no topic's stream — `t-c1` included — is ever taken
 * for a generation; the tag keeps a pass that lost its lease from writing into its successor's stream.
 */
import { createHash, randomBytes } from 'node:crypto';

const MAX_STREAM_NAME = 255;

/** The stream holding `topic`-`partition`. */
export function streamName(prefix: string, topic: string, partition: number): string {
  const head = `${prefix}_${partition}_`;
  const plain = head + topic.replaceAll('.', '~');
  if (plain.length <= MAX_STREAM_NAME) return plain;
  return `${head}#${createHash('sha256').update(topic).digest('base64url')}`;
}

/** The subject the stream of `topic`-`partition` captures. */
export function streamSubject(prefix: string, topic: string, partition: number): string {
  return `${prefix}.${streamName(prefix, topic, partition)}`;
}

/** The KV key under which the topic table stores `topic` (encoded: a Kafka name may hold "..", which a KV key may not). */
export function topicKey(topic: string): string {
  return `topics.${keyToken(topic)}`;
}

/** A KV key token for an arbitrary string (group ids may hold any character). */
export function keyToken(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url') || '_';
}

/** The inverse of {@link keyToken}. */
export function fromKeyToken(token: string): string {
  return token === '_' ? '' : Buffer.from(token, 'base64url').toString('utf8');
}

/** What every cleaned generation's stream name of partition stream `stream` starts with. */
export function cleanedStreamPrefix(stream: string): string {
  const base = stream.length <= MAX_STREAM_NAME - 32 ? stream : `#${createHash('sha256').update(stream).digest('base64url')}`;
  return `${base}#c`;
}

/** A new name for generation `generation` of `stream`'s cleaned prefix. */
export function cleanedStreamName(stream: string, generation: number): string {
  return `${cleanedStreamPrefix(stream)}${generation}-${randomBytes(4).toString('hex')}`;
}

/** The subject of cleaned generation `name` of `stream` (one token per generation under a shared head, so `cleanedSubjectFilter` lists them all). */
export function cleanedStreamSubject(prefix: string, stream: string, name: string): string {
  const head = cleanedStreamPrefix(stream);
  return `${prefix}.${head}.${name.slice(head.length)}`;
}

/** A subject filter matching every cleaned generation's subject of `stream`. */
export function cleanedSubjectFilter(prefix: string, stream: string): string {
  return `${prefix}.${cleanedStreamPrefix(stream)}.*`;
}
