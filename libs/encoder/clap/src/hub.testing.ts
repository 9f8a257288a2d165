import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A local server, its base URL, the requests it saw, and `close`. */
export interface TestServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for huggingface.co for tests (point HF_ENDPOINT or transformers.js' remoteHost at `url`): serves
 * `/{owner}/{name}/resolve/main/{file}` from `models[owner/name]/{file}`, 404 for anything else.
 */
export async function startModelHub(models: Record<string, string>): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const dir = match ? models[match[1]] : undefined;
    if (match === null || dir === undefined) return void res.writeHead(404, 'Not Found').end();
    readFile(join(dir, decodeURIComponent(match[2]))).then(
      (bytes) => res.writeHead(200, { 'Content-Length': bytes.length }).end(bytes),
      () => res.writeHead(404, 'Not Found').end(),
    );
  });
  return listen(server, requests, 'http://127.0.0.1:{port}/');
}

/**
 * An HTTP proxy for tests that records each CONNECT target ("host:port") in `requests`; it tunnels to the target
 * when `tunnel` is set, and answers 403 otherwise (so nothing leaves the machine).
 */
export async function startConnectProxy(options: { tunnel: boolean }): Promise<TestServer> {
  const requests: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client) => {
    requests.push(req.url ?? '');
    if (!options.tunnel) return void client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return listen(server, requests, 'http://127.0.0.1:{port}');
}

async function listen(server: Server, requests: string[], template: string): Promise<TestServer> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: template.replace('{port}', String(port)),
    requests,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
