import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, onTestFinished, test } from 'vitest';
import { readAcceptedInto } from '../../../core/server/read-accepted-into.js';
import { waitFor } from '../../helpers.js';

/** A server with `pauseOnConnect` (as readAcceptedInto requires) and a client connected to it. */
async function connected(onAccept: (accepted: net.Socket) => void): Promise<{ server: net.Server; client: net.Socket }> {
  const server = net.createServer({ pauseOnConnect: true }, onAccept);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => void server.close());
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  onTestFinished(() => void client.destroy());
  await once(client, 'connect');
  return { server, client };
}

describe('readAcceptedInto', () => {
  // Pins the Node internals the adapter relies on (`_handle`, `_server`): on a Node without them it
  // falls back to ordinary reads, and this test says so instead of the broker silently losing speed.
  test(`moves an accepted socket to reads into the caller's buffers on this Node (${process.version})`, async () => {
    const buffers = [Buffer.alloc(8), Buffer.alloc(64)];
    let next = 0;
    const received: Buffer[] = [];
    let served: net.Socket | null | undefined;
    const { server, client } = await connected((socket) => {
      served = readAcceptedInto(socket, {
        buffer: () => buffers[Math.min(next++, buffers.length - 1)],
        callback: (n, buf) => {
          received.push(Buffer.from(buf.subarray(0, n)));
          return true;
        },
      });
      served?.on('data', () => expect.unreachable('no data events when reading through onread'));
      served?.on('end', () => served!.end());
    });
    await waitFor('the accepted socket', () => served !== undefined);
    expect(served).not.toBeNull();

    const sent = Buffer.from('twenty bytes of data');
    client.write(sent);
    await waitFor('every byte sent', () => Buffer.concat(received).length >= sent.length);
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    expect(received[0].length).toBeLessThanOrEqual(8); // the first read landed in the first 8-byte buffer

    // Writing back works, and the server's connection count comes back when the socket closes:
    // server.close() completes only then.
    const echoed = once(client, 'data');
    served!.write('pong');
    expect(String((await echoed)[0])).toBe('pong');
    const closedServer = new Promise<void>((resolve) => server.close(() => resolve()));
    client.end();
    await once(served!, 'close');
    await closedServer;
  });

  test('a socket that already holds read bytes is left to read as usual (resumed, emitting data)', async () => {
    let fallback: net.Socket | null | undefined;
    const data: Buffer[] = [];
    const { client } = await connected((socket) => {
      socket.unshift(Buffer.from('early'));
      fallback = readAcceptedInto(socket, { buffer: Buffer.alloc(16), callback: () => true });
      socket.on('data', (chunk: Buffer) => data.push(chunk));
    });
    await waitFor('the fallback socket', () => fallback !== undefined);
    expect(fallback).toBeNull();
    client.write('late');
    await waitFor('both writes', () => Buffer.concat(data).toString() === 'earlylate');
    expect(Buffer.concat(data).toString()).toBe('earlylate');
  });
});
