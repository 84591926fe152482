import { describe, expect, it } from 'vitest';
import { slotAskedIn } from './assistant-question.js';

describe('slotAskedIn', () => {
  it.each([
    ['Love that question. By the way, who am I talking to?', 'name'],
    ['Before we go on — what should I call you?', 'name'],
    ["Solid instincts. What's your name, chief?", 'name'],
    ["Want my next market note? Drop your email and I'll send it over.", 'email'],
    ["Good to meet you, Bob! What's the best email to reach you?", 'email'],
    ['It helps me judge your risk appetite — roughly 50k, 100k, 200k+?', 'income'],
    ['So what do you pull in a year, ballpark?', 'income'],
    ['Mind sharing your rough annual income? No judgement.', 'income'],
    // Several slots in one question: the one a bare answer could only answer wins.
    ["What's your name and email?", 'name'],
    ["Tell me your name, email and what you make — I'll tailor the notes.", 'income'],
    // The last question asked is the one the user answers.
    ["What's your name? Also, what's your email?", 'email'],
  ])('%s → %s', (message, slot) => {
    expect(slotAskedIn(message)).toBe(slot);
  });

  it.each([
    "What do you make of the Fed's last move?",
    'Income investing suits retirees. Any other questions?',
    'NVDA earnings crushed it. Did you see the guidance?',
    "I'll never spam your email, relax. Now, what's your take on bonds?",
    'Cut losers fast and let winners run.',
  ])('%s → nothing', (message) => {
    expect(slotAskedIn(message)).toBeUndefined();
  });
});
