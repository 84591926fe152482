const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * What the browser shows at the end of a connect flow: the provider
 * redirected it here, so the answer is a page, with a way back to the console.
 */
export function connectedPage(label: string, backUrl: string): string {
  const title = escapeHtml(`${label} connected`);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body>
<h1>${title}</h1>
<p>Switchboard can now reach you through ${escapeHtml(label)}. You can close this page.</p>
<p><a href="${escapeHtml(backUrl)}">Back to Switchboard</a></p>
</body>
</html>
`;
}
