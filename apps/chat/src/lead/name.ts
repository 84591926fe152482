export interface NameParseOptions {
  /**
   * The user is answering a question about their name (the assistant just
   * asked, or the user is correcting it), so a bare "Bob" or "it's Bob" counts.
   */
  asked: boolean;
}

/*
 * The original matched "I'm X" case-insensitively and took every following
 * word, so "I'm interested in value investing" became a name (A6). Here the
 * cue decides how much to trust what follows:
 * - "my name is", "name's", "name:" are unambiguous, so the name may be typed
 *   in lower case ("my name is john doe" → "John Doe") or in capitals;
 * - "call me", "I go by" need a capitalised name, capitals allowed;
 * - "I'm", "I am", "this is", "X here" (and "it's" when asked) are everyday
 *   phrases, so only capitalised words count and all-capital words (tickers:
 *   "this is NVDA") do not;
 * - a bare answer to a name question must be the whole message, capitalised.
 * A name is 1–4 words of letters with inner `'` or `-` (lower-case particles
 * such as "de la" not counted), ends at punctuation, at a lower-case word
 * (after a capitalised first word) or at a stop word, and is refused when
 * glued to digits or `@` or when it runs on past 4 words.
 */

interface CaseRules {
  /** Lower-case words are part of the name (they are title-cased). */
  anyCase: boolean;
  /** All-capital words are part of the name (they are title-cased). */
  allCaps: boolean;
}

const nameIsCue =
  /(?<![\p{L}\p{M}'])(?:my\s+name\s+is|my\s+name's|(?:the\s+)?name's|(?:the\s+)?name\s+is|(?:my\s+)?name\s*:)\s+/giu;
const callMeCue = /(?<![\p{L}\p{M}'])(?:call\s+me|i\s+go\s+by)\s+/giu;
const selfCue = /(?<![\p{L}\p{M}'])(?:i'm|i\s+am|im|this\s+is)\s+/giu;
const itIsCue = /(?<![\p{L}\p{M}'])(?:it's|it\s+is|its)\s+/giu;
/** "Bob here, ..." at the start of a sentence. */
const hereSuffix =
  /(?:^|[.!?]\s+)(?:(?:hi|hey|hello|yo)(?:\s+(?:there|all|everyone|guys|folks))?[,!.]?\s+)?(?<name>[^\s.,!?;:]+(?:\s+[^\s.,!?;:]+){0,4}?)\s+here(?=\s*(?:[,.!:;—–-]|$))/giu;
/** What people put before a bare answer: "Sure, Bob", "Oh hi! Bob". */
const answerPreamble =
  /^(?:(?:sure|ok|okay|yes|yeah|yep|yup|of\s+course|absolutely|hi|hey|hello|no|nope|sorry|oh|well|actually|oops)(?![\p{L}])[,!.]*\s*)+/iu;

const nameWord = /^[\p{L}\p{M}]+(?:['-][\p{L}\p{M}]+)*$/u;
const honorific = /^(?:mr|mrs|ms|miss|mx|dr|prof)\.?$/i;
const tokenParts = /^(?<body>.*?)(?<punctuation>[.,!?;:…)"'—–]*)$/su;
const maxNameWords = 4;

/** Lower-case particles inside a name: "Ludwig van Beethoven", "María de la Cruz". */
const particles = wordSet('de da di del della der den van von la le du dos das bin ibn al el ter ten');

/** Words that end a name wherever they occur: "John Doe and I …", "Bob here". */
const functionWords =
  wordSet(`a an the and or but nor so yet for of to in on at by with from into onto about as than
  then that this these those there here where when what who whom whose which why how if because while though although
  just only also too very really quite not no yes yeah yep yup nope ok okay sure maybe perhaps well oh hi hey hello
  thanks thank please sorry bye lol haha hmm um uh i me my mine we us our you your he him his she her they them their
  it its i'm im i'd i'll i've is am are was were be been being do does did have has had would can could should might
  must shall let lets let's gonna wanna gotta`);

/**
 * Words that are not a name when they come first (or anywhere in a name typed
 * in lower case): what people say after "I'm" / "this is" in a chat about
 * markets — states, roles, market words, nationalities, days. After a
 * capitalised first name they are surnames ("Neil Young"), so they do not end it.
 */
const ordinaryWords =
  wordSet(`get got good great fine nice cool awesome glad happy sad excited interested curious new
  old young retired married single divorced broke rich poor busy ready tired bored confused lost serious kidding joking
  right wrong certain unsure afraid worried scared nervous bullish bearish long short all back done out up down away
  home still always never even actually literally basically honestly anonymous private secret irrelevant unimportant
  important none nobody someone somebody anyone everyone anybody everybody guy girl man woman dude bro sir madam mister
  miss looking trying thinking wondering asking hoping planning going getting doing working learning investing trading
  buying selling holding starting beginner novice pro expert investor trader student teacher engineer doctor nurse
  lawyer developer programmer manager retiree owner advice question questions stock stocks shares market markets money
  crypto bitcoin fund funds value growth income dividend dividends options portfolio account email name interesting
  calling writing texting reaching welcome cheers american canadian british english french german italian spanish
  mexican indian chinese japanese korean australian irish scottish russian brazilian dutch swiss swedish monday tuesday
  wednesday thursday friday saturday sunday january february march july september october november december today
  tomorrow yesterday tonight nothing something everything anything`);

function wordSet(words: string): ReadonlySet<string> {
  return new Set(words.split(/\s+/));
}

/** The user's own name as stated in `text`, title-cased where it was typed in one case, or null. */
export function parseName(text: string, options: NameParseOptions): string | null {
  const prepared = text.normalize('NFC').replace(/[‘’]/g, "'");
  const attempts: Array<() => string | null> = [
    () => afterCue(prepared, nameIsCue, (first) => ({ anyCase: !startsUpper(first), allCaps: true })),
    () => afterCue(prepared, callMeCue, () => ({ anyCase: false, allCaps: true })),
    () => afterCue(prepared, selfCue, () => ({ anyCase: false, allCaps: false })),
    () => (options.asked ? afterCue(prepared, itIsCue, () => ({ anyCase: false, allCaps: false })) : null),
    () => beforeHere(prepared),
    () => (options.asked ? bareAnswer(prepared) : null),
  ];
  for (const attempt of attempts) {
    const name = attempt();
    if (name) return name;
  }
  return null;
}

function afterCue(text: string, cue: RegExp, rulesFor: (firstWord: string) => CaseRules): string | null {
  for (const found of text.matchAll(cue)) {
    const tokens = tokensOf(text.slice(found.index + found[0].length));
    const first = tokens.find((token) => !honorific.test(token)) ?? '';
    const name = collectName(tokens, rulesFor(first), false);
    if (name) return name;
  }
  return null;
}

function beforeHere(text: string): string | null {
  for (const found of text.matchAll(hereSuffix)) {
    const name = collectName(tokensOf(found.groups?.name ?? ''), { anyCase: false, allCaps: false }, true);
    if (name) return name;
  }
  return null;
}

function bareAnswer(text: string): string | null {
  return collectName(tokensOf(text.replace(answerPreamble, '')), { anyCase: false, allCaps: true }, true);
}

function tokensOf(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/**
 * Reads name words from the start of `tokens`. `whole`: the name must be all
 * of the tokens (a bare answer), else it is not a name.
 */
function collectName(tokens: string[], rules: CaseRules, whole: boolean): string | null {
  const words: string[] = [];
  let index = honorific.test(tokens[0] ?? '') ? 1 : 0;
  for (; index < tokens.length; index++) {
    const { body, punctuation } = splitToken(tokens[index] ?? '');
    // "Bob123", "bob@x.io": a handle or an address, not a name, and nothing around it is one either.
    if (/[\d@]/u.test(body) && /\p{L}/u.test(body)) return null;
    if (!nameWord.test(body) || body.length < 2 || /'s$/iu.test(body)) break;
    if (
      words.length > 0 &&
      !rules.anyCase &&
      particles.has(body) &&
      punctuation === '' &&
      particleRunEndsInName(tokens, index)
    ) {
      words.push(body);
      continue;
    }
    if (isStopWord(body, words.length === 0, rules)) break;
    if (!rules.anyCase && !startsUpper(body)) break;
    if (!rules.allCaps && isAllCaps(body)) break;
    words.push(body);
    // Particles do not count: "Juan Carlos de la Cruz" is four words of name.
    if (words.filter((word) => !particles.has(word)).length > maxNameWords) return null;
    if (punctuation !== '') {
      index++;
      break;
    }
  }
  if (words.length === 0 || (whole && index < tokens.length)) return null;
  return words
    .map((word, position) => (position > 0 && particles.has(word) ? word : casedWord(word)))
    .join(' ');
}

function splitToken(token: string): { body: string; punctuation: string } {
  const { body = '', punctuation = '' } = tokenParts.exec(token)?.groups ?? {};
  return { body, punctuation };
}

/**
 * The first word, and every word of a name typed in lower case, must be no
 * stop word at all; after a capitalised first name only a lower-case function
 * word ends it, so "Nguyễn Văn An" and "Neil Young" stay whole.
 */
function isStopWord(word: string, first: boolean, rules: CaseRules): boolean {
  const lower = word.toLowerCase();
  if (first || rules.anyCase) return functionWords.has(lower) || ordinaryWords.has(lower);
  return word === lower && functionWords.has(lower);
}

/** "de la Cruz": the particles at `index` are followed by a capitalised name word. */
function particleRunEndsInName(tokens: string[], index: number): boolean {
  let next = index + 1;
  while (particles.has(tokens[next] ?? '')) next++;
  const { body } = splitToken(tokens[next] ?? '');
  return nameWord.test(body) && startsUpper(body);
}

function startsUpper(word: string): boolean {
  return /^\p{Lu}/u.test(word);
}

function isAllCaps(word: string): boolean {
  return word.length > 1 && word === word.toUpperCase() && word !== word.toLowerCase();
}

/** "john" / "JOHN" → "John", "o'brien" → "O'Brien"; a name typed in mixed case ("McDonald") is kept. */
function casedWord(word: string): string {
  if (word !== word.toLowerCase() && !isAllCaps(word)) return word;
  return word
    .toLowerCase()
    .replace(
      /(^|['-])(\p{L})/gu,
      (_match, separator: string, letter: string) => separator + letter.toUpperCase(),
    );
}
