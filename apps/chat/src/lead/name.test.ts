import { describe, expect, it } from 'vitest';
import { parseName } from './name.js';

describe('parseName', () => {
  it.each([
    ['My name is John Doe and I make 120000 a year', 'John Doe'],
    // Lower case is accepted after "my name is" (the cue is unambiguous) and title-cased.
    ['my name is john doe', 'John Doe'],
    ["my name's jean-luc picard", 'Jean-Luc Picard'],
    ['my name is bob and I want to learn', 'Bob'],
    ['My name is JOHN SMITH', 'John Smith'],
    ['My name is Dr. Jane Smith', 'Jane Smith'],
    ['My name is Neil Young', 'Neil Young'],
    ['My name is Juan Carlos de la Cruz Pérez', 'Juan Carlos de la Cruz Pérez'],
    ["I'm José", 'José'],
    ['I’m Sarah', 'Sarah'],
    ['I am Nguyễn Văn An', 'Nguyễn Văn An'],
    ["Hi, I'm Bob. What's up with oil?", 'Bob'],
    ["I'm John and I'm new to investing", 'John'],
    ['I’m Sarah O’Connor, nice to meet you', "Sarah O'Connor"],
    ["I'm Ludwig van Beethoven", 'Ludwig van Beethoven'],
    ['Call me Ishmael.', 'Ishmael'],
    ['This is Bob from Texas', 'Bob'],
    ['Anne-Marie here!', 'Anne-Marie'],
    ['Dr. Jane Smith here', 'Jane Smith'],
    ['Hey there, Mike here. What is the deal with bonds?', 'Mike'],
  ])('%s → %s', (text, name) => {
    expect(parseName(text, { asked: false })).toBe(name);
  });

  it.each([
    "I'm interested in value investing",
    'This is great advice',
    'This is Great Advice',
    "I'm looking for a good dividend stock",
    "I'm not sure",
    "I'm good, thanks",
    "I'm Canadian",
    "I'm from Texas",
    'i’m bob',
    "I'm Bob123",
    'my name is bob@x.io',
    'This is NVDA at its best',
    "This is Apple's moment",
    'Call me crazy but I like TSLA',
    'my name is not important',
    'Nothing here',
    'Bob',
    'My name is Abe Bea Cal Dee Eve',
  ])('%s → nothing', (text) => {
    expect(parseName(text, { asked: false })).toBeNull();
  });

  describe('answering a question about the name', () => {
    it.each([
      ['Bob', 'Bob'],
      ['Bob Smith.', 'Bob Smith'],
      ['Sure, Bob!', 'Bob'],
      ["it's Maria de la Cruz", 'Maria de la Cruz'],
      ['JOHN SMITH', 'John Smith'],
    ])('%s → %s', (text, name) => {
      expect(parseName(text, { asked: true })).toBe(name);
    });

    it.each([
      'bob',
      "I'd rather not say",
      'Not sure',
      'Why do you ask?',
      'Great advice!',
      'Here',
      'No',
      'Bob, why do you ask?',
    ])('%s → nothing', (text) => {
      expect(parseName(text, { asked: true })).toBeNull();
    });
  });
});
