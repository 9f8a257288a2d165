import { execFileSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';

/* Test helpers, exported as `@audio-concepts/platform-runtime/testing`. */

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with `openssl` in `dir` (cert.pem, key.pem: a P-256
 * key, valid one day). A client trusts it by taking cert.pem as its CA.
 */
export function selfSignedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile };
}

/** GETs `url` (https: trusting `ca`): the response's status, or the error's message when there is none. */
export function getStatus(url: string, ca?: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    const done = (response: { statusCode?: number; resume(): void }) => {
      response.resume();
      resolve(response.statusCode ?? 'no status');
    };
    const request = url.startsWith('https:') ? httpsGet(url, { ca }, done) : httpGet(url, done);
    request.setTimeout(5_000, () => request.destroy(new Error('timed out')));
    request.once('error', (error) => resolve(error.message));
  });
}
