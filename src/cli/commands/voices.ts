import { requirePositionals, stringOption, type Command } from '../command';
import { BadInputError } from '../exit-codes';

export const voicesCommand: Command = {
  name: 'voices',
  summary: 'The voices of each speech model, as a table.',
  usage: 'together-audio voices [--model MODEL] [--json]',
  optionHelp: "  --model MODEL         only this model's voices",
  options: { model: { type: 'string' } },
  async run(context) {
    const { values, io, progress } = context;
    requirePositionals(context, voicesCommand, 0, 0);
    let requestId: string | undefined;
    const { data } = await (await context.api()).listVoices({ signal: context.signal, onResponse: (meta) => (requestId = meta.requestId) });
    if (requestId) progress.note(`Request id: ${requestId}`);
    const model = stringOption(values, 'model');
    const models = model === undefined ? data : data.filter((entry) => entry.model.toLowerCase() === model.toLowerCase());
    if (models.length === 0) {
      throw new BadInputError(`No voices for model ${JSON.stringify(model)}. Models with voices: ${data.map((entry) => entry.model).join(', ')}.`);
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ data: models }, null, 2)}\n`);
      return;
    }
    const rows = models.flatMap((entry) => entry.voices.map((voice) => [entry.model, voice.name, voice.id]));
    const header = ['MODEL', 'VOICE', 'ID'];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
    const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ');
    io.stdout.write([header, ...rows].map(line).join('\n') + '\n');
  },
};
