/**
 * Node's `net` lets a socket choose where its reads land (the `onread` option) only for sockets it
 * creates itself (`net.connect`, `new net.Socket`); a server's accepted sockets always read into a
 * fresh 64 KiB ArrayBuffer per read. Under a produce load that costs the broker a page fault per
 * 4 KiB of fresh memory, a copy of every large frame out of those chunks, and V8's full GCs started
 * by the external memory they add up to — about a third of its CPU per record, measured with perf.
 *
 * `readAcceptedInto` moves an accepted socket's handle into a `net.Socket` made with `onread`, so reads go
 * where the caller says (a `FrameReader`: pooled frame memory that is already mapped). This is the
 * one place that touches Node's internals for it: the socket's `_handle` (the libuv stream, which a
 * `Socket` takes as its `handle` option) and `_server` (the server whose connection count the
 * socket gives back when it closes, so `server.close()` still completes). Node 20 to 24 have both
 * (test/core/server/read-accepted-into.test.ts pins the behaviour); where either is missing
 * the accepted socket is returned to the caller to read as usual.
 *
 * The server must be created with `pauseOnConnect: true`, so that nothing is read into the accepted
 * socket before its handle moves.
 */
import net from 'node:net';

/** What `readAcceptedInto` reads from Node's accepted sockets. */
interface AcceptedSocketInternals {
  _handle?: { useUserBuffer?: unknown } | null;
  _server?: net.Server | null;
}

/**
 * A socket reading `accepted`'s connection through `onread`, or null when this Node has no such
 * way (then `accepted` is resumed and reads into its own chunks, emitting 'data').
 */
export function readAcceptedInto(accepted: net.Socket, onread: net.OnReadOpts): net.Socket | null {
  const internals = accepted as unknown as AcceptedSocketInternals;
  const handle = internals._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || !internals._server || accepted.readableLength > 0) {
    accepted.resume();
    return null;
  }
  // `handle` is a constructor option Node's types leave out (its server passes it the same way).
  const options = { handle, onread, allowHalfOpen: accepted.allowHalfOpen, readable: true, writable: true } as net.SocketConstructorOpts;
  const socket = new net.Socket(options);
  // The new socket owns the connection now: it gives back the server's count when it closes, and
  // the accepted one, left without a handle, can no longer close it.
  (socket as unknown as AcceptedSocketInternals)._server = internals._server;
  internals._handle = null;
  return socket;
}
