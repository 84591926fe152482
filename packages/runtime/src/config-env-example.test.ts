import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnvSchema, envAliases } from './config-schema.js';

const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');

describe('.env.example', () => {
  it('documents every variable the config reads, and each alias', () => {
    for (const name of Object.keys(EnvSchema.properties)) {
      expect(example, name).toMatch(new RegExp(`^# ${name}=`, 'm'));
    }
    for (const [name, aliases] of Object.entries(envAliases)) {
      const line = example.split('\n').find((candidate) => candidate.startsWith(`# ${name}=`));
      for (const alias of aliases ?? []) expect(line, `${name} alias ${alias}`).toContain(`[${alias}]`);
    }
  });

  it('documents nothing the config does not read', () => {
    const documented = [...example.matchAll(/^# ([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    expect(documented.filter((name) => !(name! in EnvSchema.properties))).toEqual([]);
  });
});
