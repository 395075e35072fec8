import { describe, expect, it } from 'vitest';
import { brokerSettings } from '../../cli/commands/broker.js';
import { UsageError } from '../../cli/errors.js';
import { hostPort } from '../../cli/host-port.js';
import { parseLogConfig } from '../../core/index.js';

describe('sluice broker options', () => {
  it('maps Kafka broker settings and log.* topic defaults', () => {
    const s = brokerSettings(
      { 'auto.create.topics.enable': 'false', 'num.partitions': '3', 'socket.request.max.bytes': '2048', 'log.flush.messages': '1', 'retention.ms': '1000' },
      parseLogConfig,
    );
    expect(s.engine).toMatchObject({ autoCreateTopics: false, defaultPartitions: 3, defaultTopicConfig: { 'flush.messages': '1', 'retention.ms': '1000' } });
    expect(s.server).toMatchObject({ autoCreateTopics: false, maxRequestBytes: 2048 });
  });

  it('refuses unknown keys and bad values as usage errors naming the key', () => {
    expect(() => brokerSettings({ 'foo.bar': '1' }, parseLogConfig)).toThrow(/"foo\.bar" is neither a broker setting/);
    expect(() => brokerSettings({ 'num.partitions': '0' }, parseLogConfig)).toThrow(UsageError);
    expect(() => brokerSettings({ 'log.retention.ms': 'soon' }, parseLogConfig)).toThrow(/retention\.ms/);
  });

  it('parses HOST:PORT, [v6]:PORT and :PORT', () => {
    const parse = hostPort('--listen');
    expect(parse('0.0.0.0:9092')).toEqual({ host: '0.0.0.0', port: 9092 });
    expect(parse('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parse(':19092')).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(() => parse('localhost')).toThrow(UsageError);
    expect(() => parse('h:70000')).toThrow(UsageError);
  });
});
