// Bearer-token authentication for the ingest API: the token is compared in constant time, and a
// refusal says only that the token is missing or wrong.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function bearerAuth(token: string): onRequestHookHandler {
  if (token.length === 0) throw new Error('the ingest API token is empty');
  const expected = digest(token);
  return async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    // Hashing both sides gives equal lengths, so timingSafeEqual can compare them.
    if (m && timingSafeEqual(digest(m[1]!), expected)) return;
    reply.header('www-authenticate', 'Bearer');
    return reply.code(401).send({ reason: 'Unauthorized', message: 'a valid bearer token is required' });
  };
}
