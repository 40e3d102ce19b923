import { BASELINE, CLIENTS } from './clients/index.mjs';
import { machineLine } from './machine.mjs';

const SUBJECT = 'package';

function figureOf(results, row, clientKey) {
  const report = results[row.caseName]?.[clientKey];
  return report?.ok && !report.unsupported ? report.result[row.field] : undefined;
}

function cell(results, row, clientKey) {
  const report = results[row.caseName]?.[clientKey];
  if (!report || report.unsupported) return 'n/a';
  if (!report.ok) return 'failed';
  const value = report.result[row.field];
  if (value === undefined) return 'n/a';
  const raw = figureOf(results, row, BASELINE);
  if (clientKey === BASELINE || !row.ratio || !raw) return row.format(value);
  return `${row.format(value)} (${(value / raw).toFixed(2)}×)`;
}

function verdict(results, row) {
  if (!row.target) return '';
  const value = figureOf(results, row, SUBJECT);
  const raw = figureOf(results, row, BASELINE);
  if (value === undefined || (raw === undefined && row.ratio)) return 'n/a';
  return row.target.met(value, raw) ? 'met' : 'NOT MET';
}

/** The report as a header and rows of strings, the same for the terminal and for Markdown. */
export function buildTable(results, rows) {
  const clientKeys = Object.keys(CLIENTS);
  const header = ['Case', ...clientKeys.map((key) => CLIENTS[key].label), `Target (${CLIENTS[SUBJECT].label})`, 'Status'];
  const body = rows.map((row) => [row.name, ...clientKeys.map((key) => cell(results, row, key)), row.target?.text ?? '', verdict(results, row)]);
  return { header, body };
}

export function failures(results) {
  const lines = [];
  for (const [caseName, byClient] of Object.entries(results)) {
    for (const [clientKey, report] of Object.entries(byClient)) {
      if (!report.ok) lines.push(`${CLIENTS[clientKey].label} / ${caseName}: ${report.error.split('\n')[0]}`);
    }
  }
  return lines;
}

export function apisUsed(results) {
  const apis = {};
  for (const byClient of Object.values(results)) {
    for (const [clientKey, report] of Object.entries(byClient)) apis[clientKey] ??= report.api;
  }
  return Object.entries(apis).map(([key, api]) => `${CLIENTS[key].label}: ${api}`);
}

export function renderText({ header, body }, machine) {
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((line) => line[column].length)));
  const line = (cells) =>
    cells
      .map((text, column) => text.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [
    `Machine: ${machineLine(machine)}`,
    `Date: ${machine.date}`,
    '',
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...body.map(line),
  ].join('\n');
}

export function renderMarkdown({ header, body }) {
  const line = (cells) => `| ${cells.map((text) => text.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map(line)].join('\n');
}

/**
 * One line per target this package misses, putting the miss next to what the baseline and plain
 * axios (the transport the package is built on) measure, so a reader can tell whose cost it is.
 */
export function missedTargetNotes(results, rows) {
  const notes = [];
  for (const row of rows) {
    if (verdict(results, row) !== 'NOT MET') continue;
    const value = figureOf(results, row, SUBJECT);
    const raw = figureOf(results, row, BASELINE);
    const viaAxios = figureOf(results, row, 'axios');
    const { target } = row;
    const parts = [`${row.name}: ${row.format(value)} against a target of ${target.text}`];
    if (target.relative && raw !== undefined) {
      parts.push(`the package is at ${target.relative(value, raw)}`);
      if (viaAxios !== undefined) parts.push(`plain axios, the transport the package is built on, is at ${target.relative(viaAxios, raw)}`);
    } else if (raw !== undefined && !target.met(raw, raw)) {
      parts.push(`raw node:http itself measures ${row.format(raw)}, so the target is below this machine's floor for the measurement`);
    }
    notes.push(`${parts.join('; ')}.`);
  }
  return notes;
}
