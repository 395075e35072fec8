/** A self-signed certificate for 127.0.0.1 (openssl), in a temp directory, for TLS tests. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../../helpers.js';

export function selfSignedCert(): { certFile: string; keyFile: string } {
  const dir = tempDir('sluice-tls-');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { certFile, keyFile };
}
