/**
 * Markdown to sanitized HTML. User text is never injected unsanitized: marked
 * renders, DOMPurify strips scripts, event handlers and javascript: URLs.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

export function renderMarkdown(markdown: string): string {
	const html = marked.parse(markdown, { async: false, gfm: true, breaks: false });
	return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
