import type { TLocalizedValidationError } from 'typebox/error';

/** `"/payload/from must be string"`-style sentences for people and logs. */
export function describeErrors(errors: readonly TLocalizedValidationError[], limit = 10): string[] {
  const lines = errors.slice(0, limit).map((error) => `${error.instancePath || '(root)'} ${error.message}`);
  if (errors.length > limit) lines.push(`…and ${errors.length - limit} more`);
  return lines;
}
