/**
 * An address as lists show it (001 A9 [fix]: lists must not leak every
 * lead's contact): the first character of the local part and the domain,
 * `a***@example.com`. Anything that is not an address is masked whole.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
