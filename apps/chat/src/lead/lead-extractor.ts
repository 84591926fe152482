import { findEmailAddresses, withoutEmailAddresses } from './email-address.js';
import { parseIncome } from './income.js';
import type { Income, LeadSlotName, LeadSlots } from './lead-slots.js';
import { parseName } from './name.js';

export interface LeadExtractionContext {
  /** The slot the assistant's previous message asked about (see `slotAskedIn`). */
  askedFor?: LeadSlotName;
  /** What the session already holds. */
  known: LeadSlots;
}

export interface LeadExtraction {
  /** Slots to store: new ones, and known ones the user explicitly corrected. */
  updates: Partial<LeadSlots>;
  /** The known slots among `updates`. */
  corrections: LeadSlotName[];
}

/**
 * Phrases by which a user takes back something said before: "actually my
 * email is …", "no, it's …", "correction: …", "I meant …", "use … instead".
 */
const correctionCue =
  /\b(?:actually|correction|i\s+meant|i\s+mean|scratch\s+that|instead|typo|oops|my\s+bad|should\s+(?:be|have\s+been)|(?:change|update)\s+(?:it|that|my\s+\w+)\s+to|not\s+\S+@\S+|wrong\s+(?:one|email|address|name|number))\b|^\s*(?:no|nope|sorry|wait)\b/iu;

const disownedAddress = /\b(?:not|instead\s+of|rather\s+than)\s+\S+@\S+/giu;

/**
 * The lead slots a user's message reveals (A6 [fix]). Runs on the user's
 * message only. A slot already known is replaced only when the message
 * corrects it explicitly, so a name or address mentioned in passing later
 * ("my friend Bob") does not overwrite the lead. Income counts only when cued
 * (see `parseIncome`), and addresses are removed before looking for it.
 */
export function extractLeadSlots(userMessage: string, context: LeadExtractionContext): LeadExtraction {
  const { known, askedFor } = context;
  const correcting = correctionCue.test(userMessage.normalize('NFC').replace(/[‘’]/g, "'"));
  const updates: Partial<LeadSlots> = {};
  const corrections: LeadSlotName[] = [];
  const offer = <Slot extends LeadSlotName>(slot: Slot, value: LeadSlots[Slot] | null, same: boolean) => {
    if (value === null || value === undefined || same) return;
    if (known[slot] === undefined) {
      updates[slot] = value;
    } else if (correcting) {
      updates[slot] = value;
      corrections.push(slot);
    }
  };

  // "use c@d.io, not a@b.co": the address after "not" is the one taken back.
  const disowned = [...userMessage.matchAll(disownedAddress)].flatMap((found) =>
    findEmailAddresses(found[0]),
  );
  const addresses = findEmailAddresses(userMessage).filter((address) => !disowned.includes(address));
  // "a@b.co, sorry, I meant c@d.io": when correcting, the last address is the one meant.
  const email = (correcting ? addresses.at(-1) : addresses[0]) ?? null;
  offer('email', email, email !== null && email.toLowerCase() === known.email?.toLowerCase());

  const withoutAddresses = withoutEmailAddresses(userMessage);
  const name = parseName(withoutAddresses, {
    asked: askedFor === 'name' || (correcting && known.name !== undefined),
  });
  offer('name', name, name !== null && name === known.name);

  // A bare amount in a correction of a known income ("I meant 150k") corrects it.
  const income = parseIncome(withoutAddresses, {
    cued: askedFor === 'income' || (correcting && known.income !== undefined),
  });
  offer('income', income, income !== null && sameIncome(income, known.income));

  return { updates, corrections };
}

function sameIncome(a: Income, b: Income | undefined): boolean {
  return b !== undefined && a.annual_usd_min === b.annual_usd_min && a.annual_usd_max === b.annual_usd_max;
}
