/**
 * Scripts whose letters are told apart here. Han, Hiragana, Katakana and
 * Hangul count as one family, since Japanese and Korean names mix them
 * legitimately; Latin beside that family is accepted too.
 */
const SCRIPTS: [name: string, letter: RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u],
];

/** The scripts one label of `name` mixes, or `undefined` when every label keeps to one. */
export function mixedScripts(name: string): string[] | undefined {
  for (const label of name.split('.')) {
    const found = new Set<string>();
    for (const char of label) {
      const script = SCRIPTS.find(([, re]) => re.test(char));
      if (script) found.add(script[0]);
    }
    if (found.size === 2 && found.has('CJK') && found.has('Latin')) continue;
    if (found.size > 1) return [...found].sort();
  }
  return undefined;
}
