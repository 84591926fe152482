/**
 * RFC 5322 "lite": the dot-atom form of an address, which is what people
 * actually type. Quoted local parts, comments, IP-literal domains and
 * internationalised domains are refused on purpose: an operator will write to
 * this address, so anything exotic is more likely a typo than a real mailbox.
 */
const maxAddressLength = 254;
const maxLocalPartLength = 64;
const maxDomainLabelLength = 63;

/** RFC 5322 `atext`: the characters of a dot-atom between the dots. */
const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const localPartPattern = new RegExp(`^${atom}(?:\\.${atom})*$`);
const domainLabelPattern = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const topLevelDomainPattern = /^[A-Za-z]{2,}$/;

export function isValidEmailAddress(address: string): boolean {
  if (address.length > maxAddressLength) return false;
  const at = address.indexOf('@');
  if (at < 0 || at !== address.lastIndexOf('@')) return false;
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (localPart.length === 0 || localPart.length > maxLocalPartLength) return false;
  // The atom pattern already refuses leading, trailing and consecutive dots.
  if (!localPartPattern.test(localPart)) return false;
  const labels = domain.split('.');
  const topLevel = labels.at(-1) ?? '';
  return (
    labels.length >= 2 &&
    labels.every((label) => label.length <= maxDomainLabelLength && domainLabelPattern.test(label)) &&
    topLevelDomainPattern.test(topLevel)
  );
}

/** Domains are case-insensitive; the local part is kept as typed (RFC 5321 leaves it to the receiving host). */
export function normalizeEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

/**
 * Anything in running text that looks like an attempt at an address: a run
 * containing `@`, cut at whitespace and at characters that never occur in a
 * dot-atom but often sit next to an address in prose ("email:bob@x.io", "(bob@x.io)").
 */
const addressLikeRun = /[^\s<>()[\]{},;:"]*@[^\s<>()[\]{},;:"]*/g;
/** Sentence punctuation and quotes around an address, which are not part of it. */
const surroundingPunctuation = /^['`‘’“”]+|[.!?'`‘’“”]+$/g;

/** Every valid address in `text`, in order of appearance, normalised, without repeats. */
export function findEmailAddresses(text: string): string[] {
  const found: string[] = [];
  for (const [run] of text.matchAll(addressLikeRun)) {
    const candidate = run.replace(surroundingPunctuation, '');
    if (!isValidEmailAddress(candidate)) continue;
    const address = normalizeEmailAddress(candidate);
    if (!found.includes(address)) found.push(address);
  }
  return found;
}

/**
 * `text` with every address-like run (valid or not) blanked out, so that the
 * digits of "bob150k@x.io" are never read as an income.
 */
export function withoutEmailAddresses(text: string): string {
  return text.replace(addressLikeRun, ' ');
}
