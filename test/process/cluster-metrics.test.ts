// /metrics with several workers: a scrape reaches one worker, and must still count every worker's requests.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import { testDatabaseUrl } from '../support/settings.js';
import { startServer, workDir } from '../support/server-process.js';

/** A request on a connection of its own, so that the primary hands each to some worker. */
function fresh(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).once('error', reject);
  });
}

const healthCount = (metrics: string) =>
  [...metrics.matchAll(/^http_requests_total\{operation="getHealth",method="GET",status="200"\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);

describe('metrics with several workers', () => {
  it('when /metrics is scraped again and again, then every scrape counts all workers’ requests, and names no version', async () => {
    const dir = await workDir();
    const server = await startServer(dir, { NODE_ENV: 'production', WEB_CONCURRENCY: '2', DATABASE_URL: testDatabaseUrl()!, BETTER_AUTH_SECRET: 'x'.repeat(40), METRICS_TOKEN: 'm'.repeat(40) });
    try {
      await server.waitFor(/Tasks API listening/, 2);
      for (let i = 0; i < 40; i++) assert.equal((await fresh(server.port, '/api/health')).status, 200);
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        const scrape = await fresh(server.port, '/metrics', { authorization: `Bearer ${'m'.repeat(40)}` });
        assert.equal(scrape.status, 200);
        assert.doesNotMatch(scrape.text, /version/i);
        counts.push(healthCount(scrape.text));
      }
      assert.deepEqual(counts, [40, 40, 40, 40, 40, 40], 'each scrape sums both workers');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
