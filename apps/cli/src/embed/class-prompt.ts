/**
 * The zero-shot class prompt of DESIGN §1 ("This is a sound of {label}."), the one `eval zero-shot --prompts`
 * expects: CLAP's text tower was trained on captions, so a sentence matches audio better than a bare label.
 */
export function classPrompt(label: string): string {
  return `This is a sound of ${label}.`;
}
