/** The part of hypercore's API (v11, plain JavaScript with no types of its own) the benches use. */
declare module 'hypercore' {
  export default class Hypercore {
    /** @param storage a directory for the core's RocksDB storage */
    constructor(storage: string);
    /** Blocks appended so far. */
    readonly length: number;
    ready(): Promise<void>;
    /** Appends the blocks (signing the new Merkle root once per call). */
    append(blocks: Buffer | Buffer[]): Promise<{ length: number; byteLength: number }>;
    close(): Promise<void>;
  }
}
