// The daemon's Prometheus metrics (prom-client) and its loopback HTTP server for /metrics, /healthz and /readyz.
// Every stage counts the same way: fm_daemon_<what>_total per topic, so dashboards read one naming scheme.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createDaemonMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fm_daemon_process_' });
  const m = {
    registry,
    received: new Counter({ name: 'fm_daemon_messages_received_total', help: 'Kafka messages fetched', labelNames: ['topic'], registers: [registry] }),
    processed: new Counter({
      name: 'fm_daemon_messages_processed_total',
      help: 'Kafka messages whose effect is durable in a partition store (stored, replayed or dead-lettered)',
      labelNames: ['topic'],
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'fm_daemon_records_rejected_total',
      help: 'Messages refused, by stage: validation (parse/schema) or merge (id conflicts) or processing (store errors)',
      labelNames: ['topic', 'stage'],
      registers: [registry],
    }),
    deadLettered: new Counter({ name: 'fm_daemon_dead_lettered_total', help: 'Messages published to the dead-letter topic', labelNames: ['topic'], registers: [registry] }),
    turnsStored: new Counter({ name: 'fm_daemon_turns_stored_total', help: 'New turns stored', labelNames: ['topic'], registers: [registry] }),
    eventsStored: new Counter({ name: 'fm_daemon_feedback_events_stored_total', help: 'New feedback events stored', labelNames: ['topic'], registers: [registry] }),
    replayed: new Counter({ name: 'fm_daemon_records_replayed_total', help: 'Records already stored (redelivery after a crash or rebalance)', labelNames: ['topic'], registers: [registry] }),
    judged: new Counter({ name: 'fm_daemon_assistant_turns_judged_total', help: 'Assistant turns (re)judged incrementally', registers: [registry] }),
    lag: new Gauge({ name: 'fm_daemon_consumer_lag', help: 'High watermark minus next offset, per owned topic-partition', labelNames: ['topic', 'partition'], registers: [registry] }),
    batchSeconds: new Histogram({
      name: 'fm_daemon_batch_seconds',
      help: 'Time to make one fetched batch durable (validate, dead-letter, store transaction)',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    produceToCommit: new Histogram({
      name: 'fm_daemon_produce_to_commit_seconds',
      help: 'From the Kafka message timestamp (producer time) to the commit of its effect (stored and judged)',
      labelNames: ['topic'],
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60],
      registers: [registry],
    }),
    segments: new Counter({ name: 'fm_daemon_lake_segments_total', help: 'Sealed segments exported to the lake', registers: [registry] }),
    pruned: new Counter({ name: 'fm_daemon_conversations_pruned_total', help: 'Sealed idle conversations removed from partition stores (open-state bound)', registers: [registry] }),
    storeMemory: new Gauge({
      name: 'fm_daemon_store_memory_bytes',
      help: "Memory DuckDB accounts to each owned partition store (duckdb_memory(), sampled at each lake export)",
      labelNames: ['partition'],
      registers: [registry],
    }),
    owned: new Gauge({ name: 'fm_daemon_partitions_owned', help: 'Partition numbers (stores) this member owns', registers: [registry] }),
  };
  return m;
}

export type DaemonMetrics = ReturnType<typeof createDaemonMetrics>;

export interface Probes {
  healthy(): boolean;
  ready(): boolean;
}

/** Starts the HTTP server; resolves once listening, with the bound address (port 0 picks a free one). */
export async function startMetricsServer(metrics: DaemonMetrics, probes: Probes, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        })
        .catch((e) => {
          res.writeHead(500);
          res.end(String(e));
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? probes.healthy() : probes.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not ok\n');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { server, url: `http://${shownHost}:${addr.port}` };
}
