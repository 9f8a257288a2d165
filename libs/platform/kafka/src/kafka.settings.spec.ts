import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaSecurityFromEnv, kafkaSecurityProblems } from './kafka.settings';

describe('kafkaSecurityFromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  const path = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('nothing set: no SASL, no TLS', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({});
  });

  it('SASL with each mechanism; the password inline or from a file (its last newline dropped)', () => {
    const user = { KAFKA_SASL_USERNAME: 'u' };
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'PLAIN', ...user, KAFKA_SASL_PASSWORD: ' p w ' })).toEqual({
      sasl: { mechanism: 'plain', username: 'u', password: ' p w ' },
    });
    const file = path('password', 'from file\n');
    expect(
      kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', ...user, KAFKA_SASL_PASSWORD_FILE: file }),
    ).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'from file' } });
  });

  it('TLS: KAFKA_SSL=true with the system CAs, or with the files given', () => {
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
    const [ca, cert, key] = [path('ca.pem', 'CA'), path('cert.pem', 'CERT'), path('key.pem', 'KEY')];
    expect(kafkaSecurityFromEnv({ KAFKA_SSL_CA_FILE: ca })).toEqual({ ssl: { ca: [Buffer.from('CA')] } });
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert, KAFKA_SSL_KEY_FILE: key })).toEqual({
      ssl: { cert: Buffer.from('CERT'), key: Buffer.from('KEY') },
    });
  });

  it('names every problem in one error', () => {
    expect(() =>
      kafkaSecurityFromEnv({
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SSL: 'false',
        KAFKA_SSL_CERT_FILE: path('c.pem', 'C'),
      }),
    ).toThrow(
      'bad Kafka configuration: KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not; ' +
        'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both, or neither; ' +
        'KAFKA_SSL_CERT_FILE set, but KAFKA_SSL=false',
    );
    expect(() =>
      kafkaSecurityFromEnv({
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: '/x',
      }),
    ).toThrow(/^bad Kafka configuration: KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; set one$/);
  });
});

describe('kafkaSecurityProblems', () => {
  it('lists what kafkaSecurityFromEnv would throw, one line each; none for usable settings', () => {
    expect(kafkaSecurityProblems({})).toEqual([]);
    expect(
      kafkaSecurityProblems({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
    ).toEqual([]);
    expect(kafkaSecurityProblems({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SSL: 'yes' })).toEqual([
      'KAFKA_SASL_MECHANISM="gssapi" is not one of plain, scram-sha-256, scram-sha-512',
      'KAFKA_SSL="yes" is not one of true, false',
    ]);
  });
});
