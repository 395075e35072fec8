/**
 * One Kafka API (an api key with its request and response grammars) and the framing around it:
 *
 *   Request  => Size RequestHeader Body         Size: int32, bytes after it
 *   RequestHeader v0 => api_key:int16 api_version:int16 correlation_id:int32
 *   RequestHeader v1 => v0 client_id:nullable string (never compact)
 *   RequestHeader v2 => v1 tagged_fields                (flexible request versions)
 *   Response => Size ResponseHeader Body
 *   ResponseHeader v0 => correlation_id:int32
 *   ResponseHeader v1 => v0 tagged_fields               (flexible response versions, but never ApiVersions: KIP-511)
 *
 * The same definitions serve both sides: a broker decodes requests and encodes responses, a client
 * encodes requests and decodes responses.
 */
import { UnsupportedVersionError } from '../../errors.js';
import { KafkaReader } from './kafka-reader.js';
import { KafkaWriter } from './kafka-writer.js';
import { assertConsumed, decodeStruct, encodeStruct, versions, type Message, type Struct, type VersionRange } from './message-schema.js';

export interface KafkaApi {
  readonly key: number;
  readonly name: string;
  /** The versions implemented here (advertised in ApiVersions). */
  readonly versions: VersionRange;
  /** The first flexible version (Infinity: none). */
  readonly flexibleFrom: number;
  readonly request: Struct;
  readonly response: Struct;
}

export function defineApi(api: { key: number; name: string; versions: string; flexible: string; request: Struct; response: Struct }): KafkaApi {
  return {
    key: api.key,
    name: api.name,
    versions: versions(api.versions),
    flexibleFrom: api.flexible === 'none' ? Infinity : versions(api.flexible)[0],
    request: api.request,
    response: api.response,
  };
}

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function isFlexible(api: KafkaApi, version: number): boolean {
  return version >= api.flexibleFrom;
}

export function supportsVersion(api: KafkaApi, version: number): boolean {
  return version >= api.versions[0] && version <= api.versions[1];
}

/** Reads the header's fixed part (api key, version, correlation id): enough to answer any frame. */
export function readHeaderStart(frame: Buffer): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (frame.length < 8) return null;
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/**
 * Decodes a request frame (without its size prefix) of a known API.
 * @throws UnsupportedVersionError for a version outside `api.versions`; InvalidRequestError for bad bytes.
 */
export function decodeRequest(api: KafkaApi, frame: Buffer): { header: RequestHeader; body: Message } {
  const reader = new KafkaReader(frame);
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  if (!supportsVersion(api, apiVersion)) {
    throw new UnsupportedVersionError(`${api.name} v${apiVersion} is not supported (supported: v${api.versions[0]}-v${api.versions[1]})`, apiKey, apiVersion);
  }
  const clientId = reader.nullableString(false);
  const flexible = isFlexible(api, apiVersion);
  if (flexible) reader.taggedFields();
  const body = decodeStruct(api.request, apiVersion, flexible, reader);
  assertConsumed(reader, `${api.name} v${apiVersion} request`);
  return { header: { apiKey, apiVersion, correlationId, clientId }, body };
}

/** Encodes a request (with header, without the size prefix) as chunks. */
export function encodeRequest(api: KafkaApi, version: number, correlationId: number, clientId: string | null, body: Message): Buffer[] {
  const w = new KafkaWriter();
  w.int16(api.key).int16(version).int32(correlationId).string(clientId, false);
  const flexible = isFlexible(api, version);
  if (flexible) w.uvarint(0);
  encodeStruct(api.request, version, flexible, body, w);
  return w.finish();
}

function responseHeaderFlexible(api: KafkaApi, version: number): boolean {
  return api.key !== API_VERSIONS_KEY && isFlexible(api, version);
}

/** Encodes a response (with header, without the size prefix) as chunks. */
export function encodeResponse(api: KafkaApi, version: number, correlationId: number, body: Message): Buffer[] {
  const w = new KafkaWriter();
  w.int32(correlationId);
  if (responseHeaderFlexible(api, version)) w.uvarint(0);
  encodeStruct(api.response, version, isFlexible(api, version), body, w);
  return w.finish();
}

/** Decodes a response frame (without its size prefix). */
export function decodeResponse(api: KafkaApi, version: number, frame: Buffer): { correlationId: number; body: Message } {
  const reader = new KafkaReader(frame);
  const correlationId = reader.int32();
  if (responseHeaderFlexible(api, version)) reader.taggedFields();
  const body = decodeStruct(api.response, version, isFlexible(api, version), reader);
  assertConsumed(reader, `${api.name} v${version} response`);
  return { correlationId, body };
}

/** Prefixes chunks with their int32 total size, for the socket. */
export function sizePrefixed(chunks: Buffer[]): Buffer[] {
  let size = 0;
  for (const c of chunks) size += c.length;
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size, 0);
  return [prefix, ...chunks];
}

