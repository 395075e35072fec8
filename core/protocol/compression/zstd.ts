/**
 * Zstandard for record batches. Node's own zlib has zstd from Node 22.15 on and is used when
 * present; on Node 20 the codec is `@bokuweb/zstd-wasm` (the reference C library compiled to
 * WebAssembly, shipped inside its npm package: nothing to build or download).
 *
 * This is the one file that reaches into that package (pinned to an exact version in
 * package.json; `test/core/protocol/compression/zstd.test.ts` checks it): its `init()` is async,
 * but decoding a batch is synchronous, and an `await` at import would cost every process that
 * loads the core ~20-40 ms whether or not it ever sees a zstd batch. So on first use we hand the
 * Emscripten module its instance through Emscripten's documented `Module.instantiateWasm` hook,
 * compiled synchronously (`new WebAssembly.Module`), and the runtime starts at once.
 *
 * A zstd frame need not state its decompressed size (the Java client streams its frames, so they
 * do not); the WebAssembly decoder then needs an output size up front, so it retries with a
 * doubled one until the frame fits or `MAX_DECOMPRESSED_BYTES` is reached.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';

/** Kafka's default `compression.zstd.level`. */
const LEVEL = 3;
/** The largest decompressed batch accepted. */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;
/** How the WebAssembly wrapper reports ZSTD_error_dstSize_tooSmall. */
const DST_TOO_SMALL = /code -70$/;

interface NodeZstd {
  zstdCompressSync(data: Buffer, options?: object): Buffer;
  zstdDecompressSync(data: Buffer, options?: object): Buffer;
}

interface WasmZstd {
  compress(data: Uint8Array, level: number): Uint8Array;
  decompress(data: Uint8Array, options: { defaultHeapSize: number }): Uint8Array;
}

interface EmscriptenModule {
  calledRun?: boolean;
  instantiateWasm?: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => unknown) => unknown;
  init(): unknown;
}

const nodeZstd = typeof (zlib as unknown as Partial<NodeZstd>).zstdDecompressSync === 'function' ? (zlib as unknown as NodeZstd) : null;
let wasm: WasmZstd | null = null;

/** Loads and starts the WebAssembly codec synchronously, once. */
function wasmZstd(): WasmZstd {
  if (wasm !== null) return wasm;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@bokuweb/zstd-wasm'); // dist/common/index.node.js
  const api = require(entry) as WasmZstd;
  const dir = path.dirname(entry);
  const { Module } = require(path.join(dir, 'module.js')) as { Module: EmscriptenModule };
  if (!Module.calledRun) {
    const bytes = fs.readFileSync(path.join(dir, 'zstd.wasm'));
    Module.instantiateWasm = (imports, receive) => {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
      receive(instance);
      return instance.exports;
    };
    Module.init();
    if (!Module.calledRun) throw new Error('the zstd WebAssembly runtime did not start synchronously');
  }
  wasm = api;
  return api;
}

/** Compresses `data` as one zstd frame at Kafka's default level. */
export function zstdCompress(data: Buffer): Buffer {
  if (nodeZstd !== null) return nodeZstd.zstdCompressSync(data);
  const out = wasmZstd().compress(data, LEVEL);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decompresses one or more zstd frames.
 * @throws Error for malformed input or output over `MAX_DECOMPRESSED_BYTES` (the caller names the batch)
 */
export function zstdDecompress(data: Buffer): Buffer {
  if (nodeZstd !== null) return nodeZstd.zstdDecompressSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  const codec = wasmZstd();
  for (let size = Math.max(64 * 1024, data.length * 8); ; size *= 2) {
    try {
      const out = codec.decompress(data, { defaultHeapSize: size });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      // Only "destination too small" (ZSTD_error_dstSize_tooSmall, 70) is worth another try.
      if (!DST_TOO_SMALL.test((err as Error).message) || size * 2 > MAX_DECOMPRESSED_BYTES) throw err;
    }
  }
}
