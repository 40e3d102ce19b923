import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeWorkspaceCopy, removeDir } from './support/package-consumer';
import { run, tscPath } from './support/processes';

/**
 * The spec change workflow, in a scratch copy of the repository: add a field to openapi.yaml,
 * regenerate, and the field reaches the generated model and, through it, the facade's types.
 */

jest.setTimeout(120_000);

const speechRequestSchema = `    AudioSpeechRequest:
      type: object
      required:
      - model
      - input
      - voice
      properties:
`;
const newField = `        speaking_rate:
          type: number
          description: Speed of the speech, 1 being normal.
`;

/** Facade code that uses the new field, so it type-checks only once the model has it. */
const probe = `import { TogetherAudio, type AudioSpeechRequest } from './index';

const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'tara', speaking_rate: 1.25 };
export const speech: Promise<Buffer> = new TogetherAudio({ apiKey: 'key' }).speech.create(request);
`;

let copy: string;

beforeAll(async () => {
  copy = await makeWorkspaceCopy('together-audio-regeneration-');
  writeFileSync(path.join(copy, 'src', 'regeneration-probe.ts'), probe);
});

afterAll(() => removeDir(copy));

const typeCheck = (): Promise<unknown> => run(process.execPath, [tscPath, '--noEmit', '-p', copy], { cwd: copy });
const speechRequestModel = (): string => readFileSync(path.join(copy, 'generated', 'models', 'audio-speech-request.ts'), 'utf8');

test('before regeneration, code using the new field does not type-check', async () => {
  expect(speechRequestModel()).not.toContain('speaking_rate');
  await expect(typeCheck()).rejects.toThrow(/speaking_rate/);
});

test('a field added to openapi.yaml appears in the regenerated model and the facade type-checks with it', async () => {
  const specPath = path.join(copy, 'openapi.yaml');
  const spec = readFileSync(specPath, 'utf8');
  expect(spec).toContain(speechRequestSchema);
  writeFileSync(specPath, spec.replace(speechRequestSchema, speechRequestSchema + newField));

  await run(process.execPath, ['scripts/generate.mjs'], { cwd: copy, env: { ...process.env, PWD: copy } });

  expect(speechRequestModel()).toMatch(/\* Speed of the speech, 1 being normal\.\s*\*\/\s*'speaking_rate'\?: number;/);
  await expect(typeCheck()).resolves.toBeDefined();
});
