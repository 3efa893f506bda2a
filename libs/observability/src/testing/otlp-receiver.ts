import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { OtlpPayloadError } from '../errors.js';

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port to listen on. Default 0: one the system picks. */
  readonly port?: number;
}

/** A span's kind, named as in the OpenTelemetry API. */
export type ReceivedSpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A span as an OTLP exporter sent it, with the `service.name` of its resource. */
export interface ReceivedSpan {
  readonly serviceName: string;
  readonly scopeName: string;
  readonly name: string;
  readonly kind: ReceivedSpanKind;
  /** Lower-case hex, 32 digits. */
  readonly traceId: string;
  /** Lower-case hex, 16 digits. */
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

/** A running receiver; `close()` is idempotent. */
export interface OtlpReceiver {
  /** The base URL to give exporters, e.g. as `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  spans(): readonly ReceivedSpan[];
  /** Resolves with the spans so far once `done` holds for them; rejects after `timeoutMs` (default 30 000) saying what it saw. */
  waitFor(what: string, done: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<readonly ReceivedSpan[]>;
  close(): Promise<void>;
}

/** OTLP's span kinds by number (`SPAN_KIND_INTERNAL` = 1 …). */
const kinds: Readonly<Record<number, ReceivedSpanKind>> = { 1: 'internal', 2: 'server', 3: 'client', 4: 'producer', 5: 'consumer' };

/**
 * A real OTLP/HTTP trace receiver for tests that run services as processes:
 * `POST /v1/traces` with an `ExportTraceServiceRequest` in the OTLP JSON
 * encoding (what `@opentelemetry/exporter-trace-otlp-http` sends; gzip
 * accepted), answered as a collector does. Protobuf bodies get 415, and a body
 * that is not an OTLP request gets 400, so a broken exporter fails the test
 * instead of passing silently.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      if (!request.headers['content-type']?.startsWith('application/json')) {
        response.writeHead(415, { 'content-type': 'text/plain' }).end('only the OTLP JSON encoding is accepted');
        return;
      }
      try {
        received.push(...decodeTraceRequest(JSON.parse((await readBody(request)).toString('utf8'))));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
      }
    })();
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    endpoint: `http://${address}:${port}`,
    spans: () => [...received],
    async waitFor(what, done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline) {
          const seen = received.map((span) => `${span.serviceName}: ${span.name} (${span.traceId})`).join('\n  ');
          throw new Error(`no ${what} within ${timeoutMs} ms; received ${received.length} spans:\n  ${seen}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return [...received];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

type Json = Record<string, unknown>;

function objects(value: unknown, where: string): Json[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null)) {
    throw new OtlpPayloadError(`${where} is not a list of objects`);
  }
  return value as Json[];
}

function hexId(value: unknown, digits: number, where: string): string {
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(value)) {
    throw new OtlpPayloadError(`${where} is not ${digits} hex digits: ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

/** An OTLP `AnyValue` as a plain value; arrays and maps as their JSON text. */
function anyValue(value: Json): string | number | boolean {
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  if (typeof value['boolValue'] === 'boolean') return value['boolValue'];
  if (value['intValue'] !== undefined) return Number(value['intValue']);
  if (typeof value['doubleValue'] === 'number') return value['doubleValue'];
  return JSON.stringify(value['arrayValue'] ?? value['kvlistValue'] ?? null);
}

function attributesOf(list: unknown, where: string): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const entry of objects(list, where)) {
    if (typeof entry['key'] !== 'string') throw new OtlpPayloadError(`${where} has an attribute without a key`);
    attributes[entry['key']] = anyValue((entry['value'] ?? {}) as Json);
  }
  return attributes;
}

/** The spans of one OTLP/JSON `ExportTraceServiceRequest`. */
function decodeTraceRequest(body: unknown): ReceivedSpan[] {
  if (typeof body !== 'object' || body === null) throw new OtlpPayloadError('the body is not a JSON object');
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of objects((body as Json)['resourceSpans'], 'resourceSpans')) {
    const resource = attributesOf(((resourceSpans['resource'] ?? {}) as Json)['attributes'], 'resource.attributes');
    const serviceName = String(resource['service.name'] ?? '');
    for (const scopeSpans of objects(resourceSpans['scopeSpans'], 'scopeSpans')) {
      const scopeName = String(((scopeSpans['scope'] ?? {}) as Json)['name'] ?? '');
      for (const span of objects(scopeSpans['spans'], 'spans')) {
        const parent = span['parentSpanId'];
        spans.push({
          serviceName,
          scopeName,
          name: String(span['name'] ?? ''),
          kind: kinds[Number(span['kind'])] ?? 'internal',
          traceId: hexId(span['traceId'], 32, 'span.traceId'),
          spanId: hexId(span['spanId'], 16, 'span.spanId'),
          parentSpanId: parent === undefined || parent === '' ? undefined : hexId(parent, 16, 'span.parentSpanId'),
          links: objects(span['links'], 'span.links').map((link) => ({
            traceId: hexId(link['traceId'], 32, 'link.traceId'),
            spanId: hexId(link['spanId'], 16, 'link.spanId'),
          })),
          attributes: attributesOf(span['attributes'], 'span.attributes'),
          statusCode: Number(((span['status'] ?? {}) as Json)['code'] ?? 0),
        });
      }
    }
  }
  return spans;
}
