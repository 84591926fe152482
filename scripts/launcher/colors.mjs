/** ANSI colour helpers; callers decide whether colour is wanted (TTY only). */

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 };

/** @typedef {keyof typeof codes} ColorName */

/**
 * @param {boolean} enabled
 * @returns {(name: ColorName, text: string) => string}
 */
export function painter(enabled) {
  return (name, text) => (enabled ? `\x1b[${codes[name]}m${text}\x1b[0m` : text);
}

/** @param {NodeJS.WriteStream} stream */
export function wantsColor(stream) {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}
