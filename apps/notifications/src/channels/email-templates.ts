import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatUtc } from './display-time.js';

/** `apps/notifications/templates/`, from `src/channels/` and from `dist/channels/` alike. */
export const defaultTemplateDir = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface RenderedTemplate {
  /** Only when the template has a `<name>.subject.hbs`; otherwise the message keeps its own subject. */
  subject?: string;
  text: string;
  html: string;
}

export interface EmailTemplates {
  readonly names: readonly string[];
  has(name: string): boolean;
  render(name: string, context: object): RenderedTemplate;
}

type Compiled = (context: object) => string;

/**
 * Loads `<name>.html.hbs` + `<name>.txt.hbs` (+ optional `<name>.subject.hbs`)
 * from `dir`, and `_<partial>.html.hbs` as partials (`_layout` is the frame
 * every HTML template fills). HTML is compiled with escaping on, so data
 * shows as text, never as markup; text and subject have nothing to escape
 * (escaping would turn `&` into `&amp;`). Fails at load, not at first send,
 * when a template is incomplete or does not compile.
 */
export function loadEmailTemplates(dir = defaultTemplateDir): EmailTemplates {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('date', formatUtc);
  handlebars.registerHelper('short', (value: unknown) =>
    typeof value === 'string' ? value.slice(0, 8) : '',
  );

  const files = readdirSync(dir).filter((file) => file.endsWith('.hbs'));
  const source = (file: string) => readFileSync(join(dir, file), 'utf8');
  for (const file of files.filter((name) => name.startsWith('_'))) {
    handlebars.registerPartial(file.slice(1).replace(/\.html\.hbs$/, ''), source(file));
  }

  const compile = (file: string, escapeHtml: boolean): Compiled => {
    const text = source(file);
    // Parse now (compile alone is lazy): a syntax error should stop the service at start.
    handlebars.precompile(text);
    return handlebars.compile(text, { noEscape: !escapeHtml, strict: false });
  };

  const templates = new Map<string, { html: Compiled; text: Compiled; subject?: Compiled }>();
  for (const file of files.filter((name) => !name.startsWith('_') && name.endsWith('.html.hbs'))) {
    const name = file.slice(0, -'.html.hbs'.length);
    const textFile = `${name}.txt.hbs`;
    if (!files.includes(textFile))
      throw new Error(`Email template ${name} has HTML but no ${textFile} in ${dir}`);
    const subjectFile = `${name}.subject.hbs`;
    templates.set(name, {
      html: compile(file, true),
      text: compile(textFile, false),
      ...(files.includes(subjectFile) ? { subject: compile(subjectFile, false) } : {}),
    });
  }

  return {
    names: [...templates.keys()],
    has: (name) => templates.has(name),
    render(name, context) {
      const template = templates.get(name);
      if (!template) throw new Error(`No email template named ${name}`);
      return {
        ...(template.subject ? { subject: template.subject(context).trim().replace(/\s+/g, ' ') } : {}),
        text: template.text(context),
        html: template.html(context),
      };
    },
  };
}
