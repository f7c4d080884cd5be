import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

type CreateConnection = (...args: unknown[]) => Socket;

/**
 * An agent whose sockets never keep the process alive, in flight or idle.
 * Node unrefs keep-alive sockets only while they are idle; a request in
 * flight to a slow or dead backend would otherwise hold a finished script
 * open until its timeout. An exporter's `flush()`/`shutdown()` holds the loop
 * open itself while someone waits for the data to go out.
 */
export function unrefAgent(secure: boolean): http.Agent {
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 2 }) : new http.Agent({ keepAlive: true, maxSockets: 2 });
  const internals = agent as unknown as { createConnection: CreateConnection };
  const create = internals.createConnection;
  internals.createConnection = function unrefConnection(this: unknown, ...args: unknown[]): Socket {
    const socket = Reflect.apply(create, this, args) as Socket;
    socket.unref();
    return socket;
  };
  return agent;
}
