/**
 * The transaction APIs' codecs against a real client's: kafkajs 2.2.4 encodes each request at the
 * versions it sends (v0/v1, non-flexible) and decodes our responses; the flexible versions are pinned
 * by golden bytes laid out by hand from Kafka's message JSON. Round trips of every version run with
 * the other APIs in kafka-apis.test.ts.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  AddOffsetsToTxnApi,
  AddPartitionsToTxnApi,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  EndTxnApi,
  FindCoordinatorApi,
  TxnOffsetCommitApi,
  type KafkaApi,
  type Message,
} from '../../../../core/protocol/kafka/index.js';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode: () => Promise<{ buffer: Buffer }>;
}
type KafkajsRequestFactory = (args: Message) => KafkajsRequest;
interface KafkajsResponse {
  decode: (raw: Buffer) => Promise<Message>;
}

const kafkajsRequest = (dir: string, v: number): KafkajsRequestFactory => require(`kafkajs/src/protocol/requests/${dir}/v${v}/request`) as KafkajsRequestFactory;
const kafkajsResponse = (dir: string, v: number): KafkajsResponse => require(`kafkajs/src/protocol/requests/${dir}/v${v}/response`) as KafkajsResponse;

/** Decodes kafkajs's request body with our header in front of it. */
async function decodeKafkajs(api: KafkaApi, request: KafkajsRequest): Promise<Message> {
  expect(request.apiKey).toBe(api.key);
  const body = (await request.encode()).buffer;
  const header = Buffer.concat(encodeRequest(api, request.apiVersion, 9, 'kafkajs', {}));
  // A non-flexible request with every field at its default: the header is what precedes the body.
  const headerLength = 2 + 2 + 4 + 2 + 'kafkajs'.length;
  return decodeRequest(api, Buffer.concat([header.subarray(0, headerLength), body])).body;
}

/** Our response body (without the correlation id) as kafkajs decodes it. */
async function kafkajsDecodes(api: KafkaApi, dir: string, v: number, body: Message): Promise<Message> {
  const frame = Buffer.concat(encodeResponse(api, v, 9, body));
  return kafkajsResponse(dir, v).decode(frame.subarray(4));
}

describe('transaction API codecs', () => {
  for (const v of [0, 1]) {
    it(`AddPartitionsToTxn v${v}: kafkajs's request decodes, our response decodes in kafkajs`, async () => {
      const request = kafkajsRequest('addPartitionsToTxn', v)({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, topics: [{ topic: 'orders', partitions: [0, 2] }] });
      expect(await decodeKafkajs(AddPartitionsToTxnApi, request)).toMatchObject({
        v3AndBelowTransactionalId: 'tx-1',
        v3AndBelowProducerId: 4000,
        v3AndBelowProducerEpoch: 3,
        v3AndBelowTopics: [{ name: 'orders', partitions: [0, 2] }],
      });
      const decoded = await kafkajsDecodes(AddPartitionsToTxnApi, 'addPartitionsToTxn', v, {
        throttleTimeMs: 0,
        resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }, { partitionIndex: 2, partitionErrorCode: 51 }] }],
      });
      expect(decoded.errors).toEqual([{ topic: 'orders', partitionErrors: [{ partition: 0, errorCode: 0 }, { partition: 2, errorCode: 51 }] }]);
    });

    it(`AddOffsetsToTxn v${v}: kafkajs's request decodes, our response decodes in kafkajs`, async () => {
      const request = kafkajsRequest('addOffsetsToTxn', v)({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, groupId: 'g' });
      expect(await decodeKafkajs(AddOffsetsToTxnApi, request)).toEqual({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, groupId: 'g' });
      expect(await kafkajsDecodes(AddOffsetsToTxnApi, 'addOffsetsToTxn', v, { throttleTimeMs: 0, errorCode: 47 })).toMatchObject({ errorCode: 47 });
    });

    it(`EndTxn v${v}: kafkajs's request decodes, our response decodes in kafkajs`, async () => {
      const request = kafkajsRequest('endTxn', v)({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, transactionResult: false });
      expect(await decodeKafkajs(EndTxnApi, request)).toEqual({ transactionalId: 'tx-1', producerId: 4000, producerEpoch: 3, committed: false });
      expect(await kafkajsDecodes(EndTxnApi, 'endTxn', v, { throttleTimeMs: 0, errorCode: 90 })).toMatchObject({ errorCode: 90 });
    });

    it(`TxnOffsetCommit v${v}: kafkajs's request decodes, our response decodes in kafkajs`, async () => {
      const request = kafkajsRequest('txnOffsetCommit', v)({
        transactionalId: 'tx-1',
        groupId: 'g',
        producerId: 4000,
        producerEpoch: 3,
        topics: [{ topic: 'in', partitions: [{ partition: 1, offset: '42', metadata: null }] }],
      });
      expect(await decodeKafkajs(TxnOffsetCommitApi, request)).toMatchObject({
        transactionalId: 'tx-1',
        groupId: 'g',
        producerId: 4000,
        producerEpoch: 3,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [{ name: 'in', partitions: [{ partitionIndex: 1, committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      const decoded = await kafkajsDecodes(TxnOffsetCommitApi, 'txnOffsetCommit', v, { throttleTimeMs: 0, topics: [{ name: 'in', partitions: [{ partitionIndex: 1, errorCode: 0 }] }] });
      expect(decoded.topics).toEqual([{ topic: 'in', partitions: [{ partition: 1, errorCode: 0 }] }]);
    });
  }

  it('encodes AddPartitionsToTxn v3 byte for byte as Kafka lays it out (flexible: compact strings and arrays, tag sections)', () => {
    const bytes = Buffer.concat(
      encodeRequest(AddPartitionsToTxnApi, 3, 2, 'c', { v3AndBelowTransactionalId: 't', v3AndBelowProducerId: 5, v3AndBelowProducerEpoch: 1, v3AndBelowTopics: [{ name: 'x', partitions: [0, 1] }] }),
    );
    expect(bytes.toString('hex')).toBe(
      '0018' + '0003' + '00000002' + '000163' + '00' + // header v2: key, version, correlation id, client id, tags
        '0274' + '0000000000000005' + '0001' + // compact "t", producer id, epoch
        '02' + '0278' + '03' + '00000000' + '00000001' + '00' + // one topic "x" with partitions [0, 1], its tags
        '00', // the request's tags
    );
  });

  it('decodes batched AddPartitionsToTxn v5 (verify_only) and encodes its per-transaction results', () => {
    const request = { transactions: [{ transactionalId: 'a', producerId: 1, producerEpoch: 0, verifyOnly: true, topics: [{ name: 'x', partitions: [3] }] }] };
    expect(decodeRequest(AddPartitionsToTxnApi, Buffer.concat(encodeRequest(AddPartitionsToTxnApi, 5, 1, null, request))).body.transactions).toEqual(request.transactions);
    const response = { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [{ transactionalId: 'a', topicResults: [{ name: 'x', resultsByPartition: [{ partitionIndex: 3, partitionErrorCode: 0 }] }] }] };
    expect(decodeResponse(AddPartitionsToTxnApi, 5, Buffer.concat(encodeResponse(AddPartitionsToTxnApi, 5, 1, response))).body).toEqual({ ...response, resultsByTopicV3AndBelow: [] });
  });

  it('FindCoordinator carries key_type 1 (transaction coordinator) from v1', () => {
    const frame = Buffer.concat(encodeRequest(FindCoordinatorApi, 1, 3, null, { key: 'tx-1', keyType: 1 }));
    expect(decodeRequest(FindCoordinatorApi, frame).body).toMatchObject({ key: 'tx-1', keyType: 1 });
    expect(frame.subarray(-1).readInt8(0)).toBe(1);
  });
});
