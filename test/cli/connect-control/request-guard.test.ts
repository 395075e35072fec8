import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, onTestFinished, test } from 'vitest';
import { startControlServer, type ControlServerOptions } from '../../../cli/connect-control/control-server.js';
import { checkListenerSecurity } from '../../../cli/connect-control/listener-policy.js';
import { RequestGuard } from '../../../cli/connect-control/request-guard.js';
import { testCluster, tempDir } from '../../helpers.js';
import { testRuntime } from '../../connectors/helpers.js';
import { request } from './http-client.js';
import { selfSignedCert } from './tls-cert.js';

async function server(options: Partial<ControlServerOptions> = {}) {
  const cluster = await testCluster({ inMemory: true });
  await cluster.createTopic('t', { partitions: 1 });
  const runtime = testRuntime(cluster);
  const control = await startControlServer(runtime, { port: 0, ...options });
  onTestFinished(() => control.close());
  return { runtime, control, url: control.url };
}

const sinkConfig = (dir: string, name = 'web') => ({ name, config: { 'connector.class': 'file-sink', topics: 't', 'file.path': path.join(dir, `${name}.txt`) } });

describe('connector REST API: who may call it', () => {
  test('a foreign Host (DNS rebinding) is refused before anything is read or started', async () => {
    const { runtime, control, url } = await server();
    for (const host of [`evil.example:${control.port}`, 'evil.example', `127.0.0.1:${control.port + 1}`, `localhost.evil.example:${control.port}`]) {
      const a = await request(`${url}/connectors`, { method: 'POST', headers: { host }, body: sinkConfig(tempDir()) });
      expect(a.status, host).toBe(403);
      expect(a.json).toEqual({ error_code: 403, message: expect.stringContaining('does not name this server') });
    }
    for (const host of [`127.0.0.1:${control.port}`, `localhost:${control.port}`, `LOCALHOST:${control.port}`]) {
      expect((await request(`${url}/connectors`, { headers: { host } })).status, host).toBe(200);
    }
    expect(runtime.statuses()).toEqual([]);
  });

  test('browser Origins are refused unless allowed; allowed ones get CORS headers and preflights', async () => {
    const dir = tempDir();
    const { runtime, url } = await server({ allowedOrigins: ['https://ui.example'] });
    const evil = await request(`${url}/connectors`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: sinkConfig(dir) });
    expect(evil.status).toBe(403);
    expect(evil.json).toEqual({ error_code: 403, message: 'requests from the browser origin https://evil.example are refused (allow it with --rest-allowed-origins)' });
    expect((await request(`${url}/connectors`, { headers: { origin: 'null' } })).status).toBe(403);
    expect(runtime.statuses()).toEqual([]);

    const preflight = await request(`${url}/connectors`, { method: 'OPTIONS', headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    const ok = await request(`${url}/connectors`, { method: 'POST', headers: { origin: 'https://ui.example' }, body: sinkConfig(dir) });
    expect(ok.status).toBe(201);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ui.example');
    expect(runtime.statuses().map((s) => s.name)).toEqual(['web']);
  });

  test('a body that is not application/json is refused (415): a text/plain form post starts nothing', async () => {
    const dir = tempDir();
    const { runtime, url } = await server();
    const body = JSON.stringify(sinkConfig(dir));
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const a = await request(`${url}/connectors`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(a.status, type).toBe(415);
      expect(a.json).toEqual({ error_code: 415, message: `a request body must be application/json (Content-Type: ${type})` });
    }
    expect((await request(`${url}/connectors`, { method: 'POST', body })).status).toBe(415);
    expect(runtime.statuses()).toEqual([]);
    expect((await request(`${url}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body })).status).toBe(201);
  });

  test('with a token, every request needs Authorization: Bearer <token>', async () => {
    const { url } = await server({ token: 's3cret' });
    const none = await request(`${url}/connectors`);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await request(`${url}/connectors`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await request(`${url}/connectors`, { headers: { authorization: 'Basic czNjcmV0' } })).status).toBe(401);
    const ok = await request(`${url}/connectors`, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual([]);
  });

  test('a malformed %-encoding in the path answers 400, not 500', async () => {
    const { url } = await server();
    const a = await request(`${url}/connectors/a%ZZb/status`);
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ error_code: 400, message: 'malformed %-encoding in the path "/connectors/a%ZZb/status"' });
    expect((await request(`${url}/connectors/%E0%A4%A/status`)).status).toBe(400);
  });

  /** A raw connection that sends `text` and then nothing; collects what the server answers. */
  async function stall(port: number, text: string) {
    const socket = net.connect(port, '127.0.0.1');
    onTestFinished(() => void socket.destroy());
    const state = { socket, answer: '', closed: new Promise<void>((resolve) => socket.on('close', () => resolve())) };
    socket.on('data', (c: Buffer) => (state.answer += c.toString()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(text);
    return state;
  }
  const stalledBody = (port: number) => `POST /connectors HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": "slow", "config": {`;
  const stalledHeaders = (port: number) => `GET /connectors HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `;

  test('clients that never finish their headers or body block no one', async () => {
    const dir = tempDir();
    const { runtime, control, url } = await server();
    const body = await stall(control.port, stalledBody(control.port));
    const headers = await stall(control.port, stalledHeaders(control.port));
    // While they stall: a read, a create, a pause of the same resources all complete.
    expect((await request(`${url}/connectors`)).json).toEqual([]);
    expect((await request(`${url}/connectors`, { method: 'POST', body: sinkConfig(dir, 'other') })).status).toBe(201);
    expect((await request(`${url}/connectors/other/pause`, { method: 'PUT' })).status).toBe(202);
    expect(runtime.status('other').state).toBe('paused');
    expect([body.socket.destroyed, headers.socket.destroyed, body.answer + headers.answer]).toEqual([false, false, '']);
    expect(runtime.statuses().map((s) => s.name)).toEqual(['other']);
  });

  test('a client that stalls in its headers or body is answered 408 after the timeout', async () => {
    const { runtime, control } = await server({ requestTimeoutMs: 300, headersTimeoutMs: 300 });
    const body = await stall(control.port, stalledBody(control.port));
    const headers = await stall(control.port, stalledHeaders(control.port));
    await Promise.all([body.closed, headers.closed]);
    expect(body.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(runtime.statuses()).toEqual([]);
  });

  test('TLS: served over HTTPS with the given certificate', async () => {
    const tls = selfSignedCert();
    const cert = tls.certFile;
    const { url } = await server({ tls, token: 't' });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const a = await request(`${url}/`, { ca: fs.readFileSync(cert), headers: { authorization: 'Bearer t' } });
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ version: expect.any(String), commit: expect.any(String), kafka_cluster_id: expect.any(String) });
    await expect(request(url.replace('https:', 'http:'))).rejects.toThrow();
  });

  test('Host names a wildcard listener by a local address or the machine name; --rest-allowed-hosts adds names; a Host without port means 80/443', () => {
    const req = (host: string) => ({ headers: { host }, method: 'GET' }) as unknown as http.IncomingMessage;
    const wildcard = new RequestGuard({ host: '0.0.0.0', port: 8083, allowedHosts: ['connect.example.com'] });
    const address = Object.values(os.networkInterfaces()).flat().find((a) => a?.family === 'IPv4')!.address;
    for (const host of [`${address}:8083`, `${os.hostname()}:8083`, 'connect.example.com:8083', 'localhost:8083']) expect(() => wildcard.check(req(host)), host).not.toThrow();
    for (const host of ['evil.example:8083', 'connect.example.com:8084', 'connect.example.com']) expect(() => wildcard.check(req(host)), host).toThrow(/does not name this server/);
    const specific = new RequestGuard({ host: '10.1.2.3', port: 443, tls: true });
    expect(() => specific.check(req('10.1.2.3'))).not.toThrow();
    expect(() => specific.check(req('localhost:443'))).toThrow(/does not name this server/);
  });

  test('a listener beyond loopback needs TLS and a token, unless forced', () => {
    expect(() => checkListenerSecurity({ host: '127.0.0.1', tls: false, token: false, insecure: false })).not.toThrow();
    expect(() => checkListenerSecurity({ host: '::1', tls: false, token: false, insecure: false })).not.toThrow();
    expect(() => checkListenerSecurity({ host: '0.0.0.0', tls: false, token: false, insecure: false })).toThrow(
      'the connector REST API on 0.0.0.0 is reachable beyond this machine: it needs TLS (--rest-tls-cert and --rest-tls-key) and a token (--rest-token or env SLUICE_REST_TOKEN), or --rest-insecure to serve it anyway',
    );
    expect(() => checkListenerSecurity({ host: '10.1.2.3', tls: true, token: false, insecure: false })).toThrow(/needs a token/);
    expect(() => checkListenerSecurity({ host: '10.1.2.3', tls: false, token: true, insecure: false })).toThrow(/needs TLS/);
    expect(() => checkListenerSecurity({ host: '10.1.2.3', tls: true, token: true, insecure: false })).not.toThrow();
    expect(() => checkListenerSecurity({ host: '0.0.0.0', tls: false, token: false, insecure: true })).not.toThrow();
  });
});
