import * as http from 'http';
import { AddressInfo } from 'net';
import type { Registry } from 'prom-client';

/** `/healthz` (process alive), `/readyz` (consumer joined its group) and `/metrics` (Prometheus). */
export function startHttpServer(port: number, host: string, state: { isHealthy(): boolean; isReady(): boolean; registry: Registry }): Promise<http.Server & { port: number }> {
  const server = http.createServer((request, response) => {
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (request.url === '/healthz') {
      reply(state.isHealthy() ? 200 : 503, state.isHealthy() ? 'ok\n' : 'unhealthy\n');
    } else if (request.url === '/readyz') {
      reply(state.isReady() ? 200 : 503, state.isReady() ? 'ready\n' : 'not ready\n');
    } else if (request.url === '/metrics') {
      state.registry.metrics().then((text) => reply(200, text, state.registry.contentType), (error) => reply(500, String(error)));
    } else {
      reply(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(Object.assign(server, { port: (server.address() as AddressInfo).port })));
  });
}
