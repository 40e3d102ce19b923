/**
 * Numbers from Together's `x-ratelimit-*` or `x-tokenlimit-*` headers, keyed by the rest of the
 * header name in camelCase: `x-ratelimit-remaining-tokens` becomes `remainingTokens`.
 * `reset` is the suggested wait in seconds.
 */
export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  reset?: number;
  [name: string]: number | undefined;
}

export interface ResponseMeta {
  /** `x-request-id`, else `cf-ray`. */
  requestId: string | undefined;
  rateLimit: RateLimitInfo;
  tokenLimit: RateLimitInfo;
}

type HeaderBag = Record<string, unknown> | { toJSON(): Record<string, unknown> } | undefined | null;

/**
 * Request id and rate-limit state of a response, e.g. the AxiosResponse a generated method returns:
 * `responseMeta(await together.audio.audioSpeech(...))`.
 */
export function responseMeta(response: { headers?: HeaderBag }): ResponseMeta {
  const headers = lowerCased(response.headers);
  return {
    requestId: requestIdOf(headers),
    rateLimit: limitsOf(headers, 'x-ratelimit-'),
    tokenLimit: limitsOf(headers, 'x-tokenlimit-'),
  };
}

export function requestIdOf(headers: Record<string, string>): string | undefined {
  return headers['x-request-id'] || headers['cf-ray'] || undefined;
}

/** The headers starting with `prefix` whose values are numbers. */
export function limitsOf(headers: Record<string, string>, prefix: string): RateLimitInfo {
  const limits: RateLimitInfo = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(prefix)) continue;
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) continue;
    limits[name.slice(prefix.length).replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())] = number;
  }
  return limits;
}

function lowerCased(headers: HeaderBag): Record<string, string> {
  const source = headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function'
    ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
    : (headers as Record<string, unknown> | undefined) ?? {};
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== null) result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}
