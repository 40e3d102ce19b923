// The runtime-neutral entry (browsers, Cloudflare Workers and other fetch runtimes): web standards
// only, no Node built-ins. Node, Bun and Deno get src/index.ts, which adds Node's conveniences.
export * from './generated-public';
export { TogetherAudio, DEFAULT_TIMEOUT, type ClientOptions } from './client';
export * from './public';
export * from './realtime';
