import type { Mistral } from '@mistralai/mistralai';

/** One JSONL batch line asking a chat question. */
export function chatLine(
  customId: string,
  question: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    custom_id: customId,
    body: { messages: [{ role: 'user', content: question }], max_tokens: 40, ...extra },
  });
}

/** `count` valid chat lines. */
export function chatLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    chatLine(String(i), `Question number ${i} about planets and moons`),
  );
}

/** Uploads JSONL lines as a batch input file and returns its id. */
export async function uploadJsonl(
  client: Mistral,
  lines: string[],
  fileName = 'batch.jsonl',
): Promise<string> {
  const file = await client.files.upload({
    file: { fileName, content: Buffer.from(lines.join('\n') + '\n') },
    purpose: 'batch',
  });
  return file.id;
}

/** Reads a downloaded file (the SDK gives a web stream) as text. */
export async function streamText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}
