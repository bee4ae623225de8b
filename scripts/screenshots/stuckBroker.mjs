// For the README's vitest picture: a "broker" that accepts connections and never answers,
// as the listener core's origin story had it. Prints its URL, then waits to be killed.
import { createServer } from 'node:net';

const server = createServer((socket) => socket.on('error', () => undefined));
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/jobs/acquire`));
