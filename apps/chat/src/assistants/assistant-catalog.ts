import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AssistantCard,
  type AssistantName,
  assistantNames,
  type Citation,
} from '@switchboard/contracts/chat';
import { ConfigError } from '@switchboard/runtime/config';
import { type KnowledgeDocument, KnowledgeIndex } from '../retrieval/knowledge-index.js';
import { type AssistantProfile, isAssistantProfile, profileSchemaProblems } from './assistant-profile.js';

/** A loaded assistant: its profile, its indexed knowledge, and what it shows the public. */
export interface Assistant {
  readonly profile: AssistantProfile;
  /** The profile's knowledge files, chunked and indexed. */
  readonly index: KnowledgeIndex;
  /** The knowledge passages for `query`, with the profile's `top_k` and `min_score`. */
  retrieve(query: string): Citation[];
  card(): AssistantCard;
}

/** `apps/chat/config/`: `src/assistants` and `dist/assistants` sit at the same depth below the app. */
export const defaultConfigDir = fileURLToPath(new URL('../../config/', import.meta.url));

/**
 * Reads every `assistants/*.json` under `configDir`, validates it, indexes its
 * knowledge files and returns the assistants by name. Adding an assistant is
 * adding a file; the four of the spec must be there. Throws one ConfigError
 * naming every bad file and every problem in it.
 */
export async function loadAssistants(
  configDir: string | URL = defaultConfigDir,
): Promise<Map<AssistantName, Assistant>> {
  const root = typeof configDir === 'string' ? resolve(configDir) : fileURLToPath(configDir);
  const folder = join(root, 'assistants');
  let fileNames: string[];
  try {
    fileNames = (await readdir(folder)).filter((fileName) => fileName.endsWith('.json')).sort();
  } catch (error) {
    throw new ConfigError([`${folder}: cannot read the assistant profiles folder (${reason(error)})`]);
  }

  const loaded = await Promise.all(
    fileNames.map((fileName) =>
      readProfile(root, join(folder, fileName), fileName.slice(0, -'.json'.length)),
    ),
  );
  const problems: string[] = [];
  const byName = new Map<AssistantName, Assistant>();
  for (const [i, { assistant, problems: found }] of loaded.entries()) {
    problems.push(...found.map((problem) => `${join(folder, fileNames[i]!)}: ${problem}`));
    if (assistant) byName.set(assistant.profile.name, assistant);
  }
  const missing = assistantNames.filter((name) => !fileNames.includes(`${name}.json`));
  if (missing.length > 0)
    problems.push(`${folder}: missing profile(s) ${missing.map((name) => `${name}.json`).join(', ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return byName;
}

/** One profile file: the assistant it describes, or every reason it cannot be used. */
async function readProfile(
  root: string,
  file: string,
  expectedName: string,
): Promise<{ assistant?: Assistant; problems: string[] }> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { problems: [`not a readable JSON file (${reason(error)})`] };
  }
  if (!isAssistantProfile(value)) return { problems: profileSchemaProblems(value) };

  const profile = value;
  const problems: string[] = [];
  if (profile.name !== expectedName)
    problems.push(`name "${profile.name}" must match the file name ("${expectedName}")`);
  for (const slot of profile.slots) {
    if (!profile.offline.slot_questions?.[slot])
      problems.push(`/offline/slot_questions/${slot}: missing (the offline provider asks for every slot)`);
  }
  const texts = await Promise.all(profile.knowledge.map((path) => readKnowledge(root, path)));
  const documents: KnowledgeDocument[] = [];
  for (const [i, text] of texts.entries()) {
    const path = profile.knowledge[i]!;
    if (typeof text === 'string') documents.push({ source: path, text });
    else problems.push(`/knowledge/${i}: ${text.problem}`);
  }
  if (problems.length > 0) return { problems };

  return { assistant: makeAssistant(profile, KnowledgeIndex.fromDocuments(documents)), problems };
}

/** A knowledge file's text; its path must stay inside the config folder. */
async function readKnowledge(root: string, path: string): Promise<string | { problem: string }> {
  const file = resolve(root, path);
  const inside = relative(root, file);
  if (isAbsolute(path) || inside === '' || inside.startsWith(`..${sep}`) || inside === '..')
    return { problem: `knowledge file "${path}" must be a path inside ${root}` };
  try {
    const text = await readFile(file, 'utf8');
    if (text.trim() === '') return { problem: `knowledge file "${path}" (${file}) is empty` };
    return text;
  } catch (error) {
    return { problem: `knowledge file "${path}" cannot be read: ${file} (${reason(error)})` };
  }
}

function makeAssistant(profile: AssistantProfile, index: KnowledgeIndex): Assistant {
  return {
    profile,
    index,
    retrieve: (query) =>
      index.search(query, { topK: profile.retrieval.top_k, minScore: profile.retrieval.min_score }),
    card: () => ({
      name: profile.name,
      title: profile.title,
      description: profile.description,
      greetings: [...profile.greetings],
      ...(profile.privacy_notice === undefined ? {} : { privacy_notice: profile.privacy_notice }),
      slots: [...profile.slots],
      knowledge_chunks: index.size,
    }),
  };
}

function reason(error: unknown): string {
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 'not found';
  return error instanceof Error ? error.message : String(error);
}
