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

/**
 * Request id and rate-limit state of a response, e.g. the AxiosResponse a generated method returns:
 * `responseMeta(await together.audio.audioSpeech(...))`.
 */
export function responseMeta(response: { headers?: object | null }): ResponseMeta {
  const headers = plainHeaders(response.headers);
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

/** Response headers as a plain object: names lower-cased, values strings (repeated ones joined). */
export function plainHeaders(headers: object | null | undefined, redact: (text: string) => string = (text) => text): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null && typeof value !== 'function') {
      result[name.toLowerCase()] = redact(Array.isArray(value) ? value.join(', ') : String(value));
    }
  }
  return result;
}
