import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssistantCard, assistantNames } from '@switchboard/contracts/chat';
import { ConfigError } from '@switchboard/runtime/config';
import { Compile } from 'typebox/compile';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfigDir, loadAssistants } from './assistant-catalog.js';

const cardValidator = Compile(AssistantCard);
const temporaryDirs: string[] = [];

afterAll(async () => {
  await Promise.all(temporaryDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the real config folder that a test may break. */
async function configCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-assistants-'));
  temporaryDirs.push(dir);
  await cp(defaultConfigDir, dir, { recursive: true });
  return dir;
}

async function editProfile(dir: string, name: string, edit: (profile: Record<string, unknown>) => void) {
  const file = join(dir, 'assistants', `${name}.json`);
  const profile = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(profile);
  await writeFile(file, JSON.stringify(profile));
}

/** The problems of the ConfigError that loading `dir` throws. */
async function problemsOf(dir: string): Promise<readonly string[]> {
  const error = await loadAssistants(dir).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('loadAssistants', () => {
  it('loads the four shipped assistants from the default config folder', async () => {
    const assistants = await loadAssistants();
    expect([...assistants.keys()].sort()).toEqual([...assistantNames].sort());
    for (const [name, assistant] of assistants) {
      expect(assistant.profile.name).toBe(name);
      expect(cardValidator.Check(assistant.card())).toBe(true);
    }

    const lead = assistants.get('lead')!;
    expect(lead.profile.history_limit).toBe(10);
    expect(lead.profile.greetings).toHaveLength(3);
    expect(lead.card()).toMatchObject({ name: 'lead', slots: ['name', 'email', 'income'] });
    expect(lead.card().privacy_notice).toMatch(/AI/);
    expect(lead.profile.system_prompt).toMatch(/never deny being an AI/);
    expect(lead.index.size).toBeGreaterThan(10);
    // The dashboard's `rag_vectors` comes from the published card.
    expect(lead.card().knowledge_chunks).toBe(lead.index.size);
    expect(assistants.get('general')!.card().knowledge_chunks).toBe(0);

    expect(assistants.get('general')!.index.size).toBe(0);
    expect(assistants.get('agent')!.index.size).toBe(0);
    const agent = assistants.get('agent')!.profile;
    expect(agent.tools).toEqual(['request_human_feedback']);
    expect(agent.offline.ask_human_when).toEqual(
      expect.arrayContaining([
        'delete',
        'drop',
        'deploy',
        'refund',
        'transfer',
        'pay',
        'cancel',
        'wire',
        'shutdown',
        'send',
      ]),
    );
  });

  it.each([
    ['What is a PEG ratio?', 2],
    ['how much should I risk per trade', 5],
    ['explain cash secured puts', 6],
  ])(
    'lets the lead assistant retrieve A10\'s answer to "%s" over both of its knowledge files',
    async (query, chunk) => {
      const lead = (await loadAssistants()).get('lead')!;
      expect(lead.retrieve(query)[0]).toMatchObject({ source: 'knowledge/lead/knowledge_base.txt', chunk });
    },
  );

  it('grounds the dispatch assistant in its notes, and finds nothing for an unrelated question', async () => {
    const dispatch = (await loadAssistants()).get('dispatch')!;
    const hits = dispatch.retrieve('which columns does the contacts spreadsheet need?');
    expect(hits[0]?.source).toBe('knowledge/dispatch/dispatch-automation.txt');
    expect(hits[0]?.excerpt).toMatch(/Facility column and an Email column/);
    expect(dispatch.retrieve('how do I bake sourdough bread')).toEqual([]);
  });

  it('refuses broken profiles, naming every file and every problem at once', async () => {
    const dir = await configCopy();
    await editProfile(dir, 'lead', (profile) => {
      profile.temperature = 5;
      profile.colour = 'green';
      delete profile.greetings;
    });
    await editProfile(dir, 'general', (profile) => {
      profile.name = 'agent';
    });
    await writeFile(join(dir, 'assistants', 'dispatch.json'), '{ "name": "dispatch", ');
    await writeFile(join(dir, 'assistants', 'notes.md'), 'not a profile, ignored');

    const problems = await problemsOf(dir);
    const about = (file: string) => problems.filter((problem) => problem.includes(`${file}: `));
    expect(about('lead.json')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/temperature: must be <= 2/),
        expect.stringMatching(/unknown field.*colour/),
        expect.stringMatching(/greetings/),
      ]),
    );
    expect(about('general.json')).toEqual([expect.stringMatching(/name "agent" must match the file name/)]);
    expect(about('dispatch.json')).toEqual([expect.stringMatching(/not a readable JSON file/)]);
    expect(problems.some((problem) => problem.includes('notes.md'))).toBe(false);
  });

  it('refuses a profile whose knowledge file is missing, naming it', async () => {
    const dir = await configCopy();
    await rm(join(dir, 'knowledge', 'lead', 'trading-rules.txt'));
    const problems = await problemsOf(dir);
    expect(problems).toEqual([expect.stringContaining('knowledge/lead/trading-rules.txt')]);
    expect(problems[0]).toContain('lead.json: /knowledge/1: ');
    expect(problems[0]).toContain('not found');
  });

  it('refuses knowledge outside the config folder, a slot it cannot ask for, and a missing assistant', async () => {
    const dir = await configCopy();
    await editProfile(dir, 'dispatch', (profile) => {
      profile.knowledge = ['../../etc/passwd'];
    });
    await editProfile(dir, 'lead', (profile) => {
      const offline = profile.offline as { slot_questions: Record<string, string> };
      delete offline.slot_questions.income;
    });
    await rm(join(dir, 'assistants', 'agent.json'));
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/dispatch\.json: \/knowledge\/0: .*must be a path inside/),
        expect.stringMatching(/lead\.json: \/offline\/slot_questions\/income: missing/),
        expect.stringMatching(/missing profile\(s\) agent\.json/),
      ]),
    );
  });

  it('refuses a config folder without assistant profiles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-assistants-'));
    temporaryDirs.push(dir);
    expect(await problemsOf(dir)).toEqual([
      expect.stringMatching(/cannot read the assistant profiles folder/),
    ]);
  });
});
