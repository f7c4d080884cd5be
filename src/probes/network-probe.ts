import diagnosticsChannel from 'node:diagnostics_channel';
import { nowNs } from '../core/clock.js';
import { currentSpan, isSuppressed } from '../core/context.js';
import { guarded } from '../core/guarded.js';
import type { SpanProbe } from '../core/probe.js';
import type { Span } from '../core/span.js';

/** The socket counters we read (net.Socket and tls.TLSSocket have both). */
interface CountingSocket {
  bytesWritten?: number;
  bytesRead?: number;
  once?(event: 'close', listener: () => void): unknown;
  on?(event: 'free', listener: () => void): unknown;
}

interface SocketRecord {
  /** The span the socket's bytes are credited to (the one that opened it, or the request now using it). */
  owner: Span | null;
  /** Counter values already credited. */
  sentBytes: number;
  receivedBytes: number;
}

type Handler = (message: unknown, name: string | symbol) => void;

/**
 * Bytes sent and received on client sockets, credited to the span that opened
 * the socket or the request:
 *
 * - `net.client.socket` (every `net.connect`, so http, undici and raw sockets):
 *   the socket belongs to the span current when it was created;
 * - `http.client.request.start` and `undici:request:create` capture the span
 *   that made a request; when the request gets its socket, a kept-alive
 *   socket changes hands. An http socket going back to its agent's pool
 *   (`free`) is credited to its owner and left ownerless, so the next
 *   request's bytes go to the next request's span: on Node 20
 *   `http.client.request.start` is published after the request's first bytes
 *   were written (from `ClientRequest._finish`), in the request's context.
 *   undici publishes `undici:client:sendHeaders` before writing.
 *
 * Counters are read (`bytesWritten` / `bytesRead`) when the owning span ends,
 * when the socket changes hands, and when it closes, so two concurrent
 * requests in two spans are credited separately. Metrics (self values: bytes
 * of sockets this span opened or requests it made, not its children's):
 * `netSentBytes`, `netReceivedBytes`, `netConnections`. The text tree sums
 * them over the subtree (inclusive) for display.
 *
 * Only client sockets are counted (a server's accepted sockets belong to no
 * span of the client side). TLS: counts are of encrypted bytes on the wire.
 * Costs nothing per span unless the span made a request; the channel handlers'
 * own time is added to `backgroundOverheadNs`.
 */
export class NetworkProbe implements SpanProbe {
  readonly name = 'network';
  readonly selfContained = true;
  /** Where bytes go when no span is current (the run's root, set by the preset). */
  fallbackSpan: Span | null = null;
  /** Time spent in channel handlers and close listeners (outside any wrapper). */
  backgroundOverheadNs = 0;
  readonly #sockets = new WeakMap<object, SocketRecord>();
  readonly #owned = new WeakMap<Span, Set<CountingSocket>>();
  readonly #undiciRequests = new WeakMap<object, Span>();
  readonly #subscriptions: [string, Handler][] = [
    ['net.client.socket', (message) => this.#timed(() => this.#onClientSocket(message))],
    ['http.client.request.start', (message) => this.#timed(() => this.#onHttpRequest(message))],
    ['undici:request:create', (message) => this.#timed(() => this.#onUndiciRequest(message))],
    ['undici:client:sendHeaders', (message) => this.#timed(() => this.#onUndiciSendHeaders(message))],
  ];
  #active = false;

  activate(): void {
    if (this.#active) return;
    this.#active = true;
    for (const [name, handler] of this.#subscriptions) diagnosticsChannel.channel(name).subscribe(handler);
  }

  deactivate(): void {
    if (!this.#active) return;
    this.#active = false;
    for (const [name, handler] of this.#subscriptions) diagnosticsChannel.channel(name).unsubscribe(handler);
  }

  start(): null {
    return null;
  }

  end(span: Span): void {
    const sockets = this.#owned.get(span);
    if (sockets === undefined) return;
    this.#owned.delete(span);
    for (const socket of sockets) this.#flush(socket);
  }

  #timed(fn: () => void): void {
    const startNs = nowNs();
    guarded('SS_PROBE_FAILED', 'network probe: a channel handler failed', fn);
    this.backgroundOverheadNs += nowNs() - startNs;
  }

  #spanHere(): Span | null {
    // stagescope's own traffic (exporters run with tracing suppressed) is nobody's stage
    if (isSuppressed()) return null;
    return currentSpan() ?? this.fallbackSpan;
  }

  #onClientSocket(message: unknown): void {
    const socket = (message as { socket?: CountingSocket } | null)?.socket;
    if (socket === undefined || this.#sockets.has(socket)) return;
    const owner = this.#spanHere();
    this.#track(socket, owner);
    owner?.addMetric('netConnections', 1);
  }

  #onHttpRequest(message: unknown): void {
    const request = (
      message as { request?: { socket?: CountingSocket | null; once?(event: 'socket', listener: (socket: CountingSocket) => void): unknown } } | null
    )?.request;
    const span = this.#spanHere();
    if (request === undefined || span === null) return;
    if (request.socket !== undefined && request.socket !== null) this.#assign(request.socket, span);
    // where the channel fires before a socket is assigned (other Node versions): wait for it
    else request.once?.('socket', (socket) => this.#timed(() => this.#assign(socket, span)));
  }

  #onUndiciRequest(message: unknown): void {
    const request = (message as { request?: object } | null)?.request;
    const span = this.#spanHere();
    if (request !== undefined && span !== null) this.#undiciRequests.set(request, span);
  }

  #onUndiciSendHeaders(message: unknown): void {
    const { request, socket } = (message as { request?: object; socket?: CountingSocket } | null) ?? {};
    if (request === undefined || socket === undefined) return;
    const span = this.#undiciRequests.get(request);
    if (span !== undefined) this.#assign(socket, span);
  }

  #track(socket: CountingSocket, owner: Span | null): SocketRecord {
    const record: SocketRecord = { owner, sentBytes: socket.bytesWritten ?? 0, receivedBytes: socket.bytesRead ?? 0 };
    this.#sockets.set(socket, record);
    if (owner !== null) this.#own(owner, socket);
    socket.once?.('close', () => this.#timed(() => this.#flush(socket)));
    // an http agent's socket going back to the pool: the request is done, the next one is not ours to guess
    socket.on?.('free', () =>
      this.#timed(() => {
        this.#flush(socket);
        record.owner = null;
      }),
    );
    return record;
  }

  #assign(socket: CountingSocket, span: Span): void {
    const record = this.#sockets.get(socket) ?? this.#track(socket, null);
    if (record.owner === span) return;
    // an idle (freed) socket has no owner: bytes since then belong to the request taking it now
    if (record.owner !== null) this.#flush(socket);
    record.owner = span;
    this.#own(span, socket);
  }

  #own(span: Span, socket: CountingSocket): void {
    let sockets = this.#owned.get(span);
    if (sockets === undefined) this.#owned.set(span, (sockets = new Set()));
    sockets.add(socket);
  }

  /** Credit the socket's counters since the last flush to its current owner. */
  #flush(socket: CountingSocket): void {
    const record = this.#sockets.get(socket);
    // ownerless: keep the bytes for whoever takes the socket next
    if (record === undefined || record.owner === null) return;
    const sentBytes = socket.bytesWritten ?? record.sentBytes;
    const receivedBytes = socket.bytesRead ?? record.receivedBytes;
    if (sentBytes > record.sentBytes) record.owner.addMetric('netSentBytes', sentBytes - record.sentBytes);
    if (receivedBytes > record.receivedBytes) record.owner.addMetric('netReceivedBytes', receivedBytes - record.receivedBytes);
    record.sentBytes = sentBytes;
    record.receivedBytes = receivedBytes;
  }
}
