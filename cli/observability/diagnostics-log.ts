/**
 * Logs what the engine, streams and connectors publish on their `node:diagnostics_channel`
 * channels: connector state changes (info; failures: error), retries, messages a source dropped
 * (warn, at most once a second per connector) and fields that a step's
 * expression reads but no record has (warn), streams state changes
 * and rebalances (info), late records, commits and log rolls (debug). Returns the unsubscribe.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ConnectorDroppedEvent } from '../../connectors/runtime/connector-status.js';
import { DroppedLog } from './dropped-log.js';
import type { Logger } from './logger.js';

type Message = Record<string, unknown>;

/** Subscribes `logger` to Sluice's diagnostics channels; the returned function unsubscribes. */
export function logDiagnostics(logger: Logger): () => void {
  const dropped = new DroppedLog(logger);
  const handlers: Array<[string, (message: unknown) => void]> = [
    ['sluice:connector:dropped', (m) => dropped.add(m as ConnectorDroppedEvent)],
    [
      'sluice:connector:status',
      (m) => {
        const e = m as Message;
        const level = e.state === 'failed' ? 'error' : 'info';
        logger.log(level, `${String(e.kind)} ${String(e.name)} ${String(e.state)} (was ${String(e.previous)})`, { connector: e.connector, error: e.error });
      },
    ],
    [
      'sluice:connector:warning',
      (m) => {
        const e = m as Message;
        logger.warn(`${String(e.kind)} ${String(e.name)}: ${String(e.message)}`, { connector: e.connector });
      },
    ],
    [
      'sluice:connector:retry',
      (m) => {
        const e = m as Message;
        logger.warn(`${String(e.kind)} ${String(e.name)}: ${String(e.operation)} failed, retrying`, { attempt: e.attempt, delayMs: e.delayMs, error: e.error });
      },
    ],
    ['sluice:streams:state', (m) => logger.info(`streams ${String((m as Message).applicationId)} ${String((m as Message).to)} (was ${String((m as Message).from)})`)],
    [
      'sluice:group:rebalance',
      (m) => {
        const e = m as Message;
        if (e.phase === 'stable') logger.info(`group ${String(e.groupId)} rebalanced`, { generation: e.generationId, members: Array.isArray(e.members) ? e.members.length : undefined });
      },
    ],
    ['sluice:pipeline:field-missing', (m) => logger.warn(String((m as Message).message))],
    ['sluice:group:commit-error', (m) => logger.warn(`group ${String((m as Message).groupId)}: commit failed`, { error: (m as Message).error })],
    ['sluice:log:maintenance-error', (m) => logger.error('log maintenance failed', { error: (m as Message).error, topic: (m as Message).topic, partition: (m as Message).partition })],
    [
      'sluice:streams:late',
      (m) => {
        const e = m as Message;
        if (logger.enabled('debug')) logger.debug(`streams ${String(e.applicationId)}: late record`, { topic: e.topic, partition: e.partition, offset: e.offset, store: e.store });
      },
    ],
    [
      'sluice:streams:commit',
      (m) => {
        const e = m as Message;
        if (logger.enabled('debug')) logger.debug(`streams ${String(e.applicationId)} task ${String(e.taskId)} committed`, { offsets: Array.isArray(e.offsets) ? e.offsets.length : undefined, changelogRecords: e.changelogRecords });
      },
    ],
    ['sluice:log:roll', (m) => logger.debug('segment rolled', { topic: (m as Message).topic, partition: (m as Message).partition })],
  ];
  for (const [name, handler] of handlers) subscribe(name, handler);
  return () => {
    for (const [name, handler] of handlers) unsubscribe(name, handler);
    dropped.close();
  };
}
