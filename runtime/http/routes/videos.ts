// POST /v1/videos {uri, videoId?} → 202 {videoId}: hands a video to the pipeline's source topic.
// The body is checked here (400 with a reason); fetching and decoding happen later in ingest,
// whose failures become dead letters. Submitting waits while the source topic is full, so a
// client feels the pipeline's backpressure instead of the process buffering without limit.
import type { FastifyPluginAsync } from 'fastify';

export interface VideoSubmitter {
  /** Lower-case schemes without the colon. */
  allowedUriSchemes: string[];
  /** Callers may choose the videoId; by default the server assigns it (an id is not a name to claim). */
  clientVideoIds?: boolean;
  newVideoId(): string;
  submit(video: { videoId: string; uri: string }): Promise<void>;
}

const videoIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const maxUriLength = 4096;

type Checked = { ok: true; videoId?: string; uri: string } | { ok: false; reason: string; message: string };

export function checkVideoRequest(body: unknown, allowedSchemes: string[], clientVideoIds = false): Checked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, reason: 'InvalidRequest', message: 'body must be a JSON object {uri, videoId?}' };
  }
  const { uri, videoId, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    return { ok: false, reason: 'InvalidRequest', message: `unknown field(s): ${unknown.join(', ')}` };
  if (typeof uri !== 'string' || uri === '')
    return { ok: false, reason: 'InvalidRequest', message: 'uri must be a non-empty string' };
  if (uri.length > maxUriLength)
    return { ok: false, reason: 'InvalidRequest', message: `uri longer than ${maxUriLength}` };
  let scheme: string;
  try {
    scheme = new URL(uri).protocol.slice(0, -1).toLowerCase();
  } catch {
    return { ok: false, reason: 'InvalidRequest', message: `uri is not a URL: ${JSON.stringify(uri)}` };
  }
  if (!allowedSchemes.includes(scheme)) {
    return {
      ok: false,
      reason: 'SchemeNotAllowed',
      message: `scheme '${scheme}' not allowed (allowed: ${allowedSchemes.join(', ')})`,
    };
  }
  if (videoId !== undefined && !clientVideoIds) {
    return {
      ok: false,
      reason: 'InvalidRequest',
      message: 'videoId is assigned by the server (source.http.clientVideoIds lets callers choose it)',
    };
  }
  if (videoId !== undefined && (typeof videoId !== 'string' || !videoIdPattern.test(videoId))) {
    return {
      ok: false,
      reason: 'InvalidRequest',
      message: 'videoId must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}',
    };
  }
  return { ok: true, uri, ...(videoId !== undefined ? { videoId } : {}) };
}

export function videoRoutes(videos: VideoSubmitter): FastifyPluginAsync {
  return async (app) => {
    app.post('/v1/videos', async (request, reply) => {
      const checked = checkVideoRequest(request.body, videos.allowedUriSchemes, videos.clientVideoIds);
      if (!checked.ok) return reply.code(400).send({ reason: checked.reason, message: checked.message });
      const videoId = checked.videoId ?? videos.newVideoId();
      await videos.submit({ videoId, uri: checked.uri });
      return reply.code(202).send({ videoId });
    });
  };
}
