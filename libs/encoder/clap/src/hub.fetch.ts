import type { EnvHttpProxyAgent, Response } from 'undici';

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as const;

let agent: { key: string; dispatcher: EnvHttpProxyAgent } | undefined;

/**
 * `fetch` through the proxy the environment names. Node's own fetch ignores HTTPS_PROXY/HTTP_PROXY; undici's
 * EnvHttpProxyAgent reads them (lower case first, as curl does) and NO_PROXY. One agent is kept for its
 * connections, and made again when the variables change. undici is loaded on the first download only: every
 * command imports this library, and loading undici cost each of them ~60 ms at start-up.
 */
export async function hubFetch(url: string, headers: Record<string, string>): Promise<Response> {
  const { EnvHttpProxyAgent, fetch } = await import('undici');
  const key = JSON.stringify(PROXY_VARIABLES.map((name) => process.env[name]));
  if (agent?.key !== key) {
    void agent?.dispatcher.close().catch(() => undefined);
    agent = { key, dispatcher: new EnvHttpProxyAgent() };
  }
  return fetch(url, { headers, dispatcher: agent.dispatcher });
}

/**
 * The proxy a request to `url` goes through, credentials hidden, for messages; undefined for none. Follows
 * EnvHttpProxyAgent's choice (a lower-case variable wins, even empty), except for NO_PROXY, which it applies on top.
 */
export function proxyFor(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const http = env['http_proxy'] ?? env['HTTP_PROXY'];
  const https = (env['https_proxy'] ?? env['HTTPS_PROXY']) || http;
  const proxy = new URL(url).protocol === 'https:' ? https : http;
  if (!proxy) return undefined;
  try {
    const parsed = new URL(proxy);
    if (parsed.username || parsed.password) [parsed.username, parsed.password] = ['***', ''];
    return parsed.href.replace(/\/$/, '');
  } catch {
    return proxy;
  }
}

/** The message of a failed fetch with its causes ("fetch failed: connect ECONNREFUSED 127.0.0.1:9"). */
export function fetchFailure(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause)
    if (!parts.includes(e.message)) parts.push(e.message);
  return parts.join(': ') || String(error);
}
