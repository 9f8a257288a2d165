import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/** How a service reaches Kafka. From the environment: KAFKA_BROKERS (comma-separated), KAFKA_CLIENT_ID. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** SASL and TLS; default: from this process's environment (`kafkaSecurityFromEnv`); `{}` for none */
  security?: KafkaSecurity;
}

/** How the client authenticates and encrypts: kafkajs's `sasl` and `ssl` settings. */
export interface KafkaSecurity {
  sasl?: SASLOptions;
  /** true: TLS with the system's CAs; an object: TLS with these CAs and client certificate */
  ssl?: true | { ca?: Buffer[]; cert?: Buffer; key?: Buffer };
}

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** Kafka settings in the environment that cannot be used; `problems` names each. */
export class KafkaConfigError extends InvalidInputError {
  constructor(readonly problems: string[]) {
    super(`bad Kafka configuration: ${problems.join('; ')}`);
    this.name = 'KafkaConfigError';
  }
}

/**
 * Kafka's security settings from the environment (README "Kafka security"):
 * - KAFKA_SASL_MECHANISM plain | scram-sha-256 | scram-sha-512 (unset: no SASL), KAFKA_SASL_USERNAME, and
 *   KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE (a file holding it, e.g. a mounted secret);
 * - KAFKA_SSL true | false (default: true when a KAFKA_SSL_*_FILE is set), KAFKA_SSL_CA_FILE (PEM CAs to trust
 *   instead of the system's), KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE (a client certificate, both or neither).
 * Throws one `KafkaConfigError` naming every bad variable.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv): KafkaSecurity {
  const { security, problems } = readKafkaSecurity(env);
  if (problems.length > 0) throw new KafkaConfigError(problems);
  return security;
}

/**
 * What is wrong with the Kafka security settings of `env` (as `kafkaSecurityFromEnv` reads them), one line each;
 * empty when they can be used. For a service's config, to list them at start with its other bad variables.
 */
export function kafkaSecurityProblems(env: NodeJS.ProcessEnv): string[] {
  return readKafkaSecurity(env).problems;
}

function readKafkaSecurity(env: NodeJS.ProcessEnv): { security: KafkaSecurity; problems: string[] } {
  const read = new SecurityEnv(env);
  const sasl = saslFromEnv(read);
  const ssl = sslFromEnv(read);
  return { security: { ...(sasl ? { sasl } : {}), ...(ssl ? { ssl } : {}) }, problems: read.problems };
}

function saslFromEnv(read: SecurityEnv): SASLOptions | undefined {
  const mechanism = read.get('KAFKA_SASL_MECHANISM')?.toLowerCase();
  const [username, password, passwordFile] = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'];
  if (mechanism === undefined) {
    for (const name of [username, password, passwordFile])
      if (read.get(name) !== undefined) read.problems.push(`${name} is set but KAFKA_SASL_MECHANISM is not`);
    return undefined;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    read.problems.push(
      `KAFKA_SASL_MECHANISM=${JSON.stringify(read.get('KAFKA_SASL_MECHANISM'))} is not one of ${SASL_MECHANISMS.join(', ')}`,
    );
    return undefined;
  }
  const user = read.get(username);
  if (user === undefined) read.problems.push(`KAFKA_SASL_MECHANISM is ${mechanism} but ${username} is not set`);
  const inline = read.raw(password);
  const file = read.get(passwordFile);
  if (inline !== undefined && file !== undefined)
    read.problems.push(`${password} and ${passwordFile} are both set; set one`);
  if (inline === undefined && file === undefined)
    read.problems.push(`KAFKA_SASL_MECHANISM is ${mechanism} but neither ${password} nor ${passwordFile} is set`);
  // A password may hold spaces: only the file's final newline is not part of it.
  const secret =
    inline ??
    read
      .file(passwordFile)
      ?.toString('utf8')
      .replace(/\r?\n$/, '');
  if (user === undefined || secret === undefined) return undefined;
  return { mechanism, username: user, password: secret } as SASLOptions;
}

function sslFromEnv(read: SecurityEnv): KafkaSecurity['ssl'] {
  const enabled = read.get('KAFKA_SSL');
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false')
    read.problems.push(`KAFKA_SSL=${JSON.stringify(enabled)} is not one of true, false`);
  const names = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;
  const set = names.filter((name) => read.get(name) !== undefined);
  const [ca, cert, key] = names.map((name) => read.file(name));
  if (set.includes('KAFKA_SSL_CERT_FILE') !== set.includes('KAFKA_SSL_KEY_FILE'))
    read.problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both, or neither');
  if (enabled === 'false' && set.length > 0) read.problems.push(`${set.join(', ')} set, but KAFKA_SSL=false`);
  if (enabled !== 'true' && (enabled !== undefined || set.length === 0)) return undefined;
  if (set.length === 0) return true;
  return { ...(ca ? { ca: [ca] } : {}), ...(cert && key ? { cert, key } : {}) };
}

/** The environment's values (blank is unset) and files, collecting what is wrong with them. */
class SecurityEnv {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** As set, untrimmed (a password). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === '' ? undefined : value;
  }

  /** The contents of the file the variable names; undefined when unset or unreadable (a problem). */
  file(name: string): Buffer | undefined {
    const path = this.get(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
      this.problems.push(`${name}=${JSON.stringify(path)} cannot be read: ${why}`);
      return undefined;
    }
  }
}

/** The local broker of deploy/local/kafka.sh. 127.0.0.1, not localhost: kafkajs may resolve localhost to ::1. */
export const DEFAULT_BROKERS = ['127.0.0.1:9092'];

/**
 * The largest message the services produce or accept (bytes). A 10 s window of 48 kHz float32 PCM is ~1.9 MB
 * on the wire; the local broker's message.max.bytes is 8 MiB (deploy/local/kafka.sh).
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * How many times kafkajs retries one request (connect, send, fetch; 200 ms doubling) before it gives up, by who
 * is waiting for it.
 */
export const KAFKA_RETRIES = {
  /** a service's client: rides out a broker restart (about a minute of retries) */
  service: 8,
  /** someone waits for the answer: an upload's window publish (a 503 within seconds), `tail` (one line) */
  interactive: 5,
  /** the owner retries the connection itself, with backoff and the reason in /readyz (ingest's client) */
  reconnecting: 2,
} as const;

/** kafkajs's `retry` setting for `KAFKA_RETRIES[kind]`. */
export function kafkaRetry(kind: keyof typeof KAFKA_RETRIES): { initialRetryTime: number; retries: number } {
  return { initialRetryTime: 200, retries: KAFKA_RETRIES[kind] };
}

/**
 * A kafkajs client for `settings`: SASL and TLS from `settings.security`, else from the environment
 * (`kafkaSecurityFromEnv`, which throws on bad settings), so that every service and command gets them.
 */
export function createKafka(settings: KafkaSettings, config: Partial<KafkaConfig> = {}): Kafka {
  const { sasl, ssl } = settings.security ?? kafkaSecurityFromEnv(process.env);
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    retry: kafkaRetry('service'),
    ...(sasl ? { sasl } : {}),
    ...(ssl ? { ssl } : {}),
    ...config,
  });
}
