import { hash, verify } from '@node-rs/argon2';
import { AppError } from '@switchboard/runtime/app-error';

// OWASP's argon2id baseline (19 MiB, 2 passes): slow for a guesser, fine for a login.
// `algorithm: 2` is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const argonOptions = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** A hash of a password nobody has, so unknown usernames cost as much as wrong passwords. */
const decoyHash = hash('decoy password that matches nothing', argonOptions);

/** SPEC: at least 8 characters and not all of one class (letters, digits, others). */
export function checkPasswordPolicy(password: string): void {
  if ([...password].length < 8)
    throw new AppError('SB_VALIDATION', 'The password needs at least 8 characters.');
  if (Buffer.byteLength(password) > 256)
    throw new AppError('SB_VALIDATION', 'The password is longer than 256 bytes.');
  const classes = [/\p{L}/u, /\p{N}/u, /[^\p{L}\p{N}]/u].filter((pattern) => pattern.test(password)).length;
  if (classes < 2) {
    throw new AppError(
      'SB_VALIDATION',
      'The password must mix at least two of letters, digits and other characters.',
    );
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

/** Verifies against the user's hash, or against a decoy when there is no user (same cost either way). */
export async function passwordMatches(password: string, storedHash: string | undefined): Promise<boolean> {
  const matches = await verify(storedHash ?? (await decoyHash), password).catch(() => false);
  return storedHash !== undefined && matches;
}
