/**
 * Configs: DescribeConfigs (every topic config with its value, source and type), AlterConfigs
 * (replaces a topic's overrides wholesale) and IncrementalAlterConfigs (SET and DELETE single
 * keys). Broker resources describe as empty: the broker's settings are its command line.
 */
import type { TopicDescription } from '../../cluster.js';
import { InvalidConfigError } from '../../errors.js';
import type { LogConfig } from '../../log/log-config.js';
import type { Message } from '../../protocol/kafka/index.js';
import { ErrorCode, kafkaErrorCode, kafkaErrorMessage } from '../../protocol/kafka/index.js';
import type { RequestContext } from '../request-context.js';

const TOPIC = 2;
const BROKER = 4;
/** Kafka's ConfigSource: DYNAMIC_TOPIC_CONFIG and DEFAULT_CONFIG. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;
/** Kafka's ConfigType: STRING, INT, LONG, DOUBLE, LIST. */
const TYPE_OF: Record<keyof LogConfig, number> = {
  'segment.bytes': 3,
  'segment.ms': 5,
  'retention.ms': 5,
  'retention.bytes': 5,
  'cleanup.policy': 7,
  'delete.retention.ms': 5,
  'min.cleanable.dirty.ratio': 6,
  'max.message.bytes': 3,
  'flush.messages': 5,
  'flush.ms': 5,
  'index.interval.bytes': 3,
};

/** A topic's configs as DescribeConfigs/CreateTopics list them (`keys` null: all). */
export function describeTopicConfigs(topic: TopicDescription, keys: readonly string[] | null, synonyms: boolean): Message[] {
  return (Object.keys(topic.config) as (keyof LogConfig)[])
    .filter((name) => keys === null || keys.includes(name))
    .map((name) => {
      const overridden = name in topic.overrides;
      const value = String(topic.config[name]);
      const source = overridden ? SOURCE_TOPIC : SOURCE_DEFAULT;
      return {
        name,
        value,
        readOnly: false,
        isDefault: !overridden,
        configSource: source,
        isSensitive: false,
        synonyms: synonyms ? [{ name, value, source }] : [],
        configType: TYPE_OF[name] ?? 2,
        documentation: null,
      };
    });
}

export async function handleDescribeConfigs(body: Message, { cluster }: RequestContext): Promise<Message> {
  const results = [];
  for (const r of body.resources as Message[]) {
    const base = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as Message[] };
    try {
      if (r.resourceType === TOPIC) {
        results.push({ ...base, configs: describeTopicConfigs(await cluster.describeTopic(r.resourceName), r.configurationKeys, body.includeSynonyms === true) });
      } else if (r.resourceType === BROKER) {
        results.push(base);
      } else {
        results.push({ ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not supported (topics: 2, brokers: 4)` });
      }
    } catch (error) {
      results.push({ ...base, errorCode: kafkaErrorCode(error), errorMessage: kafkaErrorMessage(error) });
    }
  }
  return { throttleTimeMs: 0, results };
}

const OP_SET = 0;
const OP_DELETE = 1;

export async function handleIncrementalAlterConfigs(body: Message, context: RequestContext): Promise<Message> {
  return alterConfigs(body, context, async (r, topic) => {
    const changes: Record<string, string | null> = {};
    for (const c of r.configs as Message[]) {
      if (c.configOperation === OP_SET) changes[c.name] = c.value ?? '';
      else if (c.configOperation === OP_DELETE) changes[c.name] = null;
      else throw new InvalidConfigError(`config ${c.name}: only SET (0) and DELETE (1) are supported, got operation ${c.configOperation}`, c.name);
    }
    return changes;
  });
}

/** AlterConfigs replaces every override: keys not named revert to their defaults. */
export async function handleAlterConfigs(body: Message, context: RequestContext): Promise<Message> {
  return alterConfigs(body, context, async (r, topic) => {
    const changes: Record<string, string | null> = {};
    for (const key of Object.keys(topic.overrides)) changes[key] = null;
    for (const c of r.configs as Message[]) changes[c.name] = c.value;
    return changes;
  });
}

async function alterConfigs(
  body: Message,
  { cluster }: RequestContext,
  changesFor: (resource: Message, topic: TopicDescription) => Promise<Record<string, string | null>>,
): Promise<Message> {
  const responses = [];
  for (const r of body.resources as Message[]) {
    const base = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      if (r.resourceType !== TOPIC) throw new InvalidConfigError(`only topic configs can be altered (resource type 2), got ${r.resourceType}`, 'resourceType');
      if (!cluster.alterTopicConfig) throw new InvalidConfigError('this cluster cannot alter topic configs', 'alterTopicConfig');
      const changes = await changesFor(r, await cluster.describeTopic(r.resourceName));
      if (!body.validateOnly) await cluster.alterTopicConfig(r.resourceName, changes);
      responses.push(base);
    } catch (error) {
      responses.push({ ...base, errorCode: kafkaErrorCode(error), errorMessage: kafkaErrorMessage(error) });
    }
  }
  return { throttleTimeMs: 0, responses };
}
