import { describe, expect, it } from 'vitest';
import { findEmailAddresses, isValidEmailAddress, withoutEmailAddresses } from './email-address.js';

describe('isValidEmailAddress', () => {
  it.each([
    'bob@x.io',
    'bob+leads@x.io',
    'first.last@sub.example.co.uk',
    "o'brien@example.ie",
    'USER_1-x@EXAMPLE.COM',
    `${'a'.repeat(64)}@x.io`,
  ])('accepts %s', (address) => {
    expect(isValidEmailAddress(address)).toBe(true);
  });

  it.each([
    ['no domain dot', 'a@b'],
    ['two @', 'a@@b.com'],
    ['two @ apart', 'a@b@c.com'],
    ['consecutive dots', 'a..b@c.com'],
    ['leading dot', '.bob@x.io'],
    ['trailing dot in local part', 'bob.@x.io'],
    ['empty local part', '@x.com'],
    ['one-letter TLD', 'bob@x.c'],
    ['numeric TLD', 'bob@x.123'],
    ['label starting with a hyphen', 'bob@-x.io'],
    ['empty label', 'bob@x..io'],
    ['space', 'bob smith@x.io'],
    ['local part over 64', `${'a'.repeat(65)}@x.io`],
    ['address over 254', `bob@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.io`],
  ])('refuses %s: %s', (_why, address) => {
    expect(isValidEmailAddress(address)).toBe(false);
  });
});

describe('findEmailAddresses', () => {
  it.each([
    ['my email is bob@x.io.', ['bob@x.io']],
    ['Bob.Smith@Example.COM!', ['Bob.Smith@example.com']],
    ['(bob@x.io), or mailto:ann@y.org; "cat@z.net"', ['bob@x.io', 'ann@y.org', 'cat@z.net']],
    ['[bob@x.io](mailto:bob@x.io)', ['bob@x.io']],
    ["it's 'bob@x.io'", ['bob@x.io']],
    ['a@b, a@@b.com, a..b@c.com, @x.com', []],
    ['meet @ 5pm, ping @bob', []],
  ])('%s', (text, expected) => {
    expect(findEmailAddresses(text)).toEqual(expected);
  });
});

describe('withoutEmailAddresses', () => {
  it('blanks out valid and broken addresses alike', () => {
    expect(withoutEmailAddresses('x bob150k@x.io y a@@150k.com z')).toBe('x   y   z');
  });
});
