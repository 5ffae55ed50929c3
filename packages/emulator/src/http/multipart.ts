import busboy from 'busboy';

/** One part of a `multipart/form-data` body. */
export interface FormPart {
  name: string;
  /** Present for file parts (`filename`, or `filename*` decoded). */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** True when `contentType` is `multipart/form-data` with a boundary. */
export function isMultipart(contentType: string | undefined): contentType is string {
  return (
    contentType !== undefined &&
    /^multipart\/form-data\b/i.test(contentType) &&
    /\bboundary=/i.test(contentType)
  );
}

/**
 * Splits a buffered `multipart/form-data` body into its parts with busboy, which reads every form
 * of the `Content-Disposition` parameters (quoted strings with escapes, RFC 5987 `filename*`).
 * Resolves undefined when the body is not well formed.
 */
export function parseMultipart(body: Buffer, contentType: string): Promise<FormPart[] | undefined> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8' });
    } catch {
      resolve(undefined);
      return;
    }
    // Parts in the order they appear; a file part's data is filled in when its stream ends.
    const parts: FormPart[] = [];
    let malformed = false;
    parser.on('file', (name, stream, info) => {
      const part: FormPart = { name, filename: info.filename ?? '', data: Buffer.alloc(0) };
      if (info.mimeType) part.contentType = info.mimeType;
      parts.push(part);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        part.data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      });
    });
    parser.on('field', (name, value) => parts.push({ name, data: Buffer.from(value, 'utf8') }));
    parser.on('error', () => {
      malformed = true;
      resolve(undefined);
    });
    parser.on('close', () => {
      if (!malformed) resolve(parts);
    });
    parser.end(body);
  });
}
