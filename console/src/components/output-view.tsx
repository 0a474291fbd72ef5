/**
 * An execution's output: images shown as images (a stored image's URL, or base64 bytes the
 * output schema marks as an image), the rest as JSON.
 */
interface Found {
  src: string;
  label: string;
}

/** Images in an output: objects with an image contentType and a host URL, data: URLs, base64 image fields. */
export function findImages(value: unknown, schema?: any, path = ''): Found[] {
  const out: Found[] = [];
  if (typeof value === 'string') {
    if (/^data:image\/(png|jpeg|gif|webp);base64,/.test(value)) out.push({ src: value, label: path });
    else if (schema?.contentEncoding === 'base64' && typeof schema?.contentMediaType === 'string' && /^image\/(png|jpeg|gif|webp)$/.test(schema.contentMediaType) && /^[A-Za-z0-9+/=]+$/.test(value)) {
      out.push({ src: `data:${schema.contentMediaType};base64,${value}`, label: path });
    }
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findImages(v, schema?.items, `${path}/${i}`)));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // Only this host's own URLs: an output is plugin data, and the page reaches nothing else.
    if (typeof o.url === 'string' && o.url.startsWith('/') && !o.url.startsWith('//') && typeof o.contentType === 'string' && o.contentType.startsWith('image/')) {
      out.push({ src: o.url, label: `${path || 'image'}${typeof o.width === 'number' ? ` (${o.width}×${o.height})` : ''}` });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'url') out.push(...findImages(v, schema?.properties?.[k], `${path}/${k}`));
  }
  return out;
}

/** Long base64 strings shortened, so the JSON stays readable. */
function readable(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 && /^[A-Za-z0-9+/=:;,.-]+$/.test(value.slice(0, 200)) ? `${value.slice(0, 60)}… (${value.length} characters)` : value;
  if (Array.isArray(value)) return value.map(readable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  return value;
}

export function OutputView({ output, schema }: { output: unknown; schema?: any }) {
  const images = findImages(output, schema);
  return (
    <div class="output" data-section="output">
      {images.length > 0 && (
        <div class="images">
          {images.map((img) => (
            <figure>
              <img src={img.src} alt={`output image ${img.label}`} data-output-image />
              <figcaption>{img.label}</figcaption>
            </figure>
          ))}
        </div>
      )}
      <pre class="json">{JSON.stringify(readable(output), null, 2)}</pre>
    </div>
  );
}
