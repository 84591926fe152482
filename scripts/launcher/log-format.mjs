import { painter } from './colors.mjs';

/** @typedef {import('./colors.mjs').ColorName} ColorName */

/** @type {Map<number, [string, ColorName]>} */
const LEVELS = new Map([
  [10, ['TRACE', 'gray']],
  [20, ['DEBUG', 'gray']],
  [30, ['INFO', 'green']],
  [40, ['WARN', 'yellow']],
  [50, ['ERROR', 'red']],
  [60, ['FATAL', 'red']],
]);
// Services may log the label instead of the number (pino `formatters.level`).
const LEVEL_BY_LABEL = new Map([...LEVELS.values()].map((entry) => [entry[0].toLowerCase(), entry]));

// Shown elsewhere on the line (prefix, time, level, message) or pure noise.
const HIDDEN_KEYS = new Set(['pid', 'hostname', 'service', 'instance', 'time', 'level', 'msg']);

/**
 * Renders one pino JSON line as `HH:MM:SS INFO msg key=value…`; anything
 * that is not a pino record is returned unchanged. An error's stack follows
 * on extra lines because a one-line stack is unreadable.
 *
 * @param {string} line
 * @param {{ color?: boolean }} [options]
 * @returns {string}
 */
export function formatLogLine(line, { color = false } = {}) {
  const record = parseRecord(line);
  if (!record) return line;
  const paint = painter(color);
  const [name, hue] =
    (typeof record.level === 'number' ? LEVELS.get(record.level) : LEVEL_BY_LABEL.get(record.level)) ??
    /** @type {[string, ColorName]} */ ([String(record.level).toUpperCase(), 'gray']);
  const fields = [];
  const stacks = [];
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN_KEYS.has(key) || value === undefined) continue;
    if (isError(value)) {
      fields.push(`${key}=${quote(value.message ?? value.type ?? 'error')}`);
      stacks.push(value.stack);
    } else {
      fields.push(`${key}=${quote(value)}`);
    }
  }
  const head = [paint('gray', clock(record.time)), paint(hue, name), String(record.msg ?? ''), ...fields]
    .filter(Boolean)
    .join(' ');
  return [head, ...stacks].join('\n');
}

/**
 * @param {string} line
 * @returns {{ level: number | string, time: number | string, msg?: unknown, [key: string]: unknown } | undefined}
 */
function parseRecord(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line);
    // pino leaves out `msg` when a call logs only an object, so it is optional.
    const isRecord = value && ['number', 'string'].includes(typeof value.level) && 'time' in value;
    return isRecord ? value : undefined;
  } catch {
    return undefined;
  }
}

/** @param {number | string} time */
function clock(time) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** @param {unknown} value @returns {value is { stack: string, message?: string, type?: string }} */
function isError(value) {
  return (
    typeof value === 'object' && value !== null && typeof (/** @type {any} */ (value).stack) === 'string'
  );
}

/** @param {unknown} value */
function quote(value) {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * The fixed-width `gateway       │ ` column that tells interleaved service
 * output apart.
 *
 * @param {string} name
 * @param {number} width
 * @param {ColorName} hue
 * @param {boolean} color
 */
export function servicePrefix(name, width, hue, color) {
  return `${painter(color)(hue, name.padEnd(width))} │ `;
}
